"""A light background workload for the demo.

Per shard it keeps one large list (a key whose hash tag lands in the shard's
slots) and regularly runs real slow commands on it (SORT of the whole list,
which ElastiCache allows, unlike DEBUG SLEEP), sized so that each one exceeds
the node's slowlog-log-slower-than: the slow logs fill up with entries whose
ClientName is the workload's connection name.  It also does ordinary GETs
(hits and misses) and SETs so CacheHits/CacheMisses/NetworkBytes move, and
every `bgsave_every` seconds a BGSAVE on one node, which writes engine-log
lines (the "Background saving started/terminated" lines of the node and the
"DB saved on disk" line of its child, role C).
"""

import random
import threading
import time

from . import farm as farm_mod
from . import resp

_CRC16_TABLE = []
for _i in range(256):
    _c = _i << 8
    for _ in range(8):
        _c = ((_c << 1) ^ 0x1021) if _c & 0x8000 else (_c << 1)
    _CRC16_TABLE.append(_c & 0xFFFF)


def crc16(data):
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16_TABLE[((crc >> 8) ^ b) & 0xFF]
    return crc


def key_slot(key):
    """Redis Cluster hash slot of a key (hash tags honoured)."""
    if isinstance(key, str):
        key = key.encode()
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            key = key[s + 1 : e]
    return crc16(key) % farm_mod.NUM_SLOTS


def tag_for_slots(ranges, prefix="w"):
    """A hash tag whose slot falls in one of the (first, last) ranges."""
    for i in range(1000000):
        tag = "%s%d" % (prefix, i)
        slot = key_slot(tag)
        for a, b in ranges:
            if a <= slot <= b:
                return tag
    raise ValueError("no tag found for %r" % (ranges,))


class Workload:
    """Background load on one group (see module doc)."""

    def __init__(
        self,
        farm,
        rg_id,
        auth_token,
        rate=0.5,
        bgsave_every=30.0,
        ops_per_tick=20,
        initial_size=20000,
        max_size=2000000,
        seed=None,
    ):
        self.farm = farm
        self.rg_id = rg_id
        self.auth_token = auth_token
        self.rate = float(rate)  # slow commands per second (whole group)
        self.bgsave_every = bgsave_every
        self.ops_per_tick = ops_per_tick
        self.max_size = max_size
        self.stats = {"slow": 0, "ops": 0, "bgsave": 0, "errors": 0}
        self.errors = []
        self._rand = random.Random(seed)
        self._stop = threading.Event()
        self._thread = None
        cfg = farm.group_config(rg_id)
        self._cluster = cfg["cluster_mode"]
        self._threshold_us = cfg.get("slowlog_us", 10000)
        nshards = len(farm.nodes(rg_id))
        if self._cluster:
            ranges = [farm_mod.parse_slots(s) for s in cfg["slots"]]
            self._tags = [tag_for_slots(r, "elcui-demo-") for r in ranges]
        else:
            self._tags = ["elcui-demo"] * nshards
        self._sizes = [int(initial_size)] * nshards
        self._loaded = [0] * nshards
        self._conns = {}

    # ------------------------------------------------------------ plumbing
    def _conn(self, shard):
        """A named connection to the shard's current primary."""
        c = self._conns.get(shard)
        if c is None or c.closed:
            m = self.farm.primary(self.rg_id, shard)
            info = self.farm.nodes(self.rg_id)[shard][m]
            c = resp.Connection(
                info.host,
                info.port,
                tls=info.tls,
                server_hostname=info.hostname,
                ca_file=self.farm.ca_file,
                password=self.auth_token,
                timeout=5.0,
                client_name="demo-worker-%d" % (shard + 1),
            )
            self._conns[shard] = c
        return c

    def _drop(self):
        for c in self._conns.values():
            c.close()
        self._conns = {}

    def _key(self, shard, name):
        return "{%s}:%s" % (self._tags[shard], name)

    def _fill(self, c, shard, size):
        big = self._key(shard, "big")
        have = c.call("LLEN", big)
        while have < size:
            n = min(5000, size - have)
            vals = [self._rand.randint(0, 10**9) for _ in range(n)]
            c.call("RPUSH", big, *vals)
            have += n
        self._loaded[shard] = have

    # ------------------------------------------------------------ actions
    def slow_op(self, shard):
        """One SORT of the shard's big list; grows the list until the SORT
        takes about twice slowlog-log-slower-than.  Returns the wall time (s)."""
        c = self._conn(shard)
        size = self._sizes[shard]
        if self._loaded[shard] < size:
            self._fill(c, shard, size)
        big = self._key(shard, "big")
        t0 = time.monotonic()
        c.call("SORT", big, "LIMIT", 0, 1)
        took = time.monotonic() - t0
        target = 2.0 * self._threshold_us / 1e6
        if took < target and size < self.max_size:
            self._sizes[shard] = min(self.max_size, int(size * max(1.25, target / max(took, 1e-4))))
        self.stats["slow"] += 1
        return took

    def normal_ops(self, shard):
        c = self._conn(shard)
        cmds = []
        for _ in range(self.ops_per_tick):
            k = self._key(shard, "k%d" % self._rand.randint(0, 199))
            r = self._rand.random()
            if r < 0.3:
                cmds.append(("SET", k, "v%d" % self._rand.randint(0, 10**6)))
            else:
                cmds.append(("GET", k))
        c.pipeline(cmds)
        self.stats["ops"] += len(cmds)

    def bgsave(self):
        layout = self.farm.nodes(self.rg_id)
        nodes = [n for shard in layout for n in shard if n.state == "running"]
        if not nodes:
            return
        n = self._rand.choice(nodes)
        try:
            self.farm.command(self.rg_id, n.shard_index, n.member_index, "BGSAVE")
            self.stats["bgsave"] += 1
        except resp.ReplyError:
            pass  # "Background save already in progress"

    # ------------------------------------------------------------ thread
    def _run(self):
        nshards = len(self._tags)
        tick = 1.0
        next_slow = time.monotonic()
        next_bgsave = time.monotonic() + (self.bgsave_every or 0)
        while not self._stop.is_set():
            now = time.monotonic()
            try:
                for s in range(nshards):
                    self.normal_ops(s)
                if self.rate > 0 and now >= next_slow:
                    self.slow_op(self._rand.randrange(nshards))
                    next_slow = now + self._rand.expovariate(self.rate)
                if self.bgsave_every and now >= next_bgsave:
                    self.bgsave()
                    next_bgsave = now + self.bgsave_every
            except (OSError, resp.ReplyError, resp.ProtocolError, farm_mod.FarmError, KeyError) as e:
                # failover, killed or stopped node: reconnect next tick
                self.stats["errors"] += 1
                self.errors.append(str(e))
                del self.errors[:-20]
                self._drop()
            self._stop.wait(min(tick, max(0.05, next_slow - time.monotonic())))
        self._drop()

    def start(self):
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="workload-" + self.rg_id, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)
        self._thread = None
