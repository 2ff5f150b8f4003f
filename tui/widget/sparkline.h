/* sparkline.h - a series in one line of text: each column the highest
 * point that falls in its slice of the window, as one of eight block
 * heights (U+2581..U+2588), or " .:-=+*#" where the terminal's locale is
 * not UTF-8; a column without data is a space (a gap, never a zero). */
#ifndef ELCUI_TUI_SPARKLINE_H
#define ELCUI_TUI_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does the locale draw UTF-8 (after setlocale)? */
bool sparkline_utf8(void);

/* Points (ts_ms[i], v[i]) over [start_ms, end_ms) into width columns,
 * scaled from lo (lowest block) to hi (highest); non-finite values are
 * gaps. out gets the text (at most width characters, 3 bytes each in
 * UTF-8), NUL-terminated; returns the columns holding data. */
size_t sparkline_text(const int64_t *ts_ms, const double *v, size_t n, int64_t start_ms,
                      int64_t end_ms, int width, double lo, double hi, bool utf8, char *out,
                      size_t outlen);

#endif
