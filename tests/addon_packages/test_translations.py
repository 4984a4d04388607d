"""Every addon ships the translation template of all its translatable strings
(i18n/<addon>.pot, Odoo's own export), kept current: a string added, changed or
removed without regenerating the template fails here."""

import sys
from pathlib import Path

from odoo.tests import common, tagged

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from update_pot import export_pot, pot_entries  # noqa: E402

ADDONS = sorted(p.parent.name for p in (ROOT / "addons").glob("*/__manifest__.py"))


@tagged("post_install", "-at_install")
class TestTranslationTemplates(common.TransactionCase):
    def test_every_addon_has_a_current_translation_template(self):
        for addon in ADDONS:
            with self.subTest(addon=addon):
                path = ROOT / "addons" / addon / "i18n" / ("%s.pot" % addon)
                self.assertTrue(
                    path.is_file(), "%s has no %s: run scripts/update-pot" % (addon, path)
                )
                exported = pot_entries(export_pot(self.env.cr, addon))
                shipped = pot_entries(path.read_text())
                missing = sorted(set(exported) - set(shipped))
                stale = sorted(set(shipped) - set(exported))
                self.assertFalse(
                    missing, "%s: strings missing from its .pot (run scripts/update-pot)" % addon
                )
                self.assertFalse(
                    stale, "%s: strings its .pot has that the addon no longer has" % addon
                )
                moved = [msgid for msgid in exported if exported[msgid] != shipped[msgid]]
                self.assertFalse(
                    moved, "%s: strings whose places changed (run scripts/update-pot)" % addon
                )
