/* fuzz_theme.c - theme files. */
#include <stddef.h>
#include <stdint.h>

#include "tui/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct theme t;
    char errs[512];
    theme_default(&t);
    theme_parse(&t, (const char *)data, size, errs, sizeof(errs));
    return 0;
}
