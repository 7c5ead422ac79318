"""Provision the template's resources into moto: each resource, in dependency order, is
resolved by the intrinsics interpreter (`intrinsics`) and made by its creator (`resources`).

Works against a moto server (`endpoint_url`) and in-process under `moto.mock_aws`
(`endpoint_url=None`). Every resource type is either created, or listed in `NOT_EMULATED` with
the reason; a type or a property the local stack does not know raises, so the template cannot
say something the local stack silently leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3

from sikemas_local.intrinsics import ACCOUNT_ID, NO_VALUE, Stack, parameter_values
from sikemas_local.resources import (
    CREATORS,
    IGNORED_TYPE_PROPERTIES,
    NOT_EMULATED,
    NotEmulatedError,
    generate_secret_string,
    unknown_properties,
)
from sikemas_local.template import TemplateError

__all__ = [
    "ACCOUNT_ID",
    "NOT_EMULATED",
    "NO_VALUE",
    "NotEmulatedError",
    "Stack",
    "generate_secret_string",
    "provision",
]


def check_supported(template: dict[str, Any]) -> list[str]:
    """Raise on a resource type or property the local stack does not know; the notes on what
    it knowingly ignores (one line each)."""
    notes = []
    for logical_id, resource in template["Resources"].items():
        kind = resource.get("Type", "")
        if kind in NOT_EMULATED:
            continue
        if kind not in CREATORS:
            raise NotEmulatedError(
                f"{logical_id}: resource type {kind} is neither emulated nor known to be "
                "irrelevant locally: teach sikemas_local.resources about it"
            )
        properties = resource.get("Properties", {}) or {}
        unknown = unknown_properties(kind, properties)
        if unknown:
            raise NotEmulatedError(
                f"{logical_id}: {kind} properties {unknown} are not emulated locally: teach "
                "sikemas_local.resources what they mean, or why they can be ignored"
            )
        for name in properties:
            if (kind, name) in IGNORED_TYPE_PROPERTIES:
                notes.append(f"{logical_id}.{name}: {IGNORED_TYPE_PROPERTIES[(kind, name)]}")
    return notes


def provision(
    template: dict[str, Any],
    *,
    endpoint_url: str | None,
    region: str,
    stack_name: str,
    parameters: dict[str, str] | None = None,
    log: Any = None,
) -> Stack:
    """Create every resource of `template` that has a local counterpart; return the Stack."""
    notes = check_supported(template)
    for note in notes:
        (log or print)(f"[local] not emulated: {note}")
    stack = Stack(
        template=template,
        region=region,
        stack_name=stack_name,
        parameters=parameter_values(template, parameters or {}),
    )
    resources: dict[str, Any] = template["Resources"]
    for logical_id in resources:
        stack.types[logical_id] = resources[logical_id].get("Type", "")
    session = boto3.session.Session(region_name=region)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]

    for logical_id in _dependency_order(resources):
        if not stack.is_created(logical_id):
            continue
        kind = resources[logical_id]["Type"]
        if kind in NOT_EMULATED:
            _placeholder(stack, logical_id, kind)
            continue
        props = stack.resolve(resources[logical_id].get("Properties", {}) or {})
        CREATORS[kind].create(stack, client, logical_id, props)
    return stack


def adopt(stack: Stack, template: dict[str, Any]) -> Stack:
    """A stack restored from saved data, under the current template: the stateful resources
    are the saved ones (the caller checked they fit); resources with no local counterpart get
    their stand-ins afresh, so new ones (a log group, an alarm) resolve too."""
    check_supported(template)
    stack.template = template
    resources: dict[str, Any] = template["Resources"]
    for logical_id, resource in resources.items():
        stack.types[logical_id] = resource.get("Type", "")
    for logical_id in _dependency_order(resources):
        kind = resources[logical_id]["Type"]
        if kind in NOT_EMULATED and stack.is_created(logical_id):
            _placeholder(stack, logical_id, kind)
    return stack


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                yield item
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) else str(item).split(".")[0]
                yield str(target)
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                for name in re.findall(r"\$\{([^}!][^}]*)\}", str(text)):
                    yield name.split(".")[0]
                if isinstance(item, list):
                    yield from _references(item[1])
            else:
                yield from _references(item)


def _dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids, each after the resources its properties refer to (and DependsOn)."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered:
            return
        if logical_id in visiting:
            raise TemplateError(f"circular dependency through {logical_id}")
        visiting.add(logical_id)
        resource = resources[logical_id]
        depends = resource.get("DependsOn", [])
        names = [depends] if isinstance(depends, str) else list(depends)
        names += list(_references(resource.get("Properties", {})))
        for name in names:
            if name in resources and name != logical_id:
                visit(name)
        visiting.discard(logical_id)
        ordered.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return ordered


def _placeholder(stack: Stack, logical_id: str, kind: str) -> None:
    """Names and ARNs for resources that do not exist locally, so references still resolve."""
    name = f"{stack.stack_name}-{logical_id}"
    service = kind.split("::")[1].lower()
    arn = f"arn:aws:{service}:{stack.region}:{stack.account_id}:{logical_id}/{name}"
    if kind == "AWS::IAM::Role":
        arn = f"arn:aws:iam::{stack.account_id}:role/{name}"
    stack.refs[logical_id] = name
    stack.attributes[logical_id] = {"Arn": arn}
    stack.stand_ins.add(logical_id)
