import { jest } from '@jest/globals';

// Jest's testTimeout option is global to a run; integration tests start databases, so they get more.
jest.setTimeout(30_000);
