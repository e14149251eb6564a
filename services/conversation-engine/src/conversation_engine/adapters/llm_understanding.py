"""An understander that asks a large language model first, the rules when it cannot answer.

It speaks the OpenAI-compatible Chat Completions API (OpenAI, Azure's compatible endpoint,
vLLM, Ollama, llama.cpp...): ``POST {url}/v1/chat/completions`` with a bearer key, JSON mode
(``response_format: {"type": "json_object"}``), and reads ``choices[0].message.content`` as
a JSON object ``{tour_code, pax, travel_month, travel_date}``.

The model's answer is checked, never trusted: the tour must be in the catalogue, the party
1..50 people, the month ``YYYY-MM`` and the date ``YYYY-MM-DD``, neither in the past. On a
timeout, a network or HTTP error, a malformed body or an answer that fails the checks, the
rules answer instead; each such fallback is logged and counted by reason. A valid answer
naming no tour (``tour_code: null``) is an answer: the message is no enquiry.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import aiohttp
from prometheus_client import Counter
from waops_contracts.limits import MAX_PARTY_SIZE, MIN_PARTY_SIZE
from waops_observability import get_logger

from conversation_engine.domain.understanding.enquiry import Enquiry
from conversation_engine.domain.understanding.port import RuleBasedUnderstanding, Understander
from conversation_engine.domain.understanding.tours import TourEntry

log = get_logger(__name__)

FALLBACKS = Counter(
    "waops_conversation_understanding_fallbacks_total",
    "LLM understanding that fell back to the rules, by reason",
    ["reason"],
)

# How much of a message the model is shown: enquiries are short, and tokens cost.
MAX_TEXT_CHARS = 2000
# The model states no calibrated certainty; an answer that passed the checks is taken as sure.
LLM_CONFIDENCE = 1.0

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

SessionFactory = Callable[[], aiohttp.ClientSession]


class LlmFailure(Exception):
    """The model gave no usable answer; ``reason`` labels the fallback metric."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class LlmUnderstanding:
    """The ``Understander`` backed by a chat-completions model, with ``fallback`` behind it.

    One HTTP session, opened on first use (inside the running loop); ``close()`` it on
    shutdown.
    """

    name = "llm"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        model: str,
        timeout: float,
        fallback: Understander,
        *,
        session_factory: SessionFactory = aiohttp.ClientSession,
    ) -> None:
        base = url.rstrip("/")
        # A base URL that already ends in /v1 (as OpenAI's SDKs take it) is not doubled.
        self.endpoint = f"{base if base.endswith('/v1') else base + '/v1'}/chat/completions"
        self._api_key = api_key
        self.model = model
        self.timeout = timeout
        self.fallback = fallback
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None

    async def enquiry(
        self, text: str, catalogue: Sequence[TourEntry], *, today: date
    ) -> Enquiry | None:
        if not catalogue or not text.strip():
            return await self.fallback.enquiry(text, catalogue, today=today)  # nothing to ask
        try:
            content = await self._complete(chat_request(self.model, text, catalogue, today))
            return read_answer(content, catalogue, today=today)
        except LlmFailure as failure:
            reason, detail = failure.reason, failure.detail
        except Exception as exc:  # a bug here must cost the model's answer, not the message's
            log.exception("understanding.llm_failed", model=self.model)
            reason, detail = "unexpected", f"{type(exc).__name__}: {exc}"
        FALLBACKS.labels(reason=reason).inc()
        log.warning(
            "understanding.llm_fallback",
            reason=reason,
            detail=detail,
            model=self.model,
            fallback=self.fallback.name,
        )
        return await self.fallback.enquiry(text, catalogue, today=today)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _complete(self, body: dict[str, Any]) -> str:
        """The assistant message's content for ``body``, or ``LlmFailure``."""
        if self._session is None:
            self._session = self._session_factory()
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            async with asyncio.timeout(self.timeout):
                async with self._session.post(self.endpoint, json=body, headers=headers) as resp:
                    raw = await resp.read()
                    status = resp.status
        except TimeoutError:
            raise LlmFailure("timeout", f"no answer within {self.timeout}s") from None
        except aiohttp.ClientError as exc:
            raise LlmFailure("connection", f"{type(exc).__name__}: {exc}") from None
        if status != 200:
            raise LlmFailure("http_status", f"HTTP {status}: {_error_message(raw)}")
        return _content(raw)


def chat_request(
    model: str, text: str, catalogue: Sequence[TourEntry], today: date
) -> dict[str, Any]:
    """The Chat Completions request asking what ``text`` enquires about."""
    tours = "\n".join(
        f"- {tour.code}: {tour.name}"
        + (f" (also called: {', '.join(tour.aliases)})" if tour.aliases else "")
        for tour in catalogue
    )
    system = (
        "You read WhatsApp messages sent to a tour operator and answer with one JSON object.\n"
        f"Today is {today.isoformat()}. The operator's tours:\n{tours}\n"
        "Answer with exactly these keys:\n"
        '- "tour_code": the code of the tour the message asks about, or null if it names '
        "none of these tours;\n"
        '- "pax": how many people will travel, an integer, or null if not said;\n'
        '- "travel_month": the month of travel as "YYYY-MM", or null if not said;\n'
        '- "travel_date": the day of travel as "YYYY-MM-DD" if a day is said, else null.\n'
        "Relative times (next Friday, in March) count from today. Never guess what the "
        "message does not say."
    )
    return {
        "model": model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": text[:MAX_TEXT_CHARS]},
        ],
        "response_format": {"type": "json_object"},
        "temperature": 0,
    }


def read_answer(content: str, catalogue: Sequence[TourEntry], *, today: date) -> Enquiry | None:
    """The enquiry in the model's answer, checked against the catalogue and the calendar;
    None when the model says no tour is named. ``LlmFailure`` when it is not a valid answer."""
    try:
        answer = json.loads(_FENCE.sub("", content.strip()))
    except ValueError:
        raise LlmFailure("malformed_json", f"content is not JSON ({len(content)} chars)") from None
    if not isinstance(answer, dict):
        raise LlmFailure("malformed_json", f"content is a JSON {type(answer).__name__}, no object")
    code = answer.get("tour_code")
    if code is None:
        return None
    tour = next(
        (t for t in catalogue if isinstance(code, str) and t.code.upper() == code.upper()), None
    )
    if tour is None:
        raise LlmFailure("invalid_content", f"tour_code {code!r} is not in the catalogue")
    travel_date = _travel_date(answer.get("travel_date"), today)
    travel_month = _travel_month(answer.get("travel_month"), today)
    if travel_date is not None:
        if travel_month not in (None, f"{travel_date:%Y-%m}"):
            raise LlmFailure("invalid_content", "travel_month and travel_date disagree")
        travel_month = f"{travel_date:%Y-%m}"
    return Enquiry(
        tour_code=tour.code,
        tour_name=tour.name,
        pax=_pax(answer.get("pax")),
        travel_month=travel_month,
        travel_date=travel_date,
        confidence=LLM_CONFIDENCE,
    )


def _pax(value: Any) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_PARTY_SIZE <= value <= MAX_PARTY_SIZE
    ):
        raise LlmFailure(
            "invalid_content", f"pax {value!r} is not {MIN_PARTY_SIZE}..{MAX_PARTY_SIZE}"
        )
    return value


def _travel_month(value: Any, today: date) -> str | None:
    if value is None:
        return None
    found = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if found is None or not 1 <= int(found[2]) <= 12:
        raise LlmFailure("invalid_content", f"travel_month {value!r} is not YYYY-MM")
    if value < f"{today:%Y-%m}":
        raise LlmFailure("invalid_content", f"travel_month {value} is in the past")
    return str(value)


def _travel_date(value: Any, today: date) -> date | None:
    if value is None:
        return None
    try:
        if not (isinstance(value, str) and _DATE.fullmatch(value)):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise LlmFailure("invalid_content", f"travel_date {value!r} is not YYYY-MM-DD") from None
    if day < today:
        raise LlmFailure("invalid_content", f"travel_date {value} is in the past")
    return day


def _content(raw: bytes) -> str:
    """``choices[0].message.content`` of a chat completion body.

    Failures never quote the body: the model may echo the customer's message, which is kept
    sealed at rest and must not leak into the logs."""
    try:
        body = json.loads(raw)
        content = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LlmFailure(
            "malformed_response", f"not a chat completion ({len(raw)} bytes)"
        ) from None
    if not isinstance(content, str):  # null when the model refused
        raise LlmFailure("malformed_response", "the completion has no text content")
    return content


def _error_message(raw: bytes) -> str:
    """The API's ``{"error": {"message": ...}}``, or the start of whatever it sent."""
    try:
        return str(json.loads(raw)["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return raw[:200].decode(errors="replace")


def build_understander(
    url: str | None, api_key: str | None, model: str, timeout: float
) -> Understander:
    """The understander the settings ask for: the rules alone unless an LLM ``url`` is set."""
    rules = RuleBasedUnderstanding()
    if not url:
        return rules
    return LlmUnderstanding(url, api_key, model, timeout, fallback=rules)


async def close_understander(understander: Understander) -> None:
    """Release what ``understander`` holds (the LLM's HTTP session); for shutdown."""
    if isinstance(understander, LlmUnderstanding):
        await understander.close()
