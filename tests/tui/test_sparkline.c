/* test_sparkline.c - series into block characters: scaling, the highest
 * point per column, gaps where no data falls, the ASCII ramp, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "tui/widget/sparkline.h"

static void test_levels_and_gaps(void **state)
{
    (void)state;
    /* 8 points, one per column over 8 minutes, 0..7 */
    int64_t ts[8];
    double v[8];
    for (int i = 0; i < 8; i++) {
        ts[i] = 1000000 + i * 60000LL;
        v[i] = i;
    }
    char out[64];
    size_t n =
        sparkline_text(ts, v, 8, 1000000, 1000000 + 8 * 60000LL, 8, 0, 7, true, out, sizeof(out));
    assert_int_equal(n, 8);
    assert_string_equal(out, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
    n = sparkline_text(ts, v, 8, 1000000, 1000000 + 8 * 60000LL, 8, 0, 7, false, out, sizeof(out));
    assert_string_equal(out, "..:-=+*#");
    /* gaps: a NaN (column 5), and no point at all (columns 8 and 9) */
    v[5] = NAN;
    n = sparkline_text(ts, v, 8, 1000000, 1000000 + 10 * 60000LL, 10, 0, 7, false, out,
                       sizeof(out));
    assert_int_equal(n, 7);
    assert_string_equal(out, "..:-= *#  ");
}

static void test_highest_per_column(void **state)
{
    (void)state;
    int64_t ts[4] = {0, 10, 20, 30};
    double v[4] = {1, 9, 2, 3};
    char out[64];
    /* two columns: {1, 9} and {2, 3} */
    sparkline_text(ts, v, 4, 0, 40, 2, 0, 9, false, out, sizeof(out));
    assert_string_equal(out, "#:");
    /* out of the window: dropped; flat series: the floor */
    double f[4] = {5, 5, 5, 5};
    sparkline_text(ts, f, 4, 10, 30, 2, 5, 5, true, out, sizeof(out));
    assert_string_equal(out, "\u2581\u2581");
    /* values beyond the scale are clamped */
    sparkline_text(ts, v, 4, 0, 40, 4, 2, 3, false, out, sizeof(out));
    assert_string_equal(out, ".#.#");
}

static void test_bounds(void **state)
{
    (void)state;
    int64_t ts[1] = {0};
    double v[1] = {1};
    char out[8];
    assert_int_equal(sparkline_text(ts, v, 1, 0, 10, 0, 0, 1, true, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(sparkline_text(ts, v, 1, 10, 10, 5, 0, 1, true, out, sizeof(out)), 0);
    /* a small buffer: whole characters only (a 3-byte block, then spaces) */
    sparkline_text(ts, v, 1, 0, 10, 5, 0, 1, true, out, sizeof(out));
    assert_string_equal(out, "\u2588    ");
    sparkline_text(ts, v, 1, 0, 10, 9, 0, 1, true, out, sizeof(out));
    assert_string_equal(out, "\u2588    ");
    assert_int_equal(sparkline_text(NULL, NULL, 0, 0, 10, 3, 0, 1, true, out, sizeof(out)), 0);
    assert_string_equal(out, "   ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_and_gaps),
        cmocka_unit_test(test_highest_per_column),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
