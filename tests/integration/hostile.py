"""Hostile and broken servers for the hostile-input tests (issue 11), and a
way to run elcui with its time and peak memory measured.

    node = RespNode(handler)          # a RESP server on 127.0.0.1 (plain TCP)
    rec = Recorder("127.0.0.2")       # records every byte anyone sends it
    aws = AwsServer(routes)           # one HTTP endpoint for every AWS service
    r = measure(env, "exec", ...)     # rc, out, err, seconds, peak RSS (MiB)

Everything binds a loopback address with a port of the kernel's choosing,
runs in daemon threads and stops with stop() (or when the test process
ends). Nothing here is a stand-in for a service the sandbox serves: these
servers misbehave on purpose, in ways moto and redis-server never would.

Peak memory is the child's own accounting: VmHWM in /proc/PID/status, the
kernel's high-water mark of its resident set, read while it runs.
"""

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
_bin = os.environ.get("ELCUI_BIN") or "build/elcui"
ELCUI = _bin if os.path.isabs(_bin) else os.path.join(TOP, _bin)
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def sanitized():
    """True when the binary under test is the ASan build (its memory
    figures include ASan's own: bounds below allow for it)."""
    return "build-san" in ELCUI


class Measured:
    """One run: rc, out (its first keep_out bytes) and err (text), the
    number of lines on stdout, seconds, peak RSS in MiB."""

    def __init__(self, args, rc, out, err, out_lines, seconds, maxrss_mb):
        self.args = args
        self.rc = rc
        self.out = out
        self.err = err
        self.out_lines = out_lines
        self.seconds = seconds
        self.maxrss_mb = maxrss_mb

    def __repr__(self):
        return "Measured(%r, rc=%s, %.2fs, %.1f MiB)\n--- stdout (head)\n%s\n--- stderr\n%s" % (
            self.args, self.rc, self.seconds, self.maxrss_mb, self.out[:2000], self.err[:4000])


def _hwm_kb(pid):
    """VmHWM of a live process (kB), or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure(env, *args, timeout=120, keep_out=1 << 20):
    """Run elcui ARGS; stdout and stderr go to files (replies can be
    large), the first keep_out bytes of stdout are kept. Peak memory is the
    process's own high-water mark (VmHWM, /proc/PID/status), read every few
    milliseconds while it runs: it only grows, so the last reading is the
    peak (ru_maxrss would not do: Linux carries the parent's size into a
    child's across fork and exec). Raises AssertionError when it runs past
    timeout (it is killed)."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.monotonic()
        p = subprocess.Popen([ELCUI] + list(args), env=env, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe)
        deadline = t0 + timeout
        hwm = 0
        while True:
            h = _hwm_kb(p.pid)
            if h:
                hwm = max(hwm, h)
            pid, status = os.waitpid(p.pid, os.WNOHANG)
            if pid == p.pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                os.waitpid(p.pid, 0)
                raise AssertionError("elcui %s did not finish within %ss" % (" ".join(args), timeout))
            time.sleep(0.003)
        seconds = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        out = fo.read(keep_out)
        lines = out.count(b"\n")
        while True:
            more = fo.read(1 << 20)
            if not more:
                break
            lines += more.count(b"\n")
        fe.seek(0)
        err = fe.read().decode("utf-8", "replace")
    return Measured(list(args), p.returncode, out.decode("utf-8", "replace"), err, lines, seconds, hwm / 1024.0)


def base_env(home, **extra):
    """An environment that reaches no real AWS: static keys, a region, no
    instance metadata, files under home. ASan's quarantine is kept small so
    that peak memory measures elcui, not the sanitizer's recycling bin."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "XDG_STATE_HOME": os.path.join(home, "state"),
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "AWS_CONFIG_FILE": os.path.join(home, "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "aws-credentials"),
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "TZ": "UTC",
        "LC_ALL": "C.UTF-8",
    }
    asan = os.environ.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "quarantine_size_mb=8"
    if os.environ.get("UBSAN_OPTIONS"):
        env["UBSAN_OPTIONS"] = os.environ["UBSAN_OPTIONS"]
    env.update(extra)
    return env


# ---- RESP ----

def resp_bulk(b):
    if b is None:
        return b"$-1\r\n"
    if isinstance(b, str):
        b = b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def resp_array(items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def resp_int(n):
    return b":%d\r\n" % n


class _RespConn:
    """What a handler sees of one client connection."""

    def __init__(self, node, sock, peer):
        self.node = node
        self.sock = sock
        self.peer = peer
        self.readonly = False

    def send(self, data):
        self.sock.sendall(data)


class RespNode:
    """A RESP server (plain TCP) on host, answering each command with what
    handler(args, conn) returns: bytes, an iterable of bytes (sent as they
    come, so a reply of any size never sits in memory here), or None for
    no answer. Every command is recorded (args as bytes) with the client
    port; AUTH arguments too, so a test can say where a token went."""

    def __init__(self, handler, host="127.0.0.1"):
        self.handler = handler
        self.host = host
        self.commands = []
        self.lock = threading.Lock()
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((host, 0))
        self.ls.listen(32)
        self.port = self.ls.getsockname()[1]
        self.socks = []
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def addr(self):
        return "%s:%d" % (self.host, self.port)

    def _accept(self):
        while not self.stopping:
            try:
                s, peer = self.ls.accept()
            except OSError:
                return
            self.socks.append(s)
            threading.Thread(target=self._serve, args=(_RespConn(self, s, peer),), daemon=True).start()

    @staticmethod
    def _parse(buf):
        """Complete commands at the start of buf (RESP arrays of bulk
        strings, or inline), and what is left."""
        cmds = []
        while buf:
            if buf[:1] != b"*":
                nl = buf.find(b"\r\n")
                if nl < 0:
                    break
                cmds.append(buf[:nl].split())
                buf = buf[nl + 2:]
                continue
            nl = buf.find(b"\r\n")
            if nl < 0:
                break
            n = int(buf[1:nl])
            p = nl + 2
            args = []
            for _ in range(n):
                e = buf.find(b"\r\n", p)
                if e < 0:
                    return cmds, buf
                ln = int(buf[p + 1:e])
                p = e + 2
                if len(buf) < p + ln + 2:
                    return cmds, buf
                args.append(buf[p:p + ln])
                p += ln + 2
            cmds.append(args)
            buf = buf[p:]
        return cmds, buf

    def _serve(self, conn):
        buf = b""
        try:
            while not self.stopping:
                d = conn.sock.recv(65536)
                if not d:
                    return
                buf += d
                cmds, buf = self._parse(buf)
                for args in cmds:
                    with self.lock:
                        self.commands.append((conn.peer[1], args))
                    out = self.handler(args, conn)
                    if out is None:
                        continue
                    if isinstance(out, (bytes, bytearray)):
                        conn.send(out)
                    else:
                        for chunk in out:
                            conn.send(chunk)
        except OSError:
            return
        finally:
            try:
                conn.sock.close()
            except OSError:
                pass

    def names(self):
        """Command names received, upper-case."""
        with self.lock:
            return [a[0].decode("latin-1").upper() for _, a in self.commands if a]

    def stop(self):
        self.stopping = True
        try:
            self.ls.close()
        except OSError:
            pass
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


class Recorder:
    """A listener that answers nothing and keeps every byte it receives:
    proof of what reached an address."""

    def __init__(self, host="127.0.0.2"):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((host, 0))
        self.ls.listen(16)
        self.host = host
        self.port = self.ls.getsockname()[1]
        self.connections = 0
        self.data = bytearray()
        self.lock = threading.Lock()
        self.stopping = False
        self.socks = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                s, _ = self.ls.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            self.socks.append(s)
            threading.Thread(target=self._read, args=(s,), daemon=True).start()

    def _read(self, s):
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    return
                with self.lock:
                    self.data += d
        except OSError:
            return

    def stop(self):
        self.stopping = True
        try:
            self.ls.close()
        except OSError:
            pass
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass


# ---- AWS ----

class AwsRequest:
    def __init__(self, action, params, target, body, headers):
        self.action = action      # "DescribeReplicationGroups", "FilterLogEvents"
        self.params = params      # query protocol: dict of form values
        self.target = target      # JSON protocol: the X-Amz-Target header
        self.body = body          # JSON protocol: the decoded body
        self.headers = headers
        self.t = time.monotonic()


class AwsServer:
    """One HTTP endpoint for every service (AWS_ENDPOINT_URL points here).
    routes maps an action name to handler(req) -> (status, body) where body
    is bytes or an iterable of bytes (sent as it comes: slow or endless
    bodies); actions without a route answer 400 with a query-protocol
    error envelope. Signatures are not checked: this is not the sandbox, it
    is the server that misbehaves. Requests are recorded."""

    def __init__(self, routes):
        self.routes = routes
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body in separate writes

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                target = self.headers.get("X-Amz-Target")
                if target:
                    action = target.split(".")[-1]
                    params = {}
                    try:
                        body = json.loads(raw or b"{}")
                    except ValueError:
                        body = None
                else:
                    params = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
                    action = params.get("Action", "")
                    body = None
                req = AwsRequest(action, params, target, body, dict(self.headers))
                with outer.lock:
                    outer.requests.append(req)
                h = outer.routes.get(action)
                if h is None:
                    status, out = 400, (b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>"
                                        b"<Message>not served here</Message></Error><RequestId>r-0</RequestId></ErrorResponse>")
                else:
                    status, out = h(req)
                ctype = "application/x-amz-json-1.1" if target else "text/xml"
                try:
                    if isinstance(out, (bytes, bytearray)):
                        self.send_response(status)
                        self.send_header("Content-Type", ctype)
                        self.send_header("Content-Length", str(len(out)))
                        self.send_header("x-amzn-RequestId", "r-%d" % len(outer.requests))
                        self.end_headers()
                        self.wfile.write(out)
                    else:
                        self.send_response(status)
                        self.send_header("Content-Type", ctype)
                        self.send_header("Transfer-Encoding", "chunked")
                        self.send_header("x-amzn-RequestId", "r-%d" % len(outer.requests))
                        self.end_headers()
                        for chunk in out:
                            if chunk:
                                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                                self.wfile.flush()
                        self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def count(self, action):
        with self.lock:
            return sum(1 for r in self.requests if r.action == action)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def ec_xml(op, inner, marker=None):
    """An ElastiCache query-protocol answer for op with inner XML in its
    Result (and a Marker when given)."""
    m = b"<Marker>%s</Marker>" % marker.encode() if marker else b""
    return (b'<?xml version="1.0" encoding="UTF-8"?><%sResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">'
            b"<%sResult>%s%s</%sResult><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></%sResponse>"
            % (op.encode(), op.encode(), inner, m, op.encode(), op.encode()))


def rg_xml(rg, log_group=None, fmt="json", cluster=True, nshards=1, replicas=1):
    """One <ReplicationGroup>, cluster mode, with node groups and members;
    a slow-log delivery to log_group when given."""
    ngs = []
    members = []
    for s in range(1, nshards + 1):
        ms = []
        for m in range(1, replicas + 2):
            cid = "%s-%04d-%03d" % (rg, s, m)
            members.append(b"<ClusterId>%s</ClusterId>" % cid.encode())
            ms.append(b"<NodeGroupMember><CacheClusterId>%s</CacheClusterId><CacheNodeId>0001</CacheNodeId>"
                      b"<PreferredAvailabilityZone>us-east-1%s</PreferredAvailabilityZone></NodeGroupMember>"
                      % (cid.encode(), b"abc"[(m - 1) % 3:(m - 1) % 3 + 1]))
        ngs.append(b"<NodeGroup><NodeGroupId>%04d</NodeGroupId><Status>available</Status><Slots>0-16383</Slots>"
                   b"<NodeGroupMembers>%s</NodeGroupMembers></NodeGroup>" % (s, b"".join(ms)))
    logs = b""
    if log_group:
        logs = (b"<LogDeliveryConfigurations><LogDeliveryConfiguration><LogType>slow-log</LogType>"
                b"<DestinationType>cloudwatch-logs</DestinationType><DestinationDetails><CloudWatchLogsDetails>"
                b"<LogGroup>%s</LogGroup></CloudWatchLogsDetails></DestinationDetails><LogFormat>%s</LogFormat>"
                b"<Status>active</Status></LogDeliveryConfiguration></LogDeliveryConfigurations>"
                % (log_group.encode(), fmt.encode()))
    ep = (b"<ConfigurationEndpoint><Address>clustercfg.%s.abc.use1.cache.amazonaws.com</Address><Port>6379</Port>"
          b"</ConfigurationEndpoint>" % rg.encode()) if cluster else b""
    return (b"<ReplicationGroup><ReplicationGroupId>%s</ReplicationGroupId><Description>hostile %s</Description>"
            b"<Status>available</Status><MemberClusters>%s</MemberClusters><NodeGroups>%s</NodeGroups>%s"
            b"<AutomaticFailover>enabled</AutomaticFailover><MultiAZ>enabled</MultiAZ><ClusterEnabled>%s</ClusterEnabled>"
            b"<CacheNodeType>cache.r7g.large</CacheNodeType><TransitEncryptionEnabled>true</TransitEncryptionEnabled>"
            b"<AtRestEncryptionEnabled>true</AtRestEncryptionEnabled><AuthTokenEnabled>true</AuthTokenEnabled>%s"
            b"<ARN>arn:aws:elasticache:us-east-1:123456789012:replicationgroup:%s</ARN></ReplicationGroup>"
            % (rg.encode(), rg.encode(), b"".join(members), b"".join(ngs), ep, b"true" if cluster else b"false",
               logs, rg.encode()))
