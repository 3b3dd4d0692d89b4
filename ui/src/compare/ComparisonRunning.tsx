import { useEffect, useState } from "react";

/** The comparison in progress, with the time it has taken so far. */
export function ComparisonRunning({ from, to, hasResult }: { from: string; to: string; hasResult: boolean }) {
  // Shown from the moment the comparison starts until it answers.
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(started);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const seconds = Math.max(0, Math.floor((now - started) / 1000));
  return (
    <div className="cmp-running" data-testid="compare-running" role="status">
      <div className="cmp-running-text">
        {!hasResult && <span className="spinner small" />}
        <span>
          Reading the schemas of <strong>{from}</strong> and <strong>{to}</strong>…
          {seconds >= 2 && <span className="muted"> {seconds} s</span>}
        </span>
      </div>
      <div className="progress-track">
        <div className="progress-bar indeterminate" />
      </div>
    </div>
  );
}
