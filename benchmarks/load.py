"""Load test (issue #10): gunicorn on PostgreSQL with the demo data, 64 connections for 60 s
against the API (project list, rankings; a token) and two pages (the overview, a project's
page; a signed-in session), then the floor — the same connections against /healthz (one
Django view, one `SELECT 1`) — in the same run. Every answer must be a 200: the run exits with
status 1 if any request failed.

    createdb -h 127.0.0.1 -U postgres h_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_load .venv/bin/python benchmarks/load.py

What it does, all against 127.0.0.1 only, and it stops by itself:
1. `migrate`, `seed_demo` (idempotent: a second run adds nothing), `ANALYZE`, `collectstatic`
   into a temporary folder; a token for the demo user `city` (`drf_create_token`).
2. Starts gunicorn as the Docker image does (`portfolio.wsgi`, `--workers 3`, sync workers),
   with DEBUG=0 (the production settings; plain HTTP allowed for the test: SECURE_SSL_REDIRECT=0,
   *_COOKIE_SECURE=0), no broker (nothing here sends a task), and waits for /healthz.
3. Signs in as `city` through the login form (a session cookie), finds a project code.
4. `--connections` threads (default 64), each with its own keep-alive HTTP connection
   (reopened when gunicorn's sync workers close it), cycle through the four addresses for
   `--duration` seconds (default 60) after a short warm-up that is not counted; then the same
   against /healthz for `--floor-duration` seconds (default 20).
5. Prints, per address and overall: requests, errors, requests/s, latency p50/p95/p99/max (as
   the client sees it, so including the wait in gunicorn's listen queue), with the machine, the
   date, the load average before and after, and the versions; `--json FILE` keeps them.

The client is this script (the standard library and threads; no load generator to install): it
shares the machine's cores with gunicorn and PostgreSQL, which the figures include. Not
collected by pytest (not under tests/, not named test_*).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
RECORDING = threading.Lock()  # guards the targets' figures, shared by the client threads


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def machine() -> dict[str, object]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def request(
    conn: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str], body=None
) -> tuple[int, dict[str, str], bytes]:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def wait_for(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before answering")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            status, _, _ = request(conn, "GET", "/healthz", {})
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("gunicorn did not answer /healthz in time")


def sign_in(port: int, username: str, password: str) -> str:
    """The session cookie of `username`, signed in through the login form."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    status, headers, page = request(conn, "GET", "/accounts/login/", {})
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
    csrf_field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not csrf_cookie or not csrf_field:
        sys.exit(f"the login page answered {status} without a CSRF token")
    body = urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf_field.group(1).decode(),
        }
    )
    status, headers, _ = request(
        conn,
        "POST",
        "/accounts/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie.group(1)}",
            "Referer": f"http://{HOST}:{port}/accounts/login/",
        },
        body,
    )
    session = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    if status != 302 or not session:
        sys.exit(f"signing in as {username} failed ({status})")
    conn.close()
    return f"sessionid={session.group(1)}"


def drive(
    port: int, targets: list[Target], offset: int, stop: threading.Event, record: threading.Event
) -> None:
    """One client connection: the targets in turn until `stop`; timed while `record`."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    index = offset
    while not stop.is_set():
        target = targets[index % len(targets)]
        index += 1
        started = time.perf_counter()
        try:
            status, _, _ = request(conn, "GET", target.path, target.headers)
            # 304: the answer to If-None-Match with the current ETag (benchmarks/api_load.py)
            error = None if status in (200, 304) else f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            conn.close()  # reconnects on the next request
        elapsed = time.perf_counter() - started
        if record.is_set() and not stop.is_set():
            with RECORDING:
                if error:
                    target.errors[error] = target.errors.get(error, 0) + 1
                else:
                    target.latencies.append(elapsed)
    conn.close()


def run_load(
    port: int, targets: list[Target], connections: int, duration: float, warmup: float
) -> float:
    stop, record = threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=drive, args=(port, targets, i, stop, record), daemon=True)
        for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    record.set()
    started = time.monotonic()
    time.sleep(duration)
    stop.set()
    elapsed = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=60)
    return elapsed


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(name: str, latencies: list[float], errors: dict[str, int], seconds: float) -> dict:
    return {
        "name": name,
        "requests": len(latencies) + sum(errors.values()),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "rps": round((len(latencies) + sum(errors.values())) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| address | requests | errors | requests/s | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['requests']:,} | {r['errors']} | {r['rps']} | "
            f"{r['p50_ms']} ms | {r['p95_ms']} ms | {r['p99_ms']} ms | {r['max_ms']} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--floor-duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the image: 3)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--user", default="city")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL=postgres://… (the load test runs on PostgreSQL)")
    static_root = tempfile.mkdtemp(prefix="load-static-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portfolio.settings",
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + "x" * 50,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "CELERY_BROKER_URL": "",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    }

    print("preparing: migrate, seed_demo, ANALYZE, collectstatic …", flush=True)
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    facts = json.loads(
        manage(
            env,
            "shell",
            "--verbosity",
            "0",
            "-c",
            "import json; from django.conf import settings; from django.db import connection;"
            " from projects.models import Project\n"
            "with connection.cursor() as c:\n"
            "    c.execute('ANALYZE'); c.execute('SHOW server_version'); v = c.fetchone()[0]\n"
            "    c.execute('SHOW max_connections'); m = c.fetchone()[0]\n"
            "print(json.dumps({'postgresql': v, 'max_connections': m,"
            " 'projects': Project.objects.count(), 'password': settings.DEMO_PASSWORD,"
            " 'conn_max_age': settings.DATABASES['default']['CONN_MAX_AGE']}))",
        )
        .strip()
        .splitlines()[-1]
    )
    token = re.search(r"Generated token (\w+)", manage(env, "drf_create_token", args.user))
    if not token:
        sys.exit("drf_create_token printed no token")

    command = [
        str(Path(PYTHON).with_name("gunicorn")),
        "portfolio.wsgi",
        "--bind",
        f"{HOST}:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_for(args.port, server)
        api = {"Authorization": f"Token {token.group(1)}", "Accept": "application/json"}
        conn = http.client.HTTPConnection(HOST, args.port, timeout=30)
        status, _, data = request(conn, "GET", "/api/v1/projects/?page_size=1", api)
        conn.close()
        if status != 200:
            sys.exit(f"/api/v1/projects/ answered {status}")
        code = json.loads(data)["results"][0]["code"]
        page = {"Cookie": sign_in(args.port, args.user, facts["password"])}
        targets = [
            Target("API `GET /api/v1/projects/` (50 a page, token)", "/api/v1/projects/", api),
            Target(
                "API `GET /api/v1/rankings/?scope=district` (token)",
                "/api/v1/rankings/?scope=district",
                api,
            ),
            Target("page `/` overview (session)", "/", page),
            Target(f"page `/projects/{code}/` (session)", f"/projects/{code}/", page),
        ]
        load_before = os.getloadavg()
        started_at = dt.datetime.now(dt.UTC)
        print(
            f"load: {args.connections} connections × {args.duration:.0f} s "
            f"(+{args.warmup:.0f} s warm-up) …",
            flush=True,
        )
        seconds = run_load(args.port, targets, args.connections, args.duration, args.warmup)
        load_after = os.getloadavg()
        floor = Target("floor `GET /healthz` (one view, `SELECT 1`)", "/healthz", {})
        print(f"floor: /healthz, {args.floor_duration:.0f} s …", flush=True)
        floor_seconds = run_load(
            args.port, [floor], args.connections, args.floor_duration, args.warmup
        )
        load_end = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    rows = [figures(t.name, t.latencies, t.errors, seconds) for t in targets]
    all_errors: dict[str, int] = {}
    for t in targets:
        for kind, n in t.errors.items():
            all_errors[kind] = all_errors.get(kind, 0) + n
    rows.append(
        figures(
            "**all four, mixed**",
            [x for t in targets for x in t.latencies],
            all_errors,
            seconds,
        )
    )
    rows.append(figures(floor.name, floor.latencies, floor.errors, floor_seconds))
    report = {
        "date": started_at.isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after_load": [round(x, 2) for x in load_after],
            "after_floor": [round(x, 2) for x in load_end],
        },
        "setup": {
            **{k: v for k, v in facts.items() if k != "password"},
            "gunicorn": " ".join(command[1:]),
            "connections": args.connections,
            "duration_s": round(seconds, 1),
            "floor_duration_s": round(floor_seconds, 1),
        },
        "rows": rows,
    }
    print()
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
    print()
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    failed = sum(r["errors"] for r in rows)
    if failed:
        print(f"\n{failed} requests failed: {all_errors} {floor.errors}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
