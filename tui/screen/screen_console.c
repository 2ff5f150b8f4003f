/* screen_console.c - the command panel (see screen_console.h). */
#include "tui/screen/screen_console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/console.h"
#include "core/redis/rrender.h"
#include "core/redis/rsession.h"
#include "tui/screen/screen_confirm.h"
#include "tui/screen/screen_console_stream.h"
#include "tui/screen/screen_doctor.h"
#include "tui/screen/screen_latency.h"
#include "tui/widget/lineedit.h"
#include "tui/widget/listview.h"

#define SC_MAX_LINES 5000  /* replies kept on screen (the oldest go) */
#define SC_MAX_QUEUE 1000  /* lines typed while a command runs */
#define SC_MAX_ELEMS 1000  /* elements of one array shown */
#define SC_MAX_TOTAL 5000  /* elements of one reply shown, nested ones too */
#define SC_MAX_BYTES 16384 /* bytes of one value shown */
#define SC_WAIT_LINES 4    /* "waiting" lines above the prompt */
#define SC_TICK_MS 100     /* how often the waits are redrawn */
#define SC_MAX_CHOICES 512

struct sc_line {
    int role1, role2;
    char *text1, *text2; /* text2 may be NULL */
};

struct screen_console {
    struct app *a;
    struct screen *self;
    char *rg_id;
    struct console *con;
    struct rsession *rs;
    struct lineedit *le;
    /* the replies: our lines, shown through a pager */
    struct sc_line *lines;
    size_t nlines, caplines;
    size_t dropped; /* lines dropped from the top */
    struct listview lv;
    bool lines_dirty;
    bool follow; /* the newest line in sight (until scrolled back) */
    int width;   /* columns at the last draw: what notes are wrapped to */
    /* lines typed while something runs */
    char **queue;
    size_t nqueue;
    struct rsession_req *confirm; /* waiting for the dialog */
    struct loop_timer *tick;
    bool ready;
    bool failed;
    char state[700];
    char title[900];
};

static const struct screen_ops screen_console_ops;

/* ---- the reply lines ---- */

static void sc_push(struct screen_console *c, int role1, const char *t1, size_t n1, int role2,
                    const char *t2)
{
    if (c->nlines >= SC_MAX_LINES) {
        /* the oldest tenth goes */
        size_t drop = SC_MAX_LINES / 10;
        for (size_t i = 0; i < drop; i++) {
            free(c->lines[i].text1);
            free(c->lines[i].text2);
        }
        memmove(c->lines, c->lines + drop, (c->nlines - drop) * sizeof(*c->lines));
        c->nlines -= drop;
        c->dropped += drop;
    }
    c->lines = mem_xgrow(c->lines, &c->caplines, c->nlines + 1, sizeof(*c->lines));
    struct sc_line *l = &c->lines[c->nlines++];
    l->role1 = role1;
    l->text1 = mem_xstrndup(t1, n1);
    l->role2 = role2;
    l->text2 = t2 ? mem_xstrdup(t2) : NULL;
    c->lines_dirty = true;
}

/* Text of several lines, each a line of its own (control bytes escaped). */
static void sc_text(struct screen_console *c, int role, const char *text)
{
    struct buf b;
    buf_init(&b, 0);
    rrender_safe(&b, text, strlen(text));
    const char *p = buf_str(&b);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* a tab shows as spaces */
        struct buf l;
        buf_init(&l, 0);
        for (size_t i = 0; i < n; i++)
            if (p[i] == '\t')
                buf_appends(&l, "    ");
            else
                buf_appendc(&l, p[i]);
        sc_push(c, role, l.data ? l.data : "", l.len, role, NULL);
        buf_free(&l);
        p += n + (nl ? 1 : 0);
    }
    buf_free(&b);
}

struct sc_wrap {
    struct screen_console *c;
    int role;
    bool first;
};

static void sc_wrap_line(void *ctx, const char *s, size_t n)
{
    struct sc_wrap *w = ctx;
    if (w->first) {
        sc_push(w->c, w->role, s, n, w->role, NULL);
    } else {
        /* continuation lines are indented */
        char *t = mem_xasprintf("    %.*s", (int)n, s);
        sc_push(w->c, w->role, t, strlen(t), w->role, NULL);
        free(t);
    }
    w->first = false;
}

/* A note for people (not a reply): wrapped to the screen's width. */
static void sc_notef(struct screen_console *c, int role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sc_notef(struct screen_console *c, int role, const char *fmt, ...)
{
    struct buf b, safe;
    buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_init(&safe, 0);
    for (size_t i = 0; i < b.len; i++)
        buf_appendc(&safe, (unsigned char)b.data[i] < 0x20 ? ' ' : b.data[i]);
    struct buf esc;
    buf_init(&esc, 0);
    rrender_safe(&esc, safe.data ? safe.data : "", safe.len);
    struct sc_wrap w = {c, role, true};
    app_wrap(buf_str(&esc), (c->width > 24 ? c->width : 100) - 2, sc_wrap_line, &w);
    buf_free(&esc);
    buf_free(&safe);
    buf_free(&b);
}

static void sc_textf(struct screen_console *c, int role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sc_textf(struct screen_console *c, int role, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    sc_text(c, role, buf_str(&b));
    buf_free(&b);
}

static void sc_rebuild(struct screen_console *c)
{
    struct listview *lv = &c->lv;
    size_t top = lv->top;
    listview_begin(lv);
    for (size_t i = 0; i < c->nlines; i++) {
        size_t r = listview_add(lv);
        listview_seg(lv, r, c->lines[i].role1, 0, "%s", c->lines[i].text1);
        if (c->lines[i].text2)
            listview_seg(lv, r, c->lines[i].role2, 0, "%s", c->lines[i].text2);
    }
    listview_end(lv);
    lv->top = top < listview_count(lv) ? top : 0;
    c->lines_dirty = false;
}

/* ---- labels ---- */

/* "0002 primary app-4-0002-001" for a hop's destination. */
static void sc_hop_dest(struct screen_console *c, const char *node, char *out, size_t n)
{
    struct console_label l;
    console_label_node(c->con, node, &l);
    struct buf b;
    buf_init(&b, 0);
    if (l.shard)
        buf_printf(&b, "%s ", l.shard);
    if (l.role != RCLUSTER_ROLE_UNKNOWN)
        buf_printf(&b, "%s ", rcluster_role_name(l.role));
    if (l.cache_cluster_id)
        rrender_safe(&b, l.cache_cluster_id, strlen(l.cache_cluster_id));
    else
        rrender_safe(&b, node, strlen(node));
    snprintf(out, n, "%s", buf_str(&b));
    buf_free(&b);
}

/* ---- the session's callbacks ---- */

/* Rendered text (terminal-safe already) as lines of the panel. */
static void sc_lines(struct screen_console *c, const struct buf *b, int role)
{
    const char *p = buf_str(b);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        bool note = n > 4 && strncmp(p, "(... ", 5) == 0;
        sc_push(c, note ? THEME_DIM : role, p, n, role, NULL);
        p += n + (nl ? 1 : 0);
    }
}

/* RESP3 push messages the node sent before the reply (CLIENT TRACKING
 * invalidations...), as redis-cli shows them, within the panel's bounds. */
static void sc_pushes(struct screen_console *c, const struct rcluster_reply *r)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < r->npushes; i++) {
        buf_reset(&b);
        const redisReply *p = r->pushes[i];
        if (p->type == REDIS_REPLY_ARRAY && p->elements == 2 && p->element[0]->len == 10 &&
            memcmp(p->element[0]->str, "invalidate", 10) == 0 &&
            p->element[1]->type == REDIS_REPLY_ARRAY && p->element[1]->elements <= SC_MAX_ELEMS)
            rrender_push(&b, p, false);
        else
            rsession_render(&b, p, NULL, SC_MAX_ELEMS, SC_MAX_TOTAL, SC_MAX_BYTES, NULL);
        sc_textf(c, THEME_DIM, "(push) from the node, before the reply:");
        sc_lines(c, &b, THEME_WARNING);
    }
    if (r->pushes_dropped)
        sc_notef(c, THEME_DIM, "(push) %llu more push messages were not kept",
                 (unsigned long long)r->pushes_dropped);
    buf_free(&b);
}

static void sc_on_reply(struct rsession *rs, struct rsession_req *q, const struct console_reply *cr,
                        void *arg)
{
    struct screen_console *c = arg;
    (void)rs;
    const struct rcluster_reply *r = cr->r;
    for (size_t i = 0; i < r->nhops; i++) {
        const struct rcluster_hop *h = &r->hops[i];
        char dest[400];
        sc_hop_dest(c, h->to, dest, sizeof(dest));
        switch (h->kind) {
        case RCLUSTER_HOP_MOVED:
            sc_textf(c, THEME_WARNING, "-> MOVED %d -> %s (%.2f ms)", h->slot, dest,
                     (double)h->latency_us / 1000.0);
            break;
        case RCLUSTER_HOP_ASK:
            sc_textf(c, THEME_WARNING, "-> ASK %d -> %s (%.2f ms)", h->slot, dest,
                     (double)h->latency_us / 1000.0);
            break;
        case RCLUSTER_HOP_TRYAGAIN:
            sc_textf(c, THEME_WARNING, "-> TRYAGAIN on %s, retried (%.2f ms)", h->node,
                     (double)h->latency_us / 1000.0);
            break;
        case RCLUSTER_HOP_RETRY:
            sc_textf(c, THEME_WARNING, "-> %s failed (%s), retried on %s (%.2f ms)", h->node,
                     rconn_err_name(h->err), dest, (double)h->latency_us / 1000.0);
            break;
        }
    }
    char label[400];
    struct console_label l = cr->label;
    rsession_node_label(r->node, &l, label, sizeof(label));
    char iter[32] = "";
    if (cr->iteration > 1)
        snprintf(iter, sizeof(iter), " #%lu", cr->iteration);
    sc_textf(c, THEME_DIM, "<- %s  %.2f ms%s", label, (double)r->latency_us / 1000.0, iter);
    if (r->err) {
        sc_textf(c, THEME_ERROR, "(error) %s: %s", rconn_err_name(r->err->code), r->err->msg);
        const char *hint = rconn_err_hint(r->err->code);
        if (hint && *hint)
            sc_notef(c, THEME_DIM, "(cause) %s", hint);
    } else {
        struct buf b;
        buf_init(&b, 0);
        struct rsession_render_info info;
        const char *const *argv;
        const size_t *argvlen;
        int argc = rsession_req_args(q, &argv, &argvlen);
        struct rrender_opts ro = {.text = rrender_text_command(argc, argv, argvlen)};
        sc_pushes(c, r);
        rsession_render(&b, r->reply, &ro, SC_MAX_ELEMS, SC_MAX_TOTAL, SC_MAX_BYTES, &info);
        int role = r->reply && r->reply->type == REDIS_REPLY_ERROR ? THEME_ERROR : THEME_NORMAL;
        /* rendered text is terminal-safe already: split it into lines */
        sc_lines(c, &b, role);
        buf_reset(&b);
        rrender_hello_note(&b, argc, argv, argvlen, r->reply);
        sc_lines(c, &b, THEME_WARNING);
        buf_free(&b);
        if (r->trunc) {
            char t[400];
            rconn_trunc_text(r->trunc, t, sizeof(t));
            sc_notef(c, THEME_WARNING, "(truncated) %s; raise --max-reply-size to see it all", t);
        }
        /* a huge reply is freed a slice at a time: keys keep answering */
        if (r->reply && r->reply->type == REDIS_REPLY_ARRAY && r->reply->elements > SC_MAX_TOTAL)
            rsession_reply_free_later(app_session(c->a)->loop, console_reply_steal(cr));
    }
    app_dirty(c->a);
}

static void sc_run_queue(struct screen_console *c);

static void sc_confirmed(struct app *a, void *arg)
{
    struct screen_console *c = arg;
    struct rsession_req *q = c->confirm;
    c->confirm = NULL;
    if (!q)
        return;
    sc_textf(c, THEME_WARNING, "(confirmed) %s", rsession_req_command(q));
    rsession_confirm(q);
    app_dirty(a);
}

static void sc_ask_confirm(struct screen_console *c, struct rsession_req *q,
                           const struct rsafety_verdict *v)
{
    const struct rsession_wait *w;
    size_t n = rsession_req_waits(q, &w);
    char tn[300];
    rsession_target_name(rsession_req_target(q), tn, sizeof(tn));
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "%s on %s: ", v->command, tn);
    rrender_safe(&b, v->why, strlen(v->why));
    buf_printf(&b, "\n\nIt runs on %zu node%s:", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < 12; i++)
        buf_printf(&b, "\n  %s", w[i].label);
    if (n > 12)
        buf_printf(&b, "\n  and %zu more", n - 12);
    c->confirm = q;
    char title[120];
    snprintf(title, sizeof(title), "Dangerous command: %s", v->command);
    app_push(c->a, screen_confirm_new(c->a, title, buf_str(&b), v->command, sc_confirmed, c));
    buf_free(&b);
}

static void sc_on_done(struct rsession *rs, struct rsession_req *q, const struct rsession_done *d,
                       void *arg)
{
    struct screen_console *c = arg;
    (void)rs;
    if (d->cancelled) {
        sc_textf(c, THEME_WARNING, "(cancelled) %s", rsession_req_display(q));
    } else if (d->refused) {
        const struct rsafety_verdict *v = d->refused;
        switch (v->kind) {
        case RSAFETY_CONFIRM:
            if (c->confirm)
                rsession_drop(c->confirm);
            c->confirm = NULL;
            sc_textf(c, THEME_WARNING, "(dangerous) %s needs confirmation: type its name",
                     v->command);
            sc_ask_confirm(c, q, v);
            break;
        case RSAFETY_BLOCKED:
            sc_notef(c, THEME_WARNING, "(blocked) %s is not available on ElastiCache: %s",
                     v->command, v->why);
            break;
        case RSAFETY_READ_ONLY:
            sc_notef(c, THEME_ERROR, "(read-only) %s refused: %s", v->command, v->why);
            break;
        case RSAFETY_UNSUPPORTED:
            sc_notef(c, THEME_WARNING, "(unsupported) %s: %s", v->command, v->why);
            break;
        case RSAFETY_OK:
            break;
        }
        if (v->kind != RSAFETY_CONFIRM && v->instead[0])
            sc_notef(c, THEME_DIM, "instead: %s", v->instead);
    } else if (d->err && d->replies == 0) {
        sc_textf(c, THEME_ERROR, "(error) %s: %s", rconn_err_name(d->err->code), d->err->msg);
        const char *hint = rconn_err_hint(d->err->code);
        if (hint && *hint)
            sc_notef(c, THEME_DIM, "(cause) %s", hint);
    }
    app_dirty(c->a);
    sc_run_queue(c);
}

static void sc_on_docs(struct rsession *rs, void *arg)
{
    struct screen_console *c = arg;
    (void)rs;
    app_dirty(c->a);
}

static void sc_on_event(struct console *con, const struct console_event_info *e, void *arg)
{
    struct screen_console *c = arg;
    (void)con;
    switch (e->ev) {
    case CONSOLE_EV_READY: {
        c->ready = true;
        const char *seed = console_seed(c->con);
        snprintf(c->state, sizeof(c->state), "ready, %s %s%s", console_tls(c->con) ? "TLS" : "TCP",
                 seed, console_insecure(c->con) ? " (certificates NOT verified)" : "");
        sc_textf(c, THEME_OK, "Connected to %s at %s (%s%s). :help lists the prompt commands.",
                 c->rg_id, seed, console_tls(c->con) ? "TLS" : "plain TCP",
                 console_insecure(c->con) ? ", certificates NOT verified" : "");
        break;
    }
    case CONSOLE_EV_FAILED:
        c->failed = true;
        snprintf(c->state, sizeof(c->state), "failed");
        sc_textf(c, THEME_ERROR, "(error) the session did not open: %s",
                 e->text ? e->text : "failed");
        if (e->err) {
            const char *hint = rconn_err_hint(e->err->code);
            if (hint && *hint)
                sc_notef(c, THEME_DIM, "(cause) %s", hint);
        }
        app_message(c->a, THEME_ERROR, "console %s: %s", c->rg_id, e->text ? e->text : "failed");
        break;
    case CONSOLE_EV_NODE_ERROR:
        if (e->err)
            sc_textf(c, THEME_WARNING, "(notice) %s: %s (%s)", e->node ? e->node : "a node",
                     e->err->msg, rconn_err_name(e->err->code));
        break;
    case CONSOLE_EV_NOTICE:
        if (e->text)
            sc_textf(c, THEME_DIM, "(notice) %s", e->text);
        break;
    case CONSOLE_EV_DISCOVERED:
        snprintf(c->state, sizeof(c->state), "connecting...");
        break;
    default:
        break;
    }
    app_dirty(c->a);
}

/* ---- lines ---- */

static bool sc_busy(const struct screen_console *c)
{
    struct rsession_req *r[1];
    return rsession_running(c->rs, r, 1) > 0 || c->confirm;
}

static void sc_prompt(struct screen_console *c)
{
    char p[600];
    rsession_prompt(c->rs, c->rg_id, p, sizeof(p));
    lineedit_set_prompt(c->le, p);
}

static void sc_tick(void *arg);

static void sc_stream_closed(void *arg, const char *summary)
{
    struct screen_console *c = arg;
    sc_textf(c, THEME_DIM, "%s", summary);
    app_dirty(c->a);
}

/* A stream command opens the stream view; false when the line is not one. */
static bool sc_stream(struct screen_console *c, const char *line)
{
    struct rrender_args a;
    if (rrender_split(line, &a) != 0)
        return false;
    bool is = a.argc > 0 && rsession_stream_command(a.argc, (const char *const *)a.argv, a.argvlen);
    if (is) {
        rhistory_add(rsession_history(c->rs), line);
        char err[400];
        struct screen *v =
            screen_console_stream_new(c->a, c->rs, a.argc, (const char *const *)a.argv, a.argvlen,
                                      sc_stream_closed, c, err, sizeof(err));
        if (v)
            app_push(c->a, v);
        else
            sc_notef(c, THEME_ERROR, "(error) %s", err);
    }
    rrender_args_free(&a);
    return is;
}

static void sc_run(struct screen_console *c, const char *line)
{
    if (c->confirm) {
        /* a new command: the one waiting for its confirmation is dropped */
        rsession_drop(c->confirm);
        c->confirm = NULL;
    }
    char p[600];
    rsession_prompt(c->rs, c->rg_id, p, sizeof(p));
    char *shown = rsession_display_line(line);
    sc_push(c, THEME_KEY, p, strlen(p), THEME_NORMAL, shown);
    free(shown);
    if (sc_stream(c, line))
        return;
    struct rsession_line l;
    rsession_run_line(c->rs, line, &l);
    switch (l.kind) {
    case RSESSION_LINE_META:
        sc_text(c, THEME_DIM, buf_str(&l.text));
        sc_prompt(c);
        break;
    case RSESSION_LINE_ERROR:
        sc_text(c, THEME_ERROR, buf_str(&l.text));
        break;
    case RSESSION_LINE_QUIT:
        app_close(c->a, c->self);
        rsession_line_free(&l);
        return;
    case RSESSION_LINE_SENT:
        if (!c->tick)
            c->tick = loop_timer(app_session(c->a)->loop, SC_TICK_MS, sc_tick, c);
        break;
    case RSESSION_LINE_EMPTY:
    case RSESSION_LINE_STREAM: /* streams start in sc_run before this */
        break;
    }
    rsession_line_free(&l);
}

static void sc_run_queue(struct screen_console *c)
{
    while (c->nqueue && !sc_busy(c)) {
        char *line = c->queue[0];
        memmove(c->queue, c->queue + 1, (c->nqueue - 1) * sizeof(*c->queue));
        c->nqueue--;
        bool self_closed = false;
        /* a queued ":quit" closes the screen: stop here */
        if (strcmp(line, ":quit") == 0 || strcmp(line, ":q") == 0)
            self_closed = true;
        sc_run(c, line);
        mem_free_secret(line);
        if (self_closed)
            return;
    }
}

static void sc_drop_queue(struct screen_console *c)
{
    for (size_t i = 0; i < c->nqueue; i++)
        mem_free_secret(c->queue[i]);
    c->nqueue = 0;
}

static void sc_tick(void *arg)
{
    struct screen_console *c = arg;
    c->tick = NULL;
    struct rsession_req *r[1];
    if (rsession_running(c->rs, r, 1) > 0) {
        c->tick = loop_timer(app_session(c->a)->loop, SC_TICK_MS, sc_tick, c);
        app_dirty(c->a);
    }
}

/* ---- drawing ---- */

static void sc_draw_edit(struct screen_console *c, WINDOW *w, int y, int cols)
{
    struct app *a = c->a;
    struct lineedit_view v;
    lineedit_view(c->le, cols, &v);
    app_style(a, w, v.searching ? THEME_MATCH : THEME_KEY);
    app_put(w, y, 0, cols, "", true);
    int x = app_put(w, y, 0, cols, v.prompt + v.prompt_skip, false);
    app_style(a, w, THEME_NORMAL);
    size_t cur = lineedit_cursor(c->le) - (size_t)(v.text - lineedit_text(c->le));
    if (cur > v.len)
        cur = v.len;
    x += app_put_span(w, y, x, cols - x, 0, v.text, cur);
    /* the cursor: the character under it in reverse video */
    attr_t at;
    short pair;
    wattr_get(w, &at, &pair, NULL);
    wattr_set(w, at | A_REVERSE, pair, NULL);
    size_t k = cur;
    if (k < v.len) {
        k++;
        while (k < v.len && ((unsigned char)v.text[k] & 0xc0) == 0x80)
            k++;
        x += app_put_span(w, y, x, cols - x, 0, v.text + cur, k - cur);
    } else if (x < cols) {
        mvwaddch(w, y, x++, ' ');
    }
    wattr_set(w, at, pair, NULL);
    if (k < v.len)
        x += app_put_span(w, y, x, cols - x, 0, v.text + k, v.len - k);
    if (v.hint && x < cols) {
        app_style(a, w, THEME_DIM);
        size_t hb = 0;
        for (int col = 0; v.hint[hb] && col < v.hint_cols; col++) {
            hb++;
            while (v.hint[hb] && ((unsigned char)v.hint[hb] & 0xc0) == 0x80)
                hb++;
        }
        app_put_span(w, y, x, cols - x, 0, v.hint, hb);
    }
    app_style(a, w, THEME_NORMAL);
}

static void sc_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_console *c = s->priv;
    struct app *a = s->app;
    c->width = cols;
    if (c->lines_dirty)
        sc_rebuild(c);
    /* the target, always in sight */
    char tn[RCLUSTER_NAME_MAX + 40];
    rsession_target_name(rsession_target(c->rs), tn, sizeof(tn));
    app_style(a, w, THEME_COLUMN);
    app_put(w, y0, 0, cols, "", true);
    int x = app_put(w, y0, 1, cols - 1, "Target ", false) + 1;
    app_style(a, w, THEME_SELECTED);
    x += app_put(w, y0, x, cols - x, tn, false);
    app_style(a, w, THEME_COLUMN);
    const struct rdocs *d = rsession_docs(c->rs);
    char side[300];
    snprintf(side, sizeof(side),
             "  F2 picks: slot, primaries, replicas, all, shard, az, node   hints: %s",
             d && strstr(d->source, "server") ? "server COMMAND DOCS" : "built-in");
    app_put(w, y0, x, cols - x, side, false);
    app_style(a, w, THEME_NORMAL);
    /* what waits, above the prompt */
    struct buf waits[SC_WAIT_LINES + 1];
    int nw = 0;
    struct rsession_req *run[64];
    size_t nr = rsession_running(c->rs, run, 64);
    uint64_t now = loop_now_ms(app_session(a)->loop);
    size_t more = 0;
    for (size_t i = 0; i < nr; i++) {
        const struct rsession_wait *wt;
        size_t n = rsession_req_waits(run[i], &wt);
        double secs = (double)(now - rsession_req_started_ms(run[i])) / 1000.0;
        for (size_t k = 0; k < n; k++) {
            if (wt[k].answered)
                continue;
            if (nw >= SC_WAIT_LINES) {
                more++;
                continue;
            }
            buf_init(&waits[nw], 0);
            buf_printf(&waits[nw], "waiting %.1f s on %s for %s  (Esc cancels)", secs, wt[k].label,
                       rsession_req_command(run[i]));
            nw++;
        }
    }
    int extra = nw + (more ? 1 : 0) + (c->nqueue ? 1 : 0);
    const char *cands = lineedit_candidates(c->le);
    int cand_h = cands[0] ? 1 : 0;
    int out_h = rows - 2 - extra - cand_h;
    if (out_h < 1)
        out_h = 1;
    if (c->follow) {
        /* the height changes with the waits: follow with this one */
        c->lv.page = out_h;
        listview_request(&c->lv, REQ_LAST);
    }
    listview_draw(&c->lv, a, w, y0 + 1, 0, out_h, cols, true);
    int y = y0 + 1 + out_h;
    for (int i = 0; i < nw && y < y0 + rows - 1; i++) {
        app_style(a, w, THEME_BUSY);
        app_put(w, y++, 0, cols, buf_str(&waits[i]), true);
        buf_free(&waits[i]);
    }
    if (more && y < y0 + rows - 1) {
        char m[64];
        snprintf(m, sizeof(m), "and %zu more node%s waited on", more, more == 1 ? "" : "s");
        app_style(a, w, THEME_BUSY);
        app_put(w, y++, 0, cols, m, true);
    }
    if (c->nqueue && y < y0 + rows - 1) {
        char m[96];
        snprintf(m, sizeof(m), "%zu line%s queued (Esc drops them)", c->nqueue,
                 c->nqueue == 1 ? "" : "s");
        app_style(a, w, THEME_DIM);
        app_put(w, y++, 0, cols, m, true);
    }
    if (cand_h && y < y0 + rows - 1) {
        app_style(a, w, THEME_KEY);
        app_put(w, y++, 0, cols, cands, true);
    }
    app_style(a, w, THEME_NORMAL);
    sc_draw_edit(c, w, y0 + rows - 1, cols);
}

/* ---- keys ---- */

/* The confirmation dialog was closed without confirming: not run. */
static void sc_check_dialog(struct screen_console *c)
{
    if (!c->confirm || app_find(c->a, "confirm"))
        return;
    sc_textf(c, THEME_DIM, "(not run) %s", rsession_req_display(c->confirm));
    rsession_drop(c->confirm);
    c->confirm = NULL;
    sc_run_queue(c);
}

static int sc_input(struct screen *s, int key)
{
    struct screen_console *c = s->priv;
    sc_check_dialog(c);
    /* ':' and '?' on an empty line are the console's (the : command line, help) */
    if ((key == ':' || key == '?') && lineedit_text(c->le)[0] == '\0')
        return APP_IGNORED;
    char *line = NULL;
    enum lineedit_event ev = lineedit_key(c->le, key, &line);
    switch (ev) {
    case LINEEDIT_IGNORED:
        return APP_IGNORED;
    case LINEEDIT_NONE:
        return APP_REDRAW;
    case LINEEDIT_LINE:
        lineedit_start(c->le);
        if (line && *line) {
            c->follow = true;
            if (sc_busy(c) || c->nqueue) {
                if (c->nqueue < SC_MAX_QUEUE) {
                    rhistory_add(rsession_history(c->rs), line);
                    c->queue = mem_xrealloc(c->queue, (c->nqueue + 1) * sizeof(*c->queue));
                    c->queue[c->nqueue++] = line;
                    line = NULL;
                } else {
                    app_message(s->app, THEME_ERROR, "%d lines are queued already: not added",
                                SC_MAX_QUEUE);
                }
            } else {
                sc_run(c, line);
            }
        }
        mem_free_secret(line);
        return APP_REDRAW;
    case LINEEDIT_EOF:
    case LINEEDIT_INTERRUPT:
        lineedit_start(c->le);
        return APP_REDRAW;
    }
    return APP_HANDLED;
}

static struct screen *sc_target_picker(struct screen *panel);

static int sc_request(struct screen *s, int req)
{
    struct screen_console *c = s->priv;
    sc_check_dialog(c);
    switch (req) {
    case REQ_BACK: {
        struct rsession_req *run[64];
        size_t n = rsession_running(c->rs, run, 64);
        if (n || c->nqueue) {
            for (size_t i = 0; i < n; i++)
                rsession_cancel(run[i]);
            if (c->nqueue)
                sc_textf(c, THEME_WARNING, "(dropped) %zu queued line%s", c->nqueue,
                         c->nqueue == 1 ? "" : "s");
            sc_drop_queue(c);
            return APP_REDRAW;
        }
        if (lineedit_text(c->le)[0]) {
            lineedit_start(c->le);
            return APP_REDRAW;
        }
        return APP_IGNORED;
    }
    case REQ_TARGET:
        if (c->rs)
            app_push(s->app, sc_target_picker(s));
        return APP_REDRAW;
    case REQ_OLDER:
        c->follow = false;
        return listview_request(&c->lv, REQ_PAGE_UP);
    case REQ_NEWER: {
        int r = listview_request(&c->lv, REQ_PAGE_DOWN);
        c->follow = c->lv.top + (size_t)(c->lv.page > 0 ? c->lv.page : 1) >= listview_count(&c->lv);
        return r | APP_REDRAW;
    }
    default:
        return APP_IGNORED;
    }
}

static const char *sc_title(struct screen *s)
{
    struct screen_console *c = s->priv;
    bool resp3 = c->con && rcluster_protocol(console_cluster(c->con)) == 3;
    snprintf(c->title, sizeof(c->title), " Console %s  %s%s", c->rg_id,
             c->state[0] ? c->state : "discovering...", resp3 ? "  RESP3" : "");
    return c->title;
}

static int sc_tick_op(struct screen *s)
{
    struct screen_console *c = s->priv;
    sc_check_dialog(c);
    /* read-only may have been turned on or off: the prompt says so */
    if (c->rs)
        sc_prompt(c);
    return APP_REDRAW;
}

static char *sc_command(struct screen *s)
{
    struct screen_console *c = s->priv;
    return mem_xasprintf("console %s", c->rg_id);
}

static void sc_destroy(struct screen *s)
{
    struct screen_console *c = s->priv;
    if (c->tick)
        loop_untimer(app_session(c->a)->loop, c->tick);
    if (c->confirm)
        rsession_drop(c->confirm);
    rsession_free(c->rs);
    console_close(c->con);
    lineedit_free(c->le);
    sc_drop_queue(c);
    free(c->queue);
    for (size_t i = 0; i < c->nlines; i++) {
        free(c->lines[i].text1);
        free(c->lines[i].text2);
    }
    free(c->lines);
    listview_free(&c->lv);
    free(c->rg_id);
    free(c);
    free(s);
}

static const char *sc_group(struct screen *s)
{
    struct screen_console *c = s->priv;
    return c->rg_id;
}

static const struct screen_ops screen_console_ops = {
    .group = sc_group,
    .name = "console",
    .draw = sc_draw,
    .request = sc_request,
    .input = sc_input,
    .title = sc_title,
    .tick = sc_tick_op,
    .command = sc_command,
    .destroy = sc_destroy,
};

/* ---- the editor's hooks ---- */

static size_t sc_complete(const char *text, size_t pos, lineedit_add_fn add, void *ctx, void *arg)
{
    struct screen_console *c = arg;
    return c->rs ? rsession_complete(c->rs, text, pos, add, ctx) : pos;
}

static char *sc_hint(const char *text, void *arg)
{
    struct screen_console *c = arg;
    return c->rs ? rsession_hint(c->rs, text) : NULL;
}

static size_t sc_hist_count(void *arg)
{
    struct screen_console *c = arg;
    return c->rs ? rhistory_count(rsession_history(c->rs)) : 0;
}

static const char *sc_hist_at(void *arg, size_t i)
{
    struct screen_console *c = arg;
    return c->rs ? rhistory_at(rsession_history(c->rs), i) : NULL;
}

static bool sc_read_only(void *arg)
{
    struct screen_console *c = arg;
    return app_read_only(c->a);
}

static const char *sc_read_only_source(void *arg)
{
    struct screen_console *c = arg;
    return session_read_only_source(app_session(c->a)->opts);
}

/* ---- the screen ---- */

const char *screen_console_group(struct screen *s)
{
    if (!s || s->ops != &screen_console_ops)
        return NULL;
    struct screen_console *c = s->priv;
    return c->rg_id;
}

int screen_console_set_target(struct screen *s, const char *spec)
{
    if (!s)
        return -1;
    if (s->ops != &screen_console_ops) {
        app_message(s->app, THEME_ERROR, ":target works on the console (:console)");
        return -1;
    }
    struct screen_console *c = s->priv;
    if (!c->rs)
        return -1;
    struct rsession_target t;
    char err[300];
    if (rsession_target_parse(spec, &t, err, sizeof(err)) != 0) {
        app_message(s->app, THEME_ERROR, "%s", err);
        return -1;
    }
    rsession_set_target(c->rs, &t);
    sc_prompt(c);
    char tn[RCLUSTER_NAME_MAX + 40];
    rsession_target_name(&t, tn, sizeof(tn));
    sc_textf(c, THEME_DIM, "target: %s", tn);
    app_dirty(s->app);
    return 0;
}

int screen_console_prompt_command(struct screen *s, const char *line)
{
    if (!s || s->ops != &screen_console_ops)
        return -1;
    struct screen_console *c = s->priv;
    if (!c->rs)
        return -1;
    static const char *const words[] = {"primaries", "replicas", "all",   "slot", "node",
                                        "shard",     "az",       "nodes", "docs"};
    size_t wl = strcspn(line, " ");
    bool known = false;
    for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
        known = known || (strlen(words[i]) == wl && strncmp(words[i], line, wl) == 0);
    if (!known)
        return -1;
    char *full = mem_xasprintf(":%s", line);
    sc_run(c, full);
    free(full);
    app_dirty(s->app);
    return 0;
}

void screen_console_targets(struct screen *s, void (*emit)(void *ctx, const char *spec), void *ctx)
{
    if (!s || s->ops != &screen_console_ops)
        return;
    struct screen_console *c = s->priv;
    if (!c->rs)
        return;
    struct rsession_choice *ch = mem_xcalloc(SC_MAX_CHOICES, sizeof(*ch));
    size_t n = rsession_choices(c->rs, ch, SC_MAX_CHOICES);
    for (size_t i = 0; i < n; i++) {
        char spec[RCLUSTER_NAME_MAX + 40];
        rsession_target_spec(&ch[i].t, spec, sizeof(spec));
        emit(ctx, spec);
    }
    free(ch);
}

int screen_console_request(struct app *a, int req, const char *rg_id, const char *node)
{
    if (req != REQ_CONSOLE && req != REQ_LATENCY && req != REQ_DOCTOR)
        return APP_IGNORED;
    if (!rg_id || !*rg_id) {
        app_message(a, THEME_DIM, "no group selected");
        return APP_REDRAW;
    }
    if (req == REQ_LATENCY) {
        app_push(a, screen_latency_new(a, rg_id));
    } else if (req == REQ_DOCTOR) {
        app_push(a, screen_doctor_new(a, rg_id));
    } else {
        char spec[RCLUSTER_NAME_MAX + 8] = "";
        /* the nodes panel writes "ID/NODE" for a node that is not 0001 */
        if (node && *node)
            snprintf(spec, sizeof(spec), "node %.*s", (int)strcspn(node, "/"), node);
        app_push(a, screen_console_new(a, rg_id, spec));
    }
    return APP_REDRAW;
}

struct screen *screen_console_new(struct app *a, const char *rg_id, const char *target)
{
    struct screen_console *c = mem_xcalloc(1, sizeof(*c));
    c->a = a;
    c->rg_id = mem_xstrdup(rg_id);
    listview_init_pager(&c->lv);
    c->lv.empty = "";
    c->follow = true;
    c->width = 100;
    struct screen *s = app_screen_new(a, &screen_console_ops, c);
    c->self = s;
    struct session *ss = app_session(a);
    const struct session_options *so = ss->opts;
    struct console_options o = {
        .loop = ss->loop,
        .aws = ss->aws,
        .creds = ss->creds,
        .region = ss->region,
        .rg_id = rg_id,
        .cafile = so ? so->redis_cacert : NULL,
        .insecure = so && so->insecure,
        .connect_to = so ? so->connect_to : NULL,
        .n_connect_to = so ? so->nconnect_to : 0,
        .read_only = app_read_only(a),
        /* as redis-cli -c: through the seed, redirects shown as they happen */
        .lazy_map = true,
        .client_name = "elcui-console",
        .on_event = sc_on_event,
        .event_arg = c,
    };
    c->con = console_open(&o);
    struct rsession_options ro = {
        .console = c->con,
        .read_only = sc_read_only,
        .read_only_source = sc_read_only_source,
        .ro_arg = c,
        .ev = {.on_reply = sc_on_reply, .on_done = sc_on_done, .on_docs = sc_on_docs, .arg = c},
    };
    c->rs = c->con ? rsession_new(&ro) : NULL;
    c->le = lineedit_new(NULL, NULL);
    lineedit_set_completer(c->le, sc_complete, c);
    lineedit_set_hinter(c->le, sc_hint, c);
    struct lineedit_history h = {sc_hist_count, sc_hist_at, c};
    lineedit_set_history(c->le, &h);
    if (!c->rs) {
        snprintf(c->state, sizeof(c->state), "cannot open");
        sc_textf(c, THEME_ERROR, "(error) no session for %s", rg_id);
        lineedit_set_prompt(c->le, "> ");
    } else {
        snprintf(c->state, sizeof(c->state), "discovering the endpoint and the token...");
        if (target && *target)
            screen_console_set_target(s, target);
        sc_prompt(c);
    }
    lineedit_start(c->le);
    return s;
}

/* ---- the target picker ---- */

enum { TP_COL_TARGET, TP_COL_SPEC, TP_COLS };

static const struct listview_col tp_cols[TP_COLS] = {
    [TP_COL_TARGET] = {"TARGET", 20, 0, 90, LISTVIEW_KEY},
    [TP_COL_SPEC] = {":target SPEC", 0, 0, 50, 0},
};

struct target_picker {
    struct screen *panel;
    struct listview lv;
    size_t nodes; /* nodes known when built */
};

static void tp_fill(struct target_picker *p)
{
    struct screen_console *c = p->panel->priv;
    p->nodes = console_node_count(c->con);
    struct rsession_choice *ch = mem_xcalloc(SC_MAX_CHOICES, sizeof(*ch));
    size_t n = rsession_choices(c->rs, ch, SC_MAX_CHOICES);
    char cur[RCLUSTER_NAME_MAX + 40], key[400] = "";
    rsession_target_spec(rsession_target(c->rs), cur, sizeof(cur));
    listview_begin(&p->lv);
    for (size_t i = 0; i < n; i++) {
        char spec[RCLUSTER_NAME_MAX + 40];
        rsession_target_spec(&ch[i].t, spec, sizeof(spec));
        size_t r = listview_add(&p->lv);
        listview_set(&p->lv, r, TP_COL_TARGET, THEME_NORMAL, "%s", ch[i].label);
        listview_set(&p->lv, r, TP_COL_SPEC, THEME_DIM, "%s", spec);
        if (strcmp(spec, cur) == 0)
            snprintf(key, sizeof(key), "%s", ch[i].label);
    }
    listview_end(&p->lv);
    if (key[0] && p->lv.sel == 0)
        listview_select_key(&p->lv, key);
    free(ch);
}

static void tp_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct target_picker *p = s->priv;
    struct app *a = s->app;
    int bw = cols - 8 < 100 ? cols - 8 : 100;
    int bh = rows - 2;
    if (bw < 30)
        bw = cols;
    int by = y0 + 1, bx = (cols - bw) / 2;
    app_style(a, w, THEME_TITLE);
    app_put(w, by, bx, bw, " Pick the target (Enter), Esc leaves it as it is", true);
    app_style(a, w, THEME_NORMAL);
    for (int i = 1; i < bh; i++)
        app_put(w, by + i, bx, bw, "", true);
    listview_draw(&p->lv, a, w, by + 1, bx + 1, bh - 1, bw - 2, true);
}

static int tp_request(struct screen *s, int req)
{
    struct target_picker *p = s->priv;
    if (req == REQ_OPEN) {
        size_t row;
        if (listview_selected(&p->lv, &row))
            screen_console_set_target(p->panel, listview_get(&p->lv, row, TP_COL_SPEC));
        return APP_CLOSE | APP_REDRAW;
    }
    return listview_request(&p->lv, req);
}

static int tp_input(struct screen *s, int key)
{
    struct target_picker *p = s->priv;
    return listview_input(&p->lv, key);
}

static const char *tp_title(struct screen *s)
{
    (void)s;
    return " Target";
}

static int tp_tick(struct screen *s)
{
    struct target_picker *p = s->priv;
    struct screen_console *c = p->panel->priv;
    /* the nodes arrive with the topology */
    if (console_node_count(c->con) == p->nodes)
        return APP_HANDLED;
    tp_fill(p);
    return APP_REDRAW;
}

static void tp_destroy(struct screen *s)
{
    struct target_picker *p = s->priv;
    listview_free(&p->lv);
    free(p);
    free(s);
}

static const struct screen_ops target_picker_ops = {
    .name = "target",
    .draw = tp_draw,
    .request = tp_request,
    .input = tp_input,
    .title = tp_title,
    .tick = tp_tick,
    .destroy = tp_destroy,
    .dialog = true,
};

static struct screen *sc_target_picker(struct screen *panel)
{
    struct screen_console *c = panel->priv;
    struct target_picker *p = mem_xcalloc(1, sizeof(*p));
    p->panel = panel;
    listview_init(&p->lv, tp_cols, TP_COLS);
    tp_fill(p);
    /* a session that learns the map from redirects may not know every node yet */
    if (console_cluster(c->con)) {
        struct rcluster_info info;
        rcluster_get_info(console_cluster(c->con), &info);
        if (strcmp(info.map_source, "CLUSTER SHARDS") != 0 &&
            strcmp(info.map_source, "CLUSTER SLOTS") != 0 && info.mode == RCLUSTER_CLUSTER)
            rcluster_refresh(console_cluster(c->con));
    }
    return app_screen_new(panel->app, &target_picker_ops, p);
}
