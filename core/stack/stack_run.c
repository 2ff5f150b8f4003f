/* stack_run.c - plan -> confirm -> apply as one engine on the loop. */
#include "core/stack/stack_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"

struct stack_run {
    struct stack_spec spec;
    struct stack_run_options o;
    struct stack_run_callbacks cb;
    char *journal_dir; /* the options' copy (NULL: default) */
    char *token;       /* typed AUTH token, wiped on free */
    enum stack_run_phase phase;
    bool started;
    bool retrying; /* apply once the new plan is known */
    struct stack_plan_req *req;
    struct stack_plan *plan;
    struct stack_apply *apply;
    struct stack_run_item *items;
    size_t n_items;
    struct aws_error plan_err;
    struct stack_apply_result result;
    struct aws_error result_err;
    char *result_failed;
    uint64_t apply_t0;
    uint64_t apply_end;
    struct loop_timer *later; /* a phase change delivered from the loop */
    enum stack_run_phase later_phase;
};

const char *stack_run_phase_name(enum stack_run_phase p)
{
    switch (p) {
    case STACK_RUN_PLANNING:
        return "planning";
    case STACK_RUN_PLANNED:
        return "planned";
    case STACK_RUN_APPLYING:
        return "applying";
    case STACK_RUN_DONE:
        return "done";
    case STACK_RUN_FAILED:
        return "failed";
    case STACK_RUN_PLAN_FAILED:
        return "plan failed";
    case STACK_RUN_STOPPED:
        return "stopped";
    }
    return "?";
}

static void set_phase(struct stack_run *r, enum stack_run_phase ph)
{
    r->phase = ph;
    if (r->cb.on_phase)
        r->cb.on_phase(r, ph, r->cb.arg);
}

static void items_clear(struct stack_run *r)
{
    for (size_t i = 0; i < r->n_items; i++) {
        free(r->items[i].operation);
        free(r->items[i].detail);
        free(r->items[i].request_id);
        aws_error_clear(&r->items[i].err);
    }
    free(r->items);
    r->items = NULL;
    r->n_items = 0;
}

static void items_reset(struct stack_run *r)
{
    items_clear(r);
    size_t n = r->plan ? r->plan->n : 0;
    r->items = mem_xcalloc(n ? n : 1, sizeof(*r->items));
    r->n_items = n;
    for (size_t i = 0; i < n; i++)
        aws_error_init(&r->items[i].err);
}

static void result_clear(struct stack_run *r)
{
    memset(&r->result, 0, sizeof(r->result));
    aws_error_clear(&r->result_err);
    free(r->result_failed);
    r->result_failed = NULL;
}

static void set_str(char **dst, const char *src)
{
    if (*dst && src && strcmp(*dst, src) == 0)
        return;
    free(*dst);
    *dst = src ? mem_xstrdup(src) : NULL;
}

static void track(struct stack_run *r, const struct stack_event *ev)
{
    if (ev->index >= r->n_items)
        return;
    struct stack_run_item *it = &r->items[ev->index];
    uint64_t now = loop_now_ms(r->o.loop);
    if (!it->started_ms && ev->state != STACK_STATE_PENDING)
        it->started_ms = now - ev->elapsed_ms;
    it->state = ev->state;
    it->attempt = ev->attempt;
    set_str(&it->operation, ev->operation);
    set_str(&it->detail, ev->detail);
    if (ev->request_id)
        set_str(&it->request_id, ev->request_id);
    if (ev->state == STACK_STATE_FAILED) {
        aws_error_clear(&it->err);
        if (ev->err)
            aws_error_copy(&it->err, ev->err);
    }
    if (ev->state == STACK_STATE_DONE || ev->state == STACK_STATE_FAILED ||
        ev->state == STACK_STATE_UNCHANGED || ev->state == STACK_STATE_BLOCKED)
        it->elapsed_ms = ev->elapsed_ms;
}

static void on_apply_state(const struct stack_event *ev, void *arg)
{
    struct stack_run *r = arg;
    track(r, ev);
    if (r->cb.on_state)
        r->cb.on_state(r, ev, r->cb.arg);
}

static void on_apply_retry(const struct stack_event *ev, uint64_t delay_ms, void *arg)
{
    struct stack_run *r = arg;
    if (ev->index < r->n_items) {
        struct stack_run_item *it = &r->items[ev->index];
        it->retries++;
        it->attempt = ev->attempt;
        if (ev->request_id)
            set_str(&it->request_id, ev->request_id);
    }
    if (r->cb.on_retry)
        r->cb.on_retry(r, ev, delay_ms, r->cb.arg);
}

static void on_apply_done(const struct stack_apply_result *res, void *arg)
{
    struct stack_run *r = arg;
    result_clear(r);
    r->result = *res;
    if (res->first_error) {
        aws_error_copy(&r->result_err, res->first_error);
        r->result.first_error = &r->result_err;
    }
    r->result_failed = res->first_failed ? mem_xstrdup(res->first_failed) : NULL;
    r->result.first_failed = r->result_failed;
    r->apply_end = loop_now_ms(r->o.loop);
    set_phase(r, res->ok ? STACK_RUN_DONE : STACK_RUN_FAILED);
}

static void later_cb(void *arg)
{
    struct stack_run *r = arg;
    r->later = NULL;
    set_phase(r, r->later_phase);
}

static void later(struct stack_run *r, enum stack_run_phase ph)
{
    r->phase = ph;
    r->later_phase = ph;
    if (!r->later)
        r->later = loop_timer(r->o.loop, 0, later_cb, r);
}

static int begin_apply(struct stack_run *r, char *err, size_t errlen)
{
    if (r->plan->n_conflict) {
        if (err && errlen)
            snprintf(err, errlen,
                     "the plan has %zu conflict%s; resolve %s before applying (see the plan)",
                     r->plan->n_conflict, r->plan->n_conflict == 1 ? "" : "s",
                     r->plan->n_conflict == 1 ? "it" : "them");
        return -1;
    }
    items_reset(r);
    result_clear(r);
    r->apply_t0 = loop_now_ms(r->o.loop);
    r->apply_end = 0;
    if (stack_plan_is_noop(r->plan)) {
        /* Nothing to send: every resource is as the spec says. */
        for (size_t i = 0; i < r->n_items; i++)
            r->items[i].state = STACK_STATE_UNCHANGED;
        r->result.ok = true;
        r->result.destroy = r->plan->mode == STACK_PLAN_DESTROY;
        r->result.unchanged = r->n_items;
        r->apply_end = r->apply_t0;
        later(r, STACK_RUN_DONE);
        return 0;
    }
    struct stack_apply_options ao;
    memset(&ao, 0, sizeof(ao));
    ao.loop = r->o.loop;
    ao.client = r->o.client;
    ao.once = r->o.once;
    ao.journal_dir = r->journal_dir;
    ao.max_in_flight = r->o.max_in_flight;
    ao.poll_first_ms = r->o.poll_first_ms;
    ao.poll_max_ms = r->o.poll_max_ms;
    ao.backoff_first_ms = r->o.backoff_first_ms;
    ao.retry_window_ms = r->o.retry_window_ms;
    ao.wait_timeout_ms = r->o.wait_timeout_ms;
    ao.token = r->token;
    struct stack_apply_callbacks cb = {on_apply_state, on_apply_retry, on_apply_done, r};
    char msg[512];
    r->apply = stack_apply_start(r->plan, &ao, &cb, msg, sizeof(msg));
    if (!r->apply) {
        if (err && errlen)
            snprintf(err, errlen, "%s", msg);
        return -1;
    }
    set_phase(r, STACK_RUN_APPLYING);
    return 0;
}

static void on_plan(struct stack_plan *plan, const struct aws_error *err, void *arg)
{
    struct stack_run *r = arg;
    r->req = NULL;
    if (!plan) {
        aws_error_clear(&r->plan_err);
        if (err)
            aws_error_copy(&r->plan_err, err);
        else
            aws_error_set(&r->plan_err, AWS_ERR_INTERNAL, "PlanFailed", "planning failed");
        r->retrying = false;
        set_phase(r, STACK_RUN_PLAN_FAILED);
        return;
    }
    r->plan = plan;
    items_reset(r);
    bool go = (r->retrying || r->o.auto_confirm) && !plan->n_conflict;
    r->retrying = false;
    set_phase(r, STACK_RUN_PLANNED);
    if (go && r->phase == STACK_RUN_PLANNED) {
        char msg[512];
        if (begin_apply(r, msg, sizeof(msg)) != 0) {
            aws_error_clear(&r->result_err);
            aws_error_set(&r->result_err, AWS_ERR_INTERNAL, "ApplyRefused", "%s", msg);
            r->result.ok = false;
            r->result.first_error = &r->result_err;
            set_phase(r, STACK_RUN_FAILED);
        }
    }
}

static void plan_now(struct stack_run *r)
{
    struct stack_plan_options po;
    memset(&po, 0, sizeof(po));
    po.mode = r->o.mode;
    po.journal_dir = r->journal_dir;
    r->phase = STACK_RUN_PLANNING;
    r->req = stack_plan_start(r->o.client, &r->spec, &po, on_plan, r);
}

struct stack_run *stack_run_new(const struct stack_spec *spec, const struct stack_run_options *o,
                                const struct stack_run_callbacks *cb)
{
    struct stack_run *r = mem_xcalloc(1, sizeof(*r));
    stack_spec_copy(&r->spec, spec);
    r->o = *o;
    r->journal_dir = o->journal_dir ? mem_xstrdup(o->journal_dir) : NULL;
    r->o.journal_dir = NULL;
    if (o->token)
        mem_replace_secret(&r->token, o->token);
    r->o.token = NULL;
    if (cb)
        r->cb = *cb;
    aws_error_init(&r->plan_err);
    aws_error_init(&r->result_err);
    r->phase = STACK_RUN_PLANNING;
    return r;
}

int stack_run_start(struct stack_run *r)
{
    if (!r || r->started)
        return -1;
    r->started = true;
    plan_now(r);
    return 0;
}

int stack_run_confirm(struct stack_run *r, char *err, size_t errlen)
{
    if (!r || r->phase != STACK_RUN_PLANNED || !r->plan) {
        if (err && errlen)
            snprintf(err, errlen, "there is no plan to apply (%s)",
                     r ? stack_run_phase_name(r->phase) : "no run");
        return -1;
    }
    return begin_apply(r, err, errlen);
}

static void drop_plan(struct stack_run *r)
{
    if (r->apply) {
        stack_apply_free(r->apply);
        r->apply = NULL;
    }
    if (r->plan) {
        stack_plan_free(r->plan);
        r->plan = NULL;
    }
}

static int again(struct stack_run *r, bool apply);

int stack_run_retry(struct stack_run *r)
{
    return again(r, true);
}

int stack_run_replan(struct stack_run *r)
{
    return again(r, false);
}

static int again(struct stack_run *r, bool apply)
{
    if (!r || !r->started ||
        (r->phase != STACK_RUN_FAILED && r->phase != STACK_RUN_PLAN_FAILED &&
         r->phase != STACK_RUN_STOPPED))
        return -1;
    if (r->later) {
        loop_untimer(r->o.loop, r->later);
        r->later = NULL;
    }
    /* The old plan's items stay visible until the new plan replaces them. */
    if (r->apply) {
        stack_apply_free(r->apply);
        r->apply = NULL;
    }
    struct stack_plan *old = r->plan;
    r->plan = NULL;
    items_clear(r);
    stack_plan_free(old);
    aws_error_clear(&r->plan_err);
    result_clear(r);
    r->retrying = apply;
    plan_now(r);
    return 0;
}

void stack_run_stop(struct stack_run *r)
{
    if (!r)
        return;
    if (r->req) {
        stack_plan_cancel(r->req);
        r->req = NULL;
        r->phase = STACK_RUN_STOPPED;
    }
    if (r->apply && r->phase == STACK_RUN_APPLYING) {
        stack_apply_stop(r->apply);
        r->apply_end = loop_now_ms(r->o.loop);
        /* what was in flight is neither done nor failed: back to waiting */
        for (size_t i = 0; i < r->n_items; i++) {
            enum stack_state s = r->items[i].state;
            if (s == STACK_STATE_RUNNING || s == STACK_STATE_RETRYING || s == STACK_STATE_WAITING) {
                r->items[i].elapsed_ms = r->apply_end - r->items[i].started_ms;
                r->items[i].state = STACK_STATE_PENDING;
                set_str(&r->items[i].detail, "stopped");
            }
        }
        r->phase = STACK_RUN_STOPPED;
    }
    if (r->later) {
        loop_untimer(r->o.loop, r->later);
        r->later = NULL;
        if (r->phase == STACK_RUN_DONE)
            return; /* a no-op plan: nothing was stopped */
    }
    r->retrying = false;
    if (r->phase == STACK_RUN_PLANNED)
        r->phase = STACK_RUN_STOPPED;
}

void stack_run_free(struct stack_run *r)
{
    if (!r)
        return;
    stack_run_stop(r);
    drop_plan(r);
    items_clear(r);
    result_clear(r);
    aws_error_clear(&r->plan_err);
    stack_spec_free(&r->spec);
    mem_free_secret(r->token);
    free(r->journal_dir);
    free(r);
}

enum stack_run_phase stack_run_phase(const struct stack_run *r)
{
    return r->phase;
}

struct stack_plan *stack_run_plan(const struct stack_run *r)
{
    return r->plan;
}

const struct stack_spec *stack_run_spec(const struct stack_run *r)
{
    return &r->spec;
}

const struct stack_run_item *stack_run_item(const struct stack_run *r, size_t i)
{
    return r && i < r->n_items ? &r->items[i] : NULL;
}

static bool active(enum stack_state s)
{
    return s == STACK_STATE_RUNNING || s == STACK_STATE_RETRYING || s == STACK_STATE_WAITING;
}

uint64_t stack_run_elapsed(const struct stack_run *r, size_t i)
{
    const struct stack_run_item *it = stack_run_item(r, i);
    if (!it || !it->started_ms)
        return 0;
    if (active(it->state) && r->phase == STACK_RUN_APPLYING)
        return loop_now_ms(r->o.loop) - it->started_ms;
    return it->elapsed_ms;
}

const struct stack_apply_result *stack_run_result(const struct stack_run *r)
{
    return &r->result;
}

const struct aws_error *stack_run_error(const struct stack_run *r)
{
    return r->plan_err.kind != AWS_ERR_NONE ? &r->plan_err : NULL;
}

void stack_run_counts(const struct stack_run *r, struct stack_run_counts *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < r->n_items; i++) {
        enum stack_state s = r->items[i].state;
        if (s == STACK_STATE_PENDING)
            c->waiting++;
        else if (active(s))
            c->in_flight++;
        else if (s == STACK_STATE_DONE || s == STACK_STATE_UNCHANGED)
            c->done++;
        else if (s == STACK_STATE_BLOCKED)
            c->blocked++;
        else
            c->failed++;
    }
}

uint64_t stack_run_total_ms(const struct stack_run *r)
{
    if (!r->apply_t0)
        return 0;
    if (r->phase == STACK_RUN_APPLYING)
        return loop_now_ms(r->o.loop) - r->apply_t0;
    return r->apply_end >= r->apply_t0 ? r->apply_end - r->apply_t0 : 0;
}
