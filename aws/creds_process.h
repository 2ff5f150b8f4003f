/* creds_process.h - credential_process (creds_chain.h says how a step
 * reports). */
#ifndef ELCUI_AWS_CREDS_PROCESS_H
#define ELCUI_AWS_CREDS_PROCESS_H

#include "aws/creds_chain.h"

enum creds_res creds_process_start(struct creds_job *j);
/* Stop the child (its process group) and free what watches it. */
void creds_process_free(struct creds_proc *pr);

#endif
