/* app.c - curses set-up, screen stack, header, status line, key dispatch. */
#include "tui/app.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/config.h"
#include "tui/screen/screen_groups.h"
#include "tui/screen/screen_info.h"

#define APP_MAX_SCREENS 32

struct app {
    struct session session;
    struct session_options *opts;
    struct theme theme;
    bool colour;
    short pairs[THEME_ROLE_COUNT];
    struct screen *stack[APP_MAX_SCREENS];
    int depth;
    bool dirty;
    bool quit;
    char message[512];
    int message_role;
    const struct config_env *env; /* environment label for this profile */
    attr_t env_attr;
    short env_pair;
    struct loop_timer *tick; /* redraws once a second: data ages move */
    int saved_stderr;
    char stderr_path[1024];
};

struct session *app_session(struct app *a)
{
    return &a->session;
}

const struct theme *app_theme(struct app *a)
{
    return &a->theme;
}

void app_dirty(struct app *a)
{
    a->dirty = true;
}

void app_message(struct app *a, int role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof(a->message), fmt, ap);
    va_end(ap);
    a->message_role = role;
    a->dirty = true;
}

void app_push(struct app *a, struct screen *s)
{
    if (a->depth >= APP_MAX_SCREENS) {
        app_message(a, THEME_ERROR, "too many screens open");
        if (s->ops->destroy)
            s->ops->destroy(s);
        return;
    }
    s->app = a;
    a->stack[a->depth++] = s;
    a->dirty = true;
}

static void app_pop(struct app *a)
{
    if (a->depth == 0)
        return;
    struct screen *s = a->stack[--a->depth];
    if (s->ops->destroy)
        s->ops->destroy(s);
    a->dirty = true;
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
    if (pair < COLOR_PAIRS && st.bg < COLORS && init_pair(pair, st.fg, st.bg) == OK) {
        a->env_pair = pair;
        a->env_attr = A_BOLD;
    }
}

static void app_setup_colours(struct app *a)
{
    const char *nc = getenv("NO_COLOR");
    a->colour = has_colors() && !(nc && *nc) && !a->opts->no_color;
    if (!a->colour)
        return;
    start_color();
    use_default_colors();
    for (int r = 0; r < THEME_ROLE_COUNT; r++) {
        const struct theme_style *st = &a->theme.styles[r];
        short fg = st->fg < COLORS ? st->fg : -1, bg = st->bg < COLORS ? st->bg : -1;
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
    attr_t at = app_attrs(st->attrs);
    short pair = a->colour ? a->pairs[role] : 0;
    if (!a->colour && (st->fg >= 0 || st->bg >= 0) && st->attrs == 0 && role != THEME_NORMAL)
        at |= (role == THEME_HEADER || role == THEME_STATUS || role == THEME_SELECTED ||
               role == THEME_BANNER)
                  ? A_REVERSE
                  : A_BOLD;
    wattr_set(w, at, pair, NULL);
}

/* ---- text ---- */

int app_put(WINDOW *w, int y, int x, int width, const char *text, bool pad)
{
    if (width <= 0)
        return 0;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    const char *p = text ? text : "";
    size_t left = strlen(p);
    int used = 0;
    wmove(w, y, x);
    while (left > 0 && used < width) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, p, left, &st);
        int cw;
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            /* invalid or truncated UTF-8: one byte, shown as '?' */
            memset(&st, 0, sizeof(st));
            wc = L'?';
            n = 1;
        }
        if (wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0))
            wc = L'?';
        cw = wcwidth(wc);
        if (cw < 0) {
            wc = L'?';
            cw = 1;
        }
        if (used + cw > width)
            break;
        if (cw > 0) {
            wchar_t s[2] = {wc, 0};
            waddnwstr(w, s, 1);
            used += cw;
        }
        p += n;
        left -= n;
    }
    if (pad)
        for (; used < width; used++)
            waddch(w, ' ');
    return used;
}

/* ---- drawing ---- */

static void app_draw(struct app *a)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    werase(stdscr);
    if (rows < 6 || cols < 30) {
        app_style(a, stdscr, THEME_WARNING);
        char msg[64];
        snprintf(msg, sizeof(msg), "terminal too small (%dx%d)", cols, rows);
        app_put(stdscr, 0, 0, cols, msg, false);
        if (rows > 1)
            app_put(stdscr, 1, 0, cols, "q: quit", false);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    struct session *s = &a->session;
    char line[1024];
    snprintf(line, sizeof(line), " elcui  profile %s  region %s%s%s", s->profile ? s->profile : "?",
             s->region ? s->region : "?", s->opts && s->opts->endpoint_url ? "  endpoint " : "",
             s->opts && s->opts->endpoint_url ? s->opts->endpoint_url : "");
    app_style(a, stdscr, THEME_HEADER);
    app_put(stdscr, 0, 0, cols, line, true);
    if (a->env) {
        /* the environment label, right-aligned and in its own colour, so
         * production cannot be mistaken for anything else */
        char lab[80];
        snprintf(lab, sizeof(lab), " %s ", a->env->label);
        int w = (int)strlen(lab);
        if (w < cols / 2) {
            wattr_set(stdscr, a->env_attr, a->env_pair, NULL);
            app_put(stdscr, 0, cols - w, w, lab, false);
        }
    }
    int y = 1;
    if (a->opts->read_only || a->opts->insecure) {
        app_style(a, stdscr, THEME_BANNER);
        snprintf(line, sizeof(line), "%s%s", a->opts->read_only ? " READ-ONLY " : "",
                 a->opts->insecure ? " INSECURE: Redis TLS certificates are NOT verified " : "");
        app_put(stdscr, y++, 0, cols, line, true);
    }
    struct screen *top = a->depth ? a->stack[a->depth - 1] : NULL;
    if (top) {
        const char *title = top->ops->title ? top->ops->title(top) : top->ops->name;
        app_style(a, stdscr, THEME_TITLE);
        app_put(stdscr, y++, 0, cols, title, true);
        app_style(a, stdscr, THEME_NORMAL);
        top->ops->draw(top, stdscr, y, rows - y - 1, cols);
    }
    if (a->message[0]) {
        app_style(a, stdscr, a->message_role);
        app_put(stdscr, rows - 1, 0, cols, a->message, true);
    } else {
        app_style(a, stdscr, THEME_STATUS);
        snprintf(line, sizeof(line), " %s  q quit", top && top->ops->hints ? top->ops->hints : "");
        app_put(stdscr, rows - 1, 0, cols, line, true);
    }
    app_style(a, stdscr, THEME_NORMAL);
    wnoutrefresh(stdscr);
    doupdate();
}

static void app_before_sleep(void *arg)
{
    struct app *a = arg;
    if (a->quit)
        return;
    if (a->dirty) {
        a->dirty = false;
        app_draw(a);
    }
}

/* ---- input ---- */

static void app_quit(struct app *a)
{
    a->quit = true;
    loop_stop(a->session.loop, 0);
}

static void app_key(struct app *a, int ch)
{
    if (ch == KEY_RESIZE) {
        a->dirty = true;
        return;
    }
    a->message[0] = '\0';
    a->dirty = true;
    struct screen *top = a->depth ? a->stack[a->depth - 1] : NULL;
    int r = top ? top->ops->key(top, ch) : APP_IGNORED;
    if (r & APP_QUIT) {
        app_quit(a);
        return;
    }
    if (r & APP_CLOSE) {
        app_pop(a);
        if (a->depth == 0)
            app_quit(a);
        return;
    }
    if (r & APP_IGNORED) {
        if (ch == 'q' || ch == 'Q') {
            app_quit(a);
        } else if (ch == 27 || ch == KEY_LEFT || ch == 'h') {
            if (a->depth > 1)
                app_pop(a);
        }
    }
}

static void app_tick(void *arg)
{
    struct app *a = arg;
    a->dirty = true;
    a->tick = loop_timer(a->session.loop, 1000, app_tick, a);
}

static void app_stdin(int fd, int revents, void *arg)
{
    (void)fd;
    (void)revents;
    struct app *a = arg;
    int ch;
    while ((ch = getch()) != ERR)
        app_key(a, ch);
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

/* libcurl, OpenSSL and libxml2 may write to stderr; while curses owns the
 * terminal that would corrupt the screen, so stderr goes to a file that is
 * replayed after endwin (htop's redirectStderr). */
static void app_redirect_stderr(struct app *a)
{
    const char *st = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char dir[900];
    if (st && *st)
        snprintf(dir, sizeof(dir), "%s/elcui", st);
    else if (home && *home)
        snprintf(dir, sizeof(dir), "%s/.local/state/elcui", home);
    else
        return;
    char parent[900];
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        mkdir(parent, 0700);
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return;
    snprintf(a->stderr_path, sizeof(a->stderr_path), "%s/console-stderr.log", dir);
    int fd = open(a->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        a->stderr_path[0] = '\0';
        return;
    }
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

int app_run(struct session_options *opts)
{
    if (!isatty(0) || !isatty(1)) {
        fprintf(stderr, "elcui: the console needs a terminal; use a command instead "
                        "(elcui --help)\n");
        return 1;
    }
    struct app *a = mem_xcalloc(1, sizeof(*a));
    a->opts = opts;
    a->saved_stderr = -1;
    theme_default(&a->theme);
    char errs[2048] = "";
    if (opts->theme && theme_load(&a->theme, opts->theme, errs, sizeof(errs)) != 0) {
        fprintf(stderr, "elcui: %s", errs);
        free(a);
        return 2;
    }
    struct aws_error err;
    aws_error_init(&err);
    if (session_open(&a->session, opts, &err) != 0) {
        char *m = aws_error_format(&err);
        fprintf(stderr, "elcui: %s\n", m);
        free(m);
        aws_error_clear(&err);
        session_close(&a->session);
        free(a);
        return 1;
    }
    session_print_warnings(&a->session, stderr);
    setlocale(LC_ALL, "");
    setenv("ESCDELAY", "25", 0);
    app_redirect_stderr(a);
    initscr();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    app_setup_colours(a);
    if (opts->config)
        a->env = config_env_for(opts->config, a->session.profile, NULL);
    app_setup_env_style(a);
    if (errs[0])
        app_message(a, THEME_WARNING, "theme: %s", errs);

    struct loop *l = a->session.loop;
    loop_watch(l, 0, REACTOR_READ, app_stdin, a);
    loop_on_signal(l, SIGWINCH, app_winch, a);
    loop_on_signal(l, SIGINT, app_interrupt, a);
    loop_on_signal(l, SIGTERM, app_interrupt, a);
    loop_before_sleep(l, app_before_sleep, a);
    app_push(a, screen_groups_new(a));
    a->tick = loop_timer(l, 1000, app_tick, a);
    a->dirty = true;
    loop_run(l);

    loop_untimer(l, a->tick);
    while (a->depth)
        app_pop(a);
    endwin();
    app_restore_stderr(a);
    session_close(&a->session);
    free(a);
    return 0;
}
