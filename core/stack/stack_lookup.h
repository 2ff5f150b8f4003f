/* stack_lookup.h - what the account has, for the create wizard's choices:
 * who the caller is (STS GetCallerIdentity), the region's available zones,
 * its VPCs and subnets, and the customer-managed KMS key aliases.
 *
 * Five read-only requests at once on the loop; each part lands in the
 * catalog (core/stack/stack_form.h) the caller owns as it arrives, and the
 * callback says which part came (or why it could not be read). Nothing
 * here changes anything in AWS. Cancelling drops what is in flight.
 */
#ifndef ELCUI_CORE_STACK_LOOKUP_H
#define ELCUI_CORE_STACK_LOOKUP_H

#include <stdbool.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "core/stack/stack_form.h"

enum stack_lookup_part {
    STACK_LOOKUP_IDENTITY,
    STACK_LOOKUP_ZONES,
    STACK_LOOKUP_VPCS,
    STACK_LOOKUP_SUBNETS,
    STACK_LOOKUP_KEYS,
    STACK_LOOKUP_PARTS
};

/* A part arrived (err NULL) or failed. Called from the loop. */
typedef void (*stack_lookup_cb)(enum stack_lookup_part part, const struct aws_error *err,
                                void *arg);

struct stack_lookup;

/* Start every request; cat (borrowed, must outlive the lookup) is filled
 * part by part. Never calls cb synchronously. */
struct stack_lookup *stack_lookup_start(struct aws_client *c, struct stack_form_catalog *cat,
                                        stack_lookup_cb cb, void *arg);
/* Whether a part is still in flight; why it failed (NULL: it did not). */
bool stack_lookup_busy(const struct stack_lookup *l, enum stack_lookup_part part);
const char *stack_lookup_error(const struct stack_lookup *l, enum stack_lookup_part part);
/* Cancel what is in flight and free; cb is not called again. */
void stack_lookup_free(struct stack_lookup *l);
const char *stack_lookup_part_name(enum stack_lookup_part part);

#endif
