import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LOCAL_POLL_MS, useLocalServer } from "../hooks/useLocalStatus";
import { localStatus } from "./mockApi";

const api = vi.hoisted(() => ({
  commands: { localStatus: vi.fn(), localStart: vi.fn(), localStop: vi.fn() },
  onLocalStatus: vi.fn(),
}));
vi.mock("../api", () => api);

beforeEach(() => {
  vi.useFakeTimers();
  api.commands.localStatus.mockReset();
  api.onLocalStatus.mockReset();
  api.onLocalStatus.mockRejectedValue(new Error("not in Tauri"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("useLocalServer", () => {
  it("polls every 2 s while starting, and stops polling once running", async () => {
    api.commands.localStatus
      .mockResolvedValueOnce(localStatus({ state: "starting" }))
      .mockResolvedValueOnce(localStatus({ state: "starting" }))
      .mockResolvedValue(localStatus({ state: "running" }));
    const { result } = renderHook(() => useLocalServer());
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(result.current.status?.state).toBe("starting");
    expect(api.commands.localStatus).toHaveBeenCalledTimes(1);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(LOCAL_POLL_MS);
    });
    expect(api.commands.localStatus).toHaveBeenCalledTimes(2);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(LOCAL_POLL_MS);
    });
    expect(api.commands.localStatus).toHaveBeenCalledTimes(3);
    expect(result.current.status?.state).toBe("running");

    await act(async () => {
      await vi.advanceTimersByTimeAsync(LOCAL_POLL_MS * 3);
    });
    expect(api.commands.localStatus).toHaveBeenCalledTimes(3);
  });

  it("reports a failed status query", async () => {
    api.commands.localStatus.mockRejectedValue("Command local_status not found");
    const { result } = renderHook(() => useLocalServer());
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(result.current.status).toBeNull();
    expect(result.current.queryError).toBe("Command local_status not found");
  });
});
