"""Webhook ingest: verify, store and enqueue, at concurrency 8 for 20 seconds against
one Odoo server (2 HTTP workers), beside an Odoo route that only inserts one row (the
floor), same server, same run. The load is loopback only and stops by itself.

Usage (bench/run does it): python bench/webhook_ingest.py CONF DB [--seconds 20]
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import threading
import time
import uuid

import requests
from common import odoo_registry, percentile, start_http_server, stop

SECRET = "bench-webhook-secret"
SHOP_DOMAIN = "bench-shop.myshopify.com"
BODY = json.dumps(
    {
        "id": 5723984392,
        "email": "buyer@example.com",
        "line_items": [
            {"sku": "BRK-PAD-1001", "quantity": 2, "price": "54.90"},
            {"sku": "FLT-OIL-0310", "quantity": 1, "price": "9.50"},
        ],
        "shipping_address": {"city": "Leeds", "zip": "LS1 4AP", "country_code": "GB"},
        "note": "x" * 600,
    }
).encode()
SIGNATURE = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()


def load(url, seconds, concurrency, spec):
    latencies, statuses = [], {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        session = requests.Session()
        mine, codes = [], {}
        while time.monotonic() < deadline:
            headers = {
                "Content-Type": "application/json",
                spec["signature"]: SIGNATURE,
                spec["topic"]: "carts/update",  # stored and queued; no handler runs here
                spec["delivery_id"]: str(uuid.uuid4()),
                "X-Shopify-Shop-Domain": SHOP_DOMAIN,  # Shopify's verifier checks it
            }
            started = time.monotonic()
            response = session.post(url, data=BODY, headers=headers, timeout=10)
            mine.append(time.monotonic() - started)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=client) for _i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.monotonic() - started


def line(label, latencies, statuses, wall):
    return "%-38s %7.1f req/s   p50 %6.1f ms   p99 %6.1f ms   statuses %s" % (
        label,
        len(latencies) / wall,
        1000 * percentile(latencies, 0.5),
        1000 * percentile(latencies, 0.99),
        dict(sorted(statuses.items())),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    import odoo

    registry = odoo_registry(args.conf, args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backend = env["integration.backend"].create(
            {
                "name": "Webhook benchmark",
                "platform": "shopify",
                "environment": "production",
                "api_url": "https://" + SHOP_DOMAIN,
                "shopify_shop_domain": SHOP_DOMAIN,  # learnt by Test connection in real use
            }
        )
        backend._set_credential("webhook_secret", SECRET)
        backend_id = backend.id
        spec = backend._webhook_spec()
        cr.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_row (id serial PRIMARY KEY, "
            "backend_id int, body text)"
        )
    log_path = os.path.join(os.path.dirname(args.conf), "webhook-bench-odoo.log")
    process, url = start_http_server(args.conf, args.db, log_path)
    try:
        load(url + "/integration/webhook/%s" % backend_id, 2, args.concurrency, spec)  # warm-up
        floor = load(url + "/bench/floor/%s" % backend_id, args.seconds, args.concurrency, spec)
        suite = load(
            url + "/integration/webhook/%s" % backend_id, args.seconds, args.concurrency, spec
        )
    finally:
        stop(process)
    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM integration_webhook_event WHERE backend_id = %s", [backend_id]
        )
        stored = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sync_job WHERE backend_id = %s", [backend_id])
        queued = cr.fetchone()[0]
    print(
        "webhook ingest (concurrency %s, %.0f s each, %s cores)"
        % (args.concurrency, args.seconds, os.cpu_count())
    )
    print(line("floor: Odoo route inserting one row", *floor))
    print(line("suite: verify + store + enqueue", *suite))
    print(
        "suite/floor ratio: %.2f; deliveries stored %s, jobs queued %s"
        % ((len(suite[0]) / suite[2]) / (len(floor[0]) / floor[2]), stored, queued)
    )


if __name__ == "__main__":
    main()
