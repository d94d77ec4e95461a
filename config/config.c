/*
 * config.c - parse and validate housingsup.conf with libconfuse.
 *
 * Every key has a default here; config/housingsup.conf documents the same
 * keys with the same defaults. A value out of range is an error naming the
 * file and the key, never silently clamped.
 */
#include "config.h"

#include <confuse.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/limits.h"
#include "../common/log.h"
#include "conninfo.h"            /* the conninfo as libpq reads it, for display */
#include "secrets.h"

static char *parse_error; /* where the libconfuse error callback writes */
static size_t parse_error_len;

static void record_parse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
    (void)cfg;
    vsnprintf(parse_error, parse_error_len, fmt, ap);
}

static cfg_t *config_schema(void)
{
    static cfg_opt_t kafka_opts[] = {
        CFG_STR("bootstrap_servers", "localhost:9092", CFGF_NONE),
        CFG_STR("topic", "housing-data", CFGF_NONE),
        CFG_INT("partitions", 1, CFGF_NONE),
        CFG_INT("replication_factor", 1, CFGF_NONE),
        CFG_STR("group_id", "housingsup", CFGF_NONE),
        CFG_INT("max_message_bytes", 1000000, CFGF_NONE),
        CFG_STR("compression", "lz4", CFGF_NONE),
        CFG_STR("security_protocol", "plaintext", CFGF_NONE),
        CFG_STR("sasl_mechanism", "", CFGF_NONE),
        CFG_STR("sasl_username", "", CFGF_NONE),
        CFG_STR("sasl_password", "", CFGF_NONE),
        CFG_STR("sasl_password_file", "", CFGF_NONE),
        CFG_STR("ssl_ca_location", "", CFGF_NONE),
        CFG_STR("ssl_certificate_location", "", CFGF_NONE),
        CFG_STR("ssl_key_location", "", CFGF_NONE),
        CFG_STR("ssl_key_password", "", CFGF_NONE),
        CFG_STR("ssl_key_password_file", "", CFGF_NONE),
        CFG_END()};
    static cfg_opt_t postgres_opts[] = {
        CFG_STR("conninfo", "", CFGF_NONE),
        CFG_STR("sslmode", "", CFGF_NONE),
        CFG_STR("password_file", "", CFGF_NONE),
        CFG_END()};
    static cfg_opt_t column_opts[] = {
        CFG_STR("type", "text", CFGF_NONE),
        CFG_STR("header", "", CFGF_NONE), /* empty: the column's name */
        CFG_BOOL("nullable", cfg_false, CFGF_NONE),
        CFG_STR("null", "", CFGF_NONE),
        CFG_END()};
    static cfg_opt_t table_opts[] = {
        CFG_STR("name", "housing", CFGF_NONE),
        CFG_BOOL("create", cfg_true, CFGF_NONE),
        CFG_INT("max_row_bytes", 512, CFGF_NONE),
        CFG_SEC("column", column_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_END()};
    static cfg_opt_t opts[] = {
        CFG_STR("csv_path", "data/housing.csv", CFGF_NONE),
        CFG_BOOL("follow", cfg_false, CFGF_NONE),
        CFG_STR("encoding", "auto", CFGF_NONE),
        CFG_STR("delimiter", "auto", CFGF_NONE),
        CFG_STR("decimal_comma", "auto", CFGF_NONE),
        CFG_STR("header", "auto", CFGF_NONE),
        CFG_STR("state_dir", "run", CFGF_NONE),
        CFG_INT("batch_size", 100, CFGF_NONE),
        CFG_INT("writers", 2, CFGF_NONE),
        CFG_STR("log_level", "info", CFGF_NONE),
        CFG_INT("ring_slots", 4096, CFGF_NONE),
        CFG_INT("writer_batch", 5000, CFGF_NONE),
        CFG_INT("stop_timeout", 60, CFGF_NONE),
        CFG_INT("watchdog_timeout", 30, CFGF_NONE),
        CFG_INT("rate_limit", 0, CFGF_NONE),
        CFG_STR("metrics_address", "127.0.0.1", CFGF_NONE),
        CFG_INT("metrics_port", 0, CFGF_NONE),
        CFG_SEC("kafka", kafka_opts, CFGF_NONE),
        CFG_SEC("postgres", postgres_opts, CFGF_NONE),
        CFG_SEC("table", table_opts, CFGF_NONE),
        CFG_END()};
    return cfg_init(opts, CFGF_NONE);
}

static int copy_string(char *dst, size_t cap, const char *src, const char *key,
                       const char *file, char *err, size_t errlen)
{
    if (strlen(src) >= cap) {
        snprintf(err, errlen, "%s: %s is too long (%zu bytes, at most %zu)", file, key,
                 strlen(src), cap - 1);
        return -1;
    }
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

/* Makes a relative path absolute against the current directory. */
static int copy_path(char *dst, const char *src, const char *key, const char *file,
                     char *err, size_t errlen)
{
    char cwd[PATH_MAX];
    if (src[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
        return copy_string(dst, PATH_MAX, src, key, file, err, errlen);
    if (snprintf(dst, PATH_MAX, "%s/%s", cwd, src) >= PATH_MAX) {
        snprintf(err, errlen, "%s: %s is too long", file, key);
        return -1;
    }
    return 0;
}

static int read_int(cfg_t *sec, const char *key, long lo, long hi, int *out,
                    const char *file, char *err, size_t errlen)
{
    long v = cfg_getint(sec, key);
    if (v < lo || v > hi) {
        snprintf(err, errlen, "%s: %s = %ld is out of range [%ld, %ld]", file, key, v, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The input format; what the values mean is checked by workers/settings.c. */
static int read_format(cfg_t *c, struct hs_config *cfg, char *err, size_t errlen)
{
    const char *f = cfg->path;
    if (copy_string(cfg->encoding, sizeof cfg->encoding, cfg_getstr(c, "encoding"), "encoding",
                    f, err, errlen) ||
        copy_string(cfg->delimiter, sizeof cfg->delimiter, cfg_getstr(c, "delimiter"),
                    "delimiter", f, err, errlen) ||
        copy_string(cfg->decimal_comma, sizeof cfg->decimal_comma,
                    cfg_getstr(c, "decimal_comma"), "decimal_comma", f, err, errlen) ||
        copy_string(cfg->header, sizeof cfg->header, cfg_getstr(c, "header"), "header", f, err,
                    errlen))
        return -1;
    return 0;
}

static int read_top_level(cfg_t *c, struct hs_config *cfg, char *err, size_t errlen)
{
    const char *f = cfg->path;
    if (copy_path(cfg->csv_path, cfg_getstr(c, "csv_path"), "csv_path", f, err, errlen) ||
        copy_path(cfg->state_dir, cfg_getstr(c, "state_dir"), "state_dir", f, err, errlen) ||
        read_int(c, "batch_size", 1, 100000, &cfg->batch_size, f, err, errlen) ||
        read_int(c, "writers", 1, HS_MAX_WRITERS, &cfg->writers, f, err, errlen) ||
        read_int(c, "ring_slots", 64, 1 << 20, &cfg->ring_slots, f, err, errlen) ||
        read_int(c, "writer_batch", 1, 1000000, &cfg->writer_batch, f, err, errlen) ||
        read_int(c, "stop_timeout", 1, 3600, &cfg->stop_timeout, f, err, errlen) ||
        read_int(c, "watchdog_timeout", 0, 3600, &cfg->watchdog_timeout, f, err, errlen) ||
        read_int(c, "rate_limit", 0, 100000000, &cfg->rate_limit, f, err, errlen) ||
        read_int(c, "metrics_port", 0, 65535, &cfg->metrics_port, f, err, errlen) ||
        copy_string(cfg->metrics_address, sizeof cfg->metrics_address,
                    cfg_getstr(c, "metrics_address"), "metrics_address", f, err, errlen) ||
        read_format(c, cfg, err, errlen))
        return -1;
    cfg->follow = cfg_getbool(c, "follow") ? 1 : 0;
    if ((cfg->ring_slots & (cfg->ring_slots - 1)) != 0) {
        snprintf(err, errlen, "%s: ring_slots = %d is not a power of two", f, cfg->ring_slots);
        return -1;
    }
    cfg->log_level = hs_log_level_from_name(cfg_getstr(c, "log_level"));
    if (cfg->log_level < 0) {
        snprintf(err, errlen, "%s: log_level = \"%s\" is not one of error, warn, info, debug",
                 f, cfg_getstr(c, "log_level"));
        return -1;
    }
    return 0;
}

static bool one_of(const char *value, const char *const *allowed)
{
    for (; *allowed != NULL; allowed++)
        if (strcasecmp(value, *allowed) == 0)
            return true;
    return false;
}

static void add_warning(struct hs_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_warning(struct hs_config *cfg, const char *fmt, ...)
{
    if (cfg->nwarnings >= HS_CONFIG_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cfg->warnings[cfg->nwarnings++], HS_CONFIG_WARNING_MAX, fmt, ap);
    va_end(ap);
}

/* A relative `*_file` path is taken from the configuration file's directory,
 * so that a reload (made from "/" by the daemon) finds the same file. */
static int secret_path(char *dst, const char *value, const char *key, const struct hs_config *cfg,
                       char *err, size_t errlen)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cfg->path);
    int n = value[0] == '/' ? snprintf(dst, PATH_MAX, "%s", value)
                            : snprintf(dst, PATH_MAX, "%s/%s", dirname(dir), value);
    if (n < PATH_MAX)
        return 0;
    snprintf(err, errlen, "%s: %s is too long", cfg->path, key);
    return -1;
}

static void warn_if_exposed(struct hs_config *cfg, const char *key, const char *file)
{
    struct stat st;
    if (stat(file, &st) == 0 && hs_secret_exposed(&st))
        add_warning(cfg, "%s (%s) is readable by others (mode %04o); chmod 600 it", file, key,
                    (unsigned)(st.st_mode & 07777));
}

/* The password in the file that setting `key`_file of section `sec` names,
 * into dst (cap bytes), when it names one. dst holds the inline value: both
 * set is an error. */
static int read_secret_file(cfg_t *sec, const char *section, const char *key, char *dst,
                            size_t cap, struct hs_config *cfg, char *err, size_t errlen)
{
    char file_key[64], qualified[96], file[PATH_MAX];
    snprintf(file_key, sizeof file_key, "%s_file", key);
    snprintf(qualified, sizeof qualified, "%s.%s", section, file_key);
    const char *value = cfg_getstr(sec, file_key);
    if (value[0] == '\0')
        return 0;
    if (dst[0] != '\0') {
        snprintf(err, errlen, "%s: %s.%s and %s are both set; use one", cfg->path, section, key,
                 qualified);
        return -1;
    }
    if (secret_path(file, value, qualified, cfg, err, errlen) != 0 ||
        hs_secret_read(cfg->path, qualified, file, dst, cap, err, errlen) != 0)
        return -1;
    warn_if_exposed(cfg, qualified, file);
    return 0;
}

/* The librdkafka security settings, passed through as they are. */
static int read_kafka_security(cfg_t *k, struct hs_config *cfg, char *err, size_t errlen)
{
    static const char *const protocols[] = {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl", NULL};
    static const char *const mechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", NULL};
    struct hs_kafka_security *sec = &cfg->kafka_security;
    const struct { const char *key; char *dst; size_t cap; } fields[] = {
        {"security_protocol", sec->protocol, sizeof sec->protocol},
        {"sasl_mechanism", sec->sasl_mechanism, sizeof sec->sasl_mechanism},
        {"sasl_username", sec->sasl_username, sizeof sec->sasl_username},
        {"sasl_password", sec->sasl_password, sizeof sec->sasl_password},
        {"ssl_ca_location", sec->ssl_ca_location, sizeof sec->ssl_ca_location},
        {"ssl_certificate_location", sec->ssl_certificate_location,
         sizeof sec->ssl_certificate_location},
        {"ssl_key_location", sec->ssl_key_location, sizeof sec->ssl_key_location},
        {"ssl_key_password", sec->ssl_key_password, sizeof sec->ssl_key_password},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (copy_string(fields[i].dst, fields[i].cap, cfg_getstr(k, fields[i].key), fields[i].key,
                        cfg->path, err, errlen))
            return -1;
    if (read_secret_file(k, "kafka", "sasl_password", sec->sasl_password,
                         sizeof sec->sasl_password, cfg, err, errlen) != 0 ||
        read_secret_file(k, "kafka", "ssl_key_password", sec->ssl_key_password,
                         sizeof sec->ssl_key_password, cfg, err, errlen) != 0)
        return -1;
    if (!one_of(sec->protocol, protocols)) {
        snprintf(err, errlen, "%s: kafka.security_protocol = \"%s\" is not one of plaintext, ssl, "
                 "sasl_plaintext, sasl_ssl", cfg->path, sec->protocol);
        return -1;
    }
    bool sasl = strncasecmp(sec->protocol, "sasl_", 5) == 0;
    if (sasl && !one_of(sec->sasl_mechanism, mechanisms)) {
        snprintf(err, errlen, "%s: kafka.security_protocol = %s needs kafka.sasl_mechanism = "
                 "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (got \"%s\")", cfg->path, sec->protocol,
                 sec->sasl_mechanism);
        return -1;
    }
    return 0;
}

static int read_kafka(cfg_t *k, struct hs_config *cfg, char *err, size_t errlen)
{
    const char *f = cfg->path;
    if (copy_string(cfg->bootstrap_servers, sizeof cfg->bootstrap_servers,
                    cfg_getstr(k, "bootstrap_servers"), "kafka.bootstrap_servers", f, err, errlen) ||
        copy_string(cfg->topic, sizeof cfg->topic, cfg_getstr(k, "topic"), "kafka.topic", f,
                    err, errlen) ||
        copy_string(cfg->group_id, sizeof cfg->group_id, cfg_getstr(k, "group_id"),
                    "kafka.group_id", f, err, errlen) ||
        read_int(k, "partitions", 1, HS_MAX_PARTITIONS, &cfg->partitions, f, err, errlen) ||
        read_int(k, "replication_factor", 1, 100, &cfg->replication_factor, f, err, errlen) ||
        read_int(k, "max_message_bytes", 1024, 100000000, &cfg->max_message_bytes, f, err,
                 errlen) ||
        copy_string(cfg->compression, sizeof cfg->compression, cfg_getstr(k, "compression"),
                    "kafka.compression", f, err, errlen) ||
        read_kafka_security(k, cfg, err, errlen))
        return -1;
    static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd", NULL};
    if (!one_of(cfg->compression, codecs)) {
        snprintf(err, errlen, "%s: kafka.compression = \"%s\" is not one of none, gzip, snappy, "
                 "lz4, zstd", f, cfg->compression);
        return -1;
    }
    if (cfg->topic[0] == '\0' || cfg->bootstrap_servers[0] == '\0') {
        snprintf(err, errlen, "%s: kafka.topic and kafka.bootstrap_servers must not be empty", f);
        return -1;
    }
    return 0;
}

/* One `column NAME { ... }` of the table section. */
static int read_column(cfg_t *sec, struct hs_column *col, const char *file, char *err,
                       size_t errlen)
{
    const char *header = cfg_getstr(sec, "header");
    char why[512];
    if (copy_string(col->name, sizeof col->name, cfg_title(sec), "table.column", file, err,
                    errlen) ||
        copy_string(col->header, sizeof col->header, header[0] ? header : col->name,
                    "table.column.header", file, err, errlen) ||
        copy_string(col->null_text, sizeof col->null_text, cfg_getstr(sec, "null"),
                    "table.column.null", file, err, errlen))
        return -1;
    col->nullable = cfg_getbool(sec, "nullable");
    if (hs_type_parse(cfg_getstr(sec, "type"), col, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s: table.column %s: %s", file, col->name, why);
    return -1;
}

/* The table section; without columns, the housing columns under its name. */
static int read_table(cfg_t *t, struct hs_config *cfg, char *err, size_t errlen)
{
    struct hs_schema *s = &cfg->schema;
    const char *f = cfg->path;
    int columns = (int)cfg_size(t, "column");
    hs_schema_housing(s);
    if (copy_string(s->table, sizeof s->table, cfg_getstr(t, "name"), "table.name", f, err,
                    errlen) ||
        read_int(t, "max_row_bytes", 64, 1 << 24, &s->max_row_bytes, f, err, errlen))
        return -1;
    s->create = cfg_getbool(t, "create");
    if (columns > HS_MAX_COLUMNS) {
        snprintf(err, errlen, "%s: table %s has %d columns, more than the %d PostgreSQL allows",
                 f, s->table, columns, HS_MAX_COLUMNS);
        return -1;
    }
    if (columns > 0)
        s->ncols = columns;
    for (int c = 0; c < columns; c++)
        if (read_column(cfg_getnsec(t, "column", (unsigned)c), &s->cols[c], f, err, errlen))
            return -1;
    char why[512];
    if (hs_schema_check(s, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s: %s", f, why);
    return -1;
}

/* postgres.password_file: its password added to the conninfo by libpq's own
 * parser (the file's text is never pasted into the string). */
static int read_pg_password_file(cfg_t *p, struct hs_config *cfg, char *err, size_t errlen)
{
    char password[256] = "";
    if (cfg_getstr(p, "password_file")[0] != '\0' && hs_pg_conninfo_has_password(cfg->pg_conninfo)) {
        snprintf(err, errlen, "%s: postgres.conninfo holds a password and postgres.password_file "
                 "is set; use one", cfg->path);
        return -1;
    }
    int rc = read_secret_file(p, "postgres", "password", password, sizeof password, cfg, err,
                              errlen);
    if (rc != 0 || cfg_getstr(p, "password_file")[0] == '\0')
        return rc;
    rc = hs_pg_conninfo_add_password(cfg->pg_conninfo, password, cfg->pg_conninfo,
                                     sizeof cfg->pg_conninfo);
    explicit_bzero(password, sizeof password);
    if (rc == HS_PG_ADD_UNPARSABLE)
        snprintf(err, errlen, "%s: postgres.conninfo is invalid (libpq cannot parse it; check "
                 "quoting), so postgres.password_file cannot be added to it", cfg->path);
    else if (rc != HS_PG_ADD_OK)
        snprintf(err, errlen, "%s: postgres.conninfo with the password of postgres.password_file "
                 "is longer than %zu bytes", cfg->path, sizeof cfg->pg_conninfo - 1);
    return rc == HS_PG_ADD_OK ? 0 : -1;
}

static int read_postgres(cfg_t *p, struct hs_config *cfg, char *err, size_t errlen)
{
    static const char *const modes[] = {"", "disable", "allow", "prefer", "require",
                                        "verify-ca", "verify-full", NULL};
    if (copy_string(cfg->pg_conninfo, sizeof cfg->pg_conninfo, cfg_getstr(p, "conninfo"),
                    "postgres.conninfo", cfg->path, err, errlen) ||
        copy_string(cfg->pg_sslmode, sizeof cfg->pg_sslmode, cfg_getstr(p, "sslmode"),
                    "postgres.sslmode", cfg->path, err, errlen))
        return -1;
    if (!one_of(cfg->pg_sslmode, modes)) {
        snprintf(err, errlen, "%s: postgres.sslmode = \"%s\" is not one of disable, allow, prefer, "
                 "require, verify-ca, verify-full", cfg->path, cfg->pg_sslmode);
        return -1;
    }
    return read_pg_password_file(p, cfg, err, errlen);
}

/* The first setting that holds a password in the file itself, or NULL; and
 * the `*_file` setting to use instead. */
static const char *inline_password(cfg_t *c, const char **instead)
{
    cfg_t *k = cfg_getsec(c, "kafka");
    *instead = "kafka.sasl_password_file";
    if (cfg_getstr(k, "sasl_password")[0] != '\0')
        return "kafka.sasl_password";
    *instead = "kafka.ssl_key_password_file";
    if (cfg_getstr(k, "ssl_key_password")[0] != '\0')
        return "kafka.ssl_key_password";
    *instead = "postgres.password_file";
    if (hs_pg_conninfo_has_password(cfg_getstr(cfg_getsec(c, "postgres"), "conninfo")))
        return "postgres.conninfo";
    return NULL;
}

static void warn_if_config_exposed(cfg_t *c, struct hs_config *cfg)
{
    const char *instead, *key = inline_password(c, &instead);
    struct stat st;
    if (key != NULL && stat(cfg->path, &st) == 0 && hs_secret_exposed(&st))
        add_warning(cfg, "%s holds a password (%s) and is readable by others (mode %04o); "
                    "chmod 600 it or use %s", cfg->path, key, (unsigned)(st.st_mode & 07777),
                    instead);
}

/* Parses and validates `path` into cfg; the parsed tree is handed to the
 * caller in *tree (which frees it) when tree is not NULL. */
static int load(const char *path, struct hs_config *cfg, cfg_t **tree, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    if (copy_path(cfg->path, path, "config path", path, err, errlen))
        return -1;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "config file %s: %m", path);
        return -1;
    }
    cfg_t *c = config_schema();
    if (c == NULL) {
        snprintf(err, errlen, "config file %s: out of memory", path);
        return -1;
    }
    char reason[512] = "";
    parse_error = reason;
    parse_error_len = sizeof reason;
    cfg_set_error_function(c, record_parse_error);
    int rc = -1;
    if (cfg_parse(c, path) != CFG_SUCCESS)
        snprintf(err, errlen, "config file %s: %s", path, reason[0] ? reason : "cannot be read");
    else if (read_top_level(c, cfg, err, errlen) == 0 &&
             read_kafka(cfg_getsec(c, "kafka"), cfg, err, errlen) == 0 &&
             read_postgres(cfg_getsec(c, "postgres"), cfg, err, errlen) == 0 &&
             read_table(cfg_getsec(c, "table"), cfg, err, errlen) == 0)
        rc = 0;
    if (rc == 0)
        warn_if_config_exposed(c, cfg);
    if (rc == 0 && tree != NULL)
        *tree = c;
    else
        cfg_free(c);
    return rc;
}

int hs_config_load(const char *path, struct hs_config *cfg, char *err, size_t errlen)
{
    return load(path, cfg, NULL, err, errlen);
}

/* ---- housingsup config: every key of the schema, secrets masked ---- */

static bool secret_key(const char *name)
{
    return strcmp(name, "sasl_password") == 0 || strcmp(name, "ssl_key_password") == 0;
}

/* libpq's own reading of the conninfo, passwords masked; a fixed text when
 * libpq cannot read it, as any piece of it may be the password. */
static const char *conninfo_for_display(const char *conninfo, char *out, size_t cap)
{
    hs_pg_mask_conninfo(conninfo, out, cap);
    return out;
}

static void print_section(cfg_t *sec, const char *prefix, FILE *out);

/* A section, or each of a titled one's ("table.column.NAME."). */
static void print_subsections(cfg_opt_t *o, const char *full, FILE *out)
{
    char inner[256];
    for (unsigned i = 0; i < cfg_opt_size(o); i++) {
        cfg_t *sec = cfg_opt_getnsec(o, i);
        const char *title = cfg_title(sec);
        if (title != NULL)
            snprintf(inner, sizeof inner, "%s.%s.", full, title);
        else
            snprintf(inner, sizeof inner, "%s.", full);
        print_section(sec, inner, out);
    }
}

static void print_section(cfg_t *sec, const char *prefix, FILE *out)
{
    for (cfg_opt_t *o = sec->opts; o->name != NULL; o++) {
        char full[256], masked[4096];
        snprintf(full, sizeof full, "%s%s", prefix, o->name);
        if (o->type == CFGT_SEC) {
            print_subsections(o, full, out);
        } else if (o->type == CFGT_BOOL) {
            fprintf(out, "%s = %s\n", full, cfg_opt_getnbool(o, 0) ? "true" : "false");
        } else if (o->type == CFGT_INT) {
            fprintf(out, "%s = %ld\n", full, cfg_opt_getnint(o, 0));
        } else if (o->type == CFGT_STR) {
            const char *v = cfg_opt_getnstr(o, 0);
            if (secret_key(o->name) && v[0] != '\0')
                v = "********";
            else if (strcmp(o->name, "conninfo") == 0)
                v = conninfo_for_display(v, masked, sizeof masked);
            fprintf(out, "%s = \"%s\"\n", full, v);
        }
    }
}

int hs_config_print(const char *path, FILE *out, char *err, size_t errlen)
{
    struct hs_config valid;
    cfg_t *c;
    if (load(path, &valid, &c, err, errlen) != 0)
        return -1;
    fprintf(out, "# %s\n", valid.path);
    for (int i = 0; i < valid.nwarnings; i++)
        fprintf(out, "# warning: %s\n", valid.warnings[i]);
    print_section(c, "", out);
    cfg_free(c);
    return 0;
}
