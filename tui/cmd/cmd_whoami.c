/* cmd_whoami.c - `elcui whoami [--json]`. */
#include "tui/cmd/cmd_whoami.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "aws/sts.h"
#include "aws/svc.h"
#include "tui/cmd/cmdout.h"

struct cmd_whoami {
    struct session s;
    bool json;
    bool done, interrupted;
    char *account, *arn, *user_id;
    struct aws_error err;
    bool failed;
};

static void cmd_whoami_usage(FILE *f)
{
    fprintf(f, "usage: elcui whoami [--json]\n"
               "\n"
               "Who the AWS calls run as (STS GetCallerIdentity): account, ARN and user id,\n"
               "with the region, the profile, where the credentials came from and every\n"
               "service endpoint that is not the default one (--endpoint-url,\n"
               "AWS_ENDPOINT_URL[_SERVICE], endpoint_url in the profile).\n"
               "\n"
               "A region name AWS does not list is refused, unless an endpoint override is\n"
               "set; whoami then says so under the region.\n"
               "\n"
               "  --json   one JSON object: account, arn, userId, region, regionNote (why\n"
               "           an unknown region is accepted, else null), profile,\n"
               "           credentialSource, endpoints (overridden ones, by service)\n"
               "\n"
               "Exit status: 0 ok, 1 failure, 2 usage.\n");
}

static void cmd_whoami_cb(const struct sts_caller_identity *out, const struct aws_error *err,
                          void *arg)
{
    struct cmd_whoami *c = arg;
    c->done = true;
    if (!out) {
        c->failed = true;
        aws_error_copy(&c->err, err);
        return;
    }
    c->account = mem_xstrdup(out->account ? out->account : "");
    c->arn = mem_xstrdup(out->arn ? out->arn : "");
    c->user_id = mem_xstrdup(out->user_id ? out->user_id : "");
}

static const struct svc *const cmd_whoami_svcs[] = {
    &svc_elasticache, &svc_cloudwatch,     &svc_logs, &svc_sts, &svc_ec2,
    &svc_kms,         &svc_secretsmanager, &svc_ssm,  &svc_iam, &svc_pricing,
};

static int cmd_whoami_print(struct cmd_whoami *c)
{
    const char *src = creds_source(c->s.creds);
    size_t nsvc = sizeof(cmd_whoami_svcs) / sizeof(cmd_whoami_svcs[0]);
    char *used[sizeof(cmd_whoami_svcs) / sizeof(cmd_whoami_svcs[0])];
    bool over[sizeof(cmd_whoami_svcs) / sizeof(cmd_whoami_svcs[0])];
    for (size_t i = 0; i < nsvc; i++) {
        used[i] = aws_client_endpoint(c->s.aws, cmd_whoami_svcs[i]);
        char *def = svc_default_endpoint(cmd_whoami_svcs[i], c->s.region);
        over[i] = used[i] && (!def || strcmp(used[i], def) != 0);
        free(def);
    }
    int rc = 0;
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "account", cmdout_jstr(c->account));
        json_object_set_new(o, "arn", cmdout_jstr(c->arn));
        json_object_set_new(o, "userId", cmdout_jstr(c->user_id));
        json_object_set_new(o, "region", cmdout_jstr(c->s.region));
        json_object_set_new(o, "regionNote", cmdout_jstr(c->s.region_note));
        json_object_set_new(o, "profile", cmdout_jstr(c->s.profile));
        json_object_set_new(o, "credentialSource", cmdout_jstr(src && *src ? src : NULL));
        json_t *eps = json_object();
        for (size_t i = 0; i < nsvc; i++)
            if (over[i])
                json_object_set_new(eps, cmd_whoami_svcs[i]->endpoint_prefix, cmdout_jstr(used[i]));
        json_object_set_new(o, "endpoints", eps);
        rc = cmdout_json_print(o, stdout);
    } else {
        printf("Caller identity\n");
        cmdout_kv(stdout, "Account", c->account);
        cmdout_kv(stdout, "ARN", c->arn);
        cmdout_kv(stdout, "User ID", c->user_id);
        cmdout_kv(stdout, "Region", c->s.region);
        if (c->s.region_note)
            cmdout_kv(stdout, "", c->s.region_note);
        cmdout_kv(stdout, "Profile", c->s.profile);
        cmdout_kv(stdout, "Credentials", src && *src ? src : "-");
        size_t n_over = 0;
        bool same = true;
        for (size_t i = 0; i < nsvc; i++)
            if (over[i]) {
                if (n_over && strcmp(used[i], used[0]) != 0)
                    same = false;
                n_over++;
            }
        if (n_over == 0)
            cmdout_kv(stdout, "Endpoints", "AWS defaults for the region");
        else if (n_over == nsvc && same)
            cmdout_kvf(stdout, "Endpoints", "%s (every service)", used[0]);
        for (size_t i = 0, k = 0; i < nsvc && !(n_over == nsvc && same); i++)
            if (over[i])
                cmdout_kvf(stdout, k++ ? "" : "Endpoints", "%-15s %s",
                           cmd_whoami_svcs[i]->endpoint_prefix, used[i]);
        rc = fflush(stdout) == 0 ? 0 : -1;
    }
    for (size_t i = 0; i < nsvc; i++)
        free(used[i]);
    return rc;
}

const struct option cmd_whoami_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_whoami_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_whoami c;
    memset(&c, 0, sizeof(c));
    aws_error_init(&c.err);
    int opt;
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, CMD_WHOAMI_SHORTOPTS, cmd_whoami_options, NULL)) != -1) {
        switch (opt) {
        case 'j':
            c.json = true;
            break;
        case 'h':
            cmd_whoami_usage(stdout);
            return CLI_EXIT_OK;
        default:
            if (optopt)
                return cli_usage_error("whoami", "unknown option '-%c'", optopt);
            return cli_usage_error("whoami", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("whoami", "unexpected argument '%s'", argv[optind]);
    int rc = CLI_EXIT_FAIL;
    if (cmdout_session("whoami", &c.s, opts, &c.interrupted) == 0) {
        sts_get_caller_identity(c.s.aws, cmd_whoami_cb, &c);
        if (!cmdout_run(&c.s, &c.done, &c.interrupted))
            fprintf(stderr, "elcui whoami: interrupted\n");
        else if (c.failed)
            cmdout_aws_error("whoami", "GetCallerIdentity failed", &c.err);
        else if (cmd_whoami_print(&c) == 0)
            rc = CLI_EXIT_OK;
    }
    free(c.account);
    free(c.arn);
    free(c.user_id);
    aws_error_clear(&c.err);
    session_close(&c.s);
    return rc;
}
