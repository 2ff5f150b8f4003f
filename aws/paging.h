/* paging.h - the bounds every paginated listing keeps.
 *
 * A listing follows tokens (Marker, NextToken, nextToken) from page to
 * page. A service that sends a token it already sent would loop forever,
 * and one that sends a new token on every page would page forever: both
 * are bounded. paging_seen remembers every token of one listing (a 64-bit
 * hash and the length of each, so a long hostile token costs nothing to
 * keep) and says when one comes back; the page and item bounds are the
 * callers' (ELASTICACHE_PAGE_LIMIT, LOGS_PAGE_LIMIT...), set far above
 * what any real account returns, and reported as errors, never as a
 * silently shorter list.
 */
#ifndef ELCUI_AWS_PAGING_H
#define ELCUI_AWS_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The error codes of the two bounds (aws_error code). */
#define PAGING_LOOP "PaginationLoop"   /* a token came back */
#define PAGING_LIMIT "PaginationLimit" /* more pages or items than the bound */

struct paging_seen {
    uint64_t *slots; /* open addressing; 0 = empty */
    size_t n, cap;
};

/* Remember token; false when it was seen before in this listing. NULL or
 * "" are never remembered (they end a listing). */
bool paging_seen_add(struct paging_seen *s, const char *token);
size_t paging_seen_count(const struct paging_seen *s);
void paging_seen_reset(struct paging_seen *s); /* empty again, memory kept */
void paging_seen_free(struct paging_seen *s);

#endif
