/* audit_gather.h - the facts of a live group and its surroundings, read
 * on the loop (several requests in flight), for the audit rules.
 */
#ifndef ELCUI_CORE_AUDIT_GATHER_H
#define ELCUI_CORE_AUDIT_GATHER_H

#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "core/redis/observe.h"
#include "core/stack/audit.h"
#include "core/stack/stack_spec.h"

struct audit_gather_options {
    const char *rg_id; /* the replication group (required) */
    /* The stack around it: NULL = the group's elcui:stack tag (none: only
     * what the group itself references is audited). */
    const char *stack;
    /* Names of the stack's resources (secret, SSM parameters, IAM
     * policies); NULL: derived from the stack name with the seed's
     * defaults. Copied. */
    const struct stack_spec *spec;
    int64_t now_ms; /* for the age of placement data; 0: the client's clock */
    /* Ask Redis for the roles the placement rests on: the loop,
     * credentials and connection options of an observation (rg_id,
     * interval and callback are the gatherer's); NULL: the API's roles. */
    const struct observe_options *redis;
    uint64_t redis_timeout_ms; /* how long Redis may take; 0: 5000 */
};

struct audit_req;
/* facts: owned by the callee (audit_facts_free, then free()), or NULL with
 * err (the group could not be described: not found, denied, network). */
typedef void (*audit_gather_cb)(struct audit_facts *facts, const struct aws_error *err, void *arg);
/* Never calls cb synchronously. */
struct audit_req *audit_gather_start(struct aws_client *c, const struct audit_gather_options *o,
                                     audit_gather_cb cb, void *arg);
/* Abandon; cb is not called. */
void audit_gather_cancel(struct audit_req *r);

#endif
