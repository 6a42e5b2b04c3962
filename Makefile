# SPDX-License-Identifier: GPL-2.0-only
# leasesnoop - build, test and benchmark. See README.md; `make help` lists targets.
OUTPUT  := .output
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
PKGS    := libbpf libxdp ldns libcrypto libpcap zlib lmdb jansson libmicrohttpd libpq libmariadb \
           krb5-gssapi krb5
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -Wmissing-prototypes -I. -I$(OUTPUT) -MMD -MP -D_GNU_SOURCE \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lm
# BPF builds drop -Wmissing-prototypes: SEC() entry points have no prototypes.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARN) -I. -MMD -MP
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 | sed -n \
  '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Every user/**/*.c except main.c is a module linked into libls.a; tests and
# tools link that library, so adding a module needs no Makefile change.
# The parts of user/ and their order are in tools/layers.sh (`make layers`).
USER_PARTS := common wire lease kea dns ctl sync
LIB_SRCS   := $(filter-out user/main.c,$(wildcard user/*.c)) \
              $(foreach p,$(USER_PARTS),$(wildcard user/$(p)/*.c)) $(wildcard ringbuf/*.c)
LIB_OBJS   := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
SAN_OBJS   := $(patsubst %.c,$(OUTPUT)/san/%.o,$(LIB_SRCS))
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(wildcard tests/unit/*/test_*.c))
BPFT_BINS  := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))
# BPF objects the integ tier attaches as other tools' programs
BPFT_OBJS  := $(patsubst tests/bpf/%.bpf.c,$(OUTPUT)/tests/bpf/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS:= $(patsubst tests/fuzz/%.c,$(OUTPUT)/tests/fuzz/replay_%,$(FUZZ_SRCS))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
TOOL_BINS  := $(patsubst tools/%.c,$(OUTPUT)/tools/%,$(wildcard tools/*.c))
SHELL_TESTS = $(sort $(wildcard tests/corpus/*.sh)) tests/fuzz/seeds.sh $(sort $(wildcard tests/integ/*.sh))
# The QEMU tier: the kernel-side tests (tests/kernels/guest.list) on Debian's
# 6.1 and 6.12 kernel images, both guests at once, one vCPU each; `check` runs
# it after the other tiers, alone, so its two guests do not starve timed tests.
KERNEL_TESTS := tests/kernels/run.sh
FUZZ_SECONDS ?= 60
# Two test files at a time: every tier is parallel-safe (temp dirs from
# mktemp, free ports from lab_dns_free_port, namespaces named per process,
# fixed ports only inside a namespace the test created). PROVE_FLAGS= runs serially.
PROVE_FLAGS ?= -j2

export LS_TOP := $(CURDIR)
export LS_OUTPUT := $(CURDIR)/$(OUTPUT)
export CMOCKA_MESSAGE_OUTPUT := TAP

.PHONY: check-tiers all deps check check-fast check-kernels bench bench-scale demo fuzz clean help test-bins layers install
all: leasesnoop $(TOOL_BINS)

help:
	@echo "targets: deps all check check-kernels check-fast demo bench bench-scale fuzz clean   (V=1 shows commands)"

deps:
	$(Q)sh tools/deps.sh

$(OUTPUT) $(OUTPUT)/san $(OUTPUT)/tests/unit $(OUTPUT)/tests/bpf $(OUTPUT)/tests/fuzz $(OUTPUT)/fuzz $(OUTPUT)/tools:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@
$(OUTPUT)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c | $(OUTPUT)/tests/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@
$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/%.o: %.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -c $< -o $@
$(OUTPUT)/san/%.o: %.c | $(OUTPUT)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $(SAN) -c $< -o $@

# Generated headers: say so explicitly (the .d files only exist after a build).
$(OUTPUT)/user/wire/loader.o $(OUTPUT)/san/user/wire/loader.o: $(SKELS)

$(OUTPUT)/libls.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
$(OUTPUT)/san/libls.a: $(SAN_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

leasesnoop: $(OUTPUT)/user/main.o $(OUTPUT)/libls.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# `make install [DESTDIR=…] [PREFIX=/usr/local]`: the binary, the man pages,
# the systemd unit (its ExecStart pointed at this SBINDIR) and an example
# configuration; the Debian package (debian/) installs through this.
PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/leasesnoop
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
install: leasesnoop
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 755 leasesnoop $(DESTDIR)$(SBINDIR)/leasesnoop
	$(Q)install -D -m 644 doc/leasesnoop.8 $(DESTDIR)$(MANDIR)/man8/leasesnoop.8
	$(Q)install -D -m 644 doc/leasesnoop.conf.5 $(DESTDIR)$(MANDIR)/man5/leasesnoop.conf.5
	$(Q)install -D -m 644 doc/leasesnoop.conf.example $(DESTDIR)$(DOCDIR)/examples/leasesnoop.conf
	$(Q)install -D -m 644 doc/grafana-dashboard.json $(DESTDIR)$(DOCDIR)/examples/grafana-dashboard.json
	$(Q)install -d -m 755 $(DESTDIR)$(UNITDIR)
	$(Q)sed 's|/usr/sbin/leasesnoop|$(SBINDIR)/leasesnoop|' tools/leasesnoop.service \
		> $(DESTDIR)$(UNITDIR)/leasesnoop.service && chmod 644 $(DESTDIR)$(UNITDIR)/leasesnoop.service

$(OUTPUT)/tools/%: tools/%.c $(OUTPUT)/libls.a $(SKELS) | $(OUTPUT)/tools
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $< $(OUTPUT)/libls.a $(LDLIBS) -o $@

# unit tier: sanitized, no privileges
$(OUTPUT)/tests/unit/%: tests/unit/%.c $(OUTPUT)/san/libls.a | $(OUTPUT)/tests/unit
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $(SAN) $< $(OUTPUT)/san/libls.a $(LDLIBS) -lcmocka -o $@
# bpf tier: the real skeleton, prog-test-run
$(OUTPUT)/tests/bpf/%: tests/bpf/%.c $(OUTPUT)/libls.a $(SKELS) | $(OUTPUT)/tests/bpf
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $< $(OUTPUT)/libls.a $(LDLIBS) -lcmocka -o $@
# fuzz targets: a sanitized replay build for `make check`, libFuzzer for `make fuzz`
$(OUTPUT)/tests/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(OUTPUT)/san/libls.a | $(OUTPUT)/tests/fuzz
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $< tests/fuzz/replay_main.c $(OUTPUT)/san/libls.a $(LDLIBS) -o $@
# libFuzzer: the library is built once with clang and coverage
# instrumentation (fuzzer-no-link), then each target links it.
FUZZ_SAN   := -fsanitize=address,undefined -fno-omit-frame-pointer
FUZZ_OBJS  := $(patsubst %.c,$(OUTPUT)/fuzz/obj/%.o,$(LIB_SRCS))
$(OUTPUT)/fuzz/obj/%.o: %.c | $(OUTPUT)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@
$(OUTPUT)/fuzz/obj/user/wire/loader.o: $(SKELS)
$(OUTPUT)/fuzz/libls.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(OUTPUT)/fuzz/libls.a | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(filter-out -MMD -MP,$(CFLAGS)) $(FUZZ_SAN) -fsanitize=fuzzer $< $(OUTPUT)/fuzz/libls.a $(LDLIBS) -o $@

# The layering of user/ (DESIGN.md "Parts"): fails when a lower part
# includes a higher one, e.g. the lease source including the DNS engine.
layers:
	$(Q)sh tools/layers.sh
	$(Q)perl tools/msgids.pl --check	# every warning and error has its stable ID

test-bins: layers leasesnoop $(TOOL_BINS) $(UNIT_BINS) $(BPFT_BINS) $(BPFT_OBJS) $(REPLAY_BINS) $(BPF_OBJS)

check: deps
	$(Q)$(MAKE) --no-print-directory check-tiers
	$(Q)prove -e '' $(KERNEL_TESTS)

# every tier but the QEMU one, without make deps (a machine already set up)
# A failing shell test's subtests and diagnostics are printed again after
# prove's summary (tests/lib/tap.sh LS_TAP_FAILLOG): CI shows the end of the log.
TAP_FAILLOG = $(abspath $(OUTPUT))/tap-failures.log
check-tiers: test-bins
	$(Q)rm -f $(TAP_FAILLOG)
	$(Q)LS_TAP_FAILLOG=$(TAP_FAILLOG) prove -e '' $(PROVE_FLAGS) $(UNIT_BINS) $(BPFT_BINS) $(SHELL_TESTS) || \
		{ echo "== failed shell subtests ($(TAP_FAILLOG)) =="; tail -n 60 $(TAP_FAILLOG) 2>/dev/null; exit 1; }

check-kernels: deps
	$(Q)$(MAKE) --no-print-directory test-bins
	$(Q)prove -v $(KERNEL_TESTS)

check-fast: test-bins
	$(Q)prove -e '' $(PROVE_FLAGS) $(UNIT_BINS) $(sort $(wildcard tests/corpus/*.sh))

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tools/lab/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all test-bins
	$(Q)sh tools/bench/run.sh

# issue 15's whole-site benchmark at N leases (`make bench` runs it at
# LS_SCALE_N, 250,000); N=1000000 takes about half an hour: run it nice'd
bench-scale: deps
	$(Q)$(MAKE) --no-print-directory all test-bins
	$(Q)nice sh tools/bench/scale.sh $(or $(N),250000)

# Every target runs for its whole FUZZ_SECONDS, findings or not: libFuzzer
# in fork mode keeps going past a crash, leak or timeout and leaves each
# input in $(OUTPUT)/fuzz/findings-<target>/; the targets with findings are
# listed and the run fails at the end.
fuzz: $(FUZZ_BINS)
	$(Q)failed=""; for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); seeds=tests/fuzz/seeds/$${n#fuzz_}; \
		mkdir -p $(OUTPUT)/fuzz/corpus-$$n $(OUTPUT)/fuzz/findings-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		rm -f $(OUTPUT)/fuzz/findings-$$n/*; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -fork=1 \
			-ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
			-artifact_prefix=$(OUTPUT)/fuzz/findings-$$n/ \
			$(OUTPUT)/fuzz/corpus-$$n $$seeds || failed="$$failed $$n"; \
		[ -z "$$(ls -A $(OUTPUT)/fuzz/findings-$$n)" ] || \
			case "$$failed " in *" $$n "*) ;; *) failed="$$failed $$n";; esac; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: findings in:$$failed (see $(OUTPUT)/fuzz/findings-*)"; exit 1; fi; \
	echo "fuzz: every target ran $(FUZZ_SECONDS)s clean"

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) leasesnoop

-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
.DELETE_ON_ERROR:
.SECONDARY:
