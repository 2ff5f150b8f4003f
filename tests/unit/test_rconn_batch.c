/* test_rconn_batch.c - how one connection writes, against a scripted TLS
 * server on the loop (a certificate made here; the client runs without
 * verification, which test_rconn covers):
 *  - what is queued in one loop iteration outside the connection's own
 *    callbacks leaves in one write, before the loop sleeps (not after one
 *    more poll for writability), and the server reads it as one record;
 *  - a socket that takes no more (TLS WANT_WRITE: the server reads
 *    nothing for a while) loses, splits and reorders nothing, commands
 *    queued while OpenSSL holds a partial record included;
 *  - loop_before_sleep_remove() from inside a hook.
 * No farm: the server is in the process, so the test is quick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/loop.h"
#include "core/redis/rconn.h"

#include "redis_fixture.h"

/* ---- the scripted TLS server ---- */

struct tsrv {
    struct loop *l;
    SSL_CTX *ctx;
    int ls, port;
    struct loop_watch *lw;
    int fd;
    struct loop_watch *w;
    SSL *ssl;
    bool handshaken;
    bool paused; /* reads nothing: the client's socket fills */
    redisReader *rd;
    uint64_t records; /* SSL_read calls that returned bytes: TLS records */
    size_t requests;
    struct buf out; /* replies not written yet */
    bool bad;
    char why[200];
};

/* The payload of PUT i: every byte known from i and its offset. */
static char tsrv_pattern(long i, size_t j)
{
    return (char)('a' + (int)(((size_t)i * 7 + j) % 26));
}

static void tsrv_answer(struct tsrv *s, const redisReply *r)
{
    s->requests++;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_STRING) {
        buf_appends(&s->out, "-ERR not a request\r\n");
        return;
    }
    const char *cmd = r->element[0]->str;
    if (strcasecmp(cmd, "ECHO") == 0 && r->elements == 2) {
        buf_printf(&s->out, "$%zu\r\n", r->element[1]->len);
        buf_append(&s->out, r->element[1]->str, r->element[1]->len);
        buf_appends(&s->out, "\r\n");
    } else if (strcasecmp(cmd, "PUT") == 0 && r->elements == 3) {
        long i = strtol(r->element[1]->str, NULL, 10);
        const redisReply *p = r->element[2];
        for (size_t j = 0; j < p->len; j++) {
            if (p->str[j] != tsrv_pattern(i, j)) {
                s->bad = true;
                snprintf(s->why, sizeof(s->why), "PUT %ld: byte %zu of %zu is wrong", i, j, p->len);
                buf_printf(&s->out, "-BAD %ld\r\n", i);
                return;
            }
        }
        buf_printf(&s->out, ":%ld\r\n", i);
    } else if (strcasecmp(cmd, "PING") == 0) {
        buf_appends(&s->out, "+PONG\r\n");
    } else {
        buf_appends(&s->out, "+OK\r\n");
    }
}

static void tsrv_io(int fd, int revents, void *arg);

static void tsrv_flush(struct tsrv *s)
{
    while (s->out.len > 0) {
        int n = SSL_write(s->ssl, s->out.data, (int)s->out.len);
        if (n <= 0)
            break; /* the rest when the socket is writable */
        buf_consume(&s->out, (size_t)n);
    }
    loop_rewatch(s->l, s->w, REACTOR_READ | (s->out.len ? REACTOR_WRITE : 0));
}

static void tsrv_io(int fd, int revents, void *arg)
{
    struct tsrv *s = arg;
    (void)fd;
    (void)revents;
    if (!s->handshaken) {
        ERR_clear_error();
        if (SSL_do_handshake(s->ssl) == 1)
            s->handshaken = true;
        return;
    }
    char buf[65536];
    while (!s->paused) {
        ERR_clear_error();
        int n = SSL_read(s->ssl, buf, (int)sizeof(buf));
        if (n <= 0)
            break;
        s->records++;
        redisReaderFeed(s->rd, buf, (size_t)n);
        void *obj;
        while (redisReaderGetReply(s->rd, &obj) == REDIS_OK && obj) {
            tsrv_answer(s, obj);
            freeReplyObject(obj);
        }
    }
    tsrv_flush(s);
}

static void tsrv_accept(int fd, int revents, void *arg)
{
    struct tsrv *s = arg;
    (void)revents;
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return;
    if (s->fd >= 0) {
        close(c);
        return;
    }
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    s->fd = c;
    s->ssl = SSL_new(s->ctx);
    SSL_set_fd(s->ssl, c);
    SSL_set_accept_state(s->ssl);
    s->w = loop_watch(s->l, c, REACTOR_READ, tsrv_io, s);
}

static void tsrv_start(struct tsrv *s, struct loop *l)
{
    memset(s, 0, sizeof(*s));
    s->l = l;
    s->fd = -1;
    buf_init(&s->out, 0);
    s->rd = redisReaderCreate();
    s->rd->maxbuf = 0;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(key);
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 77);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"batch test", -1, -1,
                               0);
    X509_set_issuer_name(x, nm);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    s->ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(s->ctx);
    assert_int_equal(SSL_CTX_use_certificate(s->ctx, x), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, key), 1);
    SSL_CTX_set_mode(s->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    X509_free(x);
    EVP_PKEY_free(key);
    s->ls = rfx_listen(4, &s->port);
    s->lw = loop_watch(l, s->ls, REACTOR_READ, tsrv_accept, s);
}

static void tsrv_stop(struct tsrv *s)
{
    if (s->w)
        loop_unwatch(s->l, s->w);
    if (s->ssl)
        SSL_free(s->ssl);
    if (s->fd >= 0)
        close(s->fd);
    loop_unwatch(s->l, s->lw);
    close(s->ls);
    SSL_CTX_free(s->ctx);
    redisReaderFree(s->rd);
    buf_free(&s->out);
}

static struct rconn *tsrv_connect(struct loop *l, struct tsrv *s, struct rconn_tls **tls)
{
    struct rconn_error err;
    struct rconn_tls_options to = {.insecure = true};
    *tls = rconn_tls_new(&to, &err);
    assert_non_null(*tls);
    struct rconn_options o = {
        .host = "127.0.0.1",
        .port = s->port,
        .tls = *tls,
        .connect_timeout_ms = rfx_scale(5000),
        .command_timeout_ms = rfx_scale(20000),
    };
    struct rconn *c = rconn_open(l, &o);
    assert_non_null(c);
    struct rfx_wait w;
    const char *argv[] = {"PING"};
    rfx_cmdv(l, c, &w, 1, argv);
    assert_false(w.has_err);
    assert_string_equal(w.reply->str, "PONG");
    rfx_wait_free(&w);
    return c;
}

/* ---- replies, in order ---- */

#define NCMD 100

struct order {
    size_t next; /* the index the next reply must carry */
    size_t got;
    bool wrong;
    char why[RCONN_ERRMSG_MAX + 64];
};

static void order_cb(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct order *o = arg;
    (void)c;
    char want[32];
    snprintf(want, sizeof(want), "%zu", o->next);
    if (res->err) {
        o->wrong = true;
        snprintf(o->why, sizeof(o->why), "reply %zu: %s", o->next, res->err->msg);
    } else if (res->reply->type == REDIS_REPLY_INTEGER) {
        if (res->reply->integer != (long long)o->next) {
            o->wrong = true;
            snprintf(o->why, sizeof(o->why), "reply %zu: got :%lld", o->next, res->reply->integer);
        }
    } else if (res->reply->type != REDIS_REPLY_STRING || strcmp(res->reply->str, want) != 0) {
        o->wrong = true;
        snprintf(o->why, sizeof(o->why), "reply %zu: got %s", o->next,
                 res->reply->str ? res->reply->str : "(not a string)");
    }
    o->next++;
    o->got++;
}

/* ---- one write before the loop sleeps ---- */

struct batch {
    struct loop *l;
    struct rconn *c;
    struct order ord;
    uint64_t writes0, bytes0;
    bool queued;
    /* what a before-sleep hook registered after the connection's saw in
     * its first pass after the commands were queued */
    bool probed;
    uint64_t probe_writes, probe_bytes;
};

static void batch_queue(void *arg)
{
    struct batch *b = arg;
    struct rconn_info ci;
    rconn_get_info(b->c, &ci);
    b->writes0 = ci.writes;
    b->bytes0 = ci.bytes_out;
    for (size_t i = 0; i < NCMD; i++) {
        char n[32];
        snprintf(n, sizeof(n), "%zu", i);
        const char *argv[] = {"ECHO", n};
        assert_int_equal(rconn_command_argv(b->c, 2, argv, NULL, 0, order_cb, &b->ord), 0);
    }
    b->queued = true;
}

static void batch_probe(void *arg)
{
    struct batch *b = arg;
    if (!b->queued || b->probed)
        return;
    struct rconn_info ci;
    rconn_get_info(b->c, &ci);
    b->probed = true;
    b->probe_writes = ci.writes;
    b->probe_bytes = ci.bytes_out;
}

static void test_queued_in_one_iteration_one_write(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct tsrv s;
    tsrv_start(&s, l);
    struct rconn_tls *tls;
    struct batch b = {.l = l};
    b.c = tsrv_connect(l, &s, &tls);
    assert_int_equal(loop_before_sleep(l, batch_probe, &b), 0);
    uint64_t records0 = s.records;
    size_t requests0 = s.requests;
    /* queued from a timer: outside every callback of the connection */
    loop_timer(l, 0, batch_queue, &b);
    bool all = false;
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    while (b.ord.got < NCMD && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    all = b.ord.got == NCMD;
    assert_true(all);
    if (b.ord.wrong)
        fail_msg("%s", b.ord.why);
    /* written before the loop slept, in one write */
    assert_true(b.probed);
    assert_true(b.probe_bytes > b.bytes0);
    assert_int_equal(b.probe_writes - b.writes0, 1);
    struct rconn_info ci;
    rconn_get_info(b.c, &ci);
    assert_int_equal(ci.writes - b.writes0, 1);
    /* and read by the server as one TLS record, not one per command */
    assert_int_equal(s.requests - requests0, NCMD);
    assert_int_equal(s.records - records0, 1);
    loop_before_sleep_remove(l, batch_probe, &b);
    rconn_close(b.c);
    rconn_tls_unref(tls);
    tsrv_stop(&s);
    loop_free(l);
}

/* ---- a socket that takes no more ---- */

#define NBIG 8
#define BIG ((size_t)1024 * 1024)
#define NSMALL 8

static void put(struct rconn *c, long i, size_t len, struct order *o)
{
    char n[32];
    snprintf(n, sizeof(n), "%ld", i);
    char *p = mem_xmalloc(len);
    for (size_t j = 0; j < len; j++)
        p[j] = tsrv_pattern(i, j);
    const char *argv[] = {"PUT", n, p};
    size_t argvlen[] = {3, strlen(n), len};
    assert_int_equal(rconn_command_argv(c, 3, argv, argvlen, 0, order_cb, o), 0);
    free(p);
}

static void test_full_socket_loses_and_reorders_nothing(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct tsrv s;
    tsrv_start(&s, l);
    struct rconn_tls *tls;
    struct rconn *c = tsrv_connect(l, &s, &tls);
    struct order o = {0};
    /* the server stops reading: 8 MiB cannot all fit the sockets */
    s.paused = true;
    for (long i = 0; i < NBIG; i++)
        put(c, i, BIG, &o);
    struct rconn_info ci;
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    do {
        loop_run_once(l, 50);
        rconn_get_info(c, &ci);
    } while (ci.write_blocks == 0 && loop_now_ms(l) < deadline);
    if (ci.write_blocks == 0)
        fail_msg("the socket never filled (%llu bytes written)", (unsigned long long)ci.bytes_out);
    /* more commands while OpenSSL holds a partial record: they go after it */
    for (long i = NBIG; i < NBIG + NSMALL; i++)
        put(c, i, 1000 + (size_t)i, &o);
    for (int k = 0; k < 5; k++)
        loop_run_once(l, 10); /* still blocked: nothing may be lost meanwhile */
    assert_int_equal(o.got, 0);
    s.paused = false;
    deadline = loop_now_ms(l) + rfx_scale(20000);
    while (o.got < NBIG + NSMALL && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    if (s.bad)
        fail_msg("server: %s", s.why);
    if (o.wrong)
        fail_msg("%s", o.why);
    assert_int_equal(o.got, NBIG + NSMALL);
    rconn_get_info(c, &ci);
    assert_true(rconn_ready(c));
    assert_true(ci.write_blocks > 0);
    rconn_close(c);
    rconn_tls_unref(tls);
    tsrv_stop(&s);
    loop_free(l);
}

/* ---- loop_before_sleep_remove ---- */

struct hooks {
    struct loop *l;
    int a, b, c;
};

static void hook_b(void *arg);

static void hook_a(void *arg)
{
    struct hooks *h = arg;
    h->a++;
    if (h->a == 2)
        loop_before_sleep_remove(h->l, hook_b, h); /* after it in this pass */
}

static void hook_b(void *arg)
{
    ((struct hooks *)arg)->b++;
}

static void hook_c(void *arg)
{
    struct hooks *h = arg;
    h->c++;
    if (h->c == 3)
        loop_before_sleep_remove(h->l, hook_c, h); /* itself */
}

static void test_hook_removal(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct hooks h = {.l = l};
    loop_before_sleep(l, hook_a, &h);
    loop_before_sleep(l, hook_b, &h);
    loop_before_sleep(l, hook_c, &h);
    for (int i = 0; i < 5; i++)
        loop_run_once(l, 0);
    assert_int_equal(h.a, 5);
    assert_int_equal(h.b, 1); /* removed by a in the second pass, before it ran */
    assert_int_equal(h.c, 3);
    loop_before_sleep_remove(l, hook_a, &h);
    loop_run_once(l, 0);
    assert_int_equal(h.a, 5);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queued_in_one_iteration_one_write),
        cmocka_unit_test(test_full_socket_loses_and_reorders_nothing),
        cmocka_unit_test(test_hook_removal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
