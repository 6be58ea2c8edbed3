"""The wording of the staff report files (XLSX workbook and PNG chart), in Bulgarian."""

from __future__ import annotations

from knowledge.report_labels import ReportLabels

REPORT_LABELS = ReportLabels(
    # workbook
    sheet_indicators="Показатели",
    sheet_consultations="Консултации",
    sheet_publications="Публикации",
    # indicator sheet
    title="Изпълнение на показателите за {year} г. по „{plan}“",
    col_activity="Дейност",
    col_indicator="Показател",
    quarter_names=("I трим.", "II трим.", "III трим.", "IV трим."),
    col_year="Година",
    col_target="Цел",
    col_percent="% от целта",
    closed_mark="(приключено)",
    ratings_heading="Анкета за обратна връзка",
    ratings_count="Брой попълнени анкети",
    ratings_mean="Средна оценка (1–5)",
    # consultation sheet
    col_user="Псевдоним на потребителя",
    col_time="Време (София)",
    col_kind="Вид",
    col_topic="Тема",
    col_outcome="Резултат",
    col_feedback="Оценка 👍/👎",
    col_rating="Анкета (1–5)",
    col_indicators="Показатели",
    kind_names={
        "faq": "Въпрос",
        "checklist": "Проверка на документи",
        "certificate": "Проверка на свидетелство",
        "centre": "Справка за център",
        "handover": "Разговор със служител",
    },
    outcome_names={
        "answered": "Отговорено",
        "suggested": "Предложени близки въпроси",
        "unknown": "Без отговор",
        "handed_over": "Предадено на служител",
        "confirmed": "Свидетелството е потвърдено",
        "not_matched": "Няма съвпадение в регистъра",
        "annulled": "Свидетелството е анулирано",
        "invalid_input": "Невалидни данни",
        "rate_limited": "Отказано: твърде много опити",
        "found": "Намерен в регистъра",
        "not_found": "Не е намерен в регистъра",
    },
    feedback_names={"up": "👍 Полезно", "down": "👎 Не помогна"},
    # publication sheet
    col_published_at="Публикувано (София)",
    col_entry="Идентификатор на записа",
    col_question="Въпрос",
    # chart
    chart_title="Консултации и показатели за {year} г.\n{plan}",
    chart_weekly_title="Консултации по седмици и вид",
    chart_quarters_title="Показатели по тримесечия",
    chart_quarter_names=("I", "II", "III", "IV"),
    chart_year_name="Год.",
    axis_week="Седмица (начало в понеделник)",
    axis_consultations="Брой консултации",
    axis_count="Брой",
    legend_quarter="Тримесечие",
    legend_target="Цел за годината",
    chart_percent_of_target="{percent:.0f} % от целта",
    legend_closed="Приключено тримесечие",
    no_data="Няма данни за периода",
    # formats
    datetime_format="dd.mm.yyyy hh:mm",
    percent_format="0.0%",
    mean_format="0.00",
    chart_date_format="%d.%m",
)
