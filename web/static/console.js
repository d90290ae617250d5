// Copy the reply as plain text (the agent pastes it into the shop's chat).
document.getElementById('copy')?.addEventListener('click', (event) => {
  const button = event.currentTarget;
  const text = document.getElementById('reply').textContent;
  navigator.clipboard.writeText(text).then(() => { button.textContent = button.dataset.done; });
});
