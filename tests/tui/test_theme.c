/* test_theme.c - every shipped theme parses without a problem and styles
 * every role; the theme list finds them; styles parse as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/theme.h"

static const char *const test_shipped[] = {"default",       "light", "solarized-dark",
                                           "high-contrast", "mono",  "midnight"};

static void test_shipped_themes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(test_shipped) / sizeof(*test_shipped); i++) {
        char path[128], errs[1024];
        snprintf(path, sizeof(path), "themes/%s.theme", test_shipped[i]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char text[8192];
        size_t n = fread(text, 1, sizeof(text), f);
        fclose(f);
        struct theme t;
        memset(&t, 0, sizeof(t));
        for (int r = 0; r < THEME_ROLE_COUNT; r++)
            t.styles[r] = (struct theme_style){-2, -2, 0xdead}; /* "not set" */
        assert_int_equal(theme_parse(&t, text, n, errs, sizeof(errs)), 0);
        assert_string_equal(errs, "");
        assert_string_equal(t.name, test_shipped[i]);
        /* every role but normal is styled by each file */
        for (int r = 1; r < THEME_ROLE_COUNT; r++) {
            if (t.styles[r].attrs == 0xdead)
                fail_msg("theme %s leaves role %s unstyled", test_shipped[i],
                         theme_role_name((enum theme_role)r));
        }
        /* theme_load finds it by name (./themes) */
        struct theme l;
        assert_int_equal(theme_load(&l, test_shipped[i], errs, sizeof(errs)), 0);
        assert_string_equal(errs, "");
    }
}

struct test_seen {
    int n;
    bool found[6];
};

static void test_list_one(void *ctx, const char *name)
{
    struct test_seen *s = ctx;
    s->n++;
    for (size_t i = 0; i < sizeof(test_shipped) / sizeof(*test_shipped); i++)
        if (!strcmp(name, test_shipped[i]))
            s->found[i] = true;
}

static void test_list_and_styles(void **state)
{
    (void)state;
    struct test_seen s;
    memset(&s, 0, sizeof(s));
    theme_list(test_list_one, &s);
    for (size_t i = 0; i < sizeof(test_shipped) / sizeof(*test_shipped); i++)
        assert_true(s.found[i]);
    struct theme_style st;
    assert_true(theme_parse_style("fg=colour214,bg=default,bold", &st));
    assert_int_equal(st.fg, 214);
    assert_int_equal(st.bg, -1);
    assert_int_equal(st.attrs, THEME_ATTR_BOLD);
    assert_true(theme_parse_style("fg=brightred", &st));
    assert_int_equal(st.fg, 9);
    assert_false(theme_parse_style("fg=colour256", &st));
    assert_false(theme_parse_style("blink", &st));
    struct theme t;
    char errs[256];
    assert_int_equal(theme_load(&t, "no-such-theme", errs, sizeof(errs)), -1);
    assert_non_null(strstr(errs, "not found"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_themes),
        cmocka_unit_test(test_list_and_styles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
