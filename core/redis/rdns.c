/* rdns.c - getaddrinfo() (or a --resolve rule's hosts file) on worker
 * threads, results handed to the loop through a pipe. */
#include "core/redis/rdns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/mem.h"

/* Shared between the loop thread and one worker; freed by whoever drops
 * the last reference. Both pipe ends stay open until then, so a worker
 * never writes into a pipe whose reader is gone (no SIGPIPE). */
struct rdns_job {
    int refs;
    bool cancelled;
    int fds[2];
    char host[256];
    char port[8];
    char *hosts_file; /* a --resolve rule's hosts file: read it, not DNS */
    char *rule;       /* the rule as written (source, messages) */
    int gai_error;
    char msg[600];    /* the rule's words for a failure ("" : gai_strerror) */
    char source[900]; /* rdns_result.source ("" : the system resolver) */
    struct rdns_addr addrs[RDNS_MAX_ADDRS];
    size_t naddrs;
    struct rdns_job *next;
};

struct rdns_req {
    struct loop *l;
    struct rdns_job *job;
    struct loop_watch *watch;
    struct loop_timer *timer;
    uint64_t started;
    rdns_cb cb;
    void *arg;
};

static pthread_mutex_t rdns_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rdns_job *rdns_head, *rdns_tail;
static int rdns_nworkers;

static void rdns_job_unref(struct rdns_job *j)
{
    pthread_mutex_lock(&rdns_mu);
    int left = --j->refs;
    pthread_mutex_unlock(&rdns_mu);
    if (left > 0)
        return;
    for (int i = 0; i < 2; i++)
        if (j->fds[i] >= 0)
            close(j->fds[i]);
    free(j->hosts_file);
    free(j->rule);
    free(j);
}

/* Append the addresses of res (IPv4 and IPv6, no duplicates). */
static void rdns_append(struct rdns_job *j, const struct addrinfo *res)
{
    for (const struct addrinfo *ai = res; ai && j->naddrs < RDNS_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if (ai->ai_addrlen > sizeof(struct sockaddr_storage))
            continue;
        struct rdns_addr *a = &j->addrs[j->naddrs];
        memset(a, 0, sizeof(*a));
        memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
        a->len = ai->ai_addrlen;
        a->family = ai->ai_family;
        const void *src =
            ai->ai_family == AF_INET
                ? (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr
                : (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        if (!inet_ntop(ai->ai_family, src, a->text, sizeof(a->text)))
            snprintf(a->text, sizeof(a->text), "?");
        /* skip duplicates (getaddrinfo may list one address per protocol) */
        bool dup = false;
        for (size_t k = 0; k < j->naddrs; k++)
            if (j->addrs[k].len == a->len && memcmp(&j->addrs[k].sa, &a->sa, a->len) == 0)
                dup = true;
        if (!dup)
            j->naddrs++;
    }
}

static void rdns_fill(struct rdns_job *j, const struct addrinfo *res)
{
    j->naddrs = 0;
    rdns_append(j, res);
    if (j->naddrs == 0 && j->gai_error == 0)
        j->gai_error = EAI_NONAME;
}

/* Append one numeric address ("10.0.0.1", "fd00::1"); false when it is not
 * one. */
static bool rdns_append_numeric(struct rdns_job *j, const char *addr)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
    if (getaddrinfo(addr, j->port, &hints, &res) != 0)
        return false;
    rdns_append(j, res);
    freeaddrinfo(res);
    return true;
}

/* Words for errno (strerror is not thread-safe). */
static void rdns_errno_text(int e, char *out, size_t n)
{
    if (strerror_r(e, out, n) != 0)
        snprintf(out, n, "error %d", e);
}

/* One line of a hosts file: "ADDR NAME [NAME...]", '#' starts a comment.
 * True when it names j->host (its address appended). */
static bool rdns_hosts_line(struct rdns_job *j, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *save = NULL;
    const char *sep = " \t\r\n";
    char *addr = strtok_r(line, sep, &save);
    if (!addr)
        return false;
    bool named = false;
    for (char *name = strtok_r(NULL, sep, &save); name; name = strtok_r(NULL, sep, &save))
        if (strcasecmp(name, j->host) == 0)
            named = true;
    if (!named)
        return false;
    size_t before = j->naddrs;
    if (j->naddrs < RDNS_MAX_ADDRS && !rdns_append_numeric(j, addr))
        return false; /* not an address: the line is not an answer */
    return j->naddrs > before || j->naddrs == RDNS_MAX_ADDRS;
}

/* The addresses a hosts file gives j->host, every line that names it (as
 * /etc/hosts with "multi on"). Runs on a worker. */
static void rdns_hosts_lookup(struct rdns_job *j)
{
    char why[160];
    j->naddrs = 0;
    int fd = open(j->hosts_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rdns_errno_text(errno, why, sizeof(why));
        j->gai_error = EAI_SYSTEM;
        snprintf(j->msg, sizeof(j->msg), "cannot read %s: %s (the rule %s)", j->hosts_file, why,
                 j->rule);
        if (fd >= 0)
            close(fd);
        return;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > RDNS_HOSTS_MAX_BYTES) {
        j->gai_error = EAI_SYSTEM;
        snprintf(j->msg, sizeof(j->msg), "%s is %s (the rule %s)", j->hosts_file,
                 S_ISREG(st.st_mode) ? "larger than 16 MiB" : "not a regular file", j->rule);
        close(fd);
        return;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        j->gai_error = EAI_MEMORY;
        return;
    }
    char line[4096];
    long read_bytes = 0;
    int lineno = 0, first = 0;
    bool whole = true;
    while (fgets(line, sizeof(line), f)) {
        size_t len = strlen(line);
        read_bytes += (long)len;
        if (read_bytes > RDNS_HOSTS_MAX_BYTES)
            break; /* grew while being read */
        bool starts = whole;
        whole = len > 0 && line[len - 1] == '\n';
        if (!starts)
            continue; /* the rest of a line longer than the buffer */
        lineno++;
        if (rdns_hosts_line(j, line) && !first)
            first = lineno;
        if (j->naddrs == RDNS_MAX_ADDRS)
            break;
    }
    fclose(f);
    if (j->naddrs == 0) {
        j->gai_error = EAI_NONAME;
        snprintf(j->msg, sizeof(j->msg), "%s does not list %s (the rule %s)", j->hosts_file,
                 j->host, j->rule);
        return;
    }
    j->gai_error = 0;
    snprintf(j->source, sizeof(j->source), "--resolve %s (line %d)", j->rule, first);
}

static void rdns_lookup(struct rdns_job *j, int flags)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | flags;
    j->gai_error = getaddrinfo(j->host, j->port, &hints, &res);
    if (j->gai_error == 0)
        rdns_fill(j, res);
    if (res)
        freeaddrinfo(res);
}

static void *rdns_worker(void *unused)
{
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&rdns_mu);
        struct rdns_job *j = rdns_head;
        if (!j) {
            rdns_nworkers--;
            pthread_mutex_unlock(&rdns_mu);
            return NULL;
        }
        rdns_head = j->next;
        if (!rdns_head)
            rdns_tail = NULL;
        bool cancelled = j->cancelled;
        pthread_mutex_unlock(&rdns_mu);
        if (!cancelled) {
            if (j->hosts_file)
                rdns_hosts_lookup(j);
            else
                rdns_lookup(j, 0);
            /* publish the result before waking the loop */
            pthread_mutex_lock(&rdns_mu);
            pthread_mutex_unlock(&rdns_mu);
            unsigned char b = 1;
            ssize_t n;
            do
                n = write(j->fds[1], &b, 1);
            while (n < 0 && errno == EINTR);
        }
        rdns_job_unref(j);
    }
}

int rdns_workers(void)
{
    pthread_mutex_lock(&rdns_mu);
    int n = rdns_nworkers;
    pthread_mutex_unlock(&rdns_mu);
    return n;
}

static void rdns_deliver(struct rdns_req *r)
{
    struct rdns_job *j = r->job;
    pthread_mutex_lock(&rdns_mu); /* pairs with the worker's publish */
    pthread_mutex_unlock(&rdns_mu);
    rdns_cb cb = r->cb;
    void *arg = r->arg;
    struct rdns_result res = {
        .gai_error = j->gai_error,
        .error = !j->gai_error ? NULL
                 : j->msg[0]   ? j->msg
                               : gai_strerror(j->gai_error),
        .source = j->source[0] ? j->source : NULL,
        .addrs = j->addrs,
        .naddrs = j->gai_error ? 0 : j->naddrs,
        .elapsed_ms = loop_now_ms(r->l) - r->started,
    };
    free(r);
    cb(&res, arg);
    rdns_job_unref(j);
}

static void rdns_readable(int fd, int revents, void *arg)
{
    struct rdns_req *r = arg;
    (void)revents;
    unsigned char b;
    ssize_t n = read(fd, &b, 1);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    loop_unwatch(r->l, r->watch);
    r->watch = NULL;
    rdns_deliver(r);
}

static void rdns_numeric_done(void *arg)
{
    struct rdns_req *r = arg;
    r->timer = NULL;
    rdns_deliver(r);
}

static bool rdns_is_numeric(const char *host)
{
    unsigned char tmp[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
}

static int rdns_start_worker(void)
{
    pthread_attr_t attr;
    pthread_t th;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(&th, &attr, rdns_worker, NULL);
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

static struct rdns_req *rdns_req_new(struct loop *l, const char *host, int port, rdns_cb cb,
                                     void *arg)
{
    if (!host || !*host || strlen(host) >= sizeof(((struct rdns_job *)0)->host) || port <= 0 ||
        port > 65535 || !cb)
        return NULL;
    struct rdns_job *j = mem_xcalloc(1, sizeof(*j));
    j->fds[0] = j->fds[1] = -1;
    j->refs = 1;
    snprintf(j->host, sizeof(j->host), "%s", host);
    snprintf(j->port, sizeof(j->port), "%d", port);
    struct rdns_req *r = mem_xcalloc(1, sizeof(*r));
    r->l = l;
    r->job = j;
    r->cb = cb;
    r->arg = arg;
    r->started = loop_now_ms(l);
    return r;
}

static void rdns_req_drop(struct rdns_req *r)
{
    struct rdns_job *j = r->job;
    free(r);
    rdns_job_unref(j);
}

/* The answer is in the job already: deliver it from a 0 ms timer. */
static struct rdns_req *rdns_deliver_soon(struct rdns_req *r)
{
    r->timer = loop_timer(r->l, 0, rdns_numeric_done, r);
    if (!r->timer) {
        rdns_req_drop(r);
        return NULL;
    }
    return r;
}

/* Hand the job to a worker; its pipe wakes the loop. */
static struct rdns_req *rdns_queue(struct rdns_req *r)
{
    struct loop *l = r->l;
    struct rdns_job *j = r->job;
    if (pipe(j->fds) != 0) {
        j->fds[0] = j->fds[1] = -1;
        rdns_req_drop(r);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(j->fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(j->fds[i], F_SETFL, fcntl(j->fds[i], F_GETFL) | O_NONBLOCK);
    }
    r->watch = loop_watch(l, j->fds[0], REACTOR_READ, rdns_readable, r);
    if (!r->watch) {
        rdns_req_drop(r);
        return NULL;
    }

    pthread_mutex_lock(&rdns_mu);
    j->refs++; /* the queue's (then the worker's) reference */
    if (rdns_tail)
        rdns_tail->next = j;
    else
        rdns_head = j;
    rdns_tail = j;
    bool spawned = true;
    if (rdns_nworkers < RDNS_MAX_THREADS) {
        rdns_nworkers++;
        if (rdns_start_worker() != 0) {
            rdns_nworkers--;
            spawned = false;
        }
    }
    bool stranded = !spawned && rdns_nworkers == 0;
    if (stranded) {
        /* no worker can take it: take it back off the queue and fail */
        struct rdns_job **pp = &rdns_head;
        struct rdns_job *prev = NULL;
        while (*pp && *pp != j) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = j->next;
            if (rdns_tail == j)
                rdns_tail = prev;
        }
        j->refs--;
    }
    pthread_mutex_unlock(&rdns_mu);
    if (stranded) {
        j->gai_error = EAI_SYSTEM;
        unsigned char b = 1;
        if (write(j->fds[1], &b, 1) != 1) {
            loop_unwatch(l, r->watch);
            rdns_req_drop(r);
            return NULL;
        }
    }
    return r;
}

struct rdns_req *rdns_resolve(struct loop *l, const char *host, int port, rdns_cb cb, void *arg)
{
    struct rdns_req *r = rdns_req_new(l, host, port, cb, arg);
    if (!r)
        return NULL;
    if (rdns_is_numeric(host)) {
        rdns_lookup(r->job, AI_NUMERICHOST);
        return rdns_deliver_soon(r);
    }
    return rdns_queue(r);
}

struct rdns_req *rdns_resolve_rule(struct loop *l, const char *what, const char *rule,
                                   const char *host, int port, rdns_cb cb, void *arg)
{
    if (!what || !*what)
        return NULL;
    struct rdns_req *r = rdns_req_new(l, host, port, cb, arg);
    if (!r)
        return NULL;
    struct rdns_job *j = r->job;
    j->rule = mem_xstrdup(rule && *rule ? rule : what);
    if (what[0] == '@') {
        if (!what[1]) {
            rdns_req_drop(r);
            return NULL;
        }
        j->hosts_file = mem_xstrdup(what + 1);
        return rdns_queue(r);
    }
    /* a list of numeric addresses, IPv6 ones in brackets */
    char item[128];
    for (const char *p = what; *p;) {
        size_t n = strcspn(p, ",");
        const char *a = p;
        size_t alen = n;
        if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
            a++;
            alen -= 2;
        }
        if (alen == 0 || alen >= sizeof(item)) {
            rdns_req_drop(r);
            return NULL;
        }
        memcpy(item, a, alen);
        item[alen] = '\0';
        if (j->naddrs < RDNS_MAX_ADDRS && !rdns_append_numeric(j, item)) {
            rdns_req_drop(r);
            return NULL;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (j->naddrs == 0) {
        rdns_req_drop(r);
        return NULL;
    }
    snprintf(j->source, sizeof(j->source), "--resolve %s", j->rule);
    return rdns_deliver_soon(r);
}

void rdns_cancel(struct rdns_req *r)
{
    if (!r)
        return;
    if (r->watch)
        loop_unwatch(r->l, r->watch);
    if (r->timer)
        loop_untimer(r->l, r->timer);
    pthread_mutex_lock(&rdns_mu);
    r->job->cancelled = true;
    pthread_mutex_unlock(&rdns_mu);
    rdns_job_unref(r->job);
    free(r);
}
