/* screen_snapshot.c - an incident snapshot being written (see
 * screen_snapshot.h). */
#include "tui/screen/screen_snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/snapshot.h"
#include "tui/cmd/cmdout.h"
#include "tui/screen/screen_inspect.h"
#include "tui/widget/listview.h"

struct screen_snapshot {
    char *rg_id;
    struct snapshot *snap;
    const struct snapshot_result *res; /* the engine's, valid while it lives */
    bool done;
    int64_t started_ms, done_ms;
    struct listview lv;
    char title[300];
    char drawn_title[300];
};

static int ss_state_role(enum snapshot_state st)
{
    switch (st) {
    case SNAPSHOT_OK:
        return THEME_OK;
    case SNAPSHOT_FAILED:
        return THEME_ERROR;
    case SNAPSHOT_SKIPPED:
        return THEME_DIM;
    default:
        return THEME_BUSY;
    }
}

static void ss_fill(struct screen *s)
{
    struct screen_snapshot *ss = s->priv;
    struct listview *lv = &ss->lv;
    listview_begin(lv);
    size_t r = listview_add(lv);
    listview_seg(lv, r, THEME_TITLE, 0, "Sections");
    for (int i = 0; i < SNAPSHOT_SECTIONS; i++) {
        enum snapshot_state st = ss->res ? ss->res->state[i] : SNAPSHOT_PENDING;
        r = listview_add(lv);
        listview_seg(lv, r, THEME_COLUMN, 12, "  %s", snapshot_section_name(i));
        listview_seg(lv, r, ss_state_role(st), 10, "%s",
                     st == SNAPSHOT_PENDING ? "..." : snapshot_state_name(st));
        listview_seg(lv, r, THEME_NORMAL, 0, "%s", ss->res ? ss->res->note[i] : "");
    }
    listview_add(lv);
    if (ss->done && ss->res->written) {
        r = listview_add(lv);
        listview_seg(lv, r, THEME_TITLE, 0, "Written (0600; the folder 0700)");
        r = listview_add(lv);
        listview_seg(lv, r, THEME_COLUMN, 12, "  Markdown");
        listview_seg(lv, r, THEME_OK, 0, "%s", ss->res->md_path);
        r = listview_add(lv);
        listview_seg(lv, r, THEME_COLUMN, 12, "  JSON");
        listview_seg(lv, r, THEME_OK, 0, "%s", ss->res->json_path);
    } else if (ss->done) {
        r = listview_add(lv);
        listview_seg(lv, r, THEME_ERROR, 0, "Not written: %s", ss->res->error);
    } else {
        r = listview_add(lv);
        listview_seg(lv, r, THEME_DIM, 0,
                     "Gathering (at most %d s); the files are written when every section is in.",
                     SNAPSHOT_DEADLINE_MS / 1000);
    }
    listview_end(lv);
}

static void ss_on_section(struct snapshot *snap, enum snapshot_section sec,
                          const struct snapshot_result *r, void *arg)
{
    (void)snap;
    (void)sec;
    struct screen *s = arg;
    struct screen_snapshot *ss = s->priv;
    ss->res = r;
    ss_fill(s);
    app_dirty(s->app);
}

static void ss_on_done(struct snapshot *snap, const struct snapshot_result *r, void *arg)
{
    (void)snap;
    struct screen *s = arg;
    struct screen_snapshot *ss = s->priv;
    ss->res = r;
    ss->done = true;
    ss->done_ms = app_now_ms(s->app);
    if (r->written)
        app_message(s->app, THEME_OK, "snapshot of %s written: %s and %s", ss->rg_id, r->md_path,
                    r->json_path);
    else
        app_message(s->app, THEME_ERROR, "snapshot of %s not written: %s", ss->rg_id, r->error);
    ss_fill(s);
    app_dirty(s->app);
}

static const char *ss_title(struct screen *s)
{
    struct screen_snapshot *ss = s->priv;
    char age[16];
    if (ss->done) {
        cmdout_age(app_now_ms(s->app) - ss->done_ms, age, sizeof(age));
        snprintf(ss->title, sizeof(ss->title), " Incident snapshot of %s: %s %s ago", ss->rg_id,
                 ss->res->written ? "written" : "FAILED", age);
    } else {
        cmdout_age(app_now_ms(s->app) - ss->started_ms, age, sizeof(age));
        snprintf(ss->title, sizeof(ss->title), " Incident snapshot of %s: gathering for %s",
                 ss->rg_id, age);
    }
    return ss->title;
}

static void ss_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_snapshot *ss = s->priv;
    listview_draw(&ss->lv, s->app, w, y0, 0, rows, cols, true);
}

static int ss_request(struct screen *s, int req)
{
    struct screen_snapshot *ss = s->priv;
    int r = screen_inspect_request(s->app, req, ss->rg_id);
    return r != APP_IGNORED ? r : listview_request(&ss->lv, req);
}

static int ss_input(struct screen *s, int key)
{
    struct screen_snapshot *ss = s->priv;
    return listview_input(&ss->lv, key);
}

static int ss_tick(struct screen *s)
{
    struct screen_snapshot *ss = s->priv;
    const char *t = ss_title(s);
    if (strcmp(t, ss->drawn_title) == 0)
        return APP_HANDLED;
    snprintf(ss->drawn_title, sizeof(ss->drawn_title), "%s", t);
    return APP_REDRAW;
}

static const char *ss_group(struct screen *s)
{
    struct screen_snapshot *ss = s->priv;
    return ss->rg_id;
}

static void ss_destroy(struct screen *s)
{
    struct screen_snapshot *ss = s->priv;
    snapshot_free(ss->snap);
    listview_free(&ss->lv);
    free(ss->rg_id);
    free(ss);
    free(s);
}

static const struct screen_ops screen_snapshot_ops = {
    .name = "snapshot",
    .draw = ss_draw,
    .request = ss_request,
    .input = ss_input,
    .title = ss_title,
    .tick = ss_tick,
    .group = ss_group,
    .destroy = ss_destroy,
};

struct screen *screen_snapshot_new(struct app *a, const char *rg_id)
{
    struct screen_snapshot *ss = mem_xcalloc(1, sizeof(*ss));
    ss->rg_id = mem_xstrdup(rg_id);
    ss->started_ms = app_now_ms(a);
    listview_init_pager(&ss->lv);
    struct screen *s = app_screen_new(a, &screen_snapshot_ops, ss);
    struct session *se = app_session(a);
    void *log_arg;
    snapshot_logs_fn logs = app_log_source(a, &log_arg);
    struct snapshot_options o = {
        .loop = se->loop,
        .aws = se->aws,
        .rg_id = rg_id,
        .logs = logs,
        .logs_arg = log_arg,
        .cafile = se->opts ? se->opts->redis_cacert : NULL,
        .insecure = se->opts && se->opts->insecure,
        .connect_to = se->opts ? se->opts->connect_to : NULL,
        .n_connect_to = se->opts ? se->opts->nconnect_to : 0,
        .on_section = ss_on_section,
        .on_done = ss_on_done,
        .arg = s,
    };
    ss->snap = snapshot_start(&o);
    if (ss->snap)
        ss->res = snapshot_result(ss->snap);
    else
        app_message(a, THEME_ERROR, "snapshot of %s: cannot start", rg_id);
    ss_fill(s);
    return s;
}
