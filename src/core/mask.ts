/**
 * Masks personal numbers in text that is relayed to a group: 11-digit mainland mobiles keep the first
 * three and last four digits (`138****0001`), 18-character ID-card numbers keep the first six and last
 * four (`110101********123X`). Numbers inside longer digit runs are left alone.
 */

const ID_CARD = /(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])/g;
const MOBILE = /(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)/g;

/** Returns `text` with mobile and ID-card numbers masked. */
export function maskPersonal(text: string): string {
  return text
    .replace(ID_CARD, (_m, head: string, _mid: string, tail: string) => `${head}********${tail}`)
    .replace(MOBILE, (_m, a: string, _b: string, c: string) => `${a}****${c}`);
}
