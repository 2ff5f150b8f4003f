/* tail_budget.c - the request budget the tails of a process share: a
 * token bucket on the loop, FIFO grants, held while the service says
 * "slow down". */
#include "core/logs/tail_budget.h"

#include <stdlib.h>

#include "aws/mem.h"

struct tail_budget_wait {
    struct tail_budget_wait *next;
    tail_budget_cb cb;
    void *arg;
};

struct tail_budget {
    struct loop *loop;
    double rate;
    double burst;
    double tokens;
    uint64_t refilled_ms;
    uint64_t hold_until_ms;
    struct tail_budget_wait *head, *tail;
    struct loop_timer *timer;
    unsigned long granted;
};

struct tail_budget *tail_budget_new(struct loop *l, double rate, double burst)
{
    struct tail_budget *b = mem_xcalloc(1, sizeof(*b));
    b->loop = l;
    b->rate = rate > 0 ? rate : 4.0;
    b->burst = burst >= 1 ? burst : 1.0;
    b->tokens = b->burst;
    b->refilled_ms = loop_now_ms(l);
    return b;
}

void tail_budget_free(struct tail_budget *b)
{
    if (!b)
        return;
    if (b->timer)
        loop_untimer(b->loop, b->timer);
    while (b->head) {
        struct tail_budget_wait *w = b->head;
        b->head = w->next;
        free(w);
    }
    free(b);
}

static void tail_budget_refill(struct tail_budget *b, uint64_t now)
{
    if (now > b->refilled_ms) {
        b->tokens += (double)(now - b->refilled_ms) * b->rate / 1000.0;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->refilled_ms = now;
    }
}

static void tail_budget_arm(struct tail_budget *b, uint64_t delay);

static void tail_budget_pump(void *arg)
{
    struct tail_budget *b = arg;
    b->timer = NULL;
    uint64_t now = loop_now_ms(b->loop);
    if (now < b->hold_until_ms) {
        tail_budget_arm(b, b->hold_until_ms - now);
        return;
    }
    tail_budget_refill(b, now);
    /* one grant per pump: the callback may cancel or add waiters */
    if (b->head && b->tokens >= 1.0) {
        struct tail_budget_wait *w = b->head;
        b->head = w->next;
        if (!b->head)
            b->tail = NULL;
        b->tokens -= 1.0;
        b->granted++;
        tail_budget_cb cb = w->cb;
        void *cb_arg = w->arg;
        free(w);
        if (b->head)
            tail_budget_arm(b, 0);
        cb(cb_arg);
        return;
    }
    if (b->head) {
        double need = 1.0 - b->tokens;
        uint64_t wait = (uint64_t)(need * 1000.0 / b->rate) + 1;
        tail_budget_arm(b, wait);
    }
}

static void tail_budget_arm(struct tail_budget *b, uint64_t delay)
{
    if (b->timer)
        loop_untimer(b->loop, b->timer);
    b->timer = loop_timer(b->loop, delay, tail_budget_pump, b);
}

struct tail_budget_wait *tail_budget_acquire(struct tail_budget *b, tail_budget_cb cb, void *arg)
{
    struct tail_budget_wait *w = mem_xcalloc(1, sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    if (b->tail)
        b->tail->next = w;
    else
        b->head = w;
    b->tail = w;
    if (!b->timer)
        tail_budget_arm(b, 0);
    return w;
}

void tail_budget_cancel(struct tail_budget *b, struct tail_budget_wait *w)
{
    struct tail_budget_wait **pp = &b->head, *prev = NULL;
    while (*pp) {
        if (*pp == w) {
            *pp = w->next;
            if (b->tail == w)
                b->tail = prev;
            free(w);
            break;
        }
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!b->head && b->timer) {
        loop_untimer(b->loop, b->timer);
        b->timer = NULL;
    }
}

void tail_budget_penalize(struct tail_budget *b, uint64_t ms)
{
    uint64_t until = loop_now_ms(b->loop) + ms;
    if (until > b->hold_until_ms)
        b->hold_until_ms = until;
}

double tail_budget_rate(const struct tail_budget *b)
{
    return b->rate;
}

unsigned long tail_budget_granted(const struct tail_budget *b)
{
    return b->granted;
}
