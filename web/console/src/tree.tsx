/**
 * The organisation as a tree: the county's command group, each township (its room) as a fold holding its
 * villages as folds of grids. Search by name keeps the matches and their ancestors, unfolded; the selected group's
 * folds are opened. Each group shows its
 * risk-colour dot and its count of unseen bot messages; a closed fold shows the sum of what it holds.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Org, Unit } from './api.ts';

const RISK_ZH: Record<string, string> = { red: '红', orange: '橙', yellow: '黄', blue: '蓝', green: '绿' };
const LEVEL_ZH = ['', '一级管控', '二级管控', '三级管控'];

export interface TreeProps {
  org: Org;
  selected: string | null;
  /** Unseen bot messages per conversation id. */
  unseen: (conversationId: string) => number;
  onSelect(conversationId: string): void;
}

interface Index {
  children: Map<string | null, Unit[]>;
  byId: Map<string, Unit>;
  titleOf: Map<string, string>;
}

function indexOrg(org: Org): Index {
  const children = new Map<string | null, Unit[]>();
  const byId = new Map<string, Unit>();
  for (const u of org.units) {
    byId.set(u.unitId, u);
    const list = children.get(u.parentId) ?? [];
    list.push(u);
    children.set(u.parentId, list);
  }
  const titleOf = new Map(org.groups.map((g) => [g.conversationId, g.title]));
  return { children, byId, titleOf };
}

export function Tree({ org, selected, unseen, onSelect }: TreeProps) {
  const idx = useMemo(() => indexOrg(org), [org]);
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const q = query.trim();

  // the selected group's folds open (a group opened from a search or a link stays in sight)
  useEffect(() => {
    const unit = org.units.find((u) => u.conversationId === selected);
    if (!unit) return;
    setOpen((s) => {
      const n = new Set(s);
      for (let p = unit.parentId ? idx.byId.get(unit.parentId) : undefined; p && p.kind !== 'county'; p = p.parentId ? idx.byId.get(p.parentId) : undefined) n.add(p.unitId);
      return n.size === s.size ? s : n;
    });
  }, [selected, org, idx]);

  // while searching: the matching units and their ancestors, all unfolded
  const visible = useMemo(() => {
    if (!q) return null;
    const keep = new Set<string>();
    for (const u of org.units) {
      const title = u.conversationId ? idx.titleOf.get(u.conversationId) ?? '' : '';
      if (!u.name.includes(q) && !title.includes(q)) continue;
      for (let p: Unit | undefined = u; p && !keep.has(p.unitId); p = p.parentId ? idx.byId.get(p.parentId) : undefined) keep.add(p.unitId);
    }
    return keep;
  }, [q, org, idx]);

  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const unseenUnder = (u: Unit): number =>
    (u.conversationId ? unseen(u.conversationId) : 0) + (idx.children.get(u.unitId) ?? []).reduce((a, c) => a + unseenUnder(c), 0);

  const node = (u: Unit, depth: number) => {
    if (visible && !visible.has(u.unitId)) return null;
    const kids = u.kind === 'county' ? [] : idx.children.get(u.unitId) ?? [];
    const isOpen = !!visible || open.has(u.unitId);
    const count = kids.length && !isOpen ? unseenUnder(u) : u.conversationId ? unseen(u.conversationId) : 0;
    const label = u.conversationId ? idx.titleOf.get(u.conversationId) ?? u.name : u.name;
    return (
      <li key={u.unitId} class={`unit ${u.kind}`}>
        <div
          class={`row${u.conversationId && u.conversationId === selected ? ' selected' : ''}${u.conversationId ? ' group' : ''}`}
          style={{ paddingLeft: `${0.5 + depth * 0.9}rem` }}
          data-conversation-id={u.conversationId ?? undefined}
          data-unit-id={u.unitId}
          title={label}
          onClick={() => (u.conversationId ? onSelect(u.conversationId) : toggle(u.unitId))}
        >
          {kids.length ? (
            <button
              class="fold"
              aria-label={isOpen ? '收起' : '展开'}
              onClick={(e) => {
                e.stopPropagation();
                toggle(u.unitId);
              }}
            >
              {isOpen ? '▾' : '▸'}
            </button>
          ) : (
            <span class="fold" />
          )}
          {u.kind !== 'village' && <span class={`dot ${u.riskColour ?? 'none'}`} title={u.riskColour ? `${RISK_ZH[u.riskColour]}色风险` : '未定风险等级'} />}
          <span class="name">{u.kind === 'village' ? `${u.name}（${kids.length} 个网格）` : label}</span>
          {u.controlLevel ? <span class="level">{LEVEL_ZH[u.controlLevel]}</span> : null}
          {count > 0 && <span class="badge" title="未读机器人消息">{count > 99 ? '99+' : count}</span>}
        </div>
        {kids.length > 0 && isOpen && <ul>{kids.map((k) => node(k, depth + 1))}</ul>}
      </li>
    );
  };

  const county = org.units.find((u) => u.kind === 'county');
  const townships = org.units.filter((u) => u.kind === 'township');
  return (
    <nav class="tree" aria-label="组织架构">
      <input class="search" type="search" placeholder="搜索乡镇、村、网格…" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      <ul>
        {county && node(county, 0)}
        {townships.map((t) => node(t, 0))}
      </ul>
      {visible && visible.size === 0 && <p class="empty">没有名称含「{q}」的单位</p>}
    </nav>
  );
}
