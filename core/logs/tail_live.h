/* tail_live.h - the live source (StartLiveTail) of a tail set. */
#ifndef ELCUI_CORE_TAIL_LIVE_H
#define ELCUI_CORE_TAIL_LIVE_H

#include "core/logs/tail.h"

/* Open the set's live session when it is enabled; on failure the set
 * polls instead, and says why. */
void tail_live_open(struct tail_set *s);

#endif
