"""The sandbox's StartLiveTail, read by botocore's own event-stream parser
(boto3 ``logs.start_live_tail``): an implementation that is not ours
checks the framing, the CRCs, the event and exception shapes.

Covers: events PutLogEvents stores (and the control API's inject) pushed to
an open session, matched by group, stream prefix and filter pattern; the
3-hour end (shortened) as SessionTimeoutException; each fault (a dropped
frame, a corrupted CRC that botocore refuses, a cut stream, a sampled
update, a refused session); an identity without logs:StartLiveTail gets
AccessDeniedException from moto's IAM evaluation.
"""

import json
import os
import queue
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from botocore.config import Config  # noqa: E402

from sandbox.sandboxctl import Sandbox  # noqa: E402

GROUP = "/live/slow-log"
OTHER = "/live/engine-log"


def wait_for(pred, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s" % what)


def code_of(e):
    """The error code botocore gives an event-stream exception."""
    return getattr(e, "response", {}).get("Error", {}).get("Code")


class Reader:
    """One start_live_tail session read on a thread; what it gave kept."""

    def __init__(self, client, **kwargs):
        self.updates = []
        self.results = []
        self.start = None
        self.error = None
        self.ended = threading.Event()
        self.q = queue.Queue()
        resp = client.start_live_tail(**kwargs)
        self.stream = resp["responseStream"]
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            for ev in self.stream:
                if "sessionStart" in ev:
                    self.start = ev["sessionStart"]
                elif "sessionUpdate" in ev:
                    u = ev["sessionUpdate"]
                    self.updates.append(u)
                    self.results.extend(u.get("sessionResults", []))
        except Exception as e:  # botocore's parser or the service said no
            self.error = e
        finally:
            self.ended.set()

    def messages(self):
        return [r["message"] for r in list(self.results)]

    def close(self):
        try:
            self.stream.close()
        except Exception:
            pass
        self.ended.wait(10)


class LiveTailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=False, log_delay=0).start()
        cfg = Config(inject_host_prefix=False, retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=30)
        cls.logs = cls.sb.client("logs", config=cfg)
        cls.cfg = cfg
        cls.account = cls.sb.client("sts").get_caller_identity()["Account"]
        for g in (GROUP, OTHER):
            cls.logs.create_log_group(logGroupName=g)
            for s in ("a/0001/slow-log", "b/0001/slow-log", "other/x"):
                cls.logs.create_log_stream(logGroupName=g, logStreamName=s)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.reset_faults()  # also StartLiveTail's faults
        self.readers = []

    def tearDown(self):
        for r in self.readers:
            r.close()

    def arn(self, name):
        return "arn:aws:logs:%s:%s:log-group:%s" % (self.sb.region, self.account, name)

    def open(self, *groups, client=None, **kw):
        r = Reader(client or self.logs, logGroupIdentifiers=[self.arn(g) for g in groups], **kw)
        self.readers.append(r)
        wait_for(lambda: r.start is not None or r.ended.is_set(), what="sessionStart")
        self.assertIsNone(r.error)
        return r

    def own_group(self):
        """A log group only this test's session reads: a fault is taken by
        the first session with events, and a session an earlier test
        closed lives on in the sandbox until its next write fails."""
        g = "/live/%s" % self._testMethodName
        self.logs.create_log_group(logGroupName=g)
        self.logs.create_log_stream(logGroupName=g, logStreamName="a/0001/slow-log")
        return g

    def put(self, stream, *messages, group=GROUP):
        now = int(time.time() * 1000)
        self.logs.put_log_events(
            logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)]
        )

    def test_events_pushed_and_matched(self):
        r = self.open(GROUP, logStreamNamePrefixes=["a/", "b/"], logEventFilterPattern="KEYS")
        self.assertEqual(r.start["logGroupIdentifiers"], [self.arn(GROUP)])
        self.assertTrue(r.start["sessionId"])
        self.put("a/0001/slow-log", "KEYS one", "GET two", "KEYS three")
        self.put("b/0001/slow-log", "KEYS four")
        self.put("other/x", "KEYS not this stream")
        self.put("a/0001/slow-log", "KEYS not this group", group=OTHER)
        # the workload's path: an event injected through the control API
        self.sb.inject_log(GROUP, "b/0001/slow-log", "KEYS injected")
        wait_for(lambda: len(r.results) >= 4, what="the pushed events")
        time.sleep(1.2)  # a heartbeat later: nothing else arrives
        self.assertEqual(sorted(r.messages()), ["KEYS four", "KEYS injected", "KEYS one", "KEYS three"])
        res = [x for x in r.results if x["message"] == "KEYS one"][0]
        self.assertEqual(res["logStreamName"], "a/0001/slow-log")
        self.assertEqual(res["logGroupIdentifier"], "%s:%s" % (self.account, GROUP))
        self.assertIsInstance(res["timestamp"], int)
        self.assertGreaterEqual(res["ingestionTime"], res["timestamp"])
        # the same events, by FilterLogEvents, have the same times
        fle = self.logs.filter_log_events(logGroupName=GROUP, filterPattern="KEYS")["events"]
        by_msg = {e["message"]: e for e in fle}
        self.assertEqual(by_msg["KEYS one"]["ingestionTime"], res["ingestionTime"])
        self.assertTrue(all(u["sessionMetadata"]["sampled"] is False for u in r.updates))
        # empty updates keep the session alive (a heartbeat a second)
        self.assertTrue(any(not u.get("sessionResults") for u in r.updates))

    def test_session_timeout_exception(self):
        self.sb.live_tail(session_seconds=1.0)
        r = self.open(GROUP)
        self.assertTrue(r.ended.wait(10))
        self.assertIsNotNone(r.error)
        self.assertEqual(code_of(r.error), "SessionTimeoutException")

    def test_timeout_now_and_drop_and_sample(self):
        g = self.own_group()
        r = self.open(g)
        self.sb.live_tail(drop=1)
        self.put("a/0001/slow-log", "lost-1", group=g)
        wait_for(lambda: self.sb.live_tail()["counters"]["dropped_frames"] == 1, what="the drop")
        self.put("a/0001/slow-log", "kept-2", group=g)
        wait_for(lambda: "kept-2" in r.messages(), what="the next frame")
        self.assertNotIn("lost-1", r.messages())
        self.sb.live_tail(sample=1)
        self.put("a/0001/slow-log", "s1", "s2", "s3", "s4", group=g)
        wait_for(lambda: any(u["sessionMetadata"]["sampled"] for u in r.updates), what="a sampled update")
        sampled = [u for u in r.updates if u["sessionMetadata"]["sampled"]][0]
        self.assertEqual([x["message"] for x in sampled["sessionResults"]], ["s1", "s3"])
        self.sb.live_tail(timeout=1)
        self.assertTrue(r.ended.wait(10))
        self.assertEqual(code_of(r.error), "SessionTimeoutException")

    def test_corrupt_crc_is_refused_by_botocore(self):
        g = self.own_group()
        r = self.open(g)
        self.sb.live_tail(corrupt=1)
        self.put("a/0001/slow-log", "bad-crc", group=g)
        self.assertTrue(r.ended.wait(10))
        self.assertIsNotNone(r.error)
        self.assertIn("Checksum", type(r.error).__name__ + str(r.error))
        self.assertNotIn("bad-crc", r.messages())

    def test_cut_stream(self):
        g = self.own_group()
        r = self.open(g)
        self.sb.live_tail(cut=1)
        self.put("a/0001/slow-log", "half", group=g)
        self.assertTrue(r.ended.wait(10))
        self.assertNotIn("half", r.messages())
        self.assertEqual(self.sb.live_tail()["counters"]["cuts"], 1)

    def test_refused_and_bad_requests(self):
        self.sb.live_tail(refuse=1)
        with self.assertRaises(self.logs.exceptions.LimitExceededException):
            self.logs.start_live_tail(logGroupIdentifiers=[self.arn(GROUP)])
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.start_live_tail(logGroupIdentifiers=[self.arn("/live/none")])
        with self.assertRaises(self.logs.exceptions.InvalidParameterException):
            self.logs.start_live_tail(logGroupIdentifiers=[self.arn(GROUP) + ":*"])

    def test_identity_without_start_live_tail_is_denied(self):
        iam = self.sb.client("iam")
        name = "no-live-%d" % int(time.time() * 1000)
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name,
            PolicyName="all-but-live-tail",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "*"},
                        {"Effect": "Deny", "Action": "logs:StartLiveTail", "Resource": "*"},
                    ],
                }
            ),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        logs = self.sb.client("logs", config=self.cfg, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        with self.assertRaises(logs.exceptions.ClientError) as cm:
            logs.start_live_tail(logGroupIdentifiers=[self.arn(GROUP)])
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDeniedException")
        self.assertIn("StartLiveTail", cm.exception.response["Error"]["Message"])
        # the same identity may still poll
        logs.filter_log_events(logGroupName=GROUP, limit=1)
        self.assertGreaterEqual(self.sb.live_tail()["counters"]["denied"], 1)


if __name__ == "__main__":
    unittest.main()
