"""Queue throughput: 2,000 no-op jobs run by two workers (two Odoo servers, one cron
thread each, woken by the enqueue), beside a raw PostgreSQL SKIP LOCKED claim loop
on the same database in the same run (the floor).

Usage (bench/run does it): python bench/queue_throughput.py CONF DB [--jobs N]
"""

import argparse
import multiprocessing
import os
import time

import psycopg2
from common import odoo_registry, percentile, start_odoo, stop

FLOOR_TABLE = "bench_floor_queue"


def floor_worker(dsn):
    conn = psycopg2.connect(dsn)
    cr = conn.cursor()
    done = 0
    while True:
        cr.execute(
            """UPDATE %s SET state = 'done', done_at = clock_timestamp()
                WHERE id = (SELECT id FROM %s WHERE state = 'pending' ORDER BY id
                            LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id"""
            % (FLOOR_TABLE, FLOOR_TABLE)
        )
        row = cr.fetchone()
        conn.commit()
        if not row:
            return done
        done += 1


def run_floor(dsn, jobs, workers):
    conn = psycopg2.connect(dsn)
    cr = conn.cursor()
    cr.execute("DROP TABLE IF EXISTS %s" % FLOOR_TABLE)
    cr.execute(
        "CREATE TABLE %s (id serial PRIMARY KEY, state varchar NOT NULL DEFAULT 'pending', "
        "created_at timestamp NOT NULL DEFAULT clock_timestamp(), done_at timestamp)" % FLOOR_TABLE
    )
    cr.execute(
        "INSERT INTO %s (state) SELECT 'pending' FROM generate_series(1, %%s)" % FLOOR_TABLE, [jobs]
    )
    conn.commit()
    started = time.monotonic()
    with multiprocessing.Pool(workers) as pool:
        counts = pool.map(floor_worker, [dsn] * workers)
    wall = time.monotonic() - started
    cr.execute("SELECT extract(epoch FROM done_at - created_at) FROM %s" % FLOOR_TABLE)
    latencies = [row[0] for row in cr.fetchall()]
    cr.execute("DROP TABLE %s" % FLOOR_TABLE)
    conn.commit()
    return {"jobs": sum(counts), "wall": wall, "latencies": latencies}


def prepare_suite(registry, workers):
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backend = env["integration.backend"].create(
            {"name": "Queue benchmark", "platform": "shopify"}
        )
        model = env.ref("integration_base.model_sync_job")
        for index in range(workers):
            env["ir.cron"].create(
                {
                    "name": "Benchmark Shopify worker %s" % (index + 1),
                    "model_id": model.id,
                    "state": "code",
                    "code": "model._cron_run_jobs('shopify')",
                    "integration_worker_platform": "shopify",
                    "interval_number": 1,
                    "interval_type": "days",
                    "numbercall": -1,
                }
            )
        return backend.id


def enqueue(registry, backend_id, count, per_transaction):
    import odoo

    ids = []
    for start in range(0, count, per_transaction):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            backend = env["integration.backend"].browse(backend_id)
            size = min(per_transaction, count - start)
            ids += env["sync.job"].enqueue_many(
                backend, "noop", [(None, None)] * size, dedupe_key=None
            )
    return ids


def wait_done(registry, ids, timeout=300):
    deadline = time.monotonic() + timeout
    with registry.cursor() as cr:
        while time.monotonic() < deadline:
            cr.execute(
                "SELECT count(*) FROM sync_job WHERE id IN %s AND state != 'done'", [tuple(ids)]
            )
            left = cr.fetchone()[0]
            cr.commit()
            if not left:
                return
            time.sleep(0.05)
    raise RuntimeError("%s jobs still not done after %s s" % (left, timeout))


def job_stats(registry, ids):
    with registry.cursor() as cr:
        cr.execute(
            """SELECT extract(epoch FROM date_done - create_date),
                      extract(epoch FROM date_done), extract(epoch FROM create_date),
                      worker_pid
                 FROM sync_job WHERE id IN %s""",
            [tuple(ids)],
        )
        rows = cr.fetchall()
    latencies = [row[0] for row in rows]
    wall = max(row[1] for row in rows) - min(row[2] for row in rows)
    return latencies, wall, len({row[3] for row in rows})


def line(label, jobs, wall, latencies):
    return "%-44s %6d jobs %7.2f s %8.1f jobs/s   enqueue-to-done p50 %7.1f ms  p95 %7.1f ms" % (
        label,
        jobs,
        wall,
        jobs / wall,
        1000 * percentile(latencies, 0.5),
        1000 * percentile(latencies, 0.95),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    registry = odoo_registry(args.conf, args.db)
    dsn = "dbname=%s host=%s port=%s user=%s" % (
        args.db,
        os.environ.get("PGHOST", "127.0.0.1"),
        os.environ.get("PGPORT", "5432"),
        os.environ.get("PGUSER", os.environ.get("USER", "root")),
    )
    floor = run_floor(dsn, args.jobs, args.workers)
    backend_id = prepare_suite(registry, args.workers)
    log_path = os.path.join(os.path.dirname(args.conf), "queue-bench-odoo.log")
    servers = [
        start_odoo(args.conf, args.db, "--max-cron-threads=1", "--workers=0", log_path=log_path)
        for _i in range(args.workers)
    ]
    try:
        time.sleep(2)  # let both cron threads reach their LISTEN
        ids = enqueue(registry, backend_id, args.jobs, per_transaction=args.jobs)
        wait_done(registry, ids)
        latencies, wall, worker_count = job_stats(registry, ids)
        steady_ids = []
        steady_started = time.monotonic()
        for _i in range(200):  # a steady trickle: one job per transaction, ~50 a second
            steady_ids += enqueue(registry, backend_id, 1, 1)
            time.sleep(0.02)
        wait_done(registry, steady_ids)
        steady_latencies, _steady_wall, _workers = job_stats(registry, steady_ids)
        steady_wall = time.monotonic() - steady_started
    finally:
        for process, _url in servers:
            stop(process)

    print("queue throughput (%s workers, %s cores)" % (args.workers, os.cpu_count()))
    print(
        line(
            "floor: raw SKIP LOCKED loop, 1 job/txn",
            floor["jobs"],
            floor["wall"],
            floor["latencies"],
        )
    )
    print(line("suite: sync.job via ir.cron, 2 Odoo servers", args.jobs, wall, latencies))
    print(
        "suite/floor throughput ratio: %.2f; jobs run by %s distinct workers"
        % ((args.jobs / wall) / (floor["jobs"] / floor["wall"]), worker_count)
    )
    print(
        line(
            "suite: steady trickle, 1 job per commit",
            len(steady_ids),
            steady_wall,
            steady_latencies,
        )
    )


if __name__ == "__main__":
    main()
