"""Domain errors carry no HTTP status; the API maps each code to one in ``STATUS``."""

from __future__ import annotations

import json

import pytest

from sikemas import errors
from sikemas.api.errors import STATUS, from_exception

DOMAIN_ERRORS = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.SikemasError)
]


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_a_domain_error_has_no_http_status_and_its_code_is_mapped(cls):
    assert not hasattr(cls, "status")
    assert cls.code in STATUS


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ConcurrentUpdate(), 409),
        (errors.ReportNotFound(), 404),
        (errors.DailyLimitExceeded(), 429),
        (errors.PayloadTooLarge(), 413),
        (errors.IdempotencyMismatch(), 422),
        (errors.UnknownCategory(), 400),
    ],
)
def test_the_api_answers_with_the_mapped_status_and_the_error_shape(error, status):
    code, body = from_exception(error)

    assert code == status
    shape = json.loads(body)["error"]
    assert shape["code"] == error.code
    assert shape["message"]["id"]
    assert shape["message"]["en"]


def test_an_unmapped_code_answers_400():
    class Novel(errors.SikemasError):
        code = "something_new"

    assert from_exception(Novel())[0] == 400
