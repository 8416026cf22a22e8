"""CSV exports: streamed row by row, so a 100,000-row export holds one chunk in memory, with
every cell made safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each one character: a set lookup per cell
# Lines of CSV sent together: one chunk per row made the response's own work per chunk cost
# as much as writing the rows.
LINES_PER_CHUNK = 500


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe (the OWASP advice against CSV injection)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text and text[0] in FORMULA_FIRST:
        return "'" + text
    return text


class Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        # A byte-order mark so Excel reads the file as UTF-8.
        yield "\ufeff" + writer.writerow(header)
        chunk = []
        for row in rows:
            chunk.append(writer.writerow([safe_cell(cell) for cell in row]))
            if len(chunk) == LINES_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
