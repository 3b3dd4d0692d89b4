import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LOCAL_POLL_MS, useLocalServer } from "../hooks/useLocalStatus";
import { localStatus } from "./mockApi";

const api = vi.hoisted(() => ({
  commands: { localStatus: vi.fn(), localStart: vi.fn(), localStop: vi.fn() },
  onLocalStatus: vi.fn(),
}));
vi.mock("../api", () => api);

/**
 * The hook's poll timer (the interval of LOCAL_POLL_MS), driven by the test instead of the
 * clock: `tick()` is one interval elapsing. Every other timer stays real.
 */
function capturePolls() {
  const polls = new Map<number, () => void>();
  let nextId = 1;
  const realSetInterval = globalThis.setInterval;
  const realClearInterval = globalThis.clearInterval;
  vi.spyOn(globalThis, "setInterval").mockImplementation(((handler: () => void, ms?: number, ...rest: unknown[]) => {
    if (ms !== LOCAL_POLL_MS) return realSetInterval(handler, ms, ...rest);
    const id = nextId++;
    polls.set(id, handler);
    return id;
  }) as typeof setInterval);
  vi.spyOn(globalThis, "clearInterval").mockImplementation(((id?: Parameters<typeof clearInterval>[0]) => {
    if (typeof id === "number" && polls.delete(id)) return;
    realClearInterval(id);
  }) as typeof clearInterval);
  return {
    active: () => polls.size,
    tick: () => act(() => polls.forEach((handler) => handler())),
  };
}

beforeEach(() => {
  for (const fn of Object.values(api.commands)) fn.mockReset();
  api.onLocalStatus.mockReset();
  api.onLocalStatus.mockRejectedValue(new Error("not in Tauri"));
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("useLocalServer", () => {
  it("polls every 2 s while starting, and stops polling once running", async () => {
    const polls = capturePolls();
    api.commands.localStatus
      .mockResolvedValueOnce(localStatus({ state: "starting" }))
      .mockResolvedValueOnce(localStatus({ state: "starting" }))
      .mockResolvedValue(localStatus({ state: "running" }));
    const { result } = renderHook(() => useLocalServer());
    await waitFor(() => expect(result.current.status?.state).toBe("starting"));
    expect(api.commands.localStatus).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(polls.active()).toBe(1));

    polls.tick();
    await waitFor(() => expect(api.commands.localStatus).toHaveBeenCalledTimes(2));
    polls.tick();
    await waitFor(() => expect(api.commands.localStatus).toHaveBeenCalledTimes(3));
    await waitFor(() => expect(result.current.status?.state).toBe("running"));

    // Running: the poll timer is gone, however much time passes.
    await waitFor(() => expect(polls.active()).toBe(0));
    polls.tick();
    polls.tick();
    polls.tick();
    expect(api.commands.localStatus).toHaveBeenCalledTimes(3);
  });

  it("reports a failed status query", async () => {
    api.commands.localStatus.mockRejectedValue("Command local_status not found");
    const { result } = renderHook(() => useLocalServer());
    await waitFor(() => expect(result.current.queryError).toBe("Command local_status not found"));
    expect(result.current.status).toBeNull();
  });
});
