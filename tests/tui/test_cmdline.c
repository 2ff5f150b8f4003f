/* test_cmdline.c - the `:` command line: the command table, close matches
 * for a typo, completion and history (with its file, 0600). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/app.h"
#include "tui/cmdline.h"
#include "tui/keymap.h"

static void test_table_and_find(void **state)
{
    (void)state;
    const char *must[] = {"groups",   "group", "nodes", "region",  "profile", "theme",
                          "readonly", "quit",  "help",  "context", "messages"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++) {
        const struct cmdline_cmd *c = cmdline_find(must[i]);
        assert_non_null(c);
        assert_string_equal(c->name, must[i]);
        assert_non_null(c->exec);
        assert_true(strlen(c->help) > 5);
    }
    assert_string_equal(cmdline_find("q")->name, "quit");
    assert_string_equal(cmdline_find("ctx")->name, "context");
    assert_null(cmdline_find("grou"));
    assert_null(cmdline_find(""));
    /* no name or alias twice */
    for (size_t i = 0; i < cmdline_ncmds; i++)
        for (size_t j = 0; j < cmdline_ncmds; j++)
            if (i != j)
                assert_ptr_not_equal(cmdline_find(cmdline_cmds[i].name), &cmdline_cmds[j]);
}

static void test_close_matches(void **state)
{
    (void)state;
    const char *out[4];
    assert_int_equal(cmdline_distance("grups", "groups"), 1);
    assert_int_equal(cmdline_distance("gorups", "groups"), 1); /* a swap */
    assert_int_equal(cmdline_distance("abc", "xyz"), 3);
    size_t n = cmdline_suggest("grups", out, 4);
    assert_int_equal(n, 2);
    assert_string_equal(out[0], "groups");
    assert_string_equal(out[1], "group");
    n = cmdline_suggest("the", out, 4); /* a prefix */
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "theme");
    n = cmdline_suggest("readonyl", out, 4);
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "readonly");
    assert_int_equal(cmdline_suggest("xyzzy", out, 4), 0);
}

static void test_complete_word(void **state)
{
    (void)state;
    const char *cands[] = {"app-4", "app-5", "legacy-1", "app-4"};
    size_t m;
    char *c = cmdline_complete_word("l", cands, 4, &m);
    assert_int_equal(m, 1);
    assert_string_equal(c, "legacy-1");
    free(c);
    c = cmdline_complete_word("a", cands, 4, &m);
    assert_int_equal(m, 2);
    assert_string_equal(c, "app-"); /* the common prefix */
    free(c);
    c = cmdline_complete_word("", cands, 4, &m);
    assert_int_equal(m, 3);
    assert_string_equal(c, "");
    free(c);
    assert_null(cmdline_complete_word("z", cands, 4, &m));
    assert_int_equal(m, 0);
}

static void test_completion_of_command_names(void **state)
{
    (void)state;
    struct cmdline *c = cmdline_new(NULL);
    cmdline_open(c);
    cmdline_set_text(c, "th");
    cmdline_complete(c, NULL);
    assert_string_equal(cmdline_text(c), "theme "); /* takes an argument */
    cmdline_set_text(c, "q");
    cmdline_complete(c, NULL);
    assert_string_equal(cmdline_text(c), "quit");
    /* gr: group and groups; the common prefix, then Tab cycles */
    cmdline_set_text(c, "gr");
    cmdline_complete(c, NULL);
    assert_string_equal(cmdline_text(c), "group");
    assert_string_equal(cmdline_candidates_text(c), "group  groups");
    cmdline_complete(c, NULL);
    assert_string_equal(cmdline_text(c), "groups");
    cmdline_complete(c, NULL);
    assert_string_equal(cmdline_text(c), "group");
    cmdline_set_text(c, "zz");
    cmdline_complete(c, NULL);
    assert_string_equal(cmdline_text(c), "zz");
    assert_non_null(strstr(cmdline_candidates_text(c), "no match"));
    cmdline_free(c);
}

static void test_history_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/elcui-cmdline-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/cmdline_history", dir);
    struct cmdline *c = cmdline_new(path);
    cmdline_history_add(c, "groups");
    cmdline_history_add(c, "groups"); /* the same twice: once */
    cmdline_history_add(c, "group app-4");
    cmdline_history_add(c, "");
    cmdline_history_add(c, "bad\x1bline");
    assert_int_equal(cmdline_history_count(c), 2);
    cmdline_free(c);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* read back on the next start; Up walks it, Down comes back */
    c = cmdline_new(path);
    assert_int_equal(cmdline_history_count(c), 2);
    assert_string_equal(cmdline_history_at(c, 1), "group app-4");
    cmdline_open(c);
    cmdline_set_text(c, "the");
    cmdline_key(c, NULL, KEYMAP_FN(KEY_UP));
    assert_string_equal(cmdline_text(c), "group app-4");
    cmdline_key(c, NULL, KEYMAP_FN(KEY_UP));
    assert_string_equal(cmdline_text(c), "groups");
    cmdline_key(c, NULL, KEYMAP_FN(KEY_UP));
    assert_string_equal(cmdline_text(c), "groups");
    cmdline_key(c, NULL, KEYMAP_FN(KEY_DOWN));
    cmdline_key(c, NULL, KEYMAP_FN(KEY_DOWN));
    assert_string_equal(cmdline_text(c), "the");
    /* Esc leaves, Backspace on an empty line too */
    assert_true(cmdline_active(c));
    cmdline_key(c, NULL, KEYMAP_ESC);
    assert_false(cmdline_active(c));
    cmdline_open(c);
    cmdline_key(c, NULL, KEYMAP_FN(KEY_BACKSPACE));
    assert_false(cmdline_active(c));
    /* a long history is kept to its last CMDLINE_HISTORY_MAX lines */
    for (int i = 0; i < CMDLINE_HISTORY_MAX + 10; i++) {
        char line[32];
        snprintf(line, sizeof(line), "group g-%d", i);
        cmdline_history_add(c, line);
    }
    assert_int_equal(cmdline_history_count(c), CMDLINE_HISTORY_MAX);
    assert_string_equal(cmdline_history_at(c, CMDLINE_HISTORY_MAX - 1), "group g-509");
    cmdline_free(c);
    c = cmdline_new(path);
    assert_int_equal(cmdline_history_count(c), CMDLINE_HISTORY_MAX);
    cmdline_free(c);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_and_find), cmocka_unit_test(test_close_matches),
        cmocka_unit_test(test_complete_word),  cmocka_unit_test(test_completion_of_command_names),
        cmocka_unit_test(test_history_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
