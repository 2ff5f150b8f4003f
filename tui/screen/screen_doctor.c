/* screen_doctor.c - the connectivity doctor, drawn as it runs (see
 * screen_doctor.h). */
#include "tui/screen/screen_doctor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/discover.h"
#include "core/redis/doctor.h"
#include "tui/widget/listview.h"

enum {
    DCOL_CHECK,
    DCOL_SHARD,
    DCOL_ROLE,
    DCOL_AZ,
    DCOL_DNS,
    DCOL_CONNECT,
    DCOL_TLS,
    DCOL_AUTH,
    DCOL_PING,
    DCOL_VERDICT,
    DCOL_COUNT,
};

static const struct listview_col sd_cols[DCOL_COUNT] = {
    [DCOL_CHECK] = {"ENDPOINT", 0, 0, 100, LISTVIEW_KEY},
    [DCOL_SHARD] = {"SHARD", 0, 0, 60, 0},
    [DCOL_ROLE] = {"ROLE", 0, 0, 55, 0},
    [DCOL_AZ] = {"AZ", 0, 0, 40, 0},
    [DCOL_DNS] = {"DNS", 0, 0, 90, 0},
    [DCOL_CONNECT] = {"TCP", 0, 0, 90, 0},
    [DCOL_TLS] = {"TLS", 0, 0, 90, 0},
    [DCOL_AUTH] = {"AUTH", 0, 0, 90, 0},
    [DCOL_PING] = {"PING", 0, 0, 90, 0},
    [DCOL_VERDICT] = {"VERDICT", 8, 0, 95, 0},
};

struct screen_doctor {
    struct app *a;
    char *rg_id;
    struct discover_req *disc_req;
    struct discover_result *disc;
    struct doctor *doc;
    const struct doctor_report *rep; /* when done */
    bool failed;
    char error[700];
    uint64_t started_ms;
    uint64_t took_ms;
    struct listview table;
    struct listview notes;
    bool dirty;
    int width; /* notes are wrapped to it */
    char title[900];
};

static void sd_start(struct screen_doctor *d);

static void sd_cell(struct listview *lv, size_t r, int col, const struct doctor_step_result *s,
                    bool running)
{
    switch (s->status) {
    case DOCTOR_OK:
        listview_set(lv, r, (size_t)col, THEME_OK, "ok %llums", (unsigned long long)s->ms);
        break;
    case DOCTOR_WARN:
        listview_set(lv, r, (size_t)col, THEME_WARNING, "WARN %llums", (unsigned long long)s->ms);
        break;
    case DOCTOR_FAIL:
        listview_set(lv, r, (size_t)col, THEME_FAILED, "FAIL %llums", (unsigned long long)s->ms);
        break;
    case DOCTOR_SKIP:
        listview_set(lv, r, (size_t)col, THEME_DIM, "-");
        break;
    case DOCTOR_PENDING:
        listview_set(lv, r, (size_t)col, running ? THEME_BUSY : THEME_DIM, "%s",
                     running ? "..." : "");
        break;
    }
}

struct sd_wrap {
    struct listview *lv;
    int role, indent;
};

static void sd_wrap_line(void *ctx, const char *s, size_t n)
{
    struct sd_wrap *w = ctx;
    size_t r = listview_add(w->lv);
    if (w->indent)
        listview_seg(w->lv, r, THEME_NORMAL, w->indent, "%s", "");
    listview_seg(w->lv, r, w->role, 0, "%.*s", (int)n, s);
    w->indent = w->indent ? w->indent : 4; /* continuation lines are indented */
}

static void sd_note(struct screen_doctor *d, int role, int indent, const char *text)
{
    struct buf b;
    buf_init(&b, 0);
    for (const char *p = text; *p; p++)
        buf_appendc(&b, (unsigned char)*p < 0x20 ? ' ' : *p);
    struct sd_wrap w = {&d->notes, role, indent};
    int width = (d->width > 30 ? d->width : 100) - 2 - indent;
    app_wrap(buf_str(&b), width, sd_wrap_line, &w);
    buf_free(&b);
}

static void sd_rebuild(struct screen_doctor *d)
{
    const struct doctor_report *rep = d->doc ? doctor_report(d->doc) : NULL;
    listview_begin(&d->table);
    listview_begin(&d->notes);
    for (size_t i = 0; rep && i < rep->n_checks; i++) {
        const struct doctor_check *k = &rep->checks[i];
        size_t r = listview_add(&d->table);
        if (k->cache_cluster_id[0])
            listview_set(&d->table, r, DCOL_CHECK, THEME_NORMAL, "%s %s:%d", k->cache_cluster_id,
                         k->host, k->port);
        else
            listview_set(&d->table, r, DCOL_CHECK, THEME_NORMAL, "%s %s:%d",
                         doctor_kind_name(k->kind), k->host, k->port);
        listview_set(&d->table, r, DCOL_SHARD, THEME_NORMAL, "%s", k->shard[0] ? k->shard : "-");
        listview_set(&d->table, r, DCOL_ROLE,
                     !strcmp(k->role, "primary")   ? THEME_PRIMARY
                     : !strcmp(k->role, "replica") ? THEME_REPLICA
                                                   : THEME_DIM,
                     "%s", k->role[0] ? k->role : "-");
        listview_set(&d->table, r, DCOL_AZ, THEME_NORMAL, "%s", k->az[0] ? k->az : "-");
        /* the step running now shows "...": the first one still pending */
        bool shown_running = false;
        for (int st = 0; st < DOCTOR_STEPS; st++) {
            bool running = !k->done && !shown_running && k->steps[st].status == DOCTOR_PENDING;
            if (running)
                shown_running = true;
            sd_cell(&d->table, r, DCOL_DNS + st, &k->steps[st], running);
        }
        if (!k->done)
            listview_set(&d->table, r, DCOL_VERDICT, THEME_BUSY, "checking...");
        else if (k->ok)
            listview_set(&d->table, r, DCOL_VERDICT, THEME_OK, "OK %llums",
                         (unsigned long long)k->total_ms);
        else
            listview_set(&d->table, r, DCOL_VERDICT, THEME_FAILED, "%s",
                         doctor_cause_name(k->cause));
    }
    listview_end(&d->table);
    if (d->failed) {
        sd_note(d, THEME_ERROR, 0, d->error);
    } else if (!rep) {
        sd_note(d, THEME_DIM, 0, "Finding the endpoint, the nodes and the token...");
    } else {
        const struct doctor_topology *tp = &rep->topology;
        char line[1500];
        if (tp->checked)
            snprintf(line, sizeof(line), "Slots: %s%s", tp->ok ? "ok: " : "PROBLEM: ", tp->detail);
        else
            snprintf(line, sizeof(line), "Slots: %s",
                     d->rep ? (tp->detail[0] ? tp->detail : "not checked") : "checked at the end");
        sd_note(d, tp->checked ? (tp->ok ? THEME_OK : THEME_FAILED) : THEME_DIM, 0, line);
        for (size_t i = 0; i < rep->n_checks; i++) {
            const struct doctor_check *k = &rep->checks[i];
            if (!k->done || k->ok)
                continue;
            snprintf(line, sizeof(line), "%s %s:%d failed (%s): %s",
                     k->cache_cluster_id[0] ? k->cache_cluster_id : doctor_kind_name(k->kind),
                     k->host, k->port, doctor_cause_name(k->cause), k->error);
            sd_note(d, THEME_FAILED, 0, line);
            snprintf(line, sizeof(line), "usual cause: %s", k->advice);
            sd_note(d, THEME_NORMAL, 2, line);
        }
        if (d->rep) {
            snprintf(line, sizeof(line), "Verdict: %s (%.2f s)", rep->summary,
                     (double)rep->total_ms / 1000.0);
            sd_note(d, rep->ok ? THEME_OK : THEME_FAILED, 0, line);
        } else {
            size_t done = 0;
            for (size_t i = 0; i < rep->n_checks; i++)
                done += rep->checks[i].done;
            snprintf(line, sizeof(line), "Running: %zu of %zu endpoints checked...", done,
                     rep->n_checks);
            sd_note(d, THEME_BUSY, 0, line);
        }
    }
    listview_end(&d->notes);
    d->dirty = false;
}

static void sd_progress(struct doctor *doc, size_t check, enum doctor_step step, void *arg)
{
    struct screen_doctor *d = arg;
    (void)doc;
    (void)check;
    (void)step;
    d->dirty = true;
    app_dirty(d->a);
}

static void sd_done(struct doctor *doc, const struct doctor_report *rep, void *arg)
{
    struct screen_doctor *d = arg;
    (void)doc;
    d->rep = rep;
    d->took_ms = loop_now_ms(app_session(d->a)->loop) - d->started_ms;
    d->dirty = true;
    if (!rep->ok)
        app_message(d->a, THEME_ERROR, "doctor %s: %s", d->rg_id, rep->summary);
    app_dirty(d->a);
}

static void sd_fail(struct screen_doctor *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sd_fail(struct screen_doctor *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error, sizeof(d->error), fmt, ap);
    va_end(ap);
    d->failed = true;
    d->dirty = true;
    app_message(d->a, THEME_ERROR, "doctor %s: %s", d->rg_id, d->error);
    app_dirty(d->a);
}

static void sd_on_disc(struct discover_result *res, void *arg)
{
    struct screen_doctor *d = arg;
    d->disc_req = NULL;
    d->disc = res;
    if (res->failed) {
        sd_fail(d, "%s", res->error);
        return;
    }
    struct session *ss = app_session(d->a);
    const struct session_options *so = ss->opts;
    struct doctor_options o = {
        .loop = ss->loop,
        .disc = res,
        .token = res->token,
        .tls = !res->tls_known || res->tls,
        .cafile = so ? so->redis_cacert : NULL,
        .insecure = so && so->insecure,
        .connect_to = so ? so->connect_to : NULL,
        .n_connect_to = so ? so->nconnect_to : 0,
        .on_progress = sd_progress,
        .on_done = sd_done,
        .arg = d,
    };
    d->doc = doctor_start(&o);
    /* the doctor has its own copy of the token */
    mem_free_secret(res->token);
    res->token = NULL;
    if (!d->doc)
        sd_fail(d, "the doctor cannot start (a bad --connect-to rule?)");
    d->dirty = true;
    app_dirty(d->a);
}

static void sd_stop(struct screen_doctor *d)
{
    doctor_free(d->doc);
    d->doc = NULL;
    d->rep = NULL;
    if (d->disc_req)
        discover_cancel(d->disc_req);
    d->disc_req = NULL;
    discover_result_free(d->disc);
    d->disc = NULL;
}

static void sd_start(struct screen_doctor *d)
{
    struct session *ss = app_session(d->a);
    d->failed = false;
    d->error[0] = '\0';
    d->started_ms = loop_now_ms(ss->loop);
    struct discover_options o = {
        .loop = ss->loop,
        .aws = ss->aws,
        .rg_id = d->rg_id,
    };
    d->disc_req = discover_start(&o, sd_on_disc, d);
    if (!d->disc_req)
        sd_fail(d, "cannot look %s up", d->rg_id);
    d->dirty = true;
}

static void sd_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_doctor *d = s->priv;
    struct app *a = s->app;
    if (d->dirty || d->width != cols) {
        d->width = cols;
        sd_rebuild(d);
    }
    int table_h = (int)listview_total(&d->table) + 2;
    if (table_h < 3)
        table_h = 3;
    if (table_h > rows - 4)
        table_h = rows - 4;
    listview_draw(&d->table, a, w, y0, 0, table_h, cols, true);
    app_style(a, w, THEME_TITLE);
    app_put(w, y0 + table_h, 0, cols, "", true);
    app_put(w, y0 + table_h, 1, cols - 1, "What it means", false);
    app_style(a, w, THEME_NORMAL);
    listview_draw(&d->notes, a, w, y0 + table_h + 1, 0, rows - table_h - 1, cols, false);
}

static int sd_request(struct screen *s, int req)
{
    struct screen_doctor *d = s->priv;
    if (req == REQ_REFRESH) {
        sd_stop(d);
        sd_start(d);
        app_message(s->app, THEME_DIM, "checking again");
        return APP_REDRAW;
    }
    return listview_request(&d->table, req);
}

static int sd_input(struct screen *s, int key)
{
    struct screen_doctor *d = s->priv;
    return listview_input(&d->table, key);
}

static const char *sd_title(struct screen *s)
{
    struct screen_doctor *d = s->priv;
    const struct doctor_report *rep = d->doc ? doctor_report(d->doc) : NULL;
    if (d->failed)
        snprintf(d->title, sizeof(d->title), " Doctor %s  could not run", d->rg_id);
    else if (d->rep)
        snprintf(d->title, sizeof(d->title), " Doctor %s  %s, %zu endpoints, %.1f s", d->rg_id,
                 d->rep->ok ? "healthy" : "PROBLEMS FOUND", d->rep->n_checks,
                 (double)d->took_ms / 1000.0);
    else
        snprintf(d->title, sizeof(d->title), " Doctor %s  %s", d->rg_id,
                 rep ? "checking..." : "discovering...");
    return d->title;
}

static int sd_tick(struct screen *s)
{
    struct screen_doctor *d = s->priv;
    return d->rep || d->failed ? APP_HANDLED : APP_REDRAW;
}

static char *sd_command(struct screen *s)
{
    struct screen_doctor *d = s->priv;
    return mem_xasprintf("doctor %s", d->rg_id);
}

static void sd_destroy(struct screen *s)
{
    struct screen_doctor *d = s->priv;
    sd_stop(d);
    listview_free(&d->table);
    listview_free(&d->notes);
    free(d->rg_id);
    free(d);
    free(s);
}

static const char *sd_group(struct screen *s)
{
    struct screen_doctor *d = s->priv;
    return d->rg_id;
}

static const struct screen_ops screen_doctor_ops = {
    .group = sd_group,
    .name = "doctor",
    .draw = sd_draw,
    .request = sd_request,
    .input = sd_input,
    .title = sd_title,
    .tick = sd_tick,
    .command = sd_command,
    .destroy = sd_destroy,
};

struct screen *screen_doctor_new(struct app *a, const char *rg_id)
{
    struct screen_doctor *d = mem_xcalloc(1, sizeof(*d));
    d->a = a;
    d->rg_id = mem_xstrdup(rg_id);
    listview_init(&d->table, sd_cols, DCOL_COUNT);
    d->table.empty = "Finding the endpoints...";
    listview_init_pager(&d->notes);
    sd_start(d);
    return app_screen_new(a, &screen_doctor_ops, d);
}
