"""The workshop record in the shapes people take away: rows ranked by votes (shared by the printable page, Markdown
and CSV), the Markdown text and the CSV rows. What goes in the record is decided by
collab.selectors.boards.workshop_record; this module only lays it out."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.utils import timezone

from collab.models import Promotion
from collab.promotion import target_named
from collab.selectors.boards import BoardRecord, RankedCard, WorkshopRecord
from frontend.templatetags.workshops import workshop_when

CSV_HEADER = ["Board", "Rank", "Card", "Group", "Zone", "Votes"]


@dataclass
class RankedRow:
    rank: int | None  # None when the board never voted
    card: RankedCard


def ranked_rows(board_record: BoardRecord) -> list[RankedRow]:
    """The cards in vote order with their rank; cards with the same number of votes share a rank (1, 2, 2, 4)."""
    voted = board_record.board.voting_round > 0
    rows, rank, previous = [], 0, None
    for position, card in enumerate(board_record.ranked, start=1):
        if card.votes != previous:
            rank, previous = position, card.votes
        rows.append(RankedRow(rank if voted else None, card))
    return rows


def promotion_words(promotion: Promotion) -> str:
    """“Priority: Joint early-help clinics”, from the group “Access to support”."""
    target = target_named(promotion.target)
    kind = target.label if target else promotion.target.replace("_", " ").capitalize()
    source = f"from the group “{promotion.group.title}”" if promotion.group_id else "from a card"
    return f"{kind}: {promotion.target_label} ({source})"


def where_and_when(record: WorkshopRecord) -> str:
    workshop = record.workshop
    where = workshop.collaborative.name if workshop.collaborative_id else f"All localities, {workshop.programme.name}"
    return f"{where} · {workshop_when(workshop)}"


def made_on(moment=None) -> str:
    moment = timezone.localtime(moment or timezone.now())
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


# --- Markdown --------------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    """Text as it was typed, safe inside Markdown: special characters escaped, line breaks as spaces."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def record_markdown(record: WorkshopRecord, *, moment=None) -> str:
    workshop = record.workshop
    lines = [f"# Workshop record: {_md(workshop.title)}", "", _md(where_and_when(record)), ""]
    lines += [f"Record made on {made_on(moment)}.", ""]
    if not record.boards:
        lines += ["This workshop had no boards.", ""]
    for board_record in record.boards:
        board = board_record.board
        lines += [f"## {_md(board.title)}", ""]
        if board.prompt:
            lines += [f"> {_md(board.prompt)}", ""]
        if not board.is_revealed:
            lines += ["The cards on this board were never revealed, so they are not in the record.", ""]
            continue
        if not board_record.ranked:
            lines += ["Nobody wrote on this board.", ""]
            continue
        lines += [
            "### Cards ranked by votes",
            "",
            "| Rank | Card | Group | Zone | Votes |",
            "| ---: | --- | --- | --- | ---: |",
        ]
        for row in ranked_rows(board_record):
            card = row.card
            rank = "" if row.rank is None else str(row.rank)
            lines.append(f"| {rank} | {_md(card.text)} | {_md(card.group)} | {_md(card.zone)} | {card.votes} |")
        lines.append("")
        if board_record.groups:
            lines += ["### Groups", ""]
            for title, texts in board_record.groups:
                lines += [f"**{_md(title)}**", ""]
                lines += [f"- {_md(text)}" for text in texts] or ["- (no cards)"]
                lines.append("")
            if board_record.ungrouped:
                lines += ["**Not in a group**", ""]
                lines += [f"- {_md(text)}" for text in board_record.ungrouped]
                lines.append("")
        if board_record.promotions:
            lines += ["### Taken forward", ""]
            lines += [f"- {_md(promotion_words(p))}" for p in board_record.promotions]
            lines.append("")
    lines += ["## Attendance", ""]
    came = [_md(r.user.display_name) for r in record.attended]
    absent = [_md(r.user.display_name) for r in record.registered_absent]
    lines += [f"Came ({len(came)}): {', '.join(came)}" if came else "Attendance was not taken.", ""]
    if absent:
        lines += [f"Had a place but did not come ({len(absent)}): {', '.join(absent)}", ""]
    return "\n".join(lines)


# --- CSV -------------------------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A spreadsheet cell that a spreadsheet will not run as a formula, whatever was typed on a card."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def record_csv(record: WorkshopRecord) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for board_record in record.boards:
        for row in ranked_rows(board_record):
            card = row.card
            writer.writerow(
                [
                    _cell(board_record.board.title),
                    "" if row.rank is None else row.rank,
                    _cell(card.text),
                    _cell(card.group),
                    _cell(card.zone),
                    card.votes,
                ]
            )
    return out.getvalue()
