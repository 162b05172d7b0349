/**
 * The facts every sample shares, so the manuals, policies, invoices and web page agree with
 * each other. Everything here is fictional: the company, the people, and the contact details
 * (555 phone numbers, the reserved .example domain).
 */

export const COMPANY = {
  name: 'Nordwind Pumps GmbH',
  shortName: 'Nordwind',
  street: 'Kesselweg 14',
  postcode: '21107',
  city: 'Hamburg',
  country: 'Germany',
  phone: '+49 40 5550 1234',
  serviceHotline: '+49 40 5550 1299',
  partsPhone: '+49 40 5550 1250',
  securityHotline: '+49 40 5550 1277',
  domain: 'nordwind-pumps.example',
  web: 'https://www.nordwind-pumps.example',
} as const;

/** A mail address at the company's reserved example domain. */
export function companyEmail(localPart: string): string {
  return `${localPart}@${COMPANY.domain}`;
}

export const PEOPLE = {
  managingDirector: { name: 'Dr. Jana Brückner', role: 'Managing Director', email: companyEmail('jana.brueckner') },
  headOfService: { name: 'Henrik Albers', role: 'Head of Service', email: companyEmail('henrik.albers') },
  securityOfficer: { name: 'Mira Kowalski', role: 'Information Security Officer', email: companyEmail('mira.kowalski') },
  dataProtectionOfficer: { name: 'Konrad Vessel', role: 'Data Protection Officer', email: companyEmail('privacy') },
  headOfFinance: { name: 'Tobias Feldmann', role: 'Head of Finance', email: companyEmail('tobias.feldmann') },
  siteManager: { name: 'Leonie Hartwig', role: 'Site Manager Hamburg', email: companyEmail('leonie.hartwig') },
  productManager: { name: 'Sofia Lindqvist', role: 'Product Manager NordLink', email: companyEmail('sofia.lindqvist') },
} as const;

export const PRODUCTS = {
  np200: { model: 'NP-200', name: 'NP-200 centrifugal pump', flow: '200 m³/h', head: '45 m', motor: '37 kW', priceEur: 18450 },
  np350: { model: 'NP-350', name: 'NP-350 centrifugal pump', flow: '350 m³/h', head: '60 m', motor: '90 kW', priceEur: 32900 },
  nl10: { model: 'NL-10', name: 'NordLink NL-10 sensor', priceEur: 690 },
} as const;

export const PARTS = {
  sealKit200: 'NW-SK-200-01',
  bearingKit200: 'NW-BK-200-02',
  couplingInsert200: 'NW-CI-200-03',
  oRingSet200: 'NW-OR-200-05',
  impeller200: 'NW-IMP-200-260',
  sealKit350: 'NW-SK-350-01',
  grease: 'NW-LG-2',
} as const;

export const SERVICE_PLANS = {
  basic: { name: 'ServicePlus Basic', priceEur: 1200 },
  silver: { name: 'ServicePlus Silver', priceEur: 2900 },
  gold: { name: 'ServicePlus Gold', priceEur: 4800 },
} as const;
