import { jest } from '@jest/globals';

// End-to-end tests start service processes; a hung one still fails, after this long.
jest.setTimeout(120_000);
