"""The application layer: what the commands and the channels call, between the pure core and storage.

``App`` (settings, database, scenario library, detector) is built once per run; ``LiveChat`` is
the seam where every channel meets the customer engine and the database; the rest are the
exam-day services (rubric files, rosters, grading, the results export, the analyser's evaluation).
"""
