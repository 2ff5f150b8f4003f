/* audit_facts.c - the facts the audit rules read, and those of a spec. */
#include "core/stack/audit_facts.h"

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
#include "core/model/placement.h"
#include "core/stack/stack_validate.h"

void audit_facts_init(struct audit_facts *f)
{
    memset(f, 0, sizeof(*f));
}

void audit_facts_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void audit_key_clear(struct audit_key *k)
{
    free(k->ref);
    free(k->arn);
    free(k->manager);
    free(k->state);
    free(k->policy);
    free(k->error);
}

static void audit_log_clear(struct audit_log_delivery *l)
{
    free(l->log_type);
    free(l->destination_type);
    free(l->destination);
    free(l->format);
    free(l->status);
    free(l->message);
    free(l->arn);
    free(l->kms_key);
    free(l->error);
}

static void audit_sg_clear(struct audit_sg *g)
{
    free(g->id);
    free(g->name);
    for (size_t i = 0; i < g->n_ingress; i++) {
        free(g->ingress[i].protocol);
        audit_facts_strv_free(g->ingress[i].sources, g->ingress[i].n_sources);
    }
    free(g->ingress);
    free(g->error);
}

static void audit_tags_free(struct audit_tag *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].key);
        free(t[i].value);
    }
    free(t);
}

void audit_facts_add_tag(struct audit_tag **t, size_t *n, const char *key, const char *value)
{
    *t = mem_xrealloc(*t, (*n + 1) * sizeof(**t));
    (*t)[*n].key = mem_xstrdup(key ? key : "");
    (*t)[*n].value = mem_xstrdup(value ? value : "");
    (*n)++;
}

void audit_facts_free(struct audit_facts *f)
{
    if (!f)
        return;
    free(f->subject);
    free(f->description);
    audit_tags_free(f->tags, f->n_tags);
    audit_tags_free(f->subnets, f->n_subnets);
    audit_facts_strv_free(f->sg_ids, f->n_sg_ids);
    free(f->region);
    free(f->account);
    free(f->stack);
    free(f->rg_id);
    free(f->rg_arn);
    free(f->status);
    free(f->engine);
    free(f->engine_version);
    free(f->node_type);
    free(f->parameter_group);
    free(f->transit_mode);
    free(f->kms_key);
    free(f->subnet_group);
    free(f->vpc_id);
    free(f->network_error);
    for (size_t i = 0; i < f->n_logs; i++)
        audit_log_clear(&f->logs[i]);
    free(f->logs);
    for (size_t i = 0; i < f->n_keys; i++)
        audit_key_clear(&f->keys[i]);
    free(f->keys);
    for (size_t i = 0; i < f->n_sgs; i++)
        audit_sg_clear(&f->sgs[i]);
    free(f->sgs);
    free(f->secret.name);
    free(f->secret.arn);
    free(f->secret.kms_key);
    free(f->secret.error);
    for (size_t i = 0; i < f->n_params; i++) {
        free(f->params[i].name);
        free(f->params[i].type);
        free(f->params[i].key_id);
        free(f->params[i].error);
    }
    free(f->params);
    for (size_t i = 0; i < f->n_policies; i++) {
        free(f->policies[i].name);
        free(f->policies[i].arn);
        free(f->policies[i].document);
        free(f->policies[i].error);
    }
    free(f->policies);
    free(f->parameters_error);
    for (size_t i = 0; i < f->n_flags; i++) {
        free(f->flags[i].id);
        free(f->flags[i].text);
    }
    free(f->flags);
    free(f->placement_error);
    audit_facts_strv_free(f->notes, f->n_notes);
    memset(f, 0, sizeof(*f));
}

/* The key id at the end of a key ARN ("arn:...:key/<id>"), or the text. */
static const char *audit_key_tail(const char *s)
{
    const char *k = s ? strstr(s, ":key/") : NULL;
    return k ? k + 5 : s;
}

bool audit_facts_key_matches(const struct audit_key *k, const char *ref)
{
    if (!ref || !*ref)
        return false;
    if (k->ref && strcmp(k->ref, ref) == 0)
        return true;
    if (k->arn && strcmp(k->arn, ref) == 0)
        return true;
    /* a bare key id or an ARN of the same key */
    const char *t = audit_key_tail(ref);
    if (strncmp(t, "alias/", 6) != 0 && k->arn && strcmp(audit_key_tail(k->arn), t) == 0)
        return true;
    return false;
}

const struct audit_key *audit_facts_key(const struct audit_facts *f, const char *ref)
{
    for (size_t i = 0; i < f->n_keys; i++)
        if (audit_facts_key_matches(&f->keys[i], ref))
            return &f->keys[i];
    return NULL;
}

struct audit_key *audit_facts_add_key(struct audit_facts *f, const char *ref)
{
    for (size_t i = 0; i < f->n_keys; i++)
        if (f->keys[i].ref && strcmp(f->keys[i].ref, ref) == 0)
            return &f->keys[i];
    f->keys = mem_xrealloc(f->keys, (f->n_keys + 1) * sizeof(*f->keys));
    struct audit_key *k = &f->keys[f->n_keys++];
    memset(k, 0, sizeof(*k));
    k->ref = mem_xstrdup(ref);
    return k;
}

void audit_facts_note(struct audit_facts *f, const char *fmt, ...)
{
    va_list ap;
    struct buf b;
    buf_init(&b, 4096);
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    f->notes = mem_xrealloc(f->notes, (f->n_notes + 1) * sizeof(*f->notes));
    f->notes[f->n_notes++] = buf_steal(&b);
}

void audit_facts_flag(struct audit_facts *f, const char *id, enum audit_severity sev,
                      const char *text)
{
    f->flags = mem_xrealloc(f->flags, (f->n_flags + 1) * sizeof(*f->flags));
    f->flags[f->n_flags].id = mem_xstrdup(id);
    f->flags[f->n_flags].severity = sev;
    f->flags[f->n_flags].text = mem_xstrdup(text);
    f->n_flags++;
}

struct audit_log_delivery *audit_facts_add_log(struct audit_facts *f)
{
    f->logs = mem_xrealloc(f->logs, (f->n_logs + 1) * sizeof(*f->logs));
    struct audit_log_delivery *l = &f->logs[f->n_logs++];
    memset(l, 0, sizeof(*l));
    return l;
}

struct audit_sg *audit_facts_add_sg(struct audit_facts *f)
{
    f->sgs = mem_xrealloc(f->sgs, (f->n_sgs + 1) * sizeof(*f->sgs));
    struct audit_sg *g = &f->sgs[f->n_sgs++];
    memset(g, 0, sizeof(*g));
    return g;
}

struct audit_permission *audit_facts_add_perm(struct audit_sg *g)
{
    g->ingress = mem_xrealloc(g->ingress, (g->n_ingress + 1) * sizeof(*g->ingress));
    struct audit_permission *p = &g->ingress[g->n_ingress++];
    memset(p, 0, sizeof(*p));
    return p;
}

void audit_facts_perm_source(struct audit_permission *p, const char *src)
{
    p->sources = mem_xrealloc(p->sources, (p->n_sources + 1) * sizeof(*p->sources));
    p->sources[p->n_sources++] = mem_xstrdup(src ? src : "?");
}

struct audit_parameter *audit_facts_add_param(struct audit_facts *f, const char *name)
{
    f->params = mem_xrealloc(f->params, (f->n_params + 1) * sizeof(*f->params));
    struct audit_parameter *p = &f->params[f->n_params++];
    memset(p, 0, sizeof(*p));
    p->name = mem_xstrdup(name);
    return p;
}

struct audit_policy *audit_facts_add_policy(struct audit_facts *f, const char *name,
                                            const char *arn)
{
    f->policies = mem_xrealloc(f->policies, (f->n_policies + 1) * sizeof(*f->policies));
    struct audit_policy *p = &f->policies[f->n_policies++];
    memset(p, 0, sizeof(*p));
    p->name = mem_xstrdup(name);
    p->arn = mem_xstrdup(arn);
    return p;
}

enum audit_tri audit_facts_tri(bool v)
{
    return v ? AUDIT_TRI_YES : AUDIT_TRI_NO;
}

static char *audit_facts_json_text(json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    char *out = mem_xstrdup(s ? s : "{}");
    free(s);
    return out;
}

/* ---- facts from a spec ---- */

/* The ARN apply will give the at-rest (secret: the secret's) key. */
static char *audit_spec_key_arn(const struct audit_facts *f, const struct stack_spec *s,
                                bool secret)
{
    char *kn = stack_spec_key_name(s, secret);
    char *arn = mem_xasprintf("arn:%s:kms:%s:%s:key/%s", stack_spec_partition(f->region), f->region,
                              f->account, kn);
    free(kn);
    return arn;
}

/* The group as the spec makes it. */
static void audit_spec_group(struct audit_facts *f, const struct stack_spec *s)
{
    const char *part = stack_spec_partition(f->region);
    const char *acct = f->account;
    f->rg_id = mem_xstrdup(stack_spec_name(s, STACK_NAME_REPLICATION_GROUP));
    f->rg_arn = mem_xasprintf("arn:%s:elasticache:%s:%s:replicationgroup:%s", part, f->region, acct,
                              f->rg_id);
    f->status = mem_xstrdup("planned");
    f->engine = mem_xstrdup(s->engine ? s->engine : "redis");
    f->engine_version = mem_xstrdup(s->engine_version ? s->engine_version
                                                      : stack_validate_default_version(f->engine));
    f->node_type = mem_xstrdup(s->node_type);
    f->parameter_group = mem_xstrdup(s->parameter_group);
    f->cluster_enabled = stack_validate_cluster_mode(s);
    f->shards = s->shards;
    f->replicas = s->replicas;
    f->nodes = s->shards * (1 + s->replicas);
    f->port = s->port;
    f->at_rest = audit_facts_tri(s->at_rest_encryption);
    f->transit = audit_facts_tri(s->transit_encryption);
    if (s->transit_encryption)
        f->transit_mode = mem_xstrdup("required");
    f->auth_token = audit_facts_tri(s->auth_token && s->transit_encryption);
    f->multi_az = audit_facts_tri(s->multi_az);
    f->failover = audit_facts_tri(s->automatic_failover);
    f->auto_minor = audit_facts_tri(s->auto_minor_version_upgrade);
    f->has_snapshot_retention = true;
    f->snapshot_retention = s->snapshot_retention;
    f->subnet_group = mem_xstrdup(stack_spec_name(s, STACK_NAME_SUBNET_GROUP));
}

/* The at-rest key (group, log groups, SSM), known unless reused. */
static void audit_spec_rest_key(struct audit_facts *f, const struct stack_spec *s,
                                const char *rest_ref)
{
    const char *acct = f->account;
    struct audit_key *rk = audit_facts_add_key(f, rest_ref);
    if (s->reuse_kms_key) {
        rk->error = mem_xasprintf("reused key %s: audit the live stack", s->reuse_kms_key);
    } else {
        rk->arn = audit_spec_key_arn(f, s, false);
        rk->manager = mem_xstrdup("CUSTOMER");
        rk->state = mem_xstrdup("Enabled");
        rk->rotation = audit_facts_tri(s->key_rotation);
        rk->policy = audit_facts_json_text(stack_spec_rest_key_policy(s, acct));
    }
    if (s->at_rest_encryption)
        f->kms_key = mem_xstrdup(rest_ref);
}

/* The log groups, encrypted with the at-rest key. */
static void audit_spec_log_groups(struct audit_facts *f, const struct stack_spec *s,
                                  const char *rest_ref)
{
    const char *acct = f->account;
    for (int engine = 0; engine < 2; engine++) {
        if (!(engine ? s->engine_log : s->slow_log))
            continue;
        struct audit_log_delivery *l = audit_facts_add_log(f);
        l->log_type = mem_xstrdup(engine ? "engine-log" : "slow-log");
        l->destination_type = mem_xstrdup("cloudwatch-logs");
        l->destination = mem_xstrdup(
            stack_spec_name(s, engine ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP));
        l->format = mem_xstrdup(s->log_format ? s->log_format : "json");
        l->status = mem_xstrdup("active");
        l->found = AUDIT_TRI_YES;
        l->arn = stack_spec_log_group_arn(s, acct, engine != 0);
        l->has_retention = s->log_retention_days > 0;
        l->retention_days = s->log_retention_days;
        l->kms_key = mem_xstrdup(rest_ref);
    }
}

/* The security group: the one created, or a reused one (unknown). */
static void audit_spec_security_group(struct audit_facts *f, const struct stack_spec *s)
{
    struct audit_sg *g = audit_facts_add_sg(f);
    if (s->reuse_security_group) {
        g->id = mem_xstrdup(s->reuse_security_group);
        g->error = mem_xasprintf("reused security group %s: audit the live stack",
                                 s->reuse_security_group);
    } else {
        g->name = mem_xstrdup(stack_spec_name(s, STACK_NAME_SECURITY_GROUP));
        struct audit_permission *p = audit_facts_add_perm(g);
        p->protocol = mem_xstrdup("tcp");
        p->has_ports = true;
        p->from_port = p->to_port = s->port;
        audit_facts_perm_source(p, s->vpc_cidr);
    }
}

/* The secret and its key. */
static void audit_spec_secret(struct audit_facts *f, const struct stack_spec *s)
{
    const char *part = stack_spec_partition(f->region);
    const char *acct = f->account;
    if (s->auth_token) {
        f->has_secret = true;
        f->secret.name =
            mem_xstrdup(s->reuse_secret ? s->reuse_secret : stack_spec_name(s, STACK_NAME_SECRET));
        f->secret.arn = mem_xasprintf("arn:%s:secretsmanager:%s:%s:secret:%s", part, f->region,
                                      acct, f->secret.name);
        if (s->reuse_secret) {
            f->secret.error =
                mem_xasprintf("reused secret %s: audit the live stack", s->reuse_secret);
        } else {
            f->secret.found = AUDIT_TRI_YES;
            f->secret.rotation = AUDIT_TRI_NO; /* elcui never sets up rotation */
            const char *sk_alias = stack_spec_name(s, STACK_NAME_SECRET_KEY_ALIAS);
            const char *sref = s->reuse_secret_kms_key ? s->reuse_secret_kms_key : sk_alias;
            f->secret.kms_key = mem_xstrdup(sref);
            struct audit_key *sk = audit_facts_add_key(f, sref);
            if (s->reuse_secret_kms_key) {
                sk->error =
                    mem_xasprintf("reused key %s: audit the live stack", s->reuse_secret_kms_key);
            } else {
                sk->arn = audit_spec_key_arn(f, s, true);
                sk->manager = mem_xstrdup("CUSTOMER");
                sk->state = mem_xstrdup("Enabled");
                sk->rotation = audit_facts_tri(s->key_rotation);
                if (s->secret_key_policy)
                    sk->policy = audit_facts_json_text(stack_spec_secret_key_policy(s, acct));
            }
        }
    }
}

/* The SSM parameters and the IAM read policies. */
static void audit_spec_params_policies(struct audit_facts *f, const struct stack_spec *s,
                                       const char *rest_ref)
{
    const char *acct = f->account;
    if (s->ssm_parameters) {
        for (int port = 0; port < 2; port++) {
            char *n = stack_spec_ssm_name(s, port != 0);
            struct audit_parameter *p = audit_facts_add_param(f, n);
            free(n);
            p->found = AUDIT_TRI_YES;
            p->type = mem_xstrdup("SecureString");
            p->key_id = mem_xstrdup(rest_ref);
        }
    }
    if (s->ssm_read_policy) {
        char *arn = stack_spec_policy_arn(s, acct, false);
        struct audit_policy *p =
            audit_facts_add_policy(f, stack_spec_name(s, STACK_NAME_SSM_POLICY), arn);
        free(arn);
        p->found = AUDIT_TRI_YES;
        char *rest_arn = audit_spec_key_arn(f, s, false);
        p->document = audit_facts_json_text(stack_spec_ssm_read_policy(s, acct, rest_arn));
        free(rest_arn);
    }
    if (s->secret_read_policy && s->auth_token) {
        char *arn = stack_spec_policy_arn(s, acct, true);
        struct audit_policy *p =
            audit_facts_add_policy(f, stack_spec_name(s, STACK_NAME_SECRET_POLICY), arn);
        free(arn);
        p->found = AUDIT_TRI_YES;
        char *skarn = audit_spec_key_arn(f, s, true);
        p->document = audit_facts_json_text(stack_spec_secret_read_policy(s, f->secret.arn, skarn));
        free(skarn);
    }
}

/* Slow-log settings: the default groups carry the engine defaults. */
static void audit_spec_slowlog(struct audit_facts *f, const struct stack_spec *s)
{
    if (s->parameter_group && strncmp(s->parameter_group, "default.", 8) == 0) {
        f->has_slowlog_max_len = true;
        f->slowlog_max_len = 128;
        f->has_slowlog_slower_than = true;
        f->slowlog_slower_than = 10000;
    } else {
        f->parameters_error =
            mem_xasprintf("custom parameter group %s: its slow-log settings are read live",
                          s->parameter_group ? s->parameter_group : "(none)");
    }
}

/* Placement: zones of the private subnets (the cache's subnets). */
static void audit_spec_placement(struct audit_facts *f, const struct stack_spec *s,
                                 const char *const *zones, size_t n_zones)
{
    size_t n_subnets = s->n_reuse_subnets ? s->n_reuse_subnets : s->n_private;
    const char *const *zl = s->n_azs ? (const char *const *)s->azs : zones;
    size_t nz = s->n_azs ? s->n_azs : n_zones;
    size_t distinct = 0;
    if (s->n_reuse_subnets) {
        f->placement_error = mem_xstrdup("reused subnets: their zones are read live");
    } else if (nz > 0) {
        const char *seen[STACK_SPEC_MAX_SUBNETS];
        for (size_t i = 0; i < n_subnets && i < STACK_SPEC_MAX_SUBNETS; i++) {
            const char *z = zl[i % nz];
            bool dup = false;
            for (size_t j = 0; j < distinct; j++)
                dup = dup || strcmp(seen[j], z) == 0;
            if (!dup)
                seen[distinct++] = z;
        }
    } else {
        distinct = n_subnets;
        audit_facts_note(f,
                         "zones are not known before the plan: the %zu private subnet%s %s "
                         "assumed to be in %zu different zone%s",
                         n_subnets, n_subnets == 1 ? "" : "s", n_subnets == 1 ? "is" : "are",
                         n_subnets, n_subnets == 1 ? "" : "s");
    }
    if (!f->placement_error) {
        f->placement_known = true;
        f->n_azs = distinct;
        int per_shard = 1 + s->replicas;
        if (distinct <= 1 && f->nodes > 1) {
            audit_facts_flag(f, "single-az", AUDIT_SEV_HIGH,
                             "every node would sit in one AZ: an AZ outage takes the group down");
        } else if (s->replicas == 0) {
            audit_facts_flag(f, "no-replicas", AUDIT_SEV_MEDIUM,
                             "shards without replicas: a node failure loses that shard's data");
        } else if ((int)distinct < per_shard) {
            char t[200];
            snprintf(t, sizeof(t),
                     "%d nodes per shard over %zu AZs: some replicas share their primary's AZ",
                     per_shard, distinct);
            audit_facts_flag(f, "replica-same-az", AUDIT_SEV_MEDIUM, t);
        }
    }
}

void audit_facts_from_spec(struct audit_facts *f, const struct stack_spec *s, const char *account,
                           const char *const *zones, size_t n_zones)
{
    audit_facts_init(f);
    const char *name = s->name ? s->name : "";
    const char *acct = account && *account ? account : "ACCOUNT";
    f->plan = true;
    f->subject = mem_xasprintf("plan of stack %s", name);
    f->region = mem_xstrdup(stack_spec_region(s));
    f->account = mem_xstrdup(acct);
    f->stack = s->name ? mem_xstrdup(s->name) : NULL;
    audit_spec_group(f, s);
    const char *rest_ref =
        s->reuse_kms_key ? s->reuse_kms_key : stack_spec_name(s, STACK_NAME_REST_KEY_ALIAS);
    audit_spec_rest_key(f, s, rest_ref);
    audit_spec_log_groups(f, s, rest_ref);
    audit_spec_security_group(f, s);
    audit_spec_secret(f, s);
    audit_spec_params_policies(f, s, rest_ref);
    audit_spec_slowlog(f, s);
    audit_spec_placement(f, s, zones, n_zones);
}
