"""`make demo`, as README tells a newcomer: the sandbox with the demo seed
and the console on it, in a real terminal; everything it started stops
afterwards.

The processes followed are only those this test's own `make demo` started:
each carries a marker variable with a value made for this run in its
environment (inherited by the sandbox and every redis-server it starts,
whatever session or parent they end up with), so a demo someone else runs
on the same machine neither counts nor fails the test."""

import os
import secrets
import unittest

from tests.integration.tmux import BIN, TOP, Console

MARK = "ELCUI_DEMO_TEST_RUN"
GROUP_COLUMNS = ("ID", "STATUS", "ENGINE", "NODE TYPE", "CLUSTER", "SHARDS", "NODES", "MULTI-AZ",
                 "FAILOVER", "TLS", "AT-REST", "AUTH")


def _start_time(pid):
    """The process's start time in clock ticks (field 22 of /proc/PID/stat),
    so a pid reused by another process is not mistaken for ours."""
    with open("/proc/%d/stat" % pid, "rb") as f:
        stat = f.read()
    return int(stat[stat.rindex(b")") + 2:].split()[19])


def _ppid(pid):
    with open("/proc/%d/stat" % pid, "rb") as f:
        stat = f.read()
    return int(stat[stat.rindex(b")") + 2:].split()[1])


def _cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()


def marked_processes(token):
    """{(pid, start time): command line} of every live process whose
    environment holds MARK=token, and of their descendants (redis-server
    rewrites its environment block for its process title, so its marker
    cannot be read; its parent, the sandbox, carries it)."""
    want = ("%s=%s" % (MARK, token)).encode()
    parent, marked = {}, set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            parent[pid] = _ppid(pid)
            with open("/proc/%d/environ" % pid, "rb") as f:
                if want in f.read().split(b"\0"):
                    marked.add(pid)
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
    ours = set(marked)
    grew = True
    while grew:
        grew = False
        for pid, pp in parent.items():
            if pp in ours and pid not in ours:
                ours.add(pid)
                grew = True
    out = {}
    for pid in ours:
        try:
            out[(pid, _start_time(pid))] = _cmdline(pid)
        except (OSError, ValueError, IndexError):
            pass
    return out


def still_running(procs):
    """The processes of procs that still run (same pid, same start time)."""
    alive = {}
    for (pid, start), args in procs.items():
        try:
            if _start_time(pid) == start:
                alive[(pid, start)] = args
        except (OSError, ValueError, IndexError):
            pass
    return alive


@unittest.skipUnless(os.access(BIN, os.X_OK), "no elcui binary at %s" % BIN)
class MakeDemo(unittest.TestCase):
    def test_make_demo_opens_the_console_on_the_seeded_stack(self):
        token = secrets.token_hex(8)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["HOME"] = os.environ.get("ELCUI_CHECK_SCRATCH", env.get("HOME", "/tmp"))
        env["ELCUI_BIN"] = BIN
        env[MARK] = token
        c = Console(env, [], cols=160, rows=45)
        c.binary = "make"
        c.args = ["--no-print-directory", "-C", TOP, "demo"]
        with c:
            scr = c.wait_for("Replication groups (2)", timeout=180)
            scr = c.wait_for(" legacy-1 ", timeout=30)
            self.assertIn("region us-east-2", scr)
            # the engine version comes with the nodes (a later call): wait for it
            rows = c.wait_rows(GROUP_COLUMNS, lambda rows: all(" " in r["ENGINE"] for r in rows.values()), timeout=30)
            self.assertEqual(sorted(rows), ["app-4", "legacy-1"])
            app = rows["app-4"]
            self.assertEqual(app["STATUS"], "available")
            self.assertTrue(app["ENGINE"].startswith("redis 7.1"), app)
            self.assertEqual(app["NODE TYPE"], "cache.t2.small")
            self.assertEqual(app["CLUSTER"], "on")
            self.assertEqual((app["SHARDS"], app["NODES"]), ("3", "9"))
            self.assertEqual((app["MULTI-AZ"], app["FAILOVER"]), ("enabled", "enabled"))
            self.assertEqual((app["AT-REST"], app["TLS"], app["AUTH"]), ("yes", "yes", "yes"))
            legacy = rows["legacy-1"]
            self.assertEqual(legacy["STATUS"], "available")
            self.assertTrue(legacy["ENGINE"].startswith("redis 6.2"), legacy)
            self.assertEqual((legacy["CLUSTER"], legacy["SHARDS"], legacy["NODES"]), ("off", "1", "2"))
            self.assertEqual((legacy["MULTI-AZ"], legacy["FAILOVER"]), ("disabled", "disabled"))
            self.assertEqual((legacy["AT-REST"], legacy["TLS"], legacy["AUTH"]), ("no", "no", "no"))
            # what this demo started, while it runs: the sandbox and its nodes
            ours = marked_processes(token)
            cmds = list(ours.values())
            self.assertTrue(any("tests/sandbox/demo" in a for a in cmds), cmds)
            self.assertTrue(any("tests/sandbox/run --seed demo" in a for a in cmds), cmds)
            self.assertGreaterEqual(sum("redis-server" in a for a in cmds), 9, cmds)
            c.keys("/")
            c.literal("app-4")
            c.keys("Enter", "Enter")
            scr = c.wait_for("Placement", timeout=30)
            self.assertIn("us-east-2c", scr)
            self.assertIn("slow-log -> /elasticache/app-4/slow-log", scr)
            c.keys("q")
            self.assertEqual(c.wait_exit(timeout=60), 0)
            left = still_running(ours)
        self.assertEqual(left, {}, "processes of this demo kept running")
        self.assertEqual(marked_processes(token), {}, "processes of this demo kept running")


if __name__ == "__main__":
    unittest.main()
