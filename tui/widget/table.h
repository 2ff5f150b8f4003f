/* table.h - a scrolling table of text cells with a selected row.
 *
 * Screens fill rows from engine callbacks (table_clear + table_add_row +
 * table_set) and draw with table_draw; keys for moving the selection go
 * through table_key. Cell text is drawn terminal-safe (app_put).
 */
#ifndef ELCUI_TUI_TABLE_H
#define ELCUI_TUI_TABLE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "tui/app.h"

struct table_col {
    const char *title;
    int width; /* columns; 0 = take what is left */
    bool right;
};

struct table_cell {
    char *text;
    int role; /* THEME_* */
};

struct table {
    const struct table_col *cols;
    size_t ncols;
    struct table_cell *cells; /* nrows x ncols */
    size_t nrows, caprows;
    size_t sel; /* selected row */
    size_t top; /* first row shown */
    int page;   /* rows shown at the last draw */
};

void table_init(struct table *t, const struct table_col *cols, size_t ncols);
void table_free(struct table *t);
void table_clear(struct table *t);
size_t table_add_row(struct table *t);
void table_set(struct table *t, size_t row, size_t col, int role, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
const char *table_get(const struct table *t, size_t row, size_t col);
/* Select the row whose column col equals text; false when none. */
bool table_select(struct table *t, size_t col, const char *text);
/* Heading + rows in rows lines from y0; returns the lines used. */
int table_draw(struct table *t, struct app *a, WINDOW *w, int y0, int rows, int cols);
/* Movement keys (j/k, arrows, PgUp/PgDn, g/G, Home/End): APP_REDRAW when
 * handled, else APP_IGNORED. */
int table_key(struct table *t, int key);

#endif
