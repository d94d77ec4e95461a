/*
 * status.h - the status file: the supervisor rewrites it twice a second
 * (write to a temporary file, then rename), so `housingsup status` always
 * reads one whole, consistent record and never talks to the live process.
 */
#ifndef HS_STATUS_H
#define HS_STATUS_H

#include <stddef.h>
#include <stdint.h>

struct hs_status_row {
    const char *role;
    int pid;                /* 0 when not running */
    const char *state;
    int restarts;
    long uptime_s;
    uint64_t records_in, records_out, dead_letters;
    long long lag;          /* -1 when not applicable */
    long ring_fill, ring_cap; /* -1 when the role has no input ring */
    const char *last_exit;
};

void hs_status_path(const char *state_dir, char *out, size_t cap);
/* Writes `headline` and a table of rows. Returns 0, or -1 with errno set. */
int hs_status_write(const char *path, const char *headline, const struct hs_status_row *rows,
                    int n);

#endif
