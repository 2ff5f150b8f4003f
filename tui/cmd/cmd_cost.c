/* cmd_cost.c - `elcui cost`: monthly estimate, its sources and assumptions. */
#include "tui/cmd/cmd_cost.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/cost.h"
#include "core/stack/stack_spec.h"
#include "tui/cmd/cmdspec.h"

struct cmd_cost {
    const char *rg_id;
    const char *spec_file;
    const char *name;
    double log_gb;
    bool json;
    bool offline;
    struct session s;
    bool done;
    struct cost_estimate *est;
    struct aws_error err;
};

static void cmd_cost_usage(FILE *f)
{
    fprintf(f,
            "usage: elcui cost RG [OPTIONS]\n"
            "       elcui cost --spec FILE | --name NAME [OPTIONS]\n"
            "\n"
            "Monthly estimate of a live replication group, or of a stack before apply:\n"
            "node type x nodes x 730 hours, plus CloudWatch Logs ingestion and storage at\n"
            "a stated assumption. Node prices come from the AWS Price List API\n"
            "(GetProducts, on demand) when it answers, else from elcui's built-in table\n"
            "(dated " COST_TABLE_DATE "); the estimate names its sources and dates and, when\n"
            "the Price List API was not used, why.\n"
            "\n"
            "  --spec FILE     stack spec (elcui-spec(5)); without RG: the plan's cost\n"
            "  --name NAME     stack name (without --spec: the seed's defaults)\n"
            "  --log-gb N      GB of log records ingested a month (default %.0f)\n"
            "  --offline       do not ask the Price List API; use the built-in table\n"
            "  --json          the estimate as one JSON object\n"
            "\n"
            "Exit status: 0 estimate shown, 1 failure, 2 usage.\n",
            COST_DEFAULT_LOG_GB);
}

enum { OPT_SPEC = 256, OPT_NAME, OPT_LOG_GB, OPT_OFFLINE, OPT_JSON };

static const struct option cmd_cost_options[] = {
    {"spec", required_argument, NULL, OPT_SPEC},
    {"name", required_argument, NULL, OPT_NAME},
    {"log-gb", required_argument, NULL, OPT_LOG_GB},
    {"offline", no_argument, NULL, OPT_OFFLINE},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_cost_option(void *ctx, int opt, char *arg)
{
    struct cmd_cost *c = ctx;
    switch (opt) {
    case OPT_SPEC:
        c->spec_file = arg;
        break;
    case OPT_NAME:
        c->name = arg;
        break;
    case OPT_LOG_GB: {
        char *end;
        double v = strtod(arg, &end);
        if (!*arg || *end || !(v >= 0) || v > 1e6)
            return cli_refuse("cost", "--log-gb wants a number of GB from 0 to 1000000");
        c->log_gb = v;
        break;
    }
    case OPT_OFFLINE:
        c->offline = true;
        break;
    case OPT_JSON:
        c->json = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_cost_parse(struct cmd_cost *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_cost_entry, argc, argv, cmd_cost_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("cost", "unexpected argument '%s'", argv[optind]), -1;
    if (!c->rg_id && !c->spec_file && !c->name)
        return cli_usage_error("cost", "name a replication group, or a spec (--spec FILE or "
                                       "--name NAME)"),
               -1;
    if (c->rg_id && (c->spec_file || c->name))
        return cli_usage_error("cost", "give either a replication group or a spec, not both"), -1;
    return 0;
}

static int cmd_cost_print(struct cmd_cost *c, const struct cost_estimate *e)
{
    if (c->json) {
        cmdspec_json_print(cost_estimate_to_json(e),
                           JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    } else {
        char *s = cost_estimate_format(e);
        fputs(s, stdout);
        free(s);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static void cmd_cost_done(struct cost_estimate *est, const struct aws_error *err, void *arg)
{
    struct cmd_cost *c = arg;
    c->est = est;
    if (err)
        aws_error_copy(&c->err, err);
    c->done = true;
    loop_stop(c->s.loop, 0);
}

static int cmd_cost_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_cost c;
    memset(&c, 0, sizeof(c));
    c.log_gb = COST_DEFAULT_LOG_GB;
    aws_error_init(&c.err);
    int rc = cmd_cost_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;

    struct stack_spec spec;
    bool have_spec = false;
    struct cost_input in;
    char *subject = NULL;
    if (!c.rg_id) {
        if (cmdspec_load("cost", &spec, c.spec_file, c.name) != 0) {
            stack_spec_free(&spec);
            return CLI_EXIT_FAIL;
        }
        have_spec = true;
        if (!spec.region && opts->region)
            stack_spec_set(&spec, "stack", "region", opts->region, NULL, 0);
        cost_input_from_spec(&in, &spec, c.log_gb);
        subject = mem_xasprintf("plan of stack %s", spec.name ? spec.name : "(unnamed)");
        in.subject = subject;
    }

    rc = CLI_EXIT_FAIL;
    if (have_spec && c.offline) {
        struct cost_estimate *e = cost_estimate_build(&in, NULL,
                                                      "--offline: the built-in table "
                                                      "was asked for");
        rc = cmd_cost_print(&c, e);
        cost_estimate_free(e);
        goto out;
    }
    char *m = NULL;
    if (cmdspec_session("cost", &c.s, opts, have_spec ? &m : NULL) != 0) {
        if (have_spec) {
            /* a plan can still be priced from the table */
            char *why = mem_xasprintf("no AWS session (%s)", m);
            struct cost_estimate *e = cost_estimate_build(&in, NULL, why);
            rc = cmd_cost_print(&c, e);
            cost_estimate_free(e);
            free(why);
            free(m);
        }
        goto out;
    }
    if (have_spec && !spec.region)
        in.region = c.s.region;
    struct cost_req *q =
        have_spec ? cost_start(c.s.aws, &in, cmd_cost_done, &c)
                  : cost_start_group(c.s.aws, c.rg_id, c.log_gb, !c.offline, cmd_cost_done, &c);
    if (!q) {
        fprintf(stderr, "elcui cost: cannot start the estimate\n");
        goto out;
    }
    loop_run(c.s.loop);
    if (!c.done) {
        cost_cancel(q);
        fprintf(stderr, "elcui cost: interrupted\n");
        goto out;
    }
    if (!c.est) {
        cmdspec_group_error("cost", c.rg_id, c.s.region, &c.err);
        goto out;
    }
    rc = cmd_cost_print(&c, c.est);
out:
    cost_estimate_free(c.est);
    aws_error_clear(&c.err);
    session_close(&c.s);
    if (have_spec)
        stack_spec_free(&spec);
    free(subject);
    return rc;
}

const struct cli_command cmd_cost_entry = {
    .name = "cost",
    .args = "RG|--spec FILE [--json]",
    .summary = "monthly cost estimate with its sources",
    .run = cmd_cost_run,
    .options = cmd_cost_options,
    .shortopts = "h",
    .usage = cmd_cost_usage,
};
