/* app.c - curses set-up, screen stack, header, status line, key dispatch,
 * frame statistics and terminal restoration on every exit path. */
#include "tui/app.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/sts.h"
#include "core/config.h"
#include "tui/cmdline.h"
#include "tui/screen/screen_groups.h"
#include "tui/screen/screen_help.h"

#define APP_MAX_SCREENS 32
#define APP_MAX_MESSAGES 200

struct app_msg {
    int64_t when_ms;
    int role;
    char *text;
};

struct app {
    struct session session;
    struct session_options opts; /* the console's copy: :readonly, :profile... */
    char *opt_profile, *opt_region, *opt_theme;
    const struct config *config;
    struct theme theme;
    bool colour;
    short pairs[THEME_ROLE_COUNT];
    attr_t extra[THEME_ROLE_COUNT]; /* bold for bright colours on 8-colour terminals */
    struct keymap km;
    struct screen *stack[APP_MAX_SCREENS];
    int depth;
    struct cmdline *cmdline;
    bool dirty;
    bool quit;
    char message[1024];
    int message_role;
    struct app_msg msgs[APP_MAX_MESSAGES];
    size_t nmsgs, msg_first;
    unsigned long msg_serial;
    const struct config_env *env; /* environment label for this profile or account */
    attr_t env_attr;
    short env_pair;
    struct loop_timer *tick;
    int saved_stderr;
    char stderr_path[1024];
    char *state_dir;
    char *account;
    struct aws_call *sts;
    char *endpoint;
    char **groups;
    size_t ngroups;
    snapshot_logs_fn log_fn; /* the log panel's records, for snapshots */
    void *log_arg;
    char *prev_cmd; /* the `:` command of the screen shown before the top one */
    bool read_only_locked;
    struct session pending; /* :profile / :region, swapped in after the loop stops */
    bool has_pending;
    FILE *frame_stats;
    unsigned long frames;
    uint64_t key_us; /* when the last key was read (monotonic) */
    int last_key;
};

/* For the exit paths that cannot be handed the app: atexit and the
 * fatal-signal handler. */
static struct app *app_current;
static volatile sig_atomic_t app_curses_on;

static uint64_t app_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct session *app_session(struct app *a)
{
    return &a->session;
}

const struct config *app_config(struct app *a)
{
    return a->config;
}

const struct theme *app_theme(struct app *a)
{
    return &a->theme;
}

const struct keymap *app_keymap(struct app *a)
{
    return &a->km;
}

void app_dirty(struct app *a)
{
    a->dirty = true;
}

int64_t app_now_ms(struct app *a)
{
    return loop_wall_ms(a->session.loop);
}

const char *app_account(struct app *a)
{
    return a->account;
}

const char *app_endpoint(struct app *a)
{
    return a->endpoint;
}

void app_message(struct app *a, int role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    snprintf(a->message, sizeof(a->message), "%s", buf_str(&b));
    a->message_role = role;
    a->dirty = true;
    /* kept in full for :messages */
    size_t slot;
    if (a->nmsgs < APP_MAX_MESSAGES) {
        slot = (a->msg_first + a->nmsgs++) % APP_MAX_MESSAGES;
    } else {
        slot = a->msg_first;
        free(a->msgs[slot].text);
        a->msg_first = (a->msg_first + 1) % APP_MAX_MESSAGES;
    }
    a->msgs[slot].text = buf_steal(&b);
    a->msgs[slot].role = role;
    a->msgs[slot].when_ms = a->session.loop ? loop_wall_ms(a->session.loop) : 0;
    a->msg_serial++;
    buf_free(&b);
}

size_t app_messages(struct app *a)
{
    return a->nmsgs;
}

unsigned long app_message_serial(struct app *a)
{
    return a->msg_serial;
}

const char *app_message_at(struct app *a, size_t i, int *role, int64_t *when_ms)
{
    if (i >= a->nmsgs)
        return NULL;
    const struct app_msg *m = &a->msgs[(a->msg_first + i) % APP_MAX_MESSAGES];
    if (role)
        *role = m->role;
    if (when_ms)
        *when_ms = m->when_ms;
    return m->text;
}

void app_set_log_source(struct app *a, snapshot_logs_fn fn, void *arg)
{
    a->log_fn = fn;
    a->log_arg = fn ? arg : NULL;
}

snapshot_logs_fn app_log_source(struct app *a, void **arg)
{
    *arg = a->log_arg;
    return a->log_fn;
}

void app_observe_options(struct app *a, const char *rg_id, struct observe_options *o)
{
    struct session *ss = app_session(a);
    const struct session_options *so = ss->opts;
    memset(o, 0, sizeof(*o));
    o->loop = ss->loop;
    o->aws = ss->aws;
    o->creds = ss->creds;
    o->region = ss->region;
    o->rg_id = rg_id;
    o->cafile = so->redis_cacert;
    o->insecure = so->insecure;
    o->connect_to = so->connect_to;
    o->n_connect_to = so->nconnect_to;
}

void app_set_groups(struct app *a, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < a->ngroups; i++)
        free(a->groups[i]);
    free(a->groups);
    a->groups = mem_xcalloc(n ? n : 1, sizeof(*a->groups));
    for (size_t i = 0; i < n; i++)
        a->groups[i] = mem_xstrdup(ids[i]);
    a->ngroups = n;
}

size_t app_groups(struct app *a, const char *const **ids)
{
    *ids = (const char *const *)a->groups;
    return a->ngroups;
}

/* ---- the screen stack ---- */

struct screen *app_screen_new(struct app *a, const struct screen_ops *ops, void *priv)
{
    struct screen *s = mem_xcalloc(1, sizeof(*s));
    s->ops = ops;
    s->app = a;
    s->priv = priv;
    return s;
}

struct screen *app_top(struct app *a)
{
    return a->depth ? a->stack[a->depth - 1] : NULL;
}

struct screen *app_find(struct app *a, const char *name)
{
    for (int i = a->depth - 1; i >= 0; i--)
        if (strcmp(a->stack[i]->ops->name, name) == 0)
            return a->stack[i];
    return NULL;
}

struct screen *app_below(struct app *a, struct screen *s)
{
    for (int i = a->depth - 1; i > 0; i--)
        if (a->stack[i] == s)
            return a->stack[i - 1];
    return NULL;
}

const char *app_current_group(struct app *a)
{
    for (int i = a->depth - 1; i >= 0; i--) {
        struct screen *s = a->stack[i];
        const char *g = s->ops->group ? s->ops->group(s) : NULL;
        if (g && *g)
            return g;
    }
    return NULL;
}

/* The top screen is about to stop being the top: remember how to open it
 * again, for `-`. */
static void app_leaving_top(struct app *a)
{
    struct screen *top = app_top(a);
    if (!top || !top->ops->command)
        return;
    char *cmd = top->ops->command(top);
    if (!cmd)
        return;
    free(a->prev_cmd);
    a->prev_cmd = cmd;
}

void app_push(struct app *a, struct screen *s)
{
    if (!s)
        return;
    if (a->depth >= APP_MAX_SCREENS) {
        app_message(a, THEME_ERROR, "too many screens open (Esc closes some)");
        s->ops->destroy(s);
        return;
    }
    if (!s->ops->dialog)
        app_leaving_top(a);
    s->app = a;
    a->stack[a->depth++] = s;
    a->dirty = true;
}

void app_close(struct app *a, struct screen *s)
{
    for (int i = a->depth - 1; i >= 0; i--) {
        if (a->stack[i] != s)
            continue;
        if (i == a->depth - 1 && !s->ops->dialog)
            app_leaving_top(a);
        memmove(&a->stack[i], &a->stack[i + 1], (size_t)(a->depth - i - 1) * sizeof(*a->stack));
        a->depth--;
        s->ops->destroy(s);
        a->dirty = true;
        return;
    }
}

void app_raise(struct app *a, struct screen *s)
{
    bool found = false;
    for (int i = 0; i < a->depth; i++)
        found = found || a->stack[i] == s;
    if (!found)
        return;
    while (a->depth && a->stack[a->depth - 1] != s)
        app_close(a, a->stack[a->depth - 1]);
}

void app_quit(struct app *a)
{
    a->quit = true;
    loop_stop(a->session.loop, 0);
}

int app_run_external(struct app *a, char *const argv[])
{
    /* Ctrl-C and friends belong to the program while it runs */
    static const int sigs[] = {SIGINT, SIGQUIT, SIGTSTP};
    struct sigaction ign, old[sizeof(sigs) / sizeof(*sigs)];
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
        sigaction(sigs[i], &ign, &old[i]);
    def_prog_mode();
    endwin();
    fflush(stdout);
    /* its errors go to the terminal, not to our log */
    int err_fd = a->saved_stderr >= 0 ? a->saved_stderr : -1;
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
            sigaction(sigs[i], &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (err_fd >= 0)
            dup2(err_fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int saved_errno = errno;
    int status = -1;
    if (pid > 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
        sigaction(sigs[i], &old[i], NULL);
    reset_prog_mode();
    clearok(curscr, TRUE);
    refresh();
    a->dirty = true;
    if (pid < 0) {
        errno = saved_errno;
        return -1;
    }
    return status;
}

/* ---- read-only ---- */

bool app_read_only(struct app *a)
{
    return session_read_only(&a->opts);
}

bool app_read_only_locked(struct app *a)
{
    return a->read_only_locked;
}

int app_set_read_only(struct app *a, bool on)
{
    if (!on && a->read_only_locked) {
        app_message(a, THEME_ERROR,
                    "read-only stays on: it was set by %s, for the whole session (start elcui "
                    "without it to allow changes)",
                    session_read_only_source(&a->opts));
        return -1;
    }
    a->opts.read_only = on;
    a->opts.read_only_source = on ? ":readonly" : NULL;
    a->dirty = true;
    return 0;
}

/* ---- styles ---- */

static attr_t app_attrs(unsigned attrs)
{
    attr_t a = A_NORMAL;
    if (attrs & THEME_ATTR_BOLD)
        a |= A_BOLD;
    if (attrs & THEME_ATTR_UNDERLINE)
        a |= A_UNDERLINE;
    if (attrs & THEME_ATTR_REVERSE)
        a |= A_REVERSE;
    if (attrs & THEME_ATTR_DIM)
        a |= A_DIM;
#ifdef A_ITALIC
    if (attrs & THEME_ATTR_ITALIC)
        a |= A_ITALIC;
#endif
    return a;
}

static void app_setup_env_style(struct app *a)
{
    a->env_attr = A_BOLD | A_REVERSE;
    a->env_pair = 0;
    if (!a->env || !a->colour)
        return;
    char spec[96];
    struct theme_style st;
    snprintf(spec, sizeof(spec), "fg=white,bg=%s,bold", a->env->colour);
    if (!theme_parse_style(spec, &st)) {
        app_message(a, THEME_WARNING, "config: unknown colour '%s' for environment %s",
                    a->env->colour, a->env->label);
        return;
    }
    short pair = (short)(THEME_ROLE_COUNT + 1);
    short fg = theme_fit_colour(st.fg, COLORS), bg = theme_fit_colour(st.bg, COLORS);
    if (pair < COLOR_PAIRS && init_pair(pair, fg, bg) == OK) {
        a->env_pair = pair;
        a->env_attr = A_BOLD;
    }
}

static void app_setup_colours(struct app *a)
{
    const char *nc = getenv("NO_COLOR");
    a->colour = has_colors() && !(nc && *nc) && !a->opts.no_color;
    memset(a->pairs, 0, sizeof(a->pairs));
    memset(a->extra, 0, sizeof(a->extra));
    if (!a->colour)
        return;
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        const struct theme_style *st = &a->theme.styles[r];
        /* 256 colours where the terminal has them; else the nearest of
         * its 8 or 16, bright ones as bold */
        short fg = theme_fit_colour(st->fg, COLORS), bg = theme_fit_colour(st->bg, COLORS);
        if (st->fg >= 8 && st->fg < 16 && COLORS < 16)
            a->extra[r] |= A_BOLD;
        if (fg < 0 && bg < 0) {
            a->pairs[r] = 0;
            continue;
        }
        short pair = (short)(r + 1);
        if (pair < COLOR_PAIRS && init_pair(pair, fg, bg) == OK)
            a->pairs[r] = pair;
    }
}

void app_style(struct app *a, WINDOW *w, int role)
{
    if (role < 0 || role >= THEME_ROLE_COUNT)
        role = THEME_NORMAL;
    const struct theme_style *st = &a->theme.styles[role];
    attr_t at = app_attrs(st->attrs) | (a->colour ? a->extra[role] : 0);
    short pair = a->colour ? a->pairs[role] : 0;
    /* without colour, a role that only had colours still has to stand out */
    if (!a->colour && (st->fg >= 0 || st->bg >= 0) && st->attrs == 0 && role != THEME_NORMAL)
        at |= (role == THEME_HEADER || role == THEME_STATUS || role == THEME_SELECTED ||
               role == THEME_BANNER || role == THEME_MATCH)
                  ? A_REVERSE
                  : A_BOLD;
    wattr_set(w, at, pair, NULL);
}

int app_set_theme(struct app *a, const char *name)
{
    struct theme t;
    char errs[2048] = "";
    if (theme_load(&t, name, errs, sizeof(errs)) != 0) {
        size_t l = strlen(errs);
        if (l && errs[l - 1] == '\n')
            errs[l - 1] = '\0';
        app_message(a, THEME_ERROR, "%s", errs);
        return -1;
    }
    a->theme = t;
    free(a->opt_theme);
    a->opt_theme = mem_xstrdup(name);
    a->opts.theme = a->opt_theme;
    app_setup_colours(a);
    app_setup_env_style(a);
    if (errs[0])
        app_message(a, THEME_WARNING, "theme %s: %s", name, errs);
    clearok(curscr, TRUE);
    a->dirty = true;
    return 0;
}

/* ---- text ---- */

/* One code point of text as drawn: the wide character (L'?' for what must
 * not reach the terminal) and its columns; *n the bytes used. */
static wchar_t app_decode(const char *p, size_t left, size_t *n, int *cols)
{
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    wchar_t wc;
    size_t r = mbrtowc(&wc, p, left, &st);
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
        /* invalid or truncated UTF-8: one byte, shown as '?' */
        wc = L'?';
        r = 1;
    }
    if (wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0))
        wc = L'?';
    int cw = wcwidth(wc);
    if (cw < 0) {
        wc = L'?';
        cw = 1;
    }
    *n = r;
    *cols = cw;
    return wc;
}

int app_span_width(const char *text, size_t len)
{
    int w = 0;
    const char *p = text;
    while (len > 0) {
        size_t n;
        int cw;
        app_decode(p, len, &n, &cw);
        w += cw;
        p += n;
        len -= n;
    }
    return w;
}

int app_text_width(const char *text)
{
    return app_span_width(text ? text : "", text ? strlen(text) : 0);
}

int app_put_span(WINDOW *w, int y, int x, int width, int skip, const char *text, size_t len)
{
    if (width <= 0)
        return 0;
    const char *p = text ? text : "";
    int used = 0, col = 0;
    wmove(w, y, x);
    while (len > 0 && used < width) {
        size_t n;
        int cw;
        wchar_t wc = app_decode(p, len, &n, &cw);
        p += n;
        len -= n;
        if (col < skip) {
            col += cw;
            if (col > skip) /* a wide character cut by the left edge */
                for (; col > skip && used < width; col--, used++)
                    waddch(w, ' ');
            continue;
        }
        if (used + cw > width)
            break;
        if (cw > 0) {
            wchar_t s[2] = {wc, 0};
            waddnwstr(w, s, 1);
            used += cw;
            col += cw;
        }
    }
    return used;
}

int app_put(WINDOW *w, int y, int x, int width, const char *text, bool pad)
{
    if (width <= 0)
        return 0;
    const char *t = text ? text : "";
    int used = app_put_span(w, y, x, width, 0, t, strlen(t));
    if (pad) {
        wmove(w, y, x + used);
        for (; used < width; used++)
            waddch(w, ' ');
    }
    return used;
}

void app_wrap(const char *text, int width, void (*line)(void *ctx, const char *s, size_t n),
              void *ctx)
{
    if (width < 1)
        width = 1;
    const char *p = text ? text : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t seg = nl ? (size_t)(nl - p) : strlen(p);
        /* the longest part of this line that fits, cut at a space if any */
        size_t i = 0, last_space = 0;
        int cols = 0;
        while (i < seg) {
            size_t n;
            int cw;
            app_decode(p + i, seg - i, &n, &cw);
            if (cols + cw > width)
                break;
            if (p[i] == ' ')
                last_space = i;
            cols += cw;
            i += n;
        }
        if (i < seg && last_space > 0)
            i = last_space;
        if (i == 0 && seg > 0) {
            size_t n;
            int cw;
            app_decode(p, seg, &n, &cw);
            i = n; /* one character wider than the line: still progress */
        }
        line(ctx, p, i);
        p += i;
        if (i < seg) {
            while (*p == ' ')
                p++;
        } else if (nl) {
            p++;
            if (!*p)
                line(ctx, p, 0);
        }
    }
}

/* ---- drawing ---- */

/* The header: profile, region, account, endpoint (always, wherever it came
 * from) and the environment label on the right. When the full form does
 * not fit, a compact one with the region first, so a narrow terminal never
 * loses the region. */
static void app_draw_header(struct app *a, int cols)
{
    struct session *s = &a->session;
    char lab[96] = "";
    int labw = 0;
    if (a->env) {
        snprintf(lab, sizeof(lab), " %s ", a->env->label);
        labw = app_text_width(lab);
    }
    const char *prof = s->profile ? s->profile : "?", *reg = s->region ? s->region : "?";
    struct buf b;
    buf_init(&b, 4096);
    buf_printf(&b, " elcui  profile %s  region %s", prof, reg);
    if (a->account)
        buf_printf(&b, "  account %s", a->account);
    if (a->endpoint)
        buf_printf(&b, "  endpoint %s", a->endpoint);
    if (app_text_width(buf_str(&b)) + labw > cols) {
        buf_reset(&b);
        buf_printf(&b, " %s  %s", reg, prof);
        if (a->account)
            buf_printf(&b, "  %s", a->account);
        if (a->endpoint)
            buf_printf(&b, "  %s", a->endpoint);
    }
    app_style(a, stdscr, THEME_HEADER);
    app_put(stdscr, 0, 0, cols, buf_str(&b), true);
    /* the environment label, right-aligned and in its own colour, so
     * production cannot be mistaken for anything else; never over the
     * region */
    if (labw && labw + app_text_width(reg) + 2 <= cols) {
        wattr_set(stdscr, a->env_attr, a->env_pair, NULL);
        app_put(stdscr, 0, cols - labw, labw, lab, false);
    }
    buf_free(&b);
}

static void app_frame_stats(struct app *a, uint64_t t0, uint64_t t1)
{
    if (!a->frame_stats)
        return;
    char kn[32] = "-";
    if (a->key_us)
        keymap_key_name(a->last_key, kn, sizeof(kn));
    fprintf(a->frame_stats, "frame=%lu t_us=%llu draw_us=%llu key_us=%llu key=%s\n", a->frames,
            (unsigned long long)t1, (unsigned long long)(t1 - t0), (unsigned long long)a->key_us,
            kn);
    fflush(a->frame_stats);
}

static void app_draw(struct app *a)
{
    uint64_t t0 = app_mono_us();
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    werase(stdscr);
    app_draw_header(a, cols);
    int y = 1;
    if (rows > 2 && (app_read_only(a) || a->opts.insecure)) {
        char line[160];
        app_style(a, stdscr, THEME_BANNER);
        snprintf(line, sizeof(line), "%s%s", app_read_only(a) ? " READ-ONLY " : "",
                 a->opts.insecure ? " INSECURE: Redis TLS certificates are NOT verified " : "");
        app_put(stdscr, y++, 0, cols, line, true);
    }
    if (cols < APP_MIN_COLS || rows < APP_MIN_ROWS) {
        char msg[160];
        app_style(a, stdscr, THEME_WARNING);
        snprintf(msg, sizeof(msg), "Terminal too small: %dx%d.", cols, rows);
        if (y < rows)
            app_put(stdscr, y++, 0, cols, msg, true);
        snprintf(msg, sizeof(msg), "elcui needs at least %dx%d; make the window larger.",
                 APP_MIN_COLS, APP_MIN_ROWS);
        app_style(a, stdscr, THEME_NORMAL);
        if (y < rows)
            app_put(stdscr, y++, 0, cols, msg, true);
        if (y < rows)
            app_put(stdscr, y++, 0, cols, "q quits.", true);
    } else {
        struct screen *top = app_top(a);
        struct screen *base = top;
        while (base && base->ops->dialog)
            base = app_below(a, base);
        if (base) {
            const char *title = base->ops->title ? base->ops->title(base) : base->ops->name;
            app_style(a, stdscr, THEME_TITLE);
            app_put(stdscr, y++, 0, cols, title, true);
            app_style(a, stdscr, THEME_NORMAL);
            base->ops->draw(base, stdscr, y, rows - y - 1, cols);
        }
        if (top && top != base) {
            app_style(a, stdscr, THEME_NORMAL);
            top->ops->draw(top, stdscr, y, rows - y - 1, cols);
        }
        const char *cands = cmdline_candidates_text(a->cmdline);
        if (cmdline_active(a->cmdline) && *cands) {
            app_style(a, stdscr, THEME_KEY);
            app_put(stdscr, rows - 2, 0, cols, cands, true);
        }
        if (cmdline_active(a->cmdline)) {
            app_style(a, stdscr, THEME_NORMAL);
            app_put(stdscr, rows - 1, 0, cols, "", true);
            cmdline_draw(a->cmdline, a, stdscr, rows - 1, cols);
        } else if (a->message[0]) {
            app_style(a, stdscr, a->message_role);
            app_put(stdscr, rows - 1, 0, cols, a->message, true);
        } else {
            char hints[512];
            keymap_hints(&a->km, top ? top->ops->name : "groups", app_read_only(a), hints,
                         sizeof(hints));
            app_style(a, stdscr, THEME_STATUS);
            app_put(stdscr, rows - 1, 0, cols, "", true);
            app_put(stdscr, rows - 1, 1, cols - 1, hints, false);
        }
    }
    app_style(a, stdscr, THEME_NORMAL);
    wnoutrefresh(stdscr);
    doupdate();
    a->frames++;
    app_frame_stats(a, t0, app_mono_us());
}

static void app_before_sleep(void *arg)
{
    struct app *a = arg;
    if (a->quit || a->has_pending)
        return;
    if (a->dirty) {
        a->dirty = false;
        app_draw(a);
    }
}

/* ---- input ---- */

static void app_react(struct app *a, struct screen *s, int r)
{
    if (r & APP_QUIT) {
        app_quit(a);
        return;
    }
    if (r & APP_CLOSE) {
        app_close(a, s);
        if (a->depth == 0)
            app_quit(a);
        return;
    }
    if (r & APP_REDRAW)
        a->dirty = true;
}

static void app_previous(struct app *a)
{
    if (!a->prev_cmd) {
        app_message(a, THEME_DIM, "no previous screen yet");
        return;
    }
    char *cmd = mem_xstrdup(a->prev_cmd);
    cmdline_run(a, cmd);
    free(cmd);
}

static void app_request(struct app *a, struct screen *top, int req)
{
    size_t idx;
    const struct keymap_entry *e = keymap_entry_for(&a->km, req, &idx);
    if (e && (e->flags & KEYMAP_WRITE) && app_read_only(a)) {
        app_message(a, THEME_ERROR, "read-only: %s is refused (%s)", e->name,
                    session_read_only_source(&a->opts));
        return;
    }
    switch (req) {
    case REQ_QUIT:
        app_quit(a);
        return;
    case REQ_HELP:
        if (top && !strcmp(top->ops->name, "help"))
            app_close(a, top);
        else
            app_push(a, screen_help_new(a, top ? top->ops->name : "groups"));
        return;
    case REQ_COMMAND:
        cmdline_open(a->cmdline);
        a->dirty = true;
        return;
    case REQ_REDRAW:
        clearok(curscr, TRUE);
        a->dirty = true;
        return;
    case REQ_PREVIOUS:
        app_previous(a);
        return;
    case REQ_BACK: {
        int r = top ? top->ops->request(top, REQ_BACK) : APP_IGNORED;
        if (r == APP_IGNORED) {
            if (top && a->depth > 1)
                app_close(a, top);
        } else {
            app_react(a, top, r);
        }
        return;
    }
    default:
        if (top)
            app_react(a, top, top->ops->request(top, req));
        return;
    }
}

static void app_key(struct app *a, int key)
{
    a->key_us = app_mono_us();
    a->last_key = key;
    if (a->message[0]) {
        a->message[0] = '\0';
        a->dirty = true;
    }
    if (cmdline_active(a->cmdline)) {
        int r = cmdline_key(a->cmdline, a, key);
        if (r & APP_REDRAW)
            a->dirty = true;
        return;
    }
    struct screen *top = app_top(a);
    if (top && top->ops->input) {
        int r = top->ops->input(top, key);
        if (r != APP_IGNORED) {
            app_react(a, top, r);
            return;
        }
    }
    int req = keymap_lookup(&a->km, top ? top->ops->name : "groups", key);
    if (req != REQ_NONE) {
        app_request(a, top, req);
        return;
    }
    char kn[32];
    keymap_key_name(key, kn, sizeof(kn));
    if (strcmp(kn, "?") != 0) {
        /* a passing note: not kept in :messages */
        snprintf(a->message, sizeof(a->message), "%s: no such key on this screen (? lists them)",
                 kn);
        a->message_role = THEME_DIM;
        a->dirty = true;
    }
}

static void app_tick(void *arg)
{
    struct app *a = arg;
    a->tick = loop_timer(a->session.loop, 1000, app_tick, a);
    struct screen *top = app_top(a);
    /* the top screen, and the one under a dialog, which shows too */
    for (struct screen *s = top; s; s = s->ops->dialog ? app_below(a, s) : NULL)
        if (s->ops->tick && (s->ops->tick(s) & APP_REDRAW))
            a->dirty = true;
}

static void app_stdin(int fd, int revents, void *arg)
{
    (void)fd;
    (void)revents;
    struct app *a = arg;
    wint_t wch;
    int rc;
    while (!a->quit && !a->has_pending && (rc = wget_wch(stdscr, &wch)) != ERR) {
        if (rc == KEY_CODE_YES) {
            if (wch == KEY_RESIZE) {
                a->dirty = true;
                continue;
            }
            app_key(a, keymap_normalize(KEYMAP_FN((int)wch)));
        } else {
            app_key(a, keymap_normalize((int)wch));
        }
    }
}

static void app_winch(int signo, void *arg)
{
    (void)signo;
    struct app *a = arg;
    endwin();
    refresh();
    a->dirty = true;
}

static void app_interrupt(int signo, void *arg)
{
    (void)signo;
    app_quit(arg);
}

/* ---- exit paths: the terminal is restored on every one ---- */

static const int app_fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction app_fatal_old[sizeof(app_fatal_signals) / sizeof(*app_fatal_signals)];

static void app_fatal(int signo, siginfo_t *info, void *uctx)
{
    (void)uctx;
    if (app_curses_on) {
        app_curses_on = 0;
        endwin();
    }
    /* hand the signal to whoever had it before (the default, or a
     * sanitizer that reports the crash): a fault happens again when this
     * returns, a signal that was sent is sent again */
    for (size_t i = 0; i < sizeof(app_fatal_signals) / sizeof(*app_fatal_signals); i++)
        if (app_fatal_signals[i] == signo)
            sigaction(signo, &app_fatal_old[i], NULL);
    if (signo == SIGABRT || !info || info->si_code <= 0)
        raise(signo);
}

static void app_fatal_handlers(bool on)
{
    for (size_t i = 0; i < sizeof(app_fatal_signals) / sizeof(*app_fatal_signals); i++) {
        if (on) {
            struct sigaction sa;
            memset(&sa, 0, sizeof(sa));
            sa.sa_sigaction = app_fatal;
            sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
            sigemptyset(&sa.sa_mask);
            sigaction(app_fatal_signals[i], &sa, &app_fatal_old[i]);
        } else {
            sigaction(app_fatal_signals[i], &app_fatal_old[i], NULL);
        }
    }
}

static void app_restore_stderr(struct app *a);

static void app_atexit(void)
{
    if (app_curses_on) {
        app_curses_on = 0;
        endwin();
    }
    if (app_current)
        app_restore_stderr(app_current);
}

char *app_state_dir(void)
{
    const char *st = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *dir;
    if (st && *st) {
        mkdir(st, 0700);
        dir = mem_xasprintf("%s/elcui", st);
    } else if (home && *home) {
        char *l = mem_xasprintf("%s/.local", home), *ls = mem_xasprintf("%s/.local/state", home);
        mkdir(l, 0700);
        mkdir(ls, 0700);
        free(l);
        free(ls);
        dir = mem_xasprintf("%s/.local/state/elcui", home);
    } else {
        return NULL;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* libcurl, OpenSSL and libxml2 may write to stderr; while curses owns the
 * terminal that would corrupt the screen, so stderr goes to a file that is
 * replayed after endwin (htop's redirectStderr). */
static void app_redirect_stderr(struct app *a)
{
    if (!a->state_dir)
        return;
    snprintf(a->stderr_path, sizeof(a->stderr_path), "%s/console-stderr.log", a->state_dir);
    int fd = open(a->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        a->stderr_path[0] = '\0';
        return;
    }
    fchmod(fd, 0600);
    fflush(stderr);
    a->saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
}

static void app_restore_stderr(struct app *a)
{
    if (a->saved_stderr < 0)
        return;
    fflush(stderr);
    dup2(a->saved_stderr, 2);
    close(a->saved_stderr);
    a->saved_stderr = -1;
    FILE *f = a->stderr_path[0] ? fopen(a->stderr_path, "r") : NULL;
    if (!f)
        return;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, stderr);
    fclose(f);
}

/* ---- the session and what hangs on it ---- */

static void app_on_identity(const struct sts_caller_identity *out, const struct aws_error *err,
                            void *arg)
{
    struct app *a = arg;
    a->sts = NULL;
    if (out && out->account) {
        free(a->account);
        a->account = mem_xstrdup(out->account);
        /* an environment label may name the account rather than the profile */
        if (!a->env && a->config) {
            a->env = config_env_for(a->config, a->session.profile, a->account);
            app_setup_env_style(a);
        }
    } else if (err) {
        char *m = aws_error_format(err);
        app_message(a, THEME_WARNING, "account unknown: STS GetCallerIdentity: %s", m);
        free(m);
    }
    a->dirty = true;
}

static void app_session_started(struct app *a)
{
    struct loop *l = a->session.loop;
    loop_watch(l, 0, REACTOR_READ, app_stdin, a);
    loop_on_signal(l, SIGWINCH, app_winch, a);
    loop_on_signal(l, SIGINT, app_interrupt, a);
    loop_on_signal(l, SIGTERM, app_interrupt, a);
    loop_on_signal(l, SIGHUP, app_interrupt, a);
    loop_before_sleep(l, app_before_sleep, a);
    a->tick = loop_timer(l, 1000, app_tick, a);
    free(a->endpoint);
    a->endpoint = NULL;
    bool custom = false;
    char *ep = profile_resolve_endpoint(a->session.store, a->session.profile, &svc_elasticache,
                                        a->session.region, a->opts.endpoint_url, &custom);
    if (custom)
        a->endpoint = ep;
    else
        free(ep);
    free(a->account);
    a->account = NULL;
    a->env = a->config ? config_env_for(a->config, a->session.profile, NULL) : NULL;
    app_setup_env_style(a);
    a->sts = sts_get_caller_identity(a->session.aws, app_on_identity, a);
    app_push(a, screen_groups_new(a));
    a->dirty = true;
}

static void app_session_stopping(struct app *a)
{
    while (a->depth)
        app_close(a, a->stack[a->depth - 1]);
    if (a->sts)
        aws_call_cancel(a->sts);
    a->sts = NULL;
    if (a->tick)
        loop_untimer(a->session.loop, a->tick);
    a->tick = NULL;
    app_set_groups(a, NULL, 0);
    free(a->prev_cmd);
    a->prev_cmd = NULL;
}

int app_reopen(struct app *a, const char *profile, const char *region)
{
    if (a->has_pending)
        return 0;
    struct session_options keep = a->opts;
    char *np = profile ? mem_xstrdup(profile) : NULL, *nr = region ? mem_xstrdup(region) : NULL;
    if (np)
        a->opts.profile = np;
    if (nr)
        a->opts.region = nr;
    struct aws_error err;
    aws_error_init(&err);
    if (session_open(&a->pending, &a->opts, &err) != 0) {
        char *m = aws_error_format(&err);
        app_message(a, THEME_ERROR, "cannot open the session: %s", m);
        free(m);
        aws_error_clear(&err);
        session_close(&a->pending);
        a->opts = keep;
        free(np);
        free(nr);
        return -1;
    }
    if (np) {
        free(a->opt_profile);
        a->opt_profile = np;
    }
    if (nr) {
        free(a->opt_region);
        a->opt_region = nr;
    }
    a->has_pending = true;
    loop_stop(a->session.loop, 0);
    return 0;
}

/* After the loop stopped for :profile or :region: close the old session
 * and start the screens on the new one. Signals are held meanwhile, so a
 * SIGTERM in between still reaches a handler that restores the terminal. */
static void app_swap_session(struct app *a)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &old);
    app_session_stopping(a);
    session_close(&a->session);
    a->session = a->pending;
    memset(&a->pending, 0, sizeof(a->pending));
    a->has_pending = false;
    app_session_started(a);
    sigprocmask(SIG_SETMASK, &old, NULL);
    session_print_warnings(&a->session, stderr);
    app_message(a, THEME_OK, "session: profile %s, region %s", a->session.profile,
                a->session.region);
}

/* [keys] of the config file over the built-in keymap; every problem is
 * printed and the console does not start. */
static int app_setup_keys(struct app *a)
{
    char errs[8192];
    if (keymap_load(&a->km, a->config, errs, sizeof(errs)) == 0)
        return 0;
    for (const char *p = errs; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "elcui: %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
    fprintf(stderr, "elcui: the console does not start with these [keys] problems "
                    "(elcui keys lists every request and its keys)\n");
    return -1;
}

static void app_free(struct app *a)
{
    for (size_t i = 0; i < a->nmsgs; i++)
        free(a->msgs[(a->msg_first + i) % APP_MAX_MESSAGES].text);
    app_set_groups(a, NULL, 0);
    free(a->groups);
    cmdline_free(a->cmdline);
    keymap_free(&a->km);
    free(a->account);
    free(a->endpoint);
    free(a->prev_cmd);
    free(a->state_dir);
    free(a->opt_profile);
    free(a->opt_region);
    free(a->opt_theme);
    if (a->frame_stats)
        fclose(a->frame_stats);
    free(a);
}

static void app_open_frame_stats(struct app *a)
{
    const char *p = getenv("ELCUI_FRAME_STATS");
    if (!p || !*p)
        return;
    int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "elcui: ELCUI_FRAME_STATS: %s: %s\n", p, strerror(errno));
        return;
    }
    a->frame_stats = fdopen(fd, "a");
    if (!a->frame_stats)
        close(fd);
}

int app_run(struct session_options *opts)
{
    if (!isatty(0) || !isatty(1)) {
        fprintf(stderr, "elcui: the console needs a terminal; use a command instead "
                        "(elcui --help)\n");
        return 1;
    }
    struct app *a = mem_xcalloc(1, sizeof(*a));
    a->opts = *opts;
    a->config = opts->config;
    a->saved_stderr = -1;
    a->read_only_locked = opts->read_only;
    theme_default(&a->theme);
    if (app_setup_keys(a) != 0) {
        app_free(a);
        return 2;
    }
    char errs[2048] = "";
    if (opts->theme && theme_load(&a->theme, opts->theme, errs, sizeof(errs)) != 0) {
        fprintf(stderr, "elcui: %s", errs);
        app_free(a);
        return 2;
    }
    struct aws_error err;
    aws_error_init(&err);
    if (session_open(&a->session, &a->opts, &err) != 0) {
        char *m = aws_error_format(&err);
        fprintf(stderr, "elcui: %s\n", m);
        free(m);
        aws_error_clear(&err);
        session_close(&a->session);
        app_free(a);
        return 1;
    }
    session_print_warnings(&a->session, stderr);
    a->state_dir = app_state_dir();
    char *hist = a->state_dir ? mem_xasprintf("%s/cmdline_history", a->state_dir) : NULL;
    a->cmdline = cmdline_new(hist);
    free(hist);
    app_open_frame_stats(a);
    setlocale(LC_ALL, "");
    setenv("ESCDELAY", "25", 0);
    app_current = a;
    atexit(app_atexit);
    app_redirect_stderr(a);
    app_fatal_handlers(true);
    initscr();
    app_curses_on = 1;
    cbreak();
    noecho();
    nonl();
    /* C-s and C-q are keys (the log panel saves with C-s), not flow
     * control that would stop the screen; kept as curses' program mode */
    struct termios tio;
    if (tcgetattr(0, &tio) == 0) {
        tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
        tcsetattr(0, TCSANOW, &tio);
        def_prog_mode();
    }
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
    app_setup_colours(a);
    if (errs[0])
        app_message(a, THEME_WARNING, "theme: %s", errs);

    app_session_started(a);
    for (;;) {
        loop_run(a->session.loop);
        if (!a->has_pending || a->quit)
            break;
        app_swap_session(a);
    }

    app_session_stopping(a);
    if (a->has_pending)
        session_close(&a->pending);
    app_curses_on = 0;
    endwin();
    app_fatal_handlers(false);
    app_restore_stderr(a);
    app_current = NULL;
    session_close(&a->session);
    app_free(a);
    return 0;
}
