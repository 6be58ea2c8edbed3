"""Everything the user reads, in one place. HTML parse mode: every interpolated value is escaped."""

from __future__ import annotations

from html import escape

from handlers.numerals import Noun, count, format_number
from handlers.numerals import percent as percent_text
from knowledge.faq import FaqEntry

AGENCY_EMAIL = "napoo@navet.government.bg"
AGENCY_SITE = "https://www.navet.government.bg/"

# -- menu buttons (reply keyboard) ------------------------------------------------------------
BUTTON_ASK = "❓ Въпрос за лицензиране"
BUTTON_HELP = "ℹ️ Помощ"
BUTTON_PRIVACY = "🔒 Лични данни"
BUTTON_TALK_TO_PERSON = "👤 Разговор със служител"

# -- counted nouns: the form after 1, and after any other number ("1 ред", "2 реда") ----------
LINES = Noun("ред", "реда")
RATINGS = Noun("оценка", "оценки")
CONSULTATIONS = Noun("консултация", "консултации")
QUESTIONS = Noun("въпрос", "въпроса")
DOCUMENTS = Noun("документ", "документа")
PROFESSIONS = Noun("професия", "професии")
FILES = Noun("файл", "файла")
PAGES = Noun("страница", "страници")
GROUPS = Noun("група", "групи")
LOG_ENTRIES = Noun("запис", "записа")
CHARACTERS = Noun("знак", "знака")

START = (
    "Здравейте! Аз съм помощникът на НАПОО за консултации по лицензиране на "
    "центрове за професионално обучение (ЦПО) и центрове за информация и професионално "
    "ориентиране (ЦИПО).\n\n"
    "<b>Какво мога сега:</b>\n"
    "• отговарям на въпроси за лицензирането, нужните документи, таксите, сроковете, "
    "задълженията след лицензиране, документите, които ЦПО издават, и обучението — с правното "
    "основание и официалния източник;\n"
    "• проверявам дали пакетът документи за лицензиране е пълен — по списък или по PDF "
    "файлове (/documents);\n"
    "• проверявам свидетелство за професионална квалификация в регистъра (/verify) и "
    "лицензията на център (/centre);\n"
    "• когато не знам отговора, казвам това и мога да предам въпроса на служител на НАПОО.\n\n"
    "Просто напишете въпроса си, например: <i>Какви документи са нужни за лиценз на ЦПО?</i>"
)

PRIVACY = (
    "🔒 <b>Лични данни</b>\n"
    "• Записваме всяка консултация за отчета на НАПОО: време, тема и резултат. Не пазим "
    "името, потребителското име или телефонния номер от профила Ви в Telegram, а само "
    "псевдоним (ключова хеш стойност).\n"
    "• Текста на въпросите, коментарите в анкетата и разговорите със служители пазим до "
    "12 месеца, за да подобряваме и допълваме отговорите; след това го изтриваме и остават "
    "само броевете.\n"
    "• Записите виждат само упълномощени служители на НАПОО.\n"
    "• <b>Не изпращайте ЕГН, ЛНЧ, копия на лични карти или други лични документи</b> — "
    "освен ЕГН/ЛНЧ при проверка на свидетелство, където не го записваме, а сравняваме само "
    "ключова хеш стойност. Ако в текста има номер, който прилича на ЕГН, скриваме го, преди "
    "да запишем текста."
)

HELP = (
    "ℹ️ <b>Как да ме използвате</b>\n"
    "• Пишете въпроса си свободно, на кирилица или на латиница — например "
    "<i>колко струва допълване на лиценза с нови професии</i>.\n"
    "• Ако не съм сигурен, ще предложа няколко близки въпроса като бутони.\n"
    "• Под всеки отговор има 👍 и 👎 — така подобряваме отговорите.\n"
    "• Ако не знам отговора, мога да предам въпроса на служител на НАПОО.\n\n"
    "<b>Команди:</b>\n"
    "/start — начало и информация за личните данни\n"
    "/help — тази помощ\n"
    "/documents — проверка на пакет документи за лицензиране\n"
    "/verify — проверка на свидетелство в регистъра\n"
    "/centre — проверка на лицензията на център\n"
    f"{BUTTON_TALK_TO_PERSON} — въпрос към служител на НАПОО\n"
    "/privacy — какви данни пазим\n"
    "/cancel — прекратяване на текущото действие\n\n"
    f"Официален сайт: {AGENCY_SITE}\nЕлектронна поща: {AGENCY_EMAIL}"
)

CANCELLED = "Добре, прекратих текущото действие. Можете да зададете нов въпрос."
NOTHING_TO_CANCEL = "Няма започнато действие. Можете направо да зададете въпрос."

UNKNOWN_COMMAND = "Не разпознавам тази команда. Какво мога, ще видите в /help."

EMPTY_QUESTION = (
    "Здравейте! Напишете въпроса си с няколко думи, например: "
    "<i>каква е таксата за лиценз на ЦИПО</i>. За повече информация — /help."
)

QUESTION_TOO_LONG = (
    "Въпросът е много дълъг и не мога да го разбера добре. Моля, напишете го накратко — "
    "с едно-две изречения."
)

UNSUPPORTED_CONTENT = (
    "Разбирам текстови въпроси на български (на кирилица или на латиница). Стикери, снимки, "
    "гласови съобщения и видео не мога да обработя. PDF файлове с документи проверявам в "
    "„Проверка на документи“ (/documents). Моля, напишете въпроса си с думи."
)

# -- answers ----------------------------------------------------------------------------------
LEGAL_BASIS = "⚖️ <b>Правно основание:</b> {basis}"
SOURCES = "🔗 <b>Източник:</b> {links}"
REVIEWED = (
    "<i>Проверено към {date} г. Информацията е справочна; при съмнение се обърнете към НАПОО.</i>"
)


def answer(entry: FaqEntry) -> str:
    links = ", ".join(
        f'<a href="{escape(url, quote=True)}">{escape(_short_source(url))}</a>'
        for url in entry.sources
    )
    return "\n\n".join(
        (
            f"<b>{escape(entry.question)}</b>",
            entry.answer_html,  # checked Telegram HTML from the knowledge base
            LEGAL_BASIS.format(basis=escape(entry.legal_basis)),
            SOURCES.format(links=links),
            REVIEWED.format(date=entry.reviewed.strftime("%d.%m.%Y")),
        )
    )


def _short_source(url: str) -> str:
    host = url.split("//", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.")


SUGGEST = "Не съм сигурен, че разбрах въпроса. Имахте ли предвид някое от следните?"
SUGGEST_NONE_FITS = "Нито едно от тези"
# Asked when one question has an answer for ЦПО and another for ЦИПО and the user named neither.
CLARIFY = "За кой вид център се отнася въпросът Ви?"
CLARIFY_OPTION = {
    "ЦПО": "Център за професионално обучение (ЦПО)",
    "ЦИПО": "Център за информация и професионално ориентиране (ЦИПО)",
}

UNKNOWN = (
    "За съжаление нямам сигурен отговор на този въпрос и не искам да Ви подведа.\n\n"
    "Мога да предам въпроса на служител на НАПОО. Можете също да пишете на "
    f"{AGENCY_EMAIL} или да проверите {AGENCY_SITE}."
)
BUTTON_HANDOVER = "👤 Предай на служител"

HANDOVER_SENT = (
    "Предадох въпроса Ви на служител на НАПОО. Ще получите отговор тук, в този чат. "
    "Благодарим за търпението!"
)
# {opening} is a whole sentence's end (see handover_sent_later): "… 9:00 ч." takes no second stop.
HANDOVER_SENT_LATER = (
    "Предадох въпроса Ви на служител на НАПОО. Сега е извън работното време "
    "(понеделник – петък, 9:00 – 17:30 ч., без официалните празници), затова служител ще Ви "
    "отговори тук, в този чат, когато започне работният ден: {opening} Благодарим за търпението!"
)
HANDOVER_NO_STAFF = (
    "В момента няма свързан служител, който да поеме въпроса в чата. Моля, изпратете го на "
    f"{AGENCY_EMAIL} — въпросът Ви е записан и ще бъде прегледан при допълване на отговорите."
)
HANDOVER_ALREADY = "Въпросът Ви вече е при служител на НАПОО. Отговорът ще дойде тук, в този чат."
HANDOVER_ASK_QUESTION = (
    "Напишете въпроса си за служител на НАПОО в едно съобщение. Ще го предам заедно с "
    "последните Ви въпроси към мен. За отказ — /cancel."
)
HANDOVER_QUESTION_TEXT_ONLY = "Моля, напишете въпроса си с текст (или /cancel за отказ)."
UNKNOWN_AGAIN = (
    "И този път нямам сигурен отговор — съжалявам. Най-бързо ще Ви помогне служител на НАПОО: "
    "натиснете бутона по-долу и ще му предам въпросите Ви."
)

STAFF_HANDOVER = (
    "📨 <b>Въпрос към служител</b> (случай № {case_id}, получен {received})\n\n"
    "{transcript}\n\n"
    "<i>Най-близки теми: {closest}</i>\n\n"
    "↩️ Отговорете на <b>това съобщение</b> (Reply) и ще предам отговора на потребителя."
)
STAFF_HANDOVER_NO_TOPIC = "няма"
STAFF_HANDOVER_TOPIC = "„{title}“"
STAFF_HANDOVER_TOPICS_SEPARATOR = "; "
STAFF_TRANSCRIPT_TURN = "• {when} — {question}\n  <i>помощникът: {outcome}</i>"
STAFF_TRANSCRIPT_NEW = "• {when} — <b>{question}</b>"
TRANSCRIPT_OUTCOMES = {
    "answered": "отговор „{topic}“",
    "suggested": "предложи близки въпроси",
    "unknown": "нямаше отговор",
    "handed_over": "предаден на служител",
}
BUTTON_CLOSE_CASE = "✅ Приключи случая"
STAFF_REPLY_DELIVERED = "✅ Отговорът е изпратен на потребителя (случай № {case_id})."
STAFF_REPLY_NOT_DELIVERED = (
    "⚠️ Отговорът не можа да бъде доставен: потребителят е спрял бота или е изтрил чата "
    "(случай № {case_id}). Случаят е приключен."
)
STAFF_REPLY_CASE_CLOSED = "Случай № {case_id} вече е приключен; отговорът не е изпратен."
STAFF_REPLY_TEXT_ONLY = "Моля, отговорете с текст: потребителят получава само текстови отговори."
STAFF_REPLY_NOT_STAFF = "Само служители на НАПОО могат да отговарят на потребители."
STAFF_CASE_CLOSED = "Случай № {case_id} е приключен."
USER_STAFF_REPLY = "💬 <b>Отговор от служител на НАПОО:</b>\n\n{text}"
USER_CASE_CLOSED = "Служителят приключи разговора. Ако имате нов въпрос, просто го напишете."

# -- feedback survey (plan activity 6.4) ------------------------------------------------------
SURVEY_ASK = "Ако желаете, оценете консултацията от 1 (лошо) до 5 (отлично):"
BUTTON_SURVEY_SKIP = "Пропусни"
SURVEY_ASK_COMMENT = (
    "Благодарим за оценката {rating} от 5! Ако искате, напишете кратък коментар — какво да "
    "подобрим. Или натиснете „Пропусни“."
)
SURVEY_THANKS = "Благодарим за отзива! Той ни помага да подобряваме обслужването."
SURVEY_SKIPPED = "Добре. Благодарим, че използвахте помощника!"
SURVEY_COMMENT_TEXT_ONLY = "Моля, напишете коментара с текст или натиснете „Пропусни“."

# -- feedback ---------------------------------------------------------------------------------
BUTTON_UP = "👍 Полезно"
BUTTON_DOWN = "👎 Не помогна"
FEEDBACK_THANKS = "Благодарим за оценката!"
FEEDBACK_ASK_REASON = "Съжаляваме, че отговорът не помогна. Какво не беше наред?"
REASON_WRONG = "Грешен отговор"
REASON_INCOMPLETE = "Непълен отговор"
REASON_OFF_TOPIC = "Не за това питах"
FEEDBACK_REASON_THANKS = (
    "Благодарим! Отбелязахме това и служител ще прегледа отговора. "
    "Ако искате, задайте въпроса с други думи или го предайте на служител."
)

STALE_BUTTON = "Този бутон вече не е активен. Моля, задайте въпроса отново."
ENTRY_GONE = (
    "Тази тема вече не е налична — вероятно отговорите са обновени. Моля, задайте въпроса отново."
)

# -- errors -----------------------------------------------------------------------------------
INTERNAL_ERROR = (
    "Извинете, възникна техническа грешка и не успях да обработя съобщението Ви. "
    "Моля, опитайте отново след малко."
)

# -- console ----------------------------------------------------------------------------------
CONSOLE_BANNER = (
    "Конзолен чат с помощника на НАПОО (същите отговори като в Telegram). "
    "Пишете въпроси; /start, /help; изход с Ctrl+D или /exit."
)
CONSOLE_DEMO = (
    "Регистърът беше празен: заредих ИЗМИСЛЕН демонстрационен регистър. Опитайте /verify с "
    "номер {number} и име {name}, или /centre с дума „Знание“."
)
CONSOLE_HOW_TO_CONNECT = (
    "За да свържете истински бот в Telegram: запишете BOT_TOKEN=<токен от @BotFather> "
    "във файла .env и стартирайте отново „python -m bot“."
)

# -- document checks --------------------------------------------------------------------------
BUTTON_DOCUMENTS = "📄 Проверка на документи"
BUTTON_DONE = "✅ Готово"

DOCS_CHOOSE = "Ще проверя дали пакетът Ви е пълен. За коя процедура подготвяте документи?"
DOCS_CHOOSE_HINT = "Моля, изберете процедурата с бутоните по-горе или напишете /cancel за отказ."
DOCS_ASK_PROFESSIONS = (
    "Колко професии (специалности) ще добавите към лицензията? Напишете число, например 3. "
    "От броя зависи таксата."
)
DOCS_PROFESSIONS_HINT = "Моля, напишете броя на професиите с цифри — цяло число от 1 до 200."
DOCS_COLLECT = (
    "Изпратете документите за <b>{title}</b>:\n"
    "• списък с имената им — по един на ред, и/или\n"
    "• PDF файлове — един общ файл или по един за документ (до {files}, всеки до 20 MB и "
    "до {pages}).\n"
    "Можете да пращате в няколко съобщения. Когато сте готови, натиснете „Готово“. "
    "За отказ — /cancel."
)
DOCS_COLLECT_PAYMENT = (
    "\n\nКак платихте таксата? Ако е платена по електронен път, документ за плащане не е "
    "нужен. Натиснете бутона или напишете например „платих електронно“ или „платих по банков "
    "път“."
)
BUTTON_PAID_ELECTRONICALLY = "💳 Платих електронно"
BUTTON_PAID_BY_BANK = "🏦 Платих по банков път"
DOCS_PAID_ELECTRONICALLY = (
    "Отбелязах: таксата е платена по електронен път, затова документ за плащане не е нужен."
)
DOCS_PAID_BY_BANK = (
    "Отбелязах: таксата не е платена по електронен път, затова към заявлението се прилага "
    "копие на платежния документ."
)
DOCS_LIST_NOTED = "Записах {lines} от списъка. Изпратете още или натиснете „Готово“."
DOCS_PAYMENT_NOTED = "{payment} Изпратете още или натиснете „Готово“."
DOCS_FILE_READ = "Прочетох „{name}“. Изпратете още или натиснете „Готово“."
DOCS_NOTHING_YET = (
    "Още не сте изпратили нито списък, нито файл. Изпратете поне едно от двете "
    "или /cancel за отказ."
)
DOCS_IMAGE = (
    "Снимки не мога да прочета. Изпратете документите като PDF файлове с текст "
    "или напишете списък с имената им."
)
DOCS_OTHER_CONTENT = (
    "В тази стъпка приемам списък с документи (текст) или PDF файлове. "
    "Когато сте готови, натиснете „Готово“; за отказ — /cancel."
)
DOCS_DOWNLOAD_FAILED = (
    "Не успях да изтегля „{name}“ от Telegram. Моля, изпратете файла отново след малко."
)
DOCS_STALE = "Тази проверка вече е приключила. Започнете нова с /documents."

PROBLEM = {
    "not_pdf": (
        "„{name}“ не е PDF файл (проверявам съдържанието, не само името). Приемам само PDF: "
        "документ от Word или Excel запазете като PDF („Файл → Запиши като → PDF“) и го "
        "изпратете отново. Снимки и изображения не мога да прочета."
    ),
    "encrypted": (
        "„{name}“ е защитен с парола и не мога да го отворя. Изпратете копие без защита."
    ),
    "corrupt": (
        "„{name}“ е повреден или непълен и не мога да го прочета. Запазете го отново като PDF "
        "и го изпратете пак."
    ),
    "too_large": (
        "„{name}“ е над 20 MB — толкова е ограничението за файлове, които ботът може да изтегли "
        "от Telegram. Разделете файла на части или го компресирайте и го изпратете отново."
    ),
    "too_many_pages": (
        "„{name}“ има повече от {pages_limit}. Разделете го на части до {pages_limit} "
        "и ги изпратете поотделно."
    ),
    "no_text": (
        "В „{name}“ не открих текст на стр. {pages} — вероятно там има само сканирани "
        "изображения, които не мога да прочета. Документите, които може да са там, отбелязвам "
        "като несигурни (❓)."
    ),
    "garbled": (
        "Текстът на стр. {pages} от „{name}“ е нечетим (шрифтът не позволява извличане). "
        "Документите оттам отбелязвам като несигурни (❓)."
    ),
    "too_many_files": (
        "Получих вече {files_limit} — толкова се проверяват наведнъж. Натиснете „Готово“ "
        "и после започнете нова проверка за останалите."
    ),
    "time_budget": (
        "Четенето на „{name}“ отне твърде дълго и спрях. Разделете файла на по-малки части."
    ),
    "too_complex": (
        "„{name}“ е устроен твърде сложно и не успях да го прочета в разумно време и памет, "
        "затова спрях четенето му. Останалите Ви документи проверявам както обикновено. "
        "Моля, запазете файла отново като PDF („Файл → Запиши като → PDF“ или „Печат → "
        "Запиши като PDF“) и го изпратете пак. Документите, които може да са в него, "
        "отбелязвам като несигурни (❓)."
    ),
}

REPORT_HEADER = (
    "📋 <b>Проверка на документи: {title}</b>\nИзпълнени изисквания: {found} от {required}."
)
REPORT_LAW = (
    '📜 Изисквания според {law}, в сила от {valid_from} г. ({label}, <a href="{url}">{host}</a>)'
)
REPORT_COMPLETE = "✅ Пакетът изглежда пълен."
REPORT_COMPLETE_DECLARED = (
    "✅ По Вашия списък пакетът е пълен. Документите са <i>декларирани</i> — съдържанието им "
    "не е проверено."
)
REPORT_INCOMPLETE = "⚠️ Пакетът не е пълен или има документи, за които не съм сигурен."
REPORT_FOUND = "✅ {title}\n   намерен: {where}"
REPORT_DECLARED = "✅ {title}\n   посочен в списъка (декларирано, не е проверено съдържанието)"
REPORT_UNSURE = "❓ {title}\n   не съм сигурен{where}\n   {advice}Основание: {basis}"
REPORT_MISSING = "❌ {title}\n   {advice}Основание: {basis}"
REPORT_ALTERNATIVE = "➖ {title}\n   не е нужен: приложена е алтернативата"
REPORT_WAIVED = "➖ {title}\n   не е нужен: таксата е платена по електронен път. Основание: {basis}"
REPORT_PAYMENT_UNKNOWN = (
    "   Ако сте платили по електронен път, този документ не е нужен — напишете "
    "„платих електронно“ при следващата проверка."
)
REPORT_PAID_BY_BANK = "   Посочихте, че таксата не е платена по електронен път."
REPORT_REFERENCE = "   вх. № {number}{date}"
REPORT_REFERENCE_DATE = " от {date} г."
REPORT_NO_REFERENCE = (
    "   ⚠️ Не открих входящ номер и дата (например „вх. № 1234/15.05.2025“). Посочете ги в "
    "заявлението."
)
REPORT_NO_NUMBER = (
    "   ⚠️ Не открих входящ номер (например „вх. № 1234/15.05.2025“). Посочете го в заявлението."
)
REPORT_NO_REFERENCE_DATE = "   ⚠️ Не открих датата на входящия номер. Посочете я в заявлението."
REPORT_OBSOLETE_HEADER = "🗂 <b>Тези документи вече не се изискват — не е нужно да ги прилагате:</b>"
REPORT_OBSOLETE = (
    "• {title} ({where}) — не се изисква от {since} г.; заменен е от {instead}. Основание: {basis}"
)
REPORT_OBSOLETE_REPEALED = (
    "• {title} ({where}) — не се изисква от {since} г., отменен е. Основание: {basis}"
)
REPORT_NOTES = "📝 <b>В самото заявление посочете:</b>\n{items}"
REPORT_WHERE_PAGE = "„{file}“, стр. {page} („{snippet}“)"
REPORT_FEE = (
    "💳 Такса за {professions}: {fee}. Плаща се еднократно; ако не я платите по "
    "електронен път, копие на платежния документ се прилага към заявлението."
)
REPORT_FEE_UNKNOWN = (
    "💳 За {professions} публикуваният текст на НАПОО не посочва такса (таблицата стига до 20 и "
    f"продължава с „над 21“). Моля, уточнете таксата в НАПОО: {AGENCY_EMAIL}."
)
REPORT_AGENCY_CHECKS = "🏛 <b>Не прилагайте — НАПОО ги проверява служебно:</b>\n{items}"
REPORT_CHANGES = "🔄 <b>Спрямо предишната Ви проверка:</b>\n{lines}"
REPORT_NOW_FOUND = "сега намерени: {items}"
REPORT_STILL_MISSING = "все още липсват: {items}"
REPORT_NO_LONGER = "вече не се откриват: {items}"
REPORT_NO_CHANGE = "няма промяна"
REPORT_FOOTER = (
    "<i>Проверката е автоматична и ориентировъчна: търся имената на документите в текста. "
    "Окончателната преценка за редовността прави НАПОО.</i>"
)


def problem(
    kind: str,
    name: str,
    pages: tuple[int, ...] = (),
    max_files: int | None = None,
    max_pages: int | None = None,
) -> str:
    shown_pages = ", ".join(str(p) for p in pages[:15]) + ("…" if len(pages) > 15 else "")
    return PROBLEM[kind].format(
        name=escape(name),
        pages=shown_pages,
        files_limit=count(max_files, FILES) if max_files is not None else "",
        pages_limit=count(max_pages, PAGES) if max_pages is not None else "",
    )


def docs_collect(title: str, max_files: int, max_pages: int) -> str:
    return DOCS_COLLECT.format(
        title=escape(title), files=count(max_files, FILES), pages=count(max_pages, PAGES)
    )


def document_report(report, change=None) -> str:
    from knowledge.checklists import ItemStatus, PaymentMode
    from knowledge.money import format_bgn_with_eur

    checklist = report.checklist
    lines = [
        REPORT_HEADER.format(
            title=escape(checklist.title), found=report.found, required=report.required
        ),
        REPORT_LAW.format(
            law=escape(checklist.law),
            valid_from=checklist.valid_from.strftime("%d.%m.%Y"),
            label=escape(checklist.law_label),
            url=escape(checklist.source, quote=True),
            host=escape(_short_source(checklist.source)),
        ),
    ]
    if report.complete:
        lines.append(REPORT_COMPLETE_DECLARED if report.declared_only else REPORT_COMPLETE)
    else:
        lines.append(REPORT_INCOMPLETE)
    lines.append("")
    for result in report.items:
        item = result.item
        title = escape(item.title)
        advice = f"{escape(item.advice)}\n   " if item.advice else ""
        basis = escape(item.legal_basis)
        met = result.status in {ItemStatus.FOUND, ItemStatus.DECLARED}
        if not result.required:
            lines.append(REPORT_WAIVED.format(title=title, basis=basis))
            continue
        if result.alternative_satisfied and not met:
            lines.append(REPORT_ALTERNATIVE.format(title=title))
        elif result.status is ItemStatus.FOUND:
            lines.append(REPORT_FOUND.format(title=title, where=_where(result.evidence)))
        elif result.status is ItemStatus.DECLARED:
            lines.append(REPORT_DECLARED.format(title=title))
        elif result.status is ItemStatus.UNSURE:
            where = f": {_where(result.evidence)}" if result.evidence else ""
            lines.append(REPORT_UNSURE.format(title=title, where=where, advice=advice, basis=basis))
        else:
            lines.append(REPORT_MISSING.format(title=title, advice=advice, basis=basis))
        if item.reads_reference and met:
            lines.append(_reference(result.reference, item.reads_reference))
        if item.required_unless and not met:
            bank = report.payment is PaymentMode.BANK
            lines.append(REPORT_PAID_BY_BANK if bank else REPORT_PAYMENT_UNKNOWN)
    if report.obsolete:
        lines.append("")
        lines.append(REPORT_OBSOLETE_HEADER)
        for old in report.obsolete:
            document = old.document
            template = REPORT_OBSOLETE if document.instead else REPORT_OBSOLETE_REPEALED
            lines.append(
                template.format(
                    title=escape(document.title),
                    where=_where(old.evidence),
                    since=document.since.strftime("%d.%m.%Y"),
                    instead=escape(document.instead),
                    basis=escape(document.legal_basis),
                )
            )
    if report.professions is not None and checklist.fee_bands:
        lines.append("")
        if report.fee is not None:
            lines.append(
                REPORT_FEE.format(
                    professions=count(report.professions, PROFESSIONS),
                    fee=format_bgn_with_eur(report.fee.bgn),
                )
            )
        else:
            lines.append(
                REPORT_FEE_UNKNOWN.format(professions=count(report.professions, PROFESSIONS))
            )
    if checklist.notes:
        lines.append("")
        items = "\n".join(f"• {escape(x)}" for x in checklist.notes)
        lines.append(REPORT_NOTES.format(items=items))
    if checklist.agency_checks:
        lines.append("")
        items = "\n".join(f"• {escape(x)}" for x in checklist.agency_checks)
        lines.append(REPORT_AGENCY_CHECKS.format(items=items))
    if change is not None:
        parts = []
        if change.now_found:
            parts.append(REPORT_NOW_FOUND.format(items=escape("; ".join(change.now_found))))
        if change.still_missing:
            parts.append(REPORT_STILL_MISSING.format(items=escape("; ".join(change.still_missing))))
        if change.no_longer_found:
            parts.append(REPORT_NO_LONGER.format(items=escape("; ".join(change.no_longer_found))))
        lines.append("")
        lines.append(REPORT_CHANGES.format(lines="\n".join(parts) or REPORT_NO_CHANGE))
    lines.append("")
    lines.append(REPORT_FOOTER)
    return "\n".join(lines)


def _reference(reference, wanted: str) -> str:
    from knowledge.checklists import NUMBER_AND_DATE

    if reference is None:
        return REPORT_NO_REFERENCE if wanted == NUMBER_AND_DATE else REPORT_NO_NUMBER
    line = REPORT_REFERENCE.format(
        number=escape(reference.number),
        date=(
            REPORT_REFERENCE_DATE.format(date=reference.date.strftime("%d.%m.%Y"))
            if reference.date
            else ""
        ),
    )
    if reference.date or wanted != NUMBER_AND_DATE:
        return line
    return f"{line}\n{REPORT_NO_REFERENCE_DATE}"


def list_noted(lines: int, payment) -> str:
    """The reply to a typed list: the lines noted and/or how the fee was paid."""
    from knowledge.checklists import PaymentMode

    said = {
        PaymentMode.ELECTRONIC: DOCS_PAID_ELECTRONICALLY,
        PaymentMode.BANK: DOCS_PAID_BY_BANK,
    }.get(payment)
    if said is None:
        return docs_list_noted(lines)
    if not lines:
        return DOCS_PAYMENT_NOTED.format(payment=said)
    return f"{said}\n{docs_list_noted(lines)}"


def docs_list_noted(lines: int) -> str:
    return DOCS_LIST_NOTED.format(lines=count(lines, LINES))


def _where(evidence) -> str:
    shown = []
    for e in evidence[:2]:
        if e.file is None:
            shown.append(f"в списъка („{escape(e.snippet)}“)")
        else:
            shown.append(
                REPORT_WHERE_PAGE.format(
                    file=escape(e.file), page=e.page, snippet=escape(e.snippet)
                )
            )
    return "; ".join(shown)


# -- register: certificates and centres -------------------------------------------------------
BUTTON_VERIFY = "🎓 Проверка на свидетелство"
BUTTON_CENTRE = "🏫 Проверка на център"
BUTTON_BY_ID = "ЕГН / ЛНЧ"
BUTTON_BY_NAME = "Трите имена"

VERIFY_ASK_NUMBER = (
    "Проверявам свидетелства за професионална квалификация (образци 3-54, 3-54В, 3-54а, "
    "3-54аВ) в регистъра на НАПОО.\n\nНапишете <b>регистрационния номер</b> на документа, "
    "както е на свидетелството (сравнявам само цифрите му)."
)
VERIFY_NUMBER_HINT = (
    "Регистрационният номер трябва да съдържа цифри, например 000123-2021. "
    "Опитайте отново или /cancel."
)
VERIFY_ASK_HOW = (
    "С какво да сравня притежателя? Изберете:\n"
    "• <b>ЕГН или ЛНЧ</b> на притежателя, или\n"
    "• <b>трите му имена</b>, както са в документа."
)
VERIFY_CHOOSE_HINT = "Моля, изберете с бутоните — ЕГН/ЛНЧ или трите имена — или /cancel."
VERIFY_ASK_ID = (
    "Напишете ЕГН или ЛНЧ на притежателя. Няма да го запиша: сравнявам само ключова хеш "
    "стойност и ще изтрия съобщението Ви от чата след проверката."
)
VERIFY_ASK_NAME = (
    "Напишете трите имена на притежателя, както са в документа (на кирилица или латиница)."
)
VERIFY_BAD_ID = (
    "Това не е валидно ЕГН или ЛНЧ (10 цифри с контролна цифра). Проверете и опитайте "
    "отново или /cancel."
)
VERIFY_BAD_NAME = "Моля, напишете поне собствено и фамилно име на притежателя или /cancel."
VERIFY_BAD_NUMBER = VERIFY_NUMBER_HINT

VERIFY_CONFIRMED = (
    "✅ <b>Документът е в регистъра на НАПОО</b> и {matched} съвпада.\n\n"
    "• Документ: {document_type}\n"
    "• Регистрационен №: {registration_number}; серия {series}, фабричен № {factory_number}\n"
    "• Издаден на: {issue_date}\n"
    "• Център: {centre_name}, лицензия № {centre_licence}\n"
    "• Професия: {profession_code} {profession}\n"
    "• Специалност: {speciality_code} {speciality}\n"
    "• Степен на професионална квалификация: {level}"
)
VERIFY_DUPLICATE_NOTE = "\n\nℹ️ За този документ е издаден дубликат."
VERIFY_ANNULLED = (
    "⛔ <b>Документът е анулиран</b> в регистъра на НАПОО ({document_type}, рег. № "
    "{registration_number}, {centre_name})."
)
VERIFY_NOT_MATCHED = (
    "❌ <b>Не намерих документ с този регистрационен номер и тези данни на притежателя.</b>\n"
    "Проверете номера и данните. Ако сте сигурни в тях, обърнете се към центъра, издал "
    "документа, или към НАПОО."
)
VERIFY_MATCHED_ID = "ЕГН/ЛНЧ, което посочихте,"
VERIFY_MATCHED_NAME = "името, което посочихте,"
VERIFY_FOOTER = (
    "\n\n<i>Проверени: регистрационният номер (по цифрите) и {what}. Регистър към {snapshot}. "
    "Автентичността на самата хартиена бланка не се проверява.</i>"
)
VERIFY_WHAT_ID = "ЕГН/ЛНЧ на притежателя"
VERIFY_WHAT_NAME = "името на притежателя"
VERIFY_NO_SNAPSHOT = "неизвестна дата (регистърът не е зареден)"
VERIFY_RATE_LIMITED = (
    "Направихте много проверки за кратко време. От съображения за защита на личните данни "
    "можете да опитате отново след около {minutes} мин."
)

CENTRE_ASK = "Напишете номера на лицензията или думи от името на центъра (ЦПО или ЦИПО)."
CENTRE_HINT = "Напишете номер на лицензия (само цифри) или поне една дума от името на центъра."
CENTRE_NONE = (
    "Не намерих център по това търсене. Проверете номера или опитайте с друга дума от името."
)
CENTRE_RESULT = (
    "🏫 <b>{name}</b>\n"
    "• {kind}, лицензия № {licence}\n"
    "• Статус на лицензията: <b>{status}</b>{status_date}\n"
    "• Населено място: {town}\n"
    "• Лицензирани професии: {professions}"
)
CENTRE_FOOTER = "\n<i>Регистър на центровете към {snapshot}.</i>"


# -- staff workspace ---------------------------------------------------------------------------
STAFF_HELP = (
    "🛠 <b>Команди за служители</b>\n"
    "/stats [година] [тримесечие] — показателите от годишния план по тримесечия и графика\n"
    "/export [година] — XLSX с показателите и всички консултации\n"
    "/close_quarter година тримесечие — приключване на тримесечие (цифрите се замразяват)\n"
    "/unanswered — въпроси без отговор и с 👎: добавяне към отговорите или отхвърляне\n"
    "Отговор на предаден въпрос: Reply на съобщението със случая."
)
ADMIN_HELP = (
    "\n\n👑 <b>Администратор</b>\n"
    "/staff list — служителите\n"
    "/staff add ID — добавяне на служител (Telegram ID)\n"
    "/staff remove ID — премахване на служител\n"
    "/audit — последните записи в журнала на действията"
)
AUDIT_EMPTY = "Журналът на действията е празен."
AUDIT_HEADER = "📜 <b>Журнал на действията</b> — последните {entries}, най-новите първи"
AUDIT_LINE = "• {when} — {actor}: {action} {target}"
AUDIT_CLI = "команден ред"
AUDIT_ENTRY = "„{title}“"
AUDIT_ACTIONS = {
    "staff_added": "добави служител",
    "staff_removed": "премахна служител",
    "export": "изтегли отчет",
    "quarter_closed": "приключи тримесечие",
    "faq_phrasing": "добави формулировка към",
    "faq_new_entry": "публикува нов отговор",
    "unanswered_dismissed": "отхвърли въпроси",
    "handover_reply": "отговори по",
    "handover_closed": "приключи",
    "handover_undeliverable": "не можа да достави отговор по",
}

STAFF_USAGE = (
    "Използвайте: /staff list, /staff add ID или /staff remove ID (ID е числото от Telegram)."
)
STAFF_ADDED = "✅ Добавих {user_id} като служител."
STAFF_ALREADY = "{user_id} вече е служител."
STAFF_REMOVED = "✅ Премахнах {user_id} от служителите."
STAFF_NOT_FOUND = "{user_id} не е добавен като служител в бота."
STAFF_FIXED = (
    "{user_id} е служител или администратор по настройките (ADMIN_IDS / STAFF_IDS) — това се "
    "променя в настройките, не в бота."
)
STAFF_LIST_HEADER = "👥 <b>Служители</b>"
STAFF_LIST_ADMINS = "Администратори (ADMIN_IDS): {ids}"
STAFF_LIST_FIXED = "По настройките (STAFF_IDS): {ids}"
STAFF_LIST_MEMBER = "• {user_id} — добавен {added}"
STAFF_LIST_EMPTY = "Няма добавени в бота служители."
NONE_LABEL = "няма"

STATS_USAGE = "Използвайте: /stats [година] [тримесечие], например /stats 2026 или /stats 2026 3."
STATS_HEADER = "📊 <b>Показатели за {year} г.</b>{focus}\nИзточник на показателите: {plan}"
STATS_FOCUS = " — {quarter} тримесечие"
STATS_LINE = (
    "<b>{activity}</b> {title}\n"
    "I: {q1} · II: {q2} · III: {q3} · IV: {q4} · <b>Година: {total}</b> · Цел: {target}{percent}"
)
STATS_PERCENT = " ({percent} от целта)"
STATS_NO_TARGET = "няма"
STATS_CLOSED_MARK = "🔒"
STATS_CLOSED_NOTE = "🔒 — приключено тримесечие (цифрите са замразени)."
STATS_RATINGS = "⭐ Анкета: {ratings}, средна оценка {mean} от 5"
STATS_RATINGS_NONE = "⭐ Анкета: още няма оценки."
STATS_CHART_CAPTION = "Консултации по седмици и показатели по тримесечия, {year} г."
STATS_TAMPERED = (
    "⚠️ Записаните цифри на приключено тримесечие ({which}) не съвпадат с контролната им сума. "
    "Не показвам отчет, докато администратор не провери базата данни."
)
QUARTER_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}

EXPORT_USAGE = "Използвайте: /export [година], например /export 2026."
EXPORT_WORKING = "Подготвям файла за {year} г. — при много консултации това отнема до минута."
EXPORT_CAPTION = "Показатели и консултации за {year} г. ({consultations})."
EXPORT_TOO_BIG = (
    "Консултациите за годината са повече, отколкото побира един лист в Excel. Използвайте "
    "командния ред: python -m bot report --format csv."
)

CLOSE_USAGE = "Използвайте: /close_quarter година тримесечие, например /close_quarter 2026 3."
CLOSE_NOT_ENDED = (
    "{quarter} тримесечие на {year} г. още не е приключило — може да се приключи след края му."
)
CLOSE_ALREADY = "{quarter} тримесечие на {year} г. вече е приключено."
CLOSE_CONFIRM = (
    "Приключване на <b>{quarter} тримесечие на {year} г.</b> Цифрите ще бъдат замразени и "
    "няма да се променят от нови записи или изтриване:\n\n{figures}\n\nПотвърждавате ли?"
)
CLOSE_FIGURE = "• {activity} {title}: <b>{count}</b>"
BUTTON_CONFIRM = "✅ Потвърждавам"
BUTTON_CANCEL = "✖️ Отказ"
CLOSE_DONE = (
    "🔒 {quarter} тримесечие на {year} г. е приключено. Контролна сума: <code>{checksum}</code>"
)
CLOSE_CANCELLED = "Тримесечието не е приключено."

UNANSWERED_NONE = "Няма непрегледани въпроси без отговор или с 👎. 🎉"
# Similar questions are grouped; the header counts groups, so "1 група" / "5 групи".
UNANSWERED_HEADER = "📝 <b>Въпроси без отговор и с 👎</b> ({groups}; сходните въпроси са обединени)"
UNANSWERED_HEADER_SOME = (
    "📝 <b>Въпроси без отговор и с 👎</b> (най-новите {shown} от общо {groups}; сходните "
    "въпроси са обединени)"
)
UNANSWERED_GROUP = "<b>{count}×</b> „{question}“{others}"
UNANSWERED_OTHERS = "\n<i>също: {examples}</i>"
BUTTON_ADD_PHRASING = "➕ Към съществуващ отговор"
BUTTON_NEW_ENTRY = "🆕 Нов отговор"
BUTTON_DISMISS = "🗑 Отхвърли"
REVIEW_PICK_ENTRY = "Към кой отговор да добавя „{question}“ като още една формулировка?"
REVIEW_NO_CANDIDATES = "Няма близки отговори. Напишете нов отговор."
PHRASING_PUBLISHED = "✅ Добавих „{question}“ като формулировка на „{entry}“. Важи веднага."
REVIEW_DISMISSED = "🗑 Отхвърлих {questions}."
REVIEW_GONE = "Тази група вече е прегледана или списъкът е остарял. Изпратете /unanswered отново."

NEW_ENTRY_QUESTION = (
    "🆕 Нов отговор. Напишете въпроса така, както ще се показва (или натиснете бутона, за да "
    "използвам думите на потребителя). За отказ — /cancel."
)
BUTTON_USE_USER_WORDS = "Използвай: „{question}“"
NEW_ENTRY_ANSWER = "Напишете отговора (обикновен текст, до {limit})."
NEW_ENTRY_LEGAL_BASIS = "Напишете правното основание, например: чл. 49а, ал. 1 ЗПОО."
NEW_ENTRY_SOURCE = (
    "Изпратете връзка към официалния източник (https://…), например страница на НАПОО."
)
NEW_ENTRY_BAD_SOURCE = "Връзката трябва да започва с https:// или http://. Опитайте отново."
NEW_ENTRY_TEXT_ONLY = "Моля, напишете текст (или /cancel за отказ)."
NEW_ENTRY_TOO_LONG = "Текстът е твърде дълъг (позволени са до {limit}). Моля, съкратете го."
NEW_ENTRY_PREVIEW = "👀 <b>Преглед преди публикуване</b> — така ще го виждат потребителите:"
NEW_ENTRY_CONFIRM = "Да публикувам ли отговора?"
BUTTON_PUBLISH = "✅ Публикувай"
NEW_ENTRY_PUBLISHED = (
    "✅ Публикувах новия отговор „{question}“. Важи веднага и се отчита по показател 5.3."
)
NEW_ENTRY_CANCELLED = "Новият отговор не е публикуван."

WEEKDAYS = ("понеделник", "вторник", "сряда", "четвъртък", "петък", "събота", "неделя")


def opening_time(moment) -> str:
    """'понеделник, 30.11.2026 г., 9:00 ч.' for a local datetime."""
    return f"{WEEKDAYS[moment.weekday()]}, {moment:%d.%m.%Y} г., {moment.hour}:{moment:%M} ч."


def end_sentence(text: str) -> str:
    """`text` closed with a full stop, unless it already ends with one ("9:00 ч.", "2026 г.")."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def handover_sent_later(opening) -> str:
    """The reply to a hand-over outside office hours; `opening` is the local next opening."""
    return HANDOVER_SENT_LATER.format(opening=end_sentence(opening_time(opening)))


def audit_header(entries: int) -> str:
    return AUDIT_HEADER.format(entries=count(entries, LOG_ENTRIES))


def export_caption(year: int, rows: int) -> str:
    return EXPORT_CAPTION.format(year=year, consultations=count(rows, CONSULTATIONS))


def unanswered_header(shown: int, total: int) -> str:
    if shown >= total:
        return UNANSWERED_HEADER.format(groups=count(total, GROUPS))
    return UNANSWERED_HEADER_SOME.format(shown=format_number(shown), groups=count(total, GROUPS))


def review_dismissed(questions: int) -> str:
    return REVIEW_DISMISSED.format(questions=count(questions, QUESTIONS))


def characters(limit: int) -> str:
    """ "3000 знака" — for NEW_ENTRY_ANSWER and NEW_ENTRY_TOO_LONG."""
    return count(limit, CHARACTERS)


def stats_table(table) -> str:
    """The plan-shaped table for a chat: one block per indicator (a wide grid does not fit)."""
    focus = STATS_FOCUS.format(quarter=QUARTER_NAMES[table.quarter]) if table.quarter else ""
    lines = [STATS_HEADER.format(year=table.year, focus=focus, plan=escape(table.catalogue.plan))]
    for line in table.lines:
        cells = {}
        for q in (1, 2, 3, 4):
            value = format_number(line.quarters.get(q, 0))
            if q in table.closed_quarters:
                value += STATS_CLOSED_MARK
            if table.quarter == q:
                value = f"<b>{value}</b>"
            cells[f"q{q}"] = value
        percent = line.percent_of_target
        lines.append(
            STATS_LINE.format(
                activity=escape(line.indicator.activity),
                title=escape(line.indicator.title),
                total=format_number(line.total),
                target=(
                    format_number(line.indicator.target)
                    if line.indicator.target
                    else STATS_NO_TARGET
                ),
                percent=STATS_PERCENT.format(percent=percent_text(percent))
                if percent is not None
                else "",
                **cells,
            )
        )
    ratings = table.ratings.get(table.quarter) if table.quarter else table.year_ratings
    if ratings and ratings.count:
        lines.append(
            STATS_RATINGS.format(
                ratings=count(ratings.count, RATINGS), mean=format_number(ratings.mean, 2)
            )
        )
    else:
        lines.append(STATS_RATINGS_NONE)
    if table.closed_quarters:
        lines.append(STATS_CLOSED_NOTE)
    return "\n\n".join(lines)


def unanswered_group(group) -> str:
    others = [q.text for q in group.members[1:3]]
    return UNANSWERED_GROUP.format(
        count=group.count,
        question=escape(group.representative.text[:300]),
        others=UNANSWERED_OTHERS.format(examples=escape(" · ".join(t[:100] for t in others)))
        if others
        else "",
    )
