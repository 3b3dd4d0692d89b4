import type { Branch } from "../bindings/Branch";
import type { DeployCheck } from "../bindings/DeployCheck";
import type { DeployRequest } from "../bindings/DeployRequest";
import { ChevronIcon } from "../components/Icons";
import "./deploy.css";
import { DeployList } from "./DeployList";
import { DeployPage } from "./DeployPage";

/** Where the deploy area is: the server's list, or one request. */
export type DeployNav = { view: "list" } | { view: "request"; request: DeployRequest; check: DeployCheck | null };

interface Props {
  server: string | null;
  branches: Branch[];
  nav: DeployNav;
  now: number;
  onNav: (nav: DeployNav) => void;
  /** Back to the branches. */
  onExit: () => void;
}

/** Deploy requests, full width: a breadcrumb bar above the list or a request's review. */
export function DeployArea({ server, branches, nav, now, onNav, onExit }: Props) {
  const parentProtected = (r: DeployRequest) => branches.some((b) => b.name === r.parent && b.protected);
  return (
    <div className="dep-area" data-testid="deploy-area">
      <nav className="dep-crumbs" aria-label="Breadcrumb">
        <button type="button" className="button ghost small" id="deploy-exit" data-testid="deploy-exit" onClick={onExit}>
          <ChevronIcon size={11} className="dep-back" /> Branches
        </button>
        <span className="muted">/</span>
        {nav.view === "list" ? (
          <strong>Deploy requests</strong>
        ) : (
          <>
            <button type="button" className="button link" id="deploy-to-list" data-testid="deploy-to-list" onClick={() => onNav({ view: "list" })}>
              Deploy requests
            </button>
            <span className="muted">/</span>
            <strong>#{nav.request.id}</strong>
          </>
        )}
      </nav>
      {nav.view === "list" ? (
        <DeployList server={server} now={now} onOpen={(request) => onNav({ view: "request", request, check: null })} />
      ) : (
        <DeployPage
          key={nav.request.id}
          server={server}
          request={nav.request}
          check={nav.check}
          parentProtected={parentProtected(nav.request)}
          now={now}
        />
      )}
    </div>
  );
}
