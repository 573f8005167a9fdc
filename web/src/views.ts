/**
 * The page's views (Playground, Teams, Gallery, Settings, and a run's timeline): one shown at a
 * time, picked from the top bar. The tab of the shown view carries aria-current.
 */
import { byId } from './dom.js';

export type ViewName = 'playground' | 'teams' | 'gallery' | 'settings' | 'timeline';
const NAMES: ViewName[] = ['playground', 'teams', 'gallery', 'settings', 'timeline'];

const listeners = new Map<ViewName, () => void>();

/** Runs `handler` each time `view` is shown (to load fresh data). */
export function onShow(view: ViewName, handler: () => void): void {
  listeners.set(view, handler);
}

export function showView(view: ViewName): void {
  for (const name of NAMES) byId(`view-${name}`).hidden = name !== view;
  for (const tab of document.querySelectorAll<HTMLButtonElement>('#view-nav .view-tab')) {
    if (tab.dataset.view === view) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  byId('team-picker').hidden = view !== 'playground';
  listeners.get(view)?.();
}

export function wireViewTabs(): void {
  byId('view-nav').hidden = false;
  for (const tab of document.querySelectorAll<HTMLButtonElement>('#view-nav .view-tab')) {
    tab.addEventListener('click', () => showView(tab.dataset.view as ViewName));
  }
}
