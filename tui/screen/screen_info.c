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

static const struct svc *const screen_info_svcs[] = {
    &svc_elasticache, &svc_ec2, &svc_kms, &svc_logs,       &svc_secretsmanager,
    &svc_ssm,         &svc_iam, &svc_sts, &svc_cloudwatch, &svc_pricing,
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

/* Where the profile name came from (profile_select's order). */
static void screen_info_profile_from(const struct session_options *o, char *out, size_t n)
{
    if (o->profile)
        snprintf(out, n, "%s", "--profile (or :profile)");
    else if (screen_info_env("AWS_PROFILE"))
        snprintf(out, n, "AWS_PROFILE");
    else if (screen_info_env("AWS_DEFAULT_PROFILE"))
        snprintf(out, n, "AWS_DEFAULT_PROFILE");
    else
        snprintf(out, n, "the default (no --profile, AWS_PROFILE or AWS_DEFAULT_PROFILE)");
}

static void screen_info_region_from(const struct session *ss, char *out, size_t n)
{
    const struct session_options *o = ss->opts;
    if (o->region)
        snprintf(out, n, "--region (or :region)");
    else if (screen_info_env("AWS_REGION"))
        snprintf(out, n, "AWS_REGION");
    else if (screen_info_env("AWS_DEFAULT_REGION"))
        snprintf(out, n, "AWS_DEFAULT_REGION");
    else
        snprintf(out, n, "profile %s in %s", ss->profile, profile_config_path(ss->store));
}

static void screen_info_endpoint_from(const struct session *ss, const struct svc *svc, char *out,
                                      size_t n)
{
    bool custom = false;
    char *ep = profile_resolve_endpoint(ss->store, ss->profile, svc, ss->region,
                                        ss->opts->endpoint_url, &custom);
    free(ep);
    char var[96];
    snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", svc->env_suffix);
    bool ignore = profile_ignore_configured_endpoints(ss->store, ss->profile);
    if (ss->opts->endpoint_url)
        snprintf(out, n, "--endpoint-url");
    else if (!custom)
        snprintf(out, n, "the default for %s", ss->region);
    else if (!ignore && screen_info_env(var))
        snprintf(out, n, "%s", var);
    else if (!ignore && screen_info_env("AWS_ENDPOINT_URL"))
        snprintf(out, n, "AWS_ENDPOINT_URL");
    else
        snprintf(out, n, "profile %s (services or endpoint_url) in %s", ss->profile,
                 profile_config_path(ss->store));
}

static void screen_info_build(struct screen *s)
{
    struct screen_info *si = s->priv;
    struct app *a = s->app;
    struct session *ss = app_session(a);
    const struct session_options *o = ss->opts;
    const struct config *cfg = app_config(a);
    struct listview *lv = &si->lv;
    char from[512], val[1024];
    listview_begin(lv);
    screen_info_row(lv, "version", THEME_NORMAL, ELCUI_VERSION, NULL);
    screen_info_profile_from(o, from, sizeof(from));
    screen_info_row(lv, "profile", THEME_NORMAL, ss->profile, from);
    screen_info_region_from(ss, from, sizeof(from));
    screen_info_row(lv, "region", THEME_NORMAL, ss->region, from);
    const char *acct = app_account(a);
    screen_info_row(lv, "account", acct ? THEME_NORMAL : THEME_DIM, acct ? acct : "(asking STS...)",
                    "STS GetCallerIdentity");
    const char *src = creds_source(ss->creds);
    screen_info_row(lv, "credentials from", THEME_NORMAL, src && *src ? src : "(not fetched yet)",
                    "the credential chain");
    screen_info_row(lv, "AWS config file", THEME_NORMAL, profile_config_path(ss->store),
                    screen_info_env("AWS_CONFIG_FILE") ? "AWS_CONFIG_FILE" : "the default path");
    screen_info_row(lv, "AWS credentials file", THEME_NORMAL, profile_creds_path(ss->store),
                    screen_info_env("AWS_SHARED_CREDENTIALS_FILE") ? "AWS_SHARED_CREDENTIALS_FILE"
                                                                   : "the default path");
    for (size_t i = 0; i < sizeof(screen_info_svcs) / sizeof(*screen_info_svcs); i++) {
        char *ep = aws_client_endpoint(ss->aws, screen_info_svcs[i]);
        char label[64];
        snprintf(label, sizeof(label), "%s endpoint", screen_info_svcs[i]->name);
        screen_info_endpoint_from(ss, screen_info_svcs[i], from, sizeof(from));
        screen_info_row(lv, label, THEME_DIM, ep ? ep : "?", from);
        free(ep);
    }
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
    screen_info_row(lv, "connect-to rules", THEME_NORMAL, val,
                    "--connect-to and [redis] connect_to");
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
