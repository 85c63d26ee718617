import { api, targetPath } from './api.js';

// Drain, maintenance, ready, weight: asked for with a confirmation. The page does not guess the
// outcome: the row changes when the event stream says the change happened.

const WORDS = {
  drain: 'Drain {t}? It finishes its open connections and gets no new ones.',
  maint: 'Put {t} in maintenance? It gets no new connections.',
  ready: 'Make {t} ready? It gets new connections again (when healthy).',
  weight: 'New weight for {t}:',
};

export class Actions {
  constructor(doc, toast) {
    this.dialog = doc.getElementById('confirm');
    this.text = doc.getElementById('confirm-text');
    this.weightLabel = doc.getElementById('weight-label');
    this.weightInput = doc.getElementById('weight-input');
    this.toast = toast;
  }

  confirm(action, target) {
    this.text.textContent = WORDS[action].replace('{t}', `${target.id} (pool ${target.pool})`);
    this.weightLabel.hidden = action !== 'weight';
    this.weightInput.value = String(target.data.weight);
    this.dialog.returnValue = '';
    return new Promise((resolve) => {
      this.dialog.addEventListener(
        'close',
        () =>
          resolve(
            this.dialog.returnValue === 'ok'
              ? action === 'weight'
                ? { weight: Number(this.weightInput.value) }
                : { state: action }
              : null,
          ),
        { once: true },
      );
      this.dialog.showModal();
      if (action === 'weight') this.weightInput.select();
    });
  }

  async run(action, target) {
    const body = await this.confirm(action, target);
    if (!body) return;
    target.row.classList.add('pending');
    try {
      await api('PATCH', targetPath(target.pool, target.id), body);
      this.toast(`${target.id}: ${action} asked; waiting for the change…`, 'info');
    } catch (e) {
      this.toast(`${target.id}: ${action} refused: ${e.message}`, 'bad');
    } finally {
      setTimeout(() => target.row.classList.remove('pending'), 1500);
    }
  }
}
