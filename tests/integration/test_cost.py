"""`elcui cost` against the sandbox's demo seed.

The sandbox does not serve the Price List API: the estimate falls back to
the built-in table and says why; a live group is priced from what it is
(nodes, node type, log delivery and the log groups' retention); a plan is
priced from its spec, offline with --offline (no request at all).

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_cost.py
"""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402


def line(est, prefix):
    for ln in est["lines"]:
        if ln["item"].startswith(prefix):
            return ln
    raise AssertionError("no line %s in %s" % (prefix, [x["item"] for x in est["lines"]]))


@harness.needs_binary
class CostTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=False)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def cost(self, *args, rc=0):
        r = harness.run(self.sb.env, "cost", *args)
        self.assertEqual(r.rc, rc, r)
        return r

    def test_live_demo_stack_falls_back_and_says_why(self):
        est = self.cost("app-4", "--json").json()
        self.assertEqual((est["nodes"], est["nodeType"], est["engine"], est["region"]), (9, "cache.t2.small", "redis", "us-east-2"))
        self.assertIn("Price List API did not answer", est["fallbackReason"])
        self.assertIn("built-in price table (dated ", est["sources"]["nodes"])
        nodes = line(est, "9 x cache.t2.small")
        self.assertEqual((nodes["quantity"], nodes["unit"]), (6570, "node-hours"))
        self.assertAlmostEqual(nodes["monthly"], 6570 * nodes["unitPrice"], places=2)
        self.assertIn("2 log types", line(est, "log ingestion")["item"])
        self.assertIn("365-day", line(est, "log storage")["item"])
        self.assertAlmostEqual(est["monthly"], sum(x["monthly"] for x in est["lines"]), places=2)
        self.assertIn("previous-generation", est["hint"])
        for x in est["lines"]:
            self.assertTrue(x["source"])
        r = self.cost("app-4")
        self.assertIn("Price List API not used: the Price List API did not answer", r.out)
        self.assertIn("USD a month", r.out)

    def test_live_weak_group_and_changed_retention(self):
        est = self.cost("legacy-1", "--json", "--log-gb", "5").json()
        self.assertEqual((est["nodes"], est["nodeType"]), (2, "cache.t3.micro"))
        self.assertEqual(len(est["lines"]), 1)  # no log delivery: no log cost
        logs = self.sb.client("logs")
        logs.put_retention_policy(logGroupName="/elasticache/app-4/engine-log", retentionInDays=30)
        try:
            est = self.cost("app-4", "--json", "--log-gb", "10", "--offline").json()
            self.assertIn("30-day", line(est, "log storage")["item"])  # the shorter one
            self.assertAlmostEqual(line(est, "log ingestion")["quantity"], 10)
            self.assertIn("--offline", est["fallbackReason"])
        finally:
            logs.put_retention_policy(logGroupName="/elasticache/app-4/engine-log", retentionInDays=365)

    def test_plan_offline_makes_no_request(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[stack]\nname = big\nregion = eu-west-1\n\n[cache]\nnode_type = cache.r7g.large\nengine = valkey\nshards = 4\nreplicas = 1\n")
            path = f.name
        try:
            self.sb.reset_counters()
            est = self.cost("--spec", path, "--offline", "--json").json()
            self.assertEqual(self.sb.requests_seen(), 0)
            self.assertEqual((est["nodes"], est["engine"], est["region"]), (8, "valkey", "eu-west-1"))
            # no checked table price for Ireland: us-east-1's, and the estimate says so
            self.assertIn("the table has no eu-west-1", json.dumps(est))
            self.assertTrue(any("less 20%" in a for a in est["assumptions"]), est["assumptions"])
            self.assertIsNone(est["hint"])
        finally:
            os.unlink(path)
        r = self.cost("--name", "app-4")  # asks the Price List API (the sandbox), falls back
        self.assertIn("plan of stack app-4", r.out)
        self.assertIn("Price List API not used", r.out)

    def test_errors(self):
        r = self.cost("no-such-group", rc=1)
        self.assertIn("not found", r.err)
        self.cost(rc=2)
        self.cost("app-4", "--log-gb", "lots", rc=2)
        self.cost("app-4", "--name", "x", rc=2)


if __name__ == "__main__":
    unittest.main()
