/* test_rsession.c - the interactive command session's state (core/redis/
 * rsession, rhistory) on a real TLS Redis cluster (the sandbox farm: 3
 * shards x 1 replica, TLS, AUTH token of this run), no AWS.
 *
 * Targets parsed and named; the history file never holds a password (AUTH,
 * HELLO ... AUTH, ACL SETUSER, CONFIG SET requirepass, MIGRATE ... AUTH),
 * is 0600 in a 0700 folder, and a file with a secret in it is cleaned when
 * read; lines shown again without their secrets; replies rendered within
 * bounds (a 1M-element array, a 10 MB string) with what was left out;
 * lines run: prompt commands, repeats, quit; every shard reached with the
 * node it waits on named; fan-outs wait on every node; read-only turned on
 * after the session opened refuses writes with its reason; a dangerous
 * command waits for a confirmation and runs once confirmed; a node frozen
 * with SIGSTOP: the request waits on it by name, Esc (cancel) ends it; the
 * server's COMMAND DOCS replace the built-in table; a session freed with a
 * request in flight. Streams: SUBSCRIBE receives what is published, in
 * order, and stopping ends it on the server (PUBSUB NUMSUB 0 on every
 * node); SSUBSCRIBE goes to its channel's slot owner; MONITOR on one node
 * sees its commands and RESET ends it; what cannot stream says why; a
 * session freed ends its streams without a callback; rconn: a stream takes
 * no other command, its own (PING, UNSUBSCRIBE) answer as messages.
 * Run from the top of the repository (tests/sandbox/farm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_skip.h"

#include "redis_fixture.h"

#include "core/redis/crc16.h"
#include "core/redis/rsession.h"

#define TOKEN_ENV "ELCUI_TEST_RSESSION_TOKEN"

static struct rfx_farm farm;
static struct loop *L;
static char tmpdir[256];

static int group_setup(void **state)
{
    (void)state;
    static const char *const args[] = {"--shards", "3", "--replicas", "1", NULL};
    if (rfx_farm_start(&farm, args) != 0 || rfx_farm_wait(&farm) != 0)
        return -1;
    setenv(TOKEN_ENV, farm.token, 1);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/elcui-rsession-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    L = loop_new();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unsetenv(TOKEN_ENV);
    loop_free(L);
    rfx_farm_down(&farm);
    rfx_rmtree(tmpdir);
    return 0;
}

static bool ready_flag;

static void on_event(struct console *c, const struct console_event_info *e, void *arg)
{
    (void)c;
    (void)arg;
    if (e->ev == CONSOLE_EV_READY)
        ready_flag = true;
}

static struct console *open_console_lazy(bool lazy)
{
    const struct rfx_node *seed = rfx_node(&farm, 0, 0);
    char ep[96];
    snprintf(ep, sizeof(ep), "%s:%d", seed->host, seed->port);
    struct console_options o = {
        .loop = L,
        .endpoint = ep,
        .token_env = TOKEN_ENV,
        .cafile = farm.ca_file,
        .tls = farm.tls ? CONSOLE_TLS_ON : CONSOLE_TLS_OFF,
        .connect_timeout_ms = rfx_scale(3000),
        .command_timeout_ms = rfx_scale(2000),
        .on_event = on_event,
        .lazy_map = lazy,
        .mode = lazy ? RCLUSTER_CLUSTER : RCLUSTER_AUTO,
    };
    ready_flag = false;
    struct console *c = console_open(&o);
    assert_non_null(c);
    assert_true(rfx_run(L, &ready_flag, 20000));
    return c;
}

static struct console *open_console(void)
{
    return open_console_lazy(false);
}

/* ---- what the front end sees ---- */

#define MAXR 80

struct seen {
    size_t replies;
    char nodes[MAXR][RCLUSTER_NAME_MAX];
    long long ints[MAXR];
    char text[MAXR][128];
    bool done;
    struct rsession_done d;
    struct rsafety_verdict refused;
    bool has_refused;
    struct rconn_error err;
    bool has_err;
    struct rsession_req *req;
    int docs;
    bool ro;
    long long sum2;    /* the second elements of array replies (PUBSUB NUMSUB's counts) */
    size_t redirected; /* replies that came through a MOVED or ASK */
};

static struct seen seen;

static void on_reply(struct rsession *s, struct rsession_req *q, const struct console_reply *r,
                     void *arg)
{
    (void)s;
    (void)q;
    struct seen *v = arg;
    if (v->replies >= MAXR)
        return;
    snprintf(v->nodes[v->replies], RCLUSTER_NAME_MAX, "%s", r->r->node);
    if (r->r->reply && r->r->reply->type == REDIS_REPLY_INTEGER)
        v->ints[v->replies] = r->r->reply->integer;
    if (r->r->reply && r->r->reply->str)
        snprintf(v->text[v->replies], 128, "%s", r->r->reply->str);
    if (r->r->reply && r->r->reply->type == REDIS_REPLY_ARRAY && r->r->reply->elements == 2 &&
        r->r->reply->element[1]->type == REDIS_REPLY_INTEGER)
        v->sum2 += r->r->reply->element[1]->integer;
    for (size_t i = 0; i < r->r->nhops; i++)
        if (r->r->hops[i].kind == RCLUSTER_HOP_MOVED || r->r->hops[i].kind == RCLUSTER_HOP_ASK) {
            v->redirected++;
            break;
        }
    v->replies++;
}

static void on_done(struct rsession *s, struct rsession_req *q, const struct rsession_done *d,
                    void *arg)
{
    (void)s;
    struct seen *v = arg;
    v->done = true;
    v->d = *d;
    v->req = q;
    if (d->refused) {
        v->refused = *d->refused;
        v->has_refused = true;
    }
    if (d->err) {
        v->err = *d->err;
        v->has_err = true;
    }
}

static void on_docs(struct rsession *s, void *arg)
{
    (void)s;
    ((struct seen *)arg)->docs++;
}

static bool read_only_pred(void *arg)
{
    return ((struct seen *)arg)->ro;
}

static const char *read_only_src(void *arg)
{
    (void)arg;
    return ":readonly";
}

static struct rsession *open_session(struct console *c, const char *hist, bool server_docs)
{
    struct rsession_options o = {
        .console = c,
        .history_path = hist,
        .read_only = read_only_pred,
        .read_only_source = read_only_src,
        .ro_arg = &seen,
        .no_server_docs = !server_docs,
        .ev = {.on_reply = on_reply, .on_done = on_done, .on_docs = on_docs, .arg = &seen},
    };
    struct rsession *s = rsession_new(&o);
    assert_non_null(s);
    return s;
}

static void reset_seen(void)
{
    bool ro = seen.ro;
    int docs = seen.docs;
    memset(&seen, 0, sizeof(seen));
    seen.ro = ro;
    seen.docs = docs;
}

/* Run a line and wait for its end. */
static void run(struct rsession *s, const char *line)
{
    reset_seen();
    struct rsession_line l;
    rsession_run_line(s, line, &l);
    if (l.kind != RSESSION_LINE_SENT)
        fail_msg("[%s] was not sent: %s", line, buf_str(&l.text));
    rsession_line_free(&l);
    assert_true(rfx_run(L, &seen.done, 20000));
}

static void key_for_shard(int s, char *out, size_t n)
{
    int lo = s * (CRC16_SLOTS / 3), hi = s == 2 ? CRC16_SLOTS - 1 : (s + 1) * (CRC16_SLOTS / 3) - 2;
    for (int i = 0; i < 100000; i++) {
        snprintf(out, n, "rs:%d:%d", s, i);
        int slot = crc16_keyslot(out, strlen(out));
        if (slot >= lo + 2 && slot <= hi)
            return;
    }
    fail_msg("no key for shard %d", s);
}

/* ---- pure parts ---- */

static void test_targets(void **state)
{
    (void)state;
    struct rsession_target t;
    char err[300], name[400];
    static const struct {
        const char *in, *name, *spec;
    } ok[] = {
        {"slot", "slot-routed", "slot"},
        {"primaries", "primaries", "primaries"},
        {"REPLICAS", "replicas", "replicas"},
        {"all", "all", "all"},
        {"node app-4-0002-001", "node app-4-0002-001", "node app-4-0002-001"},
        {"127.0.0.1:7001", "node 127.0.0.1:7001", "node 127.0.0.1:7001"},
        {"shard 0002", "shard 0002", "shard 0002"},
        {"shard 0002 primary", "shard 0002 primary", "shard 0002 primary"},
        {" shard   0003 replicas ", "shard 0003 replicas", "shard 0003 replicas"},
        {"shard 0001 all", "shard 0001", "shard 0001"},
        {"az us-east-2a", "az us-east-2a", "az us-east-2a"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        if (rsession_target_parse(ok[i].in, &t, err, sizeof(err)) != 0)
            fail_msg("[%s]: %s", ok[i].in, err);
        rsession_target_name(&t, name, sizeof(name));
        assert_string_equal(name, ok[i].name);
        rsession_target_spec(&t, name, sizeof(name));
        assert_string_equal(name, ok[i].spec);
        /* the spec reads back to the same target */
        struct rsession_target back;
        assert_int_equal(rsession_target_parse(name, &back, err, sizeof(err)), 0);
        assert_int_equal(back.kind, t.kind);
        assert_int_equal(back.role, t.role);
    }
    assert_int_equal(rsession_target_parse("", &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no target"));
    assert_int_equal(rsession_target_parse("shard 0002 leader", &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "primary"));
    assert_int_equal(rsession_target_parse("to the moon please now", &t, err, sizeof(err)), -1);
    assert_int_equal(rsession_target_parse("some thing", &t, err, sizeof(err)), -1);
}

static void test_history_file(void **state)
{
    (void)state;
    char dir[400], path[512];
    snprintf(dir, sizeof(dir), "%s/state/elcui", tmpdir);
    snprintf(path, sizeof(path), "%s/history", dir);
    struct rhistory *h = rhistory_open(path);
    assert_string_equal(rhistory_path(h), path);
    assert_string_equal(rhistory_add(h, "SET a 1"), "SET a 1");
    assert_string_equal(rhistory_add(h, "AUTH s3cret-token"), "AUTH");
    assert_string_equal(rhistory_add(h, "HELLO 3 AUTH u p4ssword"), "HELLO 3 AUTH");
    assert_string_equal(rhistory_add(h, "ACL SETUSER bob on >pw-bob ~*"), "ACL SETUSER");
    assert_string_equal(rhistory_add(h, "config set requirepass pw-config"),
                        "config set requirepass");
    assert_string_equal(rhistory_add(h, "MIGRATE h 6379 k 0 1000 AUTH pw-migrate"),
                        "MIGRATE h 6379 k 0 1000 AUTH");
    assert_null(rhistory_add(h, "  "));
    assert_null(rhistory_add(h, "GET \"unbalanced"));
    assert_null(rhistory_add(h, "GET a\x1b[2J"));
    assert_string_equal(rhistory_add(h, "SET a 1"), "SET a 1");
    assert_string_equal(rhistory_add(h, "SET a 1"), "SET a 1"); /* twice in a row: once */
    assert_int_equal(rhistory_count(h), 7);
    rhistory_free(h);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    static const char *const secrets[] = {"s3cret", "p4ssword", "pw-bob", "pw-config",
                                          "pw-migrate"};
    for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++)
        assert_null(strstr(text, secrets[i]));
    /* a file with a secret written by anything else is cleaned when read */
    f = fopen(path, "a");
    fputs("AUTH leaked-token\nGET b\n", f);
    fclose(f);
    h = rhistory_open(path);
    assert_string_equal(rhistory_at(h, rhistory_count(h) - 2), "AUTH");
    assert_string_equal(rhistory_at(h, rhistory_count(h) - 1), "GET b");
    rhistory_free(h);
    f = fopen(path, "r");
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_null(strstr(text, "leaked-token"));
    /* memory only */
    h = rhistory_open("");
    assert_string_equal(rhistory_path(h), "");
    assert_non_null(rhistory_add(h, "PING"));
    rhistory_free(h);
    /* shown again without the secret */
    char *d = rsession_display_line("AUTH s3cret");
    assert_string_equal(d, "AUTH ...");
    free(d);
    d = rsession_display_line("GET k");
    assert_string_equal(d, "GET k");
    free(d);
    d = rsession_display_line("AUTH \"s3cret");
    assert_null(strstr(d, "s3cret"));
    free(d);
}

/* A reply tree read by hiredis from RESP made here. */
static redisReply *read_reply(const char *resp, size_t n)
{
    redisReader *rd = redisReaderCreate();
    rd->maxbuf = 0;
    void *reply = NULL;
    assert_int_equal(redisReaderFeed(rd, resp, n), REDIS_OK);
    assert_int_equal(redisReaderGetReply(rd, &reply), REDIS_OK);
    redisReaderFree(rd);
    assert_non_null(reply);
    return reply;
}

static void test_render_bounds(void **state)
{
    (void)state;
    /* a 1M-element array */
    struct buf resp;
    buf_init(&resp, 0);
    buf_appends(&resp, "*1000000\r\n");
    for (int i = 0; i < 1000000; i++) {
        char v[16];
        int n = snprintf(v, sizeof(v), "%d", i);
        buf_printf(&resp, "$%d\r\n%s\r\n", n, v);
    }
    redisReply *r = read_reply(resp.data, resp.len);
    buf_free(&resp);
    struct buf b;
    buf_init(&b, 0);
    struct rsession_render_info info;
    rsession_render(&b, r, NULL, 1000, 5000, 65536, &info);
    assert_int_equal(info.elements, 1000000);
    assert_int_equal(info.shown, 1000);
    assert_true(info.truncated);
    assert_non_null(strstr(buf_str(&b), "   1) \"0\"\n"));
    assert_non_null(strstr(buf_str(&b), "1000) \"999\"\n"));
    assert_null(strstr(buf_str(&b), "\"1000\""));
    assert_non_null(strstr(buf_str(&b), "(... 999000 more elements not shown: 1000000 in all)"));
    assert_true(b.len < 64 * 1024);
    /* freed from the loop a slice at a time (leak checkers see the rest) */
    rsession_reply_free_later(L, r);
    int slices = 0;
    while (loop_run_once(L, 0) > 0 && slices < 1000)
        slices++;
    assert_true(slices >= 40); /* 1M elements, 20,000 a slice */
    /* a 10 MB string */
    buf_reset(&b);
    size_t big = 10 * 1024 * 1024;
    buf_init(&resp, 0);
    buf_printf(&resp, "$%zu\r\n", big);
    for (size_t i = 0; i < big; i++)
        buf_appendc(&resp, (char)('a' + i % 26));
    buf_appends(&resp, "\r\n");
    r = read_reply(resp.data, resp.len);
    buf_free(&resp);
    rsession_render(&b, r, NULL, 1000, 5000, 65536, &info);
    assert_int_equal(info.bytes, big);
    assert_int_equal(info.bytes_shown, 65536);
    assert_true(b.len < 65536 + 200);
    assert_non_null(strstr(buf_str(&b), "(... a value of 10485760 bytes: the first 65536 shown)"));
    buf_reset(&b);
    rsession_render(&b, r, &(struct rrender_opts){.raw = true}, 1000, 5000, 100, &info);
    assert_true(b.len < 200);
    freeReplyObject(r);
    /* nested: the total budget holds, nothing looks empty */
    buf_reset(&b);
    static const char nested[] = "*3\r\n*2\r\n:1\r\n:2\r\n*2\r\n:3\r\n:4\r\n*0\r\n";
    r = read_reply(nested, sizeof(nested) - 1);
    rsession_render(&b, r, NULL, 10, 3, 100, &info);
    assert_non_null(strstr(buf_str(&b), "1) 1) (integer) 1"));
    assert_non_null(strstr(buf_str(&b), "2) 1) (integer) 3"));
    assert_null(strstr(buf_str(&b), "(integer) 4"));
    assert_non_null(strstr(buf_str(&b), "3) (empty array)"));
    assert_non_null(strstr(buf_str(&b), "(... nested elements not shown)"));
    freeReplyObject(r);
    /* small replies are as redis-cli shows them */
    buf_reset(&b);
    static const char small[] = "*2\r\n$1\r\na\r\n$-1\r\n";
    r = read_reply(small, sizeof(small) - 1);
    rsession_render(&b, r, NULL, 1000, 5000, 65536, &info);
    assert_string_equal(buf_str(&b), "1) \"a\"\n2) (nil)\n");
    assert_false(info.truncated);
    freeReplyObject(r);
    buf_free(&b);
}

/* ---- on the farm ---- */

static void test_lines_and_targets(void **state)
{
    (void)state;
    struct console *c = open_console();
    struct rsession *s = open_session(c, "", false);
    char prompt[300];
    rsession_prompt(s, "farm", prompt, sizeof(prompt));
    assert_string_equal(prompt, "farm> ");
    /* every shard, the node waited on is the slot's owner */
    for (int sh = 0; sh < 3; sh++) {
        char key[64], line[128];
        key_for_shard(sh, key, sizeof(key));
        snprintf(line, sizeof(line), "SET %s v%d", key, sh);
        reset_seen();
        struct rsession_line l;
        rsession_run_line(s, line, &l);
        assert_int_equal(l.kind, RSESSION_LINE_SENT);
        const struct rsession_wait *w;
        assert_int_equal(rsession_req_waits(l.req, &w), 1);
        const struct rfx_node *p = rfx_node(&farm, sh, 0);
        char want[96];
        snprintf(want, sizeof(want), "%s:%d", p->host, p->port);
        assert_string_equal(w[0].node, want);
        assert_false(w[0].answered);
        assert_string_equal(rsession_req_command(l.req), "SET");
        assert_string_equal(rsession_req_display(l.req), line);
        struct rsession_req *run[4];
        assert_int_equal(rsession_running(s, run, 4), 1);
        rsession_line_free(&l);
        assert_true(rfx_run(L, &seen.done, 20000));
        assert_int_equal(seen.replies, 1);
        assert_string_equal(seen.nodes[0], want);
        assert_string_equal(seen.text[0], "OK");
    }
    /* prompt commands */
    struct rsession_line l;
    rsession_run_line(s, ":primaries", &l);
    assert_int_equal(l.kind, RSESSION_LINE_META);
    assert_string_equal(buf_str(&l.text), "target: primaries\n");
    rsession_line_free(&l);
    rsession_prompt(s, "farm", prompt, sizeof(prompt));
    assert_string_equal(prompt, "farm [primaries]> ");
    run(s, "PING");
    assert_int_equal(seen.replies, 3);
    run(s, "2 PING");
    assert_int_equal(seen.replies, 6);
    rsession_run_line(s, ":all", &l);
    rsession_line_free(&l);
    run(s, "ROLE");
    assert_int_equal(seen.replies, 6);
    const struct rfx_node *rep = rfx_node(&farm, 1, 1);
    char line[128];
    snprintf(line, sizeof(line), ":node %s:%d", rep->host, rep->port);
    rsession_run_line(s, line, &l);
    assert_int_equal(l.kind, RSESSION_LINE_META);
    rsession_line_free(&l);
    run(s, "ROLE");
    assert_int_equal(seen.replies, 1);
    assert_string_equal(seen.text[0], "");
    /* a shard target needs labels the farm does not have (no AWS model) */
    rsession_run_line(s, ":shard 0001 primary", &l);
    assert_int_equal(l.kind, RSESSION_LINE_META);
    rsession_line_free(&l);
    run(s, "PING");
    assert_true(seen.has_err);
    assert_non_null(strstr(seen.err.msg, "no node is shard 0001 primary"));
    rsession_run_line(s, ":target nonsense words here now", &l);
    assert_int_equal(l.kind, RSESSION_LINE_ERROR);
    rsession_line_free(&l);
    rsession_run_line(s, ":bogus", &l);
    assert_int_equal(l.kind, RSESSION_LINE_ERROR);
    assert_non_null(strstr(buf_str(&l.text), ":help"));
    rsession_line_free(&l);
    rsession_run_line(s, ":nodes", &l);
    assert_int_equal(l.kind, RSESSION_LINE_META);
    assert_non_null(strstr(buf_str(&l.text), " primary"));
    rsession_line_free(&l);
    rsession_run_line(s, "GET \"open", &l);
    assert_int_equal(l.kind, RSESSION_LINE_ERROR);
    rsession_line_free(&l);
    rsession_run_line(s, "", &l);
    assert_int_equal(l.kind, RSESSION_LINE_EMPTY);
    rsession_line_free(&l);
    rsession_run_line(s, "exit", &l);
    assert_int_equal(l.kind, RSESSION_LINE_QUIT);
    rsession_line_free(&l);
    /* the choices name every node, the fan-outs and the slot */
    struct rsession_choice ch[64];
    size_t n = rsession_choices(s, ch, 64);
    assert_int_equal(n, 4 + 6);
    assert_int_equal(ch[0].t.kind, RSESSION_T_SLOT);
    assert_non_null(strstr(ch[1].label, "all primaries (3)"));
    assert_non_null(strstr(ch[3].label, "all nodes (6)"));
    rsession_free(s);
    console_close(c);
}

static void test_read_only_and_confirm(void **state)
{
    (void)state;
    struct console *c = open_console();
    struct rsession *s = open_session(c, "", false);
    char key[64], line[128];
    key_for_shard(1, key, sizeof(key));
    snprintf(line, sizeof(line), "SET %s before", key);
    run(s, line);
    /* read-only turned on after the session opened */
    seen.ro = true;
    char prompt[200];
    rsession_prompt(s, "farm", prompt, sizeof(prompt));
    assert_string_equal(prompt, "(read-only) farm> ");
    snprintf(line, sizeof(line), "SET %s after", key);
    run(s, line);
    assert_true(seen.has_refused);
    assert_int_equal(seen.refused.kind, RSAFETY_READ_ONLY);
    assert_non_null(strstr(seen.refused.why, ":readonly"));
    assert_int_equal(seen.replies, 0);
    snprintf(line, sizeof(line), "GET %s", key);
    run(s, line);
    assert_string_equal(seen.text[0], "before");
    seen.ro = false;
    /* a dangerous command waits for a confirmation */
    struct rsession_line l;
    rsession_run_line(s, ":primaries", &l);
    rsession_line_free(&l);
    run(s, "FLUSHALL");
    assert_true(seen.has_refused);
    assert_int_equal(seen.refused.kind, RSAFETY_CONFIRM);
    struct rsession_req *q = seen.req;
    assert_false(rsession_req_running(q));
    run(s, line);
    assert_string_equal(seen.text[0], "before"); /* not run */
    reset_seen();
    rsession_confirm(q);
    assert_true(rfx_run(L, &seen.done, 20000));
    assert_false(seen.has_refused);
    assert_int_equal(seen.replies, 3);
    assert_string_equal(seen.text[0], "OK");
    rsession_run_line(s, ":slot", &l);
    rsession_line_free(&l);
    run(s, line);
    assert_int_equal(seen.text[0][0], '\0'); /* gone: (nil) */
    /* refused and dropped */
    run(s, "FLUSHDB");
    assert_int_equal(seen.refused.kind, RSAFETY_CONFIRM);
    rsession_drop(seen.req);
    /* blocked: explained, never sent */
    run(s, "CONFIG GET maxmemory");
    assert_int_equal(seen.refused.kind, RSAFETY_BLOCKED);
    rsession_free(s);
    console_close(c);
}

/* --pipeline's request: 16 runs in flight, sent in one write per wake-up,
 * through a seed that does not own the key (a lazy session: the first
 * batch is redirected by MOVED to a fresh connection): every INCR once,
 * their replies in order. */
static void test_pipelined_through_moved(void **state)
{
    (void)state;
    char key[64], line[128];
    key_for_shard(2, key, sizeof(key));
    snprintf(line, sizeof(line), "DEL %s", key);
    struct console *c = open_console();
    struct rsession *s = open_session(c, "", false);
    run(s, line);
    rsession_free(s);
    console_close(c);
    /* a new lazy session knows no slot yet */
    c = open_console_lazy(true);
    s = open_session(c, "", false);
    reset_seen();
    const char *argv[] = {"INCR", key};
    struct rsession_req *q = rsession_send_pipeline(s, 2, argv, NULL, NULL, 60, 0, 16, false);
    assert_non_null(q);
    assert_true(rfx_run(L, &seen.done, 20000));
    assert_int_equal(seen.replies, 60);
    assert_int_equal(seen.d.replies, 60);
    assert_int_equal(seen.d.failures + seen.d.error_replies, 0);
    for (size_t i = 0; i < 60; i++)
        assert_int_equal(seen.ints[i], (long long)i + 1);
    /* the seed was shard 1's primary: the first runs went through MOVED */
    assert_true(seen.redirected >= 1);
    rsession_free(s);
    console_close(c);
}

/* One admin command on c, its reply checked (a status or an integer). */
static void admin_cmd(struct rconn *c, int argc, const char *const *argv)
{
    struct rfx_wait w;
    rfx_cmdv(L, c, &w, argc, argv);
    if (w.has_err || !w.reply || w.reply->type == REDIS_REPLY_ERROR)
        fail_msg("%s %s: %s", argv[0], argc > 1 ? argv[1] : "",
                 w.has_err ? w.err.msg : (w.reply && w.reply->str ? w.reply->str : "no reply"));
    rfx_wait_free(&w);
}

/* The same while shard 2's slot of the key migrates to shard 1: the
 * owner answers ASK for a key it does not hold, every run goes on with
 * ASKING to the importing node, pipelined, in order. */
static void test_pipelined_through_ask(void **state)
{
    (void)state;
    struct rconn_error e;
    struct rconn_tls_options to = {.cafile = farm.ca_file};
    struct rconn_tls *tls = farm.tls ? rconn_tls_new(&to, &e) : NULL;
    const struct rfx_node *src = rfx_node(&farm, 2, 0), *dst = rfx_node(&farm, 1, 0);
    struct rconn *cs = rfx_connect(L, &farm, tls, src->host, src->port);
    struct rconn *cd = rfx_connect(L, &farm, tls, dst->host, dst->port);
    assert_non_null(cs);
    assert_non_null(cd);
    char key[64], slot[16];
    key_for_shard(2, key, sizeof(key));
    snprintf(key + strlen(key), sizeof(key) - strlen(key), ".ask");
    snprintf(slot, sizeof(slot), "%d", crc16_keyslot(key, strlen(key)));
    const char *del[] = {"DEL", key};
    admin_cmd(cs, 2, del);
    const char *imp[] = {"CLUSTER", "SETSLOT", slot, "IMPORTING", src->node_id};
    admin_cmd(cd, 5, imp);
    const char *mig[] = {"CLUSTER", "SETSLOT", slot, "MIGRATING", dst->node_id};
    admin_cmd(cs, 5, mig);

    struct console *c = open_console();
    struct rsession *s = open_session(c, "", false);
    reset_seen();
    const char *argv[] = {"INCR", key};
    struct rsession_req *q = rsession_send_pipeline(s, 2, argv, NULL, NULL, 40, 0, 16, false);
    assert_non_null(q);
    bool done = rfx_run(L, &seen.done, 20000);

    /* the slot back as it was, whatever the outcome */
    const char *asking[] = {"ASKING"};
    admin_cmd(cd, 1, asking);
    admin_cmd(cd, 2, del);
    const char *stable[] = {"CLUSTER", "SETSLOT", slot, "STABLE"};
    admin_cmd(cd, 4, stable);
    admin_cmd(cs, 4, stable);

    assert_true(done);
    assert_int_equal(seen.replies, 40);
    assert_int_equal(seen.d.failures + seen.d.error_replies, 0);
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(seen.ints[i], (long long)i + 1);
    assert_int_equal(seen.redirected, 40); /* every run through ASK */
    rsession_free(s);
    console_close(c);
    rconn_close(cs);
    rconn_close(cd);
    rconn_tls_unref(tls);
}

static void test_frozen_node_waits(void **state)
{
    (void)state;
    if (rfx_valgrind())
        UNIT_SKIP("under valgrind: it waits out timeouts by design; the unit stage runs it under "
                  "ASan+UBSan");
    struct console *c = open_console();
    struct rsession *s = open_session(c, "", false);
    char key[64], line[128];
    key_for_shard(2, key, sizeof(key));
    snprintf(line, sizeof(line), "GET %s", key);
    run(s, line); /* the connection exists */
    const struct rfx_node *p = rfx_node(&farm, 2, 0);
    char name[96];
    snprintf(name, sizeof(name), "%s:%d", p->host, p->port);
    assert_int_equal(kill(p->pid, SIGSTOP), 0);
    reset_seen();
    struct rsession_line l;
    rsession_run_line(s, line, &l);
    assert_int_equal(l.kind, RSESSION_LINE_SENT);
    struct rsession_req *q = l.req;
    rsession_line_free(&l);
    bool never = false;
    loop_run_until(L, &never, loop_now_ms(L) + 300);
    assert_false(seen.done);
    const struct rsession_wait *w;
    assert_int_equal(rsession_req_waits(q, &w), 1);
    assert_string_equal(w[0].node, name);
    assert_false(w[0].answered);
    assert_true(rsession_req_running(q));
    /* Esc: cancelled, at once, while the node is still frozen */
    rsession_cancel(q);
    assert_true(rfx_run(L, &seen.done, 2000));
    assert_true(seen.d.cancelled);
    kill(p->pid, SIGCONT);
    /* and it answers again */
    uint64_t deadline = loop_now_ms(L) + rfx_scale(15000);
    bool back = false;
    while (!back && loop_now_ms(L) < deadline) {
        run(s, line);
        back = seen.replies == 1 && !seen.has_err && seen.d.failures == 0;
    }
    assert_true(back);
    /* a session freed with a request in flight: nothing is called after */
    assert_int_equal(kill(p->pid, SIGSTOP), 0);
    reset_seen();
    rsession_run_line(s, line, &l);
    rsession_line_free(&l);
    rsession_free(s);
    loop_run_until(L, &never, loop_now_ms(L) + 100);
    kill(p->pid, SIGCONT);
    console_close(c);
    assert_false(seen.done);
}

static void test_server_docs(void **state)
{
    (void)state;
    struct console *c = open_console();
    seen.docs = 0;
    struct rsession *s = open_session(c, "", true);
    bool got = false;
    uint64_t deadline = loop_now_ms(L) + rfx_scale(20000);
    while (seen.docs == 0 && loop_now_ms(L) < deadline)
        loop_run_once(L, 50);
    got = seen.docs == 1;
    assert_true(got);
    const struct rdocs *d = rsession_docs(s);
    assert_non_null(strstr(d->source, "the server's COMMAND DOCS"));
    char *h = rsession_hint(s, "SET ");
    assert_non_null(h);
    assert_non_null(strstr(h, "key value [NX|XX]"));
    free(h);
    /* commands the batch left out come from the built-in table */
    h = rsession_hint(s, "CLUSTER KEYSLOT ");
    assert_string_equal(h, "key");
    free(h);
    struct rsession_line l;
    rsession_run_line(s, ":docs", &l);
    assert_non_null(strstr(buf_str(&l.text), "the server's COMMAND DOCS"));
    rsession_line_free(&l);
    rsession_free(s);
    console_close(c);
}

/* ---- message streams ---- */

#define MAXM 64

struct msgs {
    size_t n;
    char text[MAXM][160]; /* "kind|a|b" */
    char node[MAXM][RCLUSTER_NAME_MAX];
    bool ended;
    bool has_err;
    struct rconn_error err;
};

static void m_msg(struct rsession_stream *st, const struct console_stream_msg *m, void *arg)
{
    (void)st;
    struct msgs *v = arg;
    if (v->n >= MAXM)
        return;
    const redisReply *r = m->m->msg;
    char *t = v->text[v->n];
    t[0] = '\0';
    if (r->type == REDIS_REPLY_ARRAY) {
        size_t used = 0;
        for (size_t i = 0; i < r->elements && used < 150; i++) {
            const redisReply *e = r->element[i];
            int w = e->type == REDIS_REPLY_INTEGER
                        ? snprintf(t + used, 160 - used, "%s%lld", i ? "|" : "", e->integer)
                        : snprintf(t + used, 160 - used, "%s%.*s", i ? "|" : "", (int)e->len,
                                   e->str ? e->str : "");
            used += (size_t)(w > 0 ? w : 0);
        }
    } else if (r->str) {
        snprintf(t, 160, "%s%.150s", r->type == REDIS_REPLY_ERROR ? "ERR:" : "", r->str);
    }
    snprintf(v->node[v->n], RCLUSTER_NAME_MAX, "%s", m->m->node);
    v->n++;
}

static void m_end(struct rsession_stream *st, const struct rconn_error *err, void *arg)
{
    (void)st;
    struct msgs *v = arg;
    v->ended = true;
    if (err) {
        v->err = *err;
        v->has_err = true;
    }
}

static bool wait_msgs(struct msgs *v, size_t n)
{
    uint64_t deadline = loop_now_ms(L) + rfx_scale(10000);
    while (v->n < n && !v->ended && loop_now_ms(L) < deadline)
        loop_run_once(L, 20);
    return v->n >= n;
}

/* Subscribers of channel on every node, from PUBSUB NUMSUB / SHARDNUMSUB. */
static long long numsub(struct rsession *s, const char *sub, const char *channel)
{
    struct rsession_target all = {.kind = RSESSION_T_ALL};
    const char *argv[] = {"PUBSUB", sub, channel};
    reset_seen();
    struct rsession_req *q = rsession_send(s, 3, argv, NULL, &all, 1, 0, false);
    assert_non_null(q);
    assert_true(rfx_run(L, &seen.done, 20000));
    assert_int_equal(seen.replies, 6);
    return seen.sum2;
}

static void test_streams(void **state)
{
    (void)state;
    struct console *c = open_console();
    struct rsession *s = open_session(c, "", false);
    struct rsession_stream_events ev = {.on_message = m_msg, .on_end = m_end};
    /* SUBSCRIBE: the confirmation, then what is published, in order */
    struct msgs v;
    memset(&v, 0, sizeof(v));
    ev.arg = &v;
    char err[400];
    const char *sub[] = {"SUBSCRIBE", "elcui:news"};
    struct rsession_stream *st =
        rsession_stream_start(s, 2, sub, NULL, NULL, &ev, err, sizeof(err));
    if (!st)
        fail_msg("%s", err);
    assert_true(wait_msgs(&v, 1));
    assert_string_equal(v.text[0], "subscribe|elcui:news|1");
    const char *names[4];
    assert_int_equal(rsession_stream_nodes(st, names, 4), 1);
    for (int i = 1; i <= 5; i++) {
        char line[64];
        snprintf(line, sizeof(line), "PUBLISH elcui:news m-%d", i);
        run(s, line);
    }
    assert_true(wait_msgs(&v, 6));
    for (int i = 1; i <= 5; i++) {
        char want[64];
        snprintf(want, sizeof(want), "message|elcui:news|m-%d", i);
        assert_string_equal(v.text[i], want);
        assert_string_equal(v.node[i], names[0]);
    }
    /* the subscription is on the server, then ended there */
    assert_int_equal(numsub(s, "NUMSUB", "elcui:news"), 1);
    rsession_stream_stop(st);
    assert_true(rfx_run(L, &v.ended, 10000));
    assert_false(v.has_err);
    assert_string_equal(v.text[v.n - 1], "unsubscribe|elcui:news|0");
    assert_int_equal(numsub(s, "NUMSUB", "elcui:news"), 0);
    /* SSUBSCRIBE: routed to the owner of its channel's slot */
    memset(&v, 0, sizeof(v));
    char ch[64];
    key_for_shard(2, ch, sizeof(ch));
    const char *ssub[] = {"SSUBSCRIBE", ch};
    st = rsession_stream_start(s, 2, ssub, NULL, NULL, &ev, err, sizeof(err));
    if (!st)
        fail_msg("%s", err);
    assert_true(wait_msgs(&v, 1));
    const struct rfx_node *p = rfx_node(&farm, 2, 0);
    char owner[96];
    snprintf(owner, sizeof(owner), "%s:%d", p->host, p->port);
    assert_string_equal(v.node[0], owner);
    char want[160];
    snprintf(want, sizeof(want), "ssubscribe|%s|1", ch);
    assert_string_equal(v.text[0], want);
    char line[160];
    snprintf(line, sizeof(line), "SPUBLISH %s hello", ch);
    run(s, line);
    assert_true(wait_msgs(&v, 2));
    snprintf(want, sizeof(want), "smessage|%s|hello", ch);
    assert_string_equal(v.text[1], want);
    assert_int_equal(numsub(s, "SHARDNUMSUB", ch), 1);
    rsession_stream_stop(st);
    assert_true(rfx_run(L, &v.ended, 10000));
    snprintf(want, sizeof(want), "sunsubscribe|%s|0", ch);
    assert_string_equal(v.text[v.n - 1], want);
    assert_int_equal(numsub(s, "SHARDNUMSUB", ch), 0);
    /* MONITOR on one node: the commands it runs, then RESET ends it */
    memset(&v, 0, sizeof(v));
    struct rsession_target node = {.kind = RSESSION_T_NODE};
    snprintf(node.node, sizeof(node.node), "%s", owner);
    const char *mon[] = {"MONITOR"};
    st = rsession_stream_start(s, 1, mon, NULL, &node, &ev, err, sizeof(err));
    if (!st)
        fail_msg("%s", err);
    assert_true(wait_msgs(&v, 1));
    assert_string_equal(v.text[0], "OK");
    const char *echo[] = {"ECHO", "watched-by-monitor"};
    reset_seen();
    rsession_send(s, 2, echo, NULL, &node, 1, 0, false);
    assert_true(rfx_run(L, &seen.done, 20000));
    /* the node's other traffic (COMMAND INFO, CLUSTER SHARDS) shows too */
    bool seen_echo = false;
    uint64_t until = loop_now_ms(L) + rfx_scale(10000);
    for (size_t k = 1; !seen_echo && loop_now_ms(L) < until;) {
        if (k < v.n) {
            seen_echo = strstr(v.text[k], "\"ECHO\" \"watched-by-monitor\"") != NULL;
            k++;
        } else {
            loop_run_once(L, 20);
        }
    }
    assert_true(seen_echo);
    rsession_stream_stop(st);
    assert_true(rfx_run(L, &v.ended, 10000));
    assert_false(v.has_err);
    /* what cannot stream says why */
    const char *cross[] = {"SSUBSCRIBE", "a", "b"};
    assert_null(rsession_stream_start(s, 3, cross, NULL, NULL, &ev, err, sizeof(err)));
    assert_non_null(strstr(err, "share a slot"));
    const char *bare[] = {"SUBSCRIBE"};
    assert_null(rsession_stream_start(s, 1, bare, NULL, NULL, &ev, err, sizeof(err)));
    struct rsession_target nowhere = {.kind = RSESSION_T_NODE};
    snprintf(nowhere.node, sizeof(nowhere.node), "no-such-node");
    assert_null(rsession_stream_start(s, 2, sub, NULL, &nowhere, &ev, err, sizeof(err)));
    assert_non_null(strstr(err, "no-such-node"));
    /* a line typed at a prompt starts one too; the session freed ends it
     * on the server with no callback */
    memset(&v, 0, sizeof(v));
    struct rsession_line l;
    rsession_run_line_streams(s, "SUBSCRIBE elcui:other", &ev, &l);
    assert_int_equal(l.kind, RSESSION_LINE_STREAM);
    assert_non_null(l.stream);
    rsession_line_free(&l);
    assert_true(wait_msgs(&v, 1));
    rsession_free(s);
    bool never = false;
    loop_run_until(L, &never, loop_now_ms(L) + 300);
    assert_false(v.ended);
    s = open_session(c, "", false);
    assert_int_equal(numsub(s, "NUMSUB", "elcui:other"), 0);
    rsession_free(s);
    console_close(c);
}

static void rfake_push_cb(struct rconn *c, const redisReply *r, void *arg)
{
    (void)c;
    struct console_stream_msg cm = {0};
    struct rcluster_stream_msg m = {.node = "raw", .msg = r};
    cm.m = &m;
    m_msg(NULL, &cm, arg);
}

/* A connection turned into a stream takes no other command. */
static void test_rconn_push(void **state)
{
    (void)state;
    struct rconn_error e;
    struct rconn_tls_options to = {.cafile = farm.ca_file};
    struct rconn_tls *tls = farm.tls ? rconn_tls_new(&to, &e) : NULL;
    const struct rfx_node *p = rfx_node(&farm, 0, 0);
    struct rconn *c = rfx_connect(L, &farm, tls, p->host, p->port);
    assert_non_null(c);
    struct msgs v;
    memset(&v, 0, sizeof(v));
    const char *sub[] = {"SUBSCRIBE", "elcui:raw"};
    assert_false(rconn_pushing(c));
    assert_int_equal(rconn_push_start(c, 2, sub, NULL, NULL, NULL), -1); /* no callback */
    struct rfx_wait w;
    memset(&w, 0, sizeof(w));
    const char *ping[] = {"PING"};
    /* queued before the stream: answered first, to its own callback */
    assert_int_equal(rconn_command_argv(c, 1, ping, NULL, 0, rfx_reply_cb, &w), 0);
    assert_int_equal(rconn_push_start(c, 2, sub, NULL, rfake_push_cb, &v), 0);
    assert_int_equal(rconn_command_argv(c, 1, ping, NULL, 0, rfx_reply_cb, &w), -1);
    assert_int_equal(rconn_push_start(c, 2, sub, NULL, rfake_push_cb, &v), -1);
    assert_true(rfx_run(L, &w.done, 5000));
    assert_string_equal(w.reply->str, "PONG");
    rfx_wait_free(&w);
    uint64_t deadline = loop_now_ms(L) + rfx_scale(5000);
    while (v.n < 1 && loop_now_ms(L) < deadline)
        loop_run_once(L, 20);
    assert_true(rconn_pushing(c));
    assert_string_equal(v.text[0], "subscribe|elcui:raw|1");
    /* within the stream: PING answers as a message */
    assert_int_equal(rconn_push_send(c, 1, ping, NULL), 0);
    const char *unsub[] = {"UNSUBSCRIBE"};
    assert_int_equal(rconn_push_send(c, 1, unsub, NULL), 0);
    deadline = loop_now_ms(L) + rfx_scale(5000);
    while (v.n < 3 && loop_now_ms(L) < deadline)
        loop_run_once(L, 20);
    assert_int_equal(v.n, 3);
    assert_string_equal(v.text[1], "pong|");
    assert_string_equal(v.text[2], "unsubscribe|elcui:raw|0");
    rconn_close(c);
    rconn_tls_unref(tls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_history_file),
        cmocka_unit_test(test_render_bounds),
        cmocka_unit_test(test_lines_and_targets),
        cmocka_unit_test(test_read_only_and_confirm),
        cmocka_unit_test(test_frozen_node_waits),
        cmocka_unit_test(test_pipelined_through_moved),
        cmocka_unit_test(test_pipelined_through_ask),
        cmocka_unit_test(test_server_docs),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_rconn_push),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
