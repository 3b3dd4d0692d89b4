import { focusManager, QueryClient } from "@tanstack/react-query";

/**
 * The app's query cache. A failed request is not retried behind the user's back: the error is
 * shown at once with a Retry button, as before TanStack Query.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false },
      mutations: { retry: false },
    },
  });
}

/**
 * Queries refetch when the window comes back to the front. TanStack Query only watches
 * `visibilitychange`, which a desktop window covered by another one never fires: follow the
 * window's focus and blur too (others change the tree: the CLI, colleagues on a shared server).
 */
export function followWindowFocus(): void {
  focusManager.setEventListener((setFocused) => {
    const onFocus = () => setFocused(true);
    const onBlur = () => setFocused(false);
    const onVisibility = () => setFocused(document.visibilityState === "visible");
    window.addEventListener("focus", onFocus);
    window.addEventListener("blur", onBlur);
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      window.removeEventListener("focus", onFocus);
      window.removeEventListener("blur", onBlur);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  });
}
