/* nearname.h - "did you mean": the names of a known list closest to a
 * mistyped one (a region, a metric), by edit distance.
 *
 * The distance is Damerau-Levenshtein (optimal string alignment: insert,
 * delete, substitute, swap two neighbours), counted on bytes, with case
 * differences costing nothing when icase is set. Close means at most a
 * third of the longer name's length apart (at least 1, at most 4), or
 * the same name apart from case.
 */
#ifndef ELCUI_AWS_NEARNAME_H
#define ELCUI_AWS_NEARNAME_H

#include <stdbool.h>
#include <stddef.h>

/* Edit distance between a and b (capped at 255: longer names compare as
 * far apart). */
unsigned nearname_distance(const char *a, const char *b, bool icase);

/* Up to max (at most 16) names of names[0..n) close to name, closest
 * first (ties in list order) and none more than one edit further than the
 * closest, into out; returns how many. */
size_t nearname_pick(const char *name, const char *const *names, size_t n, const char **out,
                     size_t max);

/* "a, b or c" of names[0..n) into out (truncated to outlen). */
void nearname_join(const char *const *names, size_t n, char *out, size_t outlen);

#endif
