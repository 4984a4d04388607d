"""Write each suite addon's translation template, addons/<addon>/i18n/<addon>.pot,
with Odoo's own export, from a database where the addons are installed.

Usage: python scripts/update_pot.py CONF DB [ADDON ...]   (scripts/update-pot makes
the database). tests/addon_packages/test_translations.py fails when a template is not
what this writes.
"""

import io
import sys
from pathlib import Path

import polib

import odoo
from odoo.tools.translate import trans_export

ROOT = Path(__file__).resolve().parents[1]


def export_pot(cr, addon):
    """The .pot text of ``addon`` as Odoo exports it."""
    buffer = io.BytesIO()
    trans_export(None, [addon], buffer, "po", cr)
    return buffer.getvalue().decode()


def pot_entries(pot_text):
    """{msgid: (sorted occurrences, comment)}: a template less its dated header."""
    return {
        entry.msgid: (sorted(entry.occurrences), entry.comment) for entry in polib.pofile(pot_text)
    }


def main(conf, db, addons):
    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    addons = addons or sorted(p.parent.name for p in (ROOT / "addons").glob("*/__manifest__.py"))
    with odoo.registry(db).cursor() as cr:
        for addon in addons:
            target = ROOT / "addons" / addon / "i18n" / ("%s.pot" % addon)
            pot = export_pot(cr, addon)
            if target.is_file() and pot_entries(target.read_text()) == pot_entries(pot):
                continue  # only its date would change
            target.parent.mkdir(exist_ok=True)
            target.write_text(pot)
            print("wrote %s" % target.relative_to(ROOT))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
