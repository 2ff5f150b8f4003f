#!/usr/bin/env python3
"""Compute SigV4 test vectors with botocore for tests/unit/test_sigv4.c and
tests/unit/test_aws_client.c.

    python3 tests/tools/gen_sigv4_vectors.py > tests/unit/data/sigv4-botocore.json

No network: requests made through real botocore clients are captured in the
'before-send' event and answered locally. The clock is fixed by replacing
botocore.auth.get_current_datetime. The credentials are AWS's published
example pair (not a real key).

Kinds of case:
  sign     header signing; "headers" are exactly the headers botocore signed
           (names as it sent them), with their values.
  presign  SigV4QueryAuth (RequestSigner.generate_presigned_url), e.g.
           ElastiCache IAM authentication tokens: GET http://<group-id>/
           ?Action=connect&User=<user>, service elasticache, 900 s; the
           token is the presigned URL without "http://".

Cases whose "client" member is set were produced by a botocore client with
the given endpoint_url and operation parameters: test_aws_client.c sends the
same call through elcui (via an HTTP proxy, so the Host matches) and compares
the signed headers and body byte for byte.
"""
import datetime
import json
import sys
from urllib.parse import urlsplit, urlencode, urlunsplit

import botocore
import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.signers import RequestSigner

AK = "AKIDEXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLETOKEN/with+slash="
FIXED = datetime.datetime(2024, 5, 1, 12, 0, 0)
FIXED_EPOCH = 1714564800

botocore.auth.get_current_datetime = lambda *a, **k: FIXED

_captured = {}
_orig_canonical_request = botocore.auth.SigV4Auth.canonical_request
_orig_string_to_sign = botocore.auth.SigV4Auth.string_to_sign
_orig_add_auth = botocore.auth.SigV4Auth.add_auth


def _capturing_canonical_request(self, request):
    creq = _orig_canonical_request(self, request)
    _captured["canonical_request"] = creq
    return creq


def _capturing_string_to_sign(self, request, canonical_request):
    sts = _orig_string_to_sign(self, request, canonical_request)
    _captured["string_to_sign"] = sts
    return sts


def _capturing_add_auth(self, request):
    _orig_add_auth(self, request)
    if isinstance(self, botocore.auth.SigV4QueryAuth):
        return
    # The headers botocore signed (every header present at signing time but
    # its deny-list), with the names it sent.
    hdrs = self.headers_to_sign(request)
    names = set(hdrs.keys()) - {"authorization"}
    signed = [[k, v] for k, v in request.headers.items() if k.lower() in names]
    if "host" not in {k.lower() for k, _ in request.headers.items()}:
        signed.append(["host", hdrs["host"]])
    _captured.update(
        headers=signed,
        authorization=request.headers["Authorization"],
        region=self._region_name,
        service=self._service_name,
    )


botocore.auth.SigV4Auth.canonical_request = _capturing_canonical_request
botocore.auth.SigV4Auth.string_to_sign = _capturing_string_to_sign
botocore.auth.SigV4Auth.add_auth = _capturing_add_auth


class _Captured(Exception):
    """Raised from before-send: the request was captured, nothing is sent."""


def client_case(name, service, region, endpoint, token, op, params):
    session = botocore.session.get_session()
    session.set_credentials(AK, SK, token)
    client = session.create_client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    sent = {}

    def before_send(request, **kw):
        sent["url"] = request.url
        sent["body"] = request.body
        sent["method"] = request.method
        raise _Captured()

    client.meta.events.register("before-send", before_send)
    try:
        getattr(client, botocore.xform_name(op))(**params)
    except _Captured:
        pass
    parts = urlsplit(sent["url"])
    body = sent["body"]
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return {
        "name": name,
        "kind": "sign",
        "client": {
            "service": service,
            "endpoint_url": endpoint,
            "operation": op,
            "params": params,
        },
        "method": sent["method"],
        "path": parts.path or "/",
        "query": parts.query or None,
        "body": body,
        "headers": _captured["headers"],
        "access_key": AK,
        "secret_key": SK,
        "session_token": token,
        "region": _captured["region"],
        "service": _captured["service"],
        "time": FIXED_EPOCH,
        "canonical_request": _captured["canonical_request"],
        "string_to_sign": _captured["string_to_sign"],
        "authorization": _captured["authorization"],
    }


def raw_case(name, url, region, service, token, headers, body):
    """Sign a hand-built request (e.g. elcui's compact JSON body)."""
    req = AWSRequest(method="POST", url=url, headers=headers, data=body.encode())
    creds = Credentials(AK, SK, token)
    botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
    parts = urlsplit(url)
    return {
        "name": name,
        "kind": "sign",
        "method": "POST",
        "path": parts.path or "/",
        "query": parts.query or None,
        "body": body,
        "headers": _captured["headers"],
        "access_key": AK,
        "secret_key": SK,
        "session_token": token,
        "region": region,
        "service": service,
        "time": FIXED_EPOCH,
        "canonical_request": _captured["canonical_request"],
        "string_to_sign": _captured["string_to_sign"],
        "authorization": _captured["authorization"],
    }


def iam_token_case(name, group, user, region, token, extra=None):
    creds = Credentials(AK, SK, token)
    session = botocore.session.get_session()
    signer = RequestSigner(
        botocore.model.ServiceId("elasticache"),
        region,
        "elasticache",
        "v4",
        creds,
        session.get_component("event_emitter"),
    )
    q = {"Action": "connect", "User": user}
    if extra:
        q.update(extra)
    query = urlencode(q)
    url = urlunsplit(("http", group, "/", query, ""))
    signed = signer.generate_presigned_url(
        {"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}},
        operation_name="connect",
        expires_in=900,
        region_name=region,
    )
    assert signed.startswith("http://")
    parts = urlsplit(signed)
    return {
        "name": name,
        "kind": "presign",
        "method": "GET",
        "path": "/",
        "query": query,
        "body": "",
        "headers": [["host", group]],
        "access_key": AK,
        "secret_key": SK,
        "session_token": token,
        "region": region,
        "service": "elasticache",
        "time": FIXED_EPOCH,
        "expires": 900,
        "canonical_request": _captured["canonical_request"],
        "string_to_sign": _captured["string_to_sign"],
        "presigned_query": parts.query,
        "token": signed[len("http://"):],
    }


def main():
    cases = []
    cases.append(client_case(
        "elasticache-describe-default-endpoint", "elasticache", "us-east-1", None, None,
        "DescribeReplicationGroups", {"ReplicationGroupId": "my-rg"}))
    cases.append(client_case(
        "elasticache-describe-token-port", "elasticache", "us-east-1",
        "http://elasticache.test:4566", TOKEN,
        "DescribeReplicationGroups", {"ReplicationGroupId": "my-rg", "Marker": "m/1+2 3",
                                      "MaxRecords": 20}))
    cases.append(client_case(
        "elasticache-create-nested-token-port", "elasticache", "eu-west-1",
        "http://elasticache.test:4566", TOKEN,
        "CreateReplicationGroup", {
            "ReplicationGroupId": "app-4",
            "ReplicationGroupDescription": "app 4: cache & more",
            "TransitEncryptionEnabled": True,
            "AuthToken": "s3cr3t-Token-value!&#",
            "NumNodeGroups": 2,
            "ReplicasPerNodeGroup": 1,
            "SecurityGroupIds": ["sg-1", "sg-2"],
            "UserGroupIds": ["ug-1"],
            "LogDeliveryConfigurations": [{
                "LogType": "slow-log", "DestinationType": "cloudwatch-logs",
                "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/elasticache/app-4"}},
                "LogFormat": "json"}],
            "Tags": [{"Key": "elcui:stack", "Value": "app 4"}],
        }))
    cases.append(client_case(
        "ec2-describe-vpcs-token", "ec2", "eu-west-1", "https://ec2.test:8443", TOKEN,
        "DescribeVpcs", {"VpcIds": ["vpc-0abc"],
                         "Filters": [{"Name": "tag:Name", "Values": ["a", "b c"]}],
                         "MaxResults": 5}))
    cases.append(client_case(
        "iam-get-policy-global", "iam", "eu-west-1", None, None,
        "GetPolicy", {"PolicyArn": "arn:aws:iam::111122223333:policy/elcui-read"}))
    cases.append(client_case(
        "sts-get-caller-identity-https-port", "sts", "us-west-2", "https://127.0.0.1:8443", TOKEN,
        "GetCallerIdentity", {}))
    cases.append(client_case(
        "kms-describe-key-botocore-json", "kms", "us-east-1", "http://kms.test:4566", TOKEN,
        "DescribeKey", {"KeyId": "alias/my-key"}))
    cases.append(client_case(
        "logs-filter-default-endpoint", "logs", "ap-southeast-2", None, None,
        "FilterLogEvents", {"logGroupName": "/elasticache/app-4", "startTime": 1714564800000,
                            "limit": 100}))
    # elcui's JSON encoder is compact (no spaces); botocore signs those bytes too.
    cases.append(raw_case(
        "kms-describe-key-compact-json", "http://kms.test:4566/", "us-east-1", "kms", TOKEN,
        {"Content-Type": "application/x-amz-json-1.1",
         "X-Amz-Target": "TrentService.DescribeKey"},
        json.dumps({"KeyId": "alias/my-key"}, separators=(",", ":"))))
    cases.append(raw_case(
        "secretsmanager-get-compact-json-no-token", "https://secretsmanager.eu-west-1.amazonaws.com/",
        "eu-west-1", "secretsmanager", None,
        {"Content-Type": "application/x-amz-json-1.1",
         "X-Amz-Target": "secretsmanager.GetSecretValue"},
        json.dumps({"SecretId": "app-4/auth"}, separators=(",", ":"))))
    cases.append(raw_case(
        "logs-compact-json-nondefault-https-port", "https://logs.test:8443/", "us-east-1", "logs",
        TOKEN,
        {"Content-Type": "application/x-amz-json-1.1",
         "X-Amz-Target": "Logs_20140328.FilterLogEvents"},
        json.dumps({"logGroupName": "/elasticache/app-4", "limit": 100}, separators=(",", ":"))))

    # Presigned ElastiCache IAM auth tokens.
    cases.append(iam_token_case("iam-token-no-session", "my-rg", "app-user", "us-east-1", None))
    cases.append(iam_token_case("iam-token-session", "my-rg", "app-user", "eu-west-1", TOKEN))
    cases.append(iam_token_case("iam-token-serverless", "my-cache", "iam-user-01", "us-west-2",
                                TOKEN, {"ResourceType": "ServerlessCache"}))

    json.dump({
        "generator": "tests/tools/gen_sigv4_vectors.py",
        "botocore": botocore.__version__,
        "cases": cases,
    }, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
