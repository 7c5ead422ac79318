"""What an admin can see in the console, and the SMS guard, as the template declares them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sikemas_local.intrinsics import Stack, parameter_values
from sikemas_local.template import load_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id].get("Properties", {})


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in _resources(template, "AWS::CloudWatch::Alarm").items()}


def _stack(template: dict[str, Any], region: str, **parameters: str) -> Stack:
    return Stack(
        template=template,
        region=region,
        stack_name="sikemas-test",
        parameters=parameter_values(template, parameters),
    )


# -- alarms -----------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_errors_and_a_throttles_alarm(
    template: dict[str, Any], metric: str
) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    assert {"ApiFunction", "PhotoCheckFunction", "PreSignUpFunction"} <= set(functions)
    watched = {
        alarm["Dimensions"][0]["Value"]["Ref"]
        for alarm in _alarms(template).values()
        if alarm.get("Namespace") == "AWS/Lambda"
        and alarm.get("MetricName") == metric
        and alarm["Dimensions"][0]["Name"] == "FunctionName"
    }
    assert watched == set(functions)


def test_every_alarm_tells_the_alerts_topic(template: dict[str, Any]) -> None:
    alarms = _alarms(template)
    assert len(alarms) >= 9
    for name, alarm in alarms.items():
        assert {"Ref": "AlertsTopic"} in alarm["AlarmActions"], name


def test_thresholds_are_parameters(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    for name, alarm in _alarms(template).items():
        if name in ("PhotoDeadLetterAlarm", "NotifierFailureAlarm"):
            # Any message in the dead-letter queue is a photo nobody checked, in the notifier's
            # failure queue a message nobody sent: not a tunable.
            assert alarm["Threshold"] == 0
            continue
        threshold = alarm["Threshold"]
        assert isinstance(threshold, dict), f"{name}: threshold {threshold} is not a parameter"
        assert parameters[threshold["Ref"]]["Type"] == "Number", name


def test_the_apis_5xx_rate_is_alarmed_as_a_share_of_its_requests(template: dict[str, Any]) -> None:
    alarm = _alarms(template)["Api5xxRateAlarm"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    errors = metrics["errors"]["MetricStat"]["Metric"]
    requests = metrics["requests"]["MetricStat"]["Metric"]
    assert (errors["Namespace"], errors["MetricName"]) == ("AWS/ApiGateway", "5xx")
    assert (requests["Namespace"], requests["MetricName"]) == ("AWS/ApiGateway", "Count")
    for metric in (errors, requests):
        assert metric["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "Api"}}]
    returned = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    assert len(returned) == 1
    assert re.sub(r"\s", "", returned[0]["Expression"]) == ("IF(requests>0,100*errors/requests,0)")
    assert alarm["Threshold"] == {"Ref": "AlarmApi5xxPercent"}


def test_the_photo_queues_oldest_message_and_dead_letters_are_alarmed(
    template: dict[str, Any],
) -> None:
    alarms = _alarms(template)
    by_metric = {
        (a.get("MetricName"), a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]): name
        for name, a in alarms.items()
        if a.get("Namespace") == "AWS/SQS"
    }
    assert ("ApproximateAgeOfOldestMessage", "PhotoQueue") in by_metric
    assert ("ApproximateNumberOfMessagesVisible", "PhotoDeadLetterQueue") in by_metric
    age = alarms[by_metric[("ApproximateAgeOfOldestMessage", "PhotoQueue")]]
    assert age["Statistic"] == "Maximum"
    assert age["Threshold"] == {"Ref": "AlarmPhotoQueueAgeSeconds"}


def test_the_photo_queue_cannot_take_all_the_concurrency(template: dict[str, Any]) -> None:
    event = _props(template, "PhotoCheckFunction")["Events"]["PhotoUploaded"]["Properties"]
    assert event["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "PhotoMaxConcurrency"}
    parameter = template["Parameters"]["PhotoMaxConcurrency"]
    # Lambda's SQS event sources accept 2 to 1000.
    assert parameter["MinValue"] >= 2
    assert parameter["MaxValue"] <= 1000


# -- logs -------------------------------------------------------------------------------------


def test_every_function_logs_to_a_log_group_with_retention(template: dict[str, Any]) -> None:
    for name, function in _resources(template, "AWS::Serverless::Function").items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert template["Resources"][group]["Type"] == "AWS::Logs::LogGroup", name
        assert _props(template, group)["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def _access_log_format(template: dict[str, Any]) -> str:
    return str(_props(template, "Api")["AccessLogSettings"]["Format"])


def test_api_access_logs_go_to_a_log_group_with_retention(template: dict[str, Any]) -> None:
    settings = _props(template, "Api")["AccessLogSettings"]
    group = settings["DestinationArn"]["Fn::GetAtt"]
    assert group == ["ApiAccessLogGroup", "Arn"]
    assert _props(template, "ApiAccessLogGroup")["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_api_access_logs_are_one_json_object_with_what_an_operator_needs(
    template: dict[str, Any],
) -> None:
    line = re.sub(r"\$context\.[A-Za-z.]+", "x", _access_log_format(template))
    fields = json.loads(line)  # valid JSON once API Gateway fills in the variables
    assert fields
    variables = set(re.findall(r"\$context\.[A-Za-z.]+", _access_log_format(template)))
    assert {
        "$context.requestId",
        "$context.routeKey",
        "$context.status",
        "$context.responseLatency",
        "$context.integrationErrorMessage",
    } <= variables


def test_api_access_logs_never_carry_the_authorization_header(template: dict[str, Any]) -> None:
    text = _access_log_format(template).lower()
    assert "header" not in text
    assert "authorization" not in text
    assert "$request" not in text


def test_photo_and_cdn_access_logs_go_to_a_log_bucket_that_expires_them(
    template: dict[str, Any],
) -> None:
    logging = _props(template, "PhotosBucket")["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": "LogBucket"}
    rules = _props(template, "LogBucket")["LifecycleConfiguration"]["Rules"]
    assert {"Ref": "AccessLogRetentionDays"} in [r.get("ExpirationInDays") for r in rules]
    assert _props(template, "LogBucket")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    cdn = _props(template, "PhotosDistribution")["DistributionConfig"]["Logging"]["Fn::If"]
    assert cdn[0] == "CdnLegacyLogs"
    assert cdn[1]["Bucket"] == {"Fn::GetAtt": ["LogBucket", "DomainName"]}


@pytest.mark.parametrize(
    ("region", "legacy"),
    [("ap-southeast-3", False), ("ap-southeast-1", True), ("us-east-1", True)],
)
def test_cdn_legacy_logs_are_configured_only_where_cloudfront_delivers_them(
    template: dict[str, Any], region: str, legacy: bool
) -> None:
    assert _stack(template, region).condition("CdnLegacyLogs") is legacy


def test_the_log_bucket_admits_s3_logs_only_from_the_photos_bucket(
    template: dict[str, Any],
) -> None:
    stack = _stack(template, "ap-southeast-3")
    stack.attributes["LogBucket"] = {"Arn": "arn:aws:s3:::logs"}
    policy = stack.resolve(_props(template, "LogBucketPolicy")["PolicyDocument"])
    (s3_logs,) = [s for s in policy["Statement"] if s["Sid"] == "S3ServerAccessLogs"]
    photos = stack.resolve(_props(template, "PhotosBucket")["BucketName"])
    assert s3_logs["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:s3:::{photos}"
    assert s3_logs["Resource"].startswith("arn:aws:s3:::logs/")


# -- SMS pumping ------------------------------------------------------------------------------


def test_the_user_pool_runs_the_pre_sign_up_trigger(template: dict[str, Any]) -> None:
    trigger = _props(template, "UserPool")["LambdaConfig"]["PreSignUp"]
    assert trigger == {"Fn::GetAtt": ["PreSignUpFunction", "Arn"]}
    permissions = [
        p["Properties"] for p in _resources(template, "AWS::Lambda::Permission").values()
    ]
    assert {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": ["PreSignUpFunction", "Arn"]},
        "Principal": "cognito-idp.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]},
        "SourceAccount": {"Ref": "AWS::AccountId"},
    } in permissions
    function = _props(template, "PreSignUpFunction")
    assert function["CodeUri"] == "functions/presignup"
    assert int(function["Timeout"]) < 5  # Cognito gives a trigger 5 seconds


def test_the_sign_up_waf_is_off_by_default_and_rate_limits_per_ip(template: dict[str, Any]) -> None:
    assert template["Parameters"]["SignUpWaf"]["Default"] == "false"
    assert _stack(template, "ap-southeast-3").condition("HasSignUpWaf") is False
    assert _stack(template, "ap-southeast-3", SignUpWaf="true").condition("HasSignUpWaf")
    resources = template["Resources"]
    assert resources["SignUpWebAcl"]["Condition"] == "HasSignUpWaf"
    assert resources["SignUpWebAclAssociation"]["Condition"] == "HasSignUpWaf"
    association = _props(template, "SignUpWebAclAssociation")
    assert association["ResourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    (rule,) = _props(template, "SignUpWebAcl")["Rules"]
    assert rule["Action"] == {"Block": {}}
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "SignUpRateLimitPerIp"}


# -- checkov exceptions -----------------------------------------------------------------------


def _skips(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = []
    for name, resource in template["Resources"].items():
        checkov = (resource.get("Metadata") or {}).get("checkov") or {}
        for skip in checkov.get("skip", []):
            found.append((name, skip["id"], str(skip.get("comment", ""))))
    return found


def test_every_skipped_checkov_check_says_why(template: dict[str, Any]) -> None:
    skips = _skips(template)
    assert skips
    for name, check, comment in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", check), (name, check)
        assert len(comment.split()) >= 6, f"{name} skips {check} without a reason"


def test_every_skipped_checkov_check_is_listed_in_the_readme(template: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = {check for _, check, _ in _skips(template) if check not in readme}
    assert not missing


def test_cdn_logs_v2_land_where_the_log_bucket_admits_them(template: dict[str, Any]) -> None:
    cdn = load_template(ROOT / "ops" / "cdn-logs.yaml")
    destination = cdn["Resources"]["CdnLogDestination"]["Properties"]["DestinationResourceArn"]
    assert destination == {"Fn::Sub": "${LogBucketArn}/cdn"}
    source = cdn["Resources"]["CdnLogSource"]["Properties"]
    assert source["LogType"] == "ACCESS_LOGS"
    assert "cloudfront" in source["ResourceArn"]["Fn::Sub"]
    policy = _props(template, "LogBucketPolicy")["PolicyDocument"]["Statement"]
    (v2,) = [s for s in policy if s["Principal"] == {"Service": "delivery.logs.amazonaws.com"}]
    assert v2["Resource"] == {"Fn::Sub": "${LogBucket.Arn}/cdn/*"}
    assert v2["Action"] == "s3:PutObject"
    # The parameter the operator fills in is the output the city stack gives.
    outputs = template["Outputs"]
    assert set(cdn["Parameters"]) == {"DistributionId", "LogBucketArn"}
    assert outputs["LogBucketArn"]["Value"] == {"Fn::GetAtt": ["LogBucket", "Arn"]}
    assert outputs["PhotosDistributionId"]["Value"] == {"Ref": "PhotosDistribution"}
