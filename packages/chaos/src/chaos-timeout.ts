import { jest } from '@jest/globals';
import { chaosScale } from './env';

// A scenario runs traffic for its whole duration, then waits for convergence; a hung one still fails.
jest.setTimeout(chaosScale.testTimeoutMs);
