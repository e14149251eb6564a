"""How each provider signs its webhooks, in one place for the sandbox and the tests.

- Meta Cloud API: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``.
- 360dialog: ``x-360dialog-signature: <hex HMAC-SHA256(webhook secret, raw body)>`` (optional;
  sent only when a secret is configured).
- Twilio: ``X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + sorted key+value pairs))``
  for form-encoded POSTs, exactly as twilio's ``RequestValidator.compute_signature``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping

META_SIGNATURE_HEADER = "X-Hub-Signature-256"
D360_SIGNATURE_HEADER = "x-360dialog-signature"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"


def meta_signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def d360_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(
    url: str, params: Mapping[str, str] | Iterable[tuple[str, str]], auth_token: str
) -> str:
    """Twilio's algorithm: the full URL, then each POST parameter name and value, sorted by
    name (values of a repeated name sorted too), HMAC-SHA1 keyed by the auth token, base64."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    payload = url + "".join(k + v for k, v in sorted(pairs))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
