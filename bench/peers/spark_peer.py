"""spark_peer.py - the seed's design as a benchmark peer: a Spark Structured Streaming job
reads the topic housingsup filled, parses each message (a JSON array of records), explodes
it, and writes every micro-batch to PostgreSQL through psycopg2 (COPY) in foreachBatch.

    python spark_peer.py TOPIC ROWS

Runs with trigger(availableNow=True): it processes what is on the topic and stops. Prints
the rows/s from the first batch's start to the last batch's commit, as the last line.
Needs pyspark and psycopg2 (bench/bench.py installs them in a venv), the
spark-sql-kafka connector (fetched from Maven Central by spark.jars.packages), and the
PG* and HS_KAFKA_BOOTSTRAP variables of .stack/env.
"""
import io
import os
import sys
import time

import psycopg2
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DoubleType, LongType, StructField, StructType

COLUMNS = ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio",
           "b", "lstat", "medv"]  # the messages' keys: the table's column names
SCHEMA = ArrayType(StructType([StructField("_line", LongType())] +
                              [StructField(c, DoubleType()) for c in COLUMNS]))


def write_batch(frame, batch_id):
    rows = frame.collect()
    if not rows:
        return
    buf = io.StringIO()
    for r in rows:
        values = [str(int(r[c])) if c in ("chas", "rad") else repr(r[c]) for c in COLUMNS]
        buf.write("\t".join(values + ["spark", str(r["_line"])]) + "\n")
    buf.seek(0)
    with psycopg2.connect("") as conn, conn.cursor() as cur:
        cur.copy_expert("COPY housing (crim, zn, indus, chas, nox, rm, age, dis, rad, tax, ptratio, "
                        "b, lstat, medv, src_file, src_line) FROM STDIN", buf)


def main():
    topic, rows = sys.argv[1], int(sys.argv[2])
    spark = (SparkSession.builder.appName("housing-spark-peer").master("local[2]")
             .config("spark.jars.packages", "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.3")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    stream = (spark.readStream.format("kafka")
              .option("kafka.bootstrap.servers", os.environ["HS_KAFKA_BOOTSTRAP"])
              .option("subscribe", topic).option("startingOffsets", "earliest")
              .option("maxOffsetsPerTrigger", "1000").load())
    records = (stream.select(F.from_json(F.col("value").cast("string"), SCHEMA).alias("batch"))
               .select(F.explode("batch").alias("r")).select("r.*"))
    t0 = time.monotonic()
    query = (records.writeStream.foreachBatch(write_batch).trigger(availableNow=True)
             .option("checkpointLocation", f"/tmp/spark-peer-{os.getpid()}").start())
    query.awaitTermination()
    elapsed = time.monotonic() - t0
    spark.stop()
    print(f"{rows / elapsed:.1f}")


if __name__ == "__main__":
    main()
