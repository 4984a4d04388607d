"""The suite at a busy seller's scale: 1M then 3M rows in each of the job, API-log and
webhook-delivery tables, 30 days of history over three backends (one per platform).

The rows are made in PostgreSQL by ``INSERT ... SELECT ... FROM generate_series``,
shaped like what the suite writes: jobs of every registered operation (a quarter are
webhook jobs pointing at their delivery), 3% cancelled, 1.5% failed after 5 retries,
2% retried with an eta, pending only in the last hour, the rest done a few seconds
after they were queued; one API call per job (2% 429 or 500), one delivery per job
(done, 3% ignored, 1% failed, received in the last minute). Each load step spreads
its rows over the 30 days with ids rising with time; the second step (2M rows) adds
to the first, so ids rise twice over the month. The tables' own indexes are dropped
for the load and rebuilt after it (foreign keys are not checked: the ids are
consistent by construction); the load runs with the triggers off, so the job counters
are then built from the jobs (``sync.job.counter._rebuild``, as at the counters'
first install); then VACUUM ANALYZE, as autovacuum would leave them. One call in ten
carries a batch (1 to 250 items of at most 250).

Each figure is min / median / max of 5 runs, run as an integration user through the
ORM: the dashboard's data call, the three lists as the web client opens them from the
menus (``web_search_read`` with the list view's fields, default filters and order,
80 rows, count up to 10,001), enqueue of 100 jobs (one statement, committed), one
webhook delivery stored and one API call logged (each committed; per operation,
100 a run) on the empty database and at each size, then at 3M: a claim of 20 jobs
with 200,000 pending in one priority, and the daily retention crons with a day's
worth due (keep days set to 29 over 30 days of rows).

Usage (bench/run does it): python bench/scale.py CONF DB [--sizes 1000000,3000000]
"""

import argparse
import ast
import statistics
import threading
import time
from datetime import datetime

from common import odoo_registry
from lxml import etree

RUNS = 5
DAYS = 30
TABLES = ("integration_webhook_event", "sync_job", "integration_api_log", "sync_job_counter")
LISTS = (
    # model, action (its context gives the default filters)
    ("sync.job", "integration_base.action_sync_job"),
    ("integration.webhook.event", "integration_base.action_integration_webhook_event"),
    ("integration.api.log", "integration_base.action_integration_api_log"),
)
CLAIM_PENDING = 200_000


def figure(label, seconds, unit="ms", per=1):
    values = sorted(1000 * s / per for s in seconds)
    return "%-58s %9.2f / %9.2f / %9.2f %s" % (
        label,
        values[0],
        statistics.median(values),
        values[-1],
        unit,
    )


def timed_runs(function, runs=RUNS):
    seconds = []
    for _i in range(runs):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


class Scale:
    def __init__(self, registry):
        import odoo

        self.odoo = odoo
        self.registry = registry
        self.loaded = 0
        with registry.cursor() as cr:
            env = self.env(cr)
            company = env.company
            self.backends = [
                env["integration.backend"].create(
                    {"name": "Scale %s" % label, "platform": platform, "company_id": company.id}
                )
                for platform, label in (
                    ("shopify", "Shopify"),
                    ("ebay", "eBay"),
                    ("shipstation", "ShipStation"),
                )
            ]
            self.backend_ids = [b.id for b in self.backends]
            self.platforms = [b.platform for b in self.backends]
            self.company_id = company.id
            self.operations = [
                op
                for op in env["sync.job"]._fields["operation"].get_values(env)
                if op not in ("noop", "webhook")
            ] or ["noop"]
            user = env["res.users"].create(
                {
                    "name": "Scale user",
                    "login": "scale-user",
                    "groups_id": [
                        (4, env.ref("base.group_user").id),
                        (4, env.ref("integration_base.group_integration_user").id),
                    ],
                }
            )
            self.uid = user.id

    def env(self, cr, uid=None):
        return self.odoo.api.Environment(cr, uid or self.odoo.SUPERUSER_ID, {})

    def user_env(self, cr):
        env = self.env(cr, self.uid)
        return env(context={"lang": "en_US", "tz": "UTC", "uid": self.uid, "bin_size": True})

    # ------------------------------------------------------------------ load

    def load(self, rows):
        """Add ``rows`` rows to each table, spread over the last 30 days."""
        started = time.perf_counter()
        with self.registry.cursor() as cr:
            cr.execute("SET session_replication_role = replica")  # no FK trigger per row
            cr.execute("SET maintenance_work_mem = '256MB'")
            cr.execute("SET synchronous_commit = off")
            indexes = []
            for table in TABLES:
                cr.execute(
                    """SELECT i.indexname, i.indexdef FROM pg_indexes i
                        WHERE i.tablename = %s AND i.indexname NOT IN (
                              SELECT c.relname FROM pg_constraint k
                                JOIN pg_class c ON c.oid = k.conindid
                               WHERE k.conrelid = %s::regclass)""",
                    [table, table],
                )
                for name, definition in cr.fetchall():
                    indexes.append(definition)
                    cr.execute('DROP INDEX "%s"' % name)
            first = {}
            for table in TABLES:
                cr.execute("SELECT coalesce(max(id), 0) FROM %s" % table)
                first[table] = cr.fetchone()[0]
            params = {
                "rows": rows,
                "days": DAYS,
                "backends": self.backend_ids,
                "platforms": self.platforms,
                "company": self.company_id,
                "operations": self.operations,
                "event0": first["integration_webhook_event"],
                "job0": first["sync_job"],
                "log0": first["integration_api_log"],
            }
            cr.execute(
                """INSERT INTO integration_webhook_event
                       (id, backend_id, platform, topic, delivery_id, headers, body,
                        received_at, state, note)
                   SELECT %(event0)s + g, (%(backends)s::int[])[1 + g %% 3],
                          (%(platforms)s::varchar[])[1 + g %% 3], t.topic,
                          'scale-' || (%(event0)s + g),
                          jsonb_build_object('X-Shopify-Topic', t.topic),
                          '{"id": ' || g || ', "line_items": [{"sku": "BRK-' || g %% 5000
                              || '", "quantity": 1}], "updated_at": "' || t.at || '"}',
                          t.at,
                          CASE WHEN t.at > now() at time zone 'utc' - interval '1 minute'
                               THEN 'received'
                               WHEN (g::bigint * 7919) %% 1000 < 10 THEN 'failed'
                               WHEN (g::bigint * 7919) %% 1000 < 40 THEN 'ignored'
                               ELSE 'done' END,
                          CASE WHEN (g::bigint * 7919) %% 1000 < 10
                               THEN 'Shopify answered 422: the variant was deleted' END
                     FROM generate_series(1, %(rows)s) g,
                          LATERAL (SELECT (ARRAY['orders/create', 'orders/updated',
                                                 'products/update',
                                                 'inventory_levels/update'])[1 + g %% 4]
                                              AS topic,
                                          now() at time zone 'utc'
                                          - %(days)s * interval '1 day'
                                            * (1 - g::float / %(rows)s) AS at) t""",
                params,
            )
            cr.execute(
                """INSERT INTO sync_job
                       (id, name, backend_id, platform, company_id, operation, res_model,
                        res_id, payload, priority, eta, state, retry_count, max_retries,
                        error_kind, last_error, date_started, date_done, duration,
                        dedupe_key, create_uid, write_uid, create_date, write_date)
                   SELECT %(job0)s + g, 'Scale job ' || g, (%(backends)s::int[])[1 + g %% 3],
                          (%(platforms)s::varchar[])[1 + g %% 3], %(company)s, j.operation,
                          CASE WHEN j.operation = 'webhook' THEN 'integration.webhook.event'
                               ELSE 'product.product' END,
                          CASE WHEN j.operation = 'webhook' THEN %(event0)s + g
                               ELSE g %% 20000 END,
                          jsonb_build_object('scale', g), 10,
                          CASE WHEN j.h < 20 THEN j.at + interval '30 seconds' END,
                          j.state, CASE WHEN j.state = 'failed' THEN 5 ELSE 0 END, 5,
                          CASE WHEN j.state = 'failed' THEN 'permanent' END,
                          CASE WHEN j.state = 'failed'
                               THEN 'Shopify answered 422: SKU is not unique' END,
                          CASE WHEN j.state != 'pending' THEN j.at + interval '1 second' END,
                          CASE WHEN j.state IN ('done', 'failed', 'cancelled')
                               THEN j.at + (1 + j.h %% 50 / 10.0) * interval '1 second' END,
                          CASE WHEN j.state IN ('done', 'failed') THEN j.h %% 50 / 10.0 END,
                          CASE WHEN j.operation = 'webhook' THEN NULL
                               ELSE 'scale:' || (%(job0)s + g) END,
                          1, 1, j.at, j.at
                     FROM generate_series(1, %(rows)s) g,
                          LATERAL (SELECT CASE WHEN g %% 4 = 0 THEN 'webhook'
                                               ELSE (%(operations)s::varchar[])[
                                                   1 + g %% cardinality(%(operations)s::varchar[])]
                                               END AS operation,
                                          (g::bigint * 7919) %% 1000 AS h,
                                          now() at time zone 'utc'
                                          - %(days)s * interval '1 day'
                                            * (1 - g::float / %(rows)s) AS at) s,
                          LATERAL (SELECT s.*,
                                          CASE WHEN s.at > now() at time zone 'utc'
                                                          - interval '1 hour'
                                               THEN 'pending'
                                               WHEN s.h < 15 THEN 'failed'
                                               WHEN s.h < 45 THEN 'cancelled'
                                               ELSE 'done' END AS state) j""",
                params,
            )
            cr.execute(
                """INSERT INTO integration_api_log
                       (id, backend_id, platform, company_id, method, endpoint, status_code,
                        is_error, duration_ms, cost, error, job_id, items, max_items,
                        create_uid, write_uid, create_date, write_date)
                   SELECT %(log0)s + g, (%(backends)s::int[])[1 + g %% 3],
                          (%(platforms)s::varchar[])[1 + g %% 3], %(company)s, 'POST',
                          '/admin/api/2026-10/graphql.json', c.status, c.status >= 300,
                          40 + (g * 37) %% 900, (g * 13) %% 50,
                          CASE WHEN c.status >= 300
                               THEN 'Shopify answered ' || c.status END,
                          %(job0)s + g,
                          CASE WHEN g %% 10 = 0 THEN 1 + (g * 31) %% 250 END,
                          CASE WHEN g %% 10 = 0 THEN 250 END, 1, 1, c.at, c.at
                     FROM generate_series(1, %(rows)s) g,
                          LATERAL (SELECT CASE WHEN (g::bigint * 7919) %% 1000 < 10 THEN 429
                                               WHEN (g::bigint * 7919) %% 1000 < 20 THEN 500
                                               ELSE 200 END AS status,
                                          now() at time zone 'utc'
                                          - %(days)s * interval '1 day'
                                            * (1 - g::float / %(rows)s)
                                          + interval '2 seconds' AS at) c""",
                params,
            )
            for table in TABLES:
                cr.execute("SELECT setval('%s_id_seq', (SELECT max(id) FROM %s))" % (table, table))
            loaded = time.perf_counter() - started
            for definition in indexes:
                cr.execute(definition)
            cr.commit()
            indexed = time.perf_counter() - started - loaded
            # The rows were written with the triggers off: count them as the
            # counters' first build does.
            self.env(cr)["sync.job.counter"]._rebuild()
            cr.commit()
            counted = time.perf_counter() - started - loaded - indexed
        self.vacuum()
        self.loaded += rows
        print(
            "loaded %s rows in each table (%s in all): insert %.0f s, indexes %.0f s, "
            "job counters %.0f s, vacuum analyze %.0f s"
            % (
                rows,
                self.loaded,
                loaded,
                indexed,
                counted,
                time.perf_counter() - started - loaded - indexed - counted,
            ),
            flush=True,
        )

    def vacuum(self):
        with self.registry.cursor() as cr:
            cr._cnx.autocommit = True
            for table in TABLES:
                cr.execute("VACUUM ANALYZE %s" % table)
            cr._cnx.autocommit = False

    # ------------------------------------------------------------------ figures

    def dashboard(self):
        with self.registry.cursor() as cr:
            env = self.user_env(cr)

            def call():
                env["integration.dashboard"].get_dashboard_data()
                cr.rollback()
                env.invalidate_all()

            return timed_runs(call)

    def lists(self):
        figures = []
        with self.registry.cursor() as cr:
            env = self.user_env(cr)
            for model, action_xmlid in LISTS:
                action = env.ref(action_xmlid).sudo()
                context = ast.literal_eval(action.context or "{}")
                domain = self._default_filter_domain(env, model, context)
                spec = self._list_specification(env, model)

                def call(model=model, domain=domain, spec=spec):
                    env[model].web_search_read(
                        domain, spec, offset=0, limit=80, order="", count_limit=10001
                    )
                    cr.rollback()
                    env.invalidate_all()

                figures.append((model, domain, timed_runs(call)))
        return figures

    @staticmethod
    def _default_filter_domain(env, model, context):
        """The domain of the search view's filters the action turns on (filters of
        one group are OR-ed, groups AND-ed, as the web client does)."""
        arch = etree.fromstring(
            env[model].get_views([(False, "search")])["views"]["search"]["arch"]
        )
        groups, current = [], []
        for node in arch:
            if node.tag == "separator":
                groups.append(current)
                current = []
            elif node.tag == "filter" and context.get("search_default_%s" % node.get("name")):
                current.append(ast.literal_eval(node.get("domain")))
        groups.append(current)
        domain = []
        for filters in (g for g in groups if g):
            domain = (["&"] if domain else []) + domain
            domain += ["|"] * (len(filters) - 1) + [leaf for f in filters for leaf in f]
        return domain

    @staticmethod
    def _list_specification(env, model):
        """What the web client asks for: the list view's fields, with display names
        of the many2one ones."""
        view = env[model].get_views([(False, "list")])["views"]["list"]
        arch = etree.fromstring(view["arch"])
        fields = env[model]._fields
        spec = {}
        for node in arch.iter("field"):
            name = node.get("name")
            field = fields[name]
            spec[name] = {"fields": {"display_name": {}}} if field.type == "many2one" else {}
        return spec

    def enqueue(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            backend = env["integration.backend"].browse(self.backend_ids[0])

            def call():
                env["sync.job"].enqueue_many(
                    backend, "noop", [(None, {"n": i}) for i in range(100)], dedupe_key=None
                )
                cr.commit()

            return timed_runs(call)

    def webhook_store(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            backend = env["integration.backend"].browse(self.backend_ids[0])
            target = {"id": backend.id, "platform": backend.platform, "company_id": self.company_id}
            counter = iter(range(10**9))
            stamp = int(time.time() * 1000)

            def call():
                for _i in range(100):
                    env["integration.webhook.event"]._store_delivery(
                        target,
                        "scale-store-%s-%s" % (stamp, next(counter)),
                        "orders/create",
                        {"X-Shopify-Topic": "orders/create"},
                        '{"id": 1, "line_items": []}',
                    )
                    cr.commit()

            return timed_runs(call)

    def api_log_insert(self):
        from odoo.addons.integration_base.tools.http import CallRecord

        with self.registry.cursor() as cr:
            env = self.env(cr)
            backend = env["integration.backend"].browse(self.backend_ids[0])
            cr.execute("SELECT max(id) FROM sync_job")
            job_id = cr.fetchone()[0]
            log = env["integration.api.log"].with_context(integration_job_id=job_id)
            record = CallRecord("POST", "/admin/api/2026-10/graphql.json", 200, 123.4, cost=10)

            def call():
                for _i in range(100):
                    log._record(backend, record)

            return timed_runs(call)

    def claim(self):
        """200,000 pending jobs in one priority on one platform; each run claims a
        batch and rolls the claim back."""
        platform = self.platforms[1]
        with self.registry.cursor() as cr:
            cr.execute(
                """INSERT INTO sync_job (name, backend_id, platform, company_id, operation,
                                         priority, eta, state, retry_count, max_retries,
                                         create_uid, write_uid, create_date, write_date)
                   SELECT 'Scale export ' || g, %s, %s, %s, 'noop', 10,
                          CASE WHEN g %% 100 = 0
                               THEN now() at time zone 'utc' - interval '1 minute' END,
                          'pending', 0, 5, 1, 1,
                          now() at time zone 'utc', now() at time zone 'utc'
                     FROM generate_series(1, %s) g""",
                [self.backend_ids[1], platform, self.company_id, CLAIM_PENDING],
            )
            cr.commit()
            cr.execute("ANALYZE sync_job")
            cr.commit()
            env = self.env(cr)
            claimed = []

            def call():
                claimed.append(len(env["sync.job"]._claim_jobs(platform, 20)))
                cr.rollback()

            seconds = timed_runs(call)
            cr.execute(
                """EXPLAIN SELECT id FROM sync_job
                    WHERE state = 'pending' AND platform = %s
                      AND (eta IS NULL OR eta <= now() at time zone 'utc')
                    ORDER BY priority, eta NULLS FIRST, id LIMIT 20 FOR UPDATE SKIP LOCKED""",
                [platform],
            )
            plan = [row[0] for row in cr.fetchall()]
            cr.execute(
                "DELETE FROM sync_job WHERE platform = %s AND state = 'pending' "
                "AND name LIKE 'Scale export %%'",
                [platform],
            )
            cr.commit()
        return seconds, claimed, plan

    def retention(self):
        """Keep 29 days over 30 days of rows: a day's worth is due in each table. Each
        cron runs once, as ir.cron runs it (its own cursor, committed after), while a
        worker claims beside it: the longest claim says whether it had to wait."""
        crons = (
            ("jobs (done, cancelled)", "sync.job", "_cron_vacuum_done_jobs", "job_keep_days"),
            ("API log", "integration.api.log", "_cron_prune", "api_log_keep_days"),
            ("webhook deliveries", "integration.webhook.event", "_cron_prune", "webhook_keep_days"),
        )
        due = {
            "sync.job": """SELECT count(*) FROM sync_job
                            WHERE state IN ('done', 'cancelled')
                              AND date_done < now() at time zone 'utc' - interval '29 days'""",
            "integration.api.log": """SELECT count(*) FROM integration_api_log
                           WHERE create_date < now() at time zone 'utc' - interval '29 days'""",
            "integration.webhook.event": """SELECT count(*) FROM integration_webhook_event
                                WHERE state IN ('done', 'ignored')
                                  AND received_at < now() at time zone 'utc'
                                                    - interval '29 days'""",
        }
        lines = []
        with self.registry.cursor() as cr:
            env = self.env(cr)
            for _label, _model, _method, key in crons:
                env["ir.config_parameter"].set_param("integration_base.%s" % key, 29)
            cr.commit()
            for label, model, method, _key in crons:
                cr.execute(due[model])
                before = cr.fetchone()[0]
                cr.commit()
                claims = []
                stop_claims = threading.Event()
                claimer = threading.Thread(target=self._claim_beside, args=(stop_claims, claims))
                claimer.start()
                started = time.perf_counter()
                getattr(env[model], method)()
                cr.commit()
                seconds = time.perf_counter() - started
                stop_claims.set()
                claimer.join()
                cr.execute(due[model])
                after = cr.fetchone()[0]
                cr.commit()
                lines.append(
                    "%-24s %8d due, one run: %7.1f s, %8d left due; longest claim "
                    "beside it %.1f ms (%d claims)"
                    % (label, before, seconds, after, 1000 * max(claims or [0]), len(claims))
                )
        return lines

    def _claim_beside(self, stop_event, claims):
        platform = self.platforms[2]
        with self.registry.cursor() as cr:
            env = self.env(cr)
            while not stop_event.is_set():
                started = time.perf_counter()
                env["sync.job"]._claim_jobs(platform, 20)
                cr.rollback()
                claims.append(time.perf_counter() - started)
                time.sleep(0.05)


def writes(scale, label):
    return [
        figure("enqueue of 100 jobs (one statement, commit) [%s]" % label, scale.enqueue()),
        figure(
            "webhook store (insert + enqueue, commit), per delivery [%s]" % label,
            scale.webhook_store(),
            per=100,
        ),
        figure(
            "API-log insert (own transaction), per call [%s]" % label,
            scale.api_log_insert(),
            per=100,
        ),
    ]


def reads(scale, label):
    lines = [figure("dashboard data call [%s]" % label, scale.dashboard())]
    for model, domain, seconds in scale.lists():
        lines.append(figure("list %s %s [%s]" % (model, domain or "(no filter)", label), seconds))
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--sizes", default="1000000,3000000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    registry = odoo_registry(args.conf, args.db)
    scale = Scale(registry)
    print(
        "scale: %s rows a table, 30 days of history, 3 backends; figures are "
        "min / median / max of %s runs (at %s UTC)"
        % (", ".join(str(s) for s in sizes), RUNS, datetime.utcnow().strftime("%Y-%m-%d %H:%M")),
        flush=True,
    )
    empty = writes(scale, "empty")
    print("\n".join(empty), flush=True)
    for size in sizes:
        scale.load(size - scale.loaded)
        label = "%.0fM" % (size / 1e6) if size >= 1e6 else str(size)
        print("\n".join(reads(scale, label) + writes(scale, label)), flush=True)
    seconds, claimed, plan = scale.claim()
    print(
        figure("claim of a batch of 20, %s pending in one priority" % CLAIM_PENDING, seconds)
        + "  (claimed %s each run)" % claimed[0]
    )
    print(
        "  claim plan: "
        + " | ".join(line.strip() for line in plan if "->" in line or "Limit" in line)
    )
    print("\n".join(scale.retention()))


if __name__ == "__main__":
    main()
