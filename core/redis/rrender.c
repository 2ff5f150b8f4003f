/* rrender.c - Redis replies and command lines for people and scripts
 * (see rrender.h). */
#include "core/redis/rrender.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "aws/unicode.h"
#include "core/redis/rconn.h"
#include "core/redis/resp3.h"

static void rrender_quoted_body(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t run = i;
        while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f &&
               s[run] != '\\' && s[run] != '"')
            run++;
        if (run > i) {
            buf_append(b, s + i, run - i);
            i = run - 1;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\':
            buf_appends(b, "\\\\");
            break;
        case '"':
            buf_appends(b, "\\\"");
            break;
        case '\n':
            buf_appends(b, "\\n");
            break;
        case '\r':
            buf_appends(b, "\\r");
            break;
        case '\t':
            buf_appends(b, "\\t");
            break;
        case '\a':
            buf_appends(b, "\\a");
            break;
        case '\b':
            buf_appends(b, "\\b");
            break;
        default:
            if (c >= 0x20 && c < 0x7f)
                buf_appendc(b, (char)c);
            else
                buf_printf(b, "\\x%02x", c);
        }
    }
}

void rrender_quoted(struct buf *b, const char *s, size_t n)
{
    buf_appendc(b, '"');
    rrender_quoted_body(b, s, n);
    buf_appendc(b, '"');
}

/* A code point shown as it is: not a C1 control, not a bidirectional
 * override or isolate (they can reorder what is shown). */
static bool rrender_shown(uint32_t cp)
{
    return cp >= 0xa0 && !(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069);
}

/* Length of a valid UTF-8 sequence at s for a code point shown as it is,
 * or 0. */
static size_t rrender_utf8(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t k = unicode_utf8_seq(s, n, &cp);
    return k && rrender_shown(cp) ? k : 0;
}

void rrender_safe(struct buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* runs of plain text at once */
        size_t run = i;
        while (run < n && ((u[run] >= 0x20 && u[run] < 0x7f) || u[run] == '\n' || u[run] == '\t'))
            run++;
        if (run > i) {
            buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = u[i];
        if (c >= 0x80) {
            size_t k = rrender_utf8(u + i, n - i);
            if (k) {
                buf_append(b, s + i, k);
                i += k;
                continue;
            }
        }
        buf_printf(b, "\\x%02x", c);
        i++;
    }
}

static void rrender_json_body(struct buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            buf_appendc(b, '\\');
            buf_appendc(b, (char)c);
            i++;
        } else if (c == '\n') {
            buf_appends(b, "\\n");
            i++;
        } else if (c == '\r') {
            buf_appends(b, "\\r");
            i++;
        } else if (c == '\t') {
            buf_appends(b, "\\t");
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            buf_appendc(b, (char)c);
            i++;
        } else {
            uint32_t cp = 0;
            size_t k = unicode_utf8_seq(u + i, n - i, &cp);
            if (k && rrender_shown(cp)) {
                buf_append(b, s + i, k);
                i += k;
            } else if (k && cp < 0x10000) {
                /* C1 controls and bidirectional overrides: the same text,
                 * escaped, so no terminal acts on it */
                buf_printf(b, "\\u%04x", (unsigned)cp);
                i += k;
            } else {
                /* not text: the byte value as a code point, so nothing is lost */
                buf_printf(b, "\\u%04x", c);
                i++;
            }
        }
    }
}

void rrender_json_string(struct buf *b, const char *s, size_t n)
{
    buf_appendc(b, '"');
    rrender_json_body(b, s, n);
    buf_appendc(b, '"');
}

struct rrender_ctx {
    struct buf *b;
    rrender_flush_fn flush;
    void *arg;
    int hold; /* > 0: nothing flushed (a map key, whose line end is taken back) */
};

static void rrender_flush_some(const struct rrender_ctx *x)
{
    if (x->flush && !x->hold && x->b->len >= RRENDER_CHUNK)
        x->flush(x->b, x->arg);
}

/* Where to cut a long string into pieces: at most RRENDER_CHUNK bytes,
 * never inside a UTF-8 sequence. */
static size_t rrender_piece(const char *s, size_t n)
{
    if (n <= RRENDER_CHUNK)
        return n;
    size_t k = RRENDER_CHUNK;
    while (k > RRENDER_CHUNK - 4 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    return k;
}

enum rrender_form { RRENDER_F_SAFE, RRENDER_F_QUOTED, RRENDER_F_JSON };

/* A string of any size in pieces, flushed between them. */
static void rrender_str(const struct rrender_ctx *x, const char *s, size_t n, enum rrender_form f)
{
    if (f == RRENDER_F_QUOTED || f == RRENDER_F_JSON)
        buf_appendc(x->b, '"');
    size_t i = 0;
    do {
        size_t k = rrender_piece(s + i, n - i);
        if (f == RRENDER_F_QUOTED)
            rrender_quoted_body(x->b, s + i, k);
        else if (f == RRENDER_F_JSON)
            rrender_json_body(x->b, s + i, k);
        else
            rrender_safe(x->b, s + i, k);
        i += k;
        rrender_flush_some(x);
    } while (i < n);
    if (f == RRENDER_F_QUOTED || f == RRENDER_F_JSON)
        buf_appendc(x->b, '"');
}

/* A JSON number exactly as written ("-1.5e+300"), or false. */
static bool rrender_json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || !isdigit((unsigned char)s[i]))
        return false;
    if (s[i] == '0')
        i++;
    else
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !isdigit((unsigned char)s[i]))
            return false;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !isdigit((unsigned char)s[i]))
            return false;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    }
    return i == n;
}

static void rrender_json_at(const struct rrender_ctx *x, const redisReply *r);

static void rrender_json_elements(const struct rrender_ctx *x, const redisReply *r, bool pairs)
{
    struct buf *b = x->b;
    buf_appendc(b, '[');
    for (size_t i = 0; i < r->elements; i++) {
        if (i)
            buf_appendc(b, ',');
        if (pairs) {
            buf_appendc(b, '[');
            rrender_json_at(x, r->element[i]);
            buf_appendc(b, ',');
            if (i + 1 < r->elements)
                rrender_json_at(x, r->element[++i]);
            else
                buf_appends(b, "null"); /* a key whose value was not kept */
            buf_appendc(b, ']');
        } else {
            rrender_json_at(x, r->element[i]);
        }
        rrender_flush_some(x);
    }
    buf_appendc(b, ']');
}

/* RESP3 types as typed JSON: {"map":[[k,v]...]}, {"set":[...]},
 * {"push":[...]}, {"double":3.14}, {"bignum":"..."}, {"verbatim":"...",
 * "format":"txt"}, booleans as true/false, {"attributes":...,"reply":...}. */
static bool rrender_json_resp3(const struct rrender_ctx *x, const redisReply *r)
{
    struct buf *b = x->b;
    enum resp3_type t = resp3_type(r);
    switch (t) {
    case RESP3_MAP:
    case RESP3_SET:
    case RESP3_PUSH:
        buf_printf(b, "{\"%s\":", resp3_type_name(t));
        rrender_json_elements(x, r, t == RESP3_MAP);
        buf_appendc(b, '}');
        return true;
    case RESP3_ATTRIBUTED:
        buf_appends(b, "{\"attributes\":");
        rrender_json_at(x, r->elements > 0 ? r->element[0] : NULL);
        buf_appends(b, ",\"reply\":");
        rrender_json_at(x, r->elements > 1 ? r->element[1] : NULL);
        buf_appendc(b, '}');
        return true;
    case RESP3_DOUBLE:
        buf_appends(b, "{\"double\":");
        if (rrender_json_number(r->str, r->len))
            buf_append(b, r->str, r->len);
        else
            rrender_str(x, r->str, r->len, RRENDER_F_JSON); /* inf, -inf, nan */
        buf_appendc(b, '}');
        return true;
    case RESP3_BIGNUM:
        buf_appends(b, "{\"bignum\":");
        rrender_str(x, r->str, r->len, RRENDER_F_JSON);
        buf_appendc(b, '}');
        return true;
    case RESP3_VERBATIM: {
        char fmt[4];
        resp3_verbatim_format(r, fmt);
        buf_appends(b, "{\"verbatim\":");
        rrender_str(x, r->str, r->len, RRENDER_F_JSON);
        buf_appends(b, ",\"format\":");
        rrender_json_string(b, fmt, strlen(fmt));
        buf_appendc(b, '}');
        return true;
    }
    case RESP3_BOOL:
        buf_appends(b, r->integer ? "true" : "false");
        return true;
    case RESP3_PLAIN:
        break;
    }
    return false;
}

static void rrender_json_at(const struct rrender_ctx *x, const redisReply *r)
{
    struct buf *b = x->b;
    if (!r) {
        buf_appends(b, "null");
        return;
    }
    if (rrender_json_resp3(x, r))
        return;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        rrender_str(x, r->str, r->len, RRENDER_F_JSON);
        break;
    case REDIS_REPLY_INTEGER:
        buf_printf(b, "%lld", r->integer);
        break;
    case REDIS_REPLY_NIL:
        buf_appends(b, "null");
        break;
    case REDIS_REPLY_STATUS:
        buf_appends(b, "{\"status\":");
        rrender_str(x, r->str, r->len, RRENDER_F_JSON);
        buf_appendc(b, '}');
        break;
    case REDIS_REPLY_ERROR:
        buf_appends(b, "{\"error\":");
        rrender_str(x, r->str, r->len, RRENDER_F_JSON);
        buf_appendc(b, '}');
        break;
    case REDIS_REPLY_ARRAY:
        buf_appendc(b, '[');
        for (size_t i = 0; i < r->elements; i++) {
            if (i)
                buf_appendc(b, ',');
            rrender_json_at(x, r->element[i]);
            rrender_flush_some(x);
        }
        buf_appendc(b, ']');
        break;
    default:
        buf_appends(b, "null");
    }
}

void rrender_json(struct buf *b, const redisReply *r)
{
    struct rrender_ctx x = {.b = b};
    rrender_json_at(&x, r);
}

void rrender_json_flushed(struct buf *b, const redisReply *r, rrender_flush_fn flush, void *arg)
{
    struct rrender_ctx x = {.b = b, .flush = flush, .arg = arg};
    rrender_json_at(&x, r);
    rrender_flush_some(&x);
}

/* Text as lines: CRLF and LF end a line, the rest as rrender_safe. */
static void rrender_lines(const struct rrender_ctx *x, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n;
        size_t stop = end > i && s[end - 1] == '\r' && nl ? end - 1 : end;
        if (stop > i)
            rrender_str(x, s + i, stop - i, RRENDER_F_SAFE);
        if (nl)
            buf_appendc(x->b, '\n');
        i = nl ? end + 1 : n;
        rrender_flush_some(x);
    }
}

/* Does the redis-cli form of r take more than one line (redis-cli's
 * cliIsMultilineValueTTY: a map's value that does starts on a line of
 * its own)? */
static bool rrender_multiline(const redisReply *r)
{
    if (!r)
        return false;
    enum resp3_type t = resp3_type(r);
    if (t == RESP3_ATTRIBUTED)
        return true;
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
        return false;
    if (t == RESP3_MAP)
        return r->elements > 2 || (r->elements == 2 && rrender_multiline(r->element[1]));
    return r->elements > 1 || rrender_multiline(r->element[0]);
}

/* Take back the line end just rendered (a map's key, before " => "). */
static void rrender_unline(struct buf *b)
{
    if (b->len > 0 && b->data[b->len - 1] == '\n')
        b->len--;
}

static void rrender_tty(struct rrender_ctx *x, const redisReply *r, const char *prefix, bool text);

/* An aggregate as redis-cli numbers it: "1) ", maps "1# key => value",
 * sets "1~ ". */
static void rrender_tty_aggregate(struct rrender_ctx *x, const redisReply *r, const char *prefix,
                                  bool text, enum resp3_type t)
{
    struct buf *b = x->b;
    if (r->elements == 0) {
        buf_appends(b, t == RESP3_MAP    ? "(empty hash)\n"
                       : t == RESP3_SET  ? "(empty set)\n"
                       : t == RESP3_PUSH ? "(empty push)\n"
                                         : "(empty array)\n");
        return;
    }
    unsigned idxlen = 0;
    size_t i = t == RESP3_MAP ? (r->elements + 1) / 2 : r->elements;
    do {
        idxlen++;
        i /= 10;
    } while (i);
    char sep = t == RESP3_MAP ? '#' : t == RESP3_SET ? '~' : ')';
    size_t pl = strlen(prefix);
    char *sub = mem_xmalloc(pl + idxlen + 3);
    memcpy(sub, prefix, pl);
    memset(sub + pl, ' ', idxlen + 2);
    sub[pl + idxlen + 2] = '\0';
    for (i = 0; i < r->elements; i++) {
        size_t human = (t == RESP3_MAP ? i / 2 : i) + 1;
        buf_printf(b, "%s%*zu%c ", i == 0 ? "" : prefix, (int)idxlen, human, sep);
        if (t == RESP3_MAP && i + 1 < r->elements) {
            x->hold++;
            rrender_tty(x, r->element[i], sub, text);
            x->hold--;
            rrender_unline(b);
            buf_appends(b, " => ");
            i++;
            if (rrender_multiline(r->element[i])) {
                /* the value starts on a line of its own, aligned */
                buf_appendc(b, '\n');
                buf_appends(b, sub);
            }
        }
        rrender_tty(x, r->element[i], sub, text);
        rrender_flush_some(x);
    }
    free(sub);
}

static void rrender_tty(struct rrender_ctx *x, const redisReply *r, const char *prefix, bool text)
{
    struct buf *b = x->b;
    if (!r) {
        buf_appends(b, "(nil)\n");
        return;
    }
    enum resp3_type t = resp3_type(r);
    switch (t) {
    case RESP3_DOUBLE:
        buf_appends(b, "(double) ");
        rrender_str(x, r->str, r->len, RRENDER_F_SAFE);
        buf_appendc(b, '\n');
        return;
    case RESP3_BIGNUM:
        buf_appends(b, "(big number) ");
        rrender_str(x, r->str, r->len, RRENDER_F_SAFE);
        buf_appendc(b, '\n');
        return;
    case RESP3_VERBATIM:
        /* its text as it is (redis-cli does not quote it), lines as lines */
        rrender_lines(x, r->str, r->len);
        buf_appendc(b, '\n');
        return;
    case RESP3_BOOL:
        buf_appends(b, r->integer ? "(true)\n" : "(false)\n");
        return;
    case RESP3_ATTRIBUTED: {
        /* the attributes, then the reply they annotate */
        static const char tag[] = "(attribute) ";
        size_t pl = strlen(prefix);
        char *sub = mem_xmalloc(pl + sizeof(tag));
        memcpy(sub, prefix, pl);
        memset(sub + pl, ' ', sizeof(tag) - 1);
        sub[pl + sizeof(tag) - 1] = '\0';
        buf_appends(b, tag);
        if (r->elements > 0)
            rrender_tty(x, r->element[0], sub, text);
        else
            buf_appendc(b, '\n');
        free(sub);
        if (r->elements > 1) {
            buf_appends(b, prefix);
            rrender_tty(x, r->element[1], prefix, text);
        }
        return;
    }
    case RESP3_MAP:
    case RESP3_SET:
    case RESP3_PUSH:
        rrender_tty_aggregate(x, r, prefix, text, t);
        return;
    case RESP3_PLAIN:
        break;
    }
    switch (r->type) {
    case REDIS_REPLY_ERROR:
        buf_appends(b, "(error) ");
        rrender_str(x, r->str, r->len, RRENDER_F_SAFE);
        buf_appendc(b, '\n');
        break;
    case REDIS_REPLY_STATUS:
        rrender_str(x, r->str, r->len, RRENDER_F_SAFE);
        buf_appendc(b, '\n');
        break;
    case REDIS_REPLY_INTEGER:
        buf_printf(b, "(integer) %lld\n", r->integer);
        break;
    case REDIS_REPLY_STRING:
        if (text) {
            rrender_lines(x, r->str, r->len);
            if (r->len && r->str[r->len - 1] != '\n')
                buf_appendc(b, '\n');
            break;
        }
        rrender_str(x, r->str, r->len, RRENDER_F_QUOTED);
        buf_appendc(b, '\n');
        break;
    case REDIS_REPLY_NIL:
        buf_appends(b, "(nil)\n");
        break;
    case REDIS_REPLY_ARRAY:
        rrender_tty_aggregate(x, r, prefix, text, RESP3_PLAIN);
        break;
    default:
        buf_printf(b, "(unknown reply type %d)\n", r->type);
    }
}

static void rrender_raw(const struct rrender_ctx *x, const redisReply *r, bool text)
{
    struct buf *b = x->b;
    if (!r)
        return;
    enum resp3_type t = resp3_type(r);
    switch (t) {
    case RESP3_BOOL:
        buf_appends(b, r->integer ? "(true)" : "(false)");
        return;
    case RESP3_DOUBLE:
    case RESP3_BIGNUM:
        rrender_str(x, r->str, r->len, RRENDER_F_SAFE);
        return;
    case RESP3_MAP:
        /* redis-cli --raw: "key value" per line */
        for (size_t i = 0; i < r->elements; i++) {
            if (i)
                buf_appendc(b, '\n');
            rrender_raw(x, r->element[i], text);
            if (i + 1 < r->elements) {
                buf_appendc(b, ' ');
                rrender_raw(x, r->element[++i], text);
            }
            rrender_flush_some(x);
        }
        return;
    case RESP3_ATTRIBUTED:
        /* the reply alone: attributes are for people */
        if (r->elements > 1)
            rrender_raw(x, r->element[1], text);
        return;
    case RESP3_VERBATIM:
        rrender_lines(x, r->str, r->len);
        return;
    case RESP3_SET:
    case RESP3_PUSH:
    case RESP3_PLAIN:
        break;
    }
    switch (r->type) {
    case REDIS_REPLY_ERROR:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_STRING:
        if (text) {
            /* the final line end is the reply's own */
            size_t n = r->len;
            if (n && r->str[n - 1] == '\n')
                n -= n > 1 && r->str[n - 2] == '\r' ? 2 : 1;
            rrender_lines(x, r->str, n);
        } else {
            rrender_str(x, r->str, r->len, RRENDER_F_SAFE);
        }
        break;
    case REDIS_REPLY_INTEGER:
        buf_printf(b, "%lld", r->integer);
        break;
    case REDIS_REPLY_NIL:
        break;
    case REDIS_REPLY_ARRAY:
        for (size_t i = 0; i < r->elements; i++) {
            if (i)
                buf_appendc(b, '\n');
            rrender_raw(x, r->element[i], text);
            rrender_flush_some(x);
        }
        break;
    default:
        break;
    }
}

/* A short status or plain string of printable ASCII only: raw, it is
 * its bytes and a line end (what rrender_raw() makes of it, without the
 * walk: PONG, OK and short values one by one). */
static bool rrender_raw_plain(const redisReply *r)
{
    if ((r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_STRING) || r->len > 256 ||
        (r->type == REDIS_REPLY_STRING && resp3_type(r) != RESP3_PLAIN))
        return false;
    const unsigned char *u = (const unsigned char *)r->str;
    for (size_t i = 0; i < r->len; i++)
        if (!((u[i] >= 0x20 && u[i] < 0x7f) || u[i] == '\n' || u[i] == '\t'))
            return false;
    return true;
}

void rrender_reply_opts(struct buf *b, const redisReply *r, const struct rrender_opts *o)
{
    struct rrender_ctx x = {.b = b, .flush = o->flush, .arg = o->arg};
    if (!r) {
        buf_appends(b, "(no reply)\n");
        return;
    }
    if (o->raw && !o->text && rrender_raw_plain(r)) {
        buf_append(b, r->str, r->len);
        buf_appendc(b, '\n');
        rrender_flush_some(&x);
        return;
    }
    if (o->raw) {
        rrender_raw(&x, r, o->text);
        buf_appendc(b, '\n');
    } else {
        rrender_tty(&x, r, "", o->text);
    }
    rrender_flush_some(&x);
}

void rrender_reply(struct buf *b, const redisReply *r, bool raw)
{
    struct rrender_opts o = {.raw = raw};
    rrender_reply_opts(b, r, &o);
}

static bool rrender_invalidation(const redisReply *r)
{
    return resp3_type(r) == RESP3_PUSH && r->elements == 2 && r->element[0] &&
           r->element[0]->type == REDIS_REPLY_STRING && r->element[0]->len == 10 &&
           memcmp(r->element[0]->str, "invalidate", 10) == 0 && r->element[1] &&
           r->element[1]->type == REDIS_REPLY_ARRAY;
}

void rrender_push(struct buf *b, const redisReply *push, bool raw)
{
    if (!raw && rrender_invalidation(push)) {
        const redisReply *keys = push->element[1];
        buf_appends(b, "-> invalidate: ");
        for (size_t i = 0; i < keys->elements; i++) {
            const redisReply *k = keys->element[i];
            buf_appendc(b, '\'');
            if (k && k->str)
                rrender_safe(b, k->str, k->len);
            buf_appendc(b, '\'');
            if (i + 1 < keys->elements)
                buf_appends(b, ", ");
        }
        buf_appendc(b, '\n');
        return;
    }
    rrender_reply(b, push, raw);
}

void rrender_push_json(struct buf *b, const redisReply *push)
{
    rrender_json(b, push);
}

void rrender_hello_note(struct buf *b, int argc, const char *const *argv, const size_t *argvlen,
                        const redisReply *reply)
{
    if (rconn_hello_version(argc, argv, argvlen) != 3 || !reply ||
        reply->type != REDIS_REPLY_ERROR || !reply->str)
        return;
    if (strncasecmp(reply->str, "ERR unknown command", 19) == 0)
        buf_appends(b, "(note) this node has no HELLO: RESP3 needs Redis 6 or later; replies "
                       "stay RESP2\n");
    else if (strncmp(reply->str, "NOPROTO", 7) == 0)
        buf_appends(b, "(note) this node does not speak RESP3; replies stay RESP2\n");
}

static bool rrender_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

bool rrender_text_command(int argc, const char *const *argv, const size_t *argvlen)
{
    if (argc < 1 || !argv)
        return false;
    size_t l0 = argvlen ? argvlen[0] : strlen(argv[0]);
    size_t l1 = argc > 1 ? (argvlen ? argvlen[1] : strlen(argv[1])) : 0;
    const char *a0 = argv[0], *a1 = argc > 1 ? argv[1] : "";
    if (rrender_is(a0, l0, "INFO") || rrender_is(a0, l0, "LOLWUT"))
        return true;
    if (argc < 2)
        return false;
    if (rrender_is(a0, l0, "CLUSTER"))
        return rrender_is(a1, l1, "INFO") || rrender_is(a1, l1, "NODES");
    if (rrender_is(a0, l0, "CLIENT"))
        return rrender_is(a1, l1, "LIST") || rrender_is(a1, l1, "INFO");
    if (rrender_is(a0, l0, "MEMORY"))
        return rrender_is(a1, l1, "DOCTOR") || rrender_is(a1, l1, "MALLOC-STATS");
    if (rrender_is(a0, l0, "LATENCY"))
        return rrender_is(a1, l1, "DOCTOR") || rrender_is(a1, l1, "GRAPH");
    if (rrender_is(a0, l0, "DEBUG"))
        return rrender_is(a1, l1, "HTSTATS") || rrender_is(a1, l1, "HTSTATS-KEY");
    return false;
}

/* ---- splitting ---- */

static int rrender_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void rrender_args_free(struct rrender_args *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->argc; i++) {
        mem_wipe(a->argv[i], a->argvlen[i]);
        free(a->argv[i]);
    }
    free(a->argv);
    free(a->argvlen);
    free(a->offset);
    memset(a, 0, sizeof(*a));
}

int rrender_split(const char *line, struct rrender_args *out)
{
    memset(out, 0, sizeof(*out));
    if (!line)
        return 0;
    const char *p = line;
    size_t cap = 0;
    struct buf cur;
    buf_init(&cur, 0);
    cur.secret = true;
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (out->argc >= RRENDER_MAX_ARGS)
            goto bad;
        size_t start = (size_t)(p - line);
        bool inq = false, insq = false, done = false;
        buf_reset(&cur);
        while (!done) {
            char c = *p;
            if (inq) {
                if (c == '\\' && p[1] == 'x' && rrender_hex(p[2]) >= 0 && rrender_hex(p[3]) >= 0) {
                    buf_appendc(&cur, (char)(rrender_hex(p[2]) * 16 + rrender_hex(p[3])));
                    p += 3;
                } else if (c == '\\' && p[1]) {
                    p++;
                    char e = *p;
                    buf_appendc(&cur, e == 'n'   ? '\n'
                                      : e == 'r' ? '\r'
                                      : e == 't' ? '\t'
                                      : e == 'b' ? '\b'
                                      : e == 'a' ? '\a'
                                                 : e);
                } else if (c == '"') {
                    /* closing quote must be followed by a space or the end */
                    if (p[1] && !isspace((unsigned char)p[1]))
                        goto bad;
                    done = true;
                } else if (!c) {
                    goto bad; /* unterminated */
                } else {
                    buf_appendc(&cur, c);
                }
            } else if (insq) {
                if (c == '\\' && p[1] == '\'') {
                    p++;
                    buf_appendc(&cur, '\'');
                } else if (c == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1]))
                        goto bad;
                    done = true;
                } else if (!c) {
                    goto bad;
                } else {
                    buf_appendc(&cur, c);
                }
            } else {
                switch (c) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0':
                    done = true;
                    break;
                case '"':
                    inq = true;
                    break;
                case '\'':
                    insq = true;
                    break;
                default:
                    buf_appendc(&cur, c);
                    break;
                }
            }
            if (*p)
                p++;
        }
        if (out->argc + 1 > (int)cap) {
            cap = cap ? cap * 2 : 8;
            out->argv = mem_xrealloc(out->argv, cap * sizeof(*out->argv));
            out->argvlen = mem_xrealloc(out->argvlen, cap * sizeof(*out->argvlen));
            out->offset = mem_xrealloc(out->offset, cap * sizeof(*out->offset));
        }
        out->argvlen[out->argc] = cur.len;
        out->argv[out->argc] = mem_xmalloc(cur.len + 1);
        if (cur.len)
            memcpy(out->argv[out->argc], cur.data, cur.len);
        out->argv[out->argc][cur.len] = '\0';
        out->offset[out->argc] = start;
        out->argc++;
    }
    buf_free(&cur);
    return 0;
bad:
    buf_free(&cur);
    rrender_args_free(out);
    return -1;
}
