"""Roles and health from Redis itself, one source for show, audit, exec and
log labels, on the sandbox's demo stack (app-4: real TLS + AUTH cluster,
3 shards x 3 nodes).

- show asks Redis: every role from Redis with its age, links, offsets,
  PING; audit agrees (no role assumed while Redis answers);
- a node frozen with SIGSTOP: show says "not answering since T" within
  --redis-timeout, and "answering" again after SIGCONT;
- Redis unreachable (a wrong token in the secret): show says so, with the
  reason, and the roles fall back, labelled; --no-redis skips Redis;
- a failover while the API lags (the sandbox's metrics paused): show gives
  the new roles at once (source redis), one primary per shard, the API's
  disagreement listed and the crowded primaries flagged; audit agrees;
  exec's SHARD:ROLE and --primaries pick the same nodes;
- logs label each record with the role its node had at the record's time,
  across that failover; --role filters by it; without the failover events
  (DescribeEvents failing) every record before Redis saw the roles says
  role?.

ELCUI_BIN names the binary (default build/elcui).
    python3 -m unittest tests/integration/test_truth.py
"""

import json
import os
import secrets
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from tmux import Console  # noqa: E402

RG = "app-4"
SECRET = "app-4-elasticache-auth"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def wait_for(pred, timeout, what, step=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def nodes_of(show):
    return {n["cacheClusterId"]: n for ng in show["nodeGroups"] for n in ng["nodes"]}


def ms(iso):
    import datetime

    return int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


@harness.needs_binary
class TruthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=True)
        cls.sm = harness.setup_client(cls.sb, "secretsmanager")
        cls.token = cls.sm.get_secret_value(SecretId=SECRET)["SecretString"]

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def elcui(self, *args, rc=0, timeout=90):
        r = harness.run(self.sb.env, *args, timeout=timeout)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, r.err, r)
        self.assertNotIn(self.token, r.out + r.err)
        if rc is not None:
            self.assertEqual(r.rc, rc, r)
        return r

    def show(self, *args):
        return self.elcui("show", RG, "--json", *args).json()

    def assert_one_primary_per_shard(self, show):
        for ng in show["nodeGroups"]:
            roles = [n["role"] for n in ng["nodes"]]
            self.assertEqual(roles.count("primary"), 1, (ng["nodeGroupId"], roles))

    def test_1_show_and_audit_from_redis(self):
        """show: every role from Redis with its age, replication and PING; audit agrees"""
        j = self.show()
        self.assertEqual(j["redis"]["status"], "ok", j["redis"])
        self.assertEqual(j["redis"]["source"], "ROLE")
        self.assertIsNotNone(j["redisFetchedAt"])
        self.assertIsNone(j["redisError"])
        self.assertEqual(j["differences"], [])
        sb_roles = {n["cache_cluster_id"]: n["role"] for n in self.sb.nodes(RG)}
        nodes = nodes_of(j)
        self.assertEqual(len(nodes), 9)
        for cc, n in nodes.items():
            self.assertEqual(n["role"], sb_roles[cc], cc)
            self.assertEqual(n["roleSource"], "redis", cc)
            self.assertRegex(n["roleFrom"], r"^redis \d+s$")
            self.assertIsNotNone(n["roleObservedAt"])
            p = n["redis"]["probe"]
            self.assertIn(p["health"], ("answering", "slow"), cc)
            self.assertGreaterEqual(p["pingMs"], 0)
            self.assertTrue(p["roleOwn"])
            self.assertGreaterEqual(p["replicationOffset"], 0)
            if n["role"] == "replica":
                self.assertEqual(p["link"], "connected", cc)
                self.assertGreaterEqual(p["lagBytes"], 0)
                self.assertGreaterEqual(p["lagSeconds"], 0)
            else:
                self.assertIsNone(p["link"])
        self.assert_one_primary_per_shard(j)
        self.assertTrue(j["placement"]["rolesKnown"])
        # text: the source and age of each role, the replication table
        t = self.elcui("show", RG).out
        self.assertRegex(t, r"Roles +9 from Redis\n")
        self.assertRegex(t, r"Redis +9 nodes asked \(ROLE\), \d+s ago: 9 answering\n")
        self.assertRegex(t, r"\| app-4-0001-00\d \| 0001 \| primary \| redis \d+s \|")
        self.assertIn("Redis (each node's own ROLE, INFO replication and PING)", t)
        self.assertNotIn("NOT verified", self.elcui("show", RG).err)
        r = self.elcui("--insecure", "show", RG, "--json")
        self.assertIn("--insecure: Redis TLS certificates are NOT verified", r.err)
        self.assertEqual(r.json()["redis"]["status"], "ok")
        self.assertRegex(t, r"\| replica +\| connected +\| +\d+ \| +\d+ B \| +\d+ s \| +\d+\.\d ms \| answering")
        # cluster mode off (legacy-1): each node once, as the API lists them
        j = self.elcui("show", "legacy-1", "--json").json()
        self.assertEqual(j["redis"]["status"], "ok")
        self.assertEqual(j["differences"], [])
        self.assertEqual(sorted((cc, n["roleSource"]) for cc, n in nodes_of(j).items()), [("legacy-1-001", "redis"), ("legacy-1-002", "redis")])
        self.assert_one_primary_per_shard(j)
        x = self.elcui("exec", "legacy-1", "--all", "--json", "--", "PING").out.splitlines()
        self.assertEqual(sorted(json.loads(l)["cacheClusterId"] for l in x), ["legacy-1-001", "legacy-1-002"])
        # audit: the same roles, none assumed
        # (the sandbox's Redis ports make sg-ingress-port fail: not this test's)
        a = self.elcui("audit", RG, "--json", rc=None).json()
        ids = {x["id"] for x in a["results"]}
        self.assertNotIn("placement.roles-unknown", ids)
        self.assertIn("placement", [x["id"] for x in a["results"] if x["status"] == "pass"])
        self.assertFalse([n for n in a["notes"] if "Redis" in n], a["notes"])
        t = self.elcui("audit", RG, rc=None).out
        self.assertNotIn("assumed", t)

    def test_2_frozen_node(self):
        """SIGSTOP: not answering since T within the bound; SIGCONT: answering again"""
        frozen = "app-4-0002-002"
        for n in self.sb.nodes(RG):
            if n["cache_cluster_id"] == frozen:
                self.assertEqual(n["role"], "replica")
        self.sb.stop_node(frozen)
        try:
            t0 = time.time()
            r = self.elcui("show", RG, "--json", "--redis-timeout", "3")
            # the bound holds: a round of half the timeout, then show prints
            self.assertLess(r.seconds, 3 + 10, r)
            j = r.json()
            nodes = nodes_of(j)
            p = nodes[frozen]["redis"]["probe"]
            self.assertEqual(p["health"], "not-answering", p)
            since = ms(p["notAnsweringSince"])
            self.assertGreaterEqual(since, int(t0 * 1000) - 2000)
            self.assertLessEqual(since, int(time.time() * 1000))
            self.assertTrue(p["error"])
            for cc, n in nodes.items():
                if cc != frozen:
                    self.assertIn(n["redis"]["probe"]["health"], ("answering", "slow"), cc)
            self.assertIn(("health", frozen), [(d["kind"], d["node"]) for d in j["differences"]])
            self.assert_one_primary_per_shard(j)
            t = self.elcui("show", RG, "--redis-timeout", "3").out
            self.assertRegex(t, r"9 nodes asked \(ROLE\), \d+s ago: 8 answering, 1 NOT answering")
            self.assertRegex(t, r"\| %s +\| [^|]+\| [^|]+\|[^\n]*not answering since \d\d:\d\d:\d\dZ \(\d+s\)" % frozen)
        finally:
            self.sb.cont_node(frozen)
        wait_for(lambda: nodes_of(self.show())[frozen]["redis"]["probe"]["health"] in ("answering", "slow"), 30, "the node to answer again")

    def test_2b_console_health_column(self):
        """the console's group screen: Redis roles with their age and a live
        health column per node from the same observation; a frozen node is
        'not answering since T' while every key still answers"""
        frozen = "app-4-0003-002"
        titles = ["ID", "SHARD", "AZ", "API ROLE", "REDIS ROLE", "HEALTH", "STATUS"]
        env = dict(self.sb.env)
        env["HOME"] = os.environ.get("ELCUI_CHECK_SCRATCH", "/tmp")
        with Console(env, [], cols=150, rows=40) as c:
            c.wait_for("legacy-1", timeout=30)
            c.keys(":")
            c.literal("group app-4")
            c.keys("Enter")
            rows = c.wait_rows(titles, lambda r: len(r) == 9 and all(
                v["HEALTH"].startswith("answering") and "(redis " in v["REDIS ROLE"] for v in r.values()),
                timeout=40)
            for cc, v in rows.items():
                self.assertRegex(v["REDIS ROLE"], r"^(primary|replica) \(redis \d+s\)$", cc)
            self.assertRegex(c.screen().splitlines()[1], r"redis: 9 nodes, observed \d+s ago")
            self.sb.stop_node(frozen)
            try:
                rows = c.wait_rows(titles, lambda r: r.get(frozen, {}).get("HEALTH", "").startswith(
                    "not answering since"), timeout=30)
                for cc, v in rows.items():
                    if cc != frozen:
                        self.assertTrue(v["HEALTH"].startswith(("answering", "slow")), (cc, v))
                # the screen answers keys while a node hangs
                c.keys("?")
                c.wait_for("Help: group", timeout=5)
                c.keys("Escape")
            finally:
                self.sb.cont_node(frozen)
            c.wait_rows(titles, lambda r: r.get(frozen, {}).get("HEALTH", "").startswith("answering"),
                        timeout=30)
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_3_unreachable(self):
        """a wrong token: show says Redis is unreachable and why; roles fall back, labelled"""
        wrong = "wrong-" + secrets.token_hex(12)
        self.sm.put_secret_value(SecretId=SECRET, SecretString=wrong)
        try:
            r = self.elcui("show", RG, "--json")
            self.assertNotIn(wrong, r.out + r.err)
            j = r.json()
            self.assertEqual(j["redis"]["status"], "unreachable")
            self.assertIn("auth-wrongpass", j["redis"]["error"])
            self.assertEqual(j["redisError"], j["redis"]["error"])
            self.assertIsNone(j["redisFetchedAt"])
            for cc, n in nodes_of(j).items():
                self.assertIn(n["roleSource"], ("metric", "assumed"), cc)
                self.assertNotIn("redis", n)
            t = self.elcui("show", RG).out
            self.assertRegex(t, r"Redis +UNREACHABLE: auth-wrongpass: ")
            self.assertRegex(t, r"Roles +9 from (the IsMaster metric|the node names \(assumed\))\n")
            self.assertRegex(t, r"\| (primary|replica)\?? +\| (metric \d+[sm]|name) +\|")
            a = self.elcui("audit", RG, "--json", rc=None).json()
            self.assertTrue([n for n in a["notes"] if "Redis could not be asked" in n], a["notes"])
        finally:
            self.sm.put_secret_value(SecretId=SECRET, SecretString=self.token)
        j = self.show("--no-redis")
        self.assertEqual(j["redis"]["status"], "skipped")
        self.assertIsNone(j["redisFetchedAt"])
        self.assertEqual(self.show()["redis"]["status"], "ok")

    def test_4_failover_while_the_api_lags(self):
        """after a failover: new roles at once from Redis, one primary per shard, differences; audit, exec agree"""
        before = nodes_of(self.show())
        old = [cc for cc, n in before.items() if n["nodeGroupId"] == "0003" and n["role"] == "primary"][0]
        self.sb.pause_metrics(RG)
        try:
            r = self.elcui("failover", RG, "--shard", "0003", "--yes", "--poll", "0.5", timeout=120)
            new = r.out.split("new primary ")[1].split(" ")[0]
            self.assertNotEqual(new, old)
            j = self.show()
            nodes = nodes_of(j)
            self.assertEqual(nodes[new]["role"], "primary")
            self.assertEqual(nodes[new]["roleSource"], "redis")
            self.assertEqual(nodes[old]["role"], "replica")
            self.assertEqual(nodes[old]["roleSource"], "redis")
            self.assert_one_primary_per_shard(j)
            # the API (IsMaster, paused) still says the old roles: listed
            diffs = {(d["kind"], d["node"]): d for d in j["differences"]}
            self.assertEqual(diffs[("role", new)]["api"], "replica")
            self.assertEqual(diffs[("role", new)]["redis"], "primary")
            self.assertEqual(diffs[("role", old)]["api"], "primary")
            # the new primary's AZ holds two primaries now, the old one's none
            az = nodes[new]["availabilityZone"]
            flags = {(f["id"], f["availabilityZone"]) for f in j["placement"]["flags"]}
            self.assertIn(("primaries-crowded", az), flags)
            t = self.elcui("show", RG).out
            self.assertIn("API and Redis disagree", t)
            self.assertRegex(t, r"WARNING +primaries-crowded +2 primaries are in %s while %s holds none" % (az, nodes[old]["availabilityZone"]))
            # audit: the same roles
            a = self.elcui("audit", RG, "--json", rc=1).json()
            crowded = [x for x in a["results"] if x["id"] == "placement.primaries-crowded"]
            self.assertEqual(len(crowded), 1, a)
            self.assertEqual(crowded[0]["status"], "fail")
            self.assertIn(az, crowded[0]["finding"])
            # exec: by shard and role, and every primary, from the same roles
            x = json.loads(self.elcui("exec", RG, "--node", "0003:primary", "--json", "--", "ROLE").out.splitlines()[0])
            self.assertEqual(x["cacheClusterId"], new)
            self.assertEqual(x["reply"][0], "master")
            x = json.loads(self.elcui("exec", RG, "--node", "3:replica", "--json", "--", "ROLE").out.splitlines()[0])
            self.assertNotEqual(x["cacheClusterId"], new)
            self.assertEqual(x["reply"][0], "slave")
            prim = self.elcui("exec", RG, "--primaries", "--json", "--", "PING").out.splitlines()
            self.assertEqual(sorted(json.loads(l)["cacheClusterId"] for l in prim), sorted(cc for cc, n in nodes.items() if n["role"] == "primary"))
            r = self.elcui("exec", RG, "--node", "0009:primary", "--", "PING", rc=1)
            self.assertIn("has no shard 0009 (shards: 0001 0002 0003)", r.err)
        finally:
            self.sb.resume_metrics(RG)
        type(self).failover = (old, new)

    def engine_records(self, *args):
        r = self.elcui("logs", RG, "--engine", "--since", "30m", "--json", *args)
        return r, [json.loads(l) for l in r.out.splitlines() if l.strip()]

    def inject(self, cc, when_ms, text):
        t = time.strftime("%d %b %Y %H:%M:%S", time.gmtime(when_ms / 1000)) + ".%03d UTC" % (when_ms % 1000)
        msg = json.dumps({"CacheClusterId": cc, "CacheNodeId": "0001", "LogLevel": "NOTICE", "Role": "M", "Time": t, "Message": text})
        self.sb.inject_log("/elasticache/%s/engine-log" % RG, "elasticache/redis/%s/0001/engine-log" % cc, msg, timestamp_ms=when_ms)

    def test_5_logs_labels_as_of_the_record(self):
        """log records keep the role their node had at their time, across the failover; --role by it"""
        old, new = getattr(type(self), "failover", (None, None))
        self.assertIsNotNone(old, "runs after test_4")
        ev = self.elcui("events", RG, "--since", "1h", "--json").json()["events"]
        msg = "Failover from primary node %s to replica node %s completed" % (old, new)
        t_fo = max(ms(e["date"]) for e in ev if e["message"] == msg)
        # a record of each node 30 s before the failover and 5 s after it
        wait_for(lambda: time.time() * 1000 > t_fo + 6000, 10, "5 s after the failover", step=0.2)
        mark = "truth-%s" % secrets.token_hex(4)
        for cc in (old, new):
            self.inject(cc, t_fo - 30000, "%s before" % mark)
            self.inject(cc, t_fo + 5000, "%s after" % mark)

        def mine(*args):
            _, recs = self.engine_records("--grep", mark, *args)
            return {(x["cacheClusterId"], x["text"].split()[1]): x for x in recs}

        got = wait_for(lambda: (lambda m: m if len(m) == 4 else None)(mine()), 60, "the injected records")
        self.assertEqual(got[(old, "before")]["role"], "primary")
        self.assertEqual(got[(new, "before")]["role"], "replica")
        self.assertEqual(got[(old, "after")]["role"], "replica")
        self.assertEqual(got[(new, "after")]["role"], "primary")
        # the labels of the records Redis wrote around the failover follow too
        _, recs = self.engine_records("--node", old)
        for x in recs:
            if x["timestamp"] < t_fo - 3000:
                self.assertEqual(x["role"], "primary", x)
            elif x["timestamp"] > t_fo + 3000:
                self.assertEqual(x["role"], "replica", x)
        # --role filters on the role at the record's time
        self.assertEqual(sorted(mine("--role", "primary")), sorted([(new, "after"), (old, "before")]))
        self.assertEqual(sorted(mine("--role", "replica")), sorted([(new, "before"), (old, "after")]))
        # text: the label inside the brackets
        t = self.elcui("logs", RG, "--engine", "--since", "30m", "--node", old, "--grep", mark).out
        self.assertRegex(t, r"%s/0001 \[0003 primary us-east-2\w\] .*%s before" % (old, mark))
        self.assertRegex(t, r"%s/0001 \[0003 replica us-east-2\w\] .*%s after" % (old, mark))

    def test_6_logs_role_unknown_before_the_history(self):
        """without the failover events, records from before Redis saw the roles say role?"""
        self.sb.server_error(500, service="elasticache", operation="DescribeEvents")
        try:
            t0 = int(time.time() * 1000) - 1000
            r, recs = self.engine_records()
            self.assertIn("failover events could not be read", r.err)
            labelled = [x for x in recs if x.get("shard") and x["timestamp"] < t0]
            self.assertTrue(labelled)
            self.assertEqual({x["role"] for x in labelled}, {"role?"})
            _, prim = self.engine_records("--role", "primary")
            self.assertEqual(prim, [])
            t = self.elcui("logs", RG, "--engine", "--since", "30m", "--node", "app-4-0001-001").out
            self.assertRegex(t, r"app-4-0001-001/0001 \[0001 role\? us-east-2a\]")
        finally:
            self.sb.reset_faults()


if __name__ == "__main__":
    unittest.main()
