"""Each provider client against the sandbox, which checks every request the way the real
API does: every message kind in each provider's format, media upload and fetch, and the
retry / drop / halt decision each provider's error codes lead to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from notifier.adapters.providers import ProviderBase, ProviderError
from notifier.domain.content import (
    Button,
    Buttons,
    Content,
    ListMessage,
    Media,
    Row,
    Section,
    Template,
    TemplateComponent,
    TemplateParameter,
    Text,
)

TO = "+977 984-1234567"
DIGITS = "9779841234567"
CONTENT_SID = "HX" + "b" * 32

TEMPLATE = Template(
    name="booking_confirmed",
    language="en_US",
    components=(
        TemplateComponent(
            type="header",
            parameters=(TemplateParameter(type="image", link="https://cdn.example/h.png"),),
        ),
        TemplateComponent(
            type="body",
            parameters=(TemplateParameter(text="Asha"), TemplateParameter(text="EBC2501234")),
        ),
        TemplateComponent(
            type="button",
            sub_type="quick_reply",
            index=0,
            parameters=(TemplateParameter(type="payload", payload="CONFIRM"),),
        ),
    ),
    content_sid=CONTENT_SID,
)
BUTTONS = Buttons(
    body="When would you like the call?",
    buttons=(Button(id="am", title="Morning"), Button(id="pm", title="Evening")),
    header="Everest Base Camp",
    footer="Reply any time",
)
LIST = ListMessage(
    body="Which trek interests you?",
    button="Choose a trek",
    sections=(
        Section(title="Everest", rows=(Row(id="ebc", title="Base Camp", description="14 days"),)),
        Section(
            title="Annapurna",
            rows=(Row(id="abc", title="Sanctuary"), Row(id="poon", title="Poon Hill")),
        ),
    ),
)
KINDS: dict[str, Content] = {
    "text": Text(body="Namaste! Your reference is EBC2501234."),
    "image_link": Media(media_type="image", link="https://cdn.example/a.jpg", caption="The route"),
    "document_id": Media(
        media_type="document", media_id="4490709327384033", filename="itinerary.pdf"
    ),
    "audio_link": Media(media_type="audio", link="https://cdn.example/a.ogg"),
    "video_id": Media(media_type="video", media_id="1166846181421424"),
    "sticker_link": Media(media_type="sticker", link="https://cdn.example/s.webp"),
    "template": TEMPLATE,
    "buttons": BUTTONS,
    "list": LIST,
}


async def sent(sandbox: Any) -> list[dict[str, Any]]:
    return list(await (await sandbox.get("/_sandbox/sent")).json())


def cloud_expected(content: Content) -> dict[str, Any]:
    """The Cloud API body each kind must produce (Meta's reference shapes)."""
    head = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": DIGITS}
    if isinstance(content, Text):
        return {**head, "type": "text", "text": {"preview_url": False, "body": content.body}}
    if isinstance(content, Media):
        media: dict[str, Any] = {"link": content.link} if content.link else {"id": content.media_id}
        if content.caption:
            media["caption"] = content.caption
        if content.filename:
            media["filename"] = content.filename
        return {**head, "type": content.media_type, content.media_type: media}
    if content is TEMPLATE:
        return {
            **head,
            "type": "template",
            "template": {
                "name": "booking_confirmed",
                "language": {"code": "en_US"},
                "components": [
                    {
                        "type": "header",
                        "parameters": [
                            {"type": "image", "image": {"link": "https://cdn.example/h.png"}}
                        ],
                    },
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Asha"},
                            {"type": "text", "text": "EBC2501234"},
                        ],
                    },
                    {
                        "type": "button",
                        "sub_type": "quick_reply",
                        "index": "0",
                        "parameters": [{"type": "payload", "payload": "CONFIRM"}],
                    },
                ],
            },
        }
    if content is BUTTONS:
        return {
            **head,
            "type": "interactive",
            "interactive": {
                "type": "button",
                "header": {"type": "text", "text": "Everest Base Camp"},
                "body": {"text": "When would you like the call?"},
                "footer": {"text": "Reply any time"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "am", "title": "Morning"}},
                        {"type": "reply", "reply": {"id": "pm", "title": "Evening"}},
                    ]
                },
            },
        }
    assert content is LIST
    return {
        **head,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Which trek interests you?"},
            "action": {
                "button": "Choose a trek",
                "sections": [
                    {
                        "title": "Everest",
                        "rows": [{"id": "ebc", "title": "Base Camp", "description": "14 days"}],
                    },
                    {
                        "title": "Annapurna",
                        "rows": [
                            {"id": "abc", "title": "Sanctuary"},
                            {"id": "poon", "title": "Poon Hill"},
                        ],
                    },
                ],
            },
        },
    }


@pytest.mark.parametrize("provider_name", ["meta", "360dialog"])
@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_cloud_api_providers_send_every_kind_in_the_cloud_api_format(
    sandbox: Any, providers: dict[str, ProviderBase], provider_name: str, kind: str
) -> None:
    result = await providers[provider_name].send(TO, KINDS[kind])
    [record] = await sent(sandbox)
    assert record["provider"] == provider_name
    assert record["id"] == result.provider_message_id and result.provider_message_id.startswith(
        "wamid."
    )
    assert record["request"] == cloud_expected(KINDS[kind])


@pytest.mark.parametrize("provider_name", ["meta", "360dialog"])
async def test_cloud_api_providers_mark_messages_read(
    sandbox: Any, providers: dict[str, ProviderBase], provider_name: str
) -> None:
    result = await providers[provider_name].mark_read("wamid.INBOUND1")
    assert result.provider_message_id == "wamid.INBOUND1"
    [record] = await sent(sandbox)
    assert record["request"] == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.INBOUND1",
    }


async def test_twilio_sends_every_kind_as_messages_api_form_fields(
    sandbox: Any, providers: dict[str, ProviderBase]
) -> None:
    twilio = providers["twilio"]
    for kind in ("text", "image_link", "audio_link", "sticker_link", "template"):
        result = await twilio.send(TO, KINDS[kind])
        assert result.provider_message_id.startswith("SM") and result.status == "queued"
    await twilio.send(TO, BUTTONS)  # no content sid: numbered text
    await twilio.send(TO, LIST.model_copy(update={"content_sid": "HX" + "c" * 32}))
    records = await sent(sandbox)
    requests = [r["request"] for r in records]
    common = {
        "To": f"whatsapp:+{DIGITS}",
        "From": "whatsapp:+14155238886",
        "StatusCallback": "https://waops.example/webhooks/twilio",
    }
    assert requests[0] == {**common, "Body": "Namaste! Your reference is EBC2501234."}
    assert requests[1] == {**common, "MediaUrl": ["https://cdn.example/a.jpg"], "Body": "The route"}
    assert requests[2] == {**common, "MediaUrl": ["https://cdn.example/a.ogg"]}
    assert requests[3] == {**common, "MediaUrl": ["https://cdn.example/s.webp"]}
    assert requests[4] == {
        **common,
        "ContentSid": CONTENT_SID,
        "ContentVariables": json.dumps({"1": "Asha", "2": "EBC2501234", "3": "CONFIRM"}),
    }
    assert records[4]["content_variables"] == {"1": "Asha", "2": "EBC2501234", "3": "CONFIRM"}
    assert requests[5]["Body"].splitlines() == [
        "Everest Base Camp",
        "When would you like the call?",
        "",
        "1. Morning",
        "2. Evening",
        "",
        "Reply with the number of your choice.",
        "Reply any time",
    ]
    assert requests[6] == {**common, "ContentSid": "HX" + "c" * 32}
    assert [r["type"] for r in records] == [
        "text",
        "media",
        "media",
        "media",
        "template",
        "text",
        "template",
    ]


async def test_twilio_refuses_what_it_cannot_send_without_calling(
    sandbox: Any, providers: dict[str, ProviderBase]
) -> None:
    twilio = providers["twilio"]
    for content in (
        KINDS["document_id"],  # media by uploaded id: Twilio fetches by URL only
        TEMPLATE.model_copy(update={"content_sid": None}),  # a template needs its HX sid
    ):
        with pytest.raises(ProviderError) as caught:
            await twilio.send(TO, content)
        assert caught.value.action == "drop"
    read = await twilio.mark_read("SM" + "0" * 32)  # no such API: nothing sent, not an error
    assert read.status == "read"
    assert await sent(sandbox) == []


@pytest.mark.parametrize("provider_name", ["meta", "360dialog"])
async def test_cloud_api_providers_upload_and_fetch_media(
    sandbox: Any, providers: dict[str, ProviderBase], provider_name: str
) -> None:
    provider = providers[provider_name]
    data = b"%PDF-1.4 itinerary"
    media_id = await provider.upload_media(data, "application/pdf", "itinerary.pdf")
    fetched = await provider.fetch_media(media_id)
    assert fetched.data == data and fetched.mime_type == "application/pdf"
    await provider.send(TO, Media(media_type="document", media_id=media_id, filename="i.pdf"))
    [record] = await sent(sandbox)
    assert record["request"]["document"]["id"] == media_id


async def test_twilio_fetches_media_by_url_and_has_no_upload(
    sandbox: Any, providers: dict[str, ProviderBase]
) -> None:
    twilio = providers["twilio"]
    put = await sandbox.post(
        "/_sandbox/media?id=ME" + "1" * 32,
        data=b"\x89PNG...",
        headers={"Content-Type": "image/png"},
    )
    assert put.status in (200, 201), await put.text()
    url = str(
        sandbox.make_url(
            f"/2010-04-01/Accounts/{'AC' + '5' * 32}/Messages/{'MM' + '2' * 32}/Media/{'ME' + '1' * 32}"
        )
    )
    fetched = await twilio.fetch_media(url)
    assert fetched.data == b"\x89PNG..." and fetched.mime_type == "image/png"
    with pytest.raises(ProviderError) as caught:
        await twilio.upload_media(b"x", "image/png")
    assert caught.value.action == "drop"


# Each provider's error codes, injected by the sandbox in that provider's error format.
DECISIONS = [
    ("meta", {"error_code": 130429}, "retry", 130429),
    ("meta", {"error_code": 131056}, "retry", 131056),
    ("meta", {"status": 503}, "retry", 2),
    ("meta", {"error_code": 131047}, "drop", 131047),
    ("meta", {"error_code": 131026}, "drop", 131026),
    ("meta", {"error_code": 132001}, "drop", 132001),
    ("meta", {"error_code": 100}, "drop", 100),
    ("meta", {"error_code": 190}, "halt", 190),
    ("meta", {"error_code": 368}, "halt", 368),
    ("360dialog", {"error_code": 130429}, "retry", 130429),
    ("360dialog", {"status": 502}, "retry", 2),
    ("360dialog", {"status": 429}, "retry", 4),
    ("360dialog", {"error_code": 131047}, "drop", 131047),
    ("360dialog", {"error_code": 190}, "halt", 190),
    ("twilio", {"error_code": 20429}, "retry", 20429),
    ("twilio", {"status": 503}, "retry", 20503),
    ("twilio", {"error_code": 63018}, "retry", 63018),
    ("twilio", {"error_code": 63016}, "drop", 63016),
    ("twilio", {"error_code": 21211}, "drop", 21211),
    ("twilio", {"error_code": 20003}, "halt", 20003),
    ("twilio", {"error_code": 63112}, "halt", 63112),
]


@pytest.mark.parametrize(("provider_name", "fault", "action", "code"), DECISIONS)
async def test_provider_errors_lead_to_their_decision(
    sandbox: Any,
    providers: dict[str, ProviderBase],
    provider_name: str,
    fault: dict[str, Any],
    action: str,
    code: int,
) -> None:
    await sandbox.post("/_sandbox/faults", json={**fault, "provider": provider_name})
    with pytest.raises(ProviderError) as caught:
        await providers[provider_name].send(TO, KINDS["text"])
    assert (caught.value.action, caught.value.code) == (action, code)
    assert await sent(sandbox) == []


async def test_wrong_credentials_halt(sandbox: Any, http: Any) -> None:
    from notifier.adapters.providers import D360Provider, MetaCloudProvider, TwilioProvider

    base = str(sandbox.make_url("")).rstrip("/")
    wrong = [
        MetaCloudProvider(base, "v21.0", "109876543210", "expired", http),
        D360Provider("revoked-key", http, base_url=base),
        TwilioProvider("AC" + "5" * 32, "rotated", "+14155238886", http, base_url=base),
    ]
    for provider in wrong:
        with pytest.raises(ProviderError) as caught:
            await provider.send(TO, KINDS["text"])
        assert caught.value.action == "halt", provider.name


async def test_a_slow_provider_is_a_timeout_to_retry(sandbox: Any, http: Any) -> None:
    from notifier.adapters.providers import MetaCloudProvider

    base = str(sandbox.make_url("")).rstrip("/")
    impatient = MetaCloudProvider(base, "v21.0", "109876543210", "test-token", http, timeout=0.2)
    await sandbox.post("/_sandbox/faults", json={"delay": 1.0, "provider": "meta"})
    with pytest.raises(ProviderError) as caught:
        await impatient.send(TO, KINDS["text"])
    assert caught.value.action == "retry" and caught.value.http_status is None
