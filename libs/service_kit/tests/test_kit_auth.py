"""One bearer mechanism for every internal API: several keys at once (rotation), and each
API's own answers for a missing, a wrong and an unconfigured token."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from pydantic import SecretStr
from waops_service_kit import ApiError
from waops_service_kit.api import Answer, BearerAuth, matches_any, token_list

MISSING = Answer(401, "UNAUTHENTICATED", "a token is required")
WRONG = Answer(403, "FORBIDDEN", "the token is wrong")
UNSET = Answer(503, "NOT_CONFIGURED", "no token is configured")


def auth(keys: tuple[str, ...], *, unconfigured: Answer | None = UNSET) -> BearerAuth:
    return BearerAuth(
        "token",
        lambda _: keys,
        missing=MISSING,
        wrong=WRONG,
        unconfigured=unconfigured,
        challenge=True,
    )


def answer(guard: BearerAuth, header: str | None) -> tuple[int, str] | None:
    headers = {"Authorization": header} if header is not None else {}
    try:
        guard.check(make_mocked_request("GET", "/", headers=headers))
    except ApiError as refused:
        return refused.status, refused.code
    return None


def test_a_setting_names_several_keys() -> None:
    assert token_list(SecretStr(" new , old,, ")) == ("new", "old")
    assert token_list("") == () and token_list(None) == ()
    assert matches_any("old", ("new", "old")) and not matches_any("ol", ("new", "old"))


@pytest.mark.parametrize("header", ["Bearer new", "Bearer old", "bearer  new "])
def test_every_configured_key_is_accepted(header: str) -> None:
    assert answer(auth(("new", "old")), header) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, (401, "UNAUTHENTICATED")),
        ("Bearer ", (401, "UNAUTHENTICATED")),
        ("Basic new", (401, "UNAUTHENTICATED")),
        ("Bearer newer", (403, "FORBIDDEN")),
    ],
)
def test_a_missing_or_wrong_token_gets_the_api_s_own_answer(
    header: str | None, expected: tuple[int, str]
) -> None:
    assert answer(auth(("new", "old")), header) == expected


def test_no_key_configured_is_503_or_open_as_the_api_says() -> None:
    assert answer(auth(()), "Bearer anything") == (503, "NOT_CONFIGURED")
    assert answer(auth((), unconfigured=None), None) is None


def test_a_401_can_carry_the_bearer_challenge() -> None:
    with pytest.raises(ApiError) as refused:
        auth(("k",)).check(make_mocked_request("GET", "/"))
    assert refused.value.headers == {"WWW-Authenticate": "Bearer"}
