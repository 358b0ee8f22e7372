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

/// `line` with `ins` spliced over `len` bytes at `pos` (both clamped down to char
/// boundaries): the mutation step of the parsers' never-panic property tests.
pub fn splice(line: &str, pos: usize, len: usize, ins: &str) -> String {
    let mut pos = pos.min(line.len());
    while !line.is_char_boundary(pos) {
        pos -= 1;
    }
    let mut end = (pos + len).min(line.len());
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}{}", &line[..pos], ins, &line[end..])
}

#[cfg(test)]
mod tests {
    #[test]
    fn splice_respects_char_boundaries() {
        assert_eq!(super::splice("abcdef", 2, 2, "XY"), "abXYef");
        assert_eq!(super::splice("abc", 10, 5, "!"), "abc!");
        // 'é' is two bytes: a cut inside it moves back to its start.
        assert_eq!(super::splice("aéb", 2, 0, "-"), "a-éb");
    }
}
