"""The console's create wizard and destroy dialog, driven in tmux against
one sandbox (moto extended, real TLS redis-server for every group made).

- End to end with the seed's values: the wizard creates the stack; boto3
  checks every resource and its values (VPC CIDR, the four subnets, subnet
  group, security-group rule from the VPC CIDR on 6379, key policy with
  logs.us-east-2, both log groups with the key, the secret's 128-character
  token, the 3x2 Multi-AZ TLS+AUTH group with JSON log delivery, SSM
  SecureString parameters, the two exact-ARN IAM policies); then `elcui
  exec` on the new group runs SET/GET on every shard with the generated
  token. Golden text snapshots of the review and summary pages.
- Each kind of invalid input shows its message at the field, and next is
  refused while the page has an error; nothing reaches AWS.
- The existing-VPC path lists the sandbox's VPCs and subnets (with zones),
  refuses subnets of one zone, and builds the group in the ones picked.
- elcui killed (SIGKILL) during apply, reopened: the wizard offers to resume
  and completes with no duplicate key, secret or log group.
- The destroy dialog, opened with D on the group's screen, removes
  everything the stack made and nothing else.

GOLDEN_UPDATE=1 rewrites tests/integration/golden/wizard-*.txt.
"""

import binascii
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from tmux import Console  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "tools"))
import secretlog  # noqa: E402

GOLDEN = os.path.join(HERE, "golden")
STACK_TAG = "elcui:stack"
TOKEN_RE = re.compile(r"^[A-Za-z0-9!&#$^<>\-]{128}$")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
SHARD_RANGES = [(0, 5461), (5462, 10922), (10923, 16383)]


def tags_of(items, key="Key", value="Value"):
    return {t[key]: t[value] for t in items or []}


def key_for_shard(shard, prefix):
    lo, hi = SHARD_RANGES[shard]
    for i in range(100000):
        k = "%s:%d:%d" % (prefix, shard, i)
        if lo <= binascii.crc_hqx(k.encode(), 0) % 16384 <= hi:
            return k
    raise AssertionError("no key for shard %d" % shard)


def normalise(text):
    """Volatile parts of a screen out: ids, times, ports, endpoint hashes."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"\b(vpc|subnet|sg|rtb)-[0-9a-f]{8,}\b", r"\1-ID", line)
        line = re.sub(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "UUID", line)
        line = re.sub(r"(elasticache-auth)-[A-Za-z0-9]{6}\b", r"\1-XXXXXX", line)
        line = re.sub(r"\.[0-9a-f]{6}\.use2\.", ".ID.use2.", line)
        line = re.sub(r"(127\.0\.0\.1|localhost):\d{4,5}", r"\1:PORT", line)
        line = re.sub(r" -p \d{4,5} ", " -p PORT ", line)
        line = re.sub(r"\b\d+(\.\d+)? (ms|s)\b", "T", line)
        line = re.sub(r"\b\d+m \d\ds\b", "T", line)
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


@harness.needs_binary
class Wizard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=True, create_delay=0)
        # under make check in the scratch folder, which the hygiene stage
        # scans (journals, exports, the consoles' stderr) and keeps
        cls.scratch = os.environ.get("ELCUI_CHECK_SCRATCH")
        cls.tmp = tempfile.mkdtemp(prefix="elcui-wizard-", dir=cls.scratch)
        cls.state = os.path.join(cls.tmp, "state")
        os.makedirs(cls.state)
        cls.env = harness.env_with(
            cls.sb.env,
            HOME=cls.tmp,
            XDG_STATE_HOME=cls.state,
            ELCUI_POLL_MS="200",
            ELCUI_POLL_MAX_MS="400",
            ELCUI_BACKOFF_MS="100",
        )
        cls.c = {n: cls.sb.client(n) for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam", "sts")}
        cls.account = cls.c["sts"].get_caller_identity()["Account"]
        cls.tokens = []

    @classmethod
    def tearDownClass(cls):
        try:
            # the token never reached a screen, a file elcui wrote or its stderr
            for root, _, files in os.walk(cls.tmp):
                for f in files:
                    with open(os.path.join(root, f), "rb") as fh:
                        data = fh.read()
                    for t in cls.tokens:
                        assert t.encode() not in data, "a token in %s" % f
        finally:
            cls.sb.stop()
            if not cls.scratch:
                shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers ----------------------------------------------------------------
    def setUp(self):
        # each test its own state (journals): a test's stack is not offered
        # to the next for resume
        self.state = tempfile.mkdtemp(prefix="state-", dir=self.tmp)
        self.env = dict(type(self).env, XDG_STATE_HOME=self.state)

    def wait_screen(self, c, pred, what, timeout=20):
        deadline = time.monotonic() + timeout
        scr = ""
        while time.monotonic() < deadline:
            scr = c.screen()
            if pred(scr):
                return scr
            time.sleep(0.05)
        raise AssertionError("never saw %s; last screen:\n%s" % (what, scr))

    def console(self, args=(), cols=140, rows=50, **env):
        c = Console(dict(self.env, **env), list(args), cols=cols, rows=rows)
        self.addCleanup(c.stop)
        return c.start()

    def check_stderr(self, c):
        log = c.stderr_log()
        for m in SANITIZER_MARKS:
            self.assertNotIn(m, log)

    def elcui(self, *args, timeout=180):
        r = harness.run(self.env, *args, timeout=timeout)
        for m in SANITIZER_MARKS:
            self.assertNotIn(m, r.err, r)
        return r

    def open_wizard(self, c):
        c.wait_for("Replication groups")
        c.keys("c")
        c.wait_for("1/9 Account and region")

    def page(self, c, n, title):
        c.keys("C-n")
        return c.wait_for("%d/9 %s" % (n, title))

    def field_line(self, screen, label):
        for line in screen.splitlines():
            if re.match(r"^ [> ] %s(?=\s|$)" % re.escape(label), line):
                return line
        raise AssertionError("no field %r on the screen:\n%s" % (label, screen))

    def focus(self, c, label, limit=40):
        """Move the focus to the field labelled so, a key at a time, Tab when
        it is below the focused field and S-Tab when above (a key whose frame
        a capture missed can only overshoot, and the next step comes back).
        Each step reads the fields from a settled screen: two captures with
        the same focused field (a capture may fall between a frame's first
        and last rows)."""
        field = re.compile(r"^ ([> ]) (\S(?:.*?\S)?)(?=\s{2,}|$)", re.M)

        def settled():
            deadline = time.monotonic() + 10
            prev = None
            while time.monotonic() < deadline:
                scr = c.screen()
                rows = field.findall(scr)
                cur = [name for mark, name in rows if mark == ">"]
                now = (tuple(name for _, name in rows), cur[0] if len(cur) == 1 else None)
                if now[1] is not None and now == prev:
                    return now, scr
                prev = now
                time.sleep(0.05)
            raise AssertionError("no settled focus:\n%s" % c.screen())

        for _ in range(limit):
            (names, cur), scr = settled()
            if cur == label:
                return scr
            if label not in names:
                raise AssertionError("no field %r on the screen:\n%s" % (label, scr))
            c.keys("Tab" if names.index(label) > names.index(cur) else "BTab")
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and settled()[0][1] == cur:
                time.sleep(0.05)
        raise AssertionError("never focused %r:\n%s" % (label, c.screen()))

    def retype(self, c, label, text):
        self.focus(c, label)
        c.keys("C-u")
        if text:
            c.literal(text)

    def golden(self, name, text):
        path = os.path.join(GOLDEN, "wizard-%s.txt" % name)
        got = normalise(text)
        if os.environ.get("GOLDEN_UPDATE") == "1":
            os.makedirs(GOLDEN, exist_ok=True)
            with open(path, "w") as f:
                f.write(got)
        with open(path) as f:
            want = f.read()
        self.assertEqual(got, want, "%s differs from %s (GOLDEN_UPDATE=1 rewrites it)" % (name, path))

    def apply_from_review(self, c, name):
        c.keys("C-n")
        c.wait_for("Type %s to confirm" % name)
        c.literal(name)
        c.keys("Enter")
        c.wait_for("8/9 Apply")

    def wait_summary(self, c, name, timeout=120):
        return c.wait_for("Stack %s is ready" % name, timeout=timeout)

    def stack_keys(self, name):
        kms = self.c["kms"]
        out = []
        for k in kms.list_keys()["Keys"]:
            tags = tags_of(kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags"), "TagKey", "TagValue")
            meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            if tags.get(STACK_TAG) == name and meta["KeyState"] != "PendingDeletion":
                out.append(meta)
        return out

    def secrets(self, name):
        return [s for s in self.c["secretsmanager"].list_secrets()["SecretList"] if tags_of(s.get("Tags")).get(STACK_TAG) == name]

    def log_groups(self, name):
        return [g["logGroupName"] for g in self.c["logs"].describe_log_groups(logGroupNamePrefix="/elasticache/%s/" % name)["logGroups"]]

    def inventory(self):
        """Everything of the account a stack could have touched."""
        ec2, kms = self.c["ec2"], self.c["kms"]
        keys = sorted(k["KeyId"] for k in kms.list_keys()["Keys"] if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion")
        return {
            "vpcs": sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]),
            "subnets": sorted(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]),
            "sgs": sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]),
            "rtbs": sorted(t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]),
            "keys": keys,
            "aliases": sorted(a["AliasName"] for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")),
            "log_groups": sorted(g["logGroupName"] for g in self.c["logs"].describe_log_groups()["logGroups"]),
            "secrets": sorted(s["Name"] for s in self.c["secretsmanager"].list_secrets()["SecretList"]),
            "params": sorted(p["Name"] for p in self.c["ssm"].describe_parameters()["Parameters"]),
            "policies": sorted(p["PolicyName"] for p in self.c["iam"].list_policies(Scope="Local")["Policies"]),
            "groups": sorted(g["ReplicationGroupId"] for g in self.c["elasticache"].describe_replication_groups()["ReplicationGroups"]),
            "subnet_groups": sorted(g["CacheSubnetGroupName"] for g in self.c["elasticache"].describe_cache_subnet_groups()["CacheSubnetGroups"]),
        }

    # ---- the seed's stack, end to end -------------------------------------------
    def test_seed_stack_end_to_end(self):
        name = "wiz-e2e"
        c = self.console()
        self.open_wizard(c)
        self.page(c, 2, "Name and sizing")
        c.literal(name)
        c.wait_for("secret %s-elasticache-auth" % name)  # derived names, live
        for n, title in ((3, "Network"), (4, "Security"), (5, "Logs"), (6, "Best practices")):
            self.page(c, n, title)
        self.page(c, 7, "Review")
        scr = c.wait_for("Monthly cost      ", timeout=30)
        scr = c.wait_for("24 to create, 0 to change", timeout=30)
        if "pricing..." in scr:
            scr = c.wait_gone("pricing...", timeout=30)
        self.golden("review", scr)
        # exports from the review: Terraform (the default), then the spec file
        out = os.path.join(self.tmp, "export")
        c.keys("x")
        c.wait_for("Export the plan")
        c.keys("Tab", "C-u")
        c.literal(os.path.join(out, "tf"))
        c.keys("Enter")
        c.wait_for("exported terraform")
        self.assertTrue(os.path.exists(os.path.join(out, "tf", "elasticache.tf")))
        with open(os.path.join(out, "tf", "elasticache.tf")) as f:
            self.assertIn('replication_group_id', f.read())
        c.keys("x")
        c.wait_for("Export the plan")
        c.keys("Right", "Right")  # terraform -> cli -> spec
        c.wait_for("< spec >")
        c.keys("Tab", "C-u")
        c.literal(os.path.join(out, "spec"))
        c.keys("Enter")
        c.wait_for("exported spec")
        spec_files = os.listdir(os.path.join(out, "spec"))
        self.assertEqual(len(spec_files), 1)
        r = self.elcui("create", "--spec", os.path.join(out, "spec", spec_files[0]), "--print-spec")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("name = %s" % name, r.out)
        self.assertIn("shards = 3", r.out)
        self.apply_from_review(c, name)
        scr = c.wait_for("replication-group", timeout=30)
        scr = self.wait_summary(c, name)
        self.golden("summary", scr)
        self.assertIn("elcui --region us-east-2 exec %s -- PING" % name, scr)
        g = self.c["elasticache"].describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
        ep = g["ConfigurationEndpoint"]
        self.assertIn("redis-cli -c --tls -h %s -p %d --askpass" % (ep["Address"], ep["Port"]), scr)
        self.assertIn("Configuration endpoint %s:%d" % (ep["Address"], ep["Port"]), scr)

        # ---- every resource and its values ----
        ec2, ec, kms, logs, sm, ssm, iam = (self.c[n] for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam"))
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:" + STACK_TAG, "Values": [name]}])["Vpcs"]
        self.assertEqual(len(vpcs), 1)
        vpc_id = vpcs[0]["VpcId"]
        self.assertEqual(vpcs[0]["CidrBlock"], "10.20.32.0/25")
        subnets = {tags_of(s["Tags"])["Name"]: s for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]}
        expect = {
            name + "-private-1": ("10.20.32.0/27", "us-east-2a"),
            name + "-private-2": ("10.20.32.32/27", "us-east-2b"),
            name + "-private-3": ("10.20.32.64/27", "us-east-2c"),
            name + "-public-1": ("10.20.32.96/27", "us-east-2a"),
        }
        self.assertEqual(sorted(subnets), sorted(expect))
        for n, (cidr, az) in expect.items():
            self.assertEqual((subnets[n]["CidrBlock"], subnets[n]["AvailabilityZone"]), (cidr, az))
        sng = ec.describe_cache_subnet_groups(CacheSubnetGroupName=name + "-cache-subnet")["CacheSubnetGroups"][0]
        self.assertEqual(sorted(s["SubnetIdentifier"] for s in sng["Subnets"]), sorted(subnets[name + "-private-%d" % i]["SubnetId"] for i in (1, 2, 3)))
        sg = [g for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"] if g["GroupName"] == name + "-elasticache-sg"][0]
        rule = sg["IpPermissions"]
        self.assertEqual([(r["IpProtocol"], r["FromPort"], r["ToPort"], [x["CidrIp"] for x in r["IpRanges"]]) for r in rule], [("tcp", 6379, 6379, ["10.20.32.0/25"])])
        rest = kms.describe_key(KeyId="alias/%s-encryption-rest" % name)["KeyMetadata"]
        pol = json.loads(kms.get_key_policy(KeyId=rest["KeyId"], PolicyName="default")["Policy"])
        logs_st = [s for s in pol["Statement"] if s.get("Principal") == {"Service": "logs.us-east-2.amazonaws.com"}]
        self.assertEqual(len(logs_st), 1)
        arn = "arn:aws:logs:us-east-2:%s:log-group:/elasticache/%s/%%s" % (self.account, name)
        self.assertEqual(logs_st[0]["Condition"], {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [arn % "slow-log", arn % "engine-log"]}})
        for lt in ("slow-log", "engine-log"):
            g = [x for x in logs.describe_log_groups(logGroupNamePrefix="/elasticache/%s/%s" % (name, lt))["logGroups"]]
            self.assertEqual(len(g), 1)
            self.assertEqual(g[0]["kmsKeyId"], rest["Arn"])
            self.assertEqual(g[0]["retentionInDays"], 365)
        token = sm.get_secret_value(SecretId=name + "-elasticache-auth")["SecretString"]
        self.tokens.append(token)
        self.assertTrue(TOKEN_RE.match(token))
        self.assertNotIn(token, c.screen(history=True))
        g = ec.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
        self.assertEqual(g["Status"], "available")
        self.assertEqual(len(g["NodeGroups"]), 3)
        self.assertTrue(all(len(ng["NodeGroupMembers"]) == 3 for ng in g["NodeGroups"]))
        self.assertEqual((g["MultiAZ"], g["AutomaticFailover"]), ("enabled", "enabled"))
        self.assertTrue(g["TransitEncryptionEnabled"] and g["AuthTokenEnabled"] and g["AtRestEncryptionEnabled"])
        self.assertEqual(g["KmsKeyId"], rest["Arn"])
        ld = sorted((x["LogType"], x["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"], x["LogFormat"]) for x in g["LogDeliveryConfigurations"])
        self.assertEqual(ld, [("engine-log", "/elasticache/%s/engine-log" % name, "json"), ("slow-log", "/elasticache/%s/slow-log" % name, "json")])
        for p in ("endpoint", "port"):
            prm = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/elasticache/%s/%s/%s" % (name, name, p)]}])["Parameters"]
            self.assertEqual(len(prm), 1)
            self.assertEqual(prm[0]["Type"], "SecureString")
        self.assertEqual(ssm.get_parameter(Name="/elasticache/%s/%s/endpoint" % (name, name), WithDecryption=True)["Parameter"]["Value"], g["ConfigurationEndpoint"]["Address"])
        sec_arn = sm.describe_secret(SecretId=name + "-elasticache-auth")["ARN"]
        sec_key = kms.describe_key(KeyId="alias/%s-encryption-secret" % name)["KeyMetadata"]["Arn"]
        parn = "arn:aws:ssm:us-east-2:%s:parameter/elasticache/%s/%s/" % (self.account, name, name)
        for pname, stmt in (("%s-ssm-parameter-read-policy" % name, [["ssm:GetParameters", "ssm:GetParameter"], [parn + "endpoint", parn + "port"], rest["Arn"]]),
                            ("%s-secret-read-policy" % name, [["secretsmanager:GetSecretValue"], [sec_arn], sec_key])):
            p = iam.get_policy(PolicyArn="arn:aws:iam::%s:policy/%s" % (self.account, pname))["Policy"]
            doc = iam.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])["PolicyVersion"]["Document"]
            doc = json.loads(doc) if isinstance(doc, str) else doc
            self.assertEqual(doc["Statement"], [{"Effect": "Allow", "Action": stmt[0], "Resource": stmt[1]}, {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [stmt[2]]}])

        # ---- the group answers on every shard with the generated token ----
        for shard in range(3):
            key = key_for_shard(shard, "wiz")
            r = self.elcui("exec", name, "--json", "--", "SET", key, "v%d" % shard, timeout=60)
            self.assertEqual(r.rc, 0, r)
            rec = json.loads(r.out.splitlines()[0])
            self.assertEqual(rec["reply"], {"status": "OK"})
            self.assertEqual(rec["shard"], "%04d" % (shard + 1))
            r = self.elcui("exec", name, "--json", "--", "GET", key, timeout=60)
            self.assertEqual(json.loads(r.out.splitlines()[0])["reply"], "v%d" % shard)
            self.assertNotIn(token, r.out + r.err)
        c.keys("q")
        self.assertEqual(c.wait_exit(), 0)
        self.check_stderr(c)

    # ---- invalid input at its field ----------------------------------------------
    def test_invalid_input_shows_at_the_field(self):
        self.sb.reset_counters()
        conf = os.path.join(self.tmp, "config-prod")
        os.makedirs(os.path.join(conf, "elcui"), exist_ok=True)
        with open(os.path.join(conf, "elcui", "config"), "w") as f:
            f.write("[environments]\ndefault = PRODUCTION, red\n")
        c = self.console(XDG_CONFIG_HOME=conf)
        self.open_wizard(c)
        c.wait_for("This is a production environment")
        scr = c.wait_for("arn:aws:iam::%s:user/" % self.account)  # STS answers in the background
        self.assertIn("Credentials           environment", scr)
        self.page(c, 2, "Name and sizing")
        c.literal("a-name-that-is-far-too-long-for-any-group-id")
        scr = c.wait_for("use at most 40")
        self.assertNotIn("has no name", scr)
        self.field_following(scr, "Name stem", "is 44 characters")
        c.keys("C-n")  # refused: the page has an error
        time.sleep(0.3)
        self.assertIn("2/9 Name and sizing", c.screen())
        self.retype(c, "Name stem", "wiz-bad")
        c.wait_gone("use at most 40")
        self.page(c, 3, "Network")
        self.retype(c, "VPC CIDR", "10.20.32.1/25")
        scr = c.wait_for("is not an IPv4 CIDR with its host bits clear")
        self.assertIn("10.20.32.1/25", self.field_following(scr, "VPC CIDR"))
        c.keys("C-n")
        time.sleep(0.3)
        self.assertIn("3/9 Network", c.screen())
        self.retype(c, "VPC CIDR", "10.20.32.0/25")
        c.wait_gone("host bits")
        # every cache subnet in one zone: too few zones for Multi-AZ
        self.retype(c, "Zones", "us-east-2a")
        scr = c.wait_for("Multi-AZ needs the cache subnets in at least 2 zones")
        self.field_following(scr, "Zones", "Multi-AZ needs")
        self.retype(c, "Zones", "")
        c.wait_gone("Multi-AZ needs")
        self.page(c, 4, "Security")
        self.focus(c, "AUTH token")
        c.keys("Right")  # typed, twice
        c.wait_for("Token again")
        self.focus(c, "Token")
        c.literal("Short-1")
        scr = c.wait_for("has 7 characters; it needs 16 to 128")
        self.assertNotIn("Short-1", scr)  # masked
        self.field_following(scr, "Token", "*******")
        c.keys("C-u")
        c.literal("abcdefghijklmnop@Secret")
        scr = c.wait_for("not allowed at position 17")
        self.assertNotIn("abcdefghijklmnop", scr)
        c.keys("C-u")
        typed = "Wiz-%s-token" % binascii.hexlify(os.urandom(8)).decode()
        secretlog.record(typed, "wizard test: a typed AUTH token")
        self.tokens.append(typed)
        c.literal(typed)
        c.wait_gone("not allowed")
        self.assertNotIn(typed, c.screen())
        self.focus(c, "Token again")
        c.literal(typed[:-1])
        c.wait_for("the two entries differ")
        c.literal(typed[-1])
        c.wait_gone("the two entries differ")
        self.page(c, 5, "Logs")
        self.retype(c, "Retention (days)", "366")
        scr = c.wait_for("366 is not a retention CloudWatch Logs offers")
        self.field_following(scr, "Retention (days)", "not a retention")
        c.keys("C-n")
        time.sleep(0.3)
        self.assertIn("5/9 Logs", c.screen())
        # back and forth keeps what was typed
        c.keys("C-p")
        c.wait_for("4/9 Security")
        c.keys("C-p", "C-p")
        scr = c.wait_for("2/9 Name and sizing")
        self.assertIn("wiz-bad", self.field_line(scr, "Name stem"))
        # forward again to the review: the plan is made (reads only)
        for n, title in ((3, "Network"), (4, "Security"), (5, "Logs")):
            self.page(c, n, title)
        self.assertIn("366", self.field_line(c.screen(), "Retention (days)"))
        self.retype(c, "Retention (days)", "365")
        c.wait_gone("not a retention")
        for n, title in ((6, "Best practices"), (7, "Review")):
            self.page(c, n, title)
        c.wait_for("24 to create, 0 to change", timeout=30)
        # Esc asks; leaving changes nothing in AWS
        c.keys("Escape")
        c.wait_for("Leave the create wizard?")
        c.keys("Enter")
        c.wait_for("Replication groups")
        ops = self.sb.counters()["requests"]["operations"]
        self.assertTrue(all(re.match(r"^(Describe|Get|List)", k.split(":", 1)[1]) for k in ops), ops)
        c.keys("q")
        self.assertEqual(c.wait_exit(), 0)
        self.check_stderr(c)

    def field_following(self, screen, label, want=None):
        """The lines of a field: its own and those under it up to the next field."""
        lines = screen.splitlines()
        for i, l in enumerate(lines):
            if re.match(r"^ [> ] %s(?=\s|$)" % re.escape(label), l):
                block = [l]
                for m in lines[i + 1:]:
                    if re.match(r"^ [> ] \S", m) or not m.strip():
                        break
                    block.append(m)
                text = "\n".join(block)
                if want:
                    self.assertIn(want, text)
                return text
        raise AssertionError("no field %r:\n%s" % (label, screen))

    # ---- an existing VPC --------------------------------------------------------------
    def test_existing_vpc_path(self):
        ec2 = self.c["ec2"]
        vpc = ec2.create_vpc(CidrBlock="10.60.0.0/24", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "wiz-shared"}]}])["Vpc"]["VpcId"]
        sn = {}
        for cidr, az in (("10.60.0.0/27", "us-east-2a"), ("10.60.0.32/27", "us-east-2a"), ("10.60.0.64/27", "us-east-2b"), ("10.60.0.96/27", "us-east-2c")):
            sn[cidr] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
        order = sorted(sn.items(), key=lambda x: (x[0].split(".")[3]))  # the wizard lists by zone, then CIDR
        name = "wiz-vpc"
        c = self.console()
        # the account's VPCs cannot be read: the field says why
        self.sb.server_error(503, service="ec2", operation="DescribeVpcs")
        try:
            self.open_wizard(c)
            self.page(c, 2, "Name and sizing")
            c.literal(name)
            self.page(c, 3, "Network")
            c.keys("Right")
            self.field_following(c.wait_for("the VPCs could not be read", timeout=30), "VPC", "503")
        finally:
            self.sb.reset_faults()
        c.keys("Escape")
        c.wait_for("Leave the create wizard?")
        c.keys("Enter")
        self.open_wizard(c)
        self.page(c, 2, "Name and sizing")
        c.literal(name)
        self.retype(c, "Shards", "1")
        self.retype(c, "Replicas per shard", "1")
        self.page(c, 3, "Network")
        c.keys("Right")  # an existing VPC
        scr = c.wait_for("pick the VPC")
        self.focus(c, "VPC")
        for _ in range(10):
            if re.search(r"^ > VPC\s+< %s " % vpc, c.screen(), re.M):
                break
            c.keys("Right")
            time.sleep(0.1)
        scr = c.wait_for("< %s  10.60.0.0/24  wiz-shared >" % vpc)
        self.focus(c, "Cache subnets")
        scr = c.wait_for(sn["10.60.0.96/27"])
        # every subnet of the VPC with its zone
        for cidr, sid in sn.items():
            line = [l for l in scr.splitlines() if sid in l][0]
            self.assertIn(cidr, line)
            self.assertRegex(line, r"us-east-2[abc]")
        # the two of zone a: refused for Multi-AZ
        c.keys("Space", "Right", "Space")
        scr = c.wait_for("they are all in us-east-2a")
        c.keys("C-n")
        time.sleep(0.3)
        self.assertIn("3/9 Network", c.screen())
        c.keys("Space", "Right", "Space")  # drop the second, pick zone b's
        scr = c.wait_for("2 cache subnets in 2 zones (us-east-2a, us-east-2b)")
        self.assertIn("enough for Multi-AZ", scr)
        for n, title in ((4, "Security"), (5, "Logs"), (6, "Best practices"), (7, "Review")):
            self.page(c, n, title)
        scr = c.wait_for("0 to change", timeout=30)
        self.assertRegex(scr, r"reuse\s+vpc\s+%s" % name)
        self.apply_from_review(c, name)
        self.wait_summary(c, name)
        ec, ec2 = self.c["elasticache"], self.c["ec2"]
        sng = ec.describe_cache_subnet_groups(CacheSubnetGroupName=name + "-cache-subnet")["CacheSubnetGroups"][0]
        self.assertEqual(sng["VpcId"], vpc)
        self.assertEqual(sorted(s["SubnetIdentifier"] for s in sng["Subnets"]), sorted([sn["10.60.0.0/27"], sn["10.60.0.64/27"]]))
        sg = [g for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"] if g["GroupName"] == name + "-elasticache-sg"][0]
        self.assertEqual(sg["IpPermissions"][0]["IpRanges"][0]["CidrIp"], "10.60.0.0/24")
        g = ec.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
        self.assertEqual(g["Status"], "available")
        self.assertEqual(len(g["MemberClusters"]), 2)
        # no VPC or subnet was made
        self.assertEqual(ec2.describe_vpcs(Filters=[{"Name": "tag:" + STACK_TAG, "Values": [name]}])["Vpcs"], [])
        self.assertEqual(len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]), 4)
        c.keys("q")
        self.assertEqual(c.wait_exit(), 0)
        self.check_stderr(c)

    # ---- killed during apply, resumed ------------------------------------------------
    def elcui_pid(self, c):
        pane = c._tmux("display-message", "-p", "-t", "t", "#{pane_pid}").stdout.strip()
        with open("/proc/%s/task/%s/children" % (pane, pane)) as f:
            kids = f.read().split()
        self.assertTrue(kids, "no elcui under the pane")
        return int(kids[0])

    def test_killed_during_apply_resumes(self):
        name = "wiz-kill"
        self.sb.configure(create_delay=8)  # the group takes its time: elcui is killed meanwhile
        try:
            c = self.console()
            self.open_wizard(c)
            self.page(c, 2, "Name and sizing")
            c.literal(name)
            self.retype(c, "Shards", "1")
            self.retype(c, "Replicas per shard", "1")
            for n, title in ((3, "Network"), (4, "Security"), (5, "Logs"), (6, "Best practices"), (7, "Review")):
                self.page(c, n, title)
            c.wait_for("0 to change", timeout=30)
            self.apply_from_review(c, name)
            c.wait_for("status creating", timeout=60)
            os.kill(self.elcui_pid(c), signal.SIGKILL)
            st = None
            deadline = time.monotonic() + 10
            while st is None and time.monotonic() < deadline:
                st = c.dead()
                time.sleep(0.05)
            self.assertEqual(st, 128 + signal.SIGKILL)
        finally:
            self.sb.configure(create_delay=0)
        # the journal says applying; the wizard offers to resume
        with open(os.path.join(self.state, "elcui", "stacks", name + ".json")) as f:
            self.assertEqual(json.load(f)["state"], "applying")
        c = self.console()
        c.wait_for("Replication groups")
        c.keys(":")
        c.literal("create")
        c.keys("Enter")
        c.wait_for("Resume an interrupted apply?")
        c.wait_for("The apply of stack %s" % name)
        c.keys("Enter")
        scr = c.wait_for("7/9 Review", timeout=30)
        scr = c.wait_for("to keep", timeout=30)
        self.assertIn("(resumed)", scr)
        plan = re.search(r"(\d+) to create, (\d+) to change, (\d+) to keep", scr)
        self.assertGreater(int(plan.group(3)), 10, scr)  # what was made is kept
        self.apply_from_review(c, name)
        self.wait_summary(c, name)
        c.keys("q")
        self.assertEqual(c.wait_exit(), 0)
        self.check_stderr(c)
        # nothing twice
        self.assertEqual(sorted(k["Description"] for k in self.stack_keys(name)), ["Key to encrypt cache at rest.", "Key to encrypt secret"])
        self.assertEqual(len(self.secrets(name)), 1)
        self.assertEqual(sorted(self.log_groups(name)), ["/elasticache/%s/engine-log" % name, "/elasticache/%s/slow-log" % name])
        self.assertEqual(len(self.c["ec2"].describe_vpcs(Filters=[{"Name": "tag:" + STACK_TAG, "Values": [name]}])["Vpcs"]), 1)
        self.assertEqual(self.c["elasticache"].describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]["Status"], "available")
        with open(os.path.join(self.state, "elcui", "stacks", name + ".json")) as f:
            self.assertEqual(json.load(f)["state"], "applied")

    # ---- a failure stops what depends on it; retry finishes ----------------------
    def test_failure_blocks_dependants_and_retry_finishes(self):
        name = "wiz-fail"
        self.sb.server_error(500, service="elasticache", operation="CreateReplicationGroup", count=1)
        try:
            c = self.console()
            self.open_wizard(c)
            self.page(c, 2, "Name and sizing")
            c.literal(name)
            self.retype(c, "Shards", "1")
            self.retype(c, "Replicas per shard", "1")
            for n, title in ((3, "Network"), (4, "Security"), (5, "Logs"), (6, "Best practices"), (7, "Review")):
                self.page(c, n, title)
            c.wait_for("0 to change", timeout=30)
            self.apply_from_review(c, name)
            scr = self.wait_screen(c, lambda s: "1 failed, 4 blocked" in s and re.search(r"^ replication-group .* failed ", s, re.M), "the failure", timeout=60)
        finally:
            self.sb.reset_faults()  # a used count=1 rule is gone already
        rg = [l for l in scr.splitlines() if l.startswith(" replication-group ")][0]
        self.assertIn("failed", rg)
        self.assertIn("CreateReplicationGroup", rg)
        for dep in ("ssm.endpoint", "ssm.port", "iam.ssm-read"):
            self.assertIn("blocked", [l for l in scr.splitlines() if l.startswith(" %s " % dep)][0])
        self.assertIn("r: retry", scr)
        # the error in full, with its request id, in :messages
        c.keys(":")
        c.literal("messages")
        c.keys("Enter")
        msgs = c.wait_for("request id")
        self.assertIn("CreateReplicationGroup", msgs)
        c.keys("Escape")
        c.wait_for("8/9 Apply")
        self.sb.configure(create_delay=4)  # time to stop it while the group is made
        try:
            c.keys("r")
            c.wait_for("status creating", timeout=60)
            # Esc asks; stopping keeps what was made, r goes on
            c.keys("Escape")
            c.wait_for("Stop the apply?")
            c.keys("Enter")
            # the status line and the message under it (a capture may come
            # between the status line and the dialog's erasing)
            scr = c.wait_for("what was made stays", timeout=10)
            self.assertIn("stopped:", scr)
            with open(os.path.join(self.state, "elcui", "stacks", name + ".json")) as f:
                self.assertEqual(json.load(f)["state"], "applying")
            c.keys("r")
            self.wait_summary(c, name)
        finally:
            self.sb.configure(create_delay=0)
        self.assertEqual(self.c["elasticache"].describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]["Status"], "available")
        self.assertEqual(len(self.secrets(name)), 1)
        c.keys("q")
        self.assertEqual(c.wait_exit(), 0)
        self.check_stderr(c)

    # ---- the destroy dialog ----------------------------------------------------------
    def test_destroy_dialog_removes_the_stack_and_nothing_else(self):
        name = "wiz-del"
        before = self.inventory()
        # something of the same names that is not the stack's
        self.c["logs"].create_log_group(logGroupName="/elasticache/%s/other" % name)
        before["log_groups"] = sorted(before["log_groups"] + ["/elasticache/%s/other" % name])
        r = self.elcui("create", "--name", name, "--shards", "1", "--replicas", "1", "--apply", "--yes")
        self.assertEqual(r.rc, 0, r)
        self.tokens.append(self.c["secretsmanager"].get_secret_value(SecretId=name + "-elasticache-auth")["SecretString"])
        # read-only: the key is not offered, the command refused
        c = self.console(["--read-only"])
        c.wait_for("Replication groups")
        c.keys(":")
        c.literal("group %s" % name)
        c.keys("Enter")
        scr = c.wait_for("Placement", timeout=30)
        self.assertNotIn("D destroy", scr)
        c.keys("D")
        c.wait_for("read-only: destroy is refused")
        c.keys("q")
        c.wait_exit()
        c = self.console()
        c.wait_for("Replication groups")
        c.keys(":")
        c.literal("group %s" % name)
        c.keys("Enter")
        c.wait_for("elcui:stack=%s" % name, timeout=30)
        self.assertIn("D destroy", c.screen())
        c.keys("D")
        scr = c.wait_for("Type %s to delete these" % name, timeout=30)
        self.assertIn("Destroy stack %s in us-east-2" % name, scr)
        self.assertIn("Deleted, in this order", scr)
        self.assertIn("Not deleted on their own", scr)
        c.literal(name + "x")
        c.keys("Enter")
        c.wait_for("That is not it")
        c.keys("BSpace")
        c.keys("Enter")
        c.wait_for("done:", timeout=120)
        scr = c.wait_for("0 failed", timeout=10)
        c.keys("Escape")
        c.keys("q")
        self.assertEqual(c.wait_exit(), 0)
        self.check_stderr(c)
        after = self.inventory()
        self.assertEqual(after, before)


if __name__ == "__main__":
    unittest.main()
