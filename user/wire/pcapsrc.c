// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/pcapsrc.c - capture reader. zlib's gzread passes uncompressed input
 * through unchanged, so every file goes gzopen -> fopencookie -> libpcap.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/wire/pcapsrc.h"

static ssize_t gz_cookie_read(void *c, char *buf, size_t n)
{
	int r = gzread((gzFile)c, buf, n > INT32_MAX ? INT32_MAX : n);

	if (r < 0) {
		errno = EIO;
		return -1;
	}
	return r;
}

static int gz_cookie_close(void *c)
{
	return gzclose((gzFile)c) == Z_OK ? 0 : EOF;
}

long pcapsrc_read(const char *path, pcapsrc_cb cb, void *arg)
{
	cookie_io_functions_t io = { .read = gz_cookie_read, .close = gz_cookie_close };
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *pc = NULL;
	gzFile gz;
	FILE *f;
	long n = 0;
	int r, dlt;

	gz = gzopen(path, "rb");
	if (!gz) {
		pr_err("pcap: cannot open '%s' (%s)", path, strerror(errno ? errno : ENOMEM));
		return LS_EPCAP;
	}
	f = fopencookie(gz, "rb", io);
	if (!f) {
		gzclose(gz);
		pr_err("pcap: cannot open '%s' (%s)", path, strerror(errno));
		return LS_EPCAP;
	}
	pc = pcap_fopen_offline(f, errbuf);	/* owns f from here */
	if (!pc) {
		fclose(f);
		pr_err("pcap: cannot read '%s' (%s)", path, errbuf);
		return LS_EPCAP;
	}
	dlt = pcap_datalink(pc);
	while ((r = pcap_next_ex(pc, &hdr, &data)) == 1) {
		cb(dlt, data, hdr->caplen, hdr->len, arg);
		n++;
	}
	if (r == PCAP_ERROR) {
		pr_err("pcap: '%s' is damaged after frame %ld (%s)", path, n, pcap_geterr(pc));
		n = LS_EPCAP;
	}
	pcap_close(pc);
	return n;
}
