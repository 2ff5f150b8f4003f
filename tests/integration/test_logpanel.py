"""The console's log panel in a real terminal (tmux) on the demo stack, with
its Redis nodes and their workload filling the slow log and the engine log.

Records reach the panel within 5 s of their delivery, each once (eventIds
compared with what FilterLogEvents returns through boto3), labelled with
the shard, role and AZ of their node (after a test failover, the new
roles); pause, search, every filter, every time window, expand, summary,
save (the file holds the rows shown), $PAGER; two panels on one request
budget and a closed panel that stops asking; 60% throttling shows the
back-off and a range made unreadable a GAP row; hostile messages change
neither the screen nor the window title; golden text of the panel and of
the summary (GOLDEN_UPDATE=1 rewrites them).

One sandbox for the class; each test its own console.
"""

import base64
import glob
import json
import os
import re
import stat
import sys
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "sandbox"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from tests.integration.tmux import BIN, Console  # noqa: E402

RG = "app-4"
GOLDEN = os.path.join(TOP, "tests", "integration", "golden")
TIME_RE = re.compile(r"\b\d\d:\d\d:\d\d\.\d\d\d\b")


def normalise(text):
    """Volatile fields out of a panel: times, ages, counts, states, ports."""
    out = []
    for line in text.splitlines():
        line = TIME_RE.sub("HH:MM:SS.mmm", line)
        line = re.sub(r"(127\.0\.0\.1|localhost):\d+", r"\1:PORT", line)
        if re.match(r"\s*(slow-log|engine-log|FOLLOWING|PAUSED|live session)\b", line):
            line = re.sub(r"\b(following|polling|waiting for the budget)\b", "STATE", line)
            line = re.sub(r"\blive session \w+,", "live session SESSION,", line)
            line = re.sub(r"\d+(\.\d+)?", "N", line)
            line = re.sub(r"\b(records?|failures?|reconnects?)\b", lambda m: m.group(1).rstrip("s") + "(s)", line)
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


@harness.needs_binary
class LogPanel(unittest.TestCase):
    seq = 0

    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=True)
        cls.home = tempfile.mkdtemp(prefix="elcui-logpanel-home-")
        cfg = os.path.join(cls.home, "config", "elcui")
        os.makedirs(cfg)
        with open(os.path.join(cfg, "config"), "w") as f:
            f.write("[console]\nrefresh = 2\n[logs]\nwarn_ms = 30\nerror_ms = 60\n")
        ec = harness.setup_client(cls.sb, "elasticache")
        g = ec.describe_replication_groups(ReplicationGroupId=RG)["ReplicationGroups"][0]
        cls.groups = {d["LogType"]: d["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]
                      for d in g["LogDeliveryConfigurations"]}
        cls.nodes = {n["cache_cluster_id"]: n for n in cls.sb.nodes(RG)}

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        import shutil
        shutil.rmtree(cls.home, ignore_errors=True)

    def tearDown(self):
        self.sb.reset_faults()
        # what the console wrote to stderr while curses owned the terminal:
        # no sanitizer report
        log = os.path.join(getattr(self, "state", ""), "elcui", "console-stderr.log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                text = f.read()
            for mark in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
                self.assertNotIn(mark, text)

    # ---- helpers ----

    def env(self, **extra):
        e = dict(self.sb.env)
        e["HOME"] = self.home
        e["XDG_CONFIG_HOME"] = os.path.join(self.home, "config")
        e["TZ"] = "UTC"
        e.update(extra)
        return e

    def console(self, **kw):
        self.state = tempfile.mkdtemp(prefix="state-", dir=self.home)
        env = self.env(XDG_STATE_HOME=self.state, **kw.pop("env", {}))
        return Console(env, [], cols=kw.pop("cols", 120), rows=kw.pop("rows", 40))

    def wait_screen(self, c, ok, what, timeout=20):
        deadline = time.monotonic() + timeout
        scr = ""
        while time.monotonic() < deadline:
            scr = c.screen()
            if ok(scr):
                return scr
            time.sleep(0.05)
        self.fail("%s: the screen never showed it:\n%s\nstderr:\n%s" % (what, scr, c.stderr_log()[-3000:]))

    def command(self, c, line):
        c.keys(":")
        c.wait_for("\n:")
        c.literal(line)
        c.keys("Enter")

    def open_panel(self, c, rg=RG):
        c.wait_for("Replication groups", timeout=30)
        self.command(c, "logs " + rg)
        c.wait_for("Logs " + rg, timeout=20)
        # the tails run once both streams have been read
        self.wait_screen(c, lambda s: "slow-log   " in s and "engine-log " in s and "last poll" in s,
                         "both streams polled", timeout=30)

    def marker(self, tag, cluster="app-4-0001-001", dur=12345, client="10.0.0.66:6666", ts_ms=None):
        """A slow-log record of a real node's stream, delivered at once;
        its command is the tag."""
        type(self).seq += 1
        ts_ms = ts_ms or int(time.time() * 1000)
        msg = json.dumps({"CacheClusterId": cluster, "CacheNodeId": "0001", "Id": 90000 + self.seq,
                          "Timestamp": ts_ms // 1000, "Duration (us)": dur, "Command": tag,
                          "ClientAddress": client, "ClientName": "lp"}, separators=(",", ":"))
        self.sb.inject_log(self.groups["slow-log"],
                           "elasticache/redis/%s/0001/slow-log" % cluster, msg,
                           timestamp_ms=ts_ms, ingestion_delay=0)
        return tag

    def save(self, c, fmt):
        before = set(glob.glob(os.path.join(self.state, "elcui", "logs-*")))
        c.keys("C-s")
        c.wait_for("Save the rows shown as")
        c.keys(fmt)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            new = set(glob.glob(os.path.join(self.state, "elcui", "logs-*"))) - before
            if new:
                path = new.pop()
                c.wait_for("saved ")
                return path
            time.sleep(0.05)
        self.fail("no file saved:\n" + c.screen())

    def rows_shown(self, scr):
        """The record rows of a panel screen (between heading and status)."""
        lines = scr.splitlines()
        start = next(i for i, l in enumerate(lines) if l.lstrip().startswith("TIME ("))
        out = []
        for l in lines[start + 1:]:
            if not TIME_RE.match(l.strip()):
                break
            out.append(l)
        return out

    def set_filter(self, c, field, value):
        """Open f, clear every field, type one."""
        order = ["Node", "Shard", "Role", "AZ", "Level", "Duration", "Command", "Client"]
        c.keys("f")
        c.wait_for("Filters of the log panel")
        for _ in order:
            c.keys("C-e", "C-u", "Tab")
        for _ in range(order.index(field)):
            c.keys("Tab")
        if value:
            c.literal(value)
        c.keys("Enter")
        c.wait_gone("Filters of the log panel")

    def boto_events(self, group, start_ms, end_ms):
        logs = self.sb.client("logs")
        out, token = [], None
        while True:
            kw = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms}
            if token:
                kw["nextToken"] = token
            r = logs.filter_log_events(**kw)
            out += r["events"]
            token = r.get("nextToken")
            if not token:
                return out

    # ---- the tests ----

    def test_1_records_once_fast_labelled(self):
        """within 5 s of delivery, exactly once by eventId, labels of their nodes"""
        with self.console() as c:
            self.open_panel(c)
            c.keys("2")  # read the last 5 minutes again
            t_window = int(time.time() * 1000)
            c.wait_for("window 5m since")
            # entries produced now, on three nodes: each on screen within 5 s
            for i, cl in enumerate(["app-4-0001-001", "app-4-0002-002", "app-4-0003-003"]):
                tag = self.marker("LPFAST%02d" % i, cluster=cl)
                t0 = time.monotonic()
                self.wait_screen(c, lambda s, t=tag: t in s, tag, timeout=5)
                self.assertLessEqual(time.monotonic() - t0, 5.0)
            # more than 20 events of the window in CloudWatch for 2 s (the
            # seed's nodes deliver theirs in batches): what the panel must hold
            start = t_window - 5 * 60 * 1000
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                now = int(time.time() * 1000)
                old = [e for g in self.groups.values() for e in self.boto_events(g, start + 3000, now)
                       if e["ingestionTime"] <= now - 2000]
                if len(old) > 20:
                    break
                time.sleep(0.2)
            path = self.save(c, "j")
            saved_at = int(time.time() * 1000)
            st = os.stat(path)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
            self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)
            with open(path, "rb") as f:
                data = f.read()
            self.assertTrue(all(b < 0x80 for b in data), "JSON lines are plain ASCII")
            recs = [json.loads(l) for l in data.decode().splitlines()]
            # an event is its stream, time and message: records a live
            # session pushed carry no eventId (StartLiveTail gives none)
            ids = [(r["logStream"], r["timestamp"], r["message"]) for r in recs if "eventId" in r]
            self.assertEqual(len(ids), len(set(ids)), "an event shown twice")
            # what FilterLogEvents has over the window (edges left out: the
            # window started while the key was read; the newest 2 s may be
            # on their way)
            want = set()
            for g in self.groups.values():
                for e in self.boto_events(g, start + 3000, saved_at):
                    if e["ingestionTime"] <= saved_at - 2000:
                        want.add((e["logStreamName"], e["timestamp"], e["message"]))
            self.assertGreater(len(want), 20)
            self.assertEqual(want - set(ids), set(), "events FilterLogEvents has that the panel lacks")
            every = set()
            for g in self.groups.values():
                every |= {(e["logStreamName"], e["timestamp"], e["message"])
                          for e in self.boto_events(g, start - 5000, saved_at + 60000)}
            self.assertEqual(set(ids) - every, set(), "rows that are no event of the window")
            # labels: shard, role and AZ of the node that wrote it
            checked = 0
            for r in recs:
                n = self.nodes.get(r.get("cacheClusterId"))
                if not n:
                    continue
                self.assertEqual(r.get("shard"), n["node_group_id"], r)
                self.assertEqual(r.get("az"), n["availability_zone"], r)
                self.assertEqual(r.get("role"), n["role"], r)
                checked += 1
            self.assertGreater(checked, 20)
            # the screen says so too
            scr = c.screen()
            self.assertRegex(scr, r"LPFAST01\b")
            row = next(l for l in scr.splitlines() if "LPFAST01" in l)
            n = self.nodes["app-4-0002-002"]
            self.assertIn("%s/%s/%s" % (n["node_group_id"], n["role"], n["availability_zone"]), row)

    def test_2_keys(self):
        """pause, search, each filter, each window, expand, summary, save, pager"""
        pager = os.path.join(self.home, "pager.py")
        out = os.path.join(self.home, "pager.out")
        with open(pager, "w") as f:
            f.write("#!/usr/bin/env python3\nimport sys\n"
                    "open(%r, 'w').write(repr(sys.argv[1:]) + '\\n' + open(sys.argv[-1]).readline())\n"
                    "print('PAGER-RUNNING'); sys.stdin.readline()\n" % out)
        os.chmod(pager, 0o700)
        owned = os.path.join(self.home, "owned")
        with self.console(env={"PAGER": "%s x;touch %s" % (pager, owned)}) as c:
            self.open_panel(c)
            # pause: records still arrive, counted
            c.keys("s")
            c.wait_for("PAUSED +0 new")
            self.marker("LPPAUSE1")
            self.marker("LPPAUSE2")
            self.wait_screen(c, lambda s: re.search(r"PAUSED \+[2-9]\d* new", s), "+N new")
            c.keys("s")
            self.wait_screen(c, lambda s: "FOLLOWING" in s and "LPPAUSE2" in s, "following again")
            # search: highlight, count, n/N
            for i in range(3):
                self.marker("LPSEARCH%d" % i, cluster="app-4-000%d-001" % (i + 1))
            self.wait_screen(c, lambda s: "LPSEARCH2" in s, "search markers")
            c.keys("/")
            c.literal("lpsearch")
            c.keys("Enter")
            c.wait_for("search: lpsearch  3 rows match")
            esc = c.screen(escapes=True)
            self.assertRegex(esc, r"\x1b\[[0-9;]*m(LPSEARCH)\x1b")  # matches drawn in their own style
            c.keys("n")
            c.keys("N")
            c.wait_for("PAUSED")  # the search moved the cursor: paused
            c.keys("s")
            c.wait_for("FOLLOWING")
            c.keys("Escape")
            c.wait_gone("search: lpsearch")
            # filters, one at a time
            self.marker("LPFILT", cluster="app-4-0002-001", dur=70000, client="10.9.9.9:99")
            self.wait_screen(c, lambda s: "LPFILT" in s, "LPFILT")

            def only(field, value, ok, what):
                self.set_filter(c, field, value)
                scr = self.wait_screen(c, lambda s: self.rows_shown(s) and all(ok(r) for r in self.rows_shown(s)),
                                       "%s=%s: %s" % (field, value, what))
                return scr
            only("Shard", "0002", lambda r: " 0002/" in r, "shard 0002 only")
            only("Node", "app-4-0003-001", lambda r: " 0003/primary/" in r, "that node only")
            only("Role", "replica", lambda r: "/replica/" in r, "replicas only")
            only("AZ", "us-east-2b", lambda r: "/us-east-2b " in r, "that AZ only")
            engine = re.compile(r" (NOTICE|WARNING|VERBOSE) ")
            only("Command", "lpfilt", lambda r: "LPFILT" in r or engine.search(r), "the command (engine rows stay)")
            only("Client", "10.9.9.9", lambda r: "LPFILT" in r or engine.search(r), "the client")
            scr = only("Duration", "60ms", lambda r: engine.search(r) or re.search(r" (6\d|[7-9]\d|\d{3,})\.\d{3}ms ", r) or re.search(r"\d\.\d{3}s ", r), "slow >= 60ms")
            self.assertIn("duration>=60.000ms", scr)
            only("Level", "warning", lambda r: " NOTICE " not in r, "no NOTICE")
            self.set_filter(c, "Node", "")
            c.wait_gone("filters:")
            # a bad value is named and changes nothing
            c.keys("f")
            c.wait_for("Filters of the log panel")
            for _ in range(4):
                c.keys("Tab")
            c.literal("loud")
            c.keys("Enter")
            c.wait_for("Level: verbose, notice or warning, not 'loud'")
            c.keys("Escape")
            c.wait_gone("Filters of the log panel")
            # every window reads its range again, each record once (the slow
            # log, this command: one row)
            self.marker("LPWIN")
            c.keys("v")
            c.wait_for("Logs app-4  slow log ")
            self.set_filter(c, "Command", "lpwin")
            self.wait_screen(c, lambda s: [r for r in self.rows_shown(s)] and all("LPWIN" in r for r in self.rows_shown(s)), "LPWIN")
            for key, name in [("1", "1m"), ("2", "5m"), ("3", "15m"), ("4", "30m"), ("5", "1h"),
                              ("6", "3h"), ("0", "tail")]:
                c.keys(key)
                c.wait_for("window %s since" % name)
                if name != "tail":
                    scr = self.wait_screen(c, lambda s: "LPWIN" in s and "  1 row  " in s,
                                           "LPWIN read again, once (%s)" % name)
            c.keys("3")
            self.wait_screen(c, lambda s: "window 15m since" in s and "LPWIN" in s, "15m")
            self.set_filter(c, "Node", "")
            c.keys("v", "v")
            c.wait_for("Logs app-4  slow + engine")
            path = self.save(c, "j")
            with open(path) as f:
                ids = [(r["logStream"], r["timestamp"], r["message"])
                       for r in map(json.loads, f) if "eventId" in r]
            self.assertEqual(len(ids), len(set(ids)), "a window read twice")
            # expand the selected row: every field
            c.keys("/")
            c.literal("LPWIN")
            c.keys("Enter")
            c.wait_for("1 row match")
            c.keys("e")
            scr = c.wait_for("\"eventId\":")
            for k in ('"logStream": "elasticache/redis/app-4-0001-001/0001/slow-log"', '"shard": "0001"',
                      '"role": "primary"', '"az": "us-east-2a"', '"durationUs": 12345',
                      '"command": "LPWIN"', '"clientAddress": "10.0.0.66:6666"', "The message, parsed:"):
                self.assertIn(k, scr)
            c.keys("Escape")
            c.wait_gone("\"eventId\":")
            c.keys("Escape")  # the search goes
            # the summary
            c.keys("t")
            scr = c.wait_for("Slow log by command")
            self.assertRegex(scr, r"COMMAND\s+COUNT\s+P50 ms\s+P99 ms\s+MAX ms\s+TOTAL ms\s+TOP CLIENTS")
            # by command: this test's own records (the seed's workload may
            # or may not have logged a slow SORT in the window by now)
            self.assertRegex(scr, r"\bLPFILT\s+1\s+70\.000\s+70\.000\s+70\.000\s+70\.000 10\.9\.9\.9:99 x1")
            c.keys("p")
            scr = c.wait_for("Slow log by command and node")
            self.assertRegex(scr, r"LPFILT\s+0002/primary/us-east-2\w app-4-0002-001\s+1\s")
            c.keys("s")
            c.wait_for("COMMAND^")
            c.keys("t")
            c.wait_for("Logs app-4")
            # save as text: exactly the rows shown (the slow log, one command)
            c.keys("v")
            c.wait_for("Logs app-4  slow log ")
            self.set_filter(c, "Client", "10.0.0.66")

            def all_shown(s):
                m = re.search(r"  (\d+) rows?  ", s)
                return m and int(m.group(1)) >= 5 and int(m.group(1)) == len(self.rows_shown(s))
            scr = self.wait_screen(c, all_shown, "this test's records, all on screen")
            shown = self.rows_shown(scr)
            path = self.save(c, "t")
            with open(path, "rb") as f:
                lines = f.read().decode().splitlines()
            self.assertTrue(lines[0].startswith("# elcui logs app-4"), lines[0])
            body = lines[1:]
            self.assertEqual(len(body), len(shown), (body, shown))
            for row, line in zip(shown, body):
                t = TIME_RE.search(row).group(0)
                self.assertIn("T" + t + "Z", line)
                tag = re.search(r"\bLP[A-Z]+\d*\b", row).group(0)
                self.assertIn(" %s client=10.0.0.66:6666" % tag, line)
            # $PAGER: run without a shell, the screen suspended and restored
            c.keys("o")
            c.wait_for("PAGER-RUNNING")
            self.assertNotIn("Logs app-4", c.screen())
            c.keys("Enter")
            c.wait_for("Logs app-4")
            with open(out) as f:
                argv, first = f.read().split("\n", 1)
            self.assertEqual(eval(argv), ["x;touch", owned, path])
            self.assertTrue(first.startswith("# elcui logs app-4"))
            self.assertFalse(os.path.exists(owned), "a shell ran $PAGER")
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_3_budget_shared_and_closed(self):
        """two panels share the budget; closing them stops their requests"""
        with self.console() as c:
            self.open_panel(c)
            c.keys("Escape")
            c.wait_for("Replication groups")
            # the group screen: L from its nodes panel scopes to that node
            c.keys("Enter")
            c.wait_for("Placement", timeout=30)
            c.keys("Tab", "j")
            c.keys("L")
            c.wait_for("filters: node=app-4-0001-002")
            self.wait_screen(c, lambda s: "last poll" in s, "polled")
            self.command(c, "logs app-4")
            scr = c.wait_for("(2 panels)")
            # both panels' tails within the one budget (4 requests a second)
            seen0 = self.sb.requests_seen("logs", "FilterLogEvents")
            time.sleep(5)
            rate = (self.sb.requests_seen("logs", "FilterLogEvents") - seen0) / 5.0
            self.assertLessEqual(rate, 4.0 + 1.0)
            c.keys("Escape")
            self.wait_screen(c, lambda s: "filters: node=app-4-0001-002" in s and "(2 panels)" not in s, "one panel")
            c.keys("Escape")
            c.wait_for("Placement")
            # nothing asks any more
            time.sleep(1.5)
            seen = self.sb.requests_seen("logs", "FilterLogEvents")
            time.sleep(3)
            self.assertEqual(self.sb.requests_seen("logs", "FilterLogEvents"), seen)

    def test_4_throttling_and_gap(self):
        """60% throttled: running, back-off shown, records once; unreadable range: a GAP row"""
        with self.console() as c:
            self.open_panel(c)
            self.sb.throttle(service="logs", operation="FilterLogEvents", rate=0.6)
            tags = []
            backoff = False
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and (len(tags) < 6 or not backoff):
                if len(tags) < 6:
                    tags.append(self.marker("LPTHR%02d" % len(tags)))
                for _ in range(10):
                    scr = c.screen()
                    backoff = backoff or "BACKOFF" in scr
                    time.sleep(0.1)
            self.assertTrue(backoff, "no back-off shown:\n" + c.screen())
            scr = self.wait_screen(c, lambda s: re.search(r"slow-log .* [1-9]\d* throttled", s), "throttled count")
            self.assertNotIn("STOPPED", scr)
            self.assertIsNone(c.dead())
            # throttling over: every record put meanwhile, each once (a tail
            # may be in its longest back-off, 30 s)
            self.sb.reset_faults()
            c.keys("/")
            c.literal("LPTHR")
            c.keys("Enter")
            c.wait_for("search: LPTHR  6 rows match", timeout=45)
            c.keys("s")
            c.wait_for("FOLLOWING")
            c.keys("Escape")
            c.wait_gone("search: LPTHR")
            # a range that cannot be read
            self.sb.malformed(service="logs", operation="FilterLogEvents", rate=1.0)
            # it sorts in at its range's start: the search finds it
            self.wait_screen(c, lambda s: re.search(r"slow-log .* [1-9] GAP", s), "a GAP counted", timeout=60)
            c.keys("/")
            c.literal("GAP")
            c.keys("Enter")
            scr = self.wait_screen(c, lambda s: re.search(r" GAP\s+\S+ \.\. \S+ not read \(error\)", s),
                                   "a GAP row", timeout=10)
            c.keys("s")
            c.wait_for("FOLLOWING")
            c.keys("Escape")
            c.wait_gone("search: GAP")
            self.assertRegex(scr, r"slow-log .* [1-9] GAP")
            self.sb.reset_faults()
            self.marker("LPAFTER")
            self.wait_screen(c, lambda s: "LPAFTER" in s, "records after the gap", timeout=60)
            self.assertIsNone(c.dead())

    def test_6_hostile_messages(self):
        """escape sequences and bidi overrides change neither the screen nor the title"""
        with self.console() as c:
            self.open_panel(c)
            title = c._tmux("display", "-p", "-t", "t", "#{pane_title}").stdout
            # parsed: the sequences are JSON escapes inside the command
            self.marker("LPEVIL \x1b]0;pwned\x07 \x1b[2J\x1b[31mred \u202egnp.exe")
            # not parsed: the raw bytes themselves
            self.sb.inject_log(self.groups["slow-log"], "elasticache/redis/app-4-0001-001/0001/slow-log",
                               b"LPRAW \x1b]0;pwned2\x07\x1b[2J\x1b[5m\xe2\x80\xae end \xff",
                               ingestion_delay=0)
            scr = self.wait_screen(c, lambda s: "LPEVIL" in s and "LPRAW" in s, "both hostile rows")
            evil = next(l for l in scr.splitlines() if "LPEVIL" in l)
            self.assertIn("LPEVIL \\x1b]0;pwned\\x07 \\x1b[2J\\x1b[31mred \\u{202e}gnp.exe", evil)
            raw = next(l for l in scr.splitlines() if "LPRAW" in l)
            self.assertIn("RAW?", raw)
            # (the service carries the invalid byte as U+FFFD, a character like any other)
            self.assertIn("LPRAW \\x1b]0;pwned2\\x07\\x1b[2J\\x1b[5m\\u{202e} end ", raw)
            self.assertEqual(c._tmux("display", "-p", "-t", "t", "#{pane_title}").stdout, title)
            esc = c.screen(escapes=True)
            self.assertNotIn("\x1b]", esc)
            self.assertNotIn("\u202e", esc)
            self.assertIn("Logs app-4", scr)  # not cleared
            # in the files: escaped too
            path = self.save(c, "t")
            with open(path, "rb") as f:
                text = f.read()
            self.assertNotIn(b"\x1b", text)
            self.assertIn(b"\\x1b]0;pwned2\\x07", text)
            path = self.save(c, "j")
            with open(path, "rb") as f:
                js = f.read()
            self.assertNotIn(b"\x1b", js)
            got = [json.loads(l) for l in js.decode().splitlines()]
            self.assertIn("LPEVIL \x1b]0;pwned\x07 \x1b[2J\x1b[31mred \u202egnp.exe",
                          [g.get("command") for g in got])

    # ---- golden text ----

    def golden(self, name, text):
        path = os.path.join(GOLDEN, name + ".txt")
        got = normalise(text)
        if os.environ.get("GOLDEN_UPDATE") == "1":
            os.makedirs(GOLDEN, exist_ok=True)
            with open(path, "w") as f:
                f.write(got)
            return
        with open(path) as f:
            want = f.read()
        self.assertEqual(got, want, "%s differs from %s (GOLDEN_UPDATE=1 rewrites it after "
                         "a review)" % (name, path))

    def settled(self, c, ok):
        deadline = time.monotonic() + 30
        last = None
        while time.monotonic() < deadline:
            scr = c.screen()
            if ok(scr) and last is not None and normalise(scr) == normalise(last):
                return scr
            last = scr if ok(scr) else None
            time.sleep(0.3)
        self.fail("never settled:\n" + (last or c.screen()))

    def test_5_golden_panel_and_summary(self):
        """golden text of the panel and the summary (volatile fields normalised)"""
        with self.console() as c:
            self.open_panel(c)
            now = int(time.time() * 1000)
            for i, (cl, dur, client) in enumerate([("app-4-0001-001", 8000, "10.1.0.1:1000"),
                                                   ("app-4-0002-001", 45000, "10.1.0.2:2000"),
                                                   ("app-4-0003-001", 120000, "10.1.0.1:1000"),
                                                   ("app-4-0001-001", 2500000, "10.1.0.3:3000")]):
                self.marker("LPGOLD ... (%d more arguments)" % (i + 1), cluster=cl, dur=dur,
                            client=client, ts_ms=now - 4000 + i * 1000)
            c.keys("v")
            c.wait_for("Logs app-4  slow log ")
            self.set_filter(c, "Command", "lpgold")
            # the live session up and one reconciliation pass behind it
            scr = self.settled(c, lambda s: s.count("LPGOLD") == 4 and "roles from Redis" in s
                               and re.search(r"^ slow-log +\w+  live .*\n +live session \w+, .* reconciled ", s, re.M))
            self.golden("logs", scr)
            c.keys("t")
            scr = self.settled(c, lambda s: "Slow log by command" in s and "LPGOLD" in s)
            self.golden("logs-summary", scr)

    def test_6b_incident_snapshot_takes_the_panels_records(self):
        """an incident snapshot of the group takes the records of its open panel"""
        with self.console() as c:
            self.open_panel(c)
            self.marker("LPSNAP", cluster="app-4-0003-001", dur=77000)
            self.wait_screen(c, lambda s: "LPSNAP" in s, "LPSNAP")
            self.command(c, "snapshot app-4")
            c.wait_for("Written (0600", timeout=90)
            folder = os.path.join(self.state, "elcui", "snapshots")
            js = [f for f in os.listdir(folder) if f.endswith(".json")]
            self.assertEqual(len(js), 1, js)
            with open(os.path.join(folder, js[0])) as f:
                doc = json.load(f)
            logs = doc["logs"]
            self.assertEqual(logs["state"], "ok", logs)
            self.assertTrue(logs["data"]["tailOpen"])
            recs = logs["data"]["records"]
            self.assertTrue(0 < len(recs) <= 200)
            mine = [r for r in recs if "LPSNAP" in r["text"]]
            self.assertEqual(len(mine), 1, recs[-5:])
            self.assertEqual(mine[0]["source"], "slow-log app-4-0003-001 (0003/primary/us-east-2c)")
            self.assertIn("(77.000ms)", mine[0]["text"])
            times = [r["time"] for r in recs]
            self.assertEqual(times, sorted(times))

    # ---- last: roles move ----

    def test_6c_config_source_poll(self):
        """[logs] source = poll: the panel polls, no StartLiveTail session is opened"""
        cfg = os.path.join(self.home, "config-poll")
        os.makedirs(os.path.join(cfg, "elcui"), exist_ok=True)
        with open(os.path.join(cfg, "elcui", "config"), "w") as f:
            f.write("[console]\nrefresh = 2\n[logs]\nsource = poll\n")
        live0 = self.sb.requests_seen("logs", "StartLiveTail")
        with self.console(env={"XDG_CONFIG_HOME": cfg}) as c:
            self.open_panel(c)
            tag = self.marker("LPPOLLED")
            scr = self.wait_screen(c, lambda s: tag in s, "the record, polled")
            self.assertRegex(scr, r"(?m)^ slow-log +\w+  poll\b")
            self.assertRegex(scr, r"(?m)^ engine-log +\w+  poll\b")
            self.assertNotIn("live session", scr)
        self.assertEqual(self.sb.requests_seen("logs", "StartLiveTail"), live0)
        # the default (auto) opens one: what the setting turned off
        with self.console() as c:
            self.open_panel(c)
            self.wait_screen(c, lambda s: re.search(r"(?m)^ slow-log +\w+  live\b", s), "the live source")
        self.assertGreater(self.sb.requests_seen("logs", "StartLiveTail"), live0)

    def test_7_failover_relabels(self):
        """after a test failover, the labels of new records follow the new roles"""
        with self.console() as c:
            self.open_panel(c)
            old = next(n for n, v in self.nodes.items() if v["node_group_id"] == "0002" and v["role"] == "primary")
            self.marker("LPBEFORE", cluster=old)
            scr = self.wait_screen(c, lambda s: "LPBEFORE" in s, "before")
            self.assertIn("0002/primary/", next(l for l in scr.splitlines() if "LPBEFORE" in l))
            r = harness.run(self.sb.env, "failover", RG, "--shard", "0002", "--yes", "--poll", "0.5",
                            timeout=180)
            self.assertEqual(r.rc, 0, r.err)
            new = r.out.split("new primary ")[1].split(" ")[0]
            self.assertNotEqual(new, old)
            # records written after the failover name the roles as they are now
            deadline = time.monotonic() + 60
            ok = False
            k = 0
            while time.monotonic() < deadline and not ok:
                k += 1
                t_old, t_new = self.marker("LPAFTOLD%d" % k, cluster=old), self.marker("LPAFTNEW%d" % k, cluster=new)
                time.sleep(4)
                scr = c.screen()
                rows = {t: next((l for l in scr.splitlines() if t in l), "") for t in (t_old, t_new)}
                ok = "0002/replica/" in rows[t_old] and "0002/primary/" in rows[t_new]
            self.assertTrue(ok, "labels did not follow the failover:\n" + c.screen())
            # the record from before keeps the role it had then
            c.keys("/")
            c.literal("LPBEFORE")
            c.keys("Enter")
            scr = c.wait_for("search: LPBEFORE  1 row match")
            self.assertIn("0002/primary/", next(l for l in scr.splitlines() if "LPBEFORE" in l and "search:" not in l))


if __name__ == "__main__":
    unittest.main()
