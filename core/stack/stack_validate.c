/* stack_validate.c - offline rules for a stack spec. */
#include "core/stack/stack_validate.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"

/* ---- the table (STACK_VALIDATE_TABLE_DATE) ----
 * Node types from the ElastiCache user guide's "Supported node types"
 * (current and previous generation); engine versions and parameter-group
 * families from "Supported engines and versions". Previous-generation
 * families are not offered in regions opened since 2019. */

static const struct stack_node_type node_types[] = {
    /* current generation */
    {"cache.t3.micro", false, NULL},
    {"cache.t3.small", false, NULL},
    {"cache.t3.medium", false, NULL},
    {"cache.t4g.micro", false, NULL},
    {"cache.t4g.small", false, NULL},
    {"cache.t4g.medium", false, NULL},
    {"cache.m5.large", false, NULL},
    {"cache.m5.xlarge", false, NULL},
    {"cache.m5.2xlarge", false, NULL},
    {"cache.m5.4xlarge", false, NULL},
    {"cache.m5.12xlarge", false, NULL},
    {"cache.m5.24xlarge", false, NULL},
    {"cache.m6g.large", false, NULL},
    {"cache.m6g.xlarge", false, NULL},
    {"cache.m6g.2xlarge", false, NULL},
    {"cache.m6g.4xlarge", false, NULL},
    {"cache.m6g.8xlarge", false, NULL},
    {"cache.m6g.12xlarge", false, NULL},
    {"cache.m6g.16xlarge", false, NULL},
    {"cache.m7g.large", false, NULL},
    {"cache.m7g.xlarge", false, NULL},
    {"cache.m7g.2xlarge", false, NULL},
    {"cache.m7g.4xlarge", false, NULL},
    {"cache.m7g.8xlarge", false, NULL},
    {"cache.m7g.12xlarge", false, NULL},
    {"cache.m7g.16xlarge", false, NULL},
    {"cache.r5.large", false, NULL},
    {"cache.r5.xlarge", false, NULL},
    {"cache.r5.2xlarge", false, NULL},
    {"cache.r5.4xlarge", false, NULL},
    {"cache.r5.12xlarge", false, NULL},
    {"cache.r5.24xlarge", false, NULL},
    {"cache.r6g.large", false, NULL},
    {"cache.r6g.xlarge", false, NULL},
    {"cache.r6g.2xlarge", false, NULL},
    {"cache.r6g.4xlarge", false, NULL},
    {"cache.r6g.8xlarge", false, NULL},
    {"cache.r6g.12xlarge", false, NULL},
    {"cache.r6g.16xlarge", false, NULL},
    {"cache.r6gd.xlarge", false, NULL},
    {"cache.r6gd.2xlarge", false, NULL},
    {"cache.r6gd.4xlarge", false, NULL},
    {"cache.r6gd.8xlarge", false, NULL},
    {"cache.r6gd.12xlarge", false, NULL},
    {"cache.r6gd.16xlarge", false, NULL},
    {"cache.r7g.large", false, NULL},
    {"cache.r7g.xlarge", false, NULL},
    {"cache.r7g.2xlarge", false, NULL},
    {"cache.r7g.4xlarge", false, NULL},
    {"cache.r7g.8xlarge", false, NULL},
    {"cache.r7g.12xlarge", false, NULL},
    {"cache.r7g.16xlarge", false, NULL},
    {"cache.c7gn.large", false, NULL},
    {"cache.c7gn.xlarge", false, NULL},
    {"cache.c7gn.2xlarge", false, NULL},
    {"cache.c7gn.4xlarge", false, NULL},
    {"cache.c7gn.8xlarge", false, NULL},
    {"cache.c7gn.12xlarge", false, NULL},
    {"cache.c7gn.16xlarge", false, NULL},
    /* previous generation */
    {"cache.t1.micro", true, "cache.t4g.micro"},
    {"cache.t2.micro", true, "cache.t4g.micro"},
    {"cache.t2.small", true, "cache.t4g.small"},
    {"cache.t2.medium", true, "cache.t4g.medium"},
    {"cache.m1.small", true, "cache.t4g.small"},
    {"cache.m1.medium", true, "cache.t4g.medium"},
    {"cache.m1.large", true, "cache.m7g.large"},
    {"cache.m1.xlarge", true, "cache.m7g.xlarge"},
    {"cache.m2.xlarge", true, "cache.r7g.large"},
    {"cache.m2.2xlarge", true, "cache.r7g.xlarge"},
    {"cache.m2.4xlarge", true, "cache.r7g.2xlarge"},
    {"cache.c1.xlarge", true, "cache.m7g.large"},
    {"cache.m3.medium", true, "cache.t4g.medium"},
    {"cache.m3.large", true, "cache.m7g.large"},
    {"cache.m3.xlarge", true, "cache.m7g.xlarge"},
    {"cache.m3.2xlarge", true, "cache.m7g.2xlarge"},
    {"cache.m4.large", true, "cache.m7g.large"},
    {"cache.m4.xlarge", true, "cache.m7g.xlarge"},
    {"cache.m4.2xlarge", true, "cache.m7g.2xlarge"},
    {"cache.m4.4xlarge", true, "cache.m7g.4xlarge"},
    {"cache.m4.10xlarge", true, "cache.m7g.12xlarge"},
    {"cache.r3.large", true, "cache.r7g.large"},
    {"cache.r3.xlarge", true, "cache.r7g.xlarge"},
    {"cache.r3.2xlarge", true, "cache.r7g.2xlarge"},
    {"cache.r3.4xlarge", true, "cache.r7g.4xlarge"},
    {"cache.r3.8xlarge", true, "cache.r7g.8xlarge"},
    {"cache.r4.large", true, "cache.r7g.large"},
    {"cache.r4.xlarge", true, "cache.r7g.xlarge"},
    {"cache.r4.2xlarge", true, "cache.r7g.2xlarge"},
    {"cache.r4.4xlarge", true, "cache.r7g.4xlarge"},
    {"cache.r4.8xlarge", true, "cache.r7g.8xlarge"},
    {"cache.r4.16xlarge", true, "cache.r7g.16xlarge"},
};

struct region_entry {
    const char *name;
    bool previous_generation; /* offers previous-generation node types */
};

static const struct region_entry regions[] = {
    {"us-east-1", true},       {"us-east-2", true},       {"us-west-1", true},
    {"us-west-2", true},       {"ca-central-1", true},    {"ca-west-1", false},
    {"sa-east-1", true},       {"eu-west-1", true},       {"eu-west-2", true},
    {"eu-west-3", true},       {"eu-central-1", true},    {"eu-central-2", false},
    {"eu-north-1", true},      {"eu-south-1", false},     {"eu-south-2", false},
    {"ap-northeast-1", true},  {"ap-northeast-2", true},  {"ap-northeast-3", false},
    {"ap-southeast-1", true},  {"ap-southeast-2", true},  {"ap-southeast-3", false},
    {"ap-southeast-4", false}, {"ap-southeast-5", false}, {"ap-south-1", true},
    {"ap-south-2", false},     {"ap-east-1", false},      {"me-south-1", false},
    {"me-central-1", false},   {"il-central-1", false},   {"af-south-1", false},
    {"cn-north-1", true},      {"cn-northwest-1", true},  {"us-gov-west-1", true},
    {"us-gov-east-1", true},
};

struct engine_version {
    const char *engine;
    const char *version; /* as CreateReplicationGroup accepts it */
    const char *full;    /* as DescribeCacheClusters reports it */
    const char *family;
};

static const struct engine_version engine_versions[] = {
    {"redis", "4.0.10", "4.0.10", "redis4.0"}, {"redis", "5.0.6", "5.0.6", "redis5.0"},
    {"redis", "6.0", "6.0.5", "redis6.x"},     {"redis", "6.2", "6.2.6", "redis6.x"},
    {"redis", "7.0", "7.0.7", "redis7"},       {"redis", "7.1", "7.1.0", "redis7"},
    {"valkey", "7.2", "7.2.6", "valkey7"},     {"valkey", "8.0", "8.0.1", "valkey8"},
    {"valkey", "8.1", "8.1.1", "valkey8"},
};

static const int retention_days[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                                     365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

const char *stack_validate_engine_version_at(const char *engine, size_t i)
{
    for (size_t k = 0; engine && k < sizeof(engine_versions) / sizeof(engine_versions[0]); k++)
        if (strcmp(engine_versions[k].engine, engine) == 0 && i-- == 0)
            return engine_versions[k].version;
    return NULL;
}

const struct stack_node_type *stack_validate_node_type(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(node_types) / sizeof(node_types[0]); i++)
        if (strcmp(node_types[i].name, name) == 0)
            return &node_types[i];
    return NULL;
}

static const struct region_entry *region_find(const char *region)
{
    if (!region)
        return NULL;
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
        if (strcmp(regions[i].name, region) == 0)
            return &regions[i];
    return NULL;
}

bool stack_validate_region_known(const char *region)
{
    return region_find(region) != NULL;
}

bool stack_validate_node_type_in_region(const struct stack_node_type *t, const char *region)
{
    const struct region_entry *r = region_find(region);
    if (!t)
        return false;
    if (!r) /* unknown region: the table cannot say no */
        return true;
    return !t->previous_generation || r->previous_generation;
}

static const struct engine_version *version_find(const char *engine, const char *version)
{
    for (size_t i = 0; i < sizeof(engine_versions) / sizeof(engine_versions[0]); i++) {
        const struct engine_version *v = &engine_versions[i];
        if (strcmp(v->engine, engine) == 0 &&
            (strcmp(v->version, version) == 0 || strcmp(v->full, version) == 0))
            return v;
    }
    return NULL;
}

const char *stack_validate_default_version(const char *engine)
{
    if (engine && strcmp(engine, "redis") == 0)
        return "7.1";
    if (engine && strcmp(engine, "valkey") == 0)
        return "8.0";
    return NULL;
}

const char *stack_validate_engine_family(const char *engine, const char *version)
{
    if (!engine)
        return NULL;
    if (!version)
        version = stack_validate_default_version(engine);
    if (!version)
        return NULL;
    const struct engine_version *v = version_find(engine, version);
    return v ? v->family : NULL;
}

const char *stack_validate_parameter_group_family(const char *name, bool *cluster_on)
{
    static const char *const families[] = {"redis4.0", "redis5.0", "redis6.x",
                                           "redis7",   "valkey7",  "valkey8"};
    if (cluster_on)
        *cluster_on = false;
    if (!name || strncmp(name, "default.", 8) != 0)
        return NULL;
    const char *rest = name + 8;
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        size_t n = strlen(families[i]);
        if (strncmp(rest, families[i], n) != 0)
            continue;
        if (rest[n] == '\0')
            return families[i];
        if (strcmp(rest + n, ".cluster.on") == 0) {
            if (cluster_on)
                *cluster_on = true;
            return families[i];
        }
    }
    return NULL;
}

bool stack_validate_cluster_mode(const struct stack_spec *s)
{
    bool on = false;
    if (s->parameter_group && stack_validate_parameter_group_family(s->parameter_group, &on))
        return on || s->shards > 1;
    if (s->parameter_group && strstr(s->parameter_group, "cluster.on"))
        return true;
    return s->shards > 1;
}

/* ---- problems ---- */

static void add(struct stack_problems *p, enum stack_severity sev, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add(struct stack_problems *p, enum stack_severity sev, const char *field,
                const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 4096);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    p->items = mem_xrealloc(p->items, (p->n + 1) * sizeof(*p->items));
    p->items[p->n].severity = sev;
    p->items[p->n].field = mem_xstrdup(field);
    p->items[p->n].message = buf_steal(&b);
    p->n++;
    if (sev == STACK_SEV_ERROR)
        p->n_errors++;
    else
        p->n_warnings++;
}

#define ERR(field, ...) add(out, STACK_SEV_ERROR, field, __VA_ARGS__)
#define WARN(field, ...) add(out, STACK_SEV_WARNING, field, __VA_ARGS__)

void stack_validate_problems_free(struct stack_problems *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].field);
        free(p->items[i].message);
    }
    free(p->items);
    memset(p, 0, sizeof(*p));
}

char *stack_validate_problems_format(const struct stack_problems *p)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < p->n; i++)
        buf_printf(&b, "%s: %s: %s\n",
                   p->items[i].severity == STACK_SEV_ERROR ? "error" : "warning", p->items[i].field,
                   p->items[i].message);
    return buf_steal(&b);
}

const struct stack_problem *stack_validate_problems_find(const struct stack_problems *p,
                                                         const char *field)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (strcmp(p->items[i].field, field) == 0)
            return &p->items[i];
    return NULL;
}

/* ---- single rules ---- */

static void msgf(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgf(char *msg, size_t n, const char *fmt, ...)
{
    if (!msg || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
}

int stack_validate_rg_id(const char *id, char *msg, size_t n)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0) {
        msgf(msg, n, "the replication group id is empty; give 1 to 40 characters");
        return -1;
    }
    if (len > 40) {
        msgf(msg, n, "'%.40s...' is %zu characters; a replication group id has at most 40", id,
             len);
        return -1;
    }
    if (!isalpha((unsigned char)id[0])) {
        msgf(msg, n, "'%s' must begin with a letter", id);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '-') {
            msgf(msg, n, "'%s' has '%c'; only letters, digits and hyphens are allowed", id,
                 isprint((unsigned char)id[i]) ? id[i] : '?');
            return -1;
        }
    if (id[len - 1] == '-') {
        msgf(msg, n, "'%s' ends with a hyphen; remove it", id);
        return -1;
    }
    if (strstr(id, "--")) {
        msgf(msg, n, "'%s' has two hyphens in a row; use one", id);
        return -1;
    }
    return 0;
}

int stack_validate_token(const char *tok, size_t len, char *msg, size_t n)
{
    if (!tok || len < STACK_SPEC_TOKEN_MIN || len > STACK_SPEC_TOKEN_MAX) {
        msgf(msg, n, "the AUTH token has %zu characters; it needs %d to %d", tok ? len : 0,
             STACK_SPEC_TOKEN_MIN, STACK_SPEC_TOKEN_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tok[i];
        if (isalnum(c) || strchr("!&#$^<>-", c))
            continue;
        /* Say which position, never which character: the token is secret. */
        msgf(msg, n,
             "the AUTH token has a character that is not allowed at position %zu; use only "
             "letters, digits and ! & # $ ^ < > -",
             i + 1);
        return -1;
    }
    return 0;
}

int stack_validate_cidr(const char *cidr, uint32_t *net, int *prefix)
{
    unsigned a[4];
    int p = -1;
    const char *s = cidr;
    if (!cidr)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        unsigned v = 0;
        int digits = 0;
        while (isdigit((unsigned char)*s)) {
            if (digits == 3)
                return -1;
            if (digits == 1 && v == 0)
                return -1; /* no leading zeros */
            v = v * 10 + (unsigned)(*s - '0');
            s++;
            digits++;
        }
        if (v > 255)
            return -1;
        a[i] = v;
        if (i < 3 && *s++ != '.')
            return -1;
    }
    if (*s++ != '/' || !isdigit((unsigned char)*s))
        return -1;
    p = 0;
    int digits = 0;
    while (isdigit((unsigned char)*s)) {
        if (digits == 2)
            return -1;
        p = p * 10 + (*s - '0');
        s++;
        digits++;
    }
    if (*s || p > 32)
        return -1;
    uint32_t ip = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
    uint32_t mask = p == 0 ? 0 : 0xffffffffu << (32 - p);
    if (ip & ~mask)
        return -1;
    if (net)
        *net = ip;
    if (prefix)
        *prefix = p;
    return 0;
}

/* ---- the spec ---- */

static bool charset_ok(const char *s, const char *extra)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
            return false;
    return true;
}

static bool cidr_inside(uint32_t net, int p, uint32_t outer, int op)
{
    if (p < op)
        return false;
    uint32_t mask = op == 0 ? 0 : 0xffffffffu << (32 - op);
    return (net & mask) == outer;
}

static bool cidr_overlap(uint32_t a, int ap, uint32_t b, int bp)
{
    int p = ap < bp ? ap : bp;
    uint32_t mask = p == 0 ? 0 : 0xffffffffu << (32 - p);
    return (a & mask) == (b & mask);
}

/* What is reused: ids of the right form, subnets and security group in a
 * reused VPC. */
static void check_reuse(const struct stack_spec *s, struct stack_problems *out)
{
    bool reuse_vpc = s->reuse_vpc != NULL;
    if (s->reuse_vpc && (strncmp(s->reuse_vpc, "vpc-", 4) != 0 ||
                         !charset_ok(s->reuse_vpc + 4, "") || strlen(s->reuse_vpc) < 5))
        ERR("reuse.vpc", "'%s' is not a VPC id; give one like vpc-0abc1234", s->reuse_vpc);
    for (size_t i = 0; i < s->n_reuse_subnets; i++)
        if (strncmp(s->reuse_subnets[i], "subnet-", 7) != 0 ||
            !charset_ok(s->reuse_subnets[i] + 7, "") || strlen(s->reuse_subnets[i]) < 8)
            ERR("reuse.subnets", "'%s' is not a subnet id; give ids like subnet-0abc1234",
                s->reuse_subnets[i]);
    if (s->n_reuse_subnets && !reuse_vpc)
        ERR("reuse.subnets", "reusing subnets needs their VPC: set reuse.vpc (--reuse-vpc ID)");
    for (size_t i = 0; i < s->n_reuse_subnets; i++)
        for (size_t j = i + 1; j < s->n_reuse_subnets; j++)
            if (strcmp(s->reuse_subnets[i], s->reuse_subnets[j]) == 0)
                ERR("reuse.subnets", "%s is listed twice; list each subnet once",
                    s->reuse_subnets[i]);
    if (s->reuse_security_group &&
        (strncmp(s->reuse_security_group, "sg-", 3) != 0 ||
         !charset_ok(s->reuse_security_group + 3, "") || strlen(s->reuse_security_group) < 4))
        ERR("reuse.security_group", "'%s' is not a security group id; give one like sg-0abc1234",
            s->reuse_security_group);
    if (s->reuse_security_group && !reuse_vpc)
        ERR("reuse.security_group",
            "a reused security group must be in a reused VPC: set reuse.vpc, or drop "
            "reuse.security_group to create one");
    if (reuse_vpc && s->lock_default_security_group)
        WARN("network.lock_default_security_group",
             "elcui does not change the default security group of a reused VPC; set it to no "
             "to silence this");
}

/* The subnets elcui creates: CIDRs inside the VPC's (vpc_ok: vnet/vp), none
 * overlapping another. */
static void check_subnets(const struct stack_spec *s, bool vpc_ok, uint32_t vnet, int vp,
                          struct stack_problems *out)
{
    bool create_subnets = s->n_reuse_subnets == 0;
    if (create_subnets && s->n_private == 0)
        ERR("network.private_subnets", "no cache subnets; list at least one CIDR (three for "
                                       "three zones)");
    struct {
        uint32_t net;
        int p;
        const char *cidr;
        const char *field;
    } all[2 * STACK_SPEC_MAX_SUBNETS];
    size_t n_all = 0;
    for (int pub = 0; pub < 2 && create_subnets; pub++) {
        const char *field = pub ? "network.public_subnets" : "network.private_subnets";
        char *const *list = pub ? s->public_cidrs : s->private_cidrs;
        size_t n = pub ? s->n_public : s->n_private;
        for (size_t i = 0; i < n; i++) {
            uint32_t net;
            int p;
            if (stack_validate_cidr(list[i], &net, &p) != 0) {
                ERR(field,
                    "'%s' is not an IPv4 CIDR with its host bits clear; write it like "
                    "10.20.32.0/27",
                    list[i]);
                continue;
            }
            if (p < 16 || p > 28) {
                ERR(field, "%s: a subnet's prefix must be /16 to /28", list[i]);
                continue;
            }
            if (vpc_ok && !cidr_inside(net, p, vnet, vp)) {
                ERR(field, "%s is not inside the VPC's %s; pick a range within it", list[i],
                    s->vpc_cidr);
                continue;
            }
            for (size_t k = 0; k < n_all; k++)
                if (cidr_overlap(net, p, all[k].net, all[k].p))
                    ERR(field, "%s overlaps %s (%s); subnets must not share addresses", list[i],
                        all[k].cidr, all[k].field);
            all[n_all].net = net;
            all[n_all].p = p;
            all[n_all].cidr = list[i];
            all[n_all].field = field;
            n_all++;
        }
    }
}

/* Zones: names in the region, distinct where they must be. */
static void check_zones(const struct stack_spec *s, struct stack_problems *out)
{
    const char *region = stack_spec_region(s);
    for (size_t i = 0; i < s->n_azs; i++) {
        size_t rl = strlen(region);
        const char *z = s->azs[i];
        if (strncmp(z, region, rl) != 0 || !z[rl] || !islower((unsigned char)z[rl]))
            ERR("network.availability_zones",
                "'%s' is not a zone of %s; use names like %sa, %sb, %sc", z, region, region, region,
                region);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->azs[i], s->azs[j]) == 0)
                ERR("network.availability_zones", "%s is listed twice; list each zone once", z);
    }
}

static void check_network(const struct stack_spec *s, struct stack_problems *out)
{
    uint32_t vnet = 0;
    int vp = 0;
    bool vpc_ok = false;
    check_reuse(s, out);
    /* The VPC CIDR matters only when elcui creates the VPC or subnets, or
     * for the security group rule (it admits the VPC CIDR). */
    if (!s->vpc_cidr) {
        ERR("network.vpc_cidr", "no VPC CIDR; give one such as 10.20.32.0/25");
    } else if (stack_validate_cidr(s->vpc_cidr, &vnet, &vp) != 0) {
        ERR("network.vpc_cidr",
            "'%s' is not an IPv4 CIDR with its host bits clear; write it like 10.20.32.0/25",
            s->vpc_cidr);
    } else if (vp < 16 || vp > 28) {
        ERR("network.vpc_cidr",
            "/%d is outside what a VPC may have (/16 to /28); pick a prefix "
            "in that range",
            vp);
    } else {
        vpc_ok = true;
    }

    check_subnets(s, vpc_ok, vnet, vp, out);
    check_zones(s, out);
}

/* Distinct zones the cache subnets would use (subnet i goes to zone
 * i % n); 0 when the zones come from the region (checked by the plan). */
static size_t cache_zone_count(const struct stack_spec *s)
{
    if (s->n_reuse_subnets)
        return 0;
    if (!s->n_azs)
        return s->n_private;
    size_t distinct = 0;
    for (size_t i = 0; i < s->n_private; i++) {
        const char *z = s->azs[i % s->n_azs];
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->azs[j % s->n_azs], z) == 0)
                seen = true;
        if (!seen)
            distinct++;
    }
    return distinct;
}

/* The replication group's id and description. */
static void check_group_names(const struct stack_spec *s, struct stack_problems *out)
{
    char msg[256];
    const char *rg = stack_spec_name(s, STACK_NAME_REPLICATION_GROUP);
    if (stack_validate_rg_id(rg, msg, sizeof(msg)) != 0)
        ERR(s->name_override[STACK_NAME_REPLICATION_GROUP] ? "names.replication_group_id"
                                                           : "stack.name",
            "%s (it is the replication group id; AWS stores it lower-case)", msg);
    const char *desc = stack_spec_name(s, STACK_NAME_DESCRIPTION);
    if (!*desc)
        ERR("names.description", "the replication group needs a description; give one");
}

/* The engine and its version. Its parameter group family, or NULL. */
static const char *check_engine(const struct stack_spec *s, struct stack_problems *out)
{
    bool engine_ok =
        s->engine && (strcmp(s->engine, "redis") == 0 || strcmp(s->engine, "valkey") == 0);
    if (!engine_ok)
        ERR("cache.engine", "'%s' is not an engine elcui creates; use redis or valkey",
            s->engine ? s->engine : "");
    const char *family = NULL;
    if (engine_ok) {
        family = stack_validate_engine_family(s->engine, s->engine_version);
        if (!family) {
            struct buf b;
            buf_init(&b, 0);
            for (size_t i = 0; i < sizeof(engine_versions) / sizeof(engine_versions[0]); i++)
                if (strcmp(engine_versions[i].engine, s->engine) == 0)
                    buf_printf(&b, "%s%s", b.len ? ", " : "", engine_versions[i].version);
            ERR("cache.engine_version",
                "%s %s is not a version ElastiCache offers (table of %s); "
                "use one of %s, or leave it empty for AWS's default",
                s->engine, s->engine_version, STACK_VALIDATE_TABLE_DATE, buf_str(&b));
            buf_free(&b);
        }
    }

    return family;
}

/* The parameter group: a default one of the engine's family, or a custom
 * one the plan checks. Its family when it is a default one (cluster mode
 * in *cluster_on_out). */
static const char *check_parameter_group(const struct stack_spec *s, const char *family,
                                         bool *cluster_on_out, struct stack_problems *out)
{
    bool cluster_on = false;
    const char *pg_family = stack_validate_parameter_group_family(s->parameter_group, &cluster_on);
    if (!s->parameter_group || !*s->parameter_group) {
        ERR("cache.parameter_group", "no parameter group; the seed uses %s",
            "default.redis7.cluster.on");
    } else if (!pg_family && strncmp(s->parameter_group, "default.", 8) == 0) {
        ERR("cache.parameter_group",
            "'%s' is not one of ElastiCache's default parameter groups; use "
            "default.<family>[.cluster.on] such as default.redis7.cluster.on",
            s->parameter_group);
    } else if (!pg_family) {
        if (!charset_ok(s->parameter_group, "-") || !isalpha((unsigned char)s->parameter_group[0]))
            ERR("cache.parameter_group",
                "'%s' is not a parameter group name (letters, digits, hyphens; starts with a "
                "letter)",
                s->parameter_group);
        else
            WARN("cache.parameter_group",
                 "custom group %s: its family and cluster mode are checked against the region "
                 "by the plan",
                 s->parameter_group);
    } else if (family && strcmp(pg_family, family) != 0) {
        ERR("cache.parameter_group",
            "%s is for the %s family, but %s %s needs %s; use default.%s%s or pin a matching "
            "cache.engine_version",
            s->parameter_group, pg_family, s->engine,
            s->engine_version ? s->engine_version : stack_validate_default_version(s->engine),
            family, family, cluster_on ? ".cluster.on" : "");
    }

    *cluster_on_out = cluster_on;
    return pg_family;
}

/* The node type, offered in the region; the region known. */
static const struct stack_node_type *check_node_type(const struct stack_spec *s,
                                                     struct stack_problems *out)
{
    const struct stack_node_type *nt = stack_validate_node_type(s->node_type);
    const char *region = stack_spec_region(s);
    if (!nt) {
        ERR("cache.node_type",
            "'%s' is not an ElastiCache node type (table of %s); use one such as cache.t4g.small "
            "or cache.r7g.large",
            s->node_type ? s->node_type : "", STACK_VALIDATE_TABLE_DATE);
    } else if (!stack_validate_node_type_in_region(nt, region)) {
        ERR("cache.node_type", "%s is a previous-generation type that %s does not offer; use %s",
            nt->name, region, nt->successor ? nt->successor : "a current-generation type");
    } else if (nt->previous_generation) {
        WARN("cache.node_type",
             "%s is previous-generation (the seed's choice); %s costs less for the same memory "
             "and is current",
             nt->name, nt->successor ? nt->successor : "a current-generation type");
    }
    if (!stack_validate_region_known(region))
        WARN("stack.region",
             "%s is not in elcui's table of %s; node types and zones are checked by the plan",
             region, STACK_VALIDATE_TABLE_DATE);

    return nt;
}

/* Shape and quotas: shards, replicas, nodes per cluster. */
static void check_shape(const struct stack_spec *s, const char *pg_family, bool cluster_on,
                        struct stack_problems *out)
{
    if (s->shards < 1)
        ERR("cache.shards", "%d shards; a group has at least 1", s->shards);
    else if (s->shards > 500)
        ERR("cache.shards", "%d shards; ElastiCache allows at most 500 per replication group",
            s->shards);
    if (s->replicas < 0 || s->replicas > 5)
        ERR("cache.replicas", "%d replicas per shard; ElastiCache allows 0 to 5", s->replicas);
    if (s->shards > 1 && pg_family && !cluster_on)
        ERR("cache.shards",
            "%d shards need cluster mode, but %s has it off; use default.%s.cluster.on or 1 "
            "shard",
            s->shards, s->parameter_group, pg_family);
    if (s->shards >= 1 && s->replicas >= 0 && s->shards <= 500 && s->replicas <= 5) {
        long nodes = (long)s->shards * (s->replicas + 1);
        int quota = s->node_quota > 0 ? s->node_quota : 90;
        if (nodes > quota)
            ERR("cache.shards",
                "%d shards x %d nodes = %ld nodes, above the %d nodes per cluster the account "
                "may have; use fewer shards or replicas, or ask AWS to raise the quota and set "
                "cache.node_quota",
                s->shards, s->replicas + 1, nodes, quota);
    }
    if (s->node_quota < 1)
        ERR("cache.node_quota", "%d; the quota is a positive number of nodes (AWS default 90)",
            s->node_quota);
}

/* Multi-AZ and automatic failover, and what they need. */
static void check_availability(const struct stack_spec *s, const struct stack_node_type *nt,
                               struct stack_problems *out)
{
    bool cluster = stack_validate_cluster_mode(s);
    if (s->multi_az && !s->automatic_failover)
        ERR("cache.multi_az",
            "Multi-AZ needs automatic failover; set cache.automatic_failover = yes or turn "
            "Multi-AZ off");
    if (s->multi_az && s->replicas < 1)
        ERR("cache.multi_az",
            "Multi-AZ needs at least 1 replica per shard; set cache.replicas to 1 or more");
    if (cluster && !s->automatic_failover)
        ERR("cache.automatic_failover",
            "cluster mode needs automatic failover; set cache.automatic_failover = yes");
    if (!cluster && s->automatic_failover && s->replicas < 1)
        ERR("cache.automatic_failover",
            "automatic failover without cluster mode needs a replica; set cache.replicas to 1 "
            "or more");
    if (s->multi_az && nt && strncmp(nt->name, "cache.t1.", 9) == 0)
        ERR("cache.node_type", "Multi-AZ is not supported on %s; use %s", nt->name, nt->successor);
    if (s->multi_az) {
        size_t zones = cache_zone_count(s);
        if (s->n_reuse_subnets == 1)
            ERR("reuse.subnets",
                "Multi-AZ needs subnets in at least 2 zones; list 2 or more subnets");
        else if (!s->n_reuse_subnets && zones < 2)
            ERR(s->n_azs ? "network.availability_zones" : "network.private_subnets",
                "Multi-AZ needs the cache subnets in at least 2 zones (they are in %zu); add "
                "subnets or zones",
                zones);
    }
}

static void check_cache(const struct stack_spec *s, struct stack_problems *out)
{
    check_group_names(s, out);
    const char *family = check_engine(s, out);
    bool cluster_on = false;
    const char *pg_family = check_parameter_group(s, family, &cluster_on, out);
    const struct stack_node_type *nt = check_node_type(s, out);
    check_shape(s, pg_family, cluster_on, out);
    check_availability(s, nt, out);
    if (s->port < 1 || s->port > 65535)
        ERR("cache.port", "%d is not a TCP port; use 1 to 65535 (the seed uses 6379)", s->port);
    if (s->snapshot_retention < 0 || s->snapshot_retention > 35)
        ERR("cache.snapshot_retention", "%d days; ElastiCache keeps backups 0 (off) to 35 days",
            s->snapshot_retention);
}

static void check_names(const struct stack_spec *s, struct stack_problems *out)
{
    const char *sg = stack_spec_name(s, STACK_NAME_SECURITY_GROUP);
    if (!s->reuse_security_group) {
        if (!*sg || strlen(sg) > 255)
            ERR("names.security_group", "the security group name needs 1 to 255 characters");
        else if (strncasecmp(sg, "sg-", 3) == 0)
            ERR("names.security_group",
                "'%s' starts with sg-, which EC2 reserves for ids; pick another name", sg);
    }
    const char *sng = stack_spec_name(s, STACK_NAME_SUBNET_GROUP);
    if (!*sng || strlen(sng) > 255 || !charset_ok(sng, "-"))
        ERR("names.subnet_group",
            "'%s': a cache subnet group name has 1 to 255 letters, digits and hyphens", sng);
    else if (strcasecmp(sng, "default") == 0)
        ERR("names.subnet_group", "'default' is ElastiCache's own subnet group; pick a name");
    static const struct {
        enum stack_name n;
        const char *field;
    } aliases[] = {{STACK_NAME_REST_KEY_ALIAS, "names.rest_key_alias"},
                   {STACK_NAME_SECRET_KEY_ALIAS, "names.secret_key_alias"}};
    for (size_t i = 0; i < 2; i++) {
        const char *a = stack_spec_name(s, aliases[i].n);
        bool reused = i == 0 ? s->reuse_kms_key != NULL : s->reuse_secret_kms_key != NULL;
        if (reused)
            continue;
        if (strncmp(a, "alias/", 6) != 0 || !a[6] || strlen(a) > 256 || !charset_ok(a, "/_-"))
            ERR(aliases[i].field,
                "'%s': a KMS alias is alias/ followed by letters, digits, / _ - (256 at most)", a);
        else if (strncmp(a, "alias/aws/", 10) == 0)
            ERR(aliases[i].field, "'%s': alias/aws/ is reserved for AWS managed keys", a);
    }
    if (strcmp(stack_spec_name(s, STACK_NAME_REST_KEY_ALIAS),
               stack_spec_name(s, STACK_NAME_SECRET_KEY_ALIAS)) == 0 &&
        !s->reuse_kms_key && !s->reuse_secret_kms_key)
        ERR("names.secret_key_alias", "both keys would get the alias %s; give them different names",
            stack_spec_name(s, STACK_NAME_SECRET_KEY_ALIAS));
    const char *secret = stack_spec_name(s, STACK_NAME_SECRET);
    if (s->auth_token && !s->reuse_secret) {
        if (!*secret || strlen(secret) > 512 || !charset_ok(secret, "/_+=.@-"))
            ERR("names.secret",
                "'%s': a secret name has 1 to 512 letters, digits and / _ + = . @ -", secret);
    }
    const char *pfx = stack_spec_name(s, STACK_NAME_SSM_PREFIX);
    if (s->ssm_parameters) {
        if (pfx[0] != '/' || strlen(pfx) > 1000 || !charset_ok(pfx, "/_.-"))
            ERR("names.ssm_prefix",
                "'%s': the prefix starts with / and holds letters, digits and / _ . -", pfx);
        else if (strncasecmp(pfx, "/aws", 4) == 0 || strncasecmp(pfx, "/ssm", 4) == 0)
            ERR("names.ssm_prefix", "'%s': names beginning with /aws or /ssm are reserved", pfx);
        else if (pfx[strlen(pfx) - 1] == '/' || strstr(pfx, "//"))
            ERR("names.ssm_prefix", "'%s': no empty path parts (// or a trailing /)", pfx);
    }
    static const struct {
        enum stack_name n;
        const char *field;
    } pols[] = {{STACK_NAME_SSM_POLICY, "names.ssm_policy"},
                {STACK_NAME_SECRET_POLICY, "names.secret_policy"}};
    for (size_t i = 0; i < 2; i++) {
        bool on = i == 0 ? s->ssm_read_policy : s->secret_read_policy;
        const char *pn = stack_spec_name(s, pols[i].n);
        if (on && (!*pn || strlen(pn) > 128 || !charset_ok(pn, "_+=,.@-")))
            ERR(pols[i].field, "'%s': an IAM policy name has 1 to 128 letters, digits and _+=,.@-",
                pn);
    }
    if (s->ssm_read_policy && s->secret_read_policy &&
        strcmp(stack_spec_name(s, STACK_NAME_SSM_POLICY),
               stack_spec_name(s, STACK_NAME_SECRET_POLICY)) == 0)
        ERR("names.secret_policy",
            "both IAM policies would be called %s; give them different "
            "names",
            stack_spec_name(s, STACK_NAME_SECRET_POLICY));
    const char *vpc = stack_spec_name(s, STACK_NAME_VPC);
    if (!s->reuse_vpc && (!*vpc || strlen(vpc) > 200))
        ERR("names.vpc", "the VPC's Name tag needs 1 to 200 characters");
}

/* Log groups: names valid, distinct, and equal to the ARNs in the at-rest
 * key policy's encryption-context condition (both come from the names, and
 * this proves it for the spec at hand). */
static void check_logs(const struct stack_spec *s, struct stack_problems *out)
{
    static const struct {
        enum stack_name n;
        const char *field;
    } lg[] = {{STACK_NAME_SLOW_LOG_GROUP, "names.slow_log_group"},
              {STACK_NAME_ENGINE_LOG_GROUP, "names.engine_log_group"}};
    bool on[2] = {s->slow_log, s->engine_log};
    for (size_t i = 0; i < 2; i++) {
        const char *n = stack_spec_name(s, lg[i].n);
        if (on[i] && (!*n || strlen(n) > 512 || !charset_ok(n, "._-/#")))
            ERR(lg[i].field, "'%s': a log group name has 1 to 512 letters, digits and . _ - / #",
                n);
    }
    if (s->slow_log && s->engine_log &&
        strcmp(stack_spec_name(s, STACK_NAME_SLOW_LOG_GROUP),
               stack_spec_name(s, STACK_NAME_ENGINE_LOG_GROUP)) == 0)
        ERR("names.engine_log_group",
            "the slow log and the engine log would share %s; give each its own group",
            stack_spec_name(s, STACK_NAME_ENGINE_LOG_GROUP));
    if (!s->log_format || (strcmp(s->log_format, "json") != 0 && strcmp(s->log_format, "text")))
        ERR("logs.format", "'%s' is not a log format; use json (the seed's) or text",
            s->log_format ? s->log_format : "");
    bool ok = false;
    for (size_t i = 0; i < sizeof(retention_days) / sizeof(retention_days[0]); i++)
        if (retention_days[i] == s->log_retention_days)
            ok = true;
    if (!ok)
        ERR("logs.retention_days",
            "%d is not a retention CloudWatch Logs offers; use 1, 3, 5, 7, 14, 30, 60, 90, 120, "
            "150, 180, 365 (the seed's), 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or "
            "3653",
            s->log_retention_days);
    else if (s->log_retention_days < 365)
        WARN("logs.retention_days",
             "%d day%s is less than the year Checkov asks for (CKV_AWS_338); the seed keeps "
             "365",
             s->log_retention_days, s->log_retention_days == 1 ? "" : "s");
    if ((s->slow_log || s->engine_log) && s->at_rest_encryption && !s->reuse_kms_key) {
        json_t *pol = stack_spec_rest_key_policy(s, "000000000000");
        json_t *arns = NULL;
        json_t *sts = json_object_get(pol, "Statement");
        size_t i;
        json_t *st;
        json_array_foreach(sts, i, st)
        {
            json_t *c = json_object_get(json_object_get(st, "Condition"), "ArnEquals");
            json_t *a = json_object_get(c, "kms:EncryptionContext:aws:logs:arn");
            if (a)
                arns = a;
        }
        for (size_t k = 0; k < 2; k++) {
            if (!on[k])
                continue;
            char *want = stack_spec_log_group_arn(s, "000000000000", k == 1);
            bool found = false;
            size_t j;
            json_t *v;
            json_array_foreach(arns, j, v)
            {
                if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
                    found = true;
            }
            if (!found)
                ERR(lg[k].field,
                    "the at-rest key policy does not name log group %s in its encryption-context "
                    "condition; CloudWatch Logs would refuse the key",
                    stack_spec_name(s, lg[k].n));
            free(want);
        }
        json_decref(pol);
    }
}

static void check_security(const struct stack_spec *s, struct stack_problems *out)
{
    char msg[256];
    if (s->auth_token && !s->transit_encryption)
        ERR("cache.auth_token",
            "an AUTH token needs in-transit encryption; set cache.transit_encryption = yes or "
            "turn the token off");
    if (s->token_length < STACK_SPEC_TOKEN_MIN || s->token_length > STACK_SPEC_TOKEN_MAX)
        ERR("secret.token_length", "%d; an AUTH token has %d to %d characters (the seed: 128)",
            s->token_length, STACK_SPEC_TOKEN_MIN, STACK_SPEC_TOKEN_MAX);
    if (s->token_file && s->reuse_secret)
        ERR("secret.token_file",
            "a reused secret already holds the token; drop secret.token_file or reuse.secret");
    if (s->token_file && s->auth_token) {
        int fd = open(s->token_file, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0) {
            ERR("secret.token_file", "%s: %s; give a readable file holding the token",
                s->token_file, strerror(errno));
        } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 4096) {
            ERR("secret.token_file", "%s is not a small regular file holding one token",
                s->token_file);
            close(fd);
        } else {
            char tok[4097];
            ssize_t n = read(fd, tok, sizeof(tok) - 1);
            close(fd);
            size_t len = n > 0 ? (size_t)n : 0;
            while (len && (tok[len - 1] == '\n' || tok[len - 1] == '\r'))
                len--;
            if (stack_validate_token(tok, len, msg, sizeof(msg)) != 0)
                ERR("secret.token_file", "%s (in %s)", msg, s->token_file);
            if (st.st_mode & (S_IRWXG | S_IRWXO))
                WARN("secret.token_file", "%s can be read by others; chmod 600 it", s->token_file);
            mem_wipe(tok, sizeof(tok));
        }
    }
    if (s->reuse_kms_key && !s->at_rest_encryption)
        WARN("reuse.kms_key", "at-rest encryption is off, so the key is used only for the log "
                              "groups and parameters");
    if (s->key_deletion_window < 7 || s->key_deletion_window > 30)
        ERR("kms.deletion_window", "%d day%s; KMS waits 7 to 30 days before deleting a key",
            s->key_deletion_window, s->key_deletion_window == 1 ? "" : "s");
    if (s->secret_recovery_days != 0 &&
        (s->secret_recovery_days < 7 || s->secret_recovery_days > 30))
        ERR("secret.recovery_window",
            "%d day%s; Secrets Manager keeps a deleted secret 7 to 30 days, or 0 deletes it at "
            "once",
            s->secret_recovery_days, s->secret_recovery_days == 1 ? "" : "s");
    if (s->ssm_read_policy && !s->ssm_parameters)
        ERR("iam.ssm_read_policy",
            "there are no SSM parameters to read; set ssm.parameters = yes or turn the policy off");
    if (s->secret_read_policy && !s->auth_token)
        ERR("iam.secret_read_policy",
            "without an AUTH token there is no secret to read; turn the policy off");
    if (s->n_tags > 48)
        ERR("tags", "%zu extra tags; with Name and %s a resource may have 50", s->n_tags,
            STACK_SPEC_TAG_KEY);
    for (size_t i = 0; i < s->n_tags; i++)
        if (strncasecmp(s->tags[i].key, "aws:", 4) == 0)
            ERR("tags", "tag '%s': keys beginning with aws: are reserved", s->tags[i].key);
}

size_t stack_validate(const struct stack_spec *s, struct stack_problems *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->name) {
        ERR("stack.name", "the stack has no name; give one with --name NAME or name = in [stack]");
        return out->n_errors;
    }
    if (s->region && !charset_ok(s->region, "-"))
        ERR("stack.region", "'%s' is not a region name; use one like us-east-2", s->region);
    check_network(s, out);
    check_cache(s, out);
    check_names(s, out);
    check_logs(s, out);
    check_security(s, out);
    return out->n_errors;
}
