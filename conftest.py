"""A skipped test is a test that did not run: the suite fails rather than pass by
skipping (a missing browser, websocket client or server must be fixed, not ignored)."""


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        reporter.write_line(
            "%d test(s) were skipped: the suite does not pass by skipping." % len(skipped),
            red=True,
        )
        session.exitstatus = 1
