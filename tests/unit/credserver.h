/* credserver.h - start and drive tests/tools/credserver.py (IMDS, container,
 * SSO portal and STS stand-ins on 127.0.0.1) from a cmocka test.
 *
 * The server reads its behaviour from a JSON file the test rewrites, logs
 * every request as one JSON line, and stops on SIGTERM, when the test
 * process goes away, or after ten minutes. Header-only (static functions)
 * so that each test binary stays one .c file.
 */
#ifndef ELCUI_TESTS_CREDSERVER_H
#define ELCUI_TESTS_CREDSERVER_H

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct credsrv {
    pid_t pid;
    int port;
    char dir[64];
    char config[128];
    char log[128];
    char base[64]; /* "http://127.0.0.1:PORT" */
};

static __attribute__((unused)) uint64_t credsrv_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static __attribute__((unused)) void credsrv_pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Repository root: $ELCUI_SRCDIR, else three levels above the test binary
 * (ROOT/BUILD/tests/test_x), else the current directory; the first that
 * holds rel. out gets ROOT/rel. */
static __attribute__((unused)) int credsrv_find(const char *rel, char *out, size_t n)
{
    const char *src = getenv("ELCUI_SRCDIR");
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *cands[3] = {NULL, NULL, "."};
    char root[PATH_MAX];
    if (src)
        cands[0] = src;
    if (len > 0) {
        exe[len] = '\0';
        for (int i = 0; i < 3; i++) {
            char *s = strrchr(exe, '/');
            if (s)
                *s = '\0';
        }
        snprintf(root, sizeof(root), "%s", exe);
        cands[1] = root;
    }
    for (int i = 0; i < 3; i++) {
        if (!cands[i])
            continue;
        snprintf(out, n, "%s/%s", cands[i], rel);
        if (access(out, R_OK) == 0)
            return 0;
    }
    return -1;
}

static __attribute__((unused)) void credsrv_write_atomic(const char *path, const char *text)
{
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    rename(tmp, path);
}

static __attribute__((unused)) int credsrv_start(struct credsrv *s)
{
    memset(s, 0, sizeof(*s));
    char script[PATH_MAX];
    if (credsrv_find("tests/tools/credserver.py", script, sizeof(script)) != 0) {
        fprintf(stderr, "credsrv: tests/tools/credserver.py not found (set ELCUI_SRCDIR)\n");
        return -1;
    }
    snprintf(s->dir, sizeof(s->dir), "/tmp/elcui-credsrv-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    char portfile[128];
    snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
    snprintf(s->config, sizeof(s->config), "%s/config.json", s->dir);
    snprintf(s->log, sizeof(s->log), "%s/log.jsonl", s->dir);
    credsrv_write_atomic(s->config, "{}");
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execlp("python3", "python3", script, "--port-file", portfile, "--config", s->config,
               "--log", s->log, (char *)NULL);
        _exit(127);
    }
    s->pid = pid;
    uint64_t deadline = credsrv_mono_ms() + 15000;
    while (credsrv_mono_ms() < deadline) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            int port = 0;
            if (fscanf(f, "%d", &port) == 1 && port > 0) {
                s->port = port;
                fclose(f);
                snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", port);
                return 0;
            }
            fclose(f);
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            s->pid = 0;
            fprintf(stderr, "credsrv: server exited at start\n");
            return -1;
        }
        credsrv_pause_ms(20);
    }
    fprintf(stderr, "credsrv: no port within 15 s\n");
    return -1;
}

static __attribute__((unused)) void credsrv_stop(struct credsrv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        uint64_t deadline = credsrv_mono_ms() + 5000;
        int st;
        while (waitpid(s->pid, &st, WNOHANG) == 0) {
            if (credsrv_mono_ms() > deadline) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &st, 0);
                break;
            }
            credsrv_pause_ms(10);
        }
        s->pid = 0;
    }
    if (s->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "credsrv: cannot remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
}

static __attribute__((unused)) void credsrv_config(const struct credsrv *s, const char *json_text)
{
    credsrv_write_atomic(s->config, json_text);
}

static __attribute__((unused)) void credsrv_log_clear(const struct credsrv *s)
{
    credsrv_write_atomic(s->log, "");
}

/* All logged requests as a JSON array (caller json_decref). */
static __attribute__((unused)) json_t *credsrv_log(const struct credsrv *s)
{
    json_t *arr = json_array();
    FILE *f = fopen(s->log, "r");
    if (!f)
        return arr;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (o)
            json_array_append_new(arr, o);
    }
    free(line);
    fclose(f);
    return arr;
}

/* Requests whose path equals path (NULL: any), optionally with a given
 * form Action; returns the count and the last one (borrowed from log). */
static __attribute__((unused)) size_t credsrv_count(json_t *log, const char *path,
                                                    const char *action, json_t **last)
{
    size_t n = 0, i;
    json_t *e;
    if (last)
        *last = NULL;
    json_array_foreach(log, i, e)
    {
        const char *p = json_string_value(json_object_get(e, "path"));
        if (path && (!p || strcmp(p, path) != 0))
            continue;
        if (action) {
            const char *a =
                json_string_value(json_object_get(json_object_get(e, "params"), "Action"));
            if (!a || strcmp(a, action) != 0)
                continue;
        }
        n++;
        if (last)
            *last = e;
    }
    return n;
}

static __attribute__((unused)) const char *credsrv_str(json_t *entry, const char *obj,
                                                       const char *key)
{
    json_t *o = obj ? json_object_get(entry, obj) : entry;
    return json_string_value(json_object_get(o, key));
}

/* moto server (python3 -m moto.server) on a free 127.0.0.1 port, for
 * checks against an independent STS implementation. Uses s->pid, s->port,
 * s->base only. */
static __attribute__((unused)) int credsrv_moto_start(struct credsrv *s)
{
    memset(s, 0, sizeof(*s));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    close(fd);
    char port[16];
    snprintf(port, sizeof(port), "%d", s->port);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0) {
            dup2(dn, 1);
            dup2(dn, 2);
        }
        execlp("python3", "python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", port,
               (char *)NULL);
        _exit(127);
    }
    s->pid = pid;
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
    uint64_t deadline = credsrv_mono_ms() + 60000;
    while (credsrv_mono_ms() < deadline) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        a.sin_port = htons((uint16_t)s->port);
        int ok = c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0;
        if (c >= 0)
            close(c);
        if (ok)
            return 0;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            s->pid = 0;
            fprintf(stderr, "credsrv: moto server exited at start\n");
            return -1;
        }
        credsrv_pause_ms(50);
    }
    fprintf(stderr, "credsrv: moto server not listening within 60 s\n");
    return -1;
}

#endif
