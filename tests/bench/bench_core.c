/* bench_core.c - the C side of `make bench` (tests/bench/run builds and
 * drives it). Each subcommand prints one JSON object per figure:
 *   {"name": "...", "value": N, "unit": "..."}
 *
 *   bench_core sigv4 SECONDS          SigV4 header signatures per second
 *   bench_core xml RGS.xml CCS.xml... DescribeReplicationGroups parse (time,
 *                                     heap), then the model of its biggest
 *                                     group from the DescribeCacheClusters
 *                                     pages (time, heap, RSS), then that model
 *                                     with 100k records in the store (RSS)
 *   bench_core logrec N               record parse rate, JSON/TEXT x slow/engine
 *   bench_core ring                   ring push rate; 100k records (heap)
 *   bench_core logstore               the log panel's record store: 100k
 *                                     slow-log records (heap, fill rate), a
 *                                     1M flood, search, filter, summary, one
 *                                     screen of rows formatted
 *   bench_core cg WHAT FILE N         one parser, N times, for callgrind (the
 *                                     run toggles collection around the loop)
 *   bench_core redis HOST PORT CA TOKENFILE N
 *                                     pipelined SET then GET over TLS + AUTH
 *
 * Heap figures are glibc's mallinfo2() in-use bytes (uordblks + hblkhd)
 * before and after; RSS is VmRSS. The token is read from its file, used
 * for AUTH and wiped; it is never printed.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#include "aws/awsjson.h"
#include "aws/buf.h"
#include "aws/elasticache.h"
#include "aws/logs.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "aws/sigv4.h"
#include "core/logs/logrec.h"
#include "core/logs/logstore.h"
#include "core/logs/logsum.h"
#include "core/loop.h"
#include "core/model/model.h"
#include "core/redis/rconn.h"
#include "core/logs/ring.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

static void fig(const char *name, double value, const char *unit)
{
    printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", name, value, unit);
    fflush(stdout);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        if (buf_append(&b, tmp, n) != 0) {
            fprintf(stderr, "%s: too big\n", path);
            exit(2);
        }
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

/* ---- sigv4 ---- */

static int sigv4_one(const char *body)
{
    static const struct sigv4_header h[] = {
        {"Host", "elasticache.us-east-2.amazonaws.com"},
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"X-Amz-Date", "20240501T120005Z"},
    };
    struct sigv4_request req = {
        .method = "POST",
        .path = "/",
        .headers = h,
        .nheaders = 3,
        .body = body,
        .body_len = strlen(body),
    };
    struct sigv4_creds cr = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
    struct sigv4_scope sc = {"us-east-2", "elasticache", 1714564805};
    struct sigv4_result out;
    memset(&out, 0, sizeof(out));
    int rc = sigv4_sign(&req, &cr, &sc, &out);
    sigv4_result_free(&out);
    return rc;
}

static const char sigv4_body[] =
    "Action=DescribeReplicationGroups&Version=2015-02-02&MaxRecords=100&ReplicationGroupId=app-4";

static int cmd_sigv4(double secs)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 1000; i++)
            if (sigv4_one(sigv4_body) != 0)
                return 1;
        n += 1000;
        t = now_s();
    } while (t - t0 < secs);
    fig("sigv4_signs_per_s", (double)n / (t - t0), "1/s");
    return 0;
}

/* ---- XML and the model ---- */

static struct elasticache_replication_group_list *parse_rgs(const char *body, size_t len)
{
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    struct elasticache_replication_group_list *l = mem_xcalloc(1, sizeof(*l));
    if (query_parse(body, len, 200, "DescribeReplicationGroups", false, &doc, &res, rid,
                    sizeof(rid), &err) != 0 ||
        elasticache_parse_describe_replication_groups(res, l, &err) != 0) {
        fprintf(stderr, "DescribeReplicationGroups: %s\n", err.message ? err.message : "?");
        exit(1);
    }
    xmlFreeDoc(doc);
    return l;
}

/* Pages append to l. */
static void parse_ccs(const char *body, size_t len, struct elasticache_cache_cluster_list *l)
{
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    if (query_parse(body, len, 200, "DescribeCacheClusters", false, &doc, &res, rid, sizeof(rid),
                    &err) != 0 ||
        elasticache_parse_describe_cache_clusters(res, l, &err) != 0) {
        fprintf(stderr, "DescribeCacheClusters: %s\n", err.message ? err.message : "?");
        exit(1);
    }
    xmlFreeDoc(doc);
}

static struct logstore *ls_fill(size_t n, size_t cap);

static int cmd_xml(const char *rgs_path, int nccs, char **ccs_paths)
{
    size_t rlen;
    char *rgs = slurp(rgs_path, &rlen);
    xmlInitParser();
    /* warm up, then the best of several runs */
    elasticache_replication_group_list_free(parse_rgs(rgs, rlen));
    double best = 1e9;
    for (int i = 0; i < 10; i++) {
        double t0 = now_s();
        elasticache_replication_group_list_free(parse_rgs(rgs, rlen));
        double dt = now_s() - t0;
        if (dt < best)
            best = dt;
    }
    /* peak heap of one parse: the document and the typed list together */
    size_t h0 = heap_in_use();
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    struct elasticache_replication_group_list *l = mem_xcalloc(1, sizeof(*l));
    if (query_parse(rgs, rlen, 200, "DescribeReplicationGroups", false, &doc, &res, rid,
                    sizeof(rid), &err) != 0 ||
        elasticache_parse_describe_replication_groups(res, l, &err) != 0)
        return 1;
    size_t h_peak = heap_in_use();
    xmlFreeDoc(doc);
    size_t h_list = heap_in_use();
    size_t shards = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].n_node_groups > shards)
            shards = l->items[i].n_node_groups;
    fig("xml_body_bytes", (double)rlen, "B");
    fig("xml_groups", (double)l->n, "");
    fig("xml_max_shards", (double)shards, "");
    fig("xml_parse_ms", best * 1e3, "ms");
    fig("xml_parse_peak_heap_mb", (double)(h_peak - h0) / 1e6, "MB");
    fig("xml_typed_list_heap_mb", (double)(h_list - h0) / 1e6, "MB");

    struct elasticache_cache_cluster_list *cl = mem_xcalloc(1, sizeof(*cl));
    for (int i = 0; i < nccs; i++) {
        size_t clen;
        char *ccs = slurp(ccs_paths[i], &clen);
        parse_ccs(ccs, clen, cl);
        free(ccs);
    }
    fig("ccs_clusters", (double)cl->n, "");
    /* the biggest group's model */
    size_t big = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].n_node_groups > l->items[big].n_node_groups)
            big = i;
    model_group_unref(model_group_from_api(&l->items[big], cl, 1)); /* warm */
    double mbest = 1e9;
    for (int i = 0; i < 10; i++) {
        double t0 = now_s();
        struct model_group *g = model_group_from_api(&l->items[big], cl, 1);
        double dt = now_s() - t0;
        model_group_unref(g);
        if (dt < mbest)
            mbest = dt;
    }
    size_t m0 = heap_in_use();
    struct model_group *g = model_group_from_api(&l->items[big], cl, 1);
    size_t m1 = heap_in_use();
    size_t p, r, u;
    model_group_role_counts(g, &p, &r, &u);
    fig("model_nodes", (double)(p + r + u), "");
    fig("model_build_ms", mbest * 1e3, "ms");
    fig("model_heap_mb", (double)(m1 - m0) / 1e6, "MB");
    fig("model_process_rss_mb", (double)rss_kb() / 1024.0, "MB");
    /* the console: the model, and a log panel full (its store and view) */
    elasticache_cache_cluster_list_free(cl);
    elasticache_replication_group_list_free(l);
    free(rgs);
    malloc_trim(0);
    struct logstore *st = ls_fill(100000, 100000);
    struct logstore_view *v = logstore_view_new(st);
    fig("process_rss_model_100k_records_mb", (double)rss_kb() / 1024.0, "MB");
    logstore_view_free(v);
    logstore_free(st);
    model_group_unref(g);
    return 0;
}

/* ---- log records ---- */

static const char *const lr_msgs[4] = {
    "{\"CacheClusterId\":\"rg-0001-001\",\"CacheNodeId\":\"0001\",\"Id\":17,\"Timestamp\":"
    "1714564805,\"Duration (us)\":10452,\"Command\":\"KEYS ... (1 more arguments)\","
    "\"ClientAddress\":\"10.20.32.14:53412\",\"ClientName\":\"worker-7\"}",
    "rg-0001-001,0001,1714564805,10452,KEYS ... (1 more arguments),10.20.32.14:53412,worker-7",
    "{\"CacheClusterId\":\"rg-0002-001\",\"CacheNodeId\":\"0001\",\"LogLevel\":\"NOTICE\","
    "\"Role\":\"S\",\"Time\":\"01 May 2024 12:03:41.517 UTC\",\"Message\":\"MASTER <-> REPLICA "
    "sync: Finished with success\"}",
    ("rg-0002-001/0001:S 01 May 2024 12:03:41.517 UTC * MASTER <-> REPLICA sync: Finished with "
     "success"),
};
static const char *const lr_names[4] = {"logrec_slow_json", "logrec_slow_text",
                                        "logrec_engine_json", "logrec_engine_text"};
static const char *const lr_streams[4] = {"elasticache/redis/rg-0001-001/0001/slow-log",
                                          "elasticache/redis/rg-0001-001/0001/slow-log",
                                          "elasticache/redis/rg-0002-001/0001/engine-log",
                                          "elasticache/redis/rg-0002-001/0001/engine-log"};

static struct logrec *lr_make(int k, long i)
{
    struct logrec_event ev = {
        .event_id = "38231283910224617213929291237463028475610362018652160000",
        .log_group = "/aws/elasticache/rg/slow-log",
        .log_stream = lr_streams[k],
        .message = lr_msgs[k],
        .message_len = strlen(lr_msgs[k]),
        .timestamp_ms = 1714564805000LL + i,
        .ingestion_ms = 1714564806000LL + i,
        .hint = LOGREC_UNKNOWN,
    };
    return logrec_new(&ev, NULL, NULL);
}

static int cmd_logrec(long n)
{
    for (int k = 0; k < 4; k++) {
        double t0 = now_s();
        for (long i = 0; i < n; i++) {
            struct logrec *r = lr_make(k, i);
            if (k == 0 && i == 0 && r->type != LOGREC_SLOW)
                return 1;
            logrec_free(r);
        }
        double dt = now_s() - t0;
        char name[64];
        snprintf(name, sizeof(name), "%s_per_s", lr_names[k]);
        fig(name, (double)n / dt, "1/s");
    }
    return 0;
}

static int cmd_ring(void)
{
    static int x;
    struct ring *r = ring_new(100000, NULL);
    long n = 20000000;
    double t0 = now_s();
    for (long i = 0; i < n; i++)
        ring_push(r, &x);
    double dt = now_s() - t0;
    fig("ring_push_per_s", (double)n / dt, "1/s");
    ring_free(r);

    size_t h0 = heap_in_use();
    long kb0 = rss_kb();
    size_t tot = 0;
    r = ring_new(100000, logrec_free_void);
    t0 = now_s();
    for (long i = 0; i < 100000; i++) {
        struct logrec *rec = lr_make((int)(i % 4), i);
        tot += logrec_size(rec);
        ring_push(r, rec);
    }
    dt = now_s() - t0;
    size_t h1 = heap_in_use();
    long kb1 = rss_kb();
    fig("ring_100k_fill_ms", dt * 1e3, "ms");
    fig("ring_100k_heap_mb", (double)(h1 - h0) / 1e6, "MB");
    fig("ring_100k_record_bytes_mb", (double)tot / 1e6, "MB");
    fig("ring_100k_rss_growth_mb", (double)(kb1 - kb0) / 1024.0, "MB");
    /* a flood of 1M more keeps the heap flat */
    for (long i = 0; i < 1000000; i++)
        ring_push(r, lr_make((int)(i % 4), i));
    size_t h2 = heap_in_use();
    fig("ring_after_1m_flood_heap_mb", (double)(h2 - h0) / 1e6, "MB");
    fig("ring_dropped", (double)ring_dropped(r), "");
    ring_free(r);
    return 0;
}

/* ---- the log panel's record store ---- */

/* Slow-log records as ElastiCache writes them: 1,500 nodes (500 shards x 3),
 * 56-digit event ids, a few commands, clients with their ports. */
static struct logrec *ls_record(size_t i)
{
    char cluster[40], stream[96], eid[64], client[40], msg[512];
    snprintf(cluster, sizeof(cluster), "prod-cache-%04zu-%03zu", 1 + i % 500, 1 + (i / 500) % 3);
    snprintf(stream, sizeof(stream), "elasticache/redis/%s/0001/slow-log", cluster);
    snprintf(eid, sizeof(eid), "3823128391022461721392929123746302847561036%013zu", i);
    snprintf(client, sizeof(client), "10.20.%zu.%zu:%zu", i % 8, i % 251, 40000 + i % 20000);
    static const char *const cmds[] = {"KEYS ... (1 more arguments)", "SORT ... (4 more arguments)",
                                       "HGETALL ... (1 more arguments)",
                                       "ZRANGEBYSCORE ... (5 more arguments)",
                                       "EVALSHA ... (3 more "
                                       "arguments)"};
    int64_t ts = 1714564805000LL + (int64_t)i * 7;
    snprintf(msg, sizeof(msg),
             "{\"CacheClusterId\":\"%s\",\"CacheNodeId\":\"0001\",\"Id\":%zu,\"Timestamp\":%lld,"
             "\"Duration (us)\":%zu,\"Command\":\"%s\",\"ClientAddress\":\"%s\",\"ClientName\":"
             "\"worker-%zu\"}",
             cluster, i / 1500, (long long)(ts / 1000), 10000 + (i * 7919) % 500000, cmds[i % 5],
             client, i % 16);
    struct logrec_event ev = {
        .event_id = eid,
        .log_group = "/elasticache/prod-cache/slow-log",
        .log_stream = stream,
        .message = msg,
        .message_len = strlen(msg),
        .timestamp_ms = ts,
        .ingestion_ms = ts + 1800,
        .hint = LOGREC_SLOW,
    };
    return logrec_new(&ev, NULL, NULL);
}

static struct logstore *ls_fill(size_t n, size_t cap)
{
    struct logstore *s = logstore_new(cap);
    int src = logstore_source(s, "/elasticache/prod-cache/slow-log", LOGREC_SLOW);
    for (size_t i = 0; i < n; i++) {
        struct logrec *r = ls_record(i);
        logstore_push(s, src, r);
        logrec_free(r);
    }
    return s;
}

static int cmd_logstore(void)
{
    const size_t N = 100000;
    malloc_trim(0);
    size_t h0 = heap_in_use();
    long kb0 = rss_kb();
    double t0 = now_s();
    struct logstore *s = ls_fill(N, N);
    double dt = now_s() - t0;
    struct logstore_view *v = logstore_view_new(s); /* the panel's view */
    size_t h1 = heap_in_use();
    fig("logstore_100k_fill_ms", dt * 1e3, "ms");
    fig("logstore_100k_heap_mb", (double)(h1 - h0) / 1e6, "MB");
    fig("logstore_100k_bytes_per_record", (double)(h1 - h0) / (double)N, "B");
    fig("logstore_100k_store_bytes_mb", (double)logstore_bytes(s) / 1e6, "MB");
    fig("logstore_100k_rss_growth_mb", (double)(rss_kb() - kb0) / 1024.0, "MB");
    /* search: a text no row shows (every row read), one many show */
    struct logstore_search q;
    logstore_search_init(&q, "no-such-text-anywhere");
    double best = 1e9;
    for (int k = 0; k < 5; k++) {
        t0 = now_s();
        size_t m = logstore_view_count_matches(v, &q);
        dt = now_s() - t0;
        if (m != 0)
            return 1;
        best = dt < best ? dt : best;
    }
    fig("logstore_search_100k_miss_ms", best * 1e3, "ms");
    logstore_search_free(&q);
    logstore_search_init(&q, "hgetall");
    size_t m = 0;
    best = 1e9;
    for (int k = 0; k < 5; k++) {
        t0 = now_s();
        m = logstore_view_count_matches(v, &q);
        dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    fig("logstore_search_100k_hit_ms", best * 1e3, "ms");
    fig("logstore_search_100k_hits", (double)m, "");
    t0 = now_s();
    logstore_view_find(v, &q, N / 2, 1);
    fig("logstore_search_next_us", (now_s() - t0) * 1e6, "us");
    logstore_search_free(&q);
    /* a filter: the view filled again */
    struct logstore_filter f = {.shard = NULL, .command = "keys"};
    t0 = now_s();
    logstore_view_set_filter(v, &f);
    fig("logstore_filter_100k_ms", (now_s() - t0) * 1e3, "ms");
    logstore_view_set_filter(v, NULL);
    /* the summary over 100k */
    best = 1e9;
    for (int k = 0; k < 3; k++) {
        t0 = now_s();
        struct logsum *sum = logsum_build(v, k == 2);
        dt = now_s() - t0;
        best = dt < best ? dt : best;
        logsum_free(sum);
    }
    fig("logsum_100k_ms", best * 1e3, "ms");
    /* one screen: 40 rows formatted in full (what expand and save do per row
     * is more than a row drawn needs) */
    struct logstore_full full;
    logstore_full_init(&full);
    struct buf line;
    buf_init(&line, 0);
    t0 = now_s();
    for (int k = 0; k < 100; k++)
        for (size_t i = N - 40; i < N; i++) {
            buf_reset(&line);
            logstore_full(s, logstore_view_seq(v, i), &full);
            logrec_format_human(&full.rec, &line);
        }
    fig("logstore_screen_40_rows_us", (now_s() - t0) * 1e6 / 100, "us");
    buf_free(&line);
    logstore_full_free(&full);
    /* a flood of 1M more: the heap stays where it was */
    int src = logstore_source(s, "/elasticache/prod-cache/slow-log", LOGREC_SLOW);
    t0 = now_s();
    for (size_t i = N; i < N + 1000000; i++) {
        struct logrec *r = ls_record(i);
        logstore_push(s, src, r);
        logrec_free(r);
    }
    dt = now_s() - t0;
    fig("logstore_push_per_s", 1000000.0 / dt, "1/s");
    fig("logstore_after_1m_flood_heap_mb", (double)(heap_in_use() - h0) / 1e6, "MB");
    fig("logstore_dropped", (double)logstore_dropped(s), "");
    logstore_view_free(v);
    logstore_free(s);
    return 0;
}

/* ---- callgrind: one parser in a loop, collection toggled around it ---- */

/* The reference the JSON slow-log record is shown against: one pass over
 * the bytes of a flat object (strings with escapes, numbers), each value
 * copied out with its key - what a parse of these records cannot do with
 * less work. A yardstick for the benchmark only, not a parser elcui uses. */
struct cg_field {
    char key[32], val[128];
};

static int cg_scan_string(const char *p, size_t n, size_t *i, char *out, size_t cap)
{
    size_t o = 0;
    for ((*i)++; *i < n && p[*i] != '"'; (*i)++) {
        char c = p[*i];
        if (c == '\\' && *i + 1 < n)
            c = p[++(*i)];
        if (o + 1 < cap)
            out[o++] = c;
    }
    out[o] = 0;
    (*i)++;
    return *i <= n ? 0 : -1;
}

static int cg_single_pass(const char *p, size_t n, struct cg_field *f, int maxf)
{
    int nf = 0;
    size_t i = 0;
    while (i < n && nf < maxf) {
        while (i < n && p[i] != '"')
            i++;
        if (i >= n || cg_scan_string(p, n, &i, f[nf].key, sizeof(f[nf].key)) != 0)
            break;
        while (i < n && (p[i] == ':' || p[i] == ' '))
            i++;
        if (i < n && p[i] == '"') {
            if (cg_scan_string(p, n, &i, f[nf].val, sizeof(f[nf].val)) != 0)
                break;
        } else {
            size_t o = 0;
            while (i < n && p[i] != ',' && p[i] != '}' && o + 1 < sizeof(f[nf].val))
                f[nf].val[o++] = p[i++];
            f[nf].val[o] = 0;
        }
        nf++;
    }
    return nf;
}

static int cmd_cg(const char *what, const char *path, long n)
{
    size_t len = 0;
    char *body = path && strcmp(path, "-") != 0 ? slurp(path, &len) : NULL;
    xmlInitParser();
    if (strcmp(what, "xml_rgs") == 0) {
        elasticache_replication_group_list_free(parse_rgs(body, len)); /* lazy inits */
        CALLGRIND_TOGGLE_COLLECT;
        for (long i = 0; i < n; i++)
            elasticache_replication_group_list_free(parse_rgs(body, len));
        CALLGRIND_TOGGLE_COLLECT;
    } else if (strcmp(what, "json_filter") == 0) {
        CALLGRIND_TOGGLE_COLLECT;
        for (long i = 0; i < n; i++) {
            json_t *obj;
            struct aws_error err;
            aws_error_init(&err);
            if (awsjson_parse(body, len, 200, &obj, &err) != 0)
                return 1;
            struct logs_filter_log_events_out *o = mem_xcalloc(1, sizeof(*o));
            if (logs_parse_filter_log_events(obj, o, &err) != 0)
                return 1;
            logs_filter_log_events_out_free(o);
            json_decref(obj);
        }
        CALLGRIND_TOGGLE_COLLECT;
    } else if (strncmp(what, "logrec", 6) == 0) {
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(what, lr_names[i]) == 0)
                k = i;
        if (k < 0)
            return 2;
        logrec_free(lr_make(k, 0));
        CALLGRIND_TOGGLE_COLLECT;
        for (long i = 0; i < n; i++)
            logrec_free(lr_make(k, i));
        CALLGRIND_TOGGLE_COLLECT;
    } else if (strcmp(what, "slow_json_jansson") == 0) {
        /* jansson alone: the message to a tree and back (malloc) */
        CALLGRIND_TOGGLE_COLLECT;
        for (long i = 0; i < n; i++) {
            json_error_t je;
            json_t *o = json_loadb(lr_msgs[0], strlen(lr_msgs[0]), 0, &je);
            if (!o)
                return 1;
            json_decref(o);
        }
        CALLGRIND_TOGGLE_COLLECT;
    } else if (strcmp(what, "slow_json_single_pass") == 0) {
        struct cg_field f[16];
        CALLGRIND_TOGGLE_COLLECT;
        for (long i = 0; i < n; i++)
            if (cg_single_pass(lr_msgs[0], strlen(lr_msgs[0]), f, 16) != 8)
                return 1;
        CALLGRIND_TOGGLE_COLLECT;
    } else if (strcmp(what, "sigv4") == 0) {
        (void)sigv4_one(sigv4_body);
        CALLGRIND_TOGGLE_COLLECT;
        for (long i = 0; i < n; i++)
            (void)sigv4_one(sigv4_body);
        CALLGRIND_TOGGLE_COLLECT;
    } else {
        return 2;
    }
    free(body);
    return 0;
}

/* ---- Redis over TLS ---- */

struct rb {
    long left;
    long errors;
    bool done;
};

static void rb_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct rb *b = arg;
    (void)c;
    if (res->err || !res->reply || res->reply->type == REDIS_REPLY_ERROR)
        b->errors++;
    if (--b->left == 0)
        b->done = true;
}

struct rready {
    bool done, ok;
    char msg[RCONN_ERRMSG_MAX];
};

static void rb_event(struct rconn *c, enum rconn_event ev, const struct rconn_error *err, void *arg)
{
    struct rready *r = arg;
    (void)c;
    if (ev == RCONN_EV_READY)
        r->ok = true;
    else if (err)
        snprintf(r->msg, sizeof(r->msg), "%s", err->msg);
    r->done = true;
}

static int cmd_redis(const char *host, int port, const char *ca, const char *token_file, long n)
{
    size_t tlen = 0;
    char *token = slurp(token_file, &tlen);
    while (tlen && (token[tlen - 1] == '\n' || token[tlen - 1] == '\r'))
        token[--tlen] = '\0';
    struct loop *l = loop_new();
    struct rconn_error err;
    struct rconn_tls_options to = {.cafile = ca};
    struct rconn_tls *tls = rconn_tls_new(&to, &err);
    if (!tls) {
        fprintf(stderr, "tls: %s\n", err.msg);
        return 1;
    }
    struct rready rr = {0};
    struct rconn_options o = {
        .host = host,
        .port = port,
        .tls = tls,
        .password = token,
        .on_event = rb_event,
        .event_arg = &rr,
    };
    struct rconn *c = rconn_open(l, &o);
    mem_wipe(token, tlen);
    free(token);
    if (!c || !loop_run_until(l, &rr.done, loop_now_ms(l) + 10000) || !rr.ok) {
        fprintf(stderr, "connect: %s\n", rr.msg);
        return 1;
    }
    static const char *const ops[2] = {"SET", "GET"};
    for (int k = 0; k < 2; k++) {
        struct rb b = {.left = n};
        double t0 = now_s();
        const long window = 1000; /* pipelined in windows, as a batch would be */
        long sent = 0;
        while (sent < n) {
            long upto = sent + window < n ? sent + window : n;
            for (; sent < upto; sent++) {
                char key[32];
                snprintf(key, sizeof(key), "bench:{%ld}", sent % 4096);
                const char *argv[3] = {ops[k], key, "0123456789abcdef0123456789abcdef"};
                if (rconn_command_argv(c, k == 0 ? 3 : 2, argv, NULL, 0, rb_reply, &b) != 0)
                    return 1;
            }
            uint64_t deadline = loop_now_ms(l) + 60000;
            while (b.left > n - sent && loop_now_ms(l) < deadline)
                loop_run_once(l, 100);
        }
        if (!loop_run_until(l, &b.done, loop_now_ms(l) + 60000))
            return 1;
        double dt = now_s() - t0;
        if (b.errors)
            fprintf(stderr, "%ld errors\n", b.errors);
        fig(k == 0 ? "redis_tls_pipelined_set_per_s" : "redis_tls_pipelined_get_per_s",
            (double)n / dt, "1/s");
    }
    rconn_close(c);
    rconn_tls_unref(tls);
    bool never = false;
    loop_run_until(l, &never, loop_now_ms(l) + 10);
    loop_free(l);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "sigv4") == 0)
        return cmd_sigv4(strtod(argv[2], NULL));
    if (argc >= 4 && strcmp(argv[1], "xml") == 0)
        return cmd_xml(argv[2], argc - 3, argv + 3);
    if (argc >= 3 && strcmp(argv[1], "logrec") == 0)
        return cmd_logrec(strtol(argv[2], NULL, 10));
    if (argc >= 2 && strcmp(argv[1], "ring") == 0)
        return cmd_ring();
    if (argc >= 2 && strcmp(argv[1], "logstore") == 0)
        return cmd_logstore();
    if (argc >= 5 && strcmp(argv[1], "cg") == 0)
        return cmd_cg(argv[2], argv[3], strtol(argv[4], NULL, 10));
    if (argc >= 7 && strcmp(argv[1], "redis") == 0)
        return cmd_redis(argv[2], (int)strtol(argv[3], NULL, 10), argv[4], argv[5],
                         strtol(argv[6], NULL, 10));
    fprintf(stderr, "usage: bench_core sigv4 S | xml RGS CCS | logrec N | ring | logstore | "
                    "cg WHAT FILE N | redis HOST PORT CA TOKENFILE N\n");
    return 2;
}
