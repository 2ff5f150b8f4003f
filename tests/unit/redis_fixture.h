/* redis_fixture.h - real Redis for the client tests: the sandbox farm
 * (tests/sandbox/farm) started as a child, plus small synchronous helpers
 * over core/loop. Header-only (each test binary is built from one .c):
 * include it once, after <cmocka.h>.
 *
 * rfx_farm_up() runs `farm up --state-dir D --stop-on-eof ARGS...` with a
 * pipe on its stdin and reads the one JSON line it prints when the group
 * serves (deadline RFX_FARM_READY_S, scaled under valgrind). The farm
 * stops when the pipe closes: rfx_farm_down(), or the test process dying.
 * The AUTH token is read from the farm's token file into memory and wiped
 * on the way down; it is never printed.
 */
#ifndef ELCUI_TESTS_REDIS_FIXTURE_H
#define ELCUI_TESTS_REDIS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/loop.h"
#include "core/redis/rconn.h"

extern char **environ;

#define RFX_FARM_READY_S 90
#define RFX_MAX_NODES 32

struct rfx_node {
    char host[64];
    int port;
    char role[16];
    int pid;
    char name[64];    /* farm-0001-001: the cache cluster id stand-in */
    char node_id[64]; /* Redis node id (cluster mode) */
    int shard;
    int member;
};

struct rfx_farm {
    pid_t pid;
    int in_fd;  /* farm's stdin: closing it stops the farm */
    int out_fd; /* farm's stdout: the JSON line */
    char dir[256];
    char ca_file[512];
    char *token; /* secret */
    bool tls, cluster;
    struct rfx_node nodes[RFX_MAX_NODES];
    size_t nnodes;
    size_t nshards;
    char line[65536];
    size_t linelen;
};

static inline bool rfx_valgrind(void)
{
    const char *v = getenv("ELCUI_UNDER_VALGRIND");
    return v && *v && strcmp(v, "0") != 0;
}

/* Deadlines are multiplied under valgrind (TLS handshakes get slow). */
static inline uint64_t rfx_scale(uint64_t ms)
{
    return rfx_valgrind() ? ms * 20 : ms;
}

/* For durations the test waits out in full (credential lifetimes): enough
 * for a few round trips under valgrind, without making the test crawl. */
static inline uint64_t rfx_scale_mild(uint64_t ms)
{
    return rfx_valgrind() ? ms * 3 : ms;
}

static inline void rfx_rmtree(const char *dir)
{
    if (!dir || !*dir)
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[PATH_MAX];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                rfx_rmtree(path);
            else
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Path of the farm CLI: $ELCUI_FARM, ./tests/sandbox/farm, or relative to
 * the test binary (BUILD/tests/test_x -> ../../tests/sandbox/farm). */
static inline bool rfx_farm_path(char *out, size_t n)
{
    const char *env = getenv("ELCUI_FARM");
    if (env && *env && access(env, X_OK) == 0) {
        snprintf(out, n, "%s", env);
        return true;
    }
    if (access("tests/sandbox/farm", X_OK) == 0) {
        snprintf(out, n, "tests/sandbox/farm");
        return true;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        for (int up = 0; up < 3; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash)
                break;
            *slash = '\0';
        }
        size_t el = strlen(exe);
        static const char rel[] = "/tests/sandbox/farm";
        if (el + sizeof(rel) <= n) {
            memcpy(out, exe, el);
            memcpy(out + el, rel, sizeof(rel));
            if (access(out, X_OK) == 0)
                return true;
        }
    }
    return false;
}

static inline bool rfx_parse(struct rfx_farm *f)
{
    json_error_t je;
    json_t *root = json_loads(f->line, 0, &je);
    if (!root)
        return false;
    const char *ca = json_string_value(json_object_get(root, "ca_file"));
    const char *tokf = json_string_value(json_object_get(root, "token_file"));
    f->tls = json_is_true(json_object_get(root, "tls"));
    f->cluster = json_is_true(json_object_get(root, "cluster"));
    snprintf(f->ca_file, sizeof(f->ca_file), "%s", ca ? ca : "");
    json_t *shards = json_object_get(root, "shards");
    size_t si;
    json_t *shard;
    json_array_foreach(shards, si, shard)
    {
        size_t mi;
        json_t *nd;
        json_array_foreach(shard, mi, nd)
        {
            if (f->nnodes >= RFX_MAX_NODES)
                break;
            struct rfx_node *n = &f->nodes[f->nnodes++];
            const char *h = json_string_value(json_object_get(nd, "host"));
            const char *r = json_string_value(json_object_get(nd, "role"));
            const char *nm = json_string_value(json_object_get(nd, "name"));
            const char *id = json_string_value(json_object_get(nd, "node_id"));
            snprintf(n->host, sizeof(n->host), "%s", h ? h : "");
            snprintf(n->role, sizeof(n->role), "%s", r ? r : "");
            snprintf(n->name, sizeof(n->name), "%s", nm ? nm : "");
            snprintf(n->node_id, sizeof(n->node_id), "%s", id ? id : "");
            n->port = (int)json_integer_value(json_object_get(nd, "port"));
            n->pid = (int)json_integer_value(json_object_get(nd, "pid"));
            n->shard = (int)si;
            n->member = (int)mi;
        }
        f->nshards = si + 1;
    }
    bool ok = f->nnodes > 0;
    if (ok && tokf) {
        FILE *tf = fopen(tokf, "r");
        ok = tf != NULL;
        if (tf) {
            char buf[512];
            size_t n = fread(buf, 1, sizeof(buf) - 1, tf);
            fclose(tf);
            buf[n] = '\0';
            while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                buf[--n] = '\0';
            f->token = mem_xstrdup(buf);
            mem_wipe(buf, sizeof(buf));
        }
    }
    json_decref(root);
    return ok;
}

/* Start a farm; args are extra `farm up` arguments (NULL-terminated).
 * Returns 0 once it serves; -1 (with a message on stderr) otherwise. */
static inline int rfx_farm_start(struct rfx_farm *f, const char *const *args)
{
    memset(f, 0, sizeof(*f));
    f->pid = -1;
    f->in_fd = f->out_fd = -1;
    char farm[PATH_MAX];
    if (!rfx_farm_path(farm, sizeof(farm))) {
        fprintf(stderr, "redis_fixture: tests/sandbox/farm not found (run from the "
                        "repository root or set ELCUI_FARM)\n");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/elcui-rfx.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        f->dir[0] = '\0';
        return -1;
    }
    int in[2], out[2];
    if (pipe(in) != 0)
        return -1;
    if (pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    char errlog[512];
    snprintf(errlog, sizeof(errlog), "%s/farm.stderr", f->dir);
    const char *argv[40];
    int argc = 0;
    argv[argc++] = farm;
    argv[argc++] = "up";
    argv[argc++] = "--state-dir";
    argv[argc++] = f->dir;
    argv[argc++] = "--stop-on-eof";
    for (int i = 0; args && args[i] && argc < 38; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    int rc = posix_spawn(&f->pid, farm, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    f->in_fd = in[1];
    f->out_fd = out[0];
    fcntl(f->in_fd, F_SETFD, FD_CLOEXEC);
    fcntl(f->out_fd, F_SETFD, FD_CLOEXEC);
    if (rc != 0) {
        f->pid = -1;
        fprintf(stderr, "redis_fixture: cannot start %s: %s\n", farm, strerror(rc));
        return -1;
    }
    return 0;
}

static inline int rfx_farm_wait(struct rfx_farm *f)
{
    if (f->pid < 0)
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t deadline =
        ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (int64_t)rfx_scale(RFX_FARM_READY_S * 1000);
    for (;;) {
        char *nl = memchr(f->line, '\n', f->linelen);
        if (nl) {
            *nl = '\0';
            if (rfx_parse(f))
                return 0;
            fprintf(stderr, "redis_fixture: farm printed something else than its JSON line\n");
            return -1;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t now = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (now >= deadline || f->linelen + 1 >= sizeof(f->line)) {
            fprintf(stderr, "redis_fixture: farm not ready in time (see %s/farm.stderr)\n", f->dir);
            return -1;
        }
        struct pollfd p = {.fd = f->out_fd, .events = POLLIN};
        int n = poll(&p, 1, (int)(deadline - now));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            continue;
        ssize_t r = read(f->out_fd, f->line + f->linelen, sizeof(f->line) - 1 - f->linelen);
        if (r <= 0) {
            char buf[2048] = "";
            char path[512];
            snprintf(path, sizeof(path), "%s/farm.stderr", f->dir);
            FILE *ef = fopen(path, "r");
            if (ef) {
                size_t k = fread(buf, 1, sizeof(buf) - 1, ef);
                buf[k] = '\0';
                fclose(ef);
            }
            fprintf(stderr, "redis_fixture: farm exited before it was ready:\n%s\n", buf);
            return -1;
        }
        f->linelen += (size_t)r;
        f->line[f->linelen] = '\0';
    }
}

static inline void rfx_farm_down(struct rfx_farm *f)
{
    if (f->in_fd >= 0)
        close(f->in_fd); /* --stop-on-eof */
    f->in_fd = -1;
    if (f->pid > 0) {
        struct timespec ts = {0, 20 * 1000000};
        int status;
        bool gone = false;
        for (int i = 0; i < 1500 && !gone; i++) {
            pid_t w = waitpid(f->pid, &status, WNOHANG);
            gone = w == f->pid || (w < 0 && errno == ECHILD);
            if (!gone)
                nanosleep(&ts, NULL);
            if (i == 1000)
                kill(f->pid, SIGTERM);
        }
        if (!gone) {
            kill(f->pid, SIGKILL);
            waitpid(f->pid, &status, 0);
        }
    }
    f->pid = -1;
    if (f->out_fd >= 0)
        close(f->out_fd);
    f->out_fd = -1;
    mem_free_secret(f->token);
    f->token = NULL;
    rfx_rmtree(f->dir);
    f->dir[0] = '\0';
}

/* Node i of shard s (member 0 is the primary the farm started with). */
static inline const struct rfx_node *rfx_node(const struct rfx_farm *f, int shard, int member)
{
    for (size_t i = 0; i < f->nnodes; i++)
        if (f->nodes[i].shard == shard && f->nodes[i].member == member)
            return &f->nodes[i];
    return NULL;
}

/* ---- synchronous helpers over the loop ---- */

struct rfx_wait {
    bool done;
    redisReply *reply;
    struct rconn_error err;
    bool has_err;
    uint64_t latency_us;
};

static inline void rfx_reply_cb(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct rfx_wait *w = arg;
    (void)c;
    w->done = true;
    if (res->err) {
        w->err = *res->err;
        w->has_err = true;
    } else {
        w->reply = rconn_result_steal(res);
        w->latency_us = res->latency_us;
    }
}

static inline bool rfx_run(struct loop *l, const bool *flag, uint64_t ms)
{
    return loop_run_until(l, flag, loop_now_ms(l) + rfx_scale(ms));
}

/* Run one command on c and wait for it (reply or error in w). */
static inline bool rfx_cmdv(struct loop *l, struct rconn *c, struct rfx_wait *w, int argc,
                            const char *const *argv)
{
    memset(w, 0, sizeof(*w));
    if (rconn_command_argv(c, argc, argv, NULL, rfx_scale(10000), rfx_reply_cb, w) != 0) {
        w->done = true;
        w->has_err = true;
        rconn_error_set(&w->err, RCONN_ERR_CLOSED, "not queued");
        return true;
    }
    return rfx_run(l, &w->done, 15000);
}

static inline void rfx_wait_free(struct rfx_wait *w)
{
    if (w->reply)
        freeReplyObject(w->reply);
    w->reply = NULL;
}

/* Open a connection to a farm node (TLS when the farm is, with its CA and
 * token) and wait until it is ready. */
static inline struct rconn *rfx_connect(struct loop *l, const struct rfx_farm *f,
                                        struct rconn_tls *tls, const char *host, int port)
{
    struct rconn_options o = {
        .host = host,
        .port = port,
        .tls = f->tls ? tls : NULL,
        .password = f->token,
        .connect_timeout_ms = rfx_scale(5000),
    };
    struct rconn *c = rconn_open(l, &o);
    if (!c)
        return NULL;
    struct rfx_wait w;
    const char *argv[] = {"PING"};
    rfx_cmdv(l, c, &w, 1, argv);
    bool ok = !w.has_err && w.reply;
    rfx_wait_free(&w);
    if (!ok) {
        rconn_close(c);
        return NULL;
    }
    return c;
}

/* ---- a scripted fake server on the loop ----
 * Accepts one client; on its first request writes script (repeat times)
 * and then reads and discards whatever comes. */

struct fake {
    struct loop *l;
    int ls;
    struct loop_watch *lw;
    int cfd;
    struct loop_watch *cw;
    const char *script;
    size_t script_len;
    size_t repeat; /* send the script this many times */
    bool sent;
    int port;
};

/* A listening socket on 127.0.0.1, a port of the kernel's choosing. */
static inline int rfx_listen(int backlog, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, backlog), 0);
    socklen_t sl = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &sl);
    *port = ntohs(a.sin_port);
    return fd;
}

static inline void fake_client(int fd, int revents, void *arg)
{
    struct fake *f = arg;
    (void)revents;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
        loop_unwatch(f->l, f->cw);
        f->cw = NULL;
        close(f->cfd);
        f->cfd = -1;
        return;
    }
    if (!f->sent) {
        f->sent = true;
        for (size_t k = 0; k < f->repeat; k++) {
            size_t off = 0;
            while (off < f->script_len) {
                ssize_t w = write(fd, f->script + off, f->script_len - off);
                if (w <= 0)
                    break;
                off += (size_t)w;
            }
        }
    }
}

static inline void fake_accept(int fd, int revents, void *arg)
{
    struct fake *f = arg;
    (void)revents;
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return;
    if (f->cfd >= 0) {
        close(c);
        return;
    }
    f->cfd = c;
    f->cw = loop_watch(f->l, c, REACTOR_READ, fake_client, f);
}

static inline void fake_start(struct fake *f, struct loop *l, const char *script, size_t len,
                              size_t repeat)
{
    memset(f, 0, sizeof(*f));
    f->l = l;
    f->cfd = -1;
    f->script = script;
    f->script_len = len;
    f->repeat = repeat ? repeat : 1;
    f->ls = rfx_listen(4, &f->port);
    f->lw = loop_watch(l, f->ls, REACTOR_READ, fake_accept, f);
}

static inline void fake_stop(struct fake *f)
{
    if (f->cw)
        loop_unwatch(f->l, f->cw);
    if (f->cfd >= 0)
        close(f->cfd);
    loop_unwatch(f->l, f->lw);
    close(f->ls);
}

/* ---- a fake Redis node on the loop that answers per command ----
 * Requests are parsed with hiredis's reader (a request is a multibulk of
 * bulk strings); the handler appends the raw RESP answer to each one. */

#define RFAKE_MAX_CLIENTS 8

struct rfake;
typedef void (*rfake_handler)(struct rfake *f, int argc, const redisReply *const *argv,
                              struct buf *out, void *arg);

struct rfake_client {
    struct rfake *srv;
    int fd;
    struct loop_watch *w;
    redisReader *rd;
};

struct rfake {
    struct loop *l;
    int ls;
    struct loop_watch *lw;
    struct rfake_client cl[RFAKE_MAX_CLIENTS];
    rfake_handler fn;
    void *arg;
    int port;
    int commands;
    bool hang_up; /* set by a handler: close the connection after answering */
};

static inline void rfake_drop(struct rfake_client *c)
{
    if (c->w)
        loop_unwatch(c->srv->l, c->w);
    if (c->fd >= 0)
        close(c->fd);
    if (c->rd)
        redisReaderFree(c->rd);
    c->w = NULL;
    c->fd = -1;
    c->rd = NULL;
}

static inline void rfake_readable(int fd, int revents, void *arg)
{
    struct rfake_client *c = arg;
    struct rfake *f = c->srv;
    (void)revents;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
        rfake_drop(c);
        return;
    }
    redisReaderFeed(c->rd, buf, (size_t)n);
    struct buf out;
    buf_init(&out, 0);
    void *obj;
    while (redisReaderGetReply(c->rd, &obj) == REDIS_OK && obj) {
        redisReply *req = obj;
        if (req->type == REDIS_REPLY_ARRAY && req->elements > 0) {
            f->commands++;
            f->fn(f, (int)req->elements, (const redisReply *const *)req->element, &out, f->arg);
        }
        freeReplyObject(req);
    }
    size_t off = 0;
    while (off < out.len) {
        ssize_t w = write(fd, out.data + off, out.len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    buf_free(&out);
    if (f->hang_up) {
        f->hang_up = false;
        rfake_drop(c);
    }
}

static inline void rfake_accept(int fd, int revents, void *arg)
{
    struct rfake *f = arg;
    (void)revents;
    int s = accept(fd, NULL, NULL);
    if (s < 0)
        return;
    for (int i = 0; i < RFAKE_MAX_CLIENTS; i++) {
        struct rfake_client *c = &f->cl[i];
        if (c->fd >= 0)
            continue;
        c->fd = s;
        c->rd = redisReaderCreate();
        c->w = loop_watch(f->l, s, REACTOR_READ, rfake_readable, c);
        return;
    }
    close(s);
}

static inline void rfake_start(struct rfake *f, struct loop *l, rfake_handler fn, void *arg)
{
    memset(f, 0, sizeof(*f));
    f->l = l;
    f->fn = fn;
    f->arg = arg;
    for (int i = 0; i < RFAKE_MAX_CLIENTS; i++) {
        f->cl[i].srv = f;
        f->cl[i].fd = -1;
    }
    f->ls = rfx_listen(8, &f->port);
    f->lw = loop_watch(l, f->ls, REACTOR_READ, rfake_accept, f);
}

static inline void rfake_stop(struct rfake *f)
{
    for (int i = 0; i < RFAKE_MAX_CLIENTS; i++)
        rfake_drop(&f->cl[i]);
    loop_unwatch(f->l, f->lw);
    close(f->ls);
}

/* Case-insensitive match of request argument i. */
static inline bool rfake_is(int argc, const redisReply *const *argv, int i, const char *s)
{
    return i < argc && argv[i]->str && strlen(s) == argv[i]->len &&
           strncasecmp(argv[i]->str, s, argv[i]->len) == 0;
}

#endif
