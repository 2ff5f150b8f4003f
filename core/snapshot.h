/* snapshot.h - an incident snapshot of a replication group: what the
 * person on call attaches to the ticket, as Markdown (to read) and JSON
 * (to process), written 0600 into $XDG_STATE_HOME/elcui/snapshots/
 * (~/.local/state/elcui/snapshots/ without it; folders made 0700).
 *
 * Sections, gathered at the same time on the loop:
 *   topology   the group's model (inventory: API + IsMaster roles): shards,
 *              nodes, AZ, role and its source, status, endpoints
 *   placement  the shards x AZs matrix and its risk flags (placement.h)
 *   events     the last hour of DescribeEvents for the group and its
 *              clusters (events.h)
 *   logs       the last SNAPSHOT_LOG_MAX log records, when a log tail is
 *              open: the caller's logs hook hands them over (the console's
 *              log panel registers one); "no log tail open" otherwise
 *   metrics    the console's eight metrics per node over the last hour:
 *              latest value and its time, min, avg, max (metrics.h)
 *   doctor     the connectivity doctor's verdict per endpoint and node
 *              (discovery of endpoint and token, then DNS, TCP, TLS, AUTH,
 *              PING and the slot coverage; doctor.h); the token is never
 *              written
 * A section that fails says why in the files; the files are written when
 * every section is in, or at the deadline with what there is.
 *
 * Text from AWS and from logs is written terminal-safe (control bytes
 * escaped) in Markdown, and as lossless UTF-8 strings in JSON.
 */
#ifndef ELCUI_CORE_SNAPSHOT_H
#define ELCUI_CORE_SNAPSHOT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "core/loop.h"
#include "core/model/events.h"
#include "core/model/metrics.h"
#include "core/model/model.h"
#include "core/redis/doctor.h"

#define SNAPSHOT_LOG_MAX 200
#define SNAPSHOT_EVENTS_MS (60LL * 60 * 1000)
#define SNAPSHOT_METRICS_MS (60LL * 60 * 1000)
#define SNAPSHOT_DEADLINE_MS 60000

/* The metrics a snapshot reads per node (those the console's metrics
 * screen shows). */
#define SNAPSHOT_METRICS                                                                           \
    {                                                                                              \
        "CPUUtilization", "EngineCPUUtilization", "DatabaseMemoryUsagePercentage",                 \
            "CurrConnections", "ReplicationLag", "CacheHitRate", "NetworkBytesIn",                 \
            "NetworkBytesOut"                                                                      \
    }
#define SNAPSHOT_N_METRICS 8

enum snapshot_section {
    SNAPSHOT_TOPOLOGY,
    SNAPSHOT_PLACEMENT,
    SNAPSHOT_EVENTS,
    SNAPSHOT_LOGS,
    SNAPSHOT_METRICS_SECTION,
    SNAPSHOT_DOCTOR,
    SNAPSHOT_SECTIONS,
};

enum snapshot_state {
    SNAPSHOT_PENDING = 0,
    SNAPSHOT_OK,
    SNAPSHOT_FAILED,
    SNAPSHOT_SKIPPED,
};

const char *snapshot_section_name(enum snapshot_section s); /* "topology", ... */
const char *snapshot_state_name(enum snapshot_state s);     /* "pending", "ok", ... */

/* ---- the log hook ---- */

/* One log record as its panel shows it. */
struct snapshot_log {
    int64_t ts_ms;
    const char *source; /* "slow-log app-4-0001-001 (0001 primary us-east-2a)" */
    const char *text;   /* the record */
};

/* Hand over up to max records of the open tail of rg_id, oldest first;
 * returns how many (0: no tail open for that group). The strings need only
 * live until it returns: the snapshot copies them at once. */
typedef size_t (*snapshot_logs_fn)(void *arg, const char *rg_id, struct snapshot_log *out,
                                   size_t max);

/* ---- what goes into the files ---- */

struct snapshot_data {
    const char *rg_id;
    const char *region;
    int64_t taken_ms;
    const struct model_group *model; /* NULL: topology failed (error) */
    const struct events_result *events;
    const struct metrics_result *metrics;
    const struct doctor_report *doctor;
    const struct snapshot_log *logs;
    size_t n_logs;
    bool logs_open; /* a tail is open (even when it has no record yet) */
    enum snapshot_state state[SNAPSHOT_SECTIONS];
    const char *note[SNAPSHOT_SECTIONS]; /* why a section failed or was skipped */
};

/* The two renderings (pure). */
char *snapshot_markdown(const struct snapshot_data *d);
json_t *snapshot_json(const struct snapshot_data *d);

/* The default folder, or NULL when neither XDG_STATE_HOME nor HOME is set
 * (caller frees). */
char *snapshot_default_dir(void);
/* Write <dir>/snapshot-<rg>-<UTC time>.md and .json, 0600, making the
 * folders 0700 (never over an existing file: "-2", "-3"... is added).
 * Paths out (caller frees); -1 with the reason in err. */
int snapshot_write(const char *dir, const struct snapshot_data *d, char **md_path, char **json_path,
                   char *err, size_t errlen);

/* ---- the engine ---- */

struct snapshot_result {
    enum snapshot_state state[SNAPSHOT_SECTIONS];
    char note[SNAPSHOT_SECTIONS][400];
    bool written;
    char *md_path;
    char *json_path;
    char error[600]; /* why nothing was written */
};

struct snapshot;

struct snapshot_options {
    struct loop *loop;      /* required */
    struct aws_client *aws; /* required */
    const char *rg_id;      /* required */
    const char *dir;        /* NULL: snapshot_default_dir() */
    snapshot_logs_fn logs;  /* NULL: no log tail */
    void *logs_arg;
    bool no_doctor; /* leave the doctor out (skipped) */
    /* the doctor's Redis settings (as the session has them) */
    const char *cafile;
    bool insecure;
    const char *const *connect_to;
    size_t n_connect_to;
    uint64_t deadline_ms; /* 0: SNAPSHOT_DEADLINE_MS */
    /* a section is done (state and note in r) */
    void (*on_section)(struct snapshot *s, enum snapshot_section sec,
                       const struct snapshot_result *r, void *arg);
    /* once, the files written or not (r valid until snapshot_free) */
    void (*on_done)(struct snapshot *s, const struct snapshot_result *r, void *arg);
    void *arg;
};

/* Start; callbacks run from the loop only. NULL for unusable options. */
struct snapshot *snapshot_start(const struct snapshot_options *o);
/* Cancel (no callback afterwards) and free; NULL is fine; never from
 * inside its own callbacks. */
void snapshot_free(struct snapshot *s);
const struct snapshot_result *snapshot_result(const struct snapshot *s);

#endif
