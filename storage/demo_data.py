"""A synthetic register for demos and benchmarks. SYNTHETIC: no real person or centre.

It is written as CSV in the agency's export layout and loaded through the real importer, so a
demo exercises the same code as a real import.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from storage.register import CENTRE_COLUMNS, DOCUMENT_COLUMNS

FIRST_MALE = [
    "Иван",
    "Георги",
    "Димитър",
    "Николай",
    "Петър",
    "Христо",
    "Стоян",
    "Тодор",
    "Васил",
    "Александър",
    "Мартин",
    "Калоян",
]
FIRST_FEMALE = [
    "Мария",
    "Елена",
    "Йорданка",
    "Десислава",
    "Надежда",
    "Гергана",
    "Теодора",
    "Силвия",
    "Ивелина",
    "Виктория",
    "Ралица",
    "Петя",
]
FATHER = [
    "Иванов",
    "Георгиев",
    "Димитров",
    "Николаев",
    "Петров",
    "Христов",
    "Стоянов",
    "Тодоров",
    "Василев",
    "Александров",
    "Мартинов",
    "Калоянов",
]
FAMILY = [
    "Иванов",
    "Георгиев",
    "Димитров",
    "Петров",
    "Николов",
    "Христов",
    "Стоянов",
    "Тодоров",
    "Илиев",
    "Ангелов",
    "Колев",
    "Маринов",
    "Попов",
    "Костадинов",
]
TOWNS = [
    "София",
    "Пловдив",
    "Варна",
    "Бургас",
    "Русе",
    "Стара Загора",
    "Плевен",
    "Сливен",
    "Добрич",
    "Шумен",
    "Перник",
    "Хасково",
    "Ямбол",
    "Благоевград",
    "Велико Търново",
]
CENTRE_WORDS = [
    "Знание",
    "Професионалист",
    "Бъдеще",
    "Кариера",
    "Перспектива",
    "Умения",
    "Развитие",
    "Образование",
    "Прогрес",
    "Успех",
    "Квалификация",
    "Академия",
]
PROFESSIONS = [
    ("522020", "Електромонтьор", "5220201", "Електрически инсталации", "II"),
    ("811070", "Готвач", "8110701", "Производство на кулинарни изделия и напитки", "II"),
    ("762010", "Социален асистент", "7620101", "Социална работа с деца и семейства", "III"),
    ("582030", "Строител", "5820301", "Зидария", "II"),
    (
        "541010",
        "Оператор в хранително-вкусовата промишленост",
        "5410101",
        "Хлебопроизводство",
        "II",
    ),
    ("482030", "Системен програмист", "4820301", "Системно програмиране", "III"),
    ("345010", "Офис секретар", "3450101", "Офис секретар", "II"),
    ("723010", "Болногледач", "7230101", "Болногледач", "I"),
    ("521030", "Заварчик", "5210301", "Заварчик", "II"),
    ("811090", "Сервитьор-барман", "8110901", "Обслужване на заведения", "II"),
]
DOCUMENT_TYPES = ["3-54", "3-54", "3-54", "3-54", "3-54В", "3-54а"]
EGN_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6)


def synthetic_egn(rng: random.Random) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 40 * 365))
    month = birth.month + (40 if birth.year >= 2000 else 0)
    first9 = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{rng.randrange(1000):03d}"
    check = sum(int(d) * w for d, w in zip(first9, EGN_WEIGHTS, strict=True)) % 11
    return first9 + str(0 if check == 10 else check)


@dataclass(frozen=True)
class DemoSample:
    registration_number: str
    holder_name: str


def centre_rows(count: int, rng: random.Random) -> Iterator[list[str]]:
    for i in range(count):
        year = rng.randrange(2003, 2025)
        licence = f"{year}12{i:04d}" if rng.random() > 0.1 else f"{year}14{i:04d}"
        kind = "ЦИПО" if licence[4:6] == "14" else "ЦПО"
        status = rng.choices(
            ["активна", "временно отнета", "окончателно отнета", "заличена", "прекратена"],
            weights=[85, 3, 4, 4, 4],
        )[0]
        professions = ";".join(p[0] for p in rng.sample(PROFESSIONS, rng.randrange(1, 5)))
        name = f"{kind} „{rng.choice(CENTRE_WORDS)} {rng.choice(CENTRE_WORDS)} {i}“ ЕООД (демо)"
        status_date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
        yield [
            licence,
            name,
            kind,
            status,
            status_date.strftime("%d.%m.%Y"),
            rng.choice(TOWNS),
            professions,
        ]


def document_rows(count: int, centres: list[list[str]], rng: random.Random) -> Iterator[list[str]]:
    for i in range(count):
        centre = centres[i % len(centres)]
        profession = rng.choice(PROFESSIONS)
        female = rng.random() < 0.5
        first = rng.choice(FIRST_FEMALE if female else FIRST_MALE)
        father = rng.choice(FATHER) + ("а" if female else "")
        family = rng.choice(FAMILY) + ("а" if female else "")
        issued = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3650))
        status = rng.choices(["valid", "annulled", "duplicate_issued"], weights=[96, 2, 2])[0]
        yield [
            rng.choice(DOCUMENT_TYPES),
            f"{issued.year}",
            f"{rng.randrange(10**6):06d}",
            f"{i + 1:06d}-{issued.year}",
            issued.strftime("%d.%m.%Y"),
            synthetic_egn(rng),
            f"{first} {father} {family}",
            centre[0],
            centre[1],
            profession[0],
            profession[1],
            profession[2],
            profession[3],
            profession[4],
            status,
        ]


def write_demo_csv(
    folder: Path, documents: int, centres: int, seed: int = 2026
) -> tuple[Path, Path, DemoSample]:
    """Write centres.csv and documents.csv; return their paths and one valid document to try."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    centre_list = list(centre_rows(max(1, centres), rng))
    centres_path = folder / "demo-centres.csv"
    with centres_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CENTRE_COLUMNS)
        writer.writerows(centre_list)
    documents_path = folder / "demo-documents.csv"
    sample: DemoSample | None = None
    with documents_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(DOCUMENT_COLUMNS)
        for row in document_rows(documents, centre_list, rng):
            if sample is None and row[-1] == "valid":
                sample = DemoSample(row[3], row[6])
            writer.writerow(row)
    return centres_path, documents_path, sample or DemoSample("", "")
