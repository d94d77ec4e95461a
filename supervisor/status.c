/*
 * status.c - see status.h.
 */
#include "status.h"

#include <stdio.h>

void hs_status_path(const char *state_dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/status", state_dir);
}

static void format_optional(char *out, size_t cap, long long value, long long of)
{
    if (value < 0)
        snprintf(out, cap, "-");
    else if (of >= 0)
        snprintf(out, cap, "%lld/%lld", value, of);
    else
        snprintf(out, cap, "%lld", value);
}

int hs_status_write(const char *path, const char *headline, const struct hs_status_row *rows,
                    int n)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%s\n", headline);
    fprintf(f, "%-14s %7s %-9s %8s %8s %10s %10s %6s %11s %6s  %s\n", "ROLE", "PID", "STATE",
            "RESTARTS", "UPTIME", "IN", "OUT", "DEAD", "RING", "LAG", "LAST EXIT");
    for (int i = 0; i < n; i++) {
        const struct hs_status_row *r = &rows[i];
        char ring[48], lag[24], pid[24], up[24];
        format_optional(ring, sizeof ring, r->ring_fill, r->ring_cap);
        format_optional(lag, sizeof lag, r->lag, -1);
        format_optional(pid, sizeof pid, r->pid > 0 ? r->pid : -1, -1);
        if (r->pid > 0)
            snprintf(up, sizeof up, "%lds", r->uptime_s);
        else
            snprintf(up, sizeof up, "-");
        fprintf(f, "%-14s %7s %-9s %8d %8s %10llu %10llu %6llu %11s %6s  %s\n", r->role, pid,
                r->state, r->restarts, up, (unsigned long long)r->records_in,
                (unsigned long long)r->records_out, (unsigned long long)r->dead_letters, ring,
                lag, r->last_exit);
    }
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}
