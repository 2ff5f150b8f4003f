/* cmd_logs.h - `elcui logs RG`: slow-log and engine-log records, exactly
 * once, optionally followed (core/logs/tail.h over core/logs/tailsrc.h). */
#ifndef ELCUI_TUI_CMD_LOGS_H
#define ELCUI_TUI_CMD_LOGS_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_logs_options[];
#define CMD_LOGS_SHORTOPTS "fih"

int cmd_logs_run(struct session_options *opts, int argc, char **argv);

#endif
