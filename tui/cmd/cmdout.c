/* cmdout.c - tables, JSON, errors and the loop for the subcommands. */
#include "tui/cmd/cmdout.h"

#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/awsjson.h"
#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/logs/logrec.h"
#include "tui/cli.h"

/* ---- tables ---- */

struct cmdout_table {
    size_t ncols;
    char **titles;
    bool *right;
    char **cells; /* rows x ncols, terminal-safe */
    size_t nrows;
    size_t cur; /* cells filled in the last row */
};

char *cmdout_safe(const char *s)
{
    struct buf b;
    buf_init(&b, 0);
    logrec_safe_appends(&b, s ? s : "");
    char *out = buf_steal(&b);
    buf_free(&b);
    return out;
}

struct cmdout_table *cmdout_table_new(const char *const *titles, size_t n)
{
    struct cmdout_table *t = mem_xcalloc(1, sizeof(*t));
    t->ncols = n;
    t->titles = mem_xcalloc(n, sizeof(char *));
    t->right = mem_xcalloc(n, sizeof(bool));
    for (size_t i = 0; i < n; i++)
        t->titles[i] = cmdout_safe(titles[i]);
    return t;
}

void cmdout_table_free(struct cmdout_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->titles[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->titles);
    free(t->right);
    free(t->cells);
    free(t);
}

void cmdout_table_right(struct cmdout_table *t, size_t col)
{
    if (col < t->ncols)
        t->right[col] = true;
}

void cmdout_table_row(struct cmdout_table *t)
{
    t->cells = mem_xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *) + 1);
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = NULL;
    t->nrows++;
    t->cur = 0;
}

void cmdout_table_cell(struct cmdout_table *t, const char *text)
{
    if (!t->nrows || t->cur >= t->ncols)
        return;
    t->cells[(t->nrows - 1) * t->ncols + t->cur++] = cmdout_safe(text ? text : "-");
}

void cmdout_table_cellf(struct cmdout_table *t, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    cmdout_table_cell(t, buf_str(&b));
    buf_free(&b);
}

size_t cmdout_table_rows(const struct cmdout_table *t)
{
    return t ? t->nrows : 0;
}

/* Columns a terminal uses for s (code points; s is terminal-safe). */
static size_t cmdout_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

static void cmdout_rule(FILE *f, const size_t *w, size_t n)
{
    fputc('+', f);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < w[i] + 2; k++)
            fputc('-', f);
        fputc('+', f);
    }
    fputc('\n', f);
}

static void cmdout_line(FILE *f, char *const *cells, const size_t *w, const bool *right, size_t n)
{
    fputc('|', f);
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t pad = w[i] - cmdout_width(c);
        fputc(' ', f);
        if (right && right[i])
            for (size_t k = 0; k < pad; k++)
                fputc(' ', f);
        fputs(c, f);
        if (!right || !right[i])
            for (size_t k = 0; k < pad; k++)
                fputc(' ', f);
        fputs(" |", f);
    }
    fputc('\n', f);
}

void cmdout_table_print(const struct cmdout_table *t, FILE *f)
{
    size_t *w = mem_xcalloc(t->ncols + 1, sizeof(*w));
    for (size_t i = 0; i < t->ncols; i++)
        w[i] = cmdout_width(t->titles[i]);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncols; i++) {
            size_t cw = cmdout_width(t->cells[r * t->ncols + i]);
            if (cw > w[i])
                w[i] = cw;
        }
    cmdout_rule(f, w, t->ncols);
    cmdout_line(f, t->titles, w, NULL, t->ncols);
    cmdout_rule(f, w, t->ncols);
    for (size_t r = 0; r < t->nrows; r++)
        cmdout_line(f, &t->cells[r * t->ncols], w, t->right, t->ncols);
    if (t->nrows)
        cmdout_rule(f, w, t->ncols);
    free(w);
}

void cmdout_kv(FILE *f, const char *key, const char *value)
{
    char *v = cmdout_safe(value ? value : "-");
    fprintf(f, "  %-19s %s\n", key, v);
    free(v);
}

void cmdout_kvf(FILE *f, const char *key, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    cmdout_kv(f, key, buf_str(&b));
    buf_free(&b);
}

/* ---- JSON ---- */

json_t *cmdout_jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = awsjson_string_lossy(s, strlen(s));
    return j ? j : json_null();
}

void cmdout_jrole(json_t *o, const struct model_node *n)
{
    json_object_set_new(o, "role",
                        n->role == MODEL_ROLE_UNKNOWN ? json_null()
                                                      : json_string(model_role_name(n->role)));
    json_object_set_new(o, "roleSource", json_string(model_role_source_name(n->role_source)));
}

json_t *cmdout_jtime(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char t[40];
    awstime_format_iso8601(ms, t, sizeof(t));
    return json_string(t);
}

json_t *cmdout_jendpoint(const struct model_endpoint *e)
{
    if (!e || !e->host)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "address", cmdout_jstr(e->host));
    json_object_set_new(o, "port", json_integer(e->port));
    return o;
}

int cmdout_json_print(json_t *root, FILE *f)
{
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || fputc('\n', f) == EOF || fflush(f) != 0)
        return -1;
    return 0;
}

static json_t *cmdout_jbool(bool has, bool v)
{
    return has ? json_boolean(v) : json_null();
}

static json_t *cmdout_jranges(const struct model_range *r, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array();
        json_array_append_new(p, json_integer(r[i].start));
        json_array_append_new(p, json_integer(r[i].end));
        json_array_append_new(a, p);
    }
    return a;
}

json_t *cmdout_group_summary_json(const struct model_group *g)
{
    json_t *o = json_object();
    size_t n_api_nodes = g->n_api_nodes;
    json_object_set_new(o, "replicationGroupId", cmdout_jstr(g->id));
    json_object_set_new(o, "status", cmdout_jstr(g->status));
    json_object_set_new(o, "engine", cmdout_jstr(g->engine));
    json_object_set_new(o, "engineVersion", cmdout_jstr(g->engine_version));
    json_object_set_new(o, "cacheNodeType", cmdout_jstr(g->node_type));
    json_object_set_new(o, "clusterEnabled", json_boolean(g->cluster_enabled));
    json_object_set_new(o, "clusterMode", cmdout_jstr(g->cluster_mode));
    json_object_set_new(o, "shards", json_integer((json_int_t)g->n_api_shards));
    json_object_set_new(o, "nodes", json_integer((json_int_t)n_api_nodes));
    json_object_set_new(o, "multiAZ", cmdout_jstr(g->multi_az));
    json_object_set_new(o, "automaticFailover", cmdout_jstr(g->automatic_failover));
    json_object_set_new(o, "atRestEncryptionEnabled",
                        cmdout_jbool(g->has_at_rest_encryption, g->at_rest_encryption));
    json_object_set_new(o, "transitEncryptionEnabled",
                        cmdout_jbool(g->has_transit_encryption, g->transit_encryption));
    json_object_set_new(o, "transitEncryptionMode", cmdout_jstr(g->transit_encryption_mode));
    json_object_set_new(o, "authTokenEnabled",
                        cmdout_jbool(g->has_auth_token_enabled, g->auth_token_enabled));
    return o;
}

static json_t *cmdout_jcount(long long v)
{
    return v < 0 ? json_null() : json_integer((json_int_t)v);
}

/* What the observation engine found on a node (core/redis/observe.h). */
static json_t *cmdout_probe_json(const struct model_probe *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "health", json_string(model_health_name(p->health)));
    json_object_set_new(o, "pingMs",
                        p->ping_us >= 0 ? json_real((double)p->ping_us / 1000.0) : json_null());
    json_object_set_new(o, "notAnsweringSince",
                        cmdout_jtime(p->health == MODEL_HEALTH_DOWN ? p->down_since_ms : 0));
    json_object_set_new(o, "error", cmdout_jstr(p->error && *p->error ? p->error : NULL));
    json_object_set_new(o, "lastAnswerAt", cmdout_jtime(p->answered_ms));
    json_object_set_new(o, "roleOwn", json_boolean(p->role_own));
    json_object_set_new(o, "link", cmdout_jstr(p->link && *p->link ? p->link : NULL));
    json_object_set_new(o, "replicationOffset", cmdout_jcount(p->offset));
    json_object_set_new(o, "lagBytes", cmdout_jcount(p->lag_bytes));
    json_object_set_new(o, "lagSeconds", cmdout_jcount(p->lag_s));
    json_object_set_new(o, "observedAt", cmdout_jtime(p->observed_ms));
    return o;
}

static json_t *cmdout_node_json(const struct model_group *g, const struct model_node *n,
                                int64_t now_ms)
{
    json_t *o = json_object();
    json_object_set_new(o, "cacheClusterId", cmdout_jstr(n->cache_cluster_id));
    json_object_set_new(o, "cacheNodeId", cmdout_jstr(n->cache_node_id));
    json_object_set_new(o, "nodeGroupId", cmdout_jstr(g->shards[n->shard].id));
    json_object_set_new(o, "availabilityZone", cmdout_jstr(n->az));
    cmdout_jrole(o, n);
    char origin[48];
    model_role_origin(n, now_ms, origin, sizeof(origin));
    json_object_set_new(o, "roleFrom", json_string(origin));
    json_object_set_new(o, "roleObservedAt", cmdout_jtime(n->role_ms));
    json_object_set_new(o, "endpoint", cmdout_jendpoint(&n->endpoint));
    json_object_set_new(o, "readEndpoint", cmdout_jendpoint(&n->read_endpoint));
    json_object_set_new(o, "status", cmdout_jstr(n->status));
    json_object_set_new(o, "cacheClusterStatus", cmdout_jstr(n->cluster_status));
    json_object_set_new(o, "createTime", cmdout_jtime(n->create_time_ms));
    json_object_set_new(o, "engine", cmdout_jstr(n->engine));
    json_object_set_new(o, "engineVersion", cmdout_jstr(n->engine_version));
    json_object_set_new(o, "cacheNodeType", cmdout_jstr(n->node_type));
    json_object_set_new(o, "cacheParameterGroup", cmdout_jstr(n->parameter_group));
    json_object_set_new(o, "parameterApplyStatus", cmdout_jstr(n->parameter_apply_status));
    json_object_set_new(o, "inApi", json_boolean(n->in_api));
    json_object_set_new(o, "described", json_boolean(n->described));
    if (n->in_redis) {
        json_t *r = json_object();
        json_object_set_new(r, "id", cmdout_jstr(n->redis_id));
        json_object_set_new(r, "host", cmdout_jstr(n->redis_host));
        json_object_set_new(r, "port", json_integer(n->redis_port));
        json_object_set_new(r, "role", json_string(model_role_name(n->redis_role)));
        json_object_set_new(r, "health", cmdout_jstr(n->redis_health));
        if (n->probe.probed)
            json_object_set_new(r, "probe", cmdout_probe_json(&n->probe));
        json_object_set_new(o, "redis", r);
    }
    return o;
}

static json_t *cmdout_placement_json(const struct model_group *g, const struct placement *p)
{
    json_t *o = json_object();
    json_t *azs = json_array();
    for (size_t a = 0; a < p->n_azs; a++) {
        json_t *z = json_object();
        json_object_set_new(z, "name", cmdout_jstr(p->azs[a].name));
        json_object_set_new(z, "nodes", json_integer((json_int_t)p->azs[a].nodes));
        json_object_set_new(z, "primaries", json_integer((json_int_t)p->azs[a].primaries));
        json_object_set_new(z, "replicas", json_integer((json_int_t)p->azs[a].replicas));
        json_array_append_new(azs, z);
    }
    json_object_set_new(o, "availabilityZones", azs);
    json_t *rows = json_array();
    for (size_t s = 0; s < p->n_shards; s++) {
        json_t *row = json_object();
        json_object_set_new(row, "nodeGroupId", cmdout_jstr(g->shards[s].id));
        json_t *cells = json_array();
        for (size_t a = 0; a < p->n_azs; a++) {
            const struct placement_cell *c = placement_cell(p, s, a);
            json_t *cell = json_object();
            json_object_set_new(cell, "availabilityZone", cmdout_jstr(p->azs[a].name));
            json_t *m = json_array();
            for (size_t k = 0; k < c->n_nodes; k++) {
                const struct model_node *n = &g->nodes[c->nodes[k]];
                json_t *x = json_object();
                json_object_set_new(x, "cacheClusterId", cmdout_jstr(n->cache_cluster_id));
                cmdout_jrole(x, n);
                json_array_append_new(m, x);
            }
            json_object_set_new(cell, "members", m);
            json_array_append_new(cells, cell);
        }
        json_object_set_new(row, "cells", cells);
        json_array_append_new(rows, row);
    }
    json_object_set_new(o, "matrix", rows);
    json_t *flags = json_array();
    for (size_t i = 0; i < p->n_flags; i++) {
        const struct placement_flag *f = &p->flags[i];
        json_t *x = json_object();
        json_object_set_new(x, "id", json_string(f->id));
        json_object_set_new(x, "severity", json_string(placement_severity_name(f->severity)));
        json_object_set_new(x, "text", cmdout_jstr(f->text));
        json_object_set_new(x, "nodeGroupId", cmdout_jstr(f->shard));
        json_object_set_new(x, "availabilityZone", cmdout_jstr(f->az));
        json_array_append_new(flags, x);
    }
    json_object_set_new(o, "flags", flags);
    json_object_set_new(o, "rolesKnown", json_boolean(p->roles_known));
    json_object_set_new(o, "fetchedAt", cmdout_jtime(p->fetched_ms));
    json_object_set_new(o, "dataAgeSeconds", json_real((double)p->age_ms / 1000.0));
    return o;
}

json_t *cmdout_group_json(const struct model_group *g, const struct placement *p, int64_t now_ms)
{
    json_t *o = cmdout_group_summary_json(g);
    json_object_set_new(o, "description", cmdout_jstr(g->description));
    json_object_set_new(o, "arn", cmdout_jstr(g->arn));
    json_object_set_new(o, "createTime", cmdout_jtime(g->create_time_ms));
    json_object_set_new(o, "configurationEndpoint", cmdout_jendpoint(&g->configuration_endpoint));
    json_object_set_new(o, "primaryEndpoint", cmdout_jendpoint(&g->primary_endpoint));
    json_object_set_new(o, "readerEndpoint", cmdout_jendpoint(&g->reader_endpoint));
    json_object_set_new(o, "kmsKeyId", cmdout_jstr(g->kms_key_id));
    json_object_set_new(o, "authTokenLastModifiedDate",
                        cmdout_jtime(g->auth_token_last_modified_ms));
    json_t *ug = json_array();
    for (size_t i = 0; i < g->n_user_group_ids; i++)
        json_array_append_new(ug, cmdout_jstr(g->user_group_ids[i]));
    json_object_set_new(o, "userGroupIds", ug);
    json_t *ld = json_array();
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        const struct model_log_delivery *d = &g->log_delivery[i];
        json_t *x = json_object();
        json_object_set_new(x, "logType", cmdout_jstr(d->log_type));
        json_object_set_new(x, "destinationType", cmdout_jstr(d->destination_type));
        json_object_set_new(x, "destination", cmdout_jstr(d->destination));
        json_object_set_new(x, "logFormat", cmdout_jstr(d->log_format));
        json_object_set_new(x, "status", cmdout_jstr(d->status));
        json_object_set_new(x, "message", cmdout_jstr(d->message));
        json_array_append_new(ld, x);
    }
    json_object_set_new(o, "logDeliveryConfigurations", ld);
    json_object_set_new(o, "snapshotRetentionLimit",
                        g->has_snapshot_retention_limit ? json_integer(g->snapshot_retention_limit)
                                                        : json_null());
    json_object_set_new(o, "snapshotWindow", cmdout_jstr(g->snapshot_window));
    json_object_set_new(o, "snapshottingClusterId", cmdout_jstr(g->snapshotting_cluster_id));
    json_object_set_new(
        o, "autoMinorVersionUpgrade",
        cmdout_jbool(g->has_auto_minor_version_upgrade, g->auto_minor_version_upgrade));
    json_object_set_new(o, "dataTiering", cmdout_jstr(g->data_tiering));
    json_object_set_new(o, "networkType", cmdout_jstr(g->network_type));
    json_object_set_new(o, "ipDiscovery", cmdout_jstr(g->ip_discovery));
    json_object_set_new(o, "globalReplicationGroupId", cmdout_jstr(g->global_replication_group_id));
    json_t *mc = json_array();
    for (size_t i = 0; i < g->n_member_clusters; i++)
        json_array_append_new(mc, cmdout_jstr(g->member_clusters[i]));
    json_object_set_new(o, "memberClusters", mc);
    json_t *pm = json_object();
    for (size_t i = 0; i < g->n_pending; i++)
        json_object_set_new(pm, g->pending[i].key, cmdout_jstr(g->pending[i].value));
    json_object_set_new(o, "pendingModifiedValues", pm);
    if (g->tags_read) {
        json_t *tg = json_object();
        for (size_t i = 0; i < g->n_tags; i++)
            json_object_set_new(tg, g->tags[i].key, cmdout_jstr(g->tags[i].value));
        json_object_set_new(o, "tags", tg);
    } else if (g->tags_error) {
        json_object_set_new(o, "tags", json_null());
        json_object_set_new(o, "tagsError", cmdout_jstr(g->tags_error));
    }
    json_object_set_new(o, "fetchedAt", cmdout_jtime(g->fetched_ms));
    json_object_set_new(o, "dataAgeSeconds",
                        json_real(g->fetched_ms > 0 && now_ms > g->fetched_ms
                                      ? (double)(now_ms - g->fetched_ms) / 1000.0
                                      : 0.0));
    json_t *shards = json_array();
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        json_t *x = json_object();
        json_object_set_new(x, "nodeGroupId", cmdout_jstr(sh->id));
        json_object_set_new(x, "status", cmdout_jstr(sh->status));
        json_object_set_new(x, "slots", cmdout_jstr(sh->slots));
        json_object_set_new(x, "slotRanges", cmdout_jranges(sh->ranges, sh->n_ranges));
        json_object_set_new(x, "primaryEndpoint", cmdout_jendpoint(&sh->primary_endpoint));
        json_object_set_new(x, "readerEndpoint", cmdout_jendpoint(&sh->reader_endpoint));
        json_object_set_new(x, "inApi", json_boolean(sh->in_api));
        json_t *nodes = json_array();
        for (size_t k = 0; k < sh->n_nodes; k++)
            json_array_append_new(nodes, cmdout_node_json(g, &g->nodes[sh->nodes[k]], now_ms));
        json_object_set_new(x, "nodes", nodes);
        json_array_append_new(shards, x);
    }
    json_object_set_new(o, "nodeGroups", shards);
    if (p)
        json_object_set_new(o, "placement", cmdout_placement_json(g, p));
    json_t *diffs = json_array();
    for (size_t i = 0; i < g->n_diffs; i++) {
        const struct model_diff *d = &g->diffs[i];
        json_t *x = json_object();
        json_object_set_new(x, "kind", json_string(model_diff_kind_name(d->kind)));
        json_object_set_new(x, "nodeGroupId", cmdout_jstr(d->shard));
        json_object_set_new(x, "node", cmdout_jstr(d->node));
        json_object_set_new(x, "api", cmdout_jstr(d->api));
        json_object_set_new(x, "redis", cmdout_jstr(d->redis));
        json_object_set_new(x, "text", cmdout_jstr(d->text));
        json_object_set_new(x, "apiTime", cmdout_jtime(d->api_ms));
        json_object_set_new(x, "redisTime", cmdout_jtime(d->redis_ms));
        json_array_append_new(diffs, x);
    }
    json_object_set_new(o, "differences", diffs);
    json_object_set_new(o, "redisFetchedAt", cmdout_jtime(g->redis_fetched_ms));
    json_object_set_new(o, "redisError", cmdout_jstr(g->redis_error));
    return o;
}

/* ---- errors ---- */

static const char *cmdout_hint(const struct aws_error *e, char *buf, size_t n)
{
    if (aws_error_is(e, "SignatureDoesNotMatch") || aws_error_is(e, "InvalidSignatureException"))
        return "the signature does not match: the secret access key does not belong to the "
               "access key id (or the request was changed on the way); check the credentials";
    if (aws_error_is(e, "InvalidClientTokenId") || aws_error_is(e, "UnrecognizedClientException"))
        return "the access key id is not known to AWS (deleted, or for another partition); check "
               "the credentials";
    if (aws_error_is(e, "ExpiredToken") || aws_error_is(e, "ExpiredTokenException") ||
        aws_error_is(e, "RequestExpired"))
        return "the credentials have expired: refresh them (aws sso login, a new session) and "
               "try again";
    if (aws_error_is(e, "AccessDenied") || aws_error_is(e, "AccessDeniedException") ||
        aws_error_is(e, "UnauthorizedOperation")) {
        char svc[32];
        size_t k = 0;
        for (const char *p = e->service; *p && k + 1 < sizeof(svc); p++)
            if (*p != ' ')
                svc[k++] = (char)tolower((unsigned char)*p);
        svc[k] = '\0';
        snprintf(buf, n, "the identity is not allowed %s:%s: add it to its IAM policy",
                 k ? svc : "the", e->operation[0] ? e->operation : "action");
        return buf;
    }
    if (aws_error_is(e, "ReplicationGroupNotFoundFault"))
        return "no replication group of that name in this region (see elcui ls; --region)";
    if (e->kind == AWS_ERR_TRANSPORT) {
        /* the connection was made and then broke: not "unreachable" */
        if (aws_error_is(e, "PartialResponse") || aws_error_is(e, "RecvError") ||
            aws_error_is(e, "SendError") || aws_error_is(e, "EmptyReply") ||
            aws_error_is(e, "BadServerReply"))
            return "the connection broke in the middle of the answer (the endpoint or a proxy "
                   "closed it); it was retried - run again, or check the proxy";
        if (aws_error_is(e, "OperationTimedOut"))
            return "no answer in time: check the network and proxy settings, or raise --timeout";
        if (aws_error_is(e, "CouldNotResolveHost") || aws_error_is(e, "CouldNotResolveProxy"))
            return "the host name does not resolve: check --region, --endpoint-url / "
                   "AWS_ENDPOINT_URL and DNS";
        if (aws_error_is(e, "TLSVerifyFailed") || aws_error_is(e, "TLSConnectError"))
            return "TLS with the endpoint failed: check AWS_CA_BUNDLE / ca_bundle and any "
                   "TLS-inspecting proxy";
        return "the endpoint could not be reached: check the network, proxy settings and "
               "--endpoint-url / AWS_ENDPOINT_URL";
    }
    if (e->kind == AWS_ERR_PARSE)
        return "the answer was not what the AWS API sends: is the endpoint an AWS endpoint?";
    return NULL;
}

void cmdout_aws_error(const char *cmd, const char *what, const struct aws_error *err)
{
    char *line = aws_error_format(err);
    char *safe = cmdout_safe(line ? line : "unknown error");
    char *w = what ? cmdout_safe(what) : NULL;
    fprintf(stderr, "elcui %s: %s%s%s\n", cmd, w ? w : "", w ? ": " : "", safe);
    free(w);
    char buf[256];
    const char *hint = cmdout_hint(err, buf, sizeof(buf));
    if (hint)
        fprintf(stderr, "elcui %s: hint: %s\n", cmd, hint);
    free(safe);
    free(line);
}

/* ---- running ---- */

static void cmdout_signal(int signo, void *arg)
{
    (void)signo;
    bool *interrupted = arg;
    *interrupted = true;
}

int cmdout_session(const char *cmd, struct session *s, struct session_options *opts,
                   bool *interrupted)
{
    struct aws_error err;
    aws_error_init(&err);
    if (session_open(s, opts, &err) != 0) {
        session_print_warnings(s, stderr); /* what the AWS files hold that is ignored */
        cmdout_aws_error(cmd, "cannot start", &err);
        aws_error_clear(&err);
        return -1;
    }
    aws_error_clear(&err);
    session_print_warnings(s, stderr);
    signal(SIGPIPE, SIG_IGN);
    loop_on_signal(s->loop, SIGINT, cmdout_signal, interrupted);
    loop_on_signal(s->loop, SIGTERM, cmdout_signal, interrupted);
    return 0;
}

bool cmdout_run(struct session *s, const bool *done, const bool *interrupted)
{
    while (!*done && !*interrupted)
        loop_run_once(s->loop, 1000);
    return !*interrupted;
}

static void cmdout_pipe_gone(struct cmdout_pipe *p)
{
    if (p->closed)
        return;
    p->closed = true;
    if (p->watch) {
        loop_unwatch(p->loop, p->watch);
        p->watch = NULL;
    }
    if (p->on_closed)
        p->on_closed(p->arg);
}

static void cmdout_pipe_event(int fd, int revents, void *arg)
{
    (void)revents;
    /* a pipe's write end is never readable: the event is its reader
     * closing (POLLERR); make sure before stopping */
    struct pollfd q = {.fd = fd, .events = 0, .revents = 0};
    if (poll(&q, 1, 0) == 1 && (q.revents & (POLLERR | POLLHUP)))
        cmdout_pipe_gone(arg);
}

void cmdout_pipe_watch(struct cmdout_pipe *p, struct loop *l, void (*on_closed)(void *arg),
                       void *arg)
{
    memset(p, 0, sizeof(*p));
    p->loop = l;
    p->on_closed = on_closed;
    p->arg = arg;
    signal(SIGPIPE, SIG_IGN);
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode) &&
        (fcntl(STDOUT_FILENO, F_GETFL) & O_ACCMODE) == O_WRONLY)
        p->watch = loop_watch(l, STDOUT_FILENO, REACTOR_READ, cmdout_pipe_event, p);
}

bool cmdout_pipe_write(struct cmdout_pipe *p, const void *data, size_t n, bool flush)
{
    if (p->closed)
        return false;
    if ((n && fwrite(data, 1, n, stdout) != n) || (flush && fflush(stdout) != 0)) {
        /* the reader is gone (EPIPE) or the output failed otherwise: either
         * way nothing more can be shown */
        clearerr(stdout);
        cmdout_pipe_gone(p);
        return false;
    }
    return true;
}

void cmdout_pipe_unwatch(struct cmdout_pipe *p)
{
    if (p->watch) {
        loop_unwatch(p->loop, p->watch);
        p->watch = NULL;
    }
}

int cmdout_window(const char *cmd, const char *since, const char *until, const char *forms,
                  int64_t *now, int64_t *start, int64_t *end)
{
    struct loop *tmp = loop_new();
    *now = loop_wall_ms(tmp);
    loop_free(tmp);
    *end = *now;
    if (!awstime_parse_since(since, *now, start))
        return cli_usage_error(cmd, "--since: '%s' is not a time (%s)", since, forms);
    if (until && !awstime_parse_since(until, *now, end))
        return cli_usage_error(cmd, "--until: '%s' is not a time (%s)", until, forms);
    if (*end <= *start)
        return cli_usage_error(cmd, "--until must be after --since");
    return 0;
}

/* ---- one replication group ---- */

void cmdout_wait_fail(struct cmdout_wait *w, const struct aws_error *err)
{
    w->done = true;
    w->failed = true;
    aws_error_copy(&w->err, err);
}

static void cmdout_wait_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    (void)g;
    struct cmdout_wait *w = arg;
    w->done = true;
}

static void cmdout_wait_error(struct inventory *inv, enum inventory_op op,
                              const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    cmdout_wait_fail(arg, err);
}

bool cmdout_open_group(struct session *s, struct inventory_options *io, const char *rg_id,
                       struct cmdout_wait *w, struct inventory **inv)
{
    io->loop = s->loop;
    io->aws = s->aws;
    io->cb.on_group = cmdout_wait_group;
    io->cb.on_error = cmdout_wait_error;
    io->cb.arg = w;
    *inv = inventory_new(io);
    inventory_open(*inv, rg_id);
    return cmdout_run(s, &w->done, &w->interrupted);
}

void cmdout_group_error(const char *cmd, const char *failed_to, const char *rg_id,
                        const char *region, const struct aws_error *err)
{
    char *what = aws_error_is(err, "ReplicationGroupNotFoundFault")
                     ? mem_xasprintf("replication group '%s' not found in %s", rg_id, region)
                     : mem_xasprintf("%s '%s'", failed_to, rg_id);
    cmdout_aws_error(cmd, what, err);
    free(what);
}

/* ---- numbers ---- */

void cmdout_value(double v, const char *unit, char *out, size_t n)
{
    if (!isfinite(v)) {
        snprintf(out, n, "-");
        return;
    }
    if (unit && strcmp(unit, "Percent") == 0) {
        snprintf(out, n, "%.1f%%", v);
    } else if (unit && strcmp(unit, "Bytes") == 0) {
        static const char *const suf[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        size_t i = 0;
        double x = v;
        while ((x >= 1024.0 || x <= -1024.0) && i + 1 < sizeof(suf) / sizeof(suf[0])) {
            x /= 1024.0;
            i++;
        }
        if (i == 0)
            snprintf(out, n, "%.0f B", x);
        else
            snprintf(out, n, "%.1f %s", x, suf[i]);
    } else if (unit && strcmp(unit, "Seconds") == 0) {
        snprintf(out, n, "%.2f s", v);
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, n, "%.0f", v);
    } else {
        snprintf(out, n, "%.2f", v);
    }
}

void cmdout_age(int64_t ms, char *out, size_t n)
{
    if (ms < 0)
        ms = 0;
    int64_t s = ms / 1000;
    if (s < 120)
        snprintf(out, n, "%llds", (long long)s);
    else if (s < 7200)
        snprintf(out, n, "%lldm", (long long)(s / 60));
    else if (s < 172800)
        snprintf(out, n, "%lldh", (long long)(s / 3600));
    else
        snprintf(out, n, "%lldd", (long long)(s / 86400));
}
