/* rdocs.h - Redis command documentation for the prompts: Tab completion
 * of command names, subcommands and option tokens, and the argument hint
 * shown as you type (redis-cli's hints).
 *
 * The docs come from COMMAND DOCS: the server's answer when it gives one
 * (Redis 7.0 and later, Valkey 7.2 and 8), else the built-in answer
 * (core/redis/rdocs_builtin.h: Redis 7.0's, with the commands of Redis
 * 7.2/7.4 and Valkey 8.0 added; Redis 6.2's commands are all in it).
 * Both go through the same parser. Each command's arguments are written
 * as redis-cli writes them: "key value [NX|XX] [GET] [EX seconds|...]",
 * optional parts in brackets, alternatives with '|', repeats with "...".
 *
 * The hint follows what is typed: arguments given are dropped (options by
 * their token, the rest by position), so "SET k " hints "value [NX|XX]
 * ...", "SET k v NX " hints "[GET] [EX seconds|...]".
 */
#ifndef ELCUI_CORE_RDOCS_H
#define ELCUI_CORE_RDOCS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

struct rdocs_cmd {
    char *name;    /* upper case: "SET", "INFO" (a subcommand: its own word) */
    char *args;    /* "key value [NX|XX] ..." ("" when none) */
    char *summary; /* "" when none */
    char *since;
    char *group;
    struct rdocs_cmd *subs; /* a container's subcommands, sorted */
    size_t nsubs;
    /* for the hint and token completion (see rdocs.c) */
    struct rdocs_item *items;
    size_t nitems;
    int depth; /* levels of arrays of its doc */
};

struct rdocs {
    struct rdocs_cmd *cmds; /* sorted by name */
    size_t n;
    char *source; /* "server (COMMAND DOCS)" or the built-in origin */
};

/* Parse a COMMAND DOCS answer (entries named "container|sub" join their
 * container). NULL when it is not one (an error reply, an unexpected
 * shape, no command in it). */
struct rdocs *rdocs_parse(const redisReply *r, const char *source);
/* The built-in table, parsed once on first use; never freed by callers
 * (rdocs_free ignores it). */
const struct rdocs *rdocs_builtin(void);
void rdocs_free(struct rdocs *d);

/* The deepest doc a server can be asked for in one batch: hiredis 0.14
 * reads 8 levels of arrays, the answer's own array being one of them. */
#define RDOCS_ASK_DEPTH 7

/* Names (upper case, borrowed) of the commands whose docs are shallow
 * enough to ask a server for in one COMMAND DOCS (containers are left
 * out: their subcommands nest deeper). Returns how many. */
size_t rdocs_askable(const struct rdocs *d, const char **names, size_t max);

/* A command (any case), and a subcommand of it when sub is given and the
 * command is a container; NULL when unknown. */
const struct rdocs_cmd *rdocs_find(const struct rdocs *d, const char *name, const char *sub);

/* Completion of the word that ends at pos in line: command names, then a
 * container's subcommands, then the option tokens of the command. Every
 * candidate goes to add (in the case the word was typed in); returns
 * where the word starts. */
size_t rdocs_complete(const struct rdocs *d, const char *line, size_t pos,
                      void (*add)(void *ctx, const char *cand), void *ctx);

/* The hint for line (typed so far): the arguments still to give, with a
 * leading space when the line does not end with one; NULL when there is
 * nothing to say. Caller frees. */
char *rdocs_hint(const struct rdocs *d, const char *line);

#endif
