/* typed_e2e.h - end-to-end harness of the typed-call tests: an aws_client on
 * the real event loop, pointed either at the sandbox (tests/sandbox/run:
 * moto extended, SigV4 checked, started per test binary and stopped by it)
 * or at a scripted local HTTP server (httpsrv.h) for what no emulator can
 * be made to do on cue (a page that never comes, a broken page 2, an
 * operation the sandbox lacks); typed callbacks that record (out, err) and
 * waits with deadlines; raw calls for what the module under test does not
 * type; per-run names. Header-only; include once, after cmocka.h and
 * wire_harness.h.
 */
#ifndef ELCUI_TESTS_TYPED_E2E_H
#define ELCUI_TESTS_TYPED_E2E_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws_client.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/kms.h"
#include "aws/mem.h"
#include "aws/profile.h"
#include "aws/query.h"
#include "core/loop.h"

#include "httpsrv.h"

#define E2E_START_DEADLINE_MS 60000
#define E2E_CALL_DEADLINE_MS 30000

struct e2e {
    struct loop *l;
    struct http_client *http;
    struct profile_store *store;
    struct creds_provider *creds;
    struct aws_client *c;
    /* sandbox */
    pid_t pid;
    int to_child; /* its stdin: closing it stops the sandbox */
    char endpoint[128];
    char region[32];
    /* scripted server */
    struct srv *srv;
};

static __attribute__((unused)) uint64_t e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static __attribute__((unused)) void e2e_env(const char *ak, const char *sk)
{
    static const char *const drop[] = {"AWS_PROFILE",
                                       "AWS_DEFAULT_PROFILE",
                                       "AWS_ENDPOINT_URL",
                                       "AWS_ENDPOINT_URL_ELASTICACHE",
                                       "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
                                       "AWS_ENDPOINT_URL_CLOUDWATCH",
                                       "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                       "AWS_MAX_ATTEMPTS",
                                       "AWS_SESSION_TOKEN",
                                       "AWS_SECURITY_TOKEN",
                                       "http_proxy",
                                       "https_proxy",
                                       "HTTP_PROXY",
                                       "HTTPS_PROXY",
                                       "ALL_PROXY",
                                       "all_proxy"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        unsetenv(drop[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/elcui-test/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/elcui-test/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ACCESS_KEY_ID", ak, 1);
    setenv("AWS_SECRET_ACCESS_KEY", sk, 1);
}

/* A client on the harness's loop, HTTP client and credentials, to its
 * endpoint, making up to max_attempts attempts (1 ms back-off units). */
static __attribute__((unused)) struct aws_client *e2e_new_client(struct e2e *x, int max_attempts)
{
    struct aws_error err;
    aws_error_init(&err);
    struct aws_client_options ao = {
        .reactor = loop_reactor(x->l),
        .http = x->http,
        .creds = x->creds,
        .store = x->store,
        .profile = "default",
        .region = x->region,
        .endpoint_url = x->endpoint,
        .max_attempts = max_attempts,
        .backoff_unit_ms = 1,
    };
    struct aws_client *c = aws_client_new(&ao, &err);
    if (!c)
        fail_msg("aws_client_new: %s", err.message ? err.message : err.code);
    aws_error_clear(&err);
    return c;
}

/* Loop, HTTP, credentials (from the environment) and the client. */
static __attribute__((unused)) void e2e_client(struct e2e *x)
{
    if (!x->l)
        x->l = loop_new();
    struct http_options ho = {0};
    x->http = http_client_new(loop_reactor(x->l), &ho);
    assert_non_null(x->http);
    struct aws_error err;
    aws_error_init(&err);
    x->store = profile_load(NULL, NULL, &err);
    assert_non_null(x->store);
    struct creds_options co = {
        .reactor = loop_reactor(x->l),
        .http = x->http,
        .store = x->store,
        .profile = "default",
        .region = x->region,
    };
    x->creds = creds_provider_new(&co);
    assert_non_null(x->creds);
    aws_error_clear(&err);
    x->c = e2e_new_client(x, 2);
}

static __attribute__((unused)) void e2e_kill(struct e2e *x)
{
    if (x->to_child >= 0) {
        close(x->to_child);
        x->to_child = -1;
    }
    if (x->pid <= 0)
        return;
    /* stdin EOF asks it to stop; SIGTERM, then SIGKILL, if it lingers */
    uint64_t t0 = e2e_now_ms();
    int sig = 0;
    for (;;) {
        int st;
        pid_t r = waitpid(x->pid, &st, WNOHANG);
        if (r == x->pid || (r < 0 && errno == ECHILD))
            break;
        uint64_t el = e2e_now_ms() - t0;
        if (el > 10000 && sig == 0) {
            kill(-x->pid, SIGTERM);
            sig = SIGTERM;
        } else if (el > 20000 && sig == SIGTERM) {
            kill(-x->pid, SIGKILL);
            sig = SIGKILL;
        }
        poll(NULL, 0, 20);
    }
    x->pid = 0;
}

/* Start tests/sandbox/run (empty seed, no Redis, no creation delay) and a
 * client signed with the keys it prints. */
static __attribute__((unused)) void e2e_sandbox_start(struct e2e *x)
{
    memset(x, 0, sizeof(*x));
    x->to_child = -1;
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execlp("python3", "python3", "tests/sandbox/run", "--seed", "empty", "--no-redis",
               "--create-delay", "0", "--stop-on-eof", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    x->pid = pid;
    close(in[0]);
    close(out[1]);
    x->to_child = in[1];
    char ak[128] = "", sk[128] = "";
    char buf[8192];
    size_t n = 0;
    bool ready = false;
    uint64_t deadline = e2e_now_ms() + E2E_START_DEADLINE_MS;
    while (!ready && e2e_now_ms() < deadline) {
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        int pr = poll(&p, 1, 200);
        if (pr <= 0)
            continue;
        ssize_t r = read(out[0], buf + n, sizeof(buf) - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        char *nl;
        while ((nl = strchr(buf, '\n'))) {
            *nl = '\0';
            char v[256];
            if (sscanf(buf, "export AWS_ENDPOINT_URL=%127s", v) == 1)
                snprintf(x->endpoint, sizeof(x->endpoint), "%.127s", v);
            else if (sscanf(buf, "export AWS_ACCESS_KEY_ID=%127s", v) == 1)
                snprintf(ak, sizeof(ak), "%.127s", v);
            else if (sscanf(buf, "export AWS_SECRET_ACCESS_KEY=%127s", v) == 1)
                snprintf(sk, sizeof(sk), "%.127s", v);
            else if (sscanf(buf, "export AWS_REGION=%31s", v) == 1)
                snprintf(x->region, sizeof(x->region), "%.31s", v);
            else if (strncmp(buf, "# sandbox ready", 15) == 0)
                ready = true;
            size_t used = (size_t)(nl - buf) + 1;
            memmove(buf, nl + 1, n - used + 1);
            n -= used;
        }
    }
    close(out[0]);
    if (!ready || !x->endpoint[0] || !ak[0] || !sk[0]) {
        e2e_kill(x);
        fail_msg("tests/sandbox/run did not become ready");
    }
    /* shell quoting of the secret: the sandbox quotes with shlex */
    char *k = sk;
    size_t kl = strlen(k);
    if (kl >= 2 && k[0] == '\'' && k[kl - 1] == '\'') {
        k[kl - 1] = '\0';
        k++;
    }
    e2e_env(ak, k);
    mem_wipe(sk, sizeof(sk));
    e2e_client(x);
}

/* A scripted server on the client's own loop; random credentials. */
static __attribute__((unused)) void e2e_local_start(struct e2e *x, srv_handler h, void *arg)
{
    memset(x, 0, sizeof(*x));
    x->to_child = -1;
    char ak[21] = "AKIA", sk[41];
    wire_random_token(ak + 4, 17);
    wire_random_token(sk, sizeof(sk));
    e2e_env(ak, sk);
    x->l = loop_new();
    x->srv = srv_start(x->l, h, arg);
    assert_non_null(x->srv);
    snprintf(x->endpoint, sizeof(x->endpoint), "http://127.0.0.1:%d", x->srv->port);
    snprintf(x->region, sizeof(x->region), "us-east-2");
    e2e_client(x);
}

static __attribute__((unused)) void e2e_stop(struct e2e *x)
{
    aws_client_free(x->c);
    creds_provider_free(x->creds);
    http_client_free(x->http);
    profile_free(x->store);
    srv_stop(x->srv);
    if (x->l)
        loop_free(x->l);
    e2e_kill(x);
    memset(x, 0, sizeof(*x));
    x->to_child = -1;
}

/* Run the loop until *flag, failing the test at the deadline. */
static __attribute__((unused)) void e2e_wait(struct e2e *x, const bool *flag, const char *what)
{
    uint64_t deadline = loop_now_ms(x->l) + E2E_CALL_DEADLINE_MS;
    if (!loop_run_until(x->l, flag, deadline))
        fail_msg("timed out waiting for %s", what);
}

/* Run the loop for about ms (to show that nothing more happens). */
static __attribute__((unused)) void e2e_idle(struct e2e *x, uint64_t ms)
{
    bool never = false;
    (void)loop_run_until(x->l, &never, loop_now_ms(x->l) + ms);
}

/* POST a JSON body to the sandbox's control API, synchronously (test
 * set-up only; the client under test is not involved). */
static __attribute__((unused)) int e2e_control(struct e2e *x, const char *path, const char *json)
{
    int port = 0;
    if (sscanf(x->endpoint, "http://127.0.0.1:%d", &port) != 1 &&
        sscanf(x->endpoint, "http://localhost:%d", &port) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    char head[512];
    int hl = snprintf(head, sizeof(head),
                      "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      path, port, strlen(json));
    if (write(fd, head, (size_t)hl) != hl ||
        write(fd, json, strlen(json)) != (ssize_t)strlen(json)) {
        close(fd);
        return -1;
    }
    char resp[4096];
    size_t n = 0;
    uint64_t deadline = e2e_now_ms() + 10000;
    while (n < sizeof(resp) - 1 && e2e_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t r = read(fd, resp + n, sizeof(resp) - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    resp[n] = '\0';
    int status = 0;
    if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    return status;
}

/* ---- the sandbox of a test binary (cmocka group fixtures) ---- */

static __attribute__((unused)) struct e2e e2e_sb;

static __attribute__((unused)) int e2e_sandbox_up(void **state)
{
    (void)state;
    e2e_sandbox_start(&e2e_sb);
    return 0;
}

static __attribute__((unused)) int e2e_sandbox_down(void **state)
{
    (void)state;
    e2e_stop(&e2e_sb);
    return 0;
}

/* A per-run name: "e2e-" and 9 random characters (lower case when lower,
 * for names that must be). out holds 32 bytes. */
static __attribute__((unused)) void e2e_stack_name(char *out, bool lower)
{
    snprintf(out, 32, "e2e-");
    wire_random_token(out + 4, 9);
    for (char *p = out; lower && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

/* ---- what a typed call delivered ---- */

/* One result slot per call: the typed callback fills it, the test waits
 * on done. {0} is an empty slot. */
struct ie_res {
    bool done;
    int calls;
    void *out;
    struct aws_error err;
};

/* Record (out, err), checking the contract: exactly one of them. */
static __attribute__((unused)) void ie_record(struct ie_res *r, void *out,
                                              const struct aws_error *err)
{
    r->calls++;
    r->done = true;
    r->out = out;
    aws_error_clear(&r->err);
    if (err)
        aws_error_copy(&r->err, err);
    if ((out == NULL) == (err == NULL))
        fail_msg("callback with out=%p err=%p", out, (const void *)err);
}

/* A typed callback that fills struct ie_res (one per output type). */
#define IE_CB(fn, type)                                                                            \
    static __attribute__((unused)) void fn(type *out, const struct aws_error *err, void *arg)      \
    {                                                                                              \
        ie_record(arg, (void *)out, err);                                                          \
    }

static __attribute__((unused)) void ie_reset(struct ie_res *r)
{
    aws_error_clear(&r->err);
    memset(r, 0, sizeof(*r));
    aws_error_init(&r->err);
}

/* The error's message, or its code when it has none. */
static __attribute__((unused)) const char *ie_msg(const struct ie_res *r)
{
    return r->err.message ? r->err.message : r->err.code;
}

/* The call must not have answered synchronously; run the loop until it
 * answers (E2E_CALL_DEADLINE_MS), and check it answered once. */
static __attribute__((unused)) void ie_wait(struct e2e *x, struct aws_call *call, struct ie_res *r,
                                            const char *what)
{
    assert_non_null(call);
    assert_false(r->done);
    e2e_wait(x, &r->done, what);
    assert_int_equal(r->calls, 1);
}

/* The same for a call started without keeping its handle, success
 * expected. */
static __attribute__((unused)) void ie_wait_ok(struct e2e *x, struct ie_res *r, const char *what)
{
    assert_false(r->done); /* never called synchronously */
    e2e_wait(x, &r->done, what);
    if (!r->out)
        fail_msg("%s: %s: %s", what, r->err.code, ie_msg(r));
    assert_int_equal(r->calls, 1);
}

/* Success expected: show the error (never a secret: messages are the
 * service's) when there is one. */
static __attribute__((unused)) void ie_ok(struct ie_res *r, const char *what)
{
    if (r->err.kind != AWS_ERR_NONE) {
        char *s = aws_error_format(&r->err);
        print_error("%s failed: %s\n", what, s);
        free(s);
        fail();
    }
    assert_non_null(r->out);
}

/* A service error with this code expected. */
static __attribute__((unused)) void ie_err(struct ie_res *r, const char *code)
{
    assert_null(r->out);
    if (r->err.kind != AWS_ERR_SERVICE || strcmp(r->err.code, code) != 0) {
        char *s = aws_error_format(&r->err);
        print_error("expected %s, got: %s\n", code, s);
        free(s);
        fail();
    }
}

/* A new KMS key (with that description) for what a test encrypts: its
 * ARN into arn[n]. */
IE_CB(ie_cb_key, struct kms_key_out)
static __attribute__((unused)) void ie_create_key(struct e2e *x, const char *description, char *arn,
                                                  size_t n)
{
    struct ie_res r = {0};
    ie_reset(&r);
    struct kms_create_key_in ck = {.description = description};
    ie_wait(x, kms_create_key(x->c, &ck, ie_cb_key, &r), &r, "CreateKey");
    ie_ok(&r, "CreateKey");
    snprintf(arn, n, "%s", ((struct kms_key_out *)r.out)->key.arn);
    kms_key_out_free(r.out);
}

/* ---- raw calls: operations the module under test does not type ---- */

struct e2e_raw {
    bool done;
    const char *path;
    char *value;
    struct aws_error err;
};

static __attribute__((unused)) void e2e_raw_cb(struct aws_response *resp, void *arg)
{
    struct e2e_raw *r = arg;
    r->done = true;
    aws_error_init(&r->err);
    if (resp->err.kind != AWS_ERR_NONE)
        aws_error_copy(&r->err, &resp->err);
    else if (r->path)
        r->value = query_text(resp->result, r->path);
}

/* One query/EC2 call straight through aws_client, failing the test on an
 * error; returns the text at path in the result (caller frees; the test
 * fails when it is absent), or NULL when path is NULL. Takes q. */
static __attribute__((unused)) char *e2e_raw_call(struct e2e *x, const struct svc *svc,
                                                  const char *op, struct query_params *q,
                                                  const char *path)
{
    struct e2e_raw r = {.path = path};
    struct aws_request req = {.svc = svc, .op = op, .query = q};
    assert_non_null(aws_client_call(x->c, &req, e2e_raw_cb, &r));
    e2e_wait(x, &r.done, op);
    if (r.err.kind != AWS_ERR_NONE || (path && !r.value))
        fail_msg("%s %s: %s", svc->name, op, r.err.message ? r.err.message : r.err.code);
    return r.value;
}

#endif
