"""test_bench - `make bench`'s side-by-side benchmarks (tests/bench/run)
run once at a tiny size, so they keep working: each of the seven
benchmarks of issue 16 gives its rows with elcui's figures, or says why it
could not be measured. No timing is asserted here (the sizes are too small
for the figures to mean anything; `make bench` has the targets).
"""

import os
import subprocess
import sys
import unittest

from tests.integration import harness

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(TOP, os.environ.get("BUILD", "build"), "bench-results-tiny.md")


@harness.needs_binary
class BenchTinyTest(unittest.TestCase):
    def test_every_benchmark_once(self):
        """tests/bench/run --tiny: the seven benchmarks, each with elcui's figures or its reason"""
        if os.path.exists(TINY):
            os.unlink(TINY)
        env = dict(os.environ, ELCUI_BIN=harness.ELCUI)
        p = subprocess.run([sys.executable, os.path.join(TOP, "tests", "bench", "run"), "--tiny"], env=env,
                           capture_output=True, text=True, timeout=600, cwd=TOP)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        with open(TINY) as f:
            text = f.read()
        self.assertIn("Machine: ", text)
        self.assertRegex(text, r"load average \(1/5/15 min\) [\d.]+ [\d.]+ [\d.]+ before, [\d.]+ [\d.]+ [\d.]+ after")
        rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| ") and line.count("|") == 9]
        rows = [[c.strip() for c in r] for r in rows if r[0].strip() != "benchmark"]
        by = {}
        for r in rows:
            by.setdefault(r[0], []).append(r)
        # 1, 2, 3, 4, 5: rows with elcui's own figures (a number in its column)
        for bench in ("live tail", "bulk read", "inventory", "commands", "console"):
            self.assertIn(bench, by, text)
            self.assertTrue(any(r[3] not in ("-", "") for r in by[bench]), by[bench])
        # every event of the tail and of the bulk read came out, once
        for r in by["live tail"]:
            if r[2] in ("missing", "duplicated"):
                self.assertEqual(r[3], "0", r)
        out = [r for r in by["bulk read"] if r[2] == "events out"]
        self.assertTrue(out and all(r[3] == "300" for r in out), by["bulk read"])
        # 6: the default graph against --parallel 1, the same calls made by both
        self.assertIn("apply concurrency", by, text)
        fig = {(r[1].rsplit("; ", 1)[1], r[2]): r for r in by["apply concurrency"]}
        calls = fig[("default (8 calls in flight)", "AWS calls of the apply")]
        self.assertRegex(calls[3], r"^\d+$")
        self.assertGreater(int(calls[3]), 30)
        self.assertEqual(calls[3], calls[5], calls)
        for f in ("wall s", "apply s (its own elapsed)", "sum of the apply's calls' times s"):
            r = fig[("default (8 calls in flight)", f)]
            self.assertRegex(r[3], r"^[\d.]+$", r)
            self.assertRegex(r[5], r"^[\d.]+$", r)
        # 7: the instruction counts
        for label in ("slow-log JSON record, elcui", "jansson alone", "a single pass over its bytes"):
            self.assertRegex(text, r"\| [^|]*%s[^|]* \| \d+ \|" % label)


if __name__ == "__main__":
    unittest.main()
