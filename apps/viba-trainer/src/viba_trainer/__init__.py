"""Learn Python -> Viba translation from an empty experience table, offline by default."""
