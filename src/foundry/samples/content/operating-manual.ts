import { COMPANY, companyEmail, PARTS, PEOPLE, SERVICE_PLANS } from './company.ts';
import type { DocumentContent } from './document-content.ts';

/** The NP-200 operating manual: the longest sample, about 2,000 words over five pages. */
export const OPERATING_MANUAL: DocumentContent = {
  title: 'NP-200 Centrifugal Pump',
  subtitle: 'Operating Manual: safety, installation, commissioning, maintenance and troubleshooting',
  reference: 'NW-OM-200-EN, Revision 3.2, June 2026',
  shortTitle: 'NP-200 Operating Manual',
  author: COMPANY.name,
  subject: 'Operating manual for the NP-200 single-stage end-suction centrifugal pump',
  keywords: ['NP-200', 'centrifugal pump', 'operating manual', 'maintenance', 'Nordwind'],
  language: 'en-GB',
  issued: new Date('2026-06-15T08:00:00Z'),
  blocks: [
    { kind: 'heading', level: 1, text: '1 About this manual' },
    {
      kind: 'paragraph',
      text: `This manual applies to all NP-200 single-stage end-suction centrifugal pumps built by ${COMPANY.name} from serial number NP200-26-0001 onwards, including the NP-200-S variant with stainless-steel wetted parts. It describes how to install, commission, operate, maintain and troubleshoot the pump safely. Read the whole manual before you start work, keep it next to the pump for the lifetime of the installation, and hand it over to any later owner or operator.`,
    },
    {
      kind: 'paragraph',
      text: 'The NP-200 is designed for clean or slightly contaminated water, cooling water, boiler feed water and non-aggressive process liquids with a viscosity of up to 40 mm²/s. Pumping flammable liquids, liquids with more than 0.2 % abrasive solids by volume, or food products is outside the intended use unless Nordwind has confirmed it in writing for your order. The larger NP-350 follows the same installation principles but has its own manual (NW-OM-350-EN); do not use the figures in this document for an NP-350.',
    },
    { kind: 'heading', level: 1, text: '2 Safety' },
    {
      kind: 'paragraph',
      text: 'Only trained and authorised personnel may install, operate or service the pump. Electrical work must be carried out by a qualified electrician in accordance with IEC 60204-1 and local regulations. The operator of the plant is responsible for training staff, for lockout procedures and for providing personal protective equipment.',
    },
    {
      kind: 'callout',
      label: 'WARNING: rotating parts',
      text: 'Never run the pump without the coupling guard fitted. Before any work on the pump, switch off the motor, lock the main isolator in the OFF position and attach a warning tag with your name. Wait until the shaft has come to a complete stop.',
    },
    {
      kind: 'callout',
      label: 'CAUTION: hot surfaces and pressurised liquid',
      text: 'The pump casing can reach the temperature of the pumped liquid, up to 120 °C. Close the suction and discharge valves, let the pump cool down and relieve the pressure through the drain plug before you open the casing.',
    },
    {
      kind: 'bullets',
      items: [
        'Wear safety shoes, gloves and eye protection when you handle or service the pump.',
        'Use only lifting gear rated for the combined weight of pump and motor (410 kg for the standard 37 kW unit). Never lift the whole unit by the eye bolts of the motor.',
        'Do not run the pump dry, not even briefly to check the direction of rotation: the mechanical seal is destroyed within seconds.',
        'Do not operate the pump against a closed discharge valve for more than 60 seconds, because the liquid in the casing heats up quickly.',
        'At full load the unit emits up to 82 dB(A) at a distance of 1 m. Provide hearing protection where required.',
      ],
    },
    {
      kind: 'paragraph',
      text: 'Any modification of the pump or the use of non-original spare parts voids the warranty and the EU declaration of conformity. Report every safety-related incident to the Nordwind service team within 48 hours (see section 9).',
    },
    { kind: 'heading', level: 1, text: '3 Technical data' },
    {
      kind: 'table',
      columns: [{ header: 'Parameter', weight: 0.5 }, { header: 'NP-200 standard unit', weight: 0.5 }],
      rows: [
        ['Rated flow', '200 m³/h'],
        ['Rated head', '45 m'],
        ['Maximum operating pressure', '16 bar (PN 16)'],
        ['Motor', '37 kW, 400 V, 50 Hz, efficiency class IE3'],
        ['Speed', '1,480 rpm'],
        ['Liquid temperature', '-10 °C to +120 °C'],
        ['Suction / discharge flange', 'DN 150 / DN 125'],
        ['Impeller diameter (standard)', '260 mm'],
        ['Weight of pump and motor on base frame', '410 kg'],
        ['Sound pressure level at 1 m', '82 dB(A)'],
      ],
    },
    {
      kind: 'paragraph',
      text: 'The rating plate on the bearing bracket shows the serial number, the year of manufacture and the actual impeller diameter of your pump. Always quote the serial number when you order spare parts or call the service hotline.',
    },
    { kind: 'heading', level: 1, text: '4 Installation' },
    {
      kind: 'paragraph',
      text: 'Install the pump in a dry, frost-free and well-ventilated room with enough space around it for maintenance: at least 0.8 m on the motor side and 0.5 m on the other sides. The foundation must be level, made of concrete of at least strength class C20/25 and heavy enough to absorb vibration. As a rule of thumb, its mass should be at least 1.5 times the mass of the pump unit.',
    },
    {
      kind: 'steps',
      items: [
        'Check the delivery for transport damage and compare the rating plate with the order confirmation. Report any damage to the carrier and to Nordwind within seven days.',
        'Place the base frame on the foundation, insert the anchor bolts and level the frame with shims to within 0.2 mm per metre, measured on the machined pads for pump and motor.',
        'Grout the base frame with non-shrinking grout and let it cure for at least 48 hours before you tighten the anchor bolts to the torque specified by the bolt manufacturer.',
        'Connect the suction and discharge pipes without stress. Support the pipes independently so that no pipe forces act on the pump flanges; the flange bolts must slide into their holes freely.',
        'Fit a strainer with a mesh size of 2 mm or less in the suction line for the first 48 hours of operation. It catches welding beads and other debris left in new pipework.',
        'Check the coupling alignment with a dial gauge or a laser alignment tool. Radial and axial misalignment must not exceed 0.05 mm; correct it with shims under the motor feet.',
        'Have the motor connected by a qualified electrician according to the wiring diagram in the terminal box, including the PTC thermistor and the protective earth conductor.',
      ],
    },
    {
      kind: 'paragraph',
      text: 'Keep the suction pipe as short and straight as possible and make it at least one nominal size larger than the suction flange. Avoid air pockets: with suction lift, lay horizontal sections with a continuous rise towards the pump, and use eccentric reducers with the flat side on top.',
    },
    { kind: 'heading', level: 1, text: '5 Commissioning' },
    {
      kind: 'paragraph',
      text: `Commission the pump only after the installation has been completed and checked. For the first start-up of a new installation we recommend a Nordwind service technician; commissioning by our service team is included in the ${SERVICE_PLANS.gold.name} contract.`,
    },
    {
      kind: 'steps',
      items: [
        'Flush the pipework before you connect it to the pump, or remove and clean the strainer after flushing.',
        'Fill the pump and the suction line completely with liquid and vent the casing through the vent screw on top of the volute until liquid without bubbles emerges.',
        'Open the suction valve fully. Leave the discharge valve closed or only slightly open.',
        'Check the direction of rotation by switching the motor on and immediately off again. Seen from the motor end, the shaft must turn clockwise, as shown by the arrow on the bearing bracket.',
        'Start the motor. As soon as it has reached full speed, open the discharge valve slowly until the operating point is reached.',
        'Check the discharge pressure, the motor current and the bearing temperature. During the first hours the bearing temperature may rise to 40 K above ambient, but it must not exceed 90 °C.',
        'Check the mechanical seal for leaks. A few drops per hour during the running-in period are normal; a steady trickle is not.',
        'Record the operating values in the commissioning report (form NW-F-017) and keep a copy with this manual.',
      ],
    },
    {
      kind: 'paragraph',
      text: 'If the pump does not deliver, or if the discharge pressure fluctuates, stop the motor at once and consult section 8 before you try again.',
    },
    { kind: 'heading', level: 1, text: '6 Operation and shutdown' },
    {
      kind: 'paragraph',
      text: 'During normal operation keep the pump between 70 % and 110 % of its rated flow. Running outside this range increases vibration, wear and energy consumption, and at very low flow the liquid in the casing heats up. Where the demand varies widely, a frequency converter is more efficient than throttling the discharge valve.',
    },
    {
      kind: 'steps',
      items: [
        'Close the discharge valve slowly to avoid pressure surges in the pipework.',
        'Switch off the motor and check that the pump runs down smoothly and without noise.',
        'If the pump will be out of service for a long time, or if frost is expected, close the suction valve and drain the casing through the drain plug.',
      ],
    },
    {
      kind: 'paragraph',
      text: 'Pumps kept on standby should be run for about five minutes once a month so that the bearings and the seal faces do not stick.',
    },
    { kind: 'heading', level: 1, text: '7 Maintenance schedule' },
    {
      kind: 'paragraph',
      text: 'Regular maintenance keeps the pump reliable and efficient. The intervals below apply to continuous operation (about 8,000 hours per year) with clean water; shorten them for abrasive liquids, frequent starts or high ambient temperatures. With the NordLink NL-10 condition monitoring sensor, vibration and bearing temperature are recorded automatically and the NordLink portal warns you before a limit is reached.',
    },
    {
      kind: 'table',
      columns: [{ header: 'Interval', weight: 0.22 }, { header: 'Task', weight: 0.5 }, { header: 'Part number', weight: 0.28 }],
      rows: [
        ['Daily', 'Check for leaks, unusual noise and vibration', '-'],
        ['Monthly', 'Check bearing temperature and motor current; clean the strainer', '-'],
        ['Every 3 months', 'Check the coupling insert for wear', PARTS.couplingInsert200],
        ['Every 4,000 h', 'Regrease the bearings, 15 g per bearing', PARTS.grease],
        ['Every 12 months', 'Check coupling alignment and anchor bolts', '-'],
        ['Every 16,000 h', 'Replace the mechanical seal and the O-rings', `${PARTS.sealKit200}, ${PARTS.oRingSet200}`],
        ['Every 32,000 h', 'Replace both bearings', PARTS.bearingKit200],
      ],
    },
    {
      kind: 'paragraph',
      text: `Use only lithium complex grease to DIN 51825 KP2N-30, such as Nordwind grease ${PARTS.grease}, and do not mix greases of different types. Too much grease raises the bearing temperature just as surely as too little: add the specified quantity with the pump running and remove old grease from the relief openings.`,
    },
    {
      kind: 'paragraph',
      text: `The NP-200 has a back-pull-out design: to replace the mechanical seal, the volute casing and the pipework stay in place while the bearing bracket with the impeller is pulled out. Order the seal kit ${PARTS.sealKit200}, which contains the seal, the O-rings and the gasket for the casing cover. A trained technician needs about three hours for the work.`,
    },
    { kind: 'heading', level: 1, text: '8 Troubleshooting' },
    {
      kind: 'paragraph',
      text: 'Most faults can be traced back to the installation or to the operating conditions rather than to the pump itself. Work through the table below before you call the service hotline, and note what you have already checked.',
    },
    {
      kind: 'table',
      columns: [{ header: 'Symptom', weight: 0.24 }, { header: 'Possible cause', weight: 0.36 }, { header: 'Remedy', weight: 0.4 }],
      rows: [
        ['Pump does not deliver', 'Pump or suction line not filled; wrong direction of rotation', 'Fill and vent the pump; swap two motor phases'],
        ['Flow or head too low', 'Discharge valve throttled; impeller worn or clogged; air leak in the suction line', 'Open the valve; clean or replace the impeller; seal the suction pipe'],
        ['Noise, rattling', 'Cavitation because the available NPSH is too low; foreign body in the pump', 'Raise the suction level or reduce suction losses; inspect the impeller'],
        ['High vibration', 'Coupling misaligned; impeller out of balance; loose anchor bolts', 'Realign the coupling; have the impeller rebalanced; retighten the bolts'],
        ['Bearings too hot', 'Too much or too little grease; misalignment', 'Correct the grease quantity; realign the coupling'],
        ['Seal leaks', 'Seal worn or run dry; shaft runs out of true', `Replace the seal kit ${PARTS.sealKit200}; check the shaft`],
        ['Motor protection trips', 'Flow above the rated point; impeller diameter too large', 'Throttle the discharge valve; have the impeller trimmed'],
      ],
    },
    {
      kind: 'paragraph',
      text: 'If a fault comes back after the remedy, or if the symptom is not listed, stop the pump and contact the Nordwind service team. Please have the serial number, the operating values and a short description of the fault ready when you call.',
    },
    { kind: 'heading', level: 1, text: '9 Service and spare parts' },
    {
      kind: 'paragraph',
      text: `Nordwind service is available around the clock for customers with a ${SERVICE_PLANS.silver.name} or ${SERVICE_PLANS.gold.name} contract, and on working days from 7:00 to 18:00 CET for everyone else. Original spare parts are kept in stock in Hamburg for at least ten years after the last delivery of a pump type; orders received by 14:00 are usually shipped the same day.`,
    },
    {
      kind: 'bullets',
      items: [
        `Service hotline: ${COMPANY.serviceHotline}, e-mail ${companyEmail('service')}`,
        `Spare parts: ${COMPANY.partsPhone}, e-mail ${companyEmail('parts')}`,
        `Escalation: ${PEOPLE.headOfService.name}, ${PEOPLE.headOfService.role}, e-mail ${PEOPLE.headOfService.email}`,
        `Postal address: ${COMPANY.name}, ${COMPANY.street}, ${COMPANY.postcode} ${COMPANY.city}, ${COMPANY.country}`,
      ],
    },
  ],
};
