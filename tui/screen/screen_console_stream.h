/* screen_console_stream.h - the command panel's view of a message stream:
 * SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE (routed to the channel's slot) and
 * MONITOR typed in the console open it. Messages scroll in as they
 * arrive (the newest kept, the oldest dropped past 10,000 lines), each
 * with its time and, streaming from several nodes, the node; the title
 * counts the messages and their rate. `s` pauses the view (messages are
 * still received and counted, and shown on resume), Esc stops the stream
 * - ended on the server with UNSUBSCRIBE (RESET for MONITOR) - and goes
 * back to the panel. */
#ifndef ELCUI_TUI_SCREEN_CONSOLE_STREAM_H
#define ELCUI_TUI_SCREEN_CONSOLE_STREAM_H

#include "core/redis/rsession.h"
#include "tui/app.h"

/* Called when the view closes, with a line for the panel ("(stream
 * ended) SUBSCRIBE ch: 12 messages"). */
typedef void (*screen_console_stream_closed_fn)(void *arg, const char *summary);

/* Start the stream of argv on the session's target; NULL with the reason
 * in err when it cannot start. */
struct screen *screen_console_stream_new(struct app *a, struct rsession *rs, int argc,
                                         const char *const *argv, const size_t *argvlen,
                                         screen_console_stream_closed_fn closed, void *arg,
                                         char *err, size_t errlen);

#endif
