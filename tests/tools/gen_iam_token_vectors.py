#!/usr/bin/env python3
"""ElastiCache IAM authentication token vectors computed with botocore, for
tests/unit/test_iamauth.c (besides the three presign cases of
tests/unit/data/sigv4-botocore.json).

    python3 tests/tools/gen_iam_token_vectors.py > tests/unit/data/iam-token-botocore.json

A token is botocore's RequestSigner.generate_presigned_url (SigV4QueryAuth,
service elasticache, 900 s) of GET http://<cache id>/?Action=connect&User=<u>
[&ResourceType=ServerlessCache], without "http://". elcui lower-cases the
cache id (ElastiCache stores ids lower-case): "input_id" is what the user
typed, the token is signed for its lower-case form, as AWS expects. No
network; the clock is fixed per case; the credentials are AWS's published
example pair and a made-up session token (not real keys).
"""
import datetime
import json
import sys
from urllib.parse import urlencode, urlunsplit

import botocore
import botocore.auth
import botocore.session
from botocore.credentials import Credentials
from botocore.signers import RequestSigner

AK = "AKIDEXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE/session+token=="

_now = [None]
botocore.auth.get_current_datetime = lambda *a, **k: _now[0]


def case(name, input_id, user, region, when, token=None, serverless=False):
    _now[0] = when
    creds = Credentials(AK, SK, token)
    session = botocore.session.get_session()
    signer = RequestSigner(botocore.model.ServiceId("elasticache"), region, "elasticache", "v4",
                           creds, session.get_component("event_emitter"))
    q = {"Action": "connect", "User": user}
    if serverless:
        q["ResourceType"] = "ServerlessCache"
    url = urlunsplit(("http", input_id.lower(), "/", urlencode(q), ""))
    signed = signer.generate_presigned_url(
        {"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}},
        operation_name="connect", expires_in=900, region_name=region)
    assert signed.startswith("http://")
    epoch = int(when.replace(tzinfo=datetime.timezone.utc).timestamp())
    return {"name": name, "input_id": input_id, "user": user, "region": region,
            "serverless": serverless, "access_key": AK, "secret_key": SK,
            "session_token": token, "time": epoch, "expires": 900,
            "token": signed[len("http://"):]}


def main():
    cases = [
        case("seed-group", "app-4", "ops-user", "us-east-2", datetime.datetime(2025, 1, 31, 23, 59, 59)),
        case("mixed-case-id", "App-4-Redis-Cluster", "app-4-iam", "eu-central-1",
             datetime.datetime(2024, 2, 29, 0, 0, 1), TOKEN),
        case("user-needs-encoding", "app-4", "svc+ops/1~x.y_z", "ap-southeast-2",
             datetime.datetime(2026, 11, 27, 18, 35, 59), TOKEN),
        case("serverless-upper", "My-Cache", "IAM-User", "us-west-2",
             datetime.datetime(2030, 6, 15, 6, 7, 8), None, True),
    ]
    json.dump({"generator": "tests/tools/gen_iam_token_vectors.py", "botocore": botocore.__version__,
               "cases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
