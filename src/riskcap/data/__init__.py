"""Lake, schemas, ingestion, EOD snapshot, data-quality gate and bundled data."""
