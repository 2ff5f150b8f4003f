/* fuzz_config.c - elcui's own configuration file (core/config.c, INI):
 * config_parse, then what main() does with it (config_apply onto the
 * command-line options) and the environment label lookup. Problems must
 * stay within errs, whatever the file holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c;
    config_init(&c);
    char errs[1024];
    errs[0] = '\0';
    (void)config_parse(&c, (const char *)data, size, errs, sizeof(errs));
    if (strnlen(errs, sizeof(errs)) >= sizeof(errs))
        abort();
    struct session_options o;
    memset(&o, 0, sizeof(o));
    config_apply(&c, &o);
    (void)config_env_for(&c, "prod", "123456789012");
    (void)config_env_for(&c, NULL, NULL);
    config_free(&c);
    /* a second parse over an empty start and a small errs buffer */
    config_init(&c);
    char small[8];
    (void)config_parse(&c, (const char *)data, size, small, sizeof(small));
    if (strnlen(small, sizeof(small)) >= sizeof(small))
        abort();
    config_free(&c);
    return 0;
}
