// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/fuzz/fuzz_config.c - libFuzzer target for the configuration file:
 * comment stripping, jansson, the table walk of user/ctl/confread.c and the
 * line finder that re-reads the text on every error. Any input must be
 * either loaded or rejected with a message, never crash or read out of
 * bounds. The input goes through config_load() itself, as a memfd.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "user/common/log.h"
#include "user/ctl/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	char path[64];
	int fd;

	log_set_level(LOG_LVL_ERR);
	fd = memfd_create("fuzz_config", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!config_load(path, &c))
			config_free(c);
	}
	close(fd);
	return 0;
}
