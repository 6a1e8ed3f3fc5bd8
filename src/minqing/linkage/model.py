"""The Splink model for persons in Chinese department lists: comparisons and blocking rules.

Column names are those of the frame `prepare.comparison_frame` builds from source records:
name, name_pinyin, surname_pinyin, birth_on (ISO text), birth_from_id, id_number, id_valid, phone,
sex,
community_code, estate_code, building_code, room, dwelling (building or village + room),
disability (category/grade, on the lists that state it), birth_year and birth_year_from_age (a
roll's stated age).

Every comparison uses SQL that Splink translates for DuckDB and Spark alike (levenshtein,
levenshtein and jaro_winkler exist in both), so one trained model file runs on either.
"""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

# Blocking: never on name alone. Each rule pairs records that share a strong key; together they
# catch the errors the lists contain (an ID typo still shares phone or name+birth; a hotline caller
# without ID shares a phone or the dwelling).
BLOCKING_RULES = [
    block_on("id_number"),
    block_on("phone"),
    block_on("surname_pinyin", "birth_on"),
    block_on("name_pinyin", "substr(birth_on, 1, 4)"),
    block_on("name_pinyin", "community_code"),
    block_on("dwelling", "surname_pinyin"),
    # an ID typo, for lists with neither phone nor address: one wrong digit or one swap of
    # neighbours leaves the first nine digits, or the last nine, or digits 1–6 and 13–18 intact
    block_on("substr(id_number, 1, 9)", "name_pinyin"),
    block_on("substr(id_number, 10, 9)", "name_pinyin"),
    block_on("substr(id_number, 1, 6)", "substr(id_number, 13, 6)", "name_pinyin"),
]

RARE_AMONG_MATCHES = {"m_probability": 1e-3, "fix_m_probability": True}
PARTIAL_SAME_SURNAME = "仅有称呼, 同姓"
PARTIAL_OTHER_SURNAME = "仅有称呼, 不同姓"
ID_OF_ANOTHER = "无号码, 或同号不同名(不计)"
BIRTH_FROM_SAME_ID = "无日期, 或均由同一身份证号推算(不计)"
NO_STATED_AGE = "无名册年龄(不计)"


def _names_close():
    """Names close enough that a shared ID number means the same person: similar pinyin, or the
    same given name under a misread surname (王 → 玉 changes the pinyin; siblings share the
    surname, so a surname that differs alone is a misreading, not a relative)."""
    return cll.Or(
        cll.NullLevel("name_pinyin"),
        cll.JaroWinklerLevel("name_pinyin", 0.8),
        cll.CustomLevel(
            "length(name_l) >= 2 AND length(name_l) = length(name_r) "
            "AND substr(name_l, 2) = substr(name_r, 2)"
        ),
    )


# EM sessions: each leaves alone the comparisons that read a column of its blocking rule (the
# birth comparison reads the ID number too) and trains the others. Between them every comparison
# is trained at least once: name and address in the first, birth date in the third.
TRAINING_BLOCKS = [
    block_on("id_number"),
    block_on("surname_pinyin", "birth_on"),
    block_on("name_pinyin", "community_code"),
]


def _name_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            # no name at all on one side (a hotline caller who gave none)
            cll.NullLevel("surname_pinyin"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True).configure(
                label_for_charts="姓名相同"
            ),
            cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=True).configure(
                label_for_charts="拼音相同(同音字)"
            ),
            cll.LevenshteinLevel("name", 1).configure(label_for_charts="差一个字"),
            cll.And(
                cll.ExactMatchLevel("surname_pinyin"),
                cll.JaroWinklerLevel("name_pinyin", 0.88),
            ).configure(label_for_charts="同姓, 拼音相近"),
            # a caller who gave only a form of address (王女士): the surname is all there is.
            # No training block reaches these records (no ID, birth date or full name), so EM
            # never sets their m: engine.regularized derives it from their u
            cll.And(
                cll.Or(
                    cll.CustomLevel("name_pinyin_l IS NULL"),
                    cll.CustomLevel("name_pinyin_r IS NULL"),
                ),
                cll.ExactMatchLevel("surname_pinyin"),
            ).configure(label_for_charts=PARTIAL_SAME_SURNAME),
            cll.Or(
                cll.CustomLevel("name_pinyin_l IS NULL"),
                cll.CustomLevel("name_pinyin_r IS NULL"),
            ).configure(label_for_charts=PARTIAL_OTHER_SURNAME),
            cll.ElseLevel().configure(label_for_charts="不同"),
        ],
        comparison_description="姓名",
    )


def _id_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="id_number",
        comparison_levels=[
            # no number on one side; or the same number under another name: a household
            # member's number written in the wrong row, neither proof nor disproof
            cll.Or(
                cll.NullLevel("id_number"),
                cll.And(cll.ExactMatchLevel("id_number"), cll.Not(_names_close())),
            ).configure(is_null_level=True, label_for_charts=ID_OF_ANOTHER),
            cll.ExactMatchLevel("id_number").configure(label_for_charts="身份证号相同"),
            # the check digit catches every one-digit error and every swap of neighbours, so a
            # small edit between a valid and an invalid number is a typo (levenshtein, not
            # Damerau: a swap is two edits, and levenshtein costs a fifth as much)
            cll.And(
                cll.LevenshteinLevel("id_number", 2),
                cll.CustomLevel("(id_valid_l <> id_valid_r)"),
            ).configure(label_for_charts="差一两位(校验码不符, 录入错误)"),
            cll.LevenshteinLevel("id_number", 1).configure(label_for_charts="差一位"),
            cll.ElseLevel().configure(label_for_charts="不同"),
        ],
        comparison_description="身份证号",
    )


def _phone_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="phone",
        comparison_levels=[
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone").configure(label_for_charts="电话相同"),
            cll.LevenshteinLevel("phone", 1).configure(label_for_charts="差一位"),
            cll.ElseLevel().configure(label_for_charts="不同"),
        ],
        comparison_description="电话",
    )


def _birth_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="birth_on",
        comparison_levels=[
            # no date on one side; or both dates read off the same ID number, which the ID
            # comparison has already counted
            cll.Or(
                cll.NullLevel("birth_on"),
                cll.CustomLevel(
                    "birth_from_id_l AND birth_from_id_r AND id_number_l = id_number_r"
                ),
            ).configure(is_null_level=True, label_for_charts=BIRTH_FROM_SAME_ID),
            cll.ExactMatchLevel("birth_on").configure(label_for_charts="出生日期相同"),
            # A date near but not equal: a typo, rare among matches (dates mostly come from the
            # same ID number). EM drives these towards zero, and on a small district below what
            # Splink accepts (1e-300), which aborts the session and leaves the whole comparison
            # untrained; their m is set, not trained: one in a thousand matches (M_FLOOR).
            cll.LevenshteinLevel("birth_on", 1).configure(
                label_for_charts="差一位数字", **RARE_AMONG_MATCHES
            ),
            cll.CustomLevel("substr(birth_on_l, 1, 7) = substr(birth_on_r, 1, 7)").configure(
                label_for_charts="同年同月", **RARE_AMONG_MATCHES
            ),
            cll.CustomLevel("substr(birth_on_l, 1, 4) = substr(birth_on_r, 1, 4)").configure(
                label_for_charts="同年", **RARE_AMONG_MATCHES
            ),
            cll.ElseLevel().configure(label_for_charts="不同"),
        ],
        comparison_description="出生日期",
    )


def _address_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("community_code"),
            # the same room of a building, or the same house of a village (rural addresses name
            # no building)
            cll.ExactMatchLevel("dwelling").configure(label_for_charts="同一户(楼栋或村+房号)"),
            cll.ExactMatchLevel("building_code").configure(label_for_charts="同一楼栋"),
            cll.ExactMatchLevel("estate_code").configure(label_for_charts="同一小区"),
            cll.ExactMatchLevel("community_code").configure(label_for_charts="同一社区"),
            cll.ElseLevel().configure(label_for_charts="不同"),
        ],
        comparison_description="地址",
    )


def _sex_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(label_for_charts="性别相同"),
            cll.ElseLevel().configure(label_for_charts="不同"),
        ],
        comparison_description="性别",
    )


def _disability_comparison() -> cl.CustomComparison:
    # only the 残联's cards and the 两项补贴 rolls state it; for a roll row kept without its ID
    # number (name and community only) it tells the namesakes of a community apart
    return cl.CustomComparison(
        output_column_name="disability",
        comparison_levels=[
            cll.NullLevel("disability"),
            cll.ExactMatchLevel("disability").configure(label_for_charts="残疾类别和等级相同"),
            # the synthetic lists never disagree, so EM would put this at the floor (−10 bits);
            # a card re-graded after the roll was written is no rarity: set, not trained
            cll.ElseLevel().configure(
                label_for_charts="不同", m_probability=0.05, fix_m_probability=True
            ),
        ],
        comparison_description="残疾类别和等级",
    )


def _stated_age_comparison() -> cl.CustomComparison:
    # a 高龄津贴 or 特困 row kept without its ID number states an age, not a birth date: against
    # a record with a birth year it tells an old person from a younger namesake. Too few such
    # rows reach EM or the random sample to train either probability, so both are set: among
    # matches the stated age fits but for a slip; by chance, three birth years of the 80 or so
    # a district's people span
    return cl.CustomComparison(
        output_column_name="stated_age",
        comparison_levels=[
            cll.CustomLevel(
                "birth_year_l IS NULL OR birth_year_r IS NULL "
                "OR NOT (birth_year_from_age_l OR birth_year_from_age_r)"
            ).configure(is_null_level=True, label_for_charts=NO_STATED_AGE),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 1").configure(
                label_for_charts="名册年龄与出生年份相符",
                m_probability=0.98,
                fix_m_probability=True,
                u_probability=0.04,
                fix_u_probability=True,
            ),
            cll.ElseLevel().configure(
                label_for_charts="不符",
                m_probability=0.02,
                fix_m_probability=True,
                u_probability=0.96,
                fix_u_probability=True,
            ),
        ],
        comparison_description="名册年龄",
    )


def person_settings() -> SettingsCreator:
    """The settings for deduplicating person records across all sources."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-5,
        comparisons=[
            _name_comparison(),
            _id_comparison(),
            _phone_comparison(),
            _birth_comparison(),
            _address_comparison(),
            _sex_comparison(),
            _disability_comparison(),
            _stated_age_comparison(),
        ],
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
