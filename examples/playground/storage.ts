/**
 * Keeping a trained model: as files (safetensors weights and the config JSON, downloaded and read
 * back through a file input) or in the browser's IndexedDB.
 */
export interface SavedModel {
  config: unknown;
  weights: Uint8Array;
}

export const WEIGHTS_FILE = 'mnist-cnn.safetensors';
export const CONFIG_FILE = 'mnist-cnn.config.json';

export function download(model: SavedModel): void {
  save(new Blob([model.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), WEIGHTS_FILE);
  save(new Blob([JSON.stringify(model.config, null, 2)], { type: 'application/json' }), CONFIG_FILE);
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // After the click has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The two files picked (in either order): the one ending in .json is the config. */
export async function readFiles(files: FileList): Promise<SavedModel & { source: string }> {
  const list = Array.from(files);
  const config = list.find((f) => f.name.endsWith('.json'));
  const weights = list.find((f) => f.name.endsWith('.safetensors'));
  if (!config || !weights || list.length !== 2)
    throw new Error(
      `loading a model: got ${list.map((f) => f.name).join(', ') || 'no files'}; expected two files, the weights (.safetensors) and the config (.json), as Save downloads them`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(await config.text());
  } catch (error) {
    throw new Error(
      `loading a model: ${config.name} is not JSON (${(error as Error).message}); expected the config file Save downloads`,
    );
  }
  return { config: parsed, weights: new Uint8Array(await weights.arrayBuffer()), source: weights.name };
}

const DB = 'tessera-playground';
const STORE = 'models';
const KEY = 'mnist-cnn';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = body(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export async function storeInBrowser(model: SavedModel): Promise<void> {
  await transact('readwrite', (store) =>
    store.put({ config: model.config, weights: model.weights, savedAt: Date.now() }, KEY),
  );
}

/** The model kept in IndexedDB, or null when none is. */
export async function loadFromBrowser(): Promise<(SavedModel & { savedAt: number }) | null> {
  const found = await transact('readonly', (store) => store.get(KEY));
  return (found as (SavedModel & { savedAt: number }) | undefined) ?? null;
}
