"""WhatsApp's customer-service window, decided purely: what a queued message goes out as
(inside, outside, unknown, exactly at the limit; template configured or not; per provider),
and the template parameter made the way Meta accepts it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notifier.domain.content import (
    Button,
    Buttons,
    Content,
    MarkRead,
    Media,
    Template,
    TemplateComponent,
    TemplateParameter,
    Text,
)
from notifier.domain.window import (
    Reengagement,
    WindowPolicy,
    for_window,
    message_text,
    template_parameter,
)
from notifier.settings import NotifierSettings
from pydantic import ValidationError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
HELLO = Text(body="Namaste Asha,\nyour trip EBC-251005 starts tomorrow.")
CONFIGURED = Reengagement(
    template="waops_update", language="en_US", twilio_content_sid="HX" + "1" * 32
)
META_ONLY = Reengagement(template="waops_update")
TWILIO_ONLY = Reengagement(twilio_content_sid="HX" + "2" * 32)
NONE = Reengagement()
PROVIDERS = ("meta", "360dialog", "twilio")


def body_of(template: Template) -> str:
    [component] = template.components
    [parameter] = component.parameters
    assert component.type == "body" and parameter.type == "text" and parameter.text
    return parameter.text


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("last_inbound", "reengagement", "outcome"),
    [
        (NOW - timedelta(minutes=5), CONFIGURED, "in_window"),
        (NOW - DAY + timedelta(seconds=1), CONFIGURED, "in_window"),  # a second to spare
        (NOW - DAY, CONFIGURED, "reengagement"),  # exactly 24 hours: closed
        (NOW - DAY - timedelta(days=3), CONFIGURED, "reengagement"),
        (None, CONFIGURED, "reengagement"),  # never wrote (or before the notifier knew)
        (NOW - timedelta(minutes=5), NONE, "in_window"),
        (NOW - DAY, NONE, "no_template"),
        (None, NONE, "no_template"),
    ],
)
def test_the_window_decides_per_provider(
    provider: str, last_inbound: datetime | None, reengagement: Reengagement, outcome: str
) -> None:
    policy = WindowPolicy(window=DAY, reengagement=reengagement)
    decision = for_window(
        HELLO, provider=provider, last_inbound=last_inbound, now=NOW, policy=policy
    )
    assert decision.outcome == outcome
    if outcome != "reengagement":
        assert decision.content == HELLO and decision.reengagement_template is None
        return
    assert isinstance(decision.content, Template)
    assert body_of(decision.content) == ("Namaste Asha, · your trip EBC-251005 starts tomorrow.")
    if provider == "twilio":  # by its Content API sid: ContentVariables {"1": text}
        assert decision.content.content_sid == CONFIGURED.twilio_content_sid
        assert decision.content.variables() == {"1": body_of(decision.content)}
        assert decision.reengagement_template == CONFIGURED.twilio_content_sid
    else:  # by name and language
        assert (decision.content.name, decision.content.language) == ("waops_update", "en_US")
        assert decision.content.content_sid is None
        assert decision.reengagement_template == "waops_update"


@pytest.mark.parametrize(
    ("reengagement", "provider", "outcome"),
    [
        (META_ONLY, "meta", "reengagement"),
        (META_ONLY, "360dialog", "reengagement"),
        (META_ONLY, "twilio", "no_template"),  # Twilio needs the content sid
        (TWILIO_ONLY, "twilio", "reengagement"),
        (TWILIO_ONLY, "meta", "no_template"),
        (TWILIO_ONLY, "360dialog", "no_template"),
    ],
)
def test_each_provider_needs_its_own_template_setting(
    reengagement: Reengagement, provider: str, outcome: str
) -> None:
    policy = WindowPolicy(reengagement=reengagement)
    decision = for_window(HELLO, provider=provider, last_inbound=None, now=NOW, policy=policy)
    assert decision.outcome == outcome


TEMPLATE = Template(
    name="booking_confirmed",
    components=(TemplateComponent(type="body", parameters=(TemplateParameter(text="x"),)),),
)


@pytest.mark.parametrize("content", [TEMPLATE, MarkRead(message_id="wamid.X")])
def test_templates_and_read_receipts_go_as_they_are_anywhere(content: Content) -> None:
    policy = WindowPolicy(reengagement=CONFIGURED)
    decision = for_window(content, provider="meta", last_inbound=None, now=NOW, policy=policy)
    assert (decision.content, decision.outcome) == (content, "not_free_form")


def test_a_window_setting_of_a_few_hours_is_honoured() -> None:
    policy = WindowPolicy(window=timedelta(hours=20), reengagement=CONFIGURED)
    wrote = NOW - timedelta(hours=21)
    decision = for_window(HELLO, provider="meta", last_inbound=wrote, now=NOW, policy=policy)
    assert decision.outcome == "reengagement"


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (HELLO, HELLO.body),
        (
            Buttons(body="Join the waitlist?", buttons=(Button(id="y", title="Yes"),)),
            "Join the waitlist?\n\n1. Yes\n\nReply with the number of your choice.",
        ),
        (
            Media(media_type="document", link="https://x.example/i.pdf", caption="Invoice"),
            "Invoice https://x.example/i.pdf",
        ),
        (Media(media_type="image", media_id="123"), "[image]"),
    ],
)
def test_every_free_form_message_has_words_for_the_template(content: Content, text: str) -> None:
    assert message_text(content) == text


@pytest.mark.parametrize(
    ("raw", "parameter"),
    [
        ("one line", "one line"),
        ("first\nsecond\r\nthird", "first · second · third"),
        ("a\n\n\nb", "a · b"),  # blank lines leave no empty separators
        ("tab\there", "tab here"),
        ("five     spaces and   three", "five spaces and three"),
        ("  padded  \n", "padded"),
        ("non\u00a0breaking", "non breaking"),
        ("\n\t  \n", "…"),  # nothing to say still fills the variable
    ],
)
def test_the_parameter_has_no_newlines_tabs_or_runs_of_spaces(raw: str, parameter: str) -> None:
    assert template_parameter(raw) == parameter


def test_a_long_parameter_is_cut_to_1024_characters_with_an_ellipsis() -> None:
    cut = template_parameter("word " * 400)
    assert len(cut) == 1024 and cut.endswith(" wor…") and "  " not in cut
    # Cut at a space: no blank before the ellipsis.
    assert template_parameter("x" * 1022 + " and more") == "x" * 1022 + "…"
    assert template_parameter("x" * 1024) == "x" * 1024


def test_settings_give_the_policy_and_refuse_a_bad_content_sid() -> None:
    settings = NotifierSettings.model_validate(
        {
            "WAOPS_REENGAGEMENT_TEMPLATE": "waops_update",
            "WAOPS_REENGAGEMENT_LANGUAGE": "ne",
            "WAOPS_TWILIO_REENGAGEMENT_CONTENT_SID": "HX" + "3" * 32,
            "WAOPS_SERVICE_WINDOW_HOURS": "23.5",
        }
    )
    policy = settings.window_policy
    assert policy.window == timedelta(hours=23.5)
    assert policy.reengagement == Reengagement("waops_update", "ne", "HX" + "3" * 32)
    unset = NotifierSettings.model_validate({"WAOPS_REENGAGEMENT_TEMPLATE": " "})
    assert unset.window_policy == WindowPolicy()  # blank is unset: nothing changes
    with pytest.raises(ValidationError, match="Content API sid"):
        NotifierSettings.model_validate({"WAOPS_TWILIO_REENGAGEMENT_CONTENT_SID": "SM123"})
    with pytest.raises(ValidationError):
        NotifierSettings.model_validate({"WAOPS_SERVICE_WINDOW_HOURS": "0"})
