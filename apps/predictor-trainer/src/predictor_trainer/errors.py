"""Domain exceptions of the predictor trainer."""


class PredictorTrainerError(Exception):
    """Base class of every error the trainer raises on purpose."""


class TrainConfigError(PredictorTrainerError, ValueError):
    """A config file or `--key=value` override is unknown, malformed or inconsistent."""


class CheckpointError(PredictorTrainerError):
    """A checkpoint is missing, incomplete, or does not match the config."""
