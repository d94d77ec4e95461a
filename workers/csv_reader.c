/*
 * csv_reader.c - the CSV reader: turns the configured file into items on the
 * CSV ring, marking every batch_size-th record as the end of a micro-batch.
 *
 * Where to start: a restarted reader continues after the last item its
 * predecessor published (the ring's last slot says where that line ended);
 * a reader on fresh rings continues from the checkpoint the publisher keeps.
 * Each item is held back until the next line is read, so the final item of
 * the file can still be marked as the end of its (short) batch.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../supervisor/exitcodes.h"
#include "../supervisor/log.h"
#include "checkpoint.h"
#include "csv.h"
#include "worker.h"

struct reader {
    struct hs_worker *w;
    FILE *file;
    const char *path;
    char src[HS_SRC_MAX];
    struct hs_csv_header header;
    uint64_t line;   /* number of the last line read */
    uint64_t offset; /* byte offset just past it */
    uint32_t in_batch;
    uint64_t records;     /* records read by this process, for pacing */
    int64_t started_us;
    struct hs_item pending;
    bool has_pending;
};

/* Publishes an item, waiting while the ring is full. False if we must exit. */
static bool push(struct reader *r, const struct hs_item *item)
{
    struct hs_ring *ring = r->w->seg->csv_ring;
    void *slot;
    while ((slot = hs_ring_reserve(ring, 100)) == NULL)
        if (hs_worker_orphaned(r->w))
            return false;
    memcpy(slot, item, sizeof *item);
    hs_ring_publish(ring);
    atomic_fetch_add_explicit(&r->w->stats->records_out, 1, memory_order_relaxed);
    return true;
}

static bool flush_pending(struct reader *r, bool end_of_batch)
{
    if (!r->has_pending)
        return true;
    if (end_of_batch)
        r->pending.flags |= HS_ITEM_END_OF_BATCH;
    r->has_pending = false;
    return push(r, &r->pending);
}

static void make_item(struct reader *r, const char *text, size_t len, struct hs_item *item)
{
    char why[HS_REASON_MAX];
    memset(item, 0, offsetof(struct hs_item, u));
    item->line = r->line;
    item->end_offset = r->offset;
    item->read_us = hs_now_us();
    memcpy(item->src, r->src, sizeof item->src);
    if (hs_csv_parse_record(text, len, &r->header, item->u.values, why, sizeof why) == 0) {
        item->kind = HS_ITEM_ROW;
        return;
    }
    item->kind = HS_ITEM_DEAD;
    snprintf(item->u.dead.reason, HS_REASON_MAX, "%s", why);
    item->u.dead.raw_len = (uint32_t)(len < HS_RAW_MAX ? len : HS_RAW_MAX);
    memcpy(item->u.dead.raw, text, item->u.dead.raw_len);
    hs_warn("%s:%llu: %s (sent to the dead-letter table)", r->path,
            (unsigned long long)r->line, why);
    atomic_fetch_add_explicit(&r->w->stats->dead_letters, 1, memory_order_relaxed);
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Reads one line into *buf; returns its length without the newline, or -1 at EOF. */
static ssize_t read_line(struct reader *r, char **buf, size_t *cap)
{
    ssize_t n = getline(buf, cap, r->file);
    if (n < 0)
        return -1;
    r->line++;
    r->offset += (uint64_t)n;
    if (n > 0 && (*buf)[n - 1] == '\n')
        n--;
    return n;
}

static int read_header(struct reader *r, char **buf, size_t *cap)
{
    char why[256];
    ssize_t n = read_line(r, buf, cap);
    if (n < 0) {
        hs_error("%s: the file is empty (a header row naming the 14 columns is required)", r->path);
        return -1;
    }
    if (hs_csv_parse_header(*buf, (size_t)n, &r->header, why, sizeof why) != 0) {
        hs_error("%s:1: %s", r->path, why);
        return -1;
    }
    return 0;
}

/* Where the previous reader stopped: the last published item, else the checkpoint. */
static void find_start(struct reader *r, uint64_t *offset, uint64_t *line)
{
    const struct hs_item *last = hs_ring_last_published(r->w->seg->csv_ring);
    struct hs_checkpoint cp;
    char cp_path[PATH_MAX + 32];
    struct stat st;
    *offset = 0;
    *line = 0;
    if (last != NULL) {
        *offset = last->end_offset;
        *line = last->line;
        return;
    }
    hs_checkpoint_path(r->w->cfg->state_dir, cp_path, sizeof cp_path);
    if (hs_checkpoint_read(cp_path, &cp) == 0 && fstat(fileno(r->file), &st) == 0 &&
        cp.dev == (uint64_t)st.st_dev && cp.ino == (uint64_t)st.st_ino &&
        cp.offset <= (uint64_t)st.st_size) {
        *offset = cp.offset;
        *line = cp.line;
    }
}

static int seek_to_start(struct reader *r)
{
    uint64_t offset, line;
    find_start(r, &offset, &line);
    if (offset <= r->offset)
        return 0; /* nothing read yet beyond the header */
    if (fseeko(r->file, (off_t)offset, SEEK_SET) != 0) {
        hs_error("%s: cannot seek to byte %llu: %s", r->path, (unsigned long long)offset,
                 strerror(errno));
        return -1;
    }
    hs_info("%s: resuming after line %llu (byte %llu)", r->path, (unsigned long long)line,
            (unsigned long long)offset);
    r->offset = offset;
    r->line = line;
    return 0;
}

/* With rate_limit set, sleeps until record number `records` is due. */
static void pace(struct reader *r)
{
    int limit = r->w->cfg->rate_limit;
    if (limit <= 0)
        return;
    int64_t due = r->started_us + (int64_t)(r->records * 1000000 / (uint64_t)limit);
    int64_t ahead = due - hs_now_us();
    if (ahead > 0)
        usleep((useconds_t)ahead);
}

static int read_records(struct reader *r, char **buf, size_t *cap)
{
    r->started_us = hs_now_us();
    ssize_t n;
    while (!hs_worker_stopping(r->w) && (n = read_line(r, buf, cap)) >= 0) {
        if (blank(*buf, (size_t)n))
            continue;
        uint32_t batch = atomic_load_explicit(&r->w->seg->control->batch_size,
                                              memory_order_relaxed);
        if (!flush_pending(r, r->in_batch >= batch))
            return HS_EXIT_FAILURE;
        if (r->in_batch >= batch)
            r->in_batch = 0;
        r->records++;
        pace(r);
        make_item(r, *buf, (size_t)n, &r->pending);
        r->has_pending = true;
        r->in_batch++;
        if (hs_worker_orphaned(r->w))
            return HS_EXIT_FAILURE;
    }
    if (ferror(r->file)) {
        hs_error("%s: read failed after line %llu: %s", r->path, (unsigned long long)r->line,
                 strerror(errno));
        return HS_EXIT_FAILURE;
    }
    if (!flush_pending(r, true))
        return HS_EXIT_FAILURE;
    hs_info("%s: %s after line %llu", r->path,
            hs_worker_stopping(r->w) ? "stopped" : "reached the end", (unsigned long long)r->line);
    return HS_EXIT_OK;
}

int hs_csv_reader_main(struct hs_worker *w)
{
    struct reader r = {.w = w, .path = w->cfg->csv_path};
    char path_copy[PATH_MAX];
    snprintf(path_copy, sizeof path_copy, "%s", r.path);
    snprintf(r.src, sizeof r.src, "%s", basename(path_copy));
    r.file = fopen(r.path, "r");
    if (r.file == NULL) {
        hs_error("%s: cannot open: %s", r.path, strerror(errno));
        return HS_EXIT_FATAL;
    }
    char *buf = NULL;
    size_t cap = 0;
    int rc = HS_EXIT_FATAL;
    if (read_header(&r, &buf, &cap) == 0 && seek_to_start(&r) == 0)
        rc = read_records(&r, &buf, &cap);
    free(buf);
    fclose(r.file);
    return rc;
}
