"""The retention crons' one loop: delete what is due in short committed batches.

A function of the cursor, not a model: it owns its transactions (it commits), which
tools/ may not do, and the three crons that use it (jobs, webhook deliveries, API
calls) share nothing else."""

from psycopg2 import sql


def delete_due_in_batches(cr, table, due, params, order_column, batch_size, skip_locked=True):
    """Delete the rows of ``table`` matching ``due`` (an SQL condition on ``params``),
    oldest ``order_column`` first, ``batch_size`` at a time, each batch its own READ
    COMMITTED transaction committed before the next, until none is due: one daily
    run catches up at any volume, and no lock is held between batches. Returns the
    number deleted.

    Each batch starts its index walk at the last value the previous one deleted
    (keyset pagination), not at the start of the index: the entries of rows just
    deleted stay in the index until a vacuum, and an index-only scan (which never
    marks them dead) would walk every one of them again in each batch, making a
    day's deletion quadratic. The batch's ids go to the DELETE as an array, which
    PostgreSQL looks up on the primary key: as ``id IN (subquery)``, a batch of
    20,000 was planned as a hash join over a sequential scan of the whole table
    (0.85 s a batch at 3M rows, which is why the API log's batches, the largest,
    were slower than one DELETE). ``skip_locked`` skips rows another transaction holds
    (a worker's, a replay's): they are due again at the next run.
    """
    statement = sql.SQL(
        """WITH gone AS (
               DELETE FROM {table} WHERE id = ANY(ARRAY(
                   SELECT id FROM {table}
                    WHERE ({due}) AND {column} >= %(after)s::timestamp
                    ORDER BY {column}
                    LIMIT %(batch_size)s
                    {lock}))
               RETURNING {column})
           SELECT count(*), max({column}) FROM gone"""
    ).format(
        table=sql.Identifier(table),
        due=sql.SQL(due),
        column=sql.Identifier(order_column),
        lock=sql.SQL("FOR UPDATE SKIP LOCKED" if skip_locked else ""),
    )
    deleted, after = 0, "-infinity"
    while True:
        cr.commit()  # pylint: disable=invalid-commit
        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cr.execute(statement, dict(params, after=after, batch_size=batch_size))
        count, last = cr.fetchone()
        cr.commit()  # pylint: disable=invalid-commit
        deleted += count
        if count < batch_size:
            return deleted
        after = last
