/* cmd_events.h - `elcui events RG`: ElastiCache events of a group and its
 * member clusters over a window (core/model/events.h). */
#ifndef ELCUI_TUI_CMD_EVENTS_H
#define ELCUI_TUI_CMD_EVENTS_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_events_options[];
#define CMD_EVENTS_SHORTOPTS "h"

int cmd_events_run(struct session_options *opts, int argc, char **argv);

#endif
