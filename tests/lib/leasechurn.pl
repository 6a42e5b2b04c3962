#!/usr/bin/perl
# tests/lib/leasechurn.pl - continuous lease churn in Kea 2.2 memfile lease
# files, written the way kea-dhcp4/kea-dhcp6 write them (whole rows
# appended, the last row of an address wins, valid_lifetime 0 deletes) and
# rotated the way Kea's LFC rotates them (FILE -> FILE.1, new FILE, then
# FILE.2 + FILE.1 merged -> FILE.output -> FILE.completed -> FILE.2). For the
# crash-consistency soak (tests/lib/crash_soak.sh); the truth it produces is
# read back from the files (`leasesnoop --kea-leases`), never from here.
#
#   leasechurn.pl DIR SEED [INITIAL]   (INITIAL leases written at once first)
#
# Every TICK: new leases (a fifth with lifetimes of 6-20 s that simply
# expire), renewals, releases, renames, clients moving to another address,
# addresses passed to another client, declines, reclaims of expired leases;
# an LFC rotation every few seconds. Signals: USR1 writes a burst of new
# leases in one write, USR2 releases a batch of active leases in one write,
# TERM ends: every lease that would expire within 3 s of now is left alone,
# the rest are renewed for an hour (so the end state does not move), exit.
# FZ/RZ: v4 10.64.2.0-10.64.31.255, v6 fd00:64::1:0/112, names
# c<client>[r<n>]-4|6.dyn.example.
use strict;
use warnings;
use Time::HiRes qw(time sleep);

my ($dir, $seed, $initial) = @ARGV;
die "usage: leasechurn.pl DIR SEED [INITIAL]\n" unless defined $seed;
$initial //= 0;
srand($seed);

my $TICK = 0.05;
my $OPS = 2;			# operations per tick, on average
my $BURST = 400;
my $RELEASE_BATCH = 300;
my $LFC_EVERY = 6;		# s

my %hdr = (
	4 => "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n",
	6 => "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source\n",
);
my %pool = (4 => [ map { my $h = $_; map { "10.64.$h.$_" } 0 .. 255 } 2 .. 31 ],
	    6 => [ map { sprintf "fd00:64::1:%x", $_ } 1 .. 2500 ]);
# per family: address -> { client, name, valid, expire, state }
my %lease = (4 => {}, 6 => {});
my $next_client = 1;
my ($burst, $rbatch, $stop) = (0, 0, 0);
$SIG{USR1} = sub { $burst++ };
$SIG{USR2} = sub { $rbatch++ };
$SIG{TERM} = sub { $stop = 1 };

sub file { "$dir/kea-leases$_[0].csv" }

sub mac { my $c = shift; sprintf "02:%02x:%02x:%02x:%02x:%02x", ($c >> 32) & 255, ($c >> 24) & 255,
	($c >> 16) & 255, ($c >> 8) & 255, $c & 255 }

sub row {
	my ($f, $a, $l) = @_;
	my $v = $l->{valid};
	my $name = $l->{name} // "";
	my $dns = $name ne "" ? 1 : 0;
	if ($f == 4) {
		my $m = mac($l->{client});
		return "$a,$m,01:$m,$v,$l->{expire},1,$dns,$dns,$name,$l->{state},\n";
	}
	my $duid = "00:01:00:01:32:93:9c:f7:" . mac($l->{client});
	return "$a,$duid,$v,$l->{expire},1," . int($v * 3 / 4) . ",0,7,128,$dns,$dns,$name,,$l->{state},,1,2\n";
}

sub append {
	my ($f, $text) = @_;
	return unless length $text;
	open(my $fh, '>>', file($f)) or die "leasechurn: cannot open " . file($f) . ": $!\n";
	syswrite($fh, $text);	# one write: Kea writes whole rows
	close($fh);
}

sub grant {
	my ($f, $a, $client, $name, $now) = @_;
	my $v = rand() < 0.2 ? 6 + int(rand(15)) : 3600;
	my $l = { client => $client, name => $name, valid => $v, expire => int($now) + $v, state => 0 };
	$lease{$f}{$a} = $l;
	return row($f, $a, $l);
}

sub active { my ($l, $now) = @_; $l->{state} == 0 && $l->{valid} && $l->{expire} > $now }

sub pick_free {
	my ($f, $now) = @_;
	for (1 .. 20) {
		my $a = $pool{$f}[int(rand(@{ $pool{$f} }))];
		my $l = $lease{$f}{$a};
		return $a if !$l || !active($l, $now) && $l->{state} != 1;
	}
	return undef;
}

sub pick_active {
	my ($f, $now) = @_;
	my @k = keys %{ $lease{$f} };
	for (1 .. 20) {
		last unless @k;
		my $a = $k[int(rand(@k))];
		return $a if active($lease{$f}{$a}, $now);
	}
	return undef;
}

sub newname { my ($c, $f) = @_; "c$c-$f.dyn.example" }

sub op {
	my ($f, $now) = @_;
	my $x = rand();
	my ($a, $l);
	if ($x < 0.30) {				# new client, new lease
		$a = pick_free($f, $now) // return "";
		my $c = $next_client++;
		return grant($f, $a, $c, newname($c, $f), $now);
	}
	if ($x < 0.55) {				# renewal
		$a = pick_active($f, $now) // return "";
		$l = $lease{$f}{$a};
		$l->{expire} = int($now) + $l->{valid};
		return row($f, $a, $l);
	}
	if ($x < 0.67) {				# release
		$a = pick_active($f, $now) // return "";
		$l = $lease{$f}{$a};
		$l->{valid} = 0;
		return row($f, $a, $l);
	}
	if ($x < 0.72) {				# the client renames itself
		$a = pick_active($f, $now) // return "";
		$l = $lease{$f}{$a};
		$l->{name} = "c$l->{client}r" . int(rand(1000)) . "-$f.dyn.example";
		$l->{expire} = int($now) + $l->{valid};
		return row($f, $a, $l);
	}
	if ($x < 0.80) {				# the client moves: old released, new granted
		$a = pick_active($f, $now) // return "";
		my $b = pick_free($f, $now) // return "";
		$l = $lease{$f}{$a};
		my $c = $l->{client};
		my $name = $l->{name};
		$l->{valid} = 0;
		return row($f, $a, $l) . grant($f, $b, $c, $name, $now);
	}
	if ($x < 0.86) {				# the address goes to another client
		$a = pick_active($f, $now) // return "";
		$l = $lease{$f}{$a};
		$l->{valid} = 0;
		my $t = row($f, $a, $l);
		my $c = $next_client++;
		return $t . grant($f, $a, $c, newname($c, $f), $now);
	}
	if ($x < 0.88) {				# declined
		$a = pick_active($f, $now) // return "";
		$l = $lease{$f}{$a};
		$l->{state} = 1;
		$l->{name} = "";
		return row($f, $a, $l);
	}
	# Kea reclaims an expired lease (state expired-reclaimed)
	for my $k (keys %{ $lease{$f} }) {
		$l = $lease{$f}{$k};
		next unless $l->{state} == 0 && $l->{valid} && $l->{expire} <= $now;
		$l->{state} = 2;
		return row($f, $k, $l);
	}
	return "";
}

# LFC as Kea runs it; the concatenation of FILE.2 and FILE.1 is a valid
# (if uncompacted) merge: the reader applies rows in order, last wins
sub lfc {
	my $f = shift;
	my $p = file($f);
	return if -e "$p.1";
	rename($p, "$p.1") or return;
	append($f, $hdr{$f});
	my $out = "";
	for my $src ("$p.2", "$p.1") {
		next unless -e $src;
		open(my $in, '<', $src) or next;
		my $first = 1;
		while (my $line = <$in>) {
			if ($first) { $first = 0; $out = $line if $out eq ""; next; }
			$out .= $line;
		}
		close($in);
	}
	open(my $o, '>', "$p.output") or return;
	print $o $out;
	close($o);
	rename("$p.output", "$p.completed");
	unlink("$p.2", "$p.1");
	rename("$p.completed", "$p.2");
}

for my $f (4, 6) {
	append($f, $hdr{$f}) unless -e file($f);
}
if ($initial) {
	my $now = time;
	for my $f (4, 6) {
		my $t = "";
		my $n = $f == 4 ? $initial : int($initial / 3);
		for (1 .. $n) {
			my $a = pick_free($f, $now) // last;
			my $c = $next_client++;
			$t .= grant($f, $a, $c, newname($c, $f), $now);
		}
		append($f, $t);
	}
}

my $next_lfc = time + $LFC_EVERY;
while (!$stop) {
	my $now = time;
	my %out = (4 => "", 6 => "");
	for (1 .. int(rand(2 * $OPS + 1))) {
		my $f = rand() < 0.75 ? 4 : 6;
		$out{$f} .= op($f, $now);
	}
	if ($burst) {
		$burst--;
		for (1 .. $BURST) {
			my $f = rand() < 0.8 ? 4 : 6;
			my $a = pick_free($f, $now) // next;
			my $c = $next_client++;
			$out{$f} .= grant($f, $a, $c, newname($c, $f), $now);
		}
	}
	if ($rbatch) {
		$rbatch--;
		for my $f (4, 6) {
			my $n = $f == 4 ? $RELEASE_BATCH : int($RELEASE_BATCH / 4);
			for my $a (keys %{ $lease{$f} }) {
				last if $n <= 0;
				my $l = $lease{$f}{$a};
				next unless active($l, $now);
				$l->{valid} = 0;
				$out{$f} .= row($f, $a, $l);
				$n--;
			}
		}
	}
	append($_, $out{$_}) for 4, 6;
	if ($now >= $next_lfc) {
		lfc($_) for 4, 6;
		$next_lfc = $now + $LFC_EVERY;
	}
	sleep($TICK);
}

# the end: nothing that would expire soon after is left to move the truth
my $now = time;
for my $f (4, 6) {
	my $t = "";
	for my $a (keys %{ $lease{$f} }) {
		my $l = $lease{$f}{$a};
		next unless active($l, $now) && $l->{expire} > $now + 3;
		$l->{valid} = 3600;
		$l->{expire} = int($now) + 3600;
		$t .= row($f, $a, $l);
	}
	append($f, $t);
}
exit 0;
