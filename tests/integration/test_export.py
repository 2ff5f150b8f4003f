"""`elcui export` against the sandbox.

Terraform: every resource of the plan (`elcui create --plan --json`) appears
in the HCL with its values (the HCL is parsed and evaluated with hclite:
names, CIDRs, the SG rule, both key policies statement by statement against
the seed's, log groups with KMS and retention, the secret and its token
path, every replication group argument, SSM types and keys, IAM documents),
for the plan and for the live demo stack; `terraform fmt -check` accepts it
when terraform is installed. Spec: the live stack exported as a spec plans
as nothing to do. CLI: the script, run with the aws CLI against a FRESH
sandbox, recreates the stack with the seed's values (checked with boto3),
never prints the token, and the result audits clean but for the findings
the seed accepts.

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_export.py
"""

import json
import os
import shutil
import string
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import hclite  # noqa: E402
from hclite import ACCOUNT, Ref  # noqa: E402
from sandbox import seeds  # noqa: E402

NAME = "app-4"
REGION = "us-east-2"
TOKEN_ALPHABET = set(string.ascii_letters + string.digits + "!&#$^<>-")


def tf_files(out):
    files = hclite.split_stream(out)
    assert files, "no '# ==== FILE ====' sections in:\n" + out[:2000]
    return files


class Checker:
    """Checks of one Terraform export against a plan and the seed."""

    def __init__(self, tc, doc, zones=None):
        self.tc = tc
        self.doc = doc
        self.zones = zones

    def ev(self, block, attr, count_index=None):
        self.tc.assertIn(attr, block.attrs, "%r has no %s" % (block, attr))
        return self.doc.eval(block.attrs[attr], count_index)

    def name_tag(self, block, count_index=None):
        tags = self.ev(block, "tags", count_index)
        return tags["Name"]

    def check(self, res):
        key = res["key"]
        d = self.doc
        tc = self.tc
        name = res["name"]
        if key == "vpc":
            v = d.resource("aws_vpc", "this")
            tc.assertEqual(self.ev(v, "cidr_block"), res["cidr"])
            tc.assertIs(self.ev(v, "enable_dns_support"), True)
            tc.assertIs(self.ev(v, "enable_dns_hostnames"), True)
            tc.assertEqual(self.name_tag(v), name)
        elif key.startswith("subnet."):
            _, kind, n = key.split(".")
            i = int(n) - 1
            sn = d.resource("aws_subnet", kind)
            cidrs = d.variable("subnet_cidr_%s" % kind)
            tc.assertGreater(len(cidrs), i)
            tc.assertEqual(self.ev(sn, "count"), len(cidrs))
            tc.assertEqual(cidrs[i], res["cidr"])
            tc.assertEqual(self.name_tag(sn, i), name)
            if self.zones:
                tc.assertEqual(self.ev(sn, "availability_zone", i), res["zone"])
            d.resource("aws_route_table_association", kind)
        elif key.startswith("route-table."):
            parts = key.split(".")
            rt = d.resource("aws_route_table", parts[1])
            tc.assertEqual(self.name_tag(rt, int(parts[2]) - 1 if len(parts) == 3 else None), name)
        elif key == "default-sg":
            sg = d.resource("aws_default_security_group", "default")
            tc.assertEqual(self.name_tag(sg), name)
            tc.assertNotIn("ingress", [b.kind for b in sg.blocks])
            tc.assertNotIn("egress", [b.kind for b in sg.blocks])
        elif key == "subnet-group":
            g = d.resource("aws_elasticache_subnet_group", "elasticache_subnet")
            tc.assertEqual(self.ev(g, "name"), name)
            tc.assertEqual(self.ev(g, "subnet_ids"), Ref("aws_subnet.private[*].id"))
        elif key == "security-group":
            sg = d.resource("aws_security_group", "elasticache")
            tc.assertEqual(self.ev(sg, "name"), name)
            tc.assertEqual(self.ev(sg, "description"), "Allow inbound to and outbound access from the Amazon ElastiCache cluster.")
            ing = d.resource("aws_security_group_rule", "elasticache_ingress")
            tc.assertEqual(self.ev(ing, "type"), "ingress")
            tc.assertEqual((self.ev(ing, "protocol"), self.ev(ing, "from_port"), self.ev(ing, "to_port")), ("tcp", 6379, 6379))
            tc.assertEqual(self.ev(ing, "cidr_blocks"), ["10.20.32.0/25"])
            tc.assertEqual(self.ev(ing, "description"), "Enable communication to the Amazon ElastiCache for Redis cluster.")
            eg = d.resource("aws_security_group_rule", "elasticache_egress")
            tc.assertEqual((self.ev(eg, "type"), self.ev(eg, "protocol"), self.ev(eg, "cidr_blocks")), ("egress", "-1", ["0.0.0.0/0"]))
        elif key in ("kms.rest", "kms.secret"):
            label = "encryption_rest" if key == "kms.rest" else "encryption_secret"
            k = d.resource("aws_kms_key", label)
            tc.assertIs(self.ev(k, "enable_key_rotation"), True)
            tc.assertEqual(self.ev(k, "deletion_window_in_days"), 7)
            tc.assertEqual(self.ev(k, "description"), "Key to encrypt cache at rest." if key == "kms.rest" else "Key to encrypt secret")
            a = d.resource("aws_kms_alias", label)
            tc.assertEqual(self.ev(a, "name"), name)
            tc.assertEqual(self.ev(a, "target_key_id"), Ref("aws_kms_key.%s.key_id" % label))
            tc.assertEqual(self.name_tag(k), name[len("alias/") :])
        elif key in ("kms.rest.policy", "kms.secret.policy"):
            rest = key == "kms.rest.policy"
            p = d.resource("aws_kms_key_policy", "encryption_rest_policy" if rest else "encryption_secret_policy")
            want = (seeds.at_rest_key_policy if rest else seeds.secret_key_policy)(ACCOUNT, REGION, NAME)
            tc.assertEqual(self.ev(p, "policy"), want)
        elif key.startswith("log-group."):
            label = "slow_log" if key.endswith("slow") else "engine_log"
            lg = d.resource("aws_cloudwatch_log_group", label)
            tc.assertEqual(self.ev(lg, "name"), name)
            tc.assertEqual(self.ev(lg, "retention_in_days"), 365)
            tc.assertEqual(self.ev(lg, "kms_key_id"), Ref("aws_kms_key.encryption_rest.arn"))
            tc.assertEqual(self.ev(lg, "depends_on"), [Ref("aws_kms_key_policy.encryption_rest_policy")])
        elif key == "secret":
            s = d.resource("aws_secretsmanager_secret", "elasticache_auth")
            tc.assertEqual(self.ev(s, "name"), name)
            tc.assertEqual(self.ev(s, "recovery_window_in_days"), 0)
            tc.assertEqual(self.ev(s, "kms_key_id"), Ref("aws_kms_key.encryption_secret.id"))
            v = d.resource("aws_secretsmanager_secret_version", "auth")
            tc.assertEqual(self.ev(v, "secret_string"), Ref("random_password.auth.result"))
            rp = d.resource("random_password", "auth")
            tc.assertEqual((self.ev(rp, "length"), self.ev(rp, "special"), self.ev(rp, "override_special")), (128, True, "!&#$^<>-"))
        elif key == "replication-group":
            rg = d.resource("aws_elasticache_replication_group", "app4")
            want = {
                "replication_group_id": name,
                "description": "ElastiCache cluster for app-4",
                "engine": "redis",
                "node_type": "cache.t2.small",
                "parameter_group_name": "default.redis7.cluster.on",
                "port": 6379,
                "num_node_groups": 3,
                "replicas_per_node_group": 2,
                "multi_az_enabled": True,
                "automatic_failover_enabled": True,
                "subnet_group_name": Ref("aws_elasticache_subnet_group.elasticache_subnet.name"),
                "security_group_ids": [Ref("aws_security_group.elasticache.id")],
                "at_rest_encryption_enabled": True,
                "kms_key_id": Ref("aws_kms_key.encryption_rest.arn"),
                "transit_encryption_enabled": True,
                "auth_token": Ref("aws_secretsmanager_secret_version.auth.secret_string"),
                "apply_immediately": True,
            }
            for k, v in want.items():
                tc.assertEqual(self.ev(rg, k), v, k)
            tc.assertNotIn("snapshot_retention_limit", rg.attrs)  # backups off, as the seed
            logs = rg.nested("log_delivery_configuration")
            got = sorted((self.ev(b, "log_type"), self.ev(b, "destination"), self.ev(b, "destination_type"), self.ev(b, "log_format")) for b in logs)
            tc.assertEqual(got, [("engine-log", Ref("aws_cloudwatch_log_group.engine_log.name"), "cloudwatch-logs", "json"), ("slow-log", Ref("aws_cloudwatch_log_group.slow_log.name"), "cloudwatch-logs", "json")])
            lc = rg.nested("lifecycle")
            tc.assertEqual(len(lc), 1)
            tc.assertEqual(self.ev(lc[0], "ignore_changes"), [Ref("kms_key_id")])
        elif key.startswith("ssm."):
            label = "elasticache_ep" if key == "ssm.endpoint" else "elasticache_port"
            p = d.resource("aws_ssm_parameter", label)
            tc.assertEqual(self.ev(p, "name"), name)
            tc.assertEqual(self.ev(p, "type"), "SecureString")
            tc.assertEqual(self.ev(p, "key_id"), Ref("aws_kms_key.encryption_rest.id"))
            val = str(self.ev(p, "value"))
            tc.assertIn("configuration_endpoint_address" if key == "ssm.endpoint" else ".port", val)
        elif key.startswith("iam."):
            ssm = key == "iam.ssm-read"
            p = d.resource("aws_iam_policy", "ssm_parameter_policy" if ssm else "secret_manager_policy")
            tc.assertEqual(self.ev(p, "name"), name)
            tc.assertEqual(self.ev(p, "path"), "/")
            doc = self.ev(p, "policy")
            if ssm:
                want = [
                    {"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"], "Resource": [Ref("aws_ssm_parameter.elasticache_ep.arn"), Ref("aws_ssm_parameter.elasticache_port.arn")]},
                    {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [Ref("aws_kms_key.encryption_rest.arn")]},
                ]
            else:
                want = [
                    {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [Ref("aws_secretsmanager_secret.elasticache_auth.arn")]},
                    {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [Ref("aws_kms_key.encryption_secret.arn")]},
                ]
            tc.assertEqual(doc, {"Version": "2012-10-17", "Statement": want})
        else:
            tc.fail("plan resource %s has no Terraform counterpart in the test" % key)


@harness.needs_binary
class ExportTerraformTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=False)
        cls.tmp = tempfile.mkdtemp(prefix="elcui-export-")
        cls.env = harness.env_with(cls.sb.env, XDG_STATE_HOME=os.path.join(cls.tmp, "state"))

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_elcui(self, *args, rc=0, env=None):
        r = harness.run(env or self.env, *args, timeout=120)
        self.assertEqual(r.rc, rc, r)
        return r

    def plan(self, *extra):
        r = self.run_elcui("create", "--name", NAME, "--plan", "--json", *extra)
        return r.json()

    def check_all(self, out, zones=None):
        doc = hclite.parse_files(tf_files(out))
        plan = self.plan()
        keys = [res["key"] for res in plan["resources"]]
        self.assertIn("replication-group", keys)
        self.assertGreaterEqual(len(keys), 24)
        c = Checker(self, doc, zones)
        for res in plan["resources"]:
            with self.subTest(resource=res["key"]):
                c.check(res)
        return doc, plan

    def fmt_check(self, out, name):
        tf = shutil.which("terraform")
        if not tf:
            return
        d = os.path.join(self.tmp, name)
        os.makedirs(d, exist_ok=True)
        for fname, text in tf_files(out).items():
            with open(os.path.join(d, fname), "w") as f:
                f.write(text)
        p = subprocess.run([tf, "fmt", "-check", "-diff", d], capture_output=True, text=True, env=dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null"), timeout=60)
        self.assertEqual(p.returncode, 0, "terraform fmt -check:\n" + p.stdout + p.stderr)

    def test_plan_every_resource_with_values(self):
        r = self.run_elcui("export", "--name", NAME, "--format", "terraform")
        doc, _ = self.check_all(r.out)
        self.assertEqual(doc.variable("region"), REGION)
        self.assertEqual(doc.variable("availability_zones"), [])  # the region's zones at apply
        self.assertEqual(set(tf_files(r.out)), {"provider.tf", "variable.tf", "data.tf", "network.tf", "security_group.tf", "kms.tf", "cloudwatch.tf", "random.tf", "elasticache.tf", "ssm_parameter.tf", "iam_role.tf"})
        prov = doc.blocks("provider", "aws")[0]
        self.assertEqual(doc.eval(prov.nested("default_tags")[0].attrs["tags"]), {"elcui:stack": NAME})
        self.fmt_check(r.out, "plan-tf")

    def test_live_every_resource_with_values(self):
        ec2 = self.sb.client("ec2")
        subnets = ec2.describe_subnets(Filters=[{"Name": "tag:elcui:stack", "Values": [NAME]}])["Subnets"]
        zones = {}
        for s in subnets:
            zones[{t["Key"]: t["Value"] for t in s["Tags"]}["Name"]] = s["AvailabilityZone"]
        r = self.run_elcui("export", NAME, "--format", "terraform")
        doc, _ = self.check_all(r.out, zones=True)
        self.assertEqual(doc.variable("availability_zones"), [zones["app-4-private-%d" % i] for i in (1, 2, 3)])
        rg = doc.resource("aws_elasticache_replication_group", "app4")
        self.assertEqual(doc.eval(rg.attrs["engine_version"]), "7.1")
        self.fmt_check(r.out, "live-tf")

    def test_live_spec_plans_as_nothing_to_do(self):
        path = os.path.join(self.tmp, "live-spec")
        r = self.run_elcui("export", NAME, "--format", "spec", "--output", path)
        self.assertIn("wrote", r.err)
        spec = os.path.join(path, "app-4.ini")
        with open(spec) as f:
            text = f.read()
        self.assertIn("name = app-4", text)
        self.assertIn("node_type = cache.t2.small", text)
        plan = self.run_elcui("create", "--spec", spec, "--plan", "--json").json()
        s = plan["summary"]
        self.assertEqual((s["create"], s["change"], s["conflict"]), (0, 0, 0), json.dumps(plan, indent=1)[:3000])
        # and the spec audits as the live stack does
        self.run_elcui("audit", "--spec", spec)

    def test_json_output_and_errors(self):
        r = self.run_elcui("export", "--name", NAME, "--format", "cli", "--json")
        j = r.json()
        self.assertEqual((j["format"], j["stack"], j["mode"]), ("cli", NAME, "plan"))
        self.assertEqual([f["name"] for f in j["files"]], ["create-app-4.sh"])
        self.assertTrue(j["files"][0]["text"].startswith("#!/bin/sh\n"))
        r = self.run_elcui("export", "legacy-1", "--format", "spec", "--json")
        j = r.json()
        self.assertEqual(j["mode"], "live")
        self.assertTrue(any("default subnet group" in n for n in j["notes"]), j["notes"])
        self.assertIn("transit_encryption = no", j["files"][0]["text"])
        r = self.run_elcui("export", "no-such-stack", "--format", "spec", rc=1)
        self.assertIn("no replication group", r.err)
        self.run_elcui("export", NAME, rc=2)  # no --format
        self.run_elcui("export", NAME, "--format", "yaml", rc=2)
        self.run_elcui("export", NAME, "--name", NAME, "--format", "spec", rc=2)


def aws_bin_dir():
    """The directory of the real aws script (pyenv shims are slow)."""
    try:
        p = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True, timeout=30)
        if p.returncode == 0 and p.stdout.strip():
            return os.path.dirname(p.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    a = shutil.which("aws")
    return os.path.dirname(a) if a else None


@harness.needs_binary
@harness.machine_skip_unless(shutil.which("aws"), "no `aws` command on PATH (make deps installs the awscli package)")
class ExportCliTest(unittest.TestCase):
    """The CLI export recreates the stack in a fresh sandbox."""

    def test_cli_script_recreates_the_stack(self):
        tmp = tempfile.mkdtemp(prefix="elcui-export-cli-")
        sb = harness.sandbox(seed="empty", redis=False)
        try:
            env = harness.env_with(sb.env, XDG_STATE_HOME=os.path.join(tmp, "state"))
            r = harness.run(env, "export", "--name", NAME, "--format", "cli", "--output", tmp)
            self.assertEqual(r.rc, 0, r)
            script = os.path.join(tmp, "create-app-4.sh")
            self.assertTrue(os.access(script, os.X_OK))
            run_env = dict(env)
            d = aws_bin_dir()
            if d:
                run_env["PATH"] = d + os.pathsep + run_env.get("PATH", "")
            p = subprocess.run(["sh", script], env=run_env, capture_output=True, text=True, timeout=1200)
            self.assertEqual(p.returncode, 0, "script failed:\n" + p.stdout[-3000:] + p.stderr[-6000:])
            self.assertIn("stack app-4 is ready", p.stderr)
            self.verify(sb, p.stdout + p.stderr)
            # the recreated stack audits clean but for what the seed accepts
            r = harness.run(env, "audit", NAME, "--json")
            self.assertEqual(r.rc, 0, r)
            rep = r.json()
            self.assertEqual({x["id"] for x in rep["results"] if x["status"] == "accepted"}, {"backups", "secret-rotation"})
            self.assertEqual([x for x in rep["results"] if x["status"] in ("fail", "unknown")], [])
        finally:
            sb.stop()
            shutil.rmtree(tmp, ignore_errors=True)

    def verify(self, sb, output):
        ec2, ec, kms, logs, sm, ssm, iam, sts = (sb.client(n) for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam", "sts"))
        account = sts.get_caller_identity()["Account"]
        tag = [{"Name": "tag:elcui:stack", "Values": [NAME]}]
        vpcs = ec2.describe_vpcs(Filters=tag)["Vpcs"]
        self.assertEqual(len(vpcs), 1)
        vpc = vpcs[0]["VpcId"]
        self.assertEqual(vpcs[0]["CidrBlock"], "10.20.32.0/25")
        for attr in ("enableDnsSupport", "enableDnsHostnames"):
            a = ec2.describe_vpc_attribute(VpcId=vpc, Attribute=attr)
            self.assertTrue(a[attr[0].upper() + attr[1:]]["Value"], attr)
        subnets = {t["Value"]: s for s in ec2.describe_subnets(Filters=tag)["Subnets"] for t in s["Tags"] if t["Key"] == "Name"}
        self.assertEqual({n: s["CidrBlock"] for n, s in subnets.items()}, {"app-4-private-1": "10.20.32.0/27", "app-4-private-2": "10.20.32.32/27", "app-4-private-3": "10.20.32.64/27", "app-4-public-1": "10.20.32.96/27"})
        priv_azs = [subnets["app-4-private-%d" % i]["AvailabilityZone"] for i in (1, 2, 3)]
        self.assertEqual(len(set(priv_azs)), 3)
        self.assertEqual(subnets["app-4-public-1"]["AvailabilityZone"], priv_azs[0])
        rtbs = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
        named = {t["Value"]: r for r in rtbs for t in r.get("Tags", []) if t["Key"] == "Name"}
        for i in (1, 2, 3):
            assoc = [a["SubnetId"] for a in named["app-4-private-%d" % i]["Associations"] if a.get("SubnetId")]
            self.assertEqual(assoc, [subnets["app-4-private-%d" % i]["SubnetId"]])
        self.assertEqual([a["SubnetId"] for a in named["app-4-public"]["Associations"] if a.get("SubnetId")], [subnets["app-4-public-1"]["SubnetId"]])
        dsg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
        self.assertEqual((dsg["IpPermissions"], dsg["IpPermissionsEgress"]), ([], []))
        sng = ec.describe_cache_subnet_groups(CacheSubnetGroupName="app-4-cache-subnet")["CacheSubnetGroups"][0]
        self.assertEqual(sorted(s["SubnetIdentifier"] for s in sng["Subnets"]), sorted(subnets["app-4-private-%d" % i]["SubnetId"] for i in (1, 2, 3)))
        sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["app-4-elasticache-sg"]}])["SecurityGroups"][0]
        self.assertEqual(sg["VpcId"], vpc)
        self.assertEqual(len(sg["IpPermissions"]), 1)
        perm = sg["IpPermissions"][0]
        self.assertEqual((perm["IpProtocol"], perm["FromPort"], perm["ToPort"], [r["CidrIp"] for r in perm["IpRanges"]]), ("tcp", 6379, 6379, ["10.20.32.0/25"]))
        # keys: rotation, aliases, policies equal to the seed's
        keys = {}
        for alias, policy in (("alias/app-4-encryption-rest", seeds.at_rest_key_policy), ("alias/app-4-encryption-secret", seeds.secret_key_policy)):
            meta = kms.describe_key(KeyId=alias)["KeyMetadata"]
            keys[alias] = meta
            self.assertTrue(kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"], alias)
            doc = json.loads(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
            self.assertEqual(doc, policy(account, REGION, NAME), alias)
        rest = keys["alias/app-4-encryption-rest"]["Arn"]
        sec_key = keys["alias/app-4-encryption-secret"]["Arn"]
        for lt in ("slow-log", "engine-log"):
            lg = [g for g in logs.describe_log_groups(logGroupNamePrefix="/elasticache/app-4/" + lt)["logGroups"] if g["logGroupName"] == "/elasticache/app-4/" + lt]
            self.assertEqual(len(lg), 1)
            self.assertEqual((lg[0]["kmsKeyId"], lg[0]["retentionInDays"]), (rest, 365))
        secret = sm.describe_secret(SecretId="app-4-elasticache-auth")
        self.assertIn(secret["KmsKeyId"], (sec_key, keys["alias/app-4-encryption-secret"]["KeyId"]))
        token = sm.get_secret_value(SecretId="app-4-elasticache-auth")["SecretString"]
        try:
            self.assertEqual(len(token), 128)
            self.assertTrue(set(token) <= TOKEN_ALPHABET, "the token has characters AUTH does not allow")
            self.assertNotIn(token, output, "the script printed the token")
        finally:
            token = None
        g = ec.describe_replication_groups(ReplicationGroupId=NAME)["ReplicationGroups"][0]
        self.assertEqual(g["Status"], "available")
        self.assertEqual(g["Description"], "ElastiCache cluster for app-4")
        self.assertEqual(g["CacheNodeType"], "cache.t2.small")
        self.assertEqual(len(g["NodeGroups"]), 3)
        self.assertEqual({len(n["NodeGroupMembers"]) for n in g["NodeGroups"]}, {3})
        self.assertEqual((g["MultiAZ"], g["AutomaticFailover"]), ("enabled", "enabled"))
        self.assertEqual((g["AtRestEncryptionEnabled"], g["TransitEncryptionEnabled"], g["AuthTokenEnabled"]), (True, True, True))
        self.assertEqual(g["KmsKeyId"], rest)
        self.assertTrue(g["ClusterEnabled"])
        self.assertEqual(g["SnapshotRetentionLimit"], 0)
        self.assertEqual(sorted((c["LogType"], c["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"], c["LogFormat"]) for c in g["LogDeliveryConfigurations"]), [("engine-log", "/elasticache/app-4/engine-log", "json"), ("slow-log", "/elasticache/app-4/slow-log", "json")])
        cc = ec.describe_cache_clusters(CacheClusterId=g["MemberClusters"][0])["CacheClusters"][0]
        self.assertEqual((cc["CacheParameterGroup"]["CacheParameterGroupName"], cc["CacheSubnetGroupName"]), ("default.redis7.cluster.on", "app-4-cache-subnet"))
        self.assertEqual([s["SecurityGroupId"] for s in cc["SecurityGroups"]], [sg["GroupId"]])
        tags = {t["Key"]: t["Value"] for t in ec.list_tags_for_resource(ResourceName=g["ARN"])["TagList"]}
        self.assertEqual(tags.get("elcui:stack"), NAME)
        # SSM after the group: SecureString with the at-rest key, the endpoint and port
        params = {p["Name"]: p for p in ssm.describe_parameters()["Parameters"]}
        for n in ("/elasticache/app-4/app-4/endpoint", "/elasticache/app-4/app-4/port"):
            self.assertEqual(params[n]["Type"], "SecureString")
            self.assertIn(params[n]["KeyId"], (keys["alias/app-4-encryption-rest"]["KeyId"], rest))
        self.assertEqual(ssm.get_parameter(Name="/elasticache/app-4/app-4/endpoint", WithDecryption=True)["Parameter"]["Value"], g["ConfigurationEndpoint"]["Address"])
        self.assertEqual(ssm.get_parameter(Name="/elasticache/app-4/app-4/port", WithDecryption=True)["Parameter"]["Value"], str(g["ConfigurationEndpoint"]["Port"]))
        # IAM last, exact documents
        arn_p = "arn:aws:ssm:%s:%s:parameter/elasticache/app-4/app-4" % (REGION, account)
        for pname, want in (
            ("app-4-ssm-parameter-read-policy", [{"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"], "Resource": [arn_p + "/endpoint", arn_p + "/port"]}, {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [rest]}]),
            ("app-4-secret-read-policy", [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [secret["ARN"]]}, {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [sec_key]}]),
        ):
            arn = "arn:aws:iam::%s:policy/%s" % (account, pname)
            pol = iam.get_policy(PolicyArn=arn)["Policy"]
            ver = iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])["PolicyVersion"]
            doc = ver["Document"]
            if isinstance(doc, str):
                doc = json.loads(doc)
            self.assertEqual(doc, {"Version": "2012-10-17", "Statement": want}, pname)


if __name__ == "__main__":
    unittest.main()
