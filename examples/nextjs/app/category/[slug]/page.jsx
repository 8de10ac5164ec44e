import { notFound } from 'next/navigation';
import { categories, categoryBySlug, inCategory } from '../../../lib/catalog.js';
import { ProductCard } from '../../shop.jsx';

export const generateStaticParams = () => categories.map((c) => ({ slug: c.slug }));

export default async function Category({ params }) {
  const category = categoryBySlug((await params).slug);
  if (!category) notFound();
  return (
    <>
      <h1>{category.name}</h1>
      <ul>{inCategory(category).map((p) => <ProductCard key={p.product_id} product={p} list={category.slug} />)}</ul>
    </>
  );
}
