"""Dispatch suggestions learned from the city's own closed cases (智能派单).

- `features`: what a case says (text, place, source, time) as model input; pure.
- `model`: character n-gram TF-IDF + linear classifiers for the category and, given a category and
  the routing rule, the department; temperature-calibrated; thresholds for dispatching by itself.
- `metrics`: top-k accuracy, macro F1, calibration error, the coverage–precision curve.
- `shingles`: duplicate search by character shingles inside a place and time window.
Store access is in dashboard.store.suggest, the services in dashboard.services.suggest.
"""
