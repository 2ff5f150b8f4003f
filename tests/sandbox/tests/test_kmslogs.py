"""CloudWatch Logs accepts a KMS key only when its key policy allows it."""

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from sandbox.sandboxctl import Sandbox  # noqa: E402


def policy(account, region, arns=None, logs=True):
    st = [{"Sid": "root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
           "Action": "kms:*", "Resource": "*"}]
    if logs:
        s = {"Effect": "Allow", "Principal": {"Service": "logs.%s.amazonaws.com" % region},
             "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                        "kms:Describe*"], "Resource": "*"}
        if arns is not None:
            s["Condition"] = {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arns}}
        st.append(s)
    return json.dumps({"Version": "2012-10-17", "Statement": st})


class KeyPolicyGate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(seed="empty", redis=False).start()
        cls.kms = cls.sb.client("kms")
        cls.logs = cls.sb.client("logs")
        cls.account = cls.sb.client("sts").get_caller_identity()["Account"]
        cls.region = cls.sb.region

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def arn(self, name):
        return "arn:aws:logs:%s:%s:log-group:%s" % (self.region, self.account, name)

    def denied(self, name, key):
        with self.assertRaises(self.logs.exceptions.ClientError) as cm:
            self.logs.create_log_group(logGroupName=name, kmsKeyId=key)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "AccessDeniedException")
        self.assertIn("is not allowed to be used with Arn '%s'" % self.arn(name), err["Message"])

    def test_default_policy_is_refused_then_allowed_after_put(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.denied("/gate/a", key)
        self.kms.put_key_policy(KeyId=key, PolicyName="default",
                                Policy=policy(self.account, self.region, [self.arn("/gate/a")]))
        self.logs.create_log_group(logGroupName="/gate/a", kmsKeyId=key)
        # the condition names one group: another is refused
        self.denied("/gate/other", key)

    def test_unconditioned_statement_and_unknown_key(self):
        key = self.kms.create_key(Policy=policy(self.account, self.region))["KeyMetadata"]["KeyId"]
        self.logs.create_log_group(logGroupName="/gate/any", kmsKeyId=key)
        self.denied("/gate/nokey", "arn:aws:kms:%s:%s:key/00000000-0000-0000-0000-000000000000"
                    % (self.region, self.account))

    def test_propagation_delay(self):
        self.sb.configure(key_policy_delay=2)
        try:
            key = self.kms.create_key()["KeyMetadata"]["Arn"]
            self.kms.put_key_policy(KeyId=key, PolicyName="default",
                                    Policy=policy(self.account, self.region, [self.arn("/gate/late")]))
            self.denied("/gate/late", key)  # written, not yet seen by Logs
            deadline = time.monotonic() + 10
            while True:
                try:
                    self.logs.create_log_group(logGroupName="/gate/late", kmsKeyId=key)
                    break
                except self.logs.exceptions.ClientError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        finally:
            self.sb.configure(key_policy_delay=0)


if __name__ == "__main__":
    unittest.main()
