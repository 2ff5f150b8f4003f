"""A new user's first run on the empty sandbox, with the names AWS gives:
the sandbox reports the port asked for and AWS-shaped DNS names, TLS
clusters announce those names, each node listens on a loopback address of
its own on that port, and elcui reaches a group created while the sandbox
runs through the one rule the sandbox exports (ELCUI_RESOLVE, a hosts
file), as a laptop reaches a private cluster.

- `elcui create --name app-5 --apply` twice: the second run changes
  nothing (plan: 0 to create, 0 to change; no port conflict, no SSM
  endpoint rewrite);
- exec and doctor reach every node by its name, the certificate checked
  against it; the console shows the group's roles from Redis;
- a certificate for another name is refused (host name verification on),
  and a name the rule's file does not list is a DNS failure naming the
  file, never a lookup on the real DNS.

ELCUI_BIN names the binary (default build/elcui).
    python3 -m unittest tests/integration/test_names.py
"""

import os
import re
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from tmux import Console  # noqa: E402

NAME = "app-5"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")
CFG_RE = r"clustercfg\.app-5\.([0-9a-f]{6})\.use2\.cache\.amazonaws\.com"


def json_lines(text):
    import json

    return [json.loads(line) for line in text.splitlines() if line.strip()]


@harness.needs_binary
class NamesOnTheEmptySandbox(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="empty", redis=True, create_delay=1)
        cls.state = tempfile.mkdtemp(prefix="elcui-names-")
        cls.env = harness.env_with(cls.sb.env, HOME=cls.state, XDG_STATE_HOME=cls.state,
                                   XDG_CONFIG_HOME=os.path.join(cls.state, "config"),
                                   ELCUI_POLL_MS="200", ELCUI_POLL_MAX_MS="500")
        cls.ec = harness.setup_client(cls.sb, "elasticache")
        cls.ssm = harness.setup_client(cls.sb, "ssm")
        t0 = time.monotonic()
        cls.first = harness.run(cls.env, "create", "--name", NAME, "--apply", "--yes", timeout=240)
        cls.first_seconds = time.monotonic() - t0

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        shutil.rmtree(cls.state, ignore_errors=True)

    def elcui(self, *args, timeout=120):
        r = harness.run(self.env, *args, timeout=timeout)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, r.err, r)
        return r

    def group(self):
        return self.ec.describe_replication_groups(ReplicationGroupId=NAME)["ReplicationGroups"][0]

    def test_1_apply_twice_changes_nothing(self):
        """create --apply twice on the empty sandbox: the second is a no-op"""
        r = self.first
        self.assertEqual(r.rc, 0, r)
        m = re.search(r"configuration endpoint: (%s):(\d+)" % CFG_RE, r.out + r.err)
        self.assertTrue(m, r)
        cfg, port = m.group(1), int(m.group(3))
        self.assertEqual(port, 6379)
        g = self.group()
        self.assertEqual(g["ConfigurationEndpoint"], {"Address": cfg, "Port": 6379})
        # the SSM parameters hold what the API reports
        params = {p: self.ssm.get_parameter(Name="/elasticache/%s/%s/%s" % (NAME, NAME, p), WithDecryption=True)["Parameter"]["Value"]
                  for p in ("endpoint", "port")}
        self.assertEqual(params, {"endpoint": cfg, "port": "6379"})
        versions = {p: self.ssm.get_parameter(Name="/elasticache/%s/%s/%s" % (NAME, NAME, p))["Parameter"]["Version"] for p in params}

        again = self.elcui("create", "--name", NAME, "--apply", "--yes", timeout=240)
        self.assertEqual(again.rc, 0, again)
        text = again.out + again.err
        self.assertRegex(text, r"\n0 to create, 0 to change, \d+ to keep, 0 reused, 0 in conflict\.\n")
        self.assertIn("create: stack %s is as the spec says; nothing to do." % NAME, text)
        self.assertNotIn("conflict:", text)
        self.assertNotRegex(text, r"(?m)^\s*(change|create)\s")
        after = {p: self.ssm.get_parameter(Name="/elasticache/%s/%s/%s" % (NAME, NAME, p))["Parameter"]["Version"] for p in params}
        self.assertEqual(after, versions, "the SSM parameters were written again")

    def test_2_exec_and_doctor_by_name(self):
        """a group created while the sandbox runs: every node reached by its AWS name through ELCUI_RESOLVE"""
        self.assertIn("ELCUI_RESOLVE", self.env)
        with open(self.sb.hosts_file) as f:
            self.assertIn("# us-east-2 %s\n" % NAME, f.read())
        r = self.elcui("exec", NAME, "--", "SET", "{names}:k", "v")
        self.assertEqual((r.rc, r.out.strip()), (0, "OK"), r)
        r = self.elcui("exec", NAME, "--json", "--all", "--", "PING")
        self.assertEqual(r.rc, 0, r)
        recs = json_lines(r.out)
        self.assertEqual(len(recs), 9)
        for x in recs:
            self.assertEqual(x["reply"], {"status": "PONG"})
            cc = x["cacheClusterId"]
            self.assertRegex(cc, r"^app-5-000[123]-00[123]$")
            self.assertRegex(x["node"], r"^%s\.app-5\.[0-9a-f]{6}\.use2\.cache\.amazonaws\.com:6379$" % cc)
            self.assertIn(x["shard"], ("0001", "0002", "0003"))
        r = self.elcui("doctor", NAME, "--json")
        self.assertEqual(r.rc, 0, r)
        rep = r.json()
        self.assertEqual(len(rep["checks"]), 10)
        addrs = set()
        for c in rep["checks"]:
            self.assertTrue(c["ok"], c)
            self.assertIn("verified for %s " % c["host"], c["steps"]["tls"]["detail"])
            self.assertIn("from --resolve *.cache.amazonaws.com:*:@%s (line " % self.sb.hosts_file, c["steps"]["dns"]["detail"])
            if c["cacheClusterId"]:
                addrs.add(c["steps"]["dns"]["detail"].split(" ", 1)[0])
        # one loopback address per node
        self.assertEqual(len(addrs), 9)
        self.assertTrue(all(a.startswith("127.") for a in addrs), addrs)

    def test_3_console_roles_from_redis(self):
        """the console's group screen asks Redis through the names"""
        titles = ["ID", "SHARD", "AZ", "API ROLE", "REDIS ROLE", "HEALTH", "STATUS"]
        with Console(self.env, [], cols=150, rows=40) as c:
            c.wait_for(NAME, timeout=30)
            c.keys(":")
            c.literal("group " + NAME)
            c.keys("Enter")
            rows = c.wait_rows(titles, lambda r: len(r) == 9 and all(
                v["HEALTH"].startswith(("answering", "slow")) and "(redis " in v["REDIS ROLE"] for v in r.values()),
                timeout=40)
            self.assertEqual(sorted(v["REDIS ROLE"].split()[0] for v in rows.values()), ["primary"] * 3 + ["replica"] * 6)
            self.assertRegex(c.screen(), r"Configuration endpoint +%s:6379" % CFG_RE)
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_4_wrong_name_refused(self):
        """a node whose certificate names another group: TLS refuses it, nothing is sent"""
        addr, port = self.sb.node_address("app-5-0001-001")
        other = "clustercfg.app-6.abcdef.use2.cache.amazonaws.com"
        r = self.elcui("--resolve", "%s:%d:%s" % (other, port, addr), "exec", NAME, "--endpoint", "%s:%d" % (other, port),
                       "--connect-timeout", "2", "--", "PING")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("tls-verify", r.err)
        self.assertIn("'%s'" % other, r.err)
        self.assertNotIn("PONG", r.out)
        r = self.elcui("--resolve", "%s:%d:%s" % (other, port, addr), "doctor", NAME, "--json", "--endpoint", "%s:%d" % (other, port))
        self.assertEqual(r.rc, 1, r)
        c = r.json()["checks"][0]
        self.assertEqual((c["host"], c["cause"]), (other, "certificate"), c)
        self.assertEqual([c["steps"][s]["status"] for s in ("dns", "connect", "tls", "auth")], ["ok", "ok", "fail", "skip"], c)
        self.assertIn("does not match the name checked '%s'" % other, c["error"])
        self.assertIn("issued for another name", c["advice"])
        # a name the sandbox's file does not list fails at DNS, naming the
        # file and the rule (never a lookup on the real DNS)
        missing = "app-5-0009-001.app-5.abcdef.use2.cache.amazonaws.com"
        r = self.elcui("doctor", NAME, "--json", "--endpoint", "%s:6379" % missing)
        self.assertEqual(r.rc, 1, r)
        c = r.json()["checks"][0]
        self.assertEqual((c["host"], c["cause"]), (missing, "dns"), c)
        self.assertIn("%s does not list %s" % (self.sb.hosts_file, missing), c["error"])
        self.assertIn("answered by the rule --resolve *.cache.amazonaws.com:*:@%s" % self.sb.hosts_file, c["advice"])


if __name__ == "__main__":
    unittest.main()
