/* stack_destroy.h - the plan for destroy (internal to the planner): only
 * what is tagged for this stack (or proven its own) goes; what the spec
 * reuses and what is not ours is left alone, with the reason.
 */
#ifndef ELCUI_CORE_STACK_DESTROY_H
#define ELCUI_CORE_STACK_DESTROY_H

#include "core/stack/stack_discover.h"

/* Decide every resource of q->p for destroy (the graph still runs
 * forwards; reverse it after). */
void stack_destroy_decide(struct stack_discover *q);

#endif
