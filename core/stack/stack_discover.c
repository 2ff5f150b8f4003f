/* stack_discover.c - what exists of a stack: the reading calls and their
 * answers. */
#include "core/stack/stack_discover.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "aws/sts.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_ops.h"

struct probe {
    struct stack_discover *q;
    struct aws_call *call;
    struct probe *prev, *next;
    int which; /* key index, log group index, policy index */
    char *key_id;
};

static struct probe *probe_new(struct stack_discover *q, int which)
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
static struct stack_discover *probe_begin(struct probe *pr)
{
    struct stack_discover *q = pr->q;
    if (pr->prev)
        pr->prev->next = pr->next;
    else
        q->inflight = pr->next;
    if (pr->next)
        pr->next->prev = pr->prev;
    return q;
}

static void probe_end(struct stack_discover *q, struct probe *pr)
{
    free(pr->key_id);
    free(pr);
    if (--q->pending == 0)
        q->done(q, q->done_arg);
}

static void fail(struct stack_discover *q, const struct aws_error *e)
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
        struct stack_discover *q = probe_begin(pr);                                                \
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
static void start_iam(struct stack_discover *q);

static void on_identity(const struct sts_caller_identity *out, const struct aws_error *err,
                        void *arg)
{
    struct probe *pr = arg;
    struct stack_discover *q = probe_begin(pr);
    if (err)
        fail(q, err);
    else if (out && out->account) {
        stack_res_set_str(&q->p->account, out->account);
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
    if (err)
        fail(q, err);
    else if (out && out->has_value)
        q->dns[pr->which] = out->value;
    ec2_vpc_attribute_out_free(out);
    probe_end(q, pr);
}

const struct ec2_vpc *stack_discover_vpc(const struct stack_discover *q)
{
    return q->vpcs && q->vpcs->n >= 1 ? &q->vpcs->items[0] : NULL;
}

static void start_vpc_children(struct stack_discover *q, const char *vpc_id)
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
    if (err && !aws_error_is(err, "CacheClusterNotFound"))
        fail(q, err);
    if (out && out->n && out->items[0].cache_subnet_group_name)
        stack_res_set_str(&q->rg_subnet_group, out->items[0].cache_subnet_group_name);
    elasticache_cache_cluster_list_free(out);
    probe_end(q, pr);
}

static void on_tags(struct elasticache_tag_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_discover *q = probe_begin(pr);
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

static void list_tags(struct stack_discover *q, const char *arn, int which)
{
    struct elasticache_list_tags_for_resource_in in = {arn};
    struct probe *pr = probe_new(q, which);
    PROBE_START(pr, elasticache_list_tags_for_resource(q->c, &in, on_tags, pr));
}

static void on_subnet_groups(struct elasticache_cache_subnet_group_list *out,
                             const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
    if (err && aws_error_is(err, "CacheParameterGroupNotFound"))
        q->pg_missing = true;
    else if (err)
        fail(q, err);
    q->pgs = out;
    probe_end(q, pr);
}

/* -- KMS -- */
static void key_details(struct stack_discover *q, int which, const char *key_id);

static void on_key_tags(struct kms_tag_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
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

static void key_details(struct stack_discover *q, int which, const char *key_id)
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

static void key_scan_next(struct stack_discover *q);

static void on_scan_describe(struct kms_key_out *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_discover *q = probe_begin(pr);
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
                stack_res_note(q->p, "another key of this stack (%s) has no alias; elcui uses %s",
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
            stack_res_note(q->p, "another key of this stack (%s) has no alias; elcui uses %s",
                           out->key.key_id, k->meta->key_id);
        }
    }
    kms_key_out_free(out);
    probe_end(q, pr);
}

static void on_scan_tags(struct kms_tag_list *out, const struct aws_error *err, void *arg)
{
    struct probe *pr = arg;
    struct stack_discover *q = probe_begin(pr);
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
static void key_scan_next(struct stack_discover *q)
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
    struct stack_discover *q = probe_begin(pr);
    if (err)
        fail(q, err);
    q->all_keys = out;
    key_scan_next(q);
    probe_end(q, pr);
}

/* Both alias lookups answered: scan by tag for the keys without alias. */
static void maybe_scan(struct stack_discover *q)
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
    struct stack_discover *q = probe_begin(pr);
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

static void start_key(struct stack_discover *q, int w)
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
    struct stack_discover *q = probe_begin(pr);
    /* Not a reason to stop: without the tags, the key or the journal
     * still proves the group ours (or leaves it alone). */
    if (err)
        stack_res_set_str(&q->lg_tags_error[pr->which], *err->code ? err->code : "an error");
    q->lg_tags[pr->which] = out;
    probe_end(q, pr);
}

/* The tags of a log group found for destroy: by ARN, or by name when the
 * answer had no ARN. */
static void list_log_group_tags(struct stack_discover *q, int which)
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
    if (err && !aws_error_is(err, "AccessDeniedException"))
        fail(q, err);
    q->param_values = out;
    probe_end(q, pr);
}

static void start_params(struct stack_discover *q)
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
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
    struct stack_discover *q = probe_begin(pr);
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

static void start_iam(struct stack_discover *q)
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

struct stack_discover *stack_discover_start(struct aws_client *c, struct stack_plan *p,
                                            json_t *journal, stack_discover_done_cb done, void *arg)
{
    struct stack_discover *q = mem_xcalloc(1, sizeof(*q));
    q->c = c;
    q->p = p;
    q->journal = journal;
    q->done = done;
    q->done_arg = arg;
    q->dns[0] = q->dns[1] = -1;
    aws_error_init(&q->err);
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
    if (stack_res_find(p, "kms.rest"))
        start_key(q, 0);
    if (stack_res_find(p, "kms.secret"))
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

void stack_discover_free(struct stack_discover *q)
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
    json_decref(q->journal);
    aws_error_clear(&q->err);
    free(q);
}

void stack_discover_cancel(struct stack_discover *q)
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
    stack_discover_free(q);
}

/* ---- what the findings prove ---- */

/* The route table tagged for this stack under r's name (the last one
 * listed), or NULL; none without the stack's VPC. */
const struct ec2_route_table *stack_discover_route_table(const struct stack_discover *q,
                                                         bool have_vpc,
                                                         const struct stack_resource *r)
{
    const struct ec2_route_table *rt = NULL;
    for (size_t k = 0; have_vpc && q->rts && k < q->rts->n; k++) {
        const struct ec2_route_table *x = &q->rts->items[k];
        if (stack_res_tagged_ours(x->tags, x->n_tags, q->p, r))
            rt = x;
    }
    return rt;
}

/* Tags unreadable (group not available): its subnet group or its key
 * being this stack's, or the journal's record, proves it ours. */
void stack_discover_prove_group(struct stack_discover *q)
{
    if (q->rg_ours || !q->rg_tags_unknown || !q->rg)
        return;
    struct stack_plan *p = q->p;
    struct stack_resource *key = stack_res_find(p, "kms.rest");
    bool by_key =
        key && key->ours && q->rg->kms_key_id && stack_res_key_matches(q->rg->kms_key_id, key);
    bool by_subnets = q->sng && q->sng_ours && q->rg_subnet_group &&
                      strcasecmp(q->rg_subnet_group, q->sng->name) == 0;
    const char *jid = stack_journal_id(q->journal, "replication-group");
    bool by_journal = jid && q->rg->id && strcasecmp(jid, q->rg->id) == 0;
    q->rg_ours = by_key || by_subnets || by_journal;
}

const struct ssm_parameter_metadata *
stack_discover_param(const struct ssm_parameter_metadata_list *l, const char *name)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (l->items[i].name && strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}
