/*
 * test_schema.c - workers/pg_schema on the real PostgreSQL: the tables it
 * creates for several configured schemas, exactly as the catalog shows
 * them; the default schema's tables equal to init.sql's; the one line
 * verify gives for each way a table can be unfit; two processes creating
 * the same table at once; table.create = false.
 *
 * Everything happens in PostgreSQL schemas of its own (hs_test_schema,
 * hs_test_init, hs_test_module), dropped at the end: the tables the other
 * tests use (public.housing) are never touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../workers/pg_error.h"
#include "../../workers/pg_schema.h"
#include "../harness.h"

#define SCHEMA "hs_test_schema"
#define ERR_MAX HS_PG_SCHEMA_ERR_MAX

static char err[ERR_MAX];

/* ---- helpers ---- */

/* A connection whose search_path is `path` alone (and no notices). */
static PGconn *connect_to(const char *path)
{
    char sql[256];
    PGconn *conn = PQconnectdb("");
    if (PQstatus(conn) != CONNECTION_OK)
        fail_msg("cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
    snprintf(sql, sizeof sql, "SET search_path = %s; SET client_min_messages = warning", path);
    PQclear(PQexec(conn, sql));
    return conn;
}

static void exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", PQresultErrorMessage(res));
        PQclear(res);
        fail_msg("statement failed: %s: %s", sql, why);
    }
    PQclear(res);
}

/* The one value of a one-row query ("" for NULL) in out. */
static char *text_of(PGconn *conn, const char *sql, char *out, size_t cap)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        char why[512];
        snprintf(why, sizeof why, "%s", PQresultErrorMessage(res));
        PQclear(res);
        fail_msg("query failed: %s: %s", sql, why);
    }
    snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return out;
}

static void assert_text(PGconn *conn, const char *sql, const char *expect)
{
    static char got[65536];
    text_of(conn, sql, got, sizeof got);
    if (strcmp(got, expect) != 0)
        fail_msg("%s\n  got:    %s\n  expect: %s", sql, got, expect);
}

static struct hs_schema *schema_new(const char *table)
{
    struct hs_schema *s = calloc(1, sizeof *s);
    assert_non_null(s);
    snprintf(s->table, sizeof s->table, "%s", table);
    s->create = true;
    s->max_row_bytes = 1024;
    return s;
}

static void add(struct hs_schema *s, const char *name, const char *type, bool nullable)
{
    struct hs_column *c = &s->cols[s->ncols++];
    char why[256];
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->header, sizeof c->header, "%s", name);
    if (hs_type_parse(type, c, why, sizeof why) != 0)
        fail_msg("%s", why);
    c->nullable = nullable;
}

static void expect_rc(int got, int expect)
{
    if (got != expect)
        fail_msg("returned %d, expected %d: %s", got, expect, err);
}

/* The columns of SCHEMA.table as information_schema tells them, one per
 * ordinal position: name, type, length or precision, NOT NULL, default. */
#define COLUMNS_OF(table)                                                                      \
    "SELECT string_agg(column_name || ' ' || data_type || coalesce('(' || "                   \
    "character_maximum_length || ')', '') || CASE WHEN data_type = 'numeric' THEN coalesce('(' " \
    "|| numeric_precision || ',' || numeric_scale || ')', '') ELSE '' END || CASE is_nullable " \
    "WHEN 'NO' THEN ' NOT NULL' ELSE '' END || coalesce(' DEFAULT ' || column_default, ''), "  \
    "'; ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '"   \
    SCHEMA "' AND table_name = '" table "'"

#define INDEXES_OF(table)                                                                      \
    "SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '" \
    SCHEMA "' AND tablename = '" table "'"

#define IDENTITY_COLUMNS                                                                       \
    "src_file text NOT NULL; src_line bigint NOT NULL; read_us bigint; created_at timestamp " \
    "without time zone DEFAULT CURRENT_TIMESTAMP"

#define DEAD_LETTER_COLUMNS(table)                                                             \
    "id bigint NOT NULL DEFAULT nextval('" table "_dead_letter_id_seq'::regclass); source text " \
    "NOT NULL; reason text NOT NULL; raw text NOT NULL; raw_bytes bytea; sqlstate text; "      \
    "created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP; replayed_at timestamp " \
    "without time zone"

/* ---- what is created ---- */

/* Every type housingsup stores, some columns nullable: each becomes a
 * column of exactly that type, NOT NULL unless nullable, between id and the
 * identity columns; the dead-letter table and both unique indexes follow. */
static void every_type_is_created_exactly(void **state)
{
    (void)state;
    struct hs_schema *s = schema_new("every_type");
    static const char *const types[] = {
        "smallint", "integer", "bigint", "real", "double precision", "numeric(12,2)", "numeric",
        "boolean", "text", "varchar(20)", "varchar", "date", "timestamp", "timestamptz", "uuid",
    };
    char name[32];
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        snprintf(name, sizeof name, "c%zu", i);
        add(s, name, types[i], i % 3 == 2);
    }
    PGconn *conn = connect_to(SCHEMA);
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_CREATED);
    assert_text(conn, COLUMNS_OF("every_type"),
                "id bigint NOT NULL DEFAULT nextval('every_type_id_seq'::regclass); "
                "c0 smallint NOT NULL; c1 integer NOT NULL; c2 bigint; c3 real NOT NULL; "
                "c4 double precision NOT NULL; c5 numeric(12,2); c6 numeric NOT NULL; "
                "c7 boolean NOT NULL; c8 text; c9 character varying(20) NOT NULL; "
                "c10 character varying NOT NULL; c11 date; c12 timestamp without time zone NOT "
                "NULL; c13 timestamp with time zone NOT NULL; c14 uuid; " IDENTITY_COLUMNS);
    assert_text(conn, INDEXES_OF("every_type"),
                "CREATE UNIQUE INDEX every_type_pkey ON " SCHEMA ".every_type USING btree (id); "
                "CREATE UNIQUE INDEX every_type_source_idx ON " SCHEMA ".every_type USING btree "
                "(src_file, src_line)");
    assert_text(conn, COLUMNS_OF("every_type_dead_letter"), DEAD_LETTER_COLUMNS("every_type"));
    assert_text(conn, INDEXES_OF("every_type_dead_letter"),
                "CREATE UNIQUE INDEX every_type_dead_letter_pkey ON " SCHEMA ".every_type_dead_letter "
                "USING btree (id); CREATE UNIQUE INDEX every_type_dead_letter_record_idx ON " SCHEMA
                ".every_type_dead_letter USING btree (source, md5(raw_bytes))");
    /* a second time: there, and fit */
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
    expect_rc(hs_pg_schema_verify(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
    expect_rc(hs_pg_schema_privileges(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
    exec_ok(conn, "DROP TABLE every_type, every_type_dead_letter");
    PQfinish(conn);
    free(s);
}

/* A name with a space, capitals and a quote is used exactly as written, and
 * so are the names derived from it; a replay on it is recognised. */
static void names_are_quoted(void **state)
{
    (void)state;
    struct hs_schema *s = schema_new("Trips 2024");
    add(s, "Fare \"Amount\"", "numeric(10,2)", false);
    add(s, "vendor", "text", true);
    PGconn *conn = connect_to(SCHEMA);
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_CREATED);
    assert_text(conn, COLUMNS_OF("Trips 2024"),
                "id bigint NOT NULL DEFAULT nextval('\"Trips 2024_id_seq\"'::regclass); "
                "Fare \"Amount\" numeric(10,2) NOT NULL; vendor text; " IDENTITY_COLUMNS);
    assert_text(conn, "SELECT string_agg(relname, ', ' ORDER BY relname) FROM pg_class WHERE "
                      "relnamespace = '" SCHEMA "'::regnamespace",
                "Trips 2024, Trips 2024_dead_letter, Trips 2024_dead_letter_id_seq, "
                "Trips 2024_dead_letter_pkey, Trips 2024_dead_letter_record_idx, "
                "Trips 2024_id_seq, Trips 2024_pkey, Trips 2024_source_idx");
    expect_rc(hs_pg_schema_verify(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);

    /* the writer's replay recognition knows this table's identity index */
    exec_ok(conn, "INSERT INTO \"Trips 2024\" (\"Fare \"\"Amount\"\"\", src_file, src_line) "
                  "VALUES (1.5, 'f#1', 1)");
    PGresult *res = PQexec(conn, "INSERT INTO \"Trips 2024\" (\"Fare \"\"Amount\"\"\", src_file, "
                                 "src_line) VALUES (2.5, 'f#1', 1)");
    assert_int_equal(hs_pg_classify(PQresultErrorField(res, PG_DIAG_SQLSTATE),
                                    PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME), s->table),
                     HS_PG_REPLAY);
    assert_int_equal(hs_pg_classify(PQresultErrorField(res, PG_DIAG_SQLSTATE),
                                    PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME), "housing"),
                     HS_PG_ROW);
    PQclear(res);

    exec_ok(conn, "REVOKE INSERT ON \"Trips 2024_dead_letter\" FROM CURRENT_USER");
    expect_rc(hs_pg_schema_privileges(conn, s, err, sizeof err), HS_PG_SCHEMA_INCOMPATIBLE);
    assert_string_equal(err, "user kafka_user lacks INSERT on Trips 2024_dead_letter; GRANT it");
    exec_ok(conn, "REVOKE INSERT, SELECT ON \"Trips 2024\" FROM CURRENT_USER");
    expect_rc(hs_pg_schema_privileges(conn, s, err, sizeof err), HS_PG_SCHEMA_INCOMPATIBLE);
    assert_string_equal(err, "user kafka_user lacks INSERT on Trips 2024, SELECT on Trips 2024, "
                             "INSERT on Trips 2024_dead_letter; GRANT it");
    exec_ok(conn, "DROP TABLE \"Trips 2024\", \"Trips 2024_dead_letter\"");
    PQfinish(conn);
    free(s);
}

/* A hundred columns, in their order. */
static void a_hundred_columns(void **state)
{
    (void)state;
    static const char *const types[] = {"integer", "double precision", "text", "numeric(8,3)"};
    struct hs_schema *s = schema_new("wide");
    char name[16];
    for (int i = 1; i <= 100; i++) {
        snprintf(name, sizeof name, "c%03d", i);
        add(s, name, types[i % 4], i % 5 == 0);
    }
    PGconn *conn = connect_to(SCHEMA);
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_CREATED);
    assert_text(conn, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '"
                      SCHEMA "' AND table_name = 'wide'", "105");
    /* each configured column at its place (after id), with its type and nullability */
    assert_text(conn, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '"
                      SCHEMA "' AND table_name = 'wide' AND column_name = 'c' || "
                      "lpad((ordinal_position - 1)::text, 3, '0') AND data_type = (ARRAY['integer', "
                      "'double precision', 'text', 'numeric'])[(ordinal_position - 1) % 4 + 1] "
                      "AND (is_nullable = 'YES') = ((ordinal_position - 1) % 5 = 0)", "100");
    assert_text(conn, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '"
                      SCHEMA "' AND table_name = 'wide' AND data_type = 'numeric' AND "
                      "numeric_precision = 8 AND numeric_scale = 3", "25");
    expect_rc(hs_pg_schema_verify(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
    exec_ok(conn, "DROP TABLE wide, wide_dead_letter");
    PQfinish(conn);
    free(s);
}

/* The longest table name: the dead-letter index's name is cut to 63 bytes,
 * and that is the name created and then looked for. */
static void the_longest_name(void **state)
{
    (void)state;
    struct hs_schema *s = schema_new("t23456789_123456789_123456789_123456789_1234567");
    assert_int_equal(strlen(s->table), HS_TABLE_NAME_MAX - 1);
    add(s, "v", "integer", false);
    PGconn *conn = connect_to(SCHEMA);
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_CREATED);
    assert_text(conn, "SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes "
                      "WHERE schemaname = '" SCHEMA "' AND indexname NOT LIKE '%pkey'",
                "t23456789_123456789_123456789_123456789_1234567_dead_letter_rec, "
                "t23456789_123456789_123456789_123456789_1234567_source_idx");
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
    exec_ok(conn, "DROP TABLE t23456789_123456789_123456789_123456789_1234567, "
                  "t23456789_123456789_123456789_123456789_1234567_dead_letter");
    PQfinish(conn);
    free(s);
}

/* ---- the default schema is init.sql's ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* Everything in PostgreSQL schema `ns` that a table is made of: each
 * relation, column (type, NOT NULL, default), index and sequence, with the
 * schema's name taken out, one per line in a stable order. */
static void describe(PGconn *conn, const char *ns, char *out, size_t cap)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(replace(d, '%s.', ''), E'\\n' ORDER BY d) FROM ("
             "SELECT c.relname || ' ' || c.relkind::text AS d FROM pg_class c WHERE c.relnamespace = "
             "'%s'::regnamespace UNION ALL "
             "SELECT c.relname || '.' || lpad(a.attnum::text, 2, '0') || ' ' || a.attname || ' ' || "
             "format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' "
             "ELSE '' END || coalesce(' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid), '') "
             "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND "
             "NOT a.attisdropped LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = "
             "a.attnum WHERE c.relnamespace = '%s'::regnamespace AND c.relkind = 'r' UNION ALL "
             "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = "
             "i.indexrelid WHERE c.relnamespace = '%s'::regnamespace UNION ALL "
             "SELECT c.relname || ' ' || format_type(s.seqtypid, NULL) FROM pg_sequence s JOIN "
             "pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = '%s'::regnamespace) x",
             ns, ns, ns, ns, ns);
    text_of(conn, sql, out, cap);
}

static void default_schema_is_init_sql(void **state)
{
    (void)state;
    static char by_init[16384], by_module[16384];
    struct hs_schema *s = schema_new("housing");
    hs_schema_housing(s);
    PGconn *init = connect_to("hs_test_init"), *module = connect_to("hs_test_module");
    exec_ok(init, read_file("init.sql"));
    expect_rc(hs_pg_schema_ensure(module, s, err, sizeof err), HS_PG_SCHEMA_CREATED);
    describe(init, "hs_test_init", by_init, sizeof by_init);
    describe(module, "hs_test_module", by_module, sizeof by_module);
    if (strcmp(by_init, by_module) != 0)
        fail_msg("init.sql made:\n%s\n\nthe module made:\n%s", by_init, by_module);
    /* the sample is not empty: the 14 columns, the three indexes are there */
    assert_non_null(strstr(by_module, "housing.15 medv double precision NOT NULL"));
    assert_non_null(strstr(by_module, "CREATE INDEX housing_medv_idx ON housing USING btree (medv)"));
    assert_non_null(strstr(by_module, "CREATE UNIQUE INDEX housing_source_idx ON housing "
                                      "USING btree (src_file, src_line)"));
    /* and init.sql's tables are fit for the default schema as they are */
    expect_rc(hs_pg_schema_ensure(init, s, err, sizeof err), HS_PG_SCHEMA_OK);
    PQfinish(init);
    PQfinish(module);
    free(s);
}

/* ---- what verify says ---- */

/* The table trips: fare numeric(10,2), name varchar(20), note text nullable,
 * rides integer. */
static struct hs_schema *trips(void)
{
    struct hs_schema *s = schema_new("trips");
    add(s, "fare", "numeric(10,2)", false);
    add(s, "name", "varchar(20)", false);
    add(s, "note", "text", true);
    add(s, "rides", "integer", false);
    return s;
}

/* trips made afresh by the module, then changed by `change`: verify says `line`. */
static void after(PGconn *conn, const struct hs_schema *s, const char *change, int rc,
                  const char *line)
{
    exec_ok(conn, "DROP TABLE IF EXISTS trips_dead_letter; DO $$ BEGIN EXECUTE CASE (SELECT "
                  "relkind FROM pg_class WHERE oid = to_regclass('trips')) WHEN 'v' THEN "
                  "'DROP VIEW trips' WHEN 'r' THEN 'DROP TABLE trips' ELSE 'SELECT' END; END $$");
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_CREATED);
    exec_ok(conn, change);
    snprintf(err, sizeof err, "(untouched)");
    int got = hs_pg_schema_verify(conn, s, err, sizeof err);
    if (got != rc || strcmp(err, line) != 0)
        fail_msg("after %s:\n  got:    %d %s\n  expect: %d %s", change, got, err, rc, line);
    if (rc == HS_PG_SCHEMA_OK) /* ensure agrees with verify */
        expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
}

#define TRIPS_DEAD_LETTER_SQL                                                                  \
    "CREATE TABLE IF NOT EXISTS \"trips_dead_letter\" (\"id\" bigserial PRIMARY KEY, "         \
    "\"source\" text NOT NULL, \"reason\" text NOT NULL, \"raw\" text NOT NULL, \"raw_bytes\" " \
    "bytea, \"sqlstate\" text, \"created_at\" timestamp without time zone DEFAULT "            \
    "CURRENT_TIMESTAMP, \"replayed_at\" timestamp without time zone); CREATE UNIQUE INDEX IF " \
    "NOT EXISTS \"trips_dead_letter_record_idx\" "                                             \
    "ON \"trips_dead_letter\" (\"source\", md5(\"raw_bytes\"));"

#define TRIPS_SQL                                                                              \
    "CREATE TABLE IF NOT EXISTS \"trips\" (\"id\" bigserial PRIMARY KEY, \"fare\" "            \
    "numeric(10,2) NOT NULL, \"name\" character varying(20) NOT NULL, \"note\" text, "         \
    "\"rides\" integer NOT NULL, \"src_file\" text NOT NULL, \"src_line\" bigint NOT NULL, "   \
    "\"read_us\" bigint, \"created_at\" timestamp without time zone DEFAULT "                  \
    "CURRENT_TIMESTAMP); CREATE UNIQUE INDEX IF NOT EXISTS \"trips_source_idx\" ON \"trips\" " \
    "(\"src_file\", \"src_line\"); " TRIPS_DEAD_LETTER_SQL

/* What is done to a fresh trips, and what verify then says. */
static const struct {
    const char *change;
    int rc;
    const char *line;
} unfit[] = {
    {"ALTER TABLE trips DROP COLUMN fare", HS_PG_SCHEMA_INCOMPATIBLE,
     "table trips lacks column fare (numeric(10,2)); add it with: ALTER TABLE \"trips\" ADD "
     "COLUMN \"fare\" numeric(10,2)"},
    {"ALTER TABLE trips ALTER fare TYPE text", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips.fare is text, the configuration says numeric(10,2)"},
    {"ALTER TABLE trips ALTER name TYPE varchar(10)", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips.name is character varying(10), the configuration says character "
     "varying(20)"},
    {"ALTER TABLE trips ALTER note SET NOT NULL", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips.note is NOT NULL, the configuration says it is nullable; allow NULL "
     "with: ALTER TABLE \"trips\" ALTER COLUMN \"note\" DROP NOT NULL"},
    {"DROP INDEX trips_source_idx", HS_PG_SCHEMA_INCOMPATIBLE,
     "the unique index trips_source_idx on trips (src_file, src_line), the record "
     "identity, is missing; create it with: CREATE UNIQUE INDEX \"trips_source_idx\" ON "
     "\"trips\" (\"src_file\", \"src_line\")"},
    {"DROP INDEX trips_source_idx; CREATE INDEX trips_source_idx ON trips "
     "(src_file, src_line)", HS_PG_SCHEMA_INCOMPATIBLE,
     "the index trips_source_idx on trips is not the record identity (a valid unique index "
     "on (src_file, src_line) without WHERE); recreate it with: DROP INDEX "
     "\"trips_source_idx\"; CREATE UNIQUE INDEX \"trips_source_idx\" ON \"trips\" "
     "(\"src_file\", \"src_line\")"},
    {"ALTER TABLE trips DROP COLUMN read_us", HS_PG_SCHEMA_INCOMPATIBLE,
     "table trips lacks column read_us (bigint); add it with: ALTER TABLE \"trips\" ADD "
     "COLUMN \"read_us\" bigint"},
    {"ALTER TABLE trips ALTER src_line TYPE integer", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips.src_line is integer, housingsup needs bigint"},
    {"ALTER TABLE trips ADD COLUMN extra integer NOT NULL", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips.extra is NOT NULL without a default, and housingsup does not write it: "
     "every row would be refused; give it a default, allow NULL, or configure it"},
    {"DROP TABLE trips_dead_letter", HS_PG_SCHEMA_INCOMPATIBLE,
     "table trips_dead_letter: relation \"trips_dead_letter\" does not exist; create it "
     "with: " TRIPS_DEAD_LETTER_SQL},
    {"DROP INDEX trips_dead_letter_record_idx", HS_PG_SCHEMA_INCOMPATIBLE,
     "the unique index on trips_dead_letter (source, md5(raw_bytes)) is missing: a dead "
     "letter written twice would be kept twice; create it with: CREATE UNIQUE INDEX "
     "\"trips_dead_letter_record_idx\" ON \"trips_dead_letter\" (\"source\", "
     "md5(\"raw_bytes\"))"},
    {"ALTER TABLE trips_dead_letter ALTER raw_bytes TYPE text", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips_dead_letter.raw_bytes is text, housingsup needs bytea"},
    {"ALTER TABLE trips_dead_letter ALTER sqlstate SET NOT NULL", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips_dead_letter.sqlstate is NOT NULL, housingsup leaves it NULL at times; "
     "allow NULL with: ALTER TABLE \"trips_dead_letter\" ALTER COLUMN \"sqlstate\" DROP NOT "
     "NULL"},
    {"DROP TABLE trips; CREATE VIEW trips AS SELECT 1 AS fare", HS_PG_SCHEMA_INCOMPATIBLE,
     "trips is not a table (pg_class.relkind 'v'): housingsup writes rows into a table"},
    {"DROP TABLE trips", HS_PG_SCHEMA_MISSING,
     "table trips: relation \"trips\" does not exist; create it with: " TRIPS_SQL},
    /* what holds every configured value is fit */
    {"ALTER TABLE trips ALTER name TYPE varchar(30)", HS_PG_SCHEMA_OK, "(untouched)"},
    {"ALTER TABLE trips ALTER name TYPE varchar", HS_PG_SCHEMA_OK, "(untouched)"},
    {"ALTER TABLE trips ALTER fare TYPE numeric", HS_PG_SCHEMA_OK, "(untouched)"},
    {"ALTER TABLE trips ALTER fare TYPE numeric(12,3)", HS_PG_SCHEMA_OK, "(untouched)"},
    {"ALTER TABLE trips ALTER fare TYPE numeric(10,3)", HS_PG_SCHEMA_INCOMPATIBLE,
     "column trips.fare is numeric(10,3), the configuration says numeric(10,2)"},
    {"ALTER TABLE trips ALTER rides DROP NOT NULL", HS_PG_SCHEMA_OK, "(untouched)"},
    {"ALTER TABLE trips ADD COLUMN extra integer NOT NULL DEFAULT 0, ADD COLUMN "
     "more text", HS_PG_SCHEMA_OK, "(untouched)"},
    {"ALTER INDEX trips_dead_letter_record_idx RENAME TO other_name", HS_PG_SCHEMA_OK,
     "(untouched)"},
};

static void verify_names_what_is_wrong(void **state)
{
    (void)state;
    struct hs_schema *s = trips();
    PGconn *conn = connect_to(SCHEMA);
    for (size_t i = 0; i < sizeof unfit / sizeof unfit[0]; i++)
        after(conn, s, unfit[i].change, unfit[i].rc, unfit[i].line);
    exec_ok(conn, "DROP TABLE trips, trips_dead_letter");
    PQfinish(conn);
    free(s);
}

/* table.create = false: nothing is created, and the line says how to. */
static void create_false_says_how(void **state)
{
    (void)state;
    struct hs_schema *s = trips();
    s->create = false;
    PGconn *conn = connect_to(SCHEMA);
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_INCOMPATIBLE);
    assert_string_equal(err, "table trips does not exist and table.create is false; create it "
                             "with: " TRIPS_SQL);
    assert_text(conn, "SELECT count(*) FROM pg_class WHERE relnamespace = '" SCHEMA
                      "'::regnamespace", "0");
    /* the statement it names makes the table */
    exec_ok(conn, strstr(err, "with: ") + strlen("with: "));
    expect_rc(hs_pg_schema_ensure(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
    exec_ok(conn, "DROP TABLE trips, trips_dead_letter");
    PQfinish(conn);
    free(s);
}

/* ---- racing creators ---- */

#define RACERS 4
#define ROUNDS 5

/* A child: waits for the start (the pipe's end closing), then ensures. */
static void race(const struct hs_schema *s, int start)
{
    char buf, why[ERR_MAX];
    PGconn *conn = connect_to(SCHEMA);
    int ok = read(start, &buf, 1) == 0;
    int rc = hs_pg_schema_ensure(conn, s, why, sizeof why);
    if (rc != HS_PG_SCHEMA_OK && rc != HS_PG_SCHEMA_CREATED)
        fprintf(stderr, "racer %d: %d %s\n", (int)getpid(), rc, why);
    PQfinish(conn);
    _exit(ok && (rc == HS_PG_SCHEMA_OK || rc == HS_PG_SCHEMA_CREATED) ? 0 : 1);
}

static void racers_both_succeed(void **state)
{
    (void)state;
    PGconn *conn = connect_to(SCHEMA);
    for (int round = 0; round < ROUNDS; round++) {
        char table[32];
        snprintf(table, sizeof table, "race_%d", round);
        struct hs_schema *s = schema_new(table);
        add(s, "v", "numeric(12,2)", false);
        int start[2];
        pid_t pids[RACERS];
        assert_int_equal(pipe(start), 0);
        for (int i = 0; i < RACERS; i++) {
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                close(start[1]);
                race(s, start[0]);
            }
        }
        close(start[0]);
        usleep(300000); /* every racer connected, blocked on the pipe */
        close(start[1]);
        for (int i = 0; i < RACERS; i++) {
            int status;
            assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        expect_rc(hs_pg_schema_verify(conn, s, err, sizeof err), HS_PG_SCHEMA_OK);
        char sql[128];
        snprintf(sql, sizeof sql, "DROP TABLE %s, %s_dead_letter", table, table);
        exec_ok(conn, sql);
        free(s);
    }
    PQfinish(conn);
}

/* ---- setup ---- */

static int fresh_schemas(void **state)
{
    (void)state;
    sql_exec("SET client_min_messages = warning"); /* no "drop cascades to" */
    sql_exec("DROP SCHEMA IF EXISTS hs_test_schema, hs_test_init, hs_test_module CASCADE");
    sql_exec("CREATE SCHEMA hs_test_schema; CREATE SCHEMA hs_test_init; "
             "CREATE SCHEMA hs_test_module");
    return 0;
}

static int drop_schemas(void **state)
{
    (void)state;
    sql_exec("DROP SCHEMA IF EXISTS hs_test_schema, hs_test_init, hs_test_module CASCADE");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_is_created_exactly),
        cmocka_unit_test(names_are_quoted),
        cmocka_unit_test(a_hundred_columns),
        cmocka_unit_test(the_longest_name),
        cmocka_unit_test(default_schema_is_init_sql),
        cmocka_unit_test(verify_names_what_is_wrong),
        cmocka_unit_test(create_false_says_how),
        cmocka_unit_test(racers_both_succeed),
    };
    return cmocka_run_group_tests_name("schema", tests, fresh_schemas, drop_schemas);
}
