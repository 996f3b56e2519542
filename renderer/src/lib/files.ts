import { session } from './session.svelte.js';

/** Opens the system file chooser through the one file input of the app (App.svelte, data-testid open-file-input). */
export function openFilePicker(): void {
  document.querySelector<HTMLInputElement>('input[data-testid="open-file-input"]')?.click();
}

export async function openFromInput(input: HTMLInputElement): Promise<void> {
  const file = input.files?.[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  // Clear so choosing the same file again still fires a change event.
  input.value = '';
  await session.openFile(file.name, bytes);
}
