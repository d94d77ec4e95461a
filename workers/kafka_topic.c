/*
 * kafka_topic.c - see kafka_topic.h.
 */
#include "kafka_topic.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "kafka_conf.h"
#include "worker.h"

#define TOPIC_READY_TIMEOUT_MS 30000
#define POLL_MS 200
#define CREATE_TIMEOUT_MS 15000

int hs_kafka_partitions_led(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    int led = -1;
    if (rkt != NULL && rd_kafka_metadata(rk, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        led = 0;
        for (int i = 0; i < md->topics[0].partition_cnt; i++)
            led += md->topics[0].partitions[i].leader >= 0;
        if (led < md->topics[0].partition_cnt)
            led = 0;
    }
    if (md != NULL)
        rd_kafka_metadata_destroy(md);
    if (rkt != NULL)
        rd_kafka_topic_destroy(rkt);
    return led;
}


/* A short-lived client that talks to one broker only, to ask it alone. */
static rd_kafka_t *probe_for(const struct hs_config *cfg, const char *host, int port, char *err,
                             size_t errlen)
{
    char address[300], why[512];
    rd_kafka_conf_t *conf = hs_kafka_conf_new(cfg, "housingsup-probe", err, errlen);
    snprintf(address, sizeof address, "%s:%d", host, port);
    if (conf == NULL || hs_kafka_set(conf, "bootstrap.servers", address, err, errlen) != 0) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *probe = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (probe == NULL) {
        snprintf(err, errlen, "kafka: cannot create a client for %s: %s", address, why);
        rd_kafka_conf_destroy(conf);
    }
    return probe;
}

/* Waits until the broker at host:port reports `partitions` partitions, all led. */
static int wait_for_broker(const struct hs_config *cfg, const char *host, int port,
                           int partitions, int *waited_ms, char *err, size_t errlen)
{
    rd_kafka_t *probe = probe_for(cfg, host, port, err, errlen);
    if (probe == NULL)
        return -1;
    int rc = -1;
    for (; *waited_ms < TOPIC_READY_TIMEOUT_MS; *waited_ms += POLL_MS) {
        if (hs_kafka_partitions_led(probe, cfg->topic) >= partitions) {
            rc = 0;
            break;
        }
        usleep(POLL_MS * 1000);
        hs_worker_beat();
    }
    rd_kafka_destroy(probe);
    return rc;
}

/* Asks every broker of the cluster in turn. */
static int wait_for_every_broker(rd_kafka_t *rk, const struct hs_config *cfg, char *err,
                                 size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    int waited_ms = 0, partitions = 0;
    err[0] = '\0';
    while ((partitions = hs_kafka_partitions_led(rk, cfg->topic)) <= 0 &&
           waited_ms < TOPIC_READY_TIMEOUT_MS) {
        usleep(POLL_MS * 1000);
        hs_worker_beat();
        waited_ms += POLL_MS;
    }
    int rc = partitions > 0 ? rd_kafka_metadata(rk, 0, NULL, &md, 5000) : -1;
    for (int i = 0; rc == 0 && i < md->broker_cnt; i++)
        rc = wait_for_broker(cfg, md->brokers[i].host, md->brokers[i].port, partitions, &waited_ms,
                             err, errlen);
    if (md != NULL)
        rd_kafka_metadata_destroy(md);
    if (rc != 0 && err[0] == '\0') /* else a probe could not be made, and err says why */
        snprintf(err, errlen, "kafka: topic %s: not every broker at %s knows its partitions "
                 "after %d s", cfg->topic, cfg->bootstrap_servers, waited_ms / 1000);
    return rc == 0 ? 0 : -1;
}

int hs_kafka_ensure_topic(rd_kafka_t *rk, const struct hs_config *cfg, char *err, size_t errlen)
{
    char why[512];
    rd_kafka_NewTopic_t *topic = rd_kafka_NewTopic_new(cfg->topic, cfg->partitions,
                                                       cfg->replication_factor, why, sizeof why);
    if (topic == NULL) {
        snprintf(err, errlen, "kafka: topic %s: %s", cfg->topic, why);
        return -1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &topic, 1, NULL, q);
    rd_kafka_event_t *ev = NULL;
    for (int waited = 0; ev == NULL && waited < CREATE_TIMEOUT_MS; waited += POLL_MS) {
        ev = rd_kafka_queue_poll(q, POLL_MS); /* in slices, beating */
        hs_worker_beat();
        rd_kafka_poll(rk, 0); /* serves error_cb: an unreachable broker shows in status */
    }
    int rc = -1;
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **results = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    if (ev == NULL || rd_kafka_event_error(ev)) {
        snprintf(err, errlen, "kafka: cannot create topic %s at %s: %s", cfg->topic,
                 cfg->bootstrap_servers, ev ? rd_kafka_event_error_string(ev) : "timed out");
        hs_worker_waiting("kafka", "broker %s unreachable: cannot create topic %s: %s",
                          cfg->bootstrap_servers, cfg->topic,
                          ev ? rd_kafka_event_error_string(ev) : "timed out");
    } else if (n == 1 && rd_kafka_topic_result_error(results[0]) &&
               rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        snprintf(err, errlen, "kafka: cannot create topic %s: %s", cfg->topic,
                 rd_kafka_topic_result_error_string(results[0]));
    } else {
        rc = 0;
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(topic);
    return rc == 0 ? wait_for_every_broker(rk, cfg, err, errlen) : rc;
}

