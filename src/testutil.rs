//! Test helpers shared by the unit tests of several modules.

use std::path::PathBuf;

/// `$LBTOP_FORMATS/<sub>` (fallback `../shared/formats` beside the crate), `None` when
/// absent. The published samples are never copied into the repository.
pub fn formats_dir(sub: &str) -> Option<PathBuf> {
    let base = std::env::var_os("LBTOP_FORMATS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/formats"),
        PathBuf::from,
    );
    let dir = base.join(sub);
    dir.is_dir().then_some(dir)
}
