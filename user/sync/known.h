/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/sync/known.h - the clients leasesnoop has seen in the lease files
 * (current rows and their history), as the DHCID RDATA each (client, name)
 * pair gives (RFC 4701: the digest covers the identity and the FQDN), each
 * with the address of the last lease seen for it. The orphan sweep asks it
 * whether a DHCID found in a zone is one of ours. Bounded: two generations
 * of at most @max / 2 entries each; when the newer one is full the older is
 * dropped whole (the oldest history goes first). About 40 bytes an entry.
 * An entry is the first 16 bytes of the SHA-256 digest plus the identifier
 * type: two clients colliding there would need 2^64 tries.
 */
#ifndef LS_KNOWN_H
#define LS_KNOWN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "user/dns/dhcid.h"

struct known;

struct known_stats {
	uint64_t entries;	/* held now */
	uint64_t dropped;	/* forgotten with an older generation */
};

/* known_new() - an empty set of at most @max entries (>= 2). Returns 0 or -ENOMEM/-EINVAL. */
int known_new(struct known **out, size_t max);
/* known_free() - NULL is a no-op. */
void known_free(struct known *k);
/*
 * known_put() - remember @dhcid (DHCID_RDATA_LEN bytes, dhcid_compute()) as
 * seen with the lease at (@family, @addr): a later put of the same DHCID
 * moves it to the newer generation and to that address. Returns 0 or -ENOMEM.
 */
int known_put(struct known *k, const uint8_t *dhcid, int family, const uint8_t *addr);
/*
 * known_get() - is @dhcid[0..len) one we have seen? When so and @family and
 * @addr are not NULL, they get the address of the last lease seen with it.
 * Anything but a DHCID_RDATA_LEN-byte RDATA of digest type 1 is unknown.
 */
bool known_get(const struct known *k, const uint8_t *dhcid, size_t len, int *family,
	       uint8_t *addr);
void known_get_stats(const struct known *k, struct known_stats *st);
#endif
