#!/usr/bin/perl
# tests/lib/hostile.pl - clients that misbehave towards leasesnoop's control
# socket and /metrics, and a plain control command, for the integ tier:
#   hostile.pl idle PATH SECS       connect and send nothing; reconnect when dropped
#   hostile.pl slow PATH SECS       send a command one byte every 0.5 s; reconnect when dropped
#   hostile.pl garbage PATH SECS    send garbage bytes; reconnect when answered or dropped
#   hostile.pl tcp-idle HOST PORT N SECS   hold N idle TCP connections (prints "held N")
#   hostile.pl ctl PATH COMMAND     send {"command": COMMAND}, print the answer
# Each runs until SECS have passed (or its parent kills it).
use strict;
use warnings;
use IO::Socket::UNIX;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

$SIG{PIPE} = 'IGNORE';
my $mode = shift // die "usage\n";

sub unix_conn {
	my ($path) = @_;
	return IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path);
}

if ($mode eq 'ctl') {
	my ($path, $cmd) = @ARGV;
	my $s = unix_conn($path) or die "connect $path: $!\n";
	print $s qq({"command": "$cmd"});
	shutdown($s, 1);
	local $/;
	my $a = <$s>;
	print $a // '';
	exit(defined $a && length $a ? 0 : 1);
}

if ($mode eq 'tcp-idle') {
	my ($host, $port, $n, $secs) = @ARGV;
	my @held;
	for (1 .. $n) {
		my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
					      Timeout => 5);
		push @held, $s if $s;
	}
	print "held " . scalar(@held) . "\n";
	STDOUT->flush();
	sleep($secs);
	exit 0;
}

my ($path, $secs) = @ARGV;
my $end = time() + $secs;
my $cmd = '{"command": "status-get"}';
while (time() < $end) {
	my $s = unix_conn($path);
	if (!$s) { sleep(0.1); next; }
	$s->blocking(0);
	my $i = 0;
	while (time() < $end) {
		my $buf;
		my $r = sysread($s, $buf, 4096);
		last if defined $r;	# answered or dropped (EOF): connect again
		if ($mode eq 'slow') {
			last unless defined syswrite($s, substr($cmd, $i++ % length($cmd), 1));
			sleep(0.5);
		} elsif ($mode eq 'garbage') {
			last unless defined syswrite($s, join('', map { chr(int(rand(256))) } 1 .. 64));
			sleep(0.05);
		} else {
			sleep(0.1);
		}
	}
	close($s);
}
exit 0;
