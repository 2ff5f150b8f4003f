/* creds_keys.h - static keys from the environment, the credentials
 * file and the config file (creds_chain.h says how a step reports). */
#ifndef ELCUI_AWS_CREDS_KEYS_H
#define ELCUI_AWS_CREDS_KEYS_H

#include "aws/creds_chain.h"

enum creds_res creds_keys_env_start(struct creds_job *j);
enum creds_res creds_keys_shared_start(struct creds_job *j);
enum creds_res creds_keys_config_start(struct creds_job *j);

#endif
