"""API Gateway's JWT authorizer, as the local front runs it on the routes that have one.

It checks what API Gateway checks on a Cognito ID token: an RS256 signature by a key of the
pool's JWKS, the issuer, the audience (`aud`, or `client_id` when there is no `aud`), and the
expiry and not-before times. Refusals answer what API Gateway answers: 401
`{"message":"Unauthorized"}` with a `www-authenticate` header.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt

# API Gateway accepts only RSA signatures from a JWKS; `none` and HMAC never pass.
_ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")
UNAUTHORIZED_BODY = '{"message":"Unauthorized"}'


class Unauthorized(Exception):
    """The request does not pass the authorizer. `description` goes to `www-authenticate`."""

    def __init__(self, description: str | None) -> None:
        super().__init__(description or "no token")
        self.description = description

    @property
    def headers(self) -> dict[str, str]:
        """AWS documents `Bearer scope="" error="invalid_token" error_description="..."`
        (its published example is the audience refusal); a request with no token at all never
        reaches the authorizer and gets the bare 401."""
        if self.description is None:
            return {}
        return {
            "www-authenticate": (
                f'Bearer scope="" error="invalid_token" error_description="{self.description}"'
            )
        }


def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document (urllib: `mock_aws` leaves it alone, so it reaches a moto server)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - scheme checked  # nosec B310
        document: dict[str, Any] = json.loads(response.read())
    return document


class JwtAuthorizer:
    """One HTTP API JWT authorizer: an issuer, its audiences, and the issuer's JWKS."""

    def __init__(
        self,
        *,
        issuer: str,
        audiences: list[str],
        jwks_url: str,
        fetch: Callable[[str], dict[str, Any]] = fetch_json,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.audiences = list(audiences)
        self.jwks_url = jwks_url
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._lock = threading.Lock()

    def _key(self, kid: str | None) -> jwt.PyJWK:
        with self._lock:
            if self._keys is None or kid not in self._keys:
                # Fetched once, and again only for a key id not seen yet (key rotation).
                document = self._fetch(self.jwks_url)
                self._keys = {
                    key.key_id or "": key for key in jwt.PyJWKSet.from_dict(document).keys
                }
            if kid is None or kid not in self._keys:
                raise Unauthorized("the token's key id is not in the issuer's keys")
            return self._keys[kid]

    def authorize(self, authorization: str | None) -> dict[str, Any]:
        """The `requestContext.authorizer` value for a token that passes; else `Unauthorized`."""
        if not authorization or not authorization.strip():
            raise Unauthorized(None)
        token = authorization.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("the token is not a valid JWT") from None
        algorithm = header.get("alg")
        if algorithm not in _ALLOWED_ALGORITHMS:
            raise Unauthorized(f"signing method {algorithm} is invalid")
        key = self._key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                options={"verify_aud": False, "verify_iss": False, "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise Unauthorized("the token's signature is invalid") from None
        self._check_claims(claims)
        return {"jwt": {"claims": _claims_as_strings(claims), "scopes": None}}

    def _check_claims(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        if claims.get("iss") != self.issuer:
            raise Unauthorized("the token does not have a valid issuer")
        audience = claims.get("aud", claims.get("client_id"))
        audiences = audience if isinstance(audience, list) else [audience]
        if not any(item in self.audiences for item in audiences):
            raise Unauthorized("the token does not have a valid audience")
        expiry = claims.get("exp")
        if not isinstance(expiry, int | float) or expiry <= now:
            raise Unauthorized("the token has expired")
        not_before = claims.get("nbf")
        if isinstance(not_before, int | float) and not_before > now:
            raise Unauthorized("the token is not valid yet")


def _claims_as_strings(claims: dict[str, Any]) -> dict[str, str]:
    """API Gateway hands claims to the function as strings; lists look like `[a b]`."""
    converted: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, bool):
            converted[name] = "true" if value else "false"
        elif isinstance(value, list):
            converted[name] = "[" + " ".join(str(item) for item in value) + "]"
        elif isinstance(value, dict):
            converted[name] = json.dumps(value, separators=(",", ":"))
        else:
            converted[name] = str(value)
    return converted
