// Placeholder; replaced by the curl engine.
