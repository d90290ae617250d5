// The systems page: an admin confirms before a proposed status is set or dismissed.
// (A file of its own: the pages' Content-Security-Policy runs no inline script.)
document.querySelectorAll('form.proposal-form').forEach((form) => {
  form.addEventListener('submit', (event) => {
    const decision = event.submitter ? event.submitter.value : '';
    const question = decision === 'accept' ? form.dataset.confirmAccept : form.dataset.confirmDismiss;
    if (!window.confirm(question)) event.preventDefault();
  });
});
