"""``python3 -m sandbox.shipstation --port 8703 [--seed] [--rate-limit 40] ...``"""

from __future__ import annotations

import argparse
import json
import sys

from .app import SandboxApp
from .config import Config
from .server import SandboxServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m sandbox.shipstation", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8703)
    parser.add_argument("--api-key", default="sandbox-api-key")
    parser.add_argument("--api-secret", default="sandbox-api-secret")
    parser.add_argument(
        "--rate-limit", type=int, default=40, help="requests per window per API key (40)"
    )
    parser.add_argument(
        "--rate-window", type=float, default=60.0, help="length of a window in seconds (60)"
    )
    parser.add_argument(
        "--resource-url-base",
        default=None,
        help="host of webhook resource_urls, e.g. https://ssapi{n}.shipstation.com",
    )
    parser.add_argument("--clean", action="store_true", help="no messy addresses")
    parser.add_argument("--seed", action="store_true", help="load the default account")
    parser.add_argument("--seed-file", help="JSON seed file (stores/warehouses/carriers)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    config = Config(
        credentials={args.api_key: args.api_secret},
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        resource_url_base=args.resource_url_base,
        messy=not args.clean,
    )
    app = SandboxApp(config)
    if args.seed_file:
        with open(args.seed_file, encoding="utf-8") as fh:
            app.store.seed(json.load(fh))
    elif args.seed:
        app.store.seed()
    server = SandboxServer(app, host=args.host, port=args.port, verbose=args.verbose)
    print(f"ShipStation sandbox listening on {server.url}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
