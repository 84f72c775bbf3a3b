import { entraPreset } from './presets/entra.js';
import { githubPreset } from './presets/github.js';
import { googlePreset } from './presets/google.js';
import type { ProviderPreset } from './presets/preset-types.js';
import type { PresetName } from './provider-config.js';

export { type ProviderPreset, type ProviderQuirks, STANDARD_QUIRKS } from './presets/preset-types.js';

export const PRESETS: Readonly<Record<PresetName, ProviderPreset>> = {
  github: githubPreset,
  google: googlePreset,
  entra: entraPreset,
};
