/* theme.h - semantic colour roles and theme files.
 *
 * Draw code names roles (THEME_PRIMARY, THEME_WARNING...), never colours.
 * A theme file maps roles to styles in tmux's form, one per line:
 *     primary = fg=green,bold
 *     warning = fg=colour214,bg=default,reverse
 * Lines starting with # or ; are comments. Unknown roles and bad styles are
 * reported with file and line and otherwise ignored. With NO_COLOR, a
 * monochrome terminal or --no-color, only attributes are used.
 */
#ifndef ELCUI_TUI_THEME_H
#define ELCUI_TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>

enum theme_role {
    THEME_NORMAL,
    THEME_HEADER,   /* context bar: account, profile, region */
    THEME_TITLE,    /* screen title */
    THEME_STATUS,   /* bottom status line */
    THEME_KEY,      /* key hints in the status line */
    THEME_SELECTED, /* selected row */
    THEME_COLUMN,   /* column headings */
    THEME_PRIMARY,  /* primary node */
    THEME_REPLICA,  /* replica node */
    THEME_FAILED,   /* failed / unreachable */
    THEME_OK,       /* available, healthy */
    THEME_BUSY,     /* creating, modifying, deleting */
    THEME_WARNING,  /* risks, degraded */
    THEME_ERROR,    /* errors */
    THEME_DIM,      /* secondary text, stale data */
    THEME_SLOW,     /* slow-log entries */
    THEME_BANNER,   /* read-only / insecure banners */
    THEME_MATCH,    /* text a filter matched */
    THEME_ROLE_COUNT
};

struct theme_style {
    short fg;       /* -1 = terminal default */
    short bg;       /* -1 = terminal default */
    unsigned attrs; /* THEME_ATTR_* */
};

enum {
    THEME_ATTR_BOLD = 1,
    THEME_ATTR_UNDERLINE = 2,
    THEME_ATTR_REVERSE = 4,
    THEME_ATTR_DIM = 8,
    THEME_ATTR_ITALIC = 16,
};

struct theme {
    char name[64];
    struct theme_style styles[THEME_ROLE_COUNT];
};

/* The built-in default theme. */
void theme_default(struct theme *t);
const char *theme_role_name(enum theme_role r);
/* Parse theme text over t (starting from whatever t holds). Each problem
 * is appended to errs (one line each, "LINE: message"); returns the number
 * of problems. Never fails hard. */
int theme_parse(struct theme *t, const char *text, size_t len, char *errs, size_t errs_len);
/* Parse one style string ("fg=red,bold"); false when invalid. */
bool theme_parse_style(const char *s, struct theme_style *out);
/* Load a theme by name or path: a path if it contains '/', else
 * $XDG_CONFIG_HOME/elcui/themes/NAME.theme, then the installed themes
 * folder, then ./themes/NAME.theme. Problems go to errs. 0 on success. */
int theme_load(struct theme *t, const char *name, char *errs, size_t errs_len);
/* A colour the terminal has: c when c < colors, else the nearest of its
 * 16 or 8 colours by the xterm palette's RGB values (a 256-colour theme
 * degrades on an 8-colour terminal); -1 (the default) stays -1. */
short theme_fit_colour(short c, int colors);
/* Every theme name theme_load can find (user folder, installed, ./themes),
 * each once. */
void theme_list(void (*emit)(void *ctx, const char *name), void *ctx);

#endif
