//! Expression text PostgreSQL printed, made to parse back into the same expression. One case
//! is known not to: `col IN ('a', 'b')` on a `varchar` column prints as
//! `(col)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])`,
//! and a cast applied directly to `ARRAY[…]` casts each element instead when parsed
//! (`ARRAY[('a'::character varying)::text, …]`): a definition created from that text prints
//! differently (as pg_dump's output does when restored). Casting the array to its elements'
//! type first (`(ARRAY[…]::character varying[])::text[]`) parses as the original.

/// `expr` with each `(ARRAY['…'::X, …])::T[]` (all elements literals of one type X, T not X)
/// spelled `(ARRAY['…'::X, …]::X[])::T[]`. Text inside quotes is left alone.
pub fn stable_reparse(expr: &str) -> String {
    const OPEN: &str = "(ARRAY[";
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => i = skip_quoted(b, i),
            b'(' if expr[i..].starts_with(OPEN) => {
                let start = i + OPEN.len();
                let Some(end) = closing_bracket(b, start) else {
                    i += 1;
                    continue;
                };
                if let Some(ty) = common_literal_type(&expr[start..end]) {
                    let rest = &expr[end + 1..];
                    let outer = rest.strip_prefix(")::");
                    let same = outer.is_some_and(|o| {
                        o.strip_prefix(ty)
                            .and_then(|o| o.strip_prefix("[]"))
                            .is_some_and(|o| {
                                !o.starts_with(|c: char| {
                                    c.is_alphanumeric() || c == '_' || c == '['
                                })
                            })
                    });
                    if outer.is_some() && !same {
                        out.push_str(&expr[copied..end + 1]);
                        out.push_str("::");
                        out.push_str(ty);
                        out.push_str("[]");
                        copied = end + 1;
                    }
                }
                i = start;
            }
            _ => i += 1,
        }
    }
    out.push_str(&expr[copied..]);
    out
}

/// The index after the quoted text (`'…'` with `''`, `"…"` with `""`) starting at `i`.
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let q = b[i];
    // E'…' strings escape with backslashes.
    let escapes = q == b'\'' && i > 0 && (b[i - 1] == b'E' || b[i - 1] == b'e');
    let mut j = i + 1;
    while j < b.len() {
        if escapes && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if j + 1 < b.len() && b[j + 1] == q {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// The index of the `]` closing the bracket opened just before `start`.
fn closing_bracket(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = start;
    while j < b.len() {
        match b[j] {
            b'\'' | b'"' => {
                j = skip_quoted(b, j);
                continue;
            }
            b'[' | b'(' => depth += 1,
            b')' => depth = depth.checked_sub(1)?,
            b']' if depth == 0 => return Some(j),
            b']' => depth -= 1,
            _ => {}
        }
        j += 1;
    }
    None
}

/// When every element of `items` (`'…'::X, '…'::X`) is a string literal cast to one type X
/// (a plain type name, no parentheses), that type.
fn common_literal_type(items: &str) -> Option<&str> {
    let b = items.as_bytes();
    let mut ty: Option<&str> = None;
    let mut i = 0;
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] != b'\'' {
            return None;
        }
        i = skip_quoted(b, i);
        let rest = items[i..].strip_prefix("::")?;
        let len = rest.find(',').unwrap_or(rest.len());
        let t = rest[..len].trim_end();
        if t.is_empty() || t.contains(['(', ')', '\'', '[']) || ty.is_some_and(|x| x != t) {
            return None;
        }
        ty = Some(t);
        i += 2 + len;
        if i >= b.len() {
            return ty;
        }
        i += 1; // the comma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_in_list_of_varchar_literals_casts_the_array_first() {
        let def = "CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, \
                   'it''s'::character varying])::text[])))";
        assert_eq!(
            stable_reparse(def),
            "CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, \
             'it''s'::character varying]::character varying[])::text[])))"
        );
    }

    #[test]
    fn other_arrays_and_quoted_text_are_left_alone() {
        for s in [
            "CHECK ((a = ANY (ARRAY[1, 2])))",
            "CHECK (((s)::text = ANY ((ARRAY['a'::character varying, 'b'::text])::text[])))",
            "CHECK ((s = ANY ((ARRAY['a'::text, 'b'::text])::text[])))",
            "CHECK ((s = ANY (ARRAY[('a'::character varying)::text])))",
            "CHECK ((s <> '(ARRAY[''x''::character varying])::text[]'::text))",
            "CHECK ((s = ANY ((ARRAY[lower('a'::text)])::text[])))",
        ] {
            assert_eq!(stable_reparse(s), s);
        }
    }
}
