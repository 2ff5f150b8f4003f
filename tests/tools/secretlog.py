"""secretlog - tell the hygiene scan which secrets this test run made.

Everything that generates or receives a per-run secret (the sandbox's AWS
secret key, AUTH tokens, secret values, temporary session credentials)
records it here; after the suite, tests/tools/secret-scan looks for each of
them (raw and in simple encodings) in everything the suite wrote and fails
with file:offset when one leaked.

    import secretlog                      # tests/tools on sys.path
    secretlog.record(value, "sandbox AWS secret key")
    secretlog.record_env(env)             # AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
    secretlog.record_aws_response(body)   # SecretAccessKey, SessionToken, SecretString ...
    secretlog.record_aws_request(body)    # AuthToken=..., "SecretString": ...
    secretlog.allow(path, "why")          # a file that must hold a secret (redis.conf)

Where the list lives: $ELCUI_SECRETS_LIST, else
$ELCUI_CHECK_SCRATCH/secrets.list (make check sets ELCUI_CHECK_SCRATCH);
with neither set every call is a no-op, so tests and the sandbox behave
the same outside `make check`. Child processes inherit the variables, so a
sandbox started by a test records into the same list.

The list is one JSON object per line, {"label": ..., "b64": ...}: the value
base64-encoded (so any byte works), appended with a single O_APPEND write
(atomic between processes). The scan never prints a value, and skips the
list itself. Values shorter than MIN_LEN are ignored (too short to search
for without false alarms; per-run secrets are longer).

Standard library only: the sandbox, the farm and tests can all import it.
"""

import base64
import json
import os
import re
import urllib.parse

MIN_LEN = 8
LIST_NAME = "secrets.list"
ALLOW_NAME = "secrets.allow"

# Members of AWS responses and requests that carry secrets.
_XML_TAGS = ("SecretAccessKey", "SessionToken", "SecretString", "AuthToken", "Password")
_JSON_KEYS = ("SecretAccessKey", "SessionToken", "SecretString", "SecretBinary", "AuthToken",
              "Password", "Token", "accessToken", "secretAccessKey", "sessionToken", "RandomPassword")
_FORM_KEYS = ("AuthToken", "SecretString", "Password", "SecretAccessKey")


def list_path():
    """Path of the secrets list, or None when nothing should be recorded."""
    p = os.environ.get("ELCUI_SECRETS_LIST")
    if p:
        return p
    scratch = os.environ.get("ELCUI_CHECK_SCRATCH")
    if scratch:
        return os.path.join(scratch, LIST_NAME)
    return None


def _allow_path():
    p = list_path()
    return os.path.join(os.path.dirname(p), ALLOW_NAME) if p else None


def _append(path, line):
    data = (line + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def record(value, label="secret"):
    """Record one secret (str or bytes). Returns True when it was written."""
    path = list_path()
    if not path or value is None:
        return False
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    if len(value) < MIN_LEN:
        return False
    line = json.dumps({"label": str(label)[:80], "b64": base64.b64encode(value).decode("ascii")})
    _append(path, line)
    return True


def record_env(env, label_prefix="environment"):
    """Record the secret members of an environment mapping."""
    n = 0
    for k in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "ELCUI_AUTH_TOKEN", "REDISCLI_AUTH"):
        if env.get(k):
            n += record(env[k], "%s %s" % (label_prefix, k))
    return n


def _walk_json(obj, label, depth=0):
    n = 0
    if depth > 20:
        return 0
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in _JSON_KEYS and isinstance(v, str):
                n += record(v, "%s %s" % (label, k))
            else:
                n += _walk_json(v, label, depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            n += _walk_json(v, label, depth + 1)
    return n


def record_aws_response(body, label="AWS response"):
    """Record the secrets an AWS answer carries: XML (<SecretAccessKey>,
    <SessionToken>, ...) or JSON ("SecretString", "SessionToken", ...).
    Returns how many values were recorded."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "surrogateescape")
    if not body:
        return 0
    s = body.lstrip()
    if s.startswith("{") or s.startswith("["):
        try:
            return _walk_json(json.loads(s), label)
        except ValueError:
            return 0
    n = 0
    for tag in _XML_TAGS:
        for m in re.finditer(r"<(?:\w+:)?%s>([^<]*)</(?:\w+:)?%s>" % (tag, tag), body):
            v = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
            n += record(v, "%s %s" % (label, tag))
    return n


def record_aws_request(body, label="AWS request"):
    """Record secrets a client sent: form bodies (AuthToken=...) or JSON."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "surrogateescape")
    if not body:
        return 0
    s = body.lstrip()
    if s.startswith("{"):
        try:
            return _walk_json(json.loads(s), label)
        except ValueError:
            return 0
    n = 0
    for k, v in urllib.parse.parse_qsl(body, keep_blank_values=False):
        if k in _FORM_KEYS or k.endswith(".AuthToken"):
            n += record(v, "%s %s" % (label, k))
    return n


def allow(path, reason):
    """A file (or folder) that holds a secret on purpose (the sandbox's own
    Redis configuration, a token file handed to elcui): the scan skips it
    and says so."""
    ap = _allow_path()
    if not ap:
        return False
    _append(ap, json.dumps({"path": os.path.abspath(path), "reason": str(reason)[:200]}))
    return True
