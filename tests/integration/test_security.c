/*
 * test_security.c - housingsup against a real Kafka broker that demands
 * SASL/PLAIN on one listener and TLS on another (scripts/kafka-secure.sh,
 * started by tests/run.sh; its addresses, CA and user come in HS_SECURE_*).
 *
 * With the right settings every row of housing.csv lands; with a wrong
 * password or without the CA the broker refuses, the log says why, nothing
 * is written, and the password appears nowhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define OUT 16384

static const char *secure_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        fail_msg("%s is not set: scripts/kafka-secure.sh did not start", name);
    return v;
}

/* A copy of housing.csv under its own name, so each test has its own rows. */
static void housing_copy(char *out, size_t cap, const char *name)
{
    char cmd[1400];
    snprintf(out, cap, "%s/build/it/%s-%d.csv", getenv("PWD"), name, (int)getpid());
    snprintf(cmd, sizeof cmd, "cp data/housing.csv '%s'", out);
    assert_int_equal(system(cmd), 0);
}

static long rows_of(const struct run *r, int timeout_s, long expect)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r->src);
    return sql_wait_for(q, expect, timeout_s);
}

/* Starts housingsup on its own copy of housing.csv with `top` (top-level
 * settings) and the given kafka section settings. */
static void start_with(struct run *r, const char *name, const char *top, const char *kafka_settings)
{
    char csv[600], extra[2048], out[OUT];
    housing_copy(csv, sizeof csv, name);
    snprintf(extra, sizeof extra, "%s\nkafka { %s }", top, kafka_settings);
    run_init(r, name, csv, extra);
    assert_int_equal(run_housingsup(r, "start", out, sizeof out), 0);
}

static void ingest_through(const char *name, const char *kafka_settings)
{
    struct run r;
    char out[OUT];
    start_with(&r, name, "", kafka_settings);
    assert_int_equal(rows_of(&r, 60, 506), 506);
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
    assert_non_null(strstr(out, "stopped cleanly, rings empty"));
    assert_false(run_log_contains(&r, secure_env("HS_SECURE_SASL_PASSWORD")));
}

static void sasl_plain_ingests_everything(void **state)
{
    (void)state;
    char settings[1024];
    snprintf(settings, sizeof settings,
             "bootstrap_servers = \"%s\" security_protocol = \"sasl_plaintext\" "
             "sasl_mechanism = \"PLAIN\" sasl_username = \"%s\" sasl_password = \"%s\"",
             secure_env("HS_SECURE_SASL"), secure_env("HS_SECURE_SASL_USER"),
             secure_env("HS_SECURE_SASL_PASSWORD"));
    ingest_through("sasl", settings);
}

static void tls_ingests_everything(void **state)
{
    (void)state;
    char settings[1024];
    snprintf(settings, sizeof settings,
             "bootstrap_servers = \"%s\" security_protocol = \"ssl\" ssl_ca_location = \"%s\"",
             secure_env("HS_SECURE_SSL"), secure_env("HS_SECURE_CA"));
    ingest_through("tls", settings);
}

/* Refused: the log names the reason within seconds, and no row is written. */
static void refused(const char *name, const char *kafka_settings, const char *reason,
                    const char *secret)
{
    struct run r;
    char out[OUT];
    start_with(&r, name, "stop_timeout = 3", kafka_settings);
    if (!run_log_wait_for(&r, reason, 30))
        fail_msg("the log never said \"%s\"", reason);
    assert_int_equal(rows_of(&r, 1, 0), 0);
    run_housingsup(&r, "stop", out, sizeof out);
    assert_false(run_log_contains(&r, secret));
}

static void wrong_password_is_refused(void **state)
{
    (void)state;
    char settings[1024];
    snprintf(settings, sizeof settings,
             "bootstrap_servers = \"%s\" security_protocol = \"sasl_plaintext\" "
             "sasl_mechanism = \"PLAIN\" sasl_username = \"%s\" sasl_password = \"not-the-pw-42\"",
             secure_env("HS_SECURE_SASL"), secure_env("HS_SECURE_SASL_USER"));
    refused("badpw", settings, "Authentication failed: Invalid username or password", "not-the-pw-42");
}

static void unknown_ca_is_refused(void **state)
{
    (void)state;
    char settings[1024];
    snprintf(settings, sizeof settings, "bootstrap_servers = \"%s\" security_protocol = \"ssl\"",
             secure_env("HS_SECURE_SSL"));
    refused("noca", settings, "certificate verify failed", secure_env("HS_SECURE_SASL_PASSWORD"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sasl_plain_ingests_everything),
        cmocka_unit_test(tls_ingests_everything),
        cmocka_unit_test(wrong_password_is_refused),
        cmocka_unit_test(unknown_ca_is_refused),
    };
    return cmocka_run_group_tests_name("security", tests, NULL, NULL);
}
