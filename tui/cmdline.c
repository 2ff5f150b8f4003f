/* cmdline.c - the `:` command line: the command table, completion, history. */
#include "tui/cmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/stack_journal.h"
#include "tui/app.h"
#include "tui/keymap.h"
#include "tui/screen/screen_confirm.h"
#include "tui/screen/screen_console.h"
#include "tui/screen/screen_destroy.h"
#include "tui/screen/screen_group.h"
#include "tui/screen/screen_groups.h"
#include "tui/screen/screen_help.h"
#include "tui/screen/screen_info.h"
#include "tui/screen/screen_inspect.h"
#include "tui/screen/screen_logs.h"
#include "tui/screen/screen_messages.h"
#include "tui/screen/screen_wizard.h"
#include "tui/theme.h"
#include "tui/widget/field.h"

#define CMDLINE_MAX 1024

struct cmdline {
    struct field f;
    bool active;
    char **hist;
    size_t nhist, caphist;
    size_t hist_pos; /* == nhist: the line being typed */
    char *typed;     /* what was typed before walking the history */
    char *path;
    char **cands; /* the matches of the last Tab */
    size_t ncands, capcands;
    size_t cycle;
    bool cycling;
    char cand_text[1024];
};

static void cmdline_drop_cands(struct cmdline *c);

/* ---- the commands ---- */

static int cmdline_x_groups(struct app *a, const char *arg)
{
    (void)arg;
    struct screen *s = app_find(a, "groups");
    if (s)
        app_raise(a, s);
    else
        app_push(a, screen_groups_new(a));
    return 0;
}

static int cmdline_x_group(struct app *a, const char *arg)
{
    app_push(a, screen_group_new(a, arg));
    return 0;
}

static int cmdline_x_nodes(struct app *a, const char *arg)
{
    if (*arg) {
        struct screen *s = screen_group_new(a, arg);
        screen_group_focus_nodes(s);
        app_push(a, s);
        return 0;
    }
    struct screen *g = app_find(a, "group");
    if (g) {
        app_raise(a, g);
        screen_group_focus_nodes(g);
        return 0;
    }
    struct screen *gs = app_find(a, "groups");
    const char *sel = gs ? screen_groups_selected(gs) : NULL;
    if (!sel) {
        app_message(a, THEME_ERROR, ":nodes needs a group: :nodes NAME, or select one first");
        return -1;
    }
    struct screen *s = screen_group_new(a, sel);
    screen_group_focus_nodes(s);
    app_push(a, s);
    return 0;
}

static int cmdline_x_logs(struct app *a, const char *arg)
{
    const char *rg = *arg ? arg : NULL;
    if (!rg) {
        /* the group on screen, or the one selected in the list */
        rg = screen_group_id(app_find(a, "group"));
        struct screen *gs = app_find(a, "groups");
        if (!rg && gs)
            rg = screen_groups_selected(gs);
    }
    if (!rg) {
        app_message(a, THEME_ERROR, ":logs needs a group: :logs NAME, or select one first");
        return -1;
    }
    app_push(a, screen_logs_new(a, rg, NULL));
    return 0;
}

static int cmdline_x_region(struct app *a, const char *arg)
{
    return app_reopen(a, NULL, arg);
}

static int cmdline_x_profile(struct app *a, const char *arg)
{
    return app_reopen(a, arg, NULL);
}

static int cmdline_x_theme(struct app *a, const char *arg)
{
    if (app_set_theme(a, arg) != 0)
        return -1;
    app_message(a, THEME_OK, "theme %s", app_theme(a)->name);
    return 0;
}

static void cmdline_allow_writes(struct app *a, void *arg)
{
    (void)arg;
    if (app_set_read_only(a, false) == 0)
        app_message(a, THEME_WARNING, "read-only is off: changes are allowed");
}

static int cmdline_x_readonly(struct app *a, const char *arg)
{
    bool on;
    if (!*arg) {
        on = !app_read_only(a);
    } else if (!strcmp(arg, "on") || !strcmp(arg, "true") || !strcmp(arg, "yes")) {
        on = true;
    } else if (!strcmp(arg, "off") || !strcmp(arg, "false") || !strcmp(arg, "no")) {
        on = false;
    } else {
        app_message(a, THEME_ERROR, "usage: :readonly [on|off]");
        return -1;
    }
    if (on) {
        app_set_read_only(a, true);
        app_message(a, THEME_OK, "read-only: every change is refused");
        return 0;
    }
    if (!app_read_only(a)) {
        app_message(a, THEME_DIM, "read-only is already off");
        return 0;
    }
    if (app_read_only_locked(a)) {
        app_set_read_only(a, false); /* says why it stays on */
        return -1;
    }
    /* allowing changes is the dangerous direction: type the profile */
    const char *profile = app_session(a)->profile;
    char *text = mem_xasprintf("Allow changes (writes, failover, create, destroy) in profile "
                               "%s, region %s?",
                               profile, app_session(a)->region);
    app_push(
        a, screen_confirm_new(a, "Turn read-only off", text, profile, cmdline_allow_writes, NULL));
    free(text);
    return 0;
}

static int cmdline_x_quit(struct app *a, const char *arg)
{
    (void)arg;
    app_quit(a);
    return 0;
}

static int cmdline_x_help(struct app *a, const char *arg)
{
    (void)arg;
    struct screen *top = app_top(a);
    if (top && !strcmp(top->ops->name, "help"))
        return 0;
    app_push(a, screen_help_new(a, top ? top->ops->name : "groups"));
    return 0;
}

static int cmdline_x_context(struct app *a, const char *arg)
{
    (void)arg;
    app_push(a, screen_info_new(a));
    return 0;
}

static int cmdline_x_messages(struct app *a, const char *arg)
{
    (void)arg;
    app_push(a, screen_messages_new(a));
    return 0;
}

static int cmdline_x_events(struct app *a, const char *arg)
{
    return screen_inspect_command(a, REQ_EVENTS, arg);
}

static int cmdline_x_metrics(struct app *a, const char *arg)
{
    return screen_inspect_command(a, REQ_METRICS, arg);
}

static int cmdline_x_audit(struct app *a, const char *arg)
{
    return screen_inspect_command(a, REQ_AUDIT, arg);
}

static int cmdline_x_keys(struct app *a, const char *arg)
{
    return screen_inspect_command(a, REQ_KEY_POLICY, arg);
}

static int cmdline_x_snapshot(struct app *a, const char *arg)
{
    return screen_inspect_command(a, REQ_SNAPSHOT, arg);
}

static int cmdline_x_create(struct app *a, const char *arg)
{
    (void)arg;
    struct screen *w = app_find(a, "wizard");
    if (w) {
        app_raise(a, w); /* one wizard at a time: what was typed stays */
        return 0;
    }
    w = screen_wizard_new(a);
    app_push(a, w);
    screen_wizard_offer_resume(w);
    return 0;
}

static int cmdline_x_destroy(struct app *a, const char *arg)
{
    if (app_find(a, "destroy")) {
        app_message(a, THEME_ERROR, "a destroy dialog is open already");
        return -1;
    }
    struct screen *d = screen_destroy_new(a, arg);
    if (!d)
        return -1;
    app_push(a, d);
    return 0;
}

/* Stacks the journal knows (made, or half made, by elcui here). */
static void cmdline_src_stacks(struct app *a, cmdline_emit_fn emit, void *ctx)
{
    (void)a;
    char *dir = stack_journal_default_dir();
    struct stack_journal_entry *e = NULL;
    size_t n = dir ? stack_journal_list(dir, "applying applied destroying", &e) : 0;
    for (size_t i = 0; i < n; i++)
        emit(ctx, e[i].name);
    stack_journal_list_free(e, n);
    free(dir);
}

/* The group a Redis screen is about: the argument, else the group screen's
 * or the console's group, else the selected one on the groups screen. */
static const char *cmdline_redis_group(struct app *a, const char *arg, const char *cmd)
{
    const char *g = *arg ? arg : app_current_group(a);
    if (!g)
        app_message(a, THEME_ERROR, ":%s needs a group: :%s NAME, or select one first", cmd, cmd);
    return g;
}

static int cmdline_x_console(struct app *a, const char *arg)
{
    const char *g = cmdline_redis_group(a, arg, "console");
    if (!g)
        return -1;
    struct screen *top = app_top(a);
    if (top && screen_console_group(top) && !strcmp(screen_console_group(top), g))
        return 0; /* already there */
    char *id = mem_xstrdup(g);
    screen_console_request(a, REQ_CONSOLE, id, NULL);
    free(id);
    return 0;
}

static int cmdline_x_latency(struct app *a, const char *arg)
{
    const char *g = cmdline_redis_group(a, arg, "latency");
    if (!g)
        return -1;
    char *id = mem_xstrdup(g);
    screen_console_request(a, REQ_LATENCY, id, NULL);
    free(id);
    return 0;
}

static int cmdline_x_doctor(struct app *a, const char *arg)
{
    const char *g = cmdline_redis_group(a, arg, "doctor");
    if (!g)
        return -1;
    char *id = mem_xstrdup(g);
    screen_console_request(a, REQ_DOCTOR, id, NULL);
    free(id);
    return 0;
}

static int cmdline_x_target(struct app *a, const char *arg)
{
    struct screen *c = app_find(a, "console");
    if (!c) {
        app_message(a, THEME_ERROR, ":target works on the console: open it first (:console)");
        return -1;
    }
    app_raise(a, c);
    return screen_console_set_target(c, arg);
}

static void cmdline_src_targets(struct app *a, cmdline_emit_fn emit, void *ctx)
{
    screen_console_targets(app_find(a, "console"), emit, ctx);
}

static void cmdline_src_groups(struct app *a, cmdline_emit_fn emit, void *ctx)
{
    const char *const *ids = NULL;
    size_t n = app_groups(a, &ids);
    for (size_t i = 0; i < n; i++)
        emit(ctx, ids[i]);
}

static void cmdline_src_themes(struct app *a, cmdline_emit_fn emit, void *ctx)
{
    (void)a;
    theme_list(emit, ctx);
}

static void cmdline_src_onoff(struct app *a, cmdline_emit_fn emit, void *ctx)
{
    (void)a;
    emit(ctx, "on");
    emit(ctx, "off");
}

const struct cmdline_cmd cmdline_cmds[] = {
    {"groups", "rg", "", false, NULL, "the region's replication groups", cmdline_x_groups},
    {"group", "", "NAME", true, cmdline_src_groups, "one replication group", cmdline_x_group},
    {"nodes", "", "[NAME]", false, cmdline_src_groups, "the node list of a group (or this one)",
     cmdline_x_nodes},
    {"logs", "log", "[NAME]", false, cmdline_src_groups,
     "the slow log and engine log of a group (or this one), live", cmdline_x_logs},
    {"events", "ev", "[NAME]", false, cmdline_src_groups,
     "a group's failover timeline: events and observed role changes per shard", cmdline_x_events},
    {"metrics", "mx", "[NAME]", false, cmdline_src_groups,
     "a group's nodes with sparklines of eight metrics", cmdline_x_metrics},
    {"audit", "", "[NAME]", false, cmdline_src_groups,
     "a group's audit findings (Checkov / Security Hub ids) and their fixes", cmdline_x_audit},
    {"keys", "kms", "[NAME]", false, cmdline_src_groups,
     "a group's KMS keys and policies: may CloudWatch Logs use them for its log groups?",
     cmdline_x_keys},
    {"snapshot", "snap", "[NAME]", false, cmdline_src_groups,
     "write an incident snapshot of a group (Markdown and JSON) and say where", cmdline_x_snapshot},
    {"region", "", "REGION", true, NULL, "open the session again in another region",
     cmdline_x_region},
    {"profile", "", "PROFILE", true, NULL, "open the session again with another AWS profile",
     cmdline_x_profile},
    {"theme", "", "NAME", true, cmdline_src_themes, "switch the colour theme", cmdline_x_theme},
    {"readonly", "ro", "[on|off]", false, cmdline_src_onoff,
     "refuse every change (off again only when --read-only or the config did not set it)",
     cmdline_x_readonly},
    {"console", "cli redis", "[NAME]", false, cmdline_src_groups,
     "Redis commands to a group (this one, or the selected one)", cmdline_x_console},
    {"target", "", "SPEC", true, cmdline_src_targets,
     "the console's target: slot, primaries, replicas, all, node ID, shard ID primary, az NAME",
     cmdline_x_target},
    {"latency", "lat", "[NAME]", false, cmdline_src_groups,
     "latency per node of a group, with sparklines and wall-clock windows", cmdline_x_latency},
    {"doctor", "dr", "[NAME]", false, cmdline_src_groups,
     "the connectivity doctor of a group, drawn as it runs", cmdline_x_doctor},
    {"create", "", "", false, NULL, "the create wizard (offers to resume an unfinished apply)",
     cmdline_x_create},
    {"destroy", "", "NAME", true, cmdline_src_stacks,
     "destroy a stack elcui made: what goes, type its name, progress", cmdline_x_destroy},
    {"context", "ctx info", "", false, NULL, "where every setting comes from", cmdline_x_context},
    {"messages", "msgs", "", false, NULL, "every message and error of the session, in full",
     cmdline_x_messages},
    {"help", "h", "", false, NULL, "the keys of this screen and these commands", cmdline_x_help},
    {"quit", "q q!", "", false, NULL, "quit elcui", cmdline_x_quit},
};
const size_t cmdline_ncmds = sizeof(cmdline_cmds) / sizeof(*cmdline_cmds);

/* ---- pure helpers ---- */

static bool cmdline_word_in(const char *list, const char *word, size_t wl)
{
    const char *p = list;
    while (p && *p) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l && l == wl && strncmp(p, word, l) == 0)
            return true;
        p = e;
    }
    return false;
}

const struct cmdline_cmd *cmdline_find(const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < cmdline_ncmds; i++)
        if (!strcmp(cmdline_cmds[i].name, name) ||
            cmdline_word_in(cmdline_cmds[i].aliases, name, nl))
            return &cmdline_cmds[i];
    return NULL;
}

int cmdline_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

size_t cmdline_suggest(const char *name, const char **out, size_t max)
{
    size_t n = 0, nl = strlen(name);
    /* best first: prefixes, then distance 1, then 2 */
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < cmdline_ncmds && n < max; i++) {
            const char *c = cmdline_cmds[i].name;
            bool hit;
            if (pass == 0)
                hit = nl > 0 && strncmp(c, name, nl) == 0;
            else
                hit = !(nl > 0 && strncmp(c, name, nl) == 0) && cmdline_distance(name, c) == pass;
            if (!hit)
                continue;
            bool dup = false;
            for (size_t k = 0; k < n; k++)
                dup = dup || out[k] == c;
            if (!dup)
                out[n++] = c;
        }
    return n;
}

char *cmdline_complete_word(const char *word, const char *const *cands, size_t n, size_t *nmatch)
{
    size_t wl = strlen(word), m = 0;
    const char *first = NULL;
    size_t lcp = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(cands[i], word, wl) != 0)
            continue;
        if (!first) {
            first = cands[i];
            lcp = strlen(first);
        } else if (strcmp(first, cands[i]) != 0) {
            size_t k = 0;
            while (k < lcp && cands[i][k] == first[k])
                k++;
            lcp = k;
        } else {
            continue; /* the same name twice */
        }
        m++;
    }
    *nmatch = m;
    return first ? mem_xstrndup(first, lcp) : NULL;
}

/* ---- history ---- */

static bool cmdline_clean(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static void cmdline_hist_push(struct cmdline *c, const char *line)
{
    if (c->nhist >= CMDLINE_HISTORY_MAX) {
        free(c->hist[0]);
        memmove(c->hist, c->hist + 1, (c->nhist - 1) * sizeof(*c->hist));
        c->nhist--;
    }
    c->hist = mem_xgrow(c->hist, &c->caphist, c->nhist + 1, sizeof(*c->hist));
    c->hist[c->nhist++] = mem_xstrdup(line);
}

static void cmdline_history_load(struct cmdline *c)
{
    FILE *f = c->path ? fopen(c->path, "r") : NULL;
    if (!f)
        return;
    char line[CMDLINE_MAX + 2];
    size_t lines = 0;
    while (fgets(line, sizeof(line), f)) {
        size_t l = strlen(line);
        if (l && line[l - 1] == '\n')
            line[--l] = '\0';
        lines++;
        if (l && cmdline_clean(line))
            cmdline_hist_push(c, line);
    }
    fclose(f);
    if (lines <= 2 * CMDLINE_HISTORY_MAX)
        return;
    /* keep the file from growing without end: write back what is kept */
    char *tmp = mem_xasprintf("%s.tmp", c->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        FILE *w = fdopen(fd, "w");
        if (w) {
            for (size_t i = 0; i < c->nhist; i++)
                fprintf(w, "%s\n", c->hist[i]);
            if (fclose(w) == 0)
                rename(tmp, c->path);
        } else {
            close(fd);
        }
    }
    unlink(tmp);
    free(tmp);
}

void cmdline_history_add(struct cmdline *c, const char *line)
{
    if (!*line || !cmdline_clean(line) || strlen(line) > CMDLINE_MAX)
        return;
    if (c->nhist && !strcmp(c->hist[c->nhist - 1], line))
        return;
    cmdline_hist_push(c, line);
    if (!c->path)
        return;
    int fd = open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    fchmod(fd, 0600);
    struct buf b;
    buf_init(&b, CMDLINE_MAX + 2);
    buf_printf(&b, "%s\n", line);
    ssize_t w = write(fd, b.data, b.len);
    (void)w;
    buf_free(&b);
    close(fd);
}

size_t cmdline_history_count(const struct cmdline *c)
{
    return c->nhist;
}

const char *cmdline_history_at(const struct cmdline *c, size_t i)
{
    return i < c->nhist ? c->hist[i] : NULL;
}

/* ---- editing ---- */

struct cmdline *cmdline_new(const char *history_path)
{
    struct cmdline *c = mem_xcalloc(1, sizeof(*c));
    field_init(&c->f, CMDLINE_MAX);
    c->path = history_path ? mem_xstrdup(history_path) : NULL;
    cmdline_history_load(c);
    c->hist_pos = c->nhist;
    return c;
}

static void cmdline_drop_cands(struct cmdline *c)
{
    for (size_t i = 0; i < c->ncands; i++)
        free(c->cands[i]);
    c->ncands = 0;
    c->cycling = false;
    c->cand_text[0] = '\0';
}

void cmdline_free(struct cmdline *c)
{
    if (!c)
        return;
    cmdline_drop_cands(c);
    free(c->cands);
    for (size_t i = 0; i < c->nhist; i++)
        free(c->hist[i]);
    free(c->hist);
    free(c->typed);
    free(c->path);
    field_free(&c->f);
    free(c);
}

void cmdline_open(struct cmdline *c)
{
    c->active = true;
    field_clear(&c->f);
    c->hist_pos = c->nhist;
    free(c->typed);
    c->typed = NULL;
    cmdline_drop_cands(c);
}

bool cmdline_active(const struct cmdline *c)
{
    return c && c->active;
}

const char *cmdline_text(const struct cmdline *c)
{
    return field_text(&c->f);
}

void cmdline_set_text(struct cmdline *c, const char *text)
{
    field_set(&c->f, text);
    cmdline_drop_cands(c);
}

const char *cmdline_candidates_text(const struct cmdline *c)
{
    return c->active ? c->cand_text : "";
}

struct cmdline_gather {
    struct cmdline *c;
};

static void cmdline_emit(void *ctx, const char *cand)
{
    struct cmdline *c = ctx;
    if (!cand || !*cand || c->ncands >= 4096)
        return;
    c->cands = mem_xgrow(c->cands, &c->capcands, c->ncands + 1, sizeof(*c->cands));
    c->cands[c->ncands++] = mem_xstrdup(cand);
}

/* Replace the text from byte start on with word (and a space after). */
static void cmdline_replace(struct cmdline *c, size_t start, const char *word, bool space)
{
    struct buf b;
    buf_init(&b, CMDLINE_MAX * 2);
    buf_append(&b, field_text(&c->f), start);
    buf_appends(&b, word);
    if (space)
        buf_appendc(&b, ' ');
    field_set(&c->f, buf_str(&b));
    buf_free(&b);
}

void cmdline_complete(struct cmdline *c, struct app *a)
{
    const char *text = field_text(&c->f);
    const char *sp = strchr(text, ' ');
    size_t start = 0;
    bool naming = sp == NULL;
    const struct cmdline_cmd *cmd = NULL;
    if (!naming) {
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(sp - text), text);
        cmd = cmdline_find(name);
        start = (size_t)(sp - text);
        while (text[start] == ' ')
            start++;
    }
    if (c->cycling && c->ncands > 1) {
        c->cycle = (c->cycle + 1) % c->ncands;
        cmdline_replace(c, start, c->cands[c->cycle], false);
        return;
    }
    cmdline_drop_cands(c);
    if (naming) {
        for (size_t i = 0; i < cmdline_ncmds; i++)
            cmdline_emit(c, cmdline_cmds[i].name);
    } else if (cmd && cmd->complete && a) {
        cmd->complete(a, cmdline_emit, c);
    } else {
        snprintf(c->cand_text, sizeof(c->cand_text), "%s",
                 cmd ? "nothing to complete here" : "unknown command");
        return;
    }
    char *word = mem_xstrdup(text + start);
    /* keep only the matches, sorted, for the list and the cycling */
    size_t m = 0;
    for (size_t i = 0; i < c->ncands; i++) {
        if (strncmp(c->cands[i], word, strlen(word)) == 0)
            c->cands[m++] = c->cands[i];
        else
            free(c->cands[i]);
    }
    c->ncands = m;
    for (size_t i = 1; i < c->ncands; i++)
        for (size_t j = i; j > 0 && strcmp(c->cands[j - 1], c->cands[j]) > 0; j--) {
            char *t = c->cands[j];
            c->cands[j] = c->cands[j - 1];
            c->cands[j - 1] = t;
        }
    size_t nmatch = 0;
    char *done = cmdline_complete_word(word, (const char *const *)c->cands, c->ncands, &nmatch);
    if (!done) {
        snprintf(c->cand_text, sizeof(c->cand_text), "no match for '%s'", word);
    } else if (nmatch == 1) {
        const struct cmdline_cmd *k = naming ? cmdline_find(done) : NULL;
        cmdline_replace(c, start, done, naming && k && k->args[0]);
        cmdline_drop_cands(c);
    } else {
        size_t used = 0;
        for (size_t i = 0; i < c->ncands && used + 1 < sizeof(c->cand_text); i++) {
            int w = snprintf(c->cand_text + used, sizeof(c->cand_text) - used, "%s%s",
                             i ? "  " : "", c->cands[i]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        if (strlen(done) > strlen(word)) {
            cmdline_replace(c, start, done, false);
        } else {
            /* nothing more in common: Tab now cycles through them */
            c->cycling = true;
            c->cycle = strcmp(c->cands[0], word) == 0 ? 1 : 0;
            cmdline_replace(c, start, c->cands[c->cycle], false);
        }
    }
    free(done);
    free(word);
}

static void cmdline_history_walk(struct cmdline *c, int dir)
{
    if (c->nhist == 0)
        return;
    if (c->hist_pos == c->nhist) {
        free(c->typed);
        c->typed = mem_xstrdup(field_text(&c->f));
    }
    if (dir < 0 && c->hist_pos > 0)
        c->hist_pos--;
    else if (dir > 0 && c->hist_pos < c->nhist)
        c->hist_pos++;
    field_set(&c->f, c->hist_pos < c->nhist ? c->hist[c->hist_pos] : (c->typed ? c->typed : ""));
}

int cmdline_key(struct cmdline *c, struct app *a, int key)
{
    if (key == KEYMAP_ESC) {
        c->active = false;
        cmdline_drop_cands(c);
        return APP_REDRAW;
    }
    if (key == KEYMAP_ENTER) {
        char *line = mem_xstrdup(field_text(&c->f));
        c->active = false;
        cmdline_drop_cands(c);
        char *p = line;
        while (*p == ' ' || *p == ':')
            p++;
        size_t l = strlen(p);
        while (l && p[l - 1] == ' ')
            p[--l] = '\0';
        if (*p) {
            cmdline_history_add(c, p);
            cmdline_run(a, p);
        }
        free(line);
        return APP_REDRAW;
    }
    if (key == KEYMAP_TAB) {
        cmdline_complete(c, a);
        return APP_REDRAW;
    }
    if (key == KEYMAP_FN(KEY_UP) || key == 16 /* C-p */) {
        cmdline_history_walk(c, -1);
        return APP_REDRAW;
    }
    if (key == KEYMAP_FN(KEY_DOWN) || key == 14 /* C-n */) {
        cmdline_history_walk(c, 1);
        return APP_REDRAW;
    }
    if (key == KEYMAP_FN(KEY_BACKSPACE) && c->f.len == 0) {
        c->active = false; /* Backspace on an empty line leaves, as in vi */
        return APP_REDRAW;
    }
    enum field_result r = field_key(&c->f, key);
    if (r == FIELD_CHANGED)
        cmdline_drop_cands(c);
    return r == FIELD_IGNORED ? APP_HANDLED : APP_REDRAW;
}

void cmdline_draw(const struct cmdline *c, struct app *a, WINDOW *w, int y, int cols)
{
    app_style(a, w, THEME_KEY);
    app_put(w, y, 0, 1, ":", false);
    app_style(a, w, THEME_NORMAL);
    field_draw(&c->f, w, y, 1, cols - 1);
}

int cmdline_run(struct app *a, const char *line)
{
    while (*line == ' ' || *line == ':')
        line++;
    const char *e = line;
    while (*e && *e != ' ')
        e++;
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)(e - line), line);
    while (*e == ' ')
        e++;
    char *arg = mem_xstrdup(e);
    size_t al = strlen(arg);
    while (al && arg[al - 1] == ' ')
        arg[--al] = '\0';
    const struct cmdline_cmd *cmd = cmdline_find(name);
    int rc = -1;
    /* on the console, its prompt's own commands (:primaries, :node ID...) */
    if (!cmd && screen_console_prompt_command(app_top(a), line) == 0) {
        free(arg);
        return 0;
    }
    if (!cmd) {
        const char *close[4];
        size_t n = cmdline_suggest(name, close, 4);
        if (n == 0) {
            app_message(a, THEME_ERROR, "unknown command ':%s' (:help lists them)", name);
        } else {
            char list[256] = "";
            size_t used = 0;
            for (size_t i = 0; i < n && used < sizeof(list); i++) {
                int w = snprintf(list + used, sizeof(list) - used, "%s:%s",
                                 i ? (i + 1 == n ? " or " : ", ") : "", close[i]);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            app_message(a, THEME_ERROR, "unknown command ':%s'; did you mean %s?", name, list);
        }
    } else if (cmd->arg_required && !*arg) {
        app_message(a, THEME_ERROR, "usage: :%s %s  (%s)", cmd->name, cmd->args, cmd->help);
    } else if (!cmd->args[0] && *arg) {
        app_message(a, THEME_ERROR, ":%s takes no argument", cmd->name);
    } else {
        rc = cmd->exec(a, arg);
    }
    free(arg);
    return rc;
}
