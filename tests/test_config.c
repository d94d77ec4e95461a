/*
 * test_config.c - the configuration loader: defaults, the shipped file, every
 * validation error, and relative paths made absolute.
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

#include "../config/config.h"

static char tmp_path[] = "/tmp/housingsup-config-XXXXXX";

static const char *write_config(const char *text)
{
    strcpy(tmp_path, "/tmp/housingsup-config-XXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return tmp_path;
}

static int load(const char *text, struct hs_config *cfg, char *err)
{
    int rc = hs_config_load(write_config(text), cfg, err, 1024);
    unlink(tmp_path);
    return rc;
}

static void empty_file_gives_defaults(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "", cwd[PATH_MAX], expect[PATH_MAX + 32];
    assert_int_equal(load("", &cfg, err), 0);
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(expect, sizeof expect, "%s/data/housing.csv", cwd);
    assert_string_equal(cfg.csv_path, expect);
    snprintf(expect, sizeof expect, "%s/run", cwd);
    assert_string_equal(cfg.state_dir, expect);
    assert_int_equal(cfg.batch_size, 100);
    assert_int_equal(cfg.writers, 2);
    assert_int_equal(cfg.log_level, 2); /* info */
    assert_int_equal(cfg.ring_slots, 1024);
    assert_int_equal(cfg.writer_batch, 5000);
    assert_int_equal(cfg.stop_timeout, 60);
    assert_int_equal(cfg.rate_limit, 0);
    assert_string_equal(cfg.bootstrap_servers, "localhost:9092");
    assert_string_equal(cfg.topic, "housing-data");
    assert_int_equal(cfg.partitions, 1);
    assert_int_equal(cfg.replication_factor, 1);
    assert_string_equal(cfg.group_id, "housingsup");
    assert_int_equal(cfg.max_message_bytes, 1000000);
    assert_string_equal(cfg.pg_conninfo, "");
}

/* The documented file states every default: loading it equals loading nothing. */
static void shipped_file_matches_defaults(void **state)
{
    (void)state;
    struct hs_config shipped, defaults;
    char err[1024] = "";
    assert_int_equal(hs_config_load("config/housingsup.conf", &shipped, err, sizeof err), 0);
    assert_int_equal(load("", &defaults, err), 0);
    memset(shipped.path, 0, sizeof shipped.path);
    memset(defaults.path, 0, sizeof defaults.path);
    assert_memory_equal(&shipped, &defaults, sizeof shipped);
}

static void values_are_read(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "";
    assert_int_equal(load("csv_path = \"/data/x.csv\"\nbatch_size = 7\nwriters = 4\nlog_level = \"DEBUG\"\n"
                          "kafka { bootstrap_servers = \"127.0.0.1:1\" topic = \"t\" partitions = 4 }\n"
                          "postgres { conninfo = \"host=h port=1\" }\n", &cfg, err), 0);
    assert_string_equal(cfg.csv_path, "/data/x.csv");
    assert_int_equal(cfg.batch_size, 7);
    assert_int_equal(cfg.writers, 4);
    assert_int_equal(cfg.log_level, 3);
    assert_string_equal(cfg.bootstrap_servers, "127.0.0.1:1");
    assert_string_equal(cfg.topic, "t");
    assert_int_equal(cfg.partitions, 4);
    assert_string_equal(cfg.pg_conninfo, "host=h port=1");
}

static void errors_name_file_and_key(void **state)
{
    (void)state;
    struct { const char *text, *suffix; } cases[] = {
        {"batch_size = 0\n", ": batch_size = 0 is out of range [1, 100000]"},
        {"writers = 17\n", ": writers = 17 is out of range [1, 16]"},
        {"ring_slots = 1000\n", ": ring_slots = 1000 is not a power of two"},
        {"log_level = \"loud\"\n", ": log_level = \"loud\" is not one of error, warn, info, debug"},
        {"kafka { topic = \"\" }\n", ": kafka.topic and kafka.bootstrap_servers must not be empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hs_config cfg;
        char err[1024] = "", expect[1100];
        assert_int_equal(load(cases[i].text, &cfg, err), -1);
        snprintf(expect, sizeof expect, "%s%s", tmp_path, cases[i].suffix);
        assert_string_equal(err, expect);
    }
}

static void unknown_key_and_syntax_errors(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "";
    assert_int_equal(load("batch_sise = 5\n", &cfg, err), -1);
    assert_non_null(strstr(err, "no such option 'batch_sise'"));
    assert_int_equal(strncmp(err, "config file /tmp/housingsup-config-", 35), 0);
    assert_int_equal(load("batch_size = \"many\"\n", &cfg, err), -1);
    assert_non_null(strstr(err, "batch_size"));
}

static void missing_file(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "";
    assert_int_equal(hs_config_load("/nonexistent/housingsup.conf", &cfg, err, sizeof err), -1);
    assert_string_equal(err, "config file /nonexistent/housingsup.conf: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_file_gives_defaults),
        cmocka_unit_test(shipped_file_matches_defaults),
        cmocka_unit_test(values_are_read),
        cmocka_unit_test(errors_name_file_and_key),
        cmocka_unit_test(unknown_key_and_syntax_errors),
        cmocka_unit_test(missing_file),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
