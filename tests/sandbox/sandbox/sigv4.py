"""SigV4 verification in front of moto, with each protocol's real errors.

moto checks signatures for the services it routes through its IAM access
control, but answers every service with the query-style XML envelope and
does not look at X-Amz-Date.  This verifier runs first, for every service,
and answers like AWS does (aws-wire.md 2.6, 3, 4.3, 5.6):

=====================  =========================  ==========================  ======================
failure                query (ElastiCache, IAM,   json (KMS, Logs, Secrets    ec2
                       STS, CloudWatch)           Manager, SSM)
=====================  =========================  ==========================  ======================
no/garbled auth        MissingAuthenticationToken MissingAuthentication-      AuthFailure 401
                       / IncompleteSignature 403  TokenException / Incomplete-
                                                  SignatureException 400
unknown key            InvalidClientTokenId 403   UnrecognizedClientException AuthFailure 401
                                                  400
bad signature          SignatureDoesNotMatch 403  InvalidSignatureException   AuthFailure 401
                                                  400
X-Amz-Date off >15min  SignatureDoesNotMatch 403  InvalidSignatureException   RequestExpired 400
                       "Signature expired: ..."   400 "Signature expired: ..."
expired session token  ExpiredToken 403 (STS:     ExpiredTokenException 400   RequestExpired 400
                       ExpiredTokenException)
=====================  =========================  ==========================  ======================

Every response of the sandbox carries a ``Date`` header from the sandbox's
(possibly skewed) clock, so a client can correct its clock skew.
"""

import hmac
import threading
import time
from datetime import datetime, timezone

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SKEW_LIMIT = 15 * 60

# Requests allowed without a signature (aws-wire.md 5: model authtype none).
UNSIGNED_OPERATIONS = {("sts", "AssumeRoleWithWebIdentity"), ("sts", "AssumeRoleWithSAML")}


class Clock:
    """The sandbox's idea of "now": real time plus a settable offset."""

    def __init__(self):
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self):
        with self._lock:
            return self._offset

    def set_offset(self, seconds):
        with self._lock:
            self._offset = float(seconds)

    def now(self):
        return time.time() + self.offset


class _ExactSigV4(SigV4Auth):
    """SigV4Auth that signs exactly the headers the client listed (botocore
    itself leaves out a deny-list such as user-agent; a client may sign
    those, and AWS then checks them)."""

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        from botocore.compat import HTTPHeaders

        header_map = HTTPHeaders()
        for name in self._signed:
            header_map[name] = request.headers.get(name, "")
        return header_map


class AuthError(Exception):
    def __init__(self, code, message, status):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _amz(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class Verifier:
    """Looks up credentials in moto's IAM and STS backends and checks each
    request's SigV4 signature, date window and session token."""

    def __init__(self, clock):
        self.clock = clock
        self._expired_tokens = set()
        self._lock = threading.Lock()
        self.enabled = True
        # AWS signs IAM for us-east-1 only; clients pointed at one
        # AWS_ENDPOINT_URL (boto3 included) sign it for their own region,
        # so this check is opt-in (control API: {"strict_iam_region": true}).
        self.strict_iam_region = False

    # ---- credentials ----------------------------------------------------
    @staticmethod
    def _lookup(access_key):
        """Return (secret, session_token or None) or None if unknown."""
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends

        for account_id in list(iam_backends.keys()):
            for partition in ("aws",):
                try:
                    backend = iam_backends[account_id][partition]
                except KeyError:
                    continue
                for user in list(backend.users.values()):
                    for key in list(user.access_keys):
                        if key.access_key_id == access_key and key.status == "Active":
                            return key.secret_access_key, None
        for account_id in list(sts_backends.keys()):
            try:
                backend = sts_backends[account_id]["aws"]
            except KeyError:
                continue
            for role in list(backend.assumed_roles):
                if role.access_key_id == access_key:
                    return role.secret_access_key, role.session_token
        return None

    def session_tokens(self):
        from moto.sts.models import sts_backends

        tokens = set()
        for account_id in list(sts_backends.keys()):
            try:
                backend = sts_backends[account_id]["aws"]
            except KeyError:
                continue
            for role in list(backend.assumed_roles):
                tokens.add(role.session_token)
        return tokens

    def expire_all_tokens(self):
        tokens = self.session_tokens()
        with self._lock:
            before = len(self._expired_tokens)
            self._expired_tokens |= tokens
            return len(self._expired_tokens) - before

    def clear_expired(self):
        with self._lock:
            self._expired_tokens.clear()

    def _is_expired(self, token):
        with self._lock:
            return token in self._expired_tokens

    # ---- errors per protocol ---------------------------------------------
    @staticmethod
    def _err(info, kind, message=None):
        p = info.protocol
        if p == "ec2":
            table = {
                "missing": ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
                "incomplete": ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
                "unknown": ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
                "signature": ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
                "skew": ("RequestExpired", "Request has expired.", 400),
                "expired": ("RequestExpired", "Request has expired.", 400),
            }
        elif p == "json":
            table = {
                "missing": ("MissingAuthenticationTokenException", "Missing Authentication Token", 400),
                "incomplete": ("IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.", 400),
                "unknown": ("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
                "signature": ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", 400),
                "skew": ("InvalidSignatureException", "Signature expired", 400),
                "expired": ("ExpiredTokenException", "The security token included in the request is expired", 400),
            }
        else:
            table = {
                "missing": ("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
                "incomplete": ("IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.", 403),
                "unknown": ("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
                "signature": ("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", 403),
                "skew": ("SignatureDoesNotMatch", "Signature expired", 403),
                "expired": (
                    ("ExpiredTokenException", "The security token included in the request is expired", 400)
                    if info.service == "sts"
                    else ("ExpiredToken", "The security token included in the request is expired", 403)
                ),
            }
        code, default_message, status = table[kind]
        return AuthError(code, message or default_message, status)

    # ---- verification ----------------------------------------------------
    def verify(self, environ, info):
        """Raise AuthError when the request must be rejected."""
        if not self.enabled:
            return
        if not info.auth_header:
            if (info.service, info.operation) in UNSIGNED_OPERATIONS:
                return
            if environ.get("QUERY_STRING", "").find("X-Amz-Signature=") >= 0:
                raise self._err(info, "incomplete", "Presigned requests are not accepted by the sandbox endpoint for this operation.")
            raise self._err(info, "missing")
        if info.access_key is None:
            raise self._err(info, "incomplete")
        found = self._lookup(info.access_key)
        if found is None:
            raise self._err(info, "unknown")
        secret, expected_token = found
        token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
        if expected_token is not None:
            if not token or not hmac.compare_digest(token, expected_token):
                raise self._err(info, "unknown")
            if self._is_expired(token):
                raise self._err(info, "expired")
        elif token:
            raise self._err(info, "unknown")

        amz_date = environ.get("HTTP_X_AMZ_DATE", "")
        try:
            ts = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            raise self._err(info, "incomplete", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        if amz_date[:8] != info.scope_date:
            raise self._err(info, "signature", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'." % (info.scope_date, amz_date[:8], amz_date))
        now = self.clock.now()
        if ts < now - SKEW_LIMIT:
            raise self._err(
                info,
                "skew",
                None
                if info.protocol == "ec2"
                else "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (amz_date, _amz(now - SKEW_LIMIT), _amz(now)),
            )
        if ts > now + SKEW_LIMIT:
            raise self._err(
                info,
                "skew",
                None
                if info.protocol == "ec2"
                else "Signature not yet current: %s is still later than %s (%s + 15 min.)" % (amz_date, _amz(now + SKEW_LIMIT), _amz(now)),
            )
        # IAM is global: the aws partition signs it for us-east-1 only.
        if self.strict_iam_region and info.scope_service == "iam" and info.scope_region != "us-east-1":
            raise self._err(info, "signature", "Credential should be scoped to a valid region. ")
        if info.protocol == "json" and info.service and info.scope_service and info.scope_service != info.service:
            raise self._err(info, "signature", "Credential should be scoped to correct service: '%s'. " % info.service)

        expected = self.compute_signature(environ, info, secret, token, amz_date)
        if not hmac.compare_digest(expected, info.signature or ""):
            raise self._err(info, "signature")

    @staticmethod
    def compute_signature(environ, info, secret, token, amz_date):
        headers = {}
        for name in info.signed_headers:
            lname = name.lower()
            if lname == "content-type":
                value = environ.get("CONTENT_TYPE")
            elif lname == "content-length":
                value = environ.get("CONTENT_LENGTH")
            else:
                value = environ.get("HTTP_" + lname.upper().replace("-", "_"))
            if value is None:
                value = ""
            headers[lname] = value
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or "/"
        if raw_uri.startswith("http://") or raw_uri.startswith("https://"):
            from urllib.parse import urlsplit

            parts = urlsplit(raw_uri)
            raw_uri = parts.path + ("?" + parts.query if parts.query else "")
        host = headers.get("host") or environ.get("HTTP_HOST", "localhost")
        url = "http://%s%s" % (host, raw_uri)
        body = environ.get("sandbox.body", b"")
        req = AWSRequest(method=environ.get("REQUEST_METHOD", "POST"), url=url, data=body, headers=headers)
        req.context["timestamp"] = amz_date
        auth = _ExactSigV4(Credentials("x", secret, token), info.scope_service, info.scope_region, [h.lower() for h in info.signed_headers])
        canonical = auth.canonical_request(req)
        sts = auth.string_to_sign(req, canonical)
        return auth.signature(sts, req)
