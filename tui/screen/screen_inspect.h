/* screen_inspect.h - the inspect requests (events, metrics, audit, key
 * policy, snapshot) every screen about a group takes: open that screen for
 * the group, or raise it when it is already open for the same group. */
#ifndef ELCUI_TUI_SCREEN_INSPECT_H
#define ELCUI_TUI_SCREEN_INSPECT_H

#include "tui/app.h"

/* REQ_EVENTS, REQ_METRICS, REQ_AUDIT, REQ_KEY_POLICY, REQ_SNAPSHOT for
 * rg_id (NULL: a message says a group must be chosen first): APP_REDRAW,
 * or APP_IGNORED for any other request. */
int screen_inspect_request(struct app *a, int req, const char *rg_id);

/* The `:` commands (:events, :metrics, :audit, :keys, :snapshot) with an
 * optional NAME: the group named, else the one the screens are about. 0,
 * or -1 after a message. */
int screen_inspect_command(struct app *a, int req, const char *arg);

#endif
