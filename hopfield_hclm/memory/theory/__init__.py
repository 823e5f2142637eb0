"""Theory beside simulation: static mean-field, exact/approximate synchronous steps, DMFT."""
