/* rrender.c - Redis replies and command lines for people and scripts
 * (see rrender.h). */
#include "core/redis/rrender.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "aws/unicode.h"

void rrender_quoted(struct buf *b, const char *s, size_t n)
{
    buf_appendc(b, '"');
    for (size_t i = 0; i < n; i++) {
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
        unsigned char c = u[i];
        if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') {
            buf_appendc(b, (char)c);
            i++;
            continue;
        }
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

void rrender_json_string(struct buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    buf_appendc(b, '"');
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
    buf_appendc(b, '"');
}

void rrender_json(struct buf *b, const redisReply *r)
{
    if (!r) {
        buf_appends(b, "null");
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_STRING:
        rrender_json_string(b, r->str, r->len);
        break;
    case REDIS_REPLY_INTEGER:
        buf_printf(b, "%lld", r->integer);
        break;
    case REDIS_REPLY_NIL:
        buf_appends(b, "null");
        break;
    case REDIS_REPLY_STATUS:
        buf_appends(b, "{\"status\":");
        rrender_json_string(b, r->str, r->len);
        buf_appendc(b, '}');
        break;
    case REDIS_REPLY_ERROR:
        buf_appends(b, "{\"error\":");
        rrender_json_string(b, r->str, r->len);
        buf_appendc(b, '}');
        break;
    case REDIS_REPLY_ARRAY:
        buf_appendc(b, '[');
        for (size_t i = 0; i < r->elements; i++) {
            if (i)
                buf_appendc(b, ',');
            rrender_json(b, r->element[i]);
        }
        buf_appendc(b, ']');
        break;
    default:
        buf_appends(b, "null");
    }
}

static void rrender_tty(struct buf *b, const redisReply *r, const char *prefix)
{
    switch (r->type) {
    case REDIS_REPLY_ERROR:
        buf_appends(b, "(error) ");
        rrender_safe(b, r->str, r->len);
        buf_appendc(b, '\n');
        break;
    case REDIS_REPLY_STATUS:
        rrender_safe(b, r->str, r->len);
        buf_appendc(b, '\n');
        break;
    case REDIS_REPLY_INTEGER:
        buf_printf(b, "(integer) %lld\n", r->integer);
        break;
    case REDIS_REPLY_STRING:
        rrender_quoted(b, r->str, r->len);
        buf_appendc(b, '\n');
        break;
    case REDIS_REPLY_NIL:
        buf_appends(b, "(nil)\n");
        break;
    case REDIS_REPLY_ARRAY: {
        if (r->elements == 0) {
            buf_appends(b, "(empty array)\n");
            break;
        }
        unsigned idxlen = 0;
        size_t i = r->elements;
        do {
            idxlen++;
            i /= 10;
        } while (i);
        size_t pl = strlen(prefix);
        char *sub = mem_xmalloc(pl + idxlen + 3);
        memcpy(sub, prefix, pl);
        memset(sub + pl, ' ', idxlen + 2);
        sub[pl + idxlen + 2] = '\0';
        for (i = 0; i < r->elements; i++) {
            buf_printf(b, "%s%*zu) ", i == 0 ? "" : prefix, (int)idxlen, i + 1);
            rrender_tty(b, r->element[i], sub);
        }
        free(sub);
        break;
    }
    default:
        buf_printf(b, "(unknown reply type %d)\n", r->type);
    }
}

static void rrender_raw(struct buf *b, const redisReply *r)
{
    switch (r->type) {
    case REDIS_REPLY_ERROR:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_STRING:
        rrender_safe(b, r->str, r->len);
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
            rrender_raw(b, r->element[i]);
        }
        break;
    default:
        break;
    }
}

void rrender_reply(struct buf *b, const redisReply *r, bool raw)
{
    if (!r) {
        buf_appends(b, "(no reply)\n");
        return;
    }
    if (raw) {
        rrender_raw(b, r);
        buf_appendc(b, '\n');
    } else {
        rrender_tty(b, r, "");
    }
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
