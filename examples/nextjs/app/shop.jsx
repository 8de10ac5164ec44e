'use client';
// Client state that outlives navigations (the root layout stays mounted): the cart and the
// signed-in user, plus the components that send the shop's events.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { useTracker } from 'clickstream-sdk/react';
import { productFields, productPath } from '../lib/catalog.js';

const ShopContext = createContext(null);
export const useShop = () => useContext(ShopContext);

export function ShopProvider({ children }) {
  const [cart, setCart] = useState([]);
  const [user, setUser] = useState(null);
  return <ShopContext.Provider value={{ cart, setCart, user, setUser }}>{children}</ShopContext.Provider>;
}

export function Header() {
  const { cart, user, setUser } = useShop();
  const tracker = useTracker();
  const router = useRouter();
  const [q, setQ] = useState('');
  const search = (e) => {
    e.preventDefault();
    tracker.track('search', { search_term: q });
    router.push(`/search?q=${encodeURIComponent(q)}`);
  };
  const signOut = () => {
    tracker.track('logout');
    tracker.reset(); // sign-out: a new anonymous client id and session
    setUser(null);
  };
  return (
    <header>
      <nav>
        <Link href="/">Home</Link> | <Link href="/cart" id="cart-link">Cart ({cart.length})</Link> |{' '}
        {user ? (
          <>signed in as <b>{user}</b> <button onClick={signOut}>Sign out</button></>
        ) : (
          <Link href="/signin">Sign in</Link>
        )}
      </nav>
      <form onSubmit={search} role="search">
        <input name="q" aria-label="Search" value={q} onChange={(e) => setQ(e.target.value)} />
        <button>Search</button>
      </form>
    </header>
  );
}

/** A product link that reports the click (and the list it was in) before navigating. */
export function ProductCard({ product, list }) {
  const tracker = useTracker();
  return (
    <li>
      <Link href={productPath(product)} onClick={() => tracker.track('product_click', { ...productFields(product), list })}>
        {product.product_name}
      </Link>{' '}
      ${product.product_price.toFixed(2)}
    </li>
  );
}

/** Sends `name` once per `key` on mount; the ref survives StrictMode's effect replay. */
export function useTrackOnce(name, properties, key) {
  const tracker = useTracker();
  const sent = useRef(null);
  useEffect(() => {
    if (sent.current === key) return;
    sent.current = key;
    tracker.track(name, properties);
  }, [tracker, name, key]); // properties belong to `key`: a new object alone is no new event
}

export function AddToCart({ product, list }) {
  const tracker = useTracker();
  const { setCart } = useShop();
  const add = () => {
    tracker.track('add_to_cart', { ...productFields(product), quantity: 1, ...(list && { list }) });
    setCart((c) => [...c, product]);
  };
  return <button onClick={add} data-add={product.product_id}>Add to cart</button>;
}
