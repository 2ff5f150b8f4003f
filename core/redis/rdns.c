/* rdns.c - getaddrinfo() on worker threads, results handed to the loop
 * through a pipe. */
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
    int gai_error;
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
    free(j);
}

static void rdns_fill(struct rdns_job *j, const struct addrinfo *res)
{
    j->naddrs = 0;
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
    if (j->naddrs == 0 && j->gai_error == 0)
        j->gai_error = EAI_NONAME;
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
        .error = j->gai_error ? gai_strerror(j->gai_error) : NULL,
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

struct rdns_req *rdns_resolve(struct loop *l, const char *host, int port, rdns_cb cb, void *arg)
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

    if (rdns_is_numeric(host)) {
        rdns_lookup(j, AI_NUMERICHOST);
        r->timer = loop_timer(l, 0, rdns_numeric_done, r);
        if (!r->timer) {
            free(r);
            rdns_job_unref(j);
            return NULL;
        }
        return r;
    }

    if (pipe(j->fds) != 0) {
        j->fds[0] = j->fds[1] = -1;
        free(r);
        rdns_job_unref(j);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(j->fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(j->fds[i], F_SETFL, fcntl(j->fds[i], F_GETFL) | O_NONBLOCK);
    }
    r->watch = loop_watch(l, j->fds[0], REACTOR_READ, rdns_readable, r);
    if (!r->watch) {
        free(r);
        rdns_job_unref(j);
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
            free(r);
            rdns_job_unref(j);
            return NULL;
        }
    }
    return r;
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
