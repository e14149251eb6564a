"""Webhook ingest benchmark: the adapter's door latency and the enquiry round trip.

Starts the whole stack (every service and the sandbox as processes) on a database and a
vhost of its own, then measures:
- ingest rate: signed Meta webhooks POSTed as fast as ``concurrency`` clients can, to the
  adapter (verify, durable store, outbox, publish) and, side by side in the same run with the
  same client and bodies, to a bare aiohttp handler that only answers 200
  (``benchmarks.bare_handler``, its own process). Goal: at least half the bare rate;
- paced latency: webhooks sent at a fixed rate (200/s) whatever the answers do (open loop,
  so a slow answer cannot hide the next request's wait). Goal: p99 under 50 ms;
- door: ``concurrency`` at a time; Meta asks for a median under 250 ms, < 1% over 1 s;
- round trip: enquiries from the sandbox phone until the reply reaches the sandbox's Graph
  API (the "reply within a second or two" of the spine).
Writes reports/webhook-ingest.md and .json. Goals are reported, never asserted.

    python -m benchmarks.webhook_ingest [--door 500] [--concurrency 20] [--round-trips 30]
        [--rate 200] [--paced-seconds 10] [--saturation 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from waops_devstack import Stack, StackConfig
from waops_sandbox import encode, sign, text_message_webhook
from waops_testing.infra import postgres_admin_url, rabbitmq_broker
from waops_testing.plugin import Infra, IsolatedFactory
from waops_testing.system import System, running_system

REPORTS = Path(__file__).resolve().parent.parent / "reports"
ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "over_1s_pct": round(100 * sum(s > 1 for s in ordered) / len(ordered), 2),
    }


def a_phone(i: int) -> str:
    return f"+97798{uuid.uuid4().int % 10**6:06d}{i % 100:02d}"


async def door(system: System, total: int, concurrency: int) -> dict[str, Any]:
    """Meta's view of the door: ``concurrency`` deliveries in flight at a time."""
    url = system.url("webhook-adapter") + "/webhooks/meta"
    gate = asyncio.Semaphore(concurrency)
    samples: list[float] = []
    statuses: dict[int, int] = {}
    async with aiohttp.ClientSession() as http:

        async def one(body: bytes, headers: dict[str, str]) -> None:
            async with gate:
                start = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                samples.append(time.perf_counter() - start)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one(b, h) for b, h in signed_bodies(system.stack.config, total)))
        elapsed = time.perf_counter() - started
    return {
        **percentiles(samples),
        "statuses": statuses,
        "throughput_per_s": round(total / elapsed, 1),
    }


def signed_bodies(config: StackConfig, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Webhooks prepared before the clock starts, so signing costs neither side anything."""
    prepared = []
    for i in range(count):
        body = encode(
            text_message_webhook(
                phone_number_id=config.phone_number_id,
                display_phone_number="+977 1 5550100",
                from_wa_id=a_phone(i),
                profile_name="Bench",
                text=f"hello {i}",
            )
        )
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, config.app_secret),
        }
        prepared.append((body, headers))
    return prepared


async def saturate(
    url: str, prepared: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> dict[str, Any]:
    """Closed loop: ``concurrency`` clients each send the next webhook as soon as theirs is
    answered. Requests per second is what the server sustains (with this client)."""
    queue = iter(prepared)
    samples: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client() -> None:
            for body, headers in queue:
                start = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                samples.append(time.perf_counter() - start)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        **percentiles(samples),
        "statuses": statuses,
        "requests_per_s": round(len(samples) / elapsed, 1),
    }


async def paced(
    url: str, prepared: list[tuple[bytes, dict[str, str]]], rate: float
) -> dict[str, Any]:
    """Open loop: request i leaves at start + i/rate; latency counts from that planned time,
    so queueing behind a slow answer is measured, not hidden (no coordinated omission)."""
    samples: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.2

        async def one(i: int, body: bytes, headers: dict[str, str]) -> None:
            planned = start + i / rate
            await asyncio.sleep(max(0.0, planned - loop.time()))
            async with http.post(url, data=body, headers=headers) as resp:
                await resp.read()
            samples.append(loop.time() - planned)
            statuses[resp.status] = statuses.get(resp.status, 0) + 1

        await asyncio.gather(*(one(i, b, h) for i, (b, h) in enumerate(prepared)))
    return {**percentiles(samples), "statuses": statuses, "rate_per_s": rate}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def bare_handler_rate(
    prepared: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> dict[str, Any]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bare_handler", "--port", str(port)
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)  # a startup poll, not a measurement
        return await saturate(f"http://127.0.0.1:{port}/webhooks/meta", prepared, concurrency)
    finally:
        process.terminate()
        await process.wait()


async def round_trips(system: System, count: int) -> dict[str, Any]:
    samples: list[float] = []
    lost = 0
    for i in range(count):
        phone = a_phone(i)
        start = time.perf_counter()
        await system.phone_says(phone, ENQUIRY)
        try:
            await system.replies(phone, 1, timeout=30, interval=0.01)
        except AssertionError:
            lost += 1
            continue
        samples.append(time.perf_counter() - start)
    return {**(percentiles(samples) if samples else {"count": 0}), "no_reply_within_30s": lost}


def write_report(results: dict[str, Any]) -> Path:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "webhook-ingest.json").write_text(json.dumps(results, indent=2))
    d, r = results["door"], results["round_trip"]
    bare, ingest, pace = results["bare_rate"], results["ingest_rate"], results["paced"]
    lines = [
        "# Webhook ingest benchmark",
        "",
        f"Run {results['at']} on {results['machine']}; local PostgreSQL and RabbitMQ. Ingest and"
        " paced rows: the adapter alone as a process (its relay publishing to the broker);"
        " door and round-trip rows: the whole system as processes.",
        "",
        "| Measure | Goal | Result |",
        "|---|---|---|",
        f"| Ingest rate, {results['concurrency']} clients (n={ingest['count']}) | ≥ ½ bare | {ingest['requests_per_s']}/s |",
        f"| Bare aiohttp 200 handler, same client and bodies (n={bare['count']}) | | {bare['requests_per_s']}/s |",
        f"| Ingest / bare | ≥ 0.5 | {results['ratio']} |",
        f"| Paced at {pace['rate_per_s']:.0f}/s (n={pace['count']}): p50 / p99 | p99 < 50 ms | {pace['p50_ms']} / {pace['p99_ms']} ms |",
        f"| Paced max / over 1 s | | {pace['max_ms']} ms / {pace['over_1s_pct']}% |",
        f"| Door median (n={d['count']}, {results['concurrency']} concurrent) | < 250 ms | {d['p50_ms']} ms |",
        f"| Door over 1 s | < 1% | {d['over_1s_pct']}% |",
        f"| Door p95 / p99 / max | | {d['p95_ms']} / {d['p99_ms']} / {d['max_ms']} ms |",
        f"| Door throughput | | {d['throughput_per_s']}/s |",
        f"| Enquiry → reply median (n={r['count']}) | 1–2 s | {r.get('p50_ms')} ms |",
        f"| Enquiry → reply p95 / max | | {r.get('p95_ms')} / {r.get('max_ms')} ms |",
        f"| Enquiries without a reply in 30 s | 0 | {r['no_reply_within_30s']} |",
        "",
        f"Statuses: door {d['statuses']}, ingest {ingest['statuses']}, paced {pace['statuses']},"
        f" bare {bare['statuses']}",
        "",
        "The load generator runs on the same 2-core machine as the services, PostgreSQL and"
        " RabbitMQ, so absolute rates are lower bounds; the ratio compares like with like.",
    ]
    path = REPORTS / "webhook-ingest.md"
    path.write_text("\n".join(lines) + "\n")
    return path


async def main(args: argparse.Namespace) -> None:
    with (
        postgres_admin_url() as admin,
        rabbitmq_broker() as broker,
        tempfile.TemporaryDirectory(prefix="waops-bench-", ignore_cleanup_errors=True) as logs,
    ):
        factory = IsolatedFactory(Infra(admin, broker))
        try:
            # Ingest: the adapter alone (verify, durable store, outbox, publish), so what is
            # measured is the door and not the rest of the system sharing its two cores.
            iso = await factory.make("waops_bench_ingest")
            stack = Stack(
                StackConfig(
                    admin_url=iso.admin_url,
                    database=iso.database,
                    amqp_url=iso.amqp_url,
                    log_dir=Path(logs) / iso.database,
                )
            )
            await stack.provision()
            try:
                await stack.start_one("webhook-adapter")
                adapter = stack.url("webhook-adapter") + "/webhooks/meta"
                config = stack.config
                bare = await bare_handler_rate(
                    signed_bodies(config, args.saturation), args.concurrency
                )
                ingest = await saturate(
                    adapter, signed_bodies(config, args.saturation), args.concurrency
                )
                pace = await paced(
                    adapter, signed_bodies(config, int(args.rate * args.paced_seconds)), args.rate
                )
            finally:
                await stack.stop()
            # The door and the round trip with the whole system behind the adapter.
            async with running_system(factory, Path(logs), prefix="waops_bench") as system:
                results = {
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "concurrency": args.concurrency,
                    "bare_rate": bare,
                    "ingest_rate": ingest,
                    "ratio": round(ingest["requests_per_s"] / bare["requests_per_s"], 3),
                    "paced": pace,
                    "door": await door(system, args.door, args.concurrency),
                    "round_trip": await round_trips(system, args.round_trips),
                }
        finally:
            await factory.cleanup()
    print(f"report: {write_report(results)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--door", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--round-trips", type=int, default=30)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--saturation", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
