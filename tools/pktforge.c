// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/pktforge.c - writes a pcap of forged DHCP server replies for the
 * tests (a DHCPACK or a DHCPv6 REPLY that no DHCP server issued), built with
 * tests/lib/pktbuild.h. leasesnoop must see them on the wire and still
 * create nothing in DNS: the lease file is the truth.
 *
 *   pktforge OUT.pcap ack4 ADDR HOSTNAME [FQDN]    DHCPv4 ACK, lease 3600 s
 *   pktforge OUT.pcap reply6 ADDR [FQDN]           DHCPv6 REPLY, one IA_NA
 * Several frames: repeat the "ack4 …"/"reply6 …" groups.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "tests/lib/pktbuild.h"

static const uint8_t duid[] = { 0x00, 0x01, 0x00, 0x01, 0x2b, 0xad, 0xf0, 0x0d,
				0x02, 0x66, 0x6f, 0x72, 0x67, 0x65 };

static int usage(void)
{
	fprintf(stderr, "usage: pktforge OUT.pcap {ack4 ADDR HOSTNAME [FQDN] | reply6 ADDR [FQDN]}...\n");
	return 2;
}

static void dump(pcap_dumper_t *d, const struct pb *f)
{
	struct pcap_pkthdr h = { .caplen = f->len, .len = f->len };

	gettimeofday(&h.ts, NULL);
	pcap_dump((u_char *)d, &h, f->d);
}

int main(int argc, char **argv)
{
	pcap_t *dead;
	pcap_dumper_t *d;
	int i = 2, n = 0;

	if (argc < 4)
		return usage();
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	d = pcap_dump_open(dead, argv[1]);
	if (!d) {
		fprintf(stderr, "pktforge: cannot write '%s' (%s)\n", argv[1], pcap_geterr(dead));
		return 1;
	}
	while (i < argc) {
		struct pb m, f;

		pb_reset(&m);
		if (!strcmp(argv[i], "ack4") && i + 2 < argc) {
			struct pb_dhcp4 h = pb_dhcp4_default();
			struct pb_net net = pb_net4();
			struct in_addr a;
			int has_fqdn = i + 3 < argc && strcmp(argv[i + 3], "ack4") &&
				       strcmp(argv[i + 3], "reply6");

			if (inet_pton(AF_INET, argv[i + 1], &a) != 1)
				return usage();
			h.yiaddr = ntohl(a.s_addr);
			h.chaddr[5] = 0x99;
			pb_dhcp4_hdr(&m, &h);
			pb_opt4_u8(&m, 53, 5);
			pb_opt4_u32(&m, 54, ntohl(a.s_addr & htonl(0xffff0000)) | 1);
			pb_opt4_u32(&m, 51, 3600);
			pb_opt4_str(&m, 12, argv[i + 2]);
			if (has_fqdn)
				pb_opt4_fqdn(&m, 0x05, argv[i + 3]);
			pb_end4(&m);
			memcpy(net.dst, &a, 4);
			pb_frame(&f, &net, m.d, m.len, NULL);
			i += has_fqdn ? 4 : 3;
		} else if (!strcmp(argv[i], "reply6") && i + 1 < argc) {
			struct pb_net net = pb_net6();
			uint8_t a[16];
			size_t ia;
			int has_fqdn = i + 2 < argc && strcmp(argv[i + 2], "ack4") &&
				       strcmp(argv[i + 2], "reply6");

			if (inet_pton(AF_INET6, argv[i + 1], a) != 1)
				return usage();
			pb_dhcp6_hdr(&m, 7, 0x0f0f0f);
			pb_opt6(&m, 1, duid, sizeof(duid));
			pb_opt6(&m, 2, duid, sizeof(duid));
			ia = pb_ia_na_begin(&m, 1, 1800, 2880);
			pb_iaaddr(&m, a, 2700, 3600);
			pb_opt6_end(&m, ia);
			if (has_fqdn)
				pb_fqdn6(&m, 0x01, argv[i + 2]);
			pb_frame(&f, &net, m.d, m.len, NULL);
			i += has_fqdn ? 3 : 2;
		} else {
			return usage();
		}
		dump(d, &f);
		n++;
	}
	pcap_dump_close(d);
	pcap_close(dead);
	fprintf(stderr, "pktforge: %d frame(s) written to %s\n", n, argv[1]);
	return 0;
}
