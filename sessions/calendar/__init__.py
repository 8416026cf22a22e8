"""A personal iCalendar feed of sessions and due dates."""
