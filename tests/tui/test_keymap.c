/* test_keymap.c - the keymap table: key names, rebinding, clashes, lookup,
 * hints and the generated documentation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/keymap.h"

static int test_key(const char *name)
{
    int k = -1;
    if (!keymap_key_parse(name, strlen(name), &k))
        return -1;
    return k;
}

static void test_key_names(void **state)
{
    (void)state;
    assert_int_equal(test_key("j"), 'j');
    assert_int_equal(test_key("G"), 'G');
    assert_int_equal(test_key("/"), '/');
    assert_int_equal(test_key("Enter"), KEYMAP_ENTER);
    assert_int_equal(test_key("Esc"), KEYMAP_ESC);
    assert_int_equal(test_key("Tab"), KEYMAP_TAB);
    assert_int_equal(test_key("Space"), ' ');
    assert_int_equal(test_key("C-s"), 19);
    assert_int_equal(test_key("C-S"), 19);
    assert_int_equal(test_key("PgUp"), KEYMAP_FN(KEY_PPAGE));
    assert_int_equal(test_key("PgDn"), KEYMAP_FN(KEY_NPAGE));
    assert_int_equal(test_key("F1"), KEYMAP_FN(KEY_F(1)));
    assert_int_equal(test_key("F12"), KEYMAP_FN(KEY_F(12)));
    assert_int_equal(test_key("S-Tab"), KEYMAP_FN(KEY_BTAB));
    /* not keys, or keys with another name */
    assert_int_equal(test_key("F13"), -1);
    assert_int_equal(test_key("F0"), -1);
    assert_int_equal(test_key("C-h"), -1);
    assert_int_equal(test_key("C-i"), -1);
    assert_int_equal(test_key("C-m"), -1);
    assert_int_equal(test_key("C-1"), -1);
    assert_int_equal(test_key("enter"), -1);
    assert_int_equal(test_key("jj"), -1);
    assert_int_equal(test_key(""), -1);
    assert_int_equal(test_key("\xc3\xa9"), -1);
    /* every name prints back as itself */
    const char *names[] = {"j",    "G",   "Enter", "Esc",       "Tab",   "Space", "C-s",   "PgUp",
                           "PgDn", "F1",  "F12",   "Up",        "Down",  "Left",  "Right", "Home",
                           "End",  "Del", "Ins",   "Backspace", "S-Tab", "C-]"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        char out[32];
        int k = test_key(names[i]);
        assert_int_not_equal(k, -1);
        keymap_key_name(k, out, sizeof(out));
        assert_string_equal(out, names[i]);
    }
    /* what the terminal sends comes out the same */
    assert_int_equal(keymap_normalize('\n'), KEYMAP_ENTER);
    assert_int_equal(keymap_normalize(KEYMAP_FN(KEY_ENTER)), KEYMAP_ENTER);
    assert_int_equal(keymap_normalize(127), KEYMAP_FN(KEY_BACKSPACE));
    assert_int_equal(keymap_normalize(8), KEYMAP_FN(KEY_BACKSPACE));
    assert_int_equal(keymap_normalize('x'), 'x');
}

static void test_builtin_table_is_sound(void **state)
{
    (void)state;
    struct keymap km;
    char errs[4096];
    assert_int_equal(keymap_init_default(&km, errs, sizeof(errs)), 0);
    assert_string_equal(errs, "");
    assert_int_equal(keymap_check(&km, errs, sizeof(errs)), 0);
    assert_string_equal(errs, "");
    /* every request has an id in order, a help line and a known scope */
    for (size_t i = 0; i < km.n; i++) {
        assert_int_equal(km.entries[i].req, (int)i);
        assert_true(strlen(km.entries[i].help) > 5);
        bool scoped = !strcmp(km.entries[i].scope, "global");
        for (size_t s = 0; s < km.nscreens; s++)
            scoped = scoped || keymap_applies(&km, i, km.screens[s].name);
        assert_true(scoped);
    }
    keymap_free(&km);
}

static void test_lookup_by_screen(void **state)
{
    (void)state;
    struct keymap km;
    assert_int_equal(keymap_init_default(&km, NULL, 0), 0);
    assert_int_equal(keymap_lookup(&km, "groups", 'j'), REQ_DOWN);
    assert_int_equal(keymap_lookup(&km, "groups", KEYMAP_FN(KEY_DOWN)), REQ_DOWN);
    assert_int_equal(keymap_lookup(&km, "groups", KEYMAP_ENTER), REQ_OPEN);
    assert_int_equal(keymap_lookup(&km, "confirm", KEYMAP_ENTER), REQ_CONFIRM);
    assert_int_equal(keymap_lookup(&km, "groups", 'i'), REQ_CONTEXT);
    /* a key of another screen's scope means nothing here */
    assert_int_equal(keymap_lookup(&km, "context", 'i'), REQ_NONE);
    assert_int_equal(keymap_lookup(&km, "context", 's'), REQ_NONE);
    assert_int_equal(keymap_lookup(&km, "group", 's'), REQ_SORT);
    assert_int_equal(keymap_lookup(&km, "groups", KEYMAP_TAB), REQ_NONE);
    assert_int_equal(keymap_lookup(&km, "group", KEYMAP_TAB), REQ_NEXT_PANEL);
    /* global keys everywhere, unknown screens included */
    assert_int_equal(keymap_lookup(&km, "confirm", 'q'), REQ_QUIT);
    assert_int_equal(keymap_lookup(&km, "nosuch", '?'), REQ_HELP);
    assert_int_equal(keymap_lookup(&km, "groups", 'Z'), REQ_NONE);
    keymap_free(&km);
}

static void test_rebinding_and_errors(void **state)
{
    (void)state;
    struct keymap km;
    char err[2048], errs[4096];
    assert_int_equal(keymap_init_default(&km, NULL, 0), 0);
    /* move "down" to J: j means nothing now, J moves */
    assert_int_equal(keymap_bind(&km, "down", "J Down", err, sizeof(err)), 0);
    assert_int_equal(keymap_check(&km, errs, sizeof(errs)), 0);
    assert_int_equal(keymap_lookup(&km, "groups", 'J'), REQ_DOWN);
    assert_int_equal(keymap_lookup(&km, "groups", 'j'), REQ_NONE);
    char keys[64];
    size_t idx;
    assert_non_null(keymap_entry_for(&km, REQ_DOWN, &idx));
    keymap_keys_text(&km, idx, "/", keys, sizeof(keys));
    assert_string_equal(keys, "J/Down");
    /* unknown request: named, with the list of requests */
    assert_int_equal(keymap_bind(&km, "dwon", "x", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown request 'dwon'"));
    assert_non_null(strstr(err, "down"));
    /* a bad key name */
    assert_int_equal(keymap_bind(&km, "up", "Ctrl-k", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'Ctrl-k' is not a key name"));
    /* a clash: q for "up" too, on every screen with a list */
    assert_int_equal(keymap_bind(&km, "up", "q", err, sizeof(err)), 0);
    assert_true(keymap_check(&km, errs, sizeof(errs)) > 0);
    assert_non_null(strstr(errs, "key 'q' is bound to both 'quit' and 'up'"));
    /* "none" unbinds; then nothing clashes */
    assert_int_equal(keymap_bind(&km, "up", "none", err, sizeof(err)), 0);
    assert_int_equal(keymap_check(&km, errs, sizeof(errs)), 0);
    assert_int_equal(keymap_lookup(&km, "groups", 'k'), REQ_NONE);
    /* the same key in scopes no screen shares is no clash: sort (table)
     * and confirm (dialog) */
    assert_int_equal(keymap_bind(&km, "confirm", "s", err, sizeof(err)), 0);
    assert_int_equal(keymap_check(&km, errs, sizeof(errs)), 0);
    keymap_free(&km);
}

static const struct keymap_entry test_entries[] = {
    {0, "quit", "q", "global", KEYMAP_HINT, "quit"},
    {1, "down", "j", "list", 0, "down"},
    {2, "failover", "F", "group", KEYMAP_HINT | KEYMAP_WRITE, "test failover"},
    {3, "open", "Enter", "list", KEYMAP_HINT, "open"},
};
static const struct keymap_screen test_screens[] = {
    {"group", "list group", ":group", "a group"},
    {"help", "list", ":help", "help"},
};

static void test_hints_and_write_entries(void **state)
{
    (void)state;
    struct keymap km;
    char errs[512], hints[256];
    assert_int_equal(keymap_init(&km, test_entries, 4, test_screens, 2, errs, sizeof(errs)), 0);
    keymap_hints(&km, "group", false, hints, sizeof(hints));
    assert_string_equal(hints, "F failover  Enter open  q quit");
    /* read-only: the write request is left out of the hints */
    keymap_hints(&km, "group", true, hints, sizeof(hints));
    assert_string_equal(hints, "Enter open  q quit");
    keymap_hints(&km, "help", false, hints, sizeof(hints));
    assert_string_equal(hints, "Enter open  q quit");
    assert_true(keymap_applies(&km, 2, "group"));
    assert_false(keymap_applies(&km, 2, "help"));
    /* a bad default key in a table is reported */
    static const struct keymap_entry bad[] = {{0, "x", "Hyper-x", "global", 0, "x"}};
    struct keymap km2;
    assert_int_equal(keymap_init(&km2, bad, 1, test_screens, 2, errs, sizeof(errs)), 1);
    assert_non_null(strstr(errs, "request 'x'"));
    keymap_free(&km2);
    keymap_free(&km);
}

static void test_json_and_man(void **state)
{
    (void)state;
    struct keymap km;
    assert_int_equal(keymap_init_default(&km, NULL, 0), 0);
    char err[256];
    assert_int_equal(keymap_bind(&km, "down", "n", err, sizeof(err)), 0);
    json_t *j = keymap_json(&km);
    json_t *reqs = json_object_get(j, "requests");
    assert_int_equal(json_array_size(reqs), km.n);
    json_t *down = json_array_get(reqs, REQ_DOWN);
    assert_string_equal(json_string_value(json_object_get(down, "name")), "down");
    assert_string_equal(json_string_value(json_array_get(json_object_get(down, "keys"), 0)), "n");
    assert_string_equal(json_string_value(json_array_get(json_object_get(down, "defaults"), 0)),
                        "j");
    json_t *screens = json_object_get(j, "screens");
    assert_int_equal(json_array_size(screens), km.nscreens);
    json_t *scopes = json_object_get(json_array_get(screens, 0), "scopes");
    assert_string_equal(json_string_value(json_array_get(scopes, 0)), "global");
    json_decref(j);
    keymap_free(&km);

    assert_int_equal(keymap_init_default(&km, NULL, 0), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    keymap_man(&km, f);
    fclose(f);
    assert_non_null(strstr(text, ".SS Keys\n"));
    assert_non_null(strstr(text, ".SS Screens\n"));
    assert_non_null(strstr(text, "\\fBPgUp\\fR, \\fBC\\-b\\fR"));
    for (size_t i = 0; i < km.n; i++) {
        char want[64];
        snprintf(want, sizeof(want), "\\fB%s\\fR (", km.entries[i].name);
        /* names with '-' are escaped in roff */
        if (!strchr(km.entries[i].name, '-'))
            assert_non_null(strstr(text, want));
    }
    free(text);
    keymap_free(&km);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_builtin_table_is_sound),
        cmocka_unit_test(test_lookup_by_screen),
        cmocka_unit_test(test_rebinding_and_errors),
        cmocka_unit_test(test_hints_and_write_entries),
        cmocka_unit_test(test_json_and_man),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
