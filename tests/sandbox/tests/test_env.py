"""tests/sandbox/env with no argument: the caller's own sandbox, never one
another user runs; several of the caller's: refused, each named.

The sandboxes here are stand-ins (a sleeping process whose command line
names a sandbox, a state folder with its pid and env files, an entry in
the registry made by sandbox.main.register), in a private
XDG_RUNTIME_DIR: no moto start, and no other sandbox on the machine can
interfere. "Another user" is uid 65534 (nobody) through setpriv when the
tests run as root, else pid 1, which root runs.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
ENV = os.path.join(SANDBOX, "env")
sys.path.insert(0, SANDBOX)

from sandbox import main as sbmain  # noqa: E402

NOBODY = 65534
SLEEPER = "import sys, time; time.sleep(float(sys.argv[1]))"


class EnvTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="elcui-env-test-")
        os.chmod(self.tmp, 0o755)  # another user's process may need to get in
        self.runtime = os.path.join(self.tmp, "run")
        os.mkdir(self.runtime, 0o700)
        self.saved = os.environ.get("XDG_RUNTIME_DIR")
        os.environ["XDG_RUNTIME_DIR"] = self.runtime
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        if self.saved is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = self.saved
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_env(self, *args):
        return subprocess.run([sys.executable, ENV] + list(args), capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, XDG_RUNTIME_DIR=self.runtime))

    def process(self, uid=None):
        """A stand-in sandbox process (its command line says sandbox)."""
        cmd = [sys.executable, "-c", SLEEPER, "120", "elcui-sandbox-standin"]
        if uid is not None:
            cmd = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"] + cmd
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        self.procs.append(p)
        # wait until it runs as that user (setpriv execs in place)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                    if b"elcui-sandbox-standin" in f.read():
                        break
            except OSError:
                pass
            time.sleep(0.02)
        else:
            self.fail("the stand-in process did not start")
        return p.pid

    def sandbox(self, name, pid, owner=None):
        """A state folder for process pid, registered in the caller's registry."""
        state = os.path.join(self.tmp, name)
        os.mkdir(state, 0o700)
        with open(os.path.join(state, "pid"), "w") as f:
            f.write("%d\n" % pid)
        with open(os.path.join(state, "env"), "w") as f:
            f.write("export ELCUI_SANDBOX_STATE=%s\nexport MARK=%s\n" % (state, name))
        self.assertIsNotNone(sbmain.register(state, pid, {"seed": "demo", "endpoint": "http://127.0.0.1:1"}))
        if owner is not None:
            os.chown(state, owner, owner)
        time.sleep(0.01)  # distinct start times: newest first is testable
        return state

    def other_users_pid(self):
        if os.getuid() == 0:
            return self.process(uid=NOBODY), NOBODY
        return 1, None  # root's init: not the caller's

    def test_none_running(self):
        r = self.run_env()
        self.assertEqual(r.returncode, 1)
        self.assertIn("no sandbox of yours (uid %d) is running" % os.getuid(), r.stderr)
        self.assertEqual(r.stdout, "")

    def test_picks_the_callers_own_not_another_users(self):
        pid, owner = self.other_users_pid()
        self.sandbox("theirs", pid, owner=owner)
        mine = self.sandbox("mine", self.process())
        self.sandbox("theirs-newer", pid, owner=owner)  # the newest entry
        r = self.run_env()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("export MARK=mine\n", r.stdout)
        self.assertIn("ELCUI_SANDBOX_STATE=%s" % mine, r.stdout)
        # and by name: another user's sandbox is refused
        r = self.run_env(os.path.join(self.tmp, "theirs"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not running as your user", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_several_of_the_callers_refused_and_named(self):
        a = self.sandbox("first", self.process())
        b = self.sandbox("second", self.process())
        r = self.run_env()
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("2 of your sandboxes are running; name one (newest first):", r.stderr)
        lines = [x for x in r.stderr.splitlines() if x.startswith("  tests/sandbox/env ")]
        self.assertEqual(len(lines), 2, r.stderr)
        self.assertIn(b, lines[0])
        self.assertIn(a, lines[1])
        self.assertIn("seed demo", lines[0])
        # named, either is given
        r = self.run_env(a)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("export MARK=first\n", r.stdout)

    def test_stale_entries_are_dropped(self):
        p = subprocess.Popen([sys.executable, "-c", "pass"])
        p.wait()
        self.sandbox("gone", p.pid)
        mine = self.sandbox("mine", self.process())
        r = self.run_env()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ELCUI_SANDBOX_STATE=%s" % mine, r.stdout)
        self.assertFalse(os.path.exists(os.path.join(sbmain.registry_dir(), "%d.json" % p.pid)))

    def test_a_registry_folder_someone_else_owns_is_ignored(self):
        if os.getuid() != 0:
            self.skipTest("needs root to give the registry folder to another user")
        self.sandbox("mine", self.process())
        reg = sbmain.registry_dir()
        os.chown(reg, NOBODY, NOBODY)
        self.assertIsNone(sbmain.registry_dir())
        r = self.run_env()
        self.assertEqual(r.returncode, 1)
        self.assertIn("no sandbox of yours", r.stderr)
        # and a folder open to others is not trusted either
        os.chown(reg, 0, 0)
        os.chmod(reg, 0o777)
        self.assertIsNone(sbmain.registry_dir())


if __name__ == "__main__":
    unittest.main()
