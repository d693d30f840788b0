"""Output: flat tables, file formats (csv xlsx json md html), the terminal (Rich, and the plain text of a pipe as Rich lays it out), safe files."""
