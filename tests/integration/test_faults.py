"""The AWS fault matrix (issue 6): every fault the sandbox can inject,
against the commands that exist (ls, show, logs), each its own test.

Faults: throttling at 30/60/90% per service, 5xx bursts and persistent 5xx,
2 s and 10 s latency (with --timeout), connection resets, truncated and
malformed bodies, expired temporary credentials in the middle of a session
(assume-role profile whose source is the sandbox user: the chain assumes the
role again), clock skew both ways (corrected from the server's Date).

Every test asserts: no crash (exit status 0 or 1, never a signal; no
sanitizer report when ELCUI_BIN is the -san build), a clear message when it
fails (the AWS error code, HTTP status or transport error, attempts, request
id), and for `elcui logs --follow`: the tail never exits and prints every
event put exactly once (counted against what was put), whatever the fault.

Not here (their owners test them): interrupted apply (create), Redis node
kill/restart/SIGSTOP and failover while commands stream (exec), throttling
at 50% and a stream created mid-tail (test_logs.py), Throttling count=2 on
ls (test_inventory_cli.py).

ELCUI_BIN names the binary (default build/elcui).
    python3 -m unittest tests/integration/test_faults.py
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
for p in (HERE, os.path.join(TOP, "tests", "tools"), os.path.join(TOP, "tests", "sandbox")):
    if p not in sys.path:
        sys.path.insert(0, p)

import harness  # noqa: E402
import secretlog  # noqa: E402

REGION = "us-east-2"
GROUPS = ("fa-1", "fa-2", "fa-3")
LOG_GROUP = "/elasticache/faults/slow-log"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def slow_record(cluster, marker, i):
    return json.dumps({
        "CacheClusterId": cluster, "CacheNodeId": "0001", "Id": i, "Timestamp": int(time.time()),
        "Duration (us)": 1000 + i, "Command": "GET ... (1 more arguments)",
        "ClientAddress": "10.0.0.9:4000", "ClientName": marker,
    })


class Tail:
    """`elcui logs --follow --json` in the background; stdout lines kept."""

    def __init__(self, env, args):
        self.p = subprocess.Popen([harness.ELCUI, "logs"] + args, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._read, args=(f, sink), daemon=True)
                        for f, sink in ((self.p.stdout, self.out), (self.p.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(f, sink):
        for line in iter(f.readline, b""):
            sink.append(line)

    def markers(self, prefix):
        seen = {}
        for line in list(self.out):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            name = rec.get("clientName") or ""
            if not name:
                m = re.search(r'"ClientName"\s*:\s*"([^"]*)"', rec.get("message") or "")
                name = m.group(1) if m else ""
            if name.startswith(prefix):
                seen[name] = seen.get(name, 0) + 1
        return seen

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        rc = harness.stop_with_sigint(self.p, self.threads)
        self.p.stdout.close()
        self.p.stderr.close()
        return rc

    def stderr_text(self):
        return b"".join(self.err).decode("utf-8", "replace")


@harness.needs_binary
class AwsFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=False, region=REGION, log_delay=0)
        try:
            secretlog.record_env(cls.sb.exports, "sandbox")
            ec = cls.sb.client("elasticache")
            for g in GROUPS:
                ec.create_replication_group(ReplicationGroupId=g, ReplicationGroupDescription="fault matrix",
                                            Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=1)
            for g in GROUPS:
                cls.sb.wait_for_group(g)
            cls.sb.client("logs").create_log_group(logGroupName=LOG_GROUP)
            cls.role_arn = cls.sb.status()["role_arn"]
        except BaseException:
            cls.sb.stop()
            raise
        cls.seq = 0

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.reset_faults()
        self.sb.clock_skew(0)
        self.sb.reset_counters()

    def tearDown(self):
        self.sb.reset_faults()
        self.sb.clock_skew(0)

    # ---- helpers ----

    def elcui(self, *args, env=None, timeout=90):
        r = harness.run(env or self.sb.env, *args, timeout=timeout)
        self.assertIn(r.rc, (0, 1), "elcui %s ended with %d (a crash?)\n%r" % (" ".join(args), r.rc, r))
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, r.err, r)
        return r

    def assert_listed(self, r):
        self.assertEqual(r.rc, 0, r)
        ids = {g["replicationGroupId"] for g in r.json()["replicationGroups"]}
        self.assertEqual(ids, set(GROUPS), r)

    def assert_clear_failure(self, r, cmd, pattern):
        """Exit 1, nothing on stdout, a first line naming the command, the
        operation and the cause, with attempts or a request id."""
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.out, "", r)
        first = r.err.splitlines()[0] if r.err.strip() else ""
        self.assertTrue(first.startswith("elcui %s: " % cmd), r)
        self.assertRegex(first, r"ElastiCache (DescribeReplicationGroups|DescribeCacheClusters): ")
        self.assertRegex(first, pattern)
        self.assertRegex(first, r"attempts|request id \S+", r)
        self.assertLessEqual(len(r.err.splitlines()), 3, r)

    # ---- throttling, per service ----

    def throttled_ls(self, rate):
        self.sb.throttle(service="elasticache", rate=rate)
        results = [self.elcui("ls", "--json") for _ in range(4)]
        ok = 0
        for r in results:
            if r.rc == 0:
                self.assert_listed(r)
                ok += 1
            else:
                self.assert_clear_failure(r, "ls", r"Throttling: Rate exceeded \(HTTP 400, request id \S+, 3 attempts\)")
        # the other services are not throttled: logs still reads
        r = self.elcui("logs", "--log-group", LOG_GROUP, "--since", "1m")
        self.assertEqual(r.rc, 0, r)
        self.assertNotIn("Throttl", r.err)
        counts = self.sb.counters()["requests"]
        self.assertGreaterEqual(counts["services"].get("elasticache", 0), 4 + ok, counts)
        return ok

    def test_throttling_30_percent(self):
        """ElastiCache throttled 30% (ls x4; other services unaffected)"""
        self.assertGreaterEqual(self.throttled_ls(0.3), 1, "no ls succeeded with 30% throttling and 3 attempts")

    def test_throttling_60_percent(self):
        """ElastiCache throttled 60% (ls x4; other services unaffected)"""
        self.throttled_ls(0.6)

    def test_throttling_90_percent(self):
        """ElastiCache throttled 90% (ls x4; --max-attempts 10 gets through)"""
        self.throttled_ls(0.9)
        # with more attempts, one request in ten is enough
        self.sb.reset_faults()
        self.sb.throttle(service="elasticache", operation="DescribeReplicationGroups", rate=0.9, count=6)
        r = self.elcui("--max-attempts", "10", "ls", "--json")
        self.assert_listed(r)

    # ---- 5xx ----

    def test_5xx_burst_is_retried(self):
        """5xx burst (500 x2, 503 x2) retried: ls, show"""
        self.sb.server_error(500, service="elasticache", operation="DescribeReplicationGroups", count=2)
        r = self.elcui("ls", "--json")
        self.assert_listed(r)
        self.assertEqual(self.sb.requests_seen("elasticache", "DescribeReplicationGroups"), 3)
        self.sb.server_error(503, service="elasticache", count=2)
        r = self.elcui("show", "fa-2", "--json")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json()["replicationGroupId"], "fa-2")

    def test_5xx_persistent_is_a_clear_error(self):
        """persistent 500 / 503: clear error after 3 attempts"""
        for status, code in ((500, "InternalFailure"), (503, "ServiceUnavailable")):
            self.sb.reset_faults()
            self.sb.server_error(status, service="elasticache")
            r = self.elcui("ls")
            self.assert_clear_failure(r, "ls", r"%s: .*\(HTTP %d, request id \S+, 3 attempts\)" % (code, status))

    # ---- latency ----

    def test_latency_2s(self):
        """2 s latency: ls waits and succeeds"""
        self.sb.latency(2, service="elasticache", operation="DescribeReplicationGroups", count=1)
        t0 = time.monotonic()
        r = self.elcui("ls", "--json")
        self.assertGreaterEqual(time.monotonic() - t0, 2.0)
        self.assert_listed(r)

    def test_latency_10s_beyond_the_timeout(self):
        """10 s latency past --timeout 3: attempt abandoned, retried; always slow: clear timeout"""
        self.sb.latency(10, service="elasticache", operation="DescribeReplicationGroups", count=1)
        t0 = time.monotonic()
        r = self.elcui("--timeout", "3", "ls", "--json")
        dt = time.monotonic() - t0
        self.assert_listed(r)
        self.assertGreaterEqual(dt, 3.0)
        self.assertLess(dt, 9.5, "the slow attempt was not abandoned at --timeout")
        self.assertEqual(self.sb.requests_seen("elasticache", "DescribeReplicationGroups"), 2)
        # always slow: a clear timeout
        self.sb.reset_faults()
        self.sb.latency(10, service="elasticache", operation="DescribeReplicationGroups")
        r = self.elcui("--timeout", "2", "--max-attempts", "2", "ls", timeout=60)
        self.assert_clear_failure(r, "ls", r"(?i)timed? ?out|timeout")

    # ---- broken connections and bodies ----

    def test_connection_reset(self):
        """connection reset once (retried) and always (clear error)"""
        self.sb.reset_connection(service="elasticache", count=1)
        self.assert_listed(self.elcui("ls", "--json"))
        self.sb.reset_faults()
        self.sb.reset_connection(service="elasticache")
        r = self.elcui("ls")
        self.assert_clear_failure(r, "ls", r"(?i)reset|connection")

    def test_truncated_body(self):
        """truncated body once (retried) and always (clear error)"""
        self.sb.truncate(service="elasticache", count=1)
        self.assert_listed(self.elcui("ls", "--json"))
        self.sb.reset_faults()
        self.sb.truncate(service="elasticache")
        r = self.elcui("ls")
        self.assert_clear_failure(r, "ls", r"(?i)partial|truncated|transfer closed")
        self.assertIn("broke in the middle of the answer", r.err)
        self.assertNotIn("could not be reached", r.err)

    def test_malformed_body(self):
        """malformed body: clear error from ls, show, whoami"""
        self.sb.malformed(service="elasticache")
        for args in (("ls",), ("show", "fa-1"), ("show", "fa-1", "--json")):
            with self.subTest(args=args):
                r = self.elcui(*args)
                self.assert_clear_failure(r, args[0], r"(?i)malformed|not valid|parse")
        self.sb.reset_faults()
        self.sb.malformed(service="sts")
        r = self.elcui("whoami")
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.err, r"(?i)malformed")

    # ---- clock skew ----

    def test_clock_skew_server_ahead(self):
        """clock skew, AWS 20 min ahead: corrected from Date"""
        self.sb.clock_skew(1200)
        r = self.elcui("ls", "--json")
        self.assert_listed(r)
        self.assertGreaterEqual(self.sb.requests_seen("elasticache"), 3, "the first request was not rejected")

    def test_clock_skew_server_behind(self):
        """clock skew, AWS 20 min behind (Signature not yet current): corrected from Date"""
        # our clock 20 minutes ahead of AWS's: "Signature not yet current"
        self.sb.clock_skew(-1200)
        r = self.elcui("ls", "--json")
        self.assert_listed(r)

    # ---- the tail under faults: exactly once, never exits ----

    def tail_under(self, fault, label, settle=2.0, per_phase=6, timeout=60):
        type(self).seq += 1
        prefix = "fm%d-" % self.seq
        streams = ["elasticache/redis/%s-001/0001/slow-log" % g for g in GROUPS]
        # --source poll: these are the poller's faults (the live source's
        # own are test_livetail's)
        tail = Tail(self.sb.env, ["--log-group", LOG_GROUP, "--follow", "--json", "--since", "2m",
                                  "--source", "poll", "--status-interval", "0"])
        put = []
        try:
            def put_some(n):
                for _ in range(n):
                    i = len(put)
                    marker = "%s%03d" % (prefix, i)
                    self.sb.inject_log(LOG_GROUP, streams[i % len(streams)], slow_record(GROUPS[i % 3] + "-001", marker, i), ingestion_delay=0)
                    put.append(marker)

            def wait_all(deadline_s):
                deadline = time.monotonic() + deadline_s
                while time.monotonic() < deadline:
                    if len(tail.markers(prefix)) >= len(put):
                        return True
                    self.assertTrue(tail.alive(), "the tail exited:\n" + tail.stderr_text())
                    time.sleep(0.1)
                return False

            put_some(per_phase)
            self.assertTrue(wait_all(30), "the tail did not start")
            fault()
            for _ in range(3):
                put_some(per_phase)
                time.sleep(settle / 3)
            self.assertTrue(tail.alive(), "the tail exited under %s:\n%s" % (label, tail.stderr_text()))
            self.sb.reset_faults()
            put_some(per_phase)
            ok = wait_all(timeout)
            seen = tail.markers(prefix)
        finally:
            rc = tail.stop()
        err = tail.stderr_text()
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, err)
        self.assertEqual(rc, 0, "elcui logs ended with %s:\n%s" % (rc, err[-2000:]))
        self.assertTrue(ok, "missing after %s: %s\n%s" % (label, sorted(set(put) - set(seen)), err[-2000:]))
        dup = {m: n for m, n in seen.items() if n != 1}
        self.assertEqual(dup, {}, "printed more than once under %s" % label)
        self.assertEqual(set(seen), set(put))
        return err

    def test_tail_throttled_30_percent(self):
        """logs --follow, FilterLogEvents throttled 30%: exactly once"""
        self.tail_under(lambda: self.sb.throttle(service="logs", operation="FilterLogEvents", rate=0.3), "30% throttling")

    def test_tail_throttled_60_percent(self):
        """logs --follow, FilterLogEvents throttled 60%: exactly once"""
        self.tail_under(lambda: self.sb.throttle(service="logs", operation="FilterLogEvents", rate=0.6), "60% throttling")

    def test_tail_throttled_90_percent(self):
        """logs --follow, FilterLogEvents throttled 90%: exactly once"""
        err = self.tail_under(lambda: self.sb.throttle(service="logs", operation="FilterLogEvents", rate=0.9), "90% throttling")
        self.assertRegex(err, r"(?i)throttl")

    def test_tail_5xx_burst(self):
        """logs --follow, 503 burst: exactly once"""
        self.tail_under(lambda: self.sb.server_error(503, service="logs", operation="FilterLogEvents", count=8), "a 503 burst")

    def test_tail_connection_resets(self):
        """logs --follow, connection resets: exactly once"""
        self.tail_under(lambda: self.sb.reset_connection(service="logs", operation="FilterLogEvents", rate=0.5, count=8), "connection resets")

    def test_tail_truncated_bodies(self):
        """logs --follow, truncated bodies: exactly once"""
        self.tail_under(lambda: self.sb.truncate(service="logs", operation="FilterLogEvents", rate=0.5, count=6), "truncated bodies")

    def test_tail_malformed_bodies(self):
        """logs --follow, malformed bodies: exactly once"""
        self.tail_under(lambda: self.sb.malformed(service="logs", operation="FilterLogEvents", rate=0.5, count=6), "malformed bodies")

    def test_tail_latency(self):
        """logs --follow, 3 s latency: exactly once"""
        self.tail_under(lambda: self.sb.latency(3, service="logs", operation="FilterLogEvents", count=2), "3 s latency", settle=3.0)

    # ---- expired temporary credentials mid-session ----

    def test_expired_credentials_refreshed_mid_session(self):
        """assume-role session token expired mid-tail: role assumed again, exactly once"""
        with tempfile.TemporaryDirectory(prefix="elcui-faults-aws-") as d:
            creds = os.path.join(d, "credentials")
            cfg = os.path.join(d, "config")
            with open(creds, "w") as f:
                f.write("[src]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (self.sb.access_key, self.sb.secret_key))
            with open(cfg, "w") as f:
                f.write("[profile src]\nregion = %s\n[profile ops]\nrole_arn = %s\nsource_profile = src\nregion = %s\n" % (REGION, self.role_arn, REGION))
            os.chmod(creds, 0o600)
            os.chmod(cfg, 0o600)
            env = harness.env_with(self.sb.env, drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
                                   AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds, AWS_PROFILE="ops")
            # one-shot commands under the role
            r = self.elcui("whoami", "--json", env=env)
            self.assertEqual(r.rc, 0, r)
            self.assertIn("assumed-role", r.out)
            type(self).seq += 1
            prefix = "ex%d-" % self.seq
            stream = "elasticache/redis/fa-1-001/0001/slow-log"
            before = self.sb.requests_seen("sts", "AssumeRole")
            tail = Tail(env, ["--log-group", LOG_GROUP, "--follow", "--json", "--since", "2m", "--status-interval", "0"])
            put = []
            try:
                def put_some(n):
                    for _ in range(n):
                        m = "%s%03d" % (prefix, len(put))
                        self.sb.inject_log(LOG_GROUP, stream, slow_record("fa-1-001", m, len(put)), ingestion_delay=0)
                        put.append(m)

                def wait_all(s):
                    deadline = time.monotonic() + s
                    while time.monotonic() < deadline:
                        if len(tail.markers(prefix)) >= len(put):
                            return True
                        self.assertTrue(tail.alive(), tail.stderr_text())
                        time.sleep(0.1)
                    return False

                put_some(5)
                self.assertTrue(wait_all(30), tail.stderr_text())
                assumed = self.sb.requests_seen("sts", "AssumeRole") - before
                self.assertGreaterEqual(assumed, 1)
                expired = self.sb.expire_tokens()
                self.assertGreaterEqual(expired, 1, "no session token to expire")
                put_some(5)
                ok = wait_all(30)
                # with a live session the events come pushed; the next
                # FilterLogEvents request (the reconciliation's, within 5 s)
                # meets the expired token and assumes the role again
                deadline = time.monotonic() + 30
                while self.sb.requests_seen("sts", "AssumeRole") - before <= assumed and time.monotonic() < deadline:
                    self.assertTrue(tail.alive(), tail.stderr_text())
                    time.sleep(0.1)
                put_some(5)
                ok = ok and wait_all(30)
                seen = tail.markers(prefix)
            finally:
                rc = tail.stop()
            err = tail.stderr_text()
            for mark in SANITIZER_MARKS:
                self.assertNotIn(mark, err)
            self.assertEqual(rc, 0, err)
            self.assertTrue(ok, "events after the expiry never arrived:\n" + err[-2000:])
            self.assertEqual({m: n for m, n in seen.items() if n != 1}, {})
            self.assertGreater(self.sb.requests_seen("sts", "AssumeRole") - before, assumed, "the role was not assumed again")
            self.assertNotIn(self.sb.secret_key, err)


if __name__ == "__main__":
    unittest.main()
