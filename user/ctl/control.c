// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/control.c - the unix control socket and its client. One command per
 * connection, as Kea's control sockets: the client writes a JSON map and
 * (optionally) shuts down its side; the server answers as soon as the map
 * is complete and closes. The server side is non-blocking throughout (see
 * control.h): an internal epoll holds the listening socket, the
 * connections and a timerfd armed at the nearest deadline, and the daemon
 * watches that one epoll fd. The client side uses blocking sockets with
 * five-second timeouts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "user/ctl/control.h"
#include "user/ctl/statscreen.h"
#include "user/common/errcode.h"
#include "user/common/log.h"

#define CONTROL_MSG_MAX (1 << 20)	/* an answer, on the client side */
#define TAG_LISTEN ((uint64_t)-1)
#define TAG_TIMER  ((uint64_t)-2)

struct conn {
	int fd;			/* -1: free slot */
	pid_t peer;
	int64_t since_ms, deadline_ms;
	char *in;		/* CONTROL_REQ_MAX + 1 once allocated */
	size_t nin;
	char *out;		/* the answer, while answering */
	size_t nout, off;
};

struct control {
	int fd;			/* listening socket */
	int ep, tfd;
	char *path;
	control_handler_fn fn;
	void *ctx;
	struct conn conns[CONTROL_MAX_CONNS];
	struct control_stats st;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* client side: a daemon busy with a large burst may take a few seconds to answer */
static void set_timeouts(int fd)
{
	struct timeval tv = { 5, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int control_pick_victim(const struct control_slot *slots, size_t n, pid_t peer, size_t max,
			size_t per_peer)
{
	size_t mine = 0, most = 0;
	pid_t heavy = peer;
	int best = -1;

	for (size_t i = 0; i < n; i++)
		mine += slots[i].peer == peer;
	if (mine < per_peer && n < max)
		return -1;
	if (mine < per_peer) {
		/* the table is full: take from the client holding the most */
		for (size_t i = 0; i < n; i++) {
			size_t k = 0;

			if (slots[i].answering)
				continue;
			for (size_t j = 0; j < n; j++)
				k += slots[j].peer == slots[i].peer && !slots[j].answering;
			if (k > most) {
				most = k;
				heavy = slots[i].peer;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (slots[i].peer == heavy && !slots[i].answering &&
		    (best < 0 || slots[i].since_ms < slots[best].since_ms))
			best = (int)i;
	return best >= 0 ? best : -2;
}

enum control_req control_req_state(const char *buf, size_t len, int eof)
{
	json_error_t jerr;
	json_t *j;

	if (len > CONTROL_REQ_MAX)
		return CONTROL_REQ_BAD;
	j = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr);
	if (j) {
		json_decref(j);
		return CONTROL_REQ_DONE;
	}
	if (!eof && json_error_code(&jerr) == json_error_premature_end_of_input)
		return CONTROL_REQ_MORE;
	return CONTROL_REQ_BAD;
}

static int ep_mod(struct control *c, int op, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(c->ep, op, fd, &ev) ? -errno : 0;
}

int control_open(struct control **out, const char *path, control_handler_fn fn, void *ctx)
{
	struct sockaddr_un sa;
	struct control *c;
	char dir[sizeof(sa.sun_path)], *slash;
	int err;

	*out = NULL;
	err = set_addr(&sa, path);
	if (err) {
		pr_err("control: socket path too long '%s'", path);
		return err;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		c->conns[i].fd = -1;
	c->fn = fn;
	c->ctx = ctx;
	c->path = strdup(path);
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0750);
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || c->ep < 0 || c->tfd < 0 || !c->path) {
		err = c->path ? -errno : -ENOMEM;
		goto fail;
	}
	unlink(path);	/* a stale socket of a previous run (the store lock says we are alone) */
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) ||
	    listen(c->fd, 64)) {
		err = -errno;
		goto fail;
	}
	err = ep_mod(c, EPOLL_CTL_ADD, c->fd, EPOLLIN, TAG_LISTEN);
	err = err ?: ep_mod(c, EPOLL_CTL_ADD, c->tfd, EPOLLIN, TAG_TIMER);
	if (err)
		goto fail;
	*out = c;
	return 0;
fail:
	pr_err("control: cannot listen on '%s' (%s)", path, ls_strerror(err));
	if (c->fd >= 0)
		close(c->fd);
	if (c->ep >= 0)
		close(c->ep);
	if (c->tfd >= 0)
		close(c->tfd);
	free(c->path);
	free(c);
	return err;
}

static void conn_close(struct control *c, struct conn *k)
{
	if (k->fd < 0)
		return;
	close(k->fd);	/* leaves the epoll set with it */
	k->fd = -1;
	free(k->in);
	free(k->out);
	k->in = k->out = NULL;
	k->nin = k->nout = k->off = 0;
	c->st.open--;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		conn_close(c, &c->conns[i]);
	close(c->fd);
	close(c->ep);
	close(c->tfd);
	unlink(c->path);
	free(c->path);
	free(c);
}

int control_fd(const struct control *c)
{
	return c->ep;
}

void control_get_stats(const struct control *c, struct control_stats *st)
{
	*st = c->st;
}

json_t *control_answer(int result, const char *text, json_t *args)
{
	json_t *j = json_pack("{s:i,s:s}", "result", result, "text", text);

	if (j && args)
		json_object_set_new(j, "arguments", args);
	else if (args)
		json_decref(args);
	return j;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read until the buffer holds one complete JSON value, EOF, or the timeout (client side). */
static json_t *read_json(int fd, json_error_t *jerr)
{
	char *buf = malloc(CONTROL_MSG_MAX + 1);
	size_t n = 0;
	json_t *j = NULL;

	if (!buf)
		return NULL;
	while (n < CONTROL_MSG_MAX) {
		ssize_t r = read(fd, buf + n, CONTROL_MSG_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = 0;
		j = json_loadb(buf, n, JSON_DISABLE_EOF_CHECK, jerr);
		if (j)
			break;
	}
	if (!j) {
		buf[n] = 0;
		j = json_loadb(buf, n, 0, jerr);
	}
	free(buf);
	return j;
}

static int on_readable(struct control *c, struct conn *k, int i);

/* Take @cfd into a slot; returns the slot, or -1 when it was refused. */
static int accept_one(struct control *c, int cfd)
{
	struct control_slot slots[CONTROL_MAX_CONNS];
	int map[CONTROL_MAX_CONNS], n = 0, v, free_i = -1;
	struct ucred cr = { 0 };
	socklen_t cl = sizeof(cr);
	struct conn *k;
	int64_t now = mono_ms();

	getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		if (c->conns[i].fd < 0) {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		slots[n] = (struct control_slot){ c->conns[i].peer, c->conns[i].since_ms,
						  c->conns[i].out != NULL };
		map[n++] = i;
	}
	v = control_pick_victim(slots, (size_t)n, cr.pid, CONTROL_MAX_CONNS, CONTROL_MAX_PER_PEER);
	if (v == -2 || (v == -1 && free_i < 0)) {
		/* every slot is writing an answer: this client tries again */
		c->st.evicted++;
		close(cfd);
		return -1;
	}
	if (v >= 0) {
		c->st.evicted++;
		pr_warn_rl("control: too many connections, dropping the oldest waiting one (pid %d)",
			   (int)c->conns[map[v]].peer);
		conn_close(c, &c->conns[map[v]]);
		free_i = map[v];
	}
	k = &c->conns[free_i];
	memset(k, 0, sizeof(*k));
	k->fd = cfd;
	k->peer = cr.pid;
	k->since_ms = now;
	k->deadline_ms = now + CONTROL_READ_MS;
	if (ep_mod(c, EPOLL_CTL_ADD, cfd, EPOLLIN, (uint64_t)free_i)) {
		close(cfd);
		k->fd = -1;
		return -1;
	}
	c->st.accepted++;
	c->st.open++;
	return free_i;
}

/*
 * Accept a bounded number per turn (a connect flood cannot hold the loop),
 * and read each new connection at once: a client has usually sent its
 * command with the connect, so it is answered in this turn, not the next.
 * Returns the number of commands answered.
 */
static int accept_all(struct control *c, int budget)
{
	int answered = 0;

	for (int i = 0; i < 2 * CONTROL_MAX_CONNS; i++) {
		int cfd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), k;

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				pr_warn_rl("control: accept failed on '%s' (%s)", c->path,
					   ls_strerror(-errno));
			break;
		}
		k = accept_one(c, cfd);
		if (k >= 0 && answered < budget)
			answered += on_readable(c, &c->conns[k], k);
	}
	return answered;
}

/* Send what the socket takes; 1 when the answer is all out (or the client gone). */
static int flush_out(struct conn *k)
{
	while (k->off < k->nout) {
		ssize_t w = send(k->fd, k->out + k->off, k->nout - k->off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
		}
		k->off += (size_t)w;
	}
	return 1;
}

static void answer(struct control *c, struct conn *k, int i, enum control_req st)
{
	json_error_t jerr;
	json_t *req = NULL, *ans;
	const char *cmd = NULL;
	char *text;

	if (st == CONTROL_REQ_DONE)
		req = json_loadb(k->in, k->nin, JSON_DISABLE_EOF_CHECK, &jerr);
	if (!req) {
		c->st.bad++;
		pr_warn_rl("control: bad command from pid %d (%s)", (int)k->peer,
			   k->nin > CONTROL_REQ_MAX ? "too long" : "not JSON");
		ans = control_answer(CONTROL_ERROR, "invalid JSON command", NULL);
	} else if (json_unpack(req, "{s:s}", "command", &cmd)) {
		c->st.bad++;
		ans = control_answer(CONTROL_ERROR, "missing \"command\"", NULL);
	} else {
		ans = c->fn(c->ctx, cmd, json_object_get(req, "arguments"));
	}
	text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
	json_decref(ans);
	json_decref(req);
	c->st.answered++;
	if (!text || asprintf(&k->out, "%s\n", text) < 0) {
		k->out = NULL;
		free(text);
		conn_close(c, k);
		return;
	}
	free(text);
	k->nout = strlen(k->out);
	k->off = 0;
	k->deadline_ms = mono_ms() + CONTROL_WRITE_MS;
	if (flush_out(k) || ep_mod(c, EPOLL_CTL_MOD, k->fd, EPOLLOUT, (uint64_t)i))
		conn_close(c, k);
}

/* Take what the client sent; returns 1 when a command was answered. */
static int on_readable(struct control *c, struct conn *k, int i)
{
	enum control_req st = CONTROL_REQ_MORE;
	int eof = 0;

	if (!k->in) {
		k->in = malloc(CONTROL_REQ_MAX + 2);
		if (!k->in) {
			conn_close(c, k);
			return 0;
		}
	}
	for (;;) {
		ssize_t r = recv(k->fd, k->in + k->nin, CONTROL_REQ_MAX + 1 - k->nin, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0) {
			conn_close(c, k);
			return 0;
		}
		eof = r == 0;
		k->nin += (size_t)r;
		if (eof || k->nin > CONTROL_REQ_MAX)
			break;
	}
	if (!k->nin && eof) {
		conn_close(c, k);	/* connected and left */
		return 0;
	}
	st = control_req_state(k->in, k->nin, eof);
	if (st == CONTROL_REQ_MORE)
		return 0;
	answer(c, k, i, st);
	return 1;
}

static void arm_timer(struct control *c)
{
	struct itimerspec its = { 0 };
	int64_t next = 0;

	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		if (c->conns[i].fd >= 0 && (!next || c->conns[i].deadline_ms < next))
			next = c->conns[i].deadline_ms;
	if (next) {
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000L + 1;
	}
	timerfd_settime(c->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int control_process(struct control *c)
{
	struct epoll_event evs[CONTROL_MAX_CONNS + 2];
	int n, answered = 0;
	int64_t now;
	uint64_t ticks;

	n = epoll_wait(c->ep, evs, CONTROL_MAX_CONNS + 2, 0);
	for (int e = 0; e < n; e++) {
		uint64_t tag = evs[e].data.u64;
		struct conn *k;

		if (tag == TAG_LISTEN) {
			answered += accept_all(c, CONTROL_TURN_MAX - answered);
			continue;
		}
		if (tag == TAG_TIMER) {
			if (read(c->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				pr_debug("control: timer read failed");
			continue;
		}
		k = &c->conns[tag];
		if (k->fd < 0)
			continue;	/* closed earlier in this turn (evicted) */
		if (k->out) {
			if (flush_out(k))
				conn_close(c, k);
		} else if (answered < CONTROL_TURN_MAX) {
			answered += on_readable(c, k, (int)tag);
		}
		/* past CONTROL_TURN_MAX the fd stays readable: the next turn answers it */
	}
	now = mono_ms();
	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		struct conn *k = &c->conns[i];

		if (k->fd < 0 || now < k->deadline_ms)
			continue;
		c->st.timeouts++;
		pr_info_rl("control: dropped a client (pid %d) that %s in time", (int)k->peer,
			   k->out ? "did not take its answer" : "sent no complete command");
		conn_close(c, k);
	}
	arm_timer(c);
	return answered;
}

int control_request(const char *path, const char *command, const json_t *args, json_t **answer)
{
	struct sockaddr_un sa;
	json_error_t jerr;
	json_t *req;
	char *text;
	int fd, err;

	*answer = NULL;
	err = set_addr(&sa, path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto out;
	}
	req = json_pack("{s:s}", "command", command);
	if (req && args)
		json_object_set(req, "arguments", (json_t *)args);
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!text) {
		err = -ENOMEM;
		goto out;
	}
	err = write_all(fd, text, strlen(text));
	free(text);
	if (err)
		goto out;
	shutdown(fd, SHUT_WR);
	*answer = read_json(fd, &jerr);
	if (!*answer)
		err = -EPROTO;
out:
	close(fd);
	return err;
}

/* the terminal's width (80 when it is not a terminal: a pipe, a file) or height (0 then) */
static unsigned int screen_size(int rows)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_col < 40 || ws.ws_row < 5)
		return rows ? 0 : 80;
	return rows ? ws.ws_row : ws.ws_col;
}

int control_cmd_stats(const char *path, int json, int watch, volatile sig_atomic_t *stop)
{
	json_t *prev = NULL;
	struct timespec t0 = { 0 };

	do {
		json_t *ans, *sta = NULL;
		const json_t *args;
		struct timespec t1;
		int err = control_request(path, "statistic-get-all", NULL, &ans);

		if (err) {
			pr_err("control: cannot query '%s' (%s: is the daemon running?)", path,
			       ls_strerror(err));
			json_decref(prev);
			return err;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		args = json_object_get(ans, "arguments");
		if (json) {
			char *s = json_dumps(args ? args : ans, JSON_COMPACT);

			printf("%s\n", s ? s : "{}");
			free(s);
		} else {
			struct statscreen_in in = {
				.stats = args ? args : ans, .prev = prev, .now = time(NULL),
				.source = path, .cols = screen_size(0),
				.rows = watch ? screen_size(1) : 0,
				.dt_s = (double)(t1.tv_sec - t0.tv_sec) +
					(double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			};

			if (!control_request(path, "status-get", NULL, &sta))
				in.status = json_object_get(sta, "arguments");
			/* like top: home the cursor and clear, then redraw */
			if (watch)
				printf("\033[H\033[2J");
			statscreen_render(stdout, &in);
			json_decref(sta);
		}
		fflush(stdout);
		json_decref(prev);
		prev = watch ? json_incref((json_t *)(args ? args : ans)) : NULL;
		t0 = t1;
		json_decref(ans);
		if (watch)
			for (int i = 0; i < 10 && !*stop; i++)
				usleep(100000);
	} while (watch && !*stop);
	json_decref(prev);
	return 0;
}
