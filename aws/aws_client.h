/* aws_client.h - one AWS call: endpoint, credentials, SigV4, HTTP, protocol
 * decoding, the SDK "standard" retry mode and clock-skew correction.
 *
 * Retries (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html,
 * standard mode): max attempts from the options, AWS_MAX_ATTEMPTS
 * or the profile's max_attempts (default 3); retry on connection errors,
 * HTTP 500/502/503/504/429, and the standard throttling and transient code
 * lists; full-jitter exponential back-off min(rand * 2^(n-1), 20) s; a
 * retry quota of 500 tokens per client (5 per retry, 10 after a timeout,
 * refunded on success). Every attempt is re-signed. RequestTimeTooSkewed /
 * RequestExpired / "Signature expired" answers set a clock offset from the
 * response's Date header, and the request is retried at once with it.
 * ExpiredToken / ExpiredTokenException invalidate the credentials and
 * retry once with fresh ones.
 *
 * Typed calls (elasticache.h, ec2.h, ...) are written on top of this; core
 * code uses those, not aws_client_call() directly.
 */
#ifndef ELCUI_AWS_AWS_CLIENT_H
#define ELCUI_AWS_AWS_CLIENT_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/query.h"
#include "aws/reactor.h"
#include "aws/svc.h"

struct aws_client;
struct aws_call;

struct aws_client_options {
    const struct reactor *reactor;
    struct http_client *http;     /* shared; not owned */
    struct creds_provider *creds; /* not owned */
    struct profile_store *store;  /* not owned; may be NULL */
    const char *profile;
    const char *region;       /* required */
    const char *endpoint_url; /* explicit --endpoint-url (all services) */
    int max_attempts;         /* 0: AWS_MAX_ATTEMPTS / max_attempts / 3 */
    long timeout_ms;          /* per attempt; 0: http default */
    unsigned int rand_seed;   /* 0: seeded from the clock (tests fix it) */
    /* Additions. Length of the back-off unit ("1 s" in the formula); 0 =
     * 1000 ms. Tests shrink it so retries do not wait for real seconds. */
    unsigned int backoff_unit_ms;
    /* One line per attempt to stderr: service, operation, URL, status or
     * transport error, time, attempt, request id; and each retry with its
     * delay. Never headers or bodies. */
    bool verbose;
};

/* One piece of a streamed answer (aws_request.on_stream). */
struct aws_stream_piece {
    int http_status;
    const char *content_type; /* "" when absent */
    const char *request_id;   /* x-amzn-RequestId, "" when absent */
    const void *data;
    size_t len;
};

struct aws_request {
    const struct svc *svc;
    const char *op;             /* "DescribeReplicationGroups" */
    struct query_params *query; /* query/EC2 body; ownership passes to the call */
    json_t *json;               /* JSON body; reference passes to the call; NULL = {} */
    bool unsigned_request;      /* AssumeRoleWithWebIdentity, SSO */
    /* XML services: a 2xx answer is handed over as its raw body (resp
     * body/body_len) for a streaming parser, not as a document tree.
     * Error answers are decoded as always. */
    bool raw_xml;
    /* JSON services: a 2xx answer is parsed into the client's arena
     * (awsjson.h), released when the callback returns: bulk pages
     * (FilterLogEvents). The callback must not steal or keep resp->json. */
    bool json_arena;
    const char *region; /* override the client region (rare) */
    /* Optional: told before each retry (progress displays), with the
     * error that caused it, the number of the coming attempt and the
     * computed delay. It may cancel the call (aws_call_cancel). */
    void (*on_retry)(const struct aws_error *why, int next_attempt, uint64_t delay_ms, void *arg);
    /* Optional: called once with the call's arg when the call ends WITHOUT
     * its callback running for the current request - aws_call_cancel(), or
     * aws_client_free() with the call in flight - so a typed call can free
     * its own state. Kept from the first request across aws_call_next. */
    void (*on_release)(void *arg);
    /* Host prefix of the operation ("stream-" for StartLiveTail): put
     * before the resolved endpoint's host, unless the endpoint was
     * configured (--endpoint-url, AWS_ENDPOINT_URL*, the profile), which is
     * used as given. */
    const char *host_prefix;
    /* Event streams: with on_stream set, a 2xx answer's body is handed to
     * on_stream piece by piece as it arrives (from the loop; it may cancel
     * the call). Errors before the answer (non-2xx, transport) are retried
     * as for any call; once a piece has been handed over there are no more
     * attempts, and the callback runs once when the stream ends: err NONE
     * when the server ended it, AWS_ERR_TRANSPORT when it was cut
     * (PartialResponse, RecvError, OperationTimedOut after idle_timeout_ms
     * of silence, 0: 30 s). */
    void (*on_stream)(const struct aws_stream_piece *piece, void *arg);
    long idle_timeout_ms;
};

struct aws_response {
    const struct svc *svc;
    const char *op;
    int http_status;
    /* Success (err.kind == AWS_ERR_NONE): exactly one of these is set. The
     * callback may steal them (set to NULL) to keep them, except json of a
     * json_arena request. */
    xmlDoc *doc;
    xmlNode *result; /* inside doc */
    json_t *json;
    const char *body; /* raw_xml: the 2xx body (valid during the callback) */
    size_t body_len;
    char request_id[96];
    struct aws_error err;
    int attempts;
    uint64_t elapsed_ms; /* first attempt start to completion */
    uint64_t last_attempt_ms;
};

/* Called once per call (or per chained request, see aws_call_next). */
typedef void (*aws_call_cb)(struct aws_response *resp, void *arg);

struct aws_client *aws_client_new(const struct aws_client_options *opt, struct aws_error *err);
/* Cancels outstanding calls (their callbacks are not called). */
void aws_client_free(struct aws_client *c);

/* Start a call. Never calls cb synchronously; configuration errors are
 * delivered through cb as well. The handle stays valid until cb returns
 * without chaining, or until aws_call_cancel. Takes req->query / req->json
 * in every case (NULL is returned only for a NULL client, request or cb). */
struct aws_call *aws_client_call(struct aws_client *c, struct aws_request *req, aws_call_cb cb,
                                 void *arg);
/* From inside cb: issue another request on the same handle (next page of
 * a paginated call). The same cb/arg get its response. Attempts, skew and
 * token retries start afresh for it. Called anywhere else it only frees
 * req's body. */
void aws_client_call_next(struct aws_call *call, struct aws_request *req);
static inline void aws_call_next(struct aws_call *call, struct aws_request *req)
{
    aws_client_call_next(call, req);
}
/* Abort; cb is not called afterwards. Safe from inside any callback. */
void aws_client_call_cancel(struct aws_call *call);
static inline void aws_call_cancel(struct aws_call *call)
{
    aws_client_call_cancel(call);
}
/* (aws_call_next/aws_call_cancel are the names callers use; the exported
 * symbols carry the module prefix, aws_client_call_next/_cancel.) */

const char *aws_client_region(const struct aws_client *c);
/* Endpoint in use for a service (after overrides). Caller frees. */
char *aws_client_endpoint(const struct aws_client *c, const struct svc *svc);
struct creds_provider *aws_client_creds(const struct aws_client *c);
int64_t aws_client_clock_skew_ms(const struct aws_client *c);
/* Current time as the client signs it (wall clock + skew), epoch ms. */
int64_t aws_client_now_ms(const struct aws_client *c);

struct aws_client_stats {
    unsigned long calls;
    unsigned long attempts;
    unsigned long retries;
    unsigned long throttled;
    int retry_quota; /* tokens left of 500 */
};
void aws_client_stats(const struct aws_client *c, struct aws_client_stats *out);

#endif
