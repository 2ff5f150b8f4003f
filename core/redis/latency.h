/* latency.h - per-node latency probe over a console session, like
 * redis-cli --latency / --latency-history, with wall-clock stamps.
 *
 * Every probed node gets a PING as soon as the previous one answered plus
 * a gap (10 ms by default, as redis-cli sleeps between samples); each
 * sample is the command's round trip on its connection. Every window_ms
 * one report per node: the window's samples (count, min, avg, max, p99)
 * and the totals since the start, stamped with the window's wall-clock
 * start and end. Failures (timeouts of a frozen node, refused connects of
 * a dead one) are counted per window with the last error, and probing goes
 * on: a PING that gets no answer ends with the command timeout, so a node
 * that stops answering never stalls the others.
 */
#ifndef ELCUI_CORE_LATENCY_H
#define ELCUI_CORE_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/redis/console.h"

#define LATENCY_DEFAULT_GAP_MS 10
#define LATENCY_MAX_NODES 1024
#define LATENCY_MAX_WINDOW_SAMPLES 200000

struct latency_stats {
    uint64_t n;      /* samples */
    uint64_t errors; /* probes that failed */
    uint64_t min_us, max_us, p99_us;
    double avg_us;
};

/* Sorts samples; p99 by the nearest-rank method. */
void latency_stats_compute(uint64_t *samples, size_t n, uint64_t errors, struct latency_stats *out);

struct latency_window {
    const char *node; /* "host:port" */
    struct console_label label;
    unsigned long index; /* 1-based */
    int64_t start_wall_ms, end_wall_ms;
    struct latency_stats window;
    struct latency_stats total; /* since the start (p99_us 0: not kept) */
    const char *last_error;     /* the window's last failure ("timeout: ..."), or NULL */
};

struct latency;
typedef void (*latency_window_cb)(struct latency *lt, const struct latency_window *w, void *arg);
typedef void (*latency_done_cb)(struct latency *lt, void *arg);

struct latency_options {
    struct console *console;          /* ready */
    enum rcluster_target_kind target; /* NODE, PRIMARIES, REPLICAS, ALL (SLOT: ALL) */
    const char *node;                 /* NODE: host:port, cache cluster id, node id */
    uint64_t window_ms;               /* 0: 1000 */
    uint64_t gap_ms;                  /* 0: LATENCY_DEFAULT_GAP_MS */
    uint64_t timeout_ms;              /* per PING; 0: the session's command timeout */
    unsigned long windows;            /* stop after this many windows; 0: until stopped */
    latency_window_cb on_window;      /* one call per node and window */
    latency_done_cb on_done;          /* after the last window (not after latency_stop) */
    void *arg;
};

/* NULL with errbuf set when there is nothing to probe (session not ready,
 * unknown node, no node of that role). */
struct latency *latency_start(const struct latency_options *o, char *errbuf, size_t errlen);
/* No callback afterwards; NULL is fine. */
void latency_stop(struct latency *lt);
size_t latency_node_count(const struct latency *lt);

#endif
