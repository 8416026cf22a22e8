"""The read-only JSON API (/api/v1/): the record and the published updates for programs, by the
same role and per-unit rules as the pages. On top of the apps, beside the root URLconf: it reads
both the record (sessions) and what members read (members), and nothing imports it."""
