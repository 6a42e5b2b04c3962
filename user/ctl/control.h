/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/control.h - the control socket: a unix stream socket taking one
 * Kea-style JSON command per connection ({"command": "status-get",
 * "arguments": {…}}) and answering {"result": 0, "text": …, "arguments": …}
 * (result 1 = error, 2 = unsupported, 3 = empty, as Kea). It holds no state
 * of the daemon's: the daemon's handler builds each answer. The client side
 * serves `leasesnoop --stats [--json] [--watch]`.
 *
 * The server never blocks: every connection is non-blocking with its own
 * buffers and deadlines, behind one epoll fd the daemon's loop watches. A
 * client that sends nothing, a byte at a time, or garbage costs at most
 * one slot until its deadline, and a new client always gets in: at the
 * limits the oldest connection of the same client (peer pid), else the
 * oldest overall, still waiting for its request is dropped.
 */
#ifndef LS_CONTROL_H
#define LS_CONTROL_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONTROL_MAX_CONNS	16	/* connections held at once */
#define CONTROL_MAX_PER_PEER	4	/* per client process (SO_PEERCRED pid) */
#define CONTROL_REQ_MAX		(64 * 1024)	/* a command is a few hundred bytes */
#define CONTROL_READ_MS		2000	/* from accept to a complete command */
#define CONTROL_WRITE_MS	5000	/* to take the answer */
#define CONTROL_TURN_MAX	8	/* commands answered per control_process() */

/* Counters of the server (status-get "control"). */
struct control_stats {
	uint64_t accepted;
	uint64_t answered;
	uint64_t evicted;	/* dropped at a limit to let a newer client in */
	uint64_t timeouts;	/* no complete command, or answer not taken, in time */
	uint64_t bad;		/* not JSON, no "command", or over CONTROL_REQ_MAX */
	unsigned int open;	/* connections now */
};

/* One held connection, as control_pick_victim() sees it. */
struct control_slot {
	pid_t peer;
	int64_t since_ms;	/* accepted at (CLOCK_MONOTONIC ms) */
	int answering;		/* command read, answer being written: never evicted */
};

/*
 * control_pick_victim() - a new connection from @peer arrives while @n slots
 * are held: the slot to drop first (index), or -1 when it may simply be
 * added, or -2 when it must be refused (every slot is answering). Over
 * @per_peer connections of @peer: that peer's oldest waiting one; at @max:
 * the oldest waiting one of the peer holding the most. Pure.
 */
int control_pick_victim(const struct control_slot *slots, size_t n, pid_t peer, size_t max,
			size_t per_peer);

enum control_req { CONTROL_REQ_MORE, CONTROL_REQ_DONE, CONTROL_REQ_BAD };

/*
 * control_req_state() - what @len bytes of a request are: one complete JSON
 * value (DONE), a prefix of one (MORE; at @eof, BAD), or not JSON (BAD, as
 * early as the first wrong byte). Over CONTROL_REQ_MAX is BAD. Pure.
 */
enum control_req control_req_state(const char *buf, size_t len, int eof);

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

/*
 * control_fd() - an epoll fd for the daemon's loop (EPOLLIN): readable when
 * a client connects, sends, can take more of its answer, or a deadline is due.
 */
int control_fd(const struct control *c);

/*
 * control_process() - accept, read and answer what is ready without ever
 * blocking, at most CONTROL_TURN_MAX commands a call; drop connections past
 * their deadlines. Returns the number of commands answered.
 */
int control_process(struct control *c);

/* control_get_stats() - copy the counters to @st. */
void control_get_stats(const struct control *c, struct control_stats *st);

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
