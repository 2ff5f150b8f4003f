/* tail_budget.h - the shared request budget of the tails (a token bucket
 * on the loop). */
#ifndef ELCUI_CORE_TAIL_BUDGET_H
#define ELCUI_CORE_TAIL_BUDGET_H

#include <stdint.h>

#include "core/loop.h"

struct tail_budget;
struct tail_budget_wait;
typedef void (*tail_budget_cb)(void *arg);

/* rate requests per second (0: 4), burst tokens (0: 1). */
struct tail_budget *tail_budget_new(struct loop *l, double rate, double burst);
void tail_budget_free(struct tail_budget *b);
/* Ask for one request slot; cb runs from the loop when granted (never
 * synchronously), in FIFO order. */
struct tail_budget_wait *tail_budget_acquire(struct tail_budget *b, tail_budget_cb cb, void *arg);
void tail_budget_cancel(struct tail_budget *b, struct tail_budget_wait *w);
/* The service said "slow down": hold every grant for ms. */
void tail_budget_penalize(struct tail_budget *b, uint64_t ms);
double tail_budget_rate(const struct tail_budget *b);
unsigned long tail_budget_granted(const struct tail_budget *b);

#endif
