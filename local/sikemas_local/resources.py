"""The resource creators of the local stack: each resource type the template uses is created
in moto with boto3 from the template's own (resolved) properties, or listed in `NOT_EMULATED`
with the reason it has no local counterpart. Each creator declares the properties it honours;
a property it does not know fails loudly, as an unknown type does, so the template cannot say
something the local stack silently ignores.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sikemas_local.intrinsics import Stack, as_string
from sikemas_local.template import TemplateError

NOT_EMULATED: dict[str, str] = {
    "AWS::Serverless::Function": "run in-process by the local runner",
    "AWS::Serverless::LayerVersion": "the runner imports the layer's package from the repo",
    "AWS::Serverless::HttpApi": "served by the local HTTP front (routes, JWT authorizer)",
    "AWS::IAM::Role": "no IAM enforcement locally",
    "AWS::IAM::Policy": "no IAM enforcement locally",
    "AWS::IAM::ManagedPolicy": "no IAM enforcement locally",
    "AWS::Lambda::Permission": "no IAM enforcement locally",
    "AWS::SQS::QueuePolicy": "no IAM enforcement locally",
    "AWS::S3::BucketPolicy": "no IAM enforcement locally",
    "AWS::SNS::TopicPolicy": "no IAM enforcement locally",
    "AWS::Logs::LogGroup": "functions log to the runner's stdout",
    "AWS::Logs::MetricFilter": "no CloudWatch Logs locally",
    "AWS::Logs::SubscriptionFilter": "no CloudWatch Logs locally",
    "AWS::CloudWatch::Alarm": "no metrics locally",
    "AWS::CloudWatch::CompositeAlarm": "no metrics locally",
    "AWS::CloudWatch::Dashboard": "no metrics locally",
    "AWS::WAFv2::WebACL": "no WAF in front of the local HTTP front",
    "AWS::WAFv2::WebACLAssociation": "no WAF in front of the local HTTP front",
    "AWS::WAFv2::IPSet": "no WAF in front of the local HTTP front",
    "AWS::WAFv2::RuleGroup": "no WAF in front of the local HTTP front",
    "AWS::Budgets::Budget": "no billing locally",
    "AWS::SNS::Subscription": "every SNS message is printed by the runner instead",
    "AWS::CloudFront::Distribution": "the local front serves /public/ from the bucket",
    "AWS::CloudFront::OriginAccessControl": "no IAM enforcement locally",
    "AWS::CloudTrail::Trail": (
        "no CloudTrail locally: moto records no data events; the admin's name from the event is "
        "on the timeline and in the function's log"
    ),
}


class NotEmulatedError(TemplateError):
    """A resource type the local stack neither creates nor knowingly skips."""


def _physical_name(stack: Stack, logical_id: str) -> str:
    return f"{stack.stack_name}-{logical_id}"


Client = Callable[[str], Any]


_TABLE_SHAPE = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


def table_shape(template: dict[str, Any], logical_id: str = "Table") -> dict[str, Any]:
    """The keys and indexes of the template's on-demand table, as ``CreateTable`` takes them:
    for tests and benches that need fresh tables of the same shape under other names (no
    stream, no TTL: nothing reads them there)."""
    props = template["Resources"][logical_id]["Properties"]
    return {key: props[key] for key in _TABLE_SHAPE if key in props}


def _create_table(stack: Stack, client: Client, logical_id: str, props: dict[str, Any]) -> None:
    dynamodb = client("dynamodb")
    name = props.get("TableName") or _physical_name(stack, logical_id)
    billing = props.get("BillingMode", "PROVISIONED")
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = props.get("ProvisionedThroughput", throughput)
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            indexes = [dict(index) for index in props[key]]
            if billing == "PROVISIONED" and key == "GlobalSecondaryIndexes":
                for index in indexes:
                    index.setdefault("ProvisionedThroughput", throughput)
            request[key] = indexes
    stream = props.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    if props.get("SSESpecification"):
        request["SSESpecification"] = {"Enabled": bool(props["SSESpecification"]["SSEEnabled"])}
    if "DeletionProtectionEnabled" in props:
        request["DeletionProtectionEnabled"] = bool(props["DeletionProtectionEnabled"])
    table = dynamodb.create_table(**request)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr and pitr.get("PointInTimeRecoveryEnabled"):
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    stack.refs[logical_id] = name
    stack.attributes[logical_id] = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        stack.attributes[logical_id]["StreamArn"] = table["LatestStreamArn"]


_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
)


def _create_queue(stack: Stack, client: Client, logical_id: str, props: dict[str, Any]) -> None:
    sqs = client("sqs")
    name = props.get("QueueName") or _physical_name(stack, logical_id)
    if props.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: as_string(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            attributes[key] = json.dumps(props[key])
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    stack.refs[logical_id] = url
    stack.attributes[logical_id] = {"Arn": arn, "QueueName": name, "QueueUrl": url}


_TOPIC_ATTRIBUTES = ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")


def _create_topic(stack: Stack, client: Client, logical_id: str, props: dict[str, Any]) -> None:
    sns = client("sns")
    name = props.get("TopicName") or _physical_name(stack, logical_id)
    attributes = {key: as_string(props[key]) for key in _TOPIC_ATTRIBUTES if key in props}
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    stack.refs[logical_id] = arn
    stack.attributes[logical_id] = {"TopicArn": arn, "TopicName": name}


def _create_bucket(stack: Stack, client: Client, logical_id: str, props: dict[str, Any]) -> None:
    s3 = client("s3")
    name = props.get("BucketName") or _physical_name(stack, logical_id).lower()
    request: dict[str, Any] = {"Bucket": name}
    if stack.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": stack.region}
    s3.create_bucket(**request)
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    encryption = props.get("BucketEncryption")
    if encryption:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    _encryption_rule(rule)
                    for rule in encryption["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    versioning = props.get("VersioningConfiguration")
    if versioning:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
        )
    lifecycle = props.get("LifecycleConfiguration")
    if lifecycle:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in lifecycle["Rules"]]},
        )
    cors = props.get("CorsConfiguration")
    if cors:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": cors["CorsRules"]})
    notifications = props.get("NotificationConfiguration")
    if notifications:
        s3.put_bucket_notification_configuration(
            Bucket=name,
            NotificationConfiguration=_notification_configuration(logical_id, notifications),
            SkipDestinationValidation=True,
        )
    stack.refs[logical_id] = name
    stack.attributes[logical_id] = {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{stack.region}.amazonaws.com",
    }


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's encryption rule shape to the S3 API's."""
    converted: dict[str, Any] = {}
    if "ServerSideEncryptionByDefault" in rule:
        converted["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
    if "BucketKeyEnabled" in rule:
        converted["BucketKeyEnabled"] = _as_bool(rule["BucketKeyEnabled"])
    return converted


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape to the S3 API's."""
    converted: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    converted["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "Transitions" in rule:
        converted["Transitions"] = [
            {"Days": int(item["TransitionInDays"]), "StorageClass": item["StorageClass"]}
            for item in rule["Transitions"]
        ]
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        days = int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return converted


def _notification_configuration(logical_id: str, config: dict[str, Any]) -> dict[str, Any]:
    if config.get("LambdaConfigurations"):
        raise NotEmulatedError(
            f"{logical_id}: S3 -> Lambda notifications are never delivered locally; "
            "use S3 -> SQS (as the template does for photos)"
        )
    converted: dict[str, Any] = {}
    for source, target, arn_key, cfn_key in (
        ("QueueConfigurations", "QueueConfigurations", "QueueArn", "Queue"),
        ("TopicConfigurations", "TopicConfigurations", "TopicArn", "Topic"),
    ):
        items = []
        for item in config.get(source, []):
            entry: dict[str, Any] = {arn_key: item[cfn_key], "Events": [item["Event"]]}
            rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                entry["Filter"] = {"Key": {"FilterRules": rules}}
            items.append(entry)
        if items:
            converted[target] = items
    return converted


def _create_secret(stack: Stack, client: Client, logical_id: str, props: dict[str, Any]) -> None:
    secretsmanager = client("secretsmanager")
    name = props.get("Name") or _physical_name(stack, logical_id)
    request: dict[str, Any] = {"Name": name}
    if "Description" in props:
        request["Description"] = props["Description"]
    if "SecretString" in props:
        request["SecretString"] = props["SecretString"]
    elif "GenerateSecretString" in props:
        request["SecretString"] = generate_secret_string(props["GenerateSecretString"])
    arn = secretsmanager.create_secret(**request)["ARN"]
    stack.refs[logical_id] = arn
    stack.attributes[logical_id] = {"Id": arn}


def generate_secret_string(spec: dict[str, Any]) -> str:
    """What Secrets Manager's GenerateSecretString makes, generated here with `secrets`."""
    alphabet = ""
    if not spec.get("ExcludeLowercase"):
        alphabet += string.ascii_lowercase
    if not spec.get("ExcludeUppercase"):
        alphabet += string.ascii_uppercase
    if not spec.get("ExcludeNumbers"):
        alphabet += string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    if spec.get("IncludeSpace"):
        alphabet += " "
    excluded = set(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(char for char in alphabet if char not in excluded)
    length = int(spec.get("PasswordLength", 32))
    value = "".join(secrets.choice(alphabet) for _ in range(length))
    if "GenerateStringKey" in spec:
        document = json.loads(spec.get("SecretStringTemplate", "{}"))
        document[spec["GenerateStringKey"]] = value
        return json.dumps(document)
    return value


_USER_POOL_PROPERTIES = (
    "UsernameAttributes",
    "AliasAttributes",
    "AutoVerifiedAttributes",
    "Schema",
    "Policies",
    "MfaConfiguration",
    "AccountRecoverySetting",
    "AdminCreateUserConfig",
    "SmsConfiguration",
    "DeletionProtection",
    "UserPoolTier",
    "UsernameConfiguration",
    "VerificationMessageTemplate",
)


def _create_user_pool(stack: Stack, client: Client, logical_id: str, props: dict[str, Any]) -> None:
    cognito = client("cognito-idp")
    request = {key: props[key] for key in _USER_POOL_PROPERTIES if key in props}
    for attribute in request.get("Schema", []):
        for flag in ("Required", "Mutable", "DeveloperOnlyAttribute"):
            if flag in attribute:
                attribute[flag] = _as_bool(attribute[flag])
    request["PoolName"] = props.get("UserPoolName") or _physical_name(stack, logical_id)
    pool = cognito.create_user_pool(**request)["UserPool"]
    stack.refs[logical_id] = pool["Id"]
    stack.attributes[logical_id] = {
        "Arn": pool["Arn"],
        "ProviderName": f"cognito-idp.{stack.region}.amazonaws.com/{pool['Id']}",
        "ProviderURL": f"https://cognito-idp.{stack.region}.amazonaws.com/{pool['Id']}",
        "UserPoolId": pool["Id"],
    }


_CLIENT_PROPERTIES = (
    "GenerateSecret",
    "ExplicitAuthFlows",
    "IdTokenValidity",
    "AccessTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "ReadAttributes",
    "WriteAttributes",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "CallbackURLs",
    "LogoutURLs",
    "SupportedIdentityProviders",
)


def _create_user_pool_client(
    stack: Stack, client: Client, logical_id: str, props: dict[str, Any]
) -> None:
    cognito = client("cognito-idp")
    request = {key: props[key] for key in _CLIENT_PROPERTIES if key in props}
    for flag in ("GenerateSecret", "EnableTokenRevocation"):
        if flag in request:
            request[flag] = _as_bool(request[flag])
    for number in ("IdTokenValidity", "AccessTokenValidity", "RefreshTokenValidity"):
        if number in request:
            request[number] = int(request[number])
    request["UserPoolId"] = props["UserPoolId"]
    request["ClientName"] = props.get("ClientName") or _physical_name(stack, logical_id)
    created = cognito.create_user_pool_client(**request)["UserPoolClient"]
    stack.refs[logical_id] = created["ClientId"]
    stack.attributes[logical_id] = {"ClientId": created["ClientId"]}
    if created.get("ClientSecret"):
        stack.attributes[logical_id]["ClientSecret"] = created["ClientSecret"]


def _as_bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


Creator = Callable[[Stack, Client, str, dict[str, Any]], None]


@dataclass(frozen=True)
class ResourceType:
    """How one resource type is made locally, and which of its properties that honours."""

    create: Creator
    properties: frozenset[str]


# Properties with no local effect, accepted on every created type, each with the reason.
IGNORED_PROPERTIES: dict[str, str] = {
    "Tags": "tags change no behaviour locally",
}
# Properties accepted on one type although nothing local acts on them, with the reason.
IGNORED_TYPE_PROPERTIES: dict[tuple[str, str], str] = {
    ("AWS::Cognito::UserPool", "LambdaConfig"): "moto never invokes Cognito triggers",
    ("AWS::S3::Bucket", "LoggingConfiguration"): (
        "access logs are for the deployed CDN and bucket; moto would refuse a log bucket that "
        "grants delivery by policy rather than ACL"
    ),
}

CREATORS: dict[str, ResourceType] = {
    "AWS::DynamoDB::Table": ResourceType(
        _create_table,
        frozenset(
            {
                "TableName",
                "AttributeDefinitions",
                "KeySchema",
                "BillingMode",
                "ProvisionedThroughput",
                "GlobalSecondaryIndexes",
                "LocalSecondaryIndexes",
                "StreamSpecification",
                "SSESpecification",
                "DeletionProtectionEnabled",
                "TimeToLiveSpecification",
                "PointInTimeRecoverySpecification",
            }
        ),
    ),
    "AWS::SQS::Queue": ResourceType(
        _create_queue,
        frozenset({"QueueName", "RedrivePolicy", "RedriveAllowPolicy", *_QUEUE_ATTRIBUTES}),
    ),
    "AWS::SNS::Topic": ResourceType(
        _create_topic,
        frozenset({"TopicName", *_TOPIC_ATTRIBUTES}),
    ),
    "AWS::S3::Bucket": ResourceType(
        _create_bucket,
        frozenset(
            {
                "BucketName",
                "PublicAccessBlockConfiguration",
                "OwnershipControls",
                "BucketEncryption",
                "VersioningConfiguration",
                "LifecycleConfiguration",
                "CorsConfiguration",
                "NotificationConfiguration",
            }
        ),
    ),
    "AWS::SecretsManager::Secret": ResourceType(
        _create_secret,
        frozenset({"Name", "Description", "SecretString", "GenerateSecretString"}),
    ),
    "AWS::Cognito::UserPool": ResourceType(
        _create_user_pool, frozenset({"UserPoolName", *_USER_POOL_PROPERTIES})
    ),
    "AWS::Cognito::UserPoolClient": ResourceType(
        _create_user_pool_client,
        frozenset({"UserPoolId", "ClientName", *_CLIENT_PROPERTIES}),
    ),
}


def unknown_properties(kind: str, properties: dict[str, Any]) -> list[str]:
    """Properties of a created type that the local stack neither honours nor knowingly
    ignores."""
    known = CREATORS[kind].properties
    return sorted(
        name
        for name in properties
        if name not in known
        and name not in IGNORED_PROPERTIES
        and (kind, name) not in IGNORED_TYPE_PROPERTIES
    )
