/* svc.h - the AWS services elcui talks to, and their endpoints
 * (https://docs.aws.amazon.com/general/latest/gr/rande.html). */
#ifndef ELCUI_AWS_SVC_H
#define ELCUI_AWS_SVC_H

#include <stdbool.h>

enum svc_protocol {
    SVC_QUERY, /* form body, XML response with <OpResult> (ElastiCache, IAM, STS, CloudWatch) */
    SVC_EC2,   /* form body, EC2 XML flavour */
    SVC_JSON,  /* JSON 1.1 with X-Amz-Target (KMS, Logs, Secrets Manager, SSM, Pricing) */
};

struct svc {
    const char *name;            /* for people and errors: "ElastiCache" */
    const char *endpoint_prefix; /* host prefix: "elasticache", "monitoring" */
    const char *signing_name;    /* SigV4 service name */
    const char *env_suffix;      /* AWS_ENDPOINT_URL_<env_suffix> */
    const char *config_key;      /* [services x] sub-section key: "cloudwatch_logs" */
    enum svc_protocol protocol;
    const char *api_version;   /* query/ec2 Version=... */
    const char *target_prefix; /* JSON: X-Amz-Target prefix */
    bool global;               /* IAM: one endpoint, signed for us-east-1 */
};

extern const struct svc svc_elasticache;
extern const struct svc svc_ec2;
extern const struct svc svc_kms;
extern const struct svc svc_logs;
extern const struct svc svc_secretsmanager;
extern const struct svc svc_ssm;
extern const struct svc svc_iam;
extern const struct svc svc_sts;
extern const struct svc svc_cloudwatch;
extern const struct svc svc_pricing;

/* Default endpoint URL for a region (aws partition, with the China and
 * global variants: IAM has one endpoint per partition, China uses
 * amazonaws.com.cn). Caller frees. */
char *svc_default_endpoint(const struct svc *s, const char *region);
/* Signing region: "us-east-1" for global IAM in the aws partition, etc. */
const char *svc_signing_region(const struct svc *s, const char *region);

#endif
