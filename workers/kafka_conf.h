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

/* One line for a connection error from librdkafka's error callback (err,
 * reason) with brokers `brokers`: "broker B refuses our client certificate
 * (...): R" for a TLS alert refusing it, "broker B refuses us: R" for
 * authentication and TLS errors, "broker B unreachable: R" for transport
 * ones, R librdkafka's reason shortened. Returns 1, or 0 (out untouched)
 * for an error of another kind. */
int hs_kafka_describe_error(const char *brokers, int err, const char *reason, char *out,
                            size_t cap);

#endif
