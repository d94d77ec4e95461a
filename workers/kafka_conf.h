/*
 * kafka_conf.h - the librdkafka configuration both Kafka roles start from:
 * bootstrap servers, client id, and librdkafka's own logs and errors routed
 * into ours with the role's name.
 */
#ifndef HS_KAFKA_CONF_H
#define HS_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "../config/config.h"

/* Sets one property. 0, or -1 with the reason in `err` when librdkafka
 * refuses it. */
int hs_kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                 size_t errlen);
/* A new configuration for `client_id`, or NULL with the reason in `err`.
 * librdkafka's own log lines and errors, which arrive by callback while the
 * role runs, are logged by it (with the role's name) as they come. */
rd_kafka_conf_t *hs_kafka_conf_new(const struct hs_config *cfg, const char *client_id, char *err,
                                   size_t errlen);

#endif
