/* resp3.c - the RESP3 reader (see resp3.h): one state machine over the
 * bytes as they come, a stack of the aggregates being filled, and the
 * memory budget of the reply being read. */
#include "core/redis/resp3.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"

/* The mark of a RESP3 type in a redisReply: "R3" and the type. */
#define RESP3_MARK 0x52330000u
#define RESP3_MARK_MASK 0xffffff00u

enum resp3_type resp3_type(const redisReply *r)
{
    if (!r)
        return RESP3_PLAIN;
    uint64_t v;
    switch (r->type) {
    case REDIS_REPLY_ARRAY:
    case REDIS_REPLY_STRING:
        v = (uint64_t)r->integer;
        break;
    case REDIS_REPLY_INTEGER:
        v = (uint64_t)r->len;
        break;
    default:
        return RESP3_PLAIN;
    }
    uint32_t low = (uint32_t)(v & 0xffffffffu);
    if ((low & RESP3_MARK_MASK) != RESP3_MARK)
        return RESP3_PLAIN;
    enum resp3_type t = (enum resp3_type)(low & 0xffu);
    switch (t) {
    case RESP3_MAP:
    case RESP3_SET:
    case RESP3_PUSH:
    case RESP3_ATTRIBUTED:
        return r->type == REDIS_REPLY_ARRAY && (v >> 32) == 0 ? t : RESP3_PLAIN;
    case RESP3_DOUBLE:
    case RESP3_BIGNUM:
        return r->type == REDIS_REPLY_STRING && (v >> 32) == 0 ? t : RESP3_PLAIN;
    case RESP3_VERBATIM:
        return r->type == REDIS_REPLY_STRING && (v >> 56) == 0 ? t : RESP3_PLAIN;
    case RESP3_BOOL:
        return r->type == REDIS_REPLY_INTEGER && (v >> 32) == 0 ? t : RESP3_PLAIN;
    case RESP3_PLAIN:
        break;
    }
    return RESP3_PLAIN;
}

const char *resp3_type_name(enum resp3_type t)
{
    switch (t) {
    case RESP3_MAP:
        return "map";
    case RESP3_SET:
        return "set";
    case RESP3_PUSH:
        return "push";
    case RESP3_ATTRIBUTED:
        return "attributed";
    case RESP3_DOUBLE:
        return "double";
    case RESP3_BIGNUM:
        return "bignum";
    case RESP3_VERBATIM:
        return "verbatim";
    case RESP3_BOOL:
        return "boolean";
    case RESP3_PLAIN:
        break;
    }
    return "";
}

void resp3_set_type(redisReply *r, enum resp3_type t, const char *fmt)
{
    uint64_t v = RESP3_MARK | (uint64_t)t;
    if (t == RESP3_VERBATIM && fmt)
        for (int i = 0; i < 3 && fmt[i]; i++)
            v |= (uint64_t)(unsigned char)fmt[i] << (32 + 8 * i);
    if (t == RESP3_BOOL)
        r->len = (size_t)v;
    else
        r->integer = (long long)v;
}

void resp3_verbatim_format(const redisReply *r, char out[4])
{
    out[0] = '\0';
    if (resp3_type(r) != RESP3_VERBATIM)
        return;
    uint64_t v = (uint64_t)r->integer;
    size_t k = 0;
    for (int i = 0; i < 3; i++) {
        unsigned char c = (unsigned char)(v >> (32 + 8 * i));
        if (c)
            out[k++] = (char)c;
    }
    out[k] = '\0';
}

bool resp3_is_map(const redisReply *r)
{
    return resp3_type(r) == RESP3_MAP;
}

/* ---- the reader ---- */

enum resp3_state {
    R3_TYPE, /* at the start of an item */
    R3_LINE, /* in a line: a header (length, number) or a value (+ - () */
    R3_BULK, /* in a bulk payload */
    R3_CRLF, /* the CRLF after a bulk payload */
};

/* An aggregate being filled (or an attribute and the reply it annotates). */
struct resp3_frame {
    redisReply *obj; /* NULL: not kept (its elements are read and dropped) */
    uint64_t expect; /* elements on the wire */
    uint64_t got;    /* elements read */
    size_t cap;      /* element slots kept */
    bool wrapper;    /* an attribute and its reply: not an aggregate of the reply */
};

#define RESP3_MAX_FRAMES (2 * RESP3_MAX_DEPTH + 2)

struct resp3_reader {
    size_t cap;
    /* the budget of the reply being read */
    size_t cost;
    bool dropping; /* something was dropped: everything after it is too */
    uint64_t kept, dropped, dropped_bytes;
    /* aggregates being filled */
    struct resp3_frame fr[RESP3_MAX_FRAMES];
    int nf;
    int depth; /* of them, real aggregates */
    bool ready;
    bool push; /* the reply is a push message */
    redisReply *result;
    /* the item being read */
    enum resp3_state s;
    char type;
    bool cr; /* the last byte of the line so far was CR */
    /* header lines */
    char hdr[RESP3_MAX_DOUBLE + 2];
    size_t hlen, hmax;
    /* value lines (+ - () */
    bool simple;
    bool keep;  /* the line may still be kept */
    char *line; /* kept bytes (keep) */
    size_t llen, lcap;
    uint64_t ltotal; /* bytes of the line so far (kept or not) */
    /* bulk payloads ($ = !) */
    redisReply *bobj; /* the string being filled; NULL: skipped */
    uint64_t blen, bpos;
    char vfmt[4]; /* verbatim: the format and ':' */
    int crlf;
    bool failed;
    char err[160];
};

static void resp3_fail(struct resp3_reader *rd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void resp3_clear(struct resp3_reader *rd)
{
    /* each frame's object is not in its parent yet: free them all */
    for (int i = rd->nf - 1; i >= 0; i--)
        if (rd->fr[i].obj)
            freeReplyObject(rd->fr[i].obj);
    rd->nf = 0;
    rd->depth = 0;
    if (rd->bobj)
        freeReplyObject(rd->bobj);
    rd->bobj = NULL;
    free(rd->line);
    rd->line = NULL;
    rd->llen = rd->lcap = 0;
    if (rd->result)
        freeReplyObject(rd->result);
    rd->result = NULL;
    rd->ready = false;
}

static void resp3_fail(struct resp3_reader *rd, const char *fmt, ...)
{
    if (rd->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err, sizeof(rd->err), fmt, ap);
    va_end(ap);
    rd->failed = true;
    resp3_clear(rd);
}

struct resp3_reader *resp3_reader_new(size_t cap)
{
    struct resp3_reader *rd = mem_xcalloc(1, sizeof(*rd));
    rd->cap = cap ? cap : (size_t)64 * 1024 * 1024;
    return rd;
}

void resp3_reader_free(struct resp3_reader *rd)
{
    if (!rd)
        return;
    resp3_clear(rd);
    free(rd);
}

const char *resp3_reader_error(const struct resp3_reader *rd)
{
    return rd && rd->failed ? rd->err : "";
}

bool resp3_reader_idle(const struct resp3_reader *rd)
{
    return rd && !rd->failed && rd->s == R3_TYPE && rd->nf == 0 && !rd->ready;
}

/* ---- the budget ---- */

/* May the next element be kept (before its cost is known)? */
static bool resp3_slot(const struct resp3_reader *rd)
{
    if (rd->dropping)
        return false;
    if (rd->nf == 0)
        return true;
    const struct resp3_frame *f = &rd->fr[rd->nf - 1];
    return f->obj && f->got < f->cap;
}

static void resp3_drop(struct resp3_reader *rd)
{
    rd->dropping = true;
    rd->dropped++;
}

/* true: keep an object costing cost; false: drop it (and all after it). */
static bool resp3_take(struct resp3_reader *rd, size_t cost)
{
    if (!resp3_slot(rd) || cost > rd->cap - rd->cost) {
        resp3_drop(rd);
        return false;
    }
    rd->cost += cost;
    rd->kept++;
    return true;
}

/* What a string of the reply may still be. */
static uint64_t resp3_room(const struct resp3_reader *rd)
{
    size_t left = rd->cap - rd->cost;
    if (!resp3_slot(rd) || left < RESP3_OBJ_COST + 2 * RESP3_BLOCK_COST)
        return 0;
    return left - RESP3_OBJ_COST - 2 * RESP3_BLOCK_COST;
}

static size_t resp3_string_cost(uint64_t len)
{
    if (len > SIZE_MAX / 2)
        return SIZE_MAX;
    return RESP3_OBJ_COST + (size_t)len + 1 + RESP3_BLOCK_COST;
}

/* ---- building ---- */

static redisReply *resp3_obj(int type)
{
    redisReply *r = mem_xcalloc(1, sizeof(*r));
    r->type = type;
    return r;
}

static redisReply *resp3_string(int type, const char *s, size_t n)
{
    redisReply *r = resp3_obj(type);
    r->str = mem_xmalloc(n + 1);
    if (n)
        memcpy(r->str, s, n);
    r->str[n] = '\0';
    r->len = n;
    return r;
}

/* A value (NULL: read but not kept) is whole: into its aggregate, and
 * every aggregate it completes into theirs. */
static void resp3_value(struct resp3_reader *rd, redisReply *v)
{
    for (;;) {
        if (rd->nf == 0) {
            rd->ready = true;
            rd->result = v;
            return;
        }
        struct resp3_frame *f = &rd->fr[rd->nf - 1];
        if (v) {
            /* kept: resp3_slot() said there was room when it started */
            f->obj->element[f->obj->elements++] = v;
        }
        f->got++;
        if (f->got < f->expect)
            return;
        redisReply *a = f->obj;
        if (a && resp3_is_map(a) && a->elements % 2) {
            /* a key whose value was not kept goes too: maps keep pairs */
            a->elements--;
            freeReplyObject(a->element[a->elements]);
            a->element[a->elements] = NULL;
            rd->kept--;
            rd->dropped++;
        }
        if (!f->wrapper)
            rd->depth--;
        rd->nf--;
        v = a;
    }
}

/* An array-shaped object for n elements on the wire (kept: as many as
 * fit), or NULL when it is not kept. */
static redisReply *resp3_array(struct resp3_reader *rd, uint64_t n, enum resp3_type t,
                               size_t *slots)
{
    *slots = 0;
    if (!resp3_take(rd, RESP3_OBJ_COST + RESP3_BLOCK_COST))
        return NULL;
    size_t room = (rd->cap - rd->cost) / (sizeof(redisReply *) + RESP3_OBJ_COST);
    size_t keep = n < room ? (size_t)n : room;
    if (t == RESP3_MAP)
        keep &= ~(size_t)1;
    rd->cost += keep * sizeof(redisReply *);
    redisReply *a = resp3_obj(REDIS_REPLY_ARRAY);
    if (keep)
        a->element = mem_xcalloc(keep, sizeof(*a->element));
    if (t != RESP3_PLAIN)
        resp3_set_type(a, t, NULL);
    *slots = keep;
    return a;
}

static void resp3_push_frame(struct resp3_reader *rd, redisReply *obj, uint64_t n, size_t slots,
                             bool wrapper)
{
    struct resp3_frame *f = &rd->fr[rd->nf++];
    f->obj = obj;
    f->expect = n;
    f->got = 0;
    f->cap = slots;
    f->wrapper = wrapper;
    if (!wrapper)
        rd->depth++;
}

/* Strict decimal: optional '-', digits, no overflow. */
static bool resp3_ll(const char *s, size_t n, long long *out)
{
    if (n == 0)
        return false;
    bool neg = s[0] == '-';
    size_t i = neg;
    if (i == n)
        return false;
    unsigned long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return false;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return false;
        *out = (long long)v;
    }
    return true;
}

static bool resp3_double_ok(const char *s, size_t n)
{
    if ((n == 3 && (strncasecmp(s, "inf", 3) == 0 || strncasecmp(s, "nan", 3) == 0)) ||
        (n == 4 && (strncasecmp(s, "-inf", 4) == 0 || strncasecmp(s, "-nan", 4) == 0)))
        return true;
    if (n == 0 || n > RESP3_MAX_DOUBLE)
        return false;
    /* only what a number is written with: strtod also reads "0x1p3" and
     * "infinity", which RESP3 does not allow */
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789+-.eE", s[i]))
            return false;
    char buf[RESP3_MAX_DOUBLE + 1];
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end = NULL;
    double d = strtod(buf, &end);
    return end == buf + n && isfinite(d);
}

/* An aggregate header: n elements (pairs for maps and attributes). */
static void resp3_aggregate(struct resp3_reader *rd, char type, long long count)
{
    if (count < 0) {
        if (type == '|' || count != -1) {
            resp3_fail(rd, "an aggregate length out of range");
            return;
        }
        /* a RESP2 null array */
        resp3_value(rd, resp3_take(rd, RESP3_OBJ_COST) ? resp3_obj(REDIS_REPLY_NIL) : NULL);
        return;
    }
    if (count > INT_MAX) {
        resp3_fail(rd, "an aggregate length out of range");
        return;
    }
    if (rd->depth >= RESP3_MAX_DEPTH || rd->nf + (type == '|' ? 2 : 1) > RESP3_MAX_FRAMES) {
        resp3_fail(rd, "aggregates nested deeper than %d levels", RESP3_MAX_DEPTH);
        return;
    }
    enum resp3_type t = type == '%' || type == '|' ? RESP3_MAP
                        : type == '~'              ? RESP3_SET
                        : type == '>'              ? RESP3_PUSH
                                                   : RESP3_PLAIN;
    uint64_t n = t == RESP3_MAP ? (uint64_t)count * 2 : (uint64_t)count;
    if (type == '|') {
        /* the attributes and the reply after them, as one pair */
        size_t ws;
        redisReply *w = resp3_array(rd, 2, RESP3_ATTRIBUTED, &ws);
        resp3_push_frame(rd, w, 2, ws, true);
    }
    size_t slots;
    redisReply *a = resp3_array(rd, n, t, &slots);
    if (n == 0) {
        resp3_value(rd, a);
        return;
    }
    resp3_push_frame(rd, a, n, slots, false);
}

/* A header line is whole (hdr[0..hlen), CR excluded). */
static void resp3_header(struct resp3_reader *rd)
{
    const char *h = rd->hdr;
    size_t n = rd->hlen;
    long long v = 0;
    switch (rd->type) {
    case ':':
        if (!resp3_ll(h, n, &v)) {
            resp3_fail(rd, "an integer out of range");
            return;
        }
        if (resp3_take(rd, RESP3_OBJ_COST)) {
            redisReply *r = resp3_obj(REDIS_REPLY_INTEGER);
            r->integer = v;
            resp3_value(rd, r);
        } else {
            resp3_value(rd, NULL);
        }
        return;
    case '#':
        if (n != 1 || !strchr("tTfF", h[0])) {
            resp3_fail(rd, "a boolean that is not #t or #f");
            return;
        }
        if (resp3_take(rd, RESP3_OBJ_COST)) {
            redisReply *r = resp3_obj(REDIS_REPLY_INTEGER);
            r->integer = h[0] == 't' || h[0] == 'T';
            resp3_set_type(r, RESP3_BOOL, NULL);
            resp3_value(rd, r);
        } else {
            resp3_value(rd, NULL);
        }
        return;
    case '_':
        if (n != 0) {
            resp3_fail(rd, "a null with a value");
            return;
        }
        resp3_value(rd, resp3_take(rd, RESP3_OBJ_COST) ? resp3_obj(REDIS_REPLY_NIL) : NULL);
        return;
    case ',':
        if (!resp3_double_ok(h, n)) {
            resp3_fail(rd, "a double that is not a number");
            return;
        }
        if (resp3_take(rd, resp3_string_cost(n))) {
            redisReply *r = resp3_string(REDIS_REPLY_STRING, h, n);
            resp3_set_type(r, RESP3_DOUBLE, NULL);
            resp3_value(rd, r);
        } else {
            rd->dropped_bytes += n;
            resp3_value(rd, NULL);
        }
        return;
    case '$':
    case '=':
    case '!': {
        if (!resp3_ll(h, n, &v) || v < -1 || (v == -1 && rd->type != '$')) {
            resp3_fail(rd, "a bulk string length out of range");
            return;
        }
        if (v == -1) {
            resp3_value(rd, resp3_take(rd, RESP3_OBJ_COST) ? resp3_obj(REDIS_REPLY_NIL) : NULL);
            return;
        }
        if (rd->type == '=' && v < 4) {
            resp3_fail(rd, "a verbatim string without its format");
            return;
        }
        rd->blen = (uint64_t)v;
        rd->bpos = 0;
        uint64_t content = rd->type == '=' ? rd->blen - 4 : rd->blen;
        rd->bobj = NULL;
        if (resp3_take(rd, resp3_string_cost(content))) {
            rd->bobj = resp3_obj(rd->type == '!' ? REDIS_REPLY_ERROR : REDIS_REPLY_STRING);
            rd->bobj->str = mem_xmalloc((size_t)content + 1);
            rd->bobj->str[content] = '\0';
            rd->bobj->len = (size_t)content;
        } else {
            /* skipped on the wire, never buffered */
            rd->dropped_bytes += content;
        }
        rd->s = rd->blen ? R3_BULK : R3_CRLF;
        rd->crlf = 0;
        return;
    }
    default:
        if (!resp3_ll(h, n, &v)) {
            resp3_fail(rd, "an aggregate length out of range");
            return;
        }
        resp3_aggregate(rd, rd->type, v);
        return;
    }
}

/* A value line is whole (+ - (): its rd->ltotal bytes, CR included. */
static void resp3_simple(struct resp3_reader *rd)
{
    uint64_t n = rd->ltotal - 1; /* the CR */
    bool kept = rd->keep && resp3_take(rd, resp3_string_cost(n));
    if (!kept) {
        if (!rd->keep)
            resp3_drop(rd); /* resp3_take counted it otherwise */
        rd->dropped_bytes += n;
        free(rd->line);
        rd->line = NULL;
        rd->llen = rd->lcap = 0;
        resp3_value(rd, NULL);
        return;
    }
    if (rd->type == '(') {
        for (size_t i = 0; i < (size_t)n; i++) {
            char c = rd->line[i];
            if (!((c >= '0' && c <= '9') || (i == 0 && c == '-' && n > 1))) {
                resp3_fail(rd, "a big number that is not a number");
                return;
            }
        }
        if (n == 0) {
            resp3_fail(rd, "a big number that is not a number");
            return;
        }
    }
    int type = rd->type == '+'   ? REDIS_REPLY_STATUS
               : rd->type == '-' ? REDIS_REPLY_ERROR
                                 : REDIS_REPLY_STRING;
    redisReply *r = resp3_string(type, rd->line ? rd->line : "", (size_t)n);
    if (rd->type == '(')
        resp3_set_type(r, RESP3_BIGNUM, NULL);
    free(rd->line);
    rd->line = NULL;
    rd->llen = rd->lcap = 0;
    resp3_value(rd, r);
}

/* Bytes of the current line (CR of a CRLF included, LF not). */
static void resp3_line_bytes(struct resp3_reader *rd, const char *p, size_t k)
{
    if (k == 0)
        return;
    if (!rd->simple) {
        if (rd->hlen + k > rd->hmax + 1) {
            resp3_fail(rd, "a length or number line too long");
            return;
        }
        memcpy(rd->hdr + rd->hlen, p, k);
        rd->hlen += k;
        return;
    }
    rd->ltotal += k;
    if (!rd->keep)
        return;
    uint64_t room = resp3_room(rd) + 1;
    if (rd->ltotal > room) {
        /* it does not fit: scanned to its end, not kept */
        rd->keep = false;
        free(rd->line);
        rd->line = NULL;
        rd->llen = rd->lcap = 0;
        return;
    }
    if (rd->llen + k > rd->lcap) {
        /* doubling, but never past what the budget allows */
        size_t want = rd->llen + k;
        size_t c = rd->lcap ? rd->lcap * 2 : 64;
        if (c < want)
            c = want;
        if (c > room)
            c = (size_t)room;
        rd->line = mem_xrealloc(rd->line, c);
        rd->lcap = c;
    }
    memcpy(rd->line + rd->llen, p, k);
    rd->llen += k;
}

static void resp3_type_byte(struct resp3_reader *rd, char t)
{
    rd->type = t;
    rd->cr = false;
    if (t == '>') {
        /* at the top (attributes aside): the reply is a push */
        bool top = true;
        for (int i = 0; i < rd->nf; i++)
            top = top && rd->fr[i].wrapper;
        if (top)
            rd->push = true;
    }
    switch (t) {
    case '+':
    case '-':
    case '(':
        rd->s = R3_LINE;
        rd->simple = true;
        rd->keep = resp3_slot(rd);
        rd->ltotal = 0;
        rd->llen = 0;
        return;
    case ':':
    case '#':
    case '_':
    case ',':
    case '$':
    case '=':
    case '!':
    case '*':
    case '%':
    case '~':
    case '>':
    case '|':
        rd->s = R3_LINE;
        rd->simple = false;
        rd->hlen = 0;
        rd->hmax = t == ',' ? RESP3_MAX_DOUBLE : RESP3_MAX_HEADER;
        return;
    default:
        if ((unsigned char)t >= 0x21 && (unsigned char)t < 0x7f && t != '"' && t != '\\')
            resp3_fail(rd, "Protocol error, got \"%c\" as reply type byte", t);
        else
            resp3_fail(rd, "Protocol error, got \"\\x%02x\" as reply type byte", (unsigned char)t);
    }
}

/* Read a line from p[i..n); returns where it stopped. */
static size_t resp3_scan_line(struct resp3_reader *rd, const char *p, size_t i, size_t n)
{
    size_t end = n;
    bool found = false;
    if (rd->cr && p[i] == '\n') {
        end = i;
        found = true;
    } else {
        const char *q = p + i;
        while ((q = memchr(q, '\n', (size_t)(p + n - q))) != NULL) {
            if (q > p + i && q[-1] == '\r') {
                end = (size_t)(q - p);
                found = true;
                break;
            }
            q++;
        }
    }
    resp3_line_bytes(rd, p + i, end - i);
    if (rd->failed)
        return n;
    if (!found) {
        rd->cr = p[n - 1] == '\r';
        return n;
    }
    rd->s = R3_TYPE;
    if (rd->simple) {
        resp3_simple(rd);
    } else {
        rd->hlen--; /* the CR */
        resp3_header(rd);
    }
    return end + 1;
}

static size_t resp3_bulk(struct resp3_reader *rd, const char *p, size_t i, size_t n)
{
    uint64_t left = rd->blen - rd->bpos;
    size_t take = n - i < left ? n - i : (size_t)left;
    size_t pre = rd->type == '=' ? 4 : 0;
    size_t k = 0;
    while (rd->bpos < pre && k < take) {
        rd->vfmt[rd->bpos++] = p[i + k++];
        if (rd->bpos == pre && rd->vfmt[3] != ':') {
            resp3_fail(rd, "a verbatim string without its format");
            return n;
        }
    }
    if (k < take) {
        if (rd->bobj)
            memcpy(rd->bobj->str + (rd->bpos - pre), p + i + k, take - k);
        rd->bpos += take - k;
    }
    if (rd->bpos == rd->blen) {
        rd->s = R3_CRLF;
        rd->crlf = 0;
    }
    return i + take;
}

static size_t resp3_crlf(struct resp3_reader *rd, const char *p, size_t i, size_t n)
{
    while (i < n && rd->crlf < 2) {
        if (p[i] != (rd->crlf == 0 ? '\r' : '\n')) {
            resp3_fail(rd, "a bulk string not ended by CRLF");
            return n;
        }
        rd->crlf++;
        i++;
    }
    if (rd->crlf < 2)
        return i;
    rd->s = R3_TYPE;
    redisReply *r = rd->bobj;
    rd->bobj = NULL;
    if (r && rd->type == '=') {
        char fmt[4] = {rd->vfmt[0], rd->vfmt[1], rd->vfmt[2], '\0'};
        resp3_set_type(r, RESP3_VERBATIM, fmt);
    }
    resp3_value(rd, r);
    return i;
}

enum resp3_status resp3_reader_feed(struct resp3_reader *rd, const char *p, size_t n, size_t *used,
                                    redisReply **out, struct resp3_stats *st)
{
    *out = NULL;
    *used = 0;
    if (rd->failed)
        return RESP3_ERROR;
    size_t i = 0;
    while (i < n && !rd->ready) {
        switch (rd->s) {
        case R3_TYPE:
            resp3_type_byte(rd, p[i++]);
            break;
        case R3_LINE:
            i = resp3_scan_line(rd, p, i, n);
            break;
        case R3_BULK:
            i = resp3_bulk(rd, p, i, n);
            break;
        case R3_CRLF:
            i = resp3_crlf(rd, p, i, n);
            break;
        }
        if (rd->failed) {
            *used = i;
            return RESP3_ERROR;
        }
    }
    *used = i;
    if (!rd->ready)
        return RESP3_MORE;
    *out = rd->result;
    if (st)
        *st = (struct resp3_stats){
            .kept = rd->kept,
            .dropped = rd->dropped,
            .dropped_bytes = rd->dropped_bytes,
            .cost = rd->cost,
            .push = rd->push,
        };
    rd->result = NULL;
    rd->ready = false;
    rd->cost = 0;
    rd->dropping = false;
    rd->push = false;
    rd->kept = rd->dropped = rd->dropped_bytes = 0;
    return RESP3_REPLY;
}
