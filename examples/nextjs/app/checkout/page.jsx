'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTracker } from 'clickstream-sdk/react';
import { cartValue } from '../../lib/catalog.js';
import { useShop } from '../shop.jsx';

export default function Checkout() {
  const tracker = useTracker();
  const router = useRouter();
  const { cart, setCart } = useShop();
  const [shipping, setShipping] = useState(null);
  const value = cartValue(cart);

  const submitShipping = (e) => {
    e.preventDefault();
    const form = Object.fromEntries(new FormData(e.currentTarget));
    tracker.track('add_shipping_info', { shipping_tier: form.tier, value, currency: 'USD' });
    setShipping(form);
  };
  const placeOrder = () => {
    const orderId = `ORD-${Date.now().toString(36).toUpperCase()}`;
    tracker.track('purchase', { transaction_id: orderId, value, currency: 'USD', items: cart.length,
      shipping_tier: shipping.tier });
    setCart([]);
    router.push(`/order/${orderId}`);
  };

  if (!cart.length) return <p>Your cart is empty.</p>;
  return (
    <>
      <h1>Checkout</h1>
      <p>{cart.length} item(s), ${value.toFixed(2)}</p>
      {shipping ? (
        <>
          <p>Ship to {shipping.name}, {shipping.address}, {shipping.city} ({shipping.tier})</p>
          <button onClick={placeOrder} id="place-order">Place order</button>
        </>
      ) : (
        <form onSubmit={submitShipping}>
          <label>Name <input name="name" required /></label><br />
          <label>Address <input name="address" required /></label><br />
          <label>City <input name="city" required /></label><br />
          <label>Shipping{' '}
            <select name="tier" defaultValue="standard">
              <option value="standard">Standard</option>
              <option value="express">Express</option>
            </select>
          </label><br />
          <button id="continue">Continue to review</button>
        </form>
      )}
    </>
  );
}
