"""Bounded load test of `colossim serve` over loopback: N estimate requests (default
20,000) from C concurrent clients (default 16), each on its own keep-alive connection.
Prints requests/s, p50/p99 latency and the server's memory (resident after the first
tenth of the requests, at the end, and its peak) as JSON, and writes it to --out.
Exits 1 if any request failed or the server's memory kept growing (more than 16 MiB
between the first tenth and the end): figures are reported, never asserted (machines
are noisy); errors and leaks are."""

import argparse
import http.client
import json
import sys
import threading
import time

from serve_process import Served

BODY = json.dumps({"flags": {"model": "llama3-70b", "cluster": "dgx-h100", "gpus": 1024, "tp": 8, "pp": 4,
                             "global_batch": 512, "seq_len": "8k"}}).encode()


def client(port, count, latencies, errors, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine = []
    failed = 0
    for _ in range(count):
        start = time.perf_counter()
        try:
            conn.request("POST", "/api/estimate", BODY, {"Content-Type": "application/json"})
            r = conn.getresponse()
            body = r.read()
            if r.status != 200 or b'"step_time_s"' not in body:
                failed += 1
        except (http.client.HTTPException, OSError):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine.append(time.perf_counter() - start)
    conn.close()
    with lock:
        latencies.extend(mine)
        errors[0] += failed


def run(served, requests, clients):
    latencies, errors, lock = [], [0], threading.Lock()
    per = requests // clients
    threads = [threading.Thread(target=client, args=(served.port, per, latencies, errors, lock)) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, sorted(latencies), errors[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--threads", type=int, default=8, help="the server's request threads (serve --threads)")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    served = Served("--threads", str(a.threads))
    try:
        warm_s, _, warm_errors = run(served, a.requests // 10, a.clients)
        rss_warm = served.rss_kib()
        elapsed, lat, errors = run(served, a.requests - a.requests // 10, a.clients)
        rss_end, rss_peak = served.rss_kib(), served.rss_kib("VmHWM")
    finally:
        code = served.stop()
    done = a.requests // 10 // a.clients * a.clients + len(lat)
    report = {
        "requests": done, "clients": a.clients, "server_threads": a.threads, "errors": warm_errors + errors,
        "requests_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(1000 * lat[len(lat) // 2], 2), "p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 2),
        "rss_after_first_tenth_mib": round(rss_warm / 1024, 1), "rss_end_mib": round(rss_end / 1024, 1),
        "rss_peak_mib": round(rss_peak / 1024, 1), "server_exit": code,
    }
    print(json.dumps(report, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(report, f, indent=2)
    if report["errors"] or code != 0 or rss_end - rss_warm > 16 * 1024:
        print("load test failed: errors, an unclean stop, or memory growing under load", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
