/* fuzz_input.h — for the reader harnesses: the fuzzer's bytes as a file
 * the readers can open by name (they take paths, not buffers). A memfd
 * named through /dev/fd, so nothing touches the disk. Header-only: each
 * harness is its own program. */
#ifndef KAM_FUZZ_INPUT_H
#define KAM_FUZZ_INPUT_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Writes data to a fresh memfd, rewound; its path goes to path. -1 on
 * failure (the harness then skips the input). */
static int fuzz_input_file(const uint8_t *data, size_t size, char *path, size_t len)
{
    int fd = memfd_create("kam-fuzz", 0);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    lseek(fd, 0, SEEK_SET);
    snprintf(path, len, "/dev/fd/%d", fd);
    return fd;
}

#endif
