// The queue page's copy buttons. Loaded as a file: the pages' CSP allows no
// inline script. Texts come from the page (data-* attributes), never from here.
'use strict';

// The async clipboard API where the page is a secure context; on plain HTTP
// navigator.clipboard is undefined, so the textarea's own selection and
// execCommand('copy'), which still works inside the click.
function copyFrom(area) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(area.value).catch(() => copyBySelection(area));
  }
  return copyBySelection(area);
}

function copyBySelection(area) {
  area.select();
  return document.execCommand('copy')
    ? Promise.resolve()
    : Promise.reject(new Error('execCommand copy refused'));
}

document.querySelectorAll('button.copy-backstop').forEach((button) => {
  button.addEventListener('click', () => {
    const area = document.getElementById(button.dataset.target);
    const status = button.parentElement.querySelector('.copy-status');
    if (!area) return;
    copyFrom(area).then(
      () => { if (status) status.textContent = button.dataset.done; },
      () => { if (status) status.textContent = button.dataset.failed; },
    );
  });
});
