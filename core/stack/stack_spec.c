/* stack_spec.c - the stack spec: defaults, names, the INI file, policies,
 * the AUTH token. */
#include "core/stack/stack_spec.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"

/* Longest value one line of the file carries (inih reads 200-byte lines);
 * longer values are written over continuation lines. */
#define SPEC_LINE_VALUE 150
/* Longest value at all. */
#define SPEC_VALUE_MAX 1024
#define SPEC_KV_MAX 64

/* ---- field table ---- */

enum spec_type {
    T_STR,   /* char *, NULL when empty */
    T_INT,   /* int */
    T_BOOL,  /* bool */
    T_LIST,  /* char *[STACK_SPEC_MAX_SUBNETS] + size_t count */
    T_NAME,  /* the stem */
    T_ALIAS, /* name_override[] */
};

struct spec_field {
    const char *section;
    const char *key;
    enum spec_type type;
    size_t off;       /* offset of the member */
    size_t count_off; /* T_LIST: offset of the count */
    int index;        /* T_ALIAS: enum stack_name */
    const char *doc;  /* one-line comment in written files */
};

#define F_STR(sec, k, m, d)                                                                        \
    {                                                                                              \
        sec, k, T_STR, offsetof(struct stack_spec, m), 0, 0, d                                     \
    }
#define F_INT(sec, k, m, d)                                                                        \
    {                                                                                              \
        sec, k, T_INT, offsetof(struct stack_spec, m), 0, 0, d                                     \
    }
#define F_BOOL(sec, k, m, d)                                                                       \
    {                                                                                              \
        sec, k, T_BOOL, offsetof(struct stack_spec, m), 0, 0, d                                    \
    }
#define F_LIST(sec, k, m, c, d)                                                                    \
    {                                                                                              \
        sec, k, T_LIST, offsetof(struct stack_spec, m), offsetof(struct stack_spec, c), 0, d       \
    }
#define F_ALIAS(k, i, d)                                                                           \
    {                                                                                              \
        "names", k, T_ALIAS, 0, 0, i, d                                                            \
    }

static const struct spec_field spec_fields[] = {
    {"stack", "name", T_NAME, 0, 0, 0, "name stem: every resource name derives from it"},
    F_STR("stack", "region", region, "AWS region (empty: the session's, else us-east-2)"),

    F_STR("network", "vpc_cidr", vpc_cidr, "IPv4 CIDR of the VPC"),
    F_LIST("network", "private_subnets", private_cidrs, n_private,
           "CIDRs of the cache subnets, one per zone"),
    F_LIST("network", "public_subnets", public_cidrs, n_public,
           "CIDRs of the \"public\" subnets (no internet route)"),
    F_LIST("network", "availability_zones", azs, n_azs,
           "zones in subnet order (empty: the region's first available)"),
    F_BOOL("network", "lock_default_security_group", lock_default_security_group,
           "strip the rules of the VPC's default security group"),

    F_STR("cache", "engine", engine, "redis or valkey"),
    F_STR("cache", "engine_version", engine_version, "empty: AWS's default for the engine"),
    F_STR("cache", "node_type", node_type, "cache node type"),
    F_STR("cache", "parameter_group", parameter_group, "cache parameter group"),
    F_INT("cache", "shards", shards, "node groups (NumNodeGroups)"),
    F_INT("cache", "replicas", replicas, "replicas per shard (ReplicasPerNodeGroup)"),
    F_INT("cache", "port", port, "port of every node"),
    F_BOOL("cache", "multi_az", multi_az, "Multi-AZ"),
    F_BOOL("cache", "automatic_failover", automatic_failover, "automatic failover"),
    F_BOOL("cache", "at_rest_encryption", at_rest_encryption, "encryption at rest with the CMK"),
    F_BOOL("cache", "transit_encryption", transit_encryption, "TLS"),
    F_BOOL("cache", "auth_token", auth_token, "AUTH token from the secret"),
    F_INT("cache", "snapshot_retention", snapshot_retention, "days of backups (0: off)"),
    F_BOOL("cache", "auto_minor_version_upgrade", auto_minor_version_upgrade,
           "automatic minor version upgrades"),
    F_INT("cache", "node_quota", node_quota,
          "nodes per cluster the account may have (AWS default 90)"),

    F_BOOL("kms", "key_rotation", key_rotation, "yearly rotation of both keys"),
    F_INT("kms", "deletion_window", key_deletion_window, "days before a destroyed key goes (7-30)"),
    F_BOOL("kms", "elasticache_statement", elasticache_key_statement,
           "at-rest key policy lets ElastiCache use the key"),
    F_BOOL("kms", "secret_key_policy", secret_key_policy,
           "the secret key gets its own policy (Secrets Manager only)"),

    F_BOOL("logs", "slow_log", slow_log, "deliver the slow log"),
    F_BOOL("logs", "engine_log", engine_log, "deliver the engine log"),
    F_STR("logs", "format", log_format, "json or text"),
    F_INT("logs", "retention_days", log_retention_days, "days CloudWatch Logs keeps records"),

    F_INT("secret", "token_length", token_length, "length of the generated AUTH token (16-128)"),
    F_STR("secret", "token_file", token_file, "read the AUTH token from this file instead"),
    F_INT("secret", "recovery_window", secret_recovery_days,
          "destroy: days to keep the secret recoverable (0: delete at once)"),

    F_BOOL("ssm", "parameters", ssm_parameters, "endpoint and port as SecureString parameters"),
    F_BOOL("iam", "ssm_read_policy", ssm_read_policy, "policy to read the parameters"),
    F_BOOL("iam", "secret_read_policy", secret_read_policy, "policy to read the AUTH token"),

    F_STR("reuse", "vpc", reuse_vpc, "existing VPC id (empty: create one)"),
    F_LIST("reuse", "subnets", reuse_subnets, n_reuse_subnets,
           "existing subnet ids for the cache (empty: create them)"),
    F_STR("reuse", "security_group", reuse_security_group, "existing security group id"),
    F_STR("reuse", "kms_key", reuse_kms_key, "existing at-rest key (id, ARN or alias)"),
    F_STR("reuse", "secret_kms_key", reuse_secret_kms_key, "existing key for the secret"),
    F_STR("reuse", "secret", reuse_secret, "existing secret holding the AUTH token"),

    F_ALIAS("vpc", STACK_NAME_VPC, "Name tag of the VPC"),
    F_ALIAS("subnet_group", STACK_NAME_SUBNET_GROUP, "cache subnet group"),
    F_ALIAS("security_group", STACK_NAME_SECURITY_GROUP, "cache security group"),
    F_ALIAS("rest_key_alias", STACK_NAME_REST_KEY_ALIAS, "alias of the at-rest key"),
    F_ALIAS("secret_key_alias", STACK_NAME_SECRET_KEY_ALIAS, "alias of the secret key"),
    F_ALIAS("slow_log_group", STACK_NAME_SLOW_LOG_GROUP, "slow-log log group"),
    F_ALIAS("engine_log_group", STACK_NAME_ENGINE_LOG_GROUP, "engine-log log group"),
    F_ALIAS("secret", STACK_NAME_SECRET, "Secrets Manager secret"),
    F_ALIAS("replication_group_id", STACK_NAME_REPLICATION_GROUP, "replication group id"),
    F_ALIAS("description", STACK_NAME_DESCRIPTION, "replication group description"),
    F_ALIAS("ssm_prefix", STACK_NAME_SSM_PREFIX, "prefix of the SSM parameters"),
    F_ALIAS("ssm_policy", STACK_NAME_SSM_POLICY, "IAM policy reading the parameters"),
    F_ALIAS("secret_policy", STACK_NAME_SECRET_POLICY, "IAM policy reading the secret"),
};
#define N_FIELDS (sizeof(spec_fields) / sizeof(spec_fields[0]))

static const char *const spec_sections[] = {"stack", "network", "cache",  "kms",
                                            "logs",  "secret",  "ssm",    "iam",
                                            "reuse", "names",   "accept", "tags"};

static char **spec_str_at(struct stack_spec *s, size_t off)
{
    return (char **)(void *)((char *)s + off);
}
static char *const *spec_cstr_at(const struct stack_spec *s, size_t off)
{
    return (char *const *)(const void *)((const char *)s + off);
}
static int *spec_int_at(struct stack_spec *s, size_t off)
{
    return (int *)(void *)((char *)s + off);
}
static int spec_cint_at(const struct stack_spec *s, size_t off)
{
    return *(const int *)(const void *)((const char *)s + off);
}
static bool *spec_bool_at(struct stack_spec *s, size_t off)
{
    return (bool *)(void *)((char *)s + off);
}
static bool spec_cbool_at(const struct stack_spec *s, size_t off)
{
    return *(const bool *)(const void *)((const char *)s + off);
}
static size_t *spec_size_at(struct stack_spec *s, size_t off)
{
    return (size_t *)(void *)((char *)s + off);
}
static size_t spec_csize_at(const struct stack_spec *s, size_t off)
{
    return *(const size_t *)(const void *)((const char *)s + off);
}

static void spec_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void spec_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- names ---- */

static const char *const spec_name_keys[STACK_NAME__COUNT] = {
    [STACK_NAME_VPC] = "vpc",
    [STACK_NAME_SUBNET_GROUP] = "subnet_group",
    [STACK_NAME_SECURITY_GROUP] = "security_group",
    [STACK_NAME_REST_KEY_ALIAS] = "rest_key_alias",
    [STACK_NAME_SECRET_KEY_ALIAS] = "secret_key_alias",
    [STACK_NAME_SLOW_LOG_GROUP] = "slow_log_group",
    [STACK_NAME_ENGINE_LOG_GROUP] = "engine_log_group",
    [STACK_NAME_SECRET] = "secret",
    [STACK_NAME_REPLICATION_GROUP] = "replication_group_id",
    [STACK_NAME_DESCRIPTION] = "description",
    [STACK_NAME_SSM_PREFIX] = "ssm_prefix",
    [STACK_NAME_SSM_POLICY] = "ssm_policy",
    [STACK_NAME_SECRET_POLICY] = "secret_policy",
};

const char *stack_spec_name_key(enum stack_name which)
{
    if ((int)which < 0 || which >= STACK_NAME__COUNT)
        return "";
    return spec_name_keys[which];
}

static char *spec_lower(const char *s)
{
    char *o = mem_xstrdup(s);
    for (char *p = o; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return o;
}

static char *spec_derive_one(const struct stack_spec *s, enum stack_name which)
{
    const char *n = s->name;
    switch (which) {
    case STACK_NAME_VPC:
        return mem_xstrdup(n);
    case STACK_NAME_SUBNET_GROUP:
        return mem_xasprintf("%s-cache-subnet", n);
    case STACK_NAME_SECURITY_GROUP:
        return mem_xasprintf("%s-elasticache-sg", n);
    case STACK_NAME_REST_KEY_ALIAS:
        return mem_xasprintf("alias/%s-encryption-rest", n);
    case STACK_NAME_SECRET_KEY_ALIAS:
        return mem_xasprintf("alias/%s-encryption-secret", n);
    case STACK_NAME_SLOW_LOG_GROUP:
        return mem_xasprintf("/elasticache/%s/slow-log", n);
    case STACK_NAME_ENGINE_LOG_GROUP:
        return mem_xasprintf("/elasticache/%s/engine-log", n);
    case STACK_NAME_SECRET:
        return mem_xasprintf("%s-elasticache-auth", n);
    case STACK_NAME_REPLICATION_GROUP:
        return spec_lower(n);
    case STACK_NAME_DESCRIPTION:
        return mem_xasprintf("ElastiCache cluster for %s", n);
    case STACK_NAME_SSM_PREFIX:
        return mem_xasprintf("/elasticache/%s/%s", n, s->names[STACK_NAME_REPLICATION_GROUP]);
    case STACK_NAME_SSM_POLICY:
        return mem_xasprintf("%s-ssm-parameter-read-policy", n);
    case STACK_NAME_SECRET_POLICY:
        return mem_xasprintf("%s-secret-read-policy", n);
    case STACK_NAME__COUNT:
        break;
    }
    return mem_xstrdup("");
}

/* Recompute every resolved name (in enum order: the SSM prefix uses the
 * replication group id, which comes before it). */
static void spec_derive(struct stack_spec *s)
{
    for (int i = 0; i < STACK_NAME__COUNT; i++) {
        free(s->names[i]);
        s->names[i] = NULL;
    }
    if (!s->name)
        return;
    for (int i = 0; i < STACK_NAME__COUNT; i++) {
        if (s->name_override[i])
            s->names[i] = i == STACK_NAME_REPLICATION_GROUP ? spec_lower(s->name_override[i])
                                                            : mem_xstrdup(s->name_override[i]);
        else
            s->names[i] = spec_derive_one(s, (enum stack_name)i);
    }
}

const char *stack_spec_name(const struct stack_spec *s, enum stack_name which)
{
    if (!s || (int)which < 0 || which >= STACK_NAME__COUNT || !s->names[which])
        return "";
    return s->names[which];
}

/* ---- init, free, copy ---- */

static void spec_list_set(char **items, size_t *n, const char *const *vals, size_t nv)
{
    for (size_t i = 0; i < *n; i++) {
        free(items[i]);
        items[i] = NULL;
    }
    *n = 0;
    for (size_t i = 0; i < nv && i < STACK_SPEC_MAX_SUBNETS; i++)
        items[(*n)++] = mem_xstrdup(vals[i]);
}

static void spec_kv_add(struct stack_kv **kv, size_t *n, const char *key, const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*kv)[i].key, key) == 0) {
            free((*kv)[i].value);
            (*kv)[i].value = mem_xstrdup(value);
            return;
        }
    *kv = mem_xrealloc(*kv, (*n + 1) * sizeof(**kv));
    (*kv)[*n].key = mem_xstrdup(key);
    (*kv)[*n].value = mem_xstrdup(value);
    (*n)++;
}

static void spec_kv_free(struct stack_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void stack_spec_init(struct stack_spec *s)
{
    static const char *const priv[] = {"10.20.32.0/27", "10.20.32.32/27", "10.20.32.64/27"};
    static const char *const pub[] = {"10.20.32.96/27"};
    memset(s, 0, sizeof(*s));
    s->vpc_cidr = mem_xstrdup("10.20.32.0/25");
    spec_list_set(s->private_cidrs, &s->n_private, priv, 3);
    spec_list_set(s->public_cidrs, &s->n_public, pub, 1);
    s->lock_default_security_group = true;
    s->engine = mem_xstrdup("redis");
    s->node_type = mem_xstrdup("cache.t2.small");
    s->parameter_group = mem_xstrdup("default.redis7.cluster.on");
    s->shards = 3;
    s->replicas = 2;
    s->port = 6379;
    s->multi_az = true;
    s->automatic_failover = true;
    s->at_rest_encryption = true;
    s->transit_encryption = true;
    s->auth_token = true;
    s->snapshot_retention = 0;
    s->auto_minor_version_upgrade = true;
    s->node_quota = 90;
    s->key_rotation = true;
    s->key_deletion_window = 7;
    s->elasticache_key_statement = true;
    s->secret_key_policy = true;
    s->slow_log = true;
    s->engine_log = true;
    s->log_format = mem_xstrdup("json");
    s->log_retention_days = 365;
    s->token_length = 128;
    s->secret_recovery_days = 0;
    s->ssm_parameters = true;
    s->ssm_read_policy = true;
    s->secret_read_policy = true;
    /* What the seed accepts on purpose (its checkov skips and defaults). */
    spec_kv_add(&s->accepted, &s->n_accepted, "CKV_AWS_134",
                "automatic backups are off, as in the seed (snapshot_retention = 0)");
    spec_kv_add(&s->accepted, &s->n_accepted, "CKV2_AWS_57",
                "the AUTH token secret is not rotated, as in the seed");
}

void stack_spec_free(struct stack_spec *s)
{
    if (!s)
        return;
    for (size_t f = 0; f < N_FIELDS; f++) {
        const struct spec_field *fd = &spec_fields[f];
        if (fd->type == T_STR) {
            char **p = spec_str_at(s, fd->off);
            free(*p);
            *p = NULL;
        } else if (fd->type == T_LIST) {
            char **items = spec_str_at(s, fd->off);
            size_t *n = spec_size_at(s, fd->count_off);
            for (size_t i = 0; i < *n; i++)
                free(items[i]);
            *n = 0;
        }
    }
    free(s->name);
    for (int i = 0; i < STACK_NAME__COUNT; i++) {
        free(s->name_override[i]);
        free(s->names[i]);
    }
    spec_kv_free(s->accepted, s->n_accepted);
    spec_kv_free(s->tags, s->n_tags);
    memset(s, 0, sizeof(*s));
}

void stack_spec_copy(struct stack_spec *dst, const struct stack_spec *src)
{
    memcpy(dst, src, sizeof(*dst));
    for (size_t f = 0; f < N_FIELDS; f++) {
        const struct spec_field *fd = &spec_fields[f];
        if (fd->type == T_STR) {
            char **p = spec_str_at(dst, fd->off);
            *p = mem_xstrdup(*p);
        } else if (fd->type == T_LIST) {
            char **items = spec_str_at(dst, fd->off);
            size_t n = spec_csize_at(dst, fd->count_off);
            for (size_t i = 0; i < n; i++)
                items[i] = mem_xstrdup(items[i]);
        }
    }
    dst->name = mem_xstrdup(src->name);
    for (int i = 0; i < STACK_NAME__COUNT; i++) {
        dst->name_override[i] = mem_xstrdup(src->name_override[i]);
        dst->names[i] = mem_xstrdup(src->names[i]);
    }
    dst->accepted = NULL;
    dst->n_accepted = 0;
    for (size_t i = 0; i < src->n_accepted; i++)
        spec_kv_add(&dst->accepted, &dst->n_accepted, src->accepted[i].key, src->accepted[i].value);
    dst->tags = NULL;
    dst->n_tags = 0;
    for (size_t i = 0; i < src->n_tags; i++)
        spec_kv_add(&dst->tags, &dst->n_tags, src->tags[i].key, src->tags[i].value);
}

static bool spec_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool spec_kv_eq(const struct stack_kv *a, size_t na, const struct stack_kv *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        size_t j;
        for (j = 0; j < nb; j++)
            if (strcmp(a[i].key, b[j].key) == 0)
                break;
        if (j == nb || strcmp(a[i].value, b[j].value) != 0)
            return false;
    }
    return true;
}

bool stack_spec_equal(const struct stack_spec *a, const struct stack_spec *b)
{
    if (!spec_str_eq(a->name, b->name))
        return false;
    for (size_t f = 0; f < N_FIELDS; f++) {
        const struct spec_field *fd = &spec_fields[f];
        switch (fd->type) {
        case T_STR:
            if (!spec_str_eq(*spec_cstr_at(a, fd->off), *spec_cstr_at(b, fd->off)))
                return false;
            break;
        case T_INT:
            if (spec_cint_at(a, fd->off) != spec_cint_at(b, fd->off))
                return false;
            break;
        case T_BOOL:
            if (spec_cbool_at(a, fd->off) != spec_cbool_at(b, fd->off))
                return false;
            break;
        case T_LIST: {
            size_t n = spec_csize_at(a, fd->count_off);
            if (n != spec_csize_at(b, fd->count_off))
                return false;
            for (size_t i = 0; i < n; i++)
                if (!spec_str_eq(spec_cstr_at(a, fd->off)[i], spec_cstr_at(b, fd->off)[i]))
                    return false;
            break;
        }
        case T_NAME:
            break;
        case T_ALIAS:
            if (!spec_str_eq(a->name_override[fd->index], b->name_override[fd->index]))
                return false;
            break;
        }
    }
    return spec_kv_eq(a->accepted, a->n_accepted, b->accepted, b->n_accepted) &&
           spec_kv_eq(a->tags, a->n_tags, b->tags, b->n_tags);
}

/* ---- setters ---- */

int stack_spec_set_name(struct stack_spec *s, const char *name, char *err, size_t errlen)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0) {
        spec_err(err, errlen, "stack.name: the name is empty; give a name such as app-4");
        return -1;
    }
    if (n > STACK_SPEC_NAME_MAX) {
        spec_err(err, errlen,
                 "stack.name: '%.40s...' is %zu characters; use at most %d (it becomes the "
                 "replication group id)",
                 name, n, STACK_SPEC_NAME_MAX);
        return -1;
    }
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-') {
            spec_err(err, errlen,
                     "stack.name: character '%c' is not allowed; use letters, digits and "
                     "hyphens (every resource name derives from it)",
                     isprint((unsigned char)*p) ? *p : '?');
            return -1;
        }
    free(s->name);
    s->name = mem_xstrdup(name);
    spec_derive(s);
    return 0;
}

static char *spec_trim(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return mem_xstrndup(v, n);
}

/* Where the writer may continue a value on the next line: a single space
 * between two words, not before a word that would read as a comment
 * (libinih joins continuation lines with one space). */
static bool spec_breakable(const char *v, size_t i)
{
    return v[i] == ' ' && i > 0 && v[i - 1] != ' ' && v[i + 1] && v[i + 1] != ' ' &&
           v[i + 1] != '#' && v[i + 1] != ';';
}

/* What the file format can carry: printable, no " ;" (inline comment), no
 * stretch without a break point longer than a line. */
/* Longest [accept]/[tags] key (libinih cuts names at 49 bytes). */
#define SPEC_KEY_MAX 40

static int spec_check_value(const char *where, const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v), word = 0;
    if (n > SPEC_VALUE_MAX) {
        spec_err(err, errlen, "%s: the value is %zu characters; at most %d", where, n,
                 SPEC_VALUE_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f) {
            spec_err(err, errlen, "%s: control characters are not allowed in values", where);
            return -1;
        }
        if (c == ';' && (i == 0 || v[i - 1] == ' ' || v[i - 1] == '\t')) {
            spec_err(err, errlen,
                     "%s: ';' after a space or at the start of a value starts a comment in spec "
                     "files",
                     where);
            return -1;
        }
        word = spec_breakable(v, i) ? 0 : word + 1;
        if (word > SPEC_LINE_VALUE) {
            spec_err(err, errlen, "%s: a word of more than %d characters cannot be stored", where,
                     SPEC_LINE_VALUE);
            return -1;
        }
    }
    return 0;
}

static int spec_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int spec_parse_int(const char *v, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < INT_MIN || x > INT_MAX)
        return -1;
    *out = (int)x;
    return 0;
}

/* Split a comma-separated list; empty items are an error. */
static int spec_parse_list(const char *where, const char *v, char **items, size_t *n, char *err,
                           size_t errlen)
{
    char *tmp[STACK_SPEC_MAX_SUBNETS];
    size_t k = 0;
    const char *p = v;
    if (!*v) {
        spec_list_set(items, n, NULL, 0);
        return 0;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *raw = mem_xstrndup(p, len);
        char *item = spec_trim(raw);
        free(raw);
        if (!*item && !comma && k > 0) {
            free(item); /* a trailing comma (lists split over lines) */
            break;
        }
        /* each item is written after ", ": it must survive that on its own
         * (an item starting with ';' would read back as a comment) */
        if (!*item || k == STACK_SPEC_MAX_SUBNETS ||
            (*item && spec_check_value(where, item, err, errlen) != 0)) {
            bool empty = !*item, full = k == STACK_SPEC_MAX_SUBNETS;
            free(item);
            for (size_t i = 0; i < k; i++)
                free(tmp[i]);
            if (empty)
                spec_err(err, errlen, "%s: empty item in the list '%s'", where, v);
            else if (full)
                spec_err(err, errlen, "%s: more than %d items", where, STACK_SPEC_MAX_SUBNETS);
            return -1;
        }
        tmp[k++] = item;
        if (!comma)
            break;
        p = comma + 1;
    }
    spec_list_set(items, n, NULL, 0);
    for (size_t i = 0; i < k; i++)
        items[i] = tmp[i];
    *n = k;
    return 0;
}

static bool spec_known_section(const char *section)
{
    for (size_t i = 0; i < sizeof(spec_sections) / sizeof(spec_sections[0]); i++)
        if (strcmp(spec_sections[i], section) == 0)
            return true;
    return false;
}

/* A key of [accept] or [tags] (or "* = none", which empties the section). */
static int spec_set_kv(struct stack_spec *s, const char *section, const char *key, const char *v,
                       const char *where, char *err, size_t errlen)
{
    bool tags = section[0] == 't';
    size_t klen = strlen(key);
    /* libinih keeps at most 49 bytes of a key; a long value continued
     * on the next lines comes back under the cut name, so keys stay
     * within SPEC_KEY_MAX (AWS allows 128 for tags; elcui's specs 40) */
    if (klen == 0 || klen > SPEC_KEY_MAX || spec_check_value(where, key, err, errlen) != 0 ||
        strchr(key, ' ')) {
        spec_err(err, errlen, "%s: a key of 1 to %d printable characters is needed", where,
                 SPEC_KEY_MAX);
        return -1;
    }
    if (strpbrk(key, "=:[]#;") || key[0] == ' ') {
        spec_err(err, errlen, "%s: keys in [%s] cannot hold = : [ ] # ;", where, section);
        return -1;
    }
    if (strcmp(key, "*") == 0) {
        if (strcmp(v, "none") != 0) {
            spec_err(err, errlen, "%s: '* = none' empties [%s]; nothing else goes with *", where,
                     section);
            return -1;
        }
        if (tags) {
            spec_kv_free(s->tags, s->n_tags);
            s->tags = NULL;
            s->n_tags = 0;
        } else {
            spec_kv_free(s->accepted, s->n_accepted);
            s->accepted = NULL;
            s->n_accepted = 0;
        }
        return 0;
    }
    if (tags && (strcmp(key, STACK_SPEC_TAG_KEY) == 0 || strcmp(key, "Name") == 0)) {
        spec_err(err, errlen, "%s: elcui sets the tags '%s' and 'Name' itself", where,
                 STACK_SPEC_TAG_KEY);
        return -1;
    }
    if (tags ? s->n_tags >= SPEC_KV_MAX : s->n_accepted >= SPEC_KV_MAX) {
        spec_err(err, errlen, "%s: more than %d entries in [%s]", where, SPEC_KV_MAX, section);
        return -1;
    }
    if (tags)
        spec_kv_add(&s->tags, &s->n_tags, key, v);
    else
        spec_kv_add(&s->accepted, &s->n_accepted, key, v);
    return 0;
}

/* A key of the other sections, by the table of fields. */
static int spec_set_field(struct stack_spec *s, const char *section, const char *key, const char *v,
                          const char *where, char *err, size_t errlen)
{
    const struct spec_field *fd = NULL;
    for (size_t f = 0; f < N_FIELDS; f++)
        if (strcmp(spec_fields[f].section, section) == 0 && strcmp(spec_fields[f].key, key) == 0)
            fd = &spec_fields[f];
    if (!fd) {
        spec_err(err, errlen, "%s: unknown key '%s' in [%s] (see elcui-spec(5))", where, key,
                 section);
        return -1;
    }
    switch (fd->type) {
    case T_NAME:
        return stack_spec_set_name(s, v, err, errlen);
    case T_STR: {
        char **p = spec_str_at(s, fd->off);
        free(*p);
        *p = *v ? mem_xstrdup(v) : NULL;
        break;
    }
    case T_INT: {
        int x;
        if (spec_parse_int(v, &x) != 0) {
            spec_err(err, errlen, "%s: '%s' is not a whole number", where, v);
            return -1;
        }
        *spec_int_at(s, fd->off) = x;
        break;
    }
    case T_BOOL: {
        bool b;
        if (spec_parse_bool(v, &b) != 0) {
            spec_err(err, errlen, "%s: '%s' is not yes or no", where, v);
            return -1;
        }
        *spec_bool_at(s, fd->off) = b;
        break;
    }
    case T_LIST:
        if (spec_parse_list(where, v, spec_str_at(s, fd->off), spec_size_at(s, fd->count_off), err,
                            errlen) != 0)
            return -1;
        break;
    case T_ALIAS:
        free(s->name_override[fd->index]);
        s->name_override[fd->index] = *v ? mem_xstrdup(v) : NULL;
        break;
    }
    spec_derive(s);
    return 0;
}

int stack_spec_set(struct stack_spec *s, const char *section, const char *key, const char *value,
                   char *err, size_t errlen)
{
    char where[128];
    snprintf(where, sizeof(where), "%s.%s", section ? section : "", key ? key : "");
    if (!section || !key || !value) {
        spec_err(err, errlen, "%s: missing section, key or value", where);
        return -1;
    }
    if (!spec_known_section(section)) {
        spec_err(err, errlen,
                 "unknown section [%s]; sections are stack, network, cache, kms, logs, secret, "
                 "ssm, iam, reuse, names, accept, tags",
                 section);
        return -1;
    }
    char *v = spec_trim(value);
    int rc;
    if (spec_check_value(where, v, err, errlen) != 0)
        rc = -1;
    else if (strcmp(section, "accept") == 0 || strcmp(section, "tags") == 0)
        rc = spec_set_kv(s, section, key, v, where, err, errlen);
    else
        rc = spec_set_field(s, section, key, v, where, err, errlen);
    free(v);
    return rc;
}

/* ---- the file ---- */

struct spec_load {
    struct stack_spec *s;
    const char *file;
    char *err;
    size_t errlen;
    bool failed;
    /* reader state: inih asks for one line at a time, so at handler time
     * these describe the line being handled */
    const char *p;
    int line;
    bool indented; /* the line starts with blanks: a continuation */
    bool too_long; /* a line longer than inih's buffer */
    int too_long_line;
    bool seen_accept, seen_tags;
    char last_section[32];
    char last_key[160];
    struct buf value; /* value so far of a multi-line entry */
};

static char *spec_read_line(char *str, int num, void *stream)
{
    struct spec_load *L = stream;
    if (!*L->p || num <= 1)
        return NULL;
    size_t len = strcspn(L->p, "\n");
    size_t take = len + (L->p[len] == '\n');
    if (len > (size_t)num - 3 && !L->too_long) {
        L->too_long = true;
        L->too_long_line = L->line + 1;
    }
    size_t copy = take < (size_t)num - 1 ? take : (size_t)num - 2;
    memcpy(str, L->p, copy);
    if (copy < take && str[copy - 1] != '\n')
        str[copy++] = '\n';
    str[copy] = '\0';
    L->indented = L->p[0] == ' ' || L->p[0] == '\t';
    L->p += take;
    L->line++;
    return str;
}

static int spec_ini_handler(void *user, const char *section, const char *name, const char *value)
{
    struct spec_load *L = user;
    if (L->failed || L->too_long)
        return 0;
    char msg[512];
    bool cont =
        L->indented && strcmp(L->last_section, section) == 0 && strcmp(L->last_key, name) == 0;
    if (cont) {
        /* Pieces of a long value join with one space (the writer breaks
         * lines only at single spaces). */
        if (L->value.len)
            buf_appendc(&L->value, ' ');
        buf_appends(&L->value, value);
    } else {
        buf_reset(&L->value);
        buf_appends(&L->value, value);
    }
    snprintf(L->last_section, sizeof(L->last_section), "%s", section);
    snprintf(L->last_key, sizeof(L->last_key), "%s", name);
    /* A file's [accept] / [tags] replace the defaults, not add to them. */
    if (strcmp(section, "accept") == 0 && !L->seen_accept) {
        L->seen_accept = true;
        stack_spec_set(L->s, "accept", "*", "none", NULL, 0);
    }
    if (strcmp(section, "tags") == 0 && !L->seen_tags) {
        L->seen_tags = true;
        stack_spec_set(L->s, "tags", "*", "none", NULL, 0);
    }
    if (stack_spec_set(L->s, section, name, buf_str(&L->value), msg, sizeof(msg)) != 0) {
        spec_err(L->err, L->errlen, "%s:%d: %s", L->file, L->line, msg);
        L->failed = true;
        return 0;
    }
    return 1;
}

static int spec_load_text(struct stack_spec *s, const char *file, const char *text, char *err,
                          size_t errlen)
{
    struct spec_load L;
    memset(&L, 0, sizeof(L));
    L.s = s;
    L.file = file;
    L.err = err;
    L.errlen = errlen;
    L.p = text;
    buf_init(&L.value, SPEC_VALUE_MAX * 2);
    int rc = ini_parse_stream(spec_read_line, &L, spec_ini_handler, &L);
    buf_free(&L.value);
    if (L.too_long) {
        spec_err(err, errlen,
                 "%s:%d: the line is too long (at most %d characters); continue a long value "
                 "on the next line, indented",
                 file, L.too_long_line, SPEC_LINE_VALUE + 40);
        return -1;
    }
    if (L.failed)
        return -1;
    if (rc != 0) {
        spec_err(err, errlen, "%s:%d: not a 'key = value' line or a [section] header", file, rc);
        return -1;
    }
    if (!s->name) {
        spec_err(err, errlen, "%s: no 'name' in [stack]", file);
        return -1;
    }
    return 0;
}

int stack_spec_load_string(struct stack_spec *s, const char *text, char *err, size_t errlen)
{
    return spec_load_text(s, "(spec)", text ? text : "", err, errlen);
}

int stack_spec_load_file(struct stack_spec *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        spec_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, 1024 * 1024);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(&b, chunk, n) != 0) {
            spec_err(err, errlen, "%s: larger than 1 MiB; not a spec file", path);
            rc = -1;
            break;
        }
    if (rc == 0 && ferror(f)) {
        spec_err(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && memchr(buf_str(&b), '\0', b.len)) {
        spec_err(err, errlen, "%s: contains NUL bytes; not a spec file", path);
        rc = -1;
    }
    if (rc == 0)
        rc = spec_load_text(s, path, buf_str(&b), err, errlen);
    buf_free(&b);
    return rc;
}

/* key = value, continued on indented lines at single spaces when long:
 * loading joins the pieces with one space, so the value comes back exact. */
static void spec_write_value(struct buf *b, const char *key, const char *v)
{
    const size_t limit = SPEC_LINE_VALUE + 20;
    size_t klen = strlen(key) + 3;
    size_t room = klen < limit ? limit - klen : 0;
    size_t col = 0;
    buf_printf(b, "%s =", key);
    size_t i = 0, n = strlen(v);
    while (i < n) {
        size_t j = i;
        while (j < n && !spec_breakable(v, j))
            j++;
        size_t w = j - i;
        if (col + (col ? 1 : 0) + w > room) {
            buf_appends(b, "\n   ");
            col = 0;
            room = limit - 3;
        } else {
            buf_appendc(b, ' ');
        }
        buf_append(b, v + i, w);
        col += w + 1;
        i = j < n ? j + 1 : j;
    }
    buf_appendc(b, '\n');
}

static void spec_write_field(struct buf *b, const struct stack_spec *s, const struct spec_field *fd)
{
    buf_printf(b, "# %s\n", fd->doc);
    switch (fd->type) {
    case T_NAME:
        spec_write_value(b, fd->key, s->name ? s->name : "");
        break;
    case T_STR: {
        const char *v = *spec_cstr_at(s, fd->off);
        spec_write_value(b, fd->key, v ? v : "");
        break;
    }
    case T_INT:
        buf_printf(b, "%s = %d\n", fd->key, spec_cint_at(s, fd->off));
        break;
    case T_BOOL:
        buf_printf(b, "%s = %s\n", fd->key, spec_cbool_at(s, fd->off) ? "yes" : "no");
        break;
    case T_LIST: {
        struct buf l;
        buf_init(&l, 0);
        size_t n = spec_csize_at(s, fd->count_off);
        for (size_t i = 0; i < n; i++)
            buf_printf(&l, "%s%s", i ? ", " : "", spec_cstr_at(s, fd->off)[i]);
        spec_write_value(b, fd->key, buf_str(&l));
        buf_free(&l);
        break;
    }
    case T_ALIAS: {
        const char *o = s->name_override[fd->index];
        if (o)
            spec_write_value(b, fd->key, o);
        else
            buf_printf(b, "# %s = %s\n", fd->key, stack_spec_name(s, (enum stack_name)fd->index));
        break;
    }
    }
}

char *stack_spec_write(const struct stack_spec *s)
{
    struct buf b;
    buf_init(&b, 0);
    buf_appends(&b, "# elcui stack spec (elcui-spec(5)); elcui create --spec FILE\n");
    const char *section = NULL;
    for (size_t f = 0; f < N_FIELDS; f++) {
        const struct spec_field *fd = &spec_fields[f];
        if (!section || strcmp(section, fd->section) != 0) {
            section = fd->section;
            buf_printf(&b, "\n[%s]\n", section);
            if (strcmp(section, "names") == 0)
                buf_appends(&b, "# derived from the name unless set here\n");
        }
        spec_write_field(&b, s, fd);
    }
    buf_appends(&b, "\n[accept]\n# audit findings accepted on purpose: id = reason\n");
    if (!s->n_accepted)
        buf_appends(&b, "* = none\n");
    for (size_t i = 0; i < s->n_accepted; i++)
        spec_write_value(&b, s->accepted[i].key, s->accepted[i].value);
    buf_appends(&b, "\n[tags]\n# extra tags on every resource: key = value\n");
    if (!s->n_tags)
        buf_appends(&b, "* = none\n");
    for (size_t i = 0; i < s->n_tags; i++)
        spec_write_value(&b, s->tags[i].key, s->tags[i].value);
    return buf_steal(&b);
}

/* ---- derived names, ARNs ---- */

char *stack_spec_subnet_name(const struct stack_spec *s, bool is_public, size_t i)
{
    return mem_xasprintf("%s-%s-%zu", stack_spec_name(s, STACK_NAME_VPC),
                         is_public ? "public" : "private", i + 1);
}

char *stack_spec_private_route_table_name(const struct stack_spec *s, size_t i)
{
    return stack_spec_subnet_name(s, false, i);
}

char *stack_spec_public_route_table_name(const struct stack_spec *s)
{
    return mem_xasprintf("%s-public", stack_spec_name(s, STACK_NAME_VPC));
}

char *stack_spec_default_sg_name(const struct stack_spec *s)
{
    return mem_xasprintf("%s-default", stack_spec_name(s, STACK_NAME_VPC));
}

char *stack_spec_key_name(const struct stack_spec *s, bool secret_key)
{
    const char *a =
        stack_spec_name(s, secret_key ? STACK_NAME_SECRET_KEY_ALIAS : STACK_NAME_REST_KEY_ALIAS);
    if (strncmp(a, "alias/", 6) == 0)
        a += 6;
    return mem_xstrdup(a);
}

char *stack_spec_ssm_name(const struct stack_spec *s, bool port)
{
    return mem_xasprintf("%s/%s", stack_spec_name(s, STACK_NAME_SSM_PREFIX),
                         port ? "port" : "endpoint");
}

const char *stack_spec_accepted(const struct stack_spec *s, const char *id)
{
    if (!s || !id)
        return NULL;
    for (size_t i = 0; i < s->n_accepted; i++)
        if (strcasecmp(s->accepted[i].key, id) == 0)
            return s->accepted[i].value;
    return NULL;
}

const char *stack_spec_partition(const char *region)
{
    if (region && strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (region && strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    return "aws";
}

const char *stack_spec_region(const struct stack_spec *s)
{
    return s && s->region && *s->region ? s->region : "us-east-2";
}

char *stack_spec_log_group_arn(const struct stack_spec *s, const char *account, bool engine_log)
{
    const char *r = stack_spec_region(s);
    return mem_xasprintf(
        "arn:%s:logs:%s:%s:log-group:%s", stack_spec_partition(r), r, account ? account : "",
        stack_spec_name(s, engine_log ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP));
}

char *stack_spec_ssm_arn(const struct stack_spec *s, const char *account, bool port)
{
    const char *r = stack_spec_region(s);
    char *name = stack_spec_ssm_name(s, port);
    /* Parameter names that start with '/' follow "parameter" directly. */
    char *arn = mem_xasprintf("arn:%s:ssm:%s:%s:parameter%s%s", stack_spec_partition(r), r,
                              account ? account : "", name[0] == '/' ? "" : "/", name);
    free(name);
    return arn;
}

char *stack_spec_policy_arn(const struct stack_spec *s, const char *account, bool secret_policy)
{
    return mem_xasprintf(
        "arn:%s:iam::%s:policy/%s", stack_spec_partition(stack_spec_region(s)),
        account ? account : "",
        stack_spec_name(s, secret_policy ? STACK_NAME_SECRET_POLICY : STACK_NAME_SSM_POLICY));
}

/* ---- policy documents ---- */

static json_t *spec_strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *spec_root_statement(const struct stack_spec *s, const char *account)
{
    char *root = mem_xasprintf("arn:%s:iam::%s:root", stack_spec_partition(stack_spec_region(s)),
                               account ? account : "");
    json_t *st = json_object();
    json_object_set_new(st, "Sid", json_string("Enable IAM User Permissions"));
    json_object_set_new(st, "Effect", json_string("Allow"));
    json_object_set_new(st, "Principal", json_pack("{s:s}", "AWS", root));
    json_object_set_new(st, "Action", json_string("kms:*"));
    json_object_set_new(st, "Resource", json_string("*"));
    free(root);
    return st;
}

json_t *stack_spec_rest_key_policy(const struct stack_spec *s, const char *account)
{
    static const char *const ec_actions[] = {"kms:Decrypt",         "kms:Encrypt",
                                             "kms:GenerateDataKey", "kms:ReEncrypt*",
                                             "kms:CreateGrant",     "kms:DescribeKey"};
    static const char *const logs_actions[] = {"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                                               "kms:GenerateDataKey*", "kms:Describe*"};
    json_t *doc = json_object();
    json_t *sts = json_array();
    json_object_set_new(doc, "Version", json_string("2012-10-17"));
    char *key = stack_spec_key_name(s, false);
    json_object_set_new(doc, "Id", json_string(key));
    free(key);
    json_array_append_new(sts, spec_root_statement(s, account));
    if (s->elasticache_key_statement) {
        json_t *st = json_object();
        json_object_set_new(st, "Sid", json_string("Allow ElastiCache to use the key"));
        json_object_set_new(st, "Effect", json_string("Allow"));
        json_object_set_new(st, "Principal",
                            json_pack("{s:s}", "Service", "elasticache.amazonaws.com"));
        json_object_set_new(st, "Action", spec_strings(ec_actions, 6));
        json_object_set_new(st, "Resource", json_string("*"));
        json_array_append_new(sts, st);
    }
    if (s->slow_log || s->engine_log) {
        char *svc = mem_xasprintf("logs.%s.amazonaws.com", stack_spec_region(s));
        json_t *arns = json_array();
        if (s->slow_log) {
            char *a = stack_spec_log_group_arn(s, account, false);
            json_array_append_new(arns, json_string(a));
            free(a);
        }
        if (s->engine_log) {
            char *a = stack_spec_log_group_arn(s, account, true);
            json_array_append_new(arns, json_string(a));
            free(a);
        }
        json_t *st = json_object();
        json_object_set_new(st, "Effect", json_string("Allow"));
        json_object_set_new(st, "Principal", json_pack("{s:s}", "Service", svc));
        json_object_set_new(st, "Action", spec_strings(logs_actions, 5));
        json_object_set_new(st, "Resource", json_string("*"));
        json_object_set_new(
            st, "Condition",
            json_pack("{s:{s:o}}", "ArnEquals", "kms:EncryptionContext:aws:logs:arn", arns));
        json_array_append_new(sts, st);
        free(svc);
    }
    json_object_set_new(doc, "Statement", sts);
    return doc;
}

json_t *stack_spec_secret_key_policy(const struct stack_spec *s, const char *account)
{
    static const char *const actions[] = {"kms:Encrypt",     "kms:Decrypt",
                                          "kms:ReEncrypt*",  "kms:CreateGrant",
                                          "kms:DescribeKey", "kms:GenerateDataKey*"};
    json_t *doc = json_object();
    json_t *sts = json_array();
    json_object_set_new(doc, "Version", json_string("2012-10-17"));
    char *key = stack_spec_key_name(s, true);
    json_object_set_new(doc, "Id", json_string(key));
    free(key);
    json_array_append_new(sts, spec_root_statement(s, account));
    char *via = mem_xasprintf("secretsmanager.%s.amazonaws.com", stack_spec_region(s));
    json_t *st = json_object();
    json_object_set_new(st, "Sid",
                        json_string("Allow access through AWS Secrets Manager for all principals "
                                    "in the account that are authorized to use AWS Secrets "
                                    "Manager"));
    json_object_set_new(st, "Effect", json_string("Allow"));
    json_object_set_new(st, "Principal", json_pack("{s:[s]}", "AWS", "*"));
    json_object_set_new(st, "Action", spec_strings(actions, 6));
    json_object_set_new(st, "Resource", json_string("*"));
    json_object_set_new(st, "Condition",
                        json_pack("{s:{s:s,s:s}}", "StringEquals", "kms:CallerAccount",
                                  account ? account : "", "kms:ViaService", via));
    json_array_append_new(sts, st);
    free(via);
    json_object_set_new(doc, "Statement", sts);
    return doc;
}

static json_t *spec_allow(json_t *actions, json_t *resources)
{
    json_t *st = json_object();
    json_object_set_new(st, "Effect", json_string("Allow"));
    json_object_set_new(st, "Action", actions);
    json_object_set_new(st, "Resource", resources);
    return st;
}

json_t *stack_spec_ssm_read_policy(const struct stack_spec *s, const char *account,
                                   const char *rest_key_arn)
{
    char *ep = stack_spec_ssm_arn(s, account, false);
    char *port = stack_spec_ssm_arn(s, account, true);
    json_t *doc = json_object();
    json_object_set_new(doc, "Version", json_string("2012-10-17"));
    json_object_set_new(
        doc, "Statement",
        json_pack("[o,o]",
                  spec_allow(json_pack("[s,s]", "ssm:GetParameters", "ssm:GetParameter"),
                             json_pack("[s,s]", ep, port)),
                  spec_allow(json_pack("[s]", "kms:Decrypt"),
                             json_pack("[s]", rest_key_arn ? rest_key_arn : ""))));
    free(ep);
    free(port);
    return doc;
}

json_t *stack_spec_secret_read_policy(const struct stack_spec *s, const char *secret_arn,
                                      const char *secret_key_arn)
{
    (void)s;
    json_t *doc = json_object();
    json_object_set_new(doc, "Version", json_string("2012-10-17"));
    json_object_set_new(
        doc, "Statement",
        json_pack("[o,o]",
                  spec_allow(json_pack("[s]", "secretsmanager:GetSecretValue"),
                             json_pack("[s]", secret_arn ? secret_arn : "")),
                  spec_allow(json_pack("[s]", "kms:Decrypt"),
                             json_pack("[s]", secret_key_arn ? secret_key_arn : ""))));
    return doc;
}

/* ---- the AUTH token ---- */

int stack_spec_generate_token(char *out, size_t len)
{
    static const char alphabet[] = STACK_SPEC_TOKEN_ALPHABET;
    const unsigned n = (unsigned)(sizeof(alphabet) - 1); /* 70 */
    /* Accept bytes below the largest multiple of n: every character is
     * then exactly equally likely. */
    const unsigned limit = 256u - 256u % n;
    if (!out)
        return -1;
    if (len < STACK_SPEC_TOKEN_MIN || len > STACK_SPEC_TOKEN_MAX) {
        out[0] = '\0';
        return -1;
    }
    unsigned char rnd[64];
    size_t have = 0, used = 0, k = 0;
    int rc = 0;
    while (k < len) {
        if (used == have) {
            if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1) {
                rc = -1;
                break;
            }
            have = sizeof(rnd);
            used = 0;
        }
        unsigned b = rnd[used++];
        if (b < limit)
            out[k++] = alphabet[b % n];
    }
    mem_wipe(rnd, sizeof(rnd));
    if (rc != 0) {
        mem_wipe(out, len + 1);
        return -1;
    }
    out[len] = '\0';
    return 0;
}

char *stack_spec_subnet_group_description(const struct stack_spec *s)
{
    return mem_xasprintf("Cache subnets of %s", s->name);
}
