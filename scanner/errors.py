"""Exception roots: the CLI maps each root to an exit code, so a stage raises only these."""


class ModelclearError(Exception):
    """Root of every error modelclear raises on purpose."""


class UsageError(ModelclearError):
    """The user asked for something impossible (bad id, bad option, bad policy file): exit 2."""


class ResourceError(ModelclearError):
    """Shipped data (rules/, policies/) is missing or broken: the installation is faulty, exit 1."""
