"""``python3 -m sandbox.shopify --port 8701 [--plan standard|advanced|plus] ...``"""

from __future__ import annotations

import argparse
import json
import sys

from .app import SandboxApp
from .config import PLANS, Config
from .server import SandboxServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m sandbox.shopify", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--plan", choices=sorted(PLANS), default="standard")
    parser.add_argument("--bucket-size", type=int, default=None, help="maximumAvailable")
    parser.add_argument("--restore-rate", type=float, default=None, help="points per second")
    parser.add_argument("--token", default="shpat_sandbox", help="permanent admin token")
    parser.add_argument("--client-id", default="sandbox-client-id")
    parser.add_argument("--client-secret", default="sandbox-client-secret")
    parser.add_argument(
        "--token-ttl", type=int, default=86399, help="client-credentials token lifetime (s)"
    )
    parser.add_argument("--seed", action="store_true", help="load the default motor-parts seed")
    parser.add_argument("--seed-file", help="JSON seed file (products/locations/customers)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    config = Config(
        plan=args.plan,
        bucket_size=args.bucket_size,
        restore_rate=args.restore_rate,
        admin_token=args.token,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_ttl=args.token_ttl,
    )
    app = SandboxApp(config)
    if args.seed_file:
        with open(args.seed_file, encoding="utf-8") as fh:
            app.store.seed(json.load(fh))
    elif args.seed:
        app.store.seed()
    server = SandboxServer(app, host=args.host, port=args.port, verbose=args.verbose)
    print(f"Shopify sandbox listening on {server.url} (GraphQL: {server.graphql_url})", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
