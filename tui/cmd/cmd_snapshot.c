/* cmd_snapshot.c - `elcui snapshot RG [--dir DIR] [--no-doctor] [--json]`:
 * the console's incident snapshot (core/snapshot.h) from the command line,
 * each section reported as it comes in, then the two files. */
#include "tui/cmd/cmd_snapshot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "core/redis/rrender.h"
#include "core/snapshot.h"
#include "tui/cmd/cmdout.h"

struct cmd_snapshot {
    struct session s;
    bool interrupted;
    const char *rg_id;
    const char *dir;
    bool no_doctor;
    bool json;
    bool done;
    struct snapshot *snap;
};

static void cmd_snapshot_usage(FILE *f)
{
    fprintf(f, "usage: elcui snapshot RG [--dir DIR] [--no-doctor] [--json]\n"
               "\n"
               "Writes an incident snapshot of replication group RG, as Markdown and as\n"
               "JSON: its topology (shards, nodes, AZs, roles and their sources), the\n"
               "shards x AZs placement with its risks, the last hour of events, the\n"
               "latest metrics per node (CPU, engine CPU, memory, connections,\n"
               "replication lag, cache hit rate, network in/out; min, avg, max), and the\n"
               "connectivity doctor's verdicts (its endpoint and token found as exec finds\n"
               "them; the token is never written). The console's :snapshot (key x) adds\n"
               "the last 200 records of an open log tail. Files are 0600 in\n"
               "$XDG_STATE_HOME/elcui/snapshots/ (~/.local/state/elcui/snapshots/), folders\n"
               "0700; their paths are printed. A section that fails says why in the files.\n"
               "\n"
               "  --dir DIR      write into DIR instead\n"
               "  --no-doctor    leave the doctor out (no connection to Redis)\n"
               "  --json         {markdown, json, sections: {NAME: {state, note}}}\n"
               "\n"
               "Exit status: 0 written (some sections may have failed), 1 not written,\n"
               "2 usage.\n");
}

enum { OPT_DIR = 300, OPT_NO_DOCTOR, OPT_JSON };

static const struct option cmd_snapshot_options[] = {
    {"dir", required_argument, NULL, OPT_DIR},
    {"no-doctor", no_argument, NULL, OPT_NO_DOCTOR},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_snapshot_option(void *ctx, int opt, char *arg)
{
    struct cmd_snapshot *c = ctx;
    switch (opt) {
    case OPT_DIR:
        if (!*arg)
            return cli_refuse("snapshot", "--dir wants a folder");
        c->dir = arg;
        break;
    case OPT_NO_DOCTOR:
        c->no_doctor = true;
        break;
    case OPT_JSON:
        c->json = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_snapshot_parse(struct cmd_snapshot *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_snapshot_entry, argc, argv, cmd_snapshot_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("snapshot", "unexpected argument '%s'", argv[optind]), -1;
    if (!c->rg_id || !*c->rg_id)
        return cli_usage_error("snapshot", "name a replication group"), -1;
    return 0;
}

static void cmd_snapshot_on_section(struct snapshot *s, enum snapshot_section sec,
                                    const struct snapshot_result *r, void *arg)
{
    (void)s;
    struct cmd_snapshot *c = arg;
    if (c->json)
        return;
    struct buf b;
    buf_init(&b, 0);
    rrender_safe(&b, r->note[sec], strlen(r->note[sec]));
    fprintf(stderr, "elcui snapshot: %-9s %-7s %s\n", snapshot_section_name(sec),
            snapshot_state_name(r->state[sec]), buf_str(&b));
    buf_free(&b);
}

static void cmd_snapshot_on_done(struct snapshot *s, const struct snapshot_result *r, void *arg)
{
    (void)s;
    (void)r;
    struct cmd_snapshot *c = arg;
    c->done = true;
}

static int cmd_snapshot_report(struct cmd_snapshot *c, const struct snapshot_result *r)
{
    if (c->json) {
        json_t *secs = json_object();
        for (int i = 0; i < SNAPSHOT_SECTIONS; i++)
            json_object_set_new(secs, snapshot_section_name(i),
                                json_pack("{s:s,s:o}", "state", snapshot_state_name(r->state[i]),
                                          "note", cmdout_jstr(r->note[i])));
        json_t *o = json_pack("{s:o,s:o,s:o,s:o}", "markdown",
                              r->written ? cmdout_jstr(r->md_path) : json_null(), "json",
                              r->written ? cmdout_jstr(r->json_path) : json_null(), "sections",
                              secs, "error", r->written ? json_null() : cmdout_jstr(r->error));
        cmdout_json_print(o, stdout);
    } else if (r->written) {
        char *md = cmdout_safe(r->md_path), *js = cmdout_safe(r->json_path);
        printf("snapshot of %s written:\n  %s\n  %s\n", c->rg_id, md, js);
        free(md);
        free(js);
    }
    if (!r->written) {
        char *e = cmdout_safe(r->error);
        fprintf(stderr, "elcui snapshot: not written: %s\n", e);
        free(e);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int cmd_snapshot_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_snapshot c;
    memset(&c, 0, sizeof(c));
    int rc = cmd_snapshot_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = CLI_EXIT_FAIL;
    if (cmdout_session("snapshot", &c.s, opts, &c.interrupted) != 0)
        goto out;
    struct snapshot_options o = {
        .loop = c.s.loop,
        .aws = c.s.aws,
        .rg_id = c.rg_id,
        .dir = c.dir,
        .no_doctor = c.no_doctor,
        .cafile = opts->redis_cacert,
        .insecure = opts->insecure,
        .connect_to = opts->connect_to,
        .n_connect_to = opts->nconnect_to,
        .on_section = cmd_snapshot_on_section,
        .on_done = cmd_snapshot_on_done,
        .arg = &c,
    };
    c.snap = snapshot_start(&o);
    if (!c.snap) {
        fprintf(stderr, "elcui snapshot: cannot start\n");
        goto out;
    }
    if (!cmdout_run(&c.s, &c.done, &c.interrupted)) {
        fprintf(stderr, "elcui snapshot: interrupted; nothing was written\n");
        goto out;
    }
    rc = cmd_snapshot_report(&c, snapshot_result(c.snap));
out:
    snapshot_free(c.snap);
    session_close(&c.s);
    return rc;
}

const struct cli_command cmd_snapshot_entry = {
    .name = "snapshot",
    .args = "RG [--dir DIR] [--no-doctor]",
    .summary = "an incident snapshot, Markdown and JSON",
    .run = cmd_snapshot_run,
    .options = cmd_snapshot_options,
    .shortopts = "h",
    .usage = cmd_snapshot_usage,
};
