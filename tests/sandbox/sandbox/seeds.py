"""Seeds: what a fresh sandbox contains.

``empty``  nothing but the run's IAM user and role.

``demo``   the stack of seed-spec.md ("current heads", Nov 2024, create
           branch: no internet gateway, no EC2 test harness, no flow log)
           for name ``app-4`` in us-east-2, built through boto3 against the
           sandbox itself in the spec's recommended order (section 13), every
           taggable resource tagged ``elcui:stack=app-4``; the replication
           group is backed by live TLS Redis (9 nodes) with a light workload
           (part B's workload.py) filling slow and engine logs.  Plus
           ``legacy-1``, a deliberately weak group for audits: no TLS, no
           AUTH, both nodes in one AZ, no automatic failover / Multi-AZ, no
           log delivery, backups off, default subnet group, engine 6.2.

``scale``  200 replication groups ``scale-001``..``scale-200`` (odd: cluster
           mode disabled, 1 primary + 2 replicas; even: 3 shards x 2
           replicas) and ``scale-big`` (500 shards, no replicas), all without
           Redis, delivering slow logs to ``/elasticache/scale/slow-log``,
           which holds 100,000 slow-log events of the last hour over 1,500
           streams.  Written straight into the backends (a few seconds).
"""

import json
import random
import secrets
import string
import time

from . import secretrec

DEMO_NAME = "app-4"
DEMO_REGION = "us-east-2"
STACK_TAG = "elcui:stack"
TOKEN_ALPHABET = string.ascii_letters + string.digits + "!&#$^<>-"


def apply(seed, rt):
    if seed == "empty":
        return None
    if seed == "demo":
        return build_demo(rt)
    if seed == "scale":
        return build_scale(rt)
    raise ValueError("unknown seed %r" % seed)


def generate_token(length=128):
    """random_password(length=128, special=true, override_special="!&#$^<>-")."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(length))


def _clients(rt, region):
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=120)
    s = rt.server

    def c(name):
        return boto3.client(
            name,
            endpoint_url=s.endpoint,
            region_name=region,
            aws_access_key_id=s.access_key,
            aws_secret_access_key=s.secret_key,
            config=cfg,
        )

    return c


def _tags_ec2(name, extra_name=None):
    tags = [{"Key": STACK_TAG, "Value": name}]
    if extra_name:
        tags.insert(0, {"Key": "Name", "Value": extra_name})
    return tags


def at_rest_key_policy(account, region, name):
    root = "arn:aws:iam::%s:root" % account
    log_arn = "arn:aws:logs:%s:%s:log-group:/elasticache/%s/%%s" % (region, account, name)
    return {
        "Version": "2012-10-17",
        "Id": "%s-encryption-rest" % name,
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
            {
                "Sid": "Allow ElastiCache to use the key",
                "Effect": "Allow",
                "Principal": {"Service": "elasticache.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "logs.%s.amazonaws.com" % region},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [log_arn % "slow-log", log_arn % "engine-log"]}},
            },
        ],
    }


def secret_key_policy(account, region, name):
    root = "arn:aws:iam::%s:root" % account
    return {
        "Version": "2012-10-17",
        "Id": "%s-encryption-secret" % name,
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
            {
                "Sid": "Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager",
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:CallerAccount": account, "kms:ViaService": "secretsmanager.%s.amazonaws.com" % region}},
            },
        ],
    }


def build_demo(rt, name=DEMO_NAME, region=DEMO_REGION, timeout=300):
    """Create the seed-spec stack; returns a dict of what was made."""
    c = _clients(rt, region)
    ec2, ec, kms, logs, sm, ssm, iam, sts = (c(n) for n in ("ec2", "elasticache", "kms", "logs", "secretsmanager", "ssm", "iam", "sts"))
    account = sts.get_caller_identity()["Account"]
    out = {"account": account, "name": name, "region": region}
    vpc_cidr = "10.20.32.0/25"
    private_cidrs = ["10.20.32.0/27", "10.20.32.32/27", "10.20.32.64/27"]
    public_cidrs = ["10.20.32.96/27"]

    # 1-2. VPC, four subnets (private a/b/c, public a), route tables, default SG takeover.
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]]
    vpc = ec2.create_vpc(CidrBlock=vpc_cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": _tags_ec2(name, name)}])["Vpc"]
    vpc_id = vpc["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    private = []
    for i, cidr in enumerate(private_cidrs):
        sn = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=azs[i % len(azs)],
            TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags_ec2(name, "%s-private-%d" % (name, i + 1))}],
        )["Subnet"]
        private.append(sn["SubnetId"])
    public = []
    for i, cidr in enumerate(public_cidrs):
        sn = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=azs[i % len(azs)],
            TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags_ec2(name, "%s-public-%d" % (name, i + 1))}],
        )["Subnet"]
        public.append(sn["SubnetId"])
    route_tables = []
    for i, sid in enumerate(private):
        rtb = ec2.create_route_table(
            VpcId=vpc_id, TagSpecifications=[{"ResourceType": "route-table", "Tags": _tags_ec2(name, "%s-private-%d" % (name, i + 1))}]
        )["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=sid)
        route_tables.append(rtb)
    rtb = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=[{"ResourceType": "route-table", "Tags": _tags_ec2(name, "%s-public" % name)}])["RouteTable"]["RouteTableId"]
    for sid in public:
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=sid)
    route_tables.append(rtb)
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    if default_sg.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissions"])
    if default_sg.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissionsEgress"])
    ec2.create_tags(Resources=[default_sg["GroupId"]], Tags=_tags_ec2(name, "%s-default" % name))
    out.update(vpc_id=vpc_id, private_subnets=private, public_subnets=public, route_tables=route_tables, default_sg=default_sg["GroupId"])

    # 3. Cache subnet group over the three private subnets.
    subnet_group = "%s-cache-subnet" % name
    ec.create_cache_subnet_group(
        CacheSubnetGroupName=subnet_group, CacheSubnetGroupDescription="Managed by Terraform", SubnetIds=private, Tags=[{"Key": STACK_TAG, "Value": name}]
    )
    out["subnet_group"] = subnet_group

    # 4. Security group: 6379 from the VPC CIDR, all egress.
    sg_id = ec2.create_security_group(
        GroupName="%s-elasticache-sg" % name,
        Description="Allow inbound to and outbound access from the Amazon ElastiCache cluster.",
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": _tags_ec2(name)}],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 6379,
                "ToPort": 6379,
                "IpRanges": [{"CidrIp": vpc_cidr, "Description": "Enable communication to the Amazon ElastiCache for Redis cluster."}],
            }
        ],
    )
    sg = ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    if sg.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=sg_id, IpPermissions=sg["IpPermissionsEgress"])
    ec2.authorize_security_group_egress(
        GroupId=sg_id,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "Enable access to the ElastiCache cluster."}]}],
    )
    out["security_group"] = sg_id

    # 5-6. At-rest key, alias, key policy (before the log groups use it).
    rest = kms.create_key(Description="Key to encrypt cache at rest.", Tags=[{"TagKey": "Name", "TagValue": "%s-encryption-rest" % name}, {"TagKey": STACK_TAG, "TagValue": name}])["KeyMetadata"]
    kms.enable_key_rotation(KeyId=rest["KeyId"])
    kms.create_alias(AliasName="alias/%s-encryption-rest" % name, TargetKeyId=rest["KeyId"])
    kms.put_key_policy(KeyId=rest["KeyId"], PolicyName="default", Policy=json.dumps(at_rest_key_policy(account, region, name)))
    out["rest_key"] = rest["Arn"]

    # 7. Log groups with the at-rest key and 365-day retention.
    log_groups = {}
    for lt in ("slow-log", "engine-log"):
        lg = "/elasticache/%s/%s" % (name, lt)
        logs.create_log_group(logGroupName=lg, kmsKeyId=rest["Arn"], tags={STACK_TAG: name})
        logs.put_retention_policy(logGroupName=lg, retentionInDays=365)
        log_groups[lt] = lg
    out["log_groups"] = log_groups

    # 8. Secret key (+ alias, policy), token, secret.
    sec = kms.create_key(Description="Key to encrypt secret", Tags=[{"TagKey": "Name", "TagValue": "%s-encryption-secret" % name}, {"TagKey": STACK_TAG, "TagValue": name}])["KeyMetadata"]
    kms.enable_key_rotation(KeyId=sec["KeyId"])
    kms.create_alias(AliasName="alias/%s-encryption-secret" % name, TargetKeyId=sec["KeyId"])
    kms.put_key_policy(KeyId=sec["KeyId"], PolicyName="default", Policy=json.dumps(secret_key_policy(account, region, name)))
    token = generate_token()
    secretrec.record(token, "demo seed AUTH token")
    secret = sm.create_secret(Name="%s-elasticache-auth" % name, KmsKeyId=sec["KeyId"], SecretString=token, Tags=[{"Key": STACK_TAG, "Value": name}])
    out["secret_key"] = sec["Arn"]
    out["secret_arn"] = secret["ARN"]

    # 9. Replication group, then wait for it.
    rg = name.lower()
    ec.create_replication_group(
        ReplicationGroupId=rg,
        ReplicationGroupDescription="ElastiCache cluster for %s" % name,
        CacheNodeType="cache.t2.small",
        CacheParameterGroupName="default.redis7.cluster.on",
        NumNodeGroups=3,
        ReplicasPerNodeGroup=2,
        Port=6379,
        MultiAZEnabled=True,
        AutomaticFailoverEnabled=True,
        CacheSubnetGroupName=subnet_group,
        SecurityGroupIds=[sg_id],
        AtRestEncryptionEnabled=True,
        KmsKeyId=rest["KeyId"],
        TransitEncryptionEnabled=True,
        AuthToken=sm.get_secret_value(SecretId=secret["ARN"])["SecretString"],
        LogDeliveryConfigurations=[
            {"LogType": lt, "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": log_groups[lt]}}, "LogFormat": "json"}
            for lt in ("slow-log", "engine-log")
        ],
        Tags=[{"Key": STACK_TAG, "Value": name}],
    )
    group = _wait_available(ec, rg, timeout + rt.create_delay)
    endpoint = group["ConfigurationEndpoint"]
    out["replication_group"] = rg

    # 10. SSM SecureString parameters with the at-rest key.
    prefix = "/elasticache/%s/%s" % (name, rg)
    ssm.put_parameter(Name=prefix + "/endpoint", Type="SecureString", KeyId=rest["KeyId"], Value=endpoint["Address"], Tags=[{"Key": STACK_TAG, "Value": name}])
    ssm.put_parameter(Name=prefix + "/port", Type="SecureString", KeyId=rest["KeyId"], Value=str(endpoint["Port"]), Tags=[{"Key": STACK_TAG, "Value": name}])
    param_arn = "arn:aws:ssm:%s:%s:parameter%s" % (region, account, prefix)
    out["parameters"] = [prefix + "/endpoint", prefix + "/port"]

    # 11. The two read policies.
    ssm_doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"], "Resource": [param_arn + "/endpoint", param_arn + "/port"]},
            {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [rest["Arn"]]},
        ],
    }
    secret_doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [secret["ARN"]]},
            {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [sec["Arn"]]},
        ],
    }
    p1 = iam.create_policy(
        PolicyName="%s-ssm-parameter-read-policy" % name,
        Path="/",
        Description="Policy to read the ElastiCache endpoint and port number stored in the SSM Parameter Store.",
        PolicyDocument=json.dumps(ssm_doc),
        Tags=[{"Key": STACK_TAG, "Value": name}],
    )["Policy"]["Arn"]
    p2 = iam.create_policy(
        PolicyName="%s-secret-read-policy" % name,
        Path="/",
        Description="Policy to read the ElastiCache AUTH Token stored in AWS Secrets Manager secret.",
        PolicyDocument=json.dumps(secret_doc),
        Tags=[{"Key": STACK_TAG, "Value": name}],
    )["Policy"]["Arn"]
    out["policies"] = [p1, p2]

    # The weak group, for audit findings.
    ec.create_replication_group(
        ReplicationGroupId="legacy-1",
        ReplicationGroupDescription="legacy cache (pre-elcui)",
        Engine="redis",
        EngineVersion="6.2",
        CacheNodeType="cache.t3.micro",
        CacheParameterGroupName="default.redis6.x",
        NumCacheClusters=2,
        PreferredCacheClusterAZs=[azs[0], azs[0]],
        AutomaticFailoverEnabled=False,
        MultiAZEnabled=False,
        TransitEncryptionEnabled=False,
        AtRestEncryptionEnabled=False,
        SnapshotRetentionLimit=0,
        Tags=[{"Key": "team", "Value": "legacy"}],
    )
    _wait_available(ec, "legacy-1", timeout + rt.create_delay)
    out["weak_group"] = "legacy-1"

    # A light workload on app-4 (slow log + engine log lines).
    if rt.farm is not None:
        try:
            from .workload import Workload

            wl = Workload(rt.farm, rg, token)
            wl.start()
            rt.workloads.append(wl)
        except ImportError as e:
            rt.errors.append("workload unavailable: %s" % e)
    return out


def _wait_available(ec, rg, timeout):
    deadline = time.monotonic() + timeout
    while True:
        g = ec.describe_replication_groups(ReplicationGroupId=rg)["ReplicationGroups"][0]
        if g["Status"] == "available":
            return g
        if g["Status"] == "create-failed" or time.monotonic() > deadline:
            raise RuntimeError("replication group %s is %s after %.0f s" % (rg, g["Status"], timeout))
        time.sleep(0.2)


# ---------------------------------------------------------------------------
# scale


SCALE_LOG_GROUP = "/elasticache/scale/slow-log"
SCALE_EVENTS = 100000
SCALE_STREAMS = 1500
SLOW_COMMANDS = ["KEYS", "SORT", "SMEMBERS", "HGETALL", "ZRANGE", "LRANGE", "EVAL", "SUNION", "ZUNIONSTORE", "SCAN"]


def build_scale(rt, region=DEMO_REGION, seed=4242):
    """Write the scale fixture straight into the backends."""
    from moto.logs.models import logs_backends

    from .elasticache import Api

    rnd = random.Random(seed)
    w = rt.server.world
    account = rt.server.account_id
    logs = logs_backends[account][region]
    if SCALE_LOG_GROUP not in logs.groups:
        logs.create_log_group(SCALE_LOG_GROUP, tags={STACK_TAG: "scale"})
    ldc = [{"LogType": "slow-log", "DestinationType": "cloudwatch-logs", "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": SCALE_LOG_GROUP}}, "LogFormat": "json", "Enabled": True}]
    specs = []
    for i in range(1, 201):
        rg = "scale-%03d" % i
        if i % 2:
            specs.append(dict(ReplicationGroupId=rg, ReplicationGroupDescription="scale group %d" % i, NumCacheClusters=3, AutomaticFailoverEnabled=True, MultiAZEnabled=True))
        else:
            specs.append(
                dict(
                    ReplicationGroupId=rg,
                    ReplicationGroupDescription="scale group %d" % i,
                    CacheParameterGroupName="default.redis7.cluster.on",
                    NumNodeGroups=3,
                    ReplicasPerNodeGroup=2,
                    AutomaticFailoverEnabled=True,
                )
            )
    specs.append(
        dict(
            ReplicationGroupId="scale-big",
            ReplicationGroupDescription="500 shards",
            CacheParameterGroupName="default.redis7.cluster.on",
            NumNodeGroups=500,
            ReplicasPerNodeGroup=0,
            AutomaticFailoverEnabled=True,
            CacheNodeType="cache.r7g.large",
        )
    )
    nodes = []
    with w.lock:
        api = Api(w, region, account)
        for spec in specs:
            spec = dict(spec)
            spec.setdefault("CacheNodeType", "cache.t4g.small")
            spec["LogDeliveryConfigurations"] = ldc
            spec["Tags"] = [{"Key": STACK_TAG, "Value": "scale"}]
            g = api.create_replication_group(spec)
            g.ready_at = 0.0
            api.register_new_group(g, redis=False)
            nodes.append([n.cluster_id for n in g.nodes()])
    w.tick()
    big = nodes[-1]
    others = [cid for group in nodes[:-1] for cid in group]
    streams = big + others[: SCALE_STREAMS - len(big)]
    now_ms = int(time.time() * 1000)
    hour_ms = 3600 * 1000
    per = [SCALE_EVENTS // len(streams)] * len(streams)
    for i in range(SCALE_EVENTS - sum(per)):
        per[i] += 1
    lg = logs.groups[SCALE_LOG_GROUP]
    rand = rnd.random
    addresses = ["10.20.%d.%d:%d" % (rnd.randrange(32, 40), rnd.randrange(1, 255), rnd.randrange(1024, 65535)) for _ in range(512)]
    names = [""] * 8 + ["worker-%d" % i for i in range(1, 20)]
    commands = ["%s ... (%d more arguments)" % (c, n) for c in SLOW_COMMANDS for n in (1, 2, 3)]
    template = '{"CacheClusterId":"%s","CacheNodeId":"0001","Id":%d,"Timestamp":%d,"Duration (us)":%d,"Command":"%s","ClientAddress":"%s","ClientName":"%s"}'
    for cid, count in zip(streams, per):
        name = "elasticache/redis/%s/0001/slow-log" % cid
        if name not in lg.streams:
            lg.create_log_stream(name)
        stamps = sorted(now_ms - int(rand() * hour_ms) for _ in range(count))
        events = [
            {
                "timestamp": ts,
                "message": template
                % (
                    cid,
                    k,
                    ts // 1000,
                    10000 + int(rand() * 890000),
                    commands[int(rand() * len(commands))],
                    addresses[int(rand() * len(addresses))],
                    names[int(rand() * len(names))],
                ),
            }
            for k, ts in enumerate(stamps)
        ]
        lg.streams[name].put_log_events(events)
    return {"groups": len(specs), "streams": len(streams), "events": SCALE_EVENTS}
