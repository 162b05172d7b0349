import { COMPANY, companyEmail, PEOPLE } from './company.ts';
import type { DocumentContent } from './document-content.ts';

/** The travel and expense policy: a shorter DOCX with an allowance table. */
export const TRAVEL_AND_EXPENSE_POLICY: DocumentContent = {
  title: 'Travel and Expense Policy',
  subtitle: `${COMPANY.name}, valid from 1 January 2026`,
  reference: 'FIN-004, Version 3.0',
  shortTitle: 'Travel and Expense Policy',
  author: PEOPLE.headOfFinance.name,
  subject: 'Rules for business travel, allowances and expense claims',
  keywords: ['travel', 'expenses', 'policy', 'Nordwind'],
  language: 'en-GB',
  issued: new Date('2025-12-01T09:00:00Z'),
  blocks: [
    { kind: 'heading', level: 1, text: '1 Scope' },
    {
      kind: 'paragraph',
      text: `This policy applies to all business trips by employees of ${COMPANY.name}, including service technicians on customer visits and staff attending trade fairs. It explains what the company pays for and how to claim expenses. Travel must be necessary for the business and planned at a reasonable cost.`,
    },
    { kind: 'heading', level: 1, text: '2 Booking travel' },
    {
      kind: 'bullets',
      items: [
        'Book trains, flights and hotels through the travel portal so that the company\'s negotiated rates apply.',
        'Within Germany, take the train for journeys of up to 500 km; second class, or first class for trips of more than four hours.',
        `Flights are economy class. Business class needs the written approval of the Managing Director, ${PEOPLE.managingDirector.name}.`,
        'Service technicians use the company van; private cars are reimbursed at 0.30 EUR per kilometre.',
      ],
    },
    { kind: 'heading', level: 1, text: '3 Allowances and limits' },
    {
      kind: 'table',
      columns: [{ header: 'Item', weight: 0.55 }, { header: 'Limit', weight: 0.45 }],
      rows: [
        ['Hotel per night, Germany', 'up to 140 EUR'],
        ['Hotel per night, abroad', 'up to 180 EUR'],
        ['Meal allowance, 8 to 24 hours away', '14 EUR per day'],
        ['Meal allowance, full day away', '28 EUR per day'],
        ['Customer dinner', 'up to 60 EUR per person, with the names of all guests'],
        ['Taxi', 'only where no public transport is reasonable'],
      ],
    },
    { kind: 'heading', level: 1, text: '4 Submitting expenses' },
    {
      kind: 'steps',
      items: [
        'Collect all receipts; a photo in the expense app is enough for amounts under 150 EUR.',
        'Enter the claim in the expense app within 30 days of the end of the trip, one claim per trip.',
        'Name the customer, project or cost centre and the purpose of the trip.',
        'Your line manager approves the claim; Finance pays it with the next monthly salary.',
      ],
    },
    {
      kind: 'paragraph',
      text: `Questions about this policy go to ${PEOPLE.headOfFinance.name}, ${PEOPLE.headOfFinance.role} (${companyEmail('finance')}, ${COMPANY.phone}).`,
    },
  ],
};
