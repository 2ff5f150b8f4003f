/* lineedit.h - the one line editor of the Redis prompts: `elcui exec`'s
 * interactive prompt (termios) and the console's command panel (curses).
 *
 * One editing model, two front ends. The model is a pure state machine:
 * the text, the cursor, the history walk, the kill buffer, the ctrl-r
 * search, Tab completion and the argument hint. Keys reach it through one
 * of two doors:
 *  - lineedit_feed: the bytes a terminal in raw mode sends (the termios
 *    front end): escape sequences (CSI, SS3, Alt-x, bracketed paste) are
 *    decoded, and redraws go out through the write callback as ANSI text;
 *  - lineedit_key: a key in the console's key space (tui/keymap.h: code
 *    points, KEYMAP_FN(KEY_x)), with no output: the panel draws what
 *    lineedit_view says.
 * Events come back: a finished line, end of input (Ctrl-D on an empty
 * line), an interrupt (Ctrl-C, termios only: curses turns it into a
 * signal).
 *
 * Keys (emacs): printable text inserts; Left/Right, C-b/C-f move; Home/End,
 * C-a/C-e jump; Alt-b/Alt-f move by word; Backspace/C-h and Delete remove;
 * C-k kills to the end, C-u to the start, C-w the word before the cursor,
 * C-y yanks the last kill; C-t swaps two characters; Up/Down and C-p/C-n
 * walk the history; C-r searches it backwards (C-r again: older; Enter
 * runs the match, Esc or C-g gives up, any other key edits the match);
 * Tab completes (from the completer: the only match, else the longest
 * common prefix, then Tab cycles through the candidates); C-l clears the
 * screen (termios); C-d deletes under the cursor (ends input on an empty
 * line); C-c drops the line. Other control bytes are ignored, and a
 * bracketed paste inserts its text as typed (Tab as a space, every line
 * a line of its own), so nothing typed or pasted can put a control
 * character into a line.
 *
 * One line, scrolled sideways when longer than the width; code points of
 * UTF-8 count as one column.
 */
#ifndef ELCUI_TUI_LINEEDIT_H
#define ELCUI_TUI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_MAX_LINE 65536
#define LINEEDIT_HISTORY_MAX 1000
#define LINEEDIT_MAX_CANDS 4096

enum lineedit_event {
    LINEEDIT_NONE = 0,  /* all input used, no event */
    LINEEDIT_LINE,      /* a line is complete */
    LINEEDIT_EOF,       /* Ctrl-D on an empty line */
    LINEEDIT_INTERRUPT, /* Ctrl-C */
    LINEEDIT_IGNORED,   /* lineedit_key: not an editing key (the caller's) */
};

typedef void (*lineedit_write_fn)(const char *s, size_t n, void *arg);

/* Completion: add every candidate for the word that ends at the cursor
 * (the editor keeps those that start with it) and return where that word
 * starts (a byte offset <= pos). */
typedef void (*lineedit_add_fn)(void *ctx, const char *candidate);
typedef size_t (*lineedit_complete_fn)(const char *text, size_t pos, lineedit_add_fn add,
                                       void *add_ctx, void *arg);
/* The hint shown after the text while the cursor is at its end (NULL: none;
 * the editor frees it). */
typedef char *(*lineedit_hint_fn)(const char *text, void *arg);

/* A history the editor walks and searches instead of its own list (the
 * session's, shared with the file): entries oldest first. */
struct lineedit_history {
    size_t (*count)(void *arg);
    const char *(*at)(void *arg, size_t i);
    void *arg;
};

struct lineedit;

/* out may be NULL (the curses front end draws from lineedit_view). */
struct lineedit *lineedit_new(lineedit_write_fn out, void *arg);
void lineedit_free(struct lineedit *le);
/* The prompt (control characters are dropped); takes effect on redraw. */
void lineedit_set_prompt(struct lineedit *le, const char *prompt);
void lineedit_set_width(struct lineedit *le, int cols);
void lineedit_set_completer(struct lineedit *le, lineedit_complete_fn fn, void *arg);
void lineedit_set_hinter(struct lineedit *le, lineedit_hint_fn fn, void *arg);
/* NULL: the editor's own list again. */
void lineedit_set_history(struct lineedit *le, const struct lineedit_history *h);
/* Start a fresh, empty line and draw the prompt. */
void lineedit_start(struct lineedit *le);
/* Redraw the current line (after output or a resize). */
void lineedit_redraw(struct lineedit *le);
/* Erase the prompt line so output can be printed in its place. */
void lineedit_clear(struct lineedit *le);
/* Taking keys (started and no event since)? */
bool lineedit_active(const struct lineedit *le);

/* Feed typed bytes (termios). Stops at the first event and says how many
 * bytes it used; for LINEEDIT_LINE *line is the line (caller frees).
 * Editing is inactive after an event until lineedit_start(). */
enum lineedit_event lineedit_feed(struct lineedit *le, const char *in, size_t n, size_t *used,
                                  char **line);
/* One key of the console's key space (curses). LINEEDIT_IGNORED for keys
 * that are not the editor's (Esc outside a search, PgUp, F-keys...); for
 * LINEEDIT_LINE *line is the line (caller frees). */
enum lineedit_event lineedit_key(struct lineedit *le, int key, char **line);

/* What to draw in cols columns: the prompt (the search prompt while
 * searching), the part of the text shown and the cursor's column counted
 * from the start of the prompt; the hint when the cursor is at the end
 * and it fits. Pointers valid until the next call into the editor. */
struct lineedit_view {
    const char *prompt;
    size_t prompt_skip; /* bytes of the prompt left out (a prompt wider than half) */
    const char *text;   /* the text shown: text[0..len) */
    size_t len;
    int cursor;       /* column of the cursor, from the first column */
    const char *hint; /* or NULL */
    int hint_cols;    /* columns of the hint that fit */
    bool searching;
};
void lineedit_view(struct lineedit *le, int cols, struct lineedit_view *v);

/* The candidates of the last Tab that did not settle on one ("" none). */
const char *lineedit_candidates(const struct lineedit *le);

/* History, oldest first; consecutive duplicates and empty lines are not
 * added (false); the oldest entries go beyond LINEEDIT_HISTORY_MAX. */
bool lineedit_history_add(struct lineedit *le, const char *line);
size_t lineedit_history_count(const struct lineedit *le);
const char *lineedit_history_at(const struct lineedit *le, size_t i);

/* The line being edited and the cursor (byte offset). */
const char *lineedit_text(const struct lineedit *le);
size_t lineedit_cursor(const struct lineedit *le);
/* Replace the text (control characters dropped); the cursor goes to the end. */
void lineedit_set_text(struct lineedit *le, const char *text);

#endif
