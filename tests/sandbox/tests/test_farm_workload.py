"""Workload: the demo's background load really fills slow logs and engine
logs, on the right shards."""

import os
import secrets
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from sandbox import farm as farm_mod  # noqa: E402
from sandbox import workload  # noqa: E402


def wait_for(pred, timeout=20.0, step=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(step)


class SlotTest(unittest.TestCase):
    def test_key_slot(self):
        # Redis Cluster specification test vector: CRC16("123456789") = 0x31C3
        self.assertEqual(workload.crc16(b"123456789"), 0x31C3)
        self.assertEqual(workload.key_slot("{user1000}.following"), workload.key_slot("{user1000}.followers"))
        self.assertEqual(workload.key_slot("foo{}{bar}"), workload.crc16(b"foo{}{bar}") % 16384)
        tag = workload.tag_for_slots([(10923, 16383)])
        self.assertTrue(10923 <= workload.key_slot("{%s}:x" % tag) <= 16383)


class WorkloadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wltest-")
        cls.token = secrets.token_urlsafe(20)
        cls.farm = farm_mod.Farm(cls.tmp.name)
        cls.farm.create_group(
            "wl", shards=2, replicas=1, cluster_mode=True, tls=True, auth_token=cls.token, slowlog_us=3000
        )

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop_all()
        cls.tmp.cleanup()

    def slow_entries(self, s, m):
        return self.farm.command("wl", s, m, "SLOWLOG", "GET", 128)

    def test_fills_slow_and_engine_logs(self):
        # our own keys land in each shard's slots (asked to Redis itself)
        w = workload.Workload(self.farm, "wl", self.token, rate=8.0, bgsave_every=1.0, seed=7)
        for s in range(2):
            key = w._key(s, "big")
            slot = self.farm.command("wl", s, 0, "CLUSTER", "KEYSLOT", key)
            self.assertEqual(slot, workload.key_slot(key))
            lo, hi = farm_mod.slot_ranges(2)[s]
            self.assertTrue(lo <= slot <= hi)
        w.start()
        thread = w._thread
        try:
            def sorted_everywhere():
                for s in range(2):
                    names = [e[5] for e in self.slow_entries(s, 0) if e[3][0].upper() == "SORT"]
                    if "demo-worker-%d" % (s + 1) not in names:
                        return False
                return True

            wait_for(sorted_everywhere, what="SORT entries in both primaries' slow logs")

            def saved():
                for shard in self.farm.nodes("wl"):
                    for n in shard:
                        with open(n.log_file, "rb") as f:
                            if b"Background saving terminated with success" in f.read():
                                return True
                return False

            wait_for(saved, what="BGSAVE engine-log lines")
        finally:
            w.stop()
        self.assertEqual(w.stats["errors"], 0, w.errors)
        self.assertGreater(w.stats["ops"], 0)
        self.assertGreaterEqual(w.stats["bgsave"], 1)
        # the SORTs really exceed slowlog-log-slower-than
        for s in range(2):
            durs = [e[2] for e in self.slow_entries(s, 0) if e[3][0].upper() == "SORT"]
            self.assertTrue(all(d >= 3000 for d in durs))
        # stop() really stops: the thread is gone and its connections closed
        self.assertFalse(thread.is_alive())
        self.assertEqual(w._conns, {})

if __name__ == "__main__":
    unittest.main()
