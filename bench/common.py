"""Helpers shared by the benchmarks: Odoo servers as subprocesses, percentiles."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, fraction):
    """Linear-interpolated percentile (as PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_odoo(conf, db, *args, log_path):
    """An Odoo server on a free port; returns (process, base url) once it answers."""
    port = free_port()
    command = [
        sys.executable,
        os.environ["ODOO_BIN"],
        "-c",
        conf,
        "-d",
        db,
        "--http-port=%s" % port,
        "--log-level=warn",
        *args,
    ]
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    # Odoo restarts itself (its watchdog, after a cron thread overran limit_time_real)
    # by running its interpreter's bare name again: the virtualenv's must come first.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PATH=path)
    )
    url = "http://127.0.0.1:%s" % port
    deadline = time.monotonic() + 300  # a busy machine starts Odoo slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("odoo stopped at start, see %s" % log_path)
        try:
            urllib.request.urlopen(url + "/web/health", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("odoo did not answer in 300 s, see %s" % log_path)


def start_http_server(conf, db, log_path, workers=2):
    """An Odoo server answering HTTP only: ``workers`` prefork workers, no cron thread
    (jobs are left to the worker servers): (process, base url)."""
    return start_odoo(
        conf,
        db,
        "--workers=%s" % workers,
        "--max-cron-threads=0",
        "--gevent-port=%s" % free_port(),
        log_path=log_path,
    )


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def stop_on_sigterm():
    """SIGTERM (bench/run's timeout, a person's kill) ends the bench through its
    ``finally`` blocks, which stop the servers it started."""
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))


def odoo_registry(conf, db):
    import odoo

    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    odoo.netsvc.init_logger()
    return odoo.registry(db)
