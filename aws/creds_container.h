/* creds_container.h - container credentials (creds_chain.h says how a
 * step reports). */
#ifndef ELCUI_AWS_CREDS_CONTAINER_H
#define ELCUI_AWS_CREDS_CONTAINER_H

#include "aws/creds_chain.h"

enum creds_res creds_container_start(struct creds_job *j);

#endif
