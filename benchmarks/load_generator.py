"""The load generator of the enquiry ladder, in a process of its own so that its work is not
counted against (nor slowed by) the benchmark's bookkeeping.

Sends ``rate`` signed Meta webhooks per second for ``seconds``, each an enquiry from a phone
of its own, open loop: enquiry i leaves at start + i/rate whatever the answers do, so a slow
door cannot hide the next enquiry's wait. Writes one JSON line per enquiry to ``--out``:
the phone, when it was planned and answered (Unix seconds), and the door's status (0 when
the request itself failed).

Two options play a provider's delivery habits (the chaos bench uses them; by default neither
is on): ``--retry-for S`` re-delivers a webhook the door did not answer 200, with capped
backoff, for up to S seconds, as providers retry (the record then says how many attempts it
took); ``--duplicate-share F`` delivers a share F of the webhooks two or three times in all
(``--max-copies``), the same signed bytes a few seconds apart, as providers sometimes do
(the record lists each extra copy's status).

    python -m benchmarks.load_generator --url URL --app-secret S --phone-number-id ID \
        --rate 20 --seconds 60 --out enquiries.jsonl [--prefix 9779800] \
        [--retry-for 60] [--duplicate-share 1.0 --max-copies 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path

import aiohttp
from waops_sandbox import encode, sign, text_message_webhook

ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"


def phone_of(prefix: str, i: int) -> str:
    return f"+{prefix}{i:06d}"


def prepare(args: argparse.Namespace, count: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """Every webhook signed before the clock starts."""
    prepared = []
    for i in range(count):
        phone = phone_of(args.prefix, i)
        body = encode(
            text_message_webhook(
                phone_number_id=args.phone_number_id,
                display_phone_number="+977 1 5550100",
                from_wa_id=phone,
                profile_name="Ladder",
                text=ENQUIRY,
            )
        )
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, args.app_secret),
        }
        prepared.append((phone, body, headers))
    return prepared


async def run(args: argparse.Namespace) -> None:
    prepared = prepare(args, int(args.rate * args.seconds))
    rng = random.Random(args.seed)
    records: list[dict[str, object]] = []
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=timeout
    ) as http:
        start = time.time() + 0.2

        async def post(body: bytes, headers: dict[str, str]) -> int:
            try:
                async with http.post(args.url, data=body, headers=headers) as resp:
                    await resp.read()
                    return resp.status
            except (aiohttp.ClientError, TimeoutError):
                return 0

        async def one(i: int, phone: str, body: bytes, headers: dict[str, str]) -> None:
            planned = start + i / args.rate
            await asyncio.sleep(max(0.0, planned - time.time()))
            status = await post(body, headers)
            answered = time.time()
            attempts, backoff = 1, 0.5
            while status != 200 and time.time() - planned < args.retry_for:
                await asyncio.sleep(backoff)  # a provider's retry of an unanswered webhook
                backoff = min(backoff * 2, 5.0)
                status = await post(body, headers)
                answered = time.time()
                attempts += 1
            record: dict[str, object] = {
                "phone": phone,
                "planned": planned,
                "answered": answered,
                "status": status,
            }
            if args.retry_for:
                record["attempts"] = attempts
            if args.duplicate_share and rng.random() < args.duplicate_share:
                copies = rng.randint(2, max(2, args.max_copies))
                statuses = []
                for _ in range(copies - 1):
                    await asyncio.sleep(rng.uniform(0.0, 3.0))
                    statuses.append(await post(body, headers))  # the same signed bytes
                record["duplicate_statuses"] = statuses
            records.append(record)

        await asyncio.gather(*(one(i, *p) for i, p in enumerate(prepared)))
    write(Path(args.out), records)


def write(path: Path, records: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--app-secret", required=True)
    parser.add_argument("--phone-number-id", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--prefix", default="9779800")
    parser.add_argument("--retry-for", type=float, default=0.0)
    parser.add_argument("--duplicate-share", type=float, default=0.0)
    parser.add_argument("--max-copies", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    asyncio.run(run(parser.parse_args()))
