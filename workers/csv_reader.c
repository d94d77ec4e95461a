/*
 * csv_reader.c - the CSV reader: turns csv_path into items on the CSV ring,
 * marking every batch_size-th record, and the last record of each file, as
 * the end of a micro-batch (a Kafka message never mixes two files).
 *
 * What it reads:
 *   - csv_path is a file: that file. With follow = true it then waits for
 *     lines appended to it, and when the path is replaced (rotated, removed
 *     and created again, or truncated) it finishes the old file and reads the
 *     new one as the next generation: source name "<name>~1", "~2", ...
 *   - csv_path is a directory: its *.csv and *.csv.gz files in name order. With follow it
 *     reads new ones as they are moved in. A file that appears with a name
 *     sorting before one already read is reported and left alone.
 *
 * Following waits on inotify (file_watch.h): the file for writes, truncation,
 * renaming and removal, its directory for the path created again; or, in
 * directory mode, the directory for files moved in or written. A slow poll
 * (FOLLOW_POLL_MS, DIRECTORY_POLL_MS) stays beneath it for what inotify does
 * not see. What has been read goes out at once, without waiting for a full
 * batch: a line appended alone is in Kafka in milliseconds.
 *
 * Where to start: a restarted reader continues after the last item its
 * predecessor published (the ring's last slot says which file, and where in
 * it, that line ended); a reader on fresh rings continues from the
 * checkpoint the publisher keeps. Either names the file by device and inode,
 * so a file rotated away meanwhile is found again and finished first.
 * Each item is held back until the next line is read, so the final item of
 * a file can still be marked as the end of its (short) batch.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/exitcodes.h"
#include "../common/log.h"
#include "checkpoint.h"
#include "csv_source.h"
#include "file_watch.h"
#include "worker.h"

/* The slow polls beneath inotify; HOUSINGSUP_FOLLOW_POLL_MS replaces both. */
#define FOLLOW_POLL_MS 200
#define DIRECTORY_POLL_MS 500
#define WAIT_SLICE_MS 100 /* how often a wait beats the heartbeat and looks for a stop */
#define LINGER_US 2000    /* see linger() */
#define PACE_SLICE_US 1000 /* see pace() */

struct reader {
    struct hs_worker *w;
    const struct hs_config *cfg;
    struct hs_csv_format format; /* encoding, delimiter, decimal_comma */
    bool follow;                 /* follow = true */
    bool tail;                   /* follow a single file: wait at its end for more */
    struct hs_csv_source cur;
    struct hs_checkpoint resume; /* where the predecessor stopped */
    bool has_resume;
    struct hs_layout layout;     /* the table's item sizes */
    struct hs_item *pending;     /* the record read last, published with the next */
    struct hs_item *rejected;    /* a file's refusal */
    bool has_pending;
    uint32_t in_batch;
    uint64_t records;            /* records read by this process, for pacing */
    int64_t started_us;
    char header_error[HS_REASON_MAX]; /* why the last file opened has a bad header */
    struct timespec last_scan;   /* directory mode: when the previous listing began */
    struct stat finished;        /* the file read to its end last */
    struct hs_watch watch;       /* follow: what wakes the reader */
    bool watch_failed;           /* inotify trouble, reported once */
    int file_poll_ms, dir_poll_ms;
    int64_t batch_started_us;    /* when the first record of the open batch was read */
    int64_t paused_us;           /* follow: when the input last ran out */
};

enum { READ_END, READ_STOP, READ_FAILED };

/* ---- items ---- */

/* Publishes an item, waiting while the ring is full. False if we must exit. */
static bool push(struct reader *r, const struct hs_item *item)
{
    struct hs_ring *ring = r->w->seg->csv_ring;
    void *slot;
    while ((slot = hs_ring_reserve(ring, 100)) == NULL)
        if (hs_worker_orphaned(r->w))
            return false;
    memcpy(slot, item, hs_item_bytes(item));
    hs_ring_publish(ring);
    atomic_fetch_add_explicit(&r->w->stats->records_out, 1, memory_order_relaxed);
    return true;
}

static bool flush_pending(struct reader *r, bool end_of_batch)
{
    if (end_of_batch)
        r->in_batch = 0;
    if (!r->has_pending)
        return true;
    if (end_of_batch)
        r->pending->flags |= HS_ITEM_END_OF_BATCH;
    r->has_pending = false;
    return push(r, r->pending);
}

static void start_item(struct reader *r, struct hs_item *item)
{
    memset(item, 0, offsetof(struct hs_item, body));
    item->line = r->cur.record_line; /* a record's identity is its first line */
    item->extra_lines = (uint32_t)(r->cur.line - r->cur.record_line);
    item->end_offset = r->cur.offset;
    item->read_us = hs_now_us();
    item->file_dev = r->cur.dev;
    item->file_ino = r->cur.ino;
    item->generation = r->cur.generation;
    memcpy(item->src, r->cur.src, sizeof item->src);
}

static void make_dead(struct reader *r, const char *text, size_t len, const char *why,
                      struct hs_item *item)
{
    hs_item_dead_letter(item, &r->layout, why, text, len);
    hs_warn("%s:%llu: %s (sent to the dead-letter table)", r->cur.path,
            (unsigned long long)item->line, why);
    atomic_fetch_add_explicit(&r->w->stats->dead_letters, 1, memory_order_relaxed);
}

static void make_item(struct reader *r, const char *text, size_t len, struct hs_item *item)
{
    char why[HS_REASON_MAX];
    int max = r->cfg->schema.max_row_bytes;
    start_item(r, item);
    if (len > (size_t)max)
        snprintf(why, sizeof why, "the record is %zu bytes, longer than table.max_row_bytes = %d "
                 "(its first %u bytes are kept)", len, max, r->layout.raw_cap);
    else if (hs_csv_parse_record(text, len, &r->cur.header, &r->layout, item, why,
                                 sizeof why) == 0)
        return;
    make_dead(r, text, len, why, item);
}

/* A file whose header is wrong cannot be read: its first line becomes a dead
 * letter saying so, and the reader goes on with the next file. */
static bool reject_file(struct reader *r)
{
    char reason[HS_REASON_MAX];
    struct hs_item *item = r->rejected;
    snprintf(reason, sizeof reason, "%s; the file is skipped", r->header_error);
    start_item(r, item);
    make_dead(r, r->cur.buf, strcspn(r->cur.buf, "\r\n"), reason, item);
    item->flags |= HS_ITEM_END_OF_BATCH;
    return flush_pending(r, true) && push(r, item);
}

/* ---- reading one file ---- */

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* With rate_limit set, sleeps until record number `records` is due, once it
 * is PACE_SLICE_US ahead: records due within a slice are read together, as
 * lines appended to a file are, rather than with a sleep (two syscalls and a
 * wake-up) before each. */
static void pace(struct reader *r)
{
    int limit = r->cfg->rate_limit;
    if (limit <= 0)
        return;
    int64_t due = r->started_us + (int64_t)(r->records * 1000000 / (uint64_t)limit);
    int64_t ahead = due - hs_now_us();
    if (ahead >= PACE_SLICE_US)
        usleep((useconds_t)ahead);
}

/* Reads the current file up to its end; `whole_only`: up to its last whole
 * line (a followed file's last line may still be being written). */
static int read_lines(struct reader *r, bool whole_only)
{
    ssize_t n;
    while (!hs_worker_stopping(r->w) && (n = hs_csv_source_next(&r->cur, whole_only)) != -1) {
        if (n == -2) {
            hs_error("%s: read failed after line %llu: %s", r->cur.path,
                     (unsigned long long)r->cur.line, strerror(errno));
            return READ_FAILED;
        }
        if (n >= 0 && blank(r->cur.buf, (size_t)n))
            continue;
        uint32_t batch = atomic_load_explicit(&r->w->seg->control->batch_size,
                                              memory_order_relaxed);
        if (!flush_pending(r, r->in_batch >= batch))
            return READ_FAILED;
        r->records++;
        pace(r);
        if (n == HS_CSV_BAD_LINE) { /* not valid in its encoding, or too long */
            start_item(r, r->pending);
            make_dead(r, r->cur.buf, r->cur.buf_len, r->cur.why, r->pending);
        } else {
            make_item(r, r->cur.buf, (size_t)n, r->pending);
        }
        r->has_pending = true;
        if (r->in_batch++ == 0)
            r->batch_started_us = r->pending->read_us;
        if (hs_worker_orphaned(r->w))
            return READ_FAILED;
    }
    return hs_worker_stopping(r->w) ? READ_STOP : READ_END;
}

/* Opens a file and, when it is the one the predecessor stopped in, moves to
 * where it stopped. Returns an enum hs_csv_open; a bad header is logged. */
static int open_file(struct reader *r, const char *path, const char *base_src, uint32_t generation)
{
    char why[256];
    int rc = hs_csv_source_open(&r->cur, path, base_src, generation, &r->format, r->tail,
                                why, sizeof why);
    if (rc == HS_CSV_BAD_HEADER) {
        hs_error("%s:1: %s", path, why);
        snprintf(r->header_error, sizeof r->header_error, "%s", why);
    }
    if (rc != HS_CSV_OPENED || !r->has_resume || r->resume.dev != r->cur.dev ||
        r->resume.ino != r->cur.ino || r->resume.generation != generation)
        return rc;
    r->has_resume = false;
    if (strchr(r->resume.src, '#') != NULL && strcmp(r->resume.src, r->cur.src) != 0) {
        hs_info("%s: its first lines are not the ones read before (truncated and written "
                "again): reading it from the start", path);
        return rc;
    }
    if (hs_csv_source_seek(&r->cur, r->resume.offset, r->resume.line) != 0) {
        hs_error("%s: cannot seek to byte %llu: %s", path, (unsigned long long)r->resume.offset,
                 strerror(errno));
        return HS_CSV_NO_FILE;
    }
    if (r->resume.offset > 0)
        hs_info("%s: resuming after line %llu (byte %llu)", path,
                (unsigned long long)r->resume.line, (unsigned long long)r->resume.offset);
    return rc;
}

/* ---- waiting for more ---- */

/* The slow poll's period: `dflt`, or HOUSINGSUP_FOLLOW_POLL_MS, with which
 * tests make it long enough to show that inotify alone drives reading. */
static int poll_period_ms(int dflt)
{
    const char *s = getenv("HOUSINGSUP_FOLLOW_POLL_MS");
    char *end;
    long ms = s != NULL ? strtol(s, &end, 10) : 0;
    return ms > 0 && *end == '\0' && ms <= INT_MAX ? (int)ms : dflt;
}

/* Inotify trouble costs promptness, never lines: said once, then the slow poll. */
static void watch_trouble(struct reader *r, const char *why)
{
    if (!r->watch_failed)
        hs_warn("%s: %s; looking for changes every %d ms instead", r->cfg->csv_path, why,
                r->tail ? r->file_poll_ms : r->dir_poll_ms);
    r->watch_failed = true;
}

/* Sets the watches on what the reader waits for: the followed file and its
 * name in its directory, or the followed directory. True when one is new. */
static bool watch_input(struct reader *r)
{
    char why[PATH_MAX + 128], dir[PATH_MAX], name[PATH_MAX];
    const char *path = r->cfg->csv_path;
    int entry = 0, file;
    if (r->tail) {
        snprintf(dir, sizeof dir, "%s", path);
        snprintf(name, sizeof name, "%s", path);
        entry = hs_watch_entry(&r->watch, dirname(dir), basename(name), why, sizeof why);
        if (entry < 0)
            watch_trouble(r, why);
        file = hs_watch_file(&r->watch, path, why, sizeof why);
    } else {
        file = hs_watch_files(&r->watch, path, why, sizeof why);
    }
    if (file < 0)
        watch_trouble(r, why);
    return entry > 0 || file > 0;
}

static bool must_stop(struct reader *r)
{
    return hs_worker_stopping(r->w) || hs_worker_orphaned(r->w);
}

/* One wait on the watch; on trouble, the slow poll from now on. */
static bool changed_within(struct reader *r, int ms)
{
    char why[256];
    int rc = hs_watch_wait(&r->watch, ms, why, sizeof why);
    if (rc < 0) {
        watch_trouble(r, why);
        hs_watch_close(&r->watch);
    }
    return rc > 0;
}

/* Waits until the input changes or period_ms pass, beating the heartbeat.
 * A watch set just now may have missed a change: then it looks at once.
 * False when the reader must stop. */
static bool wait_for_change(struct reader *r, int period_ms)
{
    int64_t end = hs_monotonic_ms() + period_ms;
    bool changed = watch_input(r);
    for (int64_t left = period_ms; !changed && left > 0; left = end - hs_monotonic_ms()) {
        changed = changed_within(r, left < WAIT_SLICE_MS ? (int)left : WAIT_SLICE_MS);
        if (must_stop(r))
            return false;
    }
    return !must_stop(r);
}

/* While lines stream in (the last batch went out less than LINGER_US ago),
 * a partly filled batch waits, as with Kafka's linger.ms, until LINGER_US
 * after its first record, then takes what has come meanwhile: a steady
 * stream goes out in batches, not a message (and a wake-up) per line. A line
 * after a pause goes out at once. True when it waited. */
static bool linger(struct reader *r)
{
    int64_t now = hs_now_us(), left = r->batch_started_us + LINGER_US - now;
    if (!r->has_pending || now - r->paused_us >= LINGER_US || left <= 0)
        return false;
    usleep((useconds_t)left);
    return true;
}

/* The input ran out: what has come so far goes out now. */
static bool flush_at_pause(struct reader *r)
{
    if (r->has_pending)
        r->paused_us = hs_now_us();
    return flush_pending(r, true);
}

/* Reads the open file to its end; when following, goes on waiting for lines
 * appended to it until `path` names another file. Then reads what was added
 * last, ends the batch and closes the file. Returns READ_*. */
static int read_open_file(struct reader *r, const char *path)
{
    int rc = read_lines(r, r->tail);
    while (rc == READ_END && r->tail && !hs_csv_source_replaced(&r->cur, path)) {
        if (linger(r))
            rc = read_lines(r, true);
        else if (!flush_at_pause(r))
            rc = READ_FAILED;
        else if (!wait_for_change(r, r->file_poll_ms))
            rc = READ_STOP;
        else
            rc = read_lines(r, true);
    }
    /* What was written just before the file was replaced, down to a last
     * line without its newline: nothing will be added to it any more. */
    if (rc == READ_END && r->tail)
        rc = read_lines(r, false);
    if (rc != READ_FAILED && !flush_pending(r, true))
        rc = READ_FAILED;
    if (rc == READ_END)
        hs_info("%s: read to the end, line %llu", r->cur.path, (unsigned long long)r->cur.line);
    if (fstat(fileno(r->cur.file), &r->finished) != 0)
        memset(&r->finished, 0, sizeof r->finished);
    hs_csv_source_close(&r->cur);
    return rc;
}

/* ---- csv_path is a file ---- */

/* The file the predecessor was reading, if the path has been rotated away
 * from it: another entry of the same directory with its device and inode. */
static bool find_rotated(struct reader *r, char *out, size_t cap)
{
    char dir_copy[PATH_MAX];
    snprintf(dir_copy, sizeof dir_copy, "%s", r->cfg->csv_path);
    const char *dir = dirname(dir_copy);
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    bool found = false;
    while (d != NULL && !found && (e = readdir(d)) != NULL) {
        snprintf(out, cap, "%s/%s", dir, e->d_name);
        found = stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
                (uint64_t)st.st_dev == r->resume.dev && (uint64_t)st.st_ino == r->resume.ino;
    }
    if (d != NULL)
        closedir(d);
    return found;
}

/* A name logrotate gives a rotated file: "<base>.<digits>" or "<base>-<digits>". */
static bool rotated_name(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || (name[n] != '.' && name[n] != '-') || name[n + 1] == '\0')
        return false;
    return strspn(name + n + 1, "0123456789") == strlen(name + n + 1);
}

static bool newer(const struct stat *a, const struct stat *b)
{
    return a->st_mtim.tv_sec > b->st_mtim.tv_sec ||
           (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec > b->st_mtim.tv_nsec);
}

#define MAX_ROTATED 64
struct rotated {
    char path[PATH_MAX];
    struct stat st;
};

/* Whether dir/name is a rotated file written after the one just finished,
 * and is neither that file nor the one now at csv_path. */
static bool rotated_since(struct reader *r, const char *dir, const char *name,
                          const char *base_src, struct rotated *out)
{
    struct stat now;
    if (!rotated_name(name, base_src))
        return false;
    snprintf(out->path, sizeof out->path, "%s/%s", dir, name);
    if (stat(out->path, &out->st) != 0 || !S_ISREG(out->st.st_mode) ||
        !newer(&out->st, &r->finished) || out->st.st_ino == r->finished.st_ino)
        return false;
    return stat(r->cfg->csv_path, &now) != 0 || now.st_ino != out->st.st_ino;
}

static int by_mtime(const void *a, const void *b)
{
    const struct rotated *x = a, *y = b;
    return newer(&x->st, &y->st) ? 1 : newer(&y->st, &x->st) ? -1 : 0;
}

/* Files rotated away after the one just finished, oldest first: the
 * generations replaced while the reader was stopped or blocked. */
static int list_rotated(struct reader *r, const char *base_src, struct rotated *out)
{
    char dir_copy[PATH_MAX];
    snprintf(dir_copy, sizeof dir_copy, "%s", r->cfg->csv_path);
    const char *dir = dirname(dir_copy);
    DIR *d = r->finished.st_ino != 0 ? opendir(dir) : NULL; /* unknown: nothing to compare */
    struct dirent *e;
    int n = 0;
    while (d != NULL && n < MAX_ROTATED && (e = readdir(d)) != NULL)
        n += rotated_since(r, dir, e->d_name, base_src, &out[n]);
    if (d != NULL)
        closedir(d);
    qsort(out, (size_t)n, sizeof *out, by_mtime);
    return n;
}

/* Reads, as the generations after *g, the files rotated away after the one
 * just finished. Returns READ_*. */
static int read_rotated(struct reader *r, const char *base_src, long *g)
{
    struct rotated *found = calloc(MAX_ROTATED, sizeof *found);
    int n = found ? list_rotated(r, base_src, found) : 0, rc = READ_END;
    for (int i = 0; i < n && rc == READ_END; i++) {
        if (open_file(r, found[i].path, base_src, (uint32_t)(*g + 1)) != HS_CSV_OPENED) {
            hs_warn("%s: rotated away unread, but cannot be read now", found[i].path);
            hs_csv_source_close(&r->cur);
            continue;
        }
        ++*g;
        hs_info("%s: reading %s, rotated away before it was read, as generation %ld",
                r->cfg->csv_path, found[i].path, *g);
        rc = read_open_file(r, r->cfg->csv_path);
    }
    free(found);
    return rc;
}

/* The length of the file name at the start of a source name
 * "<name>[~generation]#<fingerprint>" (the name may have been cut). */
static size_t name_length(const char *src)
{
    const char *hash = strrchr(src, '#');
    size_t n = hash ? (size_t)(hash - src) : strlen(src);
    size_t digits = 0;
    while (digits < n && src[n - 1 - digits] >= '0' && src[n - 1 - digits] <= '9')
        digits++;
    if (digits > 0 && digits < n && src[n - 1 - digits] == '~')
        n -= digits + 1;
    return n;
}

/* Whether a resume point names this input. */
static bool same_input(const char *src, const char *base_src)
{
    size_t n = name_length(src);
    return n > 0 && strncmp(src, base_src, n) == 0;
}

/* Which generation the file now at csv_path is, after finishing a
 * predecessor that was rotated away meanwhile. -1 if reading that failed. */
static long first_generation(struct reader *r, const char *base_src)
{
    struct stat st;
    char rotated[PATH_MAX + 256];
    if (r->has_resume && r->resume.src[0] != '\0' && !same_input(r->resume.src, base_src)) {
        hs_info("%s: the checkpoint is for %s, another input: reading from the start",
                r->cfg->csv_path, r->resume.src);
        r->has_resume = false;
    }
    if (!r->has_resume)
        return 0;
    if (stat(r->cfg->csv_path, &st) == 0 && (uint64_t)st.st_dev == r->resume.dev &&
        (uint64_t)st.st_ino == r->resume.ino && (uint64_t)st.st_size >= r->resume.offset)
        return r->resume.generation; /* the same file, not truncated */
    long g = r->resume.generation;
    if (find_rotated(r, rotated, sizeof rotated) &&
        open_file(r, rotated, base_src, r->resume.generation) == HS_CSV_OPENED) {
        hs_info("%s: finishing %s, which it was rotated to", r->cfg->csv_path, rotated);
        if (read_open_file(r, r->cfg->csv_path) == READ_FAILED ||
            read_rotated(r, base_src, &g) == READ_FAILED)
            return -1;
    }
    r->has_resume = false;
    hs_info("%s: a new file since the last run: reading it as generation %ld", r->cfg->csv_path,
            g + 1);
    return g + 1;
}

enum { OPEN_OK, OPEN_SKIPPED, OPEN_STOP, OPEN_FATAL, OPEN_FAILED };

/* Opens generation g of csv_path. At the start a missing file or a bad header
 * is a configuration error; later, when following, a missing or still empty
 * file is waited for, and one with a bad header is reported and skipped. */
static int open_generation(struct reader *r, const char *path, const char *base_src, uint32_t g,
                           bool first)
{
    for (;;) {
        int rc = open_file(r, path, base_src, g);
        if (rc == HS_CSV_OPENED)
            return OPEN_OK;
        if (rc == HS_CSV_NO_FILE && first) {
            hs_error("%s: cannot open: %s", path, strerror(errno));
            return OPEN_FATAL;
        }
        if (rc == HS_CSV_EMPTY && !r->follow) {
            hs_error("%s: the file is empty (a header row naming the columns of table %s is "
                     "required)", path, r->cfg->schema.table);
            return OPEN_FATAL;
        }
        if (rc == HS_CSV_BAD_HEADER) {
            if (first || !reject_file(r)) {
                hs_csv_source_close(&r->cur);
                return first ? OPEN_FATAL : OPEN_FAILED;
            }
            while (!hs_csv_source_replaced(&r->cur, path))
                if (!wait_for_change(r, r->file_poll_ms))
                    break;
            hs_csv_source_close(&r->cur);
            return OPEN_SKIPPED;
        }
        if (!wait_for_change(r, r->file_poll_ms))
            return OPEN_STOP;
    }
}

static int read_file_path(struct reader *r)
{
    const char *path = r->cfg->csv_path;
    char path_copy[PATH_MAX];
    snprintf(path_copy, sizeof path_copy, "%s", path);
    const char *base_src = basename(path_copy);
    long g = first_generation(r, base_src);
    if (g < 0)
        return HS_EXIT_FAILURE;
    for (bool first = true;; first = false, g++) {
        switch (open_generation(r, path, base_src, (uint32_t)g, first)) {
        case OPEN_FATAL: return HS_EXIT_FATAL;
        case OPEN_FAILED: return HS_EXIT_FAILURE;
        case OPEN_STOP: return HS_EXIT_OK;
        case OPEN_SKIPPED: continue;
        }
        int read = read_open_file(r, path);
        if (read == READ_FAILED)
            return HS_EXIT_FAILURE;
        if (read == READ_STOP || !r->follow)
            return HS_EXIT_OK;
        read = read_rotated(r, base_src, &g);
        if (read != READ_END)
            return read == READ_FAILED ? HS_EXIT_FAILURE : HS_EXIT_OK;
        hs_info("%s was replaced: reading the new file as generation %ld", path, g + 1);
    }
}

/* ---- csv_path is a directory ---- */

/* "*.csv" and "*.csv.gz" (read through zlib), not hidden files. */
static int csv_only(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    bool csv = n > 4 && strcmp(e->d_name + n - 4, ".csv") == 0;
    bool gz = n > 7 && strcmp(e->d_name + n - 7, ".csv.gz") == 0;
    return (csv || gz) && e->d_name[0] != '.';
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A file that appeared since the previous listing with a name sorting before
 * the cursor will never be read: say so, once. */
static void report_late(struct reader *r, const char *path, const char *cursor,
                        const struct timespec *scan)
{
    struct stat st;
    if (r->last_scan.tv_sec != 0 && stat(path, &st) == 0 && !before(&st.st_ctim, &r->last_scan) &&
        before(&st.st_ctim, scan))
        hs_warn("%s: left alone: its name sorts before %s, which has been read already "
                "(new files must sort after the ones before them)", path, cursor);
}

/* Reads every file of the directory whose name sorts after `cursor` (and
 * the cursor's own file when the predecessor stopped inside it). */
static int read_new_files(struct reader *r, char *cursor)
{
    struct dirent **names;
    struct timespec scan;
    clock_gettime(CLOCK_REALTIME, &scan);
    int n = scandir(r->cfg->csv_path, &names, csv_only, alphasort), rc = READ_END;
    if (n < 0) {
        hs_error("%s: cannot list the directory: %s", r->cfg->csv_path, strerror(errno));
        return READ_FAILED;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char path[PATH_MAX + 256];
        int order = strcmp(name, cursor);
        bool resume_here = order == 0 && r->has_resume;
        snprintf(path, sizeof path, "%s/%s", r->cfg->csv_path, name);
        if (order < 0)
            report_late(r, path, cursor, &scan);
        if (rc != READ_END || (order <= 0 && !resume_here))
            continue;
        int open = open_file(r, path, name, 0);
        r->has_resume = false;
        if (open == HS_CSV_BAD_HEADER && !reject_file(r))
            rc = READ_FAILED;
        else if (open == HS_CSV_OPENED)
            rc = read_open_file(r, path);
        hs_csv_source_close(&r->cur);
        if (open == HS_CSV_NO_FILE || open == HS_CSV_EMPTY)
            hs_warn("%s: cannot read it: %s", path, open == HS_CSV_EMPTY ? "it is empty" : strerror(errno));
        if (rc != READ_FAILED)
            snprintf(cursor, HS_SRC_MAX, "%s", name);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    r->last_scan = scan;
    return rc;
}

static int read_directory(struct reader *r)
{
    char cursor[HS_SRC_MAX] = "";
    if (r->has_resume)
        snprintf(cursor, sizeof cursor, "%.*s", (int)name_length(r->resume.src), r->resume.src);
    for (;;) {
        int rc = read_new_files(r, cursor);
        if (rc == READ_FAILED)
            return HS_EXIT_FAILURE;
        if (rc == READ_STOP || !r->follow || !wait_for_change(r, r->dir_poll_ms))
            return HS_EXIT_OK;
    }
}

/* ---- the role ---- */

static void start_watching(struct reader *r)
{
    char why[256];
    r->file_poll_ms = poll_period_ms(FOLLOW_POLL_MS);
    r->dir_poll_ms = poll_period_ms(DIRECTORY_POLL_MS);
    if (hs_watch_open(&r->watch, why, sizeof why) != 0)
        watch_trouble(r, why);
}

/* Where the previous reader stopped: the last published item, else the checkpoint. */
static void find_resume(struct reader *r)
{
    const struct hs_item *last = hs_ring_last_published(r->w->seg->csv_ring);
    char cp_path[PATH_MAX + 32], why[PATH_MAX + 128];
    if (last != NULL) {
        hs_checkpoint_of_item(last, &r->resume);
        r->has_resume = true;
        return;
    }
    hs_checkpoint_path(r->cfg->state_dir, cp_path, sizeof cp_path);
    int rc = hs_checkpoint_read(cp_path, &r->resume, why, sizeof why);
    if (rc < 0) /* from the start: what is already stored is recognised and skipped */
        hs_warn("checkpoint: %s; reading the input from its start", why);
    r->has_resume = rc == 0;
}

static void reader_free(struct reader *r)
{
    hs_watch_close(&r->watch);
    free(r->pending);
    free(r->rejected);
    free(r);
}

int hs_csv_reader_main(struct hs_worker *w)
{
    struct reader *r = calloc(1, sizeof *r);
    struct stat st;
    if (r == NULL) {
        hs_error("out of memory");
        return HS_EXIT_FAILURE;
    }
    *r = (struct reader){.w = w, .cfg = w->cfg, .follow = w->cfg->follow != 0,
                         .started_us = hs_now_us(),
                         .watch = {.fd = -1, .file_wd = -1, .dir_wd = -1}};
    hs_layout_of(&w->cfg->schema, &r->layout);
    r->pending = malloc(r->layout.slot_size);
    r->rejected = malloc(r->layout.slot_size);
    char why[256];
    if (r->pending == NULL || r->rejected == NULL) {
        hs_error("out of memory for two records of %u bytes", r->layout.slot_size);
        reader_free(r);
        return HS_EXIT_FAILURE;
    }
    if (hs_csv_format_from(w->cfg->encoding, w->cfg->delimiter, w->cfg->decimal_comma,
                           w->cfg->header, &w->cfg->schema, &r->format, why, sizeof why) != 0) {
        hs_error("%s", why); /* not reached: checked when the configuration was loaded */
        reader_free(r);
        return HS_EXIT_FATAL;
    }
    find_resume(r);
    bool directory = stat(w->cfg->csv_path, &st) == 0 && S_ISDIR(st.st_mode);
    r->tail = r->follow && !directory;
    if (r->follow)
        start_watching(r);
    int rc = directory ? read_directory(r) : read_file_path(r);
    if (rc == HS_EXIT_OK && !flush_pending(r, true))
        rc = HS_EXIT_FAILURE;
    hs_info("%s: %s", w->cfg->csv_path, hs_worker_stopping(w) ? "stopped" : "nothing more to read");
    hs_csv_source_close(&r->cur);
    reader_free(r);
    return rc;
}
