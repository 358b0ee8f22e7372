use super::*;

#[test]
fn placeholder_compiles() {
    assert_eq!(parse("{").unwrap_err(), Reject("bad-json"));
}
