/**
 * An `input_request` answered in place (protocol §1.6 step 4, §2.3): a labelled text box, a Send
 * button and a countdown to `timeout_at`. The server enforces the timeout; the countdown only
 * tells the human how long they have.
 */
import { h } from './dom.js';
import { formatCountdown } from './format.js';

export interface InputRequestView {
  element: HTMLElement;
  /** Who asked (the proxy's name), so the RunView knows which message is the answer. */
  source: string | undefined;
  focus(): void;
  /** Retires the form (answered, timed out or run over) and stops the countdown. */
  close(note: string): void;
}

let counter = 0;

export function renderInputRequest(
  request: { prompt: string; request_id?: string; source?: string; timeout_at?: string },
  answer: (response: string, requestId: string | undefined) => void,
): InputRequestView {
  const id = `input-${++counter}`;
  const field = h('textarea', { id, rows: 2, class: 'input-answer', required: true });
  const send = h('button', { type: 'submit' }, 'Answer');
  const countdown = h('span', { class: 'countdown', 'aria-live': 'off' });
  const form = h(
    'form',
    { class: 'input-request', 'aria-label': 'Input requested' },
    h('label', { for: id }, request.source ? `${request.source}: ${request.prompt}` : request.prompt),
    h('div', { class: 'composer-row' }, field, send),
    countdown,
  );
  const deadline = request.timeout_at ? Date.parse(request.timeout_at) : NaN;
  const tick = () => {
    if (Number.isNaN(deadline)) return;
    countdown.textContent = `${formatCountdown(deadline)} left to answer`;
    if (Date.now() >= deadline) view.close('Time is up: the server ends the run.');
  };
  const timer = Number.isNaN(deadline) ? undefined : window.setInterval(tick, 1000);

  const submit = () => {
    const response = field.value.trim();
    if (!response) return field.focus();
    answer(response, request.request_id);
    view.close('Answer sent.');
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  // Same keys as the task box: Enter answers, Shift+Enter breaks the line.
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });

  let open = true;
  const view: InputRequestView = {
    element: form,
    source: request.source,
    focus: () => field.focus(),
    close(note) {
      if (!open) return;
      open = false;
      window.clearInterval(timer);
      field.disabled = true;
      send.disabled = true;
      form.classList.add('closed');
      countdown.textContent = note;
    },
  };
  tick();
  return view;
}
