"""The pre sign-up trigger decides who may cause the city to send an SMS."""

from __future__ import annotations

from typing import Any

import pytest

from functions.presignup import app
from functions.presignup.app import (
    REFUSED_MALFORMED,
    REFUSED_NOT_INDONESIAN,
    REFUSED_NOT_MOBILE,
    SignUpRefused,
    check_phone_number,
    lambda_handler,
)


def _event(phone: object, source: str = "PreSignUp_SignUp") -> dict[str, Any]:
    attributes = {} if phone is None else {"phone_number": phone}
    return {
        "version": "1",
        "triggerSource": source,
        "region": "ap-southeast-3",
        "userPoolId": "ap-southeast-3_example",
        "userName": "0b1c-uuid",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown", "clientId": "client"},
        "request": {"userAttributes": attributes, "validationData": None},
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


@pytest.mark.parametrize(
    "phone",
    [
        "+6281234567890",  # Telkomsel, 11 digits after +62
        "+628123456789",  # 10 digits
        "+62811234567",  # 9 digits: the shortest mobile numbers
        "+62812345678901",  # 12 digits: the longest
        "+6285712345678",  # Indosat
        "+6287812345678",  # XL
        "+6283812345678",  # Axis
        "+6288112345678",  # Smartfren
        "+6289612345678",  # 3
    ],
)
def test_indonesian_mobile_numbers_sign_up(phone: str) -> None:
    event = _event(phone)
    assert check_phone_number(phone) is None
    returned = lambda_handler(event, None)
    assert returned is event
    # Never confirmed on the trigger's word: the SMS code still proves the number.
    assert returned["response"]["autoConfirmUser"] is False
    assert returned["response"]["autoVerifyPhone"] is False


@pytest.mark.parametrize(
    "phone",
    [
        "+14155550123",  # United States
        "+6591234567",  # Singapore
        "+60123456789",  # Malaysia
        "+447911123456",  # United Kingdom mobile
        "+8816123456789",  # Iridium satellite (international premium network)
        "+88213612345678",  # International Networks (a classic pumping range)
        "+2348012345678",  # Nigeria
    ],
)
def test_foreign_numbers_are_refused(phone: str) -> None:
    assert check_phone_number(phone) == REFUSED_NOT_INDONESIAN
    with pytest.raises(SignUpRefused) as refused:
        lambda_handler(_event(phone), None)
    assert str(refused.value) == REFUSED_NOT_INDONESIAN


@pytest.mark.parametrize(
    "phone",
    [
        "+62809123456789",  # 0809: premium rate
        "+628001234567",  # 0800: toll-free, billed to the called party
        "+62807123456",  # 0807: universal access number
        "+62841234567890",  # 084x: not a mobile block
        "+62861234567890",  # 086x: not a mobile block
        "+622112345678",  # Jakarta landline (021)
        "+624311234567",  # Manado landline (0431)
        "+6281234567",  # 8 digits after +62: too short for a mobile number
        "+628123456789012",  # 13 digits after +62: too long
        "+6208123456789",  # the trunk 0 typed after +62
    ],
)
def test_indonesian_premium_landline_and_wrong_length_numbers_are_refused(phone: str) -> None:
    assert check_phone_number(phone) == REFUSED_NOT_MOBILE
    with pytest.raises(SignUpRefused, match="Indonesian mobile number"):
        lambda_handler(_event(phone), None)


@pytest.mark.parametrize(
    "phone",
    [
        None,  # no phone_number attribute at all
        "",
        "081234567890",  # national format, no country code
        "6281234567890",  # no +
        "+62 812 3456 7890",  # spaces
        "+62-812-3456-7890",
        "+62812345678９0",  # a full-width digit
        "+62812345678\n",
        "+",
        12345,
        "+0123456789",
        "+6281234567890123456",  # longer than E.164 allows
    ],
)
def test_malformed_numbers_are_refused(phone: object) -> None:
    assert check_phone_number(phone) == REFUSED_MALFORMED
    with pytest.raises(SignUpRefused, match="international format"):
        lambda_handler(_event(phone), None)


def test_messages_are_in_indonesian_and_english() -> None:
    for message in (REFUSED_MALFORMED, REFUSED_NOT_INDONESIAN, REFUSED_NOT_MOBILE):
        indonesian, english = message.split(". ", 1)
        assert "nomor" in indonesian.lower()
        assert "number" in english.lower()


def test_admin_created_users_are_held_to_the_same_rule() -> None:
    with pytest.raises(SignUpRefused):
        lambda_handler(_event("+14155550123", source="PreSignUp_AdminCreateUser"), None)


def test_the_log_line_never_carries_the_full_number(capsys: pytest.CaptureFixture[str]) -> None:
    lambda_handler(_event("+6281234567890"), None)
    with pytest.raises(SignUpRefused):
        lambda_handler(_event("+88213612345678"), None)
    out = capsys.readouterr().out
    assert "+6281234567890" not in out
    assert "+88213612345678" not in out
    assert '"decision": "accepted"' in out
    assert '"decision": "refused"' in out


def test_the_trigger_imports_nothing_but_the_standard_library() -> None:
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(app.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        str(node.module).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
