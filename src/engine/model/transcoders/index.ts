// Transcoders as published (circuit-tracer PLTs and CLTs, GemmaScope npz, GemmaScope-2, TopK): see load.ts.
export * from './types';
export { loadTranscoders, RESIDENT_ENCODER_BYTES, type TranscoderLoadOptions } from './load';
export { readTranscoderConfig, repoOfCachePath, type TranscoderConfig } from './config';
