"""Shopify stock: 1,000 stock changes made in Odoo, each in its own committed
transaction, 100 a second for 10 seconds (by eight processes, as from several users),
while two workers (two Odoo servers, one cron thread each, sharing the Standard plan's
bucket) send them to the offline sandbox.

First the catalogue is exported the normal way (300 templates, half of them with 3
variants: 600 variants with their inventory items), and the sandbox's one location is
mapped to the warehouse by Test connection. Then every change adds 1-5 units to a
variant picked at random, so each variant's quantity only grows and "the change is
visible on Shopify" is "the sandbox's available quantity reached the quantity after
that change". A poller reads the sandbox's levels all along.

Measured: the InventorySetQuantities calls made for the changes against the floor of one
call per 250 quantities, and the time from each Odoo commit to the quantity being
visible on the sandbox. Targets (printed beside the figures, not asserted): calls
within 1.2 times the floor, p95 within 5 s.

Usage (bench/run does it): python bench/shopify_stock.py CONF DB [--changes 1000]
    [--rate 100] [--products 300] [--workers 2] [--processes 8]
"""

import argparse
import math
import multiprocessing
import os
import random
import time

import requests
from common import odoo_registry, percentile, stop
from shopify_common import (
    LOCATION_NAME,
    ErrorSampler,
    api_log_by_operation,
    cpu_seconds,
    create_backend,
    create_catalogue,
    env_of,
    failed_jobs,
    failures_in_log,
    get_json,
    job_states,
    log_size,
    max_id,
    operations_delta,
    retry_lateness,
    retry_line,
    start_sandbox,
    start_workers,
    stop_all,
    throttle_line,
    wait_jobs,
)

BATCH = 250  # Shopify's limit on inventorySetQuantities' quantities
CALLS_TARGET = 1.2
P95_TARGET = 5.0


def poll_levels(url, interval, stopping, ready, results):
    """Poller process: reads the sandbox's levels until ``stopping`` is set and sends
    back, per inventory item, when (time.monotonic(), shared by the processes of one
    machine) each new available quantity was first seen."""
    session = requests.Session()
    last, timeline, polls, busy, errors = {}, {}, 0, 0.0, 0
    ready.set()
    while not stopping.is_set():
        started = time.monotonic()
        try:
            levels = session.get(url + "/_bench/levels", timeout=10).json()
        except (requests.RequestException, ValueError):
            errors += 1
            stopping.wait(interval)
            continue
        now = time.monotonic()
        polls += 1
        busy += now - started
        for item, by_location in levels.items():
            available = by_location.get(LOCATION_NAME)
            if available is not None and available != last.get(item):
                last[item] = available
                timeline.setdefault(item, []).append((now, available))
        stopping.wait(interval)
    results.put({"timeline": timeline, "polls": polls, "busy": busy, "errors": errors})


class Poller:
    # Every 50 ms: each poll makes the sandbox serialise every level, and a finer
    # poll takes CPU from the Odoo processes measured, for 50 ms of resolution.
    def __init__(self, url, interval=0.05):
        context = multiprocessing.get_context("spawn")
        self.interval = interval
        self.stopping, ready = context.Event(), context.Event()
        self.results = context.Queue()
        self.process = context.Process(
            target=poll_levels,
            args=(url, interval, self.stopping, ready, self.results),
            daemon=True,
        )
        self.process.start()
        if not ready.wait(60):
            raise RuntimeError("the poller did not start")

    def finish(self):
        """Stop the poller; its timelines and counts."""
        self.stopping.set()
        try:
            return self.results.get(timeout=30)
        finally:
            self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.kill()


def first_seen(timeline, expected):
    """When the available quantity first reached ``expected`` (it only grows)."""
    for when, available in timeline:
        if available >= expected:
            return when
    return None


def change_process(conf, db, stock_location_id, rate, part, start, results):
    """One process making its part of the changes: (index, product id, units added,
    quantity expected after), change i at ``i / rate`` s after the common start."""
    registry = odoo_registry(conf, db)
    # Warm the process's caches (models, access rules) outside the measured schedule.
    with registry.cursor() as cr:
        env = env_of(cr)
        env["product.product"].browse([pid for _i, pid, _a, _e in part]).mapped("qty_available")
        cr.rollback()
    start.wait()
    started = time.monotonic()
    made = []
    for index, product_id, add, expected in part:
        pause = started + index / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        with registry.cursor() as cr:
            env = env_of(cr)
            env["stock.quant"]._update_available_quantity(
                env["product.product"].browse(product_id),
                env["stock.location"].browse(stock_location_id),
                add,
            )
        made.append((product_id, expected, time.monotonic()))
    results.put((made, time.monotonic() - started))


def make_changes(conf, db, variants, stock_location_id, count, rate, processes):
    """``count`` changes at ``rate`` a second, one committed transaction each, change i
    at i/rate s, made by ``processes`` processes (as by several users: one Python
    process alone does not commit 100 changes a second here). Each variant's changes
    are made by one process, in order, so the quantity expected after each is known.
    ``variants``: {product id: inventory item id}. Returns the changes (item, quantity
    expected after it, commit time) and the seconds taken."""
    rng = random.Random(17)
    quantity = dict.fromkeys(variants, 0)
    parts = [[] for _process in range(processes)]
    product_ids = sorted(variants)
    for index in range(count):
        product_id = rng.choice(product_ids)
        add = rng.randint(1, 5)
        quantity[product_id] += add
        parts[product_id % processes].append((index, product_id, add, quantity[product_id]))
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    pool = [
        context.Process(
            target=change_process,
            args=(conf, db, stock_location_id, rate, part, start, results),
            daemon=True,
        )
        for part in parts
    ]
    for process in pool:
        process.start()
    start.wait(timeout=120)
    changes, seconds = [], 0.0
    for _process in pool:
        made, taken = results.get(timeout=600)
        changes.extend((variants[pid], expected, when) for pid, expected, when in made)
        seconds = max(seconds, taken)
    for process in pool:
        process.join(timeout=30)
    changes.sort(key=lambda change: change[2])
    return changes, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="changes a second")
    parser.add_argument("--workers", type=int, default=2, help="worker crons, one server each")
    parser.add_argument(
        "--processes", type=int, default=8, help="processes making the changes, as many users"
    )
    args = parser.parse_args()

    registry = odoo_registry(args.conf, args.db)
    work = os.path.dirname(args.conf)
    sandbox, url = start_sandbox(os.path.join(work, "shopify-stock-sandbox.log"))
    servers, poller, sampler = [], None, None
    try:
        backend_id, stock_location_id = create_backend(registry, url, args.workers)
        with registry.cursor() as cr:
            templates = create_catalogue(
                env_of(cr), args.products, "STK", multi_variant=lambda index: index % 2 == 0
            )
            template_ids = templates.ids
            variant_count = len(templates.product_variant_ids)

        log_path = os.path.join(work, "shopify-stock-odoo.log")
        log_start = log_size(log_path)
        servers = start_workers(args.conf, args.db, args.workers, log_path)
        time.sleep(2)  # let the cron threads reach their LISTEN
        export_started = time.monotonic()
        with registry.cursor() as cr:
            env = env_of(cr)
            env["shopify.product.binding"]._bind_and_export(
                env["integration.backend"].browse(backend_id),
                env["product.template"].browse(template_ids),
            )
        wait_jobs(registry, backend_id, 900, "initial export")
        export_seconds = time.monotonic() - export_started
        with registry.cursor() as cr:
            cr.execute(
                """SELECT count(*) FROM shopify_variant_binding
                    WHERE backend_id = %s AND inventory_item_id IS NOT NULL""",
                [backend_id],
            )
            ready = cr.fetchone()[0]
            since_log, since_job = max_id(cr, "integration_api_log"), max_id(cr, "sync_job")
            # The changes go to the variants whose binding is in place (all of them
            # unless the initial export failed for some).
            cr.execute(
                """SELECT odoo_id, inventory_item_id FROM shopify_variant_binding
                    WHERE backend_id = %s AND inventory_item_id IS NOT NULL""",
                [backend_id],
            )
            variants = dict(cr.fetchall())
        initial = failures_in_log(log_path, log_start)
        log_offset = log_size(log_path)

        before = get_json(url, "/_bench/stats")
        cpu_before = cpu_seconds(p for p, _u in servers)
        sampler = ErrorSampler(registry, backend_id)
        sampler.start()
        poller = Poller(url)
        changes, change_seconds = make_changes(
            args.conf,
            args.db,
            variants,
            stock_location_id,
            args.changes,
            args.rate,
            args.processes,
        )
        settle = wait_jobs(registry, backend_id, 180, "stock", since_id=since_job)
        time.sleep(0.5)  # the poller sees the last answer
        cpu = cpu_seconds(p for p, _u in servers) - cpu_before
    finally:
        if poller:
            polled = poller.finish()
        if sampler:
            sampler.stop()
        stop_all(servers)
        after = None
        try:
            after = get_json(url, "/_bench/stats")
        finally:
            stop(sandbox)

    delta = operations_delta(before, after)
    with registry.cursor() as cr:
        states = job_states(cr, backend_id, since_job)
        cr.execute(
            """SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY duration)
                 FROM sync_job WHERE backend_id = %s AND id > %s
                  AND operation = 'channel_export_stock' AND state = 'done'""",
            [backend_id, since_job],
        )
        stock_jobs, job_median = cr.fetchone()
        by_operation = api_log_by_operation(cr, backend_id, since_log)
        failures = failed_jobs(cr, backend_id, since_job)
        # Changes noted for sending that no job is left to send.
        cr.execute(
            "SELECT count(*), count(DISTINCT product_id) FROM integration_stock_change "
            "WHERE backend_id = %s",
            [backend_id],
        )
        stranded = cr.fetchone()
        lateness = retry_lateness(cr, backend_id, since_job)
    retried = failures_in_log(log_path, log_offset)

    latencies, tenths = [], [[] for _i in range(10)]
    for index, (item, expected, committed) in enumerate(changes):
        seen = first_seen(polled["timeline"].get(item, ()), expected)
        if seen is not None:
            latencies.append(seen - committed)
            tenths[index * 10 // len(changes)].append(seen - committed)
    distinct = len({item for item, _expected, _committed in changes})
    inventory = delta.get("InventorySetQuantities", {})
    calls = inventory.get("calls", 0) - inventory.get("throttled", 0)
    log_calls = (by_operation.get("channel_export_stock") or (0,))[0]
    floor = math.ceil(len(changes) / BATCH)
    floor_distinct = math.ceil(distinct / BATCH)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)

    print(
        "shopify stock (%s changes at %.0f/s, one commit each, over %s variants of %s "
        "products; %s worker cron(s), one Odoo server each, sharing one bucket; sandbox plan "
        "standard; "
        "%s cores)"
        % (len(changes), args.rate, len(variants), args.products, args.workers, os.cpu_count())
    )
    print(
        "initial export %.0f s (%s of %s variants bound with an inventory item; failed or "
        "retried job runs %s); changes made in %.1f s (%.0f/s); all jobs done %.1f s after "
        "the last change"
        % (
            export_seconds,
            ready,
            variant_count,
            initial or "none",
            change_seconds,
            len(changes) / change_seconds,
            settle,
        )
    )
    print(
        "InventorySetQuantities calls %s (api log: %s stock-job calls) in %s stock jobs, "
        "%.1f quantities a call; floor ceil(changes/250) = %s -> %.2fx (target <= %.1fx); "
        "ceil(distinct variants %s/250) = %s"
        % (
            calls,
            log_calls,
            stock_jobs,
            inventory.get("items", 0) / calls if calls else 0,
            floor,
            calls / floor,
            CALLS_TARGET,
            distinct,
            floor_distinct,
        )
    )
    print(
        "commit-to-visible on the sandbox: p50 %.2f s, p95 %.2f s (target <= %.1f s), max "
        "%.2f s; %s of %s seen (a poll every %.0f ms, %s polls)"
        % (
            p50,
            p95,
            P95_TARGET,
            max(latencies) if latencies else float("nan"),
            len(latencies),
            len(changes),
            1000 * (polled["busy"] / max(1, polled["polls"]) + poller.interval),
            polled["polls"],
        )
    )
    print(
        "median commit-to-visible per tenth of the changes, in commit order: %s s"
        % " ".join("%.1f" % percentile(tenth, 0.5) for tenth in tenths)
    )
    print(
        "points used %s; THROTTLED answers %s; stock job median %.0f ms; Odoo worker CPU "
        "%.1f s (%.1f ms per change); failed or retried job runs (worker log) %s; jobs %s; "
        "sandbox now: %s"
        % (
            int(sum(e["points"] for e in delta.values())),
            sum(e["throttled"] for e in delta.values()),
            1000 * (job_median or 0),
            cpu,
            1000 * cpu / len(changes),
            retried or "none",
            dict(sorted(states.items())),
            throttle_line(after["throttle"]),
        )
    )
    print(
        "stock changes still noted in integration_stock_change once no job was left: %s rows "
        "(%s variants)" % stranded
    )
    others = {n: e["calls"] for n, e in delta.items() if n != "InventorySetQuantities"}
    if others:
        print("other calls during the phase: %s" % others)
    for operation, kind, count, message in failures:
        print("failed: %s x%s %s: %s" % (operation, count, kind, message))
    print(retry_line(lateness))
    for line in sampler.lines():
        print(line)


if __name__ == "__main__":
    main()
