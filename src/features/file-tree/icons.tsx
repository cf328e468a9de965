import { Icon } from "../../lib/icons";

// 16px line icons for the tree toolbar.

export function NewFileIcon() {
  return (
    <Icon>
      <path d="M9 1.5H4A1.5 1.5 0 0 0 2.5 3v10A1.5 1.5 0 0 0 4 14.5h3.5" />
      <path d="M9 1.5 12.5 5v3" />
      <path d="M9 1.5V5h3.5" />
      <path d="M12 10v5M9.5 12.5h5" />
    </Icon>
  );
}

export function NewFolderIcon() {
  return (
    <Icon>
      <path d="M8 13.5H2.5a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1h3.6l1.5 1.8h5.9a1 1 0 0 1 1 1V8" />
      <path d="M12 10v5M9.5 12.5h5" />
    </Icon>
  );
}

export function CollapseAllIcon() {
  return (
    <Icon>
      <path d="M4.5 2.5h8a1 1 0 0 1 1 1v8" />
      <rect x="2.5" y="4.5" width="9" height="9" rx="1" />
      <path d="M5 9h4" />
    </Icon>
  );
}
