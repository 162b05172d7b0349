import { COMPANY, companyEmail, PARTS, SERVICE_PLANS } from './company.ts';

const year = 2026;

/**
 * The "Service and support" page of the company website, saved as a browser would: the article
 * sits among a menu, a cookie banner, a sidebar, a footer and scripts, which the HTML parser's
 * main-content extraction has to remove.
 */
export const SERVICE_AND_SUPPORT_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Service and support | ${COMPANY.name}</title>
  <meta name="description" content="Service contracts, spare parts and the 24-hour service hotline for NP-200 and NP-350 centrifugal pumps.">
  <link rel="canonical" href="${COMPANY.web}/en/service">
  <link rel="stylesheet" href="/assets/site.css">
  <script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization","name":"${COMPANY.name}","telephone":"${COMPANY.phone}","url":"${COMPANY.web}"}</script>
</head>
<body class="page page--service">
  <div class="cookie-banner" id="cookie-banner" role="dialog" aria-label="Cookie consent">
    <p>We use cookies to make this website work and, with your consent, to measure how it is used. You can change your choice at any time under &ldquo;Cookie settings&rdquo;.</p>
    <button type="button" class="button button--primary" data-consent="all">Accept all</button>
    <button type="button" class="button" data-consent="necessary">Only necessary cookies</button>
    <a href="/en/privacy#cookies">Cookie settings</a>
  </div>

  <header class="site-header">
    <a class="site-header__logo" href="/en/"><img src="/assets/nordwind-logo.svg" alt="Nordwind Pumps" width="180" height="40"></a>
    <nav class="main-nav" aria-label="Main menu">
      <ul>
        <li><a href="/en/products">Products</a></li>
        <li><a href="/en/industries">Industries</a></li>
        <li class="is-active"><a href="/en/service" aria-current="page">Service</a></li>
        <li><a href="/en/downloads">Downloads</a></li>
        <li><a href="/en/company">Company</a></li>
        <li><a href="/en/careers">Careers</a></li>
        <li><a href="/en/contact">Contact</a></li>
      </ul>
    </nav>
    <form class="site-search" action="/en/search" role="search">
      <label for="q" class="visually-hidden">Search</label>
      <input id="q" name="q" type="search" placeholder="Search products, parts, documents">
      <button type="submit">Search</button>
    </form>
    <a class="language-switch" href="/de/service" hreflang="de">Deutsch</a>
  </header>

  <nav class="breadcrumb" aria-label="Breadcrumb">
    <a href="/en/">Home</a> &rsaquo; <a href="/en/service">Service</a> &rsaquo; <span>Service and support</span>
  </nav>

  <main id="content">
    <article class="content">
      <h1>Service and support for Nordwind pumps</h1>
      <p class="lead">A pump that stops can stop a whole plant. Our service team in Hamburg looks after more than 6,000 Nordwind pumps in waterworks, breweries, chemical plants and district heating networks across Europe, and helps you keep your NP-200 and NP-350 units running for decades.</p>

      <h2>Service contracts</h2>
      <p>Every Nordwind pump comes with a two-year warranty. A ServicePlus contract adds planned maintenance, guaranteed response times and, with the Gold level, continuous condition monitoring with the NordLink NL-10 sensor. Prices are per pump and year, excluding VAT.</p>
      <table class="service-levels">
        <caption>ServicePlus service levels</caption>
        <thead>
          <tr><th scope="col">Included</th><th scope="col">Basic</th><th scope="col">Silver</th><th scope="col">Gold</th></tr>
        </thead>
        <tbody>
          <tr><th scope="row">Service hotline</th><td>Mon&ndash;Fri 7:00&ndash;18:00</td><td>24/7</td><td>24/7</td></tr>
          <tr><th scope="row">Response time</th><td>next working day</td><td>4 hours</td><td>2 hours</td></tr>
          <tr><th scope="row">Technician on site</th><td>within 5 working days</td><td>within 48 hours</td><td>within 24 hours</td></tr>
          <tr><th scope="row">Annual inspection</th><td>&ndash;</td><td>yes</td><td>yes, including alignment check</td></tr>
          <tr><th scope="row">Commissioning by Nordwind</th><td>&ndash;</td><td>&ndash;</td><td>included</td></tr>
          <tr><th scope="row">NordLink condition monitoring</th><td>&ndash;</td><td>optional</td><td>included</td></tr>
          <tr><th scope="row">Price per pump and year</th><td>${formatEur(SERVICE_PLANS.basic.priceEur)}</td><td>${formatEur(SERVICE_PLANS.silver.priceEur)}</td><td>${formatEur(SERVICE_PLANS.gold.priceEur)}</td></tr>
        </tbody>
      </table>

      <h2>How to request service</h2>
      <ol>
        <li>Note the serial number from the rating plate on the bearing bracket (for example NP200-26-0147).</li>
        <li>Call the service hotline on <a href="tel:+494055501299">${COMPANY.serviceHotline}</a> or write to <a href="mailto:${companyEmail('service')}">${companyEmail('service')}</a>.</li>
        <li>Describe the symptom and the operating values; the troubleshooting table in the operating manual helps you narrow it down.</li>
        <li>You receive a ticket number and, where needed, an appointment for a technician.</li>
      </ol>

      <h2>Spare parts</h2>
      <p>We keep original spare parts for every pump type in stock for at least ten years after its last delivery. Orders received by 14:00 are usually shipped the same day. The parts most often ordered for the NP-200 are:</p>
      <ul>
        <li>Mechanical seal kit ${PARTS.sealKit200}, including O-rings and casing gasket</li>
        <li>Bearing kit ${PARTS.bearingKit200}</li>
        <li>Coupling insert ${PARTS.couplingInsert200}</li>
        <li>Nordwind grease ${PARTS.grease}, 400 g cartridge</li>
      </ul>
      <p>For the NP-350, order the seal kit ${PARTS.sealKit350}. Our parts team answers on ${COMPANY.partsPhone} or at <a href="mailto:${companyEmail('parts')}">${companyEmail('parts')}</a>.</p>

      <h2>Training</h2>
      <p>Twice a year we run a two-day maintenance course at our plant in Hamburg for operators of NP-200 and NP-350 pumps. It covers alignment, seal replacement and troubleshooting on a running test bench. The next dates are 10&ndash;11 November 2026 and 23&ndash;24 March 2027.</p>
    </article>

    <aside class="sidebar" aria-label="Related">
      <section class="sidebar__box sidebar__box--alert">
        <h2>Emergency hotline</h2>
        <p>Pump failure outside office hours? ServicePlus Silver and Gold customers call <strong>${COMPANY.serviceHotline}</strong>.</p>
      </section>
      <section class="sidebar__box">
        <h2>Downloads</h2>
        <ul>
          <li><a href="/downloads/np-200-operating-manual.pdf">NP-200 operating manual (PDF)</a></li>
          <li><a href="/downloads/np-200-quick-start.pdf">NP-200 quick start guide (PDF)</a></li>
          <li><a href="/downloads/nw-f-017-commissioning-report.pdf">Commissioning report NW-F-017 (PDF)</a></li>
        </ul>
      </section>
      <section class="sidebar__box">
        <h2>Newsletter</h2>
        <form action="/en/newsletter" method="post"><input type="email" name="email" placeholder="Your e-mail address"><button type="submit">Subscribe</button></form>
      </section>
    </aside>
  </main>

  <footer class="site-footer">
    <div class="site-footer__address">
      <strong>${COMPANY.name}</strong><br>
      ${COMPANY.street}<br>
      ${COMPANY.postcode} ${COMPANY.city}, ${COMPANY.country}<br>
      Phone ${COMPANY.phone}<br>
      <a href="mailto:${companyEmail('info')}">${companyEmail('info')}</a>
    </div>
    <ul class="site-footer__links">
      <li><a href="/en/imprint">Imprint</a></li>
      <li><a href="/en/privacy">Privacy</a></li>
      <li><a href="/en/terms">Terms and conditions</a></li>
      <li><a href="/en/privacy#cookies">Cookie settings</a></li>
    </ul>
    <p class="site-footer__copyright">&copy; ${year} ${COMPANY.name}. All rights reserved.</p>
  </footer>

  <script>
    document.querySelectorAll('[data-consent]').forEach(function (button) {
      button.addEventListener('click', function () {
        document.cookie = 'consent=' + button.dataset.consent + '; path=/; max-age=31536000';
        document.getElementById('cookie-banner').hidden = true;
      });
    });
  </script>
</body>
</html>
`;

/** Formats whole euros as "4,800&nbsp;&euro;"; by hand, so the output never depends on ICU data. */
function formatEur(amount: number): string {
  return `${String(amount).replace(/\B(?=(\d{3})+$)/g, ',')}&nbsp;&euro;`;
}
