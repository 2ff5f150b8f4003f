/* audit_gather.c - the facts of a live group, gathered on the loop. */
#include "core/stack/audit_gather.h"

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
#include "core/model/model.h"
#include "core/stack/audit_facts.h"
#include "core/model/placement.h"
#include "core/stack/stack_validate.h"

struct audit_op {
    struct audit_req *r;
    struct aws_call *call;
    struct audit_op *next;
    struct audit_op *prev;
    size_t idx;
    bool flag;
};

struct audit_req {
    struct aws_client *c;
    audit_gather_cb cb;
    void *arg;
    struct audit_facts *f;
    struct stack_spec spec;
    bool have_spec;
    bool spec_ready;
    int64_t now_ms;
    struct audit_op *ops;
    size_t pending;
    bool sgs_listed; /* the group named its security groups */
    struct elasticache_replication_group_list *rgl;
    struct elasticache_cache_cluster_list *ccl;
    /* the roles from Redis */
    struct observe *ob;
    struct loop *loop;
    struct loop_timer *redis_timer;
    uint64_t redis_timeout_ms;
    bool observed, redis_late;
};

static struct audit_op *audit_op_new(struct audit_req *r, size_t idx)
{
    struct audit_op *op = mem_xcalloc(1, sizeof(*op));
    op->r = r;
    op->idx = idx;
    op->next = r->ops;
    if (r->ops)
        r->ops->prev = op;
    r->ops = op;
    r->pending++;
    r->f->requests++;
    return op;
}

static void audit_op_unlink(struct audit_op *op)
{
    struct audit_req *r = op->r;
    if (op->prev)
        op->prev->next = op->next;
    else
        r->ops = op->next;
    if (op->next)
        op->next->prev = op->prev;
    r->pending--;
}

/* End of an op's callback: unlink it and return its request. */
static struct audit_req *audit_op_end(struct audit_op *op, size_t *idx, bool *flag)
{
    struct audit_req *r = op->r;
    if (idx)
        *idx = op->idx;
    if (flag)
        *flag = op->flag;
    audit_op_unlink(op);
    free(op);
    return r;
}

/* A call that could not even start (only with a NULL client). */
static void audit_op_started(struct audit_op *op, struct aws_call *call)
{
    op->call = call;
    if (!call) {
        audit_facts_note(op->r->f, "an AWS call could not be started");
        audit_op_unlink(op);
        free(op);
    }
}

static char *audit_err_text(const struct aws_error *err)
{
    return aws_error_format(err);
}

static void audit_req_free(struct audit_req *r)
{
    while (r->ops) {
        struct audit_op *op = r->ops;
        r->ops = op->next;
        if (op->call)
            aws_call_cancel(op->call);
        free(op);
    }
    if (r->f) {
        audit_facts_free(r->f);
        free(r->f);
    }
    if (r->spec_ready)
        stack_spec_free(&r->spec);
    elasticache_replication_group_list_free(r->rgl);
    elasticache_cache_cluster_list_free(r->ccl);
    if (r->redis_timer)
        loop_untimer(r->loop, r->redis_timer);
    observe_free(r->ob);
    free(r);
}

void audit_gather_cancel(struct audit_req *r)
{
    if (r)
        audit_req_free(r);
}

static const struct elasticache_replication_group *audit_rg(const struct audit_req *r)
{
    if (!r->rgl)
        return NULL;
    for (size_t i = 0; i < r->rgl->n; i++)
        if (r->rgl->items[i].id && r->f->rg_id && strcasecmp(r->rgl->items[i].id, r->f->rg_id) == 0)
            return &r->rgl->items[i];
    return NULL;
}

static enum audit_severity audit_from_placement(enum placement_severity s)
{
    switch (s) {
    case PLACEMENT_CRITICAL:
        return AUDIT_SEV_HIGH;
    case PLACEMENT_WARNING:
        return AUDIT_SEV_MEDIUM;
    case PLACEMENT_INFO:
        break;
    }
    return AUDIT_SEV_INFO;
}

static void audit_placement(struct audit_req *r)
{
    const struct elasticache_replication_group *rg = audit_rg(r);
    struct audit_facts *f = r->f;
    if (!rg)
        return;
    struct model_group *g = model_group_from_api(rg, r->ccl, r->now_ms);
    if (!g) {
        f->placement_error = mem_xstrdup("the group's nodes could not be modelled");
        return;
    }
    if (r->ob) {
        /* the roles Redis reports, as show has them */
        if (r->redis_late && observe_state(r->ob) != OBSERVE_S_UNREACHABLE) {
            char why[900];
            snprintf(why, sizeof(why), "no answer within %.1f s (%s)",
                     (double)r->redis_timeout_ms / 1000.0,
                     observe_reason(r->ob)[0] ? observe_reason(r->ob) : "asking the nodes");
            model_group_set_redis_error(g, why, r->now_ms);
        } else {
            observe_merge(r->ob, g);
        }
        if (g->redis_error)
            audit_facts_note(f,
                             "Redis could not be asked for the roles (%s): placement checks "
                             "rest on the API's roles or the node names",
                             g->redis_error);
    }
    struct placement *p = placement_build(g, r->now_ms);
    f->placement_known = true;
    for (size_t i = 0; i < p->n_azs; i++)
        if (p->azs[i].name && strcmp(p->azs[i].name, "?") != 0)
            f->n_azs++;
    for (size_t i = 0; i < p->n_flags; i++) {
        const struct placement_flag *fl = &p->flags[i];
        /* Multi-AZ and failover have their own rules */
        if (strcmp(fl->id, "multi-az-off") == 0 || strcmp(fl->id, "auto-failover-off") == 0)
            continue;
        audit_facts_flag(f, fl->id, audit_from_placement(fl->severity), fl->text ? fl->text : "");
    }
    placement_free(p);
    model_group_unref(g);
}

static void audit_maybe_finish(struct audit_req *r)
{
    if (r->pending || (r->ob && !r->observed))
        return;
    audit_placement(r);
    struct audit_facts *f = r->f;
    r->f = NULL;
    audit_gather_cb cb = r->cb;
    void *arg = r->arg;
    audit_req_free(r);
    cb(f, NULL, arg);
}

static void audit_fatal(struct audit_req *r, const struct aws_error *err)
{
    audit_gather_cb cb = r->cb;
    void *arg = r->arg;
    audit_req_free(r);
    cb(NULL, err, arg);
}

/* ---- keys ---- */

static void audit_on_rotation(struct kms_key_rotation_status_out *out, const struct aws_error *err,
                              void *arg)
{
    size_t idx;
    struct audit_req *r = audit_op_end(arg, &idx, NULL);
    struct audit_key *k = &r->f->keys[idx];
    if (out) {
        k->rotation = audit_facts_tri(out->key_rotation_enabled);
        kms_key_rotation_status_out_free(out);
    } else if (!k->error) {
        k->error = audit_err_text(err);
    }
    audit_maybe_finish(r);
}

static void audit_on_key_policy(struct kms_key_policy_out *out, const struct aws_error *err,
                                void *arg)
{
    size_t idx;
    struct audit_req *r = audit_op_end(arg, &idx, NULL);
    struct audit_key *k = &r->f->keys[idx];
    if (out) {
        k->policy = out->policy ? mem_xstrdup(out->policy) : NULL;
        kms_key_policy_out_free(out);
    } else if (!k->error) {
        k->error = audit_err_text(err);
    }
    audit_maybe_finish(r);
}

static void audit_on_key(struct kms_key_out *out, const struct aws_error *err, void *arg)
{
    size_t idx;
    struct audit_req *r = audit_op_end(arg, &idx, NULL);
    struct audit_key *k = &r->f->keys[idx];
    if (!out) {
        k->error = audit_err_text(err);
        audit_maybe_finish(r);
        return;
    }
    k->arn = mem_xstrdup(out->key.arn);
    k->manager = mem_xstrdup(out->key.key_manager);
    k->state = mem_xstrdup(out->key.key_state);
    bool customer = out->key.key_manager && strcmp(out->key.key_manager, "CUSTOMER") == 0;
    const char *id = out->key.arn ? out->key.arn : k->ref;
    if (customer) {
        struct kms_get_key_rotation_status_in ri = {.key_id = id};
        struct audit_op *op = audit_op_new(r, idx);
        audit_op_started(op, kms_get_key_rotation_status(r->c, &ri, audit_on_rotation, op));
        struct kms_get_key_policy_in pi = {.key_id = id};
        op = audit_op_new(r, idx);
        audit_op_started(op, kms_get_key_policy(r->c, &pi, audit_on_key_policy, op));
    }
    kms_key_out_free(out);
    audit_maybe_finish(r);
}

/* Describe a key once per reference. */
static void audit_lookup_key(struct audit_req *r, const char *ref)
{
    if (!ref || !*ref)
        return;
    for (size_t i = 0; i < r->f->n_keys; i++)
        if (strcmp(r->f->keys[i].ref, ref) == 0)
            return;
    audit_facts_add_key(r->f, ref);
    size_t idx = r->f->n_keys - 1;
    if (strncmp(ref, "alias/aws/", 10) == 0) {
        r->f->keys[idx].manager = mem_xstrdup("AWS");
        return;
    }
    struct kms_describe_key_in in = {.key_id = ref};
    struct audit_op *op = audit_op_new(r, idx);
    audit_op_started(op, kms_describe_key(r->c, &in, audit_on_key, op));
}

/* ---- log groups ---- */

static void audit_on_log_groups(struct logs_log_group_list *out, const struct aws_error *err,
                                void *arg)
{
    size_t idx;
    struct audit_req *r = audit_op_end(arg, &idx, NULL);
    struct audit_log_delivery *l = &r->f->logs[idx];
    if (!out) {
        l->error = audit_err_text(err);
        audit_maybe_finish(r);
        return;
    }
    l->found = AUDIT_TRI_NO;
    for (size_t i = 0; i < out->n; i++) {
        const struct logs_log_group *g = &out->items[i];
        if (!g->name || strcmp(g->name, l->destination) != 0)
            continue;
        l->found = AUDIT_TRI_YES;
        char a[1024];
        audit_arn_norm(g->log_group_arn ? g->log_group_arn : g->arn, a, sizeof(a));
        l->arn = a[0] ? mem_xstrdup(a) : NULL;
        l->has_retention = g->has_retention_in_days;
        l->retention_days = g->retention_in_days;
        l->kms_key = mem_xstrdup(g->kms_key_id);
    }
    char *kms = l->kms_key ? mem_xstrdup(l->kms_key) : NULL;
    logs_log_group_list_free(out);
    audit_lookup_key(r, kms);
    free(kms);
    audit_maybe_finish(r);
}

/* ---- network ---- */

static void audit_on_sgs(struct ec2_security_group_list *out, const struct aws_error *err,
                         void *arg)
{
    bool is_default;
    struct audit_req *r = audit_op_end(arg, NULL, &is_default);
    struct audit_facts *f = r->f;
    if (!out) {
        char *e = audit_err_text(err);
        free(f->network_error);
        f->network_error = mem_xasprintf("could not read the security groups: %s", e);
        free(e);
        audit_maybe_finish(r);
        return;
    }
    for (size_t i = 0; i < out->n; i++) {
        const struct ec2_security_group *s = &out->items[i];
        struct audit_sg *g = audit_facts_add_sg(f);
        g->id = mem_xstrdup(s->group_id);
        g->name = mem_xstrdup(s->group_name);
        g->is_default = is_default;
        for (size_t j = 0; j < s->n_ingress; j++) {
            const struct ec2_ip_permission *ip = &s->ingress[j];
            struct audit_permission *p = audit_facts_add_perm(g);
            p->protocol = mem_xstrdup(ip->ip_protocol ? ip->ip_protocol : "-1");
            p->has_ports = ip->has_ports && strcmp(p->protocol, "-1") != 0;
            p->from_port = ip->from_port;
            p->to_port = ip->to_port;
            for (size_t k = 0; k < ip->n_ip_ranges; k++)
                audit_facts_perm_source(p, ip->ip_ranges[k].cidr);
            for (size_t k = 0; k < ip->n_ipv6_ranges; k++)
                audit_facts_perm_source(p, ip->ipv6_ranges[k].cidr);
            for (size_t k = 0; k < ip->n_groups; k++)
                audit_facts_perm_source(p, ip->groups[k].group_id);
            for (size_t k = 0; k < ip->n_prefix_list_ids; k++)
                audit_facts_perm_source(p, ip->prefix_list_ids[k]);
        }
    }
    if (!out->n && is_default && !f->network_error)
        f->network_error = mem_xstrdup("the group names no security group and the VPC's "
                                       "default group was not found");
    ec2_security_group_list_free(out);
    audit_maybe_finish(r);
}

static void audit_describe_sgs(struct audit_req *r, const char *const *ids, size_t n,
                               const char *default_of_vpc)
{
    struct ec2_describe_security_groups_in in = {.group_ids = ids, .n_group_ids = n};
    const char *vpc[1] = {default_of_vpc};
    const char *def[1] = {"default"};
    struct ec2_filter flt[2] = {{"vpc-id", vpc, 1}, {"group-name", def, 1}};
    if (default_of_vpc) {
        in.group_ids = NULL;
        in.n_group_ids = 0;
        in.filters = flt;
        in.n_filters = 2;
    }
    struct audit_op *op = audit_op_new(r, 0);
    op->flag = default_of_vpc != NULL;
    audit_op_started(op, ec2_describe_security_groups(r->c, &in, audit_on_sgs, op));
}

static void audit_on_subnet_group(struct elasticache_cache_subnet_group_list *out,
                                  const struct aws_error *err, void *arg)
{
    struct audit_req *r = audit_op_end(arg, NULL, NULL);
    struct audit_facts *f = r->f;
    if (!out) {
        char *e = audit_err_text(err);
        if (!f->network_error)
            f->network_error = mem_xasprintf("could not read the subnet group: %s", e);
        free(e);
        audit_maybe_finish(r);
        return;
    }
    if (out->n && out->items[0].vpc_id && *out->items[0].vpc_id)
        f->vpc_id = mem_xstrdup(out->items[0].vpc_id);
    for (size_t i = 0; out->n && i < out->items[0].n_subnets; i++)
        audit_facts_add_tag(&f->subnets, &f->n_subnets, out->items[0].subnets[i].id,
                            out->items[0].subnets[i].availability_zone);
    elasticache_cache_subnet_group_list_free(out);
    if (!r->sgs_listed) {
        if (f->vpc_id)
            audit_describe_sgs(r, NULL, 0, f->vpc_id);
        else if (!f->network_error)
            f->network_error = mem_xstrdup("the group names no security group and its VPC is "
                                           "not known");
    }
    audit_maybe_finish(r);
}

static bool audit_parse_long(const char *s, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end)
        return false;
    *out = v;
    return true;
}

static void audit_on_parameters(struct elasticache_cache_parameter_list *out,
                                const struct aws_error *err, void *arg)
{
    struct audit_req *r = audit_op_end(arg, NULL, NULL);
    struct audit_facts *f = r->f;
    if (!out) {
        f->parameters_error = audit_err_text(err);
        audit_maybe_finish(r);
        return;
    }
    const struct elasticache_cache_parameter *p =
        elasticache_cache_parameter_find(out, "slowlog-max-len");
    if (p && audit_parse_long(p->value, &f->slowlog_max_len))
        f->has_slowlog_max_len = true;
    p = elasticache_cache_parameter_find(out, "slowlog-log-slower-than");
    if (p && audit_parse_long(p->value, &f->slowlog_slower_than))
        f->has_slowlog_slower_than = true;
    if (!f->has_slowlog_max_len && !f->has_slowlog_slower_than)
        f->parameters_error = mem_xstrdup("the parameter group lists no slow-log settings");
    elasticache_cache_parameter_list_free(out);
    audit_maybe_finish(r);
}

static void audit_on_clusters(struct elasticache_cache_cluster_list *out,
                              const struct aws_error *err, void *arg)
{
    struct audit_req *r = audit_op_end(arg, NULL, NULL);
    struct audit_facts *f = r->f;
    if (!out) {
        char *e = audit_err_text(err);
        f->network_error = mem_xasprintf("could not describe the member clusters: %s", e);
        f->parameters_error = mem_xasprintf("could not describe the member clusters: %s", e);
        free(e);
        audit_maybe_finish(r);
        return;
    }
    r->ccl = out;
    const struct elasticache_cache_cluster *cc = out->n ? &out->items[0] : NULL;
    if (!cc) {
        f->network_error = mem_xstrdup("no member cluster found");
        audit_maybe_finish(r);
        return;
    }
    if (!f->engine_version)
        f->engine_version = mem_xstrdup(cc->engine_version);
    if (!f->engine)
        f->engine = mem_xstrdup(cc->engine);
    f->parameter_group = mem_xstrdup(cc->cache_parameter_group_name);
    f->subnet_group = mem_xstrdup(cc->cache_subnet_group_name);
    if (f->port <= 0)
        for (size_t i = 0; i < cc->n_nodes && f->port <= 0; i++)
            f->port = cc->nodes[i].endpoint.port;
    if (f->auto_minor == AUDIT_TRI_UNKNOWN && cc->has_auto_minor_version_upgrade)
        f->auto_minor = audit_facts_tri(cc->auto_minor_version_upgrade);
    if (cc->n_security_groups) {
        r->sgs_listed = true;
        const char **ids = mem_xcalloc(cc->n_security_groups, sizeof(*ids));
        f->sg_ids = mem_xcalloc(cc->n_security_groups, sizeof(char *));
        for (size_t i = 0; i < cc->n_security_groups; i++) {
            ids[i] = cc->security_groups[i].id;
            f->sg_ids[f->n_sg_ids++] = mem_xstrdup(ids[i] ? ids[i] : "");
        }
        audit_describe_sgs(r, ids, cc->n_security_groups, NULL);
        free(ids);
    }
    if (f->subnet_group) {
        struct elasticache_describe_cache_subnet_groups_in in = {.name = f->subnet_group};
        struct audit_op *op = audit_op_new(r, 0);
        audit_op_started(
            op, elasticache_describe_cache_subnet_groups(r->c, &in, audit_on_subnet_group, op));
    } else if (!r->sgs_listed) {
        f->network_error = mem_xstrdup("the group names neither a subnet group nor security "
                                       "groups");
    }
    if (f->parameter_group) {
        struct elasticache_describe_cache_parameters_in in = {.group_name = f->parameter_group};
        struct audit_op *op = audit_op_new(r, 0);
        audit_op_started(op,
                         elasticache_describe_cache_parameters(r->c, &in, audit_on_parameters, op));
    }
    audit_maybe_finish(r);
}

/* ---- the stack: secret, parameters, policies ---- */

static void audit_on_secret(struct secrets_describe_secret_out *out, const struct aws_error *err,
                            void *arg)
{
    struct audit_req *r = audit_op_end(arg, NULL, NULL);
    struct audit_secret *s = &r->f->secret;
    if (!out) {
        if (aws_error_is(err, "ResourceNotFoundException"))
            s->found = AUDIT_TRI_NO;
        else
            s->error = audit_err_text(err);
        audit_maybe_finish(r);
        return;
    }
    s->found = out->secret.deleted_date_ms ? AUDIT_TRI_NO : AUDIT_TRI_YES;
    s->arn = mem_xstrdup(out->secret.arn);
    s->kms_key = mem_xstrdup(out->secret.kms_key_id);
    s->rotation = audit_facts_tri(out->secret.rotation_enabled);
    secrets_describe_secret_out_free(out);
    if (s->found == AUDIT_TRI_YES && s->kms_key) {
        char *k = mem_xstrdup(s->kms_key);
        audit_lookup_key(r, k);
        free(k);
    }
    audit_maybe_finish(r);
}

static void audit_on_describe_parameters(struct ssm_parameter_metadata_list *out,
                                         const struct aws_error *err, void *arg)
{
    struct audit_req *r = audit_op_end(arg, NULL, NULL);
    struct audit_facts *f = r->f;
    if (!out) {
        for (size_t i = 0; i < f->n_params; i++)
            f->params[i].error = audit_err_text(err);
        audit_maybe_finish(r);
        return;
    }
    for (size_t i = 0; i < f->n_params; i++) {
        struct audit_parameter *p = &f->params[i];
        p->found = AUDIT_TRI_NO;
        for (size_t j = 0; j < out->n; j++) {
            if (!out->items[j].name || strcmp(out->items[j].name, p->name) != 0)
                continue;
            p->found = AUDIT_TRI_YES;
            p->type = mem_xstrdup(out->items[j].type);
            p->key_id = mem_xstrdup(out->items[j].key_id);
        }
    }
    ssm_parameter_metadata_list_free(out);
    for (size_t i = 0; i < f->n_params; i++)
        if (f->params[i].key_id && f->params[i].type &&
            strcmp(f->params[i].type, "SecureString") == 0) {
            char *k = mem_xstrdup(f->params[i].key_id);
            audit_lookup_key(r, k);
            free(k);
        }
    audit_maybe_finish(r);
}

static void audit_on_policy_version(struct iam_policy_version_out *out, const struct aws_error *err,
                                    void *arg)
{
    size_t idx;
    struct audit_req *r = audit_op_end(arg, &idx, NULL);
    struct audit_policy *p = &r->f->policies[idx];
    if (out) {
        p->document = mem_xstrdup(out->version.document);
        iam_policy_version_out_free(out);
    } else {
        p->error = audit_err_text(err);
    }
    audit_maybe_finish(r);
}

static void audit_on_policy(struct iam_policy_out *out, const struct aws_error *err, void *arg)
{
    size_t idx;
    struct audit_req *r = audit_op_end(arg, &idx, NULL);
    struct audit_policy *p = &r->f->policies[idx];
    if (!out) {
        if (aws_error_is(err, "NoSuchEntity"))
            p->found = AUDIT_TRI_NO;
        else
            p->error = audit_err_text(err);
        audit_maybe_finish(r);
        return;
    }
    p->found = AUDIT_TRI_YES;
    struct iam_get_policy_version_in in = {
        .policy_arn = p->arn,
        .version_id = out->policy.default_version_id ? out->policy.default_version_id : "v1",
    };
    struct audit_op *op = audit_op_new(r, idx);
    audit_op_started(op, iam_get_policy_version(r->c, &in, audit_on_policy_version, op));
    iam_policy_out_free(out);
    audit_maybe_finish(r);
}

static void audit_start_stack(struct audit_req *r)
{
    struct audit_facts *f = r->f;
    if (!f->stack)
        return;
    if (!r->spec_ready) {
        char err[256];
        stack_spec_init(&r->spec);
        r->spec_ready = true;
        if (stack_spec_set_name(&r->spec, f->stack, err, sizeof(err)) != 0) {
            audit_facts_note(f,
                             "stack %s: %s; its secret, parameters and policies are not "
                             "audited",
                             f->stack, err);
            return;
        }
        if (f->region) {
            char e2[256];
            stack_spec_set(&r->spec, "stack", "region", f->region, e2, sizeof(e2));
        }
    }
    const struct stack_spec *s = &r->spec;
    if (s->auth_token) {
        f->has_secret = true;
        f->secret.name =
            mem_xstrdup(s->reuse_secret ? s->reuse_secret : stack_spec_name(s, STACK_NAME_SECRET));
        struct secrets_describe_secret_in in = {.secret_id = f->secret.name};
        struct audit_op *op = audit_op_new(r, 0);
        audit_op_started(op, secrets_describe_secret(r->c, &in, audit_on_secret, op));
    }
    if (s->ssm_parameters) {
        const char *names[2];
        for (int port = 0; port < 2; port++) {
            char *n = stack_spec_ssm_name(s, port != 0);
            audit_facts_add_param(f, n);
            free(n);
        }
        names[0] = f->params[f->n_params - 2].name;
        names[1] = f->params[f->n_params - 1].name;
        struct ssm_parameter_filter flt = {.key = "Name", .values = names, .n_values = 2};
        struct ssm_describe_parameters_in in = {.filters = &flt, .n_filters = 1};
        struct audit_op *op = audit_op_new(r, 0);
        audit_op_started(op, ssm_describe_parameters(r->c, &in, audit_on_describe_parameters, op));
    }
    if (!f->account) {
        audit_facts_note(f, "the account is not known (the group has no ARN): the stack's IAM "
                            "policies are not audited");
        return;
    }
    for (int secret = 0; secret < 2; secret++) {
        if (!(secret ? (s->secret_read_policy && s->auth_token) : s->ssm_read_policy))
            continue;
        char *arn = stack_spec_policy_arn(s, f->account, secret != 0);
        audit_facts_add_policy(
            f, stack_spec_name(s, secret ? STACK_NAME_SECRET_POLICY : STACK_NAME_SSM_POLICY), arn);
        struct iam_get_policy_in in = {.policy_arn = arn};
        struct audit_op *op = audit_op_new(r, f->n_policies - 1);
        audit_op_started(op, iam_get_policy(r->c, &in, audit_on_policy, op));
        free(arn);
    }
}

static void audit_on_tags(struct elasticache_tag_list *out, const struct aws_error *err, void *arg)
{
    struct audit_req *r = audit_op_end(arg, NULL, NULL);
    struct audit_facts *f = r->f;
    if (!out) {
        char *e = audit_err_text(err);
        audit_facts_note(f, "could not read the group's tags: %s", e);
        free(e);
    } else {
        for (size_t i = 0; i < out->n; i++) {
            audit_facts_add_tag(&f->tags, &f->n_tags, out->items[i].key, out->items[i].value);
            if (!f->stack && out->items[i].key &&
                strcmp(out->items[i].key, STACK_SPEC_TAG_KEY) == 0 && out->items[i].value &&
                *out->items[i].value)
                f->stack = mem_xstrdup(out->items[i].value);
        }
        elasticache_tag_list_free(out);
    }
    audit_start_stack(r);
    audit_maybe_finish(r);
}

/* ---- the group ---- */

static char *audit_arn_field(const char *arn, int field)
{
    if (!arn || strncmp(arn, "arn:", 4) != 0)
        return NULL;
    const char *p = arn;
    for (int i = 0; i < field; i++) {
        p = strchr(p, ':');
        if (!p)
            return NULL;
        p++;
    }
    const char *e = strchr(p, ':');
    if (!e || e == p)
        return NULL;
    return mem_xstrndup(p, (size_t)(e - p));
}

/* The group's facts as DescribeReplicationGroups reports them. */
static void audit_rg_facts(struct audit_facts *f, const struct elasticache_replication_group *rg)
{
    free(f->rg_id);
    f->rg_id = mem_xstrdup(rg->id);
    f->subject = mem_xasprintf("replication group %s", rg->id);
    f->rg_arn = mem_xstrdup(rg->arn);
    f->description = mem_xstrdup(rg->description);
    f->account = audit_arn_field(rg->arn, 4);
    f->status = mem_xstrdup(rg->status);
    f->engine = mem_xstrdup(rg->engine);
    f->engine_version = mem_xstrdup(rg->engine_version);
    f->node_type = mem_xstrdup(rg->cache_node_type);
    f->cluster_enabled = rg->has_cluster_enabled && rg->cluster_enabled;
    f->shards = (int)rg->n_node_groups;
    f->nodes = (int)rg->n_member_clusters;
    f->replicas = -1;
    for (size_t i = 0; i < rg->n_node_groups; i++) {
        int rep = rg->node_groups[i].n_members ? (int)rg->node_groups[i].n_members - 1 : 0;
        if (f->replicas < 0 || rep < f->replicas)
            f->replicas = rep;
    }
    if (f->replicas < 0)
        f->replicas = 0;
    if (rg->configuration_endpoint.port > 0)
        f->port = rg->configuration_endpoint.port;
    for (size_t i = 0; i < rg->n_node_groups && f->port <= 0; i++)
        f->port = rg->node_groups[i].primary_endpoint.port;
    if (rg->has_at_rest_encryption_enabled)
        f->at_rest = audit_facts_tri(rg->at_rest_encryption_enabled);
    if (rg->has_transit_encryption_enabled)
        f->transit = audit_facts_tri(rg->transit_encryption_enabled);
    f->transit_mode = mem_xstrdup(rg->transit_encryption_mode);
    if (rg->has_auth_token_enabled)
        f->auth_token = audit_facts_tri(rg->auth_token_enabled);
    f->n_user_groups = rg->n_user_group_ids;
    if (rg->multi_az)
        f->multi_az = audit_facts_tri(strcasecmp(rg->multi_az, "enabled") == 0);
    if (rg->automatic_failover)
        f->failover = audit_facts_tri(strcasecmp(rg->automatic_failover, "enabled") == 0 ||
                                      strcasecmp(rg->automatic_failover, "enabling") == 0);
    if (rg->has_auto_minor_version_upgrade)
        f->auto_minor = audit_facts_tri(rg->auto_minor_version_upgrade);
    f->has_snapshot_retention = rg->has_snapshot_retention_limit;
    f->snapshot_retention = rg->snapshot_retention_limit;
    f->kms_key = mem_xstrdup(rg->kms_key_id);
    for (size_t i = 0; i < rg->n_log_delivery; i++) {
        const struct elasticache_log_delivery *d = &rg->log_delivery[i];
        struct audit_log_delivery *l = audit_facts_add_log(f);
        l->log_type = mem_xstrdup(d->log_type);
        l->destination_type = mem_xstrdup(d->destination_type);
        l->destination = mem_xstrdup(d->log_group ? d->log_group : d->delivery_stream);
        l->format = mem_xstrdup(d->log_format);
        l->status = mem_xstrdup(d->status);
        l->message = mem_xstrdup(d->message);
    }
}

/* Everything else the group names, concurrently: its members, tags, key
 * and log groups. */
static void audit_rg_follow(struct audit_req *r, const struct elasticache_replication_group *rg)
{
    struct audit_facts *f = r->f;
    if (rg->n_member_clusters) {
        struct elasticache_describe_cache_clusters_in in = {
            .id = rg->member_clusters[0],
            .show_cache_node_info = true,
        };
        struct audit_op *op = audit_op_new(r, 0);
        audit_op_started(op, elasticache_describe_cache_clusters(r->c, &in, audit_on_clusters, op));
    } else {
        f->network_error = mem_xstrdup("the group has no member clusters");
    }
    if (rg->arn) {
        struct elasticache_list_tags_for_resource_in in = {.resource_name = rg->arn};
        struct audit_op *op = audit_op_new(r, 0);
        audit_op_started(op, elasticache_list_tags_for_resource(r->c, &in, audit_on_tags, op));
    } else {
        audit_start_stack(r);
    }
    if (f->kms_key) {
        char *k = mem_xstrdup(f->kms_key);
        audit_lookup_key(r, k);
        free(k);
    }
    for (size_t i = 0; i < f->n_logs; i++) {
        struct audit_log_delivery *l = &f->logs[i];
        if (!l->destination || !l->destination_type ||
            strcmp(l->destination_type, "cloudwatch-logs") != 0)
            continue;
        struct logs_describe_log_groups_in in = {.log_group_name_prefix = l->destination};
        struct audit_op *op = audit_op_new(r, i);
        audit_op_started(op, logs_describe_log_groups(r->c, &in, audit_on_log_groups, op));
    }
}

static void audit_on_rg(struct elasticache_replication_group_list *out, const struct aws_error *err,
                        void *arg)
{
    struct audit_req *r = audit_op_end(arg, NULL, NULL);
    struct audit_facts *f = r->f;
    if (!out) {
        audit_fatal(r, err);
        return;
    }
    r->rgl = out;
    const struct elasticache_replication_group *rg = audit_rg(r);
    if (!rg) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_SERVICE, "ReplicationGroupNotFoundFault",
                      "Replication group %s not found.", f->rg_id);
        snprintf(e.service, sizeof(e.service), "ElastiCache");
        snprintf(e.operation, sizeof(e.operation), "DescribeReplicationGroups");
        audit_fatal(r, &e);
        aws_error_clear(&e);
        return;
    }
    audit_rg_facts(f, rg);
    audit_rg_follow(r, rg);
    audit_maybe_finish(r);
}

static void audit_on_observed(struct observe *ob, void *arg)
{
    (void)ob;
    struct audit_req *r = arg;
    if (r->observed)
        return;
    r->observed = true;
    audit_maybe_finish(r);
}

static void audit_redis_late(void *arg)
{
    struct audit_req *r = arg;
    r->redis_timer = NULL;
    if (r->observed)
        return;
    r->observed = true;
    r->redis_late = true;
    audit_maybe_finish(r);
}

/* Ask Redis for the roles, at the same time as the AWS calls. */
static void audit_observe(struct audit_req *r, const struct audit_gather_options *o)
{
    if (!o->redis || !o->redis->loop)
        return;
    struct observe_options oo = *o->redis;
    oo.rg_id = o->rg_id;
    oo.interval_ms = 0;
    oo.on_update = audit_on_observed;
    oo.arg = r;
    r->redis_timeout_ms = o->redis_timeout_ms ? o->redis_timeout_ms : 5000;
    if (!oo.timeout_ms)
        oo.timeout_ms = r->redis_timeout_ms / 2 > 2000 ? 2000 : r->redis_timeout_ms / 2;
    r->loop = oo.loop;
    r->ob = observe_start(&oo);
    if (r->ob)
        r->redis_timer = loop_timer(r->loop, r->redis_timeout_ms, audit_redis_late, r);
}

struct audit_req *audit_gather_start(struct aws_client *c, const struct audit_gather_options *o,
                                     audit_gather_cb cb, void *arg)
{
    if (!c || !o || !o->rg_id || !cb)
        return NULL;
    struct audit_req *r = mem_xcalloc(1, sizeof(*r));
    r->c = c;
    r->cb = cb;
    r->arg = arg;
    r->f = mem_xcalloc(1, sizeof(*r->f));
    audit_facts_init(r->f);
    r->f->rg_id = mem_xstrdup(o->rg_id);
    r->f->region = mem_xstrdup(aws_client_region(c));
    r->now_ms = o->now_ms ? o->now_ms : aws_client_now_ms(c);
    if (o->spec) {
        stack_spec_copy(&r->spec, o->spec);
        r->spec_ready = true;
        if (!o->stack && o->spec->name)
            r->f->stack = mem_xstrdup(o->spec->name);
    }
    if (o->stack) {
        r->f->stack = mem_xstrdup(o->stack);
        if (r->spec_ready && (!r->spec.name || strcmp(r->spec.name, o->stack) != 0)) {
            char err[256];
            if (stack_spec_set_name(&r->spec, o->stack, err, sizeof(err)) != 0)
                audit_facts_note(r->f, "stack %s: %s", o->stack, err);
        }
    }
    struct elasticache_describe_replication_groups_in in = {.id = o->rg_id};
    struct audit_op *op = audit_op_new(r, 0);
    op->call = elasticache_describe_replication_groups(c, &in, audit_on_rg, op);
    if (!op->call) {
        audit_req_free(r);
        return NULL;
    }
    audit_observe(r, o);
    return r;
}
