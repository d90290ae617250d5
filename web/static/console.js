// Copy the reply as plain text (the agent pastes it into the shop's chat).
document.getElementById('copy')?.addEventListener('click', (event) => {
  const button = event.currentTarget;
  const text = document.getElementById('reply').textContent;
  navigator.clipboard.writeText(text).then(() => { button.textContent = button.dataset.done; });
});

// Ctrl+Enter (Cmd+Enter) diagnoses from any field of the form.
document.getElementById('diagnose-form')?.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    event.currentTarget.requestSubmit();
  }
});
