/* test_rconn.c - one Redis connection against real servers (the sandbox
 * farm: a TLS node with AUTH, and a plain one) and against scripted fake
 * servers on the loop: TLS verification, --connect-to, AUTH and its
 * classification, credential providers with re-authentication, pipelining
 * order, timeouts, malformed RESP, and every failure class.
 *
 * ELCUI_BENCH_N=200000 makes the pipelining test a throughput benchmark
 * (it prints commands per second over TLS either way). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include "aws/mem.h"
#include "core/loop.h"
#include "core/redis/rconn.h"
#include "core/redis/rdns.h"

#include "redis_fixture.h"

static struct rfx_farm tls_farm, plain_farm;
static char other_ca[512];

/* ---- helpers ---- */

/* A self-signed CA that signed nothing the farm uses. */
static int write_other_ca(const char *path)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    int ok = key && x;
    if (ok) {
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 86400);
        X509_set_pubkey(x, key);
        X509_NAME *nm = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"other test CA",
                                   -1, -1, 0);
        X509_set_issuer_name(x, nm);
        ok = X509_sign(x, key, EVP_sha256()) > 0;
    }
    FILE *f = ok ? fopen(path, "w") : NULL;
    if (f) {
        ok = PEM_write_X509(f, x) == 1;
        fclose(f);
    } else {
        ok = 0;
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

static struct rconn_tls *tls_with(const char *ca, bool insecure)
{
    struct rconn_error err;
    struct rconn_tls_options o = {.cafile = ca, .insecure = insecure};
    struct rconn_tls *t = rconn_tls_new(&o, &err);
    assert_non_null(t);
    return t;
}

static const struct rfx_node *tls_node(void)
{
    return rfx_node(&tls_farm, 0, 0);
}

struct ev_rec {
    int ready, closed, reauth, reauth_failed;
    struct rconn_error last;
};

static void ev_cb(struct rconn *c, enum rconn_event ev, const struct rconn_error *err, void *arg)
{
    struct ev_rec *r = arg;
    (void)c;
    if (err)
        r->last = *err;
    switch (ev) {
    case RCONN_EV_READY:
        r->ready++;
        break;
    case RCONN_EV_CLOSED:
        r->closed++;
        break;
    case RCONN_EV_REAUTH:
        r->reauth++;
        break;
    case RCONN_EV_REAUTH_FAILED:
        r->reauth_failed++;
        break;
    }
}

/* Open with options and run PING: returns the wait record. */
static struct rconn *open_ping(struct loop *l, struct rconn_options *o, struct rfx_wait *w)
{
    struct rconn *c = rconn_open(l, o);
    assert_non_null(c);
    const char *argv[] = {"PING"};
    rfx_cmdv(l, c, w, 1, argv);
    assert_true(w->done);
    return c;
}

static void assert_err(const struct rfx_wait *w, enum rconn_err code, const char *needle)
{
    if (!w->has_err || w->err.code != code || (needle && !strstr(w->err.msg, needle))) {
        fprintf(stderr, "expected %s%s%s, got %s: %s\n", rconn_err_name(code),
                needle ? " with " : "", needle ? needle : "",
                w->has_err ? rconn_err_name(w->err.code) : "a reply", w->has_err ? w->err.msg : "");
        fail();
    }
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    static const char *const tls_args[] = {"--no-cluster", "--name", "rconn", NULL};
    static const char *const plain_args[] = {"--no-cluster", "--no-tls", "--no-auth",
                                             "--name",       "plain",    NULL};
    /* start both, then wait for both */
    if (rfx_farm_start(&tls_farm, tls_args) != 0 || rfx_farm_start(&plain_farm, plain_args) != 0)
        return -1;
    if (rfx_farm_wait(&tls_farm) != 0 || rfx_farm_wait(&plain_farm) != 0)
        return -1;
    snprintf(other_ca, sizeof(other_ca), "%s/other-ca.pem", tls_farm.dir);
    if (write_other_ca(other_ca) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rfx_farm_down(&tls_farm);
    rfx_farm_down(&plain_farm);
    return 0;
}

/* ---- TLS ---- */

static void test_tls_verified(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    const struct rfx_node *n = tls_node();
    struct ev_rec ev = {0};
    struct rconn_options o = {.host = "localhost",
                              .port = n->port,
                              .tls = t,
                              .password = tls_farm.token,
                              .client_name = "elcui-test",
                              .on_event = ev_cb,
                              .event_arg = &ev};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    assert_int_equal(w.reply->type, REDIS_REPLY_STATUS);
    assert_string_equal(w.reply->str, "PONG");
    rfx_wait_free(&w);
    assert_int_equal(ev.ready, 1);
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_int_equal(i.state, RCONN_S_READY);
    assert_true(i.tls);
    assert_false(i.insecure);
    assert_true(i.authenticated);
    assert_string_equal(i.verify_name, "localhost");
    assert_true(strncmp(i.tls_version, "TLSv1.", 6) == 0);
    assert_non_null(strstr(i.peer_subject, "CN="));
    assert_true(strlen(i.addr) > 0);
    /* CLIENT SETNAME went through */
    const char *argv[] = {"CLIENT", "GETNAME"};
    rfx_cmdv(l, c, &w, 2, argv);
    assert_false(w.has_err);
    assert_string_equal(w.reply->str, "elcui-test");
    rfx_wait_free(&w);
    /* an IP literal is checked as an IP (the farm's certificate has 127.0.0.1) */
    struct rconn_options o2 = {
        .host = "127.0.0.1", .port = n->port, .tls = t, .password = tls_farm.token};
    struct rconn *c2 = open_ping(l, &o2, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    rconn_get_info(c2, &i);
    assert_string_equal(i.verify_name, "127.0.0.1");
    rconn_close(c2);
    rconn_close(c);
    assert_int_equal(ev.closed, 0); /* closing is not an event */
    rconn_tls_unref(t);
    loop_free(l);
}

static void test_tls_wrong_ca(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(other_ca, false);
    struct rconn_options o = {
        .host = "localhost", .port = tls_node()->port, .tls = t, .password = tls_farm.token};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_TLS_VERIFY, "not trusted");
    assert_non_null(strstr(w.err.msg, other_ca)); /* names the CA it used */
    assert_non_null(strstr(w.err.msg, "localhost"));
    /* OpenSSL's reason is in the message */
    assert_non_null(strstr(w.err.msg, "certificate"));
    printf("# %s\n", w.err.msg);
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_int_equal(i.state, RCONN_S_CLOSED);
    assert_int_equal(i.failed_at, RCONN_S_TLS);
    assert_false(i.authenticated);
    /* nothing more can be queued */
    assert_int_equal(rconn_command(c, rfx_reply_cb, &w, "PING", NULL), -1);
    rconn_close(c);
    rconn_tls_unref(t);

    /* the system store does not know the farm's CA either */
    setenv("ELCUI_REDIS_CACERT", "", 1);
    t = tls_with(NULL, false);
    assert_string_equal(rconn_tls_ca_source(t), "system trust store");
    o.tls = t;
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_TLS_VERIFY, "system trust store");
    rconn_close(c);
    rconn_tls_unref(t);

    /* ELCUI_REDIS_CACERT is the CA when none is given */
    setenv("ELCUI_REDIS_CACERT", tls_farm.ca_file, 1);
    t = tls_with(NULL, false);
    assert_string_equal(rconn_tls_ca_source(t), tls_farm.ca_file);
    o.tls = t;
    c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    rconn_close(c);
    rconn_tls_unref(t);
    unsetenv("ELCUI_REDIS_CACERT");

    /* a CA file that is not there is a configuration error */
    struct rconn_error err;
    struct rconn_tls_options bad = {.cafile = "/nonexistent/ca.pem"};
    assert_null(rconn_tls_new(&bad, &err));
    assert_int_equal(err.code, RCONN_ERR_TLS_CONFIG);
    assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
    loop_free(l);
}

static void test_tls_wrong_name_and_connect_to(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    int port = tls_node()->port;
    struct rconn_error err;
    struct rconn_routes *rt = rconn_routes_new();
    char rule[128];
    /* a name that does not resolve: reached through --connect-to, and the
     * certificate is checked against that name, not the address used */
    snprintf(rule, sizeof(rule), "node-1.example.invalid:%d:127.0.0.1:%d", port, port);
    assert_int_equal(rconn_routes_add(rt, rule, &err), 0);
    /* any port for localhost goes to the real port */
    snprintf(rule, sizeof(rule), "localhost::127.0.0.1:%d", port);
    assert_int_equal(rconn_routes_add(rt, rule, &err), 0);

    struct rconn_options o = {.host = "node-1.example.invalid",
                              .port = port,
                              .tls = t,
                              .routes = rt,
                              .password = tls_farm.token};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_TLS_VERIFY, "does not match");
    assert_non_null(strstr(w.err.msg, "'node-1.example.invalid'"));
    assert_non_null(strstr(w.err.msg, "hostname mismatch"));
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_true(i.routed);
    assert_string_equal(i.connect_host, "127.0.0.1");
    rconn_close(c);

    /* localhost:1 is routed to the node; verification uses "localhost" */
    o.host = "localhost";
    o.port = 1;
    c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    rconn_get_info(c, &i);
    assert_true(i.routed);
    assert_int_equal(i.connect_port, port);
    assert_string_equal(i.verify_name, "localhost");
    assert_string_equal(rconn_name(c), "localhost:1");
    rconn_close(c);

    /* insecure turns verification off, and says so */
    struct rconn_tls *ti = tls_with(other_ca, true);
    assert_true(rconn_tls_insecure(ti));
    o.tls = ti;
    o.host = "node-1.example.invalid";
    o.port = port;
    c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    rconn_get_info(c, &i);
    assert_true(i.insecure);
    assert_string_equal(i.verify_name, "");
    rconn_close(c);

    /* rule syntax */
    assert_int_equal(rconn_routes_add(rt, "nonsense", &err), -1);
    assert_int_equal(err.code, RCONN_ERR_USAGE);
    assert_int_equal(rconn_routes_add(rt, "a:99999:b:1", &err), -1);
    assert_int_equal(rconn_routes_add(rt, "[::1]:6379:[::1]:7000", &err), 0);
    const char *addr;
    int p;
    assert_true(rconn_routes_lookup(rt, "::1", 6379, &addr, &p));
    assert_string_equal(addr, "::1");
    assert_int_equal(p, 7000);
    assert_false(rconn_routes_lookup(rt, "other", 6379, &addr, &p));
    assert_string_equal(addr, "other");
    assert_int_equal(p, 6379);
    rconn_routes_free(rt);
    rconn_tls_unref(ti);
    rconn_tls_unref(t);
    loop_free(l);
}

/* --resolve: a list of addresses and a hosts file (read at every lookup),
 * wildcards, and what a rule that cannot answer says. TLS still checks the
 * endpoint's name. */
static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_resolve_rules(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    int port = tls_node()->port;
    struct rconn_error err;
    char hosts[300], rule[800], text[900];
    snprintf(hosts, sizeof(hosts), "%s/hosts", tls_farm.dir);
    /* a name only the file knows, among comments, other names and a line
     * longer than the reader's buffer */
    char longname[5000];
    memset(longname, 'x', sizeof(longname));
    longname[sizeof(longname) - 1] = '\0';
    FILE *f = fopen(hosts, "w");
    assert_non_null(f);
    fprintf(f,
            "# hosts for the test\n127.0.0.9 other.example.invalid\n10.0.0.1 %s\n"
            "127.0.0.1 node-1.example.invalid   # the node\n",
            longname);
    fclose(f);

    struct rconn_routes *rt = rconn_routes_new();
    snprintf(rule, sizeof(rule), "*.example.invalid:*:@%s", hosts);
    assert_int_equal(rconn_routes_add_kind(rt, rule, RCONN_RULE_RESOLVE, &err), 0);
    snprintf(rule, sizeof(rule), "localhost:%d:127.0.0.1", port);
    assert_int_equal(rconn_routes_add_kind(rt, rule, RCONN_RULE_RESOLVE, &err), 0);
    assert_int_equal(rconn_routes_count(rt, true), 2);
    assert_int_equal(rconn_routes_count(rt, false), 0);

    /* the file answers; the certificate (localhost) does not name it */
    struct rconn_options o = {.host = "node-1.example.invalid",
                              .port = port,
                              .tls = t,
                              .routes = rt,
                              .password = tls_farm.token};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_TLS_VERIFY, "does not match");
    assert_non_null(strstr(w.err.msg, "'node-1.example.invalid'"));
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_false(i.routed);
    assert_non_null(strstr(i.addr, "127.0.0.1:"));
    snprintf(text, sizeof(text), "--resolve *.example.invalid:*:@%s (line 4)", hosts);
    assert_string_equal(i.resolved_by, text);
    rconn_close(c);

    /* an address list: the name verifies and the rule is named */
    o.host = "localhost";
    c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    rconn_get_info(c, &i);
    snprintf(text, sizeof(text), "--resolve localhost:%d:127.0.0.1", port);
    assert_string_equal(i.resolved_by, text);
    assert_string_equal(i.verify_name, "localhost");
    rconn_close(c);

    /* a name under the domain the file does not list: no DNS fallback */
    o.host = "node-2.example.invalid";
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_DNS, "does not list node-2.example.invalid");
    assert_non_null(strstr(w.err.msg, hosts));
    rconn_close(c);

    /* names added while running are found (the file is read every time) */
    write_text(hosts, "127.0.0.1 node-2.example.invalid\n::1 node-2.example.invalid\n");
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_TLS_VERIFY, "does not match");
    rconn_close(c);

    /* a file that is gone, or a folder, is said */
    unlink(hosts);
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_DNS, "cannot read");
    rconn_close(c);
    rconn_routes_free(rt);
    rt = rconn_routes_new();
    snprintf(rule, sizeof(rule), "*:*:@%s", tls_farm.dir);
    assert_int_equal(rconn_routes_add(rt, rule, &err), 0);
    o.routes = rt;
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_DNS, "not a regular file");
    rconn_close(c);
    rconn_routes_free(rt);

    /* shapes: the kinds are told apart, wildcards are *.DOMAIN or * */
    rt = rconn_routes_new();
    assert_int_equal(rconn_routes_add(rt, "*.example.com:*:127.0.0.1:7000", &err), 0);
    assert_int_equal(rconn_routes_add(rt, "h.example:6379:[::1],127.0.0.2", &err), 0);
    assert_int_equal(rconn_routes_add(rt, "*:6379:@/etc/hosts", &err), 0);
    assert_int_equal(rconn_routes_count(rt, false), 1);
    assert_int_equal(rconn_routes_count(rt, true), 2);
    const char *addr, *what, *how;
    int p;
    assert_true(rconn_routes_lookup(rt, "a.b.example.com", 1234, &addr, &p));
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(p, 7000);
    assert_false(rconn_routes_lookup(rt, "example.com", 1234, &addr, &p));
    assert_false(rconn_routes_lookup(rt, "a.example.community", 1234, &addr, &p));
    assert_true(rconn_routes_resolve_rule(rt, "H.EXAMPLE", 6379, &what, &how));
    assert_string_equal(what, "[::1],127.0.0.2");
    assert_string_equal(how, "h.example:6379:[::1],127.0.0.2");
    assert_true(rconn_routes_resolve_rule(rt, "anything", 6379, &what, &how));
    assert_string_equal(what, "@/etc/hosts");
    assert_false(rconn_routes_resolve_rule(rt, "anything", 6380, &what, &how));
    static const char *const bad[] = {
        "a:1:b",         "a:1:1.2.3.4,",  "a:1:@",    "*a.com:1:1.2.3.4",
        "a.*.com:1:b:2", "*.:1:1.2.3.4",  "a:1:::1",  "a:1:[::1]x",
        "a:x:1.2.3.4",   "a:1:1.2.3.4:*", "a:1:[zz]",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        if (rconn_routes_add(rt, bad[k], &err) == 0) {
            fprintf(stderr, "accepted: %s\n", bad[k]);
            fail();
        }
        assert_non_null(strstr(err.msg, "--resolve"));
    }
    /* each option takes its own kind only */
    assert_int_equal(rconn_routes_add_kind(rt, "a:1:127.0.0.1", RCONN_RULE_CONNECT_TO, &err), -1);
    assert_non_null(strstr(err.msg, "bad --connect-to"));
    assert_int_equal(rconn_routes_add_kind(rt, "a:1:b:2", RCONN_RULE_RESOLVE, &err), -1);
    assert_non_null(strstr(err.msg, "bad --resolve"));
    /* an IP is never looked up in a rule */
    struct rconn_routes *copy = rconn_routes_dup(rt);
    assert_int_equal(rconn_routes_count(copy, true), 2);
    rconn_routes_free(copy);
    rconn_routes_free(rt);
    rconn_tls_unref(t);
    loop_free(l);
}

static void test_tls_against_plain_and_back(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    const struct rfx_node *pn = rfx_node(&plain_farm, 0, 0);
    /* TLS on, server plain: either it answers in plain text, or it waits
     * silently for a command; both are a TLS handshake failure */
    struct rconn_options o = {.host = "127.0.0.1",
                              .port = pn->port,
                              .tls = t,
                              .connect_timeout_ms = rfx_scale_mild(1500)};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_TLS_HANDSHAKE, NULL);
    assert_non_null(strstr(w.err.msg, "TLS"));
    rconn_close(c);

    /* TLS off, server TLS-only: it drops the connection */
    struct rconn_options o2 = {.host = "127.0.0.1",
                               .port = tls_node()->port,
                               .password = tls_farm.token,
                               .connect_timeout_ms = rfx_scale(3000)};
    c = open_ping(l, &o2, &w);
    assert_err(&w, RCONN_ERR_TLS_HANDSHAKE, "requires TLS");
    rconn_close(c);

    /* plain against plain works; without a token the PING probe passes */
    struct rconn_options o3 = {.host = "127.0.0.1", .port = pn->port};
    c = open_ping(l, &o3, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_false(i.tls);
    assert_string_equal(i.tls_version, "");
    assert_false(i.authenticated);
    assert_string_equal(i.auth_warning, "");
    rconn_close(c);

    /* a token sent to a server that has none: usable, with a warning */
    o3.password = "some-token";
    c = open_ping(l, &o3, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    rconn_get_info(c, &i);
    assert_false(i.authenticated);
    assert_non_null(strstr(i.auth_warning, "no password"));
    rconn_close(c);
    rconn_tls_unref(t);
    loop_free(l);
}

/* ---- AUTH ---- */

static void test_auth_classified(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    const char *wrong = "not-the-token-7c1d";
    struct ev_rec ev = {0};
    struct rconn_options o = {.host = "localhost",
                              .port = tls_node()->port,
                              .tls = t,
                              .password = wrong,
                              .on_event = ev_cb,
                              .event_arg = &ev};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_AUTH_WRONGPASS, "WRONGPASS");
    assert_null(strstr(w.err.msg, wrong)); /* never the secret */
    assert_int_equal(ev.closed, 1);
    assert_int_equal(ev.last.code, RCONN_ERR_AUTH_WRONGPASS);
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_int_equal(i.failed_at, RCONN_S_AUTH);
    assert_non_null(i.error);
    rconn_close(c);

    /* no token at all: the PING probe meets NOAUTH */
    o.password = NULL;
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_AUTH_NOAUTH, "NOAUTH");
    rconn_close(c);

    rconn_tls_unref(t);
    loop_free(l);
    assert_true(strlen(rconn_err_hint(RCONN_ERR_AUTH_WRONGPASS)) > 0);
    assert_string_equal(rconn_err_name(RCONN_ERR_CONNECT_TIMEOUT), "connect-timeout");
}

/* ACL SETUSER through an admin connection. */
static void acl_setuser(struct loop *l, struct rconn *admin, const char *user, const char *pw)
{
    char pass[128];
    snprintf(pass, sizeof(pass), ">%s", pw);
    const char *argv[] = {"ACL", "SETUSER", user, "reset", "on", pass, "~*", "&*", "+@all"};
    struct rfx_wait w;
    rfx_cmdv(l, admin, &w, 9, argv);
    assert_false(w.has_err);
    assert_int_equal(w.reply->type, REDIS_REPLY_STATUS);
    rfx_wait_free(&w);
}

static void whoami(struct loop *l, struct rconn *c, const char *expect)
{
    const char *argv[] = {"ACL", "WHOAMI"};
    struct rfx_wait w;
    rfx_cmdv(l, c, &w, 2, argv);
    assert_false(w.has_err);
    assert_string_equal(w.reply->str, expect);
    rfx_wait_free(&w);
}

static void test_rbac_user(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    struct rconn *admin = rfx_connect(l, &tls_farm, t, "localhost", tls_node()->port);
    assert_non_null(admin);
    acl_setuser(l, admin, "ops-alice", "alice-pw-1");
    struct rconn_options o = {.host = "localhost",
                              .port = tls_node()->port,
                              .tls = t,
                              .user = "ops-alice",
                              .password = "alice-pw-1"};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    whoami(l, c, "ops-alice");
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_string_equal(i.user, "ops-alice");
    rconn_close(c);
    /* wrong password for the user */
    o.password = "alice-pw-2";
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_AUTH_WRONGPASS, NULL);
    rconn_close(c);
    rconn_close(admin);
    rconn_tls_unref(t);
    loop_free(l);
}

/* A credential provider that answers from a timer (as IAM minting would
 * after an HTTP call), handing out short-lived passwords. */
struct prov {
    struct loop *l;
    int calls;
    int reauth_calls;
    const char *users[4];
    const char *secrets[4];
    uint64_t lifetime_ms;
    bool fail;
    struct rconn_cred_req *pending;
};

static void prov_answer(void *arg)
{
    struct prov *p = arg;
    struct rconn_cred_req *req = p->pending;
    p->pending = NULL;
    int k = p->calls - 1 < 3 ? p->calls - 1 : 3;
    if (p->fail) {
        rconn_cred_done(req, NULL, "token service unreachable");
        return;
    }
    struct rconn_cred cr = {
        .user = p->users[k],
        .secret = p->secrets[k],
        .expires_wall_ms = loop_wall_ms(p->l) + (int64_t)p->lifetime_ms,
    };
    rconn_cred_done(req, &cr, NULL);
}

static void prov_fn(struct rconn_cred_req *req, void *arg)
{
    struct prov *p = arg;
    p->calls++;
    if (rconn_cred_req_is_reauth(req))
        p->reauth_calls++;
    p->pending = req;
    loop_timer(p->l, 1, prov_answer, p);
}

static void test_credential_provider_reauth(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    struct rconn *admin = rfx_connect(l, &tls_farm, t, "localhost", tls_node()->port);
    assert_non_null(admin);
    acl_setuser(l, admin, "iam-1", "short-lived-1");
    acl_setuser(l, admin, "iam-2", "short-lived-2");
    struct prov p = {
        .l = l,
        .users = {"iam-1", "iam-2", "iam-2", "iam-2"},
        .secrets = {"short-lived-1", "short-lived-2", "short-lived-2", "short-lived-2"},
        .lifetime_ms = rfx_scale_mild(1200)};
    struct ev_rec ev = {0};
    struct rconn_options o = {.host = "localhost",
                              .port = tls_node()->port,
                              .tls = t,
                              .cred = prov_fn,
                              .cred_arg = &p,
                              .reauth_margin_ms = rfx_scale_mild(400),
                              .on_event = ev_cb,
                              .event_arg = &ev};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    whoami(l, c, "iam-1");
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_true(i.auth_expires_wall_ms > loop_wall_ms(l));
    /* before the credential expires the connection authenticates again
     * with a fresh one from the provider */
    bool reauthed = false;
    uint64_t deadline = loop_now_ms(l) + rfx_scale(5000);
    while (!reauthed && loop_now_ms(l) < deadline) {
        loop_run_once(l, 50);
        reauthed = ev.reauth >= 1;
    }
    assert_true(reauthed);
    assert_true(p.reauth_calls >= 1);
    whoami(l, c, "iam-2");
    rconn_get_info(c, &i);
    assert_true(i.reauths >= 1);
    assert_string_equal(i.user, "iam-2");

    /* a re-authentication that is refused keeps the connection working */
    p.secrets[2] = p.secrets[3] = "revoked";
    int failed_before = ev.reauth_failed;
    deadline = loop_now_ms(l) + rfx_scale(5000);
    while (ev.reauth_failed == failed_before && loop_now_ms(l) < deadline)
        loop_run_once(l, 50);
    assert_true(ev.reauth_failed > failed_before);
    assert_int_equal(ev.last.code, RCONN_ERR_AUTH_WRONGPASS);
    assert_true(rconn_ready(c));
    whoami(l, c, "iam-2");
    rconn_close(c);

    /* a provider that fails: the connection fails with class "auth" */
    struct prov bad = {.l = l, .fail = true};
    o.cred_arg = &bad;
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_AUTH, "token service unreachable");
    rconn_close(c);

    /* the connection goes away while the provider is still working: its
     * late answer is harmless */
    struct prov slow = {
        .l = l,
        .users = {"iam-1", "iam-1", "iam-1", "iam-1"},
        .secrets = {"short-lived-1", "short-lived-1", "short-lived-1", "short-lived-1"},
        .lifetime_ms = 60000};
    o.cred_arg = &slow;
    c = rconn_open(l, &o);
    while (slow.calls == 0 && loop_run_once(l, 100) >= 0 && !slow.calls)
        ;
    assert_int_equal(slow.calls, 1);
    rconn_close(c);
    bool flag = false;
    rfx_run(l, &flag, 100);
    assert_null(slow.pending);
    rconn_close(admin);
    rconn_tls_unref(t);
    loop_free(l);
}

/* ---- pipelining ---- */

struct pipe_rec {
    int next; /* expected index of the next callback */
    int bad;
    int n;
    uint64_t max_latency;
};

struct pipe_arg {
    struct pipe_rec *rec;
    int index;
    bool is_get;
    long long expect;
};

static void pipe_cb(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct pipe_arg *a = arg;
    (void)c;
    if (a->index != a->rec->next)
        a->rec->bad++;
    a->rec->next++;
    if (res->err || (a->is_get && (res->reply->type != REDIS_REPLY_STRING ||
                                   strtoll(res->reply->str, NULL, 10) != a->expect)))
        a->rec->bad++;
    if (res->latency_us > a->rec->max_latency)
        a->rec->max_latency = res->latency_us;
}

static void test_pipelining_order_and_throughput(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    struct rconn *c = rfx_connect(l, &tls_farm, t, "localhost", tls_node()->port);
    assert_non_null(c);
    long n = 20000;
    const char *env = getenv("ELCUI_BENCH_N");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v > 0 && v <= 10000000)
            n = v;
    }
    if (getenv("ELCUI_UNDER_VALGRIND"))
        n = 2000;
    struct pipe_rec rec = {0};
    struct pipe_arg *args = mem_xcalloc((size_t)n, sizeof(*args));
    uint64_t t0 = rconn_now_us();
    for (long i = 0; i < n; i++) {
        char val[32];
        snprintf(val, sizeof(val), "%ld", i / 2);
        args[i].rec = &rec;
        args[i].index = (int)i;
        args[i].is_get = i % 2 == 1;
        args[i].expect = i / 2;
        const char *set[] = {"SET", "pipe:k", val};
        const char *get[] = {"GET", "pipe:k"};
        int rc = args[i].is_get ? rconn_command_argv(c, 2, get, NULL, 0, pipe_cb, &args[i])
                                : rconn_command_argv(c, 3, set, NULL, 0, pipe_cb, &args[i]);
        assert_int_equal(rc, 0);
    }
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_int_equal(i.pending, (size_t)n);
    uint64_t deadline = loop_now_ms(l) + rfx_scale(60000);
    while (rec.next < n && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    uint64_t us = rconn_now_us() - t0;
    assert_int_equal(rec.next, n);
    assert_int_equal(rec.bad, 0);
    printf("# pipelined over TLS: %ld commands in %.1f ms = %.0f commands/s (max latency %.1f "
           "ms)\n",
           n, us / 1000.0, n * 1e6 / (double)(us ? us : 1), rec.max_latency / 1000.0);
    free(args);
    rconn_close(c);

    /* the reply cap applies to one reply, not to a read full of small ones */
    struct rconn_options small = {.host = "localhost",
                                  .port = tls_node()->port,
                                  .tls = t,
                                  .password = tls_farm.token,
                                  .max_reply_bytes = 1024};
    c = rconn_open(l, &small);
    struct pipe_rec rec2 = {0};
    struct pipe_arg pa[500];
    for (int k = 0; k < 500; k++) {
        pa[k] = (struct pipe_arg){.rec = &rec2, .index = k, .is_get = true, .expect = n / 2 - 1};
        const char *get[] = {"GET", "pipe:k"};
        assert_int_equal(rconn_command_argv(c, 2, get, NULL, 0, pipe_cb, &pa[k]), 0);
    }
    deadline = loop_now_ms(l) + rfx_scale(20000);
    while (rec2.next < 500 && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    assert_int_equal(rec2.next, 500);
    assert_int_equal(rec2.bad, 0);
    /* larger than one read and than the cap: skipped, the connection stays in step */
    char *big = mem_xmalloc(100001);
    memset(big, 'b', 100000);
    big[100000] = '\0';
    const char *setbig[] = {"SET", "pipe:big", big};
    struct rfx_wait w;
    rfx_cmdv(l, c, &w, 3, setbig);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    const char *getbig[] = {"GET", "pipe:big"};
    rfx_cmdv(l, c, &w, 2, getbig);
    assert_err(&w, RCONN_ERR_TOO_LARGE, "1 KiB --max-reply-size");
    const char *getk[] = {"GET", "pipe:k"};
    rfx_cmdv(l, c, &w, 2, getk);
    assert_false(w.has_err);
    assert_int_equal(strtoll(w.reply->str, NULL, 10), n / 2 - 1);
    rfx_wait_free(&w);
    assert_true(rconn_ready(c));
    free(big);
    rconn_close(c);
    rconn_tls_unref(t);
    loop_free(l);
}

/* ---- timeouts and closing ---- */

struct close_rec {
    struct rconn *c;
    int calls;
    int closed_errors;
    int timeouts;
};

static void close_in_cb(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct close_rec *r = arg;
    r->calls++;
    if (res->err && res->err->code == RCONN_ERR_CLOSED)
        r->closed_errors++;
    if (res->err && res->err->code == RCONN_ERR_TIMEOUT)
        r->timeouts++;
    if (r->calls == 1 && !res->err)
        rconn_close(c); /* from inside its own callback */
}

static void test_timeout_and_close(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn_tls *t = tls_with(tls_farm.ca_file, false);
    struct rconn *c = rfx_connect(l, &tls_farm, t, "localhost", tls_node()->port);
    assert_non_null(c);
    /* BLPOP on an empty list blocks the server side: the command times out,
     * the connection closes, and what was queued behind it fails "closed" */
    struct close_rec r = {0};
    const char *blpop[] = {"BLPOP", "timeout:empty", "0"};
    const char *ping[] = {"PING"};
    assert_int_equal(rconn_command_argv(c, 3, blpop, NULL, rfx_scale_mild(300), close_in_cb, &r),
                     0);
    assert_int_equal(rconn_command_argv(c, 1, ping, NULL, RCONN_NO_TIMEOUT, close_in_cb, &r), 0);
    uint64_t deadline = loop_now_ms(l) + rfx_scale(5000);
    while (r.calls < 2 && loop_now_ms(l) < deadline)
        loop_run_once(l, 50);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.timeouts, 1);
    assert_int_equal(r.closed_errors, 1);
    assert_int_equal(rconn_state(c), RCONN_S_CLOSED);
    assert_int_equal(rconn_command_argv(c, 1, ping, NULL, 0, close_in_cb, &r), -1);
    rconn_close(c);

    /* closing from inside a reply callback fails the rest, once each */
    c = rfx_connect(l, &tls_farm, t, "localhost", tls_node()->port);
    assert_non_null(c);
    struct close_rec r2 = {0};
    for (int k = 0; k < 5; k++)
        assert_int_equal(rconn_command_argv(c, 1, ping, NULL, 0, close_in_cb, &r2), 0);
    deadline = loop_now_ms(l) + rfx_scale(5000);
    while (r2.calls < 5 && loop_now_ms(l) < deadline)
        loop_run_once(l, 50);
    assert_int_equal(r2.calls, 5);
    assert_int_equal(r2.closed_errors, 4);
    /* let the loop settle: nothing may touch the freed connection */
    bool never = false;
    rfx_run(l, &never, 50);

    /* closing with commands still waiting for the connection */
    c = rconn_open(l, &(struct rconn_options){.host = "localhost",
                                              .port = tls_node()->port,
                                              .tls = t,
                                              .password = tls_farm.token});
    struct close_rec r3 = {0};
    assert_int_equal(rconn_command_argv(c, 1, ping, NULL, 0, close_in_cb, &r3), 0);
    rconn_close(c);
    assert_int_equal(r3.calls, 1);
    assert_int_equal(r3.closed_errors, 1);
    rfx_run(l, &never, 50);
    rconn_tls_unref(t);
    loop_free(l);
}

/* ---- network failures ---- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_network_failures(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rfx_wait w;
    /* refused */
    int port = free_port();
    struct rconn_options o = {.host = "127.0.0.1", .port = port};
    struct rconn *c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_CONNECT_REFUSED, "refused");
    rconn_close(c);

    /* a name that does not resolve */
    o.host = "no-such-node.example.invalid";
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_DNS, "no-such-node.example.invalid");
    struct rconn_info i;
    rconn_get_info(c, &i);
    assert_int_equal(i.failed_at, RCONN_S_RESOLVING);
    rconn_close(c);

    /* connect timeout: a listener whose accept queue is full drops SYNs */
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ls, 0), 0);
    socklen_t len = sizeof(a);
    getsockname(ls, (struct sockaddr *)&a, &len);
    int filler = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(filler, (struct sockaddr *)&a, sizeof(a)), 0);
    o.host = "127.0.0.1";
    o.port = ntohs(a.sin_port);
    o.connect_timeout_ms = 300;
    uint64_t t0 = loop_now_ms(l);
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_CONNECT_TIMEOUT, "timed out");
    assert_true(loop_now_ms(l) - t0 >= 300);
    rconn_close(c);
    close(filler);
    close(ls);
    /* an unusable name fails from the loop, not at open */
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    o.host = longname;
    c = open_ping(l, &o, &w);
    assert_err(&w, RCONN_ERR_DNS, NULL);
    rconn_close(c);
    assert_null(rconn_open(l, &(struct rconn_options){.host = "x", .port = 0}));
    loop_free(l);
}

static void fake_expect(const char *script, size_t len, size_t repeat, size_t max_reply,
                        enum rconn_err code, const char *needle)
{
    struct loop *l = loop_new();
    struct fake f;
    fake_start(&f, l, script, len, repeat);
    struct rconn_options o = {.host = "127.0.0.1", .port = f.port, .max_reply_bytes = max_reply};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_err(&w, code, needle);
    rconn_close(c);
    fake_stop(&f);
    loop_free(l);
}

/* The first commands are answered, then the connection drops with a
 * protocol error naming needle. */
static void fake_expect_closed(const char *script, size_t len, const char *needle)
{
    struct loop *l = loop_new();
    struct fake f;
    fake_start(&f, l, script, len, 1);
    struct ev_rec ev = {0};
    struct rconn_options o = {
        .host = "127.0.0.1", .port = f.port, .on_event = ev_cb, .event_arg = &ev};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    uint64_t deadline = loop_now_ms(l) + rfx_scale(2000);
    while (ev.closed == 0 && loop_now_ms(l) < deadline)
        loop_run_once(l, 20);
    assert_int_equal(ev.closed, 1);
    assert_int_equal(ev.last.code, RCONN_ERR_PROTOCOL);
    assert_non_null(strstr(ev.last.msg, needle));
    rconn_close(c);
    fake_stop(&f);
    loop_free(l);
}

static void test_malformed_resp(void **state)
{
    (void)state;
    static const char bad_type[] = "!garbage\r\n";
    fake_expect(bad_type, sizeof(bad_type) - 1, 1, 0, RCONN_ERR_PROTOCOL, "reply type");
    static const char bad_len[] = "$-5\r\n";
    fake_expect(bad_len, sizeof(bad_len) - 1, 1, 0, RCONN_ERR_PROTOCOL, "length");
    static const char bad_int[] = ":12abc\r\n";
    fake_expect(bad_int, sizeof(bad_int) - 1, 1, 0, RCONN_ERR_PROTOCOL, NULL);
    static const char huge_array[] = "*3000000000\r\n";
    fake_expect(huge_array, sizeof(huge_array) - 1, 1, 0, RCONN_ERR_PROTOCOL, "array length");
    static const char long_len[] = "$0000000000000000000000000000000000000000000000000000001\r\n";
    fake_expect(long_len, sizeof(long_len) - 1, 1, 0, RCONN_ERR_PROTOCOL, "too long");
    static const char deep[] = "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n";
    fake_expect(deep, sizeof(deep) - 1, 1, 0, RCONN_ERR_PROTOCOL, NULL);
    /* a reply nobody asked for: the probe and PING are answered, then the
     * connection is dropped as a protocol error */
    static const char extra[] = "+PONG\r\n+PONG\r\n+EXTRA\r\n";
    fake_expect_closed(extra, sizeof(extra) - 1, "nobody asked");
    /* valid replies, then garbage */
    static const char then_bad[] = "+PONG\r\n+PONG\r\n?\r\n";
    fake_expect_closed(then_bad, sizeof(then_bad) - 1, "reply type");
    /* TLS bytes on a plain connection */
    static const char alert[] = "\x15\x03\x03\x00\x02\x02\x46";
    fake_expect(alert, sizeof(alert) - 1, 1, 0, RCONN_ERR_TLS_HANDSHAKE, "TLS");
}

/* ---- what a reply may cost ---- */

static void budget_handler(struct rfake *f, int argc, const redisReply *const *argv,
                           struct buf *out, void *arg)
{
    (void)f;
    (void)arg;
    static char payload[20000];
    memset(payload, 'p', sizeof(payload));
    if (rfake_is(argc, argv, 0, "PING")) {
        buf_appends(out, "+PONG\r\n");
    } else if (rfake_is(argc, argv, 0, "CUT")) {
        /* two kept, then a string that does not fit: it and the rest are dropped */
        buf_appends(out, "*5\r\n:1\r\n:2\r\n$20000\r\n");
        buf_append(out, payload, sizeof(payload));
        buf_appends(out, "\r\n:4\r\n*2\r\n+a\r\n$1\r\nb\r\n");
    } else if (rfake_is(argc, argv, 0, "ERRLINE")) {
        buf_appendc(out, '-');
        buf_append(out, payload, sizeof(payload));
        buf_appends(out, "\r\n");
    } else if (rfake_is(argc, argv, 0, "BULK")) {
        buf_appends(out, "$20000\r\n");
        buf_append(out, payload, sizeof(payload));
        buf_appends(out, "\r\n");
    } else if (rfake_is(argc, argv, 0, "WIDE")) {
        buf_appends(out, "*3000\r\n");
        for (int i = 0; i < 3000; i++)
            buf_appends(out, ":7\r\n");
    } else if (rfake_is(argc, argv, 0, "NESTED")) {
        /* the cut inside a nested array keeps a prefix at every level */
        buf_appends(out, "*3\r\n*2\r\n:1\r\n:2\r\n*2\r\n:3\r\n$20000\r\n");
        buf_append(out, payload, sizeof(payload));
        buf_appends(out, "\r\n:5\r\n");
    } else {
        buf_appends(out, "+OK\r\n");
    }
}

static void test_reply_budget(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rfake f;
    rfake_start(&f, l, budget_handler, NULL);
    struct ev_rec ev = {0};
    struct rconn_options o = {.host = "127.0.0.1",
                              .port = f.port,
                              .max_reply_bytes = 8192,
                              .on_event = ev_cb,
                              .event_arg = &ev};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    assert_false(w.has_err);
    rfx_wait_free(&w);

    const char *argv[1];

    /* an array cut where a string would pass the cap: what came before is kept */
    argv[0] = "CUT";
    rfx_cmdv(l, c, &w, 1, argv);
    assert_false(w.has_err);
    assert_int_equal(w.reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(w.reply->elements, 2);
    assert_int_equal(w.reply->element[0]->integer, 1);
    assert_int_equal(w.reply->element[1]->integer, 2);
    rfx_wait_free(&w);

    /* an error line and a string that fit nowhere: reply-too-large, nothing buffered */
    argv[0] = "ERRLINE";
    rfx_cmdv(l, c, &w, 1, argv);
    assert_err(&w, RCONN_ERR_TOO_LARGE, "8 KiB --max-reply-size");
    argv[0] = "BULK";
    rfx_cmdv(l, c, &w, 1, argv);
    assert_err(&w, RCONN_ERR_TOO_LARGE, "19.5 KiB of strings");

    /* a wide array keeps as many elements as fit */
    argv[0] = "WIDE";
    rfx_cmdv(l, c, &w, 1, argv);
    assert_false(w.has_err);
    assert_true(w.reply->elements > 50 && w.reply->elements < 3000);
    for (size_t i = 0; i < w.reply->elements; i++)
        assert_int_equal(w.reply->element[i]->integer, 7);
    rfx_wait_free(&w);

    argv[0] = "NESTED";
    rfx_cmdv(l, c, &w, 1, argv);
    assert_false(w.has_err);
    assert_int_equal(w.reply->elements, 2);
    assert_int_equal(w.reply->element[0]->elements, 2);
    assert_int_equal(w.reply->element[1]->elements, 1);
    assert_int_equal(w.reply->element[1]->element[0]->integer, 3);
    rfx_wait_free(&w);

    /* the connection stayed in step all along */
    argv[0] = "ECHO";
    rfx_cmdv(l, c, &w, 1, argv);
    assert_false(w.has_err);
    assert_string_equal(w.reply->str, "OK");
    rfx_wait_free(&w);
    assert_int_equal(ev.closed, 0);
    rconn_close(c);
    rfake_stop(&f);
    loop_free(l);
}

/* What was dropped is counted; the callback sees it in res->trunc. */
struct trunc_wait {
    bool done;
    bool has_trunc;
    struct rconn_trunc t;
    size_t elements;
};

static void trunc_cb(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct trunc_wait *tw = arg;
    (void)c;
    tw->done = true;
    if (res->trunc) {
        tw->has_trunc = true;
        tw->t = *res->trunc;
    }
    if (res->reply)
        tw->elements = res->reply->elements;
}

static void test_reply_budget_counts(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rfake f;
    rfake_start(&f, l, budget_handler, NULL);
    struct rconn_options o = {.host = "127.0.0.1", .port = f.port, .max_reply_bytes = 8192};
    struct rfx_wait w;
    struct rconn *c = open_ping(l, &o, &w);
    rfx_wait_free(&w);
    struct trunc_wait tw = {0};
    rconn_command(c, trunc_cb, &tw, "CUT", NULL);
    assert_true(rfx_run(l, &tw.done, 10000));
    assert_true(tw.has_trunc);
    assert_int_equal(tw.elements, 2);
    assert_int_equal(tw.t.kept, 3);    /* the array and two integers */
    assert_int_equal(tw.t.dropped, 5); /* the string, :4, the array and its two */
    assert_int_equal(tw.t.dropped_bytes, 20000 + 1 + 1);
    assert_int_equal(tw.t.limit, 8192);
    assert_true(tw.t.cost <= 8192);
    char text[400];
    rconn_trunc_text(&tw.t, text, sizeof(text));
    assert_non_null(strstr(text, "kept 3 objects"));
    assert_non_null(strstr(text, "5 objects"));
    /* a whole reply says nothing */
    memset(&tw, 0, sizeof(tw));
    rconn_command(c, trunc_cb, &tw, "ECHO", NULL);
    assert_true(rfx_run(l, &tw.done, 10000));
    assert_false(tw.has_trunc);
    rconn_close(c);
    rfake_stop(&f);
    loop_free(l);
}

static void test_sizes(void **state)
{
    (void)state;
    size_t v;
    assert_true(rconn_parse_size("64M", &v));
    assert_int_equal(v, 64u << 20);
    assert_true(rconn_parse_size("1GiB", &v));
    assert_int_equal(v, 1u << 30);
    assert_true(rconn_parse_size("512k", &v));
    assert_int_equal(v, 512u << 10);
    assert_true(rconn_parse_size("1.5G", &v));
    assert_int_equal(v, (size_t)3 << 29);
    assert_true(rconn_parse_size("100000", &v));
    assert_false(rconn_parse_size("10", &v));  /* below 64 KiB */
    assert_false(rconn_parse_size("17G", &v)); /* above 16 GiB */
    assert_false(rconn_parse_size("-5M", &v));
    assert_false(rconn_parse_size("5X", &v));
    assert_false(rconn_parse_size("", &v));
    char out[32];
    rconn_format_size(64u << 20, out, sizeof(out));
    assert_string_equal(out, "64 MiB");
    rconn_format_size(1536, out, sizeof(out));
    assert_string_equal(out, "1.5 KiB");
    rconn_format_size(100, out, sizeof(out));
    assert_string_equal(out, "100 B");
}

static void test_dns_workers_bounded(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn *cs[12];
    struct rfx_wait ws[12];
    for (int k = 0; k < 12; k++) {
        cs[k] = rconn_open(l, &(struct rconn_options){.host = "localhost", .port = free_port()});
        memset(&ws[k], 0, sizeof(ws[k]));
        rconn_command(cs[k], rfx_reply_cb, &ws[k], "PING", NULL);
        assert_true(rdns_workers() <= RDNS_MAX_THREADS);
    }
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    int done = 0;
    while (done < 12 && loop_now_ms(l) < deadline) {
        loop_run_once(l, 50);
        assert_true(rdns_workers() <= RDNS_MAX_THREADS);
        done = 0;
        for (int k = 0; k < 12; k++)
            done += ws[k].done;
    }
    assert_int_equal(done, 12);
    for (int k = 0; k < 12; k++) {
        assert_true(ws[k].has_err);
        assert_int_equal(ws[k].err.code, RCONN_ERR_CONNECT_REFUSED);
        rconn_close(cs[k]);
    }
    /* a lookup cancelled before it finished never calls back */
    struct rconn *c = rconn_open(l, &(struct rconn_options){.host = "localhost", .port = 1});
    rconn_close(c);
    bool never = false;
    rfx_run(l, &never, 100);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_verified),
        cmocka_unit_test(test_tls_wrong_ca),
        cmocka_unit_test(test_tls_wrong_name_and_connect_to),
        cmocka_unit_test(test_resolve_rules),
        cmocka_unit_test(test_tls_against_plain_and_back),
        cmocka_unit_test(test_auth_classified),
        cmocka_unit_test(test_rbac_user),
        cmocka_unit_test(test_credential_provider_reauth),
        cmocka_unit_test(test_pipelining_order_and_throughput),
        cmocka_unit_test(test_timeout_and_close),
        cmocka_unit_test(test_network_failures),
        cmocka_unit_test(test_malformed_resp),
        cmocka_unit_test(test_reply_budget),
        cmocka_unit_test(test_reply_budget_counts),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_dns_workers_bounded),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
