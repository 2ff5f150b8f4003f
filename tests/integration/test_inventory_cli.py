"""`elcui whoami`, `ls`, `show` and `events` against the sandbox (moto with
SigV4 checked), field by field against what boto3 gets from the same
sandbox; the errors people meet (wrong secret key, no region, unknown
group, usage) with their exit status; the placement section flagging the
weak group; events after a TestFailover.

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_inventory_cli.py
"""

import datetime
import os
import re
import secrets
import sys
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, TOP)

from tests.integration import harness  # noqa: E402

REGION = "us-east-2"
# valid in XML, dangerous on a terminal: C1 CSI, a bidi override, DEL
EVIL = "evil \u009b31mred\u009b0m \u202egnp.exe \x7f del"


def iso(dt):
    """A boto3 datetime as elcui writes times: ISO 8601 UTC with milliseconds."""
    if dt is None:
        return None
    dt = dt.astimezone(datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def ep(e):
    return {"address": e["Address"], "port": e["Port"]} if e else None


@harness.needs_binary
class InventoryCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=False, region=REGION)
        try:
            cls.ec = harness.setup_client(cls.sb, "elasticache")
            logs = harness.setup_client(cls.sb, "logs")
            kms = harness.setup_client(cls.sb, "kms")
            cls.key_arn = kms.create_key(Description="at rest")["KeyMetadata"]["Arn"]
            logs.create_log_group(logGroupName="/elasticache/tls-cmd/slow-log")
            cls.token = secrets.token_hex(20)
            cls.ec.create_replication_group(
                ReplicationGroupId="tls-cmd",
                ReplicationGroupDescription=EVIL,
                Engine="redis",
                EngineVersion="7.1",
                CacheNodeType="cache.r7g.large",
                NumCacheClusters=3,
                AutomaticFailoverEnabled=True,
                MultiAZEnabled=True,
                TransitEncryptionEnabled=True,
                AuthToken=cls.token,
                AtRestEncryptionEnabled=True,
                KmsKeyId=cls.key_arn,
                SnapshotRetentionLimit=2,
                LogDeliveryConfigurations=[
                    {
                        "LogType": "slow-log",
                        "DestinationType": "cloudwatch-logs",
                        "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/elasticache/tls-cmd/slow-log"}},
                        "LogFormat": "json",
                        "Enabled": True,
                    }
                ],
            )
            cls.ec.create_replication_group(
                ReplicationGroupId="cme-plain",
                ReplicationGroupDescription="cluster mode on, no TLS",
                Engine="redis",
                NumNodeGroups=3,
                ReplicasPerNodeGroup=1,
                AutomaticFailoverEnabled=True,
            )
            cls.ec.create_replication_group(
                ReplicationGroupId="vk",
                ReplicationGroupDescription="valkey with TLS",
                Engine="valkey",
                NumCacheClusters=2,
                AutomaticFailoverEnabled=True,
                TransitEncryptionEnabled=True,
            )
            cls.ec.create_replication_group(
                ReplicationGroupId="weak",
                ReplicationGroupDescription="one AZ",
                Engine="redis",
                EngineVersion="6.2",
                NumCacheClusters=2,
                PreferredCacheClusterAZs=["us-east-2a", "us-east-2a"],
                AutomaticFailoverEnabled=False,
            )
            for g in ("tls-cmd", "cme-plain", "vk", "weak"):
                cls.sb.wait_for_group(g, timeout=60)
        except BaseException:
            cls.sb.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.reset_faults()

    def elcui(self, *args, env=None, rc=0):
        r = harness.run(env or self.sb.env, *args)
        if rc is not None:
            self.assertEqual(r.rc, rc, r)
        return r

    def boto_group(self, rg):
        return self.ec.describe_replication_groups(ReplicationGroupId=rg)["ReplicationGroups"][0]

    def boto_clusters(self):
        out = {}
        for page in self.ec.get_paginator("describe_cache_clusters").paginate(ShowCacheNodeInfo=True):
            for c in page["CacheClusters"]:
                out[c["CacheClusterId"]] = c
        return out

    # ---- whoami ----

    def test_whoami_json(self):
        me = self.sb.client("sts").get_caller_identity()
        j = self.elcui("whoami", "--json").json()
        self.assertEqual(j["account"], me["Account"])
        self.assertEqual(j["arn"], me["Arn"])
        self.assertEqual(j["userId"], me["UserId"])
        self.assertEqual(j["region"], REGION)
        self.assertEqual(j["profile"], "default")
        self.assertEqual(j["credentialSource"], "environment")
        for svc in ("elasticache", "monitoring", "logs", "sts"):
            self.assertEqual(j["endpoints"][svc], self.sb.endpoint)
        # only ElastiCache overridden: only it is listed
        env = harness.env_with(self.sb.env, drop=("AWS_ENDPOINT_URL",), AWS_ENDPOINT_URL_STS=self.sb.endpoint)
        j = self.elcui("whoami", "--json", env=env).json()
        self.assertEqual(j["endpoints"], {"sts": self.sb.endpoint})
        r = self.elcui("whoami")
        self.assertIn(me["Account"], r.out)
        lines = {l[2:21].strip(): l[22:] for l in r.out.splitlines() if l.startswith("  ") and l[2:21].strip()}
        self.assertEqual(lines["Credentials"], "environment  from AWS_ACCESS_KEY_ID")
        self.assertEqual(lines["Endpoints"], "%s (every service)  from AWS_ENDPOINT_URL" % self.sb.endpoint)
        self.assertEqual(lines["Region"], "%s  from AWS_REGION" % REGION)
        self.assertEqual(lines["Profile"], "default  from default (no --profile, AWS_PROFILE or AWS_DEFAULT_PROFILE)")

    def test_whoami_says_where_each_setting_comes_from(self):
        """file and line for what the AWS files set (the credentials file's
        region over the config file's), the option or variable otherwise"""
        me = self.sb.client("sts").get_caller_identity()
        d = tempfile.mkdtemp(prefix="elcui-whoami-")
        self.addCleanup(__import__("shutil").rmtree, d, True)
        config, creds = os.path.join(d, "config"), os.path.join(d, "credentials")
        with open(config, "w") as f:
            f.write("[default]\n"
                    "region = eu-west-1\n"
                    "[profile files]\n"
                    "region = eu-west-1\n"
                    "services = sandbox\n"
                    "endpoint_url = %s\n"
                    "[services sandbox]\n"
                    "elasticache =\n"
                    "  endpoint_url = %s\n"
                    "max_attempts = 4\n"  # a key of [services sandbox], not of the profile
                    % (self.sb.endpoint, self.sb.endpoint))
        with open(creds, "w") as f:
            f.write("[files]\n"
                    "aws_access_key_id = %s\n"
                    "aws_secret_access_key = %s\n"
                    "region = %s\n" % (self.sb.access_key, self.sb.secret_key, REGION))
        for p in (config, creds):
            os.chmod(p, 0o600)
        env = {k: v for k, v in self.sb.env.items() if not k.startswith("AWS_")}
        env.update(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=creds, HOME=d)
        j = self.elcui("--profile", "files", "whoami", "--json", env=env).json()
        self.assertEqual((j["account"], j["region"], j["profile"]), (me["Account"], REGION, "files"))
        got = {(x["name"], x.get("service")): x for x in j["settings"]}

        def src(name, service=None):
            x = dict(got[(name, service)])
            x.pop("name")
            x.pop("service", None)
            return x

        self.assertEqual(src("profile"), {"value": "files", "source": "flag", "option": "--profile", "from": "--profile"})
        # the credentials file's region wins over the config file's
        self.assertEqual(src("region"), {"value": REGION, "source": "file", "file": creds, "line": 4, "from": "%s line 4" % creds})
        self.assertEqual(src("credentials"), {"value": "shared-credentials-file (profile files)", "source": "file", "file": creds, "line": 2, "from": "%s line 2" % creds})
        self.assertEqual(src("endpoint", "elasticache"), {"value": self.sb.endpoint, "source": "file", "file": config, "line": 9, "from": "%s line 9" % config})
        for svc in ("sts", "logs", "monitoring", "ec2"):
            self.assertEqual(src("endpoint", svc), {"value": self.sb.endpoint, "source": "file", "file": config, "line": 6, "from": "%s line 6" % config})
        self.assertEqual(src("max_attempts"), {"value": "3", "source": "default", "from": "default (the SDKs' standard mode)"})
        self.assertEqual(src("ca_bundle"), {"value": None, "source": "default", "from": "default (the system's CA store)"})
        self.assertEqual(src("config_file"), {"value": config, "source": "env", "variable": "AWS_CONFIG_FILE", "from": "AWS_CONFIG_FILE"})
        self.assertEqual(j["endpoints"]["elasticache"], self.sb.endpoint)
        # variables and options over the files, and the text output says so
        env2 = dict(env, AWS_REGION=REGION, AWS_MAX_ATTEMPTS="5")
        j = self.elcui("--profile", "files", "--endpoint-url", self.sb.endpoint, "whoami", "--json", env=env2).json()
        got = {(x["name"], x.get("service")): x for x in j["settings"]}
        self.assertEqual((got[("region", None)]["source"], got[("region", None)]["variable"]), ("env", "AWS_REGION"))
        self.assertEqual((got[("max_attempts", None)]["value"], got[("max_attempts", None)]["variable"]), ("5", "AWS_MAX_ATTEMPTS"))
        self.assertEqual({got[("endpoint", s)]["option"] for s in ("elasticache", "sts", "kms")}, {"--endpoint-url"})
        r = self.elcui("--profile", "files", "whoami", env=env)
        lines = {l[2:21].strip(): l[22:] for l in r.out.splitlines() if l.startswith("  ") and l[2:21].strip()}
        self.assertEqual(lines["Region"], "%s  from %s line 4" % (REGION, creds))
        self.assertEqual(lines["Credentials"], "shared-credentials-file (profile files)  from %s line 2" % creds)
        self.assertEqual(lines["Profile"], "files  from --profile")
        self.assertEqual(lines["Endpoints"], "elasticache     %s  from %s line 9" % (self.sb.endpoint, config))
        self.assertNotIn(self.sb.secret_key, r.out + r.err)

    # ---- ls ----

    def test_ls_json_field_by_field(self):
        j = self.elcui("ls", "--json").json()
        self.assertEqual(j["region"], REGION)
        clusters = self.boto_clusters()
        boto = {g["ReplicationGroupId"]: g for g in self.ec.describe_replication_groups()["ReplicationGroups"]}
        got = {g["replicationGroupId"]: g for g in j["replicationGroups"]}
        self.assertEqual(sorted(got), sorted(boto))
        self.assertEqual([g["replicationGroupId"] for g in j["replicationGroups"]], sorted(boto))
        for rg, b in boto.items():
            g = got[rg]
            first = clusters[b["MemberClusters"][0]]
            self.assertEqual(g["status"], b["Status"])
            self.assertEqual(g["engine"], b["Engine"])
            self.assertEqual(g["engineVersion"], first["EngineVersion"])
            self.assertEqual(g["cacheNodeType"], b["CacheNodeType"])
            self.assertEqual(g["clusterEnabled"], b["ClusterEnabled"])
            self.assertEqual(g["clusterMode"], b.get("ClusterMode"))
            self.assertEqual(g["shards"], len(b["NodeGroups"]))
            self.assertEqual(g["nodes"], len(b["MemberClusters"]))
            self.assertEqual(g["multiAZ"], b["MultiAZ"])
            self.assertEqual(g["automaticFailover"], b["AutomaticFailover"])
            self.assertEqual(g["atRestEncryptionEnabled"], b["AtRestEncryptionEnabled"])
            self.assertEqual(g["transitEncryptionEnabled"], b["TransitEncryptionEnabled"])
            self.assertEqual(g["transitEncryptionMode"], b.get("TransitEncryptionMode"))
            self.assertEqual(g["authTokenEnabled"], b["AuthTokenEnabled"])
        self.assertEqual(got["vk"]["engine"], "valkey")
        self.assertEqual(got["cme-plain"]["shards"], 3)

    def test_ls_text(self):
        r = self.elcui("ls")
        lines = r.out.splitlines()
        self.assertRegex(lines[1], r"^\| ID +\| STATUS +\| ENGINE")
        row = [l for l in lines if l.startswith("| cme-plain ")][0]
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual(cells[:3], ["cme-plain", "available", "redis 7.1.0"])
        self.assertEqual(cells[4:7], ["on", "3", "6"])
        self.assertEqual(len({len(l) for l in lines if l[:1] in "+|"}), 1)  # aligned

    # ---- show ----

    def test_show_json_field_by_field(self):
        clusters = self.boto_clusters()
        for rg in ("tls-cmd", "cme-plain", "vk", "weak"):
            b = self.boto_group(rg)
            j = self.elcui("show", rg, "--json").json()
            self.assertEqual(j["replicationGroupId"], rg)
            self.assertEqual(j["description"], b["Description"])
            self.assertEqual(j["status"], b["Status"])
            self.assertEqual(j["engine"], b["Engine"])
            self.assertEqual(j["cacheNodeType"], b["CacheNodeType"])
            self.assertEqual(j["clusterEnabled"], b["ClusterEnabled"])
            self.assertEqual(j["clusterMode"], b.get("ClusterMode"))
            self.assertEqual(j["arn"], b["ARN"])
            self.assertEqual(j["createTime"], iso(b["ReplicationGroupCreateTime"]))
            self.assertEqual(j["configurationEndpoint"], ep(b.get("ConfigurationEndpoint")))
            ng0 = b["NodeGroups"][0]
            self.assertEqual(j["primaryEndpoint"], None if b["ClusterEnabled"] else ep(ng0["PrimaryEndpoint"]))
            self.assertEqual(j["readerEndpoint"], None if b["ClusterEnabled"] else ep(ng0["ReaderEndpoint"]))
            self.assertEqual(j["multiAZ"], b["MultiAZ"])
            self.assertEqual(j["automaticFailover"], b["AutomaticFailover"])
            self.assertEqual(j["atRestEncryptionEnabled"], b["AtRestEncryptionEnabled"])
            self.assertEqual(j["kmsKeyId"], b.get("KmsKeyId"))
            self.assertEqual(j["transitEncryptionEnabled"], b["TransitEncryptionEnabled"])
            self.assertEqual(j["transitEncryptionMode"], b.get("TransitEncryptionMode"))
            self.assertEqual(j["authTokenEnabled"], b["AuthTokenEnabled"])
            self.assertEqual(j["authTokenLastModifiedDate"], iso(b.get("AuthTokenLastModifiedDate")))
            self.assertEqual(j["userGroupIds"], b.get("UserGroupIds", []))
            self.assertEqual(
                j["logDeliveryConfigurations"],
                [
                    {
                        "logType": d["LogType"],
                        "destinationType": d["DestinationType"],
                        "destination": d["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"],
                        "logFormat": d["LogFormat"],
                        "status": d["Status"],
                        "message": d.get("Message"),
                    }
                    for d in b["LogDeliveryConfigurations"]
                ],
            )
            self.assertEqual(j["snapshotRetentionLimit"], b["SnapshotRetentionLimit"])
            self.assertEqual(j["snapshotWindow"], b.get("SnapshotWindow"))
            self.assertEqual(j["snapshottingClusterId"], b.get("SnapshottingClusterId"))
            self.assertEqual(j["autoMinorVersionUpgrade"], b["AutoMinorVersionUpgrade"])
            self.assertEqual(j["dataTiering"], b.get("DataTiering"))
            self.assertEqual(j["networkType"], b.get("NetworkType"))
            self.assertEqual(j["ipDiscovery"], b.get("IpDiscovery"))
            self.assertEqual(j["memberClusters"], b["MemberClusters"])
            self.assertEqual(j["pendingModifiedValues"], {})
            self.assertEqual(j["shards"], len(b["NodeGroups"]))
            self.assertEqual(j["nodes"], len(b["MemberClusters"]))
            self.assertEqual(j["differences"], [])
            self.assertIsNotNone(j["fetchedAt"])
            self.assertLess(j["dataAgeSeconds"], 30)
            self.assertEqual(len(j["nodeGroups"]), len(b["NodeGroups"]))
            for ng, bng in zip(j["nodeGroups"], b["NodeGroups"]):
                self.assertEqual(ng["nodeGroupId"], bng["NodeGroupId"])
                self.assertEqual(ng["status"], bng["Status"])
                self.assertEqual(ng["slots"], bng.get("Slots"))
                if bng.get("Slots"):
                    lo, hi = bng["Slots"].split("-")
                    self.assertEqual(ng["slotRanges"], [[int(lo), int(hi)]])
                self.assertEqual(ng["primaryEndpoint"], ep(bng.get("PrimaryEndpoint")))
                self.assertEqual(ng["readerEndpoint"], ep(bng.get("ReaderEndpoint")))
                self.assertEqual(len(ng["nodes"]), len(bng["NodeGroupMembers"]))
                for n, m in zip(ng["nodes"], bng["NodeGroupMembers"]):
                    c = clusters[m["CacheClusterId"]]
                    cn = c["CacheNodes"][0]
                    self.assertEqual(n["cacheClusterId"], m["CacheClusterId"])
                    self.assertEqual(n["cacheNodeId"], m["CacheNodeId"])
                    self.assertEqual(n["nodeGroupId"], bng["NodeGroupId"])
                    self.assertEqual(n["availabilityZone"], cn["CustomerAvailabilityZone"])
                    self.assertEqual(n["availabilityZone"], m["PreferredAvailabilityZone"])
                    self.assertEqual(n["endpoint"], ep(cn["Endpoint"]))
                    self.assertEqual(n["readEndpoint"], ep(m.get("ReadEndpoint")))
                    self.assertEqual(n["status"], cn["CacheNodeStatus"])
                    self.assertEqual(n["cacheClusterStatus"], c["CacheClusterStatus"])
                    self.assertEqual(n["createTime"], iso(cn["CacheNodeCreateTime"]))
                    self.assertEqual(n["engine"], c["Engine"])
                    self.assertEqual(n["engineVersion"], c["EngineVersion"])
                    self.assertEqual(n["cacheNodeType"], c["CacheNodeType"])
                    self.assertEqual(n["cacheParameterGroup"], c["CacheParameterGroup"]["CacheParameterGroupName"])
                    self.assertEqual(n["parameterApplyStatus"], c["CacheParameterGroup"]["ParameterApplyStatus"])
                    self.assertTrue(n["inApi"] and n["described"])
                    if "CurrentRole" in m:
                        self.assertEqual(n["role"], m["CurrentRole"])
                        self.assertEqual(n["roleSource"], "api")
                    else:
                        # cluster mode: no roles from the API, no metrics
                        # without Redis: assumed from the names
                        self.assertEqual(n["roleSource"], "assumed")
                        self.assertEqual(n["role"], "primary" if m["CacheClusterId"].endswith("-001") else "replica")
            self.assertEqual(j["engineVersion"], clusters[b["MemberClusters"][0]]["EngineVersion"])
            placement = j["placement"]
            azs = sorted({m["PreferredAvailabilityZone"] for ng in b["NodeGroups"] for m in ng["NodeGroupMembers"]})
            self.assertEqual([a["name"] for a in placement["availabilityZones"]], azs)
            self.assertEqual(sum(a["nodes"] for a in placement["availabilityZones"]), len(b["MemberClusters"]))
            for row, bng in zip(placement["matrix"], b["NodeGroups"]):
                for cell in row["cells"]:
                    want = sorted(m["CacheClusterId"] for m in bng["NodeGroupMembers"] if m["PreferredAvailabilityZone"] == cell["availabilityZone"])
                    self.assertEqual(sorted(x["cacheClusterId"] for x in cell["members"]), want)

    def test_show_flags_weak_group(self):
        j = self.elcui("show", "weak", "--json").json()
        flags = {f["id"]: f for f in j["placement"]["flags"]}
        self.assertEqual(flags["single-az"]["severity"], "critical")
        self.assertEqual(flags["single-az"]["availabilityZone"], "us-east-2a")
        self.assertIn("multi-az-off", flags)
        self.assertIn("auto-failover-off", flags)
        self.assertTrue(j["placement"]["rolesKnown"])
        self.assertEqual(j["placement"]["matrix"][0]["cells"][0]["members"][0]["role"], "primary")
        r = self.elcui("show", "weak")
        placement = r.out[r.out.index("Placement (shards x AZs"):]
        self.assertRegex(placement, r"\| 0001 +\| P weak-001, R weak-002 +\|")
        self.assertRegex(placement, r"CRITICAL +single-az +all 2 nodes are in us-east-2a")
        self.assertRegex(placement, r"WARNING +multi-az-off")
        # a healthy spread says so
        j = self.elcui("show", "tls-cmd", "--json").json()
        self.assertEqual({f["severity"] for f in j["placement"]["flags"]} - {"info"}, set())
        self.assertEqual(len(j["placement"]["availabilityZones"]), 3)

    def test_show_tags_and_unreadable_tags(self):
        arn = self.sb.client("elasticache").describe_replication_groups(
            ReplicationGroupId="weak")["ReplicationGroups"][0]["ARN"]
        self.ec.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "owner", "Value": "team-a"}])
        j = self.elcui("show", "weak", "--json").json()
        self.assertEqual(j["tags"]["owner"], "team-a")
        self.assertRegex(self.elcui("show", "weak").out, r"\n  owner +team-a\n")
        # tags are extra: when they cannot be read, show says why and succeeds
        self.sb.add_fault("error", service="elasticache", operation="ListTagsForResource",
                          status=500)
        try:
            r = self.elcui("show", "weak", "--json")
            self.assertEqual(r.rc, 0, r.err)
            j = r.json()
            self.assertIsNone(j["tags"])
            self.assertIn("ListTagsForResource", j["tagsError"])
            self.assertIn("Tags: not read", self.elcui("show", "weak").out)
        finally:
            self.sb.reset_faults()

    def test_show_text_is_terminal_safe(self):
        r = self.elcui("show", "tls-cmd")
        for ch in ("\x1b", "\u009b", "\u202e", "\x7f"):
            self.assertNotIn(ch, r.out)
        self.assertRegex(r.out, r"Description +evil \\u\{0*9[bB]\}31mred\\u\{0*9[bB]\}0m \\u\{202[eE]\}gnp.exe \\x7[fF] del")
        self.assertNotIn(self.token, r.out + r.err)
        for key in ("Primary endpoint", "Reader endpoint", "Multi-AZ", "AUTH token", "Log delivery", "Nodes", "Risks"):
            self.assertIn(key, r.out)
        self.assertIn("/elasticache/tls-cmd/slow-log", r.out)
        j = self.elcui("show", "tls-cmd", "--json")
        self.assertTrue(all(ord(ch) < 128 for ch in j.out))
        self.assertEqual(j.json()["description"], EVIL)

    def test_case_insensitive_id(self):
        j = self.elcui("show", "WEAK", "--json").json()
        self.assertEqual(j["replicationGroupId"], "weak")

    # ---- errors ----

    def test_wrong_secret_key(self):
        wrong = secrets.token_urlsafe(30)
        env = harness.env_with(self.sb.env, AWS_SECRET_ACCESS_KEY=wrong)
        for args in (("ls",), ("show", "weak", "--json"), ("whoami",), ("events", "weak")):
            r = self.elcui(*args, env=env, rc=1)
            self.assertRegex(r.err.lower(), "signature does not match")
            self.assertIn("SignatureDoesNotMatch", r.err)
            self.assertRegex(r.err, r"request id \S+")
            for secret in (wrong, self.sb.secret_key):
                self.assertNotIn(secret, r.out + r.err)
            self.assertEqual(r.out, "")

    def test_unknown_access_key(self):
        env = harness.env_with(self.sb.env, AWS_ACCESS_KEY_ID="AKIA" + secrets.token_hex(8).upper())
        r = self.elcui("ls", env=env, rc=1)
        self.assertRegex(r.err, "InvalidClientTokenId|SignatureDoesNotMatch")

    def test_missing_region(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = os.path.join(d, "config")
            open(cfg, "w").close()
            env = harness.env_with(self.sb.env, drop=("AWS_REGION", "AWS_DEFAULT_REGION"), AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=os.path.join(d, "credentials"))
            for args in (("ls",), ("show", "weak"), ("whoami", "--json"), ("metrics", "weak"), ("events", "weak")):
                r = self.elcui(*args, env=env, rc=1)
                self.assertIn("no AWS region", r.err)
                self.assertEqual(r.out, "")
            # --region fixes it
            self.elcui("--region", REGION, "ls", env=env, rc=0)

    def test_unknown_group(self):
        for args in (("show", "no-such-group"), ("show", "no-such-group", "--json"), ("events", "no-such-group"), ("metrics", "no-such-group")):
            r = self.elcui(*args, rc=1)
            self.assertIn("not found", r.err)
            self.assertIn("ReplicationGroupNotFoundFault", r.err)
            self.assertIn("DescribeReplicationGroups", r.err)
            self.assertRegex(r.err, r"request id \S+")
            self.assertEqual(r.out, "")

    def test_usage(self):
        for args in (
            ("show",),
            ("show", "a", "b"),
            ("ls", "extra"),
            ("ls", "--bogus"),
            ("whoami", "x"),
            ("events",),
            ("events", "weak", "--since", "yesterday"),
            ("events", "weak", "--since", "1h", "--until", "2h"),
            ("metrics",),
            ("metrics", "weak", "--period", "61"),
            ("metrics", "weak", "--metric", "bad name"),
            ("metrics", "weak", "--stat", "Median"),
            ("no-such-command",),
            ("--region",),
        ):
            r = self.elcui(*args, rc=2)
            self.assertTrue(r.err.strip(), args)
            self.assertEqual(r.out, "", args)
        # a long option without its value is named as typed (it was printed
        # as a control byte), with the command's own --help to turn to
        for args, opt in ((("export", "--spec"), "--spec"), (("audit", "--fail-on"), "--fail-on"),
                          (("cost", "--log-gb"), "--log-gb")):
            r = self.elcui(*args, rc=2)
            self.assertIn("'%s' or missing value" % opt, r.err)
            self.assertIn("see elcui %s --help" % args[0], r.err)
            self.assertTrue(all(c == "\n" or 32 <= ord(c) < 127 for c in r.err), repr(r.err))
        r = self.elcui("metrics", "weak", "--node", "not-a-member", rc=2)
        self.assertIn("not a node of weak", r.err)
        for cmd in ("ls", "show", "whoami", "events", "metrics"):
            r = self.elcui(cmd, "--help", rc=0)
            self.assertTrue(r.out.startswith("usage: elcui %s" % cmd), r.out)
        r = self.elcui("--help", rc=0)
        for cmd in ("ls", "show", "whoami", "events", "metrics"):
            self.assertRegex(r.out, r"\n  %s +" % cmd)

    def test_throttling_is_retried(self):
        self.sb.throttle(service="elasticache", count=2)
        j = self.elcui("ls", "--json").json()
        self.assertEqual(len(j["replicationGroups"]), 4)

    # ---- events ----

    def test_events_after_failover(self):
        before = {m["CacheClusterId"]: m["CurrentRole"] for m in self.boto_group("vk")["NodeGroups"][0]["NodeGroupMembers"]}
        self.assertEqual(before["vk-001"], "primary")
        self.ec.test_failover(ReplicationGroupId="vk", NodeGroupId="0001")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            events = self.ec.describe_events(SourceType="replication-group", SourceIdentifier="vk", Duration=60)["Events"]
            if any(e["Message"].startswith("Failover from") for e in events) and self.boto_group("vk")["Status"] == "available":
                break
            time.sleep(0.1)
        j = self.elcui("events", "vk", "--json", "--since", "1h").json()
        self.assertEqual(j["replicationGroupId"], "vk")
        msgs = [(e["sourceType"], e["sourceIdentifier"], e["message"]) for e in j["events"]]
        self.assertIn(("replication-group", "vk", "Test Failover API called for node group 0001"), msgs)
        fo = "Failover from primary node vk-001 to replica node vk-002 completed"
        self.assertIn(("replication-group", "vk", fo), msgs)
        self.assertIn(("cache-cluster", "vk-001", fo), msgs)
        # oldest first, member events labelled with shard and AZ
        dates = [e["date"] for e in j["events"]]
        self.assertEqual(dates, sorted(dates))
        cc = [e for e in j["events"] if e["sourceType"] == "cache-cluster"]
        self.assertTrue(cc)
        for e in cc:
            self.assertTrue(e["sourceIdentifier"].startswith("vk-"))
            self.assertEqual(e["nodeGroupId"], "0001")
            self.assertRegex(e["availabilityZone"], r"^us-east-2[abc]$")
        # the same events boto3 sees, none of another group's
        boto = self.ec.describe_events(SourceType="replication-group", SourceIdentifier="vk", Duration=60)["Events"]
        for e in boto:
            self.assertIn(("replication-group", "vk", e["Message"]), msgs)
        self.assertFalse([m for m in msgs if m[1].startswith("weak")])
        # the roles in show follow
        j = self.elcui("show", "vk", "--json").json()
        roles = {n["cacheClusterId"]: n["role"] for n in j["nodeGroups"][0]["nodes"]}
        self.assertEqual(roles, {"vk-001": "replica", "vk-002": "primary"})
        r = self.elcui("events", "vk", "--since", "1h")
        self.assertIn("Test Failover API called for node group 0001", r.out)
        self.assertRegex(r.out, r"Events of vk from \S+ to \S+: \d+")

    def test_events_window(self):
        j = self.elcui("events", "weak", "--json", "--since", "30d").json()
        self.assertIn("created", " ".join(e["message"] for e in j["events"]))
        start = datetime.datetime.strptime(j["start"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        self.assertGreater(start, datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=14, minutes=5))
        r = harness.run(self.sb.env, "events", "weak", "--since", "30d")
        self.assertIn("14 days", r.err)
        j = self.elcui("events", "weak", "--json", "--since", "2h", "--until", "1h").json()
        self.assertEqual(j["events"], [])


if __name__ == "__main__":
    unittest.main()
