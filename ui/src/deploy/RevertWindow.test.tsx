import { fireEvent, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, makeCommands } from "../test/mockApi";
import { render } from "../test/render";
import { formatWindow, parseWindow, RevertWindowSetting } from "./RevertWindowSetting";

function makeWindowCommands() {
  return {
    ...makeCommands(),
    deployRevertWindow: vi.fn<(server: string | null) => Promise<number>>(),
    deploySetRevertWindow: vi.fn<(server: string | null, secs: number) => Promise<number>>(),
  };
}

const api = vi.hoisted(() => ({ commands: {} as ReturnType<typeof makeWindowCommands> }));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async () => () => {},
}));

beforeEach(() => {
  api.commands = makeWindowCommands();
  api.commands.deployRevertWindow.mockResolvedValue(1800);
});

const byId = (id: string) => screen.getByTestId(id);

describe("the revert window setting", () => {
  it("shows the server's window and saves a new one in the unit chosen", async () => {
    api.commands.deploySetRevertWindow.mockResolvedValue(7200);
    render(<RevertWindowSetting server="c1" />);
    await waitFor(() => expect(byId("revert-window-value").textContent).toBe("30 min"));
    expect(api.commands.deployRevertWindow).toHaveBeenCalledWith("c1");
    fireEvent.click(byId("revert-window-edit"));
    expect((byId("revert-window-amount") as HTMLInputElement).value).toBe("30");
    expect((byId("revert-window-unit") as HTMLSelectElement).value).toBe("min");
    fireEvent.change(byId("revert-window-amount"), { target: { value: "2" } });
    fireEvent.change(byId("revert-window-unit"), { target: { value: "h" } });
    fireEvent.click(byId("revert-window-save"));
    await waitFor(() => expect(byId("revert-window-value").textContent).toBe("2 h"));
    expect(api.commands.deploySetRevertWindow).toHaveBeenCalledWith("c1", 7200);
  });

  it("refuses what is not a window, and shows the server's refusal", async () => {
    api.commands.deploySetRevertWindow.mockRejectedValue(apiError({ code: "invalid_input", message: "no catalog here" }));
    render(<RevertWindowSetting server={null} />);
    await waitFor(() => expect((byId("revert-window-edit") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(byId("revert-window-edit"));
    fireEvent.change(byId("revert-window-amount"), { target: { value: "0" } });
    expect(byId("revert-window-error").textContent).toBe("Enter a whole number greater than 0");
    expect((byId("revert-window-save") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(byId("revert-window-amount"), { target: { value: "31" } });
    fireEvent.change(byId("revert-window-unit"), { target: { value: "d" } });
    expect(byId("revert-window-error").textContent).toBe("The revert window can be at most 30 days");
    fireEvent.change(byId("revert-window-amount"), { target: { value: "3" } });
    fireEvent.click(byId("revert-window-save"));
    expect((await screen.findByTestId("revert-window-error")).textContent).toContain("no catalog here");
    expect(api.commands.deploySetRevertWindow).toHaveBeenCalledWith(null, 3 * 86400);
    fireEvent.click(byId("revert-window-cancel"));
    expect(byId("revert-window-value").textContent).toBe("30 min");
  });

  it("opens in the largest unit that divides the window", async () => {
    api.commands.deployRevertWindow.mockResolvedValue(2 * 86400);
    render(<RevertWindowSetting server="c1" />);
    await waitFor(() => expect(byId("revert-window-value").textContent).toBe("2 d"));
    fireEvent.click(byId("revert-window-edit"));
    expect((byId("revert-window-amount") as HTMLInputElement).value).toBe("2");
    expect((byId("revert-window-unit") as HTMLSelectElement).value).toBe("d");
  });

  it("formats and parses windows", () => {
    expect(formatWindow(90 * 60)).toBe("1 h 30 min");
    expect(formatWindow(45)).toBe("45 s");
    expect(formatWindow(36 * 3600)).toBe("1 d 12 h");
    expect(parseWindow("1.5", "h")).toEqual({ error: "Enter a whole number greater than 0" });
    expect(parseWindow("30", "d")).toEqual({ secs: 30 * 86400 });
  });
});
