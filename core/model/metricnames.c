/* metricnames.c - the metric names of AWS/ElastiCache (see metricnames.h). */
#include "core/model/metricnames.h"

#include <string.h>

#include "aws/nearname.h"

static const char *const metricnames_table[] = {
    /* host-level */
    "CPUUtilization",
    "CPUCreditBalance",
    "CPUCreditUsage",
    "FreeableMemory",
    "NetworkBytesIn",
    "NetworkBytesOut",
    "NetworkPacketsIn",
    "NetworkPacketsOut",
    "SwapUsage",
    "NetworkBandwidthInAllowanceExceeded",
    "NetworkBandwidthOutAllowanceExceeded",
    "NetworkConntrackAllowanceExceeded",
    "NetworkLinkLocalAllowanceExceeded",
    "NetworkPacketsPerSecondAllowanceExceeded",
    "NetworkMaxBytesIn",
    "NetworkMaxBytesOut",
    "NetworkMaxPacketsIn",
    "NetworkMaxPacketsOut",
    /* engine (Redis OSS and Valkey) */
    "ActiveDefragHits",
    "AuthenticationFailures",
    "BytesUsedForCache",
    "BytesReadFromDisk",
    "BytesWrittenToDisk",
    "CacheHits",
    "CacheMisses",
    "CacheHitRate",
    "ChannelAuthorizationFailures",
    "CommandAuthorizationFailures",
    "CurrConnections",
    "CurrItems",
    "CurrVolatileItems",
    "DatabaseCapacityUsagePercentage",
    "DatabaseCapacityUsageCountedForEvictPercentage",
    "DatabaseMemoryUsagePercentage",
    "DatabaseMemoryUsageCountedForEvictPercentage",
    "DB0AverageTTL",
    "EngineCPUUtilization",
    "Evictions",
    "GlobalDatastoreReplicationLag",
    "IamAuthenticationExpirations",
    "IamAuthenticationThrottling",
    "IsMaster",
    "KeyAuthorizationFailures",
    "KeysTracked",
    "MasterLinkHealthStatus",
    "MemoryFragmentationRatio",
    "NewConnections",
    "NumItemsReadFromDisk",
    "NumItemsWrittenToDisk",
    "Reclaimed",
    "ReplicationBytes",
    "ReplicationLag",
    "SaveInProgress",
    "SuccessfulReadRequestLatency",
    "SuccessfulWriteRequestLatency",
    "TrafficManagementActive",
    /* command-level */
    "ClusterBasedCmds",
    "ClusterBasedCmdsLatency",
    "EvalBasedCmds",
    "EvalBasedCmdsLatency",
    "GeoSpatialBasedCmds",
    "GeoSpatialBasedCmdsLatency",
    "GetTypeCmds",
    "GetTypeCmdsLatency",
    "HashBasedCmds",
    "HashBasedCmdsLatency",
    "HyperLogLogBasedCmds",
    "HyperLogLogBasedCmdsLatency",
    "JsonBasedCmds",
    "JsonBasedCmdsLatency",
    "JsonBasedGetCmds",
    "JsonBasedGetCmdsLatency",
    "JsonBasedSetCmds",
    "JsonBasedSetCmdsLatency",
    "KeyBasedCmds",
    "KeyBasedCmdsLatency",
    "ListBasedCmds",
    "ListBasedCmdsLatency",
    "NonKeyTypeCmds",
    "NonKeyTypeCmdsLatency",
    "PubSubBasedCmds",
    "PubSubBasedCmdsLatency",
    "SetBasedCmds",
    "SetBasedCmdsLatency",
    "SetTypeCmds",
    "SetTypeCmdsLatency",
    "SortedSetBasedCmds",
    "SortedSetBasedCmdsLatency",
    "StringBasedCmds",
    "StringBasedCmdsLatency",
    "StreamBasedCmds",
    "StreamBasedCmdsLatency",
    /* serverless caches */
    "ElastiCacheProcessingUnits",
    "ThrottledCmds",
    "TotalCmdsCount",
};

#define METRICNAMES_N (sizeof(metricnames_table) / sizeof(metricnames_table[0]))

const char *const *metricnames_all(size_t *n)
{
    *n = METRICNAMES_N;
    return metricnames_table;
}

bool metricnames_known(const char *name)
{
    for (size_t i = 0; name && i < METRICNAMES_N; i++)
        if (strcmp(metricnames_table[i], name) == 0)
            return true;
    return false;
}

size_t metricnames_close(const char *name, const char **out, size_t max)
{
    return nearname_pick(name ? name : "", metricnames_table, METRICNAMES_N, out, max);
}
