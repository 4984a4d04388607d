"""Shopify orders: 1,000 ``orders/create`` deliveries posted at concurrency 8 to the
connector's webhook route of a real Odoo server, until every order is a sale order;
then, in the same run, the floor: Odoo creating the same sale orders through the ORM,
a commit each.

The catalogue (100 templates of 3 variants, 1,000 units of each in stock) is exported
to the offline sandbox first; the orders are placed on the sandbox as checkout places
them (3 lines of exported SKUs, 20 % tax, a 10 % discount code, paid shipping; a
quarter of them by returning buyers), and their bodies, the sandbox's own REST
shape, are posted signed with the app's client secret as Shopify signs them. One Odoo
server answers the webhooks (2 HTTP workers, no cron thread); two others run one
worker cron each, which import the orders (confirmed sale orders, so stock is reserved
and the stock feed sends the new quantities to the sandbox).

The floor creates, in as many processes as there are workers, each order's partner
(found by email, or created), the sale order with the same products, quantities,
prices, discounts, taxes and shipping line, confirms it and commits. Measured: orders
per second both ways (the suite from the first post until every order has its sale
order), the ratio (target at least 0.8), and the sale orders per Shopify order id
through the binding: lost and duplicated (target 0 and 0).

Usage (bench/run does it): python bench/shopify_orders.py CONF DB [--orders 1000]
    [--concurrency 8] [--workers 2] [--products 100] [--timeout 900]
"""

import argparse
import multiprocessing
import os
import queue
import time
from decimal import Decimal

import psycopg2
from common import odoo_registry, percentile, start_http_server, stop, stop_on_sigterm
from shopify_common import (
    SANDBOX_CLIENT_SECRET,
    ErrorSampler,
    connect_webhooks,
    create_backend,
    deliver,
    env_of,
    failed_jobs,
    job_states,
    max_id,
    order_outcome,
    place_orders,
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

RATIO_TARGET = 0.8
PG_CONCURRENCY_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.DeadlockDetected,
)


def floor_order(payload):
    """What the floor needs of an ``orders/create`` body to make the same sale order:
    its buyer (under an email of their own, so that the suite's partners are not
    found), items and shipping."""
    address = payload["shipping_address"]
    lines = []
    for item in payload["line_items"]:
        gross = Decimal(item["price"]) * item["quantity"]
        discount = Decimal(item["total_discount"] or "0")
        lines.append((item["sku"], item["quantity"], item["price"], float(discount / gross * 100)))
    return {
        "email": "floor-" + payload["email"],
        "name": address["name"],
        "street": address["address1"],
        "city": address["city"],
        "zip": address["zip"],
        "lines": lines,
        "shipping": [line["price"] for line in payload["shipping_lines"]],
    }


def floor_process(conf, db, shape, orders, start, results):
    """One floor process: its orders, each created, confirmed and committed on its own.
    ``shape``: the country, price list, taxes and shipping product the suite's sale
    orders have."""
    registry = odoo_registry(conf, db)
    with registry.cursor() as cr:  # warm the caches outside the measured part
        env = env_of(cr)
        env["product.product"].search([("default_code", "in", [orders[0]["lines"][0][0]])])
        cr.rollback()
    start.wait()
    started, retries = time.monotonic(), 0
    for order in orders:
        # Two processes reserving the same quant collide as two workers do: the
        # transaction is run again, as Odoo's RPC layer and the queue do.
        for attempt in range(1, 6):
            try:
                create_order(registry, shape, order)
                break
            except PG_CONCURRENCY_ERRORS as error:
                if attempt == 5:
                    raise RuntimeError("floor order failed 5 times: %s" % error) from error
                retries += 1
    results.put((time.monotonic() - started, retries))


def create_order(registry, shape, order):
    """One floor order: partner, sale order, confirmation, commit."""
    with registry.cursor() as cr:
        env = env_of(cr)
        partner = env["res.partner"].search(
            [("email", "=", order["email"]), ("parent_id", "=", False)], limit=1
        ) or env["res.partner"].create(
            {
                "name": order["name"],
                "email": order["email"],
                "street": order["street"],
                "city": order["city"],
                "zip": order["zip"],
                "country_id": shape["country_id"],
            }
        )
        skus = [sku for sku, _qty, _price, _discount in order["lines"]]
        products = {
            p.default_code: p.id
            for p in env["product.product"].search([("default_code", "in", skus)])
        }
        lines = [
            {
                "product_id": products[sku],
                "product_uom_qty": quantity,
                "price_unit": float(price),
                "discount": discount,
                "tax_id": [(6, 0, shape["line_tax_ids"])],
            }
            for sku, quantity, price, discount in order["lines"]
        ]
        lines += [
            {
                "product_id": shape["shipping_product_id"],
                "product_uom_qty": 1,
                "price_unit": float(price),
                "tax_id": [(6, 0, shape["shipping_tax_ids"])],
                "is_delivery": True,
            }
            for price in order["shipping"]
        ]
        sale = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "pricelist_id": shape["pricelist_id"],
                "order_line": [(0, 0, line) for line in lines],
            }
        )
        sale.action_confirm()


def run_floor(conf, db, shape, orders, processes):
    """The floor's orders, split between ``processes`` processes: the seconds from
    their common start until the last one finished, and the transactions run again."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes + 1), context.Queue()
    pool = [
        context.Process(
            target=floor_process,
            args=(conf, db, shape, orders[index::processes], start, results),
            daemon=True,
        )
        for index in range(processes)
    ]
    for process in pool:
        process.start()
    start.wait(timeout=600)  # each process loads Odoo first
    deadline, times = time.monotonic() + 1800, []
    while len(times) < processes:
        try:
            times.append(results.get(timeout=5))
        except queue.Empty:
            if any(p.exitcode for p in pool) or time.monotonic() > deadline:
                raise RuntimeError("a floor process failed or took more than 30 min") from None
    for process in pool:
        process.join(timeout=30)
    return max(seconds for seconds, _retries in times), sum(r for _s, r in times)


def suite_shape(env, backend_id):
    """The country, price list, taxes and shipping product of the suite's sale orders."""
    sale = env["shopify.order.binding"].search([("backend_id", "=", backend_id)], limit=1).odoo_id
    shipping = sale.order_line.filtered("is_delivery")[:1]
    return {
        "country_id": sale.partner_id.country_id.id,
        "pricelist_id": sale.pricelist_id.id,
        "line_tax_ids": (sale.order_line - shipping)[:1].tax_id.ids,
        "shipping_tax_ids": shipping.tax_id.ids,
        "shipping_product_id": shipping.product_id.id,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="worker crons, one server each")
    parser.add_argument("--products", type=int, default=100, help="templates of 3 variants")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the orders")
    args = parser.parse_args()
    stop_on_sigterm()

    registry = odoo_registry(args.conf, args.db)
    work = os.path.dirname(args.conf)
    log_path = os.path.join(work, "shopify-orders-odoo.log")
    sandbox, url = start_sandbox(os.path.join(work, "shopify-orders-sandbox.log"))
    servers, http, sampler = [], None, None
    try:
        use_shop_currency(registry, url)
        backend_id, stock_location_id = create_backend(registry, url, args.workers)
        servers = start_workers(args.conf, args.db, args.workers, log_path)
        skus = stocked_catalogue(
            registry, backend_id, stock_location_id, args.products, "ORD", quantity=1000
        )
        payloads = place_orders(url, skus, args.orders, seed=11)
        http = start_http_server(args.conf, args.db, log_path)
        uri, shop_domain = connect_webhooks(registry, backend_id, http[1], url)

        def signed(topic, body):
            return (topic, webhook_headers(SANDBOX_CLIENT_SECRET, topic, shop_domain, body), body)

        # Every HTTP worker loads the registry and the route before the measured part:
        # a topic without a handler is stored, then ignored by the workers.
        deliver(uri, [signed("carts/update", b'{"id": 1}') for _i in range(16)], 8)
        wait_jobs(registry, backend_id, 120, "warm-up")
        deliveries = [signed("orders/create", webhook_body(p)) for p in payloads]
        external_ids = [p["admin_graphql_api_id"] for p in payloads]
        with registry.cursor() as cr:
            since_job, since_sale = max_id(cr, "sync_job"), max_id(cr, "sale_order")
        sampler = ErrorSampler(registry, backend_id)
        sampler.start()
        started = time.monotonic()
        statuses, latencies, post_seconds = deliver(uri, deliveries, args.concurrency)
        all_bound = wait_orders(registry, backend_id, external_ids, args.timeout, "orders")
        suite_seconds = (all_bound or time.monotonic()) - started
        drain = wait_jobs(registry, backend_id, 300, "drain", since_id=since_job)
    finally:
        if sampler:
            sampler.stop()
        if http:
            stop(http[0])
        stop_all(servers)
        stop(sandbox)

    with registry.cursor() as cr:
        outcome = order_outcome(cr, backend_id, external_ids, since_sale)
        states = job_states(cr, backend_id, since_job)
        failures = failed_jobs(cr, backend_id, since_job)
        shape = suite_shape(env_of(cr), backend_id)
    suite_rate = outcome["found"] / suite_seconds

    print(
        "shopify orders (%s orders/create deliveries of 3 lines, 20%% tax, shipping and a "
        "discount, at concurrency %s; 1 Odoo server with 2 HTTP workers for the webhooks, "
        "%s worker cron(s), one Odoo server each; orders confirmed; sandbox plan standard; "
        "%s cores)" % (len(payloads), args.concurrency, args.workers, os.cpu_count())
    )
    print(
        "suite: webhook -> sale order: %s orders in %.1f s = %.1f orders/s%s (deliveries "
        "answered in %.1f s, p50 %.0f ms, p99 %.0f ms, statuses %s); every job done %.1f s "
        "after the last order"
        % (
            outcome["found"],
            suite_seconds,
            suite_rate,
            "" if all_bound else " (TIMED OUT)",
            post_seconds,
            1000 * percentile(latencies, 0.5),
            1000 * percentile(latencies, 0.99),
            statuses,
            drain,
        )
    )
    print(
        "sale orders: %(expected)s expected, %(found)s found, %(lost)s lost, %(duplicated)s "
        "duplicated (target 0 and 0; sale orders without a binding: %(unbound)s); totals "
        "differing from Shopify's: %(total_mismatch)s" % outcome
    )
    print("jobs %s" % dict(sorted(states.items())))
    for operation, kind, count, message in failures:
        print("failed: %s x%s %s: %s" % (operation, count, kind, message))
    for line in sampler.lines():
        print(line, flush=True)
    # The suite's figures are printed first: they stand even if the floor fails.
    floor_seconds, floor_retries = run_floor(
        args.conf, args.db, shape, [floor_order(p) for p in payloads], args.workers
    )
    floor_rate = len(payloads) / floor_seconds
    print(
        "floor: ORM create + confirm, a commit each, %s processes: %s orders in %.1f s = "
        "%.1f orders/s (transactions run again after a concurrent update: %s)"
        % (args.workers, len(payloads), floor_seconds, floor_rate, floor_retries)
    )
    print("suite/floor ratio: %.2f (target >= %.1f)" % (suite_rate / floor_rate, RATIO_TARGET))


if __name__ == "__main__":
    main()
