/* loop.c - poll(2) based event loop with a timer heap and a signal self-pipe. */
#include "core/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct loop_watch {
    int fd;
    int events;
    bool dead;
    loop_fd_cb cb;
    void *arg;
};

struct loop_timer {
    uint64_t deadline;
    uint64_t seq;
    size_t heap_index;
    loop_timer_cb cb;
    void *arg;
};

struct loop_sig {
    int signo;
    loop_signal_cb cb;
    void *arg;
};

struct loop_hook {
    loop_hook_cb cb;
    void *arg;
};

struct loop {
    struct loop_watch **watches;
    size_t nwatches, capwatches;
    bool watches_dirty;

    struct loop_timer **heap;
    size_t nheap, capheap;
    uint64_t timer_seq;

    struct loop_sig *sigs;
    size_t nsigs;
    int sigpipe[2];
    struct loop_watch *sigwatch;

    struct loop_hook *hooks;
    size_t nhooks;
    bool in_hooks;    /* the hooks are being run: removal only marks */
    bool hooks_dirty; /* a hook was removed while they ran */

    struct pollfd *pfds;
    struct loop_watch **pwatch;
    size_t cappfds;

    bool stop;
    int code;
    struct reactor reactor;
};

/* Only one loop may own signals; the handler writes into its pipe. */
static volatile sig_atomic_t loop_sig_fd = -1;

static void loop_sig_handler(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    if (loop_sig_fd >= 0) {
        ssize_t n = write(loop_sig_fd, &b, 1);
        (void)n;
    }
    errno = saved;
}

static uint64_t loop_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_now_ms(struct loop *l)
{
    (void)l;
    return loop_mono_ms();
}

int64_t loop_wall_ms(struct loop *l)
{
    (void)l;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- timer heap ---- */

static bool loop_timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void loop_heap_swap(struct loop *l, size_t i, size_t j)
{
    struct loop_timer *t = l->heap[i];
    l->heap[i] = l->heap[j];
    l->heap[j] = t;
    l->heap[i]->heap_index = i;
    l->heap[j]->heap_index = j;
}

static void loop_heap_up(struct loop *l, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!loop_timer_before(l->heap[i], l->heap[p]))
            break;
        loop_heap_swap(l, i, p);
        i = p;
    }
}

static void loop_heap_down(struct loop *l, size_t i)
{
    for (;;) {
        size_t a = 2 * i + 1, b = a + 1, m = i;
        if (a < l->nheap && loop_timer_before(l->heap[a], l->heap[m]))
            m = a;
        if (b < l->nheap && loop_timer_before(l->heap[b], l->heap[m]))
            m = b;
        if (m == i)
            break;
        loop_heap_swap(l, i, m);
        i = m;
    }
}

static void loop_heap_remove(struct loop *l, size_t i)
{
    l->nheap--;
    if (i != l->nheap) {
        l->heap[i] = l->heap[l->nheap];
        l->heap[i]->heap_index = i;
        loop_heap_down(l, i);
        loop_heap_up(l, i);
    }
}

struct loop_timer *loop_timer(struct loop *l, uint64_t delay_ms, loop_timer_cb cb, void *arg)
{
    if (l->nheap == l->capheap) {
        size_t cap = l->capheap ? l->capheap * 2 : 16;
        struct loop_timer **h = realloc(l->heap, cap * sizeof(*h));
        if (!h)
            return NULL;
        l->heap = h;
        l->capheap = cap;
    }
    struct loop_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->deadline = loop_mono_ms() + delay_ms;
    t->seq = l->timer_seq++;
    t->cb = cb;
    t->arg = arg;
    t->heap_index = l->nheap;
    l->heap[l->nheap++] = t;
    loop_heap_up(l, t->heap_index);
    return t;
}

void loop_untimer(struct loop *l, struct loop_timer *t)
{
    if (!t)
        return;
    if (t->heap_index < l->nheap && l->heap[t->heap_index] == t)
        loop_heap_remove(l, t->heap_index);
    free(t);
}

/* ---- fd watches ---- */

struct loop_watch *loop_watch(struct loop *l, int fd, int events, loop_fd_cb cb, void *arg)
{
    if (fd < 0)
        return NULL;
    if (l->nwatches == l->capwatches) {
        size_t cap = l->capwatches ? l->capwatches * 2 : 16;
        struct loop_watch **w = realloc(l->watches, cap * sizeof(*w));
        if (!w)
            return NULL;
        l->watches = w;
        l->capwatches = cap;
    }
    struct loop_watch *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->fd = fd;
    w->events = events;
    w->cb = cb;
    w->arg = arg;
    l->watches[l->nwatches++] = w;
    return w;
}

void loop_rewatch(struct loop *l, struct loop_watch *w, int events)
{
    (void)l;
    if (w)
        w->events = events;
}

void loop_unwatch(struct loop *l, struct loop_watch *w)
{
    if (!w)
        return;
    /* Freed at the end of the current dispatch, so a pending poll result
     * for this fd is never delivered to a dead owner. */
    w->dead = true;
    w->cb = NULL;
    l->watches_dirty = true;
}

static void loop_compact(struct loop *l)
{
    if (!l->watches_dirty)
        return;
    size_t j = 0;
    for (size_t i = 0; i < l->nwatches; i++) {
        if (l->watches[i]->dead)
            free(l->watches[i]);
        else
            l->watches[j++] = l->watches[i];
    }
    l->nwatches = j;
    l->watches_dirty = false;
}

/* ---- signals ---- */

static void loop_sig_readable(int fd, int revents, void *arg)
{
    struct loop *l = arg;
    (void)revents;
    unsigned char buf[64];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            for (size_t k = 0; k < l->nsigs; k++)
                if (l->sigs[k].signo == buf[i] && l->sigs[k].cb)
                    l->sigs[k].cb(buf[i], l->sigs[k].arg);
    }
}

int loop_on_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
    if (l->sigpipe[0] < 0) {
        if (pipe(l->sigpipe) != 0)
            return -1;
        for (int i = 0; i < 2; i++) {
            fcntl(l->sigpipe[i], F_SETFL, fcntl(l->sigpipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(l->sigpipe[i], F_SETFD, FD_CLOEXEC);
        }
        loop_sig_fd = l->sigpipe[1];
        l->sigwatch = loop_watch(l, l->sigpipe[0], REACTOR_READ, loop_sig_readable, l);
    }
    struct loop_sig *s = realloc(l->sigs, (l->nsigs + 1) * sizeof(*s));
    if (!s)
        return -1;
    l->sigs = s;
    l->sigs[l->nsigs++] = (struct loop_sig){signo, cb, arg};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = loop_sig_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return sigaction(signo, &sa, NULL);
}

int loop_before_sleep(struct loop *l, loop_hook_cb cb, void *arg)
{
    struct loop_hook *h = realloc(l->hooks, (l->nhooks + 1) * sizeof(*h));
    if (!h)
        return -1;
    l->hooks = h;
    l->hooks[l->nhooks++] = (struct loop_hook){cb, arg};
    return 0;
}

static void loop_hooks_compact(struct loop *l)
{
    size_t j = 0;
    for (size_t i = 0; i < l->nhooks; i++)
        if (l->hooks[i].cb)
            l->hooks[j++] = l->hooks[i];
    l->nhooks = j;
    l->hooks_dirty = false;
}

void loop_before_sleep_remove(struct loop *l, loop_hook_cb cb, void *arg)
{
    for (size_t i = 0; i < l->nhooks; i++) {
        if (l->hooks[i].cb == cb && l->hooks[i].arg == arg) {
            l->hooks[i].cb = NULL;
            l->hooks_dirty = true;
            break;
        }
    }
    if (!l->in_hooks && l->hooks_dirty)
        loop_hooks_compact(l);
}

/* ---- reactor adapter ---- */

static void *loop_r_watch(void *ctx, int fd, int events, reactor_fd_cb cb, void *arg)
{
    return loop_watch(ctx, fd, events, cb, arg);
}

static void loop_r_rewatch(void *ctx, void *w, int events)
{
    loop_rewatch(ctx, w, events);
}

static void loop_r_unwatch(void *ctx, void *w)
{
    loop_unwatch(ctx, w);
}

static void *loop_r_timer(void *ctx, uint64_t ms, reactor_timer_cb cb, void *arg)
{
    return loop_timer(ctx, ms, cb, arg);
}

static void loop_r_untimer(void *ctx, void *t)
{
    loop_untimer(ctx, t);
}

static uint64_t loop_r_now(void *ctx)
{
    return loop_now_ms(ctx);
}

static int64_t loop_r_wall(void *ctx)
{
    return loop_wall_ms(ctx);
}

static const struct reactor_ops loop_reactor_ops = {
    .watch = loop_r_watch,
    .rewatch = loop_r_rewatch,
    .unwatch = loop_r_unwatch,
    .timer = loop_r_timer,
    .untimer = loop_r_untimer,
    .now_ms = loop_r_now,
    .wall_ms = loop_r_wall,
};

const struct reactor *loop_reactor(struct loop *l)
{
    return &l->reactor;
}

/* ---- life cycle and dispatch ---- */

struct loop *loop_new(void)
{
    struct loop *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->sigpipe[0] = l->sigpipe[1] = -1;
    l->reactor.ops = &loop_reactor_ops;
    l->reactor.ctx = l;
    return l;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nwatches; i++)
        free(l->watches[i]);
    for (size_t i = 0; i < l->nheap; i++)
        free(l->heap[i]);
    if (l->sigpipe[0] >= 0) {
        for (size_t k = 0; k < l->nsigs; k++)
            signal(l->sigs[k].signo, SIG_DFL);
        loop_sig_fd = -1;
        close(l->sigpipe[0]);
        close(l->sigpipe[1]);
    }
    free(l->watches);
    free(l->heap);
    free(l->sigs);
    free(l->hooks);
    free(l->pfds);
    free(l->pwatch);
    free(l);
}

static int loop_fire_timers(struct loop *l)
{
    int n = 0;
    uint64_t now = loop_mono_ms();
    /* Timers added by callbacks run in a later iteration at the earliest,
     * even with delay 0, so a callback re-arming itself cannot starve fds. */
    uint64_t limit_seq = l->timer_seq;
    while (l->nheap > 0 && l->heap[0]->deadline <= now && l->heap[0]->seq < limit_seq) {
        struct loop_timer *t = l->heap[0];
        loop_heap_remove(l, 0);
        loop_timer_cb cb = t->cb;
        void *arg = t->arg;
        free(t);
        cb(arg);
        n++;
    }
    return n;
}

static int loop_timeout(struct loop *l, int timeout_ms)
{
    if (l->nheap == 0)
        return timeout_ms;
    uint64_t now = loop_mono_ms();
    uint64_t d = l->heap[0]->deadline;
    int t = d <= now ? 0 : (int)((d - now) > 60000 ? 60000 : (d - now));
    if (timeout_ms >= 0 && timeout_ms < t)
        t = timeout_ms;
    return t;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
    int dispatched = 0;
    bool stopped = l->stop;
    l->in_hooks = true;
    for (size_t i = 0; i < l->nhooks; i++)
        if (l->hooks[i].cb)
            l->hooks[i].cb(l->hooks[i].arg);
    l->in_hooks = false;
    if (l->hooks_dirty)
        loop_hooks_compact(l);
    if (l->stop && !stopped)
        return 0; /* a hook stopped the loop: do not sleep first */
    loop_compact(l);
    if (l->cappfds < l->nwatches) {
        size_t cap = l->nwatches * 2;
        struct pollfd *p = realloc(l->pfds, cap * sizeof(*p));
        if (!p)
            return -1;
        l->pfds = p;
        struct loop_watch **pw = realloc(l->pwatch, cap * sizeof(*pw));
        if (!pw)
            return -1;
        l->pwatch = pw;
        l->cappfds = cap;
    }
    nfds_t n = 0;
    for (size_t i = 0; i < l->nwatches; i++) {
        struct loop_watch *w = l->watches[i];
        if (w->dead || w->events == 0)
            continue;
        l->pfds[n].fd = w->fd;
        l->pfds[n].events = (short)(((w->events & REACTOR_READ) ? POLLIN : 0) |
                                    ((w->events & REACTOR_WRITE) ? POLLOUT : 0));
        l->pfds[n].revents = 0;
        l->pwatch[n] = w;
        n++;
    }
    int rc = poll(l->pfds, n, loop_timeout(l, timeout_ms));
    if (rc < 0 && errno != EINTR)
        return -1;
    for (nfds_t i = 0; rc > 0 && i < n; i++) {
        struct loop_watch *w = l->pwatch[i];
        short re = l->pfds[i].revents;
        if (!re || w->dead || !w->cb)
            continue;
        int want = w->events, ev = 0;
        if (re & (POLLIN | POLLPRI))
            ev |= REACTOR_READ;
        if (re & POLLOUT)
            ev |= REACTOR_WRITE;
        if (re & (POLLERR | POLLHUP | POLLNVAL))
            ev |= want;
        ev &= want;
        if (re & POLLNVAL)
            w->events = 0; /* a closed fd still watched: report once only */
        if (ev) {
            w->cb(w->fd, ev, w->arg);
            dispatched++;
        }
    }
    dispatched += loop_fire_timers(l);
    loop_compact(l);
    return dispatched;
}

int loop_run(struct loop *l)
{
    l->stop = false;
    while (!l->stop) {
        if (loop_run_once(l, -1) < 0)
            return -1;
    }
    return l->code;
}

void loop_stop(struct loop *l, int code)
{
    l->stop = true;
    l->code = code;
}

bool loop_stopped(struct loop *l)
{
    return l->stop;
}

bool loop_run_until(struct loop *l, const bool *flag, uint64_t deadline_ms)
{
    while (!*flag) {
        uint64_t now = loop_mono_ms();
        if (now >= deadline_ms)
            return false;
        uint64_t left = deadline_ms - now;
        if (loop_run_once(l, left > 1000 ? 1000 : (int)left) < 0)
            return *flag;
    }
    return true;
}
