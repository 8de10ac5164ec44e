'use client';
// A stand-in for Cognito's hosted sign-in: the user name becomes the user id.
import { useRouter } from 'next/navigation';
import { useTracker } from 'clickstream-sdk/react';
import { useShop } from '../shop.jsx';

export default function SignIn() {
  const tracker = useTracker();
  const router = useRouter();
  const { setUser } = useShop();
  const signIn = (e) => {
    e.preventDefault();
    const userId = String(new FormData(e.currentTarget).get('user'));
    tracker.identify(userId, 'cognito-stub'); // first, so the login event carries the user
    tracker.track('login', { method: 'cognito-stub' });
    setUser(userId);
    router.push('/');
  };
  return (
    <form onSubmit={signIn}>
      <h1>Sign in</h1>
      <label>User <input name="user" defaultValue="user_123" required /></label>{' '}
      <label>Password <input name="password" type="password" defaultValue="demo" /></label>{' '}
      <button id="sign-in">Sign in</button>
    </form>
  );
}
