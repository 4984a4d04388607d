"""Shopify chaos: 10,000 webhook deliveries of 2,000 orders, of which 10 % are
redeliveries (the same delivery id again), 5 % carry a bad signature and 5 % a
malformed body, while the sandbox answers 20 % of the connector's calls with a 429,
a 5xx or no answer at all, and two worker processes are killed (SIGKILL) mid-run and
started again. Loopback only; it stops by itself.

Setup as shopify-orders: the catalogue (100 templates of 3 variants, 1,000 units of
each) exported with its stock, the orders placed on the sandbox as checkout places
them, one Odoo server for the webhooks (2 HTTP workers) and two worker servers (one
worker cron each). The deliveries, shuffled (seeded):

- 8,000 genuine ones, four per order: its ``orders/create`` body and three
  ``orders/updated`` ones (the same order, ``updated_at`` later, a tag added), each
  with a delivery id of its own, signed with the app's client secret;
- 1,000 redeliveries of genuine ones (same delivery id, headers and body), each
  after its first delivery;
- 500 forgeries: signed with another key, half of them a genuine order with its
  total and prices changed, half an order Shopify never had;
- 500 malformed bodies, correctly signed: cut JSON, JSON that is not an order (a
  list, a string, an order without id, lines that are not a list).

Faults, from the start of the deliveries until the queue is drained: 8 % of the
GraphQL calls answered 429 (Retry-After 2 s), 8 % a 500, 502, 503 or 504 (2 % each),
4 % no answer (the sandbox holds the connection 31 s, past the connector's 30 s read
timeout, then closes it). Worker 1 is killed when a third of the orders have their
sale order, worker 2 at two thirds; each is started again 2 s later.

Printed: sale orders expected and found, lost, duplicated, stored forgeries (webhook
events stored from deliveries with a bad signature, and sale orders of orders only a
forgery carried), jobs failed for good (apart from the malformed deliveries', which
must fail as data errors with a sentence), the HTTP statuses per kind of delivery,
the faults injected, the jobs recovered from the killed workers, and the time to
drain. Targets: every order, 0 duplicates, 0 forgeries stored, 0 jobs failed.

Usage (bench/run does it): python bench/shopify_chaos.py CONF DB [--orders 2000]
    [--deliveries 10000] [--concurrency 8] [--workers 2] [--products 100]
    [--timeout 1800]
"""

import argparse
import copy
import datetime as dt
import json
import os
import random
import signal
import threading
import time

from common import odoo_registry, percentile, start_http_server, stop, stop_on_sigterm
from shopify_common import (
    SANDBOX_CLIENT_SECRET,
    ErrorSampler,
    bound_orders,
    connect_webhooks,
    create_backend,
    deliver,
    fault_shares,
    get_json,
    job_states,
    log_size,
    max_id,
    order_outcome,
    place_orders,
    post_json,
    start_sandbox,
    start_workers,
    stocked_catalogue,
    stop_all,
    use_shop_currency,
    wait_jobs,
    wait_orders,
    webhook_body,
    webhook_headers,
)

SEED = 23
UPDATES_PER_ORDER = 3
SHARES = {"duplicate": 0.10, "forged": 0.05, "malformed": 0.05}
TIMEOUT_HOLD_SECONDS = 31  # past the connector's read timeout (30 s)
FAULTS = [
    (0.08, {"status": 429, "retry_after": 2}),
    (0.02, {"status": 500}),
    (0.02, {"status": 502}),
    (0.02, {"status": 503}),
    (0.02, {"status": 504}),
    (0.04, {"timeout": True, "seconds": TIMEOUT_HOLD_SECONDS}),
]
RECOVERED_LINE = "was left in processing; recovering it"


def later(timestamp, minutes):
    moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (moment + dt.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def updated(payload, step):
    """The ``orders/updated`` body of the order ``step`` edits later: a tag added."""
    body = copy.deepcopy(payload)
    body["updated_at"] = later(payload["updated_at"], step)
    body["tags"] = ", ".join(filter(None, [payload["tags"], "bench-step-%s" % step]))
    return body


def forged_body(payload, index):
    """A forger's order: a genuine one with lower prices, or one Shopify never had."""
    body = copy.deepcopy(payload)
    if index % 2:
        for item in body["line_items"]:
            item["price"] = "0.01"
        body["total_price"] = "0.01"
    else:
        body["id"] = 9_000_000_000 + index
        body["admin_graphql_api_id"] = "gid://shopify/Order/%s" % body["id"]
        body["name"] = "#F%s" % index
    return body


def malformed_body(payload, index):
    """Signed bytes that are no order: cut JSON, or JSON of another shape."""
    text = webhook_body(payload)
    return [
        text[: len(text) // 2],
        b"[]",
        b'"order"',
        json.dumps(dict(payload, id=None, admin_graphql_api_id=None)).encode(),
        json.dumps(dict(payload, line_items="three")).encode(),
        b'{"id": 1, "line_items": [{"sku": null, "quantity": "x", "price": "inf"}]}',
    ][index % 6]


def build_deliveries(payloads, total, shop_domain, rng):
    """The shuffled deliveries: [(kind, headers, body)]; and the forged order ids."""
    genuine = []
    for payload in payloads:
        bodies = [("orders/create", payload)] + [
            ("orders/updated", updated(payload, step)) for step in range(1, 1 + UPDATES_PER_ORDER)
        ]
        for topic, body in bodies:
            data = webhook_body(body)
            headers = webhook_headers(SANDBOX_CLIENT_SECRET, topic, shop_domain, data)
            genuine.append(("genuine", headers, data))
    counts = {kind: round(total * share) for kind, share in SHARES.items()}
    forged, forged_ids = [], set()
    for index in range(counts["forged"]):
        payload = rng.choice(payloads)
        body = forged_body(payload, index)
        if body["id"] != payload["id"]:
            forged_ids.add(body["admin_graphql_api_id"])
        data = webhook_body(body)
        headers = webhook_headers("not-the-app-secret", "orders/create", shop_domain, data)
        headers["X-Shopify-Webhook-Id"] = "forged-%s" % index
        forged.append(("forged", headers, data))
    malformed = []
    for index in range(counts["malformed"]):
        data = malformed_body(rng.choice(payloads), index)
        headers = webhook_headers(SANDBOX_CLIENT_SECRET, "orders/create", shop_domain, data)
        headers["X-Shopify-Webhook-Id"] = "malformed-%s" % index
        malformed.append(("malformed", headers, data))
    # Shuffled by a random place in [0, 1) each; a redelivery's place is after the
    # place of the delivery it repeats.
    placed = [(rng.random(), delivery) for delivery in genuine + forged + malformed]
    placed += [
        (rng.uniform(place, 1), ("duplicate", *delivery[1:]))
        for place, delivery in rng.sample(placed[: len(genuine)], counts["duplicate"])
    ]
    placed.sort(key=lambda item: item[0])
    return [delivery for _place, delivery in placed], forged_ids


class Killer(threading.Thread):
    """Kills worker ``i`` (SIGKILL) when the share ``at[i]`` of the orders has its
    sale order, and starts it again ``pause`` seconds later."""

    def __init__(self, registry, backend_id, external_ids, servers, restart, at, pause=2):
        super().__init__(daemon=True)
        self.registry, self.backend_id = registry, backend_id
        self.external_ids, self.servers, self.restart = external_ids, servers, restart
        self.at, self.pause = at, pause
        self.stopping = threading.Event()
        self.kills = []  # (worker index, orders bound then, jobs processing then)

    def run(self):
        with self.registry.cursor() as cr:
            for index, share in enumerate(self.at):
                while not self.stopping.is_set():
                    found = len(bound_orders(cr, self.backend_id, self.external_ids))
                    cr.commit()
                    if found >= share * len(self.external_ids):
                        break
                    self.stopping.wait(0.2)
                if self.stopping.is_set():
                    return
                processing = job_states(cr, self.backend_id).get("processing", 0)
                cr.commit()
                process, _url = self.servers[index]
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                self.kills.append((index, found, processing))
                self.stopping.wait(self.pause)
                self.servers[index] = self.restart()

    def stop(self):
        self.stopping.set()
        self.join(timeout=180)


def statuses_line(statuses):
    return "; ".join(
        "%s %s" % (kind, dict(sorted(by_status.items(), key=str)))
        for kind, by_status in sorted(statuses.items())
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--deliveries", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="worker crons, one server each")
    parser.add_argument("--products", type=int, default=100, help="templates of 3 variants")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the drain")
    args = parser.parse_args()
    stop_on_sigterm()
    genuine = args.orders * (1 + UPDATES_PER_ORDER)
    if genuine + round(args.deliveries * sum(SHARES.values())) != args.deliveries:
        parser.error("--deliveries must be %s x --orders / 0.8" % (1 + UPDATES_PER_ORDER))

    registry = odoo_registry(args.conf, args.db)
    work = os.path.dirname(args.conf)
    log_path = os.path.join(work, "shopify-chaos-odoo.log")
    sandbox, url = start_sandbox(os.path.join(work, "shopify-chaos-sandbox.log"))
    servers, http, sampler, killer, fired = [], None, None, None, {}
    try:
        use_shop_currency(registry, url)
        backend_id, stock_location_id = create_backend(registry, url, args.workers)
        servers = start_workers(args.conf, args.db, args.workers, log_path)
        skus = stocked_catalogue(
            registry, backend_id, stock_location_id, args.products, "CHA", quantity=1000
        )
        payloads = place_orders(url, skus, args.orders, seed=SEED)
        http = start_http_server(args.conf, args.db, log_path)
        uri, shop_domain = connect_webhooks(registry, backend_id, http[1], url)
        deliveries, forged_ids = build_deliveries(
            payloads, args.deliveries, shop_domain, random.Random(SEED)
        )
        external_ids = [p["admin_graphql_api_id"] for p in payloads]
        with registry.cursor() as cr:
            since_job, since_sale = max_id(cr, "sync_job"), max_id(cr, "sale_order")
            since_event = max_id(cr, "integration_webhook_event")
        log_offset = log_size(log_path)
        sampler = ErrorSampler(registry, backend_id)
        sampler.start()
        fault_shares(url, FAULTS, SEED)
        killer = Killer(
            registry,
            backend_id,
            external_ids,
            servers,
            lambda: start_workers(args.conf, args.db, 1, log_path)[0],
            at=(1 / 3, 2 / 3)[: args.workers],
        )
        killer.start()
        started = time.monotonic()
        statuses, latencies, post_seconds = deliver(uri, deliveries, args.concurrency)
        all_bound = wait_orders(registry, backend_id, external_ids, args.timeout, "orders")
        killer.stop()
        drain = wait_jobs(registry, backend_id, args.timeout, "drain", since_id=since_job, every=60)
        drained = time.monotonic() - started
        fired = get_json(url, "/_sandbox/faults")["fired"]
        post_json(url, "/_sandbox/faults", {"clear": True})
    finally:
        if killer:
            killer.stop()
        if sampler:
            sampler.stop()
        if http:
            stop(http[0])
        stop_all(servers)
        stop(sandbox)

    with registry.cursor() as cr:
        outcome = order_outcome(cr, backend_id, external_ids, since_sale)
        states = job_states(cr, backend_id, since_job)
        cr.execute(
            """SELECT count(*), count(*) FILTER (WHERE delivery_id LIKE 'forged-%%')
                 FROM integration_webhook_event WHERE backend_id = %s AND id > %s""",
            [backend_id, since_event],
        )
        events, forged_events = cr.fetchone()
        forged_orders = sum(bound_orders(cr, backend_id, forged_ids).values())
        # Jobs failed for good, those of malformed deliveries apart.
        cr.execute(
            """SELECT j.operation, j.error_kind, e.delivery_id LIKE 'malformed-%%',
                      count(*), min(left(j.last_error, 140))
                 FROM sync_job j
                 LEFT JOIN integration_webhook_event e
                        ON j.res_model = 'integration.webhook.event' AND e.id = j.res_id
                WHERE j.backend_id = %s AND j.id > %s AND j.state = 'failed'
                GROUP BY 1, 2, 3 ORDER BY 4 DESC""",
            [backend_id, since_job],
        )
        failed = cr.fetchall()
        cr.execute(
            """SELECT count(*) FROM integration_webhook_event
                WHERE backend_id = %s AND id > %s AND delivery_id LIKE 'malformed-%%'""",
            [backend_id, since_event],
        )
        malformed_stored = cr.fetchone()[0]
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(log_offset)
        recovered = sum(RECOVERED_LINE in line for line in log)
    kinds = {kind: sum(1 for d in deliveries if d[0] == kind) for kind in SHARES}
    failed_for_good = sum(row[3] for row in failed if not row[2])
    failed_malformed = sum(row[3] for row in failed if row[2])

    print(
        "shopify chaos (%s deliveries of %s orders: %s genuine (orders/create + %s "
        "orders/updated each), %s redelivered, %s forged, %s malformed; concurrency %s; "
        "sandbox faults on 20%% of the connector's calls; %s worker cron(s), one Odoo server "
        "each, %s killed and restarted; %s cores)"
        % (
            len(deliveries),
            len(payloads),
            genuine,
            UPDATES_PER_ORDER,
            kinds["duplicate"],
            kinds["forged"],
            kinds["malformed"],
            args.concurrency,
            args.workers,
            len(killer.kills),
            os.cpu_count(),
        )
    )
    print(
        "sale orders: %(expected)s expected, %(found)s found, %(lost)s lost, %(duplicated)s "
        "duplicated (sale orders without a binding: %(unbound)s); sale orders of other "
        "order ids: %(other)s; totals differing from Shopify's: %(total_mismatch)s" % outcome
    )
    print(
        "stored forgeries: %s webhook events from bad signatures, %s sale orders of "
        "forged orders (target 0)" % (forged_events, forged_orders)
    )
    print(
        "jobs failed for good: %s (target 0); malformed deliveries: %s stored, %s failed "
        "as bad data (expected: each fails alone)"
        % (failed_for_good, malformed_stored, failed_malformed)
    )
    print(
        "time to drain: %.1f s from the first delivery until no job was left (deliveries "
        "answered in %.1f s, p99 %.0f ms; every order had its sale order after %s; queue "
        "empty %.1f s after that)"
        % (
            drained,
            post_seconds,
            1000 * percentile(latencies, 0.99),
            "%.1f s" % (all_bound - started) if all_bound else "never (TIMED OUT)",
            drain,
        )
    )
    print("answers per delivery kind: %s" % statuses_line(statuses))
    print(
        "faults injected by the sandbox: %s; workers killed: %s; jobs recovered from "
        "them: %s; webhook events stored %s; jobs %s"
        % (
            dict(sorted(fired.items())) or "none",
            ", ".join(
                "worker %s at %s orders (%s jobs processing)" % (i + 1, found, processing)
                for i, found, processing in killer.kills
            )
            or "none",
            recovered,
            events,
            dict(sorted(states.items())),
        )
    )
    for operation, kind, malformed, count, message in failed:
        print(
            "failed%s: %s x%s %s: %s"
            % (" (malformed delivery)" if malformed else "", operation, count, kind, message)
        )
    for line in sampler.lines():
        print(line)


if __name__ == "__main__":
    main()
