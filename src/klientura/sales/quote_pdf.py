"""A commercial proposal (КП) rendered to PDF: the seller's requisites and logo, the buyer, the lines with their
VAT, the totals in figures and in Russian words, the validity, the terms, the bank details and the signer. The text
is set in DejaVu Sans (embedded, only the characters used), so Cyrillic reads back from the file."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from num2words import num2words

from klientura.kit.errors import Conflict, code
from klientura.kit.i18n import N_

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_MISSING = code(
    "quote.font_missing",
    N_("the PDF font DejaVu Sans is not installed (Debian: fonts-dejavu-core) nor in KLIENTURA_PDF_FONT_DIR"),
)
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)
FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
SIGN = {"RUB": "руб.", "USD": "долл.", "EUR": "евро", "KZT": "тенге", "BYN": "бел. руб."}


def fonts(folder: Path | None) -> tuple[Path, Path]:
    for place in (folder,) if folder is not None else FONT_DIRS:
        regular, bold = (place / name for name in FILES)
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise Conflict(FONT_MISSING)


def money(value: Decimal | str) -> str:
    """1234567.5 as "1 234 567,50" (no-break spaces between the thousands)."""
    return f"{Decimal(value):,.2f}".replace(",", "\u00a0").replace(".", ",")


def in_words(amount: Decimal, currency: str) -> str:
    """ "Сто двадцать тысяч триста сорок пять рублей 50 копеек": the sum as Russian documents write it."""
    try:
        text = str(num2words(amount, lang="ru", to="currency", currency=currency, cents=False)).replace(",", "")
    except NotImplementedError:
        whole = str(num2words(int(amount), lang="ru"))
        text = f"{whole} {currency} {int(amount * 100) % 100:02d}"
    return text[:1].upper() + text[1:]


def quantity(value: Decimal | str) -> str:
    number = Decimal(value).normalize()
    return f"{number:f}".replace(".", ",")


@cache
def _document() -> type[FPDF]:
    """The page with its footer; fpdf2 (and Pillow under it, ~55 MB) is imported when a PDF is first made, not by
    every process that imports the sales domain."""
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=7)
            self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="R")

    return Document


def render(content: dict[str, Any], logo: bytes | None, font_dir: Path | None) -> bytes:
    """The proposal's PDF from what the quote froze (see :func:`klientura.sales.quotes.freeze`)."""
    regular, bold = fonts(font_dir)
    pdf = _document()(format="A4")
    pdf.set_title(f"Коммерческое предложение № {content['number']}")
    pdf.set_author(content["seller"].get("seller") or "")
    pdf.set_creator("Klientura")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    width = pdf.epw
    seller = content["seller"]
    if logo:
        pdf.image(io.BytesIO(logo), x=15, y=15, h=18)
        pdf.set_xy(15 + 60, 15)
    pdf.set_font("DejaVu", "B", 11)
    left = pdf.get_x()
    pdf.multi_cell(width - (left - 15), 5, seller.get("seller") or "", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    for text in _seller_lines(seller):
        pdf.multi_cell(width - (left - 15), 4, text, new_x="LEFT", new_y="NEXT")
    pdf.set_x(15)
    pdf.set_y(max(pdf.get_y(), 35) + 6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(
        width,
        7,
        f"Коммерческое предложение № {content['number']} от {content['date']}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9)
    buyer = content["buyer"]
    pdf.multi_cell(
        width,
        5,
        "Кому: " + ", ".join(x for x in (buyer.get("name"), buyer.get("requisites")) if x),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if content.get("intro"):
        pdf.ln(2)
        pdf.multi_cell(width, 5, content["intro"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, content)
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 9)
    sign = SIGN.get(content["currency"], content["currency"])
    pdf.cell(width, 5, f"Итого: {money(content['total'])} {sign}", align="R", new_x="LMARGIN", new_y="NEXT")
    rates = content["vat_by_rate"]
    for rate, vat in rates if len(rates) == 1 else [r for r in rates if r[0] is not None]:
        label = f"В том числе НДС {rate}%" if rate is not None else "Без НДС"
        pdf.cell(width, 5, f"{label}: {money(vat)} {sign}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9)
    count = len(content["lines"])
    pdf.multi_cell(
        width,
        5,
        f"Всего наименований {count}, на сумму {money(content['total'])} {sign}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width, 5, in_words(Decimal(content["total"]), content["currency"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    pdf.ln(2)
    pdf.multi_cell(width, 5, f"Предложение действительно до {content['valid_until']}.", new_x="LMARGIN", new_y="NEXT")
    if content.get("terms"):
        pdf.ln(2)
        pdf.multi_cell(width, 5, content["terms"], new_x="LMARGIN", new_y="NEXT")
    bank = _bank_lines(seller)
    if bank:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(width, 5, "Банковские реквизиты", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=8)
        for text in bank:
            pdf.multi_cell(width, 4, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", size=9)
    manager = content.get("manager") or {}
    signer = " ".join(x for x in (seller.get("signer_position"), seller.get("signer")) if x)
    if signer:
        pdf.multi_cell(width, 5, f"{signer} ____________________", new_x="LMARGIN", new_y="NEXT")
    if manager.get("name"):
        contact = ", ".join(x for x in (manager.get("name"), manager.get("email")) if x)
        pdf.multi_cell(width, 5, f"Ваш менеджер: {contact}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _seller_lines(seller: dict[str, Any]) -> list[str]:
    ids = ", ".join(
        f"{label} {seller[key]}" for key, label in (("inn", "ИНН"), ("kpp", "КПП"), ("ogrn", "ОГРН")) if seller.get(key)
    )
    reach = ", ".join(
        f"{label} {seller[key]}" for key, label in (("phone", "тел."), ("email", "e-mail")) if seller.get(key)
    )
    return [x for x in (ids, seller.get("address") or "", reach) if x]


def _bank_lines(seller: dict[str, Any]) -> list[str]:
    pairs = (("bank", "Банк"), ("bik", "БИК"), ("account", "Р/с"), ("corr_account", "К/с"))
    return [f"{label}: {seller[key]}" for key, label in pairs if seller.get(key)]


def _table(pdf: FPDF, content: dict[str, Any]) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font("DejaVu", size=8)
    head = ("№", "Наименование", "Кол-во", "Ед.", "Цена", "Скидка", "НДС", "Сумма")
    with pdf.table(
        col_widths=(7, 59, 14, 10, 22, 13, 15, 25),
        text_align=("CENTER", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=4.5,
        first_row_as_headings=True,
    ) as table:
        table.row(head)
        for number, line in enumerate(content["lines"], start=1):
            discount = Decimal(line["discount"])
            table.row(
                (
                    str(number),
                    line["name"] + (f" ({line['sku']})" if line.get("sku") else ""),
                    quantity(line["quantity"]),
                    line["unit"],
                    money(line["price"]),
                    f"{quantity(discount)}%" if discount else "—",
                    f"{line['vat_rate']}%" if line.get("vat_rate") is not None else "без НДС",
                    money(line["total"]),
                )
            )
