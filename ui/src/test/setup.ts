import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";
import { layout, LAYOUT_STORAGE_KEY } from "../layout/layoutStore";
import { clearQueryClients } from "./render";

// Tests wait on conditions (findBy*, waitFor), never on time. On a loaded machine (parallel
// builds, two cores) a condition can take seconds to hold: give it that long. A passing wait
// still returns as soon as its condition holds.
configure({ asyncUtilTimeout: 15_000 });

// jsdom has no layout, so no ResizeObserver: the resizable panels observe sizes that never change.
if (!("ResizeObserver" in globalThis)) {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}

// Tests that copy put a fake clipboard on navigator: take it away again.
const clipboard = Object.getOwnPropertyDescriptor(navigator, "clipboard");

afterEach(() => {
  cleanup();
  clearQueryClients();
  // Each test starts with the default layout.
  localStorage.removeItem(LAYOUT_STORAGE_KEY);
  layout.reload();
  if (clipboard) Object.defineProperty(navigator, "clipboard", clipboard);
  else Reflect.deleteProperty(navigator, "clipboard");
});
