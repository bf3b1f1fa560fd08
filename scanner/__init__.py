"""modelclear: license and IP clearance for machine-learning models on the Hugging Face Hub."""

__version__ = "0.1.0"
