"""Run capture: the fluent API, the background writer, notebook versions, environment."""
