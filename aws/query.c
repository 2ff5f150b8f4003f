/* query.c - query/EC2 protocol: parameters, form encoding, XML responses. */
#include "aws/query.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/sigv4.h"

/* ---- parameters ---- */

struct query_params *query_params_new(const char *action, const char *version)
{
    struct query_params *p = mem_xcalloc(1, sizeof(*p));
    query_add(p, "Action", action);
    query_add(p, "Version", version);
    return p;
}

void query_params_free(struct query_params *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].name);
        if (p->items[i].secret)
            mem_free_secret(p->items[i].value);
        else
            free(p->items[i].value);
    }
    free(p->items);
    free(p);
}

static void query_push(struct query_params *p, char *name, const char *value, bool secret)
{
    p->items = mem_xgrow(p->items, &p->cap, p->n + 1, sizeof(*p->items));
    p->items[p->n].name = name;
    p->items[p->n].value = mem_xstrdup(value ? value : "");
    p->items[p->n].secret = secret;
    p->n++;
}

void query_add(struct query_params *p, const char *name, const char *value)
{
    query_push(p, mem_xstrdup(name), value, false);
}

void query_add_secret(struct query_params *p, const char *name, const char *value)
{
    query_push(p, mem_xstrdup(name), value, true);
}

void query_add_int(struct query_params *p, const char *name, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%lld", v);
    query_add(p, name, tmp);
}

void query_add_bool(struct query_params *p, const char *name, bool v)
{
    query_add(p, name, v ? "true" : "false");
}

void query_addf_name(struct query_params *p, const char *value, const char *name_fmt, ...)
{
    struct buf b;
    buf_init(&b, 4096);
    va_list ap;
    va_start(ap, name_fmt);
    buf_vprintf(&b, name_fmt, ap);
    va_end(ap);
    query_push(p, buf_steal(&b), value, false);
}

const char *query_get(const struct query_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    return NULL;
}

/* Python's quote_plus: keep A-Z a-z 0-9 _ . - ~, space -> '+'. */
static void query_quote_plus(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            *c == '_' || *c == '.' || *c == '-' || *c == '~') {
            buf_appendc(b, (char)*c);
        } else if (*c == ' ') {
            buf_appendc(b, '+');
        } else {
            char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
            buf_append(b, e, 3);
        }
    }
}

char *query_encode(const struct query_params *p, size_t *len)
{
    struct buf b;
    buf_init(&b, 0);
    b.secret = true; /* may hold AuthToken and the like */
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            buf_appendc(&b, '&');
        query_quote_plus(&b, p->items[i].name);
        buf_appendc(&b, '=');
        query_quote_plus(&b, p->items[i].value);
    }
    if (len)
        *len = b.len;
    return buf_steal(&b);
}

char *query_describe(const struct query_params *p)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < p->n; i++)
        buf_printf(&b, "%s=%s\n", p->items[i].name,
                   p->items[i].secret ? "****" : p->items[i].value);
    return buf_steal(&b);
}

struct query_params *query_decode(const char *body, size_t len)
{
    struct query_params *p = mem_xcalloc(1, sizeof(*p));
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && body[j] != '&')
            j++;
        if (j > i) {
            size_t eq = i;
            while (eq < j && body[eq] != '=')
                eq++;
            char *name = sigv4_uri_decode(body + i, eq - i, true, NULL);
            char *value =
                eq < j ? sigv4_uri_decode(body + eq + 1, j - eq - 1, true, NULL) : mem_xstrdup("");
            query_push(p, name, value, false);
            free(value);
        }
        i = j + 1;
    }
    return p;
}

/* ---- XML navigation ---- */

static bool query_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

xmlNode *query_child(const xmlNode *parent, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNode *c = parent->children; c; c = c->next)
        if (query_is(c, name))
            return c;
    return NULL;
}

xmlNode *query_path(const xmlNode *parent, const char *path)
{
    const xmlNode *n = parent;
    const char *p = path;
    char seg[128];
    while (n && *p) {
        const char *slash = strchr(p, '/');
        size_t l = slash ? (size_t)(slash - p) : strlen(p);
        if (l == 0 || l >= sizeof(seg))
            return NULL;
        memcpy(seg, p, l);
        seg[l] = '\0';
        n = query_child(n, seg);
        p += l + (slash ? 1 : 0);
    }
    return (xmlNode *)n;
}

xmlNode *query_first(const xmlNode *list, const char *item_name)
{
    return query_child(list, item_name);
}

xmlNode *query_next(const xmlNode *prev, const char *item_name)
{
    if (!prev)
        return NULL;
    for (xmlNode *c = prev->next; c; c = c->next)
        if (query_is(c, item_name))
            return c;
    return NULL;
}

char *query_text(const xmlNode *parent, const char *path)
{
    xmlNode *n = path && *path ? query_path(parent, path) : (xmlNode *)parent;
    if (!n)
        return NULL;
    xmlChar *c = xmlNodeGetContent(n);
    char *s = mem_xstrdup(c ? (const char *)c : "");
    xmlFree(c);
    return s;
}

long long query_int(const xmlNode *parent, const char *path, long long def)
{
    char *s = query_text(parent, path);
    if (!s)
        return def;
    char *end;
    long long v = strtoll(s, &end, 10);
    bool ok = *s && *end == '\0';
    free(s);
    return ok ? v : def;
}

double query_double(const xmlNode *parent, const char *path, double def)
{
    char *s = query_text(parent, path);
    if (!s)
        return def;
    char *end;
    double v = strtod(s, &end);
    bool ok = *s && *end == '\0';
    free(s);
    return ok ? v : def;
}

bool query_bool(const xmlNode *parent, const char *path, bool def)
{
    char *s = query_text(parent, path);
    if (!s)
        return def;
    bool v = def;
    if (strcmp(s, "true") == 0)
        v = true;
    else if (strcmp(s, "false") == 0)
        v = false;
    free(s);
    return v;
}

int64_t query_time(const xmlNode *parent, const char *path)
{
    char *s = query_text(parent, path);
    int64_t ms = 0;
    if (s && !awstime_parse_iso8601(s, &ms))
        ms = 0;
    free(s);
    return ms;
}

char **query_strings(const xmlNode *parent, const char *path, const char *item_name, size_t *n)
{
    xmlNode *list = query_path(parent, path);
    size_t cnt = 0, cap = 0;
    char **v = NULL;
    for (xmlNode *c = query_first(list, item_name); c; c = query_next(c, item_name)) {
        v = mem_xgrow(v, &cap, cnt + 2, sizeof(*v));
        v[cnt++] = query_text(c, NULL);
    }
    if (!v)
        v = mem_xcalloc(1, sizeof(*v));
    v[cnt] = NULL;
    if (n)
        *n = cnt;
    return v;
}

void query_strings_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* ---- responses ---- */

static void query_copy_text(const xmlNode *parent, const char *path, char *out, size_t n)
{
    char *s = query_text(parent, path);
    if (s && out && n)
        snprintf(out, n, "%s", s);
    free(s);
}

/* Error envelopes: query <ErrorResponse><Error>... <RequestId>, also the
 * <Errors><Error> nesting; EC2 <Response><Errors><Error>...<RequestID>. */
static bool query_error_envelope(xmlNode *root, int http_status, char *request_id,
                                 size_t request_id_len, struct aws_error *err)
{
    xmlNode *e = query_child(root, "Error");
    if (!e)
        e = query_path(root, "Errors/Error");
    if (!e || (!query_is(root, "ErrorResponse") && !query_is(root, "Response")))
        return false;
    char *code = query_text(e, "Code");
    char *msg = query_text(e, "Message");
    aws_error_set(err, AWS_ERR_SERVICE, code && *code ? code : "UnknownError", "%s",
                  msg ? msg : "");
    if (!msg) {
        free(err->message);
        err->message = NULL;
    }
    err->http_status = http_status;
    char rid[96] = "";
    query_copy_text(root, "RequestId", rid, sizeof(rid));
    if (!rid[0])
        query_copy_text(root, "RequestID", rid, sizeof(rid));
    if (!rid[0])
        query_copy_text(e, "RequestId", rid, sizeof(rid));
    if (rid[0]) {
        snprintf(err->request_id, sizeof(err->request_id), "%s", rid);
        if (request_id && request_id_len)
            snprintf(request_id, request_id_len, "%s", rid);
    }
    free(code);
    free(msg);
    return true;
}

static void query_http_error(int http_status, const char *body, size_t len, struct aws_error *err)
{
    size_t show = len > 200 ? 200 : len;
    char *snippet = mem_xstrndup(body ? body : "", show);
    for (char *c = snippet; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    aws_error_set(err, AWS_ERR_HTTP, "HttpError", "HTTP %d with no readable error body%s%s%s",
                  http_status, show ? ": \"" : "", snippet, show ? "\"" : "");
    err->http_status = http_status;
    free(snippet);
}

int query_parse(const char *body, size_t len, int http_status, const char *op, bool ec2,
                xmlDoc **doc, xmlNode **result, char *request_id, size_t request_id_len,
                struct aws_error *err)
{
    *doc = NULL;
    *result = NULL;
    bool ok_status = http_status >= 200 && http_status < 300;
    if (!body || len == 0 || len > (size_t)0x7fffffff) {
        if (ok_status) {
            aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                          "empty response body where XML was expected");
            err->http_status = http_status;
        } else {
            query_http_error(http_status, body, 0, err);
        }
        return -1;
    }
    /* No network access and no entity expansion: the body comes from the
     * network and libxml2 must not fetch or expand anything for it. */
    xmlDoc *d = xmlReadMemory(body, (int)len, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOCDATA);
    xmlNode *root = d ? xmlDocGetRootElement(d) : NULL;
    if (!root) {
        const xmlError *xe = xmlGetLastError();
        if (ok_status) {
            char reason[160] = "not XML";
            if (xe && xe->message) {
                snprintf(reason, sizeof(reason), "%s", xe->message);
                size_t l = strlen(reason);
                while (l && (reason[l - 1] == '\n' || reason[l - 1] == ' '))
                    reason[--l] = '\0';
            }
            aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                          "malformed or truncated XML response (%zu bytes): %s%s%d", len, reason,
                          xe ? " at line " : "", xe ? xe->line : 0);
            err->http_status = http_status;
        } else {
            query_http_error(http_status, body, len, err);
        }
        xmlResetLastError();
        xmlFreeDoc(d);
        return -1;
    }
    if (query_error_envelope(root, http_status, request_id, request_id_len, err)) {
        xmlFreeDoc(d);
        return -1;
    }
    if (!ok_status) {
        query_http_error(http_status, body, len, err);
        xmlFreeDoc(d);
        return -1;
    }
    char want[160];
    snprintf(want, sizeof(want), "%sResponse", op);
    if (!query_is(root, want)) {
        aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                      "unexpected XML response: root element <%s>, expected <%s>",
                      (const char *)root->name, want);
        err->http_status = http_status;
        xmlFreeDoc(d);
        return -1;
    }
    if (ec2) {
        query_copy_text(root, "requestId", request_id, request_id_len);
        *result = root;
    } else {
        query_copy_text(root, "ResponseMetadata/RequestId", request_id, request_id_len);
        snprintf(want, sizeof(want), "%sResult", op);
        xmlNode *r = query_child(root, want);
        *result = r ? r : root;
    }
    *doc = d;
    return 0;
}

/* ---- streaming ---- */

static void query_stream_malformed(xmlTextReaderPtr r, size_t len, struct aws_error *err)
{
    const xmlError *xe = xmlGetLastError();
    char reason[160] = "not XML";
    if (xe && xe->message) {
        snprintf(reason, sizeof(reason), "%s", xe->message);
        size_t l = strlen(reason);
        while (l && (reason[l - 1] == '\n' || reason[l - 1] == ' '))
            reason[--l] = '\0';
    }
    int line = xe ? xe->line : (r ? xmlTextReaderGetParserLineNumber(r) : 0);
    aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                  "malformed or truncated XML response (%zu bytes): %s at line %d", len, reason,
                  line);
    err->http_status = 200;
    xmlResetLastError();
}

static bool query_stream_is(xmlTextReaderPtr r, const char *name)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n && strcmp((const char *)n, name) == 0;
}

/* Silence libxml2's own reports (they would reach the terminal). */
static void query_stream_quiet(void *arg, const char *msg, xmlParserSeverities sev,
                               xmlTextReaderLocatorPtr loc)
{
    (void)arg;
    (void)msg;
    (void)sev;
    (void)loc;
}

/* Where a streamed read stands. */
struct query_walk {
    xmlTextReaderPtr r;
    const struct query_stream *s;
    char want_root[160], want_result[160];
    /* what is not the list, kept small: <OpResult> with Marker and the like */
    xmlDoc *rest;
    xmlNode *rest_root;
    char *request_id;
    size_t request_id_len;
    bool root_seen, in_result, in_list, result_seen, meta_seen, list_seen;
    bool failed; /* err is set */
};

/* An element below <OpResponse>. As the tree readers do: the first
 * <OpResult>, the first <ResponseMetadata>, the first list; later ones are
 * skipped. Returns the reader's next status. */
static int query_walk_top(struct query_walk *w, bool empty)
{
    xmlTextReaderPtr r = w->r;
    if (query_stream_is(r, w->want_result) && !empty && !w->result_seen) {
        w->in_result = w->result_seen = true;
        return xmlTextReaderRead(r);
    }
    if (query_stream_is(r, "ResponseMetadata") && !w->meta_seen) {
        w->meta_seen = true;
        xmlNode *m = xmlTextReaderExpand(r);
        if (m && w->request_id)
            query_copy_text(m, "RequestId", w->request_id, w->request_id_len);
        return xmlTextReaderNext(r);
    }
    w->result_seen = w->result_seen || query_stream_is(r, w->want_result);
    return xmlTextReaderNext(r);
}

/* An element of <OpResult>: the list is entered, the rest kept. */
static int query_walk_result(struct query_walk *w, bool empty)
{
    xmlTextReaderPtr r = w->r;
    const char *list = w->s->list;
    if (query_stream_is(r, list) && w->list_seen)
        return xmlTextReaderNext(r);
    if (query_stream_is(r, list) && !empty) {
        w->in_list = w->list_seen = true;
        return xmlTextReaderRead(r);
    }
    w->list_seen = w->list_seen || query_stream_is(r, list);
    xmlNode *n = xmlTextReaderExpand(r);
    if (n)
        xmlAddChild(w->rest_root, xmlDocCopyNode(n, w->rest, 1));
    return xmlTextReaderNext(r);
}

/* An item of the list, handed to on_item. -1 (a reader error) when it
 * cannot be expanded. */
static int query_walk_item(struct query_walk *w, struct aws_error *err)
{
    xmlNode *n = xmlTextReaderExpand(w->r);
    if (!n)
        return -1;
    if (w->s->on_item(n, w->s->arg, err) != 0) {
        if (err->kind == AWS_ERR_NONE)
            aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse", "%s: an unusable <%s>", w->s->op,
                          w->s->item);
        w->failed = true;
        return 0;
    }
    return xmlTextReaderNext(w->r);
}

/* One element start (or end); returns the reader's next status. */
static int query_walk_step(struct query_walk *w, struct aws_error *err)
{
    xmlTextReaderPtr r = w->r;
    int type = xmlTextReaderNodeType(r);
    int depth = xmlTextReaderDepth(r);
    if (type != XML_READER_TYPE_ELEMENT) {
        if (type == XML_READER_TYPE_END_ELEMENT && depth == 2 && w->in_list)
            w->in_list = false;
        else if (type == XML_READER_TYPE_END_ELEMENT && depth == 1 && w->in_result)
            w->in_result = false;
        return xmlTextReaderRead(r);
    }
    bool empty = xmlTextReaderIsEmptyElement(r) == 1;
    if (depth == 0) {
        w->root_seen = true;
        if (!query_stream_is(r, w->want_root)) {
            const xmlChar *n = xmlTextReaderConstLocalName(r);
            aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                          "unexpected XML response: root element <%s>, expected <%s>",
                          n ? (const char *)n : "?", w->want_root);
            err->http_status = 200;
            w->failed = true;
            return 0;
        }
        return xmlTextReaderRead(r);
    }
    if (depth == 1)
        return query_walk_top(w, empty);
    if (depth == 2 && w->in_result)
        return query_walk_result(w, empty);
    if (depth == 3 && w->in_list && query_stream_is(r, w->s->item))
        return query_walk_item(w, err);
    return xmlTextReaderNext(r);
}

/* After the last element: the answer had its root and <OpResult>, and
 * on_rest accepted the rest. 0, or -1 with err set. */
static int query_walk_finish(struct query_walk *w, int st, size_t len, struct aws_error *err)
{
    if (st != 0 || !w->root_seen) {
        query_stream_malformed(w->r, len, err);
        return -1;
    }
    if (!w->result_seen) {
        aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse", "response has no <%s> element",
                      w->want_result);
        err->http_status = 200;
        return -1;
    }
    if (w->s->on_rest && w->s->on_rest(w->rest_root, w->s->arg, err) != 0) {
        if (err->kind == AWS_ERR_NONE)
            aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse", "%s response lacks %s", w->s->op,
                          w->want_result);
        return -1;
    }
    return 0;
}

int query_parse_stream(const char *body, size_t len, const struct query_stream *s, char *request_id,
                       size_t request_id_len, struct aws_error *err)
{
    if (!body || len == 0 || len > (size_t)0x7fffffff) {
        aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                      "empty response body where XML was expected");
        err->http_status = 200;
        return -1;
    }
    xmlResetLastError();
    struct query_walk w;
    memset(&w, 0, sizeof(w));
    w.r = xmlReaderForMemory(body, (int)len, NULL, NULL,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                 XML_PARSE_NOCDATA);
    if (!w.r) {
        query_stream_malformed(NULL, len, err);
        return -1;
    }
    xmlTextReaderSetErrorHandler(w.r, query_stream_quiet, NULL);
    w.s = s;
    w.request_id = request_id;
    w.request_id_len = request_id_len;
    snprintf(w.want_root, sizeof(w.want_root), "%sResponse", s->op);
    snprintf(w.want_result, sizeof(w.want_result), "%sResult", s->op);
    w.rest = xmlNewDoc((const xmlChar *)"1.0");
    w.rest_root = xmlNewDocNode(w.rest, NULL, (const xmlChar *)w.want_result, NULL);
    xmlDocSetRootElement(w.rest, w.rest_root);
    int st = xmlTextReaderRead(w.r);
    while (st == 1 && !w.failed)
        st = query_walk_step(&w, err);
    int rc = w.failed ? -1 : query_walk_finish(&w, st, len, err);
    xmlFreeTextReader(w.r);
    xmlFreeDoc(w.rest);
    return rc;
}
