"""The admin function as the template declares it: no route, least privilege, and every
invocation on record in CloudTrail unless the operator turns the trail off."""

from __future__ import annotations

from typing import Any

import pytest

from sikemas_local.intrinsics import Stack, parameter_values
from sikemas_local.resources import NOT_EMULATED
from sikemas_local.template import load_template


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    policies = template["Resources"]["AdminFunction"]["Properties"]["Policies"]
    return [s for policy in policies for s in policy["Statement"]]


def test_the_admin_function_has_no_route_and_no_trigger(template):
    function = template["Resources"]["AdminFunction"]
    assert function["Type"] == "AWS::Serverless::Function"
    assert "Events" not in function["Properties"]
    assert function["Properties"]["CodeUri"] == "functions/admin"


def test_the_admin_function_never_scans_and_names_every_resource(template):
    for statement in _statements(template):
        assert statement["Effect"] == "Allow"
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert not any("*" in action for action in actions), statement
        assert "dynamodb:Scan" not in actions
        assert "dynamodb:DeleteItem" not in actions
        assert statement["Resource"] != "*"


def test_the_trail_records_only_the_admin_functions_invocations(template):
    trail = template["Resources"]["AdminAuditTrail"]
    assert trail["Type"] == "AWS::CloudTrail::Trail"
    assert trail["Condition"] == "HasAdminAuditTrail"
    props = trail["Properties"]
    assert props["S3BucketName"] == {"Ref": "LogBucket"}
    assert props["IsLogging"] is True
    (selector,) = props["AdvancedEventSelectors"]
    fields = {f["Field"]: f["Equals"] for f in selector["FieldSelectors"]}
    assert fields == {
        "eventCategory": ["Data"],
        "resources.type": ["AWS::Lambda::Function"],
        "resources.ARN": [{"Fn::GetAtt": ["AdminFunction", "Arn"]}],
    }


def test_the_log_bucket_admits_only_this_stacks_trail(template):
    statements = template["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    trail = [s for s in statements if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}]
    assert {s["Action"] for s in trail} == {"s3:GetBucketAcl", "s3:PutObject"}
    for statement in trail:
        source = statement["Condition"]["StringEquals"]["aws:SourceArn"]["Fn::Sub"]
        assert source.endswith(":trail/${AWS::StackName}-admin-actions")
    (write,) = [s for s in trail if s["Action"] == "s3:PutObject"]
    assert write["Resource"] == {
        "Fn::Sub": "${LogBucket.Arn}/cloudtrail/AWSLogs/${AWS::AccountId}/*"
    }
    assert template["Resources"]["AdminAuditTrail"]["Properties"]["S3KeyPrefix"] == "cloudtrail"


@pytest.mark.parametrize(("value", "created"), [("true", True), ("false", False)])
def test_the_trail_can_be_turned_off_for_cost(template, value, created):
    stack = Stack(
        template=template,
        region="ap-southeast-3",
        stack_name="sikemas-test",
        parameters=parameter_values(template, {"AdminAudit": value}),
    )
    assert template["Parameters"]["AdminAudit"]["Default"] == "true"
    assert stack.condition("HasAdminAuditTrail") is created


def test_the_local_stack_knows_why_it_has_no_trail():
    assert "CloudTrail" in NOT_EMULATED["AWS::CloudTrail::Trail"]
