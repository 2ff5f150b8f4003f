/* stack_run.h - the create and destroy sequences as one engine:
 *
 *     plan (discovery) -> confirm -> apply (the graph on the loop) -> result
 *
 * `elcui create`, `elcui destroy`, the console's create wizard and its
 * destroy dialog all drive this engine; none of them runs a loop of its
 * own inside a callback. The engine keeps, per resource of the plan, what
 * a progress view shows: its state (waiting for what it needs, in flight,
 * done, failed), the call in flight, the elapsed time, the retries, and
 * the last error with its request id.
 *
 * Phases (on_phase is called on every change but the first, always from
 * the loop, never from inside a call of this API):
 *   PLANNING     discovery in flight (stack_plan_start)
 *   PLANNED      the plan is known; nothing changed yet. The caller shows
 *                it and calls stack_run_confirm() (or stack_run_stop());
 *                with auto_confirm the apply starts by itself when the
 *                plan has no conflict.
 *   APPLYING     the graph runs (stack_apply_start)
 *   DONE         every resource done or unchanged
 *   FAILED       some resource failed; what depends on it did not start
 *   PLAN_FAILED  discovery failed (access denied, network)
 *   STOPPED      stack_run_stop(): requests in flight cancelled; what was
 *                made stays, tagged and journaled
 *
 * Resuming: after FAILED, PLAN_FAILED or STOPPED (or a new run after
 * elcui was killed), stack_run_retry() / a new run plans again; the plan
 * finds what exists by its tags, aliases, names and the journal's ids, so
 * nothing is made twice, and apply continues with what is missing.
 * stack_journal_list() names the stacks whose last apply did not finish.
 */
#ifndef ELCUI_CORE_STACK_RUN_H
#define ELCUI_CORE_STACK_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "core/loop.h"
#include "core/stack/stack_apply.h"
#include "core/stack/stack_plan.h"
#include "core/stack/stack_spec.h"

enum stack_run_phase {
    STACK_RUN_PLANNING,
    STACK_RUN_PLANNED,
    STACK_RUN_APPLYING,
    STACK_RUN_DONE,
    STACK_RUN_FAILED,
    STACK_RUN_PLAN_FAILED,
    STACK_RUN_STOPPED,
};

/* What a progress view shows of one resource. */
struct stack_run_item {
    enum stack_state state;
    char *operation;      /* the call in flight, retried or failed (NULL: none) */
    char *detail;         /* "status creating", the retry's reason, ... */
    uint64_t started_ms;  /* loop clock when it started (0: not yet) */
    uint64_t elapsed_ms;  /* when finished: how long it took */
    int attempt;          /* of the current call, from 1 */
    unsigned retries;     /* retries so far (throttling, propagation, busy) */
    struct aws_error err; /* FAILED: the error, with its request id */
    char *request_id;     /* of the last answer */
};

struct stack_run;

struct stack_run_callbacks {
    void (*on_phase)(struct stack_run *r, enum stack_run_phase phase, void *arg);
    /* A resource changed state (ev as stack_apply gives it). */
    void (*on_state)(struct stack_run *r, const struct stack_event *ev, void *arg);
    /* A call is retried after delay_ms. */
    void (*on_retry)(struct stack_run *r, const struct stack_event *ev, uint64_t delay_ms,
                     void *arg);
    void *arg;
};

struct stack_run_options {
    struct loop *loop;
    struct aws_client *client; /* standard retries */
    struct aws_client *once;   /* one attempt per call, for creates (NULL: client) */
    enum stack_plan_mode mode;
    const char *journal_dir; /* NULL: default; "": none */
    bool auto_confirm;       /* apply as soon as a conflict-free plan is known */
    /* An AUTH token typed by the user, for a new secret (NULL: generated
     * or the spec's token file). Copied; wiped when the run is freed. */
    const char *token;
    /* Apply tunables (0: stack_apply's defaults). */
    unsigned max_in_flight;
    uint64_t poll_first_ms, poll_max_ms, backoff_first_ms, retry_window_ms, wait_timeout_ms;
};

/* A run over spec (copied; validate it first). Nothing starts until
 * stack_run_start(). */
struct stack_run *stack_run_new(const struct stack_spec *spec, const struct stack_run_options *o,
                                const struct stack_run_callbacks *cb);
/* Start discovery. 0, or -1 when the run is not idle. */
int stack_run_start(struct stack_run *r);
/* PLANNED -> APPLYING. -1 with the reason in err: not planned, the plan
 * has conflicts. A plan with nothing to do goes to DONE (from the loop). */
int stack_run_confirm(struct stack_run *r, char *err, size_t errlen);
/* FAILED, PLAN_FAILED or STOPPED: plan again and apply what is missing
 * (the caller confirmed this run once). -1 in other phases. */
int stack_run_retry(struct stack_run *r);
/* The same, but stop at PLANNED: the new plan waits for stack_run_confirm
 * (after a discovery failure, before anything was confirmed). */
int stack_run_replan(struct stack_run *r);
/* Cancel what is in flight (discovery or apply): STOPPED, no callback.
 * What was made stays; a retry or a later run continues. */
void stack_run_stop(struct stack_run *r);
void stack_run_free(struct stack_run *r);

enum stack_run_phase stack_run_phase(const struct stack_run *r);
const char *stack_run_phase_name(enum stack_run_phase p);
/* The plan (NULL while planning the first time or after PLAN_FAILED). */
struct stack_plan *stack_run_plan(const struct stack_run *r);
const struct stack_spec *stack_run_spec(const struct stack_run *r);
/* Per resource of the plan (NULL out of range). */
const struct stack_run_item *stack_run_item(const struct stack_run *r, size_t i);
/* Elapsed time of a resource: so far when in flight, else as finished. */
uint64_t stack_run_elapsed(const struct stack_run *r, size_t i);
/* The result of the last apply (valid in DONE and FAILED); first_error
 * points into the run. */
const struct stack_apply_result *stack_run_result(const struct stack_run *r);
/* PLAN_FAILED: why. */
const struct aws_error *stack_run_error(const struct stack_run *r);
/* Counts of the plan's resources by what a view shows. */
struct stack_run_counts {
    size_t waiting, in_flight, done, failed, blocked; /* blocked: something it needs failed */
};
void stack_run_counts(const struct stack_run *r, struct stack_run_counts *c);
/* Since the apply started (0 before). */
uint64_t stack_run_total_ms(const struct stack_run *r);

#endif
