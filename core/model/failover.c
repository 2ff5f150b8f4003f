/* failover.c - TestFailover and its follow-up on the loop (see failover.h). */
#include "core/model/failover.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"

#define FAILOVER_SEEN_MAX 512

struct failover {
    struct loop *loop;
    struct aws_client *aws;
    struct failover_callbacks cb;
    bool confirm, no_wait;
    uint64_t wait_ms, poll_ms;
    enum failover_phase phase;
    struct failover_result res;
    /* in flight (one at a time) */
    struct aws_call *call;
    struct events_req *ev;
    struct loop_timer *timer;
    /* following */
    int64_t start_ms; /* wall clock (the client's) when TestFailover was sent */
    uint64_t t0;      /* loop clock, same moment */
    uint64_t deadline;
    bool completed, failed;
    char **seen;
    size_t nseen;
    /* freed from inside a callback: free when it returns */
    int depth;
    bool dead;
};

bool failover_shard_id(const char *in, char *out, size_t n)
{
    if (!in)
        return false;
    size_t len = strlen(in);
    if (len == 0 || len > 4)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)in[i]))
            return false;
    long v = strtol(in, NULL, 10);
    if (v < 1 || v > 9999)
        return false;
    snprintf(out, n, "%04ld", v);
    return true;
}

bool failover_parse_completed(const char *msg, char *old_primary, size_t on, char *new_primary,
                              size_t nn)
{
    static const char from[] = "Failover from primary node ";
    static const char to[] = " to replica node ";
    const char *p = msg ? strstr(msg, from) : NULL;
    if (!p || !strstr(msg, "completed"))
        return false;
    p += sizeof(from) - 1;
    const char *sp = strchr(p, ' ');
    if (!sp)
        return false;
    const char *q = strstr(sp, to);
    if (!q)
        return false;
    q += sizeof(to) - 1;
    const char *sp2 = strchr(q, ' ');
    snprintf(old_primary, on, "%.*s", (int)(sp - p), p);
    snprintf(new_primary, nn, "%.*s", (int)(sp2 ? sp2 - q : (long)strlen(q)), q);
    return true;
}

const char *failover_phase_name(enum failover_phase p)
{
    switch (p) {
    case FAILOVER_PHASE_DESCRIBE:
        return "describe";
    case FAILOVER_PHASE_CONFIRM:
        return "confirm";
    case FAILOVER_PHASE_START:
        return "start";
    case FAILOVER_PHASE_FOLLOW:
        return "follow";
    case FAILOVER_PHASE_AVAILABLE:
        return "available";
    case FAILOVER_PHASE_DONE:
        return "done";
    }
    return "?";
}

const char *failover_status_name(enum failover_status s)
{
    switch (s) {
    case FAILOVER_COMPLETED:
        return "completed";
    case FAILOVER_STARTED:
        return "started";
    case FAILOVER_FAILED:
        return "failed";
    case FAILOVER_TIMEOUT:
        return "timeout";
    case FAILOVER_NOT_FOUND:
        return "not-found";
    case FAILOVER_NO_SHARD:
        return "no-shard";
    case FAILOVER_ERROR:
        return "error";
    }
    return "?";
}

enum failover_phase failover_phase(const struct failover *f)
{
    return f->phase;
}

const struct failover_result *failover_result_now(struct failover *f)
{
    if (f->t0)
        f->res.seconds = (double)(loop_now_ms(f->loop) - f->t0) / 1000.0;
    return &f->res;
}

/* ---- freeing, also from inside callbacks ---- */

static void failover_release(struct failover *f)
{
    if (f->call)
        aws_call_cancel(f->call);
    if (f->ev)
        events_cancel(f->ev);
    if (f->timer)
        loop_untimer(f->loop, f->timer);
    for (size_t i = 0; i < f->nseen; i++)
        free(f->seen[i]);
    free(f->seen);
    aws_error_clear(&f->res.err);
    free(f);
}

void failover_free(struct failover *f)
{
    if (!f)
        return;
    if (f->depth > 0) {
        /* cancel now, free once the callback returns */
        if (f->call)
            aws_call_cancel(f->call);
        f->call = NULL;
        if (f->ev)
            events_cancel(f->ev);
        f->ev = NULL;
        if (f->timer)
            loop_untimer(f->loop, f->timer);
        f->timer = NULL;
        f->dead = true;
        return;
    }
    failover_release(f);
}

/* Enter/leave a callback; leave returns false when the engine was freed. */
static void failover_enter(struct failover *f)
{
    f->depth++;
}

static bool failover_leave(struct failover *f)
{
    f->depth--;
    if (f->depth == 0 && f->dead) {
        failover_release(f);
        return false;
    }
    return !f->dead;
}

static bool failover_set_phase(struct failover *f, enum failover_phase p)
{
    f->phase = p;
    if (!f->cb.on_phase)
        return true;
    failover_enter(f);
    f->cb.on_phase(f, p, f->cb.arg);
    return failover_leave(f);
}

static void failover_done(struct failover *f, enum failover_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void failover_done(struct failover *f, enum failover_status st, const char *fmt, ...)
{
    f->res.status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->res.detail, sizeof(f->res.detail), fmt, ap);
    va_end(ap);
    failover_result_now(f);
    if (!failover_set_phase(f, FAILOVER_PHASE_DONE))
        return;
    if (f->cb.on_done) {
        failover_enter(f);
        f->cb.on_done(f, &f->res, f->cb.arg);
        failover_leave(f);
    }
}

/* ---- the steps ---- */

static void failover_poll(struct failover *f);

static void failover_on_timer(void *arg)
{
    struct failover *f = arg;
    f->timer = NULL;
    failover_poll(f);
}

static void failover_later(struct failover *f)
{
    f->timer = loop_timer(f->loop, f->poll_ms, failover_on_timer, f);
}

static const struct elasticache_node_group *
failover_find_shard(const struct elasticache_replication_group *g, const char *shard)
{
    for (size_t i = 0; i < g->n_node_groups; i++)
        if (g->node_groups[i].node_group_id && strcmp(g->node_groups[i].node_group_id, shard) == 0)
            return &g->node_groups[i];
    return NULL;
}

static void failover_on_started(struct elasticache_replication_group_out *out,
                                const struct aws_error *err, void *arg)
{
    struct failover *f = arg;
    f->call = NULL;
    if (!out) {
        aws_error_copy(&f->res.err, err);
        f->res.operation = "TestFailover";
        char *m = aws_error_format(err);
        failover_done(f, FAILOVER_ERROR, "TestFailover: %s", m ? m : "failed");
        free(m);
        return;
    }
    if (f->cb.on_started) {
        failover_enter(f);
        f->cb.on_started(f, out->request_id, out->group.status, f->cb.arg);
        if (!failover_leave(f)) {
            elasticache_replication_group_out_free(out);
            return;
        }
    }
    elasticache_replication_group_out_free(out);
    if (f->no_wait) {
        failover_done(f, FAILOVER_STARTED, "started; not followed (--no-wait)");
        return;
    }
    f->deadline = loop_now_ms(f->loop) + f->wait_ms;
    if (!failover_set_phase(f, FAILOVER_PHASE_FOLLOW))
        return;
    failover_poll(f);
}

void failover_go(struct failover *f)
{
    if (!f || f->phase != FAILOVER_PHASE_CONFIRM)
        return;
    f->phase = FAILOVER_PHASE_START;
    f->start_ms = aws_client_now_ms(f->aws);
    f->t0 = loop_now_ms(f->loop);
    struct elasticache_test_failover_in in = {.replication_group_id = f->res.rg_id,
                                              .node_group_id = f->res.shard};
    f->call = elasticache_test_failover(f->aws, &in, failover_on_started, f);
}

static void failover_on_described(struct elasticache_replication_group_list *out,
                                  const struct aws_error *err, void *arg)
{
    struct failover *f = arg;
    f->call = NULL;
    if (!out || out->n != 1) {
        if (err)
            aws_error_copy(&f->res.err, err);
        f->res.operation = "DescribeReplicationGroups";
        if (err && aws_error_is(err, "ReplicationGroupNotFoundFault")) {
            failover_done(f, FAILOVER_NOT_FOUND, "replication group '%s' not found", f->res.rg_id);
        } else {
            char *m = err ? aws_error_format(err) : NULL;
            failover_done(f, FAILOVER_ERROR, "cannot describe the group: %s",
                          m ? m : "no such group in the answer");
            free(m);
        }
        elasticache_replication_group_list_free(out);
        return;
    }
    const struct elasticache_replication_group *g = &out->items[0];
    const struct elasticache_node_group *ng = failover_find_shard(g, f->res.shard);
    if (!ng) {
        size_t l = 0;
        for (size_t i = 0; i < g->n_node_groups && l + 8 < sizeof(f->res.shards); i++) {
            snprintf(f->res.shards + l, sizeof(f->res.shards) - l, "%s%s", i ? " " : "",
                     g->node_groups[i].node_group_id ? g->node_groups[i].node_group_id : "?");
            l = strlen(f->res.shards);
        }
        failover_done(f, FAILOVER_NO_SHARD, "%s has no shard %s (it has %s)", f->res.rg_id,
                      f->res.shard, f->res.shards);
        elasticache_replication_group_list_free(out);
        return;
    }
    f->phase = FAILOVER_PHASE_CONFIRM;
    if (f->confirm) {
        if (f->cb.on_shard) {
            failover_enter(f);
            f->cb.on_shard(f, g, ng, f->cb.arg);
            failover_leave(f);
        }
        elasticache_replication_group_list_free(out);
        return;
    }
    elasticache_replication_group_list_free(out);
    failover_go(f);
}

static bool failover_seen(struct failover *f, const struct events_event *e)
{
    char *key =
        mem_xasprintf("%lld|%s|%s|%s", (long long)e->date_ms, e->source_type ? e->source_type : "",
                      e->source_id ? e->source_id : "", e->message ? e->message : "");
    for (size_t i = 0; i < f->nseen; i++)
        if (strcmp(f->seen[i], key) == 0) {
            free(key);
            return true;
        }
    if (f->nseen >= FAILOVER_SEEN_MAX) {
        /* the oldest goes: polls only ever see events since the start */
        free(f->seen[0]);
        memmove(f->seen, f->seen + 1, (f->nseen - 1) * sizeof(*f->seen));
        f->nseen--;
    }
    f->seen = mem_xrealloc(f->seen, (f->nseen + 1) * sizeof(*f->seen));
    f->seen[f->nseen++] = key;
    return false;
}

static void failover_on_events(struct events_result *out, const struct aws_error *err, void *arg)
{
    struct failover *f = arg;
    f->ev = NULL;
    if (!out) {
        char *m = aws_error_format(err);
        if (f->cb.on_trouble) {
            char *t = mem_xasprintf("reading events: %s (trying again)", m ? m : "failed");
            failover_enter(f);
            f->cb.on_trouble(f, t, f->cb.arg);
            free(t);
            if (!failover_leave(f)) {
                free(m);
                return;
            }
        }
        free(m);
        failover_later(f);
        return;
    }
    for (size_t i = 0; i < out->n; i++) {
        const struct events_event *e = &out->items[i];
        if (e->date_ms < f->start_ms || failover_seen(f, e))
            continue;
        if (f->cb.on_event) {
            failover_enter(f);
            f->cb.on_event(f, e, f->cb.arg);
            if (!failover_leave(f)) {
                events_result_free(out);
                return;
            }
        }
        const char *msg = e->message ? e->message : "";
        bool rg = e->source_type && strcmp(e->source_type, "replication-group") == 0;
        if (rg && !f->completed &&
            failover_parse_completed(msg, f->res.old_primary, sizeof(f->res.old_primary),
                                     f->res.new_primary, sizeof(f->res.new_primary)))
            f->completed = true;
        if (rg && !f->failed && strstr(msg, "Failover of node group") && strstr(msg, "failed")) {
            f->failed = true;
            snprintf(f->res.detail, sizeof(f->res.detail), "%s", msg);
        }
    }
    events_result_free(out);
    if (f->failed || f->completed) {
        failover_poll(f); /* at once: the outcome is known */
        return;
    }
    failover_later(f);
}

static void failover_on_available(struct elasticache_replication_group_list *out,
                                  const struct aws_error *err, void *arg)
{
    struct failover *f = arg;
    f->call = NULL;
    if (!out && f->cb.on_trouble) {
        char *m = aws_error_format(err);
        char *t = mem_xasprintf("describing the group: %s (trying again)", m ? m : "failed");
        failover_enter(f);
        f->cb.on_trouble(f, t, f->cb.arg);
        free(t);
        free(m);
        if (!failover_leave(f))
            return;
    }
    bool avail = out && out->n == 1 && out->items[0].status &&
                 strcmp(out->items[0].status, "available") == 0;
    elasticache_replication_group_list_free(out);
    if (avail) {
        failover_done(f, FAILOVER_COMPLETED,
                      "failover of shard %s completed: new primary %s (was %s); group available",
                      f->res.shard, f->res.new_primary, f->res.old_primary);
        return;
    }
    failover_later(f);
}

/* One step of following: what to ask next. */
static void failover_poll(struct failover *f)
{
    if (loop_now_ms(f->loop) >= f->deadline) {
        failover_done(f, FAILOVER_TIMEOUT,
                      "gave up following after %.0f s: the failover may still be under way "
                      "(elcui events %s)",
                      (double)f->wait_ms / 1000.0, f->res.rg_id);
        return;
    }
    if (f->failed) {
        char msg[sizeof(f->res.detail)];
        snprintf(msg, sizeof(msg), "%s", f->res.detail);
        failover_done(f, FAILOVER_FAILED, "%s", msg);
        return;
    }
    if (f->completed) {
        if (f->phase != FAILOVER_PHASE_AVAILABLE &&
            !failover_set_phase(f, FAILOVER_PHASE_AVAILABLE))
            return;
        struct elasticache_describe_replication_groups_in in = {.id = f->res.rg_id};
        f->call = elasticache_describe_replication_groups(f->aws, &in, failover_on_available, f);
        return;
    }
    int64_t now = aws_client_now_ms(f->aws);
    struct events_in in = {
        .replication_group_id = f->res.rg_id,
        .start_ms = f->start_ms - 60000,
        .end_ms = now + 60000,
    };
    f->ev = events_fetch(f->aws, &in, failover_on_events, f);
    if (!f->ev)
        failover_later(f);
}

struct failover *failover_start(const struct failover_options *o)
{
    char shard[8];
    if (!o || !o->loop || !o->aws || !o->rg_id || !*o->rg_id ||
        strlen(o->rg_id) >= sizeof(((struct failover_result *)0)->rg_id) ||
        !failover_shard_id(o->shard, shard, sizeof(shard)))
        return NULL;
    struct failover *f = mem_xcalloc(1, sizeof(*f));
    f->loop = o->loop;
    f->aws = o->aws;
    f->cb = o->cb;
    f->confirm = o->confirm;
    f->no_wait = o->no_wait;
    f->wait_ms = o->wait_ms ? o->wait_ms : FAILOVER_WAIT_MS;
    f->poll_ms = o->poll_ms ? o->poll_ms : FAILOVER_POLL_MS;
    aws_error_init(&f->res.err);
    snprintf(f->res.rg_id, sizeof(f->res.rg_id), "%s", o->rg_id);
    snprintf(f->res.shard, sizeof(f->res.shard), "%s", shard);
    f->phase = FAILOVER_PHASE_DESCRIBE;
    struct elasticache_describe_replication_groups_in in = {.id = f->res.rg_id};
    f->call = elasticache_describe_replication_groups(f->aws, &in, failover_on_described, f);
    return f;
}
