/* events.h - ElastiCache events of a replication group and its member
 * clusters over a window (DescribeEvents:
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeEvents.html).
 *
 * Two DescribeEvents listings run side by side, each following Marker to
 * the end: SourceType=replication-group for the group itself, and
 * SourceType=cache-cluster for the region's clusters, of which the
 * group's members are kept (the member list given, plus any id following
 * the group's naming, "<rg>-NNN" / "<rg>-NNNN-NNN", so nodes replaced or
 * removed during the window still count). The result is merged and
 * sorted oldest first (equal dates keep the service's order of events).
 * The service keeps 14 days of events.
 */
#ifndef ELCUI_CORE_EVENTS_H
#define ELCUI_CORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"

#define EVENTS_RETENTION_MS (14LL * 24 * 3600 * 1000)

struct events_event {
    int64_t date_ms;
    char *source_type; /* "replication-group" | "cache-cluster" */
    char *source_id;
    char *message;
};

struct events_result {
    struct events_event *items; /* oldest first */
    size_t n;
    int64_t start_ms;
    int64_t end_ms;
    size_t listings; /* DescribeEvents listings completed (each may span pages) */
    bool truncated;  /* a listing stopped at max_pages */
};
void events_result_free(struct events_result *r);

struct events_in {
    const char *replication_group_id;
    const char *const *member_clusters;
    size_t n_member_clusters;
    int64_t start_ms; /* > 0 */
    int64_t end_ms;   /* > start_ms */
    int max_pages;    /* per listing; 0: ELASTICACHE_PAGE_LIMIT */
};

/* Is cache cluster id a member of the group: listed, or named after it. */
bool events_is_member(const char *rg_id, const char *const *members, size_t n, const char *id);

typedef void (*events_cb)(struct events_result *out, const struct aws_error *err, void *arg);
struct events_req;
/* Start; the callback runs later from the loop, never from here (out is
 * the callback's: events_result_free). NULL and no callback when the input
 * is unusable (no group id, empty window). */
struct events_req *events_fetch(struct aws_client *c, const struct events_in *in, events_cb cb,
                                void *arg);
void events_cancel(struct events_req *r);

#endif
