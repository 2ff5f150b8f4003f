/* test_lineedit.c - the Redis prompts' line editor: keys in, lines
 * and redraws out. tui/widget/lineedit.c is a pure state machine (curses'
 * key codes only, no curses calls), so it is compiled into this test directly (unit tests link aws/
 * and core/ only). Keys as a terminal sends them: arrows (CSI and SS3), Home/End/Delete (CSI ~),
 * Ctrl-A/E/B/F/K/U/W/D/C/L/P/N, Alt-B/F, UTF-8, escape sequences split across reads; history
 * walking and its cap; no control byte ever gets into a line; the redraw fits the width; kill, yank
 * and transpose; ctrl-r search (older matches, failure, Enter runs, C-g restores, another key
 * edits); Tab completion (the only match, a common prefix, cycling, any case) and the dim hint; a
 * bracketed paste of several lines; the curses front end's keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tui/widget/lineedit.c"

struct screen {
    struct buf out;
};

static void capture(const char *s, size_t n, void *arg)
{
    struct screen *sc = arg;
    buf_append(&sc->out, s, n);
}

/* Feed everything; returns the first event and its line. */
static enum lineedit_event type(struct lineedit *le, const char *keys, char **line)
{
    size_t n = strlen(keys), off = 0;
    enum lineedit_event ev = LINEEDIT_NONE;
    *line = NULL;
    while (off < n) {
        size_t used = 0;
        ev = lineedit_feed(le, keys + off, n - off, &used, line);
        assert_true(used > 0);
        off += used;
        if (ev != LINEEDIT_NONE)
            break;
    }
    return ev;
}

static char *line_of(struct lineedit *le, const char *keys)
{
    lineedit_start(le);
    char *line = NULL;
    assert_int_equal(type(le, keys, &line), LINEEDIT_LINE);
    assert_non_null(line);
    return line;
}

static void expect_line(struct lineedit *le, const char *keys, const char *want)
{
    char *l = line_of(le, keys);
    if (strcmp(l, want) != 0)
        fail_msg("keys gave [%s], want [%s]", l, want);
    free(l);
}

static void test_editing(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    lineedit_set_prompt(le, "app-4> ");
    expect_line(le, "GET key\r", "GET key");
    expect_line(le, "GET key\n", "GET key");
    /* left arrow and insert */
    expect_line(le, "SE k\x1b[D\x1b[DT\r", "SET k");
    /* SS3 arrows, Home/End via CSI H/F, ~ forms, Ctrl-A/E */
    expect_line(le,
                "bc\x1bOH"
                "a\x1bOFd\r",
                "abcd");
    expect_line(le, "bc\x1b[1~a\x1b[4~d\r", "abcd");
    expect_line(le,
                "bc\x01"
                "a\x05"
                "d\r",
                "abcd");
    /* backspace (DEL and ^H), delete under the cursor */
    expect_line(le, "abcx\x7f\r", "abc");
    expect_line(le, "abcx\x08\r", "abc");
    expect_line(le, "abxc\x1b[D\x1b[D\x1b[3~\r", "abc");
    expect_line(le, "abxc\x02\x02\x04\r", "abc");
    /* kills: to end, to start, word */
    expect_line(le, "SET a b\x01\x1b[C\x1b[C\x1b[C\x0b\r", "SET");
    expect_line(le, "junk SET\x1b[D\x1b[D\x1b[D\x15\r", "SET");
    expect_line(le,
                "SET a bbb\x17"
                "c\r",
                "SET a c");
    expect_line(le, "SET a   \x17\r", "SET ");
    /* word moves with Alt-B / Alt-F */
    expect_line(le,
                "one two\x1b"
                "b\x1b"
                "bX\x1b"
                "f\x1b"
                "fY\r",
                "Xone twoY");
    /* UTF-8 moves as one character */
    expect_line(le, "caf\xc3\xa9\x1b[D_\r", "caf_\xc3\xa9");
    expect_line(le,
                "\xe2\x9c\x93\x7f"
                "ok\r",
                "ok");
    /* control bytes and unknown escapes never reach the line */
    expect_line(le, "a\x07\x1b[5~\x1b[200~b\x1b[201~\x0f\r", "ab");
    /* a sequence split across reads */
    lineedit_start(le);
    char *line = NULL;
    assert_int_equal(type(le, "xy\x1b", &line), LINEEDIT_NONE);
    assert_int_equal(type(le, "[", &line), LINEEDIT_NONE);
    assert_int_equal(type(le, "D", &line), LINEEDIT_NONE);
    assert_int_equal(lineedit_cursor(le), 1);
    assert_int_equal(type(le, "z\r", &line), LINEEDIT_LINE);
    assert_string_equal(line, "xzy");
    free(line);
    lineedit_free(le);
    buf_free(&sc.out);
}

static void test_events(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    char *line = NULL;
    lineedit_start(le);
    /* Ctrl-C drops the line; what follows stays unread */
    size_t used = 0;
    assert_int_equal(lineedit_feed(le, "abc\x03more", 8, &used, &line), LINEEDIT_INTERRUPT);
    assert_int_equal(used, 4);
    assert_null(line);
    assert_non_null(strstr(buf_str(&sc.out), "^C"));
    /* inactive until started again */
    assert_int_equal(lineedit_feed(le, "x", 1, &used, &line), LINEEDIT_NONE);
    assert_int_equal(used, 0);
    /* Ctrl-D ends input only on an empty line */
    lineedit_start(le);
    assert_int_equal(type(le, "ab\x04", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "ab");
    assert_int_equal(type(le, "\x15\x04", &line), LINEEDIT_EOF);
    /* the line is wiped from the editor after an event */
    lineedit_start(le);
    assert_int_equal(type(le, "AUTH s3cret\r", &line), LINEEDIT_LINE);
    free(line);
    assert_string_equal(lineedit_text(le), "");
    /* Ctrl-L clears the screen */
    lineedit_start(le);
    buf_reset(&sc.out);
    assert_int_equal(type(le, "\x0c", &line), LINEEDIT_NONE);
    assert_non_null(strstr(buf_str(&sc.out), "\x1b[2J"));
    lineedit_free(le);
    buf_free(&sc.out);
}

static void test_history(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    assert_true(lineedit_history_add(le, "GET a"));
    assert_true(lineedit_history_add(le, "GET b"));
    assert_false(lineedit_history_add(le, "GET b")); /* consecutive duplicate */
    assert_false(lineedit_history_add(le, ""));
    assert_true(lineedit_history_add(le, "GET c"));
    assert_int_equal(lineedit_history_count(le), 3);
    /* up twice, edit, enter */
    expect_line(le,
                "\x1b[A\x1b[A"
                "2\r",
                "GET b2");
    /* up past the oldest stays there; down returns to what was typed */
    expect_line(le, "\x10\x10\x10\x10\r", "GET a");
    expect_line(le, "typed\x1b[A\x1b[A\x1b[B\x1b[B\r", "typed");
    expect_line(le, "\x1bOA\x0e\x0e\r", "");
    /* the cap drops the oldest */
    for (int i = 0; i < LINEEDIT_HISTORY_MAX + 10; i++) {
        char l[32];
        snprintf(l, sizeof(l), "SET k %d", i);
        lineedit_history_add(le, l);
    }
    assert_int_equal(lineedit_history_count(le), LINEEDIT_HISTORY_MAX);
    assert_string_equal(lineedit_history_at(le, 0), "SET k 10");
    assert_null(lineedit_history_at(le, LINEEDIT_HISTORY_MAX));
    lineedit_free(le);
    buf_free(&sc.out);
}

static void test_redraw(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    /* control bytes in a prompt are dropped */
    lineedit_set_prompt(le, "\x1b[31mapp> ");
    lineedit_set_width(le, 20);
    lineedit_start(le);
    assert_null(strstr(buf_str(&sc.out), "\x1b[31m"));
    assert_non_null(strstr(buf_str(&sc.out), "[31mapp> "));
    lineedit_set_prompt(le, "app> ");
    /* a long line scrolls: the redraw never shows more than the width */
    char *line = NULL;
    buf_reset(&sc.out);
    assert_int_equal(type(le, "0123456789abcdefghijklmnopqrstuvwxyz", &line), LINEEDIT_NONE);
    lineedit_redraw(le);
    const char *last = strrchr(buf_str(&sc.out), '\r');
    assert_non_null(last);
    /* the last redraw: "\rPROMPT TEXT\x1b[0K\r\x1b[NC" */
    const char *draw = buf_str(&sc.out);
    const char *start = draw;
    for (const char *p = draw; (p = strstr(p, "\rapp> ")) != NULL; p++)
        start = p;
    const char *kill = strstr(start, "\x1b[0K");
    assert_non_null(kill);
    size_t shown = (size_t)(kill - start) - 1;
    assert_true(shown <= 19);
    assert_non_null(strstr(start, "xyz"));
    assert_null(strstr(start, "0123"));
    lineedit_free(le);
    buf_free(&sc.out);
}

static void test_kill_yank_transpose(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    expect_line(le, "abc\x14\r", "acb");
    expect_line(le, "ab\x01\x06\x14\r", "ba");
    expect_line(le, "one two\x17\x19\x19\r", "one twotwo");
    expect_line(le, "GET k\x01\x0b\x19\x19\r", "GET kGET k");
    lineedit_free(le);
    buf_free(&sc.out);
}

static void test_search(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    lineedit_set_prompt(le, "app-4> ");
    lineedit_history_add(le, "SET a 1");
    lineedit_history_add(le, "GET a");
    lineedit_history_add(le, "SET b 2");
    lineedit_history_add(le, "GET b");
    lineedit_start(le);
    char *line = NULL;
    assert_int_equal(type(le, "\x12SET", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "SET b 2");
    struct lineedit_view v;
    lineedit_view(le, 80, &v);
    assert_true(v.searching);
    assert_string_equal(v.prompt, "(reverse-i-search)`SET': ");
    assert_non_null(strstr(buf_str(&sc.out), "(reverse-i-search)`SET': SET b 2"));
    /* C-r again: older */
    assert_int_equal(type(le, "\x12", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "SET a 1");
    /* nothing older: failed, the last match stays */
    assert_int_equal(type(le, "\x12", &line), LINEEDIT_NONE);
    lineedit_view(le, 80, &v);
    assert_string_equal(v.prompt, "(failed reverse-i-search)`SET': ");
    assert_string_equal(lineedit_text(le), "SET a 1");
    /* Enter runs the match */
    assert_int_equal(type(le, "\r", &line), LINEEDIT_LINE);
    assert_string_equal(line, "SET a 1");
    free(line);
    /* Backspace widens the query again; C-g gives up and restores */
    expect_line(le, "typed\x12GET ab\x7f\x7f\x07\r", "typed");
    /* another key keeps the match and edits it */
    expect_line(le,
                "\x12"
                "b 2\x1b[CX\r",
                "SET bX 2");
    /* curses: C-r, text, Esc cancels; Enter after a new search runs it */
    lineedit_start(le);
    assert_int_equal(lineedit_key(le, 0x12, &line), LINEEDIT_NONE);
    assert_int_equal(lineedit_key(le, 'a', &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "GET a");
    assert_int_equal(lineedit_key(le, KEYMAP_ESC, &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "");
    assert_int_equal(lineedit_key(le, KEYMAP_ESC, &line), LINEEDIT_IGNORED);
    assert_int_equal(lineedit_key(le, 0x12, &line), LINEEDIT_NONE);
    assert_int_equal(lineedit_key(le, '1', &line), LINEEDIT_NONE);
    assert_int_equal(lineedit_key(le, KEYMAP_ENTER, &line), LINEEDIT_LINE);
    assert_string_equal(line, "SET a 1");
    free(line);
    lineedit_free(le);
    buf_free(&sc.out);
}

/* Command names, then CLUSTER's subcommands, in the case typed. */
static size_t complete_cmds(const char *text, size_t pos, lineedit_add_fn add, void *ctx, void *arg)
{
    int *calls = arg;
    (*calls)++;
    static const char *const names[] = {"CLUSTER", "CLIENT", "GET", "GETDEL", "SET"};
    static const char *const subs[] = {"INFO", "NODES", "SHARDS", "SLOTS"};
    size_t start = pos;
    while (start > 0 && text[start - 1] != ' ')
        start--;
    if (start == 0) {
        for (size_t i = 0; i < 5; i++)
            add(ctx, names[i]);
    } else if (strncasecmp(text, "CLUSTER ", 8) == 0) {
        for (size_t i = 0; i < 4; i++)
            add(ctx, subs[i]);
    }
    return start;
}

static char *hint_set(const char *text, void *arg)
{
    (void)arg;
    if (strcasecmp(text, "SET ") == 0)
        return mem_xstrdup("key value [NX|XX]");
    if (strcasecmp(text, "SET") == 0)
        return mem_xstrdup(" key value [NX|XX]");
    return NULL;
}

static void test_completion_and_hints(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    int calls = 0;
    lineedit_set_completer(le, complete_cmds, &calls);
    lineedit_set_hinter(le, hint_set, NULL);
    lineedit_set_prompt(le, "app-4> ");
    /* the only match, then a space */
    lineedit_start(le);
    char *line = NULL;
    assert_int_equal(type(le, "CLU\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLUSTER ");
    /* nothing typed of the subcommand: the list only, the next Tab takes the first */
    assert_int_equal(type(le, "\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLUSTER ");
    assert_string_equal(lineedit_candidates(le), "INFO  NODES  SHARDS  SLOTS");
    assert_int_equal(type(le, "\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLUSTER INFO");
    assert_int_equal(type(le, "\x17", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLUSTER ");
    /* subcommands: cycling through what starts with S */
    assert_int_equal(type(le, "S\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLUSTER SHARDS");
    assert_string_equal(lineedit_candidates(le), "SHARDS  SLOTS");
    assert_int_equal(type(le, "\t\r", &line), LINEEDIT_LINE);
    assert_string_equal(line, "CLUSTER SLOTS");
    free(line);
    /* a longer common prefix first */
    lineedit_start(le);
    assert_int_equal(type(le, "GE\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "GET");
    assert_string_equal(lineedit_candidates(le), "GET  GETDEL");
    /* nothing more in common: Tab cycles, printed once above the prompt */
    lineedit_start(le);
    buf_reset(&sc.out);
    assert_int_equal(type(le, "CL\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLIENT");
    assert_non_null(strstr(buf_str(&sc.out), "CLIENT  CLUSTER\r\n"));
    assert_int_equal(type(le, "\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLUSTER");
    assert_int_equal(type(le, "\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "CLIENT");
    /* lower case typed: still completes */
    lineedit_start(le);
    assert_int_equal(type(le, "getd\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "GETDEL ");
    assert_int_equal(type(le, "\x15xyz\t", &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_candidates(le), "no completion");
    /* the hint follows the text, dim, only at the end of the line */
    lineedit_start(le);
    buf_reset(&sc.out);
    assert_int_equal(type(le, "SET ", &line), LINEEDIT_NONE);
    assert_non_null(strstr(buf_str(&sc.out), "app-4> SET \x1b[2mkey value [NX|XX]\x1b[0m"));
    struct lineedit_view v;
    lineedit_view(le, 80, &v);
    assert_string_equal(v.hint, "key value [NX|XX]");
    assert_int_equal(v.hint_cols, 17);
    lineedit_view(le, 20, &v);
    assert_true(v.hint_cols < 17);
    assert_int_equal(type(le, "\x1b[D", &line), LINEEDIT_NONE);
    lineedit_view(le, 80, &v);
    assert_null(v.hint);
    /* the finished line leaves no hint behind */
    buf_reset(&sc.out);
    assert_int_equal(type(le, "\r", &line), LINEEDIT_LINE);
    free(line);
    assert_null(strstr(buf_str(&sc.out), "\x1b[2m"));
    lineedit_free(le);
    buf_free(&sc.out);
}

static void test_paste(void **state)
{
    (void)state;
    struct screen sc;
    buf_init(&sc.out, 0);
    struct lineedit *le = lineedit_new(capture, &sc);
    int calls = 0;
    lineedit_set_completer(le, complete_cmds, &calls);
    const char *in = "\x1b[200~SET a 1\r\nSET b\t2\x1b[A\n\x1b[201~GET a\r";
    size_t n = strlen(in), off = 0;
    const char *want[] = {"SET a 1", "SET b 2", "GET a"};
    for (int k = 0; k < 3; k++) {
        lineedit_start(le);
        char *line = NULL;
        enum lineedit_event ev = LINEEDIT_NONE;
        while (off < n && ev == LINEEDIT_NONE) {
            size_t used = 0;
            ev = lineedit_feed(le, in + off, n - off, &used, &line);
            off += used;
        }
        assert_int_equal(ev, LINEEDIT_LINE);
        assert_string_equal(line, want[k]);
        free(line);
    }
    assert_int_equal(off, n);
    /* a Tab inside a paste never completes */
    assert_int_equal(calls, 0);
    lineedit_free(le);
    buf_free(&sc.out);
}

static void test_curses_keys(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(NULL, NULL);
    lineedit_start(le);
    char *line = NULL;
    const int keys[] = {'S',  'E',  'T',   KEYMAP_FN(KEY_LEFT), 'x', KEYMAP_FN(KEY_END), ' ',
                        0xe9, 0x9b, 0x2713};
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        assert_int_equal(lineedit_key(le, keys[i], &line), LINEEDIT_NONE);
    assert_string_equal(lineedit_text(le), "SExT \xc3\xa9\xe2\x9c\x93");
    assert_int_equal(lineedit_key(le, KEYMAP_FN(KEY_BACKSPACE), &line), LINEEDIT_NONE);
    assert_int_equal(lineedit_key(le, KEYMAP_FN(KEY_HOME), &line), LINEEDIT_NONE);
    assert_int_equal(lineedit_key(le, KEYMAP_FN(KEY_DC), &line), LINEEDIT_NONE);
    /* keys that are not the editor's */
    assert_int_equal(lineedit_key(le, KEYMAP_FN(KEY_NPAGE), &line), LINEEDIT_IGNORED);
    assert_int_equal(lineedit_key(le, KEYMAP_ESC, &line), LINEEDIT_IGNORED);
    assert_int_equal(lineedit_key(le, 0x0c, &line), LINEEDIT_IGNORED);
    assert_int_equal(lineedit_key(le, KEYMAP_ENTER, &line), LINEEDIT_LINE);
    assert_string_equal(line, "ExT \xc3\xa9");
    free(line);
    /* inactive after an event */
    assert_int_equal(lineedit_key(le, 'a', &line), LINEEDIT_IGNORED);
    lineedit_start(le);
    lineedit_set_text(le, "GET \x1bkey");
    assert_string_equal(lineedit_text(le), "GET key");
    assert_int_equal(lineedit_cursor(le), 7);
    struct lineedit_view v;
    lineedit_set_prompt(le, "app-4 [primaries]> ");
    lineedit_view(le, 40, &v);
    assert_int_equal(v.cursor, 19 + 7);
    assert_int_equal(v.len, 7);
    lineedit_free(le);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editing),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_redraw),
        cmocka_unit_test(test_kill_yank_transpose),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_completion_and_hints),
        cmocka_unit_test(test_paste),
        cmocka_unit_test(test_curses_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
