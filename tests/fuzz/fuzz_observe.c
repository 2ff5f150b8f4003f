/* fuzz_observe.c - what the observation engine reads from Redis: ROLE
 * replies (through hiredis's reader as rconn configures it, as they come
 * off the socket) and
 * INFO replication text with its slaveN items. */
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/redis/observe.h"
#include "tests/fuzz/fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *rd = fuzz_reader_new();
    if (!rd)
        return 0;
    redisReaderFeed(rd, (const char *)data, size);
    void *obj = NULL;
    for (int i = 0; i < 8 && redisReaderGetReply(rd, &obj) == REDIS_OK && obj; i++) {
        enum model_role role;
        char link[24];
        long long offset;
        (void)observe_parse_role(obj, &role, link, sizeof(link), &offset);
        freeReplyObject(obj);
        obj = NULL;
    }
    redisReaderFree(rd);

    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    static const char *const keys[] = {
        "role", "master_link_status", "master_link_down_since_seconds", "slave0", "slave1", ""};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        char v[512], item[64];
        if (observe_info_field(s, size, keys[k], v, sizeof(v))) {
            (void)observe_info_item(v, "ip", item, sizeof(item));
            (void)observe_info_item(v, "port", item, sizeof(item));
            (void)observe_info_item(v, "lag", item, sizeof(item));
            (void)observe_info_item(v, "", item, 1);
        }
    }
    char *o = malloc(size + 1);
    if (o)
        (void)observe_info_item(s, "lag", o, size + 1);
    free(o);
    free(s);
    return 0;
}
