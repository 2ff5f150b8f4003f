"""The AWS config file rules of tests/unit/data/profile-rules.json, against
the AWS CLI's own parser, and the binary's behaviour on them.

- Every row says what the AWS CLI makes of its files ("same" as elcui, or
  its own result and why elcui deliberately differs). This runs botocore
  (the CLI's configloader and the session merge of both files, as `aws`
  does) on each row and checks the claim, so the table cannot drift from
  the CLI; tests/unit/test_profile.c checks elcui against the same rows.
- A malformed [services NAME] sub-section stops elcui with exit 1 and a
  message naming the file, the line and what is wrong, before any call:
  a listening socket given as the endpoint sees no connection.
- Ignored sections are named under -v, and the 'profile not found' error
  says why a section of that name was ignored.

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_profile_rules.py
"""

import json
import os
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(TOP, "tests", "unit", "data", "profile-rules.json")


def load_rules():
    with open(RULES, encoding="utf-8") as f:
        return json.load(f)["rules"]


def write_files(d, row):
    """The row's files in folder d; the paths (a missing file's path too)."""
    paths = {}
    for which in ("config", "credentials"):
        p = os.path.join(d, which)
        paths[which] = p
        if which in row:
            with open(p, "w", encoding="utf-8", newline="") as f:
                f.write(row[which])
            os.chmod(p, 0o600)
    return paths


def cli_view(paths):
    """What the AWS CLI reads from the files: botocore's merged profiles,
    services and sso-sessions, or the exception it raises."""
    import botocore.session

    old = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")}
    os.environ["AWS_CONFIG_FILE"] = paths["config"]
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = paths["credentials"]
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_DEFAULT_PROFILE", None)
    try:
        cfg = botocore.session.Session().full_config
        return {"profiles": cfg.get("profiles", {}), "services": cfg.get("services", {}), "sso_sessions": cfg.get("sso_sessions", {})}
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class RulesAgainstTheCli(unittest.TestCase):
    def test_every_row_says_what_the_cli_does(self):
        import botocore.exceptions

        rows = load_rules()
        self.assertGreaterEqual(len(rows), 25)
        names = [r["rule"] for r in rows]
        self.assertEqual(len(names), len(set(names)), "rule names repeat")
        differs = 0
        for row in rows:
            with self.subTest(rule=row["rule"]), tempfile.TemporaryDirectory() as d:
                self.assertTrue(row.get("says"), "the row says its rule")
                self.assertTrue(("error" in row) != ("profiles" in row), "a row expects profiles or an error")
                cli = row["cli"]
                if cli == "same":
                    want = row
                else:
                    self.assertIsInstance(cli, dict)
                    self.assertGreater(len(cli.get("why", "")), 40, "a difference says why")
                    want = cli
                    differs += 1
                paths = write_files(d, row)
                if want.get("error"):
                    with self.assertRaises(botocore.exceptions.ConfigParseError):
                        cli_view(paths)
                    continue
                got = cli_view(paths)
                if "profiles" in want:
                    self.assertEqual(got["profiles"], want["profiles"])
                for ns in ("services", "sso_sessions"):
                    for name, value in want.get(ns, {}).items():
                        self.assertEqual(got[ns].get(name), value, "%s %s" % (ns, name))
        self.assertGreaterEqual(differs, 5)


@harness.needs_binary
class BinaryOnBadFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elcui-profile-")
        self.addCleanup(lambda: __import__("shutil").rmtree(self.dir, ignore_errors=True))
        self.config = os.path.join(self.dir, "config")
        self.creds = os.path.join(self.dir, "credentials")
        for p in (self.config, self.creds):
            with open(p, "w") as f:
                f.write("")
            os.chmod(p, 0o600)
        # a listener where calls would go: it must see none
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.addCleanup(self.sock.close)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env = dict(base, HOME=self.dir, AWS_CONFIG_FILE=self.config, AWS_SHARED_CREDENTIALS_FILE=self.creds, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="not-a-secret-of-this-run", XDG_STATE_HOME=os.path.join(self.dir, "state"), XDG_CONFIG_HOME=os.path.join(self.dir, "cfg"))

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def assert_no_connection(self):
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return
        conn.close()
        self.fail("elcui connected to the endpoint")

    def test_malformed_services_subsection_stops_before_any_call(self):
        self.write(self.config, "[default]\nregion = us-east-2\nservices = local\n\n[services local]\nelasticache =\n  endpoint_url %s\n" % self.url)
        for args in (("whoami",), ("ls",), ("ls", "--json")):
            with self.subTest(args=args):
                r = harness.run(self.env, *args, timeout=30)
                self.assertEqual(r.rc, 1, r)
                self.assertIn("%s line 7:" % self.config, r.err)
                self.assertIn("'elasticache' in [services local] has a sub-setting without '='", r.err)
                self.assertEqual(r.out, "")
                self.assert_no_connection()

    def test_well_formed_services_subsection_is_used(self):
        # the same file with '=': the call goes to the configured endpoint
        self.write(self.config, "[default]\nregion = us-east-2\nservices = local\n\n[services local]\nelasticache =\n  endpoint_url = %s\n" % self.url)
        r = harness.run(self.env, "--max-attempts", "1", "--timeout", "2", "ls", timeout=30)
        self.assertEqual(r.rc, 1, r)  # nothing answers on the listener
        conn, _ = self.accept_within(5)
        conn.close()

    def accept_within(self, seconds):
        import select

        r, _, _ = select.select([self.sock], [], [], seconds)
        self.assertTrue(r, "elcui never connected to the configured endpoint")
        return self.sock.accept()

    def test_ignored_sections_named_under_verbose_and_when_not_found(self):
        self.write(self.config, "[default]\nregion = us-east-2\n[profile ops team]\nregion = eu-west-1\n")
        self.write(self.creds, "[profile ops]\naws_access_key_id = AKIDEXAMPLE\n")
        r = harness.run(self.env, "--profile", "ops", "whoami", timeout=30)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("profile 'ops' is not in %s or %s" % (self.config, self.creds), r.err)
        self.assertIn("[profile ops] on line 1 of %s is ignored: the credentials file names profiles [NAME]" % self.creds, r.err)
        self.assert_no_connection()
        # -v names every ignored section (no call made: the profile is unknown)
        r = harness.run(self.env, "-v", "--profile", "nope", "whoami", timeout=30)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("[profile ops team] on line 3 of %s is ignored" % self.config, r.err)
        self.assertIn("[profile ops] on line 1 of %s is ignored" % self.creds, r.err)
        # without -v, not a word about them
        r = harness.run(self.env, "--profile", "nope", "whoami", timeout=30)
        self.assertNotIn("ops team", r.err)


if __name__ == "__main__":
    unittest.main()
