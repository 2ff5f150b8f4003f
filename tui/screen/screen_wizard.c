/* screen_wizard.c - the create wizard: forms over core's stack_form, the
 * review of core's plan, audit and cost, the apply followed through core's
 * stack_run engine, and the summary. Every AWS call is made by an engine
 * on the one loop; this file draws and answers keys. */
#include "tui/screen/screen_wizard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/config.h"
#include "core/stack/audit.h"
#include "core/stack/audit_facts.h"
#include "core/stack/cost.h"
#include "core/stack/export.h"
#include "core/stack/stack_form.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_lookup.h"
#include "core/stack/stack_run.h"
#include "tui/cmd/cmd_create.h"
#include "tui/screen/screen_confirm.h"
#include "tui/screen/screen_group.h"
#include "tui/widget/field.h"
#include "tui/widget/listview.h"
#include "tui/widget/runview.h"

#define SW_LABEL_W 24
#define SW_LIST_ROWS 8
#define SW_TOKEN_MAX STACK_SPEC_TOKEN_MAX

struct sw_line {
    char *text;
    int role;
    int x;
    int field; /* the field this line shows the value of, or -1 */
};

struct screen_wizard {
    struct stack_form form;
    struct stack_form_catalog cat;
    struct stack_lookup *lookup;
    int page;
    int focus; /* field id on form pages */
    struct field edit;
    int edit_for;        /* the field edit holds, or -1 */
    struct field tok[2]; /* the token typed twice: never drawn */
    size_t cursor;       /* the subnet under the cursor of the subnet list */
    int top;             /* form pages: first line drawn */
    struct sw_line *lines;
    size_t n_lines, cap_lines;
    char *cred_source;
    /* review, apply, summary */
    struct aws_client *once;
    struct stack_run *run;
    struct cost_req *cost;
    struct cost_estimate *est;
    char *cost_error;
    struct listview review;
    struct listview progress;
    struct listview summary;
    char status[256];
    /* an interrupted apply offered for resume */
    char *resume_name;
    bool resumed;
    char title[256];
};

/* ---- small helpers ---- */

static bool sw_form_page(int page)
{
    return page >= STACK_FORM_PAGE_SIZING && page <= STACK_FORM_PAGE_PRACTICES;
}

static const struct stack_form_def *sw_def(int f)
{
    return stack_form_def((enum stack_form_field)f);
}

static bool sw_typed(int f)
{
    enum stack_form_kind k = sw_def(f)->kind;
    return k == STACK_FORM_TEXT || k == STACK_FORM_NUMBER || k == STACK_FORM_SECRET;
}

/* The keys bound to a request, "Left" or "Tab/Down". */
static const char *sw_keys(struct screen *s, int req, char *out, size_t n)
{
    size_t idx;
    out[0] = '\0';
    if (keymap_entry_for(app_keymap(s->app), req, &idx))
        keymap_keys_text(app_keymap(s->app), idx, "/", out, n);
    return out[0] ? out : "(unbound)";
}

static const char *sw_get(struct screen_wizard *sw, int f, char *buf, size_t n)
{
    const char *v = stack_form_get(&sw->form, (enum stack_form_field)f, buf, n);
    return v ? v : "";
}

static void sw_lines_clear(struct screen_wizard *sw)
{
    for (size_t i = 0; i < sw->n_lines; i++)
        free(sw->lines[i].text);
    sw->n_lines = 0;
}

static void sw_line(struct screen_wizard *sw, int role, int x, int field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void sw_line(struct screen_wizard *sw, int role, int x, int field, const char *fmt, ...)
{
    if (sw->n_lines == sw->cap_lines) {
        sw->cap_lines = sw->cap_lines ? sw->cap_lines * 2 : 64;
        sw->lines = mem_xrealloc(sw->lines, sw->cap_lines * sizeof(*sw->lines));
    }
    struct buf b;
    buf_init(&b, 64 * 1024);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    struct sw_line *l = &sw->lines[sw->n_lines++];
    l->text = buf_steal(&b);
    l->role = role;
    l->x = x;
    l->field = field;
    buf_free(&b);
}

/* Text over several lines (wrapped at width), each indented by x. */
struct sw_wrap_ctx {
    struct screen_wizard *sw;
    int role, x;
};

static void sw_wrap_line(void *ctx, const char *s, size_t n)
{
    struct sw_wrap_ctx *c = ctx;
    sw_line(c->sw, c->role, c->x, -1, "%.*s", (int)n, s);
}

static void sw_text(struct screen_wizard *sw, int role, int x, int width, const char *text)
{
    struct sw_wrap_ctx c = {sw, role, x};
    /* lines are drawn up to the column before the last */
    app_wrap(text, width - x - 1 > 20 ? width - x - 1 : 20, sw_wrap_line, &c);
}

static void sw_textf(struct screen_wizard *sw, int role, int x, int width, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void sw_textf(struct screen_wizard *sw, int role, int x, int width, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    sw_text(sw, role, x, width, buf_str(&b));
    buf_free(&b);
}

/* Multi-line text into a pager listview. */
static void sw_pager_text(struct listview *lv, int role, const char *text)
{
    const char *p = text ? text : "";
    while (*p) {
        size_t n = strcspn(p, "\n");
        size_t row = listview_add(lv);
        listview_seg(lv, row, role, 0, "%.*s", (int)n, p);
        p += n;
        if (*p == '\n')
            p++;
    }
}

static void sw_pager_kv(struct listview *lv, const char *label, int role, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void sw_pager_kv(struct listview *lv, const char *label, int role, const char *fmt, ...)
{
    size_t row = listview_add(lv);
    listview_seg(lv, row, THEME_COLUMN, SW_LABEL_W, "  %s", label);
    va_list ap;
    va_start(ap, fmt);
    listview_vseg(lv, row, role, 0, fmt, ap);
    va_end(ap);
}

/* ---- the typed field ---- */

static void sw_token_init(struct field *f)
{
    /* room for the longest token from the start: the text never moves
     * (a moved buffer would leave a copy behind) */
    field_init(f, SW_TOKEN_MAX);
    char pad[SW_TOKEN_MAX + 1];
    memset(pad, 'x', SW_TOKEN_MAX);
    pad[SW_TOKEN_MAX] = '\0';
    field_set(f, pad);
    field_clear(f);
}

static void sw_token_free(struct field *f)
{
    if (f->text)
        mem_wipe(f->text, f->cap);
    field_free(f);
}

static struct field *sw_field_for(struct screen_wizard *sw, int f)
{
    if (f == STACK_FORM_TOKEN)
        return &sw->tok[0];
    if (f == STACK_FORM_TOKEN_AGAIN)
        return &sw->tok[1];
    return &sw->edit;
}

/* Load the focused text field into the editor. */
static void sw_edit_load(struct screen_wizard *sw)
{
    if (!sw_form_page(sw->page) || !sw_typed(sw->focus) ||
        sw_def(sw->focus)->kind == STACK_FORM_SECRET) {
        sw->edit_for = -1;
        return;
    }
    if (sw->edit_for == sw->focus)
        return;
    char b[4096];
    field_set(&sw->edit, sw_get(sw, sw->focus, b, sizeof(b)));
    sw->edit_for = sw->focus;
}

/* Fields whose empty text means "the derived / default value". */
static bool sw_empty_is_default(int f)
{
    return f == STACK_FORM_ZONES || f == STACK_FORM_PARAM_GROUP || f == STACK_FORM_SECRET_NAME ||
           f == STACK_FORM_SSM_PREFIX || f == STACK_FORM_SSM_POLICY_NAME ||
           f == STACK_FORM_SECRET_POLICY_NAME;
}

static void sw_edit_store(struct screen_wizard *sw)
{
    int f = sw->focus;
    const char *t = field_text(sw_field_for(sw, f));
    if (!*t && sw_empty_is_default(f))
        t = NULL;
    stack_form_set(&sw->form, (enum stack_form_field)f, t);
}

/* ---- focus ---- */

static int sw_first_field(struct screen_wizard *sw, int page)
{
    for (int f = 0; f < STACK_FORM_FIELDS; f++)
        if ((int)sw_def(f)->page == page && stack_form_visible(&sw->form, (enum stack_form_field)f))
            return f;
    return -1;
}

static int sw_step_field(struct screen_wizard *sw, int from, int dir)
{
    for (int f = from + dir; f >= 0 && f < STACK_FORM_FIELDS; f += dir)
        if ((int)sw_def(f)->page == sw->page &&
            stack_form_visible(&sw->form, (enum stack_form_field)f))
            return f;
    return -1;
}

static void sw_focus(struct screen_wizard *sw, int f)
{
    if (f < 0)
        return;
    if (f != sw->focus)
        sw->cursor = 0; /* the list's cursor stays when the focus does */
    sw->focus = f;
    sw->edit_for = -1;
    sw_edit_load(sw);
}

/* ---- account page ---- */

static bool sw_production(const char *label)
{
    for (const char *p = label; p && *p; p++)
        if (strncasecmp(p, "prod", 4) == 0)
            return true;
    return false;
}

static void sw_build_account(struct screen *s, int width)
{
    struct screen_wizard *sw = s->priv;
    struct session *ss = app_session(s->app);
    const struct stack_form_catalog *c = &sw->cat;
    bool busy = stack_lookup_busy(sw->lookup, STACK_LOOKUP_IDENTITY);
    const char *ierr = stack_lookup_error(sw->lookup, STACK_LOOKUP_IDENTITY);
    sw_line(sw, THEME_TITLE, 1, -1, "Who am I");
    sw_line(sw, THEME_NORMAL, 3, -1, "%-*s%s", SW_LABEL_W - 2, "Account",
            c->account ? c->account
            : busy     ? "asking STS..."
                       : "?");
    sw_line(sw, THEME_NORMAL, 3, -1, "%-*s%s", SW_LABEL_W - 2, "ARN",
            c->arn ? c->arn
            : busy ? "asking STS..."
                   : "?");
    if (ierr)
        sw_text(sw, THEME_ERROR, 3, width, ierr);
    sw_line(sw, THEME_NORMAL, 3, -1, "%-*s%s", SW_LABEL_W - 2, "Profile",
            ss->profile ? ss->profile : "?");
    sw_line(sw, THEME_NORMAL, 3, -1, "%-*s%s", SW_LABEL_W - 2, "Region",
            ss->region ? ss->region : "?");
    sw_line(sw, THEME_NORMAL, 3, -1, "%-*s%s", SW_LABEL_W - 2, "Credentials",
            sw->cred_source ? sw->cred_source : "?");
    const char *ep = app_endpoint(s->app);
    if (ep)
        sw_line(sw, THEME_WARNING, 3, -1, "%-*s%s", SW_LABEL_W - 2, "Endpoint", ep);
    const struct config_env *env =
        app_config(s->app) ? config_env_for(app_config(s->app), ss->profile, c->account) : NULL;
    sw_line(sw, THEME_NORMAL, 0, -1, "%s", "");
    if (env && sw_production(env->label)) {
        sw_line(sw, THEME_BANNER, 1, -1, " %s ", env->label);
        sw_text(sw, THEME_ERROR, 1, width,
                "This is a production environment (its label in the configuration says so): "
                "everything the wizard creates is made there, and costs money there.");
    } else if (env) {
        sw_line(sw, THEME_NORMAL, 1, -1, "Environment: %s", env->label);
    }
    if (app_read_only(s->app))
        sw_text(sw, THEME_WARNING, 1, width,
                "Read-only: the wizard plans, reviews and exports; apply is refused.");
    if (sw->resume_name && !sw->resumed)
        sw_line(sw, THEME_WARNING, 1, -1,
                "The apply of stack %s did not finish; :create again offers to resume it.",
                sw->resume_name);
    sw_line(sw, THEME_NORMAL, 0, -1, "%s", "");
    char k[64];
    sw_text(sw, THEME_DIM, 1, width, "Nothing is created until the apply page, after the review.");
    sw_line(sw, THEME_DIM, 1, -1, "%s: the next page.",
            sw_keys(s, REQ_WIZ_NEXT_PAGE, k, sizeof(k)));
}

/* ---- form pages ---- */

static void sw_node_shape(const char *type, const char *region, const char *engine, char *out,
                          size_t n)
{
    int vcpus = 0;
    double mem = 0, usd = 0;
    bool known = false;
    for (size_t i = 0; cost_table_node_type(i, NULL, NULL); i++) {
        const char *t = cost_table_node_type(i, &vcpus, &mem);
        if (t && type && strcmp(t, type) == 0) {
            known = true;
            break;
        }
    }
    if (!known) {
        snprintf(out, n, "(not in elcui's table)");
        return;
    }
    if (cost_table_node_hourly(region, engine, type, &usd) == 0)
        snprintf(out, n, "%d vCPU%s  %6.2f GiB  $%.3f/h", vcpus, vcpus == 1 ? " " : "", mem, usd);
    else
        snprintf(out, n, "%d vCPU%s  %6.2f GiB  price unknown", vcpus, vcpus == 1 ? " " : "", mem);
}

static void sw_vpc_label(const struct stack_form_catalog *c, const char *id, char *out, size_t n)
{
    const struct stack_form_vpc *v = stack_form_catalog_vpc(c, id);
    if (!v) {
        snprintf(out, n, "%s", id && *id ? id : "(none chosen)");
        return;
    }
    snprintf(out, n, "%s  %s%s%s%s", v->id, v->cidr ? v->cidr : "?", v->name ? "  " : "",
             v->name ? v->name : "", v->is_default ? "  (default VPC)" : "");
}

static bool sw_in_list(const char *list, const char *id)
{
    size_t l = strlen(id);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == l && strncmp(p, id, l) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static void sw_toggle_in_list(struct screen_wizard *sw, int f, const char *id)
{
    char b[4096];
    const char *cur = sw_get(sw, f, b, sizeof(b));
    struct buf out;
    buf_init(&out, 8192);
    bool had = sw_in_list(cur, id);
    /* keep the order of the options (the account's order) */
    for (size_t i = 0;; i++) {
        const char *o = stack_form_option(&sw->form, (enum stack_form_field)f, i);
        if (!o)
            break;
        bool pick = strcmp(o, id) == 0 ? !had : sw_in_list(cur, o);
        if (pick)
            buf_printf(&out, "%s%s", out.len ? "," : "", o);
    }
    stack_form_set(&sw->form, (enum stack_form_field)f, buf_str(&out));
    buf_free(&out);
}

static void sw_choice_list(struct screen *s, int f, int width)
{
    struct screen_wizard *sw = s->priv;
    char b[4096], label[512];
    const char *cur = sw_get(sw, f, b, sizeof(b));
    size_t n = 0, at = 0;
    while (stack_form_option(&sw->form, (enum stack_form_field)f, n)) {
        if (strcmp(stack_form_option(&sw->form, (enum stack_form_field)f, n), cur) == 0)
            at = n;
        n++;
    }
    size_t first = at >= SW_LIST_ROWS / 2 ? at - SW_LIST_ROWS / 2 : 0;
    if (first + SW_LIST_ROWS > n)
        first = n > SW_LIST_ROWS ? n - SW_LIST_ROWS : 0;
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    for (size_t i = first; i < n && i < first + SW_LIST_ROWS; i++) {
        const char *o = stack_form_option(&sw->form, (enum stack_form_field)f, i);
        if (f == STACK_FORM_NODE_TYPE) {
            char shape[128];
            sw_node_shape(o, stack_spec_region(spec), spec->engine, shape, sizeof(shape));
            snprintf(label, sizeof(label), "%-20s %s", o, shape);
        } else if (f == STACK_FORM_VPC) {
            sw_vpc_label(&sw->cat, o, label, sizeof(label));
        } else {
            snprintf(label, sizeof(label), "%s", o);
        }
        sw_line(sw, i == at ? THEME_SELECTED : THEME_DIM, SW_LABEL_W + 2, -1, "%s %s",
                i == at ? ">" : " ", label);
    }
    (void)width;
}

static void sw_subnet_list(struct screen *s, int f, bool focused, int width)
{
    struct screen_wizard *sw = s->priv;
    char b[4096];
    const char *cur = sw_get(sw, f, b, sizeof(b));
    size_t n = 0;
    while (stack_form_option(&sw->form, (enum stack_form_field)f, n))
        n++;
    if (n == 0) {
        const char *why = stack_lookup_error(sw->lookup, STACK_LOOKUP_SUBNETS);
        sw_text(sw, THEME_DIM, SW_LABEL_W + 2, width,
                stack_lookup_busy(sw->lookup, STACK_LOOKUP_SUBNETS) ? "reading the subnets..."
                : why                                               ? why
                                                                    : "no subnets in this VPC");
        return;
    }
    if (sw->cursor >= n)
        sw->cursor = n - 1;
    for (size_t i = 0; i < n; i++) {
        const char *id = stack_form_option(&sw->form, (enum stack_form_field)f, i);
        const struct stack_form_subnet *sn = stack_form_catalog_subnet(&sw->cat, id);
        bool on = sw_in_list(cur, id);
        int role = focused && i == sw->cursor ? THEME_SELECTED : on ? THEME_OK : THEME_NORMAL;
        sw_line(sw, role, SW_LABEL_W + 2, -1, "[%c] %-24s %-12s %-18s %s", on ? 'x' : ' ', id,
                sn && sn->zone ? sn->zone : "?", sn && sn->cidr ? sn->cidr : "?",
                sn && sn->name ? sn->name : "");
    }
}

static void sw_value_text(struct screen_wizard *sw, int f, char *out, size_t n)
{
    char b[4096];
    const char *v = sw_get(sw, f, b, sizeof(b));
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    switch (sw_def(f)->kind) {
    case STACK_FORM_SECRET: {
        size_t len = strlen(field_text(sw_field_for(sw, f)));
        size_t k = len < n - 1 ? len : n - 1;
        memset(out, '*', k);
        out[k] = '\0';
        return;
    }
    case STACK_FORM_TOGGLE:
        snprintf(out, n, "[%c] %s", strcmp(v, "yes") == 0 ? 'x' : ' ', v);
        return;
    case STACK_FORM_MULTI:
        snprintf(out, n, "%s", *v ? v : "(none picked)");
        return;
    case STACK_FORM_CHOICE:
        break;
    default:
        snprintf(out, n, "%s", v);
        return;
    }
    if (f == STACK_FORM_VERSION && !*v) {
        const char *d = stack_validate_default_version(spec->engine ? spec->engine : "redis");
        snprintf(out, n, "< AWS's default%s%s%s >", d ? " (" : "", d ? d : "", d ? ")" : "");
    } else if (f == STACK_FORM_NODE_TYPE) {
        char shape[128];
        sw_node_shape(v, stack_spec_region(spec), spec->engine, shape, sizeof(shape));
        snprintf(out, n, "< %s >  %s", v, shape);
    } else if (f == STACK_FORM_VPC) {
        char l[512];
        sw_vpc_label(&sw->cat, v, l, sizeof(l));
        snprintf(out, n, "< %s >", l);
    } else if (f == STACK_FORM_NETWORK) {
        snprintf(out, n, "< %s >",
                 strcmp(v, STACK_FORM_NET_NEW) == 0 ? "a new VPC, as the seed builds it"
                                                    : "an existing VPC and its subnets");
    } else if (f == STACK_FORM_TOKEN_MODE) {
        snprintf(out, n, "< %s >",
                 strcmp(v, STACK_FORM_TOKEN_GENERATE) == 0 ? "generated when applied"
                                                           : "typed here, twice");
    } else if (f == STACK_FORM_REST_KEY && strcmp(v, STACK_FORM_KEY_NEW) == 0) {
        snprintf(out, n, "< a new key, %s >",
                 spec->name ? stack_spec_name(spec, STACK_NAME_REST_KEY_ALIAS)
                            : "alias/<name>-...");
    } else {
        snprintf(out, n, "< %s >", v);
    }
}

/* Lines under a field: derived names, zones, the key policy statement. */
/* Under the name: the names the stack's resources get from it. */
static void sw_extra_names(struct screen_wizard *sw, const struct stack_spec *spec, int x,
                           int width)
{
    if (!spec->name)
        return;
    sw_textf(sw, THEME_DIM, x, width, "group %s  subnet group %s  security group %s",
             stack_spec_name(spec, STACK_NAME_REPLICATION_GROUP),
             stack_spec_name(spec, STACK_NAME_SUBNET_GROUP),
             stack_spec_name(spec, STACK_NAME_SECURITY_GROUP));
    sw_textf(sw, THEME_DIM, x, width, "keys %s, %s",
             stack_spec_name(spec, STACK_NAME_REST_KEY_ALIAS),
             stack_spec_name(spec, STACK_NAME_SECRET_KEY_ALIAS));
    sw_textf(sw, THEME_DIM, x, width, "logs %s, %s",
             stack_spec_name(spec, STACK_NAME_SLOW_LOG_GROUP),
             stack_spec_name(spec, STACK_NAME_ENGINE_LOG_GROUP));
    sw_textf(sw, THEME_DIM, x, width, "secret %s  parameters %s/...",
             stack_spec_name(spec, STACK_NAME_SECRET),
             stack_spec_name(spec, STACK_NAME_SSM_PREFIX));
}

/* Under the subnets or the zones: the cache subnets' zones, whether they
 * are enough for Multi-AZ, and each new subnet where the plan puts it. */
static void sw_extra_zones(struct screen *s, int f, bool focused, int x, int width)
{
    struct screen_wizard *sw = s->priv;
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    if (f == STACK_FORM_SUBNETS)
        sw_subnet_list(s, f, focused, width);
    char zones[512];
    size_t nz = stack_form_cache_zones(&sw->form, zones, sizeof(zones));
    size_t ns = f == STACK_FORM_SUBNETS ? spec->n_reuse_subnets : spec->n_private;
    if (ns)
        sw_textf(sw, nz >= 2 || !spec->multi_az ? THEME_DIM : THEME_WARNING, x, width,
                 "%zu cache subnet%s in %zu zone%s%s%s%s", ns, ns == 1 ? "" : "s", nz,
                 nz == 1 ? "" : "s", nz ? " (" : "", zones, nz ? ")" : "");
    if (ns && spec->multi_az)
        sw_textf(sw, nz >= 2 ? THEME_OK : THEME_WARNING, x, width, "%s",
                 nz >= 2 ? "enough for Multi-AZ (replicas in another zone than their primary)"
                         : "not enough for Multi-AZ: it needs 2 zones or more");
    if (f == STACK_FORM_ZONES && !spec->reuse_vpc) {
        /* each new subnet and its zone, as the plan places them */
        for (size_t i = 0; i < spec->n_private; i++) {
            const char *z = spec->n_azs       ? spec->azs[i % spec->n_azs]
                            : sw->cat.n_zones ? sw->cat.zones[i % sw->cat.n_zones]
                                              : "?";
            sw_textf(sw, THEME_DIM, x, width, "private-%zu  %-18s %s", i + 1,
                     spec->private_cidrs[i], z);
        }
        for (size_t i = 0; i < spec->n_public; i++) {
            const char *z = spec->n_azs       ? spec->azs[i % spec->n_azs]
                            : sw->cat.n_zones ? sw->cat.zones[i % sw->cat.n_zones]
                                              : "?";
            sw_textf(sw, THEME_DIM, x, width, "public-%zu   %-18s %s", i + 1, spec->public_cidrs[i],
                     z);
        }
    }
}

/* Under the at-rest key: the statement that lets CloudWatch Logs use it. */
static void sw_extra_rest_key(struct screen_wizard *sw, const struct stack_spec *spec, int x,
                              int width)
{
    if (stack_lookup_error(sw->lookup, STACK_LOOKUP_KEYS))
        sw_textf(sw, THEME_WARNING, x, width,
                 "the account's keys could not be listed (%s): only a new key is offered",
                 stack_lookup_error(sw->lookup, STACK_LOOKUP_KEYS));
    if (!spec->name)
        return;
    /* the statement that lets CloudWatch Logs use the key */
    json_t *pol = stack_spec_rest_key_policy(spec, sw->cat.account ? sw->cat.account : "ACCOUNT");
    json_t *sts = json_object_get(pol, "Statement");
    json_t *last = json_array_size(sts) ? json_array_get(sts, json_array_size(sts) - 1) : NULL;
    char *t = last ? json_dumps(last, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    sw_textf(sw, THEME_DIM, x, width, "%s",
             spec->reuse_kms_key
                 ? "the key must already allow CloudWatch Logs so:"
                 : "its policy lets CloudWatch Logs use it only for the log groups:");
    if (t)
        sw_text(sw, THEME_DIM, x + 2, width, t);
    free(t);
    json_decref(pol);
}

static void sw_field_extra(struct screen *s, int f, bool focused, int width)
{
    struct screen_wizard *sw = s->priv;
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    int x = SW_LABEL_W + 2;
    char b[4096];
    switch (f) {
    case STACK_FORM_NAME:
        sw_extra_names(sw, spec, x, width);
        break;
    case STACK_FORM_REPLICAS:
        if (spec->shards > 0 && spec->replicas >= 0)
            sw_textf(sw, THEME_DIM, x, width, "%d nodes: %d shard%s x (1 primary + %d replica%s)",
                     spec->shards * (1 + spec->replicas), spec->shards,
                     spec->shards == 1 ? "" : "s", spec->replicas, spec->replicas == 1 ? "" : "s");
        break;
    case STACK_FORM_VPC:
        /* what the account said, or why it could not */
        if (stack_lookup_busy(sw->lookup, STACK_LOOKUP_VPCS))
            sw_textf(sw, THEME_BUSY, x, width, "reading the account's VPCs...");
        else if (stack_lookup_error(sw->lookup, STACK_LOOKUP_VPCS))
            sw_textf(sw, THEME_ERROR, x, width, "the VPCs could not be read: %s",
                     stack_lookup_error(sw->lookup, STACK_LOOKUP_VPCS));
        if (focused)
            sw_choice_list(s, f, width);
        break;
    case STACK_FORM_NODE_TYPE:
    case STACK_FORM_VERSION:
        if (focused)
            sw_choice_list(s, f, width);
        break;
    case STACK_FORM_SUBNETS:
    case STACK_FORM_ZONES:
        sw_extra_zones(s, f, focused, x, width);
        break;
    case STACK_FORM_REST_KEY:
        sw_extra_rest_key(sw, spec, x, width);
        break;
    case STACK_FORM_TOKEN_MODE:
        if (strcmp(sw_get(sw, f, b, sizeof(b)), STACK_FORM_TOKEN_GENERATE) == 0)
            sw_textf(sw, THEME_DIM, x, width,
                     "%d characters of A-Z a-z 0-9 ! & # $ ^ < > -, kept only in the secret",
                     spec->token_length);
        break;
    case STACK_FORM_LOG_FORMAT:
        if (spec->name) {
            char *t = mem_xasprintf(
                "groups %s%s%s, encrypted with the at-rest key",
                spec->slow_log ? stack_spec_name(spec, STACK_NAME_SLOW_LOG_GROUP) : "",
                spec->slow_log && spec->engine_log ? ", " : "",
                spec->engine_log ? stack_spec_name(spec, STACK_NAME_ENGINE_LOG_GROUP) : "");
            sw_text(sw, THEME_DIM, x, width, t);
            free(t);
        }
        break;
    case STACK_FORM_SSM_PREFIX:
        if (spec->name && spec->ssm_parameters) {
            char *e = stack_spec_ssm_name(spec, false), *p = stack_spec_ssm_name(spec, true);
            char *t = mem_xasprintf("SecureString %s and %s, with the at-rest key", e, p);
            sw_text(sw, THEME_DIM, x, width, t);
            free(t);
            free(e);
            free(p);
        }
        break;
    default:
        break;
    }
}

static void sw_build_form(struct screen *s, int width)
{
    struct screen_wizard *sw = s->priv;
    char k1[64], k2[64], k3[64], k4[64], k5[64], k6[64], k7[64];
    sw_line(sw, THEME_DIM, 1, -1, "%s %s: fields  %s %s %s: choices  %s: next page  %s: back",
            sw_keys(s, REQ_WIZ_NEXT_FIELD, k1, sizeof(k1)),
            sw_keys(s, REQ_WIZ_PREV_FIELD, k2, sizeof(k2)),
            sw_keys(s, REQ_WIZ_CHOICE_PREV, k3, sizeof(k3)),
            sw_keys(s, REQ_WIZ_CHOICE_NEXT, k4, sizeof(k4)),
            sw_keys(s, REQ_WIZ_TOGGLE, k5, sizeof(k5)),
            sw_keys(s, REQ_WIZ_NEXT_PAGE, k6, sizeof(k6)),
            sw_keys(s, REQ_WIZ_PREV_PAGE, k7, sizeof(k7)));
    sw_line(sw, THEME_NORMAL, 0, -1, "%s", "");
    for (int f = 0; f < STACK_FORM_FIELDS; f++) {
        const struct stack_form_def *d = sw_def(f);
        if ((int)d->page != sw->page || !stack_form_visible(&sw->form, (enum stack_form_field)f))
            continue;
        bool focused = f == sw->focus;
        char v[4096];
        sw_value_text(sw, f, v, sizeof(v));
        size_t at = sw->n_lines;
        sw_line(sw, focused ? THEME_KEY : THEME_COLUMN, 1, f, "%s %-*s", focused ? ">" : " ",
                SW_LABEL_W - 3, d->label);
        /* the value follows the label on the same line */
        char *joined = mem_xasprintf("%s%s", sw->lines[at].text, v);
        free(sw->lines[at].text);
        sw->lines[at].text = joined;
        if (focused && d->help)
            sw_text(sw, THEME_DIM, SW_LABEL_W + 2, width, d->help);
        sw_field_extra(s, f, focused, width);
        for (size_t i = 0; i < sw->form.n_issues[f]; i++) {
            const struct stack_form_issue *x = &sw->form.issues[f][i];
            char *m = mem_xasprintf("%s: %s", x->severity == STACK_SEV_ERROR ? "error" : "warning",
                                    x->message);
            sw_text(sw, x->severity == STACK_SEV_ERROR ? THEME_ERROR : THEME_WARNING,
                    SW_LABEL_W + 2, width, m);
            free(m);
        }
    }
    size_t errs = stack_form_page_errors(&sw->form, (enum stack_form_page)sw->page);
    sw_line(sw, THEME_NORMAL, 0, -1, "%s", "");
    if (errs)
        sw_line(sw, THEME_ERROR, 1, -1, "%zu error%s on this page: the next page waits for %s.",
                errs, errs == 1 ? "" : "s", errs == 1 ? "it" : "them");
}

/* ---- review ---- */

static void sw_cost_cb(struct cost_estimate *est, const struct aws_error *err, void *arg);
static void sw_on_phase(struct stack_run *r, enum stack_run_phase ph, void *arg);
static void sw_on_state(struct stack_run *r, const struct stack_event *ev, void *arg);

static void sw_build_review(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    struct listview *lv = &sw->review;
    listview_begin(lv);
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    const struct stack_plan *p = sw->run ? stack_run_plan(sw->run) : NULL;
    enum stack_run_phase ph = sw->run ? stack_run_phase(sw->run) : STACK_RUN_PLANNING;
    char k1[64], k2[64], k3[64];
    listview_line(lv, THEME_DIM, " %s: apply (after typing the name)   %s: export   %s: back",
                  sw_keys(s, REQ_WIZ_NEXT_PAGE, k1, sizeof(k1)),
                  sw_keys(s, REQ_WIZ_EXPORT, k2, sizeof(k2)),
                  sw_keys(s, REQ_WIZ_PREV_PAGE, k3, sizeof(k3)));
    for (size_t i = 0; i < sw->form.n_general; i++)
        listview_line(
            lv, sw->form.general[i].severity == STACK_SEV_ERROR ? THEME_ERROR : THEME_WARNING,
            " %s: %s: %s", sw->form.general[i].severity == STACK_SEV_ERROR ? "error" : "warning",
            sw->form.general[i].field, sw->form.general[i].message);
    listview_line(lv, THEME_NORMAL, "%s", "");
    if (!sw->run && stack_form_errors(&sw->form)) {
        listview_line(lv, THEME_ERROR,
                      " The form has %zu error%s; nothing is planned until %s fixed:",
                      stack_form_errors(&sw->form), stack_form_errors(&sw->form) == 1 ? "" : "s",
                      stack_form_errors(&sw->form) == 1 ? "it is" : "they are");
        for (int f = 0; f < STACK_FORM_FIELDS; f++) {
            const struct stack_form_issue *x =
                stack_form_issue(&sw->form, (enum stack_form_field)f);
            if (x && x->severity == STACK_SEV_ERROR &&
                stack_form_visible(&sw->form, (enum stack_form_field)f))
                listview_line(lv, THEME_ERROR, "   %s, %s: %s",
                              stack_form_page_title(sw_def(f)->page), sw_def(f)->label, x->message);
        }
    } else if (!p) {
        const struct aws_error *e = sw->run ? stack_run_error(sw->run) : NULL;
        if (e) {
            char *m = aws_error_format(e);
            char k[64];
            listview_line(lv, THEME_ERROR, " Planning failed: %s", m);
            listview_line(lv, THEME_DIM, " %s: plan again",
                          sw_keys(s, REQ_WIZ_RETRY, k, sizeof(k)));
            free(m);
        } else {
            listview_line(lv, THEME_BUSY,
                          " Planning: reading what exists (tags, names, the "
                          "journal)...");
        }
    } else {
        /* the audit of the plan, with the zones and account the plan found */
        struct audit_facts facts;
        audit_facts_from_spec(&facts, spec, p->account, (const char *const *)p->zones, p->n_zones);
        struct audit_report *rep = audit_evaluate(&facts, spec);
        /* in short first: what apply does, what the audit says, what it costs */
        listview_line(lv, THEME_TITLE, " In short");
        sw_pager_kv(lv, "Plan", p->n_conflict ? THEME_ERROR : THEME_NORMAL,
                    "%zu to create, %zu to change, %zu to keep, %zu reused, %zu in conflict",
                    p->n_create, p->n_change, p->n_keep, p->n_reuse, p->n_conflict);
        sw_pager_kv(lv, "Audit", rep->n_fail ? THEME_WARNING : THEME_OK,
                    "%zu failed, %zu accepted, %zu unknown, %zu passed, %zu n/a", rep->n_fail,
                    rep->n_accepted, rep->n_unknown, rep->n_pass, rep->n_na);
        if (sw->est)
            sw_pager_kv(lv, "Monthly cost", THEME_NORMAL, "$%.2f%s (nodes: %s)",
                        sw->est->monthly_usd, sw->est->incomplete ? " and more" : "",
                        sw->est->node_source ? sw->est->node_source : "?");
        else
            sw_pager_kv(lv, "Monthly cost", sw->cost_error ? THEME_ERROR : THEME_BUSY, "%s",
                        sw->cost_error ? sw->cost_error : "pricing...");
        if (p->n_conflict)
            listview_line(lv, THEME_ERROR, " %zu conflict%s: apply is refused until %s resolved.",
                          p->n_conflict, p->n_conflict == 1 ? "" : "s",
                          p->n_conflict == 1 ? "it is" : "they are");
        listview_line(lv, THEME_NORMAL, "%s", "");
        char *t = stack_plan_format(p, true);
        sw_pager_text(lv, THEME_NORMAL, t);
        free(t);
        listview_line(lv, THEME_NORMAL, "%s", "");
        listview_line(lv, THEME_TITLE, " Audit of the plan");
        char *at = audit_report_format(rep, false);
        sw_pager_text(lv, THEME_NORMAL, at);
        free(at);
        audit_report_free(rep);
        audit_facts_free(&facts);
    }
    (void)ph;
    listview_line(lv, THEME_NORMAL, "%s", "");
    listview_line(lv, THEME_TITLE, " Monthly cost");
    if (sw->est) {
        char *ct = cost_estimate_format(sw->est);
        sw_pager_text(lv, THEME_NORMAL, ct);
        free(ct);
    } else if (sw->cost_error) {
        listview_line(lv, THEME_ERROR, " %s", sw->cost_error);
    } else {
        listview_line(lv, THEME_BUSY, " pricing...");
    }
    listview_end(lv);
}

static void sw_review_start(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    struct session *ss = app_session(s->app);
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    if (stack_form_errors(&sw->form)) {
        sw_build_review(s);
        return;
    }
    if (!sw->once) {
        struct aws_error err;
        aws_error_init(&err);
        sw->once = cmd_create_once_client(ss, &err);
        if (!sw->once) {
            char *m = aws_error_format(&err);
            app_message(s->app, THEME_ERROR, "create: %s", m);
            free(m);
            aws_error_clear(&err);
        }
    }
    struct stack_run_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.client = ss->aws;
    o.once = sw->once;
    o.mode = STACK_PLAN_APPLY;
    o.token = stack_form_token(&sw->form);
    cmd_create_tunables(&o);
    struct stack_run_callbacks cb = {sw_on_phase, sw_on_state, NULL, s};
    sw->run = stack_run_new(spec, &o, &cb);
    stack_run_start(sw->run);
    struct cost_input in;
    cost_input_from_spec(&in, spec, COST_DEFAULT_LOG_GB);
    char subject[128];
    snprintf(subject, sizeof(subject), "plan of stack %s", spec->name ? spec->name : "?");
    in.subject = subject;
    free(sw->cost_error);
    sw->cost_error = NULL;
    sw->cost = cost_start(ss->aws, &in, sw_cost_cb, s);
    sw_build_review(s);
}

static void sw_review_stop(struct screen_wizard *sw)
{
    if (sw->cost)
        cost_cancel(sw->cost);
    sw->cost = NULL;
    cost_estimate_free(sw->est);
    sw->est = NULL;
    stack_run_free(sw->run);
    sw->run = NULL;
}

static void sw_cost_cb(struct cost_estimate *est, const struct aws_error *err, void *arg)
{
    struct screen *s = arg;
    struct screen_wizard *sw = s->priv;
    sw->cost = NULL;
    cost_estimate_free(sw->est);
    sw->est = est;
    if (!est && err) {
        free(sw->cost_error);
        sw->cost_error = aws_error_format(err);
    }
    sw_build_review(s);
    app_dirty(s->app);
}

/* ---- summary ---- */

static void sw_build_summary(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    struct listview *lv = &sw->summary;
    listview_begin(lv);
    const struct stack_plan *p = sw->run ? stack_run_plan(sw->run) : NULL;
    if (!p) {
        listview_end(lv);
        return;
    }
    const struct stack_spec *spec = &p->spec;
    const struct stack_apply_result *res = stack_run_result(sw->run);
    char t[32];
    runview_duration(stack_run_total_ms(sw->run), t, sizeof(t));
    listview_line(lv, THEME_OK, " Stack %s is ready: %zu made, %zu kept, in %s.", spec->name,
                  res->done, res->unchanged, t);
    listview_line(lv, THEME_NORMAL, "%s", "");
    const struct stack_resource *rg = stack_plan_find(p, "replication-group");
    const char *rgid = stack_spec_name(spec, STACK_NAME_REPLICATION_GROUP);
    sw_pager_kv(lv, "Replication group", THEME_NORMAL, "%s (%s)", rgid,
                rg && rg->status ? rg->status : "?");
    if (rg && rg->endpoint)
        sw_pager_kv(lv, "Configuration endpoint", THEME_NORMAL, "%s:%d", rg->endpoint, rg->port);
    const struct stack_resource *sec = stack_plan_find(p, "secret");
    if (sec)
        sw_pager_kv(lv, "Secret (AUTH token)", THEME_NORMAL, "%s", sec->arn ? sec->arn : sec->name);
    const struct stack_resource *pe = stack_plan_find(p, "ssm.endpoint");
    const struct stack_resource *pp = stack_plan_find(p, "ssm.port");
    if (pe || pp)
        sw_pager_kv(lv, "SSM parameters", THEME_NORMAL, "%s%s%s", pe ? pe->name : "",
                    pe && pp ? ", " : "", pp ? pp->name : "");
    const char *ps[] = {"iam.ssm-read", "iam.secret-read"};
    for (size_t i = 0; i < 2; i++) {
        const struct stack_resource *r = stack_plan_find(p, ps[i]);
        if (r)
            sw_pager_kv(lv, i ? "" : "IAM read policies", THEME_NORMAL, "%s",
                        r->arn ? r->arn : r->name);
    }
    const char *lg[] = {"log-group.slow", "log-group.engine"};
    for (size_t i = 0; i < 2; i++) {
        const struct stack_resource *r = stack_plan_find(p, lg[i]);
        if (r)
            sw_pager_kv(lv, i ? "" : "Log groups", THEME_NORMAL, "%s", r->name);
    }
    listview_line(lv, THEME_NORMAL, "%s", "");
    listview_line(lv, THEME_TITLE, " How to connect");
    struct session *ss = app_session(s->app);
    listview_line(lv, THEME_NORMAL, "   elcui --region %s exec %s -- PING", ss->region, rgid);
    if (rg && rg->endpoint) {
        if (spec->transit_encryption)
            listview_line(lv, THEME_NORMAL, "   redis-cli -c --tls -h %s -p %d --askpass",
                          rg->endpoint, rg->port);
        else
            listview_line(lv, THEME_NORMAL, "   redis-cli -c -h %s -p %d", rg->endpoint, rg->port);
    }
    if (spec->auth_token && sec) {
        listview_line(lv, THEME_DIM,
                      "   the token --askpass asks for is in the secret; read it with");
        listview_line(lv, THEME_DIM,
                      "   aws secretsmanager get-secret-value --secret-id %s --query SecretString "
                      "--output text",
                      sec->name);
    }
    listview_line(lv, THEME_DIM, "   from inside the VPC: the security group admits %s on %d",
                  spec->vpc_cidr ? spec->vpc_cidr : "?", spec->port);
    listview_line(lv, THEME_NORMAL, "%s", "");
    size_t idx;
    char k[64] = "Enter";
    if (keymap_entry_for(app_keymap(s->app), REQ_OPEN, &idx))
        keymap_keys_text(app_keymap(s->app), idx, "/", k, sizeof(k));
    listview_line(lv, THEME_DIM, " %s: the group's screen", k);
    listview_end(lv);
}

/* ---- engine callbacks ---- */

static void sw_refresh_progress(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    if (!sw->run)
        return;
    runview_fill(&sw->progress, sw->run);
    runview_status(sw->run, sw->status, sizeof(sw->status));
}

static void sw_on_phase(struct stack_run *r, enum stack_run_phase ph, void *arg)
{
    (void)r;
    struct screen *s = arg;
    struct screen_wizard *sw = s->priv;
    switch (ph) {
    case STACK_RUN_PLANNED:
    case STACK_RUN_PLAN_FAILED:
        sw_build_review(s);
        if (ph == STACK_RUN_PLANNED && sw->page == STACK_FORM_PAGE_APPLY &&
            stack_run_plan(r)->n_conflict)
            app_message(s->app, THEME_ERROR,
                        "create: planned again, and the plan now has %zu conflict%s: nothing was "
                        "sent (elcui create --name %s --plan lists them)",
                        stack_run_plan(r)->n_conflict,
                        stack_run_plan(r)->n_conflict == 1 ? "" : "s", stack_run_spec(r)->name);
        if (ph == STACK_RUN_PLAN_FAILED && sw->page == STACK_FORM_PAGE_APPLY) {
            char *m = aws_error_format(stack_run_error(sw->run));
            app_message(s->app, THEME_ERROR, "create: planning again failed: %s", m);
            free(m);
        }
        break;
    case STACK_RUN_DONE:
        if (sw->page == STACK_FORM_PAGE_APPLY) {
            sw_build_summary(s);
            sw->page = STACK_FORM_PAGE_SUMMARY;
            app_message(s->app, THEME_OK, "stack %s is ready", stack_run_spec(r)->name);
        }
        break;
    case STACK_RUN_FAILED: {
        const struct stack_apply_result *res = stack_run_result(r);
        char *m = res->first_error ? aws_error_format(res->first_error) : NULL;
        char k[64];
        app_message(s->app, THEME_ERROR,
                    "create: %s failed: %s; what depends on it waits (%s: retry)",
                    res->first_failed ? res->first_failed : "apply", m ? m : "?",
                    sw_keys(s, REQ_WIZ_RETRY, k, sizeof(k)));
        free(m);
        break;
    }
    default:
        break;
    }
    sw_refresh_progress(s);
    app_dirty(s->app);
}

static void sw_on_state(struct stack_run *r, const struct stack_event *ev, void *arg)
{
    (void)r;
    (void)ev;
    struct screen *s = arg;
    sw_refresh_progress(s);
    app_dirty(s->app);
}

/* ---- pages ---- */

static void sw_goto(struct screen *s, int page)
{
    struct screen_wizard *sw = s->priv;
    if (sw->page == STACK_FORM_PAGE_REVIEW && page < STACK_FORM_PAGE_REVIEW)
        sw_review_stop(sw); /* what is planned follows what is typed */
    sw->page = page;
    sw->top = 0;
    if (sw_form_page(page))
        sw_focus(sw, sw_first_field(sw, page));
    if (page == STACK_FORM_PAGE_REVIEW && !sw->run)
        sw_review_start(s);
}

static void sw_apply_confirmed(struct app *a, void *arg)
{
    struct screen *s = arg;
    struct screen_wizard *sw = s->priv;
    char msg[512];
    if (!sw->run || stack_run_confirm(sw->run, msg, sizeof(msg)) != 0) {
        app_message(a, THEME_ERROR, "create: %s", sw->run ? msg : "no plan");
        return;
    }
    sw->page = STACK_FORM_PAGE_APPLY;
    sw_refresh_progress(s);
    app_dirty(a);
}

static int sw_next_page(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    if (sw_form_page(sw->page)) {
        int bad = stack_form_first_error(&sw->form, (enum stack_form_page)sw->page);
        if (bad >= 0) {
            sw_focus(sw, bad);
            const struct stack_form_issue *x =
                stack_form_issue(&sw->form, (enum stack_form_field)bad);
            app_message(s->app, THEME_ERROR, "%s: %s", sw_def(bad)->label, x ? x->message : "?");
            return APP_REDRAW;
        }
    }
    if (sw->page < STACK_FORM_PAGE_REVIEW) {
        sw_goto(s, sw->page + 1);
        return APP_REDRAW;
    }
    if (sw->page == STACK_FORM_PAGE_REVIEW) {
        const struct stack_spec *spec = stack_form_spec(&sw->form);
        if (stack_form_errors(&sw->form)) {
            app_message(s->app, THEME_ERROR, "the form has %zu error%s: go back and fix %s",
                        stack_form_errors(&sw->form), stack_form_errors(&sw->form) == 1 ? "" : "s",
                        stack_form_errors(&sw->form) == 1 ? "it" : "them");
            return APP_REDRAW;
        }
        if (app_read_only(s->app)) {
            app_message(s->app, THEME_ERROR, "read-only: apply is refused (%s); export works",
                        session_read_only_source(app_session(s->app)->opts));
            return APP_REDRAW;
        }
        struct stack_plan *p = sw->run ? stack_run_plan(sw->run) : NULL;
        if (!p || stack_run_phase(sw->run) != STACK_RUN_PLANNED) {
            app_message(s->app, THEME_WARNING, "the plan is not ready yet");
            return APP_REDRAW;
        }
        if (p->n_conflict) {
            app_message(s->app, THEME_ERROR, "%zu conflict%s in the plan: apply is refused",
                        p->n_conflict, p->n_conflict == 1 ? "" : "s");
            return APP_REDRAW;
        }
        char *text = mem_xasprintf(
            "Apply the plan of stack %s in %s (account %s): %zu to create, %zu to change, %zu "
            "to keep. What is made is tagged elcui:stack=%s; an interrupted apply can be resumed.",
            spec->name, stack_spec_region(spec), p->account ? p->account : "?", p->n_create,
            p->n_change, p->n_keep, spec->name);
        app_push(s->app,
                 screen_confirm_new(s->app, "Apply", text, spec->name, sw_apply_confirmed, s));
        free(text);
        return APP_REDRAW;
    }
    if (sw->page == STACK_FORM_PAGE_APPLY && stack_run_phase(sw->run) == STACK_RUN_DONE) {
        sw_build_summary(s);
        sw->page = STACK_FORM_PAGE_SUMMARY;
        return APP_REDRAW;
    }
    return APP_HANDLED;
}

/* ---- drawing ---- */

static void sw_draw_tabs(struct screen *s, WINDOW *w, int y, int cols)
{
    static const char *const tabs[STACK_FORM_PAGES] = {"Account",  "Sizing", "Network",
                                                       "Security", "Logs",   "Practices",
                                                       "Review",   "Apply",  "Summary"};
    struct screen_wizard *sw = s->priv;
    app_style(s->app, w, THEME_NORMAL);
    app_put(w, y, 0, cols, "", true);
    /* every title when they fit, else numbers and the current page's title */
    int full = 1;
    for (int p = 0; p < STACK_FORM_PAGES; p++)
        full += (int)strlen(tabs[p]) + 5;
    bool compact = full > cols;
    int x = 1;
    for (int p = 0; p < STACK_FORM_PAGES && x < cols; p++) {
        char t[64];
        size_t errs =
            sw_form_page(p) ? stack_form_page_errors(&sw->form, (enum stack_form_page)p) : 0;
        if (compact && p != sw->page)
            snprintf(t, sizeof(t), " %d%s ", p + 1, errs ? "!" : "");
        else
            snprintf(t, sizeof(t), " %d %s%s ", p + 1, tabs[p], errs ? "!" : "");
        app_style(s->app, w, p == sw->page ? THEME_SELECTED : errs ? THEME_ERROR : THEME_DIM);
        x += app_put(w, y, x, cols - x, t, false);
    }
    app_style(s->app, w, THEME_NORMAL);
}

static void sw_draw_masked(struct app *a, WINDOW *w, int y, int x, int width, const struct field *f)
{
    (void)a;
    size_t len = strlen(field_text(f));
    size_t cur = f->cursor;
    wmove(w, y, x);
    attr_t at;
    short pair;
    wattr_get(w, &at, &pair, NULL);
    int used = 0;
    size_t skip = len + 1 > (size_t)width ? len + 1 - (size_t)width : 0;
    for (size_t i = skip; i <= len && used < width; i++, used++) {
        if (i == cur)
            wattr_set(w, at ^ A_REVERSE, pair, NULL);
        waddch(w, i < len ? '*' : ' ');
        if (i == cur)
            wattr_set(w, at, pair, NULL);
    }
    for (; used < width; used++)
        waddch(w, ' ');
}

static void sw_draw_lines(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_wizard *sw = s->priv;
    /* keep the focused field (and the lines under it) in sight */
    int focus_at = -1, focus_end = -1;
    for (size_t i = 0; i < sw->n_lines; i++) {
        if (sw->lines[i].field == sw->focus && focus_at < 0)
            focus_at = (int)i;
        else if (focus_at >= 0 && focus_end < 0 && sw->lines[i].field >= 0)
            focus_end = (int)i - 1;
    }
    if (focus_at >= 0 && focus_end < 0)
        focus_end = (int)sw->n_lines - 1;
    if (focus_at >= 0) {
        if (focus_end - sw->top >= rows)
            sw->top = focus_end - rows + 1;
        if (focus_at < sw->top)
            sw->top = focus_at;
    }
    if (sw->top > (int)sw->n_lines - rows)
        sw->top = (int)sw->n_lines - rows;
    if (sw->top < 0)
        sw->top = 0;
    for (int r = 0; r < rows; r++) {
        size_t i = (size_t)(sw->top + r);
        app_style(s->app, w, THEME_NORMAL);
        app_put(w, y0 + r, 0, cols, "", true);
        if (i >= sw->n_lines)
            continue;
        const struct sw_line *l = &sw->lines[i];
        app_style(s->app, w, l->role);
        int x = l->x < cols ? l->x : cols - 1;
        app_put(w, y0 + r, x, cols - x - 1, l->text, false);
        if (l->field >= 0 && l->field == sw->focus && sw_typed(l->field)) {
            int vx = SW_LABEL_W;
            app_style(s->app, w, THEME_SELECTED);
            if (sw_def(l->field)->kind == STACK_FORM_SECRET)
                sw_draw_masked(s->app, w, y0 + r, vx, cols - vx - 1, sw_field_for(sw, l->field));
            else
                field_draw(&sw->edit, w, y0 + r, vx, cols - vx - 1);
        }
    }
    app_style(s->app, w, THEME_NORMAL);
}

static void sw_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_wizard *sw = s->priv;
    sw_draw_tabs(s, w, y0, cols);
    int body = y0 + 1, brows = rows - 1;
    if (brows < 1)
        return;
    switch (sw->page) {
    case STACK_FORM_PAGE_ACCOUNT:
    case STACK_FORM_PAGE_SIZING:
    case STACK_FORM_PAGE_NETWORK:
    case STACK_FORM_PAGE_SECURITY:
    case STACK_FORM_PAGE_LOGS:
    case STACK_FORM_PAGE_PRACTICES:
        sw_lines_clear(sw);
        if (sw->page == STACK_FORM_PAGE_ACCOUNT)
            sw_build_account(s, cols);
        else
            sw_build_form(s, cols);
        sw_draw_lines(s, w, body, brows, cols);
        break;
    case STACK_FORM_PAGE_REVIEW:
        listview_draw(&sw->review, s->app, w, body, 0, brows, cols, true);
        break;
    case STACK_FORM_PAGE_APPLY: {
        char k[64];
        app_style(s->app, w, THEME_NORMAL);
        app_put(w, body, 0, cols, "", true);
        enum stack_run_phase ph = sw->run ? stack_run_phase(sw->run) : STACK_RUN_PLANNING;
        int role = ph == STACK_RUN_FAILED    ? THEME_ERROR
                   : ph == STACK_RUN_DONE    ? THEME_OK
                   : ph == STACK_RUN_STOPPED ? THEME_WARNING
                                             : THEME_BUSY;
        app_style(s->app, w, role);
        char line[512];
        if (ph == STACK_RUN_FAILED || ph == STACK_RUN_STOPPED || ph == STACK_RUN_PLAN_FAILED)
            snprintf(line, sizeof(line),
                     " %s   %s: retry (plans again, makes only what is missing)", sw->status,
                     sw_keys(s, REQ_WIZ_RETRY, k, sizeof(k)));
        else if (ph == STACK_RUN_PLANNING)
            snprintf(line, sizeof(line), " planning again: reading what exists...");
        else
            snprintf(line, sizeof(line), " %s", sw->status);
        app_put(w, body, 0, cols, line, false);
        listview_draw(&sw->progress, s->app, w, body + 1, 0, brows - 1, cols, true);
        break;
    }
    case STACK_FORM_PAGE_SUMMARY:
        listview_draw(&sw->summary, s->app, w, body, 0, brows, cols, true);
        break;
    default:
        break;
    }
}

/* ---- keys ---- */

static int sw_input(struct screen *s, int key)
{
    struct screen_wizard *sw = s->priv;
    if (!sw_form_page(sw->page) || sw->focus < 0 || !sw_typed(sw->focus))
        return APP_IGNORED;
    struct field *f = sw_field_for(sw, sw->focus);
    sw_edit_load(sw);
    enum field_result r = field_key(f, key);
    if (r == FIELD_IGNORED)
        return APP_IGNORED;
    if (r == FIELD_CHANGED) {
        sw_edit_store(sw);
        if (sw->focus != STACK_FORM_TOKEN && sw->focus != STACK_FORM_TOKEN_AGAIN)
            sw->edit_for = sw->focus; /* the editor holds what was typed */
    }
    return APP_REDRAW;
}

static void sw_cycle(struct screen_wizard *sw, int f, int dir)
{
    char b[4096];
    const char *cur = sw_get(sw, f, b, sizeof(b));
    size_t n = 0, at = 0;
    bool found = false;
    while (stack_form_option(&sw->form, (enum stack_form_field)f, n)) {
        if (!found && strcmp(stack_form_option(&sw->form, (enum stack_form_field)f, n), cur) == 0) {
            at = n;
            found = true;
        }
        n++;
    }
    if (!n)
        return;
    size_t next = !found ? 0 : dir > 0 ? (at + 1) % n : (at + n - 1) % n;
    char *v = mem_xstrdup(stack_form_option(&sw->form, (enum stack_form_field)f, next));
    stack_form_set(&sw->form, (enum stack_form_field)f, v);
    free(v);
}

static int sw_choice(struct screen *s, int req)
{
    struct screen_wizard *sw = s->priv;
    if (!sw_form_page(sw->page) || sw->focus < 0)
        return APP_HANDLED;
    enum stack_form_kind k = sw_def(sw->focus)->kind;
    if (k == STACK_FORM_MULTI) {
        size_t n = 0;
        while (stack_form_option(&sw->form, (enum stack_form_field)sw->focus, n))
            n++;
        if (req == REQ_WIZ_TOGGLE && sw->cursor < n)
            sw_toggle_in_list(
                sw, sw->focus,
                stack_form_option(&sw->form, (enum stack_form_field)sw->focus, sw->cursor));
        else if (req == REQ_WIZ_CHOICE_NEXT && sw->cursor + 1 < n)
            sw->cursor++;
        else if (req == REQ_WIZ_CHOICE_PREV && sw->cursor > 0)
            sw->cursor--;
        return APP_REDRAW;
    }
    if (k == STACK_FORM_CHOICE || k == STACK_FORM_TOGGLE) {
        sw_cycle(sw, sw->focus, req == REQ_WIZ_CHOICE_PREV ? -1 : 1);
        return APP_REDRAW;
    }
    return APP_HANDLED;
}

static struct listview *sw_pager(struct screen_wizard *sw)
{
    switch (sw->page) {
    case STACK_FORM_PAGE_REVIEW:
        return &sw->review;
    case STACK_FORM_PAGE_APPLY:
        return &sw->progress;
    case STACK_FORM_PAGE_SUMMARY:
        return &sw->summary;
    default:
        return NULL;
    }
}

static void sw_leave(struct app *a, void *arg)
{
    app_close(a, arg);
}

static void sw_stop_apply(struct app *a, void *arg)
{
    struct screen *s = arg;
    struct screen_wizard *sw = s->priv;
    if (!sw->run)
        return;
    stack_run_stop(sw->run);
    sw_refresh_progress(s);
    char k[64];
    app_message(a, THEME_WARNING,
                "stopped: what was made stays, tagged and journaled; %s goes on, :create later "
                "offers to resume",
                sw_keys(s, REQ_WIZ_RETRY, k, sizeof(k)));
}

static int sw_back(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    enum stack_run_phase ph = sw->run ? stack_run_phase(sw->run) : STACK_RUN_PLANNING;
    if (sw->page == STACK_FORM_PAGE_APPLY &&
        (ph == STACK_RUN_APPLYING || (ph == STACK_RUN_PLANNING && sw->run))) {
        app_push(s->app,
                 screen_confirm_new(s->app, "Stop the apply?",
                                    "Stop what is in flight? What was made stays (tagged "
                                    "elcui:stack and in the journal); retry, or :create later, "
                                    "goes on from there and makes nothing twice.",
                                    NULL, sw_stop_apply, s));
        return APP_REDRAW;
    }
    if (sw->page == STACK_FORM_PAGE_SUMMARY)
        return APP_CLOSE;
    const char *text =
        sw->page >= STACK_FORM_PAGE_APPLY
            ? "Leave the wizard? What was made stays; :create offers to resume an unfinished apply."
            : "Leave the wizard? What was typed is lost; nothing was created in AWS.";
    app_push(s->app,
             screen_confirm_new(s->app, "Leave the create wizard?", text, NULL, sw_leave, s));
    return APP_REDRAW;
}

static void sw_export_open(struct screen *s);

static int sw_request(struct screen *s, int req)
{
    struct screen_wizard *sw = s->priv;
    struct listview *pager = sw_pager(sw);
    switch (req) {
    case REQ_BACK:
        return sw_back(s);
    case REQ_WIZ_NEXT_PAGE:
        return sw_next_page(s);
    case REQ_WIZ_PREV_PAGE:
        if (sw->page >= STACK_FORM_PAGE_APPLY) {
            app_message(s->app, THEME_DIM, "the apply has started: its plan is the one shown");
            return APP_REDRAW;
        }
        if (sw->page > 0)
            sw_goto(s, sw->page - 1);
        return APP_REDRAW;
    case REQ_WIZ_NEXT_FIELD:
    case REQ_WIZ_PREV_FIELD:
        if (pager)
            return listview_request(pager, req == REQ_WIZ_NEXT_FIELD ? REQ_DOWN : REQ_UP);
        if (sw->page == STACK_FORM_PAGE_ACCOUNT) {
            sw->top += req == REQ_WIZ_NEXT_FIELD ? 1 : -1;
            return APP_REDRAW;
        }
        sw_focus(sw, sw_step_field(sw, sw->focus, req == REQ_WIZ_NEXT_FIELD ? 1 : -1) >= 0
                         ? sw_step_field(sw, sw->focus, req == REQ_WIZ_NEXT_FIELD ? 1 : -1)
                         : sw->focus);
        return APP_REDRAW;
    case REQ_WIZ_SCROLL_DOWN:
    case REQ_WIZ_SCROLL_UP:
        if (pager)
            return listview_request(pager,
                                    req == REQ_WIZ_SCROLL_DOWN ? REQ_PAGE_DOWN : REQ_PAGE_UP);
        sw->top += req == REQ_WIZ_SCROLL_DOWN ? 10 : -10;
        return APP_REDRAW;
    case REQ_WIZ_CHOICE_NEXT:
    case REQ_WIZ_CHOICE_PREV:
    case REQ_WIZ_TOGGLE:
        if (pager && req != REQ_WIZ_TOGGLE)
            return listview_request(pager, req == REQ_WIZ_CHOICE_NEXT ? REQ_SCROLL_RIGHT
                                                                      : REQ_SCROLL_LEFT);
        return sw_choice(s, req);
    case REQ_OPEN:
        if (sw->page == STACK_FORM_PAGE_SUMMARY) {
            const struct stack_plan *p = sw->run ? stack_run_plan(sw->run) : NULL;
            if (!p)
                return APP_HANDLED;
            app_push(s->app, screen_group_new(
                                 s->app, stack_spec_name(&p->spec, STACK_NAME_REPLICATION_GROUP)));
            return APP_CLOSE;
        }
        if (sw_form_page(sw->page)) {
            int next = sw_step_field(sw, sw->focus, 1);
            if (next < 0)
                return sw_next_page(s);
            sw_focus(sw, next);
            return APP_REDRAW;
        }
        if (sw->page == STACK_FORM_PAGE_ACCOUNT)
            return sw_next_page(s);
        return APP_HANDLED;
    case REQ_WIZ_EXPORT:
        if (sw->page != STACK_FORM_PAGE_REVIEW) {
            app_message(s->app, THEME_DIM, "export works from the review page");
            return APP_REDRAW;
        }
        sw_export_open(s);
        return APP_REDRAW;
    case REQ_WIZ_RETRY: {
        enum stack_run_phase ph = sw->run ? stack_run_phase(sw->run) : STACK_RUN_PLANNING;
        if (!sw->run ||
            (ph != STACK_RUN_FAILED && ph != STACK_RUN_STOPPED && ph != STACK_RUN_PLAN_FAILED)) {
            app_message(s->app, THEME_DIM, "nothing to retry");
            return APP_REDRAW;
        }
        if (sw->page == STACK_FORM_PAGE_REVIEW && ph == STACK_RUN_PLAN_FAILED) {
            /* only the plan: the apply still waits for its confirmation */
            sw_review_stop(sw);
            sw_review_start(s);
            return APP_REDRAW;
        }
        stack_run_retry(sw->run);
        sw_refresh_progress(s);
        app_message(s->app, THEME_OK, "planning again: what exists is kept, the rest is made");
        return APP_REDRAW;
    }
    default:
        return APP_IGNORED;
    }
}

static const char *sw_title(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    snprintf(sw->title, sizeof(sw->title), " Create a stack%s%s%s: %d/%d %s", spec->name ? " " : "",
             spec->name ? spec->name : "", sw->resumed ? " (resumed)" : "", sw->page + 1,
             STACK_FORM_PAGES, stack_form_page_title((enum stack_form_page)sw->page));
    return sw->title;
}

static int sw_tick(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    if (sw->page == STACK_FORM_PAGE_APPLY && sw->run &&
        stack_run_phase(sw->run) == STACK_RUN_APPLYING) {
        sw_refresh_progress(s); /* elapsed times move */
        return APP_REDRAW;
    }
    return APP_HANDLED;
}

static char *sw_command(struct screen *s)
{
    (void)s;
    return mem_xstrdup("create");
}

static void sw_destroy(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    sw_review_stop(sw);
    aws_client_free(sw->once);
    stack_lookup_free(sw->lookup);
    stack_form_free(&sw->form);
    stack_form_catalog_free(&sw->cat);
    field_free(&sw->edit);
    sw_token_free(&sw->tok[0]);
    sw_token_free(&sw->tok[1]);
    sw_lines_clear(sw);
    free(sw->lines);
    listview_free(&sw->review);
    listview_free(&sw->progress);
    listview_free(&sw->summary);
    free(sw->cost_error);
    free(sw->cred_source);
    free(sw->resume_name);
    free(sw);
    free(s);
}

static const struct screen_ops screen_wizard_ops = {
    .name = "wizard",
    .draw = sw_draw,
    .request = sw_request,
    .input = sw_input,
    .title = sw_title,
    .tick = sw_tick,
    .command = sw_command,
    .destroy = sw_destroy,
};

/* ---- the export dialog ---- */

struct sw_export {
    struct screen *wizard;
    int format; /* enum export_format */
    struct field dir;
    int focus; /* 0 format, 1 directory */
};

static void swx_default_dir(struct sw_export *x)
{
    struct screen_wizard *sw = x->wizard->priv;
    const struct stack_spec *spec = stack_form_spec(&sw->form);
    char cwd[2048];
    if (!getcwd(cwd, sizeof(cwd)))
        snprintf(cwd, sizeof(cwd), ".");
    char *d = mem_xasprintf("%s/%s-%s", cwd, spec->name ? spec->name : "stack",
                            export_format_name((enum export_format)x->format));
    field_set(&x->dir, d);
    free(d);
}

static void swx_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct sw_export *x = s->priv;
    struct app *a = s->app;
    int bw = cols - 8 < 76 ? cols - 8 : 76, bh = 10;
    if (bh > rows)
        bh = rows;
    int by = y0 + (rows - bh) / 2, bx = (cols - bw) / 2;
    app_style(a, w, THEME_NORMAL);
    for (int i = 0; i < bh; i++)
        app_put(w, by + i, bx, bw, "", true);
    app_style(a, w, THEME_TITLE);
    app_put(w, by, bx, bw, "", true);
    app_put(w, by, bx + 2, bw - 4, "Export the plan", false);
    char line[256], k[64];
    snprintf(line, sizeof(line), "%s Format     < %s >", x->focus == 0 ? ">" : " ",
             export_format_name((enum export_format)x->format));
    app_style(a, w, x->focus == 0 ? THEME_KEY : THEME_NORMAL);
    app_put(w, by + 2, bx + 2, bw - 4, line, true);
    app_style(a, w, THEME_DIM);
    app_put(w, by + 3, bx + 15, bw - 17,
            x->format == EXPORT_TERRAFORM ? "the seed's .tf files"
            : x->format == EXPORT_CLI     ? "a sh script of aws commands, in apply's order"
                                          : "the spec file (elcui create --spec)",
            true);
    app_style(a, w, x->focus == 1 ? THEME_KEY : THEME_NORMAL);
    app_put(w, by + 5, bx + 2, 13, x->focus == 1 ? "> Folder" : "  Folder", true);
    app_style(a, w, THEME_SELECTED);
    field_draw(&x->dir, w, by + 5, bx + 15, bw - 17);
    app_style(a, w, THEME_DIM);
    snprintf(line, sizeof(line), "Enter writes, Esc cancels, %s: field",
             sw_keys(s, REQ_WIZ_NEXT_FIELD, k, sizeof(k)));
    app_put(w, by + bh - 1, bx + 2, bw - 4, line, false);
    app_style(a, w, THEME_NORMAL);
}

static int swx_input(struct screen *s, int key)
{
    struct sw_export *x = s->priv;
    if (x->focus != 1)
        return APP_IGNORED;
    enum field_result r = field_key(&x->dir, key);
    return r == FIELD_IGNORED ? APP_IGNORED : APP_REDRAW;
}

/* The folders above dir, made when missing (export makes dir itself). */
static void swx_mkdirs(const char *dir)
{
    char *p = mem_xstrdup(dir);
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        (void)mkdir(p, 0755);
        *q = '/';
    }
    free(p);
}

static int swx_request(struct screen *s, int req)
{
    struct sw_export *x = s->priv;
    struct screen_wizard *sw = x->wizard->priv;
    switch (req) {
    case REQ_WIZ_NEXT_FIELD:
    case REQ_WIZ_PREV_FIELD:
        x->focus = !x->focus;
        return APP_REDRAW;
    case REQ_WIZ_CHOICE_NEXT:
    case REQ_WIZ_CHOICE_PREV:
    case REQ_WIZ_TOGGLE:
        if (x->focus != 0)
            return APP_HANDLED;
        x->format = (x->format + (req == REQ_WIZ_CHOICE_PREV ? 2 : 1)) % 3;
        swx_default_dir(x);
        return APP_REDRAW;
    case REQ_CONFIRM: {
        struct export_files files;
        memset(&files, 0, sizeof(files));
        char err[512];
        const char *dir = field_text(&x->dir);
        if (!*dir) {
            app_message(s->app, THEME_ERROR, "export: name a folder");
            return APP_REDRAW;
        }
        swx_mkdirs(dir);
        if (export_render(stack_form_spec(&sw->form), (enum export_format)x->format, &files, err,
                          sizeof(err)) != 0 ||
            export_files_write(&files, dir, err, sizeof(err)) != 0) {
            app_message(s->app, THEME_ERROR, "export: %s", err);
            export_files_free(&files);
            return APP_REDRAW;
        }
        app_message(s->app, THEME_OK, "exported %s: %zu file%s in %s",
                    export_format_name((enum export_format)x->format), files.n,
                    files.n == 1 ? "" : "s", dir);
        export_files_free(&files);
        return APP_CLOSE | APP_REDRAW;
    }
    default:
        return APP_IGNORED;
    }
}

static void swx_destroy(struct screen *s)
{
    struct sw_export *x = s->priv;
    field_free(&x->dir);
    free(x);
    free(s);
}

static const struct screen_ops screen_wizard_export_ops = {
    .name = "export",
    .draw = swx_draw,
    .request = swx_request,
    .input = swx_input,
    .destroy = swx_destroy,
    .dialog = true,
};

static void sw_export_open(struct screen *s)
{
    struct screen_wizard *sw = s->priv;
    if (stack_form_errors(&sw->form)) {
        app_message(s->app, THEME_ERROR, "export: the form has errors; fix them first");
        return;
    }
    struct sw_export *x = mem_xcalloc(1, sizeof(*x));
    x->wizard = s;
    x->format = EXPORT_TERRAFORM;
    field_init(&x->dir, 1024);
    swx_default_dir(x);
    app_push(s->app, app_screen_new(s->app, &screen_wizard_export_ops, x));
}

/* ---- resume ---- */

static void sw_resume(struct app *a, void *arg)
{
    struct screen *s = arg;
    struct screen_wizard *sw = s->priv;
    char *dir = stack_journal_default_dir();
    char msg[512] = "";
    json_t *j = dir ? stack_journal_load(dir, sw->resume_name, msg, sizeof(msg)) : NULL;
    free(dir);
    const char *text = stack_journal_spec(j);
    struct stack_spec spec;
    stack_spec_init(&spec);
    if (!text || stack_spec_load_string(&spec, text, msg, sizeof(msg)) != 0) {
        app_message(a, THEME_ERROR, "resume %s: the journal's spec is unreadable%s%s",
                    sw->resume_name, msg[0] ? ": " : "", msg);
    } else {
        stack_form_load(&sw->form, &spec);
        sw->resumed = true;
        sw_goto(s, STACK_FORM_PAGE_REVIEW);
        app_message(a, THEME_OK,
                    "resuming stack %s: the plan keeps what exists; apply makes the rest",
                    sw->resume_name);
    }
    stack_spec_free(&spec);
    json_decref(j);
    app_dirty(a);
}

void screen_wizard_offer_resume(struct screen *s)
{
    if (!s || s->ops != &screen_wizard_ops)
        return;
    struct screen_wizard *sw = s->priv;
    if (!sw->resume_name)
        return;
    char *text = mem_xasprintf("The apply of stack %s in %s did not finish (elcui stopped before "
                               "it ended). Resume it? The plan finds what was made by its tags "
                               "and the journal, and makes only the rest. Esc: a new stack.",
                               sw->resume_name, app_session(s->app)->region);
    app_push(s->app,
             screen_confirm_new(s->app, "Resume an interrupted apply?", text, NULL, sw_resume, s));
    free(text);
}

/* ---- construction ---- */

static void sw_on_lookup(enum stack_lookup_part part, const struct aws_error *err, void *arg)
{
    struct screen *s = arg;
    struct screen_wizard *sw = s->priv;
    if (err)
        app_message(s->app, THEME_WARNING, "create: %s: %s", stack_lookup_part_name(part),
                    stack_lookup_error(sw->lookup, part));
    stack_form_set_catalog(&sw->form, &sw->cat);
    app_dirty(s->app);
}

struct screen *screen_wizard_new(struct app *a)
{
    struct session *ss = app_session(a);
    struct screen_wizard *sw = mem_xcalloc(1, sizeof(*sw));
    stack_form_init(&sw->form, ss->region);
    field_init(&sw->edit, 1024);
    sw_token_init(&sw->tok[0]);
    sw_token_init(&sw->tok[1]);
    sw->edit_for = -1;
    sw->focus = -1;
    listview_init_pager(&sw->review);
    runview_init(&sw->progress);
    listview_init_pager(&sw->summary);
    const char *src = creds_source(ss->creds);
    sw->cred_source = src ? mem_xstrdup(src) : NULL;
    /* an apply of this region that did not finish */
    char *dir = stack_journal_default_dir();
    struct stack_journal_entry *je = NULL;
    size_t nj = dir ? stack_journal_list(dir, "applying", &je) : 0;
    for (size_t i = 0; i < nj && !sw->resume_name; i++)
        if (je[i].region && ss->region && strcmp(je[i].region, ss->region) == 0)
            sw->resume_name = mem_xstrdup(je[i].name);
    stack_journal_list_free(je, nj);
    free(dir);
    struct screen *s = app_screen_new(a, &screen_wizard_ops, sw);
    sw->lookup = stack_lookup_start(ss->aws, &sw->cat, sw_on_lookup, s);
    return s;
}
