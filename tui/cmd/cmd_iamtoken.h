/* cmd_iamtoken.h - `elcui iam-token RG --user U`: print an ElastiCache IAM
 * authentication token (core/redis/iamauth.h), like `aws rds
 * generate-db-auth-token`. */
#ifndef ELCUI_TUI_CMD_IAMTOKEN_H
#define ELCUI_TUI_CMD_IAMTOKEN_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_iamtoken_entry;

#endif
