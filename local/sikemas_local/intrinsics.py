"""The CloudFormation intrinsics interpreter of the local stack: parameters, conditions,
pseudo parameters, `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If` and the other functions, resolved
against what provisioning made (the `Stack`). No AWS calls here: `resources` creates things.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sikemas_local.template import TemplateError, function_specs

ACCOUNT_ID = "123456789012"  # moto's default account


class _NoValue:
    """`{"Ref": "AWS::NoValue"}`: the property is dropped."""


NO_VALUE = _NoValue()


@dataclass
class Stack:
    """Physical names, ids and attributes of the provisioned resources, per logical id."""

    template: dict[str, Any]
    region: str
    stack_name: str
    parameters: dict[str, str]
    account_id: str = ACCOUNT_ID
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    # Resources with no local counterpart: any attribute of theirs resolves to a stand-in.
    stand_ins: set[str] = field(default_factory=set)

    # -- conditions ------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        conditions: dict[str, Any] = self.template.get("Conditions", {}) or {}
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return bool(self.resolve(conditions[name]))

    def is_created(self, logical_id: str) -> bool:
        resource = self.template["Resources"][logical_id]
        return "Condition" not in resource or self.condition(resource["Condition"])

    # -- intrinsic functions ---------------------------------------------------------------
    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:"
            f"stack/{self.stack_name}/00000000-0000-0000-0000-000000000000",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }.get(name)

    def ref(self, name: str) -> str:
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise TemplateError(f"Ref {name}: not a parameter or a provisioned resource")

    def get_att(self, logical_id: str, attribute: str) -> str:
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            pass
        if logical_id in self.stand_ins and logical_id in self.refs:
            # A resource with no local counterpart: any attribute resolves, to a stand-in.
            return f"{self.refs[logical_id]}-{attribute.lower()}.local"
        raise TemplateError(f"GetAtt {logical_id}.{attribute}: not available")

    def sub(self, text: str, variables: dict[str, Any] | None = None) -> str:
        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if variables and name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                resource, _, attribute = name.partition(".")
                return self.get_att(resource, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        """Resolve intrinsic functions, recursively. `AWS::NoValue` properties are dropped."""
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return NO_VALUE if argument == "AWS::NoValue" else self.ref(argument)
            if key == "Condition":
                return self.condition(argument)
            if key.startswith("Fn::"):
                return self._function(key[4:], argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _function(self, name: str, argument: Any) -> Any:
        if name == "GetAtt":
            logical_id, attribute = (
                argument if isinstance(argument, list) else argument.split(".", 1)
            )
            return self.get_att(logical_id, self.resolve(attribute))
        if name == "Sub":
            if isinstance(argument, list):
                return self.sub(argument[0], argument[1])
            return self.sub(argument)
        if name == "If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        arguments = self.resolve(argument)
        functions: dict[str, Callable[[Any], Any]] = {
            "Equals": lambda a: a[0] == a[1] or str(a[0]) == str(a[1]),
            "Not": lambda a: not a[0],
            "And": all,
            "Or": any,
            "Join": lambda a: str(a[0]).join(str(item) for item in a[1]),
            "Select": lambda a: a[1][int(a[0])],
            "Split": lambda a: str(a[1]).split(str(a[0])),
            "GetAZs": lambda _a: [f"{self.region}{zone}" for zone in "abc"],
            "Base64": _base64,
        }
        if name not in functions:
            raise TemplateError(f"Fn::{name} is not supported locally")
        return functions[name](arguments)

    # -- what the runner needs -------------------------------------------------------------
    def function_environment(self, logical_id: str) -> dict[str, str]:
        """A function's environment variables (Globals merged), resolved to strings."""
        spec = function_specs(self.template)[logical_id]
        resolved = self.resolve(spec.environment)
        return {name: as_string(value) for name, value in resolved.items()}

    def describe(self) -> dict[str, str]:
        """Logical id -> Ref value, for operators and tests."""
        return dict(self.refs)


def as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _base64(value: Any) -> str:
    import base64

    return base64.b64encode(str(value).encode()).decode()


def parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    declared: dict[str, Any] = template.get("Parameters", {}) or {}
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"unknown parameters: {sorted(unknown)}")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in overrides:
            value = str(overrides[name])
        elif "Default" in spec:
            value = str(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default: pass a value")
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in [str(item) for item in allowed]:
            raise TemplateError(f"parameter {name}={value!r} not in {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
        values[name] = value
    return values
