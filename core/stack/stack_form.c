/* stack_form.c - the create wizard's form: values -> spec -> problems at
 * their fields. */
#include "core/stack/stack_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/cost.h"

/* clang-format off */
static const struct stack_form_def stack_form_defs[STACK_FORM_FIELDS] = {
    {STACK_FORM_NAME, STACK_FORM_PAGE_SIZING, STACK_FORM_TEXT, "Name stem", NULL, NULL,
     "stack.name names.*", "every resource is named from it (letters, digits, hyphens)"},
    {STACK_FORM_ENGINE, STACK_FORM_PAGE_SIZING, STACK_FORM_CHOICE, "Engine", "cache", "engine",
     "cache.engine", "Redis OSS or Valkey"},
    {STACK_FORM_VERSION, STACK_FORM_PAGE_SIZING, STACK_FORM_CHOICE, "Engine version", "cache",
     "engine_version", "cache.engine_version", "empty: AWS's default for the engine"},
    {STACK_FORM_NODE_TYPE, STACK_FORM_PAGE_SIZING, STACK_FORM_CHOICE, "Node type", "cache", "node_type",
     "cache.node_type stack.region", "vCPUs, memory and the on-demand price per node and hour"},
    {STACK_FORM_SHARDS, STACK_FORM_PAGE_SIZING, STACK_FORM_NUMBER, "Shards", "cache", "shards",
     "cache.shards cache.node_quota", "node groups (NumNodeGroups)"},
    {STACK_FORM_REPLICAS, STACK_FORM_PAGE_SIZING, STACK_FORM_NUMBER, "Replicas per shard", "cache",
     "replicas", "cache.replicas", "0 to 5 (ReplicasPerNodeGroup)"},
    {STACK_FORM_MULTI_AZ, STACK_FORM_PAGE_SIZING, STACK_FORM_TOGGLE, "Multi-AZ", "cache", "multi_az",
     "cache.multi_az cache.automatic_failover", "replicas in other zones, failover to them"},
    {STACK_FORM_PORT, STACK_FORM_PAGE_SIZING, STACK_FORM_NUMBER, "Port", "cache", "port", "cache.port",
     "the port of every node"},
    {STACK_FORM_PARAM_GROUP, STACK_FORM_PAGE_SIZING, STACK_FORM_TEXT, "Parameter group", "cache",
     "parameter_group", "cache.parameter_group", "default: the engine family's, cluster mode on"},
    {STACK_FORM_NETWORK, STACK_FORM_PAGE_NETWORK, STACK_FORM_CHOICE, "Network", NULL, NULL, "",
     "a new VPC as the seed builds it, or an existing VPC and subnets"},
    {STACK_FORM_VPC_CIDR, STACK_FORM_PAGE_NETWORK, STACK_FORM_TEXT, "VPC CIDR", "network", "vpc_cidr",
     "network.vpc_cidr", "the VPC's IPv4 range; the security group admits it on the port"},
    {STACK_FORM_PRIVATE, STACK_FORM_PAGE_NETWORK, STACK_FORM_TEXT, "Cache subnets", "network",
     "private_subnets", "network.private_subnets", "CIDRs, comma-separated, one zone each"},
    {STACK_FORM_PUBLIC, STACK_FORM_PAGE_NETWORK, STACK_FORM_TEXT, "Public subnets", "network",
     "public_subnets", "network.public_subnets", "the seed's \"public\" /27 (no internet route)"},
    {STACK_FORM_ZONES, STACK_FORM_PAGE_NETWORK, STACK_FORM_TEXT, "Zones", "network",
     "availability_zones", "network.availability_zones",
     "in subnet order; empty: the region's first available"},
    {STACK_FORM_VPC, STACK_FORM_PAGE_NETWORK, STACK_FORM_CHOICE, "VPC", "reuse", "vpc",
     "reuse.vpc network.vpc_cidr network.lock_default_security_group", "a VPC of the account"},
    {STACK_FORM_SUBNETS, STACK_FORM_PAGE_NETWORK, STACK_FORM_MULTI, "Cache subnets", "reuse", "subnets",
     "reuse.subnets network.private_subnets", "subnets of that VPC, one zone each (Space picks)"},
    {STACK_FORM_REST_KEY, STACK_FORM_PAGE_SECURITY, STACK_FORM_CHOICE, "At-rest key", "reuse", "kms_key",
     "reuse.kms_key kms.*", "a new key with the seed's policy, or an existing one"},
    {STACK_FORM_TRANSIT, STACK_FORM_PAGE_SECURITY, STACK_FORM_TOGGLE, "Transit encryption", "cache",
     "transit_encryption", "cache.transit_encryption cache.auth_token",
     "TLS, and the AUTH token that needs it"},
    {STACK_FORM_TOKEN_MODE, STACK_FORM_PAGE_SECURITY, STACK_FORM_CHOICE, "AUTH token", NULL, NULL,
     "secret.token_length secret.token_file", "generated (128 characters) or typed"},
    {STACK_FORM_TOKEN, STACK_FORM_PAGE_SECURITY, STACK_FORM_SECRET, "Token", NULL, NULL, "token",
     "16 to 128 characters: letters, digits and ! & # $ ^ < > -"},
    {STACK_FORM_TOKEN_AGAIN, STACK_FORM_PAGE_SECURITY, STACK_FORM_SECRET, "Token again", NULL, NULL,
     "token-again", "the same token once more"},
    {STACK_FORM_SECRET_NAME, STACK_FORM_PAGE_SECURITY, STACK_FORM_TEXT, "Secret name", "names",
     "secret", "names.secret reuse.secret", "the Secrets Manager secret holding the token"},
    {STACK_FORM_SLOW_LOG, STACK_FORM_PAGE_LOGS, STACK_FORM_TOGGLE, "Slow log", "logs", "slow_log",
     "logs.slow_log names.slow_log_group", "delivered to a CloudWatch Logs group"},
    {STACK_FORM_ENGINE_LOG, STACK_FORM_PAGE_LOGS, STACK_FORM_TOGGLE, "Engine log", "logs", "engine_log",
     "logs.engine_log names.engine_log_group", "delivered to a CloudWatch Logs group"},
    {STACK_FORM_LOG_FORMAT, STACK_FORM_PAGE_LOGS, STACK_FORM_CHOICE, "Format", "logs", "format",
     "logs.format", "JSON (the seed's) or TEXT"},
    {STACK_FORM_RETENTION, STACK_FORM_PAGE_LOGS, STACK_FORM_NUMBER, "Retention (days)", "logs",
     "retention_days", "logs.retention_days", "a value CloudWatch Logs offers (365: CKV_AWS_338)"},
    {STACK_FORM_SSM, STACK_FORM_PAGE_PRACTICES, STACK_FORM_TOGGLE, "SSM parameters", "ssm",
     "parameters", "ssm.parameters", "endpoint and port as SecureString parameters"},
    {STACK_FORM_SSM_PREFIX, STACK_FORM_PAGE_PRACTICES, STACK_FORM_TEXT, "Parameter prefix", "names",
     "ssm_prefix", "names.ssm_prefix", "<prefix>/endpoint and <prefix>/port"},
    {STACK_FORM_SSM_POLICY, STACK_FORM_PAGE_PRACTICES, STACK_FORM_TOGGLE, "Parameters policy",
     "iam", "ssm_read_policy", "iam.ssm_read_policy", "IAM policy: the two parameters, exact ARNs"},
    {STACK_FORM_SSM_POLICY_NAME, STACK_FORM_PAGE_PRACTICES, STACK_FORM_TEXT, "Its name", "names",
     "ssm_policy", "names.ssm_policy", "IAM policy name"},
    {STACK_FORM_SECRET_POLICY, STACK_FORM_PAGE_PRACTICES, STACK_FORM_TOGGLE, "Secret policy",
     "iam", "secret_read_policy", "iam.secret_read_policy", "IAM policy: the secret, exact ARN"},
    {STACK_FORM_SECRET_POLICY_NAME, STACK_FORM_PAGE_PRACTICES, STACK_FORM_TEXT, "Its name", "names",
     "secret_policy", "names.secret_policy", "IAM policy name"},
};
/* clang-format on */

static const char *const stack_form_titles[STACK_FORM_PAGES] = {
    "Account and region", "Name and sizing", "Network", "Security", "Logs",
    "Best practices",     "Review",          "Apply",   "Summary",
};

const struct stack_form_def *stack_form_def(enum stack_form_field f)
{
    return (unsigned)f < STACK_FORM_FIELDS ? &stack_form_defs[f] : NULL;
}

const char *stack_form_page_title(enum stack_form_page p)
{
    return (unsigned)p < STACK_FORM_PAGES ? stack_form_titles[p] : "?";
}

/* ---- catalog ---- */

void stack_form_catalog_free(struct stack_form_catalog *c)
{
    free(c->account);
    free(c->arn);
    free(c->user_id);
    for (size_t i = 0; i < c->n_zones; i++)
        free(c->zones[i]);
    free(c->zones);
    for (size_t i = 0; i < c->n_vpcs; i++) {
        free(c->vpcs[i].id);
        free(c->vpcs[i].cidr);
        free(c->vpcs[i].name);
    }
    free(c->vpcs);
    for (size_t i = 0; i < c->n_subnets; i++) {
        free(c->subnets[i].id);
        free(c->subnets[i].vpc);
        free(c->subnets[i].cidr);
        free(c->subnets[i].zone);
        free(c->subnets[i].name);
    }
    free(c->subnets);
    for (size_t i = 0; i < c->n_keys; i++) {
        free(c->keys[i].alias);
        free(c->keys[i].key_id);
    }
    free(c->keys);
    memset(c, 0, sizeof(*c));
}

const struct stack_form_vpc *stack_form_catalog_vpc(const struct stack_form_catalog *c,
                                                    const char *id)
{
    for (size_t i = 0; c && id && i < c->n_vpcs; i++)
        if (c->vpcs[i].id && strcmp(c->vpcs[i].id, id) == 0)
            return &c->vpcs[i];
    return NULL;
}

const struct stack_form_subnet *stack_form_catalog_subnet(const struct stack_form_catalog *c,
                                                          const char *id)
{
    for (size_t i = 0; c && id && i < c->n_subnets; i++)
        if (c->subnets[i].id && strcmp(c->subnets[i].id, id) == 0)
            return &c->subnets[i];
    return NULL;
}

/* ---- values ---- */

static bool is_secret(enum stack_form_field id)
{
    return stack_form_defs[id].kind == STACK_FORM_SECRET;
}

static bool yes(const char *v)
{
    return v && strcmp(v, "yes") == 0;
}

static void join(struct buf *b, char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s", i ? "," : "", items[i]);
}

/* The default of a field that nothing derives (from the seed's spec). */
static void default_of(const struct stack_form *f, enum stack_form_field id, char *out, size_t n)
{
    struct stack_spec d;
    stack_spec_init(&d);
    struct buf b;
    buf_init(&b, 4096);
    switch (id) {
    case STACK_FORM_ENGINE:
        buf_printf(&b, "%s", d.engine);
        break;
    case STACK_FORM_NODE_TYPE:
        buf_printf(&b, "%s", d.node_type);
        break;
    case STACK_FORM_SHARDS:
        buf_printf(&b, "%d", d.shards);
        break;
    case STACK_FORM_REPLICAS:
        buf_printf(&b, "%d", d.replicas);
        break;
    case STACK_FORM_MULTI_AZ:
        buf_printf(&b, "%s", d.multi_az ? "yes" : "no");
        break;
    case STACK_FORM_PORT:
        buf_printf(&b, "%d", d.port);
        break;
    case STACK_FORM_NETWORK:
        buf_printf(&b, "%s", STACK_FORM_NET_NEW);
        break;
    case STACK_FORM_VPC_CIDR:
        buf_printf(&b, "%s", d.vpc_cidr);
        break;
    case STACK_FORM_PRIVATE:
        join(&b, d.private_cidrs, d.n_private);
        break;
    case STACK_FORM_PUBLIC:
        join(&b, d.public_cidrs, d.n_public);
        break;
    case STACK_FORM_REST_KEY:
        buf_printf(&b, "%s", STACK_FORM_KEY_NEW);
        break;
    case STACK_FORM_TRANSIT:
        buf_printf(&b, "%s", d.transit_encryption ? "yes" : "no");
        break;
    case STACK_FORM_TOKEN_MODE:
        buf_printf(&b, "%s", STACK_FORM_TOKEN_GENERATE);
        break;
    case STACK_FORM_SLOW_LOG:
        buf_printf(&b, "%s", d.slow_log ? "yes" : "no");
        break;
    case STACK_FORM_ENGINE_LOG:
        buf_printf(&b, "%s", d.engine_log ? "yes" : "no");
        break;
    case STACK_FORM_LOG_FORMAT:
        buf_printf(&b, "%s", d.log_format);
        break;
    case STACK_FORM_RETENTION:
        buf_printf(&b, "%d", d.log_retention_days);
        break;
    case STACK_FORM_SSM:
        buf_printf(&b, "%s", d.ssm_parameters ? "yes" : "no");
        break;
    case STACK_FORM_SSM_POLICY:
        buf_printf(&b, "%s", d.ssm_read_policy ? "yes" : "no");
        break;
    case STACK_FORM_SECRET_POLICY:
        buf_printf(&b, "%s", d.secret_read_policy ? "yes" : "no");
        break;
    default:
        break;
    }
    (void)f;
    snprintf(out, n, "%s", buf_str(&b));
    buf_free(&b);
    stack_spec_free(&d);
}

const char *stack_form_get(const struct stack_form *f, enum stack_form_field id, char *buf,
                           size_t n)
{
    if ((unsigned)id >= STACK_FORM_FIELDS || is_secret(id))
        return NULL;
    if (f->value[id])
        return f->value[id];
    buf[0] = '\0';
    switch (id) {
    case STACK_FORM_NAME:
    case STACK_FORM_VERSION:
    case STACK_FORM_VPC:
    case STACK_FORM_SUBNETS:
        return "";
    case STACK_FORM_PARAM_GROUP:
        snprintf(buf, n, "%s", f->spec.parameter_group ? f->spec.parameter_group : "");
        return buf;
    case STACK_FORM_ZONES: {
        /* the plan takes the region's available zones in name order */
        struct buf b;
        buf_init(&b, 4096);
        if (f->cat)
            join(&b, f->cat->zones, f->cat->n_zones);
        snprintf(buf, n, "%s", buf_str(&b));
        buf_free(&b);
        return buf;
    }
    case STACK_FORM_SECRET_NAME:
        snprintf(buf, n, "%s", f->spec.name ? stack_spec_name(&f->spec, STACK_NAME_SECRET) : "");
        return buf;
    case STACK_FORM_SSM_PREFIX:
        snprintf(buf, n, "%s",
                 f->spec.name ? stack_spec_name(&f->spec, STACK_NAME_SSM_PREFIX) : "");
        return buf;
    case STACK_FORM_SSM_POLICY_NAME:
        snprintf(buf, n, "%s",
                 f->spec.name ? stack_spec_name(&f->spec, STACK_NAME_SSM_POLICY) : "");
        return buf;
    case STACK_FORM_SECRET_POLICY_NAME:
        snprintf(buf, n, "%s",
                 f->spec.name ? stack_spec_name(&f->spec, STACK_NAME_SECRET_POLICY) : "");
        return buf;
    default:
        default_of(f, id, buf, n);
        return buf;
    }
}

static const char *val(const struct stack_form *f, enum stack_form_field id, char *buf, size_t n)
{
    const char *v = stack_form_get(f, id, buf, n);
    return v ? v : "";
}

static bool mode_is(const struct stack_form *f, enum stack_form_field id, const char *want)
{
    char b[64];
    return strcmp(val(f, id, b, sizeof(b)), want) == 0;
}

static bool on(const struct stack_form *f, enum stack_form_field id)
{
    char b[16];
    return yes(val(f, id, b, sizeof(b)));
}

bool stack_form_visible(const struct stack_form *f, enum stack_form_field id)
{
    bool existing = mode_is(f, STACK_FORM_NETWORK, STACK_FORM_NET_EXISTING);
    bool transit = on(f, STACK_FORM_TRANSIT);
    switch (id) {
    case STACK_FORM_VPC_CIDR:
    case STACK_FORM_PRIVATE:
    case STACK_FORM_PUBLIC:
    case STACK_FORM_ZONES:
        return !existing;
    case STACK_FORM_VPC:
    case STACK_FORM_SUBNETS:
        return existing;
    case STACK_FORM_TOKEN_MODE:
    case STACK_FORM_SECRET_NAME:
    case STACK_FORM_SECRET_POLICY:
        return transit;
    case STACK_FORM_TOKEN:
    case STACK_FORM_TOKEN_AGAIN:
        return transit && mode_is(f, STACK_FORM_TOKEN_MODE, STACK_FORM_TOKEN_TYPE);
    case STACK_FORM_LOG_FORMAT:
    case STACK_FORM_RETENTION:
        return on(f, STACK_FORM_SLOW_LOG) || on(f, STACK_FORM_ENGINE_LOG);
    case STACK_FORM_SSM_PREFIX:
        return on(f, STACK_FORM_SSM);
    case STACK_FORM_SSM_POLICY_NAME:
        return on(f, STACK_FORM_SSM_POLICY);
    case STACK_FORM_SECRET_POLICY_NAME:
        return transit && on(f, STACK_FORM_SECRET_POLICY);
    default:
        return (unsigned)id < STACK_FORM_FIELDS;
    }
}

const char *stack_form_option(const struct stack_form *f, enum stack_form_field id, size_t i)
{
    static const char *const engines[] = {"redis", "valkey", NULL};
    static const char *const formats[] = {"json", "text", NULL};
    static const char *const nets[] = {STACK_FORM_NET_NEW, STACK_FORM_NET_EXISTING, NULL};
    static const char *const tokens[] = {STACK_FORM_TOKEN_GENERATE, STACK_FORM_TOKEN_TYPE, NULL};
    static const char *const yn[] = {"yes", "no", NULL};
    const char *const *list = NULL;
    size_t n = 0;
    switch (stack_form_defs[id].kind) {
    case STACK_FORM_TOGGLE:
        list = yn;
        break;
    case STACK_FORM_CHOICE:
    case STACK_FORM_MULTI:
        break;
    default:
        return NULL;
    }
    switch (id) {
    case STACK_FORM_ENGINE:
        list = engines;
        break;
    case STACK_FORM_LOG_FORMAT:
        list = formats;
        break;
    case STACK_FORM_NETWORK:
        list = nets;
        break;
    case STACK_FORM_TOKEN_MODE:
        list = tokens;
        break;
    case STACK_FORM_VERSION: {
        char b[32];
        if (i == 0)
            return "";
        return stack_validate_engine_version_at(val(f, STACK_FORM_ENGINE, b, sizeof(b)), i - 1);
    }
    case STACK_FORM_NODE_TYPE:
        return cost_table_node_type(i, NULL, NULL);
    case STACK_FORM_VPC:
        return f->cat && i < f->cat->n_vpcs ? f->cat->vpcs[i].id : NULL;
    case STACK_FORM_SUBNETS: {
        char b[64];
        const char *vpc = val(f, STACK_FORM_VPC, b, sizeof(b));
        for (size_t k = 0; f->cat && *vpc && k < f->cat->n_subnets; k++)
            if (f->cat->subnets[k].vpc && strcmp(f->cat->subnets[k].vpc, vpc) == 0 && i-- == 0)
                return f->cat->subnets[k].id;
        return NULL;
    }
    case STACK_FORM_REST_KEY:
        if (i == 0)
            return STACK_FORM_KEY_NEW;
        return f->cat && i - 1 < f->cat->n_keys ? f->cat->keys[i - 1].alias : NULL;
    default:
        break;
    }
    if (!list)
        return NULL;
    while (list[n])
        n++;
    return i < n ? list[i] : NULL;
}

/* ---- problems ---- */

static void issue_free(struct stack_form_issue *x)
{
    free(x->field);
    free(x->message);
}

static void issues_clear(struct stack_form *f)
{
    for (size_t k = 0; k < STACK_FORM_FIELDS; k++) {
        for (size_t i = 0; i < f->n_issues[k]; i++)
            issue_free(&f->issues[k][i]);
        free(f->issues[k]);
        f->issues[k] = NULL;
        f->n_issues[k] = 0;
        f->n_errors[k] = 0;
    }
    for (size_t i = 0; i < f->n_general; i++)
        issue_free(&f->general[i]);
    free(f->general);
    f->general = NULL;
    f->n_general = f->n_general_errors = 0;
}

static void push(struct stack_form_issue **arr, size_t *n, enum stack_severity sev,
                 const char *field, const char *msg)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*arr)[i].field, field) && !strcmp((*arr)[i].message, msg))
            return; /* the same problem twice (a rule checked per subnet) */
    *arr = mem_xrealloc(*arr, (*n + 1) * sizeof(**arr));
    /* errors first */
    size_t at = *n;
    if (sev == STACK_SEV_ERROR)
        while (at > 0 && (*arr)[at - 1].severity != STACK_SEV_ERROR)
            at--;
    memmove(&(*arr)[at + 1], &(*arr)[at], (*n - at) * sizeof(**arr));
    (*arr)[at].severity = sev;
    (*arr)[at].field = mem_xstrdup(field);
    (*arr)[at].message = mem_xstrdup(msg);
    (*n)++;
}

static void add_at(struct stack_form *f, enum stack_form_field id, enum stack_severity sev,
                   const char *field, const char *msg)
{
    push(&f->issues[id], &f->n_issues[id], sev, field, msg);
    if (sev == STACK_SEV_ERROR)
        f->n_errors[id]++;
}

static bool shows(const char *list, const char *field, bool prefix)
{
    size_t fl = strlen(field);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (!prefix && l == fl && strncmp(p, field, l) == 0)
            return true;
        if (prefix && l >= 2 && p[l - 1] == '*' && fl >= l - 1 && strncmp(p, field, l - 1) == 0)
            return true;
        p = e;
    }
    return false;
}

/* The visible field a spec field's problems show at, or -1. */
static int field_for(const struct stack_form *f, const char *field)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < STACK_FORM_FIELDS; i++)
            if (stack_form_visible(f, (enum stack_form_field)i) &&
                shows(stack_form_defs[i].shows, field, pass == 1))
                return i;
    return -1;
}

static void add_problem(struct stack_form *f, enum stack_severity sev, const char *field,
                        const char *msg)
{
    int at = field_for(f, field);
    if (at >= 0) {
        add_at(f, (enum stack_form_field)at, sev, field, msg);
        return;
    }
    push(&f->general, &f->n_general, sev, field, msg);
    if (sev == STACK_SEV_ERROR)
        f->n_general_errors++;
}

/* ---- building the spec ---- */

static void set_spec(struct stack_form *f, enum stack_form_field id, const char *section,
                     const char *key, const char *value)
{
    char err[512], where[96];
    if (stack_spec_set(&f->spec, section, key, value, err, sizeof(err)) != 0) {
        snprintf(where, sizeof(where), "%s.%s", section, key);
        add_at(f, id, STACK_SEV_ERROR, where, err);
    }
}

static void build(struct stack_form *f)
{
    issues_clear(f);
    stack_spec_free(&f->spec);
    stack_spec_init(&f->spec);
    f->spec.region = mem_xstrdup(f->region);
    char b[4096], err[512];
    const char *name = val(f, STACK_FORM_NAME, b, sizeof(b));
    if (!*name)
        add_at(f, STACK_FORM_NAME, STACK_SEV_ERROR, "stack.name",
               "the stack needs a name: 1 to 40 letters, digits and hyphens, starting with a "
               "letter; every resource is named from it");
    else if (stack_spec_set_name(&f->spec, name, err, sizeof(err)) != 0)
        add_at(f, STACK_FORM_NAME, STACK_SEV_ERROR, "stack.name", err);
    bool existing = mode_is(f, STACK_FORM_NETWORK, STACK_FORM_NET_EXISTING);
    bool transit = on(f, STACK_FORM_TRANSIT);
    for (int i = 0; i < STACK_FORM_FIELDS; i++) {
        const struct stack_form_def *d = &stack_form_defs[i];
        enum stack_form_field id = (enum stack_form_field)i;
        if (!d->section || !stack_form_visible(f, id))
            continue;
        /* names and reused parts only when given; derived ones follow the stem */
        if ((!strcmp(d->section, "names") || !strcmp(d->section, "reuse")) && !f->value[i])
            continue;
        if (id == STACK_FORM_REST_KEY && mode_is(f, id, STACK_FORM_KEY_NEW))
            continue;
        if (id == STACK_FORM_ZONES && !f->value[i])
            continue;
        if (id == STACK_FORM_PARAM_GROUP && !f->value[i])
            continue; /* derived below, from engine and version */
        set_spec(f, id, d->section, d->key, val(f, id, b, sizeof(b)));
    }
    /* the parameter group follows the engine and version until typed */
    if (!f->value[STACK_FORM_PARAM_GROUP]) {
        const char *fam = stack_validate_engine_family(f->spec.engine, f->spec.engine_version);
        if (fam) {
            snprintf(b, sizeof(b), "default.%s.cluster.on", fam);
            set_spec(f, STACK_FORM_PARAM_GROUP, "cache", "parameter_group", b);
        }
    }
    if (existing) {
        const struct stack_form_vpc *v = stack_form_catalog_vpc(f->cat, f->value[STACK_FORM_VPC]);
        if (!f->value[STACK_FORM_VPC] || !*f->value[STACK_FORM_VPC])
            add_at(f, STACK_FORM_VPC, STACK_SEV_ERROR, "reuse.vpc",
                   "pick the VPC to build in (Left/Right)");
        else if (v && v->cidr)
            set_spec(f, STACK_FORM_VPC, "network", "vpc_cidr", v->cidr);
        set_spec(f, STACK_FORM_VPC, "network", "lock_default_security_group", "no");
        if (!f->value[STACK_FORM_SUBNETS] || !*f->value[STACK_FORM_SUBNETS])
            add_at(f, STACK_FORM_SUBNETS, STACK_SEV_ERROR, "reuse.subnets",
                   "pick the cache subnets of the VPC (Space picks; one per zone)");
    }
    if (!transit) {
        /* no TLS: no AUTH token, so no secret and nothing to read it */
        set_spec(f, STACK_FORM_TRANSIT, "cache", "auth_token", "no");
        set_spec(f, STACK_FORM_TRANSIT, "iam", "secret_read_policy", "no");
    }
    if (transit && mode_is(f, STACK_FORM_TOKEN_MODE, STACK_FORM_TOKEN_TYPE)) {
        const char *t = f->value[STACK_FORM_TOKEN] ? f->value[STACK_FORM_TOKEN] : "";
        const char *t2 = f->value[STACK_FORM_TOKEN_AGAIN] ? f->value[STACK_FORM_TOKEN_AGAIN] : "";
        char msg[256];
        if (stack_validate_token(t, strlen(t), msg, sizeof(msg)) != 0)
            add_at(f, STACK_FORM_TOKEN, STACK_SEV_ERROR, "token", msg);
        else if (strlen(t) != strlen(t2) || mem_ct_compare(t, t2, strlen(t)) != 0)
            add_at(f, STACK_FORM_TOKEN_AGAIN, STACK_SEV_ERROR, "token-again",
                   "the two entries differ; type the same token twice");
    }

    struct stack_problems pr;
    memset(&pr, 0, sizeof(pr));
    stack_validate(&f->spec, &pr);
    for (size_t i = 0; i < pr.n; i++) {
        /* no stem (none typed, or refused): said above, in the wizard's words */
        if (!f->spec.name && !strcmp(pr.items[i].field, "stack.name"))
            continue;
        /* existing subnets are the account's: no CIDR of ours to check */
        if (existing && (!strcmp(pr.items[i].field, "network.private_subnets") ||
                         !strcmp(pr.items[i].field, "network.public_subnets")))
            continue;
        add_problem(f, pr.items[i].severity, pr.items[i].field, pr.items[i].message);
    }
    stack_validate_problems_free(&pr);

    /* existing subnets: their zones, as the account says */
    if (existing && f->spec.n_reuse_subnets >= 2 && f->spec.multi_az) {
        char zones[512];
        size_t distinct = stack_form_cache_zones(f, zones, sizeof(zones));
        if (distinct == 1) {
            snprintf(b, sizeof(b),
                     "Multi-AZ needs the cache subnets in at least 2 zones; they are all in %s: "
                     "pick subnets of other zones, or turn Multi-AZ off",
                     zones);
            add_at(f, STACK_FORM_SUBNETS, STACK_SEV_ERROR, "reuse.subnets", b);
        }
    }
}

void stack_form_init(struct stack_form *f, const char *region)
{
    memset(f, 0, sizeof(*f));
    f->region = mem_xstrdup(region ? region : "us-east-2");
    stack_spec_init(&f->spec);
    build(f);
}

void stack_form_free(struct stack_form *f)
{
    issues_clear(f);
    for (size_t i = 0; i < STACK_FORM_FIELDS; i++) {
        if (is_secret((enum stack_form_field)i))
            mem_free_secret(f->value[i]);
        else
            free(f->value[i]);
    }
    stack_spec_free(&f->spec);
    free(f->region);
    memset(f, 0, sizeof(*f));
}

void stack_form_set_catalog(struct stack_form *f, const struct stack_form_catalog *c)
{
    f->cat = c;
    build(f);
}

static void put(struct stack_form *f, enum stack_form_field id, const char *value)
{
    if (is_secret(id)) {
        mem_free_secret(f->value[id]);
        f->value[id] = NULL;
        if (value)
            mem_replace_secret(&f->value[id], value);
        return;
    }
    free(f->value[id]);
    f->value[id] = value ? mem_xstrdup(value) : NULL;
}

void stack_form_set(struct stack_form *f, enum stack_form_field id, const char *value)
{
    if ((unsigned)id >= STACK_FORM_FIELDS)
        return;
    put(f, id, value);
    if (id == STACK_FORM_ENGINE)
        put(f, STACK_FORM_VERSION, NULL); /* versions are the engine's */
    if (id == STACK_FORM_VPC)
        put(f, STACK_FORM_SUBNETS, NULL); /* subnets are the VPC's */
    build(f);
}

void stack_form_load(struct stack_form *f, const struct stack_spec *s)
{
    char b[64];
    struct stack_spec d;
    stack_spec_init(&d);
    struct buf l;
    buf_init(&l, 8192);
    put(f, STACK_FORM_NAME, s->name);
    put(f, STACK_FORM_ENGINE, s->engine);
    put(f, STACK_FORM_VERSION, s->engine_version);
    put(f, STACK_FORM_NODE_TYPE, s->node_type);
    snprintf(b, sizeof(b), "%d", s->shards);
    put(f, STACK_FORM_SHARDS, b);
    snprintf(b, sizeof(b), "%d", s->replicas);
    put(f, STACK_FORM_REPLICAS, b);
    put(f, STACK_FORM_MULTI_AZ, s->multi_az ? "yes" : "no");
    snprintf(b, sizeof(b), "%d", s->port);
    put(f, STACK_FORM_PORT, b);
    const char *fam = stack_validate_engine_family(s->engine, s->engine_version);
    char pg[96];
    snprintf(pg, sizeof(pg), "default.%s.cluster.on", fam ? fam : "");
    put(f, STACK_FORM_PARAM_GROUP,
        s->parameter_group && strcmp(s->parameter_group, pg) ? s->parameter_group : NULL);
    if (s->reuse_vpc) {
        put(f, STACK_FORM_NETWORK, STACK_FORM_NET_EXISTING);
        put(f, STACK_FORM_VPC, s->reuse_vpc);
        join(&l, s->reuse_subnets, s->n_reuse_subnets);
        put(f, STACK_FORM_SUBNETS, buf_str(&l));
    } else {
        put(f, STACK_FORM_NETWORK, STACK_FORM_NET_NEW);
        put(f, STACK_FORM_VPC_CIDR, s->vpc_cidr);
        join(&l, s->private_cidrs, s->n_private);
        put(f, STACK_FORM_PRIVATE, buf_str(&l));
        buf_reset(&l);
        join(&l, s->public_cidrs, s->n_public);
        put(f, STACK_FORM_PUBLIC, buf_str(&l));
        buf_reset(&l);
        join(&l, s->azs, s->n_azs);
        put(f, STACK_FORM_ZONES, s->n_azs ? buf_str(&l) : NULL);
    }
    put(f, STACK_FORM_REST_KEY, s->reuse_kms_key ? s->reuse_kms_key : NULL);
    put(f, STACK_FORM_TRANSIT, s->transit_encryption ? "yes" : "no");
    put(f, STACK_FORM_TOKEN_MODE, NULL);
    put(f, STACK_FORM_SECRET_NAME, s->name_override[STACK_NAME_SECRET]);
    put(f, STACK_FORM_SLOW_LOG, s->slow_log ? "yes" : "no");
    put(f, STACK_FORM_ENGINE_LOG, s->engine_log ? "yes" : "no");
    put(f, STACK_FORM_LOG_FORMAT, s->log_format);
    snprintf(b, sizeof(b), "%d", s->log_retention_days);
    put(f, STACK_FORM_RETENTION, b);
    put(f, STACK_FORM_SSM, s->ssm_parameters ? "yes" : "no");
    put(f, STACK_FORM_SSM_PREFIX, s->name_override[STACK_NAME_SSM_PREFIX]);
    put(f, STACK_FORM_SSM_POLICY, s->ssm_read_policy ? "yes" : "no");
    put(f, STACK_FORM_SSM_POLICY_NAME, s->name_override[STACK_NAME_SSM_POLICY]);
    put(f, STACK_FORM_SECRET_POLICY, s->secret_read_policy ? "yes" : "no");
    put(f, STACK_FORM_SECRET_POLICY_NAME, s->name_override[STACK_NAME_SECRET_POLICY]);
    if (s->region) {
        free(f->region);
        f->region = mem_xstrdup(s->region);
    }
    buf_free(&l);
    stack_spec_free(&d);
    build(f);
}

/* ---- results ---- */

const struct stack_form_issue *stack_form_issue(const struct stack_form *f,
                                                enum stack_form_field id)
{
    return (unsigned)id < STACK_FORM_FIELDS && f->n_issues[id] ? &f->issues[id][0] : NULL;
}

size_t stack_form_page_errors(const struct stack_form *f, enum stack_form_page p)
{
    size_t n = 0;
    for (int i = 0; i < STACK_FORM_FIELDS; i++)
        if (stack_form_defs[i].page == p && stack_form_visible(f, (enum stack_form_field)i))
            n += f->n_errors[i];
    if (p == STACK_FORM_PAGE_REVIEW)
        n += f->n_general_errors;
    return n;
}

int stack_form_first_error(const struct stack_form *f, enum stack_form_page p)
{
    for (int i = 0; i < STACK_FORM_FIELDS; i++)
        if (stack_form_defs[i].page == p && stack_form_visible(f, (enum stack_form_field)i) &&
            f->n_errors[i])
            return i;
    return -1;
}

size_t stack_form_errors(const struct stack_form *f)
{
    size_t n = f->n_general_errors;
    for (int i = 0; i < STACK_FORM_FIELDS; i++)
        if (stack_form_visible(f, (enum stack_form_field)i))
            n += f->n_errors[i];
    return n;
}

const struct stack_spec *stack_form_spec(const struct stack_form *f)
{
    return &f->spec;
}

const char *stack_form_token(const struct stack_form *f)
{
    if (!on(f, STACK_FORM_TRANSIT) || !mode_is(f, STACK_FORM_TOKEN_MODE, STACK_FORM_TOKEN_TYPE))
        return NULL;
    if (f->n_errors[STACK_FORM_TOKEN] || f->n_errors[STACK_FORM_TOKEN_AGAIN])
        return NULL;
    return f->value[STACK_FORM_TOKEN];
}

size_t stack_form_cache_zones(const struct stack_form *f, char *buf, size_t n)
{
    const char *seen[2 * STACK_SPEC_MAX_SUBNETS];
    size_t k = 0;
    const struct stack_spec *s = &f->spec;
    bool existing = s->reuse_vpc != NULL;
    size_t count = existing ? s->n_reuse_subnets : s->n_private;
    for (size_t i = 0; i < count && k < sizeof(seen) / sizeof(*seen); i++) {
        const char *z = NULL;
        if (existing) {
            const struct stack_form_subnet *sn =
                stack_form_catalog_subnet(f->cat, s->reuse_subnets[i]);
            z = sn ? sn->zone : NULL;
        } else if (s->n_azs) {
            z = s->azs[i % s->n_azs];
        } else if (f->cat && f->cat->n_zones) {
            z = f->cat->zones[i % f->cat->n_zones];
        }
        bool dup = !z;
        for (size_t j = 0; z && j < k; j++)
            dup = dup || strcmp(seen[j], z) == 0;
        if (!dup)
            seen[k++] = z;
    }
    struct buf b;
    buf_init(&b, 4096);
    for (size_t i = 0; i < k; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", seen[i]);
    if (buf && n)
        snprintf(buf, n, "%s", buf_str(&b));
    buf_free(&b);
    return k;
}
