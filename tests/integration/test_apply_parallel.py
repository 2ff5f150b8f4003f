"""`elcui create --parallel N` (and destroy): at most N AWS calls of the
apply in flight, checked on the sandbox's own request timeline.

Every AWS call is delayed by the sandbox (a latency fault), so calls the
graph may run together do overlap unless elcui serialises them. With
`--parallel 1` no two requests of the apply overlap (each starts after the
previous answer was handed back; retries after throttling and the polls
of the group's wait included); with the default (8) some do, and with
`--parallel 2` never more than two. Destroy honours it the same way. Out of
range values are usage errors (exit 2) before anything is sent.

One sandbox for the class, the smallest stack (--shards 1 --replicas 1).

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests.integration.test_apply_parallel
"""

import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# What discovery sends; the apply starts with the first call that is not one.
READ_OPS = re.compile(r"^(Describe|Get|List)")
DELAY = 0.1
SMALL = ("--shards", "1", "--replicas", "1")


def apply_calls(timeline):
    """The requests of the apply: from the first change on (discovery only reads)."""
    reqs = timeline["requests"]
    for k, r in enumerate(reqs):
        if not READ_OPS.match(r["operation"]):
            return reqs[k:]
    return []


def most_at_once(reqs):
    """The most requests in flight at the same time."""
    edges = []
    for r in reqs:
        edges.append((r["start"], 1))
        edges.append((r["end"], -1))
    # an answer handed back before the next request arrived at the same instant
    edges.sort(key=lambda e: (e[0], e[1]))
    cur = best = 0
    for _, d in edges:
        cur += d
        best = max(best, cur)
    return best


@harness.needs_binary
class TestParallel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=False, create_delay=1)
        cls.state = tempfile.mkdtemp(prefix="elcui-parallel-state-")
        cls.env = harness.env_with(
            cls.sb.env,
            XDG_STATE_HOME=cls.state,
            ELCUI_POLL_MS="200",
            ELCUI_POLL_MAX_MS="400",
            ELCUI_BACKOFF_MS="100",
        )

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        shutil.rmtree(cls.state, ignore_errors=True)

    def setUp(self):
        self.sb.reset_faults()
        self.sb.latency(DELAY)
        self.sb.reset_counters()

    def elcui(self, *args, env=None):
        r = harness.run(env or self.env, *args, timeout=180)
        for bad in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            self.assertNotIn(bad, r.err, r)
        return r

    def timeline(self):
        t = self.sb.request_timeline()
        self.assertEqual(t["in_flight"], 0, t)
        for r in t["requests"]:
            self.assertIsNotNone(r["end"], r)
        return t

    def test_one_at_a_time_then_default_overlaps(self):
        # A throttled create is retried after a short back-off (20 ms) while
        # other resources are ready: its retry must wait for a free slot too.
        self.sb.throttle(service="ec2", operation="CreateVpc", count=1)
        self.sb.throttle(service="kms", operation="CreateKey", count=1)
        env = harness.env_with(self.env, ELCUI_BACKOFF_MS="20")
        r = self.elcui("create", "--name", "par-1", "--apply", "--yes", "--parallel", "1", *SMALL, env=env)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.sb.counters()["faults"]["kinds"].get("throttle"), 2)
        calls = apply_calls(self.timeline())
        self.assertEqual(sum(c["operation"] == "CreateVpc" for c in calls), 2)
        # the whole stack: VPC ... IAM, with the group's wait polled
        ops = {c["operation"] for c in calls}
        for op in ("CreateVpc", "CreateKey", "CreateSecret", "CreateReplicationGroup", "PutParameter", "CreatePolicy"):
            self.assertIn(op, ops)
        self.assertGreater(len(calls), 30, ops)
        calls.sort(key=lambda c: c["start"])
        for a, b in zip(calls, calls[1:]):
            self.assertGreaterEqual(b["start"], a["end"], "%s:%s overlaps %s:%s" % (a["service"], a["operation"], b["service"], b["operation"]))
        self.assertEqual(most_at_once(calls), 1)

        # the same plan with the default: independent calls overlap
        self.sb.reset_counters()
        r = self.elcui("create", "--name", "par-8", "--apply", "--yes", *SMALL)
        self.assertEqual(r.rc, 0, r)
        default = apply_calls(self.timeline())
        self.assertEqual({c["operation"] for c in default}, ops)
        peak = most_at_once(default)
        self.assertGreater(peak, 1, "the default never overlapped two calls")
        self.assertLessEqual(peak, 8)

        # destroy --parallel 2: never more than two at once, and some two
        self.sb.reset_counters()
        r = self.elcui("destroy", "par-8", "--confirm", "par-8", "--parallel", "2")
        self.assertEqual(r.rc, 0, r)
        gone = apply_calls(self.timeline())
        self.assertIn("DeleteReplicationGroup", {c["operation"] for c in gone})
        self.assertEqual(most_at_once(gone), 2)

    def test_out_of_range_is_a_usage_error(self):
        for cmd in (["create", "--name", "par-x", "--plan"], ["destroy", "par-x", "--plan"]):
            for bad in ("0", "17", "-1", "two", ""):
                r = self.elcui(*cmd, "--parallel", bad)
                self.assertEqual(r.rc, 2, r)
                self.assertIn("--parallel wants a number of calls from 1 to 16", r.err)
        self.assertEqual(self.sb.requests_seen(), 0)
        r = self.elcui("create", "--help")
        self.assertIn("--parallel N", r.out)
        r = self.elcui("destroy", "--help")
        self.assertIn("--parallel N", r.out)


if __name__ == "__main__":
    unittest.main()
