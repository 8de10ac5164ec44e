// The seed's manual test as a script: a paid landing, sign in, home, a category, a search, three
// products, add one to the cart, remove it, add another, checkout, shipping, place the order.
// Shared by the end-to-end test and `npm run demo`. Returns the order id.
export const landingUrl = (site) =>
  `${site}/?utm_source=google&utm_medium=cpc&utm_campaign=winter_sale&gclid=Cj0KCQ-test`;

export async function seedScenario(page, site) {
  const landing = landingUrl(site);
  // Each step waits for its page: a click before hydration would be a full page load.
  const go = async (click, url) => {
    await Promise.all([page.waitForURL(url), click()]);
    await page.waitForLoadState('networkidle');
  };

  await page.goto(landing, { waitUntil: 'networkidle' });
  await go(() => page.click('text=Sign in'), `${site}/signin`);
  await go(() => page.click('#sign-in'), `${site}/`);
  await page.waitForSelector('text=signed in as');
  await go(() => page.click('text=Laptops'), `${site}/category/laptops`);
  await page.fill('input[name=q]', 'monitor');
  await go(() => page.click('button:has-text("Search")'), `${site}/search?q=monitor`);
  await go(() => page.click('text=27 inch 4K Monitor'), `${site}/products/sku-22001`);
  await go(() => page.click('text=Mechanical Keyboard'), `${site}/products/sku-31001`);
  await go(() => page.click('text=Gaming Laptop 15 inch'), `${site}/products/sku-12345`);
  await page.click('[data-add=SKU-12345]');
  await go(() => page.click('#cart-link'), `${site}/cart`);
  await page.click('[data-remove=SKU-12345]');
  await page.click('[data-add=SKU-12346]');
  await go(() => page.click('#checkout'), `${site}/checkout`);
  await page.fill('input[name=name]', 'Ada Lovelace');
  await page.fill('input[name=address]', '1 Analytical Way');
  await page.fill('input[name=city]', 'London');
  await page.click('#continue');
  await page.click('#place-order');
  await page.waitForURL(`${site}/order/**`);
  const orderId = await page.textContent('#order-id');
  return orderId;
}
