import { escapeHtml } from '../html/page';

export type DashboardSection = 'discord' | 'offers' | 'members' | 'activity' | 'queues';

const NAV: Array<[DashboardSection, string, string]> = [
  ['discord', 'Discord', '/dashboard/integrations/discord'],
  ['offers', 'Offers', '/dashboard/offers'],
  ['members', 'Members', '/dashboard/members'],
  ['activity', 'Activity', '/dashboard/activity'],
  ['queues', 'Queues', '/admin/queues'],
];

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header nav{display:flex;gap:1.2rem}header a{color:#fff;text-decoration:none;opacity:.8}header a[aria-current=page]{opacity:1;font-weight:600;text-decoration:underline}
header .brand{font-weight:700;opacity:1}header form{margin-left:auto}
main{max-width:64rem;margin:1.5rem auto;padding:0 1.5rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.8rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
label{display:block;margin:.6rem 0 .2rem;font-weight:600}input[type=text],input[type=url],input[type=number],input[type=password],select{font:inherit;padding:.35rem .5rem;min-width:20rem;border:1px solid #8c959f;border-radius:6px}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:.8rem 0}fieldset label{display:inline;font-weight:400;margin-right:1rem}
button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#24292f;border-color:#8c959f}
form.inline{display:inline}
.notice{padding:.6rem .9rem;border-radius:6px;background:#dafbe1}.notice.error{background:#ffebe9}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.warn{color:#9a6700;font-weight:600}
ul.problems li{margin:.3rem 0}
`;

/** The dashboard's page chrome: navigation, sign-out, the page's content. */
export function dashboardLayout(input: {
  title: string;
  section: DashboardSection;
  merchantName: string;
  /** Operators also see the queue dashboard. */
  operator: boolean;
  csrf: string;
  notice?: { text: string; error?: boolean } | null;
  body: string;
}): string {
  const nav = NAV.filter(([key]) => key !== 'queues' || input.operator)
    .map(
      ([key, label, href]) =>
        `<a href="${href}"${key === input.section ? ' aria-current="page"' : ''}>${label}</a>`,
    )
    .join('');
  const notice =
    input.notice == null
      ? ''
      : `<p role="status" class="notice${input.notice.error === true ? ' error' : ''}">${escapeHtml(input.notice.text)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)} · Inflow</title><style>${STYLE}</style></head>
<body><header><span class="brand">Inflow</span><nav aria-label="Dashboard">${nav}</nav>
<form method="post" action="/dashboard/logout"><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}"><button class="secondary" type="submit">Sign out (${escapeHtml(input.merchantName)})</button></form></header>
<main><h1>${escapeHtml(input.title)}</h1>${notice}${input.body}</main></body></html>`;
}

/** A one-button form posting to `action` with the CSRF token and hidden fields. */
export function actionButton(
  action: string,
  label: string,
  csrf: string,
  fields: Record<string, string> = {},
  secondary = false,
): string {
  const hidden = Object.entries({ csrf, ...fields })
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form class="inline" method="post" action="${escapeHtml(action)}">${hidden}<button type="submit"${secondary ? ' class="secondary"' : ''}>${escapeHtml(label)}</button></form>`;
}

export function loginPage(error: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · Inflow</title><style>${STYLE}</style></head>
<body><main><h1>Sign in to Inflow</h1>
${error === null ? '' : `<p role="alert" class="notice error">${escapeHtml(error)}</p>`}
<form class="card" method="post" action="/dashboard/login">
<label for="apiKey">API key</label>
<input id="apiKey" name="apiKey" type="password" autocomplete="off" required placeholder="inflow_priv_…">
<p>Your key starts with <code>inflow_priv_</code>. It was shown once when your account was created (<code>pnpm admin merchant create</code>).</p>
<button type="submit">Sign in</button></form></main></body></html>`;
}
