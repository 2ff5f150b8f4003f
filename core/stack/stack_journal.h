/* stack_journal.h - the local journal of a stack:
 * $XDG_STATE_HOME/elcui/stacks/<name>.json (0600, in 0700 directories).
 *
 * It remembers the spec a stack was created from (so `elcui destroy NAME`
 * knows every name) and the ids of what apply created (so a resumed apply
 * finds a KMS key whose alias was never made without scanning every key).
 * AWS stays the truth: the plan verifies every id it takes from here (tag
 * and state) before using it. The journal never holds the AUTH token.
 * Writes are atomic (temporary file, fsync, rename).
 */
#ifndef ELCUI_CORE_STACK_JOURNAL_H
#define ELCUI_CORE_STACK_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/stack/stack_res.h"

/* The default directory ($XDG_STATE_HOME or ~/.local/state, + /elcui/stacks).
 * Caller frees; NULL when neither HOME nor XDG_STATE_HOME is set. */
char *stack_journal_default_dir(void);
/* <dir>/<name>.json. Caller frees. */
char *stack_journal_path(const char *dir, const char *name);

/* Read the journal of a stack: a JSON object, or NULL when there is none
 * (or it is unreadable: *err says why when err is given). */
json_t *stack_journal_load(const char *dir, const char *name, char *err, size_t errlen);
/* The spec text it recorded, the id / ARN of a resource, its state. */
const char *stack_journal_spec(const json_t *j);
const char *stack_journal_id(const json_t *j, const char *key);
const char *stack_journal_arn(const json_t *j, const char *key);
const char *stack_journal_state(const json_t *j);
/* Whether a create of this resource was sent without an answer recorded
 * (a CreateKey in flight when the process died): the plan then looks for
 * the key by its tag. */
bool stack_journal_creating(const json_t *j, const char *key);
const char *stack_journal_region(const json_t *j);

/* A stack the journal directory knows. */
struct stack_journal_entry {
    char *name;
    char *region;      /* NULL: not recorded */
    char *state;       /* applying, applied, destroying, destroyed */
    long long updated; /* epoch seconds of the last write */
};
/* Every journal in dir (sorted by name); entries whose state is in states
 * (space-separated, NULL: any). Returns how many; free with
 * stack_journal_list_free. Unreadable files are left out. */
size_t stack_journal_list(const char *dir, const char *states, struct stack_journal_entry **out);
void stack_journal_list_free(struct stack_journal_entry *e, size_t n);

/* Write the plan's spec, ids and a state ("applying", "applied",
 * "destroying", "destroyed") atomically. 0, or -1 with *err. */
int stack_journal_save(const char *dir, const struct stack_plan *p, const char *state, char *err,
                       size_t errlen);

#endif
