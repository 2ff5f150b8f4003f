"""CloudWatch Logs refuses a KMS key its key policy does not open to it.

moto creates an encrypted log group with any existing key. AWS does not:
CreateLogGroup (and AssociateKmsKey) with kmsKeyId answer

    AccessDeniedException: The specified KMS key does not exist or is not
    allowed to be used with Arn 'arn:aws:logs:REGION:ACCOUNT:log-group:NAME'

unless the key policy lets the service principal logs.REGION.amazonaws.com
use the key (GenerateDataKey at least), with an encryption-context
condition on kms:EncryptionContext:aws:logs:arn that matches the log group
when there is one. Key policy changes also take a while to reach Logs
(the seed's order hazard, seed-spec.md §13): a policy counts only
`propagation_delay` seconds after it was written.
"""

import fnmatch
import json
import threading
import time

_ACTIONS = ("kms:generatedatakey", "kms:generatedatakey*", "kms:*", "*")


class KeyPolicyGate:
    def __init__(self, propagation_delay=0.0):
        self.propagation_delay = propagation_delay
        self._written = {}  # (region, key id) -> time the policy was written
        self._lock = threading.Lock()

    def policy_written(self, region, key_id):
        with self._lock:
            self._written[(region, key_id)] = time.monotonic()

    def _propagated(self, region, key_id):
        with self._lock:
            t = self._written.get((region, key_id))
        return t is None or time.monotonic() - t >= self.propagation_delay

    @staticmethod
    def _list(v):
        if v is None:
            return []
        return v if isinstance(v, list) else [v]

    @classmethod
    def _allows(cls, policy, region, group_arn):
        principal = "logs.%s.amazonaws.com" % region
        for st in cls._list(policy.get("Statement")):
            if not isinstance(st, dict) or st.get("Effect") != "Allow":
                continue
            pr = st.get("Principal")
            services = cls._list(pr.get("Service")) if isinstance(pr, dict) else []
            if principal not in services and pr != "*":
                continue
            actions = [a.lower() for a in cls._list(st.get("Action")) if isinstance(a, str)]
            if not any(a in _ACTIONS or fnmatch.fnmatch("kms:generatedatakey", a) for a in actions):
                continue
            cond = st.get("Condition") or {}
            ok = True
            for op, pairs in cond.items():
                if not isinstance(pairs, dict):
                    continue
                for key, want in pairs.items():
                    if key.lower() != "kms:encryptioncontext:aws:logs:arn":
                        continue
                    wants = cls._list(want)
                    if op in ("ArnEquals", "StringEquals"):
                        ok = ok and group_arn in wants
                    elif op in ("ArnLike", "StringLike"):
                        ok = ok and any(fnmatch.fnmatchcase(group_arn, w) for w in wants)
            if ok:
                return True
        return False

    def check(self, kms_backend, region, account, group_name, key_id):
        """None when Logs may use the key for the group, else the AWS message."""
        group_arn = "arn:aws:logs:%s:%s:log-group:%s" % (region, account, group_name)
        denied = "The specified KMS key does not exist or is not allowed to be used with Arn '%s'" % group_arn
        try:
            kid = kms_backend.any_id_to_key_id(key_id)
            key = kms_backend.describe_key(kid)
            policy = json.loads(kms_backend.get_key_policy(kid) or "{}")
        except Exception:
            return denied
        if getattr(key, "key_state", "Enabled") != "Enabled":
            return denied
        if not self._propagated(region, kid):
            return denied
        if not self._allows(policy, region, group_arn):
            return denied
        return None
