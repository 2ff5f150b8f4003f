/* cmd_cost.h - `elcui cost RG | --spec FILE`: monthly estimate of a live
 * group or of a stack before apply (core/stack/cost.h). */
#ifndef ELCUI_TUI_CMD_COST_H
#define ELCUI_TUI_CMD_COST_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_cost_options[];
#define CMD_COST_SHORTOPTS "h"

int cmd_cost_run(struct session_options *opts, int argc, char **argv);

#endif
