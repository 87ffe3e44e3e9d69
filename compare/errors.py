"""The error every unusable data or configuration file raises (codebook, catalogue, noise
patterns, rules, templates' settings, docs_in/catalogue.yaml): the build refuses to start,
names the file and place, and the last good report stays."""


class DataError(ValueError):
    """A data or configuration file is unusable; the message names the file and the place."""
