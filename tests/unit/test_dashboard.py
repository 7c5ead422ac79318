"""The admin's console: the dashboard and the alarms name only metrics the code emits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sikemas.observability import EMITTED, NAMESPACE
from sikemas_local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
CODE = [*ROOT.glob("functions/*/app.py"), *ROOT.glob("layers/sikemas/sikemas/**/*.py")]
CALL = re.compile(r"(?:add_metric|single_metric)\(\s*name=(\"\w+\"|\w+)")
SEARCH_NAME = re.compile(r'MetricName="(\w+)"')


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _dashboard(template: dict[str, Any]) -> dict[str, Any]:
    props = template["Resources"]["Dashboard"]["Properties"]
    body = props["DashboardBody"]["Fn::Sub"]
    assert isinstance(body, str)
    # ${...} substitutions sit inside JSON strings: the body parses as it is written.
    return dict(json.loads(body))


def _dashboard_metrics(body: dict[str, Any]) -> set[tuple[str, str]]:
    """(namespace, metric name) for every metric a widget draws, SEARCH expressions included."""
    named: set[tuple[str, str]] = set()
    for widget in body["widgets"]:
        for row in widget["properties"]["metrics"]:
            if isinstance(row[0], dict):
                expression = row[0]["expression"]
                namespace = re.search(r'Namespace="([\w/]+)"', expression)
                assert namespace, expression
                names = SEARCH_NAME.findall(expression)
                assert names, expression
                named |= {(namespace.group(1), n) for n in names}
            else:
                named.add((row[0], row[1]))
    return named


def _emitted_in_code() -> set[str]:
    """Literal metric names in add_metric/single_metric calls, and the watcher's table."""
    names: set[str] = set()
    for path in CODE:
        text = path.read_text(encoding="utf-8")
        for arg in CALL.findall(text):
            if arg.startswith('"'):
                names.add(arg.strip('"'))
        if "capture_cold_start_metric=True" in text:
            names.add("ColdStart")
        names |= set(re.findall(r'\("(\w+)", summary\.\w+\)', text))
    return names


def test_the_registry_is_what_the_code_emits() -> None:
    assert _emitted_in_code() == set(EMITTED)


def test_every_dashboard_metric_of_the_namespace_is_emitted(template: dict[str, Any]) -> None:
    named = _dashboard_metrics(_dashboard(template))
    ours = {name for namespace, name in named if namespace == NAMESPACE}
    assert ours, "the dashboard shows no business metric"
    assert ours <= set(EMITTED), ours - set(EMITTED)
    # everything else is a platform namespace, never a misspelt one of ours
    assert {ns for ns, _ in named} <= {NAMESPACE, "AWS/ApiGateway", "AWS/Lambda"}


def test_the_dashboard_covers_the_console(template: dict[str, Any]) -> None:
    named = _dashboard_metrics(_dashboard(template))
    for metric in (
        (NAMESPACE, "ReportCreated"),
        (NAMESPACE, "PhotoChecked"),
        (NAMESPACE, "AgencyAction"),
        (NAMESPACE, "ReportRouted"),
        (NAMESPACE, "Escalated"),
        (NAMESPACE, "NotificationFailed"),
        ("AWS/ApiGateway", "5xx"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
    ):
        assert metric in named
    functions = {
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"
    }
    for lambda_metric in ("Errors", "Throttles"):
        drawn = {
            row[3]
            for widget in _dashboard(template)["widgets"]
            for row in widget["properties"]["metrics"]
            if isinstance(row[0], str) and row[:3] == ["AWS/Lambda", lambda_metric, "FunctionName"]
        }
        assert drawn == {f"${{{f}}}" for f in functions}


def test_dimensions_are_bounded_by_the_registry(template: dict[str, Any]) -> None:
    body = json.dumps(_dashboard(template))
    for name, dimensions in EMITTED.items():
        for expression in re.findall(rf"MetricName=\\\"{name}\\\"[^']*", body):
            used = set(re.findall(r"(\w+)=", expression)) - {"MetricName", "Namespace"}
            assert used <= set(dimensions), (name, used)


def test_every_alarm_of_the_namespace_names_an_emitted_metric(template: dict[str, Any]) -> None:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        metrics = [props] + [
            m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m
        ]
        for metric in metrics:
            if metric.get("Namespace") == NAMESPACE:
                assert metric["MetricName"] in EMITTED, logical_id


def test_routed_per_agency_is_drawn_by_its_agency_dimension(template: dict[str, Any]) -> None:
    (widget,) = [
        w
        for w in _dashboard(template)["widgets"]
        if "Routed per agency" in w["properties"]["title"]
    ]
    expressions = [row[0]["expression"] for row in widget["properties"]["metrics"]]
    assert any(
        'MetricName="ReportRouted"' in e and e.split("'")[1].endswith(" agency")
        for e in expressions
    ), expressions
    assert EMITTED["ReportRouted"] == ("agency",)
