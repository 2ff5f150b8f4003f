/* cost.c - monthly estimates from the Price List API or the built-in table
 * (see cost.h). */
#include "core/stack/cost.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/elasticache.h"
#include "aws/logs.h"
#include "aws/mem.h"
#include "core/stack/stack_validate.h"

/* ---- the built-in table ----
 * On-demand list prices in USD (Redis OSS, node-based), as AWS listed
 * them around COST_TABLE_DATE for the US regions that share one price list
 * (N. Virginia, Ohio, Oregon). Only prices checked against AWS's list are
 * kept here: another region is priced at COST_TABLE_FALLBACK_REGION's with
 * that said in the estimate, unless the Price List API answers. Valkey
 * nodes are priced 20% lower than Redis OSS nodes (AWS, October 2024). */

#define COST_VALKEY_FACTOR 0.8

enum { COST_US, COST_N_COLS };

static const struct {
    const char *region;
    int col;
} cost_regions[] = {
    {"us-east-1", COST_US},
    {"us-east-2", COST_US},
    {"us-west-2", COST_US},
};

/* On-demand hourly prices, and each type's vCPUs and memory (GiB) as
 * AWS's "supported node types" page lists them. */
static const struct {
    const char *node_type;
    int vcpus;
    double memory_gib;
    double usd[COST_N_COLS];
} cost_nodes[] = {
    {"cache.t2.micro", 1, 0.555, {0.017}},   {"cache.t2.small", 1, 1.55, {0.034}},
    {"cache.t2.medium", 2, 3.22, {0.068}},   {"cache.t3.micro", 2, 0.5, {0.017}},
    {"cache.t3.small", 2, 1.37, {0.034}},    {"cache.t3.medium", 2, 3.09, {0.068}},
    {"cache.t4g.micro", 2, 0.5, {0.016}},    {"cache.t4g.small", 2, 1.37, {0.032}},
    {"cache.t4g.medium", 2, 3.09, {0.065}},  {"cache.m5.large", 2, 6.38, {0.156}},
    {"cache.m5.xlarge", 4, 12.93, {0.311}},  {"cache.m6g.large", 2, 6.38, {0.149}},
    {"cache.m6g.xlarge", 4, 12.93, {0.298}}, {"cache.m7g.large", 2, 6.38, {0.158}},
    {"cache.m7g.xlarge", 4, 12.93, {0.316}}, {"cache.r5.large", 2, 13.07, {0.216}},
    {"cache.r5.xlarge", 4, 26.32, {0.431}},  {"cache.r6g.large", 2, 13.07, {0.206}},
    {"cache.r6g.xlarge", 4, 26.32, {0.411}}, {"cache.r7g.large", 2, 13.07, {0.219}},
    {"cache.r7g.xlarge", 4, 26.32, {0.437}},
};

const char *cost_table_node_type(size_t i, int *vcpus, double *memory_gib)
{
    if (i >= sizeof(cost_nodes) / sizeof(cost_nodes[0]))
        return NULL;
    if (vcpus)
        *vcpus = cost_nodes[i].vcpus;
    if (memory_gib)
        *memory_gib = cost_nodes[i].memory_gib;
    return cost_nodes[i].node_type;
}

/* CloudWatch Logs (standard class): ingestion per GB, storage per GB-month. */
static const double cost_logs[COST_N_COLS][2] = {
    {0.50, 0.03},
};

static int cost_col(const char *region)
{
    for (size_t i = 0; region && i < sizeof(cost_regions) / sizeof(cost_regions[0]); i++)
        if (strcmp(cost_regions[i].region, region) == 0)
            return cost_regions[i].col;
    return -1;
}

static bool cost_is_valkey(const char *engine)
{
    return engine && strcasecmp(engine, "valkey") == 0;
}

int cost_table_node_hourly(const char *region, const char *engine, const char *node_type,
                           double *usd)
{
    int col = cost_col(region);
    if (col < 0 || !node_type)
        return -1;
    for (size_t i = 0; i < sizeof(cost_nodes) / sizeof(cost_nodes[0]); i++)
        if (strcmp(cost_nodes[i].node_type, node_type) == 0) {
            double v = cost_nodes[i].usd[col];
            if (cost_is_valkey(engine))
                v *= COST_VALKEY_FACTOR;
            if (usd)
                *usd = v;
            return 0;
        }
    return -1;
}

int cost_table_logs(const char *region, double *ingest_usd, double *storage_usd_month)
{
    int col = cost_col(region);
    if (col < 0)
        return -1;
    if (ingest_usd)
        *ingest_usd = cost_logs[col][0];
    if (storage_usd_month)
        *storage_usd_month = cost_logs[col][1];
    return 0;
}

/* ---- inputs ---- */

void cost_input_from_spec(struct cost_input *in, const struct stack_spec *s, double log_gb_month)
{
    memset(in, 0, sizeof(*in));
    in->region = stack_spec_region(s);
    in->engine = s->engine ? s->engine : "redis";
    in->node_type = s->node_type;
    in->nodes = s->shards * (1 + s->replicas);
    in->log_types = (s->slow_log ? 1 : 0) + (s->engine_log ? 1 : 0);
    in->log_gb_month = log_gb_month;
    in->retention_days = s->log_retention_days;
    in->stored_gb = -1;
}

/* ---- building ---- */

const struct pricing_product *cost_price_find(const struct pricing_product_list *l,
                                              const char *node_type, const char *region,
                                              const char *engine)
{
    const char *want = cost_is_valkey(engine) ? "Valkey" : "Redis";
    for (size_t i = 0; l && node_type && i < l->n; i++) {
        const struct pricing_product *p = &l->items[i];
        if (!p->has_hourly_usd || !p->instance_type || strcmp(p->instance_type, node_type) != 0)
            continue;
        if (region && p->region_code && strcmp(p->region_code, region) != 0)
            continue;
        if (!p->cache_engine || strcasecmp(p->cache_engine, want) != 0)
            continue;
        if (!(p->hourly_usd > 0))
            continue;
        return p;
    }
    return NULL;
}

static void cost_add_line(struct cost_estimate *e, char *item, double qty, const char *unit,
                          double unit_usd, const char *source)
{
    e->lines = mem_xrealloc(e->lines, (e->n + 1) * sizeof(*e->lines));
    struct cost_line *l = &e->lines[e->n++];
    l->item = item;
    l->quantity = qty;
    l->unit = mem_xstrdup(unit);
    l->unit_usd = unit_usd;
    l->monthly_usd = unit_usd >= 0 ? qty * unit_usd : 0;
    l->source = mem_xstrdup(source);
    if (unit_usd >= 0)
        e->monthly_usd += l->monthly_usd;
    else
        e->incomplete = true;
}

static void cost_assume(struct cost_estimate *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void cost_assume(struct cost_estimate *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mem_xpush(&e->assumptions, &e->n_assumptions, mem_xvasprintf(fmt, ap));
    va_end(ap);
}

/* "2024-05-01T00:00:00Z" -> "2024-05-01" */
static char *cost_date(const char *d)
{
    if (!d || !*d)
        return mem_xstrdup("date not given");
    const char *t = strchr(d, 'T');
    return t ? mem_xstrndup(d, (size_t)(t - d)) : mem_xstrdup(d);
}

struct cost_estimate *cost_estimate_build(const struct cost_input *in,
                                          const struct pricing_product_list *api,
                                          const char *fallback)
{
    struct cost_estimate *e = mem_xcalloc(1, sizeof(*e));
    const char *region = in->region ? in->region : "us-east-1";
    const char *engine = in->engine ? in->engine : "redis";
    e->subject = mem_xstrdup(in->subject ? in->subject : "");
    e->region = mem_xstrdup(region);
    e->engine = mem_xstrdup(engine);
    e->node_type = mem_xstrdup(in->node_type ? in->node_type : "?");
    e->nodes = in->nodes;

    /* table region: the region itself, or a stated stand-in */
    bool known_region = cost_col(region) >= 0;
    const char *treg = known_region ? region : COST_TABLE_FALLBACK_REGION;
    char *tsource =
        known_region
            ? mem_xasprintf("elcui's built-in price table (dated %s)", COST_TABLE_DATE)
            : mem_xasprintf("elcui's built-in price table (dated %s; %s prices: the table has "
                            "no %s)",
                            COST_TABLE_DATE, COST_TABLE_FALLBACK_REGION, region);

    /* nodes */
    double hours = COST_HOURS_PER_MONTH * (in->nodes > 0 ? in->nodes : 0);
    char *item = mem_xasprintf("%d x %s (%s)", in->nodes, e->node_type, engine);
    const struct pricing_product *p =
        api ? cost_price_find(api, in->node_type, region, engine) : NULL;
    double usd;
    if (p) {
        char *d = cost_date(p->publication_date ? p->publication_date : p->effective_date);
        e->node_source =
            mem_xasprintf("AWS Price List API (GetProducts AmazonElastiCache, %s, published %s)",
                          p->sku ? p->sku : "on demand", d);
        free(d);
        cost_add_line(e, item, hours, "node-hours", p->hourly_usd, e->node_source);
    } else {
        if (api && !fallback)
            e->fallback = mem_xasprintf("the AWS Price List API has no on-demand %s price for "
                                        "%s in %s",
                                        cost_is_valkey(engine) ? "Valkey" : "Redis OSS",
                                        e->node_type, region);
        else if (fallback)
            e->fallback = mem_xstrdup(fallback);
        if (cost_table_node_hourly(treg, engine, in->node_type, &usd) == 0) {
            e->node_source = mem_xstrdup(tsource);
            cost_add_line(e, item, hours, "node-hours", usd, tsource);
            if (cost_is_valkey(engine))
                cost_assume(e, "Valkey node price: the Redis OSS list price less 20%%");
        } else {
            e->node_source = mem_xasprintf("no price known for %s in %s", e->node_type, region);
            cost_add_line(e, item, hours, "node-hours", -1, e->node_source);
        }
    }

    /* CloudWatch Logs */
    double ingest = 0, storage = 0;
    cost_table_logs(treg, &ingest, &storage);
    e->logs_source = mem_xstrdup(tsource);
    if (in->log_types > 0) {
        double gb = in->log_gb_month > 0 ? in->log_gb_month : 0;
        double months = in->retention_days > 0 ? (double)in->retention_days / (365.0 / 12.0) : 12;
        double stored = gb * months;
        cost_add_line(e,
                      mem_xasprintf("log ingestion (%d log type%s)", in->log_types,
                                    in->log_types == 1 ? "" : "s"),
                      gb, "GB ingested", ingest, tsource);
        cost_add_line(e,
                      in->retention_days > 0
                          ? mem_xasprintf("log storage (%d-day retention)", in->retention_days)
                          : mem_xstrdup("log storage (never expires; first year)"),
                      stored, "GB-months stored", storage, tsource);
        cost_assume(e,
                    "logs: %.2f GB ingested a month (--log-gb); storage counted uncompressed (an "
                    "upper bound: CloudWatch Logs bills archived bytes after compression), at "
                    "the steady state of %.1f GB held for %s",
                    gb, stored,
                    in->retention_days > 0 ? "the retention period"
                                           : "the first year (never-expiring groups keep "
                                             "growing)");
        if (in->stored_gb >= 0)
            cost_assume(e, "the log groups hold %.3f GB now", in->stored_gb);
    } else {
        cost_assume(e, "no log delivery to CloudWatch Logs: no log cost");
    }
    cost_assume(e, "%.0f hours a month, on-demand prices (no reserved nodes or savings plans)",
                COST_HOURS_PER_MONTH);
    cost_assume(e, "not included: data transfer, backup storage beyond the free allowance, "
                   "taxes, and CloudWatch Logs Live Tail, billed per session-minute while a tail "
                   "is open ($0.01 a minute in us-east-1)");
    const struct stack_node_type *nt = stack_validate_node_type(in->node_type);
    if (nt && nt->previous_generation)
        e->hint =
            mem_xasprintf("%s is a previous-generation node type%s%s", nt->name,
                          nt->successor ? "; consider " : "", nt->successor ? nt->successor : "");
    free(tsource);
    return e;
}

void cost_estimate_free(struct cost_estimate *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->lines[i].item);
        free(e->lines[i].unit);
        free(e->lines[i].source);
    }
    free(e->lines);
    for (size_t i = 0; i < e->n_assumptions; i++)
        free(e->assumptions[i]);
    free(e->assumptions);
    free(e->subject);
    free(e->region);
    free(e->engine);
    free(e->node_type);
    free(e->node_source);
    free(e->logs_source);
    free(e->fallback);
    free(e->hint);
    free(e);
}

/* Text from AWS shown without control characters. */
static void cost_safe(struct buf *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            buf_printf(o, "\\x%02x", *p);
        else
            buf_appendc(o, (char)*p);
}

char *cost_estimate_format(const struct cost_estimate *e)
{
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "Monthly estimate for ");
    cost_safe(&o, e->subject);
    buf_printf(&o, " (%s, %s, %d x ", e->region, e->engine, e->nodes);
    cost_safe(&o, e->node_type);
    buf_appends(&o, ")\n\n");
    for (size_t i = 0; i < e->n; i++) {
        const struct cost_line *l = &e->lines[i];
        char q[160];
        if (l->unit_usd >= 0)
            snprintf(q, sizeof(q), "%.2f %s x $%.4f", l->quantity, l->unit, l->unit_usd);
        else
            snprintf(q, sizeof(q), "%.2f %s x (no price)", l->quantity, l->unit);
        struct buf it;
        buf_init(&it, 1024);
        cost_safe(&it, l->item);
        buf_printf(&o, "  %-40s %-38s ", buf_str(&it), q);
        buf_free(&it);
        char m[40];
        if (l->unit_usd >= 0)
            snprintf(m, sizeof(m), "$%.2f", l->monthly_usd);
        else
            snprintf(m, sizeof(m), "unknown");
        buf_printf(&o, "%11s\n", m);
    }
    char tot[40];
    snprintf(tot, sizeof(tot), "$%.2f", e->monthly_usd);
    buf_printf(&o, "  %-40s %-38s %11s USD a month%s\n", "total", "", tot,
               e->incomplete ? " (incomplete: a price is unknown)" : "");
    buf_appends(&o, "\nSources:\n  nodes: ");
    cost_safe(&o, e->node_source);
    buf_appends(&o, "\n  CloudWatch Logs: ");
    cost_safe(&o, e->logs_source);
    buf_appendc(&o, '\n');
    if (e->fallback) {
        buf_appends(&o, "  Price List API not used: ");
        cost_safe(&o, e->fallback);
        buf_appendc(&o, '\n');
    }
    buf_appends(&o, "Assumptions:\n");
    for (size_t i = 0; i < e->n_assumptions; i++) {
        buf_appends(&o, "  - ");
        cost_safe(&o, e->assumptions[i]);
        buf_appendc(&o, '\n');
    }
    if (e->hint) {
        buf_appends(&o, "hint: ");
        cost_safe(&o, e->hint);
        buf_appendc(&o, '\n');
    }
    return buf_steal(&o);
}

/* Round to cents for JSON (avoid 223.38000000000002). */
static json_t *cost_money(double v)
{
    return json_real(round(v * 10000.0) / 10000.0);
}

static json_t *cost_jstr(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    if (!j && s) {
        /* not UTF-8: keep ASCII, replace the rest */
        char *c = mem_xstrdup(s);
        for (char *p = c; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        j = json_string(c);
        free(c);
    }
    return j ? j : json_null();
}

json_t *cost_estimate_to_json(const struct cost_estimate *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "subject", cost_jstr(e->subject));
    json_object_set_new(o, "region", cost_jstr(e->region));
    json_object_set_new(o, "engine", cost_jstr(e->engine));
    json_object_set_new(o, "nodeType", cost_jstr(e->node_type));
    json_object_set_new(o, "nodes", json_integer(e->nodes));
    json_object_set_new(o, "currency", json_string("USD"));
    json_object_set_new(o, "hoursPerMonth", json_real(COST_HOURS_PER_MONTH));
    json_t *a = json_array();
    for (size_t i = 0; i < e->n; i++) {
        const struct cost_line *l = &e->lines[i];
        json_t *x = json_object();
        json_object_set_new(x, "item", cost_jstr(l->item));
        json_object_set_new(x, "quantity", cost_money(l->quantity));
        json_object_set_new(x, "unit", cost_jstr(l->unit));
        json_object_set_new(x, "unitPrice",
                            l->unit_usd >= 0 ? json_real(l->unit_usd) : json_null());
        json_object_set_new(x, "monthly",
                            l->unit_usd >= 0 ? cost_money(l->monthly_usd) : json_null());
        json_object_set_new(x, "source", cost_jstr(l->source));
        json_array_append_new(a, x);
    }
    json_object_set_new(o, "lines", a);
    json_object_set_new(o, "monthly", cost_money(e->monthly_usd));
    json_object_set_new(o, "incomplete", json_boolean(e->incomplete));
    json_object_set_new(o, "sources",
                        json_pack("{s:o,s:o}", "nodes", cost_jstr(e->node_source), "logs",
                                  cost_jstr(e->logs_source)));
    json_object_set_new(o, "fallbackReason", e->fallback ? cost_jstr(e->fallback) : json_null());
    json_t *as = json_array();
    for (size_t i = 0; i < e->n_assumptions; i++)
        json_array_append_new(as, cost_jstr(e->assumptions[i]));
    json_object_set_new(o, "assumptions", as);
    json_object_set_new(o, "hint", e->hint ? cost_jstr(e->hint) : json_null());
    return o;
}

/* ---- asynchronous ---- */

struct cost_slot;

struct cost_req {
    struct aws_client *c;
    cost_cb cb;
    void *arg;
    struct cost_input in; /* strings below are owned copies */
    char *subject, *region, *engine, *node_type;
    char *rg_id;
    bool use_api;
    struct aws_call *calls[8];
    struct cost_slot *slots[8]; /* log-group lookups in flight */
    size_t n_calls;
    size_t pending;
    int64_t retention_min; /* smallest retention of the destinations (0: never) */
    bool retention_known;
    double stored_bytes;
    bool stored_known;
};

static void cost_req_free(struct cost_req *r)
{
    for (size_t i = 0; i < r->n_calls; i++) {
        if (r->calls[i])
            aws_call_cancel(r->calls[i]);
        free(r->slots[i]);
    }
    free(r->subject);
    free(r->region);
    free(r->engine);
    free(r->node_type);
    free(r->rg_id);
    free(r);
}

void cost_cancel(struct cost_req *r)
{
    if (r)
        cost_req_free(r);
}

/* Forget a finished call's handle (the callback is running). */
static void cost_forget(struct cost_req *r, struct aws_call **slot)
{
    (void)r;
    *slot = NULL;
}

static void cost_finish(struct cost_req *r, const struct pricing_product_list *api,
                        const char *fallback)
{
    struct cost_estimate *e = cost_estimate_build(&r->in, api, fallback);
    cost_cb cb = r->cb;
    void *arg = r->arg;
    cost_req_free(r);
    cb(e, NULL, arg);
}

struct cost_slot {
    struct cost_req *r;
    size_t i;
};

static void cost_on_products(struct pricing_product_list *out, const struct aws_error *err,
                             void *arg)
{
    struct cost_req *r = arg;
    cost_forget(r, &r->calls[r->n_calls - 1]);
    if (!out) {
        char *m = aws_error_format(err);
        char *why = mem_xasprintf("the Price List API did not answer (%s)", m);
        free(m);
        cost_finish(r, NULL, why);
        free(why);
        return;
    }
    cost_finish(r, out, NULL);
    pricing_product_list_free(out);
}

static void cost_ask_prices(struct cost_req *r)
{
    const char *engine = cost_is_valkey(r->in.engine) ? "Valkey" : "Redis";
    struct pricing_filter f[3] = {
        {NULL, "instanceType", r->in.node_type},
        {NULL, "regionCode", r->in.region},
        {NULL, "cacheEngine", engine},
    };
    struct pricing_get_products_in in = {
        .service_code = "AmazonElastiCache",
        .filters = f,
        .n_filters = 3,
        .max_results = 100,
        .max_pages = 5,
    };
    r->calls[r->n_calls++] = pricing_get_products(r->c, &in, cost_on_products, r);
}

static struct cost_req *cost_req_new(struct aws_client *c, const struct cost_input *in, cost_cb cb,
                                     void *arg)
{
    struct cost_req *r = mem_xcalloc(1, sizeof(*r));
    r->c = c;
    r->cb = cb;
    r->arg = arg;
    r->in = *in;
    r->subject = mem_xstrdup(in->subject);
    r->region = mem_xstrdup(in->region ? in->region : aws_client_region(c));
    r->engine = mem_xstrdup(in->engine ? in->engine : "redis");
    r->node_type = mem_xstrdup(in->node_type);
    r->in.subject = r->subject;
    r->in.region = r->region;
    r->in.engine = r->engine;
    r->in.node_type = r->node_type;
    return r;
}

struct cost_req *cost_start(struct aws_client *c, const struct cost_input *in, cost_cb cb,
                            void *arg)
{
    if (!c || !in || !cb)
        return NULL;
    struct cost_req *r = cost_req_new(c, in, cb, arg);
    r->use_api = true;
    cost_ask_prices(r);
    if (!r->calls[0]) {
        cost_req_free(r);
        return NULL;
    }
    return r;
}

static void cost_group_ready(struct cost_req *r)
{
    if (r->pending)
        return;
    if (r->retention_known)
        r->in.retention_days = (int)r->retention_min;
    if (r->stored_known)
        r->in.stored_gb = r->stored_bytes / 1e9;
    if (r->use_api)
        cost_ask_prices(r);
    else
        cost_finish(r, NULL, "--offline: the built-in table was asked for");
}

static void cost_on_log_groups(struct logs_log_group_list *out, const struct aws_error *err,
                               void *arg)
{
    struct cost_slot *s = arg;
    struct cost_req *r = s->r;
    cost_forget(r, &r->calls[s->i]);
    const char *want = (const char *)(s + 1);
    (void)err; /* without the group's retention, the default assumption stays */
    for (size_t i = 0; out && i < out->n; i++) {
        const struct logs_log_group *g = &out->items[i];
        if (!g->name || strcmp(g->name, want) != 0)
            continue;
        int days = g->has_retention_in_days ? g->retention_in_days : 0;
        if (!r->retention_known || (days > 0 && (r->retention_min == 0 || days < r->retention_min)))
            r->retention_min = days;
        r->retention_known = true;
        if (g->has_stored_bytes) {
            r->stored_bytes += (double)g->stored_bytes;
            r->stored_known = true;
        }
    }
    logs_log_group_list_free(out);
    r->slots[s->i] = NULL;
    free(s);
    r->pending--;
    cost_group_ready(r);
}

static void cost_on_rg(struct elasticache_replication_group_list *out, const struct aws_error *err,
                       void *arg)
{
    struct cost_req *r = arg;
    cost_forget(r, &r->calls[0]);
    if (!out) {
        cost_cb cb = r->cb;
        void *a = r->arg;
        cost_req_free(r);
        cb(NULL, err, a);
        return;
    }
    const struct elasticache_replication_group *rg = NULL;
    for (size_t i = 0; i < out->n; i++)
        if (out->items[i].id && strcasecmp(out->items[i].id, r->rg_id) == 0)
            rg = &out->items[i];
    if (!rg) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_SERVICE, "ReplicationGroupNotFoundFault",
                      "Replication group %s not found.", r->rg_id);
        elasticache_replication_group_list_free(out);
        cost_cb cb = r->cb;
        void *a = r->arg;
        cost_req_free(r);
        cb(NULL, &e, a);
        aws_error_clear(&e);
        return;
    }
    free(r->subject);
    r->subject = mem_xasprintf("replication group %s", rg->id);
    r->in.subject = r->subject;
    free(r->engine);
    r->engine = mem_xstrdup(rg->engine ? rg->engine : "redis");
    r->in.engine = r->engine;
    free(r->node_type);
    r->node_type = mem_xstrdup(rg->cache_node_type);
    r->in.node_type = r->node_type;
    r->in.nodes = (int)rg->n_member_clusters;
    r->in.log_types = 0;
    r->in.retention_days = 365; /* until the log groups say otherwise */
    for (size_t i = 0; i < rg->n_log_delivery; i++) {
        const struct elasticache_log_delivery *d = &rg->log_delivery[i];
        if (!d->destination_type || strcmp(d->destination_type, "cloudwatch-logs") != 0 ||
            !d->log_group)
            continue;
        r->in.log_types++;
        if (r->n_calls >= sizeof(r->calls) / sizeof(r->calls[0]) - 1)
            continue;
        size_t nl = strlen(d->log_group);
        struct cost_slot *s = mem_xcalloc(1, sizeof(*s) + nl + 1);
        memcpy(s + 1, d->log_group, nl);
        s->r = r;
        s->i = r->n_calls;
        struct logs_describe_log_groups_in in = {.log_group_name_prefix = d->log_group};
        r->calls[r->n_calls++] = logs_describe_log_groups(r->c, &in, cost_on_log_groups, s);
        if (r->calls[s->i]) {
            r->slots[s->i] = s;
            r->pending++;
        } else {
            free(s);
        }
    }
    elasticache_replication_group_list_free(out);
    /* the first answer of a fresh chain never comes synchronously */
    if (!r->pending) {
        if (r->use_api)
            cost_ask_prices(r);
        else
            cost_finish(r, NULL, "--offline: the built-in table was asked for");
    }
}

struct cost_req *cost_start_group(struct aws_client *c, const char *rg_id, double log_gb_month,
                                  bool use_api, cost_cb cb, void *arg)
{
    if (!c || !rg_id || !cb)
        return NULL;
    struct cost_input in = {.log_gb_month = log_gb_month, .stored_gb = -1};
    struct cost_req *r = cost_req_new(c, &in, cb, arg);
    r->rg_id = mem_xstrdup(rg_id);
    r->use_api = use_api;
    struct elasticache_describe_replication_groups_in q = {.id = rg_id};
    r->calls[r->n_calls++] = elasticache_describe_replication_groups(c, &q, cost_on_rg, r);
    if (!r->calls[0]) {
        cost_req_free(r);
        return NULL;
    }
    return r;
}
