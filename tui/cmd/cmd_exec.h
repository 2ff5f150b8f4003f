/* cmd_exec.h - `elcui exec RG [TARGET] [--repeat N] -- CMD ARGS...`: Redis
 * commands on a group, slot-routed or on chosen nodes, with replies
 * labelled by node, the redirect path and latency; with no command, an
 * interactive prompt (tui/widget/lineedit.h) with a history that never keeps a
 * secret. The engine is core/redis/console.h. */
#ifndef ELCUI_TUI_CMD_EXEC_H
#define ELCUI_TUI_CMD_EXEC_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_exec_entry;

#endif
