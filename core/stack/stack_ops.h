/* stack_ops.h - the API calls of a stack's resources (internal to the
 * create engine: stack_plan shows them, stack_apply sends them).
 *
 * One function fills each call's input from the plan; the same input is
 * either described (plan: exact parameters, secrets as ****, "<key.id>"
 * placeholders for what does not exist yet) or sent (apply). So what the
 * plan shows is what apply sends.
 */
#ifndef ELCUI_CORE_STACK_OPS_H
#define ELCUI_CORE_STACK_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/ec2.h"
#include "core/stack/stack_res.h"

enum stack_op {
    STACK_OP_CREATE_VPC,
    STACK_OP_VPC_DNS_SUPPORT,
    STACK_OP_VPC_DNS_HOSTNAMES,
    STACK_OP_CREATE_SUBNET,
    STACK_OP_CREATE_ROUTE_TABLE,
    STACK_OP_ASSOCIATE_ROUTE_TABLE, /* arg: the subnet's resource index */
    STACK_OP_FIND_DEFAULT_SG,       /* a new VPC's default group and its rules */
    STACK_OP_REVOKE_DEFAULT_INGRESS,
    STACK_OP_REVOKE_DEFAULT_EGRESS,
    STACK_OP_TAG_DEFAULT_SG,
    STACK_OP_CREATE_SUBNET_GROUP,
    STACK_OP_CREATE_SECURITY_GROUP,
    STACK_OP_AUTHORIZE_INGRESS,
    STACK_OP_CREATE_KEY,
    STACK_OP_ENABLE_KEY_ROTATION,
    STACK_OP_CREATE_ALIAS,
    STACK_OP_PUT_KEY_POLICY,
    STACK_OP_CREATE_LOG_GROUP,
    STACK_OP_PUT_RETENTION,
    STACK_OP_CREATE_SECRET,
    STACK_OP_READ_TOKEN,
    STACK_OP_CREATE_REPLICATION_GROUP,
    STACK_OP_MODIFY_REPLICATION_GROUP,
    STACK_OP_WAIT_AVAILABLE,
    STACK_OP_PUT_PARAMETER,
    STACK_OP_CREATE_POLICY,
    STACK_OP_DELETE_POLICY_VERSION, /* arg: index in versions, or -1: old_version */
    STACK_OP_CREATE_POLICY_VERSION,
    /* destroy */
    STACK_OP_DELETE_POLICY,
    STACK_OP_DELETE_PARAMETER,
    STACK_OP_DELETE_REPLICATION_GROUP,
    STACK_OP_WAIT_GONE,
    STACK_OP_DELETE_SECRET,
    STACK_OP_DELETE_LOG_GROUP,
    STACK_OP_DELETE_ALIAS,
    STACK_OP_SCHEDULE_KEY_DELETION,
    STACK_OP_DELETE_SECURITY_GROUP,
    STACK_OP_DELETE_SUBNET_GROUP,
    STACK_OP_DISASSOCIATE_ROUTE_TABLE, /* arg: index of the association */
    STACK_OP_DELETE_ROUTE_TABLE,
    STACK_OP_DELETE_SUBNET,
    STACK_OP_DELETE_VPC,
    STACK_OP__COUNT
};

/* What the plan found and apply needs, per resource. */
struct stack_resource_priv {
    bool is_public;                         /* subnet, route table */
    size_t index;                           /* subnet / route table number (0-based) */
    bool secret_key;                        /* kms.secret, kms.secret.policy */
    bool engine_log;                        /* log-group.engine */
    bool port;                              /* ssm.port */
    bool secret_policy;                     /* iam.secret-read */
    size_t subnets[STACK_SPEC_MAX_SUBNETS]; /* route table: subnet resources */
    size_t n_subnets;
    char **assoc_ids; /* route table associations found (destroy) */
    size_t n_assoc;
    /* default security group rules found (to revoke) */
    struct ec2_ip_permission *ingress;
    size_t n_ingress;
    struct ec2_ip_permission *egress;
    size_t n_egress;
    bool has_name_tag;
    bool creating; /* a CreateKey is on its way (journaled before sending) */
    /* what differs (CHANGE) */
    bool exists;
    bool set_dns_support, set_dns_hostnames;
    bool set_rotation, set_alias;
    bool set_retention;
    bool mod_multi_az, mod_failover, mod_logs, mod_snapshot, mod_description;
    bool overwrite;    /* SSM parameter exists: PutParameter Overwrite */
    char *old_version; /* IAM: non-default version to delete first */
    char **versions;   /* IAM: every non-default version (destroy) */
    size_t n_versions;
    char *default_version;
    char *existing_doc; /* key policy / IAM document found */
    char *existing_kms; /* log group / secret / parameter key found */
    char *token_source; /* secret ARN to read the token from */
};

void stack_ops_priv_free(struct stack_resource_priv *p);
/* Remember a security group's rules (deep copy) for the revoke calls. */
void stack_ops_keep_rules(struct stack_resource_priv *pv, const struct ec2_security_group *g);
/* Remember a route table's associations other than the main one (their
 * ids, for the disassociate calls); how many. */
size_t stack_ops_keep_assocs(struct stack_resource_priv *pv, const struct ec2_route_table *rt);

/* Service and operation names of an op. */
const char *stack_ops_service(enum stack_op op);
const char *stack_ops_operation(enum stack_op op);
/* Whether a retry of the op could create a second resource or fail with
 * "already exists": apply sends those once and retries only answers that
 * say the request was not executed (throttling). */
bool stack_ops_send_once(enum stack_op op);
/* The error means the at-rest key's policy has not reached CloudWatch
 * Logs yet ("The specified KMS key does not exist or is not allowed to be
 * used with LogGroup"): retry after a pause. */
bool stack_ops_is_kms_propagation(const struct aws_error *err);
/* The error means "already gone" for a delete (destroy is idempotent). */
bool stack_ops_is_gone(enum stack_op op, const struct aws_error *err);
/* The error means "not yet" for a delete whose dependants are still going
 * (DependencyViolation, CacheSubnetGroupInUse, InvalidCacheClusterState). */
bool stack_ops_is_busy(enum stack_op op, const struct aws_error *err);

/* Append a call of op to resource i (text and parameters empty until
 * described). */
void stack_ops_add_call(struct stack_plan *p, size_t i, enum stack_op op, int arg);
/* Fill call->text and call->params (replacing what was there). */
void stack_ops_describe(struct stack_plan *p, size_t ri, struct stack_call *call);

struct stack_ops_env {
    struct aws_client *c;    /* with the standard retries */
    struct aws_client *once; /* one attempt per call (NULL: c) */
    char *token;             /* SECRET: the AUTH token (NULL until known) */
};

struct stack_ops_result {
    const struct aws_error *err; /* NULL on success */
    const char *request_id;
    bool pending; /* WAIT_*: not there yet (status in the resource) */
};
typedef void (*stack_ops_done_cb)(const struct stack_ops_result *r, void *arg);

struct stack_ops_call;
/* Send the call; done runs once (never synchronously) unless cancelled
 * with stack_ops_cancel(). Results (ids, ARNs, status, the token) go into
 * the plan's resource and env. */
struct stack_ops_call *stack_ops_run(struct stack_ops_env *env, struct stack_plan *p, size_t ri,
                                     size_t ci, stack_ops_done_cb done, void *arg);
void stack_ops_cancel(struct stack_ops_call *c);

#endif
