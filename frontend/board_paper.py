"""The anchor's board paper: the dashboard as a printable PDF for the local authority's own governance.

Laid out with ReportLab's Platypus (pure Python, no system libraries): a summary, the status roll-up, the items with
their sub-group, status, last update and risks, the alignment of the plan to the authority's strategies with gaps both
ways, and the engagement headline. British English and UK dates throughout.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from subgroups.dashboard import Dashboard

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b1b4b6")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
    ]
)


def board_paper_pdf(board: Dashboard) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)

    def p(text: str, style=small) -> Paragraph:  # noqa: ANN001
        return Paragraph(escape(text), style)

    collaborative = board.collaborative
    today = timezone.localdate()
    plan = board.plan
    story = [
        Paragraph(escape(f"{collaborative.name}: action plan progress"), styles["Title"]),
        p(f"Board paper prepared {today:%d/%m/%Y} · {collaborative.locality} · {collaborative.programme.name}", body),
    ]
    if plan is not None:
        state = plan.get_status_display()
        when = f" on {plan.status_on:%d/%m/%Y}" if plan.status_on else ""
        at = f" at {plan.workshop.title}" if plan.workshop else ""
        story.append(p(f"Plan: {plan.title}, version {plan.number} — {state}{at}{when}.", body))
    story += [
        p(
            f"{len(board.items)} items; {len(board.stalled)} with no sub-group update for {board.weeks} weeks or more; "
            f"{len(board.objectives_unserved)} strategic objectives no item serves; "
            f"{len(board.items_unaligned)} items serving no objective.",
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("Status, from the sub-groups' latest updates", styles["Heading2"]),
    ]
    rollup = [[p("Status"), p("Items")]] + [[p(label), p(str(n))] for _, label, n in board.locality.rollup()]
    story.append(Table(rollup, colWidths=[90 * mm, 25 * mm], style=GRID, hAlign="LEFT"))
    story += [Spacer(1, 4 * mm), Paragraph("Items", styles["Heading2"])]
    rows = [[p("Item"), p("Sub-group and leads"), p("Status"), p("Last update"), p("Risks")]]
    for row in board.items:
        leads = ", ".join(str(part.user) for part in row.leads) or "no lead"
        rows.append(
            [
                p(row.item.title),
                p(f"{row.subgroup.name} ({leads})" if row.subgroup else "No sub-group"),
                p(row.status_label),
                p(row.updated_at.strftime("%d/%m/%Y") if row.updated_at else "none yet"),
                p("; ".join(row.risk_labels) or "none"),
            ]
        )
    if len(rows) == 1:
        rows.append([p("No items yet."), p(""), p(""), p(""), p("")])
    story.append(Table(rows, colWidths=[45 * mm, 40 * mm, 25 * mm, 22 * mm, 48 * mm], style=GRID, repeatRows=1))
    story += [Spacer(1, 4 * mm), Paragraph("Alignment with strategies", styles["Heading2"])]
    alignment = [[p("Objective"), p("Items serving it")]]
    for matrix_row in board.matrix:
        served = [
            f"{board.items[i].item.title}: {cell.note}" for i, cell in enumerate(matrix_row.cells) if cell is not None
        ]
        objective = matrix_row.objective
        alignment.append([p(f"{objective.strategy.title} — {objective}"), p("; ".join(served) or "GAP: no item")])
    if len(alignment) == 1:
        alignment.append([p("No strategies recorded yet."), p("")])
    story.append(Table(alignment, colWidths=[80 * mm, 100 * mm], style=GRID, repeatRows=1))
    if board.items_unaligned:
        names = ", ".join(row.item.title for row in board.items_unaligned)
        story.append(p(f"Items serving no recorded objective: {names}.", body))
    story += [Spacer(1, 4 * mm), Paragraph("Engagement", styles["Heading2"])]
    attendance = [[p("Workshop"), p("Date"), p("Members who came")]]
    for point in board.engagement.attendance:
        came = f"{point.attended} of {point.members} ({point.percent}%)" if point.percent is not None else "not taken"
        attendance.append([p(point.workshop.title), p(f"{point.day:%d/%m/%Y}"), p(came)])
    if len(attendance) == 1:
        attendance.append([p("No workshops held yet."), p(""), p("")])
    story.append(Table(attendance, colWidths=[90 * mm, 25 * mm, 45 * mm], style=GRID, repeatRows=1))
    missing = board.locality.missing_sectors
    if missing:
        from collab.models import Sector

        story.append(
            p("Sectors the plan needs with nobody active: " + ", ".join(Sector(s).label for s in missing) + ".", body)
        )
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{collaborative.name}: action plan progress",
        author=collaborative.name,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(story)
    return buffer.getvalue()
