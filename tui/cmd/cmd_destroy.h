/* cmd_destroy.h - `elcui destroy NAME`: remove a stack elcui created, in
 * reverse order, only what is tagged for it (core/stack/stack_plan destroy mode,
 * core/stack/stack_apply). */
#ifndef ELCUI_TUI_CMD_DESTROY_H
#define ELCUI_TUI_CMD_DESTROY_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_destroy_options[];
#define CMD_DESTROY_SHORTOPTS "h"

int cmd_destroy_run(struct session_options *opts, int argc, char **argv);

#endif
