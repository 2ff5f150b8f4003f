"""`elcui doctor` against the sandbox's demo stack (app-4: 3 shards x 2
replicas of real TLS Redis with AUTH; legacy-1: plain TCP, no AUTH).

A healthy group passes (configuration endpoint and nine nodes, every step,
all 16384 slots); a stopped node (SIGSTOP), a killed node, a wrong token
and a wrong CA are each named with their cause; TLS against the plain
group and plain text against the TLS group are recognised; --connect-to
shows in the DNS step; the text report has a row per endpoint and a
verdict; the token never appears.

ELCUI_BIN names the binary (default build/elcui).
    python3 -m unittest tests/integration/test_doctor.py
"""

import json
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402

RG = "app-4"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


@harness.needs_binary
class DoctorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=True)
        sm = harness.setup_client(cls.sb, "secretsmanager")
        cls.token = sm.get_secret_value(SecretId="app-4-elasticache-auth")["SecretString"]
        cls.tmp = tempfile.mkdtemp(prefix="elcui-doctor-")
        cls.env = harness.env_with(cls.sb.env, HOME=cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        for name in os.listdir(cls.tmp):
            os.unlink(os.path.join(cls.tmp, name))
        os.rmdir(cls.tmp)

    def doctor(self, *args, env=None, rg=RG):
        r = harness.run(env or self.env, "doctor", rg, *args, timeout=120)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, r.err, r)
        self.assertNotIn(self.token, r.out + r.err)
        return r

    def report(self, *args, **kw):
        r = self.doctor("--json", *args, **kw)
        return r, r.json()

    def by_id(self, rep):
        return {c["cacheClusterId"]: c for c in rep["checks"] if c["cacheClusterId"]}

    def test_healthy(self):
        """a healthy group passes: every endpoint and node, every step, all slots"""
        r, rep = self.report()
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(rep["ok"])
        self.assertEqual(rep["endpoint"]["source"], "configuration-endpoint")
        self.assertEqual(rep["auth"], {"source": "naming", "origin": "app-4-elasticache-auth", "user": None})
        self.assertEqual(len(rep["checks"]), 10)
        self.assertEqual(rep["checks"][0]["kind"], "configuration-endpoint")
        nodes = self.by_id(rep)
        self.assertEqual(len(nodes), 9)
        for c in rep["checks"]:
            self.assertTrue(c["ok"], c)
            for step in ("dns", "connect", "tls", "auth", "ping"):
                self.assertEqual(c["steps"][step]["status"], "ok", (c["host"], step))
            # AWS's names, checked against the group's wildcard certificate,
            # resolved by the sandbox's rule to one loopback address per node
            self.assertRegex(c["host"], r"^(clustercfg|app-4-000\d-00\d)\.app-4\.[0-9a-f]{6}\.use2\.cache\.amazonaws\.com$")
            self.assertEqual(c["port"], 6379)
            self.assertIn("verified for %s " % c["host"], c["steps"]["tls"]["detail"])
            self.assertIn(" from --resolve *.cache.amazonaws.com:*:@%s (line " % self.sb.hosts_file, c["steps"]["dns"]["detail"])
            self.assertTrue(c["steps"]["dns"]["detail"].startswith(self.sb.resolve(c["host"])[0]), c["steps"]["dns"])
        sandbox_nodes = {n["cache_cluster_id"]: n for n in self.sb.nodes(RG)}
        for cid, c in nodes.items():
            self.assertEqual(c["role"], sandbox_nodes[cid]["role"])
            self.assertEqual(c["az"], sandbox_nodes[cid]["availability_zone"])
            self.assertEqual(c["shard"], sandbox_nodes[cid]["node_group_id"])
        self.assertEqual(rep["slots"]["slotsCovered"], 16384)
        self.assertEqual(rep["slots"]["primaries"], 3)
        self.assertEqual(rep["slots"]["failedNodes"], 0)
        self.assertTrue(rep["slots"]["ok"])
        # the text report
        r = self.doctor()
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"\| app-4-0002-003 app-4-0002-003\.app-4\.[0-9a-f]{6}\.use2\.cache\.amazonaws\.com:6379 +\| 0002 +\| (primary|replica) +\| us-east-2\w +\| ok \d+ms")
        self.assertIn("slots: ok: all 16384 slots served by 3 primaries", r.out)
        self.assertIn("verdict: healthy: 10 of 10", r.out)

    def test_stopped_node(self):
        """a node frozen with SIGSTOP is named unresponsive; the others pass"""
        frozen = "app-4-0002-003"
        self.sb.stop_node(frozen)
        try:
            t0 = time.monotonic()
            r, rep = self.report("--timeout", "1")
            self.assertLess(time.monotonic() - t0, 60)
            text = self.doctor("--timeout", "1")
        finally:
            self.sb.cont_node(frozen)
        self.assertEqual(r.rc, 1, r)
        nodes = self.by_id(rep)
        c = nodes[frozen]
        self.assertFalse(c["ok"])
        self.assertEqual(c["cause"], "unresponsive", c)
        self.assertEqual(c["steps"]["connect"]["status"], "ok")
        self.assertIn("does not answer", c["advice"])
        self.assertEqual(sum(1 for x in rep["checks"] if not x["ok"]), 1)
        self.assertIn(frozen, rep["summary"])
        self.assertEqual(text.rc, 1)
        self.assertRegex(text.out, r"app-4-0002-003 app-4-0002-003\.app-4\.[0-9a-f]{6}\.use2\.cache\.amazonaws\.com:6379: failed at unresponsive")
        self.assertIn("cause: the node accepts connections but does not answer", text.out)

    def test_killed_node(self):
        """a killed node: nothing listens, named as such; restarted it passes again"""
        killed = "app-4-0003-003"
        self.sb.kill_node(killed)
        try:
            r, rep = self.report("--timeout", "2")
            self.assertEqual(r.rc, 1, r)
            c = self.by_id(rep)[killed]
            self.assertEqual(c["cause"], "nothing-listening", c)
            self.assertEqual(c["steps"]["connect"]["status"], "fail")
            self.assertIn("nothing listens", c["advice"])
        finally:
            self.sb.restart_node(killed)
        deadline = time.monotonic() + 90
        while True:
            r, rep = self.report("--timeout", "2")
            if rep["ok"] or time.monotonic() > deadline:
                break
            time.sleep(1)
        self.assertTrue(rep["ok"], rep["summary"])

    def test_wrong_token(self):
        """a wrong token: every check fails at AUTH, naming the token's source"""
        env = harness.env_with(self.env, WRONG="definitely-not-the-token-42")
        r, rep = self.report("--token-env", "WRONG", env=env)
        self.assertEqual(r.rc, 1)
        for c in rep["checks"]:
            self.assertEqual(c["cause"], "wrong-token", c)
            self.assertEqual(c["steps"]["tls"]["status"], "ok")
            self.assertEqual(c["steps"]["auth"]["status"], "fail")
            self.assertIn("$WRONG", c["advice"])
        self.assertNotIn("definitely-not-the-token-42", r.out + r.err)
        self.assertFalse(rep["slots"]["ok"])
        # no token at all
        r, rep = self.report("--no-auth")
        self.assertEqual({c["cause"] for c in rep["checks"]}, {"no-token"})

    def test_wrong_ca(self):
        """a CA that did not sign the certificate: the TLS step fails with the CA named"""
        other = os.path.join(self.tmp, "other.pem")
        with open(os.path.join(os.path.dirname(self.sb.ca_file), "server.crt")) as f, open(other, "w") as o:
            o.write(f.read())
        r, rep = self.report(env=harness.env_with(self.env, ELCUI_REDIS_CACERT=other))
        self.assertEqual(r.rc, 1)
        for c in rep["checks"]:
            self.assertEqual(c["cause"], "certificate", c)
            self.assertEqual(c["steps"]["connect"]["status"], "ok")
            self.assertEqual(c["steps"]["tls"]["status"], "fail")
            self.assertIn("--redis-cacert", c["advice"])
        # the global option wins over the environment
        r = harness.run(harness.env_with(self.env, ELCUI_REDIS_CACERT=other), "--redis-cacert", self.sb.ca_file, "doctor", RG, "--json", timeout=120)
        self.assertEqual(r.rc, 0, r)
        # --insecure passes, as a warning
        r = harness.run(harness.env_with(self.env, ELCUI_REDIS_CACERT=other), "--insecure", "doctor", RG, "--json", timeout=120)
        self.assertEqual(r.rc, 0, r)
        rep = r.json()
        self.assertEqual(rep["checks"][0]["steps"]["tls"]["status"], "warn")
        self.assertIn("NOT verified", r.err)

    def test_tls_mismatch(self):
        """TLS to the plain group and plain text to the TLS group are recognised"""
        r, rep = self.report(rg="legacy-1")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(rep["checks"][0]["kind"], "primary-endpoint")
        self.assertFalse(rep["tls"])
        self.assertEqual(rep["slots"]["primaries"], 1)
        r, rep = self.report("--tls", rg="legacy-1")
        self.assertEqual(r.rc, 1)
        self.assertEqual(rep["checks"][0]["cause"], "tls-to-plain-node", rep["checks"][0])
        self.assertIn("in-transit encryption off", rep["checks"][0]["advice"])
        r, rep = self.report("--no-tls", "--timeout", "2")
        self.assertEqual(r.rc, 1)
        self.assertEqual(rep["checks"][0]["cause"], "plain-to-tls-node", rep["checks"][0])

    def test_connect_to(self):
        """--connect-to rules show in the report"""
        n = self.sb.node("app-4-0001-002")
        addr, port = self.sb.node_address("app-4-0001-002")
        r = harness.run(self.env, "--connect-to", "%s:%d:%s:%d" % (n["host"], n["port"], addr, port), "doctor", RG, "--json", timeout=120)
        self.assertEqual(r.rc, 0, r)
        c = self.by_id(r.json())["app-4-0001-002"]
        self.assertTrue(c["routed"])
        self.assertIn("--connect-to", c["steps"]["dns"]["detail"])
        self.assertIn("via --connect-to", c["steps"]["connect"]["detail"])

    def test_usage(self):
        r = harness.run(self.env, "doctor")
        self.assertEqual(r.rc, 2)
        r = harness.run(self.env, "doctor", "no-such-group", timeout=120)
        self.assertEqual(r.rc, 1)
        self.assertIn("no endpoint for no-such-group", r.err)


if __name__ == "__main__":
    unittest.main()
