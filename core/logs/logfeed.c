/* logfeed.c - one group's slow log and engine log, read into a store. */
#include "core/logs/logfeed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/logs/tailsrc.h"
#include "core/model/events.h"
#include "core/model/inventory.h"
#include "core/redis/observe.h"

#define LOGFEED_MAX_TAILS 8
/* The tails wait for the role history (Redis, failover events) at most this
 * long, so the first records are labelled with the roles of their time. */
#define LOGFEED_HISTORY_WAIT_MS 5000

struct logfeed {
    struct logfeed_options o;
    struct session *ss;
    char *rg_id;
    enum logfeed_state state;
    char *error;
    int64_t start_ms;

    struct inventory *inv;
    struct tailsrc_rg *rg; /* the labels' model (and its role history) */
    struct observe *ob;
    char *roles_note;
    struct events_req *ev;
    struct loop_timer *ev_timer;
    int64_t events_from, events_to; /* read so far */
    bool events_failed;
    bool observed;                 /* Redis answered once (or could not) */
    int64_t observed_at;           /* wall clock of the first answer; 0 = none yet */
    struct loop_timer *hist_timer; /* the tails wait at most this long */
    bool hist_late;

    struct aws_client *logs; /* one attempt a request: the tails retry in the budget */
    struct tailsrc_logs *src;
    struct tailsrc_live *live; /* StartLiveTail sessions: the records pushed, polling behind */
    struct tail_set *set;
    size_t ntails;
    char *groups[LOGFEED_MAX_TAILS];
    enum logrec_type types[LOGFEED_MAX_TAILS];
    int store_src[LOGFEED_MAX_TAILS];
    char note[LOGFEED_MAX_TAILS][320];
};

static void logfeed_changed(struct logfeed *f, unsigned what)
{
    if (f->o.cb.on_change)
        f->o.cb.on_change(f, what, f->o.cb.arg);
}

static void logfeed_say(struct logfeed *f, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logfeed_say(struct logfeed *f, bool error, const char *fmt, ...)
{
    if (!f->o.cb.on_message)
        return;
    va_list ap;
    va_start(ap, fmt);
    struct buf b;
    buf_init(&b, 0);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    f->o.cb.on_message(f, error, buf_str(&b), f->o.cb.arg);
    buf_free(&b);
}

/* ---- the tails ---- */

static void logfeed_on_record(struct tail_set *s, size_t tail, const struct logrec *r, void *arg)
{
    (void)s;
    struct logfeed *f = arg;
    logstore_push(f->o.store, tail < f->ntails ? f->store_src[tail] : -1, r);
    logfeed_changed(f, LOGFEED_RECORDS);
}

static void logfeed_on_gap(struct tail_set *s, const struct tail_gap *g, void *arg)
{
    (void)s;
    struct logfeed *f = arg;
    logstore_push_gap(f->o.store, g->tail < f->ntails ? f->store_src[g->tail] : -1, g->from_ms,
                      g->to_ms, g->reason, g->detail);
    logfeed_changed(f, LOGFEED_RECORDS | LOGFEED_STATUS);
}

static void logfeed_on_notice(struct tail_set *s, const struct tail_notice *n, void *arg)
{
    (void)s;
    struct logfeed *f = arg;
    char *note = n->tail < f->ntails ? f->note[n->tail] : NULL;
    switch (n->kind) {
    case TAIL_NOTICE_ERROR:
        if (note)
            snprintf(note, sizeof(f->note[0]), "%s (retrying in %.1fs)", n->detail,
                     (double)n->retry_in_ms / 1000.0);
        break;
    case TAIL_NOTICE_RECOVERED:
        if (note)
            note[0] = '\0';
        break;
    case TAIL_NOTICE_FATAL:
        if (note)
            snprintf(note, sizeof(f->note[0]), "stopped: %s", n->detail);
        logfeed_say(f, true, "logs %s: stopped: %s", n->log_group, n->detail);
        break;
    case TAIL_NOTICE_LAG:
    case TAIL_NOTICE_OVERFLOW:
        logfeed_say(f, false, "logs %s: %s", n->log_group, n->detail);
        break;
    case TAIL_NOTICE_SOURCE:
        /* the live source was refused: polling from now on, said once */
        logfeed_say(f, false, "logs: %s", n->detail);
        break;
    case TAIL_NOTICE_LIVE: /* sessions up and ended: the status says it */
    case TAIL_NOTICE_NEW_STREAM:
    case TAIL_NOTICE_READY:
    case TAIL_NOTICE_DONE:
        break;
    }
    logfeed_changed(f, LOGFEED_STATUS);
}

static void logfeed_on_done(struct tail_set *s, void *arg)
{
    (void)s;
    logfeed_changed(arg, LOGFEED_STATUS);
}

static void logfeed_stop_tails(struct logfeed *f)
{
    tail_set_free(f->set);
    f->set = NULL;
    for (size_t i = 0; i < f->ntails; i++)
        f->note[i][0] = '\0';
}

static void logfeed_forget_groups(struct logfeed *f)
{
    logfeed_stop_tails(f);
    for (size_t i = 0; i < f->ntails; i++) {
        free(f->groups[i]);
        f->groups[i] = NULL;
    }
    f->ntails = 0;
}

/* Is the role history in for records from start_ms on? */
static bool logfeed_history_ready(const struct logfeed *f)
{
    if (f->hist_late)
        return true;
    bool roles = f->o.no_redis || f->observed || !f->ob;
    /* the events reach back before the window and forward past Redis's
     * first answer: a record from between them is labelled backward from
     * what Redis said only when no failover came in between */
    bool events =
        f->events_failed || (f->events_from && f->events_from <= f->start_ms - 60 * 1000 &&
                             (!f->observed_at || f->events_to >= f->observed_at));
    return roles && events;
}

/* Start the tails of the groups named, once the history is in. */
static void logfeed_try_start(struct logfeed *f)
{
    if (f->set || !f->ntails || f->state == LOGFEED_FAILED || !logfeed_history_ready(f))
        return;
    if (f->hist_timer) {
        loop_untimer(f->ss->loop, f->hist_timer);
        f->hist_timer = NULL;
    }
    logstore_clear(f->o.store);
    if (!f->logs) {
        struct aws_error err;
        aws_error_init(&err);
        long timeout = f->ss->opts && f->ss->opts->timeout_ms ? f->ss->opts->timeout_ms : 30000;
        f->logs = session_client(f->ss, 1, timeout, false, &err);
        if (!f->logs) {
            char *m = aws_error_format(&err);
            free(f->error);
            f->error = mem_xasprintf("cannot read CloudWatch Logs: %s", m ? m : "?");
            free(m);
            aws_error_clear(&err);
            f->state = LOGFEED_FAILED;
            return;
        }
        f->src = tailsrc_logs_new(f->logs);
        /* as `elcui logs --follow --source`: with auto, live when allowed
         * and polling (said once) when refused */
        if (f->o.source_mode != TAIL_SOURCE_POLL)
            f->live = tailsrc_live_new(f->logs, 15000);
    }
    struct tail_options to;
    memset(&to, 0, sizeof(to));
    to.loop = f->ss->loop;
    to.source = tailsrc_logs_source(f->src);
    to.live = f->live ? tailsrc_live_source(f->live) : NULL;
    to.source_mode = f->o.source_mode;
    to.budget = f->o.budget;
    to.follow = true;
    to.start_ms = f->start_ms;
    to.backoff_base_ms = f->o.backoff_base_ms;
    to.backoff_max_ms = f->o.backoff_max_ms;
    to.hard_failures = f->o.hard_failures;
    to.page_limit = f->o.page_limit;
    to.label_fn = tailsrc_label;
    to.label_ctx = f->rg;
    to.cb.on_record = logfeed_on_record;
    to.cb.on_gap = logfeed_on_gap;
    to.cb.on_notice = logfeed_on_notice;
    to.cb.on_done = logfeed_on_done;
    to.cb.arg = f;
    char err[128];
    f->set = tail_set_new(&to, err, sizeof(err));
    for (size_t i = 0; i < f->ntails; i++) {
        f->store_src[i] = logstore_source(f->o.store, f->groups[i], f->types[i]);
        tail_set_add(f->set, f->groups[i], f->types[i]);
    }
    f->state = LOGFEED_RUNNING;
    tail_set_start(f->set);
    logfeed_changed(f, LOGFEED_STATUS | LOGFEED_RECORDS);
}

static void logfeed_history_late(void *arg)
{
    struct logfeed *f = arg;
    f->hist_timer = NULL;
    f->hist_late = true;
    logfeed_try_start(f);
}

/* The tails wait for the history from here, at most a few seconds. */
static void logfeed_wait_history(struct logfeed *f)
{
    f->hist_late = false;
    if (f->hist_timer)
        loop_untimer(f->ss->loop, f->hist_timer);
    f->hist_timer = loop_timer(f->ss->loop, LOGFEED_HISTORY_WAIT_MS, logfeed_history_late, f);
}

/* Read these groups (the delivery configuration says so). */
static void logfeed_set_groups(struct logfeed *f, char **groups, const enum logrec_type *types,
                               size_t n)
{
    bool same = n == f->ntails;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(groups[i], f->groups[i]) == 0 && types[i] == f->types[i];
    if (same)
        return;
    logfeed_forget_groups(f);
    for (size_t i = 0; i < n && i < LOGFEED_MAX_TAILS; i++) {
        f->groups[i] = mem_xstrdup(groups[i]);
        f->types[i] = types[i];
        f->ntails++;
    }
    logfeed_try_start(f);
}

/* ---- the role history: Redis, failover events ---- */

static void logfeed_events_fetch(struct logfeed *f);

static void logfeed_events_fire(void *arg)
{
    struct logfeed *f = arg;
    f->ev_timer = NULL;
    logfeed_events_fetch(f);
}

static void logfeed_on_events(struct events_result *out, const struct aws_error *err, void *arg)
{
    struct logfeed *f = arg;
    f->ev = NULL;
    struct model_group *g = f->rg ? f->rg->model : NULL;
    bool complete = out && !out->truncated;
    if (out) {
        int64_t *dates = mem_xcalloc(out->n + 1, sizeof(*dates));
        const char **msgs = mem_xcalloc(out->n + 1, sizeof(*msgs));
        for (size_t i = 0; i < out->n; i++) {
            dates[i] = out->items[i].date_ms;
            msgs[i] = out->items[i].message;
        }
        /* a listing cut short tells no complete story */
        if (g)
            model_group_note_events(g, dates, msgs, out->n, out->truncated ? 0 : out->start_ms,
                                    out->end_ms);
        free(dates);
        free(msgs);
        if (!out->truncated) {
            if (!f->events_from || out->start_ms < f->events_from)
                f->events_from = out->start_ms;
            f->events_to = out->end_ms;
        }
        events_result_free(out);
        logfeed_changed(f, LOGFEED_MODEL);
    } else if (err) {
        f->events_failed = true;
        char *m = aws_error_format(err);
        logfeed_say(f, false,
                    "logs %s: the failover events could not be read (%s): records from before "
                    "the roles were seen are labelled role?",
                    f->rg_id, m ? m : "?");
        free(m);
    }
    if (complete && f->observed_at && f->events_to < f->observed_at)
        logfeed_events_fetch(f); /* sent before Redis answered: once more, up to now */
    else if (!f->ev_timer)
        f->ev_timer = loop_timer(f->ss->loop, f->o.events_ms, logfeed_events_fire, f);
    logfeed_try_start(f);
}

/* DescribeEvents from a minute before the window (the service keeps 14
 * days), or from a little before the last read, up to now. */
static void logfeed_events_fetch(struct logfeed *f)
{
    if (f->ev || !f->rg || !f->rg->model)
        return;
    const struct model_group *g = f->rg->model;
    int64_t now = loop_wall_ms(f->ss->loop);
    int64_t from;
    if (f->events_to && f->events_from && f->events_from <= f->start_ms - 60 * 1000)
        from = f->events_to - 5 * 60 * 1000;
    else
        from = f->start_ms - 60 * 1000;
    if (from < now - EVENTS_RETENTION_MS + 60 * 1000)
        from = now - EVENTS_RETENTION_MS + 60 * 1000;
    if (from >= now)
        from = now - 1000;
    struct events_in in = {
        .replication_group_id = f->rg_id,
        .member_clusters = (const char *const *)g->member_clusters,
        .n_member_clusters = g->n_member_clusters,
        .start_ms = from,
        .end_ms = now,
    };
    f->ev = events_fetch(f->ss->aws, &in, logfeed_on_events, f);
    if (!f->ev)
        f->events_failed = true;
}

static void logfeed_on_observed(struct observe *ob, void *arg)
{
    struct logfeed *f = arg;
    if (f->rg && f->rg->model)
        observe_merge(ob, f->rg->model);
    free(f->roles_note);
    if (observe_state(ob) == OBSERVE_S_OK)
        f->roles_note = mem_xstrdup("roles from Redis");
    else if (observe_state(ob) == OBSERVE_S_UNREACHABLE)
        f->roles_note = mem_xasprintf("Redis not reachable (%s): roles from the API, the metric "
                                      "and failover events",
                                      observe_reason(ob));
    else
        f->roles_note = NULL;
    if (observe_state(ob) != OBSERVE_S_STARTING)
        f->observed = true;
    if (observe_state(ob) == OBSERVE_S_OK && !f->observed_at) {
        /* the events read so far may end before this answer: read up to
         * now at once rather than at the next refresh */
        f->observed_at = loop_wall_ms(f->ss->loop);
        if (f->events_to < f->observed_at && f->ev_timer) {
            loop_untimer(f->ss->loop, f->ev_timer);
            f->ev_timer = NULL;
            logfeed_events_fetch(f);
        }
    }
    logfeed_changed(f, LOGFEED_MODEL | LOGFEED_STATUS);
    logfeed_try_start(f);
}

static void logfeed_start_history(struct logfeed *f)
{
    const struct session_options *so = f->ss->opts;
    if (!f->o.no_redis && !f->ob) {
        struct observe_options oo = {
            .loop = f->ss->loop,
            .aws = f->ss->aws,
            .creds = f->ss->creds,
            .region = f->ss->region,
            .rg_id = f->rg_id,
            .cafile = so ? so->redis_cacert : NULL,
            .insecure = so ? so->insecure : false,
            .connect_to = so ? so->connect_to : NULL,
            .n_connect_to = so ? so->nconnect_to : 0,
            .interval_ms = f->o.observe_ms,
            .timeout_ms = 2000,
            .on_update = logfeed_on_observed,
            .arg = f,
        };
        f->ob = observe_start(&oo);
    }
    logfeed_events_fetch(f);
}

/* ---- the model ---- */

static void logfeed_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    struct logfeed *f = arg;
    bool first = !f->rg;
    if (first) {
        f->rg = mem_xcalloc(1, sizeof(*f->rg));
        f->rg->id = mem_xstrdup(f->rg_id);
    }
    tailsrc_rg_set_model(f->rg, g);
    /* the log groups its delivery writes to */
    char *groups[LOGFEED_MAX_TAILS];
    enum logrec_type types[LOGFEED_MAX_TAILS];
    size_t n = 0;
    struct buf other;
    buf_init(&other, 0);
    for (size_t i = 0; i < g->n_log_delivery && n < LOGFEED_MAX_TAILS; i++) {
        const struct model_log_delivery *d = &g->log_delivery[i];
        const char *type = d->log_type ? d->log_type : "";
        if (d->destination_type && strcmp(d->destination_type, "cloudwatch-logs") != 0) {
            buf_printf(&other, "%s%s to %s", other.len ? ", " : "", type, d->destination_type);
            continue;
        }
        if (!d->destination || !d->destination[0])
            continue;
        groups[n] = d->destination;
        types[n] = strcmp(type, "slow-log") == 0     ? LOGREC_SLOW
                   : strcmp(type, "engine-log") == 0 ? LOGREC_ENGINE
                                                     : LOGREC_UNKNOWN;
        n++;
    }
    if (first) {
        logfeed_wait_history(f);
        logfeed_start_history(f);
    }
    if (n == 0) {
        logfeed_forget_groups(f);
        char *hint = tailsrc_enable_hint(f->rg_id);
        free(f->error);
        f->error = mem_xasprintf("%s has no slow-log or engine-log delivery to CloudWatch Logs%s%s"
                                 "%s.\n%s",
                                 f->rg_id, other.len ? " (" : "", buf_str(&other),
                                 other.len ? ", which elcui cannot read)" : "", hint);
        free(hint);
        f->state = LOGFEED_NO_DELIVERY;
    } else {
        free(f->error);
        f->error = NULL;
        if (f->state == LOGFEED_NO_DELIVERY)
            f->state = LOGFEED_STARTING;
        logfeed_set_groups(f, groups, types, n);
    }
    buf_free(&other);
    logfeed_changed(f, LOGFEED_MODEL | LOGFEED_STATUS | LOGFEED_RECORDS);
}

static void logfeed_on_inv_error(struct inventory *inv, enum inventory_op op,
                                 const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    struct logfeed *f = arg;
    char *m = aws_error_format(err);
    if (!f->rg) {
        free(f->error);
        f->error = aws_error_is(err, "ReplicationGroupNotFoundFault")
                       ? mem_xasprintf("replication group %s not found", f->rg_id)
                       : mem_xasprintf("describing %s failed: %s", f->rg_id, m ? m : "?");
        f->state = LOGFEED_FAILED;
        logfeed_say(f, true, "logs %s: %s", f->rg_id, f->error);
    } else {
        /* the labels keep the last model; the tails go on */
        logfeed_say(f, false, "logs %s: refreshing the group failed: %s", f->rg_id, m ? m : "?");
    }
    free(m);
    logfeed_changed(f, LOGFEED_STATUS);
}

struct logfeed *logfeed_new(const struct logfeed_options *o)
{
    struct logfeed *f = mem_xcalloc(1, sizeof(*f));
    f->o = *o;
    f->ss = o->session;
    f->rg_id = mem_xstrdup(o->rg_id);
    f->o.rg_id = f->rg_id;
    f->start_ms = o->start_ms;
    if (!f->o.refresh_ms)
        f->o.refresh_ms = LOGFEED_REFRESH_MS;
    if (!f->o.observe_ms)
        f->o.observe_ms = LOGFEED_OBSERVE_MS;
    if (!f->o.events_ms)
        f->o.events_ms = LOGFEED_EVENTS_MS;
    if (!f->o.page_limit)
        f->o.page_limit = LOGFEED_PAGE_LIMIT;
    f->state = LOGFEED_STARTING;
    struct inventory_options io;
    memset(&io, 0, sizeof(io));
    io.loop = f->ss->loop;
    io.aws = f->ss->aws;
    io.refresh_ms = f->o.refresh_ms;
    io.roles_from_metrics = true;
    io.cb.on_group = logfeed_on_group;
    io.cb.on_error = logfeed_on_inv_error;
    io.cb.arg = f;
    f->inv = inventory_new(&io);
    inventory_open(f->inv, f->rg_id);
    return f;
}

void logfeed_free(struct logfeed *f)
{
    if (!f)
        return;
    logfeed_forget_groups(f);
    if (f->hist_timer)
        loop_untimer(f->ss->loop, f->hist_timer);
    tailsrc_logs_free(f->src);
    tailsrc_live_free(f->live);
    if (f->logs)
        aws_client_free(f->logs);
    inventory_free(f->inv);
    observe_free(f->ob);
    if (f->ev)
        events_cancel(f->ev);
    if (f->ev_timer)
        loop_untimer(f->ss->loop, f->ev_timer);
    tailsrc_rg_free(f->rg);
    free(f->roles_note);
    free(f->error);
    free(f->rg_id);
    free(f);
}

void logfeed_set_start(struct logfeed *f, int64_t start_ms)
{
    f->start_ms = start_ms;
    logfeed_stop_tails(f);
    logstore_clear(f->o.store);
    if (f->state == LOGFEED_RUNNING)
        f->state = LOGFEED_STARTING;
    /* the role history must reach back to the new start first */
    if (f->rg && !logfeed_history_ready(f)) {
        logfeed_wait_history(f);
        if (f->ev) {
            events_cancel(f->ev);
            f->ev = NULL;
        }
        if (f->ev_timer) {
            loop_untimer(f->ss->loop, f->ev_timer);
            f->ev_timer = NULL;
        }
        logfeed_events_fetch(f);
    }
    logfeed_try_start(f);
}

int64_t logfeed_start(const struct logfeed *f)
{
    return f->start_ms;
}

void logfeed_refresh(struct logfeed *f)
{
    inventory_refresh(f->inv);
    if (f->ob)
        observe_refresh(f->ob);
}

enum logfeed_state logfeed_state(const struct logfeed *f)
{
    return f->state;
}

const char *logfeed_error(const struct logfeed *f)
{
    return f->error;
}

const struct model_group *logfeed_model(const struct logfeed *f)
{
    return f->rg ? f->rg->model : NULL;
}

const char *logfeed_rg_id(const struct logfeed *f)
{
    return f->rg_id;
}

size_t logfeed_tails(const struct logfeed *f)
{
    return f->set ? f->ntails : 0;
}

bool logfeed_waiting(const struct logfeed *f)
{
    return f->ntails && !f->set && f->state != LOGFEED_FAILED;
}

void logfeed_tail_status(const struct logfeed *f, size_t i, struct tail_status *out)
{
    memset(out, 0, sizeof(*out));
    if (f->set && i < f->ntails)
        tail_status(f->set, i, out);
}

const char *logfeed_tail_note(const struct logfeed *f, size_t i)
{
    return i < f->ntails ? f->note[i] : "";
}

const char *logfeed_roles_note(const struct logfeed *f)
{
    if (f->o.no_redis)
        return "roles from the API, the metric and failover events";
    return f->roles_note ? f->roles_note : "asking Redis for the roles";
}
