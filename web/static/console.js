// The agent console's behaviour. Loaded as a file: the pages' CSP allows no
// inline script. Texts come from the page (data-* attributes), never from here.
'use strict';

const SCROLL_KEY = 'kgdiag-console-scroll';

// Copy: the async clipboard API where the page is a secure context; on plain
// HTTP (a LAN address) navigator.clipboard is undefined, so a hidden textarea
// and execCommand('copy'), which still works inside the click.
function copyByTextarea(text) {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.appendChild(area);
  area.select();
  let done = false;
  try {
    done = document.execCommand('copy');
  } finally {
    area.remove();
  }
  return done ? Promise.resolve() : Promise.reject(new Error('execCommand copy refused'));
}

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text).catch(() => copyByTextarea(text));
  }
  return copyByTextarea(text);
}

function copyReply() {
  const button = document.getElementById('copy');
  const reply = document.getElementById('reply');
  if (!button || !reply) return;
  const status = document.getElementById('copy-status');
  copyText(reply.textContent).then(() => {
    button.textContent = button.dataset.done;
    button.classList.add('done');
    if (status) status.textContent = button.dataset.done;
    window.setTimeout(() => {
      button.textContent = button.dataset.label;
      button.classList.remove('done');
    }, 4000);
  }, () => {
    if (status) status.textContent = button.dataset.failed;
    window.getSelection().selectAllChildren(reply);
  });
}

// Delegated: the answer panes are swapped in place after a manual result.
document.addEventListener('click', (event) => {
  if (event.target instanceof Element && event.target.closest('#copy')) copyReply();
});

// Ctrl+Enter (Cmd+Enter) diagnoses from any field of the form.
document.getElementById('diagnose-form')?.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    event.currentTarget.requestSubmit();
  }
});

// Alt+N: the next step still to do (its first button gets the focus).
function nextStep() {
  const steps = [...document.querySelectorAll('#checks > li.todo')];
  if (!steps.length) return;
  const here = steps.findIndex((li) => li.contains(document.activeElement));
  const step = steps[(here + 1) % steps.length];
  step.scrollIntoView({ block: 'center' });
  step.querySelector('button')?.focus({ preventScroll: true });
}

document.addEventListener('keydown', (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.code === 'KeyC') {
    event.preventDefault();
    copyReply();
  } else if (event.code === 'KeyN') {
    event.preventDefault();
    nextStep();
  }
});

// Priority: a live countdown to answer_by, and an overdue state once it passes.
function clock(seconds, days) {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n) => String(n).padStart(2, '0');
  const time = h || d ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
  return d ? `${days.replace('{n}', d)} ${time}` : time;
}

// The countdown runs on the server's clock: the page carries the server's now
// (data-now), and the browser's clock is used only for the time passed since,
// so a browser clock that is minutes off shows the same deadline as the server.
let ticking = 0;
function startCountdown() {
  window.clearInterval(ticking);
  const countdown = document.getElementById('countdown');
  const deadline = countdown ? Date.parse(countdown.dataset.deadline) : NaN;
  if (!countdown || Number.isNaN(deadline)) return;
  const serverNow = Date.parse(countdown.dataset.now);
  const offset = Number.isNaN(serverNow) ? 0 : serverNow - Date.now();
  const shown = document.createElement('b');
  shown.className = 'clock';
  countdown.prepend(shown, ' · ');
  const tick = () => {
    const left = (deadline - (Date.now() + offset)) / 1000;
    const late = left < 0;
    shown.textContent = (late ? countdown.dataset.overdue : countdown.dataset.left)
      .replace('{time}', clock(Math.abs(left), countdown.dataset.days));
    countdown.classList.toggle('overdue', late);
  };
  tick();
  ticking = window.setInterval(tick, 1000);
}
startCountdown();

// Recording a manual result: the answer panes are posted to /console/answer
// and swapped in place (same case, no reload, the scroll kept). Without fetch,
// or when the server answers anything but the panes, the form posts the page
// as it does without script, and the scroll is restored after the load.
function keepScroll() {
  const answer = document.getElementById('answer');
  sessionStorage.setItem(SCROLL_KEY, JSON.stringify({ case: answer?.dataset.case, y: window.scrollY }));
}

async function recordInPlace(form, submitter) {
  const panes = document.getElementById('answer-panes');
  const data = new FormData(form);
  if (submitter?.name) data.append(submitter.name, submitter.value);
  const y = window.scrollY;
  const step = submitter?.closest('li')?.id;
  panes.setAttribute('aria-busy', 'true');
  let html = null;
  try {
    const response = await fetch(panes.dataset.fragment, {
      method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'text/html' },
    });
    if (response.ok) html = await response.text();
  } catch (err) {
    html = null;
  }
  panes.setAttribute('aria-busy', 'false');
  if (html === null) {
    form.dataset.native = '1';
    keepScroll();
    form.requestSubmit(submitter);
    return;
  }
  panes.innerHTML = html;
  startCountdown();
  window.scrollTo(0, y);
  const status = document.getElementById('record-status');
  if (status) status.textContent = status.dataset.saved;
  // The focus goes to the next step still to do, else to the recorded result.
  const next = document.querySelector('#checks > li.todo button');
  const done = step && document.getElementById(step);
  if (next) {
    next.focus({ preventScroll: true });
  } else if (done) {
    done.tabIndex = -1;
    done.focus({ preventScroll: true });
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.id !== 'work') return;
  const panes = document.getElementById('answer-panes');
  if (form.dataset.native || !panes?.dataset.fragment || !window.fetch) {
    keepScroll();
    return;
  }
  event.preventDefault();
  recordInPlace(form, event.submitter);
});

const kept = sessionStorage.getItem(SCROLL_KEY);
if (kept) {
  sessionStorage.removeItem(SCROLL_KEY);
  const { case: ref, y } = JSON.parse(kept);
  const answer = document.getElementById('answer');
  if (answer && (ref === answer.dataset.case || !ref)) window.scrollTo(0, y);
}

// Switching language keeps the answer: the same case and evidence, posted
// again to the page in the other language (no second case is filed).
const langSwitch = document.getElementById('lang-switch');
langSwitch?.addEventListener('click', (event) => {
  const work = document.getElementById('work');
  if (!work) return;
  event.preventDefault();
  keepScroll();
  work.action = langSwitch.getAttribute('href');
  work.submit();
});

// Loading an example replaces the order and the words: ask before losing them.
document.getElementById('example-form')?.addEventListener('submit', (event) => {
  const filled = ['order-no', 'message', 'order', 'contact']
    .some((id) => document.getElementById(id)?.value.trim());
  if (filled && !window.confirm(event.currentTarget.dataset.confirm)) event.preventDefault();
});
