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

static const struct option cmd_destroy_options[] = {
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

/* What the command line asks for. */
struct cmd_destroy_args {
    const char *name;
    const char *confirm, *spec_file, *recovery;
    bool plan_only, json;
    unsigned parallel; /* 0: the engine's default */
};

static enum cli_opt cmd_destroy_option(void *ctx, int opt, char *arg)
{
    struct cmd_destroy_args *a = ctx;
    switch (opt) {
    case OPT_CONFIRM:
        a->confirm = arg;
        break;
    case OPT_SPEC:
        a->spec_file = arg;
        break;
    case OPT_RECOVERY:
        a->recovery = arg;
        break;
    case OPT_PLAN:
        a->plan_only = true;
        break;
    case OPT_JSON:
        a->json = true;
        break;
    case OPT_PARALLEL:
        if (cmd_create_parse_parallel("destroy", arg, &a->parallel) != 0)
            return CLI_OPT_REFUSED;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

/* 1 to go on; 0 after --help; else a usage error (reported): the exit
 * status is CLI_EXIT_OK or CLI_EXIT_USAGE. */
static int cmd_destroy_parse(struct cmd_destroy_args *a, struct session_options *opts, int argc,
                             char **argv)
{
    int rc = cli_getopt(&cmd_destroy_entry, argc, argv, cmd_destroy_option, a);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (optind >= argc)
        return cli_usage_error("destroy", "name the stack: elcui destroy NAME"), -1;
    a->name = argv[optind++];
    if (optind < argc)
        return cli_usage_error("destroy", "unexpected argument '%s'", argv[optind]), -1;
    if (a->confirm && strcmp(a->confirm, a->name) != 0)
        return cli_usage_error("destroy", "--confirm %s does not match the stack name %s",
                               a->confirm, a->name),
               -1;
    if (session_read_only(opts) && !a->plan_only) {
        fprintf(stderr, "elcui destroy: deleting resources is refused with --read-only; use "
                        "--plan, or drop --read-only\n");
        return -1;
    }
    return 1;
}

/* The spec of the stack to delete: --spec FILE, else the journal apply
 * left (*journal, NULL when there is none), else the names derived from
 * the stack name; --secret-recovery-days over it. 0, or -1 (reported). */
static int cmd_destroy_spec(const struct cmd_destroy_args *a, struct stack_spec *spec,
                            json_t **journal)
{
    char msg[1024];
    if (a->spec_file) {
        if (stack_spec_load_file(spec, a->spec_file, msg, sizeof(msg)) != 0) {
            fprintf(stderr, "elcui destroy: %s\n", msg);
            return -1;
        }
    } else {
        char *dir = stack_journal_default_dir();
        *journal = dir ? stack_journal_load(dir, a->name, msg, sizeof(msg)) : NULL;
        if (!*journal && dir && msg[0])
            fprintf(stderr, "elcui destroy: warning: %s\n", msg);
        free(dir);
        const char *text = stack_journal_spec(*journal);
        if (text && stack_spec_load_string(spec, text, msg, sizeof(msg)) != 0) {
            fprintf(stderr,
                    "elcui destroy: the journal's spec is unreadable (%s); using the "
                    "names derived from %s\n",
                    msg, a->name);
            stack_spec_free(spec);
            stack_spec_init(spec);
        }
    }
    if (stack_spec_set_name(spec, a->name, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "elcui destroy: %s\n", msg);
        return -1;
    }
    if (a->recovery &&
        stack_spec_set(spec, "secret", "recovery_window", a->recovery, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "elcui destroy: --secret-recovery-days: %s\n", msg);
        return -1;
    }
    if (spec->secret_recovery_days != 0 &&
        (spec->secret_recovery_days < 7 || spec->secret_recovery_days > 30)) {
        cli_usage_error("destroy", "--secret-recovery-days wants 0 or 7 to 30");
        return -1;
    }
    return 0;
}

/* The plan shown (with --plan, that is all), then what deleting needs:
 * no conflict, something to delete and, without --confirm, the stack name
 * typed. -1 to apply, else the exit status. */
static int cmd_destroy_decide(const struct cmd_destroy_args *a, const struct session *s,
                              const struct stack_spec *spec, struct stack_plan *plan)
{
    bool noop = stack_plan_is_noop(plan);
    if (a->json && (a->plan_only || noop || plan->n_conflict))
        cmd_create_json_print(stack_plan_to_json(plan));
    if (!a->json || (!a->confirm && !a->plan_only && !noop)) {
        /* what goes is listed before the question, also with --json */
        char *t = stack_plan_format(plan, !noop);
        fputs(t, (a->plan_only || noop) && !a->json ? stdout : stderr);
        free(t);
    }
    if (plan->n_conflict) {
        fprintf(stderr, "elcui destroy: %zu conflict%s (see the plan); nothing was deleted\n",
                plan->n_conflict, plan->n_conflict == 1 ? "" : "s");
        return CLI_EXIT_FAIL;
    }
    if (noop) {
        if (!a->json)
            printf("destroy: nothing of stack %s is left in %s; nothing to do.\n", a->name,
                   s->region);
        return CLI_EXIT_OK;
    }
    if (a->plan_only)
        return CLI_EXIT_OK;
    if (!a->confirm) {
        char q[512];
        snprintf(q, sizeof(q),
                 "This deletes %zu resource%s of stack %s in %s (KMS keys: scheduled, %d "
                 "days).\n"
                 "Type the stack name to go on: ",
                 plan->n_delete, plan->n_delete == 1 ? "" : "s", a->name, s->region,
                 spec->key_deletion_window);
        int yes = cmd_create_confirm(q, a->name);
        if (yes < 0) {
            fprintf(stderr, "elcui destroy: cancelled; nothing was deleted\n");
            return CLI_EXIT_CANCELLED;
        }
        if (!yes) {
            fprintf(stderr,
                    "elcui destroy: not confirmed (no terminal, or the name was not "
                    "typed); nothing was deleted. Scripts pass --confirm %s.\n",
                    a->name);
            return CLI_EXIT_FAIL;
        }
    }
    return -1;
}

static int cmd_destroy_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_destroy_args a;
    memset(&a, 0, sizeof(a));
    int prc = cmd_destroy_parse(&a, opts, argc, argv);
    if (prc != 1)
        return prc == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    const char *name = a.name;

    int rc = CLI_EXIT_USAGE;
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
    if (cmd_destroy_spec(&a, &spec, &journal) != 0)
        goto out;
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
    if (cmd_create_plan(&cr, &s, &spec, STACK_PLAN_DESTROY, a.json, a.parallel, &err) != 0) {
        if (cr.interrupted)
            fprintf(stderr, "elcui destroy: interrupted while planning; nothing was changed\n");
        else
            cmd_create_print_error("destroy", "cannot plan", &err);
        goto out;
    }
    plan = stack_run_plan(cr.run);
    if (!journal && cmd_destroy_not_a_stack(plan, name) != 0)
        goto out;
    rc = cmd_destroy_decide(&a, &s, &spec, plan);
    if (rc >= 0)
        goto out;
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

const struct cli_command cmd_destroy_entry = {
    .name = "destroy",
    .args = "NAME [--confirm NAME]",
    .summary = "delete a stack elcui created",
    .run = cmd_destroy_run,
    .options = cmd_destroy_options,
    .shortopts = "h",
    .usage = cmd_destroy_usage,
};
