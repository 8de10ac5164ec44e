// The two hooks next.tsx uses, so the package builds without next installed; the app's own next
// provides the module at run time (`next` is an optional peer dependency).
declare module 'next/navigation' {
  export function usePathname(): string | null;
  export function useSearchParams(): URLSearchParams | null;
}
