/* stack_apply.h - execute a plan: create / change a stack, or destroy it.
 *
 * The plan's graph runs on the loop: a resource starts when everything it
 * needs is done (for destroy: when everything that needed it is gone), so
 * independent steps run concurrently (several requests in flight). Each
 * resource sends its calls in order (a step that waits polls
 * DescribeReplicationGroups with back-off until the group is available, or
 * gone). Retries a caller sees through on_retry: throttled single-attempt
 * creates, CreateLogGroup while the key policy propagates to CloudWatch
 * Logs, deletes whose dependants are still going (DependencyViolation).
 *
 * Crash-safe by construction: everything is tagged when it is created (in
 * the create call itself), so a run after `kill -9` plans again, finds what
 * exists by tag, alias and name, and continues; creates that may not be
 * retried blindly (CreateKey, CreateVpc, ...) are sent once per attempt and
 * retried only when the answer says the request was not executed. The
 * journal (stack_journal.h) is written after each resource, atomically.
 *
 * Test hook: ELCUI_TEST_CRASH_AFTER=<key> (or <key>:<Operation>) makes the
 * process _exit(137) right after that resource (or that call) succeeded,
 * before the journal is written: the harshest point for a resume.
 */
#ifndef ELCUI_CORE_STACK_APPLY_H
#define ELCUI_CORE_STACK_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "core/loop.h"
#include "core/stack/stack_plan.h"

enum stack_state {
    STACK_STATE_PENDING,   /* waits for what it needs */
    STACK_STATE_RUNNING,   /* a call in flight (operation) */
    STACK_STATE_RETRYING,  /* a retry is scheduled (detail says why) */
    STACK_STATE_WAITING,   /* polling until available / gone (detail: status) */
    STACK_STATE_DONE,      /* every call succeeded */
    STACK_STATE_UNCHANGED, /* keep / reuse / absent / skip: nothing to send */
    STACK_STATE_FAILED,    /* a call failed (err, request id) */
    STACK_STATE_BLOCKED,   /* something it needs failed */
};

struct stack_event {
    const struct stack_plan *plan;
    size_t index;
    const struct stack_resource *res;
    enum stack_state state;
    const char *operation;       /* call in flight, retried or failed; NULL otherwise */
    const char *detail;          /* "status creating", "ThrottlingException", ... or NULL */
    uint64_t elapsed_ms;         /* since this resource started */
    uint64_t total_ms;           /* since the apply started */
    int attempt;                 /* of the current call, from 1 */
    const struct aws_error *err; /* FAILED and RETRYING */
    const char *request_id;      /* of the last answer, when there was one */
};

struct stack_apply_result {
    bool ok;
    bool destroy;
    size_t done, unchanged, failed, blocked;
    uint64_t elapsed_ms;
    const struct aws_error *first_error; /* valid during on_done */
    const char *first_failed;            /* resource key */
};

struct stack_apply_callbacks {
    void (*on_state)(const struct stack_event *ev, void *arg);
    void (*on_retry)(const struct stack_event *ev, uint64_t delay_ms, void *arg);
    void (*on_done)(const struct stack_apply_result *res, void *arg);
    void *arg;
};

struct stack_apply_options {
    struct loop *loop;
    struct aws_client *client; /* standard retries: reads, idempotent calls */
    struct aws_client *once;   /* one attempt per call, for creates (NULL: client) */
    const char *journal_dir;   /* NULL: default; "": no journal */
    unsigned max_in_flight;    /* requests at once; 0: 8 */
    uint64_t poll_first_ms;    /* first poll of a wait; 0: 2000 */
    uint64_t poll_max_ms;      /* poll interval cap; 0: 15000 */
    uint64_t wait_timeout_ms;  /* per wait; 0: 90 minutes */
    uint64_t backoff_first_ms; /* first retry delay; 0: 1000 (doubles, capped at 20 s) */
    uint64_t retry_window_ms;  /* how long propagation retries go on; 0: 3 minutes
                                  (deletes waiting for dependants: 5x) */
    /* The AUTH token for a new secret when the user typed it (NULL: the
     * spec's token file, else a generated one). Copied and wiped. */
    const char *token;
};

struct stack_apply;

/* Start executing plan (borrowed: it must outlive the apply; its
 * resources get the ids and states found on the way). NULL with a message
 * in err when the plan has a conflict or nothing can run. on_done runs
 * once, from the loop, unless stack_apply_stop() came first. */
struct stack_apply *stack_apply_start(struct stack_plan *plan, const struct stack_apply_options *o,
                                      const struct stack_apply_callbacks *cb, char *err,
                                      size_t errlen);
/* Cancel what is in flight; on_done is not called. */
void stack_apply_stop(struct stack_apply *a);
void stack_apply_free(struct stack_apply *a);

const char *stack_apply_state_name(enum stack_state s);
/* State of a resource now. */
enum stack_state stack_apply_state(const struct stack_apply *a, size_t index);

#endif
