"""The checks a contributor's commit runs (.pre-commit-config.yaml) are the lint checks
of the test command, with the same tools: a check added to one is added to the other."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMAND = r"(?: (check|format))?"


def _tool(match):
    return " ".join(part for part in match.groups() if part)


def test_pre_commit_runs_the_checks_of_the_test_command():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    committed = {_tool(re.match(r"\.venv/bin/([\w-]+)" + SUBCOMMAND, h["entry"])) for h in hooks}
    test_command = (ROOT / "scripts/test").read_text()
    lint = test_command[test_command.index('echo "== lint"') :].split("\n\n")[0]
    linted = {_tool(m) for m in re.finditer(r'"\$VENV/bin/([\w-]+)"' + SUBCOMMAND, lint)}
    assert {"ruff check", "ruff format", "pylint", "oca-checks-odoo-module"} <= linted
    assert linted <= committed, linted - committed
    for hook in hooks:
        assert hook["language"] == "system", "the .venv's own versions, as scripts/test"
