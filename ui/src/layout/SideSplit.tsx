import type { ReactNode } from "react";
import { Group, Panel, Separator, usePanelRef } from "react-resizable-panels";

/** A pane beside the main content (the servers sidebar, the branch tree): resized by dragging,
 *  its width in pixels reported after each drag so it can be remembered, and hidden when
 *  folded away. */
export function SideSplit(props: {
  className: string;
  side: {
    id: string;
    className: string;
    /** Width in pixels to start with. */
    width: number;
    limits: { min: number; max: number };
    /** The resize handle's accessible name. */
    handleLabel: string;
    content: ReactNode;
  };
  hidden: boolean;
  onWidth: (px: number) => void;
  main: { id: string; className: string; minSize: number };
  children: ReactNode;
}) {
  const { side, main } = props;
  const sidePanel = usePanelRef();
  return (
    <Group
      className={props.className}
      orientation="horizontal"
      onLayoutChanged={(_, meta) => {
        const px = sidePanel.current?.getSize().inPixels;
        if (meta.isUserInteraction && px) props.onWidth(px);
      }}
    >
      {!props.hidden && (
        <Panel
          id={side.id}
          panelRef={sidePanel}
          defaultSize={side.width}
          minSize={side.limits.min}
          maxSize={side.limits.max}
          groupResizeBehavior="preserve-pixel-size"
          className={side.className}
        >
          {side.content}
        </Panel>
      )}
      {!props.hidden && <Separator className="split-handle" aria-label={side.handleLabel} />}
      <Panel id={main.id} className={main.className} minSize={main.minSize}>
        {props.children}
      </Panel>
    </Group>
  );
}
