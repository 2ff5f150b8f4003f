/* stack_discover.h - what exists of a stack (internal to the planner):
 * the Describe/Get/List calls, several in flight on the loop, and their
 * answers, which the deciding (stack_decide, stack_destroy) reads.
 * Discovery only reads.
 */
#ifndef ELCUI_CORE_STACK_DISCOVER_H
#define ELCUI_CORE_STACK_DISCOVER_H

#include <jansson.h>
#include <stdbool.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/ec2.h"
#include "aws/elasticache.h"
#include "aws/iam.h"
#include "aws/kms.h"
#include "aws/logs.h"
#include "aws/secrets.h"
#include "aws/ssm.h"
#include "core/stack/stack_res.h"

struct probe;
struct stack_discover;
/* Every answer is in (q->failed: the first error in q->err). */
typedef void (*stack_discover_done_cb)(struct stack_discover *q, void *arg);

struct stack_discover {
    struct aws_client *c;
    struct stack_plan *p;
    stack_discover_done_cb done; /* when the last answer is in */
    void *done_arg;
    int pending;
    bool failed;
    struct aws_error err;
    struct probe *inflight; /* list, for cancel */
    json_t *journal;        /* the local journal of this stack, or NULL */
    /* raw findings */
    struct ec2_vpc_list *vpcs;
    struct ec2_subnet_list *subnets;
    struct ec2_subnet_list *reuse_subnets;
    struct ec2_route_table_list *rts;
    struct ec2_security_group_list *sgs;
    struct ec2_security_group_list *reuse_sg;
    struct ec2_availability_zone_list *zones;
    int dns[2]; /* -1 unknown, 0/1 */
    struct elasticache_cache_subnet_group *sng;
    bool sng_ours;
    struct elasticache_replication_group *rg;
    bool rg_ours;
    bool rg_tags_unknown;  /* ListTagsForResource refused: not available */
    char *rg_subnet_group; /* from a member cluster, to prove it ours */
    struct elasticache_cache_parameter_group_list *pgs;
    bool pg_missing;
    /* keys: [0] rest, [1] secret */
    struct key_find {
        bool alias_missing;
        bool reuse_missing;
        struct kms_key_metadata *meta;
        bool ours;
        bool rotation;
        bool rotation_known;
        char *policy;
        bool via_tag;
    } keys[2];
    bool key_scan_started;
    struct kms_key_list *all_keys;
    size_t scan_next;
    struct logs_log_group *lgs[2];
    /* destroy: the log groups' tags, or the code of the error that kept
     * them from being listed (then the key/journal rule decides) */
    struct logs_tag_list *lg_tags[2];
    char *lg_tags_error[2];
    struct secrets_secret *secret;
    bool secret_missing;
    struct ssm_parameter_metadata_list *params;
    struct ssm_parameter_metadata_list *params_ours;
    struct ssm_get_parameters_out *param_values;
    struct iam_found {
        struct iam_policy *pol;
        bool missing;
        char *doc;
        struct iam_policy_version_list *versions;
        bool attached;
        char *attached_to;
    } iam[2];
};

/* Find what exists of plan p's resources (p->mode says for what); journal
 * (owned from now on, may be NULL) names ids elcui created. done runs once,
 * never synchronously. */
struct stack_discover *stack_discover_start(struct aws_client *c, struct stack_plan *p,
                                            json_t *journal, stack_discover_done_cb done,
                                            void *arg);
/* Abandon the calls in flight and free q (not the plan). */
void stack_discover_cancel(struct stack_discover *q);
/* Free q and its findings (not the plan); after done. */
void stack_discover_free(struct stack_discover *q);

/* The stack's VPC (the one found), or NULL. */
const struct ec2_vpc *stack_discover_vpc(const struct stack_discover *q);
/* The parameter of l named name, or NULL. */
const struct ssm_parameter_metadata *
stack_discover_param(const struct ssm_parameter_metadata_list *l, const char *name);
/* The route table tagged for this stack under r's name (the last one
 * listed), or NULL; none without the stack's VPC. */
const struct ec2_route_table *stack_discover_route_table(const struct stack_discover *q,
                                                         bool have_vpc,
                                                         const struct stack_resource *r);
/* Tags unreadable (group not available): its subnet group or its key
 * being this stack's, or the journal's record, proves the group ours. */
void stack_discover_prove_group(struct stack_discover *q);

#endif
