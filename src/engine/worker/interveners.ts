// The worker's Intervener: built once for a (model, transcoder folder) pair and reused while both stay the same.
import * as path from 'node:path';
import { Intervener } from '../interventions/intervene';
import type { Model } from '../model/model';
import { loadTranscoders } from '../model/transcoders';

export class IntervenerCache {
  private current: { model: Model; dir: string; intervener: Promise<Intervener> } | undefined;

  get(model: Model, transcoderDir: string): Promise<Intervener> {
    const dir = path.resolve(transcoderDir);
    if (this.current?.model === model && this.current.dir === dir) return this.current.intervener;
    this.dispose();
    const intervener = (async () => {
      const tc = loadTranscoders(dir);
      try {
        return await Intervener.create({ config: model.config, weights: model.weights, forward: (ids, signal) => model.forward(ids, signal), decode: (id) => model.tokenizer.decode(id) }, tc);
      } catch (e) {
        tc.close();
        throw e;
      }
    })();
    this.current = { model, dir, intervener };
    // a failed load is not kept: the next request tries again
    intervener.catch(() => {
      if (this.current?.intervener === intervener) this.current = undefined;
    });
    return intervener;
  }

  dispose(): void {
    void this.current?.intervener
      .then((iv) => {
        iv.dispose();
        iv.transcoders.close();
      })
      .catch(() => undefined); // its load already reported its own error
    this.current = undefined;
  }
}
