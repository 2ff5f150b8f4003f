/* stack_res.h - the resources of a stack's plan: the types the planner's
 * parts (graph, discovery, deciding, destroy), its calls (stack_ops) and
 * apply share, and the small helpers over them.
 */
#ifndef ELCUI_CORE_STACK_RES_H
#define ELCUI_CORE_STACK_RES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aws/ec2.h"
#include "aws/elasticache.h"
#include "core/stack/stack_spec.h"

#define STACK_PLAN_MAX_DEPS 16

enum stack_kind {
    STACK_KIND_VPC,
    STACK_KIND_SUBNET,
    STACK_KIND_ROUTE_TABLE,
    STACK_KIND_DEFAULT_SG,
    STACK_KIND_SUBNET_GROUP,
    STACK_KIND_SECURITY_GROUP,
    STACK_KIND_KMS_KEY,
    STACK_KIND_KEY_POLICY,
    STACK_KIND_LOG_GROUP,
    STACK_KIND_SECRET,
    STACK_KIND_REPLICATION_GROUP,
    STACK_KIND_SSM_PARAMETER,
    STACK_KIND_IAM_POLICY,
};

enum stack_action {
    STACK_ACT_CREATE,   /* absent: apply creates it */
    STACK_ACT_KEEP,     /* exists as the spec says (or becomes so by waiting) */
    STACK_ACT_CHANGE,   /* exists, ours, and apply changes it in place */
    STACK_ACT_CONFLICT, /* exists but not ours, or differs in a way that
                           cannot be changed: apply refuses to start */
    STACK_ACT_REUSE,    /* named in [reuse]: used, never changed or deleted */
    STACK_ACT_DELETE,   /* destroy: it goes */
    STACK_ACT_ABSENT,   /* destroy: already gone */
    STACK_ACT_SKIP,     /* destroy: left alone (not tagged for this stack,
                           or reused); reason says which */
};

enum stack_plan_mode {
    STACK_PLAN_APPLY,
    STACK_PLAN_DESTROY,
};

/* One API call a resource's step will make, in order. */
struct stack_call {
    const char *service;   /* "EC2", "KMS", ... */
    const char *operation; /* "CreateVpc" */
    char *text;            /* "Name=value" lines (query) or JSON, secrets as **** */
    json_t *params;        /* the same as an object (secrets "****") */
    int op;                /* internal operation code */
    int arg;               /* internal argument */
};

struct stack_resource_priv;

struct stack_resource {
    char *key; /* stable id: "vpc", "subnet.private.1", "kms.rest", ... */
    enum stack_kind kind;
    int step;   /* seed step, 1..11 */
    char *name; /* Name tag, alias, group name, ARN-free name */
    enum stack_action action;
    char *reason;                     /* why: change/conflict/skip details, or a note */
    bool ours;                        /* carries elcui:stack=<name> (or is proven ours) */
    size_t deps[STACK_PLAN_MAX_DEPS]; /* indexes of resources it waits for */
    size_t n_deps;
    struct stack_call *calls; /* what apply/destroy sends for it */
    size_t n_calls;
    /* What is known of it (found by the plan, filled in by apply). */
    char *id;       /* vpc-/subnet-/rtb-/sg- id, key id, name or ARN */
    char *arn;      /* key, secret, group, parameter, policy ARN */
    char *cidr;     /* VPC, subnet */
    char *zone;     /* subnet */
    char *status;   /* replication group status, key state */
    char *endpoint; /* replication group configuration endpoint */
    int port;
    struct stack_resource_priv *priv;
};

struct stack_plan {
    enum stack_plan_mode mode;
    struct stack_spec spec; /* copy; region resolved */
    char *account;
    char *partition;
    char **zones; /* zones the subnets use, in subnet order of the region */
    size_t n_zones;
    struct stack_resource *res;
    size_t n;
    size_t n_create, n_keep, n_change, n_conflict, n_reuse, n_delete, n_absent, n_skip;
    char **notes; /* plan-wide remarks (e.g. a custom parameter group's family) */
    size_t n_notes;
    bool journal_used;      /* ids from the local journal helped discovery */
    unsigned long requests; /* AWS requests discovery made */
};

/* The resource under key, or NULL (p or key NULL: NULL). */
struct stack_resource *stack_res_find(const struct stack_plan *p, const char *key);
/* Its index, or -1. */
ssize_t stack_res_index(const struct stack_plan *p, const char *key);
/* Replace *dst with a copy of v (NULL: NULL). */
void stack_res_set_str(char **dst, const char *v);
/* Replace r's reason with the formatted text. */
void stack_res_reason(struct stack_resource *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add a plan-wide remark. */
void stack_res_note(struct stack_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The group's endpoint into r: its configuration endpoint, else its first
 * shard's primary (r keeps what it had when the group has neither). */
void stack_res_group_endpoint(struct stack_resource *r,
                              const struct elasticache_replication_group *g);
/* Does a KMS reference (id, ARN, alias name or alias ARN) name this key? */
bool stack_res_key_matches(const char *ref, const struct stack_resource *k);
/* The EC2 tag key is set to value. */
bool stack_res_has_tag(const struct ec2_tag *tags, size_t n, const char *key, const char *value);
/* Tagged for this stack and named as the resource. */
bool stack_res_tagged_ours(const struct ec2_tag *tags, size_t n, const struct stack_plan *p,
                           const struct stack_resource *r);

#endif
