/* rrender.h - Redis replies and command lines as people and scripts see
 * them.
 *
 * - rrender_reply: redis-cli's rendering ("(integer) 1", "(nil)",
 *   "(error) ERR ...", quoted strings, numbered nested arrays,
 *   "(empty array)"), or its --raw form. Every byte a terminal could act
 *   on is escaped in both forms: the quoted form escapes like redis-cli
 *   (\n \r \t \a \b \" \\ and \xHH for anything not printable ASCII); the
 *   raw form keeps text, newlines, tabs and valid UTF-8 and writes every
 *   other control byte (ESC, C1 controls, invalid UTF-8, DEL) as \xHH, so
 *   a value can never move the cursor or change the terminal.
 * - rrender_json: a reply as a JSON value (strings as JSON strings with
 *   invalid UTF-8 bytes as \u00XX escapes of the byte value, integers as
 *   numbers, nil as null, arrays as arrays, status as {"status":...},
 *   errors as {"error":...}).
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
