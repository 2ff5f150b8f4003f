/* cmd_export.h - `elcui export NAME | --spec FILE --format terraform|cli|spec`:
 * a live stack or a plan as Terraform, aws CLI commands or a spec file
 * (core/stack/export.h). */
#ifndef ELCUI_TUI_CMD_EXPORT_H
#define ELCUI_TUI_CMD_EXPORT_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_export_entry;

#endif
