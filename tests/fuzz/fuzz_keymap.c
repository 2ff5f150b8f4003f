/* fuzz_keymap.c - the config file's [keys] (through config_parse) over the
 * console's keymap: key names, rebinding, the clash check, the JSON and
 * man outputs; and the command line's completion of what was typed. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/config.h"
#include "tui/cmdline.h"
#include "tui/keymap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c;
    config_init(&c);
    char errs[4096];
    config_parse(&c, (const char *)data, size, errs, sizeof(errs));
    struct keymap km;
    keymap_load(&km, &c, errs, sizeof(errs));
    for (size_t i = 0; i < km.n; i++) {
        char keys[128];
        keymap_keys_text(&km, i, " ", keys, sizeof(keys));
    }
    for (size_t s = 0; s < km.nscreens; s++) {
        char hints[256];
        keymap_hints(&km, km.screens[s].name, s & 1, hints, sizeof(hints));
        for (size_t i = 0; i < size && i < 64; i++)
            keymap_lookup(&km, km.screens[s].name, data[i]);
    }
    json_decref(keymap_json(&km));
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        keymap_man(&km, f);
        fclose(f);
    }
    keymap_free(&km);
    /* the input as a line typed at the : prompt, completed */
    struct cmdline *cl = cmdline_new(NULL);
    char *line = malloc(size + 1);
    if (line) {
        size_t n = 0;
        for (size_t i = 0; i < size && n < 200; i++)
            if (data[i] >= 0x20 && data[i] != 0x7f)
                line[n++] = (char)data[i];
        line[n] = '\0';
        cmdline_open(cl);
        cmdline_set_text(cl, line);
        cmdline_complete(cl, NULL);
        cmdline_complete(cl, NULL);
        const char *close[4];
        cmdline_suggest(line, close, 4);
        free(line);
    }
    cmdline_free(cl);
    config_free(&c);
    return 0;
}
