/* cloudwatch.c - typed GetMetricData: builder, parser, page merging. */
#include "aws/cloudwatch.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/mem.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ================= builder ================= */

static void cw_add_time(struct query_params *p, const char *name, int64_t ms)
{
    char out[48];
    awstime_format_iso8601_query(ms, out, sizeof(out));
    query_add(p, name, out);
}

static void cw_addf_int(struct query_params *p, long long v, const char *fmt, size_t i)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", v);
    query_addf_name(p, num, fmt, i);
}

struct query_params *
cloudwatch_build_get_metric_data(const struct cloudwatch_get_metric_data_in *in)
{
    struct query_params *p = query_params_new("GetMetricData", svc_cloudwatch.api_version);
    for (size_t i = 0; in->queries && i < in->n_queries; i++) {
        const struct cloudwatch_metric_data_query_in *q = &in->queries[i];
        size_t n = i + 1;
        if (q->id)
            query_addf_name(p, q->id, "MetricDataQueries.member.%zu.Id", n);
        if (q->metric_name || q->metric_namespace) {
            if (q->metric_namespace)
                query_addf_name(p, q->metric_namespace,
                                "MetricDataQueries.member.%zu.MetricStat.Metric.Namespace", n);
            if (q->metric_name)
                query_addf_name(p, q->metric_name,
                                "MetricDataQueries.member.%zu.MetricStat.Metric.MetricName", n);
            for (size_t j = 0; q->dimensions && j < q->n_dimensions; j++) {
                query_addf_name(p, q->dimensions[j].name,
                                "MetricDataQueries.member.%zu.MetricStat.Metric.Dimensions.member."
                                "%zu.Name",
                                n, j + 1);
                query_addf_name(p, q->dimensions[j].value,
                                "MetricDataQueries.member.%zu.MetricStat.Metric.Dimensions.member."
                                "%zu.Value",
                                n, j + 1);
            }
            if (q->period > 0)
                cw_addf_int(p, q->period, "MetricDataQueries.member.%zu.MetricStat.Period", n);
            if (q->stat)
                query_addf_name(p, q->stat, "MetricDataQueries.member.%zu.MetricStat.Stat", n);
            if (q->unit)
                query_addf_name(p, q->unit, "MetricDataQueries.member.%zu.MetricStat.Unit", n);
        }
        if (q->expression)
            query_addf_name(p, q->expression, "MetricDataQueries.member.%zu.Expression", n);
        if (q->label)
            query_addf_name(p, q->label, "MetricDataQueries.member.%zu.Label", n);
        if (q->has_return_data)
            query_addf_name(p, q->return_data ? "true" : "false",
                            "MetricDataQueries.member.%zu.ReturnData", n);
        if (q->query_period > 0)
            cw_addf_int(p, q->query_period, "MetricDataQueries.member.%zu.Period", n);
        if (q->account_id)
            query_addf_name(p, q->account_id, "MetricDataQueries.member.%zu.AccountId", n);
    }
    cw_add_time(p, "StartTime", in->start_time_ms);
    cw_add_time(p, "EndTime", in->end_time_ms);
    if (in->next_token)
        query_add(p, "NextToken", in->next_token);
    if (in->scan_by)
        query_add(p, "ScanBy", in->scan_by);
    if (in->max_datapoints > 0)
        query_add_int(p, "MaxDatapoints", in->max_datapoints);
    if (in->label_timezone)
        query_add(p, "LabelOptions.Timezone", in->label_timezone);
    return p;
}

/* ================= parser ================= */

static bool cw_double(const xmlNode *n, double *out)
{
    char *s = query_text(n, NULL);
    if (!s)
        return false;
    char *a = s;
    while (*a && isspace((unsigned char)*a))
        a++;
    char *end = NULL;
    errno = 0;
    double v = strtod(a, &end);
    while (end && *end && isspace((unsigned char)*end))
        end++;
    bool ok = end != a && *end == '\0' && errno == 0 && isfinite(v);
    free(s);
    if (ok)
        *out = v;
    return ok;
}

static size_t cw_count(const xmlNode *list)
{
    size_t n = 0;
    for (xmlNode *c = query_first(list, "member"); c; c = query_next(c, "member"))
        n++;
    return n;
}

static void cw_messages(const xmlNode *parent, struct cloudwatch_message **v, size_t *n)
{
    xmlNode *list = query_child(parent, "Messages");
    size_t cnt = cw_count(list);
    *v = cnt ? mem_xcalloc(cnt, sizeof(**v)) : NULL;
    *n = 0;
    for (xmlNode *c = query_first(list, "member"); c && *n < cnt; c = query_next(c, "member")) {
        (*v)[*n].code = query_text(c, "Code");
        (*v)[*n].value = query_text(c, "Value");
        (*n)++;
    }
}

static void cw_messages_free(struct cloudwatch_message *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].code);
        free(v[i].value);
    }
    free(v);
}

static void cw_result_parse(const xmlNode *m, struct cloudwatch_metric_data_result *r)
{
    r->id = query_text(m, "Id");
    r->label = query_text(m, "Label");
    xmlNode *ts = query_child(m, "Timestamps");
    xmlNode *vs = query_child(m, "Values");
    size_t nts = cw_count(ts), nvs = cw_count(vs);
    size_t n = nts < nvs ? nts : nvs;
    r->n_unpaired = (nts > nvs ? nts - nvs : nvs - nts);
    r->timestamps_ms = n ? mem_xcalloc(n, sizeof(*r->timestamps_ms)) : NULL;
    r->values = n ? mem_xcalloc(n, sizeof(*r->values)) : NULL;
    xmlNode *t = query_first(ts, "member");
    xmlNode *v = query_first(vs, "member");
    for (size_t i = 0; i < n && t && v; i++) {
        r->timestamps_ms[i] = query_time(t, NULL);
        if (!cw_double(v, &r->values[i]))
            r->values[i] = NAN;
        t = query_next(t, "member");
        v = query_next(v, "member");
        r->n = i + 1;
    }
    r->status_code = query_text(m, "StatusCode");
    cw_messages(m, &r->messages, &r->n_messages);
}

static void cw_result_clear(struct cloudwatch_metric_data_result *r)
{
    free(r->id);
    free(r->label);
    free(r->timestamps_ms);
    free(r->values);
    free(r->status_code);
    cw_messages_free(r->messages, r->n_messages);
}

void cloudwatch_get_metric_data_out_free(struct cloudwatch_get_metric_data_out *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_results; i++)
        cw_result_clear(&o->results[i]);
    free(o->results);
    free(o->next_token);
    cw_messages_free(o->messages, o->n_messages);
    free(o);
}

int cloudwatch_parse_get_metric_data(const xmlNode *result,
                                     struct cloudwatch_get_metric_data_out *out,
                                     struct aws_error *err)
{
    if (!result || result->type != XML_ELEMENT_NODE || !result->name ||
        strcmp((const char *)result->name, "GetMetricDataResult") != 0) {
        if (err) {
            aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                          "response has no <GetMetricDataResult> element");
            snprintf(err->service, sizeof(err->service), "%s", svc_cloudwatch.name);
            snprintf(err->operation, sizeof(err->operation), "GetMetricData");
        }
        return -1;
    }
    xmlNode *list = query_child(result, "MetricDataResults");
    size_t cnt = cw_count(list);
    out->results = cnt ? mem_xcalloc(cnt, sizeof(*out->results)) : NULL;
    out->n_results = 0;
    for (xmlNode *c = query_first(list, "member"); c && out->n_results < cnt;
         c = query_next(c, "member"))
        cw_result_parse(c, &out->results[out->n_results++]);
    out->next_token = query_text(result, "NextToken");
    if (out->next_token && !*out->next_token) {
        free(out->next_token);
        out->next_token = NULL;
    }
    cw_messages(result, &out->messages, &out->n_messages);
    return 0;
}

struct cloudwatch_metric_data_result *
cloudwatch_get_metric_data_find(const struct cloudwatch_get_metric_data_out *o, const char *id)
{
    if (!o || !id)
        return NULL;
    for (size_t i = 0; i < o->n_results; i++)
        if (o->results[i].id && strcmp(o->results[i].id, id) == 0)
            return &o->results[i];
    return NULL;
}

static void cw_append_messages(struct cloudwatch_message **dst, size_t *dn,
                               struct cloudwatch_message **src, size_t *sn)
{
    if (*sn == 0)
        return;
    *dst = mem_xrealloc(*dst, (*dn + *sn) * sizeof(**dst));
    memcpy(*dst + *dn, *src, *sn * sizeof(**src));
    *dn += *sn;
    free(*src);
    *src = NULL;
    *sn = 0;
}

void cloudwatch_get_metric_data_merge(struct cloudwatch_get_metric_data_out *into,
                                      struct cloudwatch_get_metric_data_out *page)
{
    for (size_t i = 0; i < page->n_results; i++) {
        struct cloudwatch_metric_data_result *src = &page->results[i];
        struct cloudwatch_metric_data_result *dst =
            src->id ? cloudwatch_get_metric_data_find(into, src->id) : NULL;
        if (!dst) {
            into->results =
                mem_xrealloc(into->results, (into->n_results + 1) * sizeof(*into->results));
            into->results[into->n_results++] = *src;
            memset(src, 0, sizeof(*src));
            continue;
        }
        if (src->n) {
            dst->timestamps_ms =
                mem_xrealloc(dst->timestamps_ms, (dst->n + src->n) * sizeof(*dst->timestamps_ms));
            dst->values = mem_xrealloc(dst->values, (dst->n + src->n) * sizeof(*dst->values));
            memcpy(dst->timestamps_ms + dst->n, src->timestamps_ms,
                   src->n * sizeof(*src->timestamps_ms));
            memcpy(dst->values + dst->n, src->values, src->n * sizeof(*src->values));
            dst->n += src->n;
        }
        dst->n_unpaired += src->n_unpaired;
        if (src->status_code) {
            free(dst->status_code);
            dst->status_code = src->status_code;
            src->status_code = NULL;
        }
        if (!dst->label && src->label) {
            dst->label = src->label;
            src->label = NULL;
        }
        cw_append_messages(&dst->messages, &dst->n_messages, &src->messages, &src->n_messages);
        cw_result_clear(src);
        memset(src, 0, sizeof(*src));
    }
    for (size_t i = 0; i < page->n_results; i++)
        cw_result_clear(&page->results[i]);
    free(page->results);
    page->results = NULL;
    page->n_results = 0;
    free(into->next_token);
    into->next_token = page->next_token;
    page->next_token = NULL;
    cw_append_messages(&into->messages, &into->n_messages, &page->messages, &page->n_messages);
    snprintf(into->request_id, sizeof(into->request_id), "%s", page->request_id);
}

/* ================= call (aws/typedcall.h runs it) ================= */

/* One page per call: callers page by hand with next_token and merge. */
TYPEDCALL_OP(cw_op_get_metric_data, &svc_cloudwatch, "GetMetricData",
             struct cloudwatch_get_metric_data_out, cloudwatch_get_metric_data_cb, XML,
             cloudwatch_parse_get_metric_data, cloudwatch_get_metric_data_out_free);

struct aws_call *cloudwatch_get_metric_data(struct aws_client *c,
                                            const struct cloudwatch_get_metric_data_in *in,
                                            cloudwatch_get_metric_data_cb cb, void *arg)
{
    return typedcall_query(c, &cw_op_get_metric_data, cloudwatch_build_get_metric_data(in), 0,
                           (typedcall_fn)cb, arg);
}
