/* tail_live.c - the live source of a tail set: one StartLiveTail session
 * for its log groups, pushed events taken once (what polling saw first is
 * dropped, and the reverse), reopened after it ends, given up for polling
 * when the service refuses it. */
#include "core/logs/tail_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/logs/tail_engine.h"

static void tail_notify_set(struct tail_set *s, enum tail_notice_kind kind,
                            const struct aws_error *err, const char *detail, uint64_t retry_in)
{
    if (!s->o.cb.on_notice || s->stopped)
        return;
    struct tail_notice n = {kind, 0, NULL, NULL, err, detail ? detail : "", retry_in};
    s->o.cb.on_notice(s, &n, s->o.cb.arg);
}

static void tail_live_reopen(void *arg)
{
    struct tail_set *s = arg;
    s->live.timer = NULL;
    s->live.reconnects++;
    tail_live_open(s);
}

/* The tails go back to polling as without a session: a tail waiting out
 * the reconciliation's spacing asks now. */
static void tail_live_poll_now(struct tail_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct tail *t = s->tails[i];
        if (t->state != TAIL_IDLE || !t->timer || !t->spaced)
            continue; /* polling anyway, or pausing after a gap */
        loop_untimer(s->loop, t->timer);
        t->timer = NULL;
        t->spaced = false;
        if (t->in_cycle)
            tail_ask_budget(t);
        else
            t->timer = loop_timer(s->loop, s->o.min_poll_ms, tail_begin_cycle, t);
        if (s->stopped)
            return;
    }
}

static void tail_live_started(const char *session_id, void *arg)
{
    struct tail_set *s = arg;
    if (s->stopped || s->done)
        return;
    s->live.up = true;
    s->live.up_since = loop_now_ms(s->loop);
    s->live.sessions++;
    s->live.sampled = false;
    snprintf(s->live.session_id, sizeof(s->live.session_id), "%s", session_id ? session_id : "");
    char d[256];
    snprintf(d, sizeof(d),
             "live session %s up (StartLiveTail): events shown as they are ingested; "
             "FilterLogEvents reconciles every %.0fs",
             s->live.session_id[0] ? s->live.session_id : "(no id)",
             (double)s->o.reconcile_ms / 1000.0);
    tail_notify_set(s, TAIL_NOTICE_LIVE, NULL, d, 0);
}

static struct tail *tail_live_route(struct tail_set *s, const char *group)
{
    for (size_t i = 0; group && i < s->n; i++)
        if (strcmp(s->tails[i]->log_group, group) == 0)
            return s->tails[i];
    return s->n == 1 ? s->tails[0] : NULL;
}

/* Pushed events of one tail (ev[i] for which route[i] == t). */
static bool tail_take_live(struct tail *t, const struct tail_live_event *ev, size_t n,
                           struct tail *const *route)
{
    struct tail_set *s = t->set;
    struct tail_sorted *acc = mem_xcalloc(n, sizeof(*acc));
    size_t na = 0;
    uint64_t now = loop_now_ms(s->loop);
    for (size_t i = 0; i < n; i++) {
        if (route[i] != t)
            continue;
        const struct tail_live_event *e = &ev[i];
        if (e->timestamp_ms < s->o.start_ms || (s->o.end_ms && e->timestamp_ms >= s->o.end_ms))
            continue; /* outside the range asked for */
        const char *stream = e->log_stream ? e->log_stream : "";
        const char *msg = e->message ? e->message : "";
        size_t mlen = e->message ? e->message_len : 0;
        tail_note_lag(t, e->timestamp_ms, e->ingestion_ms);
        struct tail_centry *c = tail_content_entry(t, stream, e->timestamp_ms, msg, mlen, now);
        if (++c->live_n <= c->poll_n) {
            t->duplicates++; /* the reconciliation was first */
            continue;
        }
        if (!tail_admit(t, &acc[na], "", stream, msg, mlen, e->timestamp_ms, e->ingestion_ms))
            continue;
        acc[na].order = na;
        acc[na].live = true;
        na++;
    }
    return tail_deliver(t, acc, na);
}

static void tail_live_events(const struct tail_live_event *ev, size_t n, bool sampled, void *arg)
{
    struct tail_set *s = arg;
    if (s->stopped || s->done || !s->live.up)
        return;
    if (sampled && !s->live.sampled) {
        s->live.sampled = true;
        tail_notify_set(s, TAIL_NOTICE_LIVE, NULL,
                        "the live session is sampled (more events than it pushes): the "
                        "reconciliation fills in the rest, seconds later",
                        0);
        if (s->stopped)
            return;
    }
    if (n == 0)
        return;
    struct tail **route = mem_xcalloc(n, sizeof(*route));
    for (size_t i = 0; i < n; i++) {
        route[i] = tail_live_route(s, ev[i].log_group);
        if (!route[i] || route[i]->state == TAIL_DONE || route[i]->state == TAIL_FAILED) {
            route[i] = NULL;
            s->live.unrouted++; /* the reconciliation reads it */
        }
    }
    for (size_t k = 0; k < s->n && !s->stopped && !s->done; k++) {
        struct tail *t = s->tails[k];
        bool any = false;
        for (size_t i = 0; i < n && !any; i++)
            any = route[i] == t;
        if (any && !tail_take_live(t, ev, n, route))
            break;
    }
    free(route);
}

#define TAIL_NOT_SERVED "not served by this endpoint"

/* The session was refused for a reason no retry fixes: which one, or NULL.
 * A log group that does not exist is not one: its tail fails by polling,
 * and the next session leaves it out. */
static const char *tail_live_refusal(const struct aws_error *e)
{
    if (aws_error_is(e, "AccessDeniedException") || aws_error_is(e, "AccessDenied") ||
        aws_error_is(e, "UnauthorizedOperation"))
        return "not allowed";
    if (aws_error_is(e, "LimitExceededException") ||
        aws_error_is(e, "ServiceQuotaExceededException"))
        return "concurrent-session quota exceeded";
    if (aws_error_is(e, "UnknownOperationException") || aws_error_is(e, "InvalidAction") ||
        aws_error_is(e, "NotAnEventStream") || aws_error_is(e, "InvalidOperationException") ||
        aws_error_is(e, "UnsupportedOperation") || aws_error_is(e, "CouldNotResolveHost") ||
        (e->kind == AWS_ERR_HTTP &&
         (e->http_status == 404 || e->http_status == 405 || e->http_status == 501)))
        return TAIL_NOT_SERVED;
    return NULL;
}

static void tail_live_ended(const struct aws_error *err, void *arg)
{
    struct tail_set *s = arg;
    bool was_up = s->live.up;
    uint64_t lasted = was_up ? loop_now_ms(s->loop) - s->live.up_since : 0;
    s->live.handle = NULL;
    s->live.up = false;
    s->live.sampled = false;
    s->live.session_id[0] = '\0';
    if (s->stopped || s->done)
        return;
    char *why = aws_error_format(err);
    /* refused: this attempt never started; an endpoint that served
     * sessions before is having trouble, not without the API */
    const char *refusal = was_up ? NULL : tail_live_refusal(err);
    if (refusal && s->live.sessions && strcmp(refusal, TAIL_NOT_SERVED) == 0)
        refusal = NULL;
    if (refusal && s->o.source_mode == TAIL_SOURCE_LIVE) {
        char d[400];
        snprintf(d, sizeof(d), "--source live: StartLiveTail %s: %s", refusal, why ? why : "");
        free(why);
        for (size_t i = 0; i < s->n && !s->stopped; i++) {
            struct tail *t = s->tails[i];
            if (t->state == TAIL_DONE || t->state == TAIL_FAILED)
                continue;
            tail_notify(t, TAIL_NOTICE_FATAL, NULL, err, d, 0);
            if (!s->stopped)
                tail_finish(t, TAIL_FAILED);
        }
        return;
    }
    if (refusal) {
        /* for good: polling, said once */
        s->live.enabled = false;
        snprintf(s->live.note, sizeof(s->live.note), "live tail %s (%s)", refusal,
                 err->code[0] ? err->code : "error");
        char d[400];
        snprintf(d, sizeof(d), "live tail %s: polling FilterLogEvents instead (%s)", refusal,
                 why ? why : "");
        free(why);
        for (size_t i = 0; i < s->n; i++) {
            s->tails[i]->content_on = false;
            tail_cset_free(&s->tails[i]->content);
        }
        tail_notify_set(s, TAIL_NOTICE_SOURCE, err, d, 0);
        if (!s->stopped)
            tail_live_poll_now(s);
        return;
    }
    /* reopen: at once after the 3-hour end, with back-off otherwise */
    if (was_up && lasted >= 30000)
        s->live.failures = 0;
    uint64_t delay = 0;
    if (!(was_up && aws_error_is(err, "SessionTimeoutException"))) {
        unsigned k = s->live.failures > 5 ? 5 : s->live.failures;
        delay = s->o.live_retry_ms << k;
        if (delay > 30000)
            delay = 30000;
        s->live.failures++;
    }
    char d[400];
    snprintf(d, sizeof(d), "live session %s: %s; reopening in %.1fs, polling meanwhile",
             was_up ? "ended" : "not opened", why ? why : "", (double)delay / 1000.0);
    free(why);
    tail_notify_set(s, TAIL_NOTICE_LIVE, err, d, delay);
    if (s->stopped)
        return;
    if (was_up)
        tail_live_poll_now(s);
    if (!s->stopped && !s->done)
        s->live.timer = loop_timer(s->loop, delay, tail_live_reopen, s);
}

static const struct tail_live_cb tail_live_cbs = {
    .on_start = tail_live_started,
    .on_events = tail_live_events,
    .on_end = tail_live_ended,
};

void tail_live_open(struct tail_set *s)
{
    if (!s->live.enabled || s->live.handle || s->stopped || s->done)
        return;
    const char *names[TAIL_LIVE_MAX_GROUPS];
    size_t n = 0;
    for (size_t i = 0; i < s->n && n < TAIL_LIVE_MAX_GROUPS; i++)
        if (s->tails[i]->state != TAIL_DONE && s->tails[i]->state != TAIL_FAILED)
            names[n++] = s->tails[i]->log_group;
    if (n == 0)
        return;
    s->live.opens++;
    s->live.handle =
        s->o.live->open(s->o.live->ctx, names, n, s->filter_pattern, &tail_live_cbs, s);
    if (!s->live.handle) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_INTERNAL, "LiveSourceUnavailable",
                      "the live source could not start a session");
        s->live.enabled = false;
        snprintf(s->live.note, sizeof(s->live.note), "the live source could not start");
        tail_notify_set(s, TAIL_NOTICE_SOURCE, &e,
                        "live tail unavailable: polling FilterLogEvents instead", 0);
        aws_error_clear(&e);
    }
}
