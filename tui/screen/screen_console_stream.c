/* screen_console_stream.c - a message stream in the console (see
 * screen_console_stream.h). */
#include "tui/screen/screen_console_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rrender.h"
#include "tui/widget/listview.h"

#define SS_MAX_LINES 10000
#define SS_MAX_VALUE 4096 /* bytes of one message value shown */
#define SS_RATE_SECONDS 5

struct ss_line {
    int role;
    char *text;
};

struct screen_stream {
    struct app *a;
    struct rsession_stream *st;
    struct rsession *rs;
    char command[400];
    char last_node[RCLUSTER_NAME_MAX]; /* the node of the last message */
    char display[1000];
    size_t nnodes;
    struct ss_line *lines; /* a ring of the newest */
    size_t nlines, head;
    size_t shown_until; /* lines added to the view (pause keeps it) */
    struct listview lv;
    bool dirty;
    bool paused;
    bool ended;
    char end_text[600];
    unsigned long messages;
    unsigned long received; /* confirmations and messages */
    /* the rate: messages per second over the last seconds */
    uint64_t rate_sec[SS_RATE_SECONDS];
    unsigned long rate_count[SS_RATE_SECONDS];
    screen_console_stream_closed_fn closed;
    void *closed_arg;
    char title[1400];
};

static void ss_push(struct screen_stream *v, int role, const char *text)
{
    if (v->nlines == SS_MAX_LINES) {
        struct ss_line *old = &v->lines[v->head];
        free(old->text);
        old->role = role;
        old->text = mem_xstrdup(text);
        v->head = (v->head + 1) % SS_MAX_LINES;
    } else {
        v->lines[v->nlines].role = role;
        v->lines[v->nlines].text = mem_xstrdup(text);
        v->nlines++;
    }
    v->dirty = true;
}

static void ss_value(struct buf *b, const redisReply *r)
{
    if (!r) {
        buf_appends(b, "(nil)");
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_STRING: {
        size_t n = r->len > SS_MAX_VALUE ? SS_MAX_VALUE : r->len;
        rrender_quoted(b, r->str, n);
        if (n < r->len)
            buf_printf(b, " (... %zu bytes in all)", r->len);
        break;
    }
    case REDIS_REPLY_INTEGER:
        buf_printf(b, "%lld", r->integer);
        break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        rrender_safe(b, r->str, r->len > SS_MAX_VALUE ? SS_MAX_VALUE : r->len);
        break;
    default: {
        struct buf t;
        buf_init(&t, 0);
        rsession_render(&t, r, &(struct rrender_opts){.raw = true}, 20, 50, 256, NULL);
        for (size_t i = 0; i < t.len; i++)
            buf_appendc(b, t.data[i] == '\n' ? ' ' : t.data[i]);
        buf_free(&t);
    }
    }
}

static bool ss_is(const redisReply *r, size_t i, const char *s)
{
    return r->type == REDIS_REPLY_ARRAY && i < r->elements && r->element[i] &&
           r->element[i]->type == REDIS_REPLY_STRING && r->element[i]->len == strlen(s) &&
           strncasecmp(r->element[i]->str, s, r->element[i]->len) == 0;
}

static void ss_on_message(struct rsession_stream *st, const struct console_stream_msg *m, void *arg)
{
    struct screen_stream *v = arg;
    (void)st;
    const redisReply *r = m->m->msg;
    struct buf b;
    buf_init(&b, 0);
    time_t t = (time_t)(m->wall_ms / 1000);
    struct tm tm;
    char hms[16] = "";
    if (localtime_r(&t, &tm))
        strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
    buf_printf(&b, "%s.%03d  ", hms, (int)(m->wall_ms % 1000));
    if (v->nnodes > 1) {
        char label[400];
        rsession_node_label(m->m->node, &m->label, label, sizeof(label));
        buf_printf(&b, "[%s]  ", label);
    }
    int role = THEME_NORMAL;
    bool message = false;
    v->received++;
    if (v->nnodes == 1 && strcmp(v->last_node, m->m->node) != 0) {
        /* a stream that followed its slot (MOVED, a failover) says where it is */
        char label[400];
        snprintf(v->last_node, sizeof(v->last_node), "%s", m->m->node);
        rsession_node_label(m->m->node, &m->label, label, sizeof(label));
        snprintf(v->display, sizeof(v->display), "%s on %s", v->command, label);
    }
    if (ss_is(r, 0, "message") || ss_is(r, 0, "smessage")) {
        message = true;
        ss_value(&b, r->elements > 1 ? r->element[1] : NULL);
        buf_appends(&b, "  ");
        ss_value(&b, r->elements > 2 ? r->element[2] : NULL);
    } else if (ss_is(r, 0, "pmessage")) {
        message = true;
        ss_value(&b, r->elements > 2 ? r->element[2] : NULL);
        buf_appends(&b, " (");
        ss_value(&b, r->elements > 1 ? r->element[1] : NULL);
        buf_appends(&b, ")  ");
        ss_value(&b, r->elements > 3 ? r->element[3] : NULL);
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3 && r->element[0] &&
               r->element[0]->type == REDIS_REPLY_STRING) {
        /* (un)subscribe confirmations */
        role = THEME_DIM;
        ss_value(&b, r->element[0]);
        buf_appends(&b, " ");
        ss_value(&b, r->element[1]);
        buf_appends(&b, ", subscriptions now ");
        ss_value(&b, r->element[2]);
    } else if (r->type == REDIS_REPLY_ERROR) {
        role = THEME_ERROR;
        buf_appends(&b, "(error) ");
        ss_value(&b, r);
    } else if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0 && v->received == 1) {
        role = THEME_DIM;
        buf_appends(&b, "monitoring");
    } else {
        message = true; /* MONITOR lines */
        ss_value(&b, r);
    }
    if (message) {
        v->messages++;
        uint64_t sec = (uint64_t)(m->wall_ms / 1000);
        size_t k = sec % SS_RATE_SECONDS;
        if (v->rate_sec[k] != sec) {
            v->rate_sec[k] = sec;
            v->rate_count[k] = 0;
        }
        v->rate_count[k]++;
    }
    ss_push(v, role, buf_str(&b));
    buf_free(&b);
    app_dirty(v->a);
}

static void ss_on_end(struct rsession_stream *st, const struct rconn_error *err, void *arg)
{
    struct screen_stream *v = arg;
    (void)st;
    v->st = NULL;
    v->ended = true;
    if (err) {
        snprintf(v->end_text, sizeof(v->end_text), "(the stream ended) %s: %s",
                 rconn_err_name(err->code), err->msg);
        ss_push(v, THEME_ERROR, v->end_text);
    } else {
        snprintf(v->end_text, sizeof(v->end_text), "(the stream ended)");
        ss_push(v, THEME_DIM, v->end_text);
    }
    app_dirty(v->a);
}

static double ss_rate(const struct screen_stream *v)
{
    uint64_t now = (uint64_t)(app_now_ms(v->a) / 1000);
    unsigned long n = 0;
    /* the complete seconds before this one */
    for (size_t i = 0; i < SS_RATE_SECONDS; i++)
        if (v->rate_sec[i] && v->rate_sec[i] < now && v->rate_sec[i] + SS_RATE_SECONDS > now)
            n += v->rate_count[i];
    return (double)n / (SS_RATE_SECONDS - 1);
}

static void ss_rebuild(struct screen_stream *v)
{
    if (!v->paused)
        v->shown_until = v->nlines;
    listview_begin(&v->lv);
    for (size_t i = 0; i < v->shown_until; i++) {
        const struct ss_line *l = &v->lines[(v->head + i) % SS_MAX_LINES];
        size_t r = listview_add(&v->lv);
        listview_seg(&v->lv, r, l->role, 0, "%s", l->text);
    }
    listview_end(&v->lv);
    if (!v->paused)
        listview_request(&v->lv, REQ_LAST);
    v->dirty = false;
}

static void ss_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_stream *v = s->priv;
    if (v->dirty && !v->paused)
        ss_rebuild(v);
    if (!v->paused) {
        v->lv.page = rows;
        listview_request(&v->lv, REQ_LAST);
    }
    listview_draw(&v->lv, s->app, w, y0, 0, rows, cols, false);
}

static int ss_request(struct screen *s, int req)
{
    struct screen_stream *v = s->priv;
    if (req == REQ_PAUSE) {
        v->paused = !v->paused;
        if (!v->paused)
            ss_rebuild(v);
        app_message(s->app, THEME_DIM, "%s",
                    v->paused ? "paused: messages are kept, s resumes" : "resumed");
        return APP_REDRAW;
    }
    if (req == REQ_BACK)
        return APP_IGNORED; /* closes the view: destroy ends the stream */
    return listview_request(&v->lv, req);
}

static int ss_input(struct screen *s, int key)
{
    struct screen_stream *v = s->priv;
    return listview_input(&v->lv, key);
}

static const char *ss_title(struct screen *s)
{
    struct screen_stream *v = s->priv;
    /* the count first: a narrow terminal cuts the end, and node names are long */
    snprintf(v->title, sizeof(v->title), " Stream: %lu message%s, %.1f/s%s%s  %s%s", v->messages,
             v->messages == 1 ? "" : "s", ss_rate(v), v->paused ? "  PAUSED (s resumes)" : "",
             v->ended ? "  ended" : "", v->display,
             v->ended ? "" : "  (Esc stops it on the server)");
    return v->title;
}

static int ss_tick(struct screen *s)
{
    (void)s;
    return APP_REDRAW; /* the rate */
}

static void ss_destroy(struct screen *s)
{
    struct screen_stream *v = s->priv;
    if (v->st)
        rsession_stream_detach(v->st);
    if (v->closed) {
        char sum[1200];
        snprintf(sum, sizeof(sum), "(stream ended, %lu message%s) %s", v->messages,
                 v->messages == 1 ? "" : "s", v->display);
        v->closed(v->closed_arg, sum);
    }
    for (size_t i = 0; i < v->nlines; i++)
        free(v->lines[i].text);
    free(v->lines);
    listview_free(&v->lv);
    free(v);
    free(s);
}

static const struct screen_ops screen_stream_ops = {
    .name = "stream",
    .draw = ss_draw,
    .request = ss_request,
    .input = ss_input,
    .title = ss_title,
    .tick = ss_tick,
    .destroy = ss_destroy,
};

struct screen *screen_console_stream_new(struct app *a, struct rsession *rs, int argc,
                                         const char *const *argv, const size_t *argvlen,
                                         screen_console_stream_closed_fn closed, void *arg,
                                         char *err, size_t errlen)
{
    struct screen_stream *v = mem_xcalloc(1, sizeof(*v));
    v->a = a;
    v->lines = mem_xcalloc(SS_MAX_LINES, sizeof(*v->lines));
    listview_init_pager(&v->lv);
    v->lv.empty = "Subscribing...";
    struct rsession_stream_events ev = {.on_message = ss_on_message, .on_end = ss_on_end, .arg = v};
    v->st = rsession_stream_start(rs, argc, argv, argvlen, NULL, &ev, err, errlen);
    if (!v->st) {
        free(v->lines);
        listview_free(&v->lv);
        free(v);
        return NULL;
    }
    const char *names[8];
    v->rs = rs;
    snprintf(v->command, sizeof(v->command), "%s", rsession_stream_display(v->st));
    v->nnodes = rsession_stream_nodes(v->st, names, 8);
    char tn[RCLUSTER_NAME_MAX + 40];
    rsession_target_name(rsession_target(rs), tn, sizeof(tn));
    if (v->nnodes == 1) {
        char label[400];
        struct console_label l;
        console_label_node(rsession_console(rs), names[0], &l);
        rsession_node_label(names[0], &l, label, sizeof(label));
        snprintf(v->display, sizeof(v->display), "%s on %s", rsession_stream_display(v->st), label);
    } else
        snprintf(v->display, sizeof(v->display), "%s on %s (%zu nodes)",
                 rsession_stream_display(v->st), tn, v->nnodes);
    v->closed = closed;
    v->closed_arg = arg;
    return app_screen_new(a, &screen_stream_ops, v);
}
