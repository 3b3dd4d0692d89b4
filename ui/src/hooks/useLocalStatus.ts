import { useCallback, useEffect, useRef, useState } from "react";
import { commands, onLocalStatus, type UnlistenFn } from "../api";
import type { LocalStatus } from "../bindings/LocalStatus";
import { formatError } from "../errors";

export const LOCAL_POLL_MS = 2000;

export interface LocalServer {
  /** Last known status; null until the first answer. */
  status: LocalStatus | null;
  /** Set when local_status itself could not be queried. */
  queryError: string | null;
  /** Start/stop request in flight. */
  action: "start" | "stop" | null;
  /** Error returned by the last start/stop request. */
  actionError: string | null;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  refresh: () => Promise<void>;
}

/**
 * Tracks the embedded PostgreSQL server: queries it on mount, follows the
 * "local-status" event, and polls every 2 s while it is "starting".
 */
export function useLocalServer(): LocalServer {
  const [status, setStatus] = useState<LocalStatus | null>(null);
  const [queryError, setQueryError] = useState<string | null>(null);
  const [action, setAction] = useState<"start" | "stop" | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  // Incremented on every pushed event: answers to requests issued before a newer
  // event arrived are stale and must not overwrite it.
  const eventSeq = useRef(0);

  const refresh = useCallback((): Promise<void> => {
    const seq = eventSeq.current;
    return commands.localStatus().then(
      (s) => {
        if (seq === eventSeq.current) setStatus(s);
        setQueryError(null);
      },
      (e: unknown) => setQueryError(formatError(e)),
    );
  }, []);

  useEffect(() => {
    let disposed = false;
    let unlisten: UnlistenFn | undefined;
    onLocalStatus((s) => {
      eventSeq.current += 1;
      setStatus(s);
      setQueryError(null);
    })
      .then((fn) => {
        if (disposed) fn();
        else unlisten = fn;
      })
      .catch(() => {
        // Not running inside Tauri (e.g. plain `vite` dev in a browser): no events.
      });
    void refresh();
    return () => {
      disposed = true;
      unlisten?.();
    };
  }, [refresh]);

  const state = status?.state;
  useEffect(() => {
    if (state !== "starting") return;
    const timer = setInterval(() => void refresh(), LOCAL_POLL_MS);
    return () => clearInterval(timer);
  }, [state, refresh]);

  const run = useCallback(async (kind: "start" | "stop") => {
    const seq = eventSeq.current;
    setAction(kind);
    setActionError(null);
    try {
      const s = kind === "start" ? await commands.localStart() : await commands.localStop();
      if (seq === eventSeq.current) setStatus(s);
      setQueryError(null);
    } catch (e) {
      setActionError(formatError(e));
      void refresh();
    } finally {
      setAction(null);
    }
  }, [refresh]);

  const start = useCallback(() => run("start"), [run]);
  const stop = useCallback(() => run("stop"), [run]);

  return { status, queryError, action, actionError, start, stop, refresh };
}
