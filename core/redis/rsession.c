/* rsession.c - the interactive command session's state (see rsession.h). */
#include "core/redis/rsession.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/redis/crc16.h"
#include "core/redis/rcmd.h"
#include "core/redis/resp3.h"
#include "core/redis/rrender.h"
#include "core/redis/rsafety.h"
#include "core/redis/rsession_target.h"

#define RSESSION_MAX_RUNS 1024
#define RSESSION_MAX_REPEAT 1000000
#define RSESSION_MAP_WAITS 100 /* x 100 ms for the topology of a lazy session */

struct rsession_run {
    struct rsession_req *q;
    struct console_run *run; /* NULL once done */
};

struct rsession_req {
    struct rsession *s; /* NULL: detached (the session was freed) */
    struct rsession_req *prev, *next;
    int argc;
    char **argv; /* copies: a line may hold a password (wiped) */
    size_t *argvlen;
    char *display;
    char command[64];
    struct rsession_target target;
    unsigned long repeat;
    uint64_t interval_ms;
    unsigned pipeline; /* runs in flight at once (0: one) */
    uint64_t started_ms;
    struct rsession_run *runs;
    size_t nruns, ndone;
    struct rsession_wait *waits;
    size_t nwaits;
    struct rsession_done done;
    struct rsafety_verdict refused;
    bool has_refused;
    struct rconn_error err;
    bool has_err;
    bool running;
    bool awaiting_confirm;
    bool cancelled;
    bool confirmed;
    unsigned map_waits;       /* times it waited for the topology */
    struct loop_timer *timer; /* a refusal or failure decided here, delivered from the loop */
    void *data;
};

struct rsession_docs_ctx {
    struct rsession *s; /* NULL: the session is gone */
    struct console_run *run;
};

struct rsession_stream {
    struct rsession *s; /* NULL: the session is gone */
    struct rsession_stream *prev, *next;
    struct console_stream *cs;
    struct rsession_stream_events ev;
    bool detached;
    char display[300];
};

struct rsession {
    struct console *c;
    struct loop *l;
    struct rhistory *h;
    struct rsession_target target;
    bool (*read_only)(void *arg);
    const char *(*read_only_source)(void *arg);
    void *ro_arg;
    bool no_server_docs;
    struct rsession_events ev;
    struct rsession_req *reqs; /* newest first */
    struct rdocs *server_docs;
    struct rsession_docs_ctx *docs_ctx; /* the COMMAND DOCS request in flight */
    bool docs_asked;
    struct loop_timer *docs_timer;
    struct rsession_stream *streams;
};

/* ---- the session ---- */

static void rsession_docs_start(struct rsession *s);

static void rsession_docs_fire(void *arg)
{
    struct rsession *s = arg;
    s->docs_timer = NULL;
    rsession_docs_start(s);
}

struct rsession *rsession_new(const struct rsession_options *o)
{
    if (!o || !o->console)
        return NULL;
    struct rsession *s = mem_xcalloc(1, sizeof(*s));
    s->c = o->console;
    s->l = console_loop(o->console);
    s->h = rhistory_open(o->history_path);
    s->read_only = o->read_only;
    s->read_only_source = o->read_only_source;
    s->ro_arg = o->ro_arg;
    s->no_server_docs = o->no_server_docs;
    s->ev = o->ev;
    s->target.kind = RSESSION_T_SLOT;
    s->docs_timer = loop_timer(s->l, 0, rsession_docs_fire, s);
    return s;
}

static void rsession_req_free(struct rsession_req *q);

void rsession_free(struct rsession *s)
{
    if (!s)
        return;
    if (s->docs_timer)
        loop_untimer(s->l, s->docs_timer);
    if (s->docs_ctx) {
        s->docs_ctx->s = NULL; /* freed by its on_done */
        console_run_cancel(s->docs_ctx->run);
    }
    struct rsession_req *q = s->reqs;
    while (q) {
        struct rsession_req *next = q->next;
        q->prev = q->next = NULL;
        if (q->timer) {
            loop_untimer(s->l, q->timer);
            q->timer = NULL;
        }
        if (q->running && q->ndone < q->nruns) {
            /* detached: freed when the engine has ended its runs */
            q->s = NULL;
            for (size_t i = 0; i < q->nruns; i++)
                if (q->runs[i].run)
                    console_run_cancel(q->runs[i].run);
        } else {
            q->s = NULL;
            rsession_req_free(q);
        }
        q = next;
    }
    /* streams end on the server; nothing is called back */
    while (s->streams) {
        struct rsession_stream *st = s->streams;
        s->streams = st->next;
        st->prev = st->next = NULL;
        st->s = NULL;
        st->detached = true;
        console_stream_stop(st->cs);
    }
    rdocs_free(s->server_docs);
    rhistory_free(s->h);
    free(s);
}

struct console *rsession_console(const struct rsession *s)
{
    return s->c;
}

struct rhistory *rsession_history(struct rsession *s)
{
    return s->h;
}

const struct rsession_target *rsession_target(const struct rsession *s)
{
    return &s->target;
}

void rsession_set_target(struct rsession *s, const struct rsession_target *t)
{
    s->target = *t;
}

static bool rsession_ro(const struct rsession *s)
{
    return s->read_only && s->read_only(s->ro_arg);
}

void rsession_prompt(const struct rsession *s, const char *name, char *out, size_t n)
{
    char tgt[RCLUSTER_NAME_MAX + 40] = "";
    if (s->target.kind == RSESSION_T_NODE)
        snprintf(tgt, sizeof(tgt), " [%.200s]", s->target.node);
    else if (s->target.kind != RSESSION_T_SLOT) {
        char nm[RCLUSTER_NAME_MAX + 20];
        rsession_target_name(&s->target, nm, sizeof(nm));
        snprintf(tgt, sizeof(tgt), " [%.200s]", nm);
    }
    snprintf(out, n, "%s%s%.100s%s> ", console_insecure(s->c) ? "INSECURE " : "",
             rsession_ro(s) ? "(read-only) " : "", name ? name : "redis", tgt);
}

/* ---- labels and choices ---- */

void rsession_node_label(const char *node, const struct console_label *l, char *out, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    /* "app-4-0002-001 primary shard 0002 us-east-2b": the node's own DNS
     * name (it starts with its cache cluster id) says nothing more; any
     * other name it was reached through (the configuration endpoint, an
     * address) comes last, so a narrow line keeps what matters */
    size_t cl = l->cache_cluster_id ? strlen(l->cache_cluster_id) : 0;
    bool own_name = cl && node && strncasecmp(node, l->cache_cluster_id, cl) == 0 &&
                    (node[cl] == '.' || node[cl] == ':' || node[cl] == '\0');
    if (cl)
        rrender_safe(&b, l->cache_cluster_id, cl);
    else if (node)
        rrender_safe(&b, node, strlen(node));
    if (l->role != RCLUSTER_ROLE_UNKNOWN)
        buf_printf(&b, " %s", rcluster_role_name(l->role));
    if (l->shard)
        buf_printf(&b, " shard %s", l->shard);
    if (l->az)
        buf_printf(&b, " %s", l->az);
    if (cl && node && !own_name) {
        buf_appends(&b, " (via ");
        rrender_safe(&b, node, strlen(node));
        buf_appendc(&b, ')');
    }
    snprintf(out, n, "%s", buf_str(&b));
    buf_free(&b);
}

static bool rsession_node_matches(const struct console_node *cn, const struct rsession_target *t)
{
    switch (t->kind) {
    case RSESSION_T_SHARD:
        return cn->label.shard && strcmp(cn->label.shard, t->shard) == 0 &&
               (t->role == RCLUSTER_ROLE_UNKNOWN || cn->info.role == t->role);
    case RSESSION_T_AZ:
        return cn->label.az && strcasecmp(cn->label.az, t->az) == 0;
    case RSESSION_T_PRIMARIES:
        return cn->info.role == RCLUSTER_ROLE_PRIMARY;
    case RSESSION_T_REPLICAS:
        return cn->info.role == RCLUSTER_ROLE_REPLICA;
    case RSESSION_T_ALL:
        return true;
    case RSESSION_T_NODE:
        return strcmp(cn->info.name, t->node) == 0 ||
               (cn->label.cache_cluster_id && strcmp(cn->label.cache_cluster_id, t->node) == 0) ||
               (cn->info.id && *cn->info.id && strlen(t->node) >= 6 &&
                strncmp(cn->info.id, t->node, strlen(t->node)) == 0);
    case RSESSION_T_SLOT:
        return false;
    }
    return false;
}

static bool rsession_seen(char seen[][64], size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(seen[i], v) == 0)
            return true;
    return false;
}

static int rsession_strcmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

size_t rsession_choices(const struct rsession *s, struct rsession_choice *out, size_t max)
{
    size_t n = 0;
    size_t nn = console_node_count(s->c);
    size_t prim = 0, repl = 0;
    for (size_t i = 0; i < nn; i++) {
        struct console_node cn;
        if (!console_node_at(s->c, i, &cn))
            continue;
        prim += cn.info.role == RCLUSTER_ROLE_PRIMARY;
        repl += cn.info.role == RCLUSTER_ROLE_REPLICA;
    }
#define RSESSION_CHOICE(K, ...)                                                                    \
    do {                                                                                           \
        if (n < max) {                                                                             \
            memset(&out[n], 0, sizeof(out[n]));                                                    \
            out[n].t.kind = (K);                                                                   \
            snprintf(out[n].label, sizeof(out[n].label), __VA_ARGS__);                             \
            n++;                                                                                   \
        }                                                                                          \
    } while (0)
    RSESSION_CHOICE(RSESSION_T_SLOT, "slot-routed: the node serving the key's slot");
    RSESSION_CHOICE(RSESSION_T_PRIMARIES, "all primaries (%zu)", prim);
    RSESSION_CHOICE(RSESSION_T_REPLICAS, "all replicas (%zu)", repl);
    RSESSION_CHOICE(RSESSION_T_ALL, "all nodes (%zu)", nn);
#undef RSESSION_CHOICE
    char shards[64][64], azs[64][64];
    size_t nsh = 0, naz = 0;
    for (size_t i = 0; i < nn; i++) {
        struct console_node cn;
        if (!console_node_at(s->c, i, &cn))
            continue;
        if (cn.label.shard && nsh < 64 && !rsession_seen(shards, nsh, cn.label.shard))
            snprintf(shards[nsh++], sizeof(shards[0]), "%s", cn.label.shard);
        if (cn.label.az && naz < 64 && !rsession_seen(azs, naz, cn.label.az))
            snprintf(azs[naz++], sizeof(azs[0]), "%s", cn.label.az);
    }
    /* shards and AZs in order */
    qsort(shards, nsh, sizeof(shards[0]), rsession_strcmp);
    qsort(azs, naz, sizeof(azs[0]), rsession_strcmp);
    for (size_t k = 0; k < nsh; k++) {
        static const enum rcluster_role roles[] = {RCLUSTER_ROLE_PRIMARY, RCLUSTER_ROLE_REPLICA,
                                                   RCLUSTER_ROLE_UNKNOWN};
        for (size_t r = 0; r < 3 && n < max; r++) {
            struct rsession_choice *c = &out[n];
            memset(c, 0, sizeof(*c));
            c->t.kind = RSESSION_T_SHARD;
            snprintf(c->t.shard, sizeof(c->t.shard), "%s", shards[k]);
            c->t.role = roles[r];
            size_t count = 0;
            for (size_t i = 0; i < nn; i++) {
                struct console_node cn;
                if (console_node_at(s->c, i, &cn) && rsession_node_matches(&cn, &c->t))
                    count++;
            }
            char nm[120];
            rsession_target_name(&c->t, nm, sizeof(nm));
            snprintf(c->label, sizeof(c->label), "%s%s (%zu node%s)", nm,
                     roles[r] == RCLUSTER_ROLE_UNKNOWN ? " all" : "", count, count == 1 ? "" : "s");
            n++;
        }
    }
    for (size_t k = 0; k < naz && n < max; k++) {
        struct rsession_choice *c = &out[n];
        memset(c, 0, sizeof(*c));
        c->t.kind = RSESSION_T_AZ;
        snprintf(c->t.az, sizeof(c->t.az), "%s", azs[k]);
        size_t count = 0;
        for (size_t i = 0; i < nn; i++) {
            struct console_node cn;
            if (console_node_at(s->c, i, &cn) && rsession_node_matches(&cn, &c->t))
                count++;
        }
        snprintf(c->label, sizeof(c->label), "az %s (%zu node%s)", azs[k], count,
                 count == 1 ? "" : "s");
        n++;
    }
    for (size_t i = 0; i < nn && n < max; i++) {
        struct console_node cn;
        if (!console_node_at(s->c, i, &cn))
            continue;
        struct rsession_choice *c = &out[n];
        memset(c, 0, sizeof(*c));
        c->t.kind = RSESSION_T_NODE;
        snprintf(c->t.node, sizeof(c->t.node), "%s",
                 cn.label.cache_cluster_id ? cn.label.cache_cluster_id : cn.info.name);
        char lab[300];
        rsession_node_label(cn.info.name, &cn.label, lab, sizeof(lab));
        snprintf(c->label, sizeof(c->label), "node %.290s", lab);
        n++;
    }
    return n;
}

/* ---- requests ---- */

static void rsession_req_unlink(struct rsession_req *q)
{
    struct rsession *s = q->s;
    if (!s)
        return;
    if (q->prev)
        q->prev->next = q->next;
    else if (s->reqs == q)
        s->reqs = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->prev = q->next = NULL;
}

static void rsession_req_free(struct rsession_req *q)
{
    rsession_req_unlink(q);
    if (q->timer && q->s)
        loop_untimer(q->s->l, q->timer);
    for (int i = 0; i < q->argc; i++) {
        mem_wipe(q->argv[i], q->argvlen[i]);
        free(q->argv[i]);
    }
    free(q->argv);
    free(q->argvlen);
    free(q->display);
    free(q->runs);
    free(q->waits);
    free(q);
}

const char *rsession_req_command(const struct rsession_req *q)
{
    return q->command;
}

const char *rsession_req_display(const struct rsession_req *q)
{
    return q->display ? q->display : q->command;
}

int rsession_req_args(const struct rsession_req *q, const char *const **argv,
                      const size_t **argvlen)
{
    *argv = (const char *const *)q->argv;
    *argvlen = q->argvlen;
    return q->argc;
}

const struct rsession_target *rsession_req_target(const struct rsession_req *q)
{
    return &q->target;
}

uint64_t rsession_req_started_ms(const struct rsession_req *q)
{
    return q->started_ms;
}

bool rsession_req_running(const struct rsession_req *q)
{
    return q->running;
}

void *rsession_req_data(const struct rsession_req *q)
{
    return q->data;
}

void rsession_req_set_data(struct rsession_req *q, void *data)
{
    q->data = data;
}

size_t rsession_req_waits(const struct rsession_req *q, const struct rsession_wait **w)
{
    *w = q->waits;
    return q->nwaits;
}

size_t rsession_running(const struct rsession *s, struct rsession_req **out, size_t max)
{
    size_t n = 0;
    struct rsession_req *last = s->reqs;
    while (last && last->next)
        last = last->next;
    for (struct rsession_req *q = last; q && n < max; q = q->prev)
        if (q->running)
            out[n++] = q;
    return n;
}

static void rsession_add_wait(struct rsession_req *q, const char *node, const char *label)
{
    if (q->nwaits >= RSESSION_MAX_WAITS)
        return;
    q->waits = mem_xrealloc(q->waits, (q->nwaits + 1) * sizeof(*q->waits));
    struct rsession_wait *w = &q->waits[q->nwaits++];
    memset(w, 0, sizeof(*w));
    snprintf(w->node, sizeof(w->node), "%s", node ? node : "");
    snprintf(w->label, sizeof(w->label), "%s", label);
}

/* The argv index of the command's first key, or -1. */
static int rsession_first_key(int argc, const char *const *argv, const size_t *argvlen)
{
    char name[RCMD_NAME_MAX];
    rcmd_lookup_name(argc, argv, argvlen, false, name, sizeof(name));
    const struct rcmd_info *b = rcmd_builtin(name);
    if (b && (b->flags & RCMD_F_SUBCOMMANDS) && argc > 1) {
        rcmd_lookup_name(argc, argv, argvlen, true, name, sizeof(name));
        const struct rcmd_info *sb = rcmd_builtin(name);
        if (sb)
            b = sb;
    }
    int idx[4];
    int n = -1;
    if (!b || (b->flags & RCMD_F_MOVABLEKEYS))
        n = rcmd_movable_keys(argc, argv, argvlen, idx, 4);
    if (n < 0 && b)
        n = rcmd_keys(b, argc, idx, 4);
    return n > 0 ? idx[0] : -1;
}

/* The nodes a request will wait on, as far as the map says now. */
static void rsession_plan_waits(struct rsession *s, struct rsession_req *q)
{
    size_t nn = console_node_count(s->c);
    char lab[300];
    if (q->target.kind == RSESSION_T_SLOT) {
        int k = rsession_first_key(q->argc, (const char *const *)q->argv, q->argvlen);
        struct rcluster *cl = console_cluster(s->c);
        int owner = -1, slot = -1;
        struct rcluster_node_info ni;
        if (k >= 0 && cl) {
            slot = crc16_keyslot(q->argv[k], q->argvlen[k]);
            owner = rcluster_slot_owner(cl, slot);
        } else if (cl && rcluster_mode(cl) != RCLUSTER_STANDALONE) {
            /* keyless: the engine's home, the first slot's healthy owner
             * (a standalone group has no slots: its seed, below, without
             * looking at all 16384 for every command) */
            for (int sl = 0; sl < CRC16_SLOTS && owner < 0; sl++) {
                int o = rcluster_slot_owner(cl, sl);
                if (o >= 0 && rcluster_node_at(cl, (size_t)o, &ni) &&
                    !(ni.health && strcmp(ni.health, "failed") == 0))
                    owner = o;
            }
        }
        if (owner >= 0 && rcluster_node_at(cl, (size_t)owner, &ni)) {
            struct console_label l;
            console_label_node(s->c, ni.name, &l);
            rsession_node_label(ni.name, &l, lab, sizeof(lab));
            rsession_add_wait(q, ni.name, lab);
        } else if (console_seed(s->c)[0]) {
            /* no map yet (a lazy session): the command goes through the seed */
            const char *seed = console_seed(s->c);
            struct console_label l;
            console_label_node(s->c, seed, &l);
            rsession_node_label(seed, &l, lab, sizeof(lab));
            rsession_add_wait(q, seed, lab);
        } else if (slot >= 0) {
            snprintf(lab, sizeof(lab), "the node serving slot %d", slot);
            rsession_add_wait(q, NULL, lab);
        } else {
            rsession_add_wait(q, NULL, "a primary");
        }
        return;
    }
    /* a fan-out of a command on keys goes to the nodes of the keys' shard */
    int key_shard = -1;
    bool fanout = q->target.kind == RSESSION_T_PRIMARIES || q->target.kind == RSESSION_T_REPLICAS ||
                  q->target.kind == RSESSION_T_ALL;
    struct rcluster *kcl = console_cluster(s->c);
    int k = fanout ? rsession_first_key(q->argc, (const char *const *)q->argv, q->argvlen) : -1;
    struct rcluster_node_info oi;
    if (k >= 0 && kcl) {
        int owner = rcluster_slot_owner(kcl, crc16_keyslot(q->argv[k], q->argvlen[k]));
        if (owner >= 0 && rcluster_node_at(kcl, (size_t)owner, &oi))
            key_shard = oi.shard;
    }
    for (size_t i = 0; i < nn; i++) {
        struct console_node cn;
        if (!console_node_at(s->c, i, &cn) || !rsession_node_matches(&cn, &q->target))
            continue;
        if (key_shard >= 0 && cn.info.shard != key_shard)
            continue;
        rsession_node_label(cn.info.name, &cn.label, lab, sizeof(lab));
        rsession_add_wait(q, cn.info.name, lab);
        if (q->target.kind == RSESSION_T_NODE)
            break;
    }
    if (q->nwaits == 0 && q->target.kind == RSESSION_T_NODE)
        rsession_add_wait(q, NULL, q->target.node);
}

static void rsession_finish(struct rsession_req *q)
{
    struct rsession *s = q->s;
    q->running = false;
    if (!s) {
        rsession_req_free(q);
        return;
    }
    q->done.refused = q->has_refused ? &q->refused : NULL;
    q->done.err = q->has_err && q->done.replies == 0 ? &q->err : NULL;
    q->done.cancelled = q->cancelled;
    q->awaiting_confirm = q->has_refused && q->refused.kind == RSAFETY_CONFIRM && !q->cancelled;
    /* a request kept for its confirmation may be dropped by the callback */
    bool keep = q->awaiting_confirm;
    if (s->ev.on_done)
        s->ev.on_done(s, q, &q->done, s->ev.arg);
    if (!keep)
        rsession_req_free(q);
}

static void rsession_on_reply(struct console *c, const struct console_reply *r, void *arg)
{
    struct rsession_run *run = arg;
    struct rsession_req *q = run->q;
    (void)c;
    if (!q->s || q->cancelled)
        return;
    for (size_t i = 0; i < q->nwaits; i++)
        if (!q->waits[i].answered &&
            (q->target.kind == RSESSION_T_SLOT || strcmp(q->waits[i].node, r->r->node) == 0))
            q->waits[i].answered = true;
    q->done.replies++;
    if (r->r->err)
        q->done.failures++;
    else if (r->r->reply && r->r->reply->type == REDIS_REPLY_ERROR)
        q->done.error_replies++;
    if (q->s->ev.on_reply)
        q->s->ev.on_reply(q->s, q, r, q->s->ev.arg);
}

static void rsession_on_done(struct console *c, const struct console_done *d, void *arg)
{
    struct rsession_run *run = arg;
    struct rsession_req *q = run->q;
    (void)c;
    run->run = NULL;
    q->ndone++;
    if (d->refused && !q->has_refused) {
        q->refused = *d->refused;
        q->has_refused = true;
    }
    if (d->err && !q->has_err) {
        q->err = *d->err;
        q->has_err = true;
    }
    if (d->cancelled)
        q->cancelled = true;
    if (q->ndone == q->nruns)
        rsession_finish(q);
}

static void rsession_submit(struct rsession *s, struct rsession_req *q, bool confirmed);

/* The topology was not known yet: plan again. */
static void rsession_map_retry(void *arg)
{
    struct rsession_req *q = arg;
    q->timer = NULL;
    if (q->cancelled) {
        rsession_finish(q);
        return;
    }
    rsession_submit(q->s, q, q->confirmed);
}

/* Is the whole slot map known (not only what MOVED taught)? */
static bool rsession_map_known(struct rsession *s)
{
    struct rcluster *cl = console_cluster(s->c);
    if (!cl)
        return false;
    struct rcluster_info info;
    rcluster_get_info(cl, &info);
    return info.mode == RCLUSTER_STANDALONE || strcmp(info.map_source, "CLUSTER SHARDS") == 0 ||
           strcmp(info.map_source, "CLUSTER SLOTS") == 0 || strcmp(info.map_source, "ROLE") == 0;
}

static void rsession_deferred(void *arg)
{
    struct rsession_req *q = arg;
    q->timer = NULL;
    rsession_finish(q);
}

/* Submit the request's runs (again, for a confirmation). */
/* Read-only as the console says now (it may have changed since the
 * engine was opened): a write is refused (q->refused, true). */
static bool rsession_refuse_ro(struct rsession *s, struct rsession_req *q)
{
    if (!rsession_ro(s))
        return false;
    char name[RCMD_NAME_MAX];
    rcmd_lookup_name(q->argc, (const char *const *)q->argv, q->argvlen, false, name, sizeof(name));
    const struct rcmd_info *b = rcmd_builtin(name);
    if (b && (b->flags & RCMD_F_SUBCOMMANDS) && q->argc > 1) {
        rcmd_lookup_name(q->argc, (const char *const *)q->argv, q->argvlen, true, name,
                         sizeof(name));
        if (rcmd_builtin(name))
            b = rcmd_builtin(name);
    }
    struct rsafety_policy p = {.read_only = true, .allow_restricted = true};
    struct rsafety_verdict v;
    if (rsafety_check(&p, q->argc, (const char *const *)q->argv, q->argvlen, b, true, &v) ==
        RSAFETY_READ_ONLY) {
        const char *src = s->read_only_source ? s->read_only_source(s->ro_arg) : NULL;
        if (src) {
            size_t l = strlen(v.why);
            snprintf(v.why + l, sizeof(v.why) - l, " (read-only set by %s)", src);
        }
        q->refused = v;
        q->has_refused = true;
        return true;
    }
    return false;
}

/* The engine's target for q's: the per-node ones (a shard, an AZ) are
 * run node by node (*per_node). */
static enum rcluster_target_kind rsession_engine_target(const struct rsession_req *q,
                                                        bool *per_node)
{
    enum rcluster_target_kind kind = RCLUSTER_T_SLOT;
    *per_node = false;
    switch (q->target.kind) {
    case RSESSION_T_SLOT:
        kind = RCLUSTER_T_SLOT;
        break;
    case RSESSION_T_NODE:
        kind = RCLUSTER_T_NODE;
        break;
    case RSESSION_T_PRIMARIES:
        kind = RCLUSTER_T_PRIMARIES;
        break;
    case RSESSION_T_REPLICAS:
        kind = RCLUSTER_T_REPLICAS;
        break;
    case RSESSION_T_ALL:
        kind = RCLUSTER_T_ALL;
        break;
    case RSESSION_T_SHARD:
    case RSESSION_T_AZ:
        kind = RCLUSTER_T_NODE;
        *per_node = true;
        break;
    }
    return kind;
}

/* One run per node (or one for the whole target), each sent to the
 * console engine. */
static void rsession_start_runs(struct rsession *s, struct rsession_req *q,
                                enum rcluster_target_kind kind, bool per_node, size_t want,
                                bool confirmed)
{
    q->runs = mem_xcalloc(want, sizeof(*q->runs));
    q->nruns = want;
    for (size_t i = 0; i < want; i++) {
        q->runs[i].q = q;
        struct console_request r = {
            .target = kind,
            .node = per_node ? q->waits[i].node : q->target.node,
            .argc = q->argc,
            .argv = (const char *const *)q->argv,
            .argvlen = q->argvlen,
            .confirmed = confirmed,
            .repeat = q->repeat,
            .interval_ms = q->interval_ms,
            .pipeline = q->pipeline,
            .on_reply = rsession_on_reply,
            .on_done = rsession_on_done,
            .arg = &q->runs[i],
        };
        q->runs[i].run = console_exec(s->c, &r);
        if (!q->runs[i].run) {
            q->ndone++;
            if (!q->has_err) {
                rconn_error_set(&q->err, RCONN_ERR_CLOSED, "the session is closing");
                q->has_err = true;
            }
        }
    }
    if (q->ndone == q->nruns)
        q->timer = loop_timer(s->l, 0, rsession_deferred, q);
}

static void rsession_submit(struct rsession *s, struct rsession_req *q, bool confirmed)
{
    q->confirmed = confirmed;
    memset(&q->done, 0, sizeof(q->done));
    q->has_refused = q->has_err = q->awaiting_confirm = false;
    if (q->map_waits == 0)
        q->cancelled = false;
    q->running = true;
    q->started_ms = loop_now_ms(s->l);
    q->ndone = 0;
    free(q->runs);
    q->runs = NULL;
    q->nruns = 0;
    free(q->waits);
    q->waits = NULL;
    q->nwaits = 0;
    rsession_plan_waits(s, q);
    if (rsession_refuse_ro(s, q)) {
        q->timer = loop_timer(s->l, 0, rsession_deferred, q);
        return;
    }
    bool per_node;
    enum rcluster_target_kind kind = rsession_engine_target(q, &per_node);
    size_t want = per_node ? q->nwaits : 1;
    bool fanout = q->target.kind == RSESSION_T_PRIMARIES || q->target.kind == RSESSION_T_REPLICAS ||
                  q->target.kind == RSESSION_T_ALL;
    if ((want == 0 || fanout) && !rsession_map_known(s) && q->map_waits < RSESSION_MAP_WAITS) {
        /* a lazy session knows few nodes yet: load the map, then plan again */
        if (q->map_waits++ == 0 && console_cluster(s->c))
            rcluster_refresh(console_cluster(s->c));
        q->timer = loop_timer(s->l, 100, rsession_map_retry, q);
        return;
    }
    if (want == 0) {
        char nm[200];
        rsession_target_name(&q->target, nm, sizeof(nm));
        rconn_error_set(&q->err, RCONN_ERR_USAGE, "no node is %s (:nodes lists them)", nm);
        q->has_err = true;
        q->timer = loop_timer(s->l, 0, rsession_deferred, q);
        return;
    }
    rsession_start_runs(s, q, kind, per_node, want, confirmed);
}

struct rsession_req *rsession_send(struct rsession *s, int argc, const char *const *argv,
                                   const size_t *argvlen, const struct rsession_target *target,
                                   unsigned long repeat, uint64_t interval_ms, bool confirmed)
{
    return rsession_send_pipeline(s, argc, argv, argvlen, target, repeat, interval_ms, 0,
                                  confirmed);
}

struct rsession_req *rsession_send_pipeline(struct rsession *s, int argc, const char *const *argv,
                                            const size_t *argvlen,
                                            const struct rsession_target *target,
                                            unsigned long repeat, uint64_t interval_ms,
                                            unsigned pipeline, bool confirmed)
{
    if (!s || argc <= 0 || !argv)
        return NULL;
    struct rsession_req *q = mem_xcalloc(1, sizeof(*q));
    q->s = s;
    q->argc = argc;
    q->argv = mem_xcalloc((size_t)argc, sizeof(char *));
    q->argvlen = mem_xcalloc((size_t)argc, sizeof(size_t));
    for (int i = 0; i < argc; i++) {
        size_t n = argvlen ? argvlen[i] : strlen(argv[i]);
        q->argv[i] = mem_xmalloc(n + 1);
        memcpy(q->argv[i], argv[i], n);
        q->argv[i][n] = '\0';
        q->argvlen[i] = n;
    }
    /* the command's name (and subcommand) for people */
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < argc && i < 2; i++) {
        if (i == 1) {
            char name[RCMD_NAME_MAX];
            rcmd_lookup_name(argc, argv, argvlen, false, name, sizeof(name));
            const struct rcmd_info *ci = rcmd_builtin(name);
            if (!ci || !(ci->flags & RCMD_F_SUBCOMMANDS))
                break;
            buf_appendc(&b, ' ');
        }
        struct buf up;
        buf_init(&up, 0);
        for (size_t k = 0; k < q->argvlen[i] && k < 30; k++)
            buf_appendc(&up, (char)toupper((unsigned char)q->argv[i][k]));
        rrender_safe(&b, up.data ? up.data : "", up.len);
        buf_free(&up);
    }
    snprintf(q->command, sizeof(q->command), "%s", buf_str(&b));
    buf_free(&b);
    q->target = target ? *target : s->target;
    q->repeat = repeat;
    q->interval_ms = interval_ms;
    q->pipeline = pipeline;
    q->next = s->reqs;
    if (s->reqs)
        s->reqs->prev = q;
    s->reqs = q;
    rsession_submit(s, q, confirmed);
    return q;
}

void rsession_cancel(struct rsession_req *q)
{
    if (!q || !q->running || q->cancelled)
        return;
    q->cancelled = true;
    if (q->timer)
        return; /* decided already; delivered from the loop */
    for (size_t i = 0; i < q->nruns; i++)
        if (q->runs[i].run)
            console_run_cancel(q->runs[i].run);
}

void rsession_confirm(struct rsession_req *q)
{
    if (!q || !q->awaiting_confirm || !q->s)
        return;
    q->map_waits = 0;
    q->cancelled = false;
    rsession_submit(q->s, q, true);
}

void rsession_drop(struct rsession_req *q)
{
    if (!q || q->running || !q->awaiting_confirm)
        return;
    rsession_req_free(q);
}

/* ---- lines ---- */

char *rsession_display_line(const char *line)
{
    char *keep = console_history_entry(line);
    if (!keep)
        return mem_xstrdup("(a line that does not parse: not shown)");
    struct rrender_args a, k;
    bool cut = false;
    if (rrender_split(line, &a) == 0) {
        if (rrender_split(keep, &k) == 0) {
            cut = k.argc < a.argc;
            rrender_args_free(&k);
        }
        rrender_args_free(&a);
    }
    struct buf b;
    buf_init(&b, 0);
    rrender_safe(&b, keep, strlen(keep));
    if (cut)
        buf_appends(&b, " ...");
    free(keep);
    return buf_steal(&b);
}

void rsession_line_free(struct rsession_line *l)
{
    buf_free(&l->text);
    memset(l, 0, sizeof(*l));
}

static void rsession_help(struct buf *b)
{
    buf_appends(b,
                "Redis commands run on the group (slot-routed unless a target is set).\n"
                "Prompt commands:\n"
                "  :primaries  :replicas  :all     send the next commands to these nodes\n"
                "  :node ID                        to one node (cache cluster id, host:port, id)\n"
                "  :shard ID [primary|replicas]    to a shard's nodes\n"
                "  :az NAME                        to the nodes of an Availability Zone\n"
                "  :target SPEC                    any of these (:target slot ...)\n"
                "  :slot                           back to routing by key slot\n"
                "  :nodes                          the nodes with their labels\n"
                "  :docs                           where completion and hints come from\n"
                "  :quit (or quit, exit)           leave\n"
                "  N COMMAND ...                   run COMMAND N times\n"
                "Keys: Tab completes, ctrl-r searches the history, Up/Down walk it.\n");
}

static void rsession_nodes_text(struct rsession *s, struct buf *b)
{
    size_t n = console_node_count(s->c);
    if (n == 0)
        buf_appends(b, "no node known yet\n");
    for (size_t i = 0; i < n; i++) {
        struct console_node cn;
        if (!console_node_at(s->c, i, &cn))
            continue;
        char label[400];
        rsession_node_label(cn.info.name, &cn.label, label, sizeof(label));
        buf_printf(b, "%s%s%s\n", label, cn.info.health && *cn.info.health ? " " : "",
                   cn.info.health ? cn.info.health : "");
    }
}

/* A ':' command. */
static void rsession_meta(struct rsession *s, const struct rrender_args *a, const char *line,
                          struct rsession_line *out)
{
    const char *w = a->argv[0];
    out->kind = RSESSION_LINE_META;
    struct rsession_target t;
    char err[300];
    const char *spec = NULL;
    char tbuf[RCLUSTER_NAME_MAX + 40];
    if (!strcmp(w, ":quit") || !strcmp(w, ":q")) {
        out->kind = RSESSION_LINE_QUIT;
        return;
    }
    if (!strcmp(w, ":help") || !strcmp(w, ":h")) {
        rsession_help(&out->text);
        return;
    }
    if (!strcmp(w, ":nodes")) {
        rsession_nodes_text(s, &out->text);
        return;
    }
    if (!strcmp(w, ":docs")) {
        const struct rdocs *d = rsession_docs(s);
        buf_printf(&out->text, "completion and hints: %s%s\n", d ? d->source : "none",
                   s->server_docs ? " (the rest from the built-in table)" : "");
        return;
    }
    if (!strcmp(w, ":primaries") || !strcmp(w, ":replicas") || !strcmp(w, ":all") ||
        !strcmp(w, ":slot")) {
        spec = w + 1;
    } else if (!strcmp(w, ":target")) {
        spec = line + (a->argc > 1 ? a->offset[1] : strlen(line));
    } else if (!strcmp(w, ":node") || !strcmp(w, ":shard") || !strcmp(w, ":az")) {
        snprintf(tbuf, sizeof(tbuf), "%s %s", w + 1, a->argc > 1 ? line + a->offset[1] : "");
        spec = tbuf;
    } else {
        out->kind = RSESSION_LINE_ERROR;
        struct buf e;
        buf_init(&e, 0);
        rrender_safe(&e, w, strlen(w));
        buf_printf(&out->text, "unknown prompt command %s (:help lists them)\n", buf_str(&e));
        buf_free(&e);
        return;
    }
    if (rsession_target_parse(spec, &t, err, sizeof(err)) != 0) {
        out->kind = RSESSION_LINE_ERROR;
        buf_printf(&out->text, "%s\n", err);
        return;
    }
    s->target = t;
    char nm[RCLUSTER_NAME_MAX + 40];
    rsession_target_name(&t, nm, sizeof(nm));
    buf_printf(&out->text, "target: %s\n", nm);
}

void rsession_run_line(struct rsession *s, const char *line, struct rsession_line *out)
{
    rsession_run_line_streams(s, line, NULL, out);
}

void rsession_run_line_streams(struct rsession *s, const char *line,
                               const struct rsession_stream_events *sev, struct rsession_line *out)
{
    memset(out, 0, sizeof(*out));
    buf_init(&out->text, 0);
    out->kind = RSESSION_LINE_EMPTY;
    rhistory_add(s->h, line);
    struct rrender_args a;
    if (rrender_split(line, &a) != 0) {
        out->kind = RSESSION_LINE_ERROR;
        buf_appends(&out->text, "(error) unbalanced quotes\n");
        return;
    }
    if (a.argc == 0) {
        rrender_args_free(&a);
        return;
    }
    if (a.argv[0][0] == ':') {
        rsession_meta(s, &a, line, out);
        rrender_args_free(&a);
        return;
    }
    if (a.argc == 1 && (strcasecmp(a.argv[0], "quit") == 0 || strcasecmp(a.argv[0], "exit") == 0)) {
        out->kind = RSESSION_LINE_QUIT;
        rrender_args_free(&a);
        return;
    }
    /* "N COMMAND": repeat, as redis-cli */
    int first = 0;
    unsigned long repeat = 1;
    char *end;
    errno = 0;
    long n = strtol(a.argv[0], &end, 10);
    if (a.argc > 1 && *end == '\0' && errno == 0 && n > 0 && n <= RSESSION_MAX_REPEAT) {
        repeat = (unsigned long)n;
        first = 1;
    }
    if (sev && rsession_stream_command(a.argc - first, (const char *const *)(a.argv + first),
                                       a.argvlen + first)) {
        char err[400];
        out->stream =
            rsession_stream_start(s, a.argc - first, (const char *const *)(a.argv + first),
                                  a.argvlen + first, NULL, sev, err, sizeof(err));
        if (out->stream) {
            out->kind = RSESSION_LINE_STREAM;
        } else {
            out->kind = RSESSION_LINE_ERROR;
            buf_printf(&out->text, "(error) %s\n", err);
        }
        rrender_args_free(&a);
        return;
    }
    out->req = rsession_send(s, a.argc - first, (const char *const *)(a.argv + first),
                             a.argvlen + first, NULL, repeat, 0, false);
    if (out->req) {
        out->kind = RSESSION_LINE_SENT;
        out->req->display = rsession_display_line(line);
    }
    rrender_args_free(&a);
}

/* ---- message streams ---- */

bool rsession_stream_command(int argc, const char *const *argv, const size_t *argvlen)
{
    return rcluster_stream_command(argc, argv, argvlen);
}

static void rsession_stream_unlink(struct rsession_stream *st)
{
    struct rsession *s = st->s;
    if (!s)
        return;
    if (st->prev)
        st->prev->next = st->next;
    else if (s->streams == st)
        s->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    st->prev = st->next = NULL;
}

static void rsession_stream_msg(struct console *c, const struct console_stream_msg *m, void *arg)
{
    struct rsession_stream *st = arg;
    (void)c;
    if (!st->detached && st->ev.on_message)
        st->ev.on_message(st, m, st->ev.arg);
}

static void rsession_stream_end(struct console *c, const struct rconn_error *err, void *arg)
{
    struct rsession_stream *st = arg;
    (void)c;
    rsession_stream_unlink(st);
    if (!st->detached && st->ev.on_end)
        st->ev.on_end(st, err, st->ev.arg);
    free(st);
}

struct rsession_stream *rsession_stream_start(struct rsession *s, int argc, const char *const *argv,
                                              const size_t *argvlen,
                                              const struct rsession_target *target,
                                              const struct rsession_stream_events *ev, char *err,
                                              size_t errlen)
{
    const struct rsession_target *t = target ? target : &s->target;
    enum rcluster_target_kind kind = RCLUSTER_T_SLOT;
    const char *node = NULL;
    char pick[RCLUSTER_NAME_MAX] = "";
    switch (t->kind) {
    case RSESSION_T_SLOT:
        break;
    case RSESSION_T_NODE:
        kind = RCLUSTER_T_NODE;
        node = t->node;
        break;
    case RSESSION_T_PRIMARIES:
        kind = RCLUSTER_T_PRIMARIES;
        break;
    case RSESSION_T_REPLICAS:
        kind = RCLUSTER_T_REPLICAS;
        break;
    case RSESSION_T_ALL:
        kind = RCLUSTER_T_ALL;
        break;
    case RSESSION_T_SHARD:
    case RSESSION_T_AZ: {
        /* one node of it: a stream per node is for the fan-out targets */
        size_t nn = console_node_count(s->c), hits = 0;
        for (size_t i = 0; i < nn; i++) {
            struct console_node cn;
            if (console_node_at(s->c, i, &cn) && rsession_node_matches(&cn, t)) {
                if (!hits)
                    snprintf(pick, sizeof(pick), "%s", cn.info.name);
                hits++;
            }
        }
        char nm[200];
        rsession_target_name(t, nm, sizeof(nm));
        if (hits != 1) {
            snprintf(err, errlen,
                     "%s is %zu nodes: a stream goes to one node (F2 / :node ID), all "
                     "primaries, all replicas or all nodes",
                     nm, hits);
            return NULL;
        }
        kind = RCLUSTER_T_NODE;
        node = pick;
        break;
    }
    }
    struct rsession_stream *st = mem_xcalloc(1, sizeof(*st));
    st->s = s;
    if (ev)
        st->ev = *ev;
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < argc && b.len < 200; i++) {
        if (i)
            buf_appendc(&b, ' ');
        rrender_safe(&b, argv[i], argvlen ? argvlen[i] : strlen(argv[i]));
    }
    snprintf(st->display, sizeof(st->display), "%s", buf_str(&b));
    buf_free(&b);
    struct console_stream_request r = {
        .target = kind,
        .node = node,
        .argc = argc,
        .argv = argv,
        .argvlen = argvlen,
        .on_message = rsession_stream_msg,
        .on_end = rsession_stream_end,
        .arg = st,
    };
    struct rconn_error e;
    st->cs = console_stream_start(s->c, &r, &e);
    if (!st->cs) {
        snprintf(err, errlen, "%s", e.msg);
        free(st);
        return NULL;
    }
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    return st;
}

void rsession_stream_stop(struct rsession_stream *st)
{
    if (st)
        console_stream_stop(st->cs);
}

void rsession_stream_detach(struct rsession_stream *st)
{
    if (!st)
        return;
    st->detached = true;
    console_stream_stop(st->cs);
}

const char *rsession_stream_display(const struct rsession_stream *st)
{
    return st->display;
}

size_t rsession_stream_nodes(const struct rsession_stream *st, const char **names, size_t max)
{
    size_t n = console_stream_nodes(st->cs);
    for (size_t i = 0; i < n && i < max; i++)
        names[i] = console_stream_node(st->cs, i);
    return n < max ? n : max;
}

/* ---- docs ---- */

const struct rdocs *rsession_docs(const struct rsession *s)
{
    return s->server_docs ? s->server_docs : rdocs_builtin();
}

static void rsession_docs_reply(struct console *c, const struct console_reply *r, void *arg)
{
    struct rsession_docs_ctx *x = arg;
    struct rsession *s = x->s;
    (void)c;
    if (!s || !r->r->reply || r->r->reply->type != REDIS_REPLY_ARRAY)
        return; /* Redis 6.2: no COMMAND DOCS; the built-in table stays */
    char src[400];
    snprintf(src, sizeof(src), "the server's COMMAND DOCS (%s)", r->r->node);
    struct rdocs *d = rdocs_parse(r->r->reply, src);
    if (!d)
        return;
    rdocs_free(s->server_docs);
    s->server_docs = d;
}

static void rsession_docs_done(struct console *c, const struct console_done *d, void *arg)
{
    struct rsession_docs_ctx *x = arg;
    struct rsession *s = x->s;
    (void)c;
    (void)d;
    free(x);
    if (!s)
        return;
    s->docs_ctx = NULL;
    if (s->server_docs && s->ev.on_docs)
        s->ev.on_docs(s, s->ev.arg);
}

/* One COMMAND DOCS for every command shallow enough for hiredis to read. */
static void rsession_docs_start(struct rsession *s)
{
    if (s->docs_asked || s->no_server_docs)
        return;
    s->docs_asked = true;
    const struct rdocs *b = rdocs_builtin();
    if (!b)
        return;
    const char **names = mem_xcalloc(b->n + 2, sizeof(char *));
    names[0] = "COMMAND";
    names[1] = "DOCS";
    size_t n = rdocs_askable(b, names + 2, b->n);
    struct rsession_docs_ctx *x = mem_xcalloc(1, sizeof(*x));
    x->s = s;
    struct console_request r = {
        .target = RCLUSTER_T_SLOT,
        .argc = (int)(n + 2),
        .argv = names,
        .on_reply = rsession_docs_reply,
        .on_done = rsession_docs_done,
        .arg = x,
    };
    x->run = console_exec(s->c, &r);
    free(names);
    if (x->run)
        s->docs_ctx = x;
    else
        free(x);
}

static const char *const rsession_metas[] = {":primaries", ":replicas", ":all",  ":slot",
                                             ":node",      ":shard",    ":az",   ":target",
                                             ":nodes",     ":docs",     ":help", ":quit"};

size_t rsession_complete(struct rsession *s, const char *line, size_t pos,
                         void (*add)(void *ctx, const char *cand), void *ctx)
{
    /* the prompt's own commands */
    size_t start = pos;
    while (start > 0 && line[start - 1] != ' ')
        start--;
    bool first_word = true;
    for (size_t i = 0; i < start; i++)
        if (line[i] != ' ')
            first_word = false;
    if (first_word && line[start] == ':') {
        for (size_t i = 0; i < sizeof(rsession_metas) / sizeof(*rsession_metas); i++)
            add(ctx, rsession_metas[i]);
        return start;
    }
    if (s->server_docs)
        rdocs_complete(s->server_docs, line, pos, add, ctx);
    return rdocs_complete(rdocs_builtin(), line, pos, add, ctx);
}

char *rsession_hint(struct rsession *s, const char *line)
{
    char *h = s->server_docs ? rdocs_hint(s->server_docs, line) : NULL;
    return h ? h : rdocs_hint(rdocs_builtin(), line);
}

/* ---- replies within bounds ---- */

#define RSESSION_FREE_SLICE 20000

struct rsession_reaper {
    struct loop *l;
    redisReply *r;
    size_t next;
};

static void rsession_reap(void *arg)
{
    struct rsession_reaper *k = arg;
    size_t end = k->next + RSESSION_FREE_SLICE;
    for (; k->next < end && k->next < k->r->elements; k->next++) {
        freeReplyObject(k->r->element[k->next]);
        k->r->element[k->next] = NULL;
    }
    if (k->next < k->r->elements && loop_timer(k->l, 0, rsession_reap, k))
        return;
    freeReplyObject(k->r); /* the rest, if the timer could not be set */
    free(k);
}

void rsession_reply_free_later(struct loop *l, redisReply *r)
{
    if (!r)
        return;
    if (!l || r->type != REDIS_REPLY_ARRAY || r->elements <= RSESSION_FREE_SLICE) {
        freeReplyObject(r);
        return;
    }
    struct rsession_reaper *k = mem_xcalloc(1, sizeof(*k));
    k->l = l;
    k->r = r;
    if (!loop_timer(l, 0, rsession_reap, k)) {
        freeReplyObject(r);
        free(k);
    }
}

struct rsession_prune {
    size_t max_elems, max_total, max_bytes;
    size_t used;
    struct rsession_render_info *info;
};

static redisReply *rsession_prune(const redisReply *r, struct rsession_prune *p, int depth)
{
    redisReply *c = mem_xcalloc(1, sizeof(*c));
    *c = *r;
    c->element = NULL;
    c->elements = 0;
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        if (r->len > p->info->bytes) {
            p->info->bytes = r->len;
            p->info->bytes_shown = r->len < p->max_bytes ? r->len : p->max_bytes;
        }
        if (r->len > p->max_bytes) {
            c->len = p->max_bytes;
            p->info->truncated = true;
        }
        break;
    case REDIS_REPLY_ARRAY: {
        size_t n = r->elements < p->max_elems ? r->elements : p->max_elems;
        size_t left = p->used < p->max_total ? p->max_total - p->used : 0;
        if (n > left)
            n = left;
        if (n == 0 && r->elements > 0)
            n = 1; /* never an "(empty array)" that is not empty */
        if (resp3_is_map(r)) {
            /* a RESP3 map keeps whole pairs */
            n &= ~(size_t)1;
            if (n == 0 && r->elements > 1)
                n = 2;
        }
        if (depth > 16)
            n = 0;
        if (n < r->elements)
            p->info->truncated = true;
        if (depth == 0) {
            p->info->elements = r->elements;
            p->info->shown = n;
        }
        c->element = mem_xcalloc(n ? n : 1, sizeof(*c->element));
        c->elements = n;
        p->used += n;
        for (size_t i = 0; i < n; i++)
            c->element[i] = r->element[i] ? rsession_prune(r->element[i], p, depth + 1) : NULL;
        break;
    }
    default:
        break;
    }
    return c;
}

static void rsession_prune_free(redisReply *c)
{
    if (!c)
        return;
    if (c->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < c->elements; i++)
            rsession_prune_free(c->element[i]);
        free(c->element);
    }
    free(c);
}

void rsession_render(struct buf *b, const redisReply *r, const struct rrender_opts *ro,
                     size_t max_elems, size_t max_total, size_t max_bytes,
                     struct rsession_render_info *info)
{
    struct rsession_render_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));
    if (!r) {
        rrender_reply(b, NULL, ro && ro->raw);
        return;
    }
    struct rsession_prune p = {
        .max_elems = max_elems ? max_elems : 1,
        .max_total = max_total ? max_total : 1,
        .max_bytes = max_bytes ? max_bytes : 1,
        .info = info,
    };
    redisReply *c = rsession_prune(r, &p, 0);
    struct rrender_opts o = {0};
    if (ro) {
        o.raw = ro->raw;
        o.text = ro->text;
    }
    rrender_reply_opts(b, c, &o);
    rsession_prune_free(c);
    if (!info->truncated)
        return;
    if (info->elements > info->shown && resp3_is_map(r))
        buf_printf(b, "(... %zu more pairs not shown: %zu in all)\n",
                   (info->elements - info->shown) / 2, info->elements / 2);
    else if (info->elements > info->shown)
        buf_printf(b, "(... %zu more elements not shown: %zu in all)\n",
                   info->elements - info->shown, info->elements);
    else if (r->type == REDIS_REPLY_ARRAY)
        buf_appends(b, "(... nested elements not shown)\n");
    if (info->bytes > info->bytes_shown)
        buf_printf(b, "(... a value of %zu bytes: the first %zu shown)\n", info->bytes,
                   info->bytes_shown);
}
