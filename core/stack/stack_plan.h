/* stack_plan.h - the resource graph of a stack and the plan: what exists,
 * and per resource what apply (or destroy) will do, with the exact API
 * parameters it will send.
 *
 * The graph is the seed's 8 steps + 3 best practices (seed-spec §13):
 *   1 vpc                       2 subnet.private.N, subnet.public.N,
 *                                 route-table.private.N, route-table.public,
 *                                 default-sg
 *   3 subnet-group              4 security-group
 *   5 kms.rest                  6 kms.rest.policy
 *   7 log-group.slow, log-group.engine
 *   8 kms.secret, kms.secret.policy, secret
 *   9 replication-group (created, then waited for until available)
 *  10 ssm.endpoint, ssm.port    11 iam.ssm-read, iam.secret-read
 * with the order hazards done right: the key policy before the log groups
 * (which retry while the policy propagates), the secret before the group,
 * the SSM parameters after the group is available, the IAM policies last.
 * Resources the spec turns off are not in the graph.
 *
 * Planning finds what exists (the tag elcui:stack=<name> on everything
 * elcui creates, plus names, aliases and the journal's ids) and gives each
 * resource an action. Discovery reads only (Describe/Get/List calls); it
 * runs on the loop, several requests in flight.
 */
#ifndef ELCUI_CORE_STACK_PLAN_H
#define ELCUI_CORE_STACK_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
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

struct stack_plan_options {
    enum stack_plan_mode mode;
    /* Directory of the journal ($XDG_STATE_HOME/elcui/stacks); NULL: the
     * default; "" disables the journal. */
    const char *journal_dir;
};

struct stack_plan_req;
/* Called once: plan (owned by the callee, free with stack_plan_free) or
 * err (discovery failed: access denied, network, ...). */
typedef void (*stack_plan_cb)(struct stack_plan *plan, const struct aws_error *err, void *arg);

/* Discover and plan. spec is copied (validate it first). Never calls cb
 * synchronously. */
struct stack_plan_req *stack_plan_start(struct aws_client *c, const struct stack_spec *spec,
                                        const struct stack_plan_options *opt, stack_plan_cb cb,
                                        void *arg);
/* Abandon a discovery in flight; cb is not called. */
void stack_plan_cancel(struct stack_plan_req *r);
void stack_plan_free(struct stack_plan *p);

/* Lookups. */
struct stack_resource *stack_plan_find(const struct stack_plan *p, const char *key);
const char *stack_plan_action_name(enum stack_action a);
const char *stack_plan_kind_name(enum stack_kind k); /* "AWS::EC2::VPC"-like type */
/* Nothing to do: no create, change or delete, no conflict. */
bool stack_plan_is_noop(const struct stack_plan *p);
/* The group's endpoint into r: its configuration endpoint, else its first
 * shard's primary (r keeps what it had when the group has neither). */
void stack_plan_group_endpoint(struct stack_resource *r,
                               const struct elasticache_replication_group *g);

/* The plan for people (one block per resource with its calls) and as JSON
 * ({"stack", "region", "account", "mode", "summary", "resources": [...]}).
 * Neither ever contains the AUTH token. */
char *stack_plan_format(const struct stack_plan *p, bool with_calls);
json_t *stack_plan_to_json(const struct stack_plan *p);

/* Recompute the calls' text and parameters from what is known now
 * (apply calls it as ids become known; plans show placeholders such as
 * "<vpc.id>" for what will only exist later). */
void stack_plan_describe_calls(struct stack_plan *p, size_t i);

#endif
