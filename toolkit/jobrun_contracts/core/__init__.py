"""The core: schemas in, violations out. The registry of APIs and operations, the validator, patterns,
formats, lifecycles, the packaged data, and the document parsers. Every other part builds on it."""
