/* listview.h - the one list widget under every list of the console.
 *
 * Two shapes share all the code for scrolling, filtering and drawing:
 *
 *  - a table (listview_init with columns): a heading, one selected row,
 *    sort by any column (REQ_SORT cycles the column, REQ_SORT_REVERSE
 *    flips the order; the sorted column is marked; LISTVIEW_NUMERIC
 *    columns compare as numbers), columns that shrink by priority when the
 *    terminal is narrow (a LISTVIEW_KEY column never shrinks and is pinned
 *    when the others scroll sideways), and a selected row that survives
 *    refreshes, sorting and filtering (it is found again by its key
 *    column);
 *  - a pager (listview_init_pager): lines of styled segments, scrolled
 *    without a selection (the group screen's facts, the context screen,
 *    help, messages).
 *
 * Both take the "list" requests of the keymap (REQ_DOWN ... REQ_FILTER)
 * through listview_request, and while the filter is typed, raw keys through
 * listview_input. The filter keeps rows whose text contains it (case
 * insensitive), or matches a POSIX extended regex when it starts with '~';
 * matches are highlighted (THEME_MATCH). An empty filter shows every row.
 *
 * Screens fill it from engine callbacks: listview_begin, then
 * listview_add + listview_set (or listview_seg) per row, then
 * listview_end, which filters, sorts and selects again.
 */
#ifndef ELCUI_TUI_LISTVIEW_H
#define ELCUI_TUI_LISTVIEW_H

#include <curses.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "tui/widget/field.h"

struct app;

enum {
    LISTVIEW_RIGHT = 1,   /* right-aligned */
    LISTVIEW_NUMERIC = 2, /* sorts as a number ("12", "3.5", "$1,024"); others last */
    LISTVIEW_KEY = 4,     /* identifies the row: selection follows it; never shrinks */
};

struct listview_col {
    const char *title;
    int min;      /* narrowest it may shrink to (0: it never shrinks, it scrolls) */
    int max;      /* widest it grows to (0: its longest text) */
    int priority; /* the lowest shrinks first */
    unsigned flags;
};

struct listview_cell {
    char *text;
    int role;  /* THEME_* */
    int width; /* pager segments: columns taken (0: the text's own width) */
};

struct listview_row {
    struct listview_cell *cells;
    size_t n, cap;
};

struct listview {
    const struct listview_col *cols;
    size_t ncols; /* 0: a pager */
    struct listview_row *rows;
    size_t nrows, caprows;
    size_t *view; /* rows shown, filtered and sorted */
    size_t nview, capview;
    size_t sel;     /* index into view (tables) */
    size_t top;     /* first view index drawn */
    int page;       /* rows drawn last time */
    int drawn_cols; /* columns drawn in last time */
    size_t hcol;    /* tables: first scrolled column (after the pinned one) */
    int hoff;       /* pagers: columns scrolled sideways */
    int *natural;   /* tables: each column's widest text */
    int widest;     /* pagers: the widest line */
    int sort_col;   /* -1: the order rows were added in */
    bool sort_desc;
    struct field filter; /* what is typed */
    bool filtering;      /* the filter is being typed */
    char *applied;       /* the filter in effect ("" none) */
    regex_t re;
    bool re_ok;
    char re_error[160];
    char *sel_key; /* key of the selected row across a refill */
    size_t sel_before;
    const char *empty; /* shown when there is no row */
};

void listview_init(struct listview *lv, const struct listview_col *cols, size_t ncols);
void listview_init_pager(struct listview *lv);
void listview_free(struct listview *lv);

/* Refill: begin drops the rows (remembering the selection), add/set/seg
 * make new ones, end filters, sorts and selects again. */
void listview_begin(struct listview *lv);
size_t listview_add(struct listview *lv);
void listview_set(struct listview *lv, size_t row, size_t col, int role, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Pager lines: append a segment of width columns (0: its text's width). */
void listview_seg(struct listview *lv, size_t row, int role, int width, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void listview_vseg(struct listview *lv, size_t row, int role, int width, const char *fmt,
                   va_list ap) __attribute__((format(printf, 5, 0)));
/* A new pager line of one segment. */
void listview_line(struct listview *lv, int role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void listview_end(struct listview *lv);

/* Rows: all of them, and those the filter shows. */
size_t listview_total(const struct listview *lv);
size_t listview_count(const struct listview *lv);
/* The selected row (index for listview_get), false when none. */
bool listview_selected(const struct listview *lv, size_t *row);
const char *listview_get(const struct listview *lv, size_t row, size_t col);
/* Select the row whose key column is key; false when no row shown has it. */
bool listview_select_key(struct listview *lv, const char *key);

void listview_sort(struct listview *lv, int col, bool desc);
/* Set the filter as if typed and kept; false (and the filter dropped) for
 * a regex that does not compile, the reason in lv->re_error. */
bool listview_set_filter(struct listview *lv, const char *text);
/* Does text match the filter in effect? Ranges of the matches (byte
 * offsets, at most max) in starts/ends; returns how many (0: no match).
 * With no filter: 1 with an empty range. */
size_t listview_match(const struct listview *lv, const char *text, size_t *starts, size_t *ends,
                      size_t max);

/* REQ_* of scopes list and table (and REQ_BACK clearing the filter):
 * APP_REDRAW when done, APP_IGNORED when not the widget's. */
int listview_request(struct listview *lv, int req);
/* Raw keys while the filter is typed: APP_REDRAW/APP_HANDLED, or
 * APP_IGNORED when not typing. */
int listview_input(struct listview *lv, int key);
bool listview_typing(const struct listview *lv);

/* Draw in rows x cols at (y0, x0): the heading (tables), the rows, and a
 * last line for the filter while it is typed or in effect. focused: the
 * selection is drawn as selected (else dimmer). Returns the lines used. */
int listview_draw(struct listview *lv, struct app *a, WINDOW *w, int y0, int x0, int rows, int cols,
                  bool focused);

/* Column widths a table would use in cols columns (for tests): w[ncols],
 * 0 for a column scrolled out of sight. */
void listview_layout(const struct listview *lv, int cols, int *w);

#endif
