/* cmdspec.h - what `elcui audit`, `cost` and `export` share: the spec of a
 * stack before apply from --spec FILE and --name NAME, and running one
 * request on the session's loop (SIGINT/SIGTERM stop it) with the usual
 * messages when it cannot start or finds no replication group.
 */
#ifndef ELCUI_TUI_CMDSPEC_H
#define ELCUI_TUI_CMDSPEC_H

#include <jansson.h>
#include <stddef.h>

#include "aws/aws_error.h"
#include "core/session.h"
#include "core/stack/stack_spec.h"

/* Initialise s, then load file (when given) and set name (when given).
 * 0, or -1 with "elcui CMD: REASON" on stderr; s is to be freed either
 * way. */
int cmdspec_load(const char *cmd, struct stack_spec *s, const char *file, const char *name);

/* Open the session, print its warnings, ignore SIGPIPE and have SIGINT /
 * SIGTERM stop the loop (loop_run returns). When it cannot be opened: -1,
 * the reason in *why (caller frees) when why is given, else on stderr as
 * "elcui CMD: cannot start: REASON"; the session is still to be closed. */
int cmdspec_session(const char *cmd, struct session *s, struct session_options *opts, char **why);

/* A replication group request that gave nothing: "elcui CMD: replication
 * group 'RG' not found in REGION", or "elcui CMD: cannot describe the
 * replication group: ERROR". */
void cmdspec_group_error(const char *cmd, const char *rg_id, const char *region,
                         const struct aws_error *err);

/* Print o (stolen) to stdout as json_dumps(flags) gives it, and a newline
 * ("{}" when it cannot be encoded). */
void cmdspec_json_print(json_t *o, size_t flags);

#endif
