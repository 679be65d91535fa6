// Architectures as data: the families in src/engine/families/ (see family.ts for the contract, registry.ts for the list).
export { FAMILIES, SUPPORTED_ARCHITECTURES, architectureOf, familyOf, isSupportedArchitecture } from '../families/registry';
export type { FamilyWeights as ModelWeights } from '../families/family';
