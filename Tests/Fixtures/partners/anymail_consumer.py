#!/usr/bin/env python3
"""A Mailgun tracking-webhook consumer built on django-anymail, for hookrelay's partner tests.

A real Django app whose only URLs are anymail's: anymail checks HTTP basic auth and the Mailgun
signature, parses the event and sends its `tracking` signal; the receiver here appends what
anymail made of the event to a JSON-lines file.

Environment:
  ANYMAIL_KEY   the Mailgun webhook signing key anymail verifies with
  BASIC_AUTH    "user:pass", anymail's WEBHOOK_SECRET
  EVENTS_FILE   where to append one JSON line per tracking signal
  FAIL_FIRST    "1": the receiver raises on the first signal, so anymail answers 500 (a retry test)

Listens on 127.0.0.1 on a free port and prints "PORT <n>" once ready; exits when its stdin
closes, so it never outlives the test process that started it.
"""
import json
import os
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="hookrelay-partner-test",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["anymail"],
    MIDDLEWARE=[],
    ANYMAIL={
        "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ["ANYMAIL_KEY"],
        "WEBHOOK_SECRET": os.environ["BASIC_AUTH"],
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import include, path  # noqa: E402
from anymail.signals import tracking  # noqa: E402

urlpatterns = [path("anymail/", include("anymail.urls"))]

EVENTS_FILE = os.environ["EVENTS_FILE"]
FAIL_FIRST = os.environ.get("FAIL_FIRST") == "1"
_lock = threading.Lock()
_calls = 0


def on_tracking(sender, event, esp_name, **kwargs):
    """Records anymail's normalised event; refuses the first one when FAIL_FIRST is set."""
    global _calls
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    with _lock:
        _calls += 1
        refuse = FAIL_FIRST and _calls == 1
        record = {
            "esp_name": esp_name,
            "event_type": event.event_type,
            "recipient": event.recipient,
            "event_id": event.event_id,
            "message_id": event.message_id,
            "timestamp": esp_event.get("signature", {}).get("timestamp"),
            "accepted": not refuse,
        }
        with open(EVENTS_FILE, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
    if refuse:
        raise RuntimeError("first delivery refused on purpose (FAIL_FIRST)")


tracking.connect(on_tracking, weak=False, dispatch_uid="hookrelay-partner-test")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def exit_with_parent():
    """Ends the process when stdin reaches EOF (the test closed it, or the test process died)."""
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=exit_with_parent, daemon=True).start()
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()
