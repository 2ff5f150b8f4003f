/* cmd_export.c - `elcui export`: Terraform, aws CLI or spec of a stack. */
#include "tui/cmd/cmd_export.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/export.h"
#include "core/stack/export_live.h"
#include "core/stack/stack_spec.h"
#include "tui/cmd/cmdspec.h"

struct cmd_export {
    const char *live_name;
    const char *spec_file;
    const char *name;
    const char *output;
    int format;
    bool json;
    struct session s;
    bool done;
    struct export_live *live;
    struct aws_error err;
};

static void cmd_export_usage(FILE *f)
{
    fprintf(f, "usage: elcui export NAME --format terraform|cli|spec [OPTIONS]\n"
               "       elcui export --spec FILE | --name NAME --format terraform|cli|spec "
               "[OPTIONS]\n"
               "\n"
               "A stack as Terraform in the seed's file layout, as the equivalent aws CLI\n"
               "commands (a sh script), or as a spec file for `elcui create --spec`.\n"
               "\n"
               "With NAME the live stack is read (its replication group, network, keys, log\n"
               "groups, secret, parameters and policies, by the stack's names and its\n"
               "elcui:stack tag; what is not the stack's own is exported as [reuse]). With\n"
               "--spec (or --name alone: the seed's defaults) the plan is exported, offline.\n"
               "A live export writes what each resource holds itself: the security group's\n"
               "own rules and Name tag (not the port the group reports), the subnet group's\n"
               "description, the group's elcui:auth-secret tag (in every format). The zones\n"
               "are per region: another region alone takes that region's zones.\n"
               "\n"
               "  --format F      terraform (files provider.tf ... iam_role.tf), cli\n"
               "                  (create-NAME.sh) or spec (NAME.ini)\n"
               "  --output DIR|-  write the files into DIR (created when missing), or to\n"
               "                  stdout with a '# ==== FILE ====' line before each (default -)\n"
               "  --spec FILE     the plan's spec (elcui-spec(5))\n"
               "  --name NAME     the stack's name (with --spec: overrides the file's)\n"
               "  --json          {\"format\",\"stack\",\"mode\",\"files\":[...],\"notes\":[...]}\n"
               "\n"
               "The AUTH token is never exported: Terraform makes it with random_password and\n"
               "passes it through the secret version; the script has Secrets Manager make it\n"
               "and passes it through a private temporary file. What a live stack has that the\n"
               "export cannot carry is listed on stderr (note: ...).\n"
               "Exit status: 0 exported, 1 failure, 2 usage.\n");
}

enum { OPT_SPEC = 256, OPT_NAME, OPT_FORMAT, OPT_OUTPUT, OPT_JSON };

static const struct option cmd_export_options[] = {
    {"spec", required_argument, NULL, OPT_SPEC},
    {"name", required_argument, NULL, OPT_NAME},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_export_option(void *ctx, int opt, char *arg)
{
    struct cmd_export *c = ctx;
    switch (opt) {
    case OPT_SPEC:
        c->spec_file = arg;
        break;
    case OPT_NAME:
        c->name = arg;
        break;
    case OPT_FORMAT:
        c->format = export_format_parse(arg);
        if (c->format < 0)
            return cli_refuse("export", "--format wants terraform, cli or spec");
        break;
    case 'o':
    case OPT_OUTPUT:
        c->output = arg;
        break;
    case OPT_JSON:
        c->json = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_export_parse(struct cmd_export *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_export_entry, argc, argv, cmd_export_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->live_name = argv[optind++];
    if (optind < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]), -1;
    if (c->format < 0)
        return cli_usage_error("export", "--format terraform|cli|spec is required"), -1;
    if (!c->live_name && !c->spec_file && !c->name)
        return cli_usage_error("export", "name a stack, or a spec (--spec FILE or --name NAME)"),
               -1;
    if (c->live_name && (c->spec_file || c->name))
        return cli_usage_error("export", "give either a live stack NAME or a spec, not both"), -1;
    if (c->output && !*c->output)
        return cli_usage_error("export", "--output wants a directory or -"), -1;
    return 0;
}

static int cmd_export_emit(struct cmd_export *c, const struct stack_spec *s, bool live,
                           char **notes, size_t n_notes)
{
    struct export_files files;
    char err[512];
    /* a live stack: what each resource holds itself (the security group's
     * rule, its Name tag, the subnet group's description, the tags) */
    const struct export_observed *ob = live && c->live ? &c->live->observed : NULL;
    if (export_render_observed(s, ob, (enum export_format)c->format, &files, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "elcui export: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    bool to_dir = c->output && strcmp(c->output, "-") != 0;
    int rc = CLI_EXIT_OK;
    if (to_dir && export_files_write(&files, c->output, err, sizeof(err)) != 0) {
        fprintf(stderr, "elcui export: %s\n", err);
        export_files_free(&files);
        return CLI_EXIT_FAIL;
    }
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "format",
                            json_string(export_format_name((enum export_format)c->format)));
        json_object_set_new(o, "stack", json_string(s->name));
        json_object_set_new(o, "mode", json_string(live ? "live" : "plan"));
        json_t *a = json_array();
        for (size_t i = 0; i < files.n; i++) {
            json_t *f = json_object();
            json_object_set_new(f, "name", json_string(files.items[i].name));
            if (to_dir) {
                char *p = export_files_path(c->output, files.items[i].name);
                json_object_set_new(f, "path", json_string(p));
                free(p);
            } else {
                json_object_set_new(f, "text", json_string(files.items[i].text));
            }
            json_array_append_new(a, f);
        }
        json_object_set_new(o, "files", a);
        json_t *n = json_array();
        for (size_t i = 0; i < n_notes; i++)
            json_array_append_new(n, json_string(notes[i]));
        json_object_set_new(o, "notes", n);
        cmdspec_json_print(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    } else {
        for (size_t i = 0; i < n_notes; i++)
            fprintf(stderr, "elcui export: note: %s\n", notes[i]);
        if (to_dir) {
            for (size_t i = 0; i < files.n; i++) {
                char *p = export_files_path(c->output, files.items[i].name);
                fprintf(stderr, "elcui export: wrote %s\n", p);
                free(p);
            }
        } else {
            char *t = export_files_stream(&files);
            fputs(t, stdout);
            free(t);
        }
    }
    if (fflush(stdout) != 0)
        rc = CLI_EXIT_FAIL;
    export_files_free(&files);
    return rc;
}

static void cmd_export_done(struct export_live *live, const struct aws_error *err, void *arg)
{
    struct cmd_export *c = arg;
    c->live = live;
    if (err)
        aws_error_copy(&c->err, err);
    c->done = true;
    loop_stop(c->s.loop, 0);
}

static int cmd_export_live(struct cmd_export *c, struct session_options *opts)
{
    int rc = CLI_EXIT_FAIL;
    if (cmdspec_session("export", &c->s, opts, NULL) != 0)
        goto out;
    struct export_live_req *q =
        export_live_gather(c->s.aws, c->live_name, NULL, cmd_export_done, c);
    if (!q) {
        fprintf(stderr, "elcui export: '%s' is not a stack name\n", c->live_name);
        goto out;
    }
    loop_run(c->s.loop);
    if (!c->done) {
        export_live_cancel(q);
        fprintf(stderr, "elcui export: interrupted\n");
        goto out;
    }
    if (!c->live) {
        if (aws_error_is(&c->err, "ReplicationGroupNotFoundFault"))
            fprintf(stderr,
                    "elcui export: stack '%s' has no replication group in %s (looked for "
                    "its derived id)\n",
                    c->live_name, c->s.region);
        else {
            char *m = aws_error_format(&c->err);
            fprintf(stderr, "elcui export: cannot read the stack: %s\n", m);
            free(m);
        }
        goto out;
    }
    rc = cmd_export_emit(c, &c->live->spec, true, c->live->notes, c->live->n_notes);
out:
    if (c->live) {
        export_live_free(c->live);
        free(c->live);
    }
    aws_error_clear(&c->err);
    session_close(&c->s);
    return rc;
}

static int cmd_export_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_export c;
    memset(&c, 0, sizeof(c));
    c.format = -1;
    aws_error_init(&c.err);
    int rc = cmd_export_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (c.live_name)
        return cmd_export_live(&c, opts);
    struct stack_spec s;
    rc = CLI_EXIT_FAIL;
    if (cmdspec_load("export", &s, c.spec_file, c.name) != 0)
        goto out;
    if (!s.region && opts->region)
        stack_spec_set(&s, "stack", "region", opts->region, NULL, 0);
    if (!s.name) {
        rc = cli_usage_error("export", "the spec names no stack: add --name NAME");
        goto out;
    }
    rc = cmd_export_emit(&c, &s, false, NULL, 0);
out:
    stack_spec_free(&s);
    return rc;
}

const struct cli_command cmd_export_entry = {
    .name = "export",
    .args = "NAME|--spec FILE --format terraform|cli|spec",
    .summary = "the stack as Terraform, aws CLI commands or a spec",
    .run = cmd_export_run,
    .options = cmd_export_options,
    .shortopts = "ho:",
    .usage = cmd_export_usage,
};
