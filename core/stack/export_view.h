/* export_view.h - what the renderings (export_tf, export_cli) say beyond
 * the spec: the spec's values (a plan: what apply will make) or what was
 * read from the live resources; and the stand-ins both renderings replace.
 */
#ifndef ELCUI_CORE_EXPORT_VIEW_H
#define ELCUI_CORE_EXPORT_VIEW_H

#include <stdbool.h>

#include "core/stack/export.h"
#include "core/stack/stack_spec.h"

/* Stand-ins for what only exists once the stack does; replaced by
 * references (Terraform) or shell variables (CLI). Printable, no character
 * either output escapes. */
#define EX_ACCOUNT "ACCOUNTSENTINEL0"
#define EX_REST_ARN "RESTKEYARNSENTINEL0"
#define EX_SECRET_KEY_ARN "SECRETKEYARNSENTINEL0"
#define EX_SECRET_ARN "SECRETARNSENTINEL0"

/* The seed's token alphabet's complement among printable punctuation:
 * what get-random-password must leave out. */
#define EX_EXCLUDED "\"%'()*+,./:;=?@[\\]_`{|}~"

/* The values of the resources a spec alone cannot carry: the spec's (a
 * plan: what apply will make) or what was read (a live stack). */
struct export_view {
    const struct stack_spec *s;
    bool ingress; /* the security group has the stack's rule */
    const char *ingress_protocol;
    int ingress_from, ingress_to;
    const char *ingress_cidr; /* NULL: the VPC's CIDR (var.vpc_cidr) */
    const char *ingress_desc;
    bool egress; /* all traffic out */
    const char *egress_desc;
    const char *sg_name_tag; /* NULL: none */
    const char *subnet_group_desc;
    const char *auth_secret_tag; /* NULL: none */
    char *owned;
};

/* The view of s, with what ob (may be NULL) read overriding the spec. */
void export_view_init(struct export_view *v, const struct stack_spec *s,
                      const struct export_observed *ob);
void export_view_free(struct export_view *v);

#endif
