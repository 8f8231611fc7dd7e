"""Data Flow lab ETL: read the sales CSV, label each order by size, drop tiny orders, write Parquet.

Usage: etl_sales.py <input-uri> <output-uri>
Both URIs are Object Storage URIs (oci://bucket@namespace/path); the output is a prefix ending in /.
"""
import sys

USAGE = "usage: etl_sales.py <input-uri> <output-uri>"

# Thresholds live here so the rule reads the same in code and in the lab text.
HIGH_FROM = 100.0
MEDIUM_FROM = 20.0
KEEP_FROM = 10.0


def main(argv):
    if len(argv) != 3:
        print(USAGE, file=sys.stderr)
        return 2
    input_uri, output_uri = argv[1], argv[2]

    # Imported here so `--help`-style misuse fails fast even where Spark is absent.
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName("dataflow-lab-sales-etl").getOrCreate()
    orders = spark.read.option("header", "true").option("inferSchema", "true").csv(input_uri)
    labelled = orders.withColumn(
        "amount_bucket",
        F.when(F.col("amount") >= HIGH_FROM, "high")
        .when(F.col("amount") >= MEDIUM_FROM, "medium")
        .otherwise("low"),
    )
    kept = labelled.filter(F.col("amount") >= KEEP_FROM)
    kept.write.mode("overwrite").parquet(output_uri)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
