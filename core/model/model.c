/* model.c - the cluster model (see model.h). */
#include "core/model/model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rcluster.h"

#define MODEL_SLOTS 16384

/* Private deep copy of a Redis view. */
struct model_redis_copy {
    struct model_redis_view view; /* points into the arrays below */
    char *source;
    struct model_redis_node *nodes;
    struct model_redis_shard *shards;
    struct model_range **ranges; /* per shard */
};

/* ---- small helpers ---- */

static char *model_dup(const char *s)
{
    return s ? mem_xstrdup(s) : NULL;
}

static bool model_eq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static bool model_empty(const char *s)
{
    return !s || !*s;
}

static void model_endpoint_set(struct model_endpoint *e, const char *host, int port)
{
    free(e->host);
    e->host = model_dup(host);
    e->port = port;
}

static void model_endpoint_copy(struct model_endpoint *e, const struct elasticache_endpoint *s)
{
    if (s && s->address)
        model_endpoint_set(e, s->address, s->port);
}

static void model_endpoint_free(struct model_endpoint *e)
{
    free(e->host);
    e->host = NULL;
    e->port = 0;
}

static void model_probe_copy(struct model_probe *d, const struct model_probe *s)
{
    *d = *s;
    d->error = mem_xstrdup(s->error ? s->error : "");
    d->link = mem_xstrdup(s->link ? s->link : "");
}

static void model_probe_free(struct model_probe *p)
{
    free((char *)p->error);
    free((char *)p->link);
    memset(p, 0, sizeof(*p));
}

static char **model_strv(char *const *v, size_t n)
{
    if (!n)
        return NULL;
    char **out = mem_xcalloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = model_dup(v[i] ? v[i] : "");
    return out;
}

static void model_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static char *model_join(char *const *v, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_appendc(&b, ',');
        buf_appends(&b, v[i] ? v[i] : "");
    }
    return buf_steal(&b);
}

const char *model_role_name(enum model_role r)
{
    switch (r) {
    case MODEL_ROLE_PRIMARY:
        return "primary";
    case MODEL_ROLE_REPLICA:
        return "replica";
    case MODEL_ROLE_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *model_role_source_name(enum model_role_source s)
{
    switch (s) {
    case MODEL_ROLE_SRC_ASSUMED:
        return "assumed";
    case MODEL_ROLE_SRC_METRIC:
        return "metric";
    case MODEL_ROLE_SRC_API:
        return "api";
    case MODEL_ROLE_SRC_REDIS:
        return "redis";
    case MODEL_ROLE_SRC_EVENT:
        return "event";
    case MODEL_ROLE_SRC_NONE:
        break;
    }
    return "none";
}

const char *model_health_name(enum model_health h)
{
    switch (h) {
    case MODEL_HEALTH_ANSWERING:
        return "answering";
    case MODEL_HEALTH_SLOW:
        return "slow";
    case MODEL_HEALTH_DOWN:
        return "not-answering";
    case MODEL_HEALTH_UNKNOWN:
        break;
    }
    return "unknown";
}

void model_age_text(int64_t ms, char *out, size_t len)
{
    if (ms < 0)
        ms = 0;
    int64_t s = ms / 1000;
    if (s < 120)
        snprintf(out, len, "%llds", (long long)s);
    else if (s < 2 * 3600)
        snprintf(out, len, "%lldm", (long long)(s / 60));
    else if (s < 2 * 86400)
        snprintf(out, len, "%lldh", (long long)(s / 3600));
    else
        snprintf(out, len, "%lldd", (long long)(s / 86400));
}

void model_ping_text(int64_t us, char *out, size_t len)
{
    if (us < 0)
        snprintf(out, len, "-");
    else if (us < 10000)
        snprintf(out, len, "%.1f ms", (double)us / 1000.0);
    else if (us < 1000000)
        snprintf(out, len, "%lld ms", (long long)(us / 1000));
    else
        snprintf(out, len, "%.1f s", (double)us / 1e6);
}

void model_probe_text(const struct model_probe *p, int64_t now_ms, char *out, size_t len)
{
    char t[40], age[16];
    if (!p || !p->probed) {
        snprintf(out, len, "-");
        return;
    }
    switch (p->health) {
    case MODEL_HEALTH_ANSWERING:
    case MODEL_HEALTH_SLOW:
        model_ping_text(p->ping_us, t, sizeof(t));
        snprintf(out, len, "%s %s", p->health == MODEL_HEALTH_SLOW ? "slow" : "answering", t);
        return;
    case MODEL_HEALTH_DOWN:
        if (p->down_since_ms > 0) {
            awstime_format_iso8601(p->down_since_ms, t, sizeof(t));
            /* "2024-05-01T12:03:04.517Z" -> "12:03:04Z" */
            if (strlen(t) >= 19) {
                memmove(t, t + 11, 8);
                t[8] = 'Z';
                t[9] = '\0';
            }
            model_age_text(now_ms - p->down_since_ms, age, sizeof(age));
            snprintf(out, len, "not answering since %s (%s)", t, age);
        } else {
            snprintf(out, len, "not answering");
        }
        return;
    case MODEL_HEALTH_UNKNOWN:
        break;
    }
    snprintf(out, len, "-");
}

void model_role_origin(const struct model_node *n, int64_t now_ms, char *out, size_t len)
{
    if (!n || n->role_source == MODEL_ROLE_SRC_NONE) {
        snprintf(out, len, "none");
        return;
    }
    if (n->role_source == MODEL_ROLE_SRC_ASSUMED) {
        snprintf(out, len, "name");
        return;
    }
    if (n->role_ms <= 0) {
        snprintf(out, len, "%s", model_role_source_name(n->role_source));
        return;
    }
    char age[16];
    model_age_text(now_ms - n->role_ms, age, sizeof(age));
    snprintf(out, len, "%s %s", model_role_source_name(n->role_source), age);
}

const char *model_diff_kind_name(enum model_diff_kind k)
{
    switch (k) {
    case MODEL_DIFF_ROLE:
        return "role";
    case MODEL_DIFF_NOT_IN_REDIS:
        return "not-in-redis";
    case MODEL_DIFF_NOT_IN_API:
        return "not-in-api";
    case MODEL_DIFF_SLOTS:
        return "slots";
    case MODEL_DIFF_SHARD:
        return "shard";
    case MODEL_DIFF_HEALTH:
        return "health";
    case MODEL_DIFF_SHARD_UNKNOWN:
        return "shard-unknown";
    }
    return "unknown";
}

static enum model_role model_role_parse(const char *s)
{
    if (model_eq(s, "primary") || model_eq(s, "master"))
        return MODEL_ROLE_PRIMARY;
    if (model_eq(s, "replica") || model_eq(s, "slave"))
        return MODEL_ROLE_REPLICA;
    return MODEL_ROLE_UNKNOWN;
}

/* ---- slot ranges ---- */

static int model_range_cmp(const void *a, const void *b)
{
    const struct model_range *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Sort and merge overlapping or adjacent ranges in place; new count. */
static size_t model_ranges_normalize(struct model_range *r, size_t n)
{
    if (n < 2)
        return n;
    qsort(r, n, sizeof(*r), model_range_cmp);
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        if (r[i].start <= r[k].end + 1) {
            if (r[i].end > r[k].end)
                r[k].end = r[i].end;
        } else {
            r[++k] = r[i];
        }
    }
    return k + 1;
}

static bool model_parse_slot_num(const char *s, size_t len, int *out)
{
    if (len == 0 || len > 5)
        return false;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v >= MODEL_SLOTS)
        return false;
    *out = v;
    return true;
}

bool model_parse_slots(const char *text, struct model_range **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!text)
        return true;
    struct model_range *r = NULL;
    size_t cnt = 0, cap = 0;
    const char *p = text;
    for (;;) {
        while (*p == ',' || *p == ' ' || *p == ';' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *tok = p;
        while (*p && *p != ',' && *p != ' ' && *p != ';' && *p != '\t')
            p++;
        size_t len = (size_t)(p - tok);
        const char *dash = memchr(tok, '-', len);
        int a, b;
        bool ok;
        if (dash)
            ok = model_parse_slot_num(tok, (size_t)(dash - tok), &a) &&
                 model_parse_slot_num(dash + 1, len - (size_t)(dash - tok) - 1, &b) && a <= b;
        else
            ok = model_parse_slot_num(tok, len, &a) && ((b = a), true);
        if (!ok) {
            free(r);
            return false;
        }
        r = mem_xgrow(r, &cap, cnt + 1, sizeof(*r));
        r[cnt].start = a;
        r[cnt].end = b;
        cnt++;
    }
    *n = model_ranges_normalize(r, cnt);
    *out = r;
    return true;
}

char *model_format_ranges(const struct model_range *r, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_appendc(&b, ',');
        if (r[i].start == r[i].end)
            buf_printf(&b, "%d", r[i].start);
        else
            buf_printf(&b, "%d-%d", r[i].start, r[i].end);
    }
    return buf_steal(&b);
}

static bool model_ranges_equal(const struct model_range *a, size_t na, const struct model_range *b,
                               size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].start != b[i].start || a[i].end != b[i].end)
            return false;
    return true;
}

static bool model_ranges_hold(const struct model_range *r, size_t n, int slot)
{
    for (size_t i = 0; i < n; i++)
        if (slot >= r[i].start && slot <= r[i].end)
            return true;
    return false;
}

/* ---- member naming: "<rg>-NNNN-MMM" (cluster mode) or "<rg>-MMM" ---- */

static bool model_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int model_num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* shard: 1-based node group number (0 when the name has none). */
static bool model_parse_member(const char *rg, const char *cc, int *shard, int *member)
{
    if (!rg || !cc)
        return false;
    size_t rl = strlen(rg), cl = strlen(cc);
    if (cl <= rl + 1 || strncasecmp(cc, rg, rl) != 0 || cc[rl] != '-')
        return false;
    const char *t = cc + rl + 1;
    size_t tl = cl - rl - 1;
    if (tl == 8 && t[4] == '-' && model_digits(t, 4) && model_digits(t + 5, 3)) {
        *shard = model_num(t, 4);
        *member = model_num(t + 5, 3);
        return true;
    }
    if (tl == 3 && model_digits(t, 3)) {
        *shard = 0;
        *member = model_num(t, 3);
        return true;
    }
    return false;
}

/* ---- building ---- */

static size_t model_add_shard(struct model_group *g, const char *id)
{
    g->shards = mem_xrealloc(g->shards, (g->n_shards + 1) * sizeof(*g->shards));
    struct model_shard *s = &g->shards[g->n_shards];
    memset(s, 0, sizeof(*s));
    s->id = mem_xstrdup(id ? id : "?");
    return g->n_shards++;
}

static void model_shard_push(struct model_shard *s, size_t node)
{
    s->nodes = mem_xrealloc(s->nodes, (s->n_nodes + 1) * sizeof(*s->nodes));
    s->nodes[s->n_nodes++] = node;
}

static size_t model_add_node(struct model_group *g, size_t shard)
{
    g->nodes = mem_xrealloc(g->nodes, (g->n_nodes + 1) * sizeof(*g->nodes));
    struct model_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof(*n));
    n->shard = shard;
    model_shard_push(&g->shards[shard], g->n_nodes);
    return g->n_nodes++;
}

static void model_node_clear_redis(struct model_node *n)
{
    n->in_redis = false;
    free(n->redis_id);
    free(n->redis_host);
    free(n->redis_health);
    n->redis_id = n->redis_host = n->redis_health = NULL;
    n->redis_port = 0;
    n->redis_role = MODEL_ROLE_UNKNOWN;
    model_probe_free(&n->probe);
}

static void model_node_free(struct model_node *n)
{
    free(n->cache_cluster_id);
    free(n->cache_node_id);
    free(n->az);
    model_endpoint_free(&n->endpoint);
    model_endpoint_free(&n->read_endpoint);
    free(n->status);
    free(n->cluster_status);
    free(n->engine);
    free(n->engine_version);
    free(n->node_type);
    free(n->parameter_group);
    free(n->parameter_apply_status);
    free(n->outpost_arn);
    model_strv_free(n->addrs, n->n_addrs);
    model_node_clear_redis(n);
}

static void model_shard_free(struct model_shard *s)
{
    free(s->id);
    free(s->status);
    free(s->slots);
    free(s->ranges);
    free(s->redis_ranges);
    model_endpoint_free(&s->primary_endpoint);
    model_endpoint_free(&s->reader_endpoint);
    free(s->nodes);
}

static void model_diffs_free(struct model_group *g)
{
    for (size_t i = 0; i < g->n_diffs; i++) {
        struct model_diff *d = &g->diffs[i];
        free(d->shard);
        free(d->node);
        free(d->api);
        free(d->redis);
        free(d->text);
    }
    free(g->diffs);
    g->diffs = NULL;
    g->n_diffs = 0;
}

static void model_redis_copy_free(struct model_redis_copy *c)
{
    if (!c)
        return;
    free(c->source);
    for (size_t i = 0; i < c->view.n_nodes; i++) {
        free((char *)c->nodes[i].id);
        free((char *)c->nodes[i].host);
        free((char *)c->nodes[i].health);
        free((char *)c->nodes[i].cache_cluster_id);
        free((char *)c->nodes[i].cache_node_id);
        model_probe_free(&c->nodes[i].probe);
    }
    for (size_t i = 0; i < c->view.n_shards; i++)
        free(c->ranges[i]);
    free(c->ranges);
    free(c->nodes);
    free(c->shards);
    free(c);
}

static struct model_redis_copy *model_redis_copy_new(const struct model_redis_view *v)
{
    struct model_redis_copy *c = mem_xcalloc(1, sizeof(*c));
    c->source = mem_xstrdup(v->source ? v->source : "");
    c->view.source = c->source;
    c->view.fetched_ms = v->fetched_ms;
    c->view.cluster = v->cluster;
    if (v->n_nodes) {
        c->nodes = mem_xcalloc(v->n_nodes, sizeof(*c->nodes));
        for (size_t i = 0; i < v->n_nodes; i++) {
            const struct model_redis_node *s = &v->nodes[i];
            struct model_redis_node *d = &c->nodes[i];
            d->id = mem_xstrdup(s->id ? s->id : "");
            d->host = mem_xstrdup(s->host ? s->host : "");
            d->port = s->port;
            d->role = s->role;
            d->health = mem_xstrdup(s->health ? s->health : "");
            d->shard = s->shard >= 0 && (size_t)s->shard < v->n_shards ? s->shard : -1;
            d->cache_cluster_id = model_dup(s->cache_cluster_id);
            d->cache_node_id = model_dup(s->cache_node_id);
            model_probe_copy(&d->probe, &s->probe);
        }
    }
    if (v->n_shards) {
        c->shards = mem_xcalloc(v->n_shards, sizeof(*c->shards));
        c->ranges = mem_xcalloc(v->n_shards, sizeof(*c->ranges));
        for (size_t i = 0; i < v->n_shards; i++) {
            size_t n = v->shards[i].n_ranges;
            if (n) {
                c->ranges[i] = mem_xcalloc(n, sizeof(**c->ranges));
                memcpy(c->ranges[i], v->shards[i].ranges, n * sizeof(**c->ranges));
                n = model_ranges_normalize(c->ranges[i], n);
            }
            c->shards[i].ranges = c->ranges[i];
            c->shards[i].n_ranges = n;
        }
    }
    c->view.nodes = c->nodes;
    c->view.n_nodes = v->n_nodes;
    c->view.shards = c->shards;
    c->view.n_shards = v->n_shards;
    return c;
}

static void model_group_free(struct model_group *g)
{
    free(g->id);
    free(g->description);
    free(g->status);
    free(g->engine);
    free(g->engine_version);
    free(g->node_type);
    free(g->cluster_mode);
    model_endpoint_free(&g->configuration_endpoint);
    model_endpoint_free(&g->primary_endpoint);
    model_endpoint_free(&g->reader_endpoint);
    free(g->multi_az);
    free(g->automatic_failover);
    free(g->kms_key_id);
    free(g->transit_encryption_mode);
    model_strv_free(g->user_group_ids, g->n_user_group_ids);
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        struct model_log_delivery *l = &g->log_delivery[i];
        free(l->log_type);
        free(l->destination_type);
        free(l->destination);
        free(l->log_format);
        free(l->status);
        free(l->message);
    }
    free(g->log_delivery);
    free(g->snapshot_window);
    free(g->snapshotting_cluster_id);
    free(g->arn);
    model_strv_free(g->member_clusters, g->n_member_clusters);
    for (size_t i = 0; i < g->n_pending; i++) {
        free(g->pending[i].key);
        free(g->pending[i].value);
    }
    free(g->pending);
    for (size_t i = 0; i < g->n_tags; i++) {
        free(g->tags[i].key);
        free(g->tags[i].value);
    }
    free(g->tags);
    free(g->tags_error);
    free(g->data_tiering);
    free(g->network_type);
    free(g->ip_discovery);
    free(g->global_replication_group_id);
    free(g->global_replication_group_role);
    for (size_t i = 0; i < g->n_shards; i++)
        model_shard_free(&g->shards[i]);
    free(g->shards);
    for (size_t i = 0; i < g->n_nodes; i++)
        model_node_free(&g->nodes[i]);
    free(g->nodes);
    free(g->redis_source);
    free(g->redis_error);
    model_diffs_free(g);
    for (size_t i = 0; i < g->n_history; i++)
        free(g->history[i].node);
    free(g->history);
    model_redis_copy_free(g->redis);
    free(g);
}

struct model_group *model_group_ref(struct model_group *g)
{
    if (g)
        g->refs++;
    return g;
}

void model_group_unref(struct model_group *g)
{
    if (!g)
        return;
    if (g->refs > 1) {
        g->refs--;
        return;
    }
    model_group_free(g);
}

static void model_pending_add(struct model_group *g, const char *key, char *value)
{
    if (!value)
        return;
    g->pending = mem_xrealloc(g->pending, (g->n_pending + 1) * sizeof(*g->pending));
    g->pending[g->n_pending].key = mem_xstrdup(key);
    g->pending[g->n_pending].value = value;
    g->n_pending++;
}

static void model_pending_from_api(struct model_group *g, const struct elasticache_rg_pending *p)
{
    model_pending_add(g, "PrimaryClusterId", model_dup(p->primary_cluster_id));
    model_pending_add(g, "AutomaticFailoverStatus", model_dup(p->automatic_failover_status));
    if (p->has_slot_migration_progress)
        model_pending_add(g, "Resharding.SlotMigration.ProgressPercentage",
                          mem_xasprintf("%.1f", p->slot_migration_progress));
    model_pending_add(g, "AuthTokenStatus", model_dup(p->auth_token_status));
    if (p->n_user_group_ids_to_add)
        model_pending_add(g, "UserGroups.UserGroupIdsToAdd",
                          model_join(p->user_group_ids_to_add, p->n_user_group_ids_to_add));
    if (p->n_user_group_ids_to_remove)
        model_pending_add(g, "UserGroups.UserGroupIdsToRemove",
                          model_join(p->user_group_ids_to_remove, p->n_user_group_ids_to_remove));
    if (p->n_log_delivery) {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < p->n_log_delivery; i++) {
            const struct elasticache_log_delivery *l = &p->log_delivery[i];
            if (i)
                buf_appends(&b, ", ");
            buf_printf(&b, "%s %s %s %s", l->log_type ? l->log_type : "?",
                       l->destination_type ? l->destination_type : "?",
                       l->log_group         ? l->log_group
                       : l->delivery_stream ? l->delivery_stream
                                            : "?",
                       l->log_format ? l->log_format : "?");
        }
        model_pending_add(g, "PendingLogDeliveryConfiguration", buf_steal(&b));
        buf_free(&b);
    }
    if (p->has_transit_encryption_enabled)
        model_pending_add(g, "TransitEncryptionEnabled",
                          mem_xstrdup(p->transit_encryption_enabled ? "true" : "false"));
    model_pending_add(g, "TransitEncryptionMode", model_dup(p->transit_encryption_mode));
    model_pending_add(g, "ClusterMode", model_dup(p->cluster_mode));
}

static const struct elasticache_cache_node *
model_cc_node(const struct elasticache_cache_cluster *cc, const char *node_id)
{
    if (!cc || !cc->n_nodes)
        return NULL;
    for (size_t i = 0; i < cc->n_nodes; i++)
        if (node_id && cc->nodes[i].id && strcmp(cc->nodes[i].id, node_id) == 0)
            return &cc->nodes[i];
    return node_id ? NULL : &cc->nodes[0];
}

/* Fill a node from its cache cluster (DescribeCacheClusters). */
static void model_node_describe(struct model_node *n, const struct elasticache_cache_cluster *cc)
{
    n->described = true;
    n->cluster_status = model_dup(cc->status);
    n->engine = model_dup(cc->engine);
    n->engine_version = model_dup(cc->engine_version);
    n->node_type = model_dup(cc->cache_node_type);
    n->parameter_group = model_dup(cc->cache_parameter_group_name);
    n->parameter_apply_status = model_dup(cc->parameter_apply_status);
    if (!n->outpost_arn)
        n->outpost_arn = model_dup(cc->preferred_outpost_arn);
    n->create_time_ms = cc->create_time_ms;
    const struct elasticache_cache_node *cn = model_cc_node(cc, n->cache_node_id);
    if (!cn && cc->n_nodes == 1 && !n->cache_node_id)
        cn = &cc->nodes[0];
    if (cn) {
        if (!n->cache_node_id)
            n->cache_node_id = model_dup(cn->id);
        n->status = model_dup(cn->status);
        if (cn->create_time_ms)
            n->create_time_ms = cn->create_time_ms;
        if (cn->endpoint.address)
            model_endpoint_set(&n->endpoint, cn->endpoint.address, cn->endpoint.port);
        if (cn->customer_availability_zone) {
            free(n->az);
            n->az = mem_xstrdup(cn->customer_availability_zone);
        }
        if (cn->customer_outpost_arn) {
            free(n->outpost_arn);
            n->outpost_arn = mem_xstrdup(cn->customer_outpost_arn);
        }
    }
    if (!n->az && cc->preferred_availability_zone)
        n->az = mem_xstrdup(cc->preferred_availability_zone);
}

/* The shard a member cluster listed only in MemberClusters belongs to. */
static size_t model_shard_for_member(struct model_group *g, const char *cc)
{
    int shard = 0, member = 0;
    char id[16] = "0001";
    if (model_parse_member(g->id, cc, &shard, &member) && shard > 0)
        snprintf(id, sizeof(id), "%04d", shard);
    else if (g->cluster_enabled)
        snprintf(id, sizeof(id), "?");
    for (size_t i = 0; i < g->n_shards; i++)
        if (strcmp(g->shards[i].id, id) == 0)
            return i;
    size_t s = model_add_shard(g, id);
    g->shards[s].in_api = true;
    return s;
}

/* How much a primary's claim counts when a shard has several: the node's
 * own answer to ROLE, Redis's view of a healthy node, of an unhealthy one,
 * anything else. */
static int model_primary_rank(const struct model_node *n)
{
    if (n->role_source != MODEL_ROLE_SRC_REDIS)
        return 0;
    if (n->probe.probed && n->probe.role_own)
        return 3;
    if (model_empty(n->redis_health) || strcasecmp(n->redis_health, "online") == 0)
        return 2;
    return 1;
}

/* One primary per shard: when Redis names a primary, a weaker claim (the
 * API or the metric lagging behind a failover, the stale view of a node
 * that does not answer) is no primary: its role is unknown. A genuine
 * split (two nodes each answering ROLE "master") stays visible. */
static void model_one_primary(struct model_group *g)
{
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        int best = -1;
        size_t primaries = 0;
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            if (n->role != MODEL_ROLE_PRIMARY)
                continue;
            primaries++;
            if (model_primary_rank(n) > best)
                best = model_primary_rank(n);
        }
        if (primaries < 2 || best < 1)
            continue;
        for (size_t k = 0; k < sh->n_nodes; k++) {
            struct model_node *n = &g->nodes[sh->nodes[k]];
            if (n->role == MODEL_ROLE_PRIMARY && model_primary_rank(n) < best) {
                n->role = MODEL_ROLE_UNKNOWN;
                n->role_source = MODEL_ROLE_SRC_NONE;
                n->role_ms = 0;
            }
        }
    }
}

static void model_recompute(struct model_group *g)
{
    g->redis_trusted = g->redis && g->redis_fetched_ms + MODEL_REDIS_TRUST_MS >= g->fetched_ms;
    for (size_t i = 0; i < g->n_nodes; i++) {
        struct model_node *n = &g->nodes[i];
        if (n->in_redis && n->redis_role != MODEL_ROLE_UNKNOWN &&
            (g->redis_trusted || n->api_role_source <= MODEL_ROLE_SRC_ASSUMED)) {
            n->role = n->redis_role;
            n->role_source = MODEL_ROLE_SRC_REDIS;
            n->role_ms = n->probe.probed && n->probe.observed_ms > 0 ? n->probe.observed_ms
                                                                     : g->redis_fetched_ms;
        } else {
            n->role = n->api_role;
            n->role_source = n->api_role_source;
            n->role_ms = n->api_role_source >= MODEL_ROLE_SRC_METRIC ? n->api_role_ms : 0;
        }
    }
    model_one_primary(g);
}

/* Roles nobody stated: the only member of a shard is its primary; else
 * the member created first in each shard ("-001") is assumed primary, the
 * others replicas, when the naming says so. */
static void model_assume_roles(struct model_group *g)
{
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        bool any = false;
        for (size_t k = 0; k < sh->n_nodes; k++)
            if (g->nodes[sh->nodes[k]].api_role_source != MODEL_ROLE_SRC_NONE)
                any = true;
        if (any)
            continue;
        /* the only member of a shard is its primary: the API says as much */
        if (sh->n_nodes == 1 && strcmp(sh->id, "?") != 0) {
            struct model_node *n = &g->nodes[sh->nodes[0]];
            n->api_role = MODEL_ROLE_PRIMARY;
            n->api_role_source = MODEL_ROLE_SRC_API;
            n->api_role_ms = g->fetched_ms;
            continue;
        }
        for (size_t k = 0; k < sh->n_nodes; k++) {
            struct model_node *n = &g->nodes[sh->nodes[k]];
            int shard = 0, member = 0;
            if (!model_parse_member(g->id, n->cache_cluster_id, &shard, &member))
                continue;
            n->api_role = member == 1 ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA;
            n->api_role_source = MODEL_ROLE_SRC_ASSUMED;
        }
    }
}

/* The group's own settings as the API reports them. */
static void model_group_settings(struct model_group *g,
                                 const struct elasticache_replication_group *rg)
{
    g->id = mem_xstrdup(rg->id ? rg->id : "");
    g->description = model_dup(rg->description);
    g->status = model_dup(rg->status);
    g->engine = model_dup(rg->engine);
    g->engine_version = model_dup(rg->engine_version);
    g->node_type = model_dup(rg->cache_node_type);
    g->cluster_mode = model_dup(rg->cluster_mode);
    if (rg->has_cluster_enabled)
        g->cluster_enabled = rg->cluster_enabled;
    else
        g->cluster_enabled = model_eq(rg->cluster_mode, "enabled") || rg->n_node_groups > 1 ||
                             rg->configuration_endpoint.address != NULL;
    model_endpoint_copy(&g->configuration_endpoint, &rg->configuration_endpoint);
    g->multi_az = model_dup(rg->multi_az);
    g->automatic_failover = model_dup(rg->automatic_failover);
    g->multi_az_enabled = model_eq(rg->multi_az, "enabled");
    g->automatic_failover_enabled = model_eq(rg->automatic_failover, "enabled");
    g->has_at_rest_encryption = rg->has_at_rest_encryption_enabled;
    g->at_rest_encryption = rg->at_rest_encryption_enabled;
    g->kms_key_id = model_dup(rg->kms_key_id);
    g->has_transit_encryption = rg->has_transit_encryption_enabled;
    g->transit_encryption = rg->transit_encryption_enabled;
    g->transit_encryption_mode = model_dup(rg->transit_encryption_mode);
    g->has_auth_token_enabled = rg->has_auth_token_enabled;
    g->auth_token_enabled = rg->auth_token_enabled;
    g->auth_token_last_modified_ms = rg->auth_token_last_modified_ms;
    g->user_group_ids = model_strv(rg->user_group_ids, rg->n_user_group_ids);
    g->n_user_group_ids = rg->n_user_group_ids;
    if (rg->n_log_delivery) {
        g->log_delivery = mem_xcalloc(rg->n_log_delivery, sizeof(*g->log_delivery));
        for (size_t i = 0; i < rg->n_log_delivery; i++) {
            const struct elasticache_log_delivery *s = &rg->log_delivery[i];
            struct model_log_delivery *d = &g->log_delivery[g->n_log_delivery++];
            d->log_type = model_dup(s->log_type);
            d->destination_type = model_dup(s->destination_type);
            d->destination = model_dup(s->log_group ? s->log_group : s->delivery_stream);
            d->log_format = model_dup(s->log_format);
            d->status = model_dup(s->status);
            d->message = model_dup(s->message);
        }
    }
    g->has_snapshot_retention_limit = rg->has_snapshot_retention_limit;
    g->snapshot_retention_limit = rg->snapshot_retention_limit;
    g->snapshot_window = model_dup(rg->snapshot_window);
    g->snapshotting_cluster_id = model_dup(rg->snapshotting_cluster_id);
    g->has_auto_minor_version_upgrade = rg->has_auto_minor_version_upgrade;
    g->auto_minor_version_upgrade = rg->auto_minor_version_upgrade;
    g->arn = model_dup(rg->arn);
    g->member_clusters = model_strv(rg->member_clusters, rg->n_member_clusters);
    g->n_member_clusters = rg->n_member_clusters;
    if (rg->has_pending)
        model_pending_from_api(g, &rg->pending);
    g->create_time_ms = rg->create_time_ms;
    g->data_tiering = model_dup(rg->data_tiering);
    g->network_type = model_dup(rg->network_type);
    g->ip_discovery = model_dup(rg->ip_discovery);
    g->global_replication_group_id = model_dup(rg->global_replication_group_id);
    g->global_replication_group_role = model_dup(rg->global_replication_group_member_role);
}

/* The shards (node groups) and their members. */
static void model_group_shards(struct model_group *g,
                               const struct elasticache_replication_group *rg, int64_t fetched_ms)
{
    for (size_t i = 0; i < rg->n_node_groups; i++) {
        const struct elasticache_node_group *ng = &rg->node_groups[i];
        size_t s = model_add_shard(g, ng->node_group_id ? ng->node_group_id : "?");
        struct model_shard *sh = &g->shards[s];
        sh->in_api = true;
        sh->status = model_dup(ng->status);
        sh->slots = model_dup(ng->slots);
        if (!model_parse_slots(ng->slots, &sh->ranges, &sh->n_ranges)) {
            sh->ranges = NULL;
            sh->n_ranges = 0;
        }
        model_endpoint_copy(&sh->primary_endpoint, &ng->primary_endpoint);
        model_endpoint_copy(&sh->reader_endpoint, &ng->reader_endpoint);
        if (!g->primary_endpoint.host && ng->primary_endpoint.address)
            model_endpoint_copy(&g->primary_endpoint, &ng->primary_endpoint);
        if (!g->reader_endpoint.host && ng->reader_endpoint.address)
            model_endpoint_copy(&g->reader_endpoint, &ng->reader_endpoint);
        for (size_t j = 0; j < ng->n_members; j++) {
            const struct elasticache_node_group_member *m = &ng->members[j];
            if (!m->cache_cluster_id)
                continue;
            size_t k = model_add_node(g, s);
            struct model_node *n = &g->nodes[k];
            n->in_api = true;
            n->cache_cluster_id = mem_xstrdup(m->cache_cluster_id);
            n->cache_node_id = model_dup(m->cache_node_id);
            n->az = model_dup(m->preferred_availability_zone);
            n->outpost_arn = model_dup(m->preferred_outpost_arn);
            model_endpoint_copy(&n->read_endpoint, &m->read_endpoint);
            model_endpoint_copy(&n->endpoint, &m->read_endpoint);
            n->api_role = model_role_parse(m->current_role);
            n->api_role_source =
                n->api_role != MODEL_ROLE_UNKNOWN ? MODEL_ROLE_SRC_API : MODEL_ROLE_SRC_NONE;
            n->api_role_ms = fetched_ms;
        }
    }
}

/* Members the node groups do not list yet (creating, or an old API), what
 * DescribeCacheClusters says about each member, and the group's engine
 * and node type from its members when it does not say. */
static void model_group_members(struct model_group *g,
                                const struct elasticache_replication_group *rg,
                                const struct elasticache_cache_cluster_list *clusters)
{
    for (size_t i = 0; i < rg->n_member_clusters; i++) {
        const char *cc = rg->member_clusters[i];
        if (!cc || model_node_find(g, cc, NULL))
            continue;
        size_t s = model_shard_for_member(g, cc);
        size_t k = model_add_node(g, s);
        struct model_node *n = &g->nodes[k];
        n->in_api = true;
        n->cache_cluster_id = mem_xstrdup(cc);
    }
    /* what DescribeCacheClusters says about each member */
    if (clusters) {
        g->clusters_described = true;
        for (size_t i = 0; i < g->n_nodes; i++) {
            struct model_node *n = &g->nodes[i];
            const struct elasticache_cache_cluster *cc =
                elasticache_cache_cluster_find(clusters, n->cache_cluster_id);
            if (cc)
                model_node_describe(n, cc);
        }
    }
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (!g->engine && n->engine)
            g->engine = mem_xstrdup(n->engine);
        if (!g->engine_version && n->engine_version)
            g->engine_version = mem_xstrdup(n->engine_version);
        if (!g->node_type && n->node_type)
            g->node_type = mem_xstrdup(n->node_type);
    }
}

struct model_group *model_group_from_api(const struct elasticache_replication_group *rg,
                                         const struct elasticache_cache_cluster_list *clusters,
                                         int64_t fetched_ms)
{
    struct model_group *g = mem_xcalloc(1, sizeof(*g));
    g->refs = 1;
    g->fetched_ms = fetched_ms;
    model_group_settings(g, rg);
    model_group_shards(g, rg, fetched_ms);
    model_group_members(g, rg, clusters);
    model_assume_roles(g);
    g->n_api_shards = g->n_shards;
    g->n_api_nodes = g->n_nodes;
    model_recompute(g);
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].api_role_source == MODEL_ROLE_SRC_API)
            model_group_note_role(g, g->nodes[i].cache_cluster_id, g->nodes[i].api_role,
                                  MODEL_ROLE_SRC_API, fetched_ms);
    return g;
}

/* ---- role history ---- */

static bool model_fact_same(const struct model_role_fact *a, const struct model_role_fact *b)
{
    return a->kind == b->kind && a->role == b->role && a->before == b->before &&
           a->source == b->source && a->from_ms == b->from_ms && a->to_ms == b->to_ms &&
           model_eq(a->node, b->node);
}

static int64_t model_fact_end(const struct model_role_fact *f)
{
    return f->kind == MODEL_FACT_OBSERVED ? f->to_ms : f->from_ms;
}

/* Drop the oldest fact; the history no longer reaches before it. */
static void model_history_trim(struct model_group *g)
{
    size_t oldest = 0;
    for (size_t i = 1; i < g->n_history; i++)
        if (g->history[i].from_ms < g->history[oldest].from_ms)
            oldest = i;
    int64_t end = model_fact_end(&g->history[oldest]);
    if (g->history_to_ms > 0 && g->history_from_ms <= end)
        g->history_from_ms = end + 1;
    free(g->history[oldest].node);
    memmove(&g->history[oldest], &g->history[oldest + 1],
            (g->n_history - oldest - 1) * sizeof(*g->history));
    g->n_history--;
}

/* Append a copy of f (unless the history has it already). */
static void model_history_push(struct model_group *g, const struct model_role_fact *f)
{
    if (!f->node || !*f->node)
        return;
    for (size_t i = 0; i < g->n_history; i++)
        if (model_fact_same(&g->history[i], f))
            return;
    if (g->n_history >= MODEL_HISTORY_MAX)
        model_history_trim(g);
    g->history = mem_xrealloc(g->history, (g->n_history + 1) * sizeof(*g->history));
    struct model_role_fact *d = &g->history[g->n_history++];
    *d = *f;
    d->node = mem_xstrdup(f->node);
}

void model_group_note_role(struct model_group *g, const char *cache_cluster_id,
                           enum model_role role, enum model_role_source source, int64_t at_ms)
{
    if (!g || model_empty(cache_cluster_id) || role == MODEL_ROLE_UNKNOWN || at_ms <= 0)
        return;
    /* this source's newest fact about the node: extended when it says the
     * same role and nothing said otherwise since (one span per stable role
     * and source, however often it is observed) */
    struct model_role_fact *last = NULL;
    for (size_t i = 0; i < g->n_history; i++) {
        struct model_role_fact *f = &g->history[i];
        if (f->kind == MODEL_FACT_OBSERVED && f->source == source &&
            model_eq(f->node, cache_cluster_id) && (!last || f->to_ms > last->to_ms))
            last = f;
    }
    if (last && last->role == role && at_ms >= last->from_ms) {
        bool contradicted = false;
        for (size_t i = 0; i < g->n_history && !contradicted; i++) {
            const struct model_role_fact *f = &g->history[i];
            if (f == last || !model_eq(f->node, cache_cluster_id))
                continue;
            if (model_fact_end(f) >= last->to_ms && model_fact_end(f) <= at_ms &&
                (f->kind == MODEL_FACT_CHANGE || f->role != role))
                contradicted = true;
        }
        if (!contradicted) {
            if (at_ms > last->to_ms)
                last->to_ms = at_ms;
            return;
        }
    }
    struct model_role_fact f = {
        .kind = MODEL_FACT_OBSERVED,
        .node = (char *)cache_cluster_id,
        .role = role,
        .source = source,
        .from_ms = at_ms,
        .to_ms = at_ms,
    };
    model_history_push(g, &f);
}

void model_group_note_failover(struct model_group *g, int64_t at_ms, const char *old_primary,
                               const char *new_primary)
{
    if (!g || at_ms <= 0)
        return;
    struct model_role_fact f = {
        .kind = MODEL_FACT_CHANGE,
        .source = MODEL_ROLE_SRC_EVENT,
        .from_ms = at_ms,
        .to_ms = at_ms,
    };
    if (!model_empty(old_primary)) {
        f.node = (char *)old_primary;
        f.before = MODEL_ROLE_PRIMARY;
        f.role = MODEL_ROLE_REPLICA;
        model_history_push(g, &f);
    }
    if (!model_empty(new_primary)) {
        f.node = (char *)new_primary;
        f.before = MODEL_ROLE_REPLICA;
        f.role = MODEL_ROLE_PRIMARY;
        model_history_push(g, &f);
    }
}

/* The word after `lead` in msg, into out (a cache cluster id). */
static bool model_word_after(const char *msg, const char *lead, char *out, size_t len)
{
    const char *p = strstr(msg, lead);
    if (!p)
        return false;
    p += strlen(lead);
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    if (n == 0 || n >= len)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

bool model_parse_failover(const char *message, char *old_primary, size_t old_len, char *new_primary,
                          size_t new_len)
{
    if (!message || old_len == 0 || new_len == 0)
        return false;
    old_primary[0] = new_primary[0] = '\0';
    size_t ml = strlen(message);
    static const char done[] = " completed";
    if (ml < sizeof(done) || strcmp(message + ml - (sizeof(done) - 1), done) != 0)
        return false;
    if (strncmp(message, "Failover from primary node ", 27) == 0) {
        return model_word_after(message, "Failover from primary node ", old_primary, old_len) &&
               model_word_after(message, " to replica node ", new_primary, new_len);
    }
    if (strncmp(message, "Failover to replica node ", 25) == 0)
        return model_word_after(message, "Failover to replica node ", new_primary, new_len);
    return false;
}

size_t model_group_note_events(struct model_group *g, const int64_t *dates,
                               const char *const *messages, size_t n, int64_t from_ms,
                               int64_t to_ms)
{
    if (!g)
        return 0;
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        char old[128], neu[128];
        if (!model_parse_failover(messages[i], old, sizeof(old), neu, sizeof(neu)))
            continue;
        model_group_note_failover(g, dates[i], old, neu);
        found++;
    }
    if (from_ms > 0 && to_ms >= from_ms) {
        bool joins = g->history_to_ms > 0 && from_ms <= g->history_to_ms + 1 &&
                     to_ms + 1 >= g->history_from_ms;
        if (joins) {
            if (from_ms < g->history_from_ms)
                g->history_from_ms = from_ms;
            if (to_ms > g->history_to_ms)
                g->history_to_ms = to_ms;
        } else if (to_ms > g->history_to_ms) {
            g->history_from_ms = from_ms;
            g->history_to_ms = to_ms;
        }
    }
    return found;
}

static int model_fact_strength(enum model_role_source s)
{
    switch (s) {
    case MODEL_ROLE_SRC_REDIS:
        return 4;
    case MODEL_ROLE_SRC_EVENT:
        return 3;
    case MODEL_ROLE_SRC_API:
        return 2;
    case MODEL_ROLE_SRC_METRIC:
        return 1;
    case MODEL_ROLE_SRC_ASSUMED:
    case MODEL_ROLE_SRC_NONE:
        break;
    }
    return 0;
}

/* A change of the node's role known between a and b (exclusive of a,
 * inclusive of b when incl_b). */
static bool model_change_between(const struct model_group *g, const char *node, int64_t a,
                                 int64_t b, bool incl_b, const struct model_role_fact *self)
{
    for (size_t i = 0; i < g->n_history; i++) {
        const struct model_role_fact *f = &g->history[i];
        if (f == self || f->kind != MODEL_FACT_CHANGE || !model_eq(f->node, node))
            continue;
        if (f->from_ms > a && (f->from_ms < b || (incl_b && f->from_ms == b)))
            return true;
    }
    return false;
}

/* Every failover of [a, b] is known. */
static bool model_history_covers(const struct model_group *g, int64_t a, int64_t b)
{
    return g->history_to_ms > 0 && a >= g->history_from_ms && b <= g->history_to_ms;
}

enum model_role model_role_at(const struct model_group *g, const struct model_node *n,
                              int64_t at_ms, enum model_role_source *source)
{
    if (source)
        *source = MODEL_ROLE_SRC_NONE;
    if (!g || !n || model_empty(n->cache_cluster_id))
        return MODEL_ROLE_UNKNOWN;
    const char *id = n->cache_cluster_id;
    int64_t newest = INT64_MIN;
    for (size_t i = 0; i < g->n_history; i++)
        if (model_eq(g->history[i].node, id) && model_fact_end(&g->history[i]) > newest)
            newest = model_fact_end(&g->history[i]);
    enum model_role best = MODEL_ROLE_UNKNOWN;
    enum model_role_source best_src = MODEL_ROLE_SRC_NONE;
    int best_rank = -1;
    int64_t best_dist = 0;
    for (size_t i = 0; i < g->n_history; i++) {
        const struct model_role_fact *f = &g->history[i];
        if (!model_eq(f->node, id))
            continue;
        int rank = model_fact_strength(f->source);
        enum model_role role = MODEL_ROLE_UNKNOWN;
        int64_t dist = 0;
        int64_t end = model_fact_end(f);
        if (f->kind == MODEL_FACT_OBSERVED && f->from_ms <= at_ms && at_ms <= f->to_ms) {
            role = f->role;
            rank += 10;
        } else if (end <= at_ms) {
            /* forward from the fact: no change since, and every failover
             * since is known (or nothing newer is known at all) */
            if (model_change_between(g, id, end, at_ms, true, f))
                continue;
            if (!model_history_covers(g, end, at_ms) && end < newest)
                continue;
            role = f->role;
            dist = at_ms - end;
        } else {
            /* backward from the fact to at_ms */
            if (model_change_between(g, id, at_ms, f->from_ms, false, f))
                continue;
            if (!model_history_covers(g, at_ms, f->from_ms))
                continue;
            role = f->kind == MODEL_FACT_CHANGE ? f->before : f->role;
            dist = f->from_ms - at_ms;
        }
        if (role == MODEL_ROLE_UNKNOWN)
            continue;
        if (rank > best_rank || (rank == best_rank && dist < best_dist)) {
            best = role;
            best_src = f->source;
            best_rank = rank;
            best_dist = dist;
        }
    }
    if (source)
        *source = best_src;
    return best;
}

/* ---- Redis merge ---- */

static void model_diff_add(struct model_group *g, enum model_diff_kind kind, const char *shard,
                           const char *node, const char *api, const char *redis, char *text)
{
    g->diffs = mem_xrealloc(g->diffs, (g->n_diffs + 1) * sizeof(*g->diffs));
    struct model_diff *d = &g->diffs[g->n_diffs++];
    d->kind = kind;
    d->shard = model_dup(shard);
    d->node = model_dup(node);
    d->api = model_dup(api);
    d->redis = model_dup(redis);
    d->text = text;
    d->api_ms = g->fetched_ms;
    d->redis_ms = g->redis_fetched_ms;
}

/* Back to the API-only state: drop Redis-only nodes and shards, Redis
 * fields and diffs. */
static void model_strip_redis(struct model_group *g)
{
    for (size_t i = g->n_api_nodes; i < g->n_nodes; i++)
        model_node_free(&g->nodes[i]);
    g->n_nodes = g->n_api_nodes;
    for (size_t i = g->n_api_shards; i < g->n_shards; i++)
        model_shard_free(&g->shards[i]);
    g->n_shards = g->n_api_shards;
    for (size_t s = 0; s < g->n_shards; s++) {
        struct model_shard *sh = &g->shards[s];
        size_t k = 0;
        for (size_t i = 0; i < sh->n_nodes; i++)
            if (sh->nodes[i] < g->n_api_nodes)
                sh->nodes[k++] = sh->nodes[i];
        sh->n_nodes = k;
        free(sh->redis_ranges);
        sh->redis_ranges = NULL;
        sh->n_redis_ranges = 0;
    }
    for (size_t i = 0; i < g->n_nodes; i++)
        model_node_clear_redis(&g->nodes[i]);
    model_diffs_free(g);
    free(g->redis_source);
    g->redis_source = NULL;
    g->redis_fetched_ms = 0;
}

static bool model_node_has_addr(const struct model_node *n, const char *addr)
{
    for (size_t i = 0; i < n->n_addrs; i++)
        if (model_eq(n->addrs[i], addr))
            return true;
    return false;
}

static bool model_node_uses_port(const struct model_node *n, int port)
{
    return port > 0 && (n->endpoint.port == port || n->read_endpoint.port == port);
}

static bool model_endpoint_is(const struct model_endpoint *e, const char *host, int port)
{
    return e->host && model_eq(e->host, host) && e->port == port;
}

/* API node index for Redis node r, or -1. taken: API nodes already matched. */
static long model_match(const struct model_group *g, const struct model_redis_view *v, size_t r,
                        const bool *taken)
{
    const struct model_redis_node *rn = &v->nodes[r];
    long hit = -1;
    if (!model_empty(rn->cache_cluster_id)) {
        const struct model_node *n = model_node_find(g, rn->cache_cluster_id, rn->cache_node_id);
        if (n)
            hit = (long)model_node_index(g, n);
    }
    for (size_t i = 0; hit < 0 && i < g->n_api_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (model_endpoint_is(&n->endpoint, rn->host, rn->port) ||
            model_endpoint_is(&n->read_endpoint, rn->host, rn->port) ||
            (model_node_has_addr(n, rn->host) && model_node_uses_port(n, rn->port)))
            hit = (long)i;
    }
    if (hit < 0 && rn->port > 0) {
        size_t api_cnt = 0, redis_cnt = 0;
        long cand = -1;
        for (size_t i = 0; i < g->n_api_nodes; i++)
            if (model_node_uses_port(&g->nodes[i], rn->port)) {
                api_cnt++;
                cand = (long)i;
            }
        for (size_t i = 0; i < v->n_nodes; i++)
            if (v->nodes[i].port == rn->port)
                redis_cnt++;
        if (api_cnt == 1 && redis_cnt == 1)
            hit = cand;
    }
    if (hit >= 0 && (taken[hit] || (size_t)hit >= g->n_api_nodes))
        return -1;
    return hit;
}

static char *model_node_name(const struct model_node *n)
{
    if (n->cache_cluster_id)
        return mem_xstrdup(n->cache_cluster_id);
    return mem_xasprintf("%s:%d", n->redis_host ? n->redis_host : "?", n->redis_port);
}

static const char *model_node_api_status(const struct model_node *n)
{
    return n->status ? n->status : n->cluster_status;
}

/* A node's fields as Redis reports them. */
static void model_apply_node_fields(struct model_node *n, const struct model_redis_node *rn)
{
    n->in_redis = true;
    n->redis_id = mem_xstrdup(rn->id ? rn->id : "");
    n->redis_host = mem_xstrdup(rn->host ? rn->host : "");
    n->redis_port = rn->port;
    n->redis_role = rn->role;
    n->redis_health = mem_xstrdup(rn->health ? rn->health : "");
    model_probe_copy(&n->probe, &rn->probe);
}

/* Redis shard k -> API shard, by where its matched nodes are (-1: none). */
static long *model_apply_shard_map(const struct model_group *g, const struct model_redis_view *v,
                                   const long *match)
{
    long *shard_map = mem_xcalloc(v->n_shards + 1, sizeof(*shard_map));
    size_t *votes = mem_xcalloc(g->n_api_shards + 1, sizeof(*votes));
    for (size_t k = 0; k < v->n_shards; k++) {
        memset(votes, 0, (g->n_api_shards + 1) * sizeof(*votes));
        for (size_t r = 0; r < v->n_nodes; r++)
            if (v->nodes[r].shard == (int)k && match[r] >= 0)
                votes[g->nodes[match[r]].shard]++;
        long best = -1;
        for (size_t s = 0; s < g->n_api_shards; s++)
            if (votes[s] && (best < 0 || votes[s] > votes[best]))
                best = (long)s;
        shard_map[k] = best;
    }
    if (!v->cluster && g->n_api_shards == 1)
        for (size_t k = 0; k < v->n_shards; k++)
            shard_map[k] = 0;
    free(votes);
    return shard_map;
}

/* Slot ranges per API shard, from the Redis shards mapped to it. */
static void model_apply_ranges(struct model_group *g, const struct model_redis_view *v,
                               const long *shard_map)
{
    for (size_t k = 0; k < v->n_shards; k++) {
        if (shard_map[k] < 0 || !v->shards[k].n_ranges)
            continue;
        struct model_shard *sh = &g->shards[shard_map[k]];
        size_t n = sh->n_redis_ranges + v->shards[k].n_ranges;
        sh->redis_ranges = mem_xrealloc(sh->redis_ranges, n * sizeof(*sh->redis_ranges));
        memcpy(sh->redis_ranges + sh->n_redis_ranges, v->shards[k].ranges,
               v->shards[k].n_ranges * sizeof(*sh->redis_ranges));
        sh->n_redis_ranges = model_ranges_normalize(sh->redis_ranges, n);
    }
}

/* A shard only Redis knows (Redis shard k): added with its slots, and the
 * difference said. Its index. */
static size_t model_apply_extra_shard(struct model_group *g, const struct model_redis_view *v,
                                      size_t k)
{
    size_t ns = model_add_shard(g, "?");
    const struct model_redis_shard *rs = &v->shards[k];
    struct model_shard *sh = &g->shards[ns];
    if (rs->n_ranges) {
        sh->redis_ranges = mem_xcalloc(rs->n_ranges, sizeof(*sh->redis_ranges));
        memcpy(sh->redis_ranges, rs->ranges, rs->n_ranges * sizeof(*sh->redis_ranges));
        sh->n_redis_ranges = rs->n_ranges;
    }
    char *slots = model_format_ranges(rs->ranges, rs->n_ranges);
    model_diff_add(g, MODEL_DIFF_SHARD_UNKNOWN, NULL, NULL, NULL, slots,
                   mem_xasprintf("Redis reports a shard%s%s whose nodes the API does "
                                 "not list",
                                 *slots ? " serving slots " : "", slots));
    free(slots);
    return ns;
}

/* Nodes only Redis knows: added to their shard (one only Redis knows, or
 * a "?" shard for nodes of no shard), each with the difference. */
static void model_apply_extra_nodes(struct model_group *g, const struct model_redis_view *v,
                                    const long *match, const long *shard_map)
{
    long *extra_shard = mem_xcalloc(v->n_shards + 1, sizeof(*extra_shard));
    for (size_t k = 0; k < v->n_shards; k++)
        extra_shard[k] = -1;
    long orphan_shard = -1;
    for (size_t r = 0; r < v->n_nodes; r++) {
        if (match[r] >= 0)
            continue;
        const struct model_redis_node *rn = &v->nodes[r];
        long s = rn->shard >= 0 ? shard_map[rn->shard] : (g->n_api_shards == 1 ? 0 : -1);
        if (s < 0 && rn->shard >= 0) {
            if (extra_shard[rn->shard] < 0)
                extra_shard[rn->shard] = (long)model_apply_extra_shard(g, v, (size_t)rn->shard);
            s = extra_shard[rn->shard];
        }
        if (s < 0) {
            if (orphan_shard < 0)
                orphan_shard = (long)model_add_shard(g, "?");
            s = orphan_shard;
        }
        size_t k = model_add_node(g, (size_t)s);
        struct model_node *n = &g->nodes[k];
        model_apply_node_fields(n, rn);
        model_endpoint_set(&n->endpoint, rn->host, rn->port);
        char *name = model_node_name(n);
        model_diff_add(g, MODEL_DIFF_NOT_IN_API, g->shards[s].in_api ? g->shards[s].id : NULL, name,
                       NULL, model_role_name(rn->role),
                       mem_xasprintf("Redis reports %s node %s (id %.12s) that the API does not "
                                     "list",
                                     model_role_name(rn->role), name,
                                     rn->id && *rn->id ? rn->id : "?"));
        free(name);
    }
    free(extra_shard);
}

/* Where Redis and the API disagree about API node i: missing, role,
 * health. */
static void model_apply_node_diffs(struct model_group *g, size_t i)
{
    struct model_node *n = &g->nodes[i];
    const char *shard_id = g->shards[n->shard].id;
    const char *cc = n->cache_cluster_id ? n->cache_cluster_id : "?";
    if (!n->in_redis) {
        model_diff_add(
            g, MODEL_DIFF_NOT_IN_REDIS, shard_id, cc, model_node_api_status(n), NULL,
            mem_xasprintf("the API lists %s (status %s) but Redis does not report "
                          "it",
                          cc, model_node_api_status(n) ? model_node_api_status(n) : "unknown"));
        return;
    }
    if (n->api_role_source >= MODEL_ROLE_SRC_METRIC && n->api_role != MODEL_ROLE_UNKNOWN &&
        n->redis_role != MODEL_ROLE_UNKNOWN && n->api_role != n->redis_role)
        model_diff_add(g, MODEL_DIFF_ROLE, shard_id, cc, model_role_name(n->api_role),
                       model_role_name(n->redis_role),
                       mem_xasprintf("%s is %s per Redis but %s per the API (%s)%s", cc,
                                     model_role_name(n->redis_role), model_role_name(n->api_role),
                                     n->api_role_source == MODEL_ROLE_SRC_METRIC ? "IsMaster metric"
                                                                                 : "CurrentRole",
                                     n->redis_role == MODEL_ROLE_PRIMARY
                                         ? ": a failover the API has not caught up with yet?"
                                         : ""));
    if (n->probe.probed && n->probe.health == MODEL_HEALTH_DOWN &&
        (model_empty(n->redis_health) || strcasecmp(n->redis_health, "online") == 0)) {
        char why[200];
        snprintf(why, sizeof(why), "%s", n->probe.error ? n->probe.error : "");
        model_diff_add(
            g, MODEL_DIFF_HEALTH, shard_id, cc, model_node_api_status(n), "not-answering",
            mem_xasprintf("%s does not answer%s%s%s while the API says %s", cc, *why ? " (" : "",
                          why, *why ? ")" : "",
                          model_node_api_status(n) ? model_node_api_status(n) : "nothing"));
    }
    if (!model_empty(n->redis_health) && strcasecmp(n->redis_health, "online") != 0)
        model_diff_add(
            g, MODEL_DIFF_HEALTH, shard_id, cc, model_node_api_status(n), n->redis_health,
            mem_xasprintf("Redis reports %s as %s while the API says %s", cc, n->redis_health,
                          model_node_api_status(n) ? model_node_api_status(n) : "nothing"));
}

/* Cluster mode: nodes in another shard per Redis, shards serving other
 * slots per Redis. */
static void model_apply_cluster_diffs(struct model_group *g, const struct model_redis_view *v,
                                      const long *match, const long *shard_map)
{
    for (size_t r = 0; r < v->n_nodes; r++) {
        if (match[r] < 0 || v->nodes[r].shard < 0)
            continue;
        long rs = shard_map[v->nodes[r].shard];
        struct model_node *n = &g->nodes[match[r]];
        if (rs < 0 || (size_t)rs == n->shard)
            continue;
        model_diff_add(g, MODEL_DIFF_SHARD, g->shards[n->shard].id, n->cache_cluster_id,
                       g->shards[n->shard].id, g->shards[rs].id,
                       mem_xasprintf("%s is in shard %s per the API but with shard %s per "
                                     "Redis",
                                     n->cache_cluster_id, g->shards[n->shard].id,
                                     g->shards[rs].id));
    }
    for (size_t s = 0; s < g->n_api_shards; s++) {
        struct model_shard *sh = &g->shards[s];
        bool mapped = false;
        for (size_t k = 0; k < v->n_shards; k++)
            if (shard_map[k] == (long)s)
                mapped = true;
        if (!mapped || (!sh->n_ranges && !sh->slots))
            continue;
        if (model_ranges_equal(sh->ranges, sh->n_ranges, sh->redis_ranges, sh->n_redis_ranges))
            continue;
        char *a = model_format_ranges(sh->ranges, sh->n_ranges);
        char *b = model_format_ranges(sh->redis_ranges, sh->n_redis_ranges);
        model_diff_add(g, MODEL_DIFF_SLOTS, sh->id, NULL, a, b,
                       mem_xasprintf("shard %s serves slots %s per Redis but %s per the API",
                                     sh->id, *b ? b : "(none)", *a ? a : "(none)"));
        free(a);
        free(b);
    }
}

static void model_apply_redis(struct model_group *g)
{
    model_strip_redis(g);
    if (!g->redis) {
        model_recompute(g);
        return;
    }
    const struct model_redis_view *v = &g->redis->view;
    g->redis_fetched_ms = v->fetched_ms;
    g->redis_source = mem_xstrdup(v->source ? v->source : "");
    size_t n_api = g->n_api_nodes;
    bool *taken = mem_xcalloc(n_api + 1, sizeof(*taken));
    long *match = mem_xcalloc(v->n_nodes + 1, sizeof(*match));
    for (size_t r = 0; r < v->n_nodes; r++) {
        match[r] = model_match(g, v, r, taken);
        if (match[r] >= 0)
            taken[match[r]] = true;
    }
    long *shard_map = model_apply_shard_map(g, v, match);
    for (size_t r = 0; r < v->n_nodes; r++)
        if (match[r] >= 0)
            model_apply_node_fields(&g->nodes[match[r]], &v->nodes[r]);
    if (v->cluster)
        model_apply_ranges(g, v, shard_map);
    model_apply_extra_nodes(g, v, match, shard_map);
    for (size_t i = 0; i < n_api; i++)
        model_apply_node_diffs(g, i);
    if (v->cluster)
        model_apply_cluster_diffs(g, v, match, shard_map);
    free(shard_map);
    free(match);
    free(taken);
    model_recompute(g);
}

void model_group_merge_redis(struct model_group *g, const struct model_redis_view *v)
{
    if (!g || !v)
        return;
    model_redis_copy_free(g->redis);
    g->redis = model_redis_copy_new(v);
    model_apply_redis(g);
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (!n->in_redis || n->redis_role == MODEL_ROLE_UNKNOWN || !n->cache_cluster_id)
            continue;
        int64_t at = n->probe.probed && n->probe.role_own && n->probe.observed_ms > 0
                         ? n->probe.observed_ms
                         : v->fetched_ms;
        model_group_note_role(g, n->cache_cluster_id, n->redis_role, MODEL_ROLE_SRC_REDIS, at);
    }
}

void model_group_set_redis_error(struct model_group *g, const char *why, int64_t at_ms)
{
    if (!g)
        return;
    free(g->redis_error);
    g->redis_error = why ? mem_xstrdup(why) : NULL;
    g->redis_error_ms = why ? at_ms : 0;
}

/* Facts of src the history of dst does not have yet, oldest first. */
static void model_history_carry(struct model_group *dst, const struct model_group *src)
{
    struct model_role_fact *mine = dst->history;
    size_t n_mine = dst->n_history;
    dst->history = NULL;
    dst->n_history = 0;
    for (size_t i = 0; i < src->n_history; i++) {
        const struct model_role_fact *f = &src->history[i];
        model_history_push(dst, f);
    }
    for (size_t i = 0; i < n_mine; i++) {
        struct model_role_fact *f = &mine[i];
        if (f->kind == MODEL_FACT_OBSERVED)
            model_group_note_role(dst, f->node, f->role, f->source, f->from_ms);
        else
            model_history_push(dst, f);
        free(f->node);
    }
    free(mine);
    if (src->history_to_ms > 0 &&
        (dst->history_to_ms == 0 || src->history_from_ms < dst->history_from_ms))
        dst->history_from_ms = src->history_from_ms;
    if (src->history_to_ms > dst->history_to_ms)
        dst->history_to_ms = src->history_to_ms;
}

void model_group_carry_redis(struct model_group *dst, const struct model_group *src)
{
    if (!dst || !src || dst == src)
        return;
    if (!model_eq(dst->id, src->id))
        return;
    model_history_carry(dst, src);
    if (src->redis_error && !dst->redis_error)
        model_group_set_redis_error(dst, src->redis_error, src->redis_error_ms);
    if (!src->redis)
        return;
    model_redis_copy_free(dst->redis);
    dst->redis = model_redis_copy_new(&src->redis->view);
    model_apply_redis(dst);
}

bool model_group_set_is_master(struct model_group *g, const char *cache_cluster_id,
                               const char *cache_node_id, double value, int64_t when_ms)
{
    const struct model_node *c = model_node_find(g, cache_cluster_id, cache_node_id);
    if (!c)
        return false;
    struct model_node *n = &g->nodes[model_node_index(g, c)];
    if (n->api_role_source >= MODEL_ROLE_SRC_API)
        return true;
    n->api_role = value >= 0.5 ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA;
    n->api_role_source = MODEL_ROLE_SRC_METRIC;
    n->api_role_ms = when_ms;
    if (when_ms > g->role_metric_ms)
        g->role_metric_ms = when_ms;
    model_apply_redis(g);
    model_group_note_role(g, n->cache_cluster_id, n->api_role, MODEL_ROLE_SRC_METRIC, when_ms);
    return true;
}

/* ---- from an rcluster ---- */

struct model_redis_view_own {
    struct model_redis_view view; /* first: the caller sees only this */
    struct model_redis_copy *copy;
};

struct model_redis_view *model_redis_view_from_rcluster(const struct rcluster *cl, int64_t now_ms)
{
    struct rcluster_info info;
    rcluster_get_info(cl, &info);
    size_t nn = rcluster_node_count(cl);
    struct model_redis_node *nodes = mem_xcalloc(nn + 1, sizeof(*nodes));
    size_t n = 0;
    int max_shard = -1;
    for (size_t i = 0; i < nn; i++) {
        struct rcluster_node_info ni;
        if (!rcluster_node_at(cl, i, &ni))
            continue;
        struct model_redis_node *d = &nodes[n++];
        d->id = ni.id;
        d->host = ni.host;
        d->port = ni.port;
        d->role = ni.role == RCLUSTER_ROLE_PRIMARY   ? MODEL_ROLE_PRIMARY
                  : ni.role == RCLUSTER_ROLE_REPLICA ? MODEL_ROLE_REPLICA
                                                     : MODEL_ROLE_UNKNOWN;
        d->health = ni.health;
        d->shard = ni.shard;
        d->cache_cluster_id = ni.cache_cluster_id;
        d->cache_node_id = ni.cache_node_id;
        if (ni.shard > max_shard)
            max_shard = ni.shard;
    }
    size_t ns = info.shards > (size_t)(max_shard + 1) ? info.shards : (size_t)(max_shard + 1);
    struct model_redis_shard *shards = mem_xcalloc(ns + 1, sizeof(*shards));
    struct model_range **ranges = mem_xcalloc(ns + 1, sizeof(*ranges));
    for (size_t s = 0; s < ns; s++) {
        const int(*r)[2] = NULL;
        size_t k = rcluster_shard_ranges(cl, s, &r);
        if (k && r) {
            ranges[s] = mem_xcalloc(k, sizeof(**ranges));
            for (size_t j = 0; j < k; j++) {
                ranges[s][j].start = r[j][0];
                ranges[s][j].end = r[j][1];
            }
        }
        shards[s].ranges = ranges[s];
        shards[s].n_ranges = ranges[s] ? k : 0;
    }
    struct model_redis_view tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.source = info.map_source ? info.map_source : "";
    tmp.fetched_ms = now_ms - (int64_t)info.map_age_ms;
    tmp.cluster = info.mode == RCLUSTER_CLUSTER;
    tmp.nodes = nodes;
    tmp.n_nodes = n;
    tmp.shards = shards;
    tmp.n_shards = ns;
    struct model_redis_view_own *own = mem_xcalloc(1, sizeof(*own));
    own->copy = model_redis_copy_new(&tmp);
    own->view = own->copy->view;
    for (size_t s = 0; s < ns; s++)
        free(ranges[s]);
    free(ranges);
    free(shards);
    free(nodes);
    return &own->view;
}

void model_redis_view_free(struct model_redis_view *v)
{
    if (!v)
        return;
    struct model_redis_view_own *own = (struct model_redis_view_own *)v;
    model_redis_copy_free(own->copy);
    free(own);
}

/* ---- lookups ---- */

size_t model_node_index(const struct model_group *g, const struct model_node *n)
{
    return (size_t)(n - g->nodes);
}

const struct model_node *model_node_find(const struct model_group *g, const char *cache_cluster_id,
                                         const char *cache_node_id)
{
    if (!g || !cache_cluster_id)
        return NULL;
    const struct model_node *first = NULL;
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (!model_eq(n->cache_cluster_id, cache_cluster_id))
            continue;
        if (model_empty(cache_node_id))
            return n;
        if (n->cache_node_id && strcmp(n->cache_node_id, cache_node_id) == 0)
            return n;
        /* a member whose node id the API did not give */
        if (!n->cache_node_id && !first)
            first = n;
    }
    return first;
}

const struct model_node *model_node_by_endpoint(const struct model_group *g, const char *host,
                                                int port)
{
    if (!g || model_empty(host))
        return NULL;
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (model_endpoint_is(&n->endpoint, host, port) ||
            model_endpoint_is(&n->read_endpoint, host, port))
            return n;
    }
    return NULL;
}

const struct model_node *model_node_by_addr(const struct model_group *g, const char *addr, int port)
{
    if (!g || model_empty(addr) || port <= 0)
        return NULL;
    const struct model_node *n = model_node_by_endpoint(g, addr, port);
    if (n)
        return n;
    for (size_t i = 0; i < g->n_nodes; i++) {
        n = &g->nodes[i];
        if (model_node_has_addr(n, addr) &&
            (model_node_uses_port(n, port) || n->redis_port == port))
            return n;
    }
    for (size_t i = 0; i < g->n_nodes; i++) {
        n = &g->nodes[i];
        if (n->in_redis && model_eq(n->redis_host, addr) && n->redis_port == port)
            return n;
    }
    const struct model_node *cand = NULL;
    size_t cnt = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
        n = &g->nodes[i];
        if (model_node_uses_port(n, port) || (n->in_redis && n->redis_port == port)) {
            cnt++;
            cand = n;
        }
    }
    return cnt == 1 ? cand : NULL;
}

void model_node_add_addr(struct model_group *g, const struct model_node *c, const char *addr)
{
    if (!g || !c || model_empty(addr) || model_node_has_addr(c, addr))
        return;
    struct model_node *n = &g->nodes[model_node_index(g, c)];
    n->addrs = mem_xrealloc(n->addrs, (n->n_addrs + 2) * sizeof(*n->addrs));
    n->addrs[n->n_addrs++] = mem_xstrdup(addr);
    n->addrs[n->n_addrs] = NULL;
}

int model_shard_of_slot(const struct model_group *g, int slot)
{
    if (!g || slot < 0 || slot >= MODEL_SLOTS || !g->n_shards)
        return -1;
    if (!g->cluster_enabled)
        return 0;
    if (g->redis_trusted && g->redis && g->redis->view.cluster) {
        for (size_t s = 0; s < g->n_shards; s++)
            if (model_ranges_hold(g->shards[s].redis_ranges, g->shards[s].n_redis_ranges, slot))
                return (int)s;
        return -1;
    }
    for (size_t s = 0; s < g->n_shards; s++)
        if (model_ranges_hold(g->shards[s].ranges, g->shards[s].n_ranges, slot))
            return (int)s;
    return -1;
}

const struct model_node *model_shard_primary(const struct model_group *g, size_t s)
{
    if (!g || s >= g->n_shards)
        return NULL;
    const struct model_shard *sh = &g->shards[s];
    for (size_t k = 0; k < sh->n_nodes; k++)
        if (g->nodes[sh->nodes[k]].role == MODEL_ROLE_PRIMARY)
            return &g->nodes[sh->nodes[k]];
    return NULL;
}

void model_group_role_counts(const struct model_group *g, size_t *primaries, size_t *replicas,
                             size_t *unknown)
{
    size_t p = 0, r = 0, u = 0;
    for (size_t i = 0; g && i < g->n_nodes; i++) {
        if (g->nodes[i].role == MODEL_ROLE_PRIMARY)
            p++;
        else if (g->nodes[i].role == MODEL_ROLE_REPLICA)
            r++;
        else
            u++;
    }
    if (primaries)
        *primaries = p;
    if (replicas)
        *replicas = r;
    if (unknown)
        *unknown = u;
}

static void model_copy_label(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

bool model_label(void *ctx, const char *cache_cluster_id, const char *cache_node_id, int64_t at_ms,
                 struct logrec_labels *out)
{
    const struct model_group *g = ctx;
    const struct model_node *n = model_node_find(g, cache_cluster_id, cache_node_id);
    if (!n)
        return false;
    memset(out, 0, sizeof(*out));
    const struct model_shard *sh = &g->shards[n->shard];
    model_copy_label(out->shard, sizeof(out->shard), sh->in_api ? sh->id : "");
    if (at_ms > 0) {
        /* the role the node had then; unknown where the history does not
         * reach back (never the role it has now) */
        enum model_role r = model_role_at(g, n, at_ms, NULL);
        model_copy_label(out->role, sizeof(out->role),
                         r == MODEL_ROLE_UNKNOWN ? MODEL_ROLE_AT_UNKNOWN : model_role_name(r));
    } else if (n->role != MODEL_ROLE_UNKNOWN && n->role_source >= MODEL_ROLE_SRC_METRIC) {
        /* a guessed role is no label: filters by role must not act on it */
        model_copy_label(out->role, sizeof(out->role), model_role_name(n->role));
    }
    model_copy_label(out->az, sizeof(out->az), n->az);
    return true;
}

size_t model_rcluster_names(const struct model_group *g, struct rcluster_name *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; g && i < g->n_nodes && k < max; i++) {
        const struct model_node *n = &g->nodes[i];
        if (!n->endpoint.host || !n->cache_cluster_id)
            continue;
        out[k].host = n->endpoint.host;
        out[k].port = n->endpoint.port;
        out[k].cache_cluster_id = n->cache_cluster_id;
        out[k].cache_node_id = n->cache_node_id ? n->cache_node_id : "";
        k++;
    }
    return k;
}

void model_group_set_tags(struct model_group *g, const char *const *keys, const char *const *values,
                          size_t n)
{
    for (size_t i = 0; i < g->n_tags; i++) {
        free(g->tags[i].key);
        free(g->tags[i].value);
    }
    free(g->tags);
    g->tags = mem_xcalloc(n + 1, sizeof(*g->tags));
    for (size_t i = 0; i < n; i++) {
        g->tags[i].key = mem_xstrdup(keys[i] ? keys[i] : "");
        g->tags[i].value = mem_xstrdup(values[i] ? values[i] : "");
    }
    g->n_tags = n;
    g->tags_read = true;
    free(g->tags_error);
    g->tags_error = NULL;
}

void model_group_set_tags_error(struct model_group *g, const char *why)
{
    free(g->tags_error);
    g->tags_error = mem_xstrdup(why);
    g->tags_read = false;
}
