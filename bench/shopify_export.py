"""Shopify catalogue export: N product templates of 3 variants each (2,000 and 6,000 by
default) sent by the queue's real workers to the offline sandbox on the Standard plan's
limits (a shared bucket of 2,000 points restoring 100 a second).

Two Odoo servers (one cron thread each, no HTTP workers) run two worker crons, the
addon's and a copy of it, so two workers share the one bucket. The sandbox runs in a
process of its own (its CPU is not Odoo's). The figures beside the suite's are the
least Shopify's limits allow: one productSet per product plus the few metafield
definition and collection calls, each at the cost the sandbox measured.

Usage (bench/run does it): python bench/shopify_export.py CONF DB [--products 2000]
    [--workers 2] [--sandbox-nagle] [--timeout S]
"""

import argparse
import math
import os
import time

from common import odoo_registry, percentile, stop
from shopify_common import (
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

VARIANTS_PER_PRODUCT = 3
CATEGORIES = 5
EXPORT_OPERATIONS = {
    "ProductSet",
    "CollectionAddProducts",
    "CollectionsByTitle",
    "CollectionCreate",
    "MetafieldDefinitions",
    "MetafieldDefinitionCreate",
}


def floor_figures(products, delta, definitions, bucket, restore):
    """Least calls and points Shopify allows for the export: one productSet per product
    (it takes the collections too), one MetafieldDefinitions read and one create per
    definition, one CollectionsByTitle and one CollectionCreate per category; each at
    the cheapest actualQueryCost the sandbox measured for it this run."""

    def cost(name, default):
        entry = delta.get(name) or {}
        return entry.get("min_cost") if entry.get("min_cost") is not None else default

    plan = {
        "ProductSet": products,
        "MetafieldDefinitions": 1,
        "MetafieldDefinitionCreate": definitions,
        "CollectionsByTitle": CATEGORIES,
        "CollectionCreate": CATEGORIES,
    }
    defaults = {"MetafieldDefinitions": 2, "CollectionsByTitle": 2}
    calls = sum(plan.values())
    points = sum(count * cost(name, defaults.get(name, 10)) for name, count in plan.items())
    seconds = max(0.0, points - bucket) / restore
    return calls, points, seconds, cost("ProductSet", 10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=None, help="seconds (default: computed)")
    parser.add_argument(
        "--sandbox-nagle", action="store_true", help="the sandbox as it ships: Nagle on"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker crons, one server each")
    args = parser.parse_args()

    registry = odoo_registry(args.conf, args.db)
    from odoo.addons.shopify_connector.const import PLAN_LIMITS
    from odoo.addons.shopify_connector.mapping.product import metafield_definitions

    bucket, restore = PLAN_LIMITS["standard"]
    definitions = len(metafield_definitions())
    products = args.products
    work = os.path.dirname(args.conf)
    sandbox, url = start_sandbox(
        os.path.join(work, "shopify-export-sandbox.log"), nagle=args.sandbox_nagle
    )
    servers, sampler = [], None
    try:
        setup_started = time.monotonic()
        backend_id, _stock_location = create_backend(registry, url, args.workers)
        with registry.cursor() as cr:
            templates = create_catalogue(env_of(cr), products, "EXP", categories=CATEGORIES)
            template_ids = templates.ids
            variants = len(templates.product_variant_ids)
        setup_seconds = time.monotonic() - setup_started
        # Bounded: the floor at the plan's rate, times four, plus ten minutes.
        floor_time = max(0.0, products * 10 - bucket) / restore
        timeout = args.timeout or 4 * floor_time + 600

        log_path = os.path.join(work, "shopify-export-odoo.log")
        log_start = log_size(log_path)
        servers = start_workers(args.conf, args.db, args.workers, log_path)
        time.sleep(2)  # let the cron threads reach their LISTEN
        with registry.cursor() as cr:
            since_log, since_job = max_id(cr, "integration_api_log"), max_id(cr, "sync_job")
        before = get_json(url, "/_bench/stats")
        cpu_before = cpu_seconds(p for p, _u in servers)
        sampler = ErrorSampler(registry, backend_id)
        sampler.start()
        started, started_epoch = time.monotonic(), time.time()
        with registry.cursor() as cr:
            env = env_of(cr)
            env["shopify.product.binding"]._bind_and_export(
                env["integration.backend"].browse(backend_id),
                env["product.template"].browse(template_ids),
            )
        enqueue_seconds = time.monotonic() - started
        wait_jobs(registry, backend_id, timeout, "export", since_id=since_job)
        wall = time.monotonic() - started
        cpu = cpu_seconds(p for p, _u in servers) - cpu_before
    finally:
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
            """SELECT extract(epoch FROM date_done) FROM sync_job
                WHERE backend_id = %s AND id > %s AND operation = 'shopify_export_product'
                  AND state = 'done' ORDER BY date_done""",
            [backend_id, since_job],
        )
        done_at = [row[0] for row in cr.fetchall()]
        cr.execute(
            """SELECT count(*) FILTER (WHERE state = 'failed'), count(*) FROM sync_job
                WHERE backend_id = %s AND id > %s AND operation = 'shopify_export_product'""",
            [backend_id, since_job],
        )
        export_failed, export_jobs = cr.fetchone()
        cr.execute(
            """SELECT count(*) FROM shopify_product_binding
                WHERE backend_id = %s AND external_id IS NOT NULL""",
            [backend_id],
        )
        bound = cr.fetchone()[0]
        cr.execute(
            """SELECT count(*) FROM shopify_variant_binding
                WHERE backend_id = %s AND inventory_item_id IS NOT NULL""",
            [backend_id],
        )
        variant_bound = cr.fetchone()[0]
        by_operation = api_log_by_operation(cr, backend_id, since_log)
        failures = failed_jobs(cr, backend_id, since_job)
        lateness = retry_lateness(cr, backend_id, since_job)
    retried = failures_in_log(log_path, log_start)

    floor_calls, floor_points, floor_seconds, product_set_cost = floor_figures(
        products, delta, definitions, bucket, restore
    )
    export_calls = sum(e["calls"] for n, e in delta.items() if n in EXPORT_OPERATIONS)
    export_points = sum(e["points"] for n, e in delta.items() if n in EXPORT_OPERATIONS)
    log_calls = sum(v[0] for v in by_operation.values())
    log_points = sum(v[1] for v in by_operation.values())
    throttled = sum(e["throttled"] for e in delta.values())
    export_wall = (max(done_at) - started_epoch) if done_at else wall
    steady = float("nan")
    if len(done_at) >= 10:
        low, high = percentile(done_at, 0.1), percentile(done_at, 0.9)
        if high > low:
            steady = 0.8 * len(done_at) / (high - low) * 60

    print(
        "shopify export (%s products x %s variants = %s variants; %s worker cron(s), one Odoo "
        "server each, sharing one bucket; sandbox plan standard %s points, %s/s, Nagle %s; "
        "%s cores)"
        % (
            products,
            VARIANTS_PER_PRODUCT,
            variants,
            args.workers,
            bucket,
            restore,
            "on" if args.sandbox_nagle else "off",
            os.cpu_count(),
        )
    )
    print(
        "setup %.0f s (catalogue, backend, test connection); bind + enqueue %.1f s"
        % (setup_seconds, enqueue_seconds)
    )
    print(
        "exported %s/%s products (%s variants bound); export jobs failed %s; all jobs %s"
        % (bound, products, variant_bound, export_failed, dict(sorted(states.items())))
    )
    print(
        "wall %.0f s from the enqueue to the last product exported (%.0f s until no job of "
        "the backend was left): %.0f products/min overall, %.0f products/min steady (10th-90th "
        "percentile of completions); floor %.0f s at %s points/s = %.0f products/min steady"
        % (
            export_wall,
            wall,
            len(done_at) / export_wall * 60,
            steady,
            floor_seconds,
            restore,
            restore / product_set_cost * 60,
        )
    )
    print(
        "export calls %s (sandbox, %s of them THROTTLED; api log %s incl. stock/other) vs "
        "floor %s: %.2fx; points %.0f (sandbox; api log %.0f) vs floor %.0f: %.2fx"
        % (
            export_calls,
            sum(e["throttled"] for n, e in delta.items() if n in EXPORT_OPERATIONS),
            log_calls,
            floor_calls,
            export_calls / floor_calls,
            export_points,
            log_points,
            floor_points,
            export_points / floor_points,
        )
    )
    print(
        "calls by operation (sandbox): %s"
        % ", ".join(
            "%s %s (%s pts)" % (name, e["calls"], int(e["points"]))
            for name, e in sorted(delta.items())
        )
    )
    print(
        "api log by job operation: %s"
        % ", ".join(
            "%s %s calls %.0f pts" % (op or "no job", v[0], v[1])
            for op, v in sorted(by_operation.items(), key=lambda item: str(item[0]))
        )
    )
    print(
        "Odoo CPU %.1f s over %s servers: %.2f ms per variant, %.1f ms per product"
        % (cpu, args.workers, cpu / variants * 1000, cpu / products * 1000)
    )
    print(
        "THROTTLED answers %s; failed or retried job runs (worker log) %s; "
        "sandbox now: %s; sandbox catalogue %s products, %s variants, %s duplicated SKUs, "
        "collections %s"
        % (
            throttled,
            retried or "none",
            throttle_line(after["throttle"]),
            after["catalogue"]["products"],
            after["catalogue"]["variants"],
            after["catalogue"]["duplicated_skus"],
            after["catalogue"]["collections"],
        )
    )
    for operation, kind, count, message in failures:
        print("failed: %s x%s %s: %s" % (operation, count, kind, message))
    print(retry_line(lateness))
    for line in sampler.lines():
        print(line)
    if math.isnan(steady):
        print("(too few completions for a steady-state figure)")


if __name__ == "__main__":
    main()
