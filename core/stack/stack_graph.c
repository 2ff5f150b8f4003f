/* stack_graph.c - the resource graph of a stack. */
#include "core/stack/stack_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/stack_ops.h"

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
    ssize_t d = stack_res_index(p, key);
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

/* Step 1-2: the VPC, its subnets, their route tables, the default
 * security group. */
static void graph_network(struct stack_plan *p)
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
            stack_res_set_str(&p->res[i].id, s->reuse_subnets[k]);
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
                stack_res_set_str(&p->res[i].cidr, pub ? s->public_cidrs[k] : s->private_cidrs[k]);
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
                p->res[i].priv->subnets[p->res[i].priv->n_subnets++] =
                    (size_t)stack_res_index(p, key);
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
                        (size_t)stack_res_index(p, key);
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
}

/* Steps 3-4: the cache subnet group and the security group. */
static void graph_groups(struct stack_plan *p)
{
    const struct stack_spec *s = &p->spec;
    char key[64];
    size_t i;
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
}

/* Steps 5-7: the at-rest key, its policy, the log groups after it. */
static void graph_rest_key_logs(struct stack_plan *p)
{
    const struct stack_spec *s = &p->spec;
    size_t i;
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
}

/* Step 8: the secret's key, its policy and the secret. */
static void graph_secret(struct stack_plan *p)
{
    const struct stack_spec *s = &p->spec;
    size_t i;
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
}

/* Steps 9-11: the replication group after all it needs, the SSM
 * parameters after it, the IAM policies last. */
static void graph_group_after(struct stack_plan *p)
{
    const struct stack_spec *s = &p->spec;
    size_t i;
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

void stack_graph_build(struct stack_plan *p)
{
    graph_network(p);
    graph_groups(p);
    graph_rest_key_logs(p);
    graph_secret(p);
    graph_group_after(p);
}

void stack_graph_reverse(struct stack_plan *p)
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
