/* screen_doctor.h - the connectivity doctor of a group (`:doctor`, `D`
 * on the groups and group screens): core/redis/doctor.h drawn step by
 * step as it runs - every endpoint and node through DNS, TCP, TLS, AUTH
 * and PING with the time of each step, then the slot coverage - with the
 * verdict and, for what failed, the usual cause in words. r runs it
 * again. */
#ifndef ELCUI_TUI_SCREEN_DOCTOR_H
#define ELCUI_TUI_SCREEN_DOCTOR_H

#include "tui/app.h"

struct screen *screen_doctor_new(struct app *a, const char *rg_id);

#endif
