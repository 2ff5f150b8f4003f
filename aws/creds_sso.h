/* creds_sso.h - IAM Identity Center (SSO) credentials (creds_chain.h
 * says how a step reports). */
#ifndef ELCUI_AWS_CREDS_SSO_H
#define ELCUI_AWS_CREDS_SSO_H

#include "aws/creds_chain.h"

enum creds_res creds_sso_start(struct creds_job *j);

#endif
