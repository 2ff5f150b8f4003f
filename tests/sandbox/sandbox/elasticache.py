"""A faithful ElastiCache (Redis OSS / Valkey) control plane on top of moto.

moto 5.2.1's ElastiCache makes every replication group instantly
``available``, ignores cluster mode, repeats member cluster ids and has no
TestFailover, DescribeEvents or ModifyReplicationGroup.  This module replaces
its replication-group, cache-cluster, subnet-group, parameter-group, event and
tag handling with a model that follows aws-wire.md section 9 and 18.4, while
staying inside moto: the response class below subclasses moto's, so moto
still authenticates and authorises every call and serialises the answers
from botocore's service model (so the XML shapes are the real ones).
Users, snapshots and stand-alone cache clusters stay moto's.

Behaviour summary (details in the README section of the final report):

* cluster mode from ClusterMode or the parameter group (``*.cluster.on``), or
  more than one node group; member clusters ``<rg>-0001-001`` (cluster mode)
  or ``<rg>-001``;
* nodes spread over the subnet group's AZs: shard i's primary in AZ i mod n,
  its replicas in the following AZs, skipping the primary's AZ while another
  exists; PreferredCacheClusterAZs / NodeGroupConfiguration AZs win;
* statuses move with time: creating -> available after the create delay (and,
  with Redis behind the group, only once the farm reports the nodes usable),
  modifying -> available, deleting -> gone;
* endpoints are what ElastiCache reports: the port asked for (default 6379)
  and AWS-shaped DNS names under ``cache.amazonaws.com`` (see GroupNames),
  with or without Redis behind them.  The farm runs each node on that port
  on a loopback address of its own (127.A.B.C); World.write_hosts keeps a
  hosts file (``ADDR NAME`` lines) saying where every name of every live
  group really listens, as DNS would inside the VPC: node names, and the
  configuration, primary and reader endpoints (moved on failover).  elcui
  reaches them through its own rule, ``--resolve
  '*.cache.amazonaws.com:*:@HOSTS'`` (ELCUI_RESOLVE in the sandbox's
  exports);
* TestFailover performs a real failover through the farm and emits the
  ElastiCache event sequence; DescribeEvents keeps create/modify/failover/
  delete events for 14 days.
"""

import base64
import datetime
import hashlib
import json
import os
import re
import threading
import time

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.elasticache.responses import ElastiCacheResponse

UTC = datetime.timezone.utc

DEFAULT_ENGINE_VERSION = {"redis": "7.1", "valkey": "8.0"}
# Major.minor (as accepted by CreateReplicationGroup) -> full version reported
# by DescribeCacheClusters.
ENGINE_VERSIONS = {
    "redis": {
        "4.0.10": "4.0.10",
        "5.0.6": "5.0.6",
        "6.0": "6.0.5",
        "6.2": "6.2.6",
        "7.0": "7.0.7",
        "7.1": "7.1.0",
    },
    "valkey": {"7.2": "7.2.6", "8.0": "8.0.1", "8.1": "8.1.1"},
}
# Parameter group family for an engine version.
def engine_family(engine, version):
    major = version.split(".")[0]
    if engine == "valkey":
        return "valkey%s" % major
    if major in ("6",):
        return "redis6.x"
    if major in ("4", "5"):
        return "redis%s.0" % major
    return "redis%s" % major


DEFAULT_PARAMETER_GROUPS = [
    # name, family, description
    ("default.redis4.0", "redis4.0", "Default parameter group for redis4.0"),
    ("default.redis4.0.cluster.on", "redis4.0", "Customized default parameter group for redis4.0 with cluster mode on"),
    ("default.redis5.0", "redis5.0", "Default parameter group for redis5.0"),
    ("default.redis5.0.cluster.on", "redis5.0", "Customized default parameter group for redis5.0 with cluster mode on"),
    ("default.redis6.x", "redis6.x", "Default parameter group for redis6.x"),
    ("default.redis6.x.cluster.on", "redis6.x", "Customized default parameter group for redis6.x with cluster mode on"),
    ("default.redis7", "redis7", "Default parameter group for redis7"),
    ("default.redis7.cluster.on", "redis7", "Customized default parameter group for redis7 with cluster mode on"),
    ("default.valkey7", "valkey7", "Default parameter group for valkey7"),
    ("default.valkey7.cluster.on", "valkey7", "Customized default parameter group for valkey7 with cluster mode on"),
    ("default.valkey8", "valkey8", "Default parameter group for valkey8"),
    ("default.valkey8.cluster.on", "valkey8", "Customized default parameter group for valkey8 with cluster mode on"),
]
FAMILIES = sorted({f for _, f, _ in DEFAULT_PARAMETER_GROUPS})

# (name, default value, data type, allowed values, modifiable, min engine,
#  change type, description) -- the common engine parameters of the redis6.x+
# / valkey families as DescribeCacheParameters lists them.
ENGINE_PARAMETERS = [
    ("activedefrag", "no", "string", "yes,no", True, "4.0.9", "immediate", "Enabled active memory defragmentation"),
    ("appendonly", "no", "string", "yes,no", True, "2.8.6", "immediate", "Enable Redis persistence."),
    ("cluster-allow-reads-when-down", "no", "string", "yes,no", True, "6.0.0", "immediate", "Allow reads when the cluster is down."),
    ("cluster-enabled", "no", "string", "yes,no", False, "3.2.4", "requires-reboot", "Enable cluster mode"),
    ("cluster-require-full-coverage", "no", "string", "yes,no", True, "3.2.4", "immediate", "Whether cluster becomes unavailable if one or more slots are not covered"),
    ("databases", "16", "integer", "1-1200000", True, "2.8.6", "requires-reboot", "Set the number of databases."),
    ("hash-max-listpack-entries", "128", "integer", "0-", True, "7.0.0", "immediate", "The maximum number of hash entries in order for the dataset to be compressed."),
    ("lazyfree-lazy-eviction", "no", "string", "yes,no", True, "4.0.10", "immediate", "Perform an asynchronous delete on evictions"),
    ("lfu-decay-time", "1", "integer", "0-", True, "4.0.10", "immediate", "The amount of time in minutes to decrement the key counter for LFU eviction policy"),
    ("maxclients", "65000", "integer", "1-65000", False, "2.8.6", "immediate", "The maximum number of Redis clients."),
    ("maxmemory-policy", "volatile-lru", "string", "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction", True, "2.8.6", "immediate", "Max memory policy."),
    ("maxmemory-samples", "3", "integer", "1-", True, "2.8.6", "immediate", "Max memory samples."),
    ("notify-keyspace-events", "", "string", None, True, "2.8.6", "immediate", "The keyspace events for Redis to notify Pub/Sub clients about. By default all notifications are disabled"),
    ("reserved-memory-percent", "25", "integer", "0-100", True, "2.8.6", "immediate", "The percent of memory reserved for non-cache memory usage. You may want to increase this parameter for nodes with read replicas, AOF enabled, etc, to reduce swap usage."),
    ("slowlog-log-slower-than", "10000", "integer", "-", True, "2.8.6", "immediate", "The execution time, in microseconds, to exceed in order for the command to get logged. Note that a negative number disables the slow log, while a value of zero forces the logging of every command."),
    ("slowlog-max-len", "128", "integer", "0-", True, "2.8.6", "immediate", "The length of the slow log. There is no limit to this length. Just be aware that it will consume memory. You can reclaim memory used by the slow log with SLOWLOG RESET."),
    ("tcp-keepalive", "300", "integer", "0-", True, "2.8.6", "immediate", "If non-zero, send ACKs every given number of seconds."),
    ("timeout", "0", "integer", "0,20-", True, "2.8.6", "immediate", "Close connection if client is idle for a given number of seconds, or never if 0."),
]
# maxmemory (bytes) per node type, as the reserved-memory-free value
# ElastiCache reports in CacheNodeTypeSpecificParameters.
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
    "cache.m6g.large": 6854542746,
    "cache.m7g.large": 6854542746,
    "cache.r6g.large": 14037181030,
    "cache.r7g.large": 14037181030,
}

AUTH_TOKEN_RE = re.compile(r"^[A-Za-z0-9!&#$^<>\-]{16,128}$")
RG_ID_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,39}$")
NODE_TYPE_RE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
MAX_SHARDS = 500
MAX_NODES_PER_GROUP = 500
MAX_TAGS = 50
EVENT_RETENTION = 14 * 24 * 3600
FAILOVER_WINDOW = 24 * 3600
FAILOVER_LIMIT = 15

REGION_WORDS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def region_code(region):
    parts = region.split("-")
    if len(parts) >= 3:
        return parts[0] + REGION_WORDS.get(parts[1], parts[1][:1]) + parts[-1]
    return region.replace("-", "")


def utcnow():
    return datetime.datetime.now(UTC)


AWS_DOMAIN = "cache.amazonaws.com"


class GroupNames:
    """The DNS names ElastiCache gives a replication group's endpoints.

    In-transit encryption on, every name is under the group's own domain
    NAME.HASH.REGION.cache.amazonaws.com, which its certificate covers with
    one wildcard: nodes NAME-0001-001.<domain>, clustercfg.<domain>,
    master.<domain>, replica.<domain>.  Off: nodes
    NAME-0001-001.HASH.0001.REGION.cache..., NAME.HASH.clustercfg.REGION...,
    NAME.HASH.ng.0001.REGION... and NAME-ro.HASH.ng.0001.REGION...."""

    def __init__(self, g, domain=AWS_DOMAIN):
        rc = region_code(g.region)
        self.tls = bool(g.transit_encryption)
        self.base = "%s.%s" % (rc, domain)
        self.group_domain = "%s.%s.%s" % (g.id, g.hash, self.base) if self.tls else None
        self.hash = g.hash
        self.id = g.id

    def node(self, cluster_id):
        if self.tls:
            return "%s.%s" % (cluster_id, self.group_domain)
        return "%s.%s.0001.%s" % (cluster_id, self.hash, self.base)

    def config(self):
        if self.tls:
            return "clustercfg." + self.group_domain
        return "%s.%s.clustercfg.%s" % (self.id, self.hash, self.base)

    def primary(self):
        if self.tls:
            return "master." + self.group_domain
        return "%s.%s.ng.0001.%s" % (self.id, self.hash, self.base)

    def reader(self):
        if self.tls:
            return "replica." + self.group_domain
        return "%s-ro.%s.ng.0001.%s" % (self.id, self.hash, self.base)


class ECError(ServiceException):
    def __init__(self, code, message):
        super().__init__(code, message)


def invalid_value(msg):
    return ECError("InvalidParameterValue", msg)


def invalid_combo(msg):
    return ECError("InvalidParameterCombination", msg)


def compute_slots(shards):
    """ElastiCache's even split of the 16384 slots: the remainder goes to the
    first shards (3 shards: 0-5461, 5462-10922, 10923-16383)."""
    base, extra = divmod(16384, shards)
    out = []
    first = 0
    for i in range(shards):
        n = base + (1 if i < extra else 0)
        out.append("%d-%d" % (first, first + n - 1))
        first += n
    return out


def _parse_slots(text):
    ranges = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ValueError(text)
        if "-" in part:
            a, b = part.split("-", 1)
            a, b = int(a), int(b)
        else:
            a = b = int(part)
        if a < 0 or b > 16383 or a > b:
            raise ValueError(text)
        ranges.append((a, b))
    return ranges


def place_azs(azs, shards, replicas_per_shard, primary_pref=None, replica_pref=None):
    """Return, per shard, the AZ of each member (index 0 = primary).

    Primaries rotate over the AZs (shard i in azs[i mod n]); replicas take the
    following AZs in order, skipping the primary's AZ while another exists.
    ``primary_pref[i]`` / ``replica_pref[i][j]`` override single choices."""
    n = len(azs)
    result = []
    for i in range(shards):
        primary = azs[i % n]
        if primary_pref and i < len(primary_pref) and primary_pref[i]:
            primary = primary_pref[i]
        others = [a for a in (azs[(i + k) % n] for k in range(1, n + 1)) if a != primary]
        if not others:
            others = [primary]
        members = [primary]
        for j in range(replicas_per_shard[i]):
            az = others[j % len(others)]
            if replica_pref and i < len(replica_pref) and replica_pref[i] and j < len(replica_pref[i]):
                az = replica_pref[i][j]
            members.append(az)
        result.append(members)
    return result


# ---------------------------------------------------------------------------
# model


class Node:
    """One member cache cluster (ElastiCache Redis: one node ``0001`` each)."""

    def __init__(self, cluster_id, shard_index, member_index, az, role):
        self.cluster_id = cluster_id
        self.shard_index = shard_index
        self.member_index = member_index
        self.az = az
        self.role = role
        self.addr = None  # where its Redis really listens (127.A.B.C), once started
        self.port = None
        self.status = "creating"
        self.create_time = utcnow()
        self.tags = []


class Shard:
    def __init__(self, index, node_group_id, slots):
        self.index = index
        self.node_group_id = node_group_id
        self.slots = slots
        self.members = []
        self.status = "creating"

    def primary(self):
        for m in self.members:
            if m.role == "primary":
                return m
        return self.members[0]

    def replicas(self):
        return [m for m in self.members if m.role != "primary"]


class Group:
    def __init__(self, region, account_id, rg_id):
        self.region = region
        self.account_id = account_id
        self.id = rg_id
        self.arn = "arn:aws:elasticache:%s:%s:replicationgroup:%s" % (region, account_id, rg_id)
        self.hash = hashlib.sha1(("%s/%s/%s" % (account_id, region, rg_id)).encode()).hexdigest()[:6]
        self.status = "creating"
        self.create_time = utcnow()
        self.shards = []
        self.tags = []
        self.redis = False
        self.farm_state = None  # None (no Redis), "starting", "ready", "failed"
        self.farm_error = None
        self.ready_at = 0.0
        self.modify_done_at = None
        self.delete_done_at = None
        self.farm_deleted = True
        self.pending = {}
        self.failover_busy = False
        self.registered = False
        self.auth_token = None
        self.auth_rotating = False
        self.retain_primary = False

    def nodes(self):
        for s in self.shards:
            for m in s.members:
                yield m


class RegionState:
    def __init__(self, region):
        self.region = region
        self.groups = {}
        self.subnet_groups = {}
        self.parameter_groups = {}
        self.events = []
        self.failovers = []
        self.other_tags = {}
        # primaries kept by DeleteReplicationGroup(RetainPrimaryCluster):
        # cluster id -> (old group, node)
        self.standalone = {}


class World:
    """All ElastiCache state of one sandbox, plus its hooks to the farm,
    log delivery and metrics."""

    def __init__(self, account_id="123456789012", domain=AWS_DOMAIN, create_delay=0.0):
        self.lock = threading.RLock()
        self.account_id = account_id
        self.domain = domain
        self.hosts_file = None  # where write_hosts keeps the names' addresses
        self._hosts_text = None
        self.create_delay = float(create_delay)
        self.modify_delay = None  # None: same as create_delay (capped at 5 s)
        self.delete_delay = None
        self.failover_step = 0.2
        self.farm = None
        self.redis_for_new_groups = True
        self.log_delivery_factory = None  # region -> LogDelivery or None
        self.metrics_factory = None  # region -> Metrics or None
        self.regions = {}
        self._stop = threading.Event()
        self._ticker = None
        self._wake = threading.Event()
        self._last_role_poll = 0.0
        self.role_poll_interval = 1.0
        self.errors = []

    # ---- configuration -----------------------------------------------------
    def delays(self):
        c = self.create_delay
        m = self.modify_delay if self.modify_delay is not None else min(c, 5.0)
        d = self.delete_delay if self.delete_delay is not None else min(c, 5.0)
        return c, m, d

    def region(self, name):
        with self.lock:
            st = self.regions.get(name)
            if st is None:
                st = self.regions[name] = RegionState(name)
            return st

    # ---- background ticker -----------------------------------------------------
    def start(self):
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._run, name="elasticache-ticker", daemon=True)
            self._ticker.start()

    def stop(self):
        self._stop.set()
        self._wake.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None

    def kick(self):
        self._wake.set()

    def _run(self):
        while not self._stop.is_set():
            self._wake.wait(0.2)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.tick()
                now = time.time()
                if self.farm is not None and now - self._last_role_poll >= self.role_poll_interval:
                    self._last_role_poll = now
                    self.poll_roles()
                self.write_hosts()
            except Exception as e:  # keep the ticker alive, remember why
                self.errors.append(repr(e))
                del self.errors[:-20]

    # ---- EC2 dependencies (aws-wire.md 19) --------------------------------------------
    def ec2_dependency(self, region, operation, form):
        """DependencyViolation message when EC2 must refuse to delete a
        subnet of a cache subnet group or a security group a replication
        group uses; None otherwise."""
        with self.lock:
            st = self.regions.get(region)
            if st is None:
                return None
            if operation == "DeleteSubnet":
                sid = (form.get("SubnetId") or [""])[0]
                for sg in st.subnet_groups.values():
                    if any(s["SubnetIdentifier"] == sid for s in sg["Subnets"]):
                        return "The subnet '%s' has dependencies and cannot be deleted." % sid
            if operation == "DeleteSecurityGroup":
                gid = (form.get("GroupId") or [""])[0]
                for g in st.groups.values():
                    if gid and gid in g.security_group_ids:
                        return "resource %s has a dependent object" % gid
        return None

    # ---- events ------------------------------------------------------------------
    def event(self, region, source_id, source_type, message, when=None):
        st = self.region(region)
        when = when or utcnow()
        st.events.append({"SourceIdentifier": source_id, "SourceType": source_type, "Message": message, "Date": when})
        cutoff = utcnow() - datetime.timedelta(seconds=EVENT_RETENTION)
        if st.events and st.events[0]["Date"] < cutoff:
            st.events = [e for e in st.events if e["Date"] >= cutoff]

    # ---- state machine -----------------------------------------------------------
    def tick(self):
        to_register = []
        to_unregister = []
        with self.lock:
            now = time.time()
            for st in list(self.regions.values()):
                for g in list(st.groups.values()):
                    if g.status == "creating":
                        if g.farm_state == "failed":
                            g.status = "create-failed"
                            self.event(g.region, g.id, "replication-group", "Failed to create replication group %s: %s" % (g.id, g.farm_error or "nodes did not start"))
                            continue
                        if now >= g.ready_at and g.farm_state in (None, "ready"):
                            self._become_available(g)
                            to_register.append(g)
                    elif g.status == "modifying" and g.modify_done_at is not None and now >= g.modify_done_at and not g.failover_busy:
                        changed_logs = self._finish_modify(g)
                        if changed_logs:
                            to_unregister.append(g)
                            to_register.append(g)
                    elif g.status == "deleting":
                        if now >= g.delete_done_at and g.farm_deleted:
                            self._finish_delete(st, g)
                if st.standalone:
                    self._tick_standalone(st, now)
        for g in to_unregister:
            self._unregister(g)
        for g in to_register:
            self._register(g)

    def _become_available(self, g):
        g.status = "available"
        t = utcnow()
        for s in g.shards:
            s.status = "available"
        for n in g.nodes():
            n.status = "available"
            self.event(g.region, n.cluster_id, "cache-cluster", "Added cache node 0001 in availability zone %s" % n.az, t)
            self.event(g.region, n.cluster_id, "cache-cluster", "Cache cluster created", t)
        for c in g.log_configs:
            if c["Status"] == "enabling":
                c["Status"] = "active"
        self.event(g.region, g.id, "replication-group", "Replication group %s created" % g.id, t)

    def _finish_modify(self, g):
        g.status = "available"
        g.modify_done_at = None
        for s in g.shards:
            s.status = "available"
        for n in g.nodes():
            n.status = "available"
        changed_logs = False
        keep = []
        for c in g.log_configs:
            if c["Status"] == "disabling":
                changed_logs = True
                continue
            if c["Status"] in ("enabling", "modifying"):
                changed_logs = True
                c["Status"] = "active"
            keep.append(c)
        g.log_configs = keep
        af = g.pending.pop("AutomaticFailoverStatus", None)
        if af is not None:
            g.automatic_failover = af
        g.pending.pop("AuthTokenStatus", None)
        g.pending = {}
        self.event(g.region, g.id, "replication-group", "Replication group %s modified" % g.id)
        return changed_logs

    def _finish_delete(self, st, g):
        t = utcnow()
        kept = g.shards[0].primary() if g.retain_primary else None
        for n in g.nodes():
            if n is kept:
                continue
            self.event(g.region, n.cluster_id, "cache-cluster", "Cache cluster deleted", t)
        self.event(g.region, g.id, "replication-group", "Replication group %s deleted" % g.id, t)
        st.groups.pop(g.id, None)
        if kept is not None:
            kept.status = "available"
            kept.role = "primary"
            kept.delete_done_at = None
            st.standalone[kept.cluster_id] = (g, kept)

    def _tick_standalone(self, st, now):
        for cid, (g, n) in list(st.standalone.items()):
            if n.status == "deleting" and now >= n.delete_done_at and g.farm_deleted:
                self.event(g.region, cid, "cache-cluster", "Cache cluster deleted")
                del st.standalone[cid]

    # ---- farm / log delivery / metrics hooks --------------------------------------
    def _node_list(self, g):
        return [
            {"cache_cluster_id": n.cluster_id, "cache_node_id": "0001", "shard_index": n.shard_index, "member_index": n.member_index}
            for n in g.nodes()
        ]

    def _register(self, g):
        if not g.redis or g.farm_state != "ready":
            return
        with self.lock:
            if g.status == "deleting" or g.registered:
                return
            nodes = self._node_list(g)
            configs = [
                {"LogType": c["LogType"], "LogFormat": c["LogFormat"], "LogGroup": c["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]}
                for c in g.log_configs
                if c["DestinationType"] == "cloudwatch-logs" and c["Status"] == "active"
            ]
            g.registered = True
        try:
            ld = self.log_delivery_factory(g.region) if self.log_delivery_factory else None
            if ld is not None:
                ld.register_group(g.id, g.engine, nodes, configs)
            mx = self.metrics_factory(g.region) if self.metrics_factory else None
            if mx is not None:
                mx.register_group(g.id, nodes)
        except Exception as e:
            self.errors.append("register %s: %r" % (g.id, e))

    def _unregister(self, g):
        with self.lock:
            if not g.registered:
                return
            g.registered = False
        try:
            ld = self.log_delivery_factory(g.region) if self.log_delivery_factory else None
            if ld is not None:
                ld.unregister_group(g.id)
            mx = self.metrics_factory(g.region) if self.metrics_factory else None
            if mx is not None:
                mx.unregister_group(g.id)
        except Exception as e:
            self.errors.append("unregister %s: %r" % (g.id, e))

    def names(self, g):
        return GroupNames(g, self.domain)

    def hosts_text(self):
        """The hosts file: where each name of each group with live Redis
        listens (the configuration endpoint: every node, primaries first;
        the primary endpoint: the primary; the reader endpoint: the
        replicas, else the primary)."""
        out = ["# elcui sandbox: where the ElastiCache names of its Redis nodes listen",
               "# (read by elcui through --resolve '*.%s:*:@THIS_FILE')" % self.domain]
        with self.lock:
            for region in sorted(self.regions):
                st = self.regions[region]
                for gid in sorted(st.groups):
                    g = st.groups[gid]
                    if not g.redis or g.farm_state != "ready":
                        continue
                    nm = self.names(g)
                    out.append("# %s %s" % (region, g.id))
                    nodes = [n for n in g.nodes() if n.addr]
                    for n in nodes:
                        out.append("%s %s" % (n.addr, nm.node(n.cluster_id)))
                    prims = [n for n in nodes if n.role == "primary"]
                    reps = [n for n in nodes if n.role != "primary"]
                    if g.cluster_enabled:
                        for n in prims + reps:
                            out.append("%s %s" % (n.addr, nm.config()))
                    else:
                        for n in prims[:1]:
                            out.append("%s %s" % (n.addr, nm.primary()))
                        for n in reps or prims[:1]:
                            out.append("%s %s" % (n.addr, nm.reader()))
                for cid in sorted(st.standalone):
                    g, n = st.standalone[cid]
                    if n.addr and n.status != "deleting":
                        out.append("%s %s" % (n.addr, self.names(g).node(cid)))
        return "\n".join(out) + "\n"

    def write_hosts(self):
        """Rewrite the hosts file when what it says changed (atomically:
        a reader sees the old or the new file, never half of one)."""
        if not self.hosts_file:
            return
        with self.lock:
            text = self.hosts_text()
            if text == self._hosts_text:
                return
            tmp = self.hosts_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, self.hosts_file)
            self._hosts_text = text

    def start_farm(self, g):
        """Start Redis for a group in the background (API answers at once)."""
        replicas = [len(s.members) - 1 for s in g.shards]
        token = g.auth_token
        slots = [s.slots for s in g.shards] if g.cluster_enabled else None
        nm = self.names(g)
        hostnames = [[nm.node(m.cluster_id) for m in s.members] for s in g.shards]

        def run():
            try:
                shards = self.farm.create_group(
                    g.id,
                    shards=len(g.shards),
                    replicas=replicas[0],
                    cluster_mode=g.cluster_enabled,
                    tls=g.transit_encryption,
                    auth_token=token,
                    engine=g.engine,
                    slots=slots,
                    node_type=g.node_type,
                    port=g.port,
                    hostnames=hostnames,
                    domain=nm.group_domain,
                )
            except Exception as e:
                with self.lock:
                    g.farm_state = "failed"
                    g.farm_error = str(e) or e.__class__.__name__
                self.kick()
                return
            with self.lock:
                for si, shard_nodes in enumerate(shards):
                    if si >= len(g.shards):
                        break
                    for mi, info in enumerate(shard_nodes):
                        if mi >= len(g.shards[si].members):
                            break
                        node = g.shards[si].members[mi]
                        node.port = int(info.port)
                        node.addr = info.host
                        role = getattr(info, "role", None)
                        if role in ("primary", "replica"):
                            node.role = role
                deleting = g.status == "deleting"
                g.farm_state = "ready"
                # the names resolve before the group can become available
                try:
                    self.write_hosts()
                except OSError as e:
                    self.errors.append("hosts file: %r" % e)
            if deleting:
                self._farm_delete(g)
            self.kick()

        g.farm_state = "starting"
        threading.Thread(target=run, name="farm-create-%s" % g.id, daemon=True).start()

    def _farm_drop_replicas(self, g):
        """RetainPrimaryCluster: stop the replicas' Redis, keep the primary."""
        victims = [(n.shard_index, n.member_index) for n in g.nodes() if n is not g.shards[0].primary()]

        def run():
            for si, mi in victims:
                try:
                    self.farm.kill_node(g.id, si, mi)
                except Exception as e:
                    self.errors.append("farm kill %s: %r" % (g.id, e))
            with self.lock:
                g.farm_deleted = True
            self.kick()

        with self.lock:
            g.farm_deleted = False
        threading.Thread(target=run, name="farm-drop-%s" % g.id, daemon=True).start()

    def _farm_delete(self, g):
        def run():
            try:
                self.farm.delete_group(g.id)
            except Exception as e:
                self.errors.append("farm delete %s: %r" % (g.id, e))
            with self.lock:
                g.farm_deleted = True
            self.kick()

        with self.lock:
            g.farm_deleted = False
        threading.Thread(target=run, name="farm-delete-%s" % g.id, daemon=True).start()

    def poll_roles(self):
        """Follow role changes Redis made on its own (a killed primary)."""
        with self.lock:
            groups = [
                g
                for st in self.regions.values()
                for g in st.groups.values()
                if g.redis and g.farm_state == "ready" and g.status == "available" and not g.failover_busy
            ]
        for g in groups:
            try:
                roles = self.farm.roles(g.id)
                states = {}
                for shard in self.farm.nodes(g.id):
                    for info in shard:
                        states[(info.shard_index, info.member_index)] = info.state
            except Exception:
                continue
            with self.lock:
                if g.failover_busy or g.status != "available":
                    continue
                for s in g.shards:
                    old = s.primary()
                    # Only nodes that run can be the primary: a killed old
                    # primary stays flagged "master,fail" in CLUSTER NODES.
                    primaries = [
                        m
                        for m in s.members
                        if roles.get((s.index, m.member_index)) == "primary" and states.get((s.index, m.member_index), "running") == "running"
                    ]
                    if len(primaries) != 1:
                        continue
                    new = primaries[0]
                    if new is old:
                        continue
                    for m in s.members:
                        m.role = "primary" if m is new else "replica"
                    msg = "Failover from primary node %s to replica node %s completed" % (old.cluster_id, new.cluster_id)
                    self.event(g.region, old.cluster_id, "cache-cluster", msg)
                    self.event(g.region, g.id, "replication-group", msg)


# ---------------------------------------------------------------------------
# the API


def _paginate(items, marker, max_records):
    if max_records is None:
        max_records = 100
    if not isinstance(max_records, int) or max_records < 20 or max_records > 100:
        raise invalid_value("The parameter MaxRecords must be between 20 and 100.")
    start = 0
    if marker:
        try:
            start = int(json.loads(base64.b64decode(marker.encode()).decode())["o"])
        except Exception:
            raise invalid_value("Invalid marker: %s" % marker)
        if start < 0:
            raise invalid_value("Invalid marker: %s" % marker)
    page = items[start : start + max_records]
    nxt = None
    if start + max_records < len(items):
        nxt = base64.b64encode(json.dumps({"o": start + max_records}).encode()).decode()
    return page, nxt


class Api:
    """Operation implementations; one instance per request (cheap)."""

    def __init__(self, world, region, account_id):
        self.w = world
        self.region = region
        self.account_id = account_id
        self.st = world.region(region)

    # ---- lookups into moto's other backends ------------------------------------
    def _ec2(self):
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.account_id][self.region]

    def region_azs(self):
        from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

        return [z.name for z in RegionsAndZonesBackend.zones.get(self.region, [])]

    def subnet_group(self, name):
        key = name.lower()
        sg = self.st.subnet_groups.get(key)
        if sg is not None:
            return sg
        if key == "default":
            return self._default_subnet_group()
        raise ECError("CacheSubnetGroupNotFoundFault", "Cache subnet group %s does not exist." % name)

    def _default_subnet_group(self):
        ec2 = self._ec2()
        subnets = sorted(ec2.get_default_subnets().values(), key=lambda s: s.availability_zone)
        vpc = ec2.get_default_vpc()
        return {
            "CacheSubnetGroupName": "default",
            "CacheSubnetGroupDescription": "default",
            "VpcId": vpc.id if vpc is not None else "",
            "Subnets": [
                {"SubnetIdentifier": s.id, "SubnetAvailabilityZone": {"Name": s.availability_zone}, "SupportedNetworkTypes": ["ipv4"]}
                for s in subnets
            ],
            "ARN": "arn:aws:elasticache:%s:%s:subnetgroup:default" % (self.region, self.account_id),
            "SupportedNetworkTypes": ["ipv4"],
            "Tags": [],
        }

    def parameter_group(self, name):
        for n, fam, desc in DEFAULT_PARAMETER_GROUPS:
            if n == name:
                return {"CacheParameterGroupName": n, "CacheParameterGroupFamily": fam, "Description": desc, "cluster_enabled": n.endswith(".cluster.on"), "IsGlobal": False}
        pg = self.st.parameter_groups.get(name)
        if pg is None:
            raise ECError("CacheParameterGroupNotFound", "CacheParameterGroup %s not found." % name)
        return pg

    def kms_arn(self, key_id):
        from moto.kms.models import kms_backends

        kms = kms_backends[self.account_id][self.region]
        try:
            key = kms.describe_key(key_id)
        except Exception:
            raise invalid_value("Invalid KMS key: %s. Either the key does not exist or ElastiCache is not allowed to use it." % key_id)
        return key.arn

    def log_group_exists(self, name):
        from moto.logs.models import logs_backends

        return name in logs_backends[self.account_id][self.region].groups

    def security_group_exists(self, sg_id):
        return self._ec2().get_security_group_from_id(sg_id) is not None

    def group(self, rg_id):
        g = self.st.groups.get((rg_id or "").lower())
        if g is None:
            raise ECError("ReplicationGroupNotFoundFault", "Replication group %s not found." % rg_id)
        return g

    # ---- validation helpers ------------------------------------------------------------
    def _log_configs(self, items, engine, version, creating):
        seen = set()
        out = []
        for item in items or []:
            lt = item.get("LogType")
            if lt not in ("slow-log", "engine-log"):
                raise invalid_value("Invalid log type: %s. Valid values are slow-log and engine-log." % lt)
            if lt in seen:
                raise invalid_combo("Only one log delivery configuration is allowed per log type.")
            seen.add(lt)
            enabled = item.get("Enabled")
            if enabled is False:
                if creating:
                    continue
                out.append({"LogType": lt, "Enabled": False})
                continue
            if engine == "redis":
                major_minor = tuple(int(x) for x in version.split(".")[:2])
                need = (6, 0) if lt == "slow-log" else (6, 2)
                if major_minor < need:
                    raise invalid_combo("%s delivery requires engine version %d.%d or later." % (lt, need[0], need[1]))
            dt = item.get("DestinationType")
            details = item.get("DestinationDetails") or {}
            fmt = item.get("LogFormat")
            if fmt not in ("json", "text"):
                raise invalid_value("Invalid log format: %s. Valid values are json and text." % fmt)
            if dt == "cloudwatch-logs":
                lg = (details.get("CloudWatchLogsDetails") or {}).get("LogGroup")
                if not lg:
                    raise invalid_value("CloudWatchLogsDetails.LogGroup must be specified for destination type cloudwatch-logs.")
                if not self.log_group_exists(lg):
                    raise invalid_value("The log group %s does not exist." % lg)
                dd = {"CloudWatchLogsDetails": {"LogGroup": lg}}
            elif dt == "kinesis-firehose":
                ds = (details.get("KinesisFirehoseDetails") or {}).get("DeliveryStream")
                if not ds:
                    raise invalid_value("KinesisFirehoseDetails.DeliveryStream must be specified for destination type kinesis-firehose.")
                dd = {"KinesisFirehoseDetails": {"DeliveryStream": ds}}
            else:
                raise invalid_value("Invalid destination type: %s. Valid values are cloudwatch-logs and kinesis-firehose." % dt)
            out.append({"LogType": lt, "DestinationType": dt, "DestinationDetails": dd, "LogFormat": fmt, "Status": "enabling", "Enabled": True})
        return out

    @staticmethod
    def _check_auth_token(token):
        if not AUTH_TOKEN_RE.match(token):
            raise invalid_value(
                "Invalid AuthToken provided. The AuthToken must be 16 to 128 printable characters long; "
                "the only permitted non-alphanumeric characters are !, &, #, $, ^, <, > and -."
            )

    # ---- CreateReplicationGroup ---------------------------------------------------------
    def create_replication_group(self, p):
        rg_in = p.get("ReplicationGroupId")
        if not rg_in:
            raise ECError("MissingParameter", "The request must contain the parameter ReplicationGroupId")
        if p.get("ReplicationGroupDescription") is None:
            raise ECError("MissingParameter", "The request must contain the parameter ReplicationGroupDescription")
        if not RG_ID_RE.match(rg_in) or rg_in.endswith("-") or "--" in rg_in:
            raise invalid_value(
                "Invalid replication group id: %s. The id must begin with a letter, contain only ASCII letters, digits and hyphens, "
                "be 1 to 40 characters long, and must not end with a hyphen or contain two consecutive hyphens." % rg_in
            )
        rg_id = rg_in.lower()
        if rg_id in self.st.groups:
            raise ECError("ReplicationGroupAlreadyExists", "Replication group %s already exists." % rg_id)
        if p.get("PrimaryClusterId") or p.get("GlobalReplicationGroupId") or p.get("SnapshotName") or p.get("SnapshotArns") or p.get("ServerlessCacheSnapshotName"):
            which = "PrimaryClusterId" if p.get("PrimaryClusterId") else "GlobalReplicationGroupId" if p.get("GlobalReplicationGroupId") else "SnapshotName/SnapshotArns"
            raise invalid_combo("%s is not supported by this endpoint: create replication groups from scratch." % which)

        engine = (p.get("Engine") or "redis").lower()
        if engine not in ("redis", "valkey"):
            raise invalid_value("Invalid engine name: %s. Valid values are redis and valkey." % p.get("Engine"))
        version_in = p.get("EngineVersion") or DEFAULT_ENGINE_VERSION[engine]
        versions = ENGINE_VERSIONS[engine]
        version = None
        for short, full in versions.items():
            if version_in in (short, full):
                version = full
                break
        if version is None:
            raise invalid_combo("Cannot find version %s for %s" % (version_in, engine))
        family = engine_family(engine, version)

        node_type = p.get("CacheNodeType") or "cache.t4g.micro"
        if not NODE_TYPE_RE.match(node_type):
            raise invalid_value("Invalid CacheNodeType: %s" % node_type)

        # Cluster mode.
        cm = p.get("ClusterMode")
        if cm is not None and cm not in ("enabled", "disabled", "compatible"):
            raise invalid_value("Invalid ClusterMode: %s. Valid values are enabled, disabled and compatible." % cm)
        ngc = p.get("NodeGroupConfiguration") or []
        num_node_groups = p.get("NumNodeGroups")
        pg_name = p.get("CacheParameterGroupName")
        if pg_name:
            pg = self.parameter_group(pg_name)
            cluster_enabled = pg["cluster_enabled"]
            if pg["CacheParameterGroupFamily"] != family:
                raise invalid_combo(
                    "The parameter group %s (family %s) is not compatible with engine %s %s (family %s)."
                    % (pg_name, pg["CacheParameterGroupFamily"], engine, version, family)
                )
            if cm == "disabled" and cluster_enabled:
                raise invalid_combo("ClusterMode disabled cannot be used with a cluster-mode-enabled parameter group (%s)." % pg_name)
            if cm in ("enabled", "compatible") and not cluster_enabled:
                raise invalid_combo("ClusterMode %s requires a parameter group with cluster-enabled set to yes; %s has it set to no." % (cm, pg_name))
        else:
            if cm in ("enabled", "compatible"):
                cluster_enabled = True
            elif cm == "disabled":
                cluster_enabled = False
            else:
                cluster_enabled = (num_node_groups or 1) > 1 or len(ngc) > 1
            pg_name = "default.%s%s" % (family, ".cluster.on" if cluster_enabled else "")
        if cm is None:
            cm = "enabled" if cluster_enabled else "disabled"

        # Shape.
        num_cache_clusters = p.get("NumCacheClusters")
        rpng = p.get("ReplicasPerNodeGroup")
        if rpng is not None and not 0 <= rpng <= 5:
            raise invalid_value("ReplicasPerNodeGroup must be between 0 and 5.")
        if num_node_groups is not None and num_node_groups < 1:
            raise invalid_value("NumNodeGroups must be at least 1.")
        if num_node_groups is not None and num_node_groups > MAX_SHARDS:
            raise ECError("NodeGroupsPerReplicationGroupQuotaExceeded", "The request cannot be processed because it would exceed the maximum of %d node groups (shards) per replication group." % MAX_SHARDS)
        if ngc and num_node_groups is not None and len(ngc) != num_node_groups:
            raise invalid_value("The number of node group configurations (%d) must equal NumNodeGroups (%d)." % (len(ngc), num_node_groups))
        if not cluster_enabled and ((num_node_groups or 1) > 1 or len(ngc) > 1):
            raise invalid_combo("A replication group with cluster mode disabled has exactly one node group; use a cluster-mode-enabled parameter group (e.g. default.%s.cluster.on) for more." % family)
        preferred = p.get("PreferredCacheClusterAZs") or []
        primary_pref = None
        replica_pref = None
        if ngc:
            shards = len(ngc)
            replicas = []
            primary_pref = []
            replica_pref = []
            slots = []
            for idx, cfg in enumerate(ngc):
                rc = cfg.get("ReplicaCount")
                razs = cfg.get("ReplicaAvailabilityZones") or []
                if rc is None:
                    rc = rpng if rpng is not None else len(razs)
                if not 0 <= rc <= 5:
                    raise invalid_value("ReplicaCount must be between 0 and 5.")
                if razs and len(razs) != rc:
                    raise invalid_value("The number of ReplicaAvailabilityZones (%d) must equal ReplicaCount (%d) for node group %s." % (len(razs), rc, cfg.get("NodeGroupId") or idx + 1))
                ngid = cfg.get("NodeGroupId")
                if ngid is not None and not re.match(r"^\d{1,4}$", ngid):
                    raise invalid_value("Invalid NodeGroupId: %s. It must be 1 to 4 digits." % ngid)
                replicas.append(rc)
                primary_pref.append(cfg.get("PrimaryAvailabilityZone"))
                replica_pref.append(razs)
                slots.append(cfg.get("Slots"))
            if any(slots):
                if not all(slots):
                    raise invalid_value("Slots must be given for every node group or for none.")
                covered = []
                try:
                    for s in slots:
                        covered.extend(_parse_slots(s))
                except ValueError:
                    raise invalid_value("Invalid slot range in NodeGroupConfiguration; expected e.g. 0-8191.")
                covered.sort()
                expect = 0
                for a, b in covered:
                    if a != expect:
                        raise invalid_value("The slots of all node groups must cover 0-16383 exactly once.")
                    expect = b + 1
                if expect != 16384:
                    raise invalid_value("The slots of all node groups must cover 0-16383 exactly once.")
            else:
                slots = compute_slots(shards)
            ngids = [cfg.get("NodeGroupId") or "%04d" % (i + 1) for i, cfg in enumerate(ngc)]
            ngids = ["%04d" % int(x) for x in ngids]
            if len(set(ngids)) != len(ngids):
                raise invalid_value("NodeGroupId values must be unique.")
        elif cluster_enabled:
            shards = num_node_groups or 1
            if rpng is not None:
                r = rpng
            elif num_cache_clusters is not None and shards == 1:
                r = num_cache_clusters - 1
            else:
                r = 0
            replicas = [r] * shards
            slots = compute_slots(shards)
            ngids = ["%04d" % (i + 1) for i in range(shards)]
        else:
            shards = 1
            if num_cache_clusters is not None:
                if not 1 <= num_cache_clusters <= 6:
                    raise invalid_value("NumCacheClusters must be between 1 and 6 for a replication group with cluster mode disabled.")
                r = num_cache_clusters - 1
            elif rpng is not None:
                r = rpng
            elif preferred:
                r = len(preferred) - 1
            else:
                r = 0
            replicas = [r]
            slots = [None]
            ngids = ["0001"]
            if preferred:
                if len(preferred) != r + 1:
                    raise invalid_value("The number of PreferredCacheClusterAZs (%d) must equal NumCacheClusters (%d)." % (len(preferred), r + 1))
                primary_pref = [preferred[0]]
                replica_pref = [preferred[1:]]
        if cluster_enabled and preferred and not ngc:
            total = sum(r + 1 for r in replicas)
            if len(preferred) != total:
                raise invalid_value("The number of PreferredCacheClusterAZs (%d) must equal the number of nodes (%d)." % (len(preferred), total))
            primary_pref = []
            replica_pref = []
            k = 0
            for r in replicas:
                primary_pref.append(preferred[k])
                replica_pref.append(preferred[k + 1 : k + 1 + r])
                k += r + 1
        total_nodes = sum(r + 1 for r in replicas)
        if total_nodes > MAX_NODES_PER_GROUP:
            raise ECError("NodeQuotaForClusterExceeded", "The request cannot be processed because it would exceed the allowed number of cache nodes (%d) in a single replication group." % MAX_NODES_PER_GROUP)

        af = p.get("AutomaticFailoverEnabled")
        maz = p.get("MultiAZEnabled")
        if af is None:
            af = False
        if cluster_enabled and not af:
            raise invalid_combo("Automatic failover must be enabled for a replication group with cluster mode enabled.")
        # Cluster mode enabled always has automatic failover, even with 0
        # replicas; the two-node rule is for cluster mode disabled.
        if af and min(replicas) < 1 and not cluster_enabled:
            raise invalid_combo("When using automatic failover, there must be at least 2 cache clusters in the replication group.")
        if maz:
            if not af:
                raise invalid_combo("Multi-AZ can only be enabled when automatic failover is enabled.")
            if min(replicas) < 1:
                raise invalid_combo("Multi-AZ requires at least one read replica in each node group.")
            if node_type.startswith("cache.t1."):
                raise invalid_combo("Multi-AZ is not supported on %s nodes." % node_type)

        # Encryption and AUTH.
        tls = bool(p.get("TransitEncryptionEnabled"))
        tls_mode = p.get("TransitEncryptionMode")
        if tls_mode is not None:
            if tls_mode not in ("preferred", "required"):
                raise invalid_value("Invalid TransitEncryptionMode: %s. Valid values are preferred and required." % tls_mode)
            if not tls:
                raise invalid_combo("TransitEncryptionMode can only be set when TransitEncryptionEnabled is true.")
        elif tls:
            tls_mode = "required"
        token = p.get("AuthToken")
        if token is not None:
            if not tls:
                raise invalid_value("The AUTH token is only supported when encryption in-transit is enabled (TransitEncryptionEnabled=true).")
            self._check_auth_token(token)
        ugids = p.get("UserGroupIds") or []
        if ugids and token is not None:
            raise invalid_combo("AuthToken and UserGroupIds cannot be used together.")
        at_rest = p.get("AtRestEncryptionEnabled")
        if at_rest is None:
            at_rest = engine == "valkey"
        kms_arn = None
        if p.get("KmsKeyId"):
            if not at_rest:
                raise invalid_combo("KmsKeyId can only be specified when AtRestEncryptionEnabled is true.")
            kms_arn = self.kms_arn(p["KmsKeyId"])
        if p.get("DataTieringEnabled") and ".r6gd." not in node_type:
            raise invalid_combo("Data tiering is only supported on r6gd node types.")
        network_type = p.get("NetworkType") or "ipv4"
        ip_discovery = p.get("IpDiscovery") or "ipv4"

        # Network.
        sgn = p.get("CacheSubnetGroupName") or "default"
        subnet_group = self.subnet_group(sgn)
        group_azs = sorted({s["SubnetAvailabilityZone"]["Name"] for s in subnet_group["Subnets"]})
        if not group_azs:
            raise ECError("InvalidVPCNetworkStateFault", "Cache subnet group %s has no subnets." % sgn)
        for az in list(preferred) + [a for a in (primary_pref or []) if a] + [a for lst in (replica_pref or []) for a in lst]:
            if az not in group_azs:
                raise invalid_value("The availability zone %s is not available in cache subnet group %s (zones: %s)." % (az, subnet_group["CacheSubnetGroupName"], ", ".join(group_azs)))
        sg_ids = p.get("SecurityGroupIds") or []
        for sg in sg_ids:
            if not self.security_group_exists(sg):
                raise invalid_value("Some security group Id not recognized by EC2: %s" % sg)
        if p.get("CacheSecurityGroupNames"):
            raise invalid_combo("Cache security groups are only valid outside a VPC; use SecurityGroupIds.")
        tags = p.get("Tags") or []
        if len(tags) > MAX_TAGS:
            raise ECError("TagQuotaPerResourceExceeded", "The request cannot be processed because it would cause the resource to have more than %d tags." % MAX_TAGS)
        logs = self._log_configs(p.get("LogDeliveryConfigurations"), engine, version, True)
        port = p.get("Port") or 6379
        srl = p.get("SnapshotRetentionLimit") or 0
        if srl < 0 or srl > 35:
            raise invalid_value("SnapshotRetentionLimit must be between 0 and 35.")

        # Build the group.
        g = Group(self.region, self.account_id, rg_id)
        g.description = p.get("ReplicationGroupDescription")
        g.engine = engine
        g.engine_version = version
        g.node_type = node_type
        g.parameter_group = pg_name
        g.cluster_enabled = cluster_enabled
        g.cluster_mode = cm
        g.subnet_group = subnet_group["CacheSubnetGroupName"]
        g.security_group_ids = list(sg_ids)
        g.port = port
        g.automatic_failover = "enabled" if af else "disabled"
        g.multi_az = "enabled" if maz else "disabled"
        g.transit_encryption = tls
        g.transit_encryption_mode = tls_mode
        g.auth_token = token
        g.auth_enabled = token is not None
        g.auth_modified = utcnow() if token is not None else None
        g.user_group_ids = list(ugids)
        g.at_rest = bool(at_rest)
        g.kms_arn = kms_arn
        g.log_configs = [{k: v for k, v in c.items() if k != "Enabled"} for c in logs]
        g.snapshot_retention = srl
        g.snapshot_window = p.get("SnapshotWindow") or "05:00-06:00"
        g.maintenance_window = p.get("PreferredMaintenanceWindow") or "sun:08:00-sun:09:00"
        g.auto_minor = p.get("AutoMinorVersionUpgrade") if p.get("AutoMinorVersionUpgrade") is not None else True
        if isinstance(g.auto_minor, str):
            g.auto_minor = g.auto_minor.lower() == "true"
        g.network_type = network_type
        g.ip_discovery = ip_discovery
        g.data_tiering = "enabled" if p.get("DataTieringEnabled") else "disabled"
        g.notification_topic = p.get("NotificationTopicArn")
        g.tags = [{"Key": t.get("Key"), "Value": t.get("Value", "")} for t in tags]
        placement = place_azs(group_azs, shards, replicas, primary_pref, replica_pref)
        for si in range(shards):
            sh = Shard(si, ngids[si], slots[si])
            for mi, az in enumerate(placement[si]):
                cid = "%s-%04d-%03d" % (rg_id, si + 1, mi + 1) if cluster_enabled else "%s-%03d" % (rg_id, mi + 1)
                sh.members.append(Node(cid, si, mi, az, "primary" if mi == 0 else "replica"))
            g.shards.append(sh)
        g.ready_at = time.time() + self.w.create_delay
        return g

    def register_new_group(self, g, redis):
        """Store a validated group and start its Redis nodes if wanted."""
        self.st.groups[g.id] = g
        replicas = {len(s.members) for s in g.shards}
        if redis and self.w.farm is not None and len(replicas) == 1:
            g.redis = True
            self.w.start_farm(g)
        else:
            g.redis = False
            g.farm_state = None
        self.w.kick()

    # ---- shapes ------------------------------------------------------------------
    def _endpoint(self, g, node):
        """A node's endpoint: its DNS name and the group's port (where it
        really listens is the hosts file's business, as DNS's on AWS)."""
        return {"Address": self.w.names(g).node(node.cluster_id), "Port": g.port}

    def _placeholder(self, g, kind):
        nm = self.w.names(g)
        name = {"primary": nm.primary, "reader": nm.reader}.get(kind, nm.config)()
        return {"Address": name, "Port": g.port}

    def group_shape(self, g):
        show_endpoints = g.status not in ("creating", "create-failed")
        node_groups = []
        for s in g.shards:
            ng = {"NodeGroupId": s.node_group_id, "Status": s.status}
            if g.cluster_enabled:
                if s.slots:
                    ng["Slots"] = s.slots
                ng["NodeGroupMembers"] = [
                    {"CacheClusterId": m.cluster_id, "CacheNodeId": "0001", "PreferredAvailabilityZone": m.az} for m in s.members
                ]
            else:
                if show_endpoints:
                    ng["PrimaryEndpoint"] = self._placeholder(g, "primary")
                    ng["ReaderEndpoint"] = self._placeholder(g, "reader")
                members = []
                for m in s.members:
                    d = {"CacheClusterId": m.cluster_id, "CacheNodeId": "0001", "PreferredAvailabilityZone": m.az}
                    if show_endpoints:
                        d["ReadEndpoint"] = self._endpoint(g, m)
                        d["CurrentRole"] = m.role
                    members.append(d)
                ng["NodeGroupMembers"] = members
            node_groups.append(ng)
        d = {
            "ReplicationGroupId": g.id,
            "Description": g.description,
            "Status": g.status,
            "PendingModifiedValues": dict(g.pending),
            "MemberClusters": [m.cluster_id for m in g.nodes()],
            "NodeGroups": node_groups,
            "AutomaticFailover": g.automatic_failover,
            "MultiAZ": g.multi_az,
            "SnapshotRetentionLimit": g.snapshot_retention,
            "SnapshotWindow": g.snapshot_window,
            "ClusterEnabled": g.cluster_enabled,
            "CacheNodeType": g.node_type,
            "AuthTokenEnabled": g.auth_enabled,
            "TransitEncryptionEnabled": g.transit_encryption,
            "AtRestEncryptionEnabled": g.at_rest,
            "ARN": g.arn,
            "LogDeliveryConfigurations": [
                {k: v for k, v in c.items()} for c in g.log_configs
            ],
            "ReplicationGroupCreateTime": g.create_time,
            "DataTiering": g.data_tiering,
            "AutoMinorVersionUpgrade": g.auto_minor,
            "NetworkType": g.network_type,
            "IpDiscovery": g.ip_discovery,
            "ClusterMode": g.cluster_mode,
            "Engine": g.engine,
        }
        if g.snapshot_retention > 0:
            s0 = g.shards[0]
            reps = s0.replicas()
            d["SnapshottingClusterId"] = (reps[0] if reps else s0.primary()).cluster_id
        if g.cluster_enabled and show_endpoints:
            d["ConfigurationEndpoint"] = self._placeholder(g, "config")
        if g.auth_modified is not None:
            d["AuthTokenLastModifiedDate"] = g.auth_modified
        if g.kms_arn:
            d["KmsKeyId"] = g.kms_arn
        if g.transit_encryption:
            d["TransitEncryptionMode"] = g.transit_encryption_mode
        if g.user_group_ids:
            d["UserGroupIds"] = list(g.user_group_ids)
        return d

    def cluster_shape(self, g, n, show_nodes, standalone=False):
        status = n.status
        d = {
            "CacheClusterId": n.cluster_id,
            "CacheNodeType": g.node_type,
            "Engine": g.engine,
            "EngineVersion": g.engine_version,
            "CacheClusterStatus": status,
            "NumCacheNodes": 1,
            "PreferredAvailabilityZone": n.az,
            "CacheClusterCreateTime": n.create_time,
            "PreferredMaintenanceWindow": g.maintenance_window,
            "PendingModifiedValues": {},
            "CacheSecurityGroups": [],
            "CacheParameterGroup": {"CacheParameterGroupName": g.parameter_group, "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []},
            "CacheSubnetGroupName": g.subnet_group,
            "AutoMinorVersionUpgrade": g.auto_minor,
            "SecurityGroups": [{"SecurityGroupId": s, "Status": "active"} for s in g.security_group_ids],
            "ReplicationGroupId": g.id,
            "SnapshotRetentionLimit": g.snapshot_retention,
            "SnapshotWindow": g.snapshot_window,
            "AuthTokenEnabled": g.auth_enabled,
            "TransitEncryptionEnabled": g.transit_encryption,
            "AtRestEncryptionEnabled": g.at_rest,
            "ARN": "arn:aws:elasticache:%s:%s:cluster:%s" % (g.region, g.account_id, n.cluster_id),
            "ReplicationGroupLogDeliveryEnabled": bool(g.log_configs),
            "LogDeliveryConfigurations": [],
            "NetworkType": g.network_type,
            "IpDiscovery": g.ip_discovery,
        }
        if g.notification_topic:
            d["NotificationConfiguration"] = {"TopicArn": g.notification_topic, "TopicStatus": "active"}
        if g.auth_modified is not None:
            d["AuthTokenLastModifiedDate"] = g.auth_modified
        if g.transit_encryption:
            d["TransitEncryptionMode"] = g.transit_encryption_mode
        if standalone:
            del d["ReplicationGroupId"]
            d["ReplicationGroupLogDeliveryEnabled"] = False
        if show_nodes and status not in ("creating", "deleting"):
            d["CacheNodes"] = [
                {
                    "CacheNodeId": "0001",
                    "CacheNodeStatus": n.status,
                    "CacheNodeCreateTime": n.create_time,
                    "Endpoint": self._endpoint(g, n),
                    "ParameterGroupStatus": "in-sync",
                    "CustomerAvailabilityZone": n.az,
                }
            ]
        return d

    # ---- Describe* --------------------------------------------------------------------
    def describe_replication_groups(self, p):
        rg = p.get("ReplicationGroupId")
        if rg:
            groups = [self.group(rg)]
        else:
            groups = sorted(self.st.groups.values(), key=lambda g: g.id)
        page, marker = _paginate(groups, p.get("Marker"), p.get("MaxRecords"))
        out = {"ReplicationGroups": [self.group_shape(g) for g in page]}
        if marker:
            out["Marker"] = marker
        return out

    def describe_cache_clusters(self, p, moto_clusters):
        cid = p.get("CacheClusterId")
        show = bool(p.get("ShowCacheNodeInfo"))
        only_standalone = bool(p.get("ShowCacheClustersNotInReplicationGroups"))
        items = []
        if not only_standalone:
            for g in self.st.groups.values():
                for n in g.nodes():
                    items.append((n.cluster_id, ("rg", g, n)))
        for cid_, (g, n) in self.st.standalone.items():
            items.append((cid_, ("standalone", g, n)))
        for c in moto_clusters:
            items.append((c.cache_cluster_id, ("moto", c)))
        if cid:
            items = [i for i in items if i[0] in (cid, cid.lower())]
            if not items:
                raise ECError("CacheClusterNotFound", "CacheCluster %s not found." % cid)
        items.sort(key=lambda i: i[0])
        page, marker = _paginate(items, p.get("Marker"), p.get("MaxRecords"))
        shaped = []
        for _, ref in page:
            if ref[0] == "rg":
                shaped.append(self.cluster_shape(ref[1], ref[2], show))
            elif ref[0] == "standalone":
                shaped.append(self.cluster_shape(ref[1], ref[2], show, standalone=True))
            else:
                shaped.append(ref[1])
        out = {"CacheClusters": shaped}
        if marker:
            out["Marker"] = marker
        return out

    def describe_cache_subnet_groups(self, p):
        name = p.get("CacheSubnetGroupName")
        if name:
            groups = [self.subnet_group(name)]
        else:
            groups = sorted(self.st.subnet_groups.values(), key=lambda g: g["CacheSubnetGroupName"])
            if "default" not in self.st.subnet_groups:
                try:
                    groups = [self._default_subnet_group()] + groups
                except Exception:
                    pass
        page, marker = _paginate(groups, p.get("Marker"), p.get("MaxRecords"))
        out = {"CacheSubnetGroups": [{k: v for k, v in g.items() if k != "Tags"} for g in page]}
        if marker:
            out["Marker"] = marker
        return out

    def create_cache_subnet_group(self, p):
        name = p.get("CacheSubnetGroupName")
        if not name:
            raise ECError("MissingParameter", "The request must contain the parameter CacheSubnetGroupName")
        if p.get("CacheSubnetGroupDescription") is None:
            raise ECError("MissingParameter", "The request must contain the parameter CacheSubnetGroupDescription")
        key = name.lower()
        if not re.match(r"^[a-z0-9-]{1,255}$", key) or key == "default":
            raise invalid_value("Invalid cache subnet group name: %s" % name)
        if key in self.st.subnet_groups:
            raise ECError("CacheSubnetGroupAlreadyExists", "Cache subnet group %s already exists." % key)
        if len(self.st.subnet_groups) >= 300:
            raise ECError("CacheSubnetGroupQuotaExceeded", "The request cannot be processed because it would exceed the allowed number of cache subnet groups (300).")
        ids = p.get("SubnetIds") or []
        if not ids:
            raise ECError("MissingParameter", "The request must contain the parameter SubnetIds")
        ec2 = self._ec2()
        subnets = []
        vpcs = set()
        for sid in ids:
            try:
                sn = ec2.get_subnet(sid)
            except Exception:
                raise ECError("InvalidSubnet", "The subnet ID %s does not exist" % sid)
            subnets.append(sn)
            vpcs.add(sn.vpc_id)
        if len(vpcs) > 1:
            raise ECError("InvalidSubnet", "The subnets of a cache subnet group must belong to one VPC; found %s." % ", ".join(sorted(vpcs)))
        tags = p.get("Tags") or []
        g = {
            "CacheSubnetGroupName": key,
            "CacheSubnetGroupDescription": p.get("CacheSubnetGroupDescription"),
            "VpcId": subnets[0].vpc_id,
            "Subnets": [
                {"SubnetIdentifier": s.id, "SubnetAvailabilityZone": {"Name": s.availability_zone}, "SupportedNetworkTypes": ["ipv4"]}
                for s in subnets
            ],
            "ARN": "arn:aws:elasticache:%s:%s:subnetgroup:%s" % (self.region, self.account_id, key),
            "SupportedNetworkTypes": ["ipv4"],
            "Tags": [{"Key": t.get("Key"), "Value": t.get("Value", "")} for t in tags],
        }
        self.st.subnet_groups[key] = g
        return {"CacheSubnetGroup": {k: v for k, v in g.items() if k != "Tags"}}

    def delete_cache_subnet_group(self, p):
        name = (p.get("CacheSubnetGroupName") or "").lower()
        if name not in self.st.subnet_groups:
            raise ECError("CacheSubnetGroupNotFoundFault", "Cache subnet group %s does not exist." % name)
        for g in self.st.groups.values():
            if g.subnet_group == name:
                raise ECError("CacheSubnetGroupInUse", "Cache subnet group %s is currently in use by a cache cluster." % name)
        del self.st.subnet_groups[name]

    def describe_cache_parameter_groups(self, p):
        name = p.get("CacheParameterGroupName")
        if name:
            groups = [self.parameter_group(name)]
        else:
            groups = [self.parameter_group(n) for n, _, _ in DEFAULT_PARAMETER_GROUPS] + sorted(
                self.st.parameter_groups.values(), key=lambda g: g["CacheParameterGroupName"]
            )
        page, marker = _paginate(groups, p.get("Marker"), p.get("MaxRecords"))
        shaped = []
        for g in page:
            shaped.append(
                {
                    "CacheParameterGroupName": g["CacheParameterGroupName"],
                    "CacheParameterGroupFamily": g["CacheParameterGroupFamily"],
                    "Description": g["Description"],
                    "IsGlobal": False,
                    "ARN": "arn:aws:elasticache:%s:%s:parametergroup:%s" % (self.region, self.account_id, g["CacheParameterGroupName"]),
                }
            )
        out = {"CacheParameterGroups": shaped}
        if marker:
            out["Marker"] = marker
        return out

    def create_cache_parameter_group(self, p):
        name = p.get("CacheParameterGroupName")
        fam = p.get("CacheParameterGroupFamily")
        if not name or not fam or p.get("Description") is None:
            raise ECError("MissingParameter", "The request must contain the parameters CacheParameterGroupName, CacheParameterGroupFamily and Description")
        if fam not in FAMILIES:
            raise invalid_value("Invalid CacheParameterGroupFamily: %s" % fam)
        if name.startswith("default.") or name in self.st.parameter_groups:
            raise ECError("CacheParameterGroupAlreadyExists", "Parameter group %s already exists." % name)
        g = {"CacheParameterGroupName": name, "CacheParameterGroupFamily": fam, "Description": p["Description"], "cluster_enabled": False, "IsGlobal": False, "values": {}}
        self.st.parameter_groups[name] = g
        return {
            "CacheParameterGroup": {
                "CacheParameterGroupName": name,
                "CacheParameterGroupFamily": fam,
                "Description": p["Description"],
                "IsGlobal": False,
                "ARN": "arn:aws:elasticache:%s:%s:parametergroup:%s" % (self.region, self.account_id, name),
            }
        }

    def modify_cache_parameter_group(self, p):
        name = p.get("CacheParameterGroupName")
        if name and name.startswith("default."):
            raise ECError("InvalidCacheParameterGroupState", "Default parameter groups cannot be modified.")
        g = self.parameter_group(name)
        known = {row[0]: row for row in ENGINE_PARAMETERS}
        pvs = p.get("ParameterNameValues") or []
        if not pvs:
            raise ECError("MissingParameter", "The request must contain the parameter ParameterNameValues")
        for pv in pvs:
            pname = pv.get("ParameterName")
            row = known.get(pname)
            if row is None:
                raise invalid_value("Unknown parameter: %s" % pname)
            if pname != "cluster-enabled" and not row[4]:
                raise invalid_value("Parameter %s is not modifiable." % pname)
        for pv in pvs:
            pname = pv.get("ParameterName")
            if pname != "cluster-enabled":
                g["values"][pname] = pv.get("ParameterValue") or ""
                continue
            if pname == "cluster-enabled":
                val = (pv.get("ParameterValue") or "").lower()
                if val not in ("yes", "no"):
                    raise invalid_value("Invalid value for cluster-enabled: %s (yes or no)." % pv.get("ParameterValue"))
                for rg in self.st.groups.values():
                    if rg.parameter_group == name:
                        raise ECError("InvalidCacheParameterGroupState", "cluster-enabled cannot be changed while the parameter group is in use.")
                g["cluster_enabled"] = val == "yes"
                g["values"]["cluster-enabled"] = val
        return {"CacheParameterGroupName": name}

    def describe_cache_parameters(self, p):
        name = p.get("CacheParameterGroupName")
        if not name:
            raise ECError("MissingParameter", "The request must contain the parameter CacheParameterGroupName")
        g = self.parameter_group(name)
        source = p.get("Source")
        if source is not None and source not in ("user", "system", "engine-default"):
            raise invalid_value("Invalid Source: %s. Valid values are user, system and engine-default." % source)
        values = dict(g.get("values") or {})
        params = []
        for pname, default, dtype, allowed, modifiable, minver, change, desc in ENGINE_PARAMETERS:
            value = default
            src = "system"
            if pname == "cluster-enabled":
                value = "yes" if g["cluster_enabled"] else "no"
                src = "user" if "cluster-enabled" in values else "system"
            elif pname in values:
                value = values[pname]
                src = "user"
            if source is not None and source != src and not (source == "engine-default" and src == "system"):
                continue
            d = {
                "ParameterName": pname,
                "ParameterValue": value,
                "Description": desc,
                "Source": src,
                "DataType": dtype,
                "IsModifiable": modifiable,
                "MinimumEngineVersion": minver,
                "ChangeType": change,
            }
            if allowed is not None:
                d["AllowedValues"] = allowed
            if value == "":
                del d["ParameterValue"]
            params.append(d)
        page, marker = _paginate(params, p.get("Marker"), p.get("MaxRecords"))
        out = {"Parameters": page}
        if marker is None and source in (None, "system", "engine-default"):
            out["CacheNodeTypeSpecificParameters"] = [
                {
                    "ParameterName": "maxmemory",
                    "Description": "The maximum configurable amount of memory to use to store items, in bytes.",
                    "Source": "system",
                    "DataType": "integer",
                    "AllowedValues": "0-",
                    "IsModifiable": False,
                    "MinimumEngineVersion": "2.8.6",
                    "ChangeType": "immediate",
                    "CacheNodeTypeSpecificValues": [{"CacheNodeType": k, "Value": str(v)} for k, v in sorted(NODE_TYPE_MAXMEMORY.items())],
                }
            ]
        if marker:
            out["Marker"] = marker
        return out

    def delete_cache_parameter_group(self, p):
        name = p.get("CacheParameterGroupName")
        if name and name.startswith("default."):
            raise ECError("InvalidCacheParameterGroupState", "Default parameter groups cannot be deleted.")
        self.parameter_group(name)
        for rg in self.st.groups.values():
            if rg.parameter_group == name:
                raise ECError("InvalidCacheParameterGroupState", "Parameter group %s is in use." % name)
        del self.st.parameter_groups[name]

    # ---- Modify / Delete / TestFailover -------------------------------------------------
    def modify_replication_group(self, p):
        g = self.group(p.get("ReplicationGroupId"))
        if g.status != "available":
            raise ECError("InvalidReplicationGroupState", "Replication group %s is not in available state (status: %s)." % (g.id, g.status))
        apply_now = bool(p.get("ApplyImmediately"))
        changes = {}
        if p.get("LogDeliveryConfigurations"):
            if not apply_now:
                raise invalid_combo("Log delivery configuration changes require ApplyImmediately=true.")
            changes["logs"] = self._log_configs(p["LogDeliveryConfigurations"], g.engine, g.engine_version, False)
        af = p.get("AutomaticFailoverEnabled")
        maz = p.get("MultiAZEnabled")
        new_af = (g.automatic_failover == "enabled") if af is None else bool(af)
        new_maz = (g.multi_az == "enabled") if maz is None else bool(maz)
        if g.cluster_enabled and not new_af:
            raise invalid_combo("Automatic failover cannot be disabled for a replication group with cluster mode enabled.")
        if new_af and not g.cluster_enabled and min(len(s.members) for s in g.shards) < 2:
            raise invalid_combo("When using automatic failover, there must be at least 2 cache clusters in the replication group.")
        if new_maz and not new_af:
            raise invalid_combo("Multi-AZ can only be enabled when automatic failover is enabled; disable Multi-AZ first.")
        if p.get("PrimaryClusterId"):
            if new_af:
                raise invalid_combo("PrimaryClusterId cannot be set while automatic failover is enabled.")
            if not any(n.cluster_id == p["PrimaryClusterId"] for n in g.nodes()):
                raise ECError("CacheClusterNotFound", "CacheCluster %s not found." % p["PrimaryClusterId"])
            if g.redis:
                raise invalid_combo("PrimaryClusterId changes are not available for Redis-backed sandbox groups; use TestFailover.")
        token = p.get("AuthToken")
        strategy = p.get("AuthTokenUpdateStrategy")
        if strategy is not None and strategy not in ("SET", "ROTATE", "DELETE"):
            raise invalid_value("Invalid AuthTokenUpdateStrategy: %s" % strategy)
        if token is not None or strategy is not None:
            if not g.transit_encryption:
                raise invalid_combo("AUTH token changes require in-transit encryption.")
            if strategy == "DELETE":
                if token is not None:
                    raise invalid_combo("AuthToken cannot be given with AuthTokenUpdateStrategy DELETE.")
                if not p.get("UserGroupIdsToAdd"):
                    raise invalid_combo("The AUTH token can only be deleted when moving to RBAC (UserGroupIdsToAdd).")
            else:
                if token is None:
                    raise ECError("MissingParameter", "The request must contain the parameter AuthToken")
                if any(c in token for c in '/"@%') or not 16 <= len(token) <= 128 or not token.isprintable():
                    raise invalid_value("Invalid AuthToken: 16 to 128 printable characters, without /, \", @ or %.")
                if strategy == "SET" and not g.auth_rotating:
                    raise invalid_combo("AuthTokenUpdateStrategy SET is only allowed after a ROTATE.")
        pg_name = p.get("CacheParameterGroupName")
        if pg_name:
            pg = self.parameter_group(pg_name)
            if pg["cluster_enabled"] != g.cluster_enabled:
                raise invalid_combo("The parameter group %s has a different cluster mode than the replication group." % pg_name)
            if pg["CacheParameterGroupFamily"] != engine_family(g.engine, g.engine_version):
                raise invalid_combo("The parameter group %s is not compatible with engine version %s." % (pg_name, g.engine_version))
        sg_ids = p.get("SecurityGroupIds")
        if sg_ids:
            for sg in sg_ids:
                if not self.security_group_exists(sg):
                    raise invalid_value("Some security group Id not recognized by EC2: %s" % sg)
        node_type = p.get("CacheNodeType")
        if node_type and not NODE_TYPE_RE.match(node_type):
            raise invalid_value("Invalid CacheNodeType: %s" % node_type)
        ev = p.get("EngineVersion")
        new_version = None
        if ev:
            for short, full in ENGINE_VERSIONS[g.engine].items():
                if ev in (short, full):
                    new_version = full
            if new_version is None:
                raise invalid_combo("Cannot find version %s for %s" % (ev, g.engine))
            if tuple(int(x) for x in new_version.split(".")[:2]) < tuple(int(x) for x in g.engine_version.split(".")[:2]):
                raise invalid_combo("Downgrading the engine version is not supported.")
        srl = p.get("SnapshotRetentionLimit")
        if srl is not None and not 0 <= srl <= 35:
            raise invalid_value("SnapshotRetentionLimit must be between 0 and 35.")
        for k in ("TransitEncryptionEnabled", "TransitEncryptionMode"):
            if p.get(k) is not None:
                want = p[k]
                if k == "TransitEncryptionEnabled" and bool(want) != g.transit_encryption:
                    raise invalid_combo("Changing in-transit encryption of an existing group is not supported by the sandbox's Redis nodes.")
                if k == "TransitEncryptionMode" and want not in ("preferred", "required"):
                    raise invalid_value("Invalid TransitEncryptionMode: %s" % want)

        # Apply.
        if p.get("ReplicationGroupDescription") is not None:
            g.description = p["ReplicationGroupDescription"]
        if "logs" in changes:
            by_type = {c["LogType"]: c for c in g.log_configs}
            for c in changes["logs"]:
                cur = by_type.get(c["LogType"])
                if c.get("Enabled") is False:
                    if cur is not None:
                        cur["Status"] = "disabling"
                    continue
                new = {k: v for k, v in c.items() if k != "Enabled"}
                if cur is None:
                    new["Status"] = "enabling"
                    g.log_configs.append(new)
                else:
                    new["Status"] = "modifying"
                    cur.clear()
                    cur.update(new)
            order = {"slow-log": 0, "engine-log": 1}
            g.log_configs.sort(key=lambda c: order.get(c["LogType"], 9))
        if af is not None and (g.automatic_failover == "enabled") != new_af:
            g.automatic_failover = "enabling" if new_af else "disabling"
            g.pending["AutomaticFailoverStatus"] = "enabled" if new_af else "disabled"
        if maz is not None:
            g.multi_az = "enabled" if new_maz else "disabled"
        if p.get("PrimaryClusterId"):
            for s in g.shards:
                for m in s.members:
                    m.role = "primary" if m.cluster_id == p["PrimaryClusterId"] else "replica"
        if token is not None:
            g.auth_enabled = True
            g.auth_modified = utcnow()
            g.auth_token = token
            if strategy in (None, "ROTATE"):
                g.pending["AuthTokenStatus"] = "ROTATING"
                g.auth_rotating = True
            else:
                g.pending["AuthTokenStatus"] = "SETTING"
                g.auth_rotating = False
        if strategy == "DELETE":
            g.auth_enabled = False
            g.auth_token = None
            g.auth_modified = utcnow()
        if p.get("UserGroupIdsToAdd"):
            g.user_group_ids = sorted(set(g.user_group_ids) | set(p["UserGroupIdsToAdd"]))
        if p.get("UserGroupIdsToRemove"):
            g.user_group_ids = [u for u in g.user_group_ids if u not in p["UserGroupIdsToRemove"]]
        if p.get("RemoveUserGroups"):
            g.user_group_ids = []
        if pg_name:
            g.parameter_group = pg_name
        if sg_ids:
            g.security_group_ids = list(sg_ids)
        if node_type:
            g.node_type = node_type
        if new_version:
            g.engine_version = new_version
        if srl is not None:
            g.snapshot_retention = srl
        if p.get("SnapshotWindow"):
            g.snapshot_window = p["SnapshotWindow"]
        if p.get("PreferredMaintenanceWindow"):
            g.maintenance_window = p["PreferredMaintenanceWindow"]
        if p.get("AutoMinorVersionUpgrade") is not None:
            g.auto_minor = bool(p["AutoMinorVersionUpgrade"])
        if p.get("NotificationTopicArn"):
            g.notification_topic = p["NotificationTopicArn"]
        if p.get("TransitEncryptionMode"):
            g.transit_encryption_mode = p["TransitEncryptionMode"]
        if p.get("IpDiscovery"):
            g.ip_discovery = p["IpDiscovery"]
        _, mdelay, _ = self.w.delays()
        g.status = "modifying"
        for s in g.shards:
            s.status = "modifying"
        g.modify_done_at = time.time() + mdelay
        self.w.kick()
        return {"ReplicationGroup": self.group_shape(g)}

    def delete_replication_group(self, p):
        g = self.group(p.get("ReplicationGroupId"))
        if g.status not in ("available", "create-failed"):
            raise ECError("InvalidReplicationGroupState", "Replication group %s has status %s which is not valid for deletion." % (g.id, g.status))
        if p.get("RetainPrimaryCluster"):
            if g.cluster_enabled:
                raise invalid_combo("RetainPrimaryCluster is not supported for a replication group with cluster mode enabled.")
            if g.status != "available":
                raise ECError("InvalidReplicationGroupState", "Replication group %s must be available to retain its primary cluster." % g.id)
            g.retain_primary = True
        fsi = p.get("FinalSnapshotIdentifier")
        if fsi is not None and not re.match(r"^[a-zA-Z][a-zA-Z0-9-]{0,254}$", fsi):
            raise invalid_value("Invalid FinalSnapshotIdentifier: %s" % fsi)
        _, _, ddelay = self.w.delays()
        g.status = "deleting"
        for s in g.shards:
            s.status = "deleting"
        kept = g.shards[0].primary() if g.retain_primary else None
        for n in g.nodes():
            if n is not kept:
                n.status = "deleting"
        g.delete_done_at = time.time() + ddelay
        shaped = self.group_shape(g)
        if fsi:
            self.w.event(g.region, g.id, "replication-group", "Final snapshot %s of replication group %s created" % (fsi, g.id))
        return shaped

    def test_failover(self, p):
        g = self.group(p.get("ReplicationGroupId"))
        ngid = p.get("NodeGroupId")
        if not ngid:
            raise ECError("MissingParameter", "The request must contain the parameter NodeGroupId")
        if not re.match(r"^\d{1,4}$", ngid):
            raise invalid_value("Invalid NodeGroupId: %s" % ngid)
        shard = None
        for s in g.shards:
            if s.node_group_id == "%04d" % int(ngid):
                shard = s
        if shard is None:
            raise ECError("NodeGroupNotFoundFault", "NodeGroup %s not found in replication group %s." % (ngid, g.id))
        if g.status != "available" or g.failover_busy:
            raise ECError("InvalidReplicationGroupState", "Replication group %s is not in available state (status: %s)." % (g.id, g.status))
        if g.automatic_failover != "enabled":
            raise invalid_combo("TestFailover requires automatic failover to be enabled on replication group %s." % g.id)
        if not shard.replicas():
            raise ECError("TestFailoverNotAvailableFault", "Node group %s has no replica to fail over to." % shard.node_group_id)
        now = time.time()
        self.st.failovers = [t for t in self.st.failovers if now - t < FAILOVER_WINDOW]
        if len(self.st.failovers) >= FAILOVER_LIMIT:
            raise ECError("APICallRateForCustomerExceeded", "The customer has exceeded the allowed rate of API calls (TestFailover: %d node groups in 24 hours)." % FAILOVER_LIMIT)
        if g.redis and g.farm_state != "ready":
            raise ECError("InvalidCacheClusterState", "The cache nodes of replication group %s are not ready." % g.id)
        self.st.failovers.append(now)
        g.failover_busy = True
        g.status = "modifying"
        shard.status = "modifying"
        self.w.event(g.region, g.id, "replication-group", "Test Failover API called for node group %s" % shard.node_group_id)
        shaped = self.group_shape(g)
        threading.Thread(target=self._failover_run, args=(g, shard), name="failover-%s" % g.id, daemon=True).start()
        return {"ReplicationGroup": shaped}

    def _failover_run(self, g, shard):
        w = self.w
        with w.lock:
            old = shard.primary()
        new_index = None
        error = None
        if g.redis and w.farm is not None:
            try:
                _, new_index = w.farm.failover(g.id, shard.index)
            except Exception as e:
                error = str(e) or e.__class__.__name__
        else:
            with w.lock:
                reps = shard.replicas()
                new_index = reps[0].member_index if reps else None
        time.sleep(w.failover_step)
        with w.lock:
            if error is None and new_index is not None:
                new = shard.members[new_index]
                for m in shard.members:
                    m.role = "primary" if m is new else "replica"
                msg = "Failover from primary node %s to replica node %s completed" % (old.cluster_id, new.cluster_id)
                w.event(g.region, old.cluster_id, "cache-cluster", msg)
                w.event(g.region, g.id, "replication-group", msg)
                w.event(g.region, old.cluster_id, "cache-cluster", "Recovering cache nodes 0001")
                old.status = "modifying"
            else:
                w.event(g.region, g.id, "replication-group", "Failover of node group %s failed: %s" % (shard.node_group_id, error or "no replica"))
        time.sleep(w.failover_step)
        with w.lock:
            if error is None and new_index is not None:
                w.event(g.region, old.cluster_id, "cache-cluster", "Finished recovery for cache nodes 0001")
                old.status = "available"
            shard.status = "available"
            if g.status == "modifying":
                g.status = "available"
            g.failover_busy = False
        w.kick()

    # ---- DescribeEvents ---------------------------------------------------------------------
    def describe_events(self, p):
        now = utcnow()
        start = p.get("StartTime")
        end = p.get("EndTime")
        duration = p.get("Duration")
        if duration is not None and (duration < 0 or duration > 20160):
            raise invalid_value("Duration must be between 0 and 20160 minutes.")
        st_type = p.get("SourceType")
        valid_types = ("cache-cluster", "cache-parameter-group", "cache-security-group", "cache-subnet-group", "replication-group", "serverless-cache", "serverless-cache-snapshot", "user", "user-group")
        if st_type is not None and st_type not in valid_types:
            raise invalid_value("Invalid SourceType: %s" % st_type)
        if start is not None or end is not None:
            if end is None:
                end = now
            if start is None:
                start = end - datetime.timedelta(minutes=60)
        else:
            end = now
            start = now - datetime.timedelta(minutes=duration if duration is not None else 60)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        if end.tzinfo is None:
            end = end.replace(tzinfo=UTC)
        if start > end and p.get("StartTime") is not None and p.get("EndTime") is not None:
            raise invalid_combo("StartTime must be before EndTime.")
        sid = p.get("SourceIdentifier")
        events = [
            e
            for e in self.st.events
            if start <= e["Date"] <= end
            and (st_type is None or e["SourceType"] == st_type)
            and (not sid or e["SourceIdentifier"] == sid or e["SourceIdentifier"] == sid.lower())
        ]
        events = list(reversed(events))
        page, marker = _paginate(events, p.get("Marker"), p.get("MaxRecords"))
        out = {"Events": page}
        if marker:
            out["Marker"] = marker
        return out

    # ---- tags ---------------------------------------------------------------------------------
    def _resolve_arn(self, arn):
        m = re.match(r"^arn:aws[a-z-]*:elasticache:([a-z0-9-]+):(\d{12}):([a-z]+):(.+)$", arn or "")
        if not m:
            raise ECError("InvalidARN", "Invalid ARN: %s" % arn)
        region, account, kind, name = m.groups()
        if region != self.region or account != self.account_id:
            raise ECError("InvalidARN", "The ARN %s does not belong to this account and region." % arn)
        if kind == "replicationgroup":
            g = self.group(name)
            return ("rg", g)
        if kind == "cluster":
            for g in self.st.groups.values():
                for n in g.nodes():
                    if n.cluster_id == name:
                        return ("node", (g, n))
            return None
        if kind == "subnetgroup":
            sg = self.st.subnet_groups.get(name.lower())
            if sg is None:
                raise ECError("CacheSubnetGroupNotFoundFault", "Cache subnet group %s does not exist." % name)
            return ("subnet", sg)
        if kind == "parametergroup":
            self.parameter_group(name)
            tags = self.st.other_tags.setdefault(arn, [])
            return ("other", tags)
        return None

    @staticmethod
    def _merge_tags(existing, new):
        by_key = {t["Key"]: t for t in existing}
        for t in new:
            if t.get("Key") in by_key:
                by_key[t["Key"]]["Value"] = t.get("Value", "")
            else:
                d = {"Key": t.get("Key"), "Value": t.get("Value", "")}
                existing.append(d)
                by_key[d["Key"]] = d
        return existing

    def _tag_list(self, ref):
        kind, obj = ref
        if kind == "rg":
            return obj.tags
        if kind == "node":
            g, n = obj
            merged = [dict(t) for t in g.tags]
            return self._merge_tags(merged, n.tags)
        if kind == "subnet":
            return obj["Tags"]
        return obj

    def add_tags(self, arn, tags):
        ref = self._resolve_arn(arn)
        if ref is None:
            return None
        if not tags:
            raise ECError("MissingParameter", "The request must contain the parameter Tags")
        kind, obj = ref
        if kind == "rg":
            target = obj.tags
        elif kind == "node":
            target = obj[1].tags
        elif kind == "subnet":
            target = obj["Tags"]
        else:
            target = obj
        keys = {t["Key"] for t in target} | {t.get("Key") for t in tags}
        if len(keys) > MAX_TAGS:
            raise ECError("TagQuotaPerResourceExceeded", "The request cannot be processed because it would cause the resource to have more than %d tags." % MAX_TAGS)
        self._merge_tags(target, tags)
        return {"TagList": [dict(t) for t in self._tag_list(ref)]}

    def list_tags(self, arn):
        ref = self._resolve_arn(arn)
        if ref is None:
            return None
        if ref[0] == "rg" and ref[1].status in ("creating", "deleting"):
            raise ECError("InvalidReplicationGroupState", "Replication group %s is not available (status: %s)." % (ref[1].id, ref[1].status))
        return {"TagList": [dict(t) for t in self._tag_list(ref)]}

    def remove_tags(self, arn, keys):
        ref = self._resolve_arn(arn)
        if ref is None:
            return None
        kind, obj = ref
        if kind == "rg":
            obj.tags[:] = [t for t in obj.tags if t["Key"] not in keys]
        elif kind == "node":
            obj[1].tags[:] = [t for t in obj[1].tags if t["Key"] not in keys]
            obj[0].tags[:] = [t for t in obj[0].tags if t["Key"] not in keys]
        elif kind == "subnet":
            obj["Tags"][:] = [t for t in obj["Tags"] if t["Key"] not in keys]
        else:
            obj[:] = [t for t in obj if t["Key"] not in keys]
        return {"TagList": [dict(t) for t in self._tag_list(ref)]}


# ---------------------------------------------------------------------------
# fast XML answers

_MODEL = None
NAMESPACE = "http://elasticache.amazonaws.com/doc/2015-02-02/"


def _service_model():
    global _MODEL
    if _MODEL is None:
        from moto.core.utils import get_service_model

        _MODEL = get_service_model("elasticache")
    return _MODEL


def _iso(ts):
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)


def _emit(shape, value, out):
    from xml.sax.saxutils import escape

    t = shape.type_name
    if t == "structure":
        for name, mshape in shape.members.items():
            v = value.get(name) if isinstance(value, dict) else None
            if v is None:
                continue
            tag = mshape.serialization.get("name", name)
            if mshape.type_name == "list" and mshape.serialization.get("flattened"):
                mtag = mshape.member.serialization.get("name", tag)
                for item in v:
                    out.append("<%s>" % mtag)
                    _emit(mshape.member, item, out)
                    out.append("</%s>" % mtag)
                continue
            out.append("<%s>" % tag)
            _emit(mshape, v, out)
            out.append("</%s>" % tag)
    elif t == "list":
        mtag = shape.member.serialization.get("name", "member")
        for item in value:
            out.append("<%s>" % mtag)
            _emit(shape.member, item, out)
            out.append("</%s>" % mtag)
    elif t == "boolean":
        out.append("true" if value else "false")
    elif t == "timestamp":
        out.append(_iso(value))
    elif t in ("integer", "long"):
        out.append(str(int(value)))
    elif t in ("double", "float"):
        out.append(repr(float(value)))
    else:
        out.append(escape(str(value)))


def xml_answer(operation, result):
    """Serialise ``result`` (plain dicts) as ElastiCache's <Op>Response the
    way AWS writes it (timestamps in milliseconds), much faster than moto's
    generic serializer on big answers.  Returns (body, headers) for moto."""
    import uuid

    op = _service_model().operation_model(operation)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<%sResponse xmlns="%s">' % (operation, NAMESPACE)]
    shape = op.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", "%sResult" % operation)
        out.append("<%s>" % wrapper)
        _emit(shape, result, out)
        out.append("</%s>" % wrapper)
    rid = str(uuid.uuid4())
    out.append("<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>" % (rid, operation))
    return "".join(out), {"status": 200, "Content-Type": "text/xml", "x-amzn-RequestId": rid}


def _all_plain(value):
    if isinstance(value, dict):
        return all(_all_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_all_plain(v) for v in value)
    return isinstance(value, (str, int, float, bool, datetime.datetime)) or value is None


# ---------------------------------------------------------------------------
# moto glue

WORLD = None


class SandboxElastiCacheResponse(ElastiCacheResponse):
    """moto's ElastiCache response class with the sandbox's operations."""

    def _p(self):
        return self._get_params()

    def _answer(self, result):
        if _all_plain(result):
            return xml_answer(self._get_action(), result)
        return ActionResult(result)

    def _call(self, fn):
        WORLD.tick()
        with WORLD.lock:
            return fn(Api(WORLD, self.region, self.current_account))

    def create_replication_group(self):
        p = self._p()

        def run(api):
            g = api.create_replication_group(p)
            api.register_new_group(g, WORLD.redis_for_new_groups)
            return {"ReplicationGroup": api.group_shape(g)}

        return self._answer(self._call(run))

    def describe_replication_groups(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.describe_replication_groups(p)))

    def modify_replication_group(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.modify_replication_group(p)))

    def delete_replication_group(self):
        p = self._p()

        def run(api):
            shaped = api.delete_replication_group(p)
            g = api.group(p.get("ReplicationGroupId"))
            return g, shaped

        g, shaped = self._call(run)
        WORLD._unregister(g)
        if g.redis and g.farm_state == "ready":
            if g.retain_primary:
                WORLD._farm_drop_replicas(g)
            else:
                WORLD._farm_delete(g)
        WORLD.kick()
        return self._answer({"ReplicationGroup": shaped})

    def delete_cache_cluster(self):
        cid = (self._get_param("CacheClusterId") or "").lower()

        def run(api):
            ref = api.st.standalone.get(cid)
            if ref is None:
                return None
            g, n = ref
            if n.status != "available":
                raise ECError("InvalidCacheClusterState", "Cache cluster %s is not in available state (status: %s)." % (cid, n.status))
            n.status = "deleting"
            n.delete_done_at = time.time() + api.w.delays()[2]
            return {"CacheCluster": api.cluster_shape(g, n, False, standalone=True)}, g

        res = self._call(run)
        if res is None:
            return super().delete_cache_cluster()
        shaped, g = res
        if g.redis and g.farm_state == "ready":
            WORLD._farm_delete(g)
        WORLD.kick()
        return self._answer(shaped)

    def test_failover(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.test_failover(p)))

    def describe_events(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.describe_events(p)))

    def describe_cache_clusters(self):
        p = self._p()
        moto_clusters = list(self.elasticache_backend.cache_clusters.values())
        return self._answer(self._call(lambda api: api.describe_cache_clusters(p, moto_clusters)))

    def create_cache_subnet_group(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.create_cache_subnet_group(p)))

    def describe_cache_subnet_groups(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.describe_cache_subnet_groups(p)))

    def delete_cache_subnet_group(self):
        p = self._p()
        self._call(lambda api: api.delete_cache_subnet_group(p))
        return EmptyResult()

    def describe_cache_parameter_groups(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.describe_cache_parameter_groups(p)))

    def create_cache_parameter_group(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.create_cache_parameter_group(p)))

    def modify_cache_parameter_group(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.modify_cache_parameter_group(p)))

    def describe_cache_parameters(self):
        p = self._p()
        return self._answer(self._call(lambda api: api.describe_cache_parameters(p)))

    def delete_cache_parameter_group(self):
        p = self._p()
        self._call(lambda api: api.delete_cache_parameter_group(p))
        return EmptyResult()

    def add_tags_to_resource(self):
        arn = self._get_param("ResourceName")
        tags = self._get_param("Tags", [])
        res = self._call(lambda api: api.add_tags(arn, tags))
        if res is None:
            self.elasticache_backend.add_tags_to_resource(arn, tags)
            return ActionResult({"TagList": self.elasticache_backend.list_tags_for_resource(arn)["Tags"]})
        return self._answer(res)

    def list_tags_for_resource(self):
        arn = self._get_param("ResourceName")
        res = self._call(lambda api: api.list_tags(arn))
        if res is None:
            return super().list_tags_for_resource()
        return self._answer(res)

    def remove_tags_from_resource(self):
        arn = self._get_param("ResourceName")
        keys = self._get_param("TagKeys", [])
        res = self._call(lambda api: api.remove_tags(arn, keys))
        if res is None:
            self.elasticache_backend.remove_tags_from_resource(arn, keys)
            return ActionResult({"TagList": self.elasticache_backend.list_tags_for_resource(arn)["Tags"]})
        return self._answer(res)


def install(world):
    """Route moto's ElastiCache endpoint to the sandbox's response class.
    Must run before the first ElastiCache request reaches moto."""
    global WORLD
    import moto.elasticache.urls as urls

    WORLD = world
    urls.url_paths = {"{0}/$": SandboxElastiCacheResponse.dispatch}
