"""What organisers write under content/ (YAML with line numbers, Vietnamese file:line errors) and the stored
bundle the functions read back with the same parsers."""
