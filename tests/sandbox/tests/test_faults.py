"""Faults on demand: each kind per protocol, targeting, counts and rates,
counters, log injection; Redis node faults and log-delivery pause with a
real farm (FaultsRedisTest)."""

import http.client
import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
sys.path.insert(0, SANDBOX)
sys.path.insert(0, HERE)

from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError  # noqa: E402
from botocore.parsers import ResponseParserError  # noqa: E402

from sandbox.sandboxctl import Sandbox, SandboxError  # noqa: E402
from sandbox.testing import wait_for  # noqa: E402

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def code_status(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded")


class FaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=False).start()
        cls.ec = cls.sb.client("elasticache")
        cls.ec2 = cls.sb.client("ec2")
        cls.kms = cls.sb.client("kms")
        cls.sts = cls.sb.client("sts")
        cls.logs = cls.sb.client("logs")
        cls.cw = cls.sb.client("cloudwatch")

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.reset_faults()

    def test_throttling_per_protocol(self):
        self.sb.throttle()
        self.assertEqual(code_status(self.ec.describe_replication_groups), ("Throttling", 400))
        self.assertEqual(code_status(self.sts.get_caller_identity), ("Throttling", 400))
        self.assertEqual(code_status(self.ec2.describe_vpcs), ("RequestLimitExceeded", 503))
        self.assertEqual(code_status(self.kms.list_keys), ("ThrottlingException", 400))
        self.assertEqual(code_status(self.logs.describe_log_groups), ("ThrottlingException", 400))
        self.assertEqual(code_status(self.cw.list_metrics), ("Throttling", 400))

    def test_throttling_retried_by_botocore_standard_mode(self):
        self.sb.throttle(service="elasticache", operation="DescribeReplicationGroups", count=2)
        ec = self.sb.client("elasticache", config=Config(retries={"total_max_attempts": 3, "mode": "standard"}))
        self.sb.reset_counters()
        ec.describe_replication_groups()
        self.assertEqual(self.sb.requests_seen("elasticache", "DescribeReplicationGroups"), 3)
        c = self.sb.counters()
        self.assertEqual(c["faults"]["kinds"]["throttle"], 2)

    def test_targeting_by_service_and_operation(self):
        self.sb.throttle(service="elasticache", operation="DescribeReplicationGroups")
        self.assertEqual(code_status(self.ec.describe_replication_groups)[0], "Throttling")
        self.ec.describe_cache_clusters()
        self.kms.list_keys()
        self.sb.reset_faults()
        self.sb.throttle(service="cloudwatch")  # alias of monitoring
        self.assertEqual(code_status(self.cw.list_metrics)[0], "Throttling")
        self.ec.describe_replication_groups()

    def test_count_and_rate(self):
        rule = self.sb.throttle(service="kms", count=2)
        self.assertEqual(rule["count"], 2)
        self.assertEqual(code_status(self.kms.list_keys)[0], "ThrottlingException")
        self.assertEqual(code_status(self.kms.list_keys)[0], "ThrottlingException")
        self.kms.list_keys()
        self.assertEqual(self.sb.faults(), [])
        self.sb.throttle(service="sts", rate=0.5)
        throttled = 0
        for _ in range(80):
            try:
                self.sts.get_caller_identity()
            except ClientError:
                throttled += 1
        self.assertTrue(10 <= throttled <= 70, throttled)
        self.sb.reset_faults()
        self.sb.throttle(service="sts", rate=0.0)
        for _ in range(10):
            self.sts.get_caller_identity()

    def test_server_errors(self):
        self.sb.server_error(status=500, count=4)
        self.assertEqual(code_status(self.ec.describe_replication_groups), ("InternalFailure", 500))
        self.assertEqual(code_status(self.ec2.describe_vpcs), ("InternalError", 500))
        self.assertEqual(code_status(self.kms.list_keys), ("InternalFailure", 500))
        self.assertEqual(code_status(self.cw.list_metrics), ("InternalFailure", 500))
        self.sb.server_error(status=503)
        self.assertEqual(code_status(self.ec.describe_replication_groups), ("ServiceUnavailable", 503))
        self.assertEqual(code_status(self.ec2.describe_vpcs), ("Unavailable", 503))
        self.assertEqual(code_status(self.logs.describe_log_groups), ("ServiceUnavailableException", 503))
        self.assertEqual(code_status(self.kms.list_keys), ("ServiceUnavailable", 503))
        with self.assertRaises(SandboxError) as cm:
            self.sb.server_error(status=404)
        self.assertEqual(cm.exception.status, 400)

    def test_latency(self):
        self.sb.latency(0.6, service="sts", count=1)
        t = time.monotonic()
        self.sts.get_caller_identity()
        self.assertGreaterEqual(time.monotonic() - t, 0.6)
        t = time.monotonic()
        self.sts.get_caller_identity()
        self.assertLess(time.monotonic() - t, 0.6)
        # latency combines with an answer-changing fault
        self.sb.latency(0.3, service="kms", count=1)
        self.sb.throttle(service="kms", count=1)
        t = time.monotonic()
        self.assertEqual(code_status(self.kms.list_keys)[0], "ThrottlingException")
        self.assertGreaterEqual(time.monotonic() - t, 0.3)

    def test_request_timeline(self):
        """each AWS request with when it arrived and when its answer went back"""
        self.sb.reset_counters()
        self.sb.latency(0.3, service="kms")
        clients = [self.sb.client("kms"), self.sb.client("kms")]
        th = [threading.Thread(target=c.list_keys) for c in clients]
        for t in th:
            t.start()
        for t in th:
            t.join(30)
        self.sb.reset_faults()
        self.sts.get_caller_identity()
        self.sb.status()  # control calls are not in it
        t = self.sb.request_timeline()
        self.assertEqual([(r["service"], r["operation"]) for r in t["requests"]],
                         [("kms", "ListKeys"), ("kms", "ListKeys"), ("sts", "GetCallerIdentity")])
        a, b, c = t["requests"]
        for r in (a, b):
            self.assertGreaterEqual(r["end"] - r["start"], 0.3)
        self.assertLess(max(a["start"], b["start"]), min(a["end"], b["end"]), "the two delayed calls overlapped")
        self.assertGreaterEqual(c["start"], max(a["end"], b["end"]))
        self.assertEqual((t["max_in_flight"], t["in_flight"]), (2, 0))
        self.sb.reset_counters()
        self.assertEqual(self.sb.request_timeline(), {"requests": [], "max_in_flight": 0, "in_flight": 0})

    def _raw(self, body, headers):
        u = urllib.parse.urlsplit(self.sb.endpoint)
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        req = "POST / HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n" % (u.hostname, u.port, len(body))
        req += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        s.sendall(req.encode() + body)
        return s

    def test_connection_reset(self):
        self.sb.reset_connection(service="elasticache", count=1)
        with self.assertRaises((ConnectionClosedError, EndpointConnectionError)):
            self.ec.describe_replication_groups()
        self.ec.describe_replication_groups()
        # at the socket level: no byte of answer, then RST (or a close)
        self.sb.reset_connection(service="sts", count=1)
        s = self._raw(b"Action=GetCallerIdentity&Version=2011-06-15", {"Content-Type": "application/x-www-form-urlencoded", "Authorization": "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0"})
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        s.close()
        self.assertEqual(data, b"")

    def test_truncated_body(self):
        self.sb.truncate(service="sts", count=1)
        u = urllib.parse.urlsplit(self.sb.endpoint)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15", headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0"})
        r = conn.getresponse()
        announced = int(r.getheader("Content-Length"))
        with self.assertRaises(http.client.IncompleteRead) as cm:
            r.read()
        self.assertLess(len(cm.exception.partial), announced)
        conn.close()
        self.sb.truncate(service="kms", count=1)
        with self.assertRaises(Exception) as cm:
            self.kms.list_keys()
        self.assertNotIsInstance(cm.exception, ClientError)

    def test_malformed_body(self):
        self.sb.malformed(service="elasticache", count=1)
        with self.assertRaises(ResponseParserError):
            self.ec.describe_replication_groups()
        # botocore's JSON parser tolerates a bad success body; check the wire.
        self.sb.malformed(service="kms", count=1)
        u = urllib.parse.urlsplit(self.sb.endpoint)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("POST", "/", body=b"{}", headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/x-amz-json-1.1")
        with self.assertRaises(ValueError):
            json.loads(data)
        self.ec.describe_replication_groups()
        self.kms.list_keys()

    def test_counters_and_no_request_assertion(self):
        self.sb.reset_counters()
        self.assertEqual(self.sb.requests_seen(), 0)
        self.ec.describe_replication_groups()
        self.ec.describe_replication_groups()
        self.kms.list_keys()
        self.sb.throttle(service="sts", count=1)
        code_status(self.sts.get_caller_identity)
        c = self.sb.counters()
        self.assertEqual(c["requests"]["total"], 4)
        self.assertEqual(c["requests"]["services"]["elasticache"], 2)
        self.assertEqual(c["requests"]["operations"]["elasticache:DescribeReplicationGroups"], 2)
        self.assertEqual(c["requests"]["operations"]["kms:ListKeys"], 1)
        self.assertEqual(c["faults"]["kinds"]["throttle"], 1)
        self.assertEqual(self.sb.requests_seen("kms"), 1)
        self.assertEqual(self.sb.requests_seen(operation="GetCallerIdentity"), 1)
        self.sb.status()
        self.sb.faults()
        self.assertEqual(self.sb.requests_seen(), 4, "control calls must not count")
        self.sb.reset_counters()
        self.assertEqual(self.sb.requests_seen(), 0)

    def test_rules_listing_removal_and_validation(self):
        r1 = self.sb.throttle(service="kms")
        r2 = self.sb.latency(0.01)
        ids = [r["id"] for r in self.sb.faults()]
        self.assertEqual(ids, [r1["id"], r2["id"]])
        self.sb.remove_fault(r1["id"])
        self.kms.list_keys()
        with self.assertRaises(SandboxError) as cm:
            self.sb.remove_fault(r1["id"])
        self.assertEqual(cm.exception.status, 404)
        for bad in ({"kind": "nope"}, {"kind": "throttle", "rate": 2}, {"kind": "throttle", "count": 0}, {"kind": "latency"}):
            with self.assertRaises(SandboxError) as cm:
                self.sb.control("POST", "faults", bad)
            self.assertEqual(cm.exception.status, 400)
        self.sb.reset_faults()
        self.assertEqual(self.sb.faults(), [])

    def test_inject_log_lines_with_arbitrary_content(self):
        self.logs.create_log_group(logGroupName="/inject/test")
        stream = "elasticache/redis/x-0001-001/0001/engine-log"
        esc = "\x1b[31mred\x1b[0m \x07 tab\tend"
        self.sb.inject_log("/inject/test", stream, esc, ingestion_delay=0)
        self.sb.inject_log("/inject/test", stream, b"bad \xff\xfe utf8", ingestion_delay=0)
        ts = int(time.time() * 1000) - 5000
        self.sb.inject_log("/inject/test", stream, "late", timestamp_ms=ts, ingestion_delay=1.0)

        def events():
            try:
                return self.logs.get_log_events(logGroupName="/inject/test", logStreamName=stream, startFromHead=True)["events"]
            except ClientError:
                return []

        ev = wait_for(lambda: events() if len(events()) >= 2 else None, timeout=10, what="injected events")
        self.assertEqual(len(ev), 2, "the delayed event must not be visible yet")
        self.assertEqual(ev[0]["message"], esc)
        self.assertEqual(ev[1]["message"].encode("utf-8", "surrogateescape"), b"bad \xff\xfe utf8")
        ev = wait_for(lambda: events() if len(events()) == 3 else None, timeout=10, what="the delayed event")
        late = [e for e in ev if e["message"] == "late"]
        self.assertEqual(late[0]["timestamp"], ts)
        self.assertEqual(ev[0]["message"], "late", "events are ordered by timestamp")
        with self.assertRaises(SandboxError) as cm:
            self.sb.inject_log("/no/such/group", stream, "x")
        self.assertEqual(cm.exception.status, 404)

    def test_redis_faults_need_redis(self):
        with self.assertRaises(SandboxError) as cm:
            self.sb.kill_node(replication_group_id="nope")
        self.assertEqual(cm.exception.status, 409)


class FaultsRedisTest(unittest.TestCase):
    """Node kill/restart/SIGSTOP/SIGCONT and log-delivery pause, on real Redis."""

    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=True, log_delay=(0.05, 0.1)).start()
        ec = cls.sb.client("elasticache")
        logs = cls.sb.client("logs")
        logs.create_log_group(logGroupName="/f/engine")
        ec.create_replication_group(
            ReplicationGroupId="f1",
            ReplicationGroupDescription="faults",
            NumCacheClusters=2,
            AutomaticFailoverEnabled=True,
            LogDeliveryConfigurations=[
                {"LogType": "engine-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/f/engine"}}, "LogFormat": "text"}
            ],
        )
        cls.sb.wait_for_group("f1", timeout=60)
        cls.logs = logs

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def _node(self, cid):
        return [n for n in self.sb.nodes("f1") if n["cache_cluster_id"] == cid][0]

    def _ping(self, where, timeout=1.0):
        from sandbox import resp

        try:
            with resp.Connection(where[0], where[1], timeout=timeout) as c:
                return c.call("PING")
        except (OSError, resp.ProtocolError):
            return None

    def test_stop_cont_kill_restart(self):
        port = self.sb.node_address("f1-002")  # (address, port): where it really listens
        self.assertEqual(self._ping(port), "PONG")
        self.sb.stop_node("f1-002")
        self.assertIsNone(self._ping(port, timeout=0.5))
        self.sb.cont_node("f1-002")
        self.assertEqual(self._ping(port, timeout=5), "PONG")
        self.sb.kill_node(replication_group_id="f1", shard=0, member=1)
        wait_for(lambda: self._ping(port, timeout=0.5) is None, timeout=10, what="killed node to stop answering")
        self.sb.restart_node("f1-002")
        wait_for(lambda: self._ping(port, timeout=1) == "PONG", timeout=30, what="restarted node")
        c = self.sb.counters()["faults"]["kinds"]
        for k in ("redis_stop", "redis_cont", "redis_kill", "redis_restart"):
            self.assertEqual(c.get(k), 1, k)
        # reset SIGCONTs stopped nodes
        self.sb.stop_node("f1-002")
        self.assertEqual(self.sb.reset_faults()["resumed_nodes"], 1)
        self.assertEqual(self._ping(port, timeout=5), "PONG")

    def test_pause_and_resume_log_delivery(self):
        stream = "elasticache/redis/f1-001/0001/engine-log"

        def count():
            try:
                return len(self.logs.get_log_events(logGroupName="/f/engine", logStreamName=stream, startFromHead=True)["events"])
            except ClientError:
                return 0

        wait_for(lambda: count() > 0, timeout=20, what="engine-log events of f1-001")
        self.sb.pause_logs()
        time.sleep(0.3)  # let writes already due land
        before = count()
        self.sb.inject_log("/f/engine", stream, "while paused", ingestion_delay=0)
        time.sleep(1.0)
        self.assertEqual(count(), before)
        self.sb.resume_logs()
        wait_for(lambda: count() > before, timeout=10, what="delivery after resume")
        # per-group pause/resume is accepted too
        self.sb.pause_logs("f1")
        self.sb.resume_logs("f1")


if __name__ == "__main__":
    unittest.main()
