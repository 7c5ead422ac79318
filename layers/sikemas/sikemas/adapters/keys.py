"""The table's key design: the one module where key strings are made.

| item | PK | SK |
| --- | --- | --- |
| report | ``REPORT#<ulid>`` | ``META`` |
| timeline event | ``REPORT#<ulid>`` | ``EVENT#<iso time>#<seq>`` |
| tracking-code alias | ``TRACKING#<code>`` | ``ALIAS`` |
| counters (no city row) | ``STATS#<yyyy-mm>`` | ``<day>#AGENCY#<code>``, ``<day>#CATEGORY#<cat>`` |
| reporter profile | ``REPORTER#<opaque id>`` | ``PROFILE`` |
| reporter's daily quota | ``REPORTER#<opaque id>`` | ``QUOTA#<yyyy-mm-dd>`` |
| identity (token ``sub``) | ``IDENTITY#<sub>`` | ``REPORTER`` |
| idempotency record | ``REPORTER#<opaque id>`` | ``IDEMPOTENCY#<sha256 of key>`` |
| short link (TTL) | ``SHORT#<code>`` | ``LINK`` |
| message sent (TTL) | ``SENT#<event id>`` | ``MARK`` |

Index ``ByReporter`` (GSI1PK, GSI1SK) = (``REPORTER#<id>``, ``<created iso>#<ulid>``): "my
reports", newest first. Only report items carry GSI1 keys.

Index ``ByStatus`` (GSI2PK, GSI2SK) = (``STATUS#<status>``, ``<status_since iso>#<ulid>``): the
review queue and the admins' lists, longest in the state first. Every report item.

Index ``ByAgency`` (GSI3PK, GSI3SK) = (``AGENCY#<code>``, ``<status>#<status_since iso>#<ulid>``):
an agency's inbox. Only reports in an open state (assigned, in progress, forwarded, for review)
carry GSI3 keys: a closed report leaves the index (the write drops its attributes).

Index ``ByDue`` (GSI4PK, GSI4SK) = (``DUE``, ``<next due instant, UTC iso>#<ulid>``): what the
watcher owes next (a reminder at 75 % of the response clock, a clock passing unmet;
``sikemas.domain.watch.next_due``). Only reports that still owe something carry GSI4 keys; the
watcher reads ``GSI4SK <= now``. One partition: a city's open reports are thousands, not
millions, and the watcher's read every 15 minutes is one query of what is due.

Index ``ByCell`` (GSI5PK, GSI5SK) = (``CELL#<geohash-5>``, ``<created iso>#<ulid>``): the public
map feed, newest first. Only publicly visible reports with a location carry GSI5 keys (routed,
not confidential, not hidden); an anonymous report's cell is that of its rounded location, so
the index reveals no more than its public view. A geohash-5 cell is about 4.9 km square: a
city is a handful of cells, and a map's bbox is one Query per cell it touches.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

Key = dict[str, dict[str, str]]

BY_REPORTER_INDEX = "ByReporter"
BY_STATUS_INDEX = "ByStatus"
BY_AGENCY_INDEX = "ByAgency"
BY_DUE_INDEX = "ByDue"
BY_CELL_INDEX = "ByCell"
DUE_PARTITION = "DUE"


def _key(pk: str, sk: str) -> Key:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def report(report_id: str) -> Key:
    return _key(f"REPORT#{report_id}", "META")


def event(report_id: str, at: datetime, seq: int) -> Key:
    return _key(f"REPORT#{report_id}", f"EVENT#{at.isoformat()}#{seq:04d}")


EVENT_PREFIX = "EVENT#"


def report_partition(report_id: str) -> str:
    return f"REPORT#{report_id}"


def report_id_of_partition(pk: str) -> str | None:
    """The report id of a ``REPORT#<ulid>`` partition key (a stream record's), else None."""
    prefix = "REPORT#"
    return pk[len(prefix) :] if pk.startswith(prefix) else None


def tracking(code: str) -> Key:
    return _key(f"TRACKING#{code}", "ALIAS")


def short_link(code: str) -> Key:
    return _key(f"SHORT#{code}", "LINK")


def sent_marker(event_id: str) -> Key:
    return _key(f"SENT#{event_id}", "MARK")


def counter(day: date, dimension: str, value: str) -> Key:
    """A day's counter row lives in its month's partition: a range of days is one Query per
    month it touches (90 days: 3 or 4), however many reports there are."""
    return _key(counter_partition(day), f"{day.isoformat()}#{dimension.upper()}#{value}")


def counter_partition(day: date) -> str:
    return f"STATS#{day.year:04d}-{day.month:02d}"


def counter_sort_key(day: date) -> str:
    """The sort key prefix of a day's rows (``BETWEEN`` two of them selects a range of days)."""
    return f"{day.isoformat()}#"


def reporter_profile(reporter_id: str) -> Key:
    return _key(f"REPORTER#{reporter_id}", "PROFILE")


def quota(reporter_id: str, day: date) -> Key:
    return _key(f"REPORTER#{reporter_id}", f"QUOTA#{day.isoformat()}")


def identity(subject: str) -> Key:
    return _key(f"IDENTITY#{subject}", "REPORTER")


def idempotency(reporter_id: str, idempotency_key: str) -> Key:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return _key(f"REPORTER#{reporter_id}", f"IDEMPOTENCY#{digest}")


def by_reporter(
    reporter_id: str, created_at: datetime, report_id: str
) -> dict[str, dict[str, str]]:
    return {
        "GSI1PK": {"S": f"REPORTER#{reporter_id}"},
        "GSI1SK": {"S": f"{created_at.isoformat()}#{report_id}"},
    }


def by_reporter_partition(reporter_id: str) -> str:
    return f"REPORTER#{reporter_id}"


def by_status(status: str, status_since: datetime, report_id: str) -> Key:
    return {
        "GSI2PK": {"S": by_status_partition(status)},
        "GSI2SK": {"S": f"{status_since.isoformat()}#{report_id}"},
    }


def by_status_partition(status: str) -> str:
    return f"STATUS#{status}"


def by_agency(agency: str, status: str, status_since: datetime, report_id: str) -> Key:
    return {
        "GSI3PK": {"S": by_agency_partition(agency)},
        "GSI3SK": {"S": f"{status}#{status_since.isoformat()}#{report_id}"},
    }


def by_agency_partition(agency: str) -> str:
    return f"AGENCY#{agency}"


def due_instant(at: datetime) -> str:
    """A sortable UTC instant (every GSI4SK in the same form, whatever the offset given)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def by_due(due: datetime, report_id: str) -> Key:
    return {"GSI4PK": {"S": DUE_PARTITION}, "GSI4SK": {"S": f"{due_instant(due)}#{report_id}"}}


def by_status_from(since: datetime) -> str:
    """The GSI2SK bound of the reports in a status since ``since`` or later (the sort key
    starts with the instant in UTC; ``+`` sorts before the fraction of a second)."""
    return since.astimezone(UTC).isoformat()


def due_upto(now: datetime) -> str:
    """The GSI4SK bound of everything due at ``now`` (``#`` sorts before any id's letters,
    ``~`` after them)."""
    return f"{due_instant(now)}#~"


def by_cell(cell: str, created_at: datetime, report_id: str) -> Key:
    return {
        "GSI5PK": {"S": by_cell_partition(cell)},
        "GSI5SK": {"S": f"{created_at.isoformat()}#{report_id}"},
    }


def by_cell_partition(cell: str) -> str:
    return f"CELL#{cell}"
