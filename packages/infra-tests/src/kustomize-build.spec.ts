import { describe, expect, it } from '@jest/globals';
import { kustomizeBuild, strategicMerge } from './kustomize-build';

describe('strategicMerge', () => {
  it('merges mappings key by key and lists of named items by name, keeping the base’s other items', () => {
    const base = {
      spec: {
        replicas: 2,
        template: {
          spec: {
            containers: [
              {
                name: 'gateway-worker',
                image: 'inflow',
                env: [
                  { name: 'PORT', value: '3001' },
                  { name: 'SHARD_COUNT', value: '2' },
                ],
              },
            ],
          },
        },
      },
    };
    const patch = {
      spec: {
        replicas: 4,
        template: {
          spec: {
            containers: [
              {
                name: 'gateway-worker',
                env: [
                  { name: 'SHARD_COUNT', value: '4' },
                  { name: 'LOG_LEVEL', value: 'debug' },
                ],
              },
            ],
          },
        },
      },
    };
    expect(strategicMerge(base, patch)).toEqual({
      spec: {
        replicas: 4,
        template: {
          spec: {
            containers: [
              {
                name: 'gateway-worker',
                image: 'inflow',
                env: [
                  { name: 'PORT', value: '3001' },
                  { name: 'SHARD_COUNT', value: '4' },
                  { name: 'LOG_LEVEL', value: 'debug' },
                ],
              },
            ],
          },
        },
      },
    });
  });

  it('replaces lists of plain values, as strategic merge does for args and command', () => {
    expect(strategicMerge({ args: ['api'], ports: [3000] }, { args: ['migrate'] })).toEqual({
      args: ['migrate'],
      ports: [3000],
    });
  });
});

describe('kustomizeBuild', () => {
  const substitutes = {
    'infra/k8s/overlays/example/secrets.env': 'infra/k8s/overlays/example/secrets.env.example',
  };

  it('merges the overlay’s ConfigMap entries into the base’s generated ConfigMaps', () => {
    const configMap = kustomizeBuild('infra/k8s/overlays/example', { substitutes }).find(
      (object) =>
        object.kind === 'ConfigMap' && (object.metadata as { name: string }).name === 'inflow-discord',
    );
    expect(configMap?.data).toEqual({
      DISCORD_API_URL: 'https://discord.com/api',
      DISCORD_GLOBAL_RATE_LIMIT: '50',
      DISCORD_CLIENT_ID: '1187654321098765432',
    });
  });
});
