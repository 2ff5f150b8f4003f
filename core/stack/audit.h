/* audit.h - security and resilience rules over a replication group and its
 * surroundings, live or planned.
 *
 * Two halves:
 *
 *   facts   what is known about a group and everything around it: the
 *           group's settings, its KMS keys (manager, rotation, policy),
 *           its log groups (KMS key, retention), its security groups'
 *           ingress, the stack's secret, SSM parameters and IAM read
 *           policies, the parameter group's slow-log settings and the
 *           placement risks (core/model/placement.h) over the roles Redis
 *           reports (core/redis/observe.h, the same observation show uses;
 *           the API's roles or the naming when Redis cannot be asked, said
 *           in a note). Facts come either from the
 *           live account (audit_gather_start: many Describe calls on the
 *           loop, concurrently, cancellable) or from a spec before apply
 *           (audit_facts_from_spec: the values apply would create, as
 *           Checkov reads Terraform in the seed's CI). Plain data.
 *
 *   rules   audit_evaluate(): pure functions over the facts, no I/O, so
 *           tests feed crafted facts. Each rule has an id, a severity and
 *           the Checkov and AWS Security Hub ids where they exist; each
 *           result says what was found and how to fix it.
 *
 * Results: pass, fail, accepted (a failure the stack accepts on purpose:
 * the spec's [accept] section names the rule id, its Checkov id or its
 * Security Hub id), n/a (nothing to check: no log delivery, no secret),
 * unknown (the fact could not be read, or a reused resource in a plan),
 * note (informational observations, e.g. roles assumed from naming).
 *
 * Rules (id: severity, Checkov, Security Hub):
 *   at-rest-encryption    high      CKV_AWS_29   ElastiCache.4
 *   transit-encryption    high      CKV_AWS_30   ElastiCache.5
 *   auth-token            high      CKV_AWS_31   ElastiCache.6
 *   at-rest-cmk           medium    CKV_AWS_191
 *   backups               medium    CKV_AWS_134  ElastiCache.1
 *   auto-minor-upgrade    low                    ElastiCache.2
 *   automatic-failover    medium                 ElastiCache.3
 *   multi-az              medium
 *   default-subnet-group  medium                 ElastiCache.7
 *   slow-log-delivery     low
 *   engine-log-delivery   low
 *   log-group-kms         medium    CKV_AWS_158
 *   log-group-retention   low       CKV_AWS_338
 *   key-rotation          medium    CKV_AWS_7    KMS.4
 *   key-policy-logs       medium    (logs.<region> may use the key only
 *                                    for these log groups)
 *   sg-ingress-port       medium    (ingress only on the group's port)
 *   sg-ingress-open       critical               EC2.18
 *   secret-cmk            medium    CKV_AWS_149
 *   secret-rotation       medium    CKV2_AWS_57  SecretsManager.1
 *   ssm-securestring-cmk  medium    CKV_AWS_337
 *   iam-no-wildcard       medium    CKV_AWS_355
 *   placement             per flag  (placement.<flag id>, core/model/placement.h)
 *   slowlog-max-len       low       (slow-log settings that lose entries)
 */
#ifndef ELCUI_CORE_AUDIT_H
#define ELCUI_CORE_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "core/redis/observe.h"
#include "core/stack/stack_spec.h"

/* slowlog-max-len below this loses entries between two deliveries. */
#define AUDIT_SLOWLOG_MIN_LEN 128
/* Log groups should keep their records at least this long (CKV_AWS_338). */
#define AUDIT_MIN_RETENTION_DAYS 365

enum audit_severity {
    AUDIT_SEV_INFO = 0,
    AUDIT_SEV_LOW,
    AUDIT_SEV_MEDIUM,
    AUDIT_SEV_HIGH,
    AUDIT_SEV_CRITICAL,
};

enum audit_status {
    AUDIT_FAIL = 0,
    AUDIT_UNKNOWN,
    AUDIT_ACCEPTED,
    AUDIT_NOTE,
    AUDIT_PASS,
    AUDIT_NA,
};

/* Three-valued facts: not known, no, yes. */
enum audit_tri {
    AUDIT_TRI_UNKNOWN = 0,
    AUDIT_TRI_NO,
    AUDIT_TRI_YES,
};

struct audit_rule {
    const char *id;
    enum audit_severity severity;
    const char *checkov;     /* NULL: none */
    const char *securityhub; /* NULL: none */
    const char *title;
};

/* The rule table, in evaluation order. */
const struct audit_rule *audit_rules(size_t *n);
const struct audit_rule *audit_rule_find(const char *id);

/* ---- facts ---- */

struct audit_key {
    char *ref;     /* as referenced: key id, ARN or alias/... */
    char *arn;     /* NULL: not known */
    char *manager; /* CUSTOMER | AWS; NULL: not known */
    char *state;   /* Enabled, PendingDeletion, ... */
    enum audit_tri rotation;
    char *policy; /* key policy JSON text; NULL: not known */
    char *error;  /* why the key could not be read, or NULL */
};

struct audit_log_delivery {
    char *log_type;         /* slow-log | engine-log */
    char *destination_type; /* cloudwatch-logs | kinesis-firehose */
    char *destination;      /* log group name or delivery stream */
    char *format;           /* json | text */
    char *status;           /* active, enabling, error, ... */
    char *message;          /* the service's message on error */
    /* the CloudWatch Logs group (cloudwatch-logs only) */
    enum audit_tri found;
    char *arn; /* without the trailing ":*" */
    bool has_retention;
    int retention_days; /* without has_retention: never expire */
    char *kms_key;      /* ARN; NULL: not encrypted with a CMK */
    char *error;        /* why the log group could not be read */
};

struct audit_permission {
    char *protocol; /* tcp, udp, icmp, -1 */
    bool has_ports;
    int from_port, to_port;
    char **sources; /* CIDRs (v4 and v6), group ids "sg-...", prefix lists */
    size_t n_sources;
};

struct audit_sg {
    char *id;
    char *name;
    bool is_default; /* the VPC's default group, used when the group names none */
    struct audit_permission *ingress;
    size_t n_ingress;
    char *error;
};

struct audit_secret {
    char *name;
    char *arn;
    enum audit_tri found;
    char *kms_key; /* NULL: the AWS managed key aws/secretsmanager */
    enum audit_tri rotation;
    char *error;
};

struct audit_parameter {
    char *name;
    enum audit_tri found;
    char *type;   /* String, StringList, SecureString */
    char *key_id; /* SecureString: the key as stored; NULL: alias/aws/ssm */
    char *error;
};

struct audit_policy {
    char *name;
    char *arn;
    enum audit_tri found;
    char *document; /* JSON text of the default version */
    char *error;
};

/* A tag of the group, or a subnet of its subnet group (export uses them). */
struct audit_tag {
    char *key;
    char *value;
};

/* A placement risk (copied from core/model/placement.h, or derived from a spec). */
struct audit_flag {
    char *id; /* "single-az", ... */
    enum audit_severity severity;
    char *text;
};

struct audit_facts {
    char *subject; /* "replication group app-4", "plan of stack app-4" */
    bool plan;     /* from a spec, before apply */
    char *region;
    char *account;
    char *stack; /* stack name (elcui:stack tag, --name, spec); NULL: none */

    /* the replication group */
    char *rg_id;
    char *rg_arn;
    char *description;
    struct audit_tag *tags; /* the group's tags (live) */
    size_t n_tags;
    char *status;
    char *engine;
    char *engine_version;
    char *node_type;
    char *parameter_group;
    bool cluster_enabled;
    int shards;
    int replicas; /* fewest replicas of any shard */
    int nodes;
    int port;
    enum audit_tri at_rest;
    enum audit_tri transit;
    char *transit_mode; /* preferred | required; NULL: not said */
    enum audit_tri auth_token;
    size_t n_user_groups;
    enum audit_tri multi_az;
    enum audit_tri failover;
    enum audit_tri auto_minor;
    bool has_snapshot_retention;
    int snapshot_retention;
    char *kms_key;      /* the group's at-rest key as reported; NULL: AWS owned */
    char *subnet_group; /* NULL: not known */
    char *vpc_id;
    struct audit_tag *subnets; /* the subnet group's subnets: key id, value AZ */
    size_t n_subnets;
    char **sg_ids; /* the security groups the group names (live) */
    size_t n_sg_ids;
    char *network_error; /* why subnet group / security groups are not known */

    struct audit_log_delivery *logs;
    size_t n_logs;
    struct audit_key *keys; /* every key referenced above and below */
    size_t n_keys;
    struct audit_sg *sgs;
    size_t n_sgs;
    bool has_secret; /* the stack keeps an AUTH token secret */
    struct audit_secret secret;
    struct audit_parameter *params;
    size_t n_params;
    struct audit_policy *policies;
    size_t n_policies;

    /* parameter group slow-log settings */
    bool has_slowlog_max_len;
    long slowlog_max_len;
    bool has_slowlog_slower_than;
    long slowlog_slower_than;
    char *parameters_error;

    /* placement */
    bool placement_known;
    size_t n_azs; /* distinct AZs of the nodes */
    struct audit_flag *flags;
    size_t n_flags;
    char *placement_error;

    char **notes; /* remarks about gathering (partial data) */
    size_t n_notes;
    unsigned long requests; /* AWS requests made to gather */
};

/* ---- evaluation ---- */

struct audit_result {
    const struct audit_rule *rule;
    char *id; /* rule id; "placement.<flag>" for placement flags */
    enum audit_status status;
    enum audit_severity severity;
    char *resource; /* what it is about: "replication group app-4" */
    char *finding;  /* what was found */
    char *fix;      /* how to fix (fail, accepted, unknown); NULL on pass */
    char *accepted; /* the spec's reason (accepted only) */
};

struct audit_report {
    char *subject;
    bool plan;
    char *region;
    char *stack;
    struct audit_result *items; /* sorted: fail (worst first), unknown,
                                   accepted, note, pass, n/a */
    size_t n;
    size_t n_pass, n_fail, n_accepted, n_na, n_unknown, n_note;
    char **notes;
    size_t n_notes;
};

/* Evaluate every rule. accept: the spec whose [accept] section marks
 * failures accepted (NULL: none). Never NULL. */
struct audit_report *audit_evaluate(const struct audit_facts *f, const struct stack_spec *accept);
void audit_report_free(struct audit_report *r);

/* Unaccepted failures at or above sev; with unknown_fails, unknown
 * results count too. */
size_t audit_report_failures(const struct audit_report *r, enum audit_severity sev,
                             bool unknown_fails);
/* First result with that id (rule id or placement.<flag>) and, when given,
 * resource substring; NULL when none. */
const struct audit_result *audit_report_find(const struct audit_report *r, const char *id,
                                             const char *resource);

/* For people (one block per result, summary last); verbose: passes and
 * n/a too. Caller frees. */
char *audit_report_format(const struct audit_report *r, bool verbose);
/* {"subject","mode","region","stack","summary":{...},"results":[...],"notes":[...]} */
json_t *audit_report_to_json(const struct audit_report *r);

const char *audit_severity_name(enum audit_severity s); /* info, low, medium, high, critical */
/* -1 when unknown; "none" gives AUDIT_SEV_CRITICAL + 1. */
int audit_severity_parse(const char *s);
const char *audit_status_name(enum audit_status s); /* fail, unknown, accepted, note, pass, n/a */

/* "...:*" -> without the suffix, for comparisons (out: n bytes). */
void audit_arn_norm(const char *in, char *out, size_t n);

#endif
