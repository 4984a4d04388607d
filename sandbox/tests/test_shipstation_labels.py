"""Labels (real PDFs, tracking numbers per carrier, costs), rates, voids, and the
account endpoints: carriers with services and packages, warehouses, stores."""

from __future__ import annotations

import base64
import io
import re
from decimal import Decimal

import pytest
from PyPDF2 import PdfReader

from sandbox.shipstation.server import start_server
from sandbox.shipstation.testing import SandboxClient, order_body


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True, rate_limit=100000)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = SandboxClient(server.url)
    c.control("POST", "reset", {"seed": True})
    return c


def label_request(order_id, carrier="ups_walleted", service="ups_ground", **extra):
    return {
        "orderId": order_id,
        "carrierCode": carrier,
        "serviceCode": service,
        "confirmation": "none",
        "shipDate": "2026-12-04",
        "testLabel": False,
        **extra,
    }


def pdf_text(label_data: str) -> str:
    raw = base64.b64decode(label_data, validate=True)
    assert raw.startswith(b"%PDF-1.") and raw.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(raw))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_label_for_order_is_a_pdf_and_ships_the_order(client):
    order = client.ok("POST", "/orders/createorder", order_body("L1"))
    label = client.ok("POST", "/orders/createlabelfororder", label_request(order["orderId"]))
    assert {"shipmentId", "shipmentCost", "insuranceCost", "trackingNumber", "labelData"} <= set(
        label
    )
    assert re.fullmatch(r"1Z[0-9A-Z]{16}", label["trackingNumber"])
    text = pdf_text(label["labelData"])
    assert label["trackingNumber"] in text and "Alice Smith" in text
    assert label["shipmentCost"] > 0 and label["insuranceCost"] == Decimal("0.00")
    fetched = client.ok("GET", f"/orders/{order['orderId']}")
    assert fetched["orderStatus"] == "shipped" and fetched["shipDate"] == "2026-12-04"
    assert fetched["carrierCode"] == "ups_walleted"
    listed = client.ok("GET", f"/shipments?orderId={order['orderId']}&includeShipmentItems=true")
    shipment = listed["shipments"][0]
    assert shipment["labelData"] is None  # lists never carry the label
    assert [(i["sku"], i["quantity"]) for i in shipment["shipmentItems"]] == [
        ("BP-100-F", 2),
        ("OF-200", 3),
    ]
    again = client.api("POST", "/orders/createlabelfororder", label_request(order["orderId"]))
    assert again.status == 400 and "is shipped" in again.json()["ExceptionMessage"]


@pytest.mark.parametrize(
    ("carrier", "service", "pattern"),
    [
        ("stamps_com", "usps_priority_mail", r"9400\d{18}"),
        ("fedex", "fedex_ground", r"\d{12}"),
        ("royal_mail", "rm_tracked_24", r"[A-Z]{2}\d{9}GB"),
    ],
)
def test_tracking_numbers_look_like_the_carriers(client, carrier, service, pattern):
    order = client.ok("POST", "/orders/createorder", order_body(f"T-{carrier}"))
    label = client.ok(
        "POST", "/orders/createlabelfororder", label_request(order["orderId"], carrier, service)
    )
    assert re.fullmatch(pattern, label["trackingNumber"]), label["trackingNumber"]


def test_label_errors(client):
    order = client.ok("POST", "/orders/createorder", order_body("LE"))
    wrong_service = client.api(
        "POST",
        "/orders/createlabelfororder",
        label_request(order["orderId"], "fedex", "ups_ground"),
    )
    assert wrong_service.status == 400
    assert "Invalid serviceCode" in wrong_service.json()["ExceptionMessage"]
    wrong_carrier = client.api(
        "POST", "/orders/createlabelfororder", label_request(order["orderId"], "dhl", "x")
    )
    assert "Invalid carrierCode" in wrong_carrier.json()["ExceptionMessage"]
    missing = client.api("POST", "/orders/createlabelfororder", {"orderId": order["orderId"]})
    assert missing.status == 400
    assert set(missing.json()["ModelState"]) >= {
        "request.carrierCode",
        "request.serviceCode",
        "request.confirmation",
        "request.shipDate",
        "request.testLabel",
    }
    bad_confirmation = client.api(
        "POST",
        "/orders/createlabelfororder",
        label_request(order["orderId"], confirmation="maybe"),
    )
    assert "confirmation must be one of" in bad_confirmation.json()["ExceptionMessage"]


def test_test_labels_change_nothing(client):
    order = client.ok("POST", "/orders/createorder", order_body("TEST"))
    label = client.ok(
        "POST", "/orders/createlabelfororder", label_request(order["orderId"], testLabel=True)
    )
    assert pdf_text(label["labelData"])
    assert client.ok("GET", f"/orders/{order['orderId']}")["orderStatus"] == "awaiting_shipment"
    assert client.ok("GET", "/shipments")["total"] == 0


def test_createlabel_without_order_and_insurance_cost(client):
    address = order_body()["shipTo"]
    body = {
        "carrierCode": "fedex",
        "serviceCode": "fedex_international_priority",
        "packageCode": "package",
        "shipDate": "2026-12-04",
        "weight": {"value": 3, "units": "pounds"},
        "shipFrom": address,
        "shipTo": dict(address, country="US", postalCode="78756"),
        "insuranceOptions": {"provider": "carrier", "insureShipment": True, "insuredValue": 250},
    }
    label = client.ok("POST", "/shipments/createlabel", body)
    assert label["orderId"] is None and label["insuranceCost"] == Decimal("2.97")
    assert pdf_text(label["labelData"])
    wrong_package = client.api("POST", "/shipments/createlabel", dict(body, packageCode="crate"))
    assert "Invalid packageCode" in wrong_package.json()["ExceptionMessage"]
    no_weight = client.api(
        "POST", "/shipments/createlabel", dict(body, weight={"value": 0, "units": "pounds"})
    )
    assert "weight must be greater than zero" in no_weight.json()["ExceptionMessage"]


def test_void_returns_the_order_to_awaiting_shipment(client):
    order = client.ok("POST", "/orders/createorder", order_body("V1"))
    label = client.ok("POST", "/orders/createlabelfororder", label_request(order["orderId"]))
    voided = client.ok("POST", "/shipments/voidlabel", {"shipmentId": label["shipmentId"]})
    assert voided == {"approved": True, "message": "Label voided successfully"}
    assert client.ok("GET", f"/orders/{order['orderId']}")["orderStatus"] == "awaiting_shipment"
    shipment = client.ok("GET", f"/shipments?orderId={order['orderId']}")["shipments"][0]
    assert shipment["voided"] is True and shipment["voidDate"]
    twice = client.ok("POST", "/shipments/voidlabel", {"shipmentId": label["shipmentId"]})
    assert twice["approved"] is False
    assert client.api("POST", "/shipments/voidlabel", {"shipmentId": 1}).status == 400
    assert client.api("POST", "/shipments/voidlabel", {"shipmentId": "x"}).status == 400
    # a new label after the void: two shipments, one live
    client.ok("POST", "/orders/createlabelfororder", label_request(order["orderId"]))
    live = client.ok("GET", f"/shipments?orderId={order['orderId']}")["shipments"]
    assert [s["voided"] for s in live] == [True, False]
    assert client.ok("GET", "/shipments?voidDateStart=2000-01-01")["total"] == 1


def test_rates_for_domestic_and_international(client):
    body = {
        "carrierCode": "fedex",
        "fromPostalCode": "LS9 0PS",
        "toCountry": "GB",
        "toPostalCode": "ls1 5ab",
        "weight": {"value": 40, "units": "ounces"},
    }
    domestic = client.ok("POST", "/shipments/getrates", body)
    assert [r["serviceCode"] for r in domestic] == ["fedex_ground", "fedex_2day"]
    assert all(
        set(r) == {"serviceName", "serviceCode", "shipmentCost", "otherCost"} for r in domestic
    )
    abroad = client.ok("POST", "/shipments/getrates", dict(body, toCountry="US"))
    assert abroad[0]["serviceCode"] == "fedex_international_priority"
    assert abroad[0]["shipmentCost"] > domestic[0]["shipmentCost"]
    one = client.ok("POST", "/shipments/getrates", dict(body, serviceCode="fedex_2day"))
    assert len(one) == 1
    heavier = client.ok(
        "POST", "/shipments/getrates", dict(body, weight={"value": 9, "units": "pounds"})
    )
    assert heavier[0]["shipmentCost"] > domestic[0]["shipmentCost"]
    assert client.api("POST", "/shipments/getrates", dict(body, weight=5)).status == 400
    unknown = client.api("POST", "/shipments/getrates", dict(body, carrierCode="nope"))
    assert unknown.status == 400


def test_carriers_services_packages(client):
    carriers = client.ok("GET", "/carriers")
    assert {c["code"] for c in carriers} >= {"stamps_com", "ups_walleted", "fedex"}
    assert all(not any(k.startswith("_") for k in c) for c in carriers)
    services = client.ok("GET", "/carriers/listservices?carrierCode=stamps_com")
    assert {s["carrierCode"] for s in services} == {"stamps_com"}
    assert any(s["international"] for s in services) and any(s["domestic"] for s in services)
    packages = client.ok("GET", "/carriers/listpackages?carrierCode=ups_walleted")
    assert "package" in {p["code"] for p in packages}
    assert client.ok("GET", "/carriers/getcarrier?carrierCode=fedex")["name"] == "FedEx"
    assert client.api("GET", "/carriers/listservices").status == 400
    assert client.api("GET", "/carriers/listservices?carrierCode=nope").status == 400


def test_warehouses_and_stores(client):
    warehouses = client.ok("GET", "/warehouses")
    assert [w["isDefault"] for w in warehouses] == [True, False]
    assert warehouses[0]["originAddress"]["country"] == "GB"
    one = client.ok("GET", f"/warehouses/{warehouses[1]['warehouseId']}")
    assert one["warehouseName"] == "York Trade Counter"
    stores = client.ok("GET", "/stores")
    assert all(s["active"] for s in stores) and len(stores) == 2
    assert len(client.ok("GET", "/stores?showInactive=true")) == 3
    assert [s["marketplaceId"] for s in client.ok("GET", "/stores?marketplaceId=4")] == [4]
    assert client.api("GET", "/stores/1").status == 404
    client.control(
        "POST",
        "seed",
        {
            "carriers": [{"code": "dpd", "name": "DPD UK", "services": [{"code": "dpd_next_day"}]}],
            "warehouses": [{"warehouseName": "Hull", "originAddress": {"country": "GB"}}],
        },
    )
    assert "dpd" in {c["code"] for c in client.ok("GET", "/carriers")}
    assert len(client.ok("GET", "/warehouses")) == 3
