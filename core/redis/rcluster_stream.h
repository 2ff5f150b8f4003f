/* rcluster_stream.h - message streams of a cluster. Their API is in
 * rcluster.h (rcluster_stream_start, _stop, ...); this is what the rest
 * of the cluster engine calls. */
#ifndef ELCUI_CORE_RCLUSTER_STREAM_H
#define ELCUI_CORE_RCLUSTER_STREAM_H

#include "core/redis/rcluster.h"

/* End every stream of a closing cluster now: each on_end runs (with
 * "the cluster client was closed" unless it had an error already) and the
 * stream is freed. */
void rcluster_stream_close_all(struct rcluster *cl);

#endif
