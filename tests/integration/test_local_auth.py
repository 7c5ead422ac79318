"""The local JWT authorizer refuses what API Gateway's refuses, against a real moto user pool
served over HTTP (its JWKS included)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest
from moto.server import ThreadedMotoServer

from sikemas_local.auth import JwtAuthorizer, Unauthorized

REGION = "ap-southeast-3"
PHONE = "+6281234567890"


@dataclass
class Pool:
    issuer: str
    client_id: str
    jwks_url: str
    token: str

    def authorizer(self, **overrides: Any) -> JwtAuthorizer:
        arguments: dict[str, Any] = {
            "issuer": self.issuer,
            "audiences": [self.client_id],
            "jwks_url": self.jwks_url,
        }
        return JwtAuthorizer(**{**arguments, **overrides})


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        try:
            cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
            pool_id = cognito.create_user_pool(
                PoolName="citizens", UsernameAttributes=["phone_number"]
            )["UserPool"]["Id"]
            client_id = cognito.create_user_pool_client(
                UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_AUTH"]
            )["UserPoolClient"]["ClientId"]
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=PHONE,
                UserAttributes=[{"Name": "phone_number", "Value": PHONE}],
                MessageAction="SUPPRESS",
            )
            cognito.admin_set_user_password(
                UserPoolId=pool_id, Username=PHONE, Password="Aa1-local-Password", Permanent=True
            )
            token = cognito.admin_initiate_auth(
                UserPoolId=pool_id,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": PHONE, "PASSWORD": "Aa1-local-Password"},
            )["AuthenticationResult"]["IdToken"]
            yield Pool(
                issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}",
                client_id=client_id,
                jwks_url=f"{endpoint}/{pool_id}/.well-known/jwks.json",
                token=token,
            )
        finally:
            server.stop()


def _refusal(authorizer: JwtAuthorizer, header: str | None) -> Unauthorized:
    with pytest.raises(Unauthorized) as refused:
        authorizer.authorize(header)
    return refused.value


def _moto_signing_key() -> Any:
    """The private key moto signs every pool's tokens with (it ships in moto's package)."""
    from moto.utilities.utils import load_resource

    return jwt.PyJWK.from_dict(load_resource("cognitoidp/resources/jwks-private.json")).key


def _signed(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, _moto_signing_key(), algorithm="RS256", headers={"kid": "dummy"})


def _claims(pool: Pool) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(pool.token, options={"verify_signature": False})
    return claims


def test_a_valid_id_token_passes_with_string_claims(pool: Pool) -> None:
    context = pool.authorizer().authorize(f"Bearer {pool.token}")

    claims = context["jwt"]["claims"]
    assert context["jwt"]["scopes"] is None
    assert claims["aud"] == pool.client_id
    assert claims["iss"] == pool.issuer
    assert claims["token_use"] == "id"
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["exp"].isdigit()


def test_a_token_without_the_bearer_prefix_passes(pool: Pool) -> None:
    assert pool.authorizer().authorize(pool.token)["jwt"]["claims"]["sub"]


def test_no_token_is_a_bare_401(pool: Pool) -> None:
    assert _refusal(pool.authorizer(), None).headers == {}


def test_an_expired_token_is_refused(pool: Pool) -> None:
    later = pool.authorizer(clock=lambda: time.time() + 2 * 3600)

    refusal = _refusal(later, f"Bearer {pool.token}")

    assert refusal.headers["www-authenticate"] == (
        'Bearer scope="" error="invalid_token" error_description="the token has expired"'
    )


def test_a_token_for_another_client_is_refused(pool: Pool) -> None:
    refusal = _refusal(pool.authorizer(audiences=["another-client"]), pool.token)

    assert (
        'error_description="the token does not have a valid audience"'
        in (refusal.headers["www-authenticate"])
    )


def test_a_token_from_another_issuer_is_refused(pool: Pool) -> None:
    forged = _signed({**_claims(pool), "iss": "https://cognito-idp.us-east-1.amazonaws.com/x"})

    refusal = _refusal(pool.authorizer(), forged)

    assert refusal.description == "the token does not have a valid issuer"


def test_a_tampered_payload_is_refused(pool: Pool) -> None:
    header, _payload, signature = pool.token.split(".")
    claims = {**_claims(pool), "sub": "someone-else"}
    tampered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")

    refusal = _refusal(pool.authorizer(), f"{header}.{tampered_payload.decode()}.{signature}")

    assert refusal.description == "the token's signature is invalid"


def test_alg_none_is_refused(pool: Pool) -> None:
    unsigned = jwt.encode(_claims(pool), key="", algorithm="none", headers={"kid": "dummy"})

    refusal = _refusal(pool.authorizer(), unsigned)

    assert refusal.description == "signing method none is invalid"


def test_hs256_is_refused(pool: Pool) -> None:
    hmac_signed = jwt.encode(_claims(pool), "a-shared-secret-of-32-bytes-long!", algorithm="HS256")

    refusal = _refusal(pool.authorizer(), hmac_signed)

    assert refusal.description == "signing method HS256 is invalid"


def test_an_unknown_key_id_is_refused(pool: Pool) -> None:
    other = jwt.encode(
        _claims(pool), _moto_signing_key(), algorithm="RS256", headers={"kid": "rotated-away"}
    )

    assert _refusal(pool.authorizer(), other).description is not None


def test_keys_are_fetched_once(pool: Pool) -> None:
    calls: list[str] = []

    def counting_fetch(url: str) -> dict[str, Any]:
        calls.append(url)
        from sikemas_local.auth import fetch_json

        return fetch_json(url)

    authorizer = pool.authorizer(fetch=counting_fetch)
    authorizer.authorize(pool.token)
    authorizer.authorize(pool.token)

    assert calls == [pool.jwks_url]
