// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/errcode.c - strings for user/errcode.h; falls back to strerror().
 */
#include <string.h>

#include "user/common/errcode.h"

static const char *const ls_errstr[] = {
	[LS_EPARSE - LS_ERROR_MIN] = "malformed input",
	[LS_ECSV_HEADER - LS_ERROR_MIN] = "lease file header lacks a required column",
	[LS_ECSV_ROW - LS_ERROR_MIN] = "lease file row does not parse",
	[LS_ECONFIG - LS_ERROR_MIN] = "configuration rejected",
	[LS_ELDNS - LS_ERROR_MIN] = "ldns error",
	[LS_ECRYPTO - LS_ERROR_MIN] = "cryptographic library error",
	[LS_ETSIG_BADSIG - LS_ERROR_MIN] = "TSIG signature does not verify",
	[LS_ETSIG_BADKEY - LS_ERROR_MIN] = "TSIG key not known",
	[LS_ETSIG_BADTIME - LS_ERROR_MIN] = "TSIG time outside the allowed window",
	[LS_ETSIG_MISSING - LS_ERROR_MIN] = "reply is not TSIG-signed",
	[LS_EDNS_RCODE - LS_ERROR_MIN] = "DNS server returned an error",
	[LS_EDNS_FORMAT - LS_ERROR_MIN] = "malformed DNS message",
	[LS_ESTORE - LS_ERROR_MIN] = "ownership store unusable",
	[LS_EBPF_LOAD - LS_ERROR_MIN] = "BPF object failed to load",
	[LS_EBPF_ATTACH - LS_ERROR_MIN] = "BPF program failed to attach",
	[LS_ENOBTF - LS_ERROR_MIN] = "kernel has no BTF (CONFIG_DEBUG_INFO_BTF)",
	[LS_ENORINGBUF - LS_ERROR_MIN] = "kernel has no BPF ring buffer (needs 5.8+)",
	[LS_EPCAP - LS_ERROR_MIN] = "capture file cannot be read",
	[LS_ETSIG_ALG - LS_ERROR_MIN] = "TSIG algorithm unknown or digest-bits invalid",
	[LS_EKEYFILE - LS_ERROR_MIN] = "key file unusable",
	[LS_EDNS_NOZONE - LS_ERROR_MIN] = "no configured zone matches the name",
	[LS_EDNS_ID - LS_ERROR_MIN] = "reply does not match the request",
	[LS_EDNS_NOSERVER - LS_ERROR_MIN] = "no usable DNS server for the zone",
	[LS_EKEA_ANSWER - LS_ERROR_MIN] = "Kea control channel answer unusable",
	[LS_EKEA_RESULT - LS_ERROR_MIN] = "Kea answered with an error",
	[LS_EHTTP - LS_ERROR_MIN] = "HTTP server cannot start",
	[LS_EGSS - LS_ERROR_MIN] = "GSS-API (Kerberos) failure",
	[LS_ETKEY - LS_ERROR_MIN] = "TKEY negotiation refused",
};

const char *ls_strerror(int code)
{
	if (code >= LS_ERROR_MIN && code < LS_ERROR_MAX_) {
		const char *s = ls_errstr[code - LS_ERROR_MIN];

		return s ? s : "unknown leasesnoop error";
	}
	if (code < 0)
		return strerror(-code);
	return code == 0 ? "success" : "unknown error";
}
