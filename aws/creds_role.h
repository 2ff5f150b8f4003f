/* creds_role.h - assume role and web identity (creds_chain.h says
 * how a step reports). */
#ifndef ELCUI_AWS_CREDS_ROLE_H
#define ELCUI_AWS_CREDS_ROLE_H

#include "aws/creds_chain.h"

enum creds_res creds_role_start(struct creds_job *j);
enum creds_res creds_role_webid_start(struct creds_job *j);

#endif
