import { PARTS, PRODUCTS, SERVICE_PLANS } from './company.ts';

/** One row of finance/invoices-2026-q3.csv, in column order. */
export interface InvoiceRow {
  invoice_no: string;
  date: string;
  customer: string;
  country: string;
  product: string;
  qty: number;
  unit_price_eur: string;
  total_eur: string;
  status: 'paid' | 'open' | 'overdue' | 'cancelled';
}

export const INVOICE_COLUMNS = ['invoice_no', 'date', 'customer', 'country', 'product', 'qty', 'unit_price_eur', 'total_eur', 'status'] as const;

const CUSTOMERS: readonly { name: string; country: string }[] = [
  { name: 'Stadtwerke Lüneheide', country: 'DE' },
  { name: 'Chemiepark Ostmark GmbH, Werk 2', country: 'DE' },
  { name: 'Brauerei "Zum Anker" KG', country: 'DE' },
  { name: 'Vattenverket Norrby AB', country: 'SE' },
  { name: 'Waterschap De Polderlanden', country: 'NL' },
  { name: 'Nordsee Aqua Farms ApS', country: 'DK' },
  { name: 'Papierfabrik Altmoor GmbH', country: 'DE' },
  { name: 'Wodociągi Pomorze Sp. z o.o.', country: 'PL' },
  { name: 'Molkerei Grünwiesen eG', country: 'DE' },
  { name: 'Fernwärme Donautal GmbH', country: 'AT' },
  { name: 'Hafenwerke Kielhaven GmbH', country: 'DE' },
];

const ITEMS: readonly { product: string; priceEur: number; maxQty: number }[] = [
  { product: PRODUCTS.np200.name, priceEur: PRODUCTS.np200.priceEur, maxQty: 4 },
  { product: PRODUCTS.np350.name, priceEur: PRODUCTS.np350.priceEur, maxQty: 2 },
  { product: `${PARTS.sealKit200} mechanical seal kit`, priceEur: 486, maxQty: 6 },
  { product: `${PARTS.bearingKit200} bearing kit`, priceEur: 312.5, maxQty: 6 },
  { product: `${PARTS.impeller200} impeller 260 mm`, priceEur: 1240, maxQty: 2 },
  { product: `${PARTS.sealKit350} mechanical seal kit`, priceEur: 742, maxQty: 4 },
  { product: PRODUCTS.nl10.name, priceEur: PRODUCTS.nl10.priceEur, maxQty: 12 },
  { product: `${SERVICE_PLANS.gold.name} contract (12 months)`, priceEur: SERVICE_PLANS.gold.priceEur, maxQty: 3 },
  { product: 'On-site service, per technician day', priceEur: 1120, maxQty: 5 },
];

const ROW_COUNT = 40;
/** Q3 starts mid-year: Q1 and Q2 used the numbers before this one. */
const FIRST_INVOICE = 712;
const QUARTER_START = Date.UTC(2026, 6, 1);
const QUARTER_DAYS = 92;
/** The day the export was taken; statuses are as of this date. */
const EXPORT_DAY = Date.UTC(2026, 9, 2);
const DAY_MS = 86_400_000;

/** A fixed-seed PRNG (mulberry32): the invoices look random but are the same on every run. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pick needs a non-empty list');
  return item;
}

function toCents(eur: number): number {
  return Math.round(eur * 100);
}

function formatCents(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

function statusFor(dayIndex: number, random: () => number): InvoiceRow['status'] {
  const ageDays = (EXPORT_DAY - (QUARTER_START + dayIndex * DAY_MS)) / DAY_MS;
  const roll = random();
  if (roll < 0.03) return 'cancelled';
  if (ageDays > 45) return roll < 0.9 ? 'paid' : 'overdue';
  if (ageDays > 30) return roll < 0.6 ? 'paid' : 'overdue';
  return roll < 0.35 ? 'paid' : 'open';
}

/** The 40 invoices of Q3 2026, in invoice-number (and so date) order. */
function createInvoiceRows(): InvoiceRow[] {
  const random = createRandom(0x4e575033);
  const days = Array.from({ length: ROW_COUNT }, () => Math.floor(random() * QUARTER_DAYS)).sort((a, b) => a - b);
  return days.map((dayIndex, index) => {
    // Stepping by a number coprime to the list length visits every customer, so the two rows
    // that need CSV quoting (a comma, a double quote) are always present.
    const customer = CUSTOMERS[(index * 4) % CUSTOMERS.length] ?? pick(CUSTOMERS, random);
    const item = pick(ITEMS, random);
    const qty = 1 + Math.floor(random() * item.maxQty);
    const unitCents = toCents(item.priceEur);
    return {
      invoice_no: `NW-2026-${String(FIRST_INVOICE + index * 3 + Math.floor(random() * 3)).padStart(4, '0')}`,
      date: new Date(QUARTER_START + dayIndex * DAY_MS).toISOString().slice(0, 10),
      customer: customer.name,
      country: customer.country,
      product: item.product,
      qty,
      unit_price_eur: formatCents(unitCents),
      total_eur: formatCents(unitCents * qty),
      status: statusFor(dayIndex, random),
    };
  });
}

export const INVOICE_ROWS: readonly InvoiceRow[] = createInvoiceRows();
