"""`elcui logs` against the sandbox (moto's CloudWatch Logs behind SigV4).

Exactly-once with late events, equal timestamps and several streams; the
same under 50% throttling (the tail never exits); a stream created mid-tail;
JSON and TEXT records of both log types; malformed lines shown raw; escape
sequences never reach the terminal; labels and filters; gap and status
lines; the errors for a missing group and for a group without log delivery.

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_logs.py
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "sandbox"))

from sandbox.sandboxctl import Sandbox  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402

ELCUI = os.environ.get("ELCUI_BIN") or os.path.join(TOP, "build", "elcui")
RG = "lt"
SLOW = "/aws/elasticache/lt/slow-log"
ENGINE = "/aws/elasticache/lt/engine-log"


def stream(cluster, log_type="slow-log"):
    return "elasticache/redis/%s/0001/%s" % (cluster, log_type)


def slow_json(cluster, marker, ts_ms, dur=12000, cmd="GET ... (1 more arguments)"):
    return json.dumps(
        {
            "CacheClusterId": cluster,
            "CacheNodeId": "0001",
            "Id": 1,
            "Timestamp": ts_ms // 1000,
            "Duration (us)": dur,
            "Command": cmd,
            "ClientAddress": "10.0.0.9:4000",
            "ClientName": marker,
        }
    )


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


class Tail:
    """`elcui logs ... --follow` in the background, lines collected."""

    def __init__(self, env, args):
        self.p = subprocess.Popen(
            [ELCUI, "logs"] + args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        self.out = []
        self.err = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.p.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _read(f, sink):
        for line in iter(f.readline, b""):
            sink.append(line)

    def records(self):
        return [json.loads(x) for x in list(self.out)]

    def notices(self):
        out = []
        for x in list(self.err):
            try:
                out.append(json.loads(x))
            except ValueError:
                pass
        return out

    def stop(self):
        return harness.stop_with_sigint(self.p, self._threads, "elcui logs")

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.p.stdout.close()
        self.p.stderr.close()


@unittest.skipUnless(os.access(ELCUI, os.X_OK), "no elcui binary at %s (set ELCUI_BIN)" % ELCUI)
class LogsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=False)
        cls.sb.start()
        try:
            logs = cls.sb.client("logs")
            for g in (SLOW, ENGINE):
                logs.create_log_group(logGroupName=g)
            ec = cls.sb.client("elasticache")
            ec.create_replication_group(
                ReplicationGroupId=RG,
                ReplicationGroupDescription="logs test",
                NumCacheClusters=3,
                Engine="redis",
                EngineVersion="7.1",
                LogDeliveryConfigurations=[
                    {
                        "LogType": t,
                        "DestinationType": "cloudwatch-logs",
                        "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": g}},
                        "LogFormat": f,
                        "Enabled": True,
                    }
                    for t, g, f in (("slow-log", SLOW, "json"), ("engine-log", ENGINE, "text"))
                ],
            )
            ec.create_replication_group(
                ReplicationGroupId="nolog", ReplicationGroupDescription="x", NumCacheClusters=1
            )
            cls.sb.wait_for_group(RG, timeout=90)
            cls.sb.wait_for_group("nolog", timeout=90)
            desc = ec.describe_replication_groups(ReplicationGroupId=RG)["ReplicationGroups"][0]
            cls.members = {
                m["CacheClusterId"]: m for ng in desc["NodeGroups"] for m in ng["NodeGroupMembers"]
            }
        except BaseException:
            cls.sb.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.reset_faults()
        self.tails = []

    def tearDown(self):
        for t in self.tails:
            t.kill()
        self.sb.reset_faults()

    def follow(self, *args):
        t = Tail(self.sb.env, list(args))
        self.tails.append(t)
        return t

    def run_logs(self, *args, timeout=90):
        return subprocess.run(
            [ELCUI, "logs"] + list(args),
            env=self.sb.env,
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def inject(self, group, strm, message, ts=None, delay=0):
        self.sb.inject_log(group, strm, message, timestamp_ms=ts, ingestion_delay=delay)

    def wait_ready(self, tail, n=1):
        wait_for(
            lambda: sum(1 for x in tail.notices() if x.get("kind") == "ready") >= n
            or tail.p.poll() is not None,
            60,
            "the first poll",
        )
        self.assertIsNone(tail.p.poll(), b"".join(tail.err).decode(errors="replace"))

    def put_batch(self, prefix):
        """50 events: 3 streams, equal timestamps, 10 late by 10 s, 10 that
        reach CloudWatch 3 s after their time."""
        now = int(time.time() * 1000)
        markers = []
        k = 0
        for i in range(30):
            cl = "lt-00%d" % (i % 3 + 1)
            m = "%s-%d" % (prefix, k)
            self.inject(SLOW, stream(cl), slow_json(cl, m, now + i // 3), ts=now + i // 3)
            markers.append(m)
            k += 1
        for i in range(10):
            cl = "lt-00%d" % (i % 3 + 1)
            m = "%s-%d" % (prefix, k)
            ts = now - 10000 + i
            self.inject(SLOW, stream(cl), slow_json(cl, m, ts), ts=ts)
            markers.append(m)
            k += 1
        for i in range(10):
            cl = "lt-00%d" % (i % 3 + 1)
            m = "%s-%d" % (prefix, k)
            self.inject(SLOW, stream(cl), slow_json(cl, m, now + 5), ts=now + 5, delay=3)
            markers.append(m)
            k += 1
        return markers

    def assert_exactly_once(self, tail, markers, settle=4.0):
        want = set(markers)

        def seen():
            return {r.get("clientName") for r in tail.records()} & want

        wait_for(lambda: seen() == want or tail.p.poll() is not None, 90, "every event")
        self.assertIsNone(tail.p.poll(), "the tail exited")
        time.sleep(settle)  # more overlapping polls: nothing may repeat
        self.assertIsNone(tail.p.poll(), "the tail exited")
        recs = tail.records()
        # records pushed by a live session have no eventId ("")
        ids = [r["eventId"] for r in recs if r["eventId"]]
        self.assertEqual(len(ids), len(set(ids)), "an eventId was printed twice")
        counts = {}
        for r in recs:
            if r.get("clientName") in want:
                counts[r["clientName"]] = counts.get(r["clientName"], 0) + 1
        self.assertEqual(set(counts), want)
        self.assertEqual([m for m, c in counts.items() if c != 1], [])
        for r in recs:
            for key in ("eventId", "timestamp", "ingestionTime", "logGroup", "logStream", "type"):
                self.assertIn(key, r)
        return recs

    # ------------------------------------------------------------------ tests

    def test_exactly_once_follow(self):
        t = self.follow(RG, "--slow", "--follow", "--json", "--since", "1m", "--status-interval", "0")
        self.wait_ready(t)
        recs = self.assert_exactly_once(t, self.put_batch("eo"))
        self.assertEqual(t.stop(), 0)
        r = [x for x in recs if x.get("clientName") == "eo-0"][0]
        self.assertEqual(r["type"], "slow")
        self.assertEqual(r["logGroup"], SLOW)
        self.assertEqual(r["cacheClusterId"], "lt-001")
        self.assertEqual(r["durationUs"], 12000)
        # a final status object per tail on exit
        self.assertTrue(any(x.get("type") == "status" for x in t.notices()))

    def test_throttled_half_still_exactly_once(self):
        # The client retries a throttled call (3 attempts), so with half the
        # answers throttled whether some call fails all three is chance: the
        # first call's three attempts are throttled for certain (one tail reads
        # one log group one call at a time), then half of every later one.
        self.sb.throttle(service="logs", operation="FilterLogEvents", count=3)
        self.sb.throttle(service="logs", operation="FilterLogEvents", rate=0.5)
        # the poller under throttling (a live session would make the polled
        # requests few, and whether one is throttled a matter of chance)
        t = self.follow(RG, "--slow", "--follow", "--json", "--since", "1m", "--status-interval", "0",
                        "--source", "poll")
        self.wait_ready(t)
        self.assert_exactly_once(t, self.put_batch("th"))
        errs = [x for x in t.notices() if x.get("kind") == "error"]
        self.assertTrue(errs, "throttling was not reported")
        self.assertTrue(all(x.get("code") == "ThrottlingException" for x in errs), errs[:3])
        self.assertEqual(t.stop(), 0)

    def test_new_stream_mid_tail(self):
        t = self.follow(RG, "--slow", "-f", "--json", "--since", "30s", "--status-interval", "0")
        self.wait_ready(t)
        now = int(time.time() * 1000)
        self.inject(SLOW, stream("lt-001"), slow_json("lt-001", "ns-old", now), ts=now)
        wait_for(lambda: any(r.get("clientName") == "ns-old" for r in t.records()), 30, "ns-old")
        new = stream("lt-004")
        self.inject(SLOW, new, slow_json("lt-004", "ns-new", now + 1), ts=now + 1)
        wait_for(lambda: any(r.get("clientName") == "ns-new" for r in t.records()), 30, "ns-new")
        wait_for(
            lambda: any(x.get("kind") == "new-stream" and x.get("logStream") == new for x in t.notices()),
            10,
            "the new-stream notice",
        )
        self.assertEqual(t.stop(), 0)

    def test_formats_and_malformed(self):
        now = int(time.time() * 1000)
        self.inject(SLOW, stream("lt-001"), slow_json("lt-001", "fmt-json", now, dur=25000), ts=now)
        self.inject(
            SLOW,
            stream("lt-002"),
            "lt-002,0001,%d,33000,HGETALL ... (1 more arguments),10.0.0.9:4000,fmt-text" % (now // 1000),
            ts=now + 1,
        )
        self.inject(SLOW, stream("lt-003"), "fmt-bad: not a slow-log record", ts=now + 2)
        self.inject(
            ENGINE,
            stream("lt-001", "engine-log"),
            json.dumps(
                {
                    "CacheClusterId": "lt-001",
                    "CacheNodeId": "0001",
                    "LogLevel": "WARNING",
                    "Role": "M",
                    "Time": "01 May 2024 12:03:41.517 UTC",
                    "Message": "fmt-ejson disk",
                }
            ),
            ts=now + 3,
        )
        self.inject(
            ENGINE,
            stream("lt-002", "engine-log"),
            "lt-002/0001:S 01 May 2024 12:03:41.517 UTC * fmt-etext sync done",
            ts=now + 4,
        )
        self.inject(ENGINE, stream("lt-002", "engine-log"), "{\"fmt-ebad\": [", ts=now + 5)
        want = ("fmt-json", "fmt-text", "fmt-bad", "fmt-ejson", "fmt-etext", "fmt-ebad")
        got = {}

        def all_there():
            r = self.run_logs(RG, "--json", "--since", "2m")
            self.assertEqual(r.returncode, 0, r.stderr)
            got.clear()
            for line in r.stdout.decode().splitlines():
                rec = json.loads(line)
                for w in want:
                    if w in rec["message"]:
                        got[w] = rec
            return len(got) == len(want)

        wait_for(all_there, 30, "the injected records")
        self.assertEqual((got["fmt-json"]["type"], got["fmt-json"]["format"]), ("slow", "json"))
        self.assertEqual(got["fmt-json"]["durationUs"], 25000)
        self.assertEqual((got["fmt-text"]["type"], got["fmt-text"]["format"]), ("slow", "text"))
        self.assertEqual(got["fmt-text"]["commandName"], "HGETALL")
        self.assertEqual(got["fmt-text"]["clientName"], "fmt-text")
        self.assertEqual(got["fmt-bad"]["type"], "unknown")
        self.assertEqual(got["fmt-bad"]["message"], "fmt-bad: not a slow-log record")
        self.assertEqual(got["fmt-bad"]["cacheClusterId"], "lt-003")  # from the stream name
        self.assertEqual((got["fmt-ejson"]["type"], got["fmt-ejson"]["level"]), ("engine", "WARNING"))
        self.assertEqual(got["fmt-ejson"]["engineRole"], "M")
        self.assertEqual((got["fmt-etext"]["type"], got["fmt-etext"]["format"]), ("engine", "text"))
        self.assertEqual(got["fmt-etext"]["text"], "fmt-etext sync done")
        self.assertEqual(got["fmt-ebad"]["type"], "unknown")
        self.assertEqual(got["fmt-ebad"]["message"], "{\"fmt-ebad\": [")
        # filters: level, duration, command, node
        r = self.run_logs(RG, "--json", "--since", "2m", "--level", "warning", "--engine")
        msgs = [json.loads(x)["message"] for x in r.stdout.decode().splitlines()]
        self.assertTrue(any("fmt-ejson" in m for m in msgs))
        self.assertFalse(any("fmt-etext" in m for m in msgs))
        self.assertTrue(any("fmt-ebad" in m for m in msgs))  # unparsed lines are never hidden
        r = self.run_logs(RG, "--json", "--since", "2m", "--slow", "--min-duration", "30ms")
        msgs = [json.loads(x)["message"] for x in r.stdout.decode().splitlines()]
        self.assertTrue(any("fmt-text" in m for m in msgs))
        self.assertFalse(any("fmt-json" in m for m in msgs))
        r = self.run_logs(RG, "--json", "--since", "2m", "--node", "lt-002")
        recs = [json.loads(x) for x in r.stdout.decode().splitlines()]
        self.assertTrue(recs)
        self.assertEqual({x["cacheClusterId"] for x in recs}, {"lt-002"})
        r = self.run_logs(RG, "--json", "--since", "2m", "--command", "hgetall")
        recs = [json.loads(x) for x in r.stdout.decode().splitlines()]
        self.assertTrue(recs)
        self.assertTrue(all(x.get("commandName", "HGETALL") == "HGETALL" for x in recs if x["type"] == "slow"))

    def test_labels_in_human_output(self):
        now = int(time.time() * 1000)
        self.inject(SLOW, stream("lt-002"), slow_json("lt-002", "lbl-x", now), ts=now)
        m = self.members["lt-002"]
        want = "[0001 %s %s]" % (m.get("CurrentRole", "-"), m.get("PreferredAvailabilityZone", "-"))

        def there():
            r = self.run_logs(RG, "--slow", "--since", "1m", "--grep", "lbl-x")
            lines = [x for x in r.stdout.decode().splitlines() if "lbl-x" in x]
            return lines and want in lines[0] and " slow 12.000ms GET " in lines[0]

        wait_for(there, 30, "a labelled line")
        r = self.run_logs(RG, "--slow", "--since", "1m", "--grep", "lbl-x", "--role", m.get("CurrentRole", "primary"))
        self.assertIn(b"lbl-x", r.stdout)
        other = "replica" if m.get("CurrentRole") == "primary" else "primary"
        r = self.run_logs(RG, "--slow", "--since", "1m", "--grep", "lbl-x", "--role", other)
        self.assertNotIn(b"lbl-x", r.stdout)

    def test_escape_sequences_neutralised(self):
        now = int(time.time() * 1000)
        evil = "esc-mark \x1b]0;pwned\x07\x1b[2J\x1b[31mred \u009b31m \u202eevil\r\n2nd"
        self.inject(ENGINE, stream("lt-001", "engine-log"), evil, ts=now)
        out = {}

        def there():
            out["h"] = self.run_logs(RG, "--engine", "--since", "1m", "--grep", "esc-mark")
            out["j"] = self.run_logs(RG, "--engine", "--since", "1m", "--grep", "esc-mark", "--json")
            return b"esc-mark" in out["h"].stdout and b"esc-mark" in out["j"].stdout

        wait_for(there, 30, "the hostile line")
        human = out["h"].stdout
        for bad in (b"\x1b", b"\x07", b"\xc2\x9b", b"\xe2\x80\xae", b"\r"):
            self.assertNotIn(bad, human)
        self.assertIn(b"\\x1b]0;pwned\\x07\\x1b[2J", human)
        self.assertIn(b"\\u{009b}", human)
        self.assertIn(b"\\u{202e}", human)
        self.assertEqual(human.count(b"esc-mark"), 1)
        self.assertEqual(len([x for x in human.splitlines() if b"esc-mark" in x]), 1)
        js = out["j"].stdout
        self.assertNotIn(b"\x1b", js)
        self.assertTrue(all(b < 0x80 for b in js), "JSON output is plain ASCII")
        self.assertEqual(json.loads(js.splitlines()[0])["message"], evil)

    def test_limit_and_status_lines(self):
        now = int(time.time() * 1000)
        for i in range(5):
            self.inject(SLOW, stream("lt-003"), slow_json("lt-003", "lim-%d" % i, now + i), ts=now + i)
        wait_for(
            lambda: self.run_logs(RG, "--slow", "--since", "1m", "--grep", "lim-4").stdout.count(b"lim-4") == 1,
            30,
            "the events",
        )
        # reaching --limit is not a gap: the output stops where it was asked to
        r = self.run_logs(RG, "--slow", "--since", "1m", "--grep", "lim-", "--limit", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 2)
        self.assertNotIn(b"GAP", r.stderr)
        self.assertIn(b"elcui logs: stopped after 2 records (--limit)\n", r.stderr)
        r = self.run_logs(RG, "--slow", "--since", "1m", "--grep", "lim-", "--limit", "2", "--json")
        lines = [json.loads(x) for x in r.stderr.splitlines() if x.startswith(b"{")]
        self.assertEqual([g for g in lines if g.get("type") == "gap"], [])
        self.assertIn({"type": "stopped", "reason": "limit", "records": 2}, lines)
        # periodic status lines while following
        t = self.follow(RG, "--follow", "--since", "10s", "--status-interval", "1")
        wait_for(lambda: sum(1 for x in t.err if x.startswith(b"elcui logs: status ")) >= 4, 20, "status lines")
        line = [x for x in t.err if x.startswith(b"elcui logs: status ")][0]
        for part in (b" lag ", b" ev/s", b" dup", b" dropped", b" throttled", b"last ok "):
            self.assertIn(part, line)
        # counts say their noun in the singular for one ("1 request", "1 event")
        self.assertRegex(line, rb" (1 request|[02-9] requests|\d\d+ requests),")
        self.assertEqual(t.stop(), 0)

    def test_bulk_read_keeps_lines_and_order_in_one_stream(self):
        """A bulk read writes its records in 64 KiB batches; with stdout and
        stderr on one pipe (2>&1) every line is whole and the records come
        before the notice that says the read is done."""
        logs = self.sb.client("logs")
        try:
            logs.create_log_stream(logGroupName=SLOW, logStreamName=stream("lt-002"))
        except logs.exceptions.ResourceAlreadyExistsException:
            pass  # an earlier test's injection made it
        now = int(time.time() * 1000)
        evs = [{"timestamp": now + i, "message": slow_json("lt-002", "blk-%d" % i, now + i)} for i in range(3000)]
        for b in range(0, len(evs), 1000):
            logs.put_log_events(logGroupName=SLOW, logStreamName=stream("lt-002"), logEvents=evs[b:b + 1000])
        r = subprocess.run(
            [ELCUI, "logs", RG, "--slow", "--since", "1m", "--grep", "blk-", "--json", "--verbose"],
            env=self.sb.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
            stdin=subprocess.DEVNULL,
        )
        self.assertEqual(r.returncode, 0, r.stdout[-2000:])
        # every line of the combined stream is whole: JSON, or one of the
        # "elcui logs:" lines --verbose adds
        lines = []
        for x in r.stdout.splitlines():
            self.assertTrue(x.startswith(b"{") or x.startswith(b"elcui logs: "), x[:200])
            if x.startswith(b"{"):
                try:
                    lines.append(json.loads(x))
                except ValueError:
                    self.fail("a line cut by another: %r" % x[:600])
        kinds = [("rec" if "eventId" in x else x.get("kind") or x.get("type")) for x in lines]
        names = [x["clientName"] for x in lines if "eventId" in x]
        self.assertEqual(sorted(names), sorted("blk-%d" % i for i in range(3000)))
        self.assertIn("ready", kinds)
        self.assertGreater(kinds.index("ready"), max(i for i, k in enumerate(kinds) if k == "rec"))

    def test_error_gap_when_not_following(self):
        self.sb.malformed(service="logs", operation="FilterLogEvents", rate=1.0)
        r = self.run_logs(RG, "--slow", "--since", "1m", timeout=180)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"GAP " + SLOW.encode(), r.stderr)
        self.assertIn(b"(error)", r.stderr)

    def test_missing_group_and_no_delivery(self):
        r = self.run_logs("no-such-rg")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"replication group 'no-such-rg' not found", r.stderr)
        r = self.run_logs("nolog")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"no slow-log or engine-log delivery to CloudWatch Logs", r.stderr)
        self.assertIn(b"modify-replication-group --replication-group-id nolog", r.stderr)
        r = self.run_logs("--log-group", "/no/such/group", "--since", "1m")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"ResourceNotFoundException", r.stderr)
        r = self.run_logs(RG, "--role", "leader")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
