/* cmdout.h - what the non-interactive subcommands share: aligned text
 * tables and key/value lines (every string from AWS rendered terminal-safe:
 * control characters, escape sequences and invalid UTF-8 escaped), JSON
 * values for jansson (ASCII output, invalid UTF-8 repaired), the JSON of
 * a cluster model and its placement, AWS errors with a hint for the usual
 * causes, and running the event loop until a command's work is done.
 */
#ifndef ELCUI_TUI_CMDOUT_H
#define ELCUI_TUI_CMDOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/aws_error.h"
#include "core/model/inventory.h"
#include "core/model/model.h"
#include "core/model/placement.h"
#include "core/session.h"

/* ---- tables ---- */

struct cmdout_table;

/* Columns titled titles[0..n). */
struct cmdout_table *cmdout_table_new(const char *const *titles, size_t n);
void cmdout_table_free(struct cmdout_table *t);
/* Right-align a column (numbers). */
void cmdout_table_right(struct cmdout_table *t, size_t col);
/* Start a row; cells are then added left to right. */
void cmdout_table_row(struct cmdout_table *t);
/* Add a cell; the text (NULL: "-") is made terminal-safe. */
void cmdout_table_cell(struct cmdout_table *t, const char *text);
void cmdout_table_cellf(struct cmdout_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
size_t cmdout_table_rows(const struct cmdout_table *t);
/* Boxed like `aws --output table`, one line per row:
 *   +------+--------+
 *   | ID   | STATUS |
 *   +------+--------+
 *   | a-1  | ok     |
 *   +------+--------+ */
void cmdout_table_print(const struct cmdout_table *t, FILE *f);

/* "  Key                 value" (value terminal-safe; NULL: "-"). */
void cmdout_kv(FILE *f, const char *key, const char *value);
void cmdout_kvf(FILE *f, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Terminal-safe copy (caller frees). */
char *cmdout_safe(const char *s);

/* ---- JSON ---- */

/* A JSON string (null for NULL); invalid UTF-8 becomes U+FFFD. */
json_t *cmdout_jstr(const char *s);
/* ISO 8601 with milliseconds (null for 0). */
json_t *cmdout_jtime(int64_t ms);
/* Members "role" (null when unknown) and "roleSource" of node n into o. */
void cmdout_jrole(json_t *o, const struct model_node *n);
/* {"address": ..., "port": ...} or null. */
json_t *cmdout_jendpoint(const struct model_endpoint *e);
/* Print with 2-space indent, ASCII only, keys in insertion order, and a
 * newline; steals root. -1 when the output failed. */
int cmdout_json_print(json_t *root, FILE *f);

/* The group as `elcui ls --json` lists it (summary). */
json_t *cmdout_group_summary_json(const struct model_group *g);
/* Everything `elcui show --json` says: the group, its shards with their
 * nodes, the placement and its flags, the API/Redis differences. */
json_t *cmdout_group_json(const struct model_group *g, const struct placement *p, int64_t now_ms);

/* ---- errors ---- */

/* "elcui CMD: WHAT: <service operation: code: message (HTTP, request id,
 * attempts)>" terminal-safe on stderr, then a hint line for the usual
 * causes (signature does not match, unknown key, expired token, access
 * denied, unreachable endpoint). */
void cmdout_aws_error(const char *cmd, const char *what, const struct aws_error *err);

/* ---- running ---- */

/* Open the session (printing why not, with hints) and install SIGINT /
 * SIGTERM handlers that stop the loop and set *interrupted. -1 on failure
 * (the session is still safe to close). */
int cmdout_session(const char *cmd, struct session *s, struct session_options *opts,
                   bool *interrupted);
/* Run the loop until *done (or an interrupt). false when interrupted. */
bool cmdout_run(struct session *s, const bool *done, const bool *interrupted);

/* ---- output to a reader that may go away ---- */

/* Standard output of a streaming command (latency, logs -f, exec -r):
 * SIGPIPE is ignored, so a write after the reader went away (`| head -1`)
 * fails with EPIPE instead of killing the process; and when stdout is a
 * pipe, the loop notices its read end closing at once, without waiting
 * for the next write (a quiet `latency --history` ends too). Either way
 * closed is set and on_closed(arg) runs once, from the loop; the command
 * then stops quietly. */
struct cmdout_pipe {
    struct loop *loop;
    struct loop_watch *watch;
    bool closed;
    void (*on_closed)(void *arg);
    void *arg;
};
void cmdout_pipe_watch(struct cmdout_pipe *p, struct loop *l, void (*on_closed)(void *arg),
                       void *arg);
/* Write data to stdout, and flush it when flush is set. false when the
 * reader is gone (then closed is set and on_closed has run). */
bool cmdout_pipe_write(struct cmdout_pipe *p, const void *data, size_t n, bool flush);
/* Stop watching (before the loop is freed). */
void cmdout_pipe_unwatch(struct cmdout_pipe *p);

/* The window of --since WHEN / --until WHEN (30m, 24h, 7d or ISO 8601;
 * forms names them in the messages): *now from the wall clock, *start,
 * and *end (now without until). 0, or CLI_EXIT_USAGE after the usage
 * error (not a time; --until not after --since). */
int cmdout_window(const char *cmd, const char *since, const char *until, const char *forms,
                  int64_t *now, int64_t *start, int64_t *end);

/* ---- one replication group ---- */

/* What a command waits for; its callbacks and those below set it. */
struct cmdout_wait {
    bool done, interrupted, failed;
    struct aws_error err;
};
/* Done, failed with a copy of err. */
void cmdout_wait_fail(struct cmdout_wait *w, const struct aws_error *err);

/* Open replication group rg_id in an inventory on the session (io: the
 * command's choices; loop, aws and the callbacks are filled in here) and
 * run the loop until its model is built, the inventory failed (w->failed,
 * w->err) or the command is interrupted (false). *inv gets the inventory
 * (the caller frees it). */
bool cmdout_open_group(struct session *s, struct inventory_options *io, const char *rg_id,
                       struct cmdout_wait *w, struct inventory **inv);

/* A failure about replication group rg_id through cmdout_aws_error: "WHAT
 * 'RG'" (failed_to: "cannot read the events of"), or "replication group
 * 'RG' not found in REGION" when it is not there. */
void cmdout_group_error(const char *cmd, const char *failed_to, const char *rg_id,
                        const char *region, const struct aws_error *err);

/* A number for people: "12.5%", "1.2 MiB", "3", "0.25 s" by unit. */
void cmdout_value(double v, const char *unit, char *out, size_t n);
/* "12s", "5m", "3h", "2d" ago from a span in ms. */
void cmdout_age(int64_t ms, char *out, size_t n);

#endif
