/* cmd_audit.c - `elcui audit`: findings over a live group or a spec. */
#include "tui/cmd/cmd_audit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/audit.h"
#include "core/stack/audit_facts.h"
#include "core/stack/audit_gather.h"
#include "core/stack/stack_spec.h"
#include "core/stack/stack_validate.h"
#include "tui/cmd/cmdspec.h"

#define CMD_AUDIT_MAX_ACCEPT 64

struct cmd_audit {
    const char *rg_id;
    const char *spec_file;
    const char *name;
    bool json;
    bool all;
    bool strict;
    bool no_redis;
    int fail_on;
    const char *accept[CMD_AUDIT_MAX_ACCEPT];
    size_t n_accept;
    /* live */
    struct session s;
    bool done;
    struct audit_facts *facts;
    struct aws_error err;
};

static void cmd_audit_usage(FILE *f)
{
    fprintf(f, "usage: elcui audit RG [--spec FILE] [--name NAME] [OPTIONS]\n"
               "       elcui audit --spec FILE | --name NAME [OPTIONS]\n"
               "\n"
               "Security and resilience rules over a replication group and its surroundings\n"
               "(KMS keys and their policies, log groups, security groups, the stack's AUTH\n"
               "token secret, SSM parameters and IAM read policies, the parameter group's\n"
               "slow-log settings, node placement), with the Checkov and AWS Security Hub ids\n"
               "where they exist.\n"
               "\n"
               "With RG the live group is audited; its stack (secret, parameters, policies)\n"
               "is found by the group's elcui:stack tag, or named with --name, or described by\n"
               "--spec. Without RG the spec (or the seed's defaults for --name) is audited\n"
               "before apply, offline, as Checkov audits Terraform in the seed's CI.\n"
               "\n"
               "  --spec FILE         stack spec (elcui-spec(5)): names, and the [accept] list\n"
               "  --name NAME         the stack's name (default: the spec's, or the tag)\n"
               "  --accept ID[=WHY]   accept a finding (rule id, Checkov or Security Hub id);\n"
               "                      repeatable, added to the spec's [accept] list\n"
               "  --fail-on SEVERITY  exit 1 when an unaccepted finding at or above it exists:\n"
               "                      info, low (default), medium, high, critical, none\n"
               "  --strict            checks that could not be made (unknown) fail too\n"
               "  --all               show passed and not applicable checks too\n"
               "  --no-redis          do not ask Redis for the roles placement checks rest on\n"
               "                      (they then come from the API or the node names)\n"
               "  --json              the report as one JSON object\n"
               "\n"
               "An accepted finding is one the stack keeps on purpose (the seed keeps backups\n"
               "off and the secret unrotated: [accept] CKV_AWS_134, CKV2_AWS_57 by default).\n"
               "Exit status: 0 no failing finding, 1 failing findings (or the group could not\n"
               "be read), 2 usage.\n");
}

enum {
    OPT_SPEC = 256,
    OPT_NAME,
    OPT_JSON,
    OPT_ALL,
    OPT_STRICT,
    OPT_FAIL_ON,
    OPT_ACCEPT,
    OPT_NO_REDIS,
};

static const struct option cmd_audit_options[] = {
    {"spec", required_argument, NULL, OPT_SPEC},
    {"name", required_argument, NULL, OPT_NAME},
    {"json", no_argument, NULL, OPT_JSON},
    {"all", no_argument, NULL, OPT_ALL},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"accept", required_argument, NULL, OPT_ACCEPT},
    {"no-redis", no_argument, NULL, OPT_NO_REDIS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_audit_option(void *ctx, int opt, char *arg)
{
    struct cmd_audit *c = ctx;
    switch (opt) {
    case OPT_SPEC:
        c->spec_file = arg;
        break;
    case OPT_NAME:
        c->name = arg;
        break;
    case OPT_JSON:
        c->json = true;
        break;
    case OPT_ALL:
        c->all = true;
        break;
    case OPT_STRICT:
        c->strict = true;
        break;
    case OPT_NO_REDIS:
        c->no_redis = true;
        break;
    case OPT_FAIL_ON:
        c->fail_on = audit_severity_parse(arg);
        if (c->fail_on < 0)
            return cli_refuse("audit", "--fail-on wants info, low, medium, high, "
                                       "critical or none");
        break;
    case OPT_ACCEPT:
        if (c->n_accept >= CMD_AUDIT_MAX_ACCEPT)
            return cli_refuse("audit", "at most %d --accept options", CMD_AUDIT_MAX_ACCEPT);
        if (!*arg || *arg == '=')
            return cli_refuse("audit", "--accept wants a finding id");
        c->accept[c->n_accept++] = arg;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

/* 0 ok, 1 help shown, -1 usage error (printed). */
static int cmd_audit_parse(struct cmd_audit *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_audit_entry, argc, argv, cmd_audit_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("audit", "unexpected argument '%s'", argv[optind]), -1;
    if (!c->rg_id && !c->spec_file && !c->name)
        return cli_usage_error("audit", "name a replication group, or a spec (--spec FILE or "
                                        "--name NAME) to audit before apply"),
               -1;
    return 0;
}

/* Add the --accept entries to a spec's [accept] list. */
static int cmd_audit_add_accepts(struct cmd_audit *c, struct stack_spec *s)
{
    for (size_t i = 0; i < c->n_accept; i++) {
        char id[160];
        const char *eq = strchr(c->accept[i], '=');
        size_t n = eq ? (size_t)(eq - c->accept[i]) : strlen(c->accept[i]);
        snprintf(id, sizeof(id), "%.*s", (int)(n < sizeof(id) ? n : sizeof(id) - 1), c->accept[i]);
        char err[256];
        if (stack_spec_set(s, "accept", id, eq && eq[1] ? eq + 1 : "accepted with --accept", err,
                           sizeof(err)) != 0) {
            cli_usage_error("audit", "--accept %s: %s", c->accept[i], err);
            return -1;
        }
    }
    return 0;
}

static int cmd_audit_output(struct cmd_audit *c, const struct audit_facts *f,
                            const struct stack_spec *accept)
{
    struct audit_report *r = audit_evaluate(f, accept);
    if (c->json) {
        cmdspec_json_print(audit_report_to_json(r), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    } else {
        char *s = audit_report_format(r, c->all);
        fputs(s, stdout);
        free(s);
    }
    size_t bad = audit_report_failures(
        r, (enum audit_severity)(c->fail_on > AUDIT_SEV_CRITICAL ? AUDIT_SEV_CRITICAL : c->fail_on),
        c->strict);
    if (c->fail_on > AUDIT_SEV_CRITICAL)
        bad = 0;
    audit_report_free(r);
    if (fflush(stdout) != 0)
        return CLI_EXIT_FAIL;
    return bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* Spec from --spec / --name (defaults when no file), or -1 (printed). */
static int cmd_audit_spec(struct cmd_audit *c, struct stack_spec *s, const char *region)
{
    char err[512];
    if (cmdspec_load("audit", s, c->spec_file, c->name) != 0)
        return -1;
    if (!s->region && region &&
        stack_spec_set(s, "stack", "region", region, err, sizeof(err)) != 0) {
        fprintf(stderr, "elcui audit: --region: %s\n", err);
        return -1;
    }
    return cmd_audit_add_accepts(c, s);
}

static int cmd_audit_plan(struct cmd_audit *c, const struct session_options *opts)
{
    struct stack_spec s;
    const char *region = opts->region;
    if (!region)
        region = getenv("AWS_REGION");
    if (!region || !*region)
        region = getenv("AWS_DEFAULT_REGION");
    if (region && !*region)
        region = NULL;
    if (cmd_audit_spec(c, &s, region) != 0) {
        stack_spec_free(&s);
        return CLI_EXIT_FAIL;
    }
    if (!s.name) {
        stack_spec_free(&s);
        return cli_usage_error("audit", "the spec names no stack: add --name NAME");
    }
    struct stack_problems pr;
    memset(&pr, 0, sizeof(pr));
    if (stack_validate(&s, &pr) > 0 && !c->json) {
        char *t = stack_problems_format(&pr);
        fprintf(stderr, "elcui audit: the spec would be refused by create:\n%s", t);
        free(t);
    }
    stack_problems_free(&pr);
    struct audit_facts f;
    audit_facts_from_spec(&f, &s, NULL, NULL, 0);
    int rc = cmd_audit_output(c, &f, &s);
    audit_facts_free(&f);
    stack_spec_free(&s);
    return rc;
}

static void cmd_audit_done(struct audit_facts *facts, const struct aws_error *err, void *arg)
{
    struct cmd_audit *c = arg;
    c->facts = facts;
    if (err)
        aws_error_copy(&c->err, err);
    c->done = true;
    loop_stop(c->s.loop, 0);
}

static int cmd_audit_live(struct cmd_audit *c, struct session_options *opts)
{
    int rc = CLI_EXIT_FAIL;
    struct stack_spec spec;
    bool have_spec = false;
    if (cmdspec_session("audit", &c->s, opts, NULL) != 0)
        goto out;
    if (c->spec_file) {
        if (cmd_audit_spec(c, &spec, c->s.region) != 0) {
            stack_spec_free(&spec);
            goto out;
        }
        have_spec = true;
    }
    /* the roles placement rests on: Redis's, as show has them */
    struct observe_options redis = {
        .loop = c->s.loop,
        .aws = c->s.aws,
        .creds = c->s.creds,
        .region = c->s.region,
        .cafile = opts->redis_cacert,
        .insecure = opts->insecure,
        .connect_to = opts->connect_to,
        .n_connect_to = opts->nconnect_to,
    };
    if (!c->no_redis && opts->insecure)
        fprintf(stderr, "elcui audit: WARNING: --insecure: Redis TLS certificates are NOT "
                        "verified\n");
    struct audit_gather_options go = {
        .rg_id = c->rg_id,
        .stack = c->name,
        .spec = have_spec ? &spec : NULL,
        .redis = c->no_redis ? NULL : &redis,
    };
    struct audit_req *q = audit_gather_start(c->s.aws, &go, cmd_audit_done, c);
    if (!q) {
        fprintf(stderr, "elcui audit: cannot start the audit\n");
        goto out;
    }
    loop_run(c->s.loop);
    if (!c->done) {
        audit_gather_cancel(q);
        fprintf(stderr, "elcui audit: interrupted\n");
        goto out;
    }
    if (!c->facts) {
        cmdspec_group_error("audit", c->rg_id, c->s.region, &c->err);
        goto out;
    }
    /* accepted findings: the spec's; else the stack's defaults (the seed's
     * accepts) when the group belongs to a stack; else only --accept */
    struct stack_spec acc;
    bool have_acc = false;
    if (have_spec) {
        stack_spec_copy(&acc, &spec);
        have_acc = true;
    } else {
        stack_spec_init(&acc);
        have_acc = true;
        if (!c->facts->stack)
            stack_spec_set(&acc, "accept", "*", "none", NULL, 0);
        if (cmd_audit_add_accepts(c, &acc) != 0) {
            stack_spec_free(&acc);
            rc = CLI_EXIT_USAGE;
            goto out;
        }
    }
    rc = cmd_audit_output(c, c->facts, have_acc ? &acc : NULL);
    stack_spec_free(&acc);
out:
    if (have_spec)
        stack_spec_free(&spec);
    if (c->facts) {
        audit_facts_free(c->facts);
        free(c->facts);
    }
    aws_error_clear(&c->err);
    session_close(&c->s);
    return rc;
}

static int cmd_audit_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_audit c;
    memset(&c, 0, sizeof(c));
    c.fail_on = AUDIT_SEV_LOW;
    aws_error_init(&c.err);
    int rc = cmd_audit_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (c.rg_id)
        return cmd_audit_live(&c, opts);
    return cmd_audit_plan(&c, opts);
}

const struct cli_command cmd_audit_entry = {
    .name = "audit",
    .args = "RG|--spec FILE [--name NAME] [--json]",
    .summary = "security and resilience findings",
    .run = cmd_audit_run,
    .options = cmd_audit_options,
    .shortopts = "h",
    .usage = cmd_audit_usage,
};
