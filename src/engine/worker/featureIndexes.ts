// The worker's open feature index: the one next to the traced model (or the folder a request names), opened on
// first use and kept while requests name the same folder. A model without an index traces without feature details.
import { FeatureLogits, readIndexSource } from '../features/lazyLogits';
import { FeatureIndex } from '../features/records';
import type { FeatureRecord } from '../features/types';
import { defaultTranscoders } from '../model/catalog';
import type { Model } from '../model/model';
import { loadTranscoders } from '../model/transcoders';
import { featureDirOf } from '../reasoning/resources';

export class FeatureIndexCache {
  private current: { dir: string; index: FeatureIndex } | undefined;

  /** The index for a model, or undefined when it has none; a corrupt index throws its EngineError. */
  get(modelDir: string, featureDir?: string): FeatureIndex | undefined {
    const dir = featureDirOf(modelDir, featureDir);
    if (!dir) return undefined;
    if (this.current?.dir !== dir) this.current = { dir, index: FeatureIndex.open(dir) };
    return this.current.index;
  }
}

/**
 * Promoted/suppressed tokens for the records of an index built without them (lazyLogits.ts): one FeatureLogits for the
 * loaded model and the index's transcoders, kept while requests name the same model and index.
 */
export class FeatureLogitsCache {
  private current: { model: Model; dir: string; logits: Promise<FeatureLogits>; close: () => void } | undefined;

  async fill(model: Model, index: FeatureIndex, record: FeatureRecord): Promise<FeatureRecord> {
    if (this.current?.model !== model || this.current.dir !== index.dir) {
      this.dispose();
      const tc = loadTranscoders(readIndexSource(index.dir)?.transcoders ?? defaultTranscoders(model.dir));
      const logits = FeatureLogits.create(model, tc, { cacheDir: index.dir });
      const current = { model, dir: index.dir, logits, close: () => tc.close() };
      this.current = current;
      logits.catch(() => {
        tc.close();
        if (this.current === current) this.current = undefined;
      });
    }
    return (await this.current!.logits).fill(record);
  }

  dispose(): void {
    const c = this.current;
    this.current = undefined;
    void c?.logits.then((l) => {
      l.dispose();
      c.close();
    }).catch(() => undefined);
  }
}
