/* runview.h - a stack run's resources as a table (the create wizard's
 * apply page and the destroy dialog): each resource in the plan's graph
 * order with its state (waiting / in flight / done / failed), elapsed
 * time, retries, and what is in flight or why it failed (the AWS error
 * with its request id). Built on the list widget, so it scrolls like
 * every list. */
#ifndef ELCUI_TUI_RUNVIEW_H
#define ELCUI_TUI_RUNVIEW_H

#include <stddef.h>

#include "core/stack/stack_run.h"
#include "tui/widget/listview.h"

void runview_init(struct listview *lv);
/* Refill from the run's plan and items (the selection stays on its row). */
void runview_fill(struct listview *lv, const struct stack_run *r);
/* One line: "applying: 5 done, 3 in flight, 16 waiting, 0 failed, 0 blocked - 12.3 s". */
void runview_status(const struct stack_run *r, char *out, size_t n);
/* What a view calls a state: waiting, in flight, retrying, polling,
 * done, kept, failed, blocked. */
const char *runview_state_name(enum stack_state s);
/* A duration as people read it: "850 ms", "12.3 s", "4m 05s". */
void runview_duration(uint64_t ms, char *out, size_t n);

#endif
