/* cmd_show.c - `elcui show RG [--json]`. */
#include "tui/cmd/cmd_show.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/model/inventory.h"
#include "core/model/placement.h"
#include "core/redis/observe.h"
#include "tui/cmd/cmdout.h"

#define CMD_SHOW_REDIS_TIMEOUT_MS 5000

struct cmd_show {
    struct session s;
    bool json;
    const char *rg_id;
    bool no_redis;
    uint64_t redis_timeout_ms;
    bool done, interrupted, failed;
    bool listed;     /* the inventory answered */
    bool observed;   /* the observation reported, or its time is up */
    bool redis_late; /* its time was up first */
    struct observe *ob;
    struct loop_timer *redis_timer;
    struct aws_error err;
    struct buf notes; /* progress notes worth telling (IsMaster unavailable) */
};

static void cmd_show_usage(FILE *f)
{
    fprintf(f, "usage: elcui show RG [--json] [--no-redis] [--redis-timeout S]\n"
               "\n"
               "Everything DescribeReplicationGroups and DescribeCacheClusters (with node\n"
               "info) say about replication group RG: settings, endpoints, encryption, AUTH,\n"
               "log delivery, pending changes, and per node its shard, role, AZ, endpoint,\n"
               "status and version; then the placement of shards over AZs with its risks\n"
               "(single AZ, primaries in one AZ or crowded in one, replicas beside their\n"
               "primary, ...) and the age of the data.\n"
               "\n"
               "Then Redis itself is asked (the endpoint and AUTH token are discovered as\n"
               "exec does, from the group just described; --redis-cacert, --insecure and\n"
               "--connect-to apply):\n"
               "every node's own role (ROLE), its link to its primary, replication offset\n"
               "and lag, PING time and whether it answers (answering, slow, or not\n"
               "answering since when). Redis's roles win; where the API disagrees, show\n"
               "lists it. Every role says its source and age: 'redis 1s', 'metric 60s',\n"
               "'api 5m', or 'name' (assumed from the node name, marked '?'). When Redis\n"
               "cannot be reached show says why and the roles come from the API, the\n"
               "IsMaster metric (cloudwatch:GetMetricData) or the node names. The group's\n"
               "tags (ListTagsForResource) are listed too; when they cannot be read, show\n"
               "says why and goes on.\n"
               "\n"
               "  --json              one JSON object; field names in elcui(1)\n"
               "  --no-redis          do not ask Redis (roles from the API and the metric)\n"
               "  --redis-timeout S   how long Redis may take to answer, discovery and\n"
               "                      connecting included (default 5); a node that has not\n"
               "                      answered PING within half of it (at most 2 s) is\n"
               "                      'not answering'\n"
               "\n"
               "Exit status: 0 ok, 1 failure (unknown group included), 2 usage.\n");
}

static void cmd_show_settle(struct cmd_show *c)
{
    c->done = c->failed || (c->listed && c->observed);
}

static void cmd_show_on_observed(struct observe *ob, void *arg);
static void cmd_show_redis_late(void *arg);

/* Redis, once the API has described the group (its endpoint, TLS, AUTH
 * and tags, so the observation does not describe it again), bounded:
 * half the time for a round. */
static void cmd_show_observe(struct cmd_show *c, struct model_group *g)
{
    const struct session_options *opts = c->s.opts;
    uint64_t round = c->redis_timeout_ms / 2;
    struct observe_options oo = {
        .loop = c->s.loop,
        .aws = c->s.aws,
        .creds = c->s.creds,
        .region = c->s.region,
        .rg_id = c->rg_id,
        .model = g,
        .cafile = opts->redis_cacert,
        .insecure = opts->insecure,
        .connect_to = opts->connect_to,
        .n_connect_to = opts->nconnect_to,
        .timeout_ms = round > 2000 ? 2000 : round,
        .on_update = cmd_show_on_observed,
        .arg = c,
    };
    c->ob = observe_start(&oo);
    if (c->ob)
        c->redis_timer = loop_timer(c->s.loop, c->redis_timeout_ms, cmd_show_redis_late, c);
    else
        c->observed = true;
}

static void cmd_show_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    struct cmd_show *c = arg;
    c->listed = true;
    if (!c->observed && !c->ob)
        cmd_show_observe(c, g);
    cmd_show_settle(c);
}

static void cmd_show_on_observed(struct observe *ob, void *arg)
{
    (void)ob;
    struct cmd_show *c = arg;
    c->observed = true;
    cmd_show_settle(c);
}

static void cmd_show_redis_late(void *arg)
{
    struct cmd_show *c = arg;
    c->redis_timer = NULL;
    if (!c->observed) {
        c->observed = true;
        c->redis_late = true;
    }
    cmd_show_settle(c);
}

static void cmd_show_on_error(struct inventory *inv, enum inventory_op op,
                              const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    struct cmd_show *c = arg;
    c->failed = true;
    aws_error_copy(&c->err, err);
    cmd_show_settle(c);
}

static void cmd_show_on_progress(struct inventory *inv, enum inventory_op op, const char *text,
                                 void *arg)
{
    (void)inv;
    (void)op;
    struct cmd_show *c = arg;
    if (strstr(text, "not available"))
        buf_printf(&c->notes, "%s\n", text);
}

static const char *cmd_show_or(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

static void cmd_show_endpoint(const char *key, const struct model_endpoint *e)
{
    if (e->host)
        cmdout_kvf(stdout, key, "%s:%d", e->host, e->port);
}

static char cmd_show_role_char(const struct model_node *n)
{
    return n->role == MODEL_ROLE_PRIMARY ? 'P' : n->role == MODEL_ROLE_REPLICA ? 'R' : '?';
}

static bool cmd_show_role_guess(const struct model_node *n)
{
    return n->role == MODEL_ROLE_UNKNOWN || n->role_source < MODEL_ROLE_SRC_METRIC;
}

static void cmd_show_settings(const struct model_group *g, int64_t now)
{
    char t[40], age[16];
    printf("Replication group\n");
    cmdout_kv(stdout, "ID", g->id);
    cmdout_kv(stdout, "Description", g->description);
    cmdout_kv(stdout, "Status", g->status);
    cmdout_kvf(stdout, "Engine", "%s %s", cmd_show_or(g->engine, "?"),
               cmd_show_or(g->engine_version, ""));
    cmdout_kv(stdout, "Node type", g->node_type);
    cmdout_kvf(stdout, "Cluster mode", "%s (%zu shard%s, %zu node%s)",
               g->cluster_mode      ? g->cluster_mode
               : g->cluster_enabled ? "enabled"
                                    : "disabled",
               g->n_api_shards, g->n_api_shards == 1 ? "" : "s", g->n_api_nodes,
               g->n_api_nodes == 1 ? "" : "s");
    cmd_show_endpoint("Configuration", &g->configuration_endpoint);
    cmd_show_endpoint("Primary endpoint", &g->primary_endpoint);
    cmd_show_endpoint("Reader endpoint", &g->reader_endpoint);
    cmdout_kv(stdout, "Multi-AZ", g->multi_az);
    cmdout_kv(stdout, "Automatic failover", g->automatic_failover);
    if (g->has_at_rest_encryption)
        cmdout_kvf(stdout, "Encryption at rest", "%s%s%s", g->at_rest_encryption ? "yes" : "no",
                   g->kms_key_id ? ", KMS key " : "", g->kms_key_id ? g->kms_key_id : "");
    else
        cmdout_kv(stdout, "Encryption at rest", NULL);
    if (g->has_transit_encryption)
        cmdout_kvf(stdout, "In transit (TLS)", "%s%s%s%s", g->transit_encryption ? "yes" : "no",
                   g->transit_encryption_mode ? " (" : "",
                   g->transit_encryption_mode ? g->transit_encryption_mode : "",
                   g->transit_encryption_mode ? ")" : "");
    else
        cmdout_kv(stdout, "In transit (TLS)", NULL);
    if (g->has_auth_token_enabled && g->auth_token_enabled) {
        if (g->auth_token_last_modified_ms > 0) {
            awstime_format_iso8601(g->auth_token_last_modified_ms, t, sizeof(t));
            cmdout_kvf(stdout, "AUTH token", "enabled (last changed %s)", t);
        } else {
            cmdout_kv(stdout, "AUTH token", "enabled");
        }
    } else {
        cmdout_kv(stdout, "AUTH token", g->has_auth_token_enabled ? "not enabled" : "not reported");
    }
    if (g->n_user_group_ids) {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < g->n_user_group_ids; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", g->user_group_ids[i]);
        cmdout_kv(stdout, "User groups (RBAC)", buf_str(&b));
        buf_free(&b);
    }
    if (g->has_snapshot_retention_limit && g->snapshot_retention_limit > 0)
        cmdout_kvf(stdout, "Backups", "kept %d day%s, window %s, taken on %s",
                   g->snapshot_retention_limit, g->snapshot_retention_limit == 1 ? "" : "s",
                   cmd_show_or(g->snapshot_window, "-"),
                   cmd_show_or(g->snapshotting_cluster_id, "-"));
    else
        cmdout_kv(stdout, "Backups", g->has_snapshot_retention_limit ? "off" : NULL);
    if (g->has_auto_minor_version_upgrade)
        cmdout_kv(stdout, "Minor upgrades", g->auto_minor_version_upgrade ? "automatic" : "manual");
    if (g->network_type || g->ip_discovery)
        cmdout_kvf(stdout, "Network", "%s, IP discovery %s", cmd_show_or(g->network_type, "-"),
                   cmd_show_or(g->ip_discovery, "-"));
    if (g->data_tiering)
        cmdout_kv(stdout, "Data tiering", g->data_tiering);
    if (g->global_replication_group_id)
        cmdout_kvf(stdout, "Global datastore", "%s (%s)", g->global_replication_group_id,
                   cmd_show_or(g->global_replication_group_role, "-"));
    cmdout_kv(stdout, "ARN", g->arn);
    if (g->create_time_ms > 0) {
        awstime_format_iso8601(g->create_time_ms, t, sizeof(t));
        cmdout_kv(stdout, "Created", t);
    }
    if (g->n_pending == 0)
        cmdout_kv(stdout, "Pending changes", "none");
    for (size_t i = 0; i < g->n_pending; i++)
        cmdout_kvf(stdout, i ? "" : "Pending changes", "%s = %s", g->pending[i].key,
                   g->pending[i].value);
    awstime_format_iso8601(g->fetched_ms, t, sizeof(t));
    cmdout_age(now - g->fetched_ms, age, sizeof(age));
    cmdout_kvf(stdout, "Data fetched", "%s (%s ago)", t, age);
}

/* Where the roles come from, in one line. */
static void cmd_show_roles_line(const struct cmd_show *c, const struct model_group *g, int64_t now)
{
    size_t src[MODEL_ROLE_SRC_EVENT + 1] = {0};
    for (size_t i = 0; i < g->n_nodes; i++)
        src[g->nodes[i].role_source]++;
    struct buf b;
    buf_init(&b, 0);
    static const enum model_role_source order[] = {MODEL_ROLE_SRC_REDIS, MODEL_ROLE_SRC_API,
                                                   MODEL_ROLE_SRC_METRIC, MODEL_ROLE_SRC_ASSUMED,
                                                   MODEL_ROLE_SRC_NONE};
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        if (!src[order[k]])
            continue;
        buf_printf(&b, "%s%zu from %s", b.len ? ", " : "", src[order[k]],
                   order[k] == MODEL_ROLE_SRC_REDIS     ? "Redis"
                   : order[k] == MODEL_ROLE_SRC_API     ? "the API (CurrentRole)"
                   : order[k] == MODEL_ROLE_SRC_METRIC  ? "the IsMaster metric"
                   : order[k] == MODEL_ROLE_SRC_ASSUMED ? "the node names (assumed)"
                                                        : "nowhere (unknown)");
    }
    cmdout_kv(stdout, "Roles", buf_str(&b));
    buf_reset(&b);
    char age[16];
    if (c->no_redis) {
        buf_appends(&b, "not asked (--no-redis)");
    } else if (g->redis_error) {
        char *e = cmdout_safe(g->redis_error);
        buf_printf(&b, "UNREACHABLE: %s", e);
        free(e);
        if (g->redis_fetched_ms > 0) {
            cmdout_age(now - g->redis_fetched_ms, age, sizeof(age));
            buf_printf(&b, " (roles below from Redis are %s old)", age);
        }
    } else if (g->redis_fetched_ms > 0) {
        size_t probed = 0, down = 0, slow = 0;
        for (size_t i = 0; i < g->n_nodes; i++) {
            const struct model_probe *p = &g->nodes[i].probe;
            if (!p->probed)
                continue;
            probed++;
            down += p->health == MODEL_HEALTH_DOWN;
            slow += p->health == MODEL_HEALTH_SLOW;
        }
        cmdout_age(now - g->redis_fetched_ms, age, sizeof(age));
        buf_printf(&b, "%zu node%s asked (%s), %s ago: %zu answering", probed,
                   probed == 1 ? "" : "s", g->redis_source ? g->redis_source : "?", age,
                   probed - down);
        if (slow)
            buf_printf(&b, " (%zu slow)", slow);
        if (down)
            buf_printf(&b, ", %zu NOT answering", down);
    } else {
        buf_appends(&b, "no view");
    }
    cmdout_kv(stdout, "Redis", buf_str(&b));
    buf_free(&b);
}

static void cmd_show_tags(const struct model_group *g)
{
    if (g->tags_error) {
        char *e = cmdout_safe(g->tags_error);
        printf("\nTags: not read (%s)\n", e);
        free(e);
        return;
    }
    if (!g->tags_read)
        return;
    printf("\nTags%s\n", g->n_tags ? "" : ": none");
    for (size_t i = 0; i < g->n_tags; i++) {
        char *k = cmdout_safe(g->tags[i].key);
        char *v = cmdout_safe(g->tags[i].value);
        printf("  %-28s %s\n", k, v);
        free(k);
        free(v);
    }
}

static void cmd_show_logs(const struct model_group *g)
{
    printf("\nLog delivery\n");
    if (!g->n_log_delivery) {
        printf("  none configured\n");
        return;
    }
    static const char *const cols[] = {"LOG TYPE", "DESTINATION TYPE", "DESTINATION",
                                       "FORMAT",   "STATUS",           "MESSAGE"};
    struct cmdout_table *t = cmdout_table_new(cols, 6);
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        const struct model_log_delivery *d = &g->log_delivery[i];
        cmdout_table_row(t);
        cmdout_table_cell(t, d->log_type);
        cmdout_table_cell(t, d->destination_type);
        cmdout_table_cell(t, d->destination);
        cmdout_table_cell(t, d->log_format);
        cmdout_table_cell(t, d->status);
        cmdout_table_cell(t, d->message);
    }
    cmdout_table_print(t, stdout);
    cmdout_table_free(t);
}

static void cmd_show_nodes(const struct model_group *g, int64_t now)
{
    printf("\nNodes\n");
    static const char *const cols[] = {"SHARD",  "SLOTS", "CACHE CLUSTER", "NODE",     "ROLE",
                                       "FROM",   "AZ",    "STATUS",        "ENDPOINT", "ENGINE",
                                       "CREATED"};
    struct cmdout_table *t = cmdout_table_new(cols, sizeof(cols) / sizeof(cols[0]));
    char when[40];
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            cmdout_table_row(t);
            cmdout_table_cell(t, k == 0 ? sh->id : "");
            cmdout_table_cell(t, k == 0 ? cmd_show_or(sh->slots, g->cluster_enabled ? "-" : "all")
                                        : "");
            cmdout_table_cell(t, n->cache_cluster_id ? n->cache_cluster_id : "(not in the API)");
            cmdout_table_cell(t, n->cache_node_id);
            cmdout_table_cellf(t, "%s%s", model_role_name(n->role),
                               n->role != MODEL_ROLE_UNKNOWN && cmd_show_role_guess(n) ? "?" : "");
            char text[96];
            model_role_origin(n, now, text, sizeof(text));
            cmdout_table_cell(t, text);
            cmdout_table_cell(t, n->az);
            cmdout_table_cell(t, n->status ? n->status : n->cluster_status);
            if (n->endpoint.host)
                cmdout_table_cellf(t, "%s:%d", n->endpoint.host, n->endpoint.port);
            else
                cmdout_table_cell(t, NULL);
            if (n->engine_version)
                cmdout_table_cellf(t, "%s %s", cmd_show_or(n->engine, ""), n->engine_version);
            else
                cmdout_table_cell(t, NULL);
            if (n->create_time_ms > 0) {
                awstime_format_iso8601(n->create_time_ms, when, sizeof(when));
                when[19] = '\0'; /* to the second */
                cmdout_table_cellf(t, "%sZ", when);
            } else {
                cmdout_table_cell(t, NULL);
            }
        }
    }
    cmdout_table_print(t, stdout);
    cmdout_table_free(t);
    bool guess = false;
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].role != MODEL_ROLE_UNKNOWN && cmd_show_role_guess(&g->nodes[i]))
            guess = true;
    if (guess)
        printf("  ? role assumed from the node name (no CurrentRole, IsMaster or Redis view)\n");
}

static void cmd_show_count(struct cmdout_table *t, long long v, const char *unit)
{
    if (v < 0)
        cmdout_table_cell(t, NULL);
    else
        cmdout_table_cellf(t, "%lld%s", v, unit);
}

/* What Redis said about each node: the replication as it stands. */
static void cmd_show_redis(const struct model_group *g, int64_t now)
{
    bool any = false;
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].probe.probed)
            any = true;
    if (!any)
        return;
    printf("\nRedis (each node's own ROLE, INFO replication and PING)\n");
    static const char *const cols[] = {"SHARD",  "NODE", "ROLE", "LINK",  "OFFSET",
                                       "BEHIND", "LAG",  "PING", "HEALTH"};
    struct cmdout_table *t = cmdout_table_new(cols, sizeof(cols) / sizeof(cols[0]));
    for (size_t c = 4; c <= 7; c++)
        cmdout_table_right(t, c);
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            const struct model_probe *p = &n->probe;
            if (!p->probed)
                continue;
            cmdout_table_row(t);
            cmdout_table_cell(t, sh->id);
            if (n->cache_cluster_id)
                cmdout_table_cell(t, n->cache_cluster_id);
            else
                cmdout_table_cellf(t, "%s:%d", cmd_show_or(n->redis_host, "?"), n->redis_port);
            cmdout_table_cellf(t, "%s%s", model_role_name(n->redis_role),
                               p->role_own || n->redis_role == MODEL_ROLE_UNKNOWN ? ""
                                                                                  : " (peers)");
            cmdout_table_cell(t, p->link && *p->link ? p->link : NULL);
            cmd_show_count(t, p->offset, "");
            cmd_show_count(t, p->lag_bytes, " B");
            cmd_show_count(t, p->lag_s, " s");
            char text[96];
            model_ping_text(p->ping_us, text, sizeof(text));
            cmdout_table_cell(t, p->ping_us >= 0 ? text : NULL);
            if (p->health == MODEL_HEALTH_DOWN)
                model_probe_text(p, now, text, sizeof(text));
            else
                snprintf(text, sizeof(text), "%s", model_health_name(p->health));
            if (p->health == MODEL_HEALTH_DOWN && p->error && *p->error) {
                char *e = cmdout_safe(p->error);
                cmdout_table_cellf(t, "%s: %s", text, e);
                free(e);
            } else {
                cmdout_table_cell(t, text);
            }
        }
    }
    cmdout_table_print(t, stdout);
    cmdout_table_free(t);
    printf("  BEHIND: bytes behind the primary's offset; LAG: seconds as Redis reports them;\n"
           "  (peers): the node did not answer, its role is what the other nodes say\n");
}

static void cmd_show_placement(const struct model_group *g, const struct placement *p)
{
    char age[16];
    cmdout_age(p->age_ms, age, sizeof(age));
    printf("\nPlacement (shards x AZs, data %s old)\n", age);
    if (!p->n_azs) {
        printf("  no nodes yet\n");
    } else {
        const char **cols = mem_xcalloc(p->n_azs + 1, sizeof(*cols));
        cols[0] = "SHARD";
        for (size_t a = 0; a < p->n_azs; a++)
            cols[a + 1] = p->azs[a].name;
        struct cmdout_table *t = cmdout_table_new(cols, p->n_azs + 1);
        struct buf b;
        buf_init(&b, 0);
        for (size_t s = 0; s < p->n_shards; s++) {
            cmdout_table_row(t);
            cmdout_table_cell(t, g->shards[s].id);
            for (size_t a = 0; a < p->n_azs; a++) {
                const struct placement_cell *c = placement_cell(p, s, a);
                buf_reset(&b);
                for (size_t k = 0; k < c->n_nodes; k++) {
                    const struct model_node *n = &g->nodes[c->nodes[k]];
                    buf_printf(&b, "%s%c%s %s", k ? ", " : "", cmd_show_role_char(n),
                               n->role != MODEL_ROLE_UNKNOWN && cmd_show_role_guess(n) ? "?" : "",
                               n->cache_cluster_id ? n->cache_cluster_id
                                                   : cmd_show_or(n->redis_host, "?"));
                }
                cmdout_table_cell(t, b.len ? buf_str(&b) : "");
            }
        }
        cmdout_table_row(t);
        cmdout_table_cell(t, "nodes");
        for (size_t a = 0; a < p->n_azs; a++)
            cmdout_table_cellf(t, "%zu (%zu P, %zu R)", p->azs[a].nodes, p->azs[a].primaries,
                               p->azs[a].replicas);
        cmdout_table_print(t, stdout);
        cmdout_table_free(t);
        buf_free(&b);
        free(cols);
        printf("  P primary, R replica%s\n", p->roles_known ? "" : ", ? role assumed or unknown");
    }
    printf("\nRisks\n");
    if (!p->n_flags)
        printf("  none found\n");
    for (size_t i = 0; i < p->n_flags; i++) {
        const struct placement_flag *f = &p->flags[i];
        char *text = cmdout_safe(f->text);
        char sev[16];
        snprintf(sev, sizeof(sev), "%s", placement_severity_name(f->severity));
        for (char *q = sev; *q; q++)
            if (*q >= 'a' && *q <= 'z')
                *q = (char)(*q - 'a' + 'A');
        printf("  %-8s %-17s %s\n", sev, f->id, text);
        free(text);
    }
}

static void cmd_show_diffs(const struct model_group *g)
{
    if (!g->n_diffs)
        return;
    printf("\nAPI and Redis disagree\n");
    for (size_t i = 0; i < g->n_diffs; i++) {
        char *text = cmdout_safe(g->diffs[i].text);
        printf("  %-13s %s\n", model_diff_kind_name(g->diffs[i].kind), text);
        free(text);
    }
}

/* The observation's outcome into the model. */
static void cmd_show_merge(struct cmd_show *c, struct model_group *g)
{
    if (c->no_redis || !c->ob)
        return;
    if (c->redis_late && observe_state(c->ob) != OBSERVE_S_UNREACHABLE) {
        char why[900];
        snprintf(why, sizeof(why), "no answer within %.1f s (%s)",
                 (double)c->redis_timeout_ms / 1000.0,
                 observe_reason(c->ob)[0] ? observe_reason(c->ob) : "asking the nodes");
        model_group_set_redis_error(g, why, loop_wall_ms(c->s.loop));
        return;
    }
    observe_merge(c->ob, g);
}

static int cmd_show_print(struct cmd_show *c, struct model_group *g)
{
    int64_t now = loop_wall_ms(c->s.loop);
    cmd_show_merge(c, g);
    struct placement *p = placement_build(g, now);
    int rc;
    if (c->json) {
        json_t *o = cmdout_group_json(g, p, now);
        json_t *r = json_object();
        json_object_set_new(r, "status",
                            json_string(c->no_redis           ? "skipped"
                                        : g->redis_error      ? "unreachable"
                                        : g->redis_fetched_ms ? "ok"
                                                              : "none"));
        json_object_set_new(r, "error", cmdout_jstr(c->no_redis ? NULL : g->redis_error));
        json_object_set_new(r, "source", cmdout_jstr(g->redis_source));
        json_object_set_new(r, "fetchedAt", cmdout_jtime(g->redis_fetched_ms));
        json_object_set_new(o, "redis", r);
        rc = cmdout_json_print(o, stdout);
    } else {
        cmd_show_settings(g, now);
        cmd_show_roles_line(c, g, now);
        cmd_show_logs(g);
        cmd_show_tags(g);
        cmd_show_nodes(g, now);
        cmd_show_redis(g, now);
        cmd_show_placement(g, p);
        cmd_show_diffs(g);
        rc = fflush(stdout) == 0 ? 0 : -1;
    }
    placement_free(p);
    /* "IsMaster not available, roles stay assumed" matters only while
     * some role is still assumed (Redis gave the others) */
    bool assumed = false;
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].role_source < MODEL_ROLE_SRC_METRIC)
            assumed = true;
    if (c->notes.len && assumed) {
        char *n = cmdout_safe(buf_str(&c->notes));
        fprintf(stderr, "elcui show: note: %s\n", n);
        free(n);
    }
    return rc;
}

enum {
    CMD_SHOW_OPT_NO_REDIS = 300,
    CMD_SHOW_OPT_REDIS_TIMEOUT,
};

static const struct option cmd_show_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"no-redis", no_argument, NULL, CMD_SHOW_OPT_NO_REDIS},
    {"redis-timeout", required_argument, NULL, CMD_SHOW_OPT_REDIS_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* "5", "0.5": seconds into ms (0.1 .. 300); false when not that. */
static bool cmd_show_seconds(const char *s, uint64_t *ms)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= 0.1) || v > 300)
        return false;
    *ms = (uint64_t)(v * 1000.0 + 0.5);
    return true;
}

static enum cli_opt cmd_show_option(void *ctx, int opt, char *arg)
{
    struct cmd_show *c = ctx;
    switch (opt) {
    case 'j':
        c->json = true;
        break;
    case CMD_SHOW_OPT_NO_REDIS:
        c->no_redis = true;
        break;
    case CMD_SHOW_OPT_REDIS_TIMEOUT:
        if (!cmd_show_seconds(arg, &c->redis_timeout_ms))
            return cli_refuse("show", "--redis-timeout wants seconds (0.1 to 300)");
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_show_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_show c;
    memset(&c, 0, sizeof(c));
    c.redis_timeout_ms = CMD_SHOW_REDIS_TIMEOUT_MS;
    aws_error_init(&c.err);
    int prc = cli_getopt(&cmd_show_entry, argc, argv, cmd_show_option, &c);
    if (prc != 0)
        return cli_getopt_exit(prc);
    if (optind >= argc)
        return cli_usage_error("show", "name a replication group (elcui ls lists them)");
    c.rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("show", "unexpected argument '%s'", argv[optind]);
    if (!*c.rg_id)
        return cli_usage_error("show", "the replication group id is empty");
    buf_init(&c.notes, 4096);
    int rc = CLI_EXIT_FAIL;
    struct inventory *inv = NULL;
    if (cmdout_session("show", &c.s, opts, &c.interrupted) == 0) {
        struct inventory_options io;
        memset(&io, 0, sizeof(io));
        io.loop = c.s.loop;
        io.aws = c.s.aws;
        io.roles_from_metrics = true;
        io.tags = true;
        io.cb.on_group = cmd_show_on_group;
        io.cb.on_error = cmd_show_on_error;
        io.cb.on_progress = cmd_show_on_progress;
        io.cb.arg = &c;
        inv = inventory_new(&io);
        inventory_open(inv, c.rg_id);
        c.observed = c.no_redis;
        if (!c.no_redis && opts->insecure)
            fprintf(stderr, "elcui show: WARNING: --insecure: Redis TLS certificates are NOT "
                            "verified\n");
        if (!cmdout_run(&c.s, &c.done, &c.interrupted)) {
            fprintf(stderr, "elcui show: interrupted\n");
        } else if (c.failed) {
            cmdout_group_error("show", "cannot describe replication group", c.rg_id, c.s.region,
                               &c.err);
        } else if (cmd_show_print(&c, inventory_group(inv)) == 0) {
            rc = CLI_EXIT_OK;
        }
    }
    if (c.redis_timer)
        loop_untimer(c.s.loop, c.redis_timer);
    observe_free(c.ob);
    inventory_free(inv);
    aws_error_clear(&c.err);
    buf_free(&c.notes);
    session_close(&c.s);
    return rc;
}

const struct cli_command cmd_show_entry = {
    .name = "show",
    .args = "RG [--json] [--no-redis]",
    .summary = "one group: settings, nodes and their health, AZ placement, risks",
    .run = cmd_show_run,
    .options = cmd_show_options,
    .shortopts = "h",
    .usage = cmd_show_usage,
};
