/* rconn.c - one Redis connection: DNS, TCP, TLS, AUTH, pipelined commands. */
#include "core/redis/rconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rdns.h"
#include "core/redis/resp3.h"

#define RCONN_DEFAULT_CONNECT_MS 5000u
#define RCONN_DEFAULT_COMMAND_MS 10000u
#define RCONN_MAX_OUT ((size_t)512 * 1024 * 1024)
/* Commands after which a connection keeps its TLS buffers. */
#define RCONN_BUSY_CMDS 64
/* Answered command records a connection keeps for reuse. */
#define RCONN_SPARE_CMDS 64
/* What one reply object costs beyond its payload: the struct and what
 * malloc keeps around each block. */
#define RCONN_OBJ_COST RESP3_OBJ_COST
#define RCONN_BLOCK_COST RESP3_BLOCK_COST
/* A type, length or integer line longer than this is not RESP. */
#define RCONN_MAX_HEADER 40
/* Bulk strings up to this size are buffered before the cap is checked
 * (cheap); larger ones are checked from their header and skipped on the
 * wire when they do not fit. */
#define RCONN_SMALL_BULK ((uint64_t)64 * 1024)
#define RCONN_REAUTH_RETRY_MS 5000u

/* ---- errors ---- */

static const char *const rconn_err_names[] = {
    [RCONN_OK] = "ok",
    [RCONN_ERR_DNS] = "dns",
    [RCONN_ERR_CONNECT_REFUSED] = "connect-refused",
    [RCONN_ERR_CONNECT_TIMEOUT] = "connect-timeout",
    [RCONN_ERR_CONNECT] = "connect",
    [RCONN_ERR_TLS_HANDSHAKE] = "tls-handshake",
    [RCONN_ERR_TLS_VERIFY] = "tls-verify",
    [RCONN_ERR_TLS_CONFIG] = "tls-config",
    [RCONN_ERR_AUTH_WRONGPASS] = "auth-wrongpass",
    [RCONN_ERR_AUTH_NOAUTH] = "auth-noauth",
    [RCONN_ERR_AUTH] = "auth",
    [RCONN_ERR_IO_RESET] = "io-reset",
    [RCONN_ERR_TIMEOUT] = "timeout",
    [RCONN_ERR_PROTOCOL] = "protocol",
    [RCONN_ERR_CLOSED] = "closed",
    [RCONN_ERR_REFUSED] = "refused",
    [RCONN_ERR_USAGE] = "usage",
    [RCONN_ERR_TOO_LARGE] = "reply-too-large",
    [RCONN_ERR_REDIRECT] = "redirect-refused",
};

static const char *const rconn_err_hints[] = {
    [RCONN_OK] = "",
    [RCONN_ERR_DNS] = "the name does not resolve from here: check the endpoint name; "
                      "ElastiCache names resolve only where the VPC's DNS answers "
                      "(inside the VPC, or through a port-forward with --connect-to)",
    [RCONN_ERR_CONNECT_REFUSED] = "nothing listens on that address and port: wrong port, "
                                  "or the node is down or being replaced",
    [RCONN_ERR_CONNECT_TIMEOUT] = "no answer to the TCP connect: a security group or network "
                                  "ACL drops the traffic, or this machine is not inside the VPC",
    [RCONN_ERR_CONNECT] = "the network cannot reach that address (no route from here)",
    [RCONN_ERR_TLS_HANDSHAKE] = "TLS did not come up: TLS is on here but the group has "
                                "in-transit encryption off, or the reverse",
    [RCONN_ERR_TLS_VERIFY] = "the server certificate was not accepted: give the CA with "
                             "--redis-cacert (or ELCUI_REDIS_CACERT), and check that the "
                             "endpoint name matches the certificate",
    [RCONN_ERR_TLS_CONFIG] = "the TLS settings could not be loaded (CA file missing or not PEM)",
    [RCONN_ERR_AUTH_WRONGPASS] = "the AUTH token (or user and password) was rejected: check "
                                 "the token (Secrets Manager, --token-env) or the RBAC user",
    [RCONN_ERR_AUTH_NOAUTH] = "the server requires AUTH and no token was given",
    [RCONN_ERR_AUTH] = "authentication could not be completed",
    [RCONN_ERR_IO_RESET] = "the connection broke: the node restarted, failed over, or a "
                           "middlebox dropped it",
    [RCONN_ERR_TIMEOUT] = "no reply in time: an overloaded node, a long-running command, or "
                          "the network",
    [RCONN_ERR_PROTOCOL] = "the peer does not speak the Redis protocol (another service on "
                           "that port, or a proxy)",
    [RCONN_ERR_CLOSED] = "the connection was closed",
    [RCONN_ERR_REFUSED] = "refused by elcui's safety rules",
    [RCONN_ERR_USAGE] = "invalid request",
    [RCONN_ERR_TOO_LARGE] = "the reply needs more memory than --max-reply-size allows (default "
                            "64 MiB): raise it, or ask for less at a time (SCAN, LRANGE with a "
                            "range, GETRANGE)",
    [RCONN_ERR_REDIRECT] = "a node redirected the command (MOVED/ASK) to an address that is no "
                           "node of the group's topology (CLUSTER SHARDS/SLOTS) and no "
                           "--connect-to mapping of one; elcui does not follow it, so no "
                           "credential is sent there: check cluster-announce-ip and the topology",
};

const char *rconn_err_name(enum rconn_err code)
{
    if ((size_t)code >= sizeof(rconn_err_names) / sizeof(rconn_err_names[0]))
        return "unknown";
    return rconn_err_names[code];
}

const char *rconn_err_hint(enum rconn_err code)
{
    if ((size_t)code >= sizeof(rconn_err_hints) / sizeof(rconn_err_hints[0]))
        return "";
    return rconn_err_hints[code];
}

void rconn_error_set(struct rconn_error *e, enum rconn_err code, const char *fmt, ...)
{
    if (!e)
        return;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    /* keep messages on one line */
    for (char *p = e->msg; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
}

const char *rconn_state_name(enum rconn_state s)
{
    switch (s) {
    case RCONN_S_RESOLVING:
        return "dns";
    case RCONN_S_CONNECTING:
        return "connect";
    case RCONN_S_TLS:
        return "tls";
    case RCONN_S_AUTH:
        return "auth";
    case RCONN_S_READY:
        return "ready";
    case RCONN_S_CLOSED:
        return "closed";
    }
    return "?";
}

uint64_t rconn_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void rconn_format_size(uint64_t bytes, char *out, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%llu B", (unsigned long long)bytes);
    else if (v == (double)(uint64_t)v)
        snprintf(out, n, "%llu %s", (unsigned long long)v, units[u]);
    else
        snprintf(out, n, "%.1f %s", v, units[u]);
}

bool rconn_parse_size(const char *s, size_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v >= 0))
        return false;
    double mult = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mult = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1024.0 * 1024.0;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    case 't':
    case 'T':
        mult = 1024.0 * 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    default:
        break;
    }
    if (mult > 1 && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end)
        return false;
    v *= mult;
    if (v < (double)RCONN_MIN_MAX_REPLY || v > (double)RCONN_MAX_MAX_REPLY)
        return false;
    *out = (size_t)v;
    return true;
}

void rconn_trunc_text(const struct rconn_trunc *t, char *out, size_t n)
{
    char cost[32], bytes[32], limit[32];
    rconn_format_size(t->cost, cost, sizeof(cost));
    rconn_format_size(t->dropped_bytes, bytes, sizeof(bytes));
    rconn_format_size(t->limit, limit, sizeof(limit));
    snprintf(out, n,
             "reply cut at --max-reply-size %s: kept %llu object%s (%s in memory); %llu "
             "object%s and %s of strings read but not kept",
             limit, (unsigned long long)t->kept, t->kept == 1 ? "" : "s", cost,
             (unsigned long long)t->dropped, t->dropped == 1 ? "" : "s", bytes);
}

/* ---- one-time library setup: our socket BIO and the capped reader ---- */

static pthread_once_t rconn_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *rconn_bio_method;
static redisReplyObjectFunctions rconn_reader_fns;

struct rconn;
static int rconn_bio_write(BIO *b, const char *data, int len);
static int rconn_bio_read(BIO *b, char *data, int len);

static long rconn_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int rconn_bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int rconn_bio_destroy(BIO *b)
{
    BIO_set_data(b, NULL);
    return 1;
}

/* ---- the reply budget ----
 * The reader's object functions charge every object to the reply being
 * read; past the cap they return a stand-in that is never stored, so the
 * reader keeps its place in the stream while nothing more is allocated. */

struct rconn_budget {
    size_t cap;
    size_t cost;            /* of what is kept of the reply being read */
    bool dropping;          /* something was dropped: everything after it is too */
    bool drop_next;         /* the next object stands for something skipped on the wire */
    bool bad_array;         /* an array length the reader cannot hold */
    uint64_t kept, dropped; /* objects */
    uint64_t dropped_bytes; /* string bytes */
};

/* Stands for every object that was not kept; never freed, never stored. */
static redisReply rconn_dropped_obj = {.type = REDIS_REPLY_NIL};

static void *(*rconn_default_string)(const redisReadTask *, char *, size_t);
static void *(*rconn_default_array)(const redisReadTask *, int);
static void *(*rconn_default_integer)(const redisReadTask *, long long);
static void *(*rconn_default_nil)(const redisReadTask *);
static void (*rconn_default_free)(void *);

/* true: keep an object costing cost; false: drop it (and all after it). */
static bool rconn_budget_take(struct rconn_budget *b, const redisReadTask *task, size_t cost)
{
    bool keep = !b->dropping && !b->drop_next;
    b->drop_next = false;
    if (keep && task->parent) {
        const redisReply *p = task->parent->obj;
        keep = p && p != &rconn_dropped_obj && task->idx >= 0 && (size_t)task->idx < p->elements;
    }
    if (keep && cost > b->cap - b->cost)
        keep = false;
    if (!keep) {
        b->dropping = true;
        b->dropped++;
        return false;
    }
    b->cost += cost;
    b->kept++;
    return true;
}

static void *rconn_create_string(const redisReadTask *task, char *str, size_t len)
{
    struct rconn_budget *b = task->privdata;
    bool skipped = b->drop_next; /* its bytes were counted when skipped */
    size_t cost = len > SIZE_MAX / 2 ? SIZE_MAX / 2 : RCONN_OBJ_COST + len + 1 + RCONN_BLOCK_COST;
    if (!rconn_budget_take(b, task, cost)) {
        if (!skipped)
            b->dropped_bytes += len;
        return &rconn_dropped_obj;
    }
    return rconn_default_string(task, str, len);
}

static void *rconn_create_array(const redisReadTask *task, int elements)
{
    struct rconn_budget *b = task->privdata;
    if (elements < 0) {
        b->bad_array = true;
        return NULL; /* the reader fails ("out of memory"): reported as a protocol error */
    }
    if (!rconn_budget_take(b, task, RCONN_OBJ_COST + RCONN_BLOCK_COST))
        return &rconn_dropped_obj;
    /* room for as many elements as could fit, each at least one object */
    size_t room = (b->cap - b->cost) / (sizeof(redisReply *) + RCONN_OBJ_COST);
    size_t keep = (size_t)elements < room ? (size_t)elements : room;
    b->cost += keep * sizeof(redisReply *);
    return rconn_default_array(task, (int)keep);
}

static void *rconn_create_integer(const redisReadTask *task, long long v)
{
    if (!rconn_budget_take(task->privdata, task, RCONN_OBJ_COST))
        return &rconn_dropped_obj;
    return rconn_default_integer(task, v);
}

static void *rconn_create_nil(const redisReadTask *task)
{
    if (!rconn_budget_take(task->privdata, task, RCONN_OBJ_COST))
        return &rconn_dropped_obj;
    return rconn_default_nil(task);
}

static void rconn_free_object(void *obj)
{
    if (obj && obj != &rconn_dropped_obj)
        rconn_default_free(obj);
}

/* A cut array holds its kept elements first: its length becomes theirs. */
static void rconn_trim_kept(redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return;
    size_t n = 0;
    while (n < r->elements && r->element[n])
        rconn_trim_kept(r->element[n++]);
    r->elements = n;
}

static void rconn_init_once(void)
{
    /* Our own socket BIO: send() with MSG_NOSIGNAL, so a peer that went
     * away never raises SIGPIPE in the process, and errno is kept for the
     * classification. */
    rconn_bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "elcui-rconn");
    if (rconn_bio_method) {
        BIO_meth_set_write(rconn_bio_method, rconn_bio_write);
        BIO_meth_set_read(rconn_bio_method, rconn_bio_read);
        BIO_meth_set_ctrl(rconn_bio_method, rconn_bio_ctrl);
        BIO_meth_set_create(rconn_bio_method, rconn_bio_create);
        BIO_meth_set_destroy(rconn_bio_method, rconn_bio_destroy);
    }
    redisReader *tmp = redisReaderCreate();
    if (tmp) {
        rconn_reader_fns = *tmp->fn;
        redisReaderFree(tmp);
        rconn_default_string = rconn_reader_fns.createString;
        rconn_default_array = rconn_reader_fns.createArray;
        rconn_default_integer = rconn_reader_fns.createInteger;
        rconn_default_nil = rconn_reader_fns.createNil;
        rconn_default_free = rconn_reader_fns.freeObject;
        rconn_reader_fns.createString = rconn_create_string;
        rconn_reader_fns.createArray = rconn_create_array;
        rconn_reader_fns.createInteger = rconn_create_integer;
        rconn_reader_fns.createNil = rconn_create_nil;
        rconn_reader_fns.freeObject = rconn_free_object;
    }
}

/* ---- TLS context ---- */

struct rconn_tls {
    int refs;
    SSL_CTX *ctx;
    bool insecure;
    char *ca_source;
};

static void rconn_ssl_errstr(char *out, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (!e) {
        snprintf(out, n, "unknown TLS error");
        return;
    }
    const char *reason = ERR_reason_error_string(e);
    if (reason)
        snprintf(out, n, "%s", reason);
    else
        ERR_error_string_n(e, out, n);
}

struct rconn_tls *rconn_tls_new(const struct rconn_tls_options *o, struct rconn_error *err)
{
    pthread_once(&rconn_once, rconn_init_once);
    struct rconn_tls_options none = {0};
    if (!o)
        o = &none;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        char why[256];
        rconn_ssl_errstr(why, sizeof(why));
        rconn_error_set(err, RCONN_ERR_TLS_CONFIG, "cannot create a TLS context: %s", why);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    /* records read with what follows them in one recv (not header, then
     * body): SSL_has_pending() says what is buffered */
    SSL_CTX_set_read_ahead(ctx, 1);
    const char *cafile = o->cafile;
    if (!cafile || !*cafile) {
        const char *env = getenv("ELCUI_REDIS_CACERT");
        cafile = env && *env ? env : NULL;
    }
    struct rconn_tls *t = mem_xcalloc(1, sizeof(*t));
    t->refs = 1;
    t->ctx = ctx;
    t->insecure = o->insecure;
    if (cafile) {
        if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
            char why[256];
            rconn_ssl_errstr(why, sizeof(why));
            rconn_error_set(err, RCONN_ERR_TLS_CONFIG, "cannot load the CA file %s: %s", cafile,
                            why);
            ERR_clear_error();
            SSL_CTX_free(ctx);
            free(t);
            return NULL;
        }
        t->ca_source = mem_xstrdup(cafile);
    } else {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1 && !o->insecure) {
            char why[256];
            rconn_ssl_errstr(why, sizeof(why));
            rconn_error_set(err, RCONN_ERR_TLS_CONFIG, "cannot load the system trust store: %s",
                            why);
            ERR_clear_error();
            SSL_CTX_free(ctx);
            free(t);
            return NULL;
        }
        t->ca_source = mem_xstrdup("system trust store");
    }
    SSL_CTX_set_verify(ctx, o->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    ERR_clear_error();
    return t;
}

struct rconn_tls *rconn_tls_ref(struct rconn_tls *t)
{
    if (t)
        t->refs++;
    return t;
}

void rconn_tls_unref(struct rconn_tls *t)
{
    if (!t || --t->refs > 0)
        return;
    SSL_CTX_free(t->ctx);
    free(t->ca_source);
    free(t);
}

bool rconn_tls_insecure(const struct rconn_tls *t)
{
    return t && t->insecure;
}

const char *rconn_tls_ca_source(const struct rconn_tls *t)
{
    return t ? t->ca_source : "";
}

/* ---- the connection ---- */

enum rconn_kind {
    RCONN_K_USER,
    RCONN_K_AUTH,
    RCONN_K_REAUTH,
    RCONN_K_SETNAME,
    RCONN_K_PROBE,
    RCONN_K_HELLO,    /* HELLO 2 / HELLO 3 of elcui's own */
    RCONN_K_PUSH,     /* the command that starts a message stream */
    RCONN_K_PUSH_RAW, /* written after it (UNSUBSCRIBE...): no reply of its own */
};

struct rconn_cmd {
    struct rconn_cmd *next;
    enum rconn_kind kind;
    rconn_reply_cb cb;
    void *arg;
    char *wire; /* formatted, while waiting for the connection to be ready */
    size_t wirelen;
    uint64_t deadline_ms; /* 0: none */
    uint64_t timeout_ms;
    uint64_t sent_us;
    int hello; /* 2 or 3: a HELLO switching to that protocol */
};

struct rconn_cmdq {
    struct rconn_cmd *head, *tail;
    size_t n;
};

struct rconn_cred_req {
    struct rconn *c; /* NULL once the connection has gone */
    bool reauth;
};

/* The byte stream as RESP frames it: every item is a type byte and a line
 * ended by CRLF, and a bulk string's line is followed by its payload and
 * CRLF. Tracking that much lets the reader be asked for replies only when
 * an item is whole, and lets what does not fit be skipped unbuffered. */
enum rconn_frame_state {
    RCONN_F_TYPE,    /* at the start of an item */
    RCONN_F_LINE,    /* in a status or error line (fed as it comes) */
    RCONN_F_HEADER,  /* in a length or integer line (held back in hdr) */
    RCONN_F_PAYLOAD, /* passing a bulk payload and its CRLF */
    RCONN_F_SKIP,    /* discarding a bulk payload that does not fit */
};

struct rconn_framer {
    enum rconn_frame_state st;
    char type;
    bool cr;           /* the last byte of the line so far was CR */
    uint64_t line_len; /* bytes of the status/error line so far */
    bool line_checked; /* the line passed the stale limit once: budget synced */
    bool line_cut;     /* the line does not fit: discarding until its CRLF */
    char hdr[RCONN_MAX_HEADER + 2];
    size_t hdr_len;
    uint64_t left; /* PAYLOAD / SKIP: bytes still to pass / discard */
    bool whole;    /* an item ended in what was fed: the reader has work */
};

struct rconn {
    struct loop *l;
    enum rconn_state state;
    enum rconn_state failed_at;
    struct rconn_error err;
    bool has_err;

    char *host;
    int port;
    char *name;  /* host:port */
    char *chost; /* connect host after routes */
    int cport;
    bool routed;
    char *resolved_by; /* the --resolve rule that answered, or NULL */
    struct rconn_tls *tls;

    uint64_t connect_timeout_ms;
    uint64_t command_timeout_ms;
    char *user;
    char *password; /* wiped once AUTH is formatted */
    rconn_cred_fn cred;
    void *cred_arg;
    struct rconn_cred_req *cred_req;
    uint64_t reauth_margin_ms;
    char *client_name;
    size_t max_reply;
    rconn_event_cb on_event;
    void *event_arg;

    /* dns + connect */
    struct rdns_req *dns;
    struct rdns_addr addrs[RDNS_MAX_ADDRS];
    size_t naddrs, addr_i;
    struct buf attempts; /* per-address outcome, for the message */
    bool any_timeout, all_refused;
    int last_errno;
    int fd;
    bool connected;
    bool dns_invalid;
    struct loop_watch *watch;
    int watch_events;
    struct loop_timer *step_timer; /* dns / connect / handshake deadline */
    char addr_text[80];

    /* tls */
    SSL *ssl;
    bool read_wants_write;
    int io_errno;
    bool peer_eof;
    unsigned char first[8];
    size_t nfirst;
    char tls_version[32];
    char tls_cipher[96];
    char peer_subject[256];
    char peer_issuer[256];
    char verify_name[256];

    /* auth */
    bool authenticated;
    char *auth_user;
    char auth_warning[160];
    int64_t auth_expires;
    unsigned reauths;
    struct loop_timer *reauth_timer;
    bool reauth_inflight;

    /* timings (ms) */
    uint64_t t_step;
    uint64_t dns_ms, connect_ms, tls_ms, auth_ms;

    /* RESP3 (resp3.h): the protocol spoken, and its reader while in use */
    int proto;                /* 2, or 3 after a HELLO 3 was accepted */
    int want_proto;           /* 3: HELLO 3 while connecting */
    bool setup_sent;          /* the handshake's commands went out */
    unsigned hello3_inflight; /* HELLO 3 sent or queued, not answered */
    struct resp3_reader *r3;  /* reading (NULL: hiredis reads) */
    /* pushes outside a stream, kept for the next reply */
    redisReply *pushes[RCONN_MAX_PUSHES];
    size_t npushes;
    size_t pushes_cost;
    uint64_t pushes_dropped;

    /* commands */
    redisReader *reader;
    struct rconn_budget budget; /* the reply being read (reader privdata) */
    struct rconn_framer fr;     /* where the reader is in the byte stream */
    struct rconn_trunc trunc;   /* of the reply being delivered */
    struct buf out;
    bool hooked;             /* the before-sleep flush is registered */
    bool write_blocked;      /* the socket took no more: wait until poll says writable */
    struct rconn_cmd *spare; /* command records kept for reuse (RCONN_SPARE_CMDS) */
    size_t nspare;
    struct rconn_cmdq waiting;  /* not yet written (connection not ready) */
    struct rconn_cmdq inflight; /* written, awaiting their reply in order */
    struct loop_timer *cmd_timer;
    uint64_t cmd_timer_at;
    uint64_t bytes_in, bytes_out;
    uint64_t writes, write_blocks;
    uint64_t commands_sent;

    /* a message stream (SUBSCRIBE, MONITOR): once its command is answered,
     * every reply is a message for push_cb */
    rconn_push_cb push_cb;
    void *push_arg;
    bool push_started; /* rconn_push_start called: no more commands */
    bool pushing;      /* its first reply arrived */
    uint64_t push_messages;

    int depth;
    bool freed; /* rconn_close() called */
};

static void rconn_cmdq_push(struct rconn_cmdq *q, struct rconn_cmd *c)
{
    c->next = NULL;
    if (q->tail)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
    q->n++;
}

static struct rconn_cmd *rconn_cmdq_pop(struct rconn_cmdq *q)
{
    struct rconn_cmd *c = q->head;
    if (!c)
        return NULL;
    q->head = c->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    c->next = NULL;
    return c;
}

static void rconn_cmd_free(struct rconn_cmd *cmd)
{
    if (cmd->wire) {
        mem_wipe(cmd->wire, cmd->wirelen);
        redisFreeCommand(cmd->wire);
    }
    free(cmd);
}

/* A command answered: its record is kept for the next one (a pipeline
 * of thousands allocates a few records, not one per command). */
static void rconn_cmd_recycle(struct rconn *c, struct rconn_cmd *cmd)
{
    if (c->nspare >= RCONN_SPARE_CMDS || cmd->wire) {
        rconn_cmd_free(cmd);
        return;
    }
    cmd->next = c->spare;
    c->spare = cmd;
    c->nspare++;
}

static struct rconn_cmd *rconn_cmd_get(struct rconn *c)
{
    struct rconn_cmd *cmd = c->spare;
    if (!cmd)
        return mem_xcalloc(1, sizeof(*cmd));
    c->spare = cmd->next;
    c->nspare--;
    memset(cmd, 0, sizeof(*cmd));
    return cmd;
}

static void rconn_free_mem(struct rconn *c);
static void rconn_fail(struct rconn *c, const struct rconn_error *e);
static void rconn_set_watch(struct rconn *c, int events);
static void rconn_try_next_addr(struct rconn *c);
static void rconn_on_fd(int fd, int revents, void *arg);
static void rconn_flush_hook(void *arg);

static void rconn_enter(struct rconn *c)
{
    c->depth++;
}

static void rconn_leave(struct rconn *c)
{
    if (--c->depth == 0 && c->freed)
        rconn_free_mem(c);
}

static void rconn_emit(struct rconn *c, enum rconn_event ev, const struct rconn_error *e)
{
    if (c->on_event && !c->freed)
        c->on_event(c, ev, e, c->event_arg);
}

const char *rconn_name(const struct rconn *c)
{
    return c->name;
}

enum rconn_state rconn_state(const struct rconn *c)
{
    return c->state;
}

bool rconn_ready(const struct rconn *c)
{
    return c->state == RCONN_S_READY;
}

static void rconn_step_done(struct rconn *c, uint64_t *slot)
{
    uint64_t now = loop_now_ms(c->l);
    *slot = now - c->t_step;
    c->t_step = now;
}

static void rconn_untimer_step(struct rconn *c)
{
    if (c->step_timer) {
        loop_untimer(c->l, c->step_timer);
        c->step_timer = NULL;
    }
}

static void rconn_close_socket(struct rconn *c, bool polite)
{
    if (c->ssl) {
        if (polite) {
            ERR_clear_error();
            SSL_shutdown(c->ssl);
        }
        SSL_free(c->ssl);
        c->ssl = NULL;
        ERR_clear_error();
    }
    if (c->watch) {
        loop_unwatch(c->l, c->watch);
        c->watch = NULL;
    }
    if (c->hooked) {
        loop_before_sleep_remove(c->l, rconn_flush_hook, c);
        c->hooked = false;
    }
    c->watch_events = 0;
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

/* Stop everything that could call us back; keep the queues. */
static void rconn_teardown(struct rconn *c, bool polite)
{
    if (c->dns) {
        rdns_cancel(c->dns);
        c->dns = NULL;
    }
    rconn_untimer_step(c);
    if (c->cmd_timer) {
        loop_untimer(c->l, c->cmd_timer);
        c->cmd_timer = NULL;
    }
    if (c->reauth_timer) {
        loop_untimer(c->l, c->reauth_timer);
        c->reauth_timer = NULL;
    }
    if (c->cred_req) {
        c->cred_req->c = NULL; /* the provider's done() frees it */
        c->cred_req = NULL;
    }
    rconn_close_socket(c, polite);
    if (c->password) {
        mem_free_secret(c->password);
        c->password = NULL;
    }
}

/* Fail every queued command with e (their callbacks run). */
static void rconn_drain(struct rconn *c, const struct rconn_error *e,
                        const struct rconn_error *e_unsent)
{
    struct rconn_cmd *cmd;
    for (int pass = 0; pass < 2; pass++) {
        struct rconn_cmdq *q = pass == 0 ? &c->inflight : &c->waiting;
        const struct rconn_error *why = pass == 0 ? e : (e_unsent ? e_unsent : e);
        while ((cmd = rconn_cmdq_pop(q)) != NULL) {
            if (cmd->kind == RCONN_K_USER && cmd->cb) {
                struct rconn_result res = {.err = why};
                cmd->cb(c, &res, cmd->arg);
            }
            rconn_cmd_free(cmd);
        }
    }
}

static void rconn_fail(struct rconn *c, const struct rconn_error *e)
{
    if (c->state == RCONN_S_CLOSED)
        return;
    c->failed_at = c->state;
    c->state = RCONN_S_CLOSED;
    c->err = *e;
    c->has_err = true;
    rconn_teardown(c, false);
    rconn_enter(c);
    rconn_drain(c, &c->err, NULL);
    rconn_emit(c, RCONN_EV_CLOSED, &c->err);
    rconn_leave(c);
}

static void rconn_failf(struct rconn *c, enum rconn_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rconn_failf(struct rconn *c, enum rconn_err code, const char *fmt, ...)
{
    struct rconn_error e;
    e.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    for (char *p = e.msg; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    rconn_fail(c, &e);
}

/* ---- socket BIO ---- */

static int rconn_bio_write(BIO *b, const char *data, int len)
{
    struct rconn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!c || c->fd < 0)
        return -1;
    ssize_t n = send(c->fd, data, (size_t)len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            BIO_set_retry_write(b);
            if (errno != EINTR)
                c->write_blocks++;
        } else {
            c->io_errno = errno;
        }
        return -1;
    }
    c->bytes_out += (uint64_t)n;
    c->writes++;
    return (int)n;
}

static int rconn_bio_read(BIO *b, char *data, int len)
{
    struct rconn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!c || c->fd < 0)
        return -1;
    ssize_t n = recv(c->fd, data, (size_t)len, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_read(b);
        else
            c->io_errno = errno;
        return -1;
    }
    if (n == 0)
        c->peer_eof = true;
    if (c->state == RCONN_S_TLS) {
        for (ssize_t i = 0; i < n && c->nfirst < sizeof(c->first); i++)
            c->first[c->nfirst++] = (unsigned char)data[i];
    }
    c->bytes_in += (uint64_t)n;
    return (int)n;
}

/* ---- command timeouts ---- */

static void rconn_cmd_timer_fire(void *arg);

static void rconn_arm_cmd_timer(struct rconn *c, uint64_t at)
{
    if (c->state == RCONN_S_CLOSED || at == 0)
        return;
    if (c->cmd_timer && c->cmd_timer_at <= at)
        return;
    if (c->cmd_timer)
        loop_untimer(c->l, c->cmd_timer);
    uint64_t now = loop_now_ms(c->l);
    c->cmd_timer = loop_timer(c->l, at > now ? at - now : 0, rconn_cmd_timer_fire, c);
    c->cmd_timer_at = c->cmd_timer ? at : 0;
}

static const struct rconn_cmd *rconn_find_expired(const struct rconn *c, uint64_t now,
                                                  uint64_t *next)
{
    const struct rconn_cmd *hit = NULL;
    *next = 0;
    for (int pass = 0; pass < 2; pass++) {
        const struct rconn_cmd *cmd = pass == 0 ? c->inflight.head : c->waiting.head;
        for (; cmd; cmd = cmd->next) {
            if (!cmd->deadline_ms)
                continue;
            if (cmd->deadline_ms <= now) {
                if (!hit)
                    hit = cmd;
            } else if (*next == 0 || cmd->deadline_ms < *next) {
                *next = cmd->deadline_ms;
            }
        }
    }
    return hit;
}

/* Commands not yet written time out alone: the connection is still fine. */
static void rconn_expire_waiting(struct rconn *c, uint64_t now)
{
    struct rconn_cmdq keep = {0};
    struct rconn_cmdq gone = {0};
    struct rconn_cmd *cmd;
    while ((cmd = rconn_cmdq_pop(&c->waiting)) != NULL)
        rconn_cmdq_push(cmd->deadline_ms && cmd->deadline_ms <= now ? &gone : &keep, cmd);
    c->waiting = keep;
    while ((cmd = rconn_cmdq_pop(&gone)) != NULL) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_TIMEOUT,
                        "not sent: the connection to %s was not ready within %llu ms (at the "
                        "%s step)",
                        c->name, (unsigned long long)cmd->timeout_ms, rconn_state_name(c->state));
        struct rconn_result res = {.err = &e};
        if (cmd->cb && !c->freed)
            cmd->cb(c, &res, cmd->arg);
        rconn_cmd_free(cmd);
    }
}

static void rconn_cmd_timer_fire(void *arg)
{
    struct rconn *c = arg;
    c->cmd_timer = NULL;
    c->cmd_timer_at = 0;
    uint64_t now = loop_now_ms(c->l), next;
    rconn_enter(c);
    rconn_expire_waiting(c, now);
    const struct rconn_cmd *hit = NULL;
    for (const struct rconn_cmd *q = c->inflight.head; q && !hit; q = q->next)
        if (q->deadline_ms && q->deadline_ms <= now)
            hit = q;
    if (!hit || c->freed || c->state == RCONN_S_CLOSED) {
        rconn_find_expired(c, now, &next);
        rconn_arm_cmd_timer(c, next);
        rconn_leave(c);
        return;
    }
    /* The timed-out commands get "timeout"; the rest of the pipeline is
     * lost with the connection and gets "closed". */
    struct rconn_error to, cl;
    char why[200] = "";
    if (c->budget.dropped || c->fr.line_cut || c->fr.st == RCONN_F_SKIP) {
        char limit[32];
        rconn_format_size(c->budget.cap, limit, sizeof(limit));
        snprintf(
            why, sizeof(why),
            " (the reply being read had already passed the %s --max-reply-size; %llu "
            "bytes of it dropped so far)",
            limit,
            (unsigned long long)(c->budget.dropped_bytes + (c->fr.line_cut ? c->fr.line_len : 0)));
    }
    rconn_error_set(&to, RCONN_ERR_TIMEOUT, "no reply from %s within %llu ms%s", c->name,
                    (unsigned long long)hit->timeout_ms, why);
    rconn_error_set(&cl, RCONN_ERR_CLOSED,
                    "connection to %s closed: an earlier command timed out after %llu ms", c->name,
                    (unsigned long long)hit->timeout_ms);
    c->failed_at = c->state;
    c->state = RCONN_S_CLOSED;
    c->err = to;
    c->has_err = true;
    rconn_teardown(c, false);
    struct rconn_cmd *cmd;
    for (int pass = 0; pass < 2; pass++) {
        struct rconn_cmdq *q = pass == 0 ? &c->inflight : &c->waiting;
        while ((cmd = rconn_cmdq_pop(q)) != NULL) {
            if (cmd->kind == RCONN_K_USER && cmd->cb) {
                bool expired = cmd->deadline_ms && cmd->deadline_ms <= now;
                struct rconn_result res = {.err = expired ? &to : &cl};
                cmd->cb(c, &res, cmd->arg);
            }
            rconn_cmd_free(cmd);
        }
    }
    rconn_emit(c, RCONN_EV_CLOSED, &c->err);
    rconn_leave(c);
}

/* ---- output ---- */

static void rconn_update_watch(struct rconn *c)
{
    if (c->fd < 0 || c->state == RCONN_S_CLOSED)
        return;
    int ev = REACTOR_READ;
    if (c->out.len > 0 || c->read_wants_write)
        ev |= REACTOR_WRITE;
    rconn_set_watch(c, ev);
}

/* Append a formatted command to the output and the in-flight queue. */
static void rconn_send_wire(struct rconn *c, struct rconn_cmd *cmd, const char *wire, size_t len)
{
    /* the caller checked the cap */
    buf_append(&c->out, wire, len);
    cmd->sent_us = rconn_now_us();
    /* an idle connection gives its TLS buffers back (a console may hold
     * hundreds); a busy one keeps them rather than allocating two per
     * record */
    if (++c->commands_sent == RCONN_BUSY_CMDS && c->ssl)
        SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
    rconn_cmdq_push(&c->inflight, cmd);
}

static struct rconn_cmd *rconn_format(struct rconn *c, int argc, const char *const *argv,
                                      const size_t *argvlen, enum rconn_kind kind)
{
    char *wire = NULL;
    int len = redisFormatCommandArgv(&wire, argc, (const char **)argv, argvlen);
    if (len < 0 || !wire)
        return NULL;
    struct rconn_cmd *cmd = rconn_cmd_get(c);
    cmd->kind = kind;
    cmd->wire = wire;
    cmd->wirelen = (size_t)len;
    return cmd;
}

/* Send an internal command now (handshake or re-auth). */
static void rconn_send_internal(struct rconn *c, enum rconn_kind kind, int argc,
                                const char *const *argv, const size_t *argvlen)
{
    struct rconn_cmd *cmd = rconn_format(c, argc, argv, argvlen, kind);
    if (!cmd) {
        rconn_failf(c, RCONN_ERR_PROTOCOL, "cannot format a command for %s", c->name);
        return;
    }
    rconn_send_wire(c, cmd, cmd->wire, cmd->wirelen);
    mem_wipe(cmd->wire, cmd->wirelen);
    redisFreeCommand(cmd->wire);
    cmd->wire = NULL;
    cmd->wirelen = 0;
    rconn_update_watch(c);
}

/* ---- establishing: dns ---- */

static void rconn_step_timeout(void *arg);

static void rconn_arm_step(struct rconn *c)
{
    rconn_untimer_step(c);
    c->step_timer = loop_timer(c->l, c->connect_timeout_ms, rconn_step_timeout, c);
}

static void rconn_dns_done(const struct rdns_result *res, void *arg)
{
    struct rconn *c = arg;
    c->dns = NULL;
    rconn_enter(c);
    rconn_step_done(c, &c->dns_ms);
    free(c->resolved_by);
    c->resolved_by = mem_xstrdup(res->source);
    if (res->gai_error) {
        rconn_failf(c, RCONN_ERR_DNS, "cannot resolve %s: %s", c->chost,
                    res->error ? res->error : "lookup failed");
    } else {
        c->naddrs = res->naddrs;
        memcpy(c->addrs, res->addrs, res->naddrs * sizeof(res->addrs[0]));
        c->addr_i = 0;
        c->all_refused = true;
        c->state = RCONN_S_CONNECTING;
        rconn_try_next_addr(c);
    }
    rconn_leave(c);
}

/* ---- establishing: connect ---- */

static void rconn_note_attempt(struct rconn *c, const char *what)
{
    if (c->attempts.len)
        buf_appends(&c->attempts, "; ");
    buf_printf(&c->attempts, "%s %s", c->addr_text, what);
}

static void rconn_connect_failed(struct rconn *c)
{
    enum rconn_err code = c->any_timeout   ? RCONN_ERR_CONNECT_TIMEOUT
                          : c->all_refused ? RCONN_ERR_CONNECT_REFUSED
                                           : RCONN_ERR_CONNECT;
    const char *what = code == RCONN_ERR_CONNECT_TIMEOUT   ? "timed out"
                       : code == RCONN_ERR_CONNECT_REFUSED ? "refused"
                                                           : "failed";
    char via[300] = "";
    if (c->routed)
        snprintf(via, sizeof(via), " (via --connect-to %s:%d)", c->chost, c->cport);
    rconn_failf(c, code, "connect to %s%s %s: %s", c->name, via, what, buf_str(&c->attempts));
}

static void rconn_start_tls(struct rconn *c);
static void rconn_start_auth(struct rconn *c);

static void rconn_connected(struct rconn *c)
{
    rconn_step_done(c, &c->connect_ms);
    c->connected = true;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    /* TLS + AUTH share one deadline from here */
    rconn_arm_step(c);
    if (c->tls)
        rconn_start_tls(c);
    else
        rconn_start_auth(c);
}

static void rconn_try_next_addr(struct rconn *c)
{
    while (c->addr_i < c->naddrs) {
        const struct rdns_addr *a = &c->addrs[c->addr_i++];
        if (a->family == AF_INET6)
            snprintf(c->addr_text, sizeof(c->addr_text), "[%s]:%d", a->text, c->cport);
        else
            snprintf(c->addr_text, sizeof(c->addr_text), "%s:%d", a->text, c->cport);
        c->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            c->all_refused = false;
            rconn_note_attempt(c, strerror(errno));
            continue;
        }
        struct sockaddr_storage sa = a->sa;
        if (a->family == AF_INET)
            ((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)c->cport);
        else
            ((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)c->cport);
        c->t_step = loop_now_ms(c->l);
        int rc;
        do
            rc = connect(c->fd, (struct sockaddr *)&sa, a->len);
        while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            rconn_connected(c);
            return;
        }
        if (errno == EINPROGRESS) {
            rconn_set_watch(c, REACTOR_WRITE);
            rconn_arm_step(c);
            return;
        }
        int e = errno;
        if (e != ECONNREFUSED)
            c->all_refused = false;
        rconn_note_attempt(c, e == ECONNREFUSED ? "refused" : strerror(e));
        close(c->fd);
        c->fd = -1;
    }
    rconn_connect_failed(c);
}

static void rconn_connect_event(struct rconn *c)
{
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
    if (soerr == 0) {
        rconn_untimer_step(c);
        rconn_connected(c);
        return;
    }
    if (soerr != ECONNREFUSED)
        c->all_refused = false;
    rconn_note_attempt(c, soerr == ECONNREFUSED ? "refused" : strerror(soerr));
    rconn_untimer_step(c);
    rconn_close_socket(c, false);
    rconn_try_next_addr(c);
}

/* ---- establishing: TLS ---- */

/* SSL_get_error() needs the thread's error queue empty before an I/O
 * call. ERR_clear_error() walks and resets all 16 slots of the queue
 * (~840 instructions with OpenSSL 3, twice a command one by one); when
 * nothing is queued, which is the rule, a peek (~1/3 of that) is enough. */
static void rconn_err_clear(void)
{
    if (ERR_peek_error() != 0)
        ERR_clear_error();
}

static void rconn_start_tls(struct rconn *c)
{
    c->state = RCONN_S_TLS;
    ERR_clear_error();
    c->ssl = SSL_new(c->tls->ctx);
    BIO *bio = rconn_bio_method ? BIO_new(rconn_bio_method) : NULL;
    if (!c->ssl || !bio) {
        BIO_free(bio);
        rconn_failf(c, RCONN_ERR_TLS_HANDSHAKE, "cannot set up TLS for %s", c->name);
        return;
    }
    BIO_set_data(bio, c);
    SSL_set_bio(c->ssl, bio, bio);
    bool ip = rconn_routes_is_ip(c->host);
    if (!ip)
        SSL_set_tlsext_host_name(c->ssl, c->host); /* SNI: the endpoint name */
    if (!c->tls->insecure) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
        int ok;
        if (ip) {
            ok = X509_VERIFY_PARAM_set1_ip_asc(vp, c->host);
        } else {
            X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            ok = X509_VERIFY_PARAM_set1_host(vp, c->host, 0);
        }
        if (ok != 1) {
            rconn_failf(c, RCONN_ERR_TLS_CONFIG, "cannot check the certificate against '%s'",
                        c->host);
            return;
        }
        snprintf(c->verify_name, sizeof(c->verify_name), "%s", c->host);
    }
    SSL_set_connect_state(c->ssl);
    rconn_set_watch(c, REACTOR_READ | REACTOR_WRITE);
}

static bool rconn_looks_like_resp(const unsigned char *p, size_t n)
{
    return n > 0 && (p[0] == '-' || p[0] == '+' || p[0] == '$' || p[0] == '*' || p[0] == ':');
}

static void rconn_x509_name(X509_NAME *nm, char *out, size_t n)
{
    out[0] = '\0';
    if (!nm)
        return;
    BIO *m = BIO_new(BIO_s_mem());
    if (!m)
        return;
    X509_NAME_print_ex(m, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *data;
    long len = BIO_get_mem_data(m, &data);
    if (len > 0)
        snprintf(out, n, "%.*s", (int)(len < (long)n ? len : (long)n - 1), data);
    BIO_free(m);
}

static void rconn_tls_handshake(struct rconn *c)
{
    ERR_clear_error();
    c->io_errno = 0;
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1) {
        rconn_step_done(c, &c->tls_ms);
        snprintf(c->tls_version, sizeof(c->tls_version), "%s", SSL_get_version(c->ssl));
        snprintf(c->tls_cipher, sizeof(c->tls_cipher), "%s", SSL_get_cipher_name(c->ssl));
        X509 *peer = SSL_get1_peer_certificate(c->ssl);
        if (peer) {
            rconn_x509_name(X509_get_subject_name(peer), c->peer_subject, sizeof(c->peer_subject));
            rconn_x509_name(X509_get_issuer_name(peer), c->peer_issuer, sizeof(c->peer_issuer));
            X509_free(peer);
        }
        rconn_start_auth(c);
        return;
    }
    int se = SSL_get_error(c->ssl, rc);
    if (se == SSL_ERROR_WANT_READ) {
        rconn_set_watch(c, REACTOR_READ);
        return;
    }
    if (se == SSL_ERROR_WANT_WRITE) {
        rconn_set_watch(c, REACTOR_READ | REACTOR_WRITE);
        return;
    }
    long vr = SSL_get_verify_result(c->ssl);
    if (!c->tls->insecure && vr != X509_V_OK) {
        const char *why = X509_verify_cert_error_string(vr);
        if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
            rconn_failf(c, RCONN_ERR_TLS_VERIFY,
                        "certificate of %s does not match the name checked '%s': %s", c->name,
                        c->verify_name, why);
        else
            rconn_failf(c, RCONN_ERR_TLS_VERIFY,
                        "certificate of %s not trusted (CA: %s; name checked '%s'): %s", c->name,
                        c->tls->ca_source, c->verify_name, why);
        return;
    }
    char reason[256];
    if (se == SSL_ERROR_SSL)
        rconn_ssl_errstr(reason, sizeof(reason));
    else if (c->peer_eof)
        snprintf(reason, sizeof(reason), "the server closed the connection");
    else if (c->io_errno)
        snprintf(reason, sizeof(reason), "%s", strerror(c->io_errno));
    else
        snprintf(reason, sizeof(reason), "handshake failed");
    ERR_clear_error();
    if (rconn_looks_like_resp(c->first, c->nfirst))
        rconn_failf(c, RCONN_ERR_TLS_HANDSHAKE,
                    "TLS handshake with %s failed: the server answered in plain Redis protocol, "
                    "so it does not speak TLS on this port (turn TLS off for this endpoint) (%s)",
                    c->name, reason);
    else if ((c->io_errno == ECONNRESET || c->io_errno == EPIPE || c->peer_eof) && c->nfirst == 0)
        /* nothing came back before the reset: the node went away (a dying
         * process, a full accept queue), not a TLS mismatch */
        rconn_failf(c, RCONN_ERR_IO_RESET,
                    "connection to %s dropped during the TLS handshake, before any answer (%s)",
                    c->name, reason);
    else if (c->io_errno == ECONNRESET || c->io_errno == EPIPE)
        rconn_failf(c, RCONN_ERR_TLS_HANDSHAKE,
                    "TLS handshake with %s failed: connection reset by the server (%s)", c->name,
                    reason);
    else
        rconn_failf(c, RCONN_ERR_TLS_HANDSHAKE, "TLS handshake with %s failed: %s", c->name,
                    reason);
}

/* ---- establishing: AUTH ---- */

static void rconn_become_ready(struct rconn *c);
static void rconn_schedule_reauth(struct rconn *c, bool retry);

static void rconn_send_auth(struct rconn *c, enum rconn_kind kind, const char *user,
                            const char *secret)
{
    const char *argv[3];
    size_t argvlen[3];
    int argc = 0;
    argv[argc] = "AUTH";
    argvlen[argc++] = 4;
    if (user && *user) {
        argv[argc] = user;
        argvlen[argc++] = strlen(user);
    }
    argv[argc] = secret;
    argvlen[argc++] = strlen(secret);
    rconn_send_internal(c, kind, argc, argv, argvlen);
}

/* HELLO 2 or HELLO 3 of elcui's own, now. */
static void rconn_send_hello(struct rconn *c, int proto)
{
    const char *argv[] = {"HELLO", proto == 3 ? "3" : "2"};
    size_t argvlen[] = {5, 1};
    struct rconn_cmd *cmd = rconn_format(c, 2, argv, argvlen, RCONN_K_HELLO);
    if (!cmd) {
        rconn_failf(c, RCONN_ERR_PROTOCOL, "cannot format a command for %s", c->name);
        return;
    }
    cmd->hello = proto;
    if (proto == 3)
        c->hello3_inflight++;
    rconn_send_wire(c, cmd, cmd->wire, cmd->wirelen);
    redisFreeCommand(cmd->wire);
    cmd->wire = NULL;
    cmd->wirelen = 0;
    rconn_update_watch(c);
}

static void rconn_send_setup(struct rconn *c)
{
    c->setup_sent = true;
    if (c->client_name && *c->client_name) {
        const char *argv[] = {"CLIENT", "SETNAME", c->client_name};
        size_t argvlen[] = {6, 7, strlen(c->client_name)};
        rconn_send_internal(c, RCONN_K_SETNAME, 3, argv, argvlen);
    }
    if (c->want_proto == 3 && c->state != RCONN_S_CLOSED)
        rconn_send_hello(c, 3);
}

static void rconn_apply_cred(struct rconn *c, const struct rconn_cred *cr, bool reauth)
{
    const char *user = cr->user && *cr->user ? cr->user : NULL;
    if (!reauth) {
        free(c->auth_user);
        c->auth_user = mem_xstrdup(user ? user : "");
    }
    c->auth_expires = cr->expires_wall_ms;
    if (!cr->secret) {
        /* the provider says: no AUTH; probe with PING */
        const char *argv[] = {"PING"};
        size_t argvlen[] = {4};
        rconn_send_internal(c, RCONN_K_PROBE, 1, argv, argvlen);
        rconn_send_setup(c);
        return;
    }
    if (reauth) {
        free(c->auth_user);
        c->auth_user = mem_xstrdup(user ? user : "");
    }
    rconn_send_auth(c, reauth ? RCONN_K_REAUTH : RCONN_K_AUTH, user, cr->secret);
    if (!reauth)
        rconn_send_setup(c);
}

bool rconn_cred_req_is_reauth(const struct rconn_cred_req *req)
{
    return req && req->reauth;
}

void rconn_cred_done(struct rconn_cred_req *req, const struct rconn_cred *cred, const char *errmsg)
{
    if (!req)
        return;
    struct rconn *c = req->c;
    bool reauth = req->reauth;
    free(req);
    if (!c)
        return;
    c->cred_req = NULL;
    rconn_enter(c);
    if (c->state != RCONN_S_CLOSED) {
        if (!cred) {
            struct rconn_error e;
            rconn_error_set(&e, RCONN_ERR_AUTH, "no credentials for %s: %s", c->name,
                            errmsg && *errmsg ? errmsg : "the credential provider failed");
            if (reauth) {
                rconn_emit(c, RCONN_EV_REAUTH_FAILED, &e);
                rconn_schedule_reauth(c, true);
            } else {
                rconn_fail(c, &e);
            }
        } else if (!reauth || cred->secret) {
            rconn_apply_cred(c, cred, reauth);
        } else {
            rconn_schedule_reauth(c, false);
        }
    }
    rconn_leave(c);
}

static void rconn_request_cred(struct rconn *c, bool reauth)
{
    struct rconn_cred_req *req = mem_xcalloc(1, sizeof(*req));
    req->c = c;
    req->reauth = reauth;
    c->cred_req = req;
    c->cred(req, c->cred_arg);
}

static void rconn_start_auth(struct rconn *c)
{
    c->state = RCONN_S_AUTH;
    rconn_update_watch(c);
    if (c->cred) {
        rconn_request_cred(c, false);
        return;
    }
    struct rconn_cred cr = {.user = c->user, .secret = c->password};
    rconn_apply_cred(c, &cr, false);
    if (c->password) {
        mem_free_secret(c->password);
        c->password = NULL;
    }
}

static void rconn_reauth_fire(void *arg)
{
    struct rconn *c = arg;
    c->reauth_timer = NULL;
    if (c->state != RCONN_S_READY || c->reauth_inflight || c->cred_req)
        return;
    rconn_enter(c);
    c->reauth_inflight = true;
    rconn_request_cred(c, true);
    rconn_leave(c);
}

static void rconn_schedule_reauth(struct rconn *c, bool retry)
{
    c->reauth_inflight = false;
    /* a subscribed connection takes no AUTH: it stays authenticated */
    if (!c->cred || c->state == RCONN_S_CLOSED || c->reauth_timer || c->push_started)
        return;
    if (c->auth_expires <= 0)
        return;
    int64_t now = loop_wall_ms(c->l);
    int64_t left = c->auth_expires - now;
    uint64_t delay;
    if (retry || left <= 0) {
        /* after a failure, or past expiry: try again soon */
        delay = RCONN_REAUTH_RETRY_MS;
    } else {
        uint64_t margin = c->reauth_margin_ms;
        if (!margin) {
            margin = (uint64_t)left / 5;
            if (margin > 60000)
                margin = 60000;
        }
        delay = (uint64_t)left > margin ? (uint64_t)left - margin : 0;
    }
    c->reauth_timer = loop_timer(c->l, delay, rconn_reauth_fire, c);
}

/* Classify an error reply to AUTH. */
static void rconn_auth_error(struct rconn *c, const redisReply *r, bool reauth)
{
    struct rconn_error e;
    const char *s = r->str ? r->str : "";
    if (strncmp(s, "WRONGPASS", 9) == 0)
        rconn_error_set(&e, RCONN_ERR_AUTH_WRONGPASS, "AUTH rejected by %s: %s", c->name, s);
    else if (strncmp(s, "NOAUTH", 6) == 0)
        rconn_error_set(&e, RCONN_ERR_AUTH_NOAUTH, "%s requires AUTH: %s", c->name, s);
    else
        rconn_error_set(&e, RCONN_ERR_AUTH, "AUTH failed on %s: %s", c->name, s);
    if (reauth) {
        rconn_emit(c, RCONN_EV_REAUTH_FAILED, &e);
        rconn_schedule_reauth(c, true);
    } else {
        rconn_fail(c, &e);
    }
}

static void rconn_internal_reply(struct rconn *c, struct rconn_cmd *cmd, const redisReply *r)
{
    bool is_err = r->type == REDIS_REPLY_ERROR;
    switch (cmd->kind) {
    case RCONN_K_AUTH:
        if (is_err) {
            const char *s = r->str ? r->str : "";
            if (strstr(s, "without any password configured") || strstr(s, "no password is set")) {
                /* AUTH to a server without a password: works, but say so */
                snprintf(c->auth_warning, sizeof(c->auth_warning),
                         "AUTH was sent but %s has no password set (the token is not needed)",
                         c->name);
                c->authenticated = false;
            } else {
                rconn_auth_error(c, r, false);
                return;
            }
        } else {
            c->authenticated = true;
        }
        if (!c->inflight.head && c->state == RCONN_S_AUTH)
            rconn_become_ready(c);
        break;
    case RCONN_K_PROBE:
        if (is_err && r->str && strncmp(r->str, "NOAUTH", 6) == 0) {
            rconn_auth_error(c, r, false);
            return;
        }
        if (!c->inflight.head && c->state == RCONN_S_AUTH)
            rconn_become_ready(c);
        break;
    case RCONN_K_SETNAME:
        /* a refused CLIENT SETNAME does not matter */
        if (!c->inflight.head && c->state == RCONN_S_AUTH)
            rconn_become_ready(c);
        break;
    case RCONN_K_HELLO:
        if (is_err) {
            /* Redis < 6 has no HELLO: "ERR unknown command 'HELLO'" */
            rconn_failf(c, RCONN_ERR_PROTOCOL,
                        "%s refused HELLO %d (%s): RESP3 needs Redis 6 or later; this node "
                        "speaks RESP2 only",
                        c->name, cmd->hello, r->str ? r->str : "");
            return;
        }
        if (!c->inflight.head && c->state == RCONN_S_AUTH)
            rconn_become_ready(c);
        break;
    case RCONN_K_REAUTH:
        if (is_err) {
            rconn_auth_error(c, r, true);
        } else {
            c->reauths++;
            c->authenticated = true;
            rconn_emit(c, RCONN_EV_REAUTH, NULL);
            rconn_schedule_reauth(c, false);
        }
        break;
    case RCONN_K_USER:
    case RCONN_K_PUSH:
    case RCONN_K_PUSH_RAW:
        break;
    }
}

static void rconn_become_ready(struct rconn *c)
{
    rconn_step_done(c, &c->auth_ms);
    rconn_untimer_step(c);
    c->state = RCONN_S_READY;
    /* flush what was queued while connecting, in order */
    struct rconn_cmd *cmd;
    uint64_t min_deadline = 0;
    while ((cmd = rconn_cmdq_pop(&c->waiting)) != NULL) {
        if (cmd->kind == RCONN_K_PUSH_RAW) {
            /* answered as messages of the stream, never in order */
            buf_append(&c->out, cmd->wire, cmd->wirelen);
            rconn_cmd_free(cmd);
            continue;
        }
        rconn_send_wire(c, cmd, cmd->wire, cmd->wirelen);
        mem_wipe(cmd->wire, cmd->wirelen);
        redisFreeCommand(cmd->wire);
        cmd->wire = NULL;
        if (cmd->deadline_ms && (!min_deadline || cmd->deadline_ms < min_deadline))
            min_deadline = cmd->deadline_ms;
    }
    rconn_arm_cmd_timer(c, min_deadline);
    rconn_update_watch(c);
    rconn_schedule_reauth(c, false);
    rconn_emit(c, RCONN_EV_READY, NULL);
}

/* ---- input ---- */

static void rconn_protocol_error(struct rconn *c, const char *what)
{
    /* plain connection to a TLS server: its first bytes are a TLS record */
    if (!c->tls && c->state == RCONN_S_AUTH && c->nfirst > 0 &&
        (c->first[0] == 0x15 || c->first[0] == 0x16))
        rconn_failf(c, RCONN_ERR_TLS_HANDSHAKE,
                    "%s answered with TLS while this connection is plain TCP: the endpoint "
                    "requires TLS (in-transit encryption is on)",
                    c->name);
    else
        rconn_failf(c, RCONN_ERR_PROTOCOL, "bad reply from %s: %s", c->name, what);
}

static void rconn_budget_reset(struct rconn_budget *b)
{
    size_t cap = b->cap;
    memset(b, 0, sizeof(*b));
    b->cap = cap;
}

/* A reply of which nothing could be kept. */
static void rconn_too_large(struct rconn *c, const struct rconn_trunc *t, struct rconn_error *e)
{
    char limit[32], bytes[32];
    rconn_format_size(t->limit, limit, sizeof(limit));
    rconn_format_size(t->dropped_bytes, bytes, sizeof(bytes));
    rconn_error_set(e, RCONN_ERR_TOO_LARGE,
                    "reply from %s too large: it does not fit the %s --max-reply-size (%llu "
                    "object%s, %s of strings, read and dropped; the connection stays usable)",
                    c->name, limit, (unsigned long long)t->dropped, t->dropped == 1 ? "" : "s",
                    bytes);
}

static void rconn_pushes_free(struct rconn *c)
{
    for (size_t i = 0; i < c->npushes; i++)
        freeReplyObject(c->pushes[i]);
    c->npushes = 0;
    c->pushes_cost = 0;
    c->pushes_dropped = 0;
}

/* A push outside a stream (RESP3): kept for the next reply, within
 * RCONN_MAX_PUSHES and the reply cap; r NULL: it did not fit at all. */
static void rconn_keep_push(struct rconn *c, redisReply *r, size_t cost)
{
    if (!r || c->npushes >= RCONN_MAX_PUSHES || cost > c->max_reply - c->pushes_cost) {
        if (r)
            freeReplyObject(r);
        c->pushes_dropped++;
        return;
    }
    c->pushes[c->npushes++] = r;
    c->pushes_cost += cost;
}

/* One reply read (r NULL: none of it fit the cap; t says what was cut).
 * push: a RESP3 push message. Routed to the stream, the pushes kept for
 * the next reply, or the command it answers. */
static void rconn_deliver(struct rconn *c, redisReply *r, const struct rconn_trunc *t, bool push)
{
    bool dropped_all = r == NULL;
    bool cut = !dropped_all && t->dropped > 0;
    if (cut)
        c->trunc = *t;
    if (c->pushing && !c->inflight.head) {
        /* a message of the stream (one larger than --max-reply-size is dropped) */
        c->push_messages++;
        if (!dropped_all && c->push_cb)
            c->push_cb(c, r, c->push_arg);
        if (r)
            freeReplyObject(r);
        return;
    }
    if (push && !c->push_started) {
        /* out of band (CLIENT TRACKING, DEBUG PROTOCOL push): not a reply */
        rconn_keep_push(c, r, t->cost);
        return;
    }
    struct rconn_cmd *cmd = rconn_cmdq_pop(&c->inflight);
    if (cmd && cmd->hello) {
        if (cmd->hello == 3 && c->hello3_inflight)
            c->hello3_inflight--;
        if (r && r->type != REDIS_REPLY_ERROR)
            c->proto = cmd->hello;
    }
    if (cmd && cmd->kind == RCONN_K_PUSH) {
        /* the stream's first reply (its confirmation, or an error) */
        c->pushing = !dropped_all && r->type != REDIS_REPLY_ERROR;
        c->push_messages++;
        if (!dropped_all && c->push_cb)
            c->push_cb(c, r, c->push_arg);
        if (r)
            freeReplyObject(r);
        rconn_cmd_free(cmd);
        return;
    }
    if (!cmd) {
        if (r)
            freeReplyObject(r);
        rconn_protocol_error(c, "a reply nobody asked for (push messages are not supported)");
        return;
    }
    if (cmd->kind == RCONN_K_USER) {
        struct rconn_result res = {.latency_us = rconn_now_us() - cmd->sent_us};
        struct rconn_error too_large;
        if (dropped_all) {
            rconn_too_large(c, t, &too_large);
            res.err = &too_large;
            res.latency_us = 0;
        } else {
            res.reply = r;
            res.trunc = cut ? &c->trunc : NULL;
        }
        if (cmd->cb)
            cmd->cb(c, &res, cmd->arg);
        if (res.reply)
            freeReplyObject(res.reply);
    } else if (dropped_all || cut) {
        if (r)
            freeReplyObject(r);
        rconn_cmd_free(cmd);
        rconn_protocol_error(c, "a reply to elcui's own command does not fit --max-reply-size");
        return;
    } else {
        rconn_internal_reply(c, cmd, r);
        freeReplyObject(r);
    }
    rconn_cmd_recycle(c, cmd);
}

static void rconn_dispatch_replies(struct rconn *c)
{
    for (;;) {
        if (c->state == RCONN_S_CLOSED || c->freed)
            return;
        void *obj = NULL;
        if (redisReaderGetReply(c->reader, &obj) != REDIS_OK) {
            if (c->budget.bad_array)
                rconn_protocol_error(c, "an array length out of range");
            else
                rconn_protocol_error(c, c->reader->errstr);
            return;
        }
        if (!obj)
            return;
        redisReply *r = obj;
        bool dropped_all = r == &rconn_dropped_obj;
        struct rconn_trunc t = {
            .kept = c->budget.kept,
            .dropped = c->budget.dropped,
            .dropped_bytes = c->budget.dropped_bytes,
            .cost = c->budget.cost,
            .limit = c->budget.cap,
        };
        if (!dropped_all && t.dropped > 0)
            rconn_trim_kept(r);
        rconn_budget_reset(&c->budget);
        rconn_deliver(c, dropped_all ? NULL : r, &t, false);
    }
}

static void rconn_read_failed(struct rconn *c, int err, bool eof)
{
    if (c->state == RCONN_S_AUTH && !c->tls && c->nfirst == 0 && (eof || err == ECONNRESET)) {
        rconn_failf(c, RCONN_ERR_TLS_HANDSHAKE,
                    "%s closed the connection before answering; it probably requires TLS "
                    "(in-transit encryption is on) while this connection is plain TCP",
                    c->name);
        return;
    }
    if (eof)
        rconn_failf(c,
                    c->state == RCONN_S_READY && c->inflight.n == 0 ? RCONN_ERR_CLOSED
                                                                    : RCONN_ERR_IO_RESET,
                    "%s closed the connection%s", c->name,
                    c->inflight.n ? " with replies outstanding" : "");
    else
        rconn_failf(c, RCONN_ERR_IO_RESET, "connection to %s broke: %s", c->name,
                    strerror(err ? err : EIO));
}

/* Give the reader bytes; false when the connection failed. */
static bool rconn_give(struct rconn *c, const char *p, size_t n)
{
    if (n == 0)
        return true;
    if (redisReaderFeed(c->reader, p, n) != REDIS_OK) {
        rconn_protocol_error(c, "reader refused input");
        return false;
    }
    return true;
}

/* Let the reader build what is whole, so the budget is that of the reply
 * the next item belongs to; false when the connection went. */
static bool rconn_sync(struct rconn *c)
{
    if (c->fr.whole) {
        c->fr.whole = false;
        rconn_dispatch_replies(c);
    }
    return c->state != RCONN_S_CLOSED && !c->freed;
}

/* What the budget still allows a string of the reply being read. */
static uint64_t rconn_room(const struct rconn *c)
{
    const struct rconn_budget *b = &c->budget;
    size_t left = b->cap - b->cost;
    if (b->dropping || left < RCONN_OBJ_COST + 2 * RCONN_BLOCK_COST)
        return 0;
    return left - RCONN_OBJ_COST - 2 * RCONN_BLOCK_COST;
}

/* Status and error lines are read with an int length by the reader. */
#define RCONN_MAX_LINE ((uint64_t)INT_MAX - 64)

/* A length / integer line is whole (hdr holds it, CRLF excluded). */
static bool rconn_header_done(struct rconn *c)
{
    struct rconn_framer *f = &c->fr;
    const char *h = f->hdr;
    size_t n = f->hdr_len;
    bool neg = n > 0 && h[0] == '-';
    uint64_t v = 0;
    bool ok = n > (size_t)neg;
    for (size_t i = neg; ok && i < n; i++) {
        if (h[i] < '0' || h[i] > '9' || v > (UINT64_MAX - 9) / 10)
            ok = false;
        else
            v = v * 10 + (uint64_t)(h[i] - '0');
    }
    if (f->type != ':') {
        /* lengths: -1 (nil) or 0..INT_MAX elements / any byte count */
        if (!ok || (neg && v != 1) || (f->type == '*' && v > (uint64_t)INT_MAX) ||
            (f->type == '$' && v > (uint64_t)INT64_MAX)) {
            rconn_protocol_error(c, f->type == '*' ? "an array length out of range"
                                                   : "a bulk string length out of range");
            return false;
        }
    } else if (!ok || v > (uint64_t)INT64_MAX + neg) {
        rconn_protocol_error(c, "an integer out of range");
        return false;
    }
    char line[RCONN_MAX_HEADER + 4];
    line[0] = f->type;
    memcpy(line + 1, h, n);
    memcpy(line + 1 + n, "\r\n", 2);
    f->st = RCONN_F_TYPE;
    if (f->type != '$' || neg) {
        f->whole = true;
        return rconn_give(c, line, n + 3);
    }
    if (v > RCONN_SMALL_BULK) {
        /* large: decide from the header whether it fits, before buffering it */
        if (!rconn_sync(c))
            return false;
        if (v > rconn_room(c)) {
            c->budget.drop_next = true;
            c->budget.dropped_bytes += v;
            f->st = RCONN_F_SKIP;
            f->left = v;
            return rconn_give(c, "$0\r\n", 4);
        }
    }
    f->st = RCONN_F_PAYLOAD;
    f->left = v + 2;
    return rconn_give(c, line, n + 3);
}

/* The RESP3 reader reads what comes next: the node speaks RESP3, or a
 * HELLO 3 is on its way (the reader reads RESP2 as well). */
static bool rconn_want_r3(const struct rconn *c)
{
    return c->proto == 3 || c->hello3_inflight > 0;
}

/* hiredis is between replies, with nothing of the next one read (its
 * task stack empty, or holding the root task of a reply whose type byte
 * has not come yet: redisReaderGetReply sets that up when asked). */
static bool rconn_hiredis_idle(const struct rconn *c)
{
    const redisReader *rd = c->reader;
    bool empty = rd->ridx == -1 || (rd->ridx == 0 && rd->rstack[0].type < 0);
    return empty && rd->pos >= rd->len && !c->fr.whole;
}

/* Frame bytes from the socket and feed hiredis (see rconn_framer).
 * Returns the bytes used: all of them, or where the RESP3 reader takes
 * over (at the start of a reply). */
/* What a step of the framer says: go on, stop (the connection failed or
 * closed: everything counts as read), or hand over to the RESP3 reader
 * from here. k->run..k->i is the part of data still to be fed to the reader. */
enum rconn_feed {
    RCONN_FEED_GO,
    RCONN_FEED_STOP,
    RCONN_FEED_SWITCH,
};

/* Where the framer stands in the data read: data[run..i) is still to be
 * fed to the reader. */
struct rconn_cursor {
    size_t i, run;
};

/* A reply's first byte: its type decides how it is read. */
static enum rconn_feed rconn_feed_type(struct rconn *c, const char *data, struct rconn_cursor *k)
{
    struct rconn_framer *f = &c->fr;
    if (rconn_want_r3(c)) {
        /* at a reply's start? then RESP3 reads from here */
        if (!rconn_give(c, data + k->run, k->i - k->run))
            return RCONN_FEED_STOP;
        k->run = k->i;
        if (!rconn_sync(c))
            return RCONN_FEED_STOP;
        if (rconn_hiredis_idle(c)) {
            c->r3 = resp3_reader_new(c->max_reply);
            return RCONN_FEED_SWITCH;
        }
    }
    char t = data[k->i];
    f->type = t;
    if (t == '$' || t == '*' || t == ':') {
        if (!rconn_give(c, data + k->run, k->i - k->run))
            return RCONN_FEED_STOP;
        f->st = RCONN_F_HEADER;
        f->hdr_len = 0;
        f->cr = false;
        k->run = ++k->i;
    } else if (t == '+' || t == '-') {
        f->st = RCONN_F_LINE;
        f->line_len = 0;
        f->cr = false;
        f->line_checked = f->line_cut = false;
        k->i++;
    } else {
        /* not RESP: the reader says so */
        k->i++;
        if (!rconn_give(c, data + k->run, k->i - k->run))
            return RCONN_FEED_STOP;
        k->run = k->i;
        f->whole = true;
        if (!rconn_sync(c))
            return RCONN_FEED_STOP;
    }
    return RCONN_FEED_GO;
}

/* A length or integer line, kept to be read. */
static enum rconn_feed rconn_feed_header(struct rconn *c, const char *data, size_t n,
                                         struct rconn_cursor *k)
{
    struct rconn_framer *f = &c->fr;
    while (k->i < n && f->st == RCONN_F_HEADER) {
        char ch = data[k->i++];
        if (f->cr && ch == '\n') {
            f->hdr_len--; /* the CR */
            if (!rconn_header_done(c))
                return RCONN_FEED_STOP;
        } else if (f->hdr_len >= RCONN_MAX_HEADER) {
            rconn_protocol_error(c, "a length or integer line too long");
            return RCONN_FEED_STOP;
        } else {
            f->hdr[f->hdr_len++] = ch;
            f->cr = ch == '\r';
        }
    }
    k->run = k->i;
    return RCONN_FEED_GO;
}

/* A status or error line: fed through up to its CRLF, or cut where the
 * reply budget ends. */
static enum rconn_feed rconn_feed_line(struct rconn *c, const char *data, size_t n,
                                       struct rconn_cursor *k)
{
    struct rconn_framer *f = &c->fr;
    /* find CRLF; a CR at the end of the last read counts */
    size_t end = n;
    if (f->cr && data[k->i] == '\n') {
        end = k->i;
    } else {
        const char *p = data + k->i;
        while ((p = memchr(p, '\n', (size_t)(data + n - p))) != NULL) {
            if (p > data + k->i && p[-1] == '\r') {
                end = (size_t)(p - data);
                break;
            }
            p++;
        }
    }
    size_t upto = end < n ? end + 1 : n;
    f->line_len += upto - k->i;
    if (end < n) {
        if (f->line_cut) {
            /* drop what came of the line, end it where it was cut */
            c->budget.dropped_bytes += f->line_len;
            k->run = upto;
            if (!rconn_sync(c))
                return RCONN_FEED_STOP;
            c->budget.drop_next = true;
            if (!rconn_give(c, "\r\n", 2))
                return RCONN_FEED_STOP;
        } else {
            if (!rconn_give(c, data + k->run, upto - k->run))
                return RCONN_FEED_STOP;
            k->run = upto;
        }
        f->whole = true;
        f->st = RCONN_F_TYPE;
        k->i = upto;
        return RCONN_FEED_GO;
    }
    f->cr = data[n - 1] == '\r';
    k->i = n;
    if (f->line_cut) {
        k->run = n;
        return RCONN_FEED_GO;
    }
    uint64_t room = rconn_room(c);
    if (room > RCONN_MAX_LINE)
        room = RCONN_MAX_LINE;
    if (f->line_len > room && !f->line_checked) {
        /* the budget may be that of an earlier reply: bring it up to date */
        f->line_checked = true;
        if (!rconn_give(c, data + k->run, k->i - k->run))
            return RCONN_FEED_STOP;
        k->run = k->i;
        if (!rconn_sync(c))
            return RCONN_FEED_STOP;
        room = rconn_room(c);
        if (room > RCONN_MAX_LINE)
            room = RCONN_MAX_LINE;
    }
    if (f->line_len > room) {
        /* keep nothing more of it; what the reader holds ends at the CRLF.
         * A CR it already holds stays harmless: the CRLF fed at the
         * end follows it. */
        f->line_cut = true;
        if (!rconn_give(c, data + k->run, k->i - k->run))
            return RCONN_FEED_STOP;
        k->run = k->i;
    }
    return RCONN_FEED_GO;
}

/* A bulk payload too large for the budget: skipped on the wire, an empty
 * stand-in fed instead. */
static enum rconn_feed rconn_feed_skip(struct rconn *c, const char *data, size_t n,
                                       struct rconn_cursor *k)
{
    struct rconn_framer *f = &c->fr;
    if (!rconn_give(c, data + k->run, k->i - k->run))
        return RCONN_FEED_STOP;
    size_t take = n - k->i < f->left ? n - k->i : (size_t)f->left;
    k->i += take;
    k->run = k->i;
    f->left -= take;
    if (f->left == 0) {
        f->st = RCONN_F_PAYLOAD;
        f->left = 2; /* its CRLF ends the empty stand-in */
    }
    return RCONN_FEED_GO;
}

static size_t rconn_feed2(struct rconn *c, const char *data, size_t n)
{
    struct rconn_framer *f = &c->fr;
    struct rconn_cursor k = {0, 0};
    while (k.i < n) {
        enum rconn_feed r = RCONN_FEED_GO;
        switch (f->st) {
        case RCONN_F_TYPE:
            r = rconn_feed_type(c, data, &k);
            break;
        case RCONN_F_HEADER:
            r = rconn_feed_header(c, data, n, &k);
            break;
        case RCONN_F_LINE:
            r = rconn_feed_line(c, data, n, &k);
            break;
        case RCONN_F_PAYLOAD: {
            size_t take = n - k.i < f->left ? n - k.i : (size_t)f->left;
            k.i += take;
            f->left -= take;
            if (f->left == 0) {
                f->st = RCONN_F_TYPE;
                f->whole = true;
            }
            break;
        }
        case RCONN_F_SKIP:
            r = rconn_feed_skip(c, data, n, &k);
            break;
        }
        if (r == RCONN_FEED_STOP)
            return n;
        if (r == RCONN_FEED_SWITCH)
            return k.i;
    }
    if (!rconn_give(c, data + k.run, n - k.run))
        return n;
    rconn_sync(c);
    return n;
}

/* Feed the RESP3 reader. Returns the bytes used: all of them, or where
 * hiredis takes over again (after the reply that ended RESP3). */
static size_t rconn_feed3(struct rconn *c, const char *data, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (c->state == RCONN_S_CLOSED || c->freed)
            return n;
        size_t used = 0;
        redisReply *r = NULL;
        struct resp3_stats st;
        enum resp3_status rs = resp3_reader_feed(c->r3, data + i, n - i, &used, &r, &st);
        i += used;
        if (rs == RESP3_ERROR) {
            rconn_protocol_error(c, resp3_reader_error(c->r3));
            return n;
        }
        if (rs == RESP3_MORE)
            return n;
        struct rconn_trunc t = {
            .kept = st.kept,
            .dropped = st.dropped,
            .dropped_bytes = st.dropped_bytes,
            .cost = st.cost,
            .limit = c->max_reply,
        };
        rconn_deliver(c, r, &t, st.push);
        if (c->state == RCONN_S_CLOSED || c->freed)
            return n;
        if (!rconn_want_r3(c) && resp3_reader_idle(c->r3)) {
            /* HELLO 2 answered: hiredis reads again, from a reply's start */
            resp3_reader_free(c->r3);
            c->r3 = NULL;
            memset(&c->fr, 0, sizeof(c->fr));
            return i;
        }
    }
    return n;
}

/* Bytes from the socket, to the reader the protocol wants. */
static void rconn_feed(struct rconn *c, const char *data, size_t n)
{
    if (!c->tls && c->state == RCONN_S_AUTH)
        for (size_t i = 0; i < n && c->nfirst < sizeof(c->first); i++)
            c->first[c->nfirst++] = (unsigned char)data[i];
    size_t i = 0;
    while (i < n && c->state != RCONN_S_CLOSED && !c->freed)
        i += c->r3 ? rconn_feed3(c, data + i, n - i) : rconn_feed2(c, data + i, n - i);
}

/* Read everything available; returns false when the connection failed. */
static bool rconn_read(struct rconn *c)
{
    char buf[16384];
    for (int rounds = 0;; rounds++) {
        if (c->state == RCONN_S_CLOSED || c->freed)
            return false;
        /* be fair to other sources (256 KiB a wake-up: the keys of the
         * console answer while a 1M-element reply is read); poll wakes us
         * again for socket data, but not for plaintext OpenSSL already holds */
        if (rounds >= 16 && !(c->ssl && SSL_has_pending(c->ssl)))
            return true;
        if (c->ssl) {
            rconn_err_clear();
            c->io_errno = 0;
            int n = SSL_read(c->ssl, buf, (int)sizeof(buf));
            if (n > 0) {
                rconn_feed(c, buf, (size_t)n);
                /* a short record and nothing more read ahead: the socket
                 * is likely drained; poll says when more comes, without
                 * a read that would only say EAGAIN */
                if (c->state == RCONN_S_CLOSED || c->freed || !c->ssl)
                    return false;
                if ((size_t)n < sizeof(buf) && !SSL_has_pending(c->ssl))
                    return true;
                continue;
            }
            int se = SSL_get_error(c->ssl, n);
            if (se == SSL_ERROR_WANT_READ)
                return true;
            if (se == SSL_ERROR_WANT_WRITE) {
                /* e.g. answering a TLS 1.3 key update into a full socket */
                c->read_wants_write = true;
                return true;
            }
            if (se == SSL_ERROR_ZERO_RETURN) {
                rconn_read_failed(c, 0, true);
                return false;
            }
            if (se == SSL_ERROR_SSL && !c->peer_eof) {
                char why[256];
                rconn_ssl_errstr(why, sizeof(why));
                ERR_clear_error();
                rconn_failf(c, RCONN_ERR_IO_RESET, "TLS error on %s: %s", c->name, why);
                return false;
            }
            ERR_clear_error();
            rconn_read_failed(c, c->io_errno, c->peer_eof || c->io_errno == 0);
            return false;
        }
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n > 0) {
            c->bytes_in += (uint64_t)n;
            rconn_feed(c, buf, (size_t)n);
            if ((size_t)n < sizeof(buf))
                return c->state != RCONN_S_CLOSED;
            continue;
        }
        if (n == 0) {
            rconn_read_failed(c, 0, true);
            return false;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true;
        if (errno == EINTR)
            continue;
        rconn_read_failed(c, errno, false);
        return false;
    }
}

/* Write what is buffered; returns false when the connection failed. */
static bool rconn_write(struct rconn *c)
{
    while (c->out.len > 0 && c->state != RCONN_S_CLOSED) {
        size_t chunk = c->out.len > (size_t)INT_MAX ? (size_t)INT_MAX : c->out.len;
        if (c->ssl) {
            rconn_err_clear();
            c->io_errno = 0;
            int n = SSL_write(c->ssl, c->out.data, (int)chunk);
            if (n > 0) {
                buf_consume(&c->out, (size_t)n);
                continue;
            }
            int se = SSL_get_error(c->ssl, n);
            if (se == SSL_ERROR_WANT_WRITE || se == SSL_ERROR_WANT_READ) {
                /* retried with the same bytes first (more may follow them),
                 * as OpenSSL requires, once poll says the socket moves */
                c->write_blocked = true;
                return true;
            }
            char why[256];
            if (se == SSL_ERROR_SSL)
                rconn_ssl_errstr(why, sizeof(why));
            else
                snprintf(why, sizeof(why), "%s", strerror(c->io_errno ? c->io_errno : EPIPE));
            ERR_clear_error();
            rconn_failf(c, RCONN_ERR_IO_RESET, "write to %s failed: %s", c->name, why);
            return false;
        }
        ssize_t n = send(c->fd, c->out.data, chunk, MSG_NOSIGNAL);
        if (n > 0) {
            c->bytes_out += (uint64_t)n;
            c->writes++;
            buf_consume(&c->out, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->write_blocked = true;
            c->write_blocks++;
            return true;
        }
        if (n < 0 && errno == EINTR)
            continue;
        rconn_failf(c, RCONN_ERR_IO_RESET, "write to %s failed: %s", c->name,
                    strerror(n < 0 ? errno : EPIPE));
        return false;
    }
    return c->state != RCONN_S_CLOSED;
}

static void rconn_set_watch(struct rconn *c, int events)
{
    if (c->fd < 0)
        return;
    if (!c->watch) {
        c->watch = loop_watch(c->l, c->fd, events, rconn_on_fd, c);
        c->watch_events = events;
        if (!c->hooked && loop_before_sleep(c->l, rconn_flush_hook, c) == 0)
            c->hooked = true;
        return;
    }
    if (c->watch_events != events) {
        loop_rewatch(c->l, c->watch, events);
        c->watch_events = events;
    }
}

static void rconn_on_fd(int fd, int revents, void *arg)
{
    struct rconn *c = arg;
    (void)fd;
    rconn_enter(c);
    switch (c->state) {
    case RCONN_S_CONNECTING:
        rconn_connect_event(c);
        break;
    case RCONN_S_TLS:
        rconn_tls_handshake(c);
        break;
    case RCONN_S_AUTH:
    case RCONN_S_READY:
        if (revents & REACTOR_WRITE)
            c->write_blocked = false;
        if ((revents & REACTOR_WRITE) || (c->out.len > 0 && !c->write_blocked)) {
            if (!rconn_write(c))
                break;
        }
        if ((revents & REACTOR_READ) || (c->read_wants_write && (revents & REACTOR_WRITE))) {
            c->read_wants_write = false;
            if (!rconn_read(c))
                break;
        }
        /* callbacks may have queued more: out with the rest, one write */
        if (c->out.len > 0 && !c->write_blocked && !rconn_write(c))
            break;
        rconn_update_watch(c);
        break;
    case RCONN_S_RESOLVING:
    case RCONN_S_CLOSED:
        break;
    }
    rconn_leave(c);
}

/* Before the loop sleeps: what was queued in this iteration outside our
 * own callbacks (a timer, another connection's reply, a key) goes out now
 * in one write, not after one more poll for writability. */
static void rconn_flush_hook(void *arg)
{
    struct rconn *c = arg;
    if (c->out.len == 0 || c->write_blocked || c->freed || c->fd < 0 ||
        (c->state != RCONN_S_AUTH && c->state != RCONN_S_READY))
        return;
    rconn_enter(c);
    if (rconn_write(c))
        rconn_update_watch(c);
    rconn_leave(c);
}

static void rconn_step_timeout(void *arg)
{
    struct rconn *c = arg;
    c->step_timer = NULL;
    rconn_enter(c);
    switch (c->state) {
    case RCONN_S_RESOLVING:
        if (c->dns_invalid)
            rconn_failf(c, RCONN_ERR_DNS, "cannot resolve '%s': not a usable host name", c->chost);
        else
            rconn_failf(c, RCONN_ERR_DNS, "lookup of %s did not finish within %llu ms", c->chost,
                        (unsigned long long)c->connect_timeout_ms);
        break;
    case RCONN_S_CONNECTING:
        c->any_timeout = true;
        c->all_refused = false;
        rconn_note_attempt(c, "timed out");
        rconn_close_socket(c, false);
        rconn_try_next_addr(c);
        break;
    case RCONN_S_TLS:
        rconn_failf(c, RCONN_ERR_TLS_HANDSHAKE, "no TLS handshake answer from %s within %llu ms%s",
                    c->name, (unsigned long long)c->connect_timeout_ms,
                    c->nfirst == 0 ? " (a plain-text server waits silently for a command: is "
                                     "TLS off on this endpoint?)"
                                   : "");
        break;
    case RCONN_S_AUTH:
        rconn_failf(c, RCONN_ERR_TIMEOUT, "%s did not answer AUTH within %llu ms%s", c->name,
                    (unsigned long long)c->connect_timeout_ms,
                    c->cred_req ? " (still waiting for the credential provider)" : "");
        break;
    case RCONN_S_READY:
    case RCONN_S_CLOSED:
        break;
    }
    rconn_leave(c);
}

/* ---- public ---- */

struct rconn *rconn_open(struct loop *l, const struct rconn_options *o)
{
    pthread_once(&rconn_once, rconn_init_once);
    if (!o || !o->host || !*o->host || o->port <= 0 || o->port > 65535)
        return NULL;
    struct rconn *c = mem_xcalloc(1, sizeof(*c));
    c->l = l;
    c->fd = -1;
    c->host = mem_xstrdup(o->host);
    c->port = o->port;
    c->name = rconn_routes_is_ip(o->host) && strchr(o->host, ':')
                  ? mem_xasprintf("[%s]:%d", o->host, o->port)
                  : mem_xasprintf("%s:%d", o->host, o->port);
    const char *ch;
    c->routed = rconn_routes_lookup(o->routes, o->host, o->port, &ch, &c->cport);
    c->chost = mem_xstrdup(ch);
    c->tls = rconn_tls_ref(o->tls);
    c->connect_timeout_ms =
        o->connect_timeout_ms ? o->connect_timeout_ms : RCONN_DEFAULT_CONNECT_MS;
    c->command_timeout_ms =
        o->command_timeout_ms ? o->command_timeout_ms : RCONN_DEFAULT_COMMAND_MS;
    c->cred = o->cred;
    c->cred_arg = o->cred_arg;
    if (!o->cred) {
        c->user = mem_xstrdup(o->user && *o->user ? o->user : NULL);
        c->password = mem_xstrdup(o->password);
    }
    c->reauth_margin_ms = o->reauth_margin_ms;
    c->client_name = mem_xstrdup(o->client_name);
    c->max_reply = o->max_reply_bytes ? o->max_reply_bytes : RCONN_DEFAULT_MAX_REPLY;
    c->proto = 2;
    c->want_proto = o->protocol == 3 ? 3 : 2;
    c->on_event = o->on_event;
    c->event_arg = o->event_arg;
    buf_init(&c->out, RCONN_MAX_OUT);
    c->out.secret = true; /* AUTH goes through it */
    buf_init(&c->attempts, 4096);
    c->reader = redisReaderCreateWithFunctions(&rconn_reader_fns);
    if (!c->reader) {
        rconn_free_mem(c);
        return NULL;
    }
    c->budget.cap = c->max_reply;
    c->reader->privdata = &c->budget;
    c->state = RCONN_S_RESOLVING;
    c->t_step = loop_now_ms(l);
    c->dns = rconn_routes_resolve(o->routes, l, c->chost, c->cport, rconn_dns_done, c);
    if (!c->dns) {
        /* reported from the loop, like every other failure */
        c->dns_invalid = true;
        c->step_timer = loop_timer(l, 0, rconn_step_timeout, c);
        return c;
    }
    rconn_arm_step(c);
    return c;
}

static void rconn_free_mem(struct rconn *c)
{
    rconn_teardown(c, false);
    struct rconn_cmd *cmd;
    while ((cmd = rconn_cmdq_pop(&c->inflight)) != NULL)
        rconn_cmd_free(cmd);
    while ((cmd = rconn_cmdq_pop(&c->waiting)) != NULL)
        rconn_cmd_free(cmd);
    while (c->spare) {
        cmd = c->spare;
        c->spare = cmd->next;
        free(cmd);
    }
    if (c->reader)
        redisReaderFree(c->reader);
    resp3_reader_free(c->r3);
    rconn_pushes_free(c);
    buf_free(&c->out);
    buf_free(&c->attempts);
    rconn_tls_unref(c->tls);
    free(c->host);
    free(c->name);
    free(c->chost);
    free(c->resolved_by);
    free(c->user);
    mem_free_secret(c->password);
    free(c->client_name);
    free(c->auth_user);
    free(c);
}

void rconn_close(struct rconn *c)
{
    if (!c || c->freed)
        return;
    rconn_enter(c);
    c->freed = true; /* no events from here on */
    bool polite = c->state == RCONN_S_READY;
    if (polite && c->out.len > 0)
        rconn_write(c); /* best effort: one attempt, no waiting */
    if (c->state != RCONN_S_CLOSED) {
        c->failed_at = c->state;
        c->state = RCONN_S_CLOSED;
    }
    rconn_teardown(c, polite);
    struct rconn_error e;
    rconn_error_set(&e, RCONN_ERR_CLOSED, "connection to %s closed by elcui", c->name);
    rconn_drain(c, &e, NULL);
    rconn_leave(c);
}

/* A user command's record: formatted now, or (wire) already formatted by
 * the caller and copied into the output when the connection is ready. */
static int rconn_command_queue(struct rconn *c, int argc, const char *const *argv,
                               const size_t *argvlen, const char *wire, size_t wirelen,
                               uint64_t timeout_ms, rconn_reply_cb cb, void *arg)
{
    if (!c || c->freed || c->state == RCONN_S_CLOSED || argc <= 0 || c->push_started)
        return -1;
    struct rconn_cmd *cmd;
    if (wire && c->state == RCONN_S_READY) {
        if (c->out.len + wirelen > RCONN_MAX_OUT)
            return -1;
        cmd = rconn_cmd_get(c);
        cmd->kind = RCONN_K_USER;
        cmd->wirelen = wirelen;
    } else {
        cmd = rconn_format(c, argc, argv, argvlen, RCONN_K_USER);
        if (!cmd)
            return -1;
        if (c->out.len + cmd->wirelen > RCONN_MAX_OUT) {
            rconn_cmd_free(cmd);
            return -1;
        }
    }
    cmd->cb = cb;
    cmd->arg = arg;
    cmd->hello = rconn_hello_version(argc, argv, argvlen);
    if (cmd->hello == 3)
        c->hello3_inflight++;
    cmd->timeout_ms = timeout_ms ? timeout_ms : c->command_timeout_ms;
    cmd->deadline_ms =
        cmd->timeout_ms == RCONN_NO_TIMEOUT ? 0 : loop_now_ms(c->l) + cmd->timeout_ms;
    if (c->state == RCONN_S_READY && !cmd->wire) {
        rconn_send_wire(c, cmd, wire, wirelen);
        rconn_update_watch(c);
    } else if (c->state == RCONN_S_READY) {
        rconn_send_wire(c, cmd, cmd->wire, cmd->wirelen);
        mem_wipe(cmd->wire, cmd->wirelen);
        redisFreeCommand(cmd->wire);
        cmd->wire = NULL;
        rconn_update_watch(c);
    } else {
        rconn_cmdq_push(&c->waiting, cmd);
    }
    rconn_arm_cmd_timer(c, cmd->deadline_ms);
    return 0;
}

int rconn_command_argv(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen,
                       uint64_t timeout_ms, rconn_reply_cb cb, void *arg)
{
    return rconn_command_queue(c, argc, argv, argvlen, NULL, 0, timeout_ms, cb, arg);
}

int rconn_command_wire(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen,
                       const char *wire, size_t wirelen, uint64_t timeout_ms, rconn_reply_cb cb,
                       void *arg)
{
    return rconn_command_queue(c, argc, argv, argvlen, wire, wirelen, timeout_ms, cb, arg);
}

int rconn_command(struct rconn *c, rconn_reply_cb cb, void *arg, ...)
{
    const char *argv[64];
    size_t argvlen[64];
    int argc = 0;
    va_list ap;
    va_start(ap, arg);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL) {
        if (argc == 64) {
            va_end(ap);
            return -1;
        }
        argv[argc] = s;
        argvlen[argc++] = strlen(s);
    }
    va_end(ap);
    return rconn_command_argv(c, argc, argv, argvlen, 0, cb, arg);
}

/* ---- message streams ---- */

static int rconn_push_queue(struct rconn *c, int argc, const char *const *argv,
                            const size_t *argvlen, enum rconn_kind kind)
{
    struct rconn_cmd *cmd = rconn_format(c, argc, argv, argvlen, kind);
    if (!cmd)
        return -1;
    if (c->out.len + cmd->wirelen > RCONN_MAX_OUT) {
        rconn_cmd_free(cmd);
        return -1;
    }
    if (c->state != RCONN_S_READY) {
        rconn_cmdq_push(&c->waiting, cmd);
        return 0;
    }
    if (kind == RCONN_K_PUSH) {
        rconn_send_wire(c, cmd, cmd->wire, cmd->wirelen);
        mem_wipe(cmd->wire, cmd->wirelen);
        redisFreeCommand(cmd->wire);
        cmd->wire = NULL;
    } else {
        buf_append(&c->out, cmd->wire, cmd->wirelen);
        rconn_cmd_free(cmd);
    }
    rconn_update_watch(c);
    return 0;
}

int rconn_push_start(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen,
                     rconn_push_cb cb, void *arg)
{
    if (!c || c->freed || c->state == RCONN_S_CLOSED || argc <= 0 || c->push_started || !cb)
        return -1;
    if (rconn_push_queue(c, argc, argv, argvlen, RCONN_K_PUSH) != 0)
        return -1;
    c->push_started = true;
    c->push_cb = cb;
    c->push_arg = arg;
    /* no re-authentication on a stream */
    if (c->reauth_timer) {
        loop_untimer(c->l, c->reauth_timer);
        c->reauth_timer = NULL;
    }
    return 0;
}

int rconn_push_send(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen)
{
    if (!c || c->freed || c->state == RCONN_S_CLOSED || argc <= 0 || !c->push_started)
        return -1;
    return rconn_push_queue(c, argc, argv, argvlen, RCONN_K_PUSH_RAW);
}

bool rconn_pushing(const struct rconn *c)
{
    return c && c->pushing;
}

size_t rconn_pushes_waiting(const struct rconn *c)
{
    return c ? c->npushes : 0;
}

size_t rconn_take_pushes(struct rconn *c, redisReply **out, size_t max, uint64_t *dropped)
{
    if (dropped)
        *dropped = 0;
    if (!c)
        return 0;
    size_t n = c->npushes < max ? c->npushes : max;
    memcpy(out, c->pushes, n * sizeof(*out));
    memmove(c->pushes, c->pushes + n, (c->npushes - n) * sizeof(*c->pushes));
    c->npushes -= n;
    if (dropped)
        *dropped = c->pushes_dropped;
    c->pushes_dropped = 0;
    if (c->npushes == 0)
        c->pushes_cost = 0;
    return n;
}

/* ---- protocol ---- */

int rconn_hello_version(int argc, const char *const *argv, const size_t *argvlen)
{
    if (argc < 2 || !argv || !argv[0] || !argv[1])
        return 0;
    size_t l0 = argvlen ? argvlen[0] : strlen(argv[0]);
    size_t l1 = argvlen ? argvlen[1] : strlen(argv[1]);
    if (l0 != 5 || strncasecmp(argv[0], "hello", 5) != 0 || l1 != 1)
        return 0;
    return argv[1][0] == '2' ? 2 : argv[1][0] == '3' ? 3 : 0;
}

int rconn_protocol(const struct rconn *c)
{
    return c ? c->proto : 2;
}

int rconn_set_protocol(struct rconn *c, int proto)
{
    if (!c || c->freed || c->state == RCONN_S_CLOSED || c->push_started ||
        (proto != 2 && proto != 3))
        return -1;
    c->want_proto = proto;
    if (!c->setup_sent)
        return 0; /* the handshake sends it (HELLO 3) or needs nothing (2) */
    if (proto == c->proto && c->hello3_inflight == 0)
        return 0;
    rconn_enter(c);
    rconn_send_hello(c, proto);
    rconn_leave(c);
    return 0;
}

redisReply *rconn_result_steal(struct rconn_result *res)
{
    redisReply *r = res->reply;
    res->reply = NULL;
    return r;
}

const char *rconn_addr(const struct rconn *c)
{
    return c->connected ? c->addr_text : "";
}

void rconn_get_info(const struct rconn *c, struct rconn_info *out)
{
    memset(out, 0, sizeof(*out));
    out->state = c->state;
    out->failed_at = c->failed_at;
    out->error = c->has_err ? &c->err : NULL;
    out->host = c->host;
    out->port = c->port;
    out->connect_host = c->chost;
    out->connect_port = c->cport;
    out->resolved_by = c->resolved_by ? c->resolved_by : "";
    out->routed = c->routed;
    out->addr = c->connected ? c->addr_text : "";
    out->tls = c->tls != NULL;
    out->insecure = c->tls && c->tls->insecure;
    out->tls_version = c->tls_version;
    out->tls_cipher = c->tls_cipher;
    out->peer_subject = c->peer_subject;
    out->peer_issuer = c->peer_issuer;
    out->verify_name = c->verify_name;
    out->authenticated = c->authenticated;
    out->user = c->auth_user ? c->auth_user : "";
    out->auth_warning = c->auth_warning;
    out->auth_expires_wall_ms = c->auth_expires;
    out->reauths = c->reauths;
    out->dns_ms = c->dns_ms;
    out->connect_ms = c->connect_ms;
    out->tls_ms = c->tls_ms;
    out->auth_ms = c->auth_ms;
    out->pending = c->inflight.n + c->waiting.n;
    out->protocol = c->proto;
    out->pushes_waiting = c->npushes;
    out->bytes_in = c->bytes_in;
    out->bytes_out = c->bytes_out;
    out->writes = c->writes;
    out->write_blocks = c->write_blocks;
}
