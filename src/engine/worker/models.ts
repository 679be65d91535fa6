// The worker's loaded model: loaded on first use and reused by every later request for the same folder.
import { resolveLocation } from '../model/hfCache';
import { loadModel, type LoadOptions, type Model } from '../model/model';

export class ModelCache {
  private current: { dir: string; model: Promise<Model> } | undefined;

  /** `dir`: a model folder, or a Hugging Face repo id in the local cache */
  get(dir: string, opts: LoadOptions = {}): Promise<Model> {
    let key: string;
    try {
      key = resolveLocation(dir, 'Model');
    } catch (e) {
      this.dispose(); // as a failed load: the request named another model
      return Promise.reject(e);
    }
    if (this.current?.dir === key) return this.current.model;
    const previous = this.current;
    const model = loadModel(key, opts);
    this.current = { dir: key, model };
    // a failed or cancelled load is not kept: the next request tries again
    model.catch(() => {
      if (this.current?.model === model) this.current = undefined;
    });
    void previous?.model.then((m) => m.dispose()).catch(() => undefined); // its load already reported its own error
    return model;
  }

  dispose(): void {
    void this.current?.model.then((m) => m.dispose()).catch(() => undefined); // idem
    this.current = undefined;
  }
}
