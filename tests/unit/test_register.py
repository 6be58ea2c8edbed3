"""Register rules: numbers, identifiers, names, every verification outcome, centre search."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.register import (
    DocumentStatus,
    InvalidInput,
    RegisterDocument,
    VerificationStatus,
    centre_name_key,
    hash_holder_id,
    hash_holder_name,
    holder_identifier,
    person_name_key,
    rank_centres,
    registration_digits,
    verify,
)

SECRET = "register-test-secret-0123456789"
EGN = "8001011236"  # checksum-valid, synthetic
LNCH = "1000000009"


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("000123-2021", "0001232021"),
        ("А-09 123456", "09123456"),
        ("№ 15/2020", "152020"),
        ("abc", ""),
    ],
)
def test_registration_numbers_compare_by_digits(raw, digits):
    assert registration_digits(raw) == digits


@pytest.mark.parametrize(
    ("raw", "valid"),
    [(EGN, True), ("800101 1236", True), ("800101-1236", True), ("8001011234", False),
     ("12345", False), ("80010112361", False), ("abcdefghij", False)],
)  # fmt: skip
def test_egn_checksum(raw, valid):
    assert (holder_identifier(raw) is not None) is valid


def test_lnch_checksum_is_accepted():
    lnch = next(f"100000000{d}" for d in range(10) if holder_identifier(f"100000000{d}"))
    assert holder_identifier(lnch) == lnch


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Иван Петров Иванов", "иван  петров ИВАНОВ"),
        ("Иван Петров Иванов", "Ivan Petrov Ivanov"),
        ("Мария Георгиева Стоянова", "Mariya Georgieva Stoyanova"),
        ("Иван Петров Иванов", "Иванов Иван Петров"),
    ],
)
def test_names_normalize_to_the_same_key(one, other):
    assert person_name_key(one) == person_name_key(other)


def test_one_word_is_not_a_name():
    assert person_name_key("Иван") is None


def document(status=DocumentStatus.VALID, number="000123-2021", name="Иван Петров Иванов"):
    return RegisterDocument(
        document_type="3-54", series="2021", factory_number="123456", registration_number=number,
        issue_date=dt.date(2021, 6, 30), centre_licence="200312074", centre_name="ЦПО „Знание“",
        profession_code="522020", profession="Електромонтьор", speciality_code="5220201",
        speciality="Електрически инсталации", qualification_level="II", status=status,
        holder_id_hash=hash_holder_id(SECRET, EGN),
        holder_name_hash=hash_holder_name(SECRET, person_name_key(name)),
    )  # fmt: skip


class FakeRegister:
    def __init__(self, *documents: RegisterDocument) -> None:
        self.documents = documents

    async def documents_by_digits(self, digits):
        return [d for d in self.documents if registration_digits(d.registration_number) == digits]

    async def snapshot_date(self, register):
        return dt.date(2026, 11, 1)

    async def lookup(self, digits):
        return await self.documents_by_digits(digits), await self.snapshot_date("documents")


async def test_confirmed_by_identifier_and_by_name():
    register = FakeRegister(document())
    by_id = await verify(register, SECRET, "000123/2021", holder_id="800101 1236")
    assert by_id.status is VerificationStatus.CONFIRMED and by_id.matched_by == "identifier"
    assert by_id.document.profession == "Електромонтьор" and by_id.snapshot == dt.date(2026, 11, 1)
    by_name = await verify(register, SECRET, "0001232021", holder_name="ivan petrov ivanov")
    assert by_name.status is VerificationStatus.CONFIRMED and by_name.matched_by == "name"


async def test_not_matched_is_one_answer_for_unknown_number_and_wrong_person():
    register = FakeRegister(document())
    unknown_number = await verify(register, SECRET, "999999", holder_id=EGN)
    wrong_person = await verify(register, SECRET, "000123-2021", holder_name="Петър Иванов Петров")
    other_secret = await verify(register, "another-secret-0123456789", "000123-2021", holder_id=EGN)
    assert unknown_number == wrong_person == other_secret
    assert (
        unknown_number.status is VerificationStatus.NOT_MATCHED and unknown_number.document is None
    )


async def test_annulled():
    result = await verify(
        FakeRegister(document(DocumentStatus.ANNULLED)), SECRET, "000123-2021", holder_id=EGN
    )
    assert result.status is VerificationStatus.ANNULLED


@pytest.mark.parametrize(
    ("number", "holder_id", "name", "invalid"),
    [("", EGN, None, InvalidInput.NUMBER), ("без цифри", EGN, None, InvalidInput.NUMBER),
     ("123", "8001011234", None, InvalidInput.IDENTIFIER), ("123", None, "Иван", InvalidInput.NAME)],
)  # fmt: skip
async def test_invalid_input_says_what_to_type(number, holder_id, name, invalid):
    result = await verify(FakeRegister(), SECRET, number, holder_id=holder_id, holder_name=name)
    assert result.status is VerificationStatus.INVALID_INPUT and result.invalid is invalid


def test_centre_names_and_search():
    assert centre_name_key("ЦПО „Знание“ ЕООД") == "цпо знание"
    candidates = [
        ("200312074", centre_name_key("ЦПО „Знание и умения“ ЕООД")),
        ("2019120001", centre_name_key("ЦПО „Професионалист“ ООД")),
        ("2020140002", centre_name_key("ЦИПО „Кариера“")),
    ]
    assert rank_centres("знание", candidates)[0] == "200312074"
    assert rank_centres("profesionalist", candidates)[0] == "2019120001"
    assert rank_centres("zzzz qqqq", candidates) == []


@pytest.mark.parametrize(
    ("one", "other"),
    [("Иван Петров-Иванов", "Ivan Petrov-Ivanov"), ("Иван Петров-Иванов", "иван петров иванов")],
)
def test_hyphenated_names_meet_on_both_paths(one, other):
    assert person_name_key(one) == person_name_key(other)
