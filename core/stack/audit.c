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
#include "core/stack/audit_facts.h"
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

/* At-rest encryption. */
static void audit_group_at_rest(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* In-transit encryption, and required rather than preferred. */
static void audit_group_transit(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* Clients authenticate (AUTH token or RBAC), over TLS. */
static void audit_group_auth(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* At rest under a customer-managed key. */
static void audit_group_cmk(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* Automatic backups. */
static void audit_group_backups(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* Automatic minor version upgrades. */
static void audit_group_auto_minor(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* Automatic failover. */
static void audit_group_failover(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* Multi-AZ. */
static void audit_group_multi_az(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

/* Not in the default subnet group. */
static void audit_group_subnet_group(struct audit_rb *b, const char *res)
{
    const struct audit_facts *f = b->f;
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
}

static void audit_rule_group(struct audit_rb *b)
{
    const struct audit_facts *f = b->f;
    char *res = audit_rg_resource(f);

    audit_group_at_rest(b, res);
    audit_group_transit(b, res);
    audit_group_auth(b, res);
    audit_group_cmk(b, res);
    audit_group_backups(b, res);
    audit_group_auto_minor(b, res);
    audit_group_failover(b, res);
    audit_group_multi_az(b, res);
    audit_group_subnet_group(b, res);
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
    if (f->kms_key && audit_facts_key_matches(k, f->kms_key))
        return true;
    for (size_t i = 0; i < f->n_logs; i++)
        if (f->logs[i].kms_key && audit_facts_key_matches(k, f->logs[i].kms_key))
            return true;
    if (f->has_secret && f->secret.kms_key && audit_facts_key_matches(k, f->secret.kms_key))
        return true;
    for (size_t i = 0; i < f->n_params; i++)
        if (f->params[i].key_id && audit_facts_key_matches(k, f->params[i].key_id))
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
void audit_arn_norm(const char *in, char *out, size_t n)
{
    snprintf(out, n, "%s", in ? in : "");
    size_t l = strlen(out);
    if (l >= 2 && strcmp(out + l - 2, ":*") == 0)
        out[l - 2] = '\0';
}

/* The log groups that use a key, and which of them the key policy allows. */
struct audit_kp_groups {
    const char *arn[16];
    const char *name[16];
    bool covered[16];
    size_t n;
};

static void audit_kp_log_groups(const struct audit_facts *f, const struct audit_key *k,
                                struct audit_kp_groups *lg)
{
    memset(lg, 0, sizeof(*lg));
    for (size_t i = 0; i < f->n_logs && lg->n < 16; i++) {
        const struct audit_log_delivery *l = &f->logs[i];
        if (l->found == AUDIT_TRI_YES && l->kms_key && audit_facts_key_matches(k, l->kms_key) &&
            l->arn) {
            lg->arn[lg->n] = l->arn;
            lg->name[lg->n++] = l->destination ? l->destination : l->arn;
        }
    }
}

/* The log group ARNs of one kms:EncryptionContext:aws:logs:arn condition:
 * mark the groups they allow, say in why what they allow beyond them. */
static void audit_kp_context(const char *label, const json_t *cv, struct audit_kp_groups *lg,
                             struct buf *why)
{
    const char *vals[64];
    size_t nv = audit_json_strings(cv, vals, 64);
    for (size_t j = 0; j < nv; j++) {
        char a[1024];
        audit_arn_norm(vals[j], a, sizeof(a));
        bool match = false;
        for (size_t g = 0; g < lg->n; g++) {
            char ga[1024];
            audit_arn_norm(lg->arn[g], ga, sizeof(ga));
            if (strcmp(a, ga) == 0) {
                lg->covered[g] = true;
                match = true;
            }
        }
        if (strpbrk(a, "*?"))
            buf_printf(why, "%s%s allows the pattern %s (more than these log groups)",
                       why->len ? "; " : "", label, vals[j]);
        else if (!match)
            buf_printf(why, "%s%s also allows %s", why->len ? "; " : "", label, vals[j]);
    }
}

/* Statement i, which lets CloudWatch Logs use the key: which log groups its
 * condition allows (why: what it allows beyond them). */
static void audit_kp_statement(const json_t *st, size_t i, struct audit_kp_groups *lg,
                               struct buf *why)
{
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
            audit_kp_context(label, cv, lg, why);
        }
    }
    if (!has_ctx)
        buf_printf(why,
                   "%s%s lets CloudWatch Logs use the key for any log group (no "
                   "kms:EncryptionContext:aws:logs:arn condition)",
                   why->len ? "; " : "", label);
}

/* The finding: no statement for CloudWatch Logs, statements that allow too
 * much or too little (why), or exactly the key's log groups. */
static void audit_kp_verdict(struct audit_rb *b, const char *res, const char *svc,
                             const struct audit_kp_groups *lg, size_t n_logs_st, struct buf *why)
{
    bool missing = false;
    for (size_t g = 0; g < lg->n; g++)
        if (!lg->covered[g]) {
            missing = true;
            buf_printf(why,
                       "%slog group %s is not allowed: CloudWatch Logs cannot use the key "
                       "for it",
                       why->len ? "; " : "", lg->name[g]);
        }
    if (n_logs_st == 0) {
        audit_simple(b, "key-policy-logs", AUDIT_FAIL, res,
                     mem_xasprintf("no statement lets %s use the key: its log groups cannot "
                                   "write (delivery fails)",
                                   svc),
                     "add a statement: Principal Service logs.<region>.amazonaws.com, "
                     "kms:Encrypt*/Decrypt*/ReEncrypt*/GenerateDataKey*/Describe*, Condition "
                     "ArnEquals kms:EncryptionContext:aws:logs:arn = the log group ARNs");
    } else if (why->len) {
        audit_simple(b, "key-policy-logs", AUDIT_FAIL, res, buf_steal(why),
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
        for (size_t g = 0; g < lg->n; g++)
            buf_printf(&ok, "%s%s", g ? ", " : "", lg->name[g]);
        audit_simple(b, "key-policy-logs", AUDIT_PASS, res, buf_steal(&ok), NULL);
    }
}

static void audit_key_policy_one(struct audit_rb *b, const struct audit_key *k)
{
    const struct audit_facts *f = b->f;
    char *res = audit_key_resource(k);
    struct audit_kp_groups lg;
    audit_kp_log_groups(f, k, &lg);
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
        audit_kp_statement(st, i, &lg, &why);
    }
    audit_kp_verdict(b, res, svc, &lg, n_logs_st, &why);
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
                audit_facts_key_matches(k, f->logs[j].kms_key))
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
    audit_facts_strv_free(r->notes, r->n_notes);
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
