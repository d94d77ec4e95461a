/*
 * test_security.c - housingsup against a real Kafka broker that demands
 * SASL/PLAIN on one listener, TLS on another, SASL/SCRAM-SHA-512 on a third
 * and mutual TLS (a client certificate of its CA) on a fourth
 * (scripts/kafka-secure.sh, started by tests/run.sh; its addresses, CA,
 * certificates and users come in HS_SECURE_*).
 *
 * With the right settings every row of housing.csv lands; with a wrong
 * password, without the CA, without a client certificate or with one of
 * another CA the broker refuses, the log and status say why, nothing is
 * written, and the password appears nowhere. Passwords given by
 * sasl_password_file and ssl_key_password_file work the same and are never
 * shown by `housingsup config`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Writes `secret` (and a newline, as editors leave one) to NAME-PID.pw in
 * build/it, readable by its owner alone; its path in out. */
static void secret_file(char *out, size_t cap, const char *name, const char *secret)
{
    snprintf(out, cap, "%s/build/it", getenv("PWD"));
    mkdir(out, 0755);
    snprintf(out, cap, "%s/build/it/%s-%d.pw", getenv("PWD"), name, (int)getpid());
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", secret);
    fclose(f);
    assert_int_equal(chmod(out, 0600), 0);
}

static void ingest_through(const char *name, const char *kafka_settings)
{
    struct run r;
    char out[OUT];
    start_with(&r, name, "", kafka_settings);
    assert_int_equal(run_housingsup(&r, "config", out, sizeof out), 0);
    assert_null(strstr(out, secure_env("HS_SECURE_SCRAM_PASSWORD")));
    assert_null(strstr(out, secure_env("HS_SECURE_KEY_PASSWORD")));
    assert_int_equal(rows_of(&r, 60, 506), 506);
    run_housingsup(&r, "status --json", out, sizeof out);
    assert_null(strstr(out, secure_env("HS_SECURE_SCRAM_PASSWORD")));
    assert_null(strstr(out, secure_env("HS_SECURE_KEY_PASSWORD")));
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
    assert_non_null(strstr(out, "stopped cleanly, rings empty"));
    assert_false(run_log_contains(&r, secure_env("HS_SECURE_SASL_PASSWORD")));
    assert_false(run_log_contains(&r, secure_env("HS_SECURE_SCRAM_PASSWORD")));
    assert_false(run_log_contains(&r, secure_env("HS_SECURE_KEY_PASSWORD")));
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

/* Refused: the log names the reason within seconds, `check` and `status`
 * show `status_reason` (unless NULL), and no row is written. */
static void refused_with_status(const char *name, const char *kafka_settings, const char *reason,
                                const char *status_reason, const char *secret)
{
    struct run r;
    char out[OUT];
    start_with(&r, name, "stop_timeout = 3", kafka_settings);
    if (status_reason != NULL) { /* check says it too, on a line of its own */
        assert_int_equal(run_housingsup(&r, "check", out, sizeof out), 1);
        if (strstr(out, "FAIL kafka: broker ") == NULL || strstr(out, status_reason) == NULL)
            fail_msg("check did not say \"%s\":\n%s", status_reason, out);
    }
    if (!run_log_wait_for(&r, reason, 30))
        fail_msg("the log never said \"%s\"", reason);
    for (int i = 0; status_reason != NULL && i < 30; i++, sleep(1)) {
        run_housingsup(&r, "status", out, sizeof out);
        if (strstr(out, status_reason) != NULL)
            break;
    }
    if (status_reason != NULL && strstr(out, status_reason) == NULL)
        fail_msg("status never said \"%s\":\n%s", status_reason, out);
    assert_int_equal(rows_of(&r, 1, 0), 0);
    run_housingsup(&r, "stop", out, sizeof out);
    assert_false(run_log_contains(&r, secret));
}

static void refused(const char *name, const char *kafka_settings, const char *reason,
                    const char *secret)
{
    refused_with_status(name, kafka_settings, reason, NULL, secret);
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

/* SCRAM-SHA-512, the password from sasl_password_file (a relative path:
 * from the configuration's directory would do too; this one is absolute). */
static void scram_with_password_file_ingests_everything(void **state)
{
    (void)state;
    char settings[2048], file[600];
    secret_file(file, sizeof file, "scram", secure_env("HS_SECURE_SCRAM_PASSWORD"));
    snprintf(settings, sizeof settings,
             "bootstrap_servers = \"%s\" security_protocol = \"sasl_plaintext\" "
             "sasl_mechanism = \"SCRAM-SHA-512\" sasl_username = \"%s\" "
             "sasl_password_file = \"%s\"",
             secure_env("HS_SECURE_SCRAM"), secure_env("HS_SECURE_SCRAM_USER"), file);
    ingest_through("scram", settings);
}

static void scram_wrong_password_is_refused(void **state)
{
    (void)state;
    char settings[2048], file[600], reason[256];
    secret_file(file, sizeof file, "scrambad", "not-the-scram-pw-42");
    snprintf(settings, sizeof settings,
             "bootstrap_servers = \"%s\" security_protocol = \"sasl_plaintext\" "
             "sasl_mechanism = \"SCRAM-SHA-512\" sasl_username = \"%s\" "
             "sasl_password_file = \"%s\"",
             secure_env("HS_SECURE_SCRAM"), secure_env("HS_SECURE_SCRAM_USER"), file);
    /* the endpoint and the SASL failure, in one line */
    snprintf(reason, sizeof reason, "%s/bootstrap: SASL authentication error: Authentication "
             "failed during authentication due to invalid credentials with SASL mechanism "
             "SCRAM-SHA-512", secure_env("HS_SECURE_SCRAM"));
    refused_with_status("scrambad", settings, reason, "SASL authentication error",
                        "not-the-scram-pw-42");
}

/* Mutual TLS: `certificate` and its key from HS_SECURE_TLS_DIR ("" for
 * none); the client key is encrypted, its password from a file. */
static void mtls_settings(char *out, size_t cap, const char *certificate)
{
    const char *dir = secure_env("HS_SECURE_TLS_DIR");
    char file[600], client[1400] = "";
    secret_file(file, sizeof file, "keypw", secure_env("HS_SECURE_KEY_PASSWORD"));
    if (strcmp(certificate, "client") == 0)
        snprintf(client, sizeof client, "ssl_certificate_location = \"%s/client.pem\" "
                 "ssl_key_location = \"%s/client.key\" ssl_key_password_file = \"%s\"",
                 dir, dir, file);
    else if (certificate[0] != '\0')
        snprintf(client, sizeof client, "ssl_certificate_location = \"%s/%s.pem\" "
                 "ssl_key_location = \"%s/%s.key\"", dir, certificate, dir, certificate);
    snprintf(out, cap, "bootstrap_servers = \"%s\" security_protocol = \"ssl\" "
             "ssl_ca_location = \"%s\" %s", secure_env("HS_SECURE_MTLS"),
             secure_env("HS_SECURE_CA"), client);
}

static void mtls_client_certificate_ingests_everything(void **state)
{
    (void)state;
    char settings[4096];
    mtls_settings(settings, sizeof settings, "client");
    ingest_through("mtls", settings);
}

static void mtls_without_certificate_is_refused(void **state)
{
    (void)state;
    char settings[4096];
    mtls_settings(settings, sizeof settings, "");
    refused_with_status("mtlsnone", settings, "refuses our client certificate",
                        "refuses our client certificate", secure_env("HS_SECURE_KEY_PASSWORD"));
}

static void mtls_certificate_of_another_ca_is_refused(void **state)
{
    (void)state;
    char settings[4096];
    mtls_settings(settings, sizeof settings, "other-client");
    refused_with_status("mtlsother", settings, "refuses our client certificate",
                        "refuses our client certificate", secure_env("HS_SECURE_KEY_PASSWORD"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sasl_plain_ingests_everything),
        cmocka_unit_test(tls_ingests_everything),
        cmocka_unit_test(wrong_password_is_refused),
        cmocka_unit_test(unknown_ca_is_refused),
        cmocka_unit_test(scram_with_password_file_ingests_everything),
        cmocka_unit_test(scram_wrong_password_is_refused),
        cmocka_unit_test(mtls_client_certificate_ingests_everything),
        cmocka_unit_test(mtls_without_certificate_is_refused),
        cmocka_unit_test(mtls_certificate_of_another_ca_is_refused),
    };
    return cmocka_run_group_tests_name("security", tests, NULL, NULL);
}
