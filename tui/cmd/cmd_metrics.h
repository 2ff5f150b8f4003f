/* cmd_metrics.h - `elcui metrics RG`: CloudWatch metrics of every node of a
 * group as series (core/model/metrics.h). */
#ifndef ELCUI_TUI_CMD_METRICS_H
#define ELCUI_TUI_CMD_METRICS_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_metrics_options[];
#define CMD_METRICS_SHORTOPTS "h"

int cmd_metrics_run(struct session_options *opts, int argc, char **argv);

#endif
