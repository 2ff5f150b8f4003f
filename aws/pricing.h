/* pricing.h - the AWS Price List API's GetProducts (JSON 1.1, X-Amz-Target
 * AWSPriceListService.GetProducts; endpoint api.pricing.<r>.amazonaws.com,
 * served from us-east-1, eu-central-1 and ap-south-1 only: svc_pricing
 * picks the one near the client's region). What the cost engine prices
 * node types with.
 *
 * Conventions (TYPED.md): zero = absent in inputs; the output is a heap
 * struct owned by the callback, freed with pricing_product_list_free;
 * exactly one of out/err is non-NULL; the callback never runs
 * synchronously; the handle works with aws_call_cancel() across pages.
 * GetProducts follows NextToken until done or max_pages and returns the
 * token to resume from in next_token.
 *
 * Each PriceList item is a JSON document in a JSON string (product
 * attributes + terms). The parser reads the product attributes elcui
 * needs and the on-demand hourly USD price (terms.OnDemand.*.
 * priceDimensions.*.pricePerUnit.USD with unit "Hrs"); numbers are read
 * without the C locale's help (a UI locale with a decimal comma must not
 * change prices). Items that cannot be read are counted, not fatal.
 */
#ifndef ELCUI_AWS_PRICING_H
#define ELCUI_AWS_PRICING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"

#define PRICING_PAGE_LIMIT 1000

/* Filters: Type TERM_MATCH (the only type), Field an attribute name
 * (instanceType, regionCode, location, cacheEngine, ServiceCode, ...). */
struct pricing_filter {
    const char *type; /* NULL: TERM_MATCH */
    const char *field;
    const char *value;
};

struct pricing_get_products_in {
    const char *service_code; /* NULL: AmazonElastiCache */
    const struct pricing_filter *filters;
    size_t n_filters;
    const char *format_version; /* NULL: aws_v1 */
    const char *next_token;
    int max_results; /* 1..100; 0: service default */
    int max_pages;   /* 0: all */
};

struct pricing_product {
    char *sku;
    char *product_family; /* "Cache Instance", ... */
    char *service_code;
    char *instance_type; /* cache.t2.small */
    char *location;      /* "US East (Ohio)" */
    char *region_code;   /* us-east-2 (newer attribute) */
    char *cache_engine;  /* Redis, Memcached, Valkey */
    char *usage_type;
    char *current_generation; /* "Yes" / "No" */
    char *instance_family;
    char *memory;
    char *vcpu;
    char *publication_date;
    /* on demand */
    bool has_hourly_usd;
    double hourly_usd;
    char *price_description; /* "$0.034 per On Demand cache.t2.small Cache Instance Hour" */
    char *effective_date;    /* of the on-demand term */
};

struct pricing_product_list {
    char request_id[96];
    struct pricing_product *items;
    size_t n;
    size_t n_unreadable; /* PriceList items that were not readable JSON documents */
    char *format_version;
    char *next_token;
};
void pricing_product_list_free(struct pricing_product_list *l);

/* Appends the page's products to out; -1 when PriceList is not a list. */
int pricing_parse_products(const json_t *obj, struct pricing_product_list *out);
/* One PriceList document (already decoded) into p; -1 when it has no
 * product. */
int pricing_parse_product(const json_t *doc, struct pricing_product *p);
void pricing_product_clear(struct pricing_product *p);

/* Locale-independent reading of a price ("0.0340000000"): digits with at
 * most one '.', nothing else. false on anything else. */
bool pricing_parse_price(const char *s, double *out);

/* The on-demand hourly USD price of a node type, from a product list:
 * instance_type must match; region_code and cache_engine when given
 * (engine compared without case). Prefers a Redis product when the engine
 * is not given. 0 and *usd, or -1 when no product has that price. */
int pricing_hourly_usd(const struct pricing_product_list *l, const char *instance_type,
                       const char *region_code, const char *cache_engine, double *usd);

typedef void (*pricing_get_products_cb)(struct pricing_product_list *out,
                                        const struct aws_error *err, void *arg);
json_t *pricing_build_get_products(const struct pricing_get_products_in *in);
struct aws_call *pricing_get_products(struct aws_client *c,
                                      const struct pricing_get_products_in *in,
                                      pricing_get_products_cb cb, void *arg);

#endif
