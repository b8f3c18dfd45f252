/** The product mark: a key in a rounded square. */
export function Logo({ size = 24 }: { size?: number }) {
  return (
    <svg viewBox="0 0 32 32" width={size} height={size} aria-hidden="true" className="logo">
      <rect width="32" height="32" rx="8" className="logo-bg" />
      <circle cx="12" cy="16" r="5" fill="none" stroke="currentColor" strokeWidth="2.5" />
      <path
        d="M17 16h9M23 16v4M26 16v3"
        stroke="currentColor"
        strokeWidth="2.5"
        strokeLinecap="round"
        fill="none"
      />
    </svg>
  );
}
