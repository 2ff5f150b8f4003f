/* export_live.c - a live stack gathered into a spec. */
#include "core/stack/export_live.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/discover.h"
#include "core/stack/audit_facts.h"
#include "core/stack/audit_gather.h"

struct ex_notes {
    char ***v;
    size_t *n;
};

static void ex_note(struct ex_notes *nt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ex_note(struct ex_notes *nt, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mem_xpush(nt->v, nt->n, mem_xvasprintf(fmt, ap));
    va_end(ap);
}

static void ex_set(struct stack_spec *s, struct ex_notes *nt, const char *sec, const char *key,
                   const char *value)
{
    char err[512];
    if (stack_spec_set(s, sec, key, value, err, sizeof(err)) != 0)
        ex_note(nt, "not exported: %s", err);
}

static void ex_set_bool(struct stack_spec *s, struct ex_notes *nt, const char *sec, const char *key,
                        bool v)
{
    ex_set(s, nt, sec, key, v ? "yes" : "no");
}

static void ex_set_int(struct stack_spec *s, struct ex_notes *nt, const char *sec, const char *key,
                       long v)
{
    char t[32];
    snprintf(t, sizeof(t), "%ld", v);
    ex_set(s, nt, sec, key, t);
}

/* [names] override when the live name is not the derived one. */
static void ex_name(struct stack_spec *s, struct ex_notes *nt, enum stack_name w, const char *live)
{
    if (!live || !*live || strcmp(live, stack_spec_name(s, w)) == 0)
        return;
    ex_set(s, nt, "names", stack_spec_name_key(w), live);
}

static bool ex_has_alias(const struct kms_alias_list *l, const char *alias)
{
    return l && kms_alias_list_find(l, alias) != NULL;
}

static const struct ec2_subnet *ex_subnet(const struct export_world *w, const char *id)
{
    for (size_t i = 0; i < w->n_subnets; i++)
        if (w->subnets[i].subnet_id && strcmp(w->subnets[i].subnet_id, id) == 0)
            return &w->subnets[i];
    return NULL;
}

/* Order of a subnet: the number in its Name tag ("-private-2"), else 1000. */
static long ex_subnet_rank(const struct ec2_subnet *sn)
{
    const char *n = ec2_tag_get(sn->tags, sn->n_tags, "Name");
    const char *d = n ? strrchr(n, '-') : NULL;
    if (!d)
        return 1000;
    char *end;
    long v = strtol(d + 1, &end, 10);
    return *end || v < 0 ? 1000 : v;
}

static void ex_sort_subnets(const struct ec2_subnet **v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            long a = ex_subnet_rank(v[j - 1]), b = ex_subnet_rank(v[j]);
            if (a < b || (a == b && strcmp(v[j - 1]->cidr_block ? v[j - 1]->cidr_block : "",
                                           v[j]->cidr_block ? v[j]->cidr_block : "") <= 0))
                break;
            const struct ec2_subnet *t = v[j - 1];
            v[j - 1] = v[j];
            v[j] = t;
        }
}

static void ex_join(struct buf *o, const struct ec2_subnet **v, size_t n, int what)
{
    for (size_t i = 0; i < n; i++) {
        const char *x = what == 0   ? v[i]->cidr_block
                        : what == 1 ? v[i]->availability_zone
                                    : v[i]->subnet_id;
        buf_printf(o, "%s%s", i ? "," : "", x ? x : "");
    }
}

static const struct audit_key *ex_key_of(const struct audit_facts *f, const char *ref)
{
    return ref ? audit_facts_key(f, ref) : NULL;
}

/* The group's own settings. */
static void live_group(struct stack_spec *out, struct ex_notes *nt, const struct audit_facts *f)
{
    ex_name(out, nt, STACK_NAME_REPLICATION_GROUP, f->rg_id);
    ex_name(out, nt, STACK_NAME_DESCRIPTION, f->description);
    if (f->engine)
        ex_set(out, nt, "cache", "engine", f->engine);
    if (f->engine_version) {
        /* "7.1.0" -> "7.1" (what CreateReplicationGroup takes) */
        char v[32];
        snprintf(v, sizeof(v), "%s", f->engine_version);
        char *d1 = strchr(v, '.');
        char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
        if (d2 && v[0] >= '6')
            *d2 = '\0';
        ex_set(out, nt, "cache", "engine_version", v);
    }
    if (f->node_type)
        ex_set(out, nt, "cache", "node_type", f->node_type);
    if (f->parameter_group)
        ex_set(out, nt, "cache", "parameter_group", f->parameter_group);
    if (f->shards > 0)
        ex_set_int(out, nt, "cache", "shards", f->shards);
    ex_set_int(out, nt, "cache", "replicas", f->replicas);
    if (f->port > 0)
        ex_set_int(out, nt, "cache", "port", f->port);
    ex_set_bool(out, nt, "cache", "multi_az", f->multi_az == AUDIT_TRI_YES);
    ex_set_bool(out, nt, "cache", "automatic_failover", f->failover == AUDIT_TRI_YES);
    ex_set_bool(out, nt, "cache", "at_rest_encryption", f->at_rest == AUDIT_TRI_YES);
    ex_set_bool(out, nt, "cache", "transit_encryption", f->transit == AUDIT_TRI_YES);
    ex_set_bool(out, nt, "cache", "auth_token", f->auth_token == AUDIT_TRI_YES);
    if (f->has_snapshot_retention)
        ex_set_int(out, nt, "cache", "snapshot_retention", f->snapshot_retention);
    if (f->auto_minor != AUDIT_TRI_UNKNOWN)
        ex_set_bool(out, nt, "cache", "auto_minor_version_upgrade", f->auto_minor == AUDIT_TRI_YES);
    if (f->n_user_groups)
        ex_note(nt, "the group's RBAC user groups are not exported");
}

/* Log delivery: the log groups, their format and retention. */
static void live_logs(struct stack_spec *out, struct ex_notes *nt, const struct audit_facts *f)
{
    bool slow = false, engine = false;
    int retention = -1;
    for (size_t i = 0; i < f->n_logs; i++) {
        const struct audit_log_delivery *l = &f->logs[i];
        if (!l->destination_type || strcmp(l->destination_type, "cloudwatch-logs") != 0) {
            ex_note(nt, "%s delivery to %s %s is not exported (only CloudWatch Logs)",
                    l->log_type ? l->log_type : "log",
                    l->destination_type ? l->destination_type : "?",
                    l->destination ? l->destination : "?");
            continue;
        }
        bool is_engine = l->log_type && strcmp(l->log_type, "engine-log") == 0;
        if (is_engine)
            engine = true;
        else
            slow = true;
        ex_name(out, nt, is_engine ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP,
                l->destination);
        if (l->format)
            ex_set(out, nt, "logs", "format", l->format);
        if (l->found == AUDIT_TRI_YES && l->has_retention &&
            (retention < 0 || l->retention_days < retention))
            retention = l->retention_days;
        if (l->found == AUDIT_TRI_YES && !l->has_retention)
            ex_note(nt, "log group %s never expires; the export keeps %d days",
                    l->destination ? l->destination : "?", out->log_retention_days);
        if (l->found == AUDIT_TRI_NO)
            ex_note(nt, "log group %s does not exist; the export creates it",
                    l->destination ? l->destination : "?");
    }
    ex_set_bool(out, nt, "logs", "slow_log", slow);
    ex_set_bool(out, nt, "logs", "engine_log", engine);
    if (retention > 0)
        ex_set_int(out, nt, "logs", "retention_days", retention);
}

/* The at-rest key: the stack's own by its alias, else reused. */
static void live_rest_key(struct stack_spec *out, struct ex_notes *nt, const struct export_world *w)
{
    const struct audit_facts *f = w->facts;
    const struct audit_key *rk = ex_key_of(f, f->kms_key);
    if (!rk && f->n_logs && f->logs[0].kms_key)
        rk = ex_key_of(f, f->logs[0].kms_key);
    if (rk) {
        if (!ex_has_alias(w->rest_aliases, stack_spec_name(out, STACK_NAME_REST_KEY_ALIAS))) {
            ex_set(out, nt, "reuse", "kms_key", rk->arn ? rk->arn : rk->ref);
            ex_note(nt, "the at-rest key %s is not aliased %s: the export reuses it",
                    rk->arn ? rk->arn : rk->ref, stack_spec_name(out, STACK_NAME_REST_KEY_ALIAS));
        }
        if (rk->rotation != AUDIT_TRI_UNKNOWN)
            ex_set_bool(out, nt, "kms", "key_rotation", rk->rotation == AUDIT_TRI_YES);
        if (rk->policy)
            ex_set_bool(out, nt, "kms", "elasticache_statement",
                        strstr(rk->policy, "elasticache.amazonaws.com") != NULL);
    } else if (f->at_rest == AUDIT_TRI_YES) {
        ex_note(nt, "the group's at-rest key is AWS owned; the export creates a key");
    }
}

/* The AUTH token's secret and its key. */
static void live_secret(struct stack_spec *out, struct ex_notes *nt, const struct export_world *w)
{
    const struct audit_facts *f = w->facts;
    if (f->auth_token == AUDIT_TRI_YES) {
        if (!f->has_secret || f->secret.found != AUDIT_TRI_YES) {
            ex_note(nt, "the AUTH token's secret %s was not found: the export makes a new token",
                    stack_spec_name(out, STACK_NAME_SECRET));
        } else {
            const struct audit_key *sk = ex_key_of(f, f->secret.kms_key);
            if (!f->secret.kms_key || (sk && sk->manager && strcmp(sk->manager, "AWS") == 0)) {
                ex_note(nt, "the secret uses the AWS managed key: the export creates a key");
            } else if (sk) {
                if (!ex_has_alias(w->secret_aliases,
                                  stack_spec_name(out, STACK_NAME_SECRET_KEY_ALIAS))) {
                    ex_set(out, nt, "reuse", "secret_kms_key", sk->arn ? sk->arn : sk->ref);
                    ex_note(nt, "the secret's key is not aliased %s: the export reuses it",
                            stack_spec_name(out, STACK_NAME_SECRET_KEY_ALIAS));
                }
                if (sk->policy)
                    ex_set_bool(out, nt, "kms", "secret_key_policy",
                                strstr(sk->policy, "kms:ViaService") != NULL);
            }
        }
    }
}

/* The SSM parameters and the read policies: there or not. */
static void live_params_policies(struct stack_spec *out, struct ex_notes *nt,
                                 const struct audit_facts *f)
{
    bool params = false;
    for (size_t i = 0; i < f->n_params; i++)
        params = params || f->params[i].found == AUDIT_TRI_YES;
    ex_set_bool(out, nt, "ssm", "parameters", params);
    for (size_t i = 0; i < f->n_policies; i++) {
        bool sec = strcmp(f->policies[i].name, stack_spec_name(out, STACK_NAME_SECRET_POLICY)) == 0;
        ex_set_bool(out, nt, "iam", sec ? "secret_read_policy" : "ssm_read_policy",
                    f->policies[i].found == AUDIT_TRI_YES);
    }
    if (!f->n_policies && f->stack) {
        ex_set_bool(out, nt, "iam", "ssm_read_policy", false);
        ex_set_bool(out, nt, "iam", "secret_read_policy", false);
    }
}

/* The network: the stack's own VPC and subnets (tagged for it), else
 * reused. Whether the VPC is the stack's. */
static bool live_network(struct stack_spec *out, struct ex_notes *nt, const char *name,
                         const struct export_world *w)
{
    const struct audit_facts *f = w->facts;
    ex_name(out, nt, STACK_NAME_SUBNET_GROUP, f->subnet_group);
    bool vpc_ours = false;
    if (w->vpc) {
        const char *t = ec2_tag_get(w->vpc->tags, w->vpc->n_tags, STACK_SPEC_TAG_KEY);
        vpc_ours = t && strcmp(t, name) == 0;
        if (w->vpc->cidr_block)
            ex_set(out, nt, "network", "vpc_cidr", w->vpc->cidr_block);
    }
    if (f->subnet_group && strcasecmp(f->subnet_group, "default") == 0)
        ex_note(nt, "the group runs in the default subnet group: the export reuses its subnets");
    const struct ec2_subnet *priv[STACK_SPEC_MAX_SUBNETS], *pub[STACK_SPEC_MAX_SUBNETS];
    size_t np = 0, nq = 0;
    for (size_t i = 0; i < f->n_subnets; i++) {
        const struct ec2_subnet *sn = ex_subnet(w, f->subnets[i].key);
        if (sn && np < STACK_SPEC_MAX_SUBNETS)
            priv[np++] = sn;
    }
    if (vpc_ours && np == f->n_subnets && np > 0) {
        for (size_t i = 0; i < w->n_subnets && nq < STACK_SPEC_MAX_SUBNETS; i++) {
            const struct ec2_subnet *sn = &w->subnets[i];
            const char *t = ec2_tag_get(sn->tags, sn->n_tags, STACK_SPEC_TAG_KEY);
            bool in_group = false;
            for (size_t j = 0; j < np; j++)
                in_group = in_group || priv[j] == sn;
            if (!in_group && t && strcmp(t, name) == 0)
                pub[nq++] = sn;
        }
        ex_sort_subnets(priv, np);
        ex_sort_subnets(pub, nq);
        struct buf b;
        buf_init(&b, 0);
        ex_join(&b, priv, np, 0);
        ex_set(out, nt, "network", "private_subnets", buf_str(&b));
        buf_reset(&b);
        ex_join(&b, pub, nq, 0);
        ex_set(out, nt, "network", "public_subnets", nq ? buf_str(&b) : "");
        buf_reset(&b);
        ex_join(&b, priv, np, 1);
        ex_set(out, nt, "network", "availability_zones", buf_str(&b));
        buf_free(&b);
        const char *vn = ec2_tag_get(w->vpc->tags, w->vpc->n_tags, "Name");
        ex_name(out, nt, STACK_NAME_VPC, vn);
    } else if (f->vpc_id) {
        ex_set(out, nt, "reuse", "vpc", f->vpc_id);
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < f->n_subnets; i++)
            buf_printf(&b, "%s%s", i ? "," : "", f->subnets[i].key);
        if (f->n_subnets)
            ex_set(out, nt, "reuse", "subnets", buf_str(&b));
        buf_free(&b);
        if (!vpc_ours)
            ex_note(nt, "the VPC %s is not tagged %s=%s: the export reuses it and its subnets",
                    f->vpc_id, STACK_SPEC_TAG_KEY, name);
    } else {
        ex_note(nt, "the group's network could not be read: the export creates a new one");
    }

    return vpc_ours;
}

/* The security group: the stack's own by name, else reused. */
static void live_security_group(struct stack_spec *out, struct ex_notes *nt,
                                const struct audit_facts *f, bool vpc_ours)
{
    const struct audit_sg *sg = NULL;
    for (size_t i = 0; i < f->n_sgs && !sg; i++)
        if (!f->sgs[i].is_default)
            sg = &f->sgs[i];
    if (f->n_sg_ids > 1)
        ex_note(nt, "the group has %zu security groups; the export keeps the first", f->n_sg_ids);
    if (sg) {
        bool ours = vpc_ours && sg->name &&
                    strcmp(sg->name, stack_spec_name(out, STACK_NAME_SECURITY_GROUP)) == 0;
        if (!ours && sg->id) {
            ex_set(out, nt, "reuse", "security_group", sg->id);
            ex_note(nt, "security group %s is not the stack's own: the export reuses it", sg->id);
        }
    } else if (f->n_sg_ids) {
        ex_set(out, nt, "reuse", "security_group", f->sg_ids[0]);
    }
}

void export_live_spec(struct stack_spec *out, const char *name, const char *region,
                      const struct export_world *w, char ***notes, size_t *n_notes)
{
    struct ex_notes nt = {notes, n_notes};
    const struct audit_facts *f = w->facts;
    char err[512];
    stack_spec_init(out);
    if (stack_spec_set_name(out, name, err, sizeof(err)) != 0) {
        ex_note(&nt, "name: %s", err);
        return;
    }
    if (region)
        ex_set(out, &nt, "stack", "region", region);
    if (!f)
        return;

    live_group(out, &nt, f);
    live_logs(out, &nt, f);
    live_rest_key(out, &nt, w);
    live_secret(out, &nt, w);
    live_params_policies(out, &nt, f);
    bool vpc_ours = live_network(out, &nt, name, w);
    live_security_group(out, &nt, f, vpc_ours);
    /* tags (elcui:auth-secret is apply's own: it tags the group with the
     * secret it uses, and the Terraform and CLI exports write it) */
    for (size_t i = 0; i < f->n_tags; i++) {
        const char *k = f->tags[i].key;
        if (!k || strcmp(k, STACK_SPEC_TAG_KEY) == 0 || strcmp(k, "Name") == 0 ||
            strcmp(k, DISCOVER_TAG_AUTH_SECRET) == 0)
            continue;
        ex_set(out, &nt, "tags", k, f->tags[i].value ? f->tags[i].value : "");
    }
}

/* The stack's ingress rule in a security group: the one elcui describes as
 * its own, else the first TCP rule with an IPv4 range. */
static const struct ec2_ip_permission *ex_ingress(const struct ec2_security_group *sg,
                                                  const struct ec2_ip_range **range)
{
    const struct ec2_ip_permission *first = NULL;
    const struct ec2_ip_range *first_range = NULL;
    for (size_t i = 0; i < sg->n_ingress; i++) {
        const struct ec2_ip_permission *p = &sg->ingress[i];
        for (size_t j = 0; j < p->n_ip_ranges; j++) {
            const struct ec2_ip_range *r = &p->ip_ranges[j];
            if (r->description && strcmp(r->description, STACK_DESC_SG_INGRESS) == 0) {
                *range = r;
                return p;
            }
            if (!first && p->ip_protocol && strcmp(p->ip_protocol, "tcp") == 0) {
                first = p;
                first_range = r;
            }
        }
    }
    *range = first_range;
    return first;
}

void export_live_observe(const struct stack_spec *spec, const struct export_world *w,
                         struct export_observed *out, char ***notes, size_t *n_notes)
{
    struct ex_notes nt = {notes, n_notes};
    memset(out, 0, sizeof(*out));
    const struct audit_facts *f = w->facts;
    if (w->sg) {
        const struct ec2_security_group *sg = w->sg;
        out->sg_read = true;
        const char *name = ec2_tag_get(sg->tags, sg->n_tags, "Name");
        out->sg_name_tag = name ? mem_xstrdup(name) : NULL;
        const struct ec2_ip_range *r = NULL;
        const struct ec2_ip_permission *p = ex_ingress(sg, &r);
        if (p) {
            out->has_ingress = true;
            out->ingress_protocol = mem_xstrdup(p->ip_protocol);
            out->ingress_from = p->has_ports ? p->from_port : 0;
            out->ingress_to = p->has_ports ? p->to_port : 0;
            out->ingress_cidr = r && r->cidr ? mem_xstrdup(r->cidr) : NULL;
            out->ingress_description = r && r->description ? mem_xstrdup(r->description) : NULL;
            if (out->ingress_from != spec->port || out->ingress_to != spec->port) {
                char ports[32];
                if (out->ingress_to != out->ingress_from)
                    snprintf(ports, sizeof(ports), "ports %d-%d", out->ingress_from,
                             out->ingress_to);
                else
                    snprintf(ports, sizeof(ports), "port %d", out->ingress_from);
                ex_note(&nt,
                        "security group %s allows %s while the group reports port %d: "
                        "Terraform and the CLI script keep each one; a spec has one port (%d)",
                        sg->group_id ? sg->group_id : "?", ports, spec->port, spec->port);
            }
        } else {
            ex_note(&nt, "security group %s has no TCP ingress rule from an IPv4 range",
                    sg->group_id ? sg->group_id : "?");
        }
        for (size_t i = 0; i < sg->n_egress && !out->has_egress; i++) {
            const struct ec2_ip_permission *e = &sg->egress[i];
            for (size_t j = 0; j < e->n_ip_ranges && !out->has_egress; j++)
                if (e->ip_protocol && strcmp(e->ip_protocol, "-1") == 0 && e->ip_ranges[j].cidr &&
                    strcmp(e->ip_ranges[j].cidr, "0.0.0.0/0") == 0) {
                    out->has_egress = true;
                    out->egress_description = e->ip_ranges[j].description
                                                  ? mem_xstrdup(e->ip_ranges[j].description)
                                                  : NULL;
                }
        }
    }
    if (w->subnet_group) {
        out->subnet_group_read = true;
        out->subnet_group_description =
            w->subnet_group->description ? mem_xstrdup(w->subnet_group->description) : NULL;
        char *d = stack_spec_subnet_group_description(spec);
        if (w->subnet_group->description && strcmp(w->subnet_group->description, d) != 0)
            ex_note(&nt,
                    "the subnet group's description is \"%s\": Terraform and the CLI script "
                    "keep it; a spec gets \"%s\"",
                    w->subnet_group->description, d);
        free(d);
    }
    for (size_t i = 0; f && i < f->n_tags; i++) {
        if (!f->tags[i].key || strcmp(f->tags[i].key, DISCOVER_TAG_AUTH_SECRET) != 0)
            continue;
        out->auth_secret_tag = mem_xstrdup(f->tags[i].value ? f->tags[i].value : "");
        const char *want = spec->auth_token
                               ? (spec->reuse_secret ? spec->reuse_secret
                                                     : stack_spec_name(spec, STACK_NAME_SECRET))
                               : NULL;
        if (!want || strcmp(want, out->auth_secret_tag) != 0)
            ex_note(&nt,
                    "the group's tag " DISCOVER_TAG_AUTH_SECRET " names %s: Terraform and the "
                    "CLI script keep it; a spec applied tags the group with %s",
                    out->auth_secret_tag, want ? want : "nothing (no AUTH token)");
    }
}

void export_live_free(struct export_live *l)
{
    if (!l)
        return;
    stack_spec_free(&l->spec);
    export_observed_free(&l->observed);
    for (size_t i = 0; i < l->n_notes; i++)
        free(l->notes[i]);
    free(l->notes);
    memset(l, 0, sizeof(*l));
}

/* ---- gathering ---- */

struct export_live_req {
    struct aws_client *c;
    export_live_cb cb;
    void *arg;
    char *name;
    struct audit_req *audit;
    struct audit_facts *facts;
    struct aws_call *calls[6];
    size_t pending;
    struct ec2_vpc_list *vpcs;
    struct ec2_subnet_list *subnets;
    struct kms_alias_list *aliases[2];
    struct ec2_security_group_list *sgs;
    struct elasticache_cache_subnet_group_list *sngs;
    char **notes;
    size_t n_notes;
    unsigned long requests;
};

static void export_req_free(struct export_live_req *r)
{
    if (r->audit)
        audit_gather_cancel(r->audit);
    for (size_t i = 0; i < sizeof(r->calls) / sizeof(r->calls[0]); i++)
        if (r->calls[i])
            aws_call_cancel(r->calls[i]);
    if (r->facts) {
        audit_facts_free(r->facts);
        free(r->facts);
    }
    ec2_vpc_list_free(r->vpcs);
    ec2_subnet_list_free(r->subnets);
    kms_alias_list_free(r->aliases[0]);
    kms_alias_list_free(r->aliases[1]);
    ec2_security_group_list_free(r->sgs);
    elasticache_cache_subnet_group_list_free(r->sngs);
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->name);
    free(r);
}

void export_live_cancel(struct export_live_req *r)
{
    if (r)
        export_req_free(r);
}

static void export_note_err(struct export_live_req *r, const char *what,
                            const struct aws_error *err)
{
    char *m = aws_error_format(err);
    struct ex_notes nt = {&r->notes, &r->n_notes};
    ex_note(&nt, "could not read %s: %s", what, m);
    free(m);
}

static void export_maybe_finish(struct export_live_req *r)
{
    if (r->pending)
        return;
    struct export_live *l = mem_xcalloc(1, sizeof(*l));
    struct export_world w = {
        .facts = r->facts,
        .vpc = r->vpcs && r->vpcs->n ? &r->vpcs->items[0] : NULL,
        .subnets = r->subnets ? r->subnets->items : NULL,
        .n_subnets = r->subnets ? r->subnets->n : 0,
        .rest_aliases = r->aliases[0],
        .secret_aliases = r->aliases[1],
        .sg = r->sgs && r->sgs->n ? &r->sgs->items[0] : NULL,
        .subnet_group = r->sngs && r->sngs->n ? &r->sngs->items[0] : NULL,
    };
    l->notes = r->notes;
    l->n_notes = r->n_notes;
    r->notes = NULL;
    r->n_notes = 0;
    export_live_spec(&l->spec, r->name, r->facts->region, &w, &l->notes, &l->n_notes);
    export_live_observe(&l->spec, &w, &l->observed, &l->notes, &l->n_notes);
    l->requests = r->requests + r->facts->requests;
    export_live_cb cb = r->cb;
    void *arg = r->arg;
    export_req_free(r);
    cb(l, NULL, arg);
}

static void export_on_vpcs(struct ec2_vpc_list *out, const struct aws_error *err, void *arg)
{
    struct export_live_req *r = arg;
    r->calls[0] = NULL;
    r->pending--;
    if (out)
        r->vpcs = out;
    else
        export_note_err(r, "the VPC", err);
    export_maybe_finish(r);
}

static void export_on_subnets(struct ec2_subnet_list *out, const struct aws_error *err, void *arg)
{
    struct export_live_req *r = arg;
    r->calls[1] = NULL;
    r->pending--;
    if (out)
        r->subnets = out;
    else
        export_note_err(r, "the subnets", err);
    export_maybe_finish(r);
}

static void export_on_aliases(struct export_live_req *r, int which, struct kms_alias_list *out,
                              const struct aws_error *err)
{
    r->calls[2 + which] = NULL;
    r->pending--;
    if (out)
        r->aliases[which] = out;
    else
        export_note_err(r, which ? "the secret key's aliases" : "the at-rest key's aliases", err);
    export_maybe_finish(r);
}

static void export_on_rest_aliases(struct kms_alias_list *out, const struct aws_error *err,
                                   void *arg)
{
    export_on_aliases(arg, 0, out, err);
}

static void export_on_secret_aliases(struct kms_alias_list *out, const struct aws_error *err,
                                     void *arg)
{
    export_on_aliases(arg, 1, out, err);
}

static void export_list_aliases(struct export_live_req *r, int which, const struct audit_key *k)
{
    if (!k || !k->arn || !k->manager || strcmp(k->manager, "CUSTOMER") != 0)
        return;
    struct kms_list_aliases_in in = {.key_id = k->arn};
    r->calls[2 + which] =
        kms_list_aliases(r->c, &in, which ? export_on_secret_aliases : export_on_rest_aliases, r);
    if (r->calls[2 + which]) {
        r->pending++;
        r->requests++;
    }
}

static void export_on_sgs(struct ec2_security_group_list *out, const struct aws_error *err,
                          void *arg)
{
    struct export_live_req *r = arg;
    r->calls[4] = NULL;
    r->pending--;
    if (out)
        r->sgs = out;
    else
        export_note_err(r, "the security group", err);
    export_maybe_finish(r);
}

static void export_on_subnet_group(struct elasticache_cache_subnet_group_list *out,
                                   const struct aws_error *err, void *arg)
{
    struct export_live_req *r = arg;
    r->calls[5] = NULL;
    r->pending--;
    if (out)
        r->sngs = out;
    else
        export_note_err(r, "the subnet group", err);
    export_maybe_finish(r);
}

/* The group's own security group (the first that is not the VPC's
 * default) and its subnet group, each read for what it holds itself. */
static void export_read_own(struct export_live_req *r, const struct audit_facts *facts)
{
    const char *sg_id = NULL;
    for (size_t i = 0; i < facts->n_sgs && !sg_id; i++)
        if (!facts->sgs[i].is_default && facts->sgs[i].id)
            sg_id = facts->sgs[i].id;
    if (sg_id) {
        const char *ids[1] = {sg_id};
        struct ec2_describe_security_groups_in in = {.group_ids = ids, .n_group_ids = 1};
        r->calls[4] = ec2_describe_security_groups(r->c, &in, export_on_sgs, r);
        r->pending += r->calls[4] != NULL;
        r->requests++;
    }
    if (facts->subnet_group && strcasecmp(facts->subnet_group, "default") != 0) {
        struct elasticache_describe_cache_subnet_groups_in in = {.name = facts->subnet_group};
        r->calls[5] =
            elasticache_describe_cache_subnet_groups(r->c, &in, export_on_subnet_group, r);
        r->pending += r->calls[5] != NULL;
        r->requests++;
    }
}

static void export_on_facts(struct audit_facts *facts, const struct aws_error *err, void *arg)
{
    struct export_live_req *r = arg;
    r->audit = NULL;
    if (!facts) {
        export_live_cb cb = r->cb;
        void *a = r->arg;
        export_req_free(r);
        cb(NULL, err, a);
        return;
    }
    r->facts = facts;
    if (facts->vpc_id) {
        const char *ids[1] = {facts->vpc_id};
        struct ec2_describe_vpcs_in vin = {.vpc_ids = ids, .n_vpc_ids = 1};
        r->calls[0] = ec2_describe_vpcs(r->c, &vin, export_on_vpcs, r);
        struct ec2_filter flt = {"vpc-id", ids, 1};
        struct ec2_describe_subnets_in sin = {.filters = &flt, .n_filters = 1};
        r->calls[1] = ec2_describe_subnets(r->c, &sin, export_on_subnets, r);
        r->pending += (r->calls[0] != NULL) + (r->calls[1] != NULL);
        r->requests += 2;
    }
    const struct audit_key *rk = facts->kms_key ? audit_facts_key(facts, facts->kms_key) : NULL;
    export_list_aliases(r, 0, rk);
    const struct audit_key *sk =
        facts->secret.kms_key ? audit_facts_key(facts, facts->secret.kms_key) : NULL;
    if (sk != rk)
        export_list_aliases(r, 1, sk);
    export_read_own(r, facts);
    if (!r->pending) {
        /* nothing more to ask: finish from here (still inside a callback) */
        export_maybe_finish(r);
    }
}

struct export_live_req *export_live_gather(struct aws_client *c, const char *name,
                                           const struct stack_spec *spec, export_live_cb cb,
                                           void *arg)
{
    if (!c || !name || !cb)
        return NULL;
    struct stack_spec tmp;
    const struct stack_spec *s = spec;
    char err[256];
    if (!s) {
        stack_spec_init(&tmp);
        if (stack_spec_set_name(&tmp, name, err, sizeof(err)) != 0) {
            stack_spec_free(&tmp);
            return NULL;
        }
        stack_spec_set(&tmp, "stack", "region", aws_client_region(c), NULL, 0);
        s = &tmp;
    }
    struct export_live_req *r = mem_xcalloc(1, sizeof(*r));
    r->c = c;
    r->cb = cb;
    r->arg = arg;
    r->name = mem_xstrdup(name);
    struct audit_gather_options o = {
        .rg_id = stack_spec_name(s, STACK_NAME_REPLICATION_GROUP),
        .stack = name,
        .spec = s,
    };
    r->audit = audit_gather_start(c, &o, export_on_facts, r);
    if (s == &tmp)
        stack_spec_free(&tmp);
    if (!r->audit) {
        export_req_free(r);
        return NULL;
    }
    return r;
}
