/* snapshot.c - an incident snapshot of a group (see snapshot.h). */
#include "core/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/awsjson.h"
#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/model/inventory.h"
#include "core/model/placement.h"
#include "core/redis/discover.h"
#include "core/redis/rrender.h"

#ifndef ELCUI_VERSION
#define ELCUI_VERSION "?"
#endif

const char *snapshot_section_name(enum snapshot_section s)
{
    static const char *const names[SNAPSHOT_SECTIONS] = {"topology", "placement", "events",
                                                         "logs",     "metrics",   "doctor"};
    return (unsigned)s < SNAPSHOT_SECTIONS ? names[s] : "?";
}

const char *snapshot_state_name(enum snapshot_state s)
{
    switch (s) {
    case SNAPSHOT_PENDING:
        return "pending";
    case SNAPSHOT_OK:
        return "ok";
    case SNAPSHOT_FAILED:
        return "failed";
    case SNAPSHOT_SKIPPED:
        return "skipped";
    }
    return "?";
}

static const char *const snapshot_metric_names[SNAPSHOT_N_METRICS] = SNAPSHOT_METRICS;

/* ---- text helpers ---- */

static void snapshot_iso(int64_t ms, char *out, size_t n)
{
    if (ms > 0)
        awstime_format_iso8601_s(ms, out, n);
    else
        snprintf(out, n, "-");
}

/* Terminal-safe text in a Markdown table cell: no '|' and no line break. */
static void snapshot_cell(struct buf *b, const char *s)
{
    struct buf t;
    buf_init(&t, 0);
    rrender_safe(&t, s ? s : "", strlen(s ? s : ""));
    for (const char *p = buf_str(&t); *p; p++) {
        if (*p == '|')
            buf_appends(b, "\\|");
        else
            buf_appendc(b, *p);
    }
    buf_free(&t);
}

static void snapshot_safe(struct buf *b, const char *s)
{
    rrender_safe(b, s ? s : "", strlen(s ? s : ""));
}

static json_t *snapshot_jstr(const char *s)
{
    return s ? awsjson_string_lossy(s, strlen(s)) : json_null();
}

static json_t *snapshot_jtime(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char t[40];
    awstime_format_iso8601(ms, t, sizeof(t));
    return json_string(t);
}

static json_t *snapshot_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static const char *snapshot_s(const char *s)
{
    return s && *s ? s : "-";
}

/* ---- Markdown ---- */

static void snapshot_md_topology(struct buf *b, const struct snapshot_data *d)
{
    const struct model_group *g = d->model;
    buf_appends(b, "\n## Topology\n\n");
    if (!g) {
        buf_appends(b, "Not known: ");
        snapshot_safe(b, d->note[SNAPSHOT_TOPOLOGY] ? d->note[SNAPSHOT_TOPOLOGY] : "no answer");
        buf_appends(b, "\n");
        return;
    }
    buf_appends(b, "- Group: ");
    snapshot_safe(b, snapshot_s(g->id));
    buf_appends(b, ", ");
    snapshot_safe(b, snapshot_s(g->status));
    buf_appends(b, ", ");
    snapshot_safe(b, snapshot_s(g->engine));
    buf_appends(b, " ");
    snapshot_safe(b, snapshot_s(g->engine_version));
    buf_appends(b, ", ");
    snapshot_safe(b, snapshot_s(g->node_type));
    buf_printf(b, ", cluster mode %s, %zu shards, %zu nodes\n", g->cluster_enabled ? "on" : "off",
               g->n_api_shards, g->n_api_nodes);
    buf_printf(b,
               "- Multi-AZ %s, automatic failover %s; in-transit encryption %s, at rest %s, "
               "AUTH %s\n",
               snapshot_s(g->multi_az), snapshot_s(g->automatic_failover),
               g->transit_encryption ? "yes" : "no", g->at_rest_encryption ? "yes" : "no",
               g->auth_token_enabled ? "yes" : "no");
    const struct model_endpoint *ep =
        g->configuration_endpoint.host ? &g->configuration_endpoint : &g->primary_endpoint;
    buf_printf(b, "- %s endpoint: ", g->configuration_endpoint.host ? "Configuration" : "Primary");
    snapshot_safe(b, snapshot_s(ep->host));
    buf_printf(b, ":%d\n", ep->port);
    char t1[40], t2[40];
    snapshot_iso(g->fetched_ms, t1, sizeof(t1));
    snapshot_iso(g->role_metric_ms, t2, sizeof(t2));
    buf_printf(b, "- Data from the API at %s; IsMaster roles read at %s\n\n", t1, t2);
    buf_appends(b, "| Shard | Slots | Node | AZ | Role | Role from | Status | Endpoint |\n"
                   "|---|---|---|---|---|---|---|---|\n");
    for (size_t si = 0; si < g->n_shards; si++) {
        const struct model_shard *sh = &g->shards[si];
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            buf_appends(b, "| ");
            snapshot_cell(b, snapshot_s(sh->id));
            buf_appends(b, " | ");
            snapshot_cell(b, snapshot_s(sh->slots));
            buf_appends(b, " | ");
            snapshot_cell(b, snapshot_s(n->cache_cluster_id));
            buf_appends(b, " | ");
            snapshot_cell(b, snapshot_s(n->az));
            buf_printf(b, " | %s | %s | ", model_role_name(n->role),
                       model_role_source_name(n->role_source));
            snapshot_cell(b, snapshot_s(n->status));
            buf_appends(b, " | ");
            snapshot_cell(b, snapshot_s(n->endpoint.host));
            buf_printf(b, ":%d |\n", n->endpoint.port);
        }
    }
}

static void snapshot_md_placement(struct buf *b, const struct snapshot_data *d,
                                  const struct placement *p)
{
    const struct model_group *g = d->model;
    buf_appends(b, "\n## Placement (shards x AZs) and risks\n\n");
    if (!g || !p) {
        buf_appends(b, "Not known without the topology.\n");
        return;
    }
    buf_appends(b, "| Shard |");
    for (size_t a = 0; a < p->n_azs; a++) {
        buf_appends(b, " ");
        snapshot_cell(b, p->azs[a].name);
        buf_printf(b, " (%zuP %zuR) |", p->azs[a].primaries, p->azs[a].replicas);
    }
    buf_appends(b, "\n|---|");
    for (size_t a = 0; a < p->n_azs; a++)
        buf_appends(b, "---|");
    buf_appends(b, "\n");
    for (size_t s = 0; s < p->n_shards && s < g->n_shards; s++) {
        buf_appends(b, "| ");
        snapshot_cell(b, snapshot_s(g->shards[s].id));
        buf_appends(b, " |");
        for (size_t a = 0; a < p->n_azs; a++) {
            const struct placement_cell *c = placement_cell(p, s, a);
            buf_appends(b, " ");
            for (size_t k = 0; c && k < c->n_nodes; k++) {
                const struct model_node *n = &g->nodes[c->nodes[k]];
                buf_printf(b, "%s%c ", k ? ", " : "",
                           n->role == MODEL_ROLE_PRIMARY   ? 'P'
                           : n->role == MODEL_ROLE_REPLICA ? 'R'
                                                           : '?');
                snapshot_cell(b, snapshot_s(n->cache_cluster_id));
            }
            if (!c || !c->n_nodes)
                buf_appends(b, ".");
            buf_appends(b, " |");
        }
        buf_appends(b, "\n");
    }
    if (!p->n_flags) {
        buf_appends(b, "\nNo placement risks.\n");
        return;
    }
    buf_appends(b, "\nRisks:\n\n");
    for (size_t i = 0; i < p->n_flags; i++) {
        buf_printf(b, "- **%s** `%s`: ", placement_severity_name(p->flags[i].severity),
                   p->flags[i].id);
        snapshot_safe(b, p->flags[i].text);
        buf_appends(b, "\n");
    }
}

static void snapshot_md_events(struct buf *b, const struct snapshot_data *d)
{
    buf_appends(b, "\n## Events (last hour)\n\n");
    const struct events_result *ev = d->events;
    if (!ev) {
        buf_appends(b, "Not read: ");
        snapshot_safe(b, d->note[SNAPSHOT_EVENTS] ? d->note[SNAPSHOT_EVENTS] : "no answer");
        buf_appends(b, "\n");
        return;
    }
    if (!ev->n) {
        buf_appends(b, "No event in the last hour.\n");
        return;
    }
    buf_appends(b, "| Time (UTC) | Source | Message |\n|---|---|---|\n");
    for (size_t i = 0; i < ev->n; i++) {
        const struct events_event *e = &ev->items[i];
        char t[40];
        snapshot_iso(e->date_ms, t, sizeof(t));
        buf_printf(b, "| %s | ", t);
        snapshot_cell(b, snapshot_s(e->source_type));
        buf_appends(b, " ");
        snapshot_cell(b, snapshot_s(e->source_id));
        buf_appends(b, " | ");
        snapshot_cell(b, e->message);
        buf_appends(b, " |\n");
    }
}

static void snapshot_md_logs(struct buf *b, const struct snapshot_data *d)
{
    buf_printf(b, "\n## Log records (the last %d of the open tail)\n\n", SNAPSHOT_LOG_MAX);
    if (!d->logs_open) {
        buf_appends(b, "No log tail was open (elcui logs RG --follow, or the console's log "
                       "panel, keeps one).\n");
        return;
    }
    if (!d->n_logs) {
        buf_appends(b, "The tail was open and had no record yet.\n");
        return;
    }
    buf_appends(b, "```\n");
    for (size_t i = 0; i < d->n_logs; i++) {
        char t[40];
        snapshot_iso(d->logs[i].ts_ms, t, sizeof(t));
        buf_printf(b, "%s  ", t);
        snapshot_safe(b, d->logs[i].source);
        buf_appends(b, "  ");
        /* "```" inside a record would end the block: escaped like others */
        struct buf t2;
        buf_init(&t2, 0);
        snapshot_safe(&t2, d->logs[i].text);
        for (const char *p = buf_str(&t2); *p; p++)
            if (p[0] == '`' && p[1] == '`' && p[2] == '`') {
                buf_appends(b, "`\\``");
                p += 2;
            } else {
                buf_appendc(b, *p);
            }
        buf_free(&t2);
        buf_appends(b, "\n");
    }
    buf_appends(b, "```\n");
}

static void snapshot_md_metrics(struct buf *b, const struct snapshot_data *d)
{
    buf_appends(b, "\n## Metrics (last hour)\n\n");
    const struct metrics_result *r = d->metrics;
    if (!r) {
        buf_appends(b, "Not read: ");
        snapshot_safe(b, d->note[SNAPSHOT_METRICS_SECTION] ? d->note[SNAPSHOT_METRICS_SECTION]
                                                           : "no answer");
        buf_appends(b, "\n");
        return;
    }
    buf_printf(b, "%d-second points. Latest is the newest point; none: no data in the hour.\n\n",
               r->period_s);
    buf_appends(b, "| Node | Metric | Stat | Latest | At (UTC) | Min | Avg | Max |\n"
                   "|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->n_series; i++) {
        const struct metrics_series *s = &r->series[i];
        struct metrics_summary sum;
        metrics_summarize(s, &sum);
        buf_appends(b, "| ");
        snapshot_cell(b, snapshot_s(s->cache_cluster_id));
        buf_appends(b, " | ");
        snapshot_cell(b, snapshot_s(s->metric));
        buf_appends(b, " | ");
        snapshot_cell(b, snapshot_s(s->stat));
        if (!sum.n) {
            buf_appends(b, " | none | - | - | - | - |\n");
            continue;
        }
        char t[40];
        snapshot_iso(sum.last_ms, t, sizeof(t));
        buf_printf(b, " | %.6g | %s | %.6g | %.6g | %.6g |\n", sum.last, t, sum.min, sum.avg,
                   sum.max);
    }
}

static void snapshot_md_doctor(struct buf *b, const struct snapshot_data *d)
{
    buf_appends(b, "\n## Connectivity (doctor)\n\n");
    const struct doctor_report *r = d->doctor;
    if (!r) {
        buf_appends(b, d->state[SNAPSHOT_DOCTOR] == SNAPSHOT_SKIPPED ? "Skipped: " : "Not run: ");
        snapshot_safe(b, d->note[SNAPSHOT_DOCTOR] ? d->note[SNAPSHOT_DOCTOR] : "no answer");
        buf_appends(b, "\n");
        return;
    }
    buf_appends(b, "Verdict: ");
    snapshot_safe(b, r->summary);
    buf_appends(b, "\n\n| Endpoint | Kind | Node | Result | Cause | ms |\n"
                   "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct doctor_check *c = &r->checks[i];
        buf_appends(b, "| ");
        snapshot_cell(b, c->host);
        buf_printf(b, ":%d | %s | ", c->port, doctor_kind_name(c->kind));
        snapshot_cell(b, c->cache_cluster_id[0] ? c->cache_cluster_id : "-");
        buf_printf(b, " | %s | %s | %llu |\n",
                   !c->done ? "not finished"
                   : c->ok  ? "ok"
                            : "FAIL",
                   c->ok ? "-" : doctor_cause_name(c->cause), (unsigned long long)c->total_ms);
    }
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct doctor_check *c = &r->checks[i];
        if (c->ok || !c->done)
            continue;
        buf_appends(b, "\n- ");
        snapshot_safe(b, c->host);
        buf_appends(b, ": ");
        snapshot_safe(b, c->error);
        buf_appends(b, ". ");
        snapshot_safe(b, c->advice);
    }
    if (r->topology.checked) {
        buf_appends(b, "\n\nTopology: ");
        snapshot_safe(b, r->topology.detail);
    }
    buf_appends(b, "\n");
}

char *snapshot_markdown(const struct snapshot_data *d)
{
    struct buf b;
    buf_init(&b, 0);
    char t[40];
    snapshot_iso(d->taken_ms, t, sizeof(t));
    buf_appends(&b, "# Incident snapshot: ");
    snapshot_safe(&b, d->rg_id);
    buf_appends(&b, "\n\n- Region: ");
    snapshot_safe(&b, snapshot_s(d->region));
    buf_printf(&b, "\n- Taken: %s by elcui %s\n- Sections:", t, ELCUI_VERSION);
    for (int i = 0; i < SNAPSHOT_SECTIONS; i++) {
        buf_printf(&b, "%s %s %s", i ? "," : "", snapshot_section_name(i),
                   snapshot_state_name(d->state[i]));
        if (d->state[i] != SNAPSHOT_OK && d->note[i]) {
            buf_appends(&b, " (");
            snapshot_safe(&b, d->note[i]);
            buf_appends(&b, ")");
        }
    }
    buf_appends(&b, "\n");
    struct placement *p = d->model ? placement_build(d->model, d->taken_ms) : NULL;
    snapshot_md_topology(&b, d);
    snapshot_md_placement(&b, d, p);
    placement_free(p);
    snapshot_md_events(&b, d);
    snapshot_md_logs(&b, d);
    snapshot_md_metrics(&b, d);
    snapshot_md_doctor(&b, d);
    char *out = buf_steal(&b);
    buf_free(&b);
    return out;
}

/* ---- JSON ---- */

static json_t *snapshot_j_topology(const struct model_group *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "replicationGroupId", snapshot_jstr(g->id));
    json_object_set_new(o, "status", snapshot_jstr(g->status));
    json_object_set_new(o, "engine", snapshot_jstr(g->engine));
    json_object_set_new(o, "engineVersion", snapshot_jstr(g->engine_version));
    json_object_set_new(o, "nodeType", snapshot_jstr(g->node_type));
    json_object_set_new(o, "clusterMode", json_boolean(g->cluster_enabled));
    json_object_set_new(o, "multiAZ", snapshot_jstr(g->multi_az));
    json_object_set_new(o, "automaticFailover", snapshot_jstr(g->automatic_failover));
    json_object_set_new(o, "transitEncryption", json_boolean(g->transit_encryption));
    json_object_set_new(o, "atRestEncryption", json_boolean(g->at_rest_encryption));
    json_object_set_new(o, "authToken", json_boolean(g->auth_token_enabled));
    const struct model_endpoint *ep =
        g->configuration_endpoint.host ? &g->configuration_endpoint : &g->primary_endpoint;
    json_object_set_new(
        o, "endpoint",
        ep->host ? json_pack("{s:o,s:i}", "host", snapshot_jstr(ep->host), "port", ep->port)
                 : json_null());
    json_object_set_new(o, "fetchedAt", snapshot_jtime(g->fetched_ms));
    json_object_set_new(o, "rolesReadAt", snapshot_jtime(g->role_metric_ms));
    json_t *shards = json_array();
    for (size_t si = 0; si < g->n_shards; si++) {
        const struct model_shard *sh = &g->shards[si];
        json_t *nodes = json_array();
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            json_array_append_new(
                nodes, json_pack("{s:o,s:o,s:s,s:s,s:o,s:o}", "cacheClusterId",
                                 snapshot_jstr(n->cache_cluster_id), "az", snapshot_jstr(n->az),
                                 "role", model_role_name(n->role), "roleSource",
                                 model_role_source_name(n->role_source), "status",
                                 snapshot_jstr(n->status), "endpoint",
                                 n->endpoint.host ? json_pack("{s:o,s:i}", "host",
                                                              snapshot_jstr(n->endpoint.host),
                                                              "port", n->endpoint.port)
                                                  : json_null()));
        }
        json_array_append_new(shards, json_pack("{s:o,s:o,s:o}", "id", snapshot_jstr(sh->id),
                                                "slots", snapshot_jstr(sh->slots), "nodes", nodes));
    }
    json_object_set_new(o, "shards", shards);
    return o;
}

static json_t *snapshot_j_placement(const struct model_group *g, const struct placement *p)
{
    json_t *azs = json_array();
    for (size_t a = 0; a < p->n_azs; a++)
        json_array_append_new(azs, json_pack("{s:o,s:I,s:I}", "name", snapshot_jstr(p->azs[a].name),
                                             "primaries", (json_int_t)p->azs[a].primaries,
                                             "replicas", (json_int_t)p->azs[a].replicas));
    json_t *rows = json_array();
    for (size_t s = 0; s < p->n_shards && s < g->n_shards; s++) {
        json_t *cells = json_object();
        for (size_t a = 0; a < p->n_azs; a++) {
            const struct placement_cell *c = placement_cell(p, s, a);
            json_t *list = json_array();
            for (size_t k = 0; c && k < c->n_nodes; k++) {
                const struct model_node *n = &g->nodes[c->nodes[k]];
                json_array_append_new(list, json_pack("{s:o,s:s}", "node",
                                                      snapshot_jstr(n->cache_cluster_id), "role",
                                                      model_role_name(n->role)));
            }
            json_object_set_new(cells, p->azs[a].name ? p->azs[a].name : "?", list);
        }
        json_array_append_new(
            rows, json_pack("{s:o,s:o}", "shard", snapshot_jstr(g->shards[s].id), "azs", cells));
    }
    json_t *risks = json_array();
    for (size_t i = 0; i < p->n_flags; i++)
        json_array_append_new(risks,
                              json_pack("{s:s,s:s,s:o,s:o,s:o}", "id", p->flags[i].id, "severity",
                                        placement_severity_name(p->flags[i].severity), "text",
                                        snapshot_jstr(p->flags[i].text), "shard",
                                        snapshot_jstr(p->flags[i].shard), "az",
                                        snapshot_jstr(p->flags[i].az)));
    return json_pack("{s:o,s:o,s:o}", "azs", azs, "matrix", rows, "risks", risks);
}

static json_t *snapshot_j_events(const struct events_result *ev)
{
    json_t *items = json_array();
    for (size_t i = 0; i < ev->n; i++) {
        const struct events_event *e = &ev->items[i];
        json_array_append_new(
            items, json_pack("{s:o,s:o,s:o,s:o}", "time", snapshot_jtime(e->date_ms), "sourceType",
                             snapshot_jstr(e->source_type), "sourceId", snapshot_jstr(e->source_id),
                             "message", snapshot_jstr(e->message)));
    }
    return json_pack("{s:o,s:o,s:o}", "from", snapshot_jtime(ev->start_ms), "to",
                     snapshot_jtime(ev->end_ms), "items", items);
}

static json_t *snapshot_j_metrics(const struct metrics_result *r)
{
    json_t *nodes = json_object();
    for (size_t i = 0; i < r->n_series; i++) {
        const struct metrics_series *s = &r->series[i];
        const char *id = s->cache_cluster_id ? s->cache_cluster_id : "?";
        json_t *node = json_object_get(nodes, id);
        if (!node) {
            node = json_object();
            json_object_set_new(nodes, id, node);
        }
        struct metrics_summary sum;
        metrics_summarize(s, &sum);
        json_object_set_new(node, s->metric ? s->metric : "?",
                            json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "stat",
                                      snapshot_jstr(s->stat), "unit", snapshot_jstr(s->unit),
                                      "latest", sum.n ? snapshot_jnum(sum.last) : json_null(),
                                      "latestAt", sum.n ? snapshot_jtime(sum.last_ms) : json_null(),
                                      "min", sum.n ? snapshot_jnum(sum.min) : json_null(), "avg",
                                      sum.n ? snapshot_jnum(sum.avg) : json_null(), "max",
                                      sum.n ? snapshot_jnum(sum.max) : json_null(), "points",
                                      (json_int_t)sum.n));
    }
    return json_pack("{s:i,s:o,s:o,s:o}", "periodSeconds", r->period_s, "from",
                     snapshot_jtime(r->start_ms), "to", snapshot_jtime(r->end_ms), "nodes", nodes);
}

static json_t *snapshot_j_doctor(const struct doctor_report *r)
{
    json_t *checks = json_array();
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct doctor_check *c = &r->checks[i];
        json_t *steps = json_object();
        for (int st = 0; st < DOCTOR_STEPS; st++)
            json_object_set_new(steps, doctor_step_name(st),
                                json_pack("{s:s,s:I,s:o}", "status",
                                          doctor_status_name(c->steps[st].status), "ms",
                                          (json_int_t)c->steps[st].ms, "detail",
                                          snapshot_jstr(c->steps[st].detail)));
        json_array_append_new(
            checks,
            json_pack("{s:s,s:o,s:i,s:o,s:o,s:b,s:b,s:s,s:o,s:o,s:I,s:o}", "kind",
                      doctor_kind_name(c->kind), "host", snapshot_jstr(c->host), "port", c->port,
                      "cacheClusterId",
                      c->cache_cluster_id[0] ? snapshot_jstr(c->cache_cluster_id) : json_null(),
                      "shard", c->shard[0] ? snapshot_jstr(c->shard) : json_null(), "done", c->done,
                      "ok", c->ok, "cause", doctor_cause_name(c->cause), "error",
                      c->error[0] ? snapshot_jstr(c->error) : json_null(), "advice",
                      c->advice[0] ? snapshot_jstr(c->advice) : json_null(), "ms",
                      (json_int_t)c->total_ms, "steps", steps));
    }
    json_t *topo = r->topology.checked
                       ? json_pack("{s:b,s:o,s:I,s:I,s:I,s:o}", "ok", r->topology.ok, "source",
                                   snapshot_jstr(r->topology.source), "slotsCovered",
                                   (json_int_t)r->topology.slots_covered, "failedNodes",
                                   (json_int_t)r->topology.failed_nodes, "primaries",
                                   (json_int_t)r->topology.primaries, "detail",
                                   snapshot_jstr(r->topology.detail))
                       : json_null();
    return json_pack("{s:b,s:I,s:o,s:o,s:o}", "ok", r->ok, "failed", (json_int_t)r->failed,
                     "summary", snapshot_jstr(r->summary), "checks", checks, "topology", topo);
}

/* A section: its state, why (when not ok) and its data (or null). */
static void snapshot_j_section(json_t *root, const struct snapshot_data *d, enum snapshot_section s,
                               json_t *data)
{
    json_t *o = json_pack("{s:s,s:o,s:o}", "state", snapshot_state_name(d->state[s]), "note",
                          snapshot_jstr(d->note[s]), "data", data ? data : json_null());
    json_object_set_new(root, snapshot_section_name(s), o);
}

json_t *snapshot_json(const struct snapshot_data *d)
{
    json_t *root = json_object();
    json_object_set_new(root, "snapshot",
                        json_pack("{s:o,s:o,s:o,s:s}", "replicationGroupId",
                                  snapshot_jstr(d->rg_id), "region", snapshot_jstr(d->region),
                                  "takenAt", snapshot_jtime(d->taken_ms), "elcui", ELCUI_VERSION));
    struct placement *p = d->model ? placement_build(d->model, d->taken_ms) : NULL;
    snapshot_j_section(root, d, SNAPSHOT_TOPOLOGY, d->model ? snapshot_j_topology(d->model) : NULL);
    snapshot_j_section(root, d, SNAPSHOT_PLACEMENT, p ? snapshot_j_placement(d->model, p) : NULL);
    placement_free(p);
    snapshot_j_section(root, d, SNAPSHOT_EVENTS, d->events ? snapshot_j_events(d->events) : NULL);
    json_t *logs = json_array();
    for (size_t i = 0; i < d->n_logs; i++)
        json_array_append_new(logs,
                              json_pack("{s:o,s:o,s:o}", "time", snapshot_jtime(d->logs[i].ts_ms),
                                        "source", snapshot_jstr(d->logs[i].source), "text",
                                        snapshot_jstr(d->logs[i].text)));
    snapshot_j_section(root, d, SNAPSHOT_LOGS,
                       json_pack("{s:b,s:o}", "tailOpen", d->logs_open, "records", logs));
    snapshot_j_section(root, d, SNAPSHOT_METRICS_SECTION,
                       d->metrics ? snapshot_j_metrics(d->metrics) : NULL);
    snapshot_j_section(root, d, SNAPSHOT_DOCTOR, d->doctor ? snapshot_j_doctor(d->doctor) : NULL);
    return root;
}

/* ---- files ---- */

char *snapshot_default_dir(void)
{
    const char *x = getenv("XDG_STATE_HOME");
    if (x && *x == '/')
        return mem_xasprintf("%s/elcui/snapshots", x);
    const char *h = getenv("HOME");
    if (h && *h)
        return mem_xasprintf("%s/.local/state/elcui/snapshots", h);
    return NULL;
}

/* mkdir -p, each folder made here 0700; the last one 0700 whatever. */
static int snapshot_mkdirs(const char *dir, char *err, size_t errlen)
{
    char *p = mem_xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) == 0)
            chmod(p, 0700);
        else if (errno != EEXIST) {
            snprintf(err, errlen, "cannot make %s: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot make %s: %s", p, strerror(errno));
        free(p);
        return -1;
    }
    chmod(p, 0700);
    free(p);
    return 0;
}

static int snapshot_put(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    fchmod(fd, 0600);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            return -1;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

int snapshot_write(const char *dir, const struct snapshot_data *d, char **md_path, char **json_path,
                   char *err, size_t errlen)
{
    *md_path = *json_path = NULL;
    if (!dir || !*dir) {
        snprintf(err, errlen, "no folder for snapshots (set XDG_STATE_HOME or HOME)");
        return -1;
    }
    if (snapshot_mkdirs(dir, err, errlen) != 0)
        return -1;
    /* the group id in a file name: letters, digits and '-' only */
    char rg[64];
    size_t k = 0;
    for (const char *p = d->rg_id ? d->rg_id : "group"; *p && k + 1 < sizeof(rg); p++)
        rg[k++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                 (*p >= '0' && *p <= '9') || *p == '-'
                             ? *p
                             : '_');
    rg[k] = '\0';
    char t[40];
    awstime_format_iso8601_s(d->taken_ms, t, sizeof(t));
    char stamp[32];
    k = 0;
    for (const char *p = t; *p && k + 1 < sizeof(stamp); p++)
        if (*p != '-' && *p != ':')
            stamp[k++] = *p;
    stamp[k] = '\0';
    char *md = NULL, *js = NULL;
    for (int n = 1; n < 100; n++) {
        char sfx[8] = "";
        if (n > 1)
            snprintf(sfx, sizeof(sfx), "-%d", n);
        md = mem_xasprintf("%s/snapshot-%s-%s%s.md", dir, rg, stamp, sfx);
        js = mem_xasprintf("%s/snapshot-%s-%s%s.json", dir, rg, stamp, sfx);
        if (access(md, F_OK) != 0 && access(js, F_OK) != 0)
            break;
        free(md);
        free(js);
        md = js = NULL;
    }
    if (!md) {
        snprintf(err, errlen, "too many snapshots of %s at %s in %s", rg, t, dir);
        return -1;
    }
    char *text = snapshot_markdown(d);
    json_t *j = snapshot_json(d);
    char *jtext = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    int rc = -1;
    if (!jtext)
        snprintf(err, errlen, "cannot render the JSON");
    else if (snapshot_put(md, text, strlen(text), err, errlen) == 0) {
        char *jl = mem_xasprintf("%s\n", jtext);
        rc = snapshot_put(js, jl, strlen(jl), err, errlen);
        free(jl);
        if (rc != 0)
            unlink(md);
    }
    free(text);
    free(jtext);
    if (rc != 0) {
        free(md);
        free(js);
        return -1;
    }
    *md_path = md;
    *json_path = js;
    return 0;
}

/* ---- the engine ---- */

struct snapshot {
    struct loop *loop;
    struct aws_client *aws;
    char *rg_id;
    char *dir;
    bool no_doctor;
    char *cafile;
    bool insecure;
    char **connect_to;
    size_t n_connect_to;
    void (*on_section)(struct snapshot *s, enum snapshot_section sec,
                       const struct snapshot_result *r, void *arg);
    void (*on_done)(struct snapshot *s, const struct snapshot_result *r, void *arg);
    void *arg;
    int64_t taken_ms;
    struct snapshot_result res;
    struct inventory *inv;
    struct model_group *model;
    struct events_req *ev_req;
    struct events_result *ev;
    struct metrics_req *mx_req;
    struct metrics_result *mx;
    struct discover_req *disc_req;
    struct discover_result *disc;
    struct doctor *doc;
    const struct doctor_report *rep;
    struct snapshot_log *logs;
    size_t n_logs;
    bool logs_open;
    struct loop_timer *deadline;
    bool finished;
    bool not_found; /* no such group: nothing worth writing */
};

const struct snapshot_result *snapshot_result(const struct snapshot *s)
{
    return &s->res;
}

static void snapshot_release(struct snapshot *s)
{
    if (s->deadline)
        loop_untimer(s->loop, s->deadline);
    inventory_free(s->inv);
    if (s->ev_req)
        events_cancel(s->ev_req);
    if (s->mx_req)
        metrics_cancel(s->mx_req);
    if (s->disc_req)
        discover_cancel(s->disc_req);
    doctor_free(s->doc);
    discover_result_free(s->disc);
    events_result_free(s->ev);
    metrics_result_free(s->mx);
    model_group_unref(s->model);
    for (size_t i = 0; i < s->n_logs; i++) {
        free((char *)s->logs[i].source);
        free((char *)s->logs[i].text);
    }
    free(s->logs);
    for (size_t i = 0; i < s->n_connect_to; i++)
        free(s->connect_to[i]);
    free(s->connect_to);
    free(s->res.md_path);
    free(s->res.json_path);
    free(s->cafile);
    free(s->rg_id);
    free(s->dir);
    free(s);
}

void snapshot_free(struct snapshot *s)
{
    if (s)
        snapshot_release(s);
}

/* Stop what is still asking (after the files are written). */
static void snapshot_stop(struct snapshot *s)
{
    if (s->deadline)
        loop_untimer(s->loop, s->deadline);
    s->deadline = NULL;
    if (s->ev_req)
        events_cancel(s->ev_req);
    s->ev_req = NULL;
    if (s->mx_req)
        metrics_cancel(s->mx_req);
    s->mx_req = NULL;
    if (s->disc_req)
        discover_cancel(s->disc_req);
    s->disc_req = NULL;
}

static void snapshot_set(struct snapshot *s, enum snapshot_section sec, enum snapshot_state st,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void snapshot_set(struct snapshot *s, enum snapshot_section sec, enum snapshot_state st,
                         const char *fmt, ...)
{
    s->res.state[sec] = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->res.note[sec], sizeof(s->res.note[sec]), fmt, ap);
    va_end(ap);
    if (s->on_section && !s->finished)
        s->on_section(s, sec, &s->res, s->arg);
}

static void snapshot_finish(struct snapshot *s)
{
    if (s->finished)
        return;
    s->finished = true;
    snapshot_stop(s);
    struct snapshot_data d;
    memset(&d, 0, sizeof(d));
    d.rg_id = s->rg_id;
    d.region = aws_client_region(s->aws);
    d.taken_ms = s->taken_ms;
    d.model = s->model;
    d.events = s->ev;
    d.metrics = s->mx;
    d.doctor = s->rep;
    d.logs = s->logs;
    d.n_logs = s->n_logs;
    d.logs_open = s->logs_open;
    for (int i = 0; i < SNAPSHOT_SECTIONS; i++) {
        d.state[i] = s->res.state[i];
        d.note[i] = s->res.note[i][0] ? s->res.note[i] : NULL;
    }
    if (s->not_found)
        snprintf(s->res.error, sizeof(s->res.error), "replication group '%s' not found in %s",
                 s->rg_id, d.region ? d.region : "the region");
    else
        s->res.written = snapshot_write(s->dir, &d, &s->res.md_path, &s->res.json_path,
                                        s->res.error, sizeof(s->res.error)) == 0;
    if (s->on_done)
        s->on_done(s, &s->res, s->arg);
}

static void snapshot_check(struct snapshot *s)
{
    for (int i = 0; i < SNAPSHOT_SECTIONS; i++)
        if (s->res.state[i] == SNAPSHOT_PENDING)
            return;
    snapshot_finish(s);
}

static void snapshot_on_deadline(void *arg)
{
    struct snapshot *s = arg;
    s->deadline = NULL;
    for (int i = 0; i < SNAPSHOT_SECTIONS; i++)
        if (s->res.state[i] == SNAPSHOT_PENDING)
            snapshot_set(s, i, SNAPSHOT_FAILED, "no answer before the snapshot's deadline");
    snapshot_finish(s);
}

static void snapshot_on_metrics(struct metrics_result *out, const struct aws_error *err, void *arg)
{
    struct snapshot *s = arg;
    s->mx_req = NULL;
    if (!out) {
        char *m = aws_error_format(err);
        snapshot_set(s, SNAPSHOT_METRICS_SECTION, SNAPSHOT_FAILED, "%s", m ? m : "failed");
        free(m);
    } else {
        s->mx = out;
        snapshot_set(s, SNAPSHOT_METRICS_SECTION, SNAPSHOT_OK, "%zu nodes x %zu metrics",
                     out->n_nodes, out->n_metrics);
    }
    snapshot_check(s);
}

static void snapshot_metrics(struct snapshot *s)
{
    const struct model_group *g = s->model;
    struct metrics_node_in *nodes = mem_xcalloc(g->n_nodes ? g->n_nodes : 1, sizeof(*nodes));
    size_t n = 0;
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].cache_cluster_id) {
            nodes[n].cache_cluster_id = g->nodes[i].cache_cluster_id;
            nodes[n++].cache_node_id = g->nodes[i].cache_node_id;
        }
    int64_t now = aws_client_now_ms(s->aws);
    struct metrics_in in = {
        .nodes = nodes,
        .n_nodes = n,
        .metrics = snapshot_metric_names,
        .n_metrics = SNAPSHOT_N_METRICS,
        .start_ms = now - SNAPSHOT_METRICS_MS,
        .end_ms = now,
        .now_ms = now,
    };
    s->mx_req = n ? metrics_fetch(s->aws, &in, snapshot_on_metrics, s) : NULL;
    free(nodes);
    if (!s->mx_req)
        snapshot_set(s, SNAPSHOT_METRICS_SECTION, SNAPSHOT_SKIPPED, "no node to ask for");
}

static void snapshot_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    struct snapshot *s = arg;
    if (s->model)
        return;
    s->model = model_group_ref(g);
    snapshot_set(s, SNAPSHOT_TOPOLOGY, SNAPSHOT_OK, "%zu shard%s, %zu node%s", g->n_api_shards,
                 g->n_api_shards == 1 ? "" : "s", g->n_api_nodes, g->n_api_nodes == 1 ? "" : "s");
    struct placement *p = placement_build(g, s->taken_ms);
    snapshot_set(s, SNAPSHOT_PLACEMENT, SNAPSHOT_OK, "%zu AZ%s, %zu risk%s", p->n_azs,
                 p->n_azs == 1 ? "" : "s", p->n_flags, p->n_flags == 1 ? "" : "s");
    placement_free(p);
    snapshot_metrics(s);
    snapshot_check(s);
}

static void snapshot_on_inv_error(struct inventory *inv, enum inventory_op op,
                                  const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    struct snapshot *s = arg;
    if (s->model)
        return;
    char *m = aws_error_format(err);
    snapshot_set(s, SNAPSHOT_TOPOLOGY, SNAPSHOT_FAILED, "%s", m ? m : "failed");
    free(m);
    snapshot_set(s, SNAPSHOT_PLACEMENT, SNAPSHOT_FAILED, "the topology is not known");
    snapshot_set(s, SNAPSHOT_METRICS_SECTION, SNAPSHOT_SKIPPED, "the node list is not known");
    if (aws_error_is(err, "ReplicationGroupNotFoundFault")) {
        s->not_found = true;
        snapshot_finish(s);
        return;
    }
    snapshot_check(s);
}

static void snapshot_on_events(struct events_result *out, const struct aws_error *err, void *arg)
{
    struct snapshot *s = arg;
    s->ev_req = NULL;
    if (!out) {
        char *m = aws_error_format(err);
        snapshot_set(s, SNAPSHOT_EVENTS, SNAPSHOT_FAILED, "%s", m ? m : "failed");
        free(m);
    } else {
        s->ev = out;
        snapshot_set(s, SNAPSHOT_EVENTS, SNAPSHOT_OK, "%zu event%s", out->n,
                     out->n == 1 ? "" : "s");
    }
    snapshot_check(s);
}

static void snapshot_on_doctor(struct doctor *d, const struct doctor_report *r, void *arg)
{
    (void)d;
    struct snapshot *s = arg;
    s->rep = r;
    snapshot_set(s, SNAPSHOT_DOCTOR, SNAPSHOT_OK, "%s", r->summary);
    snapshot_check(s);
}

static void snapshot_on_discover(struct discover_result *res, void *arg)
{
    struct snapshot *s = arg;
    s->disc_req = NULL;
    s->disc = res;
    if (res->failed) {
        snapshot_set(s, SNAPSHOT_DOCTOR, SNAPSHOT_FAILED, "%s", res->error);
        snapshot_check(s);
        return;
    }
    struct doctor_options o = {
        .loop = s->loop,
        .disc = res,
        .token = res->token,
        .tls = !res->tls_known || res->tls,
        .cafile = s->cafile,
        .insecure = s->insecure,
        .connect_to = (const char *const *)s->connect_to,
        .n_connect_to = s->n_connect_to,
        .on_done = snapshot_on_doctor,
        .arg = s,
    };
    s->doc = doctor_start(&o);
    /* the doctor keeps its own copy of the token */
    mem_free_secret(res->token);
    res->token = NULL;
    if (!s->doc) {
        snapshot_set(s, SNAPSHOT_DOCTOR, SNAPSHOT_FAILED, "the doctor cannot start (no endpoint)");
        snapshot_check(s);
    }
}

struct snapshot *snapshot_start(const struct snapshot_options *o)
{
    if (!o || !o->loop || !o->aws || !o->rg_id || !*o->rg_id)
        return NULL;
    struct snapshot *s = mem_xcalloc(1, sizeof(*s));
    s->loop = o->loop;
    s->aws = o->aws;
    s->rg_id = mem_xstrdup(o->rg_id);
    s->dir = o->dir ? mem_xstrdup(o->dir) : snapshot_default_dir();
    s->no_doctor = o->no_doctor;
    s->cafile = o->cafile ? mem_xstrdup(o->cafile) : NULL;
    s->insecure = o->insecure;
    if (o->n_connect_to) {
        s->connect_to = mem_xcalloc(o->n_connect_to, sizeof(*s->connect_to));
        for (size_t i = 0; i < o->n_connect_to; i++)
            s->connect_to[i] = mem_xstrdup(o->connect_to[i]);
        s->n_connect_to = o->n_connect_to;
    }
    s->on_section = o->on_section;
    s->on_done = o->on_done;
    s->arg = o->arg;
    s->taken_ms = aws_client_now_ms(o->aws);
    /* the logs: copied now, as they are at this moment */
    if (o->logs) {
        struct snapshot_log *tmp = mem_xcalloc(SNAPSHOT_LOG_MAX, sizeof(*tmp));
        size_t n = o->logs(o->logs_arg, s->rg_id, tmp, SNAPSHOT_LOG_MAX);
        s->logs = mem_xcalloc(n ? n : 1, sizeof(*s->logs));
        for (size_t i = 0; i < n && i < SNAPSHOT_LOG_MAX; i++) {
            s->logs[i].ts_ms = tmp[i].ts_ms;
            s->logs[i].source = mem_xstrdup(tmp[i].source ? tmp[i].source : "");
            s->logs[i].text = mem_xstrdup(tmp[i].text ? tmp[i].text : "");
        }
        s->n_logs = n < SNAPSHOT_LOG_MAX ? n : SNAPSHOT_LOG_MAX;
        s->logs_open = n > 0;
        free(tmp);
    }
    s->res.state[SNAPSHOT_LOGS] = s->logs_open ? SNAPSHOT_OK : SNAPSHOT_SKIPPED;
    snprintf(s->res.note[SNAPSHOT_LOGS], sizeof(s->res.note[SNAPSHOT_LOGS]), "%s",
             s->logs_open ? "records of the open tail" : "no log tail open");
    if (s->logs_open)
        snprintf(s->res.note[SNAPSHOT_LOGS], sizeof(s->res.note[SNAPSHOT_LOGS]), "%zu record%s",
                 s->n_logs, s->n_logs == 1 ? "" : "s");
    struct inventory_options io = {
        .loop = s->loop,
        .aws = s->aws,
        .roles_from_metrics = true,
        .cb = {.on_group = snapshot_on_group, .on_error = snapshot_on_inv_error, .arg = s},
    };
    s->inv = inventory_new(&io);
    inventory_open(s->inv, s->rg_id);
    int64_t now = s->taken_ms;
    struct events_in ein = {
        .replication_group_id = s->rg_id,
        .start_ms = now - SNAPSHOT_EVENTS_MS,
        .end_ms = now + 60000,
    };
    s->ev_req = events_fetch(s->aws, &ein, snapshot_on_events, s);
    if (!s->ev_req) {
        s->res.state[SNAPSHOT_EVENTS] = SNAPSHOT_FAILED;
        snprintf(s->res.note[SNAPSHOT_EVENTS], sizeof(s->res.note[0]), "cannot ask DescribeEvents");
    }
    if (s->no_doctor) {
        s->res.state[SNAPSHOT_DOCTOR] = SNAPSHOT_SKIPPED;
        snprintf(s->res.note[SNAPSHOT_DOCTOR], sizeof(s->res.note[0]), "left out (--no-doctor)");
    } else {
        struct discover_options dop = {.loop = s->loop, .aws = s->aws, .rg_id = s->rg_id};
        s->disc_req = discover_start(&dop, snapshot_on_discover, s);
        if (!s->disc_req) {
            s->res.state[SNAPSHOT_DOCTOR] = SNAPSHOT_FAILED;
            snprintf(s->res.note[SNAPSHOT_DOCTOR], sizeof(s->res.note[0]),
                     "cannot look up the endpoint and token");
        }
    }
    s->deadline = loop_timer(s->loop, o->deadline_ms ? o->deadline_ms : SNAPSHOT_DEADLINE_MS,
                             snapshot_on_deadline, s);
    return s;
}
