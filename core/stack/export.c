/* export.c - a stack rendered in a format, and the files it makes. */
#include "core/stack/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/export_cli.h"
#include "core/stack/export_tf.h"
#include "core/stack/export_view.h"

int export_format_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcasecmp(s, "terraform") == 0 || strcasecmp(s, "tf") == 0 || strcasecmp(s, "hcl") == 0)
        return EXPORT_TERRAFORM;
    if (strcasecmp(s, "cli") == 0 || strcasecmp(s, "sh") == 0)
        return EXPORT_CLI;
    if (strcasecmp(s, "spec") == 0 || strcasecmp(s, "ini") == 0)
        return EXPORT_SPEC;
    return -1;
}

const char *export_format_name(enum export_format f)
{
    switch (f) {
    case EXPORT_TERRAFORM:
        return "terraform";
    case EXPORT_CLI:
        return "cli";
    case EXPORT_SPEC:
        return "spec";
    }
    return "?";
}

void export_observed_free(struct export_observed *o)
{
    if (!o)
        return;
    free(o->ingress_protocol);
    free(o->ingress_cidr);
    free(o->ingress_description);
    free(o->egress_description);
    free(o->sg_name_tag);
    free(o->subnet_group_description);
    free(o->auth_secret_tag);
    memset(o, 0, sizeof(*o));
}

int export_render_observed(const struct stack_spec *s, const struct export_observed *ob,
                           enum export_format fmt, struct export_files *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!s || !s->name) {
        snprintf(err, errlen, "the spec names no stack");
        return -1;
    }
    struct export_view v;
    switch (fmt) {
    case EXPORT_TERRAFORM:
        export_view_init(&v, s, ob);
        export_tf_render(&v, out);
        export_view_free(&v);
        return 0;
    case EXPORT_CLI: {
        char *n = mem_xasprintf("create-%s.sh", s->name);
        export_view_init(&v, s, ob);
        export_files_add(out, n, export_cli_script(&v), true);
        export_view_free(&v);
        free(n);
        return 0;
    }
    case EXPORT_SPEC: {
        char *n = mem_xasprintf("%s.ini", s->name);
        export_files_add(out, n, stack_spec_write(s), false);
        free(n);
        return 0;
    }
    }
    snprintf(err, errlen, "unknown format");
    return -1;
}

int export_render(const struct stack_spec *s, enum export_format fmt, struct export_files *out,
                  char *err, size_t errlen)
{
    return export_render_observed(s, NULL, fmt, out, err, errlen);
}
