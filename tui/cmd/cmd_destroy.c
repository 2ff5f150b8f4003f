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
            "                          [--parallel N] [--plan] [--json]\n"
            "\n"
            "Delete the stack NAME that elcui create built, in reverse order: IAM policies,\n"
            "SSM parameters, the replication group (waiting until it is gone), the secret,\n"
            "log groups, KMS keys (aliases removed, deletion scheduled with the spec's\n"
            "window, 7 days by default), security group, subnet group, route tables,\n"
            "subnets, VPC. Only resources tagged elcui:stack=NAME are touched; reused ones\n"
            "never are. Names come from --spec, else from the journal elcui keeps under\n"
            "$XDG_STATE_HOME/elcui/stacks, else from NAME. Run again after an interruption:\n"
            "it continues. A NAME with nothing tagged for it (and no journal) is an\n"
            "error naming what was looked for; a replication group of that name that\n"
            "elcui did not make is refused.\n"
            "\n"
            "  --confirm NAME            confirm without the prompt (must repeat NAME)\n"
            "  --spec FILE               the spec the stack was created from\n"
            "  --secret-recovery-days N  keep the secret recoverable N days (7-30);\n"
            "                            default 0: deleted at once, as the seed does\n"
            "  --parallel N              at most N AWS calls in flight (1-16; 8)\n"
            "  --plan                    only show what would go\n"
            "  --json                    plan and result as JSON on stdout, progress as JSON\n"
            "                            lines on stderr\n"
            "\n"
            "The console does the same with :destroy NAME, or D on the group's screen.\n"
            "Refused with --read-only. Exit status: 0 ok, 1 failure (also no such stack,\n"
            "or not elcui's), 2 usage error, 130 cancelled with Ctrl-C at the question.\n");
}

enum {
    OPT_CONFIRM = 400,
    OPT_SPEC,
    OPT_RECOVERY,
    OPT_PLAN,
    OPT_JSON,
    OPT_PARALLEL,
};

const struct option cmd_destroy_options[] = {
    {"confirm", required_argument, NULL, OPT_CONFIRM},
    {"spec", required_argument, NULL, OPT_SPEC},
    {"secret-recovery-days", required_argument, NULL, OPT_RECOVERY},
    {"plan", no_argument, NULL, OPT_PLAN},
    {"json", no_argument, NULL, OPT_JSON},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Without a journal, only the tag elcui:stack=NAME says a stack exists.
 * Nothing tagged: no such stack, an error naming what was looked for (and
 * which of those names exist without the tag); a replication group of
 * that name without the tag: not elcui's, refused with that reason. 0
 * when the plan is about a stack elcui made. */
static int cmd_destroy_not_a_stack(const struct stack_plan *p, const char *name)
{
    const struct stack_resource *group = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const struct stack_resource *r = &p->res[i];
        if (r->ours || r->action == STACK_ACT_DELETE)
            return 0;
        if (r->action == STACK_ACT_SKIP && r->kind == STACK_KIND_REPLICATION_GROUP)
            group = r;
    }
    const char *region = stack_spec_region(&p->spec);
    if (group) {
        fprintf(stderr,
                "elcui destroy: refused: replication group %s exists in %s but is not an "
                "elcui stack: it does not carry the tag %s=%s that elcui create puts on "
                "everything it makes, and elcui destroys only what it made. Nothing was "
                "deleted.\n",
                group->name, region, STACK_SPEC_TAG_KEY, name);
        return -1;
    }
    fprintf(stderr,
            "elcui destroy: no stack %s in %s (account %s): no resource carries the tag %s=%s "
            "and elcui keeps no journal of it here; nothing was deleted.\n"
            "elcui destroy: looked for:\n",
            name, region, p->account ? p->account : "?", STACK_SPEC_TAG_KEY, name);
    for (size_t i = 0; i < p->n; i++) {
        const struct stack_resource *r = &p->res[i];
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++)
            dup = p->res[k].kind == r->kind && p->res[k].name && r->name &&
                  strcmp(p->res[k].name, r->name) == 0;
        if (dup || !r->name || r->kind == STACK_KIND_KEY_POLICY) /* the key's alias */
            continue;
        fprintf(stderr, "  %-36s %s%s\n", stack_plan_kind_name(r->kind), r->name,
                r->action == STACK_ACT_SKIP ? "  (exists without the tag: not elcui's, left "
                                              "alone)"
                                            : "");
    }
    fprintf(stderr, "elcui destroy: hint: check the name (elcui ls lists the replication "
                    "groups) and the region (--region)\n");
    return -1;
}

int cmd_destroy_run(struct session_options *opts, int argc, char **argv)
{
    const char *confirm = NULL, *spec_file = NULL, *recovery = NULL;
    bool plan_only = false, json = false;
    unsigned parallel = 0;
    int opt;
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, CMD_DESTROY_SHORTOPTS, cmd_destroy_options, NULL)) !=
           -1) {
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
        case OPT_PARALLEL:
            if (cmd_create_parse_parallel("destroy", optarg, &parallel) != 0)
                return CLI_EXIT_USAGE;
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
    if (cmd_create_plan(&cr, &s, &spec, STACK_PLAN_DESTROY, json, parallel, &err) != 0) {
        if (cr.interrupted)
            fprintf(stderr, "elcui destroy: interrupted while planning; nothing was changed\n");
        else
            cmd_create_print_error("destroy", "cannot plan", &err);
        goto out;
    }
    plan = stack_run_plan(cr.run);
    if (!journal && cmd_destroy_not_a_stack(plan, name) != 0)
        goto out;
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
                 "This deletes %zu resource%s of stack %s in %s (KMS keys: scheduled, %d "
                 "days).\n"
                 "Type the stack name to go on: ",
                 plan->n_delete, plan->n_delete == 1 ? "" : "s", name, s.region,
                 spec.key_deletion_window);
        int yes = cmd_create_confirm(q, name);
        if (yes < 0) {
            fprintf(stderr, "elcui destroy: cancelled; nothing was deleted\n");
            rc = CLI_EXIT_CANCELLED;
            goto out;
        }
        if (!yes) {
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
