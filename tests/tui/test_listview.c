/* test_listview.c - the list widget's logic: filter (substring and ~regex),
 * sort (text, numbers, durations), a selection that survives refills,
 * sorting and filtering, paging, column layout on narrow terminals; and
 * the text field under the filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/keymap.h"
#include "tui/theme.h"
#include "tui/widget/field.h"
#include "tui/widget/listview.h"

static const struct listview_col test_cols[] = {
    {"ID", 0, 0, 100, LISTVIEW_KEY},
    {"STATUS", 0, 0, 50, 0},
    {"NODES", 0, 0, 30, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    {"ENDPOINT", 8, 0, 10, 0},
};

struct test_row {
    const char *id, *status, *nodes, *endpoint;
};

static void test_fill(struct listview *lv, const struct test_row *rows, size_t n)
{
    listview_begin(lv);
    for (size_t i = 0; i < n; i++) {
        size_t r = listview_add(lv);
        listview_set(lv, r, 0, THEME_NORMAL, "%s", rows[i].id);
        listview_set(lv, r, 1, THEME_NORMAL, "%s", rows[i].status);
        listview_set(lv, r, 2, THEME_NORMAL, "%s", rows[i].nodes);
        listview_set(lv, r, 3, THEME_NORMAL, "%s", rows[i].endpoint);
    }
    listview_end(lv);
}

static const struct test_row test_rows[] = {
    {"app-4", "available", "9", "clustercfg.app-4.abc.use2.cache.amazonaws.com:6379"},
    {"legacy-1", "available", "2", "legacy-1.abc.ng.0001.use2.cache.amazonaws.com:6379"},
    {"app-10", "modifying", "12", "clustercfg.app-10.abc.use2.cache.amazonaws.com:6379"},
    {"batch", "creating", "?", "-"},
};

static const char *test_sel(struct listview *lv)
{
    size_t row;
    return listview_selected(lv, &row) ? listview_get(lv, row, 0) : NULL;
}

static const char *test_at(struct listview *lv, size_t i)
{
    return listview_get(lv, lv->view[i], 0);
}

static void test_filter_substring_and_regex(void **state)
{
    (void)state;
    struct listview lv;
    listview_init(&lv, test_cols, 4);
    test_fill(&lv, test_rows, 4);
    assert_int_equal(listview_count(&lv), 4);
    /* substring, any column, case-insensitive */
    assert_true(listview_set_filter(&lv, "APP"));
    assert_int_equal(listview_count(&lv), 2);
    assert_true(listview_set_filter(&lv, "modif"));
    assert_int_equal(listview_count(&lv), 1);
    assert_string_equal(test_at(&lv, 0), "app-10");
    /* ~ is a regex */
    assert_true(listview_set_filter(&lv, "~^app-[0-9]$"));
    assert_int_equal(listview_count(&lv), 1);
    assert_string_equal(test_at(&lv, 0), "app-4");
    assert_true(listview_set_filter(&lv, "~^(batch|legacy)"));
    assert_int_equal(listview_count(&lv), 2);
    /* a regex that does not compile filters nothing, and says why */
    assert_false(listview_set_filter(&lv, "~app-(["));
    assert_int_equal(listview_count(&lv), 4);
    assert_non_null(strstr(lv.re_error, "not a regex"));
    /* matches are found for highlighting */
    size_t st[4], en[4];
    assert_true(listview_set_filter(&lv, "a"));
    assert_int_equal(listview_match(&lv, "banana", st, en, 4), 3);
    assert_int_equal(st[0], 1);
    assert_int_equal(en[0], 2);
    assert_int_equal(st[2], 5);
    assert_true(listview_set_filter(&lv, "~an+"));
    assert_int_equal(listview_match(&lv, "banana", st, en, 4), 2);
    assert_int_equal(st[1], 3);
    assert_int_equal(en[1], 5);
    /* no filter: everything */
    assert_true(listview_set_filter(&lv, ""));
    assert_int_equal(listview_count(&lv), 4);
    listview_free(&lv);
}

static void test_sort_text_numbers_durations(void **state)
{
    (void)state;
    struct listview lv;
    listview_init(&lv, test_cols, 4);
    test_fill(&lv, test_rows, 4);
    listview_sort(&lv, 0, false);
    assert_string_equal(test_at(&lv, 0), "app-10");
    assert_string_equal(test_at(&lv, 3), "legacy-1");
    /* numeric: 2 < 9 < 12, and what is not a number last either way */
    listview_sort(&lv, 2, false);
    assert_string_equal(test_at(&lv, 0), "legacy-1");
    assert_string_equal(test_at(&lv, 1), "app-4");
    assert_string_equal(test_at(&lv, 2), "app-10");
    assert_string_equal(test_at(&lv, 3), "batch");
    listview_sort(&lv, 2, true);
    assert_string_equal(test_at(&lv, 0), "app-10");
    assert_string_equal(test_at(&lv, 3), "batch");
    /* REQ_SORT cycles the column, REQ_SORT_REVERSE flips */
    listview_sort(&lv, -1, false);
    assert_int_equal(listview_request(&lv, REQ_SORT), APP_REDRAW);
    assert_int_equal(lv.sort_col, 0);
    assert_false(lv.sort_desc);
    assert_int_equal(listview_request(&lv, REQ_SORT_REVERSE), APP_REDRAW);
    assert_true(lv.sort_desc);
    assert_string_equal(test_at(&lv, 0), "legacy-1");
    for (int i = 0; i < 3; i++)
        listview_request(&lv, REQ_SORT);
    assert_int_equal(lv.sort_col, 3);
    listview_request(&lv, REQ_SORT);
    assert_int_equal(lv.sort_col, 0); /* wraps */
    listview_free(&lv);

    /* durations and money sort by value */
    static const struct test_row ages[] = {
        {"a", "", "3h", ""}, {"b", "", "90s", ""},    {"c", "", "2d", ""},
        {"d", "", "5m", ""}, {"e", "", "$1,024", ""}, {"f", "", "$99", ""},
    };
    listview_init(&lv, test_cols, 4);
    test_fill(&lv, ages, 4);
    listview_sort(&lv, 2, false);
    assert_string_equal(test_at(&lv, 0), "b");
    assert_string_equal(test_at(&lv, 1), "d");
    assert_string_equal(test_at(&lv, 2), "a");
    assert_string_equal(test_at(&lv, 3), "c");
    test_fill(&lv, ages + 4, 2);
    assert_string_equal(test_at(&lv, 0), "f");
    assert_string_equal(test_at(&lv, 1), "e");
    listview_free(&lv);
}

static void test_selection_survives(void **state)
{
    (void)state;
    struct listview lv;
    listview_init(&lv, test_cols, 4);
    test_fill(&lv, test_rows, 4);
    assert_string_equal(test_sel(&lv), "app-4");
    assert_int_equal(listview_request(&lv, REQ_DOWN), APP_REDRAW);
    assert_string_equal(test_sel(&lv), "legacy-1");
    /* a refresh that adds rows in front keeps legacy-1 selected */
    static const struct test_row more[] = {
        {"aaa", "available", "1", "x"},
        {"app-4", "available", "9", "y"},
        {"legacy-1", "available", "2", "z"},
        {"zzz", "creating", "1", "w"},
    };
    test_fill(&lv, more, 4);
    assert_string_equal(test_sel(&lv), "legacy-1");
    /* sorting keeps it */
    listview_sort(&lv, 0, true);
    assert_string_equal(test_sel(&lv), "legacy-1");
    /* filtering keeps it when it still shows... */
    assert_true(listview_set_filter(&lv, "1"));
    assert_string_equal(test_sel(&lv), "legacy-1");
    /* ...and dropping the filter keeps it too */
    assert_true(listview_set_filter(&lv, ""));
    assert_string_equal(test_sel(&lv), "legacy-1");
    /* when it is gone the position is kept, within the rows left */
    test_fill(&lv, test_rows, 1);
    assert_string_equal(test_sel(&lv), "app-4");
    /* moving past the ends stays at the ends */
    assert_int_equal(listview_request(&lv, REQ_UP), APP_HANDLED);
    test_fill(&lv, test_rows, 4);
    listview_sort(&lv, -1, false);
    lv.page = 2;
    assert_int_equal(listview_request(&lv, REQ_LAST), APP_REDRAW);
    assert_string_equal(test_sel(&lv), "batch");
    assert_int_equal(listview_request(&lv, REQ_DOWN), APP_HANDLED);
    assert_int_equal(listview_request(&lv, REQ_PAGE_UP), APP_REDRAW);
    assert_string_equal(test_sel(&lv), "app-10");
    assert_int_equal(listview_request(&lv, REQ_FIRST), APP_REDRAW);
    assert_string_equal(test_sel(&lv), "app-4");
    assert_int_equal(listview_request(&lv, REQ_PAGE_DOWN), APP_REDRAW);
    assert_string_equal(test_sel(&lv), "legacy-1");
    assert_true(listview_select_key(&lv, "batch"));
    assert_false(listview_select_key(&lv, "nosuch"));
    assert_string_equal(test_sel(&lv), "batch");
    listview_free(&lv);
}

static void test_filter_typing(void **state)
{
    (void)state;
    struct listview lv;
    listview_init(&lv, test_cols, 4);
    test_fill(&lv, test_rows, 4);
    assert_int_equal(listview_input(&lv, 'x'), APP_IGNORED); /* not typing */
    assert_int_equal(listview_request(&lv, REQ_FILTER), APP_REDRAW);
    assert_true(listview_typing(&lv));
    listview_input(&lv, 'l');
    listview_input(&lv, 'e');
    assert_int_equal(listview_count(&lv), 2); /* "available" has "le" too */
    listview_input(&lv, 'g');
    assert_int_equal(listview_count(&lv), 1); /* filters as it is typed */
    assert_int_equal(listview_input(&lv, KEYMAP_ENTER), APP_REDRAW);
    assert_false(listview_typing(&lv));
    assert_string_equal(lv.applied, "leg");
    /* Esc (back) drops a kept filter; with none it is not the widget's */
    assert_int_equal(listview_request(&lv, REQ_BACK), APP_REDRAW);
    assert_int_equal(listview_count(&lv), 4);
    assert_int_equal(listview_request(&lv, REQ_BACK), APP_IGNORED);
    /* Esc while typing drops it at once */
    listview_request(&lv, REQ_FILTER);
    listview_input(&lv, 'q');
    assert_int_equal(listview_count(&lv), 0);
    listview_input(&lv, KEYMAP_ESC);
    assert_false(listview_typing(&lv));
    assert_int_equal(listview_count(&lv), 4);
    listview_free(&lv);
}

static void test_layout_keeps_the_id(void **state)
{
    (void)state;
    struct listview lv;
    listview_init(&lv, test_cols, 4);
    test_fill(&lv, test_rows, 4);
    int w[4];
    /* wide: every column at its natural width */
    listview_layout(&lv, 200, w);
    assert_int_equal(w[0], (int)strlen("legacy-1"));
    assert_int_equal(w[1], (int)strlen("available"));
    assert_int_equal(w[2], (int)strlen("NODES") + 1); /* room for the sort mark */
    assert_int_equal(w[3], (int)strlen(test_rows[2].endpoint));
    /* narrow: the shrinkable endpoint gives way first, the id never */
    listview_layout(&lv, 40, w);
    assert_int_equal(w[0], 8);
    assert_int_equal(w[1], 9);
    assert_int_equal(w[3], 40 - 1 - (8 + 1) - (9 + 1) - (6 + 1) - 1);
    listview_layout(&lv, 36, w);
    assert_int_equal(w[3], 8); /* its minimum */
    /* too narrow even then: the id stays whole, the rest is cut */
    listview_layout(&lv, 16, w);
    assert_int_equal(w[0], 8);
    assert_true(w[1] < 9);
    assert_int_equal(w[3], 0);
    /* scrolled sideways: the id stays, the first other columns go and the
     * endpoint has room again */
    lv.hcol = 1;
    listview_layout(&lv, 40, w);
    assert_int_equal(w[0], 8);
    assert_int_equal(w[1], 0);
    assert_int_equal(w[2], 6);
    assert_int_equal(w[3], 40 - 1 - 9 - 7 - 1);
    listview_free(&lv);
}

static void test_pager(void **state)
{
    (void)state;
    struct listview lv;
    listview_init_pager(&lv);
    listview_begin(&lv);
    for (int i = 0; i < 50; i++) {
        size_t r = listview_add(&lv);
        listview_seg(&lv, r, THEME_COLUMN, 10, "line %d", i);
        listview_seg(&lv, r, THEME_NORMAL, 0, "%s", i % 10 == 0 ? "tenth" : "other");
    }
    listview_end(&lv);
    lv.page = 20;
    assert_false(listview_selected(&lv, NULL)); /* pagers have no selection */
    assert_int_equal(listview_request(&lv, REQ_PAGE_DOWN), APP_REDRAW);
    assert_int_equal(lv.top, 19);
    assert_int_equal(listview_request(&lv, REQ_LAST), APP_REDRAW);
    assert_int_equal(lv.top, 30);
    assert_int_equal(listview_request(&lv, REQ_DOWN), APP_HANDLED);
    assert_int_equal(listview_request(&lv, REQ_SORT), APP_IGNORED);
    /* filtering a pager keeps the matching lines */
    assert_true(listview_set_filter(&lv, "tenth"));
    assert_int_equal(listview_count(&lv), 5);
    assert_int_equal(lv.top, 0);
    /* sideways by 8 columns, not beyond the widest line */
    assert_int_equal(listview_request(&lv, REQ_SCROLL_RIGHT), APP_REDRAW);
    assert_int_equal(lv.hoff, 8);
    assert_int_equal(listview_request(&lv, REQ_SCROLL_LEFT), APP_REDRAW);
    assert_int_equal(listview_request(&lv, REQ_SCROLL_LEFT), APP_HANDLED);
    listview_free(&lv);
}

static void test_field_editing(void **state)
{
    (void)state;
    struct field f;
    field_init(&f, 16);
    for (const char *p = "group app"; *p; p++)
        assert_int_equal(field_key(&f, *p), FIELD_CHANGED);
    assert_string_equal(field_text(&f), "group app");
    assert_int_equal(field_key(&f, 23 /* C-w */), FIELD_CHANGED);
    assert_string_equal(field_text(&f), "group ");
    assert_int_equal(field_key(&f, 0xe9), FIELD_CHANGED); /* é, two bytes */
    assert_string_equal(field_text(&f), "group \xc3\xa9");
    assert_int_equal(field_key(&f, KEYMAP_FN(KEY_BACKSPACE)), FIELD_CHANGED);
    assert_string_equal(field_text(&f), "group ");
    assert_int_equal(field_key(&f, KEYMAP_FN(KEY_HOME)), FIELD_MOVED);
    assert_int_equal(field_key(&f, 'x'), FIELD_CHANGED);
    assert_string_equal(field_text(&f), "xgroup ");
    assert_int_equal(field_key(&f, 11 /* C-k */), FIELD_CHANGED);
    assert_string_equal(field_text(&f), "x");
    /* control characters never get in; Enter, Esc and Tab are the owner's */
    assert_int_equal(field_key(&f, 0x1b), FIELD_IGNORED);
    assert_int_equal(field_key(&f, KEYMAP_ENTER), FIELD_IGNORED);
    assert_int_equal(field_key(&f, KEYMAP_TAB), FIELD_IGNORED);
    assert_int_equal(field_key(&f, 0x85), FIELD_IGNORED);
    assert_int_equal(field_key(&f, 0x7f), FIELD_IGNORED);
    assert_int_equal(field_key(&f, KEYMAP_FN(KEY_F(1))), FIELD_IGNORED);
    /* full: nothing more goes in */
    field_set(&f, "0123456789abcdef");
    assert_int_equal(field_key(&f, 'z'), FIELD_MOVED);
    assert_string_equal(field_text(&f), "0123456789abcdef");
    field_set(&f, "0123456789abcdefTOO LONG");
    assert_int_equal(strlen(field_text(&f)), 16);
    assert_int_equal(field_key(&f, 21 /* C-u */), FIELD_CHANGED);
    assert_string_equal(field_text(&f), "");
    field_free(&f);
}

static void test_theme_colours_degrade(void **state)
{
    (void)state;
    assert_int_equal(theme_fit_colour(-1, 8), -1);
    assert_int_equal(theme_fit_colour(3, 8), 3);
    assert_int_equal(theme_fit_colour(200, 256), 200);
    assert_int_equal(theme_fit_colour(9, 8), 1);    /* bright red -> red */
    assert_int_equal(theme_fit_colour(196, 8), 1);  /* 256-colour red -> red */
    assert_int_equal(theme_fit_colour(196, 16), 9); /* -> bright red */
    assert_int_equal(theme_fit_colour(17, 8), 0);   /* dark blue is nearest black */
    assert_int_equal(theme_fit_colour(21, 8), 4);   /* blue */
    assert_int_equal(theme_fit_colour(255, 8), 7);  /* near white grey -> white */
    assert_int_equal(theme_fit_colour(232, 8), 0);  /* near black grey -> black */
    assert_int_equal(theme_fit_colour(214, 8), 3);  /* orange -> yellow */
    assert_int_equal(theme_fit_colour(5, 0), -1);   /* no colours at all */
}

struct test_lines {
    char lines[8][64];
    int n;
};

static void test_wrap_line(void *ctx, const char *s, size_t n)
{
    struct test_lines *out = ctx;
    if (out->n < 8)
        snprintf(out->lines[out->n++], 64, "%.*s", (int)n, s);
}

static void test_wrap(void **state)
{
    (void)state;
    struct test_lines out;
    memset(&out, 0, sizeof(out));
    app_wrap("AccessDenied: User arn:aws:iam::1:user/x is not authorized to perform "
             "elasticache:DescribeReplicationGroups",
             30, test_wrap_line, &out);
    assert_true(out.n >= 4);
    for (int i = 0; i < out.n; i++)
        assert_true(strlen(out.lines[i]) <= 30);
    assert_string_equal(out.lines[0], "AccessDenied: User");
    /* a word longer than the line is cut, not lost */
    memset(&out, 0, sizeof(out));
    app_wrap("abcdefghij klm", 4, test_wrap_line, &out);
    assert_string_equal(out.lines[0], "abcd");
    assert_string_equal(out.lines[1], "efgh");
    assert_string_equal(out.lines[2], "ij");
    assert_string_equal(out.lines[3], "klm");
    /* new lines are kept */
    memset(&out, 0, sizeof(out));
    app_wrap("a\nb", 10, test_wrap_line, &out);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.lines[1], "b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_substring_and_regex),
        cmocka_unit_test(test_sort_text_numbers_durations),
        cmocka_unit_test(test_selection_survives),
        cmocka_unit_test(test_filter_typing),
        cmocka_unit_test(test_layout_keeps_the_id),
        cmocka_unit_test(test_pager),
        cmocka_unit_test(test_field_editing),
        cmocka_unit_test(test_theme_colours_degrade),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
