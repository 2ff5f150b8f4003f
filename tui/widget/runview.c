/* runview.c - a stack run's progress as a table. */
#include "tui/widget/runview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "tui/theme.h"

enum { RV_KEY, RV_NAME, RV_STATE, RV_TIME, RV_RETRIES, RV_DETAIL, RV_COLS };

static const struct listview_col runview_cols[RV_COLS] = {
    [RV_KEY] = {"RESOURCE", 0, 0, 100, LISTVIEW_KEY},
    [RV_NAME] = {"NAME", 12, 40, 40, 0},
    [RV_STATE] = {"STATE", 0, 0, 90, 0},
    [RV_TIME] = {"TIME", 0, 0, 80, LISTVIEW_RIGHT | LISTVIEW_NUMERIC},
    [RV_RETRIES] = {"RETRIES", 0, 0, 30, LISTVIEW_RIGHT | LISTVIEW_NUMERIC},
    [RV_DETAIL] = {"DETAIL", 20, 0, 85, 0},
};

void runview_init(struct listview *lv)
{
    listview_init(lv, runview_cols, RV_COLS);
    lv->empty = "Planning...";
}

const char *runview_state_name(enum stack_state s)
{
    switch (s) {
    case STACK_STATE_PENDING:
        return "waiting";
    case STACK_STATE_RUNNING:
        return "in flight";
    case STACK_STATE_RETRYING:
        return "retrying";
    case STACK_STATE_WAITING:
        return "polling";
    case STACK_STATE_DONE:
        return "done";
    case STACK_STATE_UNCHANGED:
        return "kept";
    case STACK_STATE_FAILED:
        return "failed";
    case STACK_STATE_BLOCKED:
        return "blocked";
    }
    return "?";
}

static int runview_role(enum stack_state s)
{
    switch (s) {
    case STACK_STATE_PENDING:
        return THEME_DIM;
    case STACK_STATE_RUNNING:
    case STACK_STATE_WAITING:
        return THEME_BUSY;
    case STACK_STATE_RETRYING:
        return THEME_WARNING;
    case STACK_STATE_DONE:
        return THEME_OK;
    case STACK_STATE_UNCHANGED:
        return THEME_NORMAL;
    case STACK_STATE_FAILED:
        return THEME_FAILED;
    case STACK_STATE_BLOCKED:
        return THEME_ERROR;
    }
    return THEME_NORMAL;
}

void runview_duration(uint64_t ms, char *out, size_t n)
{
    if (ms < 1000)
        snprintf(out, n, "%llu ms", (unsigned long long)ms);
    else if (ms < 60000)
        snprintf(out, n, "%.1f s", (double)ms / 1000.0);
    else
        snprintf(out, n, "%llum %02llus", (unsigned long long)(ms / 60000),
                 (unsigned long long)(ms / 1000 % 60));
}

void runview_fill(struct listview *lv, const struct stack_run *r)
{
    const struct stack_plan *p = stack_run_plan(r);
    listview_begin(lv);
    for (size_t i = 0; p && i < p->n; i++) {
        const struct stack_resource *res = &p->res[i];
        const struct stack_run_item *it = stack_run_item(r, i);
        enum stack_state st = it ? it->state : STACK_STATE_PENDING;
        size_t row = listview_add(lv);
        listview_set(lv, row, RV_KEY, THEME_NORMAL, "%s", res->key);
        listview_set(lv, row, RV_NAME, THEME_DIM, "%s", res->name ? res->name : "");
        /* what the plan said to do, for what needs nothing */
        if (st == STACK_STATE_UNCHANGED || (st == STACK_STATE_PENDING && res->n_calls == 0))
            listview_set(lv, row, RV_STATE, THEME_NORMAL, "%s",
                         stack_plan_action_name(res->action));
        else
            listview_set(lv, row, RV_STATE, runview_role(st), "%s", runview_state_name(st));
        char t[32] = "";
        uint64_t ms = stack_run_elapsed(r, i);
        if (it && it->started_ms && st != STACK_STATE_UNCHANGED)
            runview_duration(ms, t, sizeof(t));
        listview_set(lv, row, RV_TIME, THEME_DIM, "%s", t);
        if (it && it->retries)
            listview_set(lv, row, RV_RETRIES, THEME_WARNING, "%u", it->retries);
        else
            listview_set(lv, row, RV_RETRIES, THEME_DIM, "%s", "");
        struct buf b;
        buf_init(&b, 8192);
        if (it && st == STACK_STATE_FAILED && it->err.kind != AWS_ERR_NONE) {
            char *m = aws_error_format(&it->err);
            buf_printf(&b, "%s", m); /* names the service and operation */
            if (!strstr(m, "request id") && it->err.request_id[0])
                buf_printf(&b, " (request id %s)", it->err.request_id);
            free(m);
        } else if (it && (st == STACK_STATE_RUNNING || st == STACK_STATE_WAITING ||
                          st == STACK_STATE_RETRYING)) {
            buf_printf(&b, "%s", it->operation ? it->operation : "");
            if (it->detail)
                buf_printf(&b, "%s%s", b.len ? ": " : "", it->detail);
            if (it->attempt > 1)
                buf_printf(&b, " (attempt %d)", it->attempt);
        } else if (it && st == STACK_STATE_DONE) {
            buf_printf(&b, "%s", res->id ? res->id : (res->arn ? res->arn : ""));
        } else if (it && (st == STACK_STATE_BLOCKED || it->detail)) {
            buf_printf(&b, "%s", it->detail ? it->detail : "");
        } else if (res->reason) {
            buf_printf(&b, "%s", res->reason);
        }
        listview_set(lv, row, RV_DETAIL,
                     st == STACK_STATE_FAILED    ? THEME_ERROR
                     : st == STACK_STATE_BLOCKED ? THEME_WARNING
                                                 : THEME_NORMAL,
                     "%s", buf_str(&b));
        buf_free(&b);
    }
    listview_end(lv);
}

void runview_status(const struct stack_run *r, char *out, size_t n)
{
    struct stack_run_counts c;
    stack_run_counts(r, &c);
    char t[32];
    runview_duration(stack_run_total_ms(r), t, sizeof(t));
    enum stack_run_phase ph = stack_run_phase(r);
    const struct stack_plan *p = stack_run_plan(r);
    bool destroy = p && p->mode == STACK_PLAN_DESTROY;
    const char *what =
        ph == STACK_RUN_APPLYING ? (destroy ? "destroying" : "applying") : stack_run_phase_name(ph);
    snprintf(out, n, "%s: %zu done, %zu in flight, %zu waiting, %zu failed, %zu blocked - %s", what,
             c.done, c.in_flight, c.waiting, c.failed, c.blocked, t);
}
