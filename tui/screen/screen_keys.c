/* screen_keys.c - a group's KMS keys and log groups: the at-rest key and
 * the key of each log group, every policy statement in words, the verdict
 * whether CloudWatch Logs (logs.<region>) may use each key for exactly the
 * log groups encrypted with it and which statement decides
 * (core/stack/keypolicy.h), and each log group's key, retention and
 * delivery status. The facts are the audit's (core/stack/audit.h: the
 * group, DescribeKey, GetKeyRotationStatus, GetKeyPolicy, the log groups),
 * gathered in the background. */
#include "tui/screen/screen_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/audit.h"
#include "core/stack/audit_facts.h"
#include "core/stack/audit_gather.h"
#include "core/stack/keypolicy.h"
#include "tui/cmd/cmdout.h"
#include "tui/screen/screen_inspect.h"
#include "tui/widget/listview.h"

#define SK_REFRESH_MS (5 * 60 * 1000)
#define SK_LABEL_W 22

struct screen_keys {
    char *rg_id;
    struct audit_req *req;
    struct audit_facts *facts;
    struct loop_timer *timer;
    int64_t done_ms;
    char *error;
    struct listview lv;
    int built_cols;
    char title[400];
    char drawn_title[400];
};

static void sk_start(struct screen *s);

/* ---- building the page ---- */

struct sk_line {
    struct listview *lv;
    const char *label;
    int label_w;
    int role;
};

static void sk_wrapped(void *ctx, const char *s, size_t n)
{
    struct sk_line *c = ctx;
    size_t r = listview_add(c->lv);
    if (c->label_w)
        listview_seg(c->lv, r, THEME_COLUMN, c->label_w, "%s", c->label);
    listview_seg(c->lv, r, c->role, 0, "%.*s", (int)n, s);
    c->label = "";
}

/* A labelled line wrapped to the width (continuations indented). */
static void sk_put(struct listview *lv, int cols, int label_w, const char *label, int role,
                   const char *text)
{
    struct sk_line c = {lv, label, label_w, role};
    int width = cols - label_w - 2;
    app_wrap(text, width < 20 ? 20 : width, sk_wrapped, &c);
}

static const char *sk_short(const char *arn)
{
    const char *k = arn ? strstr(arn, ":key/") : NULL;
    return k ? k + 1 : (arn ? arn : "-");
}

static bool sk_same_key(const struct audit_facts *f, const char *a, const char *b)
{
    if (!a || !b)
        return false;
    const struct audit_key *ka = audit_facts_key(f, a), *kb = audit_facts_key(f, b);
    if (ka && kb && ka->arn && kb->arn)
        return strcmp(ka->arn, kb->arn) == 0;
    return strcmp(a, b) == 0;
}

static void sk_key_facts(struct listview *lv, int cols, const struct audit_key *k)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "%s", k->arn ? k->arn : k->ref);
    if (k->manager)
        buf_printf(&b, "  %s managed", strcmp(k->manager, "CUSTOMER") == 0 ? "customer" : "AWS");
    if (k->state)
        buf_printf(&b, ", %s", k->state);
    if (k->rotation != AUDIT_TRI_UNKNOWN)
        buf_printf(&b, ", rotation %s", k->rotation == AUDIT_TRI_YES ? "on" : "off");
    if (k->error)
        buf_printf(&b, "  (not all read: %s)", k->error);
    sk_put(lv, cols, SK_LABEL_W, "Key", THEME_NORMAL, buf_str(&b));
    buf_free(&b);
}

/* One key: what it is, its verdict for Logs and its statements. */
static void sk_key(struct screen_keys *sk, int cols, const char *ref, const char *used_for)
{
    const struct audit_facts *f = sk->facts;
    struct listview *lv = &sk->lv;
    const struct audit_key *k = audit_facts_key(f, ref);
    size_t r = listview_add(lv);
    listview_seg(lv, r, THEME_TITLE, 0, "%s", used_for);
    if (!k) {
        sk_put(lv, cols, SK_LABEL_W, "Key", THEME_WARNING, ref);
        sk_put(lv, cols, SK_LABEL_W, "", THEME_DIM, "not described (no permission to read it?)");
        listview_add(lv);
        return;
    }
    sk_key_facts(lv, cols, k);
    /* the log groups encrypted with this key */
    const char *arns[64];
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < f->n_logs && n < 64; i++) {
        const struct audit_log_delivery *l = &f->logs[i];
        if (l->found == AUDIT_TRI_YES && l->arn && l->kms_key && sk_same_key(f, l->kms_key, ref)) {
            arns[n] = l->arn;
            names[n++] = l->destination ? l->destination : l->arn;
        }
    }
    char err[256] = "";
    struct keypolicy *p = k->policy ? keypolicy_parse(k->policy, err, sizeof(err)) : NULL;
    if (!k->policy)
        snprintf(err, sizeof(err), "the key policy could not be read%s%s",
                 k->error ? ": " : " (kms:GetKeyPolicy)", k->error ? k->error : "");
    struct keypolicy_verdict *v =
        keypolicy_logs_verdict(p, f->region, k->arn, (const char *const *)arns, n);
    char *line;
    if (!p)
        line = mem_xasprintf("unknown: %s", err);
    else
        line = mem_xstrdup(v->summary);
    sk_put(lv, cols, SK_LABEL_W, "Logs may use it?",
           v->ok        ? THEME_OK
           : v->unknown ? THEME_WARNING
                        : THEME_ERROR,
           line);
    free(line);
    for (size_t i = 0; p && i < v->n_groups; i++) {
        const struct keypolicy_group *g = &v->groups[i];
        char *t = mem_xasprintf("%s: %s, %s", i < n ? names[i] : g->arn,
                                g->answer == KEYPOLICY_ALLOW  ? "allowed"
                                : g->answer == KEYPOLICY_DENY ? "NOT allowed"
                                                              : "undecided",
                                g->reason ? g->reason : "");
        sk_put(lv, cols, SK_LABEL_W, i == 0 ? "  for log group" : "",
               g->answer == KEYPOLICY_ALLOW ? THEME_NORMAL : THEME_ERROR, t);
        free(t);
    }
    for (size_t i = 0; p && i < v->n_beyond; i++)
        sk_put(lv, cols, SK_LABEL_W, i == 0 ? "  beyond them" : "", THEME_WARNING, v->beyond[i]);
    /* the statements; the deciding one marked */
    for (size_t i = 0; p && i < p->n; i++) {
        bool decides = false;
        for (size_t g = 0; g < v->n_groups; g++)
            decides = decides || v->groups[g].deciding == (int)i;
        char *t =
            mem_xasprintf("%s%s: %s", p->st[i].label, decides ? " (decides)" : "", p->st[i].text);
        sk_put(lv, cols, SK_LABEL_W, i == 0 ? "Policy statements" : "",
               decides ? THEME_PRIMARY : THEME_NORMAL, t);
        free(t);
    }
    if (k->policy && !p)
        sk_put(lv, cols, SK_LABEL_W, "Policy statements", THEME_ERROR, err);
    keypolicy_verdict_free(v);
    keypolicy_free(p);
    listview_add(lv);
}

static void sk_logs(struct screen_keys *sk, int cols)
{
    const struct audit_facts *f = sk->facts;
    struct listview *lv = &sk->lv;
    size_t r = listview_add(lv);
    listview_seg(lv, r, THEME_TITLE, 0, "Log groups (%zu)", f->n_logs);
    if (!f->n_logs)
        sk_put(lv, cols, SK_LABEL_W, "", THEME_WARNING,
               "no log delivery: the group sends neither slow log nor engine log anywhere");
    for (size_t i = 0; i < f->n_logs; i++) {
        const struct audit_log_delivery *l = &f->logs[i];
        struct buf b;
        buf_init(&b, 4096);
        buf_printf(&b, "%s -> %s (%s, %s), delivery %s%s%s", l->log_type ? l->log_type : "?",
                   l->destination ? l->destination : "?",
                   l->destination_type ? l->destination_type : "?", l->format ? l->format : "?",
                   l->status ? l->status : "?", l->message ? ": " : "",
                   l->message ? l->message : "");
        bool ok = l->status && strcmp(l->status, "active") == 0;
        sk_put(lv, cols, SK_LABEL_W, l->log_type ? l->log_type : "log",
               ok ? THEME_OK : THEME_WARNING, buf_str(&b));
        buf_reset(&b);
        if (l->destination_type && strcmp(l->destination_type, "cloudwatch-logs") != 0) {
            buf_printf(&b, "not CloudWatch Logs: no KMS key or retention to show");
        } else if (l->found == AUDIT_TRI_NO) {
            buf_printf(&b, "the log group does not exist");
        } else if (l->found == AUDIT_TRI_UNKNOWN) {
            buf_printf(&b, "the log group could not be read%s%s", l->error ? ": " : "",
                       l->error ? l->error : "");
        } else {
            buf_printf(&b, "KMS key %s, retention ", l->kms_key ? sk_short(l->kms_key) : "none");
            if (l->has_retention)
                buf_printf(&b, "%d days", l->retention_days);
            else
                buf_appends(&b, "never expires");
        }
        sk_put(lv, cols, SK_LABEL_W, "", l->found == AUDIT_TRI_YES ? THEME_NORMAL : THEME_WARNING,
               buf_str(&b));
        buf_free(&b);
    }
}

static void sk_build(struct screen_keys *sk, int cols)
{
    struct listview *lv = &sk->lv;
    sk->built_cols = cols;
    listview_begin(lv);
    if (sk->facts) {
        const struct audit_facts *f = sk->facts;
        const char *done[64];
        size_t nd = 0;
        if (f->kms_key) {
            sk_key(sk, cols, f->kms_key, "At-rest key (the group's data and backups)");
            done[nd++] = f->kms_key;
        } else {
            size_t r = listview_add(lv);
            listview_seg(lv, r, THEME_TITLE, 0, "At-rest key");
            sk_put(lv, cols, SK_LABEL_W, "",
                   f->at_rest == AUDIT_TRI_YES ? THEME_NORMAL : THEME_WARNING,
                   f->at_rest == AUDIT_TRI_YES ? "an AWS owned key (no key policy to show)"
                                               : "none: at-rest encryption is off");
            listview_add(lv);
        }
        for (size_t i = 0; i < f->n_logs && nd < 64; i++) {
            const char *ref = f->logs[i].kms_key;
            if (!ref)
                continue;
            bool seen = false;
            for (size_t j = 0; j < nd; j++)
                seen = seen || sk_same_key(f, done[j], ref);
            if (seen)
                continue;
            sk_key(sk, cols, ref, "The log groups' key");
            done[nd++] = ref;
        }
        if (f->n_logs && nd == (f->kms_key ? 1u : 0u)) {
            bool any = false;
            for (size_t i = 0; i < f->n_logs; i++)
                any = any || f->logs[i].kms_key;
            if (any) {
                size_t r = listview_add(lv);
                listview_seg(lv, r, THEME_DIM, 0, "The log groups use the at-rest key (above).");
                listview_add(lv);
            }
        }
        sk_logs(sk, cols);
    }
    listview_end(lv);
}

/* ---- gathering ---- */

static void sk_on_facts(struct audit_facts *facts, const struct aws_error *err, void *arg)
{
    struct screen *s = arg;
    struct screen_keys *sk = s->priv;
    sk->req = NULL;
    if (!facts) {
        free(sk->error);
        sk->error = aws_error_format(err);
        app_message(s->app, THEME_ERROR, "keys of %s: %s", sk->rg_id, sk->error);
        app_dirty(s->app);
        return;
    }
    if (sk->facts) {
        audit_facts_free(sk->facts);
        free(sk->facts);
    }
    sk->facts = facts;
    free(sk->error);
    sk->error = NULL;
    sk->done_ms = app_now_ms(s->app);
    sk->built_cols = 0; /* built again at the next draw */
    app_dirty(s->app);
}

static void sk_on_timer(void *arg)
{
    struct screen *s = arg;
    struct screen_keys *sk = s->priv;
    sk->timer = NULL;
    sk_start(s);
}

static void sk_start(struct screen *s)
{
    struct screen_keys *sk = s->priv;
    struct session *ss = app_session(s->app);
    if (sk->timer)
        loop_untimer(ss->loop, sk->timer);
    sk->timer = loop_timer(ss->loop, SK_REFRESH_MS, sk_on_timer, s);
    if (sk->req)
        return;
    struct audit_gather_options go = {.rg_id = sk->rg_id};
    sk->req = audit_gather_start(ss->aws, &go, sk_on_facts, s);
}

/* ---- the screen ---- */

static const char *sk_title(struct screen *s)
{
    struct screen_keys *sk = s->priv;
    size_t n = sizeof(sk->title), l;
    snprintf(sk->title, n, " Keys and log groups of %s", sk->rg_id);
    l = strlen(sk->title);
    if (sk->done_ms) {
        char age[16];
        cmdout_age(app_now_ms(s->app) - sk->done_ms, age, sizeof(age));
        snprintf(sk->title + l, n - l, "  read %s ago%s%s", age,
                 sk->req ? ", reading again..." : "",
                 sk->error ? ", last read failed (:messages)" : "");
    } else if (sk->error) {
        snprintf(sk->title + l, n - l, "  failed");
    } else {
        snprintf(sk->title + l, n - l, "  reading...");
    }
    return sk->title;
}

static void sk_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_keys *sk = s->priv;
    struct app *a = s->app;
    if (!sk->facts && sk->error) {
        app_style(a, w, THEME_ERROR);
        app_put(w, y0 + 1, 2, cols - 4, "Describing the group failed:", false);
        app_put(w, y0 + 2, 4, cols - 6, sk->error, false);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    if (cols != sk->built_cols)
        sk_build(sk, cols);
    sk->lv.empty = "Describing the group, its KMS keys, their policies and its log groups...";
    listview_draw(&sk->lv, a, w, y0, 0, rows, cols, true);
}

static int sk_request(struct screen *s, int req)
{
    struct screen_keys *sk = s->priv;
    if (req == REQ_REFRESH) {
        sk_start(s);
        return APP_REDRAW;
    }
    int r = screen_inspect_request(s->app, req, sk->rg_id);
    return r != APP_IGNORED ? r : listview_request(&sk->lv, req);
}

static int sk_input(struct screen *s, int key)
{
    struct screen_keys *sk = s->priv;
    return listview_input(&sk->lv, key);
}

static int sk_tick(struct screen *s)
{
    struct screen_keys *sk = s->priv;
    const char *t = sk_title(s);
    if (strcmp(t, sk->drawn_title) == 0)
        return APP_HANDLED;
    snprintf(sk->drawn_title, sizeof(sk->drawn_title), "%s", t);
    return APP_REDRAW;
}

static char *sk_command(struct screen *s)
{
    struct screen_keys *sk = s->priv;
    return mem_xasprintf("keys %s", sk->rg_id);
}

static const char *sk_group(struct screen *s)
{
    struct screen_keys *sk = s->priv;
    return sk->rg_id;
}

static void sk_destroy(struct screen *s)
{
    struct screen_keys *sk = s->priv;
    if (sk->req)
        audit_gather_cancel(sk->req);
    if (sk->timer)
        loop_untimer(app_session(s->app)->loop, sk->timer);
    if (sk->facts) {
        audit_facts_free(sk->facts);
        free(sk->facts);
    }
    listview_free(&sk->lv);
    free(sk->error);
    free(sk->rg_id);
    free(sk);
    free(s);
}

static const struct screen_ops screen_keys_ops = {
    .name = "keys",
    .draw = sk_draw,
    .request = sk_request,
    .input = sk_input,
    .title = sk_title,
    .tick = sk_tick,
    .command = sk_command,
    .group = sk_group,
    .destroy = sk_destroy,
};

struct screen *screen_keys_new(struct app *a, const char *rg_id)
{
    struct screen_keys *sk = mem_xcalloc(1, sizeof(*sk));
    sk->rg_id = mem_xstrdup(rg_id);
    listview_init_pager(&sk->lv);
    struct screen *s = app_screen_new(a, &screen_keys_ops, sk);
    sk_start(s);
    return s;
}
