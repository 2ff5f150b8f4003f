/* fuzz_safe.h - oracles for output that reaches a terminal or a JSON
 * consumer: the fuzz targets abort (a crash libFuzzer reports) when a
 * rendering lets a control character, an escape sequence, a C1 control,
 * a bidi override or invalid UTF-8 through. Header only. */
#ifndef ELCUI_TESTS_FUZZ_SAFE_H
#define ELCUI_TESTS_FUZZ_SAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Terminal-safe: printable ASCII, or valid UTF-8 that is not C1
 * (U+0080..U+009F), a bidi control (U+202A..U+202E, U+2066..U+2069) or a
 * line/paragraph separator (U+2028, U+2029). tab_ok allows '\t' (column
 * separators some renderers use). */
static inline size_t fuzz_unsafe_at_ex(const char *s, size_t n, bool tab_ok, bool nl_ok)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && !(tab_ok && c == '\t') && !(nl_ok && c == '\n')) || c == 0x7f)
                return i;
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (len == 0 || c > 0xf4 || i + len > n)
            return i;
        unsigned cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i; /* overlong or surrogate */
        if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029)
            return i;
        i += len;
    }
    return (size_t)-1;
}

static inline size_t fuzz_unsafe_at(const char *s, size_t n, bool tab_ok)
{
    return fuzz_unsafe_at_ex(s, n, tab_ok, false);
}

/* Multi-line output (redis-cli renderings): newlines and tabs allowed. */
static inline void fuzz_assert_lines_safe(const char *what, const char *s, size_t n)
{
    size_t at = fuzz_unsafe_at_ex(s, n, true, true);
    if (at != (size_t)-1) {
        fprintf(stderr, "%s: unsafe byte 0x%02x at offset %zu of %zu\n", what,
                (unsigned)(unsigned char)s[at], at, n);
        abort();
    }
}

static inline void fuzz_assert_terminal_safe(const char *what, const char *s, size_t n, bool tab_ok)
{
    size_t at = fuzz_unsafe_at(s, n, tab_ok);
    if (at != (size_t)-1) {
        fprintf(stderr, "%s: unsafe byte 0x%02x at offset %zu of %zu\n", what,
                (unsigned)(unsigned char)s[at], at, n);
        abort();
    }
}

/* Printable ASCII only (JSON written by elcui is ASCII). */
static inline void fuzz_assert_ascii(const char *what, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e) {
            fprintf(stderr, "%s: byte 0x%02x at offset %zu of %zu is not printable ASCII\n", what,
                    c, i, n);
            abort();
        }
    }
}

#endif
