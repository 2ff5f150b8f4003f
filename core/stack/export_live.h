/* export_live.h - a live stack rebuilt into a spec: the group, its
 * network, keys, log groups, secret, parameters and policies, found by the
 * stack's names and its elcui:stack tag; what is not the stack's own
 * becomes [reuse]. What the resources hold beyond the spec comes with it
 * (struct export_observed), for export_render_observed.
 */
#ifndef ELCUI_CORE_EXPORT_LIVE_H
#define ELCUI_CORE_EXPORT_LIVE_H

#include <stddef.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/ec2.h"
#include "aws/elasticache.h"
#include "aws/kms.h"
#include "core/stack/audit.h"
#include "core/stack/export.h"
#include "core/stack/stack_spec.h"

/* What exists, as the builder sees it (all optional but facts). */
struct export_world {
    const struct audit_facts *facts; /* the group and its surroundings */
    const struct ec2_vpc *vpc;
    const struct ec2_subnet *subnets; /* every subnet of the VPC */
    size_t n_subnets;
    const struct kms_alias_list *rest_aliases;   /* of the at-rest key */
    const struct kms_alias_list *secret_aliases; /* of the secret's key */
    const struct ec2_security_group *sg;         /* the group's (not the default) */
    const struct elasticache_cache_subnet_group *subnet_group;
};

/* Rebuild a spec named name from what exists (pure). notes receives what
 * could not be carried over (caller frees each and the array). */
void export_live_spec(struct stack_spec *out, const char *name, const char *region,
                      const struct export_world *w, char ***notes, size_t *n_notes);

/* What the world's resources hold that the spec cannot say (pure); notes
 * receive what differs from what the spec would make. */
void export_live_observe(const struct stack_spec *spec, const struct export_world *w,
                         struct export_observed *out, char ***notes, size_t *n_notes);

struct export_live {
    struct stack_spec spec;
    struct export_observed observed;
    char **notes;
    size_t n_notes;
    unsigned long requests;
};
void export_live_free(struct export_live *l);

struct export_live_req;
/* live: owned by the callee (export_live_free, then free()), or NULL with
 * err when the stack's replication group could not be described. */
typedef void (*export_live_cb)(struct export_live *live, const struct aws_error *err, void *arg);
/* Gather the stack named name (its replication group is the derived name
 * unless spec says otherwise; spec may be NULL). Never calls cb
 * synchronously. */
struct export_live_req *export_live_gather(struct aws_client *c, const char *name,
                                           const struct stack_spec *spec, export_live_cb cb,
                                           void *arg);
void export_live_cancel(struct export_live_req *r);

#endif
