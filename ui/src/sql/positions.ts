// The backend counts positions in characters (Unicode code points) of the script it was sent;
// the editor counts UTF-16 code units of its whole text. A run remembers which parts of the
// sent script came from where in the editor, so error positions can be mapped back.

/** A stretch of the sent script copied from the editor. UTF-16 offsets. */
export interface Segment {
  /** Where it starts in the sent script. */
  sentFrom: number;
  length: number;
  /** Where the same text starts in the editor. */
  editorFrom: number;
}

/** The script a run sent, and where its parts came from. */
export interface SentScript {
  text: string;
  segments: Segment[];
}

/** The UTF-16 offset in `text` of the code point at 0-based index `chars` (clamped to the end). */
export function charIndexToUtf16(text: string, chars: number): number {
  if (chars <= 0) return 0;
  let i = 0;
  let n = 0;
  while (i < text.length && n < chars) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    n++;
  }
  return i;
}

/** A script sent as is from the editor: `text` starts at editor offset `editorFrom`. */
export function plainScript(text: string, editorFrom: number): SentScript {
  return { text, segments: [{ sentFrom: 0, length: text.length, editorFrom }] };
}

/** `prefix + text + suffix`, where only `text` (at editor offset `editorFrom`) comes from the editor. */
export function wrappedScript(prefix: string, text: string, suffix: string, editorFrom: number): SentScript {
  return {
    text: prefix + text + suffix,
    segments: [{ sentFrom: prefix.length, length: text.length, editorFrom }],
  };
}

/** Maps a UTF-16 offset in the sent script to the editor; outside the segments, the nearest segment edge. */
export function mapSentOffset(sent: SentScript, offset: number): number | null {
  if (sent.segments.length === 0) return null;
  let best: { pos: number; dist: number } | null = null;
  for (const seg of sent.segments) {
    if (offset >= seg.sentFrom && offset <= seg.sentFrom + seg.length) {
      return seg.editorFrom + (offset - seg.sentFrom);
    }
    const dist = offset < seg.sentFrom ? seg.sentFrom - offset : offset - (seg.sentFrom + seg.length);
    const pos = offset < seg.sentFrom ? seg.editorFrom : seg.editorFrom + seg.length;
    if (!best || dist < best.dist) best = { pos, dist };
  }
  return best ? best.pos : null;
}

/**
 * Maps a server error position (1-based, in characters of the whole sent script) to an editor
 * offset (UTF-16, 0-based), or null without one.
 */
export function mapErrorPosition(sent: SentScript, position: number | null | undefined): number | null {
  if (position === null || position === undefined || position < 1) return null;
  return mapSentOffset(sent, charIndexToUtf16(sent.text, position - 1));
}

/** Maps a statement's range (character offset and length in the sent script) to the editor. */
export function mapStatementRange(
  sent: SentScript,
  charOffset: number,
  charLength: number,
): { from: number; to: number } | null {
  const from16 = charIndexToUtf16(sent.text, charOffset);
  const to16 = from16 + charIndexToUtf16(sent.text.slice(from16), charLength);
  const from = mapSentOffset(sent, from16);
  const to = mapSentOffset(sent, to16);
  return from === null || to === null ? null : { from, to: Math.max(from, to) };
}
