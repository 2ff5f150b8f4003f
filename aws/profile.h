/* profile.h - AWS shared config and credentials files (libinih), and the
 * resolution of region, endpoints and other settings the way the SDKs do
 * it (aws-wire.md §6.1, §6.2, §6.4, §6.5).
 *
 * A profile_store holds both files parsed. Lookups follow the SDK rules:
 * config file sections are "[default]"/"[profile default]" and
 * "[profile NAME]"; credentials file sections are "[NAME]"; credential keys
 * from the credentials file win; "[sso-session NAME]" and "[services NAME]"
 * (with its indented sub-sections such as "elasticache =\n  endpoint_url =
 * ...") are separate namespaces.
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

/* Key of a profile: credentials file first for credential keys
 * (aws_access_key_id, aws_secret_access_key, aws_session_token), then the
 * config file. NULL when absent. */
const char *profile_get(const struct profile_store *s, const char *profile, const char *key);
const char *profile_sso_session_get(const struct profile_store *s, const char *session,
                                    const char *key);
/* [services NAME] -> sub-section service_key -> key. */
const char *profile_services_get(const struct profile_store *s, const char *services,
                                 const char *service_key, const char *key);

/* Warnings collected while loading (e.g. "~/.aws/credentials is readable by
 * other users (mode 0644); run chmod 600"). NULL-terminated. */
const char *const *profile_warnings(const struct profile_store *s);
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

/* ---- additions (credential chain helpers) ---- */

enum profile_source {
    PROFILE_FROM_CONFIG,      /* the config file only */
    PROFILE_FROM_CREDENTIALS, /* the credentials file only */
};
/* Key of a profile from one file only (the provider chain reads static
 * keys from each file separately). NULL when absent. */
const char *profile_get_from(const struct profile_store *s, enum profile_source from,
                             const char *profile, const char *key);
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
