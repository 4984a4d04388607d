"""Screenshots of the running demo for the README, in headless Chromium.

Usage: .venv/bin/python scripts/screenshot.py URL_PATH OUT.png [--base http://127.0.0.1:8069]
       [--login admin --password admin --db commerce_demo --width 1440 --height 1000 --wait 4]

Logs in through Odoo's JSON-RPC, hands the session cookie to Chromium over the DevTools
protocol, opens the page and saves it as PNG. Needs Debian's chromium
(``/usr/bin/chromium``) and websocket-client (in requirements-dev.txt).
"""

import argparse
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.parse

import requests
import websocket

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine's network is closed: without these Chromium keeps trying Google's hosts.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def odoo_session(base: str, db: str, login: str, password: str) -> str:
    response = requests.post(
        f"{base}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}},
        timeout=30,
    )
    response.raise_for_status()
    if response.json().get("error"):
        raise SystemExit(f"login failed: {response.json()['error']['data']['message']}")
    return response.cookies["session_id"]


class DevTools:
    def __init__(self, ws_url: str):
        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.ids = itertools.count(1)

    def call(self, method: str, **params):
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})


def page_target(port: int) -> str:
    for _attempt in range(100):
        try:
            targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit("Chromium did not open its DevTools port")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="e.g. /odoo/action-integration_base.action_dashboard")
    parser.add_argument("out")
    parser.add_argument("--base", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="commerce_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--wait", type=float, default=4.0, help="seconds for the page to settle")
    parser.add_argument("--port", type=int, default=9333, help="DevTools port")
    args = parser.parse_args()

    session = odoo_session(args.base, args.db, args.login, args.password)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={args.port}",
                f"--window-size={args.width},{args.height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            tools = DevTools(page_target(args.port))
            host = urllib.parse.urlsplit(args.base).hostname
            tools.call("Network.enable")
            tools.call("Network.setCookie", name="session_id", value=session, domain=host, path="/")
            tools.call(
                "Emulation.setDeviceMetricsOverride",
                width=args.width,
                height=args.height,
                deviceScaleFactor=1,
                mobile=False,
            )
            tools.call("Page.enable")
            tools.call("Page.navigate", url=args.base + args.path)
            time.sleep(args.wait)
            shot = tools.call("Page.captureScreenshot", format="png")
            with open(args.out, "wb") as handle:
                handle.write(base64.b64decode(shot["data"]))
            print(f"{args.out}: {args.base}{args.path}")
        finally:
            browser.terminate()
            browser.wait(timeout=10)


if __name__ == "__main__":
    main()
