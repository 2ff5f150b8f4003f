"""Farm: real redis-server groups shaped like ElastiCache (TLS, AUTH,
cluster layout, failover, crash/restart, SIGSTOP, cleanup, loopback only)."""

import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
sys.path.insert(0, SANDBOX)

from sandbox import farm as farm_mod  # noqa: E402
from sandbox import resp, tls  # noqa: E402


def wait_for(pred, timeout=15.0, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(step)


def pid_gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state in ("Z", "X")
    except FileNotFoundError:
        return True


def proc_state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def listening_addrs(pid):
    """Local addresses of the TCP sockets in LISTEN state owned by pid."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    for table, v6 in (("tcp", False), ("tcp6", True)):
        try:
            with open("/proc/%d/net/%s" % (pid, table)) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] != "0A" or cols[9] not in inodes:
                continue
            hexaddr, hexport = cols[1].split(":")
            if v6:
                out.append(("v6:" + hexaddr, int(hexport, 16)))
            else:
                ip = socket.inet_ntoa(bytes.fromhex(hexaddr)[::-1])
                out.append((ip, int(hexport, 16)))
    return out


def make_token():
    return secrets.token_urlsafe(24)


class FarmClusterTest(unittest.TestCase):
    """One 3-shard x 2-replica TLS+AUTH cluster shared by read-only checks."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="farmtest-")
        cls.token = make_token()
        cls.farm = farm_mod.Farm(cls.tmp.name)
        t0 = time.monotonic()
        cls.shards = cls.farm.create_group(
            "app-4", shards=3, replicas=2, cluster_mode=True, tls=True, auth_token=cls.token
        )
        cls.create_seconds = time.monotonic() - t0

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop_all()
        cls.tmp.cleanup()

    def conn(self, node, **kw):
        kw.setdefault("tls", True)
        kw.setdefault("ca_file", self.farm.ca_file)
        kw.setdefault("password", self.token)
        return resp.Connection(node.host, node.port, **kw)

    def test_created_quickly(self):
        self.assertLess(self.create_seconds, 15.0)

    def test_layout_and_slots(self):
        self.assertEqual([len(s) for s in self.shards], [3, 3, 3])
        want_ranges = [[0, 5461], [5462, 10922], [10923, 16383]]
        self.assertEqual(farm_mod.slot_ranges(3), [tuple(r) for r in want_ranges])
        by_port = {}
        for s, shard in enumerate(self.shards):
            for m, n in enumerate(shard):
                self.assertEqual((n.shard_index, n.member_index), (s, m))
                self.assertEqual(n.role, "primary" if m == 0 else "replica")
                self.assertEqual(n.host, "127.0.0.1")
                self.assertEqual(n.name, "app-4-%04d-%03d" % (s + 1, m + 1))
                by_port[n.port] = (s, m)
        for shard in self.shards:
            for node in shard:
                with self.conn(node) as c:
                    reply = c.call("CLUSTER", "SHARDS")
                got = {}
                for sh in reply:
                    d = dict(zip(sh[0::2], sh[1::2]))
                    members = []
                    for nd in d["nodes"]:
                        nd = dict(zip(nd[0::2], nd[1::2]))
                        self.assertIn("tls-port", nd)
                        self.assertNotIn("port", nd)
                        self.assertEqual(nd["health"], "online")
                        members.append((by_port[nd["tls-port"]], nd["role"]))
                    shard_idx = {s for (s, _m), _r in members}
                    self.assertEqual(len(shard_idx), 1)
                    got[shard_idx.pop()] = (d["slots"], sorted(members))
                self.assertEqual(sorted(got), [0, 1, 2])
                for s in range(3):
                    slots, members = got[s]
                    self.assertEqual(slots, want_ranges[s])
                    self.assertEqual(
                        members,
                        [((s, 0), "master"), ((s, 1), "replica"), ((s, 2), "replica")],
                    )
                with self.conn(node) as c:
                    info = resp.parse_info(c.call("CLUSTER", "INFO"))
                self.assertEqual(info["cluster_state"], "ok")
                self.assertEqual(info["cluster_slots_assigned"], 16384)
                self.assertEqual(info["cluster_known_nodes"], 9)
                self.assertEqual(info["cluster_size"], 3)

    def test_roles_reported_by_redis(self):
        roles = self.farm.roles("app-4")
        self.assertEqual(len(roles), 9)
        for (s, m), role in roles.items():
            self.assertEqual(role, "primary" if m == 0 else "replica")
            r = self.farm.command("app-4", s, m, "ROLE")
            self.assertEqual(r[0], "master" if m == 0 else "slave")
            if m:
                self.assertEqual(r[2], self.shards[s][0].port)
                self.assertEqual(r[3], "connected")

    def test_tls_only(self):
        node = self.shards[0][0]
        # plain TCP: the TLS port never answers RESP
        s = socket.create_connection((node.host, node.port), timeout=3)
        try:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            try:
                data = s.recv(100)
            except (ConnectionResetError, socket.timeout):
                data = b""
            self.assertFalse(data.startswith((b"+", b"-")), data)
        finally:
            s.close()
        # a CA that did not sign the server certificate is refused
        other = tls.generate(os.path.join(self.tmp.name, "other-ca"))
        with self.assertRaises(ssl.SSLError):
            self.conn(node, ca_file=other.ca_file)
        # the right CA verifies for both SAN names
        for host in ("127.0.0.1", "localhost"):
            c = resp.Connection(
                host, node.port, tls=True, ca_file=self.farm.ca_file, password=self.token
            )
            with c:
                self.assertEqual(c.call("PING"), "PONG")
        # no plain listener anywhere: every listening socket is TLS
        for shard in self.shards:
            for n in shard:
                ports = sorted(p for _a, p in listening_addrs(n.pid))
                self.assertEqual(ports, sorted([n.port, n.bus_port]))

    def test_auth_required(self):
        node = self.shards[1][1]
        with self.conn(node, password=None) as c:
            with self.assertRaises(resp.ReplyError) as cm:
                c.call("GET", "x")
            self.assertEqual(cm.exception.code, "NOAUTH")
        with self.assertRaises(resp.ReplyError) as cm:
            self.conn(node, password="wrong-" + self.token)
        self.assertEqual(cm.exception.code, "WRONGPASS")
        self.assertNotIn(self.token, str(cm.exception))
        with self.conn(node) as c:
            self.assertEqual(c.call("PING"), "PONG")

    def test_cluster_redirects_with_token(self):
        # a key of shard 2 asked on shard 0 -> MOVED to shard 2's TLS port
        from sandbox.workload import key_slot

        key = next(k for k in ("k%d" % i for i in range(1000)) if key_slot(k) > 10923)
        with self.conn(self.shards[0][0]) as c:
            with self.assertRaises(resp.ReplyError) as cm:
                c.call("SET", key, "v")
        parts = str(cm.exception).split()
        self.assertEqual(parts[0], "MOVED")
        self.assertEqual(parts[2], "127.0.0.1:%d" % self.shards[2][0].port)

    def test_blocked_commands_like_elasticache(self):
        node = self.shards[0][0]
        with self.conn(node) as c:
            for cmd in (("CONFIG", "GET", "maxmemory"), ("DEBUG", "SLEEP", "0"), ("SHUTDOWN",)):
                with self.assertRaises(resp.ReplyError) as cm:
                    c.call(*cmd)
                self.assertIn("unknown command", str(cm.exception))
            self.assertEqual(c.call("CLUSTER", "MYID"), node.node_id)
        # the farm itself can still use them
        mm = self.farm.command("app-4", 0, 0, "CONFIG", "GET", "maxmemory")
        self.assertEqual(mm, ["maxmemory", str(farm_mod.DEFAULT_MAXMEMORY)])

    def test_binds_loopback_only(self):
        for shard in self.shards:
            for n in shard:
                addrs = listening_addrs(n.pid)
                self.assertTrue(addrs)
                for addr, _port in addrs:
                    self.assertEqual(addr, "127.0.0.1")

    def test_tls_files(self):
        for path in (self.farm.key_file, os.path.join(self.tmp.name, "tls", "ca.key")):
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        from cryptography import x509

        with open(self.farm.cert_file, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertIn("localhost", san.get_values_for_type(x509.DNSName))
        ips = [str(i) for i in san.get_values_for_type(x509.IPAddress)]
        self.assertIn("127.0.0.1", ips)
        self.assertIn("::1", ips)
        # node configs hold the token: private
        for shard in self.shards:
            conf = os.path.join(shard[0].dir, "redis.conf")
            self.assertEqual(os.stat(conf).st_mode & 0o777, 0o600)


class FarmUnevenTest(unittest.TestCase):
    """NodeGroupConfiguration-style layout: per-shard replica counts and
    explicit slot ranges."""

    def test_uneven_layout(self):
        with tempfile.TemporaryDirectory(prefix="farmtest-") as d:
            f = farm_mod.Farm(d)
            try:
                shards = f.create_group(
                    "nc", shards=2, replicas=[0, 2], cluster_mode=True, tls=False,
                    auth_token=None, slots=["0-99,200-16383", [(100, 199)]],
                )
                self.assertEqual([len(x) for x in shards], [1, 3])
                self.assertEqual(f.group_config("nc")["slots"], ["0-99,200-16383", "100-199"])
                reply = f.command("nc", 1, 2, "CLUSTER", "SHARDS")
                got = {}
                for sh in reply:
                    dd = dict(zip(sh[0::2], sh[1::2]))
                    ports = sorted(dict(zip(x[0::2], x[1::2]))["port"] for x in dd["nodes"])
                    got[tuple(dd["slots"])] = ports
                self.assertEqual(
                    got,
                    {
                        (0, 99, 200, 16383): [shards[0][0].port],
                        (100, 199): sorted(n.port for n in shards[1]),
                    },
                )
            finally:
                f.stop_all()


class FarmPlainTest(unittest.TestCase):
    """Cluster mode disabled, no TLS, no AUTH."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="farmtest-")
        cls.farm = farm_mod.Farm(cls.tmp.name)
        cls.shards = cls.farm.create_group(
            "weak", shards=1, replicas=2, cluster_mode=False, tls=False, auth_token=None
        )

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop_all()
        cls.tmp.cleanup()

    def test_1_layout(self):
        self.assertEqual(len(self.shards), 1)
        shard = self.shards[0]
        self.assertEqual([n.name for n in shard], ["weak-001", "weak-002", "weak-003"])
        primary = shard[0]
        with resp.Connection(primary.host, primary.port) as c:
            info = resp.parse_info(c.call("INFO"))
            self.assertEqual(info["cluster_enabled"], 0)
            self.assertEqual(info["role"], "master")
            self.assertEqual(info["connected_slaves"], 2)
            self.assertEqual(c.call("PING"), "PONG")  # no AUTH needed
        for n in shard[1:]:
            with resp.Connection(n.host, n.port) as c:
                r = c.call("ROLE")
            self.assertEqual(r[:4], ["slave", "127.0.0.1", primary.port, "connected"])

    def test_2_failover(self):
        before = self.farm.roles("weak")
        cur = [m for (s, m), r in before.items() if r == "primary"]
        self.assertEqual(len(cur), 1)
        target = next(m for m in range(3) if m != cur[0])
        s, m = self.farm.failover("weak", 0, target)
        self.assertEqual((s, m), (0, target))
        roles = self.farm.roles("weak")
        self.assertEqual(roles[(0, target)], "primary")
        self.assertEqual(sorted(roles.values()), ["primary", "replica", "replica"])
        new = self.farm.nodes("weak")[0][target]
        # every other node replicates the new primary, as Redis itself says
        for n in self.farm.nodes("weak")[0]:
            r = self.farm.command("weak", 0, n.member_index, "ROLE")
            if n.member_index == target:
                self.assertEqual(r[0], "master")
                self.assertEqual(len(r[2]), 2)
            else:
                self.assertEqual(r[0], "slave")
                self.assertEqual(r[2], new.port)
        # data written on the new primary reaches the replicas
        self.farm.command("weak", 0, target, "SET", "after-failover", "1")
        for n in self.farm.nodes("weak")[0]:
            wait_for(
                lambda n=n: self.farm.command("weak", 0, n.member_index, "GET", "after-failover") == "1",
                what="replication to %s" % n.name,
            )


class FarmFaultTest(unittest.TestCase):
    """Failover, crash/restart and SIGSTOP on a small TLS cluster (3 shards:
    Redis' automatic failover needs a majority of primaries)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="farmtest-")
        cls.token = make_token()
        cls.farm = farm_mod.Farm(cls.tmp.name)
        cls.farm.create_group(
            "fo", shards=3, replicas=1, cluster_mode=True, tls=True, auth_token=cls.token
        )

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop_all()
        cls.tmp.cleanup()

    def shard_view(self, from_member, shard):
        """(master port, replica ports) of shard as node (0, from_member) sees it."""
        reply = self.farm.command("fo", 0, from_member, "CLUSTER", "SHARDS")
        nodes = self.farm.nodes("fo")
        ports = {n.port for n in nodes[shard]}
        for sh in reply:
            d = dict(zip(sh[0::2], sh[1::2]))
            members = [dict(zip(x[0::2], x[1::2])) for x in d["nodes"]]
            if {x["tls-port"] for x in members} & ports:
                master = [x["tls-port"] for x in members if x["role"] == "master"]
                return master, sorted(x["tls-port"] for x in members if x["role"] == "replica")
        return None

    def test_1_cluster_failover(self):
        shard = 1
        old_primary = self.farm.primary("fo", shard)
        s, m = self.farm.failover("fo", shard)
        self.assertEqual(s, shard)
        self.assertNotEqual(m, old_primary)
        nodes = self.farm.nodes("fo")
        self.assertEqual(self.farm.command("fo", shard, m, "ROLE")[0], "master")
        self.assertEqual(self.farm.command("fo", shard, old_primary, "ROLE")[0], "slave")
        self.assertEqual(self.farm.roles("fo")[(shard, m)], "primary")
        # the rest of the cluster agrees
        master, replicas = self.shard_view(0, shard)
        self.assertEqual(master, [nodes[shard][m].port])
        self.assertEqual(replicas, [nodes[shard][old_primary].port])

    def test_2_kill_restart_replica(self):
        rep = next(m for m in (0, 1) if self.farm.roles("fo")[(0, m)] == "replica")
        node = self.farm.nodes("fo")[0][rep]
        self.farm.kill_node("fo", 0, rep)
        self.assertTrue(wait_for(lambda: pid_gone(node.pid), 5, what="killed pid gone"))
        self.assertIsNone(self.farm.nodes("fo")[0][rep].pid)
        info = self.farm.restart_node("fo", 0, rep)
        self.assertEqual(info.port, node.port)
        self.assertNotEqual(info.pid, node.pid)
        self.assertEqual(self.farm.command("fo", 0, rep, "CLUSTER", "MYID"), node.node_id)
        r = self.farm.command("fo", 0, rep, "ROLE")
        self.assertEqual((r[0], r[3]), ("slave", "connected"))
        cinfo = resp.parse_info(self.farm.command("fo", 0, rep, "CLUSTER", "INFO"))
        self.assertEqual(cinfo["cluster_state"], "ok")

    def test_3_kill_primary_fails_over_and_rejoins_as_replica(self):
        prim = self.farm.primary("fo", 0)
        other = 1 - prim
        self.farm.kill_node("fo", 0, prim)
        # Redis' own automatic failover (cluster-node-timeout) promotes the replica
        wait_for(
            lambda: self.farm.command("fo", 0, other, "ROLE")[0] == "master",
            timeout=30,
            what="automatic failover",
        )
        self.farm.restart_node("fo", 0, prim)
        r = self.farm.command("fo", 0, prim, "ROLE")
        self.assertEqual((r[0], r[3]), ("slave", "connected"))
        self.assertEqual(self.farm.roles("fo")[(0, prim)], "replica")

    def test_4_stop_cont(self):
        rep = next(m for m in (0, 1) if self.farm.roles("fo")[(1, m)] == "replica")
        node = self.farm.nodes("fo")[1][rep]
        self.farm.stop_node("fo", 1, rep)
        try:
            self.assertEqual(proc_state(node.pid), "T")
            with self.assertRaises(OSError):
                self.farm.command("fo", 1, rep, "PING", timeout=0.5)
            t0 = time.monotonic()
            roles = self.farm.roles("fo")  # does not hang on the stopped node
            self.assertLess(time.monotonic() - t0, 5)
            self.assertEqual(roles[(1, rep)], "replica")
        finally:
            self.farm.cont_node("fo", 1, rep)
        self.assertEqual(self.farm.command("fo", 1, rep, "PING"), "PONG")
        self.assertNotEqual(proc_state(node.pid), "T")


class FarmCleanupTest(unittest.TestCase):
    def test_stop_all_leaves_nothing(self):
        with tempfile.TemporaryDirectory(prefix="farmtest-") as d:
            f = farm_mod.Farm(d)
            f.create_group("a", shards=1, replicas=1, cluster_mode=False, tls=True, auth_token=make_token())
            f.create_group("b", shards=1, replicas=0, cluster_mode=False, tls=False, auth_token=None)
            pids = f.pids()
            self.assertEqual(len(pids), 3)
            f.delete_group("b")
            self.assertEqual(len(f.pids()), 2)
            self.assertFalse(os.path.exists(os.path.join(d, "groups", "b")))
            f.stop_all()
            for p in pids:
                self.assertTrue(pid_gone(p), p)
            self.assertEqual(f.pids(), [])

    def test_parent_sigkill_leaves_nothing(self):
        # the group is created from a thread that has exited by the time the
        # parent is killed: the death signal must follow the process, not the
        # creating thread
        code = r"""
import json, sys, threading
sys.path.insert(0, %r)
from sandbox import farm
f = farm.Farm(sys.argv[1])
def make():
    f.create_group("k", shards=1, replicas=1, cluster_mode=False, tls=True, auth_token="t" * 20)
t = threading.Thread(target=make); t.start(); t.join()
print(json.dumps(f.pids()), flush=True)
sys.stdin.read()
""" % SANDBOX
        with tempfile.TemporaryDirectory(prefix="farmtest-") as d:
            p = subprocess.Popen(
                [sys.executable, "-c", code, d], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            try:
                pids = json.loads(p.stdout.readline())
                self.assertEqual(len(pids), 2)
                time.sleep(0.3)  # well after the creating thread ended
                for pid in pids:
                    self.assertFalse(pid_gone(pid), "node died with its creating thread")
                p.kill()
                p.wait(10)
                for pid in pids:
                    wait_for(lambda pid=pid: pid_gone(pid), 10, what="redis %d gone" % pid)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                p.stdin.close()
                p.stdout.close()


class FarmCliTest(unittest.TestCase):
    CLI = os.path.join(SANDBOX, "farm")

    def run_up(self, d, *extra):
        return subprocess.Popen(
            [self.CLI, "up", "--state-dir", d, "--stop-on-eof"] + list(extra),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def test_up_json_token_and_eof(self):
        token = make_token()
        with tempfile.TemporaryDirectory(prefix="farmtest-") as d:
            tf = os.path.join(d, "given-token")
            with open(tf, "w") as f:
                f.write(token + "\n")
            p = self.run_up(d, "--no-cluster", "--replicas", "1", "--token-file", tf)
            try:
                line = p.stdout.readline().decode()
                out = json.loads(line)
                self.assertNotIn(token, line)
                self.assertEqual(out["token_file"], tf)
                self.assertTrue(out["tls"])
                self.assertFalse(out["cluster"])
                self.assertTrue(os.path.exists(out["ca_file"]))
                shard = out["shards"][0]
                self.assertEqual([n["role"] for n in shard], ["primary", "replica"])
                for n in shard:
                    self.assertEqual(set(n) >= {"host", "port", "role", "pid", "log_file"}, True)
                    self.assertTrue(os.path.exists(n["log_file"]))
                    c = resp.Connection(
                        n["host"], n["port"], tls=True, ca_file=out["ca_file"], password=token
                    )
                    with c:
                        self.assertEqual(c.call("PING"), "PONG")
                p.stdin.close()  # EOF stops everything
                self.assertEqual(p.wait(20), 0)
                err = p.stderr.read().decode()
                self.assertNotIn(token, err)
                for n in shard:
                    wait_for(lambda n=n: pid_gone(n["pid"]), 10, what="node gone")
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                p.stdout.close()
                p.stderr.close()

    def test_generated_token_and_down(self):
        with tempfile.TemporaryDirectory(prefix="farmtest-") as d:
            p = self.run_up(d, "--shards", "1", "--replicas", "1")
            try:
                out = json.loads(p.stdout.readline())
                tf = out["token_file"]
                self.assertEqual(os.stat(tf).st_mode & 0o777, 0o600)
                with open(tf) as f:
                    token = f.read()
                self.assertGreaterEqual(len(token), 16)
                self.assertTrue(out["cluster"])
                n = out["shards"][0][0]
                with resp.Connection(n["host"], n["port"], tls=True, ca_file=out["ca_file"], password=token) as c:
                    info = resp.parse_info(c.call("CLUSTER", "INFO"))
                self.assertEqual(info["cluster_state"], "ok")
                down = subprocess.run([self.CLI, "down", "--state-dir", d], timeout=30)
                self.assertEqual(down.returncode, 0)
                self.assertEqual(p.wait(20), 0)
                for n in out["shards"][0]:
                    wait_for(lambda n=n: pid_gone(n["pid"]), 10, what="node gone")
            finally:
                if p.poll() is None:
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                p.stdin.close()
                p.stdout.close()
                p.stderr.close()


if __name__ == "__main__":
    unittest.main()
