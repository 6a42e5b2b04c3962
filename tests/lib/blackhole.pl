#!/usr/bin/perl
# tests/lib/blackhole.pl - a server that takes everything and answers nothing,
# standing in for a KDC (or any UDP+TCP service) that has hung:
#   blackhole.pl HOST PORT [PIDFILE]
# binds HOST:PORT for UDP and TCP, reads and drops every datagram, accepts
# every connection and holds it open, reading and dropping, never writing.
# Prints "listening" once both sockets are bound. Runs until killed.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($host, $port, $pidfile) = @ARGV;
die "usage: blackhole.pl HOST PORT [PIDFILE]\n" unless defined $port;
my $udp = IO::Socket::INET->new(LocalAddr => $host, LocalPort => $port, Proto => 'udp',
				ReuseAddr => 1) or die "udp $host:$port: $!\n";
my $tcp = IO::Socket::INET->new(LocalAddr => $host, LocalPort => $port, Proto => 'tcp',
				Listen => 64, ReuseAddr => 1) or die "tcp $host:$port: $!\n";
if (defined $pidfile) {
	open(my $f, '>', $pidfile) or die "$pidfile: $!\n";
	print $f "$$\n";
	close($f);
}
$| = 1;
print "listening\n";
my $sel = IO::Select->new($udp, $tcp);
my $buf;
for (;;) {
	for my $s ($sel->can_read()) {
		if ($s == $udp) {
			$udp->recv($buf, 65536);
		} elsif ($s == $tcp) {
			my $c = $tcp->accept;
			$sel->add($c) if $c;
		} elsif (!sysread($s, $buf, 65536)) {
			$sel->remove($s);
			close($s);
		}
	}
}
