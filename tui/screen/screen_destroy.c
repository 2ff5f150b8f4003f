/* screen_destroy.c - what goes, type the name, progress. */
#include "tui/screen/screen_destroy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_run.h"
#include "core/stack/stack_spec.h"
#include "tui/cmd/cmd_create.h"
#include "tui/screen/screen_confirm.h"
#include "tui/widget/field.h"
#include "tui/widget/listview.h"
#include "tui/widget/runview.h"

struct screen_destroy {
    char *name;
    struct aws_client *once;
    struct stack_run *run;
    struct listview what;     /* what goes, in order */
    struct listview progress; /* once confirmed */
    struct field answer;
    bool confirmed;
    bool wrong;
    char *spec_note; /* where the names came from */
    char status[256];
    char title[256];
};

static const char *sd_keys(struct screen *s, int req, char *out, size_t n)
{
    size_t idx;
    out[0] = '\0';
    if (keymap_entry_for(app_keymap(s->app), req, &idx))
        keymap_keys_text(app_keymap(s->app), idx, "/", out, n);
    return out[0] ? out : "(unbound)";
}

/* The resources in the order they go: each after everything it waits
 * for (a destroy plan's dependencies point at what must go first). */
static size_t sd_order(const struct stack_plan *p, size_t *out)
{
    bool *listed = mem_xcalloc(p->n ? p->n : 1, sizeof(*listed));
    size_t n = 0;
    bool progress = true;
    while (n < p->n && progress) {
        progress = false;
        for (size_t i = 0; i < p->n; i++) {
            if (listed[i])
                continue;
            bool ready = true;
            for (size_t k = 0; k < p->res[i].n_deps; k++)
                ready = ready && listed[p->res[i].deps[k]];
            if (!ready)
                continue;
            listed[i] = true;
            out[n++] = i;
            progress = true;
        }
    }
    for (size_t i = 0; i < p->n; i++)
        if (!listed[i])
            out[n++] = i; /* a cycle cannot be; never lose a line */
    free(listed);
    return n;
}

/* 0: not the stack's, 1: reused, 2: goes with another resource. */
static int sd_skip_kind(const struct stack_resource *r)
{
    if (r->reason && strstr(r->reason, "goes with"))
        return 2;
    if (r->reason && strstr(r->reason, "reused") == r->reason)
        return 1;
    return 0;
}

static void sd_build_what(struct screen *s)
{
    struct screen_destroy *d = s->priv;
    struct listview *lv = &d->what;
    listview_begin(lv);
    const struct stack_plan *p = d->run ? stack_run_plan(d->run) : NULL;
    if (d->spec_note)
        listview_line(lv, THEME_DIM, " %s", d->spec_note);
    if (!p) {
        const struct aws_error *e = d->run ? stack_run_error(d->run) : NULL;
        if (e) {
            char *m = aws_error_format(e);
            char k[64];
            listview_line(lv, THEME_ERROR, " Planning failed: %s", m);
            listview_line(lv, THEME_DIM, " %s: plan again",
                          sd_keys(s, REQ_WIZ_RETRY, k, sizeof(k)));
            free(m);
        } else {
            listview_line(lv, THEME_BUSY, " Finding what stack %s has: tags, names, the journal...",
                          d->name);
        }
        listview_end(lv);
        return;
    }
    size_t *order = mem_xcalloc(p->n ? p->n : 1, sizeof(*order));
    size_t n = sd_order(p, order);
    listview_line(lv, THEME_TITLE, " Deleted, in this order (%zu):", p->n_delete);
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        const struct stack_resource *r = &p->res[order[j]];
        if (r->action != STACK_ACT_DELETE)
            continue;
        listview_line(lv, THEME_NORMAL, " %3zu  %-22s %s%s%s%s", ++k, r->key, r->name,
                      r->id && strcmp(r->id, r->name) ? " (" : "",
                      r->id && strcmp(r->id, r->name) ? r->id : "",
                      r->id && strcmp(r->id, r->name) ? ")" : "");
        if (r->kind == STACK_KIND_KMS_KEY)
            listview_line(lv, THEME_DIM,
                          "       scheduled for deletion after %d days; its alias goes now",
                          p->spec.key_deletion_window);
        if (r->kind == STACK_KIND_SECRET)
            listview_line(
                lv, THEME_DIM, "       %s",
                p->spec.secret_recovery_days
                    ? "recoverable for the recovery window"
                    : "deleted without recovery (the seed's window 0): the token is gone");
    }
    /* what is left: not the stack's (said so), reused, or gone with another */
    static const char *const heads[] = {"Left alone, not this stack's", "Reused, never deleted",
                                        "Not deleted on their own"};
    for (int kind = 0; kind < 3; kind++) {
        size_t cnt = 0;
        for (size_t j = 0; j < n; j++)
            cnt += p->res[order[j]].action == STACK_ACT_SKIP &&
                   sd_skip_kind(&p->res[order[j]]) == kind;
        if (!cnt)
            continue;
        listview_line(lv, THEME_NORMAL, "%s", "");
        listview_line(lv, THEME_TITLE, " %s (%zu):", heads[kind], cnt);
        for (size_t j = 0; j < n; j++) {
            const struct stack_resource *r = &p->res[order[j]];
            if (r->action == STACK_ACT_SKIP && sd_skip_kind(r) == kind)
                listview_line(lv, kind == 0 ? THEME_WARNING : THEME_DIM, "      %-22s %s: %s",
                              r->key, r->name, r->reason ? r->reason : "left alone");
        }
    }
    if (p->n_absent) {
        listview_line(lv, THEME_NORMAL, "%s", "");
        listview_line(lv, THEME_DIM, " Already gone (%zu):", p->n_absent);
        for (size_t j = 0; j < n; j++) {
            const struct stack_resource *r = &p->res[order[j]];
            if (r->action == STACK_ACT_ABSENT)
                listview_line(lv, THEME_DIM, "      %-22s %s", r->key, r->name);
        }
    }
    if (p->n_conflict) {
        listview_line(lv, THEME_NORMAL, "%s", "");
        for (size_t j = 0; j < n; j++) {
            const struct stack_resource *r = &p->res[order[j]];
            if (r->action == STACK_ACT_CONFLICT)
                listview_line(lv, THEME_ERROR, " conflict  %-22s %s: %s", r->key, r->name,
                              r->reason ? r->reason : "");
        }
    }
    free(order);
    listview_end(lv);
}

static void sd_refresh(struct screen *s)
{
    struct screen_destroy *d = s->priv;
    if (!d->run)
        return;
    runview_fill(&d->progress, d->run);
    runview_status(d->run, d->status, sizeof(d->status));
}

static void sd_on_phase(struct stack_run *r, enum stack_run_phase ph, void *arg)
{
    struct screen *s = arg;
    struct screen_destroy *d = s->priv;
    if (ph == STACK_RUN_PLANNED || ph == STACK_RUN_PLAN_FAILED)
        sd_build_what(s);
    if (ph == STACK_RUN_DONE && d->confirmed)
        app_message(s->app, THEME_OK, "stack %s is destroyed (%zu deleted; keys pending deletion)",
                    d->name, stack_run_result(r)->done);
    if (ph == STACK_RUN_FAILED) {
        const struct stack_apply_result *res = stack_run_result(r);
        char *m = res->first_error ? aws_error_format(res->first_error) : NULL;
        char k[64];
        app_message(s->app, THEME_ERROR, "destroy %s: %s failed: %s (%s: retry)", d->name,
                    res->first_failed ? res->first_failed : "?", m ? m : "?",
                    sd_keys(s, REQ_WIZ_RETRY, k, sizeof(k)));
        free(m);
    }
    sd_refresh(s);
    app_dirty(s->app);
}

static void sd_on_state(struct stack_run *r, const struct stack_event *ev, void *arg)
{
    (void)r;
    (void)ev;
    struct screen *s = arg;
    sd_refresh(s);
    app_dirty(s->app);
}

static void sd_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_destroy *d = s->priv;
    struct app *a = s->app;
    int bw = cols - 2, bh = rows - 2;
    if (bw < 20)
        bw = cols;
    if (bh < 8)
        bh = rows;
    int by = y0 + (rows - bh) / 2, bx = (cols - bw) / 2;
    app_style(a, w, THEME_NORMAL);
    for (int i = 0; i < bh; i++)
        app_put(w, by + i, bx, bw, "", true);
    app_style(a, w, THEME_TITLE);
    app_put(w, by, bx, bw, "", true);
    app_put(w, by, bx + 2, bw - 4, d->title, false);
    int inner = bw - 4;
    char k[64], line[512];
    const struct stack_plan *p = d->run ? stack_run_plan(d->run) : NULL;
    if (d->confirmed) {
        enum stack_run_phase ph = stack_run_phase(d->run);
        app_style(a, w,
                  ph == STACK_RUN_DONE     ? THEME_OK
                  : ph == STACK_RUN_FAILED ? THEME_ERROR
                                           : THEME_BUSY);
        if (ph == STACK_RUN_FAILED || ph == STACK_RUN_STOPPED)
            snprintf(line, sizeof(line), "%s   %s: retry", d->status,
                     sd_keys(s, REQ_WIZ_RETRY, k, sizeof(k)));
        else if (ph == STACK_RUN_DONE)
            snprintf(line, sizeof(line), "%s   Esc: close", d->status);
        else
            snprintf(line, sizeof(line), "%s", d->status);
        app_put(w, by + 1, bx + 2, inner, line, true);
        listview_draw(&d->progress, a, w, by + 2, bx + 2, bh - 3, inner, true);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    int list_h = bh - 5;
    listview_draw(&d->what, a, w, by + 1, bx + 2, list_h, inner, true);
    int y = by + bh - 4;
    app_style(a, w, THEME_NORMAL);
    if (p && !stack_plan_is_noop(p) && !p->n_conflict) {
        if (d->wrong)
            snprintf(line, sizeof(line), "That is not it. Type %s exactly:", d->name);
        else
            snprintf(line, sizeof(line), "Type %s to delete these %zu resources:", d->name,
                     p->n_delete);
        app_style(a, w, d->wrong ? THEME_ERROR : THEME_WARNING);
        app_put(w, y, bx + 2, inner, line, true);
        app_style(a, w, THEME_SELECTED);
        field_draw(&d->answer, w, y + 1, bx + 2, inner);
    } else if (p && p->n_conflict) {
        app_style(a, w, THEME_ERROR);
        app_put(w, y, bx + 2, inner, "Conflicts: nothing can be deleted until they are resolved.",
                true);
    } else if (p) {
        app_style(a, w, THEME_OK);
        snprintf(line, sizeof(line), "Nothing of stack %s is left in %s.", d->name,
                 p->spec.region ? p->spec.region : "?");
        app_put(w, y, bx + 2, inner, line, true);
    }
    app_style(a, w, THEME_DIM);
    snprintf(line, sizeof(line), "Enter confirms, Esc cancels, %s/%s scroll",
             sd_keys(s, REQ_WIZ_NEXT_FIELD, k, sizeof(k)), "PgDn");
    app_put(w, by + bh - 1, bx + 2, inner, line, false);
    app_style(a, w, THEME_KEY);
    for (int i = 1; i < bh; i++) {
        mvwaddch(w, by + i, bx, ' ');
        mvwaddch(w, by + i, bx + bw - 1, ' ');
    }
    app_style(a, w, THEME_NORMAL);
}

static int sd_input(struct screen *s, int key)
{
    struct screen_destroy *d = s->priv;
    if (d->confirmed || key == KEYMAP_ENTER || key == KEYMAP_ESC)
        return APP_IGNORED;
    enum field_result r = field_key(&d->answer, key);
    if (r == FIELD_CHANGED)
        d->wrong = false;
    return r == FIELD_IGNORED ? APP_IGNORED : APP_REDRAW;
}

static void sd_stop(struct app *a, void *arg)
{
    struct screen *s = arg;
    struct screen_destroy *d = s->priv;
    stack_run_stop(d->run);
    sd_refresh(s);
    app_message(a, THEME_WARNING, "destroy of %s stopped; what is left stays (retry goes on)",
                d->name);
}

static struct listview *sd_list(struct screen_destroy *d)
{
    return d->confirmed ? &d->progress : &d->what;
}

static int sd_request(struct screen *s, int req)
{
    struct screen_destroy *d = s->priv;
    switch (req) {
    case REQ_BACK:
        if (d->confirmed && stack_run_phase(d->run) == STACK_RUN_APPLYING) {
            app_push(s->app, screen_confirm_new(s->app, "Stop the destroy?",
                                                "Stop what is in flight? What is not deleted yet "
                                                "stays; retry (or :destroy again) goes on.",
                                                NULL, sd_stop, s));
            return APP_REDRAW;
        }
        return APP_CLOSE | APP_REDRAW;
    case REQ_CONFIRM: {
        if (d->confirmed)
            return APP_HANDLED;
        const struct stack_plan *p = stack_run_plan(d->run);
        if (!p || stack_run_phase(d->run) != STACK_RUN_PLANNED) {
            app_message(s->app, THEME_WARNING, "the destroy plan is not ready yet");
            return APP_REDRAW;
        }
        if (stack_plan_is_noop(p))
            return APP_CLOSE | APP_REDRAW;
        if (strcmp(field_text(&d->answer), d->name) != 0) {
            d->wrong = true;
            return APP_REDRAW;
        }
        if (app_read_only(s->app)) {
            app_message(s->app, THEME_ERROR, "read-only: destroy is refused");
            return APP_REDRAW;
        }
        char msg[512];
        if (stack_run_confirm(d->run, msg, sizeof(msg)) != 0) {
            app_message(s->app, THEME_ERROR, "destroy %s: %s", d->name, msg);
            return APP_REDRAW;
        }
        d->confirmed = true;
        sd_refresh(s);
        return APP_REDRAW;
    }
    case REQ_WIZ_RETRY: {
        enum stack_run_phase ph = stack_run_phase(d->run);
        if (ph != STACK_RUN_FAILED && ph != STACK_RUN_STOPPED && ph != STACK_RUN_PLAN_FAILED)
            return APP_HANDLED;
        if (ph == STACK_RUN_PLAN_FAILED && !d->confirmed) {
            stack_run_replan(d->run); /* the name is typed after the new plan */
            return APP_REDRAW;
        }
        stack_run_retry(d->run);
        sd_refresh(s);
        return APP_REDRAW;
    }
    case REQ_WIZ_NEXT_FIELD:
    case REQ_WIZ_PREV_FIELD:
        return listview_request(sd_list(d), req == REQ_WIZ_NEXT_FIELD ? REQ_DOWN : REQ_UP);
    case REQ_WIZ_SCROLL_DOWN:
    case REQ_WIZ_SCROLL_UP:
        return listview_request(sd_list(d),
                                req == REQ_WIZ_SCROLL_DOWN ? REQ_PAGE_DOWN : REQ_PAGE_UP);
    default:
        return APP_IGNORED;
    }
}

static const char *sd_title(struct screen *s)
{
    struct screen_destroy *d = s->priv;
    return d->title;
}

static int sd_tick(struct screen *s)
{
    struct screen_destroy *d = s->priv;
    if (d->confirmed && stack_run_phase(d->run) == STACK_RUN_APPLYING) {
        sd_refresh(s);
        return APP_REDRAW;
    }
    return APP_HANDLED;
}

static void sd_destroy(struct screen *s)
{
    struct screen_destroy *d = s->priv;
    stack_run_free(d->run);
    aws_client_free(d->once);
    listview_free(&d->what);
    listview_free(&d->progress);
    field_free(&d->answer);
    free(d->spec_note);
    free(d->name);
    free(d);
    free(s);
}

static const struct screen_ops screen_destroy_ops = {
    .name = "destroy",
    .draw = sd_draw,
    .request = sd_request,
    .input = sd_input,
    .title = sd_title,
    .tick = sd_tick,
    .destroy = sd_destroy,
    .dialog = true,
};

struct screen *screen_destroy_new(struct app *a, const char *stack)
{
    if (app_read_only(a)) {
        app_message(a, THEME_ERROR, "read-only: destroy is refused (%s)",
                    session_read_only_source(app_session(a)->opts));
        return NULL;
    }
    struct session *ss = app_session(a);
    struct stack_spec spec;
    stack_spec_init(&spec);
    char msg[512] = "";
    char *note = NULL;
    /* the names: the journal's spec when elcui has one, else derived */
    char *dir = stack_journal_default_dir();
    json_t *j = dir ? stack_journal_load(dir, stack, msg, sizeof(msg)) : NULL;
    free(dir);
    const char *text = stack_journal_spec(j);
    if (text && stack_spec_load_string(&spec, text, msg, sizeof(msg)) == 0) {
        note = mem_xasprintf("names from the journal of stack %s (%s)", stack,
                             stack_journal_state(j) ? stack_journal_state(j) : "?");
    } else {
        stack_spec_free(&spec);
        stack_spec_init(&spec);
        note = mem_xasprintf("no journal of stack %s here: names derived from it, "
                             "only what is tagged elcui:stack=%s goes",
                             stack, stack);
    }
    json_decref(j);
    if (stack_spec_set_name(&spec, stack, msg, sizeof(msg)) != 0) {
        app_message(a, THEME_ERROR, "destroy: %s", msg);
        stack_spec_free(&spec);
        free(note);
        return NULL;
    }
    free(spec.region);
    spec.region = mem_xstrdup(ss->region);
    struct screen_destroy *d = mem_xcalloc(1, sizeof(*d));
    d->name = mem_xstrdup(stack);
    d->spec_note = note;
    snprintf(d->title, sizeof(d->title), "Destroy stack %s in %s", stack, ss->region);
    listview_init_pager(&d->what);
    runview_init(&d->progress);
    field_init(&d->answer, 256);
    struct screen *s = app_screen_new(a, &screen_destroy_ops, d);
    struct aws_error err;
    aws_error_init(&err);
    d->once = cmd_create_once_client(ss, &err);
    aws_error_clear(&err);
    struct stack_run_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.client = ss->aws;
    o.once = d->once;
    o.mode = STACK_PLAN_DESTROY;
    cmd_create_tunables(&o);
    struct stack_run_callbacks cb = {sd_on_phase, sd_on_state, NULL, s};
    d->run = stack_run_new(&spec, &o, &cb);
    stack_spec_free(&spec);
    stack_run_start(d->run);
    sd_build_what(s);
    return s;
}
