/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/control.h - the control socket: a unix stream socket taking one
 * Kea-style JSON command per connection ({"command": "status-get",
 * "arguments": {…}}) and answering {"result": 0, "text": …, "arguments": …}
 * (result 1 = error, 2 = unsupported, 3 = empty, as Kea). It holds no state:
 * the daemon's handler builds each answer. The client side serves
 * `leasesnoop --stats [--json] [--watch]`.
 */
#ifndef LS_CONTROL_H
#define LS_CONTROL_H

#include <jansson.h>
#include <signal.h>

enum { CONTROL_OK = 0, CONTROL_ERROR = 1, CONTROL_UNSUPPORTED = 2, CONTROL_EMPTY = 3 };

/*
 * control_handler_fn - answer @command (with @args, may be NULL): return a
 * new reference built with control_answer().
 */
typedef json_t *(*control_handler_fn)(void *ctx, const char *command, const json_t *args);

struct control;

/*
 * control_open() - listen on @path (a stale socket file is replaced; the
 * directory is created; mode 0660). Returns 0 or a negative errno (logged).
 */
int control_open(struct control **out, const char *path, control_handler_fn fn, void *ctx);

/* control_close() - stop listening and remove the socket file; NULL is a no-op. */
void control_close(struct control *c);

/* control_fd() - the listening fd for epoll (EPOLLIN). */
int control_fd(const struct control *c);

/*
 * control_process() - accept and answer every waiting connection (each
 * read bounded by a short timeout, so a stuck client cannot stall the
 * daemon). Returns the number answered.
 */
int control_process(struct control *c);

/* control_answer() - {"result": @result, "text": @text[, "arguments": @args]}; steals @args. */
json_t *control_answer(int result, const char *text, json_t *args);

/*
 * control_request() - send @command (with @args, may be NULL) to the daemon
 * at @path; *@answer gets the parsed reply. Returns 0 or a negative errno.
 */
int control_request(const char *path, const char *command, const json_t *args, json_t **answer);

/*
 * control_cmd_stats() - `leasesnoop --stats`: statistic-get-all from @path
 * printed readably (or as one JSON line with @json); with @watch refreshed
 * every second in place until *@stop. Returns 0 or a negative errno.
 */
int control_cmd_stats(const char *path, int json, int watch, volatile sig_atomic_t *stop);

#endif
