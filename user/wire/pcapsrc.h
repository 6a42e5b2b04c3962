/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/pcapsrc.h - reads capture files for `--pcap`: pcap and pcapng through
 * libpcap, optionally gzip-compressed (zlib; detected by content, not name).
 */
#ifndef LS_PCAPSRC_H
#define LS_PCAPSRC_H

#include <stddef.h>
#include <stdint.h>

/* Called per captured frame: its link type, the captured bytes, the wire length. */
typedef void (*pcapsrc_cb)(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
			   void *arg);

/*
 * pcapsrc_read() - call @cb for every frame of the capture at @path. Returns
 * the number of frames, or LS_EPCAP (logged with the file and libpcap's
 * reason) when the file cannot be opened or is not a capture, or when it is
 * cut short mid-record (frames before the damage are still delivered).
 */
long pcapsrc_read(const char *path, pcapsrc_cb cb, void *arg);

#endif
