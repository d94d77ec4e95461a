/*
 * kafka_topic.h - the topic both Kafka roles work on: created when missing,
 * and used only once every broker knows all of its partitions.
 *
 * Topic creation in Kafka is asynchronous: for a moment after CreateTopics a
 * broker may still answer that the topic has no partitions. librdkafka 2.0
 * takes such an answer at its word: the consumer group can be assigned
 * nothing and stay so, and the idempotent producer drops its per-partition
 * sequence numbers and, when the partitions come back, can have a batch
 * acknowledged as a "duplicate" that the broker never stored. So both roles
 * wait until each broker, asked on its own, reports every partition with a
 * leader before they produce or subscribe.
 */
#ifndef HS_KAFKA_TOPIC_H
#define HS_KAFKA_TOPIC_H

#include <librdkafka/rdkafka.h>

#include "../config/config.h"

/* Creates the configured topic unless it exists, then waits (at most 30 s)
 * until every broker knows it. 0, or -1 with the reason in `err`. */
int hs_kafka_ensure_topic(rd_kafka_t *rk, const struct hs_config *cfg, char *err, size_t errlen);
/* The topic's partition count when every partition has a leader, 0 when some
 * have none, -1 when the broker asked does not know the topic. */
int hs_kafka_partitions_led(rd_kafka_t *rk, const char *topic);

#endif
