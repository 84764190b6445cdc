// Placeholder; replaced as the target fills in.
