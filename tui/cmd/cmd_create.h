/* cmd_create.h - `elcui create`: plan and apply the production stack
 * (core/stack/stack_spec, stack_validate, stack_plan, stack_apply). The
 * helpers below are shared with `elcui destroy` (tui/cmd/cmd_destroy.c). */
#ifndef ELCUI_TUI_CMD_CREATE_H
#define ELCUI_TUI_CMD_CREATE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/session.h"
#include "core/stack/stack_apply.h"
#include "core/stack/stack_plan.h"
#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_create_options[];
#define CMD_CREATE_SHORTOPTS "h"

int cmd_create_run(struct session_options *opts, int argc, char **argv);

/* Open the session in region (NULL: the usual chain, else us-east-2). */
int cmd_create_open_session(struct session *s, struct session_options *opts, const char *region,
                            struct aws_error *err);
/* A client that sends each call once (creates are retried by the engine
 * only when that is safe). */
struct aws_client *cmd_create_once_client(struct session *s, struct aws_error *err);
/* Discover and plan on the session's loop. 0, or -1 (err filled, or
 * *interrupted set). */
int cmd_create_plan(struct session *s, const struct stack_spec *spec, enum stack_plan_mode mode,
                    struct stack_plan **out, struct aws_error *err, bool *interrupted);
/* Ask on the terminal to type `expect`: 1 when it was typed, 0 when not
 * (or no terminal), -1 when Ctrl-C ended the question (the line ended). */
int cmd_create_confirm(const char *question, const char *expect);
/* Run the plan with progress on stderr (JSON lines with json). Returns the
 * exit status; prints the result to stdout. */
int cmd_create_apply(struct session *s, struct stack_plan *p, bool json, const char *verb);
/* Print o (stolen) on stdout, indented, with a newline. */
void cmd_create_json_print(json_t *o);
/* Print a failure line for an AWS error ("elcui CMD: what: error"). */
void cmd_create_print_error(const char *cmd, const char *what, const struct aws_error *err);

#endif
