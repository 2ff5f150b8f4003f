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
#include "core/stack/stack_run.h"
#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_create_entry;

/* Open the session in region (NULL: the usual chain, else us-east-2). */
int cmd_create_open_session(struct session *s, struct session_options *opts, const char *region,
                            struct aws_error *err);
/* A client that sends each call once (creates are retried by the engine
 * only when that is safe). */
struct aws_client *cmd_create_once_client(struct session *s, struct aws_error *err);
/* One create or destroy as the command line follows it: the engine
 * (core/stack/stack_run.h) with progress printed on stderr (JSON lines
 * with json). */
struct cmd_create_run {
    struct session *s;
    struct aws_client *once;
    struct stack_run *run;
    bool json;
    bool interrupted; /* SIGINT / SIGTERM while the loop ran */
};
/* The test tunables of the environment (ELCUI_POLL_MS, ELCUI_POLL_MAX_MS,
 * ELCUI_BACKOFF_MS) into o; the console uses them too. */
void cmd_create_tunables(struct stack_run_options *o);
/* Start the engine and run the loop until the plan is known. 0: planned
 * (stack_run_plan(cr->run)); -1: err filled, or cr->interrupted. Free
 * with cmd_create_run_free in every case. */
int cmd_create_plan(struct cmd_create_run *cr, struct session *s, const struct stack_spec *spec,
                    enum stack_plan_mode mode, bool json, unsigned parallel, struct aws_error *err);
/* --parallel N: the most AWS calls of an apply in flight at once. */
#define CMD_CREATE_PARALLEL_MAX 16
/* Parse --parallel's argument into out (1..CMD_CREATE_PARALLEL_MAX): 0, or
 * -1 after a usage error naming cmd. parallel 0 above: the engine's 8. */
int cmd_create_parse_parallel(const char *cmd, const char *arg, unsigned *out);
void cmd_create_run_free(struct cmd_create_run *cr);
/* Ask on the terminal to type `expect`: 1 when it was typed, 0 when not
 * (or no terminal), -1 when Ctrl-C ended the question (the line ended). */
int cmd_create_confirm(const char *question, const char *expect);
/* Confirm the planned run and follow the apply to its end, progress on
 * stderr. Returns the exit status; prints the result to stdout. */
int cmd_create_apply(struct cmd_create_run *cr, const char *verb);
/* Print o (stolen) on stdout, indented, with a newline. */
void cmd_create_json_print(json_t *o);
/* Print a failure line for an AWS error ("elcui CMD: what: error"). */
void cmd_create_print_error(const char *cmd, const char *what, const struct aws_error *err);

#endif
