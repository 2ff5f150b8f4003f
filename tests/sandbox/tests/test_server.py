"""Sandbox front end: start/stop, exports, loopback only, no leftovers;
SigV4 rejection per service, clock skew, expired session tokens, moto's own
authorisation, and C-client-style signing variants."""

import datetime
import email.utils
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
sys.path.insert(0, SANDBOX)

import boto3  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from sandbox.sandboxctl import RUN, Sandbox  # noqa: E402
from sandbox.testing import children, listening_addresses, pid_alive, wait_for  # noqa: E402

# One cheap read per service elcui uses, and the error each protocol gives.
SERVICE_CALLS = {
    "elasticache": lambda c: c.describe_replication_groups(),
    "ec2": lambda c: c.describe_availability_zones(),
    "kms": lambda c: c.list_keys(),
    "logs": lambda c: c.describe_log_groups(),
    "secretsmanager": lambda c: c.list_secrets(),
    "ssm": lambda c: c.describe_parameters(),
    "iam": lambda c: c.list_users(),
    "sts": lambda c: c.get_caller_identity(),
    "cloudwatch": lambda c: c.list_metrics(),
}
BAD_SIGNATURE = {
    "elasticache": ("SignatureDoesNotMatch", 403),
    "ec2": ("AuthFailure", 401),
    "kms": ("InvalidSignatureException", 400),
    "logs": ("InvalidSignatureException", 400),
    "secretsmanager": ("InvalidSignatureException", 400),
    "ssm": ("InvalidSignatureException", 400),
    "iam": ("SignatureDoesNotMatch", 403),
    "sts": ("SignatureDoesNotMatch", 403),
    "cloudwatch": ("SignatureDoesNotMatch", 403),
}
UNKNOWN_KEY = {
    "elasticache": ("InvalidClientTokenId", 403),
    "ec2": ("AuthFailure", 401),
    "kms": ("UnrecognizedClientException", 400),
    "logs": ("UnrecognizedClientException", 400),
    "secretsmanager": ("UnrecognizedClientException", 400),
    "ssm": ("UnrecognizedClientException", 400),
    "iam": ("InvalidClientTokenId", 403),
    "sts": ("InvalidClientTokenId", 403),
    "cloudwatch": ("InvalidClientTokenId", 403),
}
SKEW = {
    "elasticache": ("SignatureDoesNotMatch", 403),
    "ec2": ("RequestExpired", 400),
    "kms": ("InvalidSignatureException", 400),
    "logs": ("InvalidSignatureException", 400),
    "secretsmanager": ("InvalidSignatureException", 400),
    "ssm": ("InvalidSignatureException", 400),
    "iam": ("SignatureDoesNotMatch", 403),
    "sts": ("SignatureDoesNotMatch", 403),
    "cloudwatch": ("SignatureDoesNotMatch", 403),
}
EXPIRED = {
    "elasticache": ("ExpiredToken", 403),
    "ec2": ("RequestExpired", 400),
    "kms": ("ExpiredTokenException", 400),
    "logs": ("ExpiredTokenException", 400),
    "secretsmanager": ("ExpiredTokenException", 400),
    "ssm": ("ExpiredTokenException", 400),
    "iam": ("ExpiredToken", 403),
    "sts": ("ExpiredTokenException", 400),
    "cloudwatch": ("ExpiredToken", 403),
}

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def http_date(text):
    d = email.utils.parsedate_to_datetime(text)
    return d if d.tzinfo else d.replace(tzinfo=datetime.timezone.utc)


def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response
    raise AssertionError("the call succeeded")


def raw_request(sb, service, region, body, headers, method="POST", path="/", sign=True, secret=None, amz_date=None, signed_extra=()):
    """Send one request the way a C client would (http.client + botocore's
    signer over exactly the headers we choose)."""
    u = urllib.parse.urlsplit(sb.endpoint)
    host = "%s:%d" % (u.hostname, u.port)
    hdrs = dict(headers)
    hdrs["Host"] = host
    if sign:
        amz_date = amz_date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        hdrs["X-Amz-Date"] = amz_date
        req = AWSRequest(method=method, url="http://%s%s" % (host, path), data=body, headers=hdrs)
        req.context["timestamp"] = amz_date
        auth = SigV4Auth(Credentials(sb.access_key, secret or sb.secret_key), service, region)
        # sign every header we set (incl. User-Agent if present), unlike botocore
        auth.headers_to_sign = lambda r, _h=hdrs: _headers(_h)
        sts_ = auth.string_to_sign(req, auth.canonical_request(req))
        sig = auth.signature(sts_, req)
        names = ";".join(sorted(k.lower() for k in hdrs))
        hdrs["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s" % (
            sb.access_key,
            amz_date[:8],
            region,
            service,
            names,
            sig,
        )
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def _headers(h):
    from botocore.compat import HTTPHeaders

    m = HTTPHeaders()
    for k, v in h.items():
        m[k.lower()] = v
    return m


class LifecycleTest(unittest.TestCase):
    def test_start_exports_env_and_clean_stop(self):
        # a registry of its own: other sandboxes on the machine (other
        # tests, other users) do not make tests/sandbox/env refuse
        runtime = tempfile.mkdtemp(prefix="elcui-runtime-")
        saved = os.environ.get("XDG_RUNTIME_DIR")
        os.environ["XDG_RUNTIME_DIR"] = runtime
        self.addCleanup(shutil.rmtree, runtime, True)
        self.addCleanup(lambda: os.environ.__setitem__("XDG_RUNTIME_DIR", saved) if saved is not None else os.environ.pop("XDG_RUNTIME_DIR", None))
        sb = Sandbox(seed="empty", redis=False)
        sb.start()
        try:
            print("\n  sandbox start (empty seed, no redis): %.2f s" % sb.start_seconds, file=sys.stderr)
            self.assertLess(sb.start_seconds, 10.0)
            for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION", "ELCUI_SANDBOX_STATE"):
                self.assertIn(k, sb.exports)
            self.assertTrue(sb.endpoint.startswith("http://127.0.0.1:"))
            self.assertTrue(sb.access_key.startswith("AKIA"))
            self.assertEqual(sb.exports["AWS_REGION"], "us-east-2")
            state = sb.exports["ELCUI_SANDBOX_STATE"]
            with open(os.path.join(state, "env")) as f:
                env_file = f.read()
            self.assertIn("export AWS_ENDPOINT_URL=%s" % sb.endpoint, env_file)
            self.assertIn("export AWS_SECRET_ACCESS_KEY=", env_file)
            self.assertEqual(os.stat(os.path.join(state, "env")).st_mode & 0o077, 0)
            out = subprocess.run([os.path.join(SANDBOX, "env"), state], capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout, env_file)
            out = subprocess.run([os.path.join(SANDBOX, "env")], capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout, env_file)
            st = sb.status()
            self.assertTrue(st["ready"])
            self.assertEqual(st["seed"], "empty")
            self.assertIn("sandbox-admin", st["role_arn"])
            pid = sb.pid
            self.assertEqual([a for a in listening_addresses([pid]) if a[0] != "127.0.0.1"], [])
            self.assertIn(("127.0.0.1", int(sb.endpoint.rsplit(":", 1)[1])), listening_addresses([pid]))
            kids = children(pid)
        finally:
            rc = sb.stop()
        self.assertEqual(rc, 0)
        self.assertFalse(pid_alive(pid))
        for k in kids:
            self.assertFalse(pid_alive(k), "child %d survived" % k)
        self.assertFalse(os.path.exists(state), "temporary state dir not removed")
        out = subprocess.run([os.path.join(SANDBOX, "env"), state], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 1)
        # its registry entry went with it
        self.assertEqual(os.listdir(os.path.join(runtime, "elcui-sandbox-%d.d" % os.getuid())), [])

    def test_sigterm_with_redis_leaves_nothing_and_binds_loopback(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state")
            p = subprocess.Popen(
                [sys.executable, RUN, "--state-dir", state, "--create-delay", "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            try:
                exports = {}
                for line in p.stdout:
                    if line.startswith("export "):
                        k, _, v = line[7:].strip().partition("=")
                        exports[k] = v
                    if line.startswith("# sandbox ready"):
                        break
                self.assertIn("ELCUI_REDIS_CACERT", exports)
                self.assertTrue(os.path.isfile(exports["ELCUI_REDIS_CACERT"]))
                self.assertEqual(exports["ELCUI_SANDBOX_STATE"], os.path.abspath(state))
                sb = Sandbox()
                sb.exports = exports
                ec = sb.client("elasticache")
                ec.create_replication_group(ReplicationGroupId="one", ReplicationGroupDescription="x", NumCacheClusters=1)
                sb.wait_for_group("one", timeout=60)
                kids = children(p.pid)
                self.assertTrue(kids, "no redis-server started")
                addrs = listening_addresses([p.pid] + sorted(kids))
                self.assertGreaterEqual(len(addrs), 2)
                # loopback only: the AWS endpoint on 127.0.0.1, each node
                # on an address of its own in 127.0.0.0/8, on the port asked for
                self.assertEqual([a for a in addrs if not a[0].startswith("127.")], [], addrs)
                self.assertIn(("127.0.0.1", int(exports["AWS_ENDPOINT_URL"].rsplit(":", 1)[1])), addrs)
                self.assertEqual(len([a for a in addrs if a[0] != "127.0.0.1" and a[1] == 6379]), 1, addrs)
                p.send_signal(signal.SIGTERM)
                self.assertEqual(p.wait(timeout=30), 0)
                wait_for(lambda: not any(pid_alive(k) for k in kids), timeout=15, what="redis-server processes to exit")
                self.assertTrue(os.path.isdir(state), "a given --state-dir must be kept")
                self.assertFalse(os.path.exists(os.path.join(state, "pid")))
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                p.stdout.close()
                p.stderr.close()

    def test_sigkill_leaves_no_process(self):
        sb = Sandbox(seed="empty", redis=True)
        sb.start()
        try:
            ec = sb.client("elasticache")
            ec.create_replication_group(ReplicationGroupId="k", ReplicationGroupDescription="x", NumCacheClusters=2)
            sb.wait_for_group("k", timeout=60)
            kids = children(sb.pid)
            self.assertGreaterEqual(len(kids), 2)
            state = sb.state_dir
            os.kill(sb.pid, signal.SIGKILL)
            wait_for(lambda: not any(pid_alive(k) for k in kids), timeout=15, what="children of a SIGKILLed sandbox to exit")
            sb.stop()
            self.assertTrue(os.path.isdir(state))
            # the next run sweeps the dead run's temporary folder
            Sandbox(seed="empty", redis=False).start().stop()
            self.assertFalse(os.path.exists(state))
        finally:
            sb.stop()

    def test_stdin_eof_stops(self):
        sb = Sandbox(seed="empty", redis=False)
        sb.start()
        pid = sb.pid
        sb.proc.stdin.close()
        wait_for(lambda: sb.proc.poll() is not None, timeout=20, what="sandbox to exit on EOF")
        self.assertEqual(sb.proc.returncode, 0)
        self.assertFalse(pid_alive(pid))
        sb.stop()

    def test_control_shutdown(self):
        sb = Sandbox(seed="empty", redis=False).start()
        self.assertEqual(sb.shutdown(), 0)


class SignatureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=False).start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.reset_faults()

    def client(self, service, **kw):
        kw.setdefault("config", NO_RETRY)
        return self.sb.client(service, **kw)

    def test_every_service_accepts_the_run_key_and_rejects_a_wrong_secret(self):
        for service, call in SERVICE_CALLS.items():
            with self.subTest(service=service):
                call(self.client(service))
                code, status, resp = error_of(lambda: call(self.client(service, aws_secret_access_key="x" + self.sb.secret_key[1:])))
                self.assertEqual((code, status), BAD_SIGNATURE[service])
                self.assertIn("date", resp["ResponseMetadata"]["HTTPHeaders"])

    def test_unknown_access_key(self):
        for service, call in SERVICE_CALLS.items():
            with self.subTest(service=service):
                code, status, _ = error_of(lambda: call(self.client(service, aws_access_key_id="AKIAUNKNOWNKEY000000")))
                self.assertEqual((code, status), UNKNOWN_KEY[service])

    def test_error_envelopes_are_protocol_exact(self):
        body = b"Action=DescribeReplicationGroups&Version=2015-02-02"
        st, hdrs, data = raw_request(self.sb, "elasticache", "us-east-2", body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, secret="nope")
        self.assertEqual(st, 403)
        self.assertTrue(hdrs["content-type"].startswith("text/xml"))
        self.assertIn(b"<ErrorResponse", data)
        self.assertIn(b"<Type>Sender</Type><Code>SignatureDoesNotMatch</Code>", data)
        self.assertIn(b"x-amzn-requestid", b" ".join(k.encode() for k in hdrs))
        st, hdrs, data = raw_request(self.sb, "kms", "us-east-2", b"{}", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"}, secret="nope")
        self.assertEqual(st, 400)
        self.assertEqual(hdrs["content-type"], "application/x-amz-json-1.1")
        self.assertEqual(json.loads(data)["__type"], "InvalidSignatureException")
        st, hdrs, data = raw_request(self.sb, "secretsmanager", "us-east-2", b"{}", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.ListSecrets"}, secret="nope")
        self.assertIn("Message", json.loads(data))
        st, hdrs, data = raw_request(self.sb, "ec2", "us-east-2", b"Action=DescribeVpcs&Version=2016-11-15", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, secret="nope")
        self.assertEqual(st, 401)
        self.assertIn(b"<Response><Errors><Error><Code>AuthFailure</Code>", data)
        self.assertIn(b"<RequestID>", data)

    def test_unsigned_requests(self):
        st, _, data = raw_request(self.sb, "elasticache", "us-east-2", b"Action=DescribeReplicationGroups&Version=2015-02-02", {"Content-Type": "application/x-www-form-urlencoded"}, sign=False)
        self.assertEqual(st, 403)
        self.assertIn(b"MissingAuthenticationToken", data)
        st, _, data = raw_request(self.sb, "kms", "us-east-2", b"{}", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"}, sign=False)
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(data)["__type"], "MissingAuthenticationTokenException")
        # AssumeRoleWithWebIdentity is unsigned by design; its keys then work
        from botocore import UNSIGNED

        anon = boto3.client("sts", endpoint_url=self.sb.endpoint, region_name="us-east-2", config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
        creds = anon.assume_role_with_web_identity(RoleArn=self.sb.status()["role_arn"], RoleSessionName="web", WebIdentityToken="t" * 40)["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.client("kms", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"]).list_keys()
        code, status, _ = error_of(anon.get_caller_identity)
        self.assertEqual((code, status), ("MissingAuthenticationToken", 403))

    def test_c_client_signing_variants(self):
        # Signed User-Agent (botocore never signs it, a C client may).
        st, _, data = raw_request(
            self.sb,
            "elasticache",
            "us-east-2",
            b"Action=DescribeReplicationGroups&Version=2015-02-02",
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "User-Agent": "elcui/0.1  test"},
        )
        self.assertEqual(st, 200, data)
        # Query parameters in a GET (old style).
        st, _, data = raw_request(self.sb, "elasticache", "us-east-2", b"", {}, method="GET", path="/?Action=DescribeCacheParameterGroups&Version=2015-02-02")
        self.assertEqual(st, 200, data)
        self.assertIn(b"default.redis7.cluster.on", data)
        # JSON with a session-less key and target header.
        st, _, data = raw_request(self.sb, "logs", "us-east-2", b"{}", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.DescribeLogGroups"})
        self.assertEqual(st, 200, data)
        # Credential scoped to the wrong service for the target.
        st, _, data = raw_request(self.sb, "kms", "us-east-2", b"{}", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.DescribeLogGroups"})
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(data)["__type"], "InvalidSignatureException")
        # X-Amz-Date that does not match the credential date.
        old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)).strftime("%Y%m%dT%H%M%SZ")
        st, _, data = raw_request(self.sb, "sts", "us-east-2", b"Action=GetCallerIdentity&Version=2011-06-15", {"Content-Type": "application/x-www-form-urlencoded"}, amz_date=old)
        self.assertEqual(st, 403)
        self.assertIn(b"Signature expired", data)

    def test_clock_skew_window(self):
        # Client 20 minutes behind the sandbox: rejected with the expired-signature error.
        self.sb.clock_skew(20 * 60)
        for service, call in SERVICE_CALLS.items():
            with self.subTest(service=service):
                code, status, resp = error_of(lambda: call(self.client(service)))
                self.assertEqual((code, status), SKEW[service])
                if service != "ec2":
                    self.assertIn("Signature expired", resp["Error"]["Message"])
                server_date = http_date(resp["ResponseMetadata"]["HTTPHeaders"]["date"])
                skew = (server_date - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
                self.assertAlmostEqual(skew, 20 * 60, delta=30)
        # Client 20 minutes ahead.
        self.sb.clock_skew(-20 * 60)
        code, status, resp = error_of(lambda: self.client("kms").list_keys())
        self.assertEqual((code, status), ("InvalidSignatureException", 400))
        self.assertIn("Signature not yet current", resp["Error"]["Message"])
        # Within 15 minutes: accepted, and the Date header still shows the sandbox clock.
        self.sb.clock_skew(10 * 60)
        r = self.client("sts").get_caller_identity()
        server_date = http_date(r["ResponseMetadata"]["HTTPHeaders"]["date"])
        self.assertAlmostEqual((server_date - datetime.datetime.now(datetime.timezone.utc)).total_seconds(), 600, delta=30)
        self.sb.reset_faults()
        self.client("sts").get_caller_identity()

    def test_expired_session_tokens(self):
        sts = self.client("sts")
        role = self.sb.status()["role_arn"]
        creds = sts.assume_role(RoleArn=role, RoleSessionName="t1")["Credentials"]
        kw = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        for service, call in SERVICE_CALLS.items():
            with self.subTest(service=service, phase="valid"):
                call(self.client(service, **kw))
        # A temporary key without its token, or with a wrong one.
        code, status, _ = error_of(lambda: self.client("elasticache", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"]).describe_replication_groups())
        self.assertEqual((code, status), ("InvalidClientTokenId", 403))
        self.assertGreaterEqual(self.sb.expire_tokens(), 1)
        for service, call in SERVICE_CALLS.items():
            with self.subTest(service=service, phase="expired"):
                code, status, _ = error_of(lambda: call(self.client(service, **kw)))
                self.assertEqual((code, status), EXPIRED[service])
        # New sessions work; long-term keys were never affected.
        creds2 = sts.assume_role(RoleArn=role, RoleSessionName="t2")["Credentials"]
        self.client("kms", aws_access_key_id=creds2["AccessKeyId"], aws_secret_access_key=creds2["SecretAccessKey"], aws_session_token=creds2["SessionToken"]).list_keys()
        self.sb.reset_faults()
        self.client("kms", **kw).list_keys()

    def test_moto_authorises_against_iam_policies(self):
        iam = self.client("iam")
        iam.create_user(UserName="nobody")
        key = iam.create_access_key(UserName="nobody")["AccessKey"]
        kw = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        code, status, _ = error_of(lambda: self.client("elasticache", **kw).describe_replication_groups())
        self.assertEqual(code, "AccessDenied")
        iam.put_user_policy(
            UserName="nobody",
            PolicyName="ec-read",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "elasticache:Describe*", "Resource": "*"}]}),
        )
        self.client("elasticache", **kw).describe_replication_groups()
        code, _, _ = error_of(lambda: self.client("kms", **kw).list_keys())
        self.assertEqual(code, "AccessDeniedException")

    def test_front_end_request_validation(self):
        form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        cases = [
            ("elasticache", b"Action=NoSuchThing&Version=2015-02-02", 400, b"<Code>InvalidAction</Code>"),
            ("elasticache", b"Action=DescribeReplicationGroups&Version=2015-02-02&MaxRecords=x", 400, b"<Code>InvalidParameterValue</Code>"),
            (
                "elasticache",
                b"Action=CreateReplicationGroup&Version=2015-02-02&ReplicationGroupId=v&ReplicationGroupDescription=d&NodeGroupConfiguration.NodeGroupConfiguration.1.ReplicaCount=z",
                400,
                b"NodeGroupConfiguration.NodeGroupConfiguration.1.ReplicaCount",
            ),
            ("elasticache", b"Action=CreateReplicationGroup&Version=2015-02-02&ReplicationGroupId=v&ReplicationGroupDescription=d&TransitEncryptionEnabled=yes", 400, b"<Code>InvalidParameterValue</Code>"),
            ("elasticache", b"Action=DescribeEvents&Version=2015-02-02&StartTime=notatime", 400, b"<Code>InvalidParameterValue</Code>"),
            ("elasticache", b"Action=DescribeReplicationGroups&Version=2015-02-02&UnknownThing=1", 200, b"<DescribeReplicationGroupsResult>"),
            ("ec2", b"Action=DescribeVpcs&Version=2016-11-15&MaxResults=q", 400, b"<Response><Errors><Error><Code>InvalidParameterValue</Code>"),
            ("ec2", b"Action=Bogus&Version=2016-11-15", 400, b"<Code>InvalidAction</Code>"),
        ]
        for service, body, status, needle in cases:
            with self.subTest(body=body):
                st, _, data = raw_request(self.sb, service, "us-east-2", body, form)
                self.assertEqual(st, status, data)
                self.assertIn(needle, data)
        js = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"}
        for body in (b"{", b"[1]"):
            st, _, data = raw_request(self.sb, "kms", "us-east-2", body, js)
            self.assertEqual((st, json.loads(data)["__type"]), (400, "SerializationException"))
        st, _, data = raw_request(self.sb, "kms", "us-east-2", b"{}", dict(js, **{"X-Amz-Target": "TrentService.Nope"}))
        self.assertEqual((st, json.loads(data)["__type"]), (400, "UnknownOperationException"))

    def test_one_date_header_from_the_sandbox_clock(self):
        self.sb.clock_skew(7200)
        u = urllib.parse.urlsplit(self.sb.endpoint)
        for path, body, headers in (
            ("/_sandbox/status", None, {}),
            ("/", b"Action=GetCallerIdentity&Version=2011-06-15", {"Content-Type": "application/x-www-form-urlencoded"}),
        ):
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            conn.request("POST" if body else "GET", path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            dates = [v for k, v in r.getheaders() if k.lower() == "date"]
            conn.close()
            self.assertEqual(len(dates), 1, r.getheaders())
            skew = (http_date(dates[0]) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
            self.assertAlmostEqual(skew, 7200, delta=30)

    def test_unserved_service_and_unknown_control_route(self):
        st, _, data = raw_request(self.sb, "pricing", "us-east-1", b"{}", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSPriceListService.DescribeServices"})
        self.assertEqual(st, 400)
        self.assertIn("pricing", json.loads(data)["message"])
        from sandbox.sandboxctl import SandboxError

        with self.assertRaises(SandboxError) as cm:
            self.sb.control("GET", "nope")
        self.assertEqual(cm.exception.status, 404)


if __name__ == "__main__":
    unittest.main()
