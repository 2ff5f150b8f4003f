"""ElastiCache backed by real Redis (part B's farm): endpoints are live
TLS/AUTH nodes, TestFailover changes roles in Redis itself, roles that
Redis changes on its own are followed, delete stops the nodes."""

import datetime
import os
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

    def conn(self, host, port, tls=True):
        return resp.Connection(host, port, tls=tls, ca_file=self.sb.ca_file if tls else None, password=TOKEN if tls else None, timeout=5)

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
        self.assertEqual({h for h, _ in nodes.values()}, {"localhost"})
        self.assertEqual(len({p for _, p in nodes.values()}), 4)
        cfg = g["ConfigurationEndpoint"]
        self.assertEqual(cfg["Address"], "localhost")
        self.assertIn(cfg["Port"], {p for _, p in nodes.values()})
        with self.conn(cfg["Address"], cfg["Port"]) as c:
            self.assertEqual(c.call("PING"), "PONG")
            cluster_nodes = c.call("CLUSTER", "NODES")
            self.assertEqual(len([ln for ln in cluster_nodes.splitlines() if ln.strip()]), 4)
            shards = c.call("CLUSTER", "SHARDS")
            self.assertEqual(len(shards), 2)
        # no TLS -> no answer; no AUTH -> NOAUTH
        with self.assertRaises((OSError, resp.ProtocolError)):
            with resp.Connection("localhost", cfg["Port"], timeout=2) as c:
                c.call("PING")
        with resp.Connection("localhost", cfg["Port"], tls=True, ca_file=self.sb.ca_file, timeout=5) as c:
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
        self.assertEqual(ng["PrimaryEndpoint"]["Port"], nodes["plain-001"][1])
        self.assertEqual(ng["ReaderEndpoint"]["Port"], nodes["plain-002"][1])
        self.assertEqual(self.role(*nodes["plain-001"], tls=False), "master")
        self.ec.test_failover(ReplicationGroupId="plain", NodeGroupId="0001")
        self.sb.wait_for_group("plain", timeout=60)
        g = self.ec.describe_replication_groups(ReplicationGroupId="plain")["ReplicationGroups"][0]
        ng = g["NodeGroups"][0]
        self.assertEqual({m["CacheClusterId"]: m["CurrentRole"] for m in ng["NodeGroupMembers"]}, {"plain-001": "replica", "plain-002": "primary"})
        self.assertEqual(ng["PrimaryEndpoint"]["Port"], nodes["plain-002"][1])
        self.assertEqual(self.role(*nodes["plain-002"], tls=False), "master")
        self.assertEqual(self.role(*nodes["plain-001"], tls=False), "slave")

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
        ports = [p for _, p in self.nodes("gone").values()]
        before = children(self.sb.pid)
        self.ec.delete_replication_group(ReplicationGroupId="gone")
        self.sb.wait_for_group("gone", status=None, timeout=60)
        for p in ports:
            with self.assertRaises(OSError):
                resp.Connection("127.0.0.1", p, timeout=1).close()
        after = children(self.sb.pid)
        self.assertLessEqual(len(after), len(before) - 2)


if __name__ == "__main__":
    unittest.main()
