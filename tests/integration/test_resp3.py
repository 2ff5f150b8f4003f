"""RESP3 through `elcui exec`, checked against the real `redis-cli -3` of
this machine (Debian 12's redis-tools 7.0) on a redis-server the test
starts (plain TCP on 127.0.0.1, no AUTH, reached with --endpoint).

- exec -3: the same commands through elcui and redis-cli -3, in redis-cli's
  formatted form (--no-raw) and its raw form (--raw): maps (HGETALL, nested
  maps and arrays, a map value of several lines on a line of its own), sets,
  doubles, booleans, verbatim strings, nulls, empty hashes and sets, the
  HELLO 3 reply itself; byte for byte.
- --json keeps the RESP3 types ({"map": [[k, v]...]}, {"set": [...]},
  {"double": 1.5}, true, {"verbatim": ..., "format": "txt"}, {"bignum": ...}).
- big numbers: redis-cli 7.0 cannot print them (it exits, "Unknown reply
  type: 13"); elcui prints redis-cli 7.2's "(big number) N".
- the interactive prompt (stdin a pipe): HELLO 3 switches the session,
  HELLO 2 back, as redis-cli does with the same lines; a CLIENT TRACKING
  invalidation push arrives with the next reply as "-> invalidate: 'k'".
- SUBSCRIBE under -3: the messages are pushes, printed as redis-cli does.
- a node without HELLO (a scripted Redis 5): exec -3 fails saying RESP3
  needs Redis 6 or later; a HELLO 3 typed at the prompt gets the node's
  error and that note, and RESP2 goes on.

ELCUI_BIN names the binary (default build/elcui).
    python3 -m unittest tests.integration.test_resp3
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from sandbox import resp  # noqa: E402

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout, what, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def normalise(text):
    """The HELLO reply names the connection's id: the only difference."""
    text = re.sub(r'("id" => \(integer\) )\d+', r"\g<1>N", text)
    return re.sub(r'(\d+\) "id"\n *\d+\) \(integer\) )\d+', r"\g<1>N", text)


class Redis5:
    """A scripted node without HELLO (Redis < 6): HELLO is an unknown
    command, PING answers, GET finds nothing, ROLE says primary, CLUSTER
    says cluster mode is off (as Redis 5 does)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self.client, args=(c,), daemon=True).start()

    def client(self, c):
        buf = b""
        c.settimeout(30)
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
                while True:
                    cmd, buf = self.parse(buf)
                    if cmd is None:
                        break
                    name = cmd[0].upper()
                    if name == b"HELLO":
                        c.sendall(b"-ERR unknown command 'HELLO'\r\n")
                    elif name == b"PING":
                        c.sendall(b"+PONG\r\n")
                    elif name == b"GET":
                        c.sendall(b"$-1\r\n")
                    elif name == b"ROLE":
                        c.sendall(b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n")
                    elif name == b"CLUSTER":
                        c.sendall(b"-ERR This instance has cluster support disabled\r\n")
                    else:
                        c.sendall(b"-ERR unknown command\r\n")
        except OSError:
            return
        finally:
            c.close()

    @staticmethod
    def parse(buf):
        """One multibulk request from buf, or (None, buf)."""
        if not buf.startswith(b"*") or b"\r\n" not in buf:
            return None, buf
        head, rest = buf.split(b"\r\n", 1)
        n = int(head[1:])
        args = []
        for _ in range(n):
            if b"\r\n" not in rest:
                return None, buf
            h, rest = rest.split(b"\r\n", 1)
            ln = int(h[1:])
            if len(rest) < ln + 2:
                return None, buf
            args.append(rest[:ln])
            rest = rest[ln + 2:]
        return args, rest

    def close(self):
        self.stop = True
        self.sock.close()
        self.thread.join(timeout=5)


class Resp3ExecTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("redis-server", "redis-cli"):
            if not shutil.which(tool):
                raise unittest.SkipTest(harness.MACHINE_SKIP + "no %s on PATH" % tool)
        cls.dir = tempfile.mkdtemp(prefix="elcui-resp3-")
        cls.proc = None
        for _ in range(5):
            cls.port = free_port()
            cls.proc = subprocess.Popen(
                ["redis-server", "--port", str(cls.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", cls.dir, "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(lambda: cls.proc.poll() is not None or cls.answers(), 10, "redis-server")
            except AssertionError:
                cls.proc.kill()
                raise
            if cls.proc.poll() is None:
                break
        cls.r = resp.Connection("127.0.0.1", cls.port)
        cls.r.call("HSET", "h", "f1", "v1", "f2", "v2")
        cls.r.call("SADD", "s", "a", "b", "c")
        cls.r.call("ZADD", "z", "1.5", "m")
        cls.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": cls.dir,
            "XDG_STATE_HOME": os.path.join(cls.dir, "state"),
            "XDG_CONFIG_HOME": os.path.join(cls.dir, "config"),
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(cls.dir, "none"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(cls.dir, "none"),
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                cls.env[k] = os.environ[k]

    @classmethod
    def answers(cls):
        try:
            c = resp.Connection("127.0.0.1", cls.port, timeout=1)
        except OSError:
            return False
        try:
            return c.call("PING") == "PONG"
        finally:
            c.close()

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def exec_args(self, *opts):
        return ["exec", "local", "--endpoint", "127.0.0.1:%d" % self.port, "--no-tls",
                "--no-auth"] + list(opts)

    def elcui(self, *args, input=None, port=None):
        res = harness.run(self.env, *args, input=input, timeout=60)
        for m in SANITIZER_MARKS:
            self.assertNotIn(m, res.err, res)
        return res

    def cli(self, *args, input=None):
        p = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args), input=input,
                           capture_output=True, text=True, timeout=30)
        return p

    # redis-cli -3 and elcui exec -3 print these the same, byte for byte
    COMMANDS = [
        ["HGETALL", "h"],
        ["SMEMBERS", "s"],
        ["ZSCORE", "z", "m"],
        ["HGETALL", "nothing"],
        ["SMEMBERS", "nothing"],
        ["GET", "nothing"],
        ["HELLO", "3"],
        ["EVAL", "redis.setresp(3); return redis.call('HGETALL', KEYS[1])", "1", "h"],
        ["EVAL", "return {map={a={1,2}, b={map={c=1}}}}", "0"],
        ["EVAL", "return {1,2,3,4,5,6,7,8,9,{map={x={set={y=true}}}}}", "0"],
        ["EVAL", "return {map={k={map={one=1,two=2}}}}", "0"],
        ["EVAL", "return {set={x=true}}", "0"],
        ["EVAL", "return {double=3.5}", "0"],
        ["EVAL", "return {double=-1/0}", "0"],
        ["EVAL", "redis.setresp(3); return true", "0"],
        ["EVAL", "redis.setresp(3); return false", "0"],
        ["EVAL", "return {verbatim_string={format='txt', string='hi\\nthere'}}", "0"],
        ["EVAL", "return {map={}}", "0"],
        ["EVAL", "return {1,{},{map={}},{set={}}}", "0"],
    ]

    def test_formatted_like_redis_cli(self):
        for cmd in self.COMMANDS:
            want = self.cli("-3", "--no-raw", *cmd)
            self.assertEqual(want.returncode, 0, (cmd, want.stderr))
            got = self.elcui(*self.exec_args("-3", "--no-raw", "--"), *cmd)
            self.assertEqual(got.rc, 0, got)
            self.assertEqual(normalise(got.out), normalise(want.stdout), cmd)

    def test_raw_like_redis_cli(self):
        for cmd in self.COMMANDS:
            if cmd[0] == "HELLO":
                continue
            want = self.cli("-3", "--raw", *cmd)
            got = self.elcui(*self.exec_args("-3", "--raw", "--"), *cmd)
            self.assertEqual(got.rc, 0, got)
            self.assertEqual(got.out, want.stdout, cmd)

    def test_json_keeps_types(self):
        def reply(*cmd):
            res = self.elcui(*self.exec_args("-3", "--json", "--"), *cmd)
            self.assertEqual(res.rc, 0, res)
            return res.json()["reply"]

        self.assertEqual(reply("HGETALL", "h"), {"map": [["f1", "v1"], ["f2", "v2"]]})
        self.assertEqual(sorted(reply("SMEMBERS", "s")["set"]), ["a", "b", "c"])
        self.assertEqual(reply("ZSCORE", "z", "m"), {"double": 1.5})
        self.assertEqual(reply("EVAL", "return {double=1/0}", "0"), {"double": "inf"})
        self.assertIs(reply("EVAL", "redis.setresp(3); return true", "0"), True)
        self.assertIs(reply("EVAL", "redis.setresp(3); return false", "0"), False)
        self.assertIsNone(reply("GET", "nothing"))
        self.assertEqual(reply("EVAL", "return {verbatim_string={format='mkd', string='# t'}}", "0"),
                         {"verbatim": "# t", "format": "mkd"})
        self.assertEqual(reply("EVAL", "return {big_number='123456789012345678901234567890'}", "0"),
                         {"bignum": "123456789012345678901234567890"})
        # without -3 the same command is RESP2: a flat array
        res = self.elcui(*self.exec_args("--json", "--"), "HGETALL", "h")
        self.assertEqual(res.json()["reply"], ["f1", "v1", "f2", "v2"])

    def test_big_number(self):
        cmd = ["EVAL", "return {big_number='1234567890123456789012345678901234567890'}", "0"]
        # redis-cli 7.0 cannot print one (7.2 prints "(big number) N")
        want = self.cli("-3", "--no-raw", *cmd)
        self.assertNotEqual(want.returncode, 0)
        self.assertIn("Unknown reply type: 13", want.stderr)
        got = self.elcui(*self.exec_args("-3", "--no-raw", "--"), *cmd)
        self.assertEqual(got.rc, 0, got)
        self.assertEqual(got.out, "(big number) 1234567890123456789012345678901234567890\n")

    def test_prompt_switches_like_redis_cli(self):
        lines = "HELLO 3\nHGETALL h\nSMEMBERS s\nHELLO 2\nHGETALL h\nZSCORE z m\n"
        want = self.cli("--no-raw", input=lines)
        self.assertEqual(want.returncode, 0, want.stderr)
        got = self.elcui(*self.exec_args("--no-raw"), input=lines)
        self.assertEqual(got.rc, 0, got)
        self.assertEqual(normalise(got.out), normalise(want.stdout))
        self.assertIn('1# "f1" => "v1"\n', got.out)
        self.assertIn('1) "f1"\n', got.out)

    def test_tracking_push_with_next_reply(self):
        p = subprocess.Popen([harness.ELCUI] + self.exec_args("--no-raw"), env=self.env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        out = []

        def reader():
            for line in p.stdout:
                out.append(line)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            p.stdin.write("HELLO 3\nCLIENT TRACKING on\nGET tk\n")
            p.stdin.flush()
            wait_for(lambda: "(nil)\n" in out, 30, "GET tk answered")
            self.r.call("SET", "tk", "changed")
            p.stdin.write("PING\n")
            p.stdin.close()
            rc = p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        t.join(timeout=10)
        p.stdout.close()
        err = p.stderr.read()
        p.stderr.close()
        self.assertEqual(rc, 0, err)
        text = "".join(out)
        self.assertTrue(text.endswith("(nil)\n-> invalidate: 'tk'\nPONG\n"), text)

    def test_subscribe_pushes(self):
        p = subprocess.Popen([harness.ELCUI] + self.exec_args("-3", "--no-raw", "--", "SUBSCRIBE",
                                                               "r3ch"),
                             env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        out = []
        t = threading.Thread(target=lambda: [out.append(x) for x in p.stdout], daemon=True)
        t.start()
        wait_for(lambda: "3) (integer) 1\n" in out, 30, "the subscription")
        self.r.call("PUBLISH", "r3ch", "one")
        wait_for(lambda: '3) "one"\n' in out, 30, "the message")
        rc = harness.stop_with_sigint(p, [t], "exec SUBSCRIBE")
        p.stdout.close()
        err = p.stderr.read()
        p.stderr.close()
        self.assertEqual(rc, 0, err)
        # stopped: unsubscribed on the server, which confirms it
        self.assertEqual("".join(out), '1) "subscribe"\n2) "r3ch"\n3) (integer) 1\n'
                                       '1) "message"\n2) "r3ch"\n3) "one"\n'
                                       '1) "unsubscribe"\n2) "r3ch"\n3) (integer) 0\n')

    def test_node_without_hello(self):
        node = Redis5()
        try:
            args = ["exec", "old", "--endpoint", "127.0.0.1:%d" % node.port, "--no-tls",
                    "--no-auth", "--connect-timeout", "5"]
            res = self.elcui(*args, "-3", "--", "PING")
            self.assertEqual(res.rc, 1, res)
            self.assertIn("refused HELLO 3", res.err)
            self.assertIn("RESP3 needs Redis 6 or later", res.err)
            res = self.elcui(*args, "--no-raw", input="HELLO 3\nGET k\n")
            self.assertEqual(res.out, "(error) ERR unknown command 'HELLO'\n"
                                      "(note) this node has no HELLO: RESP3 needs Redis 6 or "
                                      "later; replies stay RESP2\n(nil)\n", res)
        finally:
            node.close()


if __name__ == "__main__":
    unittest.main()
