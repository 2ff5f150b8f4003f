/* rconn.h - one connection to one Redis node, driven by the event loop.
 *
 * Name resolution off the loop thread (rdns), non-blocking connect over
 * every resolved address with a timeout, TLS with OpenSSL (verification on
 * unless the TLS context is explicitly insecure; SNI and the certificate
 * name check use the endpoint host name even when --connect-to or
 * --resolve send the bytes elsewhere), AUTH (token, RBAC user + password, or an asynchronous
 * credential provider with re-authentication before the credential
 * expires), then a pipelined FIFO of commands with one callback and one
 * latency figure per command and a timeout per command.
 *
 * RESP is read and written by hiredis (reader and argv formatter only; the
 * socket, TLS and timers are ours). Every failure is classified
 * (enum rconn_err) with a message for people that never contains a secret.
 *
 * RESP3: hiredis 0.14 reads RESP2 only, so a connection that speaks RESP3
 * is read by core/redis/resp3.h instead. The switch follows HELLO: from
 * the reply boundary before a HELLO 3 (the user's, or elcui's own when
 * the options or rconn_set_protocol() ask for protocol 3) replies are read
 * by the RESP3 reader, and once a HELLO 2 has been answered and no HELLO 3
 * is in flight, by hiredis again. The trees are redisReply trees either
 * way (resp3.h says how RESP3 types are carried). Push messages ('>') that
 * arrive outside a message stream (CLIENT TRACKING invalidations, DEBUG
 * PROTOCOL push) are kept, bounded, and handed out with the next reply.
 *
 * What a reply may cost is bounded in memory, not in wire bytes: every
 * object the reader builds is charged (its struct, its string, its element
 * array) against max_reply_bytes. Once a reply would pass the cap the rest
 * of it is read and counted but not kept: arrays keep their first
 * elements, strings too large are skipped on the wire without being
 * buffered, status and error lines are cut, and the result says how much
 * was dropped (rconn_result.trunc). A reply of which nothing fits fails
 * with RCONN_ERR_TOO_LARGE. Either way the connection stays in step.
 * Bytes are framed before the reader sees them (type byte, line, bulk
 * payload), so the reader is asked for replies only once a line is whole:
 * a long status or error line costs linear time, not the reader's rescan
 * of the line on every read.
 *
 * A connection is single-use: once closed (by an error or by the owner) it
 * stays closed, and the owner opens a new one. Callbacks never run from
 * inside the function that submitted the work, except from rconn_close()
 * (which fails what is pending with RCONN_ERR_CLOSED).
 */
#ifndef ELCUI_CORE_RCONN_H
#define ELCUI_CORE_RCONN_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "core/redis/rconn_routes.h"
#include "core/redis/rdns.h"

/* ---- errors ---- */

enum rconn_err {
    RCONN_OK = 0,
    RCONN_ERR_DNS,             /* "dns": the name did not resolve */
    RCONN_ERR_CONNECT_REFUSED, /* "connect-refused": nothing listens there */
    RCONN_ERR_CONNECT_TIMEOUT, /* "connect-timeout": no answer to the TCP connect */
    RCONN_ERR_CONNECT,         /* "connect": other connect failure (unreachable...) */
    RCONN_ERR_TLS_HANDSHAKE,   /* "tls-handshake": TLS did not come up */
    RCONN_ERR_TLS_VERIFY,      /* "tls-verify": certificate or name check failed */
    RCONN_ERR_TLS_CONFIG,      /* "tls-config": bad CA file, no system store */
    RCONN_ERR_AUTH_WRONGPASS,  /* "auth-wrongpass": token / password rejected */
    RCONN_ERR_AUTH_NOAUTH,     /* "auth-noauth": server wants AUTH, none given */
    RCONN_ERR_AUTH,            /* "auth": other AUTH failure (provider error...) */
    RCONN_ERR_IO_RESET,        /* "io-reset": connection reset / broken */
    RCONN_ERR_TIMEOUT,         /* "timeout": no reply in time */
    RCONN_ERR_PROTOCOL,        /* "protocol": not RESP, or a reply too large */
    RCONN_ERR_CLOSED,          /* "closed": closed by the peer or by the owner */
    RCONN_ERR_REFUSED,         /* "refused": refused locally (rcluster safety) */
    RCONN_ERR_USAGE,           /* "usage": bad argument (rcluster: unknown node...) */
    RCONN_ERR_TOO_LARGE,       /* "reply-too-large": nothing of the reply fits the cap */
    RCONN_ERR_REDIRECT,        /* "redirect-refused": MOVED/ASK to no node of the group */
};

#define RCONN_ERRMSG_MAX 512

struct rconn_error {
    enum rconn_err code;
    char msg[RCONN_ERRMSG_MAX]; /* one line for people; never holds a secret */
};

/* Stable short name ("connect-refused"); for JSON and the doctor. */
const char *rconn_err_name(enum rconn_err code);
/* The usual cause in words, for on-call ("a security group drops..."). */
const char *rconn_err_hint(enum rconn_err code);
void rconn_error_set(struct rconn_error *e, enum rconn_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- TLS settings shared by many connections ---- */

struct rconn_tls_options {
    /* PEM CA bundle. NULL: $ELCUI_REDIS_CACERT when set, else the system
     * trust store (which trusts ElastiCache's certificates). */
    const char *cafile;
    /* Turn certificate and host name verification off. Never implied; the
     * caller shows it loudly (rconn_info.insecure). */
    bool insecure;
};

struct rconn_tls;

/* NULL with err (tls-config) when the CA file cannot be loaded. */
struct rconn_tls *rconn_tls_new(const struct rconn_tls_options *o, struct rconn_error *err);
struct rconn_tls *rconn_tls_ref(struct rconn_tls *t);
void rconn_tls_unref(struct rconn_tls *t);
bool rconn_tls_insecure(const struct rconn_tls *t);
/* "system trust store" or the CA file path in use. */
const char *rconn_tls_ca_source(const struct rconn_tls *t);

/* ---- connection rules: core/redis/rconn_routes.h ---- */

/* ---- credentials ---- */

struct rconn_cred {
    const char *user;        /* NULL or "": single-argument AUTH */
    const char *secret;      /* token / password; NULL: no AUTH at all */
    int64_t expires_wall_ms; /* 0: never expires (no re-authentication) */
};

struct rconn_cred_req;

/* Asynchronous credential provider (e.g. IAM token minting). Called when
 * a connection needs credentials and again before they expire. It must
 * call rconn_cred_done(req, ...) exactly once, synchronously or later
 * from a loop callback; the request stays valid until then even if the
 * connection is gone. The provider wipes its own copy of the secret. */
typedef void (*rconn_cred_fn)(struct rconn_cred_req *req, void *arg);
/* cred NULL means failure; errmsg (no secret in it) says why. Call it on
 * the loop thread. The secret is copied into the AUTH command and wiped. */
void rconn_cred_done(struct rconn_cred_req *req, const struct rconn_cred *cred, const char *errmsg);
/* True when the request is a re-authentication of a live connection. */
bool rconn_cred_req_is_reauth(const struct rconn_cred_req *req);

/* ---- the connection ---- */

struct rconn;

enum rconn_state {
    RCONN_S_RESOLVING,
    RCONN_S_CONNECTING,
    RCONN_S_TLS,
    RCONN_S_AUTH,
    RCONN_S_READY,
    RCONN_S_CLOSED,
};

const char *rconn_state_name(enum rconn_state s); /* "dns", "connect", "tls", "auth"... */

enum rconn_event {
    RCONN_EV_READY,         /* connected, TLS up, authenticated */
    RCONN_EV_CLOSED,        /* closed by an error or the peer (err says why) */
    RCONN_EV_REAUTH,        /* re-authenticated before the credential expired */
    RCONN_EV_REAUTH_FAILED, /* re-authentication failed (err); will retry */
};

typedef void (*rconn_event_cb)(struct rconn *c, enum rconn_event ev, const struct rconn_error *err,
                               void *arg);

struct rconn_options {
    const char *host; /* endpoint name: SNI, certificate check, labels */
    int port;
    struct rconn_tls *tls;             /* NULL: plain TCP (a reference is taken) */
    const struct rconn_routes *routes; /* connection rules, or NULL (read at open) */
    uint64_t connect_timeout_ms;       /* per step (DNS, each address, TLS+AUTH); 0 = 5000 */
    uint64_t command_timeout_ms;       /* default per command; 0 = 10000 */
    const char *user;                  /* RBAC user, or NULL */
    const char *password;              /* token/password, or NULL (copied, wiped after AUTH) */
    rconn_cred_fn cred;                /* provider; when set, user/password are ignored */
    void *cred_arg;
    uint64_t reauth_margin_ms; /* re-auth this long before expiry; 0 = lifetime/5, max 60 s */
    const char *client_name;   /* CLIENT SETNAME, or NULL */
    size_t max_reply_bytes;    /* what one reply may cost in memory; 0 = RCONN_DEFAULT_MAX_REPLY */
    /* 3: switch to RESP3 (HELLO 3) once authenticated, before READY; a
     * node that refuses (Redis < 6) fails the connection, saying so.
     * 0 or 2: RESP2. */
    int protocol;
    rconn_event_cb on_event; /* may be NULL */
    void *event_arg;
};

/* Start connecting. NULL only for unusable options (no host, bad port). */
struct rconn *rconn_open(struct loop *l, const struct rconn_options *o);
/* Fail every pending command with RCONN_ERR_CLOSED (their callbacks run
 * now), then release the connection. Safe from inside any callback of this
 * connection; the memory goes when the callback returns. No event fires. */
void rconn_close(struct rconn *c);

/* ---- commands ---- */

#define RCONN_NO_TIMEOUT UINT64_MAX

/* The default of --max-reply-size, and its bounds. */
#define RCONN_DEFAULT_MAX_REPLY ((size_t)64 * 1024 * 1024)
#define RCONN_MIN_MAX_REPLY ((size_t)64 * 1024)
#define RCONN_MAX_MAX_REPLY ((size_t)16 * 1024 * 1024 * 1024)

/* A reply that passed the cap: what was kept and what was not. The kept
 * part is a prefix: every array holds its first elements, in order. */
struct rconn_trunc {
    uint64_t kept;          /* objects kept (the reply itself and its elements) */
    uint64_t dropped;       /* objects read but not kept */
    uint64_t dropped_bytes; /* string bytes read but not kept */
    size_t cost;            /* memory the kept part costs (estimate) */
    size_t limit;           /* the cap in force */
};

/* At most this many push messages wait to be taken (their memory is
 * bounded by the reply cap too); past it they are counted, not kept. */
#define RCONN_MAX_PUSHES 64

struct rconn_result {
    const struct rconn_error *err;   /* NULL when a reply arrived */
    redisReply *reply;               /* the reply (may be an error reply); NULL with err */
    uint64_t latency_us;             /* from write to reply (0 with err) */
    const struct rconn_trunc *trunc; /* non-NULL: the reply was cut at the cap */
};

/* RESP3 push messages that arrived on the connection outside a stream
 * (CLIENT TRACKING invalidations, DEBUG PROTOCOL push), oldest first: up
 * to max into out (the caller frees them with freeReplyObject). Taken
 * from a reply's callback, they are those read before that reply. *dropped
 * (may be NULL): how many were not kept since the last take. Returns how
 * many were taken. */
size_t rconn_take_pushes(struct rconn *c, redisReply **out, size_t max, uint64_t *dropped);
/* How many push messages wait to be taken. */
size_t rconn_pushes_waiting(const struct rconn *c);

typedef void (*rconn_reply_cb)(struct rconn *c, struct rconn_result *res, void *arg);

/* Take ownership of the reply (free it with freeReplyObject()); otherwise
 * it is freed when the callback returns. */
redisReply *rconn_result_steal(struct rconn_result *res);

/* Queue a command. Commands are written in order, pipelined (everything
 * submitted before the loop next polls goes out in one write), and their
 * callbacks run in the same order. timeout_ms 0 = the default,
 * RCONN_NO_TIMEOUT = none. When the timeout passes the command fails with
 * RCONN_ERR_TIMEOUT and the connection is closed (replies are positional,
 * so it cannot be reused). Returns 0, or -1 when the connection is closed
 * or the output cap is reached (the callback is then never called). */
int rconn_command_argv(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen,
                       uint64_t timeout_ms, rconn_reply_cb cb, void *arg);
/* The same with argv already formatted by redisFormatCommandArgv (wire,
 * wirelen: borrowed for the call; a repeated command is formatted once by
 * its owner, not once per send). argv is still what it says (HELLO is
 * recognised from it, and it is formatted again while the connection is
 * not ready yet). */
int rconn_command_wire(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen,
                       const char *wire, size_t wirelen, uint64_t timeout_ms, rconn_reply_cb cb,
                       void *arg);
/* Convenience: NULL-terminated list of C strings. */
int rconn_command(struct rconn *c, rconn_reply_cb cb, void *arg, ...) __attribute__((sentinel));

/* ---- protocol (RESP2 / RESP3) ---- */

/* The protocol the node speaks on this connection: 2, or 3 after a
 * HELLO 3 it accepted (a user's HELLO included). */
int rconn_protocol(const struct rconn *c);
/* Switch to proto (2 or 3) with HELLO sent as elcui's own command after
 * what is queued (on a connection not ready yet: while connecting). A
 * node refusing HELLO 3 fails the connection, saying RESP3 needs Redis 6
 * or later. 0, or -1 when closed, streaming or proto is not 2 or 3. */
int rconn_set_protocol(struct rconn *c, int proto);
/* "HELLO N" for the protocol version of argv (2 or 3), 0 when argv is no
 * HELLO switching protocols. */
int rconn_hello_version(int argc, const char *const *argv, const size_t *argvlen);

/* ---- message streams (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR) ---- */

/* One message of a stream, in the order the node sent them: the stream's
 * own confirmations ("subscribe", ..., +OK of MONITOR) first, then what it
 * delivers ("message", "pmessage", "smessage", MONITOR's lines). The reply
 * is freed when the callback returns. The callback may close the
 * connection. */
typedef void (*rconn_push_cb)(struct rconn *c, const redisReply *msg, void *arg);

/* Turn the connection into a message stream: argv is sent (once the
 * connection is ready, after what was queued before it, whose replies
 * still go to their callbacks) and every reply from then on goes to cb,
 * without a timeout. An error reply to argv itself (NOAUTH, MOVED,
 * unknown command) goes to cb too and the stream does not start. No
 * other command may be queued afterwards (rconn_command_argv fails), and
 * the connection does not re-authenticate. -1 when closed, already a
 * stream, or nothing to send. */
int rconn_push_start(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen,
                     rconn_push_cb cb, void *arg);
/* A command within the stream (UNSUBSCRIBE, SUNSUBSCRIBE, PING, RESET):
 * written after the stream's, its answers arrive as messages. */
int rconn_push_send(struct rconn *c, int argc, const char *const *argv, const size_t *argvlen);
/* The stream started (its first reply was not an error). */
bool rconn_pushing(const struct rconn *c);

/* ---- state ---- */

struct rconn_info {
    enum rconn_state state;
    enum rconn_state failed_at;      /* the step that failed (valid when error) */
    const struct rconn_error *error; /* why it closed, NULL while alive */
    const char *host;                /* endpoint name (SNI, verification) */
    int port;
    const char *connect_host; /* after --connect-to */
    int connect_port;
    bool routed;             /* a --connect-to rule applied */
    const char *resolved_by; /* the --resolve rule that answered ("" : DNS) */
    const char *addr;        /* "ip:port" connected to ("" before) */
    bool tls;
    bool insecure;           /* TLS without verification: show it loudly */
    const char *tls_version; /* "TLSv1.3" ("" before / without TLS) */
    const char *tls_cipher;
    const char *peer_subject; /* server certificate subject */
    const char *peer_issuer;
    const char *verify_name;  /* the name or IP the certificate was checked against */
    bool authenticated;       /* AUTH succeeded */
    const char *user;         /* user authenticated as ("" = default user) */
    const char *auth_warning; /* non-empty when AUTH was sent but not needed */
    int64_t auth_expires_wall_ms;
    unsigned reauths;                             /* successful re-authentications */
    uint64_t dns_ms, connect_ms, tls_ms, auth_ms; /* step durations */
    size_t pending;                               /* commands waiting for their reply */
    int protocol;                                 /* 2 or 3 (RESP3 after HELLO 3) */
    size_t pushes_waiting;                        /* push messages kept for the next reply */
    uint64_t bytes_in, bytes_out;
    uint64_t writes;       /* socket writes that moved bytes (handshake included) */
    uint64_t write_blocks; /* times the socket took no more (the rest waited for poll) */
};

/* The "ip:port" reached, "" before the connection is up (what
 * rconn_get_info() says as addr, without filling the rest). */
const char *rconn_addr(const struct rconn *c);
/* Pointers stay valid until the connection changes state or is closed. */
void rconn_get_info(const struct rconn *c, struct rconn_info *out);
enum rconn_state rconn_state(const struct rconn *c);
bool rconn_ready(const struct rconn *c);
/* "host:port" as given (stable for the connection's life). */
const char *rconn_name(const struct rconn *c);

/* Microseconds on the monotonic clock (the latency clock). */
uint64_t rconn_now_us(void);

/* "64 MiB", "512 KiB", "1.5 GiB", "100 B" for messages. */
void rconn_format_size(uint64_t bytes, char *out, size_t n);
/* "64M", "1G", "512k", "100000" (bytes; K/M/G/T are powers of 1024, an
 * optional trailing "B" or "iB" allowed) within the --max-reply-size
 * bounds. false when malformed or out of bounds. */
bool rconn_parse_size(const char *s, size_t *out);
/* One line for people about a cut reply: "kept 838860 elements (64 MiB);
 * 15161140 elements and 0 B of strings not kept (--max-reply-size 64 MiB)". */
void rconn_trunc_text(const struct rconn_trunc *t, char *out, size_t n);

#endif
