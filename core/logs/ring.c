/* ring.c - bounded ring buffer of owned items. */
#include "core/logs/ring.h"

#include <stdlib.h>

#include "aws/mem.h"

struct ring {
    void **slot;
    size_t cap;
    size_t head; /* index of the oldest item */
    size_t len;
    uint64_t pushed;
    uint64_t dropped;
    ring_free_fn free_fn;
};

struct ring *ring_new(size_t cap, ring_free_fn free_fn)
{
    struct ring *r = mem_xcalloc(1, sizeof(*r));
    r->cap = cap ? cap : RING_DEFAULT_CAP;
    r->slot = mem_xcalloc(r->cap, sizeof(void *));
    r->free_fn = free_fn;
    return r;
}

static void ring_release(struct ring *r, void *item)
{
    if (r->free_fn && item)
        r->free_fn(item);
}

void ring_clear(struct ring *r)
{
    for (size_t i = 0; i < r->len; i++) {
        size_t at = (r->head + i) % r->cap;
        ring_release(r, r->slot[at]);
        r->slot[at] = NULL;
    }
    r->head = 0;
    r->len = 0;
}

void ring_free(struct ring *r)
{
    if (!r)
        return;
    ring_clear(r);
    free(r->slot);
    free(r);
}

uint64_t ring_push(struct ring *r, void *item)
{
    if (r->len == r->cap) {
        ring_release(r, r->slot[r->head]);
        r->slot[r->head] = item;
        r->head = (r->head + 1) % r->cap;
        r->dropped++;
    } else {
        r->slot[(r->head + r->len) % r->cap] = item;
        r->len++;
    }
    return ++r->pushed;
}

size_t ring_len(const struct ring *r)
{
    return r->len;
}

size_t ring_cap(const struct ring *r)
{
    return r->cap;
}

void *ring_get(const struct ring *r, size_t i)
{
    if (i >= r->len)
        return NULL;
    return r->slot[(r->head + i) % r->cap];
}

uint64_t ring_first_seq(const struct ring *r)
{
    return r->pushed - r->len + 1;
}

void *ring_get_seq(const struct ring *r, uint64_t seq)
{
    uint64_t first = ring_first_seq(r);
    if (seq < first || seq > r->pushed)
        return NULL;
    return ring_get(r, (size_t)(seq - first));
}

uint64_t ring_pushed(const struct ring *r)
{
    return r->pushed;
}

uint64_t ring_dropped(const struct ring *r)
{
    return r->dropped;
}

void ring_set_cap(struct ring *r, size_t cap)
{
    if (!cap)
        cap = RING_DEFAULT_CAP;
    if (cap == r->cap)
        return;
    while (r->len > cap) {
        ring_release(r, r->slot[r->head]);
        r->slot[r->head] = NULL;
        r->head = (r->head + 1) % r->cap;
        r->len--;
        r->dropped++;
    }
    void **ns = mem_xcalloc(cap, sizeof(void *));
    for (size_t i = 0; i < r->len; i++)
        ns[i] = r->slot[(r->head + i) % r->cap];
    free(r->slot);
    r->slot = ns;
    r->cap = cap;
    r->head = 0;
}
