/* screen_messages.c - every message of the session, wrapped, newest last. */
#include "tui/screen/screen_messages.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/mem.h"
#include "tui/widget/listview.h"

struct screen_messages {
    struct listview lv;
    unsigned long built; /* app_message_serial when built */
    int built_width;     /* the width they were wrapped for */
    char title[96];
};

struct screen_messages_wrap {
    struct listview *lv;
    int role;
    char stamp[16];
    bool first;
};

static void screen_messages_line(void *ctx, const char *s, size_t n)
{
    struct screen_messages_wrap *c = ctx;
    size_t r = listview_add(c->lv);
    listview_seg(c->lv, r, THEME_DIM, 9, "%s", c->first ? c->stamp : "");
    listview_seg(c->lv, r, c->role, 0, "%.*s", (int)n, s);
    c->first = false;
}

static void screen_messages_build(struct screen *s, int width)
{
    struct screen_messages *m = s->priv;
    struct app *a = s->app;
    bool at_end = m->lv.top + (size_t)(m->lv.page > 0 ? m->lv.page : 1) >= listview_count(&m->lv);
    listview_begin(&m->lv);
    size_t n = app_messages(a);
    for (size_t i = 0; i < n; i++) {
        int role;
        int64_t when;
        const char *text = app_message_at(a, i, &role, &when);
        struct screen_messages_wrap c = {&m->lv, role, "", true};
        time_t t = (time_t)(when / 1000);
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(c.stamp, sizeof(c.stamp), "%H:%M:%S", &tm);
        app_wrap(text, width - 12 > 20 ? width - 12 : 20, screen_messages_line, &c);
    }
    if (n == 0) {
        size_t r = listview_add(&m->lv);
        listview_seg(&m->lv, r, THEME_DIM, 0, "No messages yet.");
    }
    listview_end(&m->lv);
    m->built = app_message_serial(a);
    m->built_width = width;
    if (at_end)
        listview_request(&m->lv, REQ_LAST); /* follow new messages */
}

static void screen_messages_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_messages *m = s->priv;
    if (m->built != app_message_serial(s->app) || m->built_width != cols) {
        m->lv.page = rows;
        screen_messages_build(s, cols);
    }
    listview_draw(&m->lv, s->app, w, y0, 0, rows, cols, true);
}

static int screen_messages_request(struct screen *s, int req)
{
    struct screen_messages *m = s->priv;
    return listview_request(&m->lv, req);
}

static int screen_messages_input(struct screen *s, int key)
{
    struct screen_messages *m = s->priv;
    return listview_input(&m->lv, key);
}

static int screen_messages_tick(struct screen *s)
{
    struct screen_messages *m = s->priv;
    return m->built != app_message_serial(s->app) ? APP_REDRAW : APP_HANDLED;
}

static const char *screen_messages_title(struct screen *s)
{
    struct screen_messages *m = s->priv;
    snprintf(m->title, sizeof(m->title), " Messages (%zu)", app_messages(s->app));
    return m->title;
}

static char *screen_messages_command(struct screen *s)
{
    (void)s;
    return mem_xstrdup("messages");
}

static void screen_messages_destroy(struct screen *s)
{
    struct screen_messages *m = s->priv;
    listview_free(&m->lv);
    free(m);
    free(s);
}

static const struct screen_ops screen_messages_ops = {
    .name = "messages",
    .draw = screen_messages_draw,
    .request = screen_messages_request,
    .input = screen_messages_input,
    .title = screen_messages_title,
    .tick = screen_messages_tick,
    .command = screen_messages_command,
    .destroy = screen_messages_destroy,
};

struct screen *screen_messages_new(struct app *a)
{
    struct screen_messages *m = mem_xcalloc(1, sizeof(*m));
    listview_init_pager(&m->lv);
    m->built_width = -1;
    m->built = (unsigned long)-1;
    return app_screen_new(a, &screen_messages_ops, m);
}
