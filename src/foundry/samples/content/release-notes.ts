import { companyEmail, PEOPLE } from './company.ts';

const FENCE = '```';

/** Release notes of the NordLink portal and NL-10 sensor firmware, as Markdown. */
export const RELEASE_NOTES = `# NordLink release notes

NordLink is the condition monitoring system for Nordwind pumps: the **NL-10** sensor measures
vibration and bearing temperature on the pump, and the **NordLink portal** shows trends and
raises alarms before a limit is reached. These notes cover the portal and the sensor firmware.

Maintained by ${PEOPLE.productManager.name} (${PEOPLE.productManager.email}). Report problems to
${companyEmail('nordlink-support')}.

## Portal 2.4.0 and firmware 1.8.0 (15 September 2026)

### New

- Maintenance forecast: the portal now estimates the remaining hours until the next regreasing
  and seal replacement of an NP-200 or NP-350 from its actual running hours.
- Alarm thresholds can be set per pump instead of per site.
- Export of vibration trends as CSV for the last 365 days.

### Fixed

- Bearing temperatures above 100 °C were shown as 99.9 °C in the weekly report.
- Sensors that lost their connection for more than 24 hours were not listed as offline.

### Changed

- The minimum measurement interval is now 10 seconds (was 60 seconds) with firmware 1.8.0.
- Firmware 1.6.x is no longer supported; sensors are updated automatically in October 2026.

## Portal 2.3.1 (4 August 2026)

- Fixed: the site overview did not load for customers with more than 200 pumps.
- Fixed: e-mail alarms used the server time zone instead of the site time zone.

## Portal 2.3.0 and firmware 1.7.2 (30 June 2026)

- New: support for the NP-350 with its larger bearing bracket and two sensor positions.
- New: single sign-on with the customer's own identity provider (OpenID Connect).
- Changed: alarm e-mails now include the pump's serial number and site name.

## Compatibility

| Firmware | Portal | Pumps | Status |
|---|---|---|---|
| 1.8.0 | 2.4.0 or later | NP-200, NP-350 | current |
| 1.7.2 | 2.3.0 or later | NP-200, NP-350 | supported until March 2027 |
| 1.6.4 | 2.1.0 to 2.3.1 | NP-200 only | no longer supported |

## Configuring the gateway

The on-site gateway forwards sensor readings to the portal. After a firmware update, check that
its configuration file still names the right site and measurement interval:

${FENCE}yaml
# /etc/nordlink/gateway.yaml
site: hamburg-test-bench-2
portal: https://portal.nordwind-pumps.example
interval_seconds: 10
sensors:
  - id: NL10-0481
    pump: NP200-26-0147
    position: bearing-drive-end
  - id: NL10-0482
    pump: NP350-26-0012
    position: bearing-non-drive-end
${FENCE}

Then restart the service with \`sudo systemctl restart nordlink-gateway\` and check the portal's
*Sensors* page: every sensor should report within two intervals.
`;
