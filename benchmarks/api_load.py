"""API under load at province scale (issue #15, item 3): gunicorn -w 2 on a generated dataset
(PostgreSQL), 64 keep-alive connections against one address at a time — the summary, the
rankings, the project list (token; the summary and rankings once with `If-None-Match` too) —
then the framework's floor, `benchmarks/floor_app` (a minimal Django + DRF JSON view, no
database) on the same gunicorn settings, in the same run. Prints requests/s, p50/p99, errors and
each address's share of the floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k python benchmarks/api_load.py \
        [--duration 10] [--connections 64] [--user bench_province]

The client is `benchmarks/load.py`'s (threads, the standard library): it shares the machine
with gunicorn and PostgreSQL. The dataset's latest period must be computed; the user (default
`bench_province`, made by `benchmarks/pages.py`) gets a token.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402  (the client of benchmarks/load.py)

ROOT = HERE.parent


def serve(env: dict, app: str, port: int, workers: int) -> subprocess.Popen:
    command = [
        str(Path(load.PYTHON).with_name("gunicorn")),
        app,
        "--bind",
        f"{load.HOST}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait(port: int, path: str, headers: dict) -> None:
    import time

    for _ in range(200):
        try:
            conn = http.client.HTTPConnection(load.HOST, port, timeout=5)
            status, _, _ = load.request(conn, "GET", path, headers)
            conn.close()
            if status in (200, 304):
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"{path} did not answer")


def measure(port: int, target: load.Target, args) -> dict:
    if args.client == "wrk":
        return measure_wrk(port, target, args)
    seconds = load.run_load(port, [target], args.connections, args.duration, args.warmup)
    return load.figures(target.name, target.latencies, target.errors, seconds)


def _ms(text: str) -> float:
    """wrk's latency ("812.35us", "1.20ms", "2.01s") in milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 1)


def measure_wrk(port: int, target: load.Target, args) -> dict:
    """The same load from wrk (Debian's `wrk`, C, two threads): a client that does not compete
    with gunicorn for the interpreter — the figures of issue #15 were taken with it."""
    headers = [f"-H{k}: {v}" for k, v in target.headers.items()]
    url = f"http://{load.HOST}:{port}{target.path}"
    base = ["wrk", "-t2", f"-c{args.connections}", "--timeout", "10s", *headers]
    subprocess.run([*base, f"-d{max(1, int(args.warmup))}s", url], capture_output=True, check=True)
    out = subprocess.run(
        [*base, "--latency", f"-d{int(args.duration)}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors: dict[str, int] = {}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        errors["status"] = int(bad.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        for kind, n in zip(("connect", "read", "write", "timeout"), sock.groups(), strict=True):
            if int(n):
                errors[kind] = int(n)
    if not re.search(r"Latency Distribution", out):
        print(out, file=sys.stderr)  # e.g. every request timed out
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    return {
        "name": target.name,
        "requests": requests,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "rps": round(rps, 1),
        "p50_ms": _ms(pct["50"]) if "50" in pct else float("nan"),
        "p95_ms": _ms(pct["90"]) if "90" in pct else float("nan"),  # wrk's 90 %, in that column
        "p99_ms": _ms(pct["99"]) if "99" in pct else float("nan"),
        "max_ms": _ms(latency.group(3)) if latency else float("nan"),
        "mean_ms": _ms(latency.group(1)) if latency else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--user", default="bench_province")
    parser.add_argument(
        "--client",
        choices=("python", "wrk"),
        default="wrk" if shutil.which("wrk") else "python",
        help="the load generator: wrk where installed (apt-get install wrk), else the threads "
        "of benchmarks/load.py (which share the interpreter's lock and cap the floor)",
    )
    args = parser.parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portfolio.settings",
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + "x" * 50,
        "ALLOWED_HOSTS": load.HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        # as deployed (docker-compose.yml: CACHE_URL and CELERY_BROKER_URL on Redis) when the
        # environment says so; else the embedded default (per-process cache, eager tasks)
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", ""),
        "CACHE_URL": os.environ.get("CACHE_URL", "locmemcache://portfolio"),
        "LOG_LEVEL": "WARNING",
    }
    token = re.search(r"Generated token (\w+)", load.manage(env, "drf_create_token", args.user))
    if not token:
        sys.exit("drf_create_token printed no token")
    api = {"Authorization": f"Token {token.group(1)}", "Accept": "application/json"}
    rows = []
    load_before = os.getloadavg()
    started_at = dt.datetime.now(dt.UTC)
    server = serve(env, "portfolio.wsgi", args.port, args.workers)
    try:
        wait(args.port, "/api/v1/summary/", api)
        etags = {}
        for path in ("/api/v1/summary/", "/api/v1/rankings/"):
            conn = http.client.HTTPConnection(load.HOST, args.port, timeout=60)
            _status, headers, _ = load.request(conn, "GET", path, api)
            conn.close()
            etags[path] = headers.get("etag", "")
        targets = [
            load.Target("`GET /api/v1/summary/`", "/api/v1/summary/", api),
            load.Target(
                "`GET /api/v1/summary/` with If-None-Match (304)",
                "/api/v1/summary/",
                {**api, "If-None-Match": etags["/api/v1/summary/"]},
            ),
            load.Target("`GET /api/v1/rankings/`", "/api/v1/rankings/", api),
            load.Target(
                "`GET /api/v1/projects/?page_size=50`", "/api/v1/projects/?page_size=50", api
            ),
        ]
        for target in targets:
            print(f"load: {target.name} …", flush=True)
            rows.append(measure(args.port, target, args))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    floor_env = {**env, "DJANGO_SETTINGS_MODULE": "benchmarks.floor_app.settings"}
    server = serve(floor_env, "benchmarks.floor_app.wsgi", args.port, args.workers)
    try:
        wait(args.port, "/floor/", {})
        print("floor: benchmarks/floor_app …", flush=True)
        floor = measure(args.port, load.Target("floor `benchmarks/floor_app`", "/floor/", {}), args)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    load_after = os.getloadavg()
    print(
        f"\n# API load, {started_at:%Y-%m-%d %H:%M} UTC, gunicorn -w {args.workers}, "
        f"{args.connections} connections × {args.duration:.0f} s each, client {args.client}"
    )
    print(f"machine {json.dumps(load.machine())}")
    print(f"cache {env['CACHE_URL']}, broker {env['CELERY_BROKER_URL'] or '(none: eager tasks)'}")
    print(f"load average before {load_before}, after {load_after}\n")
    print(load.table([*rows, floor]))
    print()
    for r in rows:
        share = r["rps"] / floor["rps"] * 100 if floor["rps"] else float("nan")
        print(f"{r['name']}: {share:.1f} % of the floor's requests/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
