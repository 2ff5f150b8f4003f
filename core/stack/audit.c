/* audit.c - rules over a group and its surroundings (see audit.h). */
#include "core/stack/audit.h"

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

/* ================= rule table ================= */

static const struct audit_rule audit_rule_table[] = {
    {"at-rest-encryption", AUDIT_SEV_HIGH, "CKV_AWS_29", "ElastiCache.4", "data encrypted at rest"},
    {"transit-encryption", AUDIT_SEV_HIGH, "CKV_AWS_30", "ElastiCache.5",
     "data encrypted in transit (TLS required)"},
    {"auth-token", AUDIT_SEV_HIGH, "CKV_AWS_31", "ElastiCache.6",
     "clients authenticate (AUTH token or RBAC) over TLS"},
    {"at-rest-cmk", AUDIT_SEV_MEDIUM, "CKV_AWS_191", NULL,
     "at-rest encryption uses a customer-managed KMS key"},
    {"backups", AUDIT_SEV_MEDIUM, "CKV_AWS_134", "ElastiCache.1", "automatic backups on"},
    {"auto-minor-upgrade", AUDIT_SEV_LOW, NULL, "ElastiCache.2",
     "automatic minor version upgrades"},
    {"automatic-failover", AUDIT_SEV_MEDIUM, NULL, "ElastiCache.3", "automatic failover on"},
    {"multi-az", AUDIT_SEV_MEDIUM, NULL, NULL, "Multi-AZ on"},
    {"default-subnet-group", AUDIT_SEV_MEDIUM, NULL, "ElastiCache.7",
     "not in the default subnet group"},
    {"slow-log-delivery", AUDIT_SEV_LOW, NULL, NULL, "slow-log delivery on"},
    {"engine-log-delivery", AUDIT_SEV_LOW, NULL, NULL, "engine-log delivery on"},
    {"log-group-kms", AUDIT_SEV_MEDIUM, "CKV_AWS_158", NULL, "log groups encrypted with KMS"},
    {"log-group-retention", AUDIT_SEV_LOW, "CKV_AWS_338", NULL,
     "log groups keep records at least 365 days"},
    {"key-rotation", AUDIT_SEV_MEDIUM, "CKV_AWS_7", "KMS.4", "customer-managed keys rotate"},
    {"key-policy-logs", AUDIT_SEV_MEDIUM, NULL, NULL,
     "CloudWatch Logs may use the key only for these log groups"},
    {"sg-ingress-port", AUDIT_SEV_MEDIUM, NULL, NULL, "security groups admit only the cache port"},
    {"sg-ingress-open", AUDIT_SEV_CRITICAL, NULL, "EC2.18", "no ingress from 0.0.0.0/0 or ::/0"},
    {"secret-cmk", AUDIT_SEV_MEDIUM, "CKV_AWS_149", NULL,
     "the AUTH token secret uses a customer-managed key"},
    {"secret-rotation", AUDIT_SEV_MEDIUM, "CKV2_AWS_57", "SecretsManager.1",
     "the AUTH token secret rotates"},
    {"ssm-securestring-cmk", AUDIT_SEV_MEDIUM, "CKV_AWS_337", NULL,
     "SSM parameters are SecureString with a customer-managed key"},
    {"iam-no-wildcard", AUDIT_SEV_MEDIUM, "CKV_AWS_355", NULL,
     "read policies name exact resources"},
    {"placement", AUDIT_SEV_MEDIUM, NULL, NULL, "nodes placed to survive an AZ failure"},
    {"slowlog-max-len", AUDIT_SEV_LOW, NULL, NULL, "slow-log settings keep what delivery reads"},
};
#define AUDIT_N_RULES (sizeof(audit_rule_table) / sizeof(audit_rule_table[0]))

const struct audit_rule *audit_rules(size_t *n)
{
    if (n)
        *n = AUDIT_N_RULES;
    return audit_rule_table;
}

const struct audit_rule *audit_rule_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < AUDIT_N_RULES; i++)
        if (strcasecmp(audit_rule_table[i].id, id) == 0)
            return &audit_rule_table[i];
    return NULL;
}

const char *audit_severity_name(enum audit_severity s)
{
    switch (s) {
    case AUDIT_SEV_INFO:
        return "info";
    case AUDIT_SEV_LOW:
        return "low";
    case AUDIT_SEV_MEDIUM:
        return "medium";
    case AUDIT_SEV_HIGH:
        return "high";
    case AUDIT_SEV_CRITICAL:
        return "critical";
    }
    return "?";
}

int audit_severity_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = AUDIT_SEV_INFO; i <= AUDIT_SEV_CRITICAL; i++)
        if (strcasecmp(s, audit_severity_name((enum audit_severity)i)) == 0)
            return i;
    if (strcasecmp(s, "none") == 0)
        return AUDIT_SEV_CRITICAL + 1;
    return -1;
}

const char *audit_status_name(enum audit_status s)
{
    switch (s) {
    case AUDIT_FAIL:
        return "fail";
    case AUDIT_UNKNOWN:
        return "unknown";
    case AUDIT_ACCEPTED:
        return "accepted";
    case AUDIT_NOTE:
        return "note";
    case AUDIT_PASS:
        return "pass";
    case AUDIT_NA:
        return "n/a";
    }
    return "?";
}

/* ================= facts ================= */

void audit_facts_init(struct audit_facts *f)
{
    memset(f, 0, sizeof(*f));
}

static void audit_strv_free(char **v, size_t n)
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
        audit_strv_free(g->ingress[i].sources, g->ingress[i].n_sources);
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

static void audit_tag_add(struct audit_tag **t, size_t *n, const char *key, const char *value)
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
    audit_strv_free(f->sg_ids, f->n_sg_ids);
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
    audit_strv_free(f->notes, f->n_notes);
    memset(f, 0, sizeof(*f));
}

/* The key id at the end of a key ARN ("arn:...:key/<id>"), or the text. */
static const char *audit_key_tail(const char *s)
{
    const char *k = s ? strstr(s, ":key/") : NULL;
    return k ? k + 5 : s;
}

static bool audit_key_matches(const struct audit_key *k, const char *ref)
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
        if (audit_key_matches(&f->keys[i], ref))
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

static void audit_add_flag(struct audit_facts *f, const char *id, enum audit_severity sev,
                           const char *text)
{
    f->flags = mem_xrealloc(f->flags, (f->n_flags + 1) * sizeof(*f->flags));
    f->flags[f->n_flags].id = mem_xstrdup(id);
    f->flags[f->n_flags].severity = sev;
    f->flags[f->n_flags].text = mem_xstrdup(text);
    f->n_flags++;
}

static struct audit_log_delivery *audit_add_log(struct audit_facts *f)
{
    f->logs = mem_xrealloc(f->logs, (f->n_logs + 1) * sizeof(*f->logs));
    struct audit_log_delivery *l = &f->logs[f->n_logs++];
    memset(l, 0, sizeof(*l));
    return l;
}

static struct audit_sg *audit_add_sg(struct audit_facts *f)
{
    f->sgs = mem_xrealloc(f->sgs, (f->n_sgs + 1) * sizeof(*f->sgs));
    struct audit_sg *g = &f->sgs[f->n_sgs++];
    memset(g, 0, sizeof(*g));
    return g;
}

static struct audit_permission *audit_add_perm(struct audit_sg *g)
{
    g->ingress = mem_xrealloc(g->ingress, (g->n_ingress + 1) * sizeof(*g->ingress));
    struct audit_permission *p = &g->ingress[g->n_ingress++];
    memset(p, 0, sizeof(*p));
    return p;
}

static void audit_perm_source(struct audit_permission *p, const char *src)
{
    p->sources = mem_xrealloc(p->sources, (p->n_sources + 1) * sizeof(*p->sources));
    p->sources[p->n_sources++] = mem_xstrdup(src ? src : "?");
}

static struct audit_parameter *audit_add_param(struct audit_facts *f, const char *name)
{
    f->params = mem_xrealloc(f->params, (f->n_params + 1) * sizeof(*f->params));
    struct audit_parameter *p = &f->params[f->n_params++];
    memset(p, 0, sizeof(*p));
    p->name = mem_xstrdup(name);
    return p;
}

static struct audit_policy *audit_add_policy(struct audit_facts *f, const char *name,
                                             const char *arn)
{
    f->policies = mem_xrealloc(f->policies, (f->n_policies + 1) * sizeof(*f->policies));
    struct audit_policy *p = &f->policies[f->n_policies++];
    memset(p, 0, sizeof(*p));
    p->name = mem_xstrdup(name);
    p->arn = mem_xstrdup(arn);
    return p;
}

static enum audit_tri audit_tri(bool v)
{
    return v ? AUDIT_TRI_YES : AUDIT_TRI_NO;
}

static char *audit_json_text(json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    char *out = mem_xstrdup(s ? s : "{}");
    free(s);
    return out;
}

/* ================= facts from a spec ================= */

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
    const char *part = stack_spec_partition(f->region);

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
    f->at_rest = audit_tri(s->at_rest_encryption);
    f->transit = audit_tri(s->transit_encryption);
    if (s->transit_encryption)
        f->transit_mode = mem_xstrdup("required");
    f->auth_token = audit_tri(s->auth_token && s->transit_encryption);
    f->multi_az = audit_tri(s->multi_az);
    f->failover = audit_tri(s->automatic_failover);
    f->auto_minor = audit_tri(s->auto_minor_version_upgrade);
    f->has_snapshot_retention = true;
    f->snapshot_retention = s->snapshot_retention;
    f->subnet_group = mem_xstrdup(stack_spec_name(s, STACK_NAME_SUBNET_GROUP));

    /* keys: the at-rest key (group, log groups, SSM) and the secret key */
    const char *rest_alias = stack_spec_name(s, STACK_NAME_REST_KEY_ALIAS);
    const char *rest_ref = s->reuse_kms_key ? s->reuse_kms_key : rest_alias;
    struct audit_key *rk = audit_facts_add_key(f, rest_ref);
    char *rest_name = stack_spec_key_name(s, false);
    char *rest_arn = mem_xasprintf("arn:%s:kms:%s:%s:key/%s", part, f->region, acct, rest_name);
    free(rest_name);
    if (s->reuse_kms_key) {
        rk->error = mem_xasprintf("reused key %s: audit the live stack", s->reuse_kms_key);
    } else {
        rk->arn = mem_xstrdup(rest_arn);
        rk->manager = mem_xstrdup("CUSTOMER");
        rk->state = mem_xstrdup("Enabled");
        rk->rotation = audit_tri(s->key_rotation);
        rk->policy = audit_json_text(stack_spec_rest_key_policy(s, acct));
    }
    if (s->at_rest_encryption)
        f->kms_key = mem_xstrdup(rest_ref);

    /* log groups */
    for (int engine = 0; engine < 2; engine++) {
        if (!(engine ? s->engine_log : s->slow_log))
            continue;
        struct audit_log_delivery *l = audit_add_log(f);
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

    /* security group: the one created, or a reused one (unknown) */
    struct audit_sg *g = audit_add_sg(f);
    if (s->reuse_security_group) {
        g->id = mem_xstrdup(s->reuse_security_group);
        g->error = mem_xasprintf("reused security group %s: audit the live stack",
                                 s->reuse_security_group);
    } else {
        g->name = mem_xstrdup(stack_spec_name(s, STACK_NAME_SECURITY_GROUP));
        struct audit_permission *p = audit_add_perm(g);
        p->protocol = mem_xstrdup("tcp");
        p->has_ports = true;
        p->from_port = p->to_port = s->port;
        audit_perm_source(p, s->vpc_cidr);
    }

    /* the secret and its key */
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
                char *kn = stack_spec_key_name(s, true);
                sk->arn = mem_xasprintf("arn:%s:kms:%s:%s:key/%s", part, f->region, acct, kn);
                free(kn);
                sk->manager = mem_xstrdup("CUSTOMER");
                sk->state = mem_xstrdup("Enabled");
                sk->rotation = audit_tri(s->key_rotation);
                if (s->secret_key_policy)
                    sk->policy = audit_json_text(stack_spec_secret_key_policy(s, acct));
            }
        }
    }

    /* SSM parameters and IAM read policies */
    if (s->ssm_parameters) {
        for (int port = 0; port < 2; port++) {
            char *n = stack_spec_ssm_name(s, port != 0);
            struct audit_parameter *p = audit_add_param(f, n);
            free(n);
            p->found = AUDIT_TRI_YES;
            p->type = mem_xstrdup("SecureString");
            p->key_id = mem_xstrdup(rest_ref);
        }
    }
    if (s->ssm_read_policy) {
        char *arn = stack_spec_policy_arn(s, acct, false);
        struct audit_policy *p =
            audit_add_policy(f, stack_spec_name(s, STACK_NAME_SSM_POLICY), arn);
        free(arn);
        p->found = AUDIT_TRI_YES;
        p->document = audit_json_text(stack_spec_ssm_read_policy(s, acct, rest_arn));
    }
    if (s->secret_read_policy && s->auth_token) {
        char *arn = stack_spec_policy_arn(s, acct, true);
        struct audit_policy *p =
            audit_add_policy(f, stack_spec_name(s, STACK_NAME_SECRET_POLICY), arn);
        free(arn);
        p->found = AUDIT_TRI_YES;
        char *kn = stack_spec_key_name(s, true);
        char *skarn = mem_xasprintf("arn:%s:kms:%s:%s:key/%s", part, f->region, acct, kn);
        free(kn);
        p->document = audit_json_text(stack_spec_secret_read_policy(s, f->secret.arn, skarn));
        free(skarn);
    }

    /* slow-log settings: the default groups carry the engine defaults */
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

    /* placement: zones of the private subnets (the cache's subnets) */
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
            audit_add_flag(f, "single-az", AUDIT_SEV_HIGH,
                           "every node would sit in one AZ: an AZ outage takes the group down");
        } else if (s->replicas == 0) {
            audit_add_flag(f, "no-replicas", AUDIT_SEV_MEDIUM,
                           "shards without replicas: a node failure loses that shard's data");
        } else if ((int)distinct < per_shard) {
            char t[200];
            snprintf(t, sizeof(t),
                     "%d nodes per shard over %zu AZs: some replicas share their primary's AZ",
                     per_shard, distinct);
            audit_add_flag(f, "replica-same-az", AUDIT_SEV_MEDIUM, t);
        }
    }
    free(rest_arn);
}

/* ================= evaluation ================= */

struct audit_rb {
    struct audit_report *r;
    const struct audit_facts *f;
    const struct stack_spec *acc;
};

static const char *audit_accepted_reason(const struct stack_spec *acc,
                                         const struct audit_rule *rule, const char *id)
{
    if (!acc)
        return NULL;
    const char *why = stack_spec_accepted(acc, id);
    if (!why && rule)
        why = stack_spec_accepted(acc, rule->id);
    if (!why && rule && rule->checkov)
        why = stack_spec_accepted(acc, rule->checkov);
    if (!why && rule && rule->securityhub)
        why = stack_spec_accepted(acc, rule->securityhub);
    if (!why && strncmp(id, "placement.", 10) == 0)
        why = stack_spec_accepted(acc, id + 10);
    return why;
}

/* Add a result; finding is taken (heap). */
static void audit_res(struct audit_rb *b, const char *rule_id, const char *id, enum audit_status st,
                      int sev, const char *resource, char *finding, const char *fix)
{
    const struct audit_rule *rule = audit_rule_find(rule_id);
    struct audit_report *r = b->r;
    r->items = mem_xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
    struct audit_result *x = &r->items[r->n++];
    memset(x, 0, sizeof(*x));
    x->rule = rule;
    x->id = mem_xstrdup(id ? id : rule_id);
    x->severity = sev >= 0 ? (enum audit_severity)sev : (rule ? rule->severity : AUDIT_SEV_LOW);
    x->resource = mem_xstrdup(resource ? resource : "");
    x->finding = finding ? finding : mem_xstrdup("");
    x->status = st;
    if (st == AUDIT_FAIL) {
        const char *why = audit_accepted_reason(b->acc, rule, x->id);
        if (why) {
            x->status = AUDIT_ACCEPTED;
            x->accepted = mem_xstrdup(why);
        }
    }
    if (st != AUDIT_PASS && st != AUDIT_NA && fix)
        x->fix = mem_xstrdup(fix);
}

static void audit_simple(struct audit_rb *b, const char *rule, enum audit_status st,
                         const char *resource, char *finding, const char *fix)
{
    audit_res(b, rule, NULL, st, -1, resource, finding, fix);
}

/* Not applicable: the stack keeps none of what (or there is no stack). */
static void audit_none_kept(struct audit_rb *b, const char *rule, const char *what)
{
    audit_simple(b, rule, AUDIT_NA, "",
                 b->f->stack ? mem_xasprintf("the stack keeps no %s", what)
                             : mem_xasprintf("no stack around the group: no %s known", what),
                 NULL);
}

/* A policy document's statements as an array (a lone statement object is
 * put in *one, which the caller releases). */
static const json_t *audit_statements(const json_t *doc, json_t **one)
{
    const json_t *sts = json_object_get(doc, "Statement");
    *one = NULL;
    if (json_is_object(sts)) {
        *one = json_array();
        json_array_append(*one, (json_t *)sts);
        sts = *one;
    }
    return sts;
}

static char *audit_rg_resource(const struct audit_facts *f)
{
    return mem_xasprintf("replication group %s", f->rg_id ? f->rg_id : "?");
}

/* ---- group settings ---- */

static void audit_rule_group(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    char *res = audit_rg_resource(f);

    switch (f->at_rest) {
    case AUDIT_TRI_YES:
        audit_simple(b, "at-rest-encryption", AUDIT_PASS, res,
                     mem_xstrdup("at-rest encryption is on"), NULL);
        break;
    case AUDIT_TRI_NO:
        audit_simple(b, "at-rest-encryption", AUDIT_FAIL, res,
                     mem_xstrdup("at-rest encryption is off: data on disk (swap, backups) "
                                 "is not encrypted"),
                     "at-rest encryption is set at creation only: create a new group with "
                     "AtRestEncryptionEnabled=true and a customer-managed KmsKeyId, then "
                     "move the data (backup and restore, or online migration)");
        break;
    default:
        audit_simple(b, "at-rest-encryption", AUDIT_UNKNOWN, res,
                     mem_xstrdup("the group does not say whether at-rest encryption is on"),
                     "check AtRestEncryptionEnabled with DescribeReplicationGroups");
    }

    if (f->transit == AUDIT_TRI_YES && f->transit_mode &&
        strcasecmp(f->transit_mode, "preferred") == 0) {
        audit_simple(b, "transit-encryption", AUDIT_FAIL, res,
                     mem_xstrdup("TLS is on but only preferred: clients may still connect in "
                                 "clear text"),
                     "after every client uses TLS, ModifyReplicationGroup "
                     "TransitEncryptionMode=required");
    } else if (f->transit == AUDIT_TRI_YES) {
        audit_simple(b, "transit-encryption", AUDIT_PASS, res,
                     mem_xstrdup("in-transit encryption (TLS) is required"), NULL);
    } else if (f->transit == AUDIT_TRI_NO) {
        audit_simple(b, "transit-encryption", AUDIT_FAIL, res,
                     mem_xstrdup("in-transit encryption is off: commands, data and any "
                                 "password cross the network in clear text"),
                     "engine 7 and later: ModifyReplicationGroup TransitEncryptionEnabled=true "
                     "TransitEncryptionMode=preferred, move the clients to TLS, then "
                     "mode=required; older engines: create a new group with TLS");
    } else {
        audit_simple(b, "transit-encryption", AUDIT_UNKNOWN, res,
                     mem_xstrdup("the group does not say whether TLS is on"),
                     "check TransitEncryptionEnabled with DescribeReplicationGroups");
    }

    bool authn = f->auth_token == AUDIT_TRI_YES || f->n_user_groups > 0;
    if (authn && f->transit == AUDIT_TRI_YES) {
        audit_simple(b, "auth-token", AUDIT_PASS, res,
                     mem_xasprintf("clients authenticate (%s) over TLS",
                                   f->n_user_groups ? "RBAC user groups" : "AUTH token"),
                     NULL);
    } else if (f->auth_token == AUDIT_TRI_UNKNOWN && !f->n_user_groups) {
        audit_simple(b, "auth-token", AUDIT_UNKNOWN, res,
                     mem_xstrdup("the group does not say whether an AUTH token is set"),
                     "check AuthTokenEnabled with DescribeReplicationGroups");
    } else {
        audit_simple(b, "auth-token", AUDIT_FAIL, res,
                     mem_xstrdup(f->transit == AUDIT_TRI_YES
                                     ? "no AUTH token and no RBAC user group: anyone who "
                                       "reaches the port can run commands"
                                     : "no authentication over TLS: anyone who reaches the "
                                       "port can run commands"),
                     "turn TLS on first, then ModifyReplicationGroup AuthToken=<token from "
                     "Secrets Manager> AuthTokenUpdateStrategy=ROTATE (or attach an RBAC "
                     "user group)");
    }

    if (f->at_rest == AUDIT_TRI_NO) {
        audit_simple(b, "at-rest-cmk", AUDIT_NA, res,
                     mem_xstrdup("at-rest encryption is off (see at-rest-encryption)"), NULL);
    } else if (f->at_rest == AUDIT_TRI_UNKNOWN) {
        audit_simple(b, "at-rest-cmk", AUDIT_UNKNOWN, res,
                     mem_xstrdup("at-rest encryption not known"), NULL);
    } else if (!f->kms_key) {
        audit_simple(b, "at-rest-cmk", AUDIT_FAIL, res,
                     mem_xstrdup("at-rest encryption uses the AWS-owned default key: no key "
                                 "policy, no rotation control, no audit trail of its use"),
                     "create the group with KmsKeyId naming a customer-managed key (set at "
                     "creation only)");
    } else {
        const struct audit_key *k = audit_facts_key(f, f->kms_key);
        if (!k || !k->manager) {
            audit_simple(b, "at-rest-cmk", AUDIT_UNKNOWN, res,
                         mem_xasprintf("key %s could not be described%s%s", f->kms_key,
                                       k && k->error ? ": " : "", k && k->error ? k->error : ""),
                         "kms:DescribeKey on the key tells whether it is customer managed");
        } else if (strcmp(k->manager, "CUSTOMER") == 0) {
            audit_simple(
                b, "at-rest-cmk", AUDIT_PASS, res,
                mem_xasprintf("encrypted with customer-managed key %s", k->arn ? k->arn : k->ref),
                NULL);
        } else {
            audit_simple(
                b, "at-rest-cmk", AUDIT_FAIL, res,
                mem_xasprintf("encrypted with the AWS managed key %s", k->arn ? k->arn : k->ref),
                "create the group with a customer-managed KmsKeyId (set at creation "
                "only)");
        }
    }

    if (!f->has_snapshot_retention) {
        audit_simple(b, "backups", AUDIT_UNKNOWN, res, mem_xstrdup("snapshot retention not known"),
                     NULL);
    } else if (f->snapshot_retention > 0) {
        audit_simple(b, "backups", AUDIT_PASS, res,
                     mem_xasprintf("automatic backups kept %d day%s", f->snapshot_retention,
                                   f->snapshot_retention == 1 ? "" : "s"),
                     NULL);
    } else {
        audit_simple(b, "backups", AUDIT_FAIL, res,
                     mem_xstrdup("automatic backups are off (SnapshotRetentionLimit 0): a "
                                 "lost group cannot be restored"),
                     "ModifyReplicationGroup SnapshotRetentionLimit=7 (1-35 days) and a "
                     "SnapshotWindow outside peak hours; or accept it in the spec's [accept] "
                     "section for a pure cache");
    }

    if (f->auto_minor == AUDIT_TRI_YES)
        audit_simple(b, "auto-minor-upgrade", AUDIT_PASS, res,
                     mem_xstrdup("minor engine upgrades are applied automatically"), NULL);
    else if (f->auto_minor == AUDIT_TRI_NO)
        audit_simple(b, "auto-minor-upgrade", AUDIT_FAIL, res,
                     mem_xstrdup("automatic minor version upgrades are off: security fixes "
                                 "wait for a manual upgrade"),
                     "ModifyReplicationGroup AutoMinorVersionUpgrade=true");
    else
        audit_simple(b, "auto-minor-upgrade", AUDIT_UNKNOWN, res,
                     mem_xstrdup("AutoMinorVersionUpgrade not known"), NULL);

    if (f->failover == AUDIT_TRI_YES)
        audit_simple(b, "automatic-failover", AUDIT_PASS, res,
                     mem_xstrdup("automatic failover is on"), NULL);
    else if (f->failover == AUDIT_TRI_NO)
        audit_simple(b, "automatic-failover", AUDIT_FAIL, res,
                     mem_xstrdup(f->replicas > 0
                                     ? "automatic failover is off: a failed primary stays down "
                                       "until someone promotes a replica"
                                     : "automatic failover is off and there is no replica to "
                                       "fail over to"),
                     f->replicas > 0 ? "ModifyReplicationGroup AutomaticFailoverEnabled=true "
                                       "ApplyImmediately=true"
                                     : "add a replica (IncreaseReplicaCount), then "
                                       "ModifyReplicationGroup AutomaticFailoverEnabled=true");
    else
        audit_simple(b, "automatic-failover", AUDIT_UNKNOWN, res,
                     mem_xstrdup("automatic failover state not known"), NULL);

    if (f->multi_az == AUDIT_TRI_YES)
        audit_simple(b, "multi-az", AUDIT_PASS, res, mem_xstrdup("Multi-AZ is on"), NULL);
    else if (f->multi_az == AUDIT_TRI_NO)
        audit_simple(b, "multi-az", AUDIT_FAIL, res,
                     mem_xstrdup("Multi-AZ is off: failover does not prefer a replica in "
                                 "another AZ"),
                     "spread replicas over AZs, then ModifyReplicationGroup "
                     "MultiAZEnabled=true (needs automatic failover)");
    else
        audit_simple(b, "multi-az", AUDIT_UNKNOWN, res, mem_xstrdup("Multi-AZ state not known"),
                     NULL);

    if (!f->subnet_group)
        audit_simple(b, "default-subnet-group", AUDIT_UNKNOWN, res,
                     mem_xasprintf("the subnet group is not known%s%s",
                                   f->network_error ? ": " : "",
                                   f->network_error ? f->network_error : ""),
                     NULL);
    else if (strcasecmp(f->subnet_group, "default") == 0)
        audit_simple(b, "default-subnet-group", AUDIT_FAIL, res,
                     mem_xstrdup("the group runs in the default subnet group (the default "
                                 "VPC's subnets, often public)"),
                     "create a cache subnet group of private subnets in two or more AZs and "
                     "create the group in it (the subnet group is set at creation)");
    else
        audit_simple(b, "default-subnet-group", AUDIT_PASS, res,
                     mem_xasprintf("subnet group %s", f->subnet_group), NULL);
    free(res);
}

/* ---- log delivery and log groups ---- */

static const struct audit_log_delivery *audit_find_log(const struct audit_facts *f,
                                                       const char *type)
{
    for (size_t i = 0; i < f->n_logs; i++)
        if (f->logs[i].log_type && strcmp(f->logs[i].log_type, type) == 0)
            return &f->logs[i];
    return NULL;
}

static void audit_rule_delivery(struct audit_rb *b, const char *rule, const char *type)
{
    const struct audit_facts *f = b->f;
    char *res = audit_rg_resource(f);
    const struct audit_log_delivery *l = audit_find_log(f, type);
    if (!l) {
        audit_simple(b, rule, AUDIT_FAIL, res,
                     mem_xasprintf("%s delivery is off: %s are never kept", type,
                                   strcmp(type, "slow-log") == 0
                                       ? "records of slow commands"
                                       : "engine events (failovers, restarts)"),
                     "ModifyReplicationGroup LogDeliveryConfigurations (cloudwatch-logs, json) "
                     "to a KMS-encrypted log group, ApplyImmediately=true");
    } else if (l->status &&
               (strcasecmp(l->status, "error") == 0 || strcasecmp(l->status, "disabling") == 0)) {
        audit_simple(b, rule, AUDIT_FAIL, res,
                     mem_xasprintf("%s delivery to %s is %s%s%s", type,
                                   l->destination ? l->destination : "?", l->status,
                                   l->message ? ": " : "", l->message ? l->message : ""),
                     "check that the destination exists and its KMS key policy lets "
                     "CloudWatch Logs use the key, then modify the delivery again");
    } else {
        audit_simple(b, rule, AUDIT_PASS, res,
                     mem_xasprintf("%s delivered to %s %s (%s, %s)", type,
                                   l->destination_type ? l->destination_type : "?",
                                   l->destination ? l->destination : "?",
                                   l->format ? l->format : "?", l->status ? l->status : "?"),
                     NULL);
    }
    free(res);
}

static void audit_rule_log_groups(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    size_t n = 0;
    for (size_t i = 0; i < f->n_logs; i++) {
        const struct audit_log_delivery *l = &f->logs[i];
        if (!l->destination_type || strcmp(l->destination_type, "cloudwatch-logs") != 0)
            continue;
        n++;
        char *res = mem_xasprintf("log group %s", l->destination ? l->destination : "?");
        if (l->found == AUDIT_TRI_NO) {
            char *msg = mem_xasprintf("the %s destination does not exist: delivery fails",
                                      l->log_type ? l->log_type : "log");
            audit_simple(b, "log-group-kms", AUDIT_FAIL, res, msg,
                         "create the log group with kmsKeyId (the at-rest key's ARN) and "
                         "365-day retention");
            audit_simple(b, "log-group-retention", AUDIT_NA, res,
                         mem_xstrdup("the log group does not exist"), NULL);
        } else if (l->found == AUDIT_TRI_UNKNOWN) {
            audit_simple(b, "log-group-kms", AUDIT_UNKNOWN, res,
                         mem_xasprintf("could not read the log group%s%s", l->error ? ": " : "",
                                       l->error ? l->error : ""),
                         "logs:DescribeLogGroups on the group");
            audit_simple(b, "log-group-retention", AUDIT_UNKNOWN, res,
                         mem_xstrdup("could not read the log group"), NULL);
        } else {
            if (l->kms_key)
                audit_simple(b, "log-group-kms", AUDIT_PASS, res,
                             mem_xasprintf("encrypted with %s", l->kms_key), NULL);
            else
                audit_simple(b, "log-group-kms", AUDIT_FAIL, res,
                             mem_xstrdup("not encrypted with a KMS key (CloudWatch Logs' "
                                         "default service encryption only)"),
                             "logs:AssociateKmsKey with the at-rest key's ARN (its policy "
                             "must let logs.<region>.amazonaws.com use it for this group)");
            if (!l->has_retention)
                audit_simple(b, "log-group-retention", AUDIT_PASS, res,
                             mem_xstrdup("records never expire"), NULL);
            else if (l->retention_days >= AUDIT_MIN_RETENTION_DAYS)
                audit_simple(b, "log-group-retention", AUDIT_PASS, res,
                             mem_xasprintf("records kept %d days", l->retention_days), NULL);
            else
                audit_simple(b, "log-group-retention", AUDIT_FAIL, res,
                             mem_xasprintf("records kept only %d day%s (less than a year)",
                                           l->retention_days, l->retention_days == 1 ? "" : "s"),
                             "logs:PutRetentionPolicy retentionInDays=365");
        }
        free(res);
    }
    if (!n) {
        char *res = audit_rg_resource(f);
        audit_simple(b, "log-group-kms", AUDIT_NA, res,
                     mem_xstrdup("no log delivery to CloudWatch Logs"), NULL);
        audit_simple(b, "log-group-retention", AUDIT_NA, res,
                     mem_xstrdup("no log delivery to CloudWatch Logs"), NULL);
        free(res);
    }
}

/* ---- keys ---- */

static char *audit_key_resource(const struct audit_key *k)
{
    return mem_xasprintf("KMS key %s", k->arn ? k->arn : k->ref);
}

/* Whether key i is referenced by anything in the facts. */
static bool audit_key_used(const struct audit_facts *f, const struct audit_key *k)
{
    if (f->kms_key && audit_key_matches(k, f->kms_key))
        return true;
    for (size_t i = 0; i < f->n_logs; i++)
        if (f->logs[i].kms_key && audit_key_matches(k, f->logs[i].kms_key))
            return true;
    if (f->has_secret && f->secret.kms_key && audit_key_matches(k, f->secret.kms_key))
        return true;
    for (size_t i = 0; i < f->n_params; i++)
        if (f->params[i].key_id && audit_key_matches(k, f->params[i].key_id))
            return true;
    return false;
}

static void audit_rule_key_rotation(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    size_t n = 0;
    for (size_t i = 0; i < f->n_keys; i++) {
        const struct audit_key *k = &f->keys[i];
        if (!audit_key_used(f, k))
            continue;
        /* one result per key, even when it was referenced by id and ARN */
        bool dup = false;
        for (size_t j = 0; j < i && k->arn; j++)
            dup = dup || (f->keys[j].arn && strcmp(f->keys[j].arn, k->arn) == 0 &&
                          audit_key_used(f, &f->keys[j]));
        if (dup)
            continue;
        char *res = audit_key_resource(k);
        n++;
        if (!k->manager) {
            audit_simple(b, "key-rotation", AUDIT_UNKNOWN, res,
                         mem_xasprintf("could not describe the key%s%s", k->error ? ": " : "",
                                       k->error ? k->error : ""),
                         "kms:DescribeKey and kms:GetKeyRotationStatus on the key");
        } else if (strcmp(k->manager, "CUSTOMER") != 0) {
            audit_simple(b, "key-rotation", AUDIT_NA, res,
                         mem_xstrdup("AWS managed key: AWS rotates it"), NULL);
        } else if (k->rotation == AUDIT_TRI_YES) {
            audit_simple(b, "key-rotation", AUDIT_PASS, res,
                         mem_xstrdup("automatic rotation is on"), NULL);
        } else if (k->rotation == AUDIT_TRI_NO) {
            audit_simple(b, "key-rotation", AUDIT_FAIL, res,
                         mem_xstrdup("automatic key rotation is off"),
                         "kms:EnableKeyRotation on the key");
        } else {
            audit_simple(b, "key-rotation", AUDIT_UNKNOWN, res,
                         mem_xasprintf("rotation status not known%s%s", k->error ? ": " : "",
                                       k->error ? k->error : ""),
                         "kms:GetKeyRotationStatus on the key");
        }
        free(res);
    }
    if (!n)
        audit_simple(b, "key-rotation", AUDIT_NA, "", mem_xstrdup("no KMS key in use"), NULL);
}

/* Strings of a policy value (string or array of strings). */
static size_t audit_json_strings(const json_t *v, const char **out, size_t max)
{
    size_t n = 0;
    if (json_is_string(v)) {
        if (max)
            out[n++] = json_string_value(v);
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x)
        {
            if (json_is_string(x) && n < max)
                out[n++] = json_string_value(x);
        }
    }
    return n;
}

static bool audit_principal_is(const json_t *principal, const char *svc1, const char *svc2)
{
    if (!json_is_object(principal))
        return false;
    const char *v[32];
    size_t n = audit_json_strings(json_object_get(principal, "Service"), v, 32);
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(v[i], svc1) == 0 || (svc2 && strcasecmp(v[i], svc2) == 0))
            return true;
    return false;
}

/* "...:*" -> without the suffix, for comparisons. */
static void audit_arn_norm(const char *in, char *out, size_t n)
{
    snprintf(out, n, "%s", in ? in : "");
    size_t l = strlen(out);
    if (l >= 2 && strcmp(out + l - 2, ":*") == 0)
        out[l - 2] = '\0';
}

static void audit_key_policy_one(struct audit_rb *b, const struct audit_key *k)
{
    const struct audit_facts *f = b->f;
    char *res = audit_key_resource(k);
    /* the log groups that use this key */
    const char *groups[16];
    const char *names[16];
    size_t ng = 0;
    for (size_t i = 0; i < f->n_logs && ng < 16; i++) {
        const struct audit_log_delivery *l = &f->logs[i];
        if (l->found == AUDIT_TRI_YES && l->kms_key && audit_key_matches(k, l->kms_key) && l->arn) {
            groups[ng] = l->arn;
            names[ng++] = l->destination ? l->destination : l->arn;
        }
    }
    if (!k->policy) {
        audit_simple(b, "key-policy-logs", AUDIT_UNKNOWN, res,
                     mem_xasprintf("the key policy could not be read%s%s", k->error ? ": " : "",
                                   k->error ? k->error : ""),
                     "kms:GetKeyPolicy on the key");
        free(res);
        return;
    }
    json_error_t je;
    json_t *doc = json_loads(k->policy, 0, &je);
    if (!json_is_object(doc)) {
        json_decref(doc);
        audit_simple(b, "key-policy-logs", AUDIT_UNKNOWN, res,
                     mem_xasprintf("the key policy is not valid JSON (%s)", je.text), NULL);
        free(res);
        return;
    }
    char *svc = mem_xasprintf("logs.%s.amazonaws.com", f->region ? f->region : "");
    json_t *one;
    const json_t *sts = audit_statements(doc, &one);
    struct buf why;
    buf_init(&why, 16384);
    size_t n_logs_st = 0;
    bool covered[16] = {false};
    size_t i;
    const json_t *st;
    json_array_foreach(sts, i, st)
    {
        const char *eff = json_string_value(json_object_get(st, "Effect"));
        if (!eff || strcmp(eff, "Allow") != 0)
            continue;
        if (!audit_principal_is(json_object_get(st, "Principal"), svc, "logs.amazonaws.com"))
            continue;
        n_logs_st++;
        const char *sid = json_string_value(json_object_get(st, "Sid"));
        char label[160];
        if (sid)
            snprintf(label, sizeof(label), "statement \"%.120s\"", sid);
        else
            snprintf(label, sizeof(label), "statement %zu", i + 1);
        const json_t *cond = json_object_get(st, "Condition");
        bool has_ctx = false;
        const char *op;
        const json_t *ov;
        json_object_foreach((json_t *)cond, op, ov)
        {
            const char *ck;
            const json_t *cv;
            json_object_foreach((json_t *)ov, ck, cv)
            {
                if (strcasecmp(ck, "kms:EncryptionContext:aws:logs:arn") != 0)
                    continue;
                has_ctx = true;
                const char *vals[64];
                size_t nv = audit_json_strings(cv, vals, 64);
                for (size_t j = 0; j < nv; j++) {
                    char a[1024];
                    audit_arn_norm(vals[j], a, sizeof(a));
                    bool match = false;
                    for (size_t g = 0; g < ng; g++) {
                        char ga[1024];
                        audit_arn_norm(groups[g], ga, sizeof(ga));
                        if (strcmp(a, ga) == 0) {
                            covered[g] = true;
                            match = true;
                        }
                    }
                    if (strpbrk(a, "*?"))
                        buf_printf(&why, "%s%s allows the pattern %s (more than these log groups)",
                                   why.len ? "; " : "", label, vals[j]);
                    else if (!match)
                        buf_printf(&why, "%s%s also allows %s", why.len ? "; " : "", label,
                                   vals[j]);
                }
            }
        }
        if (!has_ctx)
            buf_printf(&why,
                       "%s%s lets CloudWatch Logs use the key for any log group (no "
                       "kms:EncryptionContext:aws:logs:arn condition)",
                       why.len ? "; " : "", label);
    }
    bool missing = false;
    for (size_t g = 0; g < ng; g++)
        if (!covered[g]) {
            missing = true;
            buf_printf(&why,
                       "%slog group %s is not allowed: CloudWatch Logs cannot use the key "
                       "for it",
                       why.len ? "; " : "", names[g]);
        }
    if (n_logs_st == 0) {
        audit_simple(b, "key-policy-logs", AUDIT_FAIL, res,
                     mem_xasprintf("no statement lets %s use the key: its log groups cannot "
                                   "write (delivery fails)",
                                   svc),
                     "add a statement: Principal Service logs.<region>.amazonaws.com, "
                     "kms:Encrypt*/Decrypt*/ReEncrypt*/GenerateDataKey*/Describe*, Condition "
                     "ArnEquals kms:EncryptionContext:aws:logs:arn = the log group ARNs");
    } else if (why.len) {
        audit_simple(b, "key-policy-logs", AUDIT_FAIL, res, buf_steal(&why),
                     missing ? "list every log group ARN of the group's log delivery in the "
                               "statement's ArnEquals kms:EncryptionContext:aws:logs:arn "
                               "condition, and nothing else"
                             : "narrow the statement's condition to ArnEquals "
                               "kms:EncryptionContext:aws:logs:arn = exactly the group's log "
                               "group ARNs");
    } else {
        struct buf ok;
        buf_init(&ok, 8192);
        buf_printf(&ok, "%s may use the key only for ", svc);
        for (size_t g = 0; g < ng; g++)
            buf_printf(&ok, "%s%s", g ? ", " : "", names[g]);
        audit_simple(b, "key-policy-logs", AUDIT_PASS, res, buf_steal(&ok), NULL);
    }
    buf_free(&why);
    free(svc);
    json_decref(one);
    json_decref(doc);
    free(res);
}

static void audit_rule_key_policy(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    size_t n = 0;
    for (size_t i = 0; i < f->n_keys; i++) {
        const struct audit_key *k = &f->keys[i];
        bool used_by_logs = false;
        for (size_t j = 0; j < f->n_logs; j++)
            if (f->logs[j].found == AUDIT_TRI_YES && f->logs[j].kms_key &&
                audit_key_matches(k, f->logs[j].kms_key))
                used_by_logs = true;
        if (!used_by_logs)
            continue;
        bool dup = false;
        for (size_t j = 0; j < i && k->arn; j++)
            dup = dup || (f->keys[j].arn && strcmp(f->keys[j].arn, k->arn) == 0);
        if (dup)
            continue;
        n++;
        audit_key_policy_one(b, k);
    }
    if (!n)
        audit_simple(b, "key-policy-logs", AUDIT_NA, "",
                     mem_xstrdup("no log group encrypted with a KMS key"), NULL);
}

/* ---- security groups ---- */

static void audit_perm_text(struct buf *o, const struct audit_permission *p)
{
    if (!p->protocol || strcmp(p->protocol, "-1") == 0)
        buf_appends(o, "all traffic");
    else if (!p->has_ports)
        buf_printf(o, "%s (all ports)", p->protocol);
    else if (p->from_port == p->to_port)
        buf_printf(o, "%s %d", p->protocol, p->from_port);
    else
        buf_printf(o, "%s %d-%d", p->protocol, p->from_port, p->to_port);
    buf_appends(o, " from ");
    for (size_t i = 0; i < p->n_sources; i++)
        buf_printf(o, "%s%s", i ? ", " : "", p->sources[i]);
    if (!p->n_sources)
        buf_appends(o, "(nothing)");
}

static bool audit_is_open(const char *src)
{
    return strcmp(src, "0.0.0.0/0") == 0 || strcmp(src, "::/0") == 0;
}

static void audit_rule_sgs(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    if (!f->n_sgs) {
        char *res = audit_rg_resource(f);
        const char *why = f->network_error ? f->network_error : "no security group is known";
        audit_simple(b, "sg-ingress-port", AUDIT_UNKNOWN, res, mem_xstrdup(why),
                     "ec2:DescribeSecurityGroups on the group's security groups");
        audit_simple(b, "sg-ingress-open", AUDIT_UNKNOWN, res, mem_xstrdup(why),
                     "ec2:DescribeSecurityGroups on the group's security groups");
        free(res);
        return;
    }
    for (size_t i = 0; i < f->n_sgs; i++) {
        const struct audit_sg *g = &f->sgs[i];
        char *res;
        if (g->id && g->name)
            res = mem_xasprintf("security group %s (%s)%s", g->id, g->name,
                                g->is_default ? ", the VPC's default group" : "");
        else
            res = mem_xasprintf("security group %s%s",
                                g->id     ? g->id
                                : g->name ? g->name
                                          : "?",
                                g->is_default ? ", the VPC's default group" : "");
        if (g->error) {
            audit_simple(b, "sg-ingress-port", AUDIT_UNKNOWN, res, mem_xstrdup(g->error), NULL);
            audit_simple(b, "sg-ingress-open", AUDIT_UNKNOWN, res, mem_xstrdup(g->error), NULL);
            free(res);
            continue;
        }
        struct buf bad, open;
        buf_init(&bad, 16384);
        buf_init(&open, 16384);
        for (size_t j = 0; j < g->n_ingress; j++) {
            const struct audit_permission *p = &g->ingress[j];
            bool ok =
                p->protocol && (strcmp(p->protocol, "tcp") == 0 || strcmp(p->protocol, "6") == 0) &&
                p->has_ports && f->port > 0 && p->from_port == f->port && p->to_port == f->port;
            if (!ok) {
                if (bad.len)
                    buf_appends(&bad, "; ");
                audit_perm_text(&bad, p);
            }
            for (size_t k = 0; k < p->n_sources; k++)
                if (audit_is_open(p->sources[k])) {
                    if (open.len)
                        buf_appends(&open, "; ");
                    audit_perm_text(&open, p);
                    break;
                }
        }
        if (f->port <= 0)
            audit_simple(b, "sg-ingress-port", AUDIT_UNKNOWN, res,
                         mem_xstrdup("the group's port is not known"), NULL);
        else if (bad.len)
            audit_simple(b, "sg-ingress-port", AUDIT_FAIL, res,
                         mem_xasprintf("ingress beyond tcp %d: %s", f->port, buf_str(&bad)),
                         g->is_default
                             ? "give the group its own security group (ModifyReplicationGroup "
                               "SecurityGroupIds) admitting only tcp to the cache port from the "
                               "clients' CIDR or security group"
                             : "revoke the other ingress rules (ec2:RevokeSecurityGroupIngress); "
                               "admit only tcp to the cache port from the clients");
        else
            audit_simple(b, "sg-ingress-port", AUDIT_PASS, res,
                         mem_xasprintf(g->n_ingress ? "ingress only on tcp %d"
                                                    : "no ingress at all (nothing admitted on "
                                                      "%d)",
                                       f->port),
                         NULL);
        if (open.len)
            audit_simple(b, "sg-ingress-open", AUDIT_FAIL, res,
                         mem_xasprintf("open to the internet: %s", buf_str(&open)),
                         "revoke the 0.0.0.0/0 and ::/0 rules; admit the clients' VPC CIDR or "
                         "security group only");
        else
            audit_simple(b, "sg-ingress-open", AUDIT_PASS, res,
                         mem_xstrdup("no ingress from 0.0.0.0/0 or ::/0"), NULL);
        buf_free(&bad);
        buf_free(&open);
        free(res);
    }
}

/* ---- secret, parameters, policies ---- */

static void audit_cmk_result(struct audit_rb *b, const char *rule, const char *res, const char *ref,
                             const char *what, const char *default_key, const char *fix)
{
    const struct audit_facts *f = b->f;
    if (!ref || strcmp(ref, default_key) == 0) {
        audit_simple(b, rule, AUDIT_FAIL, res,
                     mem_xasprintf("%s uses the AWS managed key %s", what, default_key), fix);
        return;
    }
    const struct audit_key *k = audit_facts_key(f, ref);
    if (!k || !k->manager)
        audit_simple(b, rule, AUDIT_UNKNOWN, res,
                     mem_xasprintf("key %s could not be described%s%s", ref,
                                   k && k->error ? ": " : "", k && k->error ? k->error : ""),
                     "kms:DescribeKey on the key");
    else if (strcmp(k->manager, "CUSTOMER") == 0)
        audit_simple(
            b, rule, AUDIT_PASS, res,
            mem_xasprintf("%s uses customer-managed key %s", what, k->arn ? k->arn : k->ref), NULL);
    else
        audit_simple(
            b, rule, AUDIT_FAIL, res,
            mem_xasprintf("%s uses the AWS managed key %s", what, k->arn ? k->arn : k->ref), fix);
}

static void audit_rule_secret(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    if (!f->has_secret) {
        const char *why = f->stack ? "the stack keeps no AUTH token secret"
                                   : "no stack around the group: no AUTH token secret known "
                                     "(name the stack with --name)";
        audit_simple(b, "secret-cmk", AUDIT_NA, "", mem_xstrdup(why), NULL);
        audit_simple(b, "secret-rotation", AUDIT_NA, "", mem_xstrdup(why), NULL);
        return;
    }
    const struct audit_secret *s = &f->secret;
    char *res = mem_xasprintf("secret %s", s->name ? s->name : "?");
    if (s->found == AUDIT_TRI_NO) {
        audit_simple(b, "secret-cmk", AUDIT_NA, res,
                     mem_xstrdup("the secret does not exist (the token has no stored copy)"), NULL);
        audit_simple(b, "secret-rotation", AUDIT_NA, res, mem_xstrdup("the secret does not exist"),
                     NULL);
    } else if (s->found == AUDIT_TRI_UNKNOWN) {
        char *why = mem_xasprintf("could not read the secret%s%s", s->error ? ": " : "",
                                  s->error ? s->error : "");
        audit_simple(b, "secret-cmk", AUDIT_UNKNOWN, res, mem_xstrdup(why),
                     "secretsmanager:DescribeSecret on the secret");
        audit_simple(b, "secret-rotation", AUDIT_UNKNOWN, res, why,
                     "secretsmanager:DescribeSecret on the secret");
    } else {
        audit_cmk_result(b, "secret-cmk", res, s->kms_key, "the secret", "alias/aws/secretsmanager",
                         "secretsmanager:UpdateSecret KmsKeyId=<customer-managed key> (the "
                         "key policy must allow Secrets Manager in this account)");
        if (s->rotation == AUDIT_TRI_YES)
            audit_simple(b, "secret-rotation", AUDIT_PASS, res,
                         mem_xstrdup("automatic rotation is on"), NULL);
        else
            audit_simple(b, "secret-rotation", AUDIT_FAIL, res,
                         mem_xstrdup("the AUTH token is never rotated"),
                         "rotate with a Lambda that calls ModifyReplicationGroup AuthToken=... "
                         "AuthTokenUpdateStrategy=ROTATE then SET; or accept it in [accept]");
    }
    free(res);
}

static void audit_rule_params(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    size_t n = 0;
    for (size_t i = 0; i < f->n_params; i++) {
        const struct audit_parameter *p = &f->params[i];
        char *res = mem_xasprintf("SSM parameter %s", p->name);
        if (p->found == AUDIT_TRI_NO) {
            audit_simple(b, "ssm-securestring-cmk", AUDIT_NA, res,
                         mem_xstrdup("the parameter does not exist"), NULL);
        } else if (p->found == AUDIT_TRI_UNKNOWN) {
            audit_simple(b, "ssm-securestring-cmk", AUDIT_UNKNOWN, res,
                         mem_xasprintf("could not read the parameter%s%s", p->error ? ": " : "",
                                       p->error ? p->error : ""),
                         "ssm:DescribeParameters");
        } else if (!p->type || strcmp(p->type, "SecureString") != 0) {
            audit_simple(b, "ssm-securestring-cmk", AUDIT_FAIL, res,
                         mem_xasprintf("type %s: the value is stored in plain text",
                                       p->type ? p->type : "?"),
                         "ssm:PutParameter Type=SecureString KeyId=<at-rest key> "
                         "Overwrite=true (the read policy then needs kms:Decrypt)");
        } else {
            audit_cmk_result(b, "ssm-securestring-cmk", res, p->key_id, "the SecureString",
                             "alias/aws/ssm",
                             "ssm:PutParameter KeyId=<customer-managed key> Overwrite=true");
        }
        n++;
        free(res);
    }
    if (!n)
        audit_none_kept(b, "ssm-securestring-cmk", "SSM parameters");
}

static void audit_rule_policies(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    size_t n = 0;
    for (size_t i = 0; i < f->n_policies; i++) {
        const struct audit_policy *p = &f->policies[i];
        char *res = mem_xasprintf("IAM policy %s", p->name);
        n++;
        if (p->found == AUDIT_TRI_NO) {
            audit_simple(b, "iam-no-wildcard", AUDIT_NA, res,
                         mem_xstrdup("the policy does not exist"), NULL);
            free(res);
            continue;
        }
        json_error_t je;
        json_t *doc = p->document ? json_loads(p->document, 0, &je) : NULL;
        if (!json_is_object(doc)) {
            audit_simple(b, "iam-no-wildcard", AUDIT_UNKNOWN, res,
                         mem_xasprintf("could not read the policy document%s%s",
                                       p->error ? ": " : "", p->error ? p->error : ""),
                         "iam:GetPolicy and iam:GetPolicyVersion");
            json_decref(doc);
            free(res);
            continue;
        }
        json_t *one;
        const json_t *sts = audit_statements(doc, &one);
        struct buf why;
        buf_init(&why, 16384);
        size_t k;
        const json_t *st;
        json_array_foreach(sts, k, st)
        {
            const char *eff = json_string_value(json_object_get(st, "Effect"));
            if (!eff || strcmp(eff, "Allow") != 0)
                continue;
            if (json_object_get(st, "NotResource"))
                buf_printf(&why, "%sstatement %zu uses NotResource (everything else)",
                           why.len ? "; " : "", k + 1);
            if (json_object_get(st, "NotAction"))
                buf_printf(&why, "%sstatement %zu uses NotAction", why.len ? "; " : "", k + 1);
            const char *v[64];
            size_t nv = audit_json_strings(json_object_get(st, "Resource"), v, 64);
            for (size_t j = 0; j < nv; j++)
                if (strchr(v[j], '*') || strchr(v[j], '?'))
                    buf_printf(&why, "%sstatement %zu allows resource %s", why.len ? "; " : "",
                               k + 1, v[j]);
            nv = audit_json_strings(json_object_get(st, "Action"), v, 64);
            for (size_t j = 0; j < nv; j++)
                if (strcmp(v[j], "*") == 0 ||
                    (strchr(v[j], ':') && strcmp(strchr(v[j], ':'), ":*") == 0))
                    buf_printf(&why, "%sstatement %zu allows every action %s", why.len ? "; " : "",
                               k + 1, v[j]);
        }
        if (why.len)
            audit_simple(b, "iam-no-wildcard", AUDIT_FAIL, res, buf_steal(&why),
                         "name the exact ARNs (parameters, secret, keys) and actions "
                         "(iam:CreatePolicyVersion with the narrowed document)");
        else
            audit_simple(b, "iam-no-wildcard", AUDIT_PASS, res,
                         mem_xstrdup("exact resources and actions only"), NULL);
        buf_free(&why);
        json_decref(one);
        json_decref(doc);
        free(res);
    }
    if (!n)
        audit_none_kept(b, "iam-no-wildcard", "read policies");
}

/* ---- placement and slow-log settings ---- */

static void audit_rule_placement(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    char *res = audit_rg_resource(f);
    if (!f->placement_known) {
        audit_simple(b, "placement", AUDIT_UNKNOWN, res,
                     mem_xasprintf("placement not known%s%s", f->placement_error ? ": " : "",
                                   f->placement_error ? f->placement_error : ""),
                     NULL);
        free(res);
        return;
    }
    size_t risks = 0;
    for (size_t i = 0; i < f->n_flags; i++) {
        const struct audit_flag *fl = &f->flags[i];
        char id[96];
        snprintf(id, sizeof(id), "placement.%s", fl->id);
        if (fl->severity == AUDIT_SEV_INFO) {
            audit_res(b, "placement", id, AUDIT_NOTE, AUDIT_SEV_INFO, res, mem_xstrdup(fl->text),
                      NULL);
            continue;
        }
        risks++;
        const char *fix = "spread nodes over the subnet group's AZs: PreferredAvailabilityZones / "
                          "NodeGroupConfiguration at creation, or add replicas in other AZs "
                          "(IncreaseReplicaCount with ReplicaConfiguration)";
        if (strcmp(fl->id, "no-replicas") == 0)
            fix = "IncreaseReplicaCount so every shard has a replica in another AZ";
        else if (strcmp(fl->id, "primaries-crowded") == 0)
            fix = "fail a crowded AZ's shard over to its replica in the AZ without a primary "
                  "(elcui failover RG --shard N, TestFailover) to spread the primaries again";
        audit_res(b, "placement", id, AUDIT_FAIL, (int)fl->severity, res, mem_xstrdup(fl->text),
                  fix);
    }
    if (!risks)
        audit_simple(b, "placement", AUDIT_PASS, res,
                     mem_xasprintf("%d node%s over %zu AZ%s, no placement risk", f->nodes,
                                   f->nodes == 1 ? "" : "s", f->n_azs, f->n_azs == 1 ? "" : "s"),
                     NULL);
    free(res);
}

static void audit_rule_slowlog(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    char *res = mem_xasprintf("parameter group %s",
                              f->parameter_group ? f->parameter_group : "(not known)");
    const struct audit_log_delivery *slow = audit_find_log(f, "slow-log");
    if (!slow) {
        audit_simple(b, "slowlog-max-len", AUDIT_NA, res,
                     mem_xstrdup("no slow-log delivery (see slow-log-delivery)"), NULL);
    } else if (!f->has_slowlog_max_len && !f->has_slowlog_slower_than) {
        audit_simple(b, "slowlog-max-len", AUDIT_UNKNOWN, res,
                     mem_xasprintf("slow-log settings not known%s%s",
                                   f->parameters_error ? ": " : "",
                                   f->parameters_error ? f->parameters_error : ""),
                     "elasticache:DescribeCacheParameters on the parameter group");
    } else if (f->has_slowlog_slower_than && f->slowlog_slower_than < 0) {
        audit_simple(b, "slowlog-max-len", AUDIT_FAIL, res,
                     mem_xasprintf("slowlog-log-slower-than is %ld: the slow log is disabled, "
                                   "delivery has nothing to send",
                                   f->slowlog_slower_than),
                     "set slowlog-log-slower-than (microseconds, e.g. 10000) in a custom "
                     "parameter group");
    } else if (f->has_slowlog_max_len && f->slowlog_max_len < AUDIT_SLOWLOG_MIN_LEN) {
        audit_simple(b, "slowlog-max-len", AUDIT_FAIL, res,
                     mem_xasprintf("slowlog-max-len is %ld: the engine keeps only %ld entries "
                                   "between two deliveries, a burst of slow commands loses the "
                                   "rest",
                                   f->slowlog_max_len, f->slowlog_max_len),
                     "raise slowlog-max-len to 128 or more in a custom parameter group "
                     "(ModifyCacheParameterGroup)");
    } else {
        char a[64] = "", c[64] = "";
        if (f->has_slowlog_max_len)
            snprintf(a, sizeof(a), "slowlog-max-len %ld", f->slowlog_max_len);
        if (f->has_slowlog_slower_than)
            snprintf(c, sizeof(c), "slowlog-log-slower-than %ld us", f->slowlog_slower_than);
        audit_simple(b, "slowlog-max-len", AUDIT_PASS, res,
                     mem_xasprintf("%s%s%s", a, a[0] && c[0] ? ", " : "", c), NULL);
    }
    free(res);
}

/* ---- report ---- */

static int audit_status_rank(enum audit_status s)
{
    return (int)s; /* the enum is in display order */
}

struct audit_sort {
    struct audit_result r;
    size_t idx;
};

static int audit_cmp(const void *pa, const void *pb)
{
    const struct audit_sort *a = pa, *b = pb;
    int ra = audit_status_rank(a->r.status), rb = audit_status_rank(b->r.status);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if ((a->r.status == AUDIT_FAIL || a->r.status == AUDIT_UNKNOWN) &&
        a->r.severity != b->r.severity)
        return a->r.severity > b->r.severity ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx ? 1 : 0);
}

struct audit_report *audit_evaluate(const struct audit_facts *f, const struct stack_spec *accept)
{
    struct audit_report *r = mem_xcalloc(1, sizeof(*r));
    r->subject = mem_xstrdup(f->subject ? f->subject : "");
    r->plan = f->plan;
    r->region = mem_xstrdup(f->region);
    r->stack = mem_xstrdup(f->stack);
    struct audit_rb b = {.r = r, .f = f, .acc = accept};
    audit_rule_group(&b);
    audit_rule_delivery(&b, "slow-log-delivery", "slow-log");
    audit_rule_delivery(&b, "engine-log-delivery", "engine-log");
    audit_rule_log_groups(&b);
    audit_rule_key_rotation(&b);
    audit_rule_key_policy(&b);
    audit_rule_sgs(&b);
    audit_rule_secret(&b);
    audit_rule_params(&b);
    audit_rule_policies(&b);
    audit_rule_placement(&b);
    audit_rule_slowlog(&b);

    struct audit_sort *tmp = mem_xcalloc(r->n ? r->n : 1, sizeof(*tmp));
    for (size_t i = 0; i < r->n; i++) {
        tmp[i].r = r->items[i];
        tmp[i].idx = i;
    }
    qsort(tmp, r->n, sizeof(*tmp), audit_cmp);
    for (size_t i = 0; i < r->n; i++) {
        r->items[i] = tmp[i].r;
        switch (r->items[i].status) {
        case AUDIT_PASS:
            r->n_pass++;
            break;
        case AUDIT_FAIL:
            r->n_fail++;
            break;
        case AUDIT_ACCEPTED:
            r->n_accepted++;
            break;
        case AUDIT_NA:
            r->n_na++;
            break;
        case AUDIT_UNKNOWN:
            r->n_unknown++;
            break;
        case AUDIT_NOTE:
            r->n_note++;
            break;
        }
    }
    free(tmp);
    for (size_t i = 0; i < f->n_notes; i++) {
        r->notes = mem_xrealloc(r->notes, (r->n_notes + 1) * sizeof(*r->notes));
        r->notes[r->n_notes++] = mem_xstrdup(f->notes[i]);
    }
    return r;
}

void audit_report_free(struct audit_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].id);
        free(r->items[i].resource);
        free(r->items[i].finding);
        free(r->items[i].fix);
        free(r->items[i].accepted);
    }
    free(r->items);
    free(r->subject);
    free(r->region);
    free(r->stack);
    audit_strv_free(r->notes, r->n_notes);
    free(r);
}

size_t audit_report_failures(const struct audit_report *r, enum audit_severity sev,
                             bool unknown_fails)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct audit_result *x = &r->items[i];
        if (x->status == AUDIT_FAIL && x->severity >= sev)
            n++;
        else if (unknown_fails && x->status == AUDIT_UNKNOWN)
            n++;
    }
    return n;
}

const struct audit_result *audit_report_find(const struct audit_report *r, const char *id,
                                             const char *resource)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].id, id) == 0 &&
            (!resource || strstr(r->items[i].resource, resource)))
            return &r->items[i];
    return NULL;
}

/* Text from AWS (names, messages) shown without control characters. */
static void audit_safe(struct buf *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            buf_printf(o, "\\x%02x", *p);
        else
            buf_appendc(o, (char)*p);
}

char *audit_report_format(const struct audit_report *r, bool verbose)
{
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "Audit of ");
    audit_safe(&o, r->subject);
    buf_printf(&o, " (%s", r->region ? r->region : "?");
    if (r->stack) {
        buf_appends(&o, ", stack ");
        audit_safe(&o, r->stack);
    }
    buf_printf(&o, ", %s)\n", r->plan ? "planned values, before apply" : "live");
    for (size_t i = 0; i < r->n; i++) {
        const struct audit_result *x = &r->items[i];
        if (!verbose && (x->status == AUDIT_PASS || x->status == AUDIT_NA))
            continue;
        char tag[16];
        snprintf(tag, sizeof(tag), "%s", audit_status_name(x->status));
        for (char *c = tag; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
        buf_printf(&o, "\n%-8s %-8s %s", tag, audit_severity_name(x->severity), x->id);
        if (x->rule && (x->rule->checkov || x->rule->securityhub))
            buf_printf(&o, " [%s%s%s]", x->rule->checkov ? x->rule->checkov : "",
                       x->rule->checkov && x->rule->securityhub ? ", " : "",
                       x->rule->securityhub ? x->rule->securityhub : "");
        if (x->resource[0]) {
            buf_appends(&o, "  ");
            audit_safe(&o, x->resource);
        }
        buf_appends(&o, "\n         ");
        audit_safe(&o, x->finding);
        if (x->accepted) {
            buf_appends(&o, "\n         accepted: ");
            audit_safe(&o, x->accepted);
        }
        if (x->fix && x->status != AUDIT_NOTE) {
            buf_appends(&o, "\n         fix: ");
            audit_safe(&o, x->fix);
        }
        buf_appendc(&o, '\n');
    }
    for (size_t i = 0; i < r->n_notes; i++) {
        buf_appends(&o, "\nnote: ");
        audit_safe(&o, r->notes[i]);
        buf_appendc(&o, '\n');
    }
    buf_printf(&o,
               "\n%zu checks: %zu failed, %zu accepted, %zu unknown, %zu passed, %zu n/a, "
               "%zu note%s%s\n",
               r->n, r->n_fail, r->n_accepted, r->n_unknown, r->n_pass, r->n_na, r->n_note,
               r->n_note == 1 ? "" : "s",
               verbose ? "" : " (passes and n/a hidden; --verbose shows them)");
    return buf_steal(&o);
}

json_t *audit_report_to_json(const struct audit_report *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "subject", json_string(r->subject));
    json_object_set_new(o, "mode", json_string(r->plan ? "plan" : "live"));
    json_object_set_new(o, "region", r->region ? json_string(r->region) : json_null());
    json_object_set_new(o, "stack", r->stack ? json_string(r->stack) : json_null());
    json_object_set_new(o, "summary",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "checks", (json_int_t)r->n,
                                  "failed", (json_int_t)r->n_fail, "accepted",
                                  (json_int_t)r->n_accepted, "unknown", (json_int_t)r->n_unknown,
                                  "passed", (json_int_t)r->n_pass, "notApplicable",
                                  (json_int_t)r->n_na, "notes", (json_int_t)r->n_note));
    json_t *a = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct audit_result *x = &r->items[i];
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(x->id));
        json_object_set_new(e, "status", json_string(audit_status_name(x->status)));
        json_object_set_new(e, "severity", json_string(audit_severity_name(x->severity)));
        json_object_set_new(e, "resource", json_string(x->resource));
        json_object_set_new(e, "finding", json_string(x->finding));
        if (x->fix)
            json_object_set_new(e, "fix", json_string(x->fix));
        if (x->accepted)
            json_object_set_new(e, "acceptedReason", json_string(x->accepted));
        if (x->rule) {
            json_object_set_new(e, "title", json_string(x->rule->title));
            json_object_set_new(e, "checkov",
                                x->rule->checkov ? json_string(x->rule->checkov) : json_null());
            json_object_set_new(e, "securityHub",
                                x->rule->securityhub ? json_string(x->rule->securityhub)
                                                     : json_null());
        }
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "results", a);
    json_t *notes = json_array();
    for (size_t i = 0; i < r->n_notes; i++)
        json_array_append_new(notes, json_string(r->notes[i]));
    json_object_set_new(o, "notes", notes);
    return o;
}

/* ================= live gathering ================= */

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
        audit_add_flag(f, fl->id, audit_from_placement(fl->severity), fl->text ? fl->text : "");
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
        k->rotation = audit_tri(out->key_rotation_enabled);
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
        struct audit_sg *g = audit_add_sg(f);
        g->id = mem_xstrdup(s->group_id);
        g->name = mem_xstrdup(s->group_name);
        g->is_default = is_default;
        for (size_t j = 0; j < s->n_ingress; j++) {
            const struct ec2_ip_permission *ip = &s->ingress[j];
            struct audit_permission *p = audit_add_perm(g);
            p->protocol = mem_xstrdup(ip->ip_protocol ? ip->ip_protocol : "-1");
            p->has_ports = ip->has_ports && strcmp(p->protocol, "-1") != 0;
            p->from_port = ip->from_port;
            p->to_port = ip->to_port;
            for (size_t k = 0; k < ip->n_ip_ranges; k++)
                audit_perm_source(p, ip->ip_ranges[k].cidr);
            for (size_t k = 0; k < ip->n_ipv6_ranges; k++)
                audit_perm_source(p, ip->ipv6_ranges[k].cidr);
            for (size_t k = 0; k < ip->n_groups; k++)
                audit_perm_source(p, ip->groups[k].group_id);
            for (size_t k = 0; k < ip->n_prefix_list_ids; k++)
                audit_perm_source(p, ip->prefix_list_ids[k]);
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
        audit_tag_add(&f->subnets, &f->n_subnets, out->items[0].subnets[i].id,
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
        f->auto_minor = audit_tri(cc->auto_minor_version_upgrade);
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
    s->rotation = audit_tri(out->secret.rotation_enabled);
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
            audit_add_param(f, n);
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
        audit_add_policy(
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
            audit_tag_add(&f->tags, &f->n_tags, out->items[i].key, out->items[i].value);
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
        f->at_rest = audit_tri(rg->at_rest_encryption_enabled);
    if (rg->has_transit_encryption_enabled)
        f->transit = audit_tri(rg->transit_encryption_enabled);
    f->transit_mode = mem_xstrdup(rg->transit_encryption_mode);
    if (rg->has_auth_token_enabled)
        f->auth_token = audit_tri(rg->auth_token_enabled);
    f->n_user_groups = rg->n_user_group_ids;
    if (rg->multi_az)
        f->multi_az = audit_tri(strcasecmp(rg->multi_az, "enabled") == 0);
    if (rg->automatic_failover)
        f->failover = audit_tri(strcasecmp(rg->automatic_failover, "enabled") == 0 ||
                                strcasecmp(rg->automatic_failover, "enabling") == 0);
    if (rg->has_auto_minor_version_upgrade)
        f->auto_minor = audit_tri(rg->auto_minor_version_upgrade);
    f->has_snapshot_retention = rg->has_snapshot_retention_limit;
    f->snapshot_retention = rg->snapshot_retention_limit;
    f->kms_key = mem_xstrdup(rg->kms_key_id);
    for (size_t i = 0; i < rg->n_log_delivery; i++) {
        const struct elasticache_log_delivery *d = &rg->log_delivery[i];
        struct audit_log_delivery *l = audit_add_log(f);
        l->log_type = mem_xstrdup(d->log_type);
        l->destination_type = mem_xstrdup(d->destination_type);
        l->destination = mem_xstrdup(d->log_group ? d->log_group : d->delivery_stream);
        l->format = mem_xstrdup(d->log_format);
        l->status = mem_xstrdup(d->status);
        l->message = mem_xstrdup(d->message);
    }

    /* everything else, concurrently */
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
