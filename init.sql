-- housingsup schema. Applied once per database; every statement is idempotent.
--
-- housing: one row per CSV record. (src_file, src_line) is the record's identity:
-- src_file is "<file name>#<fingerprint>", the fingerprint telling apart files of
-- the same name (their directory, their first lines); a record from Kafka that
-- housingsup did not produce is "kafka:topic/partition@offset" and its place in
-- the message. The unique index makes replays after a crash harmless: a record
-- written twice is refused the second time (writers then use ON CONFLICT DO
-- NOTHING), and a different record meeting the same identity becomes a dead
-- letter, so every CSV record lands exactly once.

CREATE TABLE IF NOT EXISTS housing (
    id         SERIAL PRIMARY KEY,
    crim       DOUBLE PRECISION NOT NULL,
    zn         DOUBLE PRECISION NOT NULL,
    indus      DOUBLE PRECISION NOT NULL,
    chas       INTEGER          NOT NULL,
    nox        DOUBLE PRECISION NOT NULL,
    rm         DOUBLE PRECISION NOT NULL,
    age        DOUBLE PRECISION NOT NULL,
    dis        DOUBLE PRECISION NOT NULL,
    rad        INTEGER          NOT NULL,
    tax        DOUBLE PRECISION NOT NULL,
    ptratio    DOUBLE PRECISION NOT NULL,
    b          DOUBLE PRECISION NOT NULL,
    lstat      DOUBLE PRECISION NOT NULL,
    medv       DOUBLE PRECISION NOT NULL,
    src_file   TEXT             NOT NULL,
    src_line   BIGINT           NOT NULL,
    read_us    BIGINT,           -- when the CSV reader read the line (µs since the epoch), for latency
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- databases created before read_us existed
ALTER TABLE housing ADD COLUMN IF NOT EXISTS read_us BIGINT;

CREATE INDEX IF NOT EXISTS housing_medv_idx       ON housing (medv);
CREATE INDEX IF NOT EXISTS housing_created_at_idx ON housing (created_at);
CREATE UNIQUE INDEX IF NOT EXISTS housing_source_idx ON housing (src_file, src_line);

-- housing_dead_letter: input that could not become a housing row, kept whole
-- with where it came from and why, so nothing is ever silently dropped.
-- source is "<src_file>:<line>" for a record, or "kafka:topic/partition@offset"
-- for a message that could not be parsed. raw_bytes holds the input exactly
-- (any bytes); raw is the same as text, with each byte that is not valid UTF-8
-- shown as '?'. sqlstate is PostgreSQL's error code when PostgreSQL refused
-- the row. A dead letter written twice (a replay) is kept once: the same
-- source with the same bytes.
CREATE TABLE IF NOT EXISTS housing_dead_letter (
    id         SERIAL PRIMARY KEY,
    source     TEXT      NOT NULL,
    reason     TEXT      NOT NULL,
    raw        TEXT      NOT NULL,
    raw_bytes  BYTEA,
    sqlstate   TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    replayed_at TIMESTAMP  -- when `housingsup replay` landed it; NULL: not replayed
);

-- databases created before raw_bytes and sqlstate existed
ALTER TABLE housing_dead_letter ADD COLUMN IF NOT EXISTS raw_bytes BYTEA;
ALTER TABLE housing_dead_letter ADD COLUMN IF NOT EXISTS sqlstate TEXT;
ALTER TABLE housing_dead_letter ADD COLUMN IF NOT EXISTS replayed_at TIMESTAMP;
DROP INDEX IF EXISTS housing_dead_letter_source_idx;
CREATE UNIQUE INDEX IF NOT EXISTS housing_dead_letter_record_idx
    ON housing_dead_letter (source, md5(raw_bytes));
