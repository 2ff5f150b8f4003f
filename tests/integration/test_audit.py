"""`elcui audit` against the sandbox's demo seed.

The weak group (legacy-1: no TLS, no AUTH, no at-rest encryption, one AZ,
no failover, no log delivery, backups off, default subnet group) yields its
findings; the demo stack (app-4, built as seed-spec.md says) passes except
the findings the seed accepts (backups off, the secret unrotated), shown as
accepted; a stack changed behind elcui's back (retention cut, port opened
to the world) fails again; the audit of a spec before apply makes no AWS
request at all.

ELCUI_BIN names the binary (default build/elcui). Run:
    python3 -m unittest tests/integration/test_audit.py
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

WEAK_FINDINGS = {
    "at-rest-encryption",
    "transit-encryption",
    "auth-token",
    "backups",
    "automatic-failover",
    "multi-az",
    "default-subnet-group",
    "slow-log-delivery",
    "engine-log-delivery",
    "placement.single-az",
}


def by_status(report, status):
    return [r for r in report["results"] if r["status"] == status]


@harness.needs_binary
class AuditTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = harness.sandbox(seed="demo", redis=False)

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def audit(self, *args, rc=None):
        r = harness.run(self.sb.env, "audit", *args)
        if rc is not None:
            self.assertEqual(r.rc, rc, r)
        return r

    def test_weak_group_findings(self):
        r = self.audit("legacy-1", "--json", rc=1)
        rep = r.json()
        self.assertEqual(rep["mode"], "live")
        self.assertIsNone(rep["stack"])
        failed = {x["id"] for x in by_status(rep, "fail")}
        self.assertEqual(failed, WEAK_FINDINGS, r)
        self.assertEqual(by_status(rep, "accepted"), [])  # no stack: nothing accepted
        self.assertEqual(rep["summary"]["unknown"], 0, r)
        ids = {x["id"]: x for x in rep["results"]}
        self.assertEqual(ids["transit-encryption"]["checkov"], "CKV_AWS_30")
        self.assertEqual(ids["default-subnet-group"]["securityHub"], "ElastiCache.7")
        self.assertEqual(ids["placement.single-az"]["severity"], "high")
        self.assertEqual(ids["at-rest-cmk"]["status"], "n/a")
        for x in by_status(rep, "fail"):
            self.assertTrue(x.get("fix"), x)
        # the VPC's default security group stands in for the missing one
        sg = [x for x in rep["results"] if x["id"] == "sg-ingress-open"][0]
        self.assertIn("default group", sg["resource"])

    def test_weak_group_text_and_thresholds(self):
        r = self.audit("legacy-1", rc=1)
        self.assertIn("FAIL     high     transit-encryption [CKV_AWS_30, ElastiCache.5]", r.out)
        self.assertIn("fix: ", r.out)
        self.assertIn("10 failed", r.out)
        # no critical finding: passes with --fail-on critical; none never fails
        self.audit("legacy-1", "--fail-on", "critical", rc=0)
        self.audit("legacy-1", "--fail-on", "none", rc=0)
        self.audit("legacy-1", "--fail-on", "high", rc=1)
        # accepting every failure by rule, Checkov and Security Hub ids
        acc = []
        for i in ("at-rest-encryption", "CKV_AWS_30", "CKV_AWS_31", "ElastiCache.1", "ElastiCache.3", "multi-az", "ElastiCache.7", "slow-log-delivery", "engine-log-delivery=no logs here", "single-az"):
            acc += ["--accept", i]
        r = self.audit("legacy-1", "--json", *acc, rc=0)
        rep = r.json()
        self.assertEqual(rep["summary"]["failed"], 0, r)
        self.assertEqual(rep["summary"]["accepted"], len(WEAK_FINDINGS))
        eng = [x for x in rep["results"] if x["id"] == "engine-log-delivery"][0]
        self.assertEqual(eng["acceptedReason"], "no logs here")

    def test_demo_stack_passes_except_accepted(self):
        r = self.audit("app-4", "--json", rc=0)
        rep = r.json()
        self.assertEqual(rep["stack"], "app-4")  # found by the elcui:stack tag
        self.assertEqual(by_status(rep, "fail"), [], r)
        self.assertEqual(by_status(rep, "unknown"), [], r)
        acc = {x["id"]: x for x in by_status(rep, "accepted")}
        self.assertEqual(set(acc), {"backups", "secret-rotation"}, r)
        self.assertEqual(acc["backups"]["checkov"], "CKV_AWS_134")
        self.assertEqual(acc["secret-rotation"]["checkov"], "CKV2_AWS_57")
        self.assertIn("seed", acc["backups"]["acceptedReason"])
        passed = {}
        for x in by_status(rep, "pass"):
            passed.setdefault(x["id"], []).append(x["resource"])
        for rule in (
            "at-rest-encryption",
            "transit-encryption",
            "auth-token",
            "at-rest-cmk",
            "automatic-failover",
            "multi-az",
            "default-subnet-group",
            "slow-log-delivery",
            "engine-log-delivery",
            "key-policy-logs",
            "sg-ingress-port",
            "sg-ingress-open",
            "secret-cmk",
            "placement",
            "slowlog-max-len",
        ):
            self.assertIn(rule, passed, r)
        self.assertEqual(len(passed["log-group-kms"]), 2)
        self.assertEqual(len(passed["log-group-retention"]), 2)
        self.assertEqual(len(passed["key-rotation"]), 2)  # at-rest and secret keys
        self.assertEqual(len(passed["ssm-securestring-cmk"]), 2)
        self.assertEqual(len(passed["iam-no-wildcard"]), 2)
        # text: the accepted findings are shown as such
        r = self.audit("app-4", rc=0)
        self.assertIn("ACCEPTED medium   backups [CKV_AWS_134, ElastiCache.1]", r.out)
        self.assertIn("accepted: ", r.out)
        self.assertIn("0 failed, 2 accepted, 0 unknown", r.out)

    def test_demo_stack_with_spec_file(self):
        # a spec with an empty [accept] section: the two seed findings fail
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[stack]\nname = app-4\nregion = us-east-2\n\n[accept]\n* = none\n")
            path = f.name
        try:
            r = self.audit("app-4", "--spec", path, "--json", rc=1)
            failed = {x["id"] for x in by_status(r.json(), "fail")}
            self.assertEqual(failed, {"backups", "secret-rotation"}, r)
            self.audit("app-4", "--spec", path, "--fail-on", "high", rc=0)
        finally:
            os.unlink(path)

    def test_plan_audit_makes_no_request(self):
        self.sb.reset_counters()
        r = self.audit("--name", "app-4", "--json", rc=0)
        rep = r.json()
        self.assertEqual(rep["mode"], "plan")
        self.assertEqual({x["id"] for x in by_status(rep, "accepted")}, {"backups", "secret-rotation"})
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[stack]\nname = weak\n\n[cache]\ntransit_encryption = no\nauth_token = no\n\n[logs]\nretention_days = 30\n")
            path = f.name
        try:
            r = self.audit("--spec", path, "--json", rc=1)
            failed = {x["id"] for x in by_status(r.json(), "fail")}
            self.assertTrue({"transit-encryption", "auth-token", "log-group-retention"} <= failed, r)
        finally:
            os.unlink(path)
        self.assertEqual(self.sb.requests_seen(), 0)

    def test_not_found_and_usage(self):
        r = self.audit("no-such-group", rc=1)
        self.assertIn("not found", r.err)
        self.audit(rc=2)
        self.audit("legacy-1", "--fail-on", "severe", rc=2)
        r = self.audit("--help", rc=0)
        self.assertIn("--fail-on", r.out)

    def test_z_drift_found_live(self):
        logs = self.sb.client("logs")
        ec2 = self.sb.client("ec2")
        ec = self.sb.client("elasticache")
        rg = ec.describe_replication_groups(ReplicationGroupId="app-4")["ReplicationGroups"][0]
        cc = ec.describe_cache_clusters(CacheClusterId=rg["MemberClusters"][0])["CacheClusters"][0]
        sg = cc["SecurityGroups"][0]["SecurityGroupId"]
        perm = [{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        logs.put_retention_policy(logGroupName="/elasticache/app-4/slow-log", retentionInDays=30)
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perm)
        try:
            r = self.audit("app-4", "--json", rc=1)
            rep = r.json()
            failed = {(x["id"], x["severity"]) for x in by_status(rep, "fail")}
            self.assertEqual(failed, {("log-group-retention", "low"), ("sg-ingress-open", "critical")}, r)
            self.assertEqual(rep["results"][0]["id"], "sg-ingress-open")  # worst first
        finally:
            logs.put_retention_policy(logGroupName="/elasticache/app-4/slow-log", retentionInDays=365)
            ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=perm)
        self.audit("app-4", rc=0)


if __name__ == "__main__":
    unittest.main()
