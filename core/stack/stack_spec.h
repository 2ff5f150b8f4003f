/* stack_spec.h - the stack spec: every value `elcui create` builds from.
 *
 * A spec describes the production stack of the seed (its Terraform, at
 * its current heads of Nov 2024): VPC with three private /27 subnets in three AZs and one
 * "public" /27, route tables, the default security group locked down, a
 * cache subnet group, a cache security group, two customer-managed KMS
 * keys with their policies and aliases, two CloudWatch log groups, the
 * AUTH token in Secrets Manager, a cluster-mode replication group, two SSM
 * SecureString parameters and two IAM read policies.
 *
 * One name stem (spec->name, e.g. "app-4") derives every resource name
 * (the seed's naming, below); each derived name can be overridden. Defaults are the
 * seed's values. Parts can be reused instead of created (a VPC and its
 * subnets, a security group, KMS keys, a secret).
 *
 * The spec is plain data: no AWS call, no secret. Its text form is INI
 * (libinih), documented in elcui-spec(5); stack_spec_write() writes exactly
 * what stack_spec_load_*() reads, and `elcui export --format spec` uses it.
 *
 * Every setter keeps the derived names (spec->names) current, so readers
 * never need a separate "resolve" step: stack_spec_name() is always valid
 * once a stem is set.
 */
#ifndef ELCUI_CORE_STACK_SPEC_H
#define ELCUI_CORE_STACK_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Tag on everything elcui creates: elcui:stack=<name>. */
#define STACK_SPEC_TAG_KEY "elcui:stack"
/* Most subnets of one kind (private / public) and zones a spec names. */
#define STACK_SPEC_MAX_SUBNETS 6
/* The AUTH token alphabet (AWS: letters, digits and ! & # $ ^ < > -). */
#define STACK_SPEC_TOKEN_ALPHABET                                                                  \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!&#$^<>-"
#define STACK_SPEC_TOKEN_MIN 16
#define STACK_SPEC_TOKEN_MAX 128
/* Longest name stem: the replication group id it derives is 1-40. */
#define STACK_SPEC_NAME_MAX 40

/* Names derived from the stem <n> (the seed's current heads). */
enum stack_name {
    STACK_NAME_VPC,               /* Name tag of the VPC: <n> */
    STACK_NAME_SUBNET_GROUP,      /* <n>-cache-subnet */
    STACK_NAME_SECURITY_GROUP,    /* <n>-elasticache-sg */
    STACK_NAME_REST_KEY_ALIAS,    /* alias/<n>-encryption-rest */
    STACK_NAME_SECRET_KEY_ALIAS,  /* alias/<n>-encryption-secret */
    STACK_NAME_SLOW_LOG_GROUP,    /* /elasticache/<n>/slow-log */
    STACK_NAME_ENGINE_LOG_GROUP,  /* /elasticache/<n>/engine-log */
    STACK_NAME_SECRET,            /* <n>-elasticache-auth */
    STACK_NAME_REPLICATION_GROUP, /* <n>, lower-case (AWS stores it so) */
    STACK_NAME_DESCRIPTION,       /* "ElastiCache cluster for <n>" */
    STACK_NAME_SSM_PREFIX,        /* /elasticache/<n>/<replication group id> */
    STACK_NAME_SSM_POLICY,        /* <n>-ssm-parameter-read-policy */
    STACK_NAME_SECRET_POLICY,     /* <n>-secret-read-policy */
    STACK_NAME__COUNT
};

/* A key = value pair ([accept] and [tags]). */
struct stack_kv {
    char *key;
    char *value;
};

struct stack_spec {
    /* [stack] */
    char *name;   /* the stem; NULL until set */
    char *region; /* NULL: the session's region (us-east-2 when none) */

    /* [network] */
    char *vpc_cidr;                              /* 10.20.32.0/25 */
    char *private_cidrs[STACK_SPEC_MAX_SUBNETS]; /* .0/27 .32/27 .64/27 */
    size_t n_private;                            /* 3 */
    char *public_cidrs[STACK_SPEC_MAX_SUBNETS];  /* .96/27 */
    size_t n_public;                             /* 1 */
    char *azs[STACK_SPEC_MAX_SUBNETS];           /* zone names; none: the */
    size_t n_azs;                                /* region's first available */
    bool lock_default_security_group;            /* strip its rules (yes) */

    /* [cache] */
    char *engine;         /* redis | valkey */
    char *engine_version; /* NULL: AWS's default for the engine (7.x) */
    char *node_type;      /* cache.t2.small (previous generation: a hint) */
    char *parameter_group;
    int shards;   /* NumNodeGroups: 3 */
    int replicas; /* ReplicasPerNodeGroup: 2 */
    int port;     /* 6379 */
    bool multi_az;
    bool automatic_failover;
    bool at_rest_encryption; /* with the at-rest CMK */
    bool transit_encryption; /* TLS */
    bool auth_token;         /* AUTH token from the secret */
    int snapshot_retention;  /* days; 0: automatic backups off (seed) */
    bool auto_minor_version_upgrade;
    int node_quota; /* nodes per cluster allowed (AWS default 90; raise it
                       here once AWS raised the account's quota) */

    /* [kms] */
    bool key_rotation;
    int key_deletion_window;        /* days, 7..30; destroy uses it: 7 */
    bool elasticache_key_statement; /* "Allow ElastiCache to use the key" */
    bool secret_key_policy;         /* the secret key's own policy */

    /* [logs] */
    bool slow_log;
    bool engine_log;
    char *log_format;       /* json | text */
    int log_retention_days; /* 365 */

    /* [secret] */
    int token_length;         /* 128 */
    char *token_file;         /* NULL: generate; else read the token here */
    int secret_recovery_days; /* destroy: 0 = ForceDeleteWithoutRecovery */

    /* [ssm] and [iam] */
    bool ssm_parameters;
    bool ssm_read_policy;
    bool secret_read_policy;

    /* [reuse]: existing resources used instead of created (NULL: create) */
    char *reuse_vpc;                             /* vpc-... */
    char *reuse_subnets[STACK_SPEC_MAX_SUBNETS]; /* subnet-...: the cache's */
    size_t n_reuse_subnets;                      /* subnets (else created) */
    char *reuse_security_group;                  /* sg-... */
    char *reuse_kms_key;                         /* at-rest key: id/ARN/alias */
    char *reuse_secret_kms_key;                  /* secret key: id/ARN/alias */
    char *reuse_secret;                          /* id, ARN or name */

    /* [accept]: audit findings accepted on purpose, id -> reason */
    struct stack_kv *accepted;
    size_t n_accepted;
    /* [tags]: extra tags on everything (besides elcui:stack and Name) */
    struct stack_kv *tags;
    size_t n_tags;

    /* [names]: explicit names (NULL: derived) and the resolved names. */
    char *name_override[STACK_NAME__COUNT];
    char *names[STACK_NAME__COUNT]; /* NULL only while name is NULL */
};

/* The seed's defaults, no name yet. Free with stack_spec_free(). */
void stack_spec_init(struct stack_spec *s);
void stack_spec_free(struct stack_spec *s);
/* Deep copy (dst is overwritten, not freed first). */
void stack_spec_copy(struct stack_spec *dst, const struct stack_spec *src);

/* Set the stem; every derived name follows. 0, or -1 with a message
 * ("name: ..." naming the rule) when it cannot derive names at all (empty,
 * longer than STACK_SPEC_NAME_MAX, characters outside [A-Za-z0-9-]).
 * The full replication-group-id rules are stack_validate's. */
int stack_spec_set_name(struct stack_spec *s, const char *name, char *err, size_t errlen);

/* The one setter used by the spec file, the command-line flags and the
 * wizard: section and key as in elcui-spec(5) ("cache", "shards"). Lists
 * are comma-separated. Values are checked for type only (number, yes/no,
 * list length); 0, or -1 with "section.key: what is wrong" in err. */
int stack_spec_set(struct stack_spec *s, const char *section, const char *key, const char *value,
                   char *err, size_t errlen);

/* Read a spec file over s (start from stack_spec_init for the defaults).
 * 0, or -1 with "FILE:LINE: message" in err. */
int stack_spec_load_file(struct stack_spec *s, const char *path, char *err, size_t errlen);
int stack_spec_load_string(struct stack_spec *s, const char *text, char *err, size_t errlen);
/* The spec as a file (every section, every value, overrides only in
 * [names]); loading it gives back an equal spec. Caller frees. */
char *stack_spec_write(const struct stack_spec *s);
/* Same values (names, lists, flags, reuse, accept, tags). */
bool stack_spec_equal(const struct stack_spec *a, const struct stack_spec *b);

/* Resolved name (never NULL once the stem is set; "" before). */
const char *stack_spec_name(const struct stack_spec *s, enum stack_name which);
/* Key of a name in [names] ("subnet_group"), for files and messages. */
const char *stack_spec_name_key(enum stack_name which);

/* Name tags of the network pieces and keys (as the Terraform guide names them): subnets and
 * their route tables "<vpc>-private-<i>" / "<vpc>-public-<i>" (i from 1),
 * the public route table "<vpc>-public", the default security group
 * "<vpc>-default"; keys: the alias without "alias/". Caller frees. */
char *stack_spec_subnet_name(const struct stack_spec *s, bool is_public, size_t i);
char *stack_spec_private_route_table_name(const struct stack_spec *s, size_t i);
char *stack_spec_public_route_table_name(const struct stack_spec *s);
char *stack_spec_default_sg_name(const struct stack_spec *s);
char *stack_spec_key_name(const struct stack_spec *s, bool secret_key);
/* SSM parameter names: <prefix>/endpoint and <prefix>/port. Caller frees. */
char *stack_spec_ssm_name(const struct stack_spec *s, bool port);

/* The reason a finding id was accepted, or NULL. Ids compare without case. */
const char *stack_spec_accepted(const struct stack_spec *s, const char *id);

/* "aws", "aws-cn" or "aws-us-gov" for a region. */
const char *stack_spec_partition(const char *region);
/* Region in use: s->region, else "us-east-2". */
const char *stack_spec_region(const struct stack_spec *s);

/* ARNs computed from names (not from resources, as the guide's "locals" do), so the
 * key policy and the log groups come from one source. Caller frees. */
char *stack_spec_log_group_arn(const struct stack_spec *s, const char *account, bool engine_log);
char *stack_spec_ssm_arn(const struct stack_spec *s, const char *account, bool port);
char *stack_spec_policy_arn(const struct stack_spec *s, const char *account, bool secret_policy);

/* Policy documents (new jansson references, members in a fixed order).
 * At-rest key: root kms:*; [ElastiCache service]; logs.<region>
 * with ArnEquals kms:EncryptionContext:aws:logs:arn on the log groups of
 * the enabled log types. Secret key: root kms:*; Secrets Manager in
 * this account (kms:CallerAccount, kms:ViaService). The two read policies:
 * exact ARNs, kms:Decrypt on the matching key. */
json_t *stack_spec_rest_key_policy(const struct stack_spec *s, const char *account);
json_t *stack_spec_secret_key_policy(const struct stack_spec *s, const char *account);
json_t *stack_spec_ssm_read_policy(const struct stack_spec *s, const char *account,
                                   const char *rest_key_arn);
json_t *stack_spec_secret_read_policy(const struct stack_spec *s, const char *secret_arn,
                                      const char *secret_key_arn);

/* A fresh AUTH token of len characters (16..128) from
 * STACK_SPEC_TOKEN_ALPHABET: RAND_bytes with rejection sampling (no modulo
 * bias). out holds len + 1 bytes. 0, or -1 (out wiped) when the random
 * generator fails or len is out of range. Never print the result; wipe it
 * (mem_wipe) when done. */
int stack_spec_generate_token(char *out, size_t len);

/* Descriptions the seed gives its resources: one source for apply
 * (stack_ops.c) and for export (export_tf.c, export_cli.c). */
#define STACK_DESC_SECURITY_GROUP                                                                  \
    "Allow inbound to and outbound access from the Amazon ElastiCache cluster."
#define STACK_DESC_SG_INGRESS "Enable communication to the Amazon ElastiCache for Redis cluster."
#define STACK_DESC_SG_EGRESS "Enable access to the ElastiCache cluster."
#define STACK_DESC_REST_KEY "Key to encrypt cache at rest."
#define STACK_DESC_SECRET_KEY "Key to encrypt secret"
#define STACK_DESC_SSM_POLICY                                                                      \
    "Policy to read the ElastiCache endpoint and port number stored in the SSM Parameter Store."
#define STACK_DESC_SECRET_POLICY                                                                   \
    "Policy to read the ElastiCache AUTH Token stored in AWS Secrets Manager secret."
/* "Cache subnets of NAME": the subnet group's description. Caller frees. */
char *stack_spec_subnet_group_description(const struct stack_spec *s);

#endif
