"""Helpers shared by the Shopify benchmarks: the sandbox as a process of its own, the
backend and its workers, and the figures read back from the database and the sandbox.

The sandbox runs as ``python bench/shopify_common.py sandbox --port P --plan standard``:
the sandbox of ``sandbox/shopify`` unchanged (``SandboxApp``, ``SandboxServer``), plus
two read-only routes for the benchmarks, because the sandbox itself has no cheap way
to read them:

- ``GET /_bench/stats``: GraphQL answers counted per operation name as the sandbox
  gave them (calls, THROTTLED answers, actualQueryCost summed and its minimum,
  inventory quantities received), the throttle status and a catalogue summary;
- ``GET /_bench/levels``: ``{inventory item id: {location name: available}}`` only, a
  light poll
  beside ``/_sandbox/state`` (which dumps the whole store under its lock).

It runs in its own process so that its CPU is not counted as Odoo's, with TCP_NODELAY
on its sockets (``--nagle`` leaves it off, as ``python -m sandbox.shopify`` has it):
the sandbox sends an answer's headers and body in two writes, and with Nagle's
algorithm every request on a kept-alive connection then waits ~40 ms for the
client's delayed ACK, a loopback artefact that no real shop has.
"""

import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter

from common import ROOT, free_port, start_odoo, stop

SANDBOX_TOKEN = "shpat_sandbox"
# The sandbox's app client secret (its Config default): Shopify signs webhooks with it.
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"
LOCATION_NAME = "Main warehouse"
JOB_LOG_HANDLER = "--log-handler=odoo.addons.integration_base.models.sync_job:INFO"
FAILED_LINE = re.compile(r"sync job \d+ \((\w+)\) failed: (\w+)")


# --------------------------------------------------------------------- the sandbox
def _serve_sandbox(argv):
    """Entry point of the sandbox process (see the module docstring)."""
    import argparse
    from urllib.parse import urlsplit

    sys.path.insert(0, ROOT)
    from sandbox.shopify.app import SandboxApp
    from sandbox.shopify.config import Config
    from sandbox.shopify.server import SandboxServer

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--plan", default="standard")
    parser.add_argument("--nagle", action="store_true", help="leave Nagle's algorithm on")
    args = parser.parse_args(argv)

    app = SandboxApp(Config(plan=args.plan, admin_token=SANDBOX_TOKEN))
    lock = threading.Lock()
    counts = {}
    graphql = app.graphql

    def counted_graphql(body):
        answer = graphql(body)
        operation = body.get("operationName") or "(unnamed)"
        cost = (answer.get("extensions") or {}).get("cost") or {}
        codes = {(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []}
        actual = cost.get("actualQueryCost")
        items = 0
        if operation == "InventorySetQuantities" and "THROTTLED" not in codes:
            items = len((body.get("variables") or {}).get("quantities") or [])
        with lock:
            entry = counts.setdefault(
                operation,
                {"calls": 0, "throttled": 0, "errors": 0, "points": 0, "min_cost": None},
            )
            entry["calls"] += 1
            entry["throttled"] += "THROTTLED" in codes
            entry["errors"] += bool(codes - {"THROTTLED"})
            entry["items"] = entry.get("items", 0) + items
            if actual is not None:
                entry["points"] += actual
                if entry["min_cost"] is None or actual < entry["min_cost"]:
                    entry["min_cost"] = actual
        return answer

    app.graphql = counted_graphql

    def catalogue():
        store = app.store
        with store.lock:
            skus = Counter(item["sku"] for item in store.items.values() if item.get("sku"))
            return {
                "products": len(store.products),
                "variants": len(store.variants),
                "distinct_skus": len(skus),
                "duplicated_skus": sum(1 for count in skus.values() if count > 1),
                "collections": sorted(
                    (c["title"], len(c["product_ids"])) for c in store.collections.values()
                ),
                "metafield_definitions": len(store.metafield_definitions),
            }

    def levels():
        store = app.store
        with store.lock:
            names = {loc_id: loc["name"] for loc_id, loc in store.locations.items()}
            result = {}
            for (item_id, loc_id), level in store.levels.items():
                result.setdefault(item_id, {})[names.get(loc_id)] = level["available"]
            return result

    server = SandboxServer(app, host="127.0.0.1", port=args.port)
    base = server.httpd.RequestHandlerClass

    class BenchHandler(base):
        # The sandbox writes the headers and the body of an answer in two sends: with
        # Nagle's algorithm on, the body then waits for the client's delayed ACK, about
        # 40 ms on every keep-alive request (the workers keep their connections).
        disable_nagle_algorithm = not args.nagle

        def _route(self, method):
            path = urlsplit(self.path).path
            if method == "GET" and path == "/_bench/stats":
                self._body()
                with lock:
                    operations = json.loads(json.dumps(counts))
                return self._send(
                    200,
                    {
                        "operations": operations,
                        "throttle": app.bucket.status(),
                        "catalogue": catalogue(),
                    },
                )
            if method == "GET" and path == "/_bench/levels":
                self._body()
                return self._send(200, levels())
            return super()._route(method)

    server.httpd.RequestHandlerClass = BenchHandler
    print("sandbox listening on %s" % server.url, flush=True)
    server.serve_forever()


def start_sandbox(log_path, plan="standard", nagle=False):
    """The sandbox in a process of its own on a free port: (process, url)."""
    port = free_port()
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    command = [sys.executable, os.path.abspath(__file__), "sandbox", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--plan", plan, *(["--nagle"] if nagle else [])],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = "http://127.0.0.1:%s" % port
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the sandbox stopped at start, see %s" % log_path)
        try:
            get_json(url, "/_sandbox/health")
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the sandbox did not answer in 60 s, see %s" % log_path)


def get_json(url, path, timeout=10):
    with urllib.request.urlopen(url + path, timeout=timeout) as response:
        return json.loads(response.read())


def post_json(url, path, data, timeout=10, headers=None):
    request = urllib.request.Request(
        url + path,
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def operations_delta(before, after):
    """Per-operation sandbox counters of ``after`` minus ``before``."""
    delta = {}
    for name, entry in after["operations"].items():
        old = before["operations"].get(name, {})
        diff = {
            key: entry.get(key, 0) - old.get(key, 0)
            for key in ("calls", "throttled", "errors", "points", "items")
        }
        diff["min_cost"] = entry.get("min_cost")
        if diff["calls"]:
            delta[name] = diff
    return delta


# ------------------------------------------------------------------- Odoo side
def env_of(cr):
    import odoo

    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def create_backend(registry, url, workers):
    """A Shopify backend on the sandbox, connected (its one location mapped to the one
    warehouse), with ``workers`` worker crons: the addon's and copies of it."""
    post_json(url, "/_sandbox/seed", {"locations": [{"name": LOCATION_NAME}]})
    with registry.cursor() as cr:
        env = env_of(cr)
        backend = env["integration.backend"].create(
            {
                "name": "Shopify benchmark",
                "platform": "shopify",
                "api_url": url,
                "shopify_plan": "standard",
            }
        )
        backend._set_credential("access_token", SANDBOX_TOKEN)
        backend_id = backend.id
        # The api log and the rate-limit rows are written in transactions of their own.
        cr.commit()
        backend.action_test_connection()
        location = backend.shopify_location_ids
        if len(location) != 1 or not location.warehouse_id:
            raise RuntimeError("the sandbox location was not mapped to the warehouse")
        cron = env.ref("shopify_connector.ir_cron_shopify_jobs")
        for index in range(1, workers):
            env["ir.cron"].create(
                {
                    "name": "%s (benchmark copy %s)" % (cron.name, index + 1),
                    "model_id": cron.model_id.id,
                    "state": "code",
                    "code": cron.code,
                    "integration_worker_platform": cron.integration_worker_platform,
                    "interval_number": cron.interval_number,
                    "interval_type": cron.interval_type,
                    "numbercall": -1,
                    "user_id": cron.user_id.id,
                }
            )
        return backend_id, location.warehouse_id.lot_stock_id.id


def use_shop_currency(registry, sandbox_url):
    """The company keeps its books in the shop's currency (GBP on the sandbox), as a
    shop's Odoo usually does: orders need no conversion."""
    answer = post_json(
        sandbox_url,
        "/admin/api/2026-10/graphql.json",
        {"query": "{ shop { currencyCode } }"},
        headers={"X-Shopify-Access-Token": SANDBOX_TOKEN},
    )
    with registry.cursor() as cr:
        env = env_of(cr)
        currency = (
            env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", answer["data"]["shop"]["currencyCode"])])
        )
        currency.active = True
        env.company.currency_id = currency


def connect_webhooks(registry, backend_id, http_url, sandbox_url):
    """The backend takes Shopify's webhooks at the Odoo server ``http_url``, signed
    with the app's client secret as Shopify signs them. The reconciliation poll is
    switched off: every sale order then comes from a webhook, and an order the
    webhooks lose shows as lost. Returns (the backend's webhook URI, the shop domain
    the sandbox sends them from)."""
    with registry.cursor() as cr:
        env = env_of(cr)
        backend = env["integration.backend"].browse(backend_id)
        backend._set_credential("client_secret", SANDBOX_CLIENT_SECRET)
        backend.shopify_webhook_base_url = http_url
        uri = backend._shopify_webhook_uri()
        env.ref("shopify_connector.ir_cron_shopify_poll_orders").active = False
    return uri, get_json(sandbox_url, "/_sandbox/state")["shop"]["domain"]


def ensure_attribute(env):
    return env["product.attribute"].create(
        {
            "name": "Position",
            "create_variant": "always",
            "value_ids": [(0, 0, {"name": name}) for name in ("Front", "Rear", "Pair")],
        }
    )


def create_catalogue(env, count, prefix, multi_variant=lambda index: True, categories=5):
    """``count`` storable templates, each with 1-2 fitment rows, a category, a brand and
    an OEM number; the multi-variant ones have 3 variants (Position: Front, Rear,
    Pair) with their own SKU, price and weight. Returns the templates."""
    attribute = ensure_attribute(env)
    values = attribute.value_ids
    parent = env.ref("product.product_category_all")
    categs = env["product.category"].create(
        [
            {"name": "%s %s" % (prefix, name), "parent_id": parent.id}
            for name in ("Brakes", "Filters", "Suspension", "Lighting", "Engine")[:categories]
        ]
    )
    vals_list = []
    for index in range(count):
        vals = {
            "name": "%s part %05d" % (prefix, index),
            "detailed_type": "product",
            "list_price": 10 + (index % 97) + 0.5,
            "categ_id": categs[index % len(categs)].id,
            "part_brand": ("Brembo", "Bosch", "Mann", "Febi")[index % 4],
            "oem_number": "OEM-%s-%05d" % (prefix, index),
            "description_sale": "Benchmark part %s" % index,
        }
        if multi_variant(index):
            vals["attribute_line_ids"] = [
                (0, 0, {"attribute_id": attribute.id, "value_ids": [(6, 0, values.ids)]})
            ]
        else:
            vals["default_code"] = "%s-%05d" % (prefix, index)
            vals["weight"] = 0.5 + (index % 10) / 10
        vals_list.append(vals)
    templates = env["product.template"].create(vals_list)
    # A price per position (Front +0, Rear +5, Pair +12) and an SKU and weight per variant.
    extras = {"Front": 0.0, "Rear": 5.0, "Pair": 12.0}
    ptavs = env["product.template.attribute.value"].search(
        [("product_tmpl_id", "in", templates.ids)]
    )
    for name, extra in extras.items():
        ptavs.filtered(lambda p, name=name: p.name == name).write({"price_extra": extra})
    weights = {"Front": 1.2, "Rear": 1.4, "Pair": 2.6}
    for template in templates.filtered("attribute_line_ids"):
        number = int(template.name.rsplit(" ", 1)[1])
        for variant in template.product_variant_ids:
            position = variant.product_template_attribute_value_ids.name
            variant.write(
                {
                    "default_code": "%s-%05d-%s" % (prefix, number, position[:2].upper()),
                    "weight": weights[position],
                }
            )
    fitments = []
    for index, template in enumerate(templates):
        makes = (("Ford", "Focus"), ("VW", "Golf"), ("BMW", "320d"), ("Toyota", "Yaris"))
        for row in range(1 + index % 2):
            make, model = makes[(index + row) % len(makes)]
            fitments.append(
                {
                    "product_tmpl_id": template.id,
                    "year": 2005 + (index + row) % 15,
                    "make": make,
                    "model": model,
                    "engine": ("1.6 TDCi", "2.0 TDI", None)[(index + row) % 3],
                }
            )
    env["product.fitment"].create(fitments)
    return templates


def stocked_catalogue(registry, backend_id, stock_location_id, products, prefix, quantity):
    """``products`` templates of 3 variants, ``quantity`` units of each variant in the
    mapped warehouse, exported with their stock by the workers (which must be running,
    see start_workers). Returns the SKUs whose variant is bound on Shopify."""
    with registry.cursor() as cr:
        env = env_of(cr)
        templates = create_catalogue(env, products, prefix)
        location = env["stock.location"].browse(stock_location_id)
        for variant in templates.product_variant_ids:
            env["stock.quant"]._update_available_quantity(variant, location, quantity)
        env["shopify.product.binding"]._bind_and_export(
            env["integration.backend"].browse(backend_id), templates
        )
    wait_jobs(registry, backend_id, 900, "export with stock")
    with registry.cursor() as cr:
        cr.execute(
            """SELECT p.default_code FROM shopify_variant_binding b
                 JOIN product_product p ON p.id = b.odoo_id
                WHERE b.backend_id = %s AND b.inventory_item_id IS NOT NULL
                ORDER BY p.default_code""",
            [backend_id],
        )
        return [row[0] for row in cr.fetchall()]


def start_workers(conf, db, count, log_path):
    """``count`` Odoo servers, one cron thread each, no HTTP workers; sync_job's INFO
    lines (one per failed or retried job) go to the log."""
    servers = []
    try:
        for _index in range(count):
            servers.append(
                start_odoo(
                    conf,
                    db,
                    "--max-cron-threads=1",
                    "--workers=0",
                    JOB_LOG_HANDLER,
                    log_path=log_path,
                )
            )
    except Exception:
        stop_all(servers)
        raise
    return servers


def stop_all(servers):
    for process, _url in servers:
        stop(process)


def cpu_seconds(processes):
    """User + system CPU time of the processes so far."""
    import psutil

    total = 0.0
    for process in processes:
        times = psutil.Process(process.pid).cpu_times()
        total += times.user + times.system
    return total


def job_states(cr, backend_id, since_id=0):
    cr.execute(
        """SELECT state, count(*) FROM sync_job
            WHERE backend_id = %s AND id > %s GROUP BY state""",
        [backend_id, since_id],
    )
    return dict(cr.fetchall())


def wait_jobs(registry, backend_id, timeout, label, since_id=0, every=30):
    """Until no job of the backend is pending or processing; progress on stderr."""
    started = time.monotonic()
    next_report = started + every
    with registry.cursor() as cr:
        while True:
            states = job_states(cr, backend_id, since_id)
            cr.commit()
            left = states.get("pending", 0) + states.get("processing", 0)
            now = time.monotonic()
            if not left:
                return now - started
            if now - started > timeout:
                raise RuntimeError(
                    "%s: jobs still pending after %.0f s: %s" % (label, timeout, states)
                )
            if now >= next_report:
                print("  [%s] %4.0f s: %s" % (label, now - started, states), file=sys.stderr)
                next_report = now + every
            time.sleep(0.2)


def max_id(cr, table):
    cr.execute("SELECT coalesce(max(id), 0) FROM %s" % table)
    return cr.fetchone()[0]


def api_log_by_operation(cr, backend_id, since_id):
    """API log rows of the backend after ``since_id``: {job operation: (calls,
    points, errors)}; calls made outside a job are under None."""
    cr.execute(
        """SELECT j.operation, count(*), coalesce(sum(l.cost), 0),
                  count(*) FILTER (WHERE l.is_error), count(*) FILTER (WHERE l.cost IS NULL)
             FROM integration_api_log l LEFT JOIN sync_job j ON j.id = l.job_id
            WHERE l.backend_id = %s AND l.id > %s
            GROUP BY j.operation""",
        [backend_id, since_id],
    )
    return {row[0]: row[1:] for row in cr.fetchall()}


def log_size(log_path):
    try:
        return os.path.getsize(log_path)
    except FileNotFoundError:
        return 0


def failures_in_log(log_path, offset=0):
    """{(operation, error kind): count} from the workers' sync_job INFO lines past
    ``offset``: every job run that failed, whether it was retried or not."""
    found = Counter()
    try:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            for line in log:
                match = FAILED_LINE.search(line)
                if match:
                    found[match.groups()] += 1
    except FileNotFoundError:
        pass
    return dict(found)


def failed_jobs(cr, backend_id, since_id=0, limit=3):
    cr.execute(
        """SELECT operation, error_kind, count(*), min(left(last_error, 160))
             FROM sync_job WHERE backend_id = %s AND id > %s AND state = 'failed'
            GROUP BY operation, error_kind ORDER BY count(*) DESC LIMIT %s""",
        [backend_id, since_id, limit],
    )
    return cr.fetchall()


def retry_lateness(cr, backend_id, since_id=0):
    """Jobs that were put back with an eta (retries, rate limits) and ran again:
    (count, mean and max seconds between the eta and the run that ended them)."""
    cr.execute(
        """SELECT count(*), avg(extract(epoch FROM date_started - eta)),
                  max(extract(epoch FROM date_started - eta))
             FROM sync_job WHERE backend_id = %s AND id > %s AND eta IS NOT NULL
              AND state IN ('done', 'failed') AND date_started >= eta""",
        [backend_id, since_id],
    )
    return cr.fetchone()


def retry_line(lateness):
    count, mean, worst = lateness
    if not count:
        return "jobs run again after an eta: none"
    return "jobs run again after an eta: %s, started %.1f s after it on average (max %.1f s)" % (
        count,
        mean,
        worst,
    )


class ErrorSampler(threading.Thread):
    """Notes, every ``interval`` seconds, the jobs of a backend that carry an error
    (a job that succeeds on retry clears its error, so the end state does not show
    it): {(operation, error kind, first words of the error): job ids}."""

    def __init__(self, registry, backend_id, interval=0.25):
        super().__init__(daemon=True)
        self.registry = registry
        self.backend_id = backend_id
        self.interval = interval
        self.stopping = threading.Event()
        self.seen = {}

    def run(self):
        with self.registry.cursor() as cr:
            while not self.stopping.is_set():
                cr.execute(
                    """SELECT id, operation, error_kind, left(last_error, 110) FROM sync_job
                        WHERE backend_id = %s AND error_kind IS NOT NULL""",
                    [self.backend_id],
                )
                for job_id, operation, kind, message in cr.fetchall():
                    self.seen.setdefault((operation, kind, message), set()).add(job_id)
                cr.commit()
                self.stopping.wait(self.interval)

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)

    def lines(self, limit=6):
        """The errors seen, numbers in them folded (``N``), most frequent first."""
        folded = {}
        for (operation, kind, message), ids in self.seen.items():
            text = re.sub(r"\d+(\.\d+)?", "N", message or "")
            folded.setdefault((operation, kind, text), set()).update(ids)
        ranked = sorted(folded.items(), key=lambda item: -len(item[1]))
        return [
            "job errors seen (jobs): %s x%s %s: %s" % (operation, len(ids), kind, text)
            for (operation, kind, text), ids in ranked[:limit]
        ]


def throttle_line(status):
    return "%s of %s points available, restoring %s/s" % (
        status.get("currentlyAvailable"),
        int(status.get("maximumAvailable") or 0),
        int(status.get("restoreRate") or 0),
    )


# --------------------------------------------------------------- orders, webhooks
def place_orders(url, skus, count, seed, returning=0.25, prefix="buyer"):
    """``count`` orders placed on the sandbox as checkout places them (it keeps no
    webhook subscription here, so it sends nothing itself): 3 lines of distinct SKUs,
    1-3 units each, 20 % tax, a 10 % discount code and paid shipping, by buyers of
    whom a share ``returning`` order again. Returns their ``orders/create`` bodies."""
    rng = random.Random(seed)
    buyers = max(1, round(count * (1 - returning)))
    orders = []
    for index in range(count):
        buyer = index % buyers
        orders.append(
            post_json(
                url,
                "/_sandbox/orders",
                {
                    "email": "%s-%05d@example.com" % (prefix, buyer),
                    "customer": {"firstName": "Buyer", "lastName": "%05d" % buyer},
                    "shipping_address": {
                        "firstName": "Buyer",
                        "lastName": "%05d" % buyer,
                        "address1": "%s Station Road" % (1 + buyer % 200),
                        "city": "Leeds",
                        "zip": "LS1 %sAP" % (buyer % 10),
                        "countryCode": "GB",
                    },
                    "line_items": [
                        {"sku": sku, "quantity": rng.randint(1, 3)} for sku in rng.sample(skus, 3)
                    ],
                    "tax_rate": "0.2",
                    "shipping": {"title": "Standard", "price": "4.90"},
                    "discount": {"code": "BENCH10", "percentage": 10},
                },
            )["order"]
        )
    return orders


def webhook_body(payload):
    """A payload's bytes as the sandbox (and Shopify) send them."""
    return json.dumps(payload, separators=(",", ":")).encode()


def webhook_headers(secret, topic, shop_domain, body, delivery_id=None):
    """The headers of one Shopify delivery of ``body`` (a new delivery id unless one
    is given), signed with ``secret`` as the sandbox's dispatcher signs them."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from sandbox.shopify.schema import API_VERSION
    from sandbox.shopify.webhooks import sign

    return {
        "Content-Type": "application/json",
        "User-Agent": "Shopify-Captain-Hook",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop_domain,
        "X-Shopify-Hmac-Sha256": sign(secret, body),
        "X-Shopify-Webhook-Id": delivery_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "X-Shopify-API-Version": API_VERSION,
    }


def deliver(uri, deliveries, concurrency, timeout=30):
    """Posts ``deliveries`` ([(kind, headers, body)], in that order) to ``uri`` from
    ``concurrency`` clients. Returns ({kind: {status: count}}, latencies, seconds);
    a request that got no answer counts as status "no answer"."""
    import requests

    lock = threading.Lock()
    pending = iter(deliveries)
    statuses, latencies = {}, []

    def client():
        session = requests.Session()
        mine, codes = [], Counter()
        while True:
            with lock:
                delivery = next(pending, None)
            if delivery is None:
                break
            kind, headers, body = delivery
            started = time.monotonic()
            try:
                status = session.post(uri, data=body, headers=headers, timeout=timeout).status_code
            except requests.RequestException:
                status = "no answer"
            mine.append(time.monotonic() - started)
            codes[kind, status] += 1
        with lock:
            latencies.extend(mine)
            for (kind, status), count in codes.items():
                by_status = statuses.setdefault(kind, {})
                by_status[status] = by_status.get(status, 0) + count

    threads = [threading.Thread(target=client) for _index in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, latencies, time.monotonic() - started


def bound_orders(cr, backend_id, external_ids):
    """How many order bindings each of ``external_ids`` has: {external id: count}."""
    cr.execute(
        """SELECT external_id, count(*) FROM shopify_order_binding
            WHERE backend_id = %s AND external_id = ANY(%s) GROUP BY external_id""",
        [backend_id, list(external_ids)],
    )
    return dict(cr.fetchall())


def wait_orders(registry, backend_id, external_ids, timeout, label, every=30):
    """Until every one of ``external_ids`` has a sale order (through its binding), or
    ``timeout`` seconds: the time.monotonic() when they all had one, or None."""
    started = time.monotonic()
    next_report = started + every
    with registry.cursor() as cr:
        while True:
            found = len(bound_orders(cr, backend_id, external_ids))
            cr.commit()
            now = time.monotonic()
            if found >= len(external_ids):
                return now
            if now - started > timeout:
                return None
            if now >= next_report:
                print(
                    "  [%s] %4.0f s: %s of %s orders"
                    % (label, now - started, found, len(external_ids)),
                    file=sys.stderr,
                )
                next_report = now + every
            time.sleep(0.1)


def order_outcome(cr, backend_id, external_ids, since_sale_id):
    """Sale orders of the Shopify orders ``external_ids``: found (bound), lost (none),
    duplicated (bindings beyond one per order, plus sale orders created since
    ``since_sale_id`` that no binding holds), other (sale orders created since then
    for an order that is not one of them) and totals differing from Shopify's."""
    counts = bound_orders(cr, backend_id, external_ids)
    cr.execute(
        """SELECT count(*) FILTER (WHERE b.id IS NULL),
                  count(*) FILTER (WHERE b.id IS NOT NULL
                                   AND NOT coalesce(b.external_id = ANY(%s), false))
             FROM sale_order s LEFT JOIN shopify_order_binding b ON b.odoo_id = s.id
            WHERE s.id > %s""",
        [list(external_ids), since_sale_id],
    )
    unbound, other = cr.fetchone()
    cr.execute(
        """SELECT count(*) FROM shopify_order_binding
            WHERE backend_id = %s AND external_id = ANY(%s) AND total_mismatch""",
        [backend_id, list(external_ids)],
    )
    return {
        "expected": len(external_ids),
        "found": len(counts),
        "lost": len(external_ids) - len(counts),
        "duplicated": sum(count - 1 for count in counts.values()) + unbound,
        "unbound": unbound,
        "other": other,
        "total_mismatch": cr.fetchone()[0],
    }


def fault_shares(url, shares, seed):
    """Makes the sandbox answer a share of the GraphQL calls with a fault: ``shares``
    [(absolute share, rule)], e.g. [(0.08, {"status": 429})]. The sandbox tries its
    rules in order, so each rule's rate is its share of the calls the rules before it
    let through."""
    left = 1.0
    for index, (share, rule) in enumerate(shares):
        rate = share / left
        post_json(
            url, "/_sandbox/faults", dict(rule, rate=rate, **({"seed": seed} if not index else {}))
        )
        left -= share


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "sandbox":
        _serve_sandbox(sys.argv[2:])
    else:
        sys.exit("usage: python bench/shopify_common.py sandbox --port P [--plan standard]")
