"""ElastiCache log delivery to CloudWatch Logs, for the sandbox.

Every second, for each registered replication group that delivers to
CloudWatch Logs, the collector reads each node's slow log (SLOWLOG GET,
de-duplicated by Id per node; restarts and SLOWLOG RESET handled) and the new
lines of its engine log (the redis log file, tailed by offset), turns them
into ElastiCache's exact JSON or TEXT records (aws-wire.md §18.2, §18.3) and
holds them for a realistic ingestion delay before writing them into moto's
in-process Logs backend, stream
``elasticache/<engine>/<cache-cluster-id>/<cache-node-id>/<log-type>``
(created when missing).  Event timestamp = the entry's own time (ms);
ingestionTime = when the event is written.

moto stores a stream's events in arrival order and sorts them by timestamp
(stable, so ties keep ingestion order) on every GetLogEvents /
FilterLogEvents; late events therefore appear in timestamp order.  All
backend access from this module goes through BACKEND_LOCK.
"""

import datetime
import heapq
import itertools
import json
import os
import random
import re
import threading
import time

from . import resp

BACKEND_LOCK = threading.RLock()

SLOWLOG_FETCH = 128
MAX_READ = 1 << 20
MAX_BATCH_EVENTS = 10000
MAX_BATCH_BYTES = 1048576

LEVELS = {".": "DEBUG", "-": "VERBOSE", "*": "NOTICE", "#": "WARNING"}

_LINE_RE = re.compile(
    r"^(\d+):([A-Z]) (\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) ([.\-*#]) (.*)$"
)
_SIGNAL_RE = re.compile(r"^(\d+):signal-handler \((\d+)\) (.*)$")
_MORE_RE = re.compile(r"^\.\.\. \((\d+) more arguments\)$")


def logs_backend(account_id, region):
    from moto.logs.models import logs_backends

    return logs_backends[account_id][region]


def stream_name(engine, cache_cluster_id, cache_node_id, log_type):
    return "elasticache/%s/%s/%s/%s" % (engine, cache_cluster_id, cache_node_id, log_type)


# ---------------------------------------------------------------- formats
def slowlog_command(args):
    """ElastiCache's Command field: the command name, arguments replaced by
    '... (N more arguments)'.  Redis itself keeps at most 32 arguments and
    replaces the rest by '... (K more arguments)'; that is counted back."""
    if not args:
        return ""
    name = args[0]
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    extra = len(args) - 1
    if len(args) > 1:
        last = args[-1]
        if isinstance(last, bytes):
            last = last.decode("utf-8", "replace")
        m = _MORE_RE.match(last) if isinstance(last, str) else None
        if m:
            extra = len(args) - 2 + int(m.group(1))
    if extra <= 0:
        return name
    return "%s ... (%d more arguments)" % (name, extra)


def slowlog_record(entry, cache_cluster_id, cache_node_id, fmt):
    """One SLOWLOG GET entry -> (timestamp_ms, message)."""
    eid, ts, duration, args = entry[0], entry[1], entry[2], entry[3]
    addr = entry[4] if len(entry) > 4 else ""
    cname = entry[5] if len(entry) > 5 else ""
    command = slowlog_command(args)
    if fmt == "json":
        msg = json.dumps(
            {
                "CacheClusterId": cache_cluster_id,
                "CacheNodeId": cache_node_id,
                "Id": eid,
                "Timestamp": ts,
                "Duration (us)": duration,
                "Command": command,
                "ClientAddress": addr,
                "ClientName": cname,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
    else:
        msg = "%s,%s,%d,%d,%s,%s,%s" % (
            cache_cluster_id,
            cache_node_id,
            ts,
            duration,
            command,
            addr,
            cname,
        )
    return ts * 1000, msg


def parse_engine_line(line, fallback_role="M"):
    """A native Redis log line -> dict(pid, role, time, level_char, message,
    timestamp_ms) or None.  Times are UTC (the farm runs redis with TZ=UTC)."""
    m = _LINE_RE.match(line)
    if m:
        pid, role, tstr, lvl, msg = m.groups()
        dt = datetime.datetime.strptime(tstr, "%d %b %Y %H:%M:%S.%f").replace(
            tzinfo=datetime.timezone.utc
        )
        return {
            "pid": int(pid),
            "role": role,
            "time": tstr,
            "level_char": lvl,
            "message": msg,
            "timestamp_ms": int(dt.timestamp() * 1000),
        }
    m = _SIGNAL_RE.match(line)
    if m:
        # serverLogFromHandler: "pid:signal-handler (unixtime) message"
        pid, secs, msg = m.groups()
        dt = datetime.datetime.fromtimestamp(int(secs), datetime.timezone.utc)
        return {
            "pid": int(pid),
            "role": fallback_role,
            "time": dt.strftime("%d %b %Y %H:%M:%S.000"),
            "level_char": "#",
            "message": msg,
            "timestamp_ms": int(secs) * 1000,
        }
    return None


def engine_record(parsed, cache_cluster_id, cache_node_id, fmt):
    """Parsed engine-log line -> (timestamp_ms, message)."""
    t = parsed["time"] + " UTC"
    if fmt == "json":
        msg = json.dumps(
            {
                "CacheClusterId": cache_cluster_id,
                "CacheNodeId": cache_node_id,
                "LogLevel": LEVELS.get(parsed["level_char"], "NOTICE"),
                "Role": parsed["role"],
                "Time": t,
                "Message": parsed["message"],
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
    else:
        msg = "%s/%s:%s %s %s %s" % (
            cache_cluster_id,
            cache_node_id,
            parsed["role"],
            t,
            parsed["level_char"],
            parsed["message"],
        )
    return parsed["timestamp_ms"], msg


# ---------------------------------------------------------------- state
class _NodeState:
    def __init__(self, spec):
        self.spec = spec
        self.pid = None
        self.last_id = -1
        self.offset = None  # engine log read position
        self.inode = None
        self.partial = b""
        self.role = "M"


class _GroupReg:
    def __init__(self, rg_id, engine):
        self.rg_id = rg_id
        self.engine = engine
        self.nodes = {}  # (shard, member) -> _NodeState
        self.configs = []  # [(log_type, fmt, log_group)]
        self.paused = False


def _normalise_config(c):
    log_type = c.get("LogType")
    fmt = (c.get("LogFormat") or "json").lower()
    dest = c.get("DestinationType", "cloudwatch-logs")
    group = c.get("LogGroup")
    if group is None:
        det = c.get("DestinationDetails") or {}
        group = (det.get("CloudWatchLogsDetails") or {}).get("LogGroup")
    if dest != "cloudwatch-logs" or not group:
        return None
    if log_type not in ("slow-log", "engine-log"):
        raise ValueError("unknown LogType %r" % log_type)
    if fmt not in ("json", "text"):
        raise ValueError("unknown LogFormat %r" % fmt)
    return (log_type, fmt, group)


class LogDelivery:
    """See module doc.  counters[(log_group, stream)] = events written."""

    def __init__(
        self,
        farm,
        account_id,
        region,
        delay_range=(1.0, 3.0),
        interval=1.0,
        from_start=True,
        seed=None,
    ):
        self.farm = farm
        self.account_id = account_id
        self.region = region
        self.delay_range = (float(delay_range[0]), float(delay_range[1]))
        self.interval = float(interval)
        self.from_start = from_start
        self.counters = {}
        self.dropped = {}  # (log_group, stream) -> events not written (group gone)
        self.errors = []  # recent collection errors (strings), for diagnosis
        self._rand = random.Random(seed)
        self._lock = threading.RLock()
        self._groups = {}
        self._pending = []  # heap of (due, seq, log_group, stream, ts_ms, msg, rg)
        self._seq = itertools.count()
        self._paused_all = False
        self._stop = threading.Event()
        self._threads = []
        self._wake = threading.Event()

    # ------------------------------------------------------------ registry
    def register_group(self, rg_id, engine, nodes, configs, from_start=None):
        """(Re)register a group.  nodes: dicts with cache_cluster_id,
        cache_node_id, shard_index, member_index.  configs: dicts with
        LogType, LogFormat, LogGroup (or ElastiCache's DestinationDetails
        form); non-CloudWatch destinations are ignored.  Re-registering keeps
        the read positions of nodes that stay.  from_start (default: the
        constructor's) delivers what the nodes logged before registration
        (True) or only what they log from now on (False)."""
        if from_start is None:
            from_start = self.from_start
        cfgs = [c for c in (_normalise_config(c) for c in configs) if c]
        with self._lock:
            old = self._groups.get(rg_id)
            reg = _GroupReg(rg_id, engine)
            reg.configs = cfgs
            if old is not None:
                reg.paused = old.paused
            for spec in nodes:
                key = (int(spec["shard_index"]), int(spec["member_index"]))
                st = old.nodes.get(key) if old is not None else None
                if st is None or st.spec != spec:
                    prev = st
                    st = _NodeState(dict(spec))
                    if prev is not None:
                        st.pid, st.last_id = prev.pid, prev.last_id
                        st.offset, st.inode, st.partial = prev.offset, prev.inode, prev.partial
                reg.nodes[key] = st
            self._groups[rg_id] = reg
            if not from_start:
                self._skip_existing(reg)

    def _skip_existing(self, reg):
        for (s, m), st in reg.nodes.items():
            if st.offset is not None:
                continue
            try:
                info = self.farm.nodes(reg.rg_id)[s][m]
                stt = os.stat(info.log_file)
                st.offset, st.inode = stt.st_size, stt.st_ino
                entries = self.farm.command(reg.rg_id, s, m, "SLOWLOG", "GET", 1, timeout=1.0)
                st.last_id = entries[0][0] if entries else -1
                st.pid = info.pid
            except (OSError, KeyError, IndexError, resp.ReplyError, resp.ProtocolError):
                pass

    def unregister_group(self, rg_id):
        """Stop collecting for the group (events already held are still written)."""
        with self._lock:
            self._groups.pop(rg_id, None)

    def pause(self, rg_id=None):
        """Hold every event (of one group, or all) until resume(); collection
        goes on, so a resume delivers the backlog with a large ingestion lag."""
        with self._lock:
            if rg_id is None:
                self._paused_all = True
            else:
                self._groups[rg_id].paused = True

    def resume(self, rg_id=None):
        with self._lock:
            if rg_id is None:
                self._paused_all = False
                for g in self._groups.values():
                    g.paused = False
            elif rg_id in self._groups:
                self._groups[rg_id].paused = False
        self._wake.set()

    def is_paused(self, rg_id=None):
        with self._lock:
            if self._paused_all:
                return True
            g = self._groups.get(rg_id)
            return bool(g and g.paused)

    # ------------------------------------------------------------ events
    def _delay(self):
        lo, hi = self.delay_range
        return self._rand.uniform(lo, hi) if hi > lo else lo

    def _hold(self, rg_id, log_group, stream, ts_ms, msg, delay):
        # one delay per stream and collection round: a batch is delivered
        # together, delay seconds after it was collected
        due = time.time() + delay
        with self._lock:
            heapq.heappush(
                self._pending, (due, next(self._seq), log_group, stream, ts_ms, msg, rg_id)
            )

    def inject(
        self,
        log_group,
        stream,
        message,
        timestamp_ms=None,
        ingestion_delay=None,
        errors="surrogateescape",
    ):
        """Queue one arbitrary event (tests, faults): any text, including
        escape sequences.  Bytes are decoded with `errors`: surrogateescape
        (default) keeps invalid UTF-8 as lone surrogates, which moto's JSON
        answer carries as \\udcXX escapes; "replace" gives U+FFFD as a real
        service storing valid UTF-8 would.  ingestion_delay (s) defaults to
        a draw from delay_range; 0 writes at the next writer tick.  The log
        group must exist; the stream is created when missing."""
        if isinstance(message, bytes):
            message = message.decode("utf-8", errors)
        if not message:
            raise ValueError("CloudWatch Logs events need a non-empty message")
        with BACKEND_LOCK:
            if log_group not in logs_backend(self.account_id, self.region).groups:
                raise KeyError("log group %r does not exist" % log_group)
        now_ms = int(time.time() * 1000)
        if timestamp_ms is None:
            timestamp_ms = now_ms
        if ingestion_delay is None:
            ingestion_delay = self._delay()
        due = time.time() + float(ingestion_delay)
        with self._lock:
            heapq.heappush(
                self._pending,
                (due, next(self._seq), log_group, stream, int(timestamp_ms), message, None),
            )
        self._wake.set()

    def pending(self):
        with self._lock:
            return len(self._pending)

    def flush(self, force=False):
        """Write the events that are due (all held events with force=True,
        paused ones included).  Returns the number written."""
        now = time.time()
        batch = []
        with self._lock:
            keep = []
            while self._pending:
                item = heapq.heappop(self._pending)
                due, rg = item[0], item[6]
                paused = self._paused_all or (
                    rg is not None and rg in self._groups and self._groups[rg].paused
                )
                if force or (due <= now and not paused):
                    batch.append(item)
                elif due > now and not force:
                    keep.append(item)
                    break
                else:
                    keep.append(item)
            for item in keep:
                heapq.heappush(self._pending, item)
        if not batch:
            return 0
        by_stream = {}
        for _, seq, group, stream, ts, msg, _rg in batch:
            by_stream.setdefault((group, stream), []).append((ts, seq, msg))
        written = 0
        for (group, stream), evs in by_stream.items():
            evs.sort()
            written += self._write(group, stream, [{"timestamp": t, "message": m} for t, _s, m in evs])
        return written

    def _write(self, group, stream, events):
        from moto.logs.exceptions import ResourceNotFoundException

        n = 0
        with BACKEND_LOCK:
            be = logs_backend(self.account_id, self.region)
            try:
                be.ensure_log_stream(group, stream)
            except ResourceNotFoundException:
                key = (group, stream)
                self.dropped[key] = self.dropped.get(key, 0) + len(events)
                return 0
            i = 0
            while i < len(events):
                chunk, size = [], 0
                while i < len(events) and len(chunk) < MAX_BATCH_EVENTS:
                    esize = len(events[i]["message"].encode("utf-8", "surrogateescape")) + 26
                    if chunk and size + esize > MAX_BATCH_BYTES:
                        break
                    chunk.append(events[i])
                    size += esize
                    i += 1
                _token, rejected = be.put_log_events(group, stream, chunk)
                accepted = len(chunk)
                if rejected:
                    accepted = len(
                        [
                            e
                            for e in chunk
                            if _accepted_by_moto(e["timestamp"])
                        ]
                    )
                n += accepted
        key = (group, stream)
        with self._lock:
            self.counters[key] = self.counters.get(key, 0) + n
        return n

    # ------------------------------------------------------------ collection
    def collect_once(self):
        """One collection round over every registered group (the collector
        thread calls this every interval; tests may call it directly)."""
        with self._lock:
            groups = list(self._groups.values())
        for reg in groups:
            if not reg.configs:
                continue
            try:
                layout = self.farm.nodes(reg.rg_id)
            except KeyError:
                continue
            for (s, m), st in sorted(reg.nodes.items()):
                try:
                    info = layout[s][m]
                except IndexError:
                    continue
                slow = [(f, g) for t, f, g in reg.configs if t == "slow-log"]
                engine = [(f, g) for t, f, g in reg.configs if t == "engine-log"]
                if slow:
                    self._collect_slowlog(reg, s, m, st, info, slow)
                if engine:
                    self._collect_engine(reg, st, info, engine)

    def _note_error(self, text):
        self.errors.append(text)
        del self.errors[:-50]

    def _collect_slowlog(self, reg, s, m, st, info, dests):
        """New SLOWLOG entries of one node -> records for each (fmt, group)."""
        if info.state != "running" or info.pid is None:
            return
        try:
            entries = self.farm.command(
                reg.rg_id, s, m, "SLOWLOG", "GET", SLOWLOG_FETCH, timeout=1.0
            )
        except (OSError, resp.ReplyError, resp.ProtocolError, KeyError) as e:
            self._note_error("%s slowlog: %s" % (info.name, e))
            return
        entries = sorted(entries or [], key=lambda e: e[0])
        restarted = st.pid is not None and st.pid != info.pid
        if restarted or (entries and entries[-1][0] < st.last_id):
            st.last_id = -1  # ids restart at 0 with the process
        st.pid = info.pid
        new = [e for e in entries if e[0] > st.last_id]
        if entries:
            st.last_id = max(st.last_id, entries[-1][0])
        if not new:
            return
        spec = st.spec
        stream = stream_name(
            reg.engine, spec["cache_cluster_id"], spec["cache_node_id"], "slow-log"
        )
        for fmt, group in dests:
            delay = self._delay()
            for e in new:
                ts, msg = slowlog_record(e, spec["cache_cluster_id"], spec["cache_node_id"], fmt)
                self._hold(reg.rg_id, group, stream, ts, msg, delay)

    def _collect_engine(self, reg, st, info, dests):
        """New engine-log lines of one node -> records for each (fmt, group)."""
        path = info.log_file
        try:
            f = open(path, "rb")
        except OSError:
            return
        with f:
            stt = os.fstat(f.fileno())
            if st.inode is not None and stt.st_ino != st.inode:
                st.offset, st.partial = 0, b""  # a new file
            if st.offset is None or stt.st_size < st.offset:
                st.offset, st.partial = 0, b""  # first read, or truncated
            st.inode = stt.st_ino
            f.seek(st.offset)
            data = f.read(MAX_READ)
            st.offset += len(data)
        if not data:
            return
        data = st.partial + data
        lines = data.split(b"\n")
        st.partial = lines.pop()
        if len(st.partial) > MAX_READ:
            st.partial = b""
        if info.role:
            st.role = "M" if info.role == "primary" else "S"
        parsed = []
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", "replace")
            p = parse_engine_line(line, st.role)
            if p is None:
                continue
            if p["role"] in ("M", "S"):
                st.role = p["role"]
            parsed.append(p)
        if not parsed:
            return
        spec = st.spec
        stream = stream_name(
            reg.engine, spec["cache_cluster_id"], spec["cache_node_id"], "engine-log"
        )
        for fmt, group in dests:
            delay = self._delay()
            for p in parsed:
                ts, msg = engine_record(p, spec["cache_cluster_id"], spec["cache_node_id"], fmt)
                self._hold(reg.rg_id, group, stream, ts, msg, delay)

    # ------------------------------------------------------------ threads
    def _collector(self):
        nxt = time.monotonic()
        while not self._stop.is_set():
            try:
                self.collect_once()
            except Exception as e:  # keep delivering whatever happens
                self._note_error("collect: %r" % e)
            self._wake.set()
            nxt += self.interval
            delay = nxt - time.monotonic()
            if delay < 0:
                nxt = time.monotonic()
                delay = 0
            self._stop.wait(delay)

    def _writer(self):
        while not self._stop.is_set():
            try:
                self.flush()
            except Exception as e:
                self._note_error("write: %r" % e)
            with self._lock:
                due = self._pending[0][0] if self._pending else None
            wait = 0.1 if due is None else min(0.1, max(0.0, due - time.time()))
            self._wake.wait(wait)
            self._wake.clear()

    def start(self):
        if self._threads:
            return
        self._stop.clear()
        for fn, name in ((self._collector, "logdelivery-collect"), (self._writer, "logdelivery-write")):
            t = threading.Thread(target=fn, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self):
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(10)
        self._threads = []


def _accepted_by_moto(ts_ms):
    now = time.time() * 1000
    return now - 14 * 86400 * 1000 <= ts_ms <= now + 2 * 3600 * 1000
