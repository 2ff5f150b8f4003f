/* stack_destroy.c - the plan for destroy: what goes, what is already
 * gone, what is left alone and why. */
#include "core/stack/stack_destroy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_ops.h"

static void gone(struct stack_resource *r, const char *why)
{
    r->action = STACK_ACT_ABSENT;
    if (why)
        stack_res_reason(r, "%s", why);
}

static void skip(struct stack_resource *r, const char *fmt, const char *a)
{
    r->action = STACK_ACT_SKIP;
    stack_res_reason(r, fmt, a ? a : "");
}

/* One function per kind: what destroy does to resource i, from what
 * discovery found (delete, already gone, left alone with the reason). */
static void undo_vpc(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &q->p->spec;
    struct stack_resource *r = &q->p->res[i];
    const struct ec2_vpc *v = stack_discover_vpc(q);
    if (s->reuse_vpc) {
        if (v)
            stack_res_set_str(&r->id, v->vpc_id);
        skip(r, "reused (reuse.vpc %s): never deleted", s->reuse_vpc);
    } else if (q->vpcs && q->vpcs->n > 1) {
        r->action = STACK_ACT_CONFLICT;
        stack_res_reason(r, "%zu VPCs carry %s=%s; delete the extra ones by hand first", q->vpcs->n,
                         STACK_SPEC_TAG_KEY, s->name);
    } else if (v) {
        r->ours = true;
        stack_res_set_str(&r->id, v->vpc_id);
        stack_res_set_str(&r->cidr, v->cidr_block);
        r->action = STACK_ACT_DELETE;
        stack_ops_add_call(p, i, STACK_OP_DELETE_VPC, 0);
    } else {
        gone(r, NULL);
    }
}

static void undo_subnet(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &q->p->spec;
    struct stack_resource *r = &q->p->res[i];
    const struct ec2_vpc *v = stack_discover_vpc(q);
    if (s->n_reuse_subnets) {
        skip(r, "reused (reuse.subnets): never deleted%s", NULL);
        return;
    }
    const struct ec2_subnet *mine = NULL;
    for (size_t k = 0; v && q->subnets && k < q->subnets->n; k++) {
        const struct ec2_subnet *sn = &q->subnets->items[k];
        if (stack_res_tagged_ours(sn->tags, sn->n_tags, p, r))
            mine = sn;
    }
    if (mine) {
        r->ours = true;
        stack_res_set_str(&r->id, mine->subnet_id);
        stack_res_set_str(&r->zone, mine->availability_zone);
        r->action = STACK_ACT_DELETE;
        stack_ops_add_call(p, i, STACK_OP_DELETE_SUBNET, 0);
    } else {
        gone(r, NULL);
    }
}

static void undo_route_table(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    struct stack_resource *r = &q->p->res[i];
    const struct ec2_vpc *v = stack_discover_vpc(q);
    const struct ec2_route_table *rt = stack_discover_route_table(q, v != NULL, r);
    if (!rt) {
        gone(r, NULL);
        return;
    }
    r->ours = true;
    stack_res_set_str(&r->id, rt->route_table_id);
    r->action = STACK_ACT_DELETE;
    size_t n = stack_ops_keep_assocs(r->priv, rt);
    for (size_t k = 0; k < n; k++)
        stack_ops_add_call(p, i, STACK_OP_DISASSOCIATE_ROUTE_TABLE, (int)k);
    stack_ops_add_call(p, i, STACK_OP_DELETE_ROUTE_TABLE, 0);
}

static void undo_default_sg(struct stack_discover *q, size_t i)
{
    struct stack_resource *r = &q->p->res[i];
    const struct ec2_vpc *v = stack_discover_vpc(q);
    if (v)
        skip(r, "goes with the VPC%s", NULL);
    else
        gone(r, NULL);
}

static void undo_subnet_group(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    struct stack_resource *r = &q->p->res[i];
    if (!q->sng)
        gone(r, NULL);
    else if (!q->sng_ours)
        skip(r, "not tagged for this stack: left alone%s", NULL);
    else {
        r->ours = true;
        stack_res_set_str(&r->id, q->sng->name);
        stack_res_set_str(&r->arn, q->sng->arn);
        r->action = STACK_ACT_DELETE;
        stack_ops_add_call(p, i, STACK_OP_DELETE_SUBNET_GROUP, 0);
    }
}

static void undo_security_group(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &q->p->spec;
    struct stack_resource *r = &q->p->res[i];
    const struct ec2_vpc *v = stack_discover_vpc(q);
    if (s->reuse_security_group) {
        skip(r, "reused (reuse.security_group %s): never deleted", s->reuse_security_group);
        return;
    }
    const struct ec2_security_group *g = NULL;
    for (size_t k = 0; v && q->sgs && k < q->sgs->n; k++)
        if (q->sgs->items[k].group_name && strcmp(q->sgs->items[k].group_name, r->name) == 0)
            g = &q->sgs->items[k];
    if (!g)
        gone(r, NULL);
    else if (!stack_res_has_tag(g->tags, g->n_tags, STACK_SPEC_TAG_KEY, s->name))
        skip(r, "%s is not tagged for this stack: left alone", g->group_id);
    else {
        r->ours = true;
        stack_res_set_str(&r->id, g->group_id);
        r->action = STACK_ACT_DELETE;
        stack_ops_add_call(p, i, STACK_OP_DELETE_SECURITY_GROUP, 0);
    }
}

static void undo_key(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &q->p->spec;
    struct stack_resource *r = &q->p->res[i];
    int w = r->priv->secret_key;
    struct key_find *k = &q->keys[w];
    if (w ? s->reuse_secret_kms_key != NULL : s->reuse_kms_key != NULL) {
        skip(r, "reused key %s: never deleted", r->name);
        return;
    }
    if (!k->meta) {
        gone(r, NULL);
        return;
    }
    stack_res_set_str(&r->id, k->meta->key_id);
    stack_res_set_str(&r->arn, k->meta->arn);
    stack_res_set_str(&r->status, k->meta->key_state);
    if (!k->ours) {
        skip(r, "key %s is not tagged for this stack: left alone", k->meta->key_id);
        return;
    }
    r->ours = true;
    bool pending = k->meta->key_state && strcmp(k->meta->key_state, "PendingDeletion") == 0;
    if (!k->via_tag)
        stack_ops_add_call(p, i, STACK_OP_DELETE_ALIAS, 0);
    if (!pending)
        stack_ops_add_call(p, i, STACK_OP_SCHEDULE_KEY_DELETION, 0);
    if (r->n_calls)
        r->action = STACK_ACT_DELETE;
    else
        gone(r, "pending deletion");
}

static void undo_key_policy(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    struct stack_resource *r = &q->p->res[i];
    struct stack_resource *key = stack_res_find(p, r->priv->secret_key ? "kms.secret" : "kms.rest");
    if (key && key->id)
        skip(r, "goes with the key%s", NULL);
    else
        gone(r, NULL);
}

static void undo_log_group(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &q->p->spec;
    struct stack_resource *r = &q->p->res[i];
    const json_t *j = q->journal;
    int w = r->priv->engine_log;
    const struct logs_log_group *g = q->lgs[w];
    struct stack_resource *key = stack_res_find(p, "kms.rest");
    if (!g) {
        gone(r, NULL);
        return;
    }
    stack_res_set_str(&r->id, g->name);
    if (q->lg_tags[w]) {
        /* the tags were listed: elcui:stack decides, as for the rest */
        const char *t = logs_tag_get(q->lg_tags[w], STACK_SPEC_TAG_KEY);
        if (!t || strcmp(t, s->name) != 0) {
            skip(r, "log group %s is not tagged for this stack: left alone", g->name);
            return;
        }
    } else if (!(key && key->ours && g->kms_key_id && stack_res_key_matches(g->kms_key_id, key)) &&
               !(j && stack_journal_id(j, r->key))) {
        /* Its tags could not be listed: the stack's own key (or the
         * journal's record of creating it) proves it is ours. */
        r->action = STACK_ACT_SKIP;
        stack_res_reason(r,
                         "log group %s is not provably this stack's (its tags could not be "
                         "listed: %s; not encrypted with its key): left alone",
                         g->name, q->lg_tags_error[w] ? q->lg_tags_error[w] : "no answer");
        return;
    }
    r->ours = true;
    r->action = STACK_ACT_DELETE;
    stack_ops_add_call(p, i, STACK_OP_DELETE_LOG_GROUP, 0);
}

static void undo_secret(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &q->p->spec;
    struct stack_resource *r = &q->p->res[i];
    const struct secrets_secret *x = q->secret;
    if (s->reuse_secret) {
        skip(r, "reused secret %s: never deleted", s->reuse_secret);
        return;
    }
    if (!x) {
        gone(r, NULL);
        return;
    }
    stack_res_set_str(&r->id, x->arn);
    stack_res_set_str(&r->arn, x->arn);
    const char *t = secrets_tag_get(x, STACK_SPEC_TAG_KEY);
    if (!t || strcmp(t, s->name) != 0) {
        skip(r, "secret %s is not tagged for this stack: left alone", x->name);
        return;
    }
    r->ours = true;
    if (x->deleted_date_ms) {
        gone(r, "scheduled for deletion");
        return;
    }
    r->action = STACK_ACT_DELETE;
    stack_ops_add_call(p, i, STACK_OP_DELETE_SECRET, 0);
}

static void undo_group(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    struct stack_resource *r = &q->p->res[i];
    const struct elasticache_replication_group *g = q->rg;
    if (!g) {
        gone(r, NULL);
        return;
    }
    stack_res_set_str(&r->id, g->id);
    stack_res_set_str(&r->arn, g->arn);
    stack_res_set_str(&r->status, g->status);
    stack_discover_prove_group(q);
    if (!q->rg_ours) {
        skip(r, "replication group %s is not tagged for this stack: left alone", g->id);
        return;
    }
    r->ours = true;
    r->action = STACK_ACT_DELETE;
    if (!g->status || strcmp(g->status, "deleting") != 0)
        stack_ops_add_call(p, i, STACK_OP_DELETE_REPLICATION_GROUP, 0);
    stack_ops_add_call(p, i, STACK_OP_WAIT_GONE, 0);
}

static void undo_parameter(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    struct stack_resource *r = &q->p->res[i];
    const struct ssm_parameter_metadata *m = stack_discover_param(q->params, r->name);
    if (!m) {
        gone(r, NULL);
        return;
    }
    stack_res_set_str(&r->id, m->name);
    stack_res_set_str(&r->arn, m->arn);
    if (!stack_discover_param(q->params_ours, r->name)) {
        skip(r, "parameter %s is not tagged for this stack: left alone", m->name);
        return;
    }
    r->ours = true;
    r->action = STACK_ACT_DELETE;
    stack_ops_add_call(p, i, STACK_OP_DELETE_PARAMETER, 0);
}

static void undo_policy(struct stack_discover *q, size_t i)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &q->p->spec;
    struct stack_resource *r = &q->p->res[i];
    struct iam_found *f = &q->iam[r->priv->secret_policy];
    if (!f->pol) {
        gone(r, NULL);
        return;
    }
    stack_res_set_str(&r->arn, f->pol->arn);
    stack_res_set_str(&r->id, f->pol->policy_id);
    const char *t = iam_tag_get(f->pol, STACK_SPEC_TAG_KEY);
    if (!t || strcmp(t, s->name) != 0) {
        skip(r, "IAM policy %s is not tagged for this stack: left alone", r->name);
        return;
    }
    r->ours = true;
    if (f->attached) {
        r->action = STACK_ACT_CONFLICT;
        stack_res_reason(r, "IAM policy %s is attached to %s; detach it first", r->name,
                         f->attached_to);
        return;
    }
    r->action = STACK_ACT_DELETE;
    for (size_t k = 0; f->versions && k < f->versions->n; k++) {
        const struct iam_policy_version *ver = &f->versions->items[k];
        if (ver->is_default_version || !ver->version_id)
            continue;
        struct stack_resource_priv *pv = r->priv;
        pv->versions = mem_xrealloc(pv->versions, (pv->n_versions + 1) * sizeof(char *));
        pv->versions[pv->n_versions] = mem_xstrdup(ver->version_id);
        stack_ops_add_call(p, i, STACK_OP_DELETE_POLICY_VERSION, (int)pv->n_versions++);
    }
    stack_ops_add_call(p, i, STACK_OP_DELETE_POLICY, 0);
}

void stack_destroy_decide(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    for (size_t i = 0; i < p->n; i++) {
        switch (p->res[i].kind) {
        case STACK_KIND_VPC:
            undo_vpc(q, i);
            break;
        case STACK_KIND_SUBNET:
            undo_subnet(q, i);
            break;
        case STACK_KIND_ROUTE_TABLE:
            undo_route_table(q, i);
            break;
        case STACK_KIND_DEFAULT_SG:
            undo_default_sg(q, i);
            break;
        case STACK_KIND_SUBNET_GROUP:
            undo_subnet_group(q, i);
            break;
        case STACK_KIND_SECURITY_GROUP:
            undo_security_group(q, i);
            break;
        case STACK_KIND_KMS_KEY:
            undo_key(q, i);
            break;
        case STACK_KIND_KEY_POLICY:
            undo_key_policy(q, i);
            break;
        case STACK_KIND_LOG_GROUP:
            undo_log_group(q, i);
            break;
        case STACK_KIND_SECRET:
            undo_secret(q, i);
            break;
        case STACK_KIND_REPLICATION_GROUP:
            undo_group(q, i);
            break;
        case STACK_KIND_SSM_PARAMETER:
            undo_parameter(q, i);
            break;
        case STACK_KIND_IAM_POLICY:
            undo_policy(q, i);
            break;
        }
    }
}
