import { useCallback, useEffect, useRef, useState } from "react";
import { commands, onOpProgress, type UnlistenFn } from "../api";
import type { BlockingSession } from "../bindings/BlockingSession";
import type { OnBusy } from "../bindings/OnBusy";
import type { Progress } from "../bindings/Progress";
import { newOpId } from "../branches";
import { formatError, isApiError } from "../errors";

/** A long operation in flight. */
export interface RunningOp {
  opId: string;
  /** What it does, e.g. "Creating “dev/alex” from “main”". */
  label: string;
  /** Date.now() when it was started (the elapsed time ticks from here). */
  startedAt: number;
  /** The latest progress report, null until the first one. */
  progress: Progress | null;
  cancelling: boolean;
}

/** A branch whose database must be free of other sessions for the operation. */
export interface SessionsOn {
  name: string;
  protected: boolean;
}

export interface BlockingRow extends BlockingSession {
  /** The branch (database) the session is connected to. */
  database: string;
}

/** The operation was refused because other sessions are connected. */
export interface Blocked {
  message: string;
  hint: string | null;
  sessions: BlockingRow[];
  /** Some of the sessions are on a protected branch: only "force" terminates them. */
  protectedNames: string[];
}

export interface OpRequest<T> {
  label: string;
  run: (onBusy: OnBusy, opId: string) => Promise<T>;
  /** Branches whose sessions can block the operation (looked up when it reports a conflict). */
  sessionsOn?: SessionsOn[];
  onDone: (value: T) => void;
}

export interface BranchOp {
  running: RunningOp | null;
  /** Looking up the blocking sessions after a conflict. */
  checking: boolean;
  error: string | null;
  /** Neutral outcome, e.g. the operation was cancelled. */
  notice: string | null;
  blocked: Blocked | null;
  busy: boolean;
  /** Runs an operation; "fail" unless retrying after a conflict. */
  start: <T>(req: OpRequest<T>, onBusy?: OnBusy) => Promise<void>;
  cancel: () => Promise<void>;
  /** Forgets the last outcome (error, notice, blocking sessions). */
  clear: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one branch operation at a time on `server`: a fresh op id per run, its progress
 * events, cancellation, and the "blocked by other sessions" flow.
 */
export function useBranchOp(server: string | null): BranchOp {
  const [running, setRunning] = useState<RunningOp | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [blocked, setBlocked] = useState<Blocked | null>(null);
  const runningRef = useRef<RunningOp | null>(null);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const update = useCallback((next: RunningOp | null) => {
    runningRef.current = next;
    if (alive.current) setRunning(next);
  }, []);

  const findBlocking = useCallback(
    async (on: SessionsOn[]): Promise<{ sessions: BlockingRow[]; protectedNames: string[] }> => {
      const results = await Promise.allSettled(on.map((b) => commands.blockingSessions(server, b.name)));
      const sessions: BlockingRow[] = [];
      const protectedNames: string[] = [];
      results.forEach((r, i) => {
        if (r.status !== "fulfilled" || r.value.length === 0) return;
        sessions.push(...r.value.map((s) => ({ ...s, database: on[i].name })));
        if (on[i].protected) protectedNames.push(on[i].name);
      });
      return { sessions, protectedNames };
    },
    [server],
  );

  const start = useCallback(
    async <T>(req: OpRequest<T>, onBusy: OnBusy = "fail") => {
      if (runningRef.current) return;
      const opId = newOpId();
      setError(null);
      setNotice(null);
      setBlocked(null);
      update({ opId, label: req.label, startedAt: Date.now(), progress: null, cancelling: false });

      let unlisten: UnlistenFn | undefined;
      try {
        unlisten = await onOpProgress((p) => {
          const cur = runningRef.current;
          if (p.op_id !== opId || cur?.opId !== opId) return;
          // Ticks during a long phase repeat it without its detail: keep what we know.
          const prev = cur.progress;
          const next =
            prev && prev.phase === p.progress.phase
              ? {
                  ...p.progress,
                  detail: p.progress.detail ?? prev.detail,
                  bytes_total: p.progress.bytes_total ?? prev.bytes_total,
                  copy: p.progress.copy ?? prev.copy,
                }
              : p.progress;
          update({ ...cur, progress: next });
        });
      } catch {
        // Not inside Tauri: no progress events, the elapsed time still ticks.
      }

      let outcome: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await req.run(onBusy, opId) };
      } catch (e) {
        outcome = { ok: false, error: e };
      } finally {
        unlisten?.();
        update(null);
      }
      if (!alive.current) return;

      if (outcome.ok) {
        req.onDone(outcome.value);
        return;
      }
      const e = outcome.error;
      if (isApiError(e) && e.code === "cancelled") {
        setNotice("Cancelled. Nothing was changed.");
        return;
      }
      if (isApiError(e) && e.code === "conflict" && req.sessionsOn && req.sessionsOn.length > 0) {
        setChecking(true);
        const found = await findBlocking(req.sessionsOn);
        if (!alive.current) return;
        setChecking(false);
        if (found.sessions.length > 0) {
          setBlocked({ message: e.message, hint: e.hint, ...found });
          return;
        }
      }
      setError(formatError(e));
    },
    [findBlocking, update],
  );

  const cancel = useCallback(async () => {
    const cur = runningRef.current;
    if (!cur || cur.cancelling) return;
    update({ ...cur, cancelling: true });
    // The backend registers the op when the command starts running: a cancel that arrives
    // before that finds nothing, so try again for a little while.
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        if (await commands.cancelOperation(cur.opId)) return;
      } catch (e) {
        if (alive.current) setError(formatError(e));
        return;
      }
      await sleep(300);
      if (runningRef.current?.opId !== cur.opId) return;
    }
  }, [update]);

  const clear = useCallback(() => {
    setError(null);
    setNotice(null);
    setBlocked(null);
  }, []);

  return {
    running,
    checking,
    error,
    notice,
    blocked,
    busy: running !== null || checking,
    start,
    cancel,
    clear,
  };
}
