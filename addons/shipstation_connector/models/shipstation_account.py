"""What the ShipStation account has (stores, ship-from locations, carriers with their
services and packages), imported by Refresh and kept as the account has it."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ShipStationRecord(models.AbstractModel):
    """One record of the account, by ShipStation's own id per backend."""

    _name = "shipstation.record"
    _description = "ShipStation account record"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char("ShipStation id", required=True, readonly=True, index=True)
    name = fields.Char(required=True, readonly=True)
    active = fields.Boolean(default=True)

    @api.model
    def _values_of(self, record):
        raise NotImplementedError

    @api.model
    def _sync_from(self, backend, records):
        """Create or update one row per record (by its id), archive the rows the
        account no longer has; return the rows."""
        existing = {
            row.external_id: row
            for row in self.with_context(active_test=False).search(
                [("backend_id", "=", backend.id)]
            )
        }
        kept = self.browse()
        for record in records:
            values = self._values_of(record)
            row = existing.pop(values["external_id"], None)
            if row:
                row.write(values)
            else:
                row = self.create({"backend_id": backend.id, **values})
            kept |= row
        self.browse([row.id for row in existing.values()]).write({"active": False})
        return kept


class ShipStationStore(models.Model):
    _name = "shipstation.store"
    _inherit = "shipstation.record"
    _description = "ShipStation store"

    marketplace = fields.Char(readonly=True)

    _sql_constraints = [
        ("backend_external_unique", "unique(backend_id, external_id)", "One row per store.")
    ]

    @api.model
    def _values_of(self, record):
        return {
            "external_id": str(record["storeId"]),
            "name": (record.get("storeName") or "").strip() or str(record["storeId"]),
            "marketplace": record.get("marketplaceName"),
            "active": bool(record.get("active", True)),
        }


class ShipStationWarehouse(models.Model):
    """A ship-from location, mapped to the Odoo warehouse whose deliveries leave from
    it; "Send deliveries" makes ShipStation the warehouse's shipping desk."""

    _name = "shipstation.warehouse"
    _inherit = "shipstation.record"
    _description = "ShipStation ship-from location"

    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Odoo warehouse",
        domain="[('company_id', '=', company_id)]",
        help="The deliveries of this warehouse leave from this ship-from location.",
    )
    send_deliveries = fields.Boolean(
        "Send deliveries",
        help="Warehouse mode: every delivery of the Odoo warehouse that is ready goes to "
        "ShipStation as an order; labels are bought there and the shipments come back.",
    )
    postal_code = fields.Char(readonly=True)
    country_code = fields.Char(readonly=True)
    is_default = fields.Boolean("Default", readonly=True)

    _sql_constraints = [
        ("backend_external_unique", "unique(backend_id, external_id)", "One row per location."),
    ]

    @api.constrains("warehouse_id", "backend_id")
    def _check_one_location_per_warehouse(self):
        for row in self.filtered("warehouse_id"):
            if row.warehouse_id.company_id != row.company_id:
                raise ValidationError(
                    _(
                        "%(warehouse)s belongs to another company than %(backend)s.",
                        warehouse=row.warehouse_id.name,
                        backend=row.backend_id.name,
                    )
                )
            others = self.search_count(
                [("warehouse_id", "=", row.warehouse_id.id), ("id", "!=", row.id)]
            )
            if others:
                raise ValidationError(
                    _(
                        "%(warehouse)s is already mapped to another ShipStation location: "
                        "a warehouse ships from one place.",
                        warehouse=row.warehouse_id.name,
                    )
                )

    @api.model
    def _values_of(self, record):
        origin = record.get("originAddress") or {}
        return {
            "external_id": str(record["warehouseId"]),
            "name": (record.get("warehouseName") or "").strip() or str(record["warehouseId"]),
            "postal_code": (origin.get("postalCode") or "").strip().upper(),
            "country_code": (origin.get("country") or "").strip().upper(),
            "is_default": bool(record.get("isDefault")),
        }


class ShipStationCarrier(models.Model):
    _name = "shipstation.carrier"
    _inherit = "shipstation.record"
    _description = "ShipStation carrier"

    code = fields.Char("Code", related="external_id")
    service_ids = fields.One2many("shipstation.service", "carrier_id", "Services")
    package_ids = fields.One2many("shipstation.package", "carrier_id", "Packages")

    _sql_constraints = [
        ("backend_external_unique", "unique(backend_id, external_id)", "One row per carrier."),
    ]

    @api.model
    def _values_of(self, record):
        return {
            "external_id": record["code"],
            "name": (record.get("nickname") or record.get("name") or record["code"]).strip(),
        }

    @api.model
    def _sync_from(self, backend, records, details=None):
        carriers = super()._sync_from(backend, records)
        for carrier in carriers:
            services, packages = (details or {}).get(carrier.external_id, ([], []))
            carrier._sync_options("shipstation.service", services)
            carrier._sync_options("shipstation.package", packages)
        return carriers

    def _sync_options(self, model, options):
        Option = self.env[model].with_context(active_test=False)
        existing = {row.code: row for row in Option.search([("carrier_id", "=", self.id)])}
        for option in options:
            values = {
                "name": (option.get("name") or option["code"]).strip(),
                "domestic": bool(option.get("domestic")),
                "international": bool(option.get("international")),
                "active": True,
            }
            row = existing.pop(option["code"], None)
            if row:
                row.write(values)
            else:
                Option.create({"carrier_id": self.id, "code": option["code"], **values})
        Option.browse([row.id for row in existing.values()]).write({"active": False})


class ShipStationCarrierOption(models.AbstractModel):
    _name = "shipstation.carrier.option"
    _description = "ShipStation carrier service or package"
    _order = "name"

    carrier_id = fields.Many2one(
        "shipstation.carrier", required=True, ondelete="cascade", index=True, readonly=True
    )
    backend_id = fields.Many2one(related="carrier_id.backend_id", store=True)
    company_id = fields.Many2one(related="carrier_id.company_id", store=True)
    code = fields.Char(required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    domestic = fields.Boolean(readonly=True)
    international = fields.Boolean(readonly=True)
    active = fields.Boolean(default=True)


class ShipStationService(models.Model):
    _name = "shipstation.service"
    _inherit = "shipstation.carrier.option"
    _description = "ShipStation shipping service"

    _sql_constraints = [
        ("carrier_code_unique", "unique(carrier_id, code)", "One row per service."),
    ]


class ShipStationPackage(models.Model):
    _name = "shipstation.package"
    _inherit = "shipstation.carrier.option"
    _description = "ShipStation package type"

    _sql_constraints = [
        ("carrier_code_unique", "unique(carrier_id, code)", "One row per package."),
    ]
