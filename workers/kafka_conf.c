/*
 * kafka_conf.c - see kafka_conf.h.
 */
#include "kafka_conf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "../common/log.h"
#include "worker.h"

static const struct hs_config *conf_owner;

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    enum hs_log_level ours = level <= LOG_ERR ? HS_LOG_ERROR
                           : level <= LOG_WARNING ? HS_LOG_WARN
                           : level <= LOG_INFO ? HS_LOG_INFO : HS_LOG_DEBUG;
    hs_log(ours, "kafka %s: %s", fac, buf);
}

/* librdkafka's "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed:
 * Connection refused (after 0ms in state CONNECT)" as "Connection refused". */
static void short_reason(const char *reason, char *out, size_t cap)
{
    const char *failed = strstr(reason, "failed: ");
    const char *start = failed ? failed + strlen("failed: ") : reason;
    const char *after = strstr(start, " (after ");
    int len = after ? (int)(after - start) : (int)strlen(start);
    snprintf(out, cap, "%.*s", len, start);
}

/* The TLS alerts of a broker that requires a client certificate (mutual TLS)
 * and refuses ours, or its absence; librdkafka reports them as transport
 * errors, which would otherwise read as an unreachable broker. */
static bool client_certificate_refused(const char *reason)
{
    static const char *const alerts[] = {"alert bad certificate", "alert certificate unknown",
                                         "alert certificate required", "alert unknown ca", NULL};
    for (const char *const *a = alerts; *a != NULL; a++)
        if (strstr(reason, *a) != NULL)
            return true;
    return false;
}

#define CLIENT_CERT_REFUSED "refuses our client certificate (none set, or not signed by a CA it trusts)"

int hs_kafka_describe_error(const char *brokers, int err, const char *reason, char *out,
                            size_t cap)
{
    char why[256];
    short_reason(reason, why, sizeof why);
    if (client_certificate_refused(reason))
        snprintf(out, cap, "broker %s " CLIENT_CERT_REFUSED ": %s", brokers, why);
    else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL)
        snprintf(out, cap, "broker %s refuses us: %s", brokers, why);
    else if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
             err == RD_KAFKA_RESP_ERR__RESOLVE)
        snprintf(out, cap, "broker %s unreachable: %s", brokers, why);
    else
        return 0;
    return 1;
}

/* Broker trouble is a wait, shown in status, until the role next gets
 * through (it calls hs_worker_working then). */
static void report_wait(int err, const char *reason)
{
    char line[512];
    hs_worker_error(HS_ERR_KAFKA);
    if (hs_kafka_describe_error(conf_owner->bootstrap_servers, err, reason, line, sizeof line))
        hs_worker_waiting("kafka", "%s", line);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    report_wait(err, reason);
    if (client_certificate_refused(reason))
        hs_error("kafka: broker %s " CLIENT_CERT_REFUSED "; see kafka.ssl_certificate_location: %s",
                 conf_owner->bootstrap_servers, reason);
    else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        hs_error("kafka: cannot reach any broker at %s: %s", conf_owner->bootstrap_servers, reason);
    else if (err == RD_KAFKA_RESP_ERR__FATAL)
        hs_error("kafka: fatal error: %s", reason);
    else
        hs_warn("kafka: %s: %s", rd_kafka_err2str((rd_kafka_resp_err_t)err), reason);
    (void)rk;
}

int hs_kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                 size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, name, value, why, sizeof why) == RD_KAFKA_CONF_OK)
        return 0;
    snprintf(err, errlen, "kafka: cannot set %s: %s", name, why);
    return -1;
}

/* Sets the security settings the configuration names; empty ones are left
 * to librdkafka's defaults. Values are never logged: they may be secrets. */
static int set_security(rd_kafka_conf_t *conf, const struct hs_kafka_security *sec, char *err,
                        size_t errlen)
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
        if (props[i].value[0] != '\0' && hs_kafka_set(conf, props[i].name, props[i].value, err, errlen) != 0)
            return -1;
    return 0;
}

rd_kafka_conf_t *hs_kafka_conf_new(const struct hs_config *cfg, const char *client_id, char *err,
                                   size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_owner = cfg;
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    if (hs_kafka_set(conf, "bootstrap.servers", cfg->bootstrap_servers, err, errlen) != 0 ||
        hs_kafka_set(conf, "client.id", client_id, err, errlen) != 0 ||
        set_security(conf, &cfg->kafka_security, err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
