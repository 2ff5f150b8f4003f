/* cmd_logs.c - `elcui logs`: slow-log and engine-log records of a group. */
#include "tui/cmd/cmd_logs.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/model/events.h"
#include "core/model/inventory.h"
#include "core/logs/logrec.h"
#include "core/logs/tail.h"
#include "core/logs/tailsrc.h"
#include "core/redis/observe.h"
#include "tui/cmd/cmdout.h"

#define CMD_LOGS_MAX_GROUPS 16
#define CMD_LOGS_REDIS_TIMEOUT_MS 5000
#define CMD_LOGS_OBSERVE_EVERY_MS 10000    /* --follow: Redis's roles */
#define CMD_LOGS_EVENTS_EVERY_MS 30000     /* --follow: failover events */
#define CMD_LOGS_PAGE_EVENTS 2500          /* FilterLogEvents limit, see below */
#define CMD_LOGS_BATCH ((size_t)64 * 1024) /* records written at once, see cmd_logs_flush */

struct cmd_logs {
    struct session s;
    bool json;
    bool follow;
    bool slow, engine;
    const char *rg_id;
    const char *groups[CMD_LOGS_MAX_GROUPS];
    size_t n_groups;
    int64_t since_ms, until_ms;
    double rate;
    enum tail_source_mode source;
    int64_t overlap_ms;
    long status_every_s;
    uint64_t limit;
    const char *filter_pattern;
    struct tail_filter flt;

    struct tailsrc_rg *rg;
    struct inventory *inv; /* keeps the labels' model fresh (roles move) */
    bool modelled;         /* the inventory answered once (or failed) */
    /* the role history the labels rest on: Redis's roles, failover events */
    bool no_redis;
    struct observe *ob;
    bool observed;
    struct loop_timer *redis_timer;
    struct events_req *ev;
    bool events_done;
    int64_t events_from, events_to; /* read so far */
    struct loop_timer *events_timer;
    bool resolved;
    struct aws_error resolve_err;
    struct aws_client *logs_client;
    struct tailsrc_logs *src;
    struct tailsrc_live *live;
    struct tail_set *set;
    struct loop_timer *status_timer;
    bool interrupted;
    bool output_broken;
    struct cmdout_pipe out; /* stdout, whose reader may go away */
    struct buf line;
    bool batched;     /* records gathered in batch (cmd_logs_flush) */
    struct buf batch; /* records not written yet */
};

static void cmd_logs_usage(FILE *f)
{
    fprintf(f, "usage: elcui logs RG [OPTIONS]\n"
               "       elcui logs --log-group NAME [--log-group NAME]... [OPTIONS]\n"
               "\n"
               "Slow-log and engine-log records of a replication group, read from the\n"
               "CloudWatch Logs groups its log delivery writes to, each labelled with its\n"
               "node, shard, role and AZ. Every record is shown exactly once.\n"
               "\n"
               "  --slow | --engine       only the slow log / only the engine log\n"
               "  --log-group NAME        read this log group (repeatable) instead of the\n"
               "                          group's delivery configuration\n"
               "  --since WHEN            start: 10m, 2h, 3d, 45s or ISO 8601 (default 10m)\n"
               "  --until WHEN            end (exclusive), same forms\n"
               "  -f, --follow            keep reading new records until interrupted\n"
               "  --filter PATTERN        CloudWatch filter pattern, applied by the service\n"
               "  --grep REGEX            POSIX extended regex on the raw message\n"
               "  -i, --ignore-case       --grep ignores case\n"
               "  --min-duration D        slow-log records at least this slow (10ms, 500us)\n"
               "  --command NAME          slow-log records of this command (KEYS, HGETALL)\n"
               "  --level LEVEL           engine-log records at this level or above\n"
               "                          (verbose, notice, warning)\n"
               "  --node ID               records of one node (cache cluster id, or id/node)\n"
               "  --shard ID              records of one shard (node group id, 0001)\n"
               "  --role primary|replica  records of nodes in this role at the record's time\n"
               "  --limit N               stop after N records (said on stderr: \"stopped\n"
               "                          after N records (--limit)\", with --json\n"
               "                          {\"type\":\"stopped\",\"reason\":\"limit\",...})\n"
               "  --json                  one JSON object per line and record\n"
               "  --source auto|live|poll with --follow, where new records come from:\n"
               "                          live: StartLiveTail pushes them as they are\n"
               "                          ingested, and FilterLogEvents reconciles behind it\n"
               "                          (one request per 5s per log group) so nothing is\n"
               "                          missed or shown twice; poll: FilterLogEvents only;\n"
               "                          auto (default): live when the session is allowed,\n"
               "                          polling when StartLiveTail is denied, not served by\n"
               "                          the endpoint or over the session quota (said once)\n"
               "  --rate N                FilterLogEvents requests per second shared by all\n"
               "                          tails (default 4; the account quota is 5)\n"
               "  --overlap D             re-read window for late events (default 30s)\n"
               "  --status-interval S     with --follow, a status line every S seconds\n"
               "                          (default 60; 0: only on changes)\n"
               "  --no-redis              roles from the API and the metric only\n"
               "\n"
               "The role of each record is the one its node had at the record's time: the\n"
               "group's failovers (DescribeEvents) are read over the window and Redis is\n"
               "asked for the roles now (as show does), so records from before a failover\n"
               "keep the role they had then. 'role?' marks a record older than that\n"
               "history reaches (the 14 days events are kept, or when DescribeEvents\n"
               "cannot be read); --role never picks those.\n"
               "\n"
               "Records pushed by a live session carry no eventId (StartLiveTail gives none:\n"
               "\"eventId\":\"\" in --json); they are matched to FilterLogEvents' records by\n"
               "stream, timestamp and message. A live session that ends (the 3-hour limit,\n"
               "a cut stream, a bad frame) is reopened; polling covers the gap.\n"
               "\n"
               "Without --follow, requests retry like every command's (--max-attempts,\n"
               "--timeout); a NUL in a message shows as \\0. Gaps, errors and status go\n"
               "to stderr (JSON objects with --json), after the records read before them\n"
               "and never inside one (also with 2>&1; without --follow and off a terminal\n"
               "records are written 64 KiB at a time). Exit status: 0 ok (also after\n"
               "Ctrl-C with --follow, and when the reader of a pipe goes away: logs -f |\n"
               "head -1 ends quietly), 1 failure, 2 usage.\n"
               "\n"
               "In the console, :logs RG (or L on a group) shows the same records live:\n"
               "searched, filtered, saved, with a slow-log summary by command (elcui(1)).\n");
}

/* ---- output ---- */

/* stdout's reader went away (`logs -f | head -1`): stop quietly. */
static void cmd_logs_out_closed(void *arg)
{
    struct cmd_logs *c = arg;
    c->output_broken = true;
    if (c->set)
        tail_set_stop(c->set);
    loop_stop(c->s.loop, 0);
}

/* A bulk read (no --follow, stdout not a terminal) gathers its records and
 * writes them 64 KiB at a time: one fwrite, and one write(2), per batch
 * instead of one fwrite per record and a write(2) per 4 KiB of stdio's
 * buffer. The batch goes out before anything is written to stderr (a gap,
 * a notice, the status; and stdio's buffer is flushed then), so the two
 * streams keep their order on one file, and at the end. Following, or on
 * a terminal, each record goes out as it comes. */
static void cmd_logs_flush(struct cmd_logs *c)
{
    if (!c->batch.len)
        return;
    if (!c->output_broken)
        cmdout_pipe_write(&c->out, c->batch.data, c->batch.len, false);
    buf_reset(&c->batch);
}

static void cmd_logs_emit(struct cmd_logs *c, FILE *f)
{
    if (f != stdout && c->batched && !c->output_broken) {
        /* what stdout holds goes first: with 2>&1 a line on stderr never
         * lands inside a record, nor before records delivered earlier */
        cmd_logs_flush(c);
        if (!c->output_broken)
            cmdout_pipe_write(&c->out, NULL, 0, true);
    }
    if (c->output_broken)
        return;
    buf_appendc(&c->line, '\n');
    if (f == stdout)
        cmdout_pipe_write(&c->out, c->line.data, c->line.len, c->follow);
    else if (fwrite(c->line.data, 1, c->line.len, f) == c->line.len && c->follow)
        fflush(f);
    buf_reset(&c->line);
}

/* One record as --json or text, appended to b. */
static int cmd_logs_format(const struct cmd_logs *c, const struct logrec *r, struct buf *b)
{
    return c->json ? logrec_format_json(r, b) : logrec_format_human(r, b);
}

static void cmd_logs_on_record(struct tail_set *set, size_t tail, const struct logrec *r, void *arg)
{
    (void)set;
    (void)tail;
    struct cmd_logs *c = arg;
    if (c->batched) {
        if (c->output_broken)
            return;
        size_t at = c->batch.len;
        if (cmd_logs_format(c, r, &c->batch) == 0 && buf_appendc(&c->batch, '\n') == 0) {
            if (c->batch.len >= CMD_LOGS_BATCH)
                cmd_logs_flush(c);
            return;
        }
        /* one record past the batch's cap: alone, as before */
        c->batch.len = at;
        if (c->batch.data)
            c->batch.data[at] = '\0';
        cmd_logs_flush(c);
    }
    buf_reset(&c->line);
    cmd_logs_format(c, r, &c->line);
    cmd_logs_emit(c, stdout);
}

static void cmd_logs_time(int64_t ms, char *out, size_t n)
{
    if (ms <= 0)
        snprintf(out, n, "(open)");
    else
        awstime_format_iso8601(ms, out, n);
}

static void cmd_logs_on_gap(struct tail_set *set, const struct tail_gap *g, void *arg)
{
    (void)set;
    struct cmd_logs *c = arg;
    buf_reset(&c->line);
    if (c->json) {
        buf_appends(&c->line, "{\"type\":\"gap\",\"logGroup\":");
        logrec_json_appends(&c->line, g->log_group);
        buf_printf(&c->line, ",\"from\":%lld", (long long)g->from_ms);
        if (g->to_ms > 0)
            buf_printf(&c->line, ",\"to\":%lld", (long long)g->to_ms);
        buf_appends(&c->line, ",\"reason\":");
        logrec_json_appends(&c->line, g->reason);
        buf_appends(&c->line, ",\"detail\":");
        logrec_json_appends(&c->line, g->detail);
        buf_appendc(&c->line, '}');
    } else {
        char from[40], to[40];
        cmd_logs_time(g->from_ms, from, sizeof(from));
        cmd_logs_time(g->to_ms, to, sizeof(to));
        buf_appends(&c->line, "elcui logs: GAP ");
        logrec_safe_appends(&c->line, g->log_group);
        buf_printf(&c->line, ": %s .. %s not read (%s): ", from, to, g->reason);
        logrec_safe_appends(&c->line, g->detail);
    }
    cmd_logs_emit(c, stderr);
}

static const char *cmd_logs_notice_name(enum tail_notice_kind k)
{
    switch (k) {
    case TAIL_NOTICE_ERROR:
        return "error";
    case TAIL_NOTICE_RECOVERED:
        return "recovered";
    case TAIL_NOTICE_FATAL:
        return "fatal";
    case TAIL_NOTICE_NEW_STREAM:
        return "new-stream";
    case TAIL_NOTICE_READY:
        return "ready";
    case TAIL_NOTICE_LAG:
        return "lag";
    case TAIL_NOTICE_OVERFLOW:
        return "overflow";
    case TAIL_NOTICE_DONE:
        return "done";
    case TAIL_NOTICE_LIVE:
        return "live";
    case TAIL_NOTICE_SOURCE:
        return "source";
    }
    return "notice";
}

static void cmd_logs_status_line(struct cmd_logs *c, size_t i)
{
    struct tail_status st;
    tail_status(c->set, i, &st);
    buf_reset(&c->line);
    if (c->json) {
        buf_appends(&c->line, "{\"type\":\"status\",\"logGroup\":");
        logrec_json_appends(&c->line, st.log_group);
        buf_printf(&c->line,
                   ",\"state\":\"%s\",\"lastOk\":%lld,\"lagMs\":%lld,\"lagMaxMs\":%lld,"
                   "\"backoffMs\":%llu,\"intervalMs\":%llu,\"eventsPerSecond\":%.2f,"
                   "\"events\":%llu,\"duplicates\":%llu,\"filtered\":%llu,\"dropped\":%llu,"
                   "\"skipped\":%llu,\"streams\":%zu,\"requests\":%llu,\"throttled\":%llu,"
                   "\"errors\":%llu,\"gaps\":%llu,\"position\":%lld",
                   tail_state_name(st.state), (long long)st.last_ok_ms, (long long)st.lag_ms,
                   (long long)st.lag_max_ms, (unsigned long long)st.backoff_ms,
                   (unsigned long long)st.interval_ms, st.events_per_s,
                   (unsigned long long)st.events, (unsigned long long)st.duplicates,
                   (unsigned long long)st.filtered, (unsigned long long)st.dropped,
                   (unsigned long long)st.skipped, st.streams, (unsigned long long)st.requests,
                   (unsigned long long)st.throttled, (unsigned long long)st.errors,
                   (unsigned long long)st.gaps, (long long)st.position_ms);
        buf_printf(&c->line,
                   ",\"source\":\"%s\",\"live\":%s,\"sampled\":%s,\"sessions\":%llu,"
                   "\"reconnects\":%llu,\"liveEvents\":%llu,\"filled\":%llu,"
                   "\"reconciled\":%lld,\"reconcileLagMs\":%lld,\"requestsPerSecond\":%.3f,"
                   "\"sessionId\":",
                   st.source, st.live_enabled ? "true" : "false", st.sampled ? "true" : "false",
                   (unsigned long long)st.sessions, (unsigned long long)st.reconnects,
                   (unsigned long long)st.live_events, (unsigned long long)st.filled,
                   (long long)st.reconciled_ms, (long long)st.reconcile_lag_ms, st.requests_per_s);
        logrec_json_appends(&c->line, st.session_id);
        if (st.source_note[0]) {
            buf_appends(&c->line, ",\"sourceNote\":");
            logrec_json_appends(&c->line, st.source_note);
        }
        if (st.last_error[0]) {
            buf_appends(&c->line, ",\"lastError\":");
            logrec_json_appends(&c->line, st.last_error);
        }
        buf_appendc(&c->line, '}');
    } else {
        char text[1200], ok[40];
        tail_status_format(&st, text, sizeof(text));
        cmd_logs_time(st.last_ok_ms, ok, sizeof(ok));
        buf_appends(&c->line, "elcui logs: status ");
        logrec_safe_appends(&c->line, text);
        buf_printf(&c->line, ", last ok %s", st.last_ok_ms ? ok : "never");
    }
    cmd_logs_emit(c, stderr);
}

static void cmd_logs_on_notice(struct tail_set *set, const struct tail_notice *n, void *arg)
{
    (void)set;
    struct cmd_logs *c = arg;
    /* per-tail "done" is implied by the end of output */
    if (n->kind == TAIL_NOTICE_DONE)
        return;
    buf_reset(&c->line);
    if (c->json) {
        buf_printf(&c->line, "{\"type\":\"notice\",\"kind\":\"%s\"", cmd_logs_notice_name(n->kind));
        if (n->log_group) {
            buf_appends(&c->line, ",\"logGroup\":");
            logrec_json_appends(&c->line, n->log_group);
        }
        if (n->kind == TAIL_NOTICE_SOURCE)
            buf_appends(&c->line, ",\"source\":\"poll\"");
        if (n->stream) {
            buf_appends(&c->line, ",\"logStream\":");
            logrec_json_appends(&c->line, n->stream);
        }
        if (n->err && n->err->code[0]) {
            buf_appends(&c->line, ",\"code\":");
            logrec_json_appends(&c->line, n->err->code);
        }
        if (n->kind == TAIL_NOTICE_ERROR || (n->kind == TAIL_NOTICE_LIVE && n->err))
            buf_printf(&c->line, ",\"retryInMs\":%llu", (unsigned long long)n->retry_in_ms);
        buf_appends(&c->line, ",\"detail\":");
        logrec_json_appends(&c->line, n->detail);
        buf_appendc(&c->line, '}');
    } else {
        buf_appends(&c->line, "elcui logs: ");
        if (n->log_group) {
            logrec_safe_appends(&c->line, n->log_group);
            buf_appends(&c->line, ": ");
        }
        buf_printf(&c->line, "%s: ", cmd_logs_notice_name(n->kind));
        if (n->stream) {
            logrec_safe_appends(&c->line, n->stream);
            buf_appends(&c->line, ": ");
        }
        logrec_safe_appends(&c->line, n->detail);
        if (n->kind == TAIL_NOTICE_ERROR && c->follow)
            buf_printf(&c->line, " (retrying in %.1fs, following goes on)",
                       (double)n->retry_in_ms / 1000.0);
        else if (n->kind == TAIL_NOTICE_ERROR)
            buf_printf(&c->line, " (retrying in %.1fs)", (double)n->retry_in_ms / 1000.0);
    }
    cmd_logs_emit(c, stderr);
    /* the state right after a change: what recovered, what is backing off */
    if (n->kind == TAIL_NOTICE_RECOVERED || n->kind == TAIL_NOTICE_READY)
        cmd_logs_status_line(c, n->tail);
}

static void cmd_logs_on_done(struct tail_set *set, void *arg)
{
    (void)set;
    struct cmd_logs *c = arg;
    loop_stop(c->s.loop, 0);
}

static void cmd_logs_status_tick(void *arg)
{
    struct cmd_logs *c = arg;
    c->status_timer = NULL;
    for (size_t i = 0; i < tail_set_count(c->set); i++)
        cmd_logs_status_line(c, i);
    c->status_timer =
        loop_timer(c->s.loop, (uint64_t)c->status_every_s * 1000, cmd_logs_status_tick, c);
}

static void cmd_logs_signal(int signo, void *arg)
{
    (void)signo;
    struct cmd_logs *c = arg;
    c->interrupted = true;
    if (c->set)
        tail_set_stop(c->set);
    loop_stop(c->s.loop, 0);
}

/* ---- setup ---- */

static void cmd_logs_resolved(struct tailsrc_rg *out, const struct aws_error *err, void *arg)
{
    struct cmd_logs *c = arg;
    c->resolved = true;
    if (err)
        aws_error_copy(&c->resolve_err, err);
    c->rg = out;
    loop_stop(c->s.loop, 0);
}

/* The inventory's model carries what the log delivery configuration does
 * not: AZs of every member and, in cluster mode, roles (IsMaster), and it
 * follows failovers while --follow runs. */
static void cmd_logs_on_model(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    struct cmd_logs *c = arg;
    tailsrc_rg_set_model(c->rg, g);
    if (!c->modelled) {
        c->modelled = true;
        loop_stop(c->s.loop, 0);
    }
}

static void cmd_logs_on_model_error(struct inventory *inv, enum inventory_op op,
                                    const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    (void)err;
    struct cmd_logs *c = arg;
    /* labels keep what DescribeReplicationGroups said; the tail goes on */
    if (!c->modelled) {
        c->modelled = true;
        loop_stop(c->s.loop, 0);
    }
}

/* ---- the role history the labels rest on ---- */

static struct model_group *cmd_logs_model(const struct cmd_logs *c)
{
    return c->rg ? c->rg->model : NULL;
}

static void cmd_logs_on_observed(struct observe *ob, void *arg)
{
    struct cmd_logs *c = arg;
    struct model_group *g = cmd_logs_model(c);
    if (g)
        observe_merge(ob, g);
    if (!c->observed && observe_state(ob) == OBSERVE_S_UNREACHABLE) {
        struct buf b;
        buf_init(&b, 0);
        logrec_safe_appends(&b, observe_reason(ob));
        fprintf(stderr,
                "elcui logs: note: Redis could not be asked for the roles (%s); they come "
                "from the metric and the failover events\n",
                buf_str(&b));
        buf_free(&b);
    }
    c->observed = true;
    if (c->redis_timer) {
        loop_untimer(c->s.loop, c->redis_timer);
        c->redis_timer = NULL;
    }
}

static void cmd_logs_redis_late(void *arg)
{
    struct cmd_logs *c = arg;
    c->redis_timer = NULL;
    if (!c->observed) {
        struct buf b;
        buf_init(&b, 0);
        logrec_safe_appends(&b, observe_reason(c->ob));
        fprintf(stderr,
                "elcui logs: note: Redis did not answer within %.0f s (%s); the roles come "
                "from the metric and the failover events\n",
                CMD_LOGS_REDIS_TIMEOUT_MS / 1000.0, buf_str(&b));
        buf_free(&b);
    }
    c->observed = true;
}

static void cmd_logs_events_fetch(struct cmd_logs *c);

static void cmd_logs_events_fire(void *arg)
{
    struct cmd_logs *c = arg;
    c->events_timer = NULL;
    cmd_logs_events_fetch(c);
}

static void cmd_logs_on_events(struct events_result *out, const struct aws_error *err, void *arg)
{
    struct cmd_logs *c = arg;
    c->ev = NULL;
    struct model_group *g = cmd_logs_model(c);
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
        if (!out->truncated)
            c->events_to = out->end_ms;
        events_result_free(out);
    } else if (!c->events_done) {
        char *m = aws_error_format(err);
        struct buf b;
        buf_init(&b, 0);
        logrec_safe_appends(&b, m);
        fprintf(stderr,
                "elcui logs: note: the group's failover events could not be read (%s): records "
                "from before the roles were seen are labelled role?\n",
                buf_str(&b));
        buf_free(&b);
        free(m);
    }
    c->events_done = true;
    if (c->follow && !c->events_timer)
        c->events_timer = loop_timer(c->s.loop, CMD_LOGS_EVENTS_EVERY_MS, cmd_logs_events_fire, c);
}

/* DescribeEvents from the window's start (a minute before; the service
 * keeps 14 days), or from a little before the last read, up to now. */
static void cmd_logs_events_fetch(struct cmd_logs *c)
{
    const struct model_group *g = cmd_logs_model(c);
    int64_t now = loop_wall_ms(c->s.loop);
    int64_t from = c->events_to ? c->events_to - 5 * 60 * 1000 : c->since_ms - 60 * 1000;
    if (from < now - EVENTS_RETENTION_MS + 60 * 1000)
        from = now - EVENTS_RETENTION_MS + 60 * 1000;
    if (from >= now)
        from = now - 1000;
    struct events_in in = {
        .replication_group_id = c->rg->id,
        .member_clusters = g ? (const char *const *)g->member_clusters : NULL,
        .n_member_clusters = g ? g->n_member_clusters : 0,
        .start_ms = from,
        .end_ms = now,
    };
    c->ev = events_fetch(c->s.aws, &in, cmd_logs_on_events, c);
    if (!c->ev)
        c->events_done = true;
}

/* Redis's roles now (in the background with --follow), then the
 * failovers over the window: each record gets the role of its time. */
static void cmd_logs_history(struct cmd_logs *c, const struct session_options *opts)
{
    if (!c->no_redis && opts->insecure)
        fprintf(stderr, "elcui logs: WARNING: --insecure: Redis TLS certificates are NOT "
                        "verified\n");
    if (!c->no_redis) {
        struct observe_options oo = {
            .loop = c->s.loop,
            .aws = c->s.aws,
            .creds = c->s.creds,
            .region = c->s.region,
            .rg_id = c->rg->id,
            .cafile = opts->redis_cacert,
            .insecure = opts->insecure,
            .connect_to = opts->connect_to,
            .n_connect_to = opts->nconnect_to,
            .interval_ms = c->follow ? CMD_LOGS_OBSERVE_EVERY_MS : 0,
            .timeout_ms = 2000,
            .on_update = cmd_logs_on_observed,
            .arg = c,
        };
        c->ob = observe_start(&oo);
        if (c->ob) {
            c->redis_timer =
                loop_timer(c->s.loop, CMD_LOGS_REDIS_TIMEOUT_MS, cmd_logs_redis_late, c);
            while (!c->observed && !c->interrupted)
                loop_run_once(c->s.loop, 1000);
        }
    }
    if (c->interrupted)
        return;
    if (!c->follow) {
        /* the roles are in the model: no connection stays open for the tail */
        observe_free(c->ob);
        c->ob = NULL;
    }
    cmd_logs_events_fetch(c);
    while (!c->events_done && !c->interrupted)
        loop_run_once(c->s.loop, 1000);
}

static void cmd_logs_print_error(const char *what, const struct aws_error *err)
{
    char *msg = aws_error_format(err);
    struct buf b;
    buf_init(&b, 0);
    logrec_safe_appends(&b, msg);
    fprintf(stderr, "elcui logs: %s: %s\n", what, buf_str(&b));
    buf_free(&b);
    free(msg);
}

static bool cmd_logs_parse_u(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v > max || *s == '-')
        return false;
    *out = v;
    return true;
}

enum {
    OPT_SLOW = 300,
    OPT_ENGINE,
    OPT_LOG_GROUP,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_FILTER,
    OPT_GREP,
    OPT_MIN_DURATION,
    OPT_NODE,
    OPT_SHARD,
    OPT_ROLE,
    OPT_LEVEL,
    OPT_COMMAND,
    OPT_LIMIT,
    OPT_JSON,
    OPT_RATE,
    OPT_OVERLAP,
    OPT_STATUS,
    OPT_NO_REDIS,
    OPT_SOURCE,
};

static const struct option cmd_logs_options[] = {
    {"slow", no_argument, NULL, OPT_SLOW},
    {"engine", no_argument, NULL, OPT_ENGINE},
    {"log-group", required_argument, NULL, OPT_LOG_GROUP},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"follow", no_argument, NULL, 'f'},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"grep", required_argument, NULL, OPT_GREP},
    {"ignore-case", no_argument, NULL, 'i'},
    {"min-duration", required_argument, NULL, OPT_MIN_DURATION},
    {"node", required_argument, NULL, OPT_NODE},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"role", required_argument, NULL, OPT_ROLE},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"command", required_argument, NULL, OPT_COMMAND},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"json", no_argument, NULL, OPT_JSON},
    {"rate", required_argument, NULL, OPT_RATE},
    {"overlap", required_argument, NULL, OPT_OVERLAP},
    {"status-interval", required_argument, NULL, OPT_STATUS},
    {"no-redis", no_argument, NULL, OPT_NO_REDIS},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* 1: --help handled; 0: ok; -1: usage error (reported). */
/* What the option handler fills beyond the command: the time range as
 * written, whether --source was given, a parsed count. */
struct cmd_logs_args {
    struct cmd_logs *c;
    const char *since, *until;
    bool source_given;
    unsigned long long u;
};

/* The record filters' options (--grep, -i, --min-duration, --node,
 * --shard, --role, --level, --command, --filter). */
static enum cli_opt cmd_logs_filter_option(struct cmd_logs *c, int opt, char *arg)
{
    switch (opt) {
    case OPT_FILTER:
        c->filter_pattern = arg;
        break;
    case OPT_GREP:
        c->flt.regex = arg;
        break;
    case 'i':
        c->flt.icase = true;
        break;
    case OPT_MIN_DURATION: {
        int64_t us;
        if (!awstime_parse_duration_us(arg, &us) || us < 0)
            return cli_refuse("logs", "--min-duration wants a duration like 10ms");
        c->flt.min_duration_us = us;
        break;
    }
    case OPT_NODE:
        c->flt.node = arg;
        break;
    case OPT_SHARD:
        c->flt.shard = arg;
        break;
    case OPT_ROLE:
        if (strcasecmp(arg, "primary") == 0)
            c->flt.role = LOGREC_ROLE_PRIMARY;
        else if (strcasecmp(arg, "replica") == 0)
            c->flt.role = LOGREC_ROLE_REPLICA;
        else
            return cli_refuse("logs", "--role wants primary or replica");
        break;
    case OPT_LEVEL:
        if (!logrec_level_parse(arg, &c->flt.min_level))
            return cli_refuse("logs", "--level wants verbose, notice or warning");
        break;
    case OPT_COMMAND:
        c->flt.command = arg;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static enum cli_opt cmd_logs_option(void *ctx, int opt, char *arg)
{
    struct cmd_logs_args *a = ctx;
    struct cmd_logs *c = a->c;
    enum cli_opt taken = cmd_logs_filter_option(c, opt, arg);
    if (taken != CLI_OPT_UNKNOWN)
        return taken;
    switch (opt) {
    case OPT_SLOW:
        c->slow = true;
        break;
    case OPT_ENGINE:
        c->engine = true;
        break;
    case OPT_LOG_GROUP:
        if (c->n_groups >= CMD_LOGS_MAX_GROUPS)
            return cli_refuse("logs", "at most %d --log-group options", CMD_LOGS_MAX_GROUPS);
        if (!*arg)
            return cli_refuse("logs", "--log-group wants a name");
        c->groups[c->n_groups++] = arg;
        break;
    case OPT_SINCE:
        a->since = arg;
        break;
    case OPT_UNTIL:
        a->until = arg;
        break;
    case 'f':
        c->follow = true;
        break;
    case OPT_LIMIT:
        if (!cmd_logs_parse_u(arg, 1000000000ULL, &a->u) || a->u == 0)
            return cli_refuse("logs", "--limit wants a positive number");
        c->limit = a->u;
        break;
    case OPT_JSON:
        c->json = true;
        break;
    case OPT_RATE: {
        char *end;
        double r = strtod(arg, &end);
        if (!*arg || *end || !(r > 0.0) || r > 100.0)
            return cli_refuse("logs", "--rate wants requests per second (0 < N <= 100)");
        c->rate = r;
        break;
    }
    case OPT_OVERLAP: {
        int64_t us;
        if (!awstime_parse_duration_us(arg, &us) || us < 1000000 || us > 3600LL * 1000000)
            return cli_refuse("logs", "--overlap wants a duration from 1s to 1h");
        c->overlap_ms = us / 1000;
        break;
    }
    case OPT_STATUS:
        if (!cmd_logs_parse_u(arg, 86400, &a->u))
            return cli_refuse("logs", "--status-interval wants seconds (0 = off)");
        c->status_every_s = (long)a->u;
        break;
    case OPT_NO_REDIS:
        c->no_redis = true;
        break;
    case OPT_SOURCE:
        if (strcmp(arg, "auto") == 0)
            c->source = TAIL_SOURCE_AUTO;
        else if (strcmp(arg, "live") == 0)
            c->source = TAIL_SOURCE_LIVE;
        else if (strcmp(arg, "poll") == 0)
            c->source = TAIL_SOURCE_POLL;
        else
            return cli_refuse("logs", "--source wants auto, live or poll");
        a->source_given = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_logs_parse(struct cmd_logs *c, int argc, char **argv, int64_t now)
{
    struct cmd_logs_args a = {c, "10m", NULL, false, 0};
    int rc = cli_getopt(&cmd_logs_entry, argc, argv, cmd_logs_option, &a);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("logs", "unexpected argument '%s'", argv[optind]), -1;
    if (!c->rg_id && c->n_groups == 0)
        return cli_usage_error("logs", "name a replication group (or --log-group NAME)"), -1;
    if (a.source_given && !c->follow)
        return cli_usage_error("logs", "--source applies to --follow"), -1;
    if (!awstime_parse_since(a.since, now, &c->since_ms))
        return cli_usage_error("logs", "--since: '%s' is not a time (10m, 2h, ISO 8601)", a.since),
               -1;
    if (a.until && !awstime_parse_since(a.until, now, &c->until_ms))
        return cli_usage_error("logs", "--until: '%s' is not a time (10m, 2h, ISO 8601)", a.until),
               -1;
    if (c->until_ms && c->until_ms <= c->since_ms)
        return cli_usage_error("logs", "--until must be after --since"), -1;
    if (c->since_ms < 0)
        c->since_ms = 0;
    return 0;
}

/* The log groups to tail: given ones, or the group's delivery config. */
static int cmd_logs_pick_groups(struct cmd_logs *c)
{
    bool want_slow = c->slow || !c->engine, want_engine = c->engine || !c->slow;
    for (size_t i = 0; i < c->n_groups; i++) {
        enum logrec_type hint = LOGREC_UNKNOWN;
        if (c->rg)
            for (size_t k = 0; k < c->rg->n_groups; k++)
                if (strcmp(c->rg->groups[k].log_group, c->groups[i]) == 0)
                    hint = c->rg->groups[k].type;
        if (hint == LOGREC_UNKNOWN && c->slow != c->engine)
            hint = c->slow ? LOGREC_SLOW : LOGREC_ENGINE;
        tail_set_add(c->set, c->groups[i], hint);
    }
    if (c->n_groups)
        return 0;
    size_t added = 0;
    for (size_t k = 0; k < c->rg->n_groups; k++) {
        const struct tailsrc_group *g = &c->rg->groups[k];
        if ((g->type == LOGREC_SLOW && !want_slow) || (g->type == LOGREC_ENGINE && !want_engine))
            continue;
        if (g->status && (strcmp(g->status, "error") == 0 || strcmp(g->status, "disabling") == 0)) {
            struct buf b;
            buf_init(&b, 0);
            logrec_safe_appends(&b, g->message ? g->message : "");
            fprintf(stderr, "elcui logs: warning: %s delivery to %s is '%s'%s%s\n", g->log_type,
                    g->log_group, g->status, b.len ? ": " : "", buf_str(&b));
            buf_free(&b);
        }
        tail_set_add(c->set, g->log_group, g->type);
        added++;
    }
    if (added)
        return 0;
    const char *what = c->slow && !c->engine   ? "slow-log"
                       : c->engine && !c->slow ? "engine-log"
                                               : "slow-log or engine-log";
    fprintf(stderr,
            "elcui logs: replication group %s has no %s delivery to CloudWatch Logs "
            "configured.\n",
            c->rg->id, what);
    if (c->rg->firehose_types)
        fprintf(stderr,
                "elcui logs: (%s is delivered to Kinesis Data Firehose, which elcui cannot "
                "read.)\n",
                c->rg->firehose_types);
    char *hint = tailsrc_enable_hint(c->rg->id);
    fprintf(stderr, "%s\n", hint);
    free(hint);
    return -1;
}

static struct aws_client *cmd_logs_client(struct cmd_logs *c, struct aws_error *err)
{
    /* Not following: retries as every other command makes them (the
     * standard mode, --max-attempts, --timeout), and the tail engine adds
     * none. Following: one attempt per request; the tail engine retries
     * itself, inside its request budget, so retries never exceed the
     * FilterLogEvents quota and never stop the tail. */
    if (!c->follow)
        return session_client(&c->s, c->s.opts->max_attempts, c->s.opts->timeout_ms, false, err);
    return session_client(&c->s, 1, c->s.opts->timeout_ms ? c->s.opts->timeout_ms : 30000, false,
                          err);
}

/* The group named: resolved to its log groups and members. -1 to go on,
 * else the exit status. */
static int cmd_logs_find_group(struct cmd_logs *c)
{
    struct tailsrc_resolve_req *q = tailsrc_resolve(c->s.aws, c->rg_id, cmd_logs_resolved, c);
    loop_run(c->s.loop);
    if (!c->resolved) {
        tailsrc_resolve_cancel(q);
        return c->interrupted ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (!c->rg) {
        if (aws_error_is(&c->resolve_err, "ReplicationGroupNotFoundFault"))
            fprintf(stderr, "elcui logs: replication group '%s' not found in %s\n", c->rg_id,
                    c->s.region);
        else
            cmd_logs_print_error("cannot describe the replication group", &c->resolve_err);
        return CLI_EXIT_FAIL;
    }
    return -1;
}

/* The group's model (its nodes, kept fresh when following) and the roles'
 * history, for the records' labels. -1 to go on, else the exit status. */
static int cmd_logs_load_model(struct cmd_logs *c, const struct session_options *opts)
{
    struct inventory_options io;
    memset(&io, 0, sizeof(io));
    io.loop = c->s.loop;
    io.aws = c->s.aws;
    io.refresh_ms = c->follow ? 60000 : 0;
    io.roles_from_metrics = true;
    io.cb.on_group = cmd_logs_on_model;
    io.cb.on_error = cmd_logs_on_model_error;
    io.cb.arg = c;
    c->inv = inventory_new(&io);
    inventory_open(c->inv, c->rg->id);
    if (!c->interrupted)
        loop_run(c->s.loop);
    if (c->interrupted)
        return CLI_EXIT_OK;
    if (!c->follow) {
        inventory_free(c->inv);
        c->inv = NULL;
    }
    cmd_logs_history(c, opts);
    if (c->interrupted)
        return CLI_EXIT_OK;
    return -1;
}

/* The tail set's options: the range, paging, filters, labels, limit and
 * sources asked for. */
static void cmd_logs_tail_options(struct cmd_logs *c, struct tail_options *to)
{
    memset(to, 0, sizeof(*to));
    to->loop = c->s.loop;
    to->source = tailsrc_logs_source(c->src);
    to->rate_per_s = c->rate;
    to->follow = c->follow;
    to->max_failures = c->follow ? 0 : 1; /* not following: the client's retries are all */
    to->start_ms = c->since_ms;
    to->end_ms = c->until_ms;
    to->overlap_ms = c->overlap_ms;
    /* pages of at most 2,500 events: CloudWatch Logs itself stops a page at
     * 1 MB (about 2,500 slow-log events), some servers do not (moto sends
     * 10,000, 4 MB, whose parse held 11 MB at once) */
    to->page_limit = CMD_LOGS_PAGE_EVENTS;
    to->filter_pattern = c->filter_pattern;
    to->filter = &c->flt;
    to->label_fn = c->rg ? tailsrc_label : NULL;
    to->label_ctx = c->rg;
    to->max_records = c->limit;
    to->live = c->live ? tailsrc_live_source(c->live) : NULL;
    to->source_mode = c->source;
    to->cb.on_record = cmd_logs_on_record;
    to->cb.on_gap = cmd_logs_on_gap;
    to->cb.on_notice = cmd_logs_on_notice;
    to->cb.on_done = cmd_logs_on_done;
    to->cb.arg = c;
}

/* After the tail: the --limit notice, the status lines, the exit status. */
static int cmd_logs_finish(struct cmd_logs *c, const struct session_options *opts)
{
    cmd_logs_flush(c);
    if (tail_set_limited(c->set) && !c->output_broken) {
        /* not a gap: the output stops where it was asked to */
        buf_reset(&c->line);
        if (c->json)
            buf_printf(&c->line, "{\"type\":\"stopped\",\"reason\":\"limit\",\"records\":%llu}",
                       (unsigned long long)tail_set_delivered(c->set));
        else
            buf_printf(&c->line, "elcui logs: stopped after %llu record%s (--limit)",
                       (unsigned long long)tail_set_delivered(c->set),
                       tail_set_delivered(c->set) == 1 ? "" : "s");
        cmd_logs_emit(c, stderr);
    }
    if ((c->follow || opts->verbose) && !c->output_broken)
        for (size_t i = 0; i < tail_set_count(c->set); i++)
            cmd_logs_status_line(c, i);
    fflush(stdout);
    if (c->interrupted || c->output_broken)
        return CLI_EXIT_OK;
    return tail_set_failed(c->set) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* What the run leaves: timers, the model, the tail set, its sources. */
static void cmd_logs_cleanup(struct cmd_logs *c)
{
    cmdout_pipe_unwatch(&c->out);
    if (c->redis_timer)
        loop_untimer(c->s.loop, c->redis_timer);
    if (c->events_timer)
        loop_untimer(c->s.loop, c->events_timer);
    events_cancel(c->ev);
    observe_free(c->ob);
    inventory_free(c->inv);
    tail_set_free(c->set);
    tailsrc_live_free(c->live);
    tailsrc_logs_free(c->src);
    if (c->logs_client)
        aws_client_free(c->logs_client);
    tailsrc_rg_free(c->rg);
    aws_error_clear(&c->resolve_err);
    buf_free(&c->line);
    buf_free(&c->batch);
    session_close(&c->s);
}

static int cmd_logs_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_logs c;
    memset(&c, 0, sizeof(c));
    c.status_every_s = 60;
    aws_error_init(&c.resolve_err);
    buf_init(&c.line, 0);
    buf_init(&c.batch, 0);
    int64_t now;
    {
        struct loop *tmp = loop_new();
        now = loop_wall_ms(tmp);
        loop_free(tmp);
    }
    int rc = cmd_logs_parse(&c, argc, argv, now);
    if (rc != 0) {
        buf_free(&c.line);
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    rc = CLI_EXIT_FAIL;
    struct aws_error err;
    aws_error_init(&err);
    if (session_open(&c.s, opts, &err) != 0) {
        cmd_logs_print_error("cannot start", &err);
        goto out;
    }
    session_print_warnings(&c.s, stderr);
    cmdout_pipe_watch(&c.out, c.s.loop, cmd_logs_out_closed, &c);
    loop_on_signal(c.s.loop, SIGINT, cmd_logs_signal, &c);
    loop_on_signal(c.s.loop, SIGTERM, cmd_logs_signal, &c);

    if (c.rg_id && (rc = cmd_logs_find_group(&c)) >= 0)
        goto out;
    if (c.rg && (rc = cmd_logs_load_model(&c, opts)) >= 0)
        goto out;
    rc = CLI_EXIT_FAIL;
    c.logs_client = cmd_logs_client(&c, &err);
    if (!c.logs_client) {
        cmd_logs_print_error("cannot start", &err);
        goto out;
    }
    c.src = tailsrc_logs_new(c.logs_client);
    if (c.follow && c.source != TAIL_SOURCE_POLL)
        c.live = tailsrc_live_new(c.logs_client, 15000);
    struct tail_options to;
    cmd_logs_tail_options(&c, &to);
    char ferr[256] = "";
    c.set = tail_set_new(&to, ferr, sizeof(ferr));
    if (!c.set) {
        fprintf(stderr, "elcui logs: --grep: %s\n", ferr);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (cmd_logs_pick_groups(&c) != 0)
        goto out;
    if (opts->verbose)
        for (size_t i = 0; i < tail_set_count(c.set); i++) {
            struct tail_status st;
            tail_status(c.set, i, &st);
            fprintf(stderr, "elcui logs: reading %s (%s)\n", st.log_group,
                    logrec_type_name(st.hint));
        }
    c.batched = !c.follow && !isatty(STDOUT_FILENO);
    tail_set_start(c.set);
    if (c.follow && c.status_every_s > 0)
        c.status_timer =
            loop_timer(c.s.loop, (uint64_t)c.status_every_s * 1000, cmd_logs_status_tick, &c);
    if (!c.interrupted && !tail_set_done(c.set))
        loop_run(c.s.loop);
    if (c.status_timer) {
        loop_untimer(c.s.loop, c.status_timer);
        c.status_timer = NULL;
    }
    tail_set_stop(c.set);
    rc = cmd_logs_finish(&c, opts);
out:
    cmd_logs_cleanup(&c);
    aws_error_clear(&err);
    return rc;
}

const struct cli_command cmd_logs_entry = {
    .name = "logs",
    .args = "RG [--slow|--engine] [-f] [--json]",
    .summary = "slow-log and engine-log records, exactly once",
    .run = cmd_logs_run,
    .options = cmd_logs_options,
    .shortopts = "fih",
    .usage = cmd_logs_usage,
};
