"""A farm of real redis-server processes standing in for ElastiCache nodes.

Each replication group gets its own redis-server processes on 127.0.0.1:
TLS only (``port 0`` + ``tls-port``, replication and cluster bus over TLS
too) when ``tls=True``, plain TCP otherwise; ``requirepass``/``masterauth``
set to the group's AUTH token when one is given; cluster mode with the
exact shard/replica layout (slots split the way ElastiCache splits them,
see slot_ranges) or one primary plus replicas (``replicaof``).

Addresses.  By default nodes listen on the farm's host (127.0.0.1) on
ports of their own.  A group created with ``port=`` (the sandbox does it,
with the port CreateReplicationGroup asked for) instead gives every node a
loopback address of its own (127.A.B.C) and listens there on that very port,
its cluster bus on port + 10000, as ElastiCache nodes do on their private
addresses; ``hostnames=`` names each node (AWS-shaped DNS names): with TLS
and cluster mode the nodes announce them (cluster-announce-hostname,
cluster-preferred-endpoint-type hostname), so CLUSTER SHARDS/SLOTS and
MOVED say names, not addresses; ``domain=`` with TLS gives the group a
certificate for ``*.DOMAIN`` only.  NodeInfo.host is where a node really
listens, NodeInfo.hostname its name (TLS clients check the certificate
against it: see Farm.connect).

Every child is started from one long-lived spawner thread with
PR_SET_PDEATHSIG=SIGKILL (the death signal is tied to the thread that
forked), in its own session, so a SIGKILLed parent never leaves redis-server
behind; stop_all() is also registered with atexit.

Commands that ElastiCache blocks (CONFIG, DEBUG, SAVE, BGSAVE, SHUTDOWN,
REPLICAOF, FAILOVER, ...) are renamed to per-farm secret names, so clients
see ``ERR unknown command`` exactly as on ElastiCache, while
Farm.command() translates them transparently for the sandbox itself.
"""

import atexit
import ctypes
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from . import resp, secretrec, tls

NUM_SLOTS = 16384
REDIS_SERVER = os.environ.get("ELCUI_REDIS_SERVER", "redis-server")

# Commands ElastiCache refuses; renamed on our nodes (never PSYNC/SYNC:
# replication needs them).
RENAMED_COMMANDS = (
    "CONFIG",
    "DEBUG",
    "SAVE",
    "BGSAVE",
    "BGREWRITEAOF",
    "SHUTDOWN",
    "REPLICAOF",
    "SLAVEOF",
    "FAILOVER",
    "MODULE",
    "MIGRATE",
    "LASTSAVE",
)

# maxmemory (bytes) ElastiCache configures per node type (reserved memory
# not deducted).  Unknown types get DEFAULT_MAXMEMORY.
NODE_TYPE_MAXMEMORY = {
    "cache.t2.micro": 581959680,
    "cache.t2.small": 1665138688,
    "cache.t2.medium": 3461349376,
    "cache.t3.micro": 536870912,
    "cache.t3.small": 1471026299,
    "cache.t3.medium": 3317862236,
    "cache.t4g.micro": 536870912,
    "cache.t4g.small": 1471026299,
    "cache.t4g.medium": 3317862236,
    "cache.m5.large": 6854542746,
    "cache.m6g.large": 6854542746,
    "cache.r5.large": 14037181030,
    "cache.r6g.large": 14037181030,
    "cache.r7g.large": 14037181030,
}
DEFAULT_MAXMEMORY = 256 * 1024 * 1024

_PR_SET_PDEATHSIG = 1
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
    _PRCTL = _LIBC.prctl
except (OSError, AttributeError):  # not Linux
    _PRCTL = None


def slot_ranges(num_shards):
    """ElastiCache's even split of the 16384 slots over num_shards shards.

    The remainder goes to the first shards: 3 shards -> 0-5461, 5462-10922,
    10923-16383.  Returns a list of (first, last) inclusive."""
    if num_shards < 1 or num_shards > NUM_SLOTS:
        raise ValueError("shards must be 1..16384")
    base, extra = divmod(NUM_SLOTS, num_shards)
    out = []
    first = 0
    for i in range(num_shards):
        n = base + (1 if i < extra else 0)
        out.append((first, first + n - 1))
        first += n
    return out


def parse_slots(spec):
    """'0-100,200,300-400' or [(a, b), ...] -> list of (first, last)."""
    if isinstance(spec, str):
        out = []
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                a, b = part.split("-", 1)
                out.append((int(a), int(b)))
            else:
                out.append((int(part), int(part)))
        return out
    return [(int(a), int(b)) for a, b in spec]


def format_slots(ranges):
    return ",".join("%d-%d" % (a, b) if a != b else "%d" % a for a, b in ranges)


class FarmError(Exception):
    pass


class NodeInfo:
    """Public description of one node (a snapshot; see Farm.nodes())."""

    __slots__ = (
        "name",
        "host",
        "hostname",
        "port",
        "role",
        "pid",
        "log_file",
        "shard_index",
        "member_index",
        "bus_port",
        "node_id",
        "tls",
        "dir",
        "state",
    )

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))

    def to_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self):
        return "NodeInfo(%s %s:%s %s pid=%s %s)" % (
            self.name,
            self.host,
            self.port,
            self.role,
            self.pid,
            self.state,
        )


class _Node:
    def __init__(self, group, shard_index, member_index, name, directory):
        self.group = group
        self.shard_index = shard_index
        self.member_index = member_index
        self.name = name
        self.dir = directory
        self.conf_file = os.path.join(directory, "redis.conf")
        self.log_file = os.path.join(directory, "redis.log")
        self.addr = None  # where it listens (127.0.0.1, or 127.A.B.C of its own)
        self.hostname = None  # its DNS name (groups with AWS-shaped names)
        self.port = None
        self.bus_port = None
        self.proc = None
        self.node_id = None
        self.role = "primary" if member_index == 0 else "replica"
        self.state = "new"  # running | stopped (SIGSTOP) | killed | deleted

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def info(self):
        return NodeInfo(
            name=self.name,
            host=self.addr,
            hostname=self.hostname,
            port=self.port,
            role=self.role,
            pid=self.pid if self.alive() else None,
            log_file=self.log_file,
            shard_index=self.shard_index,
            member_index=self.member_index,
            bus_port=self.bus_port,
            node_id=self.node_id,
            tls=self.group.tls,
            dir=self.dir,
            state=self.state,
        )


class _Group:
    def __init__(self, rg_id, cluster_mode, tls_on, auth_token, engine, directory):
        self.rg_id = rg_id
        self.cluster_mode = cluster_mode
        self.tls = tls_on
        self.auth_token = auth_token
        self.engine = engine
        self.dir = directory
        self.shards = []  # list of list of _Node
        self.slots = []  # per shard list of (a, b)
        self.lock = threading.RLock()
        self.port = None  # the one port of every node (own addresses), or None
        self.domain = None  # certificate for *.domain (TLS with names), or None
        self.cert_file = None
        self.key_file = None
        self.announce = False  # nodes announce their host names

    def all_nodes(self):
        return [n for shard in self.shards for n in shard]


class _Spawner:
    """One long-lived thread doing every fork, so PR_SET_PDEATHSIG (which is
    tied to the forking *thread*) only fires when the process dies."""

    def __init__(self):
        self._q = queue.Queue()
        self._thread = threading.Thread(
            target=self._run, name="farm-spawner", daemon=True
        )
        self._thread.start()

    def _run(self):
        while True:
            item = self._q.get()
            if item is None:
                return
            fn, box, done = item
            try:
                box.append((True, fn()))
            except BaseException as e:  # handed back to the caller
                box.append((False, e))
            done.set()

    def call(self, fn):
        box, done = [], threading.Event()
        self._q.put((fn, box, done))
        done.wait()
        ok, value = box[0]
        if not ok:
            raise value
        return value


def _preexec(parent_pid):
    def fn():
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(1)

    return fn


_LIVE_FARMS = weakref.WeakSet()


def _stop_live_farms():
    for f in list(_LIVE_FARMS):
        try:
            f.stop_all()
        except Exception:
            pass


atexit.register(_stop_live_farms)


class Farm:
    """Redis processes for sandbox replication groups (see module doc)."""

    def __init__(
        self,
        state_dir,
        port_base=None,
        host="127.0.0.1",
        rename_commands=True,
        node_timeout_ms=3000,
    ):
        self.state_dir = os.path.abspath(state_dir)
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        self.host = host
        self.node_timeout_ms = int(node_timeout_ms)
        self._lock = threading.RLock()
        self._groups = {}
        self._pool = {}  # (rg, s, m) -> [Connection]
        self._pool_lock = threading.Lock()
        self._spawner = None
        self._reserved = set()
        self._addrs = set()  # loopback addresses given to nodes
        if port_base is None:
            port_base = 20000 + secrets.randbelow(900) * 10
            self._port_explicit = False
        else:
            self._port_explicit = True
        self._next_port = int(port_base)
        self._mat = tls.generate(os.path.join(self.state_dir, "tls"))
        self.ca_file = self._mat.ca_file
        self.cert_file = self._mat.cert_file
        self.key_file = self._mat.key_file
        secret = secrets.token_hex(8)
        self._renamed = (
            {c: "%s_%s" % (c, secret) for c in RENAMED_COMMANDS}
            if rename_commands
            else {}
        )
        self._ssl_ctx = resp.client_context(self.ca_file)
        _LIVE_FARMS.add(self)

    # ------------------------------------------------------------ helpers
    def _spawn(self, fn):
        with self._lock:
            if self._spawner is None:
                self._spawner = _Spawner()
            sp = self._spawner
        return sp.call(fn)

    def _port_free(self, port, addr=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr or self.host, port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def _alloc_port(self):
        with self._lock:
            for _ in range(20000):
                p = self._next_port
                self._next_port += 1
                if self._next_port > 65535:
                    self._next_port = 20000
                if p in self._reserved:
                    continue
                if self._port_free(p):
                    self._reserved.add(p)
                    return p
        raise FarmError("no free TCP port found")

    def _alloc_addr(self, ports):
        """A loopback address of its own (127.A.B.C, never 127.0.x.x) on
        which every port in ports is free."""
        busy = 0
        with self._lock:
            for _ in range(200):
                addr = "127.%d.%d.%d" % (1 + secrets.randbelow(254), secrets.randbelow(256), 1 + secrets.randbelow(254))
                if addr in self._addrs:
                    continue
                if all(self._port_free(p, addr) for p in ports):
                    self._addrs.add(addr)
                    return addr
                busy += 1
        raise FarmError(
            "port %s is taken on every loopback address tried (%d): is a server listening on "
            "0.0.0.0:%s?" % ("/".join(str(p) for p in ports), busy, ports[0])
        )

    def _group(self, rg_id):
        with self._lock:
            g = self._groups.get(rg_id)
        if g is None:
            raise KeyError("unknown replication group %r" % rg_id)
        return g

    def _node(self, rg_id, shard_index, member_index):
        g = self._group(rg_id)
        try:
            return g.shards[shard_index][member_index]
        except IndexError:
            raise KeyError(
                "no node %d/%d in %r" % (shard_index, member_index, rg_id)
            ) from None

    def translate(self, args):
        """Map a command to the node's (renamed) spelling."""
        if args and self._renamed:
            first = args[0]
            name = first.decode() if isinstance(first, bytes) else str(first)
            alias = self._renamed.get(name.upper())
            if alias is not None:
                return (alias,) + tuple(args[1:])
        return tuple(args)

    def renamed_command(self, name):
        """The secret name of a renamed command (for tools run by the sandbox)."""
        return self._renamed.get(name.upper(), name)

    # ------------------------------------------------------------ config
    def _write_conf(self, g, n):
        lines = [
            "# generated by tests/sandbox/sandbox/farm.py for %s" % n.name,
            "bind %s" % n.addr,
            # outgoing connections (replication, cluster bus) from its own
            # address too: peers learn a node's address from them
            "bind-source-addr %s" % n.addr,
            "replica-announce-ip %s" % n.addr,
            "protected-mode no",
            "daemonize no",
            'dir "%s"' % n.dir,
            'logfile "%s"' % n.log_file,
            "loglevel notice",
            'save ""',
            "appendonly no",
            "tcp-keepalive 300",
            "timeout 0",
            "databases 16",
            "maxmemory %d" % g.maxmemory,
            "maxmemory-policy volatile-lru",
            "slowlog-log-slower-than %d" % g.slowlog_us,
            "slowlog-max-len %d" % g.slowlog_max_len,
            "repl-diskless-sync yes",
            "repl-diskless-sync-delay 0",
            "shutdown-timeout 1",
            "latency-tracking no",
        ]
        if g.tls:
            lines += [
                "port 0",
                "tls-port %d" % n.port,
                'tls-cert-file "%s"' % (g.cert_file or self.cert_file),
                'tls-key-file "%s"' % (g.key_file or self.key_file),
                'tls-ca-cert-file "%s"' % self.ca_file,
                "tls-auth-clients no",
                "tls-replication yes",
            ]
        else:
            lines.append("port %d" % n.port)
        if g.auth_token is not None:
            tok = _conf_quote(g.auth_token)
            lines += ["requirepass %s" % tok, "masterauth %s" % tok]
            secretrec.record(g.auth_token, "Redis AUTH token of %s" % g.rg_id)
            secretrec.allow(n.conf_file, "redis.conf holds requirepass")
        if g.cluster_mode:
            lines += [
                "cluster-enabled yes",
                'cluster-config-file "%s"' % os.path.join(n.dir, "nodes.conf"),
                "cluster-port %d" % n.bus_port,
                "cluster-node-timeout %d" % self.node_timeout_ms,
                "cluster-require-full-coverage no",
                "cluster-replica-validity-factor 0",
                "cluster-allow-replica-migration no",
            ]
            if g.tls:
                lines.append("tls-cluster yes")
            lines.append("cluster-announce-ip %s" % n.addr)
            if g.announce:
                lines += [
                    "cluster-announce-hostname %s" % n.hostname,
                    "cluster-preferred-endpoint-type hostname",
                ]
        elif n.member_index > 0:
            primary = g.shards[n.shard_index][0]
            lines.append("replicaof %s %d" % (primary.addr, primary.port))
        for orig, alias in sorted(self._renamed.items()):
            lines.append("rename-command %s %s" % (orig, alias))
        data = ("\n".join(lines) + "\n").encode()
        fd = os.open(n.conf_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
        finally:
            os.close(fd)

    def _start_proc(self, n):
        env = dict(os.environ)
        env["TZ"] = "UTC"
        env["LC_ALL"] = "C"
        parent = os.getpid()

        def spawn():
            return subprocess.Popen(
                [REDIS_SERVER, n.conf_file],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=n.dir,
                env=env,
                start_new_session=True,
                close_fds=True,
                preexec_fn=_preexec(parent),
            )

        n.proc = self._spawn(spawn)
        n.state = "running"

    # ------------------------------------------------------------ connections
    def connect(self, rg_id, shard_index, member_index, timeout=5.0, raw=False):
        """A new resp.Connection to the node (AUTHed); caller closes it."""
        g = self._group(rg_id)
        n = self._node(rg_id, shard_index, member_index)
        return self._connect_node(g, n, timeout=timeout, raw=raw)

    def _connect_node(self, g, n, timeout=5.0, raw=False):
        return resp.Connection(
            n.addr,
            n.port,
            tls=g.tls,
            ssl_context=self._ssl_ctx if g.tls else None,
            server_hostname=n.hostname if g.domain else None,
            password=g.auth_token,
            timeout=timeout,
            raw=raw,
        )

    def _drop_pool(self, key):
        with self._pool_lock:
            conns = self._pool.pop(key, [])
        for c in conns:
            c.close()

    def command(self, rg_id, shard_index, member_index, *args, timeout=5.0):
        """Run one command on a node and return the decoded reply.

        Error replies raise resp.ReplyError.  Renamed (ElastiCache-blocked)
        commands are translated.  Connections are pooled per node; a pooled
        connection that turns out dead is replaced once."""
        g = self._group(rg_id)
        n = self._node(rg_id, shard_index, member_index)
        return self._command_node(g, n, args, timeout)

    def _command_node(self, g, n, args, timeout=5.0):
        key = (g.rg_id, n.shard_index, n.member_index)
        args = self.translate(args)
        for attempt in (0, 1):
            conn = None
            with self._pool_lock:
                lst = self._pool.get(key)
                if lst:
                    conn = lst.pop()
            reused = conn is not None
            if conn is None:
                conn = self._connect_node(g, n, timeout=timeout)
            try:
                conn.settimeout(timeout)
                reply = conn.call(*args, raise_errors=False)
            except (OSError, resp.ProtocolError):
                conn.close()
                if reused and attempt == 0:
                    continue
                raise
            with self._pool_lock:
                lst = self._pool.setdefault(key, [])
                if len(lst) < 4 and not conn.closed:
                    lst.append(conn)
                else:
                    conn.close()
            if isinstance(reply, resp.ReplyError):
                raise reply
            return reply
        raise FarmError("unreachable")

    # ------------------------------------------------------------ groups
    def create_group(
        self,
        rg_id,
        *,
        shards,
        replicas,
        cluster_mode,
        tls,
        auth_token,
        engine="redis",
        slots=None,
        maxmemory=None,
        node_type=None,
        slowlog_us=10000,
        slowlog_max_len=128,
        timeout=60.0,
        port=None,
        hostnames=None,
        domain=None,
    ):
        """Start and assemble the nodes of one replication group.

        Returns a list (index = shard 0..) of lists of NodeInfo, element i
        being member i; member 0 is the primary at creation.  Blocks until
        the group serves: every node answers, in cluster mode every node
        reports cluster_state:ok and knows the whole layout, and every
        replica's link to its primary is up.

        replicas: replicas per shard, or a list with one count per shard
        (NodeGroupConfiguration's ReplicaCount).
        slots: optional per-shard slot specs ("0-8191" or [(0, 8191)]);
        default slot_ranges(shards).  maxmemory: bytes (default from
        node_type, else 256 MiB).  port: every node on this port, each on
        a loopback address of its own; hostnames: per shard, per member,
        the node's DNS name; domain: with TLS, the group's certificate is
        for *.domain only (see the module doc)."""
        shards = int(shards)
        if isinstance(replicas, (list, tuple)):
            replicas = [int(r) for r in replicas]
            if len(replicas) != shards:
                raise ValueError("one replica count per shard")
        else:
            replicas = [int(replicas)] * shards
        if shards < 1 or min(replicas) < 0:
            raise ValueError("need at least one shard and >= 0 replicas")
        if not cluster_mode and shards != 1:
            raise ValueError("cluster mode disabled means exactly one shard")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", rg_id):
            raise ValueError("bad replication group id %r" % rg_id)
        with self._lock:
            if rg_id in self._groups:
                raise FarmError("replication group %r already exists" % rg_id)
            gdir = os.path.join(self.state_dir, "groups", rg_id)
            g = _Group(rg_id, bool(cluster_mode), bool(tls), auth_token, engine, gdir)
            if port is not None:
                g.port = int(port)
                if not 1 <= g.port <= 65535:
                    raise ValueError("port must be 1..65535")
            g.domain = domain if tls and domain else None
            g.announce = bool(hostnames) and bool(tls) and bool(cluster_mode)
            self._groups[rg_id] = g
        try:
            return self._create(g, shards, replicas, slots, maxmemory, node_type,
                                slowlog_us, slowlog_max_len, timeout, hostnames)
        except BaseException:
            self._teardown(g)
            with self._lock:
                self._groups.pop(rg_id, None)
            raise

    def _bus_port(self, g):
        return g.port + 10000 if g.port + 10000 <= 65535 else g.port - 10000

    def _place(self, g, n):
        """Give n its address and ports."""
        if g.port is not None:
            n.port = g.port
            n.bus_port = self._bus_port(g) if g.cluster_mode else None
            n.addr = self._alloc_addr([n.port] + ([n.bus_port] if n.bus_port else []))
        else:
            n.addr = self.host
            n.port = self._alloc_port()
            n.bus_port = self._alloc_port() if g.cluster_mode else None

    def _create(self, g, shards, replicas, slots, maxmemory, node_type,
                slowlog_us, slowlog_max_len, timeout, hostnames=None):
        deadline = time.monotonic() + timeout
        if maxmemory is None:
            maxmemory = NODE_TYPE_MAXMEMORY.get(node_type, DEFAULT_MAXMEMORY)
        g.maxmemory = int(maxmemory)
        g.slowlog_us = int(slowlog_us)
        g.slowlog_max_len = int(slowlog_max_len)
        if g.cluster_mode:
            if slots is None:
                g.slots = [[r] for r in slot_ranges(shards)]
            else:
                if len(slots) != shards:
                    raise ValueError("one slot spec per shard")
                g.slots = [parse_slots(s) for s in slots]
        if os.path.exists(g.dir):
            shutil.rmtree(g.dir)
        os.makedirs(g.dir, mode=0o700)
        if g.domain:
            g.cert_file = os.path.join(g.dir, "server.crt")
            g.key_file = os.path.join(g.dir, "server.key")
            tls.issue(self._mat, ["*." + g.domain], g.cert_file, g.key_file)
        for s in range(shards):
            members = []
            for m in range(replicas[s] + 1):
                if g.cluster_mode:
                    name = "%s-%04d-%03d" % (g.rg_id, s + 1, m + 1)
                else:
                    name = "%s-%03d" % (g.rg_id, m + 1)
                d = os.path.join(g.dir, name)
                os.makedirs(d, mode=0o700)
                node = _Node(g, s, m, name, d)
                if hostnames:
                    node.hostname = hostnames[s][m]
                members.append(node)
            g.shards.append(members)
        nodes = g.all_nodes()
        for n in nodes:
            self._place(g, n)
        if g.cluster_mode:
            for n in nodes:
                n.node_id = secrets.token_hex(20)
        # start all; if a port was taken meanwhile, move that node and restart
        # the whole group (the others' configuration names its ports)
        for attempt in range(4):
            for n in nodes:
                self._write_conf(g, n)
                if g.cluster_mode:
                    self._write_nodes_conf(g, n)
            for n in nodes:
                self._start_proc(n)
            failed = self._wait_ready(g, nodes, deadline)
            if not failed:
                break
            for n in failed:
                if attempt == 3 or not _log_says_port_busy(n.log_file):
                    raise FarmError(
                        "redis-server %s exited; see %s" % (n.name, n.log_file)
                    )
            for n in nodes:
                self._kill_proc(n)
            for n in failed:
                self._place(g, n)
        if g.cluster_mode:
            self._assemble_cluster(g, deadline)
        self._wait_serving(g, deadline)
        return self.nodes(g.rg_id)

    def _wait_ready(self, g, nodes, deadline):
        """Wait until each node answers PING; returns the nodes that died."""
        pending = list(nodes)
        failed = []
        while pending:
            still = []
            for n in pending:
                if not n.alive():
                    failed.append(n)
                    continue
                try:
                    with self._connect_node(g, n, timeout=1.0) as c:
                        c.call("PING")
                except (OSError, resp.ProtocolError, resp.ReplyError):
                    still.append(n)
            pending = still
            if pending:
                if time.monotonic() > deadline:
                    raise FarmError(
                        "nodes not answering: %s" % ", ".join(n.name for n in pending)
                    )
                time.sleep(0.02)
        return failed

    def _write_nodes_conf(self, g, n):
        """Pre-write the cluster configuration (nodes.conf) of node n: every
        node starts knowing the whole layout (ids, addresses, roles, slots,
        epochs), so no MEET/REPLICATE handshake and no gossip delay."""
        lines = []
        for shard_index, shard in enumerate(g.shards):
            epoch = shard_index + 1
            primary = shard[0]
            for m in shard:
                flags = "master" if m.member_index == 0 else "slave"
                if m is n:
                    flags = "myself," + flags
                master = "-" if m.member_index == 0 else primary.node_id
                addr = "%s:%d@%d" % (m.addr, m.port, m.bus_port)
                if g.announce:
                    addr += "," + m.hostname
                fields = [
                    m.node_id,
                    addr,
                    flags,
                    master,
                    "0",
                    "0",
                    str(epoch),
                    "connected",
                ]
                if m.member_index == 0:
                    fields += [
                        "%d-%d" % (a, b) if a != b else str(a)
                        for a, b in g.slots[shard_index]
                    ]
                lines.append(" ".join(fields))
        lines.append("vars currentEpoch %d lastVoteEpoch 0" % len(g.shards))
        path = os.path.join(n.dir, "nodes.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _assemble_cluster(self, g, deadline):
        conns = {}
        try:
            for n in g.all_nodes():
                conns[n] = self._connect_node(g, n)
            self._prime_offsets(g, conns, deadline)
        finally:
            for c in conns.values():
                c.close()

    def _prime_offsets(self, g, conns, deadline):
        replicas = [n for n in g.all_nodes() if n.member_index > 0]
        while replicas:
            replicas = [n for n in replicas if conns[n].call("ROLE")[3] != "connected"]
            if replicas:
                if time.monotonic() > deadline:
                    raise FarmError("replicas did not sync: %s" % replicas[0].name)
                time.sleep(0.01)
        for shard in g.shards:
            if len(shard) > 1:
                conns[shard[0]].call("FLUSHALL")
        for shard in g.shards:
            for n in shard[1:]:
                while conns[n].call("ROLE")[4] <= 0:
                    if time.monotonic() > deadline:
                        raise FarmError("replica %s offset stays 0" % n.name)
                    time.sleep(0.01)

    def _wait_serving(self, g, deadline, scope=None):
        """Block until the group serves: every running node answers (and in
        cluster mode reports cluster_state:ok and knows every node), and the
        nodes in scope (default: all) have the roles the farm expects, as
        they themselves and every other node see it."""
        scope = list(scope or g.all_nodes())
        nodes = [n for n in g.all_nodes() if n.state == "running"]
        total = len([n for n in g.all_nodes() if n.state != "deleted"])
        last = ""
        while True:
            problems = []
            for n in nodes:
                try:
                    problems += self._node_problems(g, n, total, scope)
                except (OSError, resp.ProtocolError, resp.ReplyError) as e:
                    problems.append("%s: %s" % (n.name, e))
            if not problems:
                return
            last = problems[0]
            if time.monotonic() > deadline:
                raise FarmError("group %s not serving: %s" % (g.rg_id, last))
            time.sleep(0.05)

    def _node_problems(self, g, n, total, scope):
        out = []
        role = self._command_node(g, n, ("ROLE",), timeout=2.0)
        if n in scope:
            expect = "master" if n.role == "primary" else "slave"
            if role[0] != expect:
                out.append("%s: role %s, expected %s" % (n.name, role[0], expect))
            if role[0] == "slave" and role[3] != "connected":
                out.append("%s: replication link %s" % (n.name, role[3]))
        if g.cluster_mode:
            info = resp.parse_info(self._command_node(g, n, ("CLUSTER", "INFO")))
            if info.get("cluster_state") != "ok":
                out.append("%s: cluster_state %s" % (n.name, info.get("cluster_state")))
            if info.get("cluster_known_nodes") != total:
                out.append(
                    "%s: knows %s of %d nodes"
                    % (n.name, info.get("cluster_known_nodes"), total)
                )
            health = _shards_health(self._command_node(g, n, ("CLUSTER", "SHARDS")))
            view = _parse_cluster_nodes(self._command_node(g, n, ("CLUSTER", "NODES")))
            for other in scope:
                if other.state == "running" and health.get(other.node_id) != "online":
                    out.append(
                        "%s: sees %s %s"
                        % (n.name, other.name, health.get(other.node_id, "missing"))
                    )
                if other.state == "deleted":
                    continue
                v = view.get(other.node_id)
                if v is None:
                    out.append("%s: does not know %s" % (n.name, other.name))
                    continue
                if "handshake" in v["flags"] or "noaddr" in v["flags"]:
                    out.append("%s: %s in handshake" % (n.name, other.name))
                if other.state != "running":
                    continue
                if "fail" in v["flags"] or "fail?" in v["flags"]:
                    out.append("%s: sees %s failing" % (n.name, other.name))
                want = "master" if other.role == "primary" else "slave"
                if want not in v["flags"]:
                    out.append("%s: sees %s not as %s" % (n.name, other.name, want))
        return out

    def nodes(self, rg_id):
        """Current layout: list per shard of NodeInfo ordered by member index
        (member 0 was the primary at creation; after a failover look at
        .role)."""
        g = self._group(rg_id)
        with g.lock:
            return [[n.info() for n in shard] for shard in g.shards]

    def groups(self):
        with self._lock:
            return sorted(self._groups)

    def group_config(self, rg_id):
        g = self._group(rg_id)
        return {
            "cluster_mode": g.cluster_mode,
            "tls": g.tls,
            "engine": g.engine,
            "slots": [format_slots(s) for s in g.slots] if g.cluster_mode else None,
            "maxmemory": g.maxmemory,
            "slowlog_us": g.slowlog_us,
        }

    def roles(self, rg_id):
        """{(shard, member): "primary"|"replica"} as Redis reports now.

        A node that does not answer (killed, SIGSTOPped) is reported as the
        rest of the cluster sees it (cluster mode) or with its last known
        role."""
        g = self._group(rg_id)
        nodes = [n for n in g.all_nodes() if n.state != "deleted"]

        def ask(n):
            if n.state != "running":
                return n, None
            try:
                r = self._command_node(g, n, ("ROLE",), timeout=1.0)
                return n, ("primary" if r[0] == "master" else "replica")
            except (OSError, resp.ProtocolError, resp.ReplyError):
                return n, None

        with ThreadPoolExecutor(max_workers=min(16, len(nodes) or 1)) as ex:
            answers = list(ex.map(ask, nodes))
        out = {}
        missing = []
        for n, role in answers:
            if role is None:
                missing.append(n)
            else:
                out[(n.shard_index, n.member_index)] = role
                n.role = role
        if missing and g.cluster_mode:
            view = None
            for n, role in answers:
                if role is None:
                    continue
                try:
                    view = _parse_cluster_nodes(
                        self._command_node(g, n, ("CLUSTER", "NODES"), timeout=1.0)
                    )
                    break
                except (OSError, resp.ProtocolError, resp.ReplyError):
                    continue
            if view:
                for n in missing:
                    v = view.get(n.node_id)
                    if v is not None:
                        n.role = "primary" if "master" in v["flags"] else "replica"
        for n in missing:
            out[(n.shard_index, n.member_index)] = n.role
        return out

    def _refresh_roles(self, g):
        self.roles(g.rg_id)

    def primary(self, rg_id, shard_index):
        """Member index of the shard's current primary."""
        roles = self.roles(rg_id)
        for (s, m), role in sorted(roles.items()):
            if s == shard_index and role == "primary":
                return m
        raise FarmError("shard %d of %s has no primary" % (shard_index, rg_id))

    # ------------------------------------------------------------ failover
    def failover(self, rg_id, shard_index, member_index=None, timeout=30.0):
        """Promote a replica of the shard; returns (shard, new primary member).

        Cluster mode: CLUSTER FAILOVER on the replica (FORCE when the primary
        does not answer).  Cluster mode disabled: FAILOVER TO on the primary
        (REPLICAOF NO ONE on the replica when the primary is down), then the
        other replicas are pointed at the new primary.  Waits until Redis
        reports the new roles."""
        g = self._group(rg_id)
        deadline = time.monotonic() + timeout
        self.roles(rg_id)
        shard = g.shards[shard_index]
        old = [n for n in shard if n.role == "primary"]
        old = old[0] if old else None
        if member_index is None:
            cands = [
                n
                for n in shard
                if n.role == "replica" and n.state == "running" and n is not old
            ]
            if not cands:
                raise FarmError("shard %d of %s has no replica to promote"
                                % (shard_index, rg_id))
            target = cands[0]
        else:
            target = shard[member_index]
            if target is old:
                raise FarmError("member %d is already the primary" % member_index)
            if target.state != "running":
                raise FarmError("member %d is not running" % member_index)
        primary_up = old is not None and old.state == "running"
        if primary_up:
            try:
                self._command_node(g, old, ("PING",), timeout=1.0)
            except (OSError, resp.ProtocolError, resp.ReplyError):
                primary_up = False
        with g.lock:
            if g.cluster_mode:
                self._failover_cluster(g, target, primary_up, deadline)
            else:
                self._failover_plain(g, shard, old, target, primary_up, deadline)
            for n in shard:
                n.role = "replica"
            target.role = "primary"
        self._wait_serving(g, deadline, scope=shard)
        return (shard_index, target.member_index)

    def _failover_cluster(self, g, target, primary_up, deadline):
        modes = [()] if primary_up else [("FORCE",)]
        modes += [("FORCE",), ("TAKEOVER",)]
        for mode in modes:
            try:
                self._command_node(g, target, ("CLUSTER", "FAILOVER") + mode)
            except resp.ReplyError:
                continue
            step_deadline = min(deadline, time.monotonic() + (10 if mode else 8))
            while time.monotonic() < step_deadline:
                r = self._command_node(g, target, ("ROLE",), timeout=2.0)
                if r[0] == "master":
                    return
                time.sleep(0.05)
        raise FarmError("CLUSTER FAILOVER on %s did not complete" % target.name)

    def _failover_plain(self, g, shard, old, target, primary_up, deadline):
        done = False
        if primary_up:
            # the replica must be in sync for FAILOVER TO
            try:
                self._command_node(
                    g, old, ("FAILOVER", "TO", target.addr, target.port, "TIMEOUT", 5000)
                )
                while time.monotonic() < deadline:
                    r = self._command_node(g, target, ("ROLE",), timeout=2.0)
                    if r[0] == "master":
                        done = True
                        break
                    time.sleep(0.05)
            except resp.ReplyError:
                done = False
        if not done:
            self._command_node(g, target, ("REPLICAOF", "NO", "ONE"))
        for n in shard:
            if n is target or n.state != "running":
                continue
            if n is old and done:
                continue  # FAILOVER already made it a replica of target
            try:
                self._command_node(g, n, ("REPLICAOF", target.addr, target.port))
            except (OSError, resp.ProtocolError, resp.ReplyError):
                pass
        # persist the new topology for restarts
        for n in shard:
            self._rewrite_replicaof(g, n, None if n is target else target)

    def _rewrite_replicaof(self, g, n, primary):
        with open(n.conf_file) as f:
            lines = [ln for ln in f.read().splitlines() if not ln.startswith("replicaof ")]
        if primary is not None:
            lines.append("replicaof %s %d" % (primary.addr, primary.port))
        fd = os.open(n.conf_file, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, ("\n".join(lines) + "\n").encode())
        finally:
            os.close(fd)

    # ------------------------------------------------------------ node control
    def _kill_proc(self, n, sig=signal.SIGKILL, wait=10.0):
        p = n.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                os.kill(p.pid, sig)
                if sig != signal.SIGKILL:
                    os.kill(p.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            try:
                p.wait(wait)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(5)
        self._drop_pool((n.group.rg_id, n.shard_index, n.member_index))

    def kill_node(self, rg_id, shard_index, member_index):
        """SIGKILL the node (a crash); it stays down until restart_node."""
        n = self._node(rg_id, shard_index, member_index)
        self._kill_proc(n, signal.SIGKILL)
        n.state = "killed"

    def restart_node(self, rg_id, shard_index, member_index, wait=True, timeout=60.0):
        """(Re)start the node on the same port with the same data dir; it
        rejoins its group.  If it is still running it is killed first."""
        g = self._group(rg_id)
        n = self._node(rg_id, shard_index, member_index)
        deadline = time.monotonic() + timeout
        if n.alive():
            self._kill_proc(n, signal.SIGKILL)
        self._start_proc(n)
        if self._wait_ready(g, [n], deadline):
            n.state = "killed"
            raise FarmError("%s did not restart; see %s" % (n.name, n.log_file))
        if wait:
            self._wait_rejoined(g, n, deadline)
        return n.info()

    def _wait_rejoined(self, g, n, deadline):
        while True:
            try:
                r = self._command_node(g, n, ("ROLE",), timeout=2.0)
                ok = r[0] == "master" or r[3] == "connected"
                if ok and g.cluster_mode:
                    info = resp.parse_info(self._command_node(g, n, ("CLUSTER", "INFO")))
                    ok = info.get("cluster_state") == "ok"
                    if ok:
                        # the others must see it alive again
                        for other in g.all_nodes():
                            if other is n or other.state != "running":
                                continue
                            view = _parse_cluster_nodes(
                                self._command_node(g, other, ("CLUSTER", "NODES"))
                            )
                            v = view.get(n.node_id)
                            if v is None or "fail" in v["flags"] or "fail?" in v["flags"]:
                                ok = False
                                break
                if ok:
                    n.role = "primary" if r[0] == "master" else "replica"
                    return
            except (OSError, resp.ProtocolError, resp.ReplyError):
                pass
            if time.monotonic() > deadline:
                raise FarmError("%s did not rejoin its group" % n.name)
            time.sleep(0.05)

    def stop_node(self, rg_id, shard_index, member_index):
        """SIGSTOP the node (it hangs: connections stay open, no replies)."""
        n = self._node(rg_id, shard_index, member_index)
        if not n.alive():
            raise FarmError("%s is not running" % n.name)
        os.kill(n.pid, signal.SIGSTOP)
        _wait_proc_state(n.pid, lambda st: st == "T")
        n.state = "stopped"
        self._drop_pool((rg_id, shard_index, member_index))

    def cont_node(self, rg_id, shard_index, member_index):
        """SIGCONT a stopped node."""
        n = self._node(rg_id, shard_index, member_index)
        if not n.alive():
            raise FarmError("%s is not running" % n.name)
        os.kill(n.pid, signal.SIGCONT)
        _wait_proc_state(n.pid, lambda st: st != "T")
        n.state = "running"

    def delete_group(self, rg_id):
        """Stop every node of the group and remove its directory."""
        with self._lock:
            g = self._groups.pop(rg_id, None)
        if g is None:
            raise KeyError("unknown replication group %r" % rg_id)
        self._teardown(g)
        shutil.rmtree(g.dir, ignore_errors=True)

    def _teardown(self, g):
        nodes = g.all_nodes()
        for n in nodes:
            p = n.proc
            if p is not None and p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGTERM)
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
        end = time.monotonic() + 3.0
        for n in nodes:
            p = n.proc
            if p is None:
                continue
            try:
                p.wait(max(0.01, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(5)
            n.state = "deleted"
            self._drop_pool((g.rg_id, n.shard_index, n.member_index))
            with self._lock:
                if g.port is None:
                    self._reserved.discard(n.port)
                    self._reserved.discard(n.bus_port)
                else:
                    self._addrs.discard(n.addr)

    def pids(self):
        """pids of every live redis-server of this farm."""
        with self._lock:
            groups = list(self._groups.values())
        return [n.pid for g in groups for n in g.all_nodes() if n.alive()]

    def stop_all(self):
        """Stop every process of every group (idempotent)."""
        with self._lock:
            groups = list(self._groups.values())
            self._groups.clear()
        for g in groups:
            self._teardown(g)
        with self._lock:
            sp, self._spawner = self._spawner, None
        if sp is not None:
            sp._q.put(None)


def _wait_proc_state(pid, ok, timeout=5.0):
    """Signals are delivered asynchronously: wait until /proc shows the
    process in the wanted state."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open("/proc/%d/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if ok(st) or time.monotonic() > deadline:
            return
        time.sleep(0.005)


def _conf_quote(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def _log_says_port_busy(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 4096))
            tail = f.read()
    except OSError:
        return False
    return b"Address already in use" in tail


def _parse_cluster_nodes(text):
    out = {}
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) < 8:
            continue
        out[parts[0]] = {
            "addr": parts[1],
            "flags": set(parts[2].split(",")),
            "master": parts[3],
            "link": parts[7],
            "slots": parts[8:],
        }
    return out


def _shards_health(reply):
    """CLUSTER SHARDS reply -> {node id: health}."""
    out = {}
    for shard in reply or []:
        d = dict(zip(shard[0::2], shard[1::2]))
        for node in d.get("nodes") or []:
            nd = dict(zip(node[0::2], node[1::2]))
            out[nd.get("id")] = nd.get("health")
    return out
