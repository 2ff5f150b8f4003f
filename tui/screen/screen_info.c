/* screen_info.c - the context screen: profile, region, account, credentials,
 * endpoints, files, safety flags and theme, each with where it came from
 * (k9s's `info`). */
#include "tui/screen/screen_info.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/mem.h"
#include "core/config.h"
#include "core/session.h"
#include "tui/widget/listview.h"

#define SCREEN_INFO_LABEL_W 22

struct screen_info {
    struct listview lv;
};

static void screen_info_row(struct listview *lv, const char *label, int role, const char *value,
                            const char *from)
{
    size_t r = listview_add(lv);
    listview_seg(lv, r, THEME_COLUMN, SCREEN_INFO_LABEL_W, "%s", label);
    listview_seg(lv, r, role, 0, "%s", value && *value ? value : "-");
    if (from && *from)
        listview_seg(lv, r, THEME_DIM, 0, "   from %s", from);
}

static const char *screen_info_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The AWS settings as core/session gives them, each with its source: the
 * option, the variable or the file and line it came from (what `elcui
 * whoami` prints). The account sits under the region. */
static const struct svc *const screen_info_svcs[] = {
    &svc_elasticache, &svc_ec2, &svc_kms, &svc_logs,       &svc_secretsmanager,
    &svc_ssm,         &svc_iam, &svc_sts, &svc_cloudwatch, &svc_pricing,
};

/* "ElastiCache" for the endpoint prefix "elasticache". */
static const char *screen_info_svc_name(const char *prefix)
{
    for (size_t i = 0; i < sizeof(screen_info_svcs) / sizeof(*screen_info_svcs); i++)
        if (!strcmp(screen_info_svcs[i]->endpoint_prefix, prefix))
            return screen_info_svcs[i]->name;
    return prefix;
}

static void screen_info_aws(struct listview *lv, struct app *a)
{
    struct session *ss = app_session(a);
    struct session_settings st;
    session_settings(ss, &st);
    for (size_t i = 0; i < st.n; i++) {
        const struct session_setting *e = &st.v[i];
        char label[64];
        if (e->service)
            snprintf(label, sizeof(label), "%s endpoint", screen_info_svc_name(e->service));
        else if (!strcmp(e->name, "config_file"))
            snprintf(label, sizeof(label), "AWS config file");
        else if (!strcmp(e->name, "credentials_file"))
            snprintf(label, sizeof(label), "AWS credentials file");
        else if (!strcmp(e->name, "max_attempts"))
            snprintf(label, sizeof(label), "attempts per call");
        else if (!strcmp(e->name, "ca_bundle"))
            snprintf(label, sizeof(label), "AWS CA bundle");
        else
            snprintf(label, sizeof(label), "%s", e->name);
        screen_info_row(lv, label, e->service ? THEME_DIM : THEME_NORMAL, e->value ? e->value : "-",
                        e->text);
        if (!strcmp(e->name, "region")) {
            if (ss->region_note)
                screen_info_row(lv, "", THEME_WARNING, ss->region_note, NULL);
            const char *acct = app_account(a);
            screen_info_row(lv, "account", acct ? THEME_NORMAL : THEME_DIM,
                            acct ? acct : "(asking STS...)", "STS GetCallerIdentity");
        }
    }
    session_settings_free(&st);
}

static void screen_info_build(struct screen *s)
{
    struct screen_info *si = s->priv;
    struct app *a = s->app;
    struct session *ss = app_session(a);
    const struct session_options *o = ss->opts;
    const struct config *cfg = app_config(a);
    struct listview *lv = &si->lv;
    char val[1024];
    listview_begin(lv);
    screen_info_row(lv, "version", THEME_NORMAL, ELCUI_VERSION, NULL);
    screen_info_aws(lv, a);
    const char *ro = session_read_only_source(o);
    screen_info_row(lv, "read-only", ro ? THEME_WARNING : THEME_NORMAL,
                    ro ? (app_read_only_locked(a) ? "yes (stays on for this session)" : "yes")
                       : "no",
                    ro ? ro : ":readonly turns it on");
    screen_info_row(lv, "Redis TLS", o->insecure ? THEME_ERROR : THEME_OK,
                    o->insecure ? "NOT VERIFIED (--insecure)" : "verified",
                    o->insecure ? "--insecure" : "always, unless --insecure");
    const char *ca_from = "the system store";
    const char *ca = NULL;
    if (o->redis_cacert && cfg && o->redis_cacert == cfg->redis_cacert) {
        ca = o->redis_cacert;
        ca_from = "[redis] cacert in the config file";
    } else if (o->redis_cacert) {
        ca = o->redis_cacert;
        ca_from = "--redis-cacert";
    } else if (screen_info_env("ELCUI_REDIS_CACERT")) {
        ca = screen_info_env("ELCUI_REDIS_CACERT");
        ca_from = "ELCUI_REDIS_CACERT";
    }
    screen_info_row(lv, "Redis CA", THEME_NORMAL, ca ? ca : "system store", ca ? ca_from : NULL);
    snprintf(val, sizeof(val), "%zu", o->nconnect_to);
    screen_info_row(lv, "connection rules", THEME_NORMAL, val,
                    "--connect-to, --resolve, ELCUI_CONNECT_TO, ELCUI_RESOLVE, [redis]");
    const char *theme_from = "the built-in default";
    if (o->theme && cfg && o->theme == cfg->theme)
        theme_from = "[console] theme in the config file";
    else if (o->theme)
        theme_from = "--theme (or :theme)";
    screen_info_row(lv, "theme", THEME_NORMAL, app_theme(a)->name, theme_from);
    char *cpath = config_default_path();
    if (cfg && cfg->path)
        screen_info_row(lv, "elcui config file", THEME_NORMAL, cfg->path,
                        o->config_file ? "--config" : "the default path");
    else
        screen_info_row(lv, "elcui config file", THEME_DIM, "none",
                        cpath ? cpath : "no XDG_CONFIG_HOME or HOME");
    free(cpath);
    snprintf(val, sizeof(val), "%d s", cfg && cfg->refresh_s ? cfg->refresh_s : 30);
    screen_info_row(lv, "refresh", THEME_NORMAL, val,
                    cfg && cfg->refresh_s ? "[console] refresh in the config file" : "the default");
    snprintf(val, sizeof(val), "%zu rebound", cfg ? cfg->nkeys : (size_t)0);
    screen_info_row(lv, "keys", THEME_NORMAL, val, "[keys] in the config file (elcui keys)");
    const char *st = screen_info_env("XDG_STATE_HOME");
    screen_info_row(lv, "state folder", THEME_NORMAL, st ? st : "~/.local/state",
                    st ? "XDG_STATE_HOME (then /elcui)" : "the default (then /elcui)");
    screen_info_row(lv, "colours", THEME_NORMAL,
                    o->no_color                     ? "off"
                    : screen_info_env("NO_COLOR")   ? "off"
                    : has_colors() && COLORS >= 256 ? "256"
                    : has_colors()                  ? "8"
                                                    : "none",
                    o->no_color                   ? "--no-color"
                    : screen_info_env("NO_COLOR") ? "NO_COLOR"
                                                  : "the terminal (TERM)");
    listview_end(lv);
}

static void screen_info_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_info *si = s->priv;
    screen_info_build(s);
    listview_draw(&si->lv, s->app, w, y0, 0, rows, cols, true);
}

static int screen_info_request(struct screen *s, int req)
{
    struct screen_info *si = s->priv;
    return listview_request(&si->lv, req);
}

static int screen_info_input(struct screen *s, int key)
{
    struct screen_info *si = s->priv;
    return listview_input(&si->lv, key);
}

static int screen_info_tick(struct screen *s)
{
    (void)s;
    return APP_REDRAW; /* the credential source and the account arrive later */
}

static const char *screen_info_title(struct screen *s)
{
    (void)s;
    return " Context: where every setting comes from";
}

static char *screen_info_command(struct screen *s)
{
    (void)s;
    return mem_xstrdup("context");
}

static void screen_info_destroy(struct screen *s)
{
    struct screen_info *si = s->priv;
    listview_free(&si->lv);
    free(si);
    free(s);
}

static const struct screen_ops screen_info_ops = {
    .name = "context",
    .draw = screen_info_draw,
    .request = screen_info_request,
    .input = screen_info_input,
    .title = screen_info_title,
    .tick = screen_info_tick,
    .command = screen_info_command,
    .destroy = screen_info_destroy,
};

struct screen *screen_info_new(struct app *a)
{
    struct screen_info *si = mem_xcalloc(1, sizeof(*si));
    listview_init_pager(&si->lv);
    return app_screen_new(a, &screen_info_ops, si);
}
