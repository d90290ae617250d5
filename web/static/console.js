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

document.getElementById('copy')?.addEventListener('click', copyReply);

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

const countdown = document.getElementById('countdown');
const deadline = countdown ? Date.parse(countdown.dataset.deadline) : NaN;
if (countdown && !Number.isNaN(deadline)) {
  const shown = document.createElement('b');
  shown.className = 'clock';
  countdown.prepend(shown, ' · ');
  const tick = () => {
    const left = (deadline - Date.now()) / 1000;
    const late = left < 0;
    shown.textContent = (late ? countdown.dataset.overdue : countdown.dataset.left)
      .replace('{time}', clock(Math.abs(left), countdown.dataset.days));
    countdown.classList.toggle('overdue', late);
  };
  tick();
  window.setInterval(tick, 1000);
}

// Recording a manual result posts the page: keep the agent where they were.
const work = document.getElementById('work');
const answer = document.getElementById('answer');
work?.addEventListener('submit', () => {
  sessionStorage.setItem(SCROLL_KEY, JSON.stringify({ case: answer.dataset.case, y: window.scrollY }));
});
const kept = sessionStorage.getItem(SCROLL_KEY);
if (kept) {
  sessionStorage.removeItem(SCROLL_KEY);
  const { case: ref, y } = JSON.parse(kept);
  if (answer && (ref === answer.dataset.case || !ref)) window.scrollTo(0, y);
}

// Switching language keeps the answer: the same case and evidence, posted
// again to the page in the other language (no second case is filed).
const langSwitch = document.getElementById('lang-switch');
if (work && langSwitch) {
  langSwitch.addEventListener('click', (event) => {
    event.preventDefault();
    sessionStorage.setItem(SCROLL_KEY, JSON.stringify({ case: answer.dataset.case, y: window.scrollY }));
    work.action = langSwitch.getAttribute('href');
    work.submit();
  });
}

// Loading an example replaces the order and the words: ask before losing them.
document.getElementById('example-form')?.addEventListener('submit', (event) => {
  const filled = ['order-no', 'message', 'order', 'contact']
    .some((id) => document.getElementById(id)?.value.trim());
  if (filled && !window.confirm(event.currentTarget.dataset.confirm)) event.preventDefault();
});
