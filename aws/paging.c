/* paging.c - tokens seen by a listing (see paging.h). */
#include "aws/paging.h"

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"

/* FNV-1a over the bytes, the length folded in; never 0 (the empty slot). */
static uint64_t paging_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    h ^= (uint64_t)n * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return h ? h : 1;
}

static void paging_put(uint64_t *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)(h & (cap - 1));
    while (slots[i] && slots[i] != h)
        i = (i + 1) & (cap - 1);
    slots[i] = h;
}

bool paging_seen_add(struct paging_seen *s, const char *token)
{
    if (!token || !*token)
        return true;
    uint64_t h = paging_hash(token, strlen(token));
    if (s->cap) {
        size_t i = (size_t)(h & (s->cap - 1));
        while (s->slots[i]) {
            if (s->slots[i] == h)
                return false;
            i = (i + 1) & (s->cap - 1);
        }
    }
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *slots = mem_xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                paging_put(slots, cap, s->slots[i]);
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    paging_put(s->slots, s->cap, h);
    s->n++;
    return true;
}

size_t paging_seen_count(const struct paging_seen *s)
{
    return s->n;
}

void paging_seen_reset(struct paging_seen *s)
{
    if (s->slots)
        memset(s->slots, 0, s->cap * sizeof(*s->slots));
    s->n = 0;
}

void paging_seen_free(struct paging_seen *s)
{
    free(s->slots);
    memset(s, 0, sizeof(*s));
}
