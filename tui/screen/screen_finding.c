/* screen_finding.c - one audit result in full (see screen_finding.h). */
#include "tui/screen/screen_finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "tui/widget/listview.h"

#define SF_LABEL_W 16

struct screen_finding {
    char *rg_id;
    char *id, *title, *severity, *status, *checkov, *sechub, *resource, *finding, *fix, *accepted;
    int status_role;
    struct listview lv;
    int built_cols;
    char head[256];
};

struct sf_ctx {
    struct listview *lv;
    const char *label;
    int role;
};

static void sf_line(void *ctx, const char *s, size_t n)
{
    struct sf_ctx *c = ctx;
    size_t r = listview_add(c->lv);
    listview_seg(c->lv, r, THEME_COLUMN, SF_LABEL_W, "%s", c->label);
    listview_seg(c->lv, r, c->role, 0, "%.*s", (int)n, s);
    c->label = "";
}

/* A labelled field, wrapped to the width. */
static void sf_field(struct screen_finding *f, int width, const char *label, int role,
                     const char *text)
{
    struct sf_ctx c = {&f->lv, label, role};
    app_wrap(text && *text ? text : "-", width, sf_line, &c);
}

static void sf_build(struct screen_finding *f, int cols)
{
    int width = cols - SF_LABEL_W - 2;
    if (width < 20)
        width = 20;
    f->built_cols = cols;
    listview_begin(&f->lv);
    sf_field(f, width, "Rule", THEME_TITLE, f->id);
    sf_field(f, width, "What it checks", THEME_NORMAL, f->title);
    sf_field(f, width, "Severity", THEME_NORMAL, f->severity);
    sf_field(f, width, "Status", f->status_role, f->status);
    sf_field(f, width, "Checkov", THEME_NORMAL, f->checkov);
    sf_field(f, width, "Security Hub", THEME_NORMAL, f->sechub);
    sf_field(f, width, "Resource", THEME_NORMAL, f->resource);
    listview_add(&f->lv);
    sf_field(f, width, "What was seen", THEME_NORMAL, f->finding);
    listview_add(&f->lv);
    sf_field(f, width, "The fix", THEME_NORMAL, f->fix ? f->fix : "nothing to fix");
    if (f->accepted) {
        listview_add(&f->lv);
        sf_field(f, width, "Accepted", THEME_DIM, f->accepted);
    }
    listview_end(&f->lv);
}

static void sf_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_finding *f = s->priv;
    if (cols != f->built_cols)
        sf_build(f, cols);
    listview_draw(&f->lv, s->app, w, y0, 0, rows, cols, true);
}

static int sf_request(struct screen *s, int req)
{
    struct screen_finding *f = s->priv;
    return listview_request(&f->lv, req);
}

static int sf_input(struct screen *s, int key)
{
    struct screen_finding *f = s->priv;
    return listview_input(&f->lv, key);
}

static const char *sf_title(struct screen *s)
{
    struct screen_finding *f = s->priv;
    snprintf(f->head, sizeof(f->head), " Finding %s of %s  (Esc: back to the audit)", f->id,
             f->rg_id);
    return f->head;
}

static const char *sf_group(struct screen *s)
{
    struct screen_finding *f = s->priv;
    return f->rg_id;
}

static void sf_destroy(struct screen *s)
{
    struct screen_finding *f = s->priv;
    free(f->rg_id);
    free(f->id);
    free(f->title);
    free(f->severity);
    free(f->status);
    free(f->checkov);
    free(f->sechub);
    free(f->resource);
    free(f->finding);
    free(f->fix);
    free(f->accepted);
    listview_free(&f->lv);
    free(f);
    free(s);
}

static const struct screen_ops screen_finding_ops = {
    .name = "finding",
    .draw = sf_draw,
    .request = sf_request,
    .input = sf_input,
    .title = sf_title,
    .group = sf_group,
    .destroy = sf_destroy,
};

static char *sf_dup(const char *s)
{
    return s ? mem_xstrdup(s) : NULL;
}

struct screen *screen_finding_new(struct app *a, const char *rg_id, const struct audit_result *r)
{
    struct screen_finding *f = mem_xcalloc(1, sizeof(*f));
    f->rg_id = mem_xstrdup(rg_id);
    f->id = sf_dup(r->id);
    f->title = sf_dup(r->rule ? r->rule->title : NULL);
    f->severity = sf_dup(audit_severity_name(r->severity));
    f->status = sf_dup(audit_status_name(r->status));
    f->status_role = r->status == AUDIT_FAIL      ? THEME_ERROR
                     : r->status == AUDIT_UNKNOWN ? THEME_WARNING
                     : r->status == AUDIT_PASS    ? THEME_OK
                                                  : THEME_NORMAL;
    f->checkov = sf_dup(r->rule && r->rule->checkov ? r->rule->checkov : "none");
    f->sechub = sf_dup(r->rule && r->rule->securityhub ? r->rule->securityhub : "none");
    f->resource = sf_dup(r->resource);
    f->finding = sf_dup(r->finding);
    f->fix = sf_dup(r->fix);
    f->accepted = sf_dup(r->accepted);
    listview_init_pager(&f->lv);
    return app_screen_new(a, &screen_finding_ops, f);
}
