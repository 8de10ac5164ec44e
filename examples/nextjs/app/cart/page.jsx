'use client';
import { useRouter } from 'next/navigation';
import { useTracker } from 'clickstream-sdk/react';
import { cartValue, productFields, products } from '../../lib/catalog.js';
import { AddToCart, useShop } from '../shop.jsx';

export default function Cart() {
  const tracker = useTracker();
  const router = useRouter();
  const { cart, setCart } = useShop();
  const remove = (i) => {
    tracker.track('remove_from_cart', { ...productFields(cart[i]), quantity: 1 });
    setCart((c) => c.filter((_, j) => j !== i));
  };
  const checkout = () => {
    tracker.track('begin_checkout', { value: cartValue(cart), currency: 'USD', items: cart.length });
    router.push('/checkout');
  };
  const suggestions = products.filter((p) => !cart.includes(p)).slice(0, 3);
  return (
    <>
      <h1>Cart</h1>
      {cart.length ? (
        <ul>
          {cart.map((p, i) => (
            <li key={i}>
              {p.product_name} ${p.product_price.toFixed(2)}{' '}
              <button onClick={() => remove(i)} data-remove={p.product_id}>Remove</button>
            </li>
          ))}
        </ul>
      ) : (
        <p>Your cart is empty.</p>
      )}
      <p>Total: ${cartValue(cart).toFixed(2)}</p>
      <button onClick={checkout} disabled={!cart.length} id="checkout">Checkout</button>
      <h2>Add something else</h2>
      <ul>
        {suggestions.map((p) => (
          <li key={p.product_id}>{p.product_name} <AddToCart product={p} list="cart" /></li>
        ))}
      </ul>
    </>
  );
}
