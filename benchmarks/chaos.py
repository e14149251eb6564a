"""Chaos: the whole system under a constant flow of enquiries while faults are injected,
scenario by scenario, with a ledger of what every customer received.

Starts every service and the sandbox as processes (database and vhost of their own) with the
broker connections through a TCP proxy (``through_proxy``) and the database connections
through another (``db_through_proxy``), and the sandbox reporting ``sent``/``delivered``/
``read`` for every accepted send (status callbacks, ``in_order``), as real providers do. For
each scenario the load generator (``benchmarks.load_generator``, in its own process) sends
enquiries from distinct phones at ``--rate`` for ``--seconds``, re-delivering a webhook the
door did not take (as providers do), while the scenario's faults are injected:

- ``broker-cuts``: many short cuts of every broker connection (the proxy aborts them and
  refuses new ones for 0.1–1 s), every 0.4–1.2 s;
- ``kills``: each service in turn SIGKILLed mid-flow and started again, timed to /readyz 200;
- ``broker-outage``: every broker connection cut and refused for ``--outage`` seconds, several
  times — the machine's RabbitMQ itself is shared, so it is never restarted;
- ``db-outage``: the same between the services and PostgreSQL (a proxy of the harness's own;
  PostgreSQL itself keeps running);
- ``provider-storms``: the sandbox's send API answers 429/500/503 storms and slow (1–4 s, and
  now and then 12 s: past the notifier's 10 s send timeout, when the sandbox, finding the
  client gone, drops the send);
- ``duplicates``: every webhook delivered two or three times (the same signed bytes).

In the other scenarios too a share of the webhooks (``--background-duplicates``, 0.2) is
delivered two or three times, as providers do now and then, so faults also come combined.

Every fault is counted (a cut, a kill, an outage, each faulted send, each extra webhook
copy). After each scenario the harness drains (until every enquiry has its reply or
``--drain`` seconds), then settles; at the end it re-reads everything, so a late reply or a
late duplicate is still seen. The ledger says for every enquiry what reached the phone, how
late, and how many leads the core recorded for it (its schema, read-only). Writes
reports/chaos.md, reports/chaos.json and reports/chaos-ledger.jsonl. Results are reported,
never asserted.

    python -m benchmarks.chaos [--rate 4] [--seconds 90] [--scenarios broker-cuts,kills,...]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import platform
import random
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from waops_testing.infra import postgres_admin_url, rabbitmq_broker
from waops_testing.plugin import Infra, IsolatedFactory
from waops_testing.system import System, running_system
from waops_testing.tcp_proxy import TcpProxy

from benchmarks import enquiry_ladder as ladder

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
SCENARIOS = (
    "broker-cuts",
    "kills",
    "broker-outage",
    "db-outage",
    "provider-storms",
    "duplicates",
)
# Every service with a database and a broker connection; the sandbox plays the provider and
# the phones, and holds the record of what was sent, so it is not killed.
KILLABLE = (
    "webhook-adapter",
    "conversation-engine",
    "orchestrator",
    "core",
    "notifier",
    "timeline",
    "audit",
)
READY_GOAL = 15.0  # seconds from a restart to /readyz 200


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


@dataclass
class Faults:
    """What one scenario injected: counts by kind and one line per event."""

    prefix: str  # the scenario's phones: +<prefix>nnnnnn
    counts: Counter[str] = field(default_factory=Counter)
    events: list[dict[str, Any]] = field(default_factory=list)
    recoveries: list[float] = field(default_factory=list)

    def add(self, kind: str, n: int = 1, **detail: Any) -> dict[str, Any]:
        self.counts[kind] += n
        event = {"kind": kind, "n": n, **detail}
        self.events.append(event)
        return event


async def readiness(system: System, http: aiohttp.ClientSession) -> dict[str, bool]:
    async def one(name: str) -> bool:
        try:
            async with http.get(system.url(name) + "/readyz") as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    results = await asyncio.gather(*(one(n) for n in KILLABLE))
    return dict(zip(KILLABLE, results, strict=True))


async def time_to_ready(system: System, timeout: float = 90.0) -> float | None:
    """Seconds until every service answers /readyz 200 (polled every 0.2 s), None if never."""
    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http:
        while time.monotonic() - started < timeout:
            if all((await readiness(system, http)).values()):
                return round(time.monotonic() - started, 2)
            await asyncio.sleep(0.2)
    return None


async def replies_resumed(
    system: System, prefix: str, since: float, timeout: float = 90.0
) -> float | None:
    """Seconds from ``since`` (Unix time) until the first reply to one of the scenario's phones
    reaches the provider after it, None if none within ``timeout``: when flow came back."""
    while time.time() - since < timeout:
        after = [
            datetime.fromisoformat(m["received_at"]).timestamp()
            for m in await ladder.sent_messages(system)
            if str(m.get("to", "")).startswith(prefix)
        ]
        after = [t for t in after if t >= since]
        if after:
            return round(min(after) - since, 2)
        await asyncio.sleep(0.5)
    return None


async def outage(proxy: TcpProxy, seconds: float) -> int:
    """Abort every proxied connection and refuse new ones for ``seconds``; how many were cut."""
    cut = proxy.cut()
    await proxy.stop()
    await asyncio.sleep(seconds)
    await proxy.start()  # the same port again
    return cut


# --- the scenarios' injectors: each runs until ``until`` (monotonic), then leaves all healed.

Injector = Callable[[System, argparse.Namespace, Faults, float], Awaitable[None]]


async def broker_cuts(
    system: System, args: argparse.Namespace, faults: Faults, until: float
) -> None:
    assert system.proxy is not None
    rng = random.Random(args.seed)
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0.4, 1.2))
        down = rng.uniform(0.1, 1.0)
        cut = await outage(system.proxy, down)
        faults.add("broker_cut", connections=cut, down_s=round(down, 2))
    recovered, resumed = await asyncio.gather(
        time_to_ready(system), replies_resumed(system, faults.prefix, time.time())
    )
    faults.events.append(
        {"kind": "after_last_cut", "ready_after_s": recovered, "replies_resumed_after_s": resumed}
    )
    faults.recoveries.append(recovered if recovered is not None else float("inf"))


async def kills(system: System, args: argparse.Namespace, faults: Faults, until: float) -> None:
    spacing = (until - time.monotonic()) / len(KILLABLE)
    for i, name in enumerate(KILLABLE):
        await asyncio.sleep(
            max(0.0, until - spacing * (len(KILLABLE) - i - 0.5) - time.monotonic())
        )
        proc = system.stack.processes[name]
        killed_at = time.monotonic()
        await proc.kill()
        event = faults.add("sigkill", service=name)
        restarted_at = time.monotonic()
        try:
            await system.stack.start_one(name, timeout=90)
            ready = time.monotonic()
            event["restart_to_ready_s"] = round(ready - restarted_at, 2)
            event["kill_to_ready_s"] = round(ready - killed_at, 2)
            faults.recoveries.append(ready - restarted_at)
        except (RuntimeError, TimeoutError) as exc:
            event["error"] = str(exc).splitlines()[0]
            faults.recoveries.append(float("inf"))
            if not proc.running:  # give the rest of the run a system
                with contextlib.suppress(RuntimeError, TimeoutError):
                    await system.stack.start_one(name, timeout=90)


async def _outages(
    proxy: TcpProxy,
    system: System,
    length: float,
    seed: int | None,
    faults: Faults,
    until: float,
    kind: str,
) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(min(5.0, max(0.0, until - time.monotonic())))
    while time.monotonic() + length < until:
        down = rng.uniform(0.6, 1.0) * length
        cut = await outage(proxy, down)
        recovered, resumed = await asyncio.gather(
            time_to_ready(system), replies_resumed(system, faults.prefix, time.time())
        )
        event = faults.add(
            kind,
            connections=cut,
            down_s=round(down, 2),
            ready_after_s=recovered,
            replies_resumed_after_s=resumed,
        )
        faults.recoveries.append(recovered if recovered is not None else float("inf"))
        if recovered is None:
            event["error"] = "not every service ready 90 s after the outage"
        await asyncio.sleep(rng.uniform(1.0, 1.5) * length)


async def broker_outage(
    system: System, args: argparse.Namespace, faults: Faults, until: float
) -> None:
    assert system.proxy is not None
    await _outages(system.proxy, system, args.outage, args.seed, faults, until, "broker_outage")


async def db_outage(system: System, args: argparse.Namespace, faults: Faults, until: float) -> None:
    assert system.db_proxy is not None
    await _outages(system.db_proxy, system, args.db_outage, args.seed, faults, until, "db_outage")


def _storm_kind(fault: dict[str, Any]) -> str:
    if fault.get("status") is not None:
        return f"provider_{fault['status']}"
    return "provider_slow_past_timeout" if float(fault.get("delay") or 0) >= 10 else "provider_slow"


async def provider_storms(
    system: System, args: argparse.Namespace, faults: Faults, until: float
) -> None:
    rng = random.Random(args.seed)
    url = system.url("sandbox") + "/_sandbox/faults"
    queued: Counter[str] = Counter()
    while time.monotonic() < until:
        async with system.http.get(url) as resp:
            pending = sum(int(f["times"]) for f in await resp.json())
        if pending < 6:  # the next storm once the last is nearly spent
            fault: dict[str, Any] = rng.choice(
                [
                    {"status": 429, "times": rng.randint(8, 20)},
                    {"status": 500, "times": rng.randint(5, 12)},
                    {"status": 503, "times": rng.randint(5, 12)},
                    {"delay": rng.uniform(1.0, 4.0), "times": rng.randint(5, 12)},
                    {"delay": 12.0, "times": rng.randint(1, 2)},
                ]
            )
            async with system.http.post(url, json=fault) as resp:
                resp.raise_for_status()
            queued[_storm_kind(fault)] += int(fault["times"])
            faults.events.append({"kind": _storm_kind(fault), "queued": fault})
        await asyncio.sleep(rng.uniform(0.5, 1.5))
    async with system.http.get(url) as resp:
        left = await resp.json()
    async with system.http.delete(url) as resp:
        resp.raise_for_status()
    for f in left:
        queued[_storm_kind(f)] -= int(f["times"])
    for kind, n in queued.items():
        if n:
            faults.counts[kind] += n  # faulted sends: what was queued and consumed
    faults.recoveries.append(await time_to_ready(system) or float("inf"))


async def nothing(system: System, args: argparse.Namespace, faults: Faults, until: float) -> None:
    """Duplicates come from the load generator itself (counted from its records)."""
    await asyncio.sleep(max(0.0, until - time.monotonic()))


INJECTORS: dict[str, Injector] = {
    "broker-cuts": broker_cuts,
    "kills": kills,
    "broker-outage": broker_outage,
    "db-outage": db_outage,
    "provider-storms": provider_storms,
    "duplicates": nothing,
}


async def generate(
    system: System, args: argparse.Namespace, prefix: str, out: Path, *, duplicates: bool
) -> None:
    share = 1.0 if duplicates else args.background_duplicates
    extra = ["--retry-for", str(args.retry_for)]
    if share:
        extra += ["--duplicate-share", str(share), "--max-copies", "3"]
    await ladder.generate(system, args.rate, args.seconds, prefix, out, extra)


async def run_scenario(
    system: System, index: int, name: str, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    prefix = f"97798{index}{random.randint(0, 9)}"  # +977 98…: the scenario, then 6 digits
    out = work / f"{name}.jsonl"
    faults = Faults(prefix)
    print(
        f"[{datetime.now(UTC):%H:%M:%S}] {name}: {args.rate}/s for {args.seconds:.0f} s", flush=True
    )
    started = time.monotonic()
    load = asyncio.create_task(generate(system, args, prefix, out, duplicates=name == "duplicates"))
    await INJECTORS[name](system, args, faults, started + args.seconds)
    injected_for = time.monotonic() - started
    await load
    enquiries = [json.loads(line) for line in out.read_text().splitlines()]
    copies = sum(len(e.get("duplicate_statuses", [])) for e in enquiries)
    if copies:
        faults.add("duplicate_delivery", copies)
    phones = {_digits(e["phone"]) for e in enquiries}

    deadline = time.monotonic() + args.drain
    while True:  # drain: until every enquiry has its reply, or the deadline
        answered = {m["to"] for m in await ladder.sent_messages(system) if m.get("to") in phones}
        if answered >= phones or time.monotonic() > deadline:
            break
        await asyncio.sleep(2)
    drained_at = time.monotonic()
    await asyncio.sleep(args.settle)  # waiting for what must NOT come (a late duplicate)
    answered = {m["to"] for m in await ladder.sent_messages(system) if m.get("to") in phones}
    result = {
        "scenario": name,
        "prefix": prefix,
        "enquiries_file": str(out),
        "injected_for_s": round(injected_for, 1),
        "drain_s": round(drained_at - started - injected_for, 1),
        "lost_at_drain": len(phones - answered),
        "faults": dict(faults.counts),
        "faults_total": sum(faults.counts.values()),
        "fault_events": faults.events,
        "recovery_max_s": (round(max(faults.recoveries), 2) if faults.recoveries else None),
    }
    print(json.dumps({k: v for k, v in result.items() if k not in ("fault_events",)}), flush=True)
    return result


async def leads_by_phone(admin_url: str) -> dict[str, int]:
    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute("SET default_transaction_read_only = on")
        rows = await conn.fetch("SELECT customer_phone, count(*) AS n FROM core.leads GROUP BY 1")
    finally:
        await conn.close()
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[_digits(r["customer_phone"])] += int(r["n"])
    return counts


async def broker_queues(api_url: str | None, vhost: str) -> dict[str, Any]:
    """Evidence from the broker's management API (when there is one), before the vhost goes:
    every queue still holding messages, and every parked message (its queue, event type, id,
    partition key and why it was parked: ``x-first-death-reason`` from the broker,
    ``x-waops-park-reason`` when a consumer parked it). Peeks requeue what they read."""
    if not api_url:
        return {"available": False}
    parts = urllib.parse.urlsplit(api_url)
    user = urllib.parse.unquote(parts.username or "guest")
    password = urllib.parse.unquote(parts.password or "guest")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    auth = {"Authorization": f"Basic {token}"}
    base = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    base = base.rstrip("/") + "/api/queues/" + urllib.parse.quote(vhost, safe="")
    backlog: dict[str, Any] = {}
    parked: list[dict[str, Any]] = []
    async with aiohttp.ClientSession(headers=auth, timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.get(base) as resp:
            queues = await resp.json()
        for q in queues:
            if not q.get("messages"):
                continue
            backlog[q["name"]] = {
                "messages": q.get("messages"),
                "unacked": q.get("messages_unacknowledged"),
                "consumers": q.get("consumers"),
            }
            if not q["name"].endswith(".parked"):
                continue
            peek = {
                "count": 10000,
                "ackmode": "ack_requeue_true",
                "encoding": "auto",
                "truncate": 100000,
            }
            async with http.post(
                f"{base}/{urllib.parse.quote(q['name'], safe='')}/get", json=peek
            ) as resp:
                for m in await resp.json():
                    headers = (m.get("properties") or {}).get("headers") or {}
                    body: Any = None
                    with contextlib.suppress(ValueError, TypeError):
                        body = json.loads(m["payload"])
                    parked.append(
                        {
                            "queue": q["name"],
                            "type": headers.get("ce-type"),
                            "id": body.get("id") if isinstance(body, dict) else None,
                            "subject": body.get("subject") if isinstance(body, dict) else None,
                            "partitionkey": headers.get("partitionkey"),
                            "broker_reason": headers.get("x-first-death-reason"),
                            "first_queue": headers.get("x-first-death-queue"),
                            "waops_reason": headers.get("x-waops-park-reason"),
                        }
                    )
    return {"available": True, "backlog": backlog, "parked": parked}


def _parked_by_phone(parked: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Parked messages by the digits of the phone they concern (partition key or subject)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in parked:
        where = str(p.get("partitionkey") or p.get("subject") or "")
        phone = _digits(where.rpartition(":")[2].rpartition("/")[2])
        if phone:
            found[phone].append(p)
    return found


def ledger(
    scenario: dict[str, Any],
    messages: list[dict[str, Any]],
    leads: dict[str, int],
    parked: dict[str, list[dict[str, Any]]],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The scenario's summary and one line per enquiry, from what finally reached the phones."""
    enquiries = [
        json.loads(line) for line in Path(scenario["enquiries_file"]).read_text().splitlines()
    ]
    by_phone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in messages:
        by_phone[str(m.get("to"))].append(m)
    lines: list[dict[str, Any]] = []
    latencies: list[float] = []
    for e in enquiries:
        phone = _digits(e["phone"])
        got = sorted(by_phone.get(phone, []), key=lambda m: m["received_at"])
        bodies = Counter(str(m.get("body")) for m in got)
        first = (
            round(datetime.fromisoformat(got[0]["received_at"]).timestamp() - e["planned"], 3)
            if got
            else None
        )
        if first is not None:
            latencies.append(first)
        lines.append(
            {
                "scenario": scenario["scenario"],
                "phone": e["phone"],
                "door": e["status"],
                "attempts": e.get("attempts", 1),
                "copies": 1 + len(e.get("duplicate_statuses", [])),
                "messages": len(got),
                "first_reply_s": first,
                "duplicated": any(n > 1 for n in bodies.values()),
                "leads": leads.get(phone, 0),
                "parked": [
                    f"{p['queue']} {p['type']} ({p['waops_reason'] or p['broker_reason']})"
                    for p in parked.get(phone, [])
                ],
            }
        )
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2) if ordered else None

    summary = {k: v for k, v in scenario.items() if k != "enquiries_file"}
    summary.update(
        {
            "enquiries": len(lines),
            "door_never_took": sum(1 for x in lines if x["door"] != 200),
            "door_redeliveries": sum(x["attempts"] - 1 for x in lines),
            "replied": len(latencies),
            "lost": sum(1 for x in lines if x["messages"] == 0),
            "duplicated": sum(1 for x in lines if x["duplicated"]),
            "leads_missing": sum(1 for x in lines if x["leads"] == 0),
            "leads_doubled": sum(1 for x in lines if x["leads"] > 1),
            "with_parked_event": sum(1 for x in lines if x["parked"]),
            "lost_with_parked_event": sum(1 for x in lines if x["parked"] and not x["messages"]),
            "p50_s": pct(0.5),
            "p99_s": pct(0.99),
            "max_s": round(ordered[-1], 2) if ordered else None,
            "lost_phones": [x["phone"] for x in lines if x["messages"] == 0][:20],
            "duplicated_phones": [x["phone"] for x in lines if x["duplicated"]][:20],
        }
    )
    return summary, lines


def log_findings(log_dir: Path) -> dict[str, dict[str, int]]:
    """Per service: how many warning/error lines of each event its logs hold."""
    findings: dict[str, dict[str, int]] = {}
    for path in sorted(log_dir.rglob("*.log")):
        counts: Counter[str] = Counter()
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                if "Traceback" in line:
                    counts["(traceback on stderr)"] += 1
                continue
            if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
                counts[f"{entry['level']}: {entry.get('event')}"] += 1
        findings[path.stem] = dict(counts.most_common(12))
    return findings


def write_report(results: dict[str, Any], lines: list[dict[str, Any]]) -> Path:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "chaos.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (REPORTS / "chaos-ledger.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    scenarios = results["scenarios"]
    total = sum(s["faults_total"] for s in scenarios)
    lost = sum(s.get("lost", 0) for s in scenarios)
    dup = sum(s.get("duplicated", 0) for s in scenarios)
    kills_ = [e for s in scenarios for e in s["fault_events"] if e["kind"] == "sigkill"]
    slow = [e for e in kills_ if not e.get("restart_to_ready_s", 1e9) <= READY_GOAL]
    s = results["settings"]
    out = [
        "# Chaos",
        "",
        f"Run {results['at']} on {results['machine']}; local PostgreSQL and RabbitMQ (shared with"
        " other work on this machine); every service, the sandbox, the proxies and the load"
        " generator on the same machine.",
        "",
        f"Setting: `python -m benchmarks.chaos --rate {s['rate']} --seconds {s['seconds']:g}"
        f" --outage {s['outage']:g} --db-outage {s['db_outage']:g}"
        f" --background-duplicates {s['background_duplicates']:g} --drain {s['drain']:g} --settle {s['settle']:g}"
        f" --scenarios {','.join(s['scenarios'])}`. Enquiries from distinct phones at a constant"
        " rate (open loop); a webhook the door does not take is re-delivered, as providers do"
        f" (for up to {s['retry_for']:g} s); the sandbox reports sent/delivered/read for every"
        " accepted send (status callbacks in order). In every scenario but `duplicates` (where"
        " every webhook comes two or three times) a share of the webhooks is delivered two or"
        " three times as well (`duplicate_delivery` among the faults). A reply counts when it"
        " reaches the provider's API.",
        "",
        "The broker outage is played by the proxy between the services and RabbitMQ (every"
        " connection cut, new ones refused), not by restarting RabbitMQ: the machine's broker"
        " and PostgreSQL are shared, so neither was restarted. The PostgreSQL outage is played"
        " the same way by a proxy between the services and PostgreSQL.",
        "",
        "## Headline",
        "",
        f"- Faults injected: **{total}** (goal ≥ 1,000).",
        f"- Lost replies: **{lost}**; duplicated replies: **{dup}** (goal: zero and zero).",
        f"- Services restarted after SIGKILL: {len(kills_)}; ready within {READY_GOAL:g} s:"
        f" {len(kills_) - len(slow)} of {len(kills_)}.",
        "",
        "## Per scenario",
        "",
        "| Scenario | Enquiries | door re-deliveries | door never took | lost | lost, event parked | duplicated | leads missing |"
        " leads doubled | p50 s | p99 s | max s | faults | recovery max s | drain s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for sc in scenarios:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(sc["faults"].items()))
        out.append(
            f"| {sc['scenario']} | {sc.get('enquiries')} | {sc.get('door_redeliveries')} |"
            f" {sc.get('door_never_took')} |"
            f" {sc.get('lost')} | {sc.get('lost_with_parked_event')} | {sc.get('duplicated')} | {sc.get('leads_missing')} |"
            f" {sc.get('leads_doubled')} | {sc.get('p50_s')} | {sc.get('p99_s')} |"
            f" {sc.get('max_s')} | {sc['faults_total']} ({faults}) | {sc['recovery_max_s']} |"
            f" {sc['drain_s']} |"
        )
    if kills_:
        out += [
            "",
            "## Restarts after SIGKILL",
            "",
            "| Service | restart → /readyz 200 s | kill → ready s | note |",
            "|---|---|---|---|",
        ]
        for e in kills_:
            out.append(
                f"| {e['service']} | {e.get('restart_to_ready_s')} | {e.get('kill_to_ready_s')}"
                f" | {e.get('error', '')} |"
            )
    outages = [
        e
        for sc in scenarios
        for e in sc["fault_events"]
        if e["kind"] in ("after_last_cut", "broker_outage", "db_outage")
    ]
    if outages:
        out += [
            "",
            "## Outages",
            "",
            "| Kind | connections cut | down s | every service ready again after s |"
            " first reply after s |",
            "|---|---|---|---|---|",
        ]
        for e in outages:
            out.append(
                f"| {e['kind']} | {e.get('connections', '-')} | {e.get('down_s', '-')} | {e['ready_after_s']} |"
                f" {e['replies_resumed_after_s']} |"
            )
    broker_end = results.get("broker_at_end") or {}
    if broker_end.get("available"):
        reasons = Counter(
            f"{p['queue']} — {p['type']} — "
            + (
                f"parked by the consumer: {p['waops_reason'][:120]}"
                if p["waops_reason"]
                else f"dead-lettered by the broker: {p['broker_reason']} (first in {p['first_queue']})"
            )
            for p in broker_end.get("parked", [])
        )
        out += ["", "## The broker at the end of the run", ""]
        out += [
            "Queues still holding messages: "
            + (
                ", ".join(
                    f"{k} {v['messages']} ({v['unacked']} unacked)"
                    for k, v in broker_end["backlog"].items()
                )
                or "none"
            )
            + ".",
            "",
        ]
        out += [f"- {n} × {r}" for r, n in reasons.most_common()] or ["- nothing parked"]
        out += [
            "",
            "A lost enquiry whose event sits in a parked queue is counted per scenario in"
            " chaos.json (`lost_with_parked_event`); the ledger lists each enquiry's parked events.",
        ]
    out += [
        "",
        "## What the services logged (warnings and errors, most frequent first)",
        "",
    ]
    for service, counts in results["log_findings"].items():
        if counts:
            out.append(f"- **{service}**: " + "; ".join(f"{k} ×{v}" for k, v in counts.items()))
    out += [
        "",
        "Lost: no reply had reached the phone by the end of the run (the drain, then every later"
        " scenario). Duplicated: a phone that received the same text twice. Leads missing /"
        " doubled: enquiries for which the core's `leads` table holds no lead / more than one"
        " (read-only). Recovery: for kills, restart → /readyz 200; for cuts, outages and storms,"
        " from the fault's end until every service answers /readyz 200 (polled every 0.2 s); first"
        " reply after: from an outage's end (or the last short cut) until the next reply to one"
        " of the scenario's phones reached the provider."
        " Door re-deliveries: webhooks the door did not answer 200 (refused, 503, no answer)"
        " and that the generator delivered again, as a provider would; door never took: still"
        " refused after every re-delivery. The per-enquiry"
        " ledger is reports/chaos-ledger.jsonl; the service logs of the run were kept in"
        f" `{results['log_dir']}`.",
    ]
    path = REPORTS / "chaos.md"
    path.write_text("\n".join(out) + "\n")
    return path


async def pg_max_connections(admin_url: str) -> int | None:
    with contextlib.suppress(Exception):
        conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return int(await conn.fetchval("SELECT current_setting('max_connections')::int"))
        finally:
            await conn.close()
    return None


async def main(args: argparse.Namespace) -> None:
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {sorted(unknown)} (known: {', '.join(SCENARIOS)})")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log_dir = ROOT / "var" / "chaos" / stamp
    log_dir.mkdir(parents=True, exist_ok=True)
    settings = {k: v for k, v in vars(args).items()} | {"scenarios": names}
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    lines: list[dict[str, Any]] = []
    with postgres_admin_url() as admin, rabbitmq_broker() as broker:
        factory = IsolatedFactory(Infra(admin, broker))
        try:
            async with running_system(
                factory, log_dir, through_proxy=True, db_through_proxy=True, prefix="waops_chaos"
            ) as system:
                async with system.http.post(
                    system.url("sandbox") + "/_sandbox/statuses",
                    json={"mode": "in_order", "delay": args.status_delay},
                ) as resp:
                    resp.raise_for_status()
                done: list[dict[str, Any]] = []
                for i, name in enumerate(names):
                    try:
                        done.append(await run_scenario(system, i, name, args, log_dir))
                    except Exception as exc:  # report what ran; a broken scenario is a result
                        print(f"{name} failed: {exc!r}", flush=True)
                        done.append(
                            {
                                "scenario": name,
                                "error": repr(exc),
                                "faults": {},
                                "faults_total": 0,
                                "fault_events": [],
                                "recovery_max_s": None,
                                "drain_s": None,
                            }
                        )
                messages = await ladder.sent_messages(system)
                leads = await leads_by_phone(system.iso.admin_url)
                queues = await broker_queues(broker.api_url, system.iso.vhost)
                parked = _parked_by_phone(queues.get("parked", []))
                summaries = []
                for sc in done:
                    if "enquiries_file" not in sc:
                        summaries.append(sc)
                        continue
                    summary, mine = ledger(sc, messages, leads, parked)
                    summaries.append(summary)
                    lines.extend(mine)
                max_conn = await pg_max_connections(system.iso.admin_url)
                results = {
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL"
                    f" max_connections={max_conn}; load average (1/5/15 min) at the start"
                    f" {'/'.join(f'{x:.1f}' for x in load_before)}, at the end"
                    f" {'/'.join(f'{x:.1f}' for x in os.getloadavg())}",
                    "settings": settings,
                    "faults_total": sum(s["faults_total"] for s in summaries),
                    "lost": sum(s.get("lost", 0) for s in summaries),
                    "duplicated": sum(s.get("duplicated", 0) for s in summaries),
                    "log_dir": str(log_dir.relative_to(ROOT)),
                    "scenarios": summaries,
                    "broker_at_end": queues,
                }
        finally:
            await factory.cleanup()
    results["log_findings"] = log_findings(log_dir)
    print(f"report: {write_report(results, lines)}")
    print(json.dumps({k: results[k] for k in ("faults_total", "lost", "duplicated")}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=4.0, help="enquiries per second")
    parser.add_argument("--seconds", type=float, default=90.0, help="load and faults per scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--outage", type=float, default=8.0, help="seconds per broker outage")
    parser.add_argument("--db-outage", type=float, default=4.0, help="seconds per PG outage")
    parser.add_argument("--drain", type=float, default=150.0, help="max wait for replies")
    parser.add_argument("--settle", type=float, default=10.0, help="wait for late duplicates")
    parser.add_argument("--retry-for", type=float, default=120.0, help="webhook re-delivery")
    parser.add_argument("--status-delay", type=float, default=0.5, help="between statuses")
    parser.add_argument(
        "--background-duplicates",
        type=float,
        default=0.2,
        help="share of webhooks delivered 2-3 times in the scenarios other than duplicates",
    )
    parser.add_argument("--seed", type=int, default=None)
    asyncio.run(main(parser.parse_args()))
