/* rhistory.h - the command history of the Redis prompts (`elcui exec`'s
 * prompt and the console's command panel share it).
 *
 * Kept in $XDG_STATE_HOME/elcui/history (~/.local/state/elcui/history),
 * the file 0600 in 0700 folders, one command per line, oldest first, the
 * last RHISTORY_MAX kept (the file is written again when it holds more
 * than twice that). A line is kept only as console_history_entry() allows:
 * cut before the first argument that may carry a secret (AUTH, HELLO ...
 * AUTH, ACL SETUSER, CONFIG SET requirepass/masterauth, MIGRATE ... AUTH),
 * so no password ever reaches the file. A file written by anything else
 * is filtered the same way when read. Lines with control characters are
 * never kept.
 */
#ifndef ELCUI_CORE_RHISTORY_H
#define ELCUI_CORE_RHISTORY_H

#include <stdbool.h>
#include <stddef.h>

#define RHISTORY_MAX 1000

struct rhistory;

/* path: the file; NULL: the default one; "": none (kept in memory only).
 * Folders are made 0700. Never fails: without a usable file the history
 * is in memory only (rhistory_path says ""). */
struct rhistory *rhistory_open(const char *path);
void rhistory_free(struct rhistory *h);
/* The default path ($XDG_STATE_HOME/elcui/history), or NULL when neither
 * XDG_STATE_HOME nor HOME is set. Caller frees. */
char *rhistory_default_path(void);
/* The file in use, or "". */
const char *rhistory_path(const struct rhistory *h);

/* Keep what may be kept of line (appended to the file too). The entry
 * kept (borrowed), or NULL when nothing was: a secret-only line, an empty
 * one, control characters. The same line twice in a row is kept once. */
const char *rhistory_add(struct rhistory *h, const char *line);
size_t rhistory_count(const struct rhistory *h);
/* Oldest first; NULL past the end. */
const char *rhistory_at(const struct rhistory *h, size_t i);

#endif
