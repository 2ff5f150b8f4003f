/* export_cli.h - a stack as a POSIX sh script of aws CLI commands, in the
 * order elcui's apply uses (see export.h).
 */
#ifndef ELCUI_CORE_EXPORT_CLI_H
#define ELCUI_CORE_EXPORT_CLI_H

#include "core/stack/export_view.h"

/* The script for v. Caller frees. */
char *export_cli_script(const struct export_view *v);

#endif
