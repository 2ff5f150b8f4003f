/* svc.c - the table of the AWS services elcui calls: endpoint prefix,
 * signing name, protocol and API version of each. */
#include "aws/svc.h"

#include <string.h>

#include "aws/mem.h"

const struct svc svc_elasticache = {
    .name = "ElastiCache",
    .endpoint_prefix = "elasticache",
    .signing_name = "elasticache",
    .env_suffix = "ELASTICACHE",
    .config_key = "elasticache",
    .protocol = SVC_QUERY,
    .api_version = "2015-02-02",
};

const struct svc svc_ec2 = {
    .name = "EC2",
    .endpoint_prefix = "ec2",
    .signing_name = "ec2",
    .env_suffix = "EC2",
    .config_key = "ec2",
    .protocol = SVC_EC2,
    .api_version = "2016-11-15",
};

const struct svc svc_kms = {
    .name = "KMS",
    .endpoint_prefix = "kms",
    .signing_name = "kms",
    .env_suffix = "KMS",
    .config_key = "kms",
    .protocol = SVC_JSON,
    .target_prefix = "TrentService",
};

const struct svc svc_logs = {
    .name = "CloudWatch Logs",
    .endpoint_prefix = "logs",
    .signing_name = "logs",
    .env_suffix = "CLOUDWATCH_LOGS",
    .config_key = "cloudwatch_logs",
    .protocol = SVC_JSON,
    .target_prefix = "Logs_20140328",
};

const struct svc svc_secretsmanager = {
    .name = "Secrets Manager",
    .endpoint_prefix = "secretsmanager",
    .signing_name = "secretsmanager",
    .env_suffix = "SECRETS_MANAGER",
    .config_key = "secrets_manager",
    .protocol = SVC_JSON,
    .target_prefix = "secretsmanager",
};

const struct svc svc_ssm = {
    .name = "SSM",
    .endpoint_prefix = "ssm",
    .signing_name = "ssm",
    .env_suffix = "SSM",
    .config_key = "ssm",
    .protocol = SVC_JSON,
    .target_prefix = "AmazonSSM",
};

const struct svc svc_iam = {
    .name = "IAM",
    .endpoint_prefix = "iam",
    .signing_name = "iam",
    .env_suffix = "IAM",
    .config_key = "iam",
    .protocol = SVC_QUERY,
    .api_version = "2010-05-08",
    .global = true,
};

const struct svc svc_sts = {
    .name = "STS",
    .endpoint_prefix = "sts",
    .signing_name = "sts",
    .env_suffix = "STS",
    .config_key = "sts",
    .protocol = SVC_QUERY,
    .api_version = "2011-06-15",
};

const struct svc svc_cloudwatch = {
    .name = "CloudWatch",
    .endpoint_prefix = "monitoring",
    .signing_name = "monitoring",
    .env_suffix = "CLOUDWATCH",
    .config_key = "cloudwatch",
    .protocol = SVC_QUERY,
    .api_version = "2010-08-01",
};

/* Price List API: JSON 1.1, served from a few regions only (us-east-1
 * among them); the host is api.pricing.<region>.amazonaws.com. */
const struct svc svc_pricing = {
    .name = "Pricing",
    .endpoint_prefix = "api.pricing",
    .signing_name = "pricing",
    .env_suffix = "PRICING",
    .config_key = "pricing",
    .protocol = SVC_JSON,
    .target_prefix = "AWSPriceListService",
    .global = true,
};

static bool svc_region_is(const char *region, const char *prefix)
{
    return region && strncmp(region, prefix, strlen(prefix)) == 0;
}

const char *svc_signing_region(const struct svc *s, const char *region)
{
    if (s == &svc_iam) {
        if (svc_region_is(region, "cn-"))
            return "cn-north-1";
        if (svc_region_is(region, "us-gov-"))
            return "us-gov-west-1";
        return "us-east-1";
    }
    if (s == &svc_pricing) {
        /* The Price List API lives in us-east-1, eu-central-1, ap-south-1. */
        if (svc_region_is(region, "eu-"))
            return "eu-central-1";
        if (svc_region_is(region, "ap-"))
            return "ap-south-1";
        return "us-east-1";
    }
    if (region && strcmp(region, "aws-global") == 0)
        return "us-east-1";
    return region;
}

char *svc_default_endpoint(const struct svc *s, const char *region)
{
    const char *suffix = svc_region_is(region, "cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    if (s == &svc_iam) {
        if (svc_region_is(region, "cn-"))
            return mem_xstrdup("https://iam.cn-north-1.amazonaws.com.cn/");
        if (svc_region_is(region, "us-gov-"))
            return mem_xstrdup("https://iam.us-gov.amazonaws.com/");
        return mem_xstrdup("https://iam.amazonaws.com/");
    }
    if (s == &svc_sts && region && strcmp(region, "aws-global") == 0)
        return mem_xstrdup("https://sts.amazonaws.com/");
    return mem_xasprintf("https://%s.%s.%s/", s->endpoint_prefix, svc_signing_region(s, region),
                         suffix);
}
