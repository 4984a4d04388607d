"""Constants shared by the suite. Platform behaviour lives in the platform addons;
the base only knows their names so that queues, limits and screens can group by them."""

PLATFORMS = [
    ("shopify", "Shopify"),
    ("ebay", "eBay"),
    ("shipstation", "ShipStation"),
]

JOB_STATES = [
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]

# The states a job ends in (it leaves them only by a person's Retry or Requeue).
FINAL_JOB_STATES = ("done", "failed", "cancelled")

# How long sync.job.counter keeps its counts: longer than the dashboard's longest
# window (the error recovery rate's 7 days).
JOB_COUNTER_KEEP_DAYS = 8

ERROR_KINDS = [
    ("retryable", "Temporary"),
    ("rate_limited", "Rate limited"),
    ("permanent", "Permanent"),
    ("authentication", "Authentication"),
    ("worker_lost", "Worker stopped"),
]

# A worker blocks (sleeps) for a rate limit up to this many seconds; a longer wait
# puts the job back in the queue with an eta instead.
MAX_BLOCKING_WAIT_SECONDS = 3.0

# How many jobs a worker claims per round trip, and how long one cron run may go on
# before it hands the slot back (and re-triggers itself when work is left).
CLAIM_BATCH_SIZE = 20
WORKER_TIME_BUDGET_SECONDS = 50

# A worker with nothing to run stays for a job whose eta is at most this far off,
# instead of leaving it to the cron's next call a minute later: short waits are
# batching windows and rate-limit pauses, which must end on time.
MAX_IDLE_WAIT_SECONDS = 5.0
# A due job it could not claim is locked by another transaction (which sends no
# wake-up when it lets go): the worker looks again this often.
IDLE_POLL_SECONDS = 0.1
# A worker run by the scheduler stays this long after its last job, listening for
# new ones: the enqueue's NOTIFY wakes it within a millisecond of the commit, where
# a cron run started anew costs tens of milliseconds.
IDLE_LISTEN_SECONDS = 5.0

# A job waiting on an eta closer than this has the workers notified at that eta;
# a later one is left to the worker cron's own call, once a minute.
ETA_WAKE_AHEAD_SECONDS = 120

# A processing job whose start is older than this is recovered even if its worker
# still has a database session (a hung call).
STALE_JOB_SECONDS = 15 * 60

WEBHOOK_MAX_BODY_BYTES = 1024 * 1024

# How long integration.backend._exclusive waits for its lock (another worker renewing a
# token over HTTP holds it for a few seconds at most).
EXCLUSIVE_LOCK_TIMEOUT_SECONDS = 60

# The Odoo configuration file option that lets sandbox backends talk to hosts other
# than the platforms' own (the offline sandbox on 127.0.0.1): off unless set.
SANDBOX_HOSTS_OPTION = "integration_allow_sandbox_hosts"

# An expiring access token is renewed when it has less than this left
# (integration.backend._access_token).
TOKEN_RENEW_MARGIN_SECONDS = 300
