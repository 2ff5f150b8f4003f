/* listview.c - the one list widget: tables and pagers, scroll, filter, sort. */
#include "tui/widget/listview.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "tui/app.h"
#include "tui/keymap.h"

#define LISTVIEW_MAX_MATCHES 16
#define LISTVIEW_FILTER_MAX 256
#define LISTVIEW_PAGER_STEP 8

static void listview_common(struct listview *lv)
{
    lv->sort_col = -1;
    lv->applied = mem_xstrdup("");
    field_init(&lv->filter, LISTVIEW_FILTER_MAX);
}

void listview_init(struct listview *lv, const struct listview_col *cols, size_t ncols)
{
    memset(lv, 0, sizeof(*lv));
    lv->cols = cols;
    lv->ncols = ncols;
    lv->natural = mem_xcalloc(ncols ? ncols : 1, sizeof(*lv->natural));
    listview_common(lv);
}

void listview_init_pager(struct listview *lv)
{
    memset(lv, 0, sizeof(*lv));
    listview_common(lv);
}

static void listview_drop_rows(struct listview *lv)
{
    for (size_t r = 0; r < lv->nrows; r++) {
        for (size_t c = 0; c < lv->rows[r].n; c++)
            free(lv->rows[r].cells[c].text);
        free(lv->rows[r].cells);
    }
    lv->nrows = 0;
}

void listview_free(struct listview *lv)
{
    listview_drop_rows(lv);
    free(lv->rows);
    free(lv->view);
    free(lv->natural);
    free(lv->applied);
    free(lv->sel_key);
    if (lv->re_ok)
        regfree(&lv->re);
    field_free(&lv->filter);
    memset(lv, 0, sizeof(*lv));
}

static ssize_t listview_key_col(const struct listview *lv)
{
    for (size_t c = 0; c < lv->ncols; c++)
        if (lv->cols[c].flags & LISTVIEW_KEY)
            return (ssize_t)c;
    return -1;
}

bool listview_selected(const struct listview *lv, size_t *row)
{
    if (lv->ncols == 0 || lv->sel >= lv->nview)
        return false;
    if (row)
        *row = lv->view[lv->sel];
    return true;
}

const char *listview_get(const struct listview *lv, size_t row, size_t col)
{
    if (row >= lv->nrows || col >= lv->rows[row].n)
        return "";
    const char *t = lv->rows[row].cells[col].text;
    return t ? t : "";
}

void listview_begin(struct listview *lv)
{
    free(lv->sel_key);
    lv->sel_key = NULL;
    ssize_t kc = listview_key_col(lv);
    size_t row;
    if (kc >= 0 && listview_selected(lv, &row))
        lv->sel_key = mem_xstrdup(listview_get(lv, row, (size_t)kc));
    lv->sel_before = lv->sel;
    listview_drop_rows(lv);
}

size_t listview_add(struct listview *lv)
{
    lv->rows = mem_xgrow(lv->rows, &lv->caprows, lv->nrows + 1, sizeof(*lv->rows));
    struct listview_row *r = &lv->rows[lv->nrows];
    memset(r, 0, sizeof(*r));
    if (lv->ncols) {
        r->cells = mem_xcalloc(lv->ncols, sizeof(*r->cells));
        r->n = r->cap = lv->ncols;
    }
    return lv->nrows++;
}

static char *listview_vformat(const char *fmt, va_list ap)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_vprintf(&b, fmt, ap);
    return buf_steal(&b);
}

void listview_set(struct listview *lv, size_t row, size_t col, int role, const char *fmt, ...)
{
    if (row >= lv->nrows || col >= lv->rows[row].n)
        return;
    struct listview_cell *c = &lv->rows[row].cells[col];
    va_list ap;
    va_start(ap, fmt);
    free(c->text);
    c->text = listview_vformat(fmt, ap);
    va_end(ap);
    c->role = role;
}

void listview_vseg(struct listview *lv, size_t row, int role, int width, const char *fmt,
                   va_list ap)
{
    if (row >= lv->nrows)
        return;
    struct listview_row *r = &lv->rows[row];
    r->cells = mem_xgrow(r->cells, &r->cap, r->n + 1, sizeof(*r->cells));
    struct listview_cell *c = &r->cells[r->n++];
    c->text = listview_vformat(fmt, ap);
    c->role = role;
    c->width = width;
}

void listview_seg(struct listview *lv, size_t row, int role, int width, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    listview_vseg(lv, row, role, width, fmt, ap);
    va_end(ap);
}

void listview_line(struct listview *lv, int role, const char *fmt, ...)
{
    size_t row = listview_add(lv);
    va_list ap;
    va_start(ap, fmt);
    listview_vseg(lv, row, role, 0, fmt, ap);
    va_end(ap);
}

/* ---- matching ---- */

size_t listview_match(const struct listview *lv, const char *text, size_t *starts, size_t *ends,
                      size_t max)
{
    const char *f = lv->applied ? lv->applied : "";
    if (!*f) {
        if (max) {
            starts[0] = ends[0] = 0;
        }
        return 1;
    }
    size_t n = 0;
    if (f[0] == '~') {
        if (!lv->re_ok)
            return 1; /* a broken regex filters nothing (and says so) */
        size_t off = 0, len = strlen(text);
        while (off <= len) {
            regmatch_t m;
            if (regexec(&lv->re, text + off, 1, &m, off ? REG_NOTBOL : 0) != 0)
                break;
            if (n < max) {
                starts[n] = off + (size_t)m.rm_so;
                ends[n] = off + (size_t)m.rm_eo;
            }
            n++;
            if (n >= max)
                break;
            off += m.rm_eo > m.rm_so ? (size_t)m.rm_eo : (size_t)m.rm_so + 1;
        }
        return n;
    }
    size_t fl = strlen(f);
    for (const char *p = text; *p && n < max;) {
        if (strncasecmp(p, f, fl) == 0) {
            starts[n] = (size_t)(p - text);
            ends[n] = starts[n] + fl;
            n++;
            p += fl;
        } else {
            p++;
        }
    }
    return n;
}

static bool listview_row_matches(const struct listview *lv, const struct listview_row *r)
{
    if (!lv->applied || !lv->applied[0])
        return true;
    size_t s[1], e[1];
    for (size_t c = 0; c < r->n; c++)
        if (r->cells[c].text && listview_match(lv, r->cells[c].text, s, e, 1) > 0)
            return true;
    return false;
}

/* ---- sorting ---- */

static const struct listview *listview_sorting; /* qsort has no context */

static bool listview_number(const char *s, double *out)
{
    while (*s == ' ' || *s == '$' || *s == '~' || *s == '+')
        s++;
    if (!isdigit((unsigned char)*s) && !(*s == '-' && isdigit((unsigned char)s[1])) &&
        !(*s == '.' && isdigit((unsigned char)s[1])))
        return false;
    char clean[64];
    size_t n = 0;
    for (; *s && n + 1 < sizeof(clean); s++) {
        if (*s == ',')
            continue; /* thousands separators */
        if (!isdigit((unsigned char)*s) && *s != '.' && *s != '-' && *s != 'e' && *s != 'E')
            break;
        clean[n++] = *s;
    }
    clean[n] = '\0';
    char *end;
    *out = strtod(clean, &end);
    if (end == clean)
        return false;
    /* durations sort by length: 90s < 5m < 3h < 2d */
    switch (*s) {
    case 'm':
        *out *= 60;
        break;
    case 'h':
        *out *= 3600;
        break;
    case 'd':
        *out *= 86400;
        break;
    default:
        break;
    }
    return true;
}

static int listview_cmp(const void *pa, const void *pb)
{
    const struct listview *lv = listview_sorting;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    size_t c = (size_t)lv->sort_col;
    const char *ta = listview_get(lv, a, c), *tb = listview_get(lv, b, c);
    int r = 0;
    if (lv->cols[c].flags & LISTVIEW_NUMERIC) {
        double da, db;
        bool na = listview_number(ta, &da), nb = listview_number(tb, &db);
        if (na && nb)
            r = da < db ? -1 : da > db ? 1 : 0;
        else if (na != nb)
            return na ? -1 : 1; /* numbers first, whatever the order */
        else
            r = strcmp(ta, tb);
    } else {
        r = strcmp(ta, tb);
    }
    if (lv->sort_desc)
        r = -r;
    if (r == 0)
        r = a < b ? -1 : a > b ? 1 : 0; /* stable: the order rows came in */
    return r;
}

static void listview_rebuild(struct listview *lv)
{
    lv->view = mem_xgrow(lv->view, &lv->capview, lv->nrows ? lv->nrows : 1, sizeof(*lv->view));
    lv->nview = 0;
    for (size_t r = 0; r < lv->nrows; r++)
        if (listview_row_matches(lv, &lv->rows[r]))
            lv->view[lv->nview++] = r;
    if (lv->ncols && lv->sort_col >= 0 && (size_t)lv->sort_col < lv->ncols && lv->nview > 1) {
        listview_sorting = lv;
        qsort(lv->view, lv->nview, sizeof(*lv->view), listview_cmp);
        listview_sorting = NULL;
    }
}

static int listview_width(const char *s)
{
    return app_text_width(s ? s : "");
}

static void listview_measure(struct listview *lv)
{
    if (lv->ncols) {
        for (size_t c = 0; c < lv->ncols; c++) {
            int w = listview_width(lv->cols[c].title) + 1; /* room for the sort mark */
            for (size_t r = 0; r < lv->nrows; r++) {
                int cw = listview_width(lv->rows[r].cells[c].text);
                if (cw > w)
                    w = cw;
            }
            if (lv->cols[c].max > 0 && w > lv->cols[c].max)
                w = lv->cols[c].max;
            lv->natural[c] = w;
        }
        return;
    }
    lv->widest = 0;
    for (size_t r = 0; r < lv->nrows; r++) {
        int w = 0;
        for (size_t c = 0; c < lv->rows[r].n; c++) {
            const struct listview_cell *s = &lv->rows[r].cells[c];
            w += s->width ? s->width + 1 : listview_width(s->text);
        }
        if (w > lv->widest)
            lv->widest = w;
    }
}

bool listview_select_key(struct listview *lv, const char *key)
{
    ssize_t kc = listview_key_col(lv);
    if (kc < 0 || !key)
        return false;
    for (size_t i = 0; i < lv->nview; i++)
        if (strcmp(listview_get(lv, lv->view[i], (size_t)kc), key) == 0) {
            lv->sel = i;
            return true;
        }
    return false;
}

static void listview_clamp(struct listview *lv)
{
    if (lv->sel >= lv->nview)
        lv->sel = lv->nview ? lv->nview - 1 : 0;
    if (lv->ncols == 0) {
        size_t page = lv->page > 0 ? (size_t)lv->page : 1;
        size_t maxtop = lv->nview > page ? lv->nview - page : 0;
        if (lv->top > maxtop)
            lv->top = maxtop;
    }
}

/* After the rows or the filter or the order changed: rebuild the view and
 * find the selected row again by its key. */
static void listview_refresh_view(struct listview *lv, const char *key, size_t fallback)
{
    listview_rebuild(lv);
    if (!key || !listview_select_key(lv, key))
        lv->sel = fallback;
    listview_clamp(lv);
}

void listview_end(struct listview *lv)
{
    listview_measure(lv);
    listview_refresh_view(lv, lv->sel_key, lv->sel_before);
    free(lv->sel_key);
    lv->sel_key = NULL;
}

size_t listview_total(const struct listview *lv)
{
    return lv->nrows;
}

size_t listview_count(const struct listview *lv)
{
    return lv->nview;
}

static char *listview_current_key(const struct listview *lv)
{
    ssize_t kc = listview_key_col(lv);
    size_t row;
    if (kc < 0 || !listview_selected(lv, &row))
        return NULL;
    return mem_xstrdup(listview_get(lv, row, (size_t)kc));
}

void listview_sort(struct listview *lv, int col, bool desc)
{
    char *key = listview_current_key(lv);
    lv->sort_col = col >= 0 && (size_t)col < lv->ncols ? col : -1;
    lv->sort_desc = desc;
    listview_refresh_view(lv, key, lv->sel);
    free(key);
}

bool listview_set_filter(struct listview *lv, const char *text)
{
    char *key = listview_current_key(lv);
    if (lv->re_ok)
        regfree(&lv->re);
    lv->re_ok = false;
    lv->re_error[0] = '\0';
    free(lv->applied);
    lv->applied = mem_xstrdup(text ? text : "");
    bool ok = true;
    if (lv->applied[0] == '~') {
        int rc = regcomp(&lv->re, lv->applied + 1, REG_EXTENDED | REG_ICASE);
        if (rc == 0) {
            lv->re_ok = true;
        } else {
            char why[128];
            regerror(rc, &lv->re, why, sizeof(why));
            snprintf(lv->re_error, sizeof(lv->re_error), "not a regex: %s", why);
            ok = false;
        }
    }
    lv->top = 0;
    listview_refresh_view(lv, key, 0);
    free(key);
    return ok;
}

bool listview_typing(const struct listview *lv)
{
    return lv->filtering;
}

/* ---- keys ---- */

static int listview_layout_from(const struct listview *lv, int cols, size_t first, int *w);

static size_t listview_pagesize(const struct listview *lv)
{
    return lv->page > 1 ? (size_t)lv->page - 1 : 1;
}

static int listview_move(struct listview *lv, int req)
{
    size_t page = listview_pagesize(lv);
    size_t *pos = lv->ncols ? &lv->sel : &lv->top;
    size_t last;
    if (lv->ncols)
        last = lv->nview ? lv->nview - 1 : 0;
    else
        last = lv->nview > (size_t)(lv->page > 0 ? lv->page : 1)
                   ? lv->nview - (size_t)(lv->page > 0 ? lv->page : 1)
                   : 0;
    size_t before = *pos;
    switch (req) {
    case REQ_DOWN:
        if (*pos < last)
            (*pos)++;
        break;
    case REQ_UP:
        if (*pos > 0)
            (*pos)--;
        break;
    case REQ_PAGE_DOWN:
        *pos = *pos + page < last ? *pos + page : last;
        break;
    case REQ_PAGE_UP:
        *pos = *pos > page ? *pos - page : 0;
        break;
    case REQ_FIRST:
        *pos = 0;
        break;
    case REQ_LAST:
        *pos = last;
        break;
    default:
        return APP_IGNORED;
    }
    return *pos != before ? APP_REDRAW : APP_HANDLED;
}

static int listview_scroll(struct listview *lv, int dir)
{
    if (lv->ncols) {
        if (dir < 0 && lv->hcol > 0) {
            lv->hcol--;
            return APP_REDRAW;
        }
        if (dir > 0 && lv->hcol + 1 < lv->ncols && lv->drawn_cols > 0) {
            int w[64];
            if (lv->ncols <= 64 && listview_layout_from(lv, lv->drawn_cols, lv->hcol, w) > 0) {
                lv->hcol++;
                return APP_REDRAW;
            }
        }
        return APP_HANDLED;
    }
    int before = lv->hoff;
    lv->hoff += dir * LISTVIEW_PAGER_STEP;
    if (lv->hoff < 0)
        lv->hoff = 0;
    if (lv->hoff > lv->widest)
        lv->hoff = lv->widest > LISTVIEW_PAGER_STEP ? lv->widest - LISTVIEW_PAGER_STEP : 0;
    return lv->hoff != before ? APP_REDRAW : APP_HANDLED;
}

int listview_request(struct listview *lv, int req)
{
    switch (req) {
    case REQ_DOWN:
    case REQ_UP:
    case REQ_PAGE_DOWN:
    case REQ_PAGE_UP:
    case REQ_FIRST:
    case REQ_LAST:
        return listview_move(lv, req);
    case REQ_SCROLL_LEFT:
        return listview_scroll(lv, -1);
    case REQ_SCROLL_RIGHT:
        return listview_scroll(lv, 1);
    case REQ_FILTER:
        lv->filtering = true;
        field_set(&lv->filter, lv->applied);
        return APP_REDRAW;
    case REQ_SORT:
        if (lv->ncols == 0)
            return APP_IGNORED;
        listview_sort(lv, lv->sort_col + 1 >= (int)lv->ncols ? 0 : lv->sort_col + 1, false);
        return APP_REDRAW;
    case REQ_SORT_REVERSE:
        if (lv->ncols == 0)
            return APP_IGNORED;
        listview_sort(lv, lv->sort_col < 0 ? 0 : lv->sort_col, !lv->sort_desc);
        return APP_REDRAW;
    case REQ_BACK:
        if (lv->applied && lv->applied[0]) {
            listview_set_filter(lv, "");
            return APP_REDRAW;
        }
        return APP_IGNORED;
    default:
        return APP_IGNORED;
    }
}

int listview_input(struct listview *lv, int key)
{
    if (!lv->filtering)
        return APP_IGNORED;
    if (key == KEYMAP_ENTER) {
        lv->filtering = false;
        return APP_REDRAW;
    }
    if (key == KEYMAP_ESC) {
        lv->filtering = false;
        listview_set_filter(lv, "");
        return APP_REDRAW;
    }
    enum field_result r = field_key(&lv->filter, key);
    if (r == FIELD_CHANGED) {
        /* filter as it is typed; a regex half typed filters nothing yet */
        listview_set_filter(lv, field_text(&lv->filter));
        return APP_REDRAW;
    }
    return r == FIELD_MOVED ? APP_REDRAW : APP_HANDLED;
}

/* ---- drawing ---- */

/* Is column c out of sight, scrolled off to the left? */
static bool listview_scrolled_off(const struct listview *lv, size_t c, size_t first)
{
    if (lv->cols[c].flags & LISTVIEW_KEY)
        return false;
    size_t seen = 0;
    for (size_t k = 0; k < c; k++)
        if (!(lv->cols[k].flags & LISTVIEW_KEY))
            seen++;
    return seen < first;
}

static int listview_layout_from(const struct listview *lv, int cols, size_t first, int *w)
{
    int avail = cols - 1, total = 0;
    for (size_t c = 0; c < lv->ncols; c++) {
        w[c] = listview_scrolled_off(lv, c, first) ? 0 : lv->natural[c];
        total += w[c] ? w[c] + 1 : 0;
    }
    /* shrink the lowest priorities first, each down to its minimum */
    while (total > avail) {
        ssize_t pick = -1;
        for (size_t c = 0; c < lv->ncols; c++) {
            int min = lv->cols[c].min;
            if ((lv->cols[c].flags & LISTVIEW_KEY) || min <= 0 || w[c] <= min)
                continue;
            if (pick < 0 || lv->cols[c].priority < lv->cols[pick].priority)
                pick = (ssize_t)c;
        }
        if (pick < 0)
            break;
        int cut = total - avail, can = w[pick] - lv->cols[pick].min;
        int d = cut < can ? cut : can;
        w[pick] -= d;
        total -= d;
    }
    if (total <= avail)
        return 0;
    /* still too wide: what does not fit is cut at the right edge (a part
     * of the next column shows there is more) */
    int used = 0;
    bool full = false;
    int hidden = 0;
    for (size_t c = 0; c < lv->ncols; c++) {
        if (!w[c])
            continue;
        if (full) {
            w[c] = 0;
            hidden++;
            continue;
        }
        if (used + w[c] + 1 > avail) {
            int rest = avail - used - 1;
            w[c] = rest >= 3 ? rest : 0;
            full = true;
            hidden++;
            continue;
        }
        used += w[c] + 1;
    }
    return hidden;
}

void listview_layout(const struct listview *lv, int cols, int *w)
{
    listview_layout_from(lv, cols, lv->hcol, w);
}

/* Draw text in width columns from column skip, with matches highlighted.
 * Returns the columns drawn. */
static int listview_put(struct listview *lv, struct app *a, WINDOW *w, int y, int x, int width,
                        int skip, const char *text, int role, bool pad)
{
    text = text ? text : "";
    size_t len = strlen(text);
    size_t st[LISTVIEW_MAX_MATCHES], en[LISTVIEW_MAX_MATCHES];
    size_t nm = 0;
    if (lv->applied && lv->applied[0])
        nm = listview_match(lv, text, st, en, LISTVIEW_MAX_MATCHES);
    if (nm > LISTVIEW_MAX_MATCHES)
        nm = LISTVIEW_MAX_MATCHES;
    int total = app_text_width(text);
    bool cut = total - skip > width && width > 1;
    int room = cut ? width - 1 : width;
    int drawn = 0;
    size_t pos = 0;
    for (size_t m = 0; m <= nm && drawn < room; m++) {
        size_t ms = m < nm ? st[m] : len, me = m < nm ? en[m] : len;
        for (int part = 0; part < 2 && drawn < room; part++) {
            size_t from = part == 0 ? pos : ms, to = part == 0 ? ms : me;
            if (to <= from)
                continue;
            int pw = app_span_width(text + from, to - from);
            if (skip >= pw) {
                skip -= pw;
                continue;
            }
            app_style(a, w, part == 0 ? role : THEME_MATCH);
            drawn += app_put_span(w, y, x + drawn, room - drawn, skip, text + from, to - from);
            skip = 0;
        }
        pos = me;
    }
    app_style(a, w, role);
    if (cut) {
        app_put(w, y, x + drawn, 1, MB_CUR_MAX > 1 ? "\xe2\x80\xa6" : "~", false);
        drawn++;
    }
    if (pad)
        for (; drawn < width; drawn++)
            mvwaddch(w, y, x + drawn, ' ');
    return drawn;
}

static void listview_filter_line(struct listview *lv, struct app *a, WINDOW *w, int y, int x0,
                                 int cols)
{
    if (lv->filtering) {
        app_style(a, w, THEME_KEY);
        app_put(w, y, x0, 1, "/", false);
        app_style(a, w, THEME_NORMAL);
        field_draw(&lv->filter, w, y, x0 + 1, cols - 1);
        return;
    }
    char line[512];
    if (lv->re_error[0])
        snprintf(line, sizeof(line), "filter: %s  (%s; every row shown)", lv->applied,
                 lv->re_error);
    else
        snprintf(line, sizeof(line), "filter: %s  (%zu of %zu rows)  Esc drops it", lv->applied,
                 lv->nview, lv->nrows);
    app_style(a, w, lv->re_error[0] ? THEME_ERROR : THEME_KEY);
    app_put(w, y, x0, cols, line, true);
    app_style(a, w, THEME_NORMAL);
}

static void listview_draw_pager(struct listview *lv, struct app *a, WINDOW *w, int y0, int x0,
                                int rows, int cols)
{
    for (int i = 0; i < rows; i++) {
        size_t vi = lv->top + (size_t)i;
        app_style(a, w, THEME_NORMAL);
        app_put(w, y0 + i, x0, cols, "", true);
        if (vi >= lv->nview)
            continue;
        const struct listview_row *r = &lv->rows[lv->view[vi]];
        int x = 1, skip = lv->hoff;
        for (size_t c = 0; c < r->n && x < cols; c++) {
            const struct listview_cell *s = &r->cells[c];
            int sw = s->width ? s->width + 1 : app_text_width(s->text ? s->text : "");
            if (skip >= sw) {
                skip -= sw;
                continue;
            }
            int room = cols - x;
            int want = (s->width ? s->width : sw) - skip;
            if (want > room)
                want = room;
            if (want > 0)
                listview_put(lv, a, w, y0 + i, x0 + x, want, skip, s->text, s->role, s->width != 0);
            x += (s->width ? sw : sw) - skip;
            skip = 0;
        }
    }
}

int listview_draw(struct listview *lv, struct app *a, WINDOW *w, int y0, int x0, int rows, int cols,
                  bool focused)
{
    if (rows < 1 || cols < 2)
        return 0;
    bool fline = lv->filtering || (lv->applied && lv->applied[0]);
    int body = rows - (fline ? 1 : 0) - (lv->ncols ? 1 : 0);
    if (body < 0)
        body = 0;
    lv->page = body > 0 ? body : 1;
    lv->drawn_cols = cols;
    listview_clamp(lv);
    if (lv->ncols == 0) {
        listview_draw_pager(lv, a, w, y0, x0, body, cols);
    } else {
        int width[64];
        size_t nc = lv->ncols > 64 ? 64 : lv->ncols;
        listview_layout(lv, cols, width);
        /* the heading, the sorted column marked */
        int x = 1;
        app_style(a, w, THEME_NORMAL);
        app_put(w, y0, x0, cols, "", true);
        for (size_t c = 0; c < nc && x < cols; c++) {
            if (width[c] <= 0)
                continue;
            char title[96];
            snprintf(title, sizeof(title), "%s%s", lv->cols[c].title,
                     (int)c == lv->sort_col ? (lv->sort_desc ? "v" : "^") : "");
            app_style(a, w, (int)c == lv->sort_col ? THEME_KEY : THEME_COLUMN);
            int tw = app_text_width(title);
            if (lv->cols[c].flags & LISTVIEW_RIGHT && tw < width[c])
                app_put(w, y0, x0 + x, width[c] - tw, "", true);
            app_put(w, y0,
                    x0 + x +
                        (lv->cols[c].flags & LISTVIEW_RIGHT && tw < width[c] ? width[c] - tw : 0),
                    width[c], title, true);
            x += width[c] + 1;
        }
        /* keep the selection in sight */
        if (lv->sel < lv->top)
            lv->top = lv->sel;
        if (body > 0 && lv->sel >= lv->top + (size_t)body)
            lv->top = lv->sel - (size_t)body + 1;
        if (lv->top + (size_t)body > lv->nview)
            lv->top = lv->nview > (size_t)body ? lv->nview - (size_t)body : 0;
        for (int i = 0; i < body; i++) {
            size_t vi = lv->top + (size_t)i;
            int y = y0 + 1 + i;
            app_style(a, w, THEME_NORMAL);
            app_put(w, y, x0, cols, "", true);
            if (vi >= lv->nview)
                continue;
            bool selected = vi == lv->sel;
            int base = selected ? (focused ? THEME_SELECTED : THEME_DIM) : THEME_NORMAL;
            if (selected && focused) {
                app_style(a, w, THEME_SELECTED);
                app_put(w, y, x0, cols, "", true);
            }
            const struct listview_row *r = &lv->rows[lv->view[vi]];
            x = 1;
            for (size_t c = 0; c < nc && x < cols; c++) {
                if (width[c] <= 0)
                    continue;
                const struct listview_cell *cell = &r->cells[c];
                int role = selected && focused ? THEME_SELECTED : cell->role;
                if (selected && !focused)
                    role =
                        base == THEME_DIM && cell->role == THEME_NORMAL ? THEME_NORMAL : cell->role;
                int cw = width[c];
                if (lv->cols[c].flags & LISTVIEW_RIGHT) {
                    int tw = app_text_width(cell->text ? cell->text : "");
                    int pad = cw > tw ? cw - tw : 0;
                    app_style(a, w, role);
                    app_put(w, y, x0 + x, pad, "", true);
                    listview_put(lv, a, w, y, x0 + x + pad, cw - pad, 0, cell->text, role, true);
                } else {
                    listview_put(lv, a, w, y, x0 + x, cw, 0, cell->text, role, true);
                }
                x += cw + 1;
            }
            if (selected && !focused) {
                app_style(a, w, THEME_KEY);
                app_put(w, y, x0, 1, ">", false);
            }
        }
        body += 1;
    }
    if (lv->nview == 0 && lv->empty && body > (lv->ncols ? 1 : 0)) {
        app_style(a, w, THEME_DIM);
        app_put(w, y0 + (lv->ncols ? 1 : 0), x0 + 2, cols - 3, lv->empty, false);
    }
    if (fline)
        listview_filter_line(lv, a, w, y0 + body, x0, cols);
    app_style(a, w, THEME_NORMAL);
    return body + (fline ? 1 : 0);
}
