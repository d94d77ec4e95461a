/*
 * replay_input.c - see replay_input.h.
 */
#include "replay_input.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../workers/csv.h"
#include "../workers/csv_source.h"
#include "../workers/json.h"
#include "../workers/utf8.h"

/* Reasons whose raw input was cut when it was set aside (record.h keeps at
 * most the slot's raw bytes): replaying it would land a truncated record. */
static const char *const cut_reasons[] = {"longer than table.max_row_bytes", "(kept cut)"};
/* The CSV reader's dead letter for a file whose header it refused. */
#define FILE_SKIPPED "; the file is skipped"
#define COLLISION "identity collision:"

int hs_replay_identity(const char *source, char src[HS_SRC_MAX], uint64_t *line)
{
    const char *colon = strrchr(source, ':');
    if (colon == NULL || colon == source || colon[1] == '\0' ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        (size_t)(colon - source) >= HS_SRC_MAX)
        return -1;
    *line = strtoull(colon + 1, NULL, 10);
    if (*line == 0)
        return -1;
    memcpy(src, source, (size_t)(colon - source));
    src[colon - source] = '\0';
    return 0;
}

/* ---- a refused row's values ---- */

static enum hs_replay_input from_values(const struct hs_layout *l, const char *raw, size_t len,
                                        struct hs_item *item, char *why, size_t whylen)
{
    struct hs_csv_dialect d = {.delimiter = ',', .decimal_comma = HS_DECIMAL_POINT,
                               .schema = l->schema};
    struct hs_csv_header header;
    if (hs_csv_classic_header(raw, len, &d, &header, why, whylen) != 0 ||
        hs_csv_parse_record(raw, len, &header, l, item, why, whylen) != 0)
        return HS_REPLAY_INVALID;
    return HS_REPLAY_RECORD;
}

/* ---- a Kafka message's object ---- */

struct decoded {
    struct hs_item *item;
};

static int take_item(const struct hs_item *it, void *ctx)
{
    struct decoded *d = ctx;
    memcpy(d->item, it, hs_item_bytes(it));
    return 1; /* the one object: stop */
}

static enum hs_replay_input from_object(const struct hs_layout *l, const char *raw, size_t len,
                                        const char *src, struct hs_item *item, char *why,
                                        size_t whylen)
{
    struct hs_json_decoder dec;
    char *msg = malloc(len + 2);
    int rc = msg != NULL && hs_json_decoder_init(&dec, l) == 0 ? 0 : -1;
    if (rc == 0) {
        msg[0] = '[';
        memcpy(msg + 1, raw, len);
        msg[len + 1] = ']';
        struct decoded d = {item};
        item->kind = 0;
        rc = hs_json_decode(&dec, msg, len + 2, NULL, src, take_item, &d, why, whylen);
    }
    if (msg != NULL)
        hs_json_decoder_free(&dec);
    free(msg);
    if (msg == NULL || (rc == -1 && why[0] == '\0'))
        snprintf(why, whylen, "out of memory decoding the record");
    if (item->kind == HS_ITEM_DEAD)
        snprintf(why, whylen, "%s", hs_item_cdead(item)->reason);
    else if (item->kind != HS_ITEM_ROW && why[0] == '\0')
        snprintf(why, whylen, "not a JSON object");
    return item->kind == HS_ITEM_ROW ? HS_REPLAY_RECORD : HS_REPLAY_INVALID;
}

/* ---- a CSV line ---- */

/* "name[~generation]#fingerprint": the name and the generation. */
static void split_src(const char *src, char *name, size_t cap, uint32_t *generation)
{
    size_t n = strcspn(src, "#");
    const char *tilde = memrchr(src, '~', n);
    *generation = 0;
    if (tilde != NULL && tilde[1] >= '0' && tilde[1] <= '9') {
        *generation = (uint32_t)strtoul(tilde + 1, NULL, 10);
        n = (size_t)(tilde - src);
    }
    snprintf(name, cap, "%.*s", (int)n, src);
}

/* Opens `path` as the CSV reader would; true when it is the file `src`
 * names (the same identity), left open in s. */
static bool open_as(struct hs_csv_source *s, const char *path, const char *src,
                    const struct hs_csv_format *format)
{
    char copy[PATH_MAX], why[HS_REASON_MAX], name[HS_SRC_MAX];
    uint32_t generation;
    split_src(src, name, sizeof name, &generation);
    snprintf(copy, sizeof copy, "%s", path);
    if (hs_csv_source_open(s, path, basename(copy), generation, format, false, why,
                           sizeof why) != HS_CSV_OPENED)
        return false;
    if (strcmp(s->src, src) == 0)
        return true;
    hs_csv_source_close(s);
    return false;
}

/* The file under csv_path (itself, or one in that directory) with the
 * identity `src`. */
static bool find_source(const struct hs_config *cfg, const char *src,
                        const struct hs_csv_format *format, struct hs_csv_source *s)
{
    struct stat st;
    char name[HS_SRC_MAX], path[PATH_MAX];
    uint32_t generation;
    if (stat(cfg->csv_path, &st) != 0)
        return false;
    if (!S_ISDIR(st.st_mode))
        return open_as(s, cfg->csv_path, src, format);
    split_src(src, name, sizeof name, &generation);
    DIR *dir = opendir(cfg->csv_path);
    struct dirent *e;
    bool found = false;
    while (dir != NULL && !found && (e = readdir(dir)) != NULL) {
        if (strncmp(e->d_name, name, strlen(name)) != 0)
            continue; /* a source name is the file's name, perhaps cut */
        snprintf(path, sizeof path, "%s/%s", cfg->csv_path, e->d_name);
        found = open_as(s, path, src, format);
    }
    if (dir != NULL)
        closedir(dir);
    return found;
}

static bool was_cut(const char *reason)
{
    for (size_t i = 0; i < sizeof cut_reasons / sizeof cut_reasons[0]; i++)
        if (strstr(reason, cut_reasons[i]) != NULL)
            return true;
    return false;
}

/* The line as UTF-8: as kept, or decoded from the file's encoding. */
static enum hs_replay_input parse_line(struct hs_csv_source *s, const struct hs_layout *l,
                                       const char *raw, size_t len, struct hs_item *item,
                                       char *why, size_t whylen)
{
    size_t n = len;
    const char *text = raw;
    if (hs_utf8_invalid_at(raw, len) != len)
        text = hs_csv_decode(&s->dec, raw, len, 0, &n, why, whylen);
    if (text == NULL || hs_csv_parse_record(text, n, &s->header, l, item, why, whylen) != 0)
        return HS_REPLAY_INVALID;
    return HS_REPLAY_RECORD;
}

static enum hs_replay_input from_line(const struct hs_config *cfg, const struct hs_layout *l,
                                      const struct hs_replay_letter *d, const char *src,
                                      struct hs_item *item, char *why, size_t whylen)
{
    struct hs_csv_format format;
    struct hs_csv_source s;
    if (strstr(d->reason, FILE_SKIPPED) != NULL) {
        snprintf(why, whylen, "it is the header of a file that was skipped whole: fix the "
                 "header, and the file is read again as a new source");
        return HS_REPLAY_SKIP;
    }
    if (was_cut(d->reason)) {
        snprintf(why, whylen, "only the first %zu bytes of the record were kept: load it from "
                 "its file", d->raw_len);
        return HS_REPLAY_SKIP;
    }
    if (hs_csv_format_from(cfg->encoding, cfg->delimiter, cfg->decimal_comma, cfg->header,
                           &cfg->schema, &format, why, whylen) != 0)
        return HS_REPLAY_SKIP;
    if (!find_source(cfg, src, &format, &s)) {
        snprintf(why, whylen, "its file %s (whose header names the fields) is not under "
                 "csv_path %s with the same first lines", src, cfg->csv_path);
        return HS_REPLAY_SKIP;
    }
    enum hs_replay_input rc = parse_line(&s, l, d->raw, d->raw_len, item, why, whylen);
    hs_csv_source_close(&s);
    return rc;
}

/* ---- which ---- */

/* A collision's new reason keeps its first words: they, not sqlstate (NULL
 * for a collision), say that raw holds values in the table's order rather
 * than a line of its file, for the next replay. */
static void keep_collision_kind(const char *source, char *why, size_t whylen)
{
    char reason[HS_REASON_MAX];
    snprintf(reason, sizeof reason, "%s %s: its values no longer read: %s", COLLISION, source,
             why);
    snprintf(why, whylen, "%s", reason);
}

enum hs_replay_input hs_replay_input(const struct hs_config *cfg, const struct hs_layout *l,
                                     const struct hs_replay_letter *d, struct hs_item *item,
                                     char *why, size_t whylen)
{
    char src[HS_SRC_MAX];
    uint64_t line;
    enum hs_replay_input rc;
    why[0] = '\0';
    if (hs_replay_identity(d->source, src, &line) != 0) {
        snprintf(why, whylen, "a whole Kafka message that is not a batch has no record "
                 "identity, and its bytes would fail the same way: send it corrected");
        return HS_REPLAY_SKIP;
    }
    if (d->raw_len == 0) {
        snprintf(why, whylen, "it holds no input to replay");
        return HS_REPLAY_SKIP;
    }
    bool collision = strncmp(d->reason, COLLISION, strlen(COLLISION)) == 0;
    if (d->sqlstate != NULL || collision)
        rc = from_values(l, d->raw, d->raw_len, item, why, whylen);
    else if (d->raw[0] == '{' && d->raw[d->raw_len - 1] == '}')
        rc = from_object(l, d->raw, d->raw_len, src, item, why, whylen);
    else
        rc = from_line(cfg, l, d, src, item, why, whylen);
    if (rc == HS_REPLAY_INVALID && collision && d->sqlstate == NULL)
        keep_collision_kind(d->source, why, whylen);
    if (rc == HS_REPLAY_RECORD) {
        item->line = line;
        item->read_us = 0; /* unknown: stored as NULL */
        memcpy(item->src, src, HS_SRC_MAX);
    }
    return rc;
}
