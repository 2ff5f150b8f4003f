/* logrec.c - ElastiCache slow-log and engine-log records
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Log_Delivery.html). */
#include "core/logs/logrec.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awsjson.h"
#include "aws/awstime.h"
#include "aws/mem.h"
#include "aws/unicode.h"

/* ---- UTF-8 ---- */

/* Code points that are valid but must not reach a terminal as such: C1
 * controls, bidi embeddings/overrides/isolates (Trojan Source), zero-width
 * and line/paragraph separators, BOM, interlinear annotation. */
static bool logrec_cp_hidden(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200b || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* ---- output writer ----
 *
 * Output is built in a small chunk on the stack and appended to the buffer
 * when the chunk fills (and at the end): one buf_append per kilobyte or so
 * instead of one per run of plain text and per escape (a bulk read writes
 * 100,000 records and more, each a few hundred bytes with a dozen escapes). */

#define LOGREC_CHUNK 1024

struct logrec_out {
    struct buf *b;
    size_t n;
    int rc;
    char c[LOGREC_CHUNK];
};

static void logrec_out_init(struct logrec_out *o, struct buf *b)
{
    o->b = b;
    o->n = 0;
    o->rc = 0;
}

static void logrec_out_flush(struct logrec_out *o)
{
    if (o->n && buf_append(o->b, o->c, o->n) != 0)
        o->rc = -1;
    o->n = 0;
}

/* Room for k more bytes (k <= LOGREC_CHUNK) at the chunk's end. */
static char *logrec_out_room(struct logrec_out *o, size_t k)
{
    if (o->n + k > LOGREC_CHUNK)
        logrec_out_flush(o);
    return o->c + o->n;
}

static void logrec_out_bytes(struct logrec_out *o, const void *p, size_t k)
{
    if (k > LOGREC_CHUNK / 2) {
        logrec_out_flush(o);
        if (buf_append(o->b, p, k) != 0)
            o->rc = -1;
        return;
    }
    memcpy(logrec_out_room(o, k), p, k);
    o->n += k;
}

static void logrec_out_str(struct logrec_out *o, const char *s)
{
    logrec_out_bytes(o, s, strlen(s));
}

static void logrec_out_char(struct logrec_out *o, char c)
{
    *logrec_out_room(o, 1) = c;
    o->n++;
}

static int logrec_out_done(struct logrec_out *o)
{
    logrec_out_flush(o);
    return o->rc;
}

static const char logrec_hex[] = "0123456789abcdef";

/* Bytes that pass as they are: printable ASCII but the backslash (plus
 * the quote in JSON). A table: one load a byte in the scan for runs. */
#define LR_SAFE(c) ((c) >= 0x20 && (c) < 0x7f && (c) != '\\')
#define LR_JSON(c) (LR_SAFE(c) && (c) != '"')
#define LR_ROW(F, b)                                                                               \
    F((b) + 0), F((b) + 1), F((b) + 2), F((b) + 3), F((b) + 4), F((b) + 5), F((b) + 6),            \
        F((b) + 7), F((b) + 8), F((b) + 9), F((b) + 10), F((b) + 11), F((b) + 12), F((b) + 13),    \
        F((b) + 14), F((b) + 15)
#define LR_TABLE(F)                                                                                \
    {                                                                                              \
        LR_ROW(F, 0x00), LR_ROW(F, 0x10), LR_ROW(F, 0x20), LR_ROW(F, 0x30), LR_ROW(F, 0x40),       \
            LR_ROW(F, 0x50), LR_ROW(F, 0x60), LR_ROW(F, 0x70), LR_ROW(F, 0x80), LR_ROW(F, 0x90),   \
            LR_ROW(F, 0xa0), LR_ROW(F, 0xb0), LR_ROW(F, 0xc0), LR_ROW(F, 0xd0), LR_ROW(F, 0xe0),   \
            LR_ROW(F, 0xf0)                                                                        \
    }
static const unsigned char logrec_plain_safe[256] = LR_TABLE(LR_SAFE);
static const unsigned char logrec_plain_json[256] = LR_TABLE(LR_JSON);
#undef LR_TABLE
#undef LR_ROW
#undef LR_JSON
#undef LR_SAFE

/* The end of the run of plain bytes at p[i..n). */
static size_t logrec_plain_run(const unsigned char *tbl, const unsigned char *p, size_t i, size_t n)
{
    while (i + 4 <= n && tbl[p[i]] && tbl[p[i + 1]] && tbl[p[i + 2]] && tbl[p[i + 3]])
        i += 4;
    while (i < n && tbl[p[i]])
        i++;
    return i;
}

/* "\xNN" */
static void logrec_out_hexbyte(struct logrec_out *o, const char *pre, unsigned char c)
{
    char *d = logrec_out_room(o, 4);
    d[0] = pre[0];
    d[1] = pre[1];
    d[2] = logrec_hex[c >> 4];
    d[3] = logrec_hex[c & 15];
    o->n += 4;
}

/* "\u" and four lowercase hex digits (as printf's %04x for v <= 0xffff) */
static void logrec_out_u16(struct logrec_out *o, unsigned v)
{
    char *d = logrec_out_room(o, 6);
    d[0] = '\\';
    d[1] = 'u';
    d[2] = logrec_hex[(v >> 12) & 15];
    d[3] = logrec_hex[(v >> 8) & 15];
    d[4] = logrec_hex[(v >> 4) & 15];
    d[5] = logrec_hex[v & 15];
    o->n += 6;
}

static void logrec_out_safe(struct logrec_out *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* copy the longest run of plain printable ASCII at once */
        size_t run = logrec_plain_run(logrec_plain_safe, p, i, n);
        if (run > i) {
            logrec_out_bytes(o, p + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        if (c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
            char *d = logrec_out_room(o, 2);
            d[0] = '\\';
            d[1] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '0';
            o->n += 2;
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            logrec_out_hexbyte(o, "\\x", c);
            i++;
        } else {
            uint32_t cp;
            size_t l = unicode_utf8_seq(p + i, n - i, &cp);
            if (l == 0) {
                logrec_out_hexbyte(o, "\\x", c);
                i++;
            } else if (logrec_cp_hidden(cp)) {
                /* every hidden code point is below U+10000: four digits */
                char *d = logrec_out_room(o, 10);
                int k = snprintf(d, 10, "\\u{%04x}", (unsigned)cp);
                o->n += (size_t)k;
                i += l;
            } else {
                logrec_out_bytes(o, p + i, l);
                i += l;
            }
        }
    }
}

int logrec_safe_append(struct buf *b, const char *s, size_t n)
{
    struct logrec_out o;
    logrec_out_init(&o, b);
    logrec_out_safe(&o, s, n);
    return logrec_out_done(&o);
}

int logrec_safe_appends(struct buf *b, const char *s)
{
    return logrec_safe_append(b, s ? s : "", s ? strlen(s) : 0);
}

static void logrec_out_json(struct logrec_out *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    logrec_out_char(o, '"');
    size_t i = 0;
    while (i < n) {
        size_t run = logrec_plain_run(logrec_plain_json, p, i, n);
        if (run > i) {
            logrec_out_bytes(o, p + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
            char *d = logrec_out_room(o, 2);
            d[0] = '\\';
            d[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
            o->n += 2;
            i++;
        } else if (c < 0x80) {
            logrec_out_u16(o, c);
            i++;
        } else {
            uint32_t cp;
            size_t l = unicode_utf8_seq(p + i, n - i, &cp);
            if (l == 0) {
                logrec_out_u16(o, 0xdc00u | c);
                i++;
            } else if (cp >= 0x10000) {
                uint32_t v = cp - 0x10000;
                logrec_out_u16(o, (unsigned)(0xd800 + (v >> 10)));
                logrec_out_u16(o, (unsigned)(0xdc00 + (v & 0x3ff)));
                i += l;
            } else {
                logrec_out_u16(o, (unsigned)cp);
                i += l;
            }
        }
    }
    logrec_out_char(o, '"');
}

int logrec_json_append(struct buf *b, const char *s, size_t n)
{
    struct logrec_out o;
    logrec_out_init(&o, b);
    logrec_out_json(&o, s, n);
    return logrec_out_done(&o);
}

int logrec_json_appends(struct buf *b, const char *s)
{
    return logrec_json_append(b, s ? s : "", s ? strlen(s) : 0);
}

/* ---- names ---- */

const char *logrec_type_name(enum logrec_type t)
{
    switch (t) {
    case LOGREC_SLOW:
        return "slow";
    case LOGREC_ENGINE:
        return "engine";
    case LOGREC_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *logrec_format_name(enum logrec_format f)
{
    switch (f) {
    case LOGREC_FMT_JSON:
        return "json";
    case LOGREC_FMT_TEXT:
        return "text";
    case LOGREC_FMT_NONE:
        break;
    }
    return "";
}

const char *logrec_role_name(enum logrec_role r)
{
    switch (r) {
    case LOGREC_ROLE_PRIMARY:
        return "primary";
    case LOGREC_ROLE_REPLICA:
        return "replica";
    case LOGREC_ROLE_CHILD:
        return "child";
    case LOGREC_ROLE_SENTINEL:
        return "sentinel";
    case LOGREC_ROLE_NONE:
        break;
    }
    return "";
}

char logrec_role_char(enum logrec_role r)
{
    switch (r) {
    case LOGREC_ROLE_PRIMARY:
        return 'M';
    case LOGREC_ROLE_REPLICA:
        return 'S';
    case LOGREC_ROLE_CHILD:
        return 'C';
    case LOGREC_ROLE_SENTINEL:
        return 'X';
    case LOGREC_ROLE_NONE:
        break;
    }
    return '?';
}

static enum logrec_role logrec_role_from_char(int c)
{
    switch (c) {
    case 'M':
        return LOGREC_ROLE_PRIMARY;
    case 'S':
        return LOGREC_ROLE_REPLICA;
    case 'C':
        return LOGREC_ROLE_CHILD;
    case 'X':
        return LOGREC_ROLE_SENTINEL;
    default:
        return LOGREC_ROLE_NONE;
    }
}

const char *logrec_level_name(enum logrec_level l)
{
    switch (l) {
    case LOGREC_LEVEL_DEBUG:
        return "DEBUG";
    case LOGREC_LEVEL_VERBOSE:
        return "VERBOSE";
    case LOGREC_LEVEL_NOTICE:
        return "NOTICE";
    case LOGREC_LEVEL_WARNING:
        return "WARNING";
    case LOGREC_LEVEL_NONE:
        break;
    }
    return "";
}

static enum logrec_level logrec_level_from_char(int c)
{
    switch (c) {
    case '.':
        return LOGREC_LEVEL_DEBUG;
    case '-':
        return LOGREC_LEVEL_VERBOSE;
    case '*':
        return LOGREC_LEVEL_NOTICE;
    case '#':
        return LOGREC_LEVEL_WARNING;
    default:
        return LOGREC_LEVEL_NONE;
    }
}

bool logrec_level_parse(const char *s, enum logrec_level *out)
{
    static const struct {
        const char *name;
        enum logrec_level level;
    } names[] = {
        {"DEBUG", LOGREC_LEVEL_DEBUG},     {".", LOGREC_LEVEL_DEBUG},
        {"VERBOSE", LOGREC_LEVEL_VERBOSE}, {"-", LOGREC_LEVEL_VERBOSE},
        {"NOTICE", LOGREC_LEVEL_NOTICE},   {"*", LOGREC_LEVEL_NOTICE},
        {"WARNING", LOGREC_LEVEL_WARNING}, {"WARN", LOGREC_LEVEL_WARNING},
        {"#", LOGREC_LEVEL_WARNING},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return true;
        }
    return false;
}

/* ---- stream names ---- */

static bool logrec_copy_part(const char *s, size_t len, char *out, size_t n)
{
    if (len == 0 || len >= n)
        return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

bool logrec_parse_stream(const char *name, struct logrec_stream *out)
{
    memset(out, 0, sizeof(*out));
    static const char prefix[] = "elasticache/";
    if (!name || strncmp(name, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *p = name + sizeof(prefix) - 1;
    const char *part[4];
    size_t plen[4];
    for (int i = 0; i < 4; i++) {
        const char *slash = strchr(p, '/');
        if (i < 3 && !slash)
            goto bad;
        if (i == 3 && slash)
            goto bad;
        part[i] = p;
        plen[i] = slash ? (size_t)(slash - p) : strlen(p);
        p = slash ? slash + 1 : p + plen[i];
    }
    if (!logrec_copy_part(part[0], plen[0], out->engine, sizeof(out->engine)) ||
        !logrec_copy_part(part[1], plen[1], out->cache_cluster_id, sizeof(out->cache_cluster_id)) ||
        !logrec_copy_part(part[2], plen[2], out->cache_node_id, sizeof(out->cache_node_id)) ||
        !logrec_copy_part(part[3], plen[3], out->log_type, sizeof(out->log_type)))
        goto bad;
    if (strcmp(out->log_type, "slow-log") == 0)
        out->type = LOGREC_SLOW;
    else if (strcmp(out->log_type, "engine-log") == 0)
        out->type = LOGREC_ENGINE;
    else
        out->type = LOGREC_UNKNOWN;
    return true;
bad:
    memset(out, 0, sizeof(*out));
    return false;
}

/* ---- time ---- */

static int64_t logrec_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool logrec_digits(const char *s, size_t len, size_t *pos, size_t min, size_t max, int *out)
{
    size_t i = *pos, start = i;
    int v = 0;
    while (i < len && i - start < max && isdigit((unsigned char)s[i]))
        v = v * 10 + (s[i++] - '0');
    if (i - start < min)
        return false;
    *pos = i;
    *out = v;
    return true;
}

/* Parses the time at s[*pos..]; leaves *pos after it (and after " UTC"). */
static bool logrec_scan_engine_time(const char *s, size_t len, size_t *pos, int64_t *ms)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    size_t i = *pos;
    int day, year, hh, mm, ss, frac = 0, fdig = 0;
    if (!logrec_digits(s, len, &i, 1, 2, &day) || i >= len || s[i++] != ' ')
        return false;
    if (len - i < 4 || s[i + 3] != ' ')
        return false;
    int mon = -1;
    for (int m = 0; m < 12; m++)
        if (strncasecmp(s + i, months + 3 * m, 3) == 0)
            mon = m;
    if (mon < 0)
        return false;
    i += 4;
    if (!logrec_digits(s, len, &i, 4, 4, &year) || i >= len || s[i++] != ' ')
        return false;
    if (!logrec_digits(s, len, &i, 2, 2, &hh) || i >= len || s[i++] != ':')
        return false;
    if (!logrec_digits(s, len, &i, 2, 2, &mm) || i >= len || s[i++] != ':')
        return false;
    if (!logrec_digits(s, len, &i, 2, 2, &ss))
        return false;
    if (i < len && s[i] == '.') {
        i++;
        size_t st = i;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (i - st < 3) {
                frac = frac * 10 + (s[i] - '0');
                fdig++;
            }
            i++;
        }
        if (i == st)
            return false;
        while (fdig < 3) {
            frac *= 10;
            fdig++;
        }
    }
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return false;
    if (len - i >= 4 && strncmp(s + i, " UTC", 4) == 0 && (len - i == 4 || s[i + 4] == ' '))
        i += 4;
    int64_t days = logrec_days_from_civil(year, (unsigned)mon + 1, (unsigned)day);
    *ms = ((days * 24 + hh) * 60 + mm) * 60000 + (int64_t)ss * 1000 + frac;
    *pos = i;
    return true;
}

bool logrec_parse_engine_time(const char *s, size_t len, int64_t *ms)
{
    size_t pos = 0;
    if (!s || !logrec_scan_engine_time(s, len, &pos, ms))
        return false;
    return pos == len;
}

/* ---- message parsing ----
 *
 * Parsed strings are appended to a scratch buffer and remembered as
 * offsets (the buffer may move while it grows); they become pointers at
 * the end, into the scratch buffer or into the record's own block. */

#define LR_ABSENT ((size_t)-1)

enum {
    LR_CLUSTER,
    LR_NODE,
    LR_COMMAND,
    LR_CLIENT,
    LR_CLIENT_NAME,
    LR_ENGINE_TIME,
    LR_TEXT,
    LR_NSTR,
};

struct logrec_parsed {
    enum logrec_type type;
    enum logrec_format format;
    size_t off[LR_NSTR];
    size_t len[LR_NSTR]; /* the field's bytes: a NUL inside does not end it */
    bool has_id;
    long long id;
    int64_t slow_time_s;
    int64_t duration_us;
    enum logrec_level level;
    enum logrec_role role;
    int64_t engine_time_ms;
};

static void logrec_parsed_init(struct logrec_parsed *p)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < LR_NSTR; i++)
        p->off[i] = LR_ABSENT;
    p->duration_us = -1;
}

static void logrec_put(struct logrec_parsed *p, int which, struct buf *sc, const char *s, size_t n)
{
    size_t at = sc->len;
    /* the scratch buffer's cap is larger than any message it is fed from */
    if (buf_append(sc, s, n) != 0 || buf_appendc(sc, '\0') != 0) {
        p->off[which] = LR_ABSENT;
        p->len[which] = 0;
        return;
    }
    p->off[which] = at;
    p->len[which] = n;
}

static bool logrec_json_int(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d < -9.2e18 || d > 9.2e18)
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (!*s || *end || errno)
            return false;
        *out = x;
        return true;
    }
    return false;
}

static void logrec_json_str(struct logrec_parsed *p, int which, struct buf *sc, const json_t *v)
{
    if (json_is_string(v))
        logrec_put(p, which, sc, json_string_value(v), json_string_length(v));
}

/* The members of an ElastiCache log object that a record reads. */
enum {
    LJ_DURATION_US, /* "Duration (us)" */
    LJ_DURATION,    /* "Duration" (older layouts) */
    LJ_COMMAND,
    LJ_MESSAGE,
    LJ_LOG_LEVEL,
    LJ_ROLE,
    LJ_TIME,
    LJ_ID,
    LJ_TIMESTAMP,
    LJ_CLUSTER,
    LJ_NODE,
    LJ_CLIENT,
    LJ_CLIENT_NAME,
    LJ_N,
};

static const struct {
    const char *name;
    size_t len;
} logrec_jkeys[LJ_N] = {
#define LJ(s)                                                                                      \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
    [LJ_DURATION_US] = LJ("Duration (us)"),
    [LJ_DURATION] = LJ("Duration"),
    [LJ_COMMAND] = LJ("Command"),
    [LJ_MESSAGE] = LJ("Message"),
    [LJ_LOG_LEVEL] = LJ("LogLevel"),
    [LJ_ROLE] = LJ("Role"),
    [LJ_TIME] = LJ("Time"),
    [LJ_ID] = LJ("Id"),
    [LJ_TIMESTAMP] = LJ("Timestamp"),
    [LJ_CLUSTER] = LJ("CacheClusterId"),
    [LJ_NODE] = LJ("CacheNodeId"),
    [LJ_CLIENT] = LJ("ClientAddress"),
    [LJ_CLIENT_NAME] = LJ("ClientName"),
#undef LJ
};

/* The members of o that a record reads, in one pass over its keys (one
 * lookup by name each would hash every name again); a key matches as
 * json_object_get() matches it: the same length, the same bytes. */
static void logrec_json_members(const json_t *o, const json_t *v[LJ_N])
{
    for (int k = 0; k < LJ_N; k++)
        v[k] = NULL;
    for (void *it = json_object_iter((json_t *)(uintptr_t)o); it;
         it = json_object_iter_next((json_t *)(uintptr_t)o, it)) {
        const char *key = json_object_iter_key(it);
        size_t len = json_object_iter_key_len(it);
        for (int k = 0; k < LJ_N; k++) {
            if (logrec_jkeys[k].len == len && memcmp(logrec_jkeys[k].name, key, len) == 0) {
                v[k] = json_object_iter_value(it);
                break;
            }
        }
    }
}

/* The message's object lives in an arena while its fields are copied out
 * (no allocation and wiping free per value; main thread only, like the
 * rest of the engine): one for the process, empty between parses. */
static struct awsjson_arena *logrec_arena;

static void logrec_json_slow(struct logrec_parsed *p, struct buf *sc, const json_t *const v[LJ_N])
{
    int64_t x;
    if (logrec_json_int(v[LJ_ID], &x)) {
        p->has_id = true;
        p->id = x;
    }
    if (logrec_json_int(v[LJ_TIMESTAMP], &x))
        p->slow_time_s = x;
    logrec_json_str(p, LR_COMMAND, sc, v[LJ_COMMAND]);
    logrec_json_str(p, LR_CLIENT, sc, v[LJ_CLIENT]);
    logrec_json_str(p, LR_CLIENT_NAME, sc, v[LJ_CLIENT_NAME]);
}

static void logrec_json_engine(struct logrec_parsed *p, struct buf *sc, const json_t *const v[LJ_N])
{
    const json_t *lvl = v[LJ_LOG_LEVEL], *role = v[LJ_ROLE], *tm = v[LJ_TIME];
    if (json_is_string(lvl)) {
        enum logrec_level l;
        if (logrec_level_parse(json_string_value(lvl), &l))
            p->level = l;
    }
    if (json_is_string(role) && json_string_length(role) == 1)
        p->role = logrec_role_from_char(json_string_value(role)[0]);
    if (json_is_string(tm)) {
        int64_t ms;
        logrec_put(p, LR_ENGINE_TIME, sc, json_string_value(tm), json_string_length(tm));
        if (logrec_parse_engine_time(json_string_value(tm), json_string_length(tm), &ms))
            p->engine_time_ms = ms;
    }
    logrec_json_str(p, LR_TEXT, sc, v[LJ_MESSAGE]);
}

static enum logrec_type logrec_parse_json(const char *msg, size_t len, enum logrec_type want,
                                          struct logrec_parsed *p, struct buf *sc)
{
    json_error_t je;
    if (!logrec_arena)
        logrec_arena = awsjson_arena_new();
    json_t *o = awsjson_loadb_arena(logrec_arena, msg, len, JSON_ALLOW_NUL, &je);
    if (!o)
        return LOGREC_UNKNOWN;
    enum logrec_type t = LOGREC_UNKNOWN;
    if (!json_is_object(o))
        goto out;
    const json_t *v[LJ_N];
    logrec_json_members(o, v);
    const json_t *dur = v[LJ_DURATION_US] ? v[LJ_DURATION_US] : v[LJ_DURATION];
    int64_t d = 0;
    bool slow_ok = dur && logrec_json_int(dur, &d) && d >= 0 && json_is_string(v[LJ_COMMAND]);
    bool engine_ok = json_is_string(v[LJ_MESSAGE]) &&
                     (json_is_string(v[LJ_LOG_LEVEL]) || v[LJ_ROLE] || v[LJ_TIME]);
    if (slow_ok && (want != LOGREC_ENGINE || !engine_ok))
        t = LOGREC_SLOW;
    else if (engine_ok)
        t = LOGREC_ENGINE;
    else
        goto out;
    p->type = t;
    p->format = LOGREC_FMT_JSON;
    logrec_json_str(p, LR_CLUSTER, sc, v[LJ_CLUSTER]);
    logrec_json_str(p, LR_NODE, sc, v[LJ_NODE]);
    if (t == LOGREC_SLOW) {
        p->duration_us = d;
        logrec_json_slow(p, sc, v);
    } else {
        logrec_json_engine(p, sc, v);
    }
out:
    if (awsjson_arena_owns(logrec_arena, o))
        awsjson_arena_reset(logrec_arena);
    else
        json_decref(o);
    return t;
}

static bool logrec_all_digits(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static const char *logrec_memrchr(const char *s, size_t n, char c)
{
    while (n > 0) {
        if (s[n - 1] == c)
            return s + n - 1;
        n--;
    }
    return NULL;
}

/* cluster,node,timestamp,duration,command...,client address,client name */
static enum logrec_type logrec_parse_text_slow(const char *msg, size_t len, struct logrec_parsed *p,
                                               struct buf *sc)
{
    const char *f[4];
    size_t fl[4];
    const char *s = msg, *end = msg + len;
    for (int i = 0; i < 4; i++) {
        const char *c = memchr(s, ',', (size_t)(end - s));
        if (!c)
            return LOGREC_UNKNOWN;
        f[i] = s;
        fl[i] = (size_t)(c - s);
        s = c + 1;
    }
    /* s..end: command,client,name (split from the right) */
    const char *c2 = logrec_memrchr(s, (size_t)(end - s), ',');
    if (!c2)
        return LOGREC_UNKNOWN;
    const char *c1 = logrec_memrchr(s, (size_t)(c2 - s), ',');
    if (!c1)
        return LOGREC_UNKNOWN;
    int64_t ts, dur;
    if (fl[0] == 0 || fl[1] == 0 || !logrec_all_digits(f[2], fl[2], &ts) ||
        !logrec_all_digits(f[3], fl[3], &dur))
        return LOGREC_UNKNOWN;
    if (memchr(f[0], '\0', fl[0]) || memchr(f[1], '\0', fl[1]))
        return LOGREC_UNKNOWN;
    p->type = LOGREC_SLOW;
    p->format = LOGREC_FMT_TEXT;
    logrec_put(p, LR_CLUSTER, sc, f[0], fl[0]);
    logrec_put(p, LR_NODE, sc, f[1], fl[1]);
    p->slow_time_s = ts;
    p->duration_us = dur;
    logrec_put(p, LR_COMMAND, sc, s, (size_t)(c1 - s));
    logrec_put(p, LR_CLIENT, sc, c1 + 1, (size_t)(c2 - c1 - 1));
    size_t nl = (size_t)(end - c2 - 1);
    /* a trailing newline is not part of the client name */
    while (nl > 0 && (c2[nl] == '\n' || c2[nl] == '\r'))
        nl--;
    logrec_put(p, LR_CLIENT_NAME, sc, c2 + 1, nl);
    return LOGREC_SLOW;
}

/* <cluster>/<node>:<Role> <Time> <level char> <message> */
static enum logrec_type logrec_parse_text_engine(const char *msg, size_t len,
                                                 struct logrec_parsed *p, struct buf *sc)
{
    size_t i = 0;
    while (i < len && msg[i] != '/' && msg[i] != ' ' && msg[i] != ':' && msg[i] != '\0')
        i++;
    if (i == 0 || i >= len || msg[i] != '/')
        return LOGREC_UNKNOWN;
    size_t cl_end = i++;
    size_t node_start = i;
    while (i < len && msg[i] != ':' && msg[i] != ' ' && msg[i] != '/' && msg[i] != '\0')
        i++;
    if (i == node_start || i >= len || msg[i] != ':')
        return LOGREC_UNKNOWN;
    size_t node_end = i++;
    if (i + 1 >= len || msg[i + 1] != ' ')
        return LOGREC_UNKNOWN;
    enum logrec_role role = logrec_role_from_char(msg[i]);
    if (role == LOGREC_ROLE_NONE)
        return LOGREC_UNKNOWN;
    i += 2;
    size_t t_start = i;
    int64_t ms;
    if (!logrec_scan_engine_time(msg, len, &i, &ms))
        return LOGREC_UNKNOWN;
    size_t t_end = i;
    if (i + 2 > len || msg[i] != ' ')
        return LOGREC_UNKNOWN;
    enum logrec_level lvl = logrec_level_from_char(msg[i + 1]);
    if (lvl == LOGREC_LEVEL_NONE || (i + 2 < len && msg[i + 2] != ' '))
        return LOGREC_UNKNOWN;
    i += 2;
    if (i < len)
        i++; /* the space before the message */
    size_t tl = len - i;
    while (tl > 0 && (msg[i + tl - 1] == '\n' || msg[i + tl - 1] == '\r'))
        tl--;
    p->type = LOGREC_ENGINE;
    p->format = LOGREC_FMT_TEXT;
    logrec_put(p, LR_CLUSTER, sc, msg, cl_end);
    logrec_put(p, LR_NODE, sc, msg + node_start, node_end - node_start);
    p->role = role;
    logrec_put(p, LR_ENGINE_TIME, sc, msg + t_start, t_end - t_start);
    p->engine_time_ms = ms;
    p->level = lvl;
    logrec_put(p, LR_TEXT, sc, msg + i, tl);
    return LOGREC_ENGINE;
}

static enum logrec_type logrec_parse_into(const char *msg, size_t len, enum logrec_type want,
                                          struct logrec_parsed *p, struct buf *sc)
{
    logrec_parsed_init(p);
    if (!msg || len == 0)
        return LOGREC_UNKNOWN;
    size_t i = 0;
    while (i < len && (msg[i] == ' ' || msg[i] == '\t'))
        i++;
    enum logrec_type t = LOGREC_UNKNOWN;
    size_t mark = sc->len;
    if (i < len && msg[i] == '{') {
        t = logrec_parse_json(msg, len, want, p, sc);
    } else {
        if (want != LOGREC_ENGINE)
            t = logrec_parse_text_slow(msg, len, p, sc);
        if (t == LOGREC_UNKNOWN) {
            logrec_parsed_init(p);
            sc->len = mark;
            t = logrec_parse_text_engine(msg, len, p, sc);
        }
        if (t == LOGREC_UNKNOWN && want == LOGREC_ENGINE) {
            logrec_parsed_init(p);
            sc->len = mark;
            t = logrec_parse_text_slow(msg, len, p, sc);
        }
    }
    if (t == LOGREC_UNKNOWN) {
        logrec_parsed_init(p);
        sc->len = mark;
        if (sc->data)
            sc->data[mark] = '\0';
    }
    return t;
}

static void logrec_apply(const struct logrec_parsed *p, const char *base, struct logrec *out)
{
    const char **dst[LR_NSTR] = {
        &out->cache_cluster_id, &out->cache_node_id, &out->command, &out->client,
        &out->client_name,      &out->engine_time,   &out->text,
    };
    size_t *dlen[LR_NSTR] = {
        NULL, NULL,           &out->command_len, &out->client_len, &out->client_name_len,
        NULL, &out->text_len,
    };
    for (int i = 0; i < LR_NSTR; i++) {
        *dst[i] = p->off[i] == LR_ABSENT ? "" : base + p->off[i];
        if (dlen[i])
            *dlen[i] = p->off[i] == LR_ABSENT ? 0 : p->len[i];
    }
    out->type = p->type;
    out->format = p->format;
    out->has_id = p->has_id;
    out->id = p->id;
    out->slow_time_s = p->slow_time_s;
    out->duration_us = p->duration_us;
    out->level = p->level;
    out->role = p->role;
    out->engine_time_ms = p->engine_time_ms;
}

enum logrec_type logrec_parse_message(const char *msg, size_t len, enum logrec_type hint,
                                      struct logrec *out, struct buf *scratch)
{
    struct logrec_parsed p;
    memset(out, 0, sizeof(*out));
    out->event_id = out->log_group = out->log_stream = out->engine = "";
    out->message = msg ? msg : "";
    out->message_len = msg ? len : 0;
    logrec_parse_into(msg, len, hint, &p, scratch);
    logrec_apply(&p, buf_str(scratch), out);
    return out->type;
}

/* ---- records ---- */

struct logrec_block {
    struct logrec rec;
    size_t size;
    char data[];
};

static size_t logrec_slen(const char *s)
{
    return s ? strlen(s) : 0;
}

static char *logrec_stash(char **at, const char *s, size_t n)
{
    char *dst = *at;
    if (n)
        memcpy(dst, s, n);
    dst[n] = '\0';
    *at += n + 1;
    return dst;
}

struct logrec *logrec_new(const struct logrec_event *ev, logrec_label_fn label_fn, void *label_ctx)
{
    struct logrec_stream st;
    bool have_stream = logrec_parse_stream(ev->log_stream, &st);
    enum logrec_type want = have_stream && st.type != LOGREC_UNKNOWN ? st.type : ev->hint;

    /* the parsed fields are gathered in one scratch buffer kept for the
     * process (main thread only), then copied into the record: no
     * allocation per record but the record's own */
    static struct buf scratch;
    struct buf *sc = &scratch;
    sc->len = 0;
    sc->max = ev->message_len * 2 + 4096;
    struct logrec_parsed p;
    logrec_parse_into(ev->message, ev->message_len, want, &p, sc);

    size_t id_len = logrec_slen(ev->event_id), g_len = logrec_slen(ev->log_group),
           s_len = logrec_slen(ev->log_stream), e_len = have_stream ? strlen(st.engine) : 0,
           cl_len = have_stream ? strlen(st.cache_cluster_id) : 0,
           nd_len = have_stream ? strlen(st.cache_node_id) : 0;
    size_t total = sizeof(struct logrec_block) + id_len + g_len + s_len + ev->message_len + e_len +
                   cl_len + nd_len + sc->len + 8;
    struct logrec_block *blk = mem_xmalloc(total);
    memset(&blk->rec, 0, sizeof(blk->rec));
    blk->size = total;
    char *at = blk->data;
    struct logrec *r = &blk->rec;
    r->event_id = logrec_stash(&at, ev->event_id, id_len);
    r->log_group = logrec_stash(&at, ev->log_group, g_len);
    r->log_stream = logrec_stash(&at, ev->log_stream, s_len);
    r->message = logrec_stash(&at, ev->message, ev->message_len);
    r->message_len = ev->message_len;
    r->engine = logrec_stash(&at, st.engine, e_len);
    const char *st_cluster = logrec_stash(&at, st.cache_cluster_id, cl_len);
    const char *st_node = logrec_stash(&at, st.cache_node_id, nd_len);
    char *parsed = at;
    if (sc->len)
        memcpy(parsed, sc->data, sc->len);
    at += sc->len;
    *at = '\0';
    sc->len = 0;
    logrec_apply(&p, parsed, r);
    r->timestamp_ms = ev->timestamp_ms;
    r->ingestion_ms = ev->ingestion_ms;
    /* The stream says which node delivered the record; the record's own
     * fields are the fallback (Firehose-style shared streams). */
    if (have_stream) {
        r->cache_cluster_id = st_cluster;
        r->cache_node_id = st_node;
    }
    if (label_fn && r->cache_cluster_id[0])
        r->labelled =
            label_fn(label_ctx, r->cache_cluster_id, r->cache_node_id, r->timestamp_ms, &r->labels);
    if (!r->labelled)
        memset(&r->labels, 0, sizeof(r->labels));
    r->labels.shard[sizeof(r->labels.shard) - 1] = '\0';
    r->labels.role[sizeof(r->labels.role) - 1] = '\0';
    r->labels.az[sizeof(r->labels.az) - 1] = '\0';
    return r;
}

void logrec_free(struct logrec *r)
{
    free(r); /* the record is the first member of its block */
}

void logrec_free_void(void *r)
{
    free(r);
}

size_t logrec_size(const struct logrec *r)
{
    const struct logrec_block *blk = (const struct logrec_block *)r;
    return blk->size;
}

void logrec_command_name(const struct logrec *r, char *out, size_t n)
{
    if (n == 0)
        return;
    const char *c = r->command ? r->command : "";
    size_t l = 0;
    while (c[l] && c[l] != ' ' && l + 1 < n)
        l++;
    memcpy(out, c, l);
    out[l] = '\0';
}

/* ---- output ---- */

/* Output without printf: a bulk read formats 100,000 records and more. */
static void logrec_out_int(struct logrec_out *o, long long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    logrec_out_bytes(o, tmp + i, sizeof(tmp) - i);
}

/* v (0..999) as three digits */
static void logrec_out_ms3(struct logrec_out *o, long long v)
{
    char *d = logrec_out_room(o, 3);
    d[0] = (char)('0' + v / 100 % 10);
    d[1] = (char)('0' + v / 10 % 10);
    d[2] = (char)('0' + v % 10);
    o->n += 3;
}

static void logrec_out_duration(struct logrec_out *o, int64_t us)
{
    if (us < 1000) {
        logrec_out_int(o, (long long)us);
        logrec_out_bytes(o, "us", 2);
    } else if (us < 1000000) {
        logrec_out_int(o, (long long)(us / 1000));
        logrec_out_char(o, '.');
        logrec_out_ms3(o, (long long)(us % 1000));
        logrec_out_bytes(o, "ms", 2);
    } else {
        logrec_out_int(o, (long long)(us / 1000000));
        logrec_out_char(o, '.');
        logrec_out_ms3(o, (long long)(us / 1000 % 1000));
        logrec_out_char(o, 's');
    }
}

static void logrec_out_safes(struct logrec_out *o, const char *s)
{
    logrec_out_safe(o, s, strlen(s));
}

int logrec_format_human(const struct logrec *r, struct buf *b)
{
    struct logrec_out o;
    logrec_out_init(&o, b);
    char ts[40];
    awstime_format_iso8601(r->timestamp_ms, ts, sizeof(ts));
    logrec_out_str(&o, ts);
    logrec_out_char(&o, ' ');
    if (r->cache_cluster_id[0]) {
        logrec_out_safes(&o, r->cache_cluster_id);
        if (r->cache_node_id[0]) {
            logrec_out_char(&o, '/');
            logrec_out_safes(&o, r->cache_node_id);
        }
    } else {
        logrec_out_safes(&o, r->log_stream[0] ? r->log_stream : "-");
    }
    if (r->labelled) {
        logrec_out_bytes(&o, " [", 2);
        logrec_out_safes(&o, r->labels.shard[0] ? r->labels.shard : "-");
        logrec_out_char(&o, ' ');
        logrec_out_safes(&o, r->labels.role[0] ? r->labels.role : "-");
        logrec_out_char(&o, ' ');
        logrec_out_safes(&o, r->labels.az[0] ? r->labels.az : "-");
        logrec_out_char(&o, ']');
    }
    switch (r->type) {
    case LOGREC_SLOW:
        logrec_out_str(&o, " slow ");
        logrec_out_duration(&o, r->duration_us);
        logrec_out_char(&o, ' ');
        logrec_out_safe(&o, r->command, r->command_len);
        if (r->client_len) {
            logrec_out_str(&o, " client=");
            logrec_out_safe(&o, r->client, r->client_len);
        }
        if (r->client_name_len) {
            logrec_out_str(&o, " name=");
            logrec_out_safe(&o, r->client_name, r->client_name_len);
        }
        if (r->has_id) {
            logrec_out_str(&o, " id=");
            logrec_out_int(&o, r->id);
        }
        break;
    case LOGREC_ENGINE:
        logrec_out_str(&o, " engine ");
        logrec_out_str(&o, r->level ? logrec_level_name(r->level) : "-");
        logrec_out_char(&o, ' ');
        logrec_out_char(&o, logrec_role_char(r->role));
        logrec_out_char(&o, ' ');
        logrec_out_safe(&o, r->text, r->text_len);
        break;
    case LOGREC_UNKNOWN:
        logrec_out_str(&o, " unknown ");
        logrec_out_safe(&o, r->message, r->message_len);
        break;
    }
    return logrec_out_done(&o);
}

/* ,"key": */
#define LR_KEY(o, key) logrec_out_bytes((o), ",\"" key "\":", sizeof(",\"" key "\":") - 1)

static void logrec_out_jsons(struct logrec_out *o, const char *s)
{
    logrec_out_json(o, s, strlen(s));
}

static void logrec_format_json_slow(const struct logrec *r, struct logrec_out *o)
{
    char name[64];
    if (r->has_id) {
        LR_KEY(o, "id");
        logrec_out_int(o, r->id);
    }
    if (r->slow_time_s) {
        LR_KEY(o, "slowlogTimestamp");
        logrec_out_int(o, (long long)r->slow_time_s);
    }
    LR_KEY(o, "durationUs");
    logrec_out_int(o, (long long)r->duration_us);
    LR_KEY(o, "command");
    logrec_out_json(o, r->command, r->command_len);
    logrec_command_name(r, name, sizeof(name));
    LR_KEY(o, "commandName");
    logrec_out_jsons(o, name);
    LR_KEY(o, "clientAddress");
    logrec_out_json(o, r->client, r->client_len);
    LR_KEY(o, "clientName");
    logrec_out_json(o, r->client_name, r->client_name_len);
}

static void logrec_format_json_engine(const struct logrec *r, struct logrec_out *o)
{
    if (r->level) {
        LR_KEY(o, "level");
        logrec_out_jsons(o, logrec_level_name(r->level));
    }
    if (r->role) {
        char rc1[2] = {logrec_role_char(r->role), '\0'};
        LR_KEY(o, "engineRole");
        logrec_out_jsons(o, rc1);
        LR_KEY(o, "engineRoleName");
        logrec_out_jsons(o, logrec_role_name(r->role));
    }
    if (r->engine_time[0]) {
        LR_KEY(o, "engineTime");
        logrec_out_jsons(o, r->engine_time);
    }
    if (r->engine_time_ms) {
        LR_KEY(o, "engineTimeMs");
        logrec_out_int(o, (long long)r->engine_time_ms);
    }
    LR_KEY(o, "text");
    logrec_out_json(o, r->text, r->text_len);
}

/* ,"key":"value" when value is not "" */
static void logrec_out_kv_set(struct logrec_out *o, const char *key_lit, size_t key_len,
                              const char *v)
{
    if (!v[0])
        return;
    logrec_out_bytes(o, key_lit, key_len);
    logrec_out_jsons(o, v);
}

#define LR_KV_SET(o, key, v)                                                                       \
    logrec_out_kv_set((o), ",\"" key "\":", sizeof(",\"" key "\":") - 1, (v))

int logrec_format_json(const struct logrec *r, struct buf *b)
{
    struct logrec_out o;
    logrec_out_init(&o, b);
    logrec_out_str(&o, "{\"eventId\":");
    logrec_out_jsons(&o, r->event_id);
    LR_KEY(&o, "timestamp");
    logrec_out_int(&o, (long long)r->timestamp_ms);
    LR_KEY(&o, "ingestionTime");
    logrec_out_int(&o, (long long)r->ingestion_ms);
    LR_KEY(&o, "logGroup");
    logrec_out_jsons(&o, r->log_group);
    LR_KEY(&o, "logStream");
    logrec_out_jsons(&o, r->log_stream);
    LR_KEY(&o, "type");
    logrec_out_jsons(&o, logrec_type_name(r->type));
    if (r->format != LOGREC_FMT_NONE)
        LR_KV_SET(&o, "format", logrec_format_name(r->format));
    LR_KV_SET(&o, "engine", r->engine);
    LR_KV_SET(&o, "cacheClusterId", r->cache_cluster_id);
    LR_KV_SET(&o, "cacheNodeId", r->cache_node_id);
    LR_KV_SET(&o, "shard", r->labels.shard);
    LR_KV_SET(&o, "role", r->labels.role);
    LR_KV_SET(&o, "az", r->labels.az);
    if (r->type == LOGREC_SLOW)
        logrec_format_json_slow(r, &o);
    else if (r->type == LOGREC_ENGINE)
        logrec_format_json_engine(r, &o);
    logrec_out_str(&o, ",\"message\":");
    logrec_out_json(&o, r->message, r->message_len);
    logrec_out_char(&o, '}');
    return logrec_out_done(&o);
}
