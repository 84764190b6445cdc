#!/usr/bin/env python3
"""Writes the hand-made seed inputs of every fuzz target into Fuzz/corpus/TARGET/seed-*.

Run once when a target is added; the fuzzer grows each corpus from these (script/fuzz merges
what it finds back in). Input formats are described in Sources/HookrelayFuzzEntries.
"""
import json, os, sys, urllib.parse

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
TS = "1700000000"

def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

def req(headers, body):
    h = "".join(f"{k}: {v}\n" for k, v in headers)
    return (h + "\n").encode() + (body.encode() if isinstance(body, str) else body)

mailgun_json = {
    "signature": {"timestamp": TS, "token": "tok123", "signature": "{sig}"},
    "event-data": {
        "id": "Ase-abc", "event": "failed", "severity": "permanent", "timestamp": 1700000000.5,
        "recipient": "alice@example.com", "recipients": ["a@x", "b@y"], "tags": ["t1", "t2"],
        "user-variables": {"customer": "42"}, "ip": "203.0.113.7",
        "geolocation": {"country": "US", "region": "CA", "city": "SF"},
        "envelope": {"sender": "bob@mg.example.com", "targets": "alice@example.com"},
        "message": {"headers": {"message-id": "<1.2@mg.example.com>", "to": "Alice <a@x>", "subject": "Hi \u00e9 \"q\""}},
        "delivery-status": {"code": 550, "message": "bounce", "description": ""},
    },
}
legacy_fields = [
    ("event", "bounced"), ("recipient", "bob@example.com"), ("domain", "mg.example.com"),
    ("message-headers", json.dumps([["Message-Id", "<a.b@mg.example.com>"], ["Subject", "Hello"], ["X-Mailgun-Tag", "news"], ["To", "Bob <bob@example.com>"]])),
    ("X-Mailgun-Tag", "newsletters"), ("tag", "t2"), ("country", "US"), ("city", "SF"), ("client-type", "browser"),
    ("code", "550"), ("error", "No such user"), ("ip", "10.0.0.1"), ("custom", "v"),
    ("timestamp", TS), ("token", "tok123"), ("signature", "{sig}"),
]

def multipart(fields, boundary="XyZzy", files=()):
    out = b""
    for k, v in fields:
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
    for k, fn, ct, data in files:
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{fn}\"\r\nContent-Type: {ct}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()

# json
j = json.dumps(mailgun_json)
write("json", "mailgun", j)
write("json", "none", json.dumps({"data": {"id": "evt_1"}, "type": "user.created", "n": [1, -2.5e10, 0.0, True, False, None]}))
write("json", "escapes", r'{"data":{"id":"a\u0000b\n\ud83d\ude00\"\\\/\b\f\r\t"},"type":"\ud800x"}')
write("json", "dupkeys", '{"id":"a","id":"b","data":{"id":"x","id":"y"},"type":"t","type":1}')
write("json", "deep", "[" * 600 + "]" * 600)
write("json", "deep-object", '{"a":' * 100 + "1" + "}" * 100)
write("json", "numbers", '{"type":"n","data":{"id":123},"x":[0,-0,1e999,-1E-7,12345678901234567890123,1.5e+3]}')
write("json", "invalid", '{"a":[1,2,}')
write("json", "utf8", '{"type":"\xe2\x82\xac","data":{"id":"\xf0\x9f\x98\x80"}}'.encode("latin-1"))
write("json", "ws", ' \t\r\n{ "type" : "x" , "data" : { "id" : "y" } } \n')

# form
write("form", "legacy", urllib.parse.urlencode(legacy_fields))
write("form", "simple", "data.id=abc&type=created&x=1+2%20%41")
write("form", "bad-escapes", "a=%&b=%4&c=%zz&=empty&novalue&&d=%E2%82%AC&e=%ff%fe")
write("form", "repeated", "type=a&type=b&data.id=1&data.id=2")
write("form", "plus", "message-headers=%5B%5B%22Message-Id%22%2C+%22%3Cx%40y%3E%22%5D%5D&event=delivered&token=t")

# multipart
write("multipart", "legacy", req([("Content-Type", "multipart/form-data; boundary=XyZzy")], multipart(legacy_fields, files=[("attachment-1", "a.txt", "text/plain", b"hello\r\n--not")])))
write("multipart", "quoted-boundary", req([("Content-Type", 'multipart/form-data; boundary="a b;c"')], multipart([("data.id", "1"), ("type", "t")], boundary="a b;c")))
write("multipart", "lf-only", req([("Content-Type", "multipart/form-data; boundary=B")], "--B\nContent-Disposition: form-data; name=\"type\"\n\nx\n--B--\n"))
write("multipart", "unterminated", req([("Content-Type", "multipart/form-data; boundary=B")], "--B\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nx"))
write("multipart", "preamble", req([("Content-Type", "Multipart/Form-Data; charset=utf-8; boundary=B")], "preamble\r\n--B\r\nContent-Disposition: form-data; name*=UTF-8''x; name=\"type\"\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--\r\nepilogue"))

# mailgun
mh = [("Fuzz-Timestamp", TS), ("Fuzz-Token", "tok123")]
write("mailgun", "json", req(mh + [("Content-Type", "application/json")], j))
write("mailgun", "form", req(mh + [("Content-Type", "application/x-www-form-urlencoded")], urllib.parse.urlencode(legacy_fields).replace("%7Bsig%7D", "{sig}")))
write("mailgun", "multipart", req(mh + [("Content-Type", "multipart/form-data; boundary=XyZzy")], multipart(legacy_fields)))
write("mailgun", "stale", req([("Fuzz-Timestamp", "1600000000"), ("Fuzz-Token", "tok123"), ("Content-Type", "application/json")], j.replace(TS, "1600000000")))
write("mailgun", "unsigned", req([("Content-Type", "application/json")], json.dumps({"event-data": mailgun_json["event-data"]})))

ev = json.dumps({"type": "invoice.paid", "id": "evt_1", "data": {"id": "obj"}})
# standard-webhooks
sw = [("Content-Type", "application/json"), ("webhook-id", "msg_1"), ("webhook-timestamp", TS)]
write("standard-webhooks", "valid", req(sw + [("webhook-signature", "{sig}")], ev))
write("standard-webhooks", "several", req(sw + [("webhook-signature", "v1,AAAA v2,xx v1a,{sig} {sig}")], ev))
write("standard-webhooks", "bad-b64", req(sw + [("webhook-signature", "v1,!!!= v1,")], ev))
write("standard-webhooks", "form", req([("Content-Type", "application/x-www-form-urlencoded"), ("webhook-id", "m"), ("webhook-timestamp", "+1700000000"), ("webhook-signature", "{sig}")], "type=x"))
write("standard-webhooks", "missing", req([("Content-Type", "application/json"), ("webhook-id", "")], ev))
# github
gh = [("Content-Type", "application/json"), ("X-GitHub-Event", "push"), ("X-GitHub-Delivery", "72d3162e-cc78")]
write("github", "valid", req(gh + [("X-Hub-Signature-256", "{sig}")], '{"ref":"refs/heads/main","zen":"x"}'))
write("github", "upper", req(gh + [("X-Hub-Signature-256", "SHA256=ABCDEF")], "{}"))
write("github", "form", req([("Content-Type", "application/x-www-form-urlencoded"), ("X-GitHub-Event", "ping"), ("X-Hub-Signature-256", "{sig}"), ("X-GitHub-Delivery", "d")], "payload=%7B%7D"))
write("github", "nodelivery", req([("Content-Type", "application/json"), ("X-Hub-Signature-256", "{sig}")], "{}"))
write("github", "sha1", req(gh + [("X-Hub-Signature", "sha1=00"), ("X-Hub-Signature-256", "sha256=zz")], "{}"))
# stripe
st = [("Content-Type", "application/json"), ("Fuzz-Timestamp", TS)]
write("stripe", "valid", req(st + [("Stripe-Signature", "{sig}")], ev))
write("stripe", "several", req(st + [("Stripe-Signature", "v0=aa,{sig},v1=,t=1,v1=zz")], ev))
write("stripe", "no-t", req(st + [("Stripe-Signature", "v1=abcdef")], ev))
write("stripe", "spaces", req(st + [("Stripe-Signature", " t = 1700000000 , v1 = 00 ")], ev))
write("stripe", "noid", req(st + [("Stripe-Signature", "{sig}")], '{"type":"x"}'))
# slack
sl = [("Content-Type", "application/x-www-form-urlencoded"), ("X-Slack-Request-Timestamp", TS)]
write("slack", "valid", req(sl + [("X-Slack-Signature", "{sig}")], "payload=%7B%22type%22%3A%22block_actions%22%7D&token=x"))
write("slack", "json", req([("Content-Type", "application/json"), ("X-Slack-Request-Timestamp", TS), ("X-Slack-Signature", "{sig}")], '{"type":"url_verification","challenge":"c"}'))
write("slack", "v1", req(sl + [("X-Slack-Signature", "v1=00")], "a=b"))
write("slack", "stale", req([("Content-Type", "application/x-www-form-urlencoded"), ("X-Slack-Request-Timestamp", "99"), ("X-Slack-Signature", "{sig}")], "a=b"))
write("slack", "bad-ts", req([("Content-Type", "application/x-www-form-urlencoded"), ("X-Slack-Request-Timestamp", "1700000000.5"), ("X-Slack-Signature", "v0=zz")], "a=b"))
# hmac-header
hm = [("Content-Type", "application/json")]
write("hmac-header", "valid", req(hm + [("X-Signature", "{sig}")], ev))
write("hmac-header", "prefixed", req(hm + [("X-Signature", " sha256={sig} ")], ev))
write("hmac-header", "bad", req(hm + [("X-Signature", "sha256=ZZ==")], ev))
write("hmac-header", "form", req([("Content-Type", "application/x-www-form-urlencoded"), ("X-Signature", "{sig}")], "a=1"))
write("hmac-header", "multipart", req([("Content-Type", "multipart/form-data; boundary=B"), ("X-Signature", "{sig}")], "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--\r\n"))

# legacy
write("legacy", "form", req([("Content-Type", "application/x-www-form-urlencoded")], urllib.parse.urlencode(legacy_fields)))
write("legacy", "multipart", req([("Content-Type", "multipart/form-data; boundary=XyZzy")], multipart(legacy_fields, files=[("attachment-1", "a.txt", "text/plain", b"x")])))
write("legacy", "opened", req([("Content-Type", "application/x-www-form-urlencoded")], urllib.parse.urlencode([("event", "opened"), ("recipient", "a@b"), ("message-id", "<m@d>"), ("user-agent", "UA"), ("device-type", "desktop"), ("region", "CA"), ("tag", "a"), ("tag", "b")])))
write("legacy", "bad-headers", req([("Content-Type", "application/x-www-form-urlencoded")], "event=dropped&message-headers=%5B%5B1%2C2%5D%2C%5B%22a%22%5D%2C%22x%22%5D&reason=old"))
write("legacy", "json-values", req([("Content-Type", "application/x-www-form-urlencoded")], "event=clicked&url=http%3A%2F%2Fx&timestamp=1e5&code=-0&attachments=%5B%5D"))

# template
sample = json.dumps(mailgun_json)
write("template", "fields", "{{event-data.id}} {{{event-data.message.headers.subject}}} {{event-data.delivery-status.code}}\0" + sample)
write("template", "sections", "{{#event-data.tags}}[{{.}}]{{/event-data.tags}}{{^missing}}none{{/missing}}{{#event-data}}{{event}}{{/event-data}}\0" + sample)
write("template", "delims", "{{=<% %>=}}<% event-data.id %><%={{ }}=%>{{! comment }}{{&event-data.recipient}}")
write("template", "partial", "{{>p}}{{$b}}x{{/b}}{{<q}}{{/q}}{{%CONTENT_TYPE:text}}\0{}")
write("template", "unclosed", "{{#a}}{{b}")
write("template", "array", "{{#.}}{{.}}{{/.}}\0[1,[2,[3]],{\"a\":null}]")

# config
with open(os.path.join(os.path.dirname(ROOT), "..", "relay.conf.example")) as f:
    example = f.read()
write("config", "example", example)
write("config", "minimal", '[server]\nlisten = "127.0.0.1:0"\ndata_dir = "d"\n[[source]]\nname = "s"\npath = "/s"\nverify = "none"\nallow_unsigned = true\nid_from = "json:id"\n[[destination]]\nname = "d"\nurl = "http://127.0.0.1:9/"\n[[route]]\nsource = "s"\nevents = ["*"]\nto = ["d"]\n')
write("config", "full", '''max_urls_per_event = 2
[server]
listen = "[::1]:8080"
admin_listen = "127.0.0.1:9090"
admin_token = "env:FUZZ_KEY"
data_dir = "./data"
max_body = "1MiB"
idle_timeout = "30s"
queue_limit = 10
[defaults]
timeout = "5s"
retry = ["1s", "10m", "1h"]
max_in_flight = 4
rate = "10/s"
headers = { "X-A" = "b" }
[[source]]
name = "mg"
path = "/mg"
verify = "mailgun"
keys = ["env:FUZZ_KEY", "other-key"]
max_age = "5m"
[[source]]
name = "sw"
path = "/sw"
verify = "standard-webhooks"
keys = ["whsec_ZnV6ei1rZXk="]
type_from = "json:type"
[[source]]
name = "h"
path = "/h"
verify = "hmac-header"
keys = ["k"]
header = "X-Sig"
encoding = "base64"
id_from = "header:X-Id"
[[destination]]
name = "t"
url = "env:FUZZ_URL"
rewrite = "template"
template = "{{event-data.id}}"
redact = true
sign = "mailgun"
sign_key = "k"
success = [200, 202]
[[destination]]
name = "j"
url = "https://example.com/x"
rewrite = "json"
sign = "standard-webhooks"
sign_key = "whsec_ZnV6ei1rZXk="
[[route]]
source = "mg"
events = ["delivered", "failed", "permanent_fail"]
domains = ["mg.example.com"]
to = ["t", "j"]
[[route]]
source = "sw"
events = ["*"]
to = ["j"]
''')
write("config", "syntax-error", '[server\nlisten = 1\n')
write("config", "types", '[server]\nlisten = 8080\nmax_body = -1\nunknown_key = true\n[[source]]\nname = ""\n')
write("config", "unicode", '[server]\n"listen" = "\\u0000"\ndata_dir = """multi\nline"""\n[[destination]]\nname = \'lit\'\nurl = "http://\\u00e9/"\ntemplate = "{{#a}}"\nrewrite = "template"\n')
