/* tail_match.h - record filters of the tail (client side). */
#ifndef ELCUI_CORE_TAIL_MATCH_H
#define ELCUI_CORE_TAIL_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/logs/logrec.h"

struct tail_filter {
    const char *node;            /* cache cluster id, cache node id or "cluster/node"; NULL = any */
    const char *shard;           /* node group id ("0001"); NULL = any */
    enum logrec_role role;       /* PRIMARY or REPLICA; NONE = any */
    enum logrec_level min_level; /* engine-log records below are filtered; NONE = any */
    int64_t min_duration_us;     /* slow-log records faster are filtered; <= 0 = any */
    const char *command;         /* slow-log command name, case-insensitive; NULL = any */
    const char *substring;       /* in the raw message; NULL = any */
    const char *regex;           /* POSIX extended regex on the raw message; NULL = any */
    bool icase;                  /* substring/regex ignore case */
};

struct tail_match;
/* Compile a filter; NULL with a message in err when the regex is bad. */
struct tail_match *tail_match_new(const struct tail_filter *f, char *err, size_t errlen);
void tail_match_free(struct tail_match *m);
/* Node, shard and role filters apply to every record; level, duration and
 * command only to records of their type (unparsed records pass them, so a
 * malformed line is never hidden by a type filter); substring and regex to
 * the raw message. */
bool tail_match_record(const struct tail_match *m, const struct logrec *r);
/* The filters on the raw message alone (substring, regex): no parse. */
bool tail_match_raw(const struct tail_match *m, const char *msg, size_t len);
/* The filters on a record's parsed fields (node, shard, role, level,
 * duration, command). */
bool tail_match_fields(const struct tail_match *m, const struct logrec *r);

#endif
