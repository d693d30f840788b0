"""Reports as data: facts per assignment, the listings' views, database-side totals, the weekly report."""
