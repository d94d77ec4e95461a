/*
 * test_secrets.c - the `*_file` password settings and the warning about
 * passwords others can read: every rule, on real files in a temporary
 * directory (errors name both keys or the file and errno's text; a trailing
 * newline is stripped; the password joins the conninfo through libpq's
 * parser, whatever it holds; the content never shows in `config` or an error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "../../config/config.h"
#include "../../config/conninfo.h"
#include "../../config/secrets.h"

static char dir[] = "/tmp/housingsup-secrets-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes len bytes of text to dir/name with `mode`; its path in out. */
static const char *put(const char *name, const char *text, size_t len, mode_t mode)
{
    static char path[2][256];
    static int turn;
    char *out = path[turn++ % 2];
    snprintf(out, sizeof path[0], "%s/%s", dir, name);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(out, mode), 0);
    return out;
}

static const char *put_text(const char *name, const char *text, mode_t mode)
{
    return put(name, text, strlen(text), mode);
}

static int load_conf(const char *text, struct hs_config *cfg, char *err, size_t errlen)
{
    return hs_config_load(put_text("housingsup.conf", text, 0600), cfg, err, errlen);
}

static void trailing_newline_is_stripped(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "";
    put_text("sasl.pw", "s3 cret\n", 0600);
    put_text("key.pw", "k\r\n", 0600);
    assert_int_equal(load_conf("kafka { sasl_password_file = \"sasl.pw\" "
                               "ssl_key_password_file = \"key.pw\" }", &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.kafka_security.sasl_password, "s3 cret");
    assert_string_equal(cfg.kafka_security.ssl_key_password, "k");
    assert_int_equal(cfg.nwarnings, 0);
}

static void value_and_file_both_set_is_an_error_naming_both(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "";
    put_text("sasl.pw", "x\n", 0600);
    assert_int_equal(load_conf("kafka { sasl_password = \"y\" sasl_password_file = \"sasl.pw\" }",
                               &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "kafka.sasl_password and kafka.sasl_password_file are both set"));
    assert_int_equal(load_conf("kafka { ssl_key_password = \"y\" ssl_key_password_file = \"sasl.pw\" }",
                               &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "kafka.ssl_key_password and kafka.ssl_key_password_file are both set"));
    assert_int_equal(load_conf("postgres { conninfo = \"password=y\" password_file = \"sasl.pw\" }",
                               &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "postgres.conninfo holds a password and postgres.password_file is set"));
}

static void missing_empty_or_unreadable_file_is_an_error(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "", expect[512];
    assert_int_equal(load_conf("kafka { sasl_password_file = \"nope.pw\" }", &cfg, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "cannot read kafka.sasl_password_file = %s/nope.pw: No such file "
             "or directory", dir);
    assert_non_null(strstr(err, expect));
    put_text("empty.pw", "\n", 0600);
    assert_int_equal(load_conf("postgres { password_file = \"empty.pw\" }", &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "postgres.password_file = "));
    assert_non_null(strstr(err, "empty.pw is empty"));
    put("nul.pw", "a\0b", 3, 0600);
    assert_int_equal(load_conf("postgres { password_file = \"nul.pw\" }", &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "holds a NUL byte"));
    char big[300];
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    put_text("big.pw", big, 0600);
    assert_int_equal(load_conf("kafka { sasl_password_file = \"big.pw\" }", &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "is longer than 255 bytes"));
    assert_null(strstr(err, "ppp"));
    assert_int_equal(load_conf("kafka { sasl_password_file = \"/\" }", &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot read kafka.sasl_password_file = /: Is a directory"));
}

/* Parses conninfo back with libpq: the password option's value. */
static void assert_password(const char *conninfo, const char *expect)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    assert_non_null(opts);
    const char *found = NULL;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0)
            found = o->val;
    assert_non_null(found);
    assert_string_equal(found, expect);
    PQconninfoFree(opts);
}

/* Quotes, backslashes, spaces, '=' and a URI: libpq reads back the exact password. */
static void postgres_password_joins_the_conninfo_through_libpq(void **state)
{
    (void)state;
    static const char *const conninfos[] = {"", "host=h port=5", "dbname='a b' user=u",
                                            "postgresql://u@h:5/db?sslmode=verify-full"};
    static const char *const passwords[] = {"plain", "it's \\ a = 'pw' x", "p w\tq"};
    for (size_t c = 0; c < sizeof conninfos / sizeof conninfos[0]; c++)
        for (size_t p = 0; p < sizeof passwords / sizeof passwords[0]; p++) {
            struct hs_config cfg;
            char err[1024] = "", conf[512];
            char text[64];
            snprintf(text, sizeof text, "%s\n", passwords[p]);
            put_text("pg.pw", text, 0600);
            snprintf(conf, sizeof conf, "postgres { conninfo = \"%s\" password_file = \"pg.pw\" }",
                     conninfos[c]);
            assert_int_equal(load_conf(conf, &cfg, err, sizeof err), 0);
            assert_password(cfg.pg_conninfo, passwords[p]);
        }
    char out[64];
    assert_int_equal(hs_pg_conninfo_add_password("host='h", "x", out, sizeof out), HS_PG_ADD_UNPARSABLE);
    assert_int_equal(hs_pg_conninfo_add_password("password=y", "x", out, sizeof out), HS_PG_ADD_HAS_PASSWORD);
    assert_int_equal(hs_pg_conninfo_add_password("host=h", "x", out, 8), HS_PG_ADD_TOO_LONG);
}

static void config_shows_the_path_never_the_content(void **state)
{
    (void)state;
    char err[1024] = "", *text = NULL;
    size_t len = 0;
    const char *pw = put_text("pg.pw", "hidden-pg-42\n", 0600);
    put_text("sasl.pw", "hidden-sasl-42\n", 0600);
    const char *conf = put_text("housingsup.conf", "kafka { sasl_password_file = \"sasl.pw\" }\n"
                                "postgres { conninfo = \"host=h\" password_file = \"pg.pw\" }", 0600);
    (void)pw;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(hs_config_print(conf, out, err, sizeof err), 0);
    fclose(out);
    assert_null(strstr(text, "hidden-"));
    assert_non_null(strstr(text, "\nkafka.sasl_password_file = \"sasl.pw\"\n"));
    assert_non_null(strstr(text, "\npostgres.password_file = \"pg.pw\"\n"));
    assert_non_null(strstr(text, "\npostgres.conninfo = \"host=h\"\n"));
    free(text);
}

static void readable_password_files_are_warned_about(void **state)
{
    (void)state;
    struct hs_config cfg;
    char err[1024] = "", expect[600];
    put_text("sasl.pw", "x\n", 0604);
    assert_int_equal(load_conf("kafka { sasl_password_file = \"sasl.pw\" }", &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.nwarnings, 1);
    snprintf(expect, sizeof expect, "%s/sasl.pw (kafka.sasl_password_file) is readable by others "
             "(mode 0604); chmod 600 it", dir);
    assert_string_equal(cfg.warnings[0], expect);
    const char *path = put_text("inline.conf", "kafka { sasl_password = \"x\" }", 0644);
    assert_int_equal(hs_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.nwarnings, 1);
    snprintf(expect, sizeof expect, "%s holds a password (kafka.sasl_password) and is readable by "
             "others (mode 0644); chmod 600 it or use kafka.sasl_password_file", path);
    assert_string_equal(cfg.warnings[0], expect);
    path = put_text("inline.conf", "postgres { conninfo = \"password=x\" }", 0604);
    assert_int_equal(hs_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.nwarnings, 1);
    assert_non_null(strstr(cfg.warnings[0], "use postgres.password_file"));
    path = put_text("inline.conf", "kafka { sasl_password = \"x\" }", 0600);
    assert_int_equal(hs_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.nwarnings, 0);
    path = put_text("inline.conf", "kafka { sasl_username = \"x\" }", 0644);
    assert_int_equal(hs_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.nwarnings, 0); /* no password: nothing to hide */
}

/* Group-readable: exposure only when the group lists someone else. */
static void group_readable_counts_when_the_group_is_shared(void **state)
{
    (void)state;
    struct stat st = {.st_mode = S_IFREG | 0640, .st_uid = 0, .st_gid = 0};
    FILE *g = fopen("/etc/group", "r");
    assert_non_null(g);
    char line[1024];
    int shared_gid = -1, private_gid = -1;
    while (fgets(line, sizeof line, g) != NULL) {
        char *members = strrchr(line, ':');
        int gid;
        if (members == NULL || sscanf(strchr(strchr(line, ':') + 1, ':') + 1, "%d", &gid) != 1)
            continue;
        bool empty = members[1] == '\n' || members[1] == '\0';
        if (empty && private_gid < 0)
            private_gid = gid;
        else if (!empty && shared_gid < 0 && strstr(members, "root") == NULL)
            shared_gid = gid;
    }
    fclose(g);
    if (private_gid >= 0) {
        st.st_gid = (gid_t)private_gid;
        assert_false(hs_secret_exposed(&st));
    }
    if (shared_gid >= 0) {
        st.st_gid = (gid_t)shared_gid;
        assert_true(hs_secret_exposed(&st));
    }
    st.st_mode = S_IFREG | 0600;
    assert_false(hs_secret_exposed(&st));
    st.st_mode = S_IFREG | 0604;
    assert_true(hs_secret_exposed(&st));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trailing_newline_is_stripped),
        cmocka_unit_test(value_and_file_both_set_is_an_error_naming_both),
        cmocka_unit_test(missing_empty_or_unreadable_file_is_an_error),
        cmocka_unit_test(postgres_password_joins_the_conninfo_through_libpq),
        cmocka_unit_test(config_shows_the_path_never_the_content),
        cmocka_unit_test(readable_password_files_are_warned_about),
        cmocka_unit_test(group_readable_counts_when_the_group_is_shared),
    };
    return cmocka_run_group_tests_name("secrets", tests, setup, teardown);
}
