/* http.h - asynchronous HTTP on libcurl's multi interface, driven by a reactor.
 *
 * No blocking calls: curl's sockets and its timeout are handed to the
 * reactor (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), and each
 * transfer completes through a callback. Connections are reused (one multi
 * handle per client). Proxies come from libcurl's usual variables
 * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). This layer knows nothing of AWS:
 * signing and retries live in aws_client.c.
 */
#ifndef ELCUI_AWS_HTTP_H
#define ELCUI_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/reactor.h"

struct http_client;
struct http_xfer;

struct http_options {
    const char *ca_bundle;   /* PEM file (AWS_CA_BUNDLE); NULL = system store */
    long connect_timeout_ms; /* 0 = 5000 */
    long timeout_ms;         /* total per transfer; 0 = 60000 */
    size_t max_body;         /* response cap; 0 = 64 MiB */
    /* To stderr: curl's informational lines (connect, TLS, reuse) and one
     * line per transfer "http: METHOD URL-without-query -> status (ms)".
     * Never headers or bodies, so tokens and secrets are not logged. */
    bool verbose;
};

struct http_header {
    char *name;
    char *value;
};

struct http_response;

/* Streamed answers (see http_request.on_data): head has the status and the
 * headers (no body); data is the next piece of the body, valid during the
 * call only. */
typedef void (*http_data_cb)(const struct http_response *head, const void *data, size_t len,
                             void *arg);

struct http_request {
    const char *method; /* "GET", "POST", "PUT" */
    const char *url;
    /* Extra request headers, "Name: value" each; NULL-terminated array. The
     * client adds an empty "Expect:" itself and never adds Content-Type. */
    const char *const *headers;
    const void *body;
    size_t body_len;
    long timeout_ms;         /* 0 = client default */
    long connect_timeout_ms; /* 0 = client default */
    bool no_proxy;           /* IMDS and container endpoints must not use a proxy */
    /* Streamed answers (event streams): with on_data set, the body of a 2xx
     * answer is handed to on_data piece by piece as it arrives, and not
     * kept; the done callback still runs once at the end, with an empty
     * body and the curl code saying how the stream ended (0: the server
     * ended it). Other statuses are buffered and delivered as usual. No
     * total timeout applies: a stream that receives nothing for
     * idle_timeout_ms (0: 30000) ends with OperationTimedOut. on_data runs
     * from the loop, never inside curl, with the done callback's arg; it may
     * cancel the transfer or free the client. Pieces wait at most max_body
     * bytes for it (past that the transfer ends with WriteAborted). */
    http_data_cb on_data;
    long idle_timeout_ms;
};

struct http_response {
    long status; /* 0 when no response was received */
    char *body;  /* NUL-terminated; may contain NULs before body_len */
    size_t body_len;
    struct http_header *headers; /* as received; names as sent by the server */
    size_t nheaders;
    int curl_code; /* CURLE_OK (0) on a completed exchange */
    char curl_error[256];
    /* Exceeded max_body: body holds the first max_body bytes, the transfer
     * was stopped there (connection closed) and curl_code stays 0. */
    bool body_truncated;
    uint64_t elapsed_ms;
    uint64_t connect_ms;
};

/* Called exactly once per transfer unless cancelled. The response is valid
 * during the call only; the callback may steal body (set it to NULL; it is
 * wiped and freed otherwise). The transfer handle dies when the callback
 * returns: owners clear their copy there (cancelling it from inside its own
 * callback is a harmless no-op). Never called from inside http_send(). */
typedef void (*http_done_cb)(struct http_response *resp, void *arg);

struct http_client *http_client_new(const struct reactor *r, const struct http_options *opt);
/* Cancels every transfer in flight (their callbacks are not called).
 * Allowed from inside a transfer callback: nothing runs afterwards and the
 * memory is released once that callback returns. */
void http_client_free(struct http_client *c);

/* Start a transfer. Copies everything it needs from req (the body copy is
 * wiped when done). NULL only when the request is unusable (bad URL, not
 * http/https); then cb is not called. HTTP/1.1; redirects not followed.
 * Bodies are sent for POST and PUT (and any other method given a body). */
struct http_xfer *http_send(struct http_client *c, const struct http_request *req, http_done_cb cb,
                            void *arg);
/* Abort a transfer; its callback is never called. Safe from inside any
 * callback of another transfer. */
void http_cancel(struct http_xfer *x);

/* Case-insensitive header lookup; NULL when absent. */
const char *http_response_header(const struct http_response *resp, const char *name);

/* Short text for curl_code, e.g. "CouldNotConnect", "OperationTimedOut". */
const char *http_curl_code_name(int curl_code);
/* Whether curl_code means the request never got a response (retryable). */
bool http_curl_code_transient(int curl_code);
bool http_curl_code_timeout(int curl_code);

/* Process-wide libcurl init/cleanup (call from main and tests). */
int http_global_init(void);
void http_global_cleanup(void);

#endif
