/* regions.c - the AWS partitions and their regions.
 *
 * The table is partitions.json of botocore 1.43.11 (the list the AWS CLI and
 * SDKs ship), without the "-global" pseudo regions. A region AWS opens
 * later is refused until the table learns it; an endpoint override
 * (--endpoint-url, AWS_ENDPOINT_URL...) lets any name through meanwhile.
 */
#include "aws/regions.h"

#include <stdio.h>
#include <string.h>

#include "aws/nearname.h"

static const char *const regions_aws[] = {
    "af-south-1",     /* Africa (Cape Town) */
    "ap-east-1",      /* Asia Pacific (Hong Kong) */
    "ap-east-2",      /* Asia Pacific (Taipei) */
    "ap-northeast-1", /* Asia Pacific (Tokyo) */
    "ap-northeast-2", /* Asia Pacific (Seoul) */
    "ap-northeast-3", /* Asia Pacific (Osaka) */
    "ap-south-1",     /* Asia Pacific (Mumbai) */
    "ap-south-2",     /* Asia Pacific (Hyderabad) */
    "ap-southeast-1", /* Asia Pacific (Singapore) */
    "ap-southeast-2", /* Asia Pacific (Sydney) */
    "ap-southeast-3", /* Asia Pacific (Jakarta) */
    "ap-southeast-4", /* Asia Pacific (Melbourne) */
    "ap-southeast-5", /* Asia Pacific (Malaysia) */
    "ap-southeast-6", /* Asia Pacific (New Zealand) */
    "ap-southeast-7", /* Asia Pacific (Thailand) */
    "ca-central-1",   /* Canada (Central) */
    "ca-west-1",      /* Canada West (Calgary) */
    "eu-central-1",   /* Europe (Frankfurt) */
    "eu-central-2",   /* Europe (Zurich) */
    "eu-north-1",     /* Europe (Stockholm) */
    "eu-south-1",     /* Europe (Milan) */
    "eu-south-2",     /* Europe (Spain) */
    "eu-west-1",      /* Europe (Ireland) */
    "eu-west-2",      /* Europe (London) */
    "eu-west-3",      /* Europe (Paris) */
    "il-central-1",   /* Israel (Tel Aviv) */
    "me-central-1",   /* Middle East (UAE) */
    "me-south-1",     /* Middle East (Bahrain) */
    "mx-central-1",   /* Mexico (Central) */
    "sa-east-1",      /* South America (Sao Paulo) */
    "us-east-1",      /* US East (N. Virginia) */
    "us-east-2",      /* US East (Ohio) */
    "us-west-1",      /* US West (N. California) */
    "us-west-2",      /* US West (Oregon) */
};

static const char *const regions_aws_cn[] = {
    "cn-north-1",     /* China (Beijing) */
    "cn-northwest-1", /* China (Ningxia) */
};

static const char *const regions_aws_us_gov[] = {
    "us-gov-east-1", /* AWS GovCloud (US-East) */
    "us-gov-west-1", /* AWS GovCloud (US-West) */
};

static const char *const regions_aws_iso[] = {
    "us-iso-east-1", /* US ISO East */
    "us-iso-west-1", /* US ISO WEST */
};

static const char *const regions_aws_iso_b[] = {
    "us-isob-east-1", /* US ISOB East (Ohio) */
    "us-isob-west-1", /* US ISOB West */
};

static const char *const regions_aws_iso_e[] = {
    "eu-isoe-west-1", /* EU ISOE West */
};

static const char *const regions_aws_iso_f[] = {
    "us-isof-east-1",  /* US ISOF EAST */
    "us-isof-south-1", /* US ISOF SOUTH */
};

static const char *const regions_aws_eusc[] = {
    "eusc-de-east-1", /* AWS European Sovereign Cloud (Germany) */
};

/* Partitions in the order their name forms are tried: the specific
 * prefixes first ("us-gov-" before the aws partition's "us-"). */
static const struct regions_partition regions_partitions[] = {
    {"aws", NULL, regions_aws, sizeof(regions_aws) / sizeof(regions_aws[0])},
    {"aws-cn", "cn-", regions_aws_cn, sizeof(regions_aws_cn) / sizeof(regions_aws_cn[0])},
    {"aws-us-gov", "us-gov-", regions_aws_us_gov,
     sizeof(regions_aws_us_gov) / sizeof(regions_aws_us_gov[0])},
    {"aws-iso", "us-iso-", regions_aws_iso, sizeof(regions_aws_iso) / sizeof(regions_aws_iso[0])},
    {"aws-iso-b", "us-isob-", regions_aws_iso_b,
     sizeof(regions_aws_iso_b) / sizeof(regions_aws_iso_b[0])},
    {"aws-iso-e", "eu-isoe-", regions_aws_iso_e,
     sizeof(regions_aws_iso_e) / sizeof(regions_aws_iso_e[0])},
    {"aws-iso-f", "us-isof-", regions_aws_iso_f,
     sizeof(regions_aws_iso_f) / sizeof(regions_aws_iso_f[0])},
    {"aws-eusc", "eusc-de-", regions_aws_eusc,
     sizeof(regions_aws_eusc) / sizeof(regions_aws_eusc[0])},
};

#define REGIONS_NPART (sizeof(regions_partitions) / sizeof(regions_partitions[0]))

/* The aws partition's form: (us|eu|ap|sa|ca|me|af|il|mx)-WORD-DIGITS. */
static bool regions_aws_form(const char *r)
{
    static const char *const geo[] = {"us-", "eu-", "ap-", "sa-", "ca-",
                                      "me-", "af-", "il-", "mx-"};
    for (size_t i = 0; i < sizeof(geo) / sizeof(geo[0]); i++)
        if (strncmp(r, geo[i], 3) == 0)
            return true;
    return false;
}

const struct regions_partition *regions_partition_of(const char *region)
{
    if (!region)
        return NULL;
    const struct regions_partition *aws = NULL;
    for (size_t i = 0; i < REGIONS_NPART; i++) {
        const struct regions_partition *p = &regions_partitions[i];
        if (!p->prefix) {
            aws = p;
            continue;
        }
        if (strncmp(region, p->prefix, strlen(p->prefix)) == 0)
            return p;
    }
    return regions_aws_form(region) ? aws : NULL;
}

const struct regions_partition *regions_partitions_all(size_t *n)
{
    *n = REGIONS_NPART;
    return regions_partitions;
}

bool regions_known(const char *region)
{
    if (!region)
        return false;
    for (size_t i = 0; i < REGIONS_NPART; i++)
        for (size_t k = 0; k < regions_partitions[i].n; k++)
            if (strcmp(regions_partitions[i].regions[k], region) == 0)
                return true;
    return false;
}

size_t regions_close(const char *region, const char **out, size_t max)
{
    const struct regions_partition *p = regions_partition_of(region);
    if (p) {
        size_t got = nearname_pick(region, p->regions, p->n, out, max);
        if (got)
            return got;
    }
    /* no partition by its form, or nothing close in it: every region */
    const char *all[64];
    size_t n = 0;
    for (size_t i = 0; i < REGIONS_NPART; i++)
        for (size_t k = 0; k < regions_partitions[i].n && n < sizeof(all) / sizeof(all[0]); k++)
            all[n++] = regions_partitions[i].regions[k];
    return nearname_pick(region, all, n, out, max);
}

void regions_explain(const char *region, char *out, size_t n)
{
    const struct regions_partition *p = regions_partition_of(region);
    const char *close[4];
    size_t nc = regions_close(region, close, sizeof(close) / sizeof(close[0]));
    char list[256];
    nearname_join(close, nc, list, sizeof(list));
    char head[200];
    if (p)
        snprintf(head, sizeof(head), "region '%s' is not a region of the %s partition", region,
                 p->id);
    else
        snprintf(head, sizeof(head), "'%s' is not an AWS region name", region);
    if (nc)
        snprintf(out, n, "%s (did you mean %s?)", head, list);
    else
        snprintf(out, n, "%s", head);
}
