/* rcmd.h - Redis command metadata: flags and key positions.
 *
 * The server is the authority: entries are parsed from COMMAND INFO
 * replies (name, arity, flags, first/last/step key positions, and in
 * Redis 7 the subcommands, stored as "container|sub"). A built-in table of
 * the common commands (Redis 7.0 values) stands in when COMMAND INFO is
 * unavailable, and built-in rules find the keys of the movable-keys
 * commands when COMMAND GETKEYS is unavailable.
 */
#ifndef ELCUI_CORE_RCMD_H
#define ELCUI_CORE_RCMD_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    RCMD_F_WRITE = 1u << 0,
    RCMD_F_READONLY = 1u << 1,
    RCMD_F_ADMIN = 1u << 2,
    RCMD_F_MAY_REPLICATE = 1u << 3,
    RCMD_F_MOVABLEKEYS = 1u << 4,
    RCMD_F_PUBSUB = 1u << 5,
    RCMD_F_BLOCKING = 1u << 6,
    RCMD_F_NOSCRIPT = 1u << 7,
    RCMD_F_SUBCOMMANDS = 1u << 8, /* a container: look up "name|sub" */
};

#define RCMD_NAME_MAX 64

struct rcmd_info {
    char name[RCMD_NAME_MAX]; /* lower case: "get", "object|encoding" */
    int arity;                /* as COMMAND INFO: negative = at least -arity */
    unsigned flags;
    int first, last, step; /* legacy key positions; first 0 = no keys */
    bool from_server;      /* parsed from COMMAND INFO (else built-in) */
};

/* Parse one COMMAND INFO entry. Calls each(info, arg) for the entry and
 * then for each of its subcommands. Returns the number of entries parsed,
 * 0 for a nil entry (unknown command), -1 when malformed. */
int rcmd_parse(const redisReply *entry, void (*each)(const struct rcmd_info *, void *), void *arg);

/* Built-in entry for a lower-case name ("get", "xinfo|stream"), or NULL. */
const struct rcmd_info *rcmd_builtin(const char *name);

/* Lower-case lookup name for argv: "get", or "object|encoding" when
 * want_sub (the container has subcommands) and argc > 1. */
void rcmd_lookup_name(int argc, const char *const *argv, const size_t *argvlen, bool want_sub,
                      char *out, size_t outsz);

/* Keys of argv by info's first/last/step (not movable). Fills up to max
 * argv indexes, returns the number of keys. */
int rcmd_keys(const struct rcmd_info *info, int argc, int *idx, int max);

/* Built-in rules for movable-keys commands (EVAL, ZUNIONSTORE, XREAD,
 * SORT, GEORADIUS...). Returns the number of keys found (>= 0), or -1
 * when the command has no rule here. */
int rcmd_movable_keys(int argc, const char *const *argv, const size_t *argvlen, int *idx, int max);

#endif
