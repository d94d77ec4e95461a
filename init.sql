-- housingsup schema. Applied once per database; every statement is idempotent.
--
-- housing: one row per CSV record. (src_file, src_line) names the record's origin;
-- its unique index is what makes replays after a crash harmless: a record that
-- is written twice is refused the second time (writers use ON CONFLICT DO NOTHING
-- when they replay), so every CSV record lands exactly once.

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
-- source is "file:line" for CSV input or "kafka:topic/partition@offset" for
-- a message that could not be parsed; it is unique for the same reason as above.
CREATE TABLE IF NOT EXISTS housing_dead_letter (
    id         SERIAL PRIMARY KEY,
    source     TEXT      NOT NULL,
    reason     TEXT      NOT NULL,
    raw        TEXT      NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE UNIQUE INDEX IF NOT EXISTS housing_dead_letter_source_idx ON housing_dead_letter (source);
