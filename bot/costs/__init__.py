"""Cost data from FOCUS exports, team allocation, budgets, budget status and threshold alerts."""
