/* fuzz_json_typed.c - JSON 1.1 responses of KMS, Secrets Manager, SSM and
 * the Price List API through their typed parsers (kms_parse_*,
 * secrets_parse_*, ssm_parse_*, pricing_parse_*). A JSON body does not
 * name its operation, so every parser reads every input: recorded bodies
 * are seeds as they are. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/kms.h"
#include "aws/mem.h"
#include "aws/pricing.h"
#include "aws/secrets.h"
#include "aws/ssm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARSE(type, fn, freefn)                                                                    \
    do {                                                                                           \
        struct type *o = mem_xcalloc(1, sizeof(*o));                                               \
        (void)fn(obj, o);                                                                          \
        freefn(o);                                                                                 \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = NULL;
    struct aws_error err;
    aws_error_init(&err);
    if (awsjson_parse((const char *)data, size, 200, &obj, &err) != 0) {
        free(aws_error_format(&err));
        aws_error_clear(&err);
        if (awsjson_parse((const char *)data, size, 400, &obj, &err) == 0)
            json_decref(obj);
        free(aws_error_format(&err));
        aws_error_clear(&err);
        return 0;
    }
    PARSE(kms_key_out, kms_parse_key, kms_key_out_free);
    PARSE(kms_key_policy_out, kms_parse_key_policy, kms_key_policy_out_free);
    PARSE(kms_key_rotation_status_out, kms_parse_key_rotation_status,
          kms_key_rotation_status_out_free);
    PARSE(kms_alias_list, kms_parse_aliases, kms_alias_list_free);
    PARSE(kms_key_list, kms_parse_keys, kms_key_list_free);
    PARSE(kms_tag_list, kms_parse_resource_tags, kms_tag_list_free);
    PARSE(kms_key_deletion_out, kms_parse_key_deletion, kms_key_deletion_out_free);
    PARSE(secrets_version_out, secrets_parse_version, secrets_version_out_free);
    PARSE(secrets_secret_value_out, secrets_parse_secret_value, secrets_secret_value_out_free);
    PARSE(secrets_describe_secret_out, secrets_parse_describe_secret,
          secrets_describe_secret_out_free);
    PARSE(secrets_secret_list, secrets_parse_secret_list, secrets_secret_list_free);
    PARSE(secrets_delete_secret_out, secrets_parse_delete_secret, secrets_delete_secret_out_free);
    PARSE(secrets_random_password_out, secrets_parse_random_password,
          secrets_random_password_out_free);
    PARSE(ssm_put_parameter_out, ssm_parse_put_parameter, ssm_put_parameter_out_free);
    PARSE(ssm_get_parameter_out, ssm_parse_get_parameter, ssm_get_parameter_out_free);
    PARSE(ssm_get_parameters_out, ssm_parse_get_parameters, ssm_get_parameters_out_free);
    PARSE(ssm_parameter_metadata_list, ssm_parse_describe_parameters,
          ssm_parameter_metadata_list_free);
    struct pricing_product_list *pl = mem_xcalloc(1, sizeof(*pl));
    if (pricing_parse_products(obj, pl) == 0) {
        double usd;
        (void)pricing_hourly_usd(pl, "cache.t2.small", "us-east-2", NULL, &usd);
        (void)pricing_hourly_usd(pl, "cache.r7g.large", NULL, "Redis", &usd);
    }
    pricing_product_list_free(pl);
    struct pricing_product p;
    memset(&p, 0, sizeof(p));
    (void)pricing_parse_product(obj, &p);
    pricing_product_clear(&p);
    double price;
    const char *s = awsjson_str(obj, "price");
    if (s)
        (void)pricing_parse_price(s, &price);
    json_decref(obj);
    return 0;
}
