/* regions.h - the AWS partitions (aws, aws-cn, aws-us-gov, the isolated
 * ones, aws-eusc) and their regions: whether a region name exists, and the
 * known names closest to one that does not ("us-west-9": us-west-1 or
 * us-west-2).
 */
#ifndef ELCUI_AWS_REGIONS_H
#define ELCUI_AWS_REGIONS_H

#include <stdbool.h>
#include <stddef.h>

struct regions_partition {
    const char *id;     /* "aws-us-gov" */
    const char *prefix; /* name form: "us-gov-"; NULL for aws (us-, eu-, ap-, ...) */
    const char *const *regions;
    size_t n;
};

/* Every partition, and how many. */
const struct regions_partition *regions_partitions_all(size_t *n);
/* The partition a name belongs to by its form ("cn-north-9": aws-cn),
 * known region or not; NULL when no partition names regions so. */
const struct regions_partition *regions_partition_of(const char *region);
/* The name is a region of one of the partitions. */
bool regions_known(const char *region);
/* Up to max known regions close to the name (in its partition, else in
 * all), closest first; returns how many. */
size_t regions_close(const char *region, const char **out, size_t max);
/* Why the name is not a region, with the close ones: "region 'us-west-9'
 * is not a region of the aws partition (did you mean us-west-1 or
 * us-west-2?)", "'useast1' is not an AWS region name (did you mean
 * us-east-1 or us-east-2?)". */
void regions_explain(const char *region, char *out, size_t n);

#endif
