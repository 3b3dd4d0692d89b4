import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import type { LocalStatus } from "../bindings/LocalStatus";
import { apiError, branch, localStatus, makeCommands, saved } from "./mockApi";
import { render } from "./render";

const api = vi.hoisted(() => ({
  commands: {} as ReturnType<typeof import("./mockApi").makeCommands>,
  onLocalStatus: vi.fn(),
  listener: null as null | ((s: LocalStatus) => void),
}));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: (h: (s: LocalStatus) => void) => api.onLocalStatus(h),
  onOpProgress: async () => () => {},
}));

beforeEach(() => {
  api.commands = makeCommands();
  api.listener = null;
  api.onLocalStatus.mockReset();
  api.onLocalStatus.mockImplementation(async (h: (s: LocalStatus) => void) => {
    api.listener = h;
    return () => {
      api.listener = null;
    };
  });
  api.commands.localStatus.mockResolvedValue(localStatus({ state: "stopped", port: null }));
  api.commands.listConnections.mockResolvedValue([
    saved(),
    saved({ id: "c2", name: "Analytics", has_password: false, fields: { ...saved().fields, host: "10.0.0.5" } }),
  ]);
});

describe("App sidebar", () => {
  it("lists the local server first, then saved connections", async () => {
    render(<App />);
    const items = await screen.findAllByTestId("connection-item");
    expect(items.map((i) => i.getAttribute("data-name"))).toEqual(["Staging", "Analytics"]);

    const list = screen.getByTestId("server-list");
    const first = list.querySelector(":scope > li");
    expect(first?.id).toBe("local-server");
    expect(first?.textContent).toContain("Local (embedded)");

    await waitFor(() => expect(document.getElementById("local-state")?.textContent).toBe("stopped"));
    expect(document.getElementById("local-version")?.textContent).toBe("18.4");
    const badge = document.getElementById("local-clone-mode")!;
    expect(badge.textContent).toContain("clone");
    expect(badge.getAttribute("title")).toBe("btrfs reflink supported");

    // Keychain marker only where a password is stored.
    expect(within(items[0]).queryByTestId("connection-has-password")).not.toBeNull();
    expect(within(items[1]).queryByTestId("connection-has-password")).toBeNull();
    expect(items[0].textContent).toContain("app@db.example.com:5432/shop");
  });

  it("follows local-status events and start/stop", async () => {
    api.commands.localStart.mockResolvedValue(localStatus({ state: "starting" }));
    render(<App />);
    await waitFor(() => expect(document.getElementById("local-state")?.textContent).toBe("stopped"));

    fireEvent.click(document.getElementById("local-start")!);
    await waitFor(() => expect(document.getElementById("local-state")?.textContent).toBe("starting"));
    expect(api.commands.localStart).toHaveBeenCalledTimes(1);

    act(() => api.listener?.(localStatus({ state: "running" })));
    expect(document.getElementById("local-state")?.textContent).toBe("running");
    expect(document.getElementById("local-stop")).not.toBeNull();

    act(() =>
      api.listener?.(
        localStatus({ state: "error", error: apiError({ message: "initdb failed", detail: "disk full" }) }),
      ),
    );
    expect(document.getElementById("local-state")?.textContent).toBe("error");
    expect(document.getElementById("local-server")?.textContent).toContain("Detail: disk full");
  });

  it("tests a saved connection and shows the result inline", async () => {
    api.commands.testSavedConnection
      .mockResolvedValueOnce({ server_version: "16.4", latency_ms: 21 })
      .mockRejectedValueOnce(apiError({ code: "unreachable", message: "could not connect: timeout" }));
    render(<App />);
    const [staging] = await screen.findAllByTestId("connection-item");

    fireEvent.click(within(staging).getByTestId("connection-test"));
    let result = await within(staging).findByTestId("connection-test-result");
    expect(result.getAttribute("data-status")).toBe("ok");
    expect(result.textContent).toBe("Connected — PostgreSQL 16.4 (21 ms)");
    expect(api.commands.testSavedConnection).toHaveBeenCalledWith("c1");

    fireEvent.click(within(staging).getByTestId("connection-test"));
    await waitFor(() =>
      expect(within(staging).getByTestId("connection-test-result").getAttribute("data-status")).toBe("error"),
    );
    result = within(staging).getByTestId("connection-test-result");
    expect(result.textContent).toBe("could not connect: timeout");
  });

  it("asks for confirmation inside the app before removing", async () => {
    api.commands.removeConnection.mockResolvedValue(null);
    render(<App />);
    const [staging] = await screen.findAllByTestId("connection-item");

    api.commands.listConnections.mockResolvedValue([saved({ id: "c2", name: "Analytics", has_password: false })]);
    fireEvent.click(within(staging).getByTestId("connection-remove"));
    expect(api.commands.removeConnection).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("confirm-remove"));

    await waitFor(() => expect(api.commands.removeConnection).toHaveBeenCalledWith("c1"));
    await waitFor(() =>
      expect(screen.getAllByTestId("connection-item").map((i) => i.getAttribute("data-name"))).toEqual(["Analytics"]),
    );
    await waitFor(() => expect(screen.queryByTestId("confirm-remove")).toBeNull());
  });

  it("opens the add dialog and adds the saved connection to the list", async () => {
    const created = saved({ id: "c3", name: "New one", has_password: false });
    api.commands.saveConnection.mockResolvedValue(created);
    render(<App />);
    await screen.findAllByTestId("connection-item");

    fireEvent.click(document.getElementById("add-connection")!);
    expect(document.getElementById("connection-dialog")).not.toBeNull();
    fireEvent.change(document.getElementById("conn-name")!, { target: { value: "New one" } });
    fireEvent.change(document.getElementById("conn-host")!, { target: { value: "db.example.com" } });
    api.commands.listConnections.mockResolvedValue([saved(), created]);
    fireEvent.click(document.getElementById("conn-save")!);

    await waitFor(() => expect(document.getElementById("connection-dialog")).toBeNull());
    await waitFor(() =>
      expect(screen.getAllByTestId("connection-item").map((i) => i.getAttribute("data-name"))).toEqual([
        "Staging",
        "New one",
      ]),
    );
    // The new connection is selected and shown in the main panel.
    expect(screen.getByTestId("connection-details").getAttribute("data-name")).toBe("New one");
  });

  it("shows a saved connection's header and its branch tree", async () => {
    api.commands.listBranches.mockResolvedValue([branch({ name: "main" }), branch({ name: "dev/alex", parent: "main" })]);
    render(<App />);
    const [staging] = await screen.findAllByTestId("connection-item");
    fireEvent.click(staging.querySelector(".item-name")!);
    const header = await screen.findByTestId("connection-details");
    expect(header.textContent).toContain("app@db.example.com:5432/shop");
    await waitFor(() =>
      expect(screen.getAllByTestId("branch-node").map((n) => n.getAttribute("data-name"))).toEqual(["main", "dev/alex"]),
    );
    expect(api.commands.listBranches).toHaveBeenCalledWith("c1");
    // The full details are one click away.
    expect(screen.queryByTestId("server-about")).toBeNull();
    fireEvent.click(screen.getByTestId("server-about-toggle"));
    expect(screen.getByTestId("server-about").textContent).toContain("password in keychain");
  });

  it("loads the local server's branches only while it runs", async () => {
    render(<App />);
    expect(await screen.findByTestId("branches-unavailable")).toBeTruthy();
    expect(api.commands.listBranches).not.toHaveBeenCalled();
    act(() => api.listener?.(localStatus({ state: "running" })));
    await waitFor(() => expect(api.commands.listBranches).toHaveBeenCalledWith(null));
  });

  it("opens the edit dialog prefilled", async () => {
    render(<App />);
    const [staging] = await screen.findAllByTestId("connection-item");
    fireEvent.click(within(staging).getByTestId("connection-edit"));
    expect((document.getElementById("conn-name") as HTMLInputElement).value).toBe("Staging");
    expect((document.getElementById("conn-password") as HTMLInputElement).placeholder).toBe(
      "unchanged (stored in keychain)",
    );
  });
});
