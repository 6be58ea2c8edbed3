"""The operator's faces of the same code: `python -m bot` (console chat), `ask`, `report`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from handlers import texts

REPO = Path(__file__).resolve().parents[2]


def run_bot(
    args: list[str], cwd: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BOT_TOKEN", "DATABASE_URL", "PSEUDONYM_SECRET"}
    }
    environment.update(PYTHONPATH=str(REPO), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )


def test_console_chat_without_a_token_goes_through_the_bot_and_the_database(tmp_path):
    result = run_bot(
        [], tmp_path, stdin="какви документи трябват за лиценз на цпо\nтакса\n1\n/exit\n"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert texts.CONSOLE_HOW_TO_CONNECT in out
    assert "Здравейте! Аз съм помощникът на НАПОО" in out  # /start, rendered as plain text
    assert "Правно основание" in out and "<b>" not in out
    assert texts.SUGGEST in out and "[1]" in out
    database = tmp_path / "data" / "napoo.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "select channel, kind, outcome from consultations order by id"
        ).fetchall()
    assert rows == [
        ("console", "faq", "answered"),
        ("console", "faq", "answered"),
    ]  # the pick answered it


def test_ask_json_reads_stdin_in_order(tmp_path):
    questions = ["какви документи трябват за лиценз на цпо", "такса", "asdfgh qwerty"]
    result = run_bot(["ask", "--json"], tmp_path, stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions
    assert [line["status"] for line in lines] == ["answer", "suggest", "unknown"]
    first = lines[0]
    assert first["entry_id"] == "cpo-documents" and "<" not in first["answer"] and first["sources"]
    assert set(first) == {
        "question",
        "status",
        "entry_id",
        "answer",
        "score",
        "suggestions",
        "sources",
        "out_of_domain",
    }
    assert lines[2]["out_of_domain"] in (True, False)
    assert all({"entry_id", "title"} == set(s) for s in lines[1]["suggestions"])


def test_ask_one_question_from_the_arguments(tmp_path):
    result = run_bot(["ask", "--json", "колко", "струва", "лиценз", "за", "ЦИПО"], tmp_path)
    [line] = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["question"] == "колко струва лиценз за ЦИПО"


def test_report_after_a_console_session(tmp_path):
    run_bot([], tmp_path, stdin="какви документи трябват за лиценз на цпо\nрецепта за баница\n")
    from datetime import date

    today = date.today()
    year, quarter = str(today.year), (today.month - 1) // 3 + 1
    as_json = json.loads(run_bot(["report", "--year", year, "--format", "json"], tmp_path).stdout)
    assert as_json["year"] == today.year
    by_id = {i["id"]: i for i in as_json["indicators"]}
    consultations = by_id["2.1.1-consultations"]
    assert consultations["activity"] == "2.1.1"
    assert consultations["indicator"] == "Брой предоставени консултации"
    # the answered question counts; the unknown one does not
    assert consultations["quarters"] == {str(q): int(q == quarter) for q in (1, 2, 3, 4)}
    assert consultations["total"] == 1 and consultations["target"] is None
    assert consultations["closed_quarters"] == []
    csv_out = run_bot(["report", "--year", year, "--format", "csv"], tmp_path).stdout.splitlines()
    assert csv_out[0].startswith("Дейност,Показател,I трим.")
    assert any(line.startswith("2.1.1,Брой предоставени консултации") for line in csv_out)
    table = run_bot(["report", "--year", year], tmp_path).stdout
    assert "Брой предоставени консултации" in table

    png = run_bot(
        ["report", "--year", year, "--format", "png", "--output", str(tmp_path / "r.png")],
        tmp_path,
    )
    assert png.returncode == 0
    assert (tmp_path / "r.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    xlsx = run_bot(
        ["report", "--year", year, "--format", "xlsx", "--output", str(tmp_path / "r.xlsx")],
        tmp_path,
    )
    assert xlsx.returncode == 0 and "2 consultations" in xlsx.stdout
    assert (tmp_path / "r.xlsx").read_bytes()[:2] == b"PK"


def test_close_quarter_and_purge_from_the_command_line(tmp_path):
    from datetime import date

    now = run_bot(["close-quarter", str(date.today().year), "4"], tmp_path)
    assert now.returncode == 2 and "has not ended" in now.stderr
    last_year = str(date.today().year - 1)
    closed = run_bot(["close-quarter", last_year, "4"], tmp_path)
    assert closed.returncode == 0 and "checksum" in closed.stdout
    again = run_bot(["close-quarter", last_year, "4"], tmp_path)
    assert again.returncode == 2 and "Already closed" in again.stderr
    report = json.loads(
        run_bot(["report", "--year", last_year, "--format", "json"], tmp_path).stdout
    )
    assert all(i["closed_quarters"] == [4] for i in report["indicators"])
    purge = run_bot(["purge"], tmp_path)
    assert purge.returncode == 0 and "365 days" in purge.stdout


def test_bad_configuration_fails_fast_naming_the_variable(tmp_path):
    result = run_bot([], tmp_path, STAFF_IDS="not-numbers")
    assert result.returncode == 2 and "STAFF_IDS" in result.stderr
    secret_token = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"
    result = run_bot([], tmp_path, BOT_TOKEN=secret_token)
    assert result.returncode == 2 and "PSEUDONYM_SECRET" in result.stderr
    assert secret_token not in result.stderr + result.stdout


def test_check_docs_json_with_files_and_a_typed_list(tmp_path):
    from tests.pdfs import FULL_CPO_PACKAGE, docx_bytes, scanned_pdf, text_pdf

    (tmp_path / "pak.pdf").write_bytes(text_pdf(FULL_CPO_PACKAGE[:3]))
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf(1))
    (tmp_path / "rules.pdf").write_bytes(docx_bytes())
    result = run_bot(
        [
            "check-docs",
            "--procedure",
            "cpo-amendment",
            "--professions",
            "25",
            "--json",
            "pak.pdf",
            "scan.pdf",
            "rules.pdf",
            "-",
        ],
        tmp_path,
        stdin="платежно нареждане\nсправка за преподавателите\n",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {
        "procedure",
        "law",
        "payment",
        "outdated",
        "complete",
        "found",
        "required",
        "items",
        "agency_checks",
        "fee",
        "problems",
    }
    assert report["procedure"] == "cpo-amendment" and report["complete"] is False
    assert report["law"] == {
        "name": "ЗПОО",
        "label": "изм. ДВ бр. 27 от 29.03.2024 г.",
        "valid_from": "2024-03-29",
        "source": "https://www.parliament.bg/bg/laws/ID/165143",
    }
    assert report["payment"] is None and report["outdated"] == []
    assert report["fee"] == {"bgn": 1550.0, "eur": 792.5}
    items = {i["id"]: i for i in report["items"]}
    assert items["curricula"]["status"] == "found"
    assert items["curricula"]["evidence"][0] == {
        "file": "pak.pdf",
        "page": 2,
        "snippet": items["curricula"]["evidence"][0]["snippet"],
    }
    assert items["fee"]["status"] == "declared" and items["fee"]["evidence"][0]["file"] is None
    assert items["fee"]["required"] is True  # nobody said the fee was paid electronically
    assert items["zzbut-declaration"]["status"] == "unsure"  # a scanned page could hold it
    assert {(p["file"], p["kind"]) for p in report["problems"]} == {
        ("scan.pdf", "no_text"),
        ("rules.pdf", "not_pdf"),
    }
    assert all(p["message"] for p in report["problems"])


def test_check_docs_usage_errors(tmp_path):
    assert run_bot(["check-docs", "--procedure", "nope", "x.pdf"], tmp_path).returncode == 2
    missing = run_bot(["check-docs", "--procedure", "cpo-licence", "missing.pdf"], tmp_path)
    assert missing.returncode == 2 and "missing.pdf" in missing.stderr
    plain = run_bot(
        ["check-docs", "--procedure", "cpo-licence", "-"], tmp_path, stdin="правилник\n"
    )
    assert plain.returncode == 0 and "Изпълнени изисквания: 1 от 6" in plain.stdout
    assert "Изисквания според ЗПОО, в сила от 29.03.2024 г." in plain.stdout
    both = run_bot(
        [
            "check-docs",
            "--procedure",
            "cpo-licence",
            "--paid-electronically",
            "--paid-by-bank",
            "-",
        ],
        tmp_path,
    )
    assert both.returncode == 2


CURRENT_LIST = (
    "правилник за дейността\nучебни планове\nдоговор за наем\n"
    "декларация по чл. 15 ЗЗБУТ, вх. № 1234/15.05.2025\nсправка за преподавателите\n"
)


def test_check_docs_payment_typed_or_given_as_an_option(tmp_path):
    def check(*options: str, stdin: str) -> dict:
        result = run_bot(
            ["check-docs", "--procedure", "cpo-licence", "--json", *options, "-"],
            tmp_path,
            stdin=stdin,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    electronic = check("--paid-electronically", stdin=CURRENT_LIST)
    assert electronic["payment"] == "electronic" and electronic["complete"] is True
    assert (electronic["found"], electronic["required"]) == (5, 5)
    fee = next(i for i in electronic["items"] if i["id"] == "fee")
    assert fee["required"] is False
    declaration = next(i for i in electronic["items"] if i["id"] == "zzbut-declaration")
    assert declaration["reference"] == {"number": "1234", "date": "2025-05-15"}
    typed = check(stdin=CURRENT_LIST + "платих електронно\n")
    assert typed["payment"] == "electronic" and typed["complete"] is True
    bank = check("--paid-by-bank", stdin=CURRENT_LIST + "платих електронно\n")  # the option wins
    assert bank["payment"] == "bank" and bank["complete"] is False and bank["required"] == 6
    old = check(stdin=CURRENT_LIST.replace("декларация по чл. 15 ЗЗБУТ", "становище РЗИ"))
    assert [o["id"] for o in old["outdated"]] == ["health"]
    assert old["outdated"][0]["since"] == "2024-03-29" and "ЗЗБУТ" in old["outdated"][0]["instead"]


def test_register_commands(tmp_path):
    from tests.db.test_register_import import BAD_ROWS, HEADER, ROWS

    documents = tmp_path / "docs.csv"
    documents.write_text("\n".join([HEADER, *ROWS, BAD_ROWS[1]]) + "\n", encoding="utf-8")
    imported = run_bot(
        ["import-register", "documents", "docs.csv", "--as-of", "2026-11-01"], tmp_path
    )
    assert imported.returncode == 0, imported.stderr
    assert "rows read 4, inserted 3, updated 0, unchanged 0, rejected 1" in imported.stdout
    assert "line 5: holder_id is not a valid ЕГН or ЛНЧ" in imported.stdout
    again = run_bot(["import-register", "documents", "docs.csv"], tmp_path)
    assert "inserted 0, updated 0, unchanged 3, rejected 1" in again.stdout

    confirmed = json.loads(
        run_bot(["verify", "000123-2021", "--holder-id", "8001011236", "--json"], tmp_path).stdout
    )
    assert (
        confirmed["status"] == "confirmed"
        and confirmed["document"]["profession"] == "Електромонтьор"
    )
    assert confirmed["register_date"] == date_today()  # the latest import's snapshot date
    assert "8001011236" not in json.dumps(confirmed) and "Иван" not in json.dumps(confirmed)
    missing = json.loads(
        run_bot(["verify", "000123-2021", "--name", "Петър Петров", "--json"], tmp_path).stdout
    )
    assert missing == {"status": "not_matched", "document": None, "register_date": date_today()}
    invalid = json.loads(run_bot(["verify", "123", "--holder-id", "42", "--json"], tmp_path).stdout)
    assert invalid["status"] == "invalid_input"
    assert run_bot(["verify", "123"], tmp_path).returncode == 2  # neither --holder-id nor --name
    assert run_bot(["import-register", "documents", "nope.csv"], tmp_path).returncode == 2


def date_today() -> str:
    from datetime import date

    return date.today().isoformat()


def test_demo_data_and_centre_search(tmp_path):
    loaded = run_bot(["demo-data", "--documents", "50", "--centres", "10"], tmp_path)
    assert loaded.returncode == 0 and "SYNTHETIC" in loaded.stdout
    found = json.loads(run_bot(["centre", "знание", "--json"], tmp_path).stdout)
    assert found["matches"] and all("(демо)" in m["name"] for m in found["matches"])
    first = found["matches"][0]
    assert set(first) == {
        "licence_number",
        "name",
        "kind",
        "status",
        "status_date",
        "town",
        "professions",
    }
    by_number = json.loads(run_bot(["centre", first["licence_number"], "--json"], tmp_path).stdout)
    assert by_number["matches"] == [first]
