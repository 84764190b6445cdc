"""An HTTPS sink for the TLS delivery tests: python3's http.server behind ssl.

Serves on 127.0.0.1 (a free port, printed as "PORT n") with the certificate and key named by
CERT_FILE and KEY_FILE, answers every POST 200, and prints "POST <path>" for each request it
answered (so a request that never got past the TLS handshake prints nothing). Exits when its
stdin closes, so it never outlives the test process.
"""
import http.server
import os
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print(f"POST {self.path}", flush=True)

    def log_message(self, format, *args):
        pass


def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["CERT_FILE"], os.environ["KEY_FILE"])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
