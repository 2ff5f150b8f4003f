"""The sandbox's HTTP front end: moto in-process, SigV4 on, faults, control API.

One threaded werkzeug server on 127.0.0.1 serves every AWS service the way
AWS_ENDPOINT_URL clients send them (all to one host) plus a JSON control API
under ``/_sandbox/`` (no auth; see control.py).  For each AWS request:

1. identify service/protocol/operation, count it;
2. apply fault rules (latency, throttle, 5xx, reset, truncate, malformed);
3. verify SigV4 (sigv4.py) with the sandbox clock (skewable);
4. hand the request to moto (which authenticates again with IAM and
   authorises it against the allow-all policy of the generated user);
5. stamp ``Date`` from the sandbox clock.

Credentials: before serving, the first five calls into moto are made
unauthenticated (moto's INITIAL_NO_AUTH_ACTION_COUNT): they create an IAM
user ``sandbox`` with a random access key and an allow-all inline policy,
and a role ``sandbox-admin`` (trusting the account) with the same policy for
AssumeRole tests.  From then on moto checks every request.
"""

import os

# moto reads this at import time; 5 = the bootstrap calls below.
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "5"

import json  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402

from . import awsproto, elasticache, kmslogs, livetail, secretrec  # noqa: E402
from .faults import Faults, malformed_body  # noqa: E402
from .sigv4 import AuthError, Clock, Verifier  # noqa: E402

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


class _ResetConnection(Exception):
    """Raised by the app to make the handler drop the connection with RST."""


class _Handler(WSGIRequestHandler):
    def date_time_string(self, timestamp=None):
        clock = getattr(self.server, "sandbox_clock", None)
        if clock is None:
            return super().date_time_string(timestamp)
        from email.utils import formatdate

        return formatdate(clock.now() if timestamp is None else timestamp, usegmt=True)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except _ResetConnection:
            self.close_connection = True
            self.server.mark_reset(self.connection)

    def log_request(self, code="-", size="-"):
        log = getattr(self.server, "sandbox_log", None)
        if log is not None:
            # never the query string: a GET query call may carry secrets
            log("%s %s %s" % (self.command, self.path.split("?", 1)[0], code))

    def log_error(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler API
        log = getattr(self.server, "sandbox_log", None)
        if log is not None:
            log("error: " + (format % args))

    def log_message(self, format, *args):  # noqa: A002
        pass


class _Server(ThreadedWSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host, port, app):
        super().__init__(host, port, app, handler=_Handler, passthrough_errors=True)
        self._reset = set()
        self._reset_lock = threading.Lock()
        self.sandbox_clock = None
        self.sandbox_log = None

    def mark_reset(self, sock):
        with self._reset_lock:
            self._reset.add(id(sock))

    def shutdown_request(self, request):
        with self._reset_lock:
            reset = id(request) in self._reset
            self._reset.discard(id(request))
        if reset:
            try:
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_request(request)
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client that went away mid-answer is normal under fault tests.
        log = self.sandbox_log
        if log is not None:
            import traceback

            log("handler error: " + traceback.format_exc(limit=3))


# The raw body of the request being handled on this thread, for moto's
# signature re-check (Flask has consumed form bodies by then).
_CURRENT = threading.local()


def _patch_moto_signature_check():
    """moto re-checks signatures with botocore's SigV4Auth, which leaves out
    headers such as User-Agent even when the client signed them; make it
    sign exactly the client's SignedHeaders (as AWS does)."""
    from moto.iam import access_control

    from .sigv4 import _ExactSigV4

    def _create_auth(self, credentials):
        signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        return _ExactSigV4(credentials, self._service, self._region, [h.strip().lower() for h in signed if h.strip()])

    def _create_aws_request(self):
        from botocore.awsrequest import AWSRequest

        signed = [h.strip().lower() for h in self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")]
        headers = self._create_headers_for_aws_request(signed, self._headers)
        body = getattr(_CURRENT, "body", None)
        if body is None:
            body = self._body or self._data
        request = AWSRequest(method=self._method, url=self._path, data=body, headers=headers)
        request.context["timestamp"] = self._headers.get("X-Amz-Date") or self._headers.get("x-amz-date")
        return request

    from moto.core.authorization import ActionAuthenticatorMixin

    original = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action

    def _authenticate(self, resource="*"):
        # AssumeRoleWithWebIdentity / AssumeRoleWithSAML are unsigned by
        # design (the front end admitted them); moto would look for an
        # Authorization header and fail.
        if "Authorization" not in self.headers and self._get_action() in ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"):
            return
        return original(self, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = _authenticate
    access_control.IAMRequest._create_auth = _create_auth
    access_control.IAMRequest._create_aws_request = _create_aws_request


class SandboxServer:
    """moto + ElastiCache model + faults + control API on one port."""

    def __init__(self, port=0, host="127.0.0.1", region="us-east-2", endpoint_domain=elasticache.AWS_DOMAIN, create_delay=0.0, log_file=None):
        self.bind_host = host
        self.requested_port = port
        self.region = region
        self.clock = Clock()
        self.verifier = Verifier(self.clock)
        self.faults = Faults()
        self.key_gate = kmslogs.KeyPolicyGate()
        self.world = elasticache.World(domain=endpoint_domain, create_delay=create_delay)
        self.live = livetail.LiveHub()
        self.access_key = None
        self.secret_key = None
        self.role_arn = None
        self.account_id = None
        self.ready = False
        self.seed = "empty"
        self.started_at = time.time()
        self.controller = None  # control.Controller, set by the owner
        self._server = None
        self._thread = None
        self._log_lock = threading.Lock()
        self._log_fp = open(log_file, "a", buffering=1) if log_file else None
        self.paused_logs = set()

    # ---- logging ----------------------------------------------------------------
    def log(self, text):
        if self._log_fp is None:
            return
        with self._log_lock:
            try:
                self._log_fp.write("%s %s\n" % (time.strftime("%H:%M:%S"), text))
            except ValueError:
                pass

    # ---- lifecycle ------------------------------------------------------------------
    def start(self):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        _patch_moto_signature_check()
        elasticache.install(self.world)
        livetail.install(self.live)

        class Dispatcher(DomainDispatcherApplication):
            """moto's dispatcher scans its package folders on every request
            (os.stat storms); the host -> backend answer never changes."""

            def __init__(self, create_app):
                super().__init__(create_app)
                self._backend_cache = {}

            def get_backend_for_host(self, host):
                try:
                    return self._backend_cache[host]
                except KeyError:
                    pass
                backend = super().get_backend_for_host(host)
                self._backend_cache[host] = backend
                return backend

        self.moto_app = Dispatcher(create_backend_app)
        self._bootstrap()
        self.world.account_id = self.account_id
        self._server = _Server(self.bind_host, self.requested_port, self.app)
        self._server.sandbox_clock = self.clock
        self._server.sandbox_log = self.log
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="sandbox-http", daemon=True)
        self._thread.start()
        self.world.start()
        return self

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.live.stop()
        self.world.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._log_fp is not None:
            with self._log_lock:
                self._log_fp.close()
                self._log_fp = None

    # ---- credentials --------------------------------------------------------------------
    def _bootstrap(self):
        """Create the run's IAM user, access key and allow-all policies with
        unauthenticated calls (the only ones moto will accept)."""
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin
        from werkzeug.test import Client

        settings.INITIAL_NO_AUTH_ACTION_COUNT = 5
        ActionAuthenticatorMixin.request_count = 0
        client = Client(self.moto_app)
        ns = "{https://iam.amazonaws.com/doc/2010-05-08/}"

        def call(action, **params):
            body = urlencode(dict({"Action": action, "Version": "2010-05-08"}, **params))
            headers = {
                "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox-bootstrap/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Host": "iam.amazonaws.com",
            }
            resp = client.post("/", data=body, headers=headers)
            if resp.status_code != 200:
                raise RuntimeError("sandbox bootstrap %s failed: %s %s" % (action, resp.status_code, resp.get_data(as_text=True)[:300]))
            return ET.fromstring(resp.get_data())

        user = call("CreateUser", UserName="sandbox")
        arn = user.find(".//%sArn" % ns).text
        self.account_id = arn.split(":")[4]
        call("PutUserPolicy", UserName="sandbox", PolicyName="sandbox-allow-all", PolicyDocument=ALLOW_ALL)
        key = call("CreateAccessKey", UserName="sandbox")
        self.access_key = key.find(".//%sAccessKeyId" % ns).text
        self.secret_key = key.find(".//%sSecretAccessKey" % ns).text
        secretrec.record(self.secret_key, "sandbox AWS secret key")
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::%s:root" % self.account_id, arn]}, "Action": "sts:AssumeRole"}],
            }
        )
        role = call("CreateRole", RoleName="sandbox-admin", AssumeRolePolicyDocument=trust)
        self.role_arn = role.find(".//%sArn" % ns).text
        call("PutRolePolicy", RoleName="sandbox-admin", PolicyName="sandbox-allow-all", PolicyDocument=ALLOW_ALL)
        if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
            raise RuntimeError("sandbox bootstrap did not use up moto's unauthenticated calls")

    # ---- the WSGI app -------------------------------------------------------------------
    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/") or path == "/_sandbox":
            return self._control(environ, start_response)
        if path.startswith("/moto-api"):
            return self._respond(start_response, 404, [("Content-Type", "text/plain")], b"not found\n")
        info = awsproto.identify(environ)
        rec = self.faults.count_request(info.service, info.operation)
        try:
            return self._serve(environ, start_response, info)
        finally:
            self.faults.end_request(rec)

    def _serve(self, environ, start_response, info):
        """One AWS request: faults, signature, the answer."""
        fired = self.faults.decide(info.service, info.operation)
        answer = None
        for rule in fired:
            if rule.kind == "latency":
                time.sleep(rule.delay)
            else:
                answer = rule
        kind = answer.kind if answer is not None else None
        if kind == "reset":
            raise _ResetConnection()
        try:
            status, headers, body = self._answer(environ, info, kind, answer)
        except Exception:
            import traceback

            self.log("internal error on %s: %s" % (info.label(), traceback.format_exc(limit=8)))
            code, msg, st = awsproto.server_error(info, 500)
            status, headers, body = awsproto.error_response(info, code, msg, st, sender=False)
        if not isinstance(body, bytes):
            # an event stream: chunked, as long as the session lasts
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "date")]
            start_response(awsproto.status_line(status), headers)
            return self._stream_body(body)
        if kind == "truncate":
            cut = body[: max(1, len(body) // 2)] if body else b""
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(max(len(body), 1))))
            body = cut
        return self._respond(start_response, status, headers, body)

    def _answer(self, environ, info, kind, rule):
        """(status, headers, body) for one AWS request, faults applied."""
        if kind == "throttle":
            code, msg, status = awsproto.throttling_error(info)
            return awsproto.error_response(info, code, msg, status)
        if kind == "error":
            code, msg, status = awsproto.server_error(info, rule.status)
            return awsproto.error_response(info, code, msg, status, sender=False)
        if kind == "malformed":
            ctype = "application/x-amz-json-1.1" if info.protocol == "json" else "text/xml"
            body = malformed_body(info.protocol)
            return 200, [("Content-Type", ctype), ("x-amzn-RequestId", awsproto.new_request_id()), ("Content-Length", str(len(body)))], body
        try:
            self.verifier.verify(environ, info)
        except AuthError as e:
            self.faults.count_auth_rejection()
            return awsproto.error_response(info, e.code, e.message, e.status)
        if info.service not in awsproto.SERVICE_PROTOCOL or info.service == "pricing":
            code = "UnknownOperationException" if info.protocol == "json" else "InvalidAction"
            return awsproto.error_response(info, code, "The sandbox does not serve the %s service." % (info.service or "requested"), 400)
        bad = awsproto.validate_request(info)
        if bad is not None:
            return awsproto.error_response(info, bad[0], bad[1], 400)
        if info.protocol == "json":
            msg = awsproto.validate_json_body(environ.get("sandbox.body", b""))
            if msg is not None:
                return awsproto.error_response(info, "SerializationException", msg, 400)
        if info.service == "ec2" and info.operation in ("DeleteSubnet", "DeleteSecurityGroup"):
            msg = self.world.ec2_dependency(info.scope_region, info.operation, info.form)
            if msg:
                return awsproto.error_response(info, "DependencyViolation", msg, 400)
        if info.service == "logs" and info.operation in ("CreateLogGroup", "AssociateKmsKey"):
            msg = self._log_group_key_denied(environ, info)
            if msg:
                return awsproto.error_response(info, "AccessDeniedException", msg, 400)
        if info.service == "logs" and info.operation == "StartLiveTail":
            return self._start_live_tail(environ, info)
        status, headers, body = self._call_moto(environ)
        secretrec.observe(info.service, info.operation, environ.get("sandbox.body", b""), body)
        if status == 200 and info.service == "kms" and info.operation in ("PutKeyPolicy", "CreateKey"):
            self._note_key_policy(environ, info, body)
        if status in (401, 403) and info.protocol == "json" and body[:200].lstrip().startswith(b"<"):
            status, headers, body = self._json_auth_error(info, status, body)
        return status, headers, body

    # ---- StartLiveTail (livetail.py) -------------------------------------------------------
    @staticmethod
    def _stream_body(gen):
        try:
            for chunk in gen:
                yield chunk
        except livetail.ResetStream:
            raise _ResetConnection()
        finally:
            gen.close()

    def _iam_denied(self, environ, action):
        """moto's IAM evaluation of logs:ACTION for the caller: None when
        allowed, else (code, message)."""
        from moto.iam.access_control import IAMRequest
        from werkzeug.datastructures import EnvironHeaders

        headers = dict(EnvironHeaders(environ).items())
        try:
            req = IAMRequest(
                account_id=self.account_id,
                method=environ.get("REQUEST_METHOD", "POST"),
                path=environ.get("PATH_INFO", "/"),
                data={},
                body=environ.get("sandbox.body", b""),
                headers=headers,
                action=action,
            )
            req.check_action_permitted("*")
        except Exception as e:  # moto's AccessDeniedError, InvalidClientTokenId...
            code = getattr(e, "error_type", None) or "AccessDeniedException"
            message = getattr(e, "message", None) or str(e)
            if code in ("AccessDenied", "AccessDeniedException"):
                code = "AccessDeniedException"
            elif code == "InvalidClientTokenId":
                code = "UnrecognizedClientException"
            return code, message
        return None

    def _start_live_tail(self, environ, info):
        try:
            req = json.loads(environ.get("sandbox.body", b"") or b"{}")
        except ValueError:
            req = None
        if not isinstance(req, dict):
            return awsproto.error_response(info, "SerializationException", "the body is not a JSON object", 400)
        ids = req.get("logGroupIdentifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 10:
            return awsproto.error_response(
                info, "InvalidParameterException", "logGroupIdentifiers must name 1 to 10 log groups", 400
            )
        names = [livetail.group_name(x) for x in ids]
        if None in names:
            bad = ids[names.index(None)]
            return awsproto.error_response(
                info, "InvalidParameterException", "logGroupIdentifier %r is not a log group ARN (without a trailing *)" % (bad,), 400
            )
        for key in ("logStreamNames", "logStreamNamePrefixes"):
            v = req.get(key)
            if v is not None and (not isinstance(v, list) or not 1 <= len(v) <= 100):
                return awsproto.error_response(info, "InvalidParameterException", "%s must hold 1 to 100 names" % key, 400)
        pattern = req.get("logEventFilterPattern")
        if pattern is not None and (not isinstance(pattern, str) or len(pattern) > 1024):
            return awsproto.error_response(info, "InvalidParameterException", "logEventFilterPattern is not a pattern", 400)
        denied = self._iam_denied(environ, "StartLiveTail")
        if denied:
            with self.live.cond:
                self.live.counters["denied"] += 1
            return awsproto.error_response(info, denied[0], denied[1], 400)
        refused = self.live.refuse_now()
        if refused:
            return awsproto.error_response(info, refused, "Too many concurrent live tail sessions (sandbox fault).", 400)
        from moto.logs.models import logs_backends

        region = info.scope_region or self.region
        backend = logs_backends[self.account_id][region]
        for n in names:
            if n not in backend.groups:
                return awsproto.error_response(info, "ResourceNotFoundException", "The specified log group does not exist: %s" % n, 400)
        session = self.live.open(self.account_id, region, names, req.get("logStreamNames"), req.get("logStreamNamePrefixes"), pattern, req)
        self.log("StartLiveTail session %s for %s" % (session.id, ", ".join(names)))
        headers = [("Content-Type", "application/vnd.amazon.eventstream"), ("x-amzn-RequestId", session.request_id)]
        return 200, headers, self.live.stream(session)

    def _log_group_key_denied(self, environ, info):
        try:
            req = json.loads(environ.get("sandbox.body", b"") or b"{}")
        except ValueError:
            return None
        key_id = req.get("kmsKeyId") if isinstance(req, dict) else None
        if not key_id:
            return None
        from moto.kms.models import kms_backends

        region = info.scope_region or self.region
        backend = kms_backends[self.account_id][region]
        return self.key_gate.check(backend, region, self.account_id, req.get("logGroupName", ""), key_id)

    def _note_key_policy(self, environ, info, body):
        try:
            if info.operation == "PutKeyPolicy":
                key_id = json.loads(environ.get("sandbox.body", b"") or b"{}").get("KeyId")
            else:
                key_id = json.loads(body or b"{}").get("KeyMetadata", {}).get("KeyId")
        except (ValueError, AttributeError):
            return
        if not key_id:
            return
        from moto.kms.models import kms_backends

        region = info.scope_region or self.region
        try:
            key_id = kms_backends[self.account_id][region].any_id_to_key_id(key_id)
        except Exception:
            return
        self.key_gate.policy_written(region, key_id)

    def _call_moto(self, environ):
        captured = {}

        def sr(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = headers
            return lambda data: None

        _CURRENT.body = environ.get("sandbox.body", b"")
        try:
            chunks = self.moto_app(environ, sr)
            try:
                body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        finally:
            _CURRENT.body = None
        status = int(captured["status"].split(" ", 1)[0])
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in ("content-length", "date", "server", "connection")]
        headers.append(("Content-Length", str(len(body))))
        return status, headers, body

    @staticmethod
    def _json_auth_error(info, status, body):
        """moto answers its IAM authorisation failures in XML for every
        service; JSON services say AccessDeniedException (400) in JSON."""
        try:
            root = ET.fromstring(body)
            code = root.findtext(".//{*}Code") or root.findtext(".//Code") or "AccessDenied"
            message = root.findtext(".//{*}Message") or root.findtext(".//Message") or ""
        except ET.ParseError:
            code, message = "AccessDenied", body.decode("utf-8", "replace")
        json_code = {
            "AccessDenied": "AccessDeniedException",
            "SignatureDoesNotMatch": "InvalidSignatureException",
            "InvalidClientTokenId": "UnrecognizedClientException",
        }.get(code, code)
        st, headers, out = awsproto.error_response(info, json_code, message, 400)
        return st, headers, out

    def _error(self, start_response, info, code, message, status, sender=True):
        status, headers, body = awsproto.error_response(info, code, message, status, sender=sender)
        return self._respond(start_response, status, headers, body)

    def _respond(self, start_response, status, headers, body):
        # Date comes from the request handler (date_time_string), which
        # reads the sandbox clock, so a skewed clock shows in it.
        headers = [(k, v) for k, v in headers if k.lower() != "date"]
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(awsproto.status_line(status), headers)
        return [body]

    def _control(self, environ, start_response):
        if self.controller is None:
            return self._respond(start_response, 503, [("Content-Type", "application/json")], b'{"error": "control API not ready"}')
        status, payload = self.controller.handle(environ)
        body = (json.dumps(payload, default=str) + "\n").encode("utf-8")
        return self._respond(start_response, status, [("Content-Type", "application/json")], body)
