/* stack_form.h - the create wizard's form: its pages and fields, what was
 * typed, the stack spec built from it, and every problem shown at the
 * field it is about.
 *
 * The form is plain data (no curses, no AWS call), so the console's
 * wizard draws it and the unit tests drive it. Each field sets one value
 * of the spec through stack_spec_set (the setter of the spec file and of
 * `elcui create`'s options); after every change the spec is built again
 * and checked by stack_validate, the rules `elcui create` runs before its
 * first call. Each problem is shown at the field whose list names its
 * spec field ("cache.replicas"); a page with an error cannot be left
 * forward. Two checks only the form can make are added: the AUTH token
 * typed twice (rules of stack_validate_token, and equal), and the zones
 * of existing subnets picked from the account (Multi-AZ needs two).
 *
 * A catalog of what the account has (zones, VPCs, subnets, KMS aliases,
 * who the caller is) is filled by stack_lookup (core/stack/stack_lookup.h)
 * or by a test, and gives the choice fields their options.
 */
#ifndef ELCUI_CORE_STACK_FORM_H
#define ELCUI_CORE_STACK_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/stack/stack_spec.h"
#include "core/stack/stack_validate.h"

enum stack_form_page {
    STACK_FORM_PAGE_ACCOUNT,
    STACK_FORM_PAGE_SIZING,
    STACK_FORM_PAGE_NETWORK,
    STACK_FORM_PAGE_SECURITY,
    STACK_FORM_PAGE_LOGS,
    STACK_FORM_PAGE_PRACTICES,
    STACK_FORM_PAGE_REVIEW,
    STACK_FORM_PAGE_APPLY,
    STACK_FORM_PAGE_SUMMARY,
    STACK_FORM_PAGES
};

enum stack_form_kind {
    STACK_FORM_TEXT,   /* typed */
    STACK_FORM_NUMBER, /* typed, a number */
    STACK_FORM_SECRET, /* typed, never shown (the AUTH token) */
    STACK_FORM_CHOICE, /* one of the options */
    STACK_FORM_TOGGLE, /* yes / no */
    STACK_FORM_MULTI,  /* some of the options (comma-separated ids) */
};

enum stack_form_field {
    STACK_FORM_NAME,
    STACK_FORM_ENGINE,
    STACK_FORM_VERSION,
    STACK_FORM_NODE_TYPE,
    STACK_FORM_SHARDS,
    STACK_FORM_REPLICAS,
    STACK_FORM_MULTI_AZ,
    STACK_FORM_PORT,
    STACK_FORM_PARAM_GROUP,
    STACK_FORM_NETWORK,
    STACK_FORM_VPC_CIDR,
    STACK_FORM_PRIVATE,
    STACK_FORM_PUBLIC,
    STACK_FORM_ZONES,
    STACK_FORM_VPC,
    STACK_FORM_SUBNETS,
    STACK_FORM_REST_KEY,
    STACK_FORM_TRANSIT,
    STACK_FORM_TOKEN_MODE,
    STACK_FORM_TOKEN,
    STACK_FORM_TOKEN_AGAIN,
    STACK_FORM_SECRET_NAME,
    STACK_FORM_SLOW_LOG,
    STACK_FORM_ENGINE_LOG,
    STACK_FORM_LOG_FORMAT,
    STACK_FORM_RETENTION,
    STACK_FORM_SSM,
    STACK_FORM_SSM_PREFIX,
    STACK_FORM_SSM_POLICY,
    STACK_FORM_SSM_POLICY_NAME,
    STACK_FORM_SECRET_POLICY,
    STACK_FORM_SECRET_POLICY_NAME,
    STACK_FORM_FIELDS
};

/* Choice values of the network and token fields. */
#define STACK_FORM_NET_NEW "new"
#define STACK_FORM_NET_EXISTING "existing"
#define STACK_FORM_TOKEN_GENERATE "generate"
#define STACK_FORM_TOKEN_TYPE "type"
#define STACK_FORM_KEY_NEW "new"

struct stack_form_def {
    enum stack_form_field id;
    enum stack_form_page page;
    enum stack_form_kind kind;
    const char *label;
    const char *section, *key; /* the spec value it sets; NULL: the form's own */
    const char *shows;         /* spec fields whose problems show here ("x.*": prefix) */
    const char *help;
};

/* The field table, in page and screen order. */
const struct stack_form_def *stack_form_def(enum stack_form_field f);
const char *stack_form_page_title(enum stack_form_page p);

/* ---- what the account has ---- */

struct stack_form_vpc {
    char *id, *cidr, *name; /* name: the Name tag or NULL */
    bool is_default;
};
struct stack_form_subnet {
    char *id, *vpc, *cidr, *zone, *name;
};
struct stack_form_key {
    char *alias;  /* alias/... */
    char *key_id; /* the key it names */
};

struct stack_form_catalog {
    char *account, *arn, *user_id; /* STS GetCallerIdentity */
    char **zones;                  /* available zones, sorted */
    size_t n_zones;
    struct stack_form_vpc *vpcs;
    size_t n_vpcs;
    struct stack_form_subnet *subnets;
    size_t n_subnets;
    struct stack_form_key *keys; /* customer aliases (not alias/aws/) */
    size_t n_keys;
};
void stack_form_catalog_free(struct stack_form_catalog *c);
const struct stack_form_vpc *stack_form_catalog_vpc(const struct stack_form_catalog *c,
                                                    const char *id);
const struct stack_form_subnet *stack_form_catalog_subnet(const struct stack_form_catalog *c,
                                                          const char *id);

/* ---- the form ---- */

struct stack_form_issue {
    enum stack_severity severity;
    char *field; /* the spec field ("cache.replicas") or the form's ("token") */
    char *message;
};

struct stack_form {
    char *region;
    char *value[STACK_FORM_FIELDS];       /* NULL: the default / derived value */
    const struct stack_form_catalog *cat; /* borrowed; may be NULL */
    struct stack_spec spec;               /* built from the values */
    /* per field: its problems (errors first) */
    struct stack_form_issue *issues[STACK_FORM_FIELDS];
    size_t n_issues[STACK_FORM_FIELDS];
    size_t n_errors[STACK_FORM_FIELDS];
    /* problems no visible field shows (the review page lists them) */
    struct stack_form_issue *general;
    size_t n_general, n_general_errors;
};

/* The seed's values in region (NULL: us-east-2); the stem is empty. */
void stack_form_init(struct stack_form *f, const char *region);
void stack_form_free(struct stack_form *f);
/* Values from a spec (a resumed stack's journal): every field that shows
 * a value of it. */
void stack_form_load(struct stack_form *f, const struct stack_spec *s);
void stack_form_set_catalog(struct stack_form *f, const struct stack_form_catalog *c);

/* Set a field (NULL: back to its default / derived value) and check
 * everything again. Secrets are copied and wiped when replaced. */
void stack_form_set(struct stack_form *f, enum stack_form_field id, const char *value);
/* What the field holds or shows: typed, else the default or the value
 * derived from the others (parameter group from engine and version,
 * names from the stem, zones from the region). NULL for secrets. */
const char *stack_form_get(const struct stack_form *f, enum stack_form_field id, char *buf,
                           size_t n);
/* Whether the field is shown now (the network mode hides one half, the
 * token mode the token fields, switched-off parts their names). */
bool stack_form_visible(const struct stack_form *f, enum stack_form_field id);
/* The i-th option of a choice or multi field (NULL past the end): static
 * lists, the table's versions and node types, the catalog's VPCs (of the
 * region), subnets (of the chosen VPC) and keys. */
const char *stack_form_option(const struct stack_form *f, enum stack_form_field id, size_t i);

/* Problems of a field (errors first); NULL when none. */
const struct stack_form_issue *stack_form_issue(const struct stack_form *f,
                                                enum stack_form_field id);
/* Errors on a page's visible fields (the review page: the general ones). */
size_t stack_form_page_errors(const struct stack_form *f, enum stack_form_page p);
/* The first visible field of a page with an error, or -1. */
int stack_form_first_error(const struct stack_form *f, enum stack_form_page p);
/* Every error anywhere (apply refuses while there is one). */
size_t stack_form_errors(const struct stack_form *f);

/* The spec built from the values (valid once stack_form_errors is 0). */
const struct stack_spec *stack_form_spec(const struct stack_form *f);
/* The AUTH token typed twice and equal, or NULL (generated). Never print. */
const char *stack_form_token(const struct stack_form *f);
/* The zones the cache subnets are in ("us-east-2a, us-east-2b"), and how
 * many distinct: of the existing subnets chosen, or of the new ones. */
size_t stack_form_cache_zones(const struct stack_form *f, char *buf, size_t n);

#endif
