/* test_audit.c - the audit rules over crafted facts and over a spec before
 * apply, the report (order, acceptance, counts, text, JSON), and the live
 * gathering against a scripted server (every Describe call answered, some
 * denied, one hanging to test cancellation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/audit.h"
#include "core/stack/audit_facts.h"
#include "core/stack/audit_gather.h"
#include "core/stack/stack_spec.h"

#include "wire_harness.h"

#include "spec_fixture.h"

#include "typed_e2e.h"

/* ---- helpers ---- */

static struct audit_report *plan_report(struct stack_spec *s)
{
    struct audit_facts f;
    audit_facts_from_spec(&f, s, "111122223333", NULL, 0);
    struct audit_report *r = audit_evaluate(&f, s);
    audit_facts_free(&f);
    return r;
}

static enum audit_status status_of(const struct audit_report *r, const char *id, const char *res)
{
    const struct audit_result *x = audit_report_find(r, id, res);
    if (!x)
        fail_msg("no result %s (%s)", id, res ? res : "any");
    return x->status;
}

static size_t count_status(const struct audit_report *r, const char *id, enum audit_status st)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].id, id) == 0 && r->items[i].status == st)
            n++;
    return n;
}

/* Facts of a healthy live group, to break one thing at a time. */
static void good_facts(struct audit_facts *f)
{
    audit_facts_init(f);
    f->subject = mem_xstrdup("replication group g1");
    f->region = mem_xstrdup("us-east-2");
    f->account = mem_xstrdup("111122223333");
    f->stack = mem_xstrdup("g1");
    f->rg_id = mem_xstrdup("g1");
    f->nodes = 6;
    f->shards = 2;
    f->replicas = 2;
    f->port = 6379;
    f->at_rest = f->transit = f->auth_token = f->multi_az = f->failover = f->auto_minor =
        AUDIT_TRI_YES;
    f->transit_mode = mem_xstrdup("required");
    f->has_snapshot_retention = true;
    f->snapshot_retention = 7;
    f->kms_key = mem_xstrdup("arn:aws:kms:us-east-2:111122223333:key/k1");
    f->subnet_group = mem_xstrdup("g1-cache-subnet");
    f->parameter_group = mem_xstrdup("default.redis7");
    struct audit_key *k = audit_facts_add_key(f, f->kms_key);
    k->arn = mem_xstrdup(f->kms_key);
    k->manager = mem_xstrdup("CUSTOMER");
    k->rotation = AUDIT_TRI_YES;
    k->policy = mem_xstrdup(
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::"
        "111122223333:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},{\"Effect\":\"Allow\","
        "\"Principal\":{\"Service\":\"logs.us-east-2.amazonaws.com\"},\"Action\":[\"kms:"
        "Encrypt*\"],\"Resource\":\"*\",\"Condition\":{\"ArnEquals\":{\"kms:EncryptionContext:"
        "aws:logs:arn\":[\"arn:aws:logs:us-east-2:111122223333:log-group:/ec/g1/slow-log\","
        "\"arn:aws:logs:us-east-2:111122223333:log-group:/ec/g1/engine-log\"]}}}]}");
    static const char *const types[] = {"slow-log", "engine-log"};
    f->logs = mem_xcalloc(2, sizeof(*f->logs));
    f->n_logs = 2;
    for (int i = 0; i < 2; i++) {
        struct audit_log_delivery *l = &f->logs[i];
        l->log_type = mem_xstrdup(types[i]);
        l->destination_type = mem_xstrdup("cloudwatch-logs");
        l->destination = mem_xasprintf("/ec/g1/%s", types[i]);
        l->format = mem_xstrdup("json");
        l->status = mem_xstrdup("active");
        l->found = AUDIT_TRI_YES;
        /* as DescribeLogGroups writes it, with ":*" */
        l->arn =
            mem_xasprintf("arn:aws:logs:us-east-2:111122223333:log-group:/ec/g1/%s:*", types[i]);
        l->has_retention = true;
        l->retention_days = 400;
        l->kms_key = mem_xstrdup("k1"); /* by key id: matched to the ARN */
    }
    f->sgs = mem_xcalloc(1, sizeof(*f->sgs));
    f->n_sgs = 1;
    f->sgs[0].id = mem_xstrdup("sg-1");
    f->sgs[0].name = mem_xstrdup("g1-sg");
    f->sgs[0].ingress = mem_xcalloc(1, sizeof(*f->sgs[0].ingress));
    f->sgs[0].n_ingress = 1;
    f->sgs[0].ingress[0].protocol = mem_xstrdup("tcp");
    f->sgs[0].ingress[0].has_ports = true;
    f->sgs[0].ingress[0].from_port = f->sgs[0].ingress[0].to_port = 6379;
    f->sgs[0].ingress[0].sources = mem_xcalloc(1, sizeof(char *));
    f->sgs[0].ingress[0].sources[0] = mem_xstrdup("10.0.0.0/16");
    f->sgs[0].ingress[0].n_sources = 1;
    f->has_secret = true;
    f->secret.name = mem_xstrdup("g1-auth");
    f->secret.found = AUDIT_TRI_YES;
    f->secret.kms_key = mem_xstrdup("arn:aws:kms:us-east-2:111122223333:key/k1");
    f->secret.rotation = AUDIT_TRI_YES;
    f->params = mem_xcalloc(1, sizeof(*f->params));
    f->n_params = 1;
    f->params[0].name = mem_xstrdup("/ec/g1/endpoint");
    f->params[0].found = AUDIT_TRI_YES;
    f->params[0].type = mem_xstrdup("SecureString");
    f->params[0].key_id = mem_xstrdup("k1");
    f->policies = mem_xcalloc(1, sizeof(*f->policies));
    f->n_policies = 1;
    f->policies[0].name = mem_xstrdup("g1-read");
    f->policies[0].arn = mem_xstrdup("arn:aws:iam::111122223333:policy/g1-read");
    f->policies[0].found = AUDIT_TRI_YES;
    f->policies[0].document = mem_xstrdup(
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ssm:"
        "GetParameter\"],\"Resource\":[\"arn:aws:ssm:us-east-2:111122223333:parameter/ec/g1/"
        "endpoint\"]}]}");
    f->has_slowlog_max_len = true;
    f->slowlog_max_len = 128;
    f->has_slowlog_slower_than = true;
    f->slowlog_slower_than = 10000;
    f->placement_known = true;
    f->n_azs = 3;
}

static struct audit_report *eval(struct audit_facts *f)
{
    return audit_evaluate(f, NULL);
}

/* ---- spec before apply ---- */

static void test_plan_defaults(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("app-4");
    struct audit_report *r = plan_report(s);
    assert_true(r->plan);
    assert_int_equal(r->n_fail, 0);
    assert_int_equal(r->n_unknown, 0);
    assert_int_equal(r->n_accepted, 2);
    assert_int_equal(status_of(r, "backups", NULL), AUDIT_ACCEPTED);
    assert_int_equal(status_of(r, "secret-rotation", NULL), AUDIT_ACCEPTED);
    assert_non_null(strstr(audit_report_find(r, "backups", NULL)->accepted, "seed"));
    static const char *const pass[] = {
        "at-rest-encryption", "transit-encryption",   "auth-token",      "at-rest-cmk",
        "auto-minor-upgrade", "automatic-failover",   "multi-az",        "default-subnet-group",
        "slow-log-delivery",  "engine-log-delivery",  "log-group-kms",   "log-group-retention",
        "key-rotation",       "key-policy-logs",      "sg-ingress-port", "sg-ingress-open",
        "secret-cmk",         "ssm-securestring-cmk", "iam-no-wildcard", "placement",
        "slowlog-max-len"};
    for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
        assert_int_equal(status_of(r, pass[i], NULL), AUDIT_PASS);
    /* both log groups, both keys, both parameters, both policies */
    assert_int_equal(count_status(r, "log-group-kms", AUDIT_PASS), 2);
    assert_int_equal(count_status(r, "key-rotation", AUDIT_PASS), 2);
    assert_int_equal(count_status(r, "ssm-securestring-cmk", AUDIT_PASS), 2);
    assert_int_equal(count_status(r, "iam-no-wildcard", AUDIT_PASS), 2);
    assert_non_null(audit_report_find(r, "log-group-kms", "/elasticache/app-4/engine-log"));
    assert_int_equal(audit_report_failures(r, AUDIT_SEV_INFO, true), 0);
    /* accepted ones first, then passes */
    assert_int_equal(r->items[0].status, AUDIT_ACCEPTED);
    assert_int_equal(r->items[r->n - 1].status, AUDIT_PASS);
    audit_report_free(r);
    spec_del(s);
}

static void test_plan_weak_spec(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("weak");
    spec_set(s, "cache", "transit_encryption", "no");
    spec_set(s, "cache", "auth_token", "no");
    spec_set(s, "cache", "at_rest_encryption", "no");
    spec_set(s, "cache", "multi_az", "no");
    spec_set(s, "cache", "automatic_failover", "no");
    spec_set(s, "cache", "auto_minor_version_upgrade", "no");
    spec_set(s, "cache", "replicas", "0");
    spec_set(s, "kms", "key_rotation", "no");
    spec_set(s, "logs", "retention_days", "30");
    spec_set(s, "logs", "engine_log", "no");
    spec_set(s, "accept", "*", "none");
    struct audit_report *r = plan_report(s);
    assert_int_equal(status_of(r, "transit-encryption", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "auth-token", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "at-rest-encryption", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "at-rest-cmk", NULL), AUDIT_NA);
    assert_int_equal(status_of(r, "multi-az", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "automatic-failover", NULL), AUDIT_FAIL);
    assert_non_null(strstr(audit_report_find(r, "automatic-failover", NULL)->fix, "replica"));
    assert_int_equal(status_of(r, "auto-minor-upgrade", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "backups", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "engine-log-delivery", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "slow-log-delivery", NULL), AUDIT_PASS);
    assert_int_equal(status_of(r, "log-group-retention", "slow-log"), AUDIT_FAIL);
    /* no secret without an AUTH token; the at-rest key still rotates (or not) */
    assert_int_equal(status_of(r, "secret-cmk", NULL), AUDIT_NA);
    assert_int_equal(status_of(r, "key-rotation", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "placement.no-replicas", NULL), AUDIT_FAIL);
    /* the key policy names only the slow log now: still exact */
    assert_int_equal(status_of(r, "key-policy-logs", NULL), AUDIT_PASS);
    /* severities order the failures: high ones first */
    assert_int_equal(r->items[0].status, AUDIT_FAIL);
    assert_int_equal(r->items[0].severity, AUDIT_SEV_HIGH);
    assert_true(audit_report_failures(r, AUDIT_SEV_HIGH, false) >= 3);
    assert_int_equal(audit_report_failures(r, AUDIT_SEV_CRITICAL, false), 0);
    audit_report_free(r);
    spec_del(s);
}

static void test_plan_reuse_and_zones(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("re");
    spec_set(s, "reuse", "kms_key", "alias/shared");
    spec_set(s, "reuse", "security_group", "sg-0123");
    spec_set(s, "reuse", "secret", "shared-secret");
    spec_set(s, "cache", "parameter_group", "my-custom-group");
    struct audit_report *r = plan_report(s);
    assert_int_equal(status_of(r, "at-rest-cmk", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "key-policy-logs", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "sg-ingress-port", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "secret-cmk", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "slowlog-max-len", NULL), AUDIT_UNKNOWN);
    assert_non_null(strstr(audit_report_find(r, "sg-ingress-port", NULL)->finding, "reused"));
    assert_true(audit_report_failures(r, AUDIT_SEV_INFO, true) >= 5);
    assert_int_equal(audit_report_failures(r, AUDIT_SEV_INFO, false), 0);
    audit_report_free(r);
    spec_del(s);

    /* zones: all private subnets in one zone */
    s = spec_new("one");
    spec_set(s, "network", "availability_zones", "us-east-2a");
    r = plan_report(s);
    assert_int_equal(status_of(r, "placement.single-az", NULL), AUDIT_FAIL);
    audit_report_free(r);
    /* two zones for 3 nodes per shard: a replica shares its primary's zone */
    struct audit_facts f;
    spec_del(s);
    s = spec_new("two");
    static const char *const zones[] = {"us-east-2a", "us-east-2b"};
    audit_facts_from_spec(&f, s, NULL, zones, 2);
    assert_string_equal(f.account, "ACCOUNT");
    r = audit_evaluate(&f, s);
    assert_int_equal(status_of(r, "placement.replica-same-az", NULL), AUDIT_FAIL);
    audit_report_free(r);
    audit_facts_free(&f);
    spec_del(s);
}

static void test_accept_by_any_id(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("acc");
    spec_set(s, "accept", "*", "none");
    spec_set(s, "cache", "multi_az", "no");
    spec_set(s, "cache", "automatic_failover", "no");
    spec_set(s, "accept", "ElastiCache.3", "single-AZ test cache");
    spec_set(s, "accept", "multi-az", "test");
    spec_set(s, "accept", "SecretsManager.1", "rotation later");
    struct audit_report *r = plan_report(s);
    assert_int_equal(status_of(r, "automatic-failover", NULL), AUDIT_ACCEPTED);
    assert_string_equal(audit_report_find(r, "automatic-failover", NULL)->accepted,
                        "single-AZ test cache");
    assert_int_equal(status_of(r, "multi-az", NULL), AUDIT_ACCEPTED);
    assert_int_equal(status_of(r, "secret-rotation", NULL), AUDIT_ACCEPTED);
    assert_int_equal(status_of(r, "backups", NULL), AUDIT_FAIL); /* no longer accepted */
    assert_int_equal(audit_report_failures(r, AUDIT_SEV_LOW, false), 1);
    audit_report_free(r);
    spec_del(s);
}

/* ---- crafted live facts ---- */

static void test_good_facts_pass(void **state)
{
    (void)state;
    struct audit_facts f;
    good_facts(&f);
    struct audit_report *r = eval(&f);
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].status != AUDIT_PASS)
            fail_msg("%s: %s %s", r->items[i].id, audit_status_name(r->items[i].status),
                     r->items[i].finding);
    /* the key referenced by id, ARN and name: one rotation result */
    assert_int_equal(count_status(r, "key-rotation", AUDIT_PASS), 1);
    audit_report_free(r);
    audit_facts_free(&f);
}

static void set_policy(struct audit_facts *f, const char *json)
{
    free(f->keys[0].policy);
    f->keys[0].policy = json ? mem_xstrdup(json) : NULL;
}

static const char *policy_finding(struct audit_facts *f, enum audit_status want)
{
    static char text[2048];
    struct audit_report *r = eval(f);
    const struct audit_result *x = audit_report_find(r, "key-policy-logs", NULL);
    assert_non_null(x);
    if (x->status != want)
        fail_msg("key-policy-logs: %s: %s", audit_status_name(x->status), x->finding);
    snprintf(text, sizeof(text), "%s", x->finding);
    audit_report_free(r);
    return text;
}

#define LG "arn:aws:logs:us-east-2:111122223333:log-group:/ec/g1/"
#define LOGS_ST(cond)                                                                              \
    "{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"logs.us-east-2.amazonaws.com\"]},"        \
    "\"Action\":\"kms:*\",\"Resource\":\"*\"" cond "}"

static void test_key_policy_logs(void **state)
{
    (void)state;
    struct audit_facts f;
    good_facts(&f);
    /* no statement for CloudWatch Logs */
    assert_non_null(strstr(policy_finding(&f, AUDIT_PASS), "only for /ec/g1/slow-log"));
    set_policy(&f, "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
                   "\"Action\":\"kms:*\",\"Resource\":\"*\"}]}");
    assert_non_null(strstr(policy_finding(&f, AUDIT_FAIL), "no statement lets"));
    /* a single statement object, without a condition */
    set_policy(&f, "{\"Statement\":" LOGS_ST("") "}");
    assert_non_null(strstr(policy_finding(&f, AUDIT_FAIL), "for any log group"));
    /* a pattern: broader than these groups */
    set_policy(&f, "{\"Statement\":[" LOGS_ST(
                       ",\"Condition\":{\"ArnLike\":{\"kms:EncryptionContext:aws:logs:arn\":\"" LG
                       "*\"}}") "]}");
    const char *t = policy_finding(&f, AUDIT_FAIL);
    assert_non_null(strstr(t, "pattern"));
    assert_non_null(strstr(t, "not allowed")); /* and the exact groups are not named */
    /* an extra group, and one of ours missing */
    set_policy(&f, "{\"Statement\":[" LOGS_ST(",\"Sid\":\"logs\",\"Condition\":{\"ArnEquals\":{"
                                              "\"kms:EncryptionContext:aws:logs:arn\":[\"" LG
                                              "slow-log\",\"" LG "other\"]}}") "]}");
    t = policy_finding(&f, AUDIT_FAIL);
    assert_non_null(strstr(t, "statement \"logs\" also allows " LG "other"));
    assert_non_null(strstr(t, "log group /ec/g1/engine-log is not allowed"));
    assert_null(strstr(t, "slow-log is not allowed"));
    /* trailing ":*" in the condition matches */
    set_policy(&f,
               "{\"Statement\":[" LOGS_ST(
                   ",\"Condition\":{\"ArnEquals\":{\"kms:EncryptionContext:aws:logs:arn\":[\"" LG
                   "slow-log:*\",\"" LG "engine-log\"]}}") "]}");
    policy_finding(&f, AUDIT_PASS);
    /* unreadable */
    set_policy(&f, "{not json");
    assert_non_null(strstr(policy_finding(&f, AUDIT_UNKNOWN), "not valid JSON"));
    set_policy(&f, NULL);
    f.keys[0].error = mem_xstrdup("AccessDeniedException: no kms:GetKeyPolicy");
    assert_non_null(strstr(policy_finding(&f, AUDIT_UNKNOWN), "AccessDenied"));
    audit_facts_free(&f);
}

static struct audit_permission *perm(struct audit_sg *g, const char *proto, int from, int to,
                                     const char *src)
{
    g->ingress = mem_xrealloc(g->ingress, (g->n_ingress + 1) * sizeof(*g->ingress));
    struct audit_permission *p = &g->ingress[g->n_ingress++];
    memset(p, 0, sizeof(*p));
    p->protocol = mem_xstrdup(proto);
    p->has_ports = strcmp(proto, "-1") != 0;
    p->from_port = from;
    p->to_port = to;
    p->sources = mem_xcalloc(1, sizeof(char *));
    p->sources[0] = mem_xstrdup(src);
    p->n_sources = 1;
    return p;
}

static void test_security_groups(void **state)
{
    (void)state;
    struct audit_facts f;
    good_facts(&f);
    perm(&f.sgs[0], "tcp", 6379, 6379, "::/0");
    perm(&f.sgs[0], "-1", 0, 0, "sg-other");
    perm(&f.sgs[0], "tcp", 0, 65535, "10.0.0.0/8");
    struct audit_report *r = eval(&f);
    const struct audit_result *x = audit_report_find(r, "sg-ingress-open", "sg-1");
    assert_int_equal(x->status, AUDIT_FAIL);
    assert_int_equal(x->severity, AUDIT_SEV_CRITICAL);
    assert_non_null(strstr(x->finding, "tcp 6379 from ::/0"));
    x = audit_report_find(r, "sg-ingress-port", "sg-1");
    assert_int_equal(x->status, AUDIT_FAIL);
    assert_non_null(strstr(x->finding, "all traffic from sg-other"));
    assert_non_null(strstr(x->finding, "tcp 0-65535 from 10.0.0.0/8"));
    assert_null(strstr(x->finding, "::/0"));                    /* the port itself is fine there */
    assert_ptr_equal(r->items[0].severity, AUDIT_SEV_CRITICAL); /* worst first */
    audit_report_free(r);
    /* no security group known */
    for (size_t i = 0; i < f.n_sgs; i++) {
        free(f.sgs[i].id);
        free(f.sgs[i].name);
        for (size_t j = 0; j < f.sgs[i].n_ingress; j++) {
            free(f.sgs[i].ingress[j].protocol);
            for (size_t k = 0; k < f.sgs[i].ingress[j].n_sources; k++)
                free(f.sgs[i].ingress[j].sources[k]);
            free(f.sgs[i].ingress[j].sources);
        }
        free(f.sgs[i].ingress);
    }
    free(f.sgs);
    f.sgs = NULL;
    f.n_sgs = 0;
    f.network_error = mem_xstrdup("could not read the security groups: denied");
    r = eval(&f);
    assert_int_equal(status_of(r, "sg-ingress-open", NULL), AUDIT_UNKNOWN);
    assert_non_null(strstr(audit_report_find(r, "sg-ingress-open", NULL)->finding, "denied"));
    audit_report_free(r);
    audit_facts_free(&f);
}

static void test_secret_params_policies(void **state)
{
    (void)state;
    struct audit_facts f;
    good_facts(&f);
    free(f.secret.kms_key);
    f.secret.kms_key = NULL; /* aws/secretsmanager */
    f.secret.rotation = AUDIT_TRI_NO;
    free(f.params[0].type);
    f.params[0].type = mem_xstrdup("String");
    free(f.policies[0].document);
    f.policies[0].document =
        mem_xstrdup("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ssm:*\",\"Resource\":"
                    "\"*\"},{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"NotResource\":"
                    "\"arn:aws:kms:us-east-2:1:key/x\"},{\"Effect\":\"Deny\",\"Action\":\"*\","
                    "\"Resource\":\"*\"}]}");
    struct audit_report *r = eval(&f);
    assert_int_equal(status_of(r, "secret-cmk", NULL), AUDIT_FAIL);
    assert_non_null(
        strstr(audit_report_find(r, "secret-cmk", NULL)->finding, "aws/secretsmanager"));
    assert_int_equal(status_of(r, "secret-rotation", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "ssm-securestring-cmk", NULL), AUDIT_FAIL);
    const struct audit_result *x = audit_report_find(r, "iam-no-wildcard", NULL);
    assert_int_equal(x->status, AUDIT_FAIL);
    assert_non_null(strstr(x->finding, "statement 1 allows resource *"));
    assert_non_null(strstr(x->finding, "every action ssm:*"));
    assert_non_null(strstr(x->finding, "statement 2 uses NotResource"));
    assert_null(strstr(x->finding, "statement 3")); /* Deny is fine */
    audit_report_free(r);

    /* AWS managed keys, an unknown key, missing things */
    free(f.params[0].type);
    f.params[0].type = mem_xstrdup("SecureString");
    free(f.params[0].key_id);
    f.params[0].key_id = mem_xstrdup("alias/aws/ssm");
    f.secret.kms_key = mem_xstrdup("k-unknown");
    struct audit_key *k = audit_facts_add_key(&f, "k-unknown");
    k->error = mem_xstrdup("AccessDeniedException");
    f.policies[0].found = AUDIT_TRI_NO;
    r = eval(&f);
    assert_int_equal(status_of(r, "ssm-securestring-cmk", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "secret-cmk", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "iam-no-wildcard", NULL), AUDIT_NA);
    audit_report_free(r);
    f.secret.found = AUDIT_TRI_UNKNOWN;
    f.secret.error = mem_xstrdup("ThrottlingException");
    r = eval(&f);
    assert_int_equal(status_of(r, "secret-rotation", NULL), AUDIT_UNKNOWN);
    audit_report_free(r);
    audit_facts_free(&f);
}

static void test_group_variants(void **state)
{
    (void)state;
    struct audit_facts f;
    good_facts(&f);
    free(f.transit_mode);
    f.transit_mode = mem_xstrdup("preferred");
    f.has_slowlog_max_len = true;
    f.slowlog_max_len = 32;
    free(f.subnet_group);
    f.subnet_group = mem_xstrdup("default");
    free(f.logs[1].status);
    f.logs[1].status = mem_xstrdup("error");
    f.logs[1].message = mem_xstrdup("log group not found");
    f.logs[0].has_retention = false; /* never expire */
    free(f.logs[0].kms_key);
    f.logs[0].kms_key = NULL;
    f.keys[0].rotation = AUDIT_TRI_NO;
    struct audit_report *r = eval(&f);
    assert_non_null(strstr(audit_report_find(r, "transit-encryption", NULL)->finding, "preferred"));
    assert_int_equal(status_of(r, "transit-encryption", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "auth-token", NULL), AUDIT_PASS);
    assert_int_equal(status_of(r, "slowlog-max-len", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "default-subnet-group", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "engine-log-delivery", NULL), AUDIT_FAIL);
    assert_non_null(
        strstr(audit_report_find(r, "engine-log-delivery", NULL)->finding, "log group not found"));
    assert_int_equal(status_of(r, "log-group-retention", "slow-log"), AUDIT_PASS);
    assert_int_equal(status_of(r, "log-group-kms", "slow-log"), AUDIT_FAIL);
    assert_int_equal(status_of(r, "key-rotation", NULL), AUDIT_FAIL);
    audit_report_free(r);

    f.slowlog_max_len = 1024;
    f.slowlog_slower_than = -1;
    f.at_rest = AUDIT_TRI_YES;
    free(f.kms_key);
    f.kms_key = NULL; /* AWS owned */
    f.auth_token = AUDIT_TRI_NO;
    f.n_user_groups = 1; /* RBAC instead */
    f.logs[0].found = AUDIT_TRI_NO;
    r = eval(&f);
    assert_int_equal(status_of(r, "slowlog-max-len", NULL), AUDIT_FAIL);
    assert_non_null(strstr(audit_report_find(r, "slowlog-max-len", NULL)->finding, "disabled"));
    assert_int_equal(status_of(r, "at-rest-cmk", NULL), AUDIT_FAIL);
    assert_non_null(strstr(audit_report_find(r, "auth-token", NULL)->finding, "RBAC"));
    assert_int_equal(status_of(r, "log-group-kms", "slow-log"), AUDIT_FAIL);
    assert_int_equal(status_of(r, "log-group-retention", "slow-log"), AUDIT_NA);
    audit_report_free(r);

    /* nothing known about the group at all */
    struct audit_facts e;
    audit_facts_init(&e);
    r = eval(&e);
    assert_int_equal(status_of(r, "at-rest-encryption", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "placement", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "slow-log-delivery", NULL), AUDIT_FAIL);
    assert_int_equal(r->n_fail + r->n_unknown + r->n_na + r->n_pass + r->n_accepted + r->n_note,
                     r->n);
    audit_report_free(r);
    audit_facts_free(&e);
    audit_facts_free(&f);
}

static void test_placement_flags_and_notes(void **state)
{
    (void)state;
    struct audit_facts f;
    good_facts(&f);
    f.flags = mem_xcalloc(2, sizeof(*f.flags));
    f.n_flags = 2;
    f.flags[0].id = mem_xstrdup("primaries-one-az");
    f.flags[0].severity = AUDIT_SEV_MEDIUM;
    f.flags[0].text = mem_xstrdup("all primaries in us-east-2a");
    f.flags[1].id = mem_xstrdup("roles-unknown");
    f.flags[1].severity = AUDIT_SEV_INFO;
    f.flags[1].text = mem_xstrdup("roles assumed from naming");
    audit_facts_note(&f, "tags: %s", "denied");
    struct stack_spec *acc = spec_new("g1");
    spec_set(acc, "accept", "primaries-one-az", "known");
    struct audit_report *r = audit_evaluate(&f, acc);
    assert_int_equal(status_of(r, "placement.primaries-one-az", NULL), AUDIT_ACCEPTED);
    assert_int_equal(status_of(r, "placement.roles-unknown", NULL), AUDIT_NOTE);
    assert_null(audit_report_find(r, "placement", NULL)); /* a risk: no pass line */
    assert_int_equal(r->n_note, 1);
    assert_int_equal(r->n_notes, 1);
    assert_int_equal(audit_report_failures(r, AUDIT_SEV_INFO, false), 0);
    audit_report_free(r);
    spec_del(acc);
    audit_facts_free(&f);
}

static void test_format_and_json(void **state)
{
    (void)state;
    struct audit_facts f;
    good_facts(&f);
    free(f.subnet_group);
    f.subnet_group = mem_xstrdup("default\x1b[31m");
    f.has_snapshot_retention = true;
    f.snapshot_retention = 0;
    struct stack_spec *acc = spec_new("g1"); /* the seed's accepts */
    struct audit_report *r = audit_evaluate(&f, acc);
    char *t = audit_report_format(r, false);
    assert_non_null(strstr(t, "ACCEPTED medium   backups [CKV_AWS_134, ElastiCache.1]"));
    assert_null(strstr(t, "PASS ")); /* hidden without verbose */
    assert_non_null(strstr(t, "passes and n/a hidden"));
    free(t);
    t = audit_report_format(r, true);
    assert_non_null(strstr(t, "PASS     high     at-rest-encryption"));
    assert_null(strchr(t, '\x1b'));
    assert_non_null(strstr(t, "subnet group default\\x1b[31m"));
    free(t);
    json_t *j = audit_report_to_json(r);
    assert_string_equal(json_string_value(json_object_get(j, "mode")), "live");
    json_t *sum = json_object_get(j, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "accepted")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "checks")), (json_int_t)r->n);
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), r->n);
    bool seen = false;
    size_t i;
    json_t *e;
    json_array_foreach(res, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "id")), "backups") == 0) {
            seen = true;
            assert_string_equal(json_string_value(json_object_get(e, "status")), "accepted");
            assert_string_equal(json_string_value(json_object_get(e, "checkov")), "CKV_AWS_134");
            assert_string_equal(json_string_value(json_object_get(e, "securityHub")),
                                "ElastiCache.1");
            assert_non_null(json_object_get(e, "acceptedReason"));
        }
    }
    assert_true(seen);
    json_decref(j);
    audit_report_free(r);
    spec_del(acc);
    audit_facts_free(&f);
}

static void test_rule_table(void **state)
{
    (void)state;
    size_t n;
    const struct audit_rule *t = audit_rules(&n);
    assert_true(n >= 23);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(audit_rule_find(t[i].id), &t[i]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t[i].id, t[j].id);
    }
    assert_string_equal(audit_rule_find("log-group-retention")->checkov, "CKV_AWS_338");
    assert_string_equal(audit_rule_find("default-subnet-group")->securityhub, "ElastiCache.7");
    assert_int_equal(audit_severity_parse("HIGH"), AUDIT_SEV_HIGH);
    assert_int_equal(audit_severity_parse("none"), AUDIT_SEV_CRITICAL + 1);
    assert_int_equal(audit_severity_parse("bad"), -1);
    assert_null(audit_rule_find("nope"));
}

/* ---- live gathering against a scripted server ---- */

#define ACCT "111122223333"
#define KEY_ARN "arn:aws:kms:us-east-2:" ACCT ":key/11111111-2222-3333-4444-555555555555"
#define SKEY_ARN "arn:aws:kms:us-east-2:" ACCT ":key/99999999-2222-3333-4444-555555555555"

struct live {
    bool deny_kms;  /* KMS answers AccessDenied */
    bool hang_logs; /* CloudWatch Logs never answers */
    bool no_stack;  /* the group has no elcui:stack tag */
    int requests;
};

static const char *live_rgs =
    "<DescribeReplicationGroupsResponse xmlns=\"http://elasticache.amazonaws.com/doc/"
    "2015-02-02/\"><DescribeReplicationGroupsResult><ReplicationGroups><ReplicationGroup>"
    "<ReplicationGroupId>lv</ReplicationGroupId><Status>available</Status>"
    "<MemberClusters><ClusterId>lv-001</ClusterId><ClusterId>lv-002</ClusterId></MemberClusters>"
    "<NodeGroups><NodeGroup><NodeGroupId>0001</NodeGroupId><Status>available</Status>"
    "<PrimaryEndpoint><Address>lv.x</Address><Port>6380</Port></PrimaryEndpoint>"
    "<NodeGroupMembers><NodeGroupMember><CacheClusterId>lv-001</CacheClusterId>"
    "<CacheNodeId>0001</CacheNodeId><PreferredAvailabilityZone>us-east-2a</"
    "PreferredAvailabilityZone><CurrentRole>primary</CurrentRole></NodeGroupMember>"
    "<NodeGroupMember><CacheClusterId>lv-002</CacheClusterId><CacheNodeId>0001</CacheNodeId>"
    "<PreferredAvailabilityZone>us-east-2b</PreferredAvailabilityZone><CurrentRole>replica</"
    "CurrentRole></NodeGroupMember></NodeGroupMembers></NodeGroup></NodeGroups>"
    "<AutomaticFailover>enabled</AutomaticFailover><MultiAZ>enabled</MultiAZ>"
    "<SnapshotRetentionLimit>0</SnapshotRetentionLimit><ClusterEnabled>false</ClusterEnabled>"
    "<CacheNodeType>cache.t3.small</CacheNodeType><AuthTokenEnabled>true</AuthTokenEnabled>"
    "<TransitEncryptionEnabled>true</TransitEncryptionEnabled>"
    "<AtRestEncryptionEnabled>true</AtRestEncryptionEnabled><KmsKeyId>" KEY_ARN "</KmsKeyId>"
    "<ARN>arn:aws:elasticache:us-east-2:" ACCT ":replicationgroup:lv</ARN>"
    "<LogDeliveryConfigurations><LogDeliveryConfiguration><LogType>slow-log</LogType>"
    "<DestinationType>cloudwatch-logs</DestinationType><DestinationDetails>"
    "<CloudWatchLogsDetails><LogGroup>/elasticache/lv/slow-log</LogGroup></"
    "CloudWatchLogsDetails></DestinationDetails><LogFormat>json</LogFormat><Status>active</"
    "Status></LogDeliveryConfiguration></LogDeliveryConfigurations>"
    "<AutoMinorVersionUpgrade>true</AutoMinorVersionUpgrade><Engine>redis</Engine>"
    "</ReplicationGroup></ReplicationGroups></DescribeReplicationGroupsResult>"
    "<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>"
    "</DescribeReplicationGroupsResponse>";

static const char *live_ccs =
    "<DescribeCacheClustersResponse><DescribeCacheClustersResult><CacheClusters><CacheCluster>"
    "<CacheClusterId>lv-001</CacheClusterId><CacheNodeType>cache.t3.small</CacheNodeType>"
    "<Engine>redis</Engine><EngineVersion>7.1.0</EngineVersion><CacheClusterStatus>available</"
    "CacheClusterStatus><NumCacheNodes>1</NumCacheNodes><CacheParameterGroup>"
    "<CacheParameterGroupName>custom-lv</CacheParameterGroupName></CacheParameterGroup>"
    "<CacheSubnetGroupName>lv-subnets</CacheSubnetGroupName><SecurityGroups><member>"
    "<SecurityGroupId>sg-lv</SecurityGroupId><Status>active</Status></member></SecurityGroups>"
    "<ReplicationGroupId>lv</ReplicationGroupId></CacheCluster></CacheClusters>"
    "</DescribeCacheClustersResult></DescribeCacheClustersResponse>";

static const char *live_subnets =
    "<DescribeCacheSubnetGroupsResponse><DescribeCacheSubnetGroupsResult><CacheSubnetGroups>"
    "<CacheSubnetGroup><CacheSubnetGroupName>lv-subnets</CacheSubnetGroupName><VpcId>vpc-1</"
    "VpcId></CacheSubnetGroup></CacheSubnetGroups></DescribeCacheSubnetGroupsResult>"
    "</DescribeCacheSubnetGroupsResponse>";

static const char *live_params =
    "<DescribeCacheParametersResponse><DescribeCacheParametersResult><Parameters>"
    "<Parameter><ParameterName>slowlog-max-len</ParameterName><ParameterValue>16</"
    "ParameterValue></Parameter><Parameter><ParameterName>slowlog-log-slower-than</"
    "ParameterName><ParameterValue>10000</ParameterValue></Parameter></Parameters>"
    "</DescribeCacheParametersResult></DescribeCacheParametersResponse>";

static const char *live_tags =
    "<ListTagsForResourceResponse><ListTagsForResourceResult><TagList><Tag><Key>elcui:stack</"
    "Key><Value>lv</Value></Tag></TagList></ListTagsForResourceResult>"
    "</ListTagsForResourceResponse>";

static const char *live_no_tags =
    "<ListTagsForResourceResponse><ListTagsForResourceResult><TagList/></"
    "ListTagsForResourceResult></ListTagsForResourceResponse>";

static const char *live_sgs =
    "<DescribeSecurityGroupsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>e1</requestId><securityGroupInfo><item><groupId>sg-lv</groupId><groupName>lv-sg"
    "</groupName><vpcId>vpc-1</vpcId><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>"
    "6380</fromPort><toPort>6380</toPort><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item>"
    "</ipRanges></item></ipPermissions></item></securityGroupInfo>"
    "</DescribeSecurityGroupsResponse>";

static const char *live_policy =
    "<GetPolicyResponse><GetPolicyResult><Policy><PolicyName>lv-ssm-parameter-read-policy</"
    "PolicyName><Arn>arn:aws:iam::" ACCT ":policy/lv-ssm-parameter-read-policy</Arn>"
    "<DefaultVersionId>v2</DefaultVersionId></Policy></GetPolicyResult></GetPolicyResponse>";

static const char *live_version =
    "<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion><Document>"
    "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ssm%3AGetParameter"
    "%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D</Document><VersionId>v2</VersionId>"
    "</PolicyVersion></GetPolicyVersionResult></GetPolicyVersionResponse>";

static const char *live_no_entity =
    "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>not found</"
    "Message></Error><RequestId>x</RequestId></ErrorResponse>";

static const char *live_key =
    "{\"KeyMetadata\":{\"KeyId\":\"11111111-2222-3333-4444-555555555555\",\"Arn\":\"" KEY_ARN
    "\",\"KeyManager\":\"CUSTOMER\",\"KeyState\":\"Enabled\",\"Enabled\":true}}";
static const char *live_skey =
    "{\"KeyMetadata\":{\"KeyId\":\"99999999-2222-3333-4444-555555555555\",\"Arn\":\"" SKEY_ARN
    "\",\"KeyManager\":\"AWS\",\"KeyState\":\"Enabled\",\"Enabled\":true}}";

static const char *live_key_policy =
    "{\"Policy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{"
    "\\\"Service\\\":\\\"logs.us-east-2.amazonaws.com\\\"},\\\"Action\\\":\\\"kms:*\\\","
    "\\\"Resource\\\":\\\"*\\\",\\\"Condition\\\":{\\\"ArnEquals\\\":{\\\"kms:EncryptionContext:"
    "aws:logs:arn\\\":\\\"arn:aws:logs:us-east-2:" ACCT
    ":log-group:/elasticache/lv/slow-log\\\"}}}]}\"}";

static const char *live_log_groups =
    "{\"logGroups\":[{\"logGroupName\":\"/elasticache/lv/slow-log\",\"retentionInDays\":30,"
    "\"arn\":\"arn:aws:logs:us-east-2:" ACCT ":log-group:/elasticache/lv/slow-log:*\","
    "\"kmsKeyId\":\"" KEY_ARN "\"},{\"logGroupName\":\"/elasticache/lv/slow-log-old\"}]}";

static const char *live_secret =
    "{\"ARN\":\"arn:aws:secretsmanager:us-east-2:" ACCT ":secret:lv-elasticache-auth-AbCdEf\","
    "\"Name\":\"lv-elasticache-auth\",\"KmsKeyId\":\"99999999-2222-3333-4444-555555555555\"}";

static const char *live_ssm =
    "{\"Parameters\":[{\"Name\":\"/elasticache/lv/lv/endpoint\",\"Type\":\"SecureString\","
    "\"KeyId\":\"alias/aws/ssm\"}]}";

static void live_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp, void *arg)
{
    (void)s;
    struct live *lv = arg;
    lv->requests++;
    const char *target = srv_hdr(req, "X-Amz-Target");
    const char *body = req->body ? req->body : "";
    resp->status = 200;
    if (target) {
        if (strncmp(target, "TrentService.", 13) == 0 && lv->deny_kms) {
            resp->status = 400;
            resp->body = "{\"__type\":\"AccessDeniedException\",\"message\":\"denied\"}";
        } else if (strcmp(target, "TrentService.DescribeKey") == 0) {
            resp->body = strstr(body, "99999999") ? live_skey : live_key;
        } else if (strcmp(target, "TrentService.GetKeyRotationStatus") == 0) {
            resp->body = "{\"KeyRotationEnabled\":false}";
        } else if (strcmp(target, "TrentService.GetKeyPolicy") == 0) {
            resp->body = live_key_policy;
        } else if (strcmp(target, "Logs_20140328.DescribeLogGroups") == 0) {
            if (lv->hang_logs)
                resp->action = SRV_HANG;
            resp->body = live_log_groups;
        } else if (strcmp(target, "secretsmanager.DescribeSecret") == 0) {
            resp->body = live_secret;
        } else if (strcmp(target, "AmazonSSM.DescribeParameters") == 0) {
            resp->body = live_ssm;
        } else {
            resp->status = 400;
            resp->body = "{\"__type\":\"UnknownOperationException\"}";
        }
        resp->headers = "Content-Type: application/x-amz-json-1.1\r\n";
        return;
    }
    resp->headers = "Content-Type: text/xml\r\n";
    if (strstr(body, "Action=DescribeReplicationGroups"))
        resp->body = live_rgs;
    else if (strstr(body, "Action=DescribeCacheClusters"))
        resp->body = live_ccs;
    else if (strstr(body, "Action=DescribeCacheSubnetGroups"))
        resp->body = live_subnets;
    else if (strstr(body, "Action=DescribeCacheParameters"))
        resp->body = live_params;
    else if (strstr(body, "Action=ListTagsForResource"))
        resp->body = lv->no_stack ? live_no_tags : live_tags;
    else if (strstr(body, "Action=DescribeSecurityGroups"))
        resp->body = live_sgs;
    else if (strstr(body, "Action=GetPolicyVersion"))
        resp->body = live_version;
    else if (strstr(body, "Action=GetPolicy") && strstr(body, "ssm-parameter-read"))
        resp->body = live_policy;
    else if (strstr(body, "Action=GetPolicy")) {
        resp->status = 404;
        resp->body = live_no_entity;
    } else {
        resp->status = 400;
        resp->body = "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>";
    }
}

struct gathered {
    bool done;
    struct audit_facts *f;
    struct aws_error err;
};

static void on_gathered(struct audit_facts *f, const struct aws_error *err, void *arg)
{
    struct gathered *g = arg;
    g->done = true;
    g->f = f;
    if (err)
        aws_error_copy(&g->err, err);
}

static struct audit_report *live_run(struct live *lv, const char *rg, struct gathered *g)
{
    struct e2e x;
    e2e_local_start(&x, live_handler, lv);
    memset(g, 0, sizeof(*g));
    aws_error_init(&g->err);
    struct audit_gather_options o = {.rg_id = rg};
    struct audit_req *q = audit_gather_start(x.c, &o, on_gathered, g);
    assert_non_null(q);
    assert_false(g->done); /* never synchronous */
    assert_true(loop_run_until(x.l, &g->done, e2e_now_ms() + E2E_CALL_DEADLINE_MS));
    e2e_stop(&x);
    if (!g->f)
        return NULL;
    /* as `elcui audit` does: the stack's accepts only for a stack's group */
    struct stack_spec *acc = g->f->stack ? spec_new(g->f->stack) : NULL;
    struct audit_report *r = audit_evaluate(g->f, acc);
    if (acc)
        spec_del(acc);
    return r;
}

static void live_done(struct gathered *g, struct audit_report *r)
{
    audit_report_free(r);
    if (g->f) {
        audit_facts_free(g->f);
        free(g->f);
    }
    aws_error_clear(&g->err);
}

static void test_live_gather(void **state)
{
    (void)state;
    struct live lv = {0};
    struct gathered g;
    struct audit_report *r = live_run(&lv, "lv", &g);
    assert_non_null(r);
    struct audit_facts *f = g.f;
    assert_string_equal(f->account, ACCT);
    assert_string_equal(f->stack, "lv");
    assert_int_equal(f->port, 6380);
    assert_string_equal(f->parameter_group, "custom-lv");
    assert_string_equal(f->vpc_id, "vpc-1");
    assert_int_equal(f->n_azs, 2);
    assert_true(f->requests >= 12);
    assert_int_equal((int)f->requests, lv.requests);
    assert_int_equal(status_of(r, "at-rest-cmk", NULL), AUDIT_PASS);
    assert_int_equal(status_of(r, "key-rotation", KEY_ARN), AUDIT_FAIL);
    assert_int_equal(status_of(r, "key-rotation", SKEY_ARN), AUDIT_NA); /* AWS managed */
    assert_int_equal(status_of(r, "key-policy-logs", NULL), AUDIT_PASS);
    assert_int_equal(status_of(r, "log-group-retention", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "engine-log-delivery", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "sg-ingress-open", "sg-lv"), AUDIT_FAIL);
    assert_int_equal(status_of(r, "sg-ingress-port", "sg-lv"), AUDIT_PASS); /* port 6380 */
    assert_int_equal(status_of(r, "slowlog-max-len", NULL), AUDIT_FAIL);
    assert_int_equal(status_of(r, "secret-cmk", NULL), AUDIT_FAIL); /* AWS managed key */
    assert_int_equal(status_of(r, "secret-rotation", NULL), AUDIT_ACCEPTED);
    assert_int_equal(status_of(r, "backups", NULL), AUDIT_ACCEPTED);
    assert_int_equal(status_of(r, "ssm-securestring-cmk", "endpoint"), AUDIT_FAIL);
    assert_int_equal(status_of(r, "ssm-securestring-cmk", "port"), AUDIT_NA); /* missing */
    assert_int_equal(status_of(r, "iam-no-wildcard", "ssm-parameter"), AUDIT_FAIL);
    assert_int_equal(status_of(r, "iam-no-wildcard", "secret-read"), AUDIT_NA);
    assert_int_equal(status_of(r, "placement", NULL), AUDIT_PASS);
    live_done(&g, r);
}

static void test_live_denied_and_missing(void **state)
{
    (void)state;
    struct live lv = {.deny_kms = true, .no_stack = true};
    struct gathered g;
    struct audit_report *r = live_run(&lv, "lv", &g);
    assert_non_null(r);
    assert_null(g.f->stack);
    assert_int_equal(status_of(r, "at-rest-cmk", NULL), AUDIT_UNKNOWN);
    assert_non_null(strstr(audit_report_find(r, "at-rest-cmk", NULL)->finding, "denied"));
    assert_int_equal(status_of(r, "key-policy-logs", NULL), AUDIT_UNKNOWN);
    assert_int_equal(status_of(r, "secret-cmk", NULL), AUDIT_NA);
    assert_int_equal(status_of(r, "backups", NULL), AUDIT_FAIL); /* no stack: not accepted */
    live_done(&g, r);

    /* a group that does not exist: the callback gets the error */
    r = live_run(&lv, "nope", &g);
    assert_null(r);
    assert_true(aws_error_is(&g.err, "ReplicationGroupNotFoundFault"));
    live_done(&g, r);
}

static void test_live_cancel(void **state)
{
    (void)state;
    struct live lv = {.hang_logs = true};
    struct e2e x;
    e2e_local_start(&x, live_handler, &lv);
    struct gathered g;
    memset(&g, 0, sizeof(g));
    struct audit_gather_options o = {.rg_id = "lv"};
    struct audit_req *q = audit_gather_start(x.c, &o, on_gathered, &g);
    /* run until everything but the hanging log-group call is answered */
    uint64_t deadline = e2e_now_ms() + E2E_CALL_DEADLINE_MS;
    while (lv.requests < 12 && e2e_now_ms() < deadline)
        loop_run_once(x.l, 50);
    for (int i = 0; i < 20; i++)
        loop_run_once(x.l, 10);
    assert_false(g.done);
    audit_gather_cancel(q);
    for (int i = 0; i < 10; i++)
        loop_run_once(x.l, 10);
    assert_false(g.done);
    e2e_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_defaults),
        cmocka_unit_test(test_plan_weak_spec),
        cmocka_unit_test(test_plan_reuse_and_zones),
        cmocka_unit_test(test_accept_by_any_id),
        cmocka_unit_test(test_good_facts_pass),
        cmocka_unit_test(test_key_policy_logs),
        cmocka_unit_test(test_security_groups),
        cmocka_unit_test(test_secret_params_policies),
        cmocka_unit_test(test_group_variants),
        cmocka_unit_test(test_placement_flags_and_notes),
        cmocka_unit_test(test_format_and_json),
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_live_gather),
        cmocka_unit_test(test_live_denied_and_missing),
        cmocka_unit_test(test_live_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
