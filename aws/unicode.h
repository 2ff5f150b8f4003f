/* unicode.h - UTF-8 as RFC 3629 defines it, for every place that tells
 * text from bytes (JSON strings, terminal-safe rendering). */
#ifndef ELCUI_AWS_UNICODE_H
#define ELCUI_AWS_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the valid UTF-8 sequence at s[0..n) (n > 0), its code
 * point in *cp when cp is given; 0 when the bytes there are not valid
 * UTF-8 (overlong forms, surrogates, values above U+10FFFF and truncated
 * sequences are all invalid). */
size_t unicode_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

#endif
