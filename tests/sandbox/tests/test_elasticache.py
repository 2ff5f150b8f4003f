"""ElastiCache conformance through boto3 (no Redis): shapes, validation
errors with AWS's codes and statuses, naming, AZ placement, status
transitions, Modify/Delete/TestFailover, DescribeEvents, pagination, tags,
parameter and subnet groups."""

import datetime
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
sys.path.insert(0, SANDBOX)

from botocore.exceptions import ClientError  # noqa: E402

from sandbox.sandboxctl import Sandbox  # noqa: E402
from sandbox.testing import wait_for  # noqa: E402

TOKEN = "Abcdefgh12345678!&#$^<>-"
UTC = datetime.timezone.utc


def err(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Message"]
    raise AssertionError("the call succeeded")


class ElastiCacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=False, create_delay=0).start()
        cls.ec = cls.sb.client("elasticache")
        cls.ec2 = cls.sb.client("ec2")
        cls.logs = cls.sb.client("logs")
        cls.kms = cls.sb.client("kms")
        vpc = cls.ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        cls.subnets = {}
        for i, az in enumerate(("us-east-2a", "us-east-2b", "us-east-2c")):
            cls.subnets[az] = cls.ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.%d.0/24" % i, AvailabilityZone=az)["Subnet"]["SubnetId"]
        cls.vpc = vpc
        s = cls.subnets
        cls.ec.create_cache_subnet_group(CacheSubnetGroupName="Three", CacheSubnetGroupDescription="3 AZ", SubnetIds=[s["us-east-2c"], s["us-east-2a"], s["us-east-2b"]])
        cls.ec.create_cache_subnet_group(CacheSubnetGroupName="two", CacheSubnetGroupDescription="2 AZ", SubnetIds=[s["us-east-2a"], s["us-east-2b"]])
        cls.ec.create_cache_subnet_group(CacheSubnetGroupName="one", CacheSubnetGroupDescription="1 AZ", SubnetIds=[s["us-east-2b"]])
        cls.sg = cls.ec2.create_security_group(GroupName="cache", Description="cache", VpcId=vpc)["GroupId"]
        for lg in ("/t/slow", "/t/engine", "/t/other"):
            cls.logs.create_log_group(logGroupName=lg)
        cls.key = cls.kms.create_key(Description="rest")["KeyMetadata"]
        cls.kms.create_alias(AliasName="alias/rest", TargetKeyId=cls.key["KeyId"])

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.reset_faults()
        self.sb.configure(create_delay=0, modify_delay=None, delete_delay=None)

    # ---- helpers ------------------------------------------------------------
    def create(self, rg, **kw):
        kw.setdefault("ReplicationGroupDescription", "test " + rg)
        r = self.ec.create_replication_group(ReplicationGroupId=rg, **kw)["ReplicationGroup"]
        return r

    def describe(self, rg):
        return self.ec.describe_replication_groups(ReplicationGroupId=rg)["ReplicationGroups"][0]

    def wait(self, rg, status="available"):
        self.sb.wait_for_group(rg, status=status, timeout=30)
        return self.describe(rg) if status else None

    def members(self, g):
        return [[(m["CacheClusterId"], m["PreferredAvailabilityZone"]) for m in ng["NodeGroupMembers"]] for ng in g["NodeGroups"]]

    def delete_and_wait(self, rg):
        self.ec.delete_replication_group(ReplicationGroupId=rg)
        self.sb.wait_for_group(rg, status=None, timeout=30)

    # ---- naming, cluster mode, placement ------------------------------------------------
    def test_cluster_mode_from_parameter_group_naming_and_az_rotation(self):
        self.create("cm-on", CacheParameterGroupName="default.redis7.cluster.on", NumNodeGroups=3, ReplicasPerNodeGroup=2, AutomaticFailoverEnabled=True, CacheSubnetGroupName="three")
        g = self.wait("cm-on")
        self.assertTrue(g["ClusterEnabled"])
        self.assertEqual(g["ClusterMode"], "enabled")
        self.assertEqual(
            self.members(g),
            [
                [("cm-on-0001-001", "us-east-2a"), ("cm-on-0001-002", "us-east-2b"), ("cm-on-0001-003", "us-east-2c")],
                [("cm-on-0002-001", "us-east-2b"), ("cm-on-0002-002", "us-east-2c"), ("cm-on-0002-003", "us-east-2a")],
                [("cm-on-0003-001", "us-east-2c"), ("cm-on-0003-002", "us-east-2a"), ("cm-on-0003-003", "us-east-2b")],
            ],
        )
        self.assertEqual([ng["NodeGroupId"] for ng in g["NodeGroups"]], ["0001", "0002", "0003"])
        self.assertEqual([ng["Slots"] for ng in g["NodeGroups"]], ["0-5461", "5462-10922", "10923-16383"])
        self.assertEqual(g["MemberClusters"], [c for shard in self.members(g) for c, _ in shard])
        self.assertIn("ConfigurationEndpoint", g)
        for ng in g["NodeGroups"]:
            self.assertNotIn("PrimaryEndpoint", ng)
            for m in ng["NodeGroupMembers"]:
                self.assertEqual(set(m), {"CacheClusterId", "CacheNodeId", "PreferredAvailabilityZone"})
        cc = self.ec.describe_cache_clusters(CacheClusterId="cm-on-0002-001")["CacheClusters"][0]
        self.assertEqual(cc["CacheParameterGroup"]["CacheParameterGroupName"], "default.redis7.cluster.on")
        self.assertEqual(cc["CacheSubnetGroupName"], "three")

    def test_cluster_mode_from_cluster_mode_param_and_shard_count(self):
        self.create("cm-flag", ClusterMode="enabled", NumNodeGroups=1, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True, CacheSubnetGroupName="three")
        g = self.describe("cm-flag")
        self.assertTrue(g["ClusterEnabled"])
        self.assertEqual(g["MemberClusters"], ["cm-flag-0001-001", "cm-flag-0001-002"])
        cc = self.ec.describe_cache_clusters(CacheClusterId="cm-flag-0001-001")["CacheClusters"][0]
        self.assertEqual(cc["CacheParameterGroup"]["CacheParameterGroupName"], "default.redis7.cluster.on")
        self.create("cm-shards", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True, CacheSubnetGroupName="two")
        g = self.describe("cm-shards")
        self.assertTrue(g["ClusterEnabled"])
        # 2 AZs: replicas always avoid their primary's AZ
        self.assertEqual(self.members(g), [[("cm-shards-0001-001", "us-east-2a"), ("cm-shards-0001-002", "us-east-2b")], [("cm-shards-0002-001", "us-east-2b"), ("cm-shards-0002-002", "us-east-2a")]])

    def test_cluster_mode_disabled_naming_endpoints_and_roles(self):
        self.create("cm-off", NumCacheClusters=3, AutomaticFailoverEnabled=True, MultiAZEnabled=True, CacheSubnetGroupName="three", Port=6380)
        g = self.wait("cm-off")
        self.assertFalse(g["ClusterEnabled"])
        self.assertEqual(g["ClusterMode"], "disabled")
        self.assertEqual(g["MemberClusters"], ["cm-off-001", "cm-off-002", "cm-off-003"])
        self.assertEqual(self.members(g), [[("cm-off-001", "us-east-2a"), ("cm-off-002", "us-east-2b"), ("cm-off-003", "us-east-2c")]])
        ng = g["NodeGroups"][0]
        self.assertEqual(ng["NodeGroupId"], "0001")
        self.assertNotIn("Slots", ng)
        self.assertEqual(ng["PrimaryEndpoint"]["Port"], 6380)
        self.assertIn("ReaderEndpoint", ng)
        self.assertEqual([m["CurrentRole"] for m in ng["NodeGroupMembers"]], ["primary", "replica", "replica"])
        for m in ng["NodeGroupMembers"]:
            self.assertEqual(m["CacheNodeId"], "0001")
            self.assertTrue(m["ReadEndpoint"]["Address"].startswith(m["CacheClusterId"] + "."))
        self.assertNotIn("ConfigurationEndpoint", g)
        cc = self.ec.describe_cache_clusters(CacheClusterId="cm-off-001")["CacheClusters"][0]
        self.assertEqual(cc["CacheParameterGroup"]["CacheParameterGroupName"], "default.redis7")

    def test_one_az_and_default_subnet_group(self):
        self.create("az-one", NumCacheClusters=3, CacheSubnetGroupName="one")
        self.assertEqual({az for shard in self.members(self.describe("az-one")) for _, az in shard}, {"us-east-2b"})
        self.create("az-default", NumNodeGroups=4, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
        g = self.describe("az-default")
        azs = [az for shard in self.members(g) for _, az in shard]
        self.assertTrue(all(a.startswith("us-east-2") for a in azs), azs)
        self.assertEqual([shard[0][1] for shard in self.members(g)], ["us-east-2a", "us-east-2b", "us-east-2c", "us-east-2a"])
        cc = self.ec.describe_cache_clusters(CacheClusterId="az-default-0001-001")["CacheClusters"][0]
        self.assertEqual(cc["CacheSubnetGroupName"], "default")
        # AZ names follow the client's region
        west = self.sb.client("elasticache", region="us-west-2")
        west.create_replication_group(ReplicationGroupId="west", ReplicationGroupDescription="w", NumCacheClusters=2)
        g = west.describe_replication_groups(ReplicationGroupId="west")["ReplicationGroups"][0]
        self.assertTrue(all(az.startswith("us-west-2") for shard in self.members(g) for _, az in shard))
        self.assertIn(":us-west-2:", g["ARN"])
        self.assertEqual(err(self.ec.describe_replication_groups, ReplicationGroupId="west")[:2], ("ReplicationGroupNotFoundFault", 404))

    def test_preferred_azs(self):
        self.create("pref", NumCacheClusters=3, PreferredCacheClusterAZs=["us-east-2c", "us-east-2c", "us-east-2a"], CacheSubnetGroupName="three")
        self.assertEqual(self.members(self.describe("pref")), [[("pref-001", "us-east-2c"), ("pref-002", "us-east-2c"), ("pref-003", "us-east-2a")]])
        self.create(
            "ngc",
            CacheParameterGroupName="default.redis7.cluster.on",
            AutomaticFailoverEnabled=True,
            CacheSubnetGroupName="three",
            NodeGroupConfiguration=[
                {"NodeGroupId": "0001", "Slots": "0-999", "ReplicaCount": 1, "PrimaryAvailabilityZone": "us-east-2c", "ReplicaAvailabilityZones": ["us-east-2c"]},
                {"NodeGroupId": "0002", "Slots": "1000-16383", "ReplicaCount": 2},
            ],
        )
        g = self.describe("ngc")
        self.assertEqual(self.members(g), [[("ngc-0001-001", "us-east-2c"), ("ngc-0001-002", "us-east-2c")], [("ngc-0002-001", "us-east-2b"), ("ngc-0002-002", "us-east-2c"), ("ngc-0002-003", "us-east-2a")]])
        self.assertEqual([ng["Slots"] for ng in g["NodeGroups"]], ["0-999", "1000-16383"])
        c, s, m = err(self.create, rg="pref-bad", NumCacheClusters=2, PreferredCacheClusterAZs=["us-east-2a", "us-east-2d"], CacheSubnetGroupName="three")
        self.assertEqual((c, s), ("InvalidParameterValue", 400))
        self.assertIn("us-east-2d", m)
        self.assertEqual(err(self.create, rg="pref-n", NumCacheClusters=3, PreferredCacheClusterAZs=["us-east-2a"])[:2], ("InvalidParameterValue", 400))

    # ---- validation -----------------------------------------------------------------
    def test_validation_errors(self):
        cases = [
            (dict(rg="Bad--id", NumCacheClusters=1), ("InvalidParameterValue", 400)),
            (dict(rg="1abc", NumCacheClusters=1), ("InvalidParameterValue", 400)),
            (dict(rg="x" * 41, NumCacheClusters=1), ("InvalidParameterValue", 400)),
            (dict(rg="v-sng", NumCacheClusters=1, CacheSubnetGroupName="nope"), ("CacheSubnetGroupNotFoundFault", 400)),
            (dict(rg="v-pg", NumCacheClusters=1, CacheParameterGroupName="nope"), ("CacheParameterGroupNotFound", 404)),
            (dict(rg="v-pgfam", NumCacheClusters=1, CacheParameterGroupName="default.redis6.x"), ("InvalidParameterCombination", 400)),
            (dict(rg="v-auth", NumCacheClusters=1, AuthToken=TOKEN), ("InvalidParameterValue", 400)),
            (dict(rg="v-auth2", NumCacheClusters=1, TransitEncryptionEnabled=True, AuthToken="short"), ("InvalidParameterValue", 400)),
            (dict(rg="v-auth3", NumCacheClusters=1, TransitEncryptionEnabled=True, AuthToken="abcdefghijklmnop@"), ("InvalidParameterValue", 400)),
            (dict(rg="v-auth4", NumCacheClusters=1, TransitEncryptionEnabled=True, AuthToken="a" * 129), ("InvalidParameterValue", 400)),
            (dict(rg="v-af", NumCacheClusters=1, AutomaticFailoverEnabled=True), ("InvalidParameterCombination", 400)),
            (dict(rg="v-maz", NumCacheClusters=2, MultiAZEnabled=True), ("InvalidParameterCombination", 400)),
            (dict(rg="v-maz2", NumCacheClusters=1, MultiAZEnabled=True, AutomaticFailoverEnabled=True), ("InvalidParameterCombination", 400)),
            (dict(rg="v-cm", NumNodeGroups=2, ReplicasPerNodeGroup=1), ("InvalidParameterCombination", 400)),
            (dict(rg="v-cm2", CacheParameterGroupName="default.redis7", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True), ("InvalidParameterCombination", 400)),
            (dict(rg="v-rep", NumNodeGroups=2, ReplicasPerNodeGroup=6, AutomaticFailoverEnabled=True), ("InvalidParameterValue", 400)),
            (dict(rg="v-ncc", NumCacheClusters=7), ("InvalidParameterValue", 400)),
            (dict(rg="v-shards", NumNodeGroups=501, AutomaticFailoverEnabled=True, ReplicasPerNodeGroup=1), ("NodeGroupsPerReplicationGroupQuotaExceeded", 400)),
            (dict(rg="v-nodes", NumNodeGroups=300, AutomaticFailoverEnabled=True, ReplicasPerNodeGroup=1), ("NodeQuotaForClusterExceeded", 400)),
            (dict(rg="v-ver", NumCacheClusters=1, EngineVersion="9.9"), ("InvalidParameterCombination", 400)),
            (dict(rg="v-eng", NumCacheClusters=1, Engine="memcached"), ("InvalidParameterValue", 400)),
            (dict(rg="v-kms", NumCacheClusters=1, KmsKeyId="alias/rest"), ("InvalidParameterCombination", 400)),
            (dict(rg="v-kms2", NumCacheClusters=1, AtRestEncryptionEnabled=True, KmsKeyId="alias/none"), ("InvalidParameterValue", 400)),
            (dict(rg="v-sg", NumCacheClusters=1, SecurityGroupIds=["sg-0123456789abcdef0"]), ("InvalidParameterValue", 400)),
            (
                dict(rg="v-log", NumCacheClusters=1, LogDeliveryConfigurations=[{"LogType": "slow-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/no/such"}}, "LogFormat": "json"}]),
                ("InvalidParameterValue", 400),
            ),
            (
                dict(rg="v-log2", NumCacheClusters=1, EngineVersion="6.0", LogDeliveryConfigurations=[{"LogType": "engine-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/slow"}}, "LogFormat": "json"}]),
                ("InvalidParameterCombination", 400),
            ),
            (
                dict(rg="v-ngc", CacheParameterGroupName="default.redis7.cluster.on", AutomaticFailoverEnabled=True, NodeGroupConfiguration=[{"Slots": "0-100", "ReplicaCount": 1}, {"Slots": "200-16383", "ReplicaCount": 1}]),
                ("InvalidParameterValue", 400),
            ),
            (
                dict(rg="v-ngc2", CacheParameterGroupName="default.redis7.cluster.on", AutomaticFailoverEnabled=True, NodeGroupConfiguration=[{"ReplicaCount": 2, "ReplicaAvailabilityZones": ["us-east-2a"]}]),
                ("InvalidParameterValue", 400),
            ),
            (dict(rg="v-tags", NumCacheClusters=1, Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(51)]), ("TagQuotaPerResourceExceeded", 400)),
        ]
        for kw, expect in cases:
            with self.subTest(case=kw["rg"]):
                self.assertEqual(err(self.create, **kw)[:2], expect)
        self.assertEqual(err(self.ec.describe_replication_groups, ReplicationGroupId="never")[:2], ("ReplicationGroupNotFoundFault", 404))
        self.assertEqual(err(self.ec.describe_cache_clusters, CacheClusterId="never-001")[:2], ("CacheClusterNotFound", 404))
        c, s, m = err(self.create, rg="v-af2", NumCacheClusters=1, AutomaticFailoverEnabled=True)
        self.assertEqual(m, "When using automatic failover, there must be at least 2 cache clusters in the replication group.")

    def test_duplicate_and_case(self):
        g = self.create("Dup-Case", NumCacheClusters=1)
        self.assertEqual(g["ReplicationGroupId"], "dup-case")
        self.assertEqual(err(self.create, rg="dup-case", NumCacheClusters=1)[:2], ("ReplicationGroupAlreadyExists", 400))
        self.assertEqual(self.describe("DUP-CASE")["ReplicationGroupId"], "dup-case")

    # ---- shapes ---------------------------------------------------------------------
    def test_full_shape_tls_auth_kms_logs(self):
        r = self.create(
            "full",
            CacheParameterGroupName="default.redis7.cluster.on",
            NumNodeGroups=2,
            ReplicasPerNodeGroup=1,
            AutomaticFailoverEnabled=True,
            MultiAZEnabled=True,
            CacheNodeType="cache.r7g.large",
            CacheSubnetGroupName="three",
            SecurityGroupIds=[self.sg],
            TransitEncryptionEnabled=True,
            AuthToken=TOKEN,
            AtRestEncryptionEnabled=True,
            KmsKeyId="alias/rest",
            SnapshotRetentionLimit=3,
            SnapshotWindow="04:00-05:00",
            LogDeliveryConfigurations=[
                {"LogType": "slow-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/slow"}}, "LogFormat": "json"},
                {"LogType": "engine-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/engine"}}, "LogFormat": "text"},
            ],
            Tags=[{"Key": "env", "Value": "test"}],
        )
        self.assertEqual(r["Status"], "creating")
        self.assertEqual([c["Status"] for c in r["LogDeliveryConfigurations"]], ["enabling", "enabling"])
        g = self.wait("full")
        expect = {
            "ReplicationGroupId": "full",
            "Description": "test full",
            "Status": "available",
            "AutomaticFailover": "enabled",
            "MultiAZ": "enabled",
            "ClusterEnabled": True,
            "ClusterMode": "enabled",
            "CacheNodeType": "cache.r7g.large",
            "AuthTokenEnabled": True,
            "TransitEncryptionEnabled": True,
            "TransitEncryptionMode": "required",
            "AtRestEncryptionEnabled": True,
            "KmsKeyId": self.key["Arn"],
            "ARN": "arn:aws:elasticache:us-east-2:%s:replicationgroup:full" % self.sb.status()["account_id"],
            "SnapshotRetentionLimit": 3,
            "SnapshotWindow": "04:00-05:00",
            "SnapshottingClusterId": "full-0001-002",
            "Engine": "redis",
            "DataTiering": "disabled",
            "AutoMinorVersionUpgrade": True,
            "NetworkType": "ipv4",
            "IpDiscovery": "ipv4",
        }
        for k, v in expect.items():
            self.assertEqual(g[k], v, k)
        self.assertIsInstance(g["ReplicationGroupCreateTime"], datetime.datetime)
        self.assertIsInstance(g["AuthTokenLastModifiedDate"], datetime.datetime)
        self.assertEqual(
            g["LogDeliveryConfigurations"],
            [
                {"LogType": "slow-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/slow"}}, "LogFormat": "json", "Status": "active"},
                {"LogType": "engine-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/engine"}}, "LogFormat": "text", "Status": "active"},
            ],
        )
        self.assertEqual(g["PendingModifiedValues"], {})
        cfg = g["ConfigurationEndpoint"]
        self.assertEqual(cfg["Port"], 6379)
        # as AWS names it, with TLS: clustercfg.NAME.HASH.REGION.cache.amazonaws.com
        self.assertRegex(cfg["Address"], r"^clustercfg\.full\.[0-9a-f]{6}\.use2\.cache\.amazonaws\.com$")
        # cache clusters
        ccs = self.ec.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
        mine = [c for c in ccs if c.get("ReplicationGroupId") == "full"]
        self.assertEqual([c["CacheClusterId"] for c in mine], ["full-0001-001", "full-0001-002", "full-0002-001", "full-0002-002"])
        c = mine[0]
        cexpect = {
            "CacheNodeType": "cache.r7g.large",
            "Engine": "redis",
            "EngineVersion": "7.1.0",
            "CacheClusterStatus": "available",
            "NumCacheNodes": 1,
            "PreferredAvailabilityZone": "us-east-2a",
            "CacheSubnetGroupName": "three",
            "AuthTokenEnabled": True,
            "TransitEncryptionEnabled": True,
            "AtRestEncryptionEnabled": True,
            "SnapshotRetentionLimit": 3,
            "ReplicationGroupLogDeliveryEnabled": True,
            "SecurityGroups": [{"SecurityGroupId": self.sg, "Status": "active"}],
            "ARN": "arn:aws:elasticache:us-east-2:%s:cluster:full-0001-001" % self.sb.status()["account_id"],
        }
        for k, v in cexpect.items():
            self.assertEqual(c[k], v, k)
        node = c["CacheNodes"][0]
        self.assertEqual(node["CacheNodeId"], "0001")
        self.assertEqual(node["CacheNodeStatus"], "available")
        self.assertEqual(node["CustomerAvailabilityZone"], "us-east-2a")
        self.assertEqual(node["Endpoint"]["Port"], 6379)
        c = self.ec.describe_cache_clusters(CacheClusterId="full-0001-001")["CacheClusters"][0]
        self.assertNotIn("CacheNodes", c)

    def test_valkey_and_engine_versions(self):
        self.create("vk", Engine="valkey", NumCacheClusters=2)
        g = self.describe("vk")
        self.assertEqual(g["Engine"], "valkey")
        self.assertTrue(g["AtRestEncryptionEnabled"])
        c = self.ec.describe_cache_clusters(CacheClusterId="vk-001")["CacheClusters"][0]
        self.assertEqual((c["Engine"], c["EngineVersion"], c["CacheParameterGroup"]["CacheParameterGroupName"]), ("valkey", "8.0.1", "default.valkey8"))
        self.create("r62", EngineVersion="6.2", NumCacheClusters=1)
        c = self.ec.describe_cache_clusters(CacheClusterId="r62-001")["CacheClusters"][0]
        self.assertEqual((c["EngineVersion"], c["CacheParameterGroup"]["CacheParameterGroupName"]), ("6.2.6", "default.redis6.x"))
        self.assertFalse(self.describe("r62")["AtRestEncryptionEnabled"])

    # ---- status transitions ------------------------------------------------------------
    def test_statuses_over_time(self):
        self.sb.configure(create_delay=1.0, modify_delay=0.6, delete_delay=0.6)
        t0 = time.monotonic()
        r = self.create("slow", NumCacheClusters=2, AutomaticFailoverEnabled=True)
        self.assertEqual(r["Status"], "creating")
        g = self.describe("slow")
        self.assertEqual(g["Status"], "creating")
        self.assertEqual(g["NodeGroups"][0]["Status"], "creating")
        self.assertNotIn("PrimaryEndpoint", g["NodeGroups"][0])
        c = self.ec.describe_cache_clusters(CacheClusterId="slow-001", ShowCacheNodeInfo=True)["CacheClusters"][0]
        self.assertEqual(c["CacheClusterStatus"], "creating")
        self.assertNotIn("CacheNodes", c)
        self.assertEqual(err(self.ec.delete_replication_group, ReplicationGroupId="slow")[:2], ("InvalidReplicationGroupState", 400))
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="slow", ApplyImmediately=True, SnapshotRetentionLimit=1)[:2], ("InvalidReplicationGroupState", 400))
        self.assertEqual(err(self.ec.list_tags_for_resource, ResourceName=g["ARN"])[:2], ("InvalidReplicationGroupState", 400))
        g = wait_for(lambda: (lambda x: x if x["Status"] == "available" else None)(self.describe("slow")), timeout=10, what="available")
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        self.assertIn("PrimaryEndpoint", g["NodeGroups"][0])
        r = self.ec.modify_replication_group(ReplicationGroupId="slow", ApplyImmediately=True, AutomaticFailoverEnabled=False)["ReplicationGroup"]
        self.assertEqual(r["Status"], "modifying")
        self.assertEqual(r["AutomaticFailover"], "disabling")
        self.assertEqual(r["PendingModifiedValues"], {"AutomaticFailoverStatus": "disabled"})
        c = self.ec.describe_cache_clusters(CacheClusterId="slow-001")["CacheClusters"][0]
        self.assertEqual(c["CacheClusterStatus"], "available")
        g = wait_for(lambda: (lambda x: x if x["Status"] == "available" else None)(self.describe("slow")), timeout=10, what="modify done")
        self.assertEqual(g["AutomaticFailover"], "disabled")
        self.assertEqual(g["PendingModifiedValues"], {})
        r = self.ec.delete_replication_group(ReplicationGroupId="slow")["ReplicationGroup"]
        self.assertEqual(r["Status"], "deleting")
        c = self.ec.describe_cache_clusters(CacheClusterId="slow-002", ShowCacheNodeInfo=True)["CacheClusters"][0]
        self.assertEqual(c["CacheClusterStatus"], "deleting")
        self.assertNotIn("CacheNodes", c)
        self.assertEqual(err(self.ec.delete_replication_group, ReplicationGroupId="slow")[:2], ("InvalidReplicationGroupState", 400))
        deadline = time.monotonic() + 10
        while True:
            try:
                self.describe("slow")
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ReplicationGroupNotFoundFault")
                break
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(err(self.ec.describe_cache_clusters, CacheClusterId="slow-001")[:2], ("CacheClusterNotFound", 404))
        # boto3's own waiter agrees
        self.create("slow2", NumCacheClusters=1)
        self.ec.get_waiter("replication_group_available").wait(ReplicationGroupId="slow2", WaiterConfig={"Delay": 1, "MaxAttempts": 10})

    # ---- Modify ------------------------------------------------------------------------
    def test_modify_log_delivery_and_failover_settings(self):
        self.create(
            "mod",
            NumCacheClusters=2,
            AutomaticFailoverEnabled=True,
            MultiAZEnabled=True,
            LogDeliveryConfigurations=[{"LogType": "slow-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/slow"}}, "LogFormat": "json"}],
        )
        self.wait("mod")
        self.sb.configure(modify_delay=0.5)
        # needs ApplyImmediately
        self.assertEqual(
            err(self.ec.modify_replication_group, ReplicationGroupId="mod", LogDeliveryConfigurations=[{"LogType": "slow-log", "Enabled": False}])[:2],
            ("InvalidParameterCombination", 400),
        )
        r = self.ec.modify_replication_group(
            ReplicationGroupId="mod",
            ApplyImmediately=True,
            LogDeliveryConfigurations=[
                {"LogType": "slow-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/other"}}, "LogFormat": "text", "Enabled": True},
                {"LogType": "engine-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/t/engine"}}, "LogFormat": "json", "Enabled": True},
            ],
        )["ReplicationGroup"]
        self.assertEqual(r["Status"], "modifying")
        self.assertEqual([(c["LogType"], c["Status"], c["LogFormat"]) for c in r["LogDeliveryConfigurations"]], [("slow-log", "modifying", "text"), ("engine-log", "enabling", "json")])
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="mod", ApplyImmediately=True, SnapshotRetentionLimit=1)[:2], ("InvalidReplicationGroupState", 400))
        g = self.wait("mod")
        self.assertEqual([(c["LogType"], c["Status"], c["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]) for c in g["LogDeliveryConfigurations"]], [("slow-log", "active", "/t/other"), ("engine-log", "active", "/t/engine")])
        r = self.ec.modify_replication_group(ReplicationGroupId="mod", ApplyImmediately=True, LogDeliveryConfigurations=[{"LogType": "slow-log", "Enabled": False}])["ReplicationGroup"]
        self.assertEqual([(c["LogType"], c["Status"]) for c in r["LogDeliveryConfigurations"]], [("slow-log", "disabling"), ("engine-log", "active")])
        g = self.wait("mod")
        self.assertEqual([c["LogType"] for c in g["LogDeliveryConfigurations"]], ["engine-log"])
        # failover / Multi-AZ rules
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="mod", ApplyImmediately=True, AutomaticFailoverEnabled=False)[:2], ("InvalidParameterCombination", 400))
        self.ec.modify_replication_group(ReplicationGroupId="mod", ApplyImmediately=True, MultiAZEnabled=False)
        g = self.wait("mod")
        self.assertEqual((g["MultiAZ"], g["AutomaticFailover"]), ("disabled", "enabled"))
        self.ec.modify_replication_group(ReplicationGroupId="mod", ApplyImmediately=True, AutomaticFailoverEnabled=False, ReplicationGroupDescription="new text", SnapshotRetentionLimit=5)
        g = self.wait("mod")
        self.assertEqual((g["AutomaticFailover"], g["Description"], g["SnapshotRetentionLimit"]), ("disabled", "new text", 5))
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="mod", ApplyImmediately=True, MultiAZEnabled=True)[:2], ("InvalidParameterCombination", 400))
        self.create("mod-cm", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="mod-cm", ApplyImmediately=True, AutomaticFailoverEnabled=False)[:2], ("InvalidParameterCombination", 400))
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="nope", ApplyImmediately=True)[:2], ("ReplicationGroupNotFoundFault", 404))
        # AUTH token rotation needs TLS
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="mod", ApplyImmediately=True, AuthToken=TOKEN, AuthTokenUpdateStrategy="ROTATE")[:2], ("InvalidParameterCombination", 400))

    def test_auth_token_rotation(self):
        self.create("rot", NumCacheClusters=1, TransitEncryptionEnabled=True, AuthToken=TOKEN)
        self.wait("rot")
        before = self.describe("rot")["AuthTokenLastModifiedDate"]
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="rot", ApplyImmediately=True, AuthToken=TOKEN + "x", AuthTokenUpdateStrategy="SET")[:2], ("InvalidParameterCombination", 400))
        r = self.ec.modify_replication_group(ReplicationGroupId="rot", ApplyImmediately=True, AuthToken=TOKEN + "x", AuthTokenUpdateStrategy="ROTATE")["ReplicationGroup"]
        self.assertEqual(r["PendingModifiedValues"], {"AuthTokenStatus": "ROTATING"})
        self.wait("rot")
        self.ec.modify_replication_group(ReplicationGroupId="rot", ApplyImmediately=True, AuthToken=TOKEN + "y", AuthTokenUpdateStrategy="SET")
        g = self.wait("rot")
        self.assertGreaterEqual(g["AuthTokenLastModifiedDate"], before)
        self.assertEqual(err(self.ec.modify_replication_group, ReplicationGroupId="rot", ApplyImmediately=True, AuthToken="has/slash/inside123", AuthTokenUpdateStrategy="ROTATE")[:2], ("InvalidParameterValue", 400))

    # ---- TestFailover (without Redis: roles swap in the model) -----------------------------------
    def test_test_failover_events_and_roles(self):
        self.create("fo", NumCacheClusters=2, AutomaticFailoverEnabled=True)
        g = self.wait("fo")
        before_ep = g["NodeGroups"][0]["PrimaryEndpoint"]
        start = datetime.datetime.now(UTC)
        self.assertEqual(err(self.ec.test_failover, ReplicationGroupId="fo", NodeGroupId="0002")[:2], ("NodeGroupNotFoundFault", 404))
        self.assertEqual(err(self.ec.test_failover, ReplicationGroupId="nope", NodeGroupId="0001")[:2], ("ReplicationGroupNotFoundFault", 404))
        r = self.ec.test_failover(ReplicationGroupId="fo", NodeGroupId="0001")["ReplicationGroup"]
        self.assertEqual(r["Status"], "modifying")
        self.assertEqual(err(self.ec.test_failover, ReplicationGroupId="fo", NodeGroupId="0001")[:2], ("InvalidReplicationGroupState", 400))
        g = self.wait("fo")
        ng = g["NodeGroups"][0]
        self.assertEqual([(m["CacheClusterId"], m["CurrentRole"]) for m in ng["NodeGroupMembers"]], [("fo-001", "replica"), ("fo-002", "primary")])
        self.assertEqual(ng["PrimaryEndpoint"], before_ep, "the primary endpoint name is re-pointed, not changed")
        ev = self.ec.describe_events(StartTime=start)["Events"]
        mine = [(e["SourceType"], e["SourceIdentifier"], e["Message"]) for e in reversed(ev) if e["SourceIdentifier"].startswith("fo")]
        self.assertEqual(
            mine,
            [
                ("replication-group", "fo", "Test Failover API called for node group 0001"),
                ("cache-cluster", "fo-001", "Failover from primary node fo-001 to replica node fo-002 completed"),
                ("replication-group", "fo", "Failover from primary node fo-001 to replica node fo-002 completed"),
                ("cache-cluster", "fo-001", "Recovering cache nodes 0001"),
                ("cache-cluster", "fo-001", "Finished recovery for cache nodes 0001"),
            ],
        )
        self.create("fo-noaf", NumCacheClusters=2)
        self.assertEqual(err(self.ec.test_failover, ReplicationGroupId="fo-noaf", NodeGroupId="0001")[:2], ("InvalidParameterCombination", 400))

    # ---- DescribeEvents --------------------------------------------------------------------------
    def test_describe_events(self):
        t0 = datetime.datetime.now(UTC) - datetime.timedelta(seconds=1)
        self.create("ev", NumCacheClusters=2)
        self.wait("ev")
        self.delete_and_wait("ev")
        ev = self.ec.describe_events(SourceIdentifier="ev", SourceType="replication-group")["Events"]
        self.assertEqual([e["Message"] for e in ev], ["Replication group ev deleted", "Replication group ev created"])
        self.assertTrue(all(e["SourceType"] == "replication-group" for e in ev))
        ev = self.ec.describe_events(SourceIdentifier="ev-002", SourceType="cache-cluster", Duration=10)["Events"]
        self.assertEqual([e["Message"] for e in ev], ["Cache cluster deleted", "Cache cluster created", "Added cache node 0001 in availability zone us-east-2b"])
        self.assertTrue(ev[0]["Date"] >= ev[1]["Date"] >= t0)
        self.assertEqual(self.ec.describe_events(StartTime=datetime.datetime.now(UTC) + datetime.timedelta(minutes=5))["Events"], [])
        self.assertEqual(self.ec.describe_events(EndTime=t0 - datetime.timedelta(minutes=1))["Events"], [])
        # pagination
        for i in range(5):
            self.create("evp%d" % i, NumCacheClusters=2)
        pages = list(self.ec.get_paginator("describe_events").paginate(SourceType="cache-cluster", StartTime=t0, PaginationConfig={"PageSize": 20}))
        self.assertGreater(len(pages), 1)
        allev = [e for p in pages for e in p["Events"]]
        self.assertGreaterEqual(len(allev), 30)
        self.assertEqual(len(pages[0]["Events"]), 20)
        self.assertEqual(err(self.ec.describe_events, SourceType="nope")[:2], ("InvalidParameterValue", 400))
        self.assertEqual(err(self.ec.describe_events, MaxRecords=10)[:2], ("InvalidParameterValue", 400))

    # ---- pagination --------------------------------------------------------------------------------
    def test_pagination(self):
        for i in range(23):
            self.create("pg-%02d" % i, NumCacheClusters=1)
        r = self.ec.describe_replication_groups(MaxRecords=20)
        self.assertEqual(len(r["ReplicationGroups"]), 20)
        self.assertIn("Marker", r)
        r2 = self.ec.describe_replication_groups(MaxRecords=20, Marker=r["Marker"])
        ids = [g["ReplicationGroupId"] for g in r["ReplicationGroups"] + r2["ReplicationGroups"]]
        self.assertEqual(len(ids), len(set(ids)))
        total = [g["ReplicationGroupId"] for p in self.ec.get_paginator("describe_replication_groups").paginate(PaginationConfig={"PageSize": 20}) for g in p["ReplicationGroups"]]
        self.assertEqual(sorted(total), total)
        self.assertTrue({"pg-%02d" % i for i in range(23)} <= set(total))
        cc = [c["CacheClusterId"] for p in self.ec.get_paginator("describe_cache_clusters").paginate(PaginationConfig={"PageSize": 20}) for c in p["CacheClusters"]]
        self.assertTrue({"pg-%02d-001" % i for i in range(23)} <= set(cc))
        self.assertEqual(err(self.ec.describe_replication_groups, MaxRecords=5)[:2], ("InvalidParameterValue", 400))
        self.assertEqual(err(self.ec.describe_replication_groups, Marker="garbage")[:2], ("InvalidParameterValue", 400))

    # ---- parameter and subnet groups ------------------------------------------------------------------
    def test_parameter_groups(self):
        pgs = {p["CacheParameterGroupName"]: p for p in self.ec.describe_cache_parameter_groups()["CacheParameterGroups"]}
        for name, fam in (
            ("default.redis7", "redis7"),
            ("default.redis7.cluster.on", "redis7"),
            ("default.redis6.x", "redis6.x"),
            ("default.redis6.x.cluster.on", "redis6.x"),
            ("default.valkey7", "valkey7"),
            ("default.valkey8.cluster.on", "valkey8"),
        ):
            self.assertEqual(pgs[name]["CacheParameterGroupFamily"], fam)
            self.assertFalse(pgs[name]["IsGlobal"])
            self.assertTrue(pgs[name]["ARN"].endswith(":parametergroup:" + name))
        one = self.ec.describe_cache_parameter_groups(CacheParameterGroupName="default.redis7.cluster.on")["CacheParameterGroups"]
        self.assertEqual(len(one), 1)
        self.assertEqual(err(self.ec.describe_cache_parameter_groups, CacheParameterGroupName="nope")[:2], ("CacheParameterGroupNotFound", 404))
        # a custom group with cluster-enabled=yes drives cluster mode
        self.ec.create_cache_parameter_group(CacheParameterGroupName="my-cluster", CacheParameterGroupFamily="redis7", Description="mine")
        self.ec.modify_cache_parameter_group(CacheParameterGroupName="my-cluster", ParameterNameValues=[{"ParameterName": "cluster-enabled", "ParameterValue": "yes"}])
        self.create("custom-pg", CacheParameterGroupName="my-cluster", NumNodeGroups=1, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
        self.assertEqual(self.describe("custom-pg")["MemberClusters"], ["custom-pg-0001-001", "custom-pg-0001-002"])

    def test_describe_cache_parameters(self):
        r = self.ec.describe_cache_parameters(CacheParameterGroupName="default.redis7.cluster.on")
        params = {p["ParameterName"]: p for p in r["Parameters"]}
        self.assertEqual(params["cluster-enabled"]["ParameterValue"], "yes")
        self.assertEqual(params["slowlog-log-slower-than"]["ParameterValue"], "10000")
        self.assertEqual(params["maxmemory-policy"]["Source"], "system")
        self.assertFalse(params["cluster-enabled"]["IsModifiable"])
        mm = r["CacheNodeTypeSpecificParameters"][0]
        self.assertEqual(mm["ParameterName"], "maxmemory")
        self.assertIn({"CacheNodeType": "cache.t2.small", "Value": "1665138688"}, mm["CacheNodeTypeSpecificValues"])
        off = {p["ParameterName"]: p for p in self.ec.describe_cache_parameters(CacheParameterGroupName="default.redis7")["Parameters"]}
        self.assertEqual(off["cluster-enabled"]["ParameterValue"], "no")
        self.ec.create_cache_parameter_group(CacheParameterGroupName="tuned", CacheParameterGroupFamily="redis7", Description="t")
        self.ec.modify_cache_parameter_group(CacheParameterGroupName="tuned", ParameterNameValues=[{"ParameterName": "slowlog-log-slower-than", "ParameterValue": "5000"}])
        user = self.ec.describe_cache_parameters(CacheParameterGroupName="tuned", Source="user")["Parameters"]
        self.assertEqual([(p["ParameterName"], p["ParameterValue"], p["Source"]) for p in user], [("slowlog-log-slower-than", "5000", "user")])
        self.assertEqual(err(self.ec.modify_cache_parameter_group, CacheParameterGroupName="tuned", ParameterNameValues=[{"ParameterName": "no-such", "ParameterValue": "1"}])[:2], ("InvalidParameterValue", 400))
        self.assertEqual(err(self.ec.modify_cache_parameter_group, CacheParameterGroupName="default.redis7", ParameterNameValues=[{"ParameterName": "timeout", "ParameterValue": "1"}])[:2], ("InvalidCacheParameterGroupState", 400))
        self.assertEqual(err(self.ec.describe_cache_parameters, CacheParameterGroupName="nope")[:2], ("CacheParameterGroupNotFound", 404))

    def test_retain_primary_cluster(self):
        self.create("keep", NumCacheClusters=3)
        self.wait("keep")
        self.ec.delete_replication_group(ReplicationGroupId="keep", RetainPrimaryCluster=True)
        self.sb.wait_for_group("keep", status=None, timeout=30)
        ids = [c["CacheClusterId"] for c in self.ec.describe_cache_clusters(ShowCacheClustersNotInReplicationGroups=True)["CacheClusters"]]
        self.assertIn("keep-001", ids)
        self.assertNotIn("keep-002", ids)
        c = self.ec.describe_cache_clusters(CacheClusterId="keep-001", ShowCacheNodeInfo=True)["CacheClusters"][0]
        self.assertNotIn("ReplicationGroupId", c)
        self.assertEqual(c["CacheClusterStatus"], "available")
        self.assertEqual(err(self.ec.describe_cache_clusters, CacheClusterId="keep-002")[:2], ("CacheClusterNotFound", 404))
        r = self.ec.delete_cache_cluster(CacheClusterId="keep-001")["CacheCluster"]
        self.assertEqual(r["CacheClusterStatus"], "deleting")
        wait_for(lambda: "keep-001" not in [c["CacheClusterId"] for c in self.ec.describe_cache_clusters()["CacheClusters"]], timeout=10, what="stand-alone cluster deleted")
        self.create("keep-cm", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
        self.assertEqual(err(self.ec.delete_replication_group, ReplicationGroupId="keep-cm", RetainPrimaryCluster=True)[:2], ("InvalidParameterCombination", 400))

    def test_ec2_dependencies_on_cache_resources(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        sn = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone="us-east-2a")["Subnet"]["SubnetId"]
        sg = self.ec2.create_security_group(GroupName="dep", Description="dep", VpcId=vpc)["GroupId"]
        self.ec.create_cache_subnet_group(CacheSubnetGroupName="dep", CacheSubnetGroupDescription="dep", SubnetIds=[sn])
        self.create("dep", NumCacheClusters=1, CacheSubnetGroupName="dep", SecurityGroupIds=[sg])
        self.assertEqual(err(self.ec2.delete_subnet, SubnetId=sn)[:2], ("DependencyViolation", 400))
        self.assertEqual(err(self.ec2.delete_security_group, GroupId=sg)[:2], ("DependencyViolation", 400))
        self.assertEqual(err(self.ec2.delete_vpc, VpcId=vpc)[:2], ("DependencyViolation", 400))
        self.delete_and_wait("dep")
        self.ec2.delete_security_group(GroupId=sg)
        self.assertEqual(err(self.ec2.delete_subnet, SubnetId=sn)[:2], ("DependencyViolation", 400))
        self.ec.delete_cache_subnet_group(CacheSubnetGroupName="dep")
        self.ec2.delete_subnet(SubnetId=sn)
        self.ec2.delete_vpc(VpcId=vpc)

    def test_subnet_groups(self):
        r = self.ec.describe_cache_subnet_groups(CacheSubnetGroupName="THREE")["CacheSubnetGroups"][0]
        self.assertEqual(r["CacheSubnetGroupName"], "three")
        self.assertEqual(r["VpcId"], self.vpc)
        self.assertEqual(sorted(s["SubnetAvailabilityZone"]["Name"] for s in r["Subnets"]), ["us-east-2a", "us-east-2b", "us-east-2c"])
        self.assertTrue(r["ARN"].endswith(":subnetgroup:three"))
        names = [g["CacheSubnetGroupName"] for g in self.ec.describe_cache_subnet_groups()["CacheSubnetGroups"]]
        self.assertIn("default", names)
        self.assertEqual(err(self.ec.create_cache_subnet_group, CacheSubnetGroupName="three", CacheSubnetGroupDescription="x", SubnetIds=[self.subnets["us-east-2a"]])[:2], ("CacheSubnetGroupAlreadyExists", 400))
        self.assertEqual(err(self.ec.create_cache_subnet_group, CacheSubnetGroupName="bad", CacheSubnetGroupDescription="x", SubnetIds=["subnet-00000000000000000"])[:2], ("InvalidSubnet", 400))
        self.assertEqual(err(self.ec.describe_cache_subnet_groups, CacheSubnetGroupName="nope")[:2], ("CacheSubnetGroupNotFoundFault", 400))
        self.ec.create_cache_subnet_group(CacheSubnetGroupName="tmp", CacheSubnetGroupDescription="x", SubnetIds=[self.subnets["us-east-2a"]])
        self.create("uses-tmp", NumCacheClusters=1, CacheSubnetGroupName="tmp")
        self.assertEqual(err(self.ec.delete_cache_subnet_group, CacheSubnetGroupName="tmp")[:2], ("CacheSubnetGroupInUse", 400))
        self.delete_and_wait("uses-tmp")
        self.ec.delete_cache_subnet_group(CacheSubnetGroupName="tmp")

    # ---- tags -------------------------------------------------------------------------------------------
    def test_tags(self):
        g = self.create("tg", NumCacheClusters=2, Tags=[{"Key": "a", "Value": "1"}])
        self.wait("tg")
        arn = g["ARN"]
        r = self.ec.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "one"}])
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in r["TagList"]), [("a", "one"), ("b", "2")])
        tags = self.ec.list_tags_for_resource(ResourceName=arn)["TagList"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("a", "one"), ("b", "2")])
        carn = arn.replace(":replicationgroup:tg", ":cluster:tg-002")
        tags = self.ec.list_tags_for_resource(ResourceName=carn)["TagList"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("a", "one"), ("b", "2")])
        self.ec.remove_tags_from_resource(ResourceName=arn, TagKeys=["b"])
        self.assertEqual([t["Key"] for t in self.ec.list_tags_for_resource(ResourceName=arn)["TagList"]], ["a"])
        self.assertEqual(err(self.ec.list_tags_for_resource, ResourceName="not-an-arn")[:2], ("InvalidARN", 400))
        self.assertEqual(err(self.ec.list_tags_for_resource, ResourceName=arn.replace(":tg", ":nope"))[:2], ("ReplicationGroupNotFoundFault", 404))
        self.assertEqual(
            err(self.ec.add_tags_to_resource, ResourceName=arn, Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(50)])[:2],
            ("TagQuotaPerResourceExceeded", 400),
        )
        sg_arn = self.ec.describe_cache_subnet_groups(CacheSubnetGroupName="two")["CacheSubnetGroups"][0]["ARN"]
        self.ec.add_tags_to_resource(ResourceName=sg_arn, Tags=[{"Key": "net", "Value": "x"}])
        self.assertEqual(self.ec.list_tags_for_resource(ResourceName=sg_arn)["TagList"], [{"Key": "net", "Value": "x"}])


if __name__ == "__main__":
    unittest.main()
