//! Pipeline benchmark: to be written.
fn main() {}
