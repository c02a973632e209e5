/**
 * Renders `{{path}}` placeholders from a context object. A path that does not
 * resolve renders as `<missing path>` — an alert with a visible gap beats no alert.
 */
export function renderTemplate(template: string, context: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_, path: string) => {
    let cur: unknown = context;
    for (const part of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return `<missing ${path}>`;
      cur = (cur as Record<string, unknown>)[part];
    }
    if (cur === null || cur === undefined) return `<missing ${path}>`;
    if (typeof cur === 'number') return formatNumber(cur);
    return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
  });
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return String(Math.round(n * 100) / 100);
}
