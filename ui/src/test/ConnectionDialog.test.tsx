import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionDialog } from "../components/ConnectionDialog";
import { apiError, saved } from "./mockApi";

const api = vi.hoisted(() => ({
  commands: {
    parseConnectionUri: vi.fn(),
    importEnvConnection: vi.fn(),
    testConnection: vi.fn(),
    saveConnection: vi.fn(),
  },
  onLocalStatus: vi.fn(),
}));
vi.mock("../api", () => api);

const byId = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} not found`);
  return el as HTMLInputElement;
};
const type = (id: string, value: string) => fireEvent.change(byId(id), { target: { value } });

function renderDialog(editing = null as ReturnType<typeof saved> | null) {
  const onClose = vi.fn();
  const onSaved = vi.fn();
  render(<ConnectionDialog editing={editing} onClose={onClose} onSaved={onSaved} />);
  return { onClose, onSaved };
}

beforeEach(() => {
  for (const fn of Object.values(api.commands)) fn.mockReset();
});

describe("ConnectionDialog", () => {
  it("validates name, host and port before saving", async () => {
    const { onSaved } = renderDialog();
    type("conn-port", "70000");
    fireEvent.click(byId("conn-save"));

    expect(await screen.findByTestId("conn-name-error")).toHaveProperty("textContent", "Name is required.");
    expect(screen.getByTestId("conn-host-error").textContent).toBe("Host is required.");
    expect(screen.getByTestId("conn-port-error").textContent).toMatch(/between 1 and 65535/);
    expect(api.commands.saveConnection).not.toHaveBeenCalled();
    expect(onSaved).not.toHaveBeenCalled();

    // Messages follow the input once shown.
    type("conn-name", "Prod");
    type("conn-host", "db");
    type("conn-port", "5433");
    expect(screen.queryByTestId("conn-name-error")).toBeNull();
    expect(screen.queryByTestId("conn-host-error")).toBeNull();
    expect(screen.queryByTestId("conn-port-error")).toBeNull();
  });

  it("rejects a non-numeric or zero port", async () => {
    renderDialog();
    type("conn-host", "db");
    type("conn-port", "0");
    fireEvent.click(byId("conn-test"));
    expect(await screen.findByTestId("conn-port-error")).toBeTruthy();
    type("conn-port", "54a");
    expect(screen.getByTestId("conn-port-error")).toBeTruthy();
    expect(api.commands.testConnection).not.toHaveBeenCalled();
  });

  it("shows the server's error returned by Test connection", async () => {
    api.commands.testConnection.mockRejectedValue(
      apiError({
        code: "auth_failed",
        message: 'password authentication failed for user "app"',
        sqlstate: "28P01",
      }),
    );
    renderDialog();
    type("conn-host", "db.example.com");
    type("conn-user", "app");
    type("conn-password", "wrong");
    fireEvent.click(byId("conn-test"));

    const box = await screen.findByTestId("conn-test-result");
    expect(box.getAttribute("data-status")).toBe("error");
    expect(box.textContent).toContain('password authentication failed for user "app"');
    expect(box.textContent).toContain("(SQLSTATE 28P01)");
    expect(api.commands.testConnection).toHaveBeenCalledWith(
      {
        name: "",
        fields: { host: "db.example.com", port: 5432, user: "app", database: "", sslmode: "prefer", sslrootcert: null },
        password: "wrong",
      },
      null,
    );
  });

  it("shows success of Test connection", async () => {
    api.commands.testConnection.mockResolvedValue({ server_version: "17.1", latency_ms: 8 });
    renderDialog();
    type("conn-host", "localhost");
    fireEvent.click(byId("conn-test"));
    const box = await screen.findByTestId("conn-test-result");
    expect(box.getAttribute("data-status")).toBe("ok");
    expect(box.textContent).toBe("Connected — PostgreSQL 17.1 (8 ms)");
  });

  it("parses a URI into the fields, and shows parse errors", async () => {
    api.commands.parseConnectionUri.mockResolvedValueOnce({
      fields: { host: "h.example", port: 6543, user: "bob", database: "inv", sslmode: "verify-full", sslrootcert: "/ca.pem" },
      password: "s3cret",
    });
    renderDialog();
    type("conn-uri", "postgresql://bob:s3cret@h.example:6543/inv?sslmode=verify-full&sslrootcert=/ca.pem");
    fireEvent.click(byId("conn-parse"));
    await waitFor(() => expect(byId("conn-host").value).toBe("h.example"));
    expect(byId("conn-port").value).toBe("6543");
    expect(byId("conn-user").value).toBe("bob");
    expect(byId("conn-password").value).toBe("s3cret");
    expect(byId("conn-database").value).toBe("inv");
    expect((byId("conn-sslmode") as unknown as HTMLSelectElement).value).toBe("verify-full");
    expect(byId("conn-sslrootcert").value).toBe("/ca.pem");

    api.commands.parseConnectionUri.mockRejectedValueOnce(
      apiError({ code: "invalid_input", message: "invalid connection URI: missing host" }),
    );
    type("conn-uri", "postgresql://");
    fireEvent.click(byId("conn-parse"));
    const msg = await screen.findByText("invalid connection URI: missing host");
    expect(msg.getAttribute("data-status")).toBe("error");
  });

  it("says when the environment has nothing to import", async () => {
    api.commands.importEnvConnection.mockResolvedValue(null);
    renderDialog();
    fireEvent.click(byId("conn-import-env"));
    expect(await screen.findByText("No DATABASE_URL or PG* variables found")).toBeTruthy();
  });

  it("shows the CA path only for verify-ca / verify-full", () => {
    renderDialog();
    expect(document.getElementById("conn-sslrootcert")).toBeNull();
    fireEvent.change(byId("conn-sslmode"), { target: { value: "verify-ca" } });
    expect(document.getElementById("conn-sslrootcert")).not.toBeNull();
  });

  it("edits with an empty password meaning 'keep the stored one'", async () => {
    const conn = saved();
    api.commands.saveConnection.mockResolvedValue(conn);
    const { onSaved } = renderDialog(conn);
    expect(byId("conn-name").value).toBe("Staging");
    expect(byId("conn-host").value).toBe("db.example.com");
    expect(byId("conn-password").value).toBe("");
    expect(byId("conn-password").placeholder).toBe("unchanged (stored in keychain)");

    fireEvent.click(byId("conn-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(conn));
    expect(api.commands.saveConnection).toHaveBeenCalledWith("c1", {
      name: "Staging",
      fields: conn.fields,
      password: null,
    });
  });

  it("shows save errors inside the dialog", async () => {
    api.commands.saveConnection.mockRejectedValue(apiError({ message: "keychain unavailable" }));
    const { onSaved } = renderDialog();
    type("conn-name", "X");
    type("conn-host", "h");
    fireEvent.click(byId("conn-save"));
    const err = await screen.findByTestId("conn-save-error");
    expect(err.textContent).toContain("keychain unavailable");
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("closes on Escape and on Cancel", () => {
    const { onClose } = renderDialog();
    fireEvent.keyDown(document, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
    fireEvent.click(byId("conn-cancel"));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
