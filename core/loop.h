/* loop.h - the one event loop: fd watches, timers, signals, before-sleep hooks.
 *
 * Everything that waits goes through here: libcurl (via the reactor seam in
 * aws/reactor.h), Redis sockets, the keyboard, timers, and signals turned
 * into events through a self-pipe. Single-threaded; callbacks run from
 * loop_run()/loop_run_once() only.
 */
#ifndef ELCUI_CORE_LOOP_H
#define ELCUI_CORE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/reactor.h"

struct loop;
struct loop_watch;
struct loop_timer;

typedef void (*loop_fd_cb)(int fd, int revents, void *arg);
typedef void (*loop_timer_cb)(void *arg);
typedef void (*loop_signal_cb)(int signo, void *arg);
typedef void (*loop_hook_cb)(void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* The reactor view of this loop, for aws/ (valid while the loop lives). */
const struct reactor *loop_reactor(struct loop *l);

/* fd watches: events is a mask of REACTOR_READ | REACTOR_WRITE. */
struct loop_watch *loop_watch(struct loop *l, int fd, int events, loop_fd_cb cb, void *arg);
void loop_rewatch(struct loop *l, struct loop_watch *w, int events);
void loop_unwatch(struct loop *l, struct loop_watch *w);

/* One-shot timers. The handle is freed once the callback has run: owners
 * clear their copy inside the callback and never cancel a fired timer. */
struct loop_timer *loop_timer(struct loop *l, uint64_t delay_ms, loop_timer_cb cb, void *arg);
void loop_untimer(struct loop *l, struct loop_timer *t);

/* Deliver signo as an event (self-pipe); cb runs from the loop. */
int loop_on_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg);

/* Hooks run before each sleep (e.g. redraw what is dirty). */
int loop_before_sleep(struct loop *l, loop_hook_cb cb, void *arg);
/* Remove a hook added with the same cb and arg (safe from inside a hook:
 * a removed hook that has not run yet in this pass does not run). */
void loop_before_sleep_remove(struct loop *l, loop_hook_cb cb, void *arg);

uint64_t loop_now_ms(struct loop *l);
int64_t loop_wall_ms(struct loop *l);

/* Run until loop_stop(); returns the code given to loop_stop(). */
int loop_run(struct loop *l);
/* One iteration waiting at most timeout_ms (-1: until something happens).
 * Returns the number of callbacks dispatched. */
int loop_run_once(struct loop *l, int timeout_ms);
void loop_stop(struct loop *l, int code);
bool loop_stopped(struct loop *l);

/* Run until *flag becomes true or deadline_ms passes; true if the flag was
 * set. For tests and for one-shot CLI commands. */
bool loop_run_until(struct loop *l, const bool *flag, uint64_t deadline_ms);

#endif
