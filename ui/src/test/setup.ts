import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";
import { clearQueryClients } from "./render";

// Tests wait on conditions (findBy*, waitFor), never on time. On a loaded machine (parallel
// builds, two cores) a condition can take seconds to hold: give it that long. A passing wait
// still returns as soon as its condition holds.
configure({ asyncUtilTimeout: 15_000 });

// Tests that copy put a fake clipboard on navigator: take it away again.
const clipboard = Object.getOwnPropertyDescriptor(navigator, "clipboard");

afterEach(() => {
  cleanup();
  clearQueryClients();
  if (clipboard) Object.defineProperty(navigator, "clipboard", clipboard);
  else Reflect.deleteProperty(navigator, "clipboard");
});
