/* stack_ops.c - fill, describe and send the API calls of a stack. */
#include "core/stack/stack_ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/buf.h"
#include "aws/ec2.h"
#include "aws/elasticache.h"
#include "aws/iam.h"
#include "aws/kms.h"
#include "aws/logs.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "aws/secrets.h"
#include "aws/ssm.h"
#include "core/redis/discover.h"
#include "core/stack/stack_validate.h"

/* ---- op table ---- */

struct fill;
union op_in;
/* Fills a call's input (one function per service family). */
typedef void (*op_fill_fn)(struct fill *f, union op_in *in);
static void fill_vpc(struct fill *f, union op_in *in);
static void fill_sg(struct fill *f, union op_in *in);
static void fill_elasticache(struct fill *f, union op_in *in);
static void fill_kms(struct fill *f, union op_in *in);
static void fill_logs(struct fill *f, union op_in *in);
static void fill_secrets(struct fill *f, union op_in *in);
static void fill_ssm(struct fill *f, union op_in *in);
static void fill_iam(struct fill *f, union op_in *in);

struct op_info {
    const char *service;
    const char *operation;
    bool once;
    op_fill_fn fill;
};

static const struct op_info op_infos[STACK_OP__COUNT] = {
    [STACK_OP_CREATE_VPC] = {"EC2", "CreateVpc", true, fill_vpc},
    [STACK_OP_VPC_DNS_SUPPORT] = {"EC2", "ModifyVpcAttribute", false, fill_vpc},
    [STACK_OP_VPC_DNS_HOSTNAMES] = {"EC2", "ModifyVpcAttribute", false, fill_vpc},
    [STACK_OP_CREATE_SUBNET] = {"EC2", "CreateSubnet", true, fill_vpc},
    [STACK_OP_CREATE_ROUTE_TABLE] = {"EC2", "CreateRouteTable", true, fill_vpc},
    [STACK_OP_ASSOCIATE_ROUTE_TABLE] = {"EC2", "AssociateRouteTable", true, fill_vpc},
    [STACK_OP_FIND_DEFAULT_SG] = {"EC2", "DescribeSecurityGroups", false, fill_sg},
    [STACK_OP_REVOKE_DEFAULT_INGRESS] = {"EC2", "RevokeSecurityGroupIngress", false, fill_sg},
    [STACK_OP_REVOKE_DEFAULT_EGRESS] = {"EC2", "RevokeSecurityGroupEgress", false, fill_sg},
    [STACK_OP_TAG_DEFAULT_SG] = {"EC2", "CreateTags", false, fill_sg},
    [STACK_OP_CREATE_SUBNET_GROUP] = {"ElastiCache", "CreateCacheSubnetGroup", true,
                                      fill_elasticache},
    [STACK_OP_CREATE_SECURITY_GROUP] = {"EC2", "CreateSecurityGroup", true, fill_sg},
    [STACK_OP_AUTHORIZE_INGRESS] = {"EC2", "AuthorizeSecurityGroupIngress", true, fill_sg},
    [STACK_OP_CREATE_KEY] = {"KMS", "CreateKey", true, fill_kms},
    [STACK_OP_ENABLE_KEY_ROTATION] = {"KMS", "EnableKeyRotation", false, fill_kms},
    [STACK_OP_CREATE_ALIAS] = {"KMS", "CreateAlias", true, fill_kms},
    [STACK_OP_PUT_KEY_POLICY] = {"KMS", "PutKeyPolicy", false, fill_kms},
    [STACK_OP_CREATE_LOG_GROUP] = {"CloudWatchLogs", "CreateLogGroup", true, fill_logs},
    [STACK_OP_PUT_RETENTION] = {"CloudWatchLogs", "PutRetentionPolicy", false, fill_logs},
    [STACK_OP_CREATE_SECRET] = {"SecretsManager", "CreateSecret", false, fill_secrets},
    [STACK_OP_READ_TOKEN] = {"SecretsManager", "GetSecretValue", false, fill_secrets},
    [STACK_OP_CREATE_REPLICATION_GROUP] = {"ElastiCache", "CreateReplicationGroup", true,
                                           fill_elasticache},
    [STACK_OP_MODIFY_REPLICATION_GROUP] = {"ElastiCache", "ModifyReplicationGroup", false,
                                           fill_elasticache},
    [STACK_OP_WAIT_AVAILABLE] = {"ElastiCache", "DescribeReplicationGroups", false,
                                 fill_elasticache},
    [STACK_OP_PUT_PARAMETER] = {"SSM", "PutParameter", true, fill_ssm},
    [STACK_OP_CREATE_POLICY] = {"IAM", "CreatePolicy", true, fill_iam},
    [STACK_OP_DELETE_POLICY_VERSION] = {"IAM", "DeletePolicyVersion", false, fill_iam},
    [STACK_OP_CREATE_POLICY_VERSION] = {"IAM", "CreatePolicyVersion", true, fill_iam},
    [STACK_OP_DELETE_POLICY] = {"IAM", "DeletePolicy", false, fill_iam},
    [STACK_OP_DELETE_PARAMETER] = {"SSM", "DeleteParameter", false, fill_ssm},
    [STACK_OP_DELETE_REPLICATION_GROUP] = {"ElastiCache", "DeleteReplicationGroup", false,
                                           fill_elasticache},
    [STACK_OP_WAIT_GONE] = {"ElastiCache", "DescribeReplicationGroups", false, fill_elasticache},
    [STACK_OP_DELETE_SECRET] = {"SecretsManager", "DeleteSecret", false, fill_secrets},
    [STACK_OP_DELETE_LOG_GROUP] = {"CloudWatchLogs", "DeleteLogGroup", false, fill_logs},
    [STACK_OP_DELETE_ALIAS] = {"KMS", "DeleteAlias", false, fill_kms},
    [STACK_OP_SCHEDULE_KEY_DELETION] = {"KMS", "ScheduleKeyDeletion", false, fill_kms},
    [STACK_OP_DELETE_SECURITY_GROUP] = {"EC2", "DeleteSecurityGroup", false, fill_sg},
    [STACK_OP_DELETE_SUBNET_GROUP] = {"ElastiCache", "DeleteCacheSubnetGroup", false,
                                      fill_elasticache},
    [STACK_OP_DISASSOCIATE_ROUTE_TABLE] = {"EC2", "DisassociateRouteTable", false, fill_vpc},
    [STACK_OP_DELETE_ROUTE_TABLE] = {"EC2", "DeleteRouteTable", false, fill_vpc},
    [STACK_OP_DELETE_SUBNET] = {"EC2", "DeleteSubnet", false, fill_vpc},
    [STACK_OP_DELETE_VPC] = {"EC2", "DeleteVpc", false, fill_vpc},
};

const char *stack_ops_service(enum stack_op op)
{
    return (int)op >= 0 && op < STACK_OP__COUNT ? op_infos[op].service : "";
}

const char *stack_ops_operation(enum stack_op op)
{
    return (int)op >= 0 && op < STACK_OP__COUNT ? op_infos[op].operation : "";
}

bool stack_ops_send_once(enum stack_op op)
{
    return (int)op >= 0 && op < STACK_OP__COUNT && op_infos[op].once;
}

static bool has_words(const struct aws_error *e, const char *a, const char *b)
{
    return e && e->message && strstr(e->message, a) && (!b || strstr(e->message, b));
}

bool stack_ops_is_kms_propagation(const struct aws_error *err)
{
    if (!err || err->kind != AWS_ERR_SERVICE)
        return false;
    /* "The specified KMS key does not exist or is not allowed to be used
     * with LogGroup 'arn:...'" (AccessDeniedException or
     * InvalidParameterException, depending on the age of the answer). */
    return has_words(err, "KMS key", "not allowed to be used") ||
           has_words(err, "KMS key", "does not exist");
}

bool stack_ops_is_gone(enum stack_op op, const struct aws_error *err)
{
    static const char *const codes[] = {
        "InvalidVpcID.NotFound",
        "InvalidSubnetID.NotFound",
        "InvalidRouteTableID.NotFound",
        "InvalidGroup.NotFound",
        "InvalidAssociationID.NotFound",
        "CacheSubnetGroupNotFoundFault",
        "ReplicationGroupNotFoundFault",
        "ResourceNotFoundException",
        "NotFoundException",
        "ParameterNotFound",
        "NoSuchEntity",
        "InvalidPermission.NotFound",
    };
    if (!err || err->kind != AWS_ERR_SERVICE)
        return false;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (aws_error_is(err, codes[i]))
            return true;
    /* A key already pending deletion stays so. */
    if (op == STACK_OP_SCHEDULE_KEY_DELETION && aws_error_is(err, "KMSInvalidStateException") &&
        has_words(err, "pending deletion", NULL))
        return true;
    if (op == STACK_OP_SCHEDULE_KEY_DELETION && aws_error_is(err, "KMSInvalidStateException") &&
        has_words(err, "PendingDeletion", NULL))
        return true;
    return false;
}

bool stack_ops_is_busy(enum stack_op op, const struct aws_error *err)
{
    if (!err || err->kind != AWS_ERR_SERVICE)
        return false;
    switch (op) {
    case STACK_OP_DELETE_SECURITY_GROUP:
    case STACK_OP_DELETE_SUBNET:
    case STACK_OP_DELETE_VPC:
    case STACK_OP_DELETE_ROUTE_TABLE:
        return aws_error_is(err, "DependencyViolation");
    case STACK_OP_DELETE_SUBNET_GROUP:
        return aws_error_is(err, "CacheSubnetGroupInUse");
    case STACK_OP_DELETE_REPLICATION_GROUP:
        return aws_error_is(err, "InvalidReplicationGroupState");
    case STACK_OP_SCHEDULE_KEY_DELETION:
    case STACK_OP_DELETE_LOG_GROUP:
        return aws_error_is(err, "OperationAbortedException");
    default:
        return false;
    }
}

static void free_perms(struct ec2_ip_permission *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct ec2_ip_permission *x = &v[i];
        free(x->ip_protocol);
        for (size_t k = 0; k < x->n_ip_ranges; k++) {
            free(x->ip_ranges[k].cidr);
            free(x->ip_ranges[k].description);
        }
        free(x->ip_ranges);
        for (size_t k = 0; k < x->n_ipv6_ranges; k++) {
            free(x->ipv6_ranges[k].cidr);
            free(x->ipv6_ranges[k].description);
        }
        free(x->ipv6_ranges);
        for (size_t k = 0; k < x->n_groups; k++) {
            free(x->groups[k].group_id);
            free(x->groups[k].group_name);
            free(x->groups[k].user_id);
            free(x->groups[k].vpc_id);
            free(x->groups[k].description);
        }
        free(x->groups);
        for (size_t k = 0; k < x->n_prefix_list_ids; k++)
            free(x->prefix_list_ids[k]);
        free(x->prefix_list_ids);
    }
    free(v);
}

static struct ec2_ip_permission *copy_perms(const struct ec2_ip_permission *v, size_t n)
{
    struct ec2_ip_permission *o = mem_xcalloc(n ? n : 1, sizeof(*o));
    for (size_t i = 0; i < n; i++) {
        o[i].ip_protocol = mem_xstrdup(v[i].ip_protocol);
        o[i].has_ports = v[i].has_ports;
        o[i].from_port = v[i].from_port;
        o[i].to_port = v[i].to_port;
        o[i].ip_ranges = mem_xcalloc(v[i].n_ip_ranges + 1, sizeof(struct ec2_ip_range));
        o[i].n_ip_ranges = v[i].n_ip_ranges;
        for (size_t k = 0; k < v[i].n_ip_ranges; k++)
            o[i].ip_ranges[k].cidr = mem_xstrdup(v[i].ip_ranges[k].cidr);
        o[i].ipv6_ranges = mem_xcalloc(v[i].n_ipv6_ranges + 1, sizeof(struct ec2_ip_range));
        o[i].n_ipv6_ranges = v[i].n_ipv6_ranges;
        for (size_t k = 0; k < v[i].n_ipv6_ranges; k++)
            o[i].ipv6_ranges[k].cidr = mem_xstrdup(v[i].ipv6_ranges[k].cidr);
        o[i].groups = mem_xcalloc(v[i].n_groups + 1, sizeof(struct ec2_group_pair));
        o[i].n_groups = v[i].n_groups;
        for (size_t k = 0; k < v[i].n_groups; k++) {
            o[i].groups[k].group_id = mem_xstrdup(v[i].groups[k].group_id);
            o[i].groups[k].user_id = mem_xstrdup(v[i].groups[k].user_id);
        }
    }
    return o;
}

void stack_ops_keep_rules(struct stack_resource_priv *pv, const struct ec2_security_group *g)
{
    free_perms(pv->ingress, pv->n_ingress);
    free_perms(pv->egress, pv->n_egress);
    pv->ingress = copy_perms(g->ingress, g->n_ingress);
    pv->n_ingress = g->n_ingress;
    pv->egress = copy_perms(g->egress, g->n_egress);
    pv->n_egress = g->n_egress;
    pv->has_name_tag = ec2_tag_get(g->tags, g->n_tags, "Name") != NULL;
}

void stack_ops_priv_free(struct stack_resource_priv *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_assoc; i++)
        free(p->assoc_ids[i]);
    free(p->assoc_ids);
    free_perms(p->ingress, p->n_ingress);
    free_perms(p->egress, p->n_egress);
    free(p->old_version);
    for (size_t i = 0; i < p->n_versions; i++)
        free(p->versions[i]);
    free(p->versions);
    free(p->default_version);
    free(p->existing_doc);
    free(p->existing_kms);
    free(p->token_source);
    free(p);
}

/* ---- filling inputs ---- */

/* Strings made while filling an input, freed with it. */
struct fill {
    struct stack_plan *p;
    struct stack_resource *r;
    const struct stack_call *call;
    bool describe; /* placeholders allowed, no secrets */
    const char *token;
    char *strs[64];
    size_t n_strs;
    /* tag arrays (one kind at a time) */
    const char *tag_keys[STACK_SPEC_MAX_SUBNETS + 64];
    const char *tag_vals[STACK_SPEC_MAX_SUBNETS + 64];
    size_t n_tags;
    /* union of the inputs */
    struct ec2_tag_in ec2_tags[70];
    struct kms_tag_in kms_tags[70];
    struct logs_tag_in logs_tags[70];
    struct secrets_tag_in sm_tags[70];
    struct ssm_tag_in ssm_tags[70];
    struct iam_tag_in iam_tags[70];
    struct elasticache_tag_in ec_tags[70];
    const char *ids[STACK_SPEC_MAX_SUBNETS];
    struct ec2_ip_range_in range;
    struct ec2_ip_permission_in perm;
    struct ec2_ip_permission_in *perms;
    struct ec2_ip_range_in *ranges;
    struct ec2_group_pair_in *pairs;
    struct elasticache_log_delivery_in logs[2];
    struct ec2_filter filters[2];
};

static const char *keep(struct fill *f, char *s)
{
    if (f->n_strs < sizeof(f->strs) / sizeof(f->strs[0])) {
        f->strs[f->n_strs++] = s;
        return s;
    }
    free(s);
    return "";
}

static void fill_done(struct fill *f)
{
    for (size_t i = 0; i < f->n_strs; i++)
        free(f->strs[i]);
    free(f->perms);
    free(f->ranges);
    free(f->pairs);
}

static struct stack_resource *res(struct fill *f, const char *key)
{
    return stack_res_find(f->p, key);
}

/* The id of a resource, or a placeholder "<key.id>" in a plan. */
static const char *ref_id(struct fill *f, const char *key)
{
    struct stack_resource *r = res(f, key);
    if (r && r->id)
        return r->id;
    return keep(f, mem_xasprintf("<%s.id>", key));
}

static const char *ref_arn(struct fill *f, const char *key)
{
    struct stack_resource *r = res(f, key);
    if (r && r->arn)
        return r->arn;
    return keep(f, mem_xasprintf("<%s.arn>", key));
}

/* The VPC CIDR the security group admits: the VPC's own. */
static const char *vpc_cidr(struct fill *f)
{
    struct stack_resource *v = res(f, "vpc");
    if (v && v->cidr)
        return v->cidr;
    return f->p->spec.vpc_cidr ? f->p->spec.vpc_cidr : "";
}

/* Tags: [Name], elcui:stack, then the spec's extra tags. */
static void tags_base(struct fill *f, const char *name)
{
    f->n_tags = 0;
    if (name) {
        f->tag_keys[f->n_tags] = "Name";
        f->tag_vals[f->n_tags++] = name;
    }
    f->tag_keys[f->n_tags] = STACK_SPEC_TAG_KEY;
    f->tag_vals[f->n_tags++] = f->p->spec.name;
    for (size_t i = 0; i < f->p->spec.n_tags && f->n_tags < 70; i++) {
        f->tag_keys[f->n_tags] = f->p->spec.tags[i].key;
        f->tag_vals[f->n_tags++] = f->p->spec.tags[i].value;
    }
}

#define FILL_TAGS(arr)                                                                             \
    do {                                                                                           \
        for (size_t t_ = 0; t_ < f->n_tags; t_++) {                                                \
            (arr)[t_].key = f->tag_keys[t_];                                                       \
            (arr)[t_].value = f->tag_vals[t_];                                                     \
        }                                                                                          \
    } while (0)

static const char *policy_text(struct fill *f, json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return keep(f, s ? s : mem_xstrdup("{}"));
}

static const char *account(struct fill *f)
{
    return f->p->account ? f->p->account : keep(f, mem_xstrdup("<account>"));
}

/* The at-rest key as the other resources name it (seed: the key id for
 * the group and parameters, the ARN for the log groups). */
static const char *rest_key_id(struct fill *f)
{
    return ref_id(f, "kms.rest");
}

static void revoke_perms(struct fill *f, const struct ec2_ip_permission *v, size_t n,
                         struct ec2_security_group_ingress_in *in)
{
    size_t nr = 0, ng = 0;
    for (size_t i = 0; i < n; i++) {
        nr += v[i].n_ip_ranges + v[i].n_ipv6_ranges;
        ng += v[i].n_groups;
    }
    f->perms = mem_xcalloc(n ? n : 1, sizeof(*f->perms));
    f->ranges = mem_xcalloc(nr ? nr : 1, sizeof(*f->ranges));
    f->pairs = mem_xcalloc(ng ? ng : 1, sizeof(*f->pairs));
    size_t kr = 0, kg = 0;
    for (size_t i = 0; i < n; i++) {
        struct ec2_ip_permission_in *pi = &f->perms[i];
        pi->ip_protocol = v[i].ip_protocol;
        pi->has_ports = v[i].has_ports;
        pi->from_port = v[i].from_port;
        pi->to_port = v[i].to_port;
        pi->ip_ranges = &f->ranges[kr];
        pi->n_ip_ranges = v[i].n_ip_ranges;
        for (size_t k = 0; k < v[i].n_ip_ranges; k++)
            f->ranges[kr++].cidr = v[i].ip_ranges[k].cidr;
        pi->ipv6_ranges = &f->ranges[kr];
        pi->n_ipv6_ranges = v[i].n_ipv6_ranges;
        for (size_t k = 0; k < v[i].n_ipv6_ranges; k++)
            f->ranges[kr++].cidr = v[i].ipv6_ranges[k].cidr;
        pi->groups = &f->pairs[kg];
        pi->n_groups = v[i].n_groups;
        for (size_t k = 0; k < v[i].n_groups; k++) {
            f->pairs[kg].group_id = v[i].groups[k].group_id;
            f->pairs[kg++].user_id = v[i].groups[k].user_id;
        }
    }
    in->permissions = f->perms;
    in->n_permissions = n;
}

/* All inputs in one place: each op fills its member. */
union op_in {
    struct ec2_create_vpc_in create_vpc;
    struct ec2_modify_vpc_attribute_in modify_vpc;
    struct ec2_create_subnet_in create_subnet;
    struct ec2_create_route_table_in create_rt;
    struct ec2_associate_route_table_in assoc_rt;
    struct ec2_security_group_ingress_in sg_rules;
    struct ec2_create_tags_in create_tags;
    struct ec2_describe_security_groups_in describe_sg;
    struct elasticache_create_cache_subnet_group_in create_sng;
    struct ec2_create_security_group_in create_sg;
    struct kms_create_key_in create_key;
    struct kms_enable_key_rotation_in rotation;
    struct kms_create_alias_in create_alias;
    struct kms_put_key_policy_in put_policy;
    struct logs_create_log_group_in create_lg;
    struct logs_put_retention_policy_in retention;
    struct secrets_create_secret_in create_secret;
    struct secrets_get_secret_value_in get_secret;
    struct elasticache_create_replication_group_in create_rg;
    struct elasticache_modify_replication_group_in modify_rg;
    struct elasticache_describe_replication_groups_in describe_rg;
    struct ssm_put_parameter_in put_param;
    struct iam_create_policy_in create_policy;
    struct iam_delete_policy_version_in delete_version;
    struct iam_create_policy_version_in create_version;
    struct iam_delete_policy_in delete_policy;
    struct ssm_delete_parameter_in delete_param;
    struct elasticache_delete_replication_group_in delete_rg;
    struct secrets_delete_secret_in delete_secret;
    struct logs_delete_log_group_in delete_lg;
    struct kms_delete_alias_in delete_alias;
    struct kms_schedule_key_deletion_in schedule;
    struct ec2_delete_security_group_in delete_sg;
    struct elasticache_delete_cache_subnet_group_in delete_sng;
    struct ec2_disassociate_route_table_in disassoc;
    struct ec2_delete_route_table_in delete_rt;
    struct ec2_delete_subnet_in delete_subnet;
    struct ec2_delete_vpc_in delete_vpc;
};

static const char *desired_doc(struct fill *f)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    switch (r->kind) {
    case STACK_KIND_KEY_POLICY:
        return policy_text(f, r->priv->secret_key ? stack_spec_secret_key_policy(s, account(f))
                                                  : stack_spec_rest_key_policy(s, account(f)));
    case STACK_KIND_IAM_POLICY:
        if (r->priv->secret_policy)
            return policy_text(f, stack_spec_secret_read_policy(s, ref_arn(f, "secret"),
                                                                ref_arn(f, "kms.secret")));
        return policy_text(f, stack_spec_ssm_read_policy(s, account(f), ref_arn(f, "kms.rest")));
    default:
        return "{}";
    }
}

static const char *endpoint_value(struct fill *f)
{
    struct stack_resource *rg = res(f, "replication-group");
    if (f->r->priv->port) {
        int port = rg && rg->port ? rg->port : f->p->spec.port;
        return keep(f, mem_xasprintf("%d", port));
    }
    if (rg && rg->endpoint)
        return rg->endpoint;
    return "<replication-group.configuration-endpoint>";
}

/* The input of a call on the VPC, its subnets and route tables. */
static void fill_vpc(struct fill *f, union op_in *in)
{
    struct stack_plan *p = f->p;
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    const struct stack_call *c = f->call;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_CREATE_VPC:
        tags_base(f, stack_spec_name(s, STACK_NAME_VPC));
        FILL_TAGS(f->ec2_tags);
        in->create_vpc.cidr_block = s->vpc_cidr;
        in->create_vpc.tags = f->ec2_tags;
        in->create_vpc.n_tags = f->n_tags;
        break;
    case STACK_OP_VPC_DNS_SUPPORT:
    case STACK_OP_VPC_DNS_HOSTNAMES:
        in->modify_vpc.vpc_id = ref_id(f, "vpc");
        if (c->op == STACK_OP_VPC_DNS_SUPPORT)
            in->modify_vpc.has_enable_dns_support = in->modify_vpc.enable_dns_support = true;
        else
            in->modify_vpc.has_enable_dns_hostnames = in->modify_vpc.enable_dns_hostnames = true;
        break;
    case STACK_OP_CREATE_SUBNET:
        tags_base(f, r->name);
        FILL_TAGS(f->ec2_tags);
        in->create_subnet.vpc_id = ref_id(f, "vpc");
        in->create_subnet.cidr_block = r->cidr;
        in->create_subnet.availability_zone = r->zone ? r->zone : "<zone>";
        in->create_subnet.tags = f->ec2_tags;
        in->create_subnet.n_tags = f->n_tags;
        break;
    case STACK_OP_CREATE_ROUTE_TABLE:
        tags_base(f, r->name);
        FILL_TAGS(f->ec2_tags);
        in->create_rt.vpc_id = ref_id(f, "vpc");
        in->create_rt.tags = f->ec2_tags;
        in->create_rt.n_tags = f->n_tags;
        break;
    case STACK_OP_ASSOCIATE_ROUTE_TABLE: {
        struct stack_resource *sn = (size_t)c->arg < p->n ? &p->res[c->arg] : NULL;
        in->assoc_rt.route_table_id = r->id ? r->id : keep(f, mem_xasprintf("<%s.id>", r->key));
        in->assoc_rt.subnet_id =
            sn && sn->id ? sn->id : keep(f, mem_xasprintf("<%s.id>", sn ? sn->key : "subnet"));
        break;
    }
    case STACK_OP_DISASSOCIATE_ROUTE_TABLE:
        in->disassoc.association_id =
            (size_t)c->arg < r->priv->n_assoc ? r->priv->assoc_ids[c->arg] : "";
        break;
    case STACK_OP_DELETE_ROUTE_TABLE:
        in->delete_rt.route_table_id = r->id;
        break;
    case STACK_OP_DELETE_SUBNET:
        in->delete_subnet.subnet_id = r->id;
        break;
    case STACK_OP_DELETE_VPC:
        in->delete_vpc.vpc_id = r->id;
        break;
    default:
        break;
    }
}

/* The input of a call on the security groups (the stack's and the VPC's default). */
static void fill_sg(struct fill *f, union op_in *in)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_FIND_DEFAULT_SG:
        f->ids[0] = ref_id(f, "vpc");
        f->ids[1] = "default";
        f->filters[0] = (struct ec2_filter){"vpc-id", &f->ids[0], 1};
        f->filters[1] = (struct ec2_filter){"group-name", &f->ids[1], 1};
        in->describe_sg.filters = f->filters;
        in->describe_sg.n_filters = 2;
        break;
    case STACK_OP_REVOKE_DEFAULT_INGRESS:
        in->sg_rules.group_id = r->id ? r->id : "<default-sg.id>";
        revoke_perms(f, r->priv->ingress, r->priv->n_ingress, &in->sg_rules);
        break;
    case STACK_OP_REVOKE_DEFAULT_EGRESS:
        in->sg_rules.group_id = r->id ? r->id : "<default-sg.id>";
        revoke_perms(f, r->priv->egress, r->priv->n_egress, &in->sg_rules);
        break;
    case STACK_OP_TAG_DEFAULT_SG:
        tags_base(f, r->name);
        FILL_TAGS(f->ec2_tags);
        f->ids[0] = r->id ? r->id : "<default-sg.id>";
        in->create_tags.resource_ids = f->ids;
        in->create_tags.n_resource_ids = 1;
        in->create_tags.tags = f->ec2_tags;
        in->create_tags.n_tags = f->n_tags;
        break;
    case STACK_OP_CREATE_SECURITY_GROUP:
        tags_base(f, r->name);
        FILL_TAGS(f->ec2_tags);
        in->create_sg.group_name = r->name;
        in->create_sg.description = STACK_DESC_SECURITY_GROUP;
        in->create_sg.vpc_id = ref_id(f, "vpc");
        in->create_sg.tags = f->ec2_tags;
        in->create_sg.n_tags = f->n_tags;
        break;
    case STACK_OP_AUTHORIZE_INGRESS:
        f->range.cidr = vpc_cidr(f);
        f->range.description = STACK_DESC_SG_INGRESS;
        f->perm.ip_protocol = "tcp";
        f->perm.has_ports = true;
        f->perm.from_port = s->port;
        f->perm.to_port = s->port;
        f->perm.ip_ranges = &f->range;
        f->perm.n_ip_ranges = 1;
        in->sg_rules.group_id = r->id ? r->id : "<security-group.id>";
        in->sg_rules.permissions = &f->perm;
        in->sg_rules.n_permissions = 1;
        break;
    case STACK_OP_DELETE_SECURITY_GROUP:
        in->delete_sg.group_id = r->id;
        break;
    default:
        break;
    }
}

/* CreateReplicationGroup: the spec's group, its tags and where its token lives. */
static void fill_create_group(struct fill *f, struct elasticache_create_replication_group_in *g)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    tags_base(f, NULL);
    if (s->auth_token && f->n_tags < 70) {
        /* where the AUTH token lives, for exec/doctor's discovery */
        f->tag_keys[f->n_tags] = DISCOVER_TAG_AUTH_SECRET;
        f->tag_vals[f->n_tags++] =
            s->reuse_secret ? s->reuse_secret : stack_spec_name(s, STACK_NAME_SECRET);
    }
    FILL_TAGS(f->ec_tags);
    g->id = r->name;
    g->description = stack_spec_name(s, STACK_NAME_DESCRIPTION);
    g->engine = s->engine;
    g->engine_version = s->engine_version;
    g->cache_node_type = s->node_type;
    g->cache_parameter_group_name = s->parameter_group;
    if (stack_validate_cluster_mode(s)) {
        g->num_node_groups = s->shards;
        g->has_replicas_per_node_group = true;
        g->replicas_per_node_group = s->replicas;
    } else {
        g->num_cache_clusters = s->replicas + 1;
    }
    g->port = s->port;
    g->has_multi_az_enabled = true;
    g->multi_az_enabled = s->multi_az;
    g->has_automatic_failover_enabled = true;
    g->automatic_failover_enabled = s->automatic_failover;
    g->cache_subnet_group_name = stack_spec_name(s, STACK_NAME_SUBNET_GROUP);
    f->ids[0] = s->reuse_security_group ? s->reuse_security_group : ref_id(f, "security-group");
    g->security_group_ids = f->ids;
    g->n_security_group_ids = 1;
    g->has_at_rest_encryption_enabled = true;
    g->at_rest_encryption_enabled = s->at_rest_encryption;
    if (s->at_rest_encryption)
        g->kms_key_id = rest_key_id(f);
    g->has_transit_encryption_enabled = true;
    g->transit_encryption_enabled = s->transit_encryption;
    if (s->auth_token)
        g->auth_token = f->describe ? "****" : f->token;
    if (s->snapshot_retention) {
        g->has_snapshot_retention_limit = true;
        g->snapshot_retention_limit = s->snapshot_retention;
    }
    if (!s->auto_minor_version_upgrade) {
        g->has_auto_minor_version_upgrade = true;
        g->auto_minor_version_upgrade = false;
    }
    size_t nl = 0;
    if (s->slow_log)
        f->logs[nl++] = (struct elasticache_log_delivery_in){
            "slow-log", "cloudwatch-logs", stack_spec_name(s, STACK_NAME_SLOW_LOG_GROUP),
            NULL,       s->log_format,     false,
            false};
    if (s->engine_log)
        f->logs[nl++] = (struct elasticache_log_delivery_in){
            "engine-log", "cloudwatch-logs", stack_spec_name(s, STACK_NAME_ENGINE_LOG_GROUP),
            NULL,         s->log_format,     false,
            false};
    g->log_delivery = f->logs;
    g->n_log_delivery = nl;
    g->tags = f->ec_tags;
    g->n_tags = f->n_tags;
}

/* ModifyReplicationGroup: only what the plan found different. */
static void fill_modify_group(struct fill *f, struct elasticache_modify_replication_group_in *m)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    m->id = r->name;
    m->has_apply_immediately = m->apply_immediately = true;
    if (r->priv->mod_description)
        m->description = stack_spec_name(s, STACK_NAME_DESCRIPTION);
    if (r->priv->mod_failover) {
        m->has_automatic_failover_enabled = true;
        m->automatic_failover_enabled = s->automatic_failover;
    }
    if (r->priv->mod_multi_az) {
        m->has_multi_az_enabled = true;
        m->multi_az_enabled = s->multi_az;
    }
    if (r->priv->mod_snapshot) {
        m->has_snapshot_retention_limit = true;
        m->snapshot_retention_limit = s->snapshot_retention;
    }
    if (r->priv->mod_logs) {
        size_t nl = 0;
        f->logs[nl++] = (struct elasticache_log_delivery_in){
            "slow-log", "cloudwatch-logs", stack_spec_name(s, STACK_NAME_SLOW_LOG_GROUP),
            NULL,       s->log_format,     true,
            s->slow_log};
        f->logs[nl++] = (struct elasticache_log_delivery_in){
            "engine-log", "cloudwatch-logs", stack_spec_name(s, STACK_NAME_ENGINE_LOG_GROUP),
            NULL,         s->log_format,     true,
            s->engine_log};
        m->log_delivery = f->logs;
        m->n_log_delivery = nl;
    }
}

/* The input of a call on the subnet group and the replication group. */
static void fill_elasticache(struct fill *f, union op_in *in)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_CREATE_SUBNET_GROUP: {
        tags_base(f, NULL);
        FILL_TAGS(f->ec_tags);
        size_t n = 0;
        if (s->n_reuse_subnets) {
            for (size_t i = 0; i < s->n_reuse_subnets; i++)
                f->ids[n++] = s->reuse_subnets[i];
        } else {
            for (size_t i = 0; i < s->n_private; i++) {
                char key[64];
                snprintf(key, sizeof(key), "subnet.private.%zu", i + 1);
                f->ids[n++] = ref_id(f, key);
            }
        }
        in->create_sng.name = r->name;
        in->create_sng.description = keep(f, stack_spec_subnet_group_description(s));
        in->create_sng.subnet_ids = f->ids;
        in->create_sng.n_subnet_ids = n;
        in->create_sng.tags = f->ec_tags;
        in->create_sng.n_tags = f->n_tags;
        break;
    }
    case STACK_OP_CREATE_REPLICATION_GROUP:
        fill_create_group(f, &in->create_rg);
        break;
    case STACK_OP_MODIFY_REPLICATION_GROUP:
        fill_modify_group(f, &in->modify_rg);
        break;
    case STACK_OP_WAIT_AVAILABLE:
    case STACK_OP_WAIT_GONE:
        in->describe_rg.id = r->name;
        break;
    case STACK_OP_DELETE_REPLICATION_GROUP:
        in->delete_rg.id = r->name;
        break;
    case STACK_OP_DELETE_SUBNET_GROUP:
        in->delete_sng.name = r->name;
        break;
    default:
        break;
    }
}

/* The input of a call on the keys and their aliases and policies. */
static void fill_kms(struct fill *f, union op_in *in)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_CREATE_KEY: {
        char *kn = stack_spec_key_name(s, r->priv->secret_key);
        tags_base(f, keep(f, kn));
        FILL_TAGS(f->kms_tags);
        in->create_key.description =
            r->priv->secret_key ? STACK_DESC_SECRET_KEY : STACK_DESC_REST_KEY;
        in->create_key.tags = f->kms_tags;
        in->create_key.n_tags = f->n_tags;
        break;
    }
    case STACK_OP_ENABLE_KEY_ROTATION:
        in->rotation.key_id = r->id ? r->id : keep(f, mem_xasprintf("<%s.id>", r->key));
        break;
    case STACK_OP_CREATE_ALIAS:
        in->create_alias.alias_name = r->name;
        in->create_alias.target_key_id = r->id ? r->id : keep(f, mem_xasprintf("<%s.id>", r->key));
        break;
    case STACK_OP_PUT_KEY_POLICY:
        in->put_policy.key_id = ref_id(f, r->priv->secret_key ? "kms.secret" : "kms.rest");
        in->put_policy.policy_name = "default";
        in->put_policy.policy = desired_doc(f);
        break;
    case STACK_OP_DELETE_ALIAS:
        in->delete_alias.alias_name = r->name;
        break;
    case STACK_OP_SCHEDULE_KEY_DELETION:
        in->schedule.key_id = r->id;
        in->schedule.pending_window_in_days = s->key_deletion_window;
        break;
    default:
        break;
    }
}

/* The input of a call on the log groups. */
static void fill_logs(struct fill *f, union op_in *in)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_CREATE_LOG_GROUP:
        tags_base(f, NULL);
        FILL_TAGS(f->logs_tags);
        in->create_lg.log_group_name = r->name;
        in->create_lg.kms_key_id = ref_arn(f, "kms.rest");
        in->create_lg.tags = f->logs_tags;
        in->create_lg.n_tags = f->n_tags;
        break;
    case STACK_OP_PUT_RETENTION:
        in->retention.log_group_name = r->name;
        in->retention.retention_in_days = s->log_retention_days;
        break;
    case STACK_OP_DELETE_LOG_GROUP:
        in->delete_lg.log_group_name = r->name;
        break;
    default:
        break;
    }
}

/* The input of a call on the secret. */
static void fill_secrets(struct fill *f, union op_in *in)
{
    const struct stack_spec *s = &f->p->spec;
    struct stack_resource *r = f->r;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_CREATE_SECRET:
        tags_base(f, NULL);
        FILL_TAGS(f->sm_tags);
        in->create_secret.name = r->name;
        in->create_secret.kms_key_id = ref_id(f, "kms.secret");
        in->create_secret.secret_string = f->describe ? "****" : f->token;
        in->create_secret.client_request_token =
            f->describe ? "<uuid>" : NULL; /* a fresh UUID, kept over retries */
        in->create_secret.tags = f->sm_tags;
        in->create_secret.n_tags = f->n_tags;
        break;
    case STACK_OP_READ_TOKEN:
        in->get_secret.secret_id =
            r->priv->token_source ? r->priv->token_source : stack_spec_name(s, STACK_NAME_SECRET);
        break;
    case STACK_OP_DELETE_SECRET:
        in->delete_secret.secret_id = r->arn ? r->arn : r->name;
        if (s->secret_recovery_days > 0)
            in->delete_secret.recovery_window_in_days = s->secret_recovery_days;
        else
            in->delete_secret.force_delete_without_recovery = true;
        break;
    default:
        break;
    }
}

/* The input of a call on the SSM parameters. */
static void fill_ssm(struct fill *f, union op_in *in)
{
    struct stack_resource *r = f->r;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_PUT_PARAMETER:
        in->put_param.name = r->name;
        in->put_param.type = "SecureString";
        in->put_param.key_id = rest_key_id(f);
        in->put_param.value = endpoint_value(f);
        if (r->priv->overwrite) {
            in->put_param.overwrite = true;
        } else {
            tags_base(f, NULL);
            FILL_TAGS(f->ssm_tags);
            in->put_param.tags = f->ssm_tags;
            in->put_param.n_tags = f->n_tags;
        }
        break;
    case STACK_OP_DELETE_PARAMETER:
        in->delete_param.name = r->name;
        break;
    default:
        break;
    }
}

/* The input of a call on the IAM policies. */
static void fill_iam(struct fill *f, union op_in *in)
{
    struct stack_resource *r = f->r;
    const struct stack_call *c = f->call;
    switch ((enum stack_op)f->call->op) {
    case STACK_OP_CREATE_POLICY:
        tags_base(f, NULL);
        FILL_TAGS(f->iam_tags);
        in->create_policy.policy_name = r->name;
        in->create_policy.path = "/";
        in->create_policy.description =
            r->priv->secret_policy ? STACK_DESC_SECRET_POLICY : STACK_DESC_SSM_POLICY;
        in->create_policy.policy_document = desired_doc(f);
        in->create_policy.tags = f->iam_tags;
        in->create_policy.n_tags = f->n_tags;
        break;
    case STACK_OP_DELETE_POLICY_VERSION:
        in->delete_version.policy_arn = r->arn;
        in->delete_version.version_id = c->arg >= 0 && (size_t)c->arg < r->priv->n_versions
                                            ? r->priv->versions[c->arg]
                                            : r->priv->old_version;
        break;
    case STACK_OP_CREATE_POLICY_VERSION:
        in->create_version.policy_arn = r->arn;
        in->create_version.policy_document = desired_doc(f);
        in->create_version.set_as_default = true;
        break;
    case STACK_OP_DELETE_POLICY:
        in->delete_policy.policy_arn = r->arn;
        break;
    default:
        break;
    }
}

static void fill_in(struct fill *f, union op_in *in)
{
    memset(in, 0, sizeof(*in));
    enum stack_op op = (enum stack_op)f->call->op;
    if ((int)op >= 0 && op < STACK_OP__COUNT)
        op_infos[op].fill(f, in);
}

/* The input of resource ri's call: described for the plan (secrets as
 * ****, placeholders for ids not known yet) or to send (with the token). */
static void fill_prepare(struct fill *f, struct stack_plan *p, size_t ri,
                         const struct stack_call *call, bool describe, const char *token,
                         union op_in *in)
{
    memset(f, 0, sizeof(*f));
    f->p = p;
    f->r = &p->res[ri];
    f->call = call;
    f->describe = describe;
    f->token = token;
    fill_in(f, in);
}

/* ---- describing ---- */

static void describe_query(struct stack_call *call, struct query_params *q)
{
    call->text = query_describe(q);
    call->params = json_object();
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->items[i].name, "Action") == 0 || strcmp(q->items[i].name, "Version") == 0)
            continue;
        json_object_set_new(call->params, q->items[i].name,
                            json_string(q->items[i].secret ? "****" : q->items[i].value));
    }
    query_params_free(q);
}

static void describe_json(struct stack_call *call, json_t *o)
{
    if (!o)
        o = json_object();
    if (json_object_get(o, "SecretString"))
        json_object_set_new(o, "SecretString", json_string("****"));
    call->params = o;
    call->text = json_dumps(o, JSON_COMPACT);
    if (!call->text)
        call->text = mem_xstrdup("{}");
}

/* A network call's request as text (EC2); false for another call. */
static bool describe_network(struct stack_call *call, union op_in *in)
{
    switch ((enum stack_op)call->op) {
    case STACK_OP_CREATE_VPC:
        describe_query(call, ec2_build_create_vpc(&in->create_vpc));
        return true;
    case STACK_OP_VPC_DNS_SUPPORT:
    case STACK_OP_VPC_DNS_HOSTNAMES:
        describe_query(call, ec2_build_modify_vpc_attribute(&in->modify_vpc));
        return true;
    case STACK_OP_CREATE_SUBNET:
        describe_query(call, ec2_build_create_subnet(&in->create_subnet));
        return true;
    case STACK_OP_CREATE_ROUTE_TABLE:
        describe_query(call, ec2_build_create_route_table(&in->create_rt));
        return true;
    case STACK_OP_ASSOCIATE_ROUTE_TABLE:
        describe_query(call, ec2_build_associate_route_table(&in->assoc_rt));
        return true;
    case STACK_OP_FIND_DEFAULT_SG:
        describe_query(call, ec2_build_describe_security_groups(&in->describe_sg));
        return true;
    case STACK_OP_REVOKE_DEFAULT_INGRESS:
    case STACK_OP_AUTHORIZE_INGRESS:
        if (call->op == STACK_OP_AUTHORIZE_INGRESS)
            describe_query(call, ec2_build_authorize_security_group_ingress(&in->sg_rules));
        else
            describe_query(call, ec2_build_revoke_security_group_ingress(&in->sg_rules));
        return true;
    case STACK_OP_REVOKE_DEFAULT_EGRESS:
        describe_query(call, ec2_build_revoke_security_group_egress(&in->sg_rules));
        return true;
    case STACK_OP_TAG_DEFAULT_SG:
        describe_query(call, ec2_build_create_tags(&in->create_tags));
        return true;
    case STACK_OP_CREATE_SECURITY_GROUP:
        describe_query(call, ec2_build_create_security_group(&in->create_sg));
        return true;
    case STACK_OP_DELETE_SECURITY_GROUP:
        describe_query(call, ec2_build_delete_security_group(&in->delete_sg));
        return true;
    case STACK_OP_DISASSOCIATE_ROUTE_TABLE:
        describe_query(call, ec2_build_disassociate_route_table(&in->disassoc));
        return true;
    case STACK_OP_DELETE_ROUTE_TABLE:
        describe_query(call, ec2_build_delete_route_table(&in->delete_rt));
        return true;
    case STACK_OP_DELETE_SUBNET:
        describe_query(call, ec2_build_delete_subnet(&in->delete_subnet));
        return true;
    case STACK_OP_DELETE_VPC:
        describe_query(call, ec2_build_delete_vpc(&in->delete_vpc));
        return true;
    default:
        return false;
    }
}

/* Any other call's request as text (ElastiCache, KMS, Logs, Secrets Manager, SSM, IAM); false for
 * none. */
static bool describe_other(struct stack_call *call, union op_in *in)
{
    switch ((enum stack_op)call->op) {
    case STACK_OP_CREATE_SUBNET_GROUP:
        describe_query(call, elasticache_build_create_cache_subnet_group(&in->create_sng));
        return true;
    case STACK_OP_CREATE_KEY:
        describe_json(call, kms_build_create_key(&in->create_key));
        return true;
    case STACK_OP_ENABLE_KEY_ROTATION:
        describe_json(call, kms_build_enable_key_rotation(&in->rotation));
        return true;
    case STACK_OP_CREATE_ALIAS:
        describe_json(call, kms_build_create_alias(&in->create_alias));
        return true;
    case STACK_OP_PUT_KEY_POLICY:
        describe_json(call, kms_build_put_key_policy(&in->put_policy));
        return true;
    case STACK_OP_CREATE_LOG_GROUP:
        describe_json(call, logs_build_create_log_group(&in->create_lg));
        return true;
    case STACK_OP_PUT_RETENTION:
        describe_json(call, logs_build_put_retention_policy(&in->retention));
        return true;
    case STACK_OP_CREATE_SECRET:
        describe_json(call, secrets_build_create_secret(&in->create_secret));
        return true;
    case STACK_OP_READ_TOKEN:
        describe_json(call, secrets_build_get_secret_value(&in->get_secret));
        return true;
    case STACK_OP_CREATE_REPLICATION_GROUP:
        describe_query(call, elasticache_build_create_replication_group(&in->create_rg));
        return true;
    case STACK_OP_MODIFY_REPLICATION_GROUP:
        describe_query(call, elasticache_build_modify_replication_group(&in->modify_rg));
        return true;
    case STACK_OP_WAIT_AVAILABLE:
    case STACK_OP_WAIT_GONE:
        describe_query(call, elasticache_build_describe_replication_groups(&in->describe_rg));
        return true;
    case STACK_OP_PUT_PARAMETER:
        describe_json(call, ssm_build_put_parameter(&in->put_param));
        return true;
    case STACK_OP_CREATE_POLICY:
        describe_query(call, iam_build_create_policy(&in->create_policy));
        return true;
    case STACK_OP_DELETE_POLICY_VERSION:
        describe_query(call, iam_build_delete_policy_version(&in->delete_version));
        return true;
    case STACK_OP_CREATE_POLICY_VERSION:
        describe_query(call, iam_build_create_policy_version(&in->create_version));
        return true;
    case STACK_OP_DELETE_POLICY:
        describe_query(call, iam_build_delete_policy(&in->delete_policy));
        return true;
    case STACK_OP_DELETE_PARAMETER:
        describe_json(call, ssm_build_delete_parameter(&in->delete_param));
        return true;
    case STACK_OP_DELETE_REPLICATION_GROUP:
        describe_query(call, elasticache_build_delete_replication_group(&in->delete_rg));
        return true;
    case STACK_OP_DELETE_SECRET:
        describe_json(call, secrets_build_delete_secret(&in->delete_secret));
        return true;
    case STACK_OP_DELETE_LOG_GROUP:
        describe_json(call, logs_build_delete_log_group(&in->delete_lg));
        return true;
    case STACK_OP_DELETE_ALIAS:
        describe_json(call, kms_build_delete_alias(&in->delete_alias));
        return true;
    case STACK_OP_SCHEDULE_KEY_DELETION:
        describe_json(call, kms_build_schedule_key_deletion(&in->schedule));
        return true;
    case STACK_OP_DELETE_SUBNET_GROUP:
        describe_query(call, elasticache_build_delete_cache_subnet_group(&in->delete_sng));
        return true;
    default:
        return false;
    }
}

void stack_ops_describe(struct stack_plan *p, size_t ri, struct stack_call *call)
{
    struct fill f;
    union op_in in;
    fill_prepare(&f, p, ri, call, true, NULL, &in);
    free(call->text);
    call->text = NULL;
    json_decref(call->params);
    call->params = NULL;
    if (!describe_network(call, &in) && !describe_other(call, &in)) {
        call->text = mem_xstrdup("");
        call->params = json_object();
    }
    fill_done(&f);
}

/* ---- sending ---- */

struct stack_ops_call {
    struct aws_call *aws;
    struct stack_ops_env *env;
    struct stack_plan *p;
    size_t ri;
    enum stack_op op;
    stack_ops_done_cb done;
    void *arg;
};

static void finish(struct stack_ops_call *x, const struct aws_error *err, const char *request_id,
                   bool pending)
{
    struct stack_ops_result r = {err, request_id && *request_id ? request_id : NULL, pending};
    stack_ops_done_cb done = x->done;
    void *arg = x->arg;
    free(x);
    done(&r, arg);
}

static struct stack_resource *xres(struct stack_ops_call *x)
{
    return &x->p->res[x->ri];
}

/* Callbacks per output type. */
static void cb_ec2_result(struct ec2_result *out, const struct aws_error *err, void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    ec2_result_free(out);
}

static void cb_create_vpc(struct ec2_create_vpc_out *out, const struct aws_error *err, void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->id, out->vpc.vpc_id);
        stack_res_set_str(&xres(x)->cidr, out->vpc.cidr_block);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    ec2_create_vpc_out_free(out);
}

static void cb_create_subnet(struct ec2_create_subnet_out *out, const struct aws_error *err,
                             void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->id, out->subnet.subnet_id);
        stack_res_set_str(&xres(x)->zone, out->subnet.availability_zone);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    ec2_create_subnet_out_free(out);
}

static void cb_create_rt(struct ec2_create_route_table_out *out, const struct aws_error *err,
                         void *arg)
{
    struct stack_ops_call *x = arg;
    if (out)
        stack_res_set_str(&xres(x)->id, out->route_table.route_table_id);
    finish(x, err, err ? err->request_id : out->request_id, false);
    ec2_create_route_table_out_free(out);
}

static void cb_assoc(struct ec2_associate_route_table_out *out, const struct aws_error *err,
                     void *arg)
{
    struct stack_ops_call *x = arg;
    if (out && out->association_id) {
        struct stack_resource_priv *pv = xres(x)->priv;
        pv->assoc_ids = mem_xrealloc(pv->assoc_ids, (pv->n_assoc + 1) * sizeof(char *));
        pv->assoc_ids[pv->n_assoc++] = mem_xstrdup(out->association_id);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    ec2_associate_route_table_out_free(out);
}

static void cb_sg_rules(struct ec2_security_group_ingress_out *out, const struct aws_error *err,
                        void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    ec2_security_group_ingress_out_free(out);
}

static void cb_find_default_sg(struct ec2_security_group_list *out, const struct aws_error *err,
                               void *arg)
{
    struct stack_ops_call *x = arg;
    struct aws_error none;
    aws_error_init(&none);
    const struct aws_error *e = err;
    if (out && out->n == 0) {
        aws_error_set(&none, AWS_ERR_SERVICE, "InvalidGroup.NotFound",
                      "the VPC has no default security group");
        e = &none;
    } else if (out) {
        stack_res_set_str(&xres(x)->id, out->items[0].group_id);
        stack_ops_keep_rules(xres(x)->priv, &out->items[0]);
    }
    finish(x, e, err ? err->request_id : out->request_id, false);
    ec2_security_group_list_free(out);
    aws_error_clear(&none);
}

static void cb_create_sg(struct ec2_create_security_group_out *out, const struct aws_error *err,
                         void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->id, out->group_id);
        stack_res_set_str(&xres(x)->arn, out->arn);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    ec2_create_security_group_out_free(out);
}

static void cb_subnet_group(struct elasticache_cache_subnet_group_out *out,
                            const struct aws_error *err, void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->id, out->group.name);
        stack_res_set_str(&xres(x)->arn, out->group.arn);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    elasticache_cache_subnet_group_out_free(out);
}

static void cb_ec_ack(struct elasticache_ack *out, const struct aws_error *err, void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    elasticache_ack_free(out);
}

static void cb_create_key(struct kms_key_out *out, const struct aws_error *err, void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->id, out->key.key_id);
        stack_res_set_str(&xres(x)->arn, out->key.arn);
        stack_res_set_str(&xres(x)->status, out->key.key_state);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    kms_key_out_free(out);
}

static void cb_kms_result(struct kms_result *out, const struct aws_error *err, void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    kms_result_free(out);
}

static void cb_key_deletion(struct kms_key_deletion_out *out, const struct aws_error *err,
                            void *arg)
{
    struct stack_ops_call *x = arg;
    if (out)
        stack_res_set_str(&xres(x)->status, out->key_state ? out->key_state : "PendingDeletion");
    finish(x, err, err ? err->request_id : out->request_id, false);
    kms_key_deletion_out_free(out);
}

static void cb_logs(struct logs_ack *out, const struct aws_error *err, void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    logs_ack_free(out);
}

static void cb_secret_version(struct secrets_version_out *out, const struct aws_error *err,
                              void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->arn, out->arn);
        stack_res_set_str(&xres(x)->id, out->arn);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    secrets_version_out_free(out);
}

static void cb_secret_value(struct secrets_secret_value_out *out, const struct aws_error *err,
                            void *arg)
{
    struct stack_ops_call *x = arg;
    struct aws_error bad;
    aws_error_init(&bad);
    const struct aws_error *e = err;
    if (out) {
        char msg[256];
        if (!out->secret_string ||
            stack_validate_token(out->secret_string, out->secret_string_len, msg, sizeof(msg)) !=
                0 ||
            strlen(out->secret_string) != out->secret_string_len) {
            aws_error_set(&bad, AWS_ERR_CONFIG, "InvalidAuthToken",
                          "the secret %s does not hold a usable AUTH token: %s",
                          out->name ? out->name : "", out->secret_string ? msg : "no SecretString");
            e = &bad;
        } else {
            mem_replace_secret(&x->env->token, out->secret_string);
        }
    }
    finish(x, e, err ? err->request_id : out->request_id, false);
    secrets_secret_value_out_free(out);
    aws_error_clear(&bad);
}

static void cb_secret_delete(struct secrets_delete_secret_out *out, const struct aws_error *err,
                             void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    secrets_delete_secret_out_free(out);
}

static void cb_rg(struct elasticache_replication_group_out *out, const struct aws_error *err,
                  void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->status, out->group.status);
        stack_res_set_str(&xres(x)->arn, out->group.arn);
        stack_res_set_str(&xres(x)->id, out->group.id);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    elasticache_replication_group_out_free(out);
}

static void cb_rg_wait(struct elasticache_replication_group_list *out, const struct aws_error *err,
                       void *arg)
{
    struct stack_ops_call *x = arg;
    struct stack_resource *r = xres(x);
    bool pending = false;
    if (x->op == STACK_OP_WAIT_GONE) {
        if (err && aws_error_is(err, "ReplicationGroupNotFoundFault")) {
            stack_res_set_str(&r->status, "deleted");
            finish(x, NULL, err->request_id, false);
            return;
        }
        if (out) {
            pending = out->n > 0;
            if (out->n)
                stack_res_set_str(&r->status, out->items[0].status);
            else
                stack_res_set_str(&r->status, "deleted");
        }
    } else if (out) {
        if (out->n == 0) {
            struct aws_error gone;
            aws_error_init(&gone);
            aws_error_set(&gone, AWS_ERR_SERVICE, "ReplicationGroupNotFoundFault",
                          "replication group %s disappeared while elcui waited for it", r->name);
            finish(x, &gone, out->request_id, false);
            aws_error_clear(&gone);
            elasticache_replication_group_list_free(out);
            return;
        }
        const struct elasticache_replication_group *g = &out->items[0];
        stack_res_set_str(&r->status, g->status);
        stack_res_set_str(&r->arn, g->arn);
        stack_res_group_endpoint(r, g);
        pending = !g->status || strcmp(g->status, "available") != 0;
        if (g->status && strcmp(g->status, "create-failed") == 0) {
            struct aws_error failed;
            aws_error_init(&failed);
            aws_error_set(&failed, AWS_ERR_SERVICE, "CreateFailed",
                          "replication group %s is create-failed (see elcui events %s)", r->name,
                          r->name);
            finish(x, &failed, out->request_id, false);
            aws_error_clear(&failed);
            elasticache_replication_group_list_free(out);
            return;
        }
    }
    finish(x, err, err ? err->request_id : out->request_id, pending);
    elasticache_replication_group_list_free(out);
}

static void cb_put_param(struct ssm_put_parameter_out *out, const struct aws_error *err, void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    ssm_put_parameter_out_free(out);
}

static void cb_ssm_result(struct ssm_result *out, const struct aws_error *err, void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    ssm_result_free(out);
}

static void cb_iam_policy(struct iam_policy_out *out, const struct aws_error *err, void *arg)
{
    struct stack_ops_call *x = arg;
    if (out) {
        stack_res_set_str(&xres(x)->arn, out->policy.arn);
        stack_res_set_str(&xres(x)->id, out->policy.policy_id);
    }
    finish(x, err, err ? err->request_id : out->request_id, false);
    iam_policy_out_free(out);
}

static void cb_iam_version(struct iam_policy_version_out *out, const struct aws_error *err,
                           void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    iam_policy_version_out_free(out);
}

static void cb_iam_result(struct iam_result *out, const struct aws_error *err, void *arg)
{
    finish(arg, err, err ? err->request_id : out->request_id, false);
    iam_result_free(out);
}

/* Send a network call (EC2); NULL for another call or when it could not start. */
static struct aws_call *send_network(struct aws_client *c, union op_in *in,
                                     struct stack_ops_call *x)
{
    switch (x->op) {
    case STACK_OP_CREATE_VPC:
        return ec2_create_vpc(c, &in->create_vpc, cb_create_vpc, x);
    case STACK_OP_VPC_DNS_SUPPORT:
    case STACK_OP_VPC_DNS_HOSTNAMES:
        return ec2_modify_vpc_attribute(c, &in->modify_vpc, cb_ec2_result, x);
    case STACK_OP_CREATE_SUBNET:
        return ec2_create_subnet(c, &in->create_subnet, cb_create_subnet, x);
    case STACK_OP_CREATE_ROUTE_TABLE:
        return ec2_create_route_table(c, &in->create_rt, cb_create_rt, x);
    case STACK_OP_ASSOCIATE_ROUTE_TABLE:
        return ec2_associate_route_table(c, &in->assoc_rt, cb_assoc, x);
    case STACK_OP_FIND_DEFAULT_SG:
        return ec2_describe_security_groups(c, &in->describe_sg, cb_find_default_sg, x);
    case STACK_OP_REVOKE_DEFAULT_INGRESS:
        return ec2_revoke_security_group_ingress(c, &in->sg_rules, cb_sg_rules, x);
    case STACK_OP_REVOKE_DEFAULT_EGRESS:
        return ec2_revoke_security_group_egress(c, &in->sg_rules, cb_sg_rules, x);
    case STACK_OP_TAG_DEFAULT_SG:
        return ec2_create_tags(c, &in->create_tags, cb_ec2_result, x);
    case STACK_OP_CREATE_SECURITY_GROUP:
        return ec2_create_security_group(c, &in->create_sg, cb_create_sg, x);
    case STACK_OP_AUTHORIZE_INGRESS:
        return ec2_authorize_security_group_ingress(c, &in->sg_rules, cb_sg_rules, x);
    case STACK_OP_DELETE_SECURITY_GROUP:
        return ec2_delete_security_group(c, &in->delete_sg, cb_ec2_result, x);
    case STACK_OP_DISASSOCIATE_ROUTE_TABLE:
        return ec2_disassociate_route_table(c, &in->disassoc, cb_ec2_result, x);
    case STACK_OP_DELETE_ROUTE_TABLE:
        return ec2_delete_route_table(c, &in->delete_rt, cb_ec2_result, x);
    case STACK_OP_DELETE_SUBNET:
        return ec2_delete_subnet(c, &in->delete_subnet, cb_ec2_result, x);
    case STACK_OP_DELETE_VPC:
        return ec2_delete_vpc(c, &in->delete_vpc, cb_ec2_result, x);
    default:
        return NULL;
    }
}

/* Send any other call (ElastiCache, KMS, Logs, Secrets Manager, SSM, IAM); NULL for none
 * or when it could not start. */
static struct aws_call *send_other(struct aws_client *c, union op_in *in, struct stack_ops_call *x)
{
    switch (x->op) {
    case STACK_OP_CREATE_SUBNET_GROUP:
        return elasticache_create_cache_subnet_group(c, &in->create_sng, cb_subnet_group, x);
    case STACK_OP_CREATE_KEY:
        return kms_create_key(c, &in->create_key, cb_create_key, x);
    case STACK_OP_ENABLE_KEY_ROTATION:
        return kms_enable_key_rotation(c, &in->rotation, cb_kms_result, x);
    case STACK_OP_CREATE_ALIAS:
        return kms_create_alias(c, &in->create_alias, cb_kms_result, x);
    case STACK_OP_PUT_KEY_POLICY:
        return kms_put_key_policy(c, &in->put_policy, cb_kms_result, x);
    case STACK_OP_CREATE_LOG_GROUP:
        return logs_create_log_group(c, &in->create_lg, cb_logs, x);
    case STACK_OP_PUT_RETENTION:
        return logs_put_retention_policy(c, &in->retention, cb_logs, x);
    case STACK_OP_CREATE_SECRET:
        return secrets_create_secret(c, &in->create_secret, cb_secret_version, x);
    case STACK_OP_READ_TOKEN:
        return secrets_get_secret_value(c, &in->get_secret, cb_secret_value, x);
    case STACK_OP_CREATE_REPLICATION_GROUP:
        return elasticache_create_replication_group(c, &in->create_rg, cb_rg, x);
    case STACK_OP_MODIFY_REPLICATION_GROUP:
        return elasticache_modify_replication_group(c, &in->modify_rg, cb_rg, x);
    case STACK_OP_WAIT_AVAILABLE:
    case STACK_OP_WAIT_GONE:
        return elasticache_describe_replication_groups(c, &in->describe_rg, cb_rg_wait, x);
    case STACK_OP_PUT_PARAMETER:
        return ssm_put_parameter(c, &in->put_param, cb_put_param, x);
    case STACK_OP_CREATE_POLICY:
        return iam_create_policy(c, &in->create_policy, cb_iam_policy, x);
    case STACK_OP_DELETE_POLICY_VERSION:
        return iam_delete_policy_version(c, &in->delete_version, cb_iam_result, x);
    case STACK_OP_CREATE_POLICY_VERSION:
        return iam_create_policy_version(c, &in->create_version, cb_iam_version, x);
    case STACK_OP_DELETE_POLICY:
        return iam_delete_policy(c, &in->delete_policy, cb_iam_result, x);
    case STACK_OP_DELETE_PARAMETER:
        return ssm_delete_parameter(c, &in->delete_param, cb_ssm_result, x);
    case STACK_OP_DELETE_REPLICATION_GROUP:
        return elasticache_delete_replication_group(c, &in->delete_rg, cb_rg, x);
    case STACK_OP_DELETE_SECRET:
        return secrets_delete_secret(c, &in->delete_secret, cb_secret_delete, x);
    case STACK_OP_DELETE_LOG_GROUP:
        return logs_delete_log_group(c, &in->delete_lg, cb_logs, x);
    case STACK_OP_DELETE_ALIAS:
        return kms_delete_alias(c, &in->delete_alias, cb_kms_result, x);
    case STACK_OP_SCHEDULE_KEY_DELETION:
        return kms_schedule_key_deletion(c, &in->schedule, cb_key_deletion, x);
    case STACK_OP_DELETE_SUBNET_GROUP:
        return elasticache_delete_cache_subnet_group(c, &in->delete_sng, cb_ec_ack, x);
    default:
        return NULL;
    }
}

struct stack_ops_call *stack_ops_run(struct stack_ops_env *env, struct stack_plan *p, size_t ri,
                                     size_t ci, stack_ops_done_cb done, void *arg)
{
    struct stack_resource *r = &p->res[ri];
    struct stack_call *call = &r->calls[ci];
    struct stack_ops_call *x = mem_xcalloc(1, sizeof(*x));
    x->env = env;
    x->p = p;
    x->ri = ri;
    x->op = (enum stack_op)call->op;
    x->done = done;
    x->arg = arg;
    struct aws_client *c = stack_ops_send_once(x->op) && env->once ? env->once : env->c;
    struct fill f;
    union op_in in;
    fill_prepare(&f, p, ri, call, false, env->token, &in);
    struct aws_call *a = send_network(c, &in, x);
    if (!a)
        a = send_other(c, &in, x);
    fill_done(&f);
    if (!a) {
        free(x);
        return NULL;
    }
    x->aws = a;
    return x;
}

void stack_ops_cancel(struct stack_ops_call *c)
{
    if (!c)
        return;
    aws_call_cancel(c->aws);
    free(c);
}

void stack_ops_add_call(struct stack_plan *p, size_t i, enum stack_op op, int arg)
{
    struct stack_resource *r = &p->res[i];
    r->calls = mem_xrealloc(r->calls, (r->n_calls + 1) * sizeof(*r->calls));
    struct stack_call *c = &r->calls[r->n_calls++];
    memset(c, 0, sizeof(*c));
    c->service = stack_ops_service(op);
    c->operation = stack_ops_operation(op);
    c->op = (int)op;
    c->arg = arg;
}

size_t stack_ops_keep_assocs(struct stack_resource_priv *pv, const struct ec2_route_table *rt)
{
    size_t n = 0;
    for (size_t a = 0; a < rt->n_associations; a++) {
        if (rt->associations[a].main || !rt->associations[a].association_id)
            continue;
        pv->assoc_ids = mem_xrealloc(pv->assoc_ids, (pv->n_assoc + 1) * sizeof(char *));
        pv->assoc_ids[pv->n_assoc++] = mem_xstrdup(rt->associations[a].association_id);
        n++;
    }
    return n;
}
