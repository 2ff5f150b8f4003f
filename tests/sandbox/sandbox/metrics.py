"""ElastiCache node metrics (namespace AWS/ElastiCache) for the sandbox.

Every `period` seconds each registered node is sampled with INFO and the
samples are turned into ElastiCache's metrics, honestly derived:

  CPUUtilization               redis process CPU (all threads + children,
                               used_cpu_*) over wall time, % of the host's CPUs
  EngineCPUUtilization         main-thread CPU (used_cpu_*_main_thread) over
                               wall time, % of one core
  DatabaseMemoryUsagePercentage used_memory / maxmemory * 100
  CurrConnections              connected_clients (replica links excluded)
  NewConnections               total_connections_received delta
  ReplicationLag               replicas only: bytes behind the primary's
                               master_repl_offset / the primary's write rate
                               (s); link down -> seconds since it went down
  CacheHits / CacheMisses      keyspace_hits / keyspace_misses deltas
  CacheHitRate                 hits / (hits + misses) * 100 over the minute
  Evictions                    evicted_keys delta
  CurrItems                    keys in all databases
  NetworkBytesIn / Out         total_net_input_bytes / total_net_output_bytes
                               deltas
  ReplicationBytes             primaries: master_repl_offset delta
  IsMaster                     1 for the shard's primary, 0 for a replica

Like ElastiCache, one datapoint per node and metric is published per
`resolution` seconds (60): for counters the sum over that minute, for gauges
the mean of the minute's samples.  The datapoint of the current minute is
written at its first sample and updated in place as samples come in
(ElastiCache would publish it after the minute ends).  Datapoints go into
moto's in-process CloudWatch backend with dimensions CacheClusterId +
CacheNodeId (and, as ElastiCache does, CacheClusterId alone), so
GetMetricData returns them.  Datapoints older than `retention` are pruned.
"""

import datetime
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import resp
from .logdelivery import BACKEND_LOCK

NAMESPACE = "AWS/ElastiCache"

# name -> (unit, kind): kind "delta" sums per minute, "gauge" averages
METRICS = {
    "CPUUtilization": ("Percent", "gauge"),
    "EngineCPUUtilization": ("Percent", "gauge"),
    "DatabaseMemoryUsagePercentage": ("Percent", "gauge"),
    "CurrConnections": ("Count", "gauge"),
    "NewConnections": ("Count", "delta"),
    "ReplicationLag": ("Seconds", "gauge"),
    "CacheHits": ("Count", "delta"),
    "CacheMisses": ("Count", "delta"),
    "CacheHitRate": ("Percent", "ratio"),
    "Evictions": ("Count", "delta"),
    "CurrItems": ("Count", "gauge"),
    "NetworkBytesIn": ("Bytes", "delta"),
    "NetworkBytesOut": ("Bytes", "delta"),
    "ReplicationBytes": ("Bytes", "delta"),
    "IsMaster": ("Count", "gauge"),
}


def cloudwatch_backend(account_id, region):
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account_id][region]


def _utc_naive(epoch):
    # moto compares naive UTC datetimes
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).replace(tzinfo=None)


def _cpu_seconds(info, main_only=False):
    if main_only:
        keys = ("used_cpu_sys_main_thread", "used_cpu_user_main_thread")
    else:
        keys = ("used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children")
    return sum(float(info.get(k, 0) or 0) for k in keys)


def _keys(info):
    total = 0
    for k, v in info.items():
        if k.startswith("db") and k[2:].isdigit() and isinstance(v, str):
            for part in v.split(","):
                if part.startswith("keys="):
                    total += int(part[5:])
    return total


def _delta(cur, prev):
    """Counter delta; a counter that went backwards was reset (restart,
    CONFIG RESETSTAT): count from zero."""
    d = cur - prev
    return cur if d < 0 else d


class _Bucket:
    """One published datapoint (a moto MetricAggregatedDatum) being filled."""

    def __init__(self, datum, kind):
        self.datum = datum
        self.kind = kind
        self.total = 0.0
        self.n = 0
        self.num = 0.0
        self.den = 0.0

    def add(self, value, den=None):
        if self.kind == "ratio":
            self.num += value
            self.den += den
            if self.den <= 0:
                return False
            v = 100.0 * self.num / self.den
        elif self.kind == "delta":
            self.total += value
            v = self.total
        else:
            self.total += value
            self.n += 1
            v = self.total / self.n
        d = self.datum
        d.sum = d.min = d.max = float(v)
        d.sample_count = 1.0
        return True


class _NodeSeries:
    def __init__(self, spec):
        self.spec = spec
        self.prev = None  # (wall, info)
        self.buckets = {}  # metric -> (bucket_start, _Bucket)


class Metrics:
    """See module doc."""

    def __init__(
        self,
        farm,
        account_id,
        region,
        period=1.0,
        resolution=60,
        retention=3 * 3600,
        cluster_dimension=True,
    ):
        self.farm = farm
        self.account_id = account_id
        self.region = region
        self.period = float(period)
        self.resolution = int(resolution)
        self.retention = retention
        self.cluster_dimension = cluster_dimension
        self.errors = []
        self.samples = 0
        self._lock = threading.RLock()
        self._groups = {}  # rg_id -> {(s, m): _NodeSeries}
        self._stop = threading.Event()
        self._thread = None
        self._ncpu = os.cpu_count() or 1
        self._ours = []  # every datum we appended, oldest first
        self._last_prune = time.monotonic()
        self._paused = set()  # rg ids (or "*") whose metrics stand still

    def pause(self, rg_id=None):
        """Stop publishing for a group (None: all): its last datapoints stay,
        so the API side lags behind what Redis does (a failover)."""
        with self._lock:
            self._paused.add(rg_id or "*")

    def resume(self, rg_id=None):
        with self._lock:
            if rg_id:
                self._paused.discard(rg_id)
            else:
                self._paused.clear()

    def register_group(self, rg_id, nodes):
        """nodes: dicts with cache_cluster_id, cache_node_id, shard_index,
        member_index.  Re-registering keeps the series of nodes that stay."""
        with self._lock:
            old = self._groups.get(rg_id, {})
            new = {}
            for spec in nodes:
                key = (int(spec["shard_index"]), int(spec["member_index"]))
                ser = old.get(key)
                if ser is None or ser.spec != spec:
                    ser = _NodeSeries(dict(spec))
                new[key] = ser
            self._groups[rg_id] = new

    def unregister_group(self, rg_id):
        with self._lock:
            self._groups.pop(rg_id, None)

    # ------------------------------------------------------------ sampling
    def _info(self, rg_id, s, m):
        try:
            return resp.parse_info(self.farm.command(rg_id, s, m, "INFO", timeout=1.0))
        except (OSError, resp.ReplyError, resp.ProtocolError, KeyError) as e:
            self.errors.append("%s %d/%d: %s" % (rg_id, s, m, e))
            del self.errors[:-50]
            return None

    def sample_once(self):
        """Sample every registered node once and publish (the thread calls
        this every period; tests may call it directly)."""
        with self._lock:
            if "*" in self._paused:
                return 0
            groups = {rg: dict(series) for rg, series in self._groups.items() if rg not in self._paused}
        jobs = []
        for rg, series in groups.items():
            try:
                layout = self.farm.nodes(rg)
            except KeyError:
                continue
            for (s, m), ser in series.items():
                try:
                    st = layout[s][m].state
                except IndexError:
                    continue
                if st == "running":
                    jobs.append((rg, s, m, ser))
        if not jobs:
            return 0
        with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as ex:
            infos = list(ex.map(lambda j: self._info(j[0], j[1], j[2]), jobs))
        now = time.time()
        # primaries' offsets and write rates, per group and shard
        primaries = {}
        for (rg, s, m, ser), info in zip(jobs, infos):
            if info is not None and info.get("role") == "master":
                rate = None
                if ser.prev is not None:
                    pw, pinfo = ser.prev
                    dt = now - pw
                    if dt > 0 and pinfo.get("role") == "master":
                        rate = _delta(info.get("master_repl_offset", 0), pinfo.get("master_repl_offset", 0)) / dt
                primaries[(rg, s)] = (info.get("master_repl_offset", 0), rate)
        published = 0
        for (rg, s, m, ser), info in zip(jobs, infos):
            if info is None:
                continue
            published += self._publish_node(ser, info, now, primaries.get((rg, s)))
            ser.prev = (now, info)
        self.samples += 1
        if self.retention and time.monotonic() - self._last_prune > 60:
            self._prune()
        return published

    def _publish_node(self, ser, info, now, primary):
        values = {}
        is_master = info.get("role") == "master"
        mm = info.get("maxmemory") or 0
        if mm > 0:
            values["DatabaseMemoryUsagePercentage"] = 100.0 * info.get("used_memory", 0) / mm
        values["CurrConnections"] = info.get("connected_clients", 0)
        values["CurrItems"] = _keys(info)
        values["IsMaster"] = 1 if is_master else 0
        if not is_master:
            values["ReplicationLag"] = self._lag(info, primary)
        ratio = None
        if ser.prev is not None:
            pw, prev = ser.prev
            dt = now - pw
            if dt > 0 and prev.get("run_id") == info.get("run_id"):
                cpu = _delta(_cpu_seconds(info), _cpu_seconds(prev))
                values["CPUUtilization"] = min(100.0, 100.0 * cpu / dt / self._ncpu)
                eng = _delta(_cpu_seconds(info, True), _cpu_seconds(prev, True))
                values["EngineCPUUtilization"] = min(100.0, 100.0 * eng / dt)
            restarted = prev.get("run_id") != info.get("run_id")
            for name, field in (
                ("CacheHits", "keyspace_hits"),
                ("CacheMisses", "keyspace_misses"),
                ("Evictions", "evicted_keys"),
                ("NewConnections", "total_connections_received"),
                ("NetworkBytesIn", "total_net_input_bytes"),
                ("NetworkBytesOut", "total_net_output_bytes"),
            ):
                cur = info.get(field, 0)
                values[name] = cur if restarted else _delta(cur, prev.get(field, 0))
            if is_master and prev.get("role") == "master" and not restarted:
                values["ReplicationBytes"] = _delta(
                    info.get("master_repl_offset", 0), prev.get("master_repl_offset", 0)
                )
            hits, misses = values["CacheHits"], values["CacheMisses"]
            ratio = (hits, hits + misses)
        n = 0
        bucket_start = int(now // self.resolution) * self.resolution
        with BACKEND_LOCK:
            for name, v in values.items():
                n += self._add(ser, name, bucket_start, float(v))
            if ratio is not None:
                n += self._add(ser, "CacheHitRate", bucket_start, float(ratio[0]), float(ratio[1]))
        return n

    def _lag(self, info, primary):
        if info.get("master_link_status") != "up":
            down = info.get("master_link_down_since_seconds", -1)
            if isinstance(down, (int, float)) and down >= 0:
                return float(down)
            return float(info.get("master_last_io_seconds_ago", 0) or 0)
        if primary is None:
            return 0.0
        p_off, rate = primary
        behind = max(0, p_off - info.get("slave_repl_offset", info.get("master_repl_offset", 0)))
        if behind == 0:
            return 0.0
        if rate and rate > 0:
            return behind / rate
        return float(info.get("master_last_io_seconds_ago", 0) or 0)

    def _dims(self, ser, node_level):
        d = [{"Name": "CacheClusterId", "Value": ser.spec["cache_cluster_id"]}]
        if node_level:
            d.append({"Name": "CacheNodeId", "Value": ser.spec["cache_node_id"]})
        return d

    def _add(self, ser, name, bucket_start, value, den=None):
        from moto.cloudwatch.models import MetricAggregatedDatum

        unit, kind = METRICS[name]
        n = 0
        for node_level in (True, False) if self.cluster_dimension else (True,):
            key = (name, node_level)
            cur = ser.buckets.get(key)
            if cur is None or cur[0] != bucket_start:
                datum = MetricAggregatedDatum(
                    namespace=NAMESPACE,
                    name=name,
                    min_stat=value,
                    max_stat=value,
                    sample_count=1.0,
                    sum_stat=value,
                    dimensions=self._dims(ser, node_level),
                    timestamp=_utc_naive(bucket_start),
                    unit=unit,
                )
                b = _Bucket(datum, kind)
                if not b.add(value, den):
                    continue
                cloudwatch_backend(self.account_id, self.region).metric_data.append(datum)
                self._ours.append(datum)
                ser.buckets[key] = (bucket_start, b)
            else:
                cur[1].add(value, den)
            n += 1
        return n

    def _prune(self):
        self._last_prune = time.monotonic()
        cutoff = _utc_naive(time.time() - self.retention)
        with BACKEND_LOCK:
            old = []
            while self._ours and self._ours[0].timestamp < cutoff:
                old.append(self._ours.pop(0))
            if not old:
                return
            gone = set(map(id, old))
            be = cloudwatch_backend(self.account_id, self.region)
            be.metric_data[:] = [d for d in be.metric_data if id(d) not in gone]

    # ------------------------------------------------------------ thread
    def _run(self):
        nxt = time.monotonic()
        while not self._stop.is_set():
            try:
                self.sample_once()
            except Exception as e:  # keep publishing whatever happens
                self.errors.append("sample: %r" % e)
                del self.errors[:-50]
            nxt += self.period
            delay = nxt - time.monotonic()
            if delay < 0:
                nxt = time.monotonic()
                delay = 0
            self._stop.wait(delay)

    def start(self):
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="metrics", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None
