import type { SandboxReady } from './sandbox-setup';

/** What a newcomer needs to try the sandbox, printed once everything is ready. */
export function sandboxBanner(ready: SandboxReady, discordUrl: string): string {
  return `
──────────────────────────────────────────────────────────────────────────────
 Inflow sandbox is ready. Discord is a local emulator (${discordUrl}),
 with the server "Inflow Sandbox", the @VIP role, #payments and #general.

 API key (shown once):  ${ready.apiKey}
 Dashboard:             ${ready.dashboardUrl}   (sign in with the API key)
 Queues:                ${ready.dashboardUrl.replace(/\/dashboard$/, '/admin/queues')}
 Customer portal:       ${ready.portalUrl}
                        (customer cus_demo, connected to Discord as Alice)

 Give Alice the @VIP role: post a subscription event (paste into a shell):

${ready.curl}

 What happens on Discord is printed below as it happens. Ctrl-C stops everything.
──────────────────────────────────────────────────────────────────────────────
`;
}
