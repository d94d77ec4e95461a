/*
 * test_pg_tls.c - housingsup writing to a real PostgreSQL that takes TLS
 * connections only (scripts/pg-secure.sh, started by tests/run.sh; its port,
 * database, user, password and CAs come in HS_PGTLS_*), with
 * sslmode=verify-full and sslrootcert in postgres.conninfo.
 *
 * With the right CA every row of housing.csv lands there, the password given
 * by postgres.password_file or inline; with a CA that did not sign the
 * server's certificate, or a host name the certificate does not name, `check`
 * and the writers refuse with a line saying why (status too) and no row
 * lands. The password never shows in `config`, the log or status; a
 * configuration file holding it inline that others can read is warned
 * about; a reload reads the password file again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "../harness.h"

#define OUT 16384

static const char *tls_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        fail_msg("%s is not set: scripts/pg-secure.sh did not start", name);
    return v;
}

/* The TLS server's conninfo without a password: host (and hostaddr when
 * host is a name), its CA `ca`. */
static void tls_conninfo(char *out, size_t cap, const char *host, const char *ca)
{
    snprintf(out, cap, "host=%s%s port=%s dbname=%s user=%s sslmode=verify-full sslrootcert=%s",
             host, strcmp(host, "127.0.0.1") == 0 ? "" : " hostaddr=127.0.0.1",
             tls_env("HS_PGTLS_PORT"), tls_env("HS_PGTLS_DB"), tls_env("HS_PGTLS_USER"), ca);
}

/* Rows of the run's CSV in the TLS server's housing table (-1: no table yet),
 * polled until `expect` or timeout_s. Asked over verify-full too. */
static long tls_rows(const struct run *r, long expect, int timeout_s)
{
    char conninfo[1024], query[400];
    tls_conninfo(conninfo, sizeof conninfo, "127.0.0.1", tls_env("HS_PGTLS_CA"));
    const char *kw[] = {"dbname", "password", NULL}, *val[] = {conninfo, tls_env("HS_PGTLS_PASSWORD"), NULL};
    snprintf(query, sizeof query, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r->src);
    long rows = -1;
    for (int i = 0; i <= timeout_s * 4; i++) {
        PGconn *conn = PQconnectdbParams(kw, val, 1);
        if (PQstatus(conn) != CONNECTION_OK)
            fail_msg("the test's own connection failed: %s", PQerrorMessage(conn));
        PGresult *res = PQexec(conn, query);
        rows = PQresultStatus(res) == PGRES_TUPLES_OK ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : -1;
        PQclear(res);
        PQfinish(conn);
        if (rows == expect || i == timeout_s * 4)
            break;
        usleep(250000);
    }
    return rows;
}

/* Writes `secret` and a newline to FILE in the run's directory, mode 0600. */
static void write_secret(const struct run *r, const char *file, const char *secret)
{
    char path[800];
    snprintf(path, sizeof path, "%s/%s", r->dir, file);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", secret);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
}

/* A run on its own copy of housing.csv whose postgres section is `postgres`. */
static void init_run(struct run *r, const char *name, const char *postgres)
{
    char csv[600], cmd[1400], extra[2048];
    snprintf(csv, sizeof csv, "%s/build/it/%s-%d.csv", getenv("PWD"), name, (int)getpid());
    snprintf(cmd, sizeof cmd, "mkdir -p build/it && cp data/housing.csv '%s'", csv);
    assert_int_equal(system(cmd), 0);
    snprintf(extra, sizeof extra, "stop_timeout = 3\npostgres { %s }", postgres);
    run_init(r, name, csv, extra);
    assert_int_equal(chmod(r->config, 0600), 0);
}

static void assert_password_hidden(const struct run *r)
{
    char out[OUT];
    const char *password = tls_env("HS_PGTLS_PASSWORD");
    assert_int_equal(run_housingsup(r, "config", out, sizeof out), 0);
    assert_null(strstr(out, password));
    run_housingsup(r, "status", out, sizeof out);
    assert_null(strstr(out, password));
    run_housingsup(r, "status --json", out, sizeof out);
    assert_null(strstr(out, password));
    assert_false(run_log_contains(r, password));
}

static void password_file_over_verify_full_lands_everything(void **state)
{
    (void)state;
    struct run r;
    char conninfo[1024], postgres[1400], out[OUT];
    tls_conninfo(conninfo, sizeof conninfo, "127.0.0.1", tls_env("HS_PGTLS_CA"));
    snprintf(postgres, sizeof postgres, "conninfo = \"%s\" password_file = \"pg.pw\"", conninfo);
    init_run(&r, "pgtlsfile", postgres);
    write_secret(&r, "pg.pw", tls_env("HS_PGTLS_PASSWORD")); /* relative: the config's directory */
    assert_int_equal(run_housingsup(&r, "check", out, sizeof out), 0);
    assert_non_null(strstr(out, "ok   postgres"));
    assert_null(strstr(out, "warning:"));
    run_start(&r);
    assert_int_equal(tls_rows(&r, 506, 60), 506);
    assert_password_hidden(&r);
    run_stop_cleanly(&r);
    assert_password_hidden(&r);
}

/* The *_file-free way: the password inline in the conninfo; a config file
 * others can read is warned about at `config`, `check` and `start`. */
static void inline_password_lands_everything_and_warns_when_readable(void **state)
{
    (void)state;
    struct run r;
    char conninfo[1024], postgres[1400], out[OUT];
    tls_conninfo(conninfo, sizeof conninfo, "localhost", tls_env("HS_PGTLS_CA"));
    snprintf(postgres, sizeof postgres, "conninfo = \"%s password=%s\"", conninfo,
             tls_env("HS_PGTLS_PASSWORD"));
    init_run(&r, "pgtlsinline", postgres);
    assert_int_equal(run_housingsup(&r, "config", out, sizeof out), 0);
    assert_null(strstr(out, "warning:"));
    assert_int_equal(chmod(r.config, 0644), 0);
    const char *warning = "holds a password (postgres.conninfo) and is readable by others "
                          "(mode 0644); chmod 600 it or use postgres.password_file";
    assert_int_equal(run_housingsup(&r, "config", out, sizeof out), 0);
    assert_non_null(strstr(out, warning));
    assert_int_equal(run_housingsup(&r, "check", out, sizeof out), 0);
    assert_non_null(strstr(out, warning));
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_non_null(strstr(out, warning));
    assert_int_equal(tls_rows(&r, 506, 60), 506);
    assert_true(run_log_contains(&r, warning));
    assert_password_hidden(&r);
    run_stop_cleanly(&r);
}

/* Refused by libpq: `check` says `reason` and exits 1, the writers log it,
 * status shows it, and no row lands. */
static void refused(const char *name, const char *host, const char *ca, const char *reason)
{
    struct run r;
    char conninfo[1024], postgres[1400], out[OUT];
    tls_conninfo(conninfo, sizeof conninfo, host, ca);
    snprintf(postgres, sizeof postgres, "conninfo = \"%s\" password_file = \"pg.pw\"", conninfo);
    init_run(&r, name, postgres);
    write_secret(&r, "pg.pw", tls_env("HS_PGTLS_PASSWORD"));
    assert_int_equal(run_housingsup(&r, "check", out, sizeof out), 1);
    if (strstr(out, "FAIL postgres") == NULL || strstr(out, reason) == NULL)
        fail_msg("check did not say \"%s\":\n%s", reason, out);
    run_housingsup(&r, "start", out, sizeof out);
    if (!run_log_wait_for(&r, reason, 30))
        fail_msg("the log never said \"%s\"", reason);
    for (int i = 0; i < 30; i++, sleep(1)) {
        run_housingsup(&r, "status", out, sizeof out);
        if (strstr(out, reason) != NULL)
            break;
    }
    if (strstr(out, reason) == NULL)
        fail_msg("status never said \"%s\":\n%s", reason, out);
    assert_true(tls_rows(&r, 0, 0) <= 0);
    assert_password_hidden(&r);
    run_housingsup(&r, "stop", out, sizeof out);
}

static void another_ca_is_refused(void **state)
{
    (void)state;
    refused("pgtlsca", "127.0.0.1", tls_env("HS_PGTLS_OTHER_CA"), "certificate verify failed");
}

static void host_not_in_certificate_is_refused(void **state)
{
    (void)state;
    refused("pgtlshost", "not-in-the-certificate.invalid", tls_env("HS_PGTLS_CA"),
            "does not match host name \"not-in-the-certificate.invalid\"");
}

/* A wrong password in the file, then the right one and SIGHUP: the reload
 * reads the file again and the writers, restarted with it, write. */
static void reload_reads_the_password_file_again(void **state)
{
    (void)state;
    struct run r;
    char conninfo[1024], postgres[1400];
    tls_conninfo(conninfo, sizeof conninfo, "127.0.0.1", tls_env("HS_PGTLS_CA"));
    snprintf(postgres, sizeof postgres, "conninfo = \"%s\" password_file = \"pg.pw\"", conninfo);
    init_run(&r, "pgtlsreload", postgres);
    write_secret(&r, "pg.pw", "not-the-pg-pw-42");
    run_start(&r);
    if (!run_log_wait_for(&r, "password authentication failed", 30))
        fail_msg("the log never said the password was wrong");
    assert_true(tls_rows(&r, 0, 0) <= 0);
    write_secret(&r, "pg.pw", tls_env("HS_PGTLS_PASSWORD"));
    assert_int_equal(kill(run_supervisor_pid(&r), SIGHUP), 0);
    assert_int_equal(tls_rows(&r, 506, 60), 506);
    assert_false(run_log_contains(&r, "not-the-pg-pw-42"));
    assert_password_hidden(&r);
    run_stop_cleanly(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_file_over_verify_full_lands_everything),
        cmocka_unit_test(inline_password_lands_everything_and_warns_when_readable),
        cmocka_unit_test(another_ca_is_refused),
        cmocka_unit_test(host_not_in_certificate_is_refused),
        cmocka_unit_test(reload_reads_the_password_file_again),
    };
    return cmocka_run_group_tests_name("pg_tls", tests, NULL, NULL);
}
