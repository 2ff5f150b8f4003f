/* screen_console.h - the command panel: Redis commands to a replication
 * group from the console (`:console`, `c` on the groups and group
 * screens; from the group's nodes panel the selected node is the target).
 *
 * The target is always shown above the replies (F2 picks another: slot-
 * routed, all primaries, all replicas, all nodes, a shard's primary or
 * replicas, an AZ, one node); the prompt names it too. The line editor is
 * the one `elcui exec` uses (tui/widget/lineedit.h): emacs keys, ctrl-r
 * through the shared history, Tab completion and argument hints from the
 * session's docs. Replies are rendered as redis-cli does, each under the
 * node that answered (shard, role, AZ), the redirect path with each hop's
 * latency, and bounded on screen (a huge reply shows its first part and
 * says how much there was). Requests never block the screen: a node that
 * does not answer shows "waiting 3.2 s on NODE" while every key answers;
 * Esc cancels what runs; lines typed meanwhile (a multi-line paste) queue.
 * Dangerous commands open a dialog that names the nodes and asks to type
 * the command's name; blocked and read-only refusals are explained before
 * anything is sent. The state lives in core/redis/rsession.h.
 */
#ifndef ELCUI_TUI_SCREEN_CONSOLE_H
#define ELCUI_TUI_SCREEN_CONSOLE_H

#include "tui/app.h"

/* target: a target spec ("node app-4-0001-001"), or NULL for slot-routed. */
struct screen *screen_console_new(struct app *a, const char *rg_id, const char *target);
/* The group of a console screen (NULL for another screen). */
const char *screen_console_group(struct screen *s);
/* Set the target of a console screen from a spec; -1 (with a message)
 * when it does not parse or s is not a console screen. */
int screen_console_set_target(struct screen *s, const char *spec);
/* A prompt command of the console typed at the : command line
 * ("primaries", "node ID", "shard 0002 primary", "nodes", "help"...): 0
 * when it was one (and ran), -1 when not (nothing said). */
int screen_console_prompt_command(struct screen *s, const char *line);
/* The Redis requests of the groups and group screens on group rg_id:
 * REQ_CONSOLE (node: the target, or NULL), REQ_LATENCY, REQ_DOCTOR. The
 * screen is pushed; APP_IGNORED for any other request. */
int screen_console_request(struct app *a, int req, const char *rg_id, const char *node);
/* Every target spec the console offers (for :target completion). */
void screen_console_targets(struct screen *s, void (*emit)(void *ctx, const char *spec), void *ctx);

#endif
