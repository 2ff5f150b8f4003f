/* cmd_exec.h - `elcui exec RG [TARGET] [--repeat N] -- CMD ARGS...`: Redis
 * commands on a group, slot-routed or on chosen nodes, with replies
 * labelled by node, the redirect path and latency; with no command, an
 * interactive prompt (tui/widget/lineedit.h) with a history that never keeps a
 * secret. The engine is core/redis/console.h. */
#ifndef ELCUI_TUI_CMD_EXEC_H
#define ELCUI_TUI_CMD_EXEC_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_exec_options[];
#define CMD_EXEC_SHORTOPTS "r:i:h3"

int cmd_exec_run(struct session_options *opts, int argc, char **argv);

#endif
