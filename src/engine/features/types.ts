// The per-feature evidence record: circuit-tracer's feature JSON (so its viewer reads our files), plus our label
// under one namespaced key.

export interface FeatureExample {
  tokens: string[];
  tokens_acts_list: number[];
  /** position of the token with the largest activation */
  train_token_ind: number;
  is_repeated_datapoint: boolean;
}

export interface FeatureQuantile {
  quantile_name: string;
  examples: FeatureExample[];
}

export interface FeatureLabel {
  text: string;
  /** 'auto': derived by the documented rule in labels.ts; user labels live in the workspace and graph qParams */
  source: 'auto';
  rule: string;
  /**
   * the concepts the label names (an entity, number, content word or lexicon kind; labels.ts), input side first;
   * absent when it names none (`on " is"`, `L3/596`)
   */
  concepts?: string[];
}

export interface FeatureRecord {
  transcoder_id: string;
  index: number;
  examples_quantiles: FeatureQuantile[];
  top_logits: string[];
  bottom_logits: string[];
  act_min: number;
  act_max: number;
  quantile_values: number[];
  histogram: number[];
  activation_frequency: number;
  selfTracing?: {
    layer: number;
    feature: number;
    label: FeatureLabel;
    top_logit_values: number[];
    bottom_logit_values: number[];
    /** histogram bin edges: histogram[i] counts activations in [edges[i], edges[i+1]) */
    histogram_edges: number[];
    /**
     * true when the index was built without the logit table (a published width, lazyLogits.ts): top/bottom logits are
     * empty here and computed when the feature is shown
     */
    logitsOnDemand?: boolean;
  };
}
