/* config.c - elcui's configuration file (INI, libinih). */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rconn.h"

/* Debian's libinih reads lines of at most 200 bytes. */
#define CONFIG_MAX_LINE 199
#define CONFIG_MAX_FILE (1024 * 1024)

struct config_ctx {
    struct config *c;
    struct buf *errs;
    const char *text; /* reader state: libinih reports no line numbers */
    size_t len, pos;
    int line;
    int read_only_line;
};

/* ini_reader: hand libinih one line at a time, counting lines. */
static char *config_reader(char *str, int num, void *stream)
{
    struct config_ctx *x = stream;
    if (x->pos >= x->len || num < 2)
        return NULL;
    size_t i = x->pos, n = 0;
    while (i < x->len && x->text[i] != '\n' && n + 1 < (size_t)num - 1)
        str[n++] = x->text[i++];
    if (i < x->len && x->text[i] == '\n')
        str[n++] = x->text[i++];
    str[n] = '\0';
    x->pos = i;
    x->line++;
    return str;
}

static void config_problem(struct config_ctx *x, int line, const char *fmt, const char *a,
                           const char *b)
{
    buf_printf(x->errs, "%d: ", line);
    buf_printf(x->errs, fmt, a, b);
    buf_appendc(x->errs, '\n');
}

static bool config_bool(const char *v, int *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1")) {
        *out = 1;
        return true;
    }
    if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0")) {
        *out = 0;
        return true;
    }
    return false;
}

static bool config_long(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

static char *config_trim(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return mem_xstrndup(s, n);
}

/* One --connect-to (or, resolve, --resolve) rule, checked as the command
 * line checks it. */
static bool config_rule_ok(const char *value, bool resolve, struct rconn_error *err)
{
    struct rconn_routes *r = rconn_routes_new();
    int rc =
        rconn_routes_add_kind(r, value, resolve ? RCONN_RULE_RESOLVE : RCONN_RULE_CONNECT_TO, err);
    rconn_routes_free(r);
    return rc == 0;
}

/* [console]: theme, read_only, refresh. */
static void config_console(struct config_ctx *x, int lineno, const char *section, const char *name,
                           const char *value)
{
    struct config *c = x->c;
    long n;
    int b;
    if (!strcmp(name, "theme")) {
        free(c->theme);
        c->theme = mem_xstrdup(value);
    } else if (!strcmp(name, "read_only")) {
        if (config_bool(value, &b)) {
            c->read_only = b;
            x->read_only_line = lineno;
        } else
            config_problem(x, lineno, "read_only wants true or false, not '%s'%s", value, "");
    } else if (!strcmp(name, "refresh")) {
        if (config_long(value, 2, 3600, &n))
            c->refresh_s = (int)n;
        else
            config_problem(x, lineno, "refresh wants seconds from 2 to 3600, not '%s'%s", value,
                           "");
    } else {
        config_problem(x, lineno, "unknown key '%s' in [%s]", name, section);
    }
}

/* [redis]: cacert, connect_to and resolve rules. */
static void config_redis(struct config_ctx *x, int lineno, const char *section, const char *name,
                         const char *value)
{
    struct config *c = x->c;
    if (!strcmp(name, "cacert")) {
        free(c->redis_cacert);
        c->redis_cacert = mem_xstrdup(value);
    } else if (!strcmp(name, "connect_to") || !strcmp(name, "resolve")) {
        bool resolve = !strcmp(name, "resolve");
        struct rconn_error err;
        if (c->nconnect_to >= CONFIG_MAX_CONNECT_TO)
            config_problem(x, lineno, "too many connect_to and resolve lines (%s max)%s", "32", "");
        else if (!config_rule_ok(value, resolve, &err))
            config_problem(x, lineno, "%s%s", err.msg, "");
        else
            c->connect_to[c->nconnect_to++] = mem_xstrdup(value);
    } else {
        config_problem(x, lineno, "unknown key '%s' in [%s]", name, section);
    }
}

/* [logs]: ring_size, rate, warn_ms, error_ms, source. */
static void config_logs(struct config_ctx *x, int lineno, const char *section, const char *name,
                        const char *value)
{
    struct config *c = x->c;
    long n;
    if (!strcmp(name, "ring_size")) {
        if (config_long(value, 1000, 10000000, &n))
            c->ring_size = n;
        else
            config_problem(x, lineno, "ring_size wants 1000 to 10000000 records, not '%s'%s", value,
                           "");
    } else if (!strcmp(name, "rate")) {
        char *end;
        double d = strtod(value, &end);
        if (*value && !*end && d > 0 && d <= 5)
            c->log_rate = d;
        else
            config_problem(x, lineno,
                           "rate wants requests per second above 0 and at most 5 (the "
                           "FilterLogEvents quota), not '%s'%s",
                           value, "");
    } else if (!strcmp(name, "warn_ms") || !strcmp(name, "error_ms")) {
        char *end;
        double d = strtod(value, &end);
        if (*value && !*end && d > 0 && d <= 3600000)
            *(name[0] == 'w' ? &c->log_warn_us : &c->log_error_us) = (int64_t)(d * 1000.0);
        else
            config_problem(x, lineno,
                           "%s wants milliseconds above 0 (a slow-log duration from which "
                           "it is coloured), not '%s'",
                           name, value);
    } else if (!strcmp(name, "source")) {
        if (!strcmp(value, "auto"))
            c->log_source = TAIL_SOURCE_AUTO;
        else if (!strcmp(value, "live"))
            c->log_source = TAIL_SOURCE_LIVE;
        else if (!strcmp(value, "poll"))
            c->log_source = TAIL_SOURCE_POLL;
        else
            config_problem(x, lineno,
                           "source wants auto (StartLiveTail when allowed, else polling), "
                           "live or poll, not '%s'%s",
                           value, "");
    } else {
        config_problem(x, lineno, "unknown key '%s' in [%s]", name, section);
    }
}

/* [keys]: checked by the console against its keymap. */
static void config_keys(struct config_ctx *x, int lineno, const char *name, const char *value)
{
    struct config *c = x->c;
    c->keys = mem_xgrow(c->keys, &c->capkeys, c->nkeys + 1, sizeof(*c->keys));
    c->keys[c->nkeys].name = mem_xstrdup(name);
    c->keys[c->nkeys].keys = mem_xstrdup(value);
    c->keys[c->nkeys].line = lineno;
    c->nkeys++;
}

/* [environments]: name = label[, colour]. */
static void config_envs(struct config_ctx *x, int lineno, const char *name, const char *value)
{
    struct config *c = x->c;
    if (c->nenvs >= CONFIG_MAX_ENVS) {
        config_problem(x, lineno, "too many environments (%s max)%s", "32", "");
        return;
    }
    const char *comma = strchr(value, ',');
    struct config_env *e = &c->envs[c->nenvs];
    e->match = mem_xstrdup(name);
    e->label = config_trim(value, comma ? (size_t)(comma - value) : strlen(value));
    e->colour = comma ? config_trim(comma + 1, strlen(comma + 1)) : mem_xstrdup("red");
    if (!*e->label) {
        config_problem(x, lineno, "environment '%s' needs a label%s", name, "");
        free(e->match);
        free(e->label);
        free(e->colour);
        memset(e, 0, sizeof(*e));
        return;
    }
    c->nenvs++;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    struct config_ctx *x = user;
    int lineno = x->line;
    if (!name)
        return 1; /* a section header on its own */
    if (!strcmp(section, "console"))
        config_console(x, lineno, section, name, value);
    else if (!strcmp(section, "redis"))
        config_redis(x, lineno, section, name, value);
    else if (!strcmp(section, "logs"))
        config_logs(x, lineno, section, name, value);
    else if (!strcmp(section, "keys"))
        config_keys(x, lineno, name, value);
    else if (!strcmp(section, "environments"))
        config_envs(x, lineno, name, value);
    else
        config_problem(x, lineno, "unknown section [%s]%s", section, "");
    return 1;
}

void config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->read_only = -1;
}

void config_free(struct config *c)
{
    free(c->path);
    free(c->theme);
    free(c->redis_cacert);
    for (size_t i = 0; i < c->nconnect_to; i++)
        free(c->connect_to[i]);
    for (size_t i = 0; i < c->nenv_rules; i++)
        free(c->env_rules[i]);
    for (size_t i = 0; i < c->nenvs; i++) {
        free(c->envs[i].match);
        free(c->envs[i].label);
        free(c->envs[i].colour);
    }
    for (size_t i = 0; i < c->nkeys; i++) {
        free(c->keys[i].name);
        free(c->keys[i].keys);
    }
    free(c->keys);
    free(c->read_only_source);
    config_init(c);
}

int config_parse(struct config *c, const char *text, size_t len, char *errs, size_t errs_len)
{
    struct buf eb;
    buf_init(&eb, 64 * 1024);
    struct config_ctx x = {c, &eb, text, len, 0, 0, 0};
    /* Refuse what libinih would silently cut: long lines and NUL bytes. */
    int line = 1;
    size_t start = 0;
    bool bad = false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            if (i - start > CONFIG_MAX_LINE) {
                buf_printf(&eb, "%d: line longer than %d bytes\n", line, CONFIG_MAX_LINE);
                bad = true;
            }
            start = i + 1;
            line++;
        } else if (text[i] == '\0') {
            buf_printf(&eb, "%d: NUL byte in the file\n", line);
            bad = true;
            break;
        }
    }
    if (!bad) {
        int rc = ini_parse_stream(config_reader, &x, config_handler, &x);
        if (rc > 0)
            buf_printf(&eb, "%d: not INI syntax (expected [section] or key = value)\n", rc);
    }
    if (c->read_only == 1 && x.read_only_line) {
        free(c->read_only_source);
        c->read_only_source = mem_xasprintf(
            "read_only in %s:%d", c->path ? c->path : "the config file", x.read_only_line);
    }
    int problems = 0;
    for (size_t i = 0; i < eb.len; i++)
        if (eb.data[i] == '\n')
            problems++;
    if (errs && errs_len)
        snprintf(errs, errs_len, "%s", buf_str(&eb));
    buf_free(&eb);
    return problems;
}

char *config_default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg)
        return mem_xasprintf("%s/elcui/config", xdg);
    const char *home = getenv("HOME");
    if (home && *home)
        return mem_xasprintf("%s/.config/elcui/config", home);
    return NULL;
}

int config_load(struct config *c, const char *path, char *errs, size_t errs_len)
{
    char *p = path ? mem_xstrdup(path) : config_default_path();
    if (errs && errs_len)
        errs[0] = '\0';
    if (!p)
        return 0;
    FILE *f = fopen(p, "r");
    if (!f) {
        int e = errno;
        if (e == ENOENT && !path) {
            free(p);
            return 0;
        }
        if (errs && errs_len)
            snprintf(errs, errs_len, "%s: %s\n", p, strerror(e));
        free(p);
        return -1;
    }
    struct buf b;
    buf_init(&b, CONFIG_MAX_FILE);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(&b, chunk, n) != 0) {
            rc = -1;
            break;
        }
    fclose(f);
    if (rc != 0) {
        if (errs && errs_len)
            snprintf(errs, errs_len, "%s: larger than 1 MiB\n", p);
        buf_free(&b);
        free(p);
        return -1;
    }
    free(c->path);
    c->path = p;
    config_parse(c, buf_str(&b), b.len, errs, errs_len);
    buf_free(&b);
    return 0;
}

void config_apply(const struct config *c, struct session_options *o)
{
    if (!o->theme && c->theme)
        o->theme = c->theme;
    if (c->read_only == 1 && !o->read_only) {
        o->read_only = true;
        o->read_only_source = c->read_only_source;
    }
    if (!o->redis_cacert && c->redis_cacert)
        o->redis_cacert = c->redis_cacert;
    /* after the command line's rules: the environment's, then the file's */
    for (size_t i = 0; i < c->nenv_rules && o->nconnect_to < SESSION_MAX_CONNECT_TO; i++)
        o->connect_to[o->nconnect_to++] = c->env_rules[i];
    for (size_t i = 0; i < c->nconnect_to && o->nconnect_to < SESSION_MAX_CONNECT_TO; i++)
        o->connect_to[o->nconnect_to++] = c->connect_to[i];
}

/* The rules of one variable, separated by white space. */
static int config_env_var(struct config *c, const char *var, bool resolve, char *errs,
                          size_t errs_len)
{
    const char *v = getenv(var);
    if (!v)
        return 0;
    const char *ws = " \t\n\r";
    for (const char *p = v + strspn(v, ws); *p; p += strspn(p, ws)) {
        size_t n = strcspn(p, ws);
        char *rule = mem_xstrndup(p, n);
        p += n;
        struct rconn_error err;
        if (!config_rule_ok(rule, resolve, &err)) {
            snprintf(errs, errs_len, "$%s: %s\n", var, err.msg);
            free(rule);
            return -1;
        }
        if (c->nenv_rules >= CONFIG_MAX_CONNECT_TO) {
            snprintf(errs, errs_len, "$%s: too many rules (%d max)\n", var, CONFIG_MAX_CONNECT_TO);
            free(rule);
            return -1;
        }
        c->env_rules[c->nenv_rules++] = rule;
    }
    return 0;
}

int config_load_env(struct config *c, char *errs, size_t errs_len)
{
    if (errs && errs_len)
        errs[0] = '\0';
    if (config_env_var(c, "ELCUI_CONNECT_TO", false, errs, errs_len) != 0)
        return -1;
    return config_env_var(c, "ELCUI_RESOLVE", true, errs, errs_len);
}

const struct config_env *config_env_for(const struct config *c, const char *profile,
                                        const char *account)
{
    for (size_t i = 0; i < c->nenvs; i++) {
        const char *m = c->envs[i].match;
        if ((profile && !strcmp(m, profile)) || (account && !strcmp(m, account)))
            return &c->envs[i];
    }
    return NULL;
}
