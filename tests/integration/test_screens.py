"""The console's inspection screens in a real terminal (tmux) on the demo
seed: every `:` command they add opens its screen and `?` there lists
exactly the keymap table's bindings (`elcui keys --json`); the audit lists
legacy-1's findings; the key policy screen says the demo key lets
logs.us-east-2 use it for both log groups, and says no, with the reason,
once the key policy lacks that statement; read-only hides and refuses the
test failover; golden text snapshots of the events and audit screens at
120x40 (GOLDEN_UPDATE=1 rewrites them, through the shell's golden helper).
Then, on the demo with live Redis (metrics, roles from IsMaster): sparklines
for all nine nodes, the failover dialog (a wrong id does nothing, the right
one fails the shard over, the matrix under it flips, the events screen
shows it), and an incident snapshot's files (0600 in 0700 folders, JSON
that parses, every section).

Two sandboxes, one per class: the API-only demo (fast, no volatile Redis
ports in the goldens) and the demo with Redis.
"""

import json
import os
import re
import stat
import sys
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "sandbox"))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import harness  # noqa: E402
from tests.integration import test_shell as shell  # noqa: E402  (the shell's helpers)
from tests.integration.tmux import BIN, Console  # noqa: E402

RG = "app-4"
WEAK_FINDINGS = {
    "at-rest-encryption", "transit-encryption", "auth-token", "backups", "automatic-failover",
    "multi-az", "default-subnet-group", "slow-log-delivery", "engine-log-delivery",
    "placement.single-az",
}
SPARK = set("\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588")


def flat(text):
    """Screen text with its wrapping undone: lines joined, spaces collapsed."""
    return " ".join(text.split())


def normalise(text):
    """The shell's normalisation, and what else varies between runs here:
    times, AWS resource ids, the secret's random suffix."""
    # the same widths, so the columns stay where they were
    text = re.sub(r"\b\d{4}-\d\d-\d\d([ T])\d\d:\d\d:\d\d(\.\d{3})?Z",
                  lambda m: "YYYY-MM-DD%shh:mm:ss%sZ" % (m.group(1), ".mmm" if m.group(2) else ""),
                  text)
    text = re.sub(r"\b(sg|vpc|subnet|rtb|igw)-([0-9a-f]{4,17})",
                  lambda m: "%s-%s" % (m.group(1), "x" * len(m.group(2))), text)
    text = re.sub(r"(elasticache-auth)-[A-Za-z0-9]{6}\b", r"\1-XXXXXX", text)
    return shell.normalise(text)


class ScreensBase(unittest.TestCase):
    redis = False
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=cls.redis)
        cls.home = tempfile.mkdtemp(prefix="elcui-screens-home-")

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        import shutil
        shutil.rmtree(cls.home, ignore_errors=True)

    def env(self, **extra):
        e = dict(self.sb.env)
        e["HOME"] = self.home
        e["XDG_CONFIG_HOME"] = os.path.join(self.home, "config")
        e["LANG"] = "C.UTF-8"
        e.update(extra)
        return e

    def console(self, args=(), cols=120, rows=40, **kw):
        env = kw.pop("env", None) or self.env()
        return Console(env, list(args), cols=cols, rows=rows, **kw)

    def ready(self, c):
        c.wait_for("legacy-1", timeout=30)
        return c.wait_for("updated", timeout=30)

    def command(self, c, line):
        c.keys(":")
        c.wait_for("\n:")
        c.literal(line)
        c.keys("Enter")

    def wait_screen(self, c, ok, what, timeout=20):
        deadline = time.monotonic() + timeout
        scr = ""
        while time.monotonic() < deadline:
            scr = c.screen()
            if ok(scr):
                return scr
            time.sleep(0.1)
        self.fail("%s: the screen never showed it:\n%s\nstderr:\n%s"
                  % (what, scr, c.stderr_log()[-4000:]))

    def quit(self, c):
        c.keys("q")
        self.assertEqual(c.wait_exit(), 0)


@harness.needs_binary
class ScreensOnDemo(ScreensBase):
    """The demo seed as the API has it (no Redis)."""

    def help_matches_table(self, c, screen):
        c.keys("?")
        c.wait_for("Help: %s" % screen)
        want = shell.bindings_for(shell.keys_json(self.env()), screen)
        # the whole overlay drawn (tmux may show its title before its rows)
        got, deadline = None, time.monotonic() + 10
        while got != want and time.monotonic() < deadline:
            try:
                got = shell.help_bindings(c.screen())
            except StopIteration:
                got = None
            if got != want:
                time.sleep(0.1)
        self.assertEqual(got, want, "help of %s differs from the keymap table" % screen)
        c.keys("Escape")
        c.wait_gone("Help: %s" % screen)

    def test_commands_open_their_screens(self):
        with self.console() as c:
            self.ready(c)
            self.command(c, "events %s" % RG)
            c.wait_for("Events of app-4, last 3h")
            c.wait_for("Replication group app-4 created")
            self.help_matches_table(c, "events")
            self.command(c, "metrics %s" % RG)
            scr = c.wait_for("Metrics of app-4: 9 nodes")
            self.assertIn("app-4-0003-003", scr)
            self.help_matches_table(c, "metrics")
            self.command(c, "audit %s" % RG)
            c.wait_for("Audit of app-4, gathered", timeout=30)
            c.wait_for("gathered", timeout=30)
            self.help_matches_table(c, "audit")
            c.keys("Enter")
            c.wait_for("Finding ")
            self.help_matches_table(c, "finding")
            c.keys("Escape")
            self.command(c, "keys %s" % RG)
            c.wait_for("Keys and log groups of app-4")
            c.wait_for("Logs may use it?", timeout=30)
            self.help_matches_table(c, "keys")
            # without NAME: the group the screens are about
            self.command(c, "events")
            c.wait_for("Events of app-4")
            self.command(c, "snapshot")
            c.wait_for("Incident snapshot of app-4")
            c.wait_for("Written (0600", timeout=90)
            self.help_matches_table(c, "snapshot")
            # the group screen's keys open them too, and F opens the dialog
            self.command(c, "group %s" % RG)
            c.wait_for("Placement", timeout=30)
            self.help_matches_table(c, "group")
            c.keys("m")
            c.wait_for("Metrics of app-4")
            c.keys("-")  # back to the group
            c.wait_for("Placement", timeout=30)
            c.keys("F")
            c.wait_for("Test failover of a shard of app-4")
            self.help_matches_table(c, "failover")
            c.keys("Escape")
            c.wait_gone("Test failover of a shard")
            # no group to be about: said so
            self.command(c, "groups")
            c.wait_for("Replication groups (2)")
            self.command(c, "audit nope-does-not-exist")
            c.wait_for("Audit of nope-does-not-exist")
            c.wait_for("could not describe the group", timeout=30)
            self.quit(c)

    def test_audit_lists_legacy_findings(self):
        with self.console() as c:
            self.ready(c)
            self.command(c, "audit legacy-1")
            scr = c.wait_for("gathered", timeout=30)
            self.assertRegex(scr, r"Audit of legacy-1, gathered \d+s ago: 10 failed, 0 unknown, 0 accepted")
            failed = set()
            for line in scr.splitlines():
                m = re.match(r"\s*\d+ (\w+)\s+fail\s+(\S+)", line)
                if m:
                    failed.add(m.group(2))
            self.assertEqual(failed, WEAK_FINDINGS)
            self.assertRegex(scr, r"at-rest-encryption\s+CKV_AWS_29\s+ElastiCache\.4")
            self.assertRegex(scr, r"backups\s+CKV_AWS_134\s+ElastiCache\.1")
            # the finding in full, with its fix
            c.keys("/")
            c.literal("auth-token")
            c.keys("Enter")
            c.wait_for("Audit of legacy-1")
            c.keys("Enter")
            scr = c.wait_for("Finding auth-token of legacy-1")
            self.assertRegex(scr, r"Checkov\s+CKV_AWS_31")
            self.assertRegex(scr, r"Security Hub\s+ElastiCache\.6")
            self.assertRegex(scr, r"Status\s+fail")
            self.assertIn("The fix", scr)
            self.quit(c)

    def test_key_policy_allows_then_refuses(self):
        ec = harness.setup_client(self.sb, "elasticache")
        kms = harness.setup_client(self.sb, "kms")
        key = ec.describe_replication_groups(ReplicationGroupId=RG)["ReplicationGroups"][0]["KmsKeyId"]
        original = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
        with self.console() as c:
            self.ready(c)
            self.command(c, "keys %s" % RG)
            scr = c.wait_for("Log groups (2)", timeout=30)
            text = flat(scr)
            self.assertIn("yes: logs.us-east-2.amazonaws.com may use the key for exactly these "
                          "2 log groups (statement 3)", text)
            for lg in ("/elasticache/app-4/slow-log", "/elasticache/app-4/engine-log"):
                self.assertIn("%s: allowed, statement 3 allows it (its ArnEquals "
                              "kms:EncryptionContext:aws:logs:arn condition lists it)" % lg, text)
            self.assertIn("statement 3 (decides): Allow Service logs.us-east-2.amazonaws.com", text)
            self.assertRegex(text, r"slow-log -> /elasticache/app-4/slow-log \(cloudwatch-logs, "
                                   r"json\), delivery active KMS key key/[0-9a-f-]{36}, retention "
                                   r"365 days")
            # the key policy loses the statement for CloudWatch Logs
            doc = json.loads(original)
            doc["Statement"] = [s for s in doc["Statement"]
                                if "logs" not in json.dumps(s.get("Principal", ""))]
            kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(doc))
            try:
                c.keys("r")
                scr = self.wait_screen(c, lambda s: "no: logs." in s, "the verdict no", 60)
                text = flat(scr)
                self.assertIn("no: logs.us-east-2.amazonaws.com may not use the key for "
                              "arn:aws:logs:us-east-2:123456789012:log-group:/elasticache/app-4/"
                              "slow-log: no statement lets logs.us-east-2.amazonaws.com use the key "
                              "(implicit deny)", text)
                self.assertIn("/elasticache/app-4/engine-log: NOT allowed", text)
                self.assertNotIn("(decides)", text)
            finally:
                kms.put_key_policy(KeyId=key, PolicyName="default", Policy=original)
            self.quit(c)

    def test_read_only_hides_and_refuses_failover(self):
        before = self.sb.requests_seen("elasticache", "TestFailover")
        with self.console(args=["--read-only"]) as c:
            self.ready(c)
            self.command(c, "group %s" % RG)
            # the status line holds the hints once no message covers it
            scr = self.wait_screen(c, lambda s: "Placement" in s and "/ filter" in s.splitlines()[-1],
                                   "the group screen with its hints", timeout=30)
            self.assertNotIn("F failover", scr.splitlines()[-1])
            c.keys("F")
            scr = c.wait_for("read-only: failover is refused")
            self.assertNotIn("Test failover of a shard", scr)
            c.keys("?")
            scr = c.wait_for("Help: group")
            self.assertRegex(scr, r"F\s+failover\s+test a shard's failover.*\(read-only: refused\)")
            c.keys("Escape")
            self.quit(c)
        with self.console() as c:  # not read-only: the hint is there
            self.ready(c)
            self.command(c, "group %s" % RG)
            scr = self.wait_screen(c, lambda s: "Placement" in s and "/ filter" in s.splitlines()[-1],
                                   "the group screen with its hints", timeout=30)
            self.assertIn("F failover", scr.splitlines()[-1])
            self.quit(c)
        self.assertEqual(self.sb.requests_seen("elasticache", "TestFailover"), before)

    def test_golden_events_and_audit(self):
        with self.console(cols=120, rows=40) as c:
            self.ready(c)
            self.command(c, "events %s" % RG)
            shell.ShellOnDemo.settled(self, c, "Replication group app-4 created",
                                      gone=("loading", "refreshing", "Reading"))
            # by shard: the seed's events share their second, and the
            # group's own may come a millisecond before or after its
            # clusters' (the order within a shard is the service's)
            c.keys("s")  # TIME (the default) -> SHARD
            scr = shell.ShellOnDemo.settled(self, c, "SHARD^",
                                            gone=("loading", "refreshing", "Reading"))
            shell.ShellOnDemo.golden(self, "events", normalise(scr))
            self.command(c, "audit %s" % RG)
            scr = shell.ShellOnDemo.settled(self, c, "gathered", gone=("gathering", "Describing"))
            shell.ShellOnDemo.golden(self, "audit", normalise(scr))
            self.quit(c)


@harness.needs_binary
class ScreensOnLiveDemo(ScreensBase):
    """The demo seed with its nine live Redis nodes (metrics, IsMaster)."""
    redis = True

    def test_1_metrics_sparklines_for_every_node(self):
        with self.console() as c:
            self.ready(c)
            self.command(c, "metrics %s" % RG)

            def nine(scr):
                rows = [l for l in scr.splitlines() if re.match(r"\s*app-4-000\d-00\d\s+000\d", l)]
                return len(rows) == 9 and all(SPARK & set(l) for l in rows)
            # a sandbox just started has no CPU point yet (it takes two
            # samples): ask again (r) until every node has one
            deadline = time.monotonic() + 60
            while not nine(c.screen()) and time.monotonic() < deadline:
                c.keys("r")
                time.sleep(2)
            scr = self.wait_screen(c, nine, "sparklines for all nine nodes", 5)
            self.assertRegex(scr, r"Metrics of app-4: 9 nodes, last 1h, 1-min points\s+updated")
            # the selected node's eight metrics with min/avg/max/last
            self.assertRegex(scr, r"CPU %\s+\S+ min\s+[\d.]+\s+avg\s+[\d.]+\s+max\s+[\d.]+\s+last")
            for label in ("engine CPU %", "memory %", "connections", "replication lag s",
                          "cache hit rate %", "network in KiB/s", "network out KiB/s"):
                self.assertIn(label, scr)
            # sorted by a metric: the trend follows it; the window keys
            c.keys("s", "s", "s", "s", "s")  # NODE, SHARD, ROLE, TREND, then CPU %
            c.wait_for("CPU %^")
            c.keys("4")
            c.wait_for("last 24h")
            self.quit(c)

    def test_2_failover_from_the_matrix(self):
        before = self.sb.requests_seen("elasticache", "TestFailover")
        old = next(n["cache_cluster_id"] for n in self.sb.nodes(RG)
                   if n["node_group_id"] == "0002" and n["role"] == "primary")
        with self.console() as c:
            self.ready(c)
            self.command(c, "group %s" % RG)
            scr = c.wait_for("primary (metric)", timeout=60)
            row = next(l for l in scr.splitlines() if l.startswith(" 0002 "))
            self.assertIn("P %s" % old.rsplit("-", 1)[1], row)
            c.keys("F")
            scr = c.wait_for("Type the shard id (0001)")
            c.keys("Down")
            c.wait_for("Type the shard id (0002)")
            c.literal("0003")  # not the selected shard
            c.keys("Enter")
            c.wait_for("That is not the selected shard's id: nothing was done")
            self.assertEqual(self.sb.requests_seen("elasticache", "TestFailover"), before)
            c.keys("BSpace", "BSpace", "BSpace", "BSpace")
            c.literal("2")
            c.keys("Enter")
            scr = c.wait_for("failover of shard 0002 completed", timeout=90)
            self.assertEqual(self.sb.requests_seen("elasticache", "TestFailover"), before + 1)
            new = re.search(r"new primary (app-4-0002-00\d) \(was %s\)" % old, flat(scr)).group(1)
            self.assertIn("Test Failover API called for node group 0002", scr)
            # the matrix under the dialog flips as IsMaster sees the new primary
            def flipped(s):
                r = [l for l in s.splitlines() if l.startswith(" 0002 ")]
                return r and "P %s" % new.rsplit("-", 1)[1] in r[0] and \
                    "R %s" % old.rsplit("-", 1)[1] in r[0]
            self.wait_screen(c, flipped, "the matrix with the new primary", 120)
            c.keys("Escape")
            c.wait_gone("Test failover of a shard")
            # the events screen shows it, in shard 0002
            c.keys("e")
            scr = c.wait_for("Test Failover API called for node group 0002", timeout=30)
            self.assertRegex(scr, r"0002\s+Test Failover API called for node group 0002")
            self.assertRegex(scr, r"Events of app-4, last 3h, updated \d+s ago \(every \d+s\): [1-9]\d* failover events")
            # the completion, in full below the table once selected
            c.keys("/")
            c.literal("~^Failover from")
            c.keys("Enter")
            c.keys("g")
            scr = self.wait_screen(
                c, lambda s: "Failover from primary node %s to replica node %s completed"
                % (old, new) in flat(s), "the completion in full", 20)
            self.assertRegex(flat(scr), r"0002: Failover from primary node %s to replica node "
                                        r"%s completed" % (old, new))
            self.quit(c)

    def test_3_snapshot_files(self):
        # the console's own state folder (under make check: the scratch
        # folder the hygiene stage scans for secrets)
        with self.console() as c:
            self.ready(c)
            self.command(c, "group %s" % RG)
            c.wait_for("Placement", timeout=30)
            c.keys("x")
            scr = c.wait_for("Written (0600", timeout=90)
            self.assertRegex(flat(scr), r"doctor ok healthy")
            self.assertIn("snapshot of app-4 written", scr)
            self.quit(c)
            state = c.env["XDG_STATE_HOME"]
            self.check_snapshot_files(state)
            # the same engine from the command line
            out = os.path.join(state, "cli-snapshots")
            r = harness.run(self.env(XDG_STATE_HOME=state), "snapshot", RG, "--no-doctor",
                            "--json", "--dir", out)
            self.assertEqual(r.rc, 0, r)
            res = r.json()
            self.assertEqual(res["sections"]["doctor"], {"state": "skipped",
                                                         "note": "left out (--no-doctor)"})
            self.assertEqual(res["sections"]["metrics"]["state"], "ok")
            for k in ("markdown", "json"):
                self.assertTrue(res[k].startswith(out + "/snapshot-app-4-"), res[k])
                self.assertEqual(stat.S_IMODE(os.stat(res[k]).st_mode), 0o600)
            r = harness.run(self.env(XDG_STATE_HOME=state), "snapshot", "nope", "--no-doctor",
                            "--dir", out)
            self.assertEqual(r.rc, 1, r)
            self.assertIn("not written: replication group 'nope' not found in us-east-2", r.err)
            self.assertEqual(len(os.listdir(out)), 2)

    def check_snapshot_files(self, state):
        folder = os.path.join(state, "elcui", "snapshots")
        for d in (os.path.join(state, "elcui"), folder):
            self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700, d)
        files = sorted(os.listdir(folder))
        self.assertEqual(len(files), 2, files)
        self.assertRegex(files[0], r"^snapshot-app-4-\d{8}T\d{6}Z\.json$")
        for f in files:
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(folder, f)).st_mode), 0o600, f)
        with open(os.path.join(folder, files[0])) as f:
            doc = json.load(f)
        self.assertEqual(set(doc), {"snapshot", "topology", "placement", "events", "logs",
                                    "metrics", "doctor"})
        for sec in ("topology", "placement", "events", "metrics", "doctor"):
            self.assertEqual(doc[sec]["state"], "ok", (sec, doc[sec]["note"]))
        self.assertEqual(doc["logs"]["state"], "skipped")
        self.assertEqual(len(doc["metrics"]["data"]["nodes"]), 9)
        self.assertEqual(sum(len(s["nodes"]) for s in doc["topology"]["data"]["shards"]), 9)
        self.assertTrue(doc["doctor"]["data"]["ok"])
        with open(os.path.join(folder, files[1])) as f:
            md = f.read()
        # the doctor used the AUTH token; it is in neither file
        sm = harness.setup_client(self.sb, "secretsmanager")
        token = sm.get_secret_value(SecretId="app-4-elasticache-auth")["SecretString"].strip()
        self.assertGreater(len(token), 15)
        self.assertNotIn(token, md)
        self.assertNotIn(token, json.dumps(doc))
        for head in ("# Incident snapshot: app-4", "## Topology", "## Placement (shards x AZs) "
                     "and risks", "## Events (last hour)", "## Log records", "## Metrics (last "
                     "hour)", "## Connectivity (doctor)"):
            self.assertIn(head, md)


if __name__ == "__main__":
    unittest.main()
