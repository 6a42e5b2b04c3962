// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/control.c - the unix control socket and its client. One command per
 * connection, as Kea's control sockets: the client writes a JSON map and
 * (optionally) shuts down its side; the server answers when the map parses
 * and closes. Reads and writes carry a one-second timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "user/ctl/control.h"
#include "user/common/errcode.h"
#include "user/common/log.h"

#define CONTROL_MSG_MAX (1 << 20)

struct control {
	int fd;
	char *path;
	control_handler_fn fn;
	void *ctx;
};

static int set_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
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
	c->fn = fn;
	c->ctx = ctx;
	c->path = strdup(path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0750);
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || !c->path) {
		err = c->path ? -errno : -ENOMEM;
		goto fail;
	}
	unlink(path);	/* a stale socket of a previous run (the store lock says we are alone) */
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) ||
	    listen(c->fd, 16)) {
		err = -errno;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	pr_err("control: cannot listen on '%s' (%s)", path, ls_strerror(err));
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c);
	return err;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}

int control_fd(const struct control *c)
{
	return c->fd;
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

/* Read until the buffer holds one complete JSON value, EOF, or the timeout. */
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

int control_process(struct control *c)
{
	int n = 0;

	for (;;) {
		json_error_t jerr;
		json_t *req, *ans = NULL;
		const char *cmd = NULL;
		char *text;
		int cfd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd < 0)
			break;
		set_timeouts(cfd);
		req = read_json(cfd, &jerr);
		if (!req)
			ans = control_answer(CONTROL_ERROR, "invalid JSON command", NULL);
		else if (json_unpack(req, "{s:s}", "command", &cmd))
			ans = control_answer(CONTROL_ERROR, "missing \"command\"", NULL);
		else
			ans = c->fn(c->ctx, cmd, json_object_get(req, "arguments"));
		text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
		if (text) {
			write_all(cfd, text, strlen(text));
			write_all(cfd, "\n", 1);
		}
		free(text);
		json_decref(ans);
		json_decref(req);
		close(cfd);
		n++;
	}
	return n;
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

static void print_obj(FILE *f, const char *prefix, const json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		char key[512];

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(v)) {
			print_obj(f, key, v);
		} else if (json_is_integer(v)) {
			fprintf(f, "%-48s %lld\n", key, (long long)json_integer_value(v));
		} else if (json_is_string(v)) {
			fprintf(f, "%-48s %s\n", key, json_string_value(v));
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			fprintf(f, "%-48s %s\n", key, s ? s : "?");
			free(s);
		}
	}
}

int control_cmd_stats(const char *path, int json, int watch, volatile sig_atomic_t *stop)
{
	int first = 1;

	do {
		json_t *ans;
		const json_t *args;
		int err = control_request(path, "statistic-get-all", NULL, &ans);

		if (err) {
			pr_err("control: cannot query '%s' (%s: is the daemon running?)", path,
			       ls_strerror(err));
			return err;
		}
		args = json_object_get(ans, "arguments");
		if (json) {
			char *s = json_dumps(args ? args : ans, JSON_COMPACT);

			printf("%s\n", s ? s : "{}");
			free(s);
		} else {
			/* like top: home the cursor and clear, then redraw */
			if (watch)
				printf("\033[H\033[2J");
			if (watch || first) {
				time_t now = time(NULL);

				printf("leasesnoop statistics from %s at %s", path, ctime(&now));
			}
			print_obj(stdout, "", args ? args : ans);
		}
		fflush(stdout);
		json_decref(ans);
		first = 0;
		if (watch)
			for (int i = 0; i < 10 && !*stop; i++)
				usleep(100000);
	} while (watch && !*stop);
	return 0;
}
