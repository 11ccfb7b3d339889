/**
 * The dependency graph of resources (what apply orders its steps by), as
 * Graphviz DOT or a Mermaid flowchart. An edge goes from a resource to one it
 * depends on, as in `terraform graph`. With a plan, each node also says its
 * action.
 */
import type { Action } from '../engine/types.js';

export interface GraphNode {
  address: string;
  dependsOn: readonly string[];
  action?: Action;
}

const SYMBOL: Record<Action, string> = {
  create: '+ create',
  update: '~ update',
  replace: '-/+ replace',
  delete: '- delete',
  forget: '✋ forget',
  adopt: '↪ adopt',
  'no-op': 'no change',
};

const DOT_COLOR: Partial<Record<Action, string>> = {
  create: 'darkgreen',
  update: 'darkorange',
  replace: 'purple',
  delete: 'red3',
  forget: 'gray40',
  adopt: 'steelblue',
};

/** Edges whose both ends are in the graph, sorted, without duplicates. */
function edges(nodes: readonly GraphNode[]): Array<[string, string]> {
  const present = new Set(nodes.map((n) => n.address));
  const out = new Set<string>();
  for (const n of nodes) for (const d of n.dependsOn) if (present.has(d)) out.add(JSON.stringify([n.address, d]));
  return [...out].sort().map((e) => JSON.parse(e) as [string, string]);
}

function byAddress(nodes: readonly GraphNode[]): GraphNode[] {
  return [...nodes].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function renderGraphDot(nodes: readonly GraphNode[]): string {
  const lines = ['digraph s3repl {', '  rankdir = "RL";', '  node [shape = box, fontname = "monospace"];'];
  for (const n of byAddress(nodes)) {
    const attrs = n.action ? [`label = ${dotString(`${n.address}\n${SYMBOL[n.action]}`)}`] : [];
    const color = n.action ? DOT_COLOR[n.action] : undefined;
    if (color) attrs.push(`color = "${color}"`, `fontcolor = "${color}"`);
    if (n.action === 'no-op') attrs.push('style = "dashed"');
    lines.push(`  ${dotString(n.address)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  for (const [from, to] of edges(nodes)) lines.push(`  ${dotString(from)} -> ${dotString(to)};`);
  lines.push('}');
  return lines.join('\n');
}

/** Mermaid text in a label: quotes and angle brackets as entities. */
const mermaidText = (s: string) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

export function renderGraphMermaid(nodes: readonly GraphNode[]): string {
  const sorted = byAddress(nodes);
  const id = new Map(sorted.map((n, i) => [n.address, `n${i}`]));
  const lines = ['flowchart RL'];
  for (const n of sorted) {
    const label = n.action ? `${mermaidText(n.address)}<br/>${mermaidText(SYMBOL[n.action])}` : mermaidText(n.address);
    lines.push(`  ${id.get(n.address)}["${label}"]${n.action ? `:::${n.action === 'no-op' ? 'noop' : n.action}` : ''}`);
  }
  for (const [from, to] of edges(nodes)) lines.push(`  ${id.get(from)} --> ${id.get(to)}`);
  if (sorted.some((n) => n.action)) {
    lines.push(
      '  classDef create stroke:#1a7f37,color:#1a7f37',
      '  classDef update stroke:#bf8700,color:#bf8700',
      '  classDef replace stroke:#8250df,color:#8250df',
      '  classDef delete stroke:#cf222e,color:#cf222e',
      '  classDef forget stroke:#6e7781,color:#6e7781',
      '  classDef adopt stroke:#0969da,color:#0969da',
      '  classDef noop stroke-dasharray:4 4',
    );
  }
  return lines.join('\n');
}
