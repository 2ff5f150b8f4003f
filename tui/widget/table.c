/* table.c - a scrolling table of text cells with a selected row. */
#include "tui/widget/table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"

void table_init(struct table *t, const struct table_col *cols, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->cols = cols;
    t->ncols = ncols;
}

void table_clear(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    t->nrows = 0;
}

void table_free(struct table *t)
{
    table_clear(t);
    free(t->cells);
    t->cells = NULL;
    t->caprows = 0;
}

size_t table_add_row(struct table *t)
{
    if (t->nrows == t->caprows) {
        size_t cap = t->caprows ? t->caprows * 2 : 32;
        t->cells = mem_xrealloc(t->cells, cap * t->ncols * sizeof(*t->cells));
        t->caprows = cap;
    }
    memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
    return t->nrows++;
}

void table_set(struct table *t, size_t row, size_t col, int role, const char *fmt, ...)
{
    if (row >= t->nrows || col >= t->ncols)
        return;
    struct table_cell *c = &t->cells[row * t->ncols + col];
    struct buf b;
    buf_init(&b, 4096);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(c->text);
    c->text = buf_steal(&b);
    c->role = role;
}

const char *table_get(const struct table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols)
        return NULL;
    const char *s = t->cells[row * t->ncols + col].text;
    return s ? s : "";
}

bool table_select(struct table *t, size_t col, const char *text)
{
    for (size_t r = 0; r < t->nrows; r++)
        if (text && strcmp(table_get(t, r, col), text) == 0) {
            t->sel = r;
            return true;
        }
    if (t->sel >= t->nrows)
        t->sel = t->nrows ? t->nrows - 1 : 0;
    return false;
}

static void table_widths(const struct table *t, int cols, int *w)
{
    int fixed = 0, flex = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->cols[c].width > 0)
            fixed += t->cols[c].width + 1;
        else
            flex++;
    }
    int left = cols - 1 - fixed;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->cols[c].width > 0)
            w[c] = t->cols[c].width;
        else
            w[c] = flex ? (left > flex * 4 ? left / flex : 4) : 0;
    }
}

int table_draw(struct table *t, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
    if (rows < 1 || t->ncols == 0)
        return 0;
    int width[32];
    size_t nc = t->ncols > 32 ? 32 : t->ncols;
    table_widths(t, cols, width);
    int x = 1;
    app_style(a, w, THEME_COLUMN);
    for (size_t c = 0; c < nc && x < cols; c++) {
        int cw = width[c] < cols - x ? width[c] : cols - x;
        app_put(w, y0, x, cw, t->cols[c].title, true);
        x += cw + 1;
    }
    app_style(a, w, THEME_NORMAL);
    int body = rows - 1;
    t->page = body > 0 ? body : 1;
    if (t->sel >= t->nrows)
        t->sel = t->nrows ? t->nrows - 1 : 0;
    if (t->sel < t->top)
        t->top = t->sel;
    if (body > 0 && t->sel >= t->top + (size_t)body)
        t->top = t->sel - (size_t)body + 1;
    int y = y0 + 1;
    for (size_t r = t->top; r < t->nrows && y < y0 + rows; r++, y++) {
        bool selected = r == t->sel;
        if (selected) {
            app_style(a, w, THEME_SELECTED);
            app_put(w, y, 0, cols, "", true);
        }
        x = 1;
        for (size_t c = 0; c < nc && x < cols; c++) {
            const struct table_cell *cell = &t->cells[r * t->ncols + c];
            int cw = width[c] < cols - x ? width[c] : cols - x;
            app_style(a, w, selected ? THEME_SELECTED : cell->role);
            const char *text = cell->text ? cell->text : "";
            if (t->cols[c].right) {
                int len = (int)strlen(text);
                int pad = cw > len ? cw - len : 0;
                app_put(w, y, x, pad, "", true);
                app_put(w, y, x + pad, cw - pad, text, true);
            } else {
                app_put(w, y, x, cw, text, true);
            }
            x += cw + 1;
        }
        app_style(a, w, THEME_NORMAL);
    }
    return y - y0;
}

int table_key(struct table *t, int key)
{
    size_t page = t->page > 1 ? (size_t)t->page - 1 : 1;
    switch (key) {
    case KEY_DOWN:
    case 'j':
        if (t->sel + 1 < t->nrows)
            t->sel++;
        return APP_REDRAW;
    case KEY_UP:
    case 'k':
        if (t->sel > 0)
            t->sel--;
        return APP_REDRAW;
    case KEY_NPAGE:
    case ' ':
        t->sel = t->sel + page < t->nrows ? t->sel + page : (t->nrows ? t->nrows - 1 : 0);
        return APP_REDRAW;
    case KEY_PPAGE:
        t->sel = t->sel > page ? t->sel - page : 0;
        return APP_REDRAW;
    case KEY_HOME:
    case 'g':
        t->sel = 0;
        return APP_REDRAW;
    case KEY_END:
    case 'G':
        t->sel = t->nrows ? t->nrows - 1 : 0;
        return APP_REDRAW;
    default:
        return APP_IGNORED;
    }
}
