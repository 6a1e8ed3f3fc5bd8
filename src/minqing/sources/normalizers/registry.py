"""The normalizers by the type names that source definitions use."""

from __future__ import annotations

from minqing.sources.normalizers import Normalizer
from minqing.sources.normalizers.address import address
from minqing.sources.normalizers.dates import date
from minqing.sources.normalizers.idnumber import id_number
from minqing.sources.normalizers.money import integer, money
from minqing.sources.normalizers.names import name
from minqing.sources.normalizers.phones import phone
from minqing.sources.normalizers.sex import sex
from minqing.sources.normalizers.text import choice, text

NORMALIZERS: dict[str, Normalizer] = {
    "text": text,
    "name": name,
    "id_number": id_number,
    "sex": sex,
    "phone": phone,
    "date": date,
    "money": money,
    "integer": integer,
    "choice": choice,
    "address": address,
}
