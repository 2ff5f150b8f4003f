"""Client side of the sandbox, for tests, benchmarks and scripts.

    from sandbox.sandboxctl import Sandbox

    with Sandbox(seed="empty", create_delay=0, redis=False) as sb:
        ec = sb.client("elasticache")
        ...
        sb.throttle(service="elasticache", count=2)
        subprocess.run(["build/elcui", ...], env=sb.env)
        assert sb.requests_seen("elasticache") == 0

The sandbox runs as a child process (tests/sandbox/run --stop-on-eof): it
stops when stop() is called, when the with-block ends, at interpreter exit,
and also when this process dies (its stdin pipe closes).

Only the standard library is needed, except client() which needs boto3.
"""

import atexit
import base64
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

try:
    from . import secretrec
except ImportError:  # loaded as a plain module (sys.path)
    import secretrec

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(os.path.dirname(HERE), "run")


class SandboxError(RuntimeError):
    """The sandbox failed to start, or a control call was refused."""

    def __init__(self, message, status=None, payload=None):
        super().__init__(message)
        self.status = status
        self.payload = payload


class Sandbox:
    """One sandbox process.  Parameters mirror tests/sandbox/run's options."""

    def __init__(
        self,
        seed="empty",
        create_delay=0,
        log_delay=(0.2, 0.5),
        redis=True,
        state_dir=None,
        port=None,
        region="us-east-2",
        redis_port_base=None,
        endpoint_domain=None,
        start_timeout=None,
        extra_args=(),
    ):
        self.seed = seed
        self.create_delay = create_delay
        self.log_delay = log_delay
        self.redis = redis
        self.state_dir = state_dir
        self.port = port
        self.region = region
        self.redis_port_base = redis_port_base
        self.endpoint_domain = endpoint_domain
        self.start_timeout = start_timeout if start_timeout is not None else {"empty": 30, "demo": 240, "scale": 180}.get(seed, 60)
        self.extra_args = list(extra_args)
        self.proc = None
        self.exports = {}
        self.start_seconds = None
        self._stderr = None
        self._lines = None
        self._atexit = False

    # ---- lifecycle -------------------------------------------------------------------
    def command(self):
        cmd = [sys.executable, RUN, "--seed", self.seed, "--create-delay", str(self.create_delay), "--stop-on-eof"]
        if self.log_delay is not None:
            lo, hi = (self.log_delay, self.log_delay) if isinstance(self.log_delay, (int, float)) else self.log_delay
            cmd += ["--log-delay", "%s,%s" % (lo, hi)]
        if not self.redis:
            cmd.append("--no-redis")
        if self.state_dir:
            cmd += ["--state-dir", self.state_dir]
        if self.port:
            cmd += ["--port", str(self.port)]
        if self.redis_port_base:
            cmd += ["--redis-port-base", str(self.redis_port_base)]
        if self.endpoint_domain:
            cmd += ["--endpoint-domain", self.endpoint_domain]
        if self.region:
            cmd += ["--region", self.region]
        return cmd + self.extra_args

    def start(self):
        if self.proc is not None:
            raise SandboxError("sandbox already started")
        t0 = time.monotonic()
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            close_fds=True,
            start_new_session=True,
        )
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        self._lines = queue.Queue()

        def reader(stream, q):
            for raw in iter(stream.readline, b""):
                q.put(raw.decode("utf-8", "replace"))
            q.put(None)

        threading.Thread(target=reader, args=(self.proc.stdout, self._lines), daemon=True).start()
        deadline = t0 + self.start_timeout
        ready = False
        while not ready:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise SandboxError("sandbox not ready after %.0f s%s" % (self.start_timeout, self._stderr_tail()))
            try:
                line = self._lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if line is None:
                rc = self.proc.wait()
                tail = self._stderr_tail()
                self.proc = None
                raise SandboxError("sandbox exited with status %s before it was ready%s" % (rc, tail))
            line = line.rstrip("\n")
            if line.startswith("export "):
                k, _, v = line[len("export ") :].partition("=")
                self.exports[k] = _unquote(v)
            elif line.startswith("# sandbox ready"):
                ready = True
        self.start_seconds = time.monotonic() - t0
        self.state_dir = self.exports.get("ELCUI_SANDBOX_STATE", self.state_dir)
        secretrec.record(self.exports.get("AWS_SECRET_ACCESS_KEY"), "sandbox AWS secret key")
        return self

    def _stderr_tail(self):
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            data = self._stderr.read()[-3000:].decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return (":\n" + data) if data.strip() else ""

    @property
    def stderr_text(self):
        return self._stderr_tail().lstrip(":\n")

    def stop(self, timeout=30):
        """Stop the sandbox and everything it started; returns its exit status."""
        p = self.proc
        if p is None:
            return None
        self.proc = None
        try:
            p.stdin.close()
        except OSError:
            pass
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.terminate()
            try:
                rc = p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
        try:
            p.stdout.close()
        except OSError:
            pass
        if self._stderr is not None:
            try:
                self._stderr.close()
            except OSError:
                pass
            self._stderr = None
        return rc

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    # ---- environment -------------------------------------------------------------------
    @property
    def endpoint(self):
        return self.exports["AWS_ENDPOINT_URL"]

    @property
    def access_key(self):
        return self.exports["AWS_ACCESS_KEY_ID"]

    @property
    def secret_key(self):
        return self.exports["AWS_SECRET_ACCESS_KEY"]

    @property
    def ca_file(self):
        return self.exports.get("ELCUI_REDIS_CACERT")

    @property
    def env(self):
        """os.environ plus the sandbox exports, for subprocess(env=...).
        AWS_PROFILE / AWS_SESSION_TOKEN etc. of the caller are removed so
        that only the sandbox credentials apply."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.exports)
        return env

    def client(self, service, region=None, **kwargs):
        """A boto3 client for the sandbox (no retries unless config says so)."""
        import boto3
        from botocore.config import Config

        config = kwargs.pop("config", None) or Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=120, connect_timeout=10)
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region or self.exports.get("AWS_REGION", self.region),
            aws_access_key_id=kwargs.pop("aws_access_key_id", self.access_key),
            aws_secret_access_key=kwargs.pop("aws_secret_access_key", self.secret_key),
            aws_session_token=kwargs.pop("aws_session_token", None),
            config=config,
            **kwargs
        )

    # ---- control API -------------------------------------------------------------------------
    def control(self, method, path, body=None, timeout=60):
        url = self.endpoint + "/_sandbox/" + path.lstrip("/")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            try:
                payload = json.loads(e.read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                payload = {}
            raise SandboxError("control %s %s: %s %s" % (method, path, e.code, payload.get("error", "")), status=e.code, payload=payload)

    def status(self):
        return self.control("GET", "status")

    def configure(self, **settings):
        """create_delay, modify_delay, delete_delay, failover_step,
        redis_for_new_groups, strict_iam_region."""
        return self.control("POST", "config", settings)

    # faults on requests
    def add_fault(self, kind, service=None, operation=None, rate=1.0, count=None, status=None, delay=None):
        spec = {"kind": kind, "rate": rate}
        for k, v in (("service", service), ("operation", operation), ("count", count), ("status", status), ("delay", delay)):
            if v is not None:
                spec[k] = v
        return self.control("POST", "faults", spec)["rule"]

    def throttle(self, service=None, operation=None, rate=1.0, count=None):
        return self.add_fault("throttle", service, operation, rate, count)

    def server_error(self, status=500, service=None, operation=None, rate=1.0, count=None):
        return self.add_fault("error", service, operation, rate, count, status=status)

    def latency(self, delay, service=None, operation=None, rate=1.0, count=None):
        return self.add_fault("latency", service, operation, rate, count, delay=delay)

    def reset_connection(self, service=None, operation=None, rate=1.0, count=None):
        return self.add_fault("reset", service, operation, rate, count)

    def truncate(self, service=None, operation=None, rate=1.0, count=None):
        return self.add_fault("truncate", service, operation, rate, count)

    def malformed(self, service=None, operation=None, rate=1.0, count=None):
        return self.add_fault("malformed", service, operation, rate, count)

    def faults(self):
        return self.control("GET", "faults")["rules"]

    def remove_fault(self, rule_id):
        return self.control("DELETE", "faults/%d" % rule_id)

    def reset_faults(self):
        return self.control("POST", "reset", {})

    def clock_skew(self, seconds):
        return self.control("POST", "clock", {"offset": seconds})

    def expire_tokens(self):
        return self.control("POST", "tokens/expire", {})["expired"]

    # Redis nodes
    def redis_action(self, action, cache_cluster_id=None, replication_group_id=None, shard=0, member=0):
        body = {"cache_cluster_id": cache_cluster_id} if cache_cluster_id else {"replication_group_id": replication_group_id, "shard": shard, "member": member}
        return self.control("POST", "redis/" + action, body, timeout=120)

    def kill_node(self, cache_cluster_id=None, **kw):
        return self.redis_action("kill", cache_cluster_id, **kw)

    def restart_node(self, cache_cluster_id=None, **kw):
        return self.redis_action("restart", cache_cluster_id, **kw)

    def stop_node(self, cache_cluster_id=None, **kw):
        return self.redis_action("stop", cache_cluster_id, **kw)

    def cont_node(self, cache_cluster_id=None, **kw):
        return self.redis_action("cont", cache_cluster_id, **kw)

    def nodes(self, replication_group_id=None):
        path = "nodes" + ("?replication_group_id=%s" % replication_group_id if replication_group_id else "")
        return self.control("GET", path)["nodes"]

    def groups(self):
        return self.control("GET", "groups")["groups"]

    # where the AWS-shaped names really are (elcui reads the same hosts file
    # through ELCUI_RESOLVE)
    @property
    def hosts_file(self):
        rule = self.exports.get("ELCUI_RESOLVE", "")
        return rule.split(":@", 1)[1] if ":@" in rule else None

    def resolve(self, name):
        """The addresses the sandbox's hosts file gives name ([] when none)."""
        out = []
        path = self.hosts_file
        if not path:
            return out
        with open(path) as f:
            for line in f:
                fields = line.split("#", 1)[0].split()
                if len(fields) >= 2 and name.lower() in (n.lower() for n in fields[1:]):
                    out.append(fields[0])
        return out

    def node(self, cache_cluster_id):
        """The control API's record of one node: host (its DNS name, as the
        API reports it), port, address (where it really listens), tls..."""
        for n in self.nodes():
            if n["cache_cluster_id"] == cache_cluster_id.lower():
                return n
        raise SandboxError("no node %s" % cache_cluster_id)

    def node_address(self, cache_cluster_id):
        """(address, port) where the node's Redis really listens."""
        n = self.node(cache_cluster_id)
        if not n.get("address"):
            raise SandboxError("node %s has no running Redis" % cache_cluster_id)
        return n["address"], n["port"]

    def redis_connection(self, target, port=None, password=None, tls=None, timeout=5.0, **kwargs):
        """A sandbox resp.Connection to a node, by cache cluster id, or to
        an endpoint by its DNS name (the configuration endpoint...): at the
        real address the hosts file gives it (the first), TLS checked
        against the name.  tls: default the group's (by id) or True (by
        name); port: default the node's, or 6379."""
        try:
            from . import resp
        except ImportError:
            import resp
        if "." in target:
            name = target
            addrs = self.resolve(name)
            if not addrs:
                raise SandboxError("%s is not in the sandbox's hosts file" % name)
            addr = addrs[0]
            tls = True if tls is None else tls
        else:
            n = self.node(target)
            if not n.get("address"):
                raise SandboxError("node %s has no running Redis" % target)
            name, addr = n["host"], n["address"]
            port = port or n["port"]
            tls = n["tls"] if tls is None else tls
        return resp.Connection(addr, port or 6379, tls=tls, ca_file=self.ca_file if tls else None,
                               server_hostname=name, password=password, timeout=timeout, **kwargs)

    # metrics (IsMaster and the rest): paused, the API lags what Redis does
    def pause_metrics(self, replication_group_id=None):
        return self.control("POST", "metrics/pause", {"replication_group_id": replication_group_id} if replication_group_id else {})

    def resume_metrics(self, replication_group_id=None):
        return self.control("POST", "metrics/resume", {"replication_group_id": replication_group_id} if replication_group_id else {})

    # log delivery
    def pause_logs(self, replication_group_id=None):
        return self.control("POST", "logs/pause", {"replication_group_id": replication_group_id} if replication_group_id else {})

    def resume_logs(self, replication_group_id=None):
        return self.control("POST", "logs/resume", {"replication_group_id": replication_group_id} if replication_group_id else {})

    def inject_log(self, log_group, stream, message, timestamp_ms=None, ingestion_delay=None, region=None):
        """message: str, or bytes (sent base64, may be invalid UTF-8)."""
        body = {"log_group": log_group, "stream": stream}
        if isinstance(message, bytes):
            body["message_b64"] = base64.b64encode(message).decode()
        else:
            body["message"] = message
        if timestamp_ms is not None:
            body["timestamp_ms"] = timestamp_ms
        if ingestion_delay is not None:
            body["ingestion_delay"] = ingestion_delay
        if region:
            body["region"] = region
        return self.control("POST", "logs/inject", body)

    # counters
    def live_tail(self, **settings):
        """StartLiveTail's faults and settings (livetail.py); the state."""
        if settings:
            return self.control("POST", "livetail", settings)
        return self.control("GET", "livetail")

    def counters(self):
        return self.control("GET", "counters")

    def reset_counters(self):
        return self.control("POST", "counters/reset", {})

    def request_timeline(self):
        """Every AWS request since the last reset_counters(), in arrival
        order: {requests: [{service, operation, start, end}], max_in_flight,
        in_flight} (times in epoch seconds; end None while in flight)."""
        return self.control("GET", "requests")

    def requests_seen(self, service=None, operation=None):
        """AWS requests the sandbox received since the last reset (control
        calls are not counted).  service: SigV4 name (elasticache, ec2, kms,
        logs, secretsmanager, ssm, iam, sts, monitoring)."""
        req = self.counters()["requests"]
        if service is None and operation is None:
            return req["total"]
        if operation is None:
            return req["services"].get(service, 0)
        if service is None:
            return sum(n for k, n in req["operations"].items() if k.split(":", 1)[1] == operation)
        return req["operations"].get("%s:%s" % (service, operation), 0)

    def wait_for_group(self, replication_group_id, status="available", timeout=60):
        """Poll (through the control API, not counted as AWS requests) until
        the group has ``status`` (None: until it is gone)."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            found = [g for g in self.groups() if g["replication_group_id"] == replication_group_id.lower()]
            last = found[0] if found else None
            if status is None and last is None:
                return None
            if last is not None and last["status"] == status:
                return last
            if last is not None and last["status"] == "create-failed" and status != "create-failed":
                raise SandboxError("group %s failed: %s" % (replication_group_id, last.get("farm_error")))
            if time.monotonic() >= deadline:
                raise SandboxError("group %s not %s after %s s (now %s)" % (replication_group_id, status, timeout, last and last["status"]))
            time.sleep(0.05)

    def shutdown(self):
        """Ask the sandbox to stop through the control API, then reap it."""
        try:
            self.control("POST", "shutdown", {})
        except (SandboxError, OSError):
            pass
        return self.stop()


def _unquote(value):
    import shlex

    try:
        parts = shlex.split(value)
    except ValueError:
        return value
    return parts[0] if parts else ""
