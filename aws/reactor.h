/* reactor.h - the event-loop interface the aws/ layer is driven by.
 *
 * aws/ sits below core/ and must not include core headers, yet every AWS
 * call runs on core's one event loop. This header is the seam: core/loop.c
 * fills a struct reactor with its functions, and aws/ code (curl multi glue,
 * retry timers, credential refresh) only ever calls through it. The pattern
 * is hiredis's adapters (deps/hiredis/adapters/ae.h).
 */
#ifndef ELCUI_AWS_REACTOR_H
#define ELCUI_AWS_REACTOR_H

#include <stdint.h>

enum {
    REACTOR_READ = 1,
    REACTOR_WRITE = 2,
};

/* fd callback: revents is a mask of REACTOR_READ/REACTOR_WRITE (errors and
 * hang-ups are reported as both, so the owner reads and sees the error). */
typedef void (*reactor_fd_cb)(int fd, int revents, void *arg);
typedef void (*reactor_timer_cb)(void *arg);

struct reactor_ops {
    /* Watch fd for events; returns an opaque handle or NULL on failure. */
    void *(*watch)(void *ctx, int fd, int events, reactor_fd_cb cb, void *arg);
    /* Change the event mask of a watch (0 pauses it). */
    void (*rewatch)(void *ctx, void *watch, int events);
    /* Stop watching; the callback is never called again, even later in
     * the same loop iteration. */
    void (*unwatch)(void *ctx, void *watch);
    /* One-shot timer after delay_ms; returns a handle or NULL. */
    void *(*timer)(void *ctx, uint64_t delay_ms, reactor_timer_cb cb, void *arg);
    /* Cancel a pending timer. A timer's handle dies when its callback
     * runs: owners clear their copy there and never cancel it afterwards. */
    void (*untimer)(void *ctx, void *timer);
    /* Monotonic milliseconds. */
    uint64_t (*now_ms)(void *ctx);
    /* Wall clock in milliseconds since the epoch (tests may fake it). */
    int64_t (*wall_ms)(void *ctx);
};

struct reactor {
    const struct reactor_ops *ops;
    void *ctx;
};

static inline void *reactor_watch(const struct reactor *r, int fd, int events, reactor_fd_cb cb,
                                  void *arg)
{
    return r->ops->watch(r->ctx, fd, events, cb, arg);
}

static inline void reactor_rewatch(const struct reactor *r, void *w, int events)
{
    r->ops->rewatch(r->ctx, w, events);
}

static inline void reactor_unwatch(const struct reactor *r, void *w)
{
    if (w)
        r->ops->unwatch(r->ctx, w);
}

static inline void *reactor_timer(const struct reactor *r, uint64_t delay_ms, reactor_timer_cb cb,
                                  void *arg)
{
    return r->ops->timer(r->ctx, delay_ms, cb, arg);
}

static inline void reactor_untimer(const struct reactor *r, void *t)
{
    if (t)
        r->ops->untimer(r->ctx, t);
}

static inline uint64_t reactor_now_ms(const struct reactor *r)
{
    return r->ops->now_ms(r->ctx);
}

static inline int64_t reactor_wall_ms(const struct reactor *r)
{
    return r->ops->wall_ms(r->ctx);
}

#endif
