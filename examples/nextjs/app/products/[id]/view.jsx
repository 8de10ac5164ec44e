'use client';
import { useTrackOnce } from '../../shop.jsx';

export function ProductView({ product }) {
  useTrackOnce('product_view', product, product.product_id);
  return null;
}
