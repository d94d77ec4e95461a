/*
 * kafka_conf.c - see kafka_conf.h.
 */
#include "kafka_conf.h"

#include <syslog.h>

#include "../supervisor/log.h"

static const struct hs_config *conf_owner;

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    enum hs_log_level ours = level <= LOG_ERR ? HS_LOG_ERROR
                           : level <= LOG_WARNING ? HS_LOG_WARN
                           : level <= LOG_INFO ? HS_LOG_INFO : HS_LOG_DEBUG;
    hs_log(ours, "kafka %s: %s", fac, buf);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        hs_error("kafka: cannot reach any broker at %s: %s", conf_owner->bootstrap_servers, reason);
    else if (err == RD_KAFKA_RESP_ERR__FATAL)
        hs_error("kafka: fatal error: %s", reason);
    else
        hs_warn("kafka: %s: %s", rd_kafka_err2str((rd_kafka_resp_err_t)err), reason);
    (void)rk;
}

int hs_kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char why[512];
    if (rd_kafka_conf_set(conf, name, value, why, sizeof why) != RD_KAFKA_CONF_OK) {
        hs_error("kafka: cannot set %s: %s", name, why);
        return -1;
    }
    return 0;
}

int hs_kafka_ensure_topic(rd_kafka_t *rk, const struct hs_config *cfg)
{
    char why[512];
    rd_kafka_NewTopic_t *topic = rd_kafka_NewTopic_new(cfg->topic, cfg->partitions,
                                                       cfg->replication_factor, why, sizeof why);
    if (topic == NULL) {
        hs_error("kafka: topic %s: %s", cfg->topic, why);
        return -1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &topic, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    int rc = -1;
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **results = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    if (ev == NULL || rd_kafka_event_error(ev)) {
        hs_error("kafka: cannot create topic %s at %s: %s", cfg->topic, cfg->bootstrap_servers,
                 ev ? rd_kafka_event_error_string(ev) : "timed out");
    } else if (n == 1 && rd_kafka_topic_result_error(results[0]) &&
               rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        hs_error("kafka: cannot create topic %s: %s", cfg->topic,
                 rd_kafka_topic_result_error_string(results[0]));
    } else {
        rc = 0;
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(topic);
    return rc;
}

/* Sets the security settings the configuration names; empty ones are left
 * to librdkafka's defaults. Values are never logged: they may be secrets. */
static int set_security(rd_kafka_conf_t *conf, const struct hs_kafka_security *sec)
{
    const struct { const char *name, *value; } props[] = {
        {"security.protocol", sec->protocol},
        {"sasl.mechanisms", sec->sasl_mechanism},
        {"sasl.username", sec->sasl_username},
        {"sasl.password", sec->sasl_password},
        {"ssl.ca.location", sec->ssl_ca_location},
        {"ssl.certificate.location", sec->ssl_certificate_location},
        {"ssl.key.location", sec->ssl_key_location},
        {"ssl.key.password", sec->ssl_key_password},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (props[i].value[0] != '\0' && hs_kafka_set(conf, props[i].name, props[i].value) != 0)
            return -1;
    return 0;
}

rd_kafka_conf_t *hs_kafka_conf_new(const struct hs_config *cfg, const char *client_id)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_owner = cfg;
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    if (hs_kafka_set(conf, "bootstrap.servers", cfg->bootstrap_servers) != 0 ||
        hs_kafka_set(conf, "client.id", client_id) != 0 ||
        set_security(conf, &cfg->kafka_security) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
