"""Create the template's resources with boto3, from the template's own properties.

Works against a moto server (`endpoint_url`) and in-process under `moto.mock_aws`
(`endpoint_url=None`). Every resource type is either created here, or listed in
`NOT_EMULATED` with the reason; anything else raises, so a new resource type in the template
cannot be silently missing from the local stack.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3

from sikemas_local.template import TemplateError, function_specs

ACCOUNT_ID = "123456789012"  # moto's default account

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
    "AWS::CloudWatch::Alarm": "no metrics locally",
    "AWS::SNS::Subscription": "every SNS message is printed by the runner instead",
    "AWS::CloudFront::Distribution": "the local front serves /public/ from the bucket",
    "AWS::CloudFront::OriginAccessControl": "no IAM enforcement locally",
    "AWS::WAFv2::WebACL": "no WAF locally (the template's SignUpWaf is off by default)",
    "AWS::WAFv2::WebACLAssociation": "no WAF locally (the template's SignUpWaf is off by default)",
}


class NotEmulatedError(TemplateError):
    """A resource type the local stack neither creates nor knowingly skips."""


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
        if self.types.get(logical_id) in NOT_EMULATED and logical_id in self.refs:
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
        return {name: _as_string(value) for name, value in resolved.items()}

    def describe(self) -> dict[str, str]:
        """Logical id -> Ref value, for operators and tests."""
        return dict(self.refs)


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _base64(value: Any) -> str:
    import base64

    return base64.b64encode(str(value).encode()).decode()


# ---------------------------------------------------------------------------------------------
# Provisioning
# ---------------------------------------------------------------------------------------------
def provision(
    template: dict[str, Any],
    *,
    endpoint_url: str | None,
    region: str,
    stack_name: str,
    parameters: dict[str, str] | None = None,
) -> Stack:
    """Create every resource of `template` that has a local counterpart; return the Stack."""
    stack = Stack(
        template=template,
        region=region,
        stack_name=stack_name,
        parameters=_parameters(template, parameters or {}),
    )
    resources: dict[str, Any] = template["Resources"]
    for logical_id in resources:
        kind = resources[logical_id].get("Type", "")
        stack.types[logical_id] = kind
        if kind not in _CREATORS and kind not in NOT_EMULATED:
            raise NotEmulatedError(
                f"{logical_id}: resource type {kind} is neither emulated nor known to be "
                "irrelevant locally: teach sikemas_local.provision about it"
            )
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
        _CREATORS[kind](stack, client, logical_id, props)
    return stack


def _parameters(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
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


def _physical_name(stack: Stack, logical_id: str) -> str:
    return f"{stack.stack_name}-{logical_id}"


def _placeholder(stack: Stack, logical_id: str, kind: str) -> None:
    """Names and ARNs for resources that do not exist locally, so references still resolve."""
    name = _physical_name(stack, logical_id)
    service = kind.split("::")[1].lower()
    arn = f"arn:aws:{service}:{stack.region}:{stack.account_id}:{logical_id}/{name}"
    if kind == "AWS::IAM::Role":
        arn = f"arn:aws:iam::{stack.account_id}:role/{name}"
    stack.refs[logical_id] = name
    stack.attributes[logical_id] = {"Arn": arn}


Client = Callable[[str], Any]


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
    attributes = {key: _as_string(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            attributes[key] = json.dumps(props[key])
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    stack.refs[logical_id] = url
    stack.attributes[logical_id] = {"Arn": arn, "QueueName": name, "QueueUrl": url}


def _create_topic(stack: Stack, client: Client, logical_id: str, props: dict[str, Any]) -> None:
    sns = client("sns")
    name = props.get("TopicName") or _physical_name(stack, logical_id)
    attributes = {
        key: _as_string(props[key])
        for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")
        if key in props
    }
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


_CREATORS: dict[str, Callable[[Stack, Client, str, dict[str, Any]], None]] = {
    "AWS::DynamoDB::Table": _create_table,
    "AWS::SQS::Queue": _create_queue,
    "AWS::SNS::Topic": _create_topic,
    "AWS::S3::Bucket": _create_bucket,
    "AWS::SecretsManager::Secret": _create_secret,
    "AWS::Cognito::UserPool": _create_user_pool,
    "AWS::Cognito::UserPoolClient": _create_user_pool_client,
}
