#!/usr/bin/env python3
"""credserver.py - local stand-ins for the credential endpoints elcui talks to.

One HTTP listener on 127.0.0.1 serves:
  IMDS        PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/[ROLE]
  container   GET /container/... (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / FULL_URI)
  SSO portal  GET /federation/credentials?account_id=..&role_name=..
  STS         POST / with Action=AssumeRole | AssumeRoleWithWebIdentity | GetCallerIdentity
              (SigV4 verified against the keys it knows or issued)

Behaviour comes from a JSON file (--config) read on every request, so a test
changes it by rewriting the file. Every request is appended as one JSON line
to --log (headers lower-cased, form parameters decoded, signature verdict).
Secrets in the log are the per-run values the test generated itself.

  credserver.py --port-file F --config C --log L [--max-seconds N]

The server binds 127.0.0.1 on a free port, writes the port to F, and exits
on SIGTERM, when its parent goes away, or after --max-seconds (default 600).
"""
import argparse
import datetime
import hashlib
import hmac
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ISSUED = {}  # access key id -> {"secret", "token", "arn"}
COUNTER = [0]


def now_iso(offset_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def expiration(cfg):
    if "expiration" in cfg:
        return cfg["expiration"]
    return now_iso(cfg.get("expires_in", 3600))


def issue(arn):
    with LOCK:
        COUNTER[0] += 1
        n = COUNTER[0]
        akid = "ASIATEST%012d" % n
        cred = {"secret": secrets.token_urlsafe(30), "token": "tok-" + secrets.token_urlsafe(40),
                "arn": arn}
        ISSUED[akid] = cred
    return akid, cred


def sigv4_verify(method, raw_path, headers, body, keys):
    """Return (verdict, access key id). verdict: ok | unsigned | bad:<why>."""
    auth = headers.get("authorization")
    if not auth:
        return "unsigned", None
    try:
        algo, rest = auth.split(" ", 1)
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        akid, date, region, service, term = parts["Credential"].split("/")
        signed = parts["SignedHeaders"].split(";")
        sig = parts["Signature"]
    except (ValueError, KeyError):
        return "bad:malformed authorization", None
    if algo != "AWS4-HMAC-SHA256" or term != "aws4_request":
        return "bad:algorithm", akid
    secret = None
    token = None
    if akid in ISSUED:
        secret, token = ISSUED[akid]["secret"], ISSUED[akid]["token"]
    elif akid in keys:
        secret = keys[akid].get("secret")
        token = keys[akid].get("token")
    if secret is None:
        return "bad:unknown key", akid
    if token is not None and headers.get("x-amz-security-token") != token:
        return "bad:session token", akid
    if "host" not in signed or "x-amz-date" not in signed:
        return "bad:signed headers", akid
    path, _, query = raw_path.partition("?")
    q = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
    cq = "&".join(urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~")
                  for k, v in q)
    ch = "".join("%s:%s\n" % (h, " ".join(headers.get(h, "").split())) for h in signed)
    creq = "\n".join([method, path or "/", cq, ch, ";".join(signed),
                      hashlib.sha256(body).hexdigest()])
    amz = headers.get("x-amz-date", "")
    scope = "/".join([date, region, service, "aws4_request"])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for m in (date, region, service, "aws4_request"):
        k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return "bad:signature", akid
    return "ok", akid


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "credserver"

    def log_message(self, fmt, *args):
        pass

    def cfg(self):
        try:
            with open(self.server.config_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def record(self, entry):
        with LOCK:
            with open(self.server.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def reply(self, status, body, ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "req-%d" % int(time.time() * 1000))
        self.end_headers()
        self.wfile.write(data)

    def common(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path, _, query = self.path.partition("?")
        entry = {"method": method, "path": path, "query": dict(urllib.parse.parse_qsl(query)),
                 "headers": headers}
        cfg = self.cfg()
        try:
            self.route(method, path, query, headers, body, entry, cfg)
        except BrokenPipeError:
            pass

    def do_GET(self):
        self.common("GET")

    def do_PUT(self):
        self.common("PUT")

    def do_POST(self):
        self.common("POST")

    # ---- routes ----

    def route(self, method, path, query, headers, body, entry, cfg):
        if path.startswith("/latest/"):
            return self.imds(method, path, headers, entry, cfg.get("imds", {}))
        if path.startswith("/container"):
            return self.container(headers, entry, cfg.get("container", {}))
        if path == "/federation/credentials":
            return self.sso(headers, entry, cfg.get("sso", {}))
        if path == "/token" and method == "POST":
            return self.oidc(body, entry, cfg.get("oidc", {}))
        if method == "POST":
            return self.sts(path, headers, body, entry, cfg.get("sts", {}))
        self.record(entry)
        self.reply(404, "not found")

    def hang(self, seconds):
        end = time.time() + min(float(seconds), 30.0)
        while time.time() < end:
            time.sleep(0.05)

    def imds(self, method, path, headers, entry, c):
        self.record(entry)
        if path == "/latest/api/token":
            mode = str(c.get("token", "200"))
            if method != "PUT":
                return self.reply(405, "")
            if mode == "hang":
                self.hang(c.get("hang_seconds", 5))
                return self.reply(200, "late-token")
            if mode != "200":
                return self.reply(int(mode), "")
            if not headers.get("x-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "missing ttl")
            return self.reply(200, c.get("token_value", "imds-token"))
        tok = headers.get("x-aws-ec2-metadata-token")
        if c.get("require_token") and tok != c.get("token_value", "imds-token"):
            return self.reply(401, "")
        base = "/latest/meta-data/iam/security-credentials/"
        role = c.get("role")
        if path == base:
            if not role:
                return self.reply(404, "")
            return self.reply(200, role + "\n")
        if role and path == base + role:
            status = int(c.get("status", 200))
            if status != 200:
                return self.reply(status, "")
            if "raw" in c:
                return self.reply(200, c["raw"], "application/json")
            akid, cred = issue("arn:aws:sts::111122223333:assumed-role/%s/i-0abc" % role)
            doc = {"Code": c.get("code", "Success"), "LastUpdated": now_iso(0),
                   "Type": "AWS-HMAC", "AccessKeyId": akid,
                   "SecretAccessKey": cred["secret"], "Token": cred["token"],
                   "Expiration": expiration(c)}
            return self.reply(200, json.dumps(doc), "application/json")
        return self.reply(404, "")

    def container(self, headers, entry, c):
        self.record(entry)
        # fail_times counts per fail_id, so a test starts a fresh count by
        # choosing a new id
        fid = str(c.get("fail_id", ""))
        with LOCK:
            calls = self.server.container_calls.get(fid, 0) + 1
            self.server.container_calls[fid] = calls
        if calls <= int(c.get("fail_times", 0)):
            return self.reply(int(c.get("fail_status", 500)), "{}")
        want = c.get("auth")
        if want is not None and headers.get("authorization") != want:
            return self.reply(401, '{"message":"bad token"}', "application/json")
        if "raw" in c:
            return self.reply(200, c["raw"], "application/json")
        akid, cred = issue("arn:aws:sts::111122223333:assumed-role/task/abc")
        doc = {"AccessKeyId": akid, "SecretAccessKey": cred["secret"], "Token": cred["token"],
               "Expiration": expiration(c), "RoleArn": "arn:aws:iam::111122223333:role/task"}
        self.reply(200, json.dumps(doc), "application/json")

    def sso(self, headers, entry, c):
        self.record(entry)
        if headers.get("x-amz-sso_bearer_token") != c.get("token") or c.get("status") == 401:
            return self.reply(401, json.dumps({
                "message": "Session token not found or invalid",
                "__type": "com.amazonaws.switchboard.portal#UnauthorizedException"}),
                "application/json")
        if "raw" in c:
            return self.reply(int(c.get("raw_status", 200)), c["raw"], "application/json")
        akid, cred = issue("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO/user")
        exp_ms = c.get("expiration_ms") or int((time.time() + c.get("expires_in", 3600)) * 1000)
        doc = {"roleCredentials": {"accessKeyId": akid, "secretAccessKey": cred["secret"],
                                   "sessionToken": cred["token"], "expiration": exp_ms}}
        self.reply(200, json.dumps(doc), "application/json")

    def oidc(self, body, entry, c):
        """SSO OIDC CreateToken with grant refresh_token."""
        try:
            req = json.loads(body.decode() or "{}")
        except ValueError:
            req = {}
        entry["json"] = req
        self.record(entry)
        want = {"grantType": "refresh_token", "clientId": c.get("client_id"),
                "clientSecret": c.get("client_secret"), "refreshToken": c.get("refresh_token")}
        if any(req.get(k) != v for k, v in want.items()):
            return self.reply(400, json.dumps({"error": "invalid_grant"}), "application/json")
        doc = {"accessToken": c.get("new_token"), "tokenType": "Bearer",
               "expiresIn": c.get("expires_in", 3600)}
        if c.get("new_refresh"):
            doc["refreshToken"] = c["new_refresh"]
        self.reply(200, json.dumps(doc), "application/json")

    def sts_error(self, status, code, message):
        xml = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
               "<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
               "<RequestId>err-1</RequestId></ErrorResponse>" % (code, message))
        self.reply(status, xml, "text/xml")

    def sts(self, path, headers, body, entry, c):
        params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        entry["params"] = params
        verdict, akid = sigv4_verify("POST", self.path, headers, body, c.get("keys", {}))
        entry["sig"] = verdict
        entry["akid"] = akid
        self.record(entry)
        action = params.get("Action")
        if c.get("hang_seconds"):
            self.hang(c["hang_seconds"])
        fail = c.get("fail")
        if fail and (not fail.get("action") or fail["action"] == action):
            return self.sts_error(int(fail.get("status", 403)), fail.get("code", "AccessDenied"),
                                  fail.get("message", "denied"))
        if action == "AssumeRoleWithWebIdentity":
            if verdict != "unsigned":
                return self.sts_error(400, "InvalidParameterValue", "must be unsigned")
            if params.get("WebIdentityToken") != c.get("web_token"):
                return self.sts_error(400, "InvalidIdentityToken", "token rejected")
        elif verdict != "ok":
            code = "InvalidClientTokenId" if verdict in ("unsigned", "bad:unknown key") \
                else "SignatureDoesNotMatch"
            return self.sts_error(403, code, verdict)
        ns = "https://sts.amazonaws.com/doc/2011-06-15/"
        if action == "GetCallerIdentity":
            arn = ISSUED[akid]["arn"] if akid in ISSUED else \
                "arn:aws:iam::111122223333:user/" + akid
            xml = ('<GetCallerIdentityResponse xmlns="%s"><GetCallerIdentityResult>'
                   "<Arn>%s</Arn><UserId>AIDA:%s</UserId><Account>111122223333</Account>"
                   "</GetCallerIdentityResult><ResponseMetadata><RequestId>gci-1</RequestId>"
                   "</ResponseMetadata></GetCallerIdentityResponse>" % (ns, arn, akid))
            return self.reply(200, xml, "text/xml")
        if action in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            role = params.get("RoleArn", "")
            rname = role.rsplit("/", 1)[-1]
            sess = params.get("RoleSessionName", "")
            arn = "arn:aws:sts::111122223333:assumed-role/%s/%s" % (rname, sess)
            new, cred = issue(arn)
            extra = ""
            if action == "AssumeRoleWithWebIdentity":
                extra = ("<SubjectFromWebIdentityToken>system:sa</SubjectFromWebIdentityToken>"
                         "<Provider>oidc.example</Provider><Audience>sts.amazonaws.com</Audience>")
            xml = ('<%sResponse xmlns="%s"><%sResult><Credentials>'
                   "<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
                   "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
                   "<AssumedRoleUser><AssumedRoleId>AROA:%s</AssumedRoleId><Arn>%s</Arn>"
                   "</AssumedRoleUser><PackedPolicySize>6</PackedPolicySize>%s</%sResult>"
                   "<ResponseMetadata><RequestId>ar-1</RequestId></ResponseMetadata>"
                   "</%sResponse>" % (action, ns, action, new, cred["secret"], cred["token"],
                                      expiration(c), sess, arn, extra, action, action))
            return self.reply(200, xml, "text/xml")
        return self.sts_error(400, "InvalidAction", "unknown action")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # clients that give up (timeouts under test) reset connections
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-seconds", type=float, default=600)
    a = ap.parse_args()
    srv = QuietServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.config_path = a.config
    srv.log_path = a.log
    srv.container_calls = {}
    parent = os.getppid()
    start = time.time()

    def watchdog():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent or time.time() - start > a.max_seconds:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    sys.exit(main())
