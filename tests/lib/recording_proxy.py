#!/usr/bin/env python3
"""recording_proxy.py — a tiny HTTP/1.1 forwarder for tests: listens on 127.0.0.1:PORT,
writes the request line and every header of each request it gets to RECORD (one block
per request, ending with an empty line), and passes the request on to UPSTREAM
(host:port) unchanged, answering with what the upstream answers. It shows what a front
(nginx) hands to hcbus-report. With UPSTREAM "-" it answers 200 "recorded" itself.

    recording_proxy.py PORT RECORD UPSTREAM
Prints "listening" on stdout once bound."""
import http.client
import http.server
import sys
import threading

PORT, RECORD, UPSTREAM = int(sys.argv[1]), sys.argv[2], sys.argv[3]
UPSTREAM_TIMEOUT_S = 60
record_lock = threading.Lock()

# Hop-by-hop headers, never forwarded as such (RFC 9110 section 7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # nothing on stderr: the record file is the output

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def handle_any(self):
        with record_lock, open(RECORD, "a", encoding="utf-8", errors="replace") as f:
            f.write(self.requestline + "\n" + str(self.headers).rstrip("\n") + "\n\n")
        body = self.read_body()
        if UPSTREAM == "-":
            self.answer(200, [("Content-Type", "text/plain")], b"recorded\n")
            return
        host, port = UPSTREAM.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=UPSTREAM_TIMEOUT_S)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.answer(resp.status, [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP
                                      and k.lower() != "content-length"], data)
        except OSError as e:
            self.answer(502, [("Content-Type", "text/plain")], ("upstream: %s\n" % e).encode())
        finally:
            conn.close()

    def answer(self, status, headers, data):
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("listening", flush=True)
server.serve_forever()
