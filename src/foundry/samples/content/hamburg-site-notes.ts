import { COMPANY, PEOPLE } from './company.ts';

/**
 * Notes on the Hamburg site, in German, as someone typed them on an old Windows PC: the file is
 * written in windows-1252 with CRLF line ends, and uses €, „…“ and – (bytes 0x80–0x9F), which
 * ISO 8859-1 and UTF-8 would both read wrongly.
 */
export const HAMBURG_SITE_NOTES = [
  'Standortnotizen Hamburg – Werk Kesselweg',
  `Stand: 28.09.2026, ${PEOPLE.siteManager.name} (Standortleitung)`,
  '',
  `Anfahrt: Unser Werk liegt im ${COMPANY.street}, ${COMPANY.postcode} ${COMPANY.city}. LKW fahren bitte ausschließlich über die Kapitän-Lüders-Straße und das Tor 3 an; die Zufahrt über den Kesselweg ist für Fahrzeuge über 7,5 t gesperrt. Besucher melden sich am Empfang in Gebäude A und erhalten dort einen Besucherausweis.`,
  '',
  'Parken: Die Besucherparkplätze befinden sich direkt vor Gebäude A. Mitarbeitende parken auf dem großen Parkplatz hinter der Montagehalle. Ein Stellplatz in der Tiefgarage kostet 25 € im Monat und wird über die Personalabteilung vergeben.',
  '',
  'Kantine: Geöffnet Montag bis Freitag von 11:30 bis 14:00 Uhr. Das Mittagessen kostet 6,50 €, für Gäste 9,80 €. Am Freitag gibt es traditionell Fischbrötchen – bitte bis Donnerstag 12 Uhr vorbestellen.',
  '',
  'Prüfstände: Prüfstand 1 (bis 250 m³/h) steht für die NP-200-Abnahmen zur Verfügung. Prüfstand 2 ist bis zum 15.10.2026 für die Abnahme der NP-350-Serie für den Kunden „Vattenverket Norrby“ reserviert. Änderungen bitte nur nach Rücksprache mit der Qualitätssicherung.',
  '',
  'Sicherheit: Jede Person, die die Montagehalle betritt, braucht eine gültige Sicherheitsunterweisung (jährlich). Sicherheitsschuhe und Gehörschutz sind an den Prüfständen Pflicht. Die Sammelstelle bei Räumung ist der Parkplatz an der Kapitän-Lüders-Straße.',
  '',
  `Ansprechpartnerin: ${PEOPLE.siteManager.name}, Telefon ${COMPANY.phone}, E-Mail ${PEOPLE.siteManager.email}. Bei Störungen der Haustechnik außerhalb der Bürozeiten bitte den Pförtner unter Durchwahl -1200 anrufen.`,
  '',
].join('\r\n');
