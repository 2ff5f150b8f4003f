/* cmd_latency.h - `elcui latency RG [--node ID|--all] [--interval S]
 * [--history] [--count N]`: per-node latency probe with wall-clock stamps
 * (core/redis/latency.h over core/redis/console.h). */
#ifndef ELCUI_TUI_CMD_LATENCY_H
#define ELCUI_TUI_CMD_LATENCY_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_latency_entry;

#endif
