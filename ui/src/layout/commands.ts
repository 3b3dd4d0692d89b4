/** A command of the palette: a branch action, a navigation, a layout toggle. */
export interface Command {
  id: string;
  title: string;
  /** Shown in small type before the title ("Branch", "Go to", "View"). */
  group: string;
  /** The keyboard shortcut that does the same, as shown to the user. */
  shortcut?: string;
  /** Why it cannot run now; undefined when it can. */
  disabledReason?: string;
  run: () => void;
}

/**
 * How well `query` matches `text`: every character of the query in order (fuzzy), a better
 * score for matches at word starts and in a row; null when it does not match.
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase();
  if (q === "") return 0;
  const t = text.toLowerCase();
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const ch of q) {
    if (ch === " ") continue;
    const at = t.indexOf(ch, from);
    if (at < 0) return null;
    if (at === previous + 1) score += 3;
    if (at === 0 || /[\s/_\-.:]/.test(t[at - 1])) score += 2;
    score -= Math.min(at - from, 5) * 0.1;
    previous = at;
    from = at + 1;
  }
  if (t.includes(q)) score += 10;
  return score;
}

/** The commands matching the query, best first (the list order among equals). */
export function filterCommands(commands: Command[], query: string): Command[] {
  if (query.trim() === "") return commands;
  return commands
    .map((c, i) => ({ c, i, s: fuzzyScore(query, `${c.group} ${c.title}`) }))
    .filter((x): x is { c: Command; i: number; s: number } => x.s !== null)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.c);
}
