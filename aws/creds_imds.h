/* creds_imds.h - EC2 instance metadata credentials (creds_chain.h says
 * how a step reports). */
#ifndef ELCUI_AWS_CREDS_IMDS_H
#define ELCUI_AWS_CREDS_IMDS_H

#include "aws/creds_chain.h"

enum creds_res creds_imds_start(struct creds_job *j);

#endif
