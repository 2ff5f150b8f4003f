/* fuzz_util.h - small helpers shared by the libFuzzer targets (header
 * only; each target is one .c file).
 *
 * Inputs that carry more than one document are split at FUZZ_SEP, so the
 * seeds stay readable recordings ("doc1\n--8<--\ndoc2"). Query/EC2 XML
 * targets pick the parser from the root element (<DescribeVpcsResponse>
 * -> DescribeVpcs), so recorded bodies are seeds as they are. JSON bodies
 * do not name their operation: those targets read it from a first line
 * "Operation\n" (written by tests/fuzz/seed-corpora).
 */
#ifndef ELCUI_TESTS_FUZZ_UTIL_H
#define ELCUI_TESTS_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SEP "\n--8<--\n"

/* NUL-terminated copy (the input may hold NULs: C parsers see a prefix). */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Next part of the input up to FUZZ_SEP into part and len; pos starts at 0
 * and is advanced. false once the last part was returned. */
static inline bool fuzz_next_part(const uint8_t *data, size_t size, size_t *pos,
                                  const uint8_t **part, size_t *len)
{
    const size_t seplen = sizeof(FUZZ_SEP) - 1;
    if (*pos == SIZE_MAX || *pos > size)
        return false;
    *part = data + *pos;
    for (size_t i = *pos; i + seplen <= size; i++)
        if (memcmp(data + i, FUZZ_SEP, seplen) == 0) {
            *len = i - *pos;
            *pos = i + seplen;
            return true;
        }
    *len = size - *pos;
    *pos = SIZE_MAX;
    return true;
}

/* Name of the root element, e.g. "DescribeVpcsResponse", into out; skips
 * the XML declaration, comments and whitespace. "" when there is none. */
static inline void fuzz_xml_root(const uint8_t *data, size_t size, char *out, size_t outlen)
{
    size_t i = 0;
    out[0] = '\0';
    while (i < size) {
        if (data[i] != '<') {
            i++;
            continue;
        }
        if (i + 1 < size && (data[i + 1] == '?' || data[i + 1] == '!')) {
            i++;
            continue;
        }
        i++;
        size_t n = 0;
        while (i < size && n + 1 < outlen && data[i] != '>' && data[i] != ' ' && data[i] != '/' &&
               data[i] != '\t' && data[i] != '\r' && data[i] != '\n') {
            out[n++] = (char)data[i++];
        }
        out[n] = '\0';
        return;
    }
}

/* "DescribeVpcsResponse" -> "DescribeVpcs" (in place); false when the
 * name does not end in Response. */
static inline bool fuzz_strip_response(char *name)
{
    size_t n = strlen(name);
    const size_t k = sizeof("Response") - 1;
    if (n <= k || strcmp(name + n - k, "Response") != 0)
        return false;
    name[n - k] = '\0';
    return true;
}

/* First line as the operation name (at most outlen-1 bytes), the rest as
 * the body. Without a newline the whole input is the body. */
static inline void fuzz_split_op(const uint8_t *data, size_t size, char *op, size_t oplen,
                                 const uint8_t **body, size_t *blen)
{
    const uint8_t *nl = size ? memchr(data, '\n', size < 80 ? size : 80) : NULL;
    op[0] = '\0';
    if (!nl) {
        *body = data;
        *blen = size;
        return;
    }
    size_t n = (size_t)(nl - data);
    if (n >= oplen)
        n = oplen - 1;
    memcpy(op, data, n);
    op[n] = '\0';
    *body = nl + 1;
    *blen = size - (size_t)(nl - data) - 1;
}

#endif
