/* cmdspec.c - the spec, the session and the messages of audit, cost and export. */
#include "tui/cmd/cmdspec.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/loop.h"

int cmdspec_load(const char *cmd, struct stack_spec *s, const char *file, const char *name)
{
    char err[512];
    stack_spec_init(s);
    if (file && stack_spec_load_file(s, file, err, sizeof(err)) != 0) {
        fprintf(stderr, "elcui %s: %s\n", cmd, err);
        return -1;
    }
    if (name && stack_spec_set_name(s, name, err, sizeof(err)) != 0) {
        fprintf(stderr, "elcui %s: --name: %s\n", cmd, err);
        return -1;
    }
    return 0;
}

static void cmdspec_signal(int signo, void *arg)
{
    (void)signo;
    struct session *s = arg;
    loop_stop(s->loop, 0);
}

int cmdspec_session(const char *cmd, struct session *s, struct session_options *opts, char **why)
{
    struct aws_error err;
    aws_error_init(&err);
    if (session_open(s, opts, &err) != 0) {
        char *m = aws_error_format(&err);
        aws_error_clear(&err);
        if (why) {
            *why = m;
            return -1;
        }
        fprintf(stderr, "elcui %s: cannot start: %s\n", cmd, m);
        free(m);
        return -1;
    }
    session_print_warnings(s, stderr);
    signal(SIGPIPE, SIG_IGN);
    loop_on_signal(s->loop, SIGINT, cmdspec_signal, s);
    loop_on_signal(s->loop, SIGTERM, cmdspec_signal, s);
    return 0;
}

void cmdspec_group_error(const char *cmd, const char *rg_id, const char *region,
                         const struct aws_error *err)
{
    if (aws_error_is(err, "ReplicationGroupNotFoundFault")) {
        fprintf(stderr, "elcui %s: replication group '%s' not found in %s\n", cmd, rg_id, region);
        return;
    }
    char *m = aws_error_format(err);
    fprintf(stderr, "elcui %s: cannot describe the replication group: %s\n", cmd, m);
    free(m);
}

void cmdspec_json_print(json_t *o, size_t flags)
{
    char *t = json_dumps(o, flags);
    fputs(t ? t : "{}", stdout);
    fputc('\n', stdout);
    free(t);
    json_decref(o);
}
