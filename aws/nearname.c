/* nearname.c - the closest names of a list, for "did you mean". */
#include "aws/nearname.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NEARNAME_MAX 64 /* longer names are compared on their first 64 bytes */

static bool nearname_same(unsigned char x, unsigned char y, bool icase)
{
    return x == y || (icase && tolower(x) == tolower(y));
}

/* The distance, or any value above cutoff once it is sure to be above it
 * (a row and the one before it all above cutoff: later rows can only grow
 * from them). */
static unsigned nearname_bounded(const char *a, const char *b, bool icase, unsigned cutoff)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > NEARNAME_MAX || lb > NEARNAME_MAX)
        return 255;
    /* three rows of the optimal string alignment table */
    unsigned rows[3][NEARNAME_MAX + 1];
    unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (unsigned)j;
    unsigned prev_min = 0;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (unsigned)i;
        unsigned row_min = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            unsigned char x = (unsigned char)a[i - 1], y = (unsigned char)b[j - 1];
            unsigned cost = nearname_same(x, y, icase) ? 0 : 1;
            unsigned v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && nearname_same(x, (unsigned char)b[j - 2], icase) &&
                nearname_same((unsigned char)a[i - 2], y, icase) && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > cutoff && prev_min > cutoff)
            return cutoff + 1;
        prev_min = row_min;
        unsigned *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > 255 ? 255 : prev[lb];
}

unsigned nearname_distance(const char *a, const char *b, bool icase)
{
    return nearname_bounded(a, b, icase, 255);
}

size_t nearname_pick(const char *name, const char *const *names, size_t n, const char **out,
                     size_t max)
{
    size_t got = 0;
    unsigned dist[16];
    if (max > sizeof(dist) / sizeof(dist[0]))
        max = sizeof(dist) / sizeof(dist[0]);
    size_t len = strlen(name);
    for (size_t i = 0; i < n && max; i++) {
        size_t l = strlen(names[i]);
        size_t longer = l > len ? l : len;
        unsigned limit = (unsigned)(longer / 3);
        if (limit < 1)
            limit = 1;
        if (limit > 4)
            limit = 4;
        unsigned d;
        if (strcasecmp(name, names[i]) == 0) {
            d = 0; /* the same name apart from case: the closest of all */
        } else {
            size_t diff = l > len ? l - len : len - l;
            if (diff > limit)
                continue; /* the distance is at least the difference in length */
            d = nearname_bounded(name, names[i], false, limit);
            if (d > limit)
                continue;
        }
        /* insert in order of distance, after equal ones */
        size_t at = got;
        while (at > 0 && dist[at - 1] > d)
            at--;
        if (at >= max)
            continue;
        size_t last = got < max ? got : max - 1;
        for (size_t k = last; k > at; k--) {
            out[k] = out[k - 1];
            dist[k] = dist[k - 1];
        }
        out[at] = names[i];
        dist[at] = d;
        if (got < max)
            got++;
    }
    /* only the closest and those one edit further */
    while (got > 1 && dist[got - 1] > dist[0] + 1)
        got--;
    return got;
}

void nearname_join(const char *const *names, size_t n, char *out, size_t outlen)
{
    if (!outlen)
        return;
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n && used < outlen; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(out + used, outlen - used, "%s%s", sep, names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}
