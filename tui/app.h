/* app.h - the console: curses set-up, the screen stack, the context header
 * and the status line, all driven by core's one event loop.
 *
 * Screens are ops records with private state (tig's view_ops). Keys go to
 * the top screen, which answers with reaction flags; only the app redraws,
 * once per loop wake-up, from a before-sleep hook (wnoutrefresh +
 * doupdate). Nothing here waits on the network: screens start engine
 * requests and mark themselves dirty when callbacks deliver.
 */
#ifndef ELCUI_TUI_APP_H
#define ELCUI_TUI_APP_H

#include <curses.h>
#include <stdbool.h>

#include "core/session.h"
#include "tui/theme.h"

struct app;
struct screen;

enum {
    APP_HANDLED = 1,
    APP_IGNORED = 2,
    APP_REDRAW = 4,
    APP_CLOSE = 8, /* pop this screen */
    APP_QUIT = 16,
};

struct screen_ops {
    const char *name;
    /* Draw into the body area (rows x cols at y0). */
    void (*draw)(struct screen *s, WINDOW *w, int y0, int rows, int cols);
    int (*key)(struct screen *s, int key);
    void (*destroy)(struct screen *s);
    /* Title for the line under the header (may be NULL). */
    const char *(*title)(struct screen *s);
    /* Key hints for the status line. */
    const char *hints;
};

struct screen {
    const struct screen_ops *ops;
    struct app *app;
    void *priv;
};

int app_run(struct session_options *opts);

/* For screens. */
struct session *app_session(struct app *a);
const struct theme *app_theme(struct app *a);
void app_push(struct app *a, struct screen *s);
void app_dirty(struct app *a);
/* Message in the status line until the next key (errors: THEME_ERROR). */
void app_message(struct app *a, int role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set curses attributes for a role on a window. */
void app_style(struct app *a, WINDOW *w, int role);
/* Draw text clipped to width, with control characters shown as '?' and
 * invalid UTF-8 replaced, padded with spaces when pad is true. Returns the
 * columns used. */
int app_put(WINDOW *w, int y, int x, int width, const char *text, bool pad);

#endif
