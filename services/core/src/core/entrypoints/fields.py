"""Field types the API's query models share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from core.domain.phones import InvalidPhone, normalize_phone


def _e164_or_none(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalize_phone(value)
    except InvalidPhone as exc:
        raise ValueError(str(exc)) from None


# A phone filter in any format (``+977 984-123-4567``, ``009779841234567``), matched as E.164.
PhoneFilter = Annotated[
    str | None,
    Field(max_length=40, description="any format; matched as E.164"),
    AfterValidator(_e164_or_none),
]
