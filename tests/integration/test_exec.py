"""`elcui exec`, `elcui latency` and `elcui iam-token` against the sandbox's
demo stack: app-4, 3 shards x 2 replicas of real redis-server over TLS with
AUTH (a CA and a token generated per run), the token found through the
seed's naming (secret app-4-elasticache-auth).

exec: SET/GET on keys of every shard, reached through MOVED from the seed;
an ASK during a slot migration (set up on the nodes directly); a MOVED onto
a fresh connection keeps TLS and AUTH; targets label their replies;
blocked, dangerous and read-only commands; wrong token -> WRONGPASS, wrong
CA -> verification error; --connect-to through a local TCP forwarder on an
address the certificate does not name, while TLS verifies the real name;
an interactive session in tmux (typing, history recall, Ctrl-C, Ctrl-D)
whose history file never holds the token and is 0600 in a 0700 folder.
Faults (issue 6): a failover while commands stream (exec --repeat), a node
killed then restarted (the configuration endpoint's own node: the session
falls back to the other node endpoints), a node frozen with SIGSTOP
(timeouts classified, no hang, latency shows it). iam-token equals what
botocore's SigV4QueryAuth computes for the same second.

ELCUI_BIN names the binary (default build/elcui); with the sanitizer build
every run is also checked for sanitizer reports.
    python3 -m unittest tests/integration/test_exec.py
"""

import binascii
import datetime
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from sandbox import resp  # noqa: E402
from tmux import Console  # noqa: E402

RG = "app-4"
SHARD_RANGES = [(0, 5461), (5462, 10922), (10923, 16383)]
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def keyslot(key):
    return binascii.crc_hqx(key.encode(), 0) % 16384


def key_for_shard(shard, prefix="k"):
    lo, hi = SHARD_RANGES[shard]
    for i in range(100000):
        k = "%s:%d:%d" % (prefix, shard, i)
        if lo <= keyslot(k) <= hi:
            return k
    raise AssertionError("no key for shard %d" % shard)


def wait_for(pred, timeout, what, step=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(step)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def json_lines(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


class Forwarder:
    """A TCP forwarder on listen_host (a port-forward stand-in): counts the
    connections it carried."""

    def __init__(self, listen_host, target_host, target_port):
        self.target = (target_host, target_port)
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((listen_host, 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.connections = 0
        self.socks = []
        self.stopping = False
        self.t = threading.Thread(target=self._accept, daemon=True)
        self.t.start()

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(self.target, timeout=5)
            except OSError:
                c.close()
                continue
            self.connections += 1
            self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.stopping = True
        self.ls.close()
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass
        self.t.join(timeout=5)


class Streamer:
    """`elcui exec ... --repeat -1` in the background, lines collected."""

    def __init__(self, env, args):
        self.p = subprocess.Popen([harness.ELCUI] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out), daemon=True), threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(f, sink):
        for line in iter(f.readline, b""):
            sink.append(line.decode("utf-8", "replace"))

    def records(self):
        return [json.loads(x) for x in list(self.out) if x.startswith("{")]

    def stop(self):
        rc = harness.stop_with_sigint(self.p, self.threads, "exec --repeat")
        self.p.stdout.close()
        self.p.stderr.close()
        return rc


class ExecBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=True)
        sm = harness.setup_client(cls.sb, "secretsmanager")
        cls.token = sm.get_secret_value(SecretId="app-4-elasticache-auth")["SecretString"]
        cls.ca = cls.sb.ca_file
        cls.tmp = tempfile.mkdtemp(prefix="elcui-exec-")
        # an isolated home: history and state land here
        cls.env = harness.env_with(cls.sb.env, HOME=cls.tmp, XDG_STATE_HOME=os.path.join(cls.tmp, "state"))
        cls.outputs = []
        ec = harness.setup_client(cls.sb, "elasticache")
        cls.cfg_name = ec.describe_replication_groups(ReplicationGroupId=RG)["ReplicationGroups"][0]["ConfigurationEndpoint"]["Address"]

    @classmethod
    def tearDownClass(cls):
        try:
            for text in cls.outputs:
                assert cls.token not in text, "the AUTH token appeared in elcui's output"
                assert urllib.parse.quote(cls.token, safe="") not in text
        finally:
            cls.sb.stop()
            subprocess.run(["rm", "-rf", cls.tmp], check=False)

    def run_elcui(self, *args, env=None, timeout=90, input=None):
        r = harness.run(env or self.env, *args, timeout=timeout, input=input)
        self.outputs.append(r.out + r.err)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, r.err, r)
        self.assertNotIn(self.token, r.out + r.err)
        return r

    def exec_json(self, *args, **kw):
        r = self.run_elcui("exec", RG, "--json", *args, **kw)
        return r, json_lines(r.out)

    def node_info(self):
        """cache cluster id -> sandbox node (role, port, shard)."""
        return {n["cache_cluster_id"]: n for n in self.sb.nodes(RG)}

    def primary_of(self, shard):
        for n in self.sb.nodes(RG):
            if n["shard"] == shard and n["role"] == "primary":
                return n
        raise AssertionError("no primary for shard %d" % shard)

    def redis(self, node):
        """Straight to the node (its real address, TLS checked against its name)."""
        return self.sb.redis_connection(node["cache_cluster_id"], password=self.token, timeout=10)


@harness.needs_binary
class ExecTest(ExecBase):
    def test_every_shard_through_redirects(self):
        """SET/GET on keys of every shard; MOVED from the seed is followed on TLS+AUTH connections"""
        for shard in range(3):
            key = key_for_shard(shard, "every")
            r, recs = self.exec_json("--", "SET", key, "value-%d" % shard)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(len(recs), 1, r)
            rec = recs[0]
            self.assertEqual(rec["reply"], {"status": "OK"})
            self.assertEqual(rec["slot"], keyslot(key))
            self.assertEqual(rec["shard"], "%04d" % (shard + 1))
            self.assertEqual(rec["role"], "primary")
            self.assertEqual(rec["cacheClusterId"], self.primary_of(shard)["cache_cluster_id"])
            seed_shard = 0
            if shard != seed_shard:
                # a one-shot command learns the map from MOVED: the seed
                # (shard 0001's node) redirected, and the new connection to
                # the owner kept TLS (the nodes speak nothing else) and AUTH
                self.assertEqual([h["kind"] for h in rec["redirects"]], ["moved"], rec)
                self.assertEqual(rec["redirects"][0]["to"], rec["node"])
                self.assertGreaterEqual(rec["redirects"][0]["latencyUs"], 0)
            self.assertGreater(rec["latencyUs"], 0)
            self.assertGreaterEqual(rec["totalUs"], rec["latencyUs"])
            r, recs = self.exec_json("--", "GET", key)
            self.assertEqual(recs[0]["reply"], "value-%d" % shard)

    def test_moved_fresh_connection_keeps_tls_and_auth(self):
        """the redirected connection is TLS and authenticated: CLIENT INFO on the new node says so"""
        key = key_for_shard(2, "fresh")
        r = self.run_elcui("-v", "exec", RG, "--no-raw", "--", "CLIENT", "INFO")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("name=elcui", r.out)
        self.assertIn("user=default", r.out)
        r, recs = self.exec_json("--", "SET", key, "x")
        self.assertEqual(recs[0]["redirects"][0]["kind"], "moved")
        self.assertEqual(recs[0]["reply"], {"status": "OK"})
        # text mode: redis-cli's redirect line on stderr, the reply on stdout
        r = self.run_elcui("exec", RG, "--no-raw", "--", "GET", key)
        self.assertEqual(r.out, '"x"\n')
        # the nodes announce their names (Redis 7 with TLS): MOVED says a name
        owner = self.primary_of(2)["host"]
        self.assertRegex(r.err, r"-> Redirected \(moved\) to slot \[%d\] located at %s:6379" % (keyslot(key), re.escape(owner)))

    def test_ask_during_slot_migration(self):
        """a slot half-way to another shard: ASKING + the command on the importing node"""
        a, b = self.primary_of(0), self.primary_of(1)
        ca, cb = self.redis(a), self.redis(b)
        try:
            a_id, b_id = ca.call("CLUSTER", "MYID"), cb.call("CLUSTER", "MYID")
            key = None
            for i in range(2000):
                k = "{ask%d}:key" % i
                slot = keyslot("ask%d" % i)
                if SHARD_RANGES[0][0] <= slot <= SHARD_RANGES[0][1] and ca.call("CLUSTER", "COUNTKEYSINSLOT", slot) == 0:
                    key = k
                    break
            self.assertIsNotNone(key)
            cb.call("CLUSTER", "SETSLOT", slot, "IMPORTING", a_id)
            ca.call("CLUSTER", "SETSLOT", slot, "MIGRATING", b_id)
            try:
                r, recs = self.exec_json("--", "SET", key, "during-migration")
                self.assertEqual(r.rc, 0, r)
                rec = recs[0]
                self.assertEqual(rec["reply"], {"status": "OK"})
                kinds = [h["kind"] for h in rec["redirects"]]
                self.assertEqual(kinds[-1], "ask", rec)
                self.assertEqual(rec["cacheClusterId"], b["cache_cluster_id"])
                r, recs = self.exec_json("--", "GET", key)
                self.assertEqual(recs[0]["reply"], "during-migration")
                self.assertEqual(recs[0]["redirects"][-1]["kind"], "ask")
                # the key really is on the importing node
                self.assertEqual(cb.pipeline([("ASKING",), ("GET", key)])[1], "during-migration")
            finally:
                cb.pipeline([("ASKING",), ("DEL", key)], raise_errors=False)
                ca.call("CLUSTER", "SETSLOT", slot, "STABLE")
                cb.call("CLUSTER", "SETSLOT", slot, "STABLE")
        finally:
            ca.close()
            cb.close()

    def test_targets_label_replies(self):
        """--primaries, --replicas, --all, --node: one labelled reply per node"""
        nodes = self.node_info()
        r, recs = self.exec_json("--primaries", "--", "ROLE")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(recs), 3)
        self.assertEqual({x["shard"] for x in recs}, {"0001", "0002", "0003"})
        for x in recs:
            self.assertEqual(x["role"], "primary")
            self.assertEqual(x["reply"][0], "master")
            self.assertEqual(nodes[x["cacheClusterId"]]["role"], "primary")
            self.assertEqual(x["az"], nodes[x["cacheClusterId"]]["availability_zone"])
        r, recs = self.exec_json("--replicas", "--", "ROLE")
        self.assertEqual(len(recs), 6)
        self.assertTrue(all(x["reply"][0] == "slave" and x["role"] == "replica" for x in recs))
        r, recs = self.exec_json("--all", "--", "PING")
        self.assertEqual(len(recs), 9)
        self.assertEqual(len({x["cacheClusterId"] for x in recs}), 9)
        self.assertTrue(all(x["reply"] == {"status": "PONG"} for x in recs))
        r, recs = self.exec_json("--node", "app-4-0002-002", "--", "ROLE")
        self.assertEqual(len(recs), 1)
        self.assertEqual(recs[0]["cacheClusterId"], "app-4-0002-002")
        self.assertEqual(recs[0]["shard"], "0002")
        # text: a header per node
        r = self.run_elcui("exec", RG, "--all", "--no-raw", "--", "PING")
        self.assertEqual(r.out.count("PONG"), 9)
        # the node's own DNS name (its id, then the group's domain) says nothing more
        self.assertRegex(r.out, r"== app-4-0003-00\d (primary|replica) shard 0003 us-east-2\w \([\d.]+ ms\):\nPONG")
        r = self.run_elcui("exec", RG, "--node", "no-such-node", "--", "PING")
        self.assertEqual(r.rc, 1)
        self.assertIn("no-such-node", r.err)

    def test_replica_reads_and_text_replies(self):
        """--replicas on a key reads its shard's replicas themselves (READONLY, no MOVED); INFO prints as lines"""
        key = key_for_shard(1, "replica-read")
        r, recs = self.exec_json("--", "SET", key, "written")
        self.assertEqual(r.rc, 0, r)
        replicas = {n["cache_cluster_id"] for n in self.sb.nodes(RG) if n["shard"] == 1 and n["role"] == "replica"}
        deadline = time.monotonic() + 20
        while True:
            r, recs = self.exec_json("--replicas", "--", "GET", key)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(len(recs), len(replicas), r)
            for rec in recs:
                self.assertEqual(rec["redirects"], [], rec)  # no MOVED to the primary
                self.assertEqual(rec["role"], "replica")
                self.assertEqual(rec["shard"], "0002")
                self.assertEqual(rec["slot"], keyslot(key))
            self.assertEqual({x["cacheClusterId"] for x in recs}, replicas)
            if all(x["reply"] == "written" for x in recs) or time.monotonic() > deadline:
                break
            time.sleep(0.2)  # replication catching up
        self.assertTrue(all(x["reply"] == "written" for x in recs), recs)
        r, recs = self.exec_json("--all", "--", "GET", key)
        self.assertEqual(sorted(x["role"] for x in recs), ["primary", "replica", "replica"])
        self.assertTrue(all(x["reply"] == "written" and x["redirects"] == [] for x in recs), recs)
        # text replies as real lines, piped (raw) and formatted
        node = self.primary_of(0)["cache_cluster_id"]
        for form in ((), ("--no-raw",)):
            r = self.run_elcui("exec", RG, "--node", node, *form, "--", "INFO", "server")
            self.assertEqual(r.rc, 0, r)
            self.assertTrue(r.out.startswith("# Server\n"), r)
            self.assertIn("\nredis_version:", r.out)
            self.assertNotIn("\\x0d", r.out)
            self.assertNotIn("\r", r.out)
            r = self.run_elcui("exec", RG, "--node", node, *form, "--", "CLUSTER", "INFO")
            self.assertTrue(r.out.startswith("cluster_state:ok\n"), r)

    def test_blocked_dangerous_read_only(self):
        """blocked commands are explained, dangerous ones need --yes, --read-only refuses writes"""
        r = self.run_elcui("exec", RG, "--", "CONFIG", "GET", "maxmemory")
        self.assertEqual(r.rc, 1)
        self.assertIn("(blocked) CONFIG", r.err)
        self.assertIn("parameter group", r.err)
        r, recs = self.exec_json("--", "CONFIG", "SET", "x", "y")
        self.assertEqual(recs[0]["refused"]["kind"], "blocked")
        key = key_for_shard(1, "danger")
        self.run_elcui("exec", RG, "--", "SET", key, "keep")
        r = self.run_elcui("exec", RG, "--primaries", "--", "FLUSHALL")
        self.assertEqual(r.rc, 1)
        self.assertIn("needs confirmation", r.err)
        self.assertIn("--yes", r.err)
        r = self.run_elcui("exec", RG, "--", "GET", key)
        self.assertEqual(r.out.strip(), "keep", "FLUSHALL without --yes must not run")
        r = self.run_elcui("exec", RG, "--", "KEYS", "*")
        self.assertEqual(r.rc, 1)
        self.assertIn("needs confirmation", r.err)
        r = self.run_elcui("--read-only", "exec", RG, "--yes", "--", "SET", key, "changed")
        self.assertEqual(r.rc, 1)
        self.assertIn("(read-only)", r.err)
        r = self.run_elcui("--read-only", "exec", RG, "--", "GET", key)
        self.assertEqual((r.rc, r.out.strip()), (0, "keep"))
        r = self.run_elcui("exec", RG, "--yes", "--primaries", "--", "FLUSHDB")
        self.assertEqual(r.rc, 0, r)
        r = self.run_elcui("exec", RG, "--", "GET", key)
        self.assertEqual(r.out.strip(), "")
        # an error reply from Redis: shown, and exit status 1
        r = self.run_elcui("exec", RG, "--no-raw", "--", "INCR", "{x}", "extra")
        self.assertEqual(r.rc, 1)
        self.assertIn("(error) ERR", r.out)

    def test_wrong_token_and_wrong_ca(self):
        """a wrong token says WRONGPASS and where the token came from; a wrong CA says verification"""
        env = harness.env_with(self.env, BAD_TOKEN="not-the-token-0123456789")
        r = self.run_elcui("exec", RG, "--token-env", "BAD_TOKEN", "--", "PING", env=env)
        self.assertEqual(r.rc, 1)
        self.assertIn("WRONGPASS", r.err)
        self.assertIn("auth-wrongpass", r.err)
        self.assertIn("token from $BAD_TOKEN", r.err)
        self.assertNotIn("not-the-token-0123456789", r.out + r.err)
        # a bundle that does not hold the sandbox CA
        other = os.path.join(self.tmp, "other-ca.pem")
        with open(os.path.join(os.path.dirname(self.ca), "server.crt")) as f, open(other, "w") as o:
            o.write(f.read())
        r = self.run_elcui("--redis-cacert", other, "exec", RG, "--", "PING")
        self.assertEqual(r.rc, 1)
        self.assertIn("tls-verify", r.err)
        self.assertIn("--redis-cacert", r.err)
        r = self.run_elcui("--redis-cacert", os.path.join(self.tmp, "missing.pem"), "exec", RG, "--", "PING")
        self.assertEqual(r.rc, 1)
        self.assertIn("tls-config", r.err)
        # --insecure: works, and says so loudly
        r = self.run_elcui("--insecure", "--redis-cacert", other, "exec", RG, "--", "PING")
        self.assertEqual((r.rc, r.out.strip()), (0, "PONG"), r)
        self.assertIn("NOT verified", r.err)

    def test_connect_to_through_forwarder(self):
        """--connect-to through a TCP forwarder on an address the certificate does not name"""
        n = self.node_info()["app-4-0002-002"]
        addr, port = self.sb.node_address("app-4-0002-002")
        fwd = Forwarder("127.0.0.2", addr, port)
        try:
            # the node's name to the forward (before the sandbox's --resolve rule)
            rules = ["--connect-to", "%s:%d:127.0.0.2:%d" % (n["host"], n["port"], fwd.port)]
            r = self.run_elcui(*rules, "exec", RG, "--json", "--node", "app-4-0002-002", "--", "PING")
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(json_lines(r.out)[0]["reply"], {"status": "PONG"})
            self.assertGreaterEqual(fwd.connections, 1)
            # without the rule the forwarder is not used; with the rule but a
            # CA that does not hold the certificate, verification still fails
            before = fwd.connections
            other = os.path.join(self.tmp, "other-ca2.pem")
            with open(os.path.join(os.path.dirname(self.ca), "server.crt")) as f, open(other, "w") as o:
                o.write(f.read())
            r = self.run_elcui(*rules, "--redis-cacert", other, "exec", RG, "--", "PING")
            self.assertEqual(r.rc, 1)
            self.assertIn("tls-verify", r.err)
            r = self.run_elcui("exec", RG, "--node", "app-4-0002-002", "--", "PING")
            self.assertEqual(r.rc, 0)
            self.assertGreaterEqual(fwd.connections, before)
        finally:
            fwd.stop()

    def test_interactive_history_never_holds_the_token(self):
        """tmux: typing, history recall, Ctrl-C, Ctrl-D; the history file lacks the token"""
        state = os.path.join(self.tmp, "istate")
        env = harness.env_with(self.env, XDG_STATE_HOME=state)
        with Console(env, ["exec", RG], binary=harness.ELCUI) as c:
            c.wait_for("app-4> ", timeout=60)
            c.literal("SET hist:key \"hello world\"")
            c.keys("Enter")
            c.wait_for("OK")
            c.literal("AUTH %s" % self.token)
            c.keys("Enter")
            scr = c.wait_for("app-4> ", timeout=20)
            c.literal("GET hist:key")
            c.keys("Enter")
            c.wait_for('"hello world"')
            # Up recalls the last line; edit it with Home/Ctrl-K and retype
            c.keys("Up")
            c.wait_for("app-4> GET hist:key")
            c.keys("C-a", "C-k")
            c.literal("EXISTS hist:key")
            c.keys("Enter")
            c.wait_for("(integer) 1")
            # Ctrl-C drops a half-typed line
            c.literal("DEL hist:key")
            c.keys("C-c")
            c.wait_for("^C")
            c.literal(":primaries")
            c.keys("Enter")
            c.wait_for("app-4 [primaries]> ")
            c.literal("ROLE")
            c.keys("Enter")
            scr = c.wait_for("shard 0003", timeout=20)
            # a dangerous command asks; anything but yes does not run it
            c.literal(":slot")
            c.keys("Enter")
            c.literal("FLUSHALL")
            c.keys("Enter")
            c.wait_for("Type yes to run it: ")
            c.literal("no")
            c.keys("Enter")
            c.wait_for("not run")
            c.keys("C-d")
            self.assertEqual(c.wait_exit(timeout=20), 0)
            scr = c.screen(history=True)
            self.assertNotIn(self.token, scr)
        r = self.run_elcui("exec", RG, "--", "EXISTS", "hist:key")
        self.assertEqual(r.out.strip(), "1", "Ctrl-C must drop the line, FLUSHALL must not run")
        hist = os.path.join(state, "elcui", "history")
        with open(hist, encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = text.splitlines()
        self.assertIn('SET hist:key "hello world"', lines)
        self.assertIn("AUTH", lines)
        self.assertIn("GET hist:key", lines)
        self.assertIn("EXISTS hist:key", lines)
        self.assertNotIn("DEL hist:key", lines)
        self.assertNotIn(self.token, text)
        self.assertEqual(stat.S_IMODE(os.stat(hist).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(hist)).st_mode), 0o700)
        # history survives into the next session
        with Console(env, ["exec", RG], binary=harness.ELCUI) as c:
            c.wait_for("app-4> ", timeout=60)
            c.keys("Up")
            c.wait_for("app-4> FLUSHALL")
            c.keys("C-u", "C-d")
            self.assertEqual(c.wait_exit(timeout=20), 0)

    def test_iam_authentication(self):
        """--iam --user: a token minted from the credential chain is the AUTH password of the user"""
        # an ACL user that accepts any password stands in for ElastiCache's
        # IAM check, which the sandbox's Redis cannot do
        for n in self.sb.nodes(RG):
            c = self.redis(n)
            try:
                c.call("ACL", "SETUSER", "iam-ops", "on", "nopass", "~*", "&*", "+@all")
            finally:
                c.close()
        r = self.run_elcui("-v", "exec", RG, "--iam", "--user", "iam-ops", "--", "ACL", "WHOAMI")
        self.assertEqual((r.rc, r.out.strip()), (0, "iam-ops"), r)
        self.assertIn("IAM authentication token as user iam-ops", r.err)
        self.assertIn("IAM authentication: a token is minted per connection", r.err)
        r, recs = self.exec_json("--iam", "--user", "iam-ops", "--all", "--", "ACL", "WHOAMI")
        self.assertEqual([x["reply"] for x in recs], ["iam-ops"] * 9)
        # a user the nodes do not know: WRONGPASS, naming the IAM token
        r = self.run_elcui("exec", RG, "--iam", "--user", "nobody", "--", "PING")
        self.assertEqual(r.rc, 1)
        self.assertIn("WRONGPASS", r.err)
        self.assertIn("IAM authentication token", r.err)
        r = self.run_elcui("exec", RG, "--iam", "--", "PING")
        self.assertEqual(r.rc, 1)
        self.assertIn("--iam needs --user", r.err)

    def test_piped_lines(self):
        """lines from a pipe run one after the other; exit status reflects errors"""
        r = self.run_elcui("exec", RG, "--no-raw", input="SET pipe:a 1\nINCR pipe:a\nGET pipe:a\n")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.splitlines(), ["OK", "(integer) 2", '"2"'])
        r = self.run_elcui("exec", RG, "--no-raw", input="GET pipe:a\nBADCMD x\n")
        self.assertEqual(r.rc, 1)
        self.assertIn("(error) ERR unknown command", r.out)

    def test_repeat_interval(self):
        """--repeat N --interval S runs N times, spaced"""
        key = key_for_shard(2, "rep")
        self.run_elcui("exec", RG, "--", "DEL", key)
        t0 = time.monotonic()
        r, recs = self.exec_json("--repeat", "4", "--interval", "0.2", "--", "INCR", key)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([x["reply"] for x in recs], [1, 2, 3, 4])
        self.assertEqual([x["iteration"] for x in recs], [1, 2, 3, 4])
        self.assertGreaterEqual(time.monotonic() - t0, 0.6)

    def test_pipeline(self):
        """--repeat N --pipeline P: N runs with P in flight, each once and counted; a refusal stops it"""
        key = key_for_shard(1, "pl")
        self.run_elcui("exec", RG, "--", "DEL", key)
        r, recs = self.exec_json("--repeat", "200", "--pipeline", "16", "--", "INCR", key)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(sorted(x["reply"] for x in recs), list(range(1, 201)))
        self.assertEqual([x["iteration"] for x in recs], list(range(1, 201)))
        r = self.run_elcui("exec", RG, "--raw", "--repeat", "100", "--pipeline", "8", "--", "PING")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.splitlines(), ["PONG"] * 100)
        r = self.run_elcui("exec", RG, "--repeat", "5", "--pipeline", "4", "--", "FLUSHALL")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.err.count("needs confirmation"), 1, r)
        for args in (
            ["--pipeline", "4", "--", "PING"],
            ["--repeat", "3", "--interval", "0.1", "--pipeline", "2", "--", "PING"],
            ["--repeat", "3", "--pipeline", "2", "--", "SUBSCRIBE", "c"],
            ["--repeat", "3", "--pipeline", "0", "--", "PING"],
            ["--repeat", "3", "--pipeline", "65", "--", "PING"],
        ):
            r = self.run_elcui("exec", RG, *args)
            self.assertEqual(r.rc, 2, (args, r))
            self.assertIn("--pipeline", r.err)

    def test_control_bytes_in_replies(self):
        """values holding escape sequences are shown escaped, in every form"""
        evil = "\x1b[2J\x1b]0;pwned\x07\u009b31m"
        key = key_for_shard(0, "evil")
        self.run_elcui("exec", RG, "--", "SET", key, evil)
        for mode in ("--raw", "--no-raw"):
            r = self.run_elcui("exec", RG, mode, "--", "GET", key)
            for bad in ("\x1b", "\x07", "\u009b"):
                self.assertNotIn(bad, r.out)
        r, recs = self.exec_json("--", "GET", key)
        self.assertEqual(recs[0]["reply"], evil)
        self.assertNotIn("\x1b", r.out)


@harness.needs_binary
class ExecFaultTest(ExecBase):
    """Faults of issue 6, in their own sandbox (they change the topology)."""

    def test_1_failover_while_commands_stream(self):
        """exec --repeat keeps going through a TestFailover of the shard it writes to"""
        key = key_for_shard(1, "stream")
        self.run_elcui("exec", RG, "--", "DEL", key)
        old = self.primary_of(1)["cache_cluster_id"]
        s = Streamer(self.env, ["exec", RG, "--json", "--repeat", "-1", "--interval", "0.05", "--command-timeout", "3", "--", "INCR", key])
        try:
            wait_for(lambda: len(s.records()) >= 10, 60, "the stream to start")
            ec = harness.setup_client(self.sb, "elasticache")
            ec.test_failover(ReplicationGroupId=RG, NodeGroupId="0002")
            wait_for(lambda: self.primary_of(1)["cache_cluster_id"] != old, 60, "the failover")
            new = self.primary_of(1)["cache_cluster_id"]
            wait_for(lambda: any(r.get("cacheClusterId") == new and "reply" in r for r in s.records()), 60, "replies from the new primary")
            n = len(s.records())
            wait_for(lambda: len(s.records()) >= n + 10, 30, "the stream to go on")
        finally:
            rc = s.stop()
        self.assertEqual(rc, 0, "".join(s.err))
        text = "".join(s.out) + "".join(s.err)
        self.outputs.append(text)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, text)
        recs = s.records()
        values = [r["reply"] for r in recs if isinstance(r.get("reply"), int)]
        self.assertEqual(values, sorted(values), "INCR values must only grow")
        self.assertGreaterEqual(len(values), 30)
        errors = [r for r in recs if "error" in r]
        self.assertLessEqual(len(errors), 20, errors[:5])
        served = [r["cacheClusterId"] for r in recs if isinstance(r.get("reply"), int)]
        self.assertIn(old, served)
        self.assertIn(new, served)
        # the retries across the switch are visible
        hops = [h["kind"] for r in recs for h in r.get("redirects", [])]
        self.assertTrue(set(hops) & {"moved", "retry"}, hops[:20])

    def test_2_frozen_node(self):
        """a node frozen with SIGSTOP: its replies are classified timeouts, nothing hangs"""
        frozen = "app-4-0003-002"
        if self.node_info()[frozen]["role"] != "replica":
            frozen = "app-4-0003-003"
        self.sb.stop_node(frozen)
        try:
            t0 = time.monotonic()
            r, recs = self.exec_json("--all", "--command-timeout", "1", "--connect-timeout", "1", "--", "PING")
            self.assertLess(time.monotonic() - t0, 20)
            self.assertEqual(r.rc, 1)
            by = {x["cacheClusterId"]: x for x in recs}
            self.assertEqual(len(by), 9)
            self.assertIn(by[frozen]["error"]["code"], ("timeout", "tls-handshake", "connect-timeout"))
            self.assertEqual(sum(1 for x in recs if x.get("reply") == {"status": "PONG"}), 8)
            r = self.run_elcui("latency", RG, "--json", "--interval", "1.5", "--count", "2", "--command-timeout", "0.5", "--connect-timeout", "0.5", timeout=60)
            self.assertEqual(r.rc, 1, r)
            wins = json_lines(r.out)
            self.assertEqual(len(wins), 18)
            fz = [w for w in wins if w["cacheClusterId"] == frozen]
            self.assertTrue(any(w["window"]["errors"] > 0 for w in fz), fz)
            self.assertTrue(all(w["window"]["samples"] > 0 for w in wins if w["cacheClusterId"] != frozen))
            for w in wins:
                datetime.datetime.strptime(w["start"], "%Y-%m-%dT%H:%M:%S.%fZ")
        finally:
            self.sb.cont_node(frozen)
        r = wait_for(lambda: (lambda x: x if x.rc == 0 else None)(self.run_elcui("exec", RG, "--node", frozen, "--", "PING")), 30, "the node to answer again")
        self.assertEqual(r.out.strip(), "PONG")

    def test_3_node_killed_then_restarted(self):
        """the configuration endpoint's node killed: other node endpoints serve; restarted, it rejoins"""
        seed = "app-4-0001-001"  # the sandbox's configuration endpoint is this node
        key0 = key_for_shard(0, "killed")
        key2 = key_for_shard(2, "killed")
        self.sb.kill_node(seed)
        try:
            r, recs = self.exec_json("--connect-timeout", "1", "--", "SET", key2, "v2")
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(recs[0]["reply"], {"status": "OK"})
            # its name resolves to every node's address, the dead one first:
            # the connection goes on to the next address
            self.assertEqual(self.sb.resolve(self.sb.node(seed)["host"])[0], self.sb.resolve(self.cfg_name)[0])
            # shard 0001 fails over by itself (Redis cluster); its keys work again
            r = wait_for(lambda: (lambda x: x if x.rc == 0 else None)(self.run_elcui("exec", RG, "--connect-timeout", "1", "--json", "--", "SET", key0, "v0")), 90, "shard 0001 to serve again", step=1)
            self.assertNotEqual(json_lines(r.out)[0]["cacheClusterId"], seed)
            # the dead node is reported as such, not a hang
            r, recs = self.exec_json("--all", "--connect-timeout", "1", "--", "PING")
            dead = [x for x in recs if "error" in x]
            self.assertTrue(all(x["error"]["code"] in ("connect-refused", "closed", "io-reset") for x in dead), dead)
        finally:
            self.sb.restart_node(seed)
        r = wait_for(lambda: (lambda x: x if x.rc == 0 and len(json_lines(x.out)) == 9 else None)(self.run_elcui("exec", RG, "--json", "--all", "--", "PING")), 90, "all nine nodes to answer", step=1)
        r = self.run_elcui("exec", RG, "--", "GET", key0)
        self.assertEqual(r.out.strip(), "v0")
        r = self.run_elcui("exec", RG, "--node", seed, "--", "ROLE")
        self.assertEqual(r.out.splitlines()[0], "slave", "the restarted node rejoins as a replica")


@harness.needs_binary
class IamTokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="empty", redis=False)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def test_token_equals_botocore(self):
        """the printed token is what botocore's SigV4QueryAuth computes for the same second"""
        import botocore.auth
        import botocore.session
        from botocore.credentials import Credentials
        from botocore.signers import RequestSigner

        env = harness.env_with(self.sb.env, AWS_SESSION_TOKEN="IQoJb3JpZ2luX2Vj/session+token==")
        r = harness.run(env, "iam-token", "App-4", "--user", "ops-user")
        self.assertEqual(r.rc, 0, r)
        token = r.out.strip()
        self.assertEqual(r.out.count("\n"), 1)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit("http://" + token).query)
        when = datetime.datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        old = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda *a, **k: when
        try:
            creds = Credentials(self.sb.access_key, self.sb.secret_key, "IQoJb3JpZ2luX2Vj/session+token==")
            signer = RequestSigner(botocore.model.ServiceId("elasticache"), "us-east-2", "elasticache", "v4", creds, botocore.session.get_session().get_component("event_emitter"))
            url = "http://app-4/?" + urllib.parse.urlencode({"Action": "connect", "User": "ops-user"})
            want = signer.generate_presigned_url({"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}}, operation_name="connect", expires_in=900, region_name="us-east-2")
        finally:
            botocore.auth.get_current_datetime = old
        self.assertEqual(token, want[len("http://"):])
        self.assertNotIn(self.sb.secret_key, r.out + r.err)
        r = harness.run(self.sb.env, "iam-token", "app-4")
        self.assertEqual(r.rc, 2)
        r = harness.run(harness.env_with(self.sb.env, drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true"), "iam-token", "app-4", "--user", "u")
        self.assertEqual(r.rc, 1, r)


if __name__ == "__main__":
    unittest.main()
