"""Figure functions: take Datasets, return matplotlib Figures (labels from the Dataset attrs)."""
