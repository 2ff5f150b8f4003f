/* fuzz_reader.h - hiredis's reader as elcui's connections configure it,
 * for the targets that feed it directly (header only).
 *
 * hiredis 0.14 allocates an array's element vector up front (8 bytes times
 * the count the header announces): a header claiming hundreds of millions
 * of elements is gigabytes before one element arrives. rconn refuses such
 * counts (its reply budget); a target that reads replies without rconn
 * must refuse them too, or it fuzzes an allocation elcui never makes.
 */
#ifndef ELCUI_TESTS_FUZZ_READER_H
#define ELCUI_TESTS_FUZZ_READER_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#define FUZZ_READER_MAX_ELEMENTS (1 << 20)

static redisReplyObjectFunctions fuzz_reader_fns;
static void *(*fuzz_reader_default_array)(const redisReadTask *, int);

static void *fuzz_reader_array(const redisReadTask *task, int elements)
{
    if (elements > FUZZ_READER_MAX_ELEMENTS)
        return NULL;
    return fuzz_reader_default_array(task, elements);
}

/* A reader whose arrays are capped as above (redisReaderFree frees it). */
static inline redisReader *fuzz_reader_new(void)
{
    if (!fuzz_reader_default_array) {
        redisReader *tmp = redisReaderCreate();
        if (!tmp)
            return NULL;
        fuzz_reader_fns = *tmp->fn;
        redisReaderFree(tmp);
        fuzz_reader_default_array = fuzz_reader_fns.createArray;
        fuzz_reader_fns.createArray = fuzz_reader_array;
    }
    redisReader *rd = redisReaderCreateWithFunctions(&fuzz_reader_fns);
    if (rd)
        rd->maxbuf = 0;
    return rd;
}

#endif
