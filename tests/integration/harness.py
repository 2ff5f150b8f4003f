"""Shared helpers for the integration tests (Python stdlib unittest).

    import harness                     # tests/integration is on sys.path when
                                       # run as tests/integration/test_x.py
    @harness.needs_binary
    class T(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            cls.sb = harness.sandbox(redis=False)       # started; see sandboxctl.Sandbox
        @classmethod
        def tearDownClass(cls):
            cls.sb.stop()
        def test_ls(self):
            r = harness.run(self.sb.env, "ls", "--json")
            self.assertEqual(r.rc, 0, r.err)
            groups = r.json()["replicationGroups"]

setup_client(sb, service) gives a boto3 client that retries (for set-up
only; checks use sb.client(), which does not). env_with(env, drop, **vars)
edits an environment.

ELCUI_BIN names the binary under test (default build/elcui, relative to the
top of the tree); classes decorated with needs_binary are skipped when it
is missing. run() never uses a shell, closes stdin, and fails the test when
the binary runs longer than the timeout (the process is killed).

Run a module:  python3 -m unittest tests/integration/test_inventory_cli.py
"""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if os.path.join(TOP, "tests", "sandbox") not in sys.path:
    sys.path.insert(0, os.path.join(TOP, "tests", "sandbox"))

from sandbox.sandboxctl import Sandbox  # noqa: E402

_bin = os.environ.get("ELCUI_BIN") or "build/elcui"
ELCUI = _bin if os.path.isabs(_bin) else os.path.join(TOP, _bin)

needs_binary = unittest.skipUnless(os.access(ELCUI, os.X_OK), "no elcui binary at %s (set ELCUI_BIN)" % ELCUI)

# The prefix of a skip reason that make check accepts (tests/tools/pyunit):
# the test cannot run on this machine, and the reason says why. Any other
# skip fails make check.
MACHINE_SKIP = "this machine: "


def machine_skip_unless(condition, why):
    """unittest.skipUnless with a reason make check accepts: WHY names what
    this machine lacks ("no terraform on PATH")."""
    return unittest.skipUnless(condition, MACHINE_SKIP + why)


def machine_skip(tc, why):
    """Skip the running test from inside it, for what this machine lacks."""
    tc.skipTest(MACHINE_SKIP + why)


class Result:
    """What one run of elcui did: rc, out and err (text), seconds."""

    def __init__(self, args, rc, out, err, seconds):
        self.args = args
        self.rc = rc
        self.out = out
        self.err = err
        self.seconds = seconds

    def json(self):
        """stdout parsed as one JSON document."""
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise AssertionError("elcui %s: stdout is not JSON (%s):\n%s\nstderr:\n%s" % (" ".join(self.args), e, self.out[:2000], self.err[:2000]))

    def __repr__(self):
        return "Result(%r, rc=%d, %.2fs)\n--- stdout\n%s\n--- stderr\n%s" % (self.args, self.rc, self.seconds, self.out[:4000], self.err[:4000])


def run(env, *args, timeout=60, input=None):
    """Run elcui ARGS with env; returns a Result. Raises AssertionError when
    it does not finish within timeout seconds (it is killed first)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(
            [ELCUI] + list(args),
            env=env,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            text=True,
            errors="replace",
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("elcui %s did not finish within %ss" % (" ".join(args), timeout))
    return Result(list(args), p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def stop_with_sigint(p, threads, what=None, timeout=30):
    """SIGINT to process p when it still runs, and its exit status. When it
    has not exited within timeout seconds it is killed, and then: an
    AssertionError saying that WHAT did not stop when what is given, else
    None. The threads (its readers) are joined."""
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        if what is not None:
            raise AssertionError("%s did not stop on SIGINT" % what)
        rc = None
    for t in threads:
        t.join(timeout=10)
    return rc


def sandbox(seed="empty", redis=False, **kw):
    """A started sandbox (create_delay 0 unless given); the caller stops it."""
    kw.setdefault("create_delay", 0)
    sb = Sandbox(seed=seed, redis=redis, **kw)
    sb.start()
    return sb


def setup_client(sb, service):
    """A boto3 client for test set-up: retries like the SDK's standard mode
    (3 attempts), since set-up is not what is under test."""
    from botocore.config import Config

    return sb.client(service, config=Config(retries={"total_max_attempts": 3, "mode": "standard"}, read_timeout=120, connect_timeout=10))


def env_with(env, drop=(), **set_vars):
    """A copy of env without the names in drop, with set_vars added."""
    out = {k: v for k, v in env.items() if k not in drop}
    out.update(set_vars)
    return out
