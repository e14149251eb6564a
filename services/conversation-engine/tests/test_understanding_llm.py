"""The LLM-backed understanding against the sandbox's scripted LLM (the real Chat Completions
wire format): its answers are used when valid, and the rules answer whenever it fails."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from conversation_engine.adapters.llm_understanding import (
    LLM_CONFIDENCE,
    LlmFailure,
    LlmUnderstanding,
    build_understander,
    close_understander,
    read_answer,
)
from conversation_engine.domain.understanding import (
    Enquiry,
    RuleBasedUnderstanding,
    TourEntry,
    understand_enquiry,
)
from prometheus_client import REGISTRY
from structlog.testing import capture_logs
from waops_sandbox import SandboxConfig, create_sandbox_app

TODAY = date(2025, 1, 10)
KEY, MODEL = "sk-test-key", "gpt-test-mini"
CATALOGUE = (
    TourEntry("EBC", "Everest Base Camp Trek", ("everest base camp", "ebc trek")),
    TourEntry("ANC", "Annapurna Circuit", ("annapurna", "thorong la")),
    TourEntry("PKR", "Pokhara Sightseeing", ("pokhara",)),
)
EBC_FOR_3 = {"tour_code": "EBC", "pax": 3, "travel_month": "2025-03", "travel_date": None}
# The rules read this as EBC, 2 people, March: what every fallback must answer.
RULES_TEXT = "Everest Base Camp for 2 in March"


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TestClient[Any, Any]]:
    config = SandboxConfig(
        access_token="t",
        app_secret="s",
        phone_number_id="1",
        display_phone_number="+977 1 5550100",
        llm_api_key=KEY,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    yield client
    await client.close()


def _base_url(sandbox: TestClient[Any, Any]) -> str:
    return str(sandbox.make_url("/")).rstrip("/")


@pytest_asyncio.fixture
async def llm(sandbox: TestClient[Any, Any]) -> AsyncIterator[LlmUnderstanding]:
    understander = LlmUnderstanding(
        _base_url(sandbox), KEY, MODEL, timeout=2.0, fallback=RuleBasedUnderstanding()
    )
    yield understander
    await understander.close()


async def _script(sandbox: TestClient[Any, Any], *answers: dict[str, Any]) -> None:
    resp = await sandbox.post("/_sandbox/llm/script", json={"answers": list(answers)})
    assert resp.status == 200, await resp.text()


def _fallbacks(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "waops_conversation_understanding_fallbacks_total", {"reason": reason}
    )
    return value or 0.0


async def test_a_valid_answer_of_the_model_is_the_enquiry(
    sandbox: TestClient[Any, Any], llm: LlmUnderstanding
) -> None:
    # The rules see no tour in this text: the enquiry can only come from the model.
    text = "that famous trek to the foot of the highest mountain, 3 of us, March"
    assert understand_enquiry(text, CATALOGUE, today=TODAY) is None
    await _script(sandbox, {"match": "highest mountain", "content": EBC_FOR_3})

    enquiry = await llm.enquiry(text, CATALOGUE, today=TODAY)

    assert enquiry == Enquiry("EBC", "Everest Base Camp Trek", 3, "2025-03", None, LLM_CONFIDENCE)


async def test_the_request_speaks_chat_completions_in_json_mode(
    sandbox: TestClient[Any, Any], llm: LlmUnderstanding
) -> None:
    await _script(sandbox, {"content": EBC_FOR_3})
    await llm.enquiry("EBC for 3 in March", CATALOGUE, today=TODAY)

    [request] = await (await sandbox.get("/_sandbox/llm/requests")).json()
    assert request["bearer"] == KEY
    body = request["body"]
    assert body["model"] == MODEL
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert (system["role"], user) == ("system", {"role": "user", "content": "EBC for 3 in March"})
    for needed in ("JSON", "2025-01-10", "EBC: Everest Base Camp Trek", "ANC", "PKR"):
        assert needed in system["content"]
    for key in ("tour_code", "pax", "travel_month", "travel_date"):
        assert f'"{key}"' in system["content"]


async def test_a_model_that_names_no_tour_means_no_enquiry(
    sandbox: TestClient[Any, Any], llm: LlmUnderstanding
) -> None:
    """A valid "no tour" is an answer, not a failure: the rules are not asked."""
    await _script(sandbox, {"content": {"tour_code": None}})
    before = sum(_fallbacks(r) for r in ("invalid_content", "malformed_json"))

    assert await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY) is None
    assert sum(_fallbacks(r) for r in ("invalid_content", "malformed_json")) == before


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": 500}, "http_status"),
        ({"status": 429}, "http_status"),
        ({"body": "<html>Bad gateway</html>"}, "malformed_response"),
        ({"body": '{"choices": []}'}, "malformed_response"),
        ({"content": "Sure! The tour is EBC."}, "malformed_json"),
        ({"content": '["EBC", 3]'}, "malformed_json"),
        ({"content": {**EBC_FOR_3, "tour_code": "MANASLU"}}, "invalid_content"),
        ({"content": {**EBC_FOR_3, "pax": 0}}, "invalid_content"),
        ({"content": {**EBC_FOR_3, "pax": 51}}, "invalid_content"),
        ({"content": {**EBC_FOR_3, "pax": "3"}}, "invalid_content"),
        ({"content": {**EBC_FOR_3, "travel_month": "March"}}, "invalid_content"),
        ({"content": {**EBC_FOR_3, "travel_month": "2025-13"}}, "invalid_content"),
        ({"content": {**EBC_FOR_3, "travel_month": "2024-12"}}, "invalid_content"),  # past
        ({"content": {**EBC_FOR_3, "travel_date": "2025-02-30"}}, "invalid_content"),
        ({"content": {**EBC_FOR_3, "travel_date": "2025-04-01"}}, "invalid_content"),  # != month
    ],
)
async def test_a_failed_or_invalid_answer_falls_back_to_the_rules(
    sandbox: TestClient[Any, Any], llm: LlmUnderstanding, answer: dict[str, Any], reason: str
) -> None:
    await _script(sandbox, answer)
    before = _fallbacks(reason)

    with capture_logs() as logs:
        enquiry = await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY)

    assert enquiry == understand_enquiry(RULES_TEXT, CATALOGUE, today=TODAY)
    assert enquiry is not None and (enquiry.tour_code, enquiry.pax) == ("EBC", 2)
    assert _fallbacks(reason) == before + 1
    [fallback] = [log for log in logs if log["event"] == "understanding.llm_fallback"]
    assert (fallback["reason"], fallback["fallback"]) == (reason, "rules")


async def test_a_slow_model_times_out_to_the_rules(sandbox: TestClient[Any, Any]) -> None:
    await _script(sandbox, {"content": EBC_FOR_3, "delay": 1.0})
    llm = LlmUnderstanding(
        _base_url(sandbox), KEY, MODEL, timeout=0.1, fallback=RuleBasedUnderstanding()
    )
    before = _fallbacks("timeout")
    try:
        enquiry = await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY)
    finally:
        await llm.close()
    assert enquiry is not None and enquiry.pax == 2  # the rules', not the model's 3
    assert _fallbacks("timeout") == before + 1


async def test_a_wrong_api_key_falls_back(sandbox: TestClient[Any, Any]) -> None:
    await _script(sandbox, {"content": EBC_FOR_3})
    llm = LlmUnderstanding(
        _base_url(sandbox), "sk-wrong", MODEL, timeout=2.0, fallback=RuleBasedUnderstanding()
    )
    before = _fallbacks("http_status")
    try:
        enquiry = await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY)
    finally:
        await llm.close()
    assert enquiry is not None and enquiry.pax == 2
    assert _fallbacks("http_status") == before + 1


async def test_an_unreachable_model_falls_back() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = LlmUnderstanding(
        f"http://127.0.0.1:{port}", KEY, MODEL, timeout=2.0, fallback=RuleBasedUnderstanding()
    )
    before = _fallbacks("connection")
    try:
        enquiry = await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY)
    finally:
        await llm.close()
    assert enquiry is not None and enquiry.tour_code == "EBC"
    assert _fallbacks("connection") == before + 1


async def test_an_unexpected_error_falls_back_too() -> None:
    def broken_session() -> Any:
        raise RuntimeError("no sessions today")

    llm = LlmUnderstanding(
        "http://127.0.0.1:9",
        KEY,
        MODEL,
        2.0,
        RuleBasedUnderstanding(),
        session_factory=broken_session,
    )
    before = _fallbacks("unexpected")
    enquiry = await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY)
    assert enquiry is not None and enquiry.pax == 2
    assert _fallbacks("unexpected") == before + 1


def test_failures_do_not_quote_what_the_model_said() -> None:
    with pytest.raises(LlmFailure) as failure:
        read_answer("Sure, +977 9841234567 wants EBC", CATALOGUE, today=TODAY)
    assert "9841234567" not in str(failure.value)


async def test_the_model_is_used_again_once_it_recovers(
    sandbox: TestClient[Any, Any], llm: LlmUnderstanding
) -> None:
    await _script(sandbox, {"status": 503, "times": 1}, {"content": EBC_FOR_3})

    first = await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY)
    second = await llm.enquiry(RULES_TEXT, CATALOGUE, today=TODAY)

    assert first is not None and first.pax == 2  # the rules
    assert second is not None and second.pax == 3  # the model


async def test_nothing_is_asked_without_a_catalogue_or_text(
    sandbox: TestClient[Any, Any], llm: LlmUnderstanding
) -> None:
    assert await llm.enquiry(RULES_TEXT, (), today=TODAY) is None
    assert await llm.enquiry("   ", CATALOGUE, today=TODAY) is None
    assert await (await sandbox.get("/_sandbox/llm/requests")).json() == []


async def test_the_fake_speaks_the_chat_completions_wire_format(
    sandbox: TestClient[Any, Any],
) -> None:
    await _script(sandbox, {"match": "everest", "content": EBC_FOR_3})
    auth = {"Authorization": f"Bearer {KEY}"}
    request = {
        "model": MODEL,
        "messages": [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Everest?"}],
        "response_format": {"type": "json_object"},
    }  # fmt: skip
    resp = await sandbox.post("/v1/chat/completions", json=request, headers=auth)
    assert resp.status == 200
    body = await resp.json()
    assert body["id"].startswith("chatcmpl-") and body["object"] == "chat.completion"
    assert body["model"] == MODEL and isinstance(body["created"], int)
    [choice] = body["choices"]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str)
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]

    # JSON mode without the word JSON in the messages is refused, as the real API does.
    no_json = {**request, "messages": [{"role": "user", "content": "Everest?"}]}
    resp = await sandbox.post("/v1/chat/completions", json=no_json, headers=auth)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["type"] == "invalid_request_error" and "json" in error["message"]

    resp = await sandbox.post("/v1/chat/completions", json={"model": MODEL}, headers=auth)
    assert resp.status == 400
    resp = await sandbox.post("/v1/chat/completions", json=request)
    assert resp.status == 401 and (await resp.json())["error"]["code"] == "invalid_api_key"


async def test_the_fake_refuses_a_bad_script(sandbox: TestClient[Any, Any]) -> None:
    for bad in ({"answers": [{"status": 200}]}, {"answers": [{"colour": "red"}]}, {"answers": 1}):
        resp = await sandbox.post("/_sandbox/llm/script", json=bad)
        assert resp.status == 400, bad


def test_read_answer_checks_and_completes_the_answer() -> None:
    day = read_answer(
        '```json\n{"tour_code": "ebc", "pax": 2, "travel_date": "2025-03-20"}\n```',
        CATALOGUE,
        today=TODAY,
    )
    assert day == Enquiry("EBC", "Everest Base Camp Trek", 2, "2025-03", date(2025, 3, 20), 1.0)
    assert read_answer("{}", CATALOGUE, today=TODAY) is None
    with pytest.raises(LlmFailure) as failure:
        read_answer('{"tour_code": "EBC", "pax": true}', CATALOGUE, today=TODAY)
    assert failure.value.reason == "invalid_content"


async def test_build_understander_is_the_rules_unless_an_llm_is_configured() -> None:
    assert isinstance(build_understander(None, None, MODEL, 2.0), RuleBasedUnderstanding)
    assert isinstance(build_understander("", "key", MODEL, 2.0), RuleBasedUnderstanding)
    llm = build_understander("https://llm.example/", "key", MODEL, 2.0)
    assert isinstance(llm, LlmUnderstanding) and llm.name == "llm"
    assert llm.endpoint == "https://llm.example/v1/chat/completions"
    assert isinstance(llm.fallback, RuleBasedUnderstanding)
    openai_style = build_understander("https://api.example.com/v1", "key", MODEL, 2.0)
    assert isinstance(openai_style, LlmUnderstanding)
    assert openai_style.endpoint == "https://api.example.com/v1/chat/completions"
    await close_understander(llm)
    await close_understander(RuleBasedUnderstanding())
