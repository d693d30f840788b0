"""Output: flat tables, file formats (csv xlsx json md html), the terminal (the only Rich user), safe files."""
