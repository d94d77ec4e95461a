/*
 * kafka_reader.c - the Kafka reader: consumes the topic in a consumer group,
 * parses each message with jsmn, and hands its records to one writer's ring
 * (round robin by message).
 *
 * Offsets are committed to Kafka only for messages whose every record the
 * writer has committed to PostgreSQL. Each message handed out is remembered
 * in `acks` (ackq.h) with the writer's ring position just past its last
 * record; a writer advances its ring head only after COMMIT, so "head >=
 * position" means "durable". The durable prefix of `acks` is what gets
 * committed.
 * A reader that dies loses only this bookkeeping: Kafka redelivers from the
 * last committed offset and the unique source key drops the repeats.
 *
 * Orderly stop: once the supervisor says the publisher has flushed and
 * exited, the reader reads up to the high watermark of every partition it
 * owns, waits until all of it is durable, commits, and exits 0.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/exitcodes.h"
#include "../common/limits.h"
#include "../common/log.h"
#include "../common/roles.h"
#include "ackq.h"
#include "json.h"
#include "kafka_conf.h"
#include "kafka_topic.h"
#include "worker.h"

/* The per-partition table (`parts`) has this many entries, and every index
 * into it is checked against it: partitions beyond it are refused when
 * assigned (on_rebalance) and their messages skipped (consume_one). */
#define MAX_PARTITIONS HS_MAX_PARTITIONS
#define FIFO_CAP 65536 /* messages handed out and not yet durable */

struct kreader {
    struct hs_worker *w;
    const char *topic;
    rd_kafka_t *rk;
    struct hs_ackq acks; /* messages handed out; count: their records */
    bool ever_assigned;
    struct hs_partitions parts;
    int64_t last_commit_ms, last_lag_ms;
    int64_t starved_since_ms, last_starve_check_ms; /* see rejoin_if_starved() */
    uint32_t next_writer, writer; /* writer of the message being decoded */
    int32_t woken_partition; /* see wake_fetcher(): -1 none since the last wake */
    int64_t last_wake_ms;
    struct hs_layout layout;
    struct hs_json_decoder decoder;
};

static struct hs_ring *writer_ring(struct kreader *k, uint32_t w)
{
    return k->w->seg->writer_ring[w];
}

/* The message's records are committed in PostgreSQL: its writer moved the
 * ring head past them, which it does only after COMMIT. */
static bool durable(const struct hs_ackq_entry *e, void *ctx)
{
    struct kreader *k = ctx;
    return (int64_t)(hs_ring_head(writer_ring(k, e->writer)) - e->ring_end) >= 0;
}

/* Pops the durable prefix; the commit offsets of the partitions still
 * assigned move past it (a revoked one's are its new owner's to commit). */
static void advance_durable(struct kreader *k)
{
    uint64_t records = hs_ackq_pop_done(&k->acks, durable, k, &k->parts);
    atomic_fetch_add_explicit(&k->w->stats->records_out, records, memory_order_relaxed);
}

static void commit(struct kreader *k, bool sync)
{
    if (!k->parts.commit_dirty)
        return;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
    for (int p = 0; p < MAX_PARTITIONS; p++)
        if (k->parts.p[p].commit_offset >= 0)
            rd_kafka_topic_partition_list_add(list, k->topic, p)->offset =
                k->parts.p[p].commit_offset;
    rd_kafka_resp_err_t err = rd_kafka_commit(k->rk, list, sync ? 0 : 1);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        hs_warn("kafka: offset commit failed: %s (records are safe; they may be read again)",
                rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(list);
    k->parts.commit_dirty = false;
    k->last_commit_ms = hs_monotonic_ms();
}

/* Records an assignment or revocation in the partition table and returns the
 * part of `parts` that fits it. A partition beyond it is left out: it stays
 * unread and uncommitted, so nothing in it is lost. */
static rd_kafka_topic_partition_list_t *track(struct kreader *k,
                                              const rd_kafka_topic_partition_list_t *parts,
                                              bool assign)
{
    rd_kafka_topic_partition_list_t *taken = rd_kafka_topic_partition_list_new(parts->cnt);
    char why[200];
    for (int i = 0; i < parts->cnt; i++) {
        int32_t p = parts->elems[i].partition;
        enum hs_ackq_rc rc = assign ? hs_partitions_assign(&k->parts, p, why, sizeof why)
                                    : hs_partitions_revoke(&k->parts, p, why, sizeof why);
        if (rc != HS_ACKQ_OK) {
            if (assign)
                hs_error("kafka: %s", why);
            continue;
        }
        rd_kafka_topic_partition_list_add(taken, parts->elems[i].topic, p)->offset =
            parts->elems[i].offset;
        hs_info("kafka: partition %s/%d %s", k->topic, p, assign ? "assigned" : "revoked");
    }
    return taken;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct kreader *k = opaque;
    bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    if (assign)
        hs_worker_working(); /* the group coordinator answered */
    if (!assign) {
        advance_durable(k);
        commit(k, true);
    }
    rd_kafka_topic_partition_list_t *taken = track(k, parts, assign);
    rd_kafka_assign(rk, assign ? taken : NULL);
    rd_kafka_topic_partition_list_destroy(taken);
    k->ever_assigned = k->ever_assigned || assign;
}

/* A stable identity for this instance's reader: with static group membership
 * a restarted reader takes its predecessor's place in the group at once,
 * instead of waiting for the dead member's session to time out and the
 * group to rebalance. Instances differ by host and state directory. */
static void instance_id(const struct hs_config *cfg, char *out, size_t cap)
{
    char host[256] = "host";
    uint32_t h = 2166136261u; /* FNV-1a of the state directory */
    gethostname(host, sizeof host - 1);
    for (const char *c = cfg->state_dir; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    snprintf(out, cap, "housingsup-%s-%08x", host, h);
}

static rd_kafka_resp_err_t subscribe(struct kreader *k)
{
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, k->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(k->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    return err;
}

static int create_consumer(struct kreader *k)
{
    char why[512], instance[300];
    const struct hs_config *cfg = k->w->cfg;
    rd_kafka_conf_t *conf = hs_kafka_conf_new(cfg, "housingsup-" HS_ROLE_NAME_KAFKA_READER, why,
                                               sizeof why);
    if (conf == NULL) {
        hs_error("%s", why);
        return -1;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, k);
    instance_id(cfg, instance, sizeof instance);
    if (hs_kafka_set(conf, "group.id", cfg->group_id, why, sizeof why) ||
        hs_kafka_set(conf, "group.instance.id", instance, why, sizeof why) ||
        hs_kafka_set(conf, "session.timeout.ms", "10000", why, sizeof why) ||
        hs_kafka_set(conf, "enable.auto.commit", "false", why, sizeof why) ||
        hs_kafka_set(conf, "auto.offset.reset", "earliest", why, sizeof why) ||
        hs_kafka_set(conf, "allow.auto.create.topics", "false", why, sizeof why) ||
        hs_kafka_set(conf, "topic.metadata.refresh.interval.ms", "2000", why, sizeof why) ||
        /* Prefetch is what makes the reader's memory grow with a long input,
         * up to this cap, overshot by at most one fetch. Once the cap is
         * reached, librdkafka 2.0 fetches again only when woken, so the cap
         * must hold the rows of one WAKE_FETCH_MS (wake_fetcher()): 8 MiB is
         * about 0.3 s at 150,000 rows/s. Without the wakes it stalled for 1 s
         * and needed 24 MiB (peak Pss of all processes 60 MiB against 43 at
         * 10M rows); the default, 64 MiB, let the reader reach 49 MiB. */
        hs_kafka_set(conf, "queued.max.messages.kbytes", "8192", why, sizeof why) ||
        hs_kafka_set(conf, "fetch.max.bytes", "4194304", why, sizeof why) ||
        hs_kafka_set(conf, "fetch.wait.max.ms", "10", why, sizeof why)) {
        hs_error("%s", why);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (k->rk == NULL) {
        hs_error("kafka: cannot create consumer: %s", why);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    /* The topic first, with the main queue still served by rd_kafka_poll(),
     * so that broker errors reach error_cb (and status) while it waits. */
    if (hs_kafka_ensure_topic(k->rk, cfg, why, sizeof why) != 0) {
        hs_error("%s", why);
        return -1;
    }
    rd_kafka_poll_set_consumer(k->rk);
    rd_kafka_resp_err_t err = subscribe(k);
    if (err) {
        hs_error("kafka: cannot subscribe to %s: %s", k->topic, rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

/* Decoder callback: one item onto the current writer's ring. */
static int hand_out(const struct hs_item *item, void *ctx)
{
    struct kreader *k = ctx;
    struct hs_ring *ring = writer_ring(k, k->writer);
    void *slot;
    while ((slot = hs_ring_reserve(ring, 100)) == NULL)
        if (hs_worker_orphaned(k->w))
            return -1;
    memcpy(slot, item, hs_item_bytes(item));
    hs_ring_publish(ring);
    atomic_fetch_add_explicit(&k->w->stats->records_in, 1, memory_order_relaxed);
    if (item->kind == HS_ITEM_DEAD)
        atomic_fetch_add_explicit(&k->w->stats->dead_letters, 1, memory_order_relaxed);
    return 0;
}

/* A message that is not a batch at all becomes one dead letter. */
static int hand_out_dead_message(struct kreader *k, const rd_kafka_message_t *m,
                                 const char *position, const char *reason)
{
    struct hs_item *item = k->decoder.item; /* free between messages */
    memset(item, 0, offsetof(struct hs_item, body));
    item->read_us = hs_now_us();
    snprintf(item->src, sizeof item->src, "%s", position);
    hs_item_dead_letter(item, &k->layout, reason, m->len > 0 ? m->payload : "", m->len);
    hs_warn("kafka: message %s: %s (sent to the dead-letter table)", position, reason);
    return hand_out(item, k);
}

/* The identity housingsup's publisher gives a batch: its key is
 * "<name>#<12 hex digits>@<first line>" (see csv_source.h). Any other key,
 * or none, is a foreign producer's: its records are named by their place,
 * the message's position and their index in its array. Returns false then. */
static bool own_source(const rd_kafka_message_t *m, char *src, size_t cap)
{
    const char *key = m->key;
    const char *at = key ? memrchr(key, '@', m->key_len) : NULL;
    size_t n = at ? (size_t)(at - key) : 0;
    if (n < 14 || n >= cap || key[n - 13] != '#')
        return false;
    for (size_t i = n - 12; i < n; i++)
        if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
            return false;
    for (const char *d = at + 1; d < key + m->key_len; d++)
        if (*d < '0' || *d > '9')
            return false;
    snprintf(src, cap, "%.*s", (int)n, key);
    return true;
}

/* "kafka:<topic>/<partition>@<offset>"; a topic too long to fit is cut and
 * followed by a hash of its whole name, so two positions never share a name. */
static void position_of_message(const char *topic, const rd_kafka_message_t *m, char *out,
                                size_t cap)
{
    char where[64];
    snprintf(where, sizeof where, "/%d@%lld", (int)m->partition, (long long)m->offset);
    size_t room = cap - 1 - strlen("kafka:") - strlen(where);
    if (strlen(topic) <= room) {
        snprintf(out, cap, "kafka:%s%s", topic, where);
        return;
    }
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = topic; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    snprintf(out, cap, "kafka:%.*s#%08x%s", (int)(room - 9), topic, h, where);
}

static uint32_t routed_writers(struct kreader *k)
{
    struct hs_control *c = k->w->seg->control;
    uint32_t wanted = atomic_load_explicit(&c->writers_wanted, memory_order_acquire);
    if (atomic_load_explicit(&c->writers_routed, memory_order_relaxed) != wanted) {
        atomic_store_explicit(&c->writers_routed, wanted, memory_order_release);
        hs_info("routing messages to %u writers", wanted);
    }
    return wanted;
}

static int process_message(struct kreader *k, const rd_kafka_message_t *m,
                           struct hs_partition *part)
{
    char position[HS_SRC_MAX], src[HS_SRC_MAX], why[256];
    position_of_message(k->topic, m, position, sizeof position);
    k->writer = k->next_writer++ % routed_writers(k);
    uint64_t ring_start = hs_ring_tail(writer_ring(k, k->writer));
    int rc;
    if (m->len > (size_t)k->w->cfg->max_message_bytes) {
        snprintf(why, sizeof why, "message of %zu bytes exceeds kafka.max_message_bytes = %d",
                 m->len, k->w->cfg->max_message_bytes);
        rc = hand_out_dead_message(k, m, position, why);
    } else {
        bool own = own_source(m, src, sizeof src);
        rc = hs_json_decode(&k->decoder, m->payload, m->len, own ? src : NULL, position,
                            hand_out, k, why, sizeof why);
        if (rc == -1)
            rc = hand_out_dead_message(k, m, position, why);
    }
    if (rc < 0)
        return -1;
    uint64_t ring_end = hs_ring_tail(writer_ring(k, k->writer)), seq;
    struct hs_ackq_entry e = {.partition = m->partition, .offset = m->offset, .writer = k->writer,
                              .count = (uint32_t)(ring_end - ring_start), .ring_end = ring_end};
    /* read_loop reads only while there is room; the records are in the ring
     * already and land, only the offset would not be committed */
    if (hs_ackq_push(&k->acks, &e, &seq, why, sizeof why) != HS_ACKQ_OK) {
        hs_error("%s", why);
        return -1;
    }
    hs_partition_read(part, m->offset);
    return 0;
}

/* The next offset this reader will read from partition p. */
static int64_t position_of(struct kreader *k, int32_t p)
{
    if (k->parts.p[p].next_offset >= 0)
        return k->parts.p[p].next_offset;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, k->topic, p);
    int64_t pos = -1, lo = 0, hi = 0;
    if (rd_kafka_committed(k->rk, list, 5000) == 0 && list->elems[0].offset >= 0)
        pos = list->elems[0].offset;
    else if (rd_kafka_query_watermark_offsets(k->rk, k->topic, p, &lo, &hi, 5000) == 0)
        pos = lo;
    rd_kafka_topic_partition_list_destroy(list);
    k->parts.p[p].next_offset = pos;
    return pos;
}

/* True once every owned partition has been read to its high watermark. */
static bool caught_up(struct kreader *k)
{
    if (!k->ever_assigned)
        return false;
    for (int32_t p = 0; p < MAX_PARTITIONS; p++) {
        int64_t lo, hi;
        if (!k->parts.p[p].assigned)
            continue;
        if (rd_kafka_query_watermark_offsets(k->rk, k->topic, p, &lo, &hi, 5000) != 0)
            return false;
        if (position_of(k, p) < hi)
            return false;
    }
    return true;
}

/* Publishes the lag of each assigned partition (and their sum) for status. */
static void report_lag(struct kreader *k)
{
    struct hs_control *c = k->w->seg->control;
    int64_t now = hs_monotonic_ms(), total = 0;
    uint32_t n = 0;
    if (now - k->last_lag_ms < 1000)
        return;
    k->last_lag_ms = now;
    for (int32_t p = 0; p < MAX_PARTITIONS; p++) {
        int64_t lo, hi, lag = -1;
        if (!k->parts.p[p].assigned)
            continue;
        int64_t durable = hs_partition_durable(&k->parts.p[p]);
        if (durable >= 0 && rd_kafka_get_watermark_offsets(k->rk, k->topic, p, &lo, &hi) == 0 &&
            hi >= 0)
            lag = hi > durable ? hi - durable : 0;
        total += lag > 0 ? lag : 0;
        if (n < HS_MAX_REPORTED_PARTITIONS) {
            atomic_store_explicit(&c->partition_lag[n].partition, p, memory_order_relaxed);
            atomic_store_explicit(&c->partition_lag[n].lag, lag, memory_order_relaxed);
            n++;
        }
    }
    atomic_store_explicit(&c->partitions_reported, n, memory_order_relaxed);
    atomic_store_explicit(&k->w->stats->lag, total, memory_order_relaxed);
}

static int group_members(struct kreader *k)
{
    const struct rd_kafka_group_list *groups = NULL;
    int members = -1;
    if (rd_kafka_list_groups(k->rk, k->w->cfg->group_id, &groups, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        groups->group_cnt == 1)
        members = groups->groups[0].member_cnt;
    if (groups != NULL)
        rd_kafka_group_list_destroy(groups);
    return members;
}

/* librdkafka can miss partitions that appear around a rebalance (a topic just
 * created, seen for a moment with no partitions from a broker that has not
 * caught up) and leave the group with nothing assigned for good. A reader
 * that has owned nothing for STARVED_MS while the topic has partitions, in a
 * group with no more members than partitions, subscribes again to rejoin. */
#define STARVED_MS 10000
static void rejoin_if_starved(struct kreader *k)
{
    int64_t now = hs_monotonic_ms();
    if (hs_partitions_assigned(&k->parts) > 0) {
        k->starved_since_ms = 0;
        return;
    }
    if (k->starved_since_ms == 0)
        k->starved_since_ms = now;
    if (now - k->starved_since_ms < STARVED_MS || now - k->last_starve_check_ms < STARVED_MS)
        return;
    k->last_starve_check_ms = now;
    int partitions = hs_kafka_partitions_led(k->rk, k->topic), members = group_members(k);
    if (partitions <= 0 || members < 0 || members > partitions)
        return;
    hs_warn("kafka: no partition of %s assigned for %d s although it has %d and the group %d "
            "member(s); joining the group again", k->topic, STARVED_MS / 1000, partitions, members);
    rd_kafka_unsubscribe(k->rk);
    rd_kafka_resp_err_t err = subscribe(k);
    if (err)
        hs_warn("kafka: cannot subscribe to %s again: %s", k->topic, rd_kafka_err2str(err));
}

/* Reads and processes at most one message; false when none came. */
static bool consume_one(struct kreader *k, int timeout_ms, int *rc)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk, timeout_ms);
    struct hs_partition *part;
    char why[200];
    if (m == NULL)
        return false;
    if (!m->err)
        hs_worker_working();
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        /* nothing to do */
    } else if (m->err) {
        hs_warn("kafka: %s", rd_kafka_message_errstr(m));
    } else if ((part = hs_partitions_get(&k->parts, m->partition, why, sizeof why)) == NULL) {
        hs_error("kafka: %s", why); /* never assigned (on_rebalance); not committed either */
    } else if (process_message(k, m, part) != 0) {
        *rc = HS_EXIT_FAILURE;
    } else {
        k->woken_partition = m->partition;
    }
    rd_kafka_message_destroy(m);
    return true;
}

/* librdkafka 2.0 stops fetching once queued.max.messages.kbytes are queued,
 * and looks again only when its broker thread next wakes: after up to 1 s
 * when nothing else wakes it. At more rows a second than the cap holds, the
 * reader then ran dry for the rest of that second (bench/README.md). Any
 * request to a broker wakes its thread, so while messages flow the reader
 * asks the leader of the partition it read last for its watermarks (one
 * ListOffsets request) every WAKE_FETCH_MS, and a stalled fetch starts again
 * within that time. Idle, it asks nothing. The request wakes the thread as it
 * is queued, so the answer is waited for only briefly; a late one is dropped
 * by librdkafka. With several brokers, only the last partition's leader is
 * woken. (librdkafka 2.3 has fetch.queue.backoff.ms for this.) */
#define WAKE_FETCH_MS 100
#define WAKE_ANSWER_MS 10
static void wake_fetcher(struct kreader *k)
{
    int64_t lo, hi, now = hs_monotonic_ms();
    if (k->woken_partition < 0 || now - k->last_wake_ms < WAKE_FETCH_MS)
        return;
    rd_kafka_query_watermark_offsets(k->rk, k->topic, k->woken_partition, &lo, &hi, WAKE_ANSWER_MS);
    k->woken_partition = -1;
    k->last_wake_ms = now;
}

static int read_loop(struct kreader *k)
{
    struct hs_control *c = k->w->seg->control;
    int rc = HS_EXIT_OK;
    for (;;) {
        if (hs_worker_orphaned(k->w))
            return HS_EXIT_FAILURE;
        advance_durable(k);
        if (k->parts.commit_dirty &&
            (hs_monotonic_ms() - k->last_commit_ms >= 200 || hs_ackq_used(&k->acks) == 0))
            commit(k, false);
        report_lag(k);
        rejoin_if_starved(k);
        bool draining = atomic_load_explicit(&c->publisher_done, memory_order_acquire) != 0;
        bool got = !hs_ackq_full(&k->acks) && consume_one(k, draining ? 10 : 50, &rc);
        wake_fetcher(k);
        if (rc != HS_EXIT_OK)
            return rc;
        if (draining && !got && hs_ackq_used(&k->acks) == 0 && caught_up(k)) {
            commit(k, true);
            return HS_EXIT_OK;
        }
    }
}

int hs_kafka_reader_main(struct hs_worker *w)
{
    /* Fetched messages arrive in large buffers that librdkafka's threads
     * allocate and ours frees. With glibc's default (a dynamic threshold that
     * climbs to 32 MiB) they are carved from a thread's arena, which then
     * stays as large as the most ever prefetched: the reader reached 49 MiB
     * on 10M rows. Above 256 KiB they are mapped and unmapped on their own,
     * so what the reader holds is what it has in hand. */
    if (mallopt(M_MMAP_THRESHOLD, 256 * 1024) != 1)
        hs_warn("mallopt(M_MMAP_THRESHOLD) failed; memory may grow with the prefetch");
    struct kreader *k = calloc(1, sizeof *k);
    char why[200];
    if (k == NULL) {
        hs_error("out of memory for the reader's bookkeeping");
        return HS_EXIT_FAILURE;
    }
    if (hs_ackq_init(&k->acks, FIFO_CAP, why, sizeof why) != HS_ACKQ_OK) {
        hs_error("%s", why);
        free(k);
        return HS_EXIT_FAILURE;
    }
    k->w = w;
    k->topic = w->cfg->topic;
    k->woken_partition = -1;
    hs_partitions_init(&k->parts);
    hs_layout_of(&w->cfg->schema, &k->layout);
    int rc = HS_EXIT_FAILURE;
    if (hs_json_decoder_init(&k->decoder, &k->layout) != 0)
        hs_error("out of memory for a record of %u bytes", k->layout.slot_size);
    else if (create_consumer(k) == 0) {
        hs_info("reading topic %s at %s as group %s", k->topic, w->cfg->bootstrap_servers,
                w->cfg->group_id);
        rc = read_loop(k);
    }
    if (k->rk != NULL) {
        rd_kafka_consumer_close(k->rk);
        rd_kafka_destroy(k->rk);
    }
    hs_json_decoder_free(&k->decoder);
    hs_ackq_free(&k->acks);
    free(k);
    return rc;
}
