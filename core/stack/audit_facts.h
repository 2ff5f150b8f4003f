/* audit_facts.h - what the audit rules read: a group and its surroundings
 * (types in audit.h), built from a spec before apply or by the gatherer
 * (audit_gather) from what exists.
 */
#ifndef ELCUI_CORE_AUDIT_FACTS_H
#define ELCUI_CORE_AUDIT_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/stack/audit.h"
#include "core/stack/stack_spec.h"

void audit_facts_init(struct audit_facts *f);
void audit_facts_free(struct audit_facts *f);

/* The key facts for a reference (ref, ARN or the key id in an ARN), or NULL. */
const struct audit_key *audit_facts_key(const struct audit_facts *f, const char *ref);
/* Add (or find) a key entry; the returned pointer is valid until the next add. */
struct audit_key *audit_facts_add_key(struct audit_facts *f, const char *ref);
void audit_facts_note(struct audit_facts *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Facts of a spec before apply: the values apply would create. account
 * and zones come from a plan when there is one (NULL / 0: placeholders;
 * zones then assumed distinct for each private subnet). Reused resources
 * are unknown (audit them live). */
void audit_facts_from_spec(struct audit_facts *f, const struct stack_spec *s, const char *account,
                           const char *const *zones, size_t n_zones);

/* Builders (for the gatherer): each adds an entry and returns it, valid
 * until the next add of its kind. */
void audit_facts_add_tag(struct audit_tag **t, size_t *n, const char *key, const char *value);
void audit_facts_flag(struct audit_facts *f, const char *id, enum audit_severity sev,
                      const char *text);
struct audit_log_delivery *audit_facts_add_log(struct audit_facts *f);
struct audit_sg *audit_facts_add_sg(struct audit_facts *f);
struct audit_permission *audit_facts_add_perm(struct audit_sg *g);
/* A permission's source: a CIDR or a security group id. */
void audit_facts_perm_source(struct audit_permission *p, const char *src);
struct audit_parameter *audit_facts_add_param(struct audit_facts *f, const char *name);
struct audit_policy *audit_facts_add_policy(struct audit_facts *f, const char *name,
                                            const char *arn);
enum audit_tri audit_facts_tri(bool v);
/* Does the key entry answer to ref (its ref, ARN or key id)? */
bool audit_facts_key_matches(const struct audit_key *k, const char *ref);
void audit_facts_strv_free(char **v, size_t n);

#endif
