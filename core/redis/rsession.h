/* rsession.h - the interactive command session's state, apart from any
 * terminal: what `elcui exec`'s prompt (termios) and the console's command
 * panel (curses) share.
 *
 *  - the target: slot-routed (default), one node (cache cluster id,
 *    host:port or Redis node id), a shard (all its nodes, its primary or
 *    its replicas), an Availability Zone, all primaries, all replicas, all
 *    nodes; parsed from words ("shard 0002 primary", "az us-east-2a") and
 *    named for the prompt;
 *  - the history (core/redis/rhistory.h: never a password);
 *  - the lines typed: prompt commands (":primaries", ":node ID",
 *    ":target SPEC", ":nodes", ":help", ":quit"), "N COMMAND" repeats,
 *    quoting as redis-cli, quit/exit;
 *  - the requests in flight, each with the nodes it waits on (the slot's
 *    owner, or every node of the target) and which have answered, so a
 *    front end can say "waiting 3.2 s on app-4-0002-001" while a node is
 *    frozen; cancellation; the confirmation a dangerous command needs
 *    (the request is kept until confirmed or dropped);
 *  - read-only: a predicate asked before every send (the console can turn
 *    it on after the session opened); writes are refused with the reason;
 *  - the docs for completion and hints: the server's COMMAND DOCS when it
 *    answers (asked once the session is ready, in one batch of the
 *    commands shallow enough for hiredis), else the built-in table;
 *  - replies rendered within bounds (rsession_render): a 10 MB string or a
 *    1M-element array shows its first part and says how much there was.
 * Callbacks run from the loop, never from inside an rsession_* call.
 */
#ifndef ELCUI_CORE_RSESSION_H
#define ELCUI_CORE_RSESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"
#include "core/redis/console.h"
#include "core/redis/rdocs.h"
#include "core/redis/rhistory.h"
#include "core/redis/rrender.h"
#include "core/redis/rsession_target.h"

#define RSESSION_MAX_WAITS 1024

struct rsession;
struct rsession_req;

struct rsession_done {
    size_t replies;
    size_t failures;                       /* no answer from a node */
    size_t error_replies;                  /* Redis error replies */
    const struct rsafety_verdict *refused; /* refused before sending */
    const struct rconn_error *err;         /* nothing answered: why */
    bool cancelled;
};

struct rsession_events {
    void (*on_reply)(struct rsession *s, struct rsession_req *q, const struct console_reply *r,
                     void *arg);
    /* The request ended. With refused->kind RSAFETY_CONFIRM the request
     * stays until rsession_confirm or rsession_drop; otherwise it is gone
     * when this returns. */
    void (*on_done)(struct rsession *s, struct rsession_req *q, const struct rsession_done *d,
                    void *arg);
    /* The docs changed (the server's COMMAND DOCS arrived). */
    void (*on_docs)(struct rsession *s, void *arg);
    void *arg;
};

struct rsession_options {
    struct console *console;      /* the engine (borrowed; outlives the session) */
    const char *history_path;     /* NULL: the default file; "": none */
    bool (*read_only)(void *arg); /* asked before every send (NULL: never) */
    const char *(*read_only_source)(void *arg);
    void *ro_arg;
    bool no_server_docs; /* never ask COMMAND DOCS (tests of the built-in table) */
    struct rsession_events ev;
};

struct rsession *rsession_new(const struct rsession_options *o);
/* Cancels what runs (no callback afterwards). NULL is fine. */
void rsession_free(struct rsession *s);

struct console *rsession_console(const struct rsession *s);
struct rhistory *rsession_history(struct rsession *s);
const struct rsession_target *rsession_target(const struct rsession *s);
void rsession_set_target(struct rsession *s, const struct rsession_target *t);
/* The prompt: "app-4> ", "app-4 [primaries]> ", with "(read-only) " and
 * "INSECURE " in front when they apply. */
void rsession_prompt(const struct rsession *s, const char *name, char *out, size_t n);

/* ---- lines ---- */

enum rsession_line_kind {
    RSESSION_LINE_EMPTY,  /* nothing to do */
    RSESSION_LINE_META,   /* a prompt command: text says what it did */
    RSESSION_LINE_SENT,   /* a request: req */
    RSESSION_LINE_ERROR,  /* text says why (unbalanced quotes, bad target...) */
    RSESSION_LINE_QUIT,   /* quit, exit, :quit */
    RSESSION_LINE_STREAM, /* SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR: stream */
};

struct rsession_stream;

struct rsession_line {
    enum rsession_line_kind kind;
    struct rsession_req *req;
    struct rsession_stream *stream; /* STREAM: started, with the caller's events */
    struct buf text;                /* lines for people (META, ERROR); rsession_line_free */
};

/* ---- message streams ---- */

struct rsession_stream;

struct rsession_stream_events {
    void (*on_message)(struct rsession_stream *st, const struct console_stream_msg *m, void *arg);
    /* Once (not after rsession_stream_detach): err NULL when stopped. The
     * handle is gone when it returns. */
    void (*on_end)(struct rsession_stream *st, const struct rconn_error *err, void *arg);
    void *arg;
};

/* Is argv a stream (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR)? */
bool rsession_stream_command(int argc, const char *const *argv, const size_t *argvlen);
/* Start a stream on target (NULL: the session's): slot-routed, a node, a
 * shard's primary, all primaries, all replicas or all nodes. NULL with the
 * reason in err (a shard's or an AZ's several nodes: pick one node, or
 * the session is not ready). */
struct rsession_stream *rsession_stream_start(struct rsession *s, int argc, const char *const *argv,
                                              const size_t *argvlen,
                                              const struct rsession_target *target,
                                              const struct rsession_stream_events *ev, char *err,
                                              size_t errlen);
/* End it on the server (UNSUBSCRIBE...); on_end follows. */
void rsession_stream_stop(struct rsession_stream *st);
/* End it on the server without any callback afterwards (a closing view). */
void rsession_stream_detach(struct rsession_stream *st);
/* "SUBSCRIBE ch" and the nodes it streams from. */
const char *rsession_stream_display(const struct rsession_stream *st);
size_t rsession_stream_nodes(const struct rsession_stream *st, const char **names, size_t max);

/* A line typed: kept in the history (what may be kept), then run. A
 * stream command starts the stream with sev (kind STREAM), or says why
 * not (kind ERROR); sev NULL: streams are refused. */
void rsession_run_line_streams(struct rsession *s, const char *line,
                               const struct rsession_stream_events *sev, struct rsession_line *out);
/* A line typed: kept in the history (what may be kept), then run. */
void rsession_run_line(struct rsession *s, const char *line, struct rsession_line *out);
void rsession_line_free(struct rsession_line *l);
/* Send argv to target (NULL: the session's) without the history; repeat
 * (0 or 1: once; CONSOLE_FOREVER: until cancelled) interval_ms apart. */
struct rsession_req *rsession_send(struct rsession *s, int argc, const char *const *argv,
                                   const size_t *argvlen, const struct rsession_target *target,
                                   unsigned long repeat, uint64_t interval_ms, bool confirmed);
/* The same with pipeline runs kept in flight at once (like redis-benchmark
 * -P; 0 or 1: one at a time; with interval_ms 0 only): one request,
 * planned once, whose replies arrive in order per node. */
struct rsession_req *rsession_send_pipeline(struct rsession *s, int argc, const char *const *argv,
                                            const size_t *argvlen,
                                            const struct rsession_target *target,
                                            unsigned long repeat, uint64_t interval_ms,
                                            unsigned pipeline, bool confirmed);

/* A line as it may be shown again: cut before a secret, with " ..." */
char *rsession_display_line(const char *line);

/* ---- requests ---- */

/* Stop it: on_done runs (cancelled) from the loop. */
void rsession_cancel(struct rsession_req *q);
/* Send a request refused for confirmation again, confirmed. */
void rsession_confirm(struct rsession_req *q);
/* Forget a request refused for confirmation (no callback). */
void rsession_drop(struct rsession_req *q);

/* What a request is, for people: "FLUSHALL", its target, when it started
 * (monotonic ms of the loop) and the line shown ("SET k v", no secret). */
const char *rsession_req_command(const struct rsession_req *q);
const char *rsession_req_display(const struct rsession_req *q);
/* The request's arguments (copies it owns). Returns argc. */
int rsession_req_args(const struct rsession_req *q, const char *const **argv,
                      const size_t **argvlen);
const struct rsession_target *rsession_req_target(const struct rsession_req *q);
uint64_t rsession_req_started_ms(const struct rsession_req *q);
bool rsession_req_running(const struct rsession_req *q);
void *rsession_req_data(const struct rsession_req *q);
void rsession_req_set_data(struct rsession_req *q, void *data);

struct rsession_wait {
    char node[RCLUSTER_NAME_MAX]; /* host:port ("" when not known yet) */
    char label[300];              /* "app-4-0002-001 shard 0002 primary us-east-2b" */
    bool answered;
};

/* The nodes a request waits on (slot-routed: the slot's owner as the map
 * says; fan-outs: every node of the target). Returns how many. */
size_t rsession_req_waits(const struct rsession_req *q, const struct rsession_wait **w);
/* Requests in flight (oldest first). */
size_t rsession_running(const struct rsession *s, struct rsession_req **out, size_t max);

/* ---- docs, completion, hints ---- */

const struct rdocs *rsession_docs(const struct rsession *s);
/* lineedit-shaped completion (the prompt's own commands too). */
size_t rsession_complete(struct rsession *s, const char *line, size_t pos,
                         void (*add)(void *ctx, const char *cand), void *ctx);
char *rsession_hint(struct rsession *s, const char *line);

/* ---- nodes ---- */

/* The labels of a node for people: "app-4-0001-001 127.0.0.1:6379 primary shard 0001 us-east-2a".
 */
void rsession_node_label(const char *node, const struct console_label *l, char *out, size_t n);

struct rsession_choice {
    struct rsession_target t;
    char label[300];
};
/* The targets to pick from: slot, primaries, replicas, all, each shard
 * (primary, replicas), each AZ, each node. Returns how many. */
size_t rsession_choices(const struct rsession *s, struct rsession_choice *out, size_t max);

/* ---- replies within bounds ---- */

/* Free a reply from the loop a slice at a time: freeing a 1M-element
 * reply at once holds the loop (and the keys) for a while. */
void rsession_reply_free_later(struct loop *l, redisReply *r);

struct rsession_render_info {
    size_t elements; /* top-level elements of an array reply */
    size_t shown;    /* of which rendered */
    size_t bytes;    /* the longest string's length */
    size_t bytes_shown;
    bool truncated;
};

/* The reply as redis-cli renders it (ro: --raw's form, text replies as
 * lines; NULL: the usual form), at most
 * max_elems elements of each array (max_total in all) and max_bytes of
 * each string, then a line saying what was left out. */
void rsession_render(struct buf *b, const redisReply *r, const struct rrender_opts *ro,
                     size_t max_elems, size_t max_total, size_t max_bytes,
                     struct rsession_render_info *info);

#endif
