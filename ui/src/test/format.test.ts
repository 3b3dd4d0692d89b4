import { describe, expect, it } from "vitest";
import { connectionSummary, formatTestSuccess } from "../format";

describe("format helpers", () => {
  it("summarises a connection as user@host:port/database", () => {
    expect(
      connectionSummary({ host: "db", port: 5433, user: "u", database: "d", sslmode: "prefer", sslrootcert: null }),
    ).toBe("u@db:5433/d");
    expect(
      connectionSummary({ host: "::1", port: 5432, user: "", database: "", sslmode: "prefer", sslrootcert: null }),
    ).toBe("[::1]:5432");
  });

  it("formats a test success", () => {
    expect(formatTestSuccess({ server_version: "16.2", latency_ms: 12.4 })).toBe("Connected — PostgreSQL 16.2 (12 ms)");
    expect(formatTestSuccess({ server_version: "PostgreSQL 18.4", latency_ms: 3 })).toBe(
      "Connected — PostgreSQL 18.4 (3 ms)",
    );
  });
});
