#!/usr/bin/python3
"""report_hostile.py — hostile clients of hcbus-report for test_webform_abuse.sh, over
TCP from a chosen source address. It sends and counts; the test asserts. It does not
start or inspect the service.

  report_hostile.py post URL --from ADDR --count N --concurrency C [--multipart]
        [--token-mode none|forged|fixed] [--token T] [--field k=v]... [--file k=PATH]
        [--receipt-guess]   # each request a random receipt in field recibo
    Sends N POSTs, C at a time; prints one "key value" line each:
      sent, answered (any HTTP response), no_answer (closed or timed out without one),
      status_NNN (per status), html (answers that are an HTML page), receipts (pages
      showing a receipt), retry_after (503s with a Retry-After header), cookies
      (responses with Set-Cookie), max_ms, median_ms.
  report_hostile.py slow URL --from ADDR --count N --interval S [--idle] --ready FILE --stop FILE
    Opens N connections that send a request line and then one header line every S
    seconds (--idle: nothing more; --body: whole headers with Content-Length
    --body-length (60000), then 4 body bytes every S seconds), never finishing; writes
    FILE (--ready) once all are
    open, stops when FILE (--stop) exists, every connection ended or --max-s passed (120),
    prints: opened,
    refused (connect failed), cut (closed by the server), answered (a response came),
    cut_min_s and cut_max_s (the shortest and the longest a cut connection lived, from
    its connect).
"""
import argparse
import base64
import http.client
import os
import re
import secrets
import socket
import statistics
import struct
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

RECEIPT_RE = re.compile(rb"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BUCKET_S = 600


def forged_token(i):
    """A token that is not the service's: right shape with a random MAC, future or
    ancient buckets, wrong length, not base64url, huge."""
    bucket = int(time.time()) // BUCKET_S
    kind = i % 6
    if kind == 0:
        raw = struct.pack(">Q", bucket) + secrets.token_bytes(16)
    elif kind == 1:
        raw = struct.pack(">Q", bucket + 7) + secrets.token_bytes(16)
    elif kind == 2:
        raw = struct.pack(">Q", 1) + secrets.token_bytes(16)
    elif kind == 3:
        raw = secrets.token_bytes(7)
    elif kind == 4:
        return "!!!not-a-token%%%" + "\u00e9" * 3
    else:
        return "A" * 3000
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def random_receipt():
    s = "".join(secrets.choice(CROCKFORD) for _ in range(16))
    return "-".join(s[i:i + 4] for i in range(0, 16, 4))


class Source(http.client.HTTPConnection):
    def __init__(self, host, port, src, timeout):
        super().__init__(host, port, timeout=timeout, source_address=(src, 0))


def encode(fields, files, multipart):
    if not multipart:
        body = urllib.parse.urlencode(fields).encode()
        return body, "application/x-www-form-urlencoded"
    boundary = "hcbus" + secrets.token_hex(12)
    parts = []
    for k, v in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
                     + v.encode() + b"\r\n")
    for k, path in files:
        ctype = "image/png" if path.endswith(".png") else "image/jpeg"
        with open(path, "rb") as f:
            data = f.read()
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; '
                     f'filename="{os.path.basename(path)}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def one_post(args, url, i):
    fields = [tuple(f.split("=", 1)) for f in args.field]
    files = [tuple(f.split("=", 1)) for f in args.file]
    if args.token_mode == "forged":
        fields.append(("token", forged_token(i)))
    elif args.token_mode == "fixed":
        fields.append(("token", args.token))
    if args.receipt_guess:
        fields.append(("recibo", random_receipt()))
    body, ctype = encode(fields, files, args.multipart)
    start = time.monotonic()
    result = {"ms": None, "status": None, "html": False, "receipt": False, "retry_after": False,
              "cookie": False}
    conn = Source(url.hostname, url.port, args.source, args.timeout)
    try:
        conn.request("POST", url.path, body=body, headers={"Content-Type": ctype})
        resp = conn.getresponse()
        data = resp.read()
        result["status"] = resp.status
        result["html"] = b"<html" in data[:2048].lower() and b"</html>" in data.lower()
        result["receipt"] = bool(RECEIPT_RE.search(data))
        result["retry_after"] = resp.getheader("Retry-After") is not None
        result["cookie"] = resp.getheader("Set-Cookie") is not None
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()
    result["ms"] = (time.monotonic() - start) * 1000
    return result


def cmd_post(args):
    url = urllib.parse.urlsplit(args.url)
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        results = list(pool.map(lambda i: one_post(args, url, i), range(args.count)))
    answered = [r for r in results if r["status"] is not None]
    out = {"sent": len(results), "answered": len(answered), "no_answer": len(results) - len(answered),
           "html": sum(r["html"] for r in answered), "receipts": sum(r["receipt"] for r in answered),
           "retry_after": sum(r["retry_after"] for r in answered if r["status"] == 503),
           "cookies": sum(r["cookie"] for r in answered)}
    for r in answered:
        key = f"status_{r['status']}"
        out[key] = out.get(key, 0) + 1
    times = [r["ms"] for r in results]
    out["max_ms"] = int(max(times)) if times else 0
    out["median_ms"] = int(statistics.median(times)) if times else 0
    for k, v in out.items():
        print(k, v)


def cmd_slow(args):
    url = urllib.parse.urlsplit(args.url)
    socks, refused = [], 0
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.bind((args.source, 0))
            s.connect((url.hostname, url.port))
            if args.body:
                s.sendall(b"POST /reporte/enviar HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          b"application/x-www-form-urlencoded\r\nContent-Length: "
                          + str(args.body_length).encode() + b"\r\n\r\n")
            else:
                s.sendall(b"POST /reporte/enviar HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
            socks.append([s, time.monotonic(), None])
        except OSError:
            refused += 1
            s.close()
    with open(args.ready, "w") as f:
        f.write(f"{len(socks)}\n")
    cut = answered = 0
    lives = []
    n = 0
    deadline = time.monotonic() + args.max_s
    while (not os.path.exists(args.stop) and any(e[2] is None for e in socks)
           and time.monotonic() < deadline):
        n += 1
        for entry in socks:
            s, born, state = entry
            if state is not None:
                continue
            try:
                data = s.recv(4096)
                if data:
                    answered += 1
                    entry[2] = "answered"
                else:
                    cut += 1
                    lives.append(time.monotonic() - born)
                    entry[2] = "cut"
                continue
            except BlockingIOError:
                pass
            except OSError:
                cut += 1
                lives.append(time.monotonic() - born)
                entry[2] = "cut"
                continue
            if args.idle:
                continue
            try:
                s.send(b"a=b&" if args.body else f"X-Slow-{n}: {'a' * 8}\r\n".encode())
            except BlockingIOError:
                pass
            except OSError:
                cut += 1
                lives.append(time.monotonic() - born)
                entry[2] = "cut"
        time.sleep(args.interval)
    for s, _, _ in socks:
        s.close()
    print("opened", len(socks))
    print("refused", refused)
    print("cut", cut)
    print("answered", answered)
    print("cut_min_s", round(min(lives), 1) if lives else 0)
    print("cut_max_s", round(max(lives), 1) if lives else 0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    post = sub.add_parser("post")
    post.add_argument("url")
    post.add_argument("--from", dest="source", default="127.0.0.1")
    post.add_argument("--count", type=int, default=1)
    post.add_argument("--concurrency", type=int, default=1)
    post.add_argument("--multipart", action="store_true")
    post.add_argument("--token-mode", choices=["none", "forged", "fixed"], default="none")
    post.add_argument("--token", default="")
    post.add_argument("--field", action="append", default=[])
    post.add_argument("--file", action="append", default=[])
    post.add_argument("--receipt-guess", action="store_true")
    post.add_argument("--timeout", type=float, default=30)
    slow = sub.add_parser("slow")
    slow.add_argument("url")
    slow.add_argument("--from", dest="source", default="127.0.0.1")
    slow.add_argument("--count", type=int, default=1)
    slow.add_argument("--interval", type=float, default=0.5)
    slow.add_argument("--idle", action="store_true", help="send nothing after the first line")
    slow.add_argument("--body", action="store_true",
                      help="send whole headers (Content-Length 60000), then trickle the body")
    slow.add_argument("--body-length", type=int, default=60000, help="the Content-Length declared with --body")
    slow.add_argument("--max-s", type=float, default=120, help="give up after this long")
    slow.add_argument("--ready", required=True)
    slow.add_argument("--stop", required=True)
    args = p.parse_args()
    {"post": cmd_post, "slow": cmd_slow}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
