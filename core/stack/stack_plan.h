/* stack_plan.h - the resource graph of a stack and the plan: what exists,
 * and per resource what apply (or destroy) will do, with the exact API
 * parameters it will send.
 *
 * The graph is the seed's 8 steps + 3 best practices (stack_graph.c):
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
#include "core/stack/stack_res.h"
#include "core/stack/stack_spec.h"

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
