/* query.h - the AWS query and EC2 protocols: form-encoded parameters in,
 * XML (libxml2) out, and both error envelopes
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html,
 * https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html).
 *
 * Requests: build an ordered parameter list, then encode it exactly as
 * botocore does (quote_plus). Nested list names are spelled out by the
 * typed calls with the name-format helpers, e.g.
 *   query_addf_name(p, "lwid",
 * "LogDeliveryConfigurations.LogDeliveryConfigurationRequest.%d.LogType", 1)
 *
 * Responses: query_parse() finds the result node (<OpResult> for query,
 * the root for EC2) or turns an error envelope into struct aws_error.
 * Navigation helpers ignore XML namespaces and element order, and tolerate
 * unknown elements and missing optional ones, as botocore does.
 */
#ifndef ELCUI_AWS_QUERY_H
#define ELCUI_AWS_QUERY_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_error.h"

struct query_param {
    char *name;
    char *value;
    bool secret; /* shown as "****" by query_describe(); wiped on free */
};

struct query_params {
    struct query_param *items;
    size_t n, cap;
};

/* Starts the list with Action=<action>&Version=<version>. */
struct query_params *query_params_new(const char *action, const char *version);
void query_params_free(struct query_params *p);
void query_add(struct query_params *p, const char *name, const char *value);
void query_add_secret(struct query_params *p, const char *name, const char *value);
void query_add_int(struct query_params *p, const char *name, long long v);
void query_add_bool(struct query_params *p, const char *name, bool v);
/* Name built with printf (list indexes), value as given. */
void query_addf_name(struct query_params *p, const char *value, const char *name_fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *query_get(const struct query_params *p, const char *name);

/* application/x-www-form-urlencoded body (quote_plus). Caller frees; the
 * body holds secrets in clear, so callers wipe it (mem_free_secret). */
char *query_encode(const struct query_params *p, size_t *len);
/* "Name=value" lines with secrets masked, for plans and logs. */
char *query_describe(const struct query_params *p);
/* Decode a form body back into parameters (for tests and the fuzzer). */
struct query_params *query_decode(const char *body, size_t len);

/* Parse a response body. ec2 selects the EC2 flavour. On success returns 0
 * with *doc (caller frees with xmlFreeDoc) and *result pointing into it
 * (<OpResult>, or the root for EC2 and for query operations without
 * output). On failure returns -1 and fills err: an error envelope gives
 * AWS_ERR_SERVICE with code, message and request id; anything else that
 * is not the expected XML gives AWS_ERR_PARSE (2xx) or AWS_ERR_HTTP. */
int query_parse(const char *body, size_t len, int http_status, const char *op, bool ec2,
                xmlDoc **doc, xmlNode **result, char *request_id, size_t request_id_len,
                struct aws_error *err);

/* Streaming parse of a successful (2xx) query-protocol answer whose bulk
 * is one list (DescribeReplicationGroups, DescribeCacheClusters...):
 * libxml2's xmlTextReader walks the body, the subtree of each list item
 * is built alone, handed to on_item and freed before the next one is
 * read, and every other child of <OpResult> (Marker...) is copied into a
 * small document handed to on_rest once the list is done. Memory stays
 * near one item's tree plus what the caller keeps, instead of a tree of
 * the whole answer (about ten times its size). Same rules as query_parse:
 * no network, no entity expansion; a wrong root or malformed XML is
 * AWS_ERR_PARSE. on_item returning -1 stops with the err it filled (or a
 * generic one). request_id gets <ResponseMetadata><RequestId>. */
struct query_stream {
    const char *op;   /* "DescribeReplicationGroups" */
    const char *list; /* element under <OpResult>: "ReplicationGroups" */
    const char *item; /* its items: "ReplicationGroup" */
    int (*on_item)(const xmlNode *item, void *arg, struct aws_error *err);
    int (*on_rest)(const xmlNode *result, void *arg, struct aws_error *err); /* may be NULL */
    void *arg;
};
int query_parse_stream(const char *body, size_t len, const struct query_stream *s, char *request_id,
                       size_t request_id_len, struct aws_error *err);

/* Navigation (namespace-blind local names). */
xmlNode *query_child(const xmlNode *parent, const char *name);
/* Slash path of child names: "ConfigurationEndpoint/Address". */
xmlNode *query_path(const xmlNode *parent, const char *path);
/* Iterate children of list with a given element name ("member", "item"). */
xmlNode *query_first(const xmlNode *list, const char *item_name);
xmlNode *query_next(const xmlNode *prev, const char *item_name);
/* Text of the element at path, newly allocated; NULL when absent. */
char *query_text(const xmlNode *parent, const char *path);
/* Typed readers; return def when absent or malformed. */
long long query_int(const xmlNode *parent, const char *path, long long def);
double query_double(const xmlNode *parent, const char *path, double def);
bool query_bool(const xmlNode *parent, const char *path, bool def);
/* ISO 8601 timestamp at path -> epoch ms; 0 when absent or malformed. */
int64_t query_time(const xmlNode *parent, const char *path);
/* Collect the texts of list items at path into a NULL-terminated array. */
char **query_strings(const xmlNode *parent, const char *path, const char *item_name, size_t *n);
void query_strings_free(char **v);

#endif
