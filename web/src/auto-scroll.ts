/**
 * Keeps a scrolling log pinned to its end while new content arrives, unless the reader has
 * scrolled up to read something: then it leaves them where they are.
 */
export function autoScroll(element: HTMLElement): void {
  let pinned = true;
  element.addEventListener('scroll', () => {
    pinned = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
  });
  new MutationObserver(() => {
    if (pinned) element.scrollTop = element.scrollHeight;
  }).observe(element, { childList: true, subtree: true, characterData: true });
}
