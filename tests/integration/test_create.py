"""`elcui create` and `elcui destroy` against the sandbox (moto extended).

- The default spec, planned and applied, makes exactly the stack of
  seed-spec.md with its values, checked with boto3: CIDRs and zones, the
  security-group rule, every key-policy statement and condition, log group
  keys and retention, the secret's key, every replication group parameter,
  SSM types and keys, IAM policy documents. The order hazards are done right
  (key policy before the log groups, secret before the group, parameters
  after it is available, IAM last) and independent steps overlap.
- A second apply has nothing to do and sends no change; destroy removes
  everything (keys pending deletion, aliases gone), a second destroy has
  nothing to do.
- kill -9 during apply (after a key is created but before its alias, after
  the secret, while waiting for the group, and by SIGKILL when progress
  shows the wait) -> the next apply completes with no duplicate key,
  secret, VPC or group.
- Throttled single-attempt creates are retried without duplicates.
- Each validation rule rejects its input before any AWS request.
- Conflicts (something of the same name that is not the stack's) stop the
  apply before any change; reused resources are used and never deleted.
- The AUTH token never appears in any output or in the journal.

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_create.py
"""

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

REGION = "us-east-2"
TOKEN_RE = re.compile(r"^[A-Za-z0-9!&#$^<>\-]{128}$")
STACK_TAG = "elcui:stack"
# Reads only: a second apply on a finished stack must send nothing else.
READ_OPS = re.compile(r"^(Describe|Get|List)")


def tags_of(items, key="Key", value="Value"):
    return {t[key]: t[value] for t in items or []}


class Base(unittest.TestCase):
    create_delay = 1

    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(redis=False, create_delay=cls.create_delay)
        cls.state = tempfile.mkdtemp(prefix="elcui-create-state-")
        cls.env = harness.env_with(
            cls.sb.env,
            XDG_STATE_HOME=cls.state,
            ELCUI_POLL_MS="200",
            ELCUI_POLL_MAX_MS="500",
            ELCUI_BACKOFF_MS="100",
        )
        cls.c = {n: cls.sb.client(n) for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam", "sts")}
        cls.account = cls.c["sts"].get_caller_identity()["Account"]

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        shutil.rmtree(cls.state, ignore_errors=True)

    # ---- helpers -----------------------------------------------------------------
    def elcui(self, *args, env=None, timeout=120):
        r = harness.run(env or self.env, *args, timeout=timeout)
        # with ELCUI_BIN built with SANITIZE=address,undefined
        for bad in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            self.assertNotIn(bad, r.err, r)
        return r

    def apply(self, name, *extra, env=None, timeout=180):
        r = self.elcui("create", "--name", name, "--apply", "--yes", *extra, env=env, timeout=timeout)
        return r

    def destroy(self, name, *extra, env=None):
        return self.elcui("destroy", name, "--confirm", name, *extra, env=env, timeout=180)

    def vpcs(self, name):
        return self.c["ec2"].describe_vpcs(Filters=[{"Name": "tag:" + STACK_TAG, "Values": [name]}])["Vpcs"]

    def stack_keys(self, name, include_pending=False):
        kms = self.c["kms"]
        out = []
        for k in kms.list_keys()["Keys"]:
            tags = tags_of(kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags"), "TagKey", "TagValue")
            if tags.get(STACK_TAG) != name:
                continue
            meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            if include_pending or meta["KeyState"] != "PendingDeletion":
                out.append((meta, tags))
        return out

    def secrets(self, name):
        return [s for s in self.c["secretsmanager"].list_secrets()["SecretList"] if tags_of(s.get("Tags")).get(STACK_TAG) == name]

    def groups(self, rg):
        try:
            return self.c["elasticache"].describe_replication_groups(ReplicationGroupId=rg)["ReplicationGroups"]
        except self.c["elasticache"].exceptions.ReplicationGroupNotFoundFault:
            return []

    def token_of(self, name):
        return self.c["secretsmanager"].get_secret_value(SecretId="%s-elasticache-auth" % name)["SecretString"]

    def assert_token_hidden(self, token, *results):
        self.assertTrue(TOKEN_RE.match(token))
        for r in results:
            self.assertNotIn(token, r.out)
            self.assertNotIn(token, r.err)
        for root, _, files in os.walk(self.state):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    self.assertNotIn(token.encode(), fh.read(), f)

    def assert_one_of_each(self, name):
        self.assertEqual(len(self.vpcs(name)), 1)
        keys = self.stack_keys(name)
        self.assertEqual(sorted(t["Name"] for _, t in keys), ["%s-encryption-rest" % name, "%s-encryption-secret" % name])
        self.assertEqual(len(self.secrets(name)), 1)
        g = self.groups(name)
        self.assertEqual(len(g), 1)
        self.assertEqual(g[0]["Status"], "available")

    def apply_whole_then_destroy(self, name):
        """apply succeeds and leaves one of each resource; then destroy. Returns the apply's result."""
        r = self.apply(name)
        self.assertEqual(r.rc, 0, r)
        self.assert_one_of_each(name)
        self.assertEqual(self.destroy(name).rc, 0)
        return r

    @staticmethod
    def events(r):
        out = []
        for line in r.err.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


@harness.needs_binary
class TestDefaultStack(Base):
    """The seed's stack from the default spec, end to end."""

    def test_plan_apply_check_reapply_destroy(self):
        name = "app-4"
        ec2, ec, kms, logs, sm, ssm, iam = (self.c[n] for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam"))

        # ---- plan ----
        self.sb.reset_counters()
        r = self.elcui("create", "--name", name, "--plan", "--json")
        self.assertEqual(r.rc, 0, r)
        plan = r.json()
        self.assertEqual(plan["summary"]["create"], 24)
        self.assertEqual(plan["summary"]["conflict"], 0)
        self.assertFalse(plan["noop"])
        res = {x["key"]: x for x in plan["resources"]}
        self.assertEqual(
            sorted(res),
            sorted(
                ["vpc", "subnet.private.1", "subnet.private.2", "subnet.private.3", "subnet.public.1", "route-table.private.1", "route-table.private.2", "route-table.private.3", "route-table.public", "default-sg", "subnet-group", "security-group", "kms.rest", "kms.rest.policy", "log-group.slow", "log-group.engine", "kms.secret", "kms.secret.policy", "secret", "replication-group", "ssm.endpoint", "ssm.port", "iam.ssm-read", "iam.secret-read"]
            ),
        )
        rg_calls = res["replication-group"]["calls"]
        self.assertEqual([c["operation"] for c in rg_calls], ["CreateReplicationGroup", "DescribeReplicationGroups"])
        p = rg_calls[0]["parameters"]
        self.assertEqual(p["NumNodeGroups"], "3")
        self.assertEqual(p["ReplicasPerNodeGroup"], "2")
        self.assertEqual(p["CacheNodeType"], "cache.t2.small")
        self.assertEqual(p["CacheParameterGroupName"], "default.redis7.cluster.on")
        self.assertEqual(p["AuthToken"], "****")
        self.assertEqual(p["KmsKeyId"], "<kms.rest.id>")
        self.assertEqual(res["secret"]["calls"][0]["parameters"]["SecretString"], "****")
        # the order hazards are in the graph
        self.assertIn("kms.rest.policy", res["log-group.slow"]["depends_on"])
        self.assertIn("secret", res["replication-group"]["depends_on"])
        self.assertIn("replication-group", res["ssm.endpoint"]["depends_on"])
        self.assertIn("ssm.port", res["iam.ssm-read"]["depends_on"])
        # the plan only read
        ops = self.sb.counters()["requests"]["operations"]
        self.assertTrue(all(READ_OPS.match(k.split(":", 1)[1]) for k in ops), ops)

        # ---- apply (JSON progress) ----
        r = self.apply(name, "--json")
        self.assertEqual(r.rc, 0, r)
        out = r.json()
        self.assertTrue(out["result"]["ok"])
        self.assertEqual(out["result"]["done"], 24)
        ev = self.events(r)
        first = {}
        done = {}
        for i, e in enumerate(ev):
            if e["state"] == "running":
                first.setdefault(e["key"], i)
            if e["state"] == "done":
                done[e["key"]] = i
        self.assertEqual(len(done), 24)
        # key policy before the log groups, secret before the group, the
        # parameters after the group is available, the IAM policies last
        self.assertLess(done["kms.rest.policy"], first["log-group.slow"])
        self.assertLess(done["kms.rest.policy"], first["log-group.engine"])
        self.assertLess(done["secret"], first["replication-group"])
        self.assertLess(done["replication-group"], first["ssm.endpoint"])
        self.assertLess(done["ssm.port"], first["iam.ssm-read"])
        self.assertLess(max(done[k] for k in done if not k.startswith("iam.")), min(first["iam.ssm-read"], first["iam.secret-read"]) + 2)
        # independent steps overlap: the keys start before the VPC is done
        self.assertLess(first["kms.rest"], done["vpc"])
        self.assertLess(first["kms.secret"], done["vpc"])
        waits = [e for e in ev if e["key"] == "replication-group" and e["state"] == "waiting"]
        self.assertTrue(waits and "creating" in waits[0]["detail"], ev)
        self.assertTrue(all(e.get("request_id") for e in ev if e["state"] == "done" and e["key"] == "vpc"))

        # ---- the stack, value by value (seed-spec.md) ----
        vpcs = self.vpcs(name)
        self.assertEqual(len(vpcs), 1)
        vpc = vpcs[0]
        vpc_id = vpc["VpcId"]
        self.assertEqual(vpc["CidrBlock"], "10.20.32.0/25")
        self.assertEqual(tags_of(vpc["Tags"])["Name"], name)
        for attr, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
            self.assertTrue(ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"])
        subnets = {tags_of(s["Tags"])["Name"]: s for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]}
        expect = {
            "app-4-private-1": ("10.20.32.0/27", "us-east-2a"),
            "app-4-private-2": ("10.20.32.32/27", "us-east-2b"),
            "app-4-private-3": ("10.20.32.64/27", "us-east-2c"),
            "app-4-public-1": ("10.20.32.96/27", "us-east-2a"),
        }
        self.assertEqual(sorted(subnets), sorted(expect))
        for n, (cidr, az) in expect.items():
            self.assertEqual((subnets[n]["CidrBlock"], subnets[n]["AvailabilityZone"]), (cidr, az), n)
            self.assertEqual(tags_of(subnets[n]["Tags"])[STACK_TAG], name)
            self.assertFalse(subnets[n].get("MapPublicIpOnLaunch", False))
        rts = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:" + STACK_TAG, "Values": [name]}])["RouteTables"]
        by_name = {tags_of(t["Tags"])["Name"]: t for t in rts}
        self.assertEqual(sorted(by_name), ["app-4-private-1", "app-4-private-2", "app-4-private-3", "app-4-public"])
        for n in ("app-4-private-1", "app-4-private-2", "app-4-private-3"):
            assoc = [a["SubnetId"] for a in by_name[n]["Associations"] if not a.get("Main")]
            self.assertEqual(assoc, [subnets[n]["SubnetId"]])
        self.assertEqual([a["SubnetId"] for a in by_name["app-4-public"]["Associations"] if not a.get("Main")], [subnets["app-4-public-1"]["SubnetId"]])
        for t in rts:  # no internet route on the create branch
            self.assertFalse([x for x in t["Routes"] if x.get("DestinationCidrBlock") == "0.0.0.0/0"])
        sgs = {g["GroupName"]: g for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]}
        default = sgs["default"]
        self.assertEqual(default["IpPermissions"], [])
        self.assertEqual(default["IpPermissionsEgress"], [])
        self.assertEqual(tags_of(default["Tags"])["Name"], "app-4-default")
        # its allow-all egress revoked with the egress operation itself
        ops = self.sb.counters()["requests"]["operations"]
        self.assertEqual(ops.get("ec2:RevokeSecurityGroupEgress"), 1)
        sg = sgs["app-4-elasticache-sg"]
        self.assertEqual(sg["Description"], "Allow inbound to and outbound access from the Amazon ElastiCache cluster.")
        self.assertEqual(len(sg["IpPermissions"]), 1)
        rule = sg["IpPermissions"][0]
        self.assertEqual((rule["IpProtocol"], rule["FromPort"], rule["ToPort"]), ("tcp", 6379, 6379))
        self.assertEqual(rule["IpRanges"], [{"CidrIp": "10.20.32.0/25", "Description": "Enable communication to the Amazon ElastiCache for Redis cluster."}])
        self.assertEqual([(e["IpProtocol"], [x["CidrIp"] for x in e["IpRanges"]]) for e in sg["IpPermissionsEgress"]], [("-1", ["0.0.0.0/0"])])
        sng = ec.describe_cache_subnet_groups(CacheSubnetGroupName="app-4-cache-subnet")["CacheSubnetGroups"][0]
        self.assertEqual(sorted(s["SubnetIdentifier"] for s in sng["Subnets"]), sorted(subnets["app-4-private-%d" % i]["SubnetId"] for i in (1, 2, 3)))
        self.assertEqual(sng["VpcId"], vpc_id)

        # keys and their policies
        rest = kms.describe_key(KeyId="alias/app-4-encryption-rest")["KeyMetadata"]
        sec = kms.describe_key(KeyId="alias/app-4-encryption-secret")["KeyMetadata"]
        self.assertEqual(rest["Description"], "Key to encrypt cache at rest.")
        self.assertEqual(sec["Description"], "Key to encrypt secret")
        for k, kname in ((rest, "app-4-encryption-rest"), (sec, "app-4-encryption-secret")):
            self.assertEqual(k["KeyState"], "Enabled")
            self.assertTrue(kms.get_key_rotation_status(KeyId=k["KeyId"])["KeyRotationEnabled"])
            t = tags_of(kms.list_resource_tags(KeyId=k["KeyId"])["Tags"], "TagKey", "TagValue")
            self.assertEqual(t, {"Name": kname, STACK_TAG: name})
        root = "arn:aws:iam::%s:root" % self.account
        pol = json.loads(kms.get_key_policy(KeyId=rest["KeyId"], PolicyName="default")["Policy"])
        self.assertEqual(pol["Version"], "2012-10-17")
        self.assertEqual(pol["Id"], "app-4-encryption-rest")
        st = pol["Statement"]
        self.assertEqual(len(st), 3)
        self.assertEqual(st[0], {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"})
        self.assertEqual(st[1]["Sid"], "Allow ElastiCache to use the key")
        self.assertEqual(st[1]["Principal"], {"Service": "elasticache.amazonaws.com"})
        self.assertEqual(st[1]["Action"], ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey"])
        self.assertNotIn("Condition", st[1])
        self.assertEqual(st[2]["Principal"], {"Service": "logs.%s.amazonaws.com" % REGION})
        self.assertEqual(st[2]["Action"], ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"])
        log_arn = "arn:aws:logs:%s:%s:log-group:/elasticache/app-4/%%s" % (REGION, self.account)
        self.assertEqual(st[2]["Condition"], {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [log_arn % "slow-log", log_arn % "engine-log"]}})
        pol = json.loads(kms.get_key_policy(KeyId=sec["KeyId"], PolicyName="default")["Policy"])
        self.assertEqual(pol["Id"], "app-4-encryption-secret")
        self.assertEqual(len(pol["Statement"]), 2)
        s2 = pol["Statement"][1]
        self.assertEqual(s2["Principal"], {"AWS": ["*"]})
        self.assertEqual(s2["Action"], ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey*"])
        self.assertEqual(s2["Condition"], {"StringEquals": {"kms:CallerAccount": self.account, "kms:ViaService": "secretsmanager.%s.amazonaws.com" % REGION}})

        # log groups: the at-rest key ARN, a year
        for lt in ("slow-log", "engine-log"):
            g = [x for x in logs.describe_log_groups(logGroupNamePrefix="/elasticache/app-4/" + lt)["logGroups"] if x["logGroupName"] == "/elasticache/app-4/" + lt]
            self.assertEqual(len(g), 1)
            self.assertEqual(g[0]["kmsKeyId"], rest["Arn"])
            self.assertEqual(g[0]["retentionInDays"], 365)
            # tagged at creation, as destroy finds them
            self.assertEqual(logs.list_tags_for_resource(resourceArn=g[0]["logGroupArn"])["tags"][STACK_TAG], name)

        # the secret: its own key, a 128-character token from the alphabet
        d = sm.describe_secret(SecretId="app-4-elasticache-auth")
        self.assertIn(d["KmsKeyId"], (sec["KeyId"], sec["Arn"]))
        self.assertEqual(tags_of(d["Tags"])[STACK_TAG], name)
        token = self.token_of(name)

        # the replication group
        g = ec.describe_replication_groups(ReplicationGroupId="app-4")["ReplicationGroups"][0]
        self.assertEqual(g["Status"], "available")
        self.assertEqual(g["Description"], "ElastiCache cluster for app-4")
        self.assertEqual(g["CacheNodeType"], "cache.t2.small")
        self.assertEqual(len(g["NodeGroups"]), 3)
        self.assertTrue(all(len(ng["NodeGroupMembers"]) == 3 for ng in g["NodeGroups"]))
        self.assertEqual(len(g["MemberClusters"]), 9)
        self.assertEqual(g["MultiAZ"], "enabled")
        self.assertEqual(g["AutomaticFailover"], "enabled")
        self.assertTrue(g["ClusterEnabled"])
        self.assertTrue(g["AtRestEncryptionEnabled"])
        self.assertEqual(g["KmsKeyId"], rest["Arn"])
        self.assertTrue(g["TransitEncryptionEnabled"])
        self.assertTrue(g["AuthTokenEnabled"])
        self.assertEqual(g["ConfigurationEndpoint"]["Port"], 6379)
        self.assertEqual(g.get("SnapshotRetentionLimit", 0), 0)
        ld = sorted((x["LogType"], x["DestinationType"], x["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"], x["LogFormat"]) for x in g["LogDeliveryConfigurations"])
        self.assertEqual(ld, [("engine-log", "cloudwatch-logs", "/elasticache/app-4/engine-log", "json"), ("slow-log", "cloudwatch-logs", "/elasticache/app-4/slow-log", "json")])
        cc = ec.describe_cache_clusters(CacheClusterId=g["MemberClusters"][0])["CacheClusters"][0]
        self.assertEqual(cc["CacheSubnetGroupName"], "app-4-cache-subnet")
        self.assertEqual([x["SecurityGroupId"] for x in cc["SecurityGroups"]], [sg["GroupId"]])
        self.assertEqual(cc["CacheParameterGroup"]["CacheParameterGroupName"], "default.redis7.cluster.on")
        self.assertEqual(cc["Engine"], "redis")
        self.assertTrue(cc["EngineVersion"].startswith("7."))
        rg_tags = tags_of(ec.list_tags_for_resource(ResourceName=g["ARN"])["TagList"])
        self.assertEqual(rg_tags[STACK_TAG], name)
        # where exec/doctor find the AUTH token
        self.assertEqual(rg_tags["elcui:auth-secret"], "%s-elasticache-auth" % name)

        # SSM parameters: SecureString with the at-rest key, endpoint and port
        params = {x["Name"]: x for x in ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/elasticache/app-4/app-4/endpoint", "/elasticache/app-4/app-4/port"]}])["Parameters"]}
        self.assertEqual(sorted(params), ["/elasticache/app-4/app-4/endpoint", "/elasticache/app-4/app-4/port"])
        for x in params.values():
            self.assertEqual(x["Type"], "SecureString")
            self.assertIn(x["KeyId"], (rest["KeyId"], rest["Arn"], "alias/app-4-encryption-rest"))
        v = ssm.get_parameter(Name="/elasticache/app-4/app-4/endpoint", WithDecryption=True)["Parameter"]["Value"]
        self.assertEqual(v, g["ConfigurationEndpoint"]["Address"])
        self.assertEqual(ssm.get_parameter(Name="/elasticache/app-4/app-4/port", WithDecryption=True)["Parameter"]["Value"], "6379")

        # IAM read policies: exact ARNs, kms:Decrypt on the matching key
        pssm = iam.get_policy(PolicyArn="arn:aws:iam::%s:policy/app-4-ssm-parameter-read-policy" % self.account)["Policy"]
        self.assertEqual(pssm["Description"], "Policy to read the ElastiCache endpoint and port number stored in the SSM Parameter Store.")
        doc = iam.get_policy_version(PolicyArn=pssm["Arn"], VersionId=pssm["DefaultVersionId"])["PolicyVersion"]["Document"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        parn = "arn:aws:ssm:%s:%s:parameter/elasticache/app-4/app-4/" % (REGION, self.account)
        self.assertEqual(
            doc,
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"], "Resource": [parn + "endpoint", parn + "port"]}, {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [rest["Arn"]]}]},
        )
        psec = iam.get_policy(PolicyArn="arn:aws:iam::%s:policy/app-4-secret-read-policy" % self.account)["Policy"]
        doc = iam.get_policy_version(PolicyArn=psec["Arn"], VersionId=psec["DefaultVersionId"])["PolicyVersion"]["Document"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        self.assertEqual(
            doc,
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [d["ARN"]]}, {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [sec["Arn"]]}]},
        )
        self.assertEqual(tags_of(psec.get("Tags"))[STACK_TAG], name)

        # ---- second apply: nothing to do, nothing but reads ----
        self.sb.reset_counters()
        r2 = self.apply(name)
        self.assertEqual(r2.rc, 0, r2)
        self.assertIn("nothing to do", r2.out)
        ops = self.sb.counters()["requests"]["operations"]
        self.assertTrue(all(READ_OPS.match(k.split(":", 1)[1]) for k in ops), ops)
        # keys are found by alias: no listing of every key in the account
        self.assertNotIn("kms:ListKeys", ops)
        r3 = self.elcui("create", "--name", name, "--plan", "--json")
        self.assertTrue(r3.json()["noop"], r3)
        self.assertEqual(r3.json()["summary"]["keep"], 24)

        # journal: 0600 in 0700, holds ids and the spec, never the token
        jdir = os.path.join(self.state, "elcui", "stacks")
        self.assertEqual(os.stat(jdir).st_mode & 0o777, 0o700)
        jpath = os.path.join(jdir, "app-4.json")
        self.assertEqual(os.stat(jpath).st_mode & 0o777, 0o600)
        with open(jpath) as f:
            j = json.load(f)
        self.assertEqual(j["state"], "applied")
        self.assertEqual(j["resources"]["kms.rest"]["id"], rest["KeyId"])
        self.assertIn("name = app-4", j["spec"])

        # ---- destroy ----
        self.sb.reset_counters()
        d1 = self.destroy(name)
        self.assertEqual(d1.rc, 0, d1)
        self.assertIn("pending deletion", d1.out)
        ops = self.sb.counters()["requests"]["operations"]
        self.assertIn("logs:ListTagsForResource", ops)  # log groups told by their tag
        self.assertIn("elasticache:DeleteCacheSubnetGroup", ops)
        self.assertEqual(self.vpcs(name), [])
        self.assertEqual(self.groups("app-4"), [])
        self.assertEqual(ec2.describe_subnets(Filters=[{"Name": "tag:" + STACK_TAG, "Values": [name]}])["Subnets"], [])
        with self.assertRaises(ec.exceptions.CacheSubnetGroupNotFoundFault):
            ec.describe_cache_subnet_groups(CacheSubnetGroupName="app-4-cache-subnet")
        for k in (rest, sec):
            self.assertEqual(kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"], "PendingDeletion")
        self.assertFalse([a for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith("alias/app-4-")])
        self.assertEqual(self.secrets(name), [])  # deleted without recovery
        with self.assertRaises(sm.exceptions.ResourceNotFoundException):
            sm.describe_secret(SecretId="app-4-elasticache-auth")
        self.assertEqual([x for x in logs.describe_log_groups(logGroupNamePrefix="/elasticache/app-4/")["logGroups"]], [])
        self.assertEqual(ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/elasticache/app-4/"]}])["Parameters"], [])
        for pn in ("app-4-ssm-parameter-read-policy", "app-4-secret-read-policy"):
            with self.assertRaises(iam.exceptions.NoSuchEntityException):
                iam.get_policy(PolicyArn="arn:aws:iam::%s:policy/%s" % (self.account, pn))
        # schedule with the 7-day window (ScheduleKeyDeletion parameters in the plan)
        d2 = self.elcui("destroy", name, "--plan", "--json")
        self.assertTrue(d2.json()["noop"], d2)
        self.sb.reset_counters()
        d3 = self.destroy(name)
        self.assertEqual(d3.rc, 0, d3)
        self.assertIn("nothing to do", d3.out)
        ops = self.sb.counters()["requests"]["operations"]
        self.assertTrue(all(READ_OPS.match(k.split(":", 1)[1]) for k in ops), ops)

        self.assert_token_hidden(token, r, r2, r3, d1, d2, d3)


@harness.needs_binary
class TestResume(Base):
    """kill -9 at the hard points, then the same command again."""

    create_delay = 3

    def crash_then_resume(self, name, where, journal=True):
        env = harness.env_with(self.env, ELCUI_TEST_CRASH_AFTER=where)
        r = self.apply(name, env=env)
        self.assertEqual(r.rc, 137, r)
        if not journal:
            shutil.rmtree(os.path.join(self.state, "elcui"), ignore_errors=True)
        plan = self.elcui("create", "--name", name, "--plan", "--json")
        self.assertEqual(plan.rc, 0, plan)
        r2 = self.apply(name)
        self.assertEqual(r2.rc, 0, r2)
        self.assert_one_of_each(name)
        self.assertTrue(self.apply(name).rc == 0)
        token = self.token_of(name)
        self.assert_token_hidden(token, r, r2, plan)
        d = self.destroy(name)
        self.assertEqual(d.rc, 0, d)
        self.assertEqual(self.stack_keys(name), [])
        self.assertEqual(self.vpcs(name), [])
        return plan.json()

    @staticmethod
    def resource(plan, key):
        return [x for x in plan["resources"] if x["key"] == key][0]

    def signal_while_waiting(self, name, sig, rc):
        """create --apply of name, sent sig once its progress shows the wait for the
        replication group; it must exit with rc. Returns what it wrote on stderr."""
        p = subprocess.Popen([harness.ELCUI, "create", "--name", name, "--apply", "--yes"], env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = threading.Event()
        lines = []

        def reader():
            for line in p.stderr:
                lines.append(line)
                if "replication-group" in line and "waiting" in line:
                    seen.set()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            self.assertTrue(seen.wait(120), "".join(lines))
            p.send_signal(sig)
            self.assertEqual(p.wait(30), rc)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            t.join(10)
            p.stdout.close()
            p.stderr.close()
        return "".join(lines)

    def test_after_create_key_before_alias(self):
        # the key exists, tagged, without its alias: found by tag, aliased
        plan = self.crash_then_resume("crash-key", "kms.rest:CreateKey")
        k = self.resource(plan, "kms.rest")
        self.assertEqual(k["action"], "change")
        self.assertIn("found by its tag", k["reason"])

    def test_after_create_key_without_journal(self):
        plan = self.crash_then_resume("crash-nojournal", "kms.secret:CreateKey", journal=False)
        k = self.resource(plan, "kms.secret")
        self.assertEqual(k["action"], "change")

    def test_after_secret(self):
        plan = self.crash_then_resume("crash-secret", "secret")
        s = self.resource(plan, "secret")
        self.assertEqual(s["action"], "keep")
        rg = self.resource(plan, "replication-group")
        self.assertEqual([c["operation"] for c in rg["calls"]], ["GetSecretValue", "CreateReplicationGroup", "DescribeReplicationGroups"])

    def test_while_waiting_for_the_group(self):
        plan = self.crash_then_resume("crash-wait", "replication-group:CreateReplicationGroup")
        rg = self.resource(plan, "replication-group")
        self.assertIn(rg["action"], ("keep",))
        self.assertIn(rg["status"], ("creating", "available"))

    def test_sigkill_when_progress_shows_the_wait(self):
        name = "crash-kill"
        self.signal_while_waiting(name, signal.SIGKILL, -signal.SIGKILL)
        r2 = self.apply_whole_then_destroy(name)
        self.assertIn("waiting", r2.err)

    def test_ctrl_c_stops_cleanly_and_resumes(self):
        name = "ctrl-c"
        err = self.signal_while_waiting(name, signal.SIGINT, 1)
        self.assertIn("interrupted", err)
        self.assertNotIn("Sanitizer", err)
        self.apply_whole_then_destroy(name)

    def test_destroy_interrupted_then_resumed(self):
        name = "crash-destroy"
        self.assertEqual(self.apply(name).rc, 0)
        env = harness.env_with(self.env, ELCUI_TEST_CRASH_AFTER="replication-group:DeleteReplicationGroup")
        d = self.destroy(name, env=env)
        self.assertEqual(d.rc, 137, d)
        d2 = self.destroy(name)
        self.assertEqual(d2.rc, 0, d2)
        self.assertEqual(self.groups(name), [])
        self.assertEqual(self.stack_keys(name), [])
        self.assertEqual(len(self.stack_keys(name, include_pending=True)), 2)
        self.assertEqual(self.destroy(name).rc, 0)


@harness.needs_binary
class TestFaultsConflictsReuse(Base):
    def test_throttled_creates_no_duplicates(self):
        name = "throttled"
        self.sb.throttle(service="kms", operation="CreateKey", count=3)
        self.sb.throttle(service="ec2", operation="CreateVpc", count=2)
        r = self.apply_whole_then_destroy(name)
        self.assertIn("retrying", r.err)

    def test_unknown_outcome_is_not_retried_blindly(self):
        name = "reset"
        self.sb.reset_connection(service="kms", operation="CreateKey", count=1)
        r = self.apply(name)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("run the same command again", r.err)
        self.apply_whole_then_destroy(name)

    def test_conflicts_stop_before_any_change(self):
        name = "conf"
        logs = self.c["logs"]
        logs.create_log_group(logGroupName="/elasticache/conf/slow-log")
        self.c["secretsmanager"].create_secret(Name="conf-elasticache-auth", SecretString="x" * 32)
        try:
            r = self.elcui("create", "--name", name, "--plan", "--json")
            self.assertEqual(r.rc, 1, r)
            res = {x["key"]: x for x in r.json()["resources"]}
            self.assertEqual(res["log-group.slow"]["action"], "conflict")
            self.assertIn("names.slow_log_group", res["log-group.slow"]["reason"])
            self.assertEqual(res["secret"]["action"], "conflict")
            self.assertIn("not tagged", res["secret"]["reason"])
            self.sb.reset_counters()
            r = self.apply(name)
            self.assertEqual(r.rc, 1, r)
            self.assertIn("conflict", r.err)
            ops = self.sb.counters()["requests"]["operations"]
            self.assertTrue(all(READ_OPS.match(k.split(":", 1)[1]) for k in ops), ops)
            # and destroy leaves what is not the stack's alone: with nothing
            # tagged for it there is no stack of that name, an error
            d = self.destroy(name)
            self.assertEqual(d.rc, 1, d)
            self.assertIn("no stack conf in %s" % REGION, d.err)
            self.assertRegex(d.err, r"/elasticache/conf/slow-log  \(exists without the tag: not elcui's, left alone\)")
            self.assertEqual(len(logs.describe_log_groups(logGroupNamePrefix="/elasticache/conf/slow-log")["logGroups"]), 1)
        finally:
            logs.delete_log_group(logGroupName="/elasticache/conf/slow-log")
            self.c["secretsmanager"].delete_secret(SecretId="conf-elasticache-auth", ForceDeleteWithoutRecovery=True)

    def test_destroy_tells_log_groups_by_their_tag(self):
        name = "lgtag"
        logs = self.c["logs"]
        mine, theirs = "/elasticache/lgtag/slow-log", "/elasticache/lgtag/engine-log"
        # no key, no journal: only the tags say whose they are
        logs.create_log_group(logGroupName=mine, tags={STACK_TAG: name})
        logs.create_log_group(logGroupName=theirs, tags={STACK_TAG: "someone-else"})
        try:
            p = self.elcui("destroy", name, "--plan", "--json")
            self.assertEqual(p.rc, 0, p)
            res = {x["key"]: x for x in p.json()["resources"]}
            self.assertEqual(res["log-group.slow"]["action"], "delete")
            self.assertTrue(res["log-group.slow"]["ours"])
            self.assertEqual(res["log-group.engine"]["action"], "skip")
            self.assertIn("not tagged for this stack", res["log-group.engine"]["reason"])
            d = self.destroy(name)
            self.assertEqual(d.rc, 0, d)
            left = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/elasticache/lgtag/")["logGroups"]]
            self.assertEqual(left, [theirs])
        finally:
            for g in (mine, theirs):
                try:
                    logs.delete_log_group(logGroupName=g)
                except logs.exceptions.ResourceNotFoundException:
                    pass

    def test_reuse_vpc_and_key(self):
        name = "reuse"
        ec2, kms = self.c["ec2"], self.c["kms"]
        vpc = ec2.create_vpc(CidrBlock="10.30.0.0/24")["Vpc"]["VpcId"]
        key = kms.create_key(Description="shared")["KeyMetadata"]
        # the reused key must already let CloudWatch Logs use it
        log_arn = "arn:aws:logs:%s:%s:log-group:/elasticache/reuse/%%s" % (REGION, self.account)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % self.account}, "Action": "kms:*", "Resource": "*"},
                {"Effect": "Allow", "Principal": {"Service": "logs.%s.amazonaws.com" % REGION}, "Action": "kms:*", "Resource": "*", "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [log_arn % "slow-log", log_arn % "engine-log"]}}},
            ],
        }
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
        args = ("--reuse-vpc", vpc, "--vpc-cidr", "10.30.0.0/24", "--private-subnets", "10.30.0.0/27,10.30.0.32/27,10.30.0.64/27", "--public-subnets", "", "--reuse-kms", key["KeyId"])
        r = self.elcui("create", "--name", name, "--plan", "--json", *args)
        self.assertEqual(r.rc, 0, r)
        res = {x["key"]: x for x in r.json()["resources"]}
        self.assertEqual(res["vpc"]["action"], "reuse")
        self.assertEqual(res["kms.rest"]["action"], "reuse")
        self.assertEqual(res["kms.rest.policy"]["action"], "reuse")
        self.assertNotIn("route-table.private.1", res)
        self.assertNotIn("default-sg", res)
        r = self.apply(name, *args)
        self.assertEqual(r.rc, 0, r)
        g = self.c["elasticache"].describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
        self.assertEqual(g["KmsKeyId"], key["Arn"])
        d = self.elcui("destroy", name, "--confirm", name, timeout=180)
        self.assertEqual(d.rc, 0, d)
        # reused: still there and untouched
        self.assertEqual(ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["State"], "available")
        self.assertEqual(kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"], "Enabled")
        self.assertEqual(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"], [])

    def test_reused_key_without_the_logs_statement_is_a_conflict(self):
        key = self.c["kms"].create_key(Description="bare")["KeyMetadata"]
        r = self.elcui("create", "--name", "bare", "--plan", "--json", "--reuse-kms", key["KeyId"])
        self.assertEqual(r.rc, 1, r)
        res = {x["key"]: x for x in r.json()["resources"]}
        self.assertEqual(res["kms.rest.policy"]["action"], "conflict")
        self.assertIn("logs.%s.amazonaws.com" % REGION, res["kms.rest.policy"]["reason"])


def on_terminal(env, args, answer, timeout=120):
    """Run elcui ARGS with a pseudo-terminal as its controlling terminal;
    type ANSWER when it asks. Returns (exit status, everything it wrote)."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            os.execve(harness.ELCUI, [harness.ELCUI] + list(args), env)
        finally:
            os._exit(127)
    out = b""
    answered = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if fd in r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            if not answered and b"Type the stack name" in out:
                os.write(fd, answer.encode() + b"\n")
                answered = True
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                # drain what is left
                while select.select([fd], [], [], 0.1)[0]:
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    out += chunk
                return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")
        else:
            raise AssertionError("elcui %s did not finish:\n%s" % (" ".join(args), out.decode("utf-8", "replace")))
        # the terminal closed: the program is ending
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")
            time.sleep(0.05)
        raise AssertionError("elcui %s did not exit:\n%s" % (" ".join(args), out.decode("utf-8", "replace")))
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


@harness.needs_binary
class TestConfirmOnTheTerminal(Base):
    create_delay = 0

    def test_apply_and_destroy_ask_for_the_name(self):
        name = "asked"
        self.sb.reset_counters()
        rc, out = on_terminal(self.env, ["create", "--name", name, "--apply"], "nope")
        self.assertEqual(rc, 1, out)
        self.assertIn("create   vpc", out)  # the plan was shown first
        self.assertIn("not confirmed", out)
        ops = self.sb.counters()["requests"]["operations"]
        self.assertTrue(all(READ_OPS.match(k.split(":", 1)[1]) for k in ops), ops)
        rc, out = on_terminal(self.env, ["create", "--name", name, "--apply"], name)
        self.assertEqual(rc, 0, out)
        self.assertIn("apply of stack asked finished", out)
        self.assert_one_of_each(name)
        self.assertNotIn(self.token_of(name), out)
        rc, out = on_terminal(self.env, ["destroy", name], "asked-not")
        self.assertEqual(rc, 1, out)
        self.assertEqual(len(self.vpcs(name)), 1)
        rc, out = on_terminal(self.env, ["destroy", name], name)
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.vpcs(name), [])


@harness.needs_binary
class TestValidationBeforeAnyRequest(Base):
    create_delay = 0

    CASES = [
        (["--vpc-cidr", "10.20.32.1/25"], "network.vpc_cidr"),
        (["--private-subnets", "10.20.32.0/27,10.20.32.32/27,10.99.0.0/27"], "network.private_subnets"),
        (["--private-subnets", "10.20.32.0/27,10.20.32.16/28,10.20.32.64/27"], "network.private_subnets"),
        (["--zones", "us-east-2a"], "network.availability_zones"),
        (["--replicas", "0"], "cache.multi_az"),
        (["--set", "cache.automatic_failover=no"], "cache.multi_az"),
        (["--set", "cache.automatic_failover=no", "--no-multi-az"], "cache.automatic_failover"),
        (["--node-type", "cache.x9.huge"], "cache.node_type"),
        (["--engine-version", "6.2"], "cache.parameter_group"),
        (["--engine", "memcached"], "cache.engine"),
        (["--set", "cache.transit_encryption=no"], "cache.auth_token"),
        (["--set", "secret.token_length=8"], "secret.token_length"),
        (["--set", "names.replication_group_id=1abc"], "names.replication_group_id"),
        (["--set", "names.replication_group_id=abc-"], "names.replication_group_id"),
        (["--set", "names.replication_group_id=a--b"], "names.replication_group_id"),
        (["--set", "names.engine_log_group=/elasticache/v/slow-log"], "names.engine_log_group"),
        (["--shards", "31"], "cache.shards"),
        (["--shards", "501", "--replicas", "0", "--no-multi-az"], "cache.shards"),
        (["--replicas", "6"], "cache.replicas"),
        (["--log-retention", "366"], "logs.retention_days"),
        (["--port", "0"], "cache.port"),
        (["--reuse-subnets", "subnet-1,subnet-2"], "reuse.subnets"),
    ]

    def test_each_rule_rejects_before_any_request(self):
        for args, field in self.CASES:
            with self.subTest(args=args):
                self.sb.reset_counters()
                r = self.elcui("create", "--name", "v", "--apply", "--yes", *args)
                self.assertEqual(r.rc, 2, r)
                self.assertIn(field, r.err)
                self.assertIn("nothing was sent to AWS", r.err)
                self.assertEqual(self.sb.requests_seen(), 0, r)

    def test_token_file_rules(self):
        d = tempfile.mkdtemp()
        try:
            bad = os.path.join(d, "token")
            with open(bad, "w") as f:
                f.write("short\n")
            os.chmod(bad, 0o600)
            self.sb.reset_counters()
            r = self.elcui("create", "--name", "v", "--plan", "--token-file", bad)
            self.assertEqual(r.rc, 2, r)
            self.assertIn("secret.token_file", r.err)
            self.assertNotIn("short", r.err)
            self.assertEqual(self.sb.requests_seen(), 0)
        finally:
            shutil.rmtree(d)

    def test_json_problems_and_usage(self):
        self.sb.reset_counters()
        r = self.elcui("create", "--name", "v", "--plan", "--json", "--replicas", "0")
        self.assertEqual(r.rc, 2, r)
        j = r.json()
        self.assertFalse(j["valid"])
        self.assertIn("cache.multi_az", [p["field"] for p in j["problems"]])
        r = self.elcui("create", "--plan")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--name", r.err)
        r = self.elcui("create", "--name", "v", "--plan", "--apply")
        self.assertEqual(r.rc, 2)
        r = self.elcui("create", "--name", "v", "--set", "cache.nope=1")
        self.assertEqual(r.rc, 2)
        self.assertIn("unknown key", r.err)
        r = self.elcui("destroy", "v", "--confirm", "w")
        self.assertEqual(r.rc, 2)
        # the region the session resolves is the one checked (flag, environment)
        r = self.elcui("--region", "eu-south-2", "create", "--name", "v", "--plan")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("cache.node_type: cache.t2.small is a previous-generation type that eu-south-2 does not offer", r.err)
        r = self.elcui("create", "--name", "v", "--plan", env=harness.env_with(self.env, AWS_REGION="il-central-1"))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("il-central-1 does not offer", r.err)
        self.assertEqual(self.sb.requests_seen(), 0)

    def test_read_only_refuses_changes(self):
        self.sb.reset_counters()
        r = self.elcui("--read-only", "create", "--name", "v", "--apply", "--yes")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--read-only", r.err)
        r = self.elcui("--read-only", "destroy", "v", "--confirm", "v")
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(self.sb.requests_seen(), 0)
        # a plan only reads, so it is allowed
        r = self.elcui("--read-only", "create", "--name", "v", "--plan")
        self.assertEqual(r.rc, 0, r)

    def test_apply_without_terminal_needs_yes(self):
        self.sb.reset_counters()
        r = self.elcui("create", "--name", "v", "--apply")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("--yes", r.err)
        ops = self.sb.counters()["requests"]["operations"]
        self.assertTrue(all(READ_OPS.match(k.split(":", 1)[1]) for k in ops), ops)

    def test_spec_file(self):
        d = tempfile.mkdtemp()
        try:
            p = os.path.join(d, "s.spec")
            with open(p, "w") as f:
                f.write("[stack]\nname = filed\n[cache]\nshards = 2\nreplicas = 1\n[names]\ndescription = from a file\n")
            r = self.elcui("create", "--spec", p, "--print-spec")
            self.assertEqual(r.rc, 0, r)
            self.assertIn("shards = 2", r.out)
            p2 = os.path.join(d, "again.spec")
            with open(p2, "w") as f:
                f.write(r.out)
            r2 = self.elcui("create", "--spec", p2, "--print-spec")
            self.assertEqual(r2.out, r.out)
            r3 = self.elcui("create", "--spec", p, "--plan", "--json")
            self.assertEqual(r3.rc, 0, r3)
            rg = [x for x in r3.json()["resources"] if x["key"] == "replication-group"][0]
            self.assertEqual(rg["calls"][0]["parameters"]["NumNodeGroups"], "2")
            self.assertEqual(rg["calls"][0]["parameters"]["ReplicationGroupDescription"], "from a file")
            with open(p, "w") as f:
                f.write("[stack]\nname = filed\n[cache]\nshardz = 2\n")
            self.sb.reset_counters()
            r4 = self.elcui("create", "--spec", p, "--plan")
            self.assertEqual(r4.rc, 2, r4)
            self.assertIn("s.spec:4", r4.err)
            self.assertEqual(self.sb.requests_seen(), 0)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
