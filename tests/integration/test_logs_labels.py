"""Log records are labelled from the group's model: in cluster mode the API
gives no roles, so they come from the IsMaster metric; AZs from the nodes."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

RG = "lbl-1"


@harness.needs_binary
class ClusterModeLabels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=True)
        logs = harness.setup_client(cls.sb, "logs")
        logs.create_log_group(logGroupName="/lbl/engine")
        ec = harness.setup_client(cls.sb, "elasticache")
        ec.create_replication_group(
            ReplicationGroupId=RG, ReplicationGroupDescription="labels",
            CacheNodeType="cache.t3.micro", Engine="redis",
            CacheParameterGroupName="default.redis7.cluster.on",
            NumNodeGroups=2, ReplicasPerNodeGroup=1,
            AutomaticFailoverEnabled=True, TransitEncryptionEnabled=True,
            AuthToken="labels-token-%d-abcdefgh" % os.getpid(),
            LogDeliveryConfigurations=[{
                "LogType": "engine-log", "DestinationType": "cloudwatch-logs",
                "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/lbl/engine"}},
                "LogFormat": "json"}])
        cls.sb.wait_for_group(RG, timeout=90)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def wait_records(self, deadline_s=60):
        deadline = time.monotonic() + deadline_s
        while True:
            r = harness.run(self.sb.env, "logs", RG, "--engine", "--since", "15m", "--json")
            self.assertEqual(r.rc, 0, r.err)
            recs = [json.loads(l) for l in r.out.splitlines() if l.strip()]
            nodes = {x.get("cacheClusterId") for x in recs}
            roles = {x.get("role") for x in recs}
            if len(nodes) >= 4 and roles <= {"primary", "replica"}:
                return recs
            if time.monotonic() > deadline:
                self.fail("engine-log records of every node with roles never came: %s"
                          % sorted((x.get("cacheClusterId"), x.get("role")) for x in recs)[:20])
            time.sleep(0.5)

    def test_roles_and_azs_label_every_record(self):
        recs = self.wait_records()
        for x in recs:
            self.assertIn(x["role"], ("primary", "replica"), x)
            self.assertTrue(x.get("az", "").startswith("us-east-2"), x)
            self.assertIn(x["shard"], ("0001", "0002"), x)
        # each shard has exactly one primary and one replica among the labels
        by = {}
        for x in recs:
            by.setdefault(x["shard"], {})[x["cacheClusterId"]] = x["role"]
        for shard, members in by.items():
            self.assertEqual(sorted(members.values()), ["primary", "replica"], (shard, members))
        # --role filters on those labels
        r = harness.run(self.sb.env, "logs", RG, "--engine", "--since", "15m", "--json",
                        "--role", "primary")
        self.assertEqual(r.rc, 0, r.err)
        got = [json.loads(l) for l in r.out.splitlines() if l.strip()]
        self.assertTrue(got)
        self.assertEqual({x["role"] for x in got}, {"primary"})


if __name__ == "__main__":
    unittest.main()
