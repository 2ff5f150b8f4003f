#!/usr/bin/env python3
"""gen_wire_vectors_infra.py - request vectors for elcui's infrastructure calls.

For EC2, KMS, Secrets Manager, SSM, IAM and the Price List API, botocore's
own serializer (botocore.serialize.create_serializer(protocol)
.serialize_to_request(params, operation_model)) turns a set of inputs per
operation into the exact request body; the C unit tests (tests/unit/test_ec2.c,
test_kms.c, ...) build the same inputs with the typed builders and compare.

Output: tests/unit/data/wire/<svc>/requests.json, a JSON array of
  {"name", "operation", "params", "body"}            (ec2 / query: form body)
  {"name", "operation", "params", "target", "body", "compact"}   (json 1.1)
where "body" is botocore's body byte for byte and, for JSON services,
"compact" is the same object re-serialised with botocore's key order,
compact separators and UTF-8 left as is (jansson's JSON_COMPACT form).

Responses: every tests/unit/data/wire/<svc>/*.xml|*.json body (recorded from
moto with --record, or crafted from aws-wire.md and the AWS documentation)
gets a <name>.expected.json holding botocore's own parse of it
(botocore.parsers.create_parser(protocol).parse(...)): the independent
oracle the C decoders are compared with field by field (timestamps as epoch
milliseconds, errors as {"Error": {"Code", "Message"}, "RequestId"}).

Run from anywhere:
  python3 tests/tools/gen_wire_vectors_infra.py            requests + expectations
  python3 tests/tools/gen_wire_vectors_infra.py --check    fail if committed files differ
  python3 tests/tools/gen_wire_vectors_infra.py --record   re-record moto's answers first
(--record starts python3 -m moto.server on a free 127.0.0.1 port and stops it.)
Parameters are validated with botocore's ParamValidator first, so every
vector is a request a real SDK would send. (The other typed-calls engineer's
gen_wire_vectors.py covers ElastiCache, Logs and CloudWatch.)
"""
import base64
import datetime
import glob
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import botocore
import botocore.awsrequest
import botocore.handlers
import botocore.parsers
import botocore.serialize
import botocore.session
import botocore.validate

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(TOP, "tests", "unit", "data", "wire")

STACK = [{"Key": "elcui:stack", "Value": "app-4"}, {"Key": "Name", "Value": "app-4"}]
ACCOUNT = "111122223333"
REST_KEY_ARN = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET_KEY_ARN = "arn:aws:kms:us-east-2:111122223333:key/5678abcd-12ab-34cd-56ef-1234567890ab"

REST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Id": "app-4-encryption-rest",
    "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": "logs.us-east-2.amazonaws.com"},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                    "kms:Describe*"],
         "Resource": "*",
         "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
             "arn:aws:logs:us-east-2:111122223333:log-group:/elasticache/app-4/slow-log",
             "arn:aws:logs:us-east-2:111122223333:log-group:/elasticache/app-4/engine-log"]}}},
    ],
}, indent=2)

SSM_READ_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"],
         "Resource": ["arn:aws:ssm:us-east-2:111122223333:parameter/elasticache/app-4/app-4/endpoint",
                      "arn:aws:ssm:us-east-2:111122223333:parameter/elasticache/app-4/app-4/port"]},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [REST_KEY_ARN]},
    ],
})

# Test-only secret values: obviously fake, never real credentials.
FAKE_TOKEN = "test-only-token-0123456789-abcdefghij!&#$^<>-"

EC2 = [
    ("describe_azs_available", "DescribeAvailabilityZones",
     {"Filters": [{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}]}),
    ("describe_azs_all", "DescribeAvailabilityZones",
     {"ZoneNames": ["us-east-2a", "us-east-2b"], "AllAvailabilityZones": True}),
    ("describe_azs_empty", "DescribeAvailabilityZones", {}),
    ("create_vpc", "CreateVpc",
     {"CidrBlock": "10.20.32.0/25",
      "TagSpecifications": [{"ResourceType": "vpc", "Tags": STACK}]}),
    ("create_vpc_tenancy", "CreateVpc", {"CidrBlock": "10.0.0.0/16", "InstanceTenancy": "default"}),
    ("describe_vpcs_tag", "DescribeVpcs",
     {"Filters": [{"Name": "tag:elcui:stack", "Values": ["app-4"]}], "MaxResults": 5}),
    ("describe_vpcs_ids_two_values", "DescribeVpcs",
     {"Filters": [{"Name": "tag:Name", "Values": ["a", "b c"]}, {"Name": "cidr", "Values": ["10.20.32.0/25"]}],
      "VpcIds": ["vpc-0abc", "vpc-0def"]}),
    ("describe_vpcs_resume", "DescribeVpcs", {"MaxResults": 1000, "NextToken": "tok/en+=="}),
    ("modify_vpc_dns_support", "ModifyVpcAttribute",
     {"EnableDnsSupport": {"Value": True}, "VpcId": "vpc-0a1b2c3d4e5f67890"}),
    ("modify_vpc_dns_hostnames_off", "ModifyVpcAttribute",
     {"EnableDnsHostnames": {"Value": False}, "VpcId": "vpc-0a1b2c3d4e5f67890"}),
    ("describe_vpc_attribute_hostnames", "DescribeVpcAttribute",
     {"Attribute": "enableDnsHostnames", "VpcId": "vpc-0a1b2c3d4e5f67890"}),
    ("describe_vpc_attribute_support", "DescribeVpcAttribute",
     {"Attribute": "enableDnsSupport", "VpcId": "vpc-0a1b2c3d4e5f67890"}),
    ("create_subnet", "CreateSubnet",
     {"TagSpecifications": [{"ResourceType": "subnet", "Tags": STACK + [{"Key": "Name2", "Value": "app-4-private-1"}]}],
      "AvailabilityZone": "us-east-2a", "CidrBlock": "10.20.32.0/27", "VpcId": "vpc-0a1b2c3d4e5f67890"}),
    ("create_subnet_az_id", "CreateSubnet",
     {"AvailabilityZoneId": "use2-az3", "CidrBlock": "10.20.32.96/27", "VpcId": "vpc-1"}),
    ("describe_subnets", "DescribeSubnets",
     {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}, {"Name": "tag:elcui:stack", "Values": ["app-4"]}],
      "SubnetIds": ["subnet-1", "subnet-2", "subnet-3"], "MaxResults": 100}),
    ("delete_subnet", "DeleteSubnet", {"SubnetId": "subnet-0123456789abcdef0"}),
    ("delete_vpc", "DeleteVpc", {"VpcId": "vpc-0123456789abcdef0"}),
    ("create_route_table", "CreateRouteTable",
     {"TagSpecifications": [{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "app-4-private-1"}]}],
      "VpcId": "vpc-1"}),
    ("associate_route_table", "AssociateRouteTable", {"SubnetId": "subnet-1", "RouteTableId": "rtb-1"}),
    ("disassociate_route_table", "DisassociateRouteTable", {"AssociationId": "rtbassoc-0123"}),
    ("describe_route_tables", "DescribeRouteTables",
     {"Filters": [{"Name": "association.subnet-id", "Values": ["subnet-1"]}],
      "RouteTableIds": ["rtb-1"], "MaxResults": 50, "NextToken": "abc"}),
    ("delete_route_table", "DeleteRouteTable", {"RouteTableId": "rtb-0123"}),
    ("create_security_group", "CreateSecurityGroup",
     {"Description": "Allow inbound to and outbound access from the Amazon ElastiCache cluster.",
      "GroupName": "app-4-elasticache-sg", "VpcId": "vpc-1",
      "TagSpecifications": [{"ResourceType": "security-group", "Tags": STACK}]}),
    ("authorize_ingress_redis", "AuthorizeSecurityGroupIngress",
     {"GroupId": "sg-0123",
      "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379,
                         "IpRanges": [{"CidrIp": "10.20.32.0/25",
                                       "Description": "Enable communication to the Amazon ElastiCache for Redis cluster."}]}]}),
    ("authorize_ingress_mixed", "AuthorizeSecurityGroupIngress",
     {"GroupId": "sg-0123",
      "IpPermissions": [
          {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6380,
           "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16", "Description": "b"}],
           "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "v6"}],
           "UserIdGroupPairs": [{"Description": "from app", "GroupId": "sg-0456", "UserId": ACCOUNT}]},
          {"IpProtocol": "-1"},
          {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    ("revoke_ingress", "RevokeSecurityGroupIngress",
     {"GroupId": "sg-0123",
      "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379,
                         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    ("revoke_egress_all", "RevokeSecurityGroupEgress",
     {"GroupId": "sg-0123", "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    ("revoke_egress_mixed", "RevokeSecurityGroupEgress",
     {"GroupId": "sg-0123",
      "IpPermissions": [
          {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
           "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "https out"}],
           "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
           "UserIdGroupPairs": [{"GroupId": "sg-0456", "UserId": ACCOUNT}]},
          {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.20.32.2/32"}]}]}),
    ("describe_security_groups", "DescribeSecurityGroups",
     {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}, {"Name": "group-name", "Values": ["app-4-elasticache-sg"]}],
      "GroupIds": ["sg-1"], "GroupNames": ["default"], "MaxResults": 5}),
    ("delete_security_group", "DeleteSecurityGroup", {"GroupId": "sg-0123"}),
    ("create_tags", "CreateTags",
     {"Resources": ["vpc-1", "subnet-1"], "Tags": STACK + [{"Key": "empty", "Value": ""}]}),
    ("create_tags_utf8", "CreateTags",
     {"Resources": ["sg-1"], "Tags": [{"Key": "owner", "Value": "Zoë & co / ops:team=1"}]}),
]

KMS = [
    ("create_key", "CreateKey",
     {"Description": "Key to encrypt cache at rest.", "KeyUsage": "ENCRYPT_DECRYPT",
      "KeySpec": "SYMMETRIC_DEFAULT", "Tags": [{"TagKey": "elcui:stack", "TagValue": "app-4"},
                                              {"TagKey": "Name", "TagValue": "app-4-encryption-rest"}]}),
    ("create_key_policy", "CreateKey",
     {"Policy": REST_POLICY, "Description": "Key to encrypt secret", "BypassPolicyLockoutSafetyCheck": True}),
    ("create_key_empty", "CreateKey", {}),
    ("put_key_policy", "PutKeyPolicy", {"KeyId": REST_KEY_ARN, "PolicyName": "default", "Policy": REST_POLICY}),
    ("get_key_policy", "GetKeyPolicy", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "PolicyName": "default"}),
    ("describe_key_alias", "DescribeKey", {"KeyId": "alias/app-4-encryption-rest"}),
    ("enable_key_rotation", "EnableKeyRotation", {"KeyId": REST_KEY_ARN}),
    ("enable_key_rotation_period", "EnableKeyRotation", {"KeyId": REST_KEY_ARN, "RotationPeriodInDays": 365}),
    ("get_key_rotation_status", "GetKeyRotationStatus", {"KeyId": REST_KEY_ARN}),
    ("create_alias", "CreateAlias", {"AliasName": "alias/app-4-encryption-rest", "TargetKeyId": REST_KEY_ARN}),
    ("list_aliases", "ListAliases", {"KeyId": REST_KEY_ARN, "Limit": 50, "Marker": "m1"}),
    ("list_aliases_empty", "ListAliases", {}),
    ("delete_alias", "DeleteAlias", {"AliasName": "alias/app-4-encryption-secret"}),
    ("schedule_key_deletion", "ScheduleKeyDeletion", {"KeyId": SECRET_KEY_ARN, "PendingWindowInDays": 7}),
    ("list_resource_tags", "ListResourceTags", {"KeyId": REST_KEY_ARN, "Limit": 10, "Marker": "x"}),
    ("list_keys", "ListKeys", {"Limit": 100, "Marker": "next/page"}),
]

SECRETS = [
    ("create_secret", "CreateSecret",
     {"Name": "app-4-elasticache-auth", "ClientRequestToken": "4b9a3c0e-8f1d-4b7e-9c2a-0e5d6f7a8b9c",
      "KmsKeyId": SECRET_KEY_ARN, "SecretString": FAKE_TOKEN,
      "Tags": [{"Key": "elcui:stack", "Value": "app-4"}]}),
    ("create_secret_desc", "CreateSecret",
     {"Name": "app-4/redis", "ClientRequestToken": "00000000-0000-4000-8000-000000000000",
      "Description": "AUTH token \u2013 caf\u00e9"}),
    ("put_secret_value", "PutSecretValue",
     {"SecretId": "app-4-elasticache-auth", "ClientRequestToken": "5b9a3c0e-8f1d-4b7e-9c2a-0e5d6f7a8b9c",
      "SecretString": "test-only \"quoted\" \\ value\n"}),
    ("get_secret_value", "GetSecretValue", {"SecretId": "app-4-elasticache-auth"}),
    ("get_secret_value_stage", "GetSecretValue",
     {"SecretId": "arn:aws:secretsmanager:us-east-2:111122223333:secret:app-4-elasticache-auth-AbCdEf",
      "VersionStage": "AWSPREVIOUS"}),
    ("describe_secret", "DescribeSecret", {"SecretId": "app-4-elasticache-auth"}),
    ("delete_secret_force", "DeleteSecret", {"SecretId": "app-4-elasticache-auth", "ForceDeleteWithoutRecovery": True}),
    ("delete_secret_window", "DeleteSecret", {"SecretId": "app-4-elasticache-auth", "RecoveryWindowInDays": 7}),
    ("get_random_password", "GetRandomPassword",
     {"PasswordLength": 128, "ExcludeCharacters": "\"%'()*+,./:;=?@[\\]_`{|}~", "IncludeSpace": False,
      "RequireEachIncludedType": True}),
    ("get_random_password_no_punct", "GetRandomPassword",
     {"PasswordLength": 32, "ExcludePunctuation": True}),
    ("list_secrets", "ListSecrets",
     {"MaxResults": 20, "NextToken": "t1",
      "Filters": [{"Key": "tag-key", "Values": ["elcui:stack"]}, {"Key": "tag-value", "Values": ["app-4"]},
                  {"Key": "name", "Values": ["app-4-", "other"]}]}),
    ("list_secrets_planned", "ListSecrets", {"IncludePlannedDeletion": True}),
]

SSM = [
    ("put_parameter", "PutParameter",
     {"Name": "/elasticache/app-4/app-4/endpoint", "Value": "clustercfg.app-4.abc123.use2.cache.amazonaws.com",
      "Type": "SecureString", "KeyId": REST_KEY_ARN,
      "Tags": [{"Key": "elcui:stack", "Value": "app-4"}]}),
    ("put_parameter_overwrite", "PutParameter",
     {"Name": "/elasticache/app-4/app-4/port", "Description": "port", "Value": "6379",
      "Type": "SecureString", "KeyId": "alias/app-4-encryption-rest", "Overwrite": True, "Tier": "Standard"}),
    ("get_parameter", "GetParameter", {"Name": "/elasticache/app-4/app-4/port", "WithDecryption": True}),
    ("get_parameter_plain", "GetParameter", {"Name": "/x"}),
    ("get_parameters", "GetParameters",
     {"Names": ["/elasticache/app-4/app-4/endpoint", "/elasticache/app-4/app-4/port"], "WithDecryption": True}),
    ("delete_parameter", "DeleteParameter", {"Name": "/elasticache/app-4/app-4/endpoint"}),
    ("describe_parameters", "DescribeParameters",
     {"ParameterFilters": [{"Key": "Name", "Option": "BeginsWith", "Values": ["/elasticache/app-4/"]},
                           {"Key": "tag:elcui:stack", "Values": ["app-4"]}],
      "MaxResults": 50, "NextToken": "n1"}),
    ("describe_parameters_empty", "DescribeParameters", {}),
]

IAM = [
    ("create_policy", "CreatePolicy",
     {"PolicyName": "app-4-ssm-parameter-read-policy", "Path": "/",
      "PolicyDocument": SSM_READ_POLICY,
      "Description": "Policy to read the ElastiCache endpoint and port number stored in the SSM Parameter Store.",
      "Tags": [{"Key": "elcui:stack", "Value": "app-4"}, {"Key": "Name", "Value": "app 4"}]}),
    ("create_policy_min", "CreatePolicy", {"PolicyName": "p", "PolicyDocument": "{}"}),
    ("get_policy", "GetPolicy", {"PolicyArn": "arn:aws:iam::111122223333:policy/app-4-secret-read-policy"}),
    ("get_policy_version", "GetPolicyVersion",
     {"PolicyArn": "arn:aws:iam::111122223333:policy/app-4-secret-read-policy", "VersionId": "v1"}),
    ("list_policies", "ListPolicies",
     {"Scope": "Local", "OnlyAttached": False, "PathPrefix": "/", "Marker": "m+1/2=", "MaxItems": 100}),
    ("list_policies_min", "ListPolicies", {"Scope": "Local"}),
    ("delete_policy", "DeletePolicy", {"PolicyArn": "arn:aws:iam::111122223333:policy/app-4-secret-read-policy"}),
    ("list_entities_for_policy", "ListEntitiesForPolicy",
     {"PolicyArn": "arn:aws:iam::111122223333:policy/p", "Marker": "m", "MaxItems": 10}),
    ("create_policy_version", "CreatePolicyVersion",
     {"PolicyArn": "arn:aws:iam::111122223333:policy/p", "PolicyDocument": "{\"Version\":\"2012-10-17\"}",
      "SetAsDefault": True}),
    ("list_policy_versions", "ListPolicyVersions", {"PolicyArn": "arn:aws:iam::111122223333:policy/p"}),
    ("delete_policy_version", "DeletePolicyVersion",
     {"PolicyArn": "arn:aws:iam::111122223333:policy/p", "VersionId": "v2"}),
]

PRICING = [
    ("get_products", "GetProducts",
     {"ServiceCode": "AmazonElastiCache",
      "Filters": [{"Type": "TERM_MATCH", "Field": "instanceType", "Value": "cache.t2.small"},
                  {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-2"},
                  {"Type": "TERM_MATCH", "Field": "cacheEngine", "Value": "Redis"}],
      "FormatVersion": "aws_v1", "MaxResults": 100}),
    ("get_products_next", "GetProducts",
     {"ServiceCode": "AmazonElastiCache",
      "Filters": [{"Type": "TERM_MATCH", "Field": "location", "Value": "US East (Ohio)"}],
      "FormatVersion": "aws_v1", "NextToken": "abc/def=="}),
]

SERVICES = [("ec2", "ec2", EC2), ("kms", "kms", KMS), ("secrets", "secretsmanager", SECRETS),
            ("ssm", "ssm", SSM), ("iam", "iam", IAM), ("pricing", "pricing", PRICING)]


def vectors(service, cases):
    session = botocore.session.get_session()
    model = session.get_service_model(service)
    ser = botocore.serialize.create_serializer(model.protocol)
    out = []
    for name, op_name, params in cases:
        op = model.operation_model(op_name)
        botocore.validate.validate_parameters(params, op.input_shape)
        req = ser.serialize_to_request(params, op)
        entry = {"name": name, "operation": op_name, "params": params}
        if model.protocol in ("ec2", "query"):
            prepared = botocore.awsrequest.AWSRequest(
                method="POST", url="https://example.invalid/", data=req["body"],
                headers=req["headers"]).prepare()
            body = prepared.body
            entry["body"] = body.decode("utf-8") if isinstance(body, bytes) else body
        else:
            body = req["body"].decode("utf-8")
            entry["target"] = req["headers"]["X-Amz-Target"]
            entry["body"] = body
            entry["compact"] = json.dumps(json.loads(body), separators=(",", ":"),
                                          ensure_ascii=False)
        out.append(entry)
    return out


def _plain(v):
    """botocore's parsed output as plain JSON (timestamps -> epoch ms)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if k not in ("HTTPHeaders", "RetryAttempts")}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return int(round(v.timestamp() * 1000))
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    return v


# Response files: <name>.<ext> where name starts with the operation in
# snake case as listed here (longest match wins); "err_" files are errors.
RESPONSE_OPS = {
    "ec2": "ec2", "kms": "kms", "secrets": "secretsmanager", "ssm": "ssm", "iam": "iam",
    "pricing": "pricing",
}


def _op_for(model, name):
    snake = {}
    for op in model.operation_names:
        s = "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_")
        snake[s] = op
    base = name[4:] if name.startswith("err_") else name
    best = None
    for s, op in snake.items():
        if base == s or base.startswith(s + "_"):
            if best is None or len(s) > len(best[0]):
                best = (s, op)
    if not best:
        raise SystemExit(f"cannot tell the operation of response file {name}")
    return best[1]


def expectations(folder, service):
    """botocore's parse of each stored response body."""
    session = botocore.session.get_session()
    model = session.get_service_model(service)
    parser_factory = botocore.parsers.ResponseParserFactory()
    results = {}
    for path in sorted(glob.glob(os.path.join(OUT, folder, "*"))):
        base = os.path.basename(path)
        if base.endswith(".expected.json") or base == "requests.json" or base.endswith(".meta.json"):
            continue
        name, ext = os.path.splitext(base)
        if ext not in (".xml", ".json"):
            continue
        meta_path = os.path.join(OUT, folder, name + ".meta.json")
        status = 200
        if os.path.exists(meta_path):
            with open(meta_path, encoding="utf-8") as f:
                status = json.load(f).get("status", 200)
        elif name.startswith("err_"):
            status = 400
        op = model.operation_model(_op_for(model, name))
        with open(path, "rb") as f:
            body = f.read()
        parser = parser_factory.create_parser(model.protocol)
        parsed = parser.parse({"body": body, "headers": {}, "status_code": status},
                              op.output_shape)
        if service == "iam" and "Error" not in parsed:
            # what a botocore client does after parsing: policy documents
            # come URL-encoded; decode them (handlers.json_decode_policies)
            botocore.handlers.json_decode_policies(parsed, op)
        meta = parsed.pop("ResponseMetadata", {})
        exp = {"operation": op.name, "status": status, "request_id": meta.get("RequestId", ""),
               "parsed": _plain(parsed)}
        results[os.path.join(OUT, folder, name + ".expected.json")] = (
            json.dumps(exp, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return results


# ---- recording moto's answers ----

def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Recorder:
    def __init__(self):
        self.label = None
        self.bodies = {}

    def hook(self, response_dict, operation_model, **kw):
        if self.label:
            status = response_dict.get("status_code", 200)
            self.bodies[self.label] = (response_dict["body"], status)
            self.label = None


def _scenario(endpoint, rec):
    import boto3
    from botocore.exceptions import ClientError
    sess = boto3.session.Session(aws_access_key_id="AKIDTESTRECORDING", aws_secret_access_key="x" * 40,
                                 region_name="us-east-2")

    def client(name):
        c = sess.client(name, endpoint_url=endpoint)
        c.meta.events.register("before-parse.*.*", rec.hook)
        return c

    def call(fn, label, **kw):
        rec.label = label
        try:
            return fn(**kw)
        except ClientError as e:
            return e.response

    tags = [{"Key": "elcui:stack", "Value": "app-4"}, {"Key": "Name", "Value": "app-4"}]
    ec2 = client("ec2")
    call(ec2.describe_availability_zones, "ec2/describe_availability_zones",
         Filters=[{"Name": "state", "Values": ["available"]}])
    vpc = call(ec2.create_vpc, "ec2/create_vpc", CidrBlock="10.20.32.0/25",
               TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])["Vpc"]["VpcId"]
    call(ec2.modify_vpc_attribute, "ec2/modify_vpc_attribute", VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    call(ec2.describe_vpc_attribute, "ec2/describe_vpc_attribute", VpcId=vpc, Attribute="enableDnsHostnames")
    call(ec2.describe_vpcs, "ec2/describe_vpcs", Filters=[{"Name": "tag:elcui:stack", "Values": ["app-4"]}])
    subnets = []
    for i, (cidr, az) in enumerate([("10.20.32.0/27", "us-east-2a"), ("10.20.32.32/27", "us-east-2b")]):
        r = call(ec2.create_subnet, "ec2/create_subnet" if i == 0 else None, VpcId=vpc, CidrBlock=cidr,
                 AvailabilityZone=az,
                 TagSpecifications=[{"ResourceType": "subnet",
                                     "Tags": tags[:1] + [{"Key": "Name", "Value": f"app-4-private-{i + 1}"}]}])
        subnets.append(r["Subnet"]["SubnetId"])
    call(ec2.describe_subnets, "ec2/describe_subnets_page", Filters=[{"Name": "vpc-id", "Values": [vpc]}],
         MaxResults=5)
    rt = call(ec2.create_route_table, "ec2/create_route_table", VpcId=vpc,
              TagSpecifications=[{"ResourceType": "route-table",
                                  "Tags": [{"Key": "Name", "Value": "app-4-private-1"}]}])["RouteTable"]["RouteTableId"]
    assoc = call(ec2.associate_route_table, "ec2/associate_route_table", RouteTableId=rt,
                 SubnetId=subnets[0])["AssociationId"]
    call(ec2.describe_route_tables, "ec2/describe_route_tables", Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    sg = call(ec2.create_security_group, "ec2/create_security_group", GroupName="app-4-elasticache-sg",
              Description="Allow inbound to and outbound access from the Amazon ElastiCache cluster.",
              VpcId=vpc, TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])["GroupId"]
    call(ec2.authorize_security_group_ingress, "ec2/authorize_security_group_ingress", GroupId=sg,
         IpPermissions=[{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379,
                         "IpRanges": [{"CidrIp": "10.20.32.0/25", "Description": "redis"}]}])
    call(ec2.authorize_security_group_ingress, "ec2/err_authorize_security_group_ingress_duplicate", GroupId=sg,
         IpPermissions=[{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379,
                         "IpRanges": [{"CidrIp": "10.20.32.0/25", "Description": "redis"}]}])
    call(ec2.describe_security_groups, "ec2/describe_security_groups",
         Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    call(ec2.revoke_security_group_egress, "ec2/revoke_security_group_egress", GroupId=sg,
         IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    call(ec2.revoke_security_group_egress, "ec2/err_revoke_security_group_egress_not_found", GroupId=sg,
         IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    call(ec2.create_tags, "ec2/create_tags", Resources=[vpc, sg], Tags=[{"Key": "Owner", "Value": "ops"}])
    call(ec2.disassociate_route_table, "ec2/disassociate_route_table", AssociationId=assoc)
    call(ec2.delete_route_table, "ec2/delete_route_table", RouteTableId=rt)
    call(ec2.delete_vpc, "ec2/err_delete_vpc_dependency", VpcId=vpc)
    call(ec2.delete_security_group, "ec2/delete_security_group", GroupId=sg)
    for s in subnets:
        call(ec2.delete_subnet, "ec2/delete_subnet", SubnetId=s)
    call(ec2.delete_vpc, "ec2/delete_vpc", VpcId=vpc)
    call(ec2.delete_vpc, "ec2/err_delete_vpc_not_found", VpcId="vpc-0000000000000dead")

    kms = client("kms")
    key = call(kms.create_key, "kms/create_key", Description="Key to encrypt cache at rest.",
               KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
               Tags=[{"TagKey": "elcui:stack", "TagValue": "app-4"}])["KeyMetadata"]
    call(kms.put_key_policy, "kms/put_key_policy", KeyId=key["KeyId"], PolicyName="default", Policy=REST_POLICY)
    call(kms.get_key_policy, "kms/get_key_policy", KeyId=key["KeyId"], PolicyName="default")
    call(kms.enable_key_rotation, "kms/enable_key_rotation", KeyId=key["KeyId"])
    call(kms.get_key_rotation_status, "kms/get_key_rotation_status", KeyId=key["KeyId"])
    call(kms.create_alias, "kms/create_alias", AliasName="alias/app-4-encryption-rest", TargetKeyId=key["KeyId"])
    call(kms.describe_key, "kms/describe_key", KeyId="alias/app-4-encryption-rest")
    call(kms.list_aliases, "kms/list_aliases_page", Limit=2)
    call(kms.list_resource_tags, "kms/list_resource_tags", KeyId=key["KeyId"])
    call(kms.list_keys, "kms/list_keys", Limit=5)
    call(kms.create_alias, "kms/err_create_alias_exists", AliasName="alias/app-4-encryption-rest",
         TargetKeyId=key["KeyId"])
    call(kms.delete_alias, "kms/delete_alias", AliasName="alias/app-4-encryption-rest")
    call(kms.schedule_key_deletion, "kms/schedule_key_deletion", KeyId=key["KeyId"], PendingWindowInDays=7)
    call(kms.describe_key, "kms/describe_key_pending_deletion", KeyId=key["KeyId"])
    call(kms.describe_key, "kms/err_describe_key_not_found", KeyId="alias/does-not-exist")

    sm = client("secretsmanager")
    call(sm.create_secret, "secrets/create_secret", Name="app-4-elasticache-auth",
         ClientRequestToken="4b9a3c0e-8f1d-4b7e-9c2a-0e5d6f7a8b9c", SecretString="EXAMPLE-not-a-secret-1",
         Tags=[{"Key": "elcui:stack", "Value": "app-4"}])
    call(sm.put_secret_value, "secrets/put_secret_value", SecretId="app-4-elasticache-auth",
         ClientRequestToken="5b9a3c0e-8f1d-4b7e-9c2a-0e5d6f7a8b9c", SecretString="EXAMPLE-not-a-secret-2")
    call(sm.get_secret_value, "secrets/get_secret_value", SecretId="app-4-elasticache-auth")
    call(sm.describe_secret, "secrets/describe_secret", SecretId="app-4-elasticache-auth")
    call(sm.list_secrets, "secrets/list_secrets", Filters=[{"Key": "tag-value", "Values": ["app-4"]}])
    call(sm.get_random_password, "secrets/get_random_password", PasswordLength=40, ExcludePunctuation=True)
    call(sm.create_secret, "secrets/err_create_secret_exists", Name="app-4-elasticache-auth",
         SecretString="EXAMPLE-not-a-secret-3")
    call(sm.delete_secret, "secrets/delete_secret", SecretId="app-4-elasticache-auth",
         ForceDeleteWithoutRecovery=True)
    call(sm.get_secret_value, "secrets/err_get_secret_value_not_found", SecretId="nope")

    ssm = client("ssm")
    call(ssm.put_parameter, "ssm/put_parameter", Name="/elasticache/app-4/app-4/port", Value="6379",
         Type="SecureString", KeyId="alias/aws/ssm", Tags=[{"Key": "elcui:stack", "Value": "app-4"}])
    ssm.put_parameter(Name="/elasticache/app-4/app-4/endpoint", Value="clustercfg.app-4.example", Type="SecureString")
    call(ssm.get_parameter, "ssm/get_parameter", Name="/elasticache/app-4/app-4/port", WithDecryption=True)
    call(ssm.get_parameters, "ssm/get_parameters",
         Names=["/elasticache/app-4/app-4/endpoint", "/elasticache/app-4/app-4/port", "/missing"],
         WithDecryption=True)
    call(ssm.describe_parameters, "ssm/describe_parameters_page",
         ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/elasticache/app-4/"]}],
         MaxResults=1)
    call(ssm.put_parameter, "ssm/err_put_parameter_exists", Name="/elasticache/app-4/app-4/port", Value="1",
         Type="SecureString")
    call(ssm.delete_parameter, "ssm/delete_parameter", Name="/elasticache/app-4/app-4/port")
    call(ssm.get_parameter, "ssm/err_get_parameter_not_found", Name="/elasticache/app-4/app-4/port")

    iam = client("iam")
    pol = call(iam.create_policy, "iam/create_policy", PolicyName="app-4-ssm-parameter-read-policy", Path="/",
               PolicyDocument=SSM_READ_POLICY, Description="Policy to read the ElastiCache endpoint.",
               Tags=[{"Key": "elcui:stack", "Value": "app-4"}])["Policy"]["Arn"]
    call(iam.get_policy, "iam/get_policy", PolicyArn=pol)
    call(iam.get_policy_version, "iam/get_policy_version", PolicyArn=pol, VersionId="v1")
    call(iam.create_policy_version, "iam/create_policy_version", PolicyArn=pol, PolicyDocument=SSM_READ_POLICY,
         SetAsDefault=True)
    call(iam.list_policy_versions, "iam/list_policy_versions", PolicyArn=pol)
    call(iam.delete_policy_version, "iam/delete_policy_version", PolicyArn=pol, VersionId="v1")
    call(iam.list_policies, "iam/list_policies_page", Scope="Local", MaxItems=1)
    call(iam.list_entities_for_policy, "iam/list_entities_for_policy", PolicyArn=pol)
    call(iam.create_policy, "iam/err_create_policy_exists", PolicyName="app-4-ssm-parameter-read-policy",
         PolicyDocument=SSM_READ_POLICY)
    call(iam.delete_policy, "iam/delete_policy", PolicyArn=pol)
    call(iam.get_policy, "iam/err_get_policy_not_found", PolicyArn=pol)


def record():
    port = _free_port()
    env = dict(os.environ)
    env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("moto server did not start")
                time.sleep(0.1)  # polling a condition with a deadline
        rec = Recorder()
        _scenario(endpoint, rec)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for label, (body, status) in rec.bodies.items():
        folder, name = label.split("/", 1)
        ext = ".xml" if body.lstrip().startswith(b"<") else ".json"
        path = os.path.join(OUT, folder, name + ext)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)
        meta = os.path.join(OUT, folder, name + ".meta.json")
        with open(meta, "w", encoding="utf-8") as f:
            json.dump({"status": status, "source": "moto " + _moto_version()}, f)
            f.write("\n")
        print(f"recorded {path} (HTTP {status})")


def _moto_version():
    try:
        import moto
        return moto.__version__
    except ImportError:
        return "?"


def render(entries):
    return json.dumps({"generator": "tests/tools/gen_wire_vectors_infra.py",
                       "botocore": botocore.__version__, "vectors": entries},
                      indent=1, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    if "--record" in sys.argv[1:]:
        record()
    bad = 0
    for folder, service, cases in SERVICES:
        for path, text in expectations(folder, service).items():
            if check:
                try:
                    with open(path, encoding="utf-8") as f:
                        same = json.load(f) == json.loads(text)
                except OSError:
                    same = False
                if not same:
                    print(f"{path}: differs from botocore's parser")
                    bad = 1
            else:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
        text = render(vectors(service, cases))
        path = os.path.join(OUT, folder, "requests.json")
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    old = json.load(f)
            except OSError:
                old = None
            # botocore's version may differ between machines: compare vectors only
            if old is None or old.get("vectors") != json.loads(text)["vectors"]:
                print(f"{path}: differs from botocore's serializer")
                bad = 1
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{path}: {len(cases)} vectors")
    return bad


if __name__ == "__main__":
    sys.exit(main())
