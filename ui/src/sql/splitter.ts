// Statement boundaries in an editor script, computed in the UI so that Ctrl/Cmd+Enter can send
// just the statement under the cursor. The rules follow the backend's splitter (and psql): `;`
// ends a statement only outside quotes ('…', E'…', "…", U&'…', $tag$…$tag$), comments (`--`,
// nested `/* */`), parentheses, and the BEGIN … END body of a CREATE FUNCTION|PROCEDURE …
// BEGIN ATOMIC. Offsets are UTF-16 code units, like CodeMirror positions.

/** One statement of a script. */
export interface StatementRange {
  /** Where the statement starts (its first token; leading `--` comments are not part of it). */
  from: number;
  /** Where it ends: after its last token, before the terminating `;` and trailing space. */
  to: number;
  /** After the terminating `;` when there is one, else `to`. */
  end: number;
}

type Tok = "word" | "quoted" | "line-comment" | "block-comment" | "open" | "close" | "semicolon" | "other";

const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
const isIdentStart = (c: string) => /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
const isIdentChar = (c: string) => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;
const isDigit = (c: string) => c >= "0" && c <= "9";

class Lexer {
  i = 0;
  constructor(private readonly s: string) {}

  private at(k: number): string {
    return this.s[this.i + k] ?? "";
  }

  /** Skips white space; the next token and where it starts, or null at the end. */
  next(): { start: number; tok: Tok } | null {
    const s = this.s;
    while (this.i < s.length && isSpace(s[this.i])) this.i++;
    if (this.i >= s.length) return null;
    const start = this.i;
    const c = s[this.i];
    let tok: Tok;
    if (c === "-" && this.at(1) === "-") {
      while (this.i < s.length && s[this.i] !== "\n") this.i++;
      tok = "line-comment";
    } else if (c === "/" && this.at(1) === "*") {
      this.i += 2;
      let depth = 1;
      while (this.i < s.length && depth > 0) {
        if (s[this.i] === "/" && this.at(1) === "*") {
          depth++;
          this.i += 2;
        } else if (s[this.i] === "*" && this.at(1) === "/") {
          depth--;
          this.i += 2;
        } else {
          this.i++;
        }
      }
      tok = "block-comment";
    } else if (c === "'" || c === '"') {
      this.i++;
      this.skipQuoted(c, false);
      tok = "quoted";
    } else if (c === "$") {
      const tagEnd = this.dollarTag(this.i);
      if (tagEnd !== null) {
        const tag = s.slice(this.i, tagEnd + 1);
        const close = s.indexOf(tag, tagEnd + 1);
        // The body runs to the same tag, or to the end of the script.
        this.i = close < 0 ? s.length : close + tag.length;
        tok = "quoted";
      } else {
        // `$1` parameters and stray dollars.
        this.i++;
        while (this.i < s.length && isDigit(s[this.i])) this.i++;
        tok = "other";
      }
    } else if (c === "(") {
      this.i++;
      tok = "open";
    } else if (c === ")") {
      this.i++;
      tok = "close";
    } else if (c === ";") {
      this.i++;
      tok = "semicolon";
    } else if (isIdentStart(c)) {
      while (this.i < s.length && isIdentChar(s[this.i])) this.i++;
      const word = s.slice(start, this.i);
      if (word.length === 1 && this.at(0) === "'") {
        // E'…' takes backslash escapes; B'…', X'…', N'…' are plain strings.
        this.i++;
        this.skipQuoted("'", word === "e" || word === "E");
        tok = "quoted";
      } else if ((word === "u" || word === "U") && this.at(0) === "&" && (this.at(1) === "'" || this.at(1) === '"')) {
        const q = this.at(1);
        this.i += 2;
        this.skipQuoted(q, false);
        tok = "quoted";
      } else {
        tok = "word";
      }
    } else if (isDigit(c)) {
      // Numbers (1e10, 1.5, 1_000) never start a string or a dollar quote.
      while (this.i < s.length && (/[A-Za-z0-9._]/.test(s[this.i]))) this.i++;
      tok = "other";
    } else {
      this.i++;
      tok = "other";
    }
    return { start, tok };
  }

  /** Skips to just past the closing quote; a doubled quote is an escaped one. */
  private skipQuoted(q: string, backslashEscapes: boolean) {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (backslashEscapes && c === "\\") {
        this.i += 2;
      } else if (c === q) {
        if (this.at(1) === q) {
          this.i += 2;
        } else {
          this.i++;
          return;
        }
      } else {
        this.i++;
      }
    }
    this.i = s.length;
  }

  /** If a dollar-quote opening tag (`$$` or `$tag$`) starts at `at`, the index of its closing `$`. */
  private dollarTag(at: number): number | null {
    const s = this.s;
    let j = at + 1;
    if (j < s.length && s[j] !== "$") {
      if (!isIdentStart(s[j])) return null;
      while (j < s.length && isIdentChar(s[j]) && s[j] !== "$") j++;
    }
    return j < s.length && s[j] === "$" ? j : null;
  }
}

/**
 * Tracks `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END`: inside such a body,
 * semicolons do not end the statement. CASE … END nests inside it.
 */
class BeginAtomic {
  private first: string[] = [];
  depth = 0;

  word(w: string, parens: number) {
    const lw = w.toLowerCase();
    if (this.first.length < 4) this.first.push(lw);
    const f = this.first;
    const routine = (x: string | undefined) => x === "function" || x === "procedure";
    const creating = f[0] === "create" && (routine(f[1]) || (f[1] === "or" && f[2] === "replace" && routine(f[3])));
    if (!creating || parens > 0) return;
    if (lw === "begin") this.depth++;
    else if (lw === "case") {
      if (this.depth >= 1) this.depth++;
    } else if (lw === "end" && this.depth > 0) this.depth--;
  }
}

/** Splits a script into statements; empty statements and comment-only fragments are dropped. */
export function splitStatements(script: string): StatementRange[] {
  const out: StatementRange[] = [];
  const lex = new Lexer(script);
  let start: number | null = null;
  let last = 0;
  let content = false;
  let parens = 0;
  let atomic = new BeginAtomic();
  for (let t = lex.next(); t !== null; t = lex.next()) {
    const { tok } = t;
    if (tok === "semicolon" && parens === 0 && atomic.depth === 0) {
      if (start !== null && content) out.push({ from: start, to: last, end: lex.i });
      start = null;
      content = false;
      atomic = new BeginAtomic();
      continue;
    }
    // Leading line comments are not part of the statement (as in psql).
    if (tok === "line-comment" && start === null) continue;
    if (tok === "open") parens++;
    else if (tok === "close") parens = Math.max(0, parens - 1);
    else if (tok === "word") atomic.word(script.slice(t.start, lex.i), parens);
    if (tok !== "line-comment" && tok !== "block-comment") content = true;
    if (start === null) start = t.start;
    last = lex.i;
  }
  if (start !== null && content) out.push({ from: start, to: last, end: last });
  return out;
}

/**
 * The statement Ctrl/Cmd+Enter runs for a cursor at `pos`: the one the cursor is in (or right
 * after, up to its `;`); in the space between two statements, the previous one while the cursor
 * is still on the line where it ended, else the next one (or the last one, past the end).
 */
export function statementAt(
  script: string,
  pos: number,
  statements: readonly StatementRange[] = splitStatements(script),
): StatementRange | null {
  if (statements.length === 0) return null;
  let prev: StatementRange | null = null;
  for (const s of statements) {
    if (pos >= s.from && pos <= s.end) return s;
    if (s.end <= pos) prev = s;
    else {
      // The first statement after the cursor.
      if (prev && !script.slice(prev.end, pos).includes("\n")) return prev;
      return s;
    }
  }
  return prev;
}

/** The 1-based line and column of a UTF-16 offset, for messages. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
