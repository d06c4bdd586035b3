// No @vitejs/plugin-react: Vite's own esbuild step compiles JSX (React's automatic runtime).
export default {
  esbuild: { jsx: "automatic" },
};
