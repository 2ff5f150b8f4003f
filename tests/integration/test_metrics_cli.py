"""`elcui metrics` (and the roles `show` takes from IsMaster) against the
sandbox with real Redis behind its groups: the sandbox samples every node
with INFO and publishes ElastiCache's node metrics into moto's CloudWatch,
so the series elcui prints per node can be checked against boto3's
GetMetricData on the same sandbox.

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_metrics_cli.py
"""

import datetime
import os
import sys
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, TOP)

from tests.integration import harness  # noqa: E402

DEFAULT = [
    "CPUUtilization",
    "EngineCPUUtilization",
    "DatabaseMemoryUsagePercentage",
    "CurrConnections",
    "ReplicationLag",
    "CacheHits",
    "CacheMisses",
    "NetworkBytesIn",
    "NetworkBytesOut",
    "IsMaster",
]


def iso(dt):
    dt = dt.astimezone(datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


@harness.needs_binary
class MetricsCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=True)
        try:
            cls.ec = harness.setup_client(cls.sb, "elasticache")
            cls.cw = harness.setup_client(cls.sb, "cloudwatch")
            cls.ec.create_replication_group(
                ReplicationGroupId="mx",
                ReplicationGroupDescription="metrics, cluster mode off",
                NumCacheClusters=2,
                AutomaticFailoverEnabled=True,
            )
            cls.ec.create_replication_group(
                ReplicationGroupId="mxc",
                ReplicationGroupDescription="metrics, cluster mode on",
                NumNodeGroups=2,
                ReplicasPerNodeGroup=1,
                AutomaticFailoverEnabled=True,
            )
            for g in ("mx", "mxc"):
                cls.sb.wait_for_group(g, timeout=120)
            # until every node has published IsMaster and CPU at least once
            nodes = ["mx-001", "mx-002", "mxc-0001-001", "mxc-0001-002", "mxc-0002-001", "mxc-0002-002"]
            deadline = time.monotonic() + 60
            while True:
                have = [n for n in nodes if cls.values(n, "IsMaster") and cls.values(n, "CPUUtilization")]
                if len(have) == len(nodes):
                    break
                if time.monotonic() > deadline:
                    raise AssertionError("no metrics from the sandbox for %s" % sorted(set(nodes) - set(have)))
                time.sleep(0.2)
        except BaseException:
            cls.sb.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    @classmethod
    def series(cls, node, metric, stat="Average", period=60, minutes=60):
        now = datetime.datetime.now(datetime.timezone.utc)
        # whole periods, as elcui asks
        epoch = int(now.timestamp())
        start = datetime.datetime.fromtimestamp((epoch - minutes * 60) // period * period, datetime.timezone.utc)
        end = datetime.datetime.fromtimestamp(-(-epoch // period) * period, datetime.timezone.utc)
        r = cls.cw.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "q",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/ElastiCache",
                            "MetricName": metric,
                            "Dimensions": [{"Name": "CacheClusterId", "Value": node}, {"Name": "CacheNodeId", "Value": "0001"}],
                        },
                        "Period": period,
                        "Stat": stat,
                    },
                }
            ],
            StartTime=start,
            EndTime=end,
            ScanBy="TimestampAscending",
        )["MetricDataResults"][0]
        return [iso(t) for t in r["Timestamps"]], r["Values"]

    @classmethod
    def values(cls, node, metric):
        return cls.series(node, metric)[1]

    def elcui(self, *args, rc=0):
        r = harness.run(self.sb.env, *args)
        self.assertEqual(r.rc, rc, r)
        return r

    def test_metrics_json_per_node(self):
        j = self.elcui("metrics", "mx", "--json").json()
        self.assertEqual(j["replicationGroupId"], "mx")
        self.assertEqual(j["period"], 60)
        self.assertTrue(j["start"] < j["end"])
        nodes = {n["cacheClusterId"]: n for n in j["nodes"]}
        self.assertEqual(sorted(nodes), ["mx-001", "mx-002"])
        roles = {}
        for cc, n in nodes.items():
            self.assertEqual(n["cacheNodeId"], "0001")
            self.assertEqual(n["nodeGroupId"], "0001")
            self.assertRegex(n["availabilityZone"], r"^us-east-2[abc]$")
            self.assertEqual(list(n["metrics"]), DEFAULT)
            for name, s in n["metrics"].items():
                self.assertEqual(s["period"], 60)
                self.assertEqual(len(s["timestamps"]), len(s["values"]))
                self.assertEqual(s["timestamps"], sorted(s["timestamps"]))
            self.assertEqual(n["metrics"]["CPUUtilization"]["stat"], "Average")
            self.assertEqual(n["metrics"]["CPUUtilization"]["unit"], "Percent")
            self.assertEqual(n["metrics"]["CurrConnections"]["stat"], "Maximum")
            self.assertEqual(n["metrics"]["CacheHits"]["stat"], "Sum")
            self.assertGreaterEqual(len(n["metrics"]["CPUUtilization"]["values"]), 1)
            # IsMaster is a steady 1 or 0: exactly what boto3 reads
            ts, vals = self.series(cc, "IsMaster")
            self.assertEqual(n["metrics"]["IsMaster"]["values"], vals)
            self.assertEqual(n["metrics"]["IsMaster"]["timestamps"], ts)
            roles[cc] = n["role"]
            self.assertEqual(vals[-1], 1.0 if n["role"] == "primary" else 0.0)
            # the minutes elcui reports are the minutes CloudWatch has
            ts, _ = self.series(cc, "CPUUtilization")
            got = n["metrics"]["CPUUtilization"]["timestamps"]
            self.assertTrue(set(got) <= set(ts) or set(ts) <= set(got), (got, ts))
        self.assertEqual(sorted(roles.values()), ["primary", "replica"])
        # ReplicationLag: published by the replica only
        for cc, n in nodes.items():
            lag = n["metrics"]["ReplicationLag"]["values"]
            if roles[cc] == "primary":
                self.assertEqual(lag, [])
            else:
                self.assertGreaterEqual(len(lag), 1)

    def test_metrics_options(self):
        j = self.elcui("metrics", "mx", "--json", "--metric", "CacheHits", "--metric", "NetworkBytesIn", "--stat", "Sum", "--period", "120", "--node", "mx-002").json()
        self.assertEqual(j["period"], 120)
        self.assertEqual([n["cacheClusterId"] for n in j["nodes"]], ["mx-002"])
        m = j["nodes"][0]["metrics"]
        self.assertEqual(list(m), ["CacheHits", "NetworkBytesIn"])
        self.assertEqual(m["CacheHits"]["stat"], "Sum")
        self.assertEqual(m["NetworkBytesIn"]["unit"], "Bytes")
        self.assertEqual(m["CacheHits"]["period"], 120)
        # a metric outside elcui's table is asked for as is
        j = self.elcui("metrics", "mx", "--json", "--metric", "CurrItems", "--since", "30m").json()
        self.assertEqual(j["nodes"][0]["metrics"]["CurrItems"]["stat"], "Average")

    def test_metrics_text(self):
        r = self.elcui("metrics", "mx", "--metric", "CPUUtilization", "--metric", "IsMaster")
        self.assertRegex(r.out, r"Metrics of mx from \S+ to \S+, 60 s per point")
        self.assertIn("CPUUtilization (Average, Percent)", r.out)
        self.assertIn("IsMaster (Average, Count)", r.out)
        self.assertRegex(r.out, r"\| mx-001 +\| 0001 +\| (primary|replica) +\| us-east-2[abc] +\|")
        self.assertRegex(r.out, r"\| mx-00\d +\| 0001 +\| primary .*\|\s+1 \|\s+1 \|\s+1 \|\s+1 \|\s+\d+ \|")

    def test_show_roles_from_is_master(self):
        # Redis answers here, so show's roles are Redis's ...
        j = self.elcui("show", "mxc", "--json").json()
        self.assertEqual({n["roleSource"] for ng in j["nodeGroups"] for n in ng["nodes"]}, {"redis"})
        # ... and without it they come from the IsMaster metric
        j = self.elcui("show", "mxc", "--json", "--no-redis").json()
        self.assertEqual(j["redis"]["status"], "skipped")
        self.assertTrue(j["clusterEnabled"])
        seen = 0
        for ng in j["nodeGroups"]:
            for n in ng["nodes"]:
                self.assertEqual(n["roleSource"], "metric")
                want = "primary" if self.values(n["cacheClusterId"], "IsMaster")[-1] >= 0.5 else "replica"
                self.assertEqual(n["role"], want)
                seen += 1
        self.assertEqual(seen, 4)
        self.assertTrue(j["placement"]["rolesKnown"])
        self.assertNotIn("roles-unknown", [f["id"] for f in j["placement"]["flags"]])
        r = self.elcui("show", "mxc", "--no-redis")
        self.assertNotIn("? role assumed", r.out)
        self.assertRegex(r.out, r"\| replica +\| metric \d+[sm] ")


if __name__ == "__main__":
    unittest.main()
