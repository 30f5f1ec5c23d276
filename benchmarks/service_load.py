"""Load test of the HTTP service on loopback: N concurrent POST /v1/diagnose from this process.

    python benchmarks/service_load.py [--requests 1000] [--concurrency 1000] [--workers 1]
    python benchmarks/service_load.py --url http://127.0.0.1:8080 --key KEY --requests 200

Without ``--url`` it starts ``payfix serve`` (a separate process) on a free localhost port with a
throw-away key, waits for ``/readyz``, fires the requests (all of them
in flight at once when ``--concurrency`` equals ``--requests``; a thin asyncio-streams HTTP/1.1
client by default, ``--client httpx`` for httpx's async client), checks every answer (200, JSON,
the report's attempt id) and stops the server. Reports are the bundled examples, in turn.

Prints the request count, errors, p50/p90/p99/max latency (ms, from the client's side: queueing
included), requests/s over the whole run, and CPU time per request of the server and of this
client (steadier than wall time on a shared machine); ``--json`` prints one JSON object.
Stops by itself: every request has a timeout and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
REPORTS = sorted((ROOT / "examples" / "reports").glob("*.json"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for p in [str(pid), *children]:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
    return total


@contextmanager
def server(workers: int, engine: str, log: Path | None,
           log_level: str = "info") -> Iterator[tuple[str, str, int]]:
    """``payfix serve`` on a free loopback port; yields (base URL, key, pid); stopped on exit."""
    key = secrets.token_urlsafe(24)
    port = free_port()
    sink = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "payfix", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--engine", engine, "--log-level", log_level],
        env={**os.environ, "PAYFIX_API_KEYS": key}, stdout=subprocess.DEVNULL, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"payfix serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("payfix serve not ready within 60 s")
            time.sleep(0.1)
        yield base, key, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log and not isinstance(sink, int):
            sink.close()


async def raw_post(base: str, path: str, body: bytes, key: str, timeout: float) -> tuple[int, bytes]:
    """One HTTP/1.1 POST on its own connection with asyncio streams: (status, body). A client
    this thin leaves the CPU to the server, which is what is measured."""
    host, _, port = base.removeprefix("http://").partition(":")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout)
    try:
        writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), payload


async def fire(base: str, key: str, count: int, concurrency: int, audience: str,
               timeout: float, client_kind: str = "raw") -> dict[str, Any]:
    """Send ``count`` requests, at most ``concurrency`` in flight; latencies and errors."""
    bodies = [(path.read_bytes(), json.loads(path.read_bytes())["attempt"]["id"]) for path in REPORTS]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    path = f"/v1/diagnose?audience={audience}"

    async def send(client: httpx.AsyncClient, body: bytes) -> tuple[int, bytes]:
        if client_kind == "raw":
            return await raw_post(base, path, body, key, timeout)
        response = await client.post(f"{base}{path}", content=body, headers={
            "X-API-Key": key, "Content-Type": "application/json"})
        return response.status_code, response.content

    async def one(client: httpx.AsyncClient, i: int) -> None:
        body, attempt_id = bodies[i % len(bodies)]
        async with gate:
            started = time.perf_counter()
            try:
                status, payload = await send(client, body)
                ok = status == 200 and json.loads(payload)["attempt_id"] == attempt_id
                problem = None if ok else f"HTTP {status}"
            except (httpx.HTTPError, OSError, TimeoutError, ValueError, KeyError,
                    IndexError) as error:
                problem = type(error).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            if problem:
                errors[problem] = errors.get(problem, 0) + 1

    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client, i) for i in range(count)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

    return {"requests": count, "concurrency": concurrency, "errors": sum(errors.values()),
            "error_kinds": errors, "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": round(latencies[-1], 1), "seconds": round(elapsed, 3),
            "requests_per_s": round(count / elapsed, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=None, help="default: --requests")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--engine", default="compiled", choices=("compiled", "durable", "auto"))
    parser.add_argument("--audience", default="agent", choices=("agent", "customer"))
    parser.add_argument("--url", default=None, help="an already running service (then --key)")
    parser.add_argument("--key", default=os.environ.get("PAYFIX_API_KEY"))
    parser.add_argument("--warm-up", type=int, default=50, help="requests sent before measuring")
    parser.add_argument("--timeout", type=float, default=120.0, help="per request, seconds")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw: HTTP/1.1 on asyncio streams, one connection a request "
                             "(thin, default); httpx: httpx.AsyncClient with a connection pool")
    parser.add_argument("--server-log", type=Path, default=None, help="keep the server's stderr")
    parser.add_argument("--log-level", default="info", choices=("info", "warning"),
                        help="server log level (info: one access line per request, as deployed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    concurrency = args.concurrency or args.requests

    def run(base: str, key: str, pid: int | None = None) -> dict[str, Any]:
        if args.warm_up:
            asyncio.run(fire(base, key, args.warm_up, min(args.warm_up, 10), args.audience,
                             args.timeout, args.client))
        server_cpu = cpu_seconds(pid) if pid else 0.0
        client_cpu = time.process_time()
        result = asyncio.run(fire(base, key, args.requests, concurrency, args.audience,
                                  args.timeout, args.client))
        result["client_cpu_ms_per_request"] = round(
            (time.process_time() - client_cpu) * 1000 / args.requests, 2)
        if pid:
            result["server_cpu_ms_per_request"] = round(
                (cpu_seconds(pid) - server_cpu) * 1000 / args.requests, 2)
        result["load_average"] = round(os.getloadavg()[0], 2)
        return result

    if args.url:
        if not args.key:
            parser.error("--url needs --key (or PAYFIX_API_KEY)")
        result = run(args.url.rstrip("/"), args.key)
    else:
        with server(args.workers, args.engine, args.server_log, args.log_level) as (base, key, pid):
            result = run(base, key, pid)
    result.update(workers=args.workers if not args.url else None, engine=args.engine,
                  client=args.client,
                  python=platform.python_version(), cpus=os.cpu_count())
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['requests']} requests, {result['concurrency']} concurrent, "
              f"{result['errors']} errors {result['error_kinds'] or ''}")
        print(f"latency ms: p50 {result['p50_ms']}  p90 {result['p90_ms']}  "
              f"p99 {result['p99_ms']}  max {result['max_ms']}")
        print(f"throughput: {result['requests_per_s']} requests/s ({result['seconds']} s)")
        print(f"CPU ms per request: server {result.get('server_cpu_ms_per_request', '?')}, "
              f"client {result['client_cpu_ms_per_request']} (load average "
              f"{result['load_average']} on {result['cpus']} CPUs)")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
