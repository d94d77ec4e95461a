/*
 * status.c - see status.h.
 */
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/file.h"
#include "../common/limits.h"

void hs_status_path(const char *state_dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/" HS_STATUS_FILE, state_dir);
}

void hs_status_json_path(const char *state_dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/" HS_STATUS_JSON_FILE, state_dir);
}

static const char *const phase_names[HS_PHASES] = {
    [HS_PHASE_STARTING] = "starting",
    [HS_PHASE_RUNNING] = "running",
    [HS_PHASE_DRAINING] = "draining",
    [HS_PHASE_DRAINING_WRITERS] = "draining-writers",
    [HS_PHASE_STOPPED] = "stopped",
};

const char *hs_phase_name(enum hs_phase phase)
{
    return (unsigned)phase < HS_PHASES ? phase_names[phase] : "unknown";
}

/* ---- the table ---- */

static void format_optional(char *out, size_t cap, long long value, long long of)
{
    if (value < 0)
        snprintf(out, cap, "-");
    else if (of >= 0)
        snprintf(out, cap, "%lld/%lld", value, of);
    else
        snprintf(out, cap, "%lld", value);
}

static void render_row(const struct hs_status_row *r, struct hs_buf *b)
{
    char ring[48], lag_text[24], pid[24], up[24];
    format_optional(ring, sizeof ring, r->ring_fill, r->ring_cap);
    format_optional(lag_text, sizeof lag_text, r->lag, -1);
    format_optional(pid, sizeof pid, r->pid > 0 ? r->pid : -1, -1);
    if (r->pid > 0)
        snprintf(up, sizeof up, "%lds", r->uptime_s);
    else
        snprintf(up, sizeof up, "-");
    hs_buf_printf(b, "%-14s %7s %-10s %8d %8s %10llu %10llu %8.0f %6llu %11s %6s  %s\n", r->role,
                  pid, r->state, r->restarts, up, (unsigned long long)r->records_in,
                  (unsigned long long)r->records_out, r->rate,
                  (unsigned long long)r->dead_letters, ring, lag_text, r->last_exit);
}

void hs_status_render_table(const struct hs_status *st, struct hs_buf *b)
{
    hs_buf_printf(b, "housingsup %s: pid %d, phase %s, up %ld s, config %s, csv %s, topic %s, "
                  "table %s, writers %d, batch_size %d, dead letters %llu\n", st->state, st->pid,
                  hs_phase_name(st->phase), st->uptime_s, st->config, st->csv, st->topic,
                  st->table, st->writers, st->batch_size, (unsigned long long)st->dead_letters);
    hs_buf_printf(b, "health: %s%s%s%s\n", st->health, st->health_reason[0] ? " (" : "",
                  st->health_reason, st->health_reason[0] ? ")" : "");
    hs_buf_printf(b, "%-14s %7s %-10s %8s %8s %10s %10s %8s %6s %11s %6s  %s\n", "ROLE", "PID",
                  "STATE", "RESTARTS", "UPTIME", "IN", "OUT", "RATE/s", "DEAD", "RING", "LAG",
                  "LAST EXIT");
    for (int i = 0; i < st->nrows; i++)
        render_row(&st->rows[i], b);
    for (int i = 0; i < st->nrows; i++)
        if (st->rows[i].reason[0] != '\0')
            hs_buf_printf(b, "  %s %s: %s\n", st->rows[i].role, st->rows[i].state,
                          st->rows[i].reason);
    if (st->npartitions == 0)
        return;
    hs_buf_printf(b, "consumer lag by partition of %s:", st->topic);
    for (int i = 0; i < st->npartitions; i++) {
        char lag[24];
        format_optional(lag, sizeof lag, st->partitions[i].lag, -1);
        hs_buf_printf(b, " %d=%s", st->partitions[i].partition, lag);
    }
    hs_buf_puts(b, "\n");
}

/* ---- JSON ---- */

/* NULL as "": the endpoint may be asked before the first snapshot is taken. */
static void json_string(struct hs_buf *b, const char *s)
{
    hs_buf_json_string(b, s ? s : "", s ? strlen(s) : 0);
}

static void json_optional(struct hs_buf *b, const char *key, long long value)
{
    if (value < 0)
        hs_buf_printf(b, ",\"%s\":null", key);
    else
        hs_buf_printf(b, ",\"%s\":%lld", key, value);
}

static void json_row(const struct hs_status_row *r, struct hs_buf *b)
{
    hs_buf_puts(b, "{\"role\":");
    json_string(b, r->role);
    json_optional(b, "pid", r->pid > 0 ? r->pid : -1);
    hs_buf_puts(b, ",\"state\":");
    json_string(b, r->state);
    hs_buf_printf(b, ",\"restarts\":%d", r->restarts);
    json_optional(b, "uptime_s", r->pid > 0 ? r->uptime_s : -1);
    hs_buf_printf(b, ",\"records_in\":%llu,\"records_out\":%llu,\"rate\":%.1f,\"dead_letters\":%llu",
                  (unsigned long long)r->records_in, (unsigned long long)r->records_out, r->rate,
                  (unsigned long long)r->dead_letters);
    json_optional(b, "ring_fill", r->ring_fill);
    json_optional(b, "ring_capacity", r->ring_cap);
    json_optional(b, "lag", r->lag);
    hs_buf_puts(b, ",\"last_exit\":");
    json_string(b, r->last_exit);
    hs_buf_puts(b, ",\"reason\":");
    json_string(b, r->reason);
    hs_buf_printf(b, ",\"idle_s\":%ld,\"watchdog_kills\":%d", r->idle_s, r->watchdog_kills);
    hs_buf_puts(b, "}");
}

void hs_status_render_json_members(const struct hs_status *st, struct hs_buf *b)
{
    hs_buf_puts(b, "\"state\":");
    json_string(b, st->state);
    hs_buf_printf(b, ",\"pid\":%d,\"uptime_s\":%ld,\"phase\":\"%s\",\"config\":", st->pid,
                  st->uptime_s, hs_phase_name(st->phase)); /* a name needs no escaping */
    json_string(b, st->config);
    hs_buf_puts(b, ",\"csv\":");
    json_string(b, st->csv);
    hs_buf_puts(b, ",\"topic\":");
    json_string(b, st->topic);
    hs_buf_puts(b, ",\"table\":");
    json_string(b, st->table);
    hs_buf_printf(b, ",\"writers\":%d,\"batch_size\":%d,\"dead_letters\":%llu", st->writers,
                  st->batch_size, (unsigned long long)st->dead_letters);
    json_optional(b, "lag", st->lag);
    hs_buf_puts(b, ",\"health\":");
    json_string(b, st->health);
    hs_buf_puts(b, ",\"health_reason\":");
    json_string(b, st->health_reason);
    hs_buf_puts(b, ",\"children\":[");
    for (int i = 0; i < st->nrows; i++) {
        if (i > 0)
            hs_buf_puts(b, ",");
        json_row(&st->rows[i], b);
    }
    hs_buf_puts(b, "],\"partitions\":[");
    for (int i = 0; i < st->npartitions; i++) {
        hs_buf_printf(b, "%s{\"partition\":%d", i > 0 ? "," : "", st->partitions[i].partition);
        json_optional(b, "lag", st->partitions[i].lag);
        hs_buf_puts(b, "}");
    }
    hs_buf_puts(b, "]");
}

void hs_status_render_json(const struct hs_status *st, struct hs_buf *b)
{
    hs_buf_puts(b, "{");
    hs_status_render_json_members(st, b);
    hs_buf_puts(b, "}\n");
}

/* ---- files ---- */

/* Where the string that starts at p (after its opening quote) ends: its
 * closing quote, or NULL when the text ends first. */
static const char *string_end(const char *p)
{
    while (*p != '\0' && *p != '"')
        p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
    return *p == '"' ? p : NULL;
}

/* After a member's key: ": \"WORD\"", WORD copied to out. */
static int string_value(const char *p, char *out, size_t cap)
{
    p += strspn(p, " \t\r\n");
    if (*p++ != ':')
        return -1;
    p += strspn(p, " \t\r\n");
    const char *end = *p == '"' ? string_end(p + 1) : NULL;
    if (end == NULL)
        return -1;
    size_t len = (size_t)(end - p - 1);
    if (len >= cap || memchr(p + 1, '\\', len) != NULL)
        return -1;
    snprintf(out, cap, "%.*s", (int)len, p + 1);
    return 0;
}

/* Strings are skipped whole, so a key is a string at depth 1 that follows
 * '{' or ',': text inside another string (a path, a reason) or a member of
 * a child's object never matches. */
int hs_status_json_member(const char *text, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    int depth = 0;
    char prev = '\0'; /* the last character outside strings that is not white space */
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"') {
            const char *end = string_end(p + 1);
            if (end == NULL)
                return -1;
            if (depth == 1 && (prev == '{' || prev == ',') && (size_t)(end - p - 1) == klen &&
                memcmp(p + 1, key, klen) == 0)
                return string_value(end + 1, out, cap);
            p = end;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        }
        if (strchr(" \t\r\n", *p) == NULL)
            prev = *p;
    }
    return -1;
}

/* The whole of a state directory's status.json, NUL-terminated, in b. */
static int read_json(const char *state_dir, struct hs_buf *b)
{
    char path[4096], chunk[4096];
    hs_status_json_path(state_dir, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        hs_buf_append(b, chunk, n);
    fclose(f);
    hs_buf_append(b, "", 1);
    return hs_buf_failed(b) ? -1 : 0;
}

static int read_member(const char *state_dir, const char *key, char *out, size_t cap)
{
    struct hs_buf b = {0};
    int rc = read_json(state_dir, &b) == 0 ? hs_status_json_member(b.data, key, out, cap) : -1;
    hs_buf_free(&b);
    return rc;
}

int hs_status_read_state(const char *state_dir, char *out, size_t cap)
{
    return read_member(state_dir, "state", out, cap);
}

int hs_status_read_health(const char *state_dir, char *out, size_t cap)
{
    return read_member(state_dir, "health", out, cap);
}

static int write_buf(const char *path, const struct hs_buf *b, char *err, size_t errlen)
{
    if (!hs_buf_failed(b))
        return hs_file_write_atomic(path, b->data, b->len, err, errlen);
    snprintf(err, errlen, "cannot write %s: out of memory", path);
    return -1;
}

int hs_status_write(const char *state_dir, const struct hs_status *st, char *err, size_t errlen)
{
    char path[4096];
    struct hs_buf b = {0};
    hs_status_render_table(st, &b);
    hs_status_path(state_dir, path, sizeof path);
    int rc = write_buf(path, &b, err, errlen);
    hs_buf_reset(&b);
    hs_status_render_json(st, &b);
    hs_status_json_path(state_dir, path, sizeof path);
    if (rc == 0)
        rc = write_buf(path, &b, err, errlen);
    hs_buf_free(&b);
    return rc;
}
