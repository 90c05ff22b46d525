import { setupConsent } from './consent.js';
import { captureMagicKey } from './key.js';

captureMagicKey();
setupConsent();
