// Rendering for component tests: each render gets a fresh query cache (nothing is shared
// between tests), and a failed request fails at once (no retries).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render as rtlRender, type RenderOptions, type RenderResult } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";

const clients = new Set<QueryClient>();

export function testQueryClient(): QueryClient {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  clients.add(client);
  return client;
}

/** Renders `ui` inside a QueryClientProvider of its own (kept across `rerender`). */
export function render(ui: ReactElement, options: Omit<RenderOptions, "wrapper"> = {}): RenderResult & { client: QueryClient } {
  const client = testQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  return { ...rtlRender(ui, { ...options, wrapper }), client };
}

/** Drops every cache the tests of a file created (after each test, see setup.ts). */
export function clearQueryClients(): void {
  for (const c of clients) c.clear();
  clients.clear();
}
