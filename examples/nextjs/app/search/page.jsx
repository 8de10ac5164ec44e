import { searchProducts } from '../../lib/catalog.js';
import { ProductCard } from '../shop.jsx';

export default async function Search({ searchParams }) {
  const q = (await searchParams).q ?? '';
  const results = searchProducts(q);
  return (
    <>
      <h1>Results for “{q}”</h1>
      {results.length ? (
        <ul>{results.map((p) => <ProductCard key={p.product_id} product={p} list="search" />)}</ul>
      ) : (
        <p>No products found.</p>
      )}
    </>
  );
}
