/* rrender.h - Redis replies and command lines as people and scripts see
 * them.
 *
 * - rrender_reply: redis-cli's rendering ("(integer) 1", "(nil)",
 *   "(error) ERR ...", quoted strings, numbered nested arrays,
 *   "(empty array)"), or its --raw form; RESP3 replies (core/redis/resp3.h)
 *   as redis-cli 7 prints them with -3: maps "1# "key" => "value"" (a
 *   value of several lines starting on a line of its own), sets "1~ ...",
 *   "(double) 3.14", "(true)"/"(false)", verbatim strings as their text,
 *   "(big number) ...", "(empty hash)", "(empty set)", pushes numbered like
 *   arrays, and the attributes of a reply on a line "(attribute) ..."
 *   before it (redis-cli 7.0 cannot read them, nor big numbers). Every byte a terminal could act
 *   on is escaped in both forms: the quoted form escapes like redis-cli
 *   (\n \r \t \a \b \" \\ and \xHH for anything not printable ASCII); the
 *   raw form keeps text, newlines, tabs and valid UTF-8 and writes every
 *   other control byte (ESC, C1 controls, invalid UTF-8, DEL) as \xHH, so
 *   a value can never move the cursor or change the terminal.
 * - rrender_json: a reply as a JSON value (strings as JSON strings with
 *   invalid UTF-8 bytes as \u00XX escapes of the byte value, integers as
 *   numbers, nil as null, arrays as arrays, status as {"status":...},
 *   errors as {"error":...}); RESP3 types keep their type: {"map":[[k,v],
 *   ...]}, {"set":[...]}, {"push":[...]}, {"double":3.14} ("inf" as a
 *   string), {"bignum":"..."}, {"verbatim":"...","format":"txt"}, true and
 *   false, {"attributes":{"map":...},"reply":...}.
 * - text replies: the commands redis-cli prints raw because their reply is
 *   text (INFO, CLUSTER INFO/NODES, CLIENT LIST/INFO, MEMORY DOCTOR,
 *   LATENCY DOCTOR/GRAPH, LOLWUT, ...; rrender_text_command) render as
 *   real lines in both forms: CRLF and LF end lines, every other control
 *   byte is escaped as in the raw form.
 * - every rendering can hand its buffer to a flush function as it grows,
 *   so a large reply is written as it is rendered, never held whole.
 * - rrender_split: a command line split into arguments like redis-cli
 *   does ("double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single
 *   quotes' with \' only), with the offset of each argument in the line.
 */
#ifndef ELCUI_CORE_RRENDER_H
#define ELCUI_CORE_RRENDER_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws/buf.h"

#define RRENDER_MAX_ARGS 4096

/* Append the redis-cli rendering of r (with a final newline). */
void rrender_reply(struct buf *b, const redisReply *r, bool raw);
/* Append r as a JSON value. */
void rrender_json(struct buf *b, const redisReply *r);

/* Called with the buffer whenever it holds RRENDER_CHUNK bytes or more;
 * it writes them out and empties the buffer (buf_reset). */
#define RRENDER_CHUNK ((size_t)64 * 1024)
typedef void (*rrender_flush_fn)(struct buf *b, void *arg);

struct rrender_opts {
    bool raw;               /* the --raw form */
    bool text;              /* a text reply: lines as lines (rrender_text_command) */
    rrender_flush_fn flush; /* NULL: everything stays in the buffer */
    void *arg;
};

/* rrender_reply with options; the last bytes stay in b for the caller. */
void rrender_reply_opts(struct buf *b, const redisReply *r, const struct rrender_opts *o);
/* rrender_json, flushed as it grows (flush may be NULL). */
void rrender_json_flushed(struct buf *b, const redisReply *r, rrender_flush_fn flush, void *arg);
/* true for the commands whose reply is text redis-cli prints as it is
 * (argv[0] and the subcommand, any case). */
bool rrender_text_command(int argc, const char *const *argv, const size_t *argvlen);
/* A RESP3 push message that arrived with a reply (CLIENT TRACKING,
 * DEBUG PROTOCOL push), as redis-cli prints one: an invalidation as
 * "-> invalidate: 'k1', 'k2'", anything else like a reply. */
void rrender_push(struct buf *b, const redisReply *push, bool raw);
/* The push as JSON (rrender_json). */
void rrender_push_json(struct buf *b, const redisReply *push);
/* A line for people when a node refused HELLO 3 (argv is HELLO 3 and the
 * reply says the node has no HELLO): RESP3 needs Redis 6 or later. */
void rrender_hello_note(struct buf *b, int argc, const char *const *argv, const size_t *argvlen,
                        const redisReply *reply);

/* A JSON string of bytes s[0..n). */
void rrender_json_string(struct buf *b, const char *s, size_t n);
/* redis-cli's quoted form of bytes: "..." with escapes. */
void rrender_quoted(struct buf *b, const char *s, size_t n);
/* Text with every terminal control byte escaped (see above). */
void rrender_safe(struct buf *b, const char *s, size_t n);

struct rrender_args {
    int argc;
    char **argv; /* NUL-terminated copies (may hold NULs: use argvlen) */
    size_t *argvlen;
    size_t *offset; /* where each argument starts in the line */
};

/* 0, or -1 for unbalanced quotes or a quote not followed by a space
 * (out is then empty). An empty or blank line gives argc 0. */
int rrender_split(const char *line, struct rrender_args *out);
/* Wipes the copies (a line may hold a password). */
void rrender_args_free(struct rrender_args *a);

#endif
