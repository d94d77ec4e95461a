/*
 * test_kafka_errors.c - the one line status and `check` give for a broker
 * error (hs_kafka_describe_error), on librdkafka's own words as a real broker
 * makes it say them: a client certificate refused by a TLS alert (which
 * librdkafka reports as a transport error), a SASL failure, an unreachable
 * broker, and errors of other kinds left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../workers/kafka_conf.h"

static void describes(int err, const char *reason, const char *expect)
{
    char out[512] = "untouched";
    int rc = hs_kafka_describe_error("127.0.0.1:9", err, reason, out, sizeof out);
    assert_int_equal(rc, expect != NULL);
    assert_string_equal(out, expect != NULL ? expect : "untouched");
}

static void client_certificate_refusals(void **state)
{
    (void)state;
    static const char *const alerts[] = {"bad certificate: SSL alert number 42",
                                         "certificate unknown: SSL alert number 46",
                                         "certificate required: SSL alert number 116",
                                         "unknown ca: SSL alert number 48"};
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
        char reason[256], expect[400];
        snprintf(reason, sizeof reason, "ssl://127.0.0.1:9/bootstrap: Receive failed: "
                 "error:0A000412:SSL routines::sslv3 alert %s (after 3ms in state APIVERSION_QUERY)",
                 alerts[i]);
        snprintf(expect, sizeof expect, "broker 127.0.0.1:9 refuses our client certificate (none "
                 "set, or not signed by a CA it trusts): error:0A000412:SSL routines::sslv3 alert %s",
                 alerts[i]);
        describes(RD_KAFKA_RESP_ERR__TRANSPORT, reason, expect);
    }
}

static void sasl_failure_unreachable_and_others(void **state)
{
    (void)state;
    describes(RD_KAFKA_RESP_ERR__AUTHENTICATION,
              "sasl_plaintext://127.0.0.1:9/bootstrap: SASL authentication error: Authentication "
              "failed during authentication due to invalid credentials with SASL mechanism "
              "SCRAM-SHA-512 (after 312ms in state AUTH_REQ)",
              "broker 127.0.0.1:9 refuses us: sasl_plaintext://127.0.0.1:9/bootstrap: SASL "
              "authentication error: Authentication failed during authentication due to invalid "
              "credentials with SASL mechanism SCRAM-SHA-512");
    describes(RD_KAFKA_RESP_ERR__SSL, "ssl://127.0.0.1:9/bootstrap: SSL handshake failed: "
              "certificate verify failed (after 5ms in state SSL_HANDSHAKE)",
              "broker 127.0.0.1:9 refuses us: certificate verify failed");
    describes(RD_KAFKA_RESP_ERR__TRANSPORT, "127.0.0.1:9/bootstrap: Connect to ipv4#127.0.0.1:9 "
              "failed: Connection refused (after 0ms in state CONNECT)",
              "broker 127.0.0.1:9 unreachable: Connection refused");
    describes(RD_KAFKA_RESP_ERR__FATAL, "producer fenced", NULL);
    describes(RD_KAFKA_RESP_ERR__TRANSPORT, "", "broker 127.0.0.1:9 unreachable: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_certificate_refusals),
        cmocka_unit_test(sasl_failure_unreachable_and_others),
    };
    return cmocka_run_group_tests_name("kafka_errors", tests, NULL, NULL);
}
