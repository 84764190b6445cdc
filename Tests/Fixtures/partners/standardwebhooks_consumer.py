#!/usr/bin/env python3
"""A Standard Webhooks consumer for hookrelay's partner tests: verifies every POST with the
reference `standardwebhooks` package, answers 200 when it verifies and 401 when not, and appends
one JSON line per request to a file.

Environment:
  WEBHOOK_SECRET  the secret (a "whsec_..." string) given to standardwebhooks.Webhook
  EVENTS_FILE     where to append the results

Listens on 127.0.0.1 on a free port and prints "PORT <n>" once ready; exits when its stdin
closes, so it never outlives the test process that started it.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook

WEBHOOK = Webhook(os.environ["WEBHOOK_SECRET"])
EVENTS_FILE = os.environ["EVENTS_FILE"]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name: value for name, value in self.headers.items()}
        try:
            payload = WEBHOOK.verify(body, headers)
            verified, error = True, None
        except Exception as problem:  # the library's WebhookVerificationError, or a bad header
            payload, verified, error = None, False, f"{type(problem).__name__}: {problem}"
        event_data = payload.get("event-data", {}) if isinstance(payload, dict) else {}
        record = {
            "verified": verified,
            "error": error,
            "webhook_id": self.headers.get("webhook-id"),
            "webhook_timestamp": self.headers.get("webhook-timestamp"),
            "event": event_data.get("event"),
            "recipient": event_data.get("recipient"),
        }
        with open(EVENTS_FILE, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        answer = b'{"ok":true}' if verified else b'{"ok":false}'
        self.send_response(200 if verified else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


def exit_with_parent():
    """Ends the process when stdin reaches EOF (the test closed it, or the test process died)."""
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=exit_with_parent, daemon=True).start()
    server = HTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()
