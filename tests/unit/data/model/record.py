#!/usr/bin/env python3
"""Record the sandbox answers test_model.c and test_placement.c decode.

    python3 tests/unit/data/model/record.py

Starts the sandbox (empty seed, no Redis), creates replication groups of
every shape the model handles (cluster mode off with TLS + AUTH + log
delivery, cluster mode on with 3 shards, Valkey, a weak single-AZ group),
and writes the raw XML bodies of DescribeReplicationGroups and
DescribeCacheClusters (ShowCacheNodeInfo) next to this file; then runs
TestFailover on the cluster-mode-disabled group and records the answers
again (roles swapped) plus DescribeEvents. Timestamps and hashes differ per
run; the tests check structure, not those values.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
sys.path.insert(0, os.path.join(TOP, "tests", "sandbox"))

from sandbox.sandboxctl import Sandbox  # noqa: E402


def main():
    with Sandbox(seed="empty", create_delay=0, redis=False) as sb:
        ec = sb.client("elasticache")
        logs = sb.client("logs")
        last = {}

        def grab(http_response, **kw):
            last["body"] = http_response.content

        ec.meta.events.register("after-call.elasticache.*", grab)

        def save(name):
            with open(os.path.join(HERE, name), "wb") as f:
                f.write(last["body"])

        logs.create_log_group(logGroupName="/elasticache/cmd3/slow-log")
        ec.create_replication_group(
            ReplicationGroupId="cmd3",
            ReplicationGroupDescription="cluster mode off, TLS, AUTH",
            Engine="redis",
            EngineVersion="7.1",
            CacheNodeType="cache.r7g.large",
            NumCacheClusters=3,
            AutomaticFailoverEnabled=True,
            MultiAZEnabled=True,
            TransitEncryptionEnabled=True,
            AuthToken="recorded-token-" + os.urandom(8).hex(),
            AtRestEncryptionEnabled=True,
            SnapshotRetentionLimit=1,
            LogDeliveryConfigurations=[
                {
                    "LogType": "slow-log",
                    "DestinationType": "cloudwatch-logs",
                    "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": "/elasticache/cmd3/slow-log"}},
                    "LogFormat": "json",
                    "Enabled": True,
                }
            ],
        )
        ec.create_replication_group(
            ReplicationGroupId="cme",
            ReplicationGroupDescription="cluster mode on, 3 shards",
            Engine="redis",
            CacheNodeType="cache.r7g.large",
            NumNodeGroups=3,
            ReplicasPerNodeGroup=1,
            AutomaticFailoverEnabled=True,
            MultiAZEnabled=True,
            TransitEncryptionEnabled=True,
        )
        ec.create_replication_group(
            ReplicationGroupId="vk",
            ReplicationGroupDescription="valkey",
            Engine="valkey",
            NumCacheClusters=2,
            AutomaticFailoverEnabled=True,
        )
        ec.create_replication_group(
            ReplicationGroupId="weak",
            ReplicationGroupDescription="single AZ",
            Engine="redis",
            EngineVersion="6.2",
            NumCacheClusters=2,
            PreferredCacheClusterAZs=["us-east-2a", "us-east-2a"],
            AutomaticFailoverEnabled=False,
        )
        for rg in ("cmd3", "cme", "vk", "weak"):
            sb.wait_for_group(rg, timeout=60)
        ec.describe_replication_groups()
        save("rgs.xml")
        ec.describe_cache_clusters(ShowCacheNodeInfo=True)
        save("ccs.xml")
        ec.test_failover(ReplicationGroupId="cmd3", NodeGroupId="0001")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            g = ec.describe_replication_groups(ReplicationGroupId="cmd3")["ReplicationGroups"][0]
            if g["Status"] == "available":
                break
            time.sleep(0.2)
        ec.describe_replication_groups(ReplicationGroupId="cmd3")
        save("rgs_cmd3_after_failover.xml")
        ec.describe_events(SourceType="replication-group", SourceIdentifier="cmd3", Duration=60)
        save("events_rg.xml")
        ec.describe_events(SourceType="cache-cluster", Duration=60)
        save("events_cc.xml")


if __name__ == "__main__":
    main()
