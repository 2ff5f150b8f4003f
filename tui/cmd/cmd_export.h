/* cmd_export.h - `elcui export NAME | --spec FILE --format terraform|cli|spec`:
 * a live stack or a plan as Terraform, aws CLI commands or a spec file
 * (core/stack/export.h). */
#ifndef ELCUI_TUI_CMD_EXPORT_H
#define ELCUI_TUI_CMD_EXPORT_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_export_options[];
#define CMD_EXPORT_SHORTOPTS "ho:"

int cmd_export_run(struct session_options *opts, int argc, char **argv);

#endif
