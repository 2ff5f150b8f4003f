"""The CLI defects of issue 10, each driven through the real binary against
one demo sandbox (moto with signature checking, nine TLS + AUTH redis
nodes for app-4, and legacy-1, a group elcui did not make):

- streaming commands (latency, latency --history, logs -f, exec -r) end
  quietly and promptly when the reader of their output goes away;
- global options anywhere on the line, "--" still ending exec's options;
- a region no partition lists is an error naming the close ones, unless an
  endpoint override is set (then -v and whoami say why);
- destroy of a name with nothing tagged for it, and of a group elcui did
  not make;
- an unknown metric name;
- --limit is not a gap;
- Ctrl-C at the failover question: "cancelled", 130, nothing done;
- export --output DIR/ and singular counts.
"""

import json
import os
import pty
import re
import select
import shutil
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

RG = "app-4"
LEGACY = "legacy-1"


def wait_for(pred, timeout, what, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


class StderrReader:
    """Collects a process's stderr lines in a thread (no pipe can fill up)."""

    def __init__(self, stream):
        self.lines = []
        self.t = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.t.start()

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            self.lines.append(raw.decode("utf-8", "replace"))

    def text(self):
        return "".join(self.lines)


@harness.needs_binary
class CliDefectsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=True)
        cls.tmp = tempfile.mkdtemp(prefix="elcui-cli-defects-")
        cls.env = harness.env_with(cls.sb.env, HOME=cls.tmp, XDG_STATE_HOME=os.path.join(cls.tmp, "state"),
                                   XDG_CONFIG_HOME=os.path.join(cls.tmp, "config"))

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def elcui(self, *args, env=None, timeout=90):
        return harness.run(env or self.env, *args, timeout=timeout)

    # ---- 1. streaming commands and a closed pipe ----

    def stream(self, *args):
        p = subprocess.Popen([harness.ELCUI] + list(args), env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        def cleanup():
            if p.poll() is None:
                p.kill()
                p.wait()
            for f in (p.stdout, p.stderr):
                f.close()

        self.addCleanup(cleanup)
        return p, StderrReader(p.stderr)

    def assert_ends_quietly(self, p, err, what, timeout=20):
        """The reader went away (stdout closed): the command ends by itself,
        status 0, nothing about a broken pipe on stderr."""
        p.stdout.close()
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise AssertionError("%s kept running %ss after its reader went away; stderr:\n%s" % (what, timeout, err.text()))
        err.t.join(timeout=10)
        self.assertEqual(rc, 0, "%s: %s" % (what, err.text()))
        self.assertNotRegex(err.text(), r"(?i)broken pipe|EPIPE|write error", what)

    def test_streaming_commands_end_when_the_reader_goes_away(self):
        # latency: | head -1
        p, err = self.stream("latency", RG, "--interval", "0.3")
        self.assertIn(b" ms (", p.stdout.readline())
        self.assert_ends_quietly(p, err, "latency")
        # latency --history with a 10-minute interval: nothing is written
        # for 10 minutes, so only noticing the closed pipe can end it
        p, err = self.stream("-v", "latency", RG, "--history", "--interval", "600")
        wait_for(lambda: "probing 9 nodes" in err.text(), 60, "latency to start probing")
        self.assert_ends_quietly(p, err, "latency --history")
        # logs -f, whether or not records come
        p, err = self.stream("logs", RG, "--slow", "--follow", "--since", "10s")
        wait_for(lambda: "ready: backfill complete" in err.text() and "status " in err.text(), 60, "the tail to be ready")
        seen = len(err.text())
        self.assert_ends_quietly(p, err, "logs --follow")
        self.assertEqual(err.text()[seen:], "")  # not even the closing status lines
        # exec -r -1: a reply, then the reader goes
        p, err = self.stream("exec", RG, "-r", "-1", "-i", "0.05", "--", "PING")
        self.assertEqual(p.stdout.readline(), b"PONG\n")
        self.assert_ends_quietly(p, err, "exec -r -1")

    # ---- 2. global options anywhere ----

    def test_global_options_anywhere(self):
        r = self.elcui("ls", "--region", "us-east-2", "--json")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json()["region"], "us-east-2")
        self.assertIn(RG, [g["replicationGroupId"] for g in r.json()["replicationGroups"]])
        r = self.elcui("show", RG, "--json", "--max-attempts", "4", "--region=us-east-2")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json()["replicationGroupId"], RG)
        # a value is never taken for an option: --grep gets "--region"
        r = self.elcui("logs", RG, "--slow", "--since", "1m", "--grep", "--region", "--limit", "1")
        self.assertEqual(r.rc, 0, r)
        # "--" still ends the options: the Redis command keeps its words
        r = self.elcui("exec", RG, "--region", "us-east-2", "--", "ECHO", "--region")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, "--region\n")
        # a global option without its value, after the command
        r = self.elcui("ls", "--region")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--region wants a value", r.err)
        # a command's own option of the same name wins: doctor's --timeout
        # takes 0.5 (seconds per step), the global one whole seconds only
        r = self.elcui("doctor", LEGACY, "--timeout", "0.5")
        self.assertEqual(r.rc, 0, r)
        r = self.elcui("--timeout", "0.5", "doctor", LEGACY)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--timeout wants seconds from 1 to 3600", r.err)
        # and a bad global value after the command is the usual usage error
        r = self.elcui("ls", "--max-attempts", "0")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--max-attempts wants a number", r.err)

    # ---- 3. region names ----

    def test_unknown_region(self):
        no_override = harness.env_with(self.env, drop=("AWS_ENDPOINT_URL",))
        before = self.sb.requests_seen()
        r = self.elcui("ls", "--region", "us-west-9", env=no_override)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("region 'us-west-9' is not a region of the aws partition (did you mean us-west-1 or us-west-2?)", r.err)
        self.assertIn("it comes from --region", r.err)
        self.assertEqual(r.out, "")
        r = self.elcui("ls", env=harness.env_with(no_override, AWS_REGION="eu-wst-1"))
        self.assertEqual(r.rc, 1, r)
        self.assertIn("did you mean eu-west-1", r.err)
        self.assertIn("it comes from AWS_REGION", r.err)
        self.assertEqual(self.sb.requests_seen(), before, "nothing was sent for an unknown region")
        # an endpoint override lets any name through, and says why
        r = self.elcui("-v", "ls", "--region", "us-west-9")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("accepted because AWS_ENDPOINT_URL sends the calls to %s" % self.sb.endpoint, r.err)
        r = self.elcui("whoami", "--region", "us-west-9")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("accepted because AWS_ENDPOINT_URL", r.out)
        j = self.elcui("whoami", "--json", "--region", "local").json()
        self.assertIn("'local' is not an AWS region name", j["regionNote"])
        self.assertIsNone(self.elcui("whoami", "--json").json()["regionNote"])

    # ---- 4. destroy ----

    def test_destroy_what_is_not_an_elcui_stack(self):
        r = self.elcui("destroy", "nosuch", "--confirm", "nosuch")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("no stack nosuch in us-east-2", r.err)
        self.assertIn("no resource carries the tag elcui:stack=nosuch", r.err)
        for name in ("AWS::ElastiCache::ReplicationGroup +nosuch\n", "AWS::SecretsManager::Secret +nosuch-elasticache-auth\n",
                     "AWS::Logs::LogGroup +/elasticache/nosuch/slow-log\n", "AWS::KMS::Key +alias/nosuch-encryption-rest\n"):
            self.assertRegex(r.err, name)
        self.assertNotIn("nothing of stack", r.out + r.err)
        r = self.elcui("destroy", LEGACY, "--confirm", LEGACY)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("refused: replication group legacy-1 exists in us-east-2 but is not an elcui stack", r.err)
        self.assertIn("elcui:stack=legacy-1", r.err)
        ec = self.sb.client("elasticache")
        g = ec.describe_replication_groups(ReplicationGroupId=LEGACY)["ReplicationGroups"][0]
        self.assertEqual(g["Status"], "available")
        # a stack elcui made still plans as before
        r = self.elcui("destroy", RG, "--plan")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("to delete", r.out)

    # ---- 5. metrics ----

    def test_unknown_metric_name(self):
        r = self.elcui("metrics", RG, "--metric", "EngineCpuUtilization")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("'EngineCpuUtilization' is not an ElastiCache metric; did you mean EngineCPUUtilization?", r.err)
        self.assertEqual(r.out, "")
        r = self.elcui("metrics", RG, "--metric", "NoSuchThing")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("is not an ElastiCache metric", r.err)

    # ---- 6. --limit ----

    def test_limit_is_not_a_gap(self):
        def two():
            r = self.elcui("logs", RG, "--slow", "--since", "10m", "--limit", "2")
            return r if len(r.out.splitlines()) == 2 else None

        r = wait_for(two, 60, "two slow-log records")
        self.assertEqual(r.rc, 0, r)
        self.assertNotIn("GAP", r.err)
        self.assertIn("elcui logs: stopped after 2 records (--limit)\n", r.err)
        r = self.elcui("logs", RG, "--slow", "--since", "10m", "--limit", "2", "--json")
        lines = [json.loads(x) for x in r.err.splitlines() if x.startswith("{")]
        self.assertIn({"type": "stopped", "reason": "limit", "records": 2}, lines)
        self.assertFalse([x for x in lines if x.get("type") == "gap"])

    # ---- 7. Ctrl-C at the failover question ----

    def ctrl_c_at_question(self, args, question):
        """Run elcui ARGS on a terminal (a pty), press Ctrl-C once the
        question shows: (exit status, what the terminal showed)."""
        pid, fd = pty.fork()
        if pid == 0:  # the child: elcui with the pty as its terminal
            try:
                os.execve(harness.ELCUI, [harness.ELCUI] + list(args), self.env)
            finally:
                os._exit(127)
        out = b""
        sent = False
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:  # the child closed the terminal
                        break
                    if not data:
                        break
                    out += data
                if not sent and question in out:
                    os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT
                    sent = True
            if not sent:
                os.kill(pid, 9)
            # it must end by itself, soon: a bounded wait, then it is killed
            end = time.monotonic() + 30
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() > end:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    self.fail("elcui %s did not end within 30 s of Ctrl-C:\n%s"
                              % (" ".join(args), out.decode("utf-8", "replace")))
                try:  # keep draining the terminal, so a full pty never blocks it
                    if select.select([fd], [], [], 0.1)[0]:
                        out += os.read(fd, 4096)
                except OSError:
                    time.sleep(0.1)
        finally:
            os.close(fd)
        self.assertTrue(sent, out)
        return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace").replace("\r\n", "\n")

    def test_ctrl_c_at_the_failover_question(self):
        self.sb.reset_counters()
        rc, text = self.ctrl_c_at_question(["failover", RG, "--shard", "0002"], b"to go ahead: ")
        self.assertEqual(rc, 130, text)
        # the question's line is ended, then the word
        self.assertRegex(text, r"to go ahead: (\^C)?\nelcui failover: cancelled; nothing was done\n")
        self.assertEqual(self.sb.requests_seen(service="elasticache", operation="TestFailover"), 0)
        # destroy's question took no Ctrl-C at all (the read restarted)
        rc, text = self.ctrl_c_at_question(["destroy", RG], b"Type the stack name to go on: ")
        self.assertEqual(rc, 130, text)
        self.assertRegex(text, r"to go on: (\^C)?\nelcui destroy: cancelled; nothing was deleted\n")
        self.assertEqual(self.sb.requests_seen(service="elasticache", operation="DeleteReplicationGroup"), 0)

    # ---- 8. paths and singulars ----

    def test_export_path_and_singular_counts(self):
        spec = os.path.join(self.tmp, "one.spec")
        r = self.elcui("create", "--name", "one", "--shards", "1", "--replicas", "1", "--print-spec")
        self.assertEqual(r.rc, 0, r)
        with open(spec, "w") as f:
            f.write(r.out)
        out = os.path.join(self.tmp, "tf")
        r = self.elcui("export", "--spec", spec, "--format", "terraform", "--output", out + "/")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("elcui export: wrote %s/provider.tf\n" % out, r.err)
        self.assertNotIn("//", r.err)
        j = self.elcui("export", "--spec", spec, "--format", "terraform", "--output", out + "//", "--json").json()
        self.assertIn(out + "/provider.tf", [f["path"] for f in j["files"]])
        # one primary and one replica are said so
        r = self.elcui("doctor", LEGACY)
        self.assertIn("1 primary, 1 replica (", r.out)
        singular_plural = re.compile(r"(?<![\d.])1 (shard|replica|node|request|event|stream|record|sample|member|tag|resource|day|error|gap)s\b")
        outputs = [r.out + r.err]
        for args in (("show", LEGACY), ("latency", LEGACY, "--count", "1", "--interval", "0.2"),
                     ("-v", "logs", RG, "--slow", "--since", "10m", "--limit", "1"), ("audit", LEGACY)):
            r = self.elcui(*args)
            outputs.append(r.out + r.err)
        for text in outputs:
            self.assertIsNone(singular_plural.search(text), text)


if __name__ == "__main__":
    unittest.main()
