"""Seeds: the demo stack checked value by value against seed-spec.md
(current heads, name app-4, us-east-2), backed by live Redis with a workload;
the weak legacy-1 group; the scale seed's counts."""

import json
import os
import string
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
sys.path.insert(0, SANDBOX)

from sandbox.sandboxctl import Sandbox  # noqa: E402
from sandbox.seeds import at_rest_key_policy, secret_key_policy  # noqa: E402
from sandbox.testing import wait_for  # noqa: E402

STACK = {"Key": "elcui:stack", "Value": "app-4"}


def ec2_tags(obj):
    return {t["Key"]: t["Value"] for t in obj.get("Tags", [])}


class DemoSeedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="demo", redis=True, create_delay=0, log_delay=(0.1, 0.3)).start()
        print("\n  sandbox start (demo seed, 11 live Redis nodes): %.2f s" % cls.sb.start_seconds, file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def test_demo_stack_matches_seed_spec(self):
        sb = self.sb
        ec2, ec, kms, logs, sm, ssm, iam = (sb.client(n) for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam"))
        account = sb.status()["account_id"]
        region = "us-east-2"

        # §2 VPC, subnets, route tables, default SG
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["app-4"]}])["Vpcs"]
        self.assertEqual(len(vpcs), 1)
        vpc = vpcs[0]
        self.assertEqual(vpc["CidrBlock"], "10.20.32.0/25")
        self.assertEqual(ec2_tags(vpc)["elcui:stack"], "app-4")
        vid = vpc["VpcId"]
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"])
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"])
        subnets = {ec2_tags(s)["Name"]: s for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Subnets"]}
        expect = {
            "app-4-private-1": ("10.20.32.0/27", "us-east-2a"),
            "app-4-private-2": ("10.20.32.32/27", "us-east-2b"),
            "app-4-private-3": ("10.20.32.64/27", "us-east-2c"),
            "app-4-public-1": ("10.20.32.96/27", "us-east-2a"),
        }
        self.assertEqual({k: (v["CidrBlock"], v["AvailabilityZone"]) for k, v in subnets.items()}, expect)
        for s in subnets.values():
            self.assertEqual(ec2_tags(s)["elcui:stack"], "app-4")
        rts = {ec2_tags(r).get("Name"): r for r in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vid]}])["RouteTables"]}
        for i in (1, 2, 3):
            assoc = [a["SubnetId"] for a in rts["app-4-private-%d" % i]["Associations"] if a.get("SubnetId")]
            self.assertEqual(assoc, [subnets["app-4-private-%d" % i]["SubnetId"]])
            self.assertEqual([r["DestinationCidrBlock"] for r in rts["app-4-private-%d" % i]["Routes"]], ["10.20.32.0/25"])
        self.assertEqual([a["SubnetId"] for a in rts["app-4-public"]["Associations"] if a.get("SubnetId")], [subnets["app-4-public-1"]["SubnetId"]])
        self.assertEqual(ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vid]}])["InternetGateways"], [])
        dsg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
        self.assertEqual((dsg["IpPermissions"], dsg["IpPermissionsEgress"]), ([], []))
        self.assertEqual(ec2_tags(dsg)["Name"], "app-4-default")

        # §3 cache subnet group: the three private subnets
        sng = ec.describe_cache_subnet_groups(CacheSubnetGroupName="app-4-cache-subnet")["CacheSubnetGroups"][0]
        self.assertEqual(sng["CacheSubnetGroupDescription"], "Managed by Terraform")
        self.assertEqual(sng["VpcId"], vid)
        self.assertEqual(sorted(s["SubnetIdentifier"] for s in sng["Subnets"]), sorted(subnets["app-4-private-%d" % i]["SubnetId"] for i in (1, 2, 3)))
        self.assertIn(STACK, ec.list_tags_for_resource(ResourceName=sng["ARN"])["TagList"])

        # §4 security group
        sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["app-4-elasticache-sg"]}])["SecurityGroups"][0]
        self.assertEqual(sg["Description"], "Allow inbound to and outbound access from the Amazon ElastiCache cluster.")
        self.assertEqual(sg["VpcId"], vid)
        self.assertEqual(len(sg["IpPermissions"]), 1)
        ing = sg["IpPermissions"][0]
        self.assertEqual((ing["IpProtocol"], ing["FromPort"], ing["ToPort"]), ("tcp", 6379, 6379))
        self.assertEqual(ing["IpRanges"], [{"CidrIp": "10.20.32.0/25", "Description": "Enable communication to the Amazon ElastiCache for Redis cluster."}])
        self.assertEqual(len(sg["IpPermissionsEgress"]), 1)
        eg = sg["IpPermissionsEgress"][0]
        self.assertEqual(eg["IpProtocol"], "-1")
        self.assertEqual(eg["IpRanges"], [{"CidrIp": "0.0.0.0/0", "Description": "Enable access to the ElastiCache cluster."}])
        self.assertEqual(ec2_tags(sg)["elcui:stack"], "app-4")

        # §5 KMS keys, aliases, rotation, key policies
        aliases = {a["AliasName"]: a["TargetKeyId"] for a in kms.list_aliases()["Aliases"] if "TargetKeyId" in a}
        rest_id = aliases["alias/app-4-encryption-rest"]
        secret_id = aliases["alias/app-4-encryption-secret"]
        rest = kms.describe_key(KeyId=rest_id)["KeyMetadata"]
        sec = kms.describe_key(KeyId=secret_id)["KeyMetadata"]
        self.assertEqual(rest["Description"], "Key to encrypt cache at rest.")
        self.assertEqual(sec["Description"], "Key to encrypt secret")
        for k, meta in ((rest_id, rest), (secret_id, sec)):
            self.assertTrue(kms.get_key_rotation_status(KeyId=k)["KeyRotationEnabled"])
            self.assertEqual((meta["KeySpec"], meta["KeyState"], meta["KeyManager"]), ("SYMMETRIC_DEFAULT", "Enabled", "CUSTOMER"))
        rest_tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=rest_id)["Tags"]}
        self.assertEqual(rest_tags, {"Name": "app-4-encryption-rest", "elcui:stack": "app-4"})
        sec_tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=secret_id)["Tags"]}
        self.assertEqual(sec_tags, {"Name": "app-4-encryption-secret", "elcui:stack": "app-4"})
        rest_policy = json.loads(kms.get_key_policy(KeyId=rest_id, PolicyName="default")["Policy"])
        self.assertEqual(rest_policy, at_rest_key_policy(account, region, "app-4"))
        self.assertEqual(rest_policy["Id"], "app-4-encryption-rest")
        self.assertEqual([s.get("Sid") for s in rest_policy["Statement"]], ["Enable IAM User Permissions", "Allow ElastiCache to use the key", None])
        logs_stmt = rest_policy["Statement"][2]
        self.assertEqual(logs_stmt["Principal"], {"Service": "logs.us-east-2.amazonaws.com"})
        self.assertEqual(
            logs_stmt["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"],
            ["arn:aws:logs:us-east-2:%s:log-group:/elasticache/app-4/slow-log" % account, "arn:aws:logs:us-east-2:%s:log-group:/elasticache/app-4/engine-log" % account],
        )
        sec_policy = json.loads(kms.get_key_policy(KeyId=secret_id, PolicyName="default")["Policy"])
        self.assertEqual(sec_policy, secret_key_policy(account, region, "app-4"))
        cond = sec_policy["Statement"][1]["Condition"]["StringEquals"]
        self.assertEqual(cond, {"kms:CallerAccount": account, "kms:ViaService": "secretsmanager.us-east-2.amazonaws.com"})
        self.assertEqual(sec_policy["Statement"][0]["Principal"], {"AWS": "arn:aws:iam::%s:root" % account})

        # §6 log groups
        groups = {g["logGroupName"]: g for g in logs.describe_log_groups(logGroupNamePrefix="/elasticache/app-4/")["logGroups"]}
        self.assertEqual(sorted(groups), ["/elasticache/app-4/engine-log", "/elasticache/app-4/slow-log"])
        for g in groups.values():
            self.assertEqual(g["retentionInDays"], 365)
            self.assertEqual(g["kmsKeyId"], rest["Arn"])
            self.assertEqual(logs.list_tags_for_resource(resourceArn=g["arn"].rstrip(":*"))["tags"], {"elcui:stack": "app-4"})

        # §7 secret: 128 chars from [A-Za-z0-9!&#$^<>-], bare string, secret key
        desc = sm.describe_secret(SecretId="app-4-elasticache-auth")
        self.assertIn(desc["KmsKeyId"], (secret_id, sec["Arn"]))
        self.assertIn(STACK, desc["Tags"])
        token = sm.get_secret_value(SecretId="app-4-elasticache-auth")["SecretString"]
        self.assertEqual(len(token), 128)
        self.assertTrue(set(token) <= set(string.ascii_letters + string.digits + "!&#$^<>-"), token)

        # §8 replication group
        g = ec.describe_replication_groups(ReplicationGroupId="app-4")["ReplicationGroups"][0]
        self.assertEqual(g["Status"], "available")
        self.assertEqual(g["Description"], "ElastiCache cluster for app-4")
        self.assertEqual(g["CacheNodeType"], "cache.t2.small")
        self.assertTrue(g["ClusterEnabled"])
        self.assertEqual(len(g["NodeGroups"]), 3)
        self.assertEqual([len(ng["NodeGroupMembers"]) for ng in g["NodeGroups"]], [3, 3, 3])
        self.assertEqual((g["MultiAZ"], g["AutomaticFailover"]), ("enabled", "enabled"))
        self.assertTrue(g["AtRestEncryptionEnabled"])
        self.assertEqual(g["KmsKeyId"], rest["Arn"])
        self.assertTrue(g["TransitEncryptionEnabled"])
        self.assertTrue(g["AuthTokenEnabled"])
        self.assertEqual(g["SnapshotRetentionLimit"], 0)
        self.assertTrue(g["AutoMinorVersionUpgrade"])
        self.assertEqual(
            [(c["LogType"], c["DestinationType"], c["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"], c["LogFormat"], c["Status"]) for c in g["LogDeliveryConfigurations"]],
            [("slow-log", "cloudwatch-logs", "/elasticache/app-4/slow-log", "json", "active"), ("engine-log", "cloudwatch-logs", "/elasticache/app-4/engine-log", "json", "active")],
        )
        self.assertEqual([ng["NodeGroupMembers"][0]["PreferredAvailabilityZone"] for ng in g["NodeGroups"]], ["us-east-2a", "us-east-2b", "us-east-2c"])
        self.assertIn(STACK, ec.list_tags_for_resource(ResourceName=g["ARN"])["TagList"])
        cc = ec.describe_cache_clusters(CacheClusterId="app-4-0001-001")["CacheClusters"][0]
        self.assertEqual(cc["CacheParameterGroup"]["CacheParameterGroupName"], "default.redis7.cluster.on")
        self.assertEqual(cc["EngineVersion"], "7.1.0")
        self.assertEqual(cc["CacheSubnetGroupName"], "app-4-cache-subnet")
        self.assertEqual(cc["SecurityGroups"], [{"SecurityGroupId": sg["GroupId"], "Status": "active"}])

        # live Redis behind the configuration endpoint, with the secret's token
        cfg = g["ConfigurationEndpoint"]
        self.assertRegex(cfg["Address"], r"^clustercfg\.app-4\.[0-9a-f]{6}\.use2\.cache\.amazonaws\.com$")
        self.assertEqual(cfg["Port"], 6379)
        with sb.redis_connection(cfg["Address"], cfg["Port"], password=token) as c:
            self.assertEqual(len([ln for ln in c.call("CLUSTER", "NODES").splitlines() if ln.strip()]), 9)
            self.assertEqual(c.call("CLUSTER", "INFO").split("\r\n")[0], "cluster_state:ok")

        # §9 BP1: SSM SecureString parameters with the at-rest key
        for name, value in (("/elasticache/app-4/app-4/endpoint", cfg["Address"]), ("/elasticache/app-4/app-4/port", str(cfg["Port"]))):
            p = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
            self.assertEqual((p["Type"], p["Value"]), ("SecureString", value))
            meta = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]
            self.assertIn(meta["KeyId"], (rest_id, rest["Arn"], "alias/app-4-encryption-rest"))
            self.assertIn(STACK, ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"])

        # §9 BP2/BP3: IAM policies
        pols = {p["PolicyName"]: p for p in iam.list_policies(Scope="Local")["Policies"]}
        p1 = pols["app-4-ssm-parameter-read-policy"]
        p2 = pols["app-4-secret-read-policy"]
        self.assertEqual(p1["Path"], "/")
        p1d = iam.get_policy(PolicyArn=p1["Arn"])["Policy"]
        self.assertEqual(p1d["Description"], "Policy to read the ElastiCache endpoint and port number stored in the SSM Parameter Store.")
        self.assertEqual(iam.get_policy(PolicyArn=p2["Arn"])["Policy"]["Description"], "Policy to read the ElastiCache AUTH Token stored in AWS Secrets Manager secret.")
        doc1 = iam.get_policy_version(PolicyArn=p1["Arn"], VersionId=p1["DefaultVersionId"])["PolicyVersion"]["Document"]
        doc1 = json.loads(doc1) if isinstance(doc1, str) else doc1
        param_arn = "arn:aws:ssm:us-east-2:%s:parameter/elasticache/app-4/app-4" % account
        self.assertEqual(
            doc1["Statement"],
            [
                {"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"], "Resource": [param_arn + "/endpoint", param_arn + "/port"]},
                {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [rest["Arn"]]},
            ],
        )
        doc2 = iam.get_policy_version(PolicyArn=p2["Arn"], VersionId=p2["DefaultVersionId"])["PolicyVersion"]["Document"]
        doc2 = json.loads(doc2) if isinstance(doc2, str) else doc2
        self.assertEqual(
            doc2["Statement"],
            [
                {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [desc["ARN"]]},
                {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [sec["Arn"]]},
            ],
        )
        self.assertIn(STACK, iam.list_policy_tags(PolicyArn=p1["Arn"])["Tags"])
        self.assertEqual(iam.list_entities_for_policy(PolicyArn=p1["Arn"])["PolicyUsers"], [])

        # the weak group
        w = ec.describe_replication_groups(ReplicationGroupId="legacy-1")["ReplicationGroups"][0]
        self.assertFalse(w["TransitEncryptionEnabled"])
        self.assertFalse(w["AuthTokenEnabled"])
        self.assertFalse(w["AtRestEncryptionEnabled"])
        self.assertEqual((w["MultiAZ"], w["AutomaticFailover"]), ("disabled", "disabled"))
        self.assertEqual(w["LogDeliveryConfigurations"], [])
        self.assertEqual(w["SnapshotRetentionLimit"], 0)
        self.assertEqual({m["PreferredAvailabilityZone"] for m in w["NodeGroups"][0]["NodeGroupMembers"]}, {"us-east-2a"})
        wc = ec.describe_cache_clusters(CacheClusterId="legacy-1-001", ShowCacheNodeInfo=True)["CacheClusters"][0]
        self.assertEqual(wc["CacheSubnetGroupName"], "default")
        self.assertEqual(wc["EngineVersion"], "6.2.6")
        ep = wc["CacheNodes"][0]["Endpoint"]
        self.assertEqual(ep["Port"], 6379)
        with sb.redis_connection(ep["Address"], ep["Port"], tls=False) as c:
            self.assertEqual(c.call("PING"), "PONG")

        # the workload fills the slow log and the engine log
        def delivered(lt):
            streams = logs.describe_log_streams(logGroupName="/elasticache/app-4/%s" % lt)["logStreams"]
            for s in streams:
                ev = logs.get_log_events(logGroupName="/elasticache/app-4/%s" % lt, logStreamName=s["logStreamName"], limit=5)["events"]
                if ev:
                    return s["logStreamName"], json.loads(ev[0]["message"])
            return None

        name, rec = wait_for(lambda: delivered("slow-log"), timeout=40, step=0.5, what="slow-log records from the workload")
        self.assertRegex(name, r"^elasticache/redis/app-4-000[123]-00[123]/0001/slow-log$")
        self.assertEqual(set(rec), {"CacheClusterId", "CacheNodeId", "Id", "Timestamp", "Duration (us)", "Command", "ClientAddress", "ClientName"})
        name, rec = wait_for(lambda: delivered("engine-log"), timeout=40, step=0.5, what="engine-log records")
        self.assertEqual(set(rec), {"CacheClusterId", "CacheNodeId", "LogLevel", "Role", "Time", "Message"})


class ScaleSeedTest(unittest.TestCase):
    def test_scale_counts(self):
        sb = Sandbox(seed="scale", redis=False)
        sb.start()
        try:
            print("\n  sandbox start (scale seed): %.2f s" % sb.start_seconds, file=sys.stderr)
            ec = sb.client("elasticache")
            logs = sb.client("logs")
            groups = [g for p in ec.get_paginator("describe_replication_groups").paginate() for g in p["ReplicationGroups"]]
            self.assertEqual(len(groups), 201)
            self.assertEqual(sum(1 for g in groups if g["ReplicationGroupId"].startswith("scale-") and g["ReplicationGroupId"] != "scale-big"), 200)
            big = [g for g in groups if g["ReplicationGroupId"] == "scale-big"][0]
            self.assertEqual(len(big["NodeGroups"]), 500)
            self.assertEqual(big["NodeGroups"][-1]["NodeGroupId"], "0500")
            self.assertEqual(big["NodeGroups"][-1]["Slots"], "16352-16383")
            self.assertTrue(all(g["Status"] == "available" for g in groups))
            self.assertEqual(sb.groups()[0]["redis"], False)
            streams = [s for p in logs.get_paginator("describe_log_streams").paginate(logGroupName="/elasticache/scale/slow-log") for s in p["logStreams"]]
            self.assertEqual(len(streams), 1500)
            now_ms = int(time.time() * 1000)
            self.assertTrue(all(now_ms - 3600 * 1000 - 60000 <= s["firstEventTimestamp"] <= s["lastEventTimestamp"] <= now_ms for s in streams))
            t0 = time.monotonic()
            n = sum(len(p["events"]) for p in logs.get_paginator("filter_log_events").paginate(logGroupName="/elasticache/scale/slow-log", startTime=now_ms - 3600 * 1000 - 60000))
            print("  FilterLogEvents over 100k events: %.1f s" % (time.monotonic() - t0), file=sys.stderr)
            self.assertEqual(n, 100000)
        finally:
            sb.stop()


if __name__ == "__main__":
    unittest.main()
