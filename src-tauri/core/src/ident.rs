//! The one place that turns names into SQL. Every identifier goes through `quote_ident`,
//! every literal through `quote_literal`; user text is never formatted into SQL otherwise.

/// PostgreSQL truncates identifiers longer than NAMEDATALEN-1 bytes; we refuse them instead.
pub const MAX_IDENT_BYTES: usize = 63;

/// Double-quote an identifier, doubling embedded quotes. Always quotes, so case and
/// characters like `/` survive exactly.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A standard-conforming string literal ('' for quotes). NUL cannot be represented, so it is
/// refused by callers before reaching here (see `validate_name`).
pub fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Checks a name that will become a PostgreSQL identifier (database, role).
pub fn validate_name(kind: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{kind} name is empty"));
    }
    if name.len() > MAX_IDENT_BYTES {
        return Err(format!(
            "{kind} name is {} bytes long; PostgreSQL allows at most {MAX_IDENT_BYTES} bytes",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{kind} name contains a control character (U+{:04X})",
            c as u32
        ));
    }
    if name.trim() != name {
        return Err(format!("{kind} name starts or ends with white space"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("dev/alex"), "\"dev/alex\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            quote_ident("x\"; DROP DATABASE y; --"),
            "\"x\"\"; DROP DATABASE y; --\""
        );
    }

    #[test]
    fn quotes_literals() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("\\"), "'\\'");
    }

    #[test]
    fn validates_names() {
        assert!(validate_name("branch", "dev/alex").is_ok());
        assert!(validate_name("branch", "é".repeat(31).as_str()).is_ok()); // 62 bytes
        assert!(validate_name("branch", "é".repeat(32).as_str()).is_err()); // 64 bytes
        assert!(validate_name("branch", "").is_err());
        assert!(validate_name("branch", "a\0b").is_err());
        assert!(validate_name("branch", " a").is_err());
    }
}
