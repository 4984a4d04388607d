from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from ..exceptions import ConfigurationError
from ..tools.crypto import KEY_OPTION, generate_key
from .common import IntegrationCase

SECRET = "shpat_live_0123456789abcdef"


@tagged("post_install", "-at_install")
class TestCredential(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls.env["res.users"].create(
            {
                "name": "Staff",
                "login": "integration_staff",
                "groups_id": [(6, 0, [cls.env.ref("integration_base.group_integration_user").id])],
            }
        )
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Admin of integrations",
                "login": "integration_boss",
                "groups_id": [
                    (6, 0, [cls.env.ref("integration_base.group_integration_manager").id])
                ],
            }
        )
        cls.credential = cls.env["integration.credential"].create(
            {"backend_id": cls.backend.id, "key": "access_token", "value": SECRET}
        )

    def test_database_holds_only_ciphertext(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT value_encrypted FROM integration_credential WHERE id = %s",
            [self.credential.id],
        )
        (stored,) = self.env.cr.fetchone()
        self.assertTrue(stored)
        self.assertNotIn(SECRET, stored)
        self.assertNotIn(SECRET[-8:], stored)
        self.env.cr.execute(
            "SELECT count(*) FROM integration_credential WHERE value_encrypted LIKE %s",
            ["%" + SECRET + "%"],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(self.backend._get_credential("access_token"), SECRET)

    def test_masked_and_never_sent_in_clear(self):
        read = self.credential.with_user(self.manager).read(["value", "value_masked"])[0]
        self.assertFalse(read["value"], "the plaintext is never sent to the browser")
        self.assertEqual(read["value_masked"], "\u2022" * 8 + "cdef")

    def test_access_rights(self):
        with self.assertRaises(AccessError):
            self.credential.with_user(self.user).read(["key"])
        with self.assertRaises(AccessError):
            self.env["integration.credential"].with_user(self.user).create(
                {"backend_id": self.backend.id, "key": "x", "value": "y"}
            )
        self.credential.with_user(self.manager).write({"value": "shpat_rotated_99999999"})
        self.assertEqual(self.backend._get_credential("access_token"), "shpat_rotated_99999999")
        with self.assertRaises(AccessError):
            self.credential.with_user(self.manager).read(["value_encrypted"])
        # Staff see the backend but not its credentials.
        self.assertEqual(self.backend.with_user(self.user).read(["name"])[0]["name"], "Test Shop")

    def test_missing_or_wrong_key_is_a_clear_error(self):
        no_key = {"ODOO_INTEGRATION_KEY": ""}
        with (
            patch.dict(config.options, {KEY_OPTION: ""}),
            patch.dict("os.environ", no_key),
            self.assertRaisesRegex(Exception, "No encryption key for credentials"),
        ):
            self.env["integration.credential"].create(
                {"backend_id": self.backend.id, "key": "k2", "value": "v"}
            )
        with (
            patch.dict(config.options, {KEY_OPTION: generate_key()}),
            mute_logger("odoo.addons.integration_base"),
        ):
            with self.assertRaisesRegex(ConfigurationError, "not the one it was saved with"):
                self.backend._get_credential("access_token")
            self.credential.invalidate_recordset()
            self.assertEqual(self.credential.value_masked, "(cannot be decrypted: wrong key)")

    def test_multi_company_rule(self):
        other_company = self.env["res.company"].create({"name": "Other Parts Ltd"})
        other = self.env["integration.backend"].create(
            {"name": "Other shop", "platform": "shopify", "company_id": other_company.id}
        )
        visible = self.env["integration.backend"].with_user(self.user).search([])
        self.assertIn(self.backend, visible)
        self.assertNotIn(other, visible)
