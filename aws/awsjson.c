/* awsjson.c - JSON 1.1 protocol bodies and error envelopes. */
#include "aws/awsjson.h"

#include <ctype.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/unicode.h"

char *awsjson_encode(const json_t *obj, size_t *len)
{
    char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    char *out = mem_xstrdup(s ? s : "{}");
    if (s) {
        mem_wipe(s, strlen(s));
        free(s);
    }
    if (len)
        *len = strlen(out);
    return out;
}

static bool awsjson_blank(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)body[i]))
            return false;
    return true;
}

/* "com.amazonaws.kms#NotFoundException" -> "NotFoundException";
 * "ValidationException:http://..." -> "ValidationException". */
static void awsjson_clean_code(const char *type, char *out, size_t n)
{
    const char *hash = strrchr(type, '#');
    const char *s = hash ? hash + 1 : type;
    size_t l = strcspn(s, ":");
    if (l >= n)
        l = n - 1;
    memcpy(out, s, l);
    out[l] = '\0';
}

static int awsjson_hex4(const char *p, size_t left)
{
    if (left < 6 || p[0] != '\\' || p[1] != 'u')
        return -1;
    int v = 0;
    for (int i = 2; i < 6; i++) {
        char c = p[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Copy of body with every unpaired surrogate escape replaced by \ufffd
 * (same length), or NULL when there is none. */
static char *awsjson_fix_surrogates(const char *body, size_t len)
{
    char *out = NULL;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (!in_string) {
            if (c == '"')
                in_string = true;
            continue;
        }
        if (c == '"') {
            in_string = false;
            continue;
        }
        if (c != '\\' || i + 1 >= len)
            continue;
        if (body[i + 1] != 'u') {
            i++; /* skip the escaped character */
            continue;
        }
        int v = awsjson_hex4(body + i, len - i);
        if (v < 0)
            continue;
        bool bad = false;
        if (v >= 0xD800 && v <= 0xDBFF) {
            size_t rest = i + 6 <= len ? len - i - 6 : 0;
            int lo = rest ? awsjson_hex4(body + i + 6, rest) : -1;
            if (lo >= 0xDC00 && lo <= 0xDFFF)
                i += 6; /* a proper pair: keep both */
            else
                bad = true;
        } else if (v >= 0xDC00 && v <= 0xDFFF) {
            bad = true;
        }
        if (bad) {
            if (!out) {
                out = mem_xmalloc(len + 1);
                memcpy(out, body, len);
                out[len] = '\0';
            }
            memcpy(out + i, "\\ufffd", 6);
        }
        i += 5;
    }
    return out;
}

/* ---- arenas ----
 *
 * jansson has one pair of allocation functions for the process. Once an
 * arena exists they are these two: an allocation goes to the arena a parse
 * is filling (awsjson_filling, set only around json_loadb), else to the
 * pair that was installed before (aws/mem.c's malloc and wiping free); a
 * free of memory inside a live arena's blocks does nothing (the arena
 * wipes and releases it at reset), anything else goes to the previous
 * free. Values allocated before the switch are freed as they always were. */

#define AWSJSON_BLOCK_MIN ((size_t)64 * 1024)
/* An arena of one block this small keeps it across resets. */
#define AWSJSON_BLOCK_SMALL ((size_t)256 * 1024)
/* A tree larger than this does not size the next parse's first block. */
#define AWSJSON_BLOCK_KEEP ((size_t)64 * 1024 * 1024)
/* The largest block of a reset arena stays mapped (wiped) up to this size:
 * the next page's tree reuses pages already faulted in, instead of the
 * kernel zeroing a fresh mapping for every page (a page fault per 4 KB,
 * about a tenth of a bulk read's CPU). */
#define AWSJSON_BLOCK_REUSE ((size_t)16 * 1024 * 1024)

struct awsjson_block {
    struct awsjson_block *next;
    size_t size; /* bytes of data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct awsjson_arena {
    struct awsjson_block *blocks; /* newest first */
    size_t next_size;             /* the first block of the next parse */
    bool busy;                    /* a tree lives in it */
    struct awsjson_arena *prev, *next;
};

static json_malloc_t awsjson_prev_malloc;
static json_free_t awsjson_prev_free;
static struct awsjson_arena *awsjson_live;
static _Thread_local struct awsjson_arena *awsjson_filling;

/* Blocks are mapped on their own, not taken from malloc: a page's tree
 * (10 MB and more) goes back to the system at reset, whatever malloc's
 * heap looks like by then (glibc raises its mmap threshold after freeing
 * a large block, and later ones would stay in the heap). */
static struct awsjson_block *awsjson_block_new(size_t size)
{
    size_t page = 4096;
    size_t total = (sizeof(struct awsjson_block) + size + page - 1) & ~(page - 1);
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "elcui: out of memory (%zu bytes)\n", total);
        abort();
    }
    struct awsjson_block *b = p;
    b->size = total - sizeof(*b);
    b->used = 0;
    return b;
}

/* A kept block's used bytes are wiped before the next tree: explicit_bzero
 * (memset that is never elided) rather than mem_wipe's OPENSSL_cleanse,
 * which clears a byte or a word at a time: a bulk read wipes every page's
 * tree and every message's, 270 MB for 100,000 events, where that took
 * 2,000 instructions an event. */
static void awsjson_block_wipe(struct awsjson_block *b)
{
    if (b->used)
        explicit_bzero(b->data, b->used);
    b->used = 0;
}

/* Unmapped memory goes back to the kernel, which clears it before any
 * other use; so only a kept block is wiped. */
static void awsjson_block_free(struct awsjson_block *b)
{
    munmap(b, sizeof(*b) + b->size);
}

static void *awsjson_arena_alloc(struct awsjson_arena *a, size_t n)
{
    n = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    if (n == 0)
        n = alignof(max_align_t);
    struct awsjson_block *b = a->blocks;
    if (!b || b->size - b->used < n) {
        size_t size = a->next_size > AWSJSON_BLOCK_MIN ? a->next_size : AWSJSON_BLOCK_MIN;
        a->next_size = 0;
        if (b && size < b->size * 2)
            size = b->size * 2;
        if (size < n)
            size = n;
        b = awsjson_block_new(size);
        b->used = 0;
        b->next = a->blocks;
        a->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static bool awsjson_arena_has(const struct awsjson_arena *a, const void *p)
{
    for (const struct awsjson_block *b = a->blocks; b; b = b->next)
        if ((const unsigned char *)p >= b->data && (const unsigned char *)p < b->data + b->size)
            return true;
    return false;
}

static void *awsjson_hook_malloc(size_t n)
{
    struct awsjson_arena *a = awsjson_filling;
    return a ? awsjson_arena_alloc(a, n) : awsjson_prev_malloc(n);
}

static void awsjson_hook_free(void *p)
{
    if (!p)
        return;
    for (const struct awsjson_arena *a = awsjson_live; a; a = a->next)
        if (awsjson_arena_has(a, p))
            return;
    awsjson_prev_free(p);
}

struct awsjson_arena *awsjson_arena_new(void)
{
    if (!awsjson_prev_malloc) {
        json_get_alloc_funcs(&awsjson_prev_malloc, &awsjson_prev_free);
        if (!awsjson_prev_malloc || !awsjson_prev_free) {
            awsjson_prev_malloc = malloc;
            awsjson_prev_free = free;
        }
        json_set_alloc_funcs(awsjson_hook_malloc, awsjson_hook_free);
    }
    struct awsjson_arena *a = mem_xcalloc(1, sizeof(*a));
    a->next = awsjson_live;
    if (awsjson_live)
        awsjson_live->prev = a;
    awsjson_live = a;
    return a;
}

void awsjson_arena_reset(struct awsjson_arena *a)
{
    if (!a)
        return;
    a->busy = false;
    struct awsjson_block *b0 = a->blocks;
    if (b0 && !b0->next && b0->size <= AWSJSON_BLOCK_SMALL) {
        /* small trees (one record's message): the block is kept */
        awsjson_block_wipe(b0);
        return;
    }
    /* kept: a block the whole tree would have fitted in (the next page,
     * of about the same size, then takes it alone); otherwise every block
     * goes and the next parse's first block is sized from this one */
    size_t used = 0;
    struct awsjson_block *keep = NULL;
    for (struct awsjson_block *b = a->blocks; b; b = b->next) {
        used += b->used;
        if (b->size <= AWSJSON_BLOCK_REUSE && (!keep || b->size > keep->size))
            keep = b;
    }
    if (keep && keep->size < used)
        keep = NULL;
    used = 0;
    while (a->blocks) {
        struct awsjson_block *b = a->blocks;
        a->blocks = b->next;
        used += b->used;
        if (b != keep)
            awsjson_block_free(b);
    }
    if (keep) {
        awsjson_block_wipe(keep);
        keep->next = NULL;
        a->blocks = keep;
    }
    if (used <= AWSJSON_BLOCK_KEEP && (!keep || used > keep->size))
        a->next_size = used + used / 4;
}

void awsjson_arena_free(struct awsjson_arena *a)
{
    if (!a)
        return;
    awsjson_arena_reset(a);
    while (a->blocks) { /* the kept one (wiped by the reset) */
        struct awsjson_block *b = a->blocks;
        a->blocks = b->next;
        awsjson_block_free(b);
    }
    if (a->prev)
        a->prev->next = a->next;
    else
        awsjson_live = a->next;
    if (a->next)
        a->next->prev = a->prev;
    free(a);
}

bool awsjson_arena_busy(const struct awsjson_arena *a)
{
    return a && a->busy;
}

size_t awsjson_arena_used(const struct awsjson_arena *a)
{
    size_t n = 0;
    for (const struct awsjson_block *b = a ? a->blocks : NULL; b; b = b->next)
        n += b->used;
    return n;
}

size_t awsjson_arena_held(const struct awsjson_arena *a)
{
    size_t n = 0;
    for (const struct awsjson_block *b = a ? a->blocks : NULL; b; b = b->next)
        n += b->size;
    return n;
}

bool awsjson_arena_owns(const struct awsjson_arena *a, const json_t *v)
{
    return a && v && awsjson_arena_has(a, v);
}

/* json_loadb, into a when it is free to take a tree. A failed parse
 * leaves nothing in it. */
static json_t *awsjson_loadb_in(struct awsjson_arena *a, const char *buf, size_t len, size_t flags,
                                json_error_t *je)
{
    if (!a || a->busy)
        return json_loadb(buf, len, flags, je);
    awsjson_filling = a;
    json_t *j = json_loadb(buf, len, flags, je);
    awsjson_filling = NULL;
    if (j && awsjson_arena_has(a, j))
        a->busy = true;
    else
        awsjson_arena_reset(a); /* failed, or a constant (null, true, false) */
    return j;
}

json_t *awsjson_loadb_arena(struct awsjson_arena *a, const char *buf, size_t len, size_t flags,
                            json_error_t *je)
{
    return awsjson_loadb_in(a, buf, len, flags, je);
}

/* The tree j is done with: decref, or the arena released. */
static void awsjson_drop(struct awsjson_arena *a, json_t *j)
{
    if (a && j && awsjson_arena_owns(a, j))
        awsjson_arena_reset(a);
    else
        json_decref(j);
}

static int awsjson_parse_in(struct awsjson_arena *a, const char *body, size_t len, int http_status,
                            json_t **out, struct aws_error *err);

int awsjson_parse(const char *body, size_t len, int http_status, json_t **out,
                  struct aws_error *err)
{
    return awsjson_parse_in(NULL, body, len, http_status, out, err);
}

int awsjson_parse_arena(struct awsjson_arena *a, const char *body, size_t len, int http_status,
                        json_t **out, struct aws_error *err)
{
    return awsjson_parse_in(a, body, len, http_status, out, err);
}

static int awsjson_parse_in(struct awsjson_arena *a, const char *body, size_t len, int http_status,
                            json_t **out, struct aws_error *err)
{
    *out = NULL;
    bool ok_status = http_status >= 200 && http_status < 300;
    if (ok_status && (!body || awsjson_blank(body, len))) {
        *out = json_object();
        return 0;
    }
    json_error_t je;
    if (!ok_status)
        a = NULL; /* an error body is small and read once */
    /* NUL characters are legal JSON (\u0000) and occur in log messages. */
    json_t *j = body ? awsjson_loadb_in(a, body, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je) : NULL;
    if (!j && body) {
        /* Some servers send lone UTF-16 surrogate escapes (\udc80 for an
         * invalid byte); jansson rejects them and the whole page would be
         * lost, so they become U+FFFD and the body is parsed again. */
        char *fixed = awsjson_fix_surrogates(body, len);
        if (fixed) {
            j = awsjson_loadb_in(a, fixed, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
            free(fixed);
        }
    }
    if (ok_status && j && json_is_null(j)) {
        /* "null" for an operation without output (moto does this); botocore
         * accepts it, so it is an empty object here too */
        awsjson_drop(a, j);
        *out = json_object();
        return 0;
    }
    if (ok_status) {
        if (!j || !json_is_object(j)) {
            if (j)
                aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                              "JSON response is not an object (%zu bytes)", len);
            else
                aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                              "malformed or truncated JSON response (%zu bytes): %s at line %d "
                              "column %d",
                              len, je.text, je.line, je.column);
            err->http_status = http_status;
            awsjson_drop(a, j);
            return -1;
        }
        *out = j;
        return 0;
    }
    const char *type = j && json_is_object(j) ? awsjson_str(j, "__type") : NULL;
    if (type && *type) {
        char code[96];
        awsjson_clean_code(type, code, sizeof(code));
        const char *msg = awsjson_str(j, "message");
        if (!msg)
            msg = awsjson_str(j, "Message");
        aws_error_set(err, AWS_ERR_SERVICE, code, "%s", msg ? msg : "");
        if (!msg) {
            free(err->message);
            err->message = NULL;
        }
    } else {
        size_t show = body ? (len > 200 ? 200 : len) : 0;
        char *snippet = mem_xstrndup(body ? body : "", show);
        for (char *c = snippet; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        aws_error_set(err, AWS_ERR_HTTP, "HttpError", "HTTP %d with no readable error body%s%s%s",
                      http_status, show ? ": \"" : "", snippet, show ? "\"" : "");
        free(snippet);
    }
    err->http_status = http_status;
    json_decref(j);
    return -1;
}

const char *awsjson_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long awsjson_int(const json_t *obj, const char *key, long long def)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d > -9.2e18 && d < 9.2e18)
            return (long long)d;
    }
    return def;
}

double awsjson_num(const json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

int awsjson_bool(const json_t *obj, const char *key, int def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

int64_t awsjson_time_ms(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_number(v)) {
        double s = json_number_value(v);
        if (s > 0 && s < 253402300800.0)
            return (int64_t)(s * 1000.0 + 0.5);
        return 0;
    }
    int64_t ms = 0;
    if (json_is_string(v) && awstime_parse_iso8601(json_string_value(v), &ms))
        return ms;
    return 0;
}

char *awsjson_strdup(const json_t *obj, const char *key)
{
    return mem_xstrdup(awsjson_str(obj, key));
}

const json_t *awsjson_array(const json_t *obj, const char *key, bool *bad)
{
    const json_t *a = json_object_get(obj, key);
    if (!a || json_is_null(a))
        return NULL;
    if (!json_is_array(a)) {
        *bad = true;
        return NULL;
    }
    return a;
}

void awsjson_set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

void awsjson_set_tags(json_t *o, const char *kname, const char *vname, const char *const *key,
                      const char *const *value, size_t n, size_t stride)
{
    if (!key || !value || n == 0)
        return;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *k = *(const char *const *)((const char *)key + i * stride);
        const char *v = *(const char *const *)((const char *)value + i * stride);
        json_array_append_new(a, json_pack("{s:s,s:s}", kname, k ? k : "", vname, v ? v : ""));
    }
    json_object_set_new(o, "Tags", a);
}

json_t *awsjson_string_lossy(const char *v, size_t n)
{
    json_t *s = json_stringn(v, n);
    if (s)
        return s;
    struct buf b;
    buf_init(&b, 0);
    const unsigned char *u = (const unsigned char *)v;
    for (size_t i = 0; i < n;) {
        size_t l = unicode_utf8_seq(u + i, n - i, NULL);
        if (l) {
            buf_append(&b, u + i, l);
            i += l;
        } else {
            buf_append(&b, "\xef\xbf\xbd", 3);
            i++;
        }
    }
    s = json_stringn(b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}
