// The shop's catalogue: the product fields every product event carries (the seed's sample).
export const categories = [
  { slug: 'laptops', name: 'Laptops' },
  { slug: 'monitors', name: 'Monitors' },
  { slug: 'accessories', name: 'Accessories' },
];

export const products = [
  { product_id: 'SKU-12345', product_name: 'Gaming Laptop 15 inch', product_category: 'Laptops', product_price: 1299.0 },
  { product_id: 'SKU-12346', product_name: 'Ultrabook 13 inch', product_category: 'Laptops', product_price: 999.0 },
  { product_id: 'SKU-22001', product_name: '27 inch 4K Monitor', product_category: 'Monitors', product_price: 349.99 },
  { product_id: 'SKU-22002', product_name: '34 inch Ultrawide Monitor', product_category: 'Monitors', product_price: 499.0 },
  { product_id: 'SKU-31001', product_name: 'Mechanical Keyboard', product_category: 'Accessories', product_price: 89.5 },
  { product_id: 'SKU-31002', product_name: 'Wireless Mouse', product_category: 'Accessories', product_price: 39.9 },
];

export const productPath = (p) => `/products/${p.product_id.toLowerCase()}`;
export const productById = (id) => products.find((p) => p.product_id.toLowerCase() === String(id).toLowerCase());
export const categoryBySlug = (slug) => categories.find((c) => c.slug === slug);
export const inCategory = (c) => products.filter((p) => p.product_category === c.name);

export function searchProducts(q) {
  const term = String(q ?? '').trim().toLowerCase();
  return term ? products.filter((p) => p.product_name.toLowerCase().includes(term)) : [];
}

/** The properties of a product event: exactly the catalogue's fields. */
export const productFields = ({ product_id, product_name, product_category, product_price }) =>
  ({ product_id, product_name, product_category, product_price });

export const cartValue = (cart) => Math.round(cart.reduce((s, p) => s + p.product_price, 0) * 100) / 100;
