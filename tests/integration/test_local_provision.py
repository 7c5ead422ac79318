"""The local stack's resources come from template.yaml itself: change the template, and the
provisioned resources change with it."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest

from sikemas_local.provision import NotEmulatedError, Stack, generate_secret_string, provision
from sikemas_local.template import TemplateError, function_specs, load_template, match_path

REGION = "ap-southeast-3"
STACK_NAME = "sikemas-provision-test"


@pytest.fixture
def template() -> dict[str, Any]:
    return load_template()


def _provision(template: dict[str, Any], **parameters: str) -> Stack:
    return provision(
        template, endpoint_url=None, region=REGION, stack_name=STACK_NAME, parameters=parameters
    )


def _table(template: dict[str, Any]) -> dict[str, Any]:
    table: dict[str, Any] = template["Resources"]["Table"]["Properties"]
    return table


@pytest.mark.usefixtures("aws")
def test_table_has_the_templates_keys_indexes_stream_and_ttl(template: dict[str, Any]) -> None:
    stack = _provision(template)

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = dynamodb.describe_table(TableName=stack.ref("Table"))["Table"]
    expected = _table(template)
    assert table["KeySchema"] == expected["KeySchema"]
    assert [(i["IndexName"], i["KeySchema"]) for i in table["GlobalSecondaryIndexes"]] == [
        (i["IndexName"], i["KeySchema"]) for i in expected["GlobalSecondaryIndexes"]
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert stack.get_att("Table", "StreamArn") == table["LatestStreamArn"]
    ttl = dynamodb.describe_time_to_live(TableName=stack.ref("Table"))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


@pytest.mark.usefixtures("aws")
def test_a_renamed_index_in_the_template_is_the_index_provisioned(
    template: dict[str, Any],
) -> None:
    changed = copy.deepcopy(template)
    _table(changed)["GlobalSecondaryIndexes"][0]["IndexName"] = "ByCitizen"

    stack = _provision(changed)

    table = boto3.client("dynamodb", region_name=REGION).describe_table(
        TableName=stack.ref("Table")
    )["Table"]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == [
        "ByCitizen",
        "ByStatus",
        "ByAgency",
        "ByDue",
        "ByCell",
    ]


@pytest.mark.usefixtures("aws")
def test_bucket_notifies_the_queue_for_originals_and_after_photos_only(
    template: dict[str, Any],
) -> None:
    stack = _provision(template)
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = stack.ref("PhotoQueue")
    _drain(sqs, queue_url)  # S3's s3:TestEvent, sent when notifications are configured

    bucket = stack.ref("PhotosBucket")
    s3.put_object(Bucket=bucket, Key="originals/01JD2Y6X3B6Q3W9Y5K8R7T4V2N/1", Body=b"jpeg")
    s3.put_object(Bucket=bucket, Key="public/01JD2Y6X3B6Q3W9Y5K8R7T4V2N/1.jpg", Body=b"jpeg")
    s3.put_object(Bucket=bucket, Key="after/01JD2Y6X3B6Q3W9Y5K8R7T4V2N/1", Body=b"jpeg")

    keys = [
        # S3 sends keys URL-encoded: decode them as handlers must.
        unquote_plus(record["s3"]["object"]["key"])
        for message in _drain(sqs, queue_url)
        for record in json.loads(message["Body"]).get("Records", [])
    ]
    assert keys == [
        "originals/01JD2Y6X3B6Q3W9Y5K8R7T4V2N/1",
        "after/01JD2Y6X3B6Q3W9Y5K8R7T4V2N/1",
    ]


@pytest.mark.usefixtures("aws")
def test_queue_redrives_to_the_dead_letter_queue_from_the_template(
    template: dict[str, Any],
) -> None:
    stack = _provision(template)

    attributes = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=stack.ref("PhotoQueue"), AttributeNames=["All"]
    )["Attributes"]

    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": stack.get_att("PhotoDeadLetterQueue", "Arn"),
        "maxReceiveCount": 5,
    }
    assert attributes["VisibilityTimeout"] == "360"


@pytest.mark.usefixtures("aws")
def test_function_environment_resolves_refs_parameters_and_globals(
    template: dict[str, Any],
) -> None:
    stack = _provision(template, DailyReportLimit="3")

    environment = stack.function_environment("ApiFunction")

    assert environment["TABLE_NAME"] == stack.ref("Table")
    assert environment["PHOTOS_BUCKET"] == f"{STACK_NAME}-photos-123456789012"
    assert environment["CITY"] == "kotamobagu"
    assert environment["DAILY_REPORT_LIMIT"] == "3"
    assert environment["PUBLIC_BASE_URL"].startswith("https://")  # a function's own variable
    assert "PUBLIC_BASE_URL" not in stack.function_environment("PhotoCheckFunction")


@pytest.mark.usefixtures("aws")
def test_secret_user_pool_and_client_exist(template: dict[str, Any]) -> None:
    stack = _provision(template)

    secret = boto3.client("secretsmanager", region_name=REGION).get_secret_value(
        SecretId=stack.ref("AgencyLinkSecret")
    )["SecretString"]
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = cognito.describe_user_pool(UserPoolId=stack.ref("UserPool"))["UserPool"]
    client = cognito.describe_user_pool_client(
        UserPoolId=stack.ref("UserPool"), ClientId=stack.ref("UserPoolClient")
    )["UserPoolClient"]

    assert len(secret) == 64
    assert secret.isalnum()
    assert pool["UsernameAttributes"] == ["phone_number"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@pytest.mark.usefixtures("aws")
def test_an_unknown_resource_type_raises(template: dict[str, Any]) -> None:
    changed = copy.deepcopy(template)
    changed["Resources"]["Mystery"] = {"Type": "AWS::Kinesis::Stream", "Properties": {}}

    with pytest.raises(NotEmulatedError, match="AWS::Kinesis::Stream"):
        _provision(changed)


@pytest.mark.usefixtures("aws")
def test_a_parameter_outside_its_allowed_values_raises(template: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match="Stage"):
        _provision(template, Stage="staging")


def test_short_form_tags_load_as_long_form(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["PhotosBucket"]["Properties"]
    queue = template["Resources"]["PhotoQueue"]["Properties"]

    assert bucket["BucketName"] == {"Fn::Sub": "${AWS::StackName}-photos-${AWS::AccountId}"}
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["PhotoDeadLetterQueue", "Arn"]
    }


def test_function_specs_read_routes_auth_and_sqs_sources(template: dict[str, Any]) -> None:
    specs = function_specs(template)

    routes = {route.route_key: route.auth_required for route in specs["ApiFunction"].http_routes}
    assert routes["GET /v1/health"] is False
    assert routes["GET /v1/reports/{report_id}"] is False
    assert routes["POST /v1/reports"] is True
    assert routes["GET /v1/me/reports/{report_id}"] is True
    sources = specs["PhotoCheckFunction"].sqs_sources
    assert [(s.queue, s.batch_size, s.report_batch_item_failures) for s in sources] == [
        ("PhotoQueue", 10, True),
        ("PhotoDeadLetterQueue", 10, True),
    ]
    assert specs["PhotoCheckFunction"].layers == [{"Ref": "SikemasLayer"}, {"Ref": "ImagingLayer"}]


def test_path_parameters_match_one_segment() -> None:
    assert match_path("/v1/reports/{id}", "/v1/reports/KTG-1") == {"id": "KTG-1"}
    assert match_path("/v1/reports/{id}", "/v1/reports/KTG-1/photos") is None
    assert match_path("/v1/reports/{id}/photos", "/v1/reports/KTG-1/photos") == {"id": "KTG-1"}


def test_generated_secret_honours_length_and_exclusions() -> None:
    value = generate_secret_string({"PasswordLength": 40, "ExcludePunctuation": True})

    assert len(value) == 40
    assert value.isalnum()


def _drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        messages += batch


@pytest.mark.usefixtures("aws")
def test_the_cdn_url_points_at_the_local_front(template: dict[str, Any]) -> None:
    from sikemas_local.runner import local_urls, point_cdns_at_front

    stack = _provision(template)
    point_cdns_at_front(stack, 3999)

    environment = local_urls(stack.function_environment("ApiFunction"), 3999)

    assert environment["PUBLIC_BASE_URL"] == "http://127.0.0.1:3999"


@pytest.mark.usefixtures("aws")
def test_an_unknown_property_raises_as_an_unknown_type_does(template: dict[str, Any]) -> None:
    changed = copy.deepcopy(template)
    _table(changed)["ContributorInsightsSpecification"] = {"Enabled": True}

    with pytest.raises(NotEmulatedError, match="ContributorInsightsSpecification"):
        _provision(changed)


@pytest.mark.usefixtures("aws")
def test_types_with_no_local_meaning_are_accepted_by_name(template: dict[str, Any]) -> None:
    changed = copy.deepcopy(template)
    resources = changed["Resources"]
    resources["Dashboard"] = {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"X": 1}}
    resources["Firewall"] = {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": "REGIONAL"}}
    resources["Logs"] = {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}}
    resources["Alarm"] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {"AlarmActions": [{"Ref": "AlertsTopic"}]},
    }

    stack = _provision(changed)

    assert stack.ref("Firewall").endswith("-Firewall")
    assert stack.get_att("Firewall", "Arn").startswith("arn:aws:wafv2:")
    assert stack.get_att("Dashboard", "DashboardArn")  # a stand-in for any attribute


@pytest.mark.usefixtures("aws")
def test_a_cognito_trigger_is_accepted_and_said_to_be_not_emulated(
    template: dict[str, Any],
) -> None:
    changed = copy.deepcopy(template)
    changed["Resources"]["UserPool"]["Properties"]["LambdaConfig"] = {
        "PreSignUp": {"Fn::Sub": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:x"}
    }
    lines: list[str] = []

    provision(changed, endpoint_url=None, region=REGION, stack_name=STACK_NAME, log=lines.append)

    said = [line for line in lines if line.startswith("[local] not emulated: UserPool.")]
    assert said == [
        "[local] not emulated: UserPool.LambdaConfig: moto never invokes Cognito triggers"
    ]


SHORT_FORMS = """
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Thing:
    Type: AWS::SQS::Queue
    Properties:
      A: !Ref Other
      B: !GetAtt Other.Arn
      C: !GetAtt [Other, Arn]
      D: !Sub "${AWS::StackName}-x"
      E: !Sub ["${X}-y", {X: !Ref Other}]
      F: !If [IsProd, !Join ["-", [a, b]], !Select [0, !Split [",", "p,q"]]]
      G: !Base64 text
      H: !FindInMap [M, K, V]
      I: !GetAZs ""
      J: !ImportValue shared
"""

LONG_FORMS = {
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    },
    "Resources": {
        "Thing": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "A": {"Ref": "Other"},
                "B": {"Fn::GetAtt": ["Other", "Arn"]},
                "C": {"Fn::GetAtt": ["Other", "Arn"]},
                "D": {"Fn::Sub": "${AWS::StackName}-x"},
                "E": {"Fn::Sub": ["${X}-y", {"X": {"Ref": "Other"}}]},
                "F": {
                    "Fn::If": [
                        "IsProd",
                        {"Fn::Join": ["-", ["a", "b"]]},
                        {"Fn::Select": [0, {"Fn::Split": [",", "p,q"]}]},
                    ]
                },
                "G": {"Fn::Base64": "text"},
                "H": {"Fn::FindInMap": ["M", "K", "V"]},
                "I": {"Fn::GetAZs": ""},
                "J": {"Fn::ImportValue": "shared"},
            },
        }
    },
}


def test_cfn_lints_decoder_reads_every_short_form_as_its_long_form(tmp_path: Any) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(SHORT_FORMS)

    assert load_template(path) == LONG_FORMS


def test_the_template_is_plain_json_values() -> None:
    template = load_template()

    assert json.loads(json.dumps(template)) == template
    assert type(template["Resources"]["Table"]["Properties"]) is dict
