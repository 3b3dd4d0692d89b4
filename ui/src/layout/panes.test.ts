import { afterEach, describe, expect, it } from "vitest";
import { currentPane, cyclePane, focusPane } from "./panes";

function page(withResults: boolean) {
  document.body.innerHTML = `
    <div id="branch-tree"><div role="treeitem" tabindex="-1">a</div><div role="treeitem" tabindex="0" id="sel">b</div></div>
    <div data-testid="sql-editor"><div class="cm-content" contenteditable="true" id="cm"></div></div>
    <div data-testid="sql-results">${withResults ? '<div data-testid="result-grid" tabindex="0" id="grid"></div>' : ""}</div>
    <button id="elsewhere">x</button>`;
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("pane focus (F6)", () => {
  it("cycles tree → editor → results → tree, and backwards", () => {
    page(true);
    expect(cyclePane()).toBe("tree");
    expect(document.activeElement?.id).toBe("sel");
    expect(cyclePane()).toBe("editor");
    expect(document.activeElement?.id).toBe("cm");
    expect(cyclePane()).toBe("results");
    expect(document.activeElement?.id).toBe("grid");
    expect(cyclePane()).toBe("tree");
    expect(cyclePane(true)).toBe("results");
    expect(currentPane()).toBe("results");
  });

  it("skips a pane that is not on screen and starts from outside any pane", () => {
    page(false);
    (document.getElementById("elsewhere") as HTMLElement).focus();
    expect(currentPane()).toBeNull();
    expect(cyclePane(true)).toBe("editor");
    expect(cyclePane()).toBe("tree");
    expect(focusPane("results")).toBe(false);
  });
});
