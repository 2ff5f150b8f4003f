/* buf.c - capped dynamic buffer. */
#include "aws/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"

void buf_init(struct buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max ? max : BUF_DEFAULT_MAX;
}

static size_t buf_max(const struct buf *b)
{
    return b->max ? b->max : BUF_DEFAULT_MAX;
}

static int buf_reserve(struct buf *b, size_t extra)
{
    if (extra > buf_max(b) || b->len > buf_max(b) - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    if (b->secret) {
        /* never leave a copy of a secret behind in freed memory */
        char *n = mem_xmalloc(cap);
        if (b->data) {
            memcpy(n, b->data, b->len + 1);
            mem_wipe(b->data, b->cap);
            free(b->data);
        }
        b->data = n;
    } else {
        b->data = mem_xrealloc(b->data, cap);
    }
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_appends(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_appendc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
    if (b->secret)
        mem_wipe(b->data + b->len + 1, n - 1);
}

char *buf_steal(struct buf *b)
{
    char *s = b->data ? b->data : mem_xstrdup("");
    size_t max = b->max;
    bool secret = b->secret;
    memset(b, 0, sizeof(*b));
    b->max = max;
    b->secret = secret;
    return s;
}

void buf_reset(struct buf *b)
{
    if (b->data) {
        if (b->secret)
            mem_wipe(b->data, b->cap);
        b->data[0] = '\0';
    }
    b->len = 0;
}

void buf_free(struct buf *b)
{
    if (b->data && b->secret)
        mem_wipe(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}
