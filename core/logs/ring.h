/* ring.h - bounded ring buffer of owned items that counts what it dropped.
 *
 * The log views keep their records here: a fixed number of slots (default
 * 100k, configurable); pushing into a full ring frees the oldest item and
 * counts it as dropped, so memory stays flat however many records arrive.
 * Items are opaque pointers owned by the ring and released with the free
 * function given at creation. Every push gets a sequence number (1, 2, ...)
 * so a view can tell what it has already seen after items were dropped.
 */
#ifndef ELCUI_CORE_RING_H
#define ELCUI_CORE_RING_H

#include <stddef.h>
#include <stdint.h>

#define RING_DEFAULT_CAP ((size_t)100000)

struct ring;

typedef void (*ring_free_fn)(void *item);

/* cap 0 means RING_DEFAULT_CAP. free_fn may be NULL (items not owned). */
struct ring *ring_new(size_t cap, ring_free_fn free_fn);
void ring_free(struct ring *r);

/* Take ownership of item; when full, the oldest item is freed first and
 * counted as dropped. Returns the item's sequence number. */
uint64_t ring_push(struct ring *r, void *item);

size_t ring_len(const struct ring *r);
size_t ring_cap(const struct ring *r);
/* i-th item, 0 = oldest held; NULL when out of range. */
void *ring_get(const struct ring *r, size_t i);
/* Item by sequence number; NULL when dropped or not yet pushed. */
void *ring_get_seq(const struct ring *r, uint64_t seq);
/* Sequence number of the oldest item held (next to be pushed when empty). */
uint64_t ring_first_seq(const struct ring *r);
uint64_t ring_pushed(const struct ring *r);  /* items ever pushed */
uint64_t ring_dropped(const struct ring *r); /* items freed to make room */

/* Change the capacity, keeping the newest items (older ones are dropped
 * and counted). cap 0 means RING_DEFAULT_CAP. */
void ring_set_cap(struct ring *r, size_t cap);
/* Free every item (not counted as dropped). */
void ring_clear(struct ring *r);

#endif
