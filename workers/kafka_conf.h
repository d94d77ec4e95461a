/*
 * kafka_conf.h - the librdkafka configuration both Kafka roles start from:
 * bootstrap servers, client id, and librdkafka's own logs and errors routed
 * into ours with the role's name.
 */
#ifndef HS_KAFKA_CONF_H
#define HS_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "../config/config.h"

/* Sets one property; logs and returns -1 when librdkafka refuses it. */
int hs_kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value);
/* A new configuration for `client_id`, or NULL (logged). */
rd_kafka_conf_t *hs_kafka_conf_new(const struct hs_config *cfg, const char *client_id);

#endif
