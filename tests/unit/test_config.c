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

#include "../../common/limits.h"
#include "../../config/config.h"
#include "../../workers/json.h"
#include "../../workers/settings.h"

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
    int rc = hs_settings_load(write_config(text), cfg, err, 1024);
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
    assert_int_equal(cfg.ring_slots, 4096);
    assert_int_equal(cfg.writer_batch, 5000);
    assert_int_equal(cfg.stop_timeout, 60);
    assert_int_equal(cfg.rate_limit, 0);
    assert_string_equal(cfg.bootstrap_servers, "localhost:9092");
    assert_string_equal(cfg.topic, "housing-data");
    assert_int_equal(cfg.partitions, 1);
    assert_int_equal(cfg.replication_factor, 1);
    assert_string_equal(cfg.group_id, "housingsup");
    assert_int_equal(cfg.max_message_bytes, 1000000);
    assert_string_equal(cfg.compression, "lz4");
    assert_string_equal(cfg.pg_conninfo, "");
    assert_string_equal(cfg.pg_sslmode, "");
    assert_string_equal(cfg.metrics_address, "127.0.0.1");
    assert_int_equal(cfg.metrics_port, 0);
    assert_string_equal(cfg.kafka_security.protocol, "plaintext");
    assert_string_equal(cfg.kafka_security.sasl_mechanism, "");
    assert_string_equal(cfg.kafka_security.sasl_password, "");
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
        {"metrics_port = 70000\n", ": metrics_port = 70000 is out of range [0, 65535]"},
        {"kafka { security_protocol = \"tls\" }\n",
         ": kafka.security_protocol = \"tls\" is not one of plaintext, ssl, sasl_plaintext, sasl_ssl"},
        {"kafka { security_protocol = \"sasl_ssl\" }\n",
         ": kafka.security_protocol = sasl_ssl needs kafka.sasl_mechanism = PLAIN, SCRAM-SHA-256 or "
         "SCRAM-SHA-512 (got \"\")"},
        {"kafka { compression = \"brotli\" }\n",
         ": kafka.compression = \"brotli\" is not one of none, gzip, snappy, lz4, zstd"},
        {"kafka { partitions = 1025 }\n", ": partitions = 1025 is out of range [1, 1024]"},
        {"kafka { max_message_bytes = 4568 }\n", ": one record of table housing may encode to "
         "4569 bytes, above kafka.max_message_bytes = 4568; lower table.max_row_bytes or raise "
         "max_message_bytes"},
        {"postgres { sslmode = \"always\" }\n",
         ": postgres.sslmode = \"always\" is not one of disable, allow, prefer, require, verify-ca, "
         "verify-full"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hs_config cfg;
        char err[1024] = "", expect[1100];
        assert_int_equal(load(cases[i].text, &cfg, err), -1);
        snprintf(expect, sizeof expect, "%s%s", tmp_path, cases[i].suffix);
        assert_string_equal(err, expect);
    }
}

/* The limits are accepted at their bound and refused one past it (above). */
static void limits_hold_at_the_bound(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "", text[200];
    snprintf(text, sizeof text, "kafka { partitions = %d }\n", HS_MAX_PARTITIONS);
    assert_int_equal(load(text, &cfg, err), 0);
    assert_int_equal(cfg.partitions, 1024);
    /* a batch of any size: it goes as several messages when it does not fit one */
    assert_int_equal(load("batch_size = 100000\n", &cfg, err), 0);
    /* one housing record at its largest (a dead letter of 548 raw bytes, all escaped) */
    assert_int_equal(load("kafka { max_message_bytes = 4569 }\n", &cfg, err), 0);
    assert_int_equal(load("table { max_row_bytes = 2048 }\nkafka { max_message_bytes = 4569 }\n",
                          &cfg, err), -1);
    assert_non_null(strstr(err, ": one record of table housing may encode to 13785 bytes, above "
                                "kafka.max_message_bytes = 4569;"));
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

static void security_settings_are_read(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "";
    assert_int_equal(load("kafka { security_protocol = \"SASL_SSL\" sasl_mechanism = \"SCRAM-SHA-512\"\n"
                          "sasl_username = \"u\" sasl_password = \"p w\" ssl_ca_location = \"/ca.pem\" }\n"
                          "postgres { sslmode = \"verify-full\" }\nmetrics_port = 9187\n", &cfg, err), 0);
    assert_string_equal(cfg.kafka_security.protocol, "SASL_SSL");
    assert_string_equal(cfg.kafka_security.sasl_mechanism, "SCRAM-SHA-512");
    assert_string_equal(cfg.kafka_security.sasl_username, "u");
    assert_string_equal(cfg.kafka_security.sasl_password, "p w");
    assert_string_equal(cfg.kafka_security.ssl_ca_location, "/ca.pem");
    assert_string_equal(cfg.pg_sslmode, "verify-full");
    assert_int_equal(cfg.metrics_port, 9187);
}

/* `housingsup config` prints every key of the schema once, secrets masked. */
static void printed_config_masks_secrets(void **state)
{
    (void)state;
    char err[1024] = "", *text = NULL;
    size_t len = 0;
    const char *path = write_config("kafka { sasl_password = \"hunter2\" ssl_key_password = \"k3y\" }\n"
                                    "postgres { conninfo = \"host=h password=s3cret user=u\" }\n");
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(hs_config_print(path, out, err, sizeof err), 0);
    fclose(out);
    unlink(tmp_path);
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "k3y"));
    assert_null(strstr(text, "s3cret"));
    assert_non_null(strstr(text, "\nkafka.sasl_password = \"********\"\n"));
    /* libpq's reading of it, in libpq's order of options */
    assert_non_null(strstr(text, "\npostgres.conninfo = \"user=u password=******** host=h\"\n"));
    assert_non_null(strstr(text, "\nbatch_size = 100\n"));
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 17 + 17 + 3 + 3); /* the file's name, top level, kafka, postgres, table */
    free(text);

    path = write_config("postgres { conninfo = \"postgresql://u:pw@h:5/db\" }\n");
    out = open_memstream(&text, &len);
    assert_int_equal(hs_config_print(path, out, err, sizeof err), 0);
    fclose(out);
    unlink(tmp_path);
    assert_non_null(strstr(text, "postgres.conninfo = \"user=u password=******** dbname=db host=h port=5\""));
    assert_null(strstr(text, "pw"));
    free(text);
}

static void table_section(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "", type[64];
    assert_int_equal(load("", &cfg, err), 0);
    assert_string_equal(cfg.schema.table, "housing");
    assert_int_equal(cfg.schema.ncols, 14);
    assert_string_equal(cfg.schema.cols[0].name, "crim");
    assert_string_equal(cfg.schema.cols[0].header, "CRIM");
    assert_int_equal(cfg.schema.cols[3].type, HS_TYPE_INTEGER); /* chas */
    assert_int_equal(cfg.schema.cols[8].type, HS_TYPE_INTEGER); /* rad */
    assert_int_equal(cfg.schema.cols[13].type, HS_TYPE_DOUBLE);
    assert_false(cfg.schema.cols[13].nullable);
    assert_true(cfg.schema.create);
    assert_int_equal(cfg.schema.max_row_bytes, 512);

    assert_int_equal(load("table {\n name = \"trips\"\n create = false\n max_row_bytes = 9000\n"
                          " column fare { type = \"NUMERIC(10, 2)\" nullable = true null = \"NA\" }\n"
                          " column \"Pickup At\" { type = \"timestamp with time zone\" header = \"pickup\" }\n"
                          " column note { }\n"
                          " column code { type = \"varchar(20)\" }\n}\n", &cfg, err), 0);
    assert_string_equal(cfg.schema.table, "trips");
    assert_false(cfg.schema.create);
    assert_int_equal(cfg.schema.max_row_bytes, 9000);
    assert_int_equal(cfg.schema.ncols, 4);
    hs_type_sql(&cfg.schema.cols[0], type, sizeof type);
    assert_string_equal(type, "numeric(10,2)");
    assert_true(cfg.schema.cols[0].nullable);
    assert_string_equal(cfg.schema.cols[0].null_text, "NA");
    assert_string_equal(cfg.schema.cols[0].header, "fare");
    assert_string_equal(cfg.schema.cols[1].name, "Pickup At");
    assert_string_equal(cfg.schema.cols[1].header, "pickup");
    hs_type_sql(&cfg.schema.cols[1], type, sizeof type);
    assert_string_equal(type, "timestamp with time zone");
    hs_type_sql(&cfg.schema.cols[2], type, sizeof type);
    assert_string_equal(type, "text");
    hs_type_sql(&cfg.schema.cols[3], type, sizeof type);
    assert_string_equal(type, "character varying(20)");
    assert_int_equal(hs_schema_find(&cfg.schema, "PICKUP", 6), 1);
    assert_int_equal(hs_schema_find(&cfg.schema, "pickup at", 9), 1);
    assert_int_equal(hs_schema_find(&cfg.schema, "fares", 5), -1);

    const struct { const char *text, *error; } bad[] = {
        {"table { column a { type = \"money\" } }", ": table.column a: type 'money' is not one "
         "housingsup stores (smallint, integer, bigint, real, double precision, numeric[(p,s)], "
         "boolean, text, varchar(n), date, timestamp, timestamptz, uuid)"},
        {"table { column a { type = \"varchar(0)\" } }", "type 'varchar(0)' is not one"},
        {"table { column a { type = \"integer(3)\" } }", "type 'integer(3)' is not one"},
        {"table { column a { type = \"numeric(3,4)\" } }", "type 'numeric(3,4)' is not one"},
        {"table { column a { } column A { } }", ": table housing: column A is named twice"},
        {"table { column src_line { } }", ": table housing: column src_line is one housingsup "
         "adds itself (id, src_file, src_line, read_us, created_at); name it otherwise"},
        {"table { name = \"\" }", ": the table has no name"},
        {"table { name = \"a_name_of_forty_eight_bytes_is_one_too_many_xxxx\" }",
         "table.name is too long (48 bytes, at most 47)"},
        {"table { max_row_bytes = 63 }", "max_row_bytes = 63 is out of range [64, 16777216]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(load(bad[i].text, &cfg, err), -1);
        if (strstr(err, bad[i].error) == NULL)
            fail_msg("%s: got '%s', want '%s'", bad[i].text, err, bad[i].error);
    }
}

/* Every key `housingsup config` knows is documented in the shipped file with
 * its default value, as "key = value" inside its section. */
static void shipped_file_documents_every_key(void **state)
{
    (void)state;
    char err[1024] = "", *printed = NULL, *doc = NULL, line[1200];
    size_t len = 0, doc_len = 0;
    FILE *out = open_memstream(&printed, &len);
    assert_int_equal(hs_config_print("/dev/null", out, err, sizeof err), 0);
    fclose(out);
    FILE *f = fopen("config/housingsup.conf", "r");
    assert_non_null(f);
    assert_int_equal(getdelim(&doc, &doc_len, '\0', f) > 0, 1);
    fclose(f);
    int keys = 0;
    for (char *p = strchr(printed, '\n') + 1; *p; p = strchr(p, '\n') + 1, keys++) {
        size_t n = strcspn(p, "\n");
        char *dot = memchr(p, '.', strcspn(p, " "));
        const char *key = dot ? dot + 1 : p;
        snprintf(line, sizeof line, "\n%s%.*s\n", dot ? "    " : "", (int)(n - (size_t)(key - p)), key);
        if (strstr(doc, line) == NULL)
            fail_msg("config/housingsup.conf does not document%s", line);
    }
    assert_int_equal(keys, 40);
    free(printed);
    free(doc);
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
        cmocka_unit_test(limits_hold_at_the_bound),
        cmocka_unit_test(unknown_key_and_syntax_errors),
        cmocka_unit_test(security_settings_are_read),
        cmocka_unit_test(printed_config_masks_secrets),
        cmocka_unit_test(table_section),
        cmocka_unit_test(shipped_file_documents_every_key),
        cmocka_unit_test(missing_file),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
