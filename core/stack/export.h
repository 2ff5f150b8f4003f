/* export.h - a stack as Terraform, as aws CLI commands, or as a spec file.
 *
 * The source is a stack spec: the plan's (before apply), or one rebuilt
 * from what exists (export_live_gather, export_live.h: the group, its network, keys, log
 * groups, secret, parameters and policies, found by the stack's names and
 * its elcui:stack tag; what is not the stack's own becomes [reuse]).
 *
 * Terraform (EXPORT_TERRAFORM) follows the seed's file layout and current
 * heads: provider.tf (aws 5.20.1, random 3.6.3, default tags), variable.tf
 * (the zones per region: changing var.region alone takes that region's
 * available zones), data.tf (caller identity, zones, the names and the
 * log-group ARNs as locals computed from the names, not from resources),
 * network.tf, security_group.tf, kms.tf (keys, aliases, key policies),
 * cloudwatch.tf (log groups after the key policy: depends_on), random.tf
 * (the AUTH token as random_password), elasticache.tf (subnet group with
 * its description, secret after its key policy (depends_on, as the plan
 * orders it) + secret version, replication group with the token from the
 * secret version and the elcui:auth-secret tag, kms_key_id by ARN,
 * lifecycle as the seed), security_group.tf (with its Name tag),
 * ssm_parameter.tf and iam_role.tf. Policy documents are the create
 * engine's (stack_spec_*_policy) written as jsonencode() with references.
 * The token is never in the output.
 *
 * CLI (EXPORT_CLI) is a POSIX sh script of aws commands in the order
 * elcui's apply uses: network, subnet group, security group, at-rest key
 * and its policy before the log groups (retried while the policy
 * propagates), the secret key and the secret before the group, a wait
 * until the group is available, the SSM parameters after it, the IAM
 * policies last. Ids are captured with --query/--output text. The token is
 * made by `aws secretsmanager get-random-password` with the allowed
 * characters, kept in a private temporary file passed as file://, never
 * echoed, removed on exit.
 *
 * Spec (EXPORT_SPEC) is stack_spec_write().
 */
#ifndef ELCUI_CORE_EXPORT_H
#define ELCUI_CORE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/stack/export_files.h"
#include "core/stack/stack_spec.h"

enum export_format {
    EXPORT_TERRAFORM,
    EXPORT_CLI,
    EXPORT_SPEC,
};

/* "terraform", "cli", "spec" -> format; -1 when unknown. */
int export_format_parse(const char *s);
const char *export_format_name(enum export_format f);

/* What the live resources hold, read from each resource itself, that the
 * spec cannot say (the spec is what apply would build; these are what it
 * built): the security group's own ingress rule (not the port the group's
 * endpoint reports), its Name tag, the subnet group's description, the
 * group's elcui:auth-secret tag. A plan export has none: everything comes
 * from the spec, as apply will make it. */
struct export_observed {
    bool sg_read;           /* the security group was described: */
    bool has_ingress;       /* the stack's ingress rule, as the group holds it */
    char *ingress_protocol; /* "tcp" */
    int ingress_from, ingress_to;
    char *ingress_cidr; /* its first IPv4 range; NULL: none */
    char *ingress_description;
    bool has_egress; /* an all-traffic egress rule to 0.0.0.0/0 */
    char *egress_description;
    char *sg_name_tag; /* NULL: no Name tag */
    bool subnet_group_read;
    char *subnet_group_description;
    char *auth_secret_tag; /* the group's elcui:auth-secret tag; NULL: none */
};
void export_observed_free(struct export_observed *o);

/* The stack in a format, as files (Terraform: one per seed file; CLI: one
 * script; spec: one INI file). The spec needs a name. 0, or -1 with err. */
int export_render(const struct stack_spec *s, enum export_format fmt, struct export_files *out,
                  char *err, size_t errlen);
/* The same for a live stack: ob (may be NULL) overrides what the spec
 * would say for the resources it read. */
int export_render_observed(const struct stack_spec *s, const struct export_observed *ob,
                           enum export_format fmt, struct export_files *out, char *err,
                           size_t errlen);

#endif
