/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/errcode.h - project error codes. Functions return 0 or a negative
 * errno; codes specific to leasesnoop start at LS_ERROR_MIN (-1000), as in
 * Knot DNS. Foreign codes (ldns_status, OpenSSL, libbpf) are translated where
 * they enter. Add new codes at the end of their group and a string in
 * errcode.c.
 */
#ifndef LS_ERRCODE_H
#define LS_ERRCODE_H

#define LS_ERROR_MIN (-1000)

enum ls_errcode {
	LS_EPARSE = LS_ERROR_MIN,	/* malformed input (generic) */
	LS_ECSV_HEADER,			/* lease file header missing a required column */
	LS_ECSV_ROW,			/* lease file row does not parse */
	LS_ECONFIG,			/* configuration rejected */
	LS_ELDNS,			/* ldns reported an error */
	LS_ECRYPTO,			/* OpenSSL reported an error */
	LS_ETSIG_BADSIG,		/* TSIG signature does not verify */
	LS_ETSIG_BADKEY,		/* TSIG key unknown to the peer */
	LS_ETSIG_BADTIME,		/* TSIG time outside fudge */
	LS_ETSIG_MISSING,		/* reply should be signed and is not */
	LS_EDNS_RCODE,			/* DNS server answered with an error rcode */
	LS_EDNS_FORMAT,			/* DNS message does not parse */
	LS_ESTORE,			/* ownership store corrupt or unusable */
	LS_EBPF_LOAD,			/* BPF object did not load (verifier, BTF) */
	LS_EBPF_ATTACH,			/* BPF program did not attach */
	LS_ENOBTF,			/* kernel has no BTF */
	LS_ENORINGBUF,			/* kernel has no BPF ring buffer */
	LS_EPCAP,			/* capture file cannot be read */
	LS_ETSIG_ALG,			/* TSIG algorithm unknown or digest-bits invalid */
	LS_EKEYFILE,			/* key file unusable (syntax, or readable by others) */
	LS_EDNS_NOZONE,			/* no configured zone matches the name */
	LS_EDNS_ID,			/* reply ID, opcode or zone does not match the request */
	LS_EDNS_NOSERVER,		/* every server of the zone is unusable */
	LS_EKEA_ANSWER,			/* Kea control socket answer unusable */
	LS_EKEA_RESULT,			/* Kea answered a command with an error result */
	LS_EHTTP,			/* HTTP server (metrics) cannot start */
	LS_EGSS,			/* GSS-API / Kerberos failure (GSS-TSIG) */
	LS_ETKEY,			/* DNS server refused or botched a TKEY negotiation */
	LS_ERROR_MAX_,
};

/* ls_strerror() - text for a project code or a negative errno. Never NULL. */
const char *ls_strerror(int code);

#endif
