"""The Splink adapter: train a model on the records themselves, score pairs, on DuckDB or Spark.

Polars frames in, Polars frames out; nothing here knows about Django. The model travels as
Splink's JSON, so a model trained on one machine with DuckDB scores a province on a Spark cluster.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from splink import DuckDBAPI, Linker, SettingsCreator

from minqing.linkage.model import (
    PARTIAL_OTHER_SURNAME,
    PARTIAL_SAME_SURNAME,
    TRAINING_BLOCKS,
    person_settings,
)

# pairs scored below this are not even returned: far too unlikely to be reviewed
FLOOR = 0.05
# random pairs for estimating u (how often two different people agree by chance)
U_PAIRS = 1e6
# EM pushes the m of levels it never sees among matches towards zero (a birth date one year off:
# m = 1e-124), which would let one typo veto every other agreement. No list is that clean: a
# level's m is kept at or above one in a thousand, so one disagreement costs at most ~10 bits.
M_FLOOR = 1e-3
# A level never seen in the random sample (two strangers with the same phone) agrees by chance
# less than once in U_PAIRS pairs; Splink would leave it untrained and weigh it as nothing.
U_FLOOR = 1 / U_PAIRS
# A caller who gives only a form of address (王女士) says the surname over the telephone; it is
# taken down wrong about once in fifty calls (an assumption: no list records how often).
SURNAME_MISHEARD = 0.02
LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "电话",
    "birth_on": "出生日期",
    "address": "地址",
    "sex": "性别",
    "disability": "残疾类别和等级",
    "stated_age": "名册年龄",
}


@dataclass
class Scored:
    pairs: pl.DataFrame  # unique_id_l, unique_id_r, match_probability, match_weight, gamma_*
    model_json: str
    comparisons: list[str]  # output column names of the comparisons, in order


def spark_session(
    app_name: str = "minqing-link",
    *,
    master: str = "local[2]",
    shuffle_partitions: int = 8,
    config: dict[str, str] | None = None,
):
    """A Spark session with Splink's string-similarity functions on the class path.

    Under spark-submit the session is spark-submit's own: its master, jars, memory and partitions
    are kept as given (settings made here would silently replace them, and a province would be
    scored on the driver alone). Otherwise a session on this machine."""
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    if "PYSPARK_GATEWAY_PORT" in os.environ:
        # spark-submit started this process and the JVM it talks to
        return SparkSession.builder.getOrCreate()
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    if master.startswith("local"):
        # nothing leaves the machine: no need to find (or resolve) a network address
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config(
            "spark.driver.host", "127.0.0.1"
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _db_api(engine: str, spark=None, workdir: Path | None = None):
    if engine == "duckdb":
        return DuckDBAPI()
    if engine == "spark":
        from splink import SparkAPI

        spark = spark or spark_session()
        # Splink writes every intermediate table as parquet under the checkpoint directory; unless
        # spark.checkpoint.dir names one (shared storage, on a cluster), this run's own, removed
        # with it
        if workdir is not None and not spark.conf.get("spark.checkpoint.dir", None):
            spark.sparkContext.setCheckpointDir((workdir / "checkpoints").as_uri())
        return SparkAPI(spark_session=spark, break_lineage_method="parquet")
    raise ValueError(f"未知的计算引擎: {engine} (可用: duckdb, spark)")


def _register(db_api, frame: pl.DataFrame, engine: str, workdir: Path):
    if engine == "spark":
        path = workdir / "records.parquet"
        frame.write_parquet(path)
        # a session used before still holds the last run's records
        db_api.spark.catalog.dropTempView("records")
        # a file:// URI: where the default file system is HDFS, a bare path would be looked up there
        records = db_api.spark.read.parquet(path.as_uri())
        return db_api.register(records, table_name="records")
    return db_api.register(frame.to_arrow(), table_name="records")


def _to_polars(splink_df, engine: str, workdir: Path) -> pl.DataFrame:
    if engine == "spark":
        path = workdir / "pairs"
        splink_df.as_spark_dataframe().write.mode("overwrite").parquet(path.as_uri())
        files = sorted(path.glob("*.parquet"))
        return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()
    # DuckDB hands back a stream of batches; read whole, so that no pairs is an empty table with
    # its columns rather than no batch at all (which Polars cannot turn into a frame)
    return pl.from_arrow(splink_df.as_duckdbpyrelation().arrow().read_all())


def in_dialect(model: dict, engine: str) -> dict:
    """The trained model with its SQL rewritten for the engine that will run it.

    Splink saves comparison levels and blocking rules as SQL of the engine that trained them, and
    reads a saved model as SQL of the engine at hand: to Spark, DuckDB's "name_l" is a string, not
    a column (every comparison would quietly compare two constants), and jaro_winkler_similarity
    is called jaro_winkler."""
    import sqlglot
    from splink.internals.dialects import SplinkDialect

    source = model.get("sql_dialect") or "duckdb"
    if source == engine:
        return model
    src, dst = SplinkDialect.from_string(source), SplinkDialect.from_string(engine)
    renames = {}
    for function in ("jaro_winkler", "jaro", "damerau_levenshtein", "levenshtein"):
        old, new = (
            getattr(src, f"{function}_function_name"),
            getattr(dst, f"{function}_function_name"),
        )
        if old != new:
            renames[old] = new

    def translated(sql: str) -> str:
        if sql.strip().upper() == "ELSE":
            return sql
        for old, new in renames.items():
            sql = re.sub(rf"\b{old}\s*\(", f"{new}(", sql, flags=re.IGNORECASE)
        return sqlglot.transpile(sql, read=src.sqlglot_dialect, write=dst.sqlglot_dialect)[0]

    model = json.loads(json.dumps(model))
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            level["sql_condition"] = translated(level["sql_condition"])
    rules = model.get("blocking_rules_to_generate_predictions", [])
    for i, rule in enumerate(rules):
        if isinstance(rule, str):
            rules[i] = translated(rule)
        else:
            rule["blocking_rule"] = translated(rule["blocking_rule"])
            rule["sql_dialect"] = engine
    model["sql_dialect"] = engine
    return model


def train_and_score(
    frame: pl.DataFrame,
    *,
    engine: str = "duckdb",
    model_json: str | None = None,
    settings: SettingsCreator | None = None,
    training_blocks=None,
    spark=None,
    seed: int = 42,
) -> Scored:
    """Train by EM on the frame (unless a trained model is given), then score every blocked pair.

    `frame` has a unique `unique_id` and the columns the settings compare."""
    with tempfile.TemporaryDirectory(prefix="minqing-link-") as tmp:
        workdir = Path(tmp)
        db_api = _db_api(engine, spark, workdir)
        records = _register(db_api, frame, engine, workdir)
        if model_json:
            trained = in_dialect(json.loads(model_json), engine)
        else:
            trainer = Linker(records, settings or person_settings(), log_level=logging.ERROR)
            _train(trainer, training_blocks or TRAINING_BLOCKS, seed)
            trained = regularized(trainer.misc.save_model_to_json())
        linker = Linker(records, trained, log_level=logging.ERROR)
        predictions = linker.inference.predict(threshold_match_probability=FLOOR)
        pairs = _to_polars(predictions, engine, workdir)
        comparisons = [c["output_column_name"] for c in trained["comparisons"]]
        keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
        keep += [f"gamma_{c}" for c in comparisons if f"gamma_{c}" in pairs.columns]
        # DuckDB's threads return the pairs in a different order on every run; whatever reads them
        # in order (ties in probability, first-of-group) must see them the same way each time
        pairs = (
            pairs.select(keep).sort("unique_id_l", "unique_id_r")
            if pairs.height
            else _empty_pairs()
        )
        return Scored(
            pairs=pairs, model_json=json.dumps(trained, ensure_ascii=False), comparisons=comparisons
        )


def _train(linker: Linker, blocks, seed: int) -> None:
    # Splink logs the same "not trained" notice for every session; the summary is what matters
    logging.getLogger("splink").setLevel(logging.ERROR)
    # the share of pairs that match, from the pairs the first (strongest) rule finds
    linker.training.estimate_probability_two_random_records_match([blocks[0]], recall=0.9)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=U_PAIRS, seed=seed, num_chunks=1, min_count_per_level=None
    )
    trained = 0
    for block in blocks:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block, estimate_without_term_frequencies=True
            )
            trained += 1
        except ValueError as error:
            # on very small data EM can drive an m to exactly 0, which Splink refuses; the other
            # sessions still train that comparison, and the floors in `regularized` apply
            if "below the minimum allowed" not in str(error):
                raise
            logging.getLogger(__name__).warning(
                "EM 训练的第 %d 轮(共 %d 轮)被跳过: %s", blocks.index(block) + 1, len(blocks), error
            )
    if not trained:
        raise ValueError(
            "记录太少, 无法训练比对模型: 请导入更多数据, 或使用已训练的模型 (--model)。"
        )


def regularized(model: dict) -> dict:
    """The trained model with every m and u kept within the floors above, and u corrected for the
    matches inside the random sample.

    u is estimated from random pairs, assumed all non-matches. In a district each person appears
    in about three lists, so one random pair in ~30,000 is in fact the same person, and for a
    level such as "same ID number" those matches are nearly all the agreement there is: observed
    u = λ·m + (1 − λ)·u_true. Solving for u_true (λ is the share of matching pairs, m the level's
    share among matches) takes the matches back out."""
    share = model.get("probability_two_random_records_match") or 0.0
    if share:
        model["probability_two_random_records_match"] = share = _settled(share)
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if m is None and u is None:
                # seen neither among matches nor by chance: no weight either way
                level["m_probability"] = level["u_probability"] = U_FLOOR
                continue
            if u is not None and m is not None and share:
                u = (u - share * m) / (1 - share)
            level["m_probability"] = _settled(max(m or 0.0, M_FLOOR))
            level["u_probability"] = _settled(max(u or 0.0, U_FLOOR))
    _partial_names(model)
    return model


def _partial_names(model: dict) -> None:
    """m of the name levels for a record with only a form of address, which EM cannot train (no
    training block reaches such records) and the floor would leave at M_FLOOR: the weight of a
    shared surname would then say how common such records are, not what the surname tells.

    Whether a record carries only a form of address has nothing to do with whether the pair
    matches, so such a record takes part in the same share of matching pairs as of random ones
    (the two levels' u together); among the matches the surname agrees unless misheard."""
    for comparison in model.get("comparisons", []):
        levels = {
            level.get("label_for_charts"): level
            for level in comparison.get("comparison_levels", [])
        }
        same, other = levels.get(PARTIAL_SAME_SURNAME), levels.get(PARTIAL_OTHER_SURNAME)
        if not same or not other or same.get("fix_m_probability"):
            continue
        partial = same["u_probability"] + other["u_probability"]
        same["m_probability"] = _settled(max(partial * (1 - SURNAME_MISHEARD), M_FLOOR))
        other["m_probability"] = _settled(max(partial * SURNAME_MISHEARD, M_FLOOR))


def _settled(p: float) -> float:
    """p to 10 significant digits. EM sums over the pairs on several threads, in whatever order
    they finish: the last digit of an m differs from run to run (0.6703029933453188 or …187), and
    so would every score that uses it, and every tie between scores."""
    return float(f"{p:.10g}")


def _empty_pairs() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "unique_id_l": pl.Int64,
            "unique_id_r": pl.Int64,
            "match_probability": pl.Float64,
            "match_weight": pl.Float64,
        }
    )


def parameters(model_json: str) -> list[dict]:
    """The trained m and u of every comparison level, for people to read: one row per level."""
    model = json.loads(model_json)
    rows = []
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = None
            if m and u:
                weight = math.log2(m / u)
            name = comparison["output_column_name"]
            rows.append(
                {
                    "comparison": LABELS.get(name, name),
                    "level": level.get("label_for_charts") or level.get("sql_condition"),
                    "m": m,
                    "u": u,
                    "weight": weight,
                    "tf": bool(level.get("tf_adjustment_column")),
                }
            )
    return rows
