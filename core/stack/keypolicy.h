/* keypolicy.h - what a KMS key policy lets CloudWatch Logs do, in words.
 *
 * Pure (no I/O): a key policy document (JSON text) is read into its
 * statements, each also written out for people ("Allow Service
 * logs.us-east-2.amazonaws.com: kms:Encrypt*, kms:Decrypt* on * when
 * ArnEquals kms:EncryptionContext:aws:logs:arn = arn:..."), and evaluated
 * the way IAM evaluates a key policy for one request:
 *
 *   principal  the service logs.<region>.amazonaws.com (Principal "*",
 *              {"AWS": "*"} or a Service list naming it; NotPrincipal too)
 *   action     each of what Logs needs for an encrypted log group
 *              (KEYPOLICY_LOGS_ACTIONS: kms:Encrypt, kms:Decrypt,
 *              kms:GenerateDataKey), against Action / NotAction with
 *              wildcards, case-insensitively
 *   resource   "*" or the key's ARN (wildcards allowed)
 *   condition  every operator/key pair must hold, with the request's
 *              context: kms:EncryptionContext:aws:logs:arn = the log
 *              group's ARN (as Logs sends it, without ":*"),
 *              kms:EncryptionContextKeys = aws:logs:arn. String*, Arn*
 *              operators (ArnEquals and ArnLike both take wildcards, per
 *              colon-separated part), their Not and IgnoreCase forms,
 *              ForAnyValue: / ForAllValues: prefixes and IfExists. A
 *              condition on any other key cannot be decided here: the
 *              statement is "undecided" and the verdict unknown.
 *
 * An explicit Deny that matches wins; else an Allow must match for every
 * action; else the request is implicitly denied. The verdict for a set of
 * log groups says, per group, whether Logs may use the key and which
 * statement decides, and whether any statement lets Logs use the key for
 * more than these groups (no encryption-context condition, a pattern, or
 * other ARNs listed) - "exactly these log groups" needs both.
 */
#ifndef ELCUI_CORE_KEYPOLICY_H
#define ELCUI_CORE_KEYPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#define KEYPOLICY_CONTEXT_KEY "kms:EncryptionContext:aws:logs:arn"
/* What CloudWatch Logs calls on the key for an encrypted log group. */
#define KEYPOLICY_LOGS_ACTIONS                                                                     \
    {                                                                                              \
        "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"                                        \
    }
#define KEYPOLICY_N_LOGS_ACTIONS 3

struct keypolicy_cond {
    char *op;  /* as written: "ArnEquals", "ForAnyValue:StringLike" */
    char *key; /* "kms:EncryptionContext:aws:logs:arn" */
    char **values;
    size_t n_values;
};

struct keypolicy_statement {
    size_t number; /* 1-based, as in the document */
    char *sid;     /* NULL: none */
    bool allow;    /* Effect Allow (else Deny) */
    bool any_principal;
    bool not_principal; /* principals are NotPrincipal */
    char **principals;  /* "Service logs.us-east-2.amazonaws.com", "AWS arn:..." */
    size_t n_principals;
    bool not_action;
    char **actions;
    size_t n_actions;
    bool not_resource;
    char **resources;
    size_t n_resources;
    struct keypolicy_cond *conds;
    size_t n_conds;
    char *label; /* "statement 3" or "statement 2 \"AllowLogs\"" */
    char *text;  /* the whole statement in one line for people */
};

struct keypolicy {
    struct keypolicy_statement *st;
    size_t n;
};

/* Parse a policy document; NULL with the reason in err when it is not a
 * policy (not JSON, no Statement). */
struct keypolicy *keypolicy_parse(const char *json, char *err, size_t errlen);
void keypolicy_free(struct keypolicy *p);

enum keypolicy_answer {
    KEYPOLICY_DENY = 0, /* explicitly or implicitly */
    KEYPOLICY_ALLOW,
    KEYPOLICY_UNDECIDED, /* a condition elcui cannot evaluate decides */
};

/* One request: may `principal` (a service, "logs.us-east-2.amazonaws.com")
 * do `action` on key key_arn (NULL: any) with encryption context
 * aws:logs:arn = log_group_arn (NULL: none)? deciding: the statement
 * index (0-based) that decides, or -1 for the implicit deny. */
enum keypolicy_answer keypolicy_request(const struct keypolicy *p, const char *principal,
                                        const char *action, const char *key_arn,
                                        const char *log_group_arn, int *deciding);

struct keypolicy_group {
    char *arn;
    enum keypolicy_answer answer; /* for every action Logs needs */
    int deciding;                 /* statement index, -1: none allows it */
    char *reason;                 /* one line: which statement and why */
};

struct keypolicy_verdict {
    char *service; /* logs.<region>.amazonaws.com */
    bool ok;       /* every group allowed, and nothing beyond them */
    bool unknown;  /* an undecided statement matters */
    struct keypolicy_group *groups;
    size_t n_groups;
    char **beyond; /* statements letting Logs use the key for more */
    size_t n_beyond;
    size_t n_logs_statements; /* statements that name the Logs principal */
    char *summary;            /* one line: the verdict and why */
};

/* Logs in region with the key (key_arn may be NULL) for exactly these log
 * group ARNs (":*" suffixes dropped). Never NULL. */
struct keypolicy_verdict *keypolicy_logs_verdict(const struct keypolicy *p, const char *region,
                                                 const char *key_arn, const char *const *group_arns,
                                                 size_t n);
void keypolicy_verdict_free(struct keypolicy_verdict *v);

/* The pure matchers (tests): IAM's wildcard match (* any run, ? one
 * character), and the ARN match (each of the first five colon-separated
 * parts on its own, the resource part as a whole). Pattern or text longer
 * than KEYPOLICY_MAX_MATCH (an ARN's limit) never match. */
#define KEYPOLICY_MAX_MATCH 2048
bool keypolicy_glob(const char *pattern, const char *text, bool ignore_case);
bool keypolicy_arn_match(const char *pattern, const char *arn);

#endif
