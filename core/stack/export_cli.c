/* export_cli.c - a stack as aws CLI commands. */
#include "core/stack/export_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/discover.h"
#include "core/stack/stack_validate.h"

/* A single-quoted shell word. */
static void sh_q(struct buf *o, const char *s)
{
    buf_appendc(o, '\'');
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\'')
            buf_appends(o, "'\\''");
        else
            buf_appendc(o, *p);
    }
    buf_appendc(o, '\'');
}

/* JSON for a heredoc: $, ` and \ escaped, then the stand-ins become shell
 * variables. */
static void sh_json_heredoc(struct buf *o, const char *var, json_t *doc)
{
    char *j = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    struct buf e;
    buf_init(&e, 0);
    for (const char *p = j ? j : "{}"; *p; p++) {
        if (*p == '$' || *p == '`' || *p == '\\')
            buf_appendc(&e, '\\');
        buf_appendc(&e, *p);
    }
    free(j);
    static const struct {
        const char *from, *to;
    } vars[] = {
        {EX_ACCOUNT, "${ACCOUNT}"},
        {EX_REST_ARN, "${REST_KEY_ARN}"},
        {EX_SECRET_KEY_ARN, "${SECRET_KEY_ARN}"},
        {EX_SECRET_ARN, "${SECRET_ARN}"},
    };
    char *t = buf_steal(&e);
    for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]); v++) {
        struct buf r;
        buf_init(&r, 0);
        const char *p = t, *a;
        while ((a = strstr(p, vars[v].from))) {
            buf_append(&r, p, (size_t)(a - p));
            buf_appends(&r, vars[v].to);
            p = a + strlen(vars[v].from);
        }
        buf_appends(&r, p);
        free(t);
        t = buf_steal(&r);
    }
    buf_printf(o, "%s=$(cat <<EOF\n%s\nEOF\n)\n", var, t);
    free(t);
}

/* Tags as the EC2 --tag-specifications shorthand for a resource type. */
static void sh_ec2_tags(struct buf *o, const struct stack_spec *s, const char *type,
                        const char *name)
{
    struct buf t;
    buf_init(&t, 0);
    buf_printf(&t, "ResourceType=%s,Tags=[", type);
    if (name)
        buf_printf(&t, "{Key=Name,Value=%s},", name);
    buf_printf(&t, "{Key=%s,Value=%s}", STACK_SPEC_TAG_KEY, s->name);
    for (size_t i = 0; i < s->n_tags; i++)
        buf_printf(&t, ",{Key=%s,Value=%s}", s->tags[i].key, s->tags[i].value);
    buf_appendc(&t, ']');
    buf_appends(o, " --tag-specifications ");
    sh_q(o, buf_str(&t));
    buf_free(&t);
}

/* [{"Key":..,"Value":..}] (ElastiCache, Secrets Manager, SSM, IAM) or
 * {"k":"v"} (CloudWatch Logs) or TagKey/TagValue (KMS). */
enum sh_tag_style { SH_TAGS_KEY_VALUE, SH_TAGS_MAP, SH_TAGS_KMS };

static void sh_tags(struct buf *o, const struct stack_spec *s, enum sh_tag_style st,
                    const char *name_tag)
{
    json_t *a = st == SH_TAGS_MAP ? json_object() : json_array();
    const char *kk = st == SH_TAGS_KMS ? "TagKey" : "Key";
    const char *vk = st == SH_TAGS_KMS ? "TagValue" : "Value";
    size_t n = s->n_tags + 1 + (name_tag ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        const char *k, *v;
        if (name_tag && i == 0) {
            k = "Name";
            v = name_tag;
        } else if (i == (name_tag ? 1u : 0u)) {
            k = STACK_SPEC_TAG_KEY;
            v = s->name;
        } else {
            size_t t = i - 1 - (name_tag ? 1 : 0);
            k = s->tags[t].key;
            v = s->tags[t].value;
        }
        if (st == SH_TAGS_MAP)
            json_object_set_new(a, k, json_string(v));
        else
            json_array_append_new(a, json_pack("{s:s,s:s}", kk, k, vk, v));
    }
    char *j = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    buf_appends(o, " --tags ");
    sh_q(o, j ? j : "[]");
    free(j);
}

/* sh_tags (Key/Value style) with one more tag when value is set. */
static void sh_tags_extra(struct buf *o, const struct stack_spec *s, const char *key,
                          const char *value)
{
    if (!value) {
        sh_tags(o, s, SH_TAGS_KEY_VALUE, NULL);
        return;
    }
    json_t *a = json_array();
    json_array_append_new(a, json_pack("{s:s,s:s}", "Key", STACK_SPEC_TAG_KEY, "Value", s->name));
    for (size_t i = 0; i < s->n_tags; i++)
        json_array_append_new(
            a, json_pack("{s:s,s:s}", "Key", s->tags[i].key, "Value", s->tags[i].value));
    json_array_append_new(a, json_pack("{s:s,s:s}", "Key", key, "Value", value));
    char *j = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    buf_appends(o, " --tags ");
    sh_q(o, j ? j : "[]");
    free(j);
}

static void sh_key(struct buf *o, const struct stack_spec *s, bool secret)
{
    const char *V = secret ? "SECRET_KEY" : "REST_KEY";
    const char *reuse = secret ? s->reuse_secret_kms_key : s->reuse_kms_key;
    if (reuse) {
        buf_printf(o, "%s_ID=", V);
        sh_q(o, reuse);
        buf_printf(o,
                   "\n# shellcheck disable=SC2046\nset -- $(aws kms describe-key --key-id "
                   "\"$%s_ID\" --query 'KeyMetadata.[KeyId,Arn]' --output text)\n"
                   "%s_ID=$1\n%s_ARN=$2\nsay \"reusing key $%s_ARN\"\n",
                   V, V, V, V);
        return;
    }
    char *kn = stack_spec_key_name(s, secret);
    buf_appends(o, "# shellcheck disable=SC2046\nset -- $(aws kms create-key --description ");
    sh_q(o, secret ? STACK_DESC_SECRET_KEY : STACK_DESC_REST_KEY);
    sh_tags(o, s, SH_TAGS_KMS, kn);
    buf_printf(o, " --query 'KeyMetadata.[KeyId,Arn]' --output text)\n%s_ID=$1\n%s_ARN=$2\n", V, V);
    if (s->key_rotation)
        buf_printf(o, "aws kms enable-key-rotation --key-id \"$%s_ID\"\n", V);
    buf_appends(o, "aws kms create-alias --alias-name ");
    sh_q(o, stack_spec_name(s, secret ? STACK_NAME_SECRET_KEY_ALIAS : STACK_NAME_REST_KEY_ALIAS));
    buf_printf(o, " --target-key-id \"$%s_ID\"\n", V);
    json_t *doc = secret
                      ? (s->secret_key_policy ? stack_spec_secret_key_policy(s, EX_ACCOUNT) : NULL)
                      : stack_spec_rest_key_policy(s, EX_ACCOUNT);
    if (doc) {
        sh_json_heredoc(o, "POLICY", doc);
        buf_printf(o,
                   "aws kms put-key-policy --key-id \"$%s_ID\" --policy-name default --policy "
                   "\"$POLICY\"\n",
                   V);
    }
    buf_printf(
        o, "say \"created key $%s_ARN (alias %s)\"\n", V,
        stack_spec_name(s, secret ? STACK_NAME_SECRET_KEY_ALIAS : STACK_NAME_REST_KEY_ALIAS));
    free(kn);
}

/* The script's head: what it does, the shell settings and helpers. */
static void cli_preamble(struct buf *o, const struct stack_spec *s)
{
    const char *region = stack_spec_region(s);
    buf_printf(o,
               "#!/bin/sh\n"
               "# Stack %s (%s) as aws CLI commands - written by `elcui export --format cli`.\n"
               "#\n"
               "# Creates the stack once, in the order elcui's apply uses: network, subnet\n"
               "# group, security group, the at-rest key and its policy BEFORE the log\n"
               "# groups (retried while the policy propagates), the secret key and the\n"
               "# secret BEFORE the replication group, a wait until the group is\n"
               "# available, the SSM parameters after it and the IAM policies last.\n"
               "# It is not idempotent: for re-runs and resume use `elcui create`.\n"
               "#\n"
               "# The AUTH token is made by Secrets Manager (get-random-password, only the\n"
               "# characters AUTH allows), kept in a private temporary file passed as\n"
               "# file://, never printed, and removed on exit.\n"
               "#\n"
               "# Needs the aws CLI (v1 or v2) and credentials; AWS_ENDPOINT_URL is honoured.\n"
               "set -eu\n"
               "umask 077\n",
               s->name, region);
    buf_appends(o, "REGION=${REGION:-");
    buf_appends(o, region);
    buf_appends(o, "}\n"
                   "aws() { command aws --region \"$REGION\" \"$@\"; }\n"
                   "say() { printf '%s\\n' \"$*\" >&2; }\n"
                   "TOKEN_FILE=$(mktemp)\n"
                   "trap 'rm -f \"$TOKEN_FILE\"' EXIT\n"
                   "trap 'exit 130' HUP INT TERM\n"
                   "ACCOUNT=$(aws sts get-caller-identity --query Account --output text)\n\n");
}

/* 1. the VPC, with DNS support and host names. */
static void cli_vpc(struct buf *o, const struct stack_spec *s)
{
    buf_appends(o, "# 1. VPC\n");
    if (s->reuse_vpc) {
        buf_appends(o, "VPC_ID=");
        sh_q(o, s->reuse_vpc);
        buf_appends(o, "\n");
    } else {
        buf_appends(o, "VPC_ID=$(aws ec2 create-vpc --cidr-block ");
        sh_q(o, s->vpc_cidr);
        sh_ec2_tags(o, s, "vpc", stack_spec_name(s, STACK_NAME_VPC));
        buf_appends(o, " --query Vpc.VpcId --output text)\n"
                       "aws ec2 wait vpc-available --vpc-ids \"$VPC_ID\"\n"
                       "aws ec2 modify-vpc-attribute --vpc-id \"$VPC_ID\" --enable-dns-support "
                       "'{\"Value\":true}'\n"
                       "aws ec2 modify-vpc-attribute --vpc-id \"$VPC_ID\" --enable-dns-hostnames "
                       "'{\"Value\":true}'\n"
                       "say \"created VPC $VPC_ID\"\n");
    }
}

/* 2. the subnets over the region's zones, and their route tables. */
static void cli_subnets(struct buf *o, const struct stack_spec *s)
{
    const char *region = stack_spec_region(s);
    buf_appends(o, "\n# 2. subnets (private: the cache's) and route tables\n");
    /* the zones belong to their region: another REGION takes its own */
    const char *any_zones = "AZS=$(aws ec2 describe-availability-zones --filters "
                            "Name=state,Values=available --query "
                            "'AvailabilityZones[].ZoneName' --output text)";
    if (s->n_azs) {
        buf_appends(o, "case \"$REGION\" in\n");
        sh_q(o, region);
        buf_appends(o, ") AZS=");
        struct buf z;
        buf_init(&z, 0);
        for (size_t i = 0; i < s->n_azs; i++)
            buf_printf(&z, "%s%s", i ? " " : "", s->azs[i]);
        sh_q(o, buf_str(&z));
        buf_free(&z);
        buf_printf(o, " ;;\n*) %s ;;\nesac\n", any_zones);
    } else {
        buf_printf(o, "%s\n", any_zones);
    }
    buf_appends(o, "az() { printf '%s\\n' \"$AZS\" | awk -v i=\"$1\" '{ n = split($0, z, /[ "
                   "\\t]+/); print z[(i % n) + 1] }'; }\n");
    if (s->n_reuse_subnets) {
        buf_appends(o, "SUBNET_IDS=");
        struct buf z;
        buf_init(&z, 0);
        for (size_t i = 0; i < s->n_reuse_subnets; i++)
            buf_printf(&z, "%s%s", i ? " " : "", s->reuse_subnets[i]);
        sh_q(o, buf_str(&z));
        buf_free(&z);
        buf_appendc(o, '\n');
    } else {
        buf_appends(o, "SUBNET_IDS=\n");
        for (int pub = 0; pub < 2; pub++) {
            size_t n = pub ? s->n_public : s->n_private;
            for (size_t i = 0; i < n; i++) {
                char *sn = stack_spec_subnet_name(s, pub != 0, i);
                buf_printf(o, "SUBNET=$(aws ec2 create-subnet --vpc-id \"$VPC_ID\" --cidr-block ");
                sh_q(o, pub ? s->public_cidrs[i] : s->private_cidrs[i]);
                buf_printf(o, " --availability-zone \"$(az %zu)\"", i);
                sh_ec2_tags(o, s, "subnet", sn);
                buf_appends(o, " --query Subnet.SubnetId --output text)\n");
                if (!pub) {
                    buf_appends(o, "SUBNET_IDS=\"$SUBNET_IDS $SUBNET\"\n"
                                   "RTB=$(aws ec2 create-route-table --vpc-id \"$VPC_ID\"");
                    sh_ec2_tags(o, s, "route-table", sn);
                    buf_appends(o, " --query RouteTable.RouteTableId --output text)\n"
                                   "aws ec2 associate-route-table --route-table-id \"$RTB\" "
                                   "--subnet-id \"$SUBNET\" >/dev/null\n");
                } else {
                    if (i == 0) {
                        char *pr = stack_spec_public_route_table_name(s);
                        buf_appends(o, "PUBLIC_RTB=$(aws ec2 create-route-table --vpc-id "
                                       "\"$VPC_ID\"");
                        sh_ec2_tags(o, s, "route-table", pr);
                        buf_appends(o, " --query RouteTable.RouteTableId --output text)\n");
                        free(pr);
                    }
                    buf_appends(o, "aws ec2 associate-route-table --route-table-id "
                                   "\"$PUBLIC_RTB\" --subnet-id \"$SUBNET\" >/dev/null\n");
                }
                buf_printf(o, "say \"created subnet $SUBNET (%s)\"\n", sn);
                free(sn);
            }
        }
    }
}

/* 2. the VPC's default security group, emptied and tagged. */
static void cli_default_sg(struct buf *o, const struct stack_spec *s)
{
    if (!s->reuse_vpc && s->lock_default_security_group) {
        char *dn = stack_spec_default_sg_name(s);
        buf_appends(o, "# the VPC's default security group keeps no rules\n"
                       "DEFAULT_SG=$(aws ec2 describe-security-groups --filters "
                       "\"Name=vpc-id,Values=$VPC_ID\" Name=group-name,Values=default --query "
                       "'SecurityGroups[0].GroupId' --output text)\n"
                       "RULES=$(aws ec2 describe-security-groups --group-ids \"$DEFAULT_SG\" "
                       "--query 'SecurityGroups[0].IpPermissions' --output json)\n"
                       "if [ \"$(printf '%s' \"$RULES\" | tr -d ' \\n')\" != \"[]\" ]; then aws "
                       "ec2 revoke-security-group-ingress --group-id \"$DEFAULT_SG\" "
                       "--ip-permissions \"$RULES\" >/dev/null; fi\n"
                       "RULES=$(aws ec2 describe-security-groups --group-ids \"$DEFAULT_SG\" "
                       "--query 'SecurityGroups[0].IpPermissionsEgress' --output json)\n"
                       "if [ \"$(printf '%s' \"$RULES\" | tr -d ' \\n')\" != \"[]\" ]; then aws "
                       "ec2 revoke-security-group-egress --group-id \"$DEFAULT_SG\" "
                       "--ip-permissions \"$RULES\" >/dev/null; fi\n"
                       "aws ec2 create-tags --resources \"$DEFAULT_SG\" --tags ");
        struct buf t;
        buf_init(&t, 0);
        buf_printf(&t, "Key=Name,Value=%s", dn);
        sh_q(o, buf_str(&t));
        buf_reset(&t);
        buf_printf(&t, "Key=%s,Value=%s", STACK_SPEC_TAG_KEY, s->name);
        buf_appendc(o, ' ');
        sh_q(o, buf_str(&t));
        buf_free(&t);
        buf_appendc(o, '\n');
        free(dn);
    }
}

static void cli_subnet_group(struct buf *o, const struct export_view *v)
{
    const struct stack_spec *s = v->s;
    /* 3. subnet group */
    buf_appends(o, "\n# 3. cache subnet group (the private subnets)\n"
                   "# shellcheck disable=SC2086\n"
                   "aws elasticache create-cache-subnet-group --cache-subnet-group-name ");
    sh_q(o, stack_spec_name(s, STACK_NAME_SUBNET_GROUP));
    buf_appends(o, " --cache-subnet-group-description ");
    sh_q(o, v->subnet_group_desc ? v->subnet_group_desc : "");
    buf_appends(o, " --subnet-ids $SUBNET_IDS");
    sh_tags(o, s, SH_TAGS_KEY_VALUE, NULL);
    buf_appends(o, " >/dev/null\n");
}

static void cli_security_group(struct buf *o, const struct export_view *v)
{
    const struct stack_spec *s = v->s;
    /* 4. security group */
    buf_appends(o, "\n# 4. security group: the cache port from the VPC's CIDR only\n");
    if (s->reuse_security_group) {
        buf_appends(o, "SG_ID=");
        sh_q(o, s->reuse_security_group);
        buf_appendc(o, '\n');
    } else {
        buf_appends(o, "SG_ID=$(aws ec2 create-security-group --group-name ");
        sh_q(o, stack_spec_name(s, STACK_NAME_SECURITY_GROUP));
        buf_appends(o, " --description ");
        sh_q(o, STACK_DESC_SECURITY_GROUP);
        buf_appends(o, " --vpc-id \"$VPC_ID\"");
        sh_ec2_tags(o, s, "security-group", v->sg_name_tag);
        buf_appends(o, " --query GroupId --output text)\n");
        if (v->ingress) {
            json_t *range =
                json_pack("{s:s}", "CidrIp",
                          v->ingress_cidr ? v->ingress_cidr : (s->vpc_cidr ? s->vpc_cidr : ""));
            if (v->ingress_desc)
                json_object_set_new(range, "Description", json_string(v->ingress_desc));
            json_t *perm =
                json_pack("[{s:s,s:i,s:i,s:[o]}]", "IpProtocol", v->ingress_protocol, "FromPort",
                          v->ingress_from, "ToPort", v->ingress_to, "IpRanges", range);
            char *pj = json_dumps(perm, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref(perm);
            buf_appends(o, "aws ec2 authorize-security-group-ingress --group-id \"$SG_ID\" "
                           "--ip-permissions ");
            sh_q(o, pj ? pj : "[]");
            free(pj);
            buf_appends(o, " >/dev/null\n");
        }
        buf_appends(o, "say \"created security group $SG_ID\"\n");
    }
}

static void cli_log_groups(struct buf *o, const struct stack_spec *s)
{
    /* 7. log groups */
    if (s->slow_log || s->engine_log) {
        buf_appends(o, "\n# 7. log groups, encrypted with the at-rest key; retried while the key\n"
                       "# policy propagates (\"...not allowed to be used with LogGroup...\")\n"
                       "create_log_group() {\n"
                       "    n=0\n"
                       "    until out=$(aws logs create-log-group --log-group-name \"$1\" "
                       "--kms-key-id \"$REST_KEY_ARN\" --tags \"$2\" 2>&1); do\n"
                       "        n=$((n + 1))\n"
                       "        case \"$out\" in\n"
                       "        *\"not allowed\"* | *KMS* | *AccessDenied*) [ $n -lt 20 ] || { say "
                       "\"$out\"; return 1; }; sleep 3 ;;\n"
                       "        *) say \"$out\"; return 1 ;;\n"
                       "        esac\n"
                       "    done\n"
                       "}\n");
        for (int e = 0; e < 2; e++) {
            if (!(e ? s->engine_log : s->slow_log))
                continue;
            const char *lg =
                stack_spec_name(s, e ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP);
            struct buf tg;
            buf_init(&tg, 0);
            sh_tags(&tg, s, SH_TAGS_MAP, NULL);
            /* sh_tags wrote " --tags '...'": pass just the quoted JSON */
            buf_appends(o, "create_log_group ");
            sh_q(o, lg);
            buf_appends(o, buf_str(&tg) + strlen(" --tags"));
            buf_appendc(o, '\n');
            buf_free(&tg);
            if (s->log_retention_days > 0) {
                buf_appends(o, "aws logs put-retention-policy --log-group-name ");
                sh_q(o, lg);
                buf_printf(o, " --retention-in-days %d\n", s->log_retention_days);
            }
            buf_printf(o, "say \"created log group %s\"\n", lg);
        }
    }
}

static void cli_secret(struct buf *o, const struct stack_spec *s)
{
    /* 8. secret */
    if (s->auth_token) {
        buf_appends(o, "\n# 8. the secret's key, the AUTH token and the secret (before the "
                       "group)\n");
        if (s->reuse_secret) {
            buf_appends(o, "SECRET_ARN=$(aws secretsmanager describe-secret --secret-id ");
            sh_q(o, s->reuse_secret);
            buf_appends(o, " --query ARN --output text)\n"
                           "printf '%s' \"$(aws secretsmanager get-secret-value --secret-id "
                           "\"$SECRET_ARN\" --query SecretString --output text)\" > "
                           "\"$TOKEN_FILE\"\n"
                           "SECRET_KEY_ARN=$(aws secretsmanager describe-secret --secret-id "
                           "\"$SECRET_ARN\" --query KmsKeyId --output text)\n"
                           "SECRET_KEY_ARN=$(aws kms describe-key --key-id \"$SECRET_KEY_ARN\" "
                           "--query KeyMetadata.Arn --output text)\n"
                           "say \"reusing secret $SECRET_ARN\"\n");
        } else {
            sh_key(o, s, true);
            buf_printf(o,
                       "printf '%%s' \"$(aws secretsmanager get-random-password "
                       "--password-length %d --exclude-characters ",
                       s->token_length);
            sh_q(o, EX_EXCLUDED);
            buf_appends(o, " --query RandomPassword --output text)\" > \"$TOKEN_FILE\"\n");
            buf_appends(o, "SECRET_ARN=$(aws secretsmanager create-secret --name ");
            sh_q(o, stack_spec_name(s, STACK_NAME_SECRET));
            buf_appends(o, " --kms-key-id \"$SECRET_KEY_ID\" --secret-string "
                           "\"file://$TOKEN_FILE\"");
            sh_tags(o, s, SH_TAGS_KEY_VALUE, NULL);
            buf_appends(o, " --query ARN --output text)\n"
                           "say \"created secret $SECRET_ARN (the token is not shown)\"\n");
        }
    }
}

/* The create-replication-group command, without its tags. */
static void cli_group_create(struct buf *o, const struct stack_spec *s)
{
    bool cluster = stack_validate_cluster_mode(s);
    const char *rg = stack_spec_name(s, STACK_NAME_REPLICATION_GROUP);
    /* 9. replication group */
    buf_appends(o, "\n# 9. the replication group, then wait until it is available\n"
                   "aws elasticache create-replication-group --replication-group-id ");
    sh_q(o, rg);
    buf_appends(o, " --replication-group-description ");
    sh_q(o, stack_spec_name(s, STACK_NAME_DESCRIPTION));
    buf_appends(o, " --engine ");
    sh_q(o, s->engine ? s->engine : "redis");
    if (s->engine_version) {
        buf_appends(o, " --engine-version ");
        sh_q(o, s->engine_version);
    }
    buf_appends(o, " --cache-node-type ");
    sh_q(o, s->node_type);
    buf_appends(o, " --cache-parameter-group-name ");
    sh_q(o, s->parameter_group);
    if (cluster)
        buf_printf(o, " --num-node-groups %d --replicas-per-node-group %d", s->shards, s->replicas);
    else
        buf_printf(o, " --num-cache-clusters %d", 1 + s->replicas);
    buf_printf(o, " --port %d", s->port);
    buf_appends(o, s->multi_az ? " --multi-az-enabled" : " --no-multi-az-enabled");
    buf_appends(o, s->automatic_failover ? " --automatic-failover-enabled"
                                         : " --no-automatic-failover-enabled");
    buf_appends(o, " --cache-subnet-group-name ");
    sh_q(o, stack_spec_name(s, STACK_NAME_SUBNET_GROUP));
    buf_appends(o, " --security-group-ids \"$SG_ID\"");
    if (s->at_rest_encryption)
        buf_appends(o, " --at-rest-encryption-enabled --kms-key-id \"$REST_KEY_ID\"");
    else
        buf_appends(o, " --no-at-rest-encryption-enabled");
    buf_appends(o, s->transit_encryption ? " --transit-encryption-enabled"
                                         : " --no-transit-encryption-enabled");
    if (s->auth_token && s->transit_encryption)
        buf_appends(o, " --auth-token \"file://$TOKEN_FILE\"");
    if (s->snapshot_retention > 0)
        buf_printf(o, " --snapshot-retention-limit %d", s->snapshot_retention);
    buf_appends(o, s->auto_minor_version_upgrade ? " --auto-minor-version-upgrade"
                                                 : " --no-auto-minor-version-upgrade");
    if (s->slow_log || s->engine_log) {
        json_t *ld = json_array();
        for (int e = 0; e < 2; e++) {
            if (!(e ? s->engine_log : s->slow_log))
                continue;
            json_array_append_new(
                ld, json_pack("{s:s,s:s,s:{s:{s:s}},s:s}", "LogType", e ? "engine-log" : "slow-log",
                              "DestinationType", "cloudwatch-logs", "DestinationDetails",
                              "CloudWatchLogsDetails", "LogGroup",
                              stack_spec_name(s, e ? STACK_NAME_ENGINE_LOG_GROUP
                                                   : STACK_NAME_SLOW_LOG_GROUP),
                              "LogFormat", s->log_format ? s->log_format : "json"));
        }
        char *lj = json_dumps(ld, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(ld);
        buf_appends(o, " --log-delivery-configurations ");
        sh_q(o, lj ? lj : "[]");
        free(lj);
    }
}

/* 9. the replication group, then the wait until it is available. */
static void cli_group(struct buf *o, const struct export_view *v)
{
    const struct stack_spec *s = v->s;
    const char *rg = stack_spec_name(s, STACK_NAME_REPLICATION_GROUP);
    cli_group_create(o, s);
    sh_tags_extra(o, s, DISCOVER_TAG_AUTH_SECRET, v->auth_secret_tag);
    buf_appends(o, " >/dev/null\n"
                   "rm -f \"$TOKEN_FILE\"\n"
                   "say \"creating replication group ");
    buf_appends(o, rg);
    buf_appends(o, " (this takes minutes)\"\n"
                   "# one wait lasts 10 minutes at most; a 9-node group may take longer\n"
                   "n=0\n"
                   "until aws elasticache wait replication-group-available "
                   "--replication-group-id ");
    sh_q(o, rg);
    buf_appends(o, "; do\n"
                   "    n=$((n + 1))\n"
                   "    [ $n -lt 6 ] || { say \"the replication group is not available after an "
                   "hour\"; exit 1; }\n"
                   "    say \"still waiting for the replication group\"\n"
                   "done\n");
}

static void cli_ssm(struct buf *o, const struct stack_spec *s)
{
    bool cluster = stack_validate_cluster_mode(s);
    const char *rg = stack_spec_name(s, STACK_NAME_REPLICATION_GROUP);
    /* 10. SSM */
    if (s->ssm_parameters) {
        buf_appends(o, "\n# 10. SSM parameters (SecureString, at-rest key), after the group\n");
        buf_appends(o, "# shellcheck disable=SC2046\nset -- $(aws elasticache "
                       "describe-replication-groups --replication-group-id ");
        sh_q(o, rg);
        buf_printf(o, " --query '%s' --output text)\nENDPOINT=$1\nPORT=$2\n",
                   cluster ? "ReplicationGroups[0].ConfigurationEndpoint.[Address,Port]"
                           : "ReplicationGroups[0].NodeGroups[0].PrimaryEndpoint.[Address,Port]");
        for (int port = 0; port < 2; port++) {
            char *pn = stack_spec_ssm_name(s, port != 0);
            buf_appends(o, "aws ssm put-parameter --name ");
            sh_q(o, pn);
            buf_printf(o, " --type SecureString --key-id \"$REST_KEY_ID\" --value \"$%s\"",
                       port ? "PORT" : "ENDPOINT");
            sh_tags(o, s, SH_TAGS_KEY_VALUE, NULL);
            buf_appends(o, " >/dev/null\n");
            buf_printf(o, "say \"created parameter %s\"\n", pn);
            free(pn);
        }
    }
}

static void cli_iam(struct buf *o, const struct stack_spec *s)
{
    /* 11. IAM */
    bool ssm_pol = s->ssm_read_policy && s->ssm_parameters;
    bool sec_pol = s->secret_read_policy && s->auth_token;
    if (ssm_pol || sec_pol)
        buf_appends(o, "\n# 11. the read policies, last (exact ARNs, kms:Decrypt on the key)\n");
    for (int sec = 0; sec < 2; sec++) {
        if (!(sec ? sec_pol : ssm_pol))
            continue;
        sh_json_heredoc(o, "DOC",
                        sec ? stack_spec_secret_read_policy(s, EX_SECRET_ARN, EX_SECRET_KEY_ARN)
                            : stack_spec_ssm_read_policy(s, EX_ACCOUNT, EX_REST_ARN));
        buf_appends(o, "POLICY_ARN=$(aws iam create-policy --policy-name ");
        sh_q(o, stack_spec_name(s, sec ? STACK_NAME_SECRET_POLICY : STACK_NAME_SSM_POLICY));
        buf_appends(o, " --path / --description ");
        sh_q(o, sec ? STACK_DESC_SECRET_POLICY : STACK_DESC_SSM_POLICY);
        buf_appends(o, " --policy-document \"$DOC\"");
        sh_tags(o, s, SH_TAGS_KEY_VALUE, NULL);
        buf_appends(o, " --query Policy.Arn --output text)\n"
                       "say \"created policy $POLICY_ARN\"\n");
    }
}

char *export_cli_script(const struct export_view *v)
{
    const struct stack_spec *s = v->s;
    struct buf o;
    buf_init(&o, 0);
    cli_preamble(&o, s);
    cli_vpc(&o, s);
    cli_subnets(&o, s);
    cli_default_sg(&o, s);
    cli_subnet_group(&o, v);
    cli_security_group(&o, v);
    buf_appends(&o, "\n# 5-6. the at-rest key, its alias and its policy (before the log groups)\n");
    sh_key(&o, s, false);
    cli_log_groups(&o, s);
    cli_secret(&o, s);
    cli_group(&o, v);
    cli_ssm(&o, s);
    cli_iam(&o, s);
    buf_printf(&o, "\nsay \"stack %s is ready\"\n", s->name);
    return buf_steal(&o);
}
