/* field.h - a one-line text field for the console: the `:` command line,
 * a list's `/` filter, a dialog's "type the name" box.
 *
 * Keys (keymap key space): printable characters insert (UTF-8 kept whole),
 * Backspace and Del remove, Left/Right and C-b/C-f move, Home/End and
 * C-a/C-e jump, C-u kills to the start, C-k to the end, C-w the word
 * before the cursor. Other keys are not the field's (FIELD_IGNORED), so
 * the owner decides what Enter, Esc, Tab, Up and Down mean. Control
 * characters never enter the text.
 */
#ifndef ELCUI_TUI_FIELD_H
#define ELCUI_TUI_FIELD_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

enum field_result {
    FIELD_IGNORED = 0, /* not an editing key */
    FIELD_MOVED,       /* the cursor moved */
    FIELD_CHANGED,     /* the text changed */
};

struct field {
    char *text; /* NUL-terminated UTF-8 */
    size_t len;
    size_t cap;
    size_t cursor; /* byte offset, on a code point boundary */
    size_t max;    /* bytes */
};

void field_init(struct field *f, size_t max);
void field_free(struct field *f);
/* Replace the text; the cursor goes to the end. */
void field_set(struct field *f, const char *text);
void field_clear(struct field *f);
const char *field_text(const struct field *f);
enum field_result field_key(struct field *f, int key);
/* Draw at (y, x) in width columns, scrolled so the cursor shows; the
 * character under the cursor in reverse video. */
void field_draw(const struct field *f, WINDOW *w, int y, int x, int width);

#endif
