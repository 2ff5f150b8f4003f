/* screen_confirm.c - type the name to confirm, Esc cancels. */
#include "tui/screen/screen_confirm.h"

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "tui/widget/field.h"

struct screen_confirm {
    char *title;
    char *text;
    char *expect;
    struct field answer;
    screen_confirm_fn fn;
    void *arg;
    bool wrong;
};

struct screen_confirm_wrap {
    WINDOW *w;
    struct app *a;
    int y, x, width, max_y;
};

static void screen_confirm_line(void *ctx, const char *s, size_t n)
{
    struct screen_confirm_wrap *c = ctx;
    if (c->y >= c->max_y)
        return;
    app_put(c->w, c->y, c->x, c->width, "", true);
    app_put_span(c->w, c->y++, c->x, c->width, 0, s, n);
}

static void screen_confirm_count(void *ctx, const char *s, size_t n)
{
    (void)s;
    (void)n;
    (*(int *)ctx)++;
}

static void screen_confirm_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_confirm *d = s->priv;
    struct app *a = s->app;
    int bw = cols - 8 < 72 ? cols - 8 : 72;
    if (bw < 20)
        bw = cols;
    int inner = bw - 4;
    int lines = 0;
    app_wrap(d->text, inner, screen_confirm_count, &lines);
    int bh = lines + 7;
    if (bh > rows)
        bh = rows;
    int by = y0 + (rows - bh) / 2, bx = (cols - bw) / 2;
    app_style(a, w, THEME_NORMAL);
    for (int i = 0; i < bh; i++)
        app_put(w, by + i, bx, bw, "", true);
    app_style(a, w, THEME_TITLE);
    app_put(w, by, bx, bw, "", true);
    app_put(w, by, bx + 2, bw - 4, d->title, false);
    app_style(a, w, THEME_NORMAL);
    struct screen_confirm_wrap wr = {w, a, by + 2, bx + 2, inner, by + bh - 4};
    app_wrap(d->text, inner, screen_confirm_line, &wr);
    int y = by + bh - 4;
    if (d->expect) {
        char ask[256];
        snprintf(ask, sizeof(ask), "Type %s to confirm:", d->expect);
        app_style(a, w, d->wrong ? THEME_ERROR : THEME_NORMAL);
        app_put(w, y, bx + 2, inner, d->wrong ? "That is not it. Type it exactly:" : ask, true);
        app_style(a, w, THEME_SELECTED);
        field_draw(&d->answer, w, y + 1, bx + 2, inner);
    }
    app_style(a, w, THEME_DIM);
    app_put(w, by + bh - 1, bx + 2, inner, "Enter confirms, Esc cancels", false);
    /* a frame, so the dialog stands out from the screen under it */
    app_style(a, w, THEME_KEY);
    for (int i = 1; i < bh; i++) {
        mvwaddch(w, by + i, bx, ' ');
        mvwaddch(w, by + i, bx + bw - 1, ' ');
    }
    app_style(a, w, THEME_NORMAL);
}

static int screen_confirm_input(struct screen *s, int key)
{
    struct screen_confirm *d = s->priv;
    if (!d->expect || key == KEYMAP_ENTER || key == KEYMAP_ESC)
        return APP_IGNORED;
    enum field_result r = field_key(&d->answer, key);
    if (r == FIELD_CHANGED)
        d->wrong = false;
    return r == FIELD_IGNORED ? APP_IGNORED : APP_REDRAW;
}

static int screen_confirm_request(struct screen *s, int req)
{
    struct screen_confirm *d = s->priv;
    if (req != REQ_CONFIRM)
        return APP_IGNORED;
    if (d->expect && strcmp(field_text(&d->answer), d->expect) != 0) {
        d->wrong = true;
        return APP_REDRAW;
    }
    screen_confirm_fn fn = d->fn;
    void *arg = d->arg;
    d->fn = NULL;
    if (fn)
        fn(s->app, arg);
    return APP_CLOSE | APP_REDRAW;
}

static const char *screen_confirm_title(struct screen *s)
{
    struct screen_confirm *d = s->priv;
    return d->title;
}

static void screen_confirm_destroy(struct screen *s)
{
    struct screen_confirm *d = s->priv;
    free(d->title);
    free(d->text);
    free(d->expect);
    field_free(&d->answer);
    free(d);
    free(s);
}

static const struct screen_ops screen_confirm_ops = {
    .name = "confirm",
    .draw = screen_confirm_draw,
    .request = screen_confirm_request,
    .input = screen_confirm_input,
    .title = screen_confirm_title,
    .destroy = screen_confirm_destroy,
    .dialog = true,
};

struct screen *screen_confirm_new(struct app *a, const char *title, const char *text,
                                  const char *expect, screen_confirm_fn fn, void *arg)
{
    struct screen_confirm *d = mem_xcalloc(1, sizeof(*d));
    d->title = mem_xstrdup(title);
    d->text = mem_xstrdup(text);
    d->expect = expect && *expect ? mem_xstrdup(expect) : NULL;
    field_init(&d->answer, 256);
    d->fn = fn;
    d->arg = arg;
    return app_screen_new(a, &screen_confirm_ops, d);
}
