import { COMPANY, companyEmail, PEOPLE } from './company.ts';
import type { DocumentContent } from './document-content.ts';

/** The information security policy: about 800 words with headings, lists and a roles table. */
export const INFORMATION_SECURITY_POLICY: DocumentContent = {
  title: 'Information Security Policy',
  subtitle: `${COMPANY.name}, approved by the management on 12 March 2026`,
  reference: 'ISP-001, Version 2.1',
  shortTitle: 'Information Security Policy',
  author: PEOPLE.securityOfficer.name,
  subject: 'Company-wide rules for protecting information and IT systems',
  keywords: ['information security', 'policy', 'ISMS', 'Nordwind'],
  language: 'en-GB',
  issued: new Date('2026-03-12T09:00:00Z'),
  blocks: [
    { kind: 'heading', level: 1, text: '1 Purpose and scope' },
    {
      kind: 'paragraph',
      text: `This policy sets out how ${COMPANY.name} protects the information it creates, receives and stores, and the systems that process it. Our customers trust us with drawings, plant data and service histories, and our own designs for the NP-200 and NP-350 pump series are the basis of our business. Losing or exposing this information would harm our customers and the company alike.`,
    },
    {
      kind: 'paragraph',
      text: 'The policy applies to all employees, temporary staff, students and contractors who have access to Nordwind information or IT systems, at every site and when working remotely. It covers information in any form: electronic files, e-mails, paper documents and conversations.',
    },
    { kind: 'heading', level: 1, text: '2 Principles' },
    {
      kind: 'bullets',
      items: [
        'Confidentiality: information is only available to the people who need it for their work.',
        'Integrity: information is complete and correct, and changes can be traced back to the person who made them.',
        'Availability: systems and information are available when the business needs them, including the 24-hour service hotline.',
        'Least privilege: access rights are granted for a specific role and removed as soon as they are no longer needed.',
        'Security by default: new systems and suppliers are assessed before they are used with company data.',
      ],
    },
    { kind: 'heading', level: 1, text: '3 Roles and responsibilities' },
    {
      kind: 'paragraph',
      text: 'Information security is everyone\'s job, but some roles carry specific responsibilities:',
    },
    {
      kind: 'table',
      columns: [{ header: 'Role', weight: 0.3 }, { header: 'Responsibilities', weight: 0.7 }],
      rows: [
        ['Management', 'Approves this policy, provides the budget and staff for information security, and reviews the security report every quarter.'],
        [`Information Security Officer (${PEOPLE.securityOfficer.name})`, 'Maintains the policy and the risk register, coordinates the response to incidents, and runs the annual awareness training.'],
        ['IT Operations', 'Operates and patches servers, networks and workstations, manages backups and access rights, and monitors the systems for attacks.'],
        [`Data Protection Officer (${PEOPLE.dataProtectionOfficer.name})`, 'Advises on the processing of personal data under the GDPR and is informed of every incident that involves personal data.'],
        ['Heads of department', 'Decide who in their team needs which access, classify the information their team owns, and review access rights twice a year.'],
        ['All employees', 'Follow this policy, protect their accounts and devices, and report suspected incidents without delay.'],
      ],
    },
    { kind: 'heading', level: 1, text: '4 Rules for everyone' },
    { kind: 'heading', level: 2, text: '4.1 Accounts and passwords' },
    {
      kind: 'paragraph',
      text: 'Every person has a personal account; shared accounts are not allowed except for machine controllers on the test benches, which are registered with IT Operations.',
    },
    {
      kind: 'bullets',
      items: [
        'Use a passphrase of at least 14 characters and do not use it for any other service.',
        'Multi-factor authentication is mandatory for e-mail, remote access and the ERP system.',
        'Never tell anyone your password, not even IT staff: they will never ask for it.',
      ],
    },
    { kind: 'heading', level: 2, text: '4.2 Classification of information' },
    {
      kind: 'bullets',
      items: [
        'Public: brochures, published manuals and the website.',
        'Internal: organisation charts, internal procedures, the canteen menu.',
        'Confidential: customer data, offers, prices, drawings and service reports.',
        'Strictly confidential: design data for unreleased products, personnel files, acquisition plans.',
      ],
    },
    {
      kind: 'paragraph',
      text: 'Confidential and strictly confidential information may only be sent outside the company encrypted, and printed copies must not be left on desks or printers.',
    },
    { kind: 'heading', level: 2, text: '4.3 Mobile devices and remote work' },
    {
      kind: 'paragraph',
      text: 'Laptops and phones that access company data must be managed by IT Operations, encrypted and locked automatically after five minutes. Use the company VPN on public networks and do not let family members use company devices. Report a lost or stolen device to the IT service desk immediately, even outside office hours.',
    },
    { kind: 'heading', level: 2, text: '4.4 Use of AI services' },
    {
      kind: 'paragraph',
      text: 'Internal, confidential and strictly confidential information must not be entered into public AI chat services or translation websites. Use the company\'s own AI platform, which runs in our data centre in Hamburg and keeps every prompt and document inside the company.',
    },
    { kind: 'heading', level: 1, text: '5 Reporting security incidents' },
    {
      kind: 'paragraph',
      text: 'A security incident is any event that may put the confidentiality, integrity or availability of information at risk: a phishing e-mail you clicked, a lost laptop, a stranger in the production hall, an unusual message on a machine controller. If in doubt, report it.',
    },
    {
      kind: 'steps',
      items: [
        'Stop what you are doing and do not try to investigate on your own.',
        'Disconnect an affected computer from the network, but do not switch it off.',
        `Call the security hotline on ${COMPANY.securityHotline} or write to ${companyEmail('security')}.`,
        'Describe what happened, when, and which systems or documents are involved.',
        'Follow the instructions of the Information Security Officer and keep the incident confidential.',
      ],
    },
    {
      kind: 'paragraph',
      text: 'Nobody will be blamed for reporting an incident in good faith, even if it turns out to be harmless or was caused by their own mistake.',
    },
    { kind: 'heading', level: 1, text: '6 Compliance and review' },
    {
      kind: 'paragraph',
      text: `Violations of this policy may lead to disciplinary measures under employment law. The Information Security Officer reviews the policy at least once a year and after every serious incident. Questions about this policy go to ${PEOPLE.securityOfficer.name} (${PEOPLE.securityOfficer.email}).`,
    },
  ],
};
