#!/usr/bin/env python3
"""gen_wire_vectors.py - wire vectors for the ElastiCache, CloudWatch Logs and
CloudWatch (GetMetricData) typed calls (aws/elasticache.c, logs.c,
cloudwatch.c), made with botocore itself so the C tests compare against an
independent implementation.

    tests/tools/gen_wire_vectors.py [--out DIR] [--no-record]

Writes, under DIR (default tests/unit/data/wire):

  <svc>/req/<case>.body       the request body botocore's serializer sends
                              for the case's input (query: form encoding;
                              JSON: botocore's json.dumps bytes)
  <svc>/req/<case>.compact    JSON services only: the same object re-dumped
                              compact (separators "," ":"), which is what
                              awsjson_encode writes; the C tests compare it
                              byte for byte
  <svc>/resp/<name>.xml|.json a response body: crafted from aws-wire.md
                              examples, malformed variants, or recorded
                              through the whole HTTP exchange from moto
                              (moto_*) or from tests/sandbox/run with the
                              demo seed (sandbox_*)
  <svc>/resp/<name>.expected.json
                              what botocore's parser makes of that body
                              (timestamps as epoch milliseconds), for the C
                              tests to compare field by field; absent for
                              bodies botocore cannot parse (malformed ones)

The C tests (tests/unit/test_elasticache.c, test_logs.c, test_cloudwatch.c)
build the same inputs by hand: the case names and inputs here and there must
stay in step. Secret inputs (AuthToken) use the placeholder
AUTHTOKENPLACEHOLDER: the C test substitutes a token generated per run.

Recording starts moto's server in-process on 127.0.0.1 (free port), then
the sandbox (tests/sandbox/run --seed demo --no-redis), and stops both
before exiting; --no-record skips that part and keeps the existing
moto_* and sandbox_* files.
"""

import argparse
import datetime
import json
import os
import sys
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, create_request_object, prepare_request_dict
from botocore.credentials import Credentials
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.session import Session

UTC = datetime.timezone.utc
PLACEHOLDER = "AUTHTOKENPLACEHOLDER"
REGION = "us-east-2"

SERVICES = {
    # dir name: (botocore service, protocol we speak)
    "elasticache": ("elasticache", "query"),
    "logs": ("logs", "json"),
    "cloudwatch": ("cloudwatch", "query"),
}

_session = Session()
_models = {}


def model(svc):
    if svc not in _models:
        _models[svc] = _session.get_service_model(svc)
    return _models[svc]


def serialize(svc_dir, op, params, endpoint="https://example.amazonaws.com"):
    """The exact body (bytes) and headers botocore sends for params."""
    svc, proto = SERVICES[svc_dir]
    op_model = model(svc).operation_model(op)
    req = create_serializer(proto).serialize_to_request(params, op_model)
    prepare_request_dict(req, endpoint)
    prepared = create_request_object(req).prepare()
    body = prepared.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    return body or b"", dict(prepared.headers)


def to_plain(v):
    if isinstance(v, datetime.datetime):
        # exact integer milliseconds, fraction below a millisecond dropped
        epoch = datetime.datetime(1970, 1, 1, tzinfo=v.tzinfo or UTC)
        return (v - epoch) // datetime.timedelta(milliseconds=1)
    if isinstance(v, dict):
        return {k: to_plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_plain(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def parse(svc_dir, op, body, status=200):
    svc, proto = SERVICES[svc_dir]
    op_model = model(svc).operation_model(op)
    parser = create_parser(proto)
    parsed = parser.parse(
        {"body": body, "headers": {}, "status_code": status}, op_model.output_shape
    )
    parsed.pop("ResponseMetadata", None)
    return to_plain(parsed)


class Writer:
    def __init__(self, out):
        self.out = out
        self.written = 0

    def put(self, rel, data):
        path = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
        self.written += 1

    def request(self, svc_dir, case, op, params):
        body, _ = serialize(svc_dir, op, params)
        self.put(f"{svc_dir}/req/{case}.body", body)
        if SERVICES[svc_dir][1] == "json":
            compact = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
            self.put(f"{svc_dir}/req/{case}.compact", compact)

    def response(self, svc_dir, name, op, body, expected=True):
        ext = "json" if SERVICES[svc_dir][1] == "json" else "xml"
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.put(f"{svc_dir}/resp/{name}.{ext}", body)
        if expected:
            exp = {"operation": op, "parsed": parse(svc_dir, op, body)}
            self.put(
                f"{svc_dir}/resp/{name}.expected.json",
                json.dumps(exp, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
            )


# ---------------------------------------------------------------- requests

def t(y, mo, d, h=0, mi=0, s=0, us=0):
    return datetime.datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)


SLOW = "/aws/elasticache/app-4/slow-log"
ENGINE = "/aws/elasticache/app-4/engine-log"

ELASTICACHE_REQUESTS = {
    "create_subnet_group": ("CreateCacheSubnetGroup", {
        "CacheSubnetGroupName": "app-4-cache-subnet",
        "CacheSubnetGroupDescription": "app-4 subnets: a, b & c",
        "SubnetIds": ["subnet-0aa", "subnet-0bb", "subnet-0cc"],
        "Tags": [{"Key": "Source", "Value": "https://github.com/kunduso/amazon-elasticache-redis-tf"},
                 {"Key": "env", "Value": "test"}],
    }),
    # the seed (seed-spec.md §8): 3 shards x 2 replicas, cluster mode on
    "create_rg_seed": ("CreateReplicationGroup", {
        "ReplicationGroupId": "app-4",
        "ReplicationGroupDescription": "ElastiCache cluster for app-4",
        "AutomaticFailoverEnabled": True,
        "MultiAZEnabled": True,
        "NumNodeGroups": 3,
        "ReplicasPerNodeGroup": 2,
        "CacheNodeType": "cache.t2.small",
        "Engine": "redis",
        "CacheParameterGroupName": "default.redis7.cluster.on",
        "CacheSubnetGroupName": "app-4-cache-subnet",
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "Port": 6379,
        "AuthToken": PLACEHOLDER,
        "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "LogDeliveryConfigurations": [
            {"LogType": "slow-log", "DestinationType": "cloudwatch-logs",
             "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": SLOW}},
             "LogFormat": "json", "Enabled": True},
            {"LogType": "engine-log", "DestinationType": "cloudwatch-logs",
             "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": ENGINE}},
             "LogFormat": "json", "Enabled": True},
        ],
    }),
    # cluster mode disabled, every scalar member once
    "create_rg_disabled": ("CreateReplicationGroup", {
        "ReplicationGroupId": "weak-1",
        "ReplicationGroupDescription": "weak group (no TLS)",
        "GlobalReplicationGroupId": "ldgnf-global",
        "PrimaryClusterId": "weak-1-001",
        "AutomaticFailoverEnabled": False,
        "MultiAZEnabled": False,
        "NumCacheClusters": 3,
        "PreferredCacheClusterAZs": ["us-east-2a", "us-east-2b", "us-east-2c"],
        "CacheNodeType": "cache.r6gd.xlarge",
        "Engine": "valkey",
        "EngineVersion": "8.0",
        "CacheParameterGroupName": "default.valkey8",
        "CacheSubnetGroupName": "weak-subnets",
        "SecurityGroupIds": ["sg-1", "sg-2"],
        "Tags": [{"Key": "team", "Value": "ops"}],
        "SnapshotName": "snap-1",
        "PreferredMaintenanceWindow": "sun:23:00-mon:01:30",
        "Port": 6380,
        "NotificationTopicArn": "arn:aws:sns:us-east-2:111122223333:ops",
        "AutoMinorVersionUpgrade": False,
        "SnapshotRetentionLimit": 0,
        "SnapshotWindow": "05:00-09:00",
        "TransitEncryptionEnabled": False,
        "AtRestEncryptionEnabled": False,
        "UserGroupIds": ["ug-1", "ug-2"],
        "LogDeliveryConfigurations": [
            {"LogType": "slow-log", "DestinationType": "kinesis-firehose",
             "DestinationDetails": {"KinesisFirehoseDetails": {"DeliveryStream": "fh-1"}},
             "LogFormat": "text", "Enabled": True},
        ],
        "DataTieringEnabled": True,
        "NetworkType": "dual_stack",
        "IpDiscovery": "ipv6",
        "TransitEncryptionMode": "preferred",
        "ClusterMode": "disabled",
    }),
    # explicit node groups with AZs and outposts
    "create_rg_nodegroups": ("CreateReplicationGroup", {
        "ReplicationGroupId": "my-rg",
        "ReplicationGroupDescription": "test rg",
        "AutomaticFailoverEnabled": True,
        "NumNodeGroups": 2,
        "ReplicasPerNodeGroup": 1,
        "NodeGroupConfiguration": [
            {"NodeGroupId": "0001", "Slots": "0-8191", "ReplicaCount": 2,
             "PrimaryAvailabilityZone": "us-east-2a",
             "ReplicaAvailabilityZones": ["us-east-2b", "us-east-2c"]},
            {"NodeGroupId": "0002", "Slots": "8192-16383", "ReplicaCount": 0,
             "PrimaryAvailabilityZone": "us-east-2b",
             "PrimaryOutpostArn": "arn:aws:outposts:us-east-2:111122223333:outpost/op-1",
             "ReplicaOutpostArns": ["arn:aws:outposts:us-east-2:111122223333:outpost/op-2"]},
        ],
        "CacheNodeType": "cache.t4g.small",
        "ClusterMode": "enabled",
    }),
    "describe_rgs_all": ("DescribeReplicationGroups", {}),
    "describe_rgs_page": ("DescribeReplicationGroups", {
        "ReplicationGroupId": "app-4", "MaxRecords": 20, "Marker": "eyJh/IjoxfQ== +x&y",
    }),
    "describe_ccs_nodes": ("DescribeCacheClusters", {
        "CacheClusterId": "app-4-0001-001", "MaxRecords": 100, "ShowCacheNodeInfo": True,
    }),
    "describe_ccs_standalone": ("DescribeCacheClusters", {
        "Marker": "m2", "ShowCacheNodeInfo": True, "ShowCacheClustersNotInReplicationGroups": True,
    }),
    "modify_rg_logs": ("ModifyReplicationGroup", {
        "ReplicationGroupId": "app-4",
        "ApplyImmediately": True,
        "LogDeliveryConfigurations": [
            {"LogType": "slow-log", "Enabled": False},
            {"LogType": "engine-log", "DestinationType": "cloudwatch-logs",
             "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": ENGINE}},
             "LogFormat": "text", "Enabled": True},
        ],
    }),
    "modify_rg_all": ("ModifyReplicationGroup", {
        "ReplicationGroupId": "app-4",
        "ReplicationGroupDescription": "new description",
        "PrimaryClusterId": "app-4-002",
        "SnapshottingClusterId": "app-4-003",
        "AutomaticFailoverEnabled": False,
        "MultiAZEnabled": False,
        "SecurityGroupIds": ["sg-9"],
        "PreferredMaintenanceWindow": "mon:01:00-mon:02:00",
        "NotificationTopicArn": "arn:aws:sns:us-east-2:111122223333:t",
        "CacheParameterGroupName": "custom-params",
        "NotificationTopicStatus": "inactive",
        "ApplyImmediately": False,
        "Engine": "valkey",
        "EngineVersion": "7.2",
        "AutoMinorVersionUpgrade": True,
        "SnapshotRetentionLimit": 7,
        "SnapshotWindow": "03:00-04:00",
        "CacheNodeType": "cache.r7g.large",
        "AuthToken": PLACEHOLDER,
        "AuthTokenUpdateStrategy": "ROTATE",
        "UserGroupIdsToAdd": ["ug-a"],
        "UserGroupIdsToRemove": ["ug-b", "ug-c"],
        "RemoveUserGroups": False,
        "IpDiscovery": "ipv4",
        "TransitEncryptionEnabled": True,
        "TransitEncryptionMode": "required",
        "ClusterMode": "compatible",
    }),
    "delete_rg": ("DeleteReplicationGroup", {
        "ReplicationGroupId": "app-4", "RetainPrimaryCluster": False,
        "FinalSnapshotIdentifier": "app-4-final",
    }),
    "test_failover": ("TestFailover", {"ReplicationGroupId": "app-4", "NodeGroupId": "0002"}),
    "describe_events_window": ("DescribeEvents", {
        "SourceIdentifier": "app-4", "SourceType": "replication-group",
        "StartTime": t(2024, 5, 1, 12, 0, 0, 250000), "EndTime": t(2024, 5, 1, 13, 0, 0),
        "MaxRecords": 50, "Marker": "next/page",
    }),
    "describe_events_duration": ("DescribeEvents", {
        "SourceType": "cache-cluster", "Duration": 1440,
    }),
    "describe_param_groups": ("DescribeCacheParameterGroups", {
        "CacheParameterGroupName": "default.redis7.cluster.on", "MaxRecords": 20,
    }),
    "describe_params": ("DescribeCacheParameters", {
        "CacheParameterGroupName": "default.redis7", "Source": "user", "MaxRecords": 100,
        "Marker": "p2",
    }),
    "add_tags": ("AddTagsToResource", {
        "ResourceName": "arn:aws:elasticache:us-east-2:111122223333:replicationgroup:app-4",
        "Tags": [{"Key": "elcui:secret", "Value": "app-4-elasticache-auth"},
                 {"Key": "empty", "Value": ""}],
    }),
    "list_tags": ("ListTagsForResource", {
        "ResourceName": "arn:aws:elasticache:us-east-2:111122223333:cluster:app-4-0001-001",
    }),
    "delete_subnet_group": ("DeleteCacheSubnetGroup", {"CacheSubnetGroupName": "app-4-cache-subnet"}),
}

LOGS_REQUESTS = {
    "create_log_group": ("CreateLogGroup", {
        "logGroupName": SLOW,
        "kmsKeyId": "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "tags": {"Name": "app-4", "Source": "elcui"},
        "logGroupClass": "STANDARD",
    }),
    "create_log_stream": ("CreateLogStream", {
        "logGroupName": SLOW, "logStreamName": "elasticache/redis/app-4-0001-001/0001/slow-log",
    }),
    "put_retention": ("PutRetentionPolicy", {"logGroupName": SLOW, "retentionInDays": 365}),
    "delete_log_group": ("DeleteLogGroup", {"logGroupName": ENGINE}),
    "list_tags_log_group": ("ListTagsLogGroup", {"logGroupName": SLOW}),
    "list_tags_for_resource": ("ListTagsForResource", {
        "resourceArn": "arn:aws:logs:us-east-2:111122223333:log-group:" + SLOW,
    }),
    "describe_log_groups": ("DescribeLogGroups", {
        "logGroupNamePrefix": "/aws/elasticache/", "nextToken": "tok/1+2=", "limit": 50,
    }),
    "describe_log_groups_pattern": ("DescribeLogGroups", {
        "logGroupNamePattern": "app-4", "logGroupClass": "STANDARD",
    }),
    "describe_log_streams": ("DescribeLogStreams", {
        "logGroupIdentifier": "arn:aws:logs:us-east-2:111122223333:log-group:" + SLOW,
        "orderBy": "LastEventTime", "descending": True, "nextToken": "n1", "limit": 5,
    }),
    "describe_log_streams_prefix": ("DescribeLogStreams", {
        "logGroupName": SLOW, "logStreamNamePrefix": "elasticache/redis/app-4-0002",
    }),
    "filter_names": ("FilterLogEvents", {
        "logGroupName": SLOW,
        "logStreamNames": ["elasticache/redis/app-4-0001-001/0001/slow-log",
                           "elasticache/redis/app-4-0001-002/0001/slow-log"],
        "startTime": 1714564800000, "endTime": 1714568400000,
        "filterPattern": "{ $.Command = \"KEYS*\" } \"(2 more arguments)\"",
        "nextToken": "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXVrNhKPFp1Fa6xxFb8",
        "limit": 10000, "interleaved": True, "unmask": False,
    }),
    "filter_prefix": ("FilterLogEvents", {
        "logGroupIdentifier": ENGINE,
        "logStreamNamePrefix": "elasticache/valkey/app-4-0003",
        "startTime": 1714564800123, "filterPattern": "",
    }),
    "get_log_events": ("GetLogEvents", {
        "logGroupName": SLOW, "logStreamName": "elasticache/redis/app-4-0001-001/0001/slow-log",
        "startTime": 1, "endTime": 1714568400000, "nextToken": "f/38231283910224617213929291237463028475610362018652160000/s",
        "limit": 100, "startFromHead": True,
    }),
    "put_log_events": ("PutLogEvents", {
        "logGroupName": SLOW, "logStreamName": "elasticache/redis/app-4-0001-001/0001/slow-log",
        "logEvents": [
            {"timestamp": 1714564805000, "message": "{\"CacheClusterId\":\"app-4-0001-001\",\"Id\":17}"},
            {"timestamp": 1714564805001, "message": "tab\there, quote \" and back\\slash"},
        ],
        "sequenceToken": "49590302986",
    }),
}

CLOUDWATCH_REQUESTS = {
    "gmd_nodes": ("GetMetricData", {
        "MetricDataQueries": [
            {"Id": "cpu_0001_001", "MetricStat": {
                "Metric": {"Namespace": "AWS/ElastiCache", "MetricName": "CPUUtilization",
                           "Dimensions": [{"Name": "CacheClusterId", "Value": "my-rg-0001-001"},
                                          {"Name": "CacheNodeId", "Value": "0001"}]},
                "Period": 60, "Stat": "Average", "Unit": "Percent"},
             "Label": "cpu ${LABEL}", "ReturnData": True},
            {"Id": "lag", "MetricStat": {
                "Metric": {"Namespace": "AWS/ElastiCache", "MetricName": "ReplicationLag",
                           "Dimensions": [{"Name": "CacheClusterId", "Value": "my-rg-0001-002"}]},
                "Period": 300, "Stat": "p99"}},
            {"Id": "hits", "Expression": "SUM(METRICS())", "Label": "all", "ReturnData": False,
             "Period": 3600, "AccountId": "111122223333"},
        ],
        "StartTime": t(2024, 5, 1, 12), "EndTime": t(2024, 5, 1, 13, 0, 0, 500000),
        "NextToken": "tok+/=", "ScanBy": "TimestampAscending", "MaxDatapoints": 5000,
        "LabelOptions": {"Timezone": "+0130"},
    }),
    "gmd_min": ("GetMetricData", {
        "MetricDataQueries": [
            {"Id": "m1", "MetricStat": {
                "Metric": {"Namespace": "AWS/ElastiCache", "MetricName": "IsMaster"},
                "Period": 60, "Stat": "Maximum"}},
        ],
        "StartTime": t(2024, 5, 1, 12), "EndTime": t(2024, 5, 1, 12, 5),
    }),
}


# ---------------------------------------------------------------- crafted responses

NS_EC = "http://elasticache.amazonaws.com/doc/2015-02-02/"
NS_CW = "http://monitoring.amazonaws.com/doc/2010-08-01/"


def ec_envelope(op, inner, rid="5b0c3f9a-0d7e-4a51-8a0b-4f2f1c9d7e11"):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{op}Response xmlns="{NS_EC}">\n'
            f"  <{op}Result>\n{inner}\n  </{op}Result>\n"
            f"  <ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>\n"
            f"</{op}Response>\n")


# aws-wire.md §9.4 example: cluster mode disabled, TLS + AUTH + slow log
RG_CMD = """
      <ReplicationGroup>
        <ReplicationGroupId>app-4-redis-cluster</ReplicationGroupId>
        <Description>app-4</Description>
        <Status>available</Status>
        <PendingModifiedValues/>
        <MemberClusters>
          <ClusterId>app-4-redis-cluster-001</ClusterId>
          <ClusterId>app-4-redis-cluster-002</ClusterId>
        </MemberClusters>
        <NodeGroups>
          <NodeGroup>
            <NodeGroupId>0001</NodeGroupId>
            <Status>available</Status>
            <PrimaryEndpoint>
              <Address>master.app-4-redis-cluster.ab12cd.use2.cache.amazonaws.com</Address>
              <Port>6379</Port>
            </PrimaryEndpoint>
            <ReaderEndpoint>
              <Address>replica.app-4-redis-cluster.ab12cd.use2.cache.amazonaws.com</Address>
              <Port>6379</Port>
            </ReaderEndpoint>
            <NodeGroupMembers>
              <NodeGroupMember>
                <CacheClusterId>app-4-redis-cluster-001</CacheClusterId>
                <CacheNodeId>0001</CacheNodeId>
                <ReadEndpoint>
                  <Address>app-4-redis-cluster-001.app-4-redis-cluster.ab12cd.use2.cache.amazonaws.com</Address>
                  <Port>6379</Port>
                </ReadEndpoint>
                <PreferredAvailabilityZone>us-east-2a</PreferredAvailabilityZone>
                <CurrentRole>primary</CurrentRole>
              </NodeGroupMember>
              <NodeGroupMember>
                <CacheClusterId>app-4-redis-cluster-002</CacheClusterId>
                <CacheNodeId>0001</CacheNodeId>
                <ReadEndpoint>
                  <Address>app-4-redis-cluster-002.app-4-redis-cluster.ab12cd.use2.cache.amazonaws.com</Address>
                  <Port>6379</Port>
                </ReadEndpoint>
                <PreferredAvailabilityZone>us-east-2b</PreferredAvailabilityZone>
                <CurrentRole>replica</CurrentRole>
              </NodeGroupMember>
            </NodeGroupMembers>
          </NodeGroup>
        </NodeGroups>
        <SnapshottingClusterId>app-4-redis-cluster-002</SnapshottingClusterId>
        <AutomaticFailover>enabled</AutomaticFailover>
        <MultiAZ>enabled</MultiAZ>
        <SnapshotRetentionLimit>1</SnapshotRetentionLimit>
        <SnapshotWindow>05:00-06:00</SnapshotWindow>
        <ClusterEnabled>false</ClusterEnabled>
        <CacheNodeType>cache.t4g.small</CacheNodeType>
        <AuthTokenEnabled>true</AuthTokenEnabled>
        <AuthTokenLastModifiedDate>2024-05-01T12:00:00.000Z</AuthTokenLastModifiedDate>
        <TransitEncryptionEnabled>true</TransitEncryptionEnabled>
        <AtRestEncryptionEnabled>true</AtRestEncryptionEnabled>
        <KmsKeyId>arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab</KmsKeyId>
        <ARN>arn:aws:elasticache:us-east-2:111122223333:replicationgroup:app-4-redis-cluster</ARN>
        <LogDeliveryConfigurations>
          <LogDeliveryConfiguration>
            <LogType>slow-log</LogType>
            <DestinationType>cloudwatch-logs</DestinationType>
            <DestinationDetails>
              <CloudWatchLogsDetails><LogGroup>/aws/elasticache/app-4/slow-log</LogGroup></CloudWatchLogsDetails>
            </DestinationDetails>
            <LogFormat>json</LogFormat>
            <Status>active</Status>
          </LogDeliveryConfiguration>
        </LogDeliveryConfigurations>
        <ReplicationGroupCreateTime>2024-05-01T11:40:12.345Z</ReplicationGroupCreateTime>
        <DataTiering>disabled</DataTiering>
        <AutoMinorVersionUpgrade>true</AutoMinorVersionUpgrade>
        <NetworkType>ipv4</NetworkType>
        <IpDiscovery>ipv4</IpDiscovery>
        <TransitEncryptionMode>required</TransitEncryptionMode>
        <ClusterMode>disabled</ClusterMode>
        <Engine>redis</Engine>
      </ReplicationGroup>"""


def rg_cme(rid="app-4", shards=3, replicas=2, status="available"):
    """Cluster mode enabled, the seed's shape, every optional element used."""
    azs = ["us-east-2a", "us-east-2b", "us-east-2c"]
    slots = ["0-5461", "5462-10922", "10923-16383"]
    members, groups = [], []
    for s in range(1, shards + 1):
        ms = []
        for n in range(1, replicas + 2):
            cid = f"{rid}-{s:04d}-{n:03d}"
            members.append(cid)
            ms.append(f"""              <NodeGroupMember>
                <CacheClusterId>{cid}</CacheClusterId>
                <CacheNodeId>0001</CacheNodeId>
                <PreferredAvailabilityZone>{azs[(s + n - 2) % 3]}</PreferredAvailabilityZone>
                <PreferredOutpostArn>arn:aws:outposts:us-east-2:111122223333:outpost/op-{s}{n}</PreferredOutpostArn>
              </NodeGroupMember>""")
        groups.append(f"""          <NodeGroup>
            <NodeGroupId>{s:04d}</NodeGroupId>
            <Status>{status}</Status>
            <Slots>{slots[(s - 1) % 3]}</Slots>
            <NodeGroupMembers>
{chr(10).join(ms)}
            </NodeGroupMembers>
          </NodeGroup>""")
    mc = "\n".join(f"          <ClusterId>{m}</ClusterId>" for m in members)
    return f"""
      <ReplicationGroup>
        <ReplicationGroupId>{rid}</ReplicationGroupId>
        <Description>ElastiCache cluster for app-4 &amp; friends &lt;3</Description>
        <GlobalReplicationGroupInfo>
          <GlobalReplicationGroupId>ldgnf-global-1</GlobalReplicationGroupId>
          <GlobalReplicationGroupMemberRole>PRIMARY</GlobalReplicationGroupMemberRole>
        </GlobalReplicationGroupInfo>
        <Status>{status}</Status>
        <PendingModifiedValues>
          <PrimaryClusterId>{rid}-0001-002</PrimaryClusterId>
          <AutomaticFailoverStatus>enabled</AutomaticFailoverStatus>
          <Resharding><SlotMigration><ProgressPercentage>42.5</ProgressPercentage></SlotMigration></Resharding>
          <AuthTokenStatus>ROTATING</AuthTokenStatus>
          <UserGroups>
            <UserGroupIdsToAdd><member>ug-new</member></UserGroupIdsToAdd>
            <UserGroupIdsToRemove><member>ug-old</member><member>ug-older</member></UserGroupIdsToRemove>
          </UserGroups>
          <PendingLogDeliveryConfiguration>
            <member>
              <LogType>engine-log</LogType>
              <DestinationType>kinesis-firehose</DestinationType>
              <DestinationDetails><KinesisFirehoseDetails><DeliveryStream>fh-engine</DeliveryStream></KinesisFirehoseDetails></DestinationDetails>
              <LogFormat>text</LogFormat>
            </member>
          </PendingLogDeliveryConfiguration>
          <TransitEncryptionEnabled>true</TransitEncryptionEnabled>
          <TransitEncryptionMode>preferred</TransitEncryptionMode>
          <ClusterMode>compatible</ClusterMode>
        </PendingModifiedValues>
        <MemberClusters>
{mc}
        </MemberClusters>
        <NodeGroups>
{chr(10).join(groups)}
        </NodeGroups>
        <AutomaticFailover>enabled</AutomaticFailover>
        <MultiAZ>enabled</MultiAZ>
        <ConfigurationEndpoint>
          <Address>clustercfg.{rid}.ab12cd.use2.cache.amazonaws.com</Address>
          <Port>6379</Port>
        </ConfigurationEndpoint>
        <SnapshotRetentionLimit>0</SnapshotRetentionLimit>
        <SnapshotWindow>07:00-08:00</SnapshotWindow>
        <ClusterEnabled>true</ClusterEnabled>
        <CacheNodeType>cache.t2.small</CacheNodeType>
        <AuthTokenEnabled>true</AuthTokenEnabled>
        <AuthTokenLastModifiedDate>2024-05-01T12:00:00.5Z</AuthTokenLastModifiedDate>
        <TransitEncryptionEnabled>true</TransitEncryptionEnabled>
        <AtRestEncryptionEnabled>true</AtRestEncryptionEnabled>
        <MemberClustersOutpostArns>
          <ReplicationGroupOutpostArn>arn:aws:outposts:us-east-2:111122223333:outpost/op-11</ReplicationGroupOutpostArn>
        </MemberClustersOutpostArns>
        <KmsKeyId>arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab</KmsKeyId>
        <StorageEncryptionType>sse-kms</StorageEncryptionType>
        <ARN>arn:aws:elasticache:us-east-2:111122223333:replicationgroup:{rid}</ARN>
        <UserGroupIds><member>ug-1</member></UserGroupIds>
        <LogDeliveryConfigurations>
          <LogDeliveryConfiguration>
            <LogType>slow-log</LogType>
            <DestinationType>cloudwatch-logs</DestinationType>
            <DestinationDetails><CloudWatchLogsDetails><LogGroup>/aws/elasticache/app-4/slow-log</LogGroup></CloudWatchLogsDetails></DestinationDetails>
            <LogFormat>json</LogFormat>
            <Status>active</Status>
          </LogDeliveryConfiguration>
          <LogDeliveryConfiguration>
            <LogType>engine-log</LogType>
            <DestinationType>cloudwatch-logs</DestinationType>
            <DestinationDetails><CloudWatchLogsDetails><LogGroup>/aws/elasticache/app-4/engine-log</LogGroup></CloudWatchLogsDetails></DestinationDetails>
            <LogFormat>json</LogFormat>
            <Status>error</Status>
            <Message>The log group does not exist &amp; the role lacks logs:CreateLogDelivery</Message>
          </LogDeliveryConfiguration>
        </LogDeliveryConfigurations>
        <ReplicationGroupCreateTime>2024-05-01T11:40:12.345Z</ReplicationGroupCreateTime>
        <DataTiering>disabled</DataTiering>
        <AutoMinorVersionUpgrade>false</AutoMinorVersionUpgrade>
        <NetworkType>ipv4</NetworkType>
        <IpDiscovery>ipv4</IpDiscovery>
        <TransitEncryptionMode>required</TransitEncryptionMode>
        <ClusterMode>enabled</ClusterMode>
        <Engine>valkey</Engine>
        <Durability>default</Durability>
        <EffectiveDurability>async</EffectiveDurability>
        <SomeFutureElement><Nested>ignored</Nested></SomeFutureElement>
      </ReplicationGroup>"""


# aws-wire.md §9.5 example
CC_EXAMPLE = """
      <CacheCluster>
        <CacheClusterId>app-4-redis-cluster-001</CacheClusterId>
        <CacheNodeType>cache.t4g.small</CacheNodeType>
        <Engine>redis</Engine>
        <EngineVersion>7.1.0</EngineVersion>
        <CacheClusterStatus>available</CacheClusterStatus>
        <NumCacheNodes>1</NumCacheNodes>
        <PreferredAvailabilityZone>us-east-2a</PreferredAvailabilityZone>
        <CacheClusterCreateTime>2024-05-01T11:40:12.345Z</CacheClusterCreateTime>
        <PreferredMaintenanceWindow>sun:08:00-sun:09:00</PreferredMaintenanceWindow>
        <PendingModifiedValues/>
        <CacheSecurityGroups/>
        <CacheParameterGroup>
          <CacheParameterGroupName>default.redis7</CacheParameterGroupName>
          <ParameterApplyStatus>in-sync</ParameterApplyStatus>
          <CacheNodeIdsToReboot/>
        </CacheParameterGroup>
        <CacheSubnetGroupName>app-4-subnets</CacheSubnetGroupName>
        <CacheNodes>
          <CacheNode>
            <CacheNodeId>0001</CacheNodeId>
            <CacheNodeStatus>available</CacheNodeStatus>
            <CacheNodeCreateTime>2024-05-01T11:40:12.345Z</CacheNodeCreateTime>
            <Endpoint>
              <Address>app-4-redis-cluster-001.app-4-redis-cluster.ab12cd.use2.cache.amazonaws.com</Address>
              <Port>6379</Port>
            </Endpoint>
            <ParameterGroupStatus>in-sync</ParameterGroupStatus>
            <CustomerAvailabilityZone>us-east-2a</CustomerAvailabilityZone>
          </CacheNode>
        </CacheNodes>
        <AutoMinorVersionUpgrade>true</AutoMinorVersionUpgrade>
        <SecurityGroups>
          <member><SecurityGroupId>sg-0123456789abcdef0</SecurityGroupId><Status>active</Status></member>
        </SecurityGroups>
        <ReplicationGroupId>app-4-redis-cluster</ReplicationGroupId>
        <SnapshotRetentionLimit>1</SnapshotRetentionLimit>
        <SnapshotWindow>05:00-06:00</SnapshotWindow>
        <AuthTokenEnabled>true</AuthTokenEnabled>
        <TransitEncryptionEnabled>true</TransitEncryptionEnabled>
        <AtRestEncryptionEnabled>true</AtRestEncryptionEnabled>
        <ARN>arn:aws:elasticache:us-east-2:111122223333:cluster:app-4-redis-cluster-001</ARN>
        <ReplicationGroupLogDeliveryEnabled>true</ReplicationGroupLogDeliveryEnabled>
        <LogDeliveryConfigurations/>
        <NetworkType>ipv4</NetworkType>
        <IpDiscovery>ipv4</IpDiscovery>
      </CacheCluster>"""

# every optional element of §9.5
CC_FULL = """
      <CacheCluster>
        <CacheClusterId>app-4-0002-003</CacheClusterId>
        <ConfigurationEndpoint><Address>cfg.example</Address><Port>11211</Port></ConfigurationEndpoint>
        <ClientDownloadLandingPage>https://console.aws.amazon.com/elasticache/home#client-download:</ClientDownloadLandingPage>
        <CacheNodeType>cache.r7g.large</CacheNodeType>
        <Engine>valkey</Engine>
        <EngineVersion>8.0.1</EngineVersion>
        <CacheClusterStatus>modifying</CacheClusterStatus>
        <NumCacheNodes>1</NumCacheNodes>
        <PreferredAvailabilityZone>us-east-2c</PreferredAvailabilityZone>
        <PreferredOutpostArn>arn:aws:outposts:us-east-2:111122223333:outpost/op-9</PreferredOutpostArn>
        <CacheClusterCreateTime>2024-05-01T11:40:12Z</CacheClusterCreateTime>
        <PreferredMaintenanceWindow>sun:08:00-sun:09:00</PreferredMaintenanceWindow>
        <PendingModifiedValues>
          <NumCacheNodes>2</NumCacheNodes>
          <CacheNodeIdsToRemove><CacheNodeId>0002</CacheNodeId><CacheNodeId>0003</CacheNodeId></CacheNodeIdsToRemove>
          <EngineVersion>8.1</EngineVersion>
          <CacheNodeType>cache.r7g.xlarge</CacheNodeType>
          <AuthTokenStatus>SETTING</AuthTokenStatus>
          <PendingLogDeliveryConfiguration>
            <member>
              <LogType>slow-log</LogType>
              <DestinationType>cloudwatch-logs</DestinationType>
              <DestinationDetails><CloudWatchLogsDetails><LogGroup>/new/slow</LogGroup></CloudWatchLogsDetails></DestinationDetails>
              <LogFormat>text</LogFormat>
            </member>
          </PendingLogDeliveryConfiguration>
          <TransitEncryptionEnabled>false</TransitEncryptionEnabled>
          <TransitEncryptionMode>preferred</TransitEncryptionMode>
        </PendingModifiedValues>
        <NotificationConfiguration>
          <TopicArn>arn:aws:sns:us-east-2:111122223333:ops</TopicArn>
          <TopicStatus>active</TopicStatus>
        </NotificationConfiguration>
        <CacheSecurityGroups>
          <CacheSecurityGroup><CacheSecurityGroupName>default</CacheSecurityGroupName><Status>active</Status></CacheSecurityGroup>
        </CacheSecurityGroups>
        <CacheParameterGroup>
          <CacheParameterGroupName>custom.valkey8</CacheParameterGroupName>
          <ParameterApplyStatus>pending-reboot</ParameterApplyStatus>
          <CacheNodeIdsToReboot><CacheNodeId>0001</CacheNodeId></CacheNodeIdsToReboot>
        </CacheParameterGroup>
        <CacheSubnetGroupName>app-4-subnets</CacheSubnetGroupName>
        <CacheNodes>
          <CacheNode>
            <CacheNodeId>0001</CacheNodeId>
            <CacheNodeStatus>rebooting</CacheNodeStatus>
            <CacheNodeCreateTime>2024-05-01T11:41:00.001Z</CacheNodeCreateTime>
            <Endpoint><Address>app-4-0002-003.app-4.ab12cd.use2.cache.amazonaws.com</Address><Port>6379</Port></Endpoint>
            <ParameterGroupStatus>pending-reboot</ParameterGroupStatus>
            <SourceCacheNodeId>0001</SourceCacheNodeId>
            <CustomerAvailabilityZone>us-east-2c</CustomerAvailabilityZone>
            <CustomerOutpostArn>arn:aws:outposts:us-east-2:111122223333:outpost/op-9</CustomerOutpostArn>
          </CacheNode>
        </CacheNodes>
        <AutoMinorVersionUpgrade>false</AutoMinorVersionUpgrade>
        <SecurityGroups>
          <member><SecurityGroupId>sg-1</SecurityGroupId><Status>active</Status></member>
          <member><SecurityGroupId>sg-2</SecurityGroupId><Status>revoking</Status></member>
        </SecurityGroups>
        <ReplicationGroupId>app-4</ReplicationGroupId>
        <SnapshotRetentionLimit>35</SnapshotRetentionLimit>
        <SnapshotWindow>05:00-06:00</SnapshotWindow>
        <AuthTokenEnabled>false</AuthTokenEnabled>
        <AuthTokenLastModifiedDate>2024-04-30T23:59:59.999Z</AuthTokenLastModifiedDate>
        <TransitEncryptionEnabled>false</TransitEncryptionEnabled>
        <AtRestEncryptionEnabled>false</AtRestEncryptionEnabled>
        <ARN>arn:aws:elasticache:us-east-2:111122223333:cluster:app-4-0002-003</ARN>
        <ReplicationGroupLogDeliveryEnabled>false</ReplicationGroupLogDeliveryEnabled>
        <LogDeliveryConfigurations>
          <LogDeliveryConfiguration>
            <LogType>engine-log</LogType>
            <DestinationType>cloudwatch-logs</DestinationType>
            <DestinationDetails><CloudWatchLogsDetails><LogGroup>/aws/elasticache/app-4/engine-log</LogGroup></CloudWatchLogsDetails></DestinationDetails>
            <LogFormat>json</LogFormat>
            <Status>enabling</Status>
          </LogDeliveryConfiguration>
        </LogDeliveryConfigurations>
        <NetworkType>dual_stack</NetworkType>
        <IpDiscovery>ipv6</IpDiscovery>
        <TransitEncryptionMode>preferred</TransitEncryptionMode>
      </CacheCluster>"""

SUBNET_GROUP = """
      <CacheSubnetGroup>
        <CacheSubnetGroupName>app-4-cache-subnet</CacheSubnetGroupName>
        <CacheSubnetGroupDescription>app-4</CacheSubnetGroupDescription>
        <VpcId>vpc-0a1b2c3d4e5f67890</VpcId>
        <Subnets>
          <Subnet>
            <SubnetIdentifier>subnet-0aa</SubnetIdentifier>
            <SubnetAvailabilityZone><Name>us-east-2a</Name></SubnetAvailabilityZone>
            <SupportedNetworkTypes><member>ipv4</member><member>dual_stack</member></SupportedNetworkTypes>
          </Subnet>
          <Subnet>
            <SubnetIdentifier>subnet-0bb</SubnetIdentifier>
            <SubnetAvailabilityZone><Name>us-east-2b</Name></SubnetAvailabilityZone>
            <SubnetOutpost><SubnetOutpostArn>arn:aws:outposts:us-east-2:111122223333:outpost/op-1</SubnetOutpostArn></SubnetOutpost>
          </Subnet>
        </Subnets>
        <ARN>arn:aws:elasticache:us-east-2:111122223333:subnetgroup:app-4-cache-subnet</ARN>
        <SupportedNetworkTypes><member>ipv4</member></SupportedNetworkTypes>
      </CacheSubnetGroup>"""

EVENTS = """
    <Marker>ev-page-2</Marker>
    <Events>
      <Event>
        <SourceIdentifier>app-4</SourceIdentifier>
        <SourceType>replication-group</SourceType>
        <Message>Failover from primary node app-4-0001-001 to replica node app-4-0001-002 completed</Message>
        <Date>2024-05-01T12:03:41.517Z</Date>
      </Event>
      <Event>
        <SourceIdentifier>app-4-0001-002</SourceIdentifier>
        <SourceType>cache-cluster</SourceType>
        <Message>Failover from primary node app-4-0001-001 to replica node app-4-0001-002 completed</Message>
        <Date>2024-05-01T12:03:40Z</Date>
      </Event>
      <Event>
        <SourceIdentifier>app-4</SourceIdentifier>
        <SourceType>replication-group</SourceType>
        <Message>Test Failover API called for node group 0001</Message>
        <Date>2024-05-01T12:01:00.000Z</Date>
      </Event>
    </Events>"""

PARAM_GROUPS = """
    <CacheParameterGroups>
      <CacheParameterGroup>
        <CacheParameterGroupName>default.redis7.cluster.on</CacheParameterGroupName>
        <CacheParameterGroupFamily>redis7</CacheParameterGroupFamily>
        <Description>Customized default parameter group for redis7 with cluster mode on</Description>
        <IsGlobal>false</IsGlobal>
        <ARN>arn:aws:elasticache:us-east-2:111122223333:parametergroup:default.redis7.cluster.on</ARN>
      </CacheParameterGroup>
      <CacheParameterGroup>
        <CacheParameterGroupName>default.valkey8</CacheParameterGroupName>
        <CacheParameterGroupFamily>valkey8</CacheParameterGroupFamily>
        <Description>Default parameter group for valkey8</Description>
        <ARN>arn:aws:elasticache:us-east-2:111122223333:parametergroup:default.valkey8</ARN>
      </CacheParameterGroup>
    </CacheParameterGroups>"""

PARAMS = """
    <Marker>params-2</Marker>
    <Parameters>
      <Parameter>
        <ParameterName>slowlog-log-slower-than</ParameterName>
        <ParameterValue>10000</ParameterValue>
        <Description>The execution time, in microseconds, to exceed in order for the command to get logged.</Description>
        <Source>system</Source>
        <DataType>integer</DataType>
        <AllowedValues>-</AllowedValues>
        <IsModifiable>true</IsModifiable>
        <MinimumEngineVersion>2.8.6</MinimumEngineVersion>
        <ChangeType>immediate</ChangeType>
      </Parameter>
      <Parameter>
        <ParameterName>slowlog-max-len</ParameterName>
        <ParameterValue>128</ParameterValue>
        <Description>The length of the slow log.</Description>
        <Source>user</Source>
        <DataType>integer</DataType>
        <AllowedValues>0-</AllowedValues>
        <IsModifiable>true</IsModifiable>
        <MinimumEngineVersion>2.8.6</MinimumEngineVersion>
        <ChangeType>immediate</ChangeType>
      </Parameter>
      <Parameter>
        <ParameterName>cluster-enabled</ParameterName>
        <ParameterValue>yes</ParameterValue>
        <Source>system</Source>
        <DataType>string</DataType>
        <AllowedValues>yes,no</AllowedValues>
        <IsModifiable>false</IsModifiable>
        <MinimumEngineVersion>3.2.4</MinimumEngineVersion>
        <ChangeType>requires-reboot</ChangeType>
      </Parameter>
    </Parameters>
    <CacheNodeTypeSpecificParameters>
      <CacheNodeTypeSpecificParameter>
        <ParameterName>maxmemory</ParameterName>
        <Description>The maximum configurable amount of memory to use to store items, in bytes.</Description>
        <Source>system</Source>
        <DataType>integer</DataType>
        <AllowedValues>0-</AllowedValues>
        <IsModifiable>false</IsModifiable>
        <MinimumEngineVersion>2.8.6</MinimumEngineVersion>
        <CacheNodeTypeSpecificValues>
          <CacheNodeTypeSpecificValue><CacheNodeType>cache.t2.small</CacheNodeType><Value>1363148800</Value></CacheNodeTypeSpecificValue>
          <CacheNodeTypeSpecificValue><CacheNodeType>cache.r7g.large</CacheNodeType><Value>14037181030</Value></CacheNodeTypeSpecificValue>
        </CacheNodeTypeSpecificValues>
        <ChangeType>requires-reboot</ChangeType>
      </CacheNodeTypeSpecificParameter>
    </CacheNodeTypeSpecificParameters>"""

TAGS = """
    <TagList>
      <Tag><Key>elcui:secret</Key><Value>app-4-elasticache-auth</Value></Tag>
      <Tag><Key>Source</Key><Value>https://github.com/kunduso/amazon-elasticache-redis-tf</Value></Tag>
      <Tag><Key>empty</Key><Value></Value></Tag>
    </TagList>"""


def elasticache_crafted(w):
    w.response("elasticache", "rgs_cmd", "DescribeReplicationGroups",
               ec_envelope("DescribeReplicationGroups", f"    <ReplicationGroups>{RG_CMD}\n    </ReplicationGroups>"))
    w.response("elasticache", "rgs_cme", "DescribeReplicationGroups",
               ec_envelope("DescribeReplicationGroups",
                           f"    <Marker>rg-page-2</Marker>\n    <ReplicationGroups>{rg_cme()}\n{RG_CMD}\n    </ReplicationGroups>"))
    w.response("elasticache", "rgs_empty", "DescribeReplicationGroups",
               ec_envelope("DescribeReplicationGroups", "    <ReplicationGroups/>"))
    w.response("elasticache", "create_rg", "CreateReplicationGroup",
               ec_envelope("CreateReplicationGroup", rg_cme(status="creating")))
    w.response("elasticache", "modify_rg", "ModifyReplicationGroup",
               ec_envelope("ModifyReplicationGroup", RG_CMD.replace("<Status>available</Status>\n        <Pending", "<Status>modifying</Status>\n        <Pending", 1)))
    w.response("elasticache", "delete_rg", "DeleteReplicationGroup",
               ec_envelope("DeleteReplicationGroup", RG_CMD.replace("<Status>available</Status>\n        <Pending", "<Status>deleting</Status>\n        <Pending", 1)))
    w.response("elasticache", "test_failover", "TestFailover",
               ec_envelope("TestFailover", rg_cme(status="modifying")))
    w.response("elasticache", "ccs_example", "DescribeCacheClusters",
               ec_envelope("DescribeCacheClusters", f"    <CacheClusters>{CC_EXAMPLE}\n    </CacheClusters>"))
    w.response("elasticache", "ccs_full", "DescribeCacheClusters",
               ec_envelope("DescribeCacheClusters", f"    <Marker>cc-2</Marker>\n    <CacheClusters>{CC_FULL}{CC_EXAMPLE}\n    </CacheClusters>"))
    w.response("elasticache", "create_subnet_group", "CreateCacheSubnetGroup",
               ec_envelope("CreateCacheSubnetGroup", SUBNET_GROUP))
    w.response("elasticache", "subnet_groups", "DescribeCacheSubnetGroups",
               ec_envelope("DescribeCacheSubnetGroups", f"    <CacheSubnetGroups>{SUBNET_GROUP}\n    </CacheSubnetGroups>"))
    w.response("elasticache", "events", "DescribeEvents", ec_envelope("DescribeEvents", EVENTS))
    w.response("elasticache", "param_groups", "DescribeCacheParameterGroups",
               ec_envelope("DescribeCacheParameterGroups", PARAM_GROUPS))
    w.response("elasticache", "params", "DescribeCacheParameters",
               ec_envelope("DescribeCacheParameters", PARAMS))
    w.response("elasticache", "list_tags", "ListTagsForResource", ec_envelope("ListTagsForResource", TAGS))
    w.response("elasticache", "add_tags", "AddTagsToResource", ec_envelope("AddTagsToResource", TAGS))
    # no Result element: what AWS sends for an operation without output
    w.response("elasticache", "delete_subnet_group", "DeleteCacheSubnetGroup",
               f'<?xml version="1.0" encoding="UTF-8"?>\n<DeleteCacheSubnetGroupResponse xmlns="{NS_EC}">\n'
               "  <ResponseMetadata><RequestId>0d3f1c2b-6a7e-4b8c-9d0e-1f2a3b4c5d6e</RequestId></ResponseMetadata>\n"
               "</DeleteCacheSubnetGroupResponse>\n")
    w.response("elasticache", "delete_subnet_group_result", "DeleteCacheSubnetGroup",
               ec_envelope("DeleteCacheSubnetGroup", ""))

    # error envelopes (no expected: the C tests check code, message, status)
    w.response("elasticache", "err_not_found", "DescribeReplicationGroups", f"""<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="{NS_EC}">
  <Error>
    <Type>Sender</Type>
    <Code>ReplicationGroupNotFoundFault</Code>
    <Message>ReplicationGroup my-rg not found.</Message>
  </Error>
  <RequestId>8c2f0e4a-1d3b-4f6a-9b7c-5e1d2a3f4b6c</RequestId>
</ErrorResponse>
""", expected=False)
    w.response("elasticache", "err_subnet_group_in_use", "DeleteCacheSubnetGroup", f"""<ErrorResponse xmlns="{NS_EC}"><Error><Type>Sender</Type><Code>CacheSubnetGroupInUse</Code><Message>Cache subnet group app-4-cache-subnet is currently in use by a cache cluster.</Message></Error><RequestId>iu-1</RequestId></ErrorResponse>""", expected=False)
    w.response("elasticache", "err_throttling", "DescribeEvents", f"""<ErrorResponse xmlns="{NS_EC}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t-1</RequestId></ErrorResponse>""", expected=False)

    # malformed and hostile bodies (expectations are in the C test)
    full = ec_envelope("DescribeReplicationGroups", f"    <ReplicationGroups>{rg_cme()}\n    </ReplicationGroups>")
    w.response("elasticache", "bad_truncated", "DescribeReplicationGroups", full[: len(full) // 2], expected=False)
    w.response("elasticache", "bad_no_result", "DescribeReplicationGroups",
               f'<DescribeReplicationGroupsResponse xmlns="{NS_EC}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>',
               expected=False)
    w.response("elasticache", "bad_create_no_group", "CreateReplicationGroup",
               ec_envelope("CreateReplicationGroup", "    <Unexpected/>"), expected=False)
    w.response("elasticache", "bad_types", "DescribeReplicationGroups", ec_envelope("DescribeReplicationGroups", """
    <ReplicationGroups>
      <ReplicationGroup>
        <ReplicationGroupId>typed</ReplicationGroupId>
        <ConfigurationEndpoint><Address>h</Address><Port>sixty</Port></ConfigurationEndpoint>
        <NodeGroups>
          <NodeGroup>
            <NodeGroupId>0001</NodeGroupId>
            <PrimaryEndpoint><Address>p</Address><Port>99999999999999999999999</Port></PrimaryEndpoint>
            <ReaderEndpoint><Address>r</Address><Port>70000</Port></ReaderEndpoint>
            <NodeGroupMembers><NodeGroupMember/><NodeGroupMember><CacheClusterId>x</CacheClusterId></NodeGroupMember></NodeGroupMembers>
          </NodeGroup>
          <NodeGroup/>
        </NodeGroups>
        <SnapshotRetentionLimit>-99999999999999999999</SnapshotRetentionLimit>
        <ClusterEnabled>yes</ClusterEnabled>
        <AuthTokenEnabled><true/></AuthTokenEnabled>
        <TransitEncryptionEnabled> true </TransitEncryptionEnabled>
        <AuthTokenLastModifiedDate>yesterday</AuthTokenLastModifiedDate>
        <ReplicationGroupCreateTime>2024-13-45T99:99:99Z</ReplicationGroupCreateTime>
        <MemberClusters>text only</MemberClusters>
        <LogDeliveryConfigurations><LogDeliveryConfiguration/></LogDeliveryConfigurations>
        <PendingModifiedValues><Resharding><SlotMigration><ProgressPercentage>1e999</ProgressPercentage></SlotMigration></Resharding></PendingModifiedValues>
        <Status><b>nested</b> text</Status>
      </ReplicationGroup>
      <ReplicationGroup/>
    </ReplicationGroups>"""), expected=False)
    depth = 5000
    w.response("elasticache", "bad_deep", "DescribeReplicationGroups",
               ec_envelope("DescribeReplicationGroups", "<ReplicationGroups><ReplicationGroup>" + "<a>" * depth + "x" + "</a>" * depth + "</ReplicationGroup></ReplicationGroups>"),
               expected=False)
    w.response("elasticache", "bad_entity", "DescribeReplicationGroups",
               '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>\n'
               + ec_envelope("DescribeReplicationGroups", "<ReplicationGroups><ReplicationGroup><ReplicationGroupId>&f;</ReplicationGroupId></ReplicationGroup></ReplicationGroups>").split("\n", 1)[1],
               expected=False)


LOGS_FILTER = {
    "events": [
        {"logStreamName": "elasticache/redis/app-4-redis-cluster-001/0001/slow-log",
         "timestamp": 1714564805000, "ingestionTime": 1714564806123,
         "message": "{\"CacheClusterId\":\"app-4-redis-cluster-001\",\"CacheNodeId\":\"0001\",\"Id\":17,\"Timestamp\":1714564805,\"Duration (us)\":10452,\"Command\":\"KEYS ... (1 more arguments)\",\"ClientAddress\":\"10.20.32.14:53412\",\"ClientName\":\"\"}",
         "eventId": "38231283910224617213929291237463028475610362018652160000"},
        {"logStreamName": "elasticache/redis/app-4-redis-cluster-002/0001/engine-log",
         "timestamp": 1714564805000, "ingestionTime": 1714564807000,
         "message": "app-4-redis-cluster-002/0001:S 01 May 2024 12:03:41.517 UTC * MASTER <-> REPLICA sync: Finished with success",
         "eventId": "38231283910224617213929291237463028475610362018652160001"},
        {"logStreamName": "s", "timestamp": 1714564806000, "ingestionTime": 1714564806001,
         "message": "esc \u001b[31mred\u001b[0m tab\t nl\n quote\" bs\\ uni \u00e9\u4e2d\U0001f600 nul\u0000end",
         "eventId": "e3"},
    ],
    "searchedLogStreams": [
        {"logStreamName": "elasticache/redis/app-4-redis-cluster-001/0001/slow-log", "searchedCompletely": True},
        {"logStreamName": "elasticache/redis/app-4-redis-cluster-002/0001/engine-log", "searchedCompletely": False},
    ],
    "nextToken": "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXVrNhKPFp1Fa6xxFb8HPbZPkRx5Q",
}


def logs_crafted(w):
    w.response("logs", "filter_example", "FilterLogEvents", json.dumps(LOGS_FILTER))
    w.response("logs", "filter_last", "FilterLogEvents", json.dumps({"events": [], "searchedLogStreams": []}))
    w.response("logs", "get_events", "GetLogEvents", json.dumps({
        "events": [{"timestamp": 1714564805000, "message": "line one", "ingestionTime": 1714564805500},
                   {"timestamp": 1714564806000, "message": "line two \u00e9", "ingestionTime": 1714564806500}],
        "nextForwardToken": "f/38231283910224617213929291237463028475610362018652160001/s",
        "nextBackwardToken": "b/38231283910224617213929291237463028475610362018652160000/s"}))
    w.response("logs", "log_groups", "DescribeLogGroups", json.dumps({"logGroups": [
        {"logGroupName": SLOW, "creationTime": 1714564800000, "retentionInDays": 365,
         "metricFilterCount": 0, "arn": "arn:aws:logs:us-east-2:111122223333:log-group:" + SLOW + ":*",
         "storedBytes": 123456789012, "kmsKeyId": "arn:aws:kms:us-east-2:111122223333:key/1234abcd",
         "dataProtectionStatus": "ACTIVATED", "logGroupClass": "STANDARD",
         "logGroupArn": "arn:aws:logs:us-east-2:111122223333:log-group:" + SLOW,
         "deletionProtectionEnabled": False},
        {"logGroupName": ENGINE, "creationTime": 1714564800001, "metricFilterCount": 2, "storedBytes": 0},
    ], "nextToken": "lg-2"}))
    w.response("logs", "log_streams", "DescribeLogStreams", json.dumps({"logStreams": [
        {"logStreamName": "elasticache/redis/app-4-0001-001/0001/slow-log", "creationTime": 1714564800000,
         "firstEventTimestamp": 1714564801000, "lastEventTimestamp": 1714564899000,
         "lastIngestionTime": 1714564899500, "uploadSequenceToken": "495903029863",
         "arn": "arn:aws:logs:us-east-2:111122223333:log-group:" + SLOW + ":log-stream:elasticache/redis/app-4-0001-001/0001/slow-log",
         "storedBytes": 0},
        {"logStreamName": "elasticache/redis/app-4-0001-002/0001/slow-log", "creationTime": 1714564800002},
    ]}))
    w.response("logs", "put_events", "PutLogEvents", json.dumps({
        "nextSequenceToken": "49590302986",
        "rejectedLogEventsInfo": {"tooNewLogEventStartIndex": 3, "tooOldLogEventEndIndex": 0,
                                  "expiredLogEventEndIndex": 1}}))
    tags = {"tags": {"elcui:stack": "app-4", "Name": "app-4-slow-log", "empty": "",
                     "uni": "Zo\u00eb & co / \u4e2d"}}
    w.response("logs", "list_tags_log_group", "ListTagsLogGroup", json.dumps(tags))
    w.response("logs", "list_tags_for_resource", "ListTagsForResource", json.dumps(tags))
    w.response("logs", "list_tags_none", "ListTagsForResource", "{}")
    # malformed, hostile (expectations in the C test)
    w.response("logs", "bad_tags_type", "ListTagsForResource", '{"tags":["elcui:stack","app-4"]}', expected=False)
    w.response("logs", "bad_tag_values", "ListTagsForResource",
               '{"tags":{"n":1,"ok":"v","arr":["x"],"null":null,"obj":{"a":"b"}}}', expected=False)
    w.response("logs", "bad_events_type", "FilterLogEvents", '{"events":{"a":1},"nextToken":"x"}', expected=False)
    w.response("logs", "bad_entries", "FilterLogEvents",
               '{"events":[1,"two",null,{"eventId":"ok","timestamp":"1714564805000","ingestionTime":-5,'
               '"message":42,"logStreamName":["x"]},{"eventId":"big","timestamp":1e300,'
               '"ingestionTime":1714564805000.0,"message":"m"}],"searchedLogStreams":[7,{"logStreamName":1}],'
               '"nextToken":12}', expected=False)
    w.response("logs", "bad_truncated", "FilterLogEvents", json.dumps(LOGS_FILTER)[:200], expected=False)
    w.response("logs", "bad_array", "FilterLogEvents", "[1,2,3]", expected=False)
    w.response("logs", "bad_deep", "FilterLogEvents", '{"events":' + "[" * 5000 + "]" * 5000 + "}", expected=False)
    w.response("logs", "bad_bigint", "FilterLogEvents",
               '{"events":[{"eventId":"x","timestamp":123456789012345678901234567890,"message":"m"}]}',
               expected=False)
    w.response("logs", "err_not_found", "FilterLogEvents",
               '{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}',
               expected=False)
    w.response("logs", "err_throttling", "FilterLogEvents",
               '{"__type":"ThrottlingException","message":"Rate exceeded"}', expected=False)


def cloudwatch_crafted(w):
    body = f"""<GetMetricDataResponse xmlns="{NS_CW}">
  <GetMetricDataResult>
    <MetricDataResults>
      <member>
        <Id>cpu</Id>
        <Label>CPUUtilization</Label>
        <Timestamps>
          <member>2024-05-01T12:00:00Z</member>
          <member>2024-05-01T12:01:00Z</member>
        </Timestamps>
        <Values>
          <member>3.4166666666666665</member>
          <member>3.3333333333333335</member>
        </Values>
        <StatusCode>Complete</StatusCode>
      </member>
      <member>
        <Id>lag</Id>
        <Label>ReplicationLag</Label>
        <Timestamps><member>2024-05-01T12:00:00.500Z</member></Timestamps>
        <Values><member>1.5E-3</member></Values>
        <StatusCode>PartialData</StatusCode>
        <Messages><member><Code>MaxDatapointsExceeded</Code><Value>too many</Value></member></Messages>
      </member>
      <member>
        <Id>empty</Id>
        <Label>IsMaster</Label>
        <Timestamps/>
        <Values/>
        <StatusCode>Complete</StatusCode>
      </member>
    </MetricDataResults>
    <NextToken>cw-next</NextToken>
    <Messages><member><Code>Info</Code><Value>hello</Value></member></Messages>
  </GetMetricDataResult>
  <ResponseMetadata><RequestId>cw-rid-1</RequestId></ResponseMetadata>
</GetMetricDataResponse>
"""
    w.response("cloudwatch", "gmd_example", "GetMetricData", body)
    w.response("cloudwatch", "bad_values", "GetMetricData", f"""<GetMetricDataResponse xmlns="{NS_CW}"><GetMetricDataResult><MetricDataResults>
<member><Id>x</Id><Timestamps><member>2024-05-01T12:00:00Z</member><member>nope</member><member>2024-05-01T12:02:00Z</member></Timestamps>
<Values><member>1</member><member>NaN-ish</member></Values></member>
<member><Id>y</Id><Values><member>1e999</member></Values><Timestamps><member>2024-05-01T12:00:00Z</member></Timestamps></member>
</MetricDataResults></GetMetricDataResult></GetMetricDataResponse>""", expected=False)


# ---------------------------------------------------------------- moto recordings

class Moto:
    """moto's server in-process on 127.0.0.1; requests are serialised and
    signed with botocore, so what moto answers is what a real client sees."""

    def __init__(self):
        import logging
        from moto.server import ThreadedMotoServer
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.creds = Credentials("AKIDTESTGENERATED", "generated-per-run-" + os.urandom(8).hex())

    def stop(self):
        self.server.stop()

    def call(self, svc_dir, op, params, signing=None):
        svc, proto = SERVICES.get(svc_dir, (svc_dir, None))
        m = model(svc)
        if proto is None:
            proto = m.protocol
        body, headers = serialize(svc_dir, op, params, self.endpoint) if svc_dir in SERVICES else \
            self._serialize_other(svc, proto, op, params)
        req = AWSRequest(method="POST", url=self.endpoint + "/", data=body, headers=headers)
        SigV4Auth(self.creds, signing or m.signing_name, REGION).add_auth(req)
        prepared = req.prepare()
        hreq = urllib.request.Request(prepared.url, data=prepared.body, method="POST",
                                      headers=dict(prepared.headers))
        try:
            with urllib.request.urlopen(hreq, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def _serialize_other(self, svc, proto, op, params):
        op_model = model(svc).operation_model(op)
        req = create_serializer(proto).serialize_to_request(params, op_model)
        prepare_request_dict(req, self.endpoint)
        prepared = create_request_object(req).prepare()
        body = prepared.body
        if isinstance(body, str):
            body = body.encode()
        return body, dict(prepared.headers)

    def ok(self, svc_dir, op, params):
        status, body = self.call(svc_dir, op, params)
        if status != 200:
            raise SystemExit(f"moto {op}: HTTP {status}: {body[:300]!r}")
        return body


class Sandbox(Moto):
    """tests/sandbox/run (demo seed, no Redis processes): the ElastiCache
    model the sandbox builds on moto, with SigV4 checked against the keys
    it prints. Stopped (stdin EOF, then SIGTERM) before returning."""

    def __init__(self, root):
        import subprocess
        import time
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(root, "tests", "sandbox", "run"), "--seed", "demo",
             "--no-redis", "--create-delay", "0", "--stop-on-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True)
        env = {}
        deadline = time.monotonic() + 120
        for line in self.proc.stdout:
            if line.startswith("export "):
                k, _, v = line[7:].strip().partition("=")
                env[k] = v.strip("'")
            if line.startswith("# sandbox ready") or time.monotonic() > deadline:
                break
        if "AWS_ENDPOINT_URL" not in env:
            self.stop()
            raise SystemExit("tests/sandbox/run did not become ready")
        self.endpoint = env["AWS_ENDPOINT_URL"]
        self.creds = Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])

    def stop(self):
        import signal
        import subprocess
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)

    def control(self, path, body):
        req = urllib.request.Request(self.endpoint + "/_sandbox/" + path,
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())


def record_sandbox(w, root):
    sb = Sandbox(root)
    try:
        rgs = sb.ok("elasticache", "DescribeReplicationGroups", {})
        w.response("elasticache", "sandbox_rgs", "DescribeReplicationGroups", rgs)
        groups = parse("elasticache", "DescribeReplicationGroups", rgs)["ReplicationGroups"]
        main = next(g for g in groups if g.get("ClusterEnabled"))
        weak = next(g for g in groups if not g.get("ClusterEnabled"))
        page = sb.ok("elasticache", "DescribeCacheClusters", {"ShowCacheNodeInfo": True, "MaxRecords": 20})
        w.response("elasticache", "sandbox_ccs_page1", "DescribeCacheClusters", page)
        w.response("elasticache", "sandbox_subnet_groups", "DescribeCacheSubnetGroups",
                   sb.ok("elasticache", "DescribeCacheSubnetGroups", {}))
        w.response("elasticache", "sandbox_param_groups", "DescribeCacheParameterGroups",
                   sb.ok("elasticache", "DescribeCacheParameterGroups", {"MaxRecords": 20}))
        w.response("elasticache", "sandbox_params", "DescribeCacheParameters",
                   sb.ok("elasticache", "DescribeCacheParameters", {
                       "CacheParameterGroupName": "default.redis7", "MaxRecords": 20}))
        w.response("elasticache", "sandbox_list_tags", "ListTagsForResource",
                   sb.ok("elasticache", "ListTagsForResource", {"ResourceName": main["ARN"]}))
        w.response("elasticache", "sandbox_test_failover", "TestFailover",
                   sb.ok("elasticache", "TestFailover", {"ReplicationGroupId": main["ReplicationGroupId"],
                                                         "NodeGroupId": "0002"}))
        w.response("elasticache", "sandbox_modify_rg", "ModifyReplicationGroup",
                   sb.ok("elasticache", "ModifyReplicationGroup", {
                       "ReplicationGroupId": weak["ReplicationGroupId"], "ApplyImmediately": True,
                       "SnapshotRetentionLimit": 1}))
        w.response("elasticache", "sandbox_events", "DescribeEvents",
                   sb.ok("elasticache", "DescribeEvents", {"Duration": 60}))
        w.response("logs", "sandbox_log_groups", "DescribeLogGroups",
                   sb.ok("logs", "DescribeLogGroups", {}))
        # DeleteCacheSubnetGroup: refused while a cluster uses the group,
        # then a group made for the recording, deleted
        sngs = parse("elasticache", "DescribeCacheSubnetGroups",
                     sb.ok("elasticache", "DescribeCacheSubnetGroups", {}))["CacheSubnetGroups"]
        used = {c.get("CacheSubnetGroupName") for c in parse(
            "elasticache", "DescribeCacheClusters", page)["CacheClusters"]}
        # (the synthetic "default" group cannot be deleted at all)
        busy = next(g for g in sngs if g["CacheSubnetGroupName"] in used - {"default"})
        st, b = sb.call("elasticache", "DeleteCacheSubnetGroup",
                        {"CacheSubnetGroupName": busy["CacheSubnetGroupName"]})
        w.response("elasticache", "sandbox_err_subnet_group_in_use", "DeleteCacheSubnetGroup", b,
                   expected=False)
        w.put("elasticache/resp/sandbox_err_subnet_group_in_use.status", str(st))
        sb.ok("elasticache", "CreateCacheSubnetGroup", {
            "CacheSubnetGroupName": "wire-recording", "CacheSubnetGroupDescription": "recording",
            "SubnetIds": [x["SubnetIdentifier"] for x in busy["Subnets"]]})
        w.response("elasticache", "sandbox_delete_subnet_group", "DeleteCacheSubnetGroup",
                   sb.ok("elasticache", "DeleteCacheSubnetGroup", {"CacheSubnetGroupName": "wire-recording"}))
    finally:
        sb.stop()


def record(w):
    moto = Moto()
    try:
        # network for the subnet group
        vpc = moto.call("ec2", "CreateVpc", {"CidrBlock": "10.20.32.0/25"})
        import re
        vpc_id = re.search(rb"<vpcId>([^<]+)</vpcId>", vpc[1]).group(1).decode()
        subnets = []
        for i, (cidr, az) in enumerate([("10.20.32.0/27", "a"), ("10.20.32.32/27", "b"), ("10.20.32.64/27", "c")]):
            st, b = moto.call("ec2", "CreateSubnet", {"VpcId": vpc_id, "CidrBlock": cidr,
                                                     "AvailabilityZone": REGION + az})
            subnets.append(re.search(rb"<subnetId>([^<]+)</subnetId>", b).group(1).decode())
        body = moto.ok("elasticache", "CreateCacheSubnetGroup", {
            "CacheSubnetGroupName": "app-4-cache-subnet", "CacheSubnetGroupDescription": "app-4",
            "SubnetIds": subnets, "Tags": [{"Key": "env", "Value": "test"}]})
        w.response("elasticache", "moto_create_subnet_group", "CreateCacheSubnetGroup", body)
        w.response("elasticache", "moto_subnet_groups", "DescribeCacheSubnetGroups",
                   moto.ok("elasticache", "DescribeCacheSubnetGroups", {}))
        body = moto.ok("elasticache", "CreateReplicationGroup", {
            "ReplicationGroupId": "app-4", "ReplicationGroupDescription": "ElastiCache cluster for app-4",
            "AutomaticFailoverEnabled": True, "MultiAZEnabled": True, "NumNodeGroups": 3,
            "ReplicasPerNodeGroup": 2, "CacheNodeType": "cache.t2.small", "Engine": "redis",
            "CacheParameterGroupName": "default.redis7.cluster.on",
            "CacheSubnetGroupName": "app-4-cache-subnet", "Port": 6379,
            "AuthToken": "generated-" + os.urandom(12).hex(), "TransitEncryptionEnabled": True,
            "AtRestEncryptionEnabled": True, "KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "LogDeliveryConfigurations": [
                {"LogType": "slow-log", "DestinationType": "cloudwatch-logs",
                 "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": SLOW}},
                 "LogFormat": "json", "Enabled": True}]})
        w.response("elasticache", "moto_create_rg", "CreateReplicationGroup", body)
        for i in range(24):
            moto.ok("elasticache", "CreateReplicationGroup", {
                "ReplicationGroupId": f"bulk-{i:02d}", "ReplicationGroupDescription": "bulk",
                "NumCacheClusters": 2, "CacheNodeType": "cache.t4g.micro", "Engine": "redis"})
        page1 = moto.ok("elasticache", "DescribeReplicationGroups", {"MaxRecords": 20})
        w.response("elasticache", "moto_rgs_page1", "DescribeReplicationGroups", page1)
        marker = parse("elasticache", "DescribeReplicationGroups", page1).get("Marker")
        if marker:
            w.response("elasticache", "moto_rgs_page2", "DescribeReplicationGroups",
                       moto.ok("elasticache", "DescribeReplicationGroups", {"MaxRecords": 20, "Marker": marker}))
        w.response("elasticache", "moto_ccs_nodes", "DescribeCacheClusters",
                   moto.ok("elasticache", "DescribeCacheClusters", {"ShowCacheNodeInfo": True, "MaxRecords": 20}))
        arn = parse("elasticache", "CreateReplicationGroup", body)["ReplicationGroup"]["ARN"]
        w.response("elasticache", "moto_add_tags", "AddTagsToResource",
                   moto.ok("elasticache", "AddTagsToResource", {"ResourceName": arn, "Tags": [
                       {"Key": "elcui:secret", "Value": "app-4-elasticache-auth"}]}))
        w.response("elasticache", "moto_list_tags", "ListTagsForResource",
                   moto.ok("elasticache", "ListTagsForResource", {"ResourceName": arn}))
        w.response("elasticache", "moto_delete_rg", "DeleteReplicationGroup",
                   moto.ok("elasticache", "DeleteReplicationGroup", {"ReplicationGroupId": "bulk-00"}))
        st, b = moto.call("elasticache", "DescribeReplicationGroups", {"ReplicationGroupId": "nope"})
        w.response("elasticache", "moto_err_not_found", "DescribeReplicationGroups", b, expected=False)
        w.put("elasticache/resp/moto_err_not_found.status", str(st))

        # logs
        moto.ok("logs", "CreateLogGroup", {"logGroupName": SLOW,
                                           "tags": {"Name": "app-4", "elcui:stack": "app-4"}})
        moto.ok("logs", "PutRetentionPolicy", {"logGroupName": SLOW, "retentionInDays": 365})
        for name in ["/aws/elasticache/app-4/engine-log", "/other/a", "/other/b"]:
            moto.ok("logs", "CreateLogGroup", {"logGroupName": name})
        lgs = moto.ok("logs", "DescribeLogGroups", {"logGroupNamePrefix": "/aws/elasticache/"})
        w.response("logs", "moto_log_groups", "DescribeLogGroups", lgs)
        w.response("logs", "moto_list_tags_log_group", "ListTagsLogGroup",
                   moto.ok("logs", "ListTagsLogGroup", {"logGroupName": SLOW}))
        slow_arn = next(g["logGroupArn"] for g in json.loads(lgs)["logGroups"] if g["logGroupName"] == SLOW)
        w.response("logs", "moto_list_tags_for_resource", "ListTagsForResource",
                   moto.ok("logs", "ListTagsForResource", {"resourceArn": slow_arn}))
        # moto rejects events older than 14 days: use the recording time
        base = int(datetime.datetime.now(UTC).timestamp()) * 1000 - 60000
        for n in (1, 2):
            stream = f"elasticache/redis/app-4-0001-00{n}/0001/slow-log"
            moto.ok("logs", "CreateLogStream", {"logGroupName": SLOW, "logStreamName": stream})
            moto.ok("logs", "PutLogEvents", {"logGroupName": SLOW, "logStreamName": stream, "logEvents": [
                {"timestamp": base + i * 1000 + n, "message": json.dumps(
                    {"CacheClusterId": f"app-4-0001-00{n}", "CacheNodeId": "0001", "Id": i,
                     "Timestamp": (base + i * 1000) // 1000, "Duration (us)": 10000 + i,
                     "Command": "KEYS ... (1 more arguments)", "ClientAddress": "10.20.32.14:53412",
                     "ClientName": ""}, separators=(",", ":"))} for i in range(3)]})
        w.response("logs", "moto_log_streams", "DescribeLogStreams",
                   moto.ok("logs", "DescribeLogStreams", {"logGroupName": SLOW}))
        f1 = moto.ok("logs", "FilterLogEvents", {"logGroupName": SLOW, "limit": 4})
        w.response("logs", "moto_filter_page1", "FilterLogEvents", f1)
        tok = json.loads(f1).get("nextToken")
        if tok:
            w.response("logs", "moto_filter_page2", "FilterLogEvents",
                       moto.ok("logs", "FilterLogEvents", {"logGroupName": SLOW, "limit": 4, "nextToken": tok}))
        w.response("logs", "moto_get_events", "GetLogEvents",
                   moto.ok("logs", "GetLogEvents", {"logGroupName": SLOW, "startFromHead": True,
                                                    "logStreamName": "elasticache/redis/app-4-0001-001/0001/slow-log"}))
        st, b = moto.call("logs", "FilterLogEvents", {"logGroupName": "/nope"})
        w.response("logs", "moto_err_not_found", "FilterLogEvents", b, expected=False)
        w.put("logs/resp/moto_err_not_found.status", str(st))

        # cloudwatch: data points, then GetMetricData over the query protocol
        now = datetime.datetime.now(UTC).replace(second=0, microsecond=0) - datetime.timedelta(minutes=10)
        data = []
        for i in range(5):
            data.append({"MetricName": "CPUUtilization", "Timestamp": now + datetime.timedelta(minutes=i),
                         "Value": 1.25 * (i + 1), "Unit": "Percent",
                         "Dimensions": [{"Name": "CacheClusterId", "Value": "app-4-0001-001"},
                                        {"Name": "CacheNodeId", "Value": "0001"}]})
        moto.ok("cloudwatch", "PutMetricData", {"Namespace": "AWS/ElastiCache", "MetricData": data})
        w.response("cloudwatch", "moto_gmd", "GetMetricData", moto.ok("cloudwatch", "GetMetricData", {
            "MetricDataQueries": [{"Id": "cpu", "MetricStat": {
                "Metric": {"Namespace": "AWS/ElastiCache", "MetricName": "CPUUtilization",
                           "Dimensions": [{"Name": "CacheClusterId", "Value": "app-4-0001-001"},
                                          {"Name": "CacheNodeId", "Value": "0001"}]},
                "Period": 60, "Stat": "Average"}}],
            "StartTime": now - datetime.timedelta(minutes=5), "EndTime": now + datetime.timedelta(minutes=10),
            "ScanBy": "TimestampAscending"}))
    finally:
        moto.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "unit", "data", "wire"))
    ap.add_argument("--no-record", action="store_true",
                    help="skip the moto and sandbox recordings")
    args = ap.parse_args()
    w = Writer(os.path.normpath(args.out))
    for case, (op, params) in ELASTICACHE_REQUESTS.items():
        w.request("elasticache", case, op, params)
    for case, (op, params) in LOGS_REQUESTS.items():
        w.request("logs", case, op, params)
    for case, (op, params) in CLOUDWATCH_REQUESTS.items():
        w.request("cloudwatch", case, op, params)
    elasticache_crafted(w)
    logs_crafted(w)
    cloudwatch_crafted(w)
    if not args.no_record:
        record(w)
        record_sandbox(w, os.path.normpath(os.path.join(here, "..", "..")))
    print(f"gen_wire_vectors: {w.written} files under {w.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
