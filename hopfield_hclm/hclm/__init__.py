"""HCLM: entropy surrogates, information force, entropy flow and entropy-coefficient control."""
