/* stack_validate.h - every rule a stack spec must pass before the first
 * AWS call (issue 5, "Validation before the first call").
 *
 * Validation is offline: no AWS call, only the spec, a built-in table of
 * node types, engine versions and parameter-group families (dated
 * STACK_VALIDATE_TABLE_DATE) and, when the spec names one, the token file.
 * What only the live region can tell (zones, a custom parameter group's
 * family) is checked again by the plan.
 *
 * Each problem names the field ("cache.replicas", as in elcui-spec(5)) and
 * says what is wrong and how to fix it. Messages never contain the token.
 */
#ifndef ELCUI_CORE_STACK_VALIDATE_H
#define ELCUI_CORE_STACK_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/stack/stack_spec.h"

#define STACK_VALIDATE_TABLE_DATE "2025-05-01"

enum stack_severity {
    STACK_SEV_ERROR,   /* create refuses */
    STACK_SEV_WARNING, /* shown; create goes on */
};

struct stack_problem {
    enum stack_severity severity;
    char *field;   /* "cache.replicas" */
    char *message; /* what is wrong, then the fix */
};

struct stack_problems {
    struct stack_problem *items;
    size_t n;
    size_t n_errors;
    size_t n_warnings;
};

/* Check everything; out is filled (zero it first or reuse after _free).
 * Returns the number of errors. */
size_t stack_validate(const struct stack_spec *s, struct stack_problems *out);
void stack_validate_problems_free(struct stack_problems *p);
/* "error: FIELD: MESSAGE" lines (warnings as "warning: ..."). Caller frees. */
char *stack_validate_problems_format(const struct stack_problems *p);
/* The first problem about field, or NULL (tests, the wizard). */
const struct stack_problem *stack_validate_problems_find(const struct stack_problems *p,
                                                         const char *field);
/* Short names (callers use these; the exported symbols carry the module
 * prefix). */
static inline void stack_problems_free(struct stack_problems *p)
{
    stack_validate_problems_free(p);
}
static inline char *stack_problems_format(const struct stack_problems *p)
{
    return stack_validate_problems_format(p);
}
static inline const struct stack_problem *stack_problems_find(const struct stack_problems *p,
                                                              const char *field)
{
    return stack_validate_problems_find(p, field);
}

/* ---- single rules, for the wizard's fields ---- */

/* Replication group id: 1-40, starts with a letter, letters/digits/
 * hyphens, no trailing hyphen, no "--". 0 or -1 with the rule broken. */
int stack_validate_rg_id(const char *id, char *msg, size_t n);
/* AUTH token: 16-128 printable characters, only ! & # $ ^ < > - besides
 * letters and digits. The message never quotes the token. */
int stack_validate_token(const char *tok, size_t len, char *msg, size_t n);
/* IPv4 CIDR "a.b.c.d/p" with no host bits set: 0 and the network/prefix. */
int stack_validate_cidr(const char *cidr, uint32_t *net, int *prefix);

/* ---- the built-in table ---- */

struct stack_node_type {
    const char *name;         /* cache.t2.small */
    bool previous_generation; /* AWS lists it under previous generation */
    const char *successor;    /* current-generation suggestion, or NULL */
};
/* The node type, or NULL when not in the table. */
const struct stack_node_type *stack_validate_node_type(const char *name);
/* Whether the table says the region offers the node type. */
bool stack_validate_node_type_in_region(const struct stack_node_type *t, const char *region);
/* Whether the table knows the region. */
bool stack_validate_region_known(const char *region);

/* Parameter group family of an engine version ("redis", "7.1" ->
 * "redis7"); version NULL = the engine's default. NULL when unknown. */
const char *stack_validate_engine_family(const char *engine, const char *version);
/* The i-th version the table knows for an engine ("7.1"), NULL past the end. */
const char *stack_validate_engine_version_at(const char *engine, size_t i);
/* Engine version AWS uses when none is given ("7.1" for redis). */
const char *stack_validate_default_version(const char *engine);
/* Family and cluster mode of a default parameter group name
 * ("default.redis7.cluster.on" -> "redis7", true); NULL for custom groups. */
const char *stack_validate_parameter_group_family(const char *name, bool *cluster_on);
/* Whether the spec makes a cluster-mode-enabled group (parameter group
 * ".cluster.on", or more than one shard). */
bool stack_validate_cluster_mode(const struct stack_spec *s);

#endif
