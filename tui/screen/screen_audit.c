/* screen_audit.c - a group's audit (core/stack/audit.h): the facts are
 * gathered live in the background, every rule evaluated, the results listed
 * worst first (failed by severity, unknown, accepted, notes, passes, n/a)
 * with their rule, Checkov and Security Hub ids; Enter shows one in full
 * (screen_finding). Accepted findings are those of the group's stack (the
 * seed keeps backups off and the secret unrotated on purpose), as `elcui
 * audit` has them. */
#include "tui/screen/screen_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/audit.h"
#include "core/stack/audit_facts.h"
#include "core/stack/audit_gather.h"
#include "core/stack/stack_spec.h"
#include "tui/cmd/cmdout.h"
#include "tui/screen/screen_finding.h"
#include "tui/screen/screen_inspect.h"
#include "tui/widget/listview.h"

/* Gathering costs dozens of requests: refresh on r, else this often. */
#define SA_REFRESH_MS (5 * 60 * 1000)

enum {
    COL_N,
    COL_SEV,
    COL_STATUS,
    COL_RULE,
    COL_CHECKOV,
    COL_SECHUB,
    COL_RESOURCE,
    COL_FINDING,
    COL_COUNT,
};

static const struct listview_col sa_cols[COL_COUNT] = {
    [COL_N] = {"#", 0, 0, 10, LISTVIEW_KEY | LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_SEV] = {"SEVERITY", 0, 0, 95, 0},
    [COL_STATUS] = {"STATUS", 0, 0, 95, 0},
    /* what was seen shrinks first (the selected one is shown in full
     * below), the short ids last */
    [COL_RULE] = {"RULE", 14, 0, 90, 0},
    [COL_CHECKOV] = {"CHECKOV", 6, 0, 25, 0},
    [COL_SECHUB] = {"SECURITY HUB", 6, 0, 20, 0},
    [COL_RESOURCE] = {"RESOURCE", 10, 30, 18, 0},
    [COL_FINDING] = {"WHAT WAS SEEN", 16, 0, 15, 0},
};

struct screen_audit {
    char *rg_id;
    struct audit_req *req;
    struct audit_report *rep;
    struct loop_timer *timer;
    int64_t done_ms;
    char *error;
    struct listview lv;
    char title[400];
    char drawn_title[400];
};

static void sa_start(struct screen *s);

static int sa_sev_role(const struct audit_result *r)
{
    if (r->status == AUDIT_PASS || r->status == AUDIT_NA)
        return THEME_DIM;
    if (r->status != AUDIT_FAIL)
        return THEME_NORMAL;
    return r->severity >= AUDIT_SEV_HIGH ? THEME_ERROR : THEME_WARNING;
}

static int sa_status_role(enum audit_status st)
{
    switch (st) {
    case AUDIT_FAIL:
        return THEME_ERROR;
    case AUDIT_UNKNOWN:
        return THEME_WARNING;
    case AUDIT_PASS:
        return THEME_OK;
    default:
        return THEME_DIM;
    }
}

static void sa_fill(struct screen *s)
{
    struct screen_audit *sa = s->priv;
    struct listview *lv = &sa->lv;
    listview_begin(lv);
    for (size_t i = 0; sa->rep && i < sa->rep->n; i++) {
        const struct audit_result *r = &sa->rep->items[i];
        size_t row = listview_add(lv);
        listview_set(lv, row, COL_N, THEME_DIM, "%zu", i + 1);
        listview_set(lv, row, COL_SEV, sa_sev_role(r), "%s", audit_severity_name(r->severity));
        listview_set(lv, row, COL_STATUS, sa_status_role(r->status), "%s",
                     audit_status_name(r->status));
        listview_set(lv, row, COL_RULE, THEME_NORMAL, "%s", r->id);
        listview_set(lv, row, COL_CHECKOV, THEME_DIM, "%s",
                     r->rule && r->rule->checkov ? r->rule->checkov : "-");
        listview_set(lv, row, COL_SECHUB, THEME_DIM, "%s",
                     r->rule && r->rule->securityhub ? r->rule->securityhub : "-");
        listview_set(lv, row, COL_RESOURCE, THEME_NORMAL, "%s",
                     r->resource && *r->resource ? r->resource : "-");
        listview_set(lv, row, COL_FINDING, THEME_NORMAL, "%s", r->finding ? r->finding : "");
    }
    listview_end(lv);
}

static void sa_on_facts(struct audit_facts *facts, const struct aws_error *err, void *arg)
{
    struct screen *s = arg;
    struct screen_audit *sa = s->priv;
    sa->req = NULL;
    if (!facts) {
        free(sa->error);
        sa->error = aws_error_format(err);
        app_message(s->app, THEME_ERROR, "audit of %s: %s", sa->rg_id, sa->error);
        app_dirty(s->app);
        return;
    }
    /* accepted: the stack's own (the seed's defaults) when the group
     * belongs to one, none otherwise - as elcui audit without --spec */
    struct stack_spec acc;
    stack_spec_init(&acc);
    if (!facts->stack)
        stack_spec_set(&acc, "accept", "*", "none", NULL, 0);
    audit_report_free(sa->rep);
    sa->rep = audit_evaluate(facts, &acc);
    stack_spec_free(&acc);
    audit_facts_free(facts);
    free(facts);
    free(sa->error);
    sa->error = NULL;
    sa->done_ms = app_now_ms(s->app);
    sa_fill(s);
    app_dirty(s->app);
}

static void sa_on_timer(void *arg)
{
    struct screen *s = arg;
    struct screen_audit *sa = s->priv;
    sa->timer = NULL;
    sa_start(s);
}

static void sa_start(struct screen *s)
{
    struct screen_audit *sa = s->priv;
    struct session *ss = app_session(s->app);
    if (sa->timer)
        loop_untimer(ss->loop, sa->timer);
    sa->timer = loop_timer(ss->loop, SA_REFRESH_MS, sa_on_timer, s);
    if (sa->req)
        return;
    struct audit_gather_options go = {.rg_id = sa->rg_id};
    sa->req = audit_gather_start(ss->aws, &go, sa_on_facts, s);
}

static const char *sa_title(struct screen *s)
{
    struct screen_audit *sa = s->priv;
    size_t n = sizeof(sa->title), l;
    const struct audit_report *r = sa->rep;
    /* the age first: a narrow terminal cuts the end */
    snprintf(sa->title, n, " Audit of %s", sa->rg_id);
    l = strlen(sa->title);
    if (sa->done_ms) {
        char age[16];
        cmdout_age(app_now_ms(s->app) - sa->done_ms, age, sizeof(age));
        snprintf(sa->title + l, n - l, ", gathered %s ago%s%s", age,
                 sa->req ? " (gathering again...)" : "",
                 sa->error ? " (last run failed: :messages)" : "");
    } else {
        snprintf(sa->title + l, n - l, ", %s", sa->error ? "failed" : "gathering the facts...");
    }
    l = strlen(sa->title);
    if (r)
        snprintf(sa->title + l, n - l,
                 ": %zu failed, %zu unknown, %zu accepted, %zu passed, %zu n/a%s%s", r->n_fail,
                 r->n_unknown, r->n_accepted, r->n_pass, r->n_na, r->stack ? ", stack " : "",
                 r->stack ? r->stack : "");
    return sa->title;
}

struct sa_wrap {
    WINDOW *w;
    int y, x, width, max_y;
};

static void sa_wrap_line(void *ctx, const char *s, size_t n)
{
    struct sa_wrap *c = ctx;
    if (c->y < c->max_y)
        app_put_span(c->w, c->y++, c->x, c->width, 0, s, n);
}

static void sa_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_audit *sa = s->priv;
    struct app *a = s->app;
    if (!sa->rep && sa->error) {
        app_style(a, w, THEME_ERROR);
        app_put(w, y0 + 1, 2, cols - 4, "The audit could not describe the group:", false);
        struct sa_wrap c = {w, y0 + 2, 4, cols - 6, y0 + rows};
        app_wrap(sa->error, cols - 6, sa_wrap_line, &c);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    sa->lv.empty = !sa->rep ? "Describing the group, its keys, log groups, security groups, "
                              "secret, parameters and policies..."
                            : "No result matches the filter.";
    /* the selected result's finding and fix in full at the bottom */
    int detail = rows > 14 ? 4 : 1;
    listview_draw(&sa->lv, a, w, y0, 0, rows - detail, cols, true);
    int y = y0 + rows - detail;
    app_style(a, w, THEME_DIM);
    app_put(w, y, 0, cols, "", true);
    size_t row;
    if (detail > 1 && sa->rep && listview_selected(&sa->lv, &row)) {
        size_t i = (size_t)strtoul(listview_get(&sa->lv, row, COL_N), NULL, 10);
        const struct audit_result *r = i >= 1 && i <= sa->rep->n ? &sa->rep->items[i - 1] : NULL;
        if (r) {
            char *text = mem_xasprintf("%s: %s%s%s", r->id, r->finding ? r->finding : "",
                                       r->fix ? "  Fix: " : "", r->fix ? r->fix : "");
            app_style(a, w, THEME_NORMAL);
            struct sa_wrap c = {w, y + 1, 1, cols - 2, y0 + rows};
            app_wrap(text, cols - 2, sa_wrap_line, &c);
            free(text);
        }
        app_style(a, w, THEME_NORMAL);
        return;
    }
    app_put(w, y, 1, cols - 2,
            "Enter: the finding in full, with the fix.  elcui audit RG --json: the same as JSON.",
            true);
    app_style(a, w, THEME_NORMAL);
}

static int sa_request(struct screen *s, int req)
{
    struct screen_audit *sa = s->priv;
    size_t row;
    switch (req) {
    case REQ_REFRESH:
        sa_start(s);
        return APP_REDRAW;
    case REQ_OPEN: {
        if (!sa->rep || !listview_selected(&sa->lv, &row))
            return APP_HANDLED;
        size_t i = (size_t)strtoul(listview_get(&sa->lv, row, COL_N), NULL, 10);
        if (i < 1 || i > sa->rep->n)
            return APP_HANDLED;
        app_push(s->app, screen_finding_new(s->app, sa->rg_id, &sa->rep->items[i - 1]));
        return APP_REDRAW;
    }
    default: {
        int r = screen_inspect_request(s->app, req, sa->rg_id);
        return r != APP_IGNORED ? r : listview_request(&sa->lv, req);
    }
    }
}

static int sa_input(struct screen *s, int key)
{
    struct screen_audit *sa = s->priv;
    return listview_input(&sa->lv, key);
}

static int sa_tick(struct screen *s)
{
    struct screen_audit *sa = s->priv;
    const char *t = sa_title(s);
    if (strcmp(t, sa->drawn_title) == 0)
        return APP_HANDLED;
    snprintf(sa->drawn_title, sizeof(sa->drawn_title), "%s", t);
    return APP_REDRAW;
}

static char *sa_command(struct screen *s)
{
    struct screen_audit *sa = s->priv;
    return mem_xasprintf("audit %s", sa->rg_id);
}

static const char *sa_group(struct screen *s)
{
    struct screen_audit *sa = s->priv;
    return sa->rg_id;
}

static void sa_destroy(struct screen *s)
{
    struct screen_audit *sa = s->priv;
    if (sa->req)
        audit_gather_cancel(sa->req);
    if (sa->timer)
        loop_untimer(app_session(s->app)->loop, sa->timer);
    audit_report_free(sa->rep);
    listview_free(&sa->lv);
    free(sa->error);
    free(sa->rg_id);
    free(sa);
    free(s);
}

static const struct screen_ops screen_audit_ops = {
    .name = "audit",
    .draw = sa_draw,
    .request = sa_request,
    .input = sa_input,
    .title = sa_title,
    .tick = sa_tick,
    .command = sa_command,
    .group = sa_group,
    .destroy = sa_destroy,
};

struct screen *screen_audit_new(struct app *a, const char *rg_id)
{
    struct screen_audit *sa = mem_xcalloc(1, sizeof(*sa));
    sa->rg_id = mem_xstrdup(rg_id);
    listview_init(&sa->lv, sa_cols, COL_COUNT);
    struct screen *s = app_screen_new(a, &screen_audit_ops, sa);
    sa_start(s);
    return s;
}
