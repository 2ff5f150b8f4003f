/* cmd_metrics.h - `elcui metrics RG`: CloudWatch metrics of every node of a
 * group as series (core/model/metrics.h). */
#ifndef ELCUI_TUI_CMD_METRICS_H
#define ELCUI_TUI_CMD_METRICS_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_metrics_entry;

#endif
