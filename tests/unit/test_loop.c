/* test_loop.c - the event loop: timers, fd watches, signals, hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"

struct order {
    int seen[16];
    int n;
};

struct rec {
    struct order *o;
    int id;
};

static void rec_cb(void *arg)
{
    struct rec *r = arg;
    r->o->seen[r->o->n++] = r->id;
}

static void test_timers_fire_in_deadline_order(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct order o = {{0}, 0};
    struct rec r[4] = {{&o, 1}, {&o, 2}, {&o, 3}, {&o, 4}};
    loop_timer(l, 30, rec_cb, &r[2]);
    loop_timer(l, 0, rec_cb, &r[0]);
    loop_timer(l, 10, rec_cb, &r[1]);
    struct loop_timer *cancel = loop_timer(l, 5, rec_cb, &r[3]);
    loop_untimer(l, cancel);
    uint64_t deadline = loop_now_ms(l) + 2000;
    while (o.n < 3 && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.seen[0], 1);
    assert_int_equal(o.seen[1], 2);
    assert_int_equal(o.seen[2], 3);
    loop_free(l);
}

struct rearm {
    struct loop *l;
    int count;
    int fd_events;
};

static void rearm_cb(void *arg)
{
    struct rearm *r = arg;
    if (++r->count < 1000)
        loop_timer(r->l, 0, rearm_cb, r);
}

static void fd_cb(int fd, int revents, void *arg)
{
    struct rearm *r = arg;
    char c;
    if (revents & REACTOR_READ && read(fd, &c, 1) == 1)
        r->fd_events++;
}

/* A timer that re-arms itself with delay 0 must not starve fd events. */
static void test_zero_timers_do_not_starve_fds(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct rearm r = {l, 0, 0};
    loop_watch(l, p[0], REACTOR_READ, fd_cb, &r);
    loop_timer(l, 0, rearm_cb, &r);
    assert_int_equal(write(p[1], "x", 1), 1);
    for (int i = 0; i < 5 && r.fd_events == 0; i++)
        loop_run_once(l, 100);
    assert_int_equal(r.fd_events, 1);
    assert_true(r.count < 10);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

struct unw {
    struct loop *l;
    struct loop_watch *other;
    int calls;
};

static void unwatch_other_cb(int fd, int revents, void *arg)
{
    (void)revents;
    struct unw *u = arg;
    char c;
    if (read(fd, &c, 1) == 1)
        u->calls++;
    if (u->other) {
        loop_unwatch(u->l, u->other);
        u->other = NULL;
    }
}

/* Unwatching a watch whose fd is ready in the same iteration suppresses its
 * callback. */
static void test_unwatch_during_dispatch(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int a[2], b[2];
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    struct unw u1 = {l, NULL, 0}, u2 = {l, NULL, 0};
    loop_watch(l, a[0], REACTOR_READ, unwatch_other_cb, &u1);
    u1.other = loop_watch(l, b[0], REACTOR_READ, unwatch_other_cb, &u2);
    assert_int_equal(write(a[1], "x", 1), 1);
    assert_int_equal(write(b[1], "x", 1), 1);
    loop_run_once(l, 100);
    loop_run_once(l, 10);
    assert_int_equal(u1.calls, 1);
    assert_int_equal(u2.calls, 0);
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
    }
    loop_free(l);
}

static void sig_cb(int signo, void *arg)
{
    int *got = arg;
    *got = signo;
}

static void test_signal_becomes_event(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int got = 0;
    assert_int_equal(loop_on_signal(l, SIGUSR1, sig_cb, &got), 0);
    raise(SIGUSR1);
    for (int i = 0; i < 10 && !got; i++)
        loop_run_once(l, 100);
    assert_int_equal(got, SIGUSR1);
    loop_free(l);
}

static void hook_cb(void *arg)
{
    (*(int *)arg)++;
}

static void set_flag(void *arg)
{
    *(bool *)arg = true;
}

static void test_hooks_and_run_until(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int hooks = 0;
    bool flag = false;
    loop_before_sleep(l, hook_cb, &hooks);
    loop_timer(l, 20, set_flag, &flag);
    assert_true(loop_run_until(l, &flag, loop_now_ms(l) + 2000));
    assert_true(hooks >= 1);
    bool never = false;
    assert_false(loop_run_until(l, &never, loop_now_ms(l) + 30));
    loop_free(l);
}

static void stop_cb(void *arg)
{
    loop_stop(arg, 7);
}

struct stop_hook_state {
    int n;
    struct loop *l;
};

static void stop_hook(void *arg)
{
    struct stop_hook_state *h = arg;
    if (++h->n == 1)
        loop_stop(h->l, 3);
}

/* A before-sleep hook that stops the loop ends loop_run() without first
 * sleeping in poll (nothing else would wake it up). */
static void test_hook_stops_without_sleeping(void **state)
{
    (void)state;
    struct stop_hook_state h = {0, loop_new()};
    loop_before_sleep(h.l, stop_hook, &h);
    uint64_t t0 = loop_now_ms(h.l);
    assert_int_equal(loop_run(h.l), 3);
    assert_true(loop_now_ms(h.l) - t0 < 1000);
    loop_free(h.l);
}

static void test_run_and_stop(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    loop_timer(l, 5, stop_cb, l);
    assert_int_equal(loop_run(l), 7);
    assert_true(loop_stopped(l));
    /* the reactor view drives the same loop */
    const struct reactor *r = loop_reactor(l);
    bool flag = false;
    reactor_timer(r, 1, set_flag, &flag);
    assert_true(loop_run_until(l, &flag, loop_now_ms(l) + 1000));
    assert_true(reactor_wall_ms(r) > 1700000000000LL);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_deadline_order),
        cmocka_unit_test(test_zero_timers_do_not_starve_fds),
        cmocka_unit_test(test_unwatch_during_dispatch),
        cmocka_unit_test(test_signal_becomes_event),
        cmocka_unit_test(test_hooks_and_run_until),
        cmocka_unit_test(test_run_and_stop),
        cmocka_unit_test(test_hook_stops_without_sleeping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
