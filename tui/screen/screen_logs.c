/* screen_logs.c - the log panel: a group's slow log and engine log, live,
 * merged in time order, filtered, searched, saved; an honest status. */
#include "tui/screen/screen_logs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/config.h"
#include "core/logs/logfeed.h"
#include "core/logs/logstore.h"
#include "core/logs/tail.h"
#include "core/snapshot.h"
#include "tui/screen/screen_logs_flt.h"
#include "tui/screen/screen_logs_rec.h"
#include "tui/screen/screen_logs_sum.h"
#include "tui/widget/field.h"

#define SL_TAIL_MS (30 * 1000LL) /* window 0: from 30 s ago */
#define SL_MAX_MATCHES 16
#define SL_DEFAULT_WARN_US 10000
#define SL_DEFAULT_ERROR_US 100000

static const struct {
    const char *name;
    int64_t ms;
} sl_windows[7] = {
    {"tail", SL_TAIL_MS},         {"1m", 60 * 1000LL},       {"5m", 5 * 60 * 1000LL},
    {"15m", 15 * 60 * 1000LL},    {"30m", 30 * 60 * 1000LL}, {"1h", 60 * 60 * 1000LL},
    {"3h", 3 * 60 * 60 * 1000LL},
};

enum sl_streams { SL_BOTH, SL_SLOW, SL_ENGINE };

/* The session's one FilterLogEvents budget, shared by every panel. */
static struct {
    struct loop *loop;
    struct tail_budget *budget;
    int users;
} sl_shared;

struct screen_logs {
    struct screen *self;
    char *rg_id;
    struct logstore *store;
    struct logstore_view *view;
    struct logfeed *feed;
    struct logstore_filter flt; /* owned strings; types from streams */
    enum sl_streams streams;
    int window;
    bool follow;
    uint64_t added_at_pause;
    uint64_t top_seq, cur_seq; /* while paused */
    bool wrap;
    bool local;
    int hoff;
    int page;
    /* search */
    struct field typed;
    bool typing;
    bool has_q;
    struct logstore_search q;
    size_t nmatch;
    uint64_t counted_pushed, counted_added; /* when nmatch was counted */
    /* save */
    bool asking_format;
    char *saved;
    /* budget figures */
    unsigned long granted_prev;
    int64_t granted_t;
    double req_per_s;
    int64_t warn_us, error_us;
    struct screen *summary, *filters;
    struct buf snap; /* the strings handed to an incident snapshot */
    char title[512];
    int node_w;
};

static size_t sl_snapshot_logs(void *arg, const char *rg_id, struct snapshot_log *out, size_t max);

/* ---- the shared budget ---- */

static struct tail_budget *sl_budget_take(struct app *a)
{
    struct loop *l = app_session(a)->loop;
    if (sl_shared.users == 0 || sl_shared.loop != l) {
        const struct config *c = app_config(a);
        if (sl_shared.users == 0 && sl_shared.budget)
            tail_budget_free(sl_shared.budget);
        sl_shared.loop = l;
        sl_shared.budget = tail_budget_new(l, c && c->log_rate > 0 ? c->log_rate : 4.0, 1);
        sl_shared.users = 0;
    }
    sl_shared.users++;
    return sl_shared.budget;
}

static void sl_budget_give(void)
{
    if (sl_shared.users > 0 && --sl_shared.users == 0) {
        tail_budget_free(sl_shared.budget);
        sl_shared.budget = NULL;
        sl_shared.loop = NULL;
    }
}

/* ---- small helpers ---- */

static void sl_filter_free(struct logstore_filter *f)
{
    free((char *)f->node);
    free((char *)f->shard);
    free((char *)f->role);
    free((char *)f->az);
    free((char *)f->command);
    free((char *)f->client);
    memset(f, 0, sizeof(*f));
}

static char *sl_dup(const char *s)
{
    return s && *s ? mem_xstrdup(s) : NULL;
}

static void sl_filter_copy(struct logstore_filter *dst, const struct logstore_filter *src)
{
    unsigned types = dst->types;
    sl_filter_free(dst);
    *dst = *src;
    dst->types = types;
    dst->node = sl_dup(src->node);
    dst->shard = sl_dup(src->shard);
    dst->role = sl_dup(src->role);
    dst->az = sl_dup(src->az);
    dst->command = sl_dup(src->command);
    dst->client = sl_dup(src->client);
}

static void sl_apply_view(struct screen_logs *sl)
{
    sl->flt.types = sl->streams == SL_SLOW     ? 1u << LOGREC_SLOW
                    : sl->streams == SL_ENGINE ? 1u << LOGREC_ENGINE
                                               : 0;
    logstore_view_set_filter(sl->view, &sl->flt);
    if (sl->has_q)
        sl->nmatch = logstore_view_count_matches(sl->view, &sl->q);
}

static const char *sl_streams_name(enum sl_streams s)
{
    return s == SL_SLOW ? "slow log" : s == SL_ENGINE ? "engine log" : "slow + engine";
}

/* "0001/primary/us-east-2a", or the node when it has no labels. */
static void sl_node_text(const struct logstore_row *r, struct buf *b)
{
    if (r->label[0]) {
        logrec_safe_appends(b, r->label);
    } else if (r->cluster[0]) {
        logrec_safe_appends(b, r->cluster);
        if (r->node[0]) {
            buf_appendc(b, '/');
            logrec_safe_appends(b, r->node);
        }
    } else {
        buf_appendc(b, '-');
    }
}

static void sl_duration(int64_t us, char *out, size_t n)
{
    if (us < 0)
        snprintf(out, n, "-");
    else if (us < 1000)
        snprintf(out, n, "%lldus", (long long)us);
    else if (us < 1000000)
        snprintf(out, n, "%lld.%03lldms", (long long)(us / 1000), (long long)(us % 1000));
    else
        snprintf(out, n, "%lld.%03llds", (long long)(us / 1000000), (long long)(us / 1000 % 1000));
}

/* "12:03:41.517" in UTC or local time. */
static void sl_time(const struct screen_logs *sl, int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    if (sl->local)
        localtime_r(&t, &tm);
    else
        gmtime_r(&t, &tm);
    int frac = (int)(((ms % 1000) + 1000) % 1000);
    snprintf(out, n, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* The zone, as the heading says it: "UTC", "local UTC+02:00". */
static void sl_zone(const struct screen_logs *sl, char *out, size_t n)
{
    if (!sl->local) {
        snprintf(out, n, "UTC");
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    snprintf(out, n, "local UTC%c%02ld:%02ld", sign, off / 3600, off / 60 % 60);
}

/* The message column of a row, terminal-safe. */
static void sl_message(const struct screen_logs *sl, const struct logstore_row *r, struct buf *b,
                       size_t *detail_at)
{
    *detail_at = (size_t)-1;
    if (r->kind == LOGSTORE_GAP) {
        char from[40], to[40];
        sl_time(sl, r->ts_ms, from, sizeof(from));
        if (r->gap_to_ms)
            sl_time(sl, r->gap_to_ms, to, sizeof(to));
        else
            snprintf(to, sizeof(to), "now");
        buf_printf(b, "%s .. %s not read (", from, to);
        logrec_safe_appends(b, r->gap_reason);
        buf_appends(b, ")");
        if (r->gap_detail[0]) {
            buf_appends(b, ": ");
            logrec_safe_appends(b, r->gap_detail);
        }
        return;
    }
    struct logstore_full full;
    logstore_full_init(&full);
    struct logstore_span text = r->text, client = r->client, name = r->client_name;
    if (!r->spans) {
        logstore_full(logstore_view_store(sl->view), r->seq, &full);
        const struct logrec *lr = &full.rec;
        const char *t = r->type == LOGREC_SLOW     ? lr->command
                        : r->type == LOGREC_ENGINE ? lr->text
                                                   : lr->message;
        text.p = t ? t : "";
        text.n = r->type == LOGREC_SLOW     ? lr->command_len
                 : r->type == LOGREC_ENGINE ? lr->text_len
                                            : lr->message_len;
        client.p = lr->client ? lr->client : "";
        client.n = lr->client_len;
        name.p = lr->client_name ? lr->client_name : "";
        name.n = lr->client_name_len;
    }
    if (r->type == LOGREC_ENGINE && r->engine_role)
        buf_printf(b, "%c ", logrec_role_char(r->engine_role));
    logrec_safe_append(b, text.p, text.n);
    if (r->type == LOGREC_SLOW && (client.n || name.n)) {
        *detail_at = b->len;
        if (client.n) {
            buf_appends(b, "  client ");
            logrec_safe_append(b, client.p, client.n);
        }
        if (name.n) {
            buf_appends(b, "  name ");
            logrec_safe_append(b, name.p, name.n);
        }
    }
    logstore_full_free(&full);
}

/* ---- positions ---- */

static size_t sl_count(const struct screen_logs *sl)
{
    return logstore_view_count(sl->view);
}

/* How many screen lines a row takes (wrapped). */
static int sl_row_lines(const struct screen_logs *sl, size_t pos, int msg_w)
{
    if (!sl->wrap || msg_w < 8)
        return 1;
    struct logstore_row r;
    if (!logstore_row(logstore_view_store(sl->view), logstore_view_seq(sl->view, pos), &r))
        return 1;
    struct buf b;
    buf_init(&b, 0);
    size_t da;
    sl_message(sl, &r, &b, &da);
    int w = app_text_width(buf_str(&b));
    buf_free(&b);
    int lines = w <= msg_w ? 1 : (w + msg_w - 1) / msg_w;
    return lines > 20 ? 20 : lines;
}

static void sl_pause(struct screen_logs *sl)
{
    if (!sl->follow)
        return;
    sl->follow = false;
    sl->added_at_pause = logstore_view_added(sl->view);
    size_t n = sl_count(sl);
    sl->cur_seq = n ? logstore_view_seq(sl->view, n - 1) : 0;
    size_t top = n > (size_t)sl->page ? n - (size_t)sl->page : 0;
    sl->top_seq = logstore_view_seq(sl->view, top);
}

static size_t sl_pos(const struct screen_logs *sl, uint64_t seq)
{
    size_t n = sl_count(sl);
    if (!seq || !n)
        return 0;
    size_t p = logstore_view_pos(sl->view, seq, NULL);
    return p < n ? p : n - 1;
}

static size_t sl_cur(const struct screen_logs *sl)
{
    size_t n = sl_count(sl);
    if (sl->follow)
        return n ? n - 1 : 0;
    return sl_pos(sl, sl->cur_seq);
}

static void sl_set_cur(struct screen_logs *sl, size_t pos)
{
    size_t n = sl_count(sl);
    if (!n)
        return;
    if (pos >= n)
        pos = n - 1;
    sl->cur_seq = logstore_view_seq(sl->view, pos);
    size_t top = sl_pos(sl, sl->top_seq);
    if (pos < top)
        sl->top_seq = sl->cur_seq;
    else if (pos >= top + (size_t)(sl->page > 0 ? sl->page : 1))
        sl->top_seq = logstore_view_seq(sl->view, pos + 1 - (size_t)(sl->page > 0 ? sl->page : 1));
}

/* ---- the feed ---- */

static void sl_on_change(struct logfeed *f, unsigned what, void *arg)
{
    (void)f;
    (void)what;
    struct screen *s = arg;
    app_dirty(s->app);
}

static void sl_on_message(struct logfeed *f, bool error, const char *text, void *arg)
{
    (void)f;
    struct screen *s = arg;
    struct buf b;
    buf_init(&b, 0);
    logrec_safe_appends(&b, text);
    app_message(s->app, error ? THEME_ERROR : THEME_WARNING, "%s", buf_str(&b));
    buf_free(&b);
}

static int64_t sl_window_start(struct screen_logs *sl, int w)
{
    return app_now_ms(sl->self->app) - sl_windows[w].ms;
}

static void sl_set_window(struct screen_logs *sl, int w)
{
    sl->window = w;
    logfeed_set_start(sl->feed, sl_window_start(sl, w));
    sl->top_seq = sl->cur_seq = 0;
    sl->added_at_pause = logstore_view_added(sl->view);
    sl->nmatch = 0;
}

/* The live source's line under its tail's: the session (StartLiveTail,
 * the polling only reconciling behind it) or the one being opened. */
static void sl_status_source(struct buf *out, size_t *nlines, const struct tail_status *st)
{
    if (st->source && strcmp(st->source, "live") == 0) {
        buf_printf(out, "%-10s live session %.8s%s, %llu reconnect%s, %llu pushed, %llu filled, ",
                   "", st->session_id[0] ? st->session_id : "?", st->sampled ? " SAMPLED" : "",
                   (unsigned long long)st->reconnects, st->reconnects == 1 ? "" : "s",
                   (unsigned long long)st->live_events, (unsigned long long)st->filled);
        if (st->reconciled_ms)
            buf_printf(out, "reconciled %.1fs ago\n", (double)st->reconcile_lag_ms / 1000.0);
        else
            buf_appends(out, "no pass yet\n");
        (*nlines)++;
    } else if (st->live_enabled) {
        buf_printf(out, "%-10s live session %s\n", "", st->live_opening ? "opening" : "down");
        (*nlines)++;
    }
}

/* ---- drawing ---- */

static void sl_put_hl(struct screen_logs *sl, WINDOW *w, int y, int x, int width, int skip,
                      const char *text, size_t len, int role, bool selected)
{
    struct app *a = sl->self->app;
    size_t st[SL_MAX_MATCHES], en[SL_MAX_MATCHES];
    size_t nm = sl->has_q ? logstore_search_ranges(&sl->q, text, len, st, en, SL_MAX_MATCHES) : 0;
    int drawn = 0;
    size_t pos = 0;
    for (size_t m = 0; m <= nm && drawn < width; m++) {
        size_t ms = m < nm ? st[m] : len, me = m < nm ? en[m] : len;
        for (int part = 0; part < 2 && drawn < width; part++) {
            size_t from = part == 0 ? pos : ms, to = part == 0 ? ms : me;
            if (to <= from)
                continue;
            int pw = app_span_width(text + from, to - from);
            if (skip >= pw) {
                skip -= pw;
                continue;
            }
            app_style(a, w, part == 0 ? (selected ? THEME_SELECTED : role) : THEME_MATCH);
            drawn += app_put_span(w, y, x + drawn, width - drawn, skip, text + from, to - from);
            skip = 0;
        }
        pos = me;
    }
}

struct sl_cols {
    int time, node, dur, level, msg; /* widths */
};

static void sl_layout(struct screen_logs *sl, int cols, struct sl_cols *c)
{
    c->time = 12;
    c->node = sl->node_w < 12 ? 12 : sl->node_w > 30 ? 30 : sl->node_w;
    c->dur = sl->streams == SL_ENGINE ? 0 : 9;
    c->level = sl->streams == SL_SLOW ? 4 : 7;
    int used = 1 + c->time + 1 + c->node + 1 + (c->dur ? c->dur + 1 : 0) + c->level + 1;
    if (cols - used < 20) {
        c->node = 12;
        used = 1 + c->time + 1 + c->node + 1 + (c->dur ? c->dur + 1 : 0) + c->level + 1;
    }
    c->msg = cols - used;
    if (c->msg < 1)
        c->msg = 1;
}

/* The LEVEL column of a row: GAP, RAW? (did not parse), an engine-log
 * level, or nothing (slow log); and its colour. */
static void sl_row_level(const struct logstore_row *r, const char **lvl, int *role)
{
    *lvl = "";
    *role = THEME_NORMAL;
    if (r->kind == LOGSTORE_GAP) {
        *lvl = "GAP";
        *role = THEME_ERROR;
    } else if (r->type == LOGREC_UNKNOWN) {
        *lvl = "RAW?"; /* did not parse: shown as it came */
        *role = THEME_WARNING;
    } else if (r->type == LOGREC_ENGINE) {
        *lvl = r->level ? logrec_level_name(r->level) : "-";
        *role = r->level == LOGREC_LEVEL_WARNING   ? THEME_WARNING
                : r->level <= LOGREC_LEVEL_VERBOSE ? THEME_DIM
                                                   : THEME_NORMAL;
    }
}

/* A message wrapped over lines, cut by columns (its detail dimmed):
 * the number of lines drawn. */
static int sl_draw_wrapped(struct screen_logs *sl, WINDOW *w, int y, int x, int max_lines, int cols,
                           const struct sl_cols *c, const struct buf *b, size_t detail_at,
                           int mrole, int base, bool selected)
{
    struct app *a = sl->self->app;
    const char *t = b->data ? b->data : "";
    size_t off = 0;
    int line = 0;
    while (off < b->len && line < max_lines) {
        size_t end = off;
        int used = 0;
        while (end < b->len) {
            size_t nb = 1;
            unsigned char ch = (unsigned char)t[end];
            if (ch >= 0xc0)
                nb = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;
            if (end + nb > b->len)
                nb = b->len - end;
            int cw = app_span_width(t + end, nb);
            if (used + cw > c->msg)
                break;
            used += cw;
            end += nb;
        }
        if (end == off)
            end = off + 1;
        if (line > 0) {
            app_style(a, w, base);
            app_put(w, y + line, 0, cols, "", true);
        }
        sl_put_hl(sl, w, y + line, x, c->msg, 0, t + off, end - off,
                  detail_at != (size_t)-1 && off >= detail_at ? THEME_DIM : mrole, selected);
        off = end;
        line++;
    }
    return line;
}

static int sl_draw_row(struct screen_logs *sl, WINDOW *w, int y, int max_lines, int cols,
                       const struct sl_cols *c, size_t pos, bool selected)
{
    struct app *a = sl->self->app;
    struct logstore_row r;
    if (!logstore_row(logstore_view_store(sl->view), logstore_view_seq(sl->view, pos), &r))
        return 0;
    int base = selected ? THEME_SELECTED : THEME_NORMAL;
    app_style(a, w, base);
    app_put(w, y, 0, cols, "", true);
    int x = 1;
    char tbuf[40];
    sl_time(sl, r.ts_ms, tbuf, sizeof(tbuf));
    app_style(a, w, selected ? base : THEME_DIM);
    app_put(w, y, x, c->time, tbuf, false);
    x += c->time + 1;
    struct buf b;
    buf_init(&b, 0);
    if (r.kind == LOGSTORE_GAP) {
        logrec_safe_appends(&b, r.src_type == LOGREC_SLOW     ? "slow-log"
                                : r.src_type == LOGREC_ENGINE ? "engine-log"
                                                              : r.log_group);
    } else {
        sl_node_text(&r, &b);
        int nw = app_text_width(buf_str(&b));
        if (nw > sl->node_w)
            sl->node_w = nw;
    }
    int nrole = r.role[0] && !strcmp(r.role, "primary")   ? THEME_PRIMARY
                : r.role[0] && !strcmp(r.role, "replica") ? THEME_REPLICA
                                                          : THEME_NORMAL;
    sl_put_hl(sl, w, y, x, c->node, 0, b.data ? b.data : "", b.len, nrole, selected);
    x += c->node + 1;
    if (c->dur) {
        if (r.kind == LOGSTORE_RECORD && r.type == LOGREC_SLOW) {
            char d[32];
            sl_duration(r.duration_us, d, sizeof(d));
            int role = r.duration_us >= sl->error_us  ? THEME_ERROR
                       : r.duration_us >= sl->warn_us ? THEME_WARNING
                                                      : THEME_NORMAL;
            int dw = app_text_width(d);
            app_style(a, w, selected ? base : role);
            app_put(w, y, x + (dw < c->dur ? c->dur - dw : 0), c->dur, d, false);
        }
        x += c->dur + 1;
    }
    const char *lvl;
    int lrole;
    sl_row_level(&r, &lvl, &lrole);
    app_style(a, w, selected ? base : lrole);
    app_put(w, y, x, c->level, lvl, false);
    x += c->level + 1;
    buf_reset(&b);
    size_t detail_at;
    sl_message(sl, &r, &b, &detail_at);
    int mrole = r.kind == LOGSTORE_GAP ? THEME_ERROR : THEME_NORMAL;
    const char *t = b.data ? b.data : "";
    int lines = 1;
    if (!sl->wrap) {
        size_t main_len = detail_at == (size_t)-1 ? b.len : detail_at;
        int mw = app_span_width(t, main_len);
        sl_put_hl(sl, w, y, x, c->msg, sl->hoff, t, main_len, mrole, selected);
        if (main_len < b.len) {
            int skip = sl->hoff > mw ? sl->hoff - mw : 0;
            int at = mw - sl->hoff > 0 ? mw - sl->hoff : 0;
            if (at < c->msg)
                sl_put_hl(sl, w, y, x + at, c->msg - at, skip, t + main_len, b.len - main_len,
                          THEME_DIM, selected);
        }
    } else {
        int line =
            sl_draw_wrapped(sl, w, y, x, max_lines, cols, c, &b, detail_at, mrole, base, selected);
        lines = line > 0 ? line : 1;
    }
    buf_free(&b);
    app_style(a, w, THEME_NORMAL);
    return lines;
}

static void sl_status_lines(struct screen_logs *sl, struct buf *out, size_t *nlines)
{
    struct app *a = sl->self->app;
    int64_t now = app_now_ms(a);
    *nlines = 0;
    size_t nt = logfeed_tails(sl->feed);
    for (size_t i = 0; i < nt; i++) {
        struct tail_status st;
        logfeed_tail_status(sl->feed, i, &st);
        if ((sl->streams == SL_SLOW && st.hint == LOGREC_ENGINE) ||
            (sl->streams == SL_ENGINE && st.hint == LOGREC_SLOW))
            continue;
        const char *what = st.hint == LOGREC_SLOW     ? "slow-log"
                           : st.hint == LOGREC_ENGINE ? "engine-log"
                                                      : "log";
        buf_printf(out, "%-10s ", what);
        /* the state first: it is what changes */
        switch (st.state) {
        case TAIL_BACKOFF:
            buf_printf(out, "BACKOFF %.1fs after %u failure%s", (double)st.backoff_ms / 1000.0,
                       st.failures, st.failures == 1 ? "" : "s");
            break;
        case TAIL_FAILED:
            buf_appends(out, "STOPPED");
            break;
        case TAIL_WAITING:
            buf_appends(out, "waiting for the budget");
            break;
        case TAIL_FETCHING:
            buf_appends(out, "polling");
            break;
        case TAIL_IDLE:
            buf_appends(out, "following");
            break;
        case TAIL_DONE:
            buf_appends(out, "done");
            break;
        }
        buf_appends(out, st.source && strcmp(st.source, "live") == 0 ? "  live" : "  poll");
        if (st.last_ok_ms)
            buf_printf(out, "  last poll %.1fs ago", (double)(now - st.last_ok_ms) / 1000.0);
        else
            buf_appends(out, "  not read yet");
        if (st.newest_ms)
            buf_printf(out, "  ingestion lag %.1fs", (double)st.lag_ms / 1000.0);
        buf_printf(out, "  %.1f ev/s  %llu record%s", st.events_per_s,
                   (unsigned long long)st.events, st.events == 1 ? "" : "s");
        if (st.throttled)
            buf_printf(out, "  %llu throttled", (unsigned long long)st.throttled);
        if (st.gaps)
            buf_printf(out, "  %llu GAP%s", (unsigned long long)st.gaps, st.gaps == 1 ? "" : "s");
        buf_printf(out, "  %llu dup", (unsigned long long)st.duplicates);
        if (st.source_note[0] && !st.live_enabled) {
            buf_appends(out, "  (");
            logrec_safe_appends(out, st.source_note);
            buf_appendc(out, ')');
        }
        const char *note = logfeed_tail_note(sl->feed, i);
        if (note && *note) {
            buf_appends(out, ": ");
            logrec_safe_appends(out, note);
        }
        buf_appendc(out, '\n');
        (*nlines)++;
        sl_status_source(out, nlines, &st);
    }
    /* the panel: follow, window, what is held, the budget */
    char since[40], zone[40];
    sl_time(sl, logfeed_start(sl->feed), since, sizeof(since));
    sl_zone(sl, zone, sizeof(zone));
    if (sl->follow)
        buf_appends(out, "FOLLOWING");
    else
        buf_printf(out, "PAUSED +%llu new",
                   (unsigned long long)(logstore_view_added(sl->view) - sl->added_at_pause));
    buf_printf(out,
               "  window %s since %s %s  %zu held of %zu, %llu dropped  budget %.1f of %.1f "
               "req/s",
               sl_windows[sl->window].name, since, zone, logstore_len(sl->store),
               logstore_cap(sl->store), (unsigned long long)logstore_dropped(sl->store),
               sl->req_per_s, sl_shared.budget ? tail_budget_rate(sl_shared.budget) : 0.0);
    if (sl_shared.users > 1)
        buf_printf(out, " (%d panels)", sl_shared.users);
    buf_appendc(out, '\n');
    (*nlines)++;
}

static void sl_filter_text(const struct screen_logs *sl, struct buf *b)
{
    const struct logstore_filter *f = &sl->flt;
    const char *sep = "";
    if (f->node)
        buf_printf(b, "%snode=%s", sep, f->node), sep = " ";
    if (f->shard)
        buf_printf(b, "%sshard=%s", sep, f->shard), sep = " ";
    if (f->role)
        buf_printf(b, "%srole=%s", sep, f->role), sep = " ";
    if (f->az)
        buf_printf(b, "%saz=%s", sep, f->az), sep = " ";
    if (f->min_level)
        buf_printf(b, "%slevel>=%s", sep, logrec_level_name(f->min_level)), sep = " ";
    if (f->min_duration_us > 0) {
        char d[32];
        sl_duration(f->min_duration_us, d, sizeof(d));
        buf_printf(b, "%sduration>=%s", sep, d), sep = " ";
    }
    if (f->command)
        buf_printf(b, "%scommand=%s", sep, f->command), sep = " ";
    if (f->client)
        buf_printf(b, "%sclient=%s", sep, f->client);
}

static bool sl_has(const char *p, size_t len, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= len; i++)
        if (memcmp(p + i, word, wl) == 0)
            return true;
    return false;
}

/* The feed failed, or the group delivers no logs: why, line by line. */
static void sl_draw_failed(struct screen_logs *sl, struct app *a, WINDOW *w, int y0, int rows,
                           int cols, enum logfeed_state st)
{
    app_style(a, w, st == LOGFEED_FAILED ? THEME_ERROR : THEME_WARNING);
    const char *e = logfeed_error(sl->feed);
    struct buf b;
    buf_init(&b, 0);
    logrec_safe_appends(&b, e ? e : "");
    /* the hint's lines as lines */
    int y = y0 + 1;
    const char *p = e ? e : "";
    while (*p && y < y0 + rows) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        app_put_span(w, y++, 2, cols - 4, 0, p, n);
        app_style(a, w, THEME_NORMAL);
        p += n + (nl ? 1 : 0);
    }
    buf_free(&b);
    app_style(a, w, THEME_NORMAL);
}

/* The column headings, times in zone. */
static void sl_draw_heading(struct screen_logs *sl, struct app *a, WINDOW *w, int y0, int cols,
                            const struct sl_cols *cp, const char *zone)
{
    char head[256];
    app_style(a, w, THEME_NORMAL);
    app_put(w, y0, 0, cols, "", true);
    app_style(a, w, THEME_COLUMN);
    snprintf(head, sizeof(head), "TIME (%s)", zone);
    app_put(w, y0, 1, cp->time + 1 + cp->node, head, false);
    int hx = 1 + cp->time + 1;
    if (app_text_width(head) < cp->time + 1)
        app_put(w, y0, hx, cp->node, "NODE (shard/role/AZ)", false);
    else
        app_put(w, y0, hx + (app_text_width(head) - cp->time),
                cp->node - (app_text_width(head) - cp->time), " NODE (shard/role/AZ)", false);
    hx += cp->node + 1;
    if (cp->dur) {
        app_put(w, y0, hx + cp->dur - 8, 8, "DURATION", false);
        hx += cp->dur + 1;
    }
    app_put(w, y0, hx, cp->level, sl->streams == SL_SLOW ? "" : "LEVEL", false);
    hx += cp->level + 1;
    app_put(w, y0, hx, cp->msg,
            sl->streams == SL_SLOW     ? "COMMAND"
            : sl->streams == SL_ENGINE ? "MESSAGE"
                                       : "COMMAND / MESSAGE",
            false);
}

/* The first row shown: in follow mode as many of the newest as fit,
 * else from the remembered top with the cursor kept in sight. */
static size_t sl_first_row(struct screen_logs *sl, const struct sl_cols *cp, size_t n, size_t cur,
                           int list_rows)
{
    size_t top;
    if (sl->follow) {
        /* the newest at the bottom */
        top = n;
        int used = 0;
        while (top > 0) {
            int l = sl_row_lines(sl, top - 1, cp->msg);
            if (used + l > list_rows)
                break;
            used += l;
            top--;
        }
    } else {
        top = sl_pos(sl, sl->top_seq);
        if (cur < top)
            top = cur;
        /* the cursor in sight */
        for (;;) {
            int used = 0;
            size_t p = top;
            while (p <= cur && p < n) {
                used += sl_row_lines(sl, p, cp->msg);
                p++;
            }
            if (used <= list_rows || top >= cur)
                break;
            top++;
        }
        sl->top_seq = logstore_view_seq(sl->view, top);
    }
    return top;
}

/* No row to show: what the feed is doing, or why nothing shows. */
static void sl_draw_empty(struct screen_logs *sl, struct app *a, WINDOW *w, int y0, int cols,
                          enum logfeed_state st, const char *zone)
{
    app_style(a, w, THEME_DIM);
    char since[40], msg[256];
    sl_time(sl, logfeed_start(sl->feed), since, sizeof(since));
    if (logfeed_waiting(sl->feed))
        snprintf(msg, sizeof(msg),
                 "Reading the roles' history first (Redis, the failover events), so each "
                 "record gets the role its node had then...");
    else if (st == LOGFEED_STARTING)
        snprintf(msg, sizeof(msg), "Describing %s: its log delivery and its nodes...", sl->rg_id);
    else if (logstore_len(sl->store))
        snprintf(msg, sizeof(msg), "No record passes the filters (%zu held); f changes them.",
                 logstore_len(sl->store));
    else
        snprintf(msg, sizeof(msg), "No record since %s %s yet. 1-6 read older ones (1m .. 3h).",
                 since, zone);
    app_put(w, y0 + 2, 2, cols - 4, msg, false);
}

/* The line above the status: the format question, the search being
 * typed, or the search in force. */
static void sl_draw_query(struct screen_logs *sl, struct app *a, WINDOW *w, int y, int cols)
{
    if (sl->asking_format) {
        app_style(a, w, THEME_KEY);
        app_put(w, y, 0, cols, "Save the rows shown as: t text, j JSON lines (Esc: do not save)",
                true);
    } else if (sl->typing) {
        app_style(a, w, THEME_KEY);
        app_put(w, y, 0, 1, "/", false);
        app_style(a, w, THEME_NORMAL);
        field_draw(&sl->typed, w, y, 1, cols - 1);
    } else {
        char line[512];
        if (sl->q.error[0])
            snprintf(line, sizeof(line), "search: %s  (%s)", sl->q.text, sl->q.error);
        else
            snprintf(line, sizeof(line),
                     "search: %s  %zu row%s match  n/N next/previous  Esc drops it", sl->q.text,
                     sl->nmatch, sl->nmatch == 1 ? "" : "s");
        app_style(a, w, sl->q.error[0] || !sl->nmatch ? THEME_WARNING : THEME_KEY);
        app_put(w, y, 0, cols, line, true);
    }
}

/* The status block, its last line in the status colour. */
static void sl_draw_status(struct app *a, WINDOW *w, int y, int y_end, int cols,
                           const struct buf *status, size_t nstatus)
{
    const char *p = buf_str(status);
    for (size_t i = 0; i < nstatus && y < y_end; i++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        bool bad = sl_has(p, len, "BACKOFF") || sl_has(p, len, "STOPPED") || sl_has(p, len, " GAP");
        app_style(a, w, i + 1 == nstatus ? THEME_STATUS : bad ? THEME_WARNING : THEME_DIM);
        app_put(w, y, 0, cols, "", true);
        app_put_span(w, y, 1, cols - 1, 0, p, len);
        y++;
        p += len + (nl ? 1 : 0);
    }
}

static void sl_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_logs *sl = s->priv;
    struct app *a = s->app;
    enum logfeed_state st = logfeed_state(sl->feed);
    if (st == LOGFEED_FAILED || st == LOGFEED_NO_DELIVERY) {
        sl_draw_failed(sl, a, w, y0, rows, cols, st);
        return;
    }
    /* the status block at the bottom */
    struct buf status;
    buf_init(&status, 0);
    size_t nstatus = 0;
    sl_status_lines(sl, &status, &nstatus);
    bool qline = sl->typing || sl->has_q || sl->asking_format;
    int list_rows = rows - 1 - (int)nstatus - (qline ? 1 : 0);
    if (list_rows < 1)
        list_rows = 1;
    sl->page = list_rows;
    struct sl_cols c;
    sl_layout(sl, cols, &c);
    char zone[40];
    sl_zone(sl, zone, sizeof(zone));
    sl_draw_heading(sl, a, w, y0, cols, &c, zone);
    size_t n = sl_count(sl);
    size_t cur = sl_cur(sl);
    size_t top = sl_first_row(sl, &c, n, cur, list_rows);
    int y = y0 + 1;
    for (size_t p = top; p < n && y < y0 + 1 + list_rows; p++)
        y += sl_draw_row(sl, w, y, y0 + 1 + list_rows - y, cols, &c, p, p == cur && !sl->follow);
    for (; y < y0 + 1 + list_rows; y++) {
        app_style(a, w, THEME_NORMAL);
        app_put(w, y, 0, cols, "", true);
    }
    if (n == 0)
        sl_draw_empty(sl, a, w, y0, cols, st, zone);
    y = y0 + 1 + list_rows;
    if (qline)
        sl_draw_query(sl, a, w, y++, cols);
    sl_draw_status(a, w, y, y0 + rows, cols, &status, nstatus);
    buf_free(&status);
    app_style(a, w, THEME_NORMAL);
}

static const char *sl_title(struct screen *s)
{
    struct screen_logs *sl = s->priv;
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, " Logs %s  %s  %zu row%s", sl->rg_id, sl_streams_name(sl->streams), sl_count(sl),
               sl_count(sl) == 1 ? "" : "s");
    if (logstore_filter_active(&sl->flt)) {
        buf_appends(&b, "  filters: ");
        sl_filter_text(sl, &b);
    }
    if (sl->wrap)
        buf_appends(&b, "  wrapped");
    const struct model_group *g = logfeed_model(sl->feed);
    if (g)
        buf_printf(&b, "  (%s)", logfeed_roles_note(sl->feed));
    struct buf safe;
    buf_init(&safe, 0);
    logrec_safe_appends(&safe, buf_str(&b));
    snprintf(sl->title, sizeof(sl->title), "%s", buf_str(&safe));
    buf_free(&safe);
    buf_free(&b);
    return sl->title;
}

/* ---- save and pager ---- */

static void sl_gap_json(const struct logstore_row *r, struct buf *b)
{
    buf_appends(b, "{\"type\":\"gap\",\"logGroup\":");
    logrec_json_appends(b, r->log_group);
    buf_printf(b, ",\"from\":%lld", (long long)r->ts_ms);
    if (r->gap_to_ms)
        buf_printf(b, ",\"to\":%lld", (long long)r->gap_to_ms);
    buf_appends(b, ",\"reason\":");
    logrec_json_appends(b, r->gap_reason);
    buf_appends(b, ",\"detail\":");
    logrec_json_appends(b, r->gap_detail);
    buf_appendc(b, '}');
}

static void sl_gap_text(const struct logstore_row *r, struct buf *b)
{
    char from[40], to[40];
    awstime_format_iso8601(r->ts_ms, from, sizeof(from));
    if (r->gap_to_ms)
        awstime_format_iso8601(r->gap_to_ms, to, sizeof(to));
    else
        snprintf(to, sizeof(to), "(open)");
    buf_appends(b, "GAP ");
    logrec_safe_appends(b, r->log_group);
    buf_printf(b, ": %s .. %s not read (", from, to);
    logrec_safe_appends(b, r->gap_reason);
    buf_appends(b, "): ");
    logrec_safe_appends(b, r->gap_detail);
}

/* Write every row the view shows; the path (caller frees) or NULL after
 * a message. */
static char *sl_save(struct screen_logs *sl, bool json)
{
    struct app *a = sl->self->app;
    char *dir = app_state_dir();
    if (!dir) {
        app_message(a, THEME_ERROR, "save: neither XDG_STATE_HOME nor HOME is set");
        return NULL;
    }
    char stamp[32];
    time_t now = (time_t)(app_now_ms(a) / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    char *path = NULL;
    int fd = -1;
    for (int k = 0; k < 100 && fd < 0; k++) {
        free(path);
        path = k ? mem_xasprintf("%s/logs-%s-%s-%d.%s", dir, sl->rg_id, stamp, k + 1,
                                 json ? "jsonl" : "txt")
                 : mem_xasprintf("%s/logs-%s-%s.%s", dir, sl->rg_id, stamp, json ? "jsonl" : "txt");
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    free(dir);
    if (fd < 0) {
        app_message(a, THEME_ERROR, "save: %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    fchmod(fd, 0600);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        app_message(a, THEME_ERROR, "save: %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    const struct logstore *s = sl->store;
    struct logstore_full full;
    logstore_full_init(&full);
    struct buf line;
    buf_init(&line, 0);
    size_t n = sl_count(sl), written = 0;
    if (!json) {
        char since[40];
        awstime_format_iso8601(logfeed_start(sl->feed), since, sizeof(since));
        buf_printf(&line, "# elcui logs %s: %s, window %s since %s, %zu row%s, times UTC",
                   sl->rg_id, sl_streams_name(sl->streams), sl_windows[sl->window].name, since, n,
                   n == 1 ? "" : "s");
        if (logstore_filter_active(&sl->flt)) {
            buf_appends(&line, ", filters: ");
            sl_filter_text(sl, &line);
        }
        buf_appendc(&line, '\n');
        fwrite(line.data, 1, line.len, f);
    }
    for (size_t i = 0; i < n; i++) {
        struct logstore_row r;
        uint64_t seq = logstore_view_seq(sl->view, i);
        if (!logstore_row(s, seq, &r))
            continue;
        buf_reset(&line);
        if (r.kind == LOGSTORE_GAP) {
            if (json)
                sl_gap_json(&r, &line);
            else
                sl_gap_text(&r, &line);
        } else if (logstore_full(s, seq, &full)) {
            if (json)
                logrec_format_json(&full.rec, &line);
            else
                logrec_format_human(&full.rec, &line);
        }
        buf_appendc(&line, '\n');
        fwrite(line.data, 1, line.len, f);
        written++;
    }
    buf_free(&line);
    logstore_full_free(&full);
    if (fclose(f) != 0) {
        app_message(a, THEME_ERROR, "save: %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    app_message(a, THEME_OK, "saved %zu row%s (%s) to %s", written, written == 1 ? "" : "s",
                json ? "JSON lines" : "text", path);
    return path;
}

static void sl_pager(struct screen_logs *sl)
{
    struct app *a = sl->self->app;
    if (!sl->saved) {
        sl->saved = sl_save(sl, false);
        if (!sl->saved)
            return;
    }
    const char *pager = getenv("PAGER");
    if (!pager || !*pager)
        pager = "less";
    /* the words of $PAGER, no shell */
    char *copy = mem_xstrdup(pager);
    char *argv[34];
    int argc = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t", &save); t && argc < 32; t = strtok_r(NULL, " \t", &save))
        argv[argc++] = t;
    argv[argc++] = sl->saved;
    argv[argc] = NULL;
    int rc = app_run_external(a, argv);
    if (rc < 0)
        app_message(a, THEME_ERROR, "pager %s: %s", argv[0], strerror(errno));
    else if (rc == 127)
        app_message(a, THEME_ERROR, "pager %s: not found (set $PAGER)", argv[0]);
    free(copy);
}

/* ---- expand ---- */

/* A flat JSON object (ASCII) with one member per line. */
static void sl_pretty(const char *json, struct buf *out)
{
    int depth = 0;
    bool in_str = false;
    for (const char *p = json; *p; p++) {
        char ch = *p;
        if (in_str) {
            buf_appendc(out, ch);
            if (ch == '\\' && p[1]) {
                buf_appendc(out, *++p);
            } else if (ch == '"') {
                in_str = false;
            }
            continue;
        }
        switch (ch) {
        case '"':
            in_str = true;
            buf_appendc(out, ch);
            break;
        case '{':
        case '[':
            depth++;
            buf_appendc(out, ch);
            buf_appendc(out, '\n');
            for (int i = 0; i < depth; i++)
                buf_appends(out, "  ");
            break;
        case '}':
        case ']':
            depth--;
            buf_appendc(out, '\n');
            for (int i = 0; i < depth; i++)
                buf_appends(out, "  ");
            buf_appendc(out, ch);
            break;
        case ',':
            buf_appends(out, ",\n");
            for (int i = 0; i < depth; i++)
                buf_appends(out, "  ");
            break;
        case ':':
            buf_appends(out, ": ");
            break;
        default:
            buf_appendc(out, ch);
        }
    }
}

static void sl_expand(struct screen_logs *sl)
{
    struct app *a = sl->self->app;
    size_t n = sl_count(sl);
    if (!n)
        return;
    size_t cur = sl_cur(sl);
    uint64_t seq = logstore_view_seq(sl->view, cur);
    struct logstore_row r;
    if (!logstore_row(sl->store, seq, &r))
        return;
    struct buf json, text, title;
    buf_init(&json, 0);
    buf_init(&text, 0);
    buf_init(&title, 0);
    struct logstore_full full;
    logstore_full_init(&full);
    if (r.kind == LOGSTORE_GAP) {
        sl_gap_json(&r, &json);
        buf_printf(&title, " GAP in %s (row %zu of %zu)", r.log_group, cur + 1, n);
    } else {
        logstore_full(sl->store, seq, &full);
        logrec_format_json(&full.rec, &json);
        buf_printf(&title, " Record %zu of %zu  %s %s", cur + 1, n,
                   r.type == LOGREC_UNKNOWN ? "did not parse, shown raw:"
                                            : logrec_type_name(r.type),
                   r.cluster);
    }
    sl_pretty(buf_str(&json), &text);
    if (r.kind == LOGSTORE_RECORD && full.rec.message_len && full.rec.message[0] == '{') {
        json_error_t je;
        json_t *m = json_loadb(full.rec.message, full.rec.message_len, 0, &je);
        if (m) {
            char *d = json_dumps(m, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
            if (d) {
                buf_appends(&text, "\n\nThe message, parsed:\n");
                buf_appends(&text, d);
                free(d);
            }
            json_decref(m);
        }
    }
    struct buf safe;
    buf_init(&safe, 0);
    logrec_safe_appends(&safe, buf_str(&title));
    app_push(a, screen_logs_rec_new(a, buf_str(&safe), buf_str(&text)));
    buf_free(&safe);
    logstore_full_free(&full);
    buf_free(&json);
    buf_free(&text);
    buf_free(&title);
}

/* ---- filters ---- */

static void sl_filters_applied(void *ctx, const struct logstore_filter *f)
{
    struct screen *s = ctx;
    struct screen_logs *sl = s->priv;
    sl_filter_copy(&sl->flt, f);
    sl_apply_view(sl);
    app_dirty(s->app);
}

static void sl_open_filters(struct screen *s)
{
    struct screen_logs *sl = s->priv;
    struct screen *d = screen_logs_flt_new(s->app, &sl->flt, sl->store, logfeed_model(sl->feed),
                                           sl_filters_applied, s, &sl->filters);
    sl->filters = d;
    app_push(s->app, d);
}

static void sl_open_summary(struct screen *s)
{
    struct screen_logs *sl = s->priv;
    char ctx[256];
    char since[40], zone[40];
    sl_time(sl, logfeed_start(sl->feed), since, sizeof(since));
    sl_zone(sl, zone, sizeof(zone));
    snprintf(ctx, sizeof(ctx), "%s, window %s since %s %s", sl->rg_id, sl_windows[sl->window].name,
             since, zone);
    struct screen *d = screen_logs_sum_new(s->app, sl->store, &sl->flt, ctx, sl->warn_us,
                                           sl->error_us, &sl->summary);
    sl->summary = d;
    app_push(s->app, d);
}

/* ---- keys ---- */

static void sl_search_start(struct screen_logs *sl)
{
    sl->typing = true;
    field_set(&sl->typed, sl->has_q ? sl->q.text : "");
}

static void sl_search_drop(struct screen_logs *sl)
{
    if (sl->has_q)
        logstore_search_free(&sl->q);
    sl->has_q = false;
    sl->nmatch = 0;
}

static void sl_search_go(struct screen_logs *sl, int dir, bool from_here)
{
    size_t n = sl_count(sl);
    if (!sl->has_q || !n || sl->q.error[0])
        return;
    size_t cur = sl_cur(sl);
    size_t from = from_here ? cur : dir > 0 ? (cur + 1) % n : (cur + n - 1) % n;
    size_t at = logstore_view_find(sl->view, &sl->q, from, dir);
    if (at == LOGSTORE_NONE) {
        app_message(sl->self->app, THEME_WARNING, "search: %s: no row shows it", sl->q.text);
        return;
    }
    sl_pause(sl);
    sl_set_cur(sl, at);
}

static int sl_input(struct screen *s, int key)
{
    struct screen_logs *sl = s->priv;
    if (sl->asking_format) {
        sl->asking_format = false;
        if (key == 't' || key == 'j') {
            char *p = sl_save(sl, key == 'j');
            if (p) {
                free(sl->saved);
                sl->saved = p;
            }
        } else {
            app_message(s->app, THEME_DIM, "not saved");
        }
        return APP_REDRAW;
    }
    if (!sl->typing)
        return APP_IGNORED;
    if (key == KEYMAP_ESC) {
        sl->typing = false;
        return APP_REDRAW;
    }
    if (key == KEYMAP_ENTER) {
        sl->typing = false;
        sl_search_drop(sl);
        const char *t = field_text(&sl->typed);
        if (!*t)
            return APP_REDRAW;
        sl->has_q = true;
        if (!logstore_search_init(&sl->q, t))
            return APP_REDRAW;
        sl->nmatch = logstore_view_count_matches(sl->view, &sl->q);
        sl_search_go(sl, 1, true);
        return APP_REDRAW;
    }
    enum field_result r = field_key(&sl->typed, key);
    return r == FIELD_IGNORED ? APP_HANDLED : APP_REDRAW;
}

static int sl_move(struct screen_logs *sl, int req)
{
    size_t n = sl_count(sl);
    if (!n)
        return APP_HANDLED;
    size_t cur = sl_cur(sl);
    size_t page = sl->page > 1 ? (size_t)sl->page - 1 : 1;
    size_t to = cur;
    switch (req) {
    case REQ_DOWN:
        to = cur + 1 < n ? cur + 1 : cur;
        break;
    case REQ_UP:
        to = cur ? cur - 1 : 0;
        break;
    case REQ_PAGE_DOWN:
        to = cur + page < n ? cur + page : n - 1;
        break;
    case REQ_PAGE_UP:
        to = cur > page ? cur - page : 0;
        break;
    case REQ_FIRST:
        to = 0;
        break;
    case REQ_LAST:
        to = n - 1;
        break;
    default:
        return APP_IGNORED;
    }
    if (sl->follow && to >= cur && req != REQ_FIRST)
        return APP_HANDLED; /* already at the newest */
    sl_pause(sl);
    sl_set_cur(sl, to);
    return APP_REDRAW;
}

static int sl_request(struct screen *s, int req)
{
    struct screen_logs *sl = s->priv;
    switch (req) {
    case REQ_BACK:
        if (sl->has_q) {
            sl_search_drop(sl);
            return APP_REDRAW;
        }
        return APP_IGNORED;
    case REQ_DOWN:
    case REQ_UP:
    case REQ_PAGE_DOWN:
    case REQ_PAGE_UP:
    case REQ_FIRST:
    case REQ_LAST:
        return sl_move(sl, req);
    case REQ_SCROLL_LEFT:
        sl->hoff = sl->hoff > 8 ? sl->hoff - 8 : 0;
        return APP_REDRAW;
    case REQ_SCROLL_RIGHT:
        if (!sl->wrap)
            sl->hoff += 8;
        return APP_REDRAW;
    case REQ_FILTER:
        sl_search_start(sl);
        return APP_REDRAW;
    case REQ_LOG_NEXT:
    case REQ_LOG_PREV:
        if (!sl->has_q) {
            app_message(s->app, THEME_DIM, "no search yet: / starts one");
            return APP_REDRAW;
        }
        sl_search_go(sl, req == REQ_LOG_NEXT ? 1 : -1, false);
        return APP_REDRAW;
    case REQ_LOG_FOLLOW:
        if (sl->follow) {
            sl_pause(sl);
        } else {
            sl->follow = true;
            sl->hoff = 0;
        }
        return APP_REDRAW;
    case REQ_LOG_WRAP:
        sl->wrap = !sl->wrap;
        sl->hoff = 0;
        return APP_REDRAW;
    case REQ_LOG_ZONE:
        sl->local = !sl->local;
        return APP_REDRAW;
    case REQ_LOG_STREAMS:
        sl->streams = (enum sl_streams)((sl->streams + 1) % 3);
        sl_apply_view(sl);
        return APP_REDRAW;
    case REQ_LOG_EXPAND:
        sl_expand(sl);
        return APP_REDRAW;
    case REQ_LOG_FILTERS:
        sl_open_filters(s);
        return APP_REDRAW;
    case REQ_LOG_SUMMARY:
        sl_open_summary(s);
        return APP_REDRAW;
    case REQ_LOG_SAVE:
        sl->asking_format = true;
        return APP_REDRAW;
    case REQ_LOG_PAGER:
        sl_pager(sl);
        return APP_REDRAW;
    case REQ_LOG_WIN_TAIL:
    case REQ_LOG_WIN_1M:
    case REQ_LOG_WIN_5M:
    case REQ_LOG_WIN_15M:
    case REQ_LOG_WIN_30M:
    case REQ_LOG_WIN_1H:
    case REQ_LOG_WIN_3H:
        sl_set_window(sl, req - REQ_LOG_WIN_TAIL);
        app_message(s->app, THEME_DIM, "reading %s again from %s ago, each record once", sl->rg_id,
                    sl_windows[sl->window].name);
        return APP_REDRAW;
    default:
        return APP_IGNORED;
    }
}

static int sl_tick(struct screen *s)
{
    struct screen_logs *sl = s->priv;
    /* the search's count follows what arrives and goes (once a second) */
    if (sl->has_q && !sl->q.error[0] &&
        (logstore_pushed(sl->store) != sl->counted_pushed ||
         logstore_view_added(sl->view) != sl->counted_added)) {
        sl->nmatch = logstore_view_count_matches(sl->view, &sl->q);
        sl->counted_pushed = logstore_pushed(sl->store);
        sl->counted_added = logstore_view_added(sl->view);
    }
    if (sl_shared.budget) {
        unsigned long g = tail_budget_granted(sl_shared.budget);
        int64_t now = app_now_ms(s->app);
        if (sl->granted_t && now > sl->granted_t)
            sl->req_per_s = (double)(g - sl->granted_prev) * 1000.0 / (double)(now - sl->granted_t);
        sl->granted_prev = g;
        sl->granted_t = now;
    }
    return APP_REDRAW; /* ages in the status */
}

static char *sl_command(struct screen *s)
{
    struct screen_logs *sl = s->priv;
    return mem_xasprintf("logs %s", sl->rg_id);
}

static void sl_destroy(struct screen *s)
{
    struct screen_logs *sl = s->priv;
    /* what is drawn from its store goes first */
    if (sl->summary)
        app_close(s->app, sl->summary);
    if (sl->filters)
        app_close(s->app, sl->filters);
    logfeed_free(sl->feed);
    sl_budget_give();
    if (sl_shared.users == 0)
        app_set_log_source(s->app, NULL, NULL);
    buf_free(&sl->snap);
    logstore_view_free(sl->view);
    logstore_free(sl->store);
    sl_search_drop(sl);
    field_free(&sl->typed);
    sl_filter_free(&sl->flt);
    free(sl->saved);
    free(sl->rg_id);
    free(sl);
    free(s);
}

static const struct screen_ops screen_logs_ops = {
    .name = "logs",
    .draw = sl_draw,
    .request = sl_request,
    .input = sl_input,
    .title = sl_title,
    .tick = sl_tick,
    .command = sl_command,
    .destroy = sl_destroy,
};

struct screen *screen_logs_new(struct app *a, const char *rg_id,
                               const struct screen_logs_scope *scope)
{
    struct screen_logs *sl = mem_xcalloc(1, sizeof(*sl));
    struct screen *s = app_screen_new(a, &screen_logs_ops, sl);
    sl->self = s;
    sl->rg_id = mem_xstrdup(rg_id);
    const struct config *cfg = app_config(a);
    sl->store = logstore_new(cfg && cfg->ring_size > 0 ? (size_t)cfg->ring_size : 0);
    sl->view = logstore_view_new(sl->store);
    sl->follow = true;
    sl->warn_us = cfg && cfg->log_warn_us ? cfg->log_warn_us : SL_DEFAULT_WARN_US;
    sl->error_us = cfg && cfg->log_error_us ? cfg->log_error_us : SL_DEFAULT_ERROR_US;
    field_init(&sl->typed, 256);
    if (scope) {
        struct logstore_filter f = {
            .node = scope->node, .shard = scope->shard, .role = scope->role, .az = scope->az};
        sl_filter_copy(&sl->flt, &f);
    }
    sl_apply_view(sl);
    struct logfeed_options o;
    memset(&o, 0, sizeof(o));
    o.session = app_session(a);
    o.rg_id = rg_id;
    o.store = sl->store;
    o.budget = sl_budget_take(a);
    o.start_ms = app_now_ms(a) - sl_windows[0].ms;
    o.refresh_ms = (uint64_t)(cfg && cfg->refresh_s ? cfg->refresh_s : 15) * 1000;
    o.source_mode = cfg ? cfg->log_source : TAIL_SOURCE_AUTO;
    o.cb.on_change = sl_on_change;
    o.cb.on_message = sl_on_message;
    o.cb.arg = s;
    sl->feed = logfeed_new(&o);
    buf_init(&sl->snap, 0);
    app_set_log_source(a, sl_snapshot_logs, a);
    return s;
}

/* ---- the snapshot hook ---- */

static struct screen_logs *sl_find(struct app *a, const char *rg_id)
{
    for (struct screen *t = app_top(a); t; t = app_below(a, t))
        if (t->ops == &screen_logs_ops && !strcmp(((struct screen_logs *)t->priv)->rg_id, rg_id))
            return t->priv;
    return NULL;
}

size_t screen_logs_recent(struct app *a, const char *rg_id, size_t max,
                          void (*emit)(void *ctx, int64_t ts_ms, const char *source,
                                       const char *text),
                          void *ctx)
{
    struct screen_logs *sl = sl_find(a, rg_id);
    if (!sl)
        return 0;
    size_t n = sl_count(sl);
    size_t from = n > max ? n - max : 0;
    struct buf src, text;
    buf_init(&src, 0);
    buf_init(&text, 0);
    size_t done = 0;
    for (size_t i = from; i < n; i++) {
        struct logstore_row r;
        if (!logstore_row(sl->store, logstore_view_seq(sl->view, i), &r))
            continue;
        buf_reset(&src);
        buf_reset(&text);
        if (r.kind == LOGSTORE_GAP) {
            buf_appends(&src, "GAP");
            sl_gap_text(&r, &text);
        } else {
            buf_appends(&src, r.src_type == LOGREC_ENGINE ? "engine-log " : "slow-log ");
            logrec_safe_appends(&src, r.cluster);
            if (r.label[0]) {
                buf_appends(&src, " (");
                logrec_safe_appends(&src, r.label);
                buf_appendc(&src, ')');
            }
            size_t da;
            sl_message(sl, &r, &text, &da);
            if (r.type == LOGREC_SLOW) {
                char d[32];
                sl_duration(r.duration_us, d, sizeof(d));
                buf_printf(&text, "  (%s)", d);
            }
        }
        emit(ctx, r.ts_ms, buf_str(&src), buf_str(&text));
        done++;
    }
    buf_free(&src);
    buf_free(&text);
    return done;
}

struct sl_snap_ctx {
    struct buf *arena;
    size_t *src_off, *text_off;
    int64_t *ts;
    size_t n, max;
};

static void sl_snap_emit(void *ctx, int64_t ts_ms, const char *source, const char *text)
{
    struct sl_snap_ctx *c = ctx;
    if (c->n >= c->max)
        return;
    c->ts[c->n] = ts_ms;
    c->src_off[c->n] = c->arena->len;
    buf_append(c->arena, source, strlen(source) + 1);
    c->text_off[c->n] = c->arena->len;
    buf_append(c->arena, text, strlen(text) + 1);
    c->n++;
}

/* The log hook of incident snapshots (snapshot_logs_fn): the records the
 * panel of rg_id shows, newest max of them, oldest first. */
static size_t sl_snapshot_logs(void *arg, const char *rg_id, struct snapshot_log *out, size_t max)
{
    struct app *a = arg;
    struct screen_logs *sl = sl_find(a, rg_id);
    if (!sl || !max)
        return 0;
    buf_reset(&sl->snap);
    struct sl_snap_ctx c = {&sl->snap,
                            mem_xcalloc(max, sizeof(size_t)),
                            mem_xcalloc(max, sizeof(size_t)),
                            mem_xcalloc(max, sizeof(int64_t)),
                            0,
                            max};
    screen_logs_recent(a, rg_id, max, sl_snap_emit, &c);
    for (size_t i = 0; i < c.n; i++) {
        out[i].ts_ms = c.ts[i];
        out[i].source = sl->snap.data + c.src_off[i];
        out[i].text = sl->snap.data + c.text_off[i];
    }
    free(c.src_off);
    free(c.text_off);
    free(c.ts);
    return c.n;
}
