"""The engine with an LLM configured (WAOPS_UNDERSTANDING_LLM_*): an enquiry the rules cannot
read becomes a lead through the model's answer, over the real Chat Completions wire format."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from conversation_engine.bootstrap import create_app
from waops_contracts.events import CommandRequested, TourUpserted
from waops_sandbox import SandboxConfig, create_sandbox_app
from waops_testing.plugin import Isolated
from waops_testing.services import EventTap, publish, running_service

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from conversation_support import engine_settings, from_core, received

pytestmark = pytest.mark.integration

COMMAND = "waops.command.requested.v1"
# Names no tour, date or party size the rules know: only the model can read it.
RIDDLE = (
    "the trek to the foot of the highest mountain, for the four of us, in the month after April"
)


async def test_an_enquiry_only_the_model_understands_becomes_a_lead(isolated: Isolated) -> None:
    config = SandboxConfig(
        access_token="t",
        app_secret="s",
        phone_number_id="1",
        display_phone_number="+977 1 5550100",
        llm_api_key="sk-engine",
    )
    llm: TestClient = TestClient(TestServer(create_sandbox_app(config)))
    await llm.start_server()
    try:
        answer = {"tour_code": "EBC", "pax": 4, "travel_month": "2025-05", "travel_date": None}
        scripted = await llm.post(
            "/_sandbox/llm/script",
            json={"answers": [{"match": "highest mountain", "content": json.dumps(answer)}]},
        )
        assert scripted.status == 200, await scripted.text()
        settings = engine_settings(
            isolated,
            understanding_llm_url=str(llm.make_url("/")).rstrip("/"),
            understanding_llm_api_key="sk-engine",
            understanding_llm_timeout=5.0,
        )
        tour = TourUpserted(tour_id="tour-ebc", code="EBC", name="Everest Base Camp Trek")
        async with (
            EventTap(isolated.amqp_url, COMMAND) as tap,
            running_service(create_app, settings),
        ):
            await publish(isolated.amqp_url, from_core(tour, "TOUR/tour-ebc"))
            await publish(isolated.amqp_url, received(RIDDLE, provider_message_id="wamid.llm-1"))
            [command_env] = await tap.wait_for(COMMAND)
        command = CommandRequested.model_validate(command_env.data)
        assert command.name == "CreateLead"
        assert command.args == answer
        requests = await (await llm.get("/_sandbox/llm/requests")).json()
        assert any("highest mountain" in json.dumps(r) for r in requests), requests
    finally:
        await llm.close()
