"""The console's shell in a real terminal (tmux) on the demo seed: the `:`
commands, `?` against the keymap table (`elcui keys --json`), rebinding,
keys answered under AWS latency (frame statistics), resizes in every
screen, the terminal restored on SIGTERM/SIGHUP/a crash with a dialog open,
golden text snapshots, narrow terminals, failed loads, the context screen's
sources, and the shell completions.

One demo sandbox (no Redis: the console shows what the API says) for the
whole class. GOLDEN_UPDATE=1 rewrites tests/integration/golden/*.txt.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "sandbox"))

from sandbox.sandboxctl import Sandbox  # noqa: E402
from tests.integration.tmux import BIN, Console  # noqa: E402

GOLDEN = os.path.join(TOP, "tests", "integration", "golden")


def keys_json(env=None):
    out = subprocess.run([BIN, "keys", "--json"], capture_output=True, text=True, env=env,
                         check=True, timeout=30).stdout
    return json.loads(out)


def bindings_for(table, screen):
    """{request: "keys"} of the requests the table applies on a screen."""
    scopes = next(s["scopes"] for s in table["screens"] if s["name"] == screen)
    return {r["name"]: " ".join(r["keys"]) or "(none)" for r in table["requests"]
            if r["scope"] in scopes}


def help_bindings(screen_text):
    """{request: "keys"} as the help screen lists them."""
    lines = screen_text.splitlines()
    start = next(i for i, l in enumerate(lines) if re.match(r"\s*KEYS\s+REQUEST\s+WHAT IT DOES", l))
    got = {}
    for l in lines[start + 1:]:
        if not l.strip():
            break
        keys, name = l[1:23].strip(), l[24:38].strip()
        got[name] = keys
    return got


def normalise(text):
    """Volatile fields out of a screen: ages, times, ids, ports."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"\b\d+s ago\b", "Ns ago", line)
        line = re.sub(r"\b\d+s old\b", "Ns old", line)
        line = re.sub(r"(127\.0\.0\.1|localhost):\d+", r"\1:PORT", line)
        line = re.sub(r"(?<=\.)[0-9a-z]{6}(?=\.)", "ID", line)  # endpoint ids
        line = re.sub(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "UUID", line)
        line = re.sub(r"\s+\d+[smhd]\s*$", " AGE", line)  # right-aligned: width varies
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


@unittest.skipUnless(os.access(BIN, os.X_OK), "no elcui binary at %s" % BIN)
class ShellOnDemo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="demo", redis=False).start()
        cls.home = tempfile.mkdtemp(prefix="elcui-shell-home-")

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        import shutil
        shutil.rmtree(cls.home, ignore_errors=True)

    def tearDown(self):
        self.sb.reset_faults()

    def env(self, **extra):
        e = dict(self.sb.env)
        e["HOME"] = self.home
        e["XDG_CONFIG_HOME"] = os.path.join(self.home, "config")
        e.update(extra)
        return e

    def console(self, args=(), cols=120, rows=40, **kw):
        env = kw.pop("env", None) or self.env()
        return Console(env, list(args), cols=cols, rows=rows, **kw)

    def ready(self, c):
        """The groups screen with both demo groups, fully listed."""
        c.wait_for("legacy-1", timeout=30)
        return c.wait_for("updated", timeout=30)

    def wait_screen(self, c, ok, what, timeout=10):
        deadline = time.monotonic() + timeout
        scr = ""
        while time.monotonic() < deadline:
            scr = c.screen()
            if ok(scr):
                return scr
            time.sleep(0.05)
        self.fail("%s: the screen never showed what it should:\n%s" % (what, scr))

    def wait_re(self, c, *patterns, flat=False, timeout=20):
        """The screen once every regex matches it (flat: with the lines
        joined, for text wrapped over lines)."""
        def ok(scr):
            text = " ".join(scr.split()) if flat else scr
            return all(re.search(p, text) for p in patterns)
        return self.wait_screen(c, ok, " and ".join(patterns), timeout=timeout)

    def command(self, c, line):
        c.keys(":")
        c.wait_for("\n:")
        c.literal(line)
        c.keys("Enter")

    # ---- the `:` commands ----

    def test_every_command_opens_its_screen(self):
        with self.console() as c:
            self.ready(c)
            self.command(c, "group app-4")
            self.wait_re(c, "Placement", "Replication group app-4", timeout=30)
            self.command(c, "nodes")
            self.wait_re(c, r"Nodes \(9\)", "app-4-0003-003")  # the nodes panel has the room now
            self.command(c, "context")
            c.wait_for("Context: where every setting comes from")
            self.command(c, "messages")
            c.wait_for("Messages (")
            self.command(c, "help")
            c.wait_for("Help: messages")
            self.command(c, "groups")  # back home: the screens above close
            scr = c.wait_for("Replication groups (2)")
            self.command(c, "theme light")
            c.wait_for("theme light")
            self.command(c, "ctx")  # an alias
            self.wait_re(c, "Context: where every setting comes from",
                         r"theme\s+light\s+from --theme \(or :theme\)")
            c.keys("Escape")
            self.command(c, "readonly")
            scr = c.wait_for("READ-ONLY")
            self.command(c, "grups")
            self.wait_re(c, r"unknown command ':grups'; did you mean :groups or :group\?")
            self.command(c, "group")
            c.wait_for("usage: :group NAME")
            self.command(c, "region us-west-2")
            self.wait_re(c, r"^ elcui  profile default  region us-west-2 ",
                         "No replication groups in this region.", timeout=30)
            self.command(c, "region us-east-2")
            c.wait_for("legacy-1", timeout=30)
            self.command(c, "profile nosuch")
            self.wait_re(c, "cannot open the session: .*profile 'nosuch' is not in", flat=True)
            self.command(c, "q")
            self.assertEqual(c.wait_exit(), 0)

    def test_profile_switch(self):
        """:profile opens the session again with the other profile's keys."""
        d = tempfile.mkdtemp(prefix="elcui-shell-aws-", dir=self.home)
        cfg, creds = os.path.join(d, "config"), os.path.join(d, "credentials")
        with open(cfg, "w") as f:
            f.write("[profile other]\nregion = us-west-2\n")
        with open(creds, "w") as f:
            f.write("[other]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (self.sb.env["AWS_ACCESS_KEY_ID"], self.sb.env["AWS_SECRET_ACCESS_KEY"]))
        os.chmod(creds, 0o600)
        env = self.env(AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds)
        env.pop("AWS_REGION", None)
        env.pop("AWS_DEFAULT_REGION", None)
        env["AWS_REGION"] = "us-east-2"
        with self.console(env=env) as c:
            self.ready(c)
            self.command(c, "group app-4")  # a screen with requests of its own
            c.wait_for("Placement", timeout=30)
            self.command(c, "profile other")
            scr = self.wait_re(c, "session: profile other", r"^ elcui  profile other ", timeout=30)
            self.assertNotIn("Replication group app-4", scr)  # every screen closed
            c.wait_for("Replication groups (2)", timeout=30)  # AWS_REGION still wins
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_previous_screen_and_back(self):
        with self.console() as c:
            self.ready(c)
            c.keys("Enter")
            c.wait_for("Replication group app-4", timeout=30)
            c.keys("Escape")
            c.wait_for("Replication groups (2)")
            c.keys("-")  # the group again
            c.wait_for("Replication group app-4", timeout=30)
            c.keys("-")  # and the groups
            c.wait_for("Replication groups (2)")
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    # ---- `?` and the keymap table ----

    def test_help_lists_exactly_the_table(self):
        table = keys_json(self.env())
        with self.console(rows=70) as c:
            self.ready(c)
            screens = {
                "groups": [],
                "group": ["Enter"],
                "context": ["i"],
                "messages": [":", "messages", "Enter"],
            }
            for name, how in screens.items():
                self.command(c, "groups")
                c.wait_for("Replication groups (2)")
                for k in how:
                    if k in ("Enter", "i", ":"):
                        c.keys(k)
                    else:
                        c.literal(k)
                c.keys("?")
                scr = self.settled(c, "Help: " + name, gone=())
                self.assertEqual(help_bindings(scr), bindings_for(table, name), name)
                c.keys("?")  # ? again closes it
                c.wait_gone("Help: " + name)
            # the dialog's keys: F1, since ? would be typed into its field
            self.command(c, "readonly on")
            self.command(c, "readonly off")
            c.wait_for("Type default to confirm")
            c.keys("F1")
            scr = self.settled(c, "Help: confirm", gone=())
            self.assertEqual(help_bindings(scr), bindings_for(table, "confirm"))
            c.keys("Escape", "Escape")
            c.wait_gone("Type default to confirm")
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_rebound_keys(self):
        d = os.path.join(self.home, "rebind")
        os.makedirs(os.path.join(d, "elcui"), exist_ok=True)
        with open(os.path.join(d, "elcui", "config"), "w") as f:
            f.write("[keys]\ndown = J Down\nquit = Q\n")
        env = self.env(XDG_CONFIG_HOME=d)
        self.assertEqual(bindings_for(keys_json(env), "groups")["down"], "J Down")
        with self.console(env=env) as c:
            self.ready(c)
            c.keys("j", "Enter")  # j moves no more: the first group opens
            c.wait_for("Replication group app-4", timeout=30)
            c.keys("Escape")
            c.wait_for("Replication groups (2)")
            c.keys("J", "Enter")  # J does
            c.wait_for("Replication group legacy-1", timeout=30)
            c.keys("q")  # q quits no more
            c.keys("?")
            c.wait_for("Help: group")
            self.assertIsNone(c.dead())
            c.keys("Q")
            self.assertEqual(c.wait_exit(), 0)

    def test_bad_keys_refuse_to_start(self):
        d = os.path.join(self.home, "badkeys")
        os.makedirs(os.path.join(d, "elcui"), exist_ok=True)
        path = os.path.join(d, "elcui", "config")
        with open(path, "w") as f:
            f.write("[keys]\ndwon = n\nup = Ctrl-k\nhelp = j\n")
        env = self.env(XDG_CONFIG_HOME=d)
        r = subprocess.run([BIN, "keys"], capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("%s:2: [keys] unknown request 'dwon'" % path, r.stderr)
        self.assertIn("%s:3: [keys] 'Ctrl-k' is not a key name" % path, r.stderr)
        self.assertIn("key 'j' is bound to both 'help' and 'down' on screen groups", r.stderr)
        with self.console(env=env) as c:
            self.assertEqual(c.wait_exit(), 2)
            scr = c.screen(history=True)
            self.assertIn("unknown request 'dwon'", scr)
            self.assertIn("the console does not start", scr)

    # ---- keys answered while AWS is slow ----

    def test_keys_answered_within_100ms_under_3s_latency(self):
        stats = os.path.join(self.home, "frames-%d" % os.getpid())
        self.sb.latency(3.0)  # every AWS call, every service
        with self.console(env=self.env(ELCUI_FRAME_STATS=stats)) as c:
            c.wait_for("Listing replication groups")
            for key, shows in (("?", "Help: groups"), ("Escape", "Replication groups ("),
                               ("i", "Context: where"), ("Escape", "Replication groups (")):
                t0 = time.monotonic()
                c.keys(key)
                c.wait_for(shows, timeout=5)
                dt = time.monotonic() - t0
                # through tmux: polled every 50 ms, on a shared 2-core machine;
                # the frame statistics below are the 100 ms measure
                self.assertLess(dt, 1.5, "%s took %.3fs through tmux" % (key, dt))
            # the first listing is still in flight (it completes in 6 s)
            self.assertNotIn("updated", c.screen().splitlines()[1])
            c.keys("q")
            self.assertEqual(c.wait_exit(timeout=10), 0)
        with open(stats) as f:
            frames = [dict(kv.split("=", 1) for kv in l.split()) for l in f]
        answered = {}
        for f in frames:
            k = int(f["key_us"])
            if k and k not in answered:
                answered[k] = int(f["t_us"]) - k  # the first frame after the key
        self.assertGreaterEqual(len(answered), 4, frames[-10:])
        worst = max(answered.values())
        # 100 ms is the bound for key to screen; a frame here takes
        # about a millisecond, so only a starved CPU comes near it
        self.assertLess(worst, 100000, "key to frame %d us" % worst)

    # ---- terminals ----

    def test_resize_in_every_screen(self):
        with self.console(cols=200, rows=50) as c:
            self.ready(c)
            steps = [
                ("groups", [], "Replication groups (2)"),
                ("group", ["Enter"], "Replication group app-4"),
                ("nodes", ["Tab"], "Nodes (9)"),
                ("filter typing", ["/", "lit:0003"], "/0003"),
                ("context", ["Escape", "Escape", "i"], "Context: where"),
                ("help", ["?"], "Help: context"),
                ("messages", [":", "lit:messages", "Enter"], "Messages ("),
                ("dialog", [":", "lit:readonly on", "Enter", ":", "lit:readonly off", "Enter"],
                 "Type default to confirm"),
            ]
            for name, keys, shows in steps:
                for k in keys:
                    if k.startswith("lit:"):
                        c.literal(k[4:])
                    else:
                        c.keys(k)
                c.wait_for(shows, timeout=30)
                for cols, rows, want in ((80, 24, shows), (60, 20, "Terminal too small: 60x20"),
                                         (200, 50, shows)):
                    c.resize(cols, rows)
                    # the whole frame: the header, and what this size shows
                    scr = self.wait_screen(c, lambda s: want in s and "us-east-2" in s.split("\n")[0]
                                           and (want != shows or "too small" not in s), name)
            c.keys("Escape", "q")
            self.assertEqual(c.wait_exit(), 0)

    def test_narrow_terminals(self):
        with self.console(cols=100, rows=30) as c:
            scr = self.ready(c)
            # at 100 columns the ids stay whole (the rest scrolls sideways)
            rows = [l for l in scr.splitlines() if l.startswith(" app-4 ") or l.startswith(" legacy-1 ")]
            self.assertEqual(len(rows), 2, scr)
            c.keys("l", "l", "l")  # sideways: the id stays, the cost comes into sight
            self.wait_screen(c, lambda s: re.search(r"\n legacy-1 .*\$25", s), "scrolled")
            c.resize(40, 20)
            scr = c.wait_for("Terminal too small: 40x20")
            head = scr.splitlines()[0]
            self.assertTrue(head.startswith(" us-east-2 "), head)  # the region first, whole
            c.resize(100, 30)
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def terminal_restored(self, how):
        with self.console(stty=True) as c:
            self.ready(c)
            self.command(c, "readonly on")
            self.command(c, "readonly off")
            c.wait_for("Type default to confirm")
            c.literal("defa")
            pid = c.pid()
            self.assertIsNotNone(pid)
            os.kill(pid, how)
            deadline = time.monotonic() + 20
            while c.dead() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            status = c.dead()
            before, after = c.stty_states()
        self.assertIsNotNone(status)
        self.assertIsNotNone(before)
        self.assertEqual(before, after)
        return status

    def test_sigterm_with_a_dialog_open_restores_the_terminal(self):
        self.assertEqual(self.terminal_restored(signal.SIGTERM), 0)

    def test_sighup_restores_the_terminal(self):
        self.assertEqual(self.terminal_restored(signal.SIGHUP), 0)

    def test_crash_restores_the_terminal(self):
        # a fatal signal: curses ends, then the signal takes its course
        # (the default action, or a sanitizer's report and abort)
        self.assertNotEqual(self.terminal_restored(signal.SIGSEGV), 0)

    # ---- what the screens say ----

    def test_failed_load_shows_the_error(self):
        self.sb.server_error(500, service="elasticache")
        with self.console(args=["--max-attempts", "1"]) as c:
            # the title says so, the error is shown in full (wrapped over lines)
            scr = self.wait_re(c, r"Replication groups \(0\) load failed \(see below\)",
                               r"Listing the replication groups failed: ElastiCache "
                               r"DescribeReplicationGroups: InternalFailure: The request processing "
                               r"has failed .* \(HTTP 500, request id [0-9a-f-]{36}\)",
                               flat=True, timeout=30)
            self.assertNotIn("loading", scr)
            self.command(c, "messages")
            self.wait_re(c, r"listing the groups failed: .*\(HTTP 500, request id [0-9a-f-]{36}\)",
                         flat=True)
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_header_and_context_sources(self):
        with self.console() as c:
            self.ready(c)
            # AWS_ENDPOINT_URL alone (no --endpoint-url): still in the header
            self.wait_re(c, r"^ elcui  profile default  region us-east-2  account 123456789012  "
                         r"endpoint %s\n" % re.escape(self.sb.endpoint))
            c.keys("i")
            self.wait_re(c, r"region\s+us-east-2\s+from AWS_REGION",
                         r"profile\s+default\s+from default \(no --profile",
                         r"account\s+123456789012\s+from STS GetCallerIdentity",
                         r"ElastiCache endpoint\s+%s\s+from AWS_ENDPOINT_URL"
                         % re.escape(self.sb.endpoint),
                         r"read-only\s+no")
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    def test_context_names_the_file_line_of_a_setting(self):
        """a region from the AWS config file is shown with its file and line"""
        cfg = os.path.join(self.home, "ctx-config")
        with open(cfg, "w") as f:
            f.write("# elcui test\n[default]\noutput = json\nregion = us-east-2\n")
        env = self.env(AWS_CONFIG_FILE=cfg)
        env.pop("AWS_REGION", None)
        env.pop("AWS_DEFAULT_REGION", None)
        with self.console(env=env) as c:
            self.ready(c)
            c.keys("i")
            self.wait_re(c, r"region\s+us-east-2\s+from %s line 4" % re.escape(cfg),
                         r"AWS config file\s+%s\s+from AWS_CONFIG_FILE" % re.escape(cfg))
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    # ---- golden snapshots ----

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

    def settled(self, c, must, gone=("loading", "refreshing", "Describe", "GetMetricData")):
        """The screen once it shows must, none of gone, and the same text
        twice 300 ms apart (a whole frame, not one half drawn)."""
        deadline = time.monotonic() + 30
        last = None
        while time.monotonic() < deadline:
            scr = c.screen()
            if must in scr and not any(g in scr for g in gone):
                if last is not None and normalise(scr) == normalise(last):
                    return scr
                last = scr
            else:
                last = None
            time.sleep(0.3)
        self.fail("never settled on %r:\n%s" % (must, c.screen()))

    def test_golden_screens(self):
        with self.console(cols=120, rows=40) as c:
            self.ready(c)
            self.golden("groups", self.settled(c, "redis 7.1.0"))
            c.keys("?")
            self.golden("help", self.settled(c, "Help: groups"))
            c.keys("Escape", "Enter")
            # no Redis and no IsMaster metrics in this sandbox: roles are assumed
            self.golden("group", self.settled(c, "primary (assumed)"))
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)


@unittest.skipUnless(os.access(BIN, os.X_OK), "no elcui binary at %s" % BIN)
class Completions(unittest.TestCase):
    """The completion scripts come from the option tables: every option a
    command's --help names is offered."""

    def help_options(self, cmd):
        """The options a command's --help names, less the global ones it
        mentions (those are completed before the command)."""
        def options(*args):
            out = subprocess.run([BIN] + list(args), capture_output=True, text=True,
                                 timeout=30).stdout
            # the options it lists (a line starting with one) and its usage line
            found = {m[1] for m in re.findall(r"^\s+(-\w, )?(--[a-z][a-z0-9-]+)(?=[\s=,\[]|$)",
                                              out, re.M)}
            usage = out.split("\n", 1)[0]
            return found | set(re.findall(r"(--[a-z][a-z0-9-]+)", usage))
        return options(cmd, "--help") - (options("--help") - {"--help"})

    def test_bash(self):
        script = subprocess.run([BIN, "completion", "bash"], capture_output=True, text=True,
                                check=True, timeout=30).stdout
        commands = re.findall(r"^  (\S+)\s", subprocess.run([BIN, "--help"], capture_output=True,
                                                             text=True).stdout, re.M)
        self.assertIn("ls", commands)
        probe = script + """
t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); _elcui; echo "${COMPREPLY[*]}"; }
"""
        for cmd in commands:
            probe += 't elcui %s --\n' % cmd
        probe += 't elcui l\nt elcui --reg\nt elcui --region us-east-2 sh\n'
        out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True,
                             timeout=30).stdout.splitlines()
        for cmd, line in zip(commands, out):
            offered = set(line.split())
            missing = self.help_options(cmd) - offered
            self.assertFalse(missing, "%s --help names %s, completion offers %s" % (cmd, missing, offered))
        self.assertEqual(out[-3].split(), ["ls", "logs", "latency"])
        self.assertEqual(out[-2].split(), ["--region"])
        self.assertEqual(out[-1].split(), ["show"])

    def test_zsh(self):
        import shutil
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh is not installed here (apt-get install zsh): the zsh script "
                          "cannot be run")
        script = subprocess.run([BIN, "completion", "zsh"], capture_output=True, text=True,
                                check=True, timeout=30).stdout
        self.assertTrue(script.startswith("#compdef elcui\n"))
        body = script.rsplit("\n_elcui", 1)[0]
        probe = ("compadd() { [[ $1 == -- ]] && shift; print -r -- \"$*\"; }\n"
                 "_describe() { print -r -- describe; }\n_files() { print -r -- files; }\n"
                 + body + "\nwords=(elcui logs --f); CURRENT=3; _elcui\n"
                 "words=(elcui l); CURRENT=2; _elcui\n")
        out = subprocess.run([zsh, "-f", "-c", probe], capture_output=True, text=True, check=True,
                             timeout=30).stdout.splitlines()
        self.assertLessEqual(self.help_options("logs"), set(out[0].split()))
        self.assertIn("--follow", out[0].split())
        self.assertEqual(out[1], "describe")


if __name__ == "__main__":
    unittest.main()
