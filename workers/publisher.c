/*
 * publisher.c - the Kafka publisher: reads micro-batches from the CSV ring,
 * sends each as one JSON message (idempotent producer, acks=all), and
 * releases ring slots only once Kafka has acknowledged them.
 *
 * Because slots are released only after the delivery report, a publisher
 * that dies (or gets a permanent delivery error, after which it exits on
 * purpose) leaves every unacknowledged record in the ring; its successor
 * sends them again. A record may therefore reach Kafka twice, never zero
 * times; PostgreSQL's unique source key drops the second copy.
 *
 * Batches are acknowledged in order per partition but possibly out of order
 * across partitions, so acknowledged batches wait in `acks` (ackq.h) until
 * every batch before them is acknowledged too; only that prefix is released.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buf.h"
#include "../common/clock.h"
#include "../common/exitcodes.h"
#include "../common/log.h"
#include "../common/roles.h"
#include "ackq.h"
#include "checkpoint.h"
#include "json.h"
#include "kafka_conf.h"
#include "kafka_topic.h"
#include "worker.h"

struct publisher {
    struct hs_worker *w;
    struct hs_ring *ring;
    rd_kafka_t *rk;
    struct hs_ackq acks;    /* batches sent but not yet released; count: their ring items */
    uint32_t sent;          /* ring items (from the head) already sent */
    int failed;             /* a delivery failed for good: the exit code */
    size_t refused_len;     /* a message the broker refused as too large, its size */
    struct hs_layout layout;
    struct hs_buf message;
    const struct hs_item **items;
    struct hs_checkpoint checkpoint;
    char checkpoint_path[PATH_MAX + 32];
    int64_t checkpoint_written_ms;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct publisher *p = opaque;
    char err[200];
    if (m->err) {
        hs_error("kafka: delivery to %s failed: %s", p->w->cfg->topic, rd_kafka_err2str(m->err));
        /* Above the topic's own limit: sending it again cannot succeed, so
         * this is a configuration error, not a reason to restart. */
        if (m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && p->failed != HS_EXIT_FATAL) {
            p->failed = HS_EXIT_FATAL;
            p->refused_len = m->len;
        } else if (!p->failed) {
            p->failed = HS_EXIT_FAILURE;
        }
        return;
    }
    if (hs_ackq_mark_done(&p->acks, (uint64_t)(uintptr_t)m->_private, err, sizeof err) != 0) {
        /* Our bookkeeping is wrong: release nothing more, let a successor send again. */
        hs_error("kafka: %s", err);
        if (!p->failed)
            p->failed = HS_EXIT_FAILURE;
        return;
    }
    hs_worker_working(); /* the broker answers: whatever was in the way is gone */
}

static int create_producer(struct publisher *p)
{
    char size[32], batch[32], why[512];
    rd_kafka_conf_t *conf = hs_kafka_conf_new(p->w->cfg, "housingsup-" HS_ROLE_NAME_PUBLISHER, why,
                                               sizeof why);
    if (conf == NULL) {
        hs_error("%s", why);
        return -1;
    }
    snprintf(size, sizeof size, "%d", p->w->cfg->max_message_bytes + 4096);
    /* librdkafka packs messages into one produce batch of up to batch.size
     * (1 MB by default), and the broker holds the whole batch to the topic's
     * max.message.bytes: capped so, max_message_bytes is what the topic sees. */
    snprintf(batch, sizeof batch, "%d", p->w->cfg->max_message_bytes);
    /* linger.ms: how long a message waits for others to share its produce
     * request. The message of a followed file's lone line waits that long
     * (5 ms: 7.4-7.8 ms from append to commit at the median; 1 ms: 2.6-3.1),
     * and 1 ms packs the bulk load as well as 5 did (1M rows, 8 alternated
     * pairs: median 114,310 rows/s against 114,328; 0 ms lost ~5 %). */
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    if (hs_kafka_set(conf, "enable.idempotence", "true", why, sizeof why) ||
        hs_kafka_set(conf, "acks", "all", why, sizeof why) ||
        hs_kafka_set(conf, "linger.ms", "1", why, sizeof why) ||
        hs_kafka_set(conf, "message.max.bytes", size, why, sizeof why) ||
        hs_kafka_set(conf, "batch.size", batch, why, sizeof why) ||
        hs_kafka_set(conf, "compression.codec", p->w->cfg->compression, why, sizeof why) ||
        hs_kafka_set(conf, "message.timeout.ms", "300000", why, sizeof why)) {
        hs_error("%s", why);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (p->rk == NULL) {
        hs_error("kafka: cannot create producer: %s", why);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    return 0;
}

/* How many of the `ready` unsent items form the next complete batch; 0 if none yet. */
static uint32_t next_batch_len(struct publisher *p, uint32_t ready, bool closed)
{
    uint32_t limit = atomic_load_explicit(&p->w->seg->control->batch_size, memory_order_relaxed);
    for (uint32_t i = 0; p->sent + i < ready; i++) {
        const struct hs_item *it = hs_ring_item(p->ring, p->sent + i);
        if ((it->flags & HS_ITEM_END_OF_BATCH) || i + 1 >= limit)
            return i + 1;
    }
    return closed ? ready - p->sent : 0;
}

/* Hands p->message to librdkafka, waiting while its queue is full; `seq`
 * comes back with the delivery report. */
static rd_kafka_resp_err_t produce(struct publisher *p, const char *key, uint64_t seq)
{
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(p->w->cfg->topic),
                                    RD_KAFKA_V_KEY(key, strlen(key)),
                                    RD_KAFKA_V_VALUE(p->message.data, p->message.len),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(p->rk, 50);
    return err;
}

static int send_batch(struct publisher *p, uint32_t count)
{
    hs_buf_reset(&p->message);
    for (uint32_t i = 0; i < count; i++) {
        struct hs_item *it = hs_ring_item(p->ring, p->sent + i);
        if (hs_item_repair(it, &p->layout) != 0)
            hs_warn("ring item %llu from the CSV reader was damaged; repaired (%s)",
                    (unsigned long long)(hs_ring_head(p->ring) + p->sent + i),
                    it->kind == HS_ITEM_DEAD ? "kept as a dead letter" : "strings cut");
        p->items[i] = it;
    }
    /* A batch whose records do not fit one message goes as several. */
    count = (uint32_t)hs_json_encode(&p->message, p->items, count, &p->layout,
                                     (size_t)p->w->cfg->max_message_bytes);
    if (hs_buf_failed(&p->message)) {
        hs_error("out of memory encoding a batch of %u records", count);
        return HS_EXIT_FAILURE;
    }
    if (p->message.len > (size_t)p->w->cfg->max_message_bytes) { /* not reached: see settings.c */
        hs_error("a record encodes to %zu bytes, more than kafka.max_message_bytes = %d",
                 p->message.len, p->w->cfg->max_message_bytes);
        return HS_EXIT_FATAL;
    }
    char key[HS_SRC_MAX + 32], why[200];
    snprintf(key, sizeof key, "%s@%llu", p->items[0]->src, (unsigned long long)p->items[0]->line);
    /* In the queue before it is sent, so that its delivery report finds it. A
     * batch is at least one ring item, so the ring's capacity always has room. */
    uint64_t seq;
    if (hs_ackq_push(&p->acks, &(struct hs_ackq_entry){.partition = -1, .count = count}, &seq, why,
                     sizeof why) != HS_ACKQ_OK) {
        hs_error("%s", why);
        return HS_EXIT_FAILURE;
    }
    rd_kafka_resp_err_t err = produce(p, key, seq);
    if (err) {
        hs_error("kafka: cannot send to %s: %s", p->w->cfg->topic, rd_kafka_err2str(err));
        return HS_EXIT_FAILURE;
    }
    p->sent += count;
    /* in: handed to librdkafka; out (on delivery): acknowledged by the broker */
    atomic_fetch_add_explicit(&p->w->stats->records_in, count, memory_order_relaxed);
    return HS_EXIT_OK;
}

static void write_checkpoint(struct publisher *p, bool now)
{
    int64_t t = hs_monotonic_ms();
    if (!now && t - p->checkpoint_written_ms < 200)
        return;
    if (p->checkpoint.line == 0)
        return;
    char why[4400];
    if (hs_checkpoint_write(p->checkpoint_path, &p->checkpoint, why, sizeof why) != 0)
        hs_warn("checkpoint: %s", why);
    p->checkpoint_written_ms = t;
}

/* Releases the acknowledged prefix of the in-flight batches from the ring. */
static void release_delivered(struct publisher *p)
{
    /* at most the ring's items: they fit */
    uint32_t items = (uint32_t)hs_ackq_pop_done(&p->acks, NULL, NULL, NULL);
    if (items == 0)
        return;
    const struct hs_item *last = hs_ring_item(p->ring, items - 1);
    hs_checkpoint_of_item(last, &p->checkpoint);
    hs_ring_release(p->ring, items);
    p->sent -= items;
    atomic_fetch_add_explicit(&p->w->stats->records_out, items, memory_order_relaxed);
    write_checkpoint(p, false);
}

static int publish_loop(struct publisher *p)
{
    for (;;) {
        if (hs_worker_orphaned(p->w))
            return HS_EXIT_FAILURE;
        bool closed = hs_ring_closed(p->ring);
        uint32_t ready = hs_ring_peek(p->ring, p->ring->capacity, hs_ackq_used(&p->acks) ? 0 : 100);
        uint32_t count;
        while ((count = next_batch_len(p, ready, closed)) > 0) {
            int rc = send_batch(p, count);
            if (rc != HS_EXIT_OK)
                return rc;
        }
        /* Wait on Kafka while batches are out, or briefly while the reader is
         * mid-batch (the ring then holds items but no complete batch). */
        rd_kafka_poll(p->rk, hs_ackq_used(&p->acks) ? 5 : (ready > p->sent ? 1 : 0));
        if (p->failed == HS_EXIT_FATAL)
            hs_error("kafka: the broker refused a message of %zu bytes to %s as too large: the "
                     "topic's max.message.bytes is below kafka.max_message_bytes = %d; raise it "
                     "and reload, or lower kafka.max_message_bytes and restart", p->refused_len,
                     p->w->cfg->topic, p->w->cfg->max_message_bytes);
        if (p->failed)
            return p->failed; /* the unreleased records are sent again by our successor */
        release_delivered(p);
        if (closed && ready == 0 && hs_ackq_used(&p->acks) == 0)
            return HS_EXIT_OK;
    }
}

static int ensure_topic(struct publisher *p)
{
    char why[512];
    if (hs_kafka_ensure_topic(p->rk, p->w->cfg, why, sizeof why) == 0)
        return 0;
    hs_error("%s", why);
    return -1;
}

int hs_publisher_main(struct hs_worker *w)
{
    struct publisher p = {.w = w, .ring = w->seg->csv_ring};
    hs_layout_of(&w->cfg->schema, &p.layout);
    char why[200];
    int rc = HS_EXIT_FAILURE;
    hs_checkpoint_path(w->cfg->state_dir, p.checkpoint_path, sizeof p.checkpoint_path);
    /* A batch is at least one item: as many batches as the ring has slots. */
    if (hs_ackq_init(&p.acks, p.ring->capacity, why, sizeof why) != HS_ACKQ_OK)
        hs_error("%s", why);
    else if ((p.items = calloc(p.ring->capacity, sizeof *p.items)) == NULL)
        hs_error("out of memory for %u in-flight batches", p.ring->capacity);
    else if (create_producer(&p) == 0 && ensure_topic(&p) == 0) {
        hs_info("publishing to topic %s at %s", w->cfg->topic, w->cfg->bootstrap_servers);
        rc = publish_loop(&p);
    }
    if (p.rk != NULL) {
        if (rc == HS_EXIT_OK && rd_kafka_flush(p.rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
            rc = HS_EXIT_FAILURE;
        if (rc == HS_EXIT_OK)
            write_checkpoint(&p, true);
        rd_kafka_destroy(p.rk);
    }
    hs_buf_free(&p.message);
    hs_ackq_free(&p.acks);
    free(p.items);
    return rc;
}
