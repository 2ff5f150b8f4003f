/* screen_failover.c - test failover of a shard from the group screen: a
 * dialog lists the group's shards (the one picked on the group screen
 * selected), asks to type the selected shard's id, then drives the
 * failover engine (core/model/failover.h) and draws its progress live -
 * the events as they come, the phase, and the roles of the shard's nodes
 * as the group screen's model has them, refreshed while it runs so the
 * placement matrix under the dialog flips too. Read-only refuses it (the
 * session's predicate, asked again when Enter is pressed). */
#include "tui/screen/screen_failover.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/model/failover.h"
#include "tui/screen/screen_group.h"
#include "tui/widget/field.h"
#include "tui/widget/listview.h"

#define SF_MAX_LINES 64
/* while following, and this long after, the group screen refreshes often */
#define SF_REFRESH_EVERY_MS 3000
#define SF_REFRESH_AFTER_MS 120000

enum { COL_SHARD, COL_PRIMARY, COL_REPLICAS, COL_AZS, COL_COUNT };

static const struct listview_col sf_cols[COL_COUNT] = {
    [COL_SHARD] = {"SHARD", 0, 0, 100, LISTVIEW_KEY},
    [COL_PRIMARY] = {"PRIMARY", 0, 0, 80, 0},
    [COL_REPLICAS] = {"REPLICAS", 10, 0, 60, 0},
    [COL_AZS] = {"AZS", 0, 0, 40, 0},
};

enum sf_state { SF_CHOOSE, SF_RUNNING, SF_DONE };

struct screen_failover {
    char *rg_id;
    struct screen *group; /* the group screen under the dialog */
    enum sf_state state;
    struct listview shards;
    struct field answer;
    bool wrong;
    char shard[8]; /* the shard being failed over */
    struct failover *f;
    char *lines[SF_MAX_LINES]; /* progress, oldest first */
    size_t nlines;
    char status[700];
    int status_role;
    uint64_t started_ms; /* loop clock */
    uint64_t ended_ms;
    uint64_t refreshed_ms;
    char old_primary[128], new_primary[128];
};

static void sf_line(struct screen_failover *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sf_line(struct screen_failover *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct buf b;
    buf_init(&b, 8192);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (d->nlines == SF_MAX_LINES) {
        free(d->lines[0]);
        memmove(d->lines, d->lines + 1, (SF_MAX_LINES - 1) * sizeof(*d->lines));
        d->nlines--;
    }
    d->lines[d->nlines++] = buf_steal(&b);
    buf_free(&b);
}

/* Is the group screen still under the dialog? */
static struct screen *sf_group_screen(struct screen *s)
{
    struct screen_failover *d = s->priv;
    for (struct screen *b = app_below(s->app, s); b; b = app_below(s->app, b))
        if (b == d->group)
            return b;
    return NULL;
}

static uint64_t sf_now(struct screen *s)
{
    return loop_now_ms(app_session(s->app)->loop);
}

/* ---- the engine's callbacks ---- */

static void sf_on_started(struct failover *f, const char *request_id, const char *group_status,
                          void *arg)
{
    (void)f;
    struct screen *s = arg;
    struct screen_failover *d = s->priv;
    sf_line(d, "TestFailover accepted (request %s); the group is %s",
            request_id && *request_id ? request_id : "-", group_status ? group_status : "-");
    snprintf(d->status, sizeof(d->status), "following the group's events...");
    struct screen *g = sf_group_screen(s);
    if (g)
        screen_group_refresh(g);
    app_dirty(s->app);
}

static void sf_on_event(struct failover *f, const struct events_event *e, void *arg)
{
    (void)f;
    struct screen *s = arg;
    struct screen_failover *d = s->priv;
    char t[40];
    awstime_format_iso8601_s(e->date_ms, t, sizeof(t));
    sf_line(d, "%s  %s: %s", t + 11, e->source_id ? e->source_id : "-",
            e->message ? e->message : "");
    app_dirty(s->app);
}

static void sf_on_phase(struct failover *f, enum failover_phase phase, void *arg)
{
    struct screen *s = arg;
    struct screen_failover *d = s->priv;
    if (phase != FAILOVER_PHASE_AVAILABLE)
        return;
    const struct failover_result *r = failover_result_now(f);
    snprintf(d->old_primary, sizeof(d->old_primary), "%s", r->old_primary);
    snprintf(d->new_primary, sizeof(d->new_primary), "%s", r->new_primary);
    snprintf(d->status, sizeof(d->status),
             "failover completed: %s is the primary of shard %s now (was %s); waiting for "
             "the group to be available",
             r->new_primary, d->shard, r->old_primary);
    struct screen *g = sf_group_screen(s);
    if (g)
        screen_group_refresh(g);
    app_dirty(s->app);
}

static void sf_on_trouble(struct failover *f, const char *text, void *arg)
{
    (void)f;
    struct screen *s = arg;
    struct screen_failover *d = s->priv;
    sf_line(d, "%s", text);
    app_message(s->app, THEME_WARNING, "failover of %s: %s", d->rg_id, text);
}

static void sf_on_done(struct failover *f, const struct failover_result *r, void *arg)
{
    (void)f;
    struct screen *s = arg;
    struct screen_failover *d = s->priv;
    d->state = SF_DONE;
    d->ended_ms = sf_now(s);
    if (r->new_primary[0]) {
        snprintf(d->old_primary, sizeof(d->old_primary), "%s", r->old_primary);
        snprintf(d->new_primary, sizeof(d->new_primary), "%s", r->new_primary);
    }
    char *detail = NULL;
    if (r->status == FAILOVER_ERROR || r->status == FAILOVER_NOT_FOUND) {
        char *m = aws_error_format(&r->err);
        detail = mem_xasprintf("%s: %s", r->operation ? r->operation : "ElastiCache", m);
        free(m);
        if (aws_error_is(&r->err, "APICallRateForCustomerExceeded")) {
            char *more = mem_xasprintf("%s (ElastiCache allows TestFailover on %d shards per "
                                       "rolling 24 hours)",
                                       detail, FAILOVER_DAILY_LIMIT);
            free(detail);
            detail = more;
        }
    } else {
        detail = mem_xstrdup(r->detail);
    }
    snprintf(d->status, sizeof(d->status), "%s (%.1f s)", detail, r->seconds);
    d->status_role = r->status == FAILOVER_COMPLETED ? THEME_OK : THEME_ERROR;
    app_message(s->app, d->status_role, "failover of %s shard %s: %s", d->rg_id, d->shard, detail);
    free(detail);
    struct screen *g = sf_group_screen(s);
    if (g)
        screen_group_refresh(g);
    app_dirty(s->app);
}

/* ---- the dialog ---- */

static void sf_start(struct screen *s)
{
    struct screen_failover *d = s->priv;
    struct session *ss = app_session(s->app);
    struct failover_options o = {
        .loop = ss->loop,
        .aws = ss->aws,
        .rg_id = d->rg_id,
        .shard = d->shard,
        .cb =
            {
                .on_started = sf_on_started,
                .on_event = sf_on_event,
                .on_phase = sf_on_phase,
                .on_trouble = sf_on_trouble,
                .on_done = sf_on_done,
                .arg = s,
            },
    };
    d->f = failover_start(&o);
    if (!d->f) {
        app_message(s->app, THEME_ERROR, "failover: cannot start for shard %s", d->shard);
        return;
    }
    d->state = SF_RUNNING;
    d->status_role = THEME_BUSY;
    d->started_ms = d->refreshed_ms = sf_now(s);
    snprintf(d->status, sizeof(d->status), "describing the group, then TestFailover...");
    sf_line(d, "test failover of shard %s of %s confirmed", d->shard, d->rg_id);
}

static const char *sf_selected(struct screen_failover *d)
{
    size_t row;
    return listview_selected(&d->shards, &row) ? listview_get(&d->shards, row, COL_SHARD) : NULL;
}

static int sf_confirm(struct screen *s)
{
    struct screen_failover *d = s->priv;
    if (d->state != SF_CHOOSE)
        return d->state == SF_DONE ? APP_CLOSE | APP_REDRAW : APP_HANDLED;
    if (app_read_only(s->app)) {
        app_message(s->app, THEME_ERROR, "read-only: failover is refused");
        return APP_CLOSE | APP_REDRAW;
    }
    const char *sel = sf_selected(d);
    char typed[8];
    if (!sel || !failover_shard_id(field_text(&d->answer), typed, sizeof(typed)) ||
        strcmp(typed, sel) != 0) {
        d->wrong = true;
        return APP_REDRAW;
    }
    snprintf(d->shard, sizeof(d->shard), "%s", sel);
    sf_start(s);
    return APP_REDRAW;
}

static int sf_request(struct screen *s, int req)
{
    struct screen_failover *d = s->priv;
    switch (req) {
    case REQ_CONFIRM:
        return sf_confirm(s);
    case REQ_BACK:
        if (d->state == SF_RUNNING)
            app_message(s->app, THEME_WARNING,
                        "stopped following; the failover of shard %s goes on (:events %s)",
                        d->shard, d->rg_id);
        return APP_IGNORED; /* the app closes the dialog */
    case REQ_UP:
    case REQ_DOWN:
    case REQ_FIRST:
    case REQ_LAST:
    case REQ_PAGE_UP:
    case REQ_PAGE_DOWN:
        if (d->state != SF_CHOOSE)
            return APP_HANDLED;
        d->wrong = false;
        return listview_request(&d->shards, req);
    default:
        return APP_HANDLED;
    }
}

static int sf_input(struct screen *s, int key)
{
    struct screen_failover *d = s->priv;
    if (d->state != SF_CHOOSE || key == KEYMAP_ENTER || key == KEYMAP_ESC)
        return APP_IGNORED;
    /* digits (shard ids are digits) and editing go to the field; other
     * keys to the keymap: arrows and j/k choose the shard, ? helps */
    bool edit =
        key == KEYMAP_FN(KEY_BACKSPACE) || key == KEYMAP_FN(KEY_DC) || (key > 0 && key < ' ');
    if (!(key >= '0' && key <= '9') && !edit)
        return APP_IGNORED;
    enum field_result r = field_key(&d->answer, key);
    if (r == FIELD_CHANGED)
        d->wrong = false;
    return r == FIELD_IGNORED ? APP_IGNORED : APP_REDRAW;
}

/* The shard's nodes as the group screen's model has them now. */
static void sf_roles(struct screen *s, char *out, size_t n)
{
    struct screen_failover *d = s->priv;
    struct screen *gs = sf_group_screen(s);
    const struct model_group *g = gs ? screen_group_model(gs) : NULL;
    out[0] = '\0';
    if (!g)
        return;
    size_t l = 0;
    for (size_t si = 0; si < g->n_shards; si++) {
        if (!g->shards[si].id || strcmp(g->shards[si].id, d->shard) != 0)
            continue;
        for (size_t k = 0; k < g->shards[si].n_nodes && l + 2 < n; k++) {
            const struct model_node *nd = &g->nodes[g->shards[si].nodes[k]];
            snprintf(out + l, n - l, "%s%s %s (%s)", k ? "   " : "",
                     nd->cache_cluster_id ? nd->cache_cluster_id : "?", model_role_name(nd->role),
                     model_role_source_name(nd->role_source));
            l = strlen(out);
        }
    }
}

struct sf_wrap {
    WINDOW *w;
    int y, x, width, max_y;
};

static void sf_wrap_line(void *ctx, const char *t, size_t n)
{
    struct sf_wrap *c = ctx;
    if (c->y < c->max_y)
        app_put_span(c->w, c->y++, c->x, c->width, 0, t, n);
}

static void sf_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_failover *d = s->priv;
    struct app *a = s->app;
    int bw = cols - 4 < 110 ? cols - 4 : 110;
    int bh = d->state == SF_CHOOSE ? (int)listview_total(&d->shards) + 9 : 18;
    if (bh > rows)
        bh = rows;
    /* at the bottom, so the placement matrix above stays in sight */
    int by = y0 + rows - bh, bx = (cols - bw) / 2, inner = bw - 4;
    app_style(a, w, THEME_NORMAL);
    for (int i = 0; i < bh; i++)
        app_put(w, by + i, bx, bw, "", true);
    char head[200];
    snprintf(head, sizeof(head), "Test failover of a shard of %s", d->rg_id);
    app_style(a, w, THEME_TITLE);
    app_put(w, by, bx, bw, "", true);
    app_put(w, by, bx + 2, bw - 4, head, false);
    int y = by + 1, end = by + bh - 1;
    if (d->state == SF_CHOOSE) {
        app_style(a, w, THEME_NORMAL);
        app_put(w, y++, bx + 2, inner,
                "The shard's primary is replaced by a replica (TestFailover; ElastiCache allows "
                "15 shards a day).",
                false);
        int lh = (int)listview_total(&d->shards) + 1;
        listview_draw(&d->shards, a, w, y, bx + 2, lh, inner, true);
        y += lh + 1;
        const char *sel = sf_selected(d);
        char ask[200];
        snprintf(ask, sizeof(ask), "Type the shard id (%s) to fail it over:", sel ? sel : "?");
        app_style(a, w, d->wrong ? THEME_ERROR : THEME_NORMAL);
        app_put(w, y++, bx + 2, inner,
                d->wrong ? "That is not the selected shard's id: nothing was done. Type it "
                           "exactly:"
                         : ask,
                true);
        app_style(a, w, THEME_SELECTED);
        field_draw(&d->answer, w, y++, bx + 2, 12);
        app_style(a, w, THEME_DIM);
        app_put(w, end, bx + 2, inner,
                "Up/Down (j/k): another shard   Enter: fail it over   Esc: cancel", false);
    } else {
        char roles[1024];
        sf_roles(s, roles, sizeof(roles));
        app_style(a, w, d->status_role);
        struct sf_wrap c = {w, y, bx + 2, inner, y + 2};
        app_wrap(d->status, inner, sf_wrap_line, &c);
        y = c.y;
        double secs =
            (double)((d->state == SF_DONE ? d->ended_ms : sf_now(s)) - d->started_ms) / 1000.0;
        char line[1200];
        snprintf(line, sizeof(line), "Shard %s, %.0f s: %s", d->shard, secs,
                 roles[0] ? roles : "(the group's roles: loading)");
        app_style(a, w, THEME_PRIMARY);
        app_put(w, y++, bx + 2, inner, line, false);
        if (d->new_primary[0]) {
            snprintf(line, sizeof(line),
                     "The events say: %s is the new primary (was %s); the roles above follow "
                     "as their sources see it.",
                     d->new_primary, d->old_primary);
            app_style(a, w, THEME_DIM);
            app_put(w, y++, bx + 2, inner, line, false);
        }
        app_style(a, w, THEME_COLUMN);
        app_put(w, y++, bx + 2, inner, "Progress", false);
        app_style(a, w, THEME_NORMAL);
        int room = end - y;
        size_t first = d->nlines > (size_t)(room > 0 ? room : 0) ? d->nlines - (size_t)room : 0;
        for (size_t i = first; i < d->nlines && y < end; i++)
            app_put(w, y++, bx + 2, inner, d->lines[i], false);
        app_style(a, w, THEME_DIM);
        app_put(w, end, bx + 2, inner,
                d->state == SF_DONE ? "Enter or Esc: close"
                                    : "Esc: stop following (the failover goes on)",
                false);
    }
    app_style(a, w, THEME_KEY);
    for (int i = 1; i < bh; i++) {
        mvwaddch(w, by + i, bx, ' ');
        mvwaddch(w, by + i, bx + bw - 1, ' ');
    }
    app_style(a, w, THEME_NORMAL);
}

static int sf_tick(struct screen *s)
{
    struct screen_failover *d = s->priv;
    if (d->state == SF_CHOOSE)
        return APP_HANDLED;
    uint64_t now = sf_now(s);
    /* keep the group screen's model fresh while it runs and a while
     * after, so the roles under the dialog flip as their sources see it */
    bool recent = d->state == SF_RUNNING || now - d->ended_ms < SF_REFRESH_AFTER_MS;
    if (recent && now - d->refreshed_ms >= SF_REFRESH_EVERY_MS) {
        d->refreshed_ms = now;
        struct screen *g = sf_group_screen(s);
        if (g)
            screen_group_refresh(g);
    }
    return APP_REDRAW;
}

static const char *sf_title(struct screen *s)
{
    (void)s;
    return "Test failover";
}

static const char *sf_group(struct screen *s)
{
    struct screen_failover *d = s->priv;
    return d->rg_id;
}

static void sf_destroy(struct screen *s)
{
    struct screen_failover *d = s->priv;
    failover_free(d->f);
    for (size_t i = 0; i < d->nlines; i++)
        free(d->lines[i]);
    listview_free(&d->shards);
    field_free(&d->answer);
    free(d->rg_id);
    free(d);
    free(s);
}

static const struct screen_ops screen_failover_ops = {
    .name = "failover",
    .draw = sf_draw,
    .request = sf_request,
    .input = sf_input,
    .title = sf_title,
    .tick = sf_tick,
    .group = sf_group,
    .destroy = sf_destroy,
    .dialog = true,
};

struct screen *screen_failover_new(struct app *a, struct screen *group, const struct model_group *g,
                                   const char *shard)
{
    if (!g || !g->n_api_shards) {
        app_message(a, THEME_ERROR, "failover: the group's shards are not known yet");
        return NULL;
    }
    struct screen_failover *d = mem_xcalloc(1, sizeof(*d));
    d->rg_id = mem_xstrdup(g->id ? g->id : "?");
    d->group = group;
    d->status_role = THEME_NORMAL;
    field_init(&d->answer, 8);
    listview_init(&d->shards, sf_cols, COL_COUNT);
    listview_begin(&d->shards);
    for (size_t si = 0; si < g->n_api_shards; si++) {
        const struct model_shard *sh = &g->shards[si];
        struct buf reps, azs;
        buf_init(&reps, 4096);
        buf_init(&azs, 4096);
        const char *primary = "-";
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            const char *id = n->cache_cluster_id ? n->cache_cluster_id : "?";
            if (n->role == MODEL_ROLE_PRIMARY)
                primary = id;
            else
                buf_printf(&reps, "%s%s", reps.len ? " " : "", id);
            if (n->az && !strstr(buf_str(&azs), n->az))
                buf_printf(&azs, "%s%s", azs.len ? " " : "", n->az);
        }
        size_t r = listview_add(&d->shards);
        listview_set(&d->shards, r, COL_SHARD, THEME_NORMAL, "%s", sh->id ? sh->id : "?");
        listview_set(&d->shards, r, COL_PRIMARY, THEME_PRIMARY, "%s", primary);
        listview_set(&d->shards, r, COL_REPLICAS, reps.len ? THEME_REPLICA : THEME_WARNING, "%s",
                     reps.len ? buf_str(&reps) : "none: nothing to fail over to");
        listview_set(&d->shards, r, COL_AZS, THEME_DIM, "%s", azs.len ? buf_str(&azs) : "-");
        buf_free(&reps);
        buf_free(&azs);
    }
    listview_end(&d->shards);
    if (shard)
        listview_select_key(&d->shards, shard);
    return app_screen_new(a, &screen_failover_ops, d);
}
