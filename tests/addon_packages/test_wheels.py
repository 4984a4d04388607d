"""Each addon is a pip package named and built the way the OCA ships 17.0 addons
(odoo-addon-<name>, the whool build backend): build the wheels and read them back."""

import ast
import email
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

ADDONS = Path(__file__).resolve().parents[2] / "addons"
ADDON_DIRS = sorted(p.parent for p in ADDONS.glob("*/__manifest__.py"))


def _manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text())


@pytest.fixture(scope="module")
def wheels():
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
            + ["--no-build-isolation", "--wheel-dir", out]
            + [str(d) for d in ADDON_DIRS],
            check=True,
        )
        built = {}
        for path in Path(out).glob("*.whl"):
            with zipfile.ZipFile(path) as wheel:
                names = wheel.namelist()
                metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
                built[path.name] = (email.message_from_bytes(wheel.read(metadata)), names)
        yield built


@pytest.mark.parametrize("addon_dir", ADDON_DIRS, ids=lambda d: d.name)
def test_addon_is_an_oca_style_package(wheels, addon_dir):
    name = addon_dir.name
    manifest = _manifest(addon_dir)
    found = [w for w in wheels if w.startswith("odoo_addon_%s-" % name)]
    assert len(found) == 1, "no wheel built for %s: %s" % (name, sorted(wheels))
    metadata, files = wheels[found[0]]
    assert metadata["Name"] == "odoo-addon-%s" % name
    assert metadata["Version"].startswith(manifest["version"])
    assert "Framework :: Odoo :: 17.0" in metadata.get_all("Classifier")
    requires = metadata.get_all("Requires-Dist") or []
    assert "odoo>=17.0a,<17.1dev" in requires
    # The suite's own addons it depends on become package requirements; Odoo's own
    # addons come with the odoo package.
    ours = {d.name for d in ADDON_DIRS}
    for dependency in manifest["depends"]:
        wanted = "odoo-addon-%s>=17.0dev,<17.1dev" % dependency
        assert (wanted in requires) == (dependency in ours), (dependency, requires)
    for python_dependency in manifest.get("external_dependencies", {}).get("python", []):
        assert python_dependency in requires
    # Installed, the addon lands in the odoo.addons namespace: no addons path change.
    assert "odoo/addons/%s/__manifest__.py" % name in files
    assert not [f for f in files if "/tests/" in f and f.endswith(".pyc")]
