#!/usr/bin/perl
# tests/corpus/tcpdump_leases.pl - reduce a tcpdump decode (.out) or a
# `leasesnoop --events --json` stream to the lease facts both must agree on,
# one sorted line each: "v4 ack 10.30.4.4 valid=43200 xid=0x3cd0af7e" or
# "v6 reply 2a00:1:1:100::/56 valid=7200 pref=4500 xid=0x12b08a".
#   tcpdump_leases.pl --tcpdump FILE.out | --json FILE.json
use strict;
use warnings;

my ($mode, $file) = @ARGV;
open(my $fh, '<', $file) or die "cannot open $file: $!\n";
my @out;

sub hx { return sprintf("0x%x", hex($_[0])); }

if ($mode eq '--json') {
	while (my $l = <$fh>) {
		my %e = $l =~ /"(\w+)":("[^"]*"|-?\d+|true|false)/g;
		s/^"(.*)"$/$1/ for values %e;
		my $addr = $e{addr} // '-';
		if ($e{family} == 6) {
			$addr .= "/$e{prefix_len}" if $e{ia_type} eq 'pd';
			push @out, "v6 $e{type} $addr valid=$e{valid_lifetime} pref=$e{preferred_lifetime} xid=" . hx($e{xid});
		} else {
			my $v = defined $e{valid_lifetime} ? " valid=$e{valid_lifetime}" : '';
			push @out, "v4 $e{type} $addr$v xid=" . hx($e{xid});
		}
	}
} elsif ($mode eq '--tcpdump') {
	my @blocks;
	while (my $l = <$fh>) {
		if ($l =~ /^\s*\d+\s+\d{4}-\d\d-\d\d /) { push @blocks, $l; }
		elsif (@blocks) { $blocks[-1] .= $l; }
	}
	my %v4 = (ACK => 'ack', NACK => 'nak', Release => 'release', Decline => 'decline');
	for my $b (@blocks) {
		if ($b =~ /DHCP-Message \(53\), length 1: (\w+)/ && $v4{$1}) {
			my $t = $v4{$1};
			my ($xid) = $b =~ /xid (0x[0-9a-f]+)/;
			my $addr = '-';
			($addr) = $b =~ /Your-IP (\S+)/ if $t eq 'ack';
			($addr) = $b =~ /Client-IP (\S+)/ if $t eq 'release';
			($addr) = $b =~ /Requested-IP \(50\), length 4: (\S+)/ if $t eq 'decline';
			my ($lt) = $b =~ /Lease-Time \(51\), length 4: (\d+)/;
			push @out, "v4 $t $addr" . (defined $lt ? " valid=$lt" : '') . " xid=" . hx($xid);
		} elsif ($b =~ /\b(reply|release|decline) \(xid=([0-9a-f]+)/) {
			my ($t, $xid) = ($1, $2);
			next if $b =~ /\(status-code (?!success)/i && $b !~ /IA_(ADDR|PD-prefix)/;
			while ($b =~ /\(IA_ADDR (\S+) pltime:(\d+) vltime:(\d+)/g) {
				push @out, "v6 $t $1 valid=$3 pref=$2 xid=" . hx($xid);
			}
			while ($b =~ /\(IA_PD-prefix (\S+) pltime:(\d+) vltime:(\d+)/g) {
				push @out, "v6 $t $1 valid=$3 pref=$2 xid=" . hx($xid);
			}
		}
	}
} else {
	die "usage: $0 --tcpdump FILE.out | --json FILE.json\n";
}
print "$_\n" for sort @out;
