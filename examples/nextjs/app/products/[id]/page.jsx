import { notFound } from 'next/navigation';
import { productById, productFields, products } from '../../../lib/catalog.js';
import { AddToCart, ProductCard } from '../../shop.jsx';
import { ProductView } from './view.jsx';

export const generateStaticParams = () => products.map((p) => ({ id: p.product_id.toLowerCase() }));

export default async function Product({ params }) {
  const product = productById((await params).id);
  if (!product) notFound();
  // The next three in the catalogue, wrapping around: every product links to other categories.
  const i = products.indexOf(product);
  const related = [1, 2, 3].map((k) => products[(i + k) % products.length]);
  return (
    <>
      <ProductView product={productFields(product)} />
      <h1>{product.product_name}</h1>
      <p>{product.product_category} · ${product.product_price.toFixed(2)}</p>
      <AddToCart product={product} />
      <h2>You may also like</h2>
      <ul>{related.map((p) => <ProductCard key={p.product_id} product={p} list="related" />)}</ul>
    </>
  );
}
