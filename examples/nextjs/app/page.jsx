import Link from 'next/link';
import { categories, products } from '../lib/catalog.js';
import { ProductCard } from './shop.jsx';

export default function Home() {
  return (
    <>
      <h1>Clickstream shop</h1>
      <h2>Categories</h2>
      <ul>
        {categories.map((c) => (
          <li key={c.slug}><Link href={`/category/${c.slug}`}>{c.name}</Link></li>
        ))}
      </ul>
      <h2>Featured</h2>
      <ul>{products.slice(0, 3).map((p) => <ProductCard key={p.product_id} product={p} list="home" />)}</ul>
    </>
  );
}
