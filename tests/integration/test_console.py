"""The console in a real terminal (tmux): frame, banners, tiny terminals."""

import os
import re
import sys
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "sandbox"))

from sandbox.sandboxctl import Sandbox  # noqa: E402
from tests.integration.tmux import BIN, Console  # noqa: E402


@unittest.skipUnless(os.access(BIN, os.X_OK), "no elcui binary at %s" % BIN)
class ConsoleFrame(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=False).start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def env(self, **extra):
        e = dict(self.sb.env)
        e["HOME"] = os.environ.get("ELCUI_CHECK_SCRATCH", "/tmp")
        e.update(extra)
        return e

    def test_context_screen_and_quit(self):
        with Console(self.env(), []) as c:
            scr = c.wait_for("region us-east-2")
            self.assertIn("profile default", scr)
            c.keys("i")
            scr = c.wait_for("ElastiCache endpoint")
            self.assertIn(self.sb.endpoint, scr)
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_banners(self):
        with Console(self.env(), ["--read-only", "--insecure"]) as c:
            scr = c.wait_for("READ-ONLY")
            self.assertIn("INSECURE", scr)
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_tiny_terminal_and_resize(self):
        with Console(self.env(), [], cols=100, rows=30) as c:
            c.wait_for("region us-east-2")
            c.resize(20, 4)
            c.wait_for("too small")
            c.resize(100, 30)
            c.wait_for("region us-east-2")
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_no_color(self):
        with Console(self.env(NO_COLOR="1"), []) as c:
            c.wait_for("region us-east-2")
            scr = c.screen(escapes=True)
            # no foreground/background colour sequences, attributes only
            self.assertIsNone(re.search(r"\x1b\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]", scr), scr)
            c.keys("q")
            c.wait_exit()
        with Console(self.env(), []) as c:
            c.wait_for("region us-east-2")
            scr = c.screen(escapes=True)
            self.assertRegex(scr, r"\x1b\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)")
            c.keys("q")
            c.wait_exit()

    def test_environment_label_from_config(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "elcui"))
            with open(os.path.join(d, "elcui", "config"), "w") as f:
                f.write("[environments]\ndefault = PRODUCTION, red\n[console]\nread_only = true\n")
            with Console(self.env(XDG_CONFIG_HOME=d), []) as c:
                scr = c.wait_for("PRODUCTION")
                self.assertIn("READ-ONLY", scr)  # read_only = true from the file
                first = scr.splitlines()[0]
                self.assertTrue(first.rstrip().endswith("PRODUCTION"), first)
                c.keys("q")
                self.assertEqual(c.wait_exit(), 0)

    def test_config_problems_are_warnings(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("[console]\nread_only = maybe\n")
            f.flush()
            with Console(self.env(), ["--config", f.name]) as c:
                c.wait_for("region us-east-2")
                c.keys("q")
                self.assertEqual(c.wait_exit(), 0)
                self.assertIn("2: read_only wants true or false", c.screen(history=True))

    def create_group(self, rg, **kw):
        ec = self.sb.client("elasticache")
        args = dict(ReplicationGroupId=rg, ReplicationGroupDescription="console test " + rg,
                    CacheNodeType="cache.t3.micro", Engine="redis", NumCacheClusters=1)
        args.update(kw)
        ec.create_replication_group(**args)
        self.sb.wait_for_group(rg)

    def test_groups_list_filter_and_detail(self):
        self.create_group("con-a1")
        self.create_group("con-b2", NumCacheClusters=2, AutomaticFailoverEnabled=True,
                          MultiAZEnabled=True, Tags=[{"Key": "team", "Value": "console"}])
        with Console(self.env(), [], cols=160, rows=40) as c:
            scr = c.wait_for("con-b2")
            self.assertIn("con-a1", scr)
            rows = c.wait_rows(("ID", "STATUS", "ENGINE", "NODE TYPE", "CLUSTER", "SHARDS", "NODES", "MULTI-AZ", "FAILOVER"), lambda rows: {"con-a1", "con-b2"} <= set(rows))
            self.assertEqual((rows["con-b2"]["NODES"], rows["con-b2"]["MULTI-AZ"], rows["con-b2"]["FAILOVER"]), ("2", "enabled", "enabled"))
            self.assertEqual((rows["con-a1"]["NODES"], rows["con-a1"]["MULTI-AZ"], rows["con-a1"]["FAILOVER"]), ("1", "disabled", "disabled"))
            self.assertEqual((rows["con-b2"]["STATUS"], rows["con-b2"]["NODE TYPE"], rows["con-b2"]["CLUSTER"]), ("available", "cache.t3.micro", "off"))
            c.keys("/")
            c.literal("b2")
            c.keys("Enter")
            # the filter applies as it is typed: wait for the kept filter in
            # the title, then the rows of that frame
            scr = c.wait_for("filter: b2")
            scr = c.wait_gone("con-a1")
            self.assertIn("con-b2", scr)
            self.assertIn("filter: b2", scr)
            c.keys("Enter")
            scr = c.wait_for("Placement")
            self.assertIn("Replication group con-b2", scr)
            self.assertIn("team=console", scr)  # the group's tags
            self.assertIn("con-b2-001", scr)
            self.assertIn("con-b2-002", scr)
            c.keys("Escape")
            c.wait_for("Replication groups")
            c.keys("Escape")  # clears the filter
            c.wait_for("con-a1")
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_single_az_group_shows_its_risks(self):
        self.create_group("con-weak")
        with Console(self.env(), [], cols=160, rows=40) as c:
            c.wait_for("con-weak")
            c.keys("/")
            c.literal("con-weak")
            c.keys("Enter", "Enter")
            scr = c.wait_for("Risks")
            self.assertIn("single-az", scr)
            self.assertIn("multi-az-off", scr)
            self.assertIn("no-replicas", scr)
            c.keys("q")
            c.wait_exit()

    def test_keys_answered_while_aws_is_slow(self):
        self.sb.latency(6.0, service="elasticache", count=1)
        try:
            with Console(self.env(), []) as c:
                c.wait_for("Listing replication groups")
                c.keys("i")  # the listing is still in flight
                c.wait_for("ElastiCache endpoint", timeout=3)
                c.keys("Escape")
                c.wait_for("Replication groups")
                c.keys("q")
                self.assertEqual(c.wait_exit(timeout=5), 0)
        finally:
            self.sb.reset_faults()

    def test_no_region_is_a_clear_error(self):
        env = self.env()
        for k in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            env.pop(k, None)
        env["AWS_CONFIG_FILE"] = "/nonexistent/config"
        with Console(env, []) as c:
            c.wait_exit()
            self.assertIn("no AWS region", c.screen(history=True))


if __name__ == "__main__":
    unittest.main()
