/* logsum.h - the slow-log summary of a log view: per command name (and,
 * when asked, per command and node) how many entries, their p50, p99 and
 * largest duration, the total time, the five client addresses seen most and
 * the nodes they ran on.
 *
 * Built from what a view (logstore.h) shows - its filters and window -
 * counting only slow-log records that parsed (with a duration); records
 * that did not parse are counted apart (unparsed). Command names are
 * grouped in upper case ("keys" and "KEYS" are one). Percentiles are by
 * nearest rank over every duration of the group (no sampling). Pure: the
 * console builds it again as records arrive.
 */
#ifndef ELCUI_CORE_LOGSUM_H
#define ELCUI_CORE_LOGSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/logs/logstore.h"

#define LOGSUM_TOP_CLIENTS 5
#define LOGSUM_TOP_NODES 8

struct logsum_count {
    char *name; /* client address, or node ("0001/primary/us-east-2a app-4-0001-001") */
    size_t n;
};

struct logsum_row {
    char *command; /* "KEYS" */
    char *node;    /* by node: the node's label and id; else NULL */
    size_t count;
    int64_t p50_us, p99_us, max_us, total_us;
    struct logsum_count clients[LOGSUM_TOP_CLIENTS];
    size_t nclients;      /* shown (at most LOGSUM_TOP_CLIENTS) */
    size_t clients_total; /* distinct */
    struct logsum_count nodes[LOGSUM_TOP_NODES];
    size_t nnodes;      /* shown (at most LOGSUM_TOP_NODES) */
    size_t nodes_total; /* distinct */
};

struct logsum {
    struct logsum_row *rows; /* by total time, largest first */
    size_t n;
    size_t records;         /* slow-log records counted */
    size_t unparsed;        /* slow-log source records that did not parse */
    int64_t from_ms, to_ms; /* the oldest and newest counted (0 when none) */
    int64_t total_us;
};

/* by_node: a row per command and node. */
struct logsum *logsum_build(const struct logstore_view *v, bool by_node);
void logsum_free(struct logsum *s);

/* Nearest-rank percentile p (0 < p <= 100) of n sorted values. */
int64_t logsum_percentile(const int64_t *sorted, size_t n, double p);

#endif
