"""`elcui logs --follow` with the live source (StartLiveTail) on the sandbox.

One tail follows a log group for the whole class (a live session, and
FilterLogEvents reconciling behind it); each test puts its own batch of
events - three streams, equal timestamps, events 10 s late, events that
reach CloudWatch 1 s after they were put, a stream created mid-tail - under
one fault of the sandbox's StartLiveTail (none, dropped frames, a corrupted
CRC, a cut stream, a sampled session, the session's timeout) and checks that
every event is printed exactly once, compared by its marker, once a
reconciliation pass that started after the last put has completed (the pass
that could print an event a second time). Then an identity whose IAM
policy denies logs:StartLiveTail: the tail falls back to polling, says so
once, and is still exactly once.

Run: ELCUI_BIN=$PWD/build-san/elcui python3 -m unittest tests.integration.test_livetail
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
TOP = os.path.dirname(os.path.dirname(HERE))
for p in (os.path.join(TOP, "tests", "tools"),):
    if p not in sys.path:
        sys.path.insert(0, p)

import harness  # noqa: E402
import secretlog  # noqa: E402

GROUP = "/elasticache/live/slow-log"
CLUSTERS = ("lv-0001-001", "lv-0001-002", "lv-0002-001")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def stream_of(cluster):
    return "elasticache/redis/%s/0001/slow-log" % cluster


def slow_record(cluster, marker, ts_ms):
    return json.dumps({
        "CacheClusterId": cluster, "CacheNodeId": "0001", "Id": 1, "Timestamp": ts_ms // 1000,
        "Duration (us)": 12000, "Command": "GET ... (1 more arguments)",
        "ClientAddress": "10.0.0.9:4000", "ClientName": marker,
    })


def wait_for(pred, timeout, what, alive=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        if alive is not None and not alive():
            raise AssertionError("the tail exited while waiting for %s" % what)
        time.sleep(0.05)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


class Tail:
    """`elcui logs --follow --json` in the background; lines kept."""

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

    @staticmethod
    def _json(lines):
        out = []
        for line in list(lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def records(self):
        return self._json(self.out)

    def notices(self, kind=None):
        return [x for x in self._json(self.err) if x.get("type") == "notice" and (kind is None or x.get("kind") == kind)]

    def statuses(self):
        return [x for x in self._json(self.err) if x.get("type") == "status"]

    def markers(self, prefix):
        seen = {}
        for rec in self.records():
            name = rec.get("clientName") or ""
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


class LiveBase(unittest.TestCase):
    tail = None
    seq = 0

    @classmethod
    def start_sandbox(cls):
        cls.sb = harness.sandbox(redis=False, log_delay=0)
        secretlog.record_env(cls.sb.exports, "sandbox")
        cls.logs = harness.setup_client(cls.sb, "logs")
        cls.logs.create_log_group(logGroupName=GROUP)
        for c in CLUSTERS:
            cls.logs.create_log_stream(logGroupName=GROUP, logStreamName=stream_of(c))

    def put_batch(self, tail, prefix, n=12):
        """n events on three streams (equal timestamps), n/4 10 s late,
        n/4 that reach CloudWatch 1 s after they were put, and one on a
        stream created now; returns the markers."""
        type(self).seq += 1
        now = int(time.time() * 1000)
        markers = []
        by_stream = {}
        for i in range(n):
            c = CLUSTERS[i % 3]
            m = "%s-%03d" % (prefix, i)
            by_stream.setdefault(stream_of(c), []).append({"timestamp": now + i // 3, "message": slow_record(c, m, now)})
            markers.append(m)
        for s, evs in by_stream.items():
            self.logs.put_log_events(logGroupName=GROUP, logStreamName=s, logEvents=evs)
        for i in range(n // 4):
            c = CLUSTERS[i % 3]
            m = "%s-late-%03d" % (prefix, i)
            self.sb.inject_log(GROUP, stream_of(c), slow_record(c, m, now - 10000), timestamp_ms=now - 10000 + i)
            markers.append(m)
        for i in range(n // 4):
            c = CLUSTERS[i % 3]
            m = "%s-slow-%03d" % (prefix, i)
            self.sb.inject_log(GROUP, stream_of(c), slow_record(c, m, now), timestamp_ms=now + 5, ingestion_delay=1)
            markers.append(m)
        fresh = "elasticache/redis/lv-new-%d/0001/slow-log" % self.seq
        self.logs.create_log_stream(logGroupName=GROUP, logStreamName=fresh)
        m = "%s-fresh" % prefix
        self.logs.put_log_events(logGroupName=GROUP, logStreamName=fresh,
                                 logEvents=[{"timestamp": now, "message": slow_record("lv-new", m, now)}])
        markers.append(m)
        return markers

    def assert_exactly_once(self, tail, prefix, markers, label):
        put_done = int(time.time() * 1000) + 1100  # after the delayed ingestion too
        want = set(markers)
        wait_for(lambda: set(tail.markers(prefix)) >= want, 60, "every event (%s)" % label, tail.alive)
        # a reconciliation pass that started after the last event reached
        # CloudWatch has completed: what it could repeat, it would have
        wait_for(lambda: any(s.get("reconciled", 0) >= put_done for s in tail.statuses()), 60,
                 "a reconciliation pass after the puts (%s)" % label, tail.alive)
        seen = tail.markers(prefix)
        self.assertEqual(set(seen), want, label)
        dup = {m: c for m, c in seen.items() if c != 1}
        self.assertEqual(dup, {}, "printed more than once (%s)" % label)
        err = tail.stderr_text()
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, err)
        return seen


@harness.needs_binary
class LiveTail(LiveBase):
    @classmethod
    def setUpClass(cls):
        cls.start_sandbox()
        cls.tail = Tail(cls.sb.env, ["--log-group", GROUP, "--follow", "--json", "--since", "1m",
                                     "--source", "live", "--status-interval", "1"])
        try:
            wait_for(lambda: any(" up (" in n.get("detail", "") for n in cls.tail.notices("live")), 60,
                     "the live session", cls.tail.alive)
        except BaseException:
            cls.tail.stop()
            cls.sb.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.tail.stop()
        err = cls.tail.stderr_text()
        cls.sb.stop()
        if rc != 0:
            raise AssertionError("elcui logs ended with %s:\n%s" % (rc, err[-3000:]))

    def setUp(self):
        self.sb.reset_faults()
        self.assertTrue(self.tail.alive(), self.tail.stderr_text()[-3000:])
        # a session up (the one a test before may have ended is reopened)
        wait_for(lambda: self.tail.statuses() and self.tail.statuses()[-1]["source"] == "live", 60,
                 "a live session", self.tail.alive)

    def last_status(self):
        st = self.tail.statuses()
        self.assertTrue(st, "no status line")
        return st[-1]

    def test_live_exactly_once(self):
        """logs --follow, live source: exactly once"""
        st0 = self.last_status()
        markers = self.put_batch(self.tail, "clean")
        self.assert_exactly_once(self.tail, "clean", markers, "no fault")
        st = self.last_status()
        self.assertEqual(st["source"], "live")
        self.assertTrue(st["sessionId"])
        self.assertFalse(st["sampled"])
        self.assertGreaterEqual(st["liveEvents"] - st0["liveEvents"], len(markers))
        self.assertEqual(st["filled"], st0["filled"])
        recs = [r for r in self.tail.records() if (r.get("clientName") or "").startswith("clean")]
        self.assertTrue(all(r["eventId"] == "" for r in recs))
        r = [x for x in recs if x["clientName"] == "clean-000"][0]
        self.assertEqual(r["logGroup"], GROUP)
        self.assertEqual(r["cacheClusterId"], "lv-0001-001")
        self.assertEqual(r["type"], "slow")
        self.assertTrue(any(n.get("logStream", "").startswith("elasticache/redis/lv-new") for n in self.tail.notices("new-stream")))

    def test_dropped_frames(self):
        """logs --follow, live source, dropped frames: exactly once"""
        st0 = self.last_status()
        self.sb.live_tail(drop=2)
        markers = self.put_batch(self.tail, "drop")
        self.assert_exactly_once(self.tail, "drop", markers, "dropped frames")
        self.assertEqual(self.sb.live_tail()["counters"]["dropped_frames"] >= 1, True)
        self.assertGreater(self.last_status()["filled"], st0["filled"])

    def test_corrupted_crc(self):
        """logs --follow, live source, a corrupted CRC: exactly once"""
        st0 = self.last_status()
        self.sb.live_tail(corrupt=1)
        markers = self.put_batch(self.tail, "crc")
        self.assert_exactly_once(self.tail, "crc", markers, "bad CRC")
        self.assertTrue(any(n.get("code") == "EventStreamChecksum" for n in self.tail.notices("live")))
        wait_for(lambda: self.last_status()["source"] == "live", 30, "the session reopened", self.tail.alive)
        self.assertGreater(self.last_status()["reconnects"], st0["reconnects"])

    def test_cut_stream(self):
        """logs --follow, live source, a cut stream: exactly once"""
        st0 = self.last_status()
        self.sb.live_tail(cut=1)
        markers = self.put_batch(self.tail, "cut")
        self.assert_exactly_once(self.tail, "cut", markers, "cut stream")
        wait_for(lambda: self.last_status()["source"] == "live", 30, "the session reopened", self.tail.alive)
        self.assertGreater(self.last_status()["reconnects"], st0["reconnects"])

    def test_sampled_session(self):
        """logs --follow, live source, a sampled session: exactly once"""
        st0 = self.last_status()
        self.sb.live_tail(sample=3)
        markers = self.put_batch(self.tail, "smp")
        self.assert_exactly_once(self.tail, "smp", markers, "sampled")
        self.assertTrue(any("sampled" in n.get("detail", "") for n in self.tail.notices("live")))
        self.assertGreater(self.last_status()["filled"], st0["filled"])

    def test_session_timeout(self):
        """logs --follow, live source, the session times out (the 3-hour end): exactly once"""
        st0 = self.last_status()
        self.sb.live_tail(timeout=1)
        wait_for(lambda: any(n.get("code") == "SessionTimeoutException" for n in self.tail.notices("live")), 30,
                 "the timeout", self.tail.alive)
        markers = self.put_batch(self.tail, "tmo")
        self.assert_exactly_once(self.tail, "tmo", markers, "session timeout")
        wait_for(lambda: self.last_status()["source"] == "live", 30, "the session reopened", self.tail.alive)
        self.assertGreater(self.last_status()["reconnects"], st0["reconnects"])


@harness.needs_binary
class LiveTailFallbacks(LiveBase):
    @classmethod
    def setUpClass(cls):
        cls.start_sandbox()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def test_access_denied_falls_back_to_polling(self):
        """logs --follow, StartLiveTail denied by IAM: polling, said once, exactly once"""
        iam = harness.setup_client(self.sb, "iam")
        iam.create_user(UserName="no-live-tail")
        iam.put_user_policy(UserName="no-live-tail", PolicyName="all-but-live-tail", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                          {"Effect": "Deny", "Action": "logs:StartLiveTail", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="no-live-tail")["AccessKey"]
        secretlog.record(key["SecretAccessKey"], "no-live-tail secret key")
        env = harness.env_with(self.sb.env, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                               AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        tail = Tail(env, ["--log-group", GROUP, "--follow", "--json", "--since", "1m", "--status-interval", "1"])
        try:
            wait_for(lambda: tail.notices("source"), 60, "the fallback notice", tail.alive)
            markers = self.put_batch(tail, "deny")
            self.assert_exactly_once(tail, "deny", markers, "access denied")
            src = tail.notices("source")
            self.assertEqual(len(src), 1, "said more than once")
            self.assertEqual(src[0]["code"], "AccessDeniedException")
            self.assertEqual(src[0]["source"], "poll")
            self.assertIn("polling FilterLogEvents", src[0]["detail"])
            st = tail.statuses()[-1]
            self.assertEqual(st["source"], "poll")
            self.assertFalse(st["live"])
            self.assertIn("not allowed", st["sourceNote"])
            self.assertEqual(st["liveEvents"], 0)
            self.assertEqual(self.sb.live_tail()["counters"]["denied"], 1)  # asked once, never again
        finally:
            rc = tail.stop()
        self.assertEqual(rc, 0, tail.stderr_text()[-2000:])
        # --source live insists: the same refusal is an error
        r = harness.run(env, "logs", "--log-group", GROUP, "--follow", "--source", "live", "--since", "1m", timeout=60)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("--source live: StartLiveTail not allowed", r.err)
        self.assertIn("AccessDeniedException", r.err)
        self.assertNotIn(key["SecretAccessKey"], r.err + r.out)

    def test_missing_group_left_out_of_the_session(self):
        """logs --follow, one of two log groups missing: it fails, the other stays live, exactly once"""
        tail = Tail(self.sb.env, ["--log-group", GROUP, "--log-group", "/elasticache/live/none", "--follow", "--json",
                                  "--since", "1m", "--source", "live", "--status-interval", "1"])
        try:
            wait_for(lambda: any(" up (" in n.get("detail", "") for n in tail.notices("live")), 60,
                     "a session without the missing group", tail.alive)
            fatal = tail.notices("fatal")
            self.assertEqual([n["logGroup"] for n in fatal], ["/elasticache/live/none"])
            self.assertEqual(fatal[0]["code"], "ResourceNotFoundException")
            markers = self.put_batch(tail, "miss")
            self.assert_exactly_once(tail, "miss", markers, "a missing group")
            self.assertEqual(tail.notices("source"), [])
            st = [s for s in tail.statuses() if s["logGroup"] == GROUP][-1]
            self.assertEqual(st["source"], "live")
            self.assertGreaterEqual(st["liveEvents"], len(markers))
        finally:
            rc = tail.stop()
        self.assertEqual(rc, 0, tail.stderr_text()[-2000:])


if __name__ == "__main__":
    unittest.main()
