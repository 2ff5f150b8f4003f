/* screen_logs_rec.c - one log record in full, as pretty JSON. */
#include "tui/screen/screen_logs_rec.h"

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "tui/widget/listview.h"

struct screen_logs_rec {
    struct listview lv;
    char *title;
};

static void screen_logs_rec_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_logs_rec *r = s->priv;
    listview_draw(&r->lv, s->app, w, y0, 0, rows, cols, true);
}

static int screen_logs_rec_request(struct screen *s, int req)
{
    struct screen_logs_rec *r = s->priv;
    return listview_request(&r->lv, req);
}

static int screen_logs_rec_input(struct screen *s, int key)
{
    struct screen_logs_rec *r = s->priv;
    return listview_input(&r->lv, key);
}

static const char *screen_logs_rec_title(struct screen *s)
{
    struct screen_logs_rec *r = s->priv;
    return r->title;
}

static void screen_logs_rec_destroy(struct screen *s)
{
    struct screen_logs_rec *r = s->priv;
    listview_free(&r->lv);
    free(r->title);
    free(r);
    free(s);
}

static const struct screen_ops screen_logs_rec_ops = {
    .name = "log-record",
    .draw = screen_logs_rec_draw,
    .request = screen_logs_rec_request,
    .input = screen_logs_rec_input,
    .title = screen_logs_rec_title,
    .destroy = screen_logs_rec_destroy,
};

struct screen *screen_logs_rec_new(struct app *a, const char *title, const char *text)
{
    struct screen_logs_rec *r = mem_xcalloc(1, sizeof(*r));
    r->title = mem_xstrdup(title);
    listview_init_pager(&r->lv);
    listview_begin(&r->lv);
    const char *p = text ? text : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t row = listview_add(&r->lv);
        /* a key's name in the column colour, its value as it is */
        const char *colon = memchr(p, ':', n);
        if (colon && n > 2 && p[0] == ' ' && colon[-1] == '"') {
            size_t k = (size_t)(colon - p) + 1;
            listview_seg(&r->lv, row, THEME_COLUMN, 0, "%.*s", (int)k, p);
            listview_seg(&r->lv, row, THEME_NORMAL, 0, "%.*s", (int)(n - k), p + k);
        } else {
            listview_seg(&r->lv, row, THEME_NORMAL, 0, "%.*s", (int)n, p);
        }
        p += n + (nl ? 1 : 0);
    }
    listview_end(&r->lv);
    return app_screen_new(a, &screen_logs_rec_ops, r);
}
