import { COMPANY, companyEmail, PARTS } from './company.ts';
import type { DocumentContent } from './document-content.ts';

/** The NP-200 quick start guide: one page that points back to the operating manual. */
export const QUICK_START: DocumentContent = {
  title: 'NP-200 Quick Start Guide',
  subtitle: 'From delivery to first start-up in eight steps',
  reference: 'NW-QS-200-EN, Revision 1.4, June 2026',
  shortTitle: 'NP-200 Quick Start Guide',
  author: COMPANY.name,
  subject: 'Quick start guide for the NP-200 centrifugal pump',
  keywords: ['NP-200', 'quick start', 'commissioning', 'Nordwind'],
  language: 'en-GB',
  issued: new Date('2026-06-15T08:30:00Z'),
  blocks: [
    {
      kind: 'paragraph',
      text: `This guide summarises the first installation and start-up of an NP-200 centrifugal pump. It does not replace the operating manual NW-OM-200-EN: read the manual, in particular its safety chapter, before you work on the pump. Help: service hotline ${COMPANY.serviceHotline} or ${companyEmail('service')}.`,
    },
    {
      kind: 'callout',
      label: 'WARNING',
      text: 'Never run the pump dry and never run it without the coupling guard. Lock the main isolator in the OFF position before any work on the pump.',
    },
    { kind: 'heading', level: 1, text: 'What you need' },
    {
      kind: 'bullets',
      items: [
        'Lifting gear rated for at least 410 kg; safety shoes, gloves, eye and hearing protection',
        'Dial gauge or laser alignment tool, torque wrench and shims',
        `Nordwind grease ${PARTS.grease} and the commissioning report form NW-F-017`,
      ],
    },
    { kind: 'heading', level: 1, text: 'Eight steps to first start-up' },
    {
      kind: 'steps',
      items: [
        'Level the base frame to within 0.2 mm per metre, grout it and let the grout cure for 48 hours.',
        'Connect the suction and discharge pipes without stress and fit a 2 mm strainer in the suction line.',
        'Align the coupling: radial and axial misalignment of no more than 0.05 mm.',
        'Have the motor, the PTC thermistor and the protective earth connected by a qualified electrician.',
        'Fill and vent the pump and the suction line until liquid without bubbles emerges.',
        'Open the suction valve fully and leave the discharge valve almost closed.',
        'Jog the motor and check that the shaft turns clockwise, seen from the motor end.',
        'Start the pump, open the discharge valve slowly and record pressure, current and bearing temperature in form NW-F-017.',
      ],
    },
    { kind: 'heading', level: 1, text: 'Key figures' },
    {
      kind: 'table',
      columns: [{ header: 'Item', weight: 0.55 }, { header: 'Value', weight: 0.45 }],
      rows: [
        ['Rated flow and head', '200 m³/h at 45 m'],
        ['Maximum bearing temperature', '90 °C'],
        ['Maximum run time against a closed valve', '60 s'],
        ['First regreasing', `after 4,000 h, 15 g ${PARTS.grease} per bearing`],
      ],
    },
  ],
};
