// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/kea/ncr_listen.c - the NCR socket (ncr_listen.h). One recvmmsg-free
 * loop of recvfrom() with MSG_TRUNC, so an oversized datagram is seen as
 * such (and refused) instead of silently cut.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/kea/ncr_listen.h"

struct ncr_listen {
	int fd;
	ncr_listen_fn fn;
	void *ctx;
	struct ncr_listen_stats st;
	uint8_t buf[NCR_MAX_LEN + 3];	/* one more than an NCR may be: MSG_TRUNC tells the rest */
};

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	snprintf(out, cap, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

int ncr_listen_open(struct ncr_listen **out, const char *ip, uint16_t port, ncr_listen_fn fn,
		    void *ctx)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	struct ncr_listen *l;
	socklen_t sl, ol;
	int err, sz = NCR_LISTEN_RCVBUF;

	*out = NULL;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		pr_err("ncr: bad listen address '%s'", ip);
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fn = fn;
	l->ctx = ctx;
	l->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		err = -errno;
		pr_err("ncr: cannot create a UDP socket (%s)", ls_strerror(err));
		goto fail;
	}
	/*
	 * a burst must wait in the kernel, not be dropped: FORCE passes
	 * rmem_max when we are privileged, the plain option caps at it otherwise
	 */
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	ol = sizeof(l->st.rcvbuf);
	getsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &l->st.rcvbuf, &ol);
	if (bind(l->fd, (struct sockaddr *)&ss, sl)) {
		err = -errno;
		pr_err("ncr: cannot listen for Kea's NameChangeRequests on '%s' port %u (%s)", ip,
		       port, ls_strerror(err));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	ncr_listen_close(l);
	return err;
}

int ncr_listen_fd(const struct ncr_listen *l)
{
	return l ? l->fd : -1;
}

unsigned int ncr_listen_process(struct ncr_listen *l, unsigned int max)
{
	unsigned int n = 0;

	while (!max || n < max) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char from[INET6_ADDRSTRLEN + 10];
		const char *why = NULL;
		struct ncr ncr;
		ssize_t got;

		got = recvfrom(l->fd, l->buf, sizeof(l->buf), MSG_TRUNC, (struct sockaddr *)&ss, &sl);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			/* ICMP errors and the like: counted, the socket stays */
			l->st.errors++;
			pr_warn_rl("ncr: read error on the NCR socket (%s)", ls_strerror(-errno));
			break;
		}
		n++;
		l->st.received++;
		peer_text(&ss, from, sizeof(from));
		if ((size_t)got > sizeof(l->buf)) {
			l->st.invalid++;
			pr_warn_rl("ncr: bad NameChangeRequest from %s (datagram of %zd bytes, too large)",
				   from, got);
			continue;
		}
		if (ncr_decode(l->buf, (size_t)got, &ncr, &why)) {
			l->st.invalid++;
			pr_warn_rl("ncr: bad NameChangeRequest from %s (%s)", from, why);
			continue;
		}
		if (ncr.unknown_fields) {
			l->st.unknown_fields++;
			pr_info_rl("ncr: NameChangeRequest from %s has %u unknown member(s), ignored",
				   from, ncr.unknown_fields);
		}
		l->st.accepted++;
		if (ncr.change == NCR_ADD)
			l->st.adds++;
		else
			l->st.removes++;
		l->fn(l->ctx, &ncr, from);
	}
	return n;
}

void ncr_listen_get_stats(const struct ncr_listen *l, struct ncr_listen_stats *st)
{
	if (l)
		*st = l->st;
	else
		memset(st, 0, sizeof(*st));
}

void ncr_listen_close(struct ncr_listen *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
