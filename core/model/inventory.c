/* inventory.c - the inventory engine (see inventory.h). */
#include "core/model/inventory.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/elasticache.h"
#include "aws/mem.h"
#include "aws/paging.h"
#include "core/model/metrics.h"

struct inventory;

/* One DescribeCacheClusters(id) of a group build. */
struct inventory_cc_slot {
    struct inventory *inv;
    struct aws_call *call;
};

struct inventory {
    struct loop *loop;
    struct aws_client *aws;
    struct inventory_options o;
    int depth;  /* inside our callbacks */
    bool dying; /* inventory_free called while depth > 0 */
    struct inventory_stats st;

    /* list */
    bool list_wanted;
    bool list_streamed;  /* a complete list was delivered once */
    size_t list_modeled; /* first listing: raw groups already in inv->list as models */
    struct aws_call *list_call;
    struct aws_call *list_cc_call;
    struct loop_timer *list_timer;
    struct elasticache_replication_group_list *list_raw; /* pages so far */
    unsigned list_pages;
    struct paging_seen list_seen; /* markers of the listing: one sent twice loops */
    struct model_group **list;
    size_t n_list;

    /* open group */
    char *rg_id;
    struct aws_call *grp_call; /* DescribeReplicationGroups(id) or the regional listing */
    struct inventory_cc_slot *slots;
    size_t n_slots;
    size_t slots_pending;
    struct elasticache_replication_group_list *grp_rg;
    struct elasticache_cache_cluster_list *grp_cc;
    int64_t grp_fetched_ms;
    struct metrics_req *grp_metrics;
    struct aws_call *grp_tags;
    struct model_group *grp_new;
    struct model_group *group;
    struct loop_timer *grp_timer;
};

/* ---- callback plumbing ---- */

static void inventory_destroy(struct inventory *inv);

static void inventory_enter(struct inventory *inv)
{
    inv->depth++;
}

/* false: the inventory is gone, touch nothing. */
static bool inventory_leave(struct inventory *inv)
{
    inv->depth--;
    if (inv->dying && inv->depth == 0) {
        inventory_destroy(inv);
        return false;
    }
    return !inv->dying;
}

static void inventory_progress(struct inventory *inv, enum inventory_op op, const char *text)
{
    if (inv->o.cb.on_progress && !inv->dying)
        inv->o.cb.on_progress(inv, op, text, inv->o.cb.arg);
}

static void inventory_error(struct inventory *inv, enum inventory_op op, const struct aws_error *e)
{
    inv->st.errors++;
    if (inv->o.cb.on_error && !inv->dying)
        inv->o.cb.on_error(inv, op, e, inv->o.cb.arg);
}

/* ---- list ---- */

static void inventory_list_models_free(struct model_group **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        model_group_unref(v[i]);
    free(v);
}

static void inventory_list_stop(struct inventory *inv)
{
    if (inv->list_call)
        aws_call_cancel(inv->list_call);
    if (inv->list_cc_call)
        aws_call_cancel(inv->list_cc_call);
    inv->list_call = inv->list_cc_call = NULL;
    if (inv->list_timer)
        loop_untimer(inv->loop, inv->list_timer);
    inv->list_timer = NULL;
    elasticache_replication_group_list_free(inv->list_raw);
    inv->list_raw = NULL;
}

static void inventory_list_start(struct inventory *inv);

static void inventory_list_tick(void *arg)
{
    struct inventory *inv = arg;
    inv->list_timer = NULL;
    inventory_list_start(inv);
}

static void inventory_list_schedule(struct inventory *inv)
{
    if (inv->o.refresh_ms && !inv->list_timer && inv->list_wanted)
        inv->list_timer = loop_timer(inv->loop, inv->o.refresh_ms, inventory_list_tick, inv);
}

/* Failed: drop the pages so far, report (callers are inside enter/leave). */
static void inventory_list_fail(struct inventory *inv, const struct aws_error *err)
{
    elasticache_replication_group_list_free(inv->list_raw);
    inv->list_raw = NULL;
    inventory_list_schedule(inv);
    inventory_error(inv, INVENTORY_OP_LIST, err);
}

static int inventory_model_cmp(const void *a, const void *b)
{
    const struct model_group *x = *(struct model_group *const *)a;
    const struct model_group *y = *(struct model_group *const *)b;
    return strcmp(x->id, y->id);
}

/* Models of the raw groups (with clusters when given). */
static struct model_group **inventory_models(const struct elasticache_replication_group_list *raw,
                                             const struct elasticache_cache_cluster_list *cc,
                                             int64_t now, size_t *n)
{
    *n = raw ? raw->n : 0;
    struct model_group **v = mem_xcalloc(*n + 1, sizeof(*v));
    for (size_t i = 0; i < *n; i++)
        v[i] = model_group_from_api(&raw->items[i], cc, now);
    if (*n > 1)
        qsort(v, *n, sizeof(*v), inventory_model_cmp);
    return v;
}

static void inventory_list_deliver(struct inventory *inv, struct model_group **v, size_t n,
                                   bool complete)
{
    inventory_list_models_free(inv->list, inv->n_list);
    inv->list = v;
    inv->n_list = n;
    if (complete) {
        inv->st.lists++;
        inv->list_streamed = true;
        elasticache_replication_group_list_free(inv->list_raw);
        inv->list_raw = NULL;
        inventory_list_schedule(inv);
    }
    if (inv->o.cb.on_list)
        inv->o.cb.on_list(inv, inv->list, inv->n_list, complete, inv->o.cb.arg);
}

static void inventory_list_clusters(struct elasticache_cache_cluster_list *out,
                                    const struct aws_error *err, void *arg)
{
    struct inventory *inv = arg;
    inv->list_cc_call = NULL;
    inventory_enter(inv);
    if (!out) {
        inventory_list_fail(inv, err);
    } else {
        size_t n;
        struct model_group **v = inventory_models(inv->list_raw, out, loop_wall_ms(inv->loop), &n);
        elasticache_cache_cluster_list_free(out);
        inventory_list_deliver(inv, v, n, true);
    }
    inventory_leave(inv);
}

/* Append page's groups to dst (strings move). */
static void inventory_take_groups(struct elasticache_replication_group_list *dst,
                                  struct elasticache_replication_group_list *page)
{
    dst->items = mem_xrealloc(dst->items, (dst->n + page->n + 1) * sizeof(*dst->items));
    if (page->n) /* an empty page may have no array at all */
        memcpy(dst->items + dst->n, page->items, page->n * sizeof(*page->items));
    dst->n += page->n;
    page->n = 0;
}

static void inventory_list_request(struct inventory *inv, const char *marker);

/* The first listing so far, delivered after each page: the models already
 * delivered are kept and only the page's groups are added (a model per
 * group once, not all of them again on every page). */
static void inventory_list_partial(struct inventory *inv, int64_t now)
{
    const struct elasticache_replication_group_list *raw = inv->list_raw;
    size_t have = inv->list_modeled ? inv->n_list : 0;
    size_t first = inv->list_modeled;
    size_t n = have + (raw->n - first);
    struct model_group **v = mem_xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < have; i++)
        v[i] = model_group_ref(inv->list[i]);
    for (size_t i = first; i < raw->n; i++)
        v[have + i - first] = model_group_from_api(&raw->items[i], NULL, now);
    if (n > 1)
        qsort(v, n, sizeof(*v), inventory_model_cmp);
    inv->list_modeled = raw->n;
    inventory_list_deliver(inv, v, n, false);
}

static void inventory_list_page(struct elasticache_replication_group_list *out,
                                const struct aws_error *err, void *arg)
{
    struct inventory *inv = arg;
    inv->list_call = NULL;
    inventory_enter(inv);
    if (!out) {
        inventory_list_fail(inv, err);
        inventory_leave(inv);
        return;
    }
    inv->list_pages++;
    inv->st.pages = inv->list_pages;
    inventory_take_groups(inv->list_raw, out);
    /* pages are asked one at a time: the listing's bounds are kept here */
    bool more = out->marker && *out->marker;
    struct aws_error bound;
    aws_error_init(&bound);
    if (more && !paging_seen_add(&inv->list_seen, out->marker))
        aws_error_set(&bound, AWS_ERR_PARSE, PAGING_LOOP,
                      "DescribeReplicationGroups sent a Marker it had already sent, after %u "
                      "pages (pagination loop)",
                      inv->list_pages);
    else if (more && inv->list_pages >= ELASTICACHE_PAGE_LIMIT)
        aws_error_set(&bound, AWS_ERR_PARSE, PAGING_LIMIT,
                      "DescribeReplicationGroups sent a new Marker on each of %u pages, far more "
                      "than any real account needs; stopped",
                      inv->list_pages);
    else if (inv->list_raw->n > ELASTICACHE_ITEM_LIMIT)
        aws_error_set(&bound, AWS_ERR_PARSE, PAGING_LIMIT,
                      "DescribeReplicationGroups listed more than %d replication groups, far more "
                      "than any real account holds; stopped",
                      ELASTICACHE_ITEM_LIMIT);
    if (bound.kind != AWS_ERR_NONE) {
        snprintf(bound.service, sizeof(bound.service), "ElastiCache");
        snprintf(bound.operation, sizeof(bound.operation), "DescribeReplicationGroups");
        snprintf(bound.request_id, sizeof(bound.request_id), "%s", out->request_id);
        elasticache_replication_group_list_free(out);
        inventory_list_fail(inv, &bound);
        aws_error_clear(&bound);
        inventory_leave(inv);
        return;
    }
    char *marker = more ? mem_xstrdup(out->marker) : NULL;
    elasticache_replication_group_list_free(out);
    int64_t now = loop_wall_ms(inv->loop);
    if (marker) {
        inventory_list_request(inv, marker);
        free(marker);
        if (!inv->list_streamed)
            inventory_list_partial(inv, now);
    } else if (inv->o.list_clusters && inv->list_raw->n) {
        struct elasticache_describe_cache_clusters_in in;
        memset(&in, 0, sizeof(in));
        in.max_records = inv->o.page_size;
        inv->st.requests++;
        inv->list_cc_call =
            elasticache_describe_cache_clusters(inv->aws, &in, inventory_list_clusters, inv);
        inventory_progress(inv, INVENTORY_OP_LIST, "DescribeCacheClusters (engine versions)");
        if (!inv->list_streamed)
            inventory_list_partial(inv, now);
    } else {
        size_t n;
        struct model_group **v = inventory_models(inv->list_raw, NULL, now, &n);
        inventory_list_deliver(inv, v, n, true);
    }
    inventory_leave(inv);
}

static void inventory_list_request(struct inventory *inv, const char *marker)
{
    struct elasticache_describe_replication_groups_in in;
    memset(&in, 0, sizeof(in));
    in.max_records = inv->o.page_size;
    in.max_pages = 1;
    in.marker = marker;
    char text[96];
    snprintf(text, sizeof(text), "DescribeReplicationGroups page %u", inv->list_pages + 1);
    inventory_progress(inv, INVENTORY_OP_LIST, text);
    inv->st.requests++;
    inv->list_call =
        elasticache_describe_replication_groups(inv->aws, &in, inventory_list_page, inv);
}

static void inventory_list_start(struct inventory *inv)
{
    inventory_list_stop(inv);
    inv->list_raw = mem_xcalloc(1, sizeof(*inv->list_raw));
    inv->list_pages = 0;
    inv->list_modeled = 0;
    paging_seen_reset(&inv->list_seen);
    inventory_list_request(inv, NULL);
}

void inventory_list(struct inventory *inv)
{
    if (!inv || inv->dying)
        return;
    inv->list_wanted = true;
    inventory_list_start(inv);
}

/* ---- one group ---- */

static void inventory_group_stop(struct inventory *inv)
{
    if (inv->grp_call)
        aws_call_cancel(inv->grp_call);
    inv->grp_call = NULL;
    for (size_t i = 0; i < inv->n_slots; i++)
        if (inv->slots[i].call)
            aws_call_cancel(inv->slots[i].call);
    free(inv->slots);
    inv->slots = NULL;
    inv->n_slots = inv->slots_pending = 0;
    metrics_cancel(inv->grp_metrics);
    inv->grp_metrics = NULL;
    if (inv->grp_tags)
        aws_call_cancel(inv->grp_tags);
    inv->grp_tags = NULL;
    model_group_unref(inv->grp_new);
    inv->grp_new = NULL;
    if (inv->grp_timer)
        loop_untimer(inv->loop, inv->grp_timer);
    inv->grp_timer = NULL;
    elasticache_replication_group_list_free(inv->grp_rg);
    inv->grp_rg = NULL;
    elasticache_cache_cluster_list_free(inv->grp_cc);
    inv->grp_cc = NULL;
}

static void inventory_group_start(struct inventory *inv);

static void inventory_group_tick(void *arg)
{
    struct inventory *inv = arg;
    inv->grp_timer = NULL;
    inventory_group_start(inv);
}

static void inventory_group_schedule(struct inventory *inv)
{
    if (inv->o.refresh_ms && !inv->grp_timer && inv->rg_id)
        inv->grp_timer = loop_timer(inv->loop, inv->o.refresh_ms, inventory_group_tick, inv);
}

/* Failed: drop the partial build, report (callers are inside enter/leave). */
static void inventory_group_fail(struct inventory *inv, const struct aws_error *err)
{
    struct aws_error e;
    aws_error_init(&e);
    aws_error_copy(&e, err);
    inventory_group_stop(inv);
    inventory_group_schedule(inv);
    inventory_error(inv, INVENTORY_OP_GROUP, &e);
    aws_error_clear(&e);
}

static void inventory_group_deliver(struct inventory *inv)
{
    struct model_group *g = inv->grp_new;
    inv->grp_new = NULL;
    model_group_carry_redis(g, inv->group);
    model_group_unref(inv->group);
    inv->group = g;
    inv->st.builds++;
    elasticache_replication_group_list_free(inv->grp_rg);
    inv->grp_rg = NULL;
    elasticache_cache_cluster_list_free(inv->grp_cc);
    inv->grp_cc = NULL;
    inventory_group_schedule(inv);
    if (inv->o.cb.on_group)
        inv->o.cb.on_group(inv, g, inv->o.cb.arg);
}

static void inventory_group_tagged(struct elasticache_tag_list *out, const struct aws_error *err,
                                   void *arg)
{
    struct inventory *inv = arg;
    inv->grp_tags = NULL;
    inventory_enter(inv);
    struct model_group *g = inv->grp_new;
    inv->st.requests++;
    if (out) {
        const char **keys = mem_xcalloc(out->n + 1, sizeof(*keys));
        const char **values = mem_xcalloc(out->n + 1, sizeof(*values));
        for (size_t i = 0; i < out->n; i++) {
            keys[i] = out->items[i].key;
            values[i] = out->items[i].value;
        }
        model_group_set_tags(g, keys, values, out->n);
        free(keys);
        free(values);
        elasticache_tag_list_free(out);
    } else {
        /* tags are extra: the model is delivered without them */
        char *m = aws_error_format(err);
        model_group_set_tags_error(g, m);
        free(m);
    }
    if (!inv->dying)
        inventory_group_deliver(inv);
    inventory_leave(inv);
}

/* Roles are settled: read the tags when asked, then deliver. */
static void inventory_group_finish(struct inventory *inv)
{
    struct model_group *g = inv->grp_new;
    if (inv->o.tags && g->arn && *g->arn) {
        struct elasticache_list_tags_for_resource_in in = {.resource_name = g->arn};
        inventory_progress(inv, INVENTORY_OP_GROUP, "ListTagsForResource");
        inv->grp_tags =
            elasticache_list_tags_for_resource(inv->aws, &in, inventory_group_tagged, inv);
        if (inv->grp_tags)
            return;
    }
    inventory_group_deliver(inv);
}

static void inventory_group_roles(struct metrics_result *out, const struct aws_error *err,
                                  void *arg)
{
    struct inventory *inv = arg;
    inv->grp_metrics = NULL;
    inventory_enter(inv);
    struct model_group *g = inv->grp_new;
    if (!out) {
        char *m = aws_error_format(err);
        char *text = mem_xasprintf("IsMaster not available, roles stay assumed: %s", m);
        inventory_progress(inv, INVENTORY_OP_GROUP, text);
        free(text);
        free(m);
    } else {
        inv->st.requests += (unsigned)out->requests;
        for (size_t i = 0; i < out->n_nodes; i++) {
            const struct metrics_series *s = metrics_result_get(out, i, 0);
            struct metrics_summary sum;
            metrics_summarize(s, &sum);
            if (sum.n)
                model_group_set_is_master(g, s->cache_cluster_id, s->cache_node_id, sum.last,
                                          sum.last_ms);
        }
        metrics_result_free(out);
    }
    if (!inv->dying)
        inventory_group_finish(inv);
    inventory_leave(inv);
}

/* All answers are in: build, then IsMaster or deliver. */
static void inventory_group_build(struct inventory *inv)
{
    const struct elasticache_replication_group *rg = &inv->grp_rg->items[0];
    inv->grp_new = model_group_from_api(rg, inv->grp_cc, inv->grp_fetched_ms);
    struct model_group *g = inv->grp_new;
    bool need = false;
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].cache_cluster_id && g->nodes[i].api_role_source < MODEL_ROLE_SRC_API)
            need = true;
    if (inv->o.roles_from_metrics && need) {
        struct metrics_node_in *nodes = mem_xcalloc(g->n_nodes + 1, sizeof(*nodes));
        size_t n = 0;
        for (size_t i = 0; i < g->n_nodes; i++)
            if (g->nodes[i].cache_cluster_id) {
                nodes[n].cache_cluster_id = g->nodes[i].cache_cluster_id;
                nodes[n].cache_node_id = g->nodes[i].cache_node_id;
                n++;
            }
        static const char *const names[] = {"IsMaster"};
        int64_t now = loop_wall_ms(inv->loop);
        struct metrics_in in;
        memset(&in, 0, sizeof(in));
        in.nodes = nodes;
        in.n_nodes = n;
        in.metrics = names;
        in.n_metrics = 1;
        in.stat = "Average";
        in.period_s = 60;
        in.start_ms = (now - INVENTORY_ROLE_WINDOW_MS) / 60000 * 60000;
        in.end_ms = now + 60000;
        in.now_ms = now;
        inventory_progress(inv, INVENTORY_OP_GROUP, "GetMetricData IsMaster (roles)");
        inv->grp_metrics = metrics_fetch(inv->aws, &in, inventory_group_roles, inv);
        free(nodes);
        if (inv->grp_metrics)
            return;
    }
    inventory_group_finish(inv);
}

/* Free one cluster (the typed layer frees clusters only as lists). */
static void inventory_cc_drop(const struct elasticache_cache_cluster *c)
{
    struct elasticache_cache_cluster_list *tmp = mem_xcalloc(1, sizeof(*tmp));
    tmp->items = mem_xcalloc(1, sizeof(*tmp->items));
    tmp->items[0] = *c;
    tmp->n = 1;
    elasticache_cache_cluster_list_free(tmp);
}

/* Move the clusters of l into the build's list (l is freed). */
static void inventory_take_clusters(struct inventory *inv, struct elasticache_cache_cluster_list *l,
                                    bool members_only)
{
    if (!inv->grp_cc)
        inv->grp_cc = mem_xcalloc(1, sizeof(*inv->grp_cc));
    struct elasticache_cache_cluster_list *d = inv->grp_cc;
    const struct elasticache_replication_group *rg = &inv->grp_rg->items[0];
    d->items = mem_xrealloc(d->items, (d->n + l->n + 1) * sizeof(*d->items));
    for (size_t i = 0; i < l->n; i++) {
        bool keep = !members_only;
        for (size_t k = 0; !keep && k < rg->n_member_clusters; k++)
            keep = l->items[i].id && rg->member_clusters[k] &&
                   strcasecmp(l->items[i].id, rg->member_clusters[k]) == 0;
        if (!keep && l->items[i].replication_group_id && rg->id)
            keep = strcasecmp(l->items[i].replication_group_id, rg->id) == 0;
        if (keep)
            d->items[d->n++] = l->items[i];
        else
            inventory_cc_drop(&l->items[i]);
    }
    l->n = 0;
    elasticache_cache_cluster_list_free(l);
}

static void inventory_group_member(struct elasticache_cache_cluster_list *out,
                                   const struct aws_error *err, void *arg)
{
    struct inventory_cc_slot *slot = arg;
    struct inventory *inv = slot->inv;
    slot->call = NULL;
    inv->slots_pending--;
    inventory_enter(inv);
    if (!out) {
        /* a member deleted meanwhile is just not described */
        if (!aws_error_is(err, "CacheClusterNotFound") &&
            !aws_error_is(err, "CacheClusterNotFoundFault")) {
            inventory_group_fail(inv, err);
            inventory_leave(inv);
            return;
        }
    } else {
        inventory_take_clusters(inv, out, false);
    }
    if (inv->slots_pending == 0) {
        free(inv->slots);
        inv->slots = NULL;
        inv->n_slots = 0;
        if (!inv->grp_cc)
            inv->grp_cc = mem_xcalloc(1, sizeof(*inv->grp_cc));
        inventory_group_build(inv);
    }
    inventory_leave(inv);
}

static void inventory_group_regional(struct elasticache_cache_cluster_list *out,
                                     const struct aws_error *err, void *arg)
{
    struct inventory *inv = arg;
    inv->grp_call = NULL;
    inventory_enter(inv);
    if (!out) {
        inventory_group_fail(inv, err);
    } else {
        inventory_take_clusters(inv, out, true);
        inventory_group_build(inv);
    }
    inventory_leave(inv);
}

static void inventory_group_described(struct elasticache_replication_group_list *out,
                                      const struct aws_error *err, void *arg)
{
    struct inventory *inv = arg;
    inv->grp_call = NULL;
    inventory_enter(inv);
    if (!out) {
        inventory_group_fail(inv, err);
        inventory_leave(inv);
        return;
    }
    inv->grp_fetched_ms = loop_wall_ms(inv->loop);
    /* keep the one asked for */
    size_t hit = out->n;
    for (size_t i = 0; i < out->n; i++)
        if (out->items[i].id && strcasecmp(out->items[i].id, inv->rg_id) == 0)
            hit = i;
    if (hit == out->n) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_SERVICE, "ReplicationGroupNotFoundFault",
                      "Replication group %s not found.", inv->rg_id);
        snprintf(e.service, sizeof(e.service), "ElastiCache");
        snprintf(e.operation, sizeof(e.operation), "DescribeReplicationGroups");
        snprintf(e.request_id, sizeof(e.request_id), "%s", out->request_id);
        elasticache_replication_group_list_free(out);
        inventory_group_fail(inv, &e);
        aws_error_clear(&e);
        inventory_leave(inv);
        return;
    }
    if (hit != 0) {
        struct elasticache_replication_group t = out->items[0];
        out->items[0] = out->items[hit];
        out->items[hit] = t;
    }
    inv->grp_rg = out;
    const struct elasticache_replication_group *rg = &out->items[0];
    size_t max = inv->o.per_member_max ? inv->o.per_member_max : INVENTORY_PER_MEMBER_MAX;
    struct elasticache_describe_cache_clusters_in in;
    memset(&in, 0, sizeof(in));
    in.show_cache_node_info = true;
    in.max_records = inv->o.page_size;
    inv->st.cluster_calls = 0;
    if (rg->n_member_clusters == 0) {
        inv->grp_cc = mem_xcalloc(1, sizeof(*inv->grp_cc));
        inventory_group_build(inv);
    } else if (rg->n_member_clusters <= max) {
        inv->st.last_build_regional = false;
        inv->n_slots = rg->n_member_clusters;
        inv->slots = mem_xcalloc(inv->n_slots, sizeof(*inv->slots));
        inv->slots_pending = inv->n_slots;
        char text[96];
        snprintf(text, sizeof(text), "DescribeCacheClusters (%zu member%s)", inv->n_slots,
                 inv->n_slots == 1 ? "" : "s");
        inventory_progress(inv, INVENTORY_OP_GROUP, text);
        for (size_t i = 0; i < inv->n_slots && !inv->dying; i++) {
            inv->slots[i].inv = inv;
            in.id = rg->member_clusters[i];
            inv->st.requests++;
            inv->st.cluster_calls++;
            inv->slots[i].call = elasticache_describe_cache_clusters(
                inv->aws, &in, inventory_group_member, &inv->slots[i]);
        }
    } else {
        inv->st.last_build_regional = true;
        inv->st.requests++;
        inv->st.cluster_calls++;
        inventory_progress(inv, INVENTORY_OP_GROUP, "DescribeCacheClusters (region)");
        inv->grp_call =
            elasticache_describe_cache_clusters(inv->aws, &in, inventory_group_regional, inv);
    }
    inventory_leave(inv);
}

static void inventory_group_start(struct inventory *inv)
{
    inventory_group_stop(inv);
    if (!inv->rg_id)
        return;
    struct elasticache_describe_replication_groups_in in;
    memset(&in, 0, sizeof(in));
    in.id = inv->rg_id;
    inv->st.requests++;
    inventory_progress(inv, INVENTORY_OP_GROUP, "DescribeReplicationGroups");
    inv->grp_call =
        elasticache_describe_replication_groups(inv->aws, &in, inventory_group_described, inv);
}

void inventory_open(struct inventory *inv, const char *rg_id)
{
    if (!inv || inv->dying || !rg_id)
        return;
    inventory_group_stop(inv);
    model_group_unref(inv->group);
    inv->group = NULL;
    free(inv->rg_id);
    inv->rg_id = mem_xstrdup(rg_id);
    inventory_group_start(inv);
}

void inventory_close(struct inventory *inv)
{
    if (!inv)
        return;
    inventory_group_stop(inv);
    model_group_unref(inv->group);
    inv->group = NULL;
    free(inv->rg_id);
    inv->rg_id = NULL;
}

/* ---- the rest ---- */

struct inventory *inventory_new(const struct inventory_options *o)
{
    if (!o || !o->loop || !o->aws)
        return NULL;
    struct inventory *inv = mem_xcalloc(1, sizeof(*inv));
    inv->o = *o;
    inv->loop = o->loop;
    inv->aws = o->aws;
    return inv;
}

static void inventory_destroy(struct inventory *inv)
{
    inventory_list_stop(inv);
    inventory_group_stop(inv);
    inventory_list_models_free(inv->list, inv->n_list);
    model_group_unref(inv->group);
    free(inv->rg_id);
    paging_seen_free(&inv->list_seen);
    free(inv);
}

void inventory_free(struct inventory *inv)
{
    if (!inv || inv->dying)
        return;
    inv->dying = true;
    /* stop now: no answer may reach us any more */
    inventory_list_stop(inv);
    inventory_group_stop(inv);
    if (inv->depth == 0)
        inventory_destroy(inv);
}

void inventory_refresh(struct inventory *inv)
{
    if (!inv || inv->dying)
        return;
    if (inv->list_wanted && !inv->list_call && !inv->list_cc_call)
        inventory_list_start(inv);
    if (inv->rg_id && !inventory_busy(inv, INVENTORY_OP_GROUP))
        inventory_group_start(inv);
}

void inventory_cancel(struct inventory *inv)
{
    if (!inv)
        return;
    inventory_list_stop(inv);
    inventory_group_stop(inv);
}

void inventory_set_refresh(struct inventory *inv, uint64_t refresh_ms)
{
    if (!inv)
        return;
    inv->o.refresh_ms = refresh_ms;
    if (!refresh_ms) {
        if (inv->list_timer)
            loop_untimer(inv->loop, inv->list_timer);
        if (inv->grp_timer)
            loop_untimer(inv->loop, inv->grp_timer);
        inv->list_timer = inv->grp_timer = NULL;
    }
}

struct model_group *inventory_group(const struct inventory *inv)
{
    return inv ? inv->group : NULL;
}

size_t inventory_groups(const struct inventory *inv, struct model_group *const **out)
{
    if (!inv) {
        *out = NULL;
        return 0;
    }
    *out = inv->list;
    return inv->n_list;
}

bool inventory_busy(const struct inventory *inv, enum inventory_op op)
{
    if (!inv)
        return false;
    if (op == INVENTORY_OP_LIST)
        return inv->list_call || inv->list_cc_call;
    return inv->grp_call || inv->slots_pending || inv->grp_metrics || inv->grp_tags;
}

void inventory_get_stats(const struct inventory *inv, struct inventory_stats *out)
{
    if (inv)
        *out = inv->st;
    else
        memset(out, 0, sizeof(*out));
}
