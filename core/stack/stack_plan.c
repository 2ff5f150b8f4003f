/* stack_plan.c - the resource graph, discovery and the plan. */
#include "core/stack/stack_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/ec2.h"
#include "aws/elasticache.h"
#include "aws/iam.h"
#include "aws/kms.h"
#include "aws/logs.h"
#include "aws/mem.h"
#include "aws/secrets.h"
#include "aws/ssm.h"
#include "aws/sts.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_ops.h"
#include "core/stack/stack_validate.h"

/* ---- names ---- */

const char *stack_plan_action_name(enum stack_action a)
{
    switch (a) {
    case STACK_ACT_CREATE:
        return "create";
    case STACK_ACT_KEEP:
        return "keep";
    case STACK_ACT_CHANGE:
        return "change";
    case STACK_ACT_CONFLICT:
        return "conflict";
    case STACK_ACT_REUSE:
        return "reuse";
    case STACK_ACT_DELETE:
        return "delete";
    case STACK_ACT_ABSENT:
        return "absent";
    case STACK_ACT_SKIP:
        return "skip";
    }
    return "?";
}

const char *stack_plan_kind_name(enum stack_kind k)
{
    switch (k) {
    case STACK_KIND_VPC:
        return "AWS::EC2::VPC";
    case STACK_KIND_SUBNET:
        return "AWS::EC2::Subnet";
    case STACK_KIND_ROUTE_TABLE:
        return "AWS::EC2::RouteTable";
    case STACK_KIND_DEFAULT_SG:
        return "AWS::EC2::SecurityGroup(default)";
    case STACK_KIND_SUBNET_GROUP:
        return "AWS::ElastiCache::SubnetGroup";
    case STACK_KIND_SECURITY_GROUP:
        return "AWS::EC2::SecurityGroup";
    case STACK_KIND_KMS_KEY:
        return "AWS::KMS::Key";
    case STACK_KIND_KEY_POLICY:
        return "AWS::KMS::KeyPolicy";
    case STACK_KIND_LOG_GROUP:
        return "AWS::Logs::LogGroup";
    case STACK_KIND_SECRET:
        return "AWS::SecretsManager::Secret";
    case STACK_KIND_REPLICATION_GROUP:
        return "AWS::ElastiCache::ReplicationGroup";
    case STACK_KIND_SSM_PARAMETER:
        return "AWS::SSM::Parameter";
    case STACK_KIND_IAM_POLICY:
        return "AWS::IAM::ManagedPolicy";
    }
    return "?";
}

struct stack_resource *stack_plan_find(const struct stack_plan *p, const char *key)
{
    if (!p || !key)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->res[i].key, key) == 0)
            return &p->res[i];
    return NULL;
}

static ssize_t find_index(const struct stack_plan *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->res[i].key, key) == 0)
            return (ssize_t)i;
    return -1;
}

static void set_str(char **dst, const char *v)
{
    char *n = v ? mem_xstrdup(v) : NULL;
    free(*dst);
    *dst = n;
}

void stack_plan_group_endpoint(struct stack_resource *r,
                               const struct elasticache_replication_group *g)
{
    if (g->configuration_endpoint.address) {
        set_str(&r->endpoint, g->configuration_endpoint.address);
        r->port = g->configuration_endpoint.port;
    } else if (g->n_node_groups && g->node_groups[0].primary_endpoint.address) {
        set_str(&r->endpoint, g->node_groups[0].primary_endpoint.address);
        r->port = g->node_groups[0].primary_endpoint.port;
    }
}

static void set_reason(struct stack_resource *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_reason(struct stack_resource *r, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(r->reason);
    r->reason = buf_steal(&b);
}

static void add_note(struct stack_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_note(struct stack_plan *p, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    p->notes = mem_xrealloc(p->notes, (p->n_notes + 1) * sizeof(char *));
    p->notes[p->n_notes++] = buf_steal(&b);
}

/* ---- the graph ---- */

static size_t add_res(struct stack_plan *p, const char *key, enum stack_kind kind, int step,
                      const char *name)
{
    p->res = mem_xrealloc(p->res, (p->n + 1) * sizeof(*p->res));
    struct stack_resource *r = &p->res[p->n];
    memset(r, 0, sizeof(*r));
    r->key = mem_xstrdup(key);
    r->kind = kind;
    r->step = step;
    r->name = mem_xstrdup(name ? name : "");
    r->priv = mem_xcalloc(1, sizeof(*r->priv));
    return p->n++;
}

static void dep(struct stack_plan *p, size_t i, const char *key)
{
    ssize_t d = find_index(p, key);
    struct stack_resource *r = &p->res[i];
    if (d < 0 || (size_t)d == i || r->n_deps >= STACK_PLAN_MAX_DEPS)
        return;
    for (size_t k = 0; k < r->n_deps; k++)
        if (r->deps[k] == (size_t)d)
            return;
    r->deps[r->n_deps++] = (size_t)d;
}

static bool uses_rest_key(const struct stack_spec *s)
{
    return s->at_rest_encryption || s->slow_log || s->engine_log || s->ssm_parameters;
}

static bool creates_vpc(const struct stack_spec *s)
{
    return !s->reuse_vpc;
}

static void build_graph(struct stack_plan *p)
{
    const struct stack_spec *s = &p->spec;
    char key[64];
    size_t i;
    i = add_res(p, "vpc", STACK_KIND_VPC, 1, stack_spec_name(s, STACK_NAME_VPC));
    if (s->n_reuse_subnets) {
        for (size_t k = 0; k < s->n_reuse_subnets; k++) {
            snprintf(key, sizeof(key), "subnet.private.%zu", k + 1);
            i = add_res(p, key, STACK_KIND_SUBNET, 2, s->reuse_subnets[k]);
            p->res[i].priv->index = k;
            set_str(&p->res[i].id, s->reuse_subnets[k]);
            dep(p, i, "vpc");
        }
    } else {
        for (int pub = 0; pub < 2; pub++) {
            size_t n = pub ? s->n_public : s->n_private;
            for (size_t k = 0; k < n; k++) {
                snprintf(key, sizeof(key), "subnet.%s.%zu", pub ? "public" : "private", k + 1);
                char *nm = stack_spec_subnet_name(s, pub, k);
                i = add_res(p, key, STACK_KIND_SUBNET, 2, nm);
                free(nm);
                p->res[i].priv->is_public = pub;
                p->res[i].priv->index = k;
                set_str(&p->res[i].cidr, pub ? s->public_cidrs[k] : s->private_cidrs[k]);
                dep(p, i, "vpc");
            }
        }
        if (creates_vpc(s)) {
            for (size_t k = 0; k < s->n_private; k++) {
                snprintf(key, sizeof(key), "route-table.private.%zu", k + 1);
                char *nm = stack_spec_private_route_table_name(s, k);
                i = add_res(p, key, STACK_KIND_ROUTE_TABLE, 2, nm);
                free(nm);
                p->res[i].priv->index = k;
                dep(p, i, "vpc");
                snprintf(key, sizeof(key), "subnet.private.%zu", k + 1);
                dep(p, i, key);
                p->res[i].priv->subnets[p->res[i].priv->n_subnets++] = (size_t)find_index(p, key);
            }
            if (s->n_public) {
                char *nm = stack_spec_public_route_table_name(s);
                i = add_res(p, "route-table.public", STACK_KIND_ROUTE_TABLE, 2, nm);
                free(nm);
                p->res[i].priv->is_public = true;
                dep(p, i, "vpc");
                for (size_t k = 0; k < s->n_public; k++) {
                    snprintf(key, sizeof(key), "subnet.public.%zu", k + 1);
                    dep(p, i, key);
                    p->res[i].priv->subnets[p->res[i].priv->n_subnets++] =
                        (size_t)find_index(p, key);
                }
            }
        }
    }
    if (creates_vpc(s) && s->lock_default_security_group) {
        char *nm = stack_spec_default_sg_name(s);
        i = add_res(p, "default-sg", STACK_KIND_DEFAULT_SG, 2, nm);
        free(nm);
        dep(p, i, "vpc");
    }
    i = add_res(p, "subnet-group", STACK_KIND_SUBNET_GROUP, 3,
                stack_spec_name(s, STACK_NAME_SUBNET_GROUP));
    size_t nsub = s->n_reuse_subnets ? s->n_reuse_subnets : s->n_private;
    for (size_t k = 0; k < nsub; k++) {
        snprintf(key, sizeof(key), "subnet.private.%zu", k + 1);
        dep(p, i, key);
    }
    i = add_res(p, "security-group", STACK_KIND_SECURITY_GROUP, 4,
                s->reuse_security_group ? s->reuse_security_group
                                        : stack_spec_name(s, STACK_NAME_SECURITY_GROUP));
    dep(p, i, "vpc");
    if (uses_rest_key(s)) {
        i = add_res(p, "kms.rest", STACK_KIND_KMS_KEY, 5,
                    s->reuse_kms_key ? s->reuse_kms_key
                                     : stack_spec_name(s, STACK_NAME_REST_KEY_ALIAS));
        i = add_res(p, "kms.rest.policy", STACK_KIND_KEY_POLICY, 6,
                    stack_spec_name(s, STACK_NAME_REST_KEY_ALIAS));
        dep(p, i, "kms.rest");
    }
    for (int eng = 0; eng < 2; eng++) {
        if (!(eng ? s->engine_log : s->slow_log))
            continue;
        i = add_res(
            p, eng ? "log-group.engine" : "log-group.slow", STACK_KIND_LOG_GROUP, 7,
            stack_spec_name(s, eng ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP));
        p->res[i].priv->engine_log = eng;
        dep(p, i, "kms.rest.policy");
    }
    if (s->auth_token) {
        if (!s->reuse_secret) {
            i = add_res(p, "kms.secret", STACK_KIND_KMS_KEY, 8,
                        s->reuse_secret_kms_key ? s->reuse_secret_kms_key
                                                : stack_spec_name(s, STACK_NAME_SECRET_KEY_ALIAS));
            p->res[i].priv->secret_key = true;
            if (s->secret_key_policy) {
                i = add_res(p, "kms.secret.policy", STACK_KIND_KEY_POLICY, 8,
                            stack_spec_name(s, STACK_NAME_SECRET_KEY_ALIAS));
                p->res[i].priv->secret_key = true;
                dep(p, i, "kms.secret");
            }
        }
        i = add_res(p, "secret", STACK_KIND_SECRET, 8,
                    s->reuse_secret ? s->reuse_secret : stack_spec_name(s, STACK_NAME_SECRET));
        dep(p, i, "kms.secret");
        dep(p, i, "kms.secret.policy");
    }
    i = add_res(p, "replication-group", STACK_KIND_REPLICATION_GROUP, 9,
                stack_spec_name(s, STACK_NAME_REPLICATION_GROUP));
    dep(p, i, "subnet-group");
    dep(p, i, "security-group");
    dep(p, i, "kms.rest.policy");
    dep(p, i, "log-group.slow");
    dep(p, i, "log-group.engine");
    dep(p, i, "secret");
    if (s->ssm_parameters) {
        for (int port = 0; port < 2; port++) {
            char *nm = stack_spec_ssm_name(s, port);
            i = add_res(p, port ? "ssm.port" : "ssm.endpoint", STACK_KIND_SSM_PARAMETER, 10, nm);
            free(nm);
            p->res[i].priv->port = port;
            dep(p, i, "replication-group");
            dep(p, i, "kms.rest.policy");
        }
    }
    if (s->ssm_read_policy) {
        i = add_res(p, "iam.ssm-read", STACK_KIND_IAM_POLICY, 11,
                    stack_spec_name(s, STACK_NAME_SSM_POLICY));
        dep(p, i, "ssm.endpoint");
        dep(p, i, "ssm.port");
        dep(p, i, "kms.rest");
        dep(p, i, "replication-group");
    }
    if (s->secret_read_policy && s->auth_token) {
        i = add_res(p, "iam.secret-read", STACK_KIND_IAM_POLICY, 11,
                    stack_spec_name(s, STACK_NAME_SECRET_POLICY));
        p->res[i].priv->secret_policy = true;
        dep(p, i, "secret");
        dep(p, i, "kms.secret");
        dep(p, i, "replication-group");
        dep(p, i, "ssm.endpoint");
        dep(p, i, "ssm.port");
    }
}

/* Destroy runs the graph backwards: X waits for everything that needed X. */
static void reverse_deps(struct stack_plan *p)
{
    size_t(*nd)[STACK_PLAN_MAX_DEPS] = mem_xcalloc(p->n ? p->n : 1, sizeof(*nd));
    size_t *cnt = mem_xcalloc(p->n ? p->n : 1, sizeof(size_t));
    for (size_t y = 0; y < p->n; y++)
        for (size_t k = 0; k < p->res[y].n_deps; k++) {
            size_t x = p->res[y].deps[k];
            if (cnt[x] < STACK_PLAN_MAX_DEPS)
                nd[x][cnt[x]++] = y;
        }
    for (size_t x = 0; x < p->n; x++) {
        p->res[x].n_deps = cnt[x];
        memcpy(p->res[x].deps, nd[x], cnt[x] * sizeof(size_t));
    }
    free(nd);
    free(cnt);
}

/* ---- calls ---- */

static void add_call(struct stack_plan *p, size_t i, enum stack_op op, int arg)
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

void stack_plan_describe_calls(struct stack_plan *p, size_t i)
{
    for (size_t k = 0; k < p->res[i].n_calls; k++)
        stack_ops_describe(p, i, &p->res[i].calls[k]);
}

static void free_calls(struct stack_resource *r)
{
    for (size_t k = 0; k < r->n_calls; k++) {
        free(r->calls[k].text);
        json_decref(r->calls[k].params);
    }
    free(r->calls);
    r->calls = NULL;
    r->n_calls = 0;
}

void stack_plan_free(struct stack_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        struct stack_resource *r = &p->res[i];
        free(r->key);
        free(r->name);
        free(r->reason);
        free_calls(r);
        free(r->id);
        free(r->arn);
        free(r->cidr);
        free(r->zone);
        free(r->status);
        free(r->endpoint);
        stack_ops_priv_free(r->priv);
    }
    free(p->res);
    for (size_t i = 0; i < p->n_zones; i++)
        free(p->zones[i]);
    free(p->zones);
    for (size_t i = 0; i < p->n_notes; i++)
        free(p->notes[i]);
    free(p->notes);
    free(p->account);
    free(p->partition);
    stack_spec_free(&p->spec);
    free(p);
}

/* ---- discovery ---- */

struct probe;

struct stack_plan_req {
    struct aws_client *c;
    struct stack_plan *p;
    stack_plan_cb cb;
    void *arg;
    int pending;
    bool failed;
    struct aws_error err;
    struct probe *inflight; /* list, for cancel */
    json_t *journal;
    char *journal_dir;
    /* raw findings */
    struct ec2_vpc_list *vpcs;
    struct ec2_subnet_list *subnets;
    struct ec2_subnet_list *reuse_subnets;
    struct ec2_route_table_list *rts;
    struct ec2_security_group_list *sgs;
    struct ec2_security_group_list *reuse_sg;
    struct ec2_availability_zone_list *zones;
    int dns[2]; /* -1 unknown, 0/1 */
    struct elasticache_cache_subnet_group *sng;
    bool sng_ours;
    struct elasticache_replication_group *rg;
    bool rg_ours;
    bool rg_tags_unknown;  /* ListTagsForResource refused: not available */
    char *rg_subnet_group; /* from a member cluster, to prove it ours */
    struct elasticache_cache_parameter_group_list *pgs;
    bool pg_missing;
    /* keys: [0] rest, [1] secret */
    struct key_find {
        bool alias_missing;
        bool reuse_missing;
        struct kms_key_metadata *meta;
        bool ours;
        bool rotation;
        bool rotation_known;
        char *policy;
        bool via_tag;
    } keys[2];
    bool key_scan_started;
    struct kms_key_list *all_keys;
    size_t scan_next;
    struct logs_log_group *lgs[2];
    /* destroy: the log groups' tags, or the code of the error that kept
     * them from being listed (then the key/journal rule decides) */
    struct logs_tag_list *lg_tags[2];
    char *lg_tags_error[2];
    struct secrets_secret *secret;
    bool secret_missing;
    struct ssm_parameter_metadata_list *params;
    struct ssm_parameter_metadata_list *params_ours;
    struct ssm_get_parameters_out *param_values;
    struct iam_found {
        struct iam_policy *pol;
        bool missing;
        char *doc;
        struct iam_policy_version_list *versions;
        bool attached;
        char *attached_to;
    } iam[2];
};

struct probe {
    struct stack_plan_req *q;
    struct aws_call *call;
    struct probe *prev, *next;
    int which; /* key index, log group index, policy index */
    char *key_id;
};

static void plan_finish(struct stack_plan_req *q);

static struct probe *probe_new(struct stack_plan_req *q, int which)
{
    struct probe *pr = mem_xcalloc(1, sizeof(*pr));
    pr->q = q;
    pr->which = which;
    pr->next = q->inflight;
    if (q->inflight)
        q->inflight->prev = pr;
    q->inflight = pr;
    q->pending++;
    q->p->requests++;
    return pr;
}

/* Unlink a probe whose callback runs; returns its request. */
static struct stack_plan_req *probe_begin(struct probe *pr)
{
    struct stack_plan_req *q = pr->q;
    if (pr->prev)
        pr->prev->next = pr->next;
    else
        q->inflight = pr->next;
    if (pr->next)
        pr->next->prev = pr->prev;
    return q;
}

static void probe_end(struct stack_plan_req *q, struct probe *pr)
{
    free(pr->key_id);
    free(pr);
    if (--q->pending == 0)
        plan_finish(q);
}

static void fail(struct stack_plan_req *q, const struct aws_error *e)
{
    if (q->failed || !e)
        return;
    q->failed = true;
    aws_error_copy(&q->err, e);
}

#define PROBE_START(pr, expr)                                                                      \
    do {                                                                                           \
        (pr)->call = (expr);                                                                       \
    } while (0)

/* A probe callback that keeps its answer (NULL on error, which fails the
 * plan) in slot: an lvalue that may use q, the request, and pr, the probe. */
#define KEEP_ANSWER(fn, type, slot)                                                                \
    static void fn(type *out, const struct aws_error *err, void *arg)                              \
    {                                                                                              \
        struct probe *pr = arg;                                                                    \
        struct stack_plan_req *q = probe_begin(pr);                                                \
        if (err)                                                                                   \
            fail(q, err);                                                                          \
        slot = out;                                                                                \
        probe_end(q, pr);                                                                          \
    }

static const char *tag_filter_name(void)
{
    return "tag:" STACK_SPEC_TAG_KEY;
}

/* -- STS -- */
static void on_identity(const struct sts_caller_identity *out, const struct aws_error *err,
                        void *arg);
static void start_iam(struct stack_plan_req *q);

static void on_identity(const struct sts_caller_identity *out, const struct aws_error *err,
                        void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err)
        fail(q, err);
    else if (out && out->account) {
        set_str(&q->p->account, out->account);
        start_iam(q);
    }
    probe_end(q, pr);
}

/* -- zones -- */
KEEP_ANSWER(on_zones, struct ec2_availability_zone_list, q->zones)

/* -- VPC and what is in it -- */
/* which 1: the reused subnets */
KEEP_ANSWER(on_subnets, struct ec2_subnet_list, *(pr->which ? &q->reuse_subnets : &q->subnets))
KEEP_ANSWER(on_route_tables, struct ec2_route_table_list, q->rts)

static void on_sgs(struct ec2_security_group_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !(pr->which && aws_error_is(err, "InvalidGroup.NotFound")))
        fail(q, err);
    if (pr->which)
        q->reuse_sg = out;
    else
        q->sgs = out;
    probe_end(q, pr);
}

static void on_vpc_attr(struct ec2_vpc_attribute_out *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err)
        fail(q, err);
    else if (out && out->has_value)
        q->dns[pr->which] = out->value;
    ec2_vpc_attribute_out_free(out);
    probe_end(q, pr);
}

static const struct ec2_vpc *chosen_vpc(const struct stack_plan_req *q)
{
    return q->vpcs && q->vpcs->n >= 1 ? &q->vpcs->items[0] : NULL;
}

static void start_vpc_children(struct stack_plan_req *q, const char *vpc_id)
{
    const char *ids[1] = {vpc_id};
    struct ec2_filter f = {"vpc-id", ids, 1};
    struct probe *pr;
    if (!q->p->spec.n_reuse_subnets) {
        struct ec2_describe_subnets_in si = {.filters = &f, .n_filters = 1};
        pr = probe_new(q, 0);
        PROBE_START(pr, ec2_describe_subnets(q->c, &si, on_subnets, pr));
    }
    struct ec2_describe_route_tables_in ri = {.filters = &f, .n_filters = 1};
    pr = probe_new(q, 0);
    PROBE_START(pr, ec2_describe_route_tables(q->c, &ri, on_route_tables, pr));
    struct ec2_describe_security_groups_in gi = {.filters = &f, .n_filters = 1};
    pr = probe_new(q, 0);
    PROBE_START(pr, ec2_describe_security_groups(q->c, &gi, on_sgs, pr));
    if (!q->p->spec.reuse_vpc && q->p->mode == STACK_PLAN_APPLY) {
        for (int k = 0; k < 2; k++) {
            struct ec2_describe_vpc_attribute_in ai = {vpc_id, k ? EC2_VPC_ENABLE_DNS_HOSTNAMES
                                                                 : EC2_VPC_ENABLE_DNS_SUPPORT};
            pr = probe_new(q, k);
            PROBE_START(pr, ec2_describe_vpc_attribute(q->c, &ai, on_vpc_attr, pr));
        }
    }
}

static void on_vpcs(struct ec2_vpc_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !aws_error_is(err, "InvalidVpcID.NotFound"))
        fail(q, err);
    q->vpcs = out;
    if (out && out->n == 1)
        start_vpc_children(q, out->items[0].vpc_id);
    probe_end(q, pr);
}

/* -- ElastiCache -- */
static void on_member(struct elasticache_cache_cluster_list *out, const struct aws_error *err,
                      void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !aws_error_is(err, "CacheClusterNotFound"))
        fail(q, err);
    if (out && out->n && out->items[0].cache_subnet_group_name)
        set_str(&q->rg_subnet_group, out->items[0].cache_subnet_group_name);
    elasticache_cache_cluster_list_free(out);
    probe_end(q, pr);
}

static void on_tags(struct elasticache_tag_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    /* AWS lists a group's tags only while it is available: while it is
     * created, modified or deleted, what it is built on proves it ours. */
    if (err && pr->which && aws_error_is(err, "InvalidReplicationGroupState")) {
        q->rg_tags_unknown = true;
        if (q->rg && q->rg->n_member_clusters) {
            struct elasticache_describe_cache_clusters_in in = {.id = q->rg->member_clusters[0]};
            struct probe *m = probe_new(q, 1);
            PROBE_START(m, elasticache_describe_cache_clusters(q->c, &in, on_member, m));
        }
    } else if (err) {
        fail(q, err);
    }
    bool ours = false;
    for (size_t i = 0; out && i < out->n; i++)
        if (out->items[i].key && strcmp(out->items[i].key, STACK_SPEC_TAG_KEY) == 0 &&
            out->items[i].value && strcmp(out->items[i].value, q->p->spec.name) == 0)
            ours = true;
    if (pr->which)
        q->rg_ours = ours;
    else
        q->sng_ours = ours;
    elasticache_tag_list_free(out);
    probe_end(q, pr);
}

static void list_tags(struct stack_plan_req *q, const char *arn, int which)
{
    struct elasticache_list_tags_for_resource_in in = {arn};
    struct probe *pr = probe_new(q, which);
    PROBE_START(pr, elasticache_list_tags_for_resource(q->c, &in, on_tags, pr));
}

static void on_subnet_groups(struct elasticache_cache_subnet_group_list *out,
                             const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !aws_error_is(err, "CacheSubnetGroupNotFoundFault"))
        fail(q, err);
    if (out && out->n) {
        q->sng = mem_xcalloc(1, sizeof(*q->sng));
        *q->sng = out->items[0];
        memset(&out->items[0], 0, sizeof(out->items[0]));
        if (q->sng->arn)
            list_tags(q, q->sng->arn, 0);
    }
    elasticache_cache_subnet_group_list_free(out);
    probe_end(q, pr);
}

static void on_groups(struct elasticache_replication_group_list *out, const struct aws_error *err,
                      void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !aws_error_is(err, "ReplicationGroupNotFoundFault"))
        fail(q, err);
    if (out && out->n) {
        q->rg = mem_xcalloc(1, sizeof(*q->rg));
        *q->rg = out->items[0];
        memset(&out->items[0], 0, sizeof(out->items[0]));
        if (q->rg->arn)
            list_tags(q, q->rg->arn, 1);
    }
    elasticache_replication_group_list_free(out);
    probe_end(q, pr);
}

static void on_param_groups(struct elasticache_cache_parameter_group_list *out,
                            const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && aws_error_is(err, "CacheParameterGroupNotFound"))
        q->pg_missing = true;
    else if (err)
        fail(q, err);
    q->pgs = out;
    probe_end(q, pr);
}

/* -- KMS -- */
static void key_details(struct stack_plan_req *q, int which, const char *key_id);

static void on_key_tags(struct kms_tag_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err)
        fail(q, err);
    else {
        const char *v = kms_tag_list_get(out, STACK_SPEC_TAG_KEY);
        q->keys[pr->which].ours = v && strcmp(v, q->p->spec.name) == 0;
    }
    kms_tag_list_free(out);
    probe_end(q, pr);
}

static void on_rotation(struct kms_key_rotation_status_out *out, const struct aws_error *err,
                        void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !aws_error_is(err, "AccessDeniedException"))
        fail(q, err);
    if (out) {
        q->keys[pr->which].rotation = out->key_rotation_enabled;
        q->keys[pr->which].rotation_known = true;
    }
    kms_key_rotation_status_out_free(out);
    probe_end(q, pr);
}

static void on_key_policy(struct kms_key_policy_out *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !aws_error_is(err, "AccessDeniedException"))
        fail(q, err);
    if (out) {
        free(q->keys[pr->which].policy);
        q->keys[pr->which].policy = out->policy;
        out->policy = NULL;
    }
    kms_key_policy_out_free(out);
    probe_end(q, pr);
}

static void key_details(struct stack_plan_req *q, int which, const char *key_id)
{
    struct probe *pr = probe_new(q, which);
    struct kms_list_resource_tags_in ti = {.key_id = key_id};
    PROBE_START(pr, kms_list_resource_tags(q->c, &ti, on_key_tags, pr));
    if (q->p->mode != STACK_PLAN_APPLY)
        return;
    struct kms_get_key_rotation_status_in ri = {key_id};
    pr = probe_new(q, which);
    PROBE_START(pr, kms_get_key_rotation_status(q->c, &ri, on_rotation, pr));
    struct kms_get_key_policy_in gi = {key_id, NULL};
    pr = probe_new(q, which);
    PROBE_START(pr, kms_get_key_policy(q->c, &gi, on_key_policy, pr));
}

static void key_scan_next(struct stack_plan_req *q);

static void on_scan_describe(struct kms_key_out *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    int w = pr->which;
    if (err)
        fail(q, err);
    else if (out && out->key.key_state && strcmp(out->key.key_state, "PendingDeletion") != 0 &&
             q->keys[w].alias_missing) {
        struct key_find *k = &q->keys[w];
        /* Two tagged keys (an earlier crash before the alias, twice):
         * keep the oldest; the other is left alone and named in a note. */
        if (!k->meta || out->key.creation_date_ms < k->meta->creation_date_ms) {
            if (k->meta)
                add_note(q->p, "another key of this stack (%s) has no alias; elcui uses %s",
                         k->meta->key_id, out->key.key_id);
            if (k->meta) {
                free(k->meta->key_id);
                free(k->meta->arn);
                free(k->meta->aws_account_id);
                free(k->meta->description);
                free(k->meta->key_usage);
                free(k->meta->key_state);
                free(k->meta->key_spec);
                free(k->meta->key_manager);
                free(k->meta->origin);
                free(k->meta);
            }
            k->meta = mem_xcalloc(1, sizeof(*k->meta));
            *k->meta = out->key;
            memset(&out->key, 0, sizeof(out->key));
            k->via_tag = true;
            k->ours = true;
            key_details(q, w, k->meta->key_id);
        } else {
            add_note(q->p, "another key of this stack (%s) has no alias; elcui uses %s",
                     out->key.key_id, k->meta->key_id);
        }
    }
    kms_key_out_free(out);
    probe_end(q, pr);
}

static void on_scan_tags(struct kms_tag_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    /* Keys of other accounts' grants or AWS keys may refuse: skip them. */
    if (out) {
        const char *st = kms_tag_list_get(out, STACK_SPEC_TAG_KEY);
        const char *nm = kms_tag_list_get(out, "Name");
        if (st && strcmp(st, q->p->spec.name) == 0 && nm) {
            for (int w = 0; w < 2; w++) {
                char *want = stack_spec_key_name(&q->p->spec, w == 1);
                if (strcmp(nm, want) == 0 && q->keys[w].alias_missing) {
                    struct kms_describe_key_in di = {pr->key_id};
                    struct probe *d = probe_new(q, w);
                    PROBE_START(d, kms_describe_key(q->c, &di, on_scan_describe, d));
                }
                free(want);
            }
        }
    } else if (err && !aws_error_is(err, "AccessDeniedException") &&
               !aws_error_is(err, "NotFoundException")) {
        fail(q, err);
    }
    kms_tag_list_free(out);
    key_scan_next(q);
    probe_end(q, pr);
}

/* Tags of the keys one after another (several in flight). */
static void key_scan_next(struct stack_plan_req *q)
{
    while (q->all_keys && q->scan_next < q->all_keys->n && !q->failed) {
        int inflight = 0;
        for (struct probe *x = q->inflight; x; x = x->next)
            if (x->key_id)
                inflight++;
        if (inflight >= 4)
            return;
        struct kms_key_entry *e = &q->all_keys->items[q->scan_next++];
        struct probe *pr = probe_new(q, 0);
        pr->key_id = mem_xstrdup(e->key_id);
        struct kms_list_resource_tags_in ti = {.key_id = e->key_id};
        PROBE_START(pr, kms_list_resource_tags(q->c, &ti, on_scan_tags, pr));
    }
}

static void on_list_keys(struct kms_key_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err)
        fail(q, err);
    q->all_keys = out;
    key_scan_next(q);
    probe_end(q, pr);
}

/* Both alias lookups answered: scan by tag for the keys without alias. */
static void maybe_scan(struct stack_plan_req *q)
{
    if (q->key_scan_started)
        return;
    for (struct probe *x = q->inflight; x; x = x->next)
        if (x->which >= 100)
            return; /* an alias or journal lookup still running */
    /* Listing every key of the account is the expensive search: it is
     * needed only when a CreateKey may have gone out without its alias
     * (the journal says so), or when there is no journal to ask. */
    bool need = false;
    for (int w = 0; w < 2; w++)
        if (q->keys[w].alias_missing && !q->keys[w].meta &&
            (!q->journal || stack_journal_creating(q->journal, w ? "kms.secret" : "kms.rest")))
            need = true;
    if (!need)
        return;
    q->key_scan_started = true;
    struct probe *pr = probe_new(q, 0);
    struct kms_list_keys_in li = {0};
    PROBE_START(pr, kms_list_keys(q->c, &li, on_list_keys, pr));
}

static void on_describe_key(struct kms_key_out *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    int w = pr->which % 100;
    bool via_journal = pr->which >= 200;
    pr->which = w;
    struct key_find *k = &q->keys[w];
    if (err && aws_error_is(err, "NotFoundException")) {
        if (q->p->spec.reuse_kms_key && w == 0)
            k->reuse_missing = true;
        else if (q->p->spec.reuse_secret_kms_key && w == 1)
            k->reuse_missing = true;
        else if (!via_journal)
            k->alias_missing = true;
    } else if (err) {
        fail(q, err);
    } else if (out && (!via_journal || (out->key.key_state &&
                                        strcmp(out->key.key_state, "PendingDeletion") != 0))) {
        k->meta = mem_xcalloc(1, sizeof(*k->meta));
        *k->meta = out->key;
        memset(&out->key, 0, sizeof(out->key));
        k->via_tag = via_journal;
        key_details(q, w, k->meta->key_id);
    }
    kms_key_out_free(out);
    if (!via_journal && k->alias_missing && !k->meta && q->journal) {
        const char *jid = stack_journal_id(q->journal, w ? "kms.secret" : "kms.rest");
        if (jid) {
            struct kms_describe_key_in di = {jid};
            struct probe *j = probe_new(q, 200 + w);
            q->p->journal_used = true;
            PROBE_START(j, kms_describe_key(q->c, &di, on_describe_key, j));
        }
    }
    maybe_scan(q); /* pr is unlinked already: it does not count */
    probe_end(q, pr);
}

static void start_key(struct stack_plan_req *q, int w)
{
    const struct stack_spec *s = &q->p->spec;
    const char *id =
        w ? (s->reuse_secret_kms_key ? s->reuse_secret_kms_key
                                     : stack_spec_name(s, STACK_NAME_SECRET_KEY_ALIAS))
          : (s->reuse_kms_key ? s->reuse_kms_key : stack_spec_name(s, STACK_NAME_REST_KEY_ALIAS));
    struct kms_describe_key_in di = {id};
    struct probe *pr = probe_new(q, 100 + w);
    PROBE_START(pr, kms_describe_key(q->c, &di, on_describe_key, pr));
}

/* -- Logs -- */
static void on_log_group_tags(struct logs_tag_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    /* Not a reason to stop: without the tags, the key or the journal
     * still proves the group ours (or leaves it alone). */
    if (err)
        set_str(&q->lg_tags_error[pr->which], *err->code ? err->code : "an error");
    q->lg_tags[pr->which] = out;
    probe_end(q, pr);
}

/* The tags of a log group found for destroy: by ARN, or by name when the
 * answer had no ARN. */
static void list_log_group_tags(struct stack_plan_req *q, int which)
{
    const struct logs_log_group *g = q->lgs[which];
    char *arn = logs_log_group_tag_arn(g);
    struct probe *pr = probe_new(q, which);
    if (arn) {
        struct logs_list_tags_for_resource_in in = {arn};
        PROBE_START(pr, logs_list_tags_for_resource(q->c, &in, on_log_group_tags, pr));
    } else {
        struct logs_list_tags_log_group_in in = {g->name};
        PROBE_START(pr, logs_list_tags_log_group(q->c, &in, on_log_group_tags, pr));
    }
    free(arn);
}

static void on_log_groups(struct logs_log_group_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err)
        fail(q, err);
    const char *want = stack_spec_name(&q->p->spec, pr->which ? STACK_NAME_ENGINE_LOG_GROUP
                                                              : STACK_NAME_SLOW_LOG_GROUP);
    for (size_t i = 0; out && i < out->n; i++)
        if (out->items[i].name && strcmp(out->items[i].name, want) == 0) {
            q->lgs[pr->which] = mem_xcalloc(1, sizeof(struct logs_log_group));
            *q->lgs[pr->which] = out->items[i];
            memset(&out->items[i], 0, sizeof(out->items[i]));
            if (q->p->mode == STACK_PLAN_DESTROY)
                list_log_group_tags(q, pr->which);
            break;
        }
    logs_log_group_list_free(out);
    probe_end(q, pr);
}

/* -- Secrets Manager -- */
static void on_secret(struct secrets_describe_secret_out *out, const struct aws_error *err,
                      void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && aws_error_is(err, "ResourceNotFoundException"))
        q->secret_missing = true;
    else if (err)
        fail(q, err);
    if (out) {
        q->secret = mem_xcalloc(1, sizeof(*q->secret));
        *q->secret = out->secret;
        memset(&out->secret, 0, sizeof(out->secret));
    }
    secrets_describe_secret_out_free(out);
    probe_end(q, pr);
}

/* -- SSM -- */
/* which 1: the parameters tagged for the stack */
KEEP_ANSWER(on_params, struct ssm_parameter_metadata_list,
            *(pr->which ? &q->params_ours : &q->params))

static void on_param_values(struct ssm_get_parameters_out *out, const struct aws_error *err,
                            void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err && !aws_error_is(err, "AccessDeniedException"))
        fail(q, err);
    q->param_values = out;
    probe_end(q, pr);
}

static void start_params(struct stack_plan_req *q)
{
    char *names[2] = {stack_spec_ssm_name(&q->p->spec, false),
                      stack_spec_ssm_name(&q->p->spec, true)};
    const char *cn[2] = {names[0], names[1]};
    const char *stem[1] = {q->p->spec.name};
    struct ssm_parameter_filter f[2] = {{"Name", "Equals", cn, 2},
                                        {tag_filter_name(), "Equals", stem, 1}};
    struct ssm_describe_parameters_in in = {.filters = f, .n_filters = 1};
    struct probe *pr = probe_new(q, 0);
    PROBE_START(pr, ssm_describe_parameters(q->c, &in, on_params, pr));
    in.n_filters = 2;
    pr = probe_new(q, 1);
    PROBE_START(pr, ssm_describe_parameters(q->c, &in, on_params, pr));
    if (q->p->mode == STACK_PLAN_APPLY) {
        struct ssm_get_parameters_in gi = {cn, 2, true};
        pr = probe_new(q, 0);
        PROBE_START(pr, ssm_get_parameters(q->c, &gi, on_param_values, pr));
    }
    free(names[0]);
    free(names[1]);
}

/* -- IAM -- */
KEEP_ANSWER(on_policy_versions, struct iam_policy_version_list, q->iam[pr->which].versions)

static void on_policy_version(struct iam_policy_version_out *out, const struct aws_error *err,
                              void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err)
        fail(q, err);
    if (out) {
        q->iam[pr->which].doc = out->version.document;
        out->version.document = NULL;
    }
    iam_policy_version_out_free(out);
    probe_end(q, pr);
}

static void on_policy_entities(struct iam_policy_entities *out, const struct aws_error *err,
                               void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    if (err)
        fail(q, err);
    if (out && (out->n_groups || out->n_users || out->n_roles)) {
        q->iam[pr->which].attached = true;
        q->iam[pr->which].attached_to = mem_xstrdup(out->n_roles   ? out->role_names[0]
                                                    : out->n_users ? out->user_names[0]
                                                                   : out->group_names[0]);
    }
    iam_policy_entities_free(out);
    probe_end(q, pr);
}

static void on_policy(struct iam_policy_out *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_plan_req *q = probe_begin(pr);
    int w = pr->which;
    if (err && aws_error_is(err, "NoSuchEntity"))
        q->iam[w].missing = true;
    else if (err)
        fail(q, err);
    if (out) {
        q->iam[w].pol = mem_xcalloc(1, sizeof(struct iam_policy));
        *q->iam[w].pol = out->policy;
        memset(&out->policy, 0, sizeof(out->policy));
        const struct iam_policy *pol = q->iam[w].pol;
        struct probe *x;
        if (q->p->mode == STACK_PLAN_APPLY && pol->default_version_id) {
            struct iam_get_policy_version_in vi = {pol->arn, pol->default_version_id};
            x = probe_new(q, w);
            PROBE_START(x, iam_get_policy_version(q->c, &vi, on_policy_version, x));
        }
        struct iam_list_policy_versions_in li = {.policy_arn = pol->arn};
        x = probe_new(q, w);
        PROBE_START(x, iam_list_policy_versions(q->c, &li, on_policy_versions, x));
        if (q->p->mode == STACK_PLAN_DESTROY) {
            struct iam_list_entities_for_policy_in ei = {.policy_arn = pol->arn};
            x = probe_new(q, w);
            PROBE_START(x, iam_list_entities_for_policy(q->c, &ei, on_policy_entities, x));
        }
    }
    iam_policy_out_free(out);
    probe_end(q, pr);
}

static void start_iam(struct stack_plan_req *q)
{
    const struct stack_spec *s = &q->p->spec;
    for (int w = 0; w < 2; w++) {
        if (!(w ? s->secret_read_policy && s->auth_token : s->ssm_read_policy))
            continue;
        char *arn = stack_spec_policy_arn(s, q->p->account, w == 1);
        struct iam_get_policy_in in = {arn};
        struct probe *pr = probe_new(q, w);
        PROBE_START(pr, iam_get_policy(q->c, &in, on_policy, pr));
        free(arn);
    }
}

/* ---- start ---- */

struct stack_plan_req *stack_plan_start(struct aws_client *c, const struct stack_spec *spec,
                                        const struct stack_plan_options *opt, stack_plan_cb cb,
                                        void *arg)
{
    struct stack_plan_req *q = mem_xcalloc(1, sizeof(*q));
    q->c = c;
    q->cb = cb;
    q->arg = arg;
    q->dns[0] = q->dns[1] = -1;
    aws_error_init(&q->err);
    struct stack_plan *p = mem_xcalloc(1, sizeof(*p));
    q->p = p;
    p->mode = opt ? opt->mode : STACK_PLAN_APPLY;
    stack_spec_copy(&p->spec, spec);
    if (!p->spec.region || !*p->spec.region) {
        free(p->spec.region);
        p->spec.region = mem_xstrdup(aws_client_region(c));
    }
    p->partition = mem_xstrdup(stack_spec_partition(p->spec.region));
    if (opt && opt->journal_dir)
        q->journal_dir = mem_xstrdup(opt->journal_dir);
    else
        q->journal_dir = stack_journal_default_dir();
    if (q->journal_dir && *q->journal_dir) {
        q->journal = stack_journal_load(q->journal_dir, p->spec.name, NULL, 0);
        const char *jr = stack_journal_region(q->journal);
        if (q->journal && (!jr || strcmp(jr, stack_spec_region(&p->spec)) != 0)) {
            json_decref(q->journal);
            q->journal = NULL;
        }
    }
    build_graph(p);
    const struct stack_spec *s = &p->spec;
    struct probe *pr;

    pr = probe_new(q, 0);
    PROBE_START(pr, sts_get_caller_identity(c, on_identity, pr));

    if (p->mode == STACK_PLAN_APPLY && !s->n_reuse_subnets) {
        const char *avail[1] = {"available"};
        struct ec2_filter zf = {"state", avail, 1};
        struct ec2_describe_availability_zones_in zi = {.filters = &zf, .n_filters = 1};
        pr = probe_new(q, 0);
        PROBE_START(pr, ec2_describe_availability_zones(c, &zi, on_zones, pr));
    }
    {
        const char *stem[1] = {s->name};
        const char *ids[1] = {s->reuse_vpc};
        struct ec2_filter tf = {tag_filter_name(), stem, 1};
        struct ec2_describe_vpcs_in vi = {0};
        if (s->reuse_vpc) {
            vi.vpc_ids = ids;
            vi.n_vpc_ids = 1;
        } else {
            vi.filters = &tf;
            vi.n_filters = 1;
        }
        pr = probe_new(q, 0);
        PROBE_START(pr, ec2_describe_vpcs(c, &vi, on_vpcs, pr));
    }
    if (s->n_reuse_subnets) {
        struct ec2_describe_subnets_in si = {.subnet_ids = (const char *const *)s->reuse_subnets,
                                             .n_subnet_ids = s->n_reuse_subnets};
        pr = probe_new(q, 1);
        PROBE_START(pr, ec2_describe_subnets(c, &si, on_subnets, pr));
    }
    if (s->reuse_security_group) {
        const char *ids[1] = {s->reuse_security_group};
        struct ec2_describe_security_groups_in gi = {.group_ids = ids, .n_group_ids = 1};
        pr = probe_new(q, 1);
        PROBE_START(pr, ec2_describe_security_groups(c, &gi, on_sgs, pr));
    }
    {
        struct elasticache_describe_cache_subnet_groups_in in = {
            stack_spec_name(s, STACK_NAME_SUBNET_GROUP), 0, 0, NULL};
        pr = probe_new(q, 0);
        PROBE_START(pr, elasticache_describe_cache_subnet_groups(c, &in, on_subnet_groups, pr));
    }
    {
        struct elasticache_describe_replication_groups_in in = {
            stack_spec_name(s, STACK_NAME_REPLICATION_GROUP), 0, 0, NULL};
        pr = probe_new(q, 0);
        PROBE_START(pr, elasticache_describe_replication_groups(c, &in, on_groups, pr));
    }
    if (p->mode == STACK_PLAN_APPLY && s->parameter_group) {
        struct elasticache_describe_cache_parameter_groups_in in = {s->parameter_group, 0, 0, NULL};
        pr = probe_new(q, 0);
        PROBE_START(pr, elasticache_describe_cache_parameter_groups(c, &in, on_param_groups, pr));
    }
    if (stack_plan_find(p, "kms.rest"))
        start_key(q, 0);
    if (stack_plan_find(p, "kms.secret"))
        start_key(q, 1);
    for (int eng = 0; eng < 2; eng++) {
        if (!(eng ? s->engine_log : s->slow_log))
            continue;
        struct logs_describe_log_groups_in in = {
            .log_group_name_prefix =
                stack_spec_name(s, eng ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP)};
        pr = probe_new(q, eng);
        PROBE_START(pr, logs_describe_log_groups(c, &in, on_log_groups, pr));
    }
    if (s->auth_token) {
        struct secrets_describe_secret_in in = {
            s->reuse_secret ? s->reuse_secret : stack_spec_name(s, STACK_NAME_SECRET)};
        pr = probe_new(q, 0);
        PROBE_START(pr, secrets_describe_secret(c, &in, on_secret, pr));
    }
    if (s->ssm_parameters)
        start_params(q);
    return q;
}

static void req_free_findings(struct stack_plan_req *q)
{
    ec2_vpc_list_free(q->vpcs);
    ec2_subnet_list_free(q->subnets);
    ec2_subnet_list_free(q->reuse_subnets);
    ec2_route_table_list_free(q->rts);
    ec2_security_group_list_free(q->sgs);
    ec2_security_group_list_free(q->reuse_sg);
    ec2_availability_zone_list_free(q->zones);
    if (q->sng) {
        struct elasticache_cache_subnet_group_list l = {"", q->sng, 1, NULL};
        struct elasticache_cache_subnet_group_list *lp = mem_xcalloc(1, sizeof(*lp));
        *lp = l;
        elasticache_cache_subnet_group_list_free(lp);
    }
    if (q->rg) {
        elasticache_replication_group_clear(q->rg);
        free(q->rg);
    }
    elasticache_cache_parameter_group_list_free(q->pgs);
    free(q->rg_subnet_group);
    for (int w = 0; w < 2; w++) {
        struct key_find *k = &q->keys[w];
        if (k->meta) {
            struct kms_key_out *o = mem_xcalloc(1, sizeof(*o));
            o->key = *k->meta;
            free(k->meta);
            kms_key_out_free(o);
        }
        free(k->policy);
        if (q->lgs[w]) {
            struct logs_log_group_list *l = mem_xcalloc(1, sizeof(*l));
            l->items = q->lgs[w];
            l->n = 1;
            logs_log_group_list_free(l);
        }
        logs_tag_list_free(q->lg_tags[w]);
        free(q->lg_tags_error[w]);
        struct iam_found *f = &q->iam[w];
        if (f->pol) {
            struct iam_policy_out *o = mem_xcalloc(1, sizeof(*o));
            o->policy = *f->pol;
            free(f->pol);
            iam_policy_out_free(o);
        }
        free(f->doc);
        iam_policy_version_list_free(f->versions);
        free(f->attached_to);
    }
    kms_key_list_free(q->all_keys);
    if (q->secret) {
        struct secrets_describe_secret_out *o = mem_xcalloc(1, sizeof(*o));
        o->secret = *q->secret;
        free(q->secret);
        secrets_describe_secret_out_free(o);
    }
    ssm_parameter_metadata_list_free(q->params);
    ssm_parameter_metadata_list_free(q->params_ours);
    ssm_get_parameters_out_free(q->param_values);
}

static void req_free(struct stack_plan_req *q)
{
    req_free_findings(q);
    json_decref(q->journal);
    free(q->journal_dir);
    aws_error_clear(&q->err);
    free(q);
}

void stack_plan_cancel(struct stack_plan_req *q)
{
    if (!q)
        return;
    while (q->inflight) {
        struct probe *pr = q->inflight;
        q->inflight = pr->next;
        aws_call_cancel(pr->call);
        free(pr->key_id);
        free(pr);
    }
    stack_plan_free(q->p);
    req_free(q);
}

/* ---- deciding ---- */

/* Policy documents compare by meaning: single strings and one-element
 * lists are the same, list order does not matter. */
static json_t *norm(const json_t *v, const char *key)
{
    static const char *const listy[] = {"Action", "NotAction", "Resource", "NotResource",
                                        "AWS",    "Service",   "Federated"};
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            json_object_set_new(o, k, norm(m, k));
        }
        return o;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        char **keys = mem_xcalloc(n ? n : 1, sizeof(char *));
        json_t **items = mem_xcalloc(n ? n : 1, sizeof(json_t *));
        for (size_t i = 0; i < n; i++) {
            items[i] = norm(json_array_get(v, i), NULL);
            keys[i] = json_dumps(items[i], JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        }
        /* insertion sort by the canonical text */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i;
                 j > 0 && strcmp(keys[j - 1] ? keys[j - 1] : "", keys[j] ? keys[j] : "") > 0; j--) {
                char *tk = keys[j];
                keys[j] = keys[j - 1];
                keys[j - 1] = tk;
                json_t *ti = items[j];
                items[j] = items[j - 1];
                items[j - 1] = ti;
            }
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(a, items[i]);
            free(keys[i]);
        }
        free(keys);
        free(items);
        return a;
    }
    if (json_is_string(v) && key) {
        bool wrap = false;
        for (size_t i = 0; i < sizeof(listy) / sizeof(listy[0]); i++)
            if (strcmp(key, listy[i]) == 0)
                wrap = true;
        if (wrap || strncmp(key, "kms:", 4) == 0 || strncmp(key, "aws:", 4) == 0)
            return json_pack("[O]", v);
    }
    return json_deep_copy(v);
}

static bool policy_same(const char *have, json_t *want)
{
    if (!have) {
        json_decref(want);
        return false;
    }
    json_error_t je;
    json_t *h = json_loads(have, 0, &je);
    bool same = false;
    if (h) {
        json_t *a = norm(h, NULL), *b = norm(want, NULL);
        same = json_equal(a, b);
        json_decref(a);
        json_decref(b);
        json_decref(h);
    }
    json_decref(want);
    return same;
}

/* Does a KMS reference (id, ARN, alias name or alias ARN) name this key? */
static bool key_matches(const char *ref, const struct stack_resource *k)
{
    if (!ref || !k)
        return false;
    if ((k->id && strcmp(ref, k->id) == 0) || (k->arn && strcmp(ref, k->arn) == 0))
        return true;
    const char *alias = strstr(ref, "alias/");
    if (alias && k->kind == STACK_KIND_KMS_KEY && strcmp(alias, k->name) == 0)
        return true;
    /* an ARN ending in the key id */
    if (k->id) {
        size_t rl = strlen(ref), il = strlen(k->id);
        if (rl > il && strcmp(ref + rl - il, k->id) == 0 && ref[rl - il - 1] == '/')
            return true;
    }
    return false;
}

static bool has_tag(const struct ec2_tag *tags, size_t n, const char *key, const char *value)
{
    const char *v = ec2_tag_get(tags, n, key);
    return v && strcmp(v, value) == 0;
}

/* Tagged for this stack and named as the resource. */
static bool tagged_ours(const struct ec2_tag *tags, size_t n, const struct stack_plan *p,
                        const struct stack_resource *r)
{
    return has_tag(tags, n, STACK_SPEC_TAG_KEY, p->spec.name) && has_tag(tags, n, "Name", r->name);
}

/* The route table tagged for this stack under r's name (the last one
 * listed), or NULL; none without the stack's VPC. */
static const struct ec2_route_table *find_route_table(const struct stack_plan_req *q, bool have_vpc,
                                                      const struct stack_resource *r)
{
    const struct ec2_route_table *rt = NULL;
    for (size_t k = 0; have_vpc && q->rts && k < q->rts->n; k++) {
        const struct ec2_route_table *x = &q->rts->items[k];
        if (tagged_ours(x->tags, x->n_tags, q->p, r))
            rt = x;
    }
    return rt;
}

static void act(struct stack_plan *p, struct stack_resource *r, enum stack_action a)
{
    (void)p;
    r->action = a;
}

static int zone_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void pick_zones(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    if (s->n_azs) {
        for (size_t i = 0; i < s->n_azs; i++) {
            p->zones = mem_xrealloc(p->zones, (p->n_zones + 1) * sizeof(char *));
            p->zones[p->n_zones++] = mem_xstrdup(s->azs[i]);
        }
        return;
    }
    for (size_t i = 0; q->zones && i < q->zones->n; i++) {
        const struct ec2_availability_zone *z = &q->zones->items[i];
        if (!z->zone_name || (z->state && strcmp(z->state, "available") != 0) ||
            (z->zone_type && strcmp(z->zone_type, "availability-zone") != 0))
            continue;
        p->zones = mem_xrealloc(p->zones, (p->n_zones + 1) * sizeof(char *));
        p->zones[p->n_zones++] = mem_xstrdup(z->zone_name);
    }
    if (p->n_zones > 1)
        qsort(p->zones, p->n_zones, sizeof(char *), zone_cmp);
}

static bool region_has_zone(const struct stack_plan_req *q, const char *zone)
{
    if (!q->zones)
        return true;
    for (size_t i = 0; i < q->zones->n; i++)
        if (q->zones->items[i].zone_name && strcmp(q->zones->items[i].zone_name, zone) == 0)
            return true;
    return false;
}

static bool cidr_in(const char *inner, const char *outer)
{
    uint32_t a, b;
    int ap, bp;
    if (stack_validate_cidr(inner, &a, &ap) != 0 || stack_validate_cidr(outer, &b, &bp) != 0)
        return false;
    if (ap < bp)
        return false;
    uint32_t mask = bp == 0 ? 0 : 0xffffffffu << (32 - bp);
    return (a & mask) == b;
}

static void decide_vpc(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    struct stack_resource *r = stack_plan_find(p, "vpc");
    const struct ec2_vpc *v = chosen_vpc(q);
    if (s->reuse_vpc) {
        if (!v) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "reuse.vpc: %s does not exist in %s", s->reuse_vpc, stack_spec_region(s));
            return;
        }
        set_str(&r->id, v->vpc_id);
        set_str(&r->cidr, v->cidr_block);
        act(p, r, STACK_ACT_REUSE);
        set_reason(r, "reused VPC %s (%s): elcui never changes or deletes it", v->vpc_id,
                   v->cidr_block ? v->cidr_block : "");
        return;
    }
    if (q->vpcs && q->vpcs->n > 1) {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < q->vpcs->n; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", q->vpcs->items[i].vpc_id);
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r, "%zu VPCs carry %s=%s (%s); keep one and delete the others", q->vpcs->n,
                   STACK_SPEC_TAG_KEY, s->name, buf_str(&b));
        buf_free(&b);
        return;
    }
    if (!v) {
        act(p, r, STACK_ACT_CREATE);
        set_str(&r->cidr, s->vpc_cidr);
        add_call(p, 0, STACK_OP_CREATE_VPC, 0);
        add_call(p, 0, STACK_OP_VPC_DNS_SUPPORT, 0);
        add_call(p, 0, STACK_OP_VPC_DNS_HOSTNAMES, 0);
        return;
    }
    r->ours = true;
    set_str(&r->id, v->vpc_id);
    set_str(&r->cidr, v->cidr_block);
    if (!v->cidr_block || strcmp(v->cidr_block, s->vpc_cidr) != 0) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r,
                   "%s has CIDR %s but the spec says %s; a VPC's CIDR cannot change: fix "
                   "network.vpc_cidr or destroy the stack",
                   v->vpc_id, v->cidr_block ? v->cidr_block : "?", s->vpc_cidr);
        return;
    }
    if (q->dns[0] == 0)
        add_call(p, 0, STACK_OP_VPC_DNS_SUPPORT, 0);
    if (q->dns[1] == 0)
        add_call(p, 0, STACK_OP_VPC_DNS_HOSTNAMES, 0);
    if (r->n_calls) {
        act(p, r, STACK_ACT_CHANGE);
        set_reason(r, "turn on DNS %s",
                   q->dns[0] == 0 && q->dns[1] == 0 ? "support and hostnames"
                   : q->dns[0] == 0                 ? "support"
                                                    : "hostnames");
    } else {
        act(p, r, STACK_ACT_KEEP);
    }
}

static bool vpc_usable(struct stack_plan *p)
{
    struct stack_resource *v = stack_plan_find(p, "vpc");
    return v && v->id &&
           (v->action == STACK_ACT_KEEP || v->action == STACK_ACT_CHANGE ||
            v->action == STACK_ACT_REUSE);
}

static void decide_subnets(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    bool have_vpc = vpc_usable(p);
    for (size_t i = 0; i < p->n; i++) {
        struct stack_resource *r = &p->res[i];
        if (r->kind != STACK_KIND_SUBNET)
            continue;
        if (s->n_reuse_subnets) {
            const struct ec2_subnet *sn = NULL;
            for (size_t k = 0; q->reuse_subnets && k < q->reuse_subnets->n; k++)
                if (q->reuse_subnets->items[k].subnet_id &&
                    strcmp(q->reuse_subnets->items[k].subnet_id, r->name) == 0)
                    sn = &q->reuse_subnets->items[k];
            if (!sn) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r, "reuse.subnets: %s does not exist in %s", r->name,
                           stack_spec_region(s));
            } else if (s->reuse_vpc && sn->vpc_id && strcmp(sn->vpc_id, s->reuse_vpc) != 0) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r, "reuse.subnets: %s is in %s, not in reuse.vpc %s", r->name,
                           sn->vpc_id, s->reuse_vpc);
            } else {
                act(p, r, STACK_ACT_REUSE);
                set_str(&r->cidr, sn->cidr_block);
                set_str(&r->zone, sn->availability_zone);
                set_reason(r, "reused subnet in %s",
                           sn->availability_zone ? sn->availability_zone : "?");
            }
            continue;
        }
        const struct stack_resource_priv *pv = r->priv;
        if (!p->n_zones) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "no available zone in %s to place it", stack_spec_region(s));
            continue;
        }
        set_str(&r->zone, p->zones[pv->index % p->n_zones]);
        if (s->n_azs && !region_has_zone(q, r->zone)) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "network.availability_zones: %s is not an available zone of %s", r->zone,
                       stack_spec_region(s));
            continue;
        }
        if (s->reuse_vpc && have_vpc) {
            struct stack_resource *v = stack_plan_find(p, "vpc");
            if (v->cidr && !cidr_in(r->cidr, v->cidr)) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r, "%s is not inside the reused VPC's %s; fix the subnet CIDRs", r->cidr,
                           v->cidr);
                continue;
            }
        }
        if (!have_vpc || !q->subnets) {
            act(p, r, STACK_ACT_CREATE);
            add_call(p, i, STACK_OP_CREATE_SUBNET, 0);
            continue;
        }
        const struct ec2_subnet *mine = NULL, *taken = NULL;
        for (size_t k = 0; k < q->subnets->n; k++) {
            const struct ec2_subnet *sn = &q->subnets->items[k];
            if (tagged_ours(sn->tags, sn->n_tags, p, r))
                mine = sn;
            else if (sn->cidr_block && strcmp(sn->cidr_block, r->cidr) == 0)
                taken = sn;
        }
        if (mine) {
            r->ours = true;
            set_str(&r->id, mine->subnet_id);
            bool same_cidr = mine->cidr_block && strcmp(mine->cidr_block, r->cidr) == 0;
            bool same_zone =
                mine->availability_zone && strcmp(mine->availability_zone, r->zone) == 0;
            if (same_cidr && (same_zone || !s->n_azs)) {
                set_str(&r->zone, mine->availability_zone);
                act(p, r, STACK_ACT_KEEP);
            } else {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r,
                           "%s is %s in %s; the spec says %s in %s; a subnet cannot change: "
                           "fix the spec or destroy the stack",
                           mine->subnet_id, mine->cidr_block ? mine->cidr_block : "?",
                           mine->availability_zone ? mine->availability_zone : "?", r->cidr,
                           r->zone);
            }
        } else if (taken) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "%s is already used by %s, which is not tagged %s=%s", r->cidr,
                       taken->subnet_id, STACK_SPEC_TAG_KEY, s->name);
        } else {
            act(p, r, STACK_ACT_CREATE);
            add_call(p, i, STACK_OP_CREATE_SUBNET, 0);
        }
    }
}

static void decide_route_tables(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    bool have_vpc = vpc_usable(p);
    for (size_t i = 0; i < p->n; i++) {
        struct stack_resource *r = &p->res[i];
        if (r->kind != STACK_KIND_ROUTE_TABLE)
            continue;
        const struct ec2_route_table *rt = find_route_table(q, have_vpc, r);
        if (!rt) {
            act(p, r, STACK_ACT_CREATE);
            add_call(p, i, STACK_OP_CREATE_ROUTE_TABLE, 0);
            for (size_t k = 0; k < r->priv->n_subnets; k++)
                add_call(p, i, STACK_OP_ASSOCIATE_ROUTE_TABLE, (int)r->priv->subnets[k]);
            continue;
        }
        r->ours = true;
        set_str(&r->id, rt->route_table_id);
        for (size_t a = 0; a < rt->n_associations; a++) {
            if (rt->associations[a].main || !rt->associations[a].association_id)
                continue;
            struct stack_resource_priv *pv = r->priv;
            pv->assoc_ids = mem_xrealloc(pv->assoc_ids, (pv->n_assoc + 1) * sizeof(char *));
            pv->assoc_ids[pv->n_assoc++] = mem_xstrdup(rt->associations[a].association_id);
        }
        for (size_t k = 0; k < r->priv->n_subnets; k++) {
            const struct stack_resource *sn = &p->res[r->priv->subnets[k]];
            bool linked = false;
            for (size_t a = 0; sn->id && a < rt->n_associations; a++)
                if (rt->associations[a].subnet_id &&
                    strcmp(rt->associations[a].subnet_id, sn->id) == 0)
                    linked = true;
            if (!linked)
                add_call(p, i, STACK_OP_ASSOCIATE_ROUTE_TABLE, (int)r->priv->subnets[k]);
        }
        if (r->n_calls) {
            act(p, r, STACK_ACT_CHANGE);
            set_reason(r, "associate it with its subnet%s", r->priv->n_subnets > 1 ? "s" : "");
        } else {
            act(p, r, STACK_ACT_KEEP);
        }
    }
}

static void decide_default_sg(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    ssize_t i = find_index(p, "default-sg");
    if (i < 0)
        return;
    struct stack_resource *r = &p->res[i];
    const struct ec2_security_group *g = NULL;
    for (size_t k = 0; vpc_usable(p) && q->sgs && k < q->sgs->n; k++)
        if (q->sgs->items[k].group_name && strcmp(q->sgs->items[k].group_name, "default") == 0)
            g = &q->sgs->items[k];
    if (!g) {
        act(p, r, STACK_ACT_CREATE);
        set_reason(r, "the new VPC's default security group loses its rules (CIS hardening)");
        add_call(p, (size_t)i, STACK_OP_FIND_DEFAULT_SG, 0);
        add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_INGRESS, 0);
        add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_EGRESS, 0);
        add_call(p, (size_t)i, STACK_OP_TAG_DEFAULT_SG, 0);
        return;
    }
    r->ours = true;
    set_str(&r->id, g->group_id);
    stack_ops_keep_rules(r->priv, g);
    if (r->priv->n_ingress)
        add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_INGRESS, 0);
    if (r->priv->n_egress)
        add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_EGRESS, 0);
    if (!has_tag(g->tags, g->n_tags, "Name", r->name) ||
        !has_tag(g->tags, g->n_tags, STACK_SPEC_TAG_KEY, p->spec.name))
        add_call(p, (size_t)i, STACK_OP_TAG_DEFAULT_SG, 0);
    if (r->n_calls) {
        act(p, r, STACK_ACT_CHANGE);
        set_reason(r, "%zu inbound rule%s and %zu outbound rule%s to remove", r->priv->n_ingress,
                   r->priv->n_ingress == 1 ? "" : "s", r->priv->n_egress,
                   r->priv->n_egress == 1 ? "" : "s");
    } else {
        act(p, r, STACK_ACT_KEEP);
    }
}

static void decide_subnet_group(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = find_index(p, "subnet-group");
    struct stack_resource *r = &p->res[i];
    /* Multi-AZ needs the cache subnets in two zones. */
    if (s->multi_az) {
        char *seen[2 * STACK_SPEC_MAX_SUBNETS];
        size_t n = 0;
        for (size_t k = 0; k < r->n_deps; k++) {
            const char *z = p->res[r->deps[k]].zone;
            bool dup = false;
            for (size_t j = 0; z && j < n; j++)
                if (strcmp(seen[j], z) == 0)
                    dup = true;
            if (z && !dup)
                seen[n++] = (char *)z;
        }
        if (n < 2 && r->n_deps) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "Multi-AZ needs the cache subnets in at least 2 zones; they are in %zu%s",
                       n,
                       p->n_zones < 2 && !s->n_reuse_subnets ? " (the region offers fewer)" : "");
            return;
        }
    }
    if (!q->sng) {
        act(p, r, STACK_ACT_CREATE);
        add_call(p, (size_t)i, STACK_OP_CREATE_SUBNET_GROUP, 0);
        return;
    }
    set_str(&r->id, q->sng->name);
    set_str(&r->arn, q->sng->arn);
    if (!q->sng_ours) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r,
                   "cache subnet group %s exists and is not tagged %s=%s; rename "
                   "names.subnet_group or delete it",
                   q->sng->name, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    bool same = r->n_deps == q->sng->n_subnets;
    for (size_t k = 0; same && k < r->n_deps; k++) {
        const char *want = p->res[r->deps[k]].id;
        bool found = false;
        for (size_t j = 0; want && j < q->sng->n_subnets; j++)
            if (q->sng->subnets[j].id && strcmp(q->sng->subnets[j].id, want) == 0)
                found = true;
        same = found;
    }
    if (same) {
        act(p, r, STACK_ACT_KEEP);
    } else {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r,
                   "%s holds other subnets than the spec's; elcui does not move a subnet group: "
                   "destroy the stack or rename names.subnet_group",
                   q->sng->name);
    }
}

static bool sg_admits(const struct ec2_security_group *g, int port, const char *cidr)
{
    for (size_t i = 0; i < g->n_ingress; i++) {
        const struct ec2_ip_permission *x = &g->ingress[i];
        bool proto = x->ip_protocol &&
                     (strcmp(x->ip_protocol, "tcp") == 0 || strcmp(x->ip_protocol, "-1") == 0);
        bool ports = strcmp(x->ip_protocol ? x->ip_protocol : "", "-1") == 0 ||
                     (x->has_ports && x->from_port <= port && x->to_port >= port);
        if (!proto || !ports)
            continue;
        for (size_t k = 0; k < x->n_ip_ranges; k++)
            if (x->ip_ranges[k].cidr && (!cidr || strcmp(x->ip_ranges[k].cidr, cidr) == 0))
                return true;
        if (!cidr && x->n_groups)
            return true;
    }
    return false;
}

static void decide_security_group(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = find_index(p, "security-group");
    struct stack_resource *r = &p->res[i];
    struct stack_resource *v = stack_plan_find(p, "vpc");
    if (s->reuse_security_group) {
        const struct ec2_security_group *g =
            q->reuse_sg && q->reuse_sg->n ? &q->reuse_sg->items[0] : NULL;
        if (!g) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "reuse.security_group: %s does not exist", s->reuse_security_group);
        } else if (s->reuse_vpc && g->vpc_id && strcmp(g->vpc_id, s->reuse_vpc) != 0) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "reuse.security_group: %s is in %s, not in reuse.vpc %s", g->group_id,
                       g->vpc_id, s->reuse_vpc);
        } else {
            set_str(&r->id, g->group_id);
            act(p, r, STACK_ACT_REUSE);
            if (!sg_admits(g, s->port, NULL))
                set_reason(r,
                           "reused; it admits nothing on TCP %d, so clients cannot reach the "
                           "cache until it does",
                           s->port);
            else
                set_reason(r, "reused security group: elcui never changes or deletes it");
        }
        return;
    }
    const struct ec2_security_group *g = NULL;
    for (size_t k = 0; vpc_usable(p) && q->sgs && k < q->sgs->n; k++)
        if (q->sgs->items[k].group_name && strcmp(q->sgs->items[k].group_name, r->name) == 0)
            g = &q->sgs->items[k];
    if (!g) {
        act(p, r, STACK_ACT_CREATE);
        add_call(p, (size_t)i, STACK_OP_CREATE_SECURITY_GROUP, 0);
        add_call(p, (size_t)i, STACK_OP_AUTHORIZE_INGRESS, 0);
        return;
    }
    set_str(&r->id, g->group_id);
    if (!has_tag(g->tags, g->n_tags, STACK_SPEC_TAG_KEY, s->name)) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r, "security group %s (%s) is not tagged %s=%s; rename names.security_group",
                   r->name, g->group_id, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    if (sg_admits(g, s->port, v && v->cidr ? v->cidr : s->vpc_cidr)) {
        act(p, r, STACK_ACT_KEEP);
    } else {
        act(p, r, STACK_ACT_CHANGE);
        set_reason(r, "add the TCP %d rule from the VPC", s->port);
        add_call(p, (size_t)i, STACK_OP_AUTHORIZE_INGRESS, 0);
    }
}

static void decide_keys(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    for (int w = 0; w < 2; w++) {
        ssize_t i = find_index(p, w ? "kms.secret" : "kms.rest");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        struct key_find *k = &q->keys[w];
        bool reuse = w ? s->reuse_secret_kms_key != NULL : s->reuse_kms_key != NULL;
        if (k->meta) {
            set_str(&r->id, k->meta->key_id);
            set_str(&r->arn, k->meta->arn);
            set_str(&r->status, k->meta->key_state);
        }
        bool enabled = k->meta && k->meta->key_state && strcmp(k->meta->key_state, "Enabled") == 0;
        if (reuse) {
            if (!k->meta) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r, "reuse.%s: %s does not exist", w ? "secret_kms_key" : "kms_key",
                           r->name);
            } else if (!enabled) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r, "reused key %s is %s; it must be Enabled", k->meta->key_id,
                           k->meta->key_state ? k->meta->key_state : "?");
            } else {
                act(p, r, STACK_ACT_REUSE);
                set_reason(r, "reused key %s: elcui never changes or deletes it", k->meta->key_id);
            }
            continue;
        }
        if (k->meta && !k->via_tag) {
            if (!k->ours) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r, "%s points to key %s, which is not tagged %s=%s; rename names.%s",
                           r->name, k->meta->key_id, STACK_SPEC_TAG_KEY, s->name,
                           w ? "secret_key_alias" : "rest_key_alias");
                continue;
            }
            r->ours = true;
            if (!enabled) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r,
                           "%s points to key %s, which is %s; cancel its deletion (aws kms "
                           "cancel-key-deletion, then enable-key) or delete the alias",
                           r->name, k->meta->key_id, k->meta->key_state ? k->meta->key_state : "?");
                continue;
            }
            if (s->key_rotation && k->rotation_known && !k->rotation) {
                act(p, r, STACK_ACT_CHANGE);
                set_reason(r, "turn on key rotation");
                add_call(p, (size_t)i, STACK_OP_ENABLE_KEY_ROTATION, 0);
            } else {
                act(p, r, STACK_ACT_KEEP);
            }
            continue;
        }
        if (k->meta && k->via_tag && k->ours) {
            r->ours = true;
            act(p, r, STACK_ACT_CHANGE);
            set_reason(r,
                       "key %s of this stack was found by its tag; its alias is missing (an "
                       "earlier apply stopped): it gets the alias instead of a second key",
                       k->meta->key_id);
            if (s->key_rotation && !(k->rotation_known && k->rotation))
                add_call(p, (size_t)i, STACK_OP_ENABLE_KEY_ROTATION, 0);
            add_call(p, (size_t)i, STACK_OP_CREATE_ALIAS, 0);
            continue;
        }
        act(p, r, STACK_ACT_CREATE);
        add_call(p, (size_t)i, STACK_OP_CREATE_KEY, 0);
        if (s->key_rotation)
            add_call(p, (size_t)i, STACK_OP_ENABLE_KEY_ROTATION, 0);
        add_call(p, (size_t)i, STACK_OP_CREATE_ALIAS, 0);
    }
}

/* A reused at-rest key must already let CloudWatch Logs use it for these
 * log groups: elcui does not edit the policy of a key it does not own. */
static char *reused_policy_gap(struct stack_plan *p, const char *have)
{
    const struct stack_spec *s = &p->spec;
    if (!(s->slow_log || s->engine_log))
        return NULL;
    json_error_t je;
    json_t *doc = have ? json_loads(have, 0, &je) : NULL;
    json_t *n = doc ? norm(doc, NULL) : NULL;
    json_decref(doc);
    char *svc = mem_xasprintf("logs.%s.amazonaws.com", stack_spec_region(s));
    bool ok = false;
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(n, "Statement"), i, st)
    {
        json_t *svcs = json_object_get(json_object_get(st, "Principal"), "Service");
        bool who = false;
        size_t k;
        json_t *x;
        json_array_foreach(svcs, k, x)
        {
            if (json_is_string(x) && strcmp(json_string_value(x), svc) == 0)
                who = true;
        }
        if (!who)
            continue;
        json_t *cond = json_object_get(st, "Condition");
        json_t *arns = json_object_get(json_object_get(cond, "ArnEquals"),
                                       "kms:EncryptionContext:aws:logs:arn");
        if (!arns)
            arns = json_object_get(json_object_get(cond, "ArnLike"),
                                   "kms:EncryptionContext:aws:logs:arn");
        if (!cond) {
            ok = true; /* logs may use it for any group */
            continue;
        }
        bool all = true;
        for (int eng = 0; eng < 2; eng++) {
            if (!(eng ? s->engine_log : s->slow_log))
                continue;
            char *want = stack_spec_log_group_arn(s, p->account, eng);
            bool found = false;
            json_array_foreach(arns, k, x)
            {
                if (json_is_string(x) && strcmp(json_string_value(x), want) == 0)
                    found = true;
            }
            free(want);
            all = all && found;
        }
        if (all)
            ok = true;
    }
    json_decref(n);
    char *gap = NULL;
    if (!ok) {
        json_t *want = stack_spec_rest_key_policy(s, p->account);
        json_t *sts = json_object_get(want, "Statement");
        char *txt = json_dumps(json_array_get(sts, json_array_size(sts) - 1), JSON_COMPACT);
        gap = mem_xasprintf("the reused key's policy does not let %s use it for the log groups; "
                            "add this statement to it: %s",
                            svc, txt ? txt : "");
        free(txt);
        json_decref(want);
    }
    free(svc);
    return gap;
}

static void decide_key_policies(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    for (int w = 0; w < 2; w++) {
        ssize_t i = find_index(p, w ? "kms.secret.policy" : "kms.rest.policy");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        struct stack_resource *key = stack_plan_find(p, w ? "kms.secret" : "kms.rest");
        set_str(&r->id, key->id);
        set_str(&r->arn, key->arn);
        r->ours = key->ours;
        switch (key->action) {
        case STACK_ACT_REUSE: {
            char *gap = w ? NULL : reused_policy_gap(p, q->keys[w].policy);
            if (gap) {
                act(p, r, STACK_ACT_CONFLICT);
                set_reason(r, "%s", gap);
                free(gap);
            } else {
                act(p, r, STACK_ACT_REUSE);
                set_reason(r, q->keys[w].policy ? "the reused key's policy is left as it is"
                                                : "the reused key's policy could not be read; "
                                                  "left as it is");
            }
            break;
        }
        case STACK_ACT_CONFLICT:
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "its key %s is in conflict", key->key);
            break;
        case STACK_ACT_CREATE:
            act(p, r, STACK_ACT_CREATE);
            add_call(p, (size_t)i, STACK_OP_PUT_KEY_POLICY, 0);
            break;
        default: {
            json_t *want = w ? stack_spec_secret_key_policy(&p->spec, p->account)
                             : stack_spec_rest_key_policy(&p->spec, p->account);
            if (policy_same(q->keys[w].policy, want)) {
                act(p, r, STACK_ACT_KEEP);
            } else {
                act(p, r, q->keys[w].policy ? STACK_ACT_CHANGE : STACK_ACT_CREATE);
                if (q->keys[w].policy)
                    set_reason(r, "the key policy differs from the spec's; it is replaced");
                add_call(p, (size_t)i, STACK_OP_PUT_KEY_POLICY, 0);
            }
        }
        }
    }
}

static void decide_log_groups(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    struct stack_resource *key = stack_plan_find(p, "kms.rest");
    for (int eng = 0; eng < 2; eng++) {
        ssize_t i = find_index(p, eng ? "log-group.engine" : "log-group.slow");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        const struct logs_log_group *g = q->lgs[eng];
        if (!g) {
            act(p, r, STACK_ACT_CREATE);
            add_call(p, (size_t)i, STACK_OP_CREATE_LOG_GROUP, 0);
            add_call(p, (size_t)i, STACK_OP_PUT_RETENTION, 0);
            continue;
        }
        set_str(&r->id, g->name);
        set_str(&r->arn, g->log_group_arn ? g->log_group_arn : g->arn);
        if (!g->kms_key_id || !key_matches(g->kms_key_id, key)) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r,
                       "log group %s exists %s%s; elcui cannot prove it is this stack's or change "
                       "its key: delete it or rename names.%s",
                       g->name, g->kms_key_id ? "encrypted with " : "without a KMS key",
                       g->kms_key_id ? g->kms_key_id : "",
                       eng ? "engine_log_group" : "slow_log_group");
            continue;
        }
        r->ours = true;
        if (!g->has_retention_in_days || g->retention_in_days != s->log_retention_days) {
            act(p, r, STACK_ACT_CHANGE);
            set_reason(r, "retention %s -> %d day%s",
                       g->has_retention_in_days ? "changes" : "never expires",
                       s->log_retention_days, s->log_retention_days == 1 ? "" : "s");
            add_call(p, (size_t)i, STACK_OP_PUT_RETENTION, 0);
        } else {
            act(p, r, STACK_ACT_KEEP);
        }
    }
}

static void decide_secret(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = find_index(p, "secret");
    if (i < 0)
        return;
    struct stack_resource *r = &p->res[i];
    const struct secrets_secret *x = q->secret;
    if (x) {
        set_str(&r->id, x->arn);
        set_str(&r->arn, x->arn);
    }
    if (s->reuse_secret) {
        if (!x || x->deleted_date_ms) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "reuse.secret: %s %s", s->reuse_secret,
                       x ? "is scheduled for deletion" : "does not exist");
        } else {
            act(p, r, STACK_ACT_REUSE);
            set_str(&r->priv->token_source, x->arn);
            set_str(&r->priv->existing_kms, x->kms_key_id);
            set_reason(r, "reused secret: its value is the AUTH token");
        }
        return;
    }
    if (!x) {
        act(p, r, STACK_ACT_CREATE);
        add_call(p, (size_t)i, STACK_OP_CREATE_SECRET, 0);
        return;
    }
    if (x->deleted_date_ms) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r,
                   "secret %s is scheduled for deletion; restore it (aws secretsmanager "
                   "restore-secret) or wait until it is gone",
                   x->name ? x->name : r->name);
        return;
    }
    if (!secrets_tag_get(x, STACK_SPEC_TAG_KEY) ||
        strcmp(secrets_tag_get(x, STACK_SPEC_TAG_KEY), s->name) != 0) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r,
                   "secret %s is not tagged %s=%s; rename names.secret or reuse it with "
                   "reuse.secret",
                   r->name, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    struct stack_resource *key = stack_plan_find(p, "kms.secret");
    if (!key_matches(x->kms_key_id, key)) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r, "secret %s is encrypted with %s, not with %s; elcui does not re-encrypt it",
                   r->name, x->kms_key_id ? x->kms_key_id : "aws/secretsmanager",
                   key ? key->name : "the secret key");
        return;
    }
    set_str(&r->priv->token_source, x->arn);
    act(p, r, STACK_ACT_KEEP);
}

static bool log_config_same(const struct stack_spec *s,
                            const struct elasticache_replication_group *g)
{
    int want = (s->slow_log ? 1 : 0) + (s->engine_log ? 1 : 0);
    int have = 0;
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        const struct elasticache_log_delivery *l = &g->log_delivery[i];
        if (l->status && strcmp(l->status, "disabling") == 0)
            continue;
        bool eng = l->log_type && strcmp(l->log_type, "engine-log") == 0;
        bool on = eng ? s->engine_log : s->slow_log;
        const char *grp =
            stack_spec_name(s, eng ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP);
        if (!on || !l->log_group || strcmp(l->log_group, grp) != 0 || !l->log_format ||
            strcmp(l->log_format, s->log_format) != 0 || !l->destination_type ||
            strcmp(l->destination_type, "cloudwatch-logs") != 0)
            return false;
        have++;
    }
    return have == want;
}

/* Tags unreadable (group not available): its subnet group or its key
 * being this stack's, or the journal's record, proves it ours. */
static void prove_group_ours(struct stack_plan_req *q)
{
    if (q->rg_ours || !q->rg_tags_unknown || !q->rg)
        return;
    struct stack_plan *p = q->p;
    struct stack_resource *key = stack_plan_find(p, "kms.rest");
    bool by_key = key && key->ours && q->rg->kms_key_id && key_matches(q->rg->kms_key_id, key);
    bool by_subnets = q->sng && q->sng_ours && q->rg_subnet_group &&
                      strcasecmp(q->rg_subnet_group, q->sng->name) == 0;
    const char *jid = stack_journal_id(q->journal, "replication-group");
    bool by_journal = jid && q->rg->id && strcasecmp(jid, q->rg->id) == 0;
    q->rg_ours = by_key || by_subnets || by_journal;
}

static void decide_group(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = find_index(p, "replication-group");
    struct stack_resource *r = &p->res[i];
    struct stack_resource *sec = stack_plan_find(p, "secret");
    const struct elasticache_replication_group *g = q->rg;
    if (q->pg_missing) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r, "cache.parameter_group: %s does not exist in %s", s->parameter_group,
                   stack_spec_region(s));
        return;
    }
    if (q->pgs && q->pgs->n && q->pgs->items[0].family) {
        const char *fam = stack_validate_engine_family(s->engine, s->engine_version);
        if (fam && strcmp(fam, q->pgs->items[0].family) != 0) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "cache.parameter_group: %s is for %s, the engine needs %s",
                       s->parameter_group, q->pgs->items[0].family, fam);
            return;
        }
    }
    if (!g) {
        act(p, r, STACK_ACT_CREATE);
        if (s->auth_token && sec && sec->action != STACK_ACT_CREATE)
            add_call(p, (size_t)i, STACK_OP_READ_TOKEN, 0);
        add_call(p, (size_t)i, STACK_OP_CREATE_REPLICATION_GROUP, 0);
        add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
        return;
    }
    set_str(&r->id, g->id);
    set_str(&r->arn, g->arn);
    set_str(&r->status, g->status);
    stack_plan_group_endpoint(r, g);
    prove_group_ours(q);
    if (!q->rg_ours) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r,
                   "replication group %s exists and is not tagged %s=%s; rename "
                   "names.replication_group_id",
                   g->id, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    if (g->status &&
        (strcmp(g->status, "deleting") == 0 || strcmp(g->status, "create-failed") == 0)) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r, "replication group %s is %s; wait until it is gone (elcui destroy %s)", g->id,
                   g->status, s->name);
        return;
    }
    /* What elcui cannot change in place. */
    struct buf d;
    buf_init(&d, 0);
    bool cluster = stack_validate_cluster_mode(s);
    int shards = cluster ? s->shards : 1;
    if (g->cache_node_type && strcmp(g->cache_node_type, s->node_type) != 0)
        buf_printf(&d, "%snode type %s (spec %s)", d.len ? ", " : "", g->cache_node_type,
                   s->node_type);
    if (g->n_node_groups && (int)g->n_node_groups != shards)
        buf_printf(&d, "%s%zu shard%s (spec %d)", d.len ? ", " : "", g->n_node_groups,
                   g->n_node_groups == 1 ? "" : "s", shards);
    if (g->n_node_groups && g->node_groups[0].n_members &&
        (int)g->node_groups[0].n_members - 1 != s->replicas)
        buf_printf(&d, "%s%zu replica%s per shard (spec %d)", d.len ? ", " : "",
                   g->node_groups[0].n_members - 1, g->node_groups[0].n_members == 2 ? "" : "s",
                   s->replicas);
    if (g->has_cluster_enabled && g->cluster_enabled != cluster)
        buf_printf(&d, "%scluster mode %s", d.len ? ", " : "", g->cluster_enabled ? "on" : "off");
    if (g->has_at_rest_encryption_enabled && g->at_rest_encryption_enabled != s->at_rest_encryption)
        buf_printf(&d, "%sat-rest encryption %s", d.len ? ", " : "",
                   g->at_rest_encryption_enabled ? "on" : "off");
    if (s->at_rest_encryption && g->kms_key_id &&
        !key_matches(g->kms_key_id, stack_plan_find(p, "kms.rest")))
        buf_printf(&d, "%sencrypted with %s", d.len ? ", " : "", g->kms_key_id);
    if (g->has_transit_encryption_enabled && g->transit_encryption_enabled != s->transit_encryption)
        buf_printf(&d, "%sTLS %s", d.len ? ", " : "", g->transit_encryption_enabled ? "on" : "off");
    if (g->has_auth_token_enabled && g->auth_token_enabled != s->auth_token)
        buf_printf(&d, "%sAUTH %s", d.len ? ", " : "", g->auth_token_enabled ? "on" : "off");
    if (r->port && r->port != s->port)
        buf_printf(&d, "%sport %d (spec %d)", d.len ? ", " : "", r->port, s->port);
    if (d.len) {
        act(p, r, STACK_ACT_CONFLICT);
        set_reason(r,
                   "differs in what elcui does not change in place: %s; fix the spec or "
                   "destroy the stack",
                   buf_str(&d));
        buf_free(&d);
        return;
    }
    /* What ModifyReplicationGroup changes. */
    struct stack_resource_priv *pv = r->priv;
    pv->mod_multi_az = g->multi_az && (strcmp(g->multi_az, "enabled") == 0) != s->multi_az;
    pv->mod_failover = g->automatic_failover &&
                       (strcmp(g->automatic_failover, "enabled") == 0 ||
                        strcmp(g->automatic_failover, "enabling") == 0) != s->automatic_failover;
    pv->mod_logs = !log_config_same(s, g);
    pv->mod_snapshot =
        g->has_snapshot_retention_limit && g->snapshot_retention_limit != s->snapshot_retention;
    pv->mod_description =
        g->description && strcmp(g->description, stack_spec_name(s, STACK_NAME_DESCRIPTION)) != 0;
    if (pv->mod_multi_az)
        buf_printf(&d, "%sMulti-AZ", d.len ? ", " : "");
    if (pv->mod_failover)
        buf_printf(&d, "%sautomatic failover", d.len ? ", " : "");
    if (pv->mod_logs)
        buf_printf(&d, "%slog delivery", d.len ? ", " : "");
    if (pv->mod_snapshot)
        buf_printf(&d, "%sbackup retention", d.len ? ", " : "");
    if (pv->mod_description)
        buf_printf(&d, "%sdescription", d.len ? ", " : "");
    bool busy = !g->status || strcmp(g->status, "available") != 0;
    if (d.len) {
        act(p, r, STACK_ACT_CHANGE);
        set_reason(r, "modify %s, then wait until available", buf_str(&d));
        if (busy)
            add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
        add_call(p, (size_t)i, STACK_OP_MODIFY_REPLICATION_GROUP, 0);
        add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
    } else if (busy) {
        act(p, r, STACK_ACT_KEEP);
        set_reason(r, "status %s: apply waits until it is available", g->status ? g->status : "?");
        add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
    } else {
        act(p, r, STACK_ACT_KEEP);
    }
    buf_free(&d);
}

static const struct ssm_parameter_metadata *param_find(const struct ssm_parameter_metadata_list *l,
                                                       const char *name)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (l->items[i].name && strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

static void decide_params(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    struct stack_resource *rg = stack_plan_find(p, "replication-group");
    struct stack_resource *key = stack_plan_find(p, "kms.rest");
    for (int port = 0; port < 2; port++) {
        ssize_t i = find_index(p, port ? "ssm.port" : "ssm.endpoint");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        const struct ssm_parameter_metadata *m = param_find(q->params, r->name);
        if (!m) {
            act(p, r, STACK_ACT_CREATE);
            add_call(p, (size_t)i, STACK_OP_PUT_PARAMETER, 0);
            continue;
        }
        set_str(&r->id, m->name);
        set_str(&r->arn, m->arn);
        if (!param_find(q->params_ours, r->name)) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "parameter %s exists and is not tagged %s=%s; rename names.ssm_prefix",
                       r->name, STACK_SPEC_TAG_KEY, p->spec.name);
            continue;
        }
        r->ours = true;
        r->priv->overwrite = true;
        const struct ssm_parameter *v =
            q->param_values ? ssm_get_parameters_find(q->param_values, r->name) : NULL;
        char want[32];
        const char *want_v = NULL;
        if (port) {
            snprintf(want, sizeof(want), "%d", rg && rg->port ? rg->port : p->spec.port);
            want_v = want;
        } else if (rg && rg->endpoint && rg->action == STACK_ACT_KEEP) {
            want_v = rg->endpoint;
        }
        bool type_ok = m->type && strcmp(m->type, "SecureString") == 0;
        bool key_ok = key_matches(m->key_id, key);
        bool value_ok = want_v && v && v->value && strcmp(v->value, want_v) == 0;
        if (type_ok && key_ok && value_ok) {
            act(p, r, STACK_ACT_KEEP);
        } else {
            act(p, r, STACK_ACT_CHANGE);
            set_reason(r, "%s",
                       !type_ok  ? "becomes a SecureString"
                       : !key_ok ? "re-encrypted with the at-rest key"
                       : want_v  ? "its value is out of date"
                                 : "rewritten once the group is available");
            add_call(p, (size_t)i, STACK_OP_PUT_PARAMETER, 0);
        }
    }
}

static void decide_policies(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    for (int w = 0; w < 2; w++) {
        ssize_t i = find_index(p, w ? "iam.secret-read" : "iam.ssm-read");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        struct iam_found *f = &q->iam[w];
        if (!f->pol) {
            act(p, r, STACK_ACT_CREATE);
            add_call(p, (size_t)i, STACK_OP_CREATE_POLICY, 0);
            continue;
        }
        set_str(&r->arn, f->pol->arn);
        set_str(&r->id, f->pol->policy_id);
        const char *t = iam_tag_get(f->pol, STACK_SPEC_TAG_KEY);
        if (!t || strcmp(t, s->name) != 0) {
            act(p, r, STACK_ACT_CONFLICT);
            set_reason(r, "IAM policy %s exists and is not tagged %s=%s; rename names.%s", r->name,
                       STACK_SPEC_TAG_KEY, s->name, w ? "secret_policy" : "ssm_policy");
            continue;
        }
        r->ours = true;
        /* The document names ARNs: known only when they exist already. */
        struct stack_resource *a = stack_plan_find(p, w ? "secret" : "kms.rest");
        struct stack_resource *b = stack_plan_find(p, w ? "kms.secret" : "kms.rest");
        bool known = a && a->arn && (!w || (b && b->arn));
        bool same = false;
        if (known && f->doc) {
            json_t *want = w ? stack_spec_secret_read_policy(s, a->arn, b->arn)
                             : stack_spec_ssm_read_policy(s, p->account, a->arn);
            same = policy_same(f->doc, want);
        }
        if (same) {
            act(p, r, STACK_ACT_KEEP);
            continue;
        }
        act(p, r, STACK_ACT_CHANGE);
        set_reason(r, known ? "the document differs: a new default version replaces it"
                            : "the document names resources this apply creates: a new default "
                              "version replaces it");
        size_t nv = f->versions ? f->versions->n : 0;
        if (nv >= 5) {
            /* IAM keeps five versions: drop the oldest non-default one. */
            const struct iam_policy_version *old = NULL;
            for (size_t k = 0; k < nv; k++) {
                const struct iam_policy_version *v = &f->versions->items[k];
                if (!v->is_default_version && (!old || v->create_date_ms < old->create_date_ms))
                    old = v;
            }
            if (old) {
                set_str(&r->priv->old_version, old->version_id);
                add_call(p, (size_t)i, STACK_OP_DELETE_POLICY_VERSION, -1);
            }
        }
        add_call(p, (size_t)i, STACK_OP_CREATE_POLICY_VERSION, 0);
    }
}

/* ---- destroy ---- */

static void gone(struct stack_resource *r, const char *why)
{
    r->action = STACK_ACT_ABSENT;
    if (why)
        set_reason(r, "%s", why);
}

static void skip(struct stack_resource *r, const char *fmt, const char *a)
{
    r->action = STACK_ACT_SKIP;
    set_reason(r, fmt, a ? a : "");
}

static void destroy_decide(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    const json_t *j = q->journal;
    const struct ec2_vpc *v = chosen_vpc(q);
    for (size_t i = 0; i < p->n; i++) {
        struct stack_resource *r = &p->res[i];
        switch (r->kind) {
        case STACK_KIND_VPC:
            if (s->reuse_vpc) {
                if (v)
                    set_str(&r->id, v->vpc_id);
                skip(r, "reused (reuse.vpc %s): never deleted", s->reuse_vpc);
            } else if (q->vpcs && q->vpcs->n > 1) {
                r->action = STACK_ACT_CONFLICT;
                set_reason(r, "%zu VPCs carry %s=%s; delete the extra ones by hand first",
                           q->vpcs->n, STACK_SPEC_TAG_KEY, s->name);
            } else if (v) {
                r->ours = true;
                set_str(&r->id, v->vpc_id);
                set_str(&r->cidr, v->cidr_block);
                r->action = STACK_ACT_DELETE;
                add_call(p, i, STACK_OP_DELETE_VPC, 0);
            } else {
                gone(r, NULL);
            }
            break;
        case STACK_KIND_SUBNET: {
            if (s->n_reuse_subnets) {
                skip(r, "reused (reuse.subnets): never deleted%s", NULL);
                break;
            }
            const struct ec2_subnet *mine = NULL;
            for (size_t k = 0; v && q->subnets && k < q->subnets->n; k++) {
                const struct ec2_subnet *sn = &q->subnets->items[k];
                if (tagged_ours(sn->tags, sn->n_tags, p, r))
                    mine = sn;
            }
            if (mine) {
                r->ours = true;
                set_str(&r->id, mine->subnet_id);
                set_str(&r->zone, mine->availability_zone);
                r->action = STACK_ACT_DELETE;
                add_call(p, i, STACK_OP_DELETE_SUBNET, 0);
            } else {
                gone(r, NULL);
            }
            break;
        }
        case STACK_KIND_ROUTE_TABLE: {
            const struct ec2_route_table *rt = find_route_table(q, v != NULL, r);
            if (!rt) {
                gone(r, NULL);
                break;
            }
            r->ours = true;
            set_str(&r->id, rt->route_table_id);
            r->action = STACK_ACT_DELETE;
            int n = 0;
            for (size_t a = 0; a < rt->n_associations; a++) {
                if (rt->associations[a].main || !rt->associations[a].association_id)
                    continue;
                struct stack_resource_priv *pv = r->priv;
                pv->assoc_ids = mem_xrealloc(pv->assoc_ids, (pv->n_assoc + 1) * sizeof(char *));
                pv->assoc_ids[pv->n_assoc++] = mem_xstrdup(rt->associations[a].association_id);
                add_call(p, i, STACK_OP_DISASSOCIATE_ROUTE_TABLE, n++);
            }
            add_call(p, i, STACK_OP_DELETE_ROUTE_TABLE, 0);
            break;
        }
        case STACK_KIND_DEFAULT_SG:
            if (v)
                skip(r, "goes with the VPC%s", NULL);
            else
                gone(r, NULL);
            break;
        case STACK_KIND_SUBNET_GROUP:
            if (!q->sng)
                gone(r, NULL);
            else if (!q->sng_ours)
                skip(r, "not tagged for this stack: left alone%s", NULL);
            else {
                r->ours = true;
                set_str(&r->id, q->sng->name);
                set_str(&r->arn, q->sng->arn);
                r->action = STACK_ACT_DELETE;
                add_call(p, i, STACK_OP_DELETE_SUBNET_GROUP, 0);
            }
            break;
        case STACK_KIND_SECURITY_GROUP: {
            if (s->reuse_security_group) {
                skip(r, "reused (reuse.security_group %s): never deleted", s->reuse_security_group);
                break;
            }
            const struct ec2_security_group *g = NULL;
            for (size_t k = 0; v && q->sgs && k < q->sgs->n; k++)
                if (q->sgs->items[k].group_name &&
                    strcmp(q->sgs->items[k].group_name, r->name) == 0)
                    g = &q->sgs->items[k];
            if (!g)
                gone(r, NULL);
            else if (!has_tag(g->tags, g->n_tags, STACK_SPEC_TAG_KEY, s->name))
                skip(r, "%s is not tagged for this stack: left alone", g->group_id);
            else {
                r->ours = true;
                set_str(&r->id, g->group_id);
                r->action = STACK_ACT_DELETE;
                add_call(p, i, STACK_OP_DELETE_SECURITY_GROUP, 0);
            }
            break;
        }
        case STACK_KIND_KMS_KEY: {
            int w = r->priv->secret_key;
            struct key_find *k = &q->keys[w];
            if (w ? s->reuse_secret_kms_key != NULL : s->reuse_kms_key != NULL) {
                skip(r, "reused key %s: never deleted", r->name);
                break;
            }
            if (!k->meta) {
                gone(r, NULL);
                break;
            }
            set_str(&r->id, k->meta->key_id);
            set_str(&r->arn, k->meta->arn);
            set_str(&r->status, k->meta->key_state);
            if (!k->ours) {
                skip(r, "key %s is not tagged for this stack: left alone", k->meta->key_id);
                break;
            }
            r->ours = true;
            bool pending = k->meta->key_state && strcmp(k->meta->key_state, "PendingDeletion") == 0;
            if (!k->via_tag)
                add_call(p, i, STACK_OP_DELETE_ALIAS, 0);
            if (!pending)
                add_call(p, i, STACK_OP_SCHEDULE_KEY_DELETION, 0);
            if (r->n_calls)
                r->action = STACK_ACT_DELETE;
            else
                gone(r, "pending deletion");
            break;
        }
        case STACK_KIND_KEY_POLICY: {
            struct stack_resource *key =
                stack_plan_find(p, r->priv->secret_key ? "kms.secret" : "kms.rest");
            if (key && key->id)
                skip(r, "goes with the key%s", NULL);
            else
                gone(r, NULL);
            break;
        }
        case STACK_KIND_LOG_GROUP: {
            int w = r->priv->engine_log;
            const struct logs_log_group *g = q->lgs[w];
            struct stack_resource *key = stack_plan_find(p, "kms.rest");
            if (!g) {
                gone(r, NULL);
                break;
            }
            set_str(&r->id, g->name);
            if (q->lg_tags[w]) {
                /* the tags were listed: elcui:stack decides, as for the rest */
                const char *t = logs_tag_get(q->lg_tags[w], STACK_SPEC_TAG_KEY);
                if (!t || strcmp(t, s->name) != 0) {
                    skip(r, "log group %s is not tagged for this stack: left alone", g->name);
                    break;
                }
            } else if (!(key && key->ours && g->kms_key_id && key_matches(g->kms_key_id, key)) &&
                       !(j && stack_journal_id(j, r->key))) {
                /* Its tags could not be listed: the stack's own key (or the
                 * journal's record of creating it) proves it is ours. */
                r->action = STACK_ACT_SKIP;
                set_reason(r,
                           "log group %s is not provably this stack's (its tags could not be "
                           "listed: %s; not encrypted with its key): left alone",
                           g->name, q->lg_tags_error[w] ? q->lg_tags_error[w] : "no answer");
                break;
            }
            r->ours = true;
            r->action = STACK_ACT_DELETE;
            add_call(p, i, STACK_OP_DELETE_LOG_GROUP, 0);
            break;
        }
        case STACK_KIND_SECRET: {
            const struct secrets_secret *x = q->secret;
            if (s->reuse_secret) {
                skip(r, "reused secret %s: never deleted", s->reuse_secret);
                break;
            }
            if (!x) {
                gone(r, NULL);
                break;
            }
            set_str(&r->id, x->arn);
            set_str(&r->arn, x->arn);
            const char *t = secrets_tag_get(x, STACK_SPEC_TAG_KEY);
            if (!t || strcmp(t, s->name) != 0) {
                skip(r, "secret %s is not tagged for this stack: left alone", x->name);
                break;
            }
            r->ours = true;
            if (x->deleted_date_ms) {
                gone(r, "scheduled for deletion");
                break;
            }
            r->action = STACK_ACT_DELETE;
            add_call(p, i, STACK_OP_DELETE_SECRET, 0);
            break;
        }
        case STACK_KIND_REPLICATION_GROUP: {
            const struct elasticache_replication_group *g = q->rg;
            if (!g) {
                gone(r, NULL);
                break;
            }
            set_str(&r->id, g->id);
            set_str(&r->arn, g->arn);
            set_str(&r->status, g->status);
            prove_group_ours(q);
            if (!q->rg_ours) {
                skip(r, "replication group %s is not tagged for this stack: left alone", g->id);
                break;
            }
            r->ours = true;
            r->action = STACK_ACT_DELETE;
            if (!g->status || strcmp(g->status, "deleting") != 0)
                add_call(p, i, STACK_OP_DELETE_REPLICATION_GROUP, 0);
            add_call(p, i, STACK_OP_WAIT_GONE, 0);
            break;
        }
        case STACK_KIND_SSM_PARAMETER: {
            const struct ssm_parameter_metadata *m = param_find(q->params, r->name);
            if (!m) {
                gone(r, NULL);
                break;
            }
            set_str(&r->id, m->name);
            set_str(&r->arn, m->arn);
            if (!param_find(q->params_ours, r->name)) {
                skip(r, "parameter %s is not tagged for this stack: left alone", m->name);
                break;
            }
            r->ours = true;
            r->action = STACK_ACT_DELETE;
            add_call(p, i, STACK_OP_DELETE_PARAMETER, 0);
            break;
        }
        case STACK_KIND_IAM_POLICY: {
            struct iam_found *f = &q->iam[r->priv->secret_policy];
            if (!f->pol) {
                gone(r, NULL);
                break;
            }
            set_str(&r->arn, f->pol->arn);
            set_str(&r->id, f->pol->policy_id);
            const char *t = iam_tag_get(f->pol, STACK_SPEC_TAG_KEY);
            if (!t || strcmp(t, s->name) != 0) {
                skip(r, "IAM policy %s is not tagged for this stack: left alone", r->name);
                break;
            }
            r->ours = true;
            if (f->attached) {
                r->action = STACK_ACT_CONFLICT;
                set_reason(r, "IAM policy %s is attached to %s; detach it first", r->name,
                           f->attached_to);
                break;
            }
            r->action = STACK_ACT_DELETE;
            for (size_t k = 0; f->versions && k < f->versions->n; k++) {
                const struct iam_policy_version *ver = &f->versions->items[k];
                if (ver->is_default_version || !ver->version_id)
                    continue;
                struct stack_resource_priv *pv = r->priv;
                pv->versions = mem_xrealloc(pv->versions, (pv->n_versions + 1) * sizeof(char *));
                pv->versions[pv->n_versions] = mem_xstrdup(ver->version_id);
                add_call(p, i, STACK_OP_DELETE_POLICY_VERSION, (int)pv->n_versions++);
            }
            add_call(p, i, STACK_OP_DELETE_POLICY, 0);
            break;
        }
        }
    }
}

/* ---- finishing ---- */

static void count(struct stack_plan *p)
{
    p->n_create = p->n_keep = p->n_change = p->n_conflict = 0;
    p->n_reuse = p->n_delete = p->n_absent = p->n_skip = 0;
    for (size_t i = 0; i < p->n; i++)
        switch (p->res[i].action) {
        case STACK_ACT_CREATE:
            p->n_create++;
            break;
        case STACK_ACT_KEEP:
            p->n_keep++;
            break;
        case STACK_ACT_CHANGE:
            p->n_change++;
            break;
        case STACK_ACT_CONFLICT:
            p->n_conflict++;
            break;
        case STACK_ACT_REUSE:
            p->n_reuse++;
            break;
        case STACK_ACT_DELETE:
            p->n_delete++;
            break;
        case STACK_ACT_ABSENT:
            p->n_absent++;
            break;
        case STACK_ACT_SKIP:
            p->n_skip++;
            break;
        }
}

static void plan_finish(struct stack_plan_req *q)
{
    struct stack_plan *p = q->p;
    if (q->failed) {
        stack_plan_cb cb = q->cb;
        void *arg = q->arg;
        struct aws_error e;
        aws_error_init(&e);
        aws_error_copy(&e, &q->err);
        stack_plan_free(p);
        req_free(q);
        cb(NULL, &e, arg);
        aws_error_clear(&e);
        return;
    }
    if (p->mode == STACK_PLAN_APPLY) {
        pick_zones(q);
        decide_vpc(q);
        decide_subnets(q);
        decide_route_tables(q);
        decide_default_sg(q);
        decide_subnet_group(q);
        decide_security_group(q);
        decide_keys(q);
        decide_key_policies(q);
        decide_log_groups(q);
        decide_secret(q);
        decide_group(q);
        decide_params(q);
        decide_policies(q);
        if (q->pgs && q->pgs->n && q->pgs->items[0].family &&
            !stack_validate_parameter_group_family(p->spec.parameter_group, NULL))
            add_note(p, "parameter group %s: family %s (checked in %s)", p->spec.parameter_group,
                     q->pgs->items[0].family, stack_spec_region(&p->spec));
    } else {
        destroy_decide(q);
        reverse_deps(p);
    }
    for (size_t i = 0; i < p->n; i++)
        stack_plan_describe_calls(p, i);
    count(p);
    stack_plan_cb cb = q->cb;
    void *arg = q->arg;
    req_free(q);
    cb(p, NULL, arg);
}

bool stack_plan_is_noop(const struct stack_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        enum stack_action a = p->res[i].action;
        if (a == STACK_ACT_CREATE || a == STACK_ACT_CHANGE || a == STACK_ACT_DELETE ||
            a == STACK_ACT_CONFLICT || p->res[i].n_calls)
            return false;
    }
    return true;
}

/* ---- output ---- */

char *stack_plan_format(const struct stack_plan *p, bool with_calls)
{
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "%s of stack %s in %s (account %s)\n",
               p->mode == STACK_PLAN_DESTROY ? "Destroy plan" : "Plan", p->spec.name,
               stack_spec_region(&p->spec), p->account ? p->account : "?");
    for (size_t i = 0; i < p->n; i++) {
        const struct stack_resource *r = &p->res[i];
        buf_printf(&b, "\n  %-8s %-22s %s", stack_plan_action_name(r->action), r->key, r->name);
        if (r->id && strcmp(r->id, r->name) != 0)
            buf_printf(&b, " (%s)", r->id);
        buf_appendc(&b, '\n');
        buf_printf(&b, "           step %d, %s", r->step, stack_plan_kind_name(r->kind));
        if (r->zone)
            buf_printf(&b, ", %s", r->zone);
        if (r->cidr && r->kind == STACK_KIND_SUBNET)
            buf_printf(&b, ", %s", r->cidr);
        if (r->n_deps) {
            buf_appends(&b, p->mode == STACK_PLAN_DESTROY ? ", after " : ", needs ");
            for (size_t k = 0; k < r->n_deps; k++)
                buf_printf(&b, "%s%s", k ? " " : "", p->res[r->deps[k]].key);
        }
        buf_appendc(&b, '\n');
        if (r->reason)
            buf_printf(&b, "           %s\n", r->reason);
        for (size_t k = 0; with_calls && k < r->n_calls; k++) {
            const struct stack_call *c = &r->calls[k];
            buf_printf(&b, "           -> %s %s\n", c->service, c->operation);
            const char *t = c->text ? c->text : "";
            /* query parameters one per line, without Action/Version */
            while (*t) {
                size_t n = strcspn(t, "\n");
                if (strncmp(t, "Action=", 7) != 0 && strncmp(t, "Version=", 8) != 0)
                    buf_printf(&b, "                %.*s\n", (int)n, t);
                t += n;
                if (*t == '\n')
                    t++;
            }
        }
    }
    for (size_t i = 0; i < p->n_notes; i++)
        buf_printf(&b, "\n  note: %s\n", p->notes[i]);
    if (p->mode == STACK_PLAN_DESTROY)
        buf_printf(&b, "\n%zu to delete, %zu already gone, %zu left alone, %zu in conflict.\n",
                   p->n_delete, p->n_absent, p->n_skip, p->n_conflict);
    else
        buf_printf(&b,
                   "\n%zu to create, %zu to change, %zu to keep, %zu reused, %zu in conflict.\n",
                   p->n_create, p->n_change, p->n_keep, p->n_reuse, p->n_conflict);
    return buf_steal(&b);
}

json_t *stack_plan_to_json(const struct stack_plan *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "stack", json_string(p->spec.name));
    json_object_set_new(o, "region", json_string(stack_spec_region(&p->spec)));
    json_object_set_new(o, "account", p->account ? json_string(p->account) : json_null());
    json_object_set_new(o, "mode",
                        json_string(p->mode == STACK_PLAN_DESTROY ? "destroy" : "apply"));
    json_t *z = json_array();
    for (size_t i = 0; i < p->n_zones; i++)
        json_array_append_new(z, json_string(p->zones[i]));
    json_object_set_new(o, "zones", z);
    json_t *sum = json_object();
    if (p->mode == STACK_PLAN_DESTROY) {
        json_object_set_new(sum, "delete", json_integer((json_int_t)p->n_delete));
        json_object_set_new(sum, "absent", json_integer((json_int_t)p->n_absent));
        json_object_set_new(sum, "skip", json_integer((json_int_t)p->n_skip));
    } else {
        json_object_set_new(sum, "create", json_integer((json_int_t)p->n_create));
        json_object_set_new(sum, "change", json_integer((json_int_t)p->n_change));
        json_object_set_new(sum, "keep", json_integer((json_int_t)p->n_keep));
        json_object_set_new(sum, "reuse", json_integer((json_int_t)p->n_reuse));
    }
    json_object_set_new(sum, "conflict", json_integer((json_int_t)p->n_conflict));
    json_object_set_new(o, "summary", sum);
    json_object_set_new(o, "noop", json_boolean(stack_plan_is_noop(p)));
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const struct stack_resource *r = &p->res[i];
        json_t *x = json_object();
        json_object_set_new(x, "key", json_string(r->key));
        json_object_set_new(x, "type", json_string(stack_plan_kind_name(r->kind)));
        json_object_set_new(x, "step", json_integer(r->step));
        json_object_set_new(x, "name", json_string(r->name));
        json_object_set_new(x, "action", json_string(stack_plan_action_name(r->action)));
        if (r->reason)
            json_object_set_new(x, "reason", json_string(r->reason));
        json_object_set_new(x, "ours", json_boolean(r->ours));
        if (r->id)
            json_object_set_new(x, "id", json_string(r->id));
        if (r->arn)
            json_object_set_new(x, "arn", json_string(r->arn));
        if (r->cidr)
            json_object_set_new(x, "cidr", json_string(r->cidr));
        if (r->zone)
            json_object_set_new(x, "zone", json_string(r->zone));
        if (r->status)
            json_object_set_new(x, "status", json_string(r->status));
        if (r->endpoint)
            json_object_set_new(x, "endpoint", json_string(r->endpoint));
        json_t *d = json_array();
        for (size_t k = 0; k < r->n_deps; k++)
            json_array_append_new(d, json_string(p->res[r->deps[k]].key));
        json_object_set_new(x, p->mode == STACK_PLAN_DESTROY ? "after" : "depends_on", d);
        json_t *calls = json_array();
        for (size_t k = 0; k < r->n_calls; k++) {
            const struct stack_call *c = &r->calls[k];
            json_t *cj = json_object();
            json_object_set_new(cj, "service", json_string(c->service));
            json_object_set_new(cj, "operation", json_string(c->operation));
            json_object_set_new(cj, "parameters",
                                c->params ? json_deep_copy(c->params) : json_object());
            json_array_append_new(calls, cj);
        }
        json_object_set_new(x, "calls", calls);
        json_array_append_new(arr, x);
    }
    json_object_set_new(o, "resources", arr);
    json_t *notes = json_array();
    for (size_t i = 0; i < p->n_notes; i++)
        json_array_append_new(notes, json_string(p->notes[i]));
    json_object_set_new(o, "notes", notes);
    return o;
}
