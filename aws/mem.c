/* mem.c - abort-on-failure allocation and secret wiping. */
#include "aws/mem.h"

#include <jansson.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mem_fail(size_t n)
{
    fprintf(stderr, "elcui: out of memory (%zu bytes)\n", n);
    abort();
}

void *mem_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_fail(n);
    return p;
}

void *mem_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mem_fail(n * size);
    return p;
}

void *mem_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_fail(n);
    return q;
}

void *mem_xgrow(void *p, size_t *cap, size_t want, size_t item_size)
{
    if (want <= *cap)
        return p;
    size_t c = *cap ? *cap : 8;
    while (c < want) {
        if (c > ((size_t)-1) / 2 / item_size)
            mem_fail(want * item_size);
        c *= 2;
    }
    p = mem_xrealloc(p, c * item_size);
    *cap = c;
    return p;
}

void *mem_xextend(void *p, size_t n, size_t k, size_t item_size)
{
    char *q = mem_xrealloc(p, (n + k) * item_size);
    memset(q + n * item_size, 0, k * item_size);
    return q;
}

char *mem_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *d = mem_xmalloc(n + 1);
    memcpy(d, s, n + 1);
    return d;
}

char *mem_xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t l = strnlen(s, n);
    char *d = mem_xmalloc(l + 1);
    memcpy(d, s, l);
    d[l] = '\0';
    return d;
}

char *mem_xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        mem_fail(0);
    char *s = mem_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *mem_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mem_xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void mem_xpush(char ***v, size_t *n, char *s)
{
    *v = mem_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = s;
}

void mem_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

void mem_free_secret(char *s)
{
    if (!s)
        return;
    mem_wipe(s, strlen(s));
    free(s);
}

void mem_replace_secret(char **dst, const char *src)
{
    mem_free_secret(*dst);
    *dst = mem_xstrdup(src);
}

int mem_ct_compare(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n);
}

/* jansson allocates parse buffers and strings of response bodies, some of
 * which hold secrets (SecretString, decrypted SSM values), and frees them
 * without wiping. Its free is replaced, before anything can allocate JSON,
 * by one that wipes the whole block first. Blocks still come from malloc,
 * so callers keep freeing json_dumps() output with free(). */
static void mem_json_free(void *p)
{
    if (!p)
        return;
#ifdef __GLIBC__
    OPENSSL_cleanse(p, malloc_usable_size(p));
#endif
    free(p);
}

__attribute__((constructor)) static void mem_json_install(void)
{
    json_set_alloc_funcs(malloc, mem_json_free);
}
