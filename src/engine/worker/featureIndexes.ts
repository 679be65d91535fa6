// The worker's open feature index: the one next to the traced model (or the folder a request names), opened on
// first use and kept while requests name the same folder. A model without an index traces without feature details.
import { FeatureIndex } from '../features/records';
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
