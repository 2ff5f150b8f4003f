/* cloudwatch.h - typed CloudWatch GetMetricData
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html), query
 * protocol (Version=2010-08-01, service "monitoring").
 *
 * Same conventions as elasticache.h. GetMetricData is paged by the caller:
 * one page per call, NextToken in the input, the next one in the output;
 * cloudwatch_get_metric_data_merge() joins pages series by series.
 */
#ifndef ELCUI_AWS_CLOUDWATCH_H
#define ELCUI_AWS_CLOUDWATCH_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/query.h"

struct cloudwatch_dimension_in {
    const char *name;
    const char *value;
};

/* MetricDataQueries.member.N: either a metric (MetricStat: metric_name set)
 * or an expression. */
struct cloudwatch_metric_data_query_in {
    const char *id; /* lower-case first letter; letters, digits, '_' */
    /* MetricStat */
    const char *metric_namespace; /* MetricStat.Metric.Namespace: "AWS/ElastiCache" */
    const char *metric_name;      /* MetricStat.Metric.MetricName */
    const struct cloudwatch_dimension_in *dimensions;
    size_t n_dimensions;
    int period;       /* MetricStat.Period, seconds */
    const char *stat; /* Average, Sum, Minimum, Maximum, SampleCount, p99 */
    const char *unit;
    /* otherwise */
    const char *expression;
    const char *label;
    bool has_return_data;
    bool return_data;
    int query_period; /* MetricDataQuery.Period (expressions); 0: absent */
    const char *account_id;
};

struct cloudwatch_get_metric_data_in {
    const struct cloudwatch_metric_data_query_in *queries;
    size_t n_queries;           /* <= 500 */
    int64_t start_time_ms;      /* inclusive */
    int64_t end_time_ms;        /* exclusive */
    const char *next_token;     /* page after this one */
    const char *scan_by;        /* TimestampDescending (default) | TimestampAscending */
    int max_datapoints;         /* 0: service default */
    const char *label_timezone; /* LabelOptions.Timezone, "+0130" */
};

struct cloudwatch_message {
    char *code;
    char *value;
};

struct cloudwatch_metric_data_result {
    char *id;
    char *label;
    /* timestamps_ms[i] pairs with values[i]; a malformed value is NAN, a
     * malformed timestamp 0. When the two lists differ in length (a broken
     * answer), only the common prefix is kept and n_unpaired counts the
     * rest. */
    int64_t *timestamps_ms;
    double *values;
    size_t n;
    size_t n_unpaired;
    char *status_code; /* Complete | PartialData | InternalError | Forbidden */
    struct cloudwatch_message *messages;
    size_t n_messages;
};

struct cloudwatch_get_metric_data_out {
    char request_id[96];
    struct cloudwatch_metric_data_result *results;
    size_t n_results;
    char *next_token; /* NULL: last page */
    struct cloudwatch_message *messages;
    size_t n_messages;
};
void cloudwatch_get_metric_data_out_free(struct cloudwatch_get_metric_data_out *o);

/* The series of that id, or NULL. */
struct cloudwatch_metric_data_result *
cloudwatch_get_metric_data_find(const struct cloudwatch_get_metric_data_out *o, const char *id);

/* Append page's data points to into, series by id (new ids are added);
 * page's messages are appended too, status codes are taken from page,
 * next_token from page. page is left empty (still to be freed). */
void cloudwatch_get_metric_data_merge(struct cloudwatch_get_metric_data_out *into,
                                      struct cloudwatch_get_metric_data_out *page);

typedef void (*cloudwatch_get_metric_data_cb)(struct cloudwatch_get_metric_data_out *out,
                                              const struct aws_error *err, void *arg);
struct query_params *
cloudwatch_build_get_metric_data(const struct cloudwatch_get_metric_data_in *in);
int cloudwatch_parse_get_metric_data(const xmlNode *result,
                                     struct cloudwatch_get_metric_data_out *out,
                                     struct aws_error *err);
struct aws_call *cloudwatch_get_metric_data(struct aws_client *c,
                                            const struct cloudwatch_get_metric_data_in *in,
                                            cloudwatch_get_metric_data_cb cb, void *arg);

#endif
