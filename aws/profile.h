/* profile.h - AWS shared config and credentials files (libinih), and the
 * resolution of region, endpoints and other settings the way the SDKs do
 * it.
 *
 * A profile_store holds both files parsed, read as the AWS CLI reads them
 * (botocore's configloader; the rules and every deliberate difference are
 * the table tests/unit/data/profile-rules.json, checked against elcui by
 * test_profile and against botocore by tests/integration/
 * test_profile_rules.py):
 * - config file sections are "[default]"/"[profile default]" and
 *   "[profile NAME]"; credentials file sections are "[NAME]";
 *   "[sso-session NAME]" and "[services NAME]" (with indented sub-sections
 *   such as "elasticache =\n  endpoint_url = ...") are separate namespaces;
 * - a key set for a profile in both files takes the credentials file's
 *   value (any key, not only the credential keys);
 * - "[profile default]" wins over "[default]" in the config file, whatever
 *   their order, and the two are not merged;
 * - profile names with characters the SDKs reject (anything but letters,
 *   digits and - / . % @ _ : +), "[profile x]" in the credentials file and
 *   config sections without the "profile " prefix are ignored, with a
 *   notice (profile_notices, shown under -v);
 * - an indented sub-setting line without '=' (or with nothing before it)
 *   is an error naming the file, the line and the section: it would
 *   otherwise be lost silently (a [services] endpoint ignored, calls sent
 *   to AWS instead).
 * Every value remembers the file and line it came from (profile_get_at).
 */
#ifndef ELCUI_AWS_PROFILE_H
#define ELCUI_AWS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/svc.h"

struct profile_store;

/* Paths NULL: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, else
 * ~/.aws/config and ~/.aws/credentials. Missing files are fine (empty).
 * A file that exists but cannot be parsed is an AWS_ERR_CONFIG naming the
 * file and line. Files readable by group/others add a warning (see
 * profile_warnings). NULL on error. */
struct profile_store *profile_load(const char *config_path, const char *creds_path,
                                   struct aws_error *err);
void profile_free(struct profile_store *s);

/* Profile in use: explicit (--profile) > AWS_PROFILE > AWS_DEFAULT_PROFILE
 * > "default". */
const char *profile_select(const char *explicit_profile);
bool profile_exists(const struct profile_store *s, const char *profile);

/* Key of a profile: the credentials file's value when it has one (for
 * every key, as the AWS CLI merges the files), else the config file's.
 * NULL when absent. */
const char *profile_get(const struct profile_store *s, const char *profile, const char *key);
const char *profile_sso_session_get(const struct profile_store *s, const char *session,
                                    const char *key);
/* [services NAME] -> sub-section service_key -> key. */
const char *profile_services_get(const struct profile_store *s, const char *services,
                                 const char *service_key, const char *key);

/* Warnings collected while loading (e.g. "~/.aws/credentials is readable by
 * other users (mode 0644); run chmod 600"). NULL-terminated. */
const char *const *profile_warnings(const struct profile_store *s);
/* Notices: what the files hold that is ignored or replaced, as the AWS CLI
 * and SDKs ignore it ("[profile a b] on line 4 of ~/.aws/config is
 * ignored: ..."), for -v. NULL-terminated. */
const char *const *profile_notices(const struct profile_store *s);
const char *profile_config_path(const struct profile_store *s);
const char *profile_creds_path(const struct profile_store *s);

/* Region: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile region.
 * Caller frees; NULL when none (caller reports "no region"). */
char *profile_resolve_region(const struct profile_store *s, const char *profile,
                             const char *explicit_region);

/* Endpoint URL for a service: explicit (--endpoint-url) >
 * AWS_ENDPOINT_URL_<SVC> > AWS_ENDPOINT_URL > [services] section >
 * profile endpoint_url (steps 2-5 skipped when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is
 * true) > the service default for the region. *custom is set when the URL
 * came from configuration rather than the default. Caller frees. */
char *profile_resolve_endpoint(const struct profile_store *s, const char *profile,
                               const struct svc *svc, const char *region, const char *explicit_url,
                               bool *custom);

/* Generic env-or-profile setting: env var first, then profile key. */
const char *profile_setting(const struct profile_store *s, const char *profile,
                            const char *env_name, const char *key);

/* "profile 'x' is not in CONFIG or CREDENTIALS", with what the files hold
 * under that name that is ignored and why. Caller frees. */
char *profile_not_found_message(const struct profile_store *s, const char *profile);

/* The profiles of both files (a profile in either), sorted; the names are
 * the store's. Caller frees the array. */
const char **profile_names(const struct profile_store *s, size_t *n);
/* The keys of a profile, both files merged (credentials file first),
 * sorted; the strings are the store's. Caller frees the array. */
const char **profile_keys(const struct profile_store *s, const char *profile, size_t *n);

/* ---- where a value came from ---- */

enum profile_origin_kind {
    PROFILE_ORIGIN_NONE,     /* not set anywhere */
    PROFILE_ORIGIN_EXPLICIT, /* the caller's explicit value (a command-line option) */
    PROFILE_ORIGIN_ENV,      /* an environment variable: name */
    PROFILE_ORIGIN_FILE,     /* a line of a file: name is the path, line the line */
    PROFILE_ORIGIN_DEFAULT,  /* the built-in default */
};

struct profile_origin {
    enum profile_origin_kind kind;
    char env[64];     /* ENV: the variable's name */
    const char *path; /* FILE: the file (the store's string) */
    int line;         /* FILE: 1-based line of the key */
};

/* profile_get, and where the value came from (o may be NULL; kind NONE
 * when absent). */
const char *profile_get_at(const struct profile_store *s, const char *profile, const char *key,
                           struct profile_origin *o);
/* profile_setting, and where the value came from. */
const char *profile_setting_at(const struct profile_store *s, const char *profile,
                               const char *env_name, const char *key, struct profile_origin *o);
/* profile_resolve_region, and where the region came from. */
char *profile_resolve_region_at(const struct profile_store *s, const char *profile,
                                const char *explicit_region, struct profile_origin *o);
/* profile_resolve_endpoint, and where the URL came from (DEFAULT for the
 * service's own endpoint). */
char *profile_resolve_endpoint_at(const struct profile_store *s, const char *profile,
                                  const struct svc *svc, const char *region,
                                  const char *explicit_url, bool *custom, struct profile_origin *o);

/* ---- additions (credential chain helpers) ---- */

enum profile_source {
    PROFILE_FROM_CONFIG,      /* the config file only */
    PROFILE_FROM_CREDENTIALS, /* the credentials file only */
};
/* Key of a profile from one file only (the provider chain reads static
 * keys from each file separately). NULL when absent. */
const char *profile_get_from(const struct profile_store *s, enum profile_source from,
                             const char *profile, const char *key);
/* profile_get_from, and the file and line of the value (o may be NULL). */
const char *profile_get_from_at(const struct profile_store *s, enum profile_source from,
                                const char *profile, const char *key, struct profile_origin *o);
bool profile_sso_session_exists(const struct profile_store *s, const char *session);

/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (when set, true/false) else the
 * profile's ignore_configured_endpoint_urls. */
bool profile_ignore_configured_endpoints(const struct profile_store *s, const char *profile);
/* Steps 2-5 of profile_resolve_endpoint only, for services without a
 * struct svc (the SSO portal: env_suffix "SSO", config_key "sso"). NULL
 * when nothing is configured. Caller frees. */
char *profile_configured_endpoint(const struct profile_store *s, const char *profile,
                                  const char *env_suffix, const char *config_key);

/* $HOME, else the password database; NULL when neither is known. */
const char *profile_home(void);
/* "~/x" -> "$HOME/x"; other paths copied. Caller frees. */
char *profile_expand_home(const char *path);

/* Split a command line into words as a POSIX shell (Python's shlex.split)
 * does: whitespace separates, '...' is literal, "..." keeps all but \" and
 * \\, a backslash outside quotes escapes the next character. No
 * expansion of any kind. NULL-terminated array (free with
 * profile_shell_words_free), or NULL with *errmsg set ("no closing
 * quotation"). */
char **profile_shell_split(const char *line, size_t *count, const char **errmsg);
void profile_shell_words_free(char **words);

#endif
