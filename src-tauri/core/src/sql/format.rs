//! Writing result rows as CSV and JSON (export and `grove sql`).
//!
//! CSV follows RFC 4180 quoting with `\n` line ends (as PostgreSQL's COPY writes): NULL is an
//! empty unquoted field, the empty string is `""`.
//!
//! JSON keeps every value exact: booleans become true/false, integer, float and numeric values
//! JSON numbers with the server's digits (NaN and infinities stay strings), json and jsonb are
//! embedded as they are, everything else is the server's text as a string, NULL is null.
use super::ColumnInfo;
use std::fmt::Write as _;

/// Appends one CSV field.
pub fn csv_field(out: &mut String, value: Option<&str>) {
    let Some(v) = value else { return };
    if v.is_empty() || v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        for c in v.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Appends one CSV record and its line end.
pub fn csv_record<'a>(out: &mut String, values: impl IntoIterator<Item = Option<&'a str>>) {
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, v);
    }
    out.push('\n');
}

/// How a column's text becomes JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Bool,
    Number,
    Json,
    Text,
}

pub fn json_kind(type_oid: u32) -> JsonKind {
    match type_oid {
        16 => JsonKind::Bool,
        // int2, int4, int8, oid, float4, float8, numeric
        21 | 23 | 20 | 26 | 700 | 701 | 1700 => JsonKind::Number,
        // json, jsonb
        114 | 3802 => JsonKind::Json,
        _ => JsonKind::Text,
    }
}

/// Is `s` a JSON number (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`)?
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Appends a JSON string literal.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends one value as JSON.
pub fn json_value(out: &mut String, kind: JsonKind, value: Option<&str>) {
    let Some(v) = value else {
        out.push_str("null");
        return;
    };
    match kind {
        JsonKind::Bool if v == "t" => out.push_str("true"),
        JsonKind::Bool if v == "f" => out.push_str("false"),
        JsonKind::Number if is_json_number(v) => out.push_str(v),
        // Valid JSON from the server; line breaks in it can only be white space between
        // tokens, so dropping them keeps one row per line (NDJSON).
        JsonKind::Json => out.extend(v.chars().filter(|c| *c != '\n' && *c != '\r')),
        _ => json_string(out, v),
    }
}

/// Writes rows as JSON objects keyed by column name. Repeated names get a suffix (`id`, `id_2`)
/// so no value is lost.
pub struct JsonRows {
    keys: Vec<String>,
    kinds: Vec<JsonKind>,
}

impl JsonRows {
    pub fn new(columns: &[ColumnInfo]) -> Self {
        let mut seen = std::collections::HashSet::new();
        let keys = columns
            .iter()
            .map(|c| {
                let mut name = c.name.clone();
                let mut n = 1;
                while !seen.insert(name.clone()) {
                    n += 1;
                    name = format!("{}_{n}", c.name);
                }
                let mut k = String::new();
                json_string(&mut k, &name);
                k
            })
            .collect();
        JsonRows {
            keys,
            kinds: columns.iter().map(|c| json_kind(c.type_oid)).collect(),
        }
    }

    /// Appends `{"col": value, …}` (no line end).
    pub fn object(&self, out: &mut String, row: &[Option<String>]) {
        out.push('{');
        for (i, (key, kind)) in self.keys.iter().zip(&self.kinds).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(key);
            out.push(':');
            json_value(out, *kind, row.get(i).and_then(|v| v.as_deref()));
        }
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let mut s = String::new();
        csv_record(
            &mut s,
            [
                Some("a"),
                None,
                Some(""),
                Some("x,y"),
                Some("say \"hi\""),
                Some("l1\nl2"),
            ],
        );
        assert_eq!(s, "a,,\"\",\"x,y\",\"say \"\"hi\"\"\",\"l1\nl2\"\n");
    }

    #[test]
    fn json_numbers() {
        for ok in [
            "0",
            "-1",
            "1234567890.123456789012345",
            "1e+100",
            "1.5e-07",
            "-0",
        ] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "NaN",
            "Infinity",
            "-Infinity",
            "01",
            "1.",
            ".5",
            "1e",
            "",
            "-",
            "1 ",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn json_objects() {
        let col = |name: &str, oid| ColumnInfo {
            name: name.into(),
            type_name: String::new(),
            type_oid: oid,
            table_oid: None,
            column_attnum: None,
        };
        let w = JsonRows::new(&[
            col("id", 23),
            col("id", 1700),
            col("ok", 16),
            col("doc", 114),
            col("t", 25),
            col("f", 701),
        ]);
        let mut s = String::new();
        let row = |v: &[Option<&str>]| v.iter().map(|x| x.map(String::from)).collect::<Vec<_>>();
        w.object(
            &mut s,
            &row(&[
                Some("1"),
                Some("0.10"),
                Some("t"),
                Some("{\"a\":\n [1, 2]}"),
                Some("NULL \"q\"\t"),
                Some("NaN"),
            ]),
        );
        assert_eq!(
            s,
            r#"{"id":1,"id_2":0.10,"ok":true,"doc":{"a": [1, 2]},"t":"NULL \"q\"\t","f":"NaN"}"#
        );
        s.clear();
        w.object(&mut s, &row(&[None, None, None, None, None, None]));
        assert_eq!(
            s,
            r#"{"id":null,"id_2":null,"ok":null,"doc":null,"t":null,"f":null}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert!(parsed["t"].is_null());
    }
}
