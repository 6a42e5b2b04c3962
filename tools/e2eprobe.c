// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/e2eprobe.c - the end-to-end benchmark's stopwatch (tools/bench/e2e.sh):
 * watches the DHCPv4 ACKs leaving a DHCP server's interface (AF_PACKET, both
 * directions) and measures, for every EVERY-th new lease, the time from the
 * ACK on the wire until the DNS server answers the lease's A record over UDP.
 * Independent of whoever updates DNS (leasesnoop or kea-dhcp-ddns), so both
 * are measured the same way.
 *
 *   e2eprobe -i IFACE -p DNSPORT [-e EVERY] [-z SUFFIX] [-f FWDZONE] [-r REVZONE]
 *            [-q QUIET_S] [-g GIVEUP_S] [-w MAXWAIT_S]
 *
 * A lease is new the first time its address appears in an ACK (yiaddr);
 * its name is Kea's generated one, h-A-B-C-D.SUFFIX (ddns-generated-prefix
 * "h"). Each sampled lease's A record is queried at 127.0.0.1:DNSPORT
 * until it answers, at intervals of 10 % of its age (10 ms .. 1 s), so the
 * latency is exact to within 10 % (or 10 ms); a lease that never reaches
 * DNS costs the server about 70 queries before it is given up after
 * GIVEUP_S (20) seconds (with D2 most sampled leases never reach DNS: the
 * sample, 1 in EVERY, keeps those queries a small load on the server).
 * The SOA serials of FWDZONE and REVZONE are polled every 100 ms: the time
 * of their last change is when the updater finished applying.
 *
 * Runs until SIGTERM, MAXWAIT_S (600) or, once SIGUSR1 said the load is
 * over, until neither serial has changed for QUIET_S (3) seconds (sampled
 * leases still unanswered then never reach DNS); then prints one JSON line:
 *   {"acks":N,"leases":L,"probes":P,"answered":A,"p50_ms":..,"p99_ms":..,
 *    "max_ms":..,"serial_changes":C,"apply_s":S,"capture_drops":D,"queries":Q}
 * apply_s is the time from the first ACK to the last serial change.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROBES 65536

struct probe {
	uint32_t addr;		/* host order */
	double t_ack, next, lat;
	bool done, gone;
};

static struct probe probes[MAX_PROBES];
static unsigned int n_probes, n_open;
static unsigned int open_idx[MAX_PROBES];
static uint8_t seen[1 << 21];	/* low 24 bits of the address */
static volatile sig_atomic_t got_usr1, got_term;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

/* put_name() - @name (dotted, no trailing dot needed) as DNS labels at @p */
static int put_name(uint8_t *p, size_t room, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		if (l == 0 || l > 63 || o + l + 2 > room)
			return -1;
		p[o++] = (uint8_t)l;
		memcpy(p + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	p[o++] = 0;
	return (int)o;
}

static int send_query(int fd, uint16_t id, const char *name, uint16_t type)
{
	uint8_t q[300] = { 0 };
	int n;

	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1;	/* QDCOUNT; RD off: authoritative server */
	n = put_name(q + 12, sizeof(q) - 16, name);
	if (n < 0)
		return -1;
	n += 12;
	q[n++] = 0;
	q[n++] = (uint8_t)type;
	q[n++] = 0;
	q[n++] = 1;	/* IN */
	return send(fd, q, (size_t)n, 0) < 0 && errno != EAGAIN ? -1 : 0;
}

/* skip_name() - offset past the (possibly compressed) name at @o, or -1 */
static int skip_name(const uint8_t *m, int len, int o)
{
	while (o < len) {
		if ((m[o] & 0xc0) == 0xc0)
			return o + 2 <= len ? o + 2 : -1;
		if (m[o] == 0)
			return o + 1;
		o += m[o] + 1;
	}
	return -1;
}

/* soa_serial() - the serial of the first answer RR if it is a SOA, 0 otherwise */
static uint32_t soa_serial(const uint8_t *m, int len)
{
	int o;

	if (len < 12 || (m[3] & 0x0f) || !(m[6] | m[7]))
		return 0;
	o = skip_name(m, len, 12);
	if (o < 0 || o + 4 > len)
		return 0;
	o = skip_name(m, len, o + 4);	/* answer owner */
	if (o < 0 || o + 10 > len || m[o] != 0 || m[o + 1] != 6)
		return 0;
	o += 10;
	o = skip_name(m, len, o);	/* MNAME */
	if (o >= 0)
		o = skip_name(m, len, o);	/* RNAME */
	if (o < 0 || o + 4 > len)
		return 0;
	return (uint32_t)m[o] << 24 | (uint32_t)m[o + 1] << 16 | (uint32_t)m[o + 2] << 8 | m[o + 3];
}

/* ack_yiaddr() - yiaddr (host order) if @f is a DHCPv4 ACK from a server, else 0 */
static uint32_t ack_yiaddr(const uint8_t *f, size_t len)
{
	const struct iphdr *ip;
	const struct udphdr *udp;
	const uint8_t *b, *end;
	size_t ihl;
	uint32_t y;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return 0;
	ip = (const struct iphdr *)(f + 14);
	ihl = (size_t)ip->ihl * 4;
	if (ip->protocol != IPPROTO_UDP || ihl < 20 || len < 14 + ihl + 8 + 240)
		return 0;
	if (ntohs(ip->frag_off) & 0x3fff)
		return 0;
	udp = (const struct udphdr *)(f + 14 + ihl);
	if (ntohs(udp->source) != 67)
		return 0;
	b = (const uint8_t *)(udp + 1);
	end = f + len;
	if (b[0] != 2 || b[236] != 99 || b[237] != 130 || b[238] != 83 || b[239] != 99)
		return 0;
	memcpy(&y, b + 16, 4);
	for (const uint8_t *o = b + 240; o < end && *o != 255;) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + o[1] > end)
			return 0;
		if (o[0] == 53 && o[1] == 1)
			return o[2] == 5 ? ntohl(y) : 0;
		o += 2 + o[1];
	}
	return 0;
}

static int udp_to(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int sz = 4 << 20;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("e2eprobe: dns socket");
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *suffix = "dyn.example", *zones[2] = { "dyn.example", "64.10.in-addr.arpa" };
	double quiet = 3, giveup = 20, maxwait = 600, t_first = 0, t_change = 0, t_usr1 = 0, t_soa = 0;
	unsigned long acks = 0, leases = 0, changes = 0, every = 10, answered = 0, queries = 0;
	uint32_t serial[2] = { 0, 0 };
	uint16_t port = 53;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct tpacket_stats pst = { 0 };
	socklen_t pl = sizeof(pst);
	struct sigaction sa = { .sa_handler = on_sig };
	uint8_t buf[4096];
	double start, *lat;
	int c, pfd, qfd, sfd, sz = 32 << 20;

	while ((c = getopt(argc, argv, "i:p:e:z:f:r:q:g:w:")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'p': port = (uint16_t)atoi(optarg); break;
		case 'e': every = strtoul(optarg, NULL, 10); break;
		case 'z': suffix = optarg; break;
		case 'f': zones[0] = optarg; break;
		case 'r': zones[1] = optarg; break;
		case 'q': quiet = atof(optarg); break;
		case 'g': giveup = atof(optarg); break;
		case 'w': maxwait = atof(optarg); break;
		default:
			fprintf(stderr, "usage: e2eprobe -i IFACE -p DNSPORT [-e EVERY] [-z SUFFIX] "
				"[-f FWDZONE] [-r REVZONE] [-q QUIET_S] [-g GIVEUP_S] [-w MAXWAIT_S]\n");
			return 2;
		}
	}
	if (!ifname || !every) {
		fprintf(stderr, "e2eprobe: -i IFACE is required (and -e > 0)\n");
		return 2;
	}
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	pfd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (pfd < 0 || !sll.sll_ifindex || bind(pfd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("e2eprobe: packet socket");
		return 1;
	}
	if (setsockopt(pfd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(pfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	qfd = udp_to(port);	/* A queries, ID = probe index */
	sfd = udp_to(port);	/* SOA polls, ID = zone index */

	fprintf(stderr, "e2eprobe: watching %s\n", ifname);
	start = now_s();
	while (!got_term) {
		struct pollfd pf[3] = { { pfd, POLLIN, 0 }, { qfd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		double t;
		ssize_t n;

		poll(pf, 3, 1);
		t = now_s();
		while ((n = recv(pfd, buf, sizeof(buf), 0)) > 0) {
			uint32_t a = ack_yiaddr(buf, (size_t)n), k = a & 0xffffff;

			if (!a)
				continue;
			acks++;
			if (seen[k >> 3] & (1u << (k & 7)))
				continue;	/* a renewal: no DNS change */
			seen[k >> 3] |= (uint8_t)(1u << (k & 7));
			if (!leases++)
				t_first = t;
			if (leases % every == 0 && n_probes < MAX_PROBES) {
				probes[n_probes] = (struct probe){ .addr = a, .t_ack = t, .next = t };
				open_idx[n_open++] = n_probes++;
			}
		}
		while ((n = recv(qfd, buf, sizeof(buf), 0)) >= 12) {
			unsigned int id = (unsigned int)buf[0] << 8 | buf[1];

			if (id >= n_probes || probes[id].done)
				continue;
			if ((buf[3] & 0x0f) == 0 && (buf[6] | buf[7])) {
				probes[id].done = true;
				probes[id].lat = t - probes[id].t_ack;
				answered++;
			}
		}
		while ((n = recv(sfd, buf, sizeof(buf), 0)) >= 12) {
			unsigned int z = buf[1] & 1;
			uint32_t s = soa_serial(buf, (int)n);

			if (s && s != serial[z]) {
				if (serial[z])
					changes++;
				if (serial[z] && leases)
					t_change = t;
				serial[z] = s;
			}
		}
		/* due probes: query, next poll at 10 % of the age (10 ms .. 1 s) */
		for (unsigned int i = 0; i < n_open;) {
			struct probe *p = &probes[open_idx[i]];

			if (p->done || t - p->t_ack > giveup) {
				p->gone = !p->done;
				open_idx[i] = open_idx[--n_open];
				continue;
			}
			if (p->next <= t) {
				char name[128];
				double iv = (t - p->t_ack) * 0.1;

				snprintf(name, sizeof(name), "h-%u-%u-%u-%u.%s", p->addr >> 24,
					 (p->addr >> 16) & 255, (p->addr >> 8) & 255, p->addr & 255, suffix);
				send_query(qfd, (uint16_t)open_idx[i], name, 1);
				queries++;
				p->next = t + (iv < 0.01 ? 0.01 : iv > 1 ? 1 : iv);
			}
			i++;
		}
		if (t - t_soa >= 0.1) {
			t_soa = t;
			for (unsigned int z = 0; z < 2; z++)
				send_query(sfd, (uint16_t)(0x5a00 | z), zones[z], 6);
		}
		if (got_usr1 && !t_usr1)
			t_usr1 = t;
		/* nothing applied for QUIET_S after the load: what is still open never
		 * reaches DNS (probes poll at least every second, QUIET_S is longer) */
		if (t_usr1 && t - (t_change > t_usr1 ? t_change : t_usr1) >= quiet)
			break;
		if (t - start > maxwait)
			break;
	}
	getsockopt(pfd, SOL_PACKET, PACKET_STATISTICS, &pst, &pl);
	lat = calloc(answered + 1, sizeof(*lat));
	if (!lat)
		return 1;
	answered = 0;
	for (unsigned int i = 0; i < n_probes; i++)
		if (probes[i].done)
			lat[answered++] = probes[i].lat * 1e3;
	qsort(lat, answered, sizeof(*lat), cmp_d);
#define PCT(q) (answered ? lat[(size_t)((double)(answered - 1) * (q) + 0.5)] : 0)
	printf("{\"acks\":%lu,\"leases\":%lu,\"probes\":%u,\"answered\":%lu,\"p50_ms\":%.1f,"
	       "\"p99_ms\":%.1f,\"max_ms\":%.1f,\"serial_changes\":%lu,\"apply_s\":%.3f,"
	       "\"capture_drops\":%u,\"queries\":%lu}\n",
	       acks, leases, n_probes, answered, PCT(0.5), PCT(0.99), answered ? lat[answered - 1] : 0,
	       changes, t_change > t_first ? t_change - t_first : 0, pst.tp_drops, queries);
	free(lat);
	return 0;
}
