/** Page-level errors (a failed REST call, a lost server), shown plainly above the layout. */
import { byId } from './dom.js';

export function showError(error: unknown): void {
  const banner = byId('banner');
  banner.textContent = error instanceof Error ? error.message : String(error);
  banner.hidden = false;
}

export function clearError(): void {
  const banner = byId('banner');
  banner.hidden = true;
  banner.textContent = '';
}
