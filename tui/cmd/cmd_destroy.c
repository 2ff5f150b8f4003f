/* cmd_destroy.c - `elcui destroy NAME [--confirm NAME]`. */
#include "tui/cmd/cmd_destroy.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_spec.h"
#include "tui/cmd/cmd_create.h"

static void cmd_destroy_usage(FILE *f)
{
    fprintf(f,
            "usage: elcui destroy NAME [--confirm NAME] [--spec FILE] [--secret-recovery-days N]\n"
            "                          [--plan] [--json]\n"
            "\n"
            "Delete the stack NAME that elcui create built, in reverse order: IAM policies,\n"
            "SSM parameters, the replication group (waiting until it is gone), the secret,\n"
            "log groups, KMS keys (aliases removed, deletion scheduled with the spec's\n"
            "window, 7 days by default), security group, subnet group, route tables,\n"
            "subnets, VPC. Only resources tagged elcui:stack=NAME are touched; reused ones\n"
            "never are. Names come from --spec, else from the journal elcui keeps under\n"
            "$XDG_STATE_HOME/elcui/stacks, else from NAME. Run again after an interruption:\n"
            "it continues.\n"
            "\n"
            "  --confirm NAME            confirm without the prompt (must repeat NAME)\n"
            "  --spec FILE               the spec the stack was created from\n"
            "  --secret-recovery-days N  keep the secret recoverable N days (7-30);\n"
            "                            default 0: deleted at once, as the seed does\n"
            "  --plan                    only show what would go\n"
            "  --json                    plan and result as JSON on stdout, progress as JSON\n"
            "                            lines on stderr\n"
            "\n"
            "The console does the same with :destroy NAME, or D on the group's screen.\n"
            "Refused with --read-only. Exit status: 0 ok, 1 failure, 2 usage error.\n");
}

enum {
    OPT_CONFIRM = 400,
    OPT_SPEC,
    OPT_RECOVERY,
    OPT_PLAN,
    OPT_JSON,
};

const struct option cmd_destroy_options[] = {
    {"confirm", required_argument, NULL, OPT_CONFIRM},
    {"spec", required_argument, NULL, OPT_SPEC},
    {"secret-recovery-days", required_argument, NULL, OPT_RECOVERY},
    {"plan", no_argument, NULL, OPT_PLAN},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_destroy_run(struct session_options *opts, int argc, char **argv)
{
    const char *confirm = NULL, *spec_file = NULL, *recovery = NULL;
    bool plan_only = false, json = false;
    int opt;
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "h", cmd_destroy_options, NULL)) != -1) {
        switch (opt) {
        case OPT_CONFIRM:
            confirm = optarg;
            break;
        case OPT_SPEC:
            spec_file = optarg;
            break;
        case OPT_RECOVERY:
            recovery = optarg;
            break;
        case OPT_PLAN:
            plan_only = true;
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
            cmd_destroy_usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_bad_option("destroy", argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("destroy", "name the stack: elcui destroy NAME");
    const char *name = argv[optind++];
    if (optind < argc)
        return cli_usage_error("destroy", "unexpected argument '%s'", argv[optind]);
    if (confirm && strcmp(confirm, name) != 0)
        return cli_usage_error("destroy", "--confirm %s does not match the stack name %s", confirm,
                               name);
    if (session_read_only(opts) && !plan_only) {
        fprintf(stderr, "elcui destroy: deleting resources is refused with --read-only; use "
                        "--plan, or drop --read-only\n");
        return CLI_EXIT_USAGE;
    }

    int rc = CLI_EXIT_USAGE;
    char msg[1024];
    struct stack_spec spec;
    stack_spec_init(&spec);
    struct session s;
    memset(&s, 0, sizeof(s));
    struct cmd_create_run cr;
    memset(&cr, 0, sizeof(cr));
    struct stack_plan *plan = NULL;
    struct aws_error err;
    aws_error_init(&err);
    json_t *journal = NULL;
    if (spec_file) {
        if (stack_spec_load_file(&spec, spec_file, msg, sizeof(msg)) != 0) {
            fprintf(stderr, "elcui destroy: %s\n", msg);
            goto out;
        }
    } else {
        char *dir = stack_journal_default_dir();
        journal = dir ? stack_journal_load(dir, name, msg, sizeof(msg)) : NULL;
        if (!journal && dir && msg[0])
            fprintf(stderr, "elcui destroy: warning: %s\n", msg);
        free(dir);
        const char *text = stack_journal_spec(journal);
        if (text && stack_spec_load_string(&spec, text, msg, sizeof(msg)) != 0) {
            fprintf(stderr,
                    "elcui destroy: the journal's spec is unreadable (%s); using the "
                    "names derived from %s\n",
                    msg, name);
            stack_spec_free(&spec);
            stack_spec_init(&spec);
        }
    }
    if (stack_spec_set_name(&spec, name, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "elcui destroy: %s\n", msg);
        goto out;
    }
    if (recovery &&
        stack_spec_set(&spec, "secret", "recovery_window", recovery, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "elcui destroy: --secret-recovery-days: %s\n", msg);
        goto out;
    }
    if (spec.secret_recovery_days != 0 &&
        (spec.secret_recovery_days < 7 || spec.secret_recovery_days > 30)) {
        cli_usage_error("destroy", "--secret-recovery-days wants 0 or 7 to 30");
        goto out;
    }
    const char *region = opts->region;
    if (!region && stack_journal_region(journal))
        region = stack_journal_region(journal);
    if (!region)
        region = spec.region;
    rc = CLI_EXIT_FAIL;
    if (cmd_create_open_session(&s, opts, region, &err) != 0) {
        cmd_create_print_error("destroy", "cannot start", &err);
        goto out;
    }
    session_print_warnings(&s, stderr);
    signal(SIGPIPE, SIG_IGN);
    free(spec.region);
    spec.region = mem_xstrdup(s.region);
    if (cmd_create_plan(&cr, &s, &spec, STACK_PLAN_DESTROY, json, &err) != 0) {
        if (cr.interrupted)
            fprintf(stderr, "elcui destroy: interrupted while planning; nothing was changed\n");
        else
            cmd_create_print_error("destroy", "cannot plan", &err);
        goto out;
    }
    plan = stack_run_plan(cr.run);
    bool noop = stack_plan_is_noop(plan);
    if (json && (plan_only || noop || plan->n_conflict)) {
        cmd_create_json_print(stack_plan_to_json(plan));
    }
    if (!json || (!confirm && !plan_only && !noop)) {
        /* what goes is listed before the question, also with --json */
        char *t = stack_plan_format(plan, !noop);
        fputs(t, (plan_only || noop) && !json ? stdout : stderr);
        free(t);
    }
    if (plan->n_conflict) {
        fprintf(stderr, "elcui destroy: %zu conflict%s (see the plan); nothing was deleted\n",
                plan->n_conflict, plan->n_conflict == 1 ? "" : "s");
        goto out;
    }
    if (noop) {
        if (!json)
            printf("destroy: nothing of stack %s is left in %s; nothing to do.\n", name, s.region);
        rc = CLI_EXIT_OK;
        goto out;
    }
    if (plan_only) {
        rc = CLI_EXIT_OK;
        goto out;
    }
    if (!confirm) {
        char q[512];
        snprintf(q, sizeof(q),
                 "This deletes %zu resources of stack %s in %s (KMS keys: scheduled, %d days).\n"
                 "Type the stack name to go on: ",
                 plan->n_delete, name, s.region, spec.key_deletion_window);
        if (!cmd_create_confirm(q, name)) {
            fprintf(stderr,
                    "elcui destroy: not confirmed (no terminal, or the name was not "
                    "typed); nothing was deleted. Scripts pass --confirm %s.\n",
                    name);
            goto out;
        }
    }
    rc = cmd_create_apply(&cr, "destroy");
out:
    json_decref(journal);
    cmd_create_run_free(&cr);
    stack_spec_free(&spec);
    aws_error_clear(&err);
    if (s.loop)
        session_close(&s);
    fflush(stdout);
    return rc;
}
