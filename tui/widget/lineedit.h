/* lineedit.h - a small line editor for the interactive Redis prompt.
 *
 * A pure state machine: bytes typed go in (lineedit_feed), redraws go out
 * through a write callback (the caller puts the terminal in raw mode), and
 * events come back: a finished line, end of input (Ctrl-D on an empty
 * line), or an interrupt (Ctrl-C). One line, scrolled sideways when longer
 * than the terminal is wide; code points of UTF-8 count as one column.
 *
 * Keys: printable text inserts; Left/Right, Ctrl-B/Ctrl-F move; Home/End,
 * Ctrl-A/Ctrl-E jump; Alt-B/Alt-F move by word; Backspace/Ctrl-H and
 * Delete remove; Ctrl-K kills to the end, Ctrl-U to the start, Ctrl-W the
 * word before the cursor; Up/Down and Ctrl-P/Ctrl-N walk the history;
 * Ctrl-L clears the screen; Ctrl-D deletes under the cursor (ends input on
 * an empty line); Ctrl-C drops the line. Other control bytes are ignored,
 * so nothing typed or pasted can put a control character into a line.
 */
#ifndef ELCUI_TUI_LINEEDIT_H
#define ELCUI_TUI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_MAX_LINE 65536
#define LINEEDIT_HISTORY_MAX 1000

enum lineedit_event {
    LINEEDIT_NONE = 0,  /* all input used, no event */
    LINEEDIT_LINE,      /* a line is complete */
    LINEEDIT_EOF,       /* Ctrl-D on an empty line */
    LINEEDIT_INTERRUPT, /* Ctrl-C */
};

typedef void (*lineedit_write_fn)(const char *s, size_t n, void *arg);

struct lineedit;

struct lineedit *lineedit_new(lineedit_write_fn out, void *arg);
void lineedit_free(struct lineedit *le);
/* The prompt (control characters are dropped); takes effect on redraw. */
void lineedit_set_prompt(struct lineedit *le, const char *prompt);
void lineedit_set_width(struct lineedit *le, int cols);
/* Start a fresh, empty line and draw the prompt. */
void lineedit_start(struct lineedit *le);
/* Redraw the current line (after output or a resize). */
void lineedit_redraw(struct lineedit *le);
/* Erase the prompt line so output can be printed in its place. */
void lineedit_clear(struct lineedit *le);

/* Feed typed bytes. Stops at the first event and says how many bytes it
 * used; for LINEEDIT_LINE *line is the line (caller frees). Editing is
 * inactive after an event until lineedit_start(). */
enum lineedit_event lineedit_feed(struct lineedit *le, const char *in, size_t n, size_t *used,
                                  char **line);

/* History, oldest first; consecutive duplicates and empty lines are not
 * added (false); the oldest entries go beyond LINEEDIT_HISTORY_MAX. */
bool lineedit_history_add(struct lineedit *le, const char *line);
size_t lineedit_history_count(const struct lineedit *le);
const char *lineedit_history_at(const struct lineedit *le, size_t i);

/* For tests: the line being edited and the cursor (byte offset). */
const char *lineedit_text(const struct lineedit *le);
size_t lineedit_cursor(const struct lineedit *le);

#endif
