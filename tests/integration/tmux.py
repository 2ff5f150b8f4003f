"""Drive the real elcui binary inside tmux: type keys, read the screen.

    with Console(env, ["--region", "us-east-2"], cols=120, rows=40) as c:
        c.wait_for("profile default")
        c.keys("q")
        assert c.wait_exit() == 0

Each Console uses its own tmux server socket, so tests never touch a
user's tmux and always clean up (kill-server on exit).
"""

import os
import subprocess
import tempfile
import time
import uuid

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ELCUI_BIN", os.path.join(TOP, "build", "elcui"))


def table_rows(screen, titles):
    """The rows of the table whose header line holds TITLES, in order, on a
    captured screen: a list of dicts title -> the cell's text. Columns are
    cut where the header's titles start (the table widget draws each title
    at its column's first cell), so a check reads the column it names, not
    a word anywhere on the line. Rows end at the first line whose first
    column is empty. AssertionError when no such header is on the screen."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        starts, at = [], 0
        for t in titles:
            p = line.find(t, at)
            if p < 0 or (p > 0 and line[p - 1] not in " \u2502|"):
                break
            starts.append(p)
            at = p + len(t)
        if len(starts) != len(titles):
            continue
        # the last column ends where the header's next title starts
        tail = at
        while tail < len(line) and line[tail] == " ":
            tail += 1
        last_end = tail if tail < len(line) and line[tail] not in "\u2502|" else None
        rows = []
        for row in lines[i + 1:]:
            cells = {}
            for k, t in enumerate(titles):
                end = starts[k + 1] if k + 1 < len(titles) else (last_end or len(row))
                cells[t] = row[starts[k]:end].strip(" \u2502|")
            if not cells[titles[0]]:
                break
            rows.append(cells)
        return rows
    raise AssertionError("no table with columns %r on the screen:\n%s" % (titles, screen))


class Console:
    def __init__(self, env, args=(), cols=120, rows=40, binary=None, stty=False):
        self.env = dict(env)
        # stty: record `stty -a` right before the program starts and right
        # after it ended (stty_before / stty_after), to prove the terminal
        # is restored on every exit path
        self.stty = stty
        self.args = list(args)
        self.cols = cols
        self.rows = rows
        self.binary = binary or BIN
        self.sock = "elcui-test-" + uuid.uuid4().hex[:12]
        self.tmpdir = tempfile.mkdtemp(prefix="elcui-tmux-")
        # Each console gets its own state folder, so its stderr log (where a
        # sanitizer report goes while curses owns the terminal) survives the
        # next test; under make check it stays in the scratch folder, which
        # the hygiene stage scans.
        scratch = os.environ.get("ELCUI_CHECK_SCRATCH")
        base = os.path.join(scratch, "consoles") if scratch else self.tmpdir
        os.makedirs(base, exist_ok=True)
        self.state = tempfile.mkdtemp(prefix="state-", dir=base)
        # a state folder the test chose itself is kept; an inherited one is not
        if self.env.get("XDG_STATE_HOME") in (None, "", os.environ.get("XDG_STATE_HOME")):
            self.env["XDG_STATE_HOME"] = self.state

    def _tmux(self, *args, check=True):
        return subprocess.run(
            ["tmux", "-L", self.sock, "-f", "/dev/null"] + list(args),
            capture_output=True, text=True, check=check, timeout=20)

    def start(self):
        script = os.path.join(self.tmpdir, "run.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n")
            for k, v in sorted(self.env.items()):
                f.write("export %s='%s'\n" % (k, v.replace("'", "'\\''")))
            f.write("export TERM=xterm-256color\n")
            if self.stty:
                f.write("stty -a > %s/stty.before\n" % self.tmpdir)
            # The exit status goes to a file: tmux may miss the SIGCHLD of a
            # program that exits very early and never mark the pane dead.
            f.write("%s %s\n" % (self.binary, " ".join("'%s'" % a for a in self.args)))
            f.write("rc=$?\n")
            if self.stty:
                f.write("stty -a > %s/stty.after\n" % self.tmpdir)
            f.write("echo $rc > %s/status.tmp && mv %s/status.tmp %s/status\n"
                    % (self.tmpdir, self.tmpdir, self.tmpdir))
        os.chmod(script, 0o700)
        # remain-on-exit in the same tmux command, so a program that exits
        # at once still leaves its screen and status behind
        self._tmux("new-session", "-d", "-s", "t", "-x", str(self.cols), "-y", str(self.rows),
                   script, ";", "set-option", "-t", "t", "remain-on-exit", "on")
        return self

    def screen(self, escapes=False, history=False):
        args = ["capture-pane", "-p", "-J", "-t", "t"]
        if escapes:
            args.append("-e")
        if history:
            args += ["-S", "-"]
        return self._tmux(*args).stdout

    def wait_for(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            last = self.screen()
            if text in last:
                return last
            time.sleep(0.05)
        raise AssertionError("screen never showed %r; last screen:\n%s\nstderr:\n%s"
                             % (text, last, self.stderr_log()[-6000:]))

    def wait_rows(self, titles, ready, timeout=20):
        """The rows of the table with columns TITLES (see table_rows), keyed by
        the first column, once ready(rows) is true: values that arrive later
        (a second call's answer) are waited for, not raced."""
        deadline = time.monotonic() + timeout
        rows, last = {}, ""
        while time.monotonic() < deadline:
            last = self.screen()
            try:
                rows = {r[titles[0]]: r for r in table_rows(last, titles)}
            except AssertionError:
                rows = {}
            if rows and ready(rows):
                return rows
            time.sleep(0.05)
        raise AssertionError("the table never got ready; rows %r; last screen:\n%s" % (rows, last))

    def wait_gone(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            last = self.screen()
            if text not in last:
                return last
            time.sleep(0.05)
        raise AssertionError("screen still shows %r:\n%s" % (text, last))

    def keys(self, *keys):
        self._tmux("send-keys", "-t", "t", *keys)

    def literal(self, text):
        self._tmux("send-keys", "-t", "t", "-l", text)

    def resize(self, cols, rows):
        self._tmux("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))

    def dead(self):
        """Exit status once the program ended (128+N when killed by signal N), else None."""
        try:
            with open(os.path.join(self.tmpdir, "status")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def pid(self):
        """The program's pid (the child of the pane's shell), or None."""
        out = self._tmux("display-message", "-p", "-t", "t", "#{pane_pid}").stdout.strip()
        try:
            with open("/proc/%s/task/%s/children" % (out, out)) as f:
                kids = f.read().split()
        except OSError:
            return None
        return int(kids[0]) if kids else None

    def stty_states(self):
        """(before, after) `stty -a` outputs (stty=True), after the exit."""
        def read(name):
            try:
                with open(os.path.join(self.tmpdir, name)) as f:
                    return f.read()
            except OSError:
                return None
        return read("stty.before"), read("stty.after")

    def stderr_log(self):
        """What the program wrote to stderr while curses owned the terminal."""
        path = os.path.join(self.env.get("XDG_STATE_HOME", self.state), "elcui",
                            "console-stderr.log")
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_exit(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.dead()
            if st is not None:
                if st >= 128:  # killed: the sanitizer's report is in the stderr log
                    raise AssertionError("elcui died (status %d); stderr:\n%s\nscreen:\n%s"
                                         % (st, self.stderr_log()[-6000:], self.screen()))
                return st
            time.sleep(0.05)
        raise AssertionError("elcui did not exit; screen:\n" + self.screen())

    def stop(self):
        self._tmux("kill-server", check=False)
        import shutil
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
