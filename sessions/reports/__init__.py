"""Follow-up reports: queries.py says what each lists, views.py renders it (page, printable,
CSV), urls.py mounts them; templates in templates/sessions/reports/."""
