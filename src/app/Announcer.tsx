import { useAppStore } from "../store";

/**
 * The polite live region behind `announce(...)`: always present and visually hidden. Each announcement is a new
 * element (keyed by its id), so the same words said twice are heard twice. It sits beside the pages, outside the
 * part a dialog makes inert, so announcements made while a dialog is open are heard too.
 */
export function Announcer() {
  const announcement = useAppStore((state) => state.announcement);
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" aria-label="Announcements">
      {announcement && <span key={announcement.id}>{announcement.text}</span>}
    </div>
  );
}
