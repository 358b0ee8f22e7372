//! JSON helpers shared by the JSON formats (GCP, Azure).

use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(borrow)]
    records: Vec<&'a RawValue>,
}

/// Azure's export wrapper `{"records":[{…},{…}]}` on one line: the records' own JSON text,
/// borrowed from the line. `None` when the line is not such a wrapper.
pub fn records(line: &str) -> Option<Vec<&str>> {
    let t = line.trim_start();
    let head = t.get(..t.len().min(32))?;
    if !t.starts_with('{') || !head.contains("\"records\"") {
        return None;
    }
    let w: Wrapper<'_> = serde_json::from_str(t).ok()?;
    Some(w.records.into_iter().map(RawValue::get).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrapper() {
        let r = super::records(r#"{"records":[{"a":1}, {"b":"x"}]}"#).unwrap();
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":"x"}"#]);
        assert!(super::records(r#"{"a":1}"#).is_none());
        assert!(super::records(r#"{"records": nope"#).is_none());
    }
}
