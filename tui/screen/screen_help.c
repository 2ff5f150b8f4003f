/* screen_help.c - the keys of a screen from the keymap, then the `:`
 * commands and the editing keys. */
#include "tui/screen/screen_help.h"

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "tui/cmdline.h"
#include "tui/widget/listview.h"

#define SCREEN_HELP_KEYS_W 22
#define SCREEN_HELP_NAME_W 14

struct screen_help {
    char *for_screen;
    struct listview lv;
    bool read_only; /* as last built */
    char title[160];
};

static void screen_help_build(struct screen *s)
{
    struct screen_help *h = s->priv;
    const struct keymap *km = app_keymap(s->app);
    h->read_only = app_read_only(s->app);
    struct listview *lv = &h->lv;
    listview_begin(lv);
    const struct keymap_screen *sc = keymap_screen_find(km, h->for_screen);
    size_t r = listview_add(lv);
    listview_seg(lv, r, THEME_TITLE, 0, "Keys of the %s screen%s%s", h->for_screen, sc ? ": " : "",
                 sc ? sc->summary : "");
    r = listview_add(lv);
    listview_seg(lv, r, THEME_COLUMN, SCREEN_HELP_KEYS_W, "KEYS");
    listview_seg(lv, r, THEME_COLUMN, SCREEN_HELP_NAME_W, "REQUEST");
    listview_seg(lv, r, THEME_COLUMN, 0, "WHAT IT DOES");
    for (size_t i = 0; i < km->n; i++) {
        if (!keymap_applies(km, i, h->for_screen))
            continue;
        const struct keymap_entry *e = &km->entries[i];
        bool off = h->read_only && (e->flags & KEYMAP_WRITE);
        char keys[128];
        keymap_keys_text(km, i, " ", keys, sizeof(keys));
        r = listview_add(lv);
        listview_seg(lv, r, off ? THEME_DIM : THEME_KEY, SCREEN_HELP_KEYS_W, "%s",
                     keys[0] ? keys : "(none)");
        listview_seg(lv, r, off ? THEME_DIM : THEME_NORMAL, SCREEN_HELP_NAME_W, "%s", e->name);
        listview_seg(lv, r, off ? THEME_DIM : THEME_NORMAL, 0, "%s%s", e->help,
                     off ? "  (read-only: refused)" : "");
    }
    listview_add(lv);
    r = listview_add(lv);
    listview_seg(lv, r, THEME_TITLE, 0, "Commands (type : then the command; Tab completes)");
    for (size_t i = 0; i < cmdline_ncmds; i++) {
        const struct cmdline_cmd *c = &cmdline_cmds[i];
        r = listview_add(lv);
        listview_seg(lv, r, THEME_KEY, SCREEN_HELP_KEYS_W, ":%s%s%s", c->name,
                     c->args[0] ? " " : "", c->args);
        listview_seg(lv, r, THEME_NORMAL, 0, "%s%s%s%s", c->help, c->aliases[0] ? "  (also :" : "",
                     c->aliases, c->aliases[0] ? ")" : "");
    }
    listview_add(lv);
    r = listview_add(lv);
    listview_seg(lv, r, THEME_TITLE, 0, "While typing (a filter, the : line, a dialog)");
    static const char *const editing[][2] = {
        {"Enter", "keep the filter, run the command, confirm"},
        {"Esc", "drop the filter, leave the : line, cancel"},
        {"Tab", ": line: complete; again: the next candidate"},
        {"Up Down", ": line: the history"},
        {"Left Right Home End", "move (also C-b C-f C-a C-e)"},
        {"Backspace Del", "delete (C-u to the start, C-k to the end, C-w a word)"},
        {"~regex", "a filter starting with ~ is a POSIX extended regex"},
    };
    for (size_t i = 0; i < sizeof(editing) / sizeof(*editing); i++) {
        r = listview_add(lv);
        listview_seg(lv, r, THEME_KEY, SCREEN_HELP_KEYS_W, "%s", editing[i][0]);
        listview_seg(lv, r, THEME_NORMAL, 0, "%s", editing[i][1]);
    }
    listview_end(lv);
}

static void screen_help_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_help *h = s->priv;
    if (h->read_only != app_read_only(s->app))
        screen_help_build(s);
    listview_draw(&h->lv, s->app, w, y0, 0, rows, cols, true);
}

static int screen_help_request(struct screen *s, int req)
{
    struct screen_help *h = s->priv;
    return listview_request(&h->lv, req);
}

static int screen_help_input(struct screen *s, int key)
{
    struct screen_help *h = s->priv;
    return listview_input(&h->lv, key);
}

static const char *screen_help_title(struct screen *s)
{
    struct screen_help *h = s->priv;
    snprintf(h->title, sizeof(h->title), " Help: %s  (Esc or ? closes)", h->for_screen);
    return h->title;
}

static void screen_help_destroy(struct screen *s)
{
    struct screen_help *h = s->priv;
    listview_free(&h->lv);
    free(h->for_screen);
    free(h);
    free(s);
}

static const struct screen_ops screen_help_ops = {
    .name = "help",
    .draw = screen_help_draw,
    .request = screen_help_request,
    .input = screen_help_input,
    .title = screen_help_title,
    .destroy = screen_help_destroy,
};

struct screen *screen_help_new(struct app *a, const char *for_screen)
{
    struct screen_help *h = mem_xcalloc(1, sizeof(*h));
    h->for_screen = mem_xstrdup(for_screen);
    listview_init_pager(&h->lv);
    struct screen *s = app_screen_new(a, &screen_help_ops, h);
    screen_help_build(s);
    return s;
}
