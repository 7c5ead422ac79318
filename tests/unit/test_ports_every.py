"""``sikemas.ports.every``: a paged list read page after page, only as far as it is iterated."""

from __future__ import annotations

from itertools import islice

from sikemas.domain.report import Status
from sikemas.ports import Page, every
from tests.unit.domain.test_report_states import a_report


def test_every_reads_the_next_page_only_when_it_gets_there():
    reports = [a_report(Status.ASSIGNED, id=f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n:02d}") for n in range(5)]
    pages = {
        None: Page(reports[:2], "p2"),
        "p2": Page(reports[2:4], "p3"),
        "p3": Page(reports[4:], None),
    }
    asked: list[str | None] = []

    def fetch(cursor: str | None) -> Page:
        asked.append(cursor)
        return pages[cursor]

    assert list(islice(every(fetch), 2)) == reports[:2]
    assert asked == [None]  # the second page is not read
    asked.clear()
    assert list(every(fetch)) == reports
    assert asked == [None, "p2", "p3"]  # every page once, and no read past the last
