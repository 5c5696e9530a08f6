"""The report rendered to PDF by LibreOffice (headless, installed by the e2e step): every character of the
document reaches the PDF, drawn with embedded fonts among which a CJK one, every East Asian font the document
asks for resolves (fontconfig) to a font covering Chinese - no text falls back to missing glyphs - and no
placeholder remains."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from linli.indicators.report import BODY_FONT, HEADING1_FONT, HEADING2_FONT, TITLE_FONT, report_generate

needs = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("fc-match")),
    reason="LibreOffice, poppler-utils and fontconfig are installed by the e2e step",
)
# Runs with the browser tests (`make e2e`), after that step has installed LibreOffice.
pytestmark = pytest.mark.e2e


@needs
def test_report_pdf_has_every_glyph_and_no_placeholder(world, tmp_path: Path):
    import docx

    _data, content, _annex = report_generate(area_code="990102000000", year=timezone.localdate().year)
    source = tmp_path / "report.docx"
    source.write_bytes(content)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = tmp_path / "report.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    document = docx.Document(io.BytesIO(content))
    written = "".join(p.text for p in document.paragraphs)
    written += "".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    squeeze = re.compile(r"\s+")
    assert set(squeeze.sub("", written)) <= set(squeeze.sub("", text))  # every character reached the PDF
    assert "*" not in text and "\ufffd" not in text
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows)  # every font embedded
    assert any("CJK" in row for row in rows)
    chinese = set(subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout.split("\n"))
    families = {f.strip() for line in chinese for f in line.split(",")}
    for name in (TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT):
        match = subprocess.run(["fc-match", f"{name}:lang=zh-cn", "family"], capture_output=True, text=True).stdout
        assert set(match.strip().split(",")) & families, (name, match)
