"""Train nanogpt-dag to predict executable arithmetic DAGs from text."""
