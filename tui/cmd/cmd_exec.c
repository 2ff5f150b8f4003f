/* cmd_exec.c - `elcui exec`: Redis commands on a replication group. */
#include "tui/cmd/cmd_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/console.h"
#include "core/redis/rsession.h"
#include "core/redis/rrender.h"
#include "tui/widget/lineedit.h"
#include "tui/cmd/cmdout.h"
#include "tui/cmd/rcli.h"

#define EXEC_HISTORY_KEEP 1000
#define EXEC_OUT_BATCH 65536
#define EXEC_OUT_DELAY_MS 20

enum istate {
    IS_EDIT,
    IS_RUN,
    IS_CONFIRM,
};

struct cmd_exec {
    struct rcli r;
    struct rsession_target target;
    bool target_given;
    bool yes;
    unsigned long repeat;
    uint64_t interval_ms;
    /* --pipeline N: the repeats kept N in flight at a time (one request) */
    unsigned long pipeline;
    unsigned long pl_replied;
    bool json;
    int raw; /* -1: raw when stdout is not a terminal (as redis-cli) */
    int argc;
    char **argv;
    struct rsession *rs;
    /* the running request */
    struct rsession_req *run;
    bool run_done;
    bool failed;             /* an error reply, a connection failure or a refusal */
    bool text_reply;         /* the running command's reply is text (INFO...) */
    struct cmdout_pipe pipe; /* stdout, whose reader may go away */
    /* stdout not a terminal (a command line's run): replies are written
     * in batches, at most EXEC_OUT_BATCH bytes or EXEC_OUT_DELAY_MS after
     * the first one waiting (a write per reply would cost more than the
     * command); a terminal gets every reply (every wake-up's, pipelined)
     * at once */
    bool out_batch;
    uint64_t out_since_ms; /* when the oldest byte waiting was rendered; 0: none */
    unsigned causes_shown; /* rconn_err codes whose cause was printed */
    struct buf out;
    /* interactive */
    bool interactive;
    bool tty;
    struct termios saved;
    bool raw_mode;
    struct lineedit *le;
    struct loop_watch *in_watch;
    struct buf input; /* bytes read but not used yet */
    bool in_eof;
    bool quit;
    enum istate state;
    struct rsession_req *confirm; /* the command waiting for "yes" */
    /* a message stream (SUBSCRIBE, MONITOR) */
    struct rsession_stream *stream;
    unsigned long stream_msgs;
};

static void cmd_exec_usage(FILE *f)
{
    fprintf(f, "usage: elcui exec RG [TARGET] [OPTIONS] -- COMMAND [ARG...]\n"
               "       elcui exec RG [TARGET] [OPTIONS]            (interactive prompt)\n"
               "\n"
               "Runs Redis commands on a replication group over TLS with AUTH, like\n"
               "redis-cli -c: by key slot (MOVED and ASK followed), or on chosen nodes,\n"
               "each reply labelled with its node. Commands ElastiCache blocks are\n"
               "explained instead of sent; dangerous ones (FLUSHALL, KEYS, ...) need --yes;\n"
               "with the global --read-only every write is refused.\n"
               "\n"
               "Targets (default: the node serving the key's slot):\n"
               "  --node ID               one node: cache cluster id, host:port, Redis node id,\n"
               "                          or SHARD:ROLE (0003:primary, 2:replica) by the roles\n"
               "                          Redis reports now\n"
               "  --primaries             every primary\n"
               "  --replicas              every replica, read as a replica (READONLY)\n"
               "  --all                   every node\n"
               "  --target SPEC           any target: slot, primaries, replicas, all, node ID,\n"
               "                          shard ID [primary|replicas], az NAME\n"
               "  (a command on keys: the nodes of the keys' shard)\n"
               "\n"
               "  --yes                   confirm a dangerous command\n"
               "  -r, --repeat N          run N times (-1: until interrupted), like redis-cli -r\n"
               "  -i, --interval S        seconds between runs (default 0)\n"
               "  --pipeline N            with --repeat: keep N runs in flight at a time on\n"
               "                          the connection (like redis-benchmark -P N);\n"
               "                          replies print as they come\n"
               "  (to a pipe or a file, replies are written in batches, each at most 20 ms\n"
               "  after its first reply, and before anything said on stderr)\n"
               "  -3, --resp3             speak RESP3 (HELLO 3 on every connection, like\n"
               "                          redis-cli -3): maps, sets, doubles, booleans, big\n"
               "                          numbers, verbatim strings and pushes keep their type\n"
               "  --json                  one JSON object per reply: node, labels, redirects,\n"
               "                          latency, reply (RESP3 types as {\"map\":[[k,v]...]},\n"
               "                          {\"set\":[...]}, {\"double\":1.5}, true, ...), pushes\n"
               "  --raw | --no-raw        raw replies (the default when stdout is not a\n"
               "                          terminal) or redis-cli's formatted ones; text\n"
               "                          replies (INFO, CLUSTER INFO...) print as lines\n"
               "\n"
               "MOVED and ASK are followed only to nodes of the group's own topology (or a\n"
               "--connect-to mapping of one); any other address is refused, nothing is\n"
               "sent there. A reply past --max-reply-size is cut (its first part shown,\n"
               "what was dropped said, exit 1).\n"
               "\n");
    rcli_usage_options(f);
    fprintf(f, "\n"
               "Interactive prompt: emacs line editing (arrows, Home/End, Ctrl-A/E/K/U/W/Y/T,\n"
               "Alt-B/F), Tab completes command names, subcommands and options, the\n"
               "arguments still to give are hinted as you type (from the server's COMMAND\n"
               "DOCS, else a built-in table), Up/Down and Ctrl-R walk and search the history\n"
               "kept in $XDG_STATE_HOME/elcui/history (0600) without AUTH, HELLO ... AUTH,\n"
               "ACL SETUSER, CONFIG SET requirepass or MIGRATE ... AUTH arguments; pasted\n"
               "lines run one after the other; Ctrl-C drops a line or stops a command,\n"
               "Ctrl-D leaves. ':help' lists the prompt's own commands (targets: :primaries,\n"
               ":node ID, :shard ID primary, :az NAME, :target SPEC...). HELLO 3 switches\n"
               "the session to RESP3 (every node's connection), HELLO 2 back; a node\n"
               "without HELLO (Redis < 6) says so.\n"
               "Exit status: 0 ok (also when the reader of a pipe goes away: -r -1 | head -1\n"
               "ends quietly), 1 an error reply, a failure or a refusal, 2 usage.\n");
}

/* ---- output ---- */

static void cmd_exec_flush(struct cmd_exec *c, FILE *f)
{
    if (c->out.len) {
        if (f == stdout) {
            cmdout_pipe_write(&c->pipe, c->out.data, c->out.len, true);
        } else {
            fwrite(c->out.data, 1, c->out.len, f);
            fflush(f);
        }
    }
    buf_reset(&c->out);
    c->out_since_ms = 0;
}

static void cmd_exec_flush_stdout(void *arg)
{
    cmd_exec_flush(arg, stdout);
}

/* The reader of stdout went away (`exec -r -1 ... | head -1`): stop
 * quietly, as if interrupted. */
static void cmd_exec_out_closed(void *arg)
{
    struct cmd_exec *c = arg;
    c->quit = true;
    if (c->run)
        rsession_cancel(c->run);
    if (c->stream)
        rsession_stream_stop(c->stream);
}

/* Rendering hands its buffer here as it grows: large replies are written
 * as they are rendered. */
static void cmd_exec_flush_out(struct buf *b, void *arg)
{
    struct cmd_exec *c = arg;
    (void)b;
    cmd_exec_flush(c, stdout);
}

static void cmd_exec_trunc_note(struct cmd_exec *c, const struct rconn_trunc *t, bool to_out)
{
    char text[400];
    rconn_trunc_text(t, text, sizeof(text));
    if (to_out)
        buf_printf(&c->out, "(truncated) %s; raise --max-reply-size to see it all\n", text);
    else
        fprintf(stderr, "elcui exec: %s; raise --max-reply-size to see it all\n", text);
}

static void cmd_exec_json_str(struct buf *b, const char *key, const char *v)
{
    buf_printf(b, ",\"%s\":", key);
    if (v)
        rrender_json_string(b, v, strlen(v));
    else
        buf_appends(b, "null");
}

static void cmd_exec_reply_json(struct cmd_exec *c, const struct console_reply *cr)
{
    const struct rcluster_reply *r = cr->r;
    struct buf *b = &c->out;
    char t[40];
    awstime_format_iso8601(cr->wall_ms, t, sizeof(t));
    unsigned long iteration = cr->iteration;
    if (c->pipeline) /* replies numbered as they come (several runs in flight) */
        iteration = ++c->pl_replied;
    buf_printf(b, "{\"time\":\"%s\",\"iteration\":%lu", t, iteration);
    cmd_exec_json_str(b, "node", r->node);
    cmd_exec_json_str(b, "nodeId", r->node_id && *r->node_id ? r->node_id : NULL);
    cmd_exec_json_str(b, "role", rcluster_role_name(cr->label.role));
    cmd_exec_json_str(b, "cacheClusterId", cr->label.cache_cluster_id);
    cmd_exec_json_str(b, "cacheNodeId", cr->label.cache_node_id);
    cmd_exec_json_str(b, "shard", cr->label.shard);
    cmd_exec_json_str(b, "az", cr->label.az);
    if (r->slot >= 0)
        buf_printf(b, ",\"slot\":%d", r->slot);
    else
        buf_appends(b, ",\"slot\":null");
    buf_appends(b, ",\"redirects\":[");
    for (size_t i = 0; i < r->nhops; i++) {
        const struct rcluster_hop *h = &r->hops[i];
        buf_printf(b, "%s{\"kind\":\"%s\"", i ? "," : "", rcluster_hop_name(h->kind));
        cmd_exec_json_str(b, "from", h->node);
        cmd_exec_json_str(b, "to", h->to);
        buf_printf(b, ",\"slot\":%d,\"latencyUs\":%llu", h->slot,
                   (unsigned long long)h->latency_us);
        if (h->kind == RCLUSTER_HOP_RETRY)
            cmd_exec_json_str(b, "error", rconn_err_name(h->err));
        buf_appendc(b, '}');
    }
    buf_printf(b, "],\"latencyUs\":%llu,\"totalUs\":%llu", (unsigned long long)r->latency_us,
               (unsigned long long)r->total_us);
    if (r->err) {
        buf_appends(b, ",\"error\":{\"code\":");
        rrender_json_string(b, rconn_err_name(r->err->code), strlen(rconn_err_name(r->err->code)));
        buf_appends(b, ",\"message\":");
        rrender_json_string(b, r->err->msg, strlen(r->err->msg));
        buf_appends(b, "}");
    } else {
        if (r->trunc)
            buf_printf(b,
                       ",\"truncated\":{\"kept\":%llu,\"dropped\":%llu,\"droppedBytes\":%llu,"
                       "\"costBytes\":%zu,\"maxReplySize\":%zu}",
                       (unsigned long long)r->trunc->kept, (unsigned long long)r->trunc->dropped,
                       (unsigned long long)r->trunc->dropped_bytes, r->trunc->cost,
                       r->trunc->limit);
        if (r->npushes || r->pushes_dropped) {
            /* RESP3 push messages that came before the reply */
            buf_appends(b, ",\"pushes\":[");
            for (size_t i = 0; i < r->npushes; i++) {
                if (i)
                    buf_appendc(b, ',');
                rrender_push_json(b, r->pushes[i]);
            }
            buf_printf(b, "],\"pushesDropped\":%llu", (unsigned long long)r->pushes_dropped);
        }
        buf_appends(b, ",\"reply\":");
        rrender_json_flushed(b, r->reply, cmd_exec_flush_out, c);
    }
    buf_appends(b, "}\n");
}

static bool cmd_exec_raw(const struct cmd_exec *c)
{
    return c->raw > 0 || (c->raw < 0 && !isatty(STDOUT_FILENO));
}

/* RESP3 push messages that came before a reply, as redis-cli shows them. */
static void cmd_exec_pushes(struct cmd_exec *c, const struct rcluster_reply *r)
{
    for (size_t i = 0; i < r->npushes; i++)
        rrender_push(&c->out, r->pushes[i], cmd_exec_raw(c));
    if (r->pushes_dropped)
        buf_printf(&c->out, "(pushes) %llu more push messages were not kept\n",
                   (unsigned long long)r->pushes_dropped);
}

static void cmd_exec_reply_text(struct cmd_exec *c, const struct console_reply *cr, bool fanout,
                                int argc, const char *const *argv, const size_t *argvlen)
{
    const struct rcluster_reply *r = cr->r;
    struct buf *b = &c->out;
    /* redirects, like redis-cli -c, with the hop's latency */
    struct buf note;
    buf_init(&note, 0);
    for (size_t i = 0; i < r->nhops; i++) {
        const struct rcluster_hop *h = &r->hops[i];
        buf_reset(&note);
        if (h->kind == RCLUSTER_HOP_RETRY)
            buf_printf(&note, "-> %s failed (%s), retried on ", h->node, rconn_err_name(h->err));
        else
            buf_printf(&note, "-> Redirected (%s) to slot [%d] located at ",
                       rcluster_hop_name(h->kind), h->slot);
        rrender_safe(&note, h->to, strlen(h->to));
        buf_printf(&note, " (%.2f ms)\n", (double)h->latency_us / 1000.0);
        if (c->interactive)
            buf_append(b, note.data, note.len);
        else
            fputs(buf_str(&note), stderr);
    }
    buf_free(&note);
    if (fanout) {
        char label[600];
        rcli_node_label(r->node, &cr->label, label, sizeof(label));
        buf_printf(b, "%s%s (%.2f ms):\n", c->interactive ? "" : "== ", label,
                   (double)r->latency_us / 1000.0);
    }
    if (r->err && !c->interactive) {
        /* no answer: on stderr with its cause (once per kind of failure) */
        if (fanout)
            buf_printf(b, "(error) %s\n", rconn_err_name(r->err->code));
        unsigned bit = 1u << ((unsigned)r->err->code & 31u);
        if (!(c->causes_shown & bit)) {
            c->causes_shown |= bit;
            rcli_print_rconn_error(&c->r, r->err);
        } else {
            struct buf m;
            buf_init(&m, 0);
            rrender_safe(&m, r->err->msg, strlen(r->err->msg));
            fprintf(stderr, "elcui exec: %s (%s)\n", buf_str(&m), rconn_err_name(r->err->code));
            buf_free(&m);
        }
    } else if (r->err) {
        struct buf m;
        buf_init(&m, 0);
        rrender_safe(&m, r->err->msg, strlen(r->err->msg));
        buf_printf(b, "(error) %s: %s\n", rconn_err_name(r->err->code), buf_str(&m));
        buf_free(&m);
        const char *hint = rconn_err_hint(r->err->code);
        if (hint && *hint)
            buf_printf(b, "(cause) %s\n", hint);
    } else {
        struct rrender_opts ro = {
            .raw = cmd_exec_raw(c),
            .text = c->text_reply,
            .flush = cmd_exec_flush_out,
            .arg = c,
        };
        cmd_exec_pushes(c, r);
        rrender_reply_opts(b, r->reply, &ro);
        if (r->trunc)
            cmd_exec_trunc_note(c, r->trunc, c->interactive);
        if (!ro.raw)
            rrender_hello_note(b, argc, argv, argvlen, r->reply);
    }
    if (c->r.opts->verbose && r->slot >= 0 && !fanout && !c->interactive)
        fprintf(stderr, "elcui exec: %s, %.2f ms (%.2f ms in all)\n", r->node,
                (double)r->latency_us / 1000.0, (double)r->total_us / 1000.0);
}

static bool cmd_exec_fanout(const struct rsession_target *t)
{
    return t->kind != RSESSION_T_SLOT && t->kind != RSESSION_T_NODE;
}

static void cmd_exec_on_reply(struct rsession *rs, struct rsession_req *q,
                              const struct console_reply *cr, void *arg)
{
    struct cmd_exec *c = arg;
    (void)rs;
    if (cr->r->err || cr->r->trunc || (cr->r->reply && cr->r->reply->type == REDIS_REPLY_ERROR))
        c->failed = true;
    /* a reply saying something on stderr (redirects, a failure's cause,
     * --verbose, a cut reply's note) comes after the replies before it */
    bool to_stderr = !c->interactive && !c->json &&
                     (cr->r->nhops || cr->r->err || cr->r->trunc || c->r.opts->verbose);
    if (to_stderr)
        cmd_exec_flush(c, stdout);
    if (c->tty && c->le)
        lineedit_clear(c->le);
    const char *const *argv;
    const size_t *argvlen;
    int argc = rsession_req_args(q, &argv, &argvlen);
    if (c->json)
        cmd_exec_reply_json(c, cr);
    else
        cmd_exec_reply_text(c, cr, cmd_exec_fanout(rsession_req_target(q)), argc, argv, argvlen);
    /* --pipeline: the replies of one wake-up go out together (the run's
     * loop flushes after each), and not to a terminal, the replies of
     * EXEC_OUT_DELAY_MS (cmd_exec_once) */
    if (to_stderr || c->out.len >= EXEC_OUT_BATCH || (!c->pipeline && !c->out_batch))
        cmd_exec_flush(c, stdout);
    else if (c->out.len && !c->out_since_ms)
        c->out_since_ms = loop_now_ms(c->r.s.loop);
}

static void cmd_exec_refused(struct cmd_exec *c, const struct rsafety_verdict *v)
{
    struct buf b;
    buf_init(&b, 0);
    if (c->json) {
        buf_appends(&b, "{\"refused\":{\"kind\":\"");
        buf_appends(&b, rsafety_kind_name(v->kind));
        buf_appends(&b, "\",\"command\":");
        rrender_json_string(&b, v->command, strlen(v->command));
        buf_appends(&b, ",\"why\":");
        rrender_json_string(&b, v->why, strlen(v->why));
        buf_appends(&b, ",\"instead\":");
        rrender_json_string(&b, v->instead, strlen(v->instead));
        buf_appends(&b, "}}\n");
        fputs(buf_str(&b), stdout);
        fflush(stdout);
        buf_reset(&b);
    }
    FILE *f = c->interactive ? stdout : stderr;
    const char *pre = c->interactive ? "" : "elcui exec: ";
    switch (v->kind) {
    case RSAFETY_BLOCKED:
        buf_printf(&b, "%s(blocked) %s is not available on ElastiCache: ", pre, v->command);
        break;
    case RSAFETY_UNSUPPORTED:
        buf_printf(&b, "%s(unsupported) %s: ", pre, v->command);
        break;
    case RSAFETY_READ_ONLY:
        buf_printf(&b, "%s(read-only) %s refused by --read-only: ", pre, v->command);
        break;
    case RSAFETY_CONFIRM:
        buf_printf(&b, "%s(dangerous) %s needs confirmation: ", pre, v->command);
        break;
    case RSAFETY_OK:
        break;
    }
    rrender_safe(&b, v->why, strlen(v->why));
    buf_appendc(&b, '\n');
    if (v->instead[0]) {
        buf_printf(&b, "%sinstead: ", pre);
        rrender_safe(&b, v->instead, strlen(v->instead));
        buf_appendc(&b, '\n');
    }
    if (v->kind == RSAFETY_CONFIRM && !c->interactive)
        buf_printf(&b, "%srun it again with --yes to confirm\n", pre);
    fputs(buf_str(&b), f);
    fflush(f);
    buf_free(&b);
}

/* Which nodes a confirmed command would reach, for the question. */
static void cmd_exec_confirm_nodes(struct rsession_req *q)
{
    const struct rsession_wait *w;
    size_t n = rsession_req_waits(q, &w);
    char tn[300];
    rsession_target_name(rsession_req_target(q), tn, sizeof(tn));
    printf("target %s: %zu node%s\n", tn, n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < 32; i++)
        printf("  %s\n", w[i].label);
}

/* A request ended: a refusal or a failure without replies is said. */
static void cmd_exec_done_report(struct cmd_exec *c, struct rsession_req *q,
                                 const struct rsession_done *d)
{
    if (d->refused) {
        c->failed = true;
        cmd_exec_refused(c, d->refused);
        if (d->refused->kind == RSAFETY_CONFIRM) {
            if (c->interactive && c->tty) {
                cmd_exec_confirm_nodes(q);
                c->confirm = q;
                c->state = IS_CONFIRM;
                fflush(stdout);
                return;
            }
            rsession_drop(q);
        }
    } else if (d->err && d->replies == 0) {
        c->failed = true;
        struct rcli *r = &c->r;
        if (c->json) {
            struct buf b;
            buf_init(&b, 0);
            buf_appends(&b, "{\"error\":{\"code\":\"");
            buf_appends(&b, rconn_err_name(d->err->code));
            buf_appends(&b, "\",\"message\":");
            rrender_json_string(&b, d->err->msg, strlen(d->err->msg));
            buf_appends(&b, "}}\n");
            fputs(buf_str(&b), stdout);
            fflush(stdout);
            buf_free(&b);
        }
        if (c->interactive) {
            struct buf m;
            buf_init(&m, 0);
            rrender_safe(&m, d->err->msg, strlen(d->err->msg));
            printf("(error) %s: %s\n", rconn_err_name(d->err->code), buf_str(&m));
            fflush(stdout);
            buf_free(&m);
        } else {
            rcli_print_rconn_error(r, d->err);
        }
    }
}

static void cmd_exec_on_done(struct rsession *rs, struct rsession_req *q,
                             const struct rsession_done *d, void *arg)
{
    struct cmd_exec *c = arg;
    (void)rs;
    cmd_exec_flush(c, stdout); /* the replies before what is said of the end */
    c->run = NULL;
    c->run_done = true;
    if (c->tty && c->le)
        lineedit_clear(c->le);
    cmd_exec_done_report(c, q, d);
    if (c->state == IS_RUN)
        c->state = IS_EDIT;
}

static bool cmd_exec_read_only(void *arg)
{
    struct cmd_exec *c = arg;
    return session_read_only(c->r.opts);
}

static const char *cmd_exec_read_only_source(void *arg)
{
    struct cmd_exec *c = arg;
    return session_read_only_source(c->r.opts);
}

static void cmd_exec_session(struct cmd_exec *c, bool history, bool docs)
{
    struct rsession_options o = {
        .console = c->r.con,
        .history_path = history ? NULL : "",
        .read_only = cmd_exec_read_only,
        .read_only_source = cmd_exec_read_only_source,
        .ro_arg = c,
        .no_server_docs = !docs,
        .ev = {.on_reply = cmd_exec_on_reply, .on_done = cmd_exec_on_done, .arg = c},
    };
    c->rs = rsession_new(&o);
    rsession_set_target(c->rs, &c->target);
}

/* ---- message streams ---- */

static void cmd_exec_stream_msg(struct rsession_stream *st, const struct console_stream_msg *m,
                                void *arg)
{
    struct cmd_exec *c = arg;
    (void)st;
    c->stream_msgs++;
    if (m->m->msg->type == REDIS_REPLY_ERROR)
        c->failed = true;
    struct buf *b = &c->out;
    if (c->json) {
        char t[40];
        awstime_format_iso8601(m->wall_ms, t, sizeof(t));
        buf_printf(b, "{\"time\":\"%s\",\"message\":%lu", t, c->stream_msgs);
        cmd_exec_json_str(b, "node", m->m->node);
        cmd_exec_json_str(b, "role", rcluster_role_name(m->label.role));
        cmd_exec_json_str(b, "cacheClusterId", m->label.cache_cluster_id);
        cmd_exec_json_str(b, "shard", m->label.shard);
        cmd_exec_json_str(b, "az", m->label.az);
        buf_appends(b, ",\"reply\":");
        rrender_json(b, m->m->msg);
        buf_appends(b, "}\n");
    } else {
        if (c->tty && c->le)
            lineedit_clear(c->le);
        const char *names[2];
        if (c->stream && rsession_stream_nodes(c->stream, names, 2) > 1) {
            char label[600];
            rcli_node_label(m->m->node, &m->label, label, sizeof(label));
            buf_printf(b, "%s%s:\n", c->interactive ? "" : "== ", label);
        }
        rrender_reply(b, m->m->msg, cmd_exec_raw(c));
    }
    cmd_exec_flush(c, stdout);
}

static void cmd_exec_stream_end(struct rsession_stream *st, const struct rconn_error *err,
                                void *arg)
{
    struct cmd_exec *c = arg;
    (void)st;
    c->stream = NULL;
    c->run_done = true;
    if (err) {
        c->failed = true;
        if (c->tty && c->le)
            lineedit_clear(c->le);
        rcli_print_rconn_error(&c->r, err);
    }
    if (c->state == IS_RUN)
        c->state = IS_EDIT;
}

static const struct rsession_stream_events cmd_exec_stream_events = {
    .on_message = cmd_exec_stream_msg,
    .on_end = cmd_exec_stream_end,
};

/* `exec RG -- SUBSCRIBE ch`: messages until Ctrl-C, then ended on the server. */
static int cmd_exec_stream_once(struct cmd_exec *c)
{
    cmd_exec_session(c, false, false);
    struct rsession_stream_events ev = cmd_exec_stream_events;
    ev.arg = c;
    char err[400];
    c->stream = rsession_stream_start(c->rs, c->argc, (const char *const *)c->argv, NULL, NULL, &ev,
                                      err, sizeof(err));
    if (!c->stream) {
        fprintf(stderr, "elcui exec: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    if (!c->json)
        fprintf(stderr, "Reading messages... (press Ctrl-C to quit)\n");
    c->run_done = false;
    bool stopped = false;
    while (!c->run_done) {
        loop_run_once(c->r.s.loop, 1000);
        if ((c->r.interrupted || c->quit) && !stopped && c->stream) {
            rsession_stream_stop(c->stream);
            stopped = true;
        }
    }
    return c->failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- one-shot ---- */

static int cmd_exec_once(struct cmd_exec *c)
{
    if (rsession_stream_command(c->argc, (const char *const *)c->argv, NULL))
        return cmd_exec_stream_once(c);
    cmd_exec_session(c, false, false);
    c->run_done = false;
    c->state = IS_RUN;
    c->text_reply = rrender_text_command(c->argc, (const char *const *)c->argv, NULL);
    /* --pipeline: one request, planned once, N runs in flight */
    c->run = rsession_send_pipeline(c->rs, c->argc, (const char *const *)c->argv, NULL, NULL,
                                    c->repeat, c->interval_ms, (unsigned)c->pipeline, c->yes);
    if (!c->run)
        return CLI_EXIT_FAIL;
    bool cancelled = false;
    c->out_batch = !isatty(STDOUT_FILENO);
    c->r.flush_out = cmd_exec_flush_stdout;
    c->r.flush_arg = c;
    while (!c->run_done) {
        struct loop *l = c->r.s.loop;
        loop_run_once(l, c->out.len ? EXEC_OUT_DELAY_MS : 1000);
        if (!c->out_batch || c->out.len >= EXEC_OUT_BATCH ||
            (c->out_since_ms && loop_now_ms(l) - c->out_since_ms >= EXEC_OUT_DELAY_MS))
            cmd_exec_flush(c, stdout);
        if (c->r.interrupted && !cancelled && c->run) {
            rsession_cancel(c->run);
            cancelled = true;
        }
    }
    cmd_exec_flush(c, stdout);
    if (c->pipe.closed)
        return c->failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    if (cancelled)
        return c->repeat == CONSOLE_FOREVER && !c->failed ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    return c->failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- interactive ---- */

static void cmd_exec_write(const char *s, size_t n, void *arg)
{
    (void)arg;
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void cmd_exec_prompt_text(struct cmd_exec *c)
{
    char p[600];
    if (c->state == IS_CONFIRM)
        snprintf(p, sizeof(p), "Type yes to run it: ");
    else
        rsession_prompt(c->rs, c->r.rg_id ? c->r.rg_id : console_seed(c->r.con), p, sizeof(p));
    lineedit_set_prompt(c->le, p);
}

static void cmd_exec_width(struct cmd_exec *c)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        lineedit_set_width(c->le, ws.ws_col);
}

static void cmd_exec_raw_on(struct cmd_exec *c)
{
    if (!c->tty || c->raw_mode)
        return;
    struct termios t = c->saved;
    t.c_lflag &= (tcflag_t) ~(ECHO | ICANON | ISIG | IEXTEN);
    t.c_iflag &= (tcflag_t) ~(IXON | ICRNL | INLCR | BRKINT | ISTRIP);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) {
        c->raw_mode = true;
        /* bracketed paste: a pasted Tab or escape is text, not a key */
        cmd_exec_write("\x1b[?2004h", 8, NULL);
    }
}

static void cmd_exec_raw_off(struct cmd_exec *c)
{
    if (c->raw_mode) {
        cmd_exec_write("\x1b[?2004l", 8, NULL);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &c->saved);
        c->raw_mode = false;
    }
}

/* One line typed (or read from a pipe). */
static void cmd_exec_line(struct cmd_exec *c, const char *line)
{
    if (c->state == IS_CONFIRM) {
        const char *p = line;
        while (*p == ' ')
            p++;
        struct rsession_req *q = c->confirm;
        c->confirm = NULL;
        c->state = IS_EDIT;
        if (strcasecmp(p, "yes") == 0) {
            c->run_done = false;
            c->state = IS_RUN;
            c->run = q;
            rsession_confirm(q);
        } else {
            rsession_drop(q);
            fputs("not run\n", stdout);
        }
        return;
    }
    struct rsession_line l;
    struct rsession_stream_events ev = cmd_exec_stream_events;
    ev.arg = c;
    rsession_run_line_streams(c->rs, line, &ev, &l);
    switch (l.kind) {
    case RSESSION_LINE_EMPTY:
        break;
    case RSESSION_LINE_META:
    case RSESSION_LINE_ERROR:
        fputs(buf_str(&l.text), stdout);
        if (l.kind == RSESSION_LINE_ERROR && !c->tty)
            c->failed = true;
        break;
    case RSESSION_LINE_QUIT:
        c->quit = true;
        break;
    case RSESSION_LINE_SENT: {
        c->run = l.req;
        c->run_done = false;
        c->state = IS_RUN;
        const char *const *argv;
        const size_t *argvlen;
        int argc = rsession_req_args(l.req, &argv, &argvlen);
        c->text_reply = rrender_text_command(argc, argv, argvlen);
        break;
    }
    case RSESSION_LINE_STREAM:
        /* until Ctrl-C */
        c->stream = l.stream;
        c->stream_msgs = 0;
        c->run_done = false;
        c->state = IS_RUN;
        fputs("Reading messages... (press Ctrl-C to quit)\n", stdout);
        break;
    }
    rsession_line_free(&l);
    fflush(stdout);
}

/* Feed what was read to the editor (terminal) or split lines (pipe). */
static void cmd_exec_pump(struct cmd_exec *c)
{
    while (!c->quit && c->state != IS_RUN && c->input.len > 0) {
        if (c->tty) {
            size_t used = 0;
            char *line = NULL;
            enum lineedit_event ev =
                lineedit_feed(c->le, c->input.data, c->input.len, &used, &line);
            mem_wipe(c->input.data, used);
            buf_consume(&c->input, used);
            if (ev == LINEEDIT_NONE)
                break;
            if (ev == LINEEDIT_EOF) {
                c->quit = true;
                break;
            }
            if (ev == LINEEDIT_INTERRUPT) {
                if (c->state == IS_CONFIRM) {
                    c->state = IS_EDIT;
                    rsession_drop(c->confirm);
                    c->confirm = NULL;
                    fputs("not run\n", stdout);
                    fflush(stdout);
                }
            } else {
                /* raw mode keeps output processing: "\n" still ends a line */
                cmd_exec_line(c, line);
                mem_free_secret(line);
                fflush(stdout);
            }
            if (c->state != IS_RUN && !c->quit) {
                cmd_exec_prompt_text(c);
                lineedit_start(c->le);
            }
        } else {
            char *nl = memchr(c->input.data, '\n', c->input.len);
            if (!nl && !c->in_eof)
                break;
            size_t n = nl ? (size_t)(nl - c->input.data) : c->input.len;
            char *line = mem_xstrndup(c->input.data, n);
            mem_wipe(c->input.data, n);
            buf_consume(&c->input, nl ? n + 1 : n);
            size_t l = strlen(line);
            if (l && line[l - 1] == '\r')
                line[l - 1] = '\0';
            cmd_exec_line(c, line);
            mem_free_secret(line);
        }
    }
    if (!c->tty && c->in_eof && c->input.len == 0 && c->state != IS_RUN)
        c->quit = true;
}

static void cmd_exec_on_input(int fd, int revents, void *arg)
{
    struct cmd_exec *c = arg;
    (void)revents;
    char b[4096];
    ssize_t n = read(fd, b, sizeof(b));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        c->in_eof = true;
        loop_unwatch(c->r.s.loop, c->in_watch);
        c->in_watch = NULL;
        if (c->tty)
            c->quit = true;
        cmd_exec_pump(c);
        return;
    }
    /* Ctrl-C while a command runs stops it */
    if (c->tty && c->state == IS_RUN && memchr(b, 0x03, (size_t)n)) {
        if (c->run)
            rsession_cancel(c->run);
        if (c->stream)
            rsession_stream_stop(c->stream);
        cmd_exec_write("^C\r\n", 4, NULL);
        mem_wipe(b, sizeof(b));
        return;
    }
    buf_append(&c->input, b, (size_t)n);
    mem_wipe(b, sizeof(b));
    cmd_exec_pump(c);
}

static void cmd_exec_winch(int signo, void *arg)
{
    struct cmd_exec *c = arg;
    (void)signo;
    cmd_exec_width(c);
    if (c->state != IS_RUN)
        lineedit_redraw(c->le);
}

static void cmd_exec_session_event(struct console *con, const struct console_event_info *e,
                                   void *arg)
{
    struct cmd_exec *c = arg;
    (void)con;
    if (!c->interactive || !c->r.ready)
        return;
    if (e->ev == CONSOLE_EV_NODE_ERROR && e->err && c->state != IS_RUN) {
        if (c->tty)
            lineedit_clear(c->le);
        struct buf b;
        buf_init(&b, 0);
        rrender_safe(&b, e->err->msg, strlen(e->err->msg));
        fprintf(stdout, "(notice) %s (%s)%s", buf_str(&b), rconn_err_name(e->err->code),
                c->tty ? "\r\n" : "\n");
        fflush(stdout);
        buf_free(&b);
        if (c->tty)
            lineedit_redraw(c->le);
    }
}

/* The editor's hooks: completion, hints and the history, from the session. */
static size_t cmd_exec_complete(const char *text, size_t pos, lineedit_add_fn add, void *ctx,
                                void *arg)
{
    struct cmd_exec *c = arg;
    return rsession_complete(c->rs, text, pos, add, ctx);
}

static char *cmd_exec_hint(const char *text, void *arg)
{
    struct cmd_exec *c = arg;
    return rsession_hint(c->rs, text);
}

static size_t cmd_exec_hist_count(void *arg)
{
    struct cmd_exec *c = arg;
    return rhistory_count(rsession_history(c->rs));
}

static const char *cmd_exec_hist_at(void *arg, size_t i)
{
    struct cmd_exec *c = arg;
    return rhistory_at(rsession_history(c->rs), i);
}

static int cmd_exec_interactive(struct cmd_exec *c)
{
    c->interactive = true;
    c->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    /* the history file is for what people type, not for piped scripts */
    cmd_exec_session(c, c->tty, c->tty);
    buf_init(&c->input, 1024 * 1024);
    c->input.secret = true;
    struct loop *l = c->r.s.loop;
    if (c->tty) {
        tcgetattr(STDIN_FILENO, &c->saved);
        c->le = lineedit_new(cmd_exec_write, c);
        lineedit_set_completer(c->le, cmd_exec_complete, c);
        lineedit_set_hinter(c->le, cmd_exec_hint, c);
        struct lineedit_history h = {cmd_exec_hist_count, cmd_exec_hist_at, c};
        lineedit_set_history(c->le, &h);
        cmd_exec_width(c);
        const struct discover_result *d = console_discovery(c->r.con);
        char auth[400];
        rcli_describe_auth(d, auth, sizeof(auth));
        printf("Connected to %s at %s (%s%s, %s). :help for help, Ctrl-D to leave.\n",
               c->r.rg_id ? c->r.rg_id : "Redis", console_seed(c->r.con),
               console_tls(c->r.con) ? "TLS" : "plain TCP",
               console_insecure(c->r.con) ? ", certificates NOT verified" : "", auth);
        fflush(stdout);
        loop_on_signal(l, SIGWINCH, cmd_exec_winch, c);
        cmd_exec_raw_on(c);
        cmd_exec_prompt_text(c);
        lineedit_start(c->le);
    }
    c->r.on_event = cmd_exec_session_event;
    c->r.event_arg = c;
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    if (fl >= 0)
        fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK);
    c->in_watch = loop_watch(l, STDIN_FILENO, REACTOR_READ, cmd_exec_on_input, c);
    enum istate last = c->state;
    while (!c->quit && !c->r.interrupted) {
        loop_run_once(l, 1000);
        if (last == IS_RUN && c->state != IS_RUN) {
            /* a command finished: the prompt again, then typed-ahead input */
            if (c->tty && !c->quit) {
                cmd_exec_prompt_text(c);
                lineedit_start(c->le);
            }
            cmd_exec_pump(c);
        }
        last = c->state;
    }
    if (c->run || c->stream) {
        if (c->run)
            rsession_cancel(c->run);
        if (c->stream)
            rsession_stream_stop(c->stream);
        while (!c->run_done)
            loop_run_once(l, 100);
    }
    if (c->confirm)
        rsession_drop(c->confirm);
    c->confirm = NULL;
    if (c->in_watch)
        loop_unwatch(l, c->in_watch);
    if (fl >= 0)
        fcntl(STDIN_FILENO, F_SETFL, fl);
    cmd_exec_raw_off(c);
    lineedit_free(c->le);
    c->le = NULL;
    buf_free(&c->input);
    return c->tty ? CLI_EXIT_OK : (c->failed ? CLI_EXIT_FAIL : CLI_EXIT_OK);
}

/* ---- options ---- */

enum {
    OPT_NODE = 300,
    OPT_PRIMARIES,
    OPT_REPLICAS,
    OPT_ALL,
    OPT_YES,
    OPT_JSON,
    OPT_RAW,
    OPT_NO_RAW,
    OPT_TARGET,
    OPT_PIPELINE,
};

static const struct option cmd_exec_options[] = {
    {"node", required_argument, NULL, OPT_NODE},
    {"primaries", no_argument, NULL, OPT_PRIMARIES},
    {"replicas", no_argument, NULL, OPT_REPLICAS},
    {"all", no_argument, NULL, OPT_ALL},
    {"target", required_argument, NULL, OPT_TARGET},
    {"yes", no_argument, NULL, OPT_YES},
    {"repeat", required_argument, NULL, 'r'},
    {"interval", required_argument, NULL, 'i'},
    {"pipeline", required_argument, NULL, OPT_PIPELINE},
    {"json", no_argument, NULL, OPT_JSON},
    {"raw", no_argument, NULL, OPT_RAW},
    {"no-raw", no_argument, NULL, OPT_NO_RAW},
    {"resp3", no_argument, NULL, '3'},
    {"help", no_argument, NULL, 'h'},
    RCLI_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

static int cmd_exec_set_target(struct cmd_exec *c, const char *spec)
{
    if (c->target_given)
        return cli_usage_error("exec", "give one target: --node, --primaries, --replicas, "
                                       "--all or --target"),
               -1;
    char err[300];
    if (rsession_target_parse(spec, &c->target, err, sizeof(err)) != 0)
        return cli_usage_error("exec", "--target: %s", err), -1;
    c->target_given = true;
    return 0;
}

/* 1: --help; 0: ok; -1: usage error (reported). */
static enum cli_opt cmd_exec_option(void *ctx, int opt, char *arg)
{
    struct cmd_exec *c = ctx;
    int rc = rcli_option(&c->r, opt, arg);
    if (rc < 0)
        return CLI_OPT_REFUSED;
    if (rc > 0)
        return CLI_OPT_TAKEN;
    switch (opt) {
    case OPT_NODE: {
        if (!*arg || strchr(arg, ' '))
            return cli_refuse("exec", "--node wants a node");
        char spec[RCLUSTER_NAME_MAX + 8];
        snprintf(spec, sizeof(spec), "node %s", arg);
        if (cmd_exec_set_target(c, spec) != 0)
            return CLI_OPT_REFUSED;
        break;
    }
    case OPT_PRIMARIES:
        if (cmd_exec_set_target(c, "primaries") != 0)
            return CLI_OPT_REFUSED;
        break;
    case OPT_REPLICAS:
        if (cmd_exec_set_target(c, "replicas") != 0)
            return CLI_OPT_REFUSED;
        break;
    case OPT_ALL:
        if (cmd_exec_set_target(c, "all") != 0)
            return CLI_OPT_REFUSED;
        break;
    case OPT_TARGET:
        if (cmd_exec_set_target(c, arg) != 0)
            return CLI_OPT_REFUSED;
        break;
    case OPT_YES:
        c->yes = true;
        break;
    case 'r': {
        char *end;
        errno = 0;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || errno || v == 0 || v < -1 || v > 100000000)
            return cli_refuse("exec", "--repeat wants a count (-1: forever)");
        c->repeat = v < 0 ? CONSOLE_FOREVER : (unsigned long)v;
        break;
    }
    case OPT_PIPELINE: {
        char *end;
        errno = 0;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || errno || v < 1 || v > 64)
            return cli_refuse("exec", "--pipeline wants 1 to 64 runs in flight");
        c->pipeline = (unsigned long)v;
        break;
    }
    case 'i':
        if (!rcli_parse_seconds(arg, 0, 86400, &c->interval_ms))
            return cli_refuse("exec", "--interval wants seconds (0 to 86400)");
        break;
    case OPT_JSON:
        c->json = true;
        break;
    case OPT_RAW:
        c->raw = 1;
        break;
    case OPT_NO_RAW:
        c->raw = 0;
        break;
    case '3':
        c->r.protocol = 3;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_exec_parse(struct cmd_exec *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_exec_entry, argc, argv, cmd_exec_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->r.rg_id = argv[optind++];
    if (!c->r.rg_id && !c->r.endpoint)
        return cli_usage_error("exec", "name a replication group"), -1;
    if (c->r.rg_id && c->r.rg_id[0] == '\0')
        return cli_usage_error("exec", "name a replication group"), -1;
    c->argc = argc - optind;
    c->argv = argv + optind;
    if (c->interval_ms && c->repeat <= 1)
        return cli_usage_error("exec", "--interval goes with --repeat"), -1;
    if (c->pipeline && (c->repeat <= 1 || c->interval_ms || c->argc == 0))
        return cli_usage_error("exec", "--pipeline goes with --repeat N, a command and no "
                                       "--interval"),
               -1;
    if (c->pipeline && rsession_stream_command(c->argc, (const char *const *)c->argv, NULL))
        return cli_usage_error("exec", "--pipeline does not apply to a stream (%s)", c->argv[0]),
               -1;
    if (c->pipeline == 1)
        c->pipeline = 0; /* one in flight: the plain repeat */
    return 0;
}

static int cmd_exec_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_exec c;
    memset(&c, 0, sizeof(c));
    rcli_init(&c.r, "exec", opts);
    c.raw = -1;
    buf_init(&c.out, 0);
    int rc = cmd_exec_parse(&c, argc, argv);
    if (rc != 0) {
        buf_free(&c.out);
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (c.raw < 0) /* as redis-cli: raw when stdout is not a terminal (asked once) */
        c.raw = !isatty(STDOUT_FILENO);
    /* one slot-routed command: learn the map from MOVED (one round trip less) */
    bool lazy = c.argc > 0 && c.target.kind == RSESSION_T_SLOT;
    rc = rcli_start(&c.r, lazy, RCLUSTER_AUTO);
    if (rc != 0) {
        rcli_finish(&c.r);
        buf_free(&c.out);
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    cmdout_pipe_watch(&c.pipe, c.r.s.loop, cmd_exec_out_closed, &c);
    if (c.argc > 0)
        rc = cmd_exec_once(&c);
    else
        rc = cmd_exec_interactive(&c);
    cmdout_pipe_unwatch(&c.pipe);
    fflush(stdout);
    rsession_free(c.rs);
    rcli_finish(&c.r);
    buf_free(&c.out);
    return rc;
}

const struct cli_command cmd_exec_entry = {
    .name = "exec",
    .args = "RG [--node ID|--all...] -- CMD ARGS",
    .summary = "Redis commands, slot-routed or on nodes",
    .run = cmd_exec_run,
    .options = cmd_exec_options,
    .shortopts = "r:i:h3",
    .usage = cmd_exec_usage,
};
