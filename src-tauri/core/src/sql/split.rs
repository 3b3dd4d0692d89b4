//! Splits an editor script into statements the way psql does: `;` ends a statement only outside
//! quotes ('…', E'…', "…", $tag$…$tag$), comments (`--`, nested `/* */`), parentheses, and the
//! BEGIN … END body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC`.
//!
//! Offsets are kept so the server's error positions (1-based characters within the statement)
//! map back to the whole script.

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement {
    /// The statement as sent to the server: without the terminating `;`, leading white space,
    /// leading `--` comments or trailing white space. Block comments before it are kept (query
    /// hints live there).
    pub sql: String,
    /// Where `sql` starts in the script, in characters (0-based).
    pub char_offset: u32,
    /// Length of `sql` in characters.
    pub char_len: u32,
    /// Where `sql` starts in the script, in bytes.
    pub byte_offset: usize,
}

impl ScriptStatement {
    /// Maps a 1-based character position within this statement to one within the script.
    pub fn script_position(&self, position: u32) -> u32 {
        self.char_offset + position
    }
}

/// A lexical token; strings and comments are skipped over as whole units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// An unquoted word (keyword or identifier), byte range.
    Word(usize, usize),
    /// A quoted string, quoted identifier or dollar-quoted body.
    Quoted,
    LineComment,
    BlockComment,
    Open,
    Close,
    Semicolon,
    /// Any other character (operators, digits, punctuation).
    Other,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// A PostgreSQL lexer just precise enough to find statement boundaries.
struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str) -> Self {
        Lexer {
            s: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    /// Skips white space; returns the next token and its start, or None at the end.
    fn next(&mut self) -> Option<(usize, Tok)> {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
        let start = self.i;
        let c = *self.s.get(self.i)?;
        let tok = match c {
            b'-' if self.peek(1) == Some(b'-') => {
                while self.i < self.s.len() && self.s[self.i] != b'\n' {
                    self.i += 1;
                }
                Tok::LineComment
            }
            b'/' if self.peek(1) == Some(b'*') => {
                self.i += 2;
                let mut depth = 1;
                while self.i < self.s.len() && depth > 0 {
                    if self.s[self.i] == b'/' && self.peek(1) == Some(b'*') {
                        depth += 1;
                        self.i += 2;
                    } else if self.s[self.i] == b'*' && self.peek(1) == Some(b'/') {
                        depth -= 1;
                        self.i += 2;
                    } else {
                        self.i += 1;
                    }
                }
                Tok::BlockComment
            }
            b'\'' => {
                self.i += 1;
                self.skip_quoted(b'\'', false);
                Tok::Quoted
            }
            b'"' => {
                self.i += 1;
                self.skip_quoted(b'"', false);
                Tok::Quoted
            }
            b'$' => {
                if let Some(tag_end) = self.dollar_tag(self.i) {
                    let tag = &self.s[self.i..=tag_end];
                    self.i = tag_end + 1;
                    // The body runs to the same tag, or to the end of the script.
                    match find(&self.s[self.i..], tag) {
                        Some(p) => self.i += p + tag.len(),
                        None => self.i = self.s.len(),
                    }
                    Tok::Quoted
                } else {
                    // `$1` parameters and stray dollars.
                    self.i += 1;
                    while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    Tok::Other
                }
            }
            b'(' => {
                self.i += 1;
                Tok::Open
            }
            b')' => {
                self.i += 1;
                Tok::Close
            }
            b';' => {
                self.i += 1;
                Tok::Semicolon
            }
            c if is_ident_start(c) => {
                while self.i < self.s.len() && is_ident_char(self.s[self.i]) {
                    self.i += 1;
                }
                let word = &self.s[start..self.i];
                if self.peek(0) == Some(b'\'') && word.len() == 1 {
                    // E'…' takes backslash escapes; B'…', X'…', N'…' are plain strings.
                    let escapes = word[0].eq_ignore_ascii_case(&b'e');
                    self.i += 1;
                    self.skip_quoted(b'\'', escapes);
                    Tok::Quoted
                } else if (word == b"U" || word == b"u")
                    && self.peek(0) == Some(b'&')
                    && matches!(self.peek(1), Some(b'\'') | Some(b'"'))
                {
                    // U&'…' / U&"…": standard quoting rules.
                    let q = self.peek(1).unwrap_or(b'\'');
                    self.i += 2;
                    self.skip_quoted(q, false);
                    Tok::Quoted
                } else {
                    Tok::Word(start, self.i)
                }
            }
            c if c.is_ascii_digit() => {
                // Numbers, including 1e10 and 1.5: never start a string or a dollar quote.
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_alphanumeric()
                        || self.s[self.i] == b'.'
                        || self.s[self.i] == b'_')
                {
                    self.i += 1;
                }
                Tok::Other
            }
            _ => {
                self.i += 1;
                Tok::Other
            }
        };
        Some((start, tok))
    }

    /// Skips to just past the closing quote; a doubled quote is an escaped one.
    fn skip_quoted(&mut self, q: u8, backslash_escapes: bool) {
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if backslash_escapes && c == b'\\' {
                self.i += 2;
            } else if c == q {
                if self.peek(1) == Some(q) {
                    self.i += 2;
                } else {
                    self.i += 1;
                    return;
                }
            } else {
                self.i += 1;
            }
        }
        self.i = self.s.len();
    }

    /// If a dollar-quote opening tag (`$$` or `$tag$`) starts at `at`, the index of its closing `$`.
    fn dollar_tag(&self, at: usize) -> Option<usize> {
        let mut j = at + 1;
        if j < self.s.len() && self.s[j] != b'$' {
            if !is_ident_start(self.s[j]) {
                return None;
            }
            while j < self.s.len() && is_ident_char(self.s[j]) && self.s[j] != b'$' {
                j += 1;
            }
        }
        (j < self.s.len() && self.s[j] == b'$').then_some(j)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Tracks `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END` like psql does: inside
/// such a body, semicolons do not end the statement. CASE … END nests inside it.
#[derive(Default)]
struct BeginAtomic {
    first_words: Vec<String>,
    words_seen: usize,
    depth: u32,
}

impl BeginAtomic {
    fn word(&mut self, w: &str, paren_depth: u32) {
        if self.first_words.len() < 4 {
            self.first_words.push(w.to_ascii_lowercase());
        }
        self.words_seen += 1;
        let fw = |i: usize| self.first_words.get(i).map(String::as_str);
        let routine = |w: Option<&str>| matches!(w, Some("function") | Some("procedure"));
        let creating = fw(0) == Some("create")
            && (routine(fw(1))
                || (fw(1) == Some("or") && fw(2) == Some("replace") && routine(fw(3))));
        if !creating || paren_depth > 0 {
            return;
        }
        if w.eq_ignore_ascii_case("begin") {
            self.depth += 1;
        } else if w.eq_ignore_ascii_case("case") {
            if self.depth >= 1 {
                self.depth += 1;
            }
        } else if w.eq_ignore_ascii_case("end") && self.depth > 0 {
            self.depth -= 1;
        }
    }
}

/// Splits a script into statements. Empty statements and comment-only fragments are dropped.
pub fn split_statements(script: &str) -> Vec<ScriptStatement> {
    let mut out = Vec::new();
    let mut lex = Lexer::new(script);
    // Byte range of the current statement, and whether it has anything but comments.
    let mut start: Option<usize> = None;
    let mut end = 0usize;
    let mut content = false;
    let mut parens = 0u32;
    let mut atomic = BeginAtomic::default();
    // Character counting is incremental: chars up to `counted_bytes`.
    let mut counted_bytes = 0usize;
    let mut counted_chars = 0u32;
    let mut push = |start: usize, end: usize, out: &mut Vec<ScriptStatement>| {
        counted_chars += script[counted_bytes..start].chars().count() as u32;
        counted_bytes = start;
        let sql = &script[start..end];
        out.push(ScriptStatement {
            sql: sql.to_string(),
            char_offset: counted_chars,
            char_len: sql.chars().count() as u32,
            byte_offset: start,
        });
    };
    while let Some((at, tok)) = lex.next() {
        match tok {
            Tok::Semicolon if parens == 0 && atomic.depth == 0 => {
                if let (Some(s), true) = (start, content) {
                    push(s, end, &mut out);
                }
                start = None;
                content = false;
                atomic = BeginAtomic::default();
                continue;
            }
            // Leading line comments are not part of the statement (as in psql).
            Tok::LineComment if start.is_none() => continue,
            Tok::LineComment | Tok::BlockComment => {}
            Tok::Open => {
                parens += 1;
                content = true;
            }
            Tok::Close => {
                parens = parens.saturating_sub(1);
                content = true;
            }
            Tok::Word(a, b) => {
                atomic.word(&script[a..b], parens);
                content = true;
            }
            Tok::Quoted | Tok::Semicolon | Tok::Other => content = true,
        }
        if start.is_none() {
            start = Some(at);
        }
        end = lex.i;
    }
    if let (Some(s), true) = (start, content) {
        push(s, end, &mut out);
    }
    out
}

/// The unquoted words of a statement, lower-cased, outside strings and comments.
pub fn words(sql: &str) -> Vec<String> {
    let mut lex = Lexer::new(sql);
    let mut out = Vec::new();
    while let Some((_, tok)) = lex.next() {
        if let Tok::Word(a, b) = tok {
            out.push(sql[a..b].to_ascii_lowercase());
        }
    }
    out
}

/// Why a statement cannot run in the editor, if it cannot: COPY to or from the client needs
/// the COPY sub-protocol (psql's `\copy`), which an editor session does not speak.
pub fn unsupported(sql: &str) -> Option<String> {
    let w = words(sql);
    if w.first().map(String::as_str) != Some("copy") {
        return None;
    }
    let pairs = w.windows(2);
    for p in pairs {
        match (p[0].as_str(), p[1].as_str()) {
            ("from", "stdin") => {
                return Some(
                    "COPY … FROM STDIN is not supported in the SQL editor; use INSERT, or COPY from a file on the server".into(),
                )
            }
            ("to", "stdout") => {
                return Some(
                    "COPY … TO STDOUT is not supported in the SQL editor; run the query and export its result instead".into(),
                )
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(script: &str) -> Vec<String> {
        split_statements(script)
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    #[test]
    fn splits_simple_statements() {
        assert_eq!(
            sqls("SELECT 1; SELECT 2;\n\nSELECT 3"),
            ["SELECT 1", "SELECT 2", "SELECT 3"]
        );
        assert_eq!(sqls(";;  ;\n"), Vec::<String>::new());
        assert_eq!(sqls(""), Vec::<String>::new());
    }

    #[test]
    fn keeps_offsets_in_characters() {
        let script = "SELECT 'é';\n  SELECT 2 ;";
        let s = split_statements(script);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].char_offset, 0);
        assert_eq!(s[0].char_len, 10);
        assert_eq!(s[1].sql, "SELECT 2");
        // 'é' is one character but two bytes.
        assert_eq!(s[1].char_offset, 14);
        assert_eq!(s[1].byte_offset, 15);
        assert_eq!(&script[s[1].byte_offset..s[1].byte_offset + 8], "SELECT 2");
        assert_eq!(s[1].script_position(1), 15);
    }

    #[test]
    fn quotes_hide_semicolons() {
        assert_eq!(
            sqls("SELECT 'a;b', \"x;y\" FROM t; SELECT 'it''s;'"),
            ["SELECT 'a;b', \"x;y\" FROM t", "SELECT 'it''s;'"]
        );
        // A quoted identifier with a doubled quote.
        assert_eq!(
            sqls("SELECT 1 AS \"a\"\";\"; SELECT 2"),
            ["SELECT 1 AS \"a\"\";\"", "SELECT 2"]
        );
    }

    #[test]
    fn escape_strings() {
        // In E'…' a backslash escapes the quote; in a standard string it does not.
        assert_eq!(
            sqls(r"SELECT E'a\';b'; SELECT 'c\'; SELECT 3"),
            [r"SELECT E'a\';b'", r"SELECT 'c\'", "SELECT 3"]
        );
        assert_eq!(
            sqls(r"SELECT e'\\'; SELECT 2"),
            [r"SELECT e'\\'", "SELECT 2"]
        );
        // "name'…'" is not an escape string: only a lone E prefixes one.
        assert_eq!(
            sqls(r"SELECT U&'d\0061t;a'; SELECT 2"),
            [r"SELECT U&'d\0061t;a'", "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quotes() {
        let script = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
                      DO $body$ BEGIN RAISE NOTICE 'x;$$'; END $body$;\n\
                      SELECT $1, a$b$ FROM t; SELECT 4";
        assert_eq!(
            sqls(script),
            [
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "DO $body$ BEGIN RAISE NOTICE 'x;$$'; END $body$",
                "SELECT $1, a$b$ FROM t",
                "SELECT 4"
            ]
        );
        // An unterminated dollar quote runs to the end.
        assert_eq!(sqls("SELECT $x$ a; b"), ["SELECT $x$ a; b"]);
    }

    #[test]
    fn comments() {
        let script = "-- leading; comment\nSELECT 1 -- trailing; comment\n; /* block; /* nested; */ still */ SELECT 2; -- only a comment";
        assert_eq!(
            sqls(script),
            [
                "SELECT 1 -- trailing; comment",
                "/* block; /* nested; */ still */ SELECT 2"
            ]
        );
        assert_eq!(sqls("-- nothing\n/* at all */;"), Vec::<String>::new());
        // Division and minus are not comments.
        assert_eq!(sqls("SELECT 4/2-1; SELECT 2"), ["SELECT 4/2-1", "SELECT 2"]);
    }

    #[test]
    fn parentheses_and_begin_atomic() {
        assert_eq!(
            sqls("CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2); SELECT 3"),
            [
                "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)",
                "SELECT 3"
            ]
        );
        let f = "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT x;\nEND";
        assert_eq!(sqls(&format!("{f};\nSELECT f(1);")), [f, "SELECT f(1)"]);
        // A transaction's BEGIN is a statement of its own.
        assert_eq!(
            sqls("BEGIN; INSERT INTO t VALUES (1); END;"),
            ["BEGIN", "INSERT INTO t VALUES (1)", "END"]
        );
    }

    #[test]
    fn words_and_unsupported() {
        assert_eq!(
            words("SELECT 'from' AS \"stdin\" /* to stdout */ FROM t"),
            ["select", "as", "from", "t"]
        );
        assert!(unsupported("COPY t FROM STDIN").is_some());
        assert!(unsupported("copy (select 1) to stdout with csv").is_some());
        assert!(unsupported("COPY t TO '/tmp/x'").is_none());
        assert!(unsupported("SELECT 'copy from stdin'").is_none());
    }
}
