/**
 * A scaled county for the benchmarks (issue 14): the demo county (examples/demo-county, 15 townships,
 * 266 villages, 747 grids) with its townships copied `factor` times — the same county unit, command group
 * and county members, and each township (with its villages, grids, groups and members) once more under
 * fresh ids, conversation ids, member ids, mobiles and names.
 *
 * Copy 1 is the demo county itself, byte for byte the same rows; copy k ≥ 2 of township `T01` is
 * `T<(k−1)·15+1>` (`T16`, `T31`, …), its units keep their suffixes (`T16-V01-G1`), its names get `k`
 * appended to the township's and villages' names (`清溪街道2`, `周家坞村2`, `周家坞村2第1网格`), its
 * conversation ids are made the demo's way (`cid` + base64url of `<unit id>-room` / `-grid`), its member ids
 * are `staff<kk><nnnnn>` (kk = k, two digits), its mobiles `139<8 digits>` and its members' names new.
 *
 * `npx tsx scripts/bench/county.ts <dir> <factor>` writes the three CSVs into `<dir>` and prints the counts.
 */
import { parse } from 'csv-parse/sync';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The demo county's folder (units.csv, groups.csv, members.csv). */
export const DEMO_COUNTY_DIR = resolve(PACKAGE_ROOT, 'examples/demo-county');

/** Rows written per file (header not counted). */
export interface CountyCounts {
  units: number;
  groups: number;
  members: number;
}

type Row = Record<string, string>;

function readCsv(file: string): { header: string[]; rows: Row[] } {
  const records = parse(readFileSync(file, 'utf8'), { bom: true, skip_empty_lines: true }) as string[][];
  const [header = [], ...rest] = records;
  return { header, rows: rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}

const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const toCsv = (header: string[], rows: Row[]) => `${[header.join(','), ...rows.map((r) => header.map((h) => cell(r[h] ?? '')).join(','))].join('\n')}\n`;

/** `cid` + base64url (no padding) of `text`: how the demo county's conversation ids are made. */
const conversationIdOf = (text: string) => `cid${Buffer.from(text, 'utf8').toString('base64url')}`;

/** What a demo conversation id encodes (`T01-room`, `T01-V01-G1-grid`, `C01-command`). */
const decodeConversationId = (cid: string) => Buffer.from(cid.slice(3), 'base64url').toString('utf8');

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国志新亮林飞波宁斌辉鹏琳雪梅海燕晨阳春雨婷欣怡浩然子轩宇航'];

/** A member's name for copy `k`, row `i`: deterministic, two or three characters. */
function nameFor(k: number, i: number): string {
  const h = Math.imul(i + 1, 2654435761) ^ Math.imul(k, 40503);
  const u = h >>> 0;
  const s = SURNAMES[u % SURNAMES.length]!;
  const g1 = GIVEN[(u >>> 8) % GIVEN.length]!;
  const g2 = (u >>> 20) % 3 === 0 ? '' : GIVEN[(u >>> 14) % GIVEN.length]!;
  return `${s}${g1}${g2}`;
}

/**
 * Writes units.csv, groups.csv and members.csv for `factor`× the demo county into `dir` (created if
 * missing), in the columns `importRoster` reads (src/roster/import.ts). factor 1 writes exactly the demo
 * county's rows.
 * @param factor a whole number ≥ 1 (16 → 240 townships, 4,256 villages, 11,952 grids, ≈ 37 k members)
 * @returns the rows written per file
 * @throws Error when `factor` is not a whole number ≥ 1
 */
export function generateCounty(dir: string, factor: number): CountyCounts {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`factor must be a whole number ≥ 1, not ${factor}`);
  const units = readCsv(join(DEMO_COUNTY_DIR, 'units.csv'));
  const groups = readCsv(join(DEMO_COUNTY_DIR, 'groups.csv'));
  const members = readCsv(join(DEMO_COUNTY_DIR, 'members.csv'));
  const townshipIds = units.rows.filter((u) => u.kind === 'township').map((u) => u.unit_id!);
  const kindOf = new Map(units.rows.map((u) => [u.unit_id!, u.kind!]));
  const nameOf = new Map(units.rows.map((u) => [u.unit_id!, u.name!]));
  /** The township prefix of a unit id (`T01` of `T01-V01-G1`), or null for the county. */
  const townshipOf = (id: string) => townshipIds.find((t) => id === t || id.startsWith(`${t}-`)) ?? null;
  /** The village of a grid id (`T01-V01` of `T01-V01-G1`). */
  const villageOf = (id: string) => (kindOf.get(id) === 'grid' ? id.slice(0, id.lastIndexOf('-')) : kindOf.get(id) === 'village' ? id : null);

  const outUnits: Row[] = [];
  const outGroups: Row[] = [];
  const outMembers: Row[] = [];
  for (let k = 1; k <= factor; k++) {
    const newTownship = new Map(townshipIds.map((t, i) => [t, k === 1 ? t : `T${String((k - 1) * townshipIds.length + i + 1).padStart(2, '0')}`]));
    const mapId = (id: string) => {
      const t = townshipOf(id);
      return t === null ? id : `${newTownship.get(t)!}${id.slice(t.length)}`;
    };
    /** A name with the township's and village's names suffixed by `k` (copy 1: unchanged). */
    const rename = (text: string, unitId: string) => {
      if (k === 1) return text;
      const t = townshipOf(unitId);
      const v = villageOf(unitId);
      let out = text;
      if (v) {
        const vn = nameOf.get(v)!;
        if (out.startsWith(vn)) out = `${vn}${k}${out.slice(vn.length)}`;
      }
      if (t) {
        const tn = nameOf.get(t)!;
        if (out.startsWith(tn)) out = `${tn}${k}${out.slice(tn.length)}`;
      }
      return out === text ? `${text}${k}` : out;
    };
    for (const u of units.rows) {
      const t = townshipOf(u.unit_id!);
      if (t === null && k > 1) continue; // the county is written once
      outUnits.push({ ...u, unit_id: mapId(u.unit_id!), name: rename(u.name!, u.unit_id!), parent_id: u.parent_id ? mapId(u.parent_id) : '' });
    }
    for (const g of groups.rows) {
      const t = townshipOf(g.unit_id!);
      if (t === null && k > 1) continue;
      const unitId = mapId(g.unit_id!);
      const encoded = decodeConversationId(g.conversation_id!);
      const suffix = encoded.startsWith(`${g.unit_id}-`) ? encoded.slice(g.unit_id!.length) : `-${encoded}`;
      outGroups.push({ conversation_id: k === 1 ? g.conversation_id! : conversationIdOf(`${unitId}${suffix}`), unit_id: unitId, title: rename(g.title!, g.unit_id!) });
    }
    members.rows.forEach((m, i) => {
      const t = townshipOf(m.unit_id!);
      if (t === null && k > 1) return;
      if (k === 1) {
        outMembers.push(m);
        return;
      }
      const digits = m.member_id!.replace(/^\D+/, '').padStart(5, '0');
      outMembers.push({
        member_id: `staff${String(k).padStart(2, '0')}${digits}`,
        name: nameFor(k, i),
        role: m.role!,
        unit_id: mapId(m.unit_id!),
        mobile: m.mobile ? `139${String(k * 100_000 + i).padStart(8, '0')}` : '',
      });
    });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'units.csv'), toCsv(units.header, outUnits));
  writeFileSync(join(dir, 'groups.csv'), toCsv(groups.header, outGroups));
  writeFileSync(join(dir, 'members.csv'), toCsv(members.header, outMembers));
  return { units: outUnits.length, groups: outGroups.length, members: outMembers.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, factor = '1'] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: npx tsx scripts/bench/county.ts <dir> <factor>');
    process.exit(2);
  }
  console.log(generateCounty(dir, Number(factor)));
}
