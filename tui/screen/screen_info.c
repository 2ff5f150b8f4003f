/* screen_info.c - the context screen: profile, region, endpoints, files,
 * safety flags and theme, each with where it came from (k9s's `info`). */
#include "tui/screen/screen_info.h"

#include <stdlib.h>

#include "aws/mem.h"
#include "core/session.h"

struct screen_info {
    struct screen base;
    int scroll;
};

static const struct svc *const screen_info_svcs[] = {
    &svc_elasticache, &svc_ec2, &svc_kms, &svc_logs,       &svc_secretsmanager,
    &svc_ssm,         &svc_iam, &svc_sts, &svc_cloudwatch, &svc_pricing,
};

struct screen_info_line {
    const char *label; /* NULL: a full-width line */
    char *value;
    int role;
};

static int screen_info_add(struct screen_info_line *v, int n, int max, const char *label,
                           char *value, int role)
{
    if (n >= max) {
        free(value);
        return n;
    }
    v[n].label = label;
    v[n].value = value;
    v[n].role = role;
    return n + 1;
}

static void screen_info_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_info *si = (struct screen_info *)s;
    struct app *a = s->app;
    struct session *ss = app_session(a);
    const struct session_options *o = ss->opts;
    struct screen_info_line v[40];
    const int max = (int)(sizeof(v) / sizeof(*v));
    int n = 0;
    n = screen_info_add(v, n, max, "version", mem_xstrdup(ELCUI_VERSION), THEME_NORMAL);
    n = screen_info_add(v, n, max, "profile", mem_xstrdup(ss->profile), THEME_NORMAL);
    n = screen_info_add(v, n, max, "region", mem_xstrdup(ss->region), THEME_NORMAL);
    n = screen_info_add(v, n, max, "config file", mem_xstrdup(profile_config_path(ss->store)),
                        THEME_NORMAL);
    n = screen_info_add(v, n, max, "credentials file", mem_xstrdup(profile_creds_path(ss->store)),
                        THEME_NORMAL);
    const char *src = creds_source(ss->creds);
    n = screen_info_add(v, n, max, "credentials from",
                        mem_xstrdup(src && *src ? src : "(not fetched yet)"), THEME_NORMAL);
    for (size_t i = 0; i < sizeof(screen_info_svcs) / sizeof(*screen_info_svcs); i++) {
        char *ep = aws_client_endpoint(ss->aws, screen_info_svcs[i]);
        char *label = mem_xasprintf("%s endpoint", screen_info_svcs[i]->name);
        n = screen_info_add(v, n, max, NULL, mem_xasprintf("%-28s %s", label, ep ? ep : "?"),
                            THEME_DIM);
        free(label);
        free(ep);
    }
    n = screen_info_add(v, n, max, "read-only", mem_xstrdup(o->read_only ? "yes" : "no"),
                        o->read_only ? THEME_WARNING : THEME_NORMAL);
    n = screen_info_add(v, n, max, "Redis TLS",
                        mem_xstrdup(o->insecure ? "NOT VERIFIED (--insecure)" : "verified"),
                        o->insecure ? THEME_ERROR : THEME_OK);
    const char *ca = o->redis_cacert ? o->redis_cacert : getenv("ELCUI_REDIS_CACERT");
    n = screen_info_add(v, n, max, "Redis CA", mem_xstrdup(ca && *ca ? ca : "system store"),
                        THEME_NORMAL);
    n = screen_info_add(v, n, max, "theme", mem_xstrdup(app_theme(a)->name), THEME_NORMAL);
    if (si->scroll > n - 1)
        si->scroll = n > 0 ? n - 1 : 0;
    int y = y0;
    for (int i = si->scroll; i < n && y < y0 + rows; i++, y++) {
        if (v[i].label) {
            app_style(a, w, THEME_COLUMN);
            app_put(w, y, 1, 22, v[i].label, true);
            app_style(a, w, v[i].role);
            app_put(w, y, 24, cols - 25, v[i].value, false);
        } else {
            app_style(a, w, v[i].role);
            app_put(w, y, 1, cols - 2, v[i].value, false);
        }
        app_style(a, w, THEME_NORMAL);
    }
    for (int i = 0; i < n; i++)
        free(v[i].value);
}

static int screen_info_key(struct screen *s, int key)
{
    struct screen_info *si = (struct screen_info *)s;
    switch (key) {
    case KEY_DOWN:
    case 'j':
        si->scroll++;
        return APP_REDRAW;
    case KEY_UP:
    case 'k':
        if (si->scroll > 0)
            si->scroll--;
        return APP_REDRAW;
    default:
        return APP_IGNORED;
    }
}

static void screen_info_destroy(struct screen *s)
{
    free(s);
}

static const char *screen_info_title(struct screen *s)
{
    (void)s;
    return " Context: where every setting comes from";
}

static const struct screen_ops screen_info_ops = {
    .name = "info",
    .draw = screen_info_draw,
    .key = screen_info_key,
    .destroy = screen_info_destroy,
    .title = screen_info_title,
    .hints = "j/k scroll  esc back",
};

struct screen *screen_info_new(struct app *a)
{
    struct screen_info *si = mem_xcalloc(1, sizeof(*si));
    si->base.ops = &screen_info_ops;
    si->base.app = a;
    return &si->base;
}
