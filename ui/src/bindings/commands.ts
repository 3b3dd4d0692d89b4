// Generated from src-tauri/src/commands.rs by `cargo test`. Do not edit.
import { invoke } from "@tauri-apps/api/core";
import type { ConnectionDraft } from "./ConnectionDraft";
import type { LocalStatus } from "./LocalStatus";
import type { ParsedUri } from "./ParsedUri";
import type { SavedConnection } from "./SavedConnection";
import type { TestResult } from "./TestResult";

export const commands = {
  /** The embedded local server's status (notices a server that died). */
  localStatus: () => invoke<LocalStatus>("local_status"),
  /** Starts the embedded local server (initialising it the first time). */
  localStart: () => invoke<LocalStatus>("local_start"),
  /** Stops the embedded local server. */
  localStop: () => invoke<LocalStatus>("local_stop"),
  /** Saved connections, by name. */
  listConnections: () => invoke<Array<SavedConnection>>("list_connections"),
  /** Parses a postgres:// URI or key=value string into fields (and its password, if any). */
  parseConnectionUri: (uri: string) => invoke<ParsedUri>("parse_connection_uri", { uri }),
  /** A connection from DATABASE_URL or PG* variables (with ~/.pgpass), or null. */
  importEnvConnection: () => invoke<ParsedUri | null>("import_env_connection"),
  /** Tests a draft; with an id and a null password, uses the stored password. */
  testConnection: (draft: ConnectionDraft, id: string | null) => invoke<TestResult>("test_connection", { draft, id }),
  /** Saves a new connection (id null) or updates one; the password goes to the OS keychain. */
  saveConnection: (id: string | null, draft: ConnectionDraft) => invoke<SavedConnection>("save_connection", { id, draft }),
  /** Removes a saved connection and its keychain entry. */
  removeConnection: (id: string) => invoke<null>("remove_connection", { id }),
  /** Tests a saved connection with its stored password. */
  testSavedConnection: (id: string) => invoke<TestResult>("test_saved_connection", { id }),
};

export const events = {
  /** payload: LocalStatus */
  localStatus: "local-status",
} as const;
