/* discover.c - endpoint and AUTH token discovery (see discover.h). */
#include "core/redis/discover.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/elasticache.h"
#include "aws/mem.h"
#include "aws/secrets.h"
#include "aws/ssm.h"
#include "core/model/inventory.h"

#define DISCOVER_DEFAULT_PORT 6379

const char *discover_token_source_name(enum discover_token_source s)
{
    switch (s) {
    case DISCOVER_TOKEN_ENV:
        return "token-env";
    case DISCOVER_TOKEN_SECRET:
        return "secret";
    case DISCOVER_TOKEN_TAG:
        return "tag";
    case DISCOVER_TOKEN_NAMING:
        return "naming";
    case DISCOVER_TOKEN_PROMPT:
        return "prompt";
    case DISCOVER_TOKEN_IAM:
        return "iam";
    case DISCOVER_TOKEN_NONE:
        break;
    }
    return "none";
}

const char *discover_endpoint_source_name(enum discover_endpoint_source s)
{
    switch (s) {
    case DISCOVER_EP_GIVEN:
        return "given";
    case DISCOVER_EP_CONFIG:
        return "configuration-endpoint";
    case DISCOVER_EP_PRIMARY:
        return "primary-endpoint";
    case DISCOVER_EP_SSM:
        return "ssm";
    case DISCOVER_EP_NONE:
        break;
    }
    return "none";
}

void discover_result_free(struct discover_result *r)
{
    if (!r)
        return;
    model_group_unref(r->model);
    aws_error_clear(&r->model_err);
    free(r->arn);
    free(r->stack);
    free(r->host);
    free(r->reader_host);
    mem_free_secret(r->token);
    free(r->user);
    free(r->steps);
    free(r);
}

/* ---- pure helpers ---- */

static void discover_add_stem(char out[][128], size_t max, size_t *n, const char *s, size_t len)
{
    if (!s || len == 0 || len >= 128 || *n >= max)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strlen(out[i]) == len && strncasecmp(out[i], s, len) == 0)
            return;
    memcpy(out[*n], s, len);
    out[*n][len] = '\0';
    (*n)++;
}

size_t discover_stems(const char *rg_id, const char *stack_tag, char out[][128], size_t max)
{
    size_t n = 0;
    if (stack_tag && *stack_tag)
        discover_add_stem(out, max, &n, stack_tag, strlen(stack_tag));
    if (rg_id && *rg_id) {
        size_t len = strlen(rg_id);
        discover_add_stem(out, max, &n, rg_id, len);
        static const char *const suffixes[] = {"-redis-cluster", "-redis", "-cluster"};
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
            size_t sl = strlen(suffixes[i]);
            if (len > sl && strcasecmp(rg_id + len - sl, suffixes[i]) == 0) {
                discover_add_stem(out, max, &n, rg_id, len - sl);
                break;
            }
        }
    }
    return n;
}

char *discover_secret_token(const char *value, size_t len, char **user)
{
    if (user)
        *user = NULL;
    if (!value || len == 0 || len > DISCOVER_TOKEN_MAX)
        return NULL;
    size_t i = 0;
    while (i < len && isspace((unsigned char)value[i]))
        i++;
    if (i < len && value[i] == '{') {
        json_error_t je;
        json_t *o = json_loadb(value, len, JSON_DECODE_ANY, &je);
        mem_wipe(&je, sizeof(je)); /* the error text may quote the input */
        if (!o)
            return NULL;
        char *tok = NULL;
        if (json_is_object(o)) {
            static const char *const keys[] = {"authToken", "auth_token", "token", "password"};
            const char *k;
            json_t *v;
            for (size_t ki = 0; ki < sizeof(keys) / sizeof(keys[0]) && !tok; ki++) {
                json_object_foreach(o, k, v)
                {
                    if (strcasecmp(k, keys[ki]) == 0 && json_is_string(v) &&
                        json_string_length(v) > 0 &&
                        !memchr(json_string_value(v), '\0', json_string_length(v))) {
                        tok = mem_xstrndup(json_string_value(v), json_string_length(v));
                        break;
                    }
                }
            }
            if (tok && user) {
                json_object_foreach(o, k, v)
                {
                    if ((strcasecmp(k, "username") == 0 || strcasecmp(k, "user") == 0) &&
                        json_is_string(v) && json_string_length(v) > 0) {
                        *user = mem_xstrdup(json_string_value(v));
                        break;
                    }
                }
            }
            /* wipe every string the object held */
            json_object_foreach(o, k, v)
            {
                if (json_is_string(v))
                    mem_wipe((char *)json_string_value(v), json_string_length(v));
            }
        }
        json_decref(o);
        return tok;
    }
    size_t n = len;
    if (n > 0 && value[n - 1] == '\n')
        n--;
    if (n > 0 && value[n - 1] == '\r')
        n--;
    if (n == 0 || memchr(value, '\0', n))
        return NULL;
    return mem_xstrndup(value, n);
}

char *discover_parse_endpoint(const char *text, int default_port, int *port)
{
    if (!text)
        return NULL;
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (len == 0 || len > 300)
        return NULL;
    char *host;
    const char *portp = NULL;
    if (text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (!close || close == text + 1)
            return NULL;
        host = mem_xstrndup(text + 1, (size_t)(close - text - 1));
        if ((size_t)(close - text) + 1 < len) {
            if (close[1] != ':')
                goto bad;
            portp = close + 2;
        }
    } else {
        const char *colon = memchr(text, ':', len);
        if (colon && memchr(colon + 1, ':', len - (size_t)(colon - text) - 1)) {
            /* a bare IPv6 address */
            host = mem_xstrndup(text, len);
        } else {
            size_t hl = colon ? (size_t)(colon - text) : len;
            if (hl == 0)
                return NULL;
            host = mem_xstrndup(text, hl);
            if (colon)
                portp = colon + 1;
        }
    }
    for (const char *h = host; *h; h++)
        if (isspace((unsigned char)*h) || iscntrl((unsigned char)*h) || *h == '/' || *h == '@')
            goto bad;
    if (portp) {
        char pb[16];
        size_t pl = len - (size_t)(portp - text);
        if (pl == 0 || pl >= sizeof(pb))
            goto bad;
        memcpy(pb, portp, pl);
        pb[pl] = '\0';
        char *end;
        errno = 0;
        long v = strtol(pb, &end, 10);
        if (*end || errno || v <= 0 || v > 65535)
            goto bad;
        *port = (int)v;
    } else {
        *port = default_port;
    }
    return host;
bad:
    free(host);
    return NULL;
}

/* ---- the run ---- */

enum dstate {
    D_MODEL,
    D_TAGS,
    D_ENDPOINT,
    D_SSM,
    D_TOKEN,
    D_SECRET,
    D_PROMPT,
    D_DONE,
};

/* Which secret lookup is in flight. */
enum dsecret {
    DS_OPTION,
    DS_TAG,
    DS_NAMING,
};

struct discover_req {
    struct loop *l;
    struct aws_client *aws;
    char *rg_id;
    char *endpoint;
    char *token_env;
    char *secret_id;
    bool iam, no_auth, skip_model;
    struct model_group *given; /* the caller's model, or NULL */
    creds_prompt_fn prompt;
    void *prompt_ctx;
    discover_cb cb;
    void *arg;

    struct discover_result *res;
    enum dstate state;
    struct loop_timer *kick;
    struct inventory *inv;
    struct aws_call *call;
    char *tag_secret;
    char stems[DISCOVER_MAX_STEMS][128];
    size_t nstems;
    size_t stem_i;
    bool ssm_port_phase;
    char *ssm_host;
    int ssm_port;
    enum dsecret secret_kind;
    char secret_name[300];
    bool tag_tried;
    bool prompting;
    bool cancelled;
};

static void discover_step(struct discover_req *d);

static void discover_note(struct discover_req *d, bool ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void discover_note(struct discover_req *d, bool ok, const char *what, const char *fmt, ...)
{
    struct discover_result *r = d->res;
    r->steps = mem_xrealloc(r->steps, (r->n_steps + 1) * sizeof(*r->steps));
    struct discover_step *s = &r->steps[r->n_steps++];
    memset(s, 0, sizeof(*s));
    s->ok = ok;
    snprintf(s->what, sizeof(s->what), "%s", what);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->outcome, sizeof(s->outcome), fmt, ap);
    va_end(ap);
    /* control characters from service messages never reach a terminal */
    for (char *p = s->outcome; *p; p++)
        if (iscntrl((unsigned char)*p))
            *p = ' ';
}

/* One line for an AWS failure, without the request id noise. */
static void discover_errtext(const struct aws_error *e, char *out, size_t n)
{
    if (!e) {
        snprintf(out, n, "failed");
        return;
    }
    char *msg = aws_error_format(e);
    snprintf(out, n, "%s", msg ? msg : (e->code[0] ? e->code : "failed"));
    free(msg);
}

static void discover_vfail(struct discover_req *d, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void discover_vfail(struct discover_req *d, const char *fmt, va_list ap)
{
    vsnprintf(d->res->error, sizeof(d->res->error), fmt, ap);
    d->res->failed = true;
    mem_free_secret(d->res->token);
    d->res->token = NULL;
    d->state = D_DONE;
}

static void discover_fail(struct discover_req *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void discover_fail(struct discover_req *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    discover_vfail(d, fmt, ap);
    va_end(ap);
}

static void discover_free_req(struct discover_req *d)
{
    if (d->kick)
        loop_untimer(d->l, d->kick);
    if (d->call)
        aws_call_cancel(d->call);
    inventory_free(d->inv);
    discover_result_free(d->res);
    model_group_unref(d->given);
    free(d->rg_id);
    free(d->endpoint);
    free(d->token_env);
    free(d->secret_id);
    free(d->tag_secret);
    free(d->ssm_host);
    free(d);
}

static void discover_finish(struct discover_req *d);

static void discover_kick_fire(void *arg)
{
    struct discover_req *d = arg;
    d->kick = NULL;
    if (d->state == D_DONE)
        discover_finish(d);
    else
        discover_step(d);
}

static void discover_later(struct discover_req *d)
{
    if (!d->kick)
        d->kick = loop_timer(d->l, 0, discover_kick_fire, d);
}

/* ---- model ---- */

static void discover_apply_model(struct discover_req *d)
{
    struct discover_result *r = d->res;
    const struct model_group *g = r->model;
    if (!g)
        return;
    r->cluster_known = true;
    r->cluster = g->cluster_enabled;
    if (g->has_transit_encryption) {
        r->tls_known = true;
        r->tls = g->transit_encryption;
    }
    if (g->has_auth_token_enabled) {
        r->auth_known = true;
        r->auth_on = g->auth_token_enabled;
    }
    r->rbac = g->n_user_group_ids > 0;
    if (g->arn)
        r->arn = mem_xstrdup(g->arn);
}

static void discover_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    struct discover_req *d = arg;
    (void)inv;
    d->res->model = model_group_ref(g);
    discover_apply_model(d);
    char what[200];
    snprintf(what, sizeof(what), "DescribeReplicationGroups %s", d->rg_id);
    discover_note(d, true, what, "found (%s, %zu shard%s, %zu node%s)",
                  g->status ? g->status : "status unknown", g->n_shards,
                  g->n_shards == 1 ? "" : "s", g->n_nodes, g->n_nodes == 1 ? "" : "s");
    inventory_free(d->inv);
    d->inv = NULL;
    d->state = D_TAGS;
    discover_later(d);
}

static void discover_on_inv_error(struct inventory *inv, enum inventory_op op,
                                  const struct aws_error *err, void *arg)
{
    struct discover_req *d = arg;
    (void)inv;
    (void)op;
    aws_error_copy(&d->res->model_err, err);
    char what[200], txt[300];
    snprintf(what, sizeof(what), "DescribeReplicationGroups %s", d->rg_id);
    if (aws_error_is(err, "ReplicationGroupNotFoundFault"))
        snprintf(txt, sizeof(txt), "not found in %s", aws_client_region(d->aws));
    else
        discover_errtext(err, txt, sizeof(txt));
    discover_note(d, false, what, "%s", txt);
    inventory_free(d->inv);
    d->inv = NULL;
    d->state = D_TAGS;
    discover_later(d);
}

static void discover_start_model(struct discover_req *d)
{
    if (d->given) {
        /* the caller described the group a moment ago: not again */
        d->res->model = model_group_ref(d->given);
        discover_apply_model(d);
        char what[200];
        snprintf(what, sizeof(what), "DescribeReplicationGroups %s", d->rg_id);
        discover_note(d, true, what, "given by the caller (%zu shard%s, %zu node%s)",
                      d->given->n_shards, d->given->n_shards == 1 ? "" : "s", d->given->n_nodes,
                      d->given->n_nodes == 1 ? "" : "s");
        d->state = D_TAGS;
        discover_step(d);
        return;
    }
    if (!d->aws || !d->rg_id || d->skip_model) {
        d->state = D_TAGS;
        discover_step(d);
        return;
    }
    struct inventory_options o = {
        .loop = d->l,
        .aws = d->aws,
        .refresh_ms = 0,
        .roles_from_metrics = false,
        .cb =
            {
                .on_group = discover_on_group,
                .on_error = discover_on_inv_error,
                .arg = d,
            },
    };
    d->inv = inventory_new(&o);
    inventory_open(d->inv, d->rg_id);
}

/* ---- tags ---- */

static void discover_on_tags(struct elasticache_tag_list *out, const struct aws_error *err,
                             void *arg)
{
    struct discover_req *d = arg;
    d->call = NULL;
    if (!out) {
        char txt[300];
        discover_errtext(err, txt, sizeof(txt));
        discover_note(d, false, "ListTagsForResource", "%s", txt);
    } else {
        for (size_t i = 0; i < out->n; i++) {
            const struct elasticache_tag *t = &out->items[i];
            if (!t->key || !t->value || !*t->value)
                continue;
            if (strcmp(t->key, DISCOVER_TAG_AUTH_SECRET) == 0 && !d->tag_secret)
                d->tag_secret = mem_xstrdup(t->value);
            else if (strcmp(t->key, DISCOVER_TAG_STACK) == 0 && !d->res->stack)
                d->res->stack = mem_xstrdup(t->value);
        }
        discover_note(
            d, true, "ListTagsForResource", "%zu tag%s%s%s%s%s", out->n, out->n == 1 ? "" : "s",
            d->tag_secret ? ", " DISCOVER_TAG_AUTH_SECRET "=" : "",
            d->tag_secret ? d->tag_secret : "", d->res->stack ? ", " DISCOVER_TAG_STACK "=" : "",
            d->res->stack ? d->res->stack : "");
        elasticache_tag_list_free(out);
    }
    d->state = D_ENDPOINT;
    discover_step(d);
}

/* ---- endpoint ---- */

static bool discover_endpoint_from_model(struct discover_req *d)
{
    struct discover_result *r = d->res;
    const struct model_group *g = r->model;
    if (!g)
        return false;
    if (g->cluster_enabled && g->configuration_endpoint.host &&
        g->configuration_endpoint.port > 0) {
        r->host = mem_xstrdup(g->configuration_endpoint.host);
        r->port = g->configuration_endpoint.port;
        r->endpoint_source = DISCOVER_EP_CONFIG;
        return true;
    }
    if (!g->cluster_enabled && g->primary_endpoint.host && g->primary_endpoint.port > 0) {
        r->host = mem_xstrdup(g->primary_endpoint.host);
        r->port = g->primary_endpoint.port;
        r->endpoint_source = DISCOVER_EP_PRIMARY;
        return true;
    }
    char what[200];
    snprintf(what, sizeof(what), "endpoint of %s", g->id ? g->id : d->rg_id);
    discover_note(d, false, what, "the API reports none (status %s)",
                  g->status ? g->status : "unknown");
    return false;
}

static void discover_ssm_next(struct discover_req *d);

static void discover_on_ssm(struct ssm_get_parameter_out *out, const struct aws_error *err,
                            void *arg)
{
    struct discover_req *d = arg;
    d->call = NULL;
    char name[300];
    snprintf(name, sizeof(name), "/elasticache/%s/%s/%s", d->stems[d->stem_i], d->rg_id,
             d->ssm_port_phase ? "port" : "endpoint");
    char what[320];
    snprintf(what, sizeof(what), "SSM %s", name);
    if (!out) {
        char txt[300];
        if (aws_error_is(err, "ParameterNotFound"))
            snprintf(txt, sizeof(txt), "not found");
        else
            discover_errtext(err, txt, sizeof(txt));
        discover_note(d, false, what, "%s", txt);
        if (d->ssm_port_phase) {
            /* endpoint without a port parameter: the endpoint's own or 6379 */
            d->state = D_TOKEN;
            d->res->host = d->ssm_host;
            d->res->port = d->ssm_port;
            d->ssm_host = NULL;
            d->res->endpoint_source = DISCOVER_EP_SSM;
            snprintf(d->res->endpoint_origin, sizeof(d->res->endpoint_origin),
                     "/elasticache/%s/%s/endpoint", d->stems[d->stem_i], d->rg_id);
            discover_step(d);
            return;
        }
        d->stem_i++;
        discover_ssm_next(d);
        return;
    }
    const char *v = out->parameter.value;
    if (!d->ssm_port_phase) {
        int port = DISCOVER_DEFAULT_PORT;
        char *host = v ? discover_parse_endpoint(v, DISCOVER_DEFAULT_PORT, &port) : NULL;
        ssm_get_parameter_out_free(out);
        if (!host) {
            discover_note(d, false, what, "found, but not a host name");
            d->stem_i++;
            discover_ssm_next(d);
            return;
        }
        discover_note(d, true, what, "found");
        d->ssm_host = host;
        d->ssm_port = port;
        d->ssm_port_phase = true;
        discover_ssm_next(d);
        return;
    }
    char *end = NULL;
    long port = v ? strtol(v, &end, 10) : 0;
    bool ok = v && end && end != v && (*end == '\0' || isspace((unsigned char)*end)) && port > 0 &&
              port <= 65535;
    ssm_get_parameter_out_free(out);
    discover_note(d, ok, what, ok ? "found" : "found, but not a port number");
    d->res->host = d->ssm_host;
    d->ssm_host = NULL;
    d->res->port = ok ? (int)port : d->ssm_port;
    d->res->endpoint_source = DISCOVER_EP_SSM;
    snprintf(d->res->endpoint_origin, sizeof(d->res->endpoint_origin),
             "/elasticache/%s/%s/endpoint|port", d->stems[d->stem_i], d->rg_id);
    d->state = D_TOKEN;
    discover_step(d);
}

static void discover_ssm_next(struct discover_req *d)
{
    if (d->stem_i >= d->nstems) {
        char tried[400] = "";
        size_t off = 0;
        for (size_t i = 0; i < d->nstems && off < sizeof(tried); i++)
            off +=
                (size_t)snprintf(tried + off, sizeof(tried) - off, "%s/elasticache/%s/%s/endpoint",
                                 i ? ", " : "", d->stems[i], d->rg_id);
        const struct discover_result *r = d->res;
        if (r->model)
            discover_fail(d,
                          "replication group %s has no endpoint yet (status %s) and no SSM "
                          "parameter names one (tried %s)",
                          d->rg_id, r->model->status ? r->model->status : "unknown", tried);
        else
            discover_fail(d,
                          "no endpoint for %s: the group could not be described (%s) and no SSM "
                          "parameter names one (tried %s); give --endpoint HOST:PORT",
                          d->rg_id, r->model_err.code[0] ? r->model_err.code : "no AWS access",
                          tried);
        discover_step(d);
        return;
    }
    char name[300];
    snprintf(name, sizeof(name), "/elasticache/%s/%s/%s", d->stems[d->stem_i], d->rg_id,
             d->ssm_port_phase ? "port" : "endpoint");
    struct ssm_get_parameter_in in = {.name = name, .with_decryption = true};
    d->call = ssm_get_parameter(d->aws, &in, discover_on_ssm, d);
}

static void discover_endpoint(struct discover_req *d)
{
    struct discover_result *r = d->res;
    d->nstems = discover_stems(d->rg_id, r->stack, d->stems, DISCOVER_MAX_STEMS);
    const struct model_group *g = r->model;
    if (g && !g->cluster_enabled && g->reader_endpoint.host && g->reader_endpoint.port > 0) {
        r->reader_host = mem_xstrdup(g->reader_endpoint.host);
        r->reader_port = g->reader_endpoint.port;
    }
    if (d->endpoint) {
        int port = DISCOVER_DEFAULT_PORT;
        char *host = discover_parse_endpoint(d->endpoint, DISCOVER_DEFAULT_PORT, &port);
        if (!host) {
            discover_fail(d, "--endpoint '%s' is not HOST:PORT", d->endpoint);
            discover_step(d);
            return;
        }
        r->host = host;
        r->port = port;
        r->endpoint_source = DISCOVER_EP_GIVEN;
        d->state = D_TOKEN;
        discover_step(d);
        return;
    }
    if (discover_endpoint_from_model(d)) {
        d->state = D_TOKEN;
        discover_step(d);
        return;
    }
    if (!d->aws || !d->rg_id) {
        discover_fail(d, "no endpoint: give --endpoint HOST:PORT");
        discover_step(d);
        return;
    }
    d->stem_i = 0;
    d->ssm_port_phase = false;
    d->state = D_SSM;
    discover_ssm_next(d);
}

/* ---- token ---- */

static void discover_secret_lookup(struct discover_req *d, enum dsecret kind, const char *id);
static void discover_token_auto(struct discover_req *d, size_t from_stem);

static void discover_got_token(struct discover_req *d, char *tok, char *user,
                               enum discover_token_source src, const char *origin)
{
    struct discover_result *r = d->res;
    r->token = tok;
    r->token_source = src;
    snprintf(r->token_origin, sizeof(r->token_origin), "%s", origin);
    if (user && !r->user)
        r->user = user;
    else
        free(user);
    d->state = D_DONE;
    discover_step(d);
}

/* The secret gave no token: with --secret that ends the discovery (the
 * reason from fmt), else the next place is tried. */
static void discover_secret_missed(struct discover_req *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void discover_secret_missed(struct discover_req *d, const char *fmt, ...)
{
    if (d->secret_kind == DS_OPTION) {
        va_list ap;
        va_start(ap, fmt);
        discover_vfail(d, fmt, ap);
        va_end(ap);
        discover_step(d);
    } else if (d->secret_kind == DS_TAG) {
        discover_token_auto(d, 0);
    } else {
        discover_token_auto(d, d->stem_i + 1);
    }
}

static void discover_on_secret(struct secrets_secret_value_out *out, const struct aws_error *err,
                               void *arg)
{
    struct discover_req *d = arg;
    d->call = NULL;
    char what[340];
    snprintf(what, sizeof(what), "secret %s", d->secret_name);
    if (!out) {
        char txt[300];
        bool notfound = aws_error_is(err, "ResourceNotFoundException");
        if (notfound)
            snprintf(txt, sizeof(txt), "not found");
        else
            discover_errtext(err, txt, sizeof(txt));
        discover_note(d, false, what, "%s", txt);
        discover_secret_missed(d, "--secret %s: %s", d->secret_name, txt);
        return;
    }
    char *user = NULL;
    char *tok = out->secret_string
                    ? discover_secret_token(out->secret_string, out->secret_string_len, &user)
                    : NULL;
    secrets_secret_value_out_free(out);
    if (!tok) {
        discover_note(d, false, what,
                      "found, but it holds no usable token (empty, binary, or JSON "
                      "without authToken/token/password)");
        free(user);
        discover_secret_missed(d, "--secret %s holds no usable token", d->secret_name);
        return;
    }
    discover_note(d, true, what, "token found%s", user ? " (with a user name)" : "");
    enum discover_token_source src = d->secret_kind == DS_OPTION ? DISCOVER_TOKEN_SECRET
                                     : d->secret_kind == DS_TAG  ? DISCOVER_TOKEN_TAG
                                                                 : DISCOVER_TOKEN_NAMING;
    discover_got_token(d, tok, user, src, d->secret_name);
}

static void discover_secret_lookup(struct discover_req *d, enum dsecret kind, const char *id)
{
    d->secret_kind = kind;
    snprintf(d->secret_name, sizeof(d->secret_name), "%s", id);
    d->state = D_SECRET;
    struct secrets_get_secret_value_in in = {.secret_id = id};
    d->call = secrets_get_secret_value(d->aws, &in, discover_on_secret, d);
}

static void discover_on_prompt(const char *answer, void *arg)
{
    struct discover_req *d = arg;
    d->prompting = false;
    if (d->cancelled) {
        discover_free_req(d);
        return;
    }
    size_t n = answer ? strlen(answer) : 0;
    while (n > 0 && (answer[n - 1] == '\n' || answer[n - 1] == '\r'))
        n--;
    if (n > 0) {
        discover_note(d, true, "prompt", "token typed");
        discover_got_token(d, mem_xstrndup(answer, n), NULL, DISCOVER_TOKEN_PROMPT, "prompt");
        return;
    }
    discover_note(d, false, "prompt",
                  answer ? "nothing typed; connecting without AUTH"
                         : "cancelled; connecting without AUTH");
    d->state = D_DONE;
    discover_step(d);
}

/* The tag's secret (once), then the naming from stem from_stem on, then
 * the prompt, then nothing. */
static void discover_token_auto(struct discover_req *d, size_t from_stem)
{
    if (!d->tag_tried && d->tag_secret && d->aws) {
        d->tag_tried = true;
        discover_secret_lookup(d, DS_TAG, d->tag_secret);
        return;
    }
    if (d->aws && from_stem < d->nstems) {
        d->stem_i = from_stem;
        char name[200];
        snprintf(name, sizeof(name), "%s%s", d->stems[from_stem], DISCOVER_SECRET_SUFFIX);
        discover_secret_lookup(d, DS_NAMING, name);
        return;
    }
    if (d->prompt) {
        char q[300];
        snprintf(q, sizeof(q), "AUTH token for %s (not echoed): ", d->rg_id ? d->rg_id : "Redis");
        d->state = D_PROMPT;
        d->prompting = true;
        d->prompt(d->prompt_ctx, q, discover_on_prompt, d);
        return;
    }
    discover_note(d, false, "token", "none found; connecting without AUTH");
    d->state = D_DONE;
    discover_step(d);
}

static void discover_token(struct discover_req *d)
{
    struct discover_result *r = d->res;
    if (d->iam) {
        r->token_source = DISCOVER_TOKEN_IAM;
        discover_note(d, true, "token", "IAM authentication: a token is minted per connection");
        d->state = D_DONE;
        discover_step(d);
        return;
    }
    if (d->no_auth) {
        discover_note(d, true, "token", "--no-auth: connecting without AUTH");
        d->state = D_DONE;
        discover_step(d);
        return;
    }
    if (d->token_env) {
        const char *v = getenv(d->token_env);
        char what[200];
        snprintf(what, sizeof(what), "environment variable %s", d->token_env);
        if (!v || !*v) {
            discover_note(d, false, what, "not set or empty");
            discover_fail(d, "--token-env %s: the variable is not set or empty", d->token_env);
            discover_step(d);
            return;
        }
        discover_note(d, true, what, "set");
        discover_got_token(d, mem_xstrdup(v), NULL, DISCOVER_TOKEN_ENV, d->token_env);
        return;
    }
    if (d->secret_id) {
        if (!d->aws) {
            discover_fail(d, "--secret needs AWS access");
            discover_step(d);
            return;
        }
        discover_secret_lookup(d, DS_OPTION, d->secret_id);
        return;
    }
    if (r->auth_known && !r->auth_on && !r->user && !r->rbac) {
        discover_note(d, true, "token", "not needed: the group has AUTH off");
        d->state = D_DONE;
        discover_step(d);
        return;
    }
    discover_token_auto(d, 0);
}

/* ---- driver ---- */

static void discover_finish(struct discover_req *d)
{
    struct discover_result *r = d->res;
    d->res = NULL;
    discover_cb cb = d->cb;
    void *arg = d->arg;
    discover_free_req(d);
    cb(r, arg);
}

/* Advance from the current state. Results are always delivered from a
 * timer, never from inside a caller's function. */
static void discover_step(struct discover_req *d)
{
    switch (d->state) {
    case D_MODEL:
        discover_start_model(d);
        break;
    case D_TAGS:
        if (d->aws && d->res->arn) {
            struct elasticache_list_tags_for_resource_in in = {.resource_name = d->res->arn};
            d->call = elasticache_list_tags_for_resource(d->aws, &in, discover_on_tags, d);
        } else {
            d->state = D_ENDPOINT;
            discover_step(d);
        }
        break;
    case D_ENDPOINT:
        discover_endpoint(d);
        break;
    case D_TOKEN:
        discover_token(d);
        break;
    case D_SSM:
    case D_SECRET:
    case D_PROMPT:
        break;
    case D_DONE:
        discover_later(d);
        break;
    }
}

struct discover_req *discover_start(const struct discover_options *o, discover_cb cb, void *arg)
{
    if (!o || !o->loop || !cb || (!o->rg_id && !o->endpoint))
        return NULL;
    struct discover_req *d = mem_xcalloc(1, sizeof(*d));
    d->l = o->loop;
    d->aws = o->aws;
    d->rg_id = mem_xstrdup(o->rg_id);
    d->endpoint = mem_xstrdup(o->endpoint);
    d->token_env = mem_xstrdup(o->token_env);
    d->secret_id = mem_xstrdup(o->secret_id);
    d->iam = o->iam;
    d->no_auth = o->no_auth;
    d->skip_model = o->skip_model;
    d->given = o->model ? model_group_ref(o->model) : NULL;
    d->prompt = o->prompt;
    d->prompt_ctx = o->prompt_ctx;
    d->cb = cb;
    d->arg = arg;
    d->res = mem_xcalloc(1, sizeof(*d->res));
    aws_error_init(&d->res->model_err);
    d->res->user = mem_xstrdup(o->user && *o->user ? o->user : NULL);
    d->state = D_MODEL;
    discover_later(d);
    return d;
}

void discover_cancel(struct discover_req *r)
{
    if (!r)
        return;
    if (r->prompting) {
        /* the prompt owns a pointer to us until it answers */
        r->cancelled = true;
        if (r->kick) {
            loop_untimer(r->l, r->kick);
            r->kick = NULL;
        }
        if (r->call) {
            aws_call_cancel(r->call);
            r->call = NULL;
        }
        return;
    }
    discover_free_req(r);
}
