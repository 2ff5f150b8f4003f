/* sigv4.c - AWS Signature Version 4
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html), byte-compatible with
 * botocore's SigV4Auth / SigV4QueryAuth and with the AWS SigV4 test suite.
 *
 * Canonical request: method, normalised and URI-encoded path (non-S3 rule:
 * dot segments and repeated slashes removed, then every byte but the
 * unreserved set and '/' percent-encoded, so an encoded path is encoded a
 * second time), canonical query (each parameter percent-decoded, re-encoded
 * with the RFC 3986 unreserved set, sorted by name then value), canonical
 * headers (lower-case names, sorted, values trimmed with inner whitespace
 * folded to one space, repeated names joined with ',' in order), the signed
 * header list and the hex SHA-256 of the payload.
 *
 * Secrets: the "AWS4"+secret key material and every derived key are wiped
 * before returning.
 */
#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/buf.h"
#include "aws/mem.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_MAX_TEXT ((size_t)16 * 1024 * 1024)

static const char sigv4_hexdigits[] = "0123456789abcdef";

static void sigv4_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = sigv4_hexdigits[in[i] >> 4];
        out[2 * i + 1] = sigv4_hexdigits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        /* Only on a broken OpenSSL installation; never sign with garbage. */
        fprintf(stderr, "elcui: SHA-256 unavailable in OpenSSL\n");
        abort();
    }
    sigv4_hex(md, 32, out);
}

static void sigv4_hmac(const void *key, size_t klen, const void *data, size_t dlen,
                       unsigned char out[32])
{
    unsigned int olen = 0;
    if (!HMAC(EVP_sha256(), key, (int)klen, data, dlen, out, &olen) || olen != 32) {
        fprintf(stderr, "elcui: HMAC-SHA256 unavailable in OpenSSL\n");
        abort();
    }
}

static bool sigv4_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static void sigv4_encode_into(struct buf *b, const char *s, size_t len, bool keep_slash)
{
    static const char up[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (sigv4_unreserved(c) || (keep_slash && c == '/')) {
            buf_appendc(b, (char)c);
        } else {
            char e[3] = {'%', up[c >> 4], up[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

char *sigv4_uri_encode(const char *s, size_t len, bool keep_slash)
{
    struct buf b;
    buf_init(&b, SIGV4_MAX_TEXT);
    sigv4_encode_into(&b, s ? s : "", s ? len : 0, keep_slash);
    return buf_steal(&b);
}

static int sigv4_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *sigv4_uri_decode(const char *s, size_t len, bool plus_space, size_t *outlen)
{
    char *d = mem_xmalloc(len + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < len && (h = sigv4_hexval(s[i + 1])) >= 0 &&
            (l = sigv4_hexval(s[i + 2])) >= 0) {
            d[j++] = (char)(h * 16 + l);
            i += 2;
        } else if (plus_space && s[i] == '+') {
            d[j++] = ' ';
        } else {
            d[j++] = s[i];
        }
    }
    d[j] = '\0';
    if (outlen)
        *outlen = j;
    return d;
}

/* ---- path ---- */

/* botocore remove_dot_segments(): drop "", "." segments, ".." pops; keep a
 * leading '/' and a trailing '/' when something is left. */
static char *sigv4_normalize_path(const char *path)
{
    if (!path || !*path)
        return mem_xstrdup("/");
    size_t n = strlen(path);
    const char **seg = mem_xcalloc(n + 1, sizeof(*seg));
    size_t *seglen = mem_xcalloc(n + 1, sizeof(*seglen));
    size_t nseg = 0;
    const char *p = path;
    while (p <= path + n) {
        const char *e = strchr(p, '/');
        if (!e)
            e = path + n;
        size_t l = (size_t)(e - p);
        if (l == 0 || (l == 1 && p[0] == '.')) {
            /* skip */
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (nseg)
                nseg--;
        } else {
            seg[nseg] = p;
            seglen[nseg] = l;
            nseg++;
        }
        p = e + 1;
    }
    struct buf b;
    buf_init(&b, SIGV4_MAX_TEXT);
    if (path[0] == '/')
        buf_appendc(&b, '/');
    for (size_t i = 0; i < nseg; i++) {
        if (i)
            buf_appendc(&b, '/');
        buf_append(&b, seg[i], seglen[i]);
    }
    if (path[n - 1] == '/' && nseg)
        buf_appendc(&b, '/');
    free(seg);
    free(seglen);
    char *out = buf_steal(&b);
    if (!*out) {
        free(out);
        out = mem_xstrdup("/");
    }
    return out;
}

static char *sigv4_canonical_uri(const char *path)
{
    char *norm = sigv4_normalize_path(path);
    char *enc = sigv4_uri_encode(norm, strlen(norm), true);
    free(norm);
    return enc;
}

/* ---- query ---- */

struct sigv4_pair {
    char *name;  /* encoded */
    char *value; /* encoded */
};

struct sigv4_pairs {
    struct sigv4_pair *v;
    size_t n, cap;
};

static void sigv4_pairs_add(struct sigv4_pairs *p, char *name, char *value)
{
    p->v = mem_xgrow(p->v, &p->cap, p->n + 1, sizeof(*p->v));
    p->v[p->n].name = name;
    p->v[p->n].value = value;
    p->n++;
}

static void sigv4_pairs_free(struct sigv4_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        mem_free_secret(p->v[i].name);
        mem_free_secret(p->v[i].value);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* Split a raw query into encoded pairs: decode, then re-encode each part
 * with the unreserved set, so "%E1%88%B4", raw UTF-8 and "a b" all come out
 * canonical. */
static void sigv4_split_query(const char *query, bool plus_space, struct sigv4_pairs *out)
{
    if (!query)
        return;
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t nlen = eq ? (size_t)(eq - p) : len;
            const char *v = eq ? eq + 1 : p + len;
            size_t vlen = eq ? len - nlen - 1 : 0;
            size_t dn, dv;
            char *name = sigv4_uri_decode(p, nlen, plus_space, &dn);
            char *value = sigv4_uri_decode(v, vlen, plus_space, &dv);
            sigv4_pairs_add(out, sigv4_uri_encode(name, dn, false),
                            sigv4_uri_encode(value, dv, false));
            mem_wipe(name, dn);
            mem_wipe(value, dv);
            free(name);
            free(value);
        }
        if (!amp)
            break;
        p = amp + 1;
    }
}

static int sigv4_pair_cmp(const void *a, const void *b)
{
    const struct sigv4_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static void sigv4_join_pairs(struct buf *b, const struct sigv4_pair *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_appendc(b, '&');
        buf_appends(b, v[i].name);
        buf_appendc(b, '=');
        buf_appends(b, v[i].value);
    }
}

static char *sigv4_canonical_query(const char *query)
{
    struct sigv4_pairs p = {0};
    sigv4_split_query(query, false, &p);
    if (p.n > 1)
        qsort(p.v, p.n, sizeof(*p.v), sigv4_pair_cmp);
    struct buf b;
    buf_init(&b, SIGV4_MAX_TEXT);
    b.secret = true; /* presigned queries carry the session token */
    sigv4_join_pairs(&b, p.v, p.n);
    sigv4_pairs_free(&p);
    char *s = buf_steal(&b);
    return s;
}

/* ---- headers ---- */

struct sigv4_hdr {
    char *name;  /* lower-case */
    char *value; /* trimmed, folded */
    size_t order;
};

static bool sigv4_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Python's ' '.join(value.split()). */
static char *sigv4_fold(const char *v)
{
    struct buf b;
    buf_init(&b, SIGV4_MAX_TEXT);
    b.secret = true; /* X-Amz-Security-Token */
    const char *p = v ? v : "";
    bool first = true;
    while (*p) {
        while (*p && sigv4_space(*p))
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && !sigv4_space(*p))
            p++;
        if (!first)
            buf_appendc(&b, ' ');
        buf_append(&b, s, (size_t)(p - s));
        first = false;
    }
    return buf_steal(&b);
}

static int sigv4_hdr_cmp(const void *a, const void *b)
{
    const struct sigv4_hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Builds "name:value\n..." (one line per distinct name) and the signed
 * header list. */
static void sigv4_canonical_headers(const struct sigv4_header *h, size_t n, char **canon,
                                    char **signed_list)
{
    struct sigv4_hdr *v = mem_xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        const char *name = h[i].name ? h[i].name : "";
        v[i].name = mem_xstrdup(name);
        for (char *c = v[i].name; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        v[i].value = sigv4_fold(h[i].value);
        v[i].order = i;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), sigv4_hdr_cmp);
    struct buf c, s;
    buf_init(&c, SIGV4_MAX_TEXT);
    c.secret = true;
    buf_init(&s, SIGV4_MAX_TEXT);
    for (size_t i = 0; i < n; i++) {
        bool same = i > 0 && strcmp(v[i].name, v[i - 1].name) == 0;
        if (same) {
            buf_appendc(&c, ',');
        } else {
            if (i > 0) {
                buf_appendc(&c, '\n');
                buf_appendc(&s, ';');
            }
            buf_appends(&c, v[i].name);
            buf_appendc(&c, ':');
            buf_appends(&s, v[i].name);
        }
        buf_appends(&c, v[i].value);
    }
    if (n)
        buf_appendc(&c, '\n');
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        mem_free_secret(v[i].value);
    }
    free(v);
    *canon = buf_steal(&c);
    *signed_list = buf_steal(&s);
}

/* ---- signing ---- */

static void sigv4_amz_date(int64_t t, char amz[17], char date[9])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof(tm));
    strftime(amz, 17, "%Y%m%dT%H%M%SZ", &tm);
    memcpy(date, amz, 8);
    date[8] = '\0';
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
 * "aws4_request"); signature = hex(HMAC(kSigning, string_to_sign)). */
static void sigv4_signature(const char *secret, const char *date, const char *region,
                            const char *service, const char *sts, char out[65])
{
    size_t sl = strlen(secret);
    char *k0 = mem_xmalloc(sl + 5);
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, sl + 1);
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    sigv4_hmac(k0, sl + 4, date, strlen(date), k1);
    sigv4_hmac(k1, 32, region, strlen(region), k2);
    sigv4_hmac(k2, 32, service, strlen(service), k3);
    sigv4_hmac(k3, 32, "aws4_request", 12, k4);
    sigv4_hmac(k4, 32, sts, strlen(sts), sig);
    sigv4_hex(sig, 32, out);
    mem_wipe(k0, sl + 4);
    free(k0);
    mem_wipe(k1, sizeof(k1));
    mem_wipe(k2, sizeof(k2));
    mem_wipe(k3, sizeof(k3));
    mem_wipe(k4, sizeof(k4));
    mem_wipe(sig, sizeof(sig));
}

static bool sigv4_valid(const struct sigv4_request *req, const struct sigv4_creds *creds,
                        const struct sigv4_scope *scope)
{
    return req && creds && scope && req->method && creds->access_key && creds->secret_key &&
           scope->region && scope->service && (req->nheaders == 0 || req->headers);
}

/* Canonical request and string to sign for the given query string; fills
 * out->canonical_request, out->string_to_sign, out->signed_headers and
 * out->signature. */
static void sigv4_compute(const struct sigv4_request *req, const char *query,
                          const struct sigv4_creds *creds, const struct sigv4_scope *scope,
                          const char *amz, const char *date, struct sigv4_result *out)
{
    char *uri = sigv4_canonical_uri(req->path);
    char *cq = sigv4_canonical_query(query);
    char *ch = NULL, *sh = NULL;
    sigv4_canonical_headers(req->headers, req->nheaders, &ch, &sh);
    char payload[65];
    if (req->payload_hash)
        snprintf(payload, sizeof(payload), "%s", req->payload_hash);
    else
        sigv4_sha256_hex(req->body, req->body ? req->body_len : 0, payload);

    struct buf b;
    buf_init(&b, SIGV4_MAX_TEXT);
    b.secret = true;
    buf_printf(&b, "%s\n%s\n%s\n%s\n%s\n%s", req->method, uri, cq, ch, sh, payload);
    out->canonical_request = buf_steal(&b);
    free(uri);
    mem_free_secret(cq);
    mem_free_secret(ch);

    char crhash[65];
    sigv4_sha256_hex(out->canonical_request, strlen(out->canonical_request), crhash);
    out->string_to_sign = mem_xasprintf(SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", amz,
                                        date, scope->region, scope->service, crhash);
    out->signed_headers = sh;
    sigv4_signature(creds->secret_key, date, scope->region, scope->service, out->string_to_sign,
                    out->signature);
}

int sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *creds,
               const struct sigv4_scope *scope, struct sigv4_result *out)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof(*out));
    if (!sigv4_valid(req, creds, scope))
        return -1;
    char amz[17], date[9];
    sigv4_amz_date(scope->time_s, amz, date);
    sigv4_compute(req, req->query, creds, scope, amz, date, out);
    out->authorization =
        mem_xasprintf(SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
                                      "Signature=%s",
                      creds->access_key, date, scope->region, scope->service, out->signed_headers,
                      out->signature);
    return 0;
}

static void sigv4_add_param(struct buf *b, const char *name, const char *value)
{
    if (b->len)
        buf_appendc(b, '&');
    sigv4_encode_into(b, name, strlen(name), false);
    buf_appendc(b, '=');
    sigv4_encode_into(b, value, strlen(value), false);
}

char *sigv4_presign(const struct sigv4_request *req, const struct sigv4_creds *creds,
                    const struct sigv4_scope *scope, int expires_s, struct sigv4_result *out)
{
    if (!out)
        return NULL;
    memset(out, 0, sizeof(*out));
    if (!sigv4_valid(req, creds, scope) || expires_s <= 0)
        return NULL;
    char amz[17], date[9];
    sigv4_amz_date(scope->time_s, amz, date);

    /* The signed header list goes into the query, so compute it first. */
    char *ch = NULL, *sh = NULL;
    sigv4_canonical_headers(req->headers, req->nheaders, &ch, &sh);
    mem_free_secret(ch);

    /* Operation parameters first (decoded as parse_qs does, re-encoded as
     * percent_encode_sequence does, original order), then the auth
     * parameters in botocore's order. */
    struct buf q;
    buf_init(&q, SIGV4_MAX_TEXT);
    q.secret = true;
    struct sigv4_pairs own = {0};
    sigv4_split_query(req->query, true, &own);
    sigv4_join_pairs(&q, own.v, own.n);
    sigv4_pairs_free(&own);

    char cred[512], expires[24];
    snprintf(cred, sizeof(cred), "%s/%s/%s/%s/aws4_request", creds->access_key, date, scope->region,
             scope->service);
    snprintf(expires, sizeof(expires), "%d", expires_s);
    sigv4_add_param(&q, "X-Amz-Algorithm", SIGV4_ALGORITHM);
    sigv4_add_param(&q, "X-Amz-Credential", cred);
    sigv4_add_param(&q, "X-Amz-Date", amz);
    sigv4_add_param(&q, "X-Amz-Expires", expires);
    sigv4_add_param(&q, "X-Amz-SignedHeaders", sh);
    if (creds->session_token)
        sigv4_add_param(&q, "X-Amz-Security-Token", creds->session_token);
    free(sh);

    sigv4_compute(req, buf_str(&q), creds, scope, amz, date, out);
    buf_appends(&q, "&X-Amz-Signature=");
    buf_appends(&q, out->signature);
    return buf_steal(&q);
}

void sigv4_result_free(struct sigv4_result *r)
{
    if (!r)
        return;
    mem_free_secret(r->canonical_request);
    mem_free_secret(r->string_to_sign);
    free(r->authorization);
    free(r->signed_headers);
    memset(r, 0, sizeof(*r));
}
