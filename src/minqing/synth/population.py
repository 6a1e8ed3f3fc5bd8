"""The synthetic district's people: households, members, and every fact about them that a
department might hold (the true values; extracts.py writes them as each department sees them).

All draws are vectorized with numpy from one seeded generator per concern, so the same seed gives
the same district and a million persons take seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from minqing.core.idnumbers import check_chars
from minqing.synth.names import GIVEN, MOBILE_PREFIXES, SURNAMES
from minqing.synth.regions import BIRTH_REGIONS, DISTRICT_CODE

# Household shapes: name, weight. A "skip_generation" household is grandparents raising
# grandchildren whose parents are away, dead or unable (留守 / 事实无人抚养).
HOUSEHOLD_TYPES = [
    ("single_elderly", 0.08),
    ("elderly_couple", 0.10),
    ("nuclear", 0.33),
    ("three_generation", 0.10),
    ("single_adult", 0.10),
    ("couple", 0.10),
    ("single_parent", 0.05),
    ("skip_generation", 0.03),
    ("nuclear_with_parent", 0.11),
]
TYPE_INDEX = {name: i for i, (name, _) in enumerate(HOUSEHOLD_TYPES)}

RELATIONS = ["head", "spouse", "child", "parent", "grandchild", "child_in_law"]
REL = {name: i for i, name in enumerate(RELATIONS)}

EMPLOYMENT = [
    "child",  # under 16, not a student yet or not in school
    "student",
    "employed",
    "self_employed",
    "farmer",
    "unemployed_registered",
    "unemployed",  # not working and not registered
    "retired",
    "unable",  # no capacity to work: severe disability or serious illness
    "elderly",  # over working age without a pension from work
]
EMP = {name: i for i, name in enumerate(EMPLOYMENT)}

DISABILITY_CATEGORIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
CHRONIC = ["高血压", "糖尿病", "冠心病", "慢性阻塞性肺疾病", "脑梗死后遗症", "类风湿性关节炎"]
SERIOUS = ["恶性肿瘤", "尿毒症", "白血病", "重症肌无力", "再生障碍性贫血", "器官移植术后"]
SCHOOL_STAGES = ["学前", "小学", "初中", "高中", "中职"]
PARENT_STATUS = ["present", "away", "dead", "unable"]


@dataclass
class Population:
    persons: pl.DataFrame
    households: pl.DataFrame


def _weights(pairs) -> tuple[list, np.ndarray]:
    items = [p[0] for p in pairs]
    w = np.asarray([p[-1] for p in pairs], dtype=float)
    return items, w / w.sum()


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def _ordinals(counts: np.ndarray) -> np.ndarray:
    """0, 1, … k-1 for each k in counts, concatenated (vectorized np.concatenate of aranges)."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def pick(values: list[str], idx: np.ndarray) -> pl.Series:
    """values[idx] as a polars string column (numpy unicode arrays are slow to convert)."""
    return pl.Series(values, dtype=pl.String).gather(np.asarray(idx, dtype=np.int64) % len(values))


def _members(rng: np.random.Generator, n_households: int) -> dict[str, np.ndarray]:
    """Member rows for n households: household index, relation, age, sex, and the age of the
    member's mother-like elder used to keep ages consistent."""
    types, tw = _weights(HOUSEHOLD_TYPES)
    htype = rng.choice(len(types), size=n_households, p=tw)
    h = np.arange(n_households)
    t = htype

    def is_(name: str) -> np.ndarray:
        return t == TYPE_INDEX[name]

    head_lo = np.select(
        [
            is_("single_elderly"),
            is_("elderly_couple"),
            is_("three_generation"),
            is_("skip_generation"),
            is_("single_adult"),
            is_("couple"),
            is_("single_parent"),
            is_("nuclear_with_parent"),
        ],
        [65, 60, 56, 56, 18, 22, 26, 30],
        default=26,
    )
    head_hi = np.select(
        [
            is_("single_elderly"),
            is_("elderly_couple"),
            is_("three_generation"),
            is_("skip_generation"),
            is_("single_adult"),
            is_("couple"),
            is_("single_parent"),
            is_("nuclear_with_parent"),
        ],
        [96, 92, 86, 80, 60, 64, 52, 56],
        default=56,
    )
    # Among the elderly, older heads are rarer (a triangular shape leaning to the young end);
    # working-age heads spread evenly over their range.
    elderly_type = (
        is_("single_elderly")
        | is_("elderly_couple")
        | is_("three_generation")
        | is_("skip_generation")
    )
    u = np.where(elderly_type, rng.triangular(0, 0, 1, size=n_households), rng.random(n_households))
    head_age = (head_lo + u * (head_hi - head_lo)).astype(np.int64)
    head_male = rng.random(n_households) < np.where(is_("single_elderly"), 0.35, 0.72)

    has_spouse = np.select(
        [
            is_("elderly_couple") | is_("couple"),
            is_("nuclear") | is_("nuclear_with_parent"),
            is_("three_generation"),
            is_("skip_generation"),
        ],
        [
            True,
            rng.random(n_households) < 0.93,
            rng.random(n_households) < 0.8,
            rng.random(n_households) < 0.7,
        ],
        default=False,
    )
    n_children = np.select(
        [
            is_("nuclear") | is_("nuclear_with_parent"),
            is_("single_parent"),
            is_("three_generation"),
        ],
        [
            rng.choice([1, 2, 3], size=n_households, p=[0.62, 0.33, 0.05]),
            rng.choice([1, 2], size=n_households, p=[0.75, 0.25]),
            1,
        ],
        default=0,
    )
    n_parents = np.where(
        is_("nuclear_with_parent"), rng.choice([1, 2], n_households, p=[0.6, 0.4]), 0
    )
    n_grand = np.select(
        [is_("three_generation"), is_("skip_generation")],
        [
            rng.choice([0, 1, 2], n_households, p=[0.2, 0.55, 0.25]),
            rng.choice([1, 2], n_households, p=[0.7, 0.3]),
        ],
        default=0,
    )
    has_in_law = is_("three_generation") & (rng.random(n_households) < 0.75)

    rows_h, rows_rel, rows_age, rows_male, rows_ordinal = [], [], [], [], []

    def add(hidx, rel, age, male, ordinal=None):
        rows_h.append(hidx)
        rows_rel.append(np.full(len(hidx), REL[rel]))
        rows_age.append(age)
        rows_male.append(male)
        rows_ordinal.append(np.zeros(len(hidx), dtype=np.int64) if ordinal is None else ordinal)

    add(h, "head", head_age, head_male)
    sp = h[has_spouse]
    sp_age = np.clip(
        head_age[sp] + np.where(head_male[sp], -1, 1) * rng.integers(0, 5, len(sp)), 18, 100
    )
    add(sp, "spouse", sp_age, ~head_male[sp])
    mother_age = np.where(has_spouse & head_male, 0, head_age)
    mother_age[sp] = np.where(head_male[sp], sp_age, head_age[sp])

    # Children: for three-generation households one adult child, for others minors/young adults.
    ch = np.repeat(h, n_children)
    ordinal = _ordinals(n_children)
    gap = rng.integers(22, 35, len(ch)) + ordinal * rng.integers(2, 5, len(ch))
    ch_age = np.maximum(mother_age[ch] - gap, 0)
    ch_age = np.where(is_("three_generation")[ch], np.maximum(ch_age, 24), ch_age)
    add(ch, "child", ch_age, rng.random(len(ch)) < 0.52, ordinal)

    il = h[has_in_law]
    # the adult child of a three-generation household is the first child of that household
    first_child_age = np.zeros(n_households, dtype=np.int64)
    first_child_male = np.zeros(n_households, dtype=bool)
    first = ordinal == 0
    first_child_age[ch[first]] = ch_age[first]
    first_child_male[ch[first]] = rows_male[-1][first]
    add(
        il,
        "child_in_law",
        first_child_age[il] + rng.integers(-3, 4, len(il)),
        ~first_child_male[il],
    )

    pa = np.repeat(h, n_parents)
    pord = _ordinals(n_parents)
    pa_age = np.minimum(head_age[pa] + rng.integers(22, 33, len(pa)) + pord, 99)
    # two parents are a couple (one male, one female); one parent is more often the mother
    pa_male = np.where(
        pord == 0, rng.random(len(pa)) < np.where(n_parents[pa] == 2, 1.0, 0.35), False
    )
    add(pa, "parent", pa_age, pa_male, pord)

    gc = np.repeat(h, n_grand)
    gord = _ordinals(n_grand)
    base = np.where(is_("skip_generation")[gc], head_age[gc] - 48, first_child_age[gc] - 24)
    gc_age = np.clip(base - gord * 3 + rng.integers(-4, 5, len(gc)), 0, 17)
    gc_age = np.where(is_("skip_generation")[gc], np.clip(gc_age, 3, 16), gc_age)
    add(gc, "grandchild", gc_age, rng.random(len(gc)) < 0.53, gord)

    out = {
        "h": np.concatenate(rows_h),
        "relation": np.concatenate(rows_rel),
        "age": np.concatenate(rows_age).astype(np.int64),
        "male": np.concatenate(rows_male).astype(bool),
        "ordinal": np.concatenate(rows_ordinal),
    }
    order = np.lexsort((out["ordinal"], out["relation"], out["h"]))
    out = {k: v[order] for k, v in out.items()}
    out["htype"] = htype
    return out


def _given_names(rng, male: np.ndarray, birth_year: np.ndarray) -> pl.Series:
    """One or two characters from the pool of the person's sex and era."""
    n = len(male)
    era_young = (birth_year >= 1990) | ((birth_year >= 1980) & (rng.random(n) < 0.5))
    two_chars = rng.random(n) < np.where(era_young, 0.82, 0.6)
    pools = [
        (m, y, GIVEN[("M" if m else "F", "young" if y else "old")])
        for m in (True, False)
        for y in (True, False)
    ]
    chars = sorted({c for _, _, pool in pools for c in pool})
    code = {c: i for i, c in enumerate(chars)}
    first = np.zeros(n, dtype=np.int64)
    second = np.zeros(n, dtype=np.int64)
    for sex_male, young, pool in pools:
        pool_idx = np.asarray([code[c] for c in pool])
        mask = (male == sex_male) & (era_young == young)
        k = int(mask.sum())
        first[mask] = pool_idx[rng.integers(0, len(pool), k)]
        second[mask] = pool_idx[rng.integers(0, len(pool), k)]
    chars.append("")
    second = np.where(two_chars, second, len(chars) - 1)
    return pick(chars, first) + pick(chars, second)


def _digits(number: np.ndarray, width: int) -> np.ndarray:
    """(n, width) decimal digits of non-negative integers."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (number[:, None] // powers) % 10


def build_population(
    seed: int, persons: int, dwellings: pl.DataFrame, as_of: dt.date
) -> Population:
    """Households and persons, about `persons` of them, living in `dwellings`."""
    rng = _rng(seed, 1)
    n_households = max(1, int(persons / 2.55))
    m = _members(rng, n_households)
    # Keep whole households up to the requested number of persons.
    sizes = np.bincount(m["h"], minlength=n_households)
    keep_h = np.cumsum(sizes) <= persons
    if not keep_h.any():
        keep_h[0] = True
    n_households = int(keep_h.sum())
    keep = keep_h[m["h"]]
    m = {k: (v[keep] if k != "htype" else v[keep_h]) for k, v in m.items()}
    n = len(m["h"])
    htype = m["htype"]
    h = m["h"]

    # --- birth dates, deaths -------------------------------------------------------------------
    rng = _rng(seed, 2)
    age = m["age"]
    days_into_year = rng.integers(0, 365, n)
    birth_ord = np.array(as_of.toordinal() - age * 365.25 - days_into_year, dtype=np.int64)
    birth_np = (birth_ord - dt.date(1970, 1, 1).toordinal()).astype("datetime64[D]")
    birth_year = birth_np.astype("datetime64[Y]").astype(np.int64) + 1970
    age = ((np.datetime64(as_of) - birth_np).astype(np.int64) / 365.2425).astype(np.int64)
    male = m["male"]
    # deaths in the last three years, much likelier for the old
    p_death = np.where(age >= 80, 0.05, np.where(age >= 65, 0.012, 0.0008))
    dead = rng.random(n) < p_death
    died_on = np.where(
        dead,
        np.datetime64(as_of) - rng.integers(5, 3 * 365, n).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )

    # --- names -----------------------------------------------------------------------------------
    rng = _rng(seed, 3)
    surnames, sw = _weights(SURNAMES)
    own_surname = rng.choice(len(surnames), size=n, p=sw)
    head_idx = np.flatnonzero(m["relation"] == REL["head"])
    hh_first = np.full(n_households, -1)
    hh_first[h[head_idx]] = head_idx
    rel = m["relation"]
    # children and grandchildren carry the head's surname when the head is male (most often)
    head_is_male = male[hh_first[h]]
    inherit = ((rel == REL["child"]) | (rel == REL["grandchild"])) & (
        head_is_male | (rng.random(n) < 0.3)
    )
    inherit |= (rel == REL["parent"]) & male & head_is_male
    surname_idx = np.where(inherit, own_surname[hh_first[h]], own_surname)
    surname = pick(surnames, surname_idx)
    name = surname + _given_names(rng, male, birth_year)

    # --- ID numbers (GB 11643) ---------------------------------------------------------------------
    rng = _rng(seed, 4)
    codes, rw = _weights(BIRTH_REGIONS)
    code_int = np.asarray([int(c) for c in codes], dtype=np.int64)
    young = age < 30
    region = np.where(
        young & (rng.random(n) < 0.8),
        int(DISTRICT_CODE),
        code_int[rng.choice(len(codes), size=n, p=rw)],
    )
    ymd = (
        (birth_np.astype("datetime64[Y]").astype(np.int64) + 1970) * 10000
        + (birth_np.astype("datetime64[M]").astype(np.int64) % 12 + 1) * 100
        + (birth_np - birth_np.astype("datetime64[M]")).astype(np.int64)
        + 1
    )
    # Unique sequence within (region, birth date, sex): rank inside the group, odd for men.
    df = pl.DataFrame({"region": region, "ymd": ymd, "male": male})
    df = df.with_columns(
        rank=pl.int_range(pl.len()).over(["region", "ymd", "male"]).cast(pl.Int64),
        offset=(pl.col("ymd").hash(seed) % 80).cast(pl.Int64),
    )
    seq = 2 * (df["offset"].to_numpy() + df["rank"].to_numpy()) + male.astype(np.int64) + 2
    if seq.max() > 999:
        raise ValueError("too many people born on one day in one region for 3-digit sequences")
    first17 = region * 10**11 + ymd * 1000 + seq
    check = check_chars(_digits(first17, 17))
    id18 = pl.Series(first17).cast(pl.String) + pl.Series(check)

    # --- phones ------------------------------------------------------------------------------------
    rng = _rng(seed, 5)
    pref = np.asarray([int(p) for p in MOBILE_PREFIXES])[rng.integers(0, len(MOBILE_PREFIXES), n)]
    # an affine map modulo 10^8 with a unit multiplier is a bijection: no two people share a number
    mobile = pref * 10**8 + (rng.permutation(n) * 48_271 + 12_345_678) % 100_000_000
    has_mobile = (age >= 14) & ~((age >= 75) & (rng.random(n) < 0.45))
    phone = pl.Series(np.where(has_mobile, mobile, 0)).cast(pl.String).replace("0", "")
    # the old number some lists still carry (changed within the last years)
    old = pref * 10**8 + rng.integers(0, 100_000_000, n)
    old_phone = (
        pl.Series(np.where(has_mobile & (rng.random(n) < 0.15), old, 0))
        .cast(pl.String)
        .replace("0", "")
    )

    # --- hardship, work, income --------------------------------------------------------------------
    rng = _rng(seed, 6)
    hardship_h = rng.random(n_households) < np.select(
        [
            htype == TYPE_INDEX["single_elderly"],
            htype == TYPE_INDEX["skip_generation"],
            htype == TYPE_INDEX["single_parent"],
        ],
        [0.22, 0.35, 0.25],
        default=0.07,
    )
    hardship = hardship_h[h]
    alive = ~dead
    retire_age = np.where(male, 60, 55)
    disability_grade = np.zeros(n, dtype=np.int64)
    has_dis = rng.random(n) < np.where(age >= 60, 0.09, 0.04) * np.where(hardship, 2.5, 1.0)
    disability_grade[has_dis] = rng.choice(
        [1, 2, 3, 4], size=int(has_dis.sum()), p=[0.15, 0.25, 0.3, 0.3]
    )
    # index -1 means none; the names are picked when the frame is built
    dis_cat = np.where(has_dis, rng.choice(7, n, p=[0.14, 0.2, 0.02, 0.36, 0.1, 0.12, 0.06]), -1)
    chronic = np.where(
        (age >= 40) & (rng.random(n) < np.where(age >= 60, 0.35, 0.12)),
        rng.integers(0, len(CHRONIC), n),
        -1,
    )
    serious = np.where(
        rng.random(n) < np.where(age >= 50, 0.02, 0.004) * np.where(hardship, 3.0, 1.0),
        rng.integers(0, len(SERIOUS), n),
        -1,
    )
    severe = (disability_grade >= 1) & (disability_grade <= 2)
    unable = severe | (serious >= 0)

    is_rural_h = np.zeros(n_households, dtype=bool)  # filled after dwellings are assigned
    rng_d = _rng(seed, 7)
    # --- dwellings: residence, hukou --------------------------------------------------------------
    nd = dwellings.height
    if nd < n_households:
        raise ValueError(f"只有 {nd} 处住房, 不够 {n_households} 户")
    dwelling_of = rng_d.permutation(nd)[:n_households]
    dwelling_of.sort()  # households fill the district in dwelling order: neighbours are neighbours
    dwelling_of = dwelling_of[rng_d.permutation(n_households)]
    is_rural_h = dwellings["is_rural"].to_numpy()[dwelling_of]
    rural = is_rural_h[h]
    # hukou registered elsewhere than where the household lives (人户分离)
    hukou_elsewhere_h = rng_d.random(n_households) < 0.12
    other = rng_d.integers(0, nd, n_households)
    hukou_dwelling = np.where(hukou_elsewhere_h, other, dwelling_of)
    hukou_rural_h = dwellings["is_rural"].to_numpy()[hukou_dwelling] | (
        rng_d.random(n_households) < 0.08
    )

    student_age = (age >= 6) & (age <= 17)
    dropout = student_age & (age >= 12) & (rng.random(n) < np.where(hardship, 0.06, 0.006))
    in_school = student_age & ~dropout & alive
    preschool = (age >= 3) & (age <= 5)
    working_age = (age >= 16) & (age < retire_age)
    emp = np.full(n, EMP["child"])
    r = rng.random(n)
    p_employed = np.where(hardship, 0.25, 0.93)
    p_reg = np.where(hardship, 0.45, 0.5)
    wa = working_age & ~(in_school & (age <= 17))
    emp = np.where(wa, np.where(rural, EMP["farmer"], EMP["employed"]), emp)
    emp = np.where(
        wa & (r > p_employed),
        np.where(rng.random(n) < p_reg, EMP["unemployed_registered"], EMP["unemployed"]),
        emp,
    )
    emp = np.where(wa & (r < 0.06) & ~hardship, EMP["self_employed"], emp)
    emp = np.where(in_school, EMP["student"], emp)
    emp = np.where(
        age >= retire_age,
        np.where(rural | (hardship & (rng.random(n) < 0.6)), EMP["elderly"], EMP["retired"]),
        emp,
    )
    emp = np.where(wa & unable, EMP["unable"], emp)
    # zero-employment households: every able working-age member is registered unemployed
    zero_h = np.zeros(n_households, dtype=bool)
    cand = hardship_h & ~is_rural_h & (rng.random(n_households) < 0.35)
    zero_h[cand] = True
    zmask = zero_h[h] & np.isin(emp, [EMP["employed"], EMP["self_employed"], EMP["unemployed"]])
    emp = np.where(zmask, EMP["unemployed_registered"], emp)

    wage = np.zeros(n, dtype=np.int64)
    wage_draw = np.exp(rng.normal(np.log(np.where(hardship, 1500, 4200)), 0.45, n))
    wage = np.where(emp == EMP["employed"], np.maximum(wage_draw, 1100), 0)
    wage = np.where(emp == EMP["self_employed"], wage_draw * 1.4, wage)
    wage = np.where(
        emp == EMP["farmer"],
        np.exp(rng.normal(np.log(np.where(hardship, 500, 1800)), 0.5, n)),
        wage,
    )
    pension = np.where(
        emp == EMP["retired"], np.exp(rng.normal(np.log(np.where(hardship, 1400, 3200)), 0.3, n)), 0
    )
    pension = np.where(
        emp == EMP["elderly"], rng.integers(140, 260, n), pension
    )  # 城乡居民基础养老金
    unemployment_benefit = np.where(
        (emp == EMP["unemployed_registered"]) & (rng.random(n) < 0.3), 1450, 0
    )
    income = np.round(np.where(alive, wage + pension + unemployment_benefit, 0)).astype(np.int64)
    wage = np.round(np.where(alive, wage, 0)).astype(np.int64)
    pension = np.round(np.where(alive, pension, 0)).astype(np.int64)
    # a wage below the legal minimum (Henan: 2,100 元 in class-1 areas) is informal or part-time
    # work, mostly without 社保; a formal job pays at least the minimum and contributes
    social_insurance = (
        np.isin(emp, [EMP["employed"], EMP["self_employed"]])
        & alive
        & (rng.random(n) < np.where(wage >= 2100, 0.92, 0.1))
    )

    # medical spending in the last 12 months (yuan)
    med = np.where(chronic >= 0, rng.gamma(2.0, 1500, n), 0) + np.where(
        serious >= 0, rng.gamma(2.5, 24000, n), 0
    )
    med = np.where(rng.random(n) < 0.3, med + rng.gamma(1.2, 600, n), med)
    medical_spend = np.round(np.where(alive, med, 0)).astype(np.int64)

    # school stage
    stage = np.where(
        in_school,
        np.select(
            [age <= 11, age <= 14, (age <= 17) & (rng.random(n) < 0.8)], [1, 2, 3], default=4
        ),
        -1,
    )
    stage = np.where(preschool & (rng.random(n) < 0.85) & alive, 0, stage)
    grade = np.select(
        [stage == 1, stage == 2, stage >= 3], [age - 5, age - 11, age - 14], default=0
    )
    grade = np.clip(grade, 0, 6)
    # children raised by grandparents: where are the parents?
    skip = (htype[h] == TYPE_INDEX["skip_generation"]) & (rel == REL["grandchild"])
    parents_status_h = rng.choice(4, n_households, p=[0.0, 0.7, 0.12, 0.18])
    parents_status = np.where(skip, parents_status_h[h], 0)
    left_behind = skip & (parents_status == 1)

    # --- household assets -------------------------------------------------------------------------
    rng = _rng(seed, 8)
    vehicles_h = np.where(rng.random(n_households) < np.where(hardship_h, 0.05, 0.42), 1, 0)
    vehicles_h += (vehicles_h > 0) & (rng.random(n_households) < 0.12)
    homes_h = 1 + (rng.random(n_households) < np.where(hardship_h, 0.02, 0.14)).astype(np.int64)
    homes_h = np.where(hukou_elsewhere_h & (rng.random(n_households) < 0.4), homes_h, homes_h)
    home_area_h = np.round(rng.normal(np.where(hardship_h, 55, 92), 18, n_households)).clip(25, 260)
    business_h = rng.random(n_households) < np.where(hardship_h, 0.01, 0.07)
    deposits_h = np.round(
        np.exp(rng.normal(np.log(np.where(hardship_h, 3000, 60000)), 1.0, n_households)), -2
    )
    emergency_h = rng.random(n_households) < np.where(hardship_h, 0.02, 0.002)
    emergency_kind = pick(
        ["火灾", "交通事故", "突发重病", "意外伤害", ""],
        np.where(emergency_h, rng.integers(0, 4, n_households), -1),
    )
    # does someone outside the household support the lone elderly (children elsewhere)?
    has_supporter_h = rng.random(n_households) < np.where(
        htype == TYPE_INDEX["single_elderly"], 0.55, 0.97
    )

    # owner of the vehicle / business: the head, or the oldest working member
    persons_df = pl.DataFrame(
        {
            "person_id": np.arange(n, dtype=np.int64),
            "household_id": h.astype(np.int64),
            "relation": pick(RELATIONS, rel),
            "name": name,
            "surname": surname,
            "sex": pick(["F", "M"], male.astype(np.int64)),
            "birth_on": birth_np,
            "age": age,
            "died_on": died_on.astype("datetime64[D]"),
            "id_number": id18,
            "birth_region": region.astype(np.int64),
            "phone": phone,
            "old_phone": old_phone,
            "employment": pick(EMPLOYMENT, emp),
            "wage": wage,
            "pension": pension,
            "unemployment_benefit": np.where(alive, unemployment_benefit, 0).astype(np.int64),
            "monthly_income": income,
            "social_insurance": social_insurance,
            "disability_category": pick([*DISABILITY_CATEGORIES, ""], dis_cat),
            "disability_grade": disability_grade,
            "chronic_illness": pick([*CHRONIC, ""], chronic),
            "serious_illness": pick([*SERIOUS, ""], serious),
            "medical_spend_12m": medical_spend,
            "school_stage": pick([*SCHOOL_STAGES, ""], stage),
            "school_grade": grade.astype(np.int64),
            "is_dropout": dropout & alive,
            "is_left_behind": left_behind & alive,
            "parents_status": pick(PARENT_STATUS, parents_status),
        }
    ).with_columns(pl.col("died_on").cast(pl.Date), pl.col("birth_on").cast(pl.Date))

    d = dwellings
    households_df = pl.DataFrame(
        {
            "household_id": np.arange(n_households, dtype=np.int64),
            "household_type": pick([t for t, _ in HOUSEHOLD_TYPES], htype),
            "dwelling_id": dwelling_of.astype(np.int64),
            "hukou_dwelling_id": hukou_dwelling.astype(np.int64),
            "hukou_elsewhere": hukou_elsewhere_h,
            "is_rural": is_rural_h,
            "hukou_rural": hukou_rural_h,
            "hukou_number": pl.Series(
                4108 * 10**8 + (rng.permutation(n_households) * 7_919 + 31_337) % 10**8
            ).cast(pl.String),
            "vehicles": vehicles_h.astype(np.int64),
            "homes": homes_h,
            "home_area_m2": home_area_h.astype(np.int64),
            "has_business": business_h,
            "deposits": deposits_h.astype(np.int64),
            "emergency": emergency_kind,
            "has_supporter": has_supporter_h,
            "hardship_seeded": hardship_h,
        }
    )
    households_df = (
        households_df.join(
            d.select(
                pl.col("dwelling_id"),
                "grid_code",
                "community_code",
                "street_code",
                pl.col("address").alias("residence_address"),
            ),
            on="dwelling_id",
            how="left",
        )
        .join(
            d.select(
                pl.col("dwelling_id").alias("hukou_dwelling_id"),
                pl.col("address").alias("hukou_address"),
            ),
            on="hukou_dwelling_id",
            how="left",
        )
        .sort("household_id")
    )
    return Population(persons=persons_df, households=households_df)
