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
import re
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
        self.zones = zones  # a live export: tags are what the live resources hold (see ExportLiveAgainstBoto3)

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
            if not self.zones:
                tc.assertEqual(self.ev(g, "description"), "Cache subnets of app-4")
            tc.assertEqual(self.ev(g, "subnet_ids"), Ref("aws_subnet.private[*].id"))
        elif key == "security-group":
            sg = d.resource("aws_security_group", "elasticache")
            tc.assertEqual(self.ev(sg, "name"), name)
            if not self.zones:
                tc.assertEqual(self.name_tag(sg), name)
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
            # after its key's policy, as the plan orders it
            tc.assertEqual(self.ev(s, "depends_on"), [Ref("aws_kms_key_policy.encryption_secret_policy")])
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
            if not self.zones:
                # where exec and doctor find the token: kept in every format
                tc.assertEqual(self.ev(rg, "tags"), {"elcui:auth-secret": "app-4-elasticache-auth"})
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
        self.assertEqual(doc.variable("availability_zones"), {})  # the region's zones at apply
        self.assertEqual(doc.eval(doc.local_expr("azs")), Ref("data.aws_availability_zones.available.names"))
        self.assertEqual(set(tf_files(r.out)), {"provider.tf", "variable.tf", "data.tf", "network.tf", "security_group.tf", "kms.tf", "cloudwatch.tf", "random.tf", "elasticache.tf", "ssm_parameter.tf", "iam_role.tf"})
        prov = doc.blocks("provider", "aws")[0]
        self.assertEqual(doc.eval(prov.nested("default_tags")[0].attrs["tags"]), {"elcui:stack": NAME})

    def test_live_every_resource_with_values(self):
        ec2 = self.sb.client("ec2")
        subnets = ec2.describe_subnets(Filters=[{"Name": "tag:elcui:stack", "Values": [NAME]}])["Subnets"]
        zones = {}
        for s in subnets:
            zones[{t["Key"]: t["Value"] for t in s["Tags"]}["Name"]] = s["AvailabilityZone"]
        r = self.run_elcui("export", NAME, "--format", "terraform")
        doc, _ = self.check_all(r.out, zones=True)
        pinned = [zones["app-4-private-%d" % i] for i in (1, 2, 3)]
        self.assertEqual(doc.variable("availability_zones"), {REGION: pinned})
        self.assertEqual(doc.eval(doc.local_expr("azs")), pinned)
        # another region alone: that region's available zones, not us-east-2's
        other = doc.with_variables(region="eu-west-1")
        self.assertEqual(other.eval(other.local_expr("azs")), Ref("data.aws_availability_zones.available.names"))
        sn = other.resource("aws_subnet", "private")
        self.assertTrue(other.eval(sn.attrs["availability_zone"], 0).path.startswith("data.aws_availability_zones.available.names["))
        rg = doc.resource("aws_elasticache_replication_group", "app4")
        self.assertEqual(doc.eval(rg.attrs["engine_version"]), "7.1")

    def test_live_export_matches_what_boto3_reads(self):
        """the demo stack (built as the seed's Terraform builds it): every
        exported attribute equals what boto3 reads"""
        r = self.run_elcui("export", NAME, "--format", "terraform")
        compare_with_boto3(self, tf_files(r.out), LiveReads(self, self.sb))

    def test_applied_stack_export_matches_what_boto3_reads(self):
        """a stack `elcui create --apply` built: the security group's Name
        tag, its own rule, the subnet group's description and the group's
        elcui:auth-secret tag are in the export as AWS holds them"""
        name = "app-7"
        r = self.run_elcui("create", "--name", name, "--apply", "--yes")
        self.addCleanup(self.run_elcui, "destroy", name, "--confirm", name)
        r = self.run_elcui("export", name, "--format", "terraform")
        doc = compare_with_boto3(self, tf_files(r.out), LiveReads(self, self.sb, name))
        sg = doc.resource("aws_security_group", "elasticache")
        self.assertEqual(doc.eval(sg.attrs["tags"]), {"Name": "app-7-elasticache-sg"})
        rg = doc.resource("aws_elasticache_replication_group", "app7")
        self.assertEqual(doc.eval(rg.attrs["tags"]), {"elcui:auth-secret": "app-7-elasticache-auth"})
        g = doc.resource("aws_elasticache_subnet_group", "elasticache_subnet")
        self.assertEqual(doc.eval(g.attrs["description"]), "Cache subnets of app-7")
        # and the CLI script and the spec say the same
        r = self.run_elcui("export", name, "--format", "cli")
        self.assertIn("{Key=Name,Value=app-7-elasticache-sg}", r.out)
        self.assertIn('{"Key":"elcui:auth-secret","Value":"app-7-elasticache-auth"}', r.out)
        self.assertIn("--cache-subnet-group-description 'Cache subnets of app-7'", r.out)
        r = self.run_elcui("export", name, "--format", "spec", "--json")
        self.assertEqual([n for n in r.json()["notes"] if "auth-secret" in n or "not exported" in n], [])

    def test_hashicorp_parser_accepts_every_export(self):
        """plan and live exports parse with HashiCorp's HCL parser (hcl/v2 as
        WebAssembly: npm @cdktf/hcl2json, installed by make deps), and what it
        reads is what hclite reads; a broken file is refused"""
        node = shutil.which("node")
        mod = os.path.join(harness.TOP, "build", "npm", "node_modules", "@cdktf", "hcl2json")
        if not node or not os.path.isfile(os.path.join(mod, "package.json")):
            harness.machine_skip(self, "no HashiCorp HCL parser (node and npm's @cdktf/hcl2json in build/npm: make deps)")
        exports = {}
        for mode, args in (("plan", ("--name", NAME)), ("live", (NAME,))):
            exports[mode] = tf_files(self.run_elcui("export", *args, "--format", "terraform").out)
        exports["broken"] = {"bad.tf": 'resource "a" "b" {\n  x = \n}\n'}
        parsed, errors = hashicorp_parse(self, node, mod, exports)
        self.assertEqual(list(errors), [("broken", "bad.tf")])
        self.assertIn("bad.tf:2", errors[("broken", "bad.tf")])
        for mode in ("plan", "live"):
            doc = hclite.parse_files(exports[mode])
            self.assertEqual({f for m, f in parsed if m == mode}, set(exports[mode]))
            # every resource and every attribute hclite reads, HashiCorp's parser reads too
            for b in doc.blocks("resource"):
                rtype, label = b.labels
                body = parsed[(mode, b.file)]["resource"][rtype][label][0]
                self.assertEqual(set(b.attrs) | {x.kind for x in b.blocks}, set(body), "%s %s.%s" % (mode, rtype, label))

    @harness.machine_skip_unless(shutil.which("terraform"), "no terraform on PATH (HashiCorp does not package it for Debian)")
    def test_terraform_fmt_accepts_every_export(self):
        for args, name in (((("--name", NAME)), "plan-tf"), ((NAME,), "live-tf")):
            r = self.run_elcui("export", *args, "--format", "terraform")
            self.fmt_check(r.out, name)

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


TOKEN = object()  # the AUTH token: AWS never returns it where Terraform sets it

# Terraform's own arguments, not values of the resource
META = {"count", "depends_on", "lifecycle", "apply_immediately"}
# Values AWS does not report back, each with why
NOT_READABLE = {
    ("aws_kms_key", "deletion_window_in_days"): "KMS reports a deletion window only once a deletion is scheduled",
    ("aws_secretsmanager_secret", "recovery_window_in_days"): "Secrets Manager reports a recovery window only once a deletion is scheduled",
}


class LiveReads:
    """What boto3 reads from the sandbox for the live stack, per Terraform
    resource and attribute, and the live value of every reference."""

    def __init__(self, tc, sb, name=NAME):
        self.tc = tc
        self.name = name
        self.rg_label = re.sub(r"[^A-Za-z0-9_]", "", name)
        ec2, ec, kms, logs, sm, ssm, iam, sts = (sb.client(n) for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam", "sts"))
        self.account = sts.get_caller_identity()["Account"]
        tag = [{"Name": "tag:elcui:stack", "Values": [name]}]
        self.vpc = ec2.describe_vpcs(Filters=tag)["Vpcs"][0]
        vpc_id = self.vpc["VpcId"]
        self.vpc_attr = {a: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=a)[a[0].upper() + a[1:]]["Value"] for a in ("enableDnsSupport", "enableDnsHostnames")}
        self.subnets = {tags(s["Tags"])["Name"]: s for s in ec2.describe_subnets(Filters=tag)["Subnets"]}
        self.rtbs = {tags(r.get("Tags", []))["Name"]: r for r in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"] if "Name" in tags(r.get("Tags", []))}
        sgs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
        self.default_sg = [g for g in sgs if g["GroupName"] == "default"][0]
        self.group = ec.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
        self.cluster = ec.describe_cache_clusters(CacheClusterId=self.group["MemberClusters"][0])["CacheClusters"][0]
        sg_id = self.cluster["SecurityGroups"][0]["SecurityGroupId"]
        self.sg = [g for g in sgs if g["GroupId"] == sg_id][0]
        self.sng = ec.describe_cache_subnet_groups(CacheSubnetGroupName=self.cluster["CacheSubnetGroupName"])["CacheSubnetGroups"][0]
        self.ec_tags = lambda arn: tags(ec.list_tags_for_resource(ResourceName=arn)["TagList"])
        self.keys = {}
        for label, alias in (("encryption_rest", "alias/%s-encryption-rest" % name), ("encryption_secret", "alias/%s-encryption-secret" % name)):
            meta = kms.describe_key(KeyId=alias)["KeyMetadata"]
            kid = meta["KeyId"]
            self.keys[label] = {
                "meta": meta,
                "alias": alias,
                "rotation": kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"],
                "policy": json.loads(kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"]),
                "tags": {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=kid)["Tags"]},
                "target": [a for a in kms.list_aliases(KeyId=kid)["Aliases"] if a["AliasName"] == alias][0]["TargetKeyId"],
            }
        self.log_groups = {}
        for lt in ("slow-log", "engine-log"):
            lgn = "/elasticache/%s/%s" % (name, lt)
            g = [x for x in logs.describe_log_groups(logGroupNamePrefix=lgn)["logGroups"] if x["logGroupName"] == lgn][0]
            self.log_groups[lt] = (g, logs.list_tags_log_group(logGroupName=lgn)["tags"])
        self.secret = sm.describe_secret(SecretId="%s-elasticache-auth" % name)
        token = sm.get_secret_value(SecretId=self.secret["ARN"])["SecretString"]
        # only the token's shape leaves this constructor
        self.token_shape = (len(token), set(token) - set(string.ascii_letters + string.digits))
        token = None
        self.params = {}
        for p in ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/elasticache/%s/" % name]}])["Parameters"]:
            value = ssm.get_parameter(Name=p["Name"], WithDecryption=True)["Parameter"]["Value"]
            self.params[p["Name"].rsplit("/", 1)[1]] = (p, value, tags(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=p["Name"])["TagList"]))
        self.policies = {}
        for pol in iam.list_policies(Scope="Local")["Policies"]:
            if not pol["PolicyName"].startswith(name + "-"):
                continue
            full = iam.get_policy(PolicyArn=pol["Arn"])["Policy"]
            doc = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId=pol["DefaultVersionId"])["PolicyVersion"]["Document"]
            self.policies[pol["PolicyName"]] = (full, json.loads(doc) if isinstance(doc, str) else doc, tags(iam.list_policy_tags(PolicyArn=pol["Arn"])["Tags"]))

    # ---- references ----
    def ref(self, path):
        """The live value of a reference the export writes."""
        rest, sec = self.keys["encryption_rest"]["meta"], self.keys["encryption_secret"]["meta"]
        m = re.match(r"^tostring\(<(.+)>\)$", path)
        if m:
            return str(self.ref(m.group(1)))
        m = re.match(r"^aws_(subnet|route_table)\.(private|public)(?:\[(\d+|\*)\])?\.id$", path)
        if m:
            kind, which, idx = m.groups()
            if kind == "route_table" and which == "public" and idx is None:
                return self.rtbs["%s-public" % self.name]["RouteTableId"]
            names = sorted(n for n in (self.subnets if kind == "subnet" else self.rtbs) if n.startswith("%s-%s-" % (self.name, which)))
            objs = [(self.subnets if kind == "subnet" else self.rtbs)[n] for n in names]
            ids = [o["SubnetId" if kind == "subnet" else "RouteTableId"] for o in objs]
            return ids if idx == "*" else ids[int(idx)]
        sm_arn = self.secret["ARN"]
        g = self.group
        table = {
            "aws_vpc.this.id": self.vpc["VpcId"],
            "aws_security_group.elasticache.id": self.sg["GroupId"],
            "aws_kms_key.encryption_rest.arn": rest["Arn"],
            "aws_kms_key.encryption_rest.id": rest["KeyId"],
            "aws_kms_key.encryption_rest.key_id": rest["KeyId"],
            "aws_kms_key.encryption_secret.arn": sec["Arn"],
            "aws_kms_key.encryption_secret.id": sec["KeyId"],
            "aws_kms_key.encryption_secret.key_id": sec["KeyId"],
            "aws_cloudwatch_log_group.slow_log.name": self.log_groups["slow-log"][0]["logGroupName"],
            "aws_cloudwatch_log_group.engine_log.name": self.log_groups["engine-log"][0]["logGroupName"],
            "aws_elasticache_subnet_group.elasticache_subnet.name": self.sng["CacheSubnetGroupName"],
            "aws_secretsmanager_secret.elasticache_auth.id": sm_arn,
            "aws_secretsmanager_secret.elasticache_auth.arn": sm_arn,
            "aws_secretsmanager_secret_version.auth.secret_string": TOKEN,
            "random_password.auth.result": TOKEN,
            "aws_elasticache_replication_group.%s.configuration_endpoint_address" % self.rg_label: g["ConfigurationEndpoint"]["Address"],
            "aws_elasticache_replication_group.%s.port" % self.rg_label: g["ConfigurationEndpoint"]["Port"],
            "aws_ssm_parameter.elasticache_ep.arn": "arn:aws:ssm:%s:%s:parameter%s" % (REGION, self.account, self.params["endpoint"][0]["Name"]),
            "aws_ssm_parameter.elasticache_port.arn": "arn:aws:ssm:%s:%s:parameter%s" % (REGION, self.account, self.params["port"][0]["Name"]),
        }
        self.tc.assertIn(path, table, "the export refers to %s: the test has no live value for it" % path)
        return table[path]

    def resolve(self, v):
        if isinstance(v, Ref):
            return self.ref(v.path)
        if isinstance(v, list):
            return [self.resolve(x) for x in v]
        if isinstance(v, dict):
            return {k: self.resolve(x) for k, x in v.items()}
        if isinstance(v, str):
            return v.replace(ACCOUNT, self.account)
        return v

    # ---- what each resource holds ----
    def expect(self, rtype, label, i):
        """{attribute: live value} of one resource (i: its count index)."""
        g, cc = self.group, self.cluster
        if rtype == "aws_vpc":
            return {"cidr_block": self.vpc["CidrBlock"], "enable_dns_support": self.vpc_attr["enableDnsSupport"], "enable_dns_hostnames": self.vpc_attr["enableDnsHostnames"], "tags": tags(self.vpc["Tags"])}
        if rtype == "aws_subnet":
            s = self.subnets["%s-%s-%d" % (self.name, label, i + 1)]
            return {"vpc_id": s["VpcId"], "cidr_block": s["CidrBlock"], "availability_zone": s["AvailabilityZone"], "tags": tags(s["Tags"])}
        if rtype == "aws_route_table":
            r = self.rtbs["%s-public" % self.name if label == "public" else "%s-private-%d" % (self.name, i + 1)]
            return {"vpc_id": r["VpcId"], "tags": tags(r["Tags"])}
        if rtype == "aws_route_table_association":
            sub = self.subnets["%s-%s-%d" % (self.name, label, i + 1)]["SubnetId"]
            rt = [r for r in self.rtbs.values() if sub in [a.get("SubnetId") for a in r["Associations"]]][0]
            return {"subnet_id": sub, "route_table_id": rt["RouteTableId"]}
        if rtype == "aws_default_security_group":
            d = self.default_sg
            return {"vpc_id": d["VpcId"], "tags": tags(d["Tags"]), "ingress": d["IpPermissions"], "egress": d["IpPermissionsEgress"]}
        if rtype == "aws_security_group":
            return {"name": self.sg["GroupName"], "description": self.sg["Description"], "vpc_id": self.sg["VpcId"], "tags": tags(self.sg.get("Tags", []))}
        if rtype == "aws_security_group_rule":
            perms = self.sg["IpPermissions"] if label.endswith("ingress") else self.sg["IpPermissionsEgress"]
            self.tc.assertEqual(len(perms), 1, perms)
            p = perms[0]
            return {"type": "ingress" if label.endswith("ingress") else "egress", "description": p["IpRanges"][0].get("Description"), "from_port": p.get("FromPort", 0), "to_port": p.get("ToPort", 0), "protocol": p["IpProtocol"], "cidr_blocks": [r["CidrIp"] for r in p["IpRanges"]], "security_group_id": self.sg["GroupId"]}
        if rtype == "aws_kms_key":
            k = self.keys[label]
            return {"description": k["meta"]["Description"], "enable_key_rotation": k["rotation"], "tags": k["tags"]}
        if rtype == "aws_kms_alias":
            k = self.keys[label]
            return {"name": k["alias"], "target_key_id": k["target"]}
        if rtype == "aws_kms_key_policy":
            k = self.keys[label[: -len("_policy")]]
            return {"key_id": k["meta"]["KeyId"], "policy": k["policy"]}
        if rtype == "aws_cloudwatch_log_group":
            lg, t = self.log_groups[label.replace("_", "-")]
            return {"name": lg["logGroupName"], "retention_in_days": lg.get("retentionInDays"), "kms_key_id": lg.get("kmsKeyId"), "tags": t}
        if rtype == "random_password":
            n, specials = self.token_shape
            return {"length": n, "special": bool(specials), "override_special": lambda allowed: specials <= set(allowed)}
        if rtype == "aws_secretsmanager_secret":
            return {"name": self.secret["Name"], "kms_key_id": self.secret["KmsKeyId"], "tags": tags(self.secret.get("Tags", []))}
        if rtype == "aws_secretsmanager_secret_version":
            current = [v for v, st in self.secret["VersionIdsToStages"].items() if "AWSCURRENT" in st]
            return {"secret_id": self.secret["ARN"], "secret_string": TOKEN if current else None}
        if rtype == "aws_elasticache_subnet_group":
            return {"name": self.sng["CacheSubnetGroupName"], "description": self.sng["CacheSubnetGroupDescription"], "subnet_ids": sorted(x["SubnetIdentifier"] for x in self.sng["Subnets"]), "tags": self.ec_tags(self.sng["ARN"])}
        if rtype == "aws_elasticache_replication_group":
            members = {len(ng["NodeGroupMembers"]) for ng in g["NodeGroups"]}
            self.tc.assertEqual(len(members), 1)
            return {
                "replication_group_id": g["ReplicationGroupId"],
                "description": g["Description"],
                "engine": cc["Engine"],
                "engine_version": ".".join(cc["EngineVersion"].split(".")[:2]),
                "node_type": g["CacheNodeType"],
                "parameter_group_name": cc["CacheParameterGroup"]["CacheParameterGroupName"],
                "port": g["ConfigurationEndpoint"]["Port"],
                "num_node_groups": len(g["NodeGroups"]),
                "replicas_per_node_group": members.pop() - 1,
                "multi_az_enabled": g["MultiAZ"] == "enabled",
                "automatic_failover_enabled": g["AutomaticFailover"] == "enabled",
                "subnet_group_name": cc["CacheSubnetGroupName"],
                "security_group_ids": [x["SecurityGroupId"] for x in cc["SecurityGroups"]],
                "at_rest_encryption_enabled": g["AtRestEncryptionEnabled"],
                "kms_key_id": g.get("KmsKeyId"),
                "transit_encryption_enabled": g["TransitEncryptionEnabled"],
                "auth_token": TOKEN if g["AuthTokenEnabled"] else None,
                "snapshot_retention_limit": g["SnapshotRetentionLimit"],
                "auto_minor_version_upgrade": g["AutoMinorVersionUpgrade"],
                "tags": self.ec_tags(g["ARN"]),
                "log_delivery_configuration": sorted(({"destination": c["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"], "destination_type": c["DestinationType"], "log_format": c["LogFormat"], "log_type": c["LogType"]} for c in g["LogDeliveryConfigurations"]), key=lambda c: c["log_type"]),
            }
        if rtype == "aws_ssm_parameter":
            p, value, t = self.params["endpoint" if label == "elasticache_ep" else "port"]
            return {"name": p["Name"], "type": p["Type"], "key_id": p["KeyId"], "value": value, "tags": t}
        if rtype == "aws_iam_policy":
            full, doc, t = self.policies["%s-%s" % (self.name, "ssm-parameter-read-policy" if label == "ssm_parameter_policy" else "secret-read-policy")]
            return {"name": full["PolicyName"], "path": full["Path"], "description": full.get("Description"), "policy": doc, "tags": t}
        self.tc.fail("the export has a %s.%s: the test cannot read it from the sandbox" % (rtype, label))


# Terraform's value for an argument the export leaves out
TF_DEFAULTS = {
    ("aws_elasticache_subnet_group", "description"): "Managed by Terraform",
    ("aws_elasticache_replication_group", "snapshot_retention_limit"): 0,
    ("aws_elasticache_replication_group", "auto_minor_version_upgrade"): True,
    ("aws_security_group_rule", "description"): None,
    ("aws_iam_policy", "description"): None,
    ("aws_default_security_group", "ingress"): [],
    ("aws_default_security_group", "egress"): [],
}


def compare_with_boto3(tc, files, live):
    """Every attribute of every resource of a Terraform export, references
    resolved to the live ids, against what boto3 reads (live: LiveReads);
    what the export leaves out must be Terraform's default; the tags a
    resource ends up with (the provider's default tags and its own) are
    the live tags. Returns the parsed document."""
    doc = hclite.parse_files(files)
    prov = doc.blocks("provider", "aws")[0]
    default_tags = doc.eval(prov.nested("default_tags")[0].attrs["tags"])
    compared = 0
    for b in doc.blocks("resource"):
        rtype, label = b.labels
        count = doc.eval(b.attrs["count"]) if "count" in b.attrs else None
        for i in range(count) if count is not None else [None]:
            want = live.expect(rtype, label, i)
            where = "%s.%s%s" % (rtype, label, "" if i is None else "[%d]" % i)
            attrs = {k: v for k, v in b.attrs.items() if k not in META and k != "tags" and (rtype, k) not in NOT_READABLE}
            nested = {nb.kind for nb in b.blocks if nb.kind not in META}
            for attr in sorted(set(attrs) | nested):
                with tc.subTest(resource=where, attribute=attr):
                    tc.assertIn(attr, want, "%s.%s has no live counterpart in the test" % (where, attr))
                    if attr in nested:
                        got = sorted(({k: live.resolve(doc.eval(e, i)) for k, e in nb.attrs.items()} for nb in b.nested(attr)), key=lambda d: d.get("log_type", ""))
                    else:
                        got = live.resolve(doc.eval(attrs[attr], i))
                    if attr == "subnet_ids":
                        got = sorted(got)
                    if callable(want[attr]):
                        tc.assertTrue(want[attr](got), "%s.%s = %r" % (where, attr, got))
                    else:
                        tc.assertEqual(got, want[attr], "%s.%s" % (where, attr))
                    compared += 1
            for attr in sorted(set(want) - set(attrs) - nested - {"tags"}):
                with tc.subTest(resource=where, attribute=attr, left_out=True):
                    tc.assertIn((rtype, attr), TF_DEFAULTS, "%s.%s is live (%r) but not exported" % (where, attr, want[attr]))
                    tc.assertEqual(want[attr], TF_DEFAULTS[(rtype, attr)], "%s.%s left out: Terraform would set its default" % (where, attr))
            if "tags" in want:
                with tc.subTest(resource=where, attribute="tags"):
                    own = live.resolve(doc.eval(b.attrs["tags"], i)) if "tags" in b.attrs else {}
                    tc.assertEqual(dict(default_tags, **own), want["tags"], where)
                    compared += 1
    tc.assertGreater(compared, 110)
    return doc


def tags(pairs):
    return {t["Key"]: t["Value"] for t in pairs}


def hashicorp_parse(tc, node, mod, groups):
    """{group: {name: text}} through HashiCorp's parser, in one process:
    ({(group, name): body as JSON}, {(group, name): the parser's error})."""
    with tempfile.TemporaryDirectory() as d:
        where = {}
        for group, files in groups.items():
            os.makedirs(os.path.join(d, group))
            for name, text in files.items():
                p = os.path.join(d, group, name)
                with open(p, "w") as f:
                    f.write(text)
                where[p] = (group, name)
        p = subprocess.run([node, os.path.join(harness.TOP, "tests", "integration", "hcl_parse.js"), mod] + list(where), capture_output=True, text=True, timeout=300)
    tc.assertEqual(p.returncode, 0, p.stderr[-3000:])
    out = json.loads(p.stdout)
    return {where[k]: v for k, v in out["parsed"].items()}, {where[k]: v for k, v in out["errors"].items()}


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
            # and the stack the script built exports as boto3 reads it
            r = harness.run(env, "export", NAME, "--format", "terraform")
            self.assertEqual(r.rc, 0, r)
            compare_with_boto3(self, tf_files(r.out), LiveReads(self, sb))
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
        self.assertEqual(tags(sg["Tags"]), {"Name": "app-4-elasticache-sg", "elcui:stack": NAME})
        self.assertEqual(sng["CacheSubnetGroupDescription"], "Cache subnets of app-4")
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
        rg_tags = tags(ec.list_tags_for_resource(ResourceName=g["ARN"])["TagList"])
        self.assertEqual(rg_tags, {"elcui:stack": NAME, "elcui:auth-secret": "app-4-elasticache-auth"})
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
