"""A nanoGPT-style transformer with a DAG predictor head that learns executable arithmetic DAGs."""
