import { describe, expect, it } from "vitest";
import { formatError, isApiError } from "../errors";
import { apiError } from "./mockApi";

describe("formatError", () => {
  it("renders a bare ApiError message", () => {
    expect(formatError(apiError({ code: "unreachable", message: "connection refused" }))).toBe("connection refused");
  });

  it("renders detail, hint and SQLSTATE in order", () => {
    const e = apiError({
      code: "auth_failed",
      message: 'password authentication failed for user "app"',
      sqlstate: "28P01",
      detail: "Role has no password",
      hint: "Check the password",
    });
    expect(formatError(e)).toBe(
      'password authentication failed for user "app"\nDetail: Role has no password\nHint: Check the password\n(SQLSTATE 28P01)',
    );
  });

  it("skips empty optional parts", () => {
    expect(formatError(apiError({ message: "bad", detail: "", hint: "  ", sqlstate: "42000" }))).toBe(
      "bad\n(SQLSTATE 42000)",
    );
  });

  it("falls back to the code when the message is empty", () => {
    expect(formatError(apiError({ code: "invalid_input", message: "" }))).toBe("invalid_input");
  });

  it("handles strings, Errors and other values", () => {
    expect(formatError("Command local_status not found")).toBe("Command local_status not found");
    expect(formatError(new Error("kaboom"))).toBe("kaboom");
    expect(formatError({ message: "partial" })).toBe("partial");
    expect(formatError({ what: 1 })).toBe('{"what":1}');
    expect(formatError(undefined)).toBe("Unknown error");
    expect(formatError(42)).toBe("42");
  });

  it("recognises ApiError shapes", () => {
    expect(isApiError(apiError())).toBe(true);
    expect(isApiError({ message: "x" })).toBe(false);
    expect(isApiError(null)).toBe(false);
  });
});
