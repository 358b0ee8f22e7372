//! Tests against the published format samples (never copied into the repository).
