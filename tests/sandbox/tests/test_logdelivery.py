"""Log delivery: ElastiCache slow-log and engine-log records in moto's
CloudWatch Logs, read back through boto3 against a moto server."""

import json
import os
import secrets
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import logging  # noqa: E402

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from sandbox import farm as farm_mod  # noqa: E402
from sandbox import logdelivery  # noqa: E402
from sandbox.logdelivery import LogDelivery  # noqa: E402

ACCOUNT = "123456789012"
REGION = "us-east-2"


def wait_for(pred, timeout=15.0, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(step)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def node_specs(rg, cluster, shards, members):
    out = []
    for s in range(shards):
        for m in range(members):
            ccid = "%s-%04d-%03d" % (rg, s + 1, m + 1) if cluster else "%s-%03d" % (rg, m + 1)
            out.append(dict(cache_cluster_id=ccid, cache_node_id="0001", shard_index=s, member_index=m))
    return out


def all_events(client, group, **kw):
    events, token = [], None
    while True:
        args = dict(logGroupName=group, **kw)
        if token:
            args["nextToken"] = token
        r = client.filter_log_events(**args)
        events += r["events"]
        token = r.get("nextToken")
        if not token:
            return events


def split_text_slowlog(line):
    """aws-wire §18.2 tip: first 4 fields from the left, last 2 from the right."""
    left = line.split(",", 4)
    cluster, node, ts, dur, rest = left
    command, addr, name = rest.rsplit(",", 2)
    return cluster, node, int(ts), int(dur), command, addr, name


class LogDeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        cls.tmp = tempfile.TemporaryDirectory(prefix="ldtest-")
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.logs = boto3.client(
            "logs",
            endpoint_url="http://%s:%d" % (host, port),
            region_name=REGION,
            aws_access_key_id="AKIDTEST",
            aws_secret_access_key="secret",
        )
        cls.token = secrets.token_urlsafe(20)
        cls.farm = farm_mod.Farm(cls.tmp.name)
        # every command is slow: the slow log fills deterministically
        cls.farm.create_group(
            "ld", shards=1, replicas=1, cluster_mode=False, tls=True, auth_token=cls.token, slowlog_us=0
        )
        cls.nodes = node_specs("ld", False, 1, 2)

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop_all()
        cls.server.stop()
        cls.tmp.cleanup()

    def fresh_group(self, kind):
        name = "/aws/elasticache/ld/%s/%s" % (self._testMethodName, kind)
        self.logs.create_log_group(logGroupName=name)
        return name

    def new_delivery(self, configs, **kw):
        kw.setdefault("delay_range", (0.0, 0.0))
        ld = LogDelivery(self.farm, ACCOUNT, REGION, **kw)
        ld.register_group("ld", "redis", self.nodes, configs)
        self.addCleanup(ld.stop)
        return ld

    def slowlog(self, m=0):
        return {e[0]: e for e in self.farm.command("ld", 0, m, "SLOWLOG", "GET", 128)}

    def test_slowlog_json_matches_slowlog_get(self):
        # a named client, a command with arguments, and one with more than
        # Redis' own 32-argument cap
        c = self.farm.connect("ld", 0, 0)
        with c:
            c.call("CLIENT", "SETNAME", "worker-7")
            c.call("SET", "k", "v")
            c.call("RPUSH", "biglist", *range(40))
        SLOW = self.fresh_group("slow-log")
        stream = "elasticache/redis/ld-001/0001/slow-log"
        ld = self.new_delivery([dict(LogType="slow-log", LogFormat="json", LogGroup=SLOW)])
        ld.collect_once()
        entries = self.slowlog(0)
        ld.flush(force=True)
        events = all_events(self.logs, SLOW, logStreamNames=[stream])
        self.assertTrue(events)
        seen = {}
        for ev in events:
            rec = json.loads(ev["message"])
            self.assertEqual(
                list(rec),
                ["CacheClusterId", "CacheNodeId", "Id", "Timestamp", "Duration (us)",
                 "Command", "ClientAddress", "ClientName"],
            )
            self.assertEqual(rec["CacheClusterId"], "ld-001")
            self.assertEqual(rec["CacheNodeId"], "0001")
            self.assertEqual(ev["timestamp"], rec["Timestamp"] * 1000)
            seen[rec["Id"]] = rec
        # field by field against SLOWLOG GET (entries collected before the
        # SLOWLOG GET above, which is itself logged later)
        matched = 0
        for eid, rec in seen.items():
            e = entries[eid]
            self.assertEqual(rec["Timestamp"], e[1])
            self.assertEqual(rec["Duration (us)"], e[2])
            self.assertEqual(rec["ClientAddress"], e[4])
            self.assertEqual(rec["ClientName"], e[5])
            argv = e[3]
            if len(argv) == 1:
                self.assertEqual(rec["Command"], argv[0])
            matched += 1
        self.assertEqual(matched, len(seen))
        by_cmd = {r["Command"]: r for r in seen.values()}
        self.assertIn("SET ... (2 more arguments)", by_cmd)
        self.assertEqual(by_cmd["SET ... (2 more arguments)"]["ClientName"], "worker-7")
        # RPUSH biglist 0..39 = 41 arguments after the name... Redis keeps 32
        self.assertIn("RPUSH ... (41 more arguments)", by_cmd)
        self.assertNotIn("biglist", json.dumps(list(seen.values())))
        # ids are unique and come from this node only
        self.assertEqual(len(seen), len(events))

    def test_slowlog_text(self):
        SLOW_TEXT = self.fresh_group("slow-log")
        stream = "elasticache/redis/ld-002/0001/slow-log"
        ld = self.new_delivery([dict(LogType="slow-log", LogFormat="text", LogGroup=SLOW_TEXT)])
        self.farm.command("ld", 0, 1, "CLIENT", "SETNAME", "text-worker")
        self.farm.command("ld", 0, 1, "GET", "text-1")
        ld.collect_once()
        entries = self.slowlog(1)
        ld.flush(force=True)
        events = all_events(self.logs, SLOW_TEXT, logStreamNames=[stream])
        self.assertEqual(len(events), ld.counters[(SLOW_TEXT, stream)])
        parsed = [split_text_slowlog(e["message"]) for e in events]
        for (cluster, node, ts, dur, command, addr, name), ev in zip(parsed, events):
            self.assertEqual((cluster, node), ("ld-002", "0001"))
            self.assertRegex(addr, r"^127\.0\.0\.1:\d+$")
            self.assertEqual(ev["timestamp"], ts * 1000)
            self.assertNotIn("text-1", command)
        self.assertIn("GET ... (1 more arguments)", [p[4] for p in parsed])
        # TEXT has no Id: every delivered record must be one SLOWLOG entry
        # (matched on all its other fields, each entry used at most once).
        # SLOWLOG is read after delivery, so it may hold entries the delivery
        # has not read yet: those are simply not matched.
        import collections
        available = collections.Counter(
            (e[1], e[2], logdelivery.slowlog_command(e[3]), e[4], e[5]) for e in entries.values())
        delivered = collections.Counter((p[2], p[3], p[4], p[5], p[6]) for p in parsed)
        self.assertEqual(delivered - available, collections.Counter())

    def test_slowlog_dedupe_reset_restart(self):
        SLOW = self.fresh_group("slow-log")
        stream = "elasticache/redis/ld-002/0001/slow-log"
        ld = self.new_delivery([dict(LogType="slow-log", LogFormat="json", LogGroup=SLOW)])
        key = ("ld", 0, 1)

        def delivered():
            return [json.loads(e["message"])["Id"] for e in all_events(self.logs, SLOW, logStreamNames=[stream])]

        # several polls (each poll's own SLOWLOG GET is itself slow-logged):
        # every id exactly once, no gaps
        for i in range(4):
            self.farm.command(*key, "GET", "poll-%d" % i)
            ld.collect_once()
            ld.flush(force=True)
        ids = delivered()
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(sorted(ids), list(range(min(ids), max(ids) + 1)))
        self.assertEqual(len(ids), ld.counters[(SLOW, stream)])
        # a poll with nothing new but its own previous SLOWLOG GET adds one
        last = max(ids)
        ld.collect_once()
        ld.flush(force=True)
        self.assertEqual(sorted(delivered()), list(range(min(ids), last + 2)))
        # SLOWLOG RESET empties the log; ids keep growing; new ones arrive
        self.farm.command(*key, "SLOWLOG", "RESET")
        self.farm.command(*key, "GET", "after-reset")
        ld.collect_once()
        ld.flush(force=True)
        after = delivered()
        self.assertEqual(len(after), len(set(after)))
        self.assertGreater(max(after), last + 1)
        # restart: ids start again at 0 and are not taken for old ones
        self.farm.restart_node("ld", 0, 1)
        self.farm.command(*key, "GET", "after-restart")
        n1 = ld.counters[(SLOW, stream)]
        ld.collect_once()
        ld.flush(force=True)
        self.assertGreater(ld.counters[(SLOW, stream)], n1)
        recs = [json.loads(e["message"]) for e in all_events(self.logs, SLOW, logStreamNames=[stream])]
        self.assertIn(0, [r["Id"] for r in recs[len(after):]])
        self.assertIn("GET ... (1 more arguments)", [r["Command"] for r in recs[len(after):]])

    def test_engine_log_matches_file(self):
        ENGINE = self.fresh_group("engine-log")
        ENGINE_TEXT = self.fresh_group("engine-log-text")
        ld = self.new_delivery(
            [
                dict(LogType="engine-log", LogFormat="json", LogGroup=ENGINE),
                dict(LogType="engine-log", LogFormat="text", LogGroup=ENGINE_TEXT),
            ]
        )
        ld.collect_once()
        ld.flush(force=True)
        layout = self.farm.nodes("ld")[0]
        for m, node in enumerate(layout):
            ccid = "ld-%03d" % (m + 1)
            stream = "elasticache/redis/%s/0001/engine-log" % ccid
            with open(node.log_file, encoding="utf-8", errors="replace") as f:
                file_lines = [ln.rstrip("\n") for ln in f if ln.strip()]
            jev = self.logs.get_log_events(logGroupName=ENGINE, logStreamName=stream, startFromHead=True)["events"]
            tev = self.logs.get_log_events(logGroupName=ENGINE_TEXT, logStreamName=stream, startFromHead=True)["events"]
            self.assertGreater(len(jev), 3)
            self.assertEqual(len(jev), len(tev))
            # independent parse of the native lines: "pid:R DD Mon YYYY HH:MM:SS.mmm L msg"
            native = []
            for ln in file_lines:
                head, _, rest = ln.partition(" ")
                if ":" not in head or len(head.split(":")[1]) != 1:
                    continue
                parts = rest.split(" ", 5)
                if len(parts) < 5:
                    continue
                tstr = " ".join(parts[:4])
                native.append((head.split(":")[1], tstr, parts[4], parts[5] if len(parts) > 5 else ""))
            recs = [json.loads(e["message"]) for e in jev]
            got = sorted((r["Role"], r["Time"], r["LogLevel"], r["Message"]) for r in recs)
            levels = {"-": "VERBOSE", "*": "NOTICE", "#": "WARNING", ".": "DEBUG"}
            want = sorted((role, t + " UTC", levels[lvl], msg) for role, t, lvl, msg in native)
            self.assertEqual(got[: len(want)], want[: len(got)])
            self.assertGreaterEqual(len(got), len(want) - 2)  # lines written meanwhile
            for r, e in zip(recs, jev):
                self.assertEqual(list(r), ["CacheClusterId", "CacheNodeId", "LogLevel", "Role", "Time", "Message"])
                self.assertEqual(r["CacheClusterId"], ccid)
                self.assertRegex(r["Time"], r"^\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} UTC$")
                ts = time.strptime(r["Time"][:-8], "%d %b %Y %H:%M:%S")
                self.assertEqual(e["timestamp"] // 1000, int(time.mktime(ts) - time.timezone))
                self.assertEqual(e["timestamp"] % 1000, int(r["Time"][-7:-4]))
            self.assertIn("M" if m == 0 else "S", {r["Role"] for r in recs})
            for e, j in zip(tev, jev):
                r = json.loads(j["message"])
                lvl = {v: k for k, v in levels.items()}[r["LogLevel"]]
                self.assertEqual(
                    e["message"],
                    "%s/0001:%s %s %s %s" % (ccid, r["Role"], r["Time"], lvl, r["Message"]),
                )
        # tailing: only new lines on the next poll
        count = dict(ld.counters)
        ld.collect_once()
        ld.flush(force=True)
        self.farm.command("ld", 0, 0, "BGSAVE")
        wait_for(
            lambda: b"Background saving terminated" in read_bytes(layout[0].log_file),
            what="BGSAVE done",
        )
        ld.collect_once()
        ld.flush(force=True)
        stream = "elasticache/redis/ld-001/0001/engine-log"
        new = ld.counters[(ENGINE, stream)] - count[(ENGINE, stream)]
        self.assertGreaterEqual(new, 3)
        msgs = [json.loads(e["message"]) for e in all_events(self.logs, ENGINE, logStreamNames=[stream])]
        self.assertEqual(len(msgs), ld.counters[(ENGINE, stream)])
        child = [r for r in msgs if r["Message"] == "DB saved on disk"]
        self.assertEqual(child[-1]["Role"], "C")

    def test_stream_names(self):
        SLOW = self.fresh_group("slow-log")
        ENGINE = self.fresh_group("engine-log")
        ld = self.new_delivery(
            [dict(LogType="slow-log", LogFormat="json", LogGroup=SLOW),
             dict(LogType="engine-log", LogFormat="json", LogGroup=ENGINE)]
        )
        ld.collect_once()
        ld.flush(force=True)
        for group, kind in ((SLOW, "slow-log"), (ENGINE, "engine-log")):
            names = {s["logStreamName"] for s in self.logs.describe_log_streams(logGroupName=group)["logStreams"]}
            for m in (1, 2):
                self.assertIn("elasticache/redis/ld-%03d/0001/%s" % (m, kind), names)
        # a replica added later gets its own stream on re-registration
        nodes = node_specs("ld", True, 1, 2)  # cluster-mode style ids
        ld.register_group("ld", "valkey", nodes, [dict(LogType="slow-log", LogFormat="json", LogGroup=SLOW)])
        self.farm.command("ld", 0, 0, "GET", "x")
        ld.collect_once()
        ld.flush(force=True)
        names = {s["logStreamName"] for s in self.logs.describe_log_streams(logGroupName=SLOW)["logStreams"]}
        self.assertIn("elasticache/valkey/ld-0001-001/0001/slow-log", names)

    def test_ingestion_delay_and_threads(self):
        SLOW = self.fresh_group("slow-log")
        lo, hi = 0.4, 0.8
        ld = self.new_delivery([dict(LogType="slow-log", LogFormat="json", LogGroup=SLOW)], delay_range=(lo, hi),
                               from_start=False)
        ld.register_group("ld", "redis", self.nodes,
                          [dict(LogType="slow-log", LogFormat="json", LogGroup=SLOW)], from_start=False)
        stream = "elasticache/redis/ld-001/0001/slow-log"
        base = ld.counters.get((SLOW, stream), 0)
        ld.start()
        t0 = time.time()
        self.farm.command("ld", 0, 0, "SET", "delay-probe", "1")

        def probe():
            if ld.counters.get((SLOW, stream), 0) <= base:
                return None
            events = all_events(self.logs, SLOW, logStreamNames=[stream], startTime=int(t0) * 1000)
            return [e for e in events if '"Command":"SET ... (2 more arguments)"' in e["message"]]

        probe = wait_for(probe, 10, what="delivery of the probe")
        for e in probe:
            lag = (e["ingestionTime"] - e["timestamp"]) / 1000.0
            # held >= lo after collection; collection within one interval,
            # slow-log timestamps are whole seconds
            self.assertGreaterEqual(lag, lo)
            self.assertLessEqual(lag, hi + ld.interval + 1.0 + 0.5)

    def test_inject_hostile_content(self):
        SLOW = self.fresh_group("slow-log")
        ld = self.new_delivery([])
        ld.start()
        stream = "injected/stream"
        now = int(time.time() * 1000)
        hostile = [
            ("\x1b[31mred\x1b[0m \x1b]0;title\x07 tab\there", now, 0),
            (b"bad \xff\xfe utf8 \xe2\x82\xac", now, 0),  # invalid UTF-8
            ("same timestamp A", now + 1, 0),
            ("same timestamp B", now + 1, 0),
            ("late by ten seconds", now - 10000, 0),
            ("x" * 5000, now + 2, 0),
            ('{"not":"json"', now + 3, 0),
        ]
        for msg, ts, delay in hostile:
            ld.inject(SLOW, stream, msg, timestamp_ms=ts, ingestion_delay=delay)
        ld.inject(SLOW, "injected/replaced", b"bad \xff end", timestamp_ms=now, ingestion_delay=0, errors="replace")
        wait_for(lambda: ld.counters.get((SLOW, stream), 0) == len(hostile), 5, what="injected events")
        wait_for(lambda: ld.counters.get((SLOW, "injected/replaced"), 0) == 1, 5, what="replaced event")
        ev = self.logs.get_log_events(logGroupName=SLOW, logStreamName="injected/replaced")["events"]
        self.assertEqual(ev[0]["message"], "bad \ufffd end")
        events = self.logs.get_log_events(logGroupName=SLOW, logStreamName=stream, startFromHead=True)["events"]
        got = [e["message"] for e in events]
        want = [m.decode("utf-8", "surrogateescape") if isinstance(m, bytes) else m for m, _t, _d in hostile]
        self.assertEqual(sorted(got), sorted(want))
        self.assertEqual(got[0], "late by ten seconds")  # sorted by timestamp
        self.assertEqual(got[3:5], ["same timestamp A", "same timestamp B"])
        late = [e for e in events if e["message"] == "late by ten seconds"][0]
        self.assertGreaterEqual(late["ingestionTime"] - late["timestamp"], 10000)
        # a held event written later than newer ones
        ld.inject(SLOW, stream, "held", timestamp_ms=now - 500, ingestion_delay=0.3)
        self.assertEqual(ld.pending(), 1)
        wait_for(lambda: ld.pending() == 0, 5, what="held event written")
        with self.assertRaises(KeyError):
            ld.inject("/no/such/group", stream, "x")
        with self.assertRaises(ValueError):
            ld.inject(SLOW, stream, "")

    def test_pause_resume_and_missing_group(self):
        SLOW = self.fresh_group("slow-log")
        ld = self.new_delivery([dict(LogType="slow-log", LogFormat="json", LogGroup=SLOW)])
        stream = "elasticache/redis/ld-001/0001/slow-log"
        ld.pause("ld")
        self.farm.command("ld", 0, 0, "GET", "while-paused")
        ld.collect_once()
        self.assertEqual(ld.flush(), 0)
        self.assertGreater(ld.pending(), 0)
        self.assertTrue(ld.is_paused("ld"))
        ld.resume("ld")
        self.assertGreater(ld.flush(), 0)
        self.assertEqual(ld.pending(), 0)
        # the destination group was deleted: events are dropped, not raised
        self.logs.create_log_group(logGroupName="/tmp/gone")
        ld.register_group("ld", "redis", self.nodes, [dict(LogType="slow-log", LogFormat="json", LogGroup="/tmp/gone")])
        self.logs.delete_log_group(logGroupName="/tmp/gone")
        ld.collect_once()
        ld.flush(force=True)
        self.assertGreater(ld.dropped.get(("/tmp/gone", stream), 0), 0)
        # Firehose destinations are not CloudWatch: ignored
        ld.register_group("ld", "redis", self.nodes, [dict(
            LogType="slow-log", LogFormat="json", DestinationType="kinesis-firehose",
            DestinationDetails={"KinesisFirehoseDetails": {"DeliveryStream": "s"}})])
        self.assertEqual(ld.collect_once(), None)
        self.assertEqual(ld.pending(), 0)


class FormatTest(unittest.TestCase):
    """Pure formatting rules (aws-wire §18.2/18.3), no Redis needed."""

    def test_command_field(self):
        f = logdelivery.slowlog_command
        self.assertEqual(f(["PING"]), "PING")
        self.assertEqual(f(["KEYS", "*"]), "KEYS ... (1 more arguments)")
        self.assertEqual(f(["MSET", "a", "1", "b", "2"]), "MSET ... (4 more arguments)")
        # Redis keeps 31 args + "... (N more arguments)"
        argv = ["DEL"] + ["k%d" % i for i in range(30)] + ["... (70 more arguments)"]
        self.assertEqual(f(argv), "DEL ... (100 more arguments)")

    def test_records(self):
        e = [17, 1714564805, 10452, ["KEYS", "secret*"], "10.20.32.14:53412", "worker-7"]
        ts, msg = logdelivery.slowlog_record(e, "app-4-redis-cluster-001", "0001", "json")
        self.assertEqual(ts, 1714564805000)
        self.assertEqual(
            msg,
            '{"CacheClusterId":"app-4-redis-cluster-001","CacheNodeId":"0001","Id":17,'
            '"Timestamp":1714564805,"Duration (us)":10452,"Command":"KEYS ... (1 more arguments)",'
            '"ClientAddress":"10.20.32.14:53412","ClientName":"worker-7"}',
        )
        _, text = logdelivery.slowlog_record(e, "app-4-redis-cluster-001", "0001", "text")
        self.assertEqual(
            text, "app-4-redis-cluster-001,0001,1714564805,10452,KEYS ... (1 more arguments),10.20.32.14:53412,worker-7"
        )
        p = logdelivery.parse_engine_line(
            "4242:S 01 May 2024 12:03:41.517 * MASTER <-> REPLICA sync: Finished with success"
        )
        self.assertEqual(p["timestamp_ms"], 1714565021517)
        _, j = logdelivery.engine_record(p, "app-4-redis-cluster-002", "0001", "json")
        self.assertEqual(
            j,
            '{"CacheClusterId":"app-4-redis-cluster-002","CacheNodeId":"0001","LogLevel":"NOTICE",'
            '"Role":"S","Time":"01 May 2024 12:03:41.517 UTC","Message":"MASTER <-> REPLICA sync: Finished with success"}',
        )
        _, t = logdelivery.engine_record(p, "app-4-redis-cluster-002", "0001", "text")
        self.assertEqual(
            t, "app-4-redis-cluster-002/0001:S 01 May 2024 12:03:41.517 UTC * MASTER <-> REPLICA sync: Finished with success"
        )
        sig = logdelivery.parse_engine_line("99:signal-handler (1714564805) Received SIGTERM scheduling shutdown...", "M")
        self.assertEqual((sig["role"], sig["level_char"], sig["timestamp_ms"]), ("M", "#", 1714564805000))
        self.assertIsNone(logdelivery.parse_engine_line("                _._"))
        self.assertEqual(
            logdelivery.stream_name("redis", "my-rg-0002-001", "0001", "engine-log"),
            "elasticache/redis/my-rg-0002-001/0001/engine-log",
        )


if __name__ == "__main__":
    unittest.main()
