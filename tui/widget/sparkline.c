/* sparkline.c - series as block characters (see sparkline.h). */
#include "tui/widget/sparkline.h"

#include <langinfo.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define SPARKLINE_MAX_WIDTH 512

bool sparkline_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

size_t sparkline_text(const int64_t *ts_ms, const double *v, size_t n, int64_t start_ms,
                      int64_t end_ms, int width, double lo, double hi, bool utf8, char *out,
                      size_t outlen)
{
    static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                          "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char ramp[8] = {' ', '.', ':', '-', '=', '+', '*', '#'};
    if (!outlen)
        return 0;
    out[0] = '\0';
    if (width <= 0 || end_ms <= start_ms)
        return 0;
    if (width > SPARKLINE_MAX_WIDTH)
        width = SPARKLINE_MAX_WIDTH;
    double col[SPARKLINE_MAX_WIDTH];
    bool has[SPARKLINE_MAX_WIDTH];
    memset(has, 0, sizeof(has));
    int64_t span = end_ms - start_ms;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]) || ts_ms[i] < start_ms || ts_ms[i] >= end_ms)
            continue;
        int c = (int)((double)(ts_ms[i] - start_ms) * width / (double)span);
        if (c < 0 || c >= width)
            continue;
        if (!has[c] || v[i] > col[c])
            col[c] = v[i];
        has[c] = true;
    }
    size_t used = 0, filled = 0;
    for (int c = 0; c < width; c++) {
        int level = 0;
        if (has[c]) {
            filled++;
            /* a flat series (hi == lo) is drawn at the floor */
            double x = hi > lo ? (col[c] - lo) / (hi - lo) : 0.0;
            if (x < 0)
                x = 0;
            if (x > 1)
                x = 1;
            level = (int)lround(x * 7.0);
        }
        const char *ch;
        char one[2] = {0, 0};
        if (!has[c]) {
            one[0] = ' ';
            ch = one;
        } else if (utf8) {
            ch = blocks[level];
        } else {
            /* the ASCII ramp starts at ' ': data at the floor is '.' */
            one[0] = ramp[level ? level : 1];
            ch = one;
        }
        size_t l = strlen(ch);
        if (used + l + 1 > outlen)
            break;
        memcpy(out + used, ch, l);
        used += l;
    }
    out[used] = '\0';
    return filled;
}
