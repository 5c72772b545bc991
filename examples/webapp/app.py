#!/usr/bin/env python3
"""Steward's example app: a small HTTP service to deploy, roll out and monitor.

GET /         -> "hello from <version>" (fails a share of requests with 500, logging an ERROR line, if FAIL_RATE is set)
GET /healthz  -> 200 "ok", or 500 when UNHEALTHY=1 (a build whose health check fails)
GET /metrics  -> Prometheus text: requests by status, a latency histogram, uptime

Configuration by environment: PORT_HTTP (given by Steward), VERSION (default: the VERSION file),
FAIL_RATE (0..1), UNHEALTHY (1 to fail health checks), LATENCY_MS (added to every request).
"""
import http.server
import os
import random
import socketserver
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def version():
    v = os.environ.get("VERSION")
    if v:
        return v
    try:
        with open(os.path.join(HERE, "VERSION")) as f:
            return f.read().strip()
    except OSError:
        return "dev"


VERSION = version()
FAIL_RATE = float(os.environ.get("FAIL_RATE", "0") or 0)
UNHEALTHY = os.environ.get("UNHEALTHY") == "1"
LATENCY = float(os.environ.get("LATENCY_MS", "0") or 0) / 1000.0
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]
STARTED = time.time()
lock = threading.Lock()
counts = {}
hist = [0] * (len(BUCKETS) + 1)
hist_sum = 0.0
hist_count = 0


def observe(status, seconds):
    global hist_sum, hist_count
    with lock:
        counts[status] = counts.get(status, 0) + 1
        for i, b in enumerate(BUCKETS):
            if seconds <= b:
                hist[i] += 1
        hist[-1] += 1
        hist_sum += seconds
        hist_count += 1


def metrics():
    lines = ["# HELP http_requests_total Requests served, by status.", "# TYPE http_requests_total counter"]
    with lock:
        for status in sorted(counts):
            lines.append('http_requests_total{status="%d"} %d' % (status, counts[status]))
        lines += ["# HELP http_request_duration_seconds Request latency.", "# TYPE http_request_duration_seconds histogram"]
        for i, b in enumerate(BUCKETS):
            lines.append('http_request_duration_seconds_bucket{le="%s"} %d' % (b, hist[i]))
        lines.append('http_request_duration_seconds_bucket{le="+Inf"} %d' % hist[-1])
        lines.append("http_request_duration_seconds_sum %f" % hist_sum)
        lines.append("http_request_duration_seconds_count %d" % hist_count)
    lines += ["# HELP app_uptime_seconds Seconds since start.", "# TYPE app_uptime_seconds gauge",
              "app_uptime_seconds %f" % (time.time() - STARTED)]
    return "\n".join(lines) + "\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, status, body, ctype="text/plain; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        start = time.time()
        if self.path == "/healthz":
            self.send(500 if UNHEALTHY else 200, "unhealthy\n" if UNHEALTHY else "ok\n")
            return
        if self.path == "/metrics":
            self.send(200, metrics(), "text/plain; version=0.0.4; charset=utf-8")
            return
        if LATENCY:
            time.sleep(LATENCY)
        status = 500 if FAIL_RATE and random.random() < FAIL_RATE else 200
        self.send(status, ("error from %s\n" if status == 500 else "hello from %s\n") % VERSION)
        if status == 500:
            print("ERROR request %s failed on purpose (FAIL_RATE=%s)" % (self.path, FAIL_RATE), file=sys.stderr, flush=True)
        observe(status, time.time() - start)

    def log_message(self, fmt, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a client that left before its answer (a health check that timed out) is no fault of the app's: no traceback
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


if __name__ == "__main__":
    port = int(os.environ.get("PORT_HTTP", "8080"))
    server = Server(("127.0.0.1", port), Handler)  # bound and listening before it says so: whoever waits for the line may connect at once
    print("webapp %s listening on 127.0.0.1:%d" % (VERSION, port), flush=True)
    server.serve_forever()
