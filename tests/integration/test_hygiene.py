"""Security hygiene of the real binary (issue 6, "Secret hygiene").

- the hygiene scan itself (tests/tools/secret-scan): finds a planted secret
  raw, URL-encoded, base64 and JSON-escaped without ever printing it, and
  flags elcui files that are not 0600 in 0700 folders;
- AWS config/credentials files readable by others: `elcui ls` warns (and
  never prints the key);
- TLS verification off only with --insecure: the console banner stays for
  the whole session; a config file or environment variable cannot turn it
  off; the Redis commands warn on stderr (when they exist);
- escape and control-character injection through AWS error messages, tags
  and data shown by the console is neutralised (CLI output and the screen
  through tmux); log content is test_logs.py's, Redis replies and key names
  exec's (both checked here only when exec exists);
- files the console creates (its stderr log) are 0600 in 0700 folders, even
  under umask 000;
- no user data reaches a shell: the binary links no system()/popen() and the
  sources run no "sh -c"; $PAGER/$EDITOR (when used) go through execvp.

ELCUI_BIN names the binary (default build/elcui).
    python3 -m unittest tests/integration/test_hygiene.py
"""

import base64
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
for p in (HERE, os.path.join(TOP, "tests", "tools"), os.path.join(TOP, "tests", "sandbox")):
    if p not in sys.path:
        sys.path.insert(0, p)

import harness  # noqa: E402
import secretlog  # noqa: E402
from tmux import Console  # noqa: E402

SCAN = os.path.join(TOP, "tests", "tools", "secret-scan")
REGION = "us-east-2"
# What XML can carry (no ESC there): 8-bit CSI, an 8-bit OSC that would set
# the window title, a right-to-left override, DEL.
EVIL = "evil \u009b31mred\u009b0m \u009d2;pwned-title\u009c \u202egnp.exe \x7f del"
RAW_BAD = ("\x1b", "\u009b", "\u009d", "\u009c", "\u202e", "\x7f", "\x07")


def has_command(name):
    try:
        out = subprocess.run([harness.ELCUI, "--help"], capture_output=True, text=True, timeout=20).stdout
    except OSError:
        return False
    return re.search(r"^\s+%s\s" % re.escape(name), out, re.M) is not None


def no_sanitizer_report(tc, text):
    for mark in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
        tc.assertNotIn(mark, text)


class SecretScanTool(unittest.TestCase):
    """The scanner on a scratch folder of its own (no elcui needed)."""

    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="elcui-scan-test-")
        self.env = dict(os.environ, ELCUI_CHECK_SCRATCH=self.d)
        self.env.pop("ELCUI_SECRETS_LIST", None)

    def tearDown(self):
        shutil.rmtree(self.d, ignore_errors=True)

    def scan(self, *extra):
        return subprocess.run([sys.executable, SCAN, self.d] + list(extra), env=self.env, capture_output=True, text=True, timeout=60)

    def secretlog_here(self, fn, *args):
        """Call a secretlog function with this test's scratch folder."""
        saved = {k: os.environ.pop(k, None) for k in ("ELCUI_CHECK_SCRATCH", "ELCUI_SECRETS_LIST")}
        os.environ["ELCUI_CHECK_SCRATCH"] = self.d
        try:
            return fn(*args)
        finally:
            os.environ.pop("ELCUI_CHECK_SCRATCH", None)
            for k, v in saved.items():
                if v is not None:
                    os.environ[k] = v

    def record(self, value, label):
        self.assertTrue(self.secretlog_here(secretlog.record, value, label))

    def write(self, rel, data, mode=0o600):
        p = os.path.join(self.d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(p, mode)
        os.chmod(os.path.dirname(p), 0o700)
        return p

    def test_finds_each_encoding_without_printing_it(self):
        """secret-scan finds a secret raw, URL-encoded, base64, JSON-escaped; never prints it; skips allowed files"""
        secret = "wJalr/XUtn+FEMI=K7MD&ENG\"bPxRf%s" % os.urandom(6).hex()
        self.record(secret, "test AWS secret key")
        self.write("logs/clean.log", "nothing to see\n")
        r = self.scan()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 leaks", r.stdout)
        cases = {
            "raw": b"prefix " + secret.encode() + b" suffix",
            "url-encoded": ("q=" + urllib.parse.quote_plus(secret)).encode(),
            "base64": b"blob:" + base64.b64encode(b"xy" + secret.encode() + b"tail"),
            "json-escaped": json.dumps({"k": secret}).encode(),
        }
        for enc, data in cases.items():
            with self.subTest(enc=enc):
                p = self.write("state/elcui/history-%s" % enc, b"\n" * 10 + data)
                r = self.scan()
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertRegex(r.stdout, r"LEAK %s:\d+: test AWS secret key \(%s\)" % (re.escape(p), enc))
                self.assertNotIn(secret, r.stdout + r.stderr)
                self.assertNotIn(urllib.parse.quote_plus(secret), r.stdout + r.stderr)
                os.unlink(p)
        # the list itself is never reported; an allowed file is skipped and named
        p = self.write("sandbox/redis.conf", "requirepass " + secret + "\n")
        self.secretlog_here(secretlog.allow, p, "the sandbox's own Redis configuration")
        r = self.scan()
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("skipped %s" % p, r.stdout)

    def test_private_modes(self):
        """secret-scan flags elcui files not 0600 and folders not 0700"""
        self.record("a-long-enough-secret-%s" % os.urandom(4).hex(), "x")
        self.write("state/elcui/console-stderr.log", "ok\n", 0o600)
        os.chmod(os.path.join(self.d, "state", "elcui"), 0o700)
        r = self.scan()
        self.assertEqual(r.returncode, 0, r.stdout)
        self.write("cache/elcui/x", "ok\n", 0o644)
        os.chmod(os.path.join(self.d, "cache", "elcui"), 0o755)
        r = self.scan()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("cache/elcui/x: file mode 0644 (want 0600)", r.stdout)
        self.assertIn("cache/elcui: folder mode 0755 (want 0700)", r.stdout)

    def test_nothing_recorded_is_a_failure(self):
        """secret-scan fails when no secret was recorded"""
        r = self.scan()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("no secrets recorded", r.stdout)
        self.assertEqual(self.scan("--allow-empty").returncode, 0)


@harness.needs_binary
class Hygiene(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=False, region=REGION)
        # the console's HOME (its files go to XDG_STATE_HOME when set: the
        # scratch folder under make check, so the hygiene scan sees them)
        cls.home = tempfile.mkdtemp(prefix="elcui-hyg-home-")
        try:
            secretlog.record_env(cls.sb.exports, "sandbox")
            cls.ec = cls.sb.client("elasticache")
            cls.ec.create_replication_group(
                ReplicationGroupId="hyg-evil",
                ReplicationGroupDescription=EVIL,
                Engine="redis",
                CacheNodeType="cache.t3.micro",
                NumCacheClusters=1,
            )
            cls.sb.wait_for_group("hyg-evil")
            cls.arn = cls.ec.describe_replication_groups(ReplicationGroupId="hyg-evil")["ReplicationGroups"][0]["ARN"]
        except BaseException:
            cls.sb.stop()
            shutil.rmtree(cls.home, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        shutil.rmtree(cls.home, ignore_errors=True)

    def setUp(self):
        self.sb.reset_faults()

    def env(self, **extra):
        e = dict(self.sb.env)
        e.update(extra)
        return e

    def assert_clean(self, text):
        for ch in RAW_BAD:
            self.assertNotIn(ch, text, "raw %r reached the output" % ch)
        no_sanitizer_report(self, text)

    # ---- AWS files with loose permissions ----

    def test_loose_aws_files_warn(self):
        """AWS credentials/config readable or writable by others: warning naming chmod 600"""
        with tempfile.TemporaryDirectory(prefix="elcui-hyg-home-") as home:
            aws = os.path.join(home, ".aws")
            os.makedirs(aws)
            creds = os.path.join(aws, "credentials")
            cfg = os.path.join(aws, "config")
            with open(creds, "w") as f:
                f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (self.sb.access_key, self.sb.secret_key))
            with open(cfg, "w") as f:
                f.write("[default]\nregion = %s\n" % REGION)
            env = harness.env_with(self.sb.env, drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"), HOME=home)
            for mode, warn in ((0o644, True), (0o640, True), (0o600, False)):
                os.chmod(creds, mode)
                os.chmod(cfg, 0o600)
                r = harness.run(env, "ls")
                self.assertEqual(r.rc, 0, r)
                self.assertIn("hyg-evil", r.out)
                found = re.search(r"elcui: warning: %s is accessible by other users \(mode 0%o\); run chmod 600" % (re.escape(creds), mode), r.err)
                self.assertEqual(bool(found), warn, "mode %o:\n%s" % (mode, r.err))
                self.assertNotIn(self.sb.secret_key, r.out + r.err)
                no_sanitizer_report(self, r.err)
            # the config file: readable is fine while it holds no secret,
            # writable by others never is (credential_process runs from it)
            os.chmod(cfg, 0o644)
            r = harness.run(env, "ls")
            self.assertNotIn(cfg, r.err)
            os.chmod(cfg, 0o666)
            r = harness.run(env, "ls")
            self.assertIn("%s is writable by other users (mode 0666); run chmod 600" % cfg, r.err)
            with open(cfg, "a") as f:
                f.write("aws_session_token = %s\n" % ("x" * 40))
            os.chmod(cfg, 0o644)
            r = harness.run(env, "ls")
            self.assertIn("%s is accessible by other users (mode 0644)" % cfg, r.err)

    # ---- injection through AWS error messages and data ----

    def test_error_messages_neutralised(self):
        """ESC, C1 and bidi characters in AWS error messages never reach the terminal"""
        cases = [
            (("show", "no-such\u009b31m\u202e"), r"\\u\{0*9[bB]\}31m\\u\{0*202[eE]\}"),
            (("show", "no-such\x1b[31m"), None),
            (("logs", "--log-group", "/x\x1b]0;pwned\x07\x1b[31mevil\u009b", "--since", "1m"), r"\\x1[bB]\]0;pwned\\x07\\x1[bB]\[31mevil"),
        ]
        for args, escaped in cases:
            with self.subTest(args=args[:2]):
                r = harness.run(self.sb.env, *args)
                self.assertEqual(r.rc, 1, r)
                self.assertEqual(r.out, "")
                self.assertTrue(r.err.strip())
                self.assert_clean(r.err)
                if escaped:
                    self.assertRegex(r.err, escaped)
                self.assertLessEqual(len(r.err.splitlines()), 4, r.err)

    def test_tags_neutralised(self):
        """control characters in tags are escaped by show"""
        marker = "tagmark%s" % os.urandom(3).hex()
        self.ec.add_tags_to_resource(ResourceName=self.arn, Tags=[{"Key": "owner", "Value": marker + " \u009b2J\u202eevil\x7f"}])
        r = harness.run(self.sb.env, "show", "hyg-evil")
        j = harness.run(self.sb.env, "show", "hyg-evil", "--json")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn(marker, r.out)
        self.assertIn(marker, json.loads(j.out)["tags"]["owner"])
        self.assert_clean(r.out + r.err)
        self.assertTrue(all(ord(c) < 128 for c in j.out))

    def test_console_screen_neutralised(self):
        """C1 CSI/OSC, bidi override and DEL in a description: escaped on screen, window title untouched (tmux)"""
        with Console(self.env(HOME=self.home), ["--region", REGION], binary=harness.ELCUI) as c:
            title0 = c._tmux("display-message", "-p", "-t", "t", "#{pane_title}").stdout.strip()
            c.wait_for("hyg-evil", timeout=30)
            c.keys("/")
            c.literal("hyg-evil")
            c.keys("Enter")
            c.keys("Enter")
            scr = c.wait_for("gnp.exe", timeout=30)
            self.assertIn("31mred", scr)
            self.assert_clean(scr)
            self.assert_clean(c.screen(escapes=True).replace("\x1b[", "").replace("\x1b(B", ""))
            title = c._tmux("display-message", "-p", "-t", "t", "#{pane_title}").stdout.strip()
            self.assertNotIn("pwned", title)
            self.assertEqual(title, title0)
            c.keys("q")
            self.assertEqual(c.wait_exit(), 0)

    # ---- TLS verification ----

    def test_insecure_banner_for_the_whole_session(self):
        """--insecure banner on every screen, after resizes, and in the context screen (tmux)"""
        banner = "INSECURE: Redis TLS certificates are NOT verified"
        with Console(self.env(HOME=self.home), ["--insecure"], binary=harness.ELCUI) as c:
            c.wait_for(banner)
            c.wait_for("hyg-evil", timeout=30)
            c.keys("/")
            c.literal("hyg-evil")
            c.keys("Enter")
            c.keys("Enter")
            scr = c.wait_for("Placement", timeout=30)
            self.assertIn(banner, scr)
            c.resize(90, 20)
            time.sleep(0.3)
            self.assertIn("INSECURE", c.wait_for("INSECURE"))
            c.resize(120, 40)
            c.keys("Escape")
            c.keys("i")
            scr = c.wait_for("NOT VERIFIED (--insecure)", timeout=20)
            self.assertIn(banner, scr)
            c.keys("q")
            c.wait_exit()

    def test_insecure_only_from_the_flag(self):
        """no config key or environment variable turns TLS verification off"""
        with tempfile.TemporaryDirectory(prefix="elcui-hyg-cfg-") as d:
            cfg = os.path.join(d, "config")
            with open(cfg, "w") as f:
                f.write("[redis]\ninsecure = true\nverify = false\n[console]\ninsecure = yes\n")
            env = self.env(HOME=d, ELCUI_INSECURE="1", ELCUI_REDIS_INSECURE="1", ELCUI_TLS_VERIFY="0")
            r = harness.run(env, "--config", cfg, "ls")
            self.assertEqual(r.rc, 0, r)
            self.assertRegex(r.err, r"warning: .*insecure", "an unknown 'insecure' key is reported")
            with Console(env, ["--config", cfg], binary=harness.ELCUI) as c:
                c.wait_for("hyg-evil", timeout=30)
                self.assertNotIn("INSECURE", c.screen())
                c.keys("i")
                scr = c.wait_for("verified", timeout=20)
                self.assertNotIn("NOT VERIFIED", scr)
                c.keys("q")
                c.wait_exit()

    def test_insecure_warns_on_stderr_for_redis_commands(self):
        """Redis commands with --insecure warn on stderr (when exec/doctor/latency exist)"""
        cmds = [c for c in ("exec", "doctor", "latency") if has_command(c)]
        if not cmds:
            self.skipTest("no Redis command (exec, doctor, latency) in this build")
        for cmd in cmds:
            with self.subTest(cmd=cmd):
                r = harness.run(self.sb.env, "--insecure", cmd, "hyg-evil", timeout=90)
                self.assertRegex(r.err, r"(?i)insecure|not verified", r)
                self.assert_clean(r.out + r.err)
                r = harness.run(self.sb.env, cmd, "hyg-evil", timeout=90)
                self.assertNotRegex(r.err, r"(?i)not verified", r)

    # ---- files elcui creates ----

    def test_console_files_private_under_umask_0(self):
        """files the console creates are 0600 in 0700 folders even under umask 000"""
        with tempfile.TemporaryDirectory(prefix="elcui-hyg-state-") as d:
            state = os.path.join(d, "state")
            old = os.umask(0)
            try:
                c = Console(self.env(HOME=d, XDG_STATE_HOME=state), [], binary=harness.ELCUI).start()
            finally:
                os.umask(old)
            try:
                c.wait_for("hyg-evil", timeout=30)
                c.keys("q")
                c.wait_exit()
            finally:
                c.stop()
            created = []
            for dirpath, dirnames, filenames in os.walk(state):
                created.append((dirpath, True))
                created += [(os.path.join(dirpath, f), False) for f in filenames]
            self.assertTrue(any(not is_dir for _, is_dir in created), "the console wrote no file under XDG_STATE_HOME")
            for path, is_dir in created:
                mode = stat.S_IMODE(os.lstat(path).st_mode)
                self.assertEqual(mode & 0o077, 0, "%s has mode %04o" % (path, mode))

    # ---- no shell ----

    def test_no_user_data_reaches_a_shell(self):
        """no system()/popen()/sh -c; $PAGER/$EDITOR only through execvp"""
        nm = subprocess.run(["nm", "-D", "--undefined-only", harness.ELCUI], capture_output=True, text=True, timeout=60)
        self.assertEqual(nm.returncode, 0, nm.stderr)
        imported = set(re.findall(r"\bU (\w+)", nm.stdout))
        for fn in ("system", "popen", "execl", "execle", "execlp", "wordexp"):
            self.assertNotIn(fn, imported, "the binary imports %s()" % fn)
        pager_files = []
        sources = []
        for d in ("aws", "core", "tui"):
            for root, _, names in os.walk(os.path.join(TOP, d)):
                sources += [os.path.join(root, n) for n in names if n.endswith(".c")]
        self.assertGreater(len(sources), 50)
        for path in sorted(sources):
            with open(path, encoding="utf-8", errors="replace") as f:
                src = f.read()
            where = os.path.relpath(path, TOP)
            self.assertNotRegex(src, r"\b(system|popen)\s*\(", where)
            self.assertNotRegex(src, r'"/bin/sh"|"sh"\s*,\s*"-c"|"-c"\s*,', where)
            if re.search(r'getenv\("(PAGER|EDITOR|VISUAL)"\)', src):
                pager_files.append(where)
                # execvp here, or the console's one way to run a program
                # (app_run_external, itself checked to use execvp)
                self.assertRegex(src, r"\bexecvp\s*\(|\bposix_spawnp\s*\(|\bapp_run_external\s*\(",
                                 "%s uses $PAGER/$EDITOR without execvp" % where)
        with open(os.path.join(TOP, "tui", "app.c"), encoding="utf-8") as f:
            app = f.read()
        body = app[app.index("int app_run_external("):]
        body = body[:body.index("\n}\n")]
        self.assertRegex(body, r"\bexecvp\s*\(", "app_run_external runs programs with execvp")
        self.assertNotRegex(body, r'"/bin/sh"|"sh"|\bsystem\s*\(|\bpopen\s*\(')
        if pager_files:
            # a PAGER holding shell syntax is one program name, never a script
            with tempfile.TemporaryDirectory(prefix="elcui-hyg-pager-") as d:
                flag = os.path.join(d, "pwned")
                env = self.env(PAGER="cat; touch %s" % flag, EDITOR="true; touch %s" % flag, VISUAL="true; touch %s" % flag)
                harness.run(env, "show", "hyg-evil")
                self.assertFalse(os.path.exists(flag), "a shell ran $PAGER/$EDITOR")


if __name__ == "__main__":
    unittest.main()
