/* pricing.c - Price List GetProducts: builder, parser, call (run by typedcall). */
#include "aws/pricing.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ---- request ---- */

json_t *pricing_build_get_products(const struct pricing_get_products_in *in)
{
    json_t *o = json_object();
    json_object_set_new(
        o, "ServiceCode",
        json_string(in && in->service_code ? in->service_code : "AmazonElastiCache"));
    if (in && in->filters && in->n_filters) {
        json_t *a = json_array();
        for (size_t i = 0; i < in->n_filters; i++) {
            const struct pricing_filter *f = &in->filters[i];
            json_array_append_new(
                a, json_pack("{s:s,s:s,s:s}", "Type", f->type ? f->type : "TERM_MATCH", "Field",
                             f->field ? f->field : "", "Value", f->value ? f->value : ""));
        }
        json_object_set_new(o, "Filters", a);
    }
    json_object_set_new(o, "FormatVersion",
                        json_string(in && in->format_version ? in->format_version : "aws_v1"));
    if (in && in->next_token && *in->next_token)
        json_object_set_new(o, "NextToken", json_string(in->next_token));
    if (in && in->max_results > 0)
        json_object_set_new(o, "MaxResults", json_integer(in->max_results));
    return o;
}

/* ---- parsing ---- */

bool pricing_parse_price(const char *s, double *out)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    double v = 0, scale = 1;
    bool dot = false, digits = false;
    for (const char *c = s; *c; c++) {
        if (*c >= '0' && *c <= '9') {
            digits = true;
            if (dot) {
                scale /= 10;
                v += (*c - '0') * scale;
            } else {
                v = v * 10 + (*c - '0');
            }
        } else if (*c == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    if (!digits || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static char *pricing_attr(const json_t *attrs, const char *key)
{
    return awsjson_strdup(attrs, key);
}

/* The on-demand hourly USD price: the first OnDemand term with a
 * dimension in hours (the one starting at 0 when tiered). */
static void pricing_on_demand(const json_t *doc, struct pricing_product *p)
{
    const json_t *od = json_object_get(json_object_get(doc, "terms"), "OnDemand");
    const char *tk;
    const json_t *term;
    if (!json_is_object(od))
        return;
    json_object_foreach((json_t *)od, tk, term)
    {
        const json_t *dims = json_object_get(term, "priceDimensions");
        if (!json_is_object(dims))
            continue;
        const char *dk;
        const json_t *dim;
        json_object_foreach((json_t *)dims, dk, dim)
        {
            const char *unit = awsjson_str(dim, "unit");
            const char *begin = awsjson_str(dim, "beginRange");
            double v;
            if (!unit || (strcasecmp(unit, "Hrs") != 0 && strcasecmp(unit, "Hours") != 0))
                continue;
            if (begin && strcmp(begin, "0") != 0)
                continue;
            if (!pricing_parse_price(awsjson_str(json_object_get(dim, "pricePerUnit"), "USD"), &v))
                continue;
            p->has_hourly_usd = true;
            p->hourly_usd = v;
            p->price_description = awsjson_strdup(dim, "description");
            p->effective_date = awsjson_strdup(term, "effectiveDate");
            return;
        }
    }
}

int pricing_parse_product(const json_t *doc, struct pricing_product *p)
{
    const json_t *prod = json_object_get(doc, "product");
    if (!p || !json_is_object(prod))
        return -1;
    const json_t *a = json_object_get(prod, "attributes");
    p->sku = awsjson_strdup(prod, "sku");
    p->product_family = awsjson_strdup(prod, "productFamily");
    p->service_code = awsjson_strdup(doc, "serviceCode");
    p->instance_type = pricing_attr(a, "instanceType");
    p->location = pricing_attr(a, "location");
    p->region_code = pricing_attr(a, "regionCode");
    p->cache_engine = pricing_attr(a, "cacheEngine");
    p->usage_type = pricing_attr(a, "usagetype");
    p->current_generation = pricing_attr(a, "currentGeneration");
    p->instance_family = pricing_attr(a, "instanceFamily");
    p->memory = pricing_attr(a, "memory");
    p->vcpu = pricing_attr(a, "vcpu");
    p->publication_date = awsjson_strdup(doc, "publicationDate");
    pricing_on_demand(doc, p);
    return 0;
}

void pricing_product_clear(struct pricing_product *p)
{
    if (!p)
        return;
    free(p->sku);
    free(p->product_family);
    free(p->service_code);
    free(p->instance_type);
    free(p->location);
    free(p->region_code);
    free(p->cache_engine);
    free(p->usage_type);
    free(p->current_generation);
    free(p->instance_family);
    free(p->memory);
    free(p->vcpu);
    free(p->publication_date);
    free(p->price_description);
    free(p->effective_date);
    memset(p, 0, sizeof(*p));
}

int pricing_parse_products(const json_t *obj, struct pricing_product_list *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    bool bad = false;
    const json_t *list = awsjson_array(obj, "PriceList", &bad);
    if (bad)
        return -1;
    if (!out->format_version)
        out->format_version = awsjson_strdup(obj, "FormatVersion");
    size_t k = list ? json_array_size(list) : 0;
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(list, i);
        json_t *doc = NULL;
        if (json_is_string(e))
            doc = json_loadb(json_string_value(e), json_string_length(e), 0, NULL);
        else if (json_is_object(e))
            doc = json_incref((json_t *)e); /* an SDK that decoded it already */
        if (doc && pricing_parse_product(doc, &out->items[out->n]) == 0) {
            out->n++;
        } else {
            pricing_product_clear(&out->items[out->n]);
            out->n_unreadable++;
        }
        json_decref(doc);
    }
    return 0;
}

void pricing_product_list_free(struct pricing_product_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        pricing_product_clear(&l->items[i]);
    free(l->items);
    free(l->format_version);
    free(l->next_token);
    free(l);
}

int pricing_hourly_usd(const struct pricing_product_list *l, const char *instance_type,
                       const char *region_code, const char *cache_engine, double *usd)
{
    const struct pricing_product *best = NULL;
    for (size_t i = 0; l && instance_type && i < l->n; i++) {
        const struct pricing_product *p = &l->items[i];
        if (!p->has_hourly_usd || !p->instance_type || strcmp(p->instance_type, instance_type))
            continue;
        if (region_code && (!p->region_code || strcmp(p->region_code, region_code)))
            continue;
        if (cache_engine && (!p->cache_engine || strcasecmp(p->cache_engine, cache_engine)))
            continue;
        if (!best ||
            (!cache_engine && p->cache_engine && strcasecmp(p->cache_engine, "Redis") == 0 &&
             !(best->cache_engine && strcasecmp(best->cache_engine, "Redis") == 0)))
            best = p;
    }
    if (!best)
        return -1;
    if (usd)
        *usd = best->hourly_usd;
    return 0;
}

/* ---- the call (aws/typedcall.h runs it) ---- */

TYPEDCALL_OP(pricing_op_get_products, &svc_pricing, "GetProducts", struct pricing_product_list,
             pricing_get_products_cb, JSON_PLAIN, pricing_parse_products, pricing_product_list_free,
             TYPEDCALL_PAGED(TYPEDCALL_JSON_TOKEN, struct pricing_product_list, next_token),
             .token_in = "NextToken", .token_out = "NextToken", .page_limit = PRICING_PAGE_LIMIT);

struct aws_call *pricing_get_products(struct aws_client *c,
                                      const struct pricing_get_products_in *in,
                                      pricing_get_products_cb cb, void *arg)
{
    return typedcall_json(c, &pricing_op_get_products, pricing_build_get_products(in),
                          in ? in->max_pages : 0, (typedcall_fn)cb, arg);
}
