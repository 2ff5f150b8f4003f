/* fuzz_lineedit.c - bytes typed or pasted at exec's prompt (tui/widget/lineedit:
 * keys, escape sequences, UTF-8, history walks, narrow terminals). The
 * editor promises that nothing typed or pasted puts a control character
 * into a line: every finished line, the line being edited and the history
 * are checked (the target aborts otherwise). Input: the bytes typed; the
 * first byte picks the terminal width. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_safe.h"
#include "tui/widget/lineedit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(const char *s, size_t n, void *arg)
{
    size_t *total = arg;
    (void)s;
    *total += n;
}

static void check_text(const char *what, const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            fprintf(stderr, "%s: control byte 0x%02x at offset %zu\n", what, c, i);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t written = 0;
    struct lineedit *le = lineedit_new(sink, &written);
    lineedit_set_prompt(le, "app-4> \x1b[31m");
    lineedit_set_width(le, 1 + data[0] % 120);
    lineedit_start(le);
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    for (int rounds = 0; n > 0 && rounds < 10000; rounds++) {
        size_t used = 0;
        char *line = NULL;
        enum lineedit_event ev = lineedit_feed(le, in, n, &used, &line);
        if (used > n)
            abort();
        in += used;
        n -= used;
        check_text("lineedit_text", lineedit_text(le));
        if (lineedit_cursor(le) > strlen(lineedit_text(le)))
            abort();
        if (ev == LINEEDIT_LINE) {
            check_text("finished line", line);
            (void)lineedit_history_add(le, line);
            free(line);
        }
        if (ev != LINEEDIT_NONE)
            lineedit_start(le);
        else if (used == 0)
            break;
    }
    for (size_t i = 0; i < lineedit_history_count(le); i++)
        check_text("history", lineedit_history_at(le, i));
    lineedit_redraw(le);
    lineedit_clear(le);
    lineedit_free(le);
    return 0;
}
