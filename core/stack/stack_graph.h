/* stack_graph.h - the resource graph of a stack (internal to the planner):
 * which resources the spec asks for, in the seed's order, and what each
 * waits for.
 */
#ifndef ELCUI_CORE_STACK_GRAPH_H
#define ELCUI_CORE_STACK_GRAPH_H

#include "core/stack/stack_res.h"

/* Add the spec's resources to the empty plan p, with their dependencies
 * (what apply creates first). */
void stack_graph_build(struct stack_plan *p);
/* Destroy runs the graph backwards: X waits for everything that needed X. */
void stack_graph_reverse(struct stack_plan *p);

#endif
