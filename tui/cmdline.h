/* cmdline.h - the console's `:` command line, in k9s habits.
 *
 * `:` opens it in the status line; Tab completes the command name, then
 * its argument from the command's completion source (group ids, themes,
 * profiles, regions); Tab again cycles through the candidates; Up/Down
 * walk the history, which is kept in $XDG_STATE_HOME/elcui/cmdline_history
 * (0600 in a 0700 folder); Enter runs, Esc leaves. An unknown command
 * says so and names the close matches.
 *
 * The commands are one table (cmdline_cmds): name, aliases, argument,
 * completion source, help and exec. A new screen adds one entry.
 */
#ifndef ELCUI_TUI_CMDLINE_H
#define ELCUI_TUI_CMDLINE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

struct app;

#define CMDLINE_HISTORY_MAX 500

typedef void (*cmdline_emit_fn)(void *ctx, const char *candidate);
/* Emit every candidate for an argument (the caller filters by prefix). */
typedef void (*cmdline_source_fn)(struct app *a, cmdline_emit_fn emit, void *ctx);

struct cmdline_cmd {
    const char *name;
    const char *aliases; /* space-separated, "" for none */
    const char *args;    /* "NAME" for help, "" for none */
    bool arg_required;
    cmdline_source_fn complete; /* NULL: no completion */
    const char *help;
    /* Run with the argument ("" when none): 0, or -1 after saying why
     * (app_message). */
    int (*exec)(struct app *a, const char *arg);
};

extern const struct cmdline_cmd cmdline_cmds[];
extern const size_t cmdline_ncmds;

struct cmdline;

/* history_path NULL: no history file. */
struct cmdline *cmdline_new(const char *history_path);
void cmdline_free(struct cmdline *c);
void cmdline_open(struct cmdline *c);
bool cmdline_active(const struct cmdline *c);
/* A key while active (APP_* flags); Enter runs the line. */
int cmdline_key(struct cmdline *c, struct app *a, int key);
void cmdline_draw(const struct cmdline *c, struct app *a, WINDOW *w, int y, int cols);
/* The candidates line shown above the command line after Tab ("" none). */
const char *cmdline_candidates_text(const struct cmdline *c);

/* Run one line ("group app-4", no ':'): 0, or -1 after a message. */
int cmdline_run(struct app *a, const char *line);

/* ---- the pure parts (unit-tested) ---- */

/* The command by name or alias, or NULL. */
const struct cmdline_cmd *cmdline_find(const char *name);
/* Names close to an unknown one (prefix, or an edit distance of at most
 * 2), best first: up to max into out; returns how many. */
size_t cmdline_suggest(const char *name, const char **out, size_t max);
/* Edit distance (Damerau-Levenshtein, adjacent swaps count one). */
int cmdline_distance(const char *a, const char *b);
/* Complete word (the text typed) from candidates: the completion (caller
 * frees) - the only match, else the longest common prefix of all matches
 * - and how many matched; NULL when none did. */
char *cmdline_complete_word(const char *word, const char *const *cands, size_t n, size_t *nmatch);
/* Add a history line (not empty, not the previous one again); the oldest
 * go beyond CMDLINE_HISTORY_MAX. Appended to the history file. */
void cmdline_history_add(struct cmdline *c, const char *line);
size_t cmdline_history_count(const struct cmdline *c);
const char *cmdline_history_at(const struct cmdline *c, size_t i);
/* Complete the line being typed (what Tab does), with the app's sources
 * (a may be NULL: command names only). */
void cmdline_complete(struct cmdline *c, struct app *a);
const char *cmdline_text(const struct cmdline *c);
void cmdline_set_text(struct cmdline *c, const char *text);

#endif
