/* stack_decide.h - the plan for apply (internal to the planner): from what
 * discovery found, each resource's action (create, keep, change,
 * conflict, reuse) with the reason and the calls apply will send.
 */
#ifndef ELCUI_CORE_STACK_DECIDE_H
#define ELCUI_CORE_STACK_DECIDE_H

#include "core/stack/stack_discover.h"

/* Decide every resource of q->p, pick its zones, note what the plan
 * checked. */
void stack_decide_apply(struct stack_discover *q);

#endif
