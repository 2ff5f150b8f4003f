"""`elcui failover` against the sandbox's demo stack (app-4, real TLS Redis;
the sandbox's TestFailover fails the shard over in Redis and emits the
ElastiCache event sequence).

A failover of shard 0002 with --yes: progress lines for each event, the
result names the new primary; the roles change in Redis (exec ROLE) and in
`elcui show`; the events are in `elcui events`. Refused under --read-only
and without confirmation (no TestFailover request reaches the service);
an unknown shard lists the real ones; --json gives one object per event
and a result; --no-wait returns at once; a typed confirmation in tmux.

ELCUI_BIN names the binary (default build/elcui).
    python3 -m unittest tests/integration/test_failover.py
"""

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from tmux import Console  # noqa: E402

RG = "app-4"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def wait_for(pred, timeout, what, step=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


@harness.needs_binary
class FailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=True)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def run_elcui(self, *args, timeout=120, **kw):
        r = harness.run(self.sb.env, *args, timeout=timeout, **kw)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, r.err, r)
        return r

    def primary(self, shard):
        for n in self.sb.nodes(RG):
            if n["node_group_id"] == shard and n["role"] == "primary":
                return n["cache_cluster_id"]
        return None

    def failovers_seen(self):
        return self.sb.requests_seen("elasticache", "TestFailover")

    def test_1_refusals(self):
        """--read-only, no confirmation and an unknown shard: nothing reaches TestFailover"""
        before = self.failovers_seen()
        r = self.run_elcui("--read-only", "failover", RG, "--shard", "0002", "--yes")
        self.assertEqual(r.rc, 1)
        self.assertIn("--read-only", r.err)
        r = self.run_elcui("failover", RG, "--shard", "2")
        self.assertEqual(r.rc, 1)
        self.assertIn("confirm with --yes", r.err)
        r = self.run_elcui("failover", RG, "--shard", "9", "--yes")
        self.assertEqual(r.rc, 1)
        self.assertIn("has no shard 0009", r.err)
        self.assertIn("0001 0002 0003", r.err)
        r = self.run_elcui("failover", "no-such-group", "--shard", "1", "--yes")
        self.assertEqual(r.rc, 1)
        self.assertIn("not found", r.err)
        r = self.run_elcui("failover", RG)
        self.assertEqual(r.rc, 2)
        r = self.run_elcui("failover", RG, "--shard", "x1")
        self.assertEqual(r.rc, 2)
        self.assertEqual(self.failovers_seen(), before)

    def test_2_failover_followed(self):
        """TestFailover followed to completion; roles change in Redis and in show; events has it"""
        old = self.primary("0002")
        r = self.run_elcui("failover", RG, "--shard", "2", "--yes", "--poll", "0.5")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("TestFailover of shard 0002 of app-4 started", r.out)
        self.assertIn("Test Failover API called for node group 0002", r.out)
        self.assertRegex(r.out, r"Failover from primary node %s to replica node app-4-0002-00\d completed" % old)
        self.assertRegex(r.out, r"failover of shard 0002 completed: new primary (app-4-0002-00\d) \(was %s\); group available" % old)
        new = r.out.split("new primary ")[1].split(" ")[0]
        self.assertNotEqual(new, old)
        # in Redis
        x = self.run_elcui("exec", RG, "--node", new, "--", "ROLE")
        self.assertEqual(x.out.splitlines()[0], "master", x)
        x = self.run_elcui("exec", RG, "--node", old, "--", "ROLE")
        self.assertEqual(x.out.splitlines()[0], "slave", x)
        # in show (the API side follows through its metrics)
        def roles():
            s = self.run_elcui("show", RG, "--json").json()
            for ng in s["nodeGroups"]:
                if ng["nodeGroupId"] == "0002":
                    return {n["cacheClusterId"]: n["role"] for n in ng["nodes"]}
            return {}
        got = wait_for(lambda: (lambda m: m if m.get(new) == "primary" and m.get(old) == "replica" else None)(roles()), 120, "show to report the new roles")
        self.assertEqual(list(got.values()).count("primary"), 1)
        # in events
        ev = self.run_elcui("events", RG, "--since", "1h", "--json").json()
        text = json.dumps(ev)
        self.assertIn("Test Failover API called for node group 0002", text)
        self.assertIn("Failover from primary node %s to replica node %s completed" % (old, new), text)

    def test_3_json_and_no_wait(self):
        """--json: one object per event and a result; --no-wait returns once started"""
        old = self.primary("0003")
        r = self.run_elcui("failover", RG, "--shard", "0003", "--yes", "--json", "--poll", "0.5")
        self.assertEqual(r.rc, 0, r)
        objs = [json.loads(line) for line in r.out.splitlines() if line.startswith("{")]
        events = [o for o in objs if o["type"] == "event"]
        result = [o for o in objs if o["type"] == "result"]
        self.assertTrue(any("Test Failover API called" in e["message"] for e in events))
        self.assertEqual(len(result), 1)
        self.assertEqual(result[0]["status"], "completed")
        self.assertEqual(result[0]["oldPrimary"], old)
        self.assertEqual(result[0]["shard"], "0003")
        self.assertNotEqual(result[0]["newPrimary"], old)
        self.sb.wait_for_group(RG, "available", timeout=60)
        r = self.run_elcui("failover", RG, "--shard", "0001", "--yes", "--no-wait", "--json")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(json.loads(r.out.splitlines()[-1])["status"], "started")
        self.sb.wait_for_group(RG, "available", timeout=60)

    def test_4_confirmation_typed(self):
        """in a terminal the shard id must be typed; anything else does nothing"""
        before = self.failovers_seen()
        with Console(self.sb.env, ["failover", RG, "--shard", "0001"], binary=harness.ELCUI) as c:
            c.wait_for("Type the shard id (0001) to go ahead:", timeout=60)
            c.literal("0002")
            c.keys("Enter")
            c.wait_for("not confirmed")
            self.assertEqual(c.wait_exit(), 1)
        self.assertEqual(self.failovers_seen(), before)
        with Console(self.sb.env, ["failover", RG, "--shard", "0001", "--poll", "0.5"], binary=harness.ELCUI) as c:
            c.wait_for("Type the shard id (0001) to go ahead:", timeout=60)
            c.literal("1")
            c.keys("Enter")
            c.wait_for("completed", timeout=120)
            self.assertEqual(c.wait_exit(timeout=60), 0)
        self.assertEqual(self.failovers_seen(), before + 1)


if __name__ == "__main__":
    unittest.main()
