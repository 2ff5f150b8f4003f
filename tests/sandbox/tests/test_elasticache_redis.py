"""ElastiCache backed by real Redis (part B's farm): endpoints are what AWS
reports (the port asked for, AWS-shaped names that the sandbox's hosts file
resolves to one loopback address per node, a wildcard certificate for the
group's domain, host names announced by TLS clusters), the nodes are live
TLS/AUTH Redis, TestFailover changes roles in Redis itself and moves the
primary endpoint's name, roles that Redis changes on its own are followed,
delete stops the nodes and takes their names away."""

import datetime
import os
import re
import ssl
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
sys.path.insert(0, SANDBOX)

from sandbox import resp  # noqa: E402
from sandbox.sandboxctl import Sandbox  # noqa: E402
from sandbox.testing import children, wait_for  # noqa: E402

TOKEN = "Sandbox-token-0123456789-abc<>"
UTC = datetime.timezone.utc


class RedisBackedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=True, create_delay=0).start()
        cls.ec = cls.sb.client("elasticache")
        cls.ec.create_replication_group(
            ReplicationGroupId="live",
            ReplicationGroupDescription="live cluster",
            CacheParameterGroupName="default.redis7.cluster.on",
            NumNodeGroups=2,
            ReplicasPerNodeGroup=1,
            AutomaticFailoverEnabled=True,
            TransitEncryptionEnabled=True,
            AuthToken=TOKEN,
        )
        cls.ec.create_replication_group(
            ReplicationGroupId="plain",
            ReplicationGroupDescription="no tls",
            NumCacheClusters=2,
            AutomaticFailoverEnabled=True,
        )
        cls.sb.wait_for_group("live", timeout=90)
        cls.sb.wait_for_group("plain", timeout=90)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def conn(self, host, port, tls=True, password=True, server_hostname=None):
        """A connection to a name, at the address the hosts file gives it
        (the first), TLS checked against the name."""
        addrs = self.sb.resolve(host)
        self.assertTrue(addrs, "%s is not in the hosts file" % host)
        return resp.Connection(addrs[0], port, tls=tls, ca_file=self.sb.ca_file if tls else None,
                               server_hostname=server_hostname or host, password=TOKEN if tls and password else None, timeout=5)

    def role(self, host, port, tls=True):
        with self.conn(host, port, tls) as c:
            return c.call("ROLE")[0]

    def nodes(self, rg):
        out = {}
        for c in self.ec.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]:
            if c.get("ReplicationGroupId") == rg:
                ep = c["CacheNodes"][0]["Endpoint"]
                out[c["CacheClusterId"]] = (ep["Address"], ep["Port"])
        return out

    def test_endpoints_are_live_tls_auth_nodes(self):
        g = self.ec.describe_replication_groups(ReplicationGroupId="live")["ReplicationGroups"][0]
        nodes = self.nodes("live")
        self.assertEqual(sorted(nodes), ["live-0001-001", "live-0001-002", "live-0002-001", "live-0002-002"])
        # AWS's shapes: NAME-0001-001.NAME.HASH.use2.cache.amazonaws.com, the port asked for
        cfg = g["ConfigurationEndpoint"]
        m = re.match(r"^clustercfg\.live\.([0-9a-f]{6})\.use2\.cache\.amazonaws\.com$", cfg["Address"])
        self.assertTrue(m, cfg)
        domain = "live.%s.use2.cache.amazonaws.com" % m.group(1)
        for cid, (h, p) in nodes.items():
            self.assertEqual((h, p), ("%s.%s" % (cid, domain), 6379))
        self.assertEqual(cfg["Port"], 6379)
        # one loopback address per node, the configuration endpoint on all of them
        addrs = {cid: self.sb.resolve(h) for cid, (h, _) in nodes.items()}
        for cid, a in addrs.items():
            self.assertEqual(len(a), 1, cid)
            self.assertRegex(a[0], r"^127\.\d+\.\d+\.\d+$")
            self.assertEqual(self.sb.node_address(cid), (a[0], 6379))
        self.assertEqual(len({a[0] for a in addrs.values()}), 4)
        self.assertEqual(sorted(self.sb.resolve(cfg["Address"])), sorted(a[0] for a in addrs.values()))
        with self.conn(cfg["Address"], cfg["Port"]) as c:
            self.assertEqual(c.call("PING"), "PONG")
            cluster_nodes = c.call("CLUSTER", "NODES")
            self.assertEqual(len([ln for ln in cluster_nodes.splitlines() if ln.strip()]), 4)
            shards = c.call("CLUSTER", "SHARDS")
            self.assertEqual(len(shards), 2)
            # Redis 7 with TLS announces host names: the nodes' own DNS names
            endpoints = sorted(dict(zip(n[0::2], n[1::2]))["endpoint"] for sh in shards for n in dict(zip(sh[0::2], sh[1::2]))["nodes"])
            self.assertEqual(endpoints, sorted(h for h, _ in nodes.values()))
            slots = c.call("CLUSTER", "SLOTS")
            self.assertEqual(sorted(n[0] for r in slots for n in r[2:]), endpoints)
        # the certificate is the group's wildcard: another name is refused
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.conn(cfg["Address"], cfg["Port"], server_hostname="clustercfg.other.%s.use2.cache.amazonaws.com" % m.group(1))
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.conn(cfg["Address"], cfg["Port"], server_hostname="localhost")
        # no TLS -> no answer; no AUTH -> NOAUTH
        with self.assertRaises((OSError, resp.ProtocolError)):
            with self.conn(cfg["Address"], cfg["Port"], tls=False) as c:
                c.call("PING")
        with self.conn(cfg["Address"], cfg["Port"], password=False) as c:
            with self.assertRaises(resp.ReplyError):
                c.call("GET", "x")
        for cid, (h, p) in nodes.items():
            self.assertEqual(self.role(h, p), "master" if cid.endswith("-001") else "slave", cid)

    def test_test_failover_cluster_mode_changes_roles_in_redis(self):
        nodes = self.nodes("live")
        start = datetime.datetime.now(UTC)
        self.ec.test_failover(ReplicationGroupId="live", NodeGroupId="0002")
        self.sb.wait_for_group("live", timeout=60)
        self.assertEqual(self.role(*nodes["live-0002-002"]), "master")
        self.assertEqual(self.role(*nodes["live-0002-001"]), "slave")
        self.assertEqual(self.role(*nodes["live-0001-001"]), "master")
        roles = {n["cache_cluster_id"]: n["role"] for n in self.sb.nodes("live")}
        self.assertEqual(roles["live-0002-002"], "primary")
        msgs = [(e["SourceIdentifier"], e["Message"]) for e in reversed(self.ec.describe_events(StartTime=start)["Events"]) if e["SourceIdentifier"].startswith("live")]
        self.assertEqual(
            msgs,
            [
                ("live", "Test Failover API called for node group 0002"),
                ("live-0002-001", "Failover from primary node live-0002-001 to replica node live-0002-002 completed"),
                ("live", "Failover from primary node live-0002-001 to replica node live-0002-002 completed"),
                ("live-0002-001", "Recovering cache nodes 0001"),
                ("live-0002-001", "Finished recovery for cache nodes 0001"),
            ],
        )

    def test_test_failover_cluster_mode_disabled_repoints_primary(self):
        g = self.ec.describe_replication_groups(ReplicationGroupId="plain")["ReplicationGroups"][0]
        ng = g["NodeGroups"][0]
        nodes = self.nodes("plain")
        # without TLS: NAME.HASH.ng.0001.use2..., NAME-ro.HASH.ng.0001..., NAME-001.HASH.0001...
        h = re.match(r"^plain\.([0-9a-f]{6})\.ng\.0001\.use2\.cache\.amazonaws\.com$", ng["PrimaryEndpoint"]["Address"])
        self.assertTrue(h, ng)
        self.assertEqual(ng["ReaderEndpoint"]["Address"], "plain-ro.%s.ng.0001.use2.cache.amazonaws.com" % h.group(1))
        self.assertEqual(nodes["plain-001"], ("plain-001.%s.0001.use2.cache.amazonaws.com" % h.group(1), 6379))
        self.assertEqual((ng["PrimaryEndpoint"]["Port"], ng["ReaderEndpoint"]["Port"]), (6379, 6379))
        primary, reader = ng["PrimaryEndpoint"]["Address"], ng["ReaderEndpoint"]["Address"]
        self.assertEqual(self.sb.resolve(primary), self.sb.resolve(nodes["plain-001"][0]))
        self.assertEqual(self.sb.resolve(reader), self.sb.resolve(nodes["plain-002"][0]))
        self.assertEqual(self.role(*nodes["plain-001"], tls=False), "master")
        self.assertEqual(self.role(primary, 6379, tls=False), "master")
        self.ec.test_failover(ReplicationGroupId="plain", NodeGroupId="0001")
        self.sb.wait_for_group("plain", timeout=60)
        g = self.ec.describe_replication_groups(ReplicationGroupId="plain")["ReplicationGroups"][0]
        ng = g["NodeGroups"][0]
        self.assertEqual({m["CacheClusterId"]: m["CurrentRole"] for m in ng["NodeGroupMembers"]}, {"plain-001": "replica", "plain-002": "primary"})
        self.assertEqual(ng["PrimaryEndpoint"]["Address"], primary)
        self.assertEqual(self.role(*nodes["plain-002"], tls=False), "master")
        self.assertEqual(self.role(*nodes["plain-001"], tls=False), "slave")
        # the primary endpoint's name follows the primary, as DNS does
        wait_for(lambda: self.sb.resolve(primary) == self.sb.resolve(nodes["plain-002"][0]), timeout=10, what="the primary endpoint to move")
        self.assertEqual(self.sb.resolve(reader), self.sb.resolve(nodes["plain-001"][0]))
        self.assertEqual(self.role(primary, 6379, tls=False), "master")

    def test_roles_changed_by_redis_are_followed(self):
        self.ec.create_replication_group(
            ReplicationGroupId="auto",
            ReplicationGroupDescription="auto failover",
            CacheParameterGroupName="default.redis7.cluster.on",
            NumNodeGroups=3,
            ReplicasPerNodeGroup=1,
            AutomaticFailoverEnabled=True,
        )
        self.sb.wait_for_group("auto", timeout=60)
        start = datetime.datetime.now(UTC)
        # Redis Cluster needs a majority of primaries to elect: 3 shards.
        self.sb.kill_node("auto-0001-001")

        def promoted():
            roles = {n["cache_cluster_id"]: n["role"] for n in self.sb.nodes("auto")}
            return roles["auto-0001-002"] == "primary"

        wait_for(promoted, timeout=30, what="replica promoted by Redis Cluster")
        msgs = [e["Message"] for e in self.ec.describe_events(SourceIdentifier="auto", StartTime=start)["Events"]]
        self.assertIn("Failover from primary node auto-0001-001 to replica node auto-0001-002 completed", msgs)
        # the dead old primary (still flagged master,fail) never flips it back
        time.sleep(2.5)
        roles = {n["cache_cluster_id"]: n["role"] for n in self.sb.nodes("auto")}
        self.assertEqual((roles["auto-0001-001"], roles["auto-0001-002"]), ("replica", "primary"))
        msgs = [e["Message"] for e in self.ec.describe_events(SourceIdentifier="auto", StartTime=start)["Events"]]
        self.assertEqual(len([m for m in msgs if m.startswith("Failover from")]), 1, msgs)

    def test_delete_stops_the_nodes(self):
        self.ec.create_replication_group(ReplicationGroupId="gone", ReplicationGroupDescription="x", NumCacheClusters=2)
        self.sb.wait_for_group("gone", timeout=60)
        names = [h for h, _ in self.nodes("gone").values()]
        addrs = [self.sb.resolve(h)[0] for h in names]
        before = children(self.sb.pid)
        self.ec.delete_replication_group(ReplicationGroupId="gone")
        self.sb.wait_for_group("gone", status=None, timeout=60)
        for a in addrs:
            with self.assertRaises(OSError):
                resp.Connection(a, 6379, timeout=1).close()
        wait_for(lambda: not any(self.sb.resolve(h) for h in names), timeout=10, what="the names to leave the hosts file")
        after = children(self.sb.pid)
        self.assertLessEqual(len(after), len(before) - 2)


if __name__ == "__main__":
    unittest.main()
