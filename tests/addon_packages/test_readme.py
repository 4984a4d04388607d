"""Each addon documents itself the OCA's way: readme/ fragments rendered into the
README.rst that Odoo's Apps list shows, beside the addon's icon."""

import subprocess
import sys
from pathlib import Path

import docutils.core
import docutils.utils
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDON_DIRS = sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py"))


def test_readme_rst_rendered_from_fragments():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/gen_addon_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("addon_dir", ADDON_DIRS, ids=lambda d: d.name)
def test_addon_readme_and_icon(addon_dir):
    for fragment in ("DESCRIPTION.md", "CONFIGURE.md", "USAGE.md", "CONTRIBUTORS.md"):
        assert (addon_dir / "readme" / fragment).is_file(), fragment
    assert (addon_dir / "static/description/icon.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Odoo renders README.rst with docutils: it must do so without a warning.
    docutils.core.publish_doctree(
        (addon_dir / "README.rst").read_text(),
        settings_overrides={"report_level": docutils.utils.Reporter.WARNING_LEVEL, "halt_level": 2},
    )
