"""The digest function through the template's table in moto: the late report is listed, one
not yet due is not; the schedule is 07:00 city time (a cron the local stack skips)."""

from __future__ import annotations

from datetime import timedelta

from sikemas_local.template import function_specs, load_template
from tests.integration.conftest import load_function
from tests.integration.test_watcher_function import at_time, repo, routed  # noqa: F401
from tests.unit.test_watcher_usecase import RESPOND_BY, ROUTED


def test_the_digest_lists_the_late_report(stack, repo, monkeypatch) -> None:  # noqa: F811
    routed(repo, 1, ROUTED)
    routed(repo, 2, ROUTED + timedelta(days=1))
    function = load_function(stack, "DigestFunction", monkeypatch)
    at_time(monkeypatch, RESPOND_BY + timedelta(hours=14))  # 17 Aug 07:00 WITA
    result = function.invoke({"source": "aws.scheduler"})
    assert result == {"day": "2026-08-16", "received": 0, "overdue": 1}


def test_the_digest_runs_at_seven_city_time() -> None:
    [schedule] = function_specs(load_template())["DigestFunction"].schedules
    assert schedule.expression == "cron(0 7 * * ? *)"
    props = load_template()["Resources"]["DigestFunction"]["Properties"]["Events"]["Daily"]
    assert props["Properties"]["ScheduleExpressionTimezone"] == "Asia/Makassar"
