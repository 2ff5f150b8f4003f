/* metricnames.h - every metric ElastiCache publishes in AWS/ElastiCache
 * for Redis OSS and Valkey nodes (host-level, engine, command-level and
 * serverless ones, as the ElastiCache user guide lists them), so that a
 * misspelt --metric is an error naming the close names instead of an
 * empty series: CloudWatch answers an unknown name with no data, not an
 * error.
 */
#ifndef ELCUI_CORE_METRICNAMES_H
#define ELCUI_CORE_METRICNAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The names, and how many. */
const char *const *metricnames_all(size_t *n);
/* name is one of them (exactly: CloudWatch names are case-sensitive). */
bool metricnames_known(const char *name);
/* Up to max known names close to name (case differences first), closest
 * first; returns how many. */
size_t metricnames_close(const char *name, const char **out, size_t max);

#endif
