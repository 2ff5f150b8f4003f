/* app.h - the console: curses set-up, the screen stack, the context header,
 * the status line and the key dispatch, all driven by core's one event
 * loop.
 *
 * Screens are ops records with private state behind priv (tig's view_ops);
 * nothing outside a screen's file looks into its priv. Keys go through the
 * keymap (tui/keymap.h): a key a screen is typing into (a filter, a
 * dialog's field) goes to its input op first, then the keymap turns the
 * key into a request for the top screen (REQ_* of its scopes) or for the
 * app (quit, help, command line, back, previous, redraw). Screens answer
 * with reaction flags; the app redraws only when a screen, a callback or
 * a resize said something changed, once per loop wake-up, from a
 * before-sleep hook (wnoutrefresh + doupdate). Nothing here waits on the
 * network: screens start engine requests and call app_dirty when their
 * callbacks deliver.
 *
 * Adding a screen: a file in tui/screen/ with its ops (name = its line in
 * KEYMAP_SCREENS), its requests in KEYMAP_REQUESTS, and one `:` command in
 * tui/cmdline.c that calls its constructor and app_push.
 */
#ifndef ELCUI_TUI_APP_H
#define ELCUI_TUI_APP_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/redis/observe.h"
#include "core/session.h"
#include "core/snapshot.h"
#include "tui/keymap.h"
#include "tui/theme.h"

struct app;
struct screen;
struct config;

/* Reaction flags of requests and input. */
enum {
    APP_HANDLED = 1, /* the key was used; nothing to redraw */
    APP_IGNORED = 2, /* not this screen's */
    APP_REDRAW = 4,  /* something shown changed */
    APP_CLOSE = 8,   /* close this screen */
    APP_QUIT = 16,
};

/* The smallest terminal every screen is made for. */
#define APP_MIN_COLS 80
#define APP_MIN_ROWS 24

struct screen_ops {
    const char *name; /* its line in KEYMAP_SCREENS */
    /* Draw the body: rows x cols from line y0. */
    void (*draw)(struct screen *s, WINDOW *w, int y0, int rows, int cols);
    /* A request of the keymap (REQ_*): APP_* flags. REQ_BACK comes here
     * first; APP_IGNORED lets the app close the screen. */
    int (*request)(struct screen *s, int req);
    /* Raw keys while the screen types into a field (NULL: never):
     * APP_IGNORED hands the key to the keymap. */
    int (*input)(struct screen *s, int key);
    /* The line under the header (NULL: the name). */
    const char *(*title)(struct screen *s);
    /* Once a second (NULL: nothing ages): APP_REDRAW when what it shows
     * changed with time (ages, countdowns). */
    int (*tick)(struct screen *s);
    /* The `:` command that opens this screen again, for `-` (caller
     * frees; NULL: none). */
    char *(*command)(struct screen *s);
    /* The replication group the screen is about - its own, or the one
     * selected - for `:` commands given no NAME (NULL op or result:
     * none). */
    const char *(*group)(struct screen *s);
    void (*destroy)(struct screen *s);
    /* Drawn in a box over the screen below (dialogs). */
    bool dialog;
};

struct screen {
    const struct screen_ops *ops;
    struct app *app;
    void *priv;
};

int app_run(struct session_options *opts);

/* ---- for screens ---- */

/* A screen with its ops and private state (what destroy frees). */
struct screen *app_screen_new(struct app *a, const struct screen_ops *ops, void *priv);
struct session *app_session(struct app *a);
const struct config *app_config(struct app *a);
const struct theme *app_theme(struct app *a);
const struct keymap *app_keymap(struct app *a);
void app_push(struct app *a, struct screen *s);
/* Remove s from the stack, wherever it is, and destroy it. */
void app_close(struct app *a, struct screen *s);
struct screen *app_top(struct app *a);
/* The topmost screen with this ops name, or NULL. */
struct screen *app_find(struct app *a, const char *name);
/* Close every screen above s, making it the top. */
void app_raise(struct app *a, struct screen *s);
/* The screen under s, or NULL. */
struct screen *app_below(struct app *a, struct screen *s);
/* The group the topmost screen that names one is about (its group op),
 * or NULL. */
const char *app_current_group(struct app *a);
void app_dirty(struct app *a);
/* A message in the status line until the next key, also kept in the
 * messages screen (:messages). role: THEME_ERROR, THEME_WARNING... */
void app_message(struct app *a, int role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Messages kept, oldest first: time (epoch ms), role, text. */
size_t app_messages(struct app *a);
/* Grows by one with every message (the list is capped, its count is not). */
unsigned long app_message_serial(struct app *a);
const char *app_message_at(struct app *a, size_t i, int *role, int64_t *when_ms);
void app_quit(struct app *a);
/* Hand the terminal to a program ($PAGER): curses is suspended, argv run
 * with execvp (never a shell) in the foreground until it ends, and the
 * screen restored. The loop does not run meanwhile. Returns its exit
 * status (127: not found), or -1 with errno when it could not start. */
int app_run_external(struct app *a, char *const argv[]);
/* Wall clock, epoch ms (the loop's). */
int64_t app_now_ms(struct app *a);

/* Read-only: the session's one predicate. Turning it on always works;
 * off only when it was not set by --read-only or the config file (-1,
 * with a message). */
bool app_read_only(struct app *a);
int app_set_read_only(struct app *a, bool on);
bool app_read_only_locked(struct app *a);
/* Switch the theme live (name or path); -1 with a message when it cannot
 * be loaded (the current theme stays). */
int app_set_theme(struct app *a, const char *name);
/* Open the session again with another profile or region (NULL: keep);
 * every screen closes (requests in flight are cancelled) and the groups
 * screen opens on the new session. Happens once the current key is
 * handled. -1 with a message when the new session cannot be opened. */
int app_reopen(struct app *a, const char *profile, const char *region);
/* The account id from STS GetCallerIdentity, NULL until known. */
const char *app_account(struct app *a);
/* The ElastiCache endpoint when it is not AWS's default (flag, environment
 * or profile), else NULL. */
const char *app_endpoint(struct app *a);
/* The log hook of incident snapshots: while the log panel tails a group
 * it registers where its records are (fn NULL when it closes); :snapshot
 * takes the last SNAPSHOT_LOG_MAX records of the tail of its group from
 * it. */
void app_set_log_source(struct app *a, snapshot_logs_fn fn, void *arg);
snapshot_logs_fn app_log_source(struct app *a, void **arg);
/* Options for a Redis observation of group rg_id (core/redis/observe.h)
 * on this session: its loop, AWS client, credentials, region, CA,
 * --insecure and --connect-to rules; interval_ms, on_update and arg are
 * the caller's to set. */
void app_observe_options(struct app *a, const char *rg_id, struct observe_options *o);
/* Group ids known from the last listing (for :group completion). */
void app_set_groups(struct app *a, const char *const *ids, size_t n);
size_t app_groups(struct app *a, const char *const **ids);

/* ---- drawing ---- */

/* Set curses attributes for a role on a window. */
void app_style(struct app *a, WINDOW *w, int role);
/* Draw text clipped to width, with control characters shown as '?' and
 * invalid UTF-8 replaced, padded with spaces when pad is true. Returns the
 * columns used. */
int app_put(WINDOW *w, int y, int x, int width, const char *text, bool pad);
/* The same for len bytes of text, leaving out its first skip columns. */
int app_put_span(WINDOW *w, int y, int x, int width, int skip, const char *text, size_t len);
/* Columns text takes on screen (as app_put draws it). */
int app_text_width(const char *text);
int app_span_width(const char *text, size_t len);
/* Wrap text into lines of at most width columns (at spaces when it can);
 * calls line for each. */
void app_wrap(const char *text, int width, void (*line)(void *ctx, const char *s, size_t n),
              void *ctx);

/* $XDG_STATE_HOME/elcui (~/.local/state/elcui), made 0700 (caller frees);
 * NULL when neither variable is set or it cannot be made. */
char *app_state_dir(void);

#endif
