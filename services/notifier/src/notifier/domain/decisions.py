"""What to do about a provider's refusal: one decision table per provider, pure.

- ``retry``: transient (5xx, timeouts, connection errors, throughput and pair rate limits):
  send again later, with backoff, a bounded number of times; these failures also feed the
  channel's circuit breaker.
- ``drop``: this message can never succeed as it is (outside the 24-hour window, undeliverable,
  bad number or parameter, template errors): record the failure, never retry.
- ``halt``: the channel itself is broken (expired or wrong token/key, policy block, disabled
  account): every further send would fail too, so the channel's sending pauses and a human is
  alerted; its messages wait, queued, until it is resumed.

Each provider decides by its own error code first (Meta advises building on codes, not on
HTTP statuses), then by HTTP status: no status at all means the request never got an answer
(timeout, connection error), which is transient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Decision = Literal["retry", "drop", "halt"]
ProviderName = Literal["meta", "360dialog", "twilio"]

# Meta Cloud API (Graph API) error codes, from the Cloud API error-code reference.
META_HALT = frozenset(
    {
        0,  # AuthException
        3,  # API method: capability or permission issue
        10,  # permission denied
        190,  # access token expired or invalid
        368,  # temporarily blocked for policy violations
        131031,  # business account locked
        131042,  # business eligibility: payment issue
        131045,  # incorrect certificate (phone number not registered)
    }
)
META_HALT_RANGES = ((200, 299),)  # API permission errors
META_RETRY = frozenset(
    {
        1,  # unknown error (possibly server side)
        2,  # service temporarily unavailable
        4,  # application request limit reached
        80007,  # WABA rate limit
        130429,  # Cloud API throughput reached
        131000,  # something went wrong
        131016,  # service unavailable
        131048,  # spam rate limit
        131056,  # (business, consumer) pair rate limit
        133004,  # server temporarily unavailable
    }
)
META_DROP = frozenset(
    {
        100,  # invalid parameter
        130472,  # user's number is part of an experiment
        131008,  # required parameter missing
        131009,  # parameter value invalid
        131021,  # recipient cannot be sender
        131026,  # message undeliverable
        131047,  # re-engagement: more than 24 hours since the customer last wrote
        131049,  # Meta chose not to deliver (per-user marketing limit)
        131050,  # user stopped marketing messages
        131051,  # unsupported message type
        131052,  # media download error
        131053,  # media upload error
    }
)
META_DROP_RANGES = ((132000, 132999),)  # template errors

# Twilio REST API / Messaging error codes (twilio.com/docs/api/errors).
TWILIO_HALT = frozenset(
    {
        20003,  # authentication failed (wrong account sid or auth token)
        20005,  # account not active
        20404,  # resource not found: the account (sid) in the path does not exist
        21606,  # the From number is not a valid sender for this account
        63007,  # no channel (WhatsApp sender) with the From address
        63020,  # business has not accepted Twilio's invitation
        63112,  # the Meta Business Manager account has been disabled
        63113,  # the WhatsApp Business Account is disabled / blocked
    }
)
TWILIO_RETRY = frozenset(
    {
        20429,  # too many requests
        20500,  # internal server error
        20503,  # service unavailable
        30001,  # queue overflow
        63018,  # rate limit exceeded for the channel
        63038,  # account exceeded the daily messages limit
    }
)
TWILIO_DROP = frozenset(
    {
        21211,  # invalid 'To' number
        21408,  # permission to send to this region not enabled
        21602,  # message body is required
        21604,  # 'To' is required
        21609,  # invalid StatusCallback
        21610,  # recipient unsubscribed (STOP)
        21614,  # 'To' is not a valid mobile number
        21617,  # body exceeds 1600 characters
        21620,  # invalid media URL
        21656,  # invalid ContentVariables
        63003,  # channel could not find the To address
        63005,  # channel did not accept the content
        63013,  # channel policy violation for this message
        63016,  # outside the 24-hour window: a template (ContentSid) is needed
        63021,  # channel invalid content
        63024,  # invalid message recipient
        63027,  # template does not exist for this language
        63028,  # template parameters do not match
    }
)


def _in(code: int, codes: frozenset[int], ranges: tuple[tuple[int, int], ...] = ()) -> bool:
    return code in codes or any(lo <= code <= hi for lo, hi in ranges)


def _by_status(http_status: int | None) -> Decision:
    if http_status is None or http_status >= 500 or http_status in (408, 429):
        return "retry"
    if http_status in (401, 403):
        return "halt"
    return "drop"


def decide_meta(code: int | None, http_status: int | None) -> Decision:
    if code is not None:
        if _in(code, META_HALT, META_HALT_RANGES):
            return "halt"
        if code in META_RETRY:
            return "retry"
        if _in(code, META_DROP, META_DROP_RANGES):
            return "drop"
    if http_status == 403:  # Graph answers some per-message refusals with 403 and a code
        return "drop" if code is not None else "halt"
    return _by_status(http_status)


def decide_d360(code: int | None, http_status: int | None) -> Decision:
    """360dialog relays the Cloud API's error bodies (Meta codes); its own gateway refuses a
    wrong or revoked ``D360-API-KEY`` with 401 and no Meta code."""
    if http_status == 401 and code is None:
        return "halt"
    return decide_meta(code, http_status)


def decide_twilio(code: int | None, http_status: int | None) -> Decision:
    if code is not None:
        if code in TWILIO_HALT:
            return "halt"
        if code in TWILIO_RETRY:
            return "retry"
        if code in TWILIO_DROP:
            return "drop"
    return _by_status(http_status)


DECIDERS: dict[str, Callable[[int | None, int | None], Decision]] = {
    "meta": decide_meta,
    "360dialog": decide_d360,
    "twilio": decide_twilio,
}
