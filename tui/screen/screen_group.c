/* screen_group.c - one replication group: what the API says about it,
 * where its nodes sit per AZ (with the risks that shows), and its nodes.
 * The model is rebuilt in the background by the inventory engine; the age
 * of the data is always in the title. */
#include "tui/screen/screen_group.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/config.h"
#include "core/model/inventory.h"
#include "core/model/placement.h"

#define SG_MAX_SEGS 16

/* A line is a few segments, each with its own role. */
struct sg_seg {
    char *text;
    int role;
    int width; /* 0: as long as the text */
};

struct sg_line {
    struct sg_seg segs[SG_MAX_SEGS];
    int nsegs;
};

struct screen_group {
    struct screen base;
    char *rg_id;
    struct inventory *inv;
    struct sg_line *lines;
    size_t nlines, caplines;
    size_t scroll;
    int page;
    int64_t fetched_ms;
    bool loaded;
    bool missing;
    char error[512];
    char title[320];
};

static struct sg_line *sg_line(struct screen_group *sg)
{
    sg->lines = mem_xgrow(sg->lines, &sg->caplines, sg->nlines + 1, sizeof(*sg->lines));
    struct sg_line *l = &sg->lines[sg->nlines++];
    memset(l, 0, sizeof(*l));
    return l;
}

static void sg_seg(struct sg_line *l, int role, int width, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void sg_seg(struct sg_line *l, int role, int width, const char *fmt, ...)
{
    if (l->nsegs >= SG_MAX_SEGS)
        return;
    struct buf b;
    buf_init(&b, 4096);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    l->segs[l->nsegs++] = (struct sg_seg){buf_steal(&b), role, width};
}

static void sg_clear(struct screen_group *sg)
{
    for (size_t i = 0; i < sg->nlines; i++)
        for (int k = 0; k < sg->lines[i].nsegs; k++)
            free(sg->lines[i].segs[k].text);
    sg->nlines = 0;
}

static const char *sg_s(const char *s)
{
    return s && *s ? s : "-";
}

static int sg_flag_role(enum placement_severity s)
{
    return s == PLACEMENT_CRITICAL  ? THEME_ERROR
           : s == PLACEMENT_WARNING ? THEME_WARNING
                                    : THEME_DIM;
}

static void sg_facts(struct screen_group *sg, const struct model_group *g)
{
    struct sg_line *l = sg_line(sg);
    sg_seg(l, THEME_TITLE, 0, "%s", sg_s(g->id));
    sg_seg(l, !strcmp(sg_s(g->status), "available") ? THEME_OK : THEME_BUSY, 0, "  %s",
           sg_s(g->status));
    sg_seg(l, THEME_NORMAL, 0, "  %s %s  %s  cluster mode %s  %zu shard%s, %zu node%s",
           sg_s(g->engine), g->engine_version ? g->engine_version : "", sg_s(g->node_type),
           g->cluster_enabled ? "on" : "off", g->n_api_shards, g->n_api_shards == 1 ? "" : "s",
           g->n_api_nodes, g->n_api_nodes == 1 ? "" : "s");
    if (g->description) {
        l = sg_line(sg);
        sg_seg(l, THEME_DIM, 0, "%s", g->description);
    }
    l = sg_line(sg);
    if (g->configuration_endpoint.host) {
        sg_seg(l, THEME_COLUMN, 24, "Configuration endpoint");
        sg_seg(l, THEME_NORMAL, 0, " %s:%d", g->configuration_endpoint.host,
               g->configuration_endpoint.port);
    } else {
        sg_seg(l, THEME_COLUMN, 24, "Primary / reader");
        sg_seg(l, THEME_NORMAL, 0, " %s:%d  /  %s:%d", sg_s(g->primary_endpoint.host),
               g->primary_endpoint.port, sg_s(g->reader_endpoint.host), g->reader_endpoint.port);
    }
    l = sg_line(sg);
    sg_seg(l, THEME_COLUMN, 24, "Availability");
    sg_seg(l, g->multi_az_enabled ? THEME_OK : THEME_WARNING, 0, " Multi-AZ %s", sg_s(g->multi_az));
    sg_seg(l, g->automatic_failover_enabled ? THEME_OK : THEME_WARNING, 0,
           "   automatic failover %s", sg_s(g->automatic_failover));
    l = sg_line(sg);
    sg_seg(l, THEME_COLUMN, 24, "Encryption");
    /* the key's id is enough here; `show` prints the whole ARN */
    const char *key = g->kms_key_id ? strrchr(g->kms_key_id, '/') : NULL;
    key = key ? key + 1 : g->kms_key_id;
    sg_seg(l, g->at_rest_encryption ? THEME_OK : THEME_WARNING, 0, " at rest %s%s%s%s",
           g->at_rest_encryption ? "yes" : "no", key ? " (key " : "", key ? key : "",
           key ? ")" : "");
    sg_seg(l, g->transit_encryption ? THEME_OK : THEME_WARNING, 0, "   in transit %s%s%s%s",
           g->transit_encryption ? "yes" : "no", g->transit_encryption_mode ? " (" : "",
           g->transit_encryption_mode ? g->transit_encryption_mode : "",
           g->transit_encryption_mode ? ")" : "");
    sg_seg(l, g->auth_token_enabled ? THEME_OK : THEME_WARNING, 0, "   AUTH %s",
           g->auth_token_enabled ? "yes" : "no");
    l = sg_line(sg);
    sg_seg(l, THEME_COLUMN, 24, "Backups");
    if (g->has_snapshot_retention_limit && g->snapshot_retention_limit > 0)
        sg_seg(l, THEME_OK, 0, " kept %d day%s", g->snapshot_retention_limit,
               g->snapshot_retention_limit == 1 ? "" : "s");
    else
        sg_seg(l, THEME_WARNING, 0, " off");
    sg_seg(l, THEME_NORMAL, 0, "   auto minor version upgrade %s",
           g->has_auto_minor_version_upgrade ? (g->auto_minor_version_upgrade ? "on" : "off")
                                             : "?");
    if (g->n_log_delivery == 0) {
        l = sg_line(sg);
        sg_seg(l, THEME_COLUMN, 24, "Log delivery");
        sg_seg(l, THEME_WARNING, 0, " none (no slow log or engine log in CloudWatch)");
    }
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        const struct model_log_delivery *d = &g->log_delivery[i];
        l = sg_line(sg);
        sg_seg(l, THEME_COLUMN, 24, i == 0 ? "Log delivery" : "");
        sg_seg(l, !strcmp(sg_s(d->status), "active") ? THEME_OK : THEME_WARNING, 0,
               " %s -> %s (%s, %s, %s)%s%s", sg_s(d->log_type), sg_s(d->destination),
               sg_s(d->destination_type), sg_s(d->log_format), sg_s(d->status),
               d->message ? ": " : "", d->message ? d->message : "");
    }
    if (g->tags_error) {
        l = sg_line(sg);
        sg_seg(l, THEME_COLUMN, 24, "Tags");
        sg_seg(l, THEME_DIM, 0, " not read: %s", g->tags_error);
    } else if (g->tags_read) {
        struct buf b;
        buf_init(&b, 8192);
        for (size_t i = 0; i < g->n_tags; i++)
            buf_printf(&b, "%s%s=%s", i ? "  " : "", g->tags[i].key, g->tags[i].value);
        l = sg_line(sg);
        sg_seg(l, THEME_COLUMN, 24, "Tags");
        sg_seg(l, THEME_NORMAL, 0, " %s", g->n_tags ? buf_str(&b) : "none");
        buf_free(&b);
    }
    for (size_t i = 0; i < g->n_pending; i++) {
        l = sg_line(sg);
        sg_seg(l, THEME_COLUMN, 24, i == 0 ? "Pending changes" : "");
        sg_seg(l, THEME_BUSY, 0, " %s = %s", sg_s(g->pending[i].key), sg_s(g->pending[i].value));
    }
}

static void sg_placement(struct screen_group *sg, const struct model_group *g, int64_t now)
{
    struct placement *p = placement_build(g, now);
    sg_line(sg);
    struct sg_line *l = sg_line(sg);
    sg_seg(l, THEME_TITLE, 10, "Placement");
    for (size_t a = 0; a < p->n_azs; a++)
        sg_seg(l, THEME_COLUMN, 22, " %s (%zuP %zuR)", p->azs[a].name, p->azs[a].primaries,
               p->azs[a].replicas);
    for (size_t s = 0; s < p->n_shards && s < g->n_shards; s++) {
        l = sg_line(sg);
        sg_seg(l, THEME_NORMAL, 10, "%s", sg_s(g->shards[s].id));
        for (size_t a = 0; a < p->n_azs; a++) {
            const struct placement_cell *c = placement_cell(p, s, a);
            struct buf b;
            buf_init(&b, 1024);
            int role = THEME_DIM;
            for (size_t k = 0; c && k < c->n_nodes; k++) {
                const struct model_node *n = &g->nodes[c->nodes[k]];
                const char *id = n->cache_cluster_id ? n->cache_cluster_id : "?";
                /* the member suffix is enough inside a shard's row */
                const char *dash = strrchr(id, '-');
                buf_printf(&b, "%s%c %s", k ? " " : "",
                           n->role == MODEL_ROLE_PRIMARY   ? 'P'
                           : n->role == MODEL_ROLE_REPLICA ? 'R'
                                                           : '?',
                           dash ? dash + 1 : id);
                if (n->role == MODEL_ROLE_PRIMARY)
                    role = THEME_PRIMARY;
                else if (role != THEME_PRIMARY)
                    role = THEME_REPLICA;
            }
            sg_seg(l, b.len ? role : THEME_DIM, 22, " %s", b.len ? buf_str(&b) : ".");
            buf_free(&b);
        }
    }
    l = sg_line(sg);
    if (p->n_flags == 0) {
        sg_seg(l, THEME_OK, 0, "No placement risks.");
    } else {
        sg_seg(l, THEME_TITLE, 0, "Risks");
        for (size_t i = 0; i < p->n_flags; i++) {
            const struct placement_flag *f = &p->flags[i];
            l = sg_line(sg);
            sg_seg(l, sg_flag_role(f->severity), 10, " %s", placement_severity_name(f->severity));
            sg_seg(l, THEME_DIM, 20, "%s", f->id);
            sg_seg(l, THEME_NORMAL, 0, "%s", f->text ? f->text : "");
        }
    }
    placement_free(p);
}

static void sg_nodes(struct screen_group *sg, const struct model_group *g)
{
    sg_line(sg);
    struct sg_line *l = sg_line(sg);
    sg_seg(l, THEME_COLUMN, 24, "CACHE CLUSTER");
    sg_seg(l, THEME_COLUMN, 6, "NODE");
    sg_seg(l, THEME_COLUMN, 6, "SHARD");
    sg_seg(l, THEME_COLUMN, 9, "ROLE");
    sg_seg(l, THEME_COLUMN, 12, "AZ");
    sg_seg(l, THEME_COLUMN, 11, "STATUS");
    sg_seg(l, THEME_COLUMN, 21, "CREATED");
    sg_seg(l, THEME_COLUMN, 0, "ENDPOINT");
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            l = sg_line(sg);
            sg_seg(l, THEME_NORMAL, 24, "%s", sg_s(n->cache_cluster_id));
            sg_seg(l, THEME_NORMAL, 6, "%s", sg_s(n->cache_node_id));
            sg_seg(l, THEME_NORMAL, 6, "%s", sg_s(sh->id));
            sg_seg(l,
                   n->role == MODEL_ROLE_PRIMARY   ? THEME_PRIMARY
                   : n->role == MODEL_ROLE_REPLICA ? THEME_REPLICA
                                                   : THEME_DIM,
                   9, "%s", model_role_name(n->role));
            sg_seg(l, THEME_NORMAL, 12, "%s", sg_s(n->az));
            sg_seg(l, !strcmp(sg_s(n->status), "available") ? THEME_OK : THEME_BUSY, 11, "%s",
                   sg_s(n->status));
            char created[40] = "-";
            if (n->create_time_ms)
                awstime_format_iso8601_s(n->create_time_ms, created, sizeof(created));
            sg_seg(l, THEME_DIM, 21, "%s", created);
            if (n->endpoint.host)
                sg_seg(l, THEME_NORMAL, 0, "%s:%d", n->endpoint.host, n->endpoint.port);
            else
                sg_seg(l, THEME_DIM, 0, "-");
        }
    }
    for (size_t i = 0; i < g->n_diffs; i++) {
        l = sg_line(sg);
        sg_seg(l, THEME_WARNING, 0, "API and Redis differ: %s",
               g->diffs[i].text ? g->diffs[i].text : "");
    }
}

static void sg_rebuild(struct screen_group *sg)
{
    sg_clear(sg);
    struct model_group *g = inventory_group(sg->inv);
    if (!g)
        return;
    int64_t now = loop_wall_ms(app_session(sg->base.app)->loop);
    sg->fetched_ms = g->fetched_ms;
    sg_facts(sg, g);
    sg_placement(sg, g, now);
    sg_nodes(sg, g);
}

static void sg_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    (void)g;
    struct screen_group *sg = arg;
    sg->loaded = true;
    sg->missing = false;
    sg->error[0] = '\0';
    sg_rebuild(sg);
    app_dirty(sg->base.app);
}

static void sg_on_error(struct inventory *inv, enum inventory_op op, const struct aws_error *err,
                        void *arg)
{
    (void)inv;
    (void)op;
    struct screen_group *sg = arg;
    char *m = aws_error_format(err);
    snprintf(sg->error, sizeof(sg->error), "%s", m);
    free(m);
    sg->missing = aws_error_is(err, "ReplicationGroupNotFoundFault");
    app_message(sg->base.app, THEME_ERROR, "%s", sg->error);
}

static const char *sg_title(struct screen *s)
{
    struct screen_group *sg = (struct screen_group *)s;
    size_t n = sizeof(sg->title);
    snprintf(sg->title, n, " Replication group %s", sg->rg_id);
    size_t l = strlen(sg->title);
    if (sg->fetched_ms) {
        int64_t age = (loop_wall_ms(app_session(s->app)->loop) - sg->fetched_ms) / 1000;
        snprintf(sg->title + l, n - l, "  data from the API, %llds old%s", (long long)age,
                 inventory_busy(sg->inv, INVENTORY_OP_GROUP) ? ", refreshing..." : "");
    } else {
        snprintf(sg->title + l, n - l, "  loading...");
    }
    return sg->title;
}

static void sg_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_group *sg = (struct screen_group *)s;
    struct app *a = s->app;
    sg->page = rows;
    if (!sg->loaded) {
        app_style(a, w, sg->error[0] ? THEME_ERROR : THEME_DIM);
        app_put(w, y0 + 1, 2, cols - 4,
                sg->missing    ? "This replication group does not exist (any more)."
                : sg->error[0] ? sg->error
                               : "Describing the group and its nodes...",
                false);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    if (sg->scroll + 1 > sg->nlines)
        sg->scroll = sg->nlines ? sg->nlines - 1 : 0;
    int y = y0;
    for (size_t i = sg->scroll; i < sg->nlines && y < y0 + rows; i++, y++) {
        int x = 1;
        const struct sg_line *l = &sg->lines[i];
        for (int k = 0; k < l->nsegs && x < cols; k++) {
            const struct sg_seg *sgm = &l->segs[k];
            int width = sgm->width ? sgm->width : cols - x;
            if (width > cols - x)
                width = cols - x;
            app_style(a, w, sgm->role);
            int used = app_put(w, y, x, width, sgm->text, sgm->width != 0);
            x += sgm->width ? width + 1 : used;
        }
        app_style(a, w, THEME_NORMAL);
    }
}

static int sg_key(struct screen *s, int key)
{
    struct screen_group *sg = (struct screen_group *)s;
    size_t page = sg->page > 2 ? (size_t)sg->page - 1 : 1;
    switch (key) {
    case KEY_DOWN:
    case 'j':
        if (sg->scroll + 1 < sg->nlines)
            sg->scroll++;
        return APP_REDRAW;
    case KEY_UP:
    case 'k':
        if (sg->scroll)
            sg->scroll--;
        return APP_REDRAW;
    case KEY_NPAGE:
    case ' ':
        sg->scroll += page;
        return APP_REDRAW;
    case KEY_PPAGE:
        sg->scroll = sg->scroll > page ? sg->scroll - page : 0;
        return APP_REDRAW;
    case 'g':
    case KEY_HOME:
        sg->scroll = 0;
        return APP_REDRAW;
    case 'r':
        inventory_refresh(sg->inv);
        return APP_REDRAW;
    default:
        return APP_IGNORED;
    }
}

static void sg_destroy(struct screen *s)
{
    struct screen_group *sg = (struct screen_group *)s;
    inventory_free(sg->inv);
    sg_clear(sg);
    free(sg->lines);
    free(sg->rg_id);
    free(sg);
}

static const struct screen_ops screen_group_ops = {
    .name = "group",
    .draw = sg_draw,
    .key = sg_key,
    .destroy = sg_destroy,
    .title = sg_title,
    .hints = "j/k scroll  r refresh  esc back",
};

struct screen *screen_group_new(struct app *a, const char *rg_id)
{
    struct screen_group *sg = mem_xcalloc(1, sizeof(*sg));
    sg->base.ops = &screen_group_ops;
    sg->base.app = a;
    sg->rg_id = mem_xstrdup(rg_id);
    struct session *ss = app_session(a);
    const struct config *cfg = ss->opts ? ss->opts->config : NULL;
    struct inventory_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.aws = ss->aws;
    o.refresh_ms = (uint64_t)(cfg && cfg->refresh_s ? cfg->refresh_s : 15) * 1000;
    o.roles_from_metrics = true;
    o.tags = true;
    o.cb.on_group = sg_on_group;
    o.cb.on_error = sg_on_error;
    o.cb.arg = sg;
    sg->inv = inventory_new(&o);
    inventory_open(sg->inv, rg_id);
    return &sg->base;
}
