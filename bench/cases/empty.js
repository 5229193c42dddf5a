// Intentionally empty: a fresh process that loads one (empty) module, the baseline for import costs.
