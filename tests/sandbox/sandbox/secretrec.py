"""The sandbox's side of the hygiene scan: every secret it makes or sees
(its AWS secret key, AUTH tokens, secret values, session credentials) is
recorded with tests/tools/secretlog.py, so `make check` can prove none of
them leaked into anything the suite wrote. Outside make check (no
ELCUI_CHECK_SCRATCH) every call is a no-op."""

import importlib.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_PATH = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "tools", "secretlog.py")

try:
    _spec = importlib.util.spec_from_file_location("elcui_secretlog", _PATH)
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
except (OSError, ImportError):  # a sandbox copied elsewhere: nothing to record into
    _mod = None

# Requests and answers worth looking into: only these carry secrets.
_SECRET_OPS = {
    ("sts", "AssumeRole"), ("sts", "AssumeRoleWithWebIdentity"), ("sts", "GetSessionToken"),
    ("iam", "CreateAccessKey"),
    ("secretsmanager", "GetSecretValue"), ("secretsmanager", "CreateSecret"),
    ("secretsmanager", "PutSecretValue"), ("secretsmanager", "GetRandomPassword"),
    ("ssm", "GetParameter"), ("ssm", "GetParameters"), ("ssm", "PutParameter"),
    ("elasticache", "CreateReplicationGroup"), ("elasticache", "ModifyReplicationGroup"),
}


def record(value, label):
    if _mod is not None and value:
        _mod.record(value, label)


def allow(path, why):
    if _mod is not None:
        _mod.allow(path, why)


def observe(service, operation, request_body, response_body):
    """Record the secrets an AWS exchange carried (cheap for other calls)."""
    if _mod is None or (service, operation) not in _SECRET_OPS or _mod.list_path() is None:
        return
    if request_body:
        _mod.record_aws_request(request_body)
    if response_body:
        _mod.record_aws_response(response_body)
