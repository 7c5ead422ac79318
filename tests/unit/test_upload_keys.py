"""Which uploaded keys the photo function takes: a citizen's ``originals/<id>/<slot>`` and an
agency's ``after/<id>/<n>``; nothing else (its own copies must never trigger it)."""

from __future__ import annotations

import pytest

from sikemas.adapters.photo_store import copy_keys, parse_upload_key

RID = "01JD2Y6X3B6Q3W9Y5K8R7T4V2N"


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        (f"originals/{RID}/1", (RID, 1, False)),
        (f"after/{RID}/2", (RID, 2, True)),
        (f"public/{RID}/1-abc.jpg", None),
        (f"private/{RID}/after-1-abc.jpg", None),
        (f"after/{RID}/x", None),
        (f"after/{RID}/0", None),
        (f"after//{RID}/1", None),
        (f"after/{RID}", None),
        ("after//1", None),
    ],
)
def test_upload_keys(key, parsed):
    assert parse_upload_key(key) == parsed


def test_after_photo_copies_are_named_apart_from_the_citizens():
    citizen = copy_keys(RID, 1, "v1", private=False)
    after = copy_keys(RID, 1, "v1", private=False, after=True)
    assert set(citizen).isdisjoint(after)
    assert after[0].startswith(f"public/{RID}/after-1-")
