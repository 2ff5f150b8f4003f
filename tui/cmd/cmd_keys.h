/* cmd_keys.h - `elcui keys`: the console's keymap (tui/keymap.h) as it is
 * with the config file's [keys], as JSON, or as the KEYS and SCREENS
 * sections of elcui(1). */
#ifndef ELCUI_TUI_CMD_KEYS_H
#define ELCUI_TUI_CMD_KEYS_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_keys_entry;

#endif
