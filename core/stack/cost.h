/* cost.h - monthly cost estimate of a stack (from its spec, before apply)
 * or of a live replication group.
 *
 * The estimate is node type x nodes x 730 hours, plus CloudWatch Logs
 * ingestion and storage at a stated assumption (GB ingested a month, the
 * retention the log groups keep). Node prices come from the AWS Price List
 * API (GetProducts, service code AmazonElastiCache, on demand, the
 * region's regionCode, cacheEngine Redis or Valkey) when it answers, else
 * from a small built-in table of on-demand list prices that carries its
 * date (COST_TABLE_DATE); CloudWatch Logs prices always come from the
 * table. Every line of the estimate names its source and date, and when
 * the Price List API was not used the estimate says why.
 *
 * What is not included (and said so): data transfer, backup storage
 * beyond the free allowance, reserved nodes or savings plans, taxes.
 */
#ifndef ELCUI_CORE_COST_H
#define ELCUI_CORE_COST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/pricing.h"
#include "core/stack/stack_spec.h"

/* Date of the built-in price table (on-demand list prices, USD). */
#define COST_TABLE_DATE "2025-05-01"
/* Hours in the average month, as the AWS Pricing Calculator counts them. */
#define COST_HOURS_PER_MONTH 730.0
/* Default assumption: GB of slow and engine log records ingested a month. */
#define COST_DEFAULT_LOG_GB 1.0

struct cost_input {
    const char *subject;   /* "replication group app-4", "plan of stack app-4" */
    const char *region;    /* us-east-2 */
    const char *engine;    /* redis | valkey (NULL: redis) */
    const char *node_type; /* cache.t2.small */
    int nodes;             /* every node: shards x (1 + replicas) */
    int log_types;         /* log types delivered to CloudWatch Logs (0..2) */
    double log_gb_month;   /* GB ingested a month over all log types */
    int retention_days;    /* the log groups' retention; 0: never expire */
    double stored_gb;      /* live: what the log groups hold now (< 0: unknown) */
};

/* A spec's input (nodes from shards and replicas, log types, retention). */
void cost_input_from_spec(struct cost_input *in, const struct stack_spec *s, double log_gb_month);

struct cost_line {
    char *item;      /* "9 x cache.t2.small (redis)" */
    double quantity; /* 6570 */
    char *unit;      /* "node-hours", "GB ingested", "GB-months stored" */
    double unit_usd;
    double monthly_usd;
    char *source; /* "AWS Price List API (published 2024-05-01)" */
};

struct cost_estimate {
    char *subject;
    char *region;
    char *engine;
    char *node_type;
    int nodes;
    struct cost_line *lines;
    size_t n;
    double monthly_usd;
    char *node_source; /* where the node price came from, with its date */
    char *logs_source;
    char *fallback; /* why the Price List API was not used, or NULL */
    char **assumptions;
    size_t n_assumptions;
    char *hint;      /* previous-generation node type, or NULL */
    bool incomplete; /* a price was not known: the total leaves it out */
};

/* ---- the built-in table ---- */

/* On-demand hourly USD of a node type (Redis OSS; Valkey is priced 20%
 * lower). 0, or -1 when the table has no such region or node type. */
int cost_table_node_hourly(const char *region, const char *engine, const char *node_type,
                           double *usd);
/* The i-th node type the table prices (NULL past the end), with its vCPUs
 * and memory in GiB (either pointer may be NULL). */
const char *cost_table_node_type(size_t i, int *vcpus, double *memory_gib);
/* CloudWatch Logs: USD per GB ingested, per GB-month stored. 0 or -1. */
int cost_table_logs(const char *region, double *ingest_usd, double *storage_usd_month);
/* The region whose prices stand in for an unknown one ("us-east-1"). */
#define COST_TABLE_FALLBACK_REGION "us-east-1"

/* ---- building the estimate (pure) ---- */

/* The node price from a Price List answer, or NULL when it has none for
 * this node type, region and engine (the caller then uses the table). */
const struct pricing_product *cost_price_find(const struct pricing_product_list *l,
                                              const char *node_type, const char *region,
                                              const char *engine);

/* Estimate from the input; api: the Price List answer (NULL: not asked or
 * failed, fallback then says why: "Price List API unreachable: ..."). */
struct cost_estimate *cost_estimate_build(const struct cost_input *in,
                                          const struct pricing_product_list *api,
                                          const char *fallback);
void cost_estimate_free(struct cost_estimate *e);

/* For people: a table of lines, total, assumptions, sources. Caller frees. */
char *cost_estimate_format(const struct cost_estimate *e);
/* {"subject","region","engine","nodeType","nodes","currency","hoursPerMonth",
 *  "lines":[{"item","quantity","unit","unitPrice","monthly","source"}],
 *  "monthly","sources":{"nodes","logs"},"fallbackReason","assumptions","hint"} */
json_t *cost_estimate_to_json(const struct cost_estimate *e);

/* ---- asynchronous: ask the Price List API, then build ---- */

struct cost_req;
/* est: owned by the callee (cost_estimate_free); NULL only with err when a
 * live group could not be described. */
typedef void (*cost_cb)(struct cost_estimate *est, const struct aws_error *err, void *arg);

/* Estimate for in (copied), pricing nodes with GetProducts; a failure of
 * the Price List API falls back to the table (and says so). Never calls
 * cb synchronously. */
struct cost_req *cost_start(struct aws_client *c, const struct cost_input *in, cost_cb cb,
                            void *arg);
/* Estimate for a live group: DescribeReplicationGroups (node type, nodes,
 * engine, log delivery), DescribeLogGroups of its destinations (retention,
 * stored bytes), then prices as cost_start. use_api false: the table only. */
struct cost_req *cost_start_group(struct aws_client *c, const char *rg_id, double log_gb_month,
                                  bool use_api, cost_cb cb, void *arg);
/* Abandon; cb is not called. */
void cost_cancel(struct cost_req *r);

#endif
