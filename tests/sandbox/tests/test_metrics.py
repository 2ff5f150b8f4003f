"""Metrics: ElastiCache node metrics from INFO, read back with boto3
GetMetricData against a moto server."""

import datetime
import logging
import os
import secrets
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from sandbox import farm as farm_mod  # noqa: E402
from sandbox import resp  # noqa: E402
from sandbox.metrics import METRICS, Metrics  # noqa: E402

ACCOUNT = "123456789012"
REGION = "eu-west-3"


def wait_for(pred, timeout=15.0, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(step)


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        cls.tmp = tempfile.TemporaryDirectory(prefix="mxtest-")
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.cw = boto3.client(
            "cloudwatch",
            endpoint_url="http://%s:%d" % (host, port),
            region_name=REGION,
            aws_access_key_id="AKIDTEST",
            aws_secret_access_key="secret",
        )
        cls.token = secrets.token_urlsafe(20)
        cls.farm = farm_mod.Farm(cls.tmp.name)
        cls.farm.create_group(
            "mx", shards=1, replicas=1, cluster_mode=False, tls=True, auth_token=cls.token,
            maxmemory=64 * 1024 * 1024,
        )
        cls.nodes = [
            dict(cache_cluster_id="mx-%03d" % (m + 1), cache_node_id="0001", shard_index=0, member_index=m)
            for m in range(2)
        ]
        cls.mx = Metrics(cls.farm, ACCOUNT, REGION, period=0.2, resolution=60)
        cls.mx.register_group("mx", cls.nodes)

    @classmethod
    def tearDownClass(cls):
        cls.mx.stop()
        cls.farm.stop_all()
        cls.server.stop()
        cls.tmp.cleanup()

    def query(self, metric, cluster_id, stat="Sum", node_level=True, period=60, window=600):
        now = datetime.datetime.now(datetime.timezone.utc)
        start = (now - datetime.timedelta(seconds=window)).replace(second=0, microsecond=0)
        dims = [{"Name": "CacheClusterId", "Value": cluster_id}]
        if node_level:
            dims.append({"Name": "CacheNodeId", "Value": "0001"})
        r = self.cw.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "q",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/ElastiCache", "MetricName": metric, "Dimensions": dims},
                        "Period": period,
                        "Stat": stat,
                    },
                }
            ],
            StartTime=start,
            EndTime=now + datetime.timedelta(minutes=2),
            ScanBy="TimestampAscending",
        )
        res = r["MetricDataResults"][0]
        self.assertEqual(res["StatusCode"], "Complete")
        return res["Values"]

    def total(self, metric, cluster_id):
        # one period covering the whole window: robust to minute boundaries
        return sum(self.query(metric, cluster_id, "Sum", period=3600, window=1200))

    def test_1_series_per_node(self):
        self.mx.sample_once()
        self.mx.sample_once()
        listed = self.cw.list_metrics(Namespace="AWS/ElastiCache")["Metrics"]
        dimsets = {
            tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))
            for m in listed
            if m["MetricName"] == "CPUUtilization"
        }
        for n in ("mx-001", "mx-002"):
            self.assertIn((("CacheClusterId", n), ("CacheNodeId", "0001")), dimsets)
            self.assertIn((("CacheClusterId", n),), dimsets)
        names = {m["MetricName"] for m in listed}
        for name in ("CPUUtilization", "EngineCPUUtilization", "DatabaseMemoryUsagePercentage",
                     "CurrConnections", "ReplicationLag", "CacheHits", "CacheMisses",
                     "NetworkBytesIn", "NetworkBytesOut", "IsMaster"):
            self.assertIn(name, names)
            self.assertIn(name, METRICS)
        # IsMaster per node, ReplicationLag only on the replica
        # (one datapoint per minute: two if the test straddles a minute)
        self.assertEqual(set(self.query("IsMaster", "mx-001", "Maximum")), {1.0})
        self.assertEqual(set(self.query("IsMaster", "mx-002", "Maximum")), {0.0})
        self.assertEqual(self.query("ReplicationLag", "mx-001", "Maximum"), [])
        lag = self.query("ReplicationLag", "mx-002", "Maximum")
        self.assertIn(len(lag), (1, 2))
        for v in lag:
            self.assertGreaterEqual(v, 0.0)
            self.assertLess(v, 5.0)
        # percentages are percentages; memory matches INFO
        for m in ("CPUUtilization", "EngineCPUUtilization"):
            for v in self.query(m, "mx-001", "Maximum"):
                self.assertGreaterEqual(v, 0.0)
                self.assertLessEqual(v, 100.0)
        info = resp.parse_info(self.farm.command("mx", 0, 0, "INFO", "memory"))
        mem = self.query("DatabaseMemoryUsagePercentage", "mx-001", "Average")[-1]
        self.assertAlmostEqual(mem, 100.0 * info["used_memory"] / (64 * 1024 * 1024), delta=1.0)
        self.assertGreater(mem, 0.0)
        conns = self.query("CurrConnections", "mx-001", "Maximum")[-1]
        self.assertGreaterEqual(conns, 1.0)
        # the same node through the CacheClusterId-only dimension set
        self.assertEqual(set(self.query("IsMaster", "mx-001", "Maximum", node_level=False)), {1.0})

    def test_2_hits_misses_network(self):
        self.mx.sample_once()
        hits0 = self.total("CacheHits", "mx-001")
        miss0 = self.total("CacheMisses", "mx-001")
        in0 = self.total("NetworkBytesIn", "mx-001")
        for i in range(20):
            self.farm.command("mx", 0, 0, "SET", "key-%d" % i, "x" * 1000)
        for i in range(20):
            self.assertEqual(len(self.farm.command("mx", 0, 0, "GET", "key-%d" % i)), 1000)
        for i in range(7):
            self.assertIsNone(self.farm.command("mx", 0, 0, "GET", "missing-%d" % i))
        self.mx.sample_once()
        self.assertEqual(self.total("CacheHits", "mx-001") - hits0, 20)
        self.assertEqual(self.total("CacheMisses", "mx-001") - miss0, 7)
        self.assertGreaterEqual(self.total("NetworkBytesIn", "mx-001") - in0, 20 * 1000)
        self.assertGreater(self.total("NetworkBytesOut", "mx-001"), 0)
        # the replica served none of those lookups
        self.assertEqual(self.total("CacheHits", "mx-002"), 0)
        # ReplicationBytes: the primary shipped the writes to its replica
        self.assertGreaterEqual(self.total("ReplicationBytes", "mx-001"), 20 * 1000)

    def test_3_thread_and_failover(self):
        self.mx.start()
        n0 = self.mx.samples
        wait_for(lambda: self.mx.samples >= n0 + 3, 10, what="background samples")
        self.farm.failover("mx", 0, 1)
        n1 = self.mx.samples
        wait_for(lambda: self.mx.samples >= n1 + 3, 10, what="samples after failover")
        # the minute's IsMaster datapoint is the mean of its samples: it moved
        # towards 1 for the new primary and towards 0 for the old one
        new = self.query("IsMaster", "mx-002", "Maximum")[-1]
        old = self.query("IsMaster", "mx-001", "Maximum")[-1]
        self.assertGreater(new, 0.0)
        self.assertLess(old, 1.0)
        self.assertEqual(self.mx.errors, [])
        self.mx.stop()

    def test_4_paused_group_stands_still(self):
        """a paused group publishes nothing (the API lags Redis) until resumed"""
        self.assertGreater(self.mx.sample_once(), 0)
        self.mx.pause("mx")
        self.assertEqual(self.mx.sample_once(), 0)
        self.mx.resume("mx")
        self.mx.pause()  # all groups
        self.assertEqual(self.mx.sample_once(), 0)
        self.mx.resume()
        self.assertGreater(self.mx.sample_once(), 0)


if __name__ == "__main__":
    unittest.main()
