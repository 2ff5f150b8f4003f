"""`make demo`, as README tells a newcomer: the sandbox with the demo seed
and the console on it, in a real terminal; everything stops afterwards."""

import os
import subprocess
import unittest

from tests.integration.tmux import BIN, TOP, Console


def sandbox_processes():
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if "tests/sandbox/run" in l and "--seed demo" in l]


@unittest.skipUnless(os.access(BIN, os.X_OK), "no elcui binary at %s" % BIN)
class MakeDemo(unittest.TestCase):
    def test_make_demo_opens_the_console_on_the_seeded_stack(self):
        before = set(sandbox_processes())
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["HOME"] = os.environ.get("ELCUI_CHECK_SCRATCH", env.get("HOME", "/tmp"))
        env["ELCUI_BIN"] = BIN
        c = Console(env, [], cols=160, rows=45)
        c.binary = "make"
        c.args = ["--no-print-directory", "-C", TOP, "demo"]
        with c:
            scr = c.wait_for("Replication groups (2)", timeout=180)
            scr = c.wait_for(" legacy-1 ", timeout=30)
            self.assertIn("app-4", scr)
            self.assertIn("region us-east-2", scr)
            row = [l for l in scr.splitlines() if " app-4 " in l][0]
            for word in ("available", "on", "enabled", "yes"):
                self.assertIn(word, row)
            c.keys("/")
            c.literal("app-4")
            c.keys("Enter", "Enter")
            scr = c.wait_for("Placement", timeout=30)
            self.assertIn("us-east-2c", scr)
            self.assertIn("slow-log -> /elasticache/app-4/slow-log", scr)
            c.keys("q")
            self.assertEqual(c.wait_exit(timeout=60), 0)
        self.assertEqual(set(sandbox_processes()) - before, set(), "the demo sandbox kept running")


if __name__ == "__main__":
    unittest.main()
