// The worker's attribution sessions: one Attributor per (loaded model, transcoder folder), built on first trace and
// reused, so a warm worker traces without rebuilding its onnxruntime graphs.
import { resolveLocation } from '../model/hfCache';
import { Attributor } from '../attribution/attribute';
import { checkTranscodersFit, loadTranscoders, repoOfCachePath } from '../model/transcoders';
import type { Model } from '../model/model';
import { attributionModel } from '../trace';

export class AttributorCache {
  private current: { model: Model; dir: string; attributor: Promise<Attributor> } | undefined;

  /** `transcodersDir`: a folder, or a Hugging Face repo id in the local cache */
  get(model: Model, transcodersDir: string): Promise<Attributor> {
    let dir: string;
    try {
      dir = resolveLocation(transcodersDir, 'Transcoder set');
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.current?.model === model && this.current.dir === dir) return this.current.attributor;
    this.dispose();
    const attributor = (async () => {
      const tc = loadTranscoders(dir);
      try {
        checkTranscodersFit(tc, { ...model.config, name: repoOfCachePath(model.dir)?.repoId ?? model.dir });
        return await Attributor.create(attributionModel(model), tc);
      } catch (e) {
        tc.close();
        throw e;
      }
    })();
    this.current = { model, dir, attributor };
    attributor.catch(() => {
      if (this.current?.attributor === attributor) this.current = undefined;
    });
    return attributor;
  }

  dispose(): void {
    void this.current?.attributor
      .then((a) => {
        a.dispose();
        a.transcoders.close();
      })
      .catch(() => undefined); // its creation already reported its own error
    this.current = undefined;
  }
}
