"""``python3 -m sandbox.ebay --port 8702 --seed`` (see README.md for every option)."""

from __future__ import annotations

import argparse
import json
import sys

from .app import EbayApp
from .config import Config
from .server import SandboxServer


def _quota(text: str) -> tuple[str, int]:
    api, sep, limit = text.partition("=")
    if not sep or not limit.isdigit():
        raise argparse.ArgumentTypeError("use API=N, e.g. tradingapi=5000")
    return api, int(limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m sandbox.ebay", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--seed", action="store_true", help="load the default seller seed")
    parser.add_argument("--seed-file", help="JSON seed file (see README)")
    parser.add_argument("--app-id", help="client_id (App ID)")
    parser.add_argument("--cert-id", help="client_secret (Cert ID)")
    parser.add_argument(
        "--runame",
        action="append",
        default=[],
        metavar="RUNAME=ACCEPT_URL",
        help="an RuName and the accept URL the consent page redirects to",
    )
    parser.add_argument("--token-ttl", type=int, help="access token lifetime (s), 7200")
    parser.add_argument("--quota", type=_quota, action="append", default=[], metavar="API=N")
    parser.add_argument("--quota-reset", help="daily quota reset time HH:MM (00:00)")
    parser.add_argument("--quota-tz", help="time zone of the reset (America/Los_Angeles)")
    parser.add_argument("--buyer-identity", choices=("username", "immutable"))
    parser.add_argument("--notification-endpoint", help="account deletion endpoint URL")
    parser.add_argument("--verification-token", help="the endpoint's verification token")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    config = Config()
    values: dict = {
        "app_id": args.app_id,
        "cert_id": args.cert_id,
        "access_token_ttl": args.token_ttl,
        "quota_reset_time": args.quota_reset,
        "quota_reset_tz": args.quota_tz,
        "buyer_identity": args.buyer_identity,
        "notification_endpoint": args.notification_endpoint,
        "notification_verification_token": args.verification_token,
    }
    if args.quota:
        values["quotas"] = dict(args.quota)
    if args.runame:
        values["runames"] = dict(r.split("=", 1) for r in args.runame)
    config.update({k: v for k, v in values.items() if v is not None})
    app = EbayApp(config)
    if args.seed_file:
        with open(args.seed_file, encoding="utf-8") as fh:
            app.store.seed(json.load(fh))
    elif args.seed:
        app.store.seed()
    server = SandboxServer(app, host=args.host, port=args.port, verbose=args.verbose)
    print(f"eBay sandbox listening on {server.url}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
