/* screen_logs_flt.c - the log panel's filters dialog. */
#include "tui/screen/screen_logs_flt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "tui/widget/field.h"

#define FLT_MAX_VALUES 64

enum {
    FLT_NODE,
    FLT_SHARD,
    FLT_ROLE,
    FLT_AZ,
    FLT_LEVEL,
    FLT_DURATION,
    FLT_COMMAND,
    FLT_CLIENT,
    FLT_N,
};

static const char *const flt_labels[FLT_N] = {
    "Node", "Shard", "Role", "AZ", "Level (or above)", "Duration (at least)", "Command", "Client",
};

struct flt_values {
    char *v[FLT_MAX_VALUES];
    size_t n;
};

struct screen_logs_flt {
    struct field f[FLT_N];
    struct flt_values vals[FLT_N];
    size_t pick[FLT_N]; /* the value C-n gives next */
    int focus;
    char error[256];
    unsigned types;
    screen_logs_flt_fn apply;
    void *ctx;
    struct screen **backref;
};

static void flt_add(struct flt_values *v, const char *s, size_t n)
{
    if (!n || v->n >= FLT_MAX_VALUES)
        return;
    for (size_t i = 0; i < v->n; i++)
        if (strlen(v->v[i]) == n && memcmp(v->v[i], s, n) == 0)
            return;
    /* only what can be typed: printable ASCII */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return;
    char *c = mem_xmalloc(n + 1);
    memcpy(c, s, n);
    c[n] = '\0';
    v->v[v->n++] = c;
}

static void flt_adds(struct flt_values *v, const char *s)
{
    if (s)
        flt_add(v, s, strlen(s));
}

static void flt_gather(struct screen_logs_flt *d, const struct logstore *store,
                       const struct model_group *g)
{
    if (g) {
        for (size_t i = 0; i < g->n_nodes; i++) {
            flt_adds(&d->vals[FLT_NODE], g->nodes[i].cache_cluster_id);
            flt_adds(&d->vals[FLT_AZ], g->nodes[i].az);
        }
        for (size_t i = 0; i < g->n_shards; i++)
            flt_adds(&d->vals[FLT_SHARD], g->shards[i].id);
    }
    flt_adds(&d->vals[FLT_ROLE], "primary");
    flt_adds(&d->vals[FLT_ROLE], "replica");
    flt_adds(&d->vals[FLT_LEVEL], "verbose");
    flt_adds(&d->vals[FLT_LEVEL], "notice");
    flt_adds(&d->vals[FLT_LEVEL], "warning");
    static const char *const durs[] = {"1ms", "10ms", "100ms", "500ms", "1s"};
    for (size_t i = 0; i < sizeof(durs) / sizeof(*durs); i++)
        flt_adds(&d->vals[FLT_DURATION], durs[i]);
    if (!store)
        return;
    /* commands and clients of the newest records held */
    size_t len = logstore_len(store);
    for (size_t k = 0; k < len && k < 20000; k++) {
        struct logstore_row r;
        if (!logstore_row(store, logstore_seq_at(store, len - 1 - k), &r) ||
            r.kind != LOGSTORE_RECORD)
            continue;
        if (!g) {
            flt_adds(&d->vals[FLT_NODE], r.cluster);
            flt_adds(&d->vals[FLT_SHARD], r.shard);
            flt_adds(&d->vals[FLT_AZ], r.az);
        }
        if (r.type != LOGREC_SLOW || !r.spans)
            continue;
        char name[64];
        logstore_command_name(&r, name, sizeof(name));
        flt_adds(&d->vals[FLT_COMMAND], name);
        /* the address without its port: every connection of a client */
        size_t n = r.client.n;
        const char *colon = NULL;
        for (size_t i = n; i > 0; i--)
            if (r.client.p[i - 1] == ':') {
                colon = r.client.p + i - 1;
                break;
            }
        flt_add(&d->vals[FLT_CLIENT], r.client.p, colon ? (size_t)(colon - r.client.p) : n);
    }
}

static void flt_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_logs_flt *d = s->priv;
    struct app *a = s->app;
    int bw = cols - 8 < 90 ? cols - 8 : 90;
    if (bw < 40)
        bw = cols;
    int bh = FLT_N + 7;
    if (bh > rows)
        bh = rows;
    int by = y0 + (rows - bh) / 2, bx = (cols - bw) / 2;
    app_style(a, w, THEME_NORMAL);
    for (int i = 0; i < bh; i++)
        app_put(w, by + i, bx, bw, "", true);
    app_style(a, w, THEME_TITLE);
    app_put(w, by, bx, bw, "", true);
    app_put(w, by, bx + 2, bw - 4, "Filters of the log panel (empty: any)", false);
    int lw = 21, fx = bx + 2 + lw, fw = bw - 4 - lw;
    for (int i = 0; i < FLT_N && by + 2 + i < by + bh; i++) {
        int y = by + 2 + i;
        app_style(a, w, i == d->focus ? THEME_KEY : THEME_COLUMN);
        app_put(w, y, bx + 2, lw, flt_labels[i], false);
        if (i == d->focus) {
            app_style(a, w, THEME_SELECTED);
            field_draw(&d->f[i], w, y, fx, fw);
        } else {
            app_style(a, w, THEME_NORMAL);
            app_put(w, y, fx, fw, field_text(&d->f[i]), true);
        }
    }
    int y = by + 2 + FLT_N;
    struct buf b;
    buf_init(&b, 0);
    const struct flt_values *v = &d->vals[d->focus];
    if (v->n) {
        buf_appends(&b, "values (C-n/C-p): ");
        for (size_t i = 0; i < v->n; i++)
            buf_printf(&b, "%s%s", i ? " " : "", v->v[i]);
    } else {
        buf_appends(&b, "no values seen yet: type one");
    }
    app_style(a, w, THEME_DIM);
    if (y < by + bh)
        app_put(w, y, bx + 2, bw - 4, buf_str(&b), false);
    buf_free(&b);
    if (d->error[0] && y + 1 < by + bh) {
        app_style(a, w, THEME_ERROR);
        app_put(w, y + 1, bx + 2, bw - 4, d->error, false);
    }
    app_style(a, w, THEME_DIM);
    app_put(w, by + bh - 1, bx + 2, bw - 4,
            "Enter applies  Esc leaves  Up/Down/Tab fields  C-u clears a field", false);
    app_style(a, w, THEME_KEY);
    for (int i = 1; i < bh; i++) {
        mvwaddch(w, by + i, bx, ' ');
        mvwaddch(w, by + i, bx + bw - 1, ' ');
    }
    app_style(a, w, THEME_NORMAL);
}

static const char *flt_text(const struct screen_logs_flt *d, int i)
{
    const char *t = field_text(&d->f[i]);
    while (*t == ' ')
        t++;
    return *t ? t : NULL;
}

/* The filters as typed; false with d->error when one is not valid. */
static bool flt_collect(struct screen_logs_flt *d, struct logstore_filter *out)
{
    memset(out, 0, sizeof(*out));
    out->types = d->types;
    out->node = flt_text(d, FLT_NODE);
    out->shard = flt_text(d, FLT_SHARD);
    out->az = flt_text(d, FLT_AZ);
    out->command = flt_text(d, FLT_COMMAND);
    out->client = flt_text(d, FLT_CLIENT);
    const char *role = flt_text(d, FLT_ROLE);
    if (role) {
        if (strcasecmp(role, "primary") && strcasecmp(role, "replica")) {
            snprintf(d->error, sizeof(d->error), "Role: primary or replica, not '%.40s'", role);
            d->focus = FLT_ROLE;
            return false;
        }
        out->role = strcasecmp(role, "primary") == 0 ? "primary" : "replica";
    }
    const char *lvl = flt_text(d, FLT_LEVEL);
    if (lvl && !logrec_level_parse(lvl, &out->min_level)) {
        snprintf(d->error, sizeof(d->error), "Level: verbose, notice or warning, not '%.40s'", lvl);
        d->focus = FLT_LEVEL;
        return false;
    }
    const char *dur = flt_text(d, FLT_DURATION);
    if (dur &&
        (!awstime_parse_duration_us(dur, &out->min_duration_us) || out->min_duration_us < 0)) {
        snprintf(d->error, sizeof(d->error), "Duration: like 10ms, 500us or 1s, not '%.40s'", dur);
        d->focus = FLT_DURATION;
        return false;
    }
    return true;
}

static int flt_input(struct screen *s, int key)
{
    struct screen_logs_flt *d = s->priv;
    switch (key) {
    case KEYMAP_ESC:
        return APP_IGNORED; /* back: the dialog closes */
    case KEYMAP_ENTER: {
        struct logstore_filter f;
        if (!flt_collect(d, &f))
            return APP_REDRAW;
        screen_logs_flt_fn fn = d->apply;
        d->apply = NULL;
        if (fn)
            fn(d->ctx, &f);
        return APP_CLOSE | APP_REDRAW;
    }
    case KEYMAP_TAB:
    case KEYMAP_FN(KEY_DOWN):
        d->focus = (d->focus + 1) % FLT_N;
        return APP_REDRAW;
    case KEYMAP_FN(KEY_BTAB):
    case KEYMAP_FN(KEY_UP):
        d->focus = (d->focus + FLT_N - 1) % FLT_N;
        return APP_REDRAW;
    case 'n' & 0x1f:
    case 'p' & 0x1f: {
        struct flt_values *v = &d->vals[d->focus];
        if (!v->n)
            return APP_HANDLED;
        size_t *k = &d->pick[d->focus];
        if (key == ('p' & 0x1f))
            *k = (*k + v->n - 2) % v->n;
        field_set(&d->f[d->focus], v->v[*k % v->n]);
        *k = (*k + 1) % v->n;
        d->error[0] = '\0';
        return APP_REDRAW;
    }
    default: {
        enum field_result r = field_key(&d->f[d->focus], key);
        if (r == FIELD_CHANGED)
            d->error[0] = '\0';
        return r == FIELD_IGNORED ? APP_HANDLED : APP_REDRAW;
    }
    }
}

static int flt_request(struct screen *s, int req)
{
    (void)s;
    (void)req;
    return APP_IGNORED;
}

static const char *flt_title(struct screen *s)
{
    (void)s;
    return " Filters";
}

static void flt_destroy(struct screen *s)
{
    struct screen_logs_flt *d = s->priv;
    if (d->backref && *d->backref == s)
        *d->backref = NULL;
    for (int i = 0; i < FLT_N; i++) {
        field_free(&d->f[i]);
        for (size_t k = 0; k < d->vals[i].n; k++)
            free(d->vals[i].v[k]);
    }
    free(d);
    free(s);
}

static const struct screen_ops screen_logs_flt_ops = {
    .name = "log-filters",
    .draw = flt_draw,
    .request = flt_request,
    .input = flt_input,
    .title = flt_title,
    .destroy = flt_destroy,
    .dialog = true,
};

struct screen *screen_logs_flt_new(struct app *a, const struct logstore_filter *cur,
                                   const struct logstore *store, const struct model_group *model,
                                   screen_logs_flt_fn apply, void *ctx, struct screen **backref)
{
    struct screen_logs_flt *d = mem_xcalloc(1, sizeof(*d));
    for (int i = 0; i < FLT_N; i++)
        field_init(&d->f[i], 200);
    d->types = cur->types;
    field_set(&d->f[FLT_NODE], cur->node ? cur->node : "");
    field_set(&d->f[FLT_SHARD], cur->shard ? cur->shard : "");
    field_set(&d->f[FLT_ROLE], cur->role ? cur->role : "");
    field_set(&d->f[FLT_AZ], cur->az ? cur->az : "");
    if (cur->min_level) {
        char l[16];
        snprintf(l, sizeof(l), "%s", logrec_level_name(cur->min_level));
        for (char *p = l; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        field_set(&d->f[FLT_LEVEL], l);
    }
    if (cur->min_duration_us > 0) {
        char t[32];
        if (cur->min_duration_us % 1000)
            snprintf(t, sizeof(t), "%lldus", (long long)cur->min_duration_us);
        else
            snprintf(t, sizeof(t), "%lldms", (long long)(cur->min_duration_us / 1000));
        field_set(&d->f[FLT_DURATION], t);
    }
    field_set(&d->f[FLT_COMMAND], cur->command ? cur->command : "");
    field_set(&d->f[FLT_CLIENT], cur->client ? cur->client : "");
    flt_gather(d, store, model);
    d->apply = apply;
    d->ctx = ctx;
    d->backref = backref;
    return app_screen_new(a, &screen_logs_flt_ops, d);
}
