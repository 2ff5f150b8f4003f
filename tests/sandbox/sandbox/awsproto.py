"""Wire-level helpers shared by the sandbox front end.

Identifies which service, protocol and operation an incoming request is for
(before moto sees it) and builds AWS error envelopes in each protocol's exact
shape (aws-wire.md sections 2.5, 3 and 4.3):

* query (ElastiCache, IAM, STS, CloudWatch): ``<ErrorResponse><Error><Type>
  <Code><Message></Error><RequestId></ErrorResponse>``, text/xml;
* ec2: ``<Response><Errors><Error><Code><Message></Error></Errors>
  <RequestID></Response>``;
* json 1.1 (KMS, Logs, Secrets Manager, SSM): ``{"__type", "message"}``
  (``Message`` for Secrets Manager), application/x-amz-json-1.1.
"""

import json
import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

# SigV4 service name -> protocol.
SERVICE_PROTOCOL = {
    "elasticache": "query",
    "iam": "query",
    "sts": "query",
    "monitoring": "query",
    "ec2": "ec2",
    "kms": "json",
    "logs": "json",
    "secretsmanager": "json",
    "ssm": "json",
    "pricing": "json",
}

# X-Amz-Target prefix -> SigV4 service name.
TARGET_SERVICE = {
    "TrentService": "kms",
    "Logs_20140328": "logs",
    "secretsmanager": "secretsmanager",
    "AmazonSSM": "ssm",
    "AWSPriceListService": "pricing",
    # CloudWatch's JSON 1.0 variant (botocore >= 1.3x uses it, with
    # x-amzn-query-mode: true); elcui uses the query protocol.
    "GraniteServiceVersion20100801": "monitoring",
}

# awsQueryCompatible services answering JSON: their errors carry the query
# code in x-amzn-query-error (botocore takes the code from there).
QUERY_COMPATIBLE = {"monitoring"}
JSON_TO_QUERY = {
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 403),
    "ExpiredTokenException": ("ExpiredToken", 403),
    "AccessDeniedException": ("AccessDenied", 403),
    "ThrottlingException": ("Throttling", 400),
}

# Query API version -> SigV4 service name.
VERSION_SERVICE = {
    "2015-02-02": "elasticache",
    "2016-11-15": "ec2",
    "2010-05-08": "iam",
    "2011-06-15": "sts",
    "2010-08-01": "monitoring",
}

QUERY_NAMESPACE = {
    "elasticache": "http://elasticache.amazonaws.com/doc/2015-02-02/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}

# Friendly names accepted by the control API for a service.
SERVICE_ALIASES = {
    "cloudwatch": "monitoring",
    "metrics": "monitoring",
    "cloudwatchlogs": "logs",
    "secrets": "secretsmanager",
    "secretsmanager": "secretsmanager",
    "parameterstore": "ssm",
}


def canonical_service(name):
    if name is None:
        return None
    n = str(name).lower()
    return SERVICE_ALIASES.get(n, n)


def new_request_id():
    return str(uuid.uuid4())


def read_body(environ):
    """Read the whole request body and put a re-readable copy back."""
    import io

    cached = environ.get("sandbox.body")
    if cached is not None:
        return cached
    stream = environ.get("wsgi.input")
    body = b""
    if stream is not None:
        length = environ.get("CONTENT_LENGTH") or ""
        try:
            n = int(length)
        except ValueError:
            n = -1
        if n > 0:
            chunks = []
            left = n
            while left > 0:
                chunk = stream.read(left)
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            body = b"".join(chunks)
        elif n < 0 and environ.get("wsgi.input_terminated"):
            body = stream.read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["sandbox.body"] = body
    return body


class RequestInfo:
    """What a request is for: service, protocol, operation, credentials."""

    __slots__ = (
        "service",
        "protocol",
        "operation",
        "access_key",
        "scope_date",
        "scope_region",
        "scope_service",
        "signed_headers",
        "signature",
        "auth_header",
        "target",
        "form",
    )

    def __init__(self):
        self.service = None
        self.protocol = None
        self.operation = None
        self.access_key = None
        self.scope_date = None
        self.scope_region = None
        self.scope_service = None
        self.signed_headers = None
        self.signature = None
        self.auth_header = None
        self.target = None
        self.form = {}

    def label(self):
        return "%s:%s" % (self.service or "unknown", self.operation or "unknown")


def parse_authorization(value):
    """Split a SigV4 Authorization header; returns a dict or None."""
    if not value:
        return None
    value = value.strip()
    if not value.startswith("AWS4-HMAC-SHA256"):
        return None
    rest = value[len("AWS4-HMAC-SHA256") :].strip()
    parts = {}
    for item in rest.split(","):
        item = item.strip()
        if "=" not in item:
            continue
        k, v = item.split("=", 1)
        parts[k.strip()] = v.strip()
    cred = parts.get("Credential")
    if not cred or "SignedHeaders" not in parts or "Signature" not in parts:
        return None
    scope = cred.split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return None
    return {
        "access_key": scope[0],
        "date": scope[1],
        "region": scope[2],
        "service": scope[3],
        "signed_headers": [h for h in parts["SignedHeaders"].split(";") if h],
        "signature": parts["Signature"],
    }


def identify(environ):
    """Fill a RequestInfo from the WSGI environ (reads and caches the body)."""
    info = RequestInfo()
    body = read_body(environ)
    info.auth_header = environ.get("HTTP_AUTHORIZATION")
    auth = parse_authorization(info.auth_header)
    if auth:
        info.access_key = auth["access_key"]
        info.scope_date = auth["date"]
        info.scope_region = auth["region"]
        info.scope_service = auth["service"]
        info.signed_headers = auth["signed_headers"]
        info.signature = auth["signature"]
    target = environ.get("HTTP_X_AMZ_TARGET")
    info.target = target
    form = {}
    ctype = environ.get("CONTENT_TYPE", "")
    if environ.get("REQUEST_METHOD") == "GET" and environ.get("QUERY_STRING"):
        form = parse_qs(environ["QUERY_STRING"], keep_blank_values=True)
    elif ctype.startswith("application/x-www-form-urlencoded") and body:
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            form = {}
    info.form = form
    if target:
        prefix, _, op = target.partition(".")
        info.operation = op or None
        info.service = TARGET_SERVICE.get(prefix)
        info.protocol = "json"
    else:
        action = form.get("Action", [None])[0]
        info.operation = action
        version = form.get("Version", [None])[0]
        if version in VERSION_SERVICE:
            info.service = VERSION_SERVICE[version]
    if info.scope_service and info.service is None:
        info.service = info.scope_service.lower()
    elif info.scope_service and info.protocol != "json":
        # The credential scope is the routing key moto uses too.
        info.service = info.scope_service.lower()
    if info.protocol is None:
        info.protocol = SERVICE_PROTOCOL.get(info.service, "json" if target else "query")
    return info


def error_response(info, code, message, status, sender=True, extra_headers=None):
    """Return (status, headers, body bytes) for an AWS error in the protocol of
    the request described by ``info``."""
    rid = new_request_id()
    headers = [("x-amzn-RequestId", rid)]
    protocol = info.protocol if info is not None else "query"
    service = info.service if info is not None else None
    if protocol == "json":
        key = "Message" if service == "secretsmanager" else "message"
        body = json.dumps({"__type": code, key: message}).encode("utf-8")
        if service in QUERY_COMPATIBLE:
            qcode, status = JSON_TO_QUERY.get(code, (code, status))
            headers.append(("x-amzn-query-error", "%s;%s" % (qcode, "Sender" if sender else "Receiver")))
            headers.append(("Content-Type", "application/x-amz-json-1.0"))
        else:
            headers.append(("Content-Type", "application/x-amz-json-1.1"))
    elif protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            "<Code>%s</Code><Message>%s</Message></Error></Errors>"
            "<RequestID>%s</RequestID></Response>" % (escape(code), escape(message), rid)
        ).encode("utf-8")
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    else:
        ns = QUERY_NAMESPACE.get(service, "http://elasticache.amazonaws.com/doc/2015-02-02/")
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="%s">'
            "<Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>%s</RequestId></ErrorResponse>"
            % (
                ns,
                "Sender" if sender else "Receiver",
                escape(code),
                escape(message),
                rid,
            )
        ).encode("utf-8")
        headers.append(("Content-Type", "text/xml"))
    headers.append(("Content-Length", str(len(body))))
    if extra_headers:
        headers.extend(extra_headers)
    return status, headers, body


# Per-protocol throttling and server-fault answers (aws-wire.md 2.6, 3, 4.3, 7.1).
def throttling_error(info):
    if info.protocol == "ec2":
        return "RequestLimitExceeded", "Request limit exceeded.", 503
    if info.protocol == "json":
        return "ThrottlingException", "Rate exceeded", 400
    return "Throttling", "Rate exceeded", 400


def server_error(info, status):
    if info.protocol == "ec2":
        if status == 503:
            return "Unavailable", "The service is unavailable. Please try again shortly.", 503
        return "InternalError", "An internal error has occurred", status
    if info.protocol == "json":
        if status == 503:
            code = "ServiceUnavailableException" if info.service == "logs" else "ServiceUnavailable"
            return code, "Service is unavailable", 503
        return "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", status
    if status == 503:
        return "ServiceUnavailable", "Service is unavailable", 503
    return "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", status


STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def status_line(status):
    return "%d %s" % (status, STATUS_TEXT.get(status, "Status"))


# ---- request validation before moto ----------------------------------------------
# SigV4 service name -> botocore service name
BOTOCORE_NAME = {"monitoring": "cloudwatch"}


def _model(service):
    from moto.core.utils import get_service_model

    return get_service_model(BOTOCORE_NAME.get(service, service))


def _query_child(shape, part, ec2):
    """Member shape of a structure for one dotted name part, or None."""
    for name, m in shape.members.items():
        if ec2:
            wire = m.serialization.get("queryName")
            if not wire:
                loc = m.serialization.get("name")
                wire = (loc[0].upper() + loc[1:]) if loc else name
        else:
            wire = m.serialization.get("name", name)
        if wire == part:
            return m
    return None


def _leaf_shape(input_shape, key, ec2):
    """Walk a query-protocol wire name (e.g. NodeGroupConfiguration.
    NodeGroupConfiguration.1.ReplicaCount) down the input shape; None when
    the name is not part of the model (AWS ignores those)."""
    shape = input_shape
    parts = key.split(".")
    i = 0
    while i < len(parts):
        if shape is None:
            return None
        t = shape.type_name
        if t == "structure":
            shape = _query_child(shape, parts[i], ec2)
            i += 1
        elif t == "list":
            if ec2 or shape.serialization.get("flattened"):
                if not parts[i].isdigit():
                    return None
                i += 1
            else:
                if i + 1 >= len(parts) or not parts[i + 1].isdigit():
                    return None
                i += 2
            shape = shape.member
        elif t == "map":
            return None
        else:
            return None
    return shape


def validate_request(info):
    """(code, message) of a client error AWS's front end would give for
    this request's shape, or None.  Checks the operation exists and that
    integer, boolean and timestamp parameters parse."""
    if info.service not in SERVICE_PROTOCOL or info.service == "pricing" or not info.operation:
        return None
    try:
        model = _model(info.service)
    except Exception:
        return None
    try:
        op = model.operation_model(info.operation)
    except Exception:
        if info.protocol == "json":
            return "UnknownOperationException", "Operation %s is not supported by %s." % (info.operation, info.service)
        return "InvalidAction", "The action %s is not valid for this web service." % info.operation
    if info.protocol == "json" or op.input_shape is None:
        return None
    ec2 = info.protocol == "ec2"
    for key, values in info.form.items():
        if key in ("Action", "Version"):
            continue
        leaf = _leaf_shape(op.input_shape, key, ec2)
        if leaf is None:
            continue
        value = values[0] if values else ""
        t = leaf.type_name
        bad = False
        if t in ("integer", "long"):
            try:
                int(value)
            except ValueError:
                bad = True
        elif t == "boolean":
            bad = value.lower() not in ("true", "false")
        elif t == "timestamp":
            import datetime as _dt

            v = value.replace("Z", "+00:00")
            try:
                _dt.datetime.fromisoformat(v)
            except ValueError:
                try:
                    float(value)
                except ValueError:
                    bad = True
        if bad:
            return "InvalidParameterValue", "Value (%s) for parameter %s is invalid. Expected a valid %s." % (value, key, t)
    return None


def validate_json_body(body):
    """SerializationException message if a JSON-protocol body is not a JSON
    object, else None."""
    if not body:
        return None
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "Start of structure or map found where not expected." if body.strip().startswith(b"{") else "Unable to parse the request body as JSON."
    if not isinstance(parsed, dict):
        return "Start of structure or map expected."
    return None
